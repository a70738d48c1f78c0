/* eval.c — the Monte Carlo runner of `trilink eval` (eval.h): per run, one
 * simulation feeds six national pipelines (JP, US, KR alone; JP, US, KR sharing over
 * an in-memory copy of the link's hub-and-spoke topology), and every step the
 * nations' latest impact predictions are compared with the truth. The in-process
 * exchange follows tests/test_pipeline.c; the figures use `trilink demo`'s
 * definitions (first system track after launch; latest prediction vs the true
 * impact point by the WGS-84 geodesic of PROJ, Karney 2013).
 */
#include "trilink/eval.h"

#include "eval_int.h"
#include "trilink/geo.h"
#include "trilink/link.h"
#include "trilink/pipeline.h"
#include "trilink/scenario.h"
#include "trilink/sim.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000LL
#define N_PL (2 * TL_EVAL_NATIONS) /* pipeline index: 2 * nation + config */
#define MATCH_M 50e3               /* an estimate belongs to the launch within 50 km */
#define RECORDS 512                /* pipeline default max_records */

static const char *const nation_code[TL_EVAL_NATIONS] = {"JP", "US", "KR"};

const char *tl_eval_nation_name(int k)
{
    return k >= 0 && k < TL_EVAL_NATIONS ? nation_code[k] : NULL;
}

void tl_eval_cfg_default(tl_eval_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->runs = 1;
    cfg->nations_mask = 7;
    cfg->bin_s = 10;
}

/* The nation's latest impact prediction on one launch. */
typedef struct cur_pred {
    int64_t pred_t_ns; /* 0: none yet */
    double err_m, dt_s, sma_m;
    int inside, zone;
} cur_pred;

typedef struct run_state {
    const tl_eval_result *res;
    tl_sim *sim;
    size_t obj[TL_EVAL_MAX_LAUNCHES]; /* sim object index of each launch */
    tl_pipeline *pl[N_PL];
    uint64_t seq[TL_EVAL_NATIONS];
    int64_t rec_pred_t[N_PL][RECORDS]; /* prediction time last looked at, per record */
    cur_pred cur[N_PL][TL_EVAL_MAX_LAUNCHES];
    size_t next_bin[N_PL][TL_EVAL_MAX_LAUNCHES];
    int64_t streak_ns[N_PL][TL_EVAL_MAX_LAUNCHES]; /* right verdict since, 0: not right now */
    int64_t first_alert_ns[N_PL][TL_EVAL_MAX_LAUNCHES];
    double *err; /* this run's series blocks: [N_PL][bins_total] */
    signed char *inside;
} run_state;

static int in_mask(const tl_eval_result *r, int k)
{
    return (r->nations_mask >> k) & 1u;
}

/* Distance from an estimate to launch l's truth at the estimate's time (a track
 * coasting up to 30 s past the impact is compared with the impact point). */
static double dist_to(const run_state *s, size_t l, const tl_state_est *e)
{
    const tl_eval_launch *L = &s->res->launch[l];
    int64_t t = e->t_ns;
    if (t >= L->impact_t_ns && t < L->impact_t_ns + 30 * NS)
        t = L->impact_t_ns - NS / 1000;
    tl_truth_row a;
    if (!tl_sim_truth(s->sim, s->obj[l], t, &a))
        return INFINITY;
    double d2 = 0;
    for (int j = 0; j < 3; j++)
        d2 += (a.x_ecef[j] - e->x[j]) * (a.x_ecef[j] - e->x[j]);
    return sqrt(d2);
}

static int match(const run_state *s, const tl_state_est *e)
{
    int best = -1;
    double best_d = MATCH_M;
    for (size_t l = 0; l < s->res->n_launches; l++) {
        double d = dist_to(s, l, e);
        if (d < best_d) {
            best_d = d;
            best = (int)l;
        }
    }
    return best;
}

