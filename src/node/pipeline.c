/* pipeline.c — a nation's estimation pipeline (pipeline.h): tracker -> local track
 * products; local + partner tracks -> fusion -> prediction -> zones -> alerts.
 * Pure: scenario time comes in through the calls; nothing here reads a clock, does
 * I/O or touches DDS. Everything is allocated by tl_pipeline_create.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/pipeline_int.h"
#include "trilink/alert.h"
#include "trilink/cop.h"
#include "trilink/fusion.h"
#include "trilink/geo.h"
#include "trilink/tracker.h"
#include "trilink/zones.h"

#define NS_PER_S 1000000000LL
#define N_CAPS 32       /* CAP documents waiting for the node */
#define N_GT 512        /* predicted ground-track samples */
#define HIST_DT0_NS (5 * NS_PER_S)
#define HOLD_SMA_M 100e3             /* an impact prediction this tight is established */
#define CLOSE_AFTER_NS (10 * NS_PER_S) /* alerts close this long after the impact time */
#define N_ENS 32              /* sampled trajectories for the overflight probability */
#define N_ENS_PTS 256         /* points per sampled trajectory */
#define OVERFLIGHT_MIN_H_M 50e3 /* overflight: over the territory at or above this height */

typedef struct ltrack { /* one local tracker track */
    int used;
    int published;      /* a Track product went out */
    int dirty;          /* updated since the last publication decision */
    int64_t last_pub_ns;
    int last_pub_phase;
    tl_track_report r;
} ltrack;

typedef struct ptrack { /* one partner track, latest product */
    int used;
    char origin[TL_NATION_LEN];
    char track_id[TL_ID_LEN];
    uint32_t num;
    int phase;
    tl_state_est est;
    double beta_kg_m2, beta_ln_sigma; /* the partner's ballistic coefficient, 0: none */
    int64_t seen_ns;    /* pipeline clock when last refreshed */
} ptrack;

typedef struct sysrec {
    tl_pipeline_record pub;
    tl_alert alert;
    int has_alert_sm;
    int64_t last_pred_ns, last_prod_ns;
    tl_cop_point hist[TL_COP_MAX_HISTORY];
    int n_hist;
    int64_t hist_dt_ns, last_hist_ns;
    tl_cop_point pred[TL_COP_MAX_PREDICTED];
    int n_pred;
    int overflies;
    int has_verdict;     /* last verdict fed to the alert machine */
    tl_zone_verdict verdict;
    double p_over;
    int64_t last_alert_in_ns;
    int lost_early;      /* lost long before its fall, unconfirmed: fed as cleared */
    double beta_kg_m2, beta_ln_sigma; /* the system track's ballistic coefficient */
    int64_t info_t_ns; /* newest contributor estimate behind the fused state (alert confirmation) */
} sysrec;

struct tl_pipeline {
    tl_pipeline_cfg cfg;
    tl_zones *own_zones;
    tl_tracker *tracker;
    size_t max_local;
    tl_fusion *fusion;
    tl_predict_cfg pcfg;
    tl_alert_cfg acfg;
    ltrack *lt;
    size_t n_lt;
    ptrack *pt;
    size_t n_pt;
    tl_fusion_input *in;
    size_t max_in;
    sysrec *rec;
    size_t n_rec;
    tl__plq *q;
    tl_pipeline_cap *caps;
    size_t cap_head, cap_n;
    tl_cop_alert alerts[TL_COP_MAX_ALERTS];
    int n_alerts;
    tl_track_sample gt[N_GT];
    tl_geodetic *ens; /* N_ENS sampled trajectories of N_ENS_PTS points (overflight) */
    int64_t clock_ns, last_fusion_ns;
    int fused_once;
    tl_pipeline_stats st;
};

const char *tl__pl_nation(const tl_pipeline *p) { return p->cfg.nation; }

int tl_pipeline_zone_of(const tl_pipeline *p, double lat_rad, double lon_rad)
{
    tl_zone_class c;
    if (tl_zones_classify(p->cfg.zones, lat_rad, lon_rad, &c, NULL) != TL_OK)
        return -1;
    return (int)c;
}

const char *tl_pipeline_zone_name(int zone_class)
{
    return tl_zone_class_name((tl_zone_class)zone_class);
}

void tl_pipeline_cfg_default(tl_pipeline_cfg *c, const char *nation)
{
    memset(c, 0, sizeof *c);
    snprintf(c->nation, sizeof c->nation, "%s", nation ? nation : "");
    c->alert_nation = !strcmp(c->nation, "JP")   ? TL_ALERT_NATION_JP
                      : !strcmp(c->nation, "KR") ? TL_ALERT_NATION_KR
                                                 : TL_PIPELINE_NO_ALERTS;
    c->alert_status = TL_ALERT_STATUS_EXERCISE;
    c->track_period_s = 1.0;
    c->fusion_period_s = 1.0;
    c->predict_period_s = 2.0;
    c->product_period_s = 5.0;
    c->partner_stale_s = 75.0;
    c->overflight_dt_s = 20.0;
    c->max_records = 512;
    c->max_out = 4096;
}

void tl_pipeline_destroy(tl_pipeline *p)
{
    if (!p)
        return;
    tl_tracker_destroy(p->tracker);
    tl_zones_destroy(p->own_zones);
    tl_fusion_destroy(p->fusion);
    tl__plq_destroy(p->q);
    free(p->lt);
    free(p->pt);
    free(p->in);
    free(p->rec);
    free(p->caps);
    free(p->ens);
    free(p);
}

static void on_track(void *ctx, const tl_track_report *r);

