/* test_dynamics.c — the equations of motion and the integrators against independent
 * truth: the Jacobi integral (conserved in the rotating frame without drag), closed-form
 * Keplerian range and time of flight, RK4 vs Dormand-Prince, impact-event precision
 * against a brute-force fine-step reference, and US76 density at published values.
 *
 * Kepler reference (derived here from the conic equation; see Bate, Mueller & White,
 * "Fundamentals of Astrodynamics", Dover 1971, ch. 2 (conics, flight-path angle), ch. 4
 * (Kepler's equation) and ch. 6 (ballistic missile trajectories)):
 *   p = r0^2 v0^2 cos^2(g) / mu, e sin(nu0) = sqrt(p/mu) v0 sin(g), e cos(nu0) = p/r0 - 1,
 *   impact on the descending branch at radius R: e cos(nu1) = p/R - 1, sin(nu1) < 0;
 *   range angle psi = nu1 - nu0; time from the eccentric anomalies with M = E - e sin E.
 */
#include "tl_test.h"
#include "trilink/dynamics.h"
#include "trilink/flight.h"
#include "trilink/geo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

static double dist3(const double a[3], const double b[3])
{
    return sqrt(pow(a[0] - b[0], 2) + pow(a[1] - b[1], 2) + pow(a[2] - b[2], 2));
}

/* burnout state at (lat, lon, h) with Earth-relative speed v, flight-path angle g
 * above the local (geodetic) horizontal and heading az */
static void make_state(double lat, double lon, double h, double v, double g, double az, double x[6])
{
    tl_geodetic s = {lat, lon, h};
    tl_geodetic_to_ecef(&s, x);
    double enu[3] = {v * cos(g) * sin(az), v * cos(g) * cos(az), v * sin(g)};
    tl_vec_enu_to_ecef(lat, lon, enu, x + 3);
}

/* ------------------------------------------------------------ Jacobi drift */

/* J2 + rotation, no drag: the Jacobi integral v^2/2 + U - w^2 (x^2+y^2)/2 is conserved.
 * Over the 70-minute coast of a lofted ICBM-class flight the adaptive integrator must
 * keep its relative drift below 1e-9. */
static void test_jacobi_conservation(void **state)
{
    (void)state;
    tl_flight_request r = {{39.0 * TL_DEG, 125.7 * TL_DEG, 0},
                           90 * TL_DEG,
                           1000e3,
                           6000e3,
                           TL_LOFT_NONE,
                           TL_CLASS_ICBM};
    tl_flight f;
    tl_err e;
    assert_int_equal(tl_flight_solve(&r, &f, &e), TL_OK);
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.flags = TL_DYN_J2 | TL_DYN_ROTATION; /* drag off */
    tl_dp45_opts o;
    double t = 0.0;
    /* the library's default tolerance (used for flights), then a tight one */
    for (int pass = 0; pass < 2; pass++) {
        double x[6];
        memcpy(x, f.burnout_x_ecef, sizeof x);
        double c0 = tl_dyn_jacobi(&m, x), worst = 0.0;
        tl_dp45_opts_default(&o);
        if (pass == 1) {
            o.rtol = 1e-13;
            o.atol_pos_m = 1e-6;
            o.atol_vel_mps = 1e-9;
        }
        t = 0.0;
        for (int k = 1; k <= 42; k++) { /* 42 x 100 s = 70 minutes */
            assert_int_equal(tl_dp45_integrate(tl_dyn_ode, &m, &t, x, 100.0 * k, &o, NULL), TL_OK);
            double d = fabs(tl_dyn_jacobi(&m, x) - c0) / fabs(c0);
            worst = fmax(worst, d);
        }
        printf("# Jacobi relative drift over 4200 s (J2, rotation, no drag), rtol %g: %.3g\n",
               o.rtol, worst);
        assert_true(worst < 1e-9);
    }
    /* the integral is not trivially constant: drag breaks it */
    m.flags |= TL_DYN_DRAG;
    m.beta_kg_m2 = 2000.0;
    tl_geodetic lo = {39 * TL_DEG, 125.7 * TL_DEG, 60e3};
    double y[6];
    make_state(lo.lat_rad, lo.lon_rad, lo.h_m, 3000.0, 0.0, TL_PI / 2, y);
    double cy = tl_dyn_jacobi(&m, y);
    t = 0.0;
    assert_int_equal(tl_dp45_integrate(tl_dyn_ode, &m, &t, y, 20.0, &o, NULL), TL_OK);
    assert_true(tl_dyn_jacobi(&m, y) < cy - 1e3); /* lost > 1 kJ/kg */
}