/* Truth impact point inside the 95% ellipse (semi-axes a, b; a's azimuth orient). */
static int inside_ellipse(double lat, double lon, double a, double b, double orient, double tlat,
                          double tlon)
{
    if (!(a > 0 && b > 0))
        return 0;
    double s, az;
    tl_geodesic_inverse(lat, lon, tlat, tlon, &s, &az, NULL);
    double e = s * sin(az), n = s * cos(az);
    double along = e * sin(orient) + n * cos(orient), across = e * cos(orient) - n * sin(orient);
    return (along / a) * (along / a) + (across / b) * (across / b) <= 1.0;
}

/* In-memory link: a product of nation `from` reaches its neighbours; the US relays
 * between JP and KR (only when it takes part); KR's tracks reach JP without sensors. */
static int deliver(run_state *s, int from, tl_product *prod, tl_err *err)
{
    const tl_eval_result *r = s->res;
    snprintf(prod->hdr.origin, sizeof prod->hdr.origin, "%s", nation_code[from]);
    prod->hdr.seq = ++s->seq[from];
    prod->hdr.path_len = 1;
    snprintf(prod->hdr.path[0], sizeof prod->hdr.path[0], "%s", nation_code[from]);
    for (int k = 0; k < TL_EVAL_NATIONS; k++) {
        if (k == from || !in_mask(r, k))
            continue;
        int via_us = from != 1 && k != 1;
        if (via_us && !in_mask(r, 1))
            continue;
        tl_product p = *prod;
        if (via_us) {
            p.hdr.path_len = 2;
            snprintf(p.hdr.path[1], sizeof p.hdr.path[1], "US");
        }
        if (from == 2 && k == 0 && p.kind == TL_PROD_TRACK) { /* drop: [sensors], drop_for: [JP] */
            p.u.track.n_sensors = 0;
            memset(p.u.track.sensors, 0, sizeof p.u.track.sensors);
        }
        int rc = tl_pipeline_add_product(s->pl[2 * k + TL_EVAL_SHARED], &p, err);
        if (rc != TL_OK)
            return rc;
    }
    return TL_OK;
}

/* The Alert's launch: the record with that STN, by its latest prediction. */
static void note_alert(run_state *s, int pi, const tl_pipeline_cap *cap)
{
    if (cap->msg_type != 1)
        return;
    tl_pipeline *p = s->pl[pi];
    for (size_t i = tl_pipeline_record_count(p); i-- > 0;) {
        const tl_pipeline_record *rec = tl_pipeline_record_get(p, i);
        if (rec->stn != cap->stn)
            continue;
        int l = rec->has_pred ? match(s, &rec->pred_est) : -1;
        if (l >= 0 && (!s->first_alert_ns[pi][l] || cap->sent_ns < s->first_alert_ns[pi][l]))
            s->first_alert_ns[pi][l] = cap->sent_ns;
        return;
    }
}

static int drain(run_state *s, tl_err *err)
{
    static tl_product prod; /* large: kept off the stack */
    static tl_pipeline_cap cap;
    for (int pi = 0; pi < N_PL; pi++) {
        if (!s->pl[pi])
            continue;
        for (int g = 0; g < 100000 && tl_pipeline_next_product(s->pl[pi], &prod); g++)
            if (pi % 2 == TL_EVAL_SHARED) {
                int rc = deliver(s, pi / 2, &prod, err);
                if (rc != TL_OK)
                    return rc;
            }
        for (int g = 0; g < 1000 && tl_pipeline_next_cap(s->pl[pi], &cap); g++)
            note_alert(s, pi, &cap);
    }
    return TL_OK;
}

/* After a step at t: take in new predictions, fill the error bins up to t, follow the
 * zone decision. */