int tl_pipeline_create(const tl_pipeline_cfg *cfg, tl_pipeline **out, tl_err *err)
{
    if (!cfg || !out)
        return tl_err_set(err, TL_EINVAL, "pipeline: NULL argument");
    if (!cfg->nation[0] || !memchr(cfg->nation, 0, sizeof cfg->nation))
        return tl_err_set(err, TL_EINVAL, "pipeline cfg nation: empty");
    if (cfg->alert_nation != TL_PIPELINE_NO_ALERTS && cfg->alert_nation != TL_ALERT_NATION_JP &&
        cfg->alert_nation != TL_ALERT_NATION_KR)
        return tl_err_set(err, TL_EINVAL, "pipeline cfg alert_nation: %d", cfg->alert_nation);
    const double per[] = {cfg->track_period_s, cfg->fusion_period_s, cfg->predict_period_s,
                          cfg->product_period_s, cfg->partner_stale_s, cfg->overflight_dt_s};
    static const char *const per_name[] = {"track_period_s", "fusion_period_s",
                                           "predict_period_s", "product_period_s",
                                           "partner_stale_s", "overflight_dt_s"};
    for (int i = 0; i < 6; i++)
        if (!(per[i] > 0 && per[i] < 1e6))
            return tl_err_set(err, TL_EINVAL, "pipeline cfg %s: %g (must be in (0, 1e6))",
                              per_name[i], per[i]);
    if (cfg->max_records < 1 || cfg->max_out < 1)
        return tl_err_set(err, TL_EINVAL, "pipeline cfg max_records/max_out: must be >= 1");
    tl_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return tl_err_set(err, TL_ENOMEM, "pipeline: out of memory");
    p->cfg = *cfg;
    int rc;
    if (!p->cfg.zones) {
        rc = tl_zones_load_default(&p->own_zones, err);
        if (rc)
            goto fail;
        p->cfg.zones = p->own_zones;
    }
    tl_tracker_config tc;
    tl_tracker_config_default(&tc);
    snprintf(tc.nation, sizeof tc.nation, "%s", cfg->nation);
    rc = tl_tracker_create(&tc, &p->tracker, err);
    if (rc)
        goto fail;
    tl_tracker_set_callback(p->tracker, on_track, p);
    p->max_local = tc.max_tracks;
    tl_fusion_cfg fc;
    tl_fusion_cfg_default(&fc);
    rc = tl_fusion_create(&fc, &p->fusion, err);
    if (rc)
        goto fail;
    p->max_in = fc.max_inputs;
    tl_predict_cfg_default(&p->pcfg);
    if (cfg->alert_nation != TL_PIPELINE_NO_ALERTS) {
        tl_alert_cfg_default(&p->acfg, (tl_alert_nation)cfg->alert_nation);
        p->acfg.status = (tl_alert_status)cfg->alert_status;
    }
    p->lt = calloc(p->max_local, sizeof *p->lt);
    p->pt = calloc(p->max_in, sizeof *p->pt);
    p->in = calloc(p->max_in, sizeof *p->in);
    p->rec = calloc(cfg->max_records, sizeof *p->rec);
    p->caps = calloc(N_CAPS, sizeof *p->caps);
    p->q = tl__plq_create(cfg->max_out);
    p->ens = calloc((size_t)N_ENS * N_ENS_PTS, sizeof *p->ens);
    if (!p->lt || !p->pt || !p->in || !p->rec || !p->caps || !p->q || !p->ens) {
        rc = tl_err_set(err, TL_ENOMEM, "pipeline: out of memory");
        goto fail;
    }
    *out = p;
    return TL_OK;
fail:
    tl_pipeline_destroy(p);
    return rc;
}

/* ---- local tracks ---------------------------------------------------------- */

static ltrack *ltrack_find(tl_pipeline *p, uint32_t id, int create)
{
    size_t h = id % p->max_local;
    for (size_t k = 0; k < p->max_local; k++) {
        ltrack *l = &p->lt[(h + k) % p->max_local];
        if (l->used && l->r.id == id)
            return l;
        if (!l->used) {
            if (!create)
                return NULL;
            memset(l, 0, sizeof *l);
            l->used = 1;
            l->r.id = id;
            p->n_lt++;
            return l;
        }
    }
    return NULL;
}

static void ltrack_free(tl_pipeline *p, ltrack *l)
{
    /* Open addressing: re-insert the cluster after the freed slot. */
    size_t i = (size_t)(l - p->lt);
    l->used = 0;
    p->n_lt--;
    for (size_t k = 1; k < p->max_local; k++) {
        ltrack *m = &p->lt[(i + k) % p->max_local];
        if (!m->used)
            break;
        ltrack tmp = *m;
        m->used = 0;
        p->n_lt--;
        ltrack *dst = ltrack_find(p, tmp.r.id, 1);
        *dst = tmp;
    }
}

static void on_track(void *ctx, const tl_track_report *r)
{
    tl_pipeline *p = ctx;
    ltrack *l = ltrack_find(p, r->id, r->status != TL_TRACK_DELETED);
    if (!l)
        return;
    l->r = *r;
    l->dirty = 1;
}

int tl_pipeline_add_plot(tl_pipeline *p, const tl_plot *plot, tl_err *err)
{
    p->st.plots_in++;
    int rc = tl_tracker_add_plot(p->tracker, plot, err);
    if (rc) {
        p->st.plots_rejected++;
        return rc;
    }
    if (plot->t_ns > p->clock_ns)
        p->clock_ns = plot->t_ns;
    return TL_OK;
}

/* ---- partner tracks -------------------------------------------------------- */

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h ? h : 1;
}

int tl__pl_partner_track(tl_pipeline *p, const tl__pl_ptrack *t, tl_err *err)
{
    p->st.partner_in[1]++;
    ptrack *free_slot = NULL, *hit = NULL;
    for (size_t i = 0; i < p->max_in && !hit; i++) {
        ptrack *x = &p->pt[i];
        if (x->used && !strcmp(x->origin, t->origin) && !strcmp(x->track_id, t->track_id))
            hit = x;
        else if (!x->used && !free_slot)
            free_slot = x;
    }
    if (t->dropped) {
        if (hit) {
            hit->used = 0;
            p->n_pt--;
        }
        return TL_OK;
    }
    if (!hit) {
        if (!free_slot) {
            p->st.partner_rejected++;
            return tl_err_set(err, TL_EFULL, "pipeline: partner track table full (%zu)", p->max_in);
        }
        hit = free_slot;
        memset(hit, 0, sizeof *hit);
        hit->used = 1;
        snprintf(hit->origin, sizeof hit->origin, "%s", t->origin);
        snprintf(hit->track_id, sizeof hit->track_id, "%s", t->track_id);
        hit->num = fnv1a(t->track_id);
        p->n_pt++;
    } else if (t->est.t_ns < hit->est.t_ns) {
        return TL_OK; /* older than what we hold */
    }
    hit->est = t->est;
    hit->phase = t->phase;
    hit->beta_kg_m2 = t->beta_kg_m2;
    hit->beta_ln_sigma = t->beta_ln_sigma;
    hit->seen_ns = p->clock_ns;
    return TL_OK;
}

