/* bench_dynamics.c — flight-physics throughput on one core: fixed-step RK4 propagation
 * steps per second with the full force model (point mass + J2, Earth rotation, US76
 * drag), adaptive Dormand-Prince 5(4) accepted steps per second on the same model, and
 * the wall time of the flight solver for a lofted ICBM-class and an SRBM request.
 * Prints one JSON object per line (see scripts/bench). */
#include "trilink/dynamics.h"
#include "trilink/flight.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* a re-entering state 80 km up at 4.5 km/s: drag is evaluated on every call */
static void start_state(double x[6])
{
    tl_geodetic g = {39.0 * TL_DEG, 125.7 * TL_DEG, 80e3};
    tl_geodetic_to_ecef(&g, x);
    double enu[3] = {4000.0, 0.0, 2000.0};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, enu, x + 3);
}

static volatile double sink;

int main(void)
{
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.beta_kg_m2 = 5000.0;
    double x[6];

    /* RK4: 2e6 steps of 0.1 s, restarting every 2000 steps (200 s of flight) */
    const long n_rk4 = 2000000;
    double t0 = now_s();
    for (long i = 0; i < n_rk4; i++) {
        if (i % 2000 == 0)
            start_state(x);
        tl_dyn_rk4_step(&m, x, 0.1);
    }
    double t_rk4 = now_s() - t0;
    sink = x[0];
    printf("{\"name\": \"dyn_rk4_steps_per_s\", \"unit\": \"steps/s\", \"value\": %.0f}\n",
           n_rk4 / t_rk4);

    /* DP45 at the flight tolerance: 200 s arcs */
    tl_dp45_opts o;
    tl_dp45_opts_default(&o);
    long steps = 0;
    t0 = now_s();
    for (int k = 0; k < 2000; k++) {
        tl_dp45_stats st;
        double t = 0.0;
        start_state(x);
        tl_dp45_integrate(tl_dyn_ode, &m, &t, x, 200.0, &o, &st);
        steps += st.steps;
    }
    double t_dp = now_s() - t0;
    sink = x[0];
    printf("{\"name\": \"dyn_dp45_steps_per_s\", \"unit\": \"steps/s\", \"value\": %.0f}\n",
           steps / t_dp);
    printf("{\"name\": \"dyn_dp45_sim_seconds_per_s\", \"unit\": \"s/s\", \"value\": %.0f}\n",
           2000 * 200.0 / t_dp);

    /* solver */
    const struct {
        const char *name;
        tl_flight_request r;
    } cases[] = {
        {"flight_solve_icbm_lofted_ms",
         {{39.0 * TL_DEG, 125.7 * TL_DEG, 0},
          90 * TL_DEG,
          1000e3,
          6000e3,
          TL_LOFT_NONE,
          TL_CLASS_ICBM}},
        {"flight_solve_srbm_min_energy_ms",
         {{39.0 * TL_DEG, 125.7 * TL_DEG, 0},
          90 * TL_DEG,
          600e3,
          0,
          TL_LOFT_MIN_ENERGY,
          TL_CLASS_SRBM}},
        {"flight_solve_auto_lofted_ms",
         {{39.0 * TL_DEG, 125.7 * TL_DEG, 0},
          80 * TL_DEG,
          1000e3,
          0,
          TL_LOFT_LOFTED,
          TL_CLASS_AUTO}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tl_flight f;
        tl_err e;
        const int reps = 5;
        t0 = now_s();
        for (int k = 0; k < reps; k++)
            if (tl_flight_solve(&cases[i].r, &f, &e) != TL_OK) {
                fprintf(stderr, "%s: %s\n", cases[i].name, e.msg);
                return 1;
            }
        printf("{\"name\": \"%s\", \"unit\": \"ms\", \"value\": %.2f}\n", cases[i].name,
               (now_s() - t0) / reps * 1e3);
    }
    return 0;
}
