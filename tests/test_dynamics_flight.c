/* test_dynamics_flight.c — the flight solver and trajectories through flight.h:
 * requests round-trip (the solved flight, re-flown, lands where asked), lofted shots
 * land downrange (not behind the site), loft choices order their apogees, the space
 * launcher reaches orbit and stays there, trajectories agree with the summary and
 * their Hermite interpolation with denser sampling, and bad requests are rejected.
 *
 * Tolerances: the solver stops within 20 m of the requested range and 1 m of the
 * requested apogee, and corrects the heading until the impact is within 5 m of the
 * requested azimuth line; the round trip therefore allows 50 m on range and on the
 * distance to the requested impact point (geodesic direct problem), 5 m on apogee.
 */
#include "tl_test.h"
#include "trilink/dynamics.h"
#include "trilink/flight.h"
#include "trilink/geo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static double dist3(const double a[3], const double b[3])
{
    return sqrt(pow(a[0] - b[0], 2) + pow(a[1] - b[1], 2) + pow(a[2] - b[2], 2));
}

static tl_flight_request req(double lat, double lon, double az, double range_km, double apogee_km,
                             tl_loft loft, tl_missile_class cls)
{
    tl_flight_request r;
    memset(&r, 0, sizeof r);
    r.launch.lat_rad = lat * TL_DEG;
    r.launch.lon_rad = lon * TL_DEG;
    r.azimuth_rad = az * TL_DEG;
    r.range_m = range_km * 1e3;
    r.apogee_m = apogee_km * 1e3;
    r.loft = loft;
    r.cls = cls;
    return r;
}

/* The solved flight lands at the point range_m along the geodesic from the site on the
 * requested azimuth; re-flying its control parameters reproduces the summary. */
static void check_roundtrip(const tl_flight_request *r, tl_flight *f)
{
    tl_err e;
    int rc = tl_flight_solve(r, f, &e);
    if (rc != TL_OK)
        fail_msg("solve failed: %s", e.msg);
    assert_int_equal(f->orbital, 0);
    assert_near(f->range_m, r->range_m, 50.0);
    if (r->loft == TL_LOFT_NONE)
        assert_near(f->apogee_m, r->apogee_m, 5.0);
    double lat2, lon2;
    tl_geodesic_direct(r->launch.lat_rad, r->launch.lon_rad, r->azimuth_rad, r->range_m, &lat2,
                       &lon2, NULL);
    tl_geodetic want = {lat2, lon2, 0}, got = f->impact;
    got.h_m = 0;
    double pw[3], pg[3];
    tl_geodetic_to_ecef(&want, pw);
    tl_geodetic_to_ecef(&got, pg);
    assert_true(dist3(pw, pg) < 50.0);
    /* the impact lies downrange, on the requested azimuth */
    assert_near(tl_wrap_pi(f->impact_azimuth_rad - r->azimuth_rad), 0.0, 1e-4);
    /* re-fly the control parameters */
    tl_flight g = *f;
    assert_int_equal(tl_flight_fly(&g, &e), TL_OK);
    assert_near(g.range_m, f->range_m, 1e-3);
    assert_near(g.apogee_m, f->apogee_m, 1e-3);
    assert_near(g.flight_time_s, f->flight_time_s, 1e-6);
    /* physical sanity: burnout before impact, apogee above burnout */
    assert_true(f->burnout_t_s > 0 && f->burnout_t_s < f->flight_time_s);
    assert_true(f->apogee_m >= f->burnout_h_m - 1.0);
}