void tl__pl_partner_other(tl_pipeline *p, int kind)
{
    if (kind >= 0 && kind < 5)
        p->st.partner_in[kind]++;
}

/* ---- system track records -------------------------------------------------- */

static sysrec *rec_find(tl_pipeline *p, uint32_t stn)
{
    for (size_t i = p->n_rec; i-- > 0;)
        if (p->rec[i].pub.stn == stn)
            return &p->rec[i];
    return NULL;
}

/* The table is full: the oldest record whose system track has retired and whose
 * alert is not out gives its slot to a new one. Without this a node that had held
 * max_records system tracks since it started made no record (so no prediction,
 * product or alert) for any new one (`make soak`). NULL if every record is in use. */
static sysrec *rec_recycle(tl_pipeline *p)
{
    sysrec *old = NULL;
    for (size_t i = 0; i < p->n_rec; i++) {
        sysrec *r = &p->rec[i];
        if (!r->pub.live && !r->pub.alert_active &&
            (!old || r->pub.first_system_ns < old->pub.first_system_ns))
            old = r;
    }
    return old;
}

static sysrec *rec_get(tl_pipeline *p, uint32_t stn, int64_t t_ns)
{
    sysrec *r = rec_find(p, stn);
    if (r)
        return r;
    if (p->n_rec < p->cfg.max_records)
        r = &p->rec[p->n_rec++];
    else if (!(r = rec_recycle(p)))
        return NULL;
    memset(r, 0, sizeof *r);
    r->pub.stn = stn;
    r->pub.live = 1;
    r->pub.first_system_ns = t_ns;
    r->pub.missile_class = -1;
    r->pub.zone_mean = r->pub.zone_likely = -1;
    r->hist_dt_ns = HIST_DT0_NS;
    r->last_pred_ns = r->last_prod_ns = INT64_MIN / 2;
    r->last_hist_ns = INT64_MIN / 2;
    if (p->cfg.alert_nation != TL_PIPELINE_NO_ALERTS &&
        tl_alert_init(&r->alert, &p->acfg, NULL) == TL_OK)
        r->has_alert_sm = 1;
    return r;
}

static void add_nation(char *list, size_t cap, const char *n)
{
    size_t ln = strlen(n);
    for (const char *s = list; *s;) { /* already listed? */
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == ln && !strncmp(s, n, ln))
            return;
        s += l + (e ? 1 : 0);
    }
    size_t l = strlen(list);
    snprintf(list + l, cap - l, "%s%s", l ? "," : "", n);
}

static void rec_merge(sysrec *into, const sysrec *from)
{
    tl_pipeline_record *a = &into->pub;
    const tl_pipeline_record *b = &from->pub;
    if (b->first_system_ns < a->first_system_ns) {
        a->first_system_ns = b->first_system_ns;
        a->first_est = b->first_est;
        snprintf(a->first_nations, sizeof a->first_nations, "%s", b->first_nations);
    }
    if (b->first_local_ns && (!a->first_local_ns || b->first_local_ns < a->first_local_ns)) {
        a->first_local_ns = b->first_local_ns;
        a->local_confirm_ns = b->local_confirm_ns;
    }
    char tmp[sizeof a->nations];
    snprintf(tmp, sizeof tmp, "%s", b->nations);
    for (char *s = strtok(tmp, ","); s; s = strtok(NULL, ","))
        add_nation(a->nations, sizeof a->nations, s);
    a->alerts_issued += b->alerts_issued;
    a->alerts_updated += b->alerts_updated;
    a->alerts_cancelled += b->alerts_cancelled;
}

/* Phase of a contributor: the local tracker's report or the partner's product. */
static int contrib_phase(const tl_pipeline *p, const tl_fusion_contrib *c)
{
    if (!strcmp(c->nation, p->cfg.nation)) {
        for (size_t i = 0; i < p->max_local; i++)
            if (p->lt[i].used && p->lt[i].r.id == c->track_id)
                return (int)p->lt[i].r.phase;
        return -1;
    }
    for (size_t i = 0; i < p->max_in; i++)
        if (p->pt[i].used && p->pt[i].num == c->track_id && !strcmp(p->pt[i].origin, c->nation))
            return p->pt[i].phase;
    return -1;
}

static void hist_add(sysrec *r, int64_t t_ns, const tl_state_est *e, int phase)
{
    if (t_ns - r->last_hist_ns < r->hist_dt_ns)
        return;
    if (r->n_hist == TL_COP_MAX_HISTORY) { /* keep every other point, halve the rate */
        int k = 0;
        for (int i = 0; i < r->n_hist; i += 2)
            r->hist[k++] = r->hist[i];
        r->n_hist = k;
        r->hist_dt_ns *= 2;
    }
    tl_geodetic g;
    tl_ecef_to_geodetic(e->x, &g);
    tl_cop_point *pt = &r->hist[r->n_hist++];
    pt->t_ns = e->t_ns;
    pt->lat_rad = g.lat_rad;
    pt->lon_rad = g.lon_rad;
    pt->h_m = g.h_m;
    pt->phase = phase >= 0 && phase <= TL_PHASE_IMPACTED ? (tl_phase)phase : TL_PHASE_MIDCOURSE;
    r->last_hist_ns = t_ns;
}

/* ---- prediction, zones, alerts --------------------------------------------- */

static void push_cap(tl_pipeline *p, const tl_alert_msg *m)
{
    if (p->cap_n == N_CAPS) {
        p->cap_head = (p->cap_head + 1) % N_CAPS;
        p->cap_n--;
    }
    tl_pipeline_cap *c = &p->caps[(p->cap_head + p->cap_n) % N_CAPS];
    memset(c, 0, offsetof(tl_pipeline_cap, xml));
    c->stn = m->object_id;
    c->msg_type = (int)m->type;
    snprintf(c->identifier, sizeof c->identifier, "%s", m->identifier);
    c->sent_ns = m->sent_ns;
    if (tl_alert_cap_xml(m, &p->acfg, c->xml, sizeof c->xml, &c->len, NULL) != TL_OK)
        return;
    p->cap_n++;
}

