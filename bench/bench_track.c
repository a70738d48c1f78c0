/* bench_track.c — tracker speed and memory (make bench): EKF/UKF predict+update
 * rate for one radar plot, one full tracker scan with 1,000 tracks and 1,000 plots,
 * the sparse assignment alone on a 1,000 x 1,000 gated problem, and the bytes per
 * track. Prints one JSON object per line. */
#include "trilink/assoc.h"
#include "trilink/filter.h"
#include "trilink/geo.h"
#include "trilink/tracker.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng_s = 0x9e3779b97f4a7c15ull;
static double urand(void)
{
    uint64_t z = (rng_s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (z >> 11) * 0x1.0p-53;
}
static double nrand(void)
{
    double u = urand() + 1e-300, v = urand();
    return sqrt(-2 * log(u)) * cos(2 * TL_PI * v);
}

static void emit(const char *name, const char *unit, double v)
{
    printf("{\"name\": \"%s\", \"unit\": \"%s\", \"value\": %.6g}\n", name, unit, v);
}

static void target_state(double lat, double lon, double x[6])
{
    tl_geodetic g = {lat * TL_DEG, lon * TL_DEG, 250e3};
    tl_geodetic_to_ecef(&g, x);
    double v[3] = {2000.0, 900.0, 800.0};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, v, x + 3);
}

static tl_plot radar_plot(const tl_geodetic *site, const double x[6], int64_t t, uint64_t id)
{
    tl_plot p;
    memset(&p, 0, sizeof p);
    p.t_ns = t;
    p.plot_id = id;
    snprintf(p.sensor_id, sizeof p.sensor_id, "JP-RADAR-A");
    snprintf(p.nation, sizeof p.nation, "JP");
    p.kind = TL_PLOT_RADAR;
    p.site = *site;
    tl_geodetic_to_ecef(site, p.site_ecef);
    p.nz = 4;
    const double sig[4] = {30.0, 0.5e-3, 0.5e-3, 2.0};
    memcpy(p.sigma, sig, sizeof sig);
    tl_meas m;
    tl_meas_from_plot(&p, &m);
    double z[4];
    tl_meas_h(&m, x, z, NULL);
    for (int i = 0; i < 4; i++)
        p.z[i] = z[i] + sig[i] * nrand();
    p.z[1] = tl_wrap_2pi(p.z[1]);
    return p;
}

static void bench_filter(const tl_filter_ops *ops, const char *name, int n)
{
    tl_motion mm;
    tl_motion_default(&mm);
    tl_geodetic site = {38.0 * TL_DEG, 139.8 * TL_DEG, 50.0};
    double truth[6];
    target_state(40.0, 131.0, truth);
    tl_dyn_model dm = mm.dyn;
    tl_state_est s = {.t_ns = 0};
    memcpy(s.x, truth, sizeof truth);
    for (int i = 0; i < 6; i++)
        s.P[i][i] = i < 3 ? 1e6 : 1e4;
    /* plots prepared in advance: the loop times only the filter */
    enum { NP = 256 };
    static tl_meas meas[NP];
    for (int k = 0; k < NP; k++) {
        tl_dyn_propagate(&dm, truth, 1.0, 1.0);
        tl_plot p = radar_plot(&site, truth, (int64_t)(k + 1) * 1000000000LL, k);
        tl_meas_from_plot(&p, &meas[k]);
    }
    tl_state_est s0 = s;
    int fails = 0;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        int k = i % NP;
        if (k == 0)
            s = s0;
        if (ops->predict(&mm, &s, meas[k].t_ns) != TL_OK ||
            ops->update(&s, &meas[k], NULL) != TL_OK)
            fails++;
    }
    double dt = now_s() - t0;
    if (fails)
        fprintf(stderr, "bench_track: %d filter failures\n", fails);
    char nm[64];
    snprintf(nm, sizeof nm, "track.%s_predict_update_rate", name);
    emit(nm, "1/s", n / dt);
}