static void observe(run_state *s, int64_t t)
{
    const tl_eval_result *r = s->res;
    for (int pi = 0; pi < N_PL; pi++) {
        tl_pipeline *p = s->pl[pi];
        if (!p)
            continue;
        size_t nr = tl_pipeline_record_count(p);
        for (size_t i = 0; i < nr && i < RECORDS; i++) {
            const tl_pipeline_record *rec = tl_pipeline_record_get(p, i);
            if (!rec->has_pred || !rec->has_impact || rec->pred_t_ns == s->rec_pred_t[pi][i])
                continue;
            s->rec_pred_t[pi][i] = rec->pred_t_ns;
            int l = match(s, &rec->pred_est);
            if (l < 0 || rec->pred_t_ns < s->cur[pi][l].pred_t_ns)
                continue;
            const tl_eval_launch *L = &r->launch[l];
            cur_pred *c = &s->cur[pi][l];
            c->pred_t_ns = rec->pred_t_ns;
            tl_geodesic_inverse(rec->impact_lat_rad, rec->impact_lon_rad, L->impact_lat_rad,
                                L->impact_lon_rad, &c->err_m, NULL, NULL);
            c->dt_s = (double)(rec->impact_t_ns - L->impact_t_ns) / NS;
            c->sma_m = rec->ell_semi_major_m;
            c->inside = inside_ellipse(rec->impact_lat_rad, rec->impact_lon_rad,
                                       rec->ell_semi_major_m, rec->ell_semi_minor_m,
                                       rec->ell_orient_rad, L->impact_lat_rad, L->impact_lon_rad);
            c->zone = rec->zone_likely;
        }
        for (size_t l = 0; l < r->n_launches; l++) {
            const tl_eval_launch *L = &r->launch[l];
            const cur_pred *c = &s->cur[pi][l];
            size_t *b = &s->next_bin[pi][l];
            double *err = s->err + (size_t)pi * r->bins_total + L->bin_off;
            signed char *ins = s->inside + (size_t)pi * r->bins_total + L->bin_off;
            for (; *b < L->n_bins &&
                   L->launch_t_ns + (int64_t)llround((double)*b * r->bin_s * 1e9) <= t;
                 (*b)++) {
                err[*b] = c->pred_t_ns ? c->err_m : NAN;
                ins[*b] = c->pred_t_ns ? (signed char)c->inside : -1;
            }
            int k = pi / 2;
            if (t < L->launch_t_ns || tl__eval_decision(k, 0) < 0)
                continue;
            int ok = c->pred_t_ns &&
                     tl__eval_decision(k, c->zone) == tl__eval_decision(k, L->truth_zone);
            if (!ok)
                s->streak_ns[pi][l] = 0;
            else if (!s->streak_ns[pi][l])
                s->streak_ns[pi][l] = t;
        }
    }
}