/* ----------------------------------------------------------- Kepler check */

typedef struct sphere_ev {
    double r_m;
} sphere_ev;

static double ev_radius(void *ctx, double t, const double x[6])
{
    (void)t;
    return sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) - ((sphere_ev *)ctx)->r_m;
}

/* eccentric anomaly in [0, 2pi) for true anomaly nu */
static double ecc_anom(double nu, double e)
{
    double E = atan2(sqrt(1 - e * e) * sin(nu), e + cos(nu));
    return E < 0 ? E + 2 * TL_PI : E;
}

static void kepler_closed_form(double mu, double r0, double v0, double g, double R, double *psi,
                               double *tof)
{
    double p = r0 * r0 * v0 * v0 * cos(g) * cos(g) / mu;
    double esin = sqrt(p / mu) * v0 * sin(g), ecos = p / r0 - 1.0;
    double e = hypot(esin, ecos);
    double nu0 = atan2(esin, ecos);
    if (nu0 < 0)
        nu0 += 2 * TL_PI;
    double nu1 = 2 * TL_PI - acos((p / R - 1.0) / e);
    *psi = nu1 - nu0;
    double a = p / (1 - e * e);
    double n = sqrt(mu / (a * a * a));
    double E0 = ecc_anom(nu0, e), E1 = ecc_anom(nu1, e);
    *tof = ((E1 - e * sin(E1)) - (E0 - e * sin(E0))) / n;
}

static void test_kepler_range_tof(void **state)
{
    (void)state;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.flags = 0; /* point mass, inertial (non-rotating) frame, no drag */
    const double R = 6371e3, mu = m.gm;
    const struct {
        double h, v, g_deg;
    } cases[] = {{100e3, 3000, 40}, {200e3, 5000, 35}, {300e3, 7000, 25},
                 {600e3, 7000, 80}, {0.0, 6500, 45},   {150e3, 2000, 60}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double r0 = R + cases[i].h, g = cases[i].g_deg * TL_DEG;
        /* a spherical frame: put the burnout point on the x axis, moving in the x-y plane */
        double x[6] = {r0, 0, 0, cases[i].v * sin(g), cases[i].v * cos(g), 0};
        double x0[3] = {x[0], x[1], x[2]};
        sphere_ev ev = {R};
        tl_dp45_opts o;
        tl_dp45_opts_default(&o);
        o.rtol = 1e-12;
        o.atol_pos_m = 1e-6;
        o.atol_vel_mps = 1e-9;
        o.event = ev_radius;
        o.event_ctx = &ev;
        o.event_dir = -1;
        o.event_tol = 1e-6;
        double t = 0.0;
        /* (a burnout on the surface starts at g = 0, which is not a crossing) */
        int rc = tl_dp45_integrate(tl_dyn_ode, &m, &t, x, 1e5, &o, NULL);
        assert_int_equal(rc, 1);
        double psi_num = acos((x0[0] * x[0] + x0[1] * x[1] + x0[2] * x[2]) / (r0 * R));
        if (x[1] < 0) /* beyond half a revolution */
            psi_num = 2 * TL_PI - psi_num;
        double psi, tof;
        kepler_closed_form(mu, r0, cases[i].v, g, R, &psi, &tof);
        printf("# Kepler case %zu: range %.4f km (closed form %.4f), tof %.6f s (%.6f)\n", i,
               psi_num * R / 1e3, psi * R / 1e3, t, tof);
        assert_near(psi_num * R, psi * R, 0.05); /* 5 cm of ground range */
        assert_near(t, tof, 1e-4);
    }
}

