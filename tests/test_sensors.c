/* test_sensors.c — the drill generator's sensor models against independent truth:
 * the effective-Earth (4/3 R) horizon in closed form, sector geometry computed from
 * ENU by hand, sample statistics of the measurement noise against chi-square and
 * normal confidence bounds, Swerling-1 Pd against binomial bounds, determinism, the
 * IR satellite's visibility rules and tl_plot_validate's rejections. */
#include "tl_test.h"
#include "trilink/sensors.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* a default radar configuration with an id and a nation */
static tl_radar_cfg base_cfg(const char *id, const char *nation)
{
    tl_radar_cfg c;
    tl_radar_cfg_default(&c);
    snprintf(c.id, sizeof c.id, "%s", id);
    snprintf(c.nation, sizeof c.nation, "%s", nation);
    return c;
}

/* Korea-ish site used throughout */
static tl_radar make_radar(double h_m)
{
    tl_radar_cfg c = base_cfg("R1", "KR");
    c.site.lat_rad = 37.0 * TL_DEG;
    c.site.lon_rad = 127.0 * TL_DEG;
    c.site.h_m = h_m;
    c.max_range_m = 6.0e6;
    c.ref_snr_db = 200.0;             /* Pd == 1 to double precision: geometry tests only */
    c.min_el_rad = -TL_PI / 2 + 1e-9; /* the horizon alone decides */
    c.boresight_el_rad = 0.0;
    c.half_el_rad = TL_PI / 2;
    tl_radar r;
    tl_err err;
    assert_int_equal(tl_radar_init(&r, &c, &err), TL_OK);
    return r;
}

/* point at ground distance d along azimuth az from the radar, height h */
static void place(const tl_radar *r, double az, double d, double h, double x[6])
{
    double lat, lon;
    tl_geodesic_direct(r->cfg.site.lat_rad, r->cfg.site.lon_rad, az, d, &lat, &lon, NULL);
    tl_geodetic g = {lat, lon, h};
    tl_geodetic_to_ecef(&g, x);
    x[3] = x[4] = x[5] = 0.0;
}

/* closed-form lowest visible height over a sphere of radius k R (radar at hr) */
static double horizon_height(double d, double hr, double k, double R)
{
    double re = k * R;
    double th_r = acos(re / (re + hr));
    double th = d / re - th_r;
    return th <= 0 ? 0.0 : re / cos(th) - re;
}

static void test_below_horizon_never_detected(void **state)
{
    (void)state;
    tl_test_rng tr;
    tl_test_rng_seed(&tr, 11);
    tl_rng rng;
    tl_rng_seed(&rng, 1);
    for (int pass = 0; pass < 2; pass++) {
        tl_radar r = make_radar(pass ? 600.0 : 20.0);
        int below = 0, above_seen = 0, above = 0;
        for (int i = 0; i < 3000; i++) {
            double az = 2 * TL_PI * tl_test_uniform(&tr);
            double d = 2.0e5 + 2.5e6 * tl_test_uniform(&tr);
            double R = 6371000.0;
            double hmin = horizon_height(d, r.cfg.site.h_m, 4.0 / 3.0, R);
            int lo = tl_test_uniform(&tr) < 0.5;
            double h = lo ? 0.97 * hmin - 200.0 : 1.03 * hmin + 200.0;
            double x[6];
            place(&r, az, d, h, x);
            tl_plot p;
            int det = tl_radar_detect(&r, &rng, 0, x, 1.0, &p);
            if (lo) {
                below++;
                if (det)
                    fail_msg("detected below the horizon: d %.0f m h %.0f m (hmin %.0f)", d, h,
                             hmin);
            } else {
                above++;
                above_seen += det;
            }
        }
        assert_true(below > 1000);
        /* Pd = 1 and no sector/elevation limits: everything above is seen */
        assert_int_equal(above_seen, above);
    }
}

