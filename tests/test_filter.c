/* test_filter.c — estimation core against independent truth:
 *  - the analytic dynamics Jacobian and the STM against central differences of
 *    the propagator itself;
 *  - measurement Jacobians (radar with range rate, IR) against central differences;
 *  - reference model: EKF and UKF equal a plain linear KF (written here) on a
 *    linear-Gaussian problem;
 *  - consistency: NEES over 20 seeded runs inside the 95% chi-square band;
 *  - the limit: RMSE / PCRLB in midcourse (Tichavsky et al., IEEE TSP 46(5) 1998,
 *    information recursion along the true trajectory) <= 1.5;
 *  - IMM through a thrusting boost into midcourse (truth integrated here with a
 *    thrust term the filter does not know).
 */
#include "tl_test.h"
#include "trilink/error.h"
#include "trilink/filter.h"
#include "trilink/geo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NRUNS 20

/* ------------------------------------------------------------ helpers ---- */

static int inv6(const double A[6][6], double X[6][6])
{
    double M[6][12];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 12; j++)
            M[i][j] = j < 6 ? A[i][j] : (j - 6 == i);
    for (int c = 0; c < 6; c++) {
        int p = c;
        for (int r = c + 1; r < 6; r++)
            if (fabs(M[r][c]) > fabs(M[p][c]))
                p = r;
        if (M[p][c] == 0.0)
            return -1;
        for (int j = 0; j < 12; j++) {
            double t = M[c][j];
            M[c][j] = M[p][j];
            M[p][j] = t;
        }
        double d = M[c][c];
        for (int j = 0; j < 12; j++)
            M[c][j] /= d;
        for (int r = 0; r < 6; r++)
            if (r != c) {
                double f = M[r][c];
                for (int j = 0; j < 12; j++)
                    M[r][j] -= f * M[c][j];
            }
    }
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            X[i][j] = M[i][j + 6];
    return 0;
}

/* sample x ~ N(mean, P) */
static void sample6(tl_test_rng *r, const double mean[6], const double P[6][6], double out[6])
{
    double L[6][6] = {{0}};
    for (int j = 0; j < 6; j++) {
        double d = P[j][j];
        for (int k = 0; k < j; k++)
            d -= L[j][k] * L[j][k];
        L[j][j] = sqrt(d);
        for (int i = j + 1; i < 6; i++) {
            double s = P[i][j];
            for (int k = 0; k < j; k++)
                s -= L[i][k] * L[j][k];
            L[i][j] = s / L[j][j];
        }
    }
    double n[6];
    for (int i = 0; i < 6; i++)
        n[i] = tl_test_normal(r);
    for (int i = 0; i < 6; i++) {
        out[i] = mean[i];
        for (int k = 0; k <= i; k++)
            out[i] += L[i][k] * n[k];
    }
}

/* A midcourse-like state: 300 km up over the Sea of Japan, heading east-north-east. */
static void burnout_state(double x[6])
{
    tl_geodetic g = {40.0 * TL_DEG, 130.0 * TL_DEG, 300e3};
    tl_geodetic_to_ecef(&g, x);
    double v_enu[3] = {2500.0, 800.0, 1500.0};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, v_enu, x + 3);
}

static void radar_meas(const tl_geodetic *site, const double x[6], int nz, const double sig[4],
                       tl_test_rng *r, int64_t t_ns, tl_meas *m)
{
    tl_plot p;
    memset(&p, 0, sizeof p);
    p.kind = TL_PLOT_RADAR;
    p.t_ns = t_ns;
    p.site = *site;
    tl_geodetic_to_ecef(site, p.site_ecef);
    p.nz = nz;
    for (int i = 0; i < 4; i++)
        p.sigma[i] = sig[i];
    tl_meas_from_plot(&p, m);
    double z[4];
    tl_meas_h(m, x, z, NULL);
    for (int i = 0; i < nz; i++)
        m->z[i] = z[i] + (r ? sig[i] * tl_test_normal(r) : 0.0);
    m->z[1] = tl_wrap_2pi(m->z[1]);
}

/* ------------------------------------------------------------ Jacobians ---- */

