/* test_predict.c — impact/launch prediction against independent truth.
 *
 * Truth: the same force model flown by the fixed-step RK4 of dynamics.h (tl_dyn_propagate)
 * in 0.02 s steps, with the ground crossing bisected to a microsecond — independent of
 * the prediction's adaptive Dormand-Prince integrator, event locator and unscented
 * transform. Trajectories start from burnout states built from (height, speed, flight-path
 * angle, azimuth) so the test does not depend on the flight solver.
 *
 * Consistency: 500 Monte Carlo estimates truth + N(0, P); the true impact point must fall
 * inside the predicted 95% ellipse 95% +/- 2% of the time (TL_LONG=1: 2,000 runs and
 * more scenarios).
 */
#include "tl_test.h"
#include "trilink/predict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0_NS 1700000000000000000LL

typedef struct burnout {
    const char *name;
    double lat_deg, lon_deg, h_m, v_mps, gamma_deg, az_deg;
} burnout;

/* burnout-like states: ICBM-class, IRBM, MRBM, SRBM, lofted IRBM */
static const burnout CASES[] = {
    {"icbm", 40.0, 125.5, 250e3, 6900.0, 22.0, 60.0},
    {"irbm", 40.0, 125.5, 150e3, 4900.0, 35.0, 90.0},
    {"mrbm", 39.0, 125.5, 80e3, 3000.0, 40.0, 80.0},
    {"srbm", 38.5, 126.0, 30e3, 1700.0, 38.0, 100.0},
    {"lofted", 40.0, 127.0, 150e3, 5000.0, 75.0, 80.0},
};

static void make_state(const burnout *b, double x[6])
{
    tl_geodetic g = {b->lat_deg * TL_DEG, b->lon_deg * TL_DEG, b->h_m};
    tl_geodetic_to_ecef(&g, x);
    double gm = b->gamma_deg * TL_DEG, az = b->az_deg * TL_DEG;
    double venu[3] = {b->v_mps * cos(gm) * sin(az), b->v_mps * cos(gm) * cos(az),
                      b->v_mps * sin(gm)};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, venu, x + 3);
}

static double height(const double x[6])
{
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    return g.h_m;
}

/* Truth: fine fixed-step RK4 to h = 0, bisection on the last step. Returns the flight time. */
static double truth_impact(const tl_dyn_model *m, const double x0[6], double x_imp[6])
{
    const double dt = 0.02;
    double x[6], prev[6], t = 0.0;
    memcpy(x, x0, sizeof x);
    for (int i = 0; i < 2000000; i++) {
        memcpy(prev, x, sizeof x);
        tl_dyn_rk4_step(m, x, dt);
        if (height(x) <= 0.0)
            break;
        t += dt;
    }
    double lo = 0.0, hi = dt;
    for (int it = 0; it < 40; it++) {
        double mid = 0.5 * (lo + hi), y[6];
        memcpy(y, prev, sizeof y);
        tl_dyn_propagate(m, y, mid, 1.0);
        if (height(y) > 0.0)
            lo = mid;
        else
            hi = mid;
    }
    memcpy(x_imp, prev, sizeof(double) * 6);
    tl_dyn_propagate(m, x_imp, 0.5 * (lo + hi), 1.0);
    return t + 0.5 * (lo + hi);
}

static void default_cfg(tl_predict_cfg *c)
{
    tl_predict_cfg_default(c);
    c->model.beta_kg_m2 = 8000.0; /* a re-entry vehicle's ballistic coefficient */
}

static void small_cov(double P[6][6], double sp, double sv)
{
    memset(P, 0, sizeof(double) * 36);
    for (int i = 0; i < 3; i++) {
        P[i][i] = sp * sp;
        P[i + 3][i + 3] = sv * sv;
    }
}

static double dist_m(const tl_geodetic *a, const double p_ecef[3])
{
    double q[3];
    tl_geodetic g = *a;
    tl_geodetic_to_ecef(&g, q);
    return sqrt(pow(q[0] - p_ecef[0], 2) + pow(q[1] - p_ecef[1], 2) + pow(q[2] - p_ecef[2], 2));
}

static void test_impact_noise_free(void **state)
{
    (void)state;
    tl_predict_cfg c;
    default_cfg(&c);
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        double x0[6], xi[6];
        make_state(&CASES[k], x0);
        double tf = truth_impact(&c.model, x0, xi);
        /* predict from burnout and from a state part-way along the flight */
        for (int part = 0; part < 2; part++) {
            tl_state_est e = {.t_ns = T0_NS};
            memcpy(e.x, x0, sizeof e.x);
            double t_from = part ? 0.5 * tf : 0.0;
            if (part)
                tl_dyn_propagate(&c.model, e.x, t_from, 0.02);
            small_cov(e.P, 1.0, 0.01);
            tl_impact_pred p;
            tl_err err;
            assert_int_equal(tl_predict_impact(&c, &e, &p, &err), TL_OK);
            assert_int_equal(p.status, TL_PRED_IMPACT);
            double d = dist_m(&p.point, xi);
            double dt = p.time_to_go_s - (tf - t_from);
            print_message("%-7s from t+%6.1f s: flight %7.2f s, impact miss %.3f m, time %+.4f s,"
                          " ellipse %.1f x %.1f m\n",
                          CASES[k].name, t_from, tf, d, dt, p.ell.semi_major_m,
                          p.ell.semi_minor_m);
            assert_true(d < 100.0);
            assert_true(fabs(dt) < 0.5);
            assert_int_equal(p.n_sigma_missed, 0);
        }
    }
}