static void test_first_visible_altitude_1000km(void **state)
{
    (void)state;
    tl_radar r = make_radar(0.0);
    const double d = 1.0e6, k = 4.0 / 3.0;
    double R = tl_earth_radius_gauss(r.cfg.site.lat_rad);
    for (int j = 0; j < 8; j++) {
        double az = j * TL_PI / 4;
        double lo = 0.0, hi = 2.0e5, x[6];
        for (int it = 0; it < 60; it++) {
            double mid = 0.5 * (lo + hi);
            place(&r, az, d, mid, x);
            if (tl_radar_visible(&r, x) == TL_VIS_OK)
                hi = mid;
            else
                lo = mid;
        }
        double approx = d * d / (2 * k * R);         /* primer: ~59 km at 1,000 km */
        double exact = horizon_height(d, 0.0, k, R); /* k R sec(d / kR) - k R */
        print_message("az %3.0f deg: first visible at %.1f m (d^2/2kR %.1f m, sec form %.1f m)\n",
                      az / TL_DEG, hi, approx, exact);
        assert_true(hi > 55000.0 && hi < 63000.0);
        /* the ellipsoid's curvature varies with azimuth by up to ~1%: allow 1.5% */
        assert_near(hi, exact, 0.015 * exact);
        assert_near(hi, approx, 0.02 * approx);
    }
}

static void test_sector_limits(void **state)
{
    (void)state;
    tl_radar_cfg c = base_cfg("TPY2", "US");
    c.site = (tl_geodetic){40.888 * TL_DEG, 140.338 * TL_DEG, 50.0};
    c.boresight_az_rad = 260.0 * TL_DEG;
    c.half_az_rad = 60.0 * TL_DEG;
    c.boresight_el_rad = 35.0 * TL_DEG;
    c.half_el_rad = 30.0 * TL_DEG; /* elevation 5..65 deg */
    c.max_range_m = 3.0e6;
    c.ref_snr_db = 200.0;
    tl_radar r;
    assert_int_equal(tl_radar_init(&r, &c, NULL), TL_OK);
    tl_test_rng tr;
    tl_test_rng_seed(&tr, 5);
    int in = 0, out = 0;
    for (int i = 0; i < 5000; i++) {
        /* random ENU direction and range; target inside the radar horizon issues
         * are avoided by keeping the range short */
        double az = 2 * TL_PI * tl_test_uniform(&tr);
        double el = (80.0 * tl_test_uniform(&tr)) * TL_DEG;
        double rg = 2.0e4 + 3.0e5 * tl_test_uniform(&tr);
        double enu[3] = {rg * cos(el) * sin(az), rg * cos(el) * cos(az), rg * sin(el)};
        double x[6] = {0};
        tl_enu_to_ecef(&r.cfg.site, r.site_ecef, enu, x);
        /* independent sector test from the ENU components */
        double az_t = atan2(enu[0], enu[1]);
        double daz = fabs(remainder(az_t - c.boresight_az_rad, 2 * TL_PI));
        double el_t = atan2(enu[2], hypot(enu[0], enu[1]));
        /* refraction bends the apparent elevation upward by < 0.1 deg at these
         * ranges: skip the band near the limits */
        if (fabs(daz - c.half_az_rad) < 0.05 * TL_DEG || fabs(el_t - 5.0 * TL_DEG) < 0.3 * TL_DEG ||
            fabs(el_t - 65.0 * TL_DEG) < 0.3 * TL_DEG)
            continue;
        int expect = daz <= c.half_az_rad && el_t >= 5.0 * TL_DEG && el_t <= 65.0 * TL_DEG;
        tl_vis v = tl_radar_visible(&r, x);
        if ((v == TL_VIS_OK) != expect)
            fail_msg("az %.3f el %.3f deg: visible %d expected %d", az_t / TL_DEG, el_t / TL_DEG, v,
                     expect);
        if (expect)
            in++;
        else
            out++;
    }
    assert_true(in > 300 && out > 300);
}

/* z-score bound used for means and variances: P(|N(0,1)| > 4.4) ~ 1e-5 */
#define ZB 4.4

static void check_stats(const double *err, int n, int m, const double *sigma, const double *mean)
{
    double mu[4] = {0}, cov[4][4] = {{0}};
    for (int k = 0; k < n; k++)
        for (int i = 0; i < m; i++)
            mu[i] += err[k * m + i] / n;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
                cov[i][j] += (err[k * m + i] - mu[i]) * (err[k * m + j] - mu[j]) / (n - 1);
    for (int i = 0; i < m; i++) {
        print_message("component %d: mean %.4g (expect %.4g) sd %.4g (expect %.4g)\n", i, mu[i],
                      mean[i], sqrt(cov[i][i]), sigma[i]);
        assert_near(mu[i], mean[i], ZB * sigma[i] / sqrt(n));
        /* sample variance / sigma^2 ~ chi2(n-1)/(n-1): sd sqrt(2/(n-1)) */
        assert_near(cov[i][i] / (sigma[i] * sigma[i]), 1.0, ZB * sqrt(2.0 / (n - 1)));
        for (int j = 0; j < i; j++) {
            double rho = cov[i][j] / sqrt(cov[i][i] * cov[j][j]);
            assert_near(rho, 0.0, ZB / sqrt(n));
        }
    }
}

