/* bench_fusion.c — one fusion cycle for 1,000 objects seen by the local tracker and two
 * partners (3,000 contributor tracks, partners' reports 0.3-0.5 s old): alignment,
 * binding, consistency checks, fusion, merge search. Steady state (after the first
 * cycle built the system tracks: median of 29 cycles) and the first cycle (all
 * association) separately. CPU time of the process, so other jobs do not count. */
#include "trilink/fusion.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOBJ 1000
#define T0_NS 1700000000000000000LL

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID,
                  &ts); /* CPU time: other jobs on the machine do not count */
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ull;
static double unif(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (rng >> 11) * (1.0 / 9007199254740992.0);
}
static double gauss(void)
{
    double u = unif() + 1e-300, v = unif();
    return sqrt(-2 * log(u)) * cos(2 * TL_PI * v);
}

static double truth[NOBJ][6];

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void make(const char *nat, uint32_t id, const double x[6], double sp, double sv, int64_t t,
                 tl_fusion_input *in)
{
    memset(in, 0, sizeof *in);
    snprintf(in->nation, sizeof in->nation, "%s", nat);
    in->track_id = id;
    in->est.t_ns = t;
    for (int i = 0; i < 3; i++) {
        in->est.P[i][i] = sp * sp;
        in->est.P[i + 3][i + 3] = sv * sv;
        in->est.x[i] = x[i] + sp * gauss();
        in->est.x[i + 3] = x[i + 3] + sv * gauss();
    }
    in->est.P[0][1] = in->est.P[1][0] = 0.3 * sp * sp;
}

static void bench(int npartners)
{
    tl_fusion_cfg cfg;
    tl_fusion_cfg_default(&cfg);
    tl_fusion *f;
    if (tl_fusion_create(&cfg, &f, NULL) != TL_OK)
        return;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.flags &= ~(unsigned)TL_DYN_DRAG;
    for (int i = 0; i < NOBJ; i++) {
        tl_geodetic g = {(25 + 25 * unif()) * TL_DEG, (115 + 35 * unif()) * TL_DEG,
                         100e3 + 900e3 * unif()};
        tl_geodetic_to_ecef(&g, truth[i]);
        double az = 2 * TL_PI * unif(), v = 2000 + 5000 * unif();
        double venu[3] = {v * sin(az), v * cos(az), 500 * gauss()};
        tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, venu, truth[i] + 3);
    }
    static tl_fusion_input in[3 * NOBJ];
    const int ncyc = 30;
    double t_first = 0, t_cyc[64];
    size_t live = 0;
    for (int c = 0; c < ncyc; c++) {
        int64_t t = T0_NS + (int64_t)c * 1000000000LL;
        size_t n = 0;
        for (int i = 0; i < NOBJ; i++) {
            double old[6];
            make("JP", 1 + i, truth[i], 100, 2, t, &in[n++]);
            memcpy(old, truth[i], sizeof old);
            tl_dyn_propagate(&m, old, -0.4, 1.0);
            make("US", 10001 + i, old, 150, 2, t - 400000000LL, &in[n++]);
            if (npartners > 1)
                make("KR", 20001 + i, old, 200, 3, t - 400000000LL, &in[n++]);
        }
        double t0 = now_s();
        tl_fusion_update(f, t, in, n, NULL);
        double dt = now_s() - t0;
        if (c == 0)
            t_first = dt;
        else
            t_cyc[c - 1] = dt;
        live = tl_fusion_count(f);
        for (int i = 0; i < NOBJ; i++)
            tl_dyn_propagate(&m, truth[i], 1.0, 1.0);
    }
    qsort(t_cyc, ncyc - 1, sizeof t_cyc[0], cmp_d);
    printf("{\"name\": \"fusion_cycle_1000_tracks_%d_partner%s\", \"unit\": \"ms\", \"value\": "
           "%.3f}\n",
           npartners, npartners > 1 ? "s" : "", 1e3 * t_cyc[(ncyc - 1) / 2]);
    printf("{\"name\": \"fusion_first_cycle_1000_tracks_%d_partner%s\", \"unit\": \"ms\", "
           "\"value\": %.3f}\n",
           npartners, npartners > 1 ? "s" : "", 1e3 * t_first);
    printf("{\"name\": \"fusion_system_tracks_after_%d_cycles_%d_partner%s\", \"unit\": \"count\", "
           "\"value\": %zu}\n",
           ncyc, npartners, npartners > 1 ? "s" : "", live);
    tl_fusion_destroy(f);
}

int main(void)
{
    bench(2);
    bench(1);
    return 0;
}