static void cop_alert(tl_pipeline *p, const tl_alert_msg *m, const char *sys_id,
                      const char *headline)
{
    if (p->n_alerts == TL_COP_MAX_ALERTS) {
        memmove(&p->alerts[0], &p->alerts[1], sizeof p->alerts[0] * (TL_COP_MAX_ALERTS - 1));
        p->n_alerts--;
    }
    tl_cop_alert *a = &p->alerts[p->n_alerts++];
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%s", m->identifier);
    a->msg_type = m->type == TL_ALERT_ALERT    ? TL_COP_MSG_ALERT
                  : m->type == TL_ALERT_UPDATE ? TL_COP_MSG_UPDATE
                                               : TL_COP_MSG_CANCEL;
    static const char *const st[] = {"Actual", "Exercise", "Test"};
    snprintf(a->status, sizeof a->status, "%s", st[p->acfg.status <= 2 ? p->acfg.status : 1]);
    for (size_t k = 0; k < m->n_refs && k < TL_COP_MAX_REFS; k++)
        snprintf(a->references[a->n_references++], sizeof a->references[0], "%s",
                 tl_alert_msg_ref_id(m, k));
    a->sent_ns = m->sent_ns;
    a->impact_t_ns = m->t_impact_ns;
    (void)sys_id;
    snprintf(a->track_id, sizeof a->track_id, "T%06u", (unsigned)m->object_id);
    snprintf(a->headline, sizeof a->headline, "%s", headline);
    snprintf(a->area_desc, sizeof a->area_desc, "predicted impact area (%s)",
             tl_zone_class_name(m->cls_likely));
    a->has_circle = 1;
    a->area_lat_rad = m->lat_rad;
    a->area_lon_rad = m->lon_rad;
    a->area_radius_m = m->ellipse.semi_major_m > 1000 ? m->ellipse.semi_major_m : 1000;
}

/* The same object now: r's and q's latest estimates, q's carried linearly to r's time
 * (at most DUP_DT_NS apart: gravity moves it < 0.5 km), within DUP_DIST_M. */
#define DUP_DT_NS (10 * NS_PER_S)
#define DUP_DIST_M 30e3
static int same_object_now(const sysrec *r, const sysrec *q)
{
    const tl_state_est *a = &r->pub.last_est, *b = &q->pub.last_est;
    if (!q->pub.live || llabs(a->t_ns - b->t_ns) > DUP_DT_NS)
        return 0;
    double dt = (double)(a->t_ns - b->t_ns) / 1e9, s = 0;
    for (int j = 0; j < 3; j++) {
        double d = a->x[j] - (b->x[j] + b->x[j + 3] * dt);
        s += d * d;
    }
    return s < DUP_DIST_M * DUP_DIST_M;
}

/* Another system track's active alert about the same fall (impact means within
 * 100 km and 60 s), or about the same object (a live duplicate within 30 km of r now:
 * early in flight, or on a young track, the impact predictions of two tracks of one
 * missile differ by hundreds of km, while an overflight warning concerns the object
 * whatever its impact): where a launch's track broke into several system tracks, the
 * warning stays one CAP chain. */
static sysrec *same_fall_alert(tl_pipeline *p, const sysrec *r, const tl_zone_verdict *v)
{
    for (size_t i = 0; i < p->n_rec; i++) {
        sysrec *q = &p->rec[i];
        if (q == r || !q->pub.alert_active || !q->has_verdict)
            continue;
        double d = 0;
        tl_geodesic_inverse(v->lat_rad, v->lon_rad, q->verdict.lat_rad, q->verdict.lon_rad, &d, NULL, NULL);
        if ((d < 100e3 && llabs(v->t_impact_ns - q->verdict.t_impact_ns) < 60LL * NS_PER_S) ||
            same_object_now(r, q))
            return q;
    }
    return NULL;
}

static void emit_alert(tl_pipeline *p, sysrec *r, const tl_alert_msg *mp);

static void run_alert(tl_pipeline *p, sysrec *r, const tl_zone_verdict *v, double p_over,
                      int64_t t_ns)
{
    if (!r->has_alert_sm || t_ns < r->alert.last_t_ns)
        return;
    if (v != &r->verdict && !r->alert.active) {
        sysrec *q = same_fall_alert(p, r, v);
        int64_t fresh = (int64_t)(2 * p->cfg.predict_period_s * 1e9);
        if (q && q->pub.live && t_ns - q->last_alert_in_ns <= fresh)
            return; /* q's warning covers this fall and q is still being predicted */
        if (q && q->alert.last_t_ns <= t_ns) { /* hand q's warning over to r */
            r->alert = q->alert;
            r->pub.alert_active = 1;
            tl_alert_init(&q->alert, &p->acfg, NULL);
            q->pub.alert_active = 0;
        }
    }
    if (v != &r->verdict) {
        r->verdict = *v;
        r->p_over = p_over;
        r->has_verdict = 1;
    }
    r->last_alert_in_ns = t_ns;
    tl_alert_input in = {t_ns, r->pub.stn, *v, p_over, r->info_t_ns};
    tl_alert_msg m;
    if (tl_alert_step(&r->alert, &in, &m, NULL) != TL_OK || m.type == TL_ALERT_NONE)
        return;
    emit_alert(p, r, &m);
}

/* The impact time has passed: close the alert (final Update "fell" or Cancel). */
static void close_alert(tl_pipeline *p, sysrec *r, int64_t t_ns)
{
    if (!r->has_alert_sm || r->alert.closed || !r->has_verdict || t_ns < r->alert.last_t_ns ||
        t_ns < r->verdict.t_impact_ns)
        return;
    tl_alert_input in = {t_ns, r->pub.stn, r->verdict, r->p_over, r->info_t_ns};
    tl_alert_msg m;
    if (tl_alert_close(&r->alert, &in, &m, NULL) != TL_OK)
        return;
    if (m.type != TL_ALERT_NONE) {
        r->pub.alert_closed = 1;
        p->st.closes++;
        emit_alert(p, r, &m);
    }
    r->pub.alert_active = r->alert.active;
}