static void test_dyn_jacobian_fd(void **state)
{
    (void)state;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.beta_kg_m2 = 5000.0;
    tl_test_rng r;
    tl_test_rng_seed(&r, 3);
    for (int trial = 0; trial < 40; trial++) {
        tl_geodetic g = {asin(2 * tl_test_uniform(&r) - 1), (2 * tl_test_uniform(&r) - 1) * TL_PI,
                         trial < 20 ? 20e3 + 60e3 * tl_test_uniform(&r)
                                    : 200e3 + 2e6 * tl_test_uniform(&r)};
        double x[6];
        tl_geodetic_to_ecef(&g, x);
        for (int i = 3; i < 6; i++)
            x[i] = 3000.0 * (2 * tl_test_uniform(&r) - 1);
        double A[6][6];
        tl_dyn_jacobian(&m, x, A);
        for (int k = 0; k < 6; k++) {
            double h = k < 3 ? 2.0 : 0.02, xp[6], xm[6], fp[6], fm[6];
            memcpy(xp, x, sizeof xp);
            memcpy(xm, x, sizeof xm);
            xp[k] += h;
            xm[k] -= h;
            tl_dyn_deriv(&m, xp, fp);
            tl_dyn_deriv(&m, xm, fm);
            for (int i = 0; i < 6; i++) {
                double fd = (fp[i] - fm[i]) / (2 * h);
                double tol = 1e-4 * fabs(fd) + (k < 3 ? 1e-10 : 1e-8);
                if (fabs(A[i][k] - fd) > tol)
                    fail_msg("trial %d h=%.0f A[%d][%d] = %.10g, central difference %.10g", trial,
                             g.h_m, i, k, A[i][k], fd);
            }
        }
    }
}

static void test_stm_fd(void **state)
{
    (void)state;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    double x0[6];
    burnout_state(x0);
    const double spans[2] = {1.0, 120.0};
    for (int s = 0; s < 2; s++) {
        double x[6], phi[6][6];
        memcpy(x, x0, sizeof x);
        tl_dyn_propagate_stm(&m, x, spans[s], 10.0, phi);
        for (int k = 0; k < 6; k++) {
            double h = k < 3 ? 10.0 : 0.01, xp[6], xm[6];
            memcpy(xp, x0, sizeof xp);
            memcpy(xm, x0, sizeof xm);
            xp[k] += h;
            xm[k] -= h;
            tl_dyn_propagate(&m, xp, spans[s], 10.0);
            tl_dyn_propagate(&m, xm, spans[s], 10.0);
            for (int i = 0; i < 6; i++) {
                double fd = (xp[i] - xm[i]) / (2 * h);
                /* scale of the block: d pos / d vel ~ dt, d vel / d pos ~ 1 / dt */
                double scale = (i < 3 && k >= 3) ? spans[s] : (i >= 3 && k < 3) ? 1.0 / spans[s] : 1.0;
                if (fabs(phi[i][k] - fd) > 1e-4 * fabs(fd) + 1e-6 * scale)
                    fail_msg("dt %.0f: phi[%d][%d] = %.10g, central difference %.10g", spans[s],
                             i, k, phi[i][k], fd);
            }
        }
    }
}

static void meas_fd_check(const tl_meas *m, const double x[6])
{
    double z[4], H[4][6];
    tl_meas_h(m, x, z, H);
    for (int k = 0; k < 6; k++) {
        double h = k < 3 ? 1.0 : 0.01, xp[6], xm[6], zp[4], zm[4], d[4];
        memcpy(xp, x, sizeof xp);
        memcpy(xm, x, sizeof xm);
        xp[k] += h;
        xm[k] -= h;
        tl_meas_h(m, xp, zp, NULL);
        tl_meas_h(m, xm, zm, NULL);
        tl_meas_residual(m, zp, zm, d);
        for (int i = 0; i < m->nz; i++) {
            double fd = d[i] / (2 * h);
            if (fabs(H[i][k] - fd) > 1e-5 * fabs(fd) + 1e-12)
                fail_msg("kind %d H[%d][%d] = %.10g, central difference %.10g", m->kind, i, k,
                         H[i][k], fd);
        }
    }
}