static void test_roundtrip_lofted_icbm(void **state)
{
    (void)state;
    tl_flight_request r = req(39.0, 125.7, 90, 1000, 6000, TL_LOFT_NONE, TL_CLASS_ICBM);
    tl_flight f;
    check_roundtrip(&r, &f);
    printf("# lofted ICBM: apogee %.1f km range %.1f km tof %.0f s impact %.3f %.3f heading "
           "%+.2f deg\n",
           f.apogee_m / 1e3, f.range_m / 1e3, f.flight_time_s, f.impact.lat_rad / TL_DEG,
           f.impact.lon_rad / TL_DEG, f.ctrl[TL_CTRL_HEADING] / TL_DEG);
    /* ~70 minutes (public reports of 6,000+ km lofted tests: 66-74 min) */
    assert_true(f.flight_time_s > 55 * 60 && f.flight_time_s < 80 * 60);
    /* lands in the Sea of Japan box (east of Korea, west of Honshu's coast) */
    assert_true(f.impact.lat_rad / TL_DEG > 36 && f.impact.lat_rad / TL_DEG < 42);
    assert_true(f.impact.lon_rad / TL_DEG > 131 && f.impact.lon_rad / TL_DEG < 139);
    /* Earth rotation is not skipped: the heading correction is degrees, not zero */
    assert_true(fabs(f.ctrl[TL_CTRL_HEADING]) > 2 * TL_DEG);
}

static void test_roundtrip_srbm_irbm(void **state)
{
    (void)state;
    tl_flight f;
    const double ranges[] = {300, 550, 800};
    for (int i = 0; i < 3; i++) {
        tl_flight_request r = req(39.0, 125.7, 90, ranges[i], 0, TL_LOFT_MIN_ENERGY, TL_CLASS_SRBM);
        check_roundtrip(&r, &f);
        /* min-energy: the apogee near the Keplerian min-energy apogee (boost and drag
         * shift it by tens of percent at most) */
        double hme = tl_kepler_min_energy_apogee(r.range_m, 6371e3);
        assert_true(f.apogee_m > 0.6 * hme && f.apogee_m < 1.4 * hme);
    }
    /* IRBM over Hokkaido */
    tl_flight_request r = req(39.0, 125.7, 75, 4500, 0, TL_LOFT_MIN_ENERGY, TL_CLASS_IRBM);
    check_roundtrip(&r, &f);
    printf("# IRBM 4500 km: apogee %.0f km tof %.0f s\n", f.apogee_m / 1e3, f.flight_time_s);
    /* explicit apogee for an SRBM */
    r = req(40.0, 127.0, 100, 500, 100, TL_LOFT_NONE, TL_CLASS_AUTO);
    check_roundtrip(&r, &f);
    assert_int_equal(f.cls, TL_CLASS_SRBM); /* auto picks the smallest class */
}

static void test_loft_ordering(void **state)
{
    (void)state;
    tl_flight lof, me, dep;
    tl_flight_request r = req(39.0, 125.7, 90, 1000, 0, TL_LOFT_LOFTED, TL_CLASS_MRBM);
    check_roundtrip(&r, &lof);
    r.loft = TL_LOFT_MIN_ENERGY;
    check_roundtrip(&r, &me);
    r.loft = TL_LOFT_DEPRESSED;
    check_roundtrip(&r, &dep);
    printf("# MRBM 1000 km apogees: lofted %.0f, min-energy %.0f, depressed %.0f km\n",
           lof.apogee_m / 1e3, me.apogee_m / 1e3, dep.apogee_m / 1e3);
    assert_true(lof.apogee_m > me.apogee_m && me.apogee_m > dep.apogee_m);
    assert_true(lof.flight_time_s > me.flight_time_s && me.flight_time_s > dep.flight_time_s);
    /* lofted uses the full burn */
    assert_near(lof.burnout_t_s, tl_missile_preset_burn_s(tl_missile_preset_get(TL_CLASS_MRBM)),
                1e-6);
}

/* A near-vertical shot drifts west with the Earth; eastward short-range lofted shots
 * must still land east of the site. */
static void test_lofted_lands_downrange(void **state)
{
    (void)state;
    tl_flight f;
    tl_flight_request r = req(39.0, 125.7, 90, 300, 3000, TL_LOFT_NONE, TL_CLASS_ICBM);
    check_roundtrip(&r, &f);
    assert_true(f.impact.lon_rad > r.launch.lon_rad);
    r = req(39.0, 125.7, 270, 400, 1500, TL_LOFT_NONE, TL_CLASS_IRBM);
    check_roundtrip(&r, &f);
    assert_true(f.impact.lon_rad < r.launch.lon_rad);
    /* why it matters: a vertical full-burn ICBM-class shot (no kick) stays up ~100 min
     * while the Earth turns ~25 deg under it, and lands > 1000 km west of the site */
    tl_flight v;
    memset(&v, 0, sizeof v);
    v.req = req(39.0, 125.7, 90, 1000, 0, TL_LOFT_NONE, TL_CLASS_ICBM);
    v.cls = TL_CLASS_ICBM;
    tl_err e;
    assert_int_equal(tl_flight_fly(&v, &e), TL_OK);
    printf("# vertical ICBM-class shot: apogee %.0f km, lands %.0f km from the site at "
           "azimuth %.0f deg after %.0f min\n",
           v.apogee_m / 1e3, v.range_m / 1e3, v.impact_azimuth_rad / TL_DEG,
           v.flight_time_s / 60);
    assert_true(v.range_m > 1000e3);
    assert_true(v.impact.lon_rad < v.req.launch.lon_rad);
}