#define NDRAW 10000

static void test_radar_noise_statistics(void **state)
{
    (void)state;
    tl_radar_cfg c = base_cfg("N1", "JP");
    c.site = (tl_geodetic){38.08 * TL_DEG, 138.37 * TL_DEG, 100.0};
    c.sigma[0] = 75.0;
    c.sigma[1] = 0.8e-3;
    c.sigma[2] = 1.3e-3;
    c.sigma[3] = 4.0;
    c.has_range_rate = 1;
    for (int with_bias = 0; with_bias < 2; with_bias++) {
        double bias[4] = {0};
        if (with_bias) {
            bias[0] = 120.0;
            bias[1] = -2e-3;
            bias[2] = 0.5e-3;
            bias[3] = 1.5;
        }
        memcpy(c.bias, bias, sizeof bias);
        tl_radar r;
        assert_int_equal(tl_radar_init(&r, &c, NULL), TL_OK);
        double x[6];
        tl_geodetic tg = {39.0 * TL_DEG, 130.0 * TL_DEG, 300e3};
        tl_geodetic_to_ecef(&tg, x);
        x[3] = 1200.0;
        x[4] = -3000.0;
        x[5] = 2500.0;
        double z0[4];
        tl_radar_truth_z(&r, x, z0);
        /* independent range rate: finite difference of the range */
        double xp[3], xm[3], h = 1e-2;
        for (int i = 0; i < 3; i++) {
            xp[i] = x[i] + h * x[3 + i] - r.site_ecef[i];
            xm[i] = x[i] - h * x[3 + i] - r.site_ecef[i];
        }
        double rr_fd = (sqrt(xp[0] * xp[0] + xp[1] * xp[1] + xp[2] * xp[2]) -
                        sqrt(xm[0] * xm[0] + xm[1] * xm[1] + xm[2] * xm[2])) /
                       (2 * h);
        assert_near(z0[3], rr_fd, 1e-3);
        static double e[NDRAW * 4];
        tl_rng rng;
        tl_rng_seed(&rng, 99 + with_bias);
        for (int k = 0; k < NDRAW; k++) {
            tl_plot p;
            tl_radar_measure(&r, &rng, 0, x, &p);
            assert_int_equal(p.nz, 4);
            const char *why;
            assert_int_equal(tl_plot_validate(&p, &why), TL_OK);
            for (int i = 0; i < 4; i++) {
                double d = p.z[i] - z0[i];
                e[k * 4 + i] = i == 1 ? tl_wrap_pi(d) : d;
                assert_near(p.sigma[i], c.sigma[i], 0.0);
            }
        }
        check_stats(e, NDRAW, 4, c.sigma, bias);
    }
}

static void test_ir_noise_statistics(void **state)
{
    (void)state;
    tl_irsat_cfg c;
    tl_irsat_cfg_default(&c);
    snprintf(c.id, sizeof c.id, "GEO1");
    snprintf(c.nation, sizeof c.nation, "US");
    c.lon_rad = 130.0 * TL_DEG;
    c.sigma_rad = 30e-6;
    c.pd = 1.0;
    tl_irsat s;
    assert_int_equal(tl_irsat_init(&s, &c, NULL), TL_OK);
    tl_geodetic tg = {39.5 * TL_DEG, 126.0 * TL_DEG, 60e3};
    double x[3];
    tl_geodetic_to_ecef(&tg, x);
    double z0[2];
    tl_irsat_truth_z(&s, x, z0);
    /* the angles point at the target: rebuild the unit vector */
    double u[3] = {cos(z0[1]) * cos(z0[0]), cos(z0[1]) * sin(z0[0]), sin(z0[1])};
    double dv[3] = {x[0] - s.site_ecef[0], x[1] - s.site_ecef[1], x[2] - s.site_ecef[2]};
    double n = sqrt(dv[0] * dv[0] + dv[1] * dv[1] + dv[2] * dv[2]);
    for (int i = 0; i < 3; i++)
        assert_near(u[i], dv[i] / n, 1e-12);
    static double e[NDRAW * 2];
    tl_rng rng;
    tl_rng_seed(&rng, 7);
    for (int k = 0; k < NDRAW; k++) {
        tl_plot p;
        assert_int_equal(tl_irsat_detect(&s, &rng, 0, x, 1, &p), 1);
        assert_int_equal(p.kind, TL_PLOT_IR);
        assert_int_equal(tl_plot_validate(&p, NULL), TL_OK);
        e[2 * k] = tl_wrap_pi(p.z[0] - z0[0]);
        e[2 * k + 1] = p.z[1] - z0[1];
    }
    double sig[2] = {c.sigma_rad, c.sigma_rad}, mu[2] = {0, 0};
    check_stats(e, NDRAW, 2, sig, mu);
}