static void test_meas_jacobians_fd(void **state)
{
    (void)state;
    tl_test_rng r;
    tl_test_rng_seed(&r, 11);
    for (int trial = 0; trial < 50; trial++) {
        tl_geodetic site = {asin(2 * tl_test_uniform(&r) - 1) * 0.9,
                            (2 * tl_test_uniform(&r) - 1) * TL_PI, 100.0};
        /* target: random direction from the site, 50..2000 km, any azimuth (tests wrap) */
        double az = 2 * TL_PI * tl_test_uniform(&r), el = 0.02 + 1.4 * tl_test_uniform(&r);
        double rng = 5e4 + 2e6 * tl_test_uniform(&r), se[3], x[6];
        tl_geodetic_to_ecef(&site, se);
        tl_aer_to_ecef(&site, se, az, el, rng, x);
        for (int i = 3; i < 6; i++)
            x[i] = 3000.0 * (2 * tl_test_uniform(&r) - 1);
        const double sig[4] = {50, 1e-3, 1e-3, 5};
        tl_meas m;
        radar_meas(&site, x, 4, sig, NULL, 0, &m);
        meas_fd_check(&m, x);
        /* IR from a GEO satellite over 130E, 140E */
        tl_plot p;
        memset(&p, 0, sizeof p);
        p.kind = TL_PLOT_IR;
        p.nz = 2;
        p.site = (tl_geodetic){0.0, (125.0 + 20 * tl_test_uniform(&r)) * TL_DEG, 35786e3};
        tl_geodetic_to_ecef(&p.site, p.site_ecef);
        p.sigma[0] = p.sigma[1] = 20e-6;
        tl_meas_from_plot(&p, &m);
        meas_fd_check(&m, x);
    }
}

static void test_radar_angle_wrap(void **state)
{
    (void)state;
    /* target almost due north: predicted az near 2pi, measured az just past 0 */
    tl_geodetic site = {35 * TL_DEG, 135 * TL_DEG, 0};
    double se[3], x[6] = {0};
    tl_geodetic_to_ecef(&site, se);
    tl_aer_to_ecef(&site, se, 2 * TL_PI - 1e-4, 0.3, 4e5, x);
    tl_meas m;
    const double sig[4] = {50, 1e-3, 1e-3, 0};
    radar_meas(&site, x, 3, sig, NULL, 0, &m);
    m.z[1] = 1e-4; /* 2e-4 rad clockwise of the prediction, across north */
    tl_state_est s = {.t_ns = 0};
    memcpy(s.x, x, sizeof s.x);
    for (int i = 0; i < 6; i++)
        s.P[i][i] = i < 3 ? 1e6 : 1e4;
    tl_innov in;
    assert_int_equal(tl_ekf_ops.innovation(&s, &m, &in), TL_OK);
    assert_near(in.nu[1], 2e-4, 1e-9);
    assert_int_equal(tl_ukf_ops.innovation(&s, &m, &in), TL_OK);
    assert_near(in.nu[1], 2e-4, 1e-6);
}

/* --------------------------------------------------- reference model (linear) ---- */

