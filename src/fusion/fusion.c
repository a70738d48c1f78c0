/* fusion.c — the system-track engine: time alignment, binding persistence, split and
 * merge, nation-by-nation association with optimal assignment, fusion (fuse.c).
 *
 * Design notes (docs/fusion.md has the reasoning):
 * - A contributor track stays bound to its system track from cycle to cycle (track-number
 *   correlation, as in Link 16), so STNs do not flicker; association is solved only for
 *   unbound tracks. One track per nation per system track: a nation's tracker that holds
 *   two tracks asserts two objects.
 * - Candidate pairs are found by a sweep over system tracks sorted by ECEF x with a
 *   window from the covariance traces: |dp|^2 <= gate * tr(P_pos,a + P_pos,b) is
 *   necessary for the 6-D gate (the 6-D distance bounds the 3-D one, which bounds
 *   |dp|^2 / lambda_max), so no gated pair is missed.
 * - Everything is allocated in tl_fusion_create.
 */
#include "trilink/fusion.h"
#include "trilink/assoc.h"
#include "trilink/geo.h"
#include "trilink/predict.h"
#include "fusion/fusion_int.h"
#include "predict/predict_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct sys_int {
    tl_system_track t;
    int live;
    int32_t inp[TL_FUSION_MAX_CONTRIB]; /* input index of each contributor this cycle */
    uint32_t merge_cand;
    int merge_count;
    int dirty;
    double tr_pos; /* trace of the fused position covariance */
    tl_state_est prior; /* a held track's previous fused estimate flown to prior.t_ns */
    int has_prior;
    int keep_prior; /* its best contributor left while others remain: keep what it knew */
} sys_int;

typedef struct hent {
    uint32_t gen;
    uint32_t id;
    char nation[TL_NATION_LEN];
    int32_t k;
} hent;

typedef struct keyidx {
    double key;
    uint32_t idx;
} keyidx;

struct tl_fusion {
    tl_fusion_cfg cfg;
    sys_int *sys;
    size_t cap;
    uint32_t *live;
    size_t n_live;
    uint32_t *freel;
    size_t n_free;
    uint32_t next_stn;
    int64_t last_t_ns;
    int have_t;
    /* per input */
    tl_state_est *al;
    double *in_beta, *in_lns; /* ballistic coefficient of each input (given or prior) */
    tl__info *info;
    double *tr_in;
    int32_t *in_slot, *in_excl;
    uint32_t *in_split_from;
    uint8_t *in_ok, *in_done;
    /* input hash */
    hent *hash;
    size_t hmask;
    uint32_t gen;
    /* association */
    tl_assign_edge *edges;
    size_t max_edges;
    int32_t *r2c, *c2r;
    uint32_t *rows;
    void *ws;
    keyidx *sorted;
    size_t n_sorted;
    /* reporting */
    tl_fusion_event *ev;
    size_t n_ev, cap_ev;
    tl_fusion_stats st;
};

void tl_fusion_cfg_default(tl_fusion_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->max_system_tracks = 4096;
    c->max_inputs = 8192;
    tl_dyn_model_default(&c->model);
    c->model.flags &= ~(unsigned)TL_DYN_DRAG;
    c->q_m2_s3 = 1.0;
    c->q_free_m2_s3 = 0.01;
    c->gate_chi2 = TL_CHI2_6_999;
    c->keep_chi2 = TL_CHI2_6_999;
    c->split_cycles = 3;
    c->merge_chi2 = TL_CHI2_6_99;
    c->merge_cycles = 3;
    c->coast_s = 10.0;
    c->hold_max_s = 7200.0;
    c->max_age_s = 30.0;
    c->method = TL_FUSE_CI;
    c->drag = 1;
}

void tl_fusion_destroy(tl_fusion *f)
{
    if (!f)
        return;
    free(f->sys);
    free(f->live);
    free(f->freel);
    free(f->al);
    free(f->in_beta);
    free(f->in_lns);
    free(f->info);
    free(f->tr_in);
    free(f->in_slot);
    free(f->in_excl);
    free(f->in_split_from);
    free(f->in_ok);
    free(f->in_done);
    free(f->hash);
    free(f->edges);
    free(f->r2c);
    free(f->c2r);
    free(f->rows);
    free(f->ws);
    free(f->sorted);
    free(f->ev);
    free(f);
}