/* Regan/BMW free-flight range equation for symmetric flights (burnout and impact at the
 * same radius): cos(psi/2) = (1 - Q cos^2 g) / sqrt(1 + Q (Q - 2) cos^2 g), Q = v^2 r/mu.
 * An independent form of the same physics: check the general closed form against it. */
static void test_kepler_symmetric_formula(void **state)
{
    (void)state;
    const double mu = TL_WGS84_GM, r = 6471e3;
    for (double g = 10; g < 85; g += 15)
        for (double v = 2000; v < 7500; v += 1500) {
            double gr = g * TL_DEG, Q = v * v * r / mu, c2 = cos(gr) * cos(gr);
            double psi_bmw = 2 * acos((1 - Q * c2) / sqrt(1 + Q * (Q - 2) * c2));
            double psi, tof;
            kepler_closed_form(mu, r, v, gr, r, &psi, &tof);
            assert_near(psi, psi_bmw, 1e-9);
        }
}

/* ----------------------------------------------------- RK4 vs DP45 and events */

static void test_rk4_vs_dp45(void **state)
{
    (void)state;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.beta_kg_m2 = 5000.0; /* J2 + rotation + drag */
    double x1[6], x2[6];
    make_state(39 * TL_DEG, 125.7 * TL_DEG, 80e3, 4500.0, 35 * TL_DEG, TL_PI / 2, x1);
    memcpy(x2, x1, sizeof x1);
    tl_dyn_propagate(&m, x1, 900.0, 0.05);
    assert_int_equal(tl_dyn_propagate_dp45(&m, x2, 900.0, 1e-12), TL_OK);
    double dp = dist3(x1, x2), dv = dist3(x1 + 3, x2 + 3);
    printf("# RK4 (0.05 s) vs DP45 (rtol 1e-12) after 900 s: %.3g m, %.3g m/s\n", dp, dv);
    assert_true(dp < 0.01);
    assert_true(dv < 1e-4);
    /* and they agree going backwards */
    tl_dyn_propagate(&m, x1, -900.0, 0.05);
    assert_int_equal(tl_dyn_propagate_dp45(&m, x2, -900.0, 1e-12), TL_OK);
    assert_true(dist3(x1, x2) < 0.02);
}

/* Impact event vs a brute-force reference: RK4 at 0.01 s then bisection of the last
 * step with RK4 sub-steps, to a height below 1 micrometre. */