/* At the end of a run: one row per launch, nation and configuration. */
static void collect(run_state *s, tl_eval_result *r, int run, uint64_t seed)
{
    for (int pi = 0; pi < N_PL; pi++) {
        int k = pi / 2, cfg = pi % 2;
        int64_t first[TL_EVAL_MAX_LAUNCHES] = {0};
        int alerts[TL_EVAL_MAX_LAUNCHES] = {0};
        tl_pipeline *p = s->pl[pi];
        for (size_t i = 0; p && i < tl_pipeline_record_count(p); i++) {
            const tl_pipeline_record *rec = tl_pipeline_record_get(p, i);
            /* the record's launch by its most settled estimate: a first estimate can be
             * tens of km off (initiated on a few boost plots), or nearer a sister launch */
            int l = rec->has_pred ? match(s, &rec->pred_est) : -1;
            if (l < 0)
                l = match(s, &rec->last_est);
            if (l < 0)
                l = match(s, &rec->first_est);
            if (l >= 0 && (!first[l] || rec->first_system_ns < first[l]))
                first[l] = rec->first_system_ns;
            l = rec->has_pred ? match(s, &rec->pred_est) : -1;
            if (l >= 0)
                alerts[l] += rec->alerts_issued;
        }
        for (size_t l = 0; l < r->n_launches; l++) {
            const tl_eval_launch *L = &r->launch[l];
            const cur_pred *c = &s->cur[pi][l];
            tl_eval_row *w = &r->rows[tl_eval_row_index(r, run, l, k, cfg)];
            memset(w, 0, sizeof *w);
            w->run = run;
            w->seed = seed;
            w->launch = (int)l;
            w->nation = k;
            w->config = cfg;
            w->first_track_s = p && first[l] ? (double)(first[l] - L->launch_t_ns) / NS : NAN;
            w->has_pred = c->pred_t_ns != 0;
            w->final_err_m = w->has_pred ? c->err_m : NAN;
            w->final_dt_s = w->has_pred ? c->dt_s : NAN;
            w->final_sma_m = w->has_pred ? c->sma_m : NAN;
            w->final_inside = w->has_pred ? c->inside : -1;
            w->verdict = w->has_pred ? c->zone : -1;
            w->decides = p && tl__eval_decision(k, 0) >= 0;
            int own = tl__eval_decision(k, L->truth_zone) > 0;
            w->verdict_ok = w->decides && w->has_pred &&
                            tl__eval_decision(k, c->zone) == tl__eval_decision(k, L->truth_zone);
            w->decision_s = w->decision_lead_s = w->first_alert_s = NAN;
            if (w->verdict_ok && s->streak_ns[pi][l]) {
                w->decision_s = (double)(s->streak_ns[pi][l] - L->launch_t_ns) / NS;
                w->decision_lead_s = (double)(L->impact_t_ns - s->streak_ns[pi][l]) / NS;
            }
            w->alerts = alerts[l];
            if (s->first_alert_ns[pi][l])
                w->first_alert_s = (double)(s->first_alert_ns[pi][l] - L->launch_t_ns) / NS;
            if (w->decides) {
                w->false_alert = alerts[l] > 0 && !own && !L->overflies[k];
                w->missed_alert = own && !(s->first_alert_ns[pi][l] &&
                                           s->first_alert_ns[pi][l] <= L->impact_t_ns);
            } else {
                w->false_alert = w->missed_alert = -1;
            }
        }
    }
}

static void run_free(run_state *s)
{
    for (int pi = 0; pi < N_PL; pi++)
        tl_pipeline_destroy(s->pl[pi]);
    tl_sim_destroy(s->sim);
}

