/* demo_physics.c — `trilink demo --physics` (the interim demo before the network):
 * solves and flies the default launch — a lofted ICBM-class launch from near Pyongyang
 * into the Sea of Japan plus two SRBMs eastwards — and prints a physics summary.
 * It shows flight physics only (module dynamics); the networked demo replaces it. */
#include "cli.h"
#include "demo.h"
#include "trilink/flight.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct demo_launch {
    const char *label;
    double lat_deg, lon_deg, az_deg, range_km, apogee_km;
    tl_loft loft;
    tl_missile_class cls;
} demo_launch;

static const demo_launch launches[] = {
    {"lofted ICBM-class, near Pyongyang -> Sea of Japan", 39.0, 125.7, 90.0, 1000.0, 6000.0,
     TL_LOFT_NONE, TL_CLASS_ICBM},
    {"SRBM #1, minimum-energy, eastwards", 38.9, 125.6, 85.0, 600.0, 0.0, TL_LOFT_MIN_ENERGY,
     TL_CLASS_SRBM},
    {"SRBM #2, depressed, eastwards", 39.2, 125.9, 80.0, 450.0, 0.0, TL_LOFT_DEPRESSED,
     TL_CLASS_SRBM},
};

static void timeline(const tl_flight *f)
{
    tl_traj tr = {0, NULL};
    tl_err err;
    if (tl_flight_trajectory(f, 1.0, 0.0, &tr, &err) != TL_OK) {
        printf("    (trajectory failed: %s)\n", err.msg);
        return;
    }
    double step = f->flight_time_s > 1800.0 ? 600.0 : 60.0;
    double t_last = tr.pts[tr.n - 1].t_s;
    printf("    %8s %10s %10s %9s %10s  %s\n", "t (s)", "lat", "lon", "h (km)", "v (m/s)", "phase");
    for (double t = 0.0; t < t_last + step; t += step) {
        double tt = fmin(t, t_last), x[6];
        int phase = 0;
        if (tl_traj_at(&tr, tt, x, &phase, NULL) != TL_OK)
            break;
        tl_geodetic g;
        tl_ecef_to_geodetic(x, &g);
        printf("    %8.0f %10.4f %10.4f %9.1f %10.0f  %s\n", tt, g.lat_rad / TL_DEG,
               g.lon_rad / TL_DEG, g.h_m / 1e3, sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]),
               tl_phase_name((tl_phase)phase));
        if (tt >= t_last)
            break;
    }
    tl_traj_free(&tr);
}

int tl_demo_physics(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("trilink demo --physics — FLIGHT PHYSICS ONLY.\n"
           "This shows the ballistic flight model: boost with staging and a gravity turn,\n"
           "WGS-84 point-mass + J2 gravity, Earth rotation, US76 drag, adaptive Dormand-Prince\n"
           "integration and the (apogee, range) solver. No sensors, tracking or data sharing:\n"
           "`trilink demo` without --physics runs the networked JP/US/KR drill.\n\n");
    int failures = 0;
    for (size_t i = 0; i < sizeof launches / sizeof launches[0]; i++) {
        const demo_launch *d = &launches[i];
        tl_flight_request req;
        memset(&req, 0, sizeof req);
        req.launch.lat_rad = d->lat_deg * TL_DEG;
        req.launch.lon_rad = d->lon_deg * TL_DEG;
        req.azimuth_rad = d->az_deg * TL_DEG;
        req.range_m = d->range_km * 1e3;
        req.apogee_m = d->apogee_km * 1e3;
        req.loft = d->loft;
        req.cls = d->cls;
        tl_flight f;
        tl_err err;
        printf("[%zu] %s\n", i + 1, d->label);
        printf("    request: %.2fN %.2fE, azimuth %.0f deg, range %.0f km, ", d->lat_deg,
               d->lon_deg, d->az_deg, d->range_km);
        if (d->apogee_km > 0)
            printf("apogee %.0f km\n", d->apogee_km);
        else
            printf("%s trajectory\n",
                   d->loft == TL_LOFT_MIN_ENERGY ? "minimum-energy" : "depressed");
        if (tl_flight_solve(&req, &f, &err) != TL_OK) {
            printf("    FAILED: %s\n\n", err.msg);
            failures++;
            continue;
        }
        printf("    class %s: apogee %.1f km, range %.1f km, flight time %.0f s (%.1f min)\n",
               tl_missile_class_name(f.cls), f.apogee_m / 1e3, f.range_m / 1e3, f.flight_time_s,
               f.flight_time_s / 60.0);
        printf("    burnout at %.0f s: %.1f km high, %.0f m/s, flight-path angle %.1f deg\n",
               f.burnout_t_s, f.burnout_h_m / 1e3, f.burnout_speed_mps,
               f.burnout_gamma_rad / TL_DEG);
        printf("    impact %.3fN %.3fE; launch heading %.2f deg (Earth rotation correction "
               "%+.2f deg)\n",
               f.impact.lat_rad / TL_DEG, f.impact.lon_rad / TL_DEG,
               tl_wrap_2pi(req.azimuth_rad + f.ctrl[TL_CTRL_HEADING]) / TL_DEG,
               f.ctrl[TL_CTRL_HEADING] / TL_DEG);
        timeline(&f);
        printf("\n");
    }
    printf("Reading it: the lofted shot climbs far above its range (NK test pattern) and\n"
           "stays up over an hour; SRBMs stay low and land within minutes. Impacts are\n"
           "computed by event location on the WGS-84 ellipsoid.\n");
    return failures ? 1 : 0;
}
