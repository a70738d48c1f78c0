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
#include "trilink/flight.h"
#include "trilink/predict.h"
#include "trilink/zones.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0_NS 1700000000000000000LL
#define SEC_NS 1000000000LL

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
                          CASES[k].name, t_from, tf, d, dt, p.ell.semi_major_m, p.ell.semi_minor_m);
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

static double d2_in_ellipse_ecef(const tl_ground_ellipse *ell, const tl_geodetic *centre,
                                 const double p_ecef[3])
{
    tl_geodetic ref = *centre;
    double ref_ecef[3], enu[3];
    tl_geodetic_to_ecef(&ref, ref_ecef);
    tl_ecef_to_enu(&ref, ref_ecef, p_ecef, enu);
    const double(*C)[2] = ell->cov_en_m2;
    double det = C[0][0] * C[1][1] - C[0][1] * C[1][0];
    return (C[1][1] * enu[0] * enu[0] - 2 * C[0][1] * enu[0] * enu[1] + C[0][0] * enu[1] * enu[1]) /
           det;
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
        {&CASES[0], 0.3, 300.0, 3.0}, /* ICBM midcourse, radar-quality track */
        {&CASES[2], 0.2, 150.0, 2.0}, /* MRBM */
        {&CASES[4], 0.1, 500.0, 8.0}, /* lofted, early and rough */
        {&CASES[3], 0.3, 100.0, 3.0}, /* SRBM */
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

/* The re-entry body's ballistic coefficient is never known exactly: truth drawn with a
 * log-normal beta (30%), predictions with and without beta in the unscented transform. */
static void test_impact_consistency_uncertain_beta(void **state)
{
    (void)state;
    const int n = env_long() ? 1000 : 300;
    const double frac = 0.3, beta0 = 5000.0;
    tl_test_rng r;
    tl_test_rng_seed(&r, 77);
    double x0[6];
    make_state(&CASES[3], x0); /* SRBM: most of its flight in the air */
    tl_predict_cfg c;
    tl_predict_cfg_default(&c);
    c.model.beta_kg_m2 = beta0;
    double xi0[6];
    double tf = truth_impact(&c.model, x0, xi0);
    double xt[6];
    memcpy(xt, x0, sizeof xt);
    tl_dyn_propagate(&c.model, xt, 0.4 * tf, 0.02); /* drag is small before 40% */
    int in_with = 0, in_without = 0;
    double spread = 0.0;
    for (int k = 0; k < n; k++) {
        tl_dyn_model truth = c.model;
        truth.beta_kg_m2 = beta0 * exp(log1p(frac) * tl_test_normal(&r));
        double xi[6];
        truth_impact(&truth, xt, xi);
        tl_state_est e = {.t_ns = T0_NS};
        small_cov(e.P, 50.0, 0.5);
        sample(&r, xt, e.P, e.x);
        for (int with = 0; with < 2; with++) {
            c.beta_sigma_frac = with ? frac : 0.0;
            tl_impact_pred p;
            assert_int_equal(tl_predict_impact(&c, &e, &p, NULL), TL_OK);
            double d2 = d2_in_ellipse_ecef(&p.ell, &p.point, xi);
            if (with) {
                in_with += d2 <= TL_CHI2_2_95;
                spread += dist_m(&p.point, xi);
            } else {
                in_without += d2 <= TL_CHI2_2_95;
            }
        }
    }
    print_message("SRBM, beta known to 30%%, %d runs: true impact inside 95%% ellipse %.1f%% with"
                  " beta in the UT, %.1f%% without (mean miss %.0f m)\n",
                  n, 100.0 * in_with / n, 100.0 * in_without / n, spread / n);
    /* binomial sd at n = 300 is 1.26%: 3 sd band */
    assert_true(in_with >= 0.91 * n && in_with <= 0.99 * n);
    assert_true(in_without < 0.85 * n); /* ignoring beta is overconfident */
}

/* Coverage by class and phase, as the node predicts: the re-entry body's ballistic
 * coefficient is unknown, drawn per run from the class prior (tl_predict_beta_prior:
 * median the flight.h preset, 1-sigma 0.5 in ln beta); the truth is flown from burnout
 * with it by RK4 (0.1 s; the ground crossing by truth_impact's 0.02 s steps and bisection)
 * and estimates truth + N(0, P) are taken at four times
 * before impact. "Before": flown without drag (the node's configuration until now);
 * "after": flown with the class prior and its spread in the UT. Each cell is a binomial
 * count: 95% +/- 3 sd is asserted for "after" (TL_LONG=1: 500 runs per class). */
static void test_coverage_by_class_and_phase(void **state)
{
    (void)state;
    const int n = env_long() ? 500 : 120;
    struct {
        const burnout *b;
        tl_missile_class cls;
        double tgo[4];
    } cl[2] = {{&CASES[3], TL_CLASS_SRBM, {150, 90, 45, 15}},
               {&CASES[0], TL_CLASS_ICBM, {900, 240, 90, 30}}};
    tl_test_rng r;
    tl_test_rng_seed(&r, 2026);
    for (int c = 0; c < 2; c++) {
        double beta0, lns;
        tl_predict_beta_prior(cl[c].cls, &beta0, &lns);
        tl_predict_cfg before, after;
        tl_predict_cfg_default(&before); /* no drag: beta 0 */
        tl_predict_cfg_default(&after);
        tl_predict_cfg_set_beta(&after, beta0, lns);
        double x0[6], xi[6];
        make_state(cl[c].b, x0);
        double tf0 = truth_impact(&after.model, x0, xi);
        int in_b[4] = {0}, in_a[4] = {0};
        double sma[4] = {0}, miss[4] = {0};
        for (int k = 0; k < n; k++) {
            tl_dyn_model truth = after.model;
            truth.beta_kg_m2 = beta0 * exp(lns * tl_test_normal(&r));
            double x[6], prev[6], xs[4][6];
            memcpy(x, x0, sizeof x);
            int next = 0;
            double t = 0;
            const double dt = 0.1;
            for (int i = 0; i < 1000000 && height(x) > 0; i++) {
                while (next < 4 && t >= tf0 - cl[c].tgo[next])
                    memcpy(xs[next++], x, sizeof x);
                memcpy(prev, x, sizeof x);
                tl_dyn_rk4_step(&truth, x, dt);
                t += dt;
            }
            double ximp[6];
            truth_impact(&truth, prev, ximp); /* the crossing, from the last state above ground */
            for (int b = 0; b < next; b++) {
                tl_state_est e = {.t_ns = T0_NS};
                int term = cl[c].tgo[b] <= 45;
                track_cov(e.P, term ? 60.0 : 100.0, term ? 6.0 : 3.0, &r);
                sample(&r, xs[b], e.P, e.x);
                tl_impact_pred pb, pa;
                assert_int_equal(tl_predict_impact(&before, &e, &pb, NULL), TL_OK);
                assert_int_equal(tl_predict_impact(&after, &e, &pa, NULL), TL_OK);
                in_b[b] += d2_in_ellipse_ecef(&pb.ell, &pb.point, ximp) <= TL_CHI2_2_95;
                in_a[b] += d2_in_ellipse_ecef(&pa.ell, &pa.point, ximp) <= TL_CHI2_2_95;
                sma[b] += pa.ell.semi_major_m / n;
                miss[b] += dist_m(&pa.point, ximp) / n;
            }
        }
        double sd = sqrt(0.95 * 0.05 / n);
        for (int b = 0; b < 4; b++) {
            print_message(
                "%s %4.0f s before impact, %d runs: inside the 95%% ellipse %5.1f%% before"
                " (no drag), %5.1f%% after (prior beta %.0f, ln-sigma %.1f; mean 95%% "
                "semi-major %.2f km, mean miss %.2f km)\n",
                cl[c].b->name, cl[c].tgo[b], n, 100.0 * in_b[b] / n, 100.0 * in_a[b] / n, beta0,
                lns, sma[b] / 1e3, miss[b] / 1e3);
            double fa = (double)in_a[b] / n;
            assert_true(fa >= 0.95 - 3 * sd && fa <= 0.95 + 3 * sd);
        }
        assert_true(in_b[3] < 0.8 * n); /* terminal without drag: overconfident */
    }
}

/* Sampled trajectories for the overflight probability. A state heading for northern
 * Honshu (40N 126E, 150 km, 3050 m/s, 35 deg, azimuth 80) whose flight comes down through
 * 50 km near the coast, with 1 km / 20 m/s uncertainty: the share of the 32 sampled
 * trajectories over Japanese territory at or above 50 km must agree with an independent
 * Monte Carlo (400 states drawn by this test's generator, each flown by
 * tl_predict_ground_track sampled every 1 s, cut at 50 km here and walked by
 * tl_zones_track_overflies)
 * within 3 sd of the difference (0.27). With a tiny covariance every sampled track is
 * the mean ground track above 50 km. */
static void test_sampled_tracks_overflight(void **state)
{
    (void)state;
    tl_zones *z = NULL;
    tl_err err;
    assert_int_equal(tl_zones_load_default(&z, &err), TL_OK);
    burnout b = {"honshu", 40.0, 126.0, 150e3, 3050.0, 35.0, 80.0};
    tl_state_est e = {.t_ns = T0_NS};
    make_state(&b, e.x);
    small_cov(e.P, 1000.0, 20.0);
    tl_predict_cfg c;
    tl_predict_cfg_default(&c);
    tl_predict_cfg_set_beta(&c, 10000.0, 0.5);
    const double hmin = 50e3, dt = 20.0;
    static tl_geodetic ens[32 * 256];
    size_t np[32];
    assert_int_equal(tl_predict_sampled_tracks(&c, &e, 32, 7, dt, hmin, ens, 256, np, &err), TL_OK);
    const tl_geodetic *trk[32];
    for (int k = 0; k < 32; k++) {
        trk[k] = ens + k * 256;
        assert_true(np[k] >= 2);
        for (size_t i = 0; i < np[k]; i++)
            assert_true(trk[k][i].h_m >= hmin - 1.0);
    }
    double p_ens = -1;
    assert_int_equal(tl_zones_overflight_probability(z, trk, np, NULL, 32,
                                                     TL_ZONE_MASK_JP_TERRITORY, 0, &p_ens, &err),
                     TL_OK);
    tl_test_rng r;
    tl_test_rng_seed(&r, 99);
    const int n = 400;
    int over = 0;
    static tl_track_sample gt[2048];
    static tl_geodetic cut[2048];
    for (int k = 0; k < n; k++) {
        tl_state_est s = e;
        sample(&r, e.x, e.P, s.x);
        tl_predict_cfg ck = c;
        ck.model.beta_kg_m2 = 10000.0 * exp(0.5 * tl_test_normal(&r));
        size_t ng = 0, m = 0;
        assert_int_equal(tl_predict_ground_track(&ck, &s, 1.0, gt, 2048, &ng, NULL), TL_OK);
        for (size_t i = 0; i < ng; i++)
            if (gt[i].h_m >= hmin)
                cut[m++] = (tl_geodetic){gt[i].lat_rad, gt[i].lon_rad, gt[i].h_m};
        tl_overflight o = {0};
        if (m > 0)
            assert_int_equal(
                tl_zones_track_overflies(z, cut, m, TL_ZONE_MASK_JP_TERRITORY, 0, &o, NULL), TL_OK);
        over += o.overflies;
    }
    double p_mc = (double)over / n;
    print_message("overflight of Japan above 50 km: sampled (32) %.3f, Monte Carlo (%d) %.3f\n",
                  p_ens, n, p_mc);
    assert_true(p_mc > 0.15 && p_mc < 0.85); /* a case that is neither 0 nor 1 */
    assert_true(fabs(p_ens - p_mc) < 0.27);
    /* tiny covariance: each sampled track is the mean ground track above 50 km */
    small_cov(e.P, 1e-3, 1e-5);
    c.beta_sigma_frac = 0;
    assert_int_equal(tl_predict_sampled_tracks(&c, &e, 4, 7, dt, hmin, ens, 256, np, &err), TL_OK);
    size_t ng = 0;
    assert_int_equal(tl_predict_ground_track(&c, &e, dt, gt, 512, &ng, NULL), TL_OK);
    size_t j = 0;
    for (size_t i = 0; i < ng; i++) {
        if (gt[i].h_m < hmin)
            continue;
        while (j < np[1] && fabs(ens[256 + j].h_m - hmin) < 1e-6) /* crossing points */
            j++;
        assert_true(j < np[1]);
        tl_geodetic a = {gt[i].lat_rad, gt[i].lon_rad, gt[i].h_m};
        double pa[3];
        tl_geodetic_to_ecef(&a, pa);
        assert_true(dist_m(&ens[256 + j], pa) < 10.0);
        j++;
    }
    /* bad input */
    assert_int_equal(tl_predict_sampled_tracks(&c, &e, 0, 7, dt, hmin, ens, 256, np, &err),
                     TL_EINVAL);
    assert_int_equal(tl_predict_sampled_tracks(&c, &e, 65, 7, dt, hmin, ens, 256, np, &err),
                     TL_EINVAL);
    assert_non_null(strstr(err.msg, "n_tracks"));
    assert_int_equal(tl_predict_sampled_tracks(&c, &e, 4, 7, -1, hmin, ens, 256, np, &err),
                     TL_EINVAL);
    tl_zones_destroy(z);
}

/* ---- launch point, class, loft against flights of flight.h ---------------------------- */

typedef struct flight_case {
    double lat_deg, lon_deg, az_deg, range_km;
    tl_missile_class cls;
    tl_loft loft;
} flight_case;

/* launch sites and azimuths differ from the flights the boost model was measured on
 * (39.0 N 125.7 E, azimuth 80 deg): these are out-of-sample */
static const flight_case FLIGHTS[] = {
    {40.6, 124.8, 110.0, 450, TL_CLASS_SRBM, TL_LOFT_MIN_ENERGY},
    {38.2, 127.1, 60.0, 1300, TL_CLASS_MRBM, TL_LOFT_MIN_ENERGY},
    {40.0, 125.0, 95.0, 4000, TL_CLASS_IRBM, TL_LOFT_MIN_ENERGY},
    {39.5, 126.0, 100.0, 1100, TL_CLASS_IRBM, TL_LOFT_LOFTED},
    {39.5, 126.0, 45.0, 8500, TL_CLASS_ICBM, TL_LOFT_MIN_ENERGY},
    {39.5, 126.0, 90.0, 950, TL_CLASS_ICBM, TL_LOFT_LOFTED},
    {41.0, 129.0, 70.0, 3200, TL_CLASS_IRBM, TL_LOFT_DEPRESSED},
};

static double d2_in_ellipse(const tl_ground_ellipse *e, const tl_geodetic *centre,
                            const tl_geodetic *truth)
{
    tl_geodetic c = *centre, t = *truth;
    c.h_m = t.h_m = 0.0;
    double ce[3], te[3], enu[3];
    tl_geodetic_to_ecef(&c, ce);
    tl_geodetic_to_ecef(&t, te);
    tl_ecef_to_enu(&c, ce, te, enu);
    const double(*C)[2] = e->cov_en_m2;
    double det = C[0][0] * C[1][1] - C[0][1] * C[1][0];
    return (C[1][1] * enu[0] * enu[0] - 2 * C[0][1] * enu[0] * enu[1] + C[0][0] * enu[1] * enu[1]) /
           det;
}

static void test_launch_and_threat_vs_flights(void **state)
{
    (void)state;
    tl_predict_cfg c;
    tl_predict_cfg_default(&c);
    double sum_corr = 0, sum_ball = 0;
    for (size_t k = 0; k < sizeof FLIGHTS / sizeof FLIGHTS[0]; k++) {
        const flight_case *fc = &FLIGHTS[k];
        tl_flight_request q;
        memset(&q, 0, sizeof q);
        q.launch.lat_rad = fc->lat_deg * TL_DEG;
        q.launch.lon_rad = fc->lon_deg * TL_DEG;
        q.azimuth_rad = fc->az_deg * TL_DEG;
        q.range_m = fc->range_km * 1e3;
        q.loft = fc->loft;
        q.cls = fc->cls;
        tl_flight f;
        tl_err err;
        assert_int_equal(tl_flight_solve(&q, &f, &err), TL_OK);
        tl_traj tr;
        assert_int_equal(tl_flight_trajectory(&f, 1.0, 0.0, &tr, &err), TL_OK);
        c.model.beta_kg_m2 = tl_missile_preset_get(f.cls)->beta_rv_kg_m2;
        for (int part = 0; part < 2; part++) {
            double tm = f.burnout_t_s + (part ? 0.6 : 0.2) * (f.flight_time_s - f.burnout_t_s);
            tl_state_est e = {.t_ns = T0_NS + (int64_t)llround(tm * 1e9)};
            assert_int_equal(tl_traj_at(&tr, tm, e.x, NULL, NULL), TL_OK);
            small_cov(e.P, 1.0, 0.01);
            tl_threat_pred th;
            assert_int_equal(tl_predict_threat(&c, &e, &th, &err), TL_OK);
            assert_int_equal(th.impact.status, TL_PRED_IMPACT);
            assert_int_equal(th.launch.status, TL_PRED_IMPACT);
            double dl, db, di;
            tl_geodesic_inverse(q.launch.lat_rad, q.launch.lon_rad, th.launch.point.lat_rad,
                                th.launch.point.lon_rad, &dl, NULL, NULL);
            tl_geodesic_inverse(q.launch.lat_rad, q.launch.lon_rad,
                                th.launch.ballistic_point.lat_rad,
                                th.launch.ballistic_point.lon_rad, &db, NULL, NULL);
            tl_geodesic_inverse(f.impact.lat_rad, f.impact.lon_rad, th.impact.point.lat_rad,
                                th.impact.point.lon_rad, &di, NULL, NULL);
            double t_launch = (double)(th.launch.t_ns - T0_NS) * 1e-9;
            double t_imp = (double)(th.impact.t_ns - T0_NS) * 1e-9;
            double d2 = d2_in_ellipse(&th.launch.ell, &th.launch.point, &q.launch);
            print_message(
                "%-5s %5.0f km loft %d at t+%4.0f s: launch miss %6.1f km (ballistic %6.1f"
                " km), time %+6.1f s (sigma %4.1f), d2 %5.2f | impact miss %5.0f m"
                " %+5.2f s | range %6.0f km apogee %5.0f/%5.0f km class %s/%s loft %d\n",
                tl_missile_class_name(f.cls), fc->range_km, fc->loft, tm, dl / 1e3, db / 1e3,
                t_launch, th.launch.t_sigma_s, d2, di, t_imp - f.flight_time_s, th.range_m / 1e3,
                th.apogee_h_m / 1e3, f.apogee_m / 1e3, tl_missile_class_name(th.cls),
                tl_missile_class_name(th.cls_energy), th.loft);
            sum_corr += dl;
            sum_ball += db;
            /* launch truth inside the 99.9% ellipse, time within 3.3 sigma */
            assert_true(d2 <= 13.82);
            assert_true(fabs(t_launch) <= 3.3 * th.launch.t_sigma_s);
            /* the impact point of the real flight (the same force model) */
            assert_true(di < 100.0);
            assert_true(fabs(t_imp - f.flight_time_s) < 0.5);
            /* apogee (numerical, same model) and range */
            assert_near(th.apogee_h_m, f.apogee_m, 0.002 * f.apogee_m + 500.0);
            assert_near(th.range_m, f.range_m, 0.02 * f.range_m + 5e3);
            /* loft flag against the request; class by range against the true range */
            assert_int_equal(th.loft, fc->loft);
            assert_int_equal(th.cls, tl_predict_class_of_range(f.range_m));
            assert_int_equal(th.space_launch, 0);
        }
        tl_traj_free(&tr);
    }
    print_message("mean launch-point miss: corrected %.1f km, ballistic only %.1f km\n",
                  sum_corr / 14e3, sum_ball / 14e3);
    assert_true(sum_corr < 0.5 * sum_ball);
}

static void test_space_launch(void **state)
{
    (void)state;
    tl_flight_request q;
    memset(&q, 0, sizeof q);
    q.launch.lat_rad = 39.66 * TL_DEG; /* Sohae, public coordinates */
    q.launch.lon_rad = 124.71 * TL_DEG;
    q.azimuth_rad = 180.0 * TL_DEG;
    q.cls = TL_CLASS_SLV;
    tl_flight f;
    tl_err err;
    assert_int_equal(tl_flight_solve(&q, &f, &err), TL_OK);
    assert_int_equal(f.orbital, 1);
    tl_predict_cfg c;
    tl_predict_cfg_default(&c);
    tl_state_est e = {.t_ns = T0_NS};
    memcpy(e.x, f.burnout_x_ecef, sizeof e.x);
    small_cov(e.P, 50.0, 0.5);
    tl_threat_pred th;
    assert_int_equal(tl_predict_threat(&c, &e, &th, &err), TL_OK);
    double pe, ap;
    tl_flight_is_orbital(f.burnout_x_ecef, &pe, &ap);
    print_message("space launch: status %d, a %.0f km, e %.4f, i %.2f deg, perigee %.0f km,"
                  " apogee %.0f km (flight: %.0f / %.0f km), period %.1f min\n",
                  th.impact.status, th.impact.orbit.a_m / 1e3, th.impact.orbit.e,
                  th.impact.orbit.incl_rad / TL_DEG, th.impact.orbit.perigee_h_m / 1e3,
                  th.impact.orbit.apogee_h_m / 1e3, pe / 1e3, ap / 1e3,
                  th.impact.orbit.period_s / 60);
    assert_int_equal(th.impact.status, TL_PRED_ORBIT);
    assert_int_equal(th.space_launch, 1);
    assert_int_equal(th.cls, TL_CLASS_SLV);
    /* heights over the ellipsoid vs the flight's over the equatorial radius: within 25 km */
    assert_near(th.impact.orbit.apogee_h_m, ap, 25e3);
    assert_near(th.impact.orbit.perigee_h_m, pe, 25e3);
    /* a southbound launch from 39.7 N: inclination near 180 - 90 +/- a few degrees */
    assert_true(th.impact.orbit.incl_rad > 80 * TL_DEG && th.impact.orbit.incl_rad < 110 * TL_DEG);
    /* the same orbit slowed by 300 m/s no longer stays up */
    for (int i = 3; i < 6; i++)
        e.x[i] *= 1.0 - 300.0 / f.burnout_speed_mps;
    tl_impact_pred ip;
    assert_int_equal(tl_predict_impact(&c, &e, &ip, &err), TL_OK);
    assert_int_equal(ip.status, TL_PRED_IMPACT);
}

static void test_ground_track(void **state)
{
    (void)state;
    tl_predict_cfg c;
    default_cfg(&c);
    double x0[6], xi[6];
    make_state(&CASES[1], x0);
    double tf = truth_impact(&c.model, x0, xi);
    tl_state_est e = {.t_ns = T0_NS};
    memcpy(e.x, x0, sizeof e.x);
    small_cov(e.P, 1.0, 0.01);
    static tl_track_sample tr[400];
    size_t n;
    tl_err err;
    assert_int_equal(tl_predict_ground_track(&c, &e, 5.0, tr, 400, &n, &err), TL_OK);
    assert_int_equal(n, (size_t)ceil(tf / 5.0) + 1);
    for (size_t i = 0; i + 1 < n; i++) {
        assert_int_equal(tr[i].t_ns, T0_NS + (int64_t)i * 5 * SEC_NS);
        /* each sample against the fine RK4 truth at the same time */
        double x[6];
        memcpy(x, x0, sizeof x);
        tl_dyn_propagate(&c.model, x, 5.0 * i, 0.02);
        tl_geodetic g = {tr[i].lat_rad, tr[i].lon_rad, tr[i].h_m};
        assert_true(dist_m(&g, x) < 2.0);
    }
    tl_geodetic last = {tr[n - 1].lat_rad, tr[n - 1].lon_rad, 0.0};
    assert_true(dist_m(&last, xi) < 2.0);
    assert_near(tr[n - 1].h_m, 0.0, 0.01);
    /* capacity respected */
    assert_int_equal(tl_predict_ground_track(&c, &e, 5.0, tr, 10, &n, &err), TL_OK);
    assert_int_equal(n, 10);
    assert_int_equal(tl_predict_ground_track(&c, &e, 0.0, tr, 10, &n, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "dt_s"));
}

static void test_est_propagate_vs_finite_difference(void **state)
{
    (void)state;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.flags &= ~(unsigned)TL_DYN_DRAG;
    tl_test_rng r;
    tl_test_rng_seed(&r, 9);
    for (size_t k = 0; k < 3; k++) {
        tl_state_est e = {.t_ns = T0_NS}, o;
        make_state(&CASES[k], e.x);
        track_cov(e.P, 200.0, 3.0, &r);
        const double dt = 6.0;
        assert_int_equal(tl_est_propagate(&m, &e, T0_NS + (int64_t)(dt * 1e9), 0.0, &o), TL_OK);
        /* state: the RK4 propagator itself */
        double x[6];
        memcpy(x, e.x, sizeof x);
        tl_dyn_propagate(&m, x, dt, 0.1);
        for (int i = 0; i < 6; i++)
            assert_near(o.x[i], x[i], i < 3 ? 1e-3 : 1e-6);
        /* covariance: transition matrix by central differences of the propagator */
        double F[6][6];
        for (int j = 0; j < 6; j++) {
            double xp[6], xm[6], h = j < 3 ? 1.0 : 1e-3;
            memcpy(xp, e.x, sizeof xp);
            memcpy(xm, e.x, sizeof xm);
            xp[j] += h;
            xm[j] -= h;
            tl_dyn_propagate(&m, xp, dt, 0.1);
            tl_dyn_propagate(&m, xm, dt, 0.1);
            for (int i = 0; i < 6; i++)
                F[i][j] = (xp[i] - xm[i]) / (2 * h);
        }
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                double v = 0;
                for (int a = 0; a < 6; a++)
                    for (int b = 0; b < 6; b++)
                        v += F[i][a] * e.P[a][b] * F[j][b];
                assert_near(o.P[i][j], v, 1e-4 * sqrt(o.P[i][i] * o.P[j][j]));
            }
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    tl_predict_cfg c;
    tl_predict_cfg_default(&c);
    tl_state_est e = {.t_ns = T0_NS};
    make_state(&CASES[0], e.x);
    small_cov(e.P, 1.0, 0.01);
    tl_impact_pred p;
    tl_err err;
    e.P[4][4] = NAN;
    assert_int_equal(tl_predict_impact(&c, &e, &p, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "non-finite"));
    e.P[4][4] = -1.0;
    assert_int_equal(tl_predict_impact(&c, &e, &p, &err), TL_ENOTPD);
    assert_non_null(strstr(err.msg, "positive definite"));
    small_cov(e.P, 1.0, 0.01);
    e.x[0] = e.x[1] = e.x[2] = 1000.0;
    assert_int_equal(tl_predict_impact(&c, &e, &p, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "inside the Earth"));
    assert_int_equal(tl_predict_impact(&c, NULL, &p, &err), TL_EINVAL);
    /* a terminal-phase estimate that noise put 200 m underground: impact now, there */
    tl_geodetic g = {35.0 * TL_DEG, 135.0 * TL_DEG, -200.0};
    tl_geodetic_to_ecef(&g, e.x);
    double venu[3] = {100.0, 0.0, -800.0};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, venu, e.x + 3);
    small_cov(e.P, 50.0, 5.0);
    assert_int_equal(tl_predict_impact(&c, &e, &p, &err), TL_OK);
    assert_int_equal(p.status, TL_PRED_IMPACT);
    assert_true(fabs(p.time_to_go_s) < 1.0);
    assert_near(p.point.lat_rad, g.lat_rad, 1e-4);
    tl_launch_pred lp;
    assert_int_equal(tl_predict_launch(&c, &e, &lp, &err), TL_OK);
    assert_int_equal(lp.status, TL_PRED_NO_IMPACT);
}

