/* test_track.c — the national tracker on simulated ballistic truth (propagated
 * here with the flight physics, radar plots with seeded Gaussian noise):
 *  - one target: one confirmed track, confirmed within a few scans, accurate;
 *  - two radars feed the same track (centralised multi-sensor);
 *  - salvo and crossing geometry: one confirmed track per object, no swaps;
 *  - bad plots rejected and counted by reason, tracks unchanged by them;
 *  - out-of-sequence delivery inside the window gives exactly the in-order result;
 *  - IR-cued initiation through a thrusting boost;
 *  - no heap allocation while plots are processed (mallinfo2).
 */
#include "tl_test.h"
#include "trilink/error.h"
#include "trilink/geo.h"
#include "trilink/tracker.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0_NS 1790000000000000000LL
#define NS 1000000000LL
#define MAXOBJ 8
#define TSPAN 200

typedef struct scen {
    int n_obj;
    double x[MAXOBJ][TSPAN + 1][6]; /* truth at whole seconds */
} scen;

static void state_at(double lat_deg, double lon_deg, double h_m, double ve, double vn, double vu,
                     double x[6])
{
    tl_geodetic g = {lat_deg * TL_DEG, lon_deg * TL_DEG, h_m};
    tl_geodetic_to_ecef(&g, x);
    double v[3] = {ve, vn, vu};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, v, x + 3);
}

/* fill truth of object o from its state at second t_ref */
static void fly(scen *s, int o, const double x_ref[6], int t_ref)
{
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.flags &= ~(unsigned)TL_DYN_DRAG;
    memcpy(s->x[o][t_ref], x_ref, 6 * sizeof(double));
    for (int k = t_ref + 1; k <= TSPAN; k++) {
        memcpy(s->x[o][k], s->x[o][k - 1], 6 * sizeof(double));
        tl_dyn_propagate(&m, s->x[o][k], 1.0, 0.5);
    }
    for (int k = t_ref - 1; k >= 0; k--) {
        memcpy(s->x[o][k], s->x[o][k + 1], 6 * sizeof(double));
        tl_dyn_propagate(&m, s->x[o][k], -1.0, 0.5);
    }
}

static const tl_geodetic SITE_A = {38.0 * TL_DEG, 139.8 * TL_DEG, 50.0};
static const tl_geodetic SITE_B = {35.5 * TL_DEG, 133.0 * TL_DEG, 400.0};

static void radar_plot(const tl_geodetic *site, const char *sid, const double x[6], int64_t t_ns,
                       uint64_t id, tl_test_rng *r, tl_plot *p)
{
    static const double sig[4] = {30.0, 0.5e-3, 0.5e-3, 2.0};
    tl_test_radar_plot(site, sid, x, t_ns, id, sig, r, p);
}

/* Build the plot stream: radar A every second, B (if used) at the half seconds.
 * Plots within a scan are shuffled. Returns the count. */
static size_t make_plots(const scen *s, int use_b, uint64_t seed, tl_plot *out, int *truth_obj,
                         size_t cap)
{
    tl_test_rng r;
    tl_test_rng_seed(&r, seed);
    size_t n = 0;
    uint64_t id = 1;
    for (int k = 0; k < TSPAN; k++) {
        for (int sens = 0; sens < 1 + use_b; sens++) {
            size_t first = n;
            for (int o = 0; o < s->n_obj && n < cap; o++) {
                double x[6];
                if (sens == 0) {
                    memcpy(x, s->x[o][k], sizeof x);
                } else { /* half second: propagate */
                    tl_dyn_model m;
                    tl_dyn_model_default(&m);
                    m.flags &= ~(unsigned)TL_DYN_DRAG;
                    memcpy(x, s->x[o][k], sizeof x);
                    tl_dyn_propagate(&m, x, 0.5, 0.5);
                }
                int64_t t = T0_NS + k * NS + (sens ? NS / 2 : 0);
                radar_plot(sens ? &SITE_B : &SITE_A, sens ? "JP-RADAR-B" : "JP-RADAR-A", x, t,
                           id++, &r, &out[n]);
                truth_obj[n] = o;
                n++;
            }
            for (size_t i = n; i > first + 1; i--) { /* shuffle the scan */
                size_t j = first + (size_t)(tl_test_uniform(&r) * (i - first));
                tl_plot tp = out[i - 1];
                out[i - 1] = out[j];
                out[j] = tp;
                int to = truth_obj[i - 1];
                truth_obj[i - 1] = truth_obj[j];
                truth_obj[j] = to;
            }
        }
    }
    return n;
}