static void test_swerling1_pd(void **state)
{
    (void)state;
    tl_radar_cfg c = base_cfg("P1", "KR");
    c.site = (tl_geodetic){37.0 * TL_DEG, 127.0 * TL_DEG, 0.0};
    c.ref_rcs_m2 = 1.0;
    c.ref_range_m = 5.0e5;
    c.ref_snr_db = 13.0;
    c.pfa = 1e-4;
    c.max_range_m = 5.0e6;
    tl_radar r;
    assert_int_equal(tl_radar_init(&r, &c, NULL), TL_OK);
    tl_rng rng;
    tl_rng_seed(&rng, 2024);
    const double snr_db[] = {0.0, 5.0, 10.0, 13.0, 16.0, 20.0};
    const int N = 4000;
    for (size_t j = 0; j < sizeof snr_db / sizeof snr_db[0]; j++) {
        /* range giving the wanted SNR for a 1 m^2 target: (Rref/R)^4 = snr/snr_ref */
        double ratio = pow(10.0, (snr_db[j] - c.ref_snr_db) / 10.0);
        double range = c.ref_range_m / pow(ratio, 0.25);
        double x[6];
        /* straight up from the site: always in view */
        tl_geodetic tg = c.site;
        tg.h_m = range;
        tl_geodetic_to_ecef(&tg, x);
        x[3] = x[4] = x[5] = 0;
        double snr = pow(10.0, snr_db[j] / 10.0);
        assert_near(tl_radar_snr(&r, 1.0, range), snr, 1e-9 * snr);
        double pd = pow(c.pfa, 1.0 / (1.0 + snr)); /* Swerling 1, square law */
        int hits = 0;
        for (int k = 0; k < N; k++) {
            tl_plot p;
            hits += tl_radar_detect(&r, &rng, 0, x, 1.0, &p);
        }
        double ph = (double)hits / N, sd = sqrt(pd * (1 - pd) / N);
        print_message("SNR %4.1f dB: Pd %.4f, Swerling-1 %.4f (+- %.4f)\n", snr_db[j], ph, pd, sd);
        assert_near(ph, pd, ZB * sd + 1.0 / N);
    }
}

static void test_false_alarms_in_volume(void **state)
{
    (void)state;
    tl_radar_cfg c = base_cfg("FA", "JP");
    c.site = (tl_geodetic){35.767 * TL_DEG, 135.195 * TL_DEG, 0.0};
    c.boresight_az_rad = 300.0 * TL_DEG;
    c.half_az_rad = 50.0 * TL_DEG;
    c.boresight_el_rad = 30 * TL_DEG;
    c.half_el_rad = 30 * TL_DEG;
    c.min_el_rad = 2 * TL_DEG;
    c.min_range_m = 1e4;
    c.max_range_m = 1.5e6;
    c.fa_per_scan = 2.5;
    c.has_range_rate = 1;
    tl_radar r;
    assert_int_equal(tl_radar_init(&r, &c, NULL), TL_OK);
    tl_rng rng;
    tl_rng_seed(&rng, 3);
    const int scans = 4000;
    long total = 0, far = 0;
    tl_plot buf[64];
    for (int s = 0; s < scans; s++) {
        size_t n = tl_radar_false_alarms(&r, &rng, 0, buf, 64);
        total += (long)n;
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(tl_plot_validate(&buf[i], NULL), TL_OK);
            assert_true(buf[i].z[0] >= c.min_range_m && buf[i].z[0] <= c.max_range_m);
            assert_true(fabs(tl_wrap_pi(buf[i].z[1] - c.boresight_az_rad)) <=
                        c.half_az_rad + 1e-12);
            assert_true(buf[i].z[2] >= c.min_el_rad - 1e-12 && buf[i].z[2] <= 60 * TL_DEG + 1e-12);
            /* uniform in volume: P(range > 0.5 max) = 1 - 1/8 (min range negligible) */
            far += buf[i].z[0] > 0.5 * c.max_range_m;
        }
    }
    double mean = (double)total / scans;
    assert_near(mean, c.fa_per_scan, ZB * sqrt(c.fa_per_scan / scans));
    double pfar = (double)far / total;
    assert_near(pfar, 0.875, ZB * sqrt(0.875 * 0.125 / total));
}