int tl_fusion_create(const tl_fusion_cfg *cfg, tl_fusion **out, tl_err *err)
{
    if (!cfg || !out)
        return tl_err_set(err, TL_EINVAL, "fusion: cfg or out is NULL");
    if (cfg->max_system_tracks == 0 || cfg->max_system_tracks > 1000000)
        return tl_err_set(err, TL_EINVAL, "fusion: max_system_tracks = %zu (1..1000000)",
                          cfg->max_system_tracks);
    if (cfg->max_inputs == 0 || cfg->max_inputs > 1000000)
        return tl_err_set(err, TL_EINVAL, "fusion: max_inputs = %zu (1..1000000)", cfg->max_inputs);
    if (!(cfg->gate_chi2 > 0) || !(cfg->keep_chi2 > 0) || !(cfg->merge_chi2 > 0))
        return tl_err_set(err, TL_EINVAL, "fusion: gate_chi2/keep_chi2/merge_chi2 must be > 0");
    if (cfg->split_cycles < 1 || cfg->merge_cycles < 1)
        return tl_err_set(err, TL_EINVAL, "fusion: split_cycles/merge_cycles must be >= 1");
    if (!(cfg->q_m2_s3 >= 0) || !(cfg->q_free_m2_s3 >= 0) || !(cfg->coast_s >= 0) || !(cfg->max_age_s > 0))
        return tl_err_set(err, TL_EINVAL,
                          "fusion: q_m2_s3, q_free_m2_s3 and coast_s must be >= 0, max_age_s > 0");
    if (!(cfg->hold_max_s >= 0 && cfg->hold_max_s <= 86400))
        return tl_err_set(err, TL_EINVAL, "fusion: hold_max_s = %g (0..86400)", cfg->hold_max_s);
    if (cfg->method != TL_FUSE_CI && cfg->method != TL_FUSE_INDEPENDENT)
        return tl_err_set(err, TL_EINVAL, "fusion: method = %d unknown", cfg->method);
    tl_fusion *f = calloc(1, sizeof *f);
    if (!f)
        return tl_err_set(err, TL_ENOMEM, "fusion: out of memory");
    f->cfg = *cfg;
    size_t S = cfg->max_system_tracks, N = cfg->max_inputs;
    f->cap = S;
    size_t hs = 16;
    while (hs < 2 * N)
        hs <<= 1;
    f->hmask = hs - 1;
    f->max_edges = 16 * N + 64;
    f->cap_ev = 4 * N + 2 * S + 64;
    f->sys = calloc(S, sizeof *f->sys);
    f->live = calloc(S, sizeof *f->live);
    f->freel = calloc(S, sizeof *f->freel);
    f->al = calloc(N, sizeof *f->al);
    f->in_beta = calloc(N, sizeof *f->in_beta);
    f->in_lns = calloc(N, sizeof *f->in_lns);
    f->info = calloc(N, sizeof *f->info);
    f->tr_in = calloc(N, sizeof *f->tr_in);
    f->in_slot = calloc(N, sizeof *f->in_slot);
    f->in_excl = calloc(N, sizeof *f->in_excl);
    f->in_split_from = calloc(N, sizeof *f->in_split_from);
    f->in_ok = calloc(N, 1);
    f->in_done = calloc(N, 1);
    f->hash = calloc(hs, sizeof *f->hash);
    f->edges = calloc(f->max_edges, sizeof *f->edges);
    f->r2c = calloc(N, sizeof *f->r2c);
    f->c2r = calloc(S, sizeof *f->c2r);
    f->rows = calloc(N, sizeof *f->rows);
    f->ws = calloc(1, tl_assign_workspace_size(N, S, f->max_edges) + 16);
    f->sorted = calloc(S, sizeof *f->sorted);
    f->ev = calloc(f->cap_ev, sizeof *f->ev);
    if (!f->sys || !f->live || !f->freel || !f->al || !f->in_beta || !f->in_lns || !f->info ||
        !f->tr_in || !f->in_slot || !f->in_excl || !f->in_split_from || !f->in_ok || !f->in_done ||
        !f->hash || !f->edges || !f->r2c || !f->c2r || !f->rows || !f->ws || !f->sorted || !f->ev) {
        tl_fusion_destroy(f);
        return tl_err_set(err, TL_ENOMEM, "fusion: out of memory for %zu tracks", S);
    }
    for (size_t i = 0; i < S; i++)
        f->freel[i] = (uint32_t)(S - 1 - i);
    f->n_free = S;
    f->next_stn = 1;
    *out = f;
    return TL_OK;
}

/* ---- small helpers ------------------------------------------------------------------ */

static void event(tl_fusion *f, int kind, uint32_t stn, uint32_t other, const char *nation,
                  uint32_t id)
{
    if (f->n_ev >= f->cap_ev) {
        f->st.n_events_lost++;
        return;
    }
    tl_fusion_event *e = &f->ev[f->n_ev++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->stn = stn;
    e->other_stn = other;
    if (nation)
        memcpy(e->nation, nation, TL_NATION_LEN);
    e->track_id = id;
}

static uint32_t hkey(const char *nation, uint32_t id)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < TL_NATION_LEN && nation[i]; i++)
        h = (h ^ (uint8_t)nation[i]) * 16777619u;
    h ^= id * 2654435761u;
    return h ^ (h >> 15);
}

static int nat_eq(const char *a, const char *b)
{
    return strncmp(a, b, TL_NATION_LEN) == 0;
}