/* Callback: map each confirmed update to the nearest truth object. */
typedef struct watch {
    const scen *s;
    int n_updates;
    uint32_t obj_track[MAXOBJ][8]; /* distinct confirmed ids seen per object */
    int n_obj_tracks[MAXOBJ];
    int swaps;
    int track_obj[4096];  /* by id: object first matched, -1 none */
    double worst_err_late;
    int64_t first_confirm[MAXOBJ];
    int boost_seen, midcourse_seen, cued_seen;
} watch;

static void truth_at(const scen *s, int o, int64_t t_ns, double x[6])
{
    double ts = (double)(t_ns - T0_NS) / NS;
    int k = (int)floor(ts);
    if (k < 0)
        k = 0;
    if (k >= TSPAN)
        k = TSPAN - 1;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.flags &= ~(unsigned)TL_DYN_DRAG;
    memcpy(x, s->x[o][k], 6 * sizeof(double));
    tl_dyn_propagate(&m, x, ts - k, 0.5);
}

static void on_track(void *ctx, const tl_track_report *r)
{
    watch *w = ctx;
    if (r->status != TL_TRACK_CONFIRMED)
        return;
    w->n_updates++;
    if (r->ir_cued)
        w->cued_seen = 1;
    if (r->phase == TL_PHASE_BOOST)
        w->boost_seen = 1;
    if (r->phase == TL_PHASE_MIDCOURSE)
        w->midcourse_seen = 1;
    int best = -1;
    double bd = INFINITY;
    for (int o = 0; o < w->s->n_obj; o++) {
        double x[6];
        truth_at(w->s, o, r->est.t_ns, x);
        double d = sqrt(pow(x[0] - r->est.x[0], 2) + pow(x[1] - r->est.x[1], 2) +
                        pow(x[2] - r->est.x[2], 2));
        if (d < bd) {
            bd = d;
            best = o;
        }
    }
    assert_true(r->id < 4096);
    if (w->track_obj[r->id] < 0) {
        w->track_obj[r->id] = best;
        if (w->n_obj_tracks[best] < 8)
            w->obj_track[best][w->n_obj_tracks[best]] = r->id;
        w->n_obj_tracks[best]++;
        if (w->first_confirm[best] == 0)
            w->first_confirm[best] = r->est.t_ns;
    } else if (w->track_obj[r->id] != best) {
        w->swaps++;
    }
    if (r->est.t_ns > T0_NS + 60 * NS && bd > w->worst_err_late)
        w->worst_err_late = bd;
    assert_true(r->quality >= 0 && r->quality <= 15);
}

static void watch_init(watch *w, const scen *s)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    for (int i = 0; i < 4096; i++)
        w->track_obj[i] = -1;
}

static tl_tracker *new_tracker(void)
{
    tl_tracker_config c;
    tl_tracker_config_default(&c);
    snprintf(c.nation, sizeof c.nation, "JP");
    c.max_tracks = 256;
    tl_tracker *t = NULL;
    tl_err e;
    assert_int_equal(tl_tracker_create(&c, &t, &e), TL_OK);
    return t;
}

static tl_plot g_plots[8 * TSPAN * 2];
static int g_obj[8 * TSPAN * 2];

static void run(tl_tracker *t, const tl_plot *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(tl_tracker_add_plot(t, &p[i], NULL), TL_OK);
    tl_tracker_flush(t);
}

static void test_single_target(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 1;
    double x[6];
    state_at(40.0, 131.0, 150e3, 2200.0, 600.0, 1800.0, x);
    fly(&s, 0, x, 0);
    size_t n = make_plots(&s, 0, 1, g_plots, g_obj, sizeof g_plots / sizeof g_plots[0]);
    tl_tracker *t = new_tracker();
    watch w;
    watch_init(&w, &s);
    tl_tracker_set_callback(t, on_track, &w);
    run(t, g_plots, n);
    tl_tracker_stats st;
    tl_tracker_stats_get(t, &st);
    tl_track_report rep[4];
    size_t nt = tl_tracker_tracks(t, rep, 4, 1);
    printf("# single: %zu confirmed, first confirmed %.1f s after first plot, worst late error "
           "%.0f m, quality %d\n",
           nt, (double)(w.first_confirm[0] - T0_NS) / NS, w.worst_err_late, rep[0].quality);
    assert_int_equal(nt, 1);
    assert_int_equal(st.tracks_confirmed, 1);
    assert_int_equal(w.swaps, 0);
    assert_true(w.first_confirm[0] - T0_NS <= 4 * NS);
    assert_true(w.worst_err_late < 300.0);
    assert_int_equal(rep[0].n_sensors, 1);
    assert_string_equal(rep[0].sensors[0], "JP-RADAR-A");
    assert_true(rep[0].quality >= 8);
    assert_true(tl_tracker_bytes_per_track() <= 2048);
    tl_tracker_destroy(t);
}