/* A long westward shot whose full-burn trial flights pass the antipode (the signed
 * range must stay continuous there), and seeded random requests round-trip. */
static void test_roundtrip_long_and_random(void **state)
{
    (void)state;
    tl_flight f;
    tl_flight_request r = req(31.2, 4.5, 240, 9800, 4687, TL_LOFT_NONE, TL_CLASS_AUTO);
    check_roundtrip(&r, &f);
    assert_int_equal(f.cls, TL_CLASS_ICBM);
    tl_test_rng rng;
    tl_test_rng_seed(&rng, 20261125);
    for (int i = 0; i < 10; i++) {
        double lat = -70 + 140 * tl_test_uniform(&rng), lon = -180 + 360 * tl_test_uniform(&rng);
        double az = 360 * tl_test_uniform(&rng), range = 300 + 9000 * tl_test_uniform(&rng);
        tl_loft loft = (tl_loft)(i % 4);
        double apo = 0.0;
        if (loft == TL_LOFT_NONE) /* 0.8x to 3x the Keplerian min-energy apogee */
            apo = tl_kepler_min_energy_apogee(range * 1e3, 6371e3) / 1e3 *
                  (0.8 + 2.2 * tl_test_uniform(&rng));
        r = req(lat, lon, az, range, apo, loft, TL_CLASS_AUTO);
        check_roundtrip(&r, &f);
    }
}

static void test_slv_orbit(void **state)
{
    (void)state;
    tl_flight_request r = req(39.66, 124.705, 180, 0, 0, TL_LOFT_NONE, TL_CLASS_SLV);
    tl_flight f;
    tl_err e;
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_OK);
    assert_int_equal(f.orbital, 1);
    double per, apo;
    assert_int_equal(tl_flight_is_orbital(f.burnout_x_ecef, &per, &apo), 1);
    assert_true(per > 120e3);
    printf("# SLV orbit %.0f x %.0f km, burnout %.0f s\n", per / 1e3, apo / 1e3, f.burnout_t_s);
    /* fly one orbit (~95 min) after burnout: it stays above 100 km */
    tl_traj tr;
    assert_int_equal(tl_flight_trajectory(&f, 10.0, f.burnout_t_s + 5800.0, &tr, &e), TL_OK);
    double hmin = 1e9;
    int orbit_samples = 0;
    for (size_t i = 0; i < tr.n; i++) {
        if (tr.pts[i].t_s <= f.burnout_t_s)
            continue;
        tl_geodetic g;
        tl_ecef_to_geodetic(tr.pts[i].x_ecef, &g);
        hmin = fmin(hmin, g.h_m);
        orbit_samples += tr.pts[i].phase == TL_PHASE_ORBIT;
    }
    assert_true(hmin > 100e3);
    assert_true(orbit_samples > 500);
    tl_traj_free(&tr);
    /* the same launcher on a short burn is not orbital */
    tl_flight g = f;
    g.ctrl[TL_CTRL_CUTOFF] = 200.0;
    assert_int_equal(tl_flight_fly(&g, &e), TL_OK);
    assert_int_equal(g.orbital, 0);
}