static void emit_alert(tl_pipeline *p, sysrec *r, const tl_alert_msg *mp)
{
    const tl_alert_msg m = *mp;
    char sys_id[TL_ID_LEN], text[256], headline[TL_COP_TEXT_LEN];
    snprintf(sys_id, sizeof sys_id, "%s-S%u", p->cfg.nation, (unsigned)r->pub.stn);
    const char *who = p->acfg.nation == TL_ALERT_NATION_JP ? "Japan" : "Korea";
    if (m.type == TL_ALERT_CANCEL && m.reason == TL_ALERT_R_FELL_OUTSIDE) {
        r->pub.alerts_cancelled++;
        p->st.cancels++;
        snprintf(headline, sizeof headline,
                 "Closed: impact time passed, fell outside %s's zones by the last prediction (%s)",
                 who, tl_zone_class_name(m.cls_likely));
    } else if (m.type == TL_ALERT_UPDATE && m.reason == TL_ALERT_R_FELL) {
        r->pub.alerts_updated++;
        p->st.updates++;
        snprintf(headline, sizeof headline,
                 "Closed: missile fell in %s's zones by the last prediction (%s, %.2fN %.2fE)", who,
                 tl_zone_class_name(m.cls_likely), m.lat_rad / TL_DEG, m.lon_rad / TL_DEG);
    } else if (m.type == TL_ALERT_CANCEL) {
        r->pub.alerts_cancelled++;
        p->st.cancels++;
        snprintf(headline, sizeof headline, "Cancelled: missile no longer expected to fall in %s's zones",
                 who);
    } else {
        if (m.type == TL_ALERT_ALERT) {
            r->pub.alerts_issued++;
            p->st.alerts++;
        } else {
            r->pub.alerts_updated++;
            p->st.updates++;
        }
        snprintf(headline, sizeof headline, "Missile %s: P(%s zones) %.2f, impact in %.0f s (%s)",
                 m.overflight ? "overflight" : "launch", who, m.p_zone, m.time_to_impact_s,
                 tl_zone_class_name(m.cls_likely));
    }
    r->pub.alert_active = r->alert.active;
    snprintf(text, sizeof text, "%s %s: %s", tl_alert_type_name(m.type), m.identifier, headline);
    int sev = m.type == TL_ALERT_CANCEL ? 0 : m.p_territory >= 0.5 ? 3 : 2;
    tl__plq_alert(p->q, m.identifier, sys_id, sev, (int)tl_zone_level_of(m.cls_likely), m.t_impact_ns, text);
    push_cap(p, &m);
    cop_alert(p, &m, sys_id, headline);
}

static void predict_one(tl_pipeline *p, sysrec *r, int64_t t_ns, int force)
{
    tl_pipeline_record *pub = &r->pub;
    if (!force && t_ns - r->last_pred_ns < (int64_t)(p->cfg.predict_period_s * 1e9))
        return;
    if (pub->phase == TL_PHASE_BOOST || pub->n_contrib == 0)
        return;
    /* Nothing to predict from a track that has come down (trackers coast past the
     * impact): keep the last prediction made in flight. */
    tl_geodetic g;
    tl_ecef_to_geodetic(pub->last_est.x, &g);
    if (g.h_m < 2000.0 || (pub->has_impact && pub->last_est.t_ns >= pub->impact_t_ns))
        return;
    r->last_pred_ns = t_ns;
    tl_threat_pred th;
    p->st.predictions++;
    tl_predict_cfg pc = p->pcfg; /* flown with the system track's ballistic coefficient */
    tl_predict_cfg_set_beta(&pc, r->beta_kg_m2, r->beta_ln_sigma);
    if (tl_predict_threat(&pc, &pub->last_est, &th, NULL) != TL_OK) {
        p->st.prediction_failures++;
        return;
    }
    pub->has_pred = 1;
    pub->pred_t_ns = pub->last_est.t_ns;
    pub->pred_est = pub->last_est;
    pub->pred_status = th.impact.status;
    pub->space_launch = th.space_launch;
    pub->apogee_m = th.apogee_h_m;
    pub->range_m = th.range_m;
    pub->loft = (int)th.loft;
    pub->missile_class = th.space_launch          ? TL_CLASS_SLV
                         : th.loft == TL_LOFT_LOFTED ? (int)th.cls_energy
                         : th.range_m > 0            ? (int)th.cls
                                                     : (int)th.cls_energy;
    int publish = force || t_ns - r->last_prod_ns >= (int64_t)(p->cfg.product_period_s * 1e9);
    char sys_id[TL_ID_LEN];
    snprintf(sys_id, sizeof sys_id, "%s-S%u", p->cfg.nation, (unsigned)pub->stn);
    pub->has_launch = th.launch.status == TL_PRED_IMPACT;
    if (pub->has_launch) {
        pub->launch_lat_rad = th.launch.point.lat_rad;
        pub->launch_lon_rad = th.launch.point.lon_rad;
        pub->launch_t_ns = th.launch.t_ns;
        pub->launch_semi_major_m = th.launch.ell.semi_major_m;
        if (publish)
            tl__plq_launch(p->q, sys_id, &th.launch);
    }
    pub->has_impact = th.impact.status == TL_PRED_IMPACT;
    if (!pub->has_impact || th.space_launch) { /* no fall to hold it for (any more) */
        if (pub->hold_until_ns && tl_fusion_hold(p->fusion, pub->stn, 0) == TL_OK)
            pub->hold_until_ns = 0;
        if (!pub->has_impact)
            return;
    }
    const tl_impact_pred *ip = &th.impact;
    /* Established and ballistic: keep it through coverage gaps until it falls. */
    if (!th.space_launch && ip->ell.semi_major_m <= HOLD_SMA_M &&
        tl_fusion_hold(p->fusion, pub->stn, ip->t_ns) == TL_OK)
        pub->hold_until_ns = ip->t_ns;
    pub->impact_lat_rad = ip->point.lat_rad;
    pub->impact_lon_rad = ip->point.lon_rad;
    pub->impact_t_ns = ip->t_ns;
    pub->impact_t_sigma_s = ip->t_sigma_s;
    pub->ell_semi_major_m = ip->ell.semi_major_m;
    pub->ell_semi_minor_m = ip->ell.semi_minor_m;
    pub->ell_orient_rad = ip->ell.major_az_rad;
    memcpy(pub->impact_cov_en_m2, ip->ell.cov_en_m2, sizeof pub->impact_cov_en_m2);
    tl_zone_impact zi = {ip->point.lat_rad, ip->point.lon_rad, {{0}}, ip->t_ns};
    memcpy(zi.cov_en_m2, ip->ell.cov_en_m2, sizeof zi.cov_en_m2);
    zi.cov_en_m2[0][1] = zi.cov_en_m2[1][0] = 0.5 * (zi.cov_en_m2[0][1] + zi.cov_en_m2[1][0]);
    tl_zone_verdict v;
    if (tl_zones_verdict(p->cfg.zones, &zi, t_ns, &v, NULL) != TL_OK) {
        p->st.prediction_failures++;
        return;
    }
    pub->zone_mean = (int)v.cls_mean;
    pub->zone_likely = (int)v.cls_likely;
    for (int i = 0; i < TL_ZONE_COUNT && i < 8; i++)
        pub->p_zone[i] = v.p[i];
    pub->p_jp = v.p_jp;
    pub->p_kr = v.p_kr;
    /* Ground track of the mean (the picture's predicted path). Overflight probability:
     * the share of N_ENS trajectories sampled from the estimate's distribution (with the
     * ballistic coefficient's spread) that pass over the protected territory at or above
     * OVERFLIGHT_MIN_H_M (below it the object is falling: the zone risk's business). */
    double p_over = 0;
    size_t n = 0, nk[N_ENS];
    unsigned mask = p->cfg.alert_nation == TL_ALERT_NATION_KR ? TL_ZONE_BIT(TL_ZONE_KR_TERRITORY)
                                                              : TL_ZONE_MASK_JP_TERRITORY;
    if (p->cfg.alert_nation != TL_PIPELINE_NO_ALERTS &&
        tl_predict_sampled_tracks(&pc, &pub->last_est, N_ENS, pub->stn, p->cfg.overflight_dt_s,
                                  OVERFLIGHT_MIN_H_M, p->ens, N_ENS_PTS, nk, NULL) == TL_OK) {
        const tl_geodetic *trk[N_ENS];
        for (int k = 0; k < N_ENS; k++)
            trk[k] = p->ens + (size_t)k * N_ENS_PTS;
        if (tl_zones_overflight_probability(p->cfg.zones, trk, nk, NULL, N_ENS, mask, 0, &p_over,
                                            NULL) != TL_OK)
            p_over = 0;
    }
    r->overflies = p_over > 0.5;
    if (tl_predict_ground_track(&pc, &pub->last_est, p->cfg.overflight_dt_s, p->gt, N_GT, &n,
                                NULL) == TL_OK &&
        n > 0) {
        r->n_pred = 0;
        size_t stride = n / TL_COP_MAX_PREDICTED + 1;
        for (size_t i = 0; i < n && r->n_pred < TL_COP_MAX_PREDICTED; i += stride) {
            tl_cop_point *cp = &r->pred[r->n_pred++];
            cp->t_ns = p->gt[i].t_ns;
            cp->lat_rad = p->gt[i].lat_rad;
            cp->lon_rad = p->gt[i].lon_rad;
            cp->h_m = p->gt[i].h_m;
            cp->phase = cp->h_m < 100e3 && i > 0 ? TL_PHASE_TERMINAL : TL_PHASE_MIDCOURSE;
        }
    }
    pub->p_overflight = p_over;
    if (publish) {
        r->last_prod_ns = t_ns;
        tl__plq_impact(p->q, sys_id, ip, (int)tl_zone_level_of(v.cls_likely),
                       tl_zone_class_name(v.cls_likely));
    }
    run_alert(p, r, &v, p_over, t_ns);
}