/* insert input k; returns the index of an existing duplicate, or -1 */
static int32_t hash_put(tl_fusion *f, const char *nation, uint32_t id, int32_t k)
{
    for (size_t i = hkey(nation, id) & f->hmask, n = 0; n <= f->hmask;
         i = (i + 1) & f->hmask, n++) {
        hent *h = &f->hash[i];
        if (h->gen != f->gen) {
            h->gen = f->gen;
            h->id = id;
            memcpy(h->nation, nation, TL_NATION_LEN);
            h->k = k;
            return -1;
        }
        if (h->id == id && nat_eq(h->nation, nation))
            return h->k;
    }
    return -2;
}

static int32_t hash_get(const tl_fusion *f, const char *nation, uint32_t id)
{
    for (size_t i = hkey(nation, id) & f->hmask, n = 0; n <= f->hmask;
         i = (i + 1) & f->hmask, n++) {
        const hent *h = &f->hash[i];
        if (h->gen != f->gen)
            return -1;
        if (h->id == id && nat_eq(h->nation, nation))
            return h->k;
    }
    return -1;
}

static double trace_pos(const double P[6][6])
{
    return P[0][0] + P[1][1] + P[2][2];
}

static int has_nation(const sys_int *s, const char *nation)
{
    for (int c = 0; c < s->t.n_contrib; c++)
        if (nat_eq(s->t.contrib[c].nation, nation))
            return 1;
    return 0;
}

static void remove_contrib(sys_int *s, int c)
{
    for (int j = c; j + 1 < s->t.n_contrib; j++) {
        s->t.contrib[j] = s->t.contrib[j + 1];
        s->inp[j] = s->inp[j + 1];
    }
    s->t.n_contrib--;
    s->dirty = 1;
}

static void add_contrib(tl_fusion *f, sys_int *s, const tl_fusion_input *in, int32_t k,
                        int64_t t_ns)
{
    tl_fusion_contrib *c = &s->t.contrib[s->t.n_contrib];
    memset(c, 0, sizeof *c);
    memcpy(c->nation, in->nation, TL_NATION_LEN);
    c->track_id = in->track_id;
    c->since_ns = t_ns;
    c->est_t_ns = in->est.t_ns;
    c->pos_sigma_m = sqrt(f->tr_in[k]);
    s->inp[s->t.n_contrib] = k;
    s->t.n_contrib++;
    s->dirty = 1;
}

static sys_int *new_sys(tl_fusion *f, int64_t t_ns)
{
    if (f->n_free == 0)
        return NULL;
    uint32_t slot = f->freel[--f->n_free];
    sys_int *s = &f->sys[slot];
    memset(s, 0, sizeof *s);
    s->live = 1;
    s->t.stn = f->next_stn++;
    if (f->next_stn == 0)
        f->next_stn = 1;
    s->t.best = -1;
    s->t.created_ns = s->t.updated_ns = t_ns;
    f->live[f->n_live++] = slot;
    return s;
}

static void retire(tl_fusion *f, size_t live_pos)
{
    uint32_t slot = f->live[live_pos];
    f->sys[slot].live = 0;
    f->freel[f->n_free++] = slot;
    f->live[live_pos] = f->live[--f->n_live];
}

/* Move an estimate to t_ns. Below DRAG_CEILING_M (where drag on a re-entry body is
 * above ~1e-5 m/s^2) and with cfg.drag, the model flies it with drag at beta, and the
 * drag's uncertainty (a relative 1-sigma ln_sigma of the deceleration a_d, constant
 * over the move) is added as white-noise acceleration of density (a_d ln_sigma)^2 |dt|,
 * which gives the same velocity variance at the end of the move. */
#define DRAG_CEILING_M 130e3
static int above_ceiling(const double x[3])
{
    double r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
    const double lo = 6356752.314245 + DRAG_CEILING_M, hi = 6378137.0 + DRAG_CEILING_M; /* polar, equatorial */
    if (r2 < lo * lo)
        return 0;
    if (r2 >= hi * hi)
        return 1;
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    return g.h_m >= DRAG_CEILING_M;
}

static int propagate(const tl_fusion *f, const tl_state_est *in, int64_t t_ns, double beta,
                     double ln_sigma, int free_flight, tl_state_est *out)
{
    /* Free flight above the ceiling, start and end: the small process noise. */
    if (free_flight && above_ceiling(in->x)) {
        int rc = tl_est_propagate(&f->cfg.model, in, t_ns, f->cfg.q_free_m2_s3, out);
        if (rc != TL_OK || above_ceiling(out->x))
            return rc;
    }
    double q = f->cfg.q_m2_s3;
    tl_dyn_model m = f->cfg.model;
    const double rc = 6356752.314245 + DRAG_CEILING_M; /* polar radius + ceiling */
    double r2 = in->x[0] * in->x[0] + in->x[1] * in->x[1] + in->x[2] * in->x[2];
    if (f->cfg.drag && beta > 0 && r2 < rc * rc) { /* else above the ceiling everywhere */
        tl_geodetic g;
        tl_ecef_to_geodetic(in->x, &g);
        if (g.h_m < DRAG_CEILING_M) {
            const double *v = in->x + 3;
            double a_d =
                0.5 * tl_atmo_density(g.h_m) * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) / beta;
            m.flags |= TL_DYN_DRAG;
            m.beta_kg_m2 = beta;
            double sa = a_d * ln_sigma, dt = fabs((double)(t_ns - in->t_ns)) * 1e-9;
            q += sa * sa * dt;
        }
    }
    return tl_est_propagate(&m, in, t_ns, q, out);
}