/* covariance of a tracker estimate: position sigma sp with a range-like long axis, and
 * velocity sigma sv, correlated with position as a filter's would be */
static void track_cov(double P[6][6], double sp, double sv, tl_test_rng *r)
{
    double A[6][6];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            A[i][j] = 0.3 * (tl_test_normal(r)) * (i < 3 ? sp : sv);
    for (int i = 0; i < 6; i++)
        A[i][i] += i < 3 ? sp : sv;
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            double s = 0;
            for (int k = 0; k < 6; k++)
                s += A[i][k] * A[j][k];
            P[i][j] = s;
        }
}

static void sample(tl_test_rng *r, const double x[6], const double P[6][6], double out[6])
{
    double L[6][6] = {{0}};
    for (int i = 0; i < 6; i++)
        for (int j = 0; j <= i; j++) {
            double s = P[i][j];
            for (int k = 0; k < j; k++)
                s -= L[i][k] * L[j][k];
            L[i][j] = (i == j) ? sqrt(s) : s / L[j][j];
        }
    double z[6];
    for (int i = 0; i < 6; i++)
        z[i] = tl_test_normal(r);
    for (int i = 0; i < 6; i++) {
        out[i] = x[i];
        for (int k = 0; k <= i; k++)
            out[i] += L[i][k] * z[k];
    }
}

static int env_long(void)
{
    const char *s = getenv("TL_LONG");
    return s && atoi(s) > 0;
}

/* fraction of runs whose true impact lies in the predicted 95% ellipse */
static double mc_coverage(const burnout *b, double frac_of_flight, double sp, double sv, int n,
                          uint64_t seed, double *time_cov)
{
    tl_predict_cfg c;
    default_cfg(&c);
    tl_test_rng r;
    tl_test_rng_seed(&r, seed);
    double x0[6], xi[6];
    make_state(b, x0);
    double tf = truth_impact(&c.model, x0, xi);
    double xt[6];
    memcpy(xt, x0, sizeof xt);
    tl_dyn_propagate(&c.model, xt, frac_of_flight * tf, 0.02);
    double tgo_true = tf - frac_of_flight * tf;
    int inside = 0, t_inside = 0;
    for (int k = 0; k < n; k++) {
        tl_state_est e = {.t_ns = T0_NS};
        track_cov(e.P, sp, sv, &r);
        sample(&r, xt, e.P, e.x);
        tl_impact_pred p;
        assert_int_equal(tl_predict_impact(&c, &e, &p, NULL), TL_OK);
        assert_int_equal(p.status, TL_PRED_IMPACT);
        tl_geodetic ref = p.point;
        double ref_ecef[3], enu[3];
        tl_geodetic_to_ecef(&ref, ref_ecef);
        tl_ecef_to_enu(&ref, ref_ecef, xi, enu);
        const double(*C)[2] = p.ell.cov_en_m2;
        double det = C[0][0] * C[1][1] - C[0][1] * C[1][0];
        double d2 = (C[1][1] * enu[0] * enu[0] - 2 * C[0][1] * enu[0] * enu[1] +
                     C[0][0] * enu[1] * enu[1]) /
                    det;
        inside += d2 <= TL_CHI2_2_95;
        double zt = (p.time_to_go_s - tgo_true) / p.t_sigma_s;
        t_inside += fabs(zt) <= 1.959964;
    }
    *time_cov = (double)t_inside / n;
    return (double)inside / n;
}

static void test_impact_consistency(void **state)
{
    (void)state;
    int n = env_long() ? 2000 : 500;
    struct {
        const burnout *b;
        double frac, sp, sv;
    } sc[] = {
        {&CASES[0], 0.3, 300.0, 3.0},  /* ICBM midcourse, radar-quality track */
        {&CASES[2], 0.2, 150.0, 2.0},  /* MRBM */
        {&CASES[4], 0.1, 500.0, 8.0},  /* lofted, early and rough */
        {&CASES[3], 0.3, 100.0, 3.0},  /* SRBM */
    };
    int nsc = env_long() ? 4 : 2;
    for (int k = 0; k < nsc; k++) {
        double tcov;
        double cov = mc_coverage(sc[k].b, sc[k].frac, sc[k].sp, sc[k].sv, n, 100 + k, &tcov);
        print_message("%-7s %d runs: true impact inside 95%% ellipse %.1f%%, impact time inside"
                      " 95%% interval %.1f%%\n",
                      sc[k].b->name, n, 100 * cov, 100 * tcov);
        /* 95% +/- 2% (binomial sd at n = 500 is 0.97%) */
        assert_true(cov >= 0.93 && cov <= 0.97);
        assert_true(tcov >= 0.93 && tcov <= 0.97);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_impact_noise_free),
        cmocka_unit_test(test_impact_consistency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