static void test_ekf_ukf_match_linear_kf(void **state)
{
    (void)state;
    tl_motion mm;
    tl_motion_default(&mm);
    mm.dyn.flags = 0;  /* no J2, no rotation, no drag */
    mm.dyn.gm = 0.0;   /* no gravity: constant velocity, F linear */
    mm.q_acc = 0.5;
    mm.max_step_s = 100.0;
    tl_test_rng r;
    tl_test_rng_seed(&r, 5);
    tl_state_est e = {.t_ns = 0}, u, k;
    for (int i = 0; i < 6; i++) {
        e.x[i] = i < 3 ? 1e6 * tl_test_uniform(&r) : 100 * tl_test_uniform(&r);
        e.P[i][i] = i < 3 ? 1e4 : 100;
    }
    e.P[0][3] = e.P[3][0] = 50.0;
    u = k = e;
    double truth[6];
    memcpy(truth, e.x, sizeof truth);
    for (int step = 1; step <= 30; step++) {
        int64_t t = step * 1500000000LL; /* 1.5 s */
        double dt = 1.5;
        assert_int_equal(tl_ekf_ops.predict(&mm, &e, t), TL_OK);
        assert_int_equal(tl_ukf_ops.predict(&mm, &u, t), TL_OK);
        /* plain KF: F = [I dt I; 0 I], Q white-noise acceleration */
        double F[6][6] = {{0}}, FP[6][6], Q[6][6], x[6];
        for (int i = 0; i < 6; i++)
            F[i][i] = 1;
        for (int i = 0; i < 3; i++)
            F[i][i + 3] = dt;
        tl_motion_q(&mm, dt, Q);
        for (int i = 0; i < 6; i++) {
            x[i] = 0;
            for (int j = 0; j < 6; j++)
                x[i] += F[i][j] * k.x[j];
        }
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                FP[i][j] = 0;
                for (int l = 0; l < 6; l++)
                    FP[i][j] += F[i][l] * k.P[l][j];
            }
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                k.P[i][j] = Q[i][j];
                for (int l = 0; l < 6; l++)
                    k.P[i][j] += FP[i][l] * F[j][l];
            }
        memcpy(k.x, x, sizeof x);
        for (int i = 0; i < 3; i++)
            truth[i] += dt * truth[i + 3];
        /* position fix; KF update P = (I - K H) P with H = [I 0] */
        tl_meas m = {.kind = TL_MEAS_POS, .nz = 3, .t_ns = t};
        for (int i = 0; i < 3; i++) {
            m.R[i] = 400.0 * (i + 1);
            m.z[i] = truth[i] + sqrt(m.R[i]) * tl_test_normal(&r);
        }
        assert_int_equal(tl_ekf_ops.update(&e, &m, NULL), TL_OK);
        assert_int_equal(tl_ukf_ops.update(&u, &m, NULL), TL_OK);
        double S[3][3], Si[6][6] = {{0}}, K[6][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                S[i][j] = k.P[i][j] + (i == j ? m.R[i] : 0);
        double Sfull[6][6] = {{0}};
        for (int i = 0; i < 6; i++)
            Sfull[i][i] = 1;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                Sfull[i][j] = S[i][j];
        assert_int_equal(inv6(Sfull, Si), 0);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 3; j++) {
                K[i][j] = 0;
                for (int l = 0; l < 3; l++)
                    K[i][j] += k.P[i][l] * Si[l][j];
            }
        double nu[3], P2[6][6];
        for (int i = 0; i < 3; i++)
            nu[i] = m.z[i] - k.x[i];
        for (int i = 0; i < 6; i++)
            for (int l = 0; l < 3; l++)
                k.x[i] += K[i][l] * nu[l];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                P2[i][j] = k.P[i][j];
                for (int l = 0; l < 3; l++)
                    P2[i][j] -= K[i][l] * k.P[l][j];
            }
        memcpy(k.P, P2, sizeof P2);
        for (int i = 0; i < 6; i++) {
            double tx = 1e-9 * fabs(k.x[i]) + 1e-6;
            assert_near(e.x[i], k.x[i], tx);
            assert_near(u.x[i], k.x[i], tx);
            for (int j = 0; j < 6; j++) {
                double tp = 1e-8 * sqrt(k.P[i][i] * k.P[j][j]);
                assert_near(e.P[i][j], k.P[i][j], tp);
                assert_near(u.P[i][j], k.P[i][j], tp);
            }
        }
    }
}

/* ------------------------------------------- consistency and the CRLB ---- */

#define NSTEP 240
typedef struct mc_result {
    double anees_lo, anees_hi, anees_mean, frac_in_band;
    double ratio_pos; /* time-averaged RMSE / sqrt(PCRLB) over midcourse */
    double ratio_vel;
} mc_result;

/* 20 runs, radar (range, az, el, range rate) every 1 s for 240 s, from a site in
 * Japan, filter initialised from N(truth, P0) so that P0 is honest. */