/* fuse the contributors of s (all aligned to t_ns) and pick the best one */
static void refuse(tl_fusion *f, sys_int *s, int64_t t_ns)
{
    const tl__info *ins[TL_FUSION_MAX_CONTRIB + 1];
    int n = s->t.n_contrib;
    if (n == 0)
        return;
    int best = 0;
    for (int c = 0; c < n; c++) {
        ins[c] = &f->info[s->inp[c]];
        if (s->t.contrib[c].pos_sigma_m < s->t.contrib[best].pos_sigma_m)
            best = c;
    }
    /* the ballistic coefficient of the contributor that knows it best (picking one is
     * consistent whatever the unknown correlation between the contributors' estimates) */
    int bb = 0;
    for (int c = 1; c < n; c++)
        if (f->in_lns[s->inp[c]] < f->in_lns[s->inp[bb]])
            bb = c;
    s->t.beta_kg_m2 = f->in_beta[s->inp[bb]];
    s->t.beta_ln_sigma = f->in_lns[s->inp[bb]];
    /* A held track (an established ballistic object, tl_fusion_hold) whose best
     * contributor left while others remain (a radar losing the object at the edge of its
     * coverage) keeps what it knew: its previous fused estimate, flown to t_ns, is one
     * more input of the covariance intersection until a remaining contributor is as good,
     * so the track is not handed to worse ones (the ICBM's prediction through the
     * midcourse gap, docs/eval.md). CI stays consistent whatever the correlation of the
     * prior with the contributors (they share plots). Flown once per cycle: later calls in
     * the same cycle reuse it. Only then: used on every held track, the prior locked in a
     * ballistic bias where the hold came before the boost ended (Korea alone, eval). */
    tl__info prior_info;
    int np = n;
    if (!(s->keep_prior && s->t.hold_until_ns > t_ns)) {
        s->keep_prior = s->has_prior = 0;
    } else if (s->t.est.t_ns < t_ns) {
        s->has_prior = s->t.hold_until_ns > t_ns && s->t.n_contrib > 0 &&
                       propagate(f, &s->t.est, t_ns, s->t.beta_kg_m2, s->t.beta_ln_sigma, 1,
                                 &s->prior) == TL_OK &&
                       tl__finite6(s->prior.x, s->prior.P);
    } else if (s->prior.t_ns != t_ns) {
        s->has_prior = 0;
    }
    if (s->has_prior && tl__info_make(&s->prior, &prior_info) == 0) {
        /* the remaining contributors have caught up: back to fusing them alone */
        double trp = trace_pos(s->prior.P);
        for (int c = 0; c < n; c++)
            if (f->tr_in[s->inp[c]] <= trp)
                s->keep_prior = 0;
        if (s->keep_prior)
            ins[np++] = &prior_info;
    }
    tl_state_est out;
    out.t_ns = t_ns;
    if (np == 1 || tl__fuse_info(ins, np, f->cfg.method, out.x, out.P) != TL_OK)
        out = f->al[s->inp[best]]; /* one contributor (fusion of validated inputs cannot fail) */
    s->t.est = out;
    s->t.best = best;
    memcpy(s->t.best_nation, s->t.contrib[best].nation, TL_NATION_LEN);
    s->t.updated_ns = t_ns;
    s->t.coasting = 0;
    s->tr_pos = trace_pos(out.P);
    s->dirty = 0;
}

static int cmp_key(const void *a, const void *b)
{
    double x = ((const keyidx *)a)->key, y = ((const keyidx *)b)->key;
    return x < y ? -1 : x > y;
}

/* sort live system tracks by fused x; returns the largest position trace */
static double sort_live(tl_fusion *f)
{
    double trmax = 0.0;
    for (size_t i = 0; i < f->n_live; i++) {
        sys_int *s = &f->sys[f->live[i]];
        f->sorted[i].key = s->t.est.x[0];
        f->sorted[i].idx = f->live[i];
        if (s->tr_pos > trmax)
            trmax = s->tr_pos;
    }
    f->n_sorted = f->n_live;
    qsort(f->sorted, f->n_sorted, sizeof *f->sorted, cmp_key);
    return trmax;
}

