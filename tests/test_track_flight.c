/* test_track_flight.c — the tracker on a full missile flight from the flight
 * solver (boost with staging and mass flow, midcourse, re-entry with drag): a GEO
 * IR satellite sees the plume, a Korean-coast radar sees the boost and ascent, a
 * Japanese radar the descent; line of sight over the 4/3 Earth (tl_los_visible).
 * The track must be one confirmed track from boost to re-entry, report the three
 * phases, and score within bounds (score.h on the callback's rows). */
#include "tl_test.h"
#include "trilink/flight.h"
#include "trilink/geo.h"
#include "trilink/score.h"
#include "trilink/tracker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1790000000000000000LL
#define NS 1000000000LL

typedef struct rows {
    tl_score_track r[8192];
    size_t n;
    int phases[3];
    double burnout_s;
    int pre_burnout, boost_ok;
    uint32_t ids[16];
    int n_ids;
} rows;

static void on_track(void *ctx, const tl_track_report *r)
{
    rows *w = ctx;
    if (r->status == TL_TRACK_TENTATIVE || w->n >= 8192)
        return;
    tl_score_track *o = &w->r[w->n++];
    memset(o, 0, sizeof *o);
    o->t_ns = r->est.t_ns;
    o->id = r->id;
    o->deleted = r->status == TL_TRACK_DELETED;
    memcpy(o->x_ecef, r->est.x, sizeof o->x_ecef);
    memcpy(o->P, r->est.P, sizeof o->P);
    if (r->status == TL_TRACK_CONFIRMED && r->phase <= TL_PHASE_TERMINAL)
        w->phases[r->phase]++;
    if (r->status == TL_TRACK_CONFIRMED && (double)(r->est.t_ns - T0) / NS < w->burnout_s) {
        w->pre_burnout++;
        w->boost_ok += r->phase == TL_PHASE_BOOST;
    }
    int seen = 0;
    for (int i = 0; i < w->n_ids; i++)
        seen |= w->ids[i] == r->id;
    /* ids that reported an estimate (a duplicate removed at confirmation only
     * ever sends its deletion) */
    if (!seen && r->status == TL_TRACK_CONFIRMED && w->n_ids < 16)
        w->ids[w->n_ids++] = r->id;
}

static void radar(const char *sid, const tl_geodetic *site, const double x[6], int64_t t,
                  uint64_t id, tl_test_rng *rng, tl_plot *p)
{
    static const double sig[4] = {50.0, 1e-3, 1e-3, 5.0};
    tl_test_radar_plot(site, sid, x, t, id, sig, rng, p);
}