static void run_mc(const tl_filter_ops *ops, mc_result *res)
{
    tl_motion mm;
    tl_motion_default(&mm);
    mm.q_acc = 1e-8;
    tl_geodetic site = {38.0 * TL_DEG, 139.8 * TL_DEG, 50.0};
    const double sig[4] = {30.0, 0.5e-3, 0.5e-3, 2.0};
    static double truth[NSTEP + 1][6];
    burnout_state(truth[0]);
    tl_dyn_model tm = mm.dyn; /* noise-free truth, fine integration */
    for (int k = 1; k <= NSTEP; k++) {
        memcpy(truth[k], truth[k - 1], sizeof truth[k]);
        tl_dyn_propagate(&tm, truth[k], 1.0, 0.25);
    }
    double P0[6][6] = {{0}};
    for (int i = 0; i < 6; i++)
        P0[i][i] = i < 3 ? 2000.0 * 2000.0 : 100.0 * 100.0;
    /* PCRLB information recursion on the truth */
    static double bound_pos[NSTEP + 1], bound_vel[NSTEP + 1];
    double J[6][6], Jinv[6][6];
    assert_int_equal(inv6(P0, J), 0);
    for (int k = 1; k <= NSTEP; k++) {
        double x[6], F[6][6], Q[6][6], C[6][6], FJ[6][6];
        memcpy(x, truth[k - 1], sizeof x);
        tl_dyn_propagate_stm(&mm.dyn, x, 1.0, mm.max_step_s, F);
        assert_int_equal(inv6(J, Jinv), 0);
        tl_motion_q(&mm, 1.0, Q);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                FJ[i][j] = 0;
                for (int l = 0; l < 6; l++)
                    FJ[i][j] += F[i][l] * Jinv[l][j];
            }
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                C[i][j] = Q[i][j];
                for (int l = 0; l < 6; l++)
                    C[i][j] += FJ[i][l] * F[j][l];
            }
        assert_int_equal(inv6(C, J), 0);
        tl_meas m;
        radar_meas(&site, truth[k], 4, sig, NULL, 0, &m);
        double z[4], H[4][6];
        tl_meas_h(&m, truth[k], z, H);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                for (int l = 0; l < 4; l++)
                    J[i][j] += H[l][i] * H[l][j] / m.R[l];
        assert_int_equal(inv6(J, Jinv), 0);
        bound_pos[k] = Jinv[0][0] + Jinv[1][1] + Jinv[2][2];
        bound_vel[k] = Jinv[3][3] + Jinv[4][4] + Jinv[5][5];
    }
    static double nees[NSTEP + 1], se_pos[NSTEP + 1], se_vel[NSTEP + 1];
    memset(nees, 0, sizeof nees);
    memset(se_pos, 0, sizeof se_pos);
    memset(se_vel, 0, sizeof se_vel);
    for (int run = 0; run < NRUNS; run++) {
        tl_test_rng r;
        tl_test_rng_seed(&r, 1000 + run);
        tl_state_est s = {.t_ns = 0};
        sample6(&r, truth[0], P0, s.x);
        memcpy(s.P, P0, sizeof P0);
        for (int k = 1; k <= NSTEP; k++) {
            int64_t t = (int64_t)k * 1000000000LL;
            assert_int_equal(ops->predict(&mm, &s, t), TL_OK);
            tl_meas m;
            radar_meas(&site, truth[k], 4, sig, &r, t, &m);
            assert_int_equal(ops->update(&s, &m, NULL), TL_OK);
            assert_true(tl_cov_check(s.P));
            double e[6], Pi[6][6];
            for (int i = 0; i < 6; i++)
                e[i] = s.x[i] - truth[k][i];
            assert_int_equal(inv6(s.P, Pi), 0);
            double q = 0;
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++)
                    q += e[i] * Pi[i][j] * e[j];
            nees[k] += q / NRUNS;
            se_pos[k] += (e[0] * e[0] + e[1] * e[1] + e[2] * e[2]) / NRUNS;
            se_vel[k] += (e[3] * e[3] + e[4] * e[4] + e[5] * e[5]) / NRUNS;
        }
    }
    /* 95% two-sided band of the 20-run average NEES: chi2(120)/20, Wilson-Hilferty */
    const double dof = 6.0 * NRUNS, zq = 1.959964;
    double a = 2.0 / (9.0 * dof);
    res->anees_lo = dof * pow(1 - a - zq * sqrt(a), 3) / NRUNS;
    res->anees_hi = dof * pow(1 - a + zq * sqrt(a), 3) / NRUNS;
    int in = 0, cnt = 0;
    double sum = 0, rp = 0, rv = 0;
    int mid = 0;
    for (int k = 10; k <= NSTEP; k++) {
        cnt++;
        sum += nees[k];
        in += nees[k] >= res->anees_lo && nees[k] <= res->anees_hi;
        if (k >= 30) { /* midcourse after the initial transient */
            rp += sqrt(se_pos[k] / bound_pos[k]);
            rv += sqrt(se_vel[k] / bound_vel[k]);
            mid++;
        }
    }
    res->anees_mean = sum / cnt;
    res->frac_in_band = (double)in / cnt;
    res->ratio_pos = rp / mid;
    res->ratio_vel = rv / mid;
    printf("# %s: ANEES %.3f (95%% band of one step's 20-run mean [%.3f, %.3f]), "
           "%.0f%% of steps in band, RMSE/PCRLB pos %.3f vel %.3f\n",
           ops->name, res->anees_mean, res->anees_lo, res->anees_hi, 100 * res->frac_in_band,
           res->ratio_pos, res->ratio_vel);
}