static void test_impact_event_precision(void **state)
{
    (void)state;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.beta_kg_m2 = 8000.0;
    double x[6], y[6];
    make_state(38.5 * TL_DEG, 127.0 * TL_DEG, 100e3, 3500.0, 30 * TL_DEG, 80 * TL_DEG, x);
    memcpy(y, x, sizeof x);
    tl_dp45_opts o;
    tl_dp45_opts_default(&o);
    o.event = tl_dyn_event_height;
    o.event_dir = -1;
    o.event_tol = 1e-4;
    double t = 0.0;
    assert_int_equal(tl_dp45_integrate(tl_dyn_ode, &m, &t, x, 3600.0, &o, NULL), 1);
    assert_true(fabs(tl_dyn_event_height(NULL, t, x)) < 1e-3);
    /* reference */
    double tr = 0.0, prev[6];
    const double dt = 0.01;
    for (int i = 0; i < 400000; i++) {
        memcpy(prev, y, sizeof y);
        tl_dyn_rk4_step(&m, y, dt);
        tr += dt;
        if (tl_dyn_event_height(NULL, 0, y) <= 0.0)
            break;
    }
    double lo = 0.0, hi = dt, z[6];
    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        memcpy(z, prev, sizeof z);
        tl_dyn_rk4_step(&m, z, mid);
        if (tl_dyn_event_height(NULL, 0, z) > 0.0)
            lo = mid;
        else
            hi = mid;
    }
    memcpy(z, prev, sizeof z);
    tl_dyn_rk4_step(&m, z, hi);
    double t_ref = tr - dt + hi;
    double d = dist3(x, z);
    printf("# impact event vs brute force: %.4f m, %.2e s\n", d, t - t_ref);
    assert_true(d < 1.0);
    assert_near(t, t_ref, 1e-3);
    /* the convenience wrapper finds the same point */
    double w[6], tw;
    make_state(38.5 * TL_DEG, 127.0 * TL_DEG, 100e3, 3500.0, 30 * TL_DEG, 80 * TL_DEG, w);
    assert_int_equal(tl_dyn_propagate_to_impact(&m, w, 3600.0, &tw), TL_OK);
    assert_true(dist3(w, z) < 1.0);
    assert_near(tw, t_ref, 1e-3);
    /* and reports no impact when the horizon is too short */
    make_state(38.5 * TL_DEG, 127.0 * TL_DEG, 100e3, 3500.0, 30 * TL_DEG, 80 * TL_DEG, w);
    assert_int_equal(tl_dyn_propagate_to_impact(&m, w, 10.0, &tw), TL_ENOCONV);
    assert_near(tw, 10.0, 1e-9);
}

/* Apogee event: the vertical speed is zero there and the height is a maximum. */
static void test_apogee_event(void **state)
{
    (void)state;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    double x[6];
    make_state(39 * TL_DEG, 125.7 * TL_DEG, 200e3, 5000.0, 50 * TL_DEG, TL_PI / 2, x);
    tl_dp45_opts o;
    tl_dp45_opts_default(&o);
    o.event = tl_dyn_event_vspeed;
    o.event_dir = -1;
    o.event_tol = 1e-8;
    double t = 0.0;
    assert_int_equal(tl_dp45_integrate(tl_dyn_ode, &m, &t, x, 3600.0, &o, NULL), 1);
    double h0 = tl_dyn_event_height(NULL, t, x);
    double w[6], tw;
    make_state(39 * TL_DEG, 125.7 * TL_DEG, 200e3, 5000.0, 50 * TL_DEG, TL_PI / 2, w);
    assert_int_equal(tl_dyn_propagate_to_apogee(&m, w, 3600.0, &tw), TL_OK);
    assert_near(tw, t, 1e-3);
    assert_near(tl_dyn_event_height(NULL, 0, w), h0, 1e-3);
    for (int s = -1; s <= 1; s += 2) {
        double y[6];
        memcpy(y, x, sizeof y);
        assert_int_equal(tl_dyn_propagate_dp45(&m, y, s * 2.0, 1e-12), TL_OK);
        assert_true(tl_dyn_event_height(NULL, 0, y) < h0);
    }
    /* brute force: golden-section search of the height over +-20 s around the event,
     * each trial propagated from the event state */
    const double gr = 0.5 * (sqrt(5.0) - 1.0);
    double a = -20.0, b = 20.0, hmax = 0.0;
    for (int it = 0; it < 60; it++) {
        double c1 = b - gr * (b - a), c2 = a + gr * (b - a), y1[6], y2[6];
        memcpy(y1, x, sizeof y1);
        memcpy(y2, x, sizeof y2);
        assert_int_equal(tl_dyn_propagate_dp45(&m, y1, c1, 1e-13), TL_OK);
        assert_int_equal(tl_dyn_propagate_dp45(&m, y2, c2, 1e-13), TL_OK);
        double h1 = tl_dyn_event_height(NULL, 0, y1), h2 = tl_dyn_event_height(NULL, 0, y2);
        if (h1 > h2)
            b = c2;
        else
            a = c1;
        hmax = fmax(h1, h2);
    }
    printf("# apogee event: time offset to the brute-force maximum %.2e s, height %.2e m\n",
           0.5 * (a + b), hmax - h0);
    assert_true(fabs(hmax - h0) < 1e-3); /* far better than 1 m */
    assert_true(fabs(0.5 * (a + b)) < 0.05);
}