static void test_mrbm_launch_to_impact(void **state)
{
    (void)state;
    tl_flight_request rq = {.launch = {39.0 * TL_DEG, 125.5 * TL_DEG, 50.0},
                            .azimuth_rad = 95.0 * TL_DEG,
                            .range_m = 1000e3,
                            .apogee_m = 0.0,
                            .loft = TL_LOFT_MIN_ENERGY,
                            .cls = TL_CLASS_MRBM};
    tl_flight f;
    tl_err e;
    int rc = tl_flight_solve(&rq, &f, &e);
    if (rc != TL_OK)
        fail_msg("flight solve: %s", e.msg);
    tl_traj tr;
    assert_int_equal(tl_flight_trajectory(&f, 1.0, 0.0, &tr, &e), TL_OK);
    const tl_geodetic kr = {37.5 * TL_DEG, 126.8 * TL_DEG, 300.0}; /* west coast of Korea */
    const tl_geodetic jp = {37.8 * TL_DEG, 138.9 * TL_DEG, 100.0}; /* Sea of Japan coast */
    const tl_geodetic sat = {0.0, 128.0 * TL_DEG, 35786e3};
    double sat_ecef[3];
    tl_geodetic_to_ecef(&sat, sat_ecef);
    tl_tracker_config c;
    tl_tracker_config_default(&c);
    snprintf(c.nation, sizeof c.nation, "JP");
    tl_tracker *t = NULL;
    assert_int_equal(tl_tracker_create(&c, &t, &e), TL_OK);
    static rows w;
    memset(&w, 0, sizeof w);
    w.burnout_s = f.burnout_t_s;
    tl_tracker_set_callback(t, on_track, &w);
    tl_test_rng rng;
    tl_test_rng_seed(&rng, 4);
    static tl_score_truth truth[4096];
    size_t nt = 0;
    uint64_t id = 1;
    int radar_plots = 0, ir_plots = 0;
    for (size_t k = 0; k < tr.n; k++) {
        const tl_traj_point *pt = &tr.pts[k];
        int64_t tns = T0 + (int64_t)llround(pt->t_s * 1e9);
        if (nt < 4096) {
            truth[nt].t_ns = tns;
            snprintf(truth[nt].object_id, sizeof truth[nt].object_id, "M1");
            memcpy(truth[nt].x_ecef, pt->x_ecef, sizeof truth[nt].x_ecef);
            nt++;
        }
        if (k + 1 == tr.n) /* the impact sample is not seen */
            break;
        tl_plot p;
        if (pt->thrusting) {
            memset(&p, 0, sizeof p);
            p.t_ns = tns;
            p.plot_id = id++;
            snprintf(p.sensor_id, sizeof p.sensor_id, "JP-IR-GEO");
            snprintf(p.nation, sizeof p.nation, "JP");
            p.kind = TL_PLOT_IR;
            p.site = sat;
            memcpy(p.site_ecef, sat_ecef, sizeof sat_ecef);
            p.nz = 2;
            p.sigma[0] = p.sigma[1] = 20e-6;
            double d[3] = {pt->x_ecef[0] - sat_ecef[0], pt->x_ecef[1] - sat_ecef[1],
                           pt->x_ecef[2] - sat_ecef[2]};
            p.z[0] = atan2(d[1], d[0]) + 20e-6 * tl_test_normal(&rng);
            p.z[1] = atan2(d[2], hypot(d[0], d[1])) + 20e-6 * tl_test_normal(&rng);
            assert_int_equal(tl_tracker_add_plot(t, &p, NULL), TL_OK);
            ir_plots++;
        }
        tl_geodetic g;
        tl_ecef_to_geodetic(pt->x_ecef, &g);
        const tl_geodetic *sites[2] = {&kr, &jp};
        const char *names[2] = {"KR-COAST-RADAR", "JP-RADAR-N"};
        for (int s = 0; s < 2; s++) {
            /* the Japanese radar scans half a second after the Korean one */
            double x[6], dt = s ? 0.5 : 0.0;
            if (tl_traj_at(&tr, pt->t_s + dt, x, NULL, NULL) != TL_OK)
                continue;
            tl_ecef_to_geodetic(x, &g);
            if (g.h_m < 1000.0 || !tl_los_visible(sites[s], x, TL_K_REFRACTION))
                continue;
            double se[3], az, el, rg;
            tl_geodetic_to_ecef(sites[s], se);
            tl_ecef_to_aer(sites[s], se, x, &az, &el, &rg);
            if (rg > 2500e3)
                continue;
            radar(names[s], sites[s], x, tns + (s ? NS / 2 : 0), id++, &rng, &p);
            assert_int_equal(tl_tracker_add_plot(t, &p, NULL), TL_OK);
            radar_plots++;
        }
    }
    /* a scan 10 s after impact (one unrelated plot): the track is known to be under
     * the surface by then and is deleted, not left coasting */
    {
        double x[6];
        memcpy(x, tr.pts[0].x_ecef, sizeof x);
        x[2] += 300e3;
        tl_plot p;
        radar("JP-RADAR-N", &jp, x, T0 + (int64_t)((f.flight_time_s + 10.0) * 1e9), id++, &rng, &p);
        assert_int_equal(tl_tracker_add_plot(t, &p, NULL), TL_OK);
    }
    tl_tracker_flush(t);
    tl_tracker_stats st;
    tl_tracker_stats_get(t, &st);
    if (getenv("TL_TEST_DEBUG"))
        for (size_t i = 0; i < w.n; i++) {
            double x[6];
            tl_geodetic g;
            tl_ecef_to_geodetic(w.r[i].x_ecef, &g);
            double ts = (double)(w.r[i].t_ns - T0) / NS;
            tl_traj_at(&tr, ts, x, NULL, NULL);
            double d = sqrt(pow(x[0] - w.r[i].x_ecef[0], 2) + pow(x[1] - w.r[i].x_ecef[1], 2) +
                            pow(x[2] - w.r[i].x_ecef[2], 2));
            printf("row t %.1f id %u del %d h %.0f err %.0f sd %.0f\n", ts, w.r[i].id,
                   w.r[i].deleted, g.h_m, d, sqrt(w.r[i].P[0][0]));
        }
    tl_score_result res;
    tl_score_object ob[1];
    assert_int_equal(tl_score_run(truth, nt, w.r, w.n, NULL, &res, ob, 1, NULL, NULL), TL_OK);
    double t_conf = (double)(ob[0].t_first_confirmed_ns - ob[0].t_first_ns) / NS;
    printf("# MRBM %.0f km, flight %.0f s, burnout %.0f s: %d IR + %d radar plots; tracks "
           "confirmed %llu (duplicates removed %llu), ids %d; phases boost %d midcourse %d "
           "terminal %d; first confirmed "
           "%.0f s after launch; RMSE pos %.0f m vel %.1f m/s, ANEES %.2f, completeness %.2f, "
           "purity %.2f, false %d\n",
           f.range_m / 1e3, f.flight_time_s, f.burnout_t_s, ir_plots, radar_plots,
           (unsigned long long)st.tracks_confirmed, (unsigned long long)st.duplicates_removed,
           w.n_ids, w.phases[0], w.phases[1], w.phases[2], t_conf, res.rmse_pos_m, res.rmse_vel_mps,
           res.anees, res.completeness, res.purity, res.false_tracks);
    assert_int_equal(st.tracks_confirmed - st.duplicates_removed, 1);
    assert_int_equal(st.tracks_live, 0);
    assert_int_equal(w.n_ids, 1);
    printf("# phase BOOST on %d of %d confirmed rows before burnout\n", w.boost_ok, w.pre_burnout);
    assert_true(w.boost_ok >= 0.7 * w.pre_burnout);
    assert_true(w.phases[TL_PHASE_MIDCOURSE] > 0);
    assert_true(w.phases[TL_PHASE_TERMINAL] > 0);
    assert_true(t_conf < f.burnout_t_s);
    assert_int_equal(res.swaps, 0);
    assert_int_equal(res.false_tracks, 0);
    assert_true(res.rmse_pos_m < 1000.0);
    tl_traj_free(&tr);
    tl_tracker_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mrbm_launch_to_impact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
