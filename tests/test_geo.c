/* test_geo.c — geodesy against independent oracles: GeographicLib's CartConvert and
 * GeodSolve, and PROJ's cct, called at test time on 1,000+ random points each. */
#include "tl_test.h"
#include "trilink/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPTS 1200
#define OUTCAP (NPTS * 160)

static double rand_height(tl_test_rng *r)
{
    /* spread over -1 km .. 40,000 km, log-ish so low altitudes are well covered */
    double u = tl_test_uniform(r);
    if (u < 0.1)
        return -1000.0 + 2000.0 * tl_test_uniform(r);
    return pow(10.0, 1.0 + 6.6 * tl_test_uniform(r)); /* 10 m .. 4e7 m */
}

static void random_points(tl_test_rng *r, tl_geodetic *g, int n)
{
    for (int i = 0; i < n; i++) {
        double u = tl_test_uniform(r);
        /* include points very near the poles */
        g[i].lat_rad = (u < 0.05) ? (TL_PI / 2 - 1e-9 * tl_test_uniform(r)) * (u < 0.025 ? 1 : -1)
                                  : asin(2.0 * tl_test_uniform(r) - 1.0);
        g[i].lon_rad = (2.0 * tl_test_uniform(r) - 1.0) * TL_PI;
        g[i].h_m = rand_height(r);
    }
}

static void test_geodetic_to_ecef_vs_cartconvert(void **state)
{
    (void)state;
    if (!tl_test_have("CartConvert"))
        skip();
    tl_test_rng r;
    tl_test_rng_seed(&r, 1);
    static tl_geodetic g[NPTS];
    random_points(&r, g, NPTS);
    char *in = malloc(OUTCAP), *out = malloc(OUTCAP);
    size_t used = 0;
    for (int i = 0; i < NPTS; i++)
        used += snprintf(in + used, OUTCAP - used, "%.12f %.12f %.6f\n", g[i].lat_rad / TL_DEG,
                         g[i].lon_rad / TL_DEG, g[i].h_m);
    assert_int_equal(tl_test_run("CartConvert -p 9", in, out, OUTCAP), 0);
    char *line = out;
    double worst_fwd = 0, worst_inv = 0;
    for (int i = 0; i < NPTS; i++) {
        double ref[3], p[3];
        assert_int_equal(sscanf(line, "%lf %lf %lf", &ref[0], &ref[1], &ref[2]), 3);
        line = strchr(line, '\n') + 1;
        tl_geodetic_to_ecef(&g[i], p);
        double d = sqrt(pow(p[0] - ref[0], 2) + pow(p[1] - ref[1], 2) + pow(p[2] - ref[2], 2));
        if (d > worst_fwd)
            worst_fwd = d;
        /* inverse: our ECEF -> geodetic vs the input, measured as a distance */
        tl_geodetic back;
        tl_ecef_to_geodetic(ref, &back);
        double p2[3];
        tl_geodetic_to_ecef(&back, p2);
        double e = sqrt(pow(p2[0] - ref[0], 2) + pow(p2[1] - ref[1], 2) + pow(p2[2] - ref[2], 2));
        assert_near(back.h_m, g[i].h_m, 1e-3);
        if (e > worst_inv)
            worst_inv = e;
    }
    print_message("geodetic->ECEF worst %.3g m; ECEF->geodetic round-trip worst %.3g m\n",
                  worst_fwd, worst_inv);
    assert_true(worst_fwd < 1e-3);
    assert_true(worst_inv < 1e-3);
    free(in);
    free(out);
}