/* ------------------------------------------------------------ rotation */

/* Same Earth-relative burnout speed and flight-path angle: eastwards flies farther
 * (the Earth's rotation adds ~360 m/s of inertial speed at 39 N). */
static void test_east_farther_than_west(void **state)
{
    (void)state;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.beta_kg_m2 = 10000.0;
    double rng[2];
    for (int k = 0; k < 2; k++) {
        double az = k == 0 ? TL_PI / 2 : 3 * TL_PI / 2, x[6];
        make_state(39 * TL_DEG, 125.7 * TL_DEG, 150e3, 5000.0, 35 * TL_DEG, az, x);
        tl_dp45_opts o;
        tl_dp45_opts_default(&o);
        o.event = tl_dyn_event_height;
        o.event_dir = -1;
        double t = 0.0;
        assert_int_equal(tl_dp45_integrate(tl_dyn_ode, &m, &t, x, 7200.0, &o, NULL), 1);
        tl_geodetic g;
        tl_ecef_to_geodetic(x, &g);
        tl_geodesic_inverse(39 * TL_DEG, 125.7 * TL_DEG, g.lat_rad, g.lon_rad, &rng[k], NULL, NULL);
    }
    printf("# east %.1f km, west %.1f km\n", rng[0] / 1e3, rng[1] / 1e3);
    assert_true(rng[0] > rng[1] + 100e3);
    /* whole flights too: the same controls flown east and west */
    tl_flight f[2];
    for (int k = 0; k < 2; k++) {
        memset(&f[k], 0, sizeof f[k]);
        f[k].req.launch.lat_rad = 39 * TL_DEG;
        f[k].req.launch.lon_rad = 125.7 * TL_DEG;
        f[k].req.azimuth_rad = k == 0 ? TL_PI / 2 : 3 * TL_PI / 2;
        f[k].cls = TL_CLASS_IRBM;
        f[k].ctrl[TL_CTRL_KICK] = 0.15;
        assert_int_equal(tl_flight_fly(&f[k], NULL), TL_OK);
    }
    assert_true(f[0].range_m > f[1].range_m);
}

/* ------------------------------------------------------------ atmosphere */

/* U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562), layer-base densities at the
 * geopotential heights 0, 11, 20, 32, 47 and 71 km (1.2250, 0.36392, 0.088035,
 * 0.013225, 0.0014275, 0.000064211 kg/m^3). tl_atmo_density takes geometric height:
 * z = r0 H / (r0 - H), r0 = 6356766 m (the standard's own conversion). */
static void test_us76_density(void **state)
{
    (void)state;
    const double r0 = 6356766.0;
    const struct {
        double h_km, rho;
    } t[] = {{0, 1.2250},    {11, 0.36392},   {20, 0.088035},
             {32, 0.013225}, {47, 0.0014275}, {71, 6.4211e-5}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        double H = t[i].h_km * 1e3, z = r0 * H / (r0 - H);
        double rho = tl_atmo_density(z);
        assert_near(rho / t[i].rho, 1.0, 2e-4);
    }
    /* monotonic decrease through 1000 km, zero above */
    double prev = tl_atmo_density(-100.0);
    for (double h = 0; h <= 1000e3; h += 500.0) {
        double r = tl_atmo_density(h);
        assert_true(r <= prev && r >= 0.0);
        prev = r;
    }
    assert_true(tl_atmo_density(1.001e6) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jacobi_conservation),      cmocka_unit_test(test_kepler_range_tof),
        cmocka_unit_test(test_kepler_symmetric_formula), cmocka_unit_test(test_rk4_vs_dp45),
        cmocka_unit_test(test_impact_event_precision),   cmocka_unit_test(test_apogee_event),
        cmocka_unit_test(test_east_farther_than_west),   cmocka_unit_test(test_us76_density),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