static void check_mc(const mc_result *r)
{
    /* the time average over ~230 steps of 20-run means must sit well inside the band */
    assert_true(r->anees_mean > r->anees_lo && r->anees_mean < r->anees_hi);
    assert_true(r->frac_in_band >= 0.85);
    assert_true(r->ratio_pos <= 1.5);
    assert_true(r->ratio_vel <= 1.5);
}

static void test_ekf_nees_and_pcrlb(void **state)
{
    (void)state;
    mc_result r;
    run_mc(&tl_ekf_ops, &r);
    check_mc(&r);
}

static void test_ukf_nees_and_pcrlb(void **state)
{
    (void)state;
    mc_result r;
    run_mc(&tl_ukf_ops, &r);
    check_mc(&r);
}

/* ------------------------------------------------------------ IMM boost ---- */

/* Truth with an unknown thrust: 25 m/s^2 along the velocity for the first 60 s. */
static void thrust_deriv(const tl_dyn_model *m, const double x[6], double thrust, double dx[6])
{
    tl_dyn_deriv(m, x, dx);
    double v = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
    for (int i = 0; i < 3; i++)
        dx[3 + i] += thrust * x[3 + i] / v;
}

static void thrust_step(const tl_dyn_model *m, double x[6], double thrust, double h)
{
    double k1[6], k2[6], k3[6], k4[6], y[6];
    thrust_deriv(m, x, thrust, k1);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + 0.5 * h * k1[i];
    thrust_deriv(m, y, thrust, k2);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + 0.5 * h * k2[i];
    thrust_deriv(m, y, thrust, k3);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + h * k3[i];
    thrust_deriv(m, y, thrust, k4);
    for (int i = 0; i < 6; i++)
        x[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
}

static void test_imm_boost_to_midcourse(void **state)
{
    (void)state;
    tl_imm_config cfg;
    tl_imm_config_default(&cfg);
    tl_geodetic launch = {39.0 * TL_DEG, 125.5 * TL_DEG, 100.0};
    tl_geodetic site = {37.0 * TL_DEG, 128.0 * TL_DEG, 300.0}; /* radar ~300 km away */
    double x[6];
    tl_geodetic g = launch;
    g.h_m = 30e3;
    tl_geodetic_to_ecef(&g, x);
    double v_enu[3] = {300.0, 300.0, 900.0};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, v_enu, x + 3);
    const double sig[4] = {30.0, 1e-3, 1e-3, 2.0};
    tl_test_rng r;
    tl_test_rng_seed(&r, 77);
    tl_state_est s0 = {.t_ns = 0};
    for (int i = 0; i < 6; i++) {
        s0.x[i] = x[i] + (i < 3 ? 500.0 : 50.0) * tl_test_normal(&r);
        s0.P[i][i] = i < 3 ? 500.0 * 500.0 : 50.0 * 50.0;
    }
    tl_imm imm;
    tl_imm_init(&imm, &s0, NULL);
    tl_dyn_model tm;
    tl_dyn_model_default(&tm);
    tm.flags &= ~(unsigned)TL_DYN_DRAG;
    double worst_boost = 0, worst_mid = 0, mu_boost_sum = 0, mu_mid_min = 1;
    int nb = 0;
    for (int k = 1; k <= 240; k++) {
        double thrust = k <= 60 ? 25.0 : 0.0;
        for (int sub = 0; sub < 10; sub++)
            thrust_step(&tm, x, thrust, 0.1);
        int64_t t = (int64_t)k * 1000000000LL;
        tl_meas m;
        radar_meas(&site, x, 4, sig, &r, t, &m);
        assert_int_equal(tl_imm_predict(&cfg, &imm, t), TL_OK);
        assert_int_equal(tl_imm_update(&cfg, &imm, &m), TL_OK);
        tl_state_est c;
        tl_imm_combine(&imm, &c);
        assert_true(tl_cov_check(c.P));
        double err = sqrt(pow(c.x[0] - x[0], 2) + pow(c.x[1] - x[1], 2) + pow(c.x[2] - x[2], 2));
        if (k > 5 && k <= 60) {
            worst_boost = fmax(worst_boost, err);
            mu_boost_sum += 1.0 - imm.mu[TL_IMM_BALLISTIC];
            nb++;
        }
        if (k > 120) {
            worst_mid = fmax(worst_mid, err);
            /* unpowered: ballistic, or re-entry (the same drag model with a
             * wider drag uncertainty, indistinguishable where drag is ~0) */
            mu_mid_min = fmin(mu_mid_min, 1.0 - imm.mu[TL_IMM_THRUST]);
        }
    }
    printf("# IMM: worst pos error boost %.0f m, midcourse %.0f m; mean mu(thrust + re-entry) in boost "
           "%.2f; min mu(ballistic + re-entry) in midcourse %.3f\n",
           worst_boost, worst_mid, mu_boost_sum / nb, mu_mid_min);
    assert_true(worst_boost < 1500.0);
    assert_true(worst_mid < 400.0);
    assert_true(mu_boost_sum / nb > 0.7);
    assert_true(mu_mid_min > 0.8);
}