static void test_min_energy_and_class(void **state)
{
    (void)state;
    /* flat-Earth limit: the 45-degree shot peaks at a quarter of its range */
    assert_near(tl_predict_min_energy_apogee(10e3), 2.5e3, 5.0);
    /* Keplerian min-energy apogee cross-checked with flight.h's own implementation */
    for (double rg = 300e3; rg < 15000e3; rg *= 1.7)
        assert_near(tl_predict_min_energy_apogee(rg), tl_kepler_min_energy_apogee(rg, 6371008.8),
                    1.0);
    assert_int_equal(tl_predict_class_of_range(999e3), TL_CLASS_SRBM);
    assert_int_equal(tl_predict_class_of_range(1000e3), TL_CLASS_MRBM);
    assert_int_equal(tl_predict_class_of_range(3000e3), TL_CLASS_IRBM);
    assert_int_equal(tl_predict_class_of_range(5500e3), TL_CLASS_ICBM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_impact_noise_free),
        cmocka_unit_test(test_impact_consistency),
        cmocka_unit_test(test_impact_consistency_uncertain_beta),
        cmocka_unit_test(test_coverage_by_class_and_phase),
        cmocka_unit_test(test_sampled_tracks_overflight),
        cmocka_unit_test(test_launch_and_threat_vs_flights),
        cmocka_unit_test(test_space_launch),
        cmocka_unit_test(test_ground_track),
        cmocka_unit_test(test_est_propagate_vs_finite_difference),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_min_energy_and_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