static void test_ecef_to_geodetic_vs_cartconvert_reverse(void **state)
{
    (void)state;
    if (!tl_test_have("CartConvert"))
        skip();
    tl_test_rng r;
    tl_test_rng_seed(&r, 2);
    static double x[NPTS][3];
    char *in = malloc(OUTCAP), *out = malloc(OUTCAP);
    size_t used = 0;
    for (int i = 0; i < NPTS; i++) {
        tl_geodetic g;
        random_points(&r, &g, 1);
        tl_geodetic_to_ecef(&g, x[i]);
        used += snprintf(in + used, OUTCAP - used, "%.6f %.6f %.6f\n", x[i][0], x[i][1], x[i][2]);
    }
    assert_int_equal(tl_test_run("CartConvert -r -p 9", in, out, OUTCAP), 0);
    char *line = out;
    for (int i = 0; i < NPTS; i++) {
        double lat, lon, h;
        assert_int_equal(sscanf(line, "%lf %lf %lf", &lat, &lon, &h), 3);
        line = strchr(line, '\n') + 1;
        tl_geodetic g;
        tl_ecef_to_geodetic(x[i], &g);
        assert_near(g.h_m, h, 1e-3);
        /* latitude error as a ground distance */
        assert_near(g.lat_rad / TL_DEG * 111000.0, lat * 111000.0, 1e-3);
        if (fabs(lat) < 89.9)
            assert_near(tl_wrap_pi(g.lon_rad - lon * TL_DEG) * 6.4e6 * cos(lat * TL_DEG), 0.0,
                        1e-3);
    }
    free(in);
    free(out);
}

static void test_geodetic_to_ecef_vs_proj_cct(void **state)
{
    (void)state;
    if (!tl_test_have("cct"))
        skip();
    tl_test_rng r;
    tl_test_rng_seed(&r, 3);
    static tl_geodetic g[NPTS];
    random_points(&r, g, NPTS);
    char *in = malloc(OUTCAP), *out = malloc(OUTCAP);
    size_t used = 0;
    for (int i = 0; i < NPTS; i++) /* cct wants lon lat h t */
        used += snprintf(in + used, OUTCAP - used, "%.12f %.12f %.6f 0\n", g[i].lon_rad / TL_DEG,
                         g[i].lat_rad / TL_DEG, g[i].h_m);
    assert_int_equal(tl_test_run("cct -d 6 +proj=cart +ellps=WGS84", in, out, OUTCAP), 0);
    char *line = out;
    for (int i = 0; i < NPTS; i++) {
        double ref[3], p[3];
        assert_int_equal(sscanf(line, "%lf %lf %lf", &ref[0], &ref[1], &ref[2]), 3);
        line = strchr(line, '\n') + 1;
        tl_geodetic_to_ecef(&g[i], p);
        for (int k = 0; k < 3; k++)
            assert_near(p[k], ref[k], 2e-3); /* cct prints 6 decimals; its own error ~1e-6 */
    }
    free(in);
    free(out);
}

static void test_enu_vs_cartconvert_local(void **state)
{
    (void)state;
    if (!tl_test_have("CartConvert"))
        skip();
    tl_test_rng r;
    tl_test_rng_seed(&r, 4);
    tl_geodetic site = {39.0 * TL_DEG, 125.7 * TL_DEG, 50.0};
    double site_ecef[3];
    tl_geodetic_to_ecef(&site, site_ecef);
    static tl_geodetic g[NPTS];
    char *in = malloc(OUTCAP), *out = malloc(OUTCAP);
    size_t used = 0;
    for (int i = 0; i < NPTS; i++) {
        g[i].lat_rad = site.lat_rad + (tl_test_uniform(&r) - 0.5) * 0.4;
        g[i].lon_rad = site.lon_rad + (tl_test_uniform(&r) - 0.5) * 0.4;
        g[i].h_m = 3e6 * tl_test_uniform(&r);
        used += snprintf(in + used, OUTCAP - used, "%.12f %.12f %.6f\n", g[i].lat_rad / TL_DEG,
                         g[i].lon_rad / TL_DEG, g[i].h_m);
    }
    assert_int_equal(tl_test_run("CartConvert -l 39.0 125.7 50 -p 9", in, out, OUTCAP), 0);
    char *line = out;
    for (int i = 0; i < NPTS; i++) {
        double ref[3], p[3], enu[3], back[3];
        assert_int_equal(sscanf(line, "%lf %lf %lf", &ref[0], &ref[1], &ref[2]), 3);
        line = strchr(line, '\n') + 1;
        tl_geodetic_to_ecef(&g[i], p);
        tl_ecef_to_enu(&site, site_ecef, p, enu);
        for (int k = 0; k < 3; k++)
            assert_near(enu[k], ref[k], 1e-3);
        /* AER round trip */
        double az, el, rng;
        tl_ecef_to_aer(&site, site_ecef, p, &az, &el, &rng);
        assert_true(az >= 0 && az < 2 * TL_PI);
        tl_aer_to_ecef(&site, site_ecef, az, el, rng, back);
        for (int k = 0; k < 3; k++)
            assert_near(back[k], p[k], 1e-6 * (1 + rng));
    }
    free(in);
    free(out);
}