/* ---- the cycle ------------------------------------------------------------- */

static void publish_local(tl_pipeline *p, int force)
{
    int64_t period = (int64_t)(p->cfg.track_period_s * 1e9);
    for (size_t i = 0; i < p->max_local; i++) {
        ltrack *l = &p->lt[i];
        if (!l->used)
            continue;
        if (l->r.status == TL_TRACK_DELETED) {
            if (l->published)
                tl__plq_track(p->q, p->cfg.nation, &l->r, -1, 1);
            ltrack_free(p, l);
            i--; /* the slot was refilled from its cluster */
            continue;
        }
        if (l->r.status != TL_TRACK_CONFIRMED || !l->dirty)
            continue;
        if (l->published && !force && (int)l->r.phase == l->last_pub_phase &&
            l->r.est.t_ns - l->last_pub_ns < period)
            continue;
        uint32_t stn = tl_fusion_stn_of(p->fusion, p->cfg.nation, l->r.id);
        const sysrec *r = stn ? rec_find(p, stn) : NULL;
        tl__plq_track(p->q, p->cfg.nation, &l->r, r ? r->pub.missile_class : -1, 0);
        l->published = 1;
        l->dirty = 0;
        l->last_pub_ns = l->r.est.t_ns;
        l->last_pub_phase = (int)l->r.phase;
    }
}