static void test_ir_visibility(void **state)
{
    (void)state;
    tl_irsat_cfg c;
    tl_irsat_cfg_default(&c);
    snprintf(c.id, sizeof c.id, "GEO1");
    snprintf(c.nation, sizeof c.nation, "US");
    c.lon_rad = 130.0 * TL_DEG;
    tl_irsat s;
    assert_int_equal(tl_irsat_init(&s, &c, NULL), TL_OK);
    double x[3];
    tl_geodetic g = {39.0 * TL_DEG, 125.7 * TL_DEG, 30e3};
    tl_geodetic_to_ecef(&g, x);
    assert_int_equal(tl_irsat_visible(&s, x, 1), 1);
    assert_int_equal(tl_irsat_visible(&s, x, 0), 0); /* no plume after burnout */
    g.h_m = 11e3;                                    /* in the clouds */
    tl_geodetic_to_ecef(&g, x);
    assert_int_equal(tl_irsat_visible(&s, x, 1), 0);
    g.h_m = 13e3;
    tl_geodetic_to_ecef(&g, x);
    assert_int_equal(tl_irsat_visible(&s, x, 1), 1);
    /* the far side of the Earth is hidden */
    tl_geodetic far = {10.0 * TL_DEG, -50.0 * TL_DEG, 100e3};
    tl_geodetic_to_ecef(&far, x);
    assert_int_equal(tl_irsat_visible(&s, x, 1), 0);
    /* the limb at the equator: acos(a / (a + h_geo)) + acos(a / (a + h)) of arc,
     * 81.3 + 3.7 deg for a plume at 13 km */
    double arc =
        (acos(TL_WGS84_A / (TL_WGS84_A + TL_GEO_ALT_M)) + acos(TL_WGS84_A / (TL_WGS84_A + 13e3))) /
        TL_DEG;
    tl_geodetic limb_in = {0.0, (130.0 + arc - 0.2) * TL_DEG, 13e3};
    tl_geodetic limb_out = {0.0, (130.0 + arc + 0.2) * TL_DEG, 13e3};
    tl_geodetic_to_ecef(&limb_in, x);
    assert_int_equal(tl_irsat_visible(&s, x, 1), 1);
    tl_geodetic_to_ecef(&limb_out, x);
    assert_int_equal(tl_irsat_visible(&s, x, 1), 0);
}