static void bench_scan(void)
{
    enum { NT = 1000 };
    tl_tracker_config c;
    tl_tracker_config_default(&c);
    snprintf(c.nation, sizeof c.nation, "JP");
    c.max_tracks = 1100;
    c.max_scan = 1100;
    c.reorder_window_ns = 0;
    tl_tracker *t = NULL;
    if (tl_tracker_create(&c, &t, NULL) != TL_OK) {
        fprintf(stderr, "bench_track: tracker create failed\n");
        return;
    }
    tl_geodetic site = {38.0 * TL_DEG, 139.8 * TL_DEG, 50.0};
    static double x[NT][6];
    for (int i = 0; i < NT; i++) /* 25 x 40 grid, ~10 km apart */
        target_state(38.0 + 0.1 * (i / 40), 128.0 + 0.12 * (i % 40), x[i]);
    tl_dyn_model dm;
    tl_dyn_model_default(&dm);
    dm.flags &= ~(unsigned)TL_DYN_DRAG;
    static tl_plot plots[NT];
    double t_scan = 0.0;
    int nscan = 8;
    for (int k = 0; k < nscan; k++) {
        int64_t tns = 1790000000000000000LL + (int64_t)k * 2000000000LL;
        for (int i = 0; i < NT; i++) {
            if (k > 0)
                tl_dyn_propagate(&dm, x[i], 2.0, 2.0);
            plots[i] = radar_plot(&site, x[i], tns, (uint64_t)k * NT + i);
        }
        double t0 = now_s();
        for (int i = 0; i < NT; i++)
            tl_tracker_add_plot(t, &plots[i], NULL);
        tl_tracker_flush(t);
        double dt = now_s() - t0;
        if (k == nscan - 1)
            t_scan = dt;
        if (getenv("TL_BENCH_DEBUG")) {
            tl_tracker_stats q;
            tl_tracker_stats_get(t, &q);
            fprintf(stderr, "scan %d: live %zu init %llu conf %llu del %llu assigned %llu full %llu\n", k,
                    q.tracks_live, (unsigned long long)q.tracks_initiated,
                    (unsigned long long)q.tracks_confirmed, (unsigned long long)q.tracks_deleted,
                    (unsigned long long)q.plots_assigned, (unsigned long long)q.pool_full);
        }
    }
    tl_tracker_stats st;
    tl_tracker_stats_get(t, &st);
    if (st.tracks_live != NT)
        fprintf(stderr, "bench_track: %zu live tracks (expected %d)\n", st.tracks_live, NT);
    emit("track.scan_1000x1000_full_cycle", "ms", t_scan * 1e3);
    emit("track.live_tracks_in_scan_bench", "count", (double)st.tracks_live);
    tl_tracker_destroy(t);
}

/* The association step alone as the tracker runs it: 1,000 predicted tracks and
 * 1,000 radar plots -> plot positions, sort by ECEF x, coarse box search, EKF
 * innovation chi-square gate, tl_assign_sparse. (Prediction and updates excluded.) */
static double (*g_pos)[3];
static int cmp_idx(const void *a, const void *b)
{
    double xa = g_pos[*(const int *)a][0], xb = g_pos[*(const int *)b][0];
    return (xa > xb) - (xa < xb);
}