static void fusion_cycle(tl_pipeline *p, int64_t t_ns, int force)
{
    size_t n = 0;
    for (size_t i = 0; i < p->max_local && n < p->max_in; i++) {
        const ltrack *l = &p->lt[i];
        if (!l->used || l->r.status != TL_TRACK_CONFIRMED)
            continue;
        tl_fusion_input *in = &p->in[n++];
        snprintf(in->nation, sizeof in->nation, "%s", p->cfg.nation);
        in->track_id = l->r.id;
        in->est = l->r.est;
        in->beta_kg_m2 = l->r.beta_kg_m2;
        in->beta_ln_sigma = l->r.beta_ln_sigma;
        in->free_flight = l->r.phase != TL_PHASE_BOOST;
    }
    int64_t stale = (int64_t)(p->cfg.partner_stale_s * 1e9);
    for (size_t i = 0; i < p->max_in && n < p->max_in; i++) {
        ptrack *x = &p->pt[i];
        if (!x->used)
            continue;
        if (t_ns - x->seen_ns > stale && t_ns - x->est.t_ns > stale) {
            x->used = 0; /* the partner went quiet about it: it leaves the picture */
            p->n_pt--;
            continue;
        }
        tl_fusion_input *in = &p->in[n++];
        snprintf(in->nation, sizeof in->nation, "%s", x->origin);
        in->track_id = x->num;
        in->est = x->est;
        in->beta_kg_m2 = x->beta_kg_m2;
        in->beta_ln_sigma = x->beta_ln_sigma;
        in->free_flight = x->phase != TL_PHASE_BOOST;
    }
    if (tl_fusion_update(p->fusion, t_ns, p->in, n, NULL) != TL_OK && tl_fusion_count(p->fusion) == 0)
        return;
    p->st.fusion_cycles++;
    const tl_fusion_event *ev;
    size_t nev = tl_fusion_events(p->fusion, &ev);
    for (size_t i = 0; i < nev; i++) {
        if (ev[i].kind == TL_FEV_MERGE) {
            sysrec *a = rec_find(p, ev[i].stn), *b = rec_find(p, ev[i].other_stn);
            if (a && b) {
                rec_merge(a, b);
                b->pub.live = 0;
            }
        } else if (ev[i].kind == TL_FEV_DELETE) {
            sysrec *a = rec_find(p, ev[i].stn);
            if (a)
                a->pub.live = 0;
        }
    }
    size_t ns = tl_fusion_count(p->fusion);
    for (size_t i = 0; i < ns; i++) {
        const tl_system_track *s = tl_fusion_get(p->fusion, i);
        int fresh = rec_find(p, s->stn) == NULL;
        sysrec *r = rec_get(p, s->stn, t_ns);
        if (!r)
            continue;
        tl_pipeline_record *pub = &r->pub;
        pub->live = 1;
        pub->last_est = s->est;
        r->beta_kg_m2 = s->beta_kg_m2;
        r->beta_ln_sigma = s->beta_ln_sigma;
        pub->n_contrib = s->n_contrib;
        for (int c = 0; c < s->n_contrib; c++)
            if (s->contrib[c].est_t_ns > r->info_t_ns)
                r->info_t_ns = s->contrib[c].est_t_ns;
        pub->coasting = s->coasting;
        snprintf(pub->best_nation, sizeof pub->best_nation, "%s", s->best_nation);
        if (fresh)
            pub->first_est = s->est;
        int phase = -1;
        for (int c = 0; c < s->n_contrib; c++) {
            const tl_fusion_contrib *fc = &s->contrib[c];
            add_nation(pub->nations, sizeof pub->nations, fc->nation);
            if (fresh)
                add_nation(pub->first_nations, sizeof pub->first_nations, fc->nation);
            int ph = contrib_phase(p, fc);
            if (c == s->best || phase < 0)
                phase = ph >= 0 ? ph : phase;
            if (!strcmp(fc->nation, p->cfg.nation) && !pub->first_local_ns) {
                pub->first_local_ns = t_ns;
                const ltrack *l = ltrack_find(p, fc->track_id, 0);
                pub->local_confirm_ns = l ? l->r.t_confirmed_ns : t_ns;
            }
        }
        if (s->n_contrib > 0 && phase >= 0)
            pub->phase = phase;
        hist_add(r, t_ns, &s->est, pub->phase);
        predict_one(p, r, t_ns, force);
    }
    p->st.system_tracks = ns;
    /* An alert whose track is gone (impacted, lost) or no longer predicted keeps its
     * last verdict: fed on, the hysteresis cancels it once that verdict has been below
     * the clearing threshold long enough. A track lost long before its predicted fall
     * (last prediction more than 120 s ahead of impact; a held track is not lost) whose
     * fall time passes unconfirmed no longer holds: it is fed as cleared, so the warning
     * is withdrawn. Every other alert is closed CLOSE_AFTER_NS after its last predicted
     * impact time: a final Update stating where it fell, or a Cancel if that was
     * outside the zones (tl_alert_close). */
    int64_t quiet = (int64_t)(2 * p->cfg.predict_period_s * 1e9);
    for (size_t i = 0; i < p->n_rec; i++) {
        sysrec *r = &p->rec[i];
        if (!r->has_alert_sm || r->alert.closed || !r->has_verdict)
            continue;
        if (!r->pub.live && !r->lost_early && r->pub.alert_active &&
            r->verdict.time_to_impact_s > 120.0 &&
            t_ns >= r->verdict.t_impact_ns + CLOSE_AFTER_NS &&
            r->verdict.p_jp + r->verdict.p_kr > 0) {
            tl_zone_verdict *v = &r->verdict;
            for (int z = 0; z < TL_ZONE_COUNT; z++)
                v->p[z] = z == TL_ZONE_OPEN_SEA;
            v->p_jp = v->p_kr = 0;
            v->cls_likely = TL_ZONE_OPEN_SEA;
            r->p_over = 0;
            r->lost_early = 1;
        }
        /* only an alert that is out is closed: a machine that never warned stays open,
         * so a later, better prediction of the same track can still warn */
        if (t_ns >= r->verdict.t_impact_ns + CLOSE_AFTER_NS && r->pub.alert_active &&
            !r->lost_early) {
            close_alert(p, r, t_ns);
            continue;
        }
        if (!r->pub.alert_active || t_ns - r->last_alert_in_ns <= quiet)
            continue;
        run_alert(p, r, &r->verdict, r->p_over, t_ns);
    }
}

int tl_pipeline_step(tl_pipeline *p, int64_t t_ns, tl_err *err)
{
    (void)err;
    if (t_ns > p->clock_ns)
        p->clock_ns = t_ns;
    t_ns = p->clock_ns;
    publish_local(p, 0);
    if (!p->fused_once || t_ns - p->last_fusion_ns >= (int64_t)(p->cfg.fusion_period_s * 1e9)) {
        fusion_cycle(p, t_ns, 0);
        p->last_fusion_ns = t_ns;
        p->fused_once = 1;
    }
    return TL_OK;
}

int tl_pipeline_finish(tl_pipeline *p, tl_err *err)
{
    (void)err;
    tl_tracker_flush(p->tracker);
    publish_local(p, 1);
    if (p->clock_ns > p->last_fusion_ns || !p->fused_once) {
        fusion_cycle(p, p->clock_ns, 1);
        p->last_fusion_ns = p->clock_ns;
        p->fused_once = 1;
    }
    return TL_OK;
}

int64_t tl_pipeline_clock(const tl_pipeline *p) { return p->clock_ns; }

int tl_pipeline_next_product(tl_pipeline *p, struct tl_product *out) { return tl__plq_pop(p->q, out); }