static void test_trajectory_and_interpolation(void **state)
{
    (void)state;
    tl_flight_request r = req(39.0, 125.7, 90, 800, 0, TL_LOFT_MIN_ENERGY, TL_CLASS_MRBM);
    tl_flight f;
    tl_err e;
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_OK);
    tl_traj fine, coarse;
    assert_int_equal(tl_flight_trajectory(&f, 0.5, 0, &fine, &e), TL_OK);
    assert_int_equal(tl_flight_trajectory(&f, 5.0, 0, &coarse, &e), TL_OK);
    /* lift-off: vertical acceleration = T/m0 - g (the site is at rest; the centrifugal
     * term and the vertical deflection change g by < 0.05 m/s^2) */
    const tl_missile_preset *p = tl_missile_preset_get(TL_CLASS_MRBM);
    double m0 = p->payload_kg + p->stage[0].prop_kg + p->stage[0].dry_kg;
    double up[3], enu_up[3] = {0, 0, 1};
    tl_vec_enu_to_ecef(r.launch.lat_rad, r.launch.lon_rad, enu_up, up);
    const double *a0 = fine.pts[0].acc_ecef;
    assert_near(a0[0] * up[0] + a0[1] * up[1] + a0[2] * up[2], p->stage[0].thrust_n / m0 - 9.80,
                0.05);
    /* the last sample is the impact, on the ellipsoid, where the summary says */
    const tl_traj_point *last = &fine.pts[fine.n - 1];
    assert_int_equal(last->phase, TL_PHASE_IMPACTED);
    tl_geodetic g;
    tl_ecef_to_geodetic(last->x_ecef, &g);
    assert_true(fabs(g.h_m) < 1e-2);
    double pi[3];
    tl_geodetic imp = f.impact;
    tl_geodetic_to_ecef(&imp, pi);
    assert_true(dist3(pi, last->x_ecef) < 5.0);
    assert_near(last->t_s, f.flight_time_s, 0.01);
    /* phases in order, thrust only in the boost */
    int prev = 0;
    for (size_t i = 0; i < fine.n; i++) {
        assert_true(fine.pts[i].phase >= prev);
        prev = fine.pts[i].phase;
        assert_int_equal(fine.pts[i].thrusting, fine.pts[i].t_s < f.burnout_t_s - 1e-9);
    }
    /* Hermite interpolation of the 5 s samples against the 0.5 s samples, in the coast */
    double worst = 0.0;
    for (size_t i = 0; i + 1 < fine.n; i++) {
        double t = fine.pts[i].t_s, x[6];
        if (t < f.burnout_t_s + 5 || t > f.flight_time_s - 120)
            continue;
        assert_int_equal(tl_traj_at(&coarse, t, x, NULL, NULL), TL_OK);
        worst = fmax(worst, dist3(x, fine.pts[i].x_ecef));
    }
    printf("# Hermite (5 s samples) vs 0.5 s samples in midcourse: %.3f m\n", worst);
    assert_true(worst < 1.0);
    /* at a sample time it returns the sample */
    double x[6];
    int ph = -1, th = -1;
    assert_int_equal(tl_traj_at(&coarse, coarse.pts[3].t_s, x, &ph, &th), TL_OK);
    assert_true(dist3(x, coarse.pts[3].x_ecef) < 1e-6);
    assert_int_equal(ph, coarse.pts[3].phase);
    assert_int_equal(tl_traj_at(&coarse, -1.0, x, NULL, NULL), TL_ERANGE);
    assert_int_equal(tl_traj_at(&coarse, f.flight_time_s + 1, x, NULL, NULL), TL_ERANGE);
    tl_traj_free(&fine);
    tl_traj_free(&coarse);
    tl_traj_free(&coarse); /* idempotent */
}