static void test_determinism(void **state)
{
    (void)state;
    tl_radar r = make_radar(30.0);
    r.cfg.fa_per_scan = 3.0;
    tl_plot a[32], b[32];
    for (int pass = 0; pass < 2; pass++) {
        tl_rng rng;
        tl_rng_seed_named(&rng, 42, "R1");
        tl_plot *out = pass ? b : a;
        memset(out, 0, sizeof a);
        double x[6];
        place(&r, 1.0, 3e5, 2e5, x);
        for (int k = 0; k < 16; k++)
            tl_radar_measure(&r, &rng, k, x, &out[k]);
        tl_radar_false_alarms(&r, &rng, 99, out + 16, 16);
    }
    assert_memory_equal(a, b, sizeof a);
    tl_rng r1, r2;
    tl_rng_seed_named(&r1, 42, "R1");
    tl_rng_seed_named(&r2, 42, "R2");
    assert_true(tl_rng_u64(&r1) != tl_rng_u64(&r2));
    /* known-answer: xoshiro256** is platform independent, so the first output of
     * seed 0 is fixed; recompute it from the splitmix64 definition */
    uint64_t sm = 0, s[4];
    for (int i = 0; i < 4; i++) {
        uint64_t z = (sm += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        s[i] = z ^ (z >> 31);
    }
    uint64_t m = s[1] * 5;
    m = (m << 7) | (m >> 57);
    tl_rng_seed(&r1, 0);
    assert_true(tl_rng_u64(&r1) == m * 9);
}

static void test_poisson(void **state)
{
    (void)state;
    tl_rng rng;
    tl_rng_seed(&rng, 77);
    const double means[] = {0.3, 4.0, 40.0};
    for (int j = 0; j < 3; j++) {
        const int N = 20000;
        double s = 0, s2 = 0;
        for (int k = 0; k < N; k++) {
            double v = tl_rng_poisson(&rng, means[j]);
            s += v;
            s2 += v * v;
        }
        double mu = s / N, var = s2 / N - mu * mu;
        assert_near(mu, means[j], ZB * sqrt(means[j] / N));
        assert_near(var, means[j], ZB * means[j] * sqrt((2.0 + 1.0 / means[j]) / N));
    }
    assert_int_equal(tl_rng_poisson(&rng, 0.0), 0);
    assert_int_equal(tl_rng_poisson(&rng, NAN), 0);
}

static void test_plot_validate(void **state)
{
    (void)state;
    tl_radar r = make_radar(0.0);
    tl_rng rng;
    tl_rng_seed(&rng, 1);
    double x[6];
    place(&r, 0.5, 2e5, 1e5, x);
    tl_plot good;
    tl_radar_measure(&r, &rng, 5, x, &good);
    const char *why = "unset";
    assert_int_equal(tl_plot_validate(&good, &why), TL_OK);
    assert_null(why);
    tl_plot p;
#define BAD(stmt, needle)                                                                          \
    do {                                                                                           \
        p = good;                                                                                  \
        stmt;                                                                                      \
        why = NULL;                                                                                \
        assert_int_equal(tl_plot_validate(&p, &why), TL_EINVAL);                                   \
        assert_non_null(why);                                                                      \
        if (!strstr(why, needle))                                                                  \
            fail_msg("reason '%s' lacks '%s'", why, needle);                                       \
    } while (0)
    BAD(p.z[0] = -1.0, "range");
    BAD(p.z[0] = NAN, "range");
    BAD(p.z[1] = 2 * TL_PI, "azimuth");
    BAD(p.z[2] = 1.6, "elevation");
    BAD(p.sigma[1] = 0.0, "sigma");
    BAD(p.sigma[2] = INFINITY, "sigma");
    BAD(p.nz = 2, "nz");
    BAD(p.kind = (tl_plot_kind)7, "kind");
    BAD(p.sensor_id[0] = '\0', "sensor_id");
    BAD(memset(p.nation, 'x', sizeof p.nation), "nation");
    BAD(p.site.lat_rad = 2.0, "site");
    BAD(p.site_ecef[1] = NAN, "ECEF");
    BAD((p.kind = TL_PLOT_IR, p.nz = 3), "nz");
    BAD((p.kind = TL_PLOT_IR, p.nz = 2, p.z[0] = 4.0), "IR azimuth");
    assert_int_equal(tl_plot_validate(NULL, NULL), TL_EINVAL);
}

static void test_config_rejected(void **state)
{
    (void)state;
    tl_radar_cfg c = base_cfg("X", "JP");
    tl_radar r;
    tl_err err;
    c.revisit_s = 0;
    assert_int_equal(tl_radar_init(&r, &c, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "revisit"));
    c.revisit_s = 5;
    c.sigma[1] = -1;
    assert_int_equal(tl_radar_init(&r, &c, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "sigma"));
    c.sigma[1] = 1e-3;
    c.max_range_m = 10;
    assert_int_equal(tl_radar_init(&r, &c, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "range"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_below_horizon_never_detected),
        cmocka_unit_test(test_first_visible_altitude_1000km),
        cmocka_unit_test(test_sector_limits),
        cmocka_unit_test(test_radar_noise_statistics),
        cmocka_unit_test(test_ir_noise_statistics),
        cmocka_unit_test(test_swerling1_pd),
        cmocka_unit_test(test_false_alarms_in_volume),
        cmocka_unit_test(test_ir_visibility),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_poisson),
        cmocka_unit_test(test_plot_validate),
        cmocka_unit_test(test_config_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