/* THRUST mode with a known thrust: the EKF prediction over 2 s against a fine
 * RK4 integration of the same physics plus a thrust along the velocity that
 * grows by the rocket law a(t) = a0 / (1 - a0 t / v_e) (constant thrust and mass
 * flow; closed form of a' = a^2 / v_e). The filter holds the thrust direction
 * over the step (first order), so it agrees to the turn of the velocity. */
static void test_thrust_prediction(void **state)
{
    (void)state;
    const double a0 = 60.0, ve = 2500.0, dt = 2.0;
    /* closed form of the acceleration law */
    assert_near(tl_thrust_acc_after(a0, ve, dt), a0 / (1.0 - a0 * dt / ve), 1e-12);
    assert_near(tl_thrust_acc_after(a0, 0.0, dt), a0, 0.0);
    tl_motion mm;
    tl_motion_default(&mm);
    mm.q_acc = 0.0;
    mm.thrust_acc_mps2 = a0;
    mm.thrust_ve_mps = ve;
    double x[6];
    tl_geodetic g = {39.5 * TL_DEG, 127.0 * TL_DEG, 60e3};
    tl_geodetic_to_ecef(&g, x);
    double v_enu[3] = {600.0, 100.0, 900.0};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, v_enu, x + 3);
    tl_state_est s = {.t_ns = 0};
    memcpy(s.x, x, sizeof x);
    for (int i = 0; i < 6; i++)
        s.P[i][i] = i < 3 ? 100.0 : 10.0;
    tl_state_est b = s; /* the same start predicted without the thrust model */
    assert_int_equal(tl_ekf_ops.predict(&mm, &s, (int64_t)(dt * 1e9)), TL_OK);
    tl_motion m0 = mm;
    m0.thrust_acc_mps2 = 0.0;
    assert_int_equal(tl_ekf_ops.predict(&m0, &b, (int64_t)(dt * 1e9)), TL_OK);
    /* truth: 2,000 RK4 steps of 1 ms with the thrust at the step's midpoint time */
    tl_dyn_model dm = mm.dyn;
    double h = 1e-3, t = 0.0;
    for (int k = 0; k < 2000; k++, t += h) {
        double th = a0 / (1.0 - a0 * (t + 0.5 * h) / ve);
        thrust_step(&dm, x, th, h);
    }
    double dp = 0, dv = 0, dv_nothrust = 0;
    for (int i = 0; i < 3; i++) {
        dp += pow(s.x[i] - x[i], 2);
        dv += pow(s.x[3 + i] - x[3 + i], 2);
    }
    for (int i = 0; i < 3; i++)
        dv_nothrust += pow(b.x[3 + i] - x[3 + i], 2);
    printf("# thrust 60 m/s^2 over 2 s: EKF vs truth %.2f m, %.3f m/s (without the thrust "
           "model %.1f m/s)\n",
           sqrt(dp), sqrt(dv), sqrt(dv_nothrust));
    /* the velocity turns by ~1 degree over the step: errors under 1% of the
     * thrust's effect (123 m/s, 120 m) */
    assert_true(sqrt(dp) < 1.2);
    assert_true(sqrt(dv) < 1.2);
    assert_true(sqrt(dv_nothrust) > 100.0);
}