static int one_run(const tl_scenario *sc, const struct tl_zones *z, tl_eval_result *r, int run,
                   run_state *s, tl_err *err)
{
    double *err_blk = r->err_m + (size_t)run * N_PL * r->bins_total;
    signed char *ins_blk = r->inside + (size_t)run * N_PL * r->bins_total;
    memset(s, 0, sizeof *s);
    s->res = r;
    s->err = err_blk;
    s->inside = ins_blk;
    for (size_t i = 0; i < (size_t)N_PL * r->bins_total; i++) {
        err_blk[i] = NAN;
        ins_blk[i] = -1;
    }
    tl_scenario rsc = *sc; /* shallow: the sim only reads it */
    rsc.seed = r->seed + (uint64_t)run;
    int64_t last_impact = 0;
    for (size_t l = 0; l < r->n_launches; l++)
        if (r->launch[l].impact_t_ns > last_impact)
            last_impact = r->launch[l].impact_t_ns;
    double end_s = (double)(last_impact - sc->epoch_ns) / NS + 30.0; /* nothing to measure after */
    if (end_s < rsc.duration_s)
        rsc.duration_s = end_s;
    int rc = tl_sim_create(&rsc, &s->sim, err);
    if (rc != TL_OK)
        return rc;
    for (size_t l = 0, o = 0; l < r->n_launches; l++) {
        tl_object_row ob;
        for (; o < tl_sim_object_count(s->sim); o++) {
            tl_sim_object(s->sim, o, &ob);
            if (!strcmp(ob.object_id, r->launch[l].id))
                break;
        }
        assert(o < tl_sim_object_count(s->sim));
        s->obj[l] = o;
    }
    for (int pi = 0; pi < N_PL; pi++) {
        if (!in_mask(r, pi / 2))
            continue;
        tl_pipeline_cfg cfg;
        tl_pipeline_cfg_default(&cfg, nation_code[pi / 2]);
        cfg.zones = z;
        rc = tl_pipeline_create(&cfg, &s->pl[pi], err);
        if (rc != TL_OK)
            goto out;
    }
    int64_t t;
    const tl_plot *plots;
    const tl_plot_truth *truth;
    size_t n;
    for (long scan = 0; scan < 100000000L && tl_sim_next_scan(s->sim, &t, &plots, &truth, &n);
         scan++) {
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < TL_EVAL_NATIONS; k++)
                if (s->pl[2 * k] && !strcmp(plots[i].nation, nation_code[k])) {
                    tl_pipeline_add_plot(s->pl[2 * k], &plots[i],
                                         NULL); /* rejects are counted by it */
                    tl_pipeline_add_plot(s->pl[2 * k + 1], &plots[i], NULL);
                }
        for (int pi = 0; pi < N_PL; pi++)
            if (s->pl[pi] && (rc = tl_pipeline_step(s->pl[pi], t, err)) != TL_OK)
                goto out;
        if ((rc = drain(s, err)) != TL_OK)
            goto out;
        observe(s, t);
    }
    for (int pi = 0; pi < N_PL; pi++)
        if (s->pl[pi] && (rc = tl_pipeline_finish(s->pl[pi], err)) != TL_OK)
            goto out;
    if ((rc = drain(s, err)) != TL_OK)
        goto out;
    observe(s, t);
    collect(s, r, run, rsc.seed);
out:
    run_free(s);
    return rc;
}

/* Truth of the launches from a first simulation (flights do not depend on the seed). */
static int setup_launches(const tl_scenario *sc, const struct tl_zones *z, tl_eval_result *r,
                          tl_err *err)
{
    tl_sim *sim = NULL;
    int rc = tl_sim_create(sc, &sim, err);
    if (rc != TL_OK)
        return rc;
    r->n_launches = 0;
    r->bins_total = 0;
    for (size_t o = 0; o < tl_sim_object_count(sim); o++) {
        tl_object_row ob;
        tl_sim_object(sim, o, &ob);
        if (strcmp(ob.kind, "missile") || ob.orbital)
            continue;
        if (r->n_launches == TL_EVAL_MAX_LAUNCHES) {
            rc = tl_err_set(err, TL_EFULL, "%s: more than %d launches to evaluate", r->scenario,
                            TL_EVAL_MAX_LAUNCHES);
            break;
        }
        tl_eval_launch *L = &r->launch[r->n_launches++];
        memset(L, 0, sizeof *L);
        snprintf(L->id, sizeof L->id, "%s", ob.object_id);
        snprintf(L->cls, sizeof L->cls, "%s", ob.cls);
        L->launch_t_ns = ob.start_t_ns;
        L->impact_t_ns = ob.end_t_ns;
        L->impact_lat_rad = ob.end_lat_deg * TL_DEG;
        L->impact_lon_rad = ob.end_lon_deg * TL_DEG;
        L->truth_zone = tl__eval_zone_of(z, L->impact_lat_rad, L->impact_lon_rad);
        for (int64_t t = ob.start_t_ns; t < ob.end_t_ns;
             t += 2 * NS) { /* ground track over territory */
            tl_truth_row a;
            if (!tl_sim_truth(sim, o, t, &a))
                continue;
            tl_geodetic g;
            tl_ecef_to_geodetic(a.x_ecef, &g);
            int zc = tl__eval_zone_of(z, g.lat_rad, g.lon_rad);
            L->overflies[0] |= zc == TL__EV_JP_TERRITORY && t > ob.start_t_ns + 60 * NS;
            L->overflies[2] |= zc == TL__EV_KR_TERRITORY && t > ob.start_t_ns + 60 * NS;
        }
        L->n_bins = (size_t)floor((double)(ob.end_t_ns - ob.start_t_ns) / 1e9 / r->bin_s) + 1;
        L->bin_off = r->bins_total;
        r->bins_total += L->n_bins;
    }
    tl_sim_destroy(sim);
    if (rc == TL_OK && r->n_launches == 0)
        rc = tl_err_set(err, TL_EINVAL, "%s: no missile that falls back to evaluate", r->scenario);
    return rc;
}