/* The same tracker with the UKF inside the IMM. */
static void test_single_target_ukf(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 1;
    double x[6];
    state_at(40.0, 131.0, 150e3, 2200.0, 600.0, 1800.0, x);
    fly(&s, 0, x, 0);
    size_t n = make_plots(&s, 0, 1, g_plots, g_obj, sizeof g_plots / sizeof g_plots[0]);
    tl_tracker_config c;
    tl_tracker_config_default(&c);
    c.imm.ops = &tl_ukf_ops;
    c.max_tracks = 64;
    tl_tracker *t = NULL;
    assert_int_equal(tl_tracker_create(&c, &t, NULL), TL_OK);
    watch w;
    watch_init(&w, &s);
    tl_tracker_set_callback(t, on_track, &w);
    run(t, g_plots, n);
    tl_track_report rep[4];
    assert_int_equal(tl_tracker_tracks(t, rep, 4, 1), 1);
    assert_int_equal(w.swaps, 0);
    assert_true(w.worst_err_late < 300.0);
    tl_tracker_destroy(t);
}

static void test_two_radars_one_track(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 1;
    double x[6];
    state_at(39.0, 133.0, 200e3, 1800.0, 1200.0, 1500.0, x);
    fly(&s, 0, x, 0);
    size_t n = make_plots(&s, 1, 2, g_plots, g_obj, sizeof g_plots / sizeof g_plots[0]);
    tl_tracker *t = new_tracker();
    run(t, g_plots, n);
    tl_track_report rep[4];
    size_t nt = tl_tracker_tracks(t, rep, 4, 1);
    assert_int_equal(nt, 1);
    assert_int_equal(rep[0].n_sensors, 2);
    tl_tracker_stats st;
    tl_tracker_stats_get(t, &st);
    /* nearly every plot of both radars went into the one track */
    assert_true(st.plots_assigned >= (uint64_t)(0.97 * (double)n));
    tl_tracker_destroy(t);
}

static void test_salvo_and_crossing(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 6;
    double x[6];
    /* salvo: four missiles, same site, launched together, 1-3 degrees apart */
    for (int o = 0; o < 4; o++) {
        double az = (60.0 + 1.5 * o) * TL_DEG;
        state_at(40.0, 128.0 + 0.02 * o, 120e3, 2200 * sin(az), 2200 * cos(az), 1900.0, x);
        fly(&s, o, x, 0);
    }
    /* crossing pair: pass within 3 km of each other at t = 100 s */
    state_at(39.0, 134.0, 400e3, 2500.0, 300.0, 100.0, x);
    fly(&s, 4, x, 100);
    state_at(39.0, 134.0, 403e3, -300.0, 2500.0, -100.0, x);
    fly(&s, 5, x, 100);
    size_t n = make_plots(&s, 1, 3, g_plots, g_obj, sizeof g_plots / sizeof g_plots[0]);
    tl_tracker *t = new_tracker();
    watch w;
    watch_init(&w, &s);
    tl_tracker_set_callback(t, on_track, &w);
    run(t, g_plots, n);
    tl_track_report rep[16];
    size_t nt = tl_tracker_tracks(t, rep, 16, 1);
    printf("# salvo+crossing: %zu confirmed tracks for %d objects, swaps %d, worst error after "
           "60 s %.0f m\n",
           nt, s.n_obj, w.swaps, w.worst_err_late);
    for (int o = 0; o < s.n_obj; o++) {
        if (w.n_obj_tracks[o] != 1)
            fail_msg("object %d has %d confirmed tracks", o, w.n_obj_tracks[o]);
    }
    assert_int_equal(nt, (size_t)s.n_obj);
    assert_int_equal(w.swaps, 0);
    tl_tracker_destroy(t);
}

