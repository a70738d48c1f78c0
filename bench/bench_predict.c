/* bench_predict.c — cost of one impact prediction with covariance (13 sigma points flown
 * to the ellipsoid) for ICBM-, IRBM- and SRBM-class states, of a launch prediction and of
 * a full threat assessment. Median of 7 batches of process CPU time. One JSON object per line. */
#include "trilink/predict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID,
                  &ts); /* CPU time: other jobs on the machine do not count */
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void make(double lat, double lon, double h, double v, double gam, double az, tl_state_est *e)
{
    memset(e, 0, sizeof *e);
    tl_geodetic g = {lat * TL_DEG, lon * TL_DEG, h};
    tl_geodetic_to_ecef(&g, e->x);
    double venu[3] = {v * cos(gam * TL_DEG) * sin(az * TL_DEG),
                      v * cos(gam * TL_DEG) * cos(az * TL_DEG), v * sin(gam * TL_DEG)};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, venu, e->x + 3);
    e->t_ns = 1700000000000000000LL;
    for (int i = 0; i < 3; i++) {
        e->P[i][i] = 300.0 * 300.0;
        e->P[i + 3][i + 3] = 3.0 * 3.0;
    }
}

/* median over 7 batches of the mean time per call: robust to other jobs on the machine */
static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void run(const char *name, int which, const tl_state_est *e, int n, double beta_sig)
{
    tl_predict_cfg c;
    tl_predict_cfg_default(&c);
    c.model.beta_kg_m2 = 8000.0;
    c.beta_sigma_frac = beta_sig;
    double sink = 0.0, batch[7];
    for (int b = -1; b < 7; b++) { /* batch -1 warms up (tables, caches) and is not kept */
        double t0 = now_s();
        for (int i = 0; i < n; i++) {
            if (which == 0) {
                tl_impact_pred p;
                tl_predict_impact(&c, e, &p, NULL);
                sink += p.point.lat_rad;
            } else if (which == 1) {
                tl_launch_pred p;
                tl_predict_launch(&c, e, &p, NULL);
                sink += p.point.lat_rad;
            } else {
                tl_threat_pred p;
                tl_predict_threat(&c, e, &p, NULL);
                sink += p.range_m;
            }
        }
        if (b >= 0)
            batch[b] = (now_s() - t0) / n;
    }
    qsort(batch, 7, sizeof batch[0], cmp_d);
    printf("{\"name\": \"%s\", \"unit\": \"ms\", \"value\": %.4f}\n", name,
           batch[3] * 1e3 + 0 * sink);
}

int main(void)
{
    tl_state_est icbm, irbm, srbm;
    make(40.0, 125.5, 250e3, 6900.0, 22.0, 60.0, &icbm); /* ~2,280 s to impact */
    make(40.0, 125.5, 150e3, 4900.0, 35.0, 90.0, &irbm);
    make(38.5, 126.0, 30e3, 1700.0, 38.0, 100.0, &srbm);
    run("predict_impact_icbm_per_call", 0, &icbm, 40, 0.0);
    run("predict_impact_icbm_beta_uncertain_per_call", 0, &icbm, 40, 0.3);
    run("predict_impact_irbm_per_call", 0, &irbm, 40, 0.0);
    run("predict_impact_srbm_per_call", 0, &srbm, 40, 0.0);
    run("predict_launch_icbm_per_call", 1, &icbm, 40, 0.0);
    run("predict_threat_icbm_per_call", 2, &icbm, 20, 0.0);
    return 0;
}