int tl_pipeline_next_cap(tl_pipeline *p, tl_pipeline_cap *out)
{
    if (!p->cap_n)
        return 0;
    const tl_pipeline_cap *c = &p->caps[p->cap_head];
    memcpy(out, c, offsetof(tl_pipeline_cap, xml) + c->len + 1);
    p->cap_head = (p->cap_head + 1) % N_CAPS;
    p->cap_n--;
    return 1;
}

size_t tl_pipeline_record_count(const tl_pipeline *p) { return p->n_rec; }

const tl_pipeline_record *tl_pipeline_record_get(const tl_pipeline *p, size_t i)
{
    return i < p->n_rec ? &p->rec[i].pub : NULL;
}

void tl_pipeline_stats_get(const tl_pipeline *p, tl_pipeline_stats *s)
{
    *s = p->st;
    s->products_out = tl__plq_pushed(p->q);
    s->products_lost = tl__plq_lost(p->q);
    s->local_tracks = p->n_lt;
    size_t conf = 0;
    for (size_t i = 0; i < p->max_local; i++)
        conf += p->lt[i].used && p->lt[i].r.status == TL_TRACK_CONFIRMED;
    s->local_confirmed = conf;
    s->partner_tracks = p->n_pt;
    s->system_tracks = tl_fusion_count(p->fusion);
    s->coasting_tracks = 0;
    for (size_t i = 0; i < s->system_tracks; i++)
        s->coasting_tracks += tl_fusion_get(p->fusion, i)->coasting != 0;
}

/* ---- the COP picture ------------------------------------------------------- */

static void cop_ellipse(tl_cop_ellipse *e, double lat, double lon, double a, double b, double az)
{
    e->lat_rad = lat;
    e->lon_rad = lon;
    e->semi_major_m = isfinite(a) && a >= 0 ? a : 0;
    e->semi_minor_m = isfinite(b) && b >= 0 && b <= e->semi_major_m ? b : e->semi_major_m;
    e->orient_rad = isfinite(az) ? az : 0;
}

/* As tl_cop_track_init (cop.h) without linking the COP server into the core. */
static void cop_track_init(tl_cop_track *t)
{
    memset(t, 0, sizeof *t);
    t->cls = -1;
    t->apogee_m = t->range_m = t->pos_sigma_m = NAN;
    for (int i = 0; i < 3; i++)
        t->vel_enu_mps[i] = NAN;
}

void tl_pipeline_picture(const tl_pipeline *p, struct tl_cop_picture *pic)
{
    snprintf(pic->nation, sizeof pic->nation, "%s", p->cfg.nation);
    pic->scenario_t_ns = p->clock_ns;
    pic->n_tracks = 0;
    for (size_t i = 0; i < p->n_rec && pic->n_tracks < TL_COP_MAX_TRACKS; i++) {
        const sysrec *r = &p->rec[i];
        const tl_pipeline_record *pub = &r->pub;
        if (!pub->live)
            continue;
        tl_cop_track *t = &pic->tracks[pic->n_tracks++];
        cop_track_init(t);
        snprintf(t->id, sizeof t->id, "T%06u", (unsigned)pub->stn); /* as tl_cop_track_id */
        t->t_ns = pub->last_est.t_ns;
        tl_geodetic g;
        tl_ecef_to_geodetic(pub->last_est.x, &g);
        t->lat_rad = g.lat_rad;
        t->lon_rad = g.lon_rad;
        t->h_m = g.h_m;
        tl_vec_ecef_to_enu(g.lat_rad, g.lon_rad, &pub->last_est.x[3], t->vel_enu_mps);
        double tr = pub->last_est.P[0][0] + pub->last_est.P[1][1] + pub->last_est.P[2][2];
        t->pos_sigma_m = tr > 0 ? sqrt(tr / 3.0) : NAN;
        t->phase = pub->phase >= 0 && pub->phase <= TL_PHASE_IMPACTED ? (tl_phase)pub->phase
                                                                       : TL_PHASE_MIDCOURSE;
        t->cls = pub->missile_class >= 0 && pub->missile_class < TL_CLASS_COUNT ? pub->missile_class : -1;
        t->loft = pub->loft == TL_LOFT_LOFTED || pub->loft == TL_LOFT_DEPRESSED ? (tl_loft)pub->loft
                                                                               : TL_LOFT_NONE;
        if (pub->has_pred) {
            t->apogee_m = pub->apogee_m;
            t->range_m = pub->range_m > 0 ? pub->range_m : NAN;
        }
        t->overflies_jp = r->overflies && p->cfg.alert_nation == TL_ALERT_NATION_JP;
        t->coasting = pub->coasting;
        char tmp[sizeof pub->nations];
        snprintf(tmp, sizeof tmp, "%s", pub->nations);
        t->n_contributors = 0;
        for (char *s = strtok(tmp, ","); s && t->n_contributors < TL_COP_MAX_NATIONS; s = strtok(NULL, ","))
            snprintf(t->contributors[t->n_contributors++], TL_COP_NATION_LEN, "%s", s);
        snprintf(t->best_nation, sizeof t->best_nation, "%s", pub->best_nation);
        if (pub->has_launch) {
            t->launch.valid = 1;
            t->launch.t_ns = pub->launch_t_ns;
            cop_ellipse(&t->launch.ell, pub->launch_lat_rad, pub->launch_lon_rad,
                        pub->launch_semi_major_m, pub->launch_semi_major_m, 0);
        }
        if (pub->has_impact) {
            t->impact.valid = 1;
            t->impact.t_ns = pub->impact_t_ns;
            cop_ellipse(&t->impact.ell, pub->impact_lat_rad, pub->impact_lon_rad,
                        pub->ell_semi_major_m, pub->ell_semi_minor_m, pub->ell_orient_rad);
            for (int z = 0; z < TL_ZONE_COUNT && z < 8; z++)
                t->impact.p_zone[z] = pub->p_zone[z];
        }
        t->n_history = r->n_hist;
        memcpy(t->history, r->hist, sizeof r->hist[0] * (size_t)r->n_hist);
        t->n_predicted = r->n_pred;
        memcpy(t->predicted, r->pred, sizeof r->pred[0] * (size_t)r->n_pred);
    }
    pic->n_alerts = p->n_alerts;
    memcpy(pic->alerts, p->alerts, sizeof p->alerts[0] * (size_t)p->n_alerts);
}