static void test_bad_plots_rejected(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 2;
    double x[6];
    state_at(40.0, 131.0, 150e3, 2200.0, 600.0, 1800.0, x);
    fly(&s, 0, x, 0);
    state_at(41.0, 131.5, 150e3, 2000.0, 900.0, 1700.0, x);
    fly(&s, 1, x, 0);
    size_t n = make_plots(&s, 0, 4, g_plots, g_obj, sizeof g_plots / sizeof g_plots[0]);
    tl_tracker *clean = new_tracker(), *dirty = new_tracker();
    run(clean, g_plots, n);
    int expect[TL_REJECT_COUNT] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tl_tracker_add_plot(dirty, &g_plots[i], NULL), TL_OK);
        if (i % 37 != 5)
            continue;
        tl_plot b = g_plots[i];
        tl_err e;
        int kind = (int)(i / 37) % 8;
        tl_reject why = TL_REJECT_NONFINITE;
        switch (kind) {
        case 0: b.z[0] = NAN; why = TL_REJECT_NONFINITE; break;
        case 1: b.z[2] = INFINITY; why = TL_REJECT_NONFINITE; break;
        case 2: b.z[0] = -1000.0; why = TL_REJECT_RANGE; break;
        case 3: b.z[2] = 1.7; why = TL_REJECT_ELEVATION; break;
        case 4: b.t_ns -= 3600 * NS; why = TL_REJECT_LATE; break;
        case 5: b.t_ns += 86400 * NS; why = TL_REJECT_FUTURE; break;
        case 6: b.sigma[1] = 0.0; why = TL_REJECT_SIGMA; break;
        case 7: snprintf(b.nation, sizeof b.nation, "US"); why = TL_REJECT_NATION; break;
        }
        assert_int_equal(tl_tracker_add_plot(dirty, &b, &e), TL_EINVAL);
        assert_non_null(strstr(e.msg, tl_reject_name(why)));
        expect[why]++;
    }
    tl_tracker_flush(dirty);
    tl_tracker_stats sc, sd;
    tl_tracker_stats_get(clean, &sc);
    tl_tracker_stats_get(dirty, &sd);
    int total = 0;
    for (int r = 0; r < TL_REJECT_COUNT; r++) {
        assert_int_equal(sd.rejected[r], expect[r]);
        total += expect[r];
    }
    printf("# bad plots: %d rejected (nonfinite %d, range %d, elevation %d, late %d, future %d, "
           "sigma %d, nation %d)\n",
           total, expect[0], expect[1], expect[2], expect[5], expect[6], expect[3], expect[7]);
    assert_true(total >= 8);
    assert_int_equal(sd.plots_rejected, (uint64_t)total);
    assert_int_equal(sc.plots_rejected, 0);
    /* the tracks are bit-identical to the clean run */
    tl_track_report a[8], b[8];
    size_t na = tl_tracker_tracks(clean, a, 8, 0), nb = tl_tracker_tracks(dirty, b, 8, 0);
    assert_int_equal(na, nb);
    assert_int_equal(na, 2);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].id, b[i].id);
        assert_memory_equal(&a[i].est, &b[i].est, sizeof a[i].est);
    }
    tl_tracker_destroy(clean);
    tl_tracker_destroy(dirty);
}

static void test_out_of_sequence(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 3;
    double x[6];
    for (int o = 0; o < 3; o++) {
        state_at(40.0 + 0.5 * o, 131.0, 150e3, 2200.0, 600.0 - 300 * o, 1800.0, x);
        fly(&s, o, x, 0);
    }
    size_t n = make_plots(&s, 1, 5, g_plots, g_obj, sizeof g_plots / sizeof g_plots[0]);
    tl_tracker *inorder = new_tracker(), *ooo = new_tracker();
    run(inorder, g_plots, n);
    /* deliver each plot with a random delay of up to 1.5 s (window is 2 s) */
    static tl_plot d[8 * TSPAN * 2];
    static double arrive[8 * TSPAN * 2];
    tl_test_rng r;
    tl_test_rng_seed(&r, 99);
    for (size_t i = 0; i < n; i++) {
        d[i] = g_plots[i];
        arrive[i] = (double)(g_plots[i].t_ns - T0_NS) / NS + 1.5 * tl_test_uniform(&r);
    }
    for (size_t i = 1; i < n; i++) /* insertion sort by arrival */
        for (size_t j = i; j > 0 && arrive[j] < arrive[j - 1]; j--) {
            double ta = arrive[j];
            arrive[j] = arrive[j - 1];
            arrive[j - 1] = ta;
            tl_plot tp = d[j];
            d[j] = d[j - 1];
            d[j - 1] = tp;
        }
    size_t out_of_order = 0;
    for (size_t i = 1; i < n; i++)
        out_of_order += d[i].t_ns < d[i - 1].t_ns;
    assert_true(out_of_order > n / 10);
    run(ooo, d, n);
    tl_track_report a[8], b[8];
    size_t na = tl_tracker_tracks(inorder, a, 8, 0), nb = tl_tracker_tracks(ooo, b, 8, 0);
    assert_int_equal(na, nb);
    assert_int_equal(na, 3);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].id, b[i].id);
        assert_memory_equal(&a[i].est, &b[i].est, sizeof a[i].est);
    }
    /* beyond the window: a plot 10 s old is rejected as late, the tracks survive */
    tl_plot late = g_plots[n / 2];
    late.t_ns = g_plots[n - 1].t_ns - 10 * NS;
    tl_err e;
    assert_int_equal(tl_tracker_add_plot(ooo, &late, &e), TL_EINVAL);
    tl_tracker_stats st;
    tl_tracker_stats_get(ooo, &st);
    assert_int_equal(st.rejected[TL_REJECT_LATE], 1);
    printf("# out of sequence: %zu of %zu plots arrived out of order; result identical\n",
           out_of_order, n);
    tl_tracker_destroy(inorder);
    tl_tracker_destroy(ooo);
}