static void bench_assoc_scan(void)
{
    enum { N = 1000 };
    static tl_state_est trk[N];
    static tl_meas meas[N];
    static double pos[N][3];
    static int order[N];
    static tl_assign_edge e[N * 16];
    static int32_t r2c[N], c2r[N];
    tl_geodetic site = {38.0 * TL_DEG, 139.8 * TL_DEG, 50.0};
    for (int i = 0; i < N; i++) {
        double x[6];
        target_state(38.0 + 0.1 * (i / 40), 128.0 + 0.12 * (i % 40), x);
        trk[i].t_ns = 0;
        memcpy(trk[i].x, x, sizeof x);
        memset(trk[i].P, 0, sizeof trk[i].P);
        for (int k = 0; k < 6; k++) {
            trk[i].P[k][k] = k < 3 ? 300.0 * 300.0 : 30.0 * 30.0;
            trk[i].x[k] += (k < 3 ? 300.0 : 30.0) * nrand();
        }
        tl_plot p = radar_plot(&site, x, 0, (uint64_t)i);
        tl_meas_from_plot(&p, &meas[i]);
    }
    void *ws = malloc(tl_assign_workspace_size(N, N, N * 16));
    double gate = 18.47; /* chi-square(4) 0.999 */
    int reps = 20;
    size_t assigned = 0;
    double t0 = now_s();
    for (int rep = 0; rep < reps; rep++) {
        double rad_p = 0;
        for (int j = 0; j < N; j++) {
            double P3[3][3];
            tl_meas_position(&meas[j], pos[j], P3);
            double r = 5.0 * sqrt(P3[0][0] + P3[1][1] + P3[2][2]);
            rad_p = r > rad_p ? r : rad_p;
            order[j] = j;
        }
        g_pos = pos;
        qsort(order, N, sizeof order[0], cmp_idx);
        size_t ne = 0;
        for (int i = 0; i < N; i++) {
            const double *xp = trk[i].x;
            double rad = 5.0 * sqrt(trk[i].P[0][0] + trk[i].P[1][1] + trk[i].P[2][2]) + rad_p;
            int lo = 0, hi = N;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (pos[order[mid]][0] < xp[0] - rad)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (int q = lo; q < N && pos[order[q]][0] <= xp[0] + rad; q++) {
                int j = order[q];
                if (fabs(pos[j][1] - xp[1]) > rad || fabs(pos[j][2] - xp[2]) > rad)
                    continue;
                tl_innov in;
                if (tl_ekf_ops.innovation(&trk[i], &meas[j], &in) == TL_OK && in.d2 <= gate &&
                    ne < N * 16)
                    e[ne++] = (tl_assign_edge){(uint32_t)i, (uint32_t)j, in.d2};
            }
        }
        tl_assign_sparse(N, N, e, ne, 0.5 * gate + 1.0, r2c, c2r, ws, NULL);
        assigned = 0;
        for (int i = 0; i < N; i++)
            assigned += r2c[i] >= 0;
    }
    double dt = (now_s() - t0) / reps;
    free(ws);
    emit("track.assoc_scan_1000x1000_gate_and_assign", "ms", dt * 1e3);
    if (assigned < 990)
        fprintf(stderr, "bench_track: only %zu of 1000 assigned\n", assigned);
}

static void bench_assign(void)
{
    enum { N = 1000, DEG = 4 };
    static tl_assign_edge e[N * DEG];
    size_t ne = 0;
    for (int i = 0; i < N; i++) /* each track gates its own plot and a few neighbours */
        for (int d = 0; d < DEG; d++) {
            int j = (i + d * 7) % N;
            e[ne++] = (tl_assign_edge){(uint32_t)i, (uint32_t)j, d == 0 ? 2.0 * urand() : 10.0 * urand()};
        }
    size_t wsz = tl_assign_workspace_size(N, N, ne);
    void *ws = malloc(wsz);
    static int32_t r2c[N], c2r[N];
    int reps = 200;
    double t0 = now_s();
    for (int r = 0; r < reps; r++)
        tl_assign_sparse(N, N, e, ne, 12.0, r2c, c2r, ws, NULL);
    double dt = (now_s() - t0) / reps;
    emit("assoc.assign_sparse_1000x1000_4_per_row", "ms", dt * 1e3);
    free(ws);
}

int main(int argc, char **argv)
{
    /* profiling aid: "ekf [N]" runs the EKF loop only, N times (callgrind) */
    int n_ekf = argc > 2 ? atoi(argv[2]) : 2000000;
    bench_filter(&tl_ekf_ops, "ekf", n_ekf > 0 ? n_ekf : 2000000);
    if (argc > 1 && !strcmp(argv[1], "ekf"))
        return 0;
    bench_filter(&tl_ukf_ops, "ukf", 100000);
    bench_assign();
    bench_assoc_scan();
    bench_scan();
    emit("track.bytes_per_track", "B", (double)tl_tracker_bytes_per_track());
    return 0;
}