static size_t lower_bound(const tl_fusion *f, double key)
{
    size_t lo = 0, hi = f->n_sorted;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f->sorted[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* 6-D distance with the cheap necessary test first; returns 0 and d2, or -1 if outside */
static int gated_d2(const tl_state_est *a, double tra, const tl_state_est *b, double trb,
                    double gate, double *d2)
{
    double dp2 = 0.0;
    for (int i = 0; i < 3; i++)
        dp2 += (a->x[i] - b->x[i]) * (a->x[i] - b->x[i]);
    if (dp2 > gate * (tra + trb))
        return -1;
    if (tl_fusion_distance(a, b, d2) != TL_OK || !(*d2 <= gate))
        return -1;
    return 0;
}

/* ---- the cycle ---------------------------------------------------------------------- */

/* An input's ballistic coefficient: its own estimate, else its energy class's prior. */
static void input_beta(tl_fusion *f, const tl_fusion_input *p, size_t k)
{
    if (p->beta_kg_m2 > 0) {
        f->in_beta[k] = p->beta_kg_m2;
        f->in_lns[k] = p->beta_ln_sigma;
    } else {
        tl_predict_beta_prior(tl_predict_energy_class(&p->est), &f->in_beta[k], &f->in_lns[k]);
    }
}

static void align_inputs(tl_fusion *f, int64_t t_ns, const tl_fusion_input *in, size_t n,
                         tl_err *err)
{
    int reported = 0;
    for (size_t k = 0; k < n; k++) {
        const tl_fusion_input *p = &in[k];
        const char *why = NULL;
        f->in_ok[k] = 0;
        f->in_done[k] = 0;
        f->in_slot[k] = -1;
        f->in_excl[k] = -1;
        f->in_split_from[k] = 0;
        if (p->nation[0] == '\0' || memchr(p->nation, '\0', TL_NATION_LEN) == NULL)
            why = "nation is empty or not terminated";
        else if (!tl__finite6(p->est.x, p->est.P))
            why = "state or covariance not finite";
        else if (fabs((double)(t_ns - p->est.t_ns)) * 1e-9 > f->cfg.max_age_s)
            why = "time of validity too far from the cycle time (stale)";
        else if (!(p->est.P[0][0] > 0 && p->est.P[1][1] > 0 && p->est.P[2][2] > 0 &&
                   p->est.P[3][3] > 0 && p->est.P[4][4] > 0 && p->est.P[5][5] > 0))
            why = "covariance not positive definite (a variance <= 0)";
        else if (!(p->beta_kg_m2 <= 0 ||
                   (isfinite(p->beta_kg_m2) && p->beta_ln_sigma > 0 && isfinite(p->beta_ln_sigma))))
            why = "ballistic coefficient or its sigma not finite and positive";
        else if (input_beta(f, p, k),
                 propagate(f, &p->est, t_ns, f->in_beta[k], f->in_lns[k], p->free_flight, &f->al[k]) !=
                     TL_OK)
            why = "cannot propagate to the cycle time";
        else if (tl__info_make(&f->al[k], &f->info[k]) != 0)
            why = "covariance not positive definite at the cycle time";
        else if (hash_put(f, p->nation, p->track_id, (int32_t)k) != -1)
            why = "duplicate nation/track_id in this batch";
        if (why) {
            f->st.n_rejected++;
            if (!reported++)
                tl_err_set(err, TL_EINVAL,
                           "fusion: input %zu (nation \"%.*s\", track %u) rejected: %s", k,
                           TL_NATION_LEN, p->nation, p->track_id, why);
            continue;
        }
        f->in_ok[k] = 1;
        f->tr_in[k] = trace_pos(f->al[k].P);
    }
}

/* keep bound contributors that are still reported; drop the rest */
static void bind_existing(tl_fusion *f, const tl_fusion_input *in)
{
    for (size_t i = 0; i < f->n_live; i++) {
        sys_int *s = &f->sys[f->live[i]];
        for (int c = s->t.n_contrib - 1; c >= 0; c--) {
            tl_fusion_contrib *ct = &s->t.contrib[c];
            int32_t k = hash_get(f, ct->nation, ct->track_id);
            if (k < 0 || !f->in_ok[k] || f->in_slot[k] >= 0) {
                /* contributors above c have moved down, c is still its index of the last
                 * fusion: the best one leaving a held track while others remain */
                if (c == s->t.best && s->t.n_contrib > 1 && s->t.hold_until_ns > 0)
                    s->keep_prior = 1;
                event(f, TL_FEV_DROP, s->t.stn, 0, ct->nation, ct->track_id);
                f->st.n_drop++;
                remove_contrib(s, c);
                continue;
            }
            f->in_slot[k] = (int32_t)f->live[i];
            s->inp[c] = k;
            ct->est_t_ns = in[k].est.t_ns;
            ct->pos_sigma_m = sqrt(f->tr_in[k]);
            s->dirty = 1;
        }
    }
}

/* Agreement of each contributor with the others, pairwise (Bar-Shalom's track-to-track
 * test): a contributor disagrees when it fails the test against every other one. After
 * split_cycles disagreeing cycles it splits off; with two contributors both disagree and
 * the later joiner leaves (the older binding keeps the number). */
static void check_splits(tl_fusion *f)
{
    for (size_t i = 0; i < f->n_live; i++) {
        sys_int *s = &f->sys[f->live[i]];
        int n = s->t.n_contrib;
        if (n < 2)
            continue;
        double dmin[TL_FUSION_MAX_CONTRIB];
        for (int c = 0; c < n; c++)
            dmin[c] = INFINITY;
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++) {
                double d2 = INFINITY;
                tl_fusion_distance(&f->al[s->inp[a]], &f->al[s->inp[b]], &d2);
                if (d2 < dmin[a])
                    dmin[a] = d2;
                if (d2 < dmin[b])
                    dmin[b] = d2;
            }
        int worst = -1;
        for (int c = 0; c < n; c++) {
            tl_fusion_contrib *ct = &s->t.contrib[c];
            ct->d2 = dmin[c];
            ct->fail_count = dmin[c] <= f->cfg.keep_chi2 ? 0 : ct->fail_count + 1;
            if (ct->fail_count < f->cfg.split_cycles)
                continue;
            if (worst < 0 || ct->since_ns > s->t.contrib[worst].since_ns ||
                (ct->since_ns == s->t.contrib[worst].since_ns && dmin[c] > dmin[worst]))
                worst = c;
        }
        if (worst < 0)
            continue;
        if (n == 2 && s->t.contrib[0].since_ns == s->t.contrib[1].since_ns)
            worst = 1; /* joined together: the first listed (the creator) keeps the number */
        int32_t k = s->inp[worst];
        f->in_slot[k] = -1;
        f->in_excl[k] = (int32_t)f->live[i];
        f->in_split_from[k] = s->t.stn;
        for (int c = 0; c < s->t.n_contrib; c++)
            s->t.contrib[c].fail_count = 0;
        remove_contrib(s, worst);
    }
}

static void coast_or_fuse(tl_fusion *f, int64_t t_ns)
{
    for (size_t i = 0; i < f->n_live;) {
        sys_int *s = &f->sys[f->live[i]];
        if (s->t.n_contrib > 0) {
            refuse(f, s, t_ns);
            i++;
            continue;
        }
        /* Retained for coast_s, or while held (a predictable ballistic object in a
         * coverage gap, tl_fusion_hold): coasted on the ballistic propagator with
         * process noise, so its covariance grows and the gate widens for reacquisition. */
        int expired =
            (double)(t_ns - s->t.updated_ns) * 1e-9 > f->cfg.coast_s && t_ns >= s->t.hold_until_ns;
        tl_state_est e = s->t.est;
        if (!expired && e.t_ns != t_ns &&
            (propagate(f, &s->t.est, t_ns, s->t.beta_kg_m2, s->t.beta_ln_sigma, t_ns < s->t.hold_until_ns,
                       &e) != TL_OK ||
             !tl__finite6(e.x, e.P)))
            expired = 1; /* cannot be predicted any further */
        if (expired) {
            event(f, TL_FEV_DELETE, s->t.stn, 0, NULL, 0);
            f->st.n_delete++;
            retire(f, i);
            continue;
        }
        s->t.est = e;
        s->t.coasting = 1;
        s->t.best = -1;
        s->t.best_nation[0] = '\0';
        s->tr_pos = trace_pos(s->t.est.P);
        i++;
    }
}

/* associate the unbound inputs of one nation; returns TL_EFULL when tracks did not fit */
static int associate_nation(tl_fusion *f, int64_t t_ns, const tl_fusion_input *in, size_t n,
                            const char *nation)
{
    size_t nr = 0;
    for (size_t k = 0; k < n; k++)
        if (f->in_ok[k] && !f->in_done[k] && f->in_slot[k] < 0 && nat_eq(in[k].nation, nation)) {
            f->rows[nr++] = (uint32_t)k;
            f->in_done[k] = 1;
        }
    if (nr == 0)
        return TL_OK;
    double trmax = sort_live(f);
    size_t ne = 0;
    const double gate = f->cfg.gate_chi2;
    for (size_t r = 0; r < nr; r++) {
        uint32_t k = f->rows[r];
        const tl_state_est *a = &f->al[k];
        double w = sqrt(gate * (f->tr_in[k] + trmax));
        for (size_t j = lower_bound(f, a->x[0] - w); j < f->n_sorted; j++) {
            if (f->sorted[j].key > a->x[0] + w)
                break;
            uint32_t slot = f->sorted[j].idx;
            sys_int *s = &f->sys[slot];
            if ((int32_t)slot == f->in_excl[k] || has_nation(s, nation) ||
                s->t.n_contrib >= TL_FUSION_MAX_CONTRIB)
                continue;
            double d2;
            if (gated_d2(a, f->tr_in[k], &s->t.est, s->tr_pos, gate, &d2) != 0)
                continue;
            f->st.n_gated_pairs++;
            /* A coasting track (predicted, wide covariance) takes a reacquired track
             * only when no reported system track gates below 0.99 of the gate: its
             * cost stays inside [0.99, 0.999) x gate, below the 2 x miss cost. */
            double cost = s->t.n_contrib > 0 ? d2 : gate * (0.99 + 0.009 * d2 / gate);
            if (ne < f->max_edges)
                f->edges[ne++] = (tl_assign_edge){(uint32_t)r, (uint32_t)j, cost};
        }
    }
    for (size_t r = 0; r < nr; r++)
        f->r2c[r] = -1;
    if (ne > 0) {
        double tot;
        if (tl_assign_sparse(nr, f->n_sorted, f->edges, ne, 0.5 * gate, f->r2c, f->c2r, f->ws,
                             &tot) != TL_OK)
            for (size_t r = 0; r < nr; r++)
                f->r2c[r] = -1;
    }
    int rc = TL_OK;
    size_t n_sorted = f->n_sorted;
    for (size_t r = 0; r < nr; r++) {
        uint32_t k = f->rows[r];
        if (f->r2c[r] >= 0 && (size_t)f->r2c[r] < n_sorted) {
            uint32_t slot = f->sorted[f->r2c[r]].idx;
            sys_int *s = &f->sys[slot];
            add_contrib(f, s, &in[k], (int32_t)k, t_ns);
            f->in_slot[k] = (int32_t)slot;
            event(f, TL_FEV_JOIN, s->t.stn, 0, in[k].nation, in[k].track_id);
            f->st.n_join++;
            continue;
        }
        sys_int *s = new_sys(f, t_ns);
        if (!s) {
            f->st.n_rejected++;
            rc = TL_EFULL;
            continue;
        }
        add_contrib(f, s, &in[k], (int32_t)k, t_ns);
        s->t.split_from = f->in_split_from[k];
        f->in_slot[k] = (int32_t)(s - f->sys);
        if (s->t.split_from) {
            event(f, TL_FEV_SPLIT, s->t.split_from, s->t.stn, in[k].nation, in[k].track_id);
            f->st.n_split++;
        } else {
            event(f, TL_FEV_NEW, s->t.stn, 0, in[k].nation, in[k].track_id);
            f->st.n_new++;
        }
    }
    /* fuse what changed before the next nation is gated against it */
    for (size_t i = 0; i < f->n_live; i++) {
        sys_int *s = &f->sys[f->live[i]];
        if (s->dirty)
            refuse(f, s, t_ns);
    }
    return rc;
}

static int share_nation(const sys_int *a, const sys_int *b)
{
    for (int c = 0; c < a->t.n_contrib; c++)
        if (has_nation(b, a->t.contrib[c].nation))
            return 1;
    return 0;
}

static void merge_pass(tl_fusion *f, int64_t t_ns)
{
    double trmax = sort_live(f);
    const double gate = f->cfg.merge_chi2;
    for (size_t j = 0; j < f->n_sorted; j++) {
        sys_int *s = &f->sys[f->sorted[j].idx];
        if (!s->live || s->t.n_contrib == 0) {
            s->merge_cand = 0;
            s->merge_count = 0;
            continue;
        }
        double w = sqrt(gate * (s->tr_pos + trmax)), best_d2 = INFINITY;
        uint32_t best = 0;
        for (size_t m = lower_bound(f, s->t.est.x[0] - w); m < f->n_sorted; m++) {
            if (f->sorted[m].key > s->t.est.x[0] + w)
                break;
            sys_int *o = &f->sys[f->sorted[m].idx];
            if (o == s || !o->live || o->t.n_contrib == 0 || share_nation(s, o) ||
                s->t.n_contrib + o->t.n_contrib > TL_FUSION_MAX_CONTRIB)
                continue;
            double d2;
            if (gated_d2(&s->t.est, s->tr_pos, &o->t.est, o->tr_pos, gate, &d2) == 0 &&
                d2 < best_d2) {
                best_d2 = d2;
                best = o->t.stn;
            }
        }
        if (best == 0) {
            s->merge_cand = 0;
            s->merge_count = 0;
            continue;
        }
        s->merge_count = best == s->merge_cand ? s->merge_count + 1 : 1;
        s->merge_cand = best;
    }
    /* carry out merges: the older (smaller) STN absorbs the other */
    for (size_t j = 0; j < f->n_sorted; j++) {
        sys_int *s = &f->sys[f->sorted[j].idx];
        if (!s->live || s->merge_count < f->cfg.merge_cycles)
            continue;
        sys_int *o = NULL;
        for (size_t m = 0; m < f->n_sorted; m++) {
            sys_int *c = &f->sys[f->sorted[m].idx];
            if (c->live && c->t.stn == s->merge_cand)
                o = c;
        }
        if (!o || o->t.n_contrib == 0 || share_nation(s, o) ||
            s->t.n_contrib + o->t.n_contrib > TL_FUSION_MAX_CONTRIB)
            continue;
        sys_int *keep = s->t.stn < o->t.stn ? s : o, *gone = keep == s ? o : s;
        for (int c = 0; c < gone->t.n_contrib; c++) {
            keep->t.contrib[keep->t.n_contrib] = gone->t.contrib[c];
            keep->t.contrib[keep->t.n_contrib].since_ns = t_ns;
            keep->inp[keep->t.n_contrib] = gone->inp[c];
            f->in_slot[gone->inp[c]] = (int32_t)(keep - f->sys);
            keep->t.n_contrib++;
        }
        keep->merge_cand = gone->merge_cand = 0;
        keep->merge_count = gone->merge_count = 0;
        refuse(f, keep, t_ns);
        event(f, TL_FEV_MERGE, keep->t.stn, gone->t.stn, NULL, 0);
        f->st.n_merge++;
        gone->t.n_contrib = 0;
        for (size_t i = 0; i < f->n_live; i++)
            if (&f->sys[f->live[i]] == gone) {
                retire(f, i);
                break;
            }
    }
}

int tl_fusion_update(tl_fusion *f, int64_t t_ns, const tl_fusion_input *in, size_t n, tl_err *err)
{
    if (!f || (n > 0 && !in))
        return tl_err_set(err, TL_EINVAL, "fusion: update with NULL engine or inputs");
    if (n > f->cfg.max_inputs)
        return tl_err_set(err, TL_EINVAL, "fusion: %zu inputs exceed max_inputs %zu", n,
                          f->cfg.max_inputs);
    if (f->have_t && t_ns < f->last_t_ns)
        return tl_err_set(err, TL_EINVAL, "fusion: cycle time %lld before previous %lld",
                          (long long)t_ns, (long long)f->last_t_ns);
    memset(&f->st, 0, sizeof f->st);
    f->n_ev = 0;
    f->st.n_inputs = n;
    if (++f->gen == 0) { /* generation counter wrapped: really clear the hash */
        memset(f->hash, 0, (f->hmask + 1) * sizeof *f->hash);
        f->gen = 1;
    }
    align_inputs(f, t_ns, in, n, err);
    bind_existing(f, in);
    check_splits(f);
    coast_or_fuse(f, t_ns);
    int rc = TL_OK;
    for (size_t k = 0; k < n; k++) {
        if (!f->in_ok[k] || f->in_done[k] || f->in_slot[k] >= 0)
            continue;
        int r = associate_nation(f, t_ns, in, n, in[k].nation);
        if (r != TL_OK)
            rc = r;
    }
    merge_pass(f, t_ns);
    f->last_t_ns = t_ns;
    f->have_t = 1;
    if (rc == TL_EFULL)
        return tl_err_set(err, TL_EFULL, "fusion: system-track pool of %zu is full",
                          f->cfg.max_system_tracks);
    return TL_OK;
}

int tl_fusion_hold(tl_fusion *f, uint32_t stn, int64_t until_ns)
{
    for (size_t i = 0; f && i < f->n_live; i++) {
        sys_int *s = &f->sys[f->live[i]];
        if (s->t.stn != stn)
            continue;
        int64_t now = f->have_t ? f->last_t_ns : s->t.updated_ns;
        int64_t cap = now + (int64_t)(f->cfg.hold_max_s * 1e9);
        s->t.hold_until_ns = until_ns > cap ? cap : until_ns < 0 ? 0 : until_ns;
        return TL_OK;
    }
    return TL_ENOTFOUND;
}

size_t tl_fusion_count(const tl_fusion *f)
{
    return f ? f->n_live : 0;
}

const tl_system_track *tl_fusion_get(const tl_fusion *f, size_t i)
{
    return (f && i < f->n_live) ? &f->sys[f->live[i]].t : NULL;
}

const tl_system_track *tl_fusion_find(const tl_fusion *f, uint32_t stn)
{
    for (size_t i = 0; f && i < f->n_live; i++)
        if (f->sys[f->live[i]].t.stn == stn)
            return &f->sys[f->live[i]].t;
    return NULL;
}

uint32_t tl_fusion_stn_of(const tl_fusion *f, const char *nation, uint32_t track_id)
{
    for (size_t i = 0; f && i < f->n_live; i++) {
        const tl_system_track *t = &f->sys[f->live[i]].t;
        for (int c = 0; c < t->n_contrib; c++)
            if (t->contrib[c].track_id == track_id && nat_eq(t->contrib[c].nation, nation))
                return t->stn;
    }
    return 0;
}

size_t tl_fusion_events(const tl_fusion *f, const tl_fusion_event **ev)
{
    *ev = f->ev;
    return f->n_ev;
}

const tl_fusion_stats *tl_fusion_last_stats(const tl_fusion *f)
{
    return &f->st;
}