static void test_no_heap_per_plot(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 4;
    double x[6];
    for (int o = 0; o < 4; o++) {
        state_at(40.0 + 0.3 * o, 131.0, 150e3, 2200.0, 600.0, 1800.0 - 100 * o, x);
        fly(&s, o, x, 0);
    }
    size_t n = make_plots(&s, 1, 6, g_plots, g_obj, sizeof g_plots / sizeof g_plots[0]);
    tl_tracker *t = new_tracker();
    struct mallinfo2 before = mallinfo2();
    run(t, g_plots, n);
    struct mallinfo2 after = mallinfo2();
    assert_int_equal(before.uordblks, after.uordblks);
    tl_tracker_stats st;
    tl_tracker_stats_get(t, &st);
    assert_int_equal(st.tracks_live, 4);
    tl_tracker_destroy(t);
}

/* Boost seen by a GEO IR satellite, then radar: the IR line of sight cues the radar
 * initiator; the track is BOOST while thrusting, MIDCOURSE after. */
static void test_ir_cued_boost(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 1;
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.flags &= ~(unsigned)TL_DYN_DRAG;
    double x[6];
    state_at(39.5, 127.0, 40e3, 300.0, 200.0, 1000.0, x);
    /* truth with 25 m/s^2 thrust along velocity for 70 s, fine RK4 */
    memcpy(s.x[0][0], x, sizeof x);
    for (int k = 1; k <= TSPAN; k++) {
        double y[6];
        memcpy(y, s.x[0][k - 1], sizeof y);
        for (int sub = 0; sub < 20; sub++) {
            double h = 0.05, k1[6], k2[6], k3[6], k4[6], z[6];
            double thr = (k <= 70) ? 25.0 : 0.0;
            double *ks[4] = {k1, k2, k3, k4};
            const double cs[4] = {0, 0.5, 0.5, 1};
            for (int st = 0; st < 4; st++) {
                for (int i = 0; i < 6; i++)
                    z[i] = y[i] + (st ? cs[st] * h * ks[st - 1][i] : 0.0);
                tl_dyn_deriv(&m, z, ks[st]);
                double v = sqrt(z[3] * z[3] + z[4] * z[4] + z[5] * z[5]);
                for (int i = 0; i < 3; i++)
                    ks[st][3 + i] += thr * z[3 + i] / v;
            }
            for (int i = 0; i < 6; i++)
                y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
        memcpy(s.x[0][k], y, sizeof y);
    }
    tl_test_rng r;
    tl_test_rng_seed(&r, 8);
    tl_tracker *t = new_tracker();
    watch w;
    watch_init(&w, &s);
    tl_tracker_set_callback(t, on_track, &w);
    tl_geodetic sat = {0.0, 128.0 * TL_DEG, 35786e3};
    double sat_ecef[3];
    tl_geodetic_to_ecef(&sat, sat_ecef);
    uint64_t id = 1;
    for (int k = 0; k < TSPAN; k++) {
        tl_plot p;
        if (k < 70) { /* IR while the plume burns, at the half second */
            memset(&p, 0, sizeof p);
            p.t_ns = T0_NS + k * NS - NS / 2;
            p.plot_id = id++;
            snprintf(p.sensor_id, sizeof p.sensor_id, "JP-IR-GEO");
            snprintf(p.nation, sizeof p.nation, "JP");
            p.kind = TL_PLOT_IR;
            p.site = sat;
            memcpy(p.site_ecef, sat_ecef, sizeof sat_ecef);
            p.nz = 2;
            p.sigma[0] = p.sigma[1] = 20e-6;
            double xx[6];
            truth_at(&s, 0, p.t_ns < T0_NS ? T0_NS : p.t_ns, xx);
            double d[3] = {xx[0] - sat_ecef[0], xx[1] - sat_ecef[1], xx[2] - sat_ecef[2]};
            p.z[0] = atan2(d[1], d[0]) + 20e-6 * tl_test_normal(&r);
            p.z[1] = atan2(d[2], hypot(d[0], d[1])) + 20e-6 * tl_test_normal(&r);
            assert_int_equal(tl_tracker_add_plot(t, &p, NULL), TL_OK);
        }
        if (k >= 10) { /* the radar only sees it from 10 s on */
            radar_plot(&SITE_A, "JP-RADAR-A", s.x[0][k], T0_NS + k * NS, id++, &r, &p);
            assert_int_equal(tl_tracker_add_plot(t, &p, NULL), TL_OK);
        }
    }
    tl_tracker_flush(t);
    tl_tracker_stats st;
    tl_tracker_stats_get(t, &st);
    printf("# IR-cued boost: confirmed %.0f s after first radar plot; cued %d, boost seen %d, "
           "midcourse seen %d, swaps %d, confirmed tracks %llu\n",
           (double)(w.first_confirm[0] - T0_NS - 10 * NS) / NS, w.cued_seen, w.boost_seen,
           w.midcourse_seen, w.swaps, (unsigned long long)st.tracks_confirmed);
    assert_true(w.cued_seen);
    assert_true(w.boost_seen);
    assert_true(w.midcourse_seen);
    assert_int_equal(w.n_obj_tracks[0], 1);
    assert_int_equal(st.tracks_confirmed, 1);
    assert_true(w.first_confirm[0] <= T0_NS + 14 * NS);
    tl_tracker_destroy(t);
}

/* Clutter: 40 false plots per scan in a 300 km box around three targets (radar A,
 * 1 Hz). Runs to completion; each object one confirmed track, no swaps; false
 * confirmed tracks bounded (and reported). */
static void test_clutter(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 3;
    double x[6];
    for (int o = 0; o < 3; o++) {
        state_at(40.0 + 0.2 * o, 131.0 + 0.1 * o, 150e3, 2200.0, 600.0 - 200 * o, 1800.0, x);
        fly(&s, o, x, 0);
    }
    static tl_plot p[TSPAN * 48];
    tl_test_rng r;
    tl_test_rng_seed(&r, 31);
    size_t n = 0;
    uint64_t id = 1;
    double se[3];
    tl_geodetic_to_ecef(&SITE_A, se);
    for (int k = 0; k < TSPAN; k++) {
        int64_t t = T0_NS + k * NS;
        for (int o = 0; o < 3; o++) {
            radar_plot(&SITE_A, "JP-RADAR-A", s.x[o][k], t, id++, &r, &p[n]);
            n++;
        }
        /* clutter: uniform in a box centred on the targets' mean position */
        double c[6] = {0};
        for (int o = 0; o < 3; o++)
            for (int i = 0; i < 3; i++)
                c[i] += s.x[o][k][i] / 3;
        for (int q = 0; q < 40; q++) {
            double y[6] = {0};
            for (int i = 0; i < 3; i++)
                y[i] = c[i] + 300e3 * (tl_test_uniform(&r) - 0.5);
            radar_plot(&SITE_A, "JP-RADAR-A", y, t, id++, &r, &p[n]);
            p[n].nz = 3;
            n++;
        }
    }
    tl_tracker *t = new_tracker();
    watch w;
    watch_init(&w, &s);
    tl_tracker_set_callback(t, on_track, &w);
    run(t, p, n);
    tl_tracker_stats st;
    tl_tracker_stats_get(t, &st);
    /* confirmed tracks that never came within 5 km of an object are false */
    int false_tracks = (int)st.tracks_confirmed;
    for (int o = 0; o < 3; o++)
        false_tracks -= w.n_obj_tracks[o];
    printf("# clutter (40 false plots/scan): %llu tracks initiated, %llu confirmed, "
           "%d false confirmed; swaps %d\n",
           (unsigned long long)st.tracks_initiated, (unsigned long long)st.tracks_confirmed,
           false_tracks, w.swaps);
    for (int o = 0; o < 3; o++)
        assert_int_equal(w.n_obj_tracks[o], 1);
    assert_int_equal(w.swaps, 0);
    assert_true(false_tracks <= 5);
    tl_tracker_destroy(t);
}

/* Property: a stream of real plots mixed with random garbage (extreme but finite
 * values, random kinds and sizes, random sites and times) never crashes the tracker
 * and never leaves a track with a non-finite or non-PD covariance. */
static void test_garbage_property(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 2;
    double x[6];
    state_at(40.0, 131.0, 150e3, 2200.0, 600.0, 1800.0, x);
    fly(&s, 0, x, 0);
    state_at(41.0, 131.5, 150e3, 2000.0, 900.0, 1700.0, x);
    fly(&s, 1, x, 0);
    size_t n = make_plots(&s, 1, 17, g_plots, g_obj, sizeof g_plots / sizeof g_plots[0]);
    tl_tracker *t = new_tracker();
    tl_test_rng r;
    tl_test_rng_seed(&r, 1234);
    static const double extreme[] = {0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, 1e-12, 1e9,
                                     TL_PI / 2, -TL_PI / 2, 2 * TL_PI, 7.0, -7.0, 1.0, 5e5};
    const int ne = (int)(sizeof extreme / sizeof extreme[0]);
    int accepted = 0;
    for (size_t i = 0; i < n; i++) {
        tl_tracker_add_plot(t, &g_plots[i], NULL);
        for (int q = 0; q < 2; q++) {
            tl_plot b = g_plots[(size_t)(tl_test_uniform(&r) * n)];
            b.t_ns = g_plots[i].t_ns;
            b.kind = tl_test_uniform(&r) < 0.8 ? TL_PLOT_RADAR : TL_PLOT_IR;
            b.nz = 1 + (int)(tl_test_uniform(&r) * 5);
            for (int k = 0; k < 4; k++) {
                if (tl_test_uniform(&r) < 0.5)
                    b.z[k] = extreme[(int)(tl_test_uniform(&r) * ne)];
                if (tl_test_uniform(&r) < 0.3)
                    b.sigma[k] = extreme[(int)(tl_test_uniform(&r) * ne)];
            }
            if (tl_test_uniform(&r) < 0.2) {
                b.site.lat_rad = extreme[(int)(tl_test_uniform(&r) * ne)];
                b.site.h_m = extreme[(int)(tl_test_uniform(&r) * ne)];
                tl_geodetic_to_ecef(&b.site, b.site_ecef);
            }
            accepted += tl_tracker_add_plot(t, &b, NULL) == TL_OK;
        }
    }
    tl_tracker_flush(t);
    tl_track_report rep[256];
    size_t nt = tl_tracker_tracks(t, rep, 256, 0);
    for (size_t i = 0; i < nt && i < 256; i++) {
        assert_true(tl_cov_check(rep[i].est.P));
        for (int k = 0; k < 6; k++)
            assert_true(isfinite(rep[i].est.x[k]));
    }
    tl_tracker_stats st;
    tl_tracker_stats_get(t, &st);
    printf("# garbage: %d of %zu garbage plots passed the checks; %llu rejected; %zu tracks, "
           "%llu update failures\n",
           accepted, 2 * n, (unsigned long long)st.plots_rejected, nt,
           (unsigned long long)st.update_failures);
    tl_tracker_destroy(t);
}

/* tracks.csv: every report of a run survives format -> read bit-identically; bad
 * lines are refused with the column named. */
static void test_trackio_round_trip(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 2;
    double x[6];
    state_at(40.0, 131.0, 150e3, 2200.0, 600.0, 1800.0, x);
    fly(&s, 0, x, 0);
    state_at(41.0, 131.5, 150e3, 2000.0, 900.0, 1700.0, x);
    fly(&s, 1, x, 0);
    size_t n = make_plots(&s, 1, 12, g_plots, g_obj, sizeof g_plots / sizeof g_plots[0]);
    tl_tracker *t = new_tracker();
    run(t, g_plots, n);
    tl_track_report rep[4];
    size_t nt = tl_tracker_tracks(t, rep, 4, 0);
    assert_int_equal(nt, 2);
    assert_int_equal(strncmp(tl_trackio_header(), "t_ns,nation,track_id", 20), 0);
    for (size_t i = 0; i < nt; i++) {
        char line[2048], nation[TL_NATION_LEN];
        int len = tl_trackio_format(&rep[i], "JP", line, sizeof line);
        assert_true(len > 0);
        tl_track_report back;
        tl_err e;
        if (tl_trackio_read_line(line, "x.csv", 2, &back, nation, &e) != TL_OK)
            fail_msg("%s", e.msg);
        assert_string_equal(nation, "JP");
        assert_int_equal(back.id, rep[i].id);
        assert_int_equal(back.status, rep[i].status);
        assert_int_equal(back.phase, rep[i].phase);
        assert_int_equal(back.quality, rep[i].quality);
        assert_memory_equal(&back.est, &rep[i].est, sizeof back.est);
        assert_int_equal(back.n_sensors, rep[i].n_sensors);
        assert_string_equal(back.sensors[1], rep[i].sensors[1]);
        assert_true(back.mu_manoeuvre == rep[i].mu_manoeuvre);
        /* corrupt the x coordinate */
        char *c = line;
        for (int k = 0; k < 6; k++)
            c = strchr(c, ',') + 1;
        c[0] = 'Q';
        assert_int_equal(tl_trackio_read_line(line, "x.csv", 7, &back, NULL, &e), TL_EPARSE);
        assert_non_null(strstr(e.msg, "x.csv:7: column x_m"));
    }
    tl_err e;
    tl_track_report back;
    assert_int_equal(tl_trackio_read_line("1,JP,3", "y.csv", 9, &back, NULL, &e), TL_EPARSE);
    assert_non_null(strstr(e.msg, "y.csv:9"));
    tl_tracker_destroy(t);
}

/* A second return inside a confirmed track's gate (a spent stage separating from
 * its missile at 0.3 m/s, 20 m away: far below the radar's cross-range error of a
 * few hundred metres) must not start a second track: each scan the track takes one
 * of the two plots and the other would otherwise pair with the next scan's
 * leftover into a copy of the track. A second object 30 km away (outside the gate)
 * still gets its own track. */
static void test_second_return_in_gate(void **state)
{
    (void)state;
    static scen s;
    s.n_obj = 3;
    double x[6];
    state_at(40.0, 131.0, 150e3, 2200.0, 600.0, 1800.0, x);
    fly(&s, 0, x, 0);
    double u[3] = {x[3], x[4], x[5]}, vn = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
    for (int a = 0; a < 3; a++) {
        x[a] += 20.0 * u[a] / vn;
        x[3 + a] += 0.3 * u[a] / vn;
    }
    fly(&s, 1, x, 0);
    state_at(40.2, 131.2, 150e3, 2200.0, 600.0, 1800.0, x);
    fly(&s, 2, x, 0);
    size_t n = make_plots(&s, 0, 5, g_plots, g_obj, sizeof g_plots / sizeof g_plots[0]);
    /* the stage separates at 40 s: its returns from then on */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (g_obj[i] != 1 || g_plots[i].t_ns >= T0_NS + 40 * NS) {
            g_plots[m] = g_plots[i];
            g_obj[m++] = g_obj[i];
        }
    tl_tracker *t = new_tracker();
    watch w;
    watch_init(&w, &s);
    tl_tracker_set_callback(t, on_track, &w);
    run(t, g_plots, m);
    tl_tracker_stats st;
    tl_tracker_stats_get(t, &st);
    tl_track_report rep[8];
    size_t nt = tl_tracker_tracks(t, rep, 8, 1);
    printf("# second return in the gate: %zu confirmed tracks, %llu initiated, %llu plots kept "
           "from initiation, %llu duplicates removed, worst error after 60 s %.0f m\n",
           nt, (unsigned long long)st.tracks_initiated, (unsigned long long)st.init_suppressed,
           (unsigned long long)st.duplicates_removed, w.worst_err_late);
    assert_int_equal(nt, 2);                  /* the pair's one track and the far object's */
    assert_int_equal(st.tracks_confirmed, 2); /* no copy ever confirmed */
    assert_true(st.init_suppressed >= 100);   /* ~one leftover return per scan from 40 s */
    assert_int_equal(w.n_obj_tracks[2], 1);
    assert_true(w.worst_err_late < 300.0);
    tl_tracker_destroy(t);
}

/* The ballistic-coefficient prior is configuration: out-of-range values are refused
 * with a message naming the field and the value; the default is accepted. */
static void test_beta_prior_config(void **state)
{
    (void)state;
    static const struct { double beta, sig; const char *field; } bad[] = {
        {0.0, 0.5, "beta_prior_kg_m2"},   {1e6, 0.5, "beta_prior_kg_m2"},
        {NAN, 0.5, "beta_prior_kg_m2"},   {8500.0, -1.0, "beta_prior_sigma_ln"},
        {8500.0, NAN, "beta_prior_sigma_ln"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tl_tracker_config c;
        tl_tracker_config_default(&c);
        c.beta_prior_kg_m2 = bad[i].beta;
        c.beta_prior_sigma_ln = bad[i].sig;
        tl_tracker *t = NULL;
        tl_err e;
        assert_int_equal(tl_tracker_create(&c, &t, &e), TL_EINVAL);
        assert_null(t);
        assert_non_null(strstr(e.msg, bad[i].field));
    }
    tl_tracker_config c;
    tl_tracker_config_default(&c);
    tl_tracker *t = NULL;
    assert_int_equal(tl_tracker_create(&c, &t, NULL), TL_OK);
    tl_tracker_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beta_prior_config),
        cmocka_unit_test(test_second_return_in_gate),
        cmocka_unit_test(test_single_target),
        cmocka_unit_test(test_single_target_ukf),
        cmocka_unit_test(test_two_radars_one_track),
        cmocka_unit_test(test_salvo_and_crossing),
        cmocka_unit_test(test_bad_plots_rejected),
        cmocka_unit_test(test_out_of_sequence),
        cmocka_unit_test(test_no_heap_per_plot),
        cmocka_unit_test(test_ir_cued_boost),
        cmocka_unit_test(test_trackio_round_trip),
        cmocka_unit_test(test_clutter),
        cmocka_unit_test(test_garbage_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