static void test_bad_requests(void **state)
{
    (void)state;
    tl_flight f;
    tl_err e;
    tl_flight_request r = req(95, 125.7, 90, 1000, 6000, TL_LOFT_NONE, TL_CLASS_ICBM);
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_EINVAL);
    assert_non_null(strstr(e.msg, "latitude"));
    r = req(NAN, 125.7, 90, 1000, 6000, TL_LOFT_NONE, TL_CLASS_ICBM);
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_EINVAL);
    r = req(39, 125.7, 90, -5, 6000, TL_LOFT_NONE, TL_CLASS_ICBM);
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_EINVAL);
    assert_non_null(strstr(e.msg, "range"));
    r = req(39, 125.7, 90, 25000, 0, TL_LOFT_LOFTED, TL_CLASS_AUTO);
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_EIMPOSSIBLE);
    assert_non_null(strstr(e.msg, "range"));
    r = req(39, 125.7, 90, 3000, 0, TL_LOFT_MIN_ENERGY, TL_CLASS_SRBM); /* beyond an SRBM */
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_EIMPOSSIBLE);
    assert_non_null(strstr(e.msg, "range"));
    r = req(39, 125.7, 90, 5000, 50, TL_LOFT_NONE, TL_CLASS_AUTO); /* apogee too low */
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_EIMPOSSIBLE);
    assert_non_null(strstr(e.msg, "apogee"));
    r = req(39, 125.7, 90, 500, 30000, TL_LOFT_NONE, TL_CLASS_AUTO); /* apogee too high */
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_EIMPOSSIBLE);
    assert_non_null(strstr(e.msg, "apogee"));
    r = req(39, 125.7, 90, 500, 300, TL_LOFT_LOFTED, TL_CLASS_AUTO); /* both */
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_EINVAL);
    r = req(39, 125.7, 90, 500, 300, TL_LOFT_NONE, (tl_missile_class)17);
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_EINVAL);
    /* hand-made controls are checked too */
    memset(&f, 0, sizeof f);
    f.req = req(39, 125.7, 90, 500, 300, TL_LOFT_NONE, TL_CLASS_SRBM);
    f.cls = TL_CLASS_SRBM;
    f.ctrl[TL_CTRL_KICK] = NAN;
    assert_int_equal(tl_flight_fly(&f, &e), TL_EINVAL);
    f.ctrl[TL_CTRL_KICK] = 0.3;
    f.ctrl[TL_CTRL_HEADING] = INFINITY;
    assert_int_equal(tl_flight_fly(&f, &e), TL_EINVAL);
    f.ctrl[TL_CTRL_HEADING] = 0.0;
    assert_int_equal(tl_flight_fly(&f, &e), TL_OK);
}

static void test_names_and_presets(void **state)
{
    (void)state;
    for (int c = 0; c < TL_CLASS_COUNT; c++) {
        tl_missile_class back;
        assert_int_equal(tl_missile_class_parse(tl_missile_class_name((tl_missile_class)c), &back),
                         TL_OK);
        assert_int_equal(back, c);
        const tl_missile_preset *p = tl_missile_preset_get((tl_missile_class)c);
        assert_non_null(p);
        /* thrust-to-weight above 1 at lift-off */
        double m0 = p->payload_kg;
        for (int i = 0; i < p->n_stages; i++)
            m0 += p->stage[i].prop_kg + p->stage[i].dry_kg;
        assert_true(p->stage[0].thrust_n > 1.2 * m0 * 9.80665);
    }
    tl_missile_class c;
    assert_int_equal(tl_missile_class_parse("ICBM", &c), TL_OK);
    assert_int_equal(c, TL_CLASS_ICBM);
    assert_int_equal(tl_missile_class_parse("bogus", &c), TL_EINVAL);
    assert_string_equal(tl_phase_name(TL_PHASE_TERMINAL), "terminal");
    assert_null(tl_missile_preset_get(TL_CLASS_AUTO));
    /* presets order by reach: each class's vertical (kick 0) full burn climbs higher */
    double prev = 0.0;
    for (int k = TL_CLASS_SRBM; k <= TL_CLASS_ICBM; k++) {
        tl_flight f;
        memset(&f, 0, sizeof f);
        f.req.launch.lat_rad = 39 * TL_DEG;
        f.req.launch.lon_rad = 125.7 * TL_DEG;
        f.cls = (tl_missile_class)k;
        assert_int_equal(tl_flight_fly(&f, NULL), TL_OK);
        assert_true(f.apogee_m > prev);
        prev = f.apogee_m;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_lofted_icbm),
        cmocka_unit_test(test_roundtrip_srbm_irbm),
        cmocka_unit_test(test_loft_ordering),
        cmocka_unit_test(test_lofted_lands_downrange),
        cmocka_unit_test(test_roundtrip_long_and_random),
        cmocka_unit_test(test_slv_orbit),
        cmocka_unit_test(test_trajectory_and_interpolation),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_names_and_presets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