size_t tl_eval_row_index(const tl_eval_result *r, int run, size_t launch, int nation, int config)
{
    return (((size_t)run * r->n_launches + launch) * TL_EVAL_NATIONS + (size_t)nation) * 2 +
           (size_t)config;
}

const double *tl_eval_series(const tl_eval_result *r, int run, size_t launch, int nation,
                             int config)
{
    return r->err_m + ((size_t)run * N_PL + (size_t)(2 * nation + config)) * r->bins_total +
           r->launch[launch].bin_off;
}

int tl_eval_run(const tl_scenario *sc, const char *name, const tl_eval_cfg *cfg,
                tl_eval_result *out, tl_err *err)
{
    if (cfg->runs < 1 || cfg->runs > TL_EVAL_MAX_RUNS)
        return tl_err_set(err, TL_EINVAL, "runs: must be 1..%d (%d)", TL_EVAL_MAX_RUNS, cfg->runs);
    if (!(cfg->bin_s >= 1 && cfg->bin_s <= 600))
        return tl_err_set(err, TL_EINVAL, "bin_s: must be 1..600 s (%g)", cfg->bin_s);
    if (!cfg->nations_mask || cfg->nations_mask > 7)
        return tl_err_set(err, TL_EINVAL, "nations: a non-empty subset of JP, US, KR (mask %u)",
                          cfg->nations_mask);
    tl_eval_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.scenario, sizeof r.scenario, "%s", name ? name : sc->path);
    r.epoch_ns = sc->epoch_ns;
    r.seed = cfg->seed;
    r.runs = cfg->runs;
    r.nations_mask = cfg->nations_mask;
    r.bin_s = cfg->bin_s;
    struct tl_zones *z = NULL;
    int rc = tl__eval_zones_load(&z, err);
    if (rc != TL_OK)
        return rc;
    run_state *s = malloc(sizeof *s); /* per-record caches: off the stack */
    rc = s ? setup_launches(sc, z, &r, err) : tl_err_set(err, TL_ENOMEM, "eval: out of memory");
    if (rc != TL_OK)
        goto fail;
    r.n_rows = (size_t)r.runs * r.n_launches * N_PL;
    r.rows = calloc(r.n_rows, sizeof *r.rows);
    r.err_m = malloc((size_t)r.runs * N_PL * r.bins_total * sizeof *r.err_m);
    r.inside = malloc((size_t)r.runs * N_PL * r.bins_total);
    if (!r.rows || !r.err_m || !r.inside) {
        rc = tl_err_set(err, TL_ENOMEM, "eval: out of memory for %d runs", r.runs);
        goto fail;
    }
    for (int run = 0; run < r.runs; run++) {
        rc = one_run(sc, z, &r, run, s, err);
        if (rc != TL_OK)
            goto fail;
        if (cfg->progress)
            cfg->progress(cfg->ctx, run + 1, r.runs);
    }
    free(s);
    tl__eval_zones_destroy(z);
    *out = r;
    return TL_OK;
fail:
    free(s);
    tl__eval_zones_destroy(z);
    tl_eval_result_free(&r);
    return rc;
}

void tl_eval_result_free(tl_eval_result *r)
{
    if (!r)
        return;
    free(r->rows);
    free(r->err_m);
    free(r->inside);
    r->rows = NULL;
    r->err_m = NULL;
    r->inside = NULL;
    r->n_rows = 0;
}