static void test_geodesic_vs_geodsolve(void **state)
{
    (void)state;
    if (!tl_test_have("GeodSolve"))
        skip();
    tl_test_rng r;
    tl_test_rng_seed(&r, 5);
    enum { N = 1000 };
    static double q[N][4];
    char *in = malloc(OUTCAP), *out = malloc(OUTCAP);
    size_t used = 0;
    for (int i = 0; i < N; i++) {
        q[i][0] = asin(2 * tl_test_uniform(&r) - 1) / TL_DEG;
        q[i][1] = (2 * tl_test_uniform(&r) - 1) * 180.0;
        q[i][2] = asin(2 * tl_test_uniform(&r) - 1) / TL_DEG;
        q[i][3] = (2 * tl_test_uniform(&r) - 1) * 180.0;
        used += snprintf(in + used, OUTCAP - used, "%.12f %.12f %.12f %.12f\n", q[i][0], q[i][1],
                         q[i][2], q[i][3]);
    }
    assert_int_equal(tl_test_run("GeodSolve -i -p 9", in, out, OUTCAP), 0);
    char *line = out;
    for (int i = 0; i < N; i++) {
        double a1, a2, s;
        assert_int_equal(sscanf(line, "%lf %lf %lf", &a1, &a2, &s), 3);
        line = strchr(line, '\n') + 1;
        double s12, az1, az2;
        tl_geodesic_inverse(q[i][0] * TL_DEG, q[i][1] * TL_DEG, q[i][2] * TL_DEG,
                            q[i][3] * TL_DEG, &s12, &az1, &az2);
        assert_near(s12, s, 1e-6);
        if (s > 1000 && s < 19.9e6) /* azimuths are ill-defined for coincident/antipodal pairs */
            assert_near(tl_wrap_pi(az1 - a1 * TL_DEG), 0.0, 1e-8);
        /* direct round trip */
        double lat2, lon2;
        tl_geodesic_direct(q[i][0] * TL_DEG, q[i][1] * TL_DEG, az1, s12, &lat2, &lon2, NULL);
        if (s > 1000 && s < 19.9e6) {
            assert_near(lat2, q[i][2] * TL_DEG, 1e-9);
            assert_near(tl_wrap_pi(lon2 - q[i][3] * TL_DEG) * cos(lat2), 0.0, 1e-9);
        }
    }
    free(in);
    free(out);
}

static void test_eci_ecef_round_trip_and_rotation(void **state)
{
    (void)state;
    double pe[3] = {-2896306.0, 4030636.0, 3992317.0}, ve[3] = {100.0, -200.0, 300.0};
    double pi[3], vi[3], p2[3], v2[3];
    /* at t = 0 positions coincide; inertial velocity adds w x r */
    tl_ecef_to_eci(0.0, pe, ve, pi, vi);
    for (int k = 0; k < 3; k++)
        assert_near(pi[k], pe[k], 1e-9);
    assert_near(vi[0], ve[0] - TL_WGS84_OMEGA * pe[1], 1e-9);
    for (double t = -5000; t <= 5000; t += 1234.5) {
        tl_ecef_to_eci(t, pe, ve, pi, vi);
        tl_eci_to_ecef(t, pi, vi, p2, v2);
        for (int k = 0; k < 3; k++) {
            assert_near(p2[k], pe[k], 1e-7);
            assert_near(v2[k], ve[k], 1e-9);
        }
    }
    /* a point fixed in ECI appears, after a quarter sidereal day, rotated by -90 deg in ECEF */
    double tq = (TL_PI / 2) / TL_WGS84_OMEGA;
    double xi[3] = {7e6, 0, 0}, xe[3];
    tl_eci_to_ecef(tq, xi, NULL, xe, NULL);
    assert_near(xe[0], 0.0, 1e-6);
    assert_near(xe[1], -7e6, 1e-6);
}