/* Drag-scaled process noise: the velocity variance added over a step in the
 * atmosphere is (q_drag_rel |a_drag| dt)^2 per axis, |a_drag| the drag
 * deceleration from the dynamics (acceleration with drag minus without). */
static void test_drag_process_noise(void **state)
{
    (void)state;
    tl_motion mm;
    tl_motion_default(&mm);
    mm.q_acc = 0.0;
    mm.dyn.flags |= TL_DYN_DRAG;
    mm.dyn.beta_kg_m2 = 5000.0;
    mm.q_drag_rel = 0.5;
    double x[6];
    tl_geodetic g = {38.0 * TL_DEG, 135.0 * TL_DEG, 40e3};
    tl_geodetic_to_ecef(&g, x);
    double v_enu[3] = {2000.0, 0.0, -1500.0};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, v_enu, x + 3);
    double a1[3], a2[3];
    tl_dyn_model nd = mm.dyn;
    nd.flags &= ~(unsigned)TL_DYN_DRAG;
    tl_dyn_accel(&mm.dyn, x, a1);
    tl_dyn_accel(&nd, x, a2);
    double ad = sqrt(pow(a1[0] - a2[0], 2) + pow(a1[1] - a2[1], 2) + pow(a1[2] - a2[2], 2));
    double Q[6][6];
    const double dt = 1.0;
    tl_motion_q_step(&mm, &mm.dyn, x, x, dt, Q); /* same state at both ends */
    for (int i = 0; i < 3; i++) {
        assert_near(Q[3 + i][3 + i], pow(0.5 * ad * dt, 2), 1e-9 * pow(ad, 2) + 1e-12);
        assert_near(Q[i][i], pow(0.5 * ad, 2) * pow(dt, 4) / 3.0, 1e-9 * pow(ad, 2) + 1e-12);
    }
    /* no drag model, no drag noise; above the atmosphere, none either */
    tl_motion_q_step(&mm, &nd, x, x, dt, Q);
    assert_near(Q[3][3], 0.0, 0.0);
    g.h_m = 400e3; /* drag ~1e-8 of the above */
    tl_geodetic_to_ecef(&g, x);
    tl_motion_q_step(&mm, &mm.dyn, x, x, dt, Q);
    assert_true(Q[3][3] < 1e-12);
    printf("# drag %.2f m/s^2 at 40 km: velocity noise %.3f m/s per s\n", ad, 0.5 * ad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dyn_jacobian_fd),
        cmocka_unit_test(test_stm_fd),
        cmocka_unit_test(test_meas_jacobians_fd),
        cmocka_unit_test(test_radar_angle_wrap),
        cmocka_unit_test(test_ekf_ukf_match_linear_kf),
        cmocka_unit_test(test_ekf_nees_and_pcrlb),
        cmocka_unit_test(test_ukf_nees_and_pcrlb),
        cmocka_unit_test(test_imm_boost_to_midcourse),
        cmocka_unit_test(test_thrust_prediction),
        cmocka_unit_test(test_drag_process_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