static void test_radar_horizon_four_thirds(void **state)
{
    (void)state;
    /* domain primer: h = d^2 / (2 k R) ~ 59 km at 1,000 km for a radar at sea level */
    double r = 6371000.0;
    double h = tl_horizon_min_height(1.0e6, 0.0, TL_K_REFRACTION, r);
    double approx = 1.0e12 / (2 * TL_K_REFRACTION * r);
    assert_near(h, approx, 0.01 * approx); /* exact circle vs parabola: +5 theta^2/12 ~ 0.6% */
    assert_near(h, TL_K_REFRACTION * r * (1 / cos(1.0e6 / (TL_K_REFRACTION * r)) - 1), 1e-6);
    assert_true(h > 58000 && h < 60000);
    /* a raised radar sees further: horizon distance sqrt(2 k R h) */
    double d = tl_horizon_distance(100.0, TL_K_REFRACTION, r);
    assert_near(d, sqrt(2 * TL_K_REFRACTION * r * 100.0), 5.0);
    assert_near(tl_horizon_min_height(d * 0.99, 100.0, TL_K_REFRACTION, r), 0.0, 0.0);
    /* effective elevation is zero exactly at the minimum visible height */
    double hmin = tl_horizon_min_height(8e5, 100.0, TL_K_REFRACTION, r);
    double el = tl_effective_elevation(8e5, 100.0, hmin, TL_K_REFRACTION, r);
    double el_dip = -acos((TL_K_REFRACTION * r) / (TL_K_REFRACTION * r + 100.0));
    assert_near(el, el_dip, 1e-9); /* the horizon line dips below the local horizontal */
}

static void test_los_visible_ellipsoid(void **state)
{
    (void)state;
    tl_geodetic site = {37.0 * TL_DEG, 127.0 * TL_DEG, 100.0};
    double lat2, lon2;
    tl_geodesic_direct(site.lat_rad, site.lon_rad, 45 * TL_DEG, 1.0e6, &lat2, &lon2, NULL);
    double r = tl_earth_radius_gauss(0.5 * (site.lat_rad + lat2));
    double hmin = tl_horizon_min_height(1.0e6, 100.0, TL_K_REFRACTION, r);
    tl_geodetic above = {lat2, lon2, hmin + 50.0}, below = {lat2, lon2, hmin - 50.0};
    double pa[3], pb[3];
    tl_geodetic_to_ecef(&above, pa);
    tl_geodetic_to_ecef(&below, pb);
    assert_int_equal(tl_los_visible(&site, pa, TL_K_REFRACTION), 1);
    assert_int_equal(tl_los_visible(&site, pb, TL_K_REFRACTION), 0);
}

static void test_wrap(void **state)
{
    (void)state;
    assert_near(tl_wrap_pi(3 * TL_PI), TL_PI, 1e-12);
    assert_near(tl_wrap_pi(-TL_PI), TL_PI, 1e-12);
    assert_near(tl_wrap_2pi(-0.5), 2 * TL_PI - 0.5, 1e-12);
    assert_near(tl_wrap_2pi(2 * TL_PI), 0.0, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geodetic_to_ecef_vs_cartconvert),
        cmocka_unit_test(test_ecef_to_geodetic_vs_cartconvert_reverse),
        cmocka_unit_test(test_geodetic_to_ecef_vs_proj_cct),
        cmocka_unit_test(test_enu_vs_cartconvert_local),
        cmocka_unit_test(test_geodesic_vs_geodsolve),
        cmocka_unit_test(test_eci_ecef_round_trip_and_rotation),
        cmocka_unit_test(test_radar_horizon_four_thirds),
        cmocka_unit_test(test_los_visible_ellipsoid),
        cmocka_unit_test(test_wrap),
    };
    return cmocka_run_group_tests_name("geo", tests, NULL, NULL);
}
