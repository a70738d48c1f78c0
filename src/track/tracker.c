/* tracker.c — the national multi-sensor tracker (see tracker.h for the cycle and
 * the out-of-sequence policy).
 *
 * Data association is global nearest neighbour solved optimally on the sparse
 * gated problem (tl_assign_sparse; Jonker & Volgenant 1987). Gating is two-stage:
 * a coarse box test on plots sorted by ECEF x (so a scan costs O((T + P) log P)
 * instead of T * P), then the chi-square test on the innovation of the IMM's
 * combined prediction. Initiation: two-point velocity differencing between an
 * unassigned plot and a stored one (corrected for gravity over the gap), or a
 * one-point start with a wide velocity prior when an IR line of sight from a GEO
 * satellite passes near the plot (IR-cued); a plot inside a confirmed track's gate
 * starts nothing. Confirmation: M hits out of the first N
 * opportunities (scans by a sensor that has seen the track). Deletion: coasting
 * limits and failed M-of-N. Bar-Shalom et al. (2001) ch. 11; Blackman & Popoli,
 * "Design and Analysis of Modern Tracking Systems" (1999) ch. 6-7 for the
 * initiation and confirmation logic.
 */
#include "trilink/tracker.h"
#include "trilink/assoc.h"
#include "trilink/geo.h"

#include "filter/filter_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SENSORS 64
#define MAX_CANDS 2048
#define MAX_CUES 64
#define EDGES_PER_PLOT 16

typedef struct trk {
    tl_imm imm;
    int64_t t_first, t_confirmed, t_last_upd;
    uint64_t sensor_mask;
    uint32_t id;
    int32_t n_updates;
    uint16_t hist; /* hit (1) / miss (0) of the first opportunities, oldest in high bits */
    uint8_t n_opp;
    uint8_t status; /* tl_track_status; slots on the free list are DELETED */
    uint8_t was_midcourse, ir_cued, phase, touched;
    uint8_t thrust_off;  /* ballistic for a sustained time: boost is over */
    int64_t t_ballistic; /* since when the ballistic mode dominates (0: not) */
    /* thrust input estimate (input estimation, Bogler 1987): the THRUST mode
     * predicts with a_thrust along the velocity; a_thrust follows the
     * along-track specific force seen between updates of that mode */
    double a_thrust;
    double a_var;    /* variance of a_thrust */
    double v_thr[3]; /* THRUST-mode velocity after the last update */
    int64_t t_thr;   /* its time (0: none yet) */
    /* ballistic-coefficient estimate in log space, lb = ln(1/beta) with
     * variance lb_var (a scalar EKF from the deceleration seen between updates
     * once unpowered; the same reference velocity and time as above); both
     * unpowered modes fly it */
    double lb, lb_var;
    int drag_n; /* drag observations so far (the estimate is reported after DRAG_REPORT_N) */
    int32_t next_free;
} trk;

typedef struct cand {
    int64_t t;
    double pos[3];
    double P[3][3];
    int sensor;
} cand;

#define BOOST_BALLISTIC_SOJOURN_S 20.0
/* a confirmed track with fewer updates than this is a copy of an older confirmed
 * track when its position alone agrees: its velocity is still that of its
 * initiation (two plots, possibly of two close objects) and can be off by
 * hundreds of m/s with a covariance that does not say so */
#define DUP_YOUNG_UPDATES 8
/* thrust input estimate: smoothing time constant and bounds */
#define THRUST_JERK_MPS3 1.0  /* 1-sigma error of the rocket law's thrust growth */
#define THRUST_Q_RW 1.0       /* m^2/s^5: random walk of the thrust between updates */
#define THRUST_PRIOR_SIG 20.0 /* m/s^2: 1-sigma of the prior (first stage to burnout) */
#define THRUST_MAX_MPS2 150.0
#define THRUST_OFF_MPS2 8.0
#define DRAG_BETA_MIN 20.0     /* kg/m^2: light debris */
#define DRAG_BETA_MAX 20000.0  /* heavy re-entry vehicles */
#define DRAG_MIN_MPS2 2.0      /* estimate only where drag at DRAG_BETA_MIN exceeds this */
#define DRAG_LN_Q 0.01         /* 1/s: drift of ln(beta) (Cd changes with Mach) */
#define DRAG_LN_STEP 1.0       /* largest change of ln(beta) per update (debris: e^5 off) */
#define DRAG_REPORT_N 3        /* drag observations before the estimate is reported */
#define DRAG_REL_FLOOR 0.3     /* reported 1-sigma of ln(beta) at least this (Cd changes with Mach) */
#define THRUST_Q_BASE 10.0     /* m^2/s^3: THRUST white noise besides the terms below */
#define THRUST_REL 0.05        /* 1-sigma relative error of the thrust estimate */
#define THRUST_CORR_S 2.0      /* ... as white noise over this correlation time */
#define THRUST_PRIOR_MPS2 30.0 /* a new track in boost: early first-stage thrust */
/* two-point initiator: 1-sigma unknown acceleration between the plots (a SRBM
 * reaches ~100 m/s^2 of thrust at burnout, an ICBM upper stage more) */
#define INIT_ACC_MPS2 50.0

typedef struct cue {
    int64_t t;
    double origin[3], u[3];
} cue;

struct tl_tracker {
    tl_tracker_config cfg;
    /* the IMM while a track can still be in boost: the same models, a short
     * ballistic sojourn (thrust phases follow each other, staging makes brief
     * ballistic gaps), so the THRUST mode keeps weight until the track has been
     * seen ballistic above 100 km */
    tl_imm_config imm_boost;
    double gate[5];
    tl_track_cb cb;
    void *cb_ctx;
    /* track pool */
    trk *pool;
    int32_t *live;
    size_t n_live;
    int32_t free_head;
    uint32_t next_id;
    /* sensors */
    char (*sensor_names)[TL_ID_LEN];
    int n_sensors;
    /* reorder buffer: slots + a min-heap on (t, sensor, plot id) */
    tl_plot *slots;
    int32_t *heap, *free_slots;
    size_t n_heap, n_free;
    int64_t newest_t, watermark_t;
    int have_newest, have_watermark;
    /* scan scratch */
    tl_plot *scan;
    tl_meas *meas;
    double (*ppos)[3];
    double *prad;
    int *has_pos;
    int32_t *order, *row_slot, *r2c, *c2r;
    /* duplicate check: confirmed tracks' ballistic-mode positions at the scan time,
     * indexed by pool slot, and their slots sorted by x (built lazily per scan) */
    double (*dup_pos)[3];
    int32_t *dup_order;
    size_t n_dup;
    double dup_margin; /* largest position uncertainty + extrapolation margin */
    int dup_built;
    tl_assign_edge *edges;
    size_t max_edges;
    void *ws;
    /* initiator */
    cand *cands;
    size_t n_cands;
    cue *cues;
    size_t n_cues, cue_next;
    tl_tracker_stats st;
};

/* ------------------------------------------------------------ small helpers ---- */

const char *tl_reject_name(tl_reject r)
{
    static const char *names[TL_REJECT_COUNT] = {"nonfinite", "range",  "elevation",
                                                 "sigma",     "format", "late",
                                                 "future",    "nation", "sensors"};
    return (r >= 0 && r < TL_REJECT_COUNT) ? names[r] : "unknown";
}

/* Inverse standard normal CDF by bisection on erfc (no tables needed). */
static double norm_quantile(double p)
{
    double lo = -10.0, hi = 10.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(-mid / sqrt(2.0)) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Chi-square quantile (Wilson-Hilferty; within ~1% for k >= 1 at p ~ 0.999). */
static double chi2_quantile(double p, int k)
{
    double z = norm_quantile(p), a = 2.0 / (9.0 * k);
    double c = 1.0 - a + z * sqrt(a);
    return k * c * c * c;
}

void tl_tracker_config_default(tl_tracker_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_tracks = 1024;
    c->max_buffered = 4096;
    c->max_scan = 1024;
    c->reorder_window_ns = 2000000000LL;
    c->max_future_ns = 3600LL * 1000000000LL;
    c->gate_p = 0.9997;
    c->confirm_m = 3;
    c->confirm_n = 4;
    c->coast_tentative_s = 30.0;
    c->coast_confirmed_s = 60.0;
    c->coast_boost_s = 15.0;
    c->init_window_s = 12.0;
    c->vmax_mps = 8000.0;
    c->ir_cue_window_s = 20.0;
    c->ir_cue_dist_m = 20e3;
    tl_imm_config_default(&c->imm);
    c->beta_prior_kg_m2 = 8500.0;
    c->beta_prior_sigma_ln = 0.5;
}

size_t tl_tracker_bytes_per_track(void)
{
    return sizeof(trk) + sizeof(int32_t);
}

int tl_tracker_check_plot(const tl_plot *p)
{
    if (!p)
        return TL_REJECT_FORMAT + 1;
    if (p->kind == TL_PLOT_RADAR) {
        if (p->nz != 3 && p->nz != 4)
            return TL_REJECT_FORMAT + 1;
    } else if (p->kind == TL_PLOT_IR) {
        if (p->nz != 2)
            return TL_REJECT_FORMAT + 1;
    } else {
        return TL_REJECT_FORMAT + 1;
    }
    for (int i = 0; i < p->nz; i++)
        if (!isfinite(p->z[i]) || !isfinite(p->sigma[i]))
            return TL_REJECT_NONFINITE + 1;
    for (int i = 0; i < 3; i++)
        if (!isfinite(p->site_ecef[i]))
            return TL_REJECT_NONFINITE + 1;
    if (!isfinite(p->site.lat_rad) || !isfinite(p->site.lon_rad) || !isfinite(p->site.h_m))
        return TL_REJECT_NONFINITE + 1;
    if (fabs(p->site.lat_rad) > TL_PI / 2 || fabs(p->site.h_m) > 1e8)
        return TL_REJECT_FORMAT + 1;
    for (int i = 0; i < p->nz; i++) {
        /* ranges/rates in m, m/s; angles in rad: absurd noise is a broken plot */
        int angle = (p->kind == TL_PLOT_IR) || i == 1 || i == 2;
        double hi = angle ? 1.0 : 1e7;
        if (!(p->sigma[i] > 1e-12 && p->sigma[i] < hi))
            return TL_REJECT_SIGMA + 1;
    }
    if (p->kind == TL_PLOT_RADAR) {
        if (!(p->z[0] > 0.0))
            return TL_REJECT_RANGE + 1;
        if (p->z[0] > 1e9 || (p->nz == 4 && fabs(p->z[3]) > 1e6))
            return TL_REJECT_RANGE + 1;
        if (p->z[2] < -TL_PI / 2 || p->z[2] > TL_PI / 2)
            return TL_REJECT_ELEVATION + 1;
        if (p->z[1] < -2 * TL_PI || p->z[1] > 4 * TL_PI)
            return TL_REJECT_ELEVATION + 1;
    } else {
        if (p->z[1] < -TL_PI / 2 || p->z[1] > TL_PI / 2 || fabs(p->z[0]) > 2 * TL_PI)
            return TL_REJECT_ELEVATION + 1;
    }
    return 0;
}

/* ------------------------------------------------------------- lifecycle ---- */

int tl_tracker_create(const tl_tracker_config *c, tl_tracker **out, tl_err *err)
{
    if (!c || !out)
        return tl_err_set(err, TL_EINVAL, "tracker: NULL argument");
    if (c->max_tracks < 1 || c->max_tracks > 1000000)
        return tl_err_set(err, TL_EINVAL, "tracker config: max_tracks %zu not in 1..1000000",
                          c->max_tracks);
    if (c->max_scan < 1 || c->max_scan > 1000000 || c->max_buffered < 1 ||
        c->max_buffered > 10000000)
        return tl_err_set(err, TL_EINVAL, "tracker config: max_scan %zu / max_buffered %zu",
                          c->max_scan, c->max_buffered);
    if (!(c->gate_p > 0.5 && c->gate_p < 1.0))
        return tl_err_set(err, TL_EINVAL, "tracker config: gate_p %g not in (0.5, 1)", c->gate_p);
    if (c->confirm_n < 1 || c->confirm_n > 15 || c->confirm_m < 1 || c->confirm_m > c->confirm_n)
        return tl_err_set(err, TL_EINVAL, "tracker config: confirm M-of-N %d of %d", c->confirm_m,
                          c->confirm_n);
    if (c->reorder_window_ns < 0 || !c->imm.ops)
        return tl_err_set(err, TL_EINVAL, "tracker config: reorder_window_ns or filter");
    if (!(c->beta_prior_kg_m2 >= DRAG_BETA_MIN && c->beta_prior_kg_m2 <= DRAG_BETA_MAX) ||
        !(c->beta_prior_sigma_ln >= 0.0 && c->beta_prior_sigma_ln <= 5.0))
        return tl_err_set(err, TL_EINVAL,
                          "tracker config: beta_prior_kg_m2 %g not in %g..%g or "
                          "beta_prior_sigma_ln %g not in 0..5",
                          c->beta_prior_kg_m2, DRAG_BETA_MIN, DRAG_BETA_MAX,
                          c->beta_prior_sigma_ln);
    tl_tracker *t = calloc(1, sizeof *t);
    if (!t)
        return tl_err_set(err, TL_ENOMEM, "tracker: out of memory");
    t->cfg = *c;
    t->imm_boost = c->imm;
    if (t->imm_boost.mean_sojourn_s[TL_IMM_BALLISTIC] > BOOST_BALLISTIC_SOJOURN_S)
        t->imm_boost.mean_sojourn_s[TL_IMM_BALLISTIC] = BOOST_BALLISTIC_SOJOURN_S;
    t->imm_boost.motion[TL_IMM_THRUST].q_acc = THRUST_Q_BASE;
    for (int k = 1; k <= 4; k++)
        t->gate[k] = chi2_quantile(c->gate_p, k);
    size_t T = c->max_tracks, S = c->max_scan, B = c->max_buffered;
    t->max_edges = S * EDGES_PER_PLOT;
    t->pool = calloc(T, sizeof *t->pool);
    t->live = calloc(T, sizeof *t->live);
    t->sensor_names = calloc(MAX_SENSORS, sizeof *t->sensor_names);
    t->slots = calloc(B, sizeof *t->slots);
    t->heap = calloc(B, sizeof *t->heap);
    t->free_slots = calloc(B, sizeof *t->free_slots);
    t->scan = calloc(S, sizeof *t->scan);
    t->meas = calloc(S, sizeof *t->meas);
    t->ppos = calloc(S, sizeof *t->ppos);
    t->prad = calloc(S, sizeof *t->prad);
    t->has_pos = calloc(S, sizeof *t->has_pos);
    t->order = calloc(S, sizeof *t->order);
    t->row_slot = calloc(T, sizeof *t->row_slot);
    t->dup_pos = calloc(T, sizeof *t->dup_pos);
    t->dup_order = calloc(T, sizeof *t->dup_order);
    t->r2c = calloc(T, sizeof *t->r2c);
    t->c2r = calloc(S, sizeof *t->c2r);
    t->edges = calloc(t->max_edges, sizeof *t->edges);
    t->ws = malloc(tl_assign_workspace_size(T, S, t->max_edges));
    t->cands = calloc(MAX_CANDS, sizeof *t->cands);
    t->cues = calloc(MAX_CUES, sizeof *t->cues);
    if (!t->pool || !t->live || !t->sensor_names || !t->slots || !t->heap || !t->free_slots ||
        !t->scan || !t->meas || !t->ppos || !t->prad || !t->has_pos || !t->order || !t->row_slot ||
        !t->dup_pos || !t->dup_order || !t->r2c || !t->c2r || !t->edges || !t->ws || !t->cands ||
        !t->cues) {
        tl_tracker_destroy(t);
        return tl_err_set(err, TL_ENOMEM, "tracker: out of memory for %zu tracks", T);
    }
    for (size_t i = 0; i < T; i++) {
        t->pool[i].status = TL_TRACK_DELETED;
        t->pool[i].next_free = (i + 1 < T) ? (int32_t)(i + 1) : -1;
    }
    t->free_head = 0;
    for (size_t i = 0; i < B; i++)
        t->free_slots[i] = (int32_t)(B - 1 - i);
    t->n_free = B;
    t->next_id = 1;
    *out = t;
    return TL_OK;
}

void tl_tracker_destroy(tl_tracker *t)
{
    if (!t)
        return;
    free(t->pool);
    free(t->live);
    free(t->sensor_names);
    free(t->slots);
    free(t->heap);
    free(t->free_slots);
    free(t->scan);
    free(t->meas);
    free(t->ppos);
    free(t->prad);
    free(t->has_pos);
    free(t->order);
    free(t->row_slot);
    free(t->dup_pos);
    free(t->dup_order);
    free(t->r2c);
    free(t->c2r);
    free(t->edges);
    free(t->ws);
    free(t->cands);
    free(t->cues);
    free(t);
}

void tl_tracker_set_callback(tl_tracker *t, tl_track_cb cb, void *ctx)
{
    t->cb = cb;
    t->cb_ctx = ctx;
}

void tl_tracker_stats_get(const tl_tracker *t, tl_tracker_stats *s)
{
    *s = t->st;
    s->tracks_live = t->n_live;
}

/* ---------------------------------------------------------------- reports ---- */

static void make_report(const tl_tracker *t, const trk *k, tl_track_report *r)
{
    memset(r, 0, sizeof *r);
    r->id = k->id;
    r->status = (tl_track_status)k->status;
    tl_imm_combine(&k->imm, &r->est);
    r->quality = tl_track_quality(r->est.P);
    r->mu_manoeuvre = 1.0 - k->imm.mu[TL_IMM_BALLISTIC];
    r->phase = (tl_phase)k->phase;
    r->n_updates = k->n_updates;
    r->t_first_ns = k->t_first;
    r->t_confirmed_ns = k->t_confirmed;
    r->t_last_update_ns = k->t_last_upd;
    r->ir_cued = k->ir_cued;
    if (k->drag_n >= DRAG_REPORT_N) {
        /* the log-space estimate and its 1-sigma, floored for the drag coefficient's
         * change with Mach (below the floor the fused impact ellipses lost coverage) */
        double rel = sqrt(k->lb_var);
        r->beta_kg_m2 = exp(-k->lb);
        r->beta_ln_sigma = rel > DRAG_REL_FLOOR ? rel : DRAG_REL_FLOOR;
    }
    for (int s = 0; s < t->n_sensors; s++)
        if (k->sensor_mask & (1ull << s)) {
            if (r->n_sensors < TL_TRACK_MAX_SENSORS)
                memcpy(r->sensors[r->n_sensors], t->sensor_names[s], TL_ID_LEN);
            r->n_sensors++;
        }
}

static void emit(tl_tracker *t, const trk *k)
{
    if (!t->cb)
        return;
    tl_track_report r;
    make_report(t, k, &r);
    t->cb(t->cb_ctx, &r);
}

size_t tl_tracker_tracks(const tl_tracker *t, tl_track_report *out, size_t cap, int confirmed_only)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_live; i++) {
        const trk *k = &t->pool[t->live[i]];
        if (confirmed_only && k->status != TL_TRACK_CONFIRMED)
            continue;
        if (n < cap) {
            /* insertion by id keeps the output sorted */
            size_t j = n;
            while (j > 0 && out[j - 1].id > k->id) {
                out[j] = out[j - 1];
                j--;
            }
            make_report(t, k, &out[j]);
        }
        n++;
    }
    return n;
}

/* ------------------------------------------------------------- track pool ---- */

static trk *track_new(tl_tracker *t, const tl_state_est *s, const double *mu, int sensor)
{
    if (t->free_head < 0) {
        t->st.pool_full++;
        return NULL;
    }
    int32_t slot = t->free_head;
    trk *k = &t->pool[slot];
    t->free_head = k->next_free;
    memset(k, 0, sizeof *k);
    tl_imm_init(&k->imm, s, mu);
    k->id = t->next_id++;
    k->status = TL_TRACK_TENTATIVE;
    k->t_first = k->t_last_upd = s->t_ns;
    k->sensor_mask = 1ull << sensor;
    k->a_var = THRUST_PRIOR_SIG * THRUST_PRIOR_SIG; /* thrust unknown until seen */
    k->lb = -log(t->cfg.beta_prior_kg_m2);
    k->lb_var = t->cfg.beta_prior_sigma_ln * t->cfg.beta_prior_sigma_ln;
    k->next_free = -1;
    t->live[t->n_live++] = slot;
    t->st.tracks_initiated++;
    return k;
}

static void track_delete(tl_tracker *t, size_t live_idx)
{
    int32_t slot = t->live[live_idx];
    trk *k = &t->pool[slot];
    k->status = TL_TRACK_DELETED;
    emit(t, k);
    t->live[live_idx] = t->live[--t->n_live];
    k->next_free = t->free_head;
    t->free_head = slot;
    t->st.tracks_deleted++;
}

static int sensor_index(tl_tracker *t, const char *id)
{
    for (int s = 0; s < t->n_sensors; s++)
        if (!strncmp(t->sensor_names[s], id, TL_ID_LEN))
            return s;
    if (t->n_sensors >= MAX_SENSORS)
        return -1;
    memcpy(t->sensor_names[t->n_sensors], id, TL_ID_LEN);
    t->sensor_names[t->n_sensors][TL_ID_LEN - 1] = '\0';
    return t->n_sensors++;
}

/* --------------------------------------------------------------- initiator ---- */

static void add_cue(tl_tracker *t, const tl_meas *m)
{
    cue *c = &t->cues[t->cue_next];
    t->cue_next = (t->cue_next + 1) % MAX_CUES;
    if (t->n_cues < MAX_CUES)
        t->n_cues++;
    c->t = m->t_ns;
    memcpy(c->origin, m->site_ecef, sizeof c->origin);
    double cl = cos(m->z[1]);
    c->u[0] = cl * cos(m->z[0]);
    c->u[1] = cl * sin(m->z[0]);
    c->u[2] = sin(m->z[1]);
}

static int cued(const tl_tracker *t, int64_t now, const double p[3])
{
    for (size_t i = 0; i < t->n_cues; i++) {
        const cue *c = &t->cues[i];
        if (fabs(tl__dt_s(now, c->t)) > t->cfg.ir_cue_window_s)
            continue;
        double d[3] = {p[0] - c->origin[0], p[1] - c->origin[1], p[2] - c->origin[2]};
        double a = d[0] * c->u[0] + d[1] * c->u[1] + d[2] * c->u[2];
        double e2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] - a * a;
        if (a > 0 && e2 < t->cfg.ir_cue_dist_m * t->cfg.ir_cue_dist_m)
            return 1;
    }
    return 0;
}

static void initiate(tl_tracker *t, const tl_meas *m, const double pos[3], const double Pp[3][3],
                     int sensor)
{
    /* expire old candidates */
    for (size_t i = 0; i < t->n_cands;)
        if (tl__dt_s(m->t_ns, t->cands[i].t) > t->cfg.init_window_s)
            t->cands[i] = t->cands[--t->n_cands];
        else
            i++;
    /* two-point: nearest stored plot reachable at vmax */
    long best = -1;
    double best_d = INFINITY;
    for (size_t i = 0; i < t->n_cands; i++) {
        const cand *c = &t->cands[i];
        double dt = tl__dt_s(m->t_ns, c->t);
        if (!(dt > 0.0))
            continue;
        double d2 = 0, tr = 0;
        for (int a = 0; a < 3; a++) {
            d2 += (pos[a] - c->pos[a]) * (pos[a] - c->pos[a]);
            tr += Pp[a][a] + c->P[a][a];
        }
        double lim = t->cfg.vmax_mps * dt + 4.0 * sqrt(tr);
        if (d2 <= lim * lim && d2 < best_d) {
            best_d = d2;
            best = (long)i;
        }
    }
    tl_state_est s;
    memset(&s, 0, sizeof s);
    s.t_ns = m->t_ns;
    if (best >= 0) {
        cand c = t->cands[best];
        t->cands[best] = t->cands[--t->n_cands];
        double dt = tl__dt_s(m->t_ns, c.t), g[3];
        tl_dyn_model dm;
        tl_dyn_model_default(&dm);
        double x6[6] = {pos[0], pos[1], pos[2], 0, 0, 0};
        tl_dyn_accel(&dm, x6, g); /* gravity (+ centrifugal) over the gap */
        for (int a = 0; a < 3; a++) {
            s.x[a] = pos[a];
            s.x[3 + a] = (pos[a] - c.pos[a]) / dt + 0.5 * g[a] * dt;
        }
        double vq =
            30.0 * 30.0 + pow(0.5 * INIT_ACC_MPS2 * dt, 2); /* unknown thrust over the gap */
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                s.P[a][b] = Pp[a][b];
                s.P[a][3 + b] = s.P[3 + a][b] = Pp[a][b] / dt;
                s.P[3 + a][3 + b] = (Pp[a][b] + c.P[a][b]) / (dt * dt) + (a == b ? vq : 0.0);
            }
        tl__sym6(s.P);
        if (!tl_cov_check(s.P))
            return;
        int c_sensor = c.sensor;
        /* low and climbing: most likely a missile in boost */
        tl_geodetic gi;
        tl_ecef_to_geodetic(s.x, &gi);
        double up = (s.x[0] * s.x[3] + s.x[1] * s.x[4] + s.x[2] * s.x[5]) /
                    sqrt(s.x[0] * s.x[0] + s.x[1] * s.x[1] + s.x[2] * s.x[2]);
        int boost = gi.h_m < 100e3 && up > 0.0;
        double mu[TL_IMM_MODES] = {0.5, 0.3, 0.2}, mu_b[TL_IMM_MODES] = {0.15, 0.8, 0.05};
        trk *k = track_new(t, &s, boost ? mu_b : mu, sensor);
        if (!k)
            return;
        if (boost)
            k->a_thrust = THRUST_PRIOR_MPS2;
        k->sensor_mask |= 1ull << c_sensor;
        k->hist = 1;  /* the pair is one hit: two more plots must follow it (a pair of */
        k->n_opp = 1; /* plots of two missiles rarely survives that) */
        k->n_updates = 2;
        k->t_first = c.t;
        k->phase = TL_PHASE_MIDCOURSE;
        emit(t, k);
        return;
    }
    if (t->n_cues > 0 && cued(t, m->t_ns, pos)) {
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                s.P[a][b] = Pp[a][b];
        for (int a = 0; a < 3; a++) {
            s.x[a] = pos[a];
            s.P[3 + a][3 + a] = 1500.0 * 1500.0; /* boost: speed unknown up to ~3 km/s */
        }
        if (!tl_cov_check(s.P))
            return;
        double mu[TL_IMM_MODES] = {0.05, 0.9, 0.05};
        trk *k = track_new(t, &s, mu, sensor);
        if (!k)
            return;
        k->hist = 1;
        k->n_opp = 1;
        k->n_updates = 1;
        k->ir_cued = 1;
        k->a_thrust = THRUST_PRIOR_MPS2;
        k->phase = TL_PHASE_BOOST;
        emit(t, k);
        return;
    }
    /* store for a later pairing (replace the oldest when full) */
    size_t slot = t->n_cands;
    if (slot >= MAX_CANDS) {
        slot = 0;
        for (size_t i = 1; i < t->n_cands; i++)
            if (t->cands[i].t < t->cands[slot].t)
                slot = i;
    } else {
        t->n_cands++;
    }
    cand *c = &t->cands[slot];
    c->t = m->t_ns;
    memcpy(c->pos, pos, sizeof c->pos);
    memcpy(c->P, Pp, sizeof c->P);
    c->sensor = sensor;
}

/* -------------------------------------------------------------- scan cycle ---- */

/* Heap sort of plot indices by ECEF x (no allocation, O(n log n)). */
static void sort_by_x(int32_t *idx, size_t n, double (*pos)[3])
{
    for (size_t start = n / 2; start-- > 0;) {
        size_t root = start;
        for (;;) {
            size_t c = 2 * root + 1;
            if (c >= n)
                break;
            if (c + 1 < n && pos[idx[c + 1]][0] > pos[idx[c]][0])
                c++;
            if (pos[idx[root]][0] >= pos[idx[c]][0])
                break;
            int32_t tmp = idx[root];
            idx[root] = idx[c];
            idx[c] = tmp;
            root = c;
        }
    }
    for (size_t end = n; end-- > 1;) {
        int32_t tmp = idx[0];
        idx[0] = idx[end];
        idx[end] = tmp;
        size_t root = 0;
        for (;;) {
            size_t c = 2 * root + 1;
            if (c >= end)
                break;
            if (c + 1 < end && pos[idx[c + 1]][0] > pos[idx[c]][0])
                c++;
            if (pos[idx[root]][0] >= pos[idx[c]][0])
                break;
            tmp = idx[root];
            idx[root] = idx[c];
            idx[c] = tmp;
            root = c;
        }
    }
}

static int popcount16(unsigned v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

static void maybe_confirm(tl_tracker *t, trk *k)
{
    if (k->status != TL_TRACK_TENTATIVE)
        return;
    if (popcount16(k->hist) >= t->cfg.confirm_m) {
        k->status = TL_TRACK_CONFIRMED;
        k->t_confirmed = k->t_last_upd;
        t->st.tracks_confirmed++;
    }
}

/* Duplicate suppression: a recently confirmed track k whose state agrees with an
 * older confirmed track (position and velocity both inside the 99.9% chi-square(3)
 * region of the summed covariances, the older one extrapolated linearly with a
 * gravity-sized margin) is the same object seen twice: delete k, the younger.
 * Checked for tracks confirmed within the last two minutes. Candidates come from a
 * per-scan index of confirmed tracks sorted by ECEF x, so a scan costs
 * O(T log T) once plus a local search per checked track. */
static void dup_index_build(tl_tracker *t, int64_t now)
{
    size_t n = 0;
    double maxtr = 0.0, maxdt = 0.0;
    for (size_t i = 0; i < t->n_live; i++) {
        int32_t slot = t->live[i];
        const trk *o = &t->pool[slot];
        if (o->status != TL_TRACK_CONFIRMED)
            continue;
        const tl_state_est *m0 = &o->imm.mode[TL_IMM_BALLISTIC];
        double dt = tl__dt_s(now, m0->t_ns);
        for (int u = 0; u < 3; u++)
            t->dup_pos[slot][u] = m0->x[u] + m0->x[3 + u] * dt;
        double tr = m0->P[0][0] + m0->P[1][1] + m0->P[2][2];
        maxtr = tr > maxtr ? tr : maxtr;
        maxdt = fabs(dt) > maxdt ? fabs(dt) : maxdt;
        t->dup_order[n++] = slot;
    }
    sort_by_x(t->dup_order, n, t->dup_pos);
    t->n_dup = n;
    t->dup_margin = 2e3 + 6.0 * sqrt(maxtr) + 5.0 * maxdt * maxdt;
    t->dup_built = 1;
}

static int same_object(const tl_state_est *a, const tl_state_est *b, int n_blocks)
{
    double dt = tl__dt_s(a->t_ns, b->t_ns);
    double margin = 0.5 * 10.0 * dt * dt, vmargin = 10.0 * fabs(dt);
    for (int blk = 0; blk < n_blocks; blk++) {
        double d[3], S[3][3], L[9];
        for (int u = 0; u < 3; u++) {
            int iu = 3 * blk + u;
            double xb = b->x[iu] + (blk == 0 ? b->x[3 + u] * dt : 0.0);
            d[u] = a->x[iu] - xb;
            for (int v = 0; v < 3; v++) {
                int iv = 3 * blk + v;
                S[u][v] = a->P[iu][iv] + b->P[iu][iv];
                if (blk == 0)
                    S[u][v] +=
                        b->P[3 + u][3 + v] * dt * dt + b->P[u][3 + v] * dt + b->P[3 + u][v] * dt;
            }
            S[u][u] += blk == 0 ? margin * margin : vmargin * vmargin;
        }
        if (tl__chol(3, &S[0][0], 3, L, 3) != 0)
            return 0;
        double y[3] = {d[0], d[1], d[2]};
        tl__chol_solve(3, L, 3, y, 1, 1);
        if (!(d[0] * y[0] + d[1] * y[1] + d[2] * y[2] < 16.27)) /* chi2(3) 0.999 */
            return 0;
    }
    return 1;
}

static int is_duplicate(tl_tracker *t, const trk *k, int64_t now)
{
    if (k->status != TL_TRACK_CONFIRMED || tl__dt_s(now, k->t_confirmed) > 120.0)
        return 0;
    if (!t->dup_built)
        dup_index_build(t, now);
    tl_state_est a;
    tl_imm_combine(&k->imm, &a);
    double dta = tl__dt_s(now, a.t_ns), xa[3];
    for (int u = 0; u < 3; u++)
        xa[u] = a.x[u] + a.x[3 + u] * dta;
    double lim = t->dup_margin + 6.0 * sqrt(a.P[0][0] + a.P[1][1] + a.P[2][2]);
    size_t lo = 0, hi = t->n_dup;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->dup_pos[t->dup_order[mid]][0] < xa[0] - lim)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t q = lo; q < t->n_dup; q++) {
        int32_t slot = t->dup_order[q];
        const double *p = t->dup_pos[slot];
        if (p[0] > xa[0] + lim)
            break;
        const trk *o = &t->pool[slot];
        /* deleted since the index was built, itself, or younger than k */
        if (o == k || o->status != TL_TRACK_CONFIRMED || o->id > k->id)
            continue;
        if (fabs(p[1] - xa[1]) > lim || fabs(p[2] - xa[2]) > lim)
            continue;
        tl_state_est b;
        tl_imm_combine(&o->imm, &b);
        if (same_object(&a, &b, k->n_updates < DUP_YOUNG_UPDATES ? 1 : 2))
            return 1;
    }
    return 0;
}

/* 1 if a terminal-phase track's last estimate, flown straight on, is below the
 * ellipsoid at now (linear extrapolation: re-entry ends within seconds). */
static int below_ground(const trk *k, int64_t now)
{
    tl_state_est c;
    tl_imm_combine(&k->imm, &c);
    double dt = tl__dt_s(now, c.t_ns), x[3];
    for (int a = 0; a < 3; a++)
        x[a] = c.x[a] + c.x[3 + a] * dt;
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    return g.h_m < 0.0;
}

/* Input estimate of the thrust acceleration after an update: the change of the
 * THRUST mode's velocity since its previous update, less gravity and the
 * rotating-frame terms, projected on the thrust direction, is the mean thrust
 * over the interval (observation noise 2 u^T P_vv u / dt^2 from the mode's
 * velocity covariance); a scalar Kalman filter carries the estimate a_thrust and
 * its variance a_var between updates by the rocket law, with a random walk for
 * the law's error (the net along-track force also grows as drag falls away) and
 * a fading memory where the innovation says the thrust changed (cut-off,
 * staging): the variance is raised to the innovation's excess over the noise. */
static void thrust_estimate(trk *k, int64_t now, double ve)
{
    const tl_state_est *m = &k->imm.mode[TL_IMM_THRUST];
    if (k->t_thr) {
        double dt = tl__dt_s(now, k->t_thr);
        if (!(dt > 0.5))
            return; /* keep the older reference: a longer baseline */
        tl_dyn_model dm;
        tl_dyn_model_default(&dm);
        dm.flags &= ~(unsigned)TL_DYN_DRAG;
        double g[3], u[3], pvv = 0.0;
        tl_dyn_accel(&dm, m->x, g);
        tl__thrust_dir(m->x, u);
        double a = 0.0; /* mean over the interval */
        for (int i = 0; i < 3; i++) {
            a += ((m->x[3 + i] - k->v_thr[i]) / dt - g[i]) * u[i];
            for (int j = 0; j < 3; j++)
                pvv += u[i] * m->P[3 + i][3 + j] * u[j];
        }
        if (a > 0.0 && ve > 0.0) /* to the end of the interval: + a' dt / 2 */
            a += 0.5 * a * a / ve * dt;
        if (a < -THRUST_MAX_MPS2) /* unclamped below 0: the mean is 0 when coasting */
            a = -THRUST_MAX_MPS2;
        if (a > THRUST_MAX_MPS2)
            a = THRUST_MAX_MPS2;
        double pred = k->a_thrust > 0.0 ? tl_thrust_acc_after(k->a_thrust, ve, dt) : k->a_thrust;
        if (pred > THRUST_MAX_MPS2)
            pred = THRUST_MAX_MPS2;
        double grow = k->a_thrust > 0.0 ? pred / k->a_thrust : 1.0;
        double var = k->a_var * grow * grow + THRUST_JERK_MPS3 * THRUST_JERK_MPS3 * dt * dt +
                     THRUST_Q_RW * dt;
        double R = 2.0 * pvv / (dt * dt), r = a - pred;
        if (r * r > 9.0 * (var + R)) /* the thrust changed: forget the past */
            var = r * r - R;
        double K = var / (var + R);
        k->a_thrust = pred + K * r;
        k->a_var = (1.0 - K) * var;
    }
    memcpy(k->v_thr, m->x + 3, sizeof k->v_thr);
    k->t_thr = now;
}

/* Ballistic-coefficient estimate after an update of an unpowered track, in log
 * space (beta spans 20 kg/m^2 debris to 20,000 kg/m^2 RVs; a relative error is
 * what the drag noise needs): the combined estimate's velocity change since the
 * reference, less gravity and the rotating-frame terms, along the velocity, is
 * the drag deceleration a = -qdyn exp(lb), qdyn = rho v^2 / 2. A scalar EKF on
 * lb: H = da/dlb = -qdyn exp(lb), observation noise from the velocity covariance
 * of both ends (2 u^T P_vv u / dt^2, conservative: the two are correlated), a
 * random-walk drift DRAG_LN_Q. Only where drag at DRAG_BETA_MIN would exceed
 * DRAG_MIN_MPS2 (below ~90 km for a re-entering RV): above, the deceleration is
 * noise and the prior stands. */
static void drag_estimate(trk *k, int64_t now)
{
    tl_state_est m;
    tl_imm_combine(&k->imm, &m);
    if (k->t_thr) {
        double dt = tl__dt_s(now, k->t_thr);
        if (!(dt > 0.5))
            return;
        tl_geodetic g0;
        tl_ecef_to_geodetic(m.x, &g0);
        double v2 = m.x[3] * m.x[3] + m.x[4] * m.x[4] + m.x[5] * m.x[5];
        double qdyn = 0.5 * tl_atmo_density(g0.h_m) * v2;
        if (qdyn / DRAG_BETA_MIN > DRAG_MIN_MPS2) {
            tl_dyn_model dm;
            tl_dyn_model_default(&dm);
            dm.flags &= ~(unsigned)TL_DYN_DRAG;
            double g[3], u[3], a = 0.0, pvv = 0.0;
            tl_dyn_accel(&dm, m.x, g);
            tl__thrust_dir(m.x, u);
            for (int i = 0; i < 3; i++) {
                a += ((m.x[3 + i] - k->v_thr[i]) / dt - g[i]) * u[i];
                for (int j = 0; j < 3; j++)
                    pvv += u[i] * m.P[3 + i][3 + j] * u[j];
            }
            double var = k->lb_var + DRAG_LN_Q * dt;
            double H = -qdyn * exp(k->lb), R = 2.0 * pvv / (dt * dt);
            double S = H * H * var + R, Kg = var * H / S;
            double step = Kg * (a - H); /* H is also the predicted deceleration */
            if (step > DRAG_LN_STEP)
                step = DRAG_LN_STEP;
            if (step < -DRAG_LN_STEP)
                step = -DRAG_LN_STEP;
            double lb = k->lb + step;
            if (lb > -log(DRAG_BETA_MIN))
                lb = -log(DRAG_BETA_MIN);
            if (lb < -log(DRAG_BETA_MAX))
                lb = -log(DRAG_BETA_MAX);
            k->lb = lb;
            k->lb_var = (1.0 - Kg * H) * var;
            k->drag_n++;
        }
    }
    memcpy(k->v_thr, m.x + 3, sizeof k->v_thr);
    k->t_thr = now;
}

/* Process one scan: n plots, same sensor, same time. */
static void process_scan(tl_tracker *t, const tl_plot *plots, size_t n)
{
    int64_t now = plots[0].t_ns;
    int sensor = sensor_index(t, plots[0].sensor_id);
    t->st.scans++;
    t->st.plots_processed += n;
    double max_prad = 0.0;
    size_t n_pos = 0;
    int any_ir = 0;
    for (size_t j = 0; j < n; j++) {
        tl_meas_from_plot(&plots[j], &t->meas[j]);
        double P3[3][3];
        t->has_pos[j] = tl_meas_position(&t->meas[j], t->ppos[j], P3) == 0;
        if (t->has_pos[j]) {
            t->prad[j] = 5.0 * sqrt(P3[0][0] + P3[1][1] + P3[2][2]);
            if (t->prad[j] > max_prad)
                max_prad = t->prad[j];
            t->order[n_pos++] = (int32_t)j;
        } else {
            any_ir = 1;
        }
    }
    sort_by_x(t->order, n_pos, t->ppos);

    /* coarse gate, predict candidates, fine gate -> edges */
    size_t n_rows = 0, n_edges = 0;
    const tl_filter_ops *ops = t->cfg.imm.ops;
    for (size_t li = 0; li < t->n_live; li++) {
        int32_t slot = t->live[li];
        trk *k = &t->pool[slot];
        k->touched = 0;
        tl_state_est c;
        tl_imm_combine(&k->imm, &c);
        double dt = tl__dt_s(now, c.t_ns);
        double xp[3];
        for (int a = 0; a < 3; a++)
            xp[a] = c.x[a] + c.x[3 + a] * dt;
        double rad = 5.0 * sqrt(c.P[0][0] + c.P[1][1] + c.P[2][2]) +
                     5.0 * sqrt(c.P[3][3] + c.P[4][4] + c.P[5][5]) * fabs(dt) +
                     0.5 * 60.0 * dt * dt + 1000.0 + max_prad;
        /* binary search the first plot with x >= xp - rad */
        size_t lo = 0, hi = n_pos;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (t->ppos[t->order[mid]][0] < xp[0] - rad)
                lo = mid + 1;
            else
                hi = mid;
        }
        int near = any_ir;
        for (size_t q = lo; q < n_pos && !near; q++) {
            const double *pp = t->ppos[t->order[q]];
            if (pp[0] > xp[0] + rad)
                break;
            if (fabs(pp[1] - xp[1]) <= rad && fabs(pp[2] - xp[2]) <= rad)
                near = 1;
        }
        if (!near)
            continue;
        /* model set for this step: THRUST until the track has been ballistic for
         * 30 s above 100 km; REENTRY only where drag can matter (below ~150 km) */
        unsigned active = 1u << TL_IMM_BALLISTIC;
        if (!k->thrust_off)
            active |= 1u << TL_IMM_THRUST;
        {
            double r = sqrt(c.x[0] * c.x[0] + c.x[1] * c.x[1] + c.x[2] * c.x[2]);
            double vr = (c.x[0] * c.x[3] + c.x[1] * c.x[4] + c.x[2] * c.x[5]) / r;
            double sphi2 = c.x[2] * c.x[2] / (r * r);
            double h = r - TL_WGS84_A * (1.0 - TL_WGS84_F * sphi2) + vr * dt;
            if (h < 150e3)
                active |= 1u << TL_IMM_REENTRY;
        }
        const tl_imm_config *ic = &t->cfg.imm;
        tl_imm_config icb;
        if (!k->thrust_off) {
            icb = t->imm_boost;
            /* the estimate is at the last update (t_thr); the step starts at the
             * THRUST mode's time */
            double a0 = k->a_thrust > 0.0 ? k->a_thrust : 0.0;
            if (k->t_thr && a0 > 0.0)
                a0 = tl_thrust_acc_after(a0, icb.motion[TL_IMM_THRUST].thrust_ve_mps,
                                         tl__dt_s(k->imm.mode[TL_IMM_THRUST].t_ns, k->t_thr));
            a0 = a0 < THRUST_MAX_MPS2 ? a0 : THRUST_MAX_MPS2;
            icb.motion[TL_IMM_THRUST].thrust_acc_mps2 = a0;
            /* the thrust's uncertainty scales with its size (burnout and
             * staging cut it to 0 or a fraction within a second) */
            /* plus the estimate's own variance */
            double sa2 = THRUST_REL * a0 * THRUST_REL * a0 + k->a_var;
            icb.motion[TL_IMM_THRUST].q_acc += sa2 * THRUST_CORR_S;
            ic = &icb;
        }
        /* the unpowered modes fly the track's ballistic coefficient; BALLISTIC
         * with the estimate's relative uncertainty (sigma of ln beta) as drag
         * noise, never below the configured floor */
        if (active & (1u << TL_IMM_REENTRY)) {
            if (ic != &icb) {
                icb = *ic;
                ic = &icb;
            }
            double beta = exp(-k->lb), rel = sqrt(k->lb_var);
            icb.motion[TL_IMM_REENTRY].dyn.beta_kg_m2 = beta;
            icb.motion[TL_IMM_BALLISTIC].dyn.beta_kg_m2 = beta;
            if (rel > icb.motion[TL_IMM_BALLISTIC].q_drag_rel)
                icb.motion[TL_IMM_BALLISTIC].q_drag_rel = rel;
        }
        if (tl_imm_predict_active(ic, &k->imm, now, active) != TL_OK)
            continue;
        k->touched = 1;
        tl_imm_combine(&k->imm, &c);
        int row = (int)n_rows++;
        t->row_slot[row] = slot;
        /* fine gate on every plot inside the box (and every IR plot) */
        for (size_t j = 0; j < n; j++) {
            if (t->has_pos[j]) {
                const double *pp = t->ppos[j];
                if (fabs(pp[0] - xp[0]) > rad || fabs(pp[1] - xp[1]) > rad ||
                    fabs(pp[2] - xp[2]) > rad)
                    continue;
            }
            tl_innov in;
            if (ops->innovation(&c, &t->meas[j], &in) != TL_OK)
                continue;
            if (in.d2 <= t->gate[t->meas[j].nz] && n_edges < t->max_edges)
                t->edges[n_edges++] = (tl_assign_edge){(uint32_t)row, (uint32_t)j, in.d2};
        }
    }

    double miss = 0.5 * t->gate[4] + 1.0; /* every gated pair is worth taking */
    for (size_t j = 0; j < n; j++)
        t->c2r[j] = -1;
    if (n_rows > 0 && n_edges > 0)
        tl_assign_sparse(n_rows, n, t->edges, n_edges, miss, t->r2c, t->c2r, t->ws, NULL);
    else
        for (size_t r = 0; r < n_rows; r++)
            t->r2c[r] = -1;

    /* updates */
    for (size_t r = 0; r < n_rows; r++) {
        int32_t j = t->r2c[r];
        if (j < 0)
            continue;
        trk *k = &t->pool[t->row_slot[r]];
        if (tl_imm_update(&t->cfg.imm, &k->imm, &t->meas[j]) != TL_OK) {
            t->st.update_failures++;
            t->r2c[r] = -1;
            continue;
        }
        t->st.plots_assigned++;
        k->touched = 2;
        k->t_last_upd = now;
        k->n_updates++;
        k->sensor_mask |= 1ull << sensor;
        if (!k->thrust_off)
            thrust_estimate(k, now, t->imm_boost.motion[TL_IMM_THRUST].thrust_ve_mps);
        else
            drag_estimate(k, now);
        tl_state_est c;
        tl_imm_combine(&k->imm, &c);
        /* BOOST while the THRUST mode dominates and the target climbs, until
         * the track has been seen coasting (thrust_off latched below): a
         * re-entry or a late manoeuvre is never taken for boost */
        k->phase = (uint8_t)tl_track_phase(c.x, k->thrust_off ? 0.0 : k->imm.mu[TL_IMM_THRUST],
                                           k->was_midcourse);
        /* THRUST off once the track has been unpowered (thrust estimate under
         * THRUST_OFF_MPS2 and the unpowered modes holding the larger share) for
         * 30 s above 20 km: SRBMs burn out at 25-40 km and never leave the
         * atmosphere */
        if (!k->thrust_off) {
            int coasting = k->imm.mu[TL_IMM_THRUST] < 0.5 && fabs(k->a_thrust) < THRUST_OFF_MPS2;
            if (coasting) {
                tl_geodetic g;
                tl_ecef_to_geodetic(c.x, &g);
                coasting = g.h_m > 20e3;
            }
            if (!coasting)
                k->t_ballistic = 0;
            else if (!k->t_ballistic)
                k->t_ballistic = now;
            else if (tl__dt_s(now, k->t_ballistic) > 30.0)
                k->thrust_off = k->was_midcourse = 1;
        }
    }

    /* radar plots inside a confirmed track's gate: not for initiation (below) */
    for (size_t e = 0; e < n_edges; e++) {
        uint32_t j = t->edges[e].col;
        if (t->has_pos[j] && t->pool[t->row_slot[t->edges[e].row]].status == TL_TRACK_CONFIRMED)
            t->has_pos[j] = 2;
    }

    /* M-of-N bookkeeping, confirmation, deletion */
    t->dup_built = 0;
    for (size_t li = 0; li < t->n_live;) {
        trk *k = &t->pool[t->live[li]];
        if ((k->sensor_mask & (1ull << sensor)) && k->status == TL_TRACK_TENTATIVE &&
            k->n_opp < t->cfg.confirm_n) {
            k->hist = (uint16_t)((k->hist << 1) | (k->touched == 2));
            k->n_opp++;
            maybe_confirm(t, k);
        }
        /* duplicate check before the row goes out: a track confirmed this scan
         * as a copy of an older one never reports as confirmed */
        if (k->touched == 2 && is_duplicate(t, k, now)) {
            t->st.duplicates_removed++;
            track_delete(t, li);
            continue;
        }
        if (k->touched == 2)
            emit(t, k);
        double idle = tl__dt_s(now, k->t_last_upd);
        if (k->phase == TL_PHASE_TERMINAL && idle > 2.0 && below_ground(k, now)) {
            track_delete(t, li); /* impacted: no ghost tracks under the surface */
            continue;
        }
        int dead = (k->status == TL_TRACK_TENTATIVE &&
                    (idle > t->cfg.coast_tentative_s || k->n_opp >= t->cfg.confirm_n)) ||
                   (k->status == TL_TRACK_CONFIRMED && idle > t->cfg.coast_confirmed_s) ||
                   (!k->thrust_off && idle > t->cfg.coast_boost_s &&
                    (k->phase == TL_PHASE_BOOST || k->imm.mu[TL_IMM_THRUST] > 0.1));
        if (dead) {
            track_delete(t, li);
            continue;
        }
        li++;
    }

    /* unassigned plots: IR -> cues, radar -> initiator */
    for (size_t j = 0; j < n; j++) {
        if (t->c2r[j] >= 0 && t->pool[t->row_slot[t->c2r[j]]].touched == 2)
            continue;
        if (!t->has_pos[j]) {
            if (t->meas[j].kind == TL_PLOT_IR)
                add_cue(t, &t->meas[j]);
            continue;
        }
        /* a plot that fell in a confirmed track's gate but went to no track is
         * a second return near that object (a stage or RV flying with it, a
         * false alarm): a track started from it is a copy of the confirmed one
         * fed by the neighbour's plots, with the velocity of two plots of
         * different objects (the usual rule of GNN trackers: initiate only
         * from plots outside confirmed tracks' gates; Blackman & Popoli 1999,
         * ch. 6) */
        if (t->has_pos[j] == 2) {
            t->st.init_suppressed++;
            continue;
        }
        double P3[3][3], pos[3];
        tl_meas_position(&t->meas[j], pos, P3);
        initiate(t, &t->meas[j], pos, P3, sensor);
    }
}

/* ----------------------------------------------------------- reorder buffer ---- */

static int plot_less(const tl_plot *a, const tl_plot *b)
{
    if (a->t_ns != b->t_ns)
        return a->t_ns < b->t_ns;
    int c = strncmp(a->sensor_id, b->sensor_id, TL_ID_LEN);
    if (c != 0)
        return c < 0;
    return a->plot_id < b->plot_id;
}

static void heap_push(tl_tracker *t, int32_t slot)
{
    size_t k = t->n_heap++;
    t->heap[k] = slot;
    while (k > 0) {
        size_t p = (k - 1) / 2;
        if (!plot_less(&t->slots[t->heap[k]], &t->slots[t->heap[p]]))
            break;
        int32_t tmp = t->heap[k];
        t->heap[k] = t->heap[p];
        t->heap[p] = tmp;
        k = p;
    }
}

static int32_t heap_pop(tl_tracker *t)
{
    int32_t top = t->heap[0];
    t->heap[0] = t->heap[--t->n_heap];
    size_t k = 0;
    for (;;) {
        size_t l = 2 * k + 1, r = l + 1, b = k;
        if (l < t->n_heap && plot_less(&t->slots[t->heap[l]], &t->slots[t->heap[b]]))
            b = l;
        if (r < t->n_heap && plot_less(&t->slots[t->heap[r]], &t->slots[t->heap[b]]))
            b = r;
        if (b == k)
            break;
        int32_t tmp = t->heap[k];
        t->heap[k] = t->heap[b];
        t->heap[b] = tmp;
        k = b;
    }
    return top;
}

/* Pop and process the earliest scan (all buffered plots sharing its time and sensor). */
static void release_one_scan(tl_tracker *t)
{
    size_t n = 0;
    const tl_plot *first = &t->slots[t->heap[0]];
    int64_t ts = first->t_ns;
    char sid[TL_ID_LEN];
    memcpy(sid, first->sensor_id, TL_ID_LEN);
    while (t->n_heap > 0 && n < t->cfg.max_scan) {
        const tl_plot *p = &t->slots[t->heap[0]];
        if (p->t_ns != ts || strncmp(p->sensor_id, sid, TL_ID_LEN) != 0)
            break;
        int32_t slot = heap_pop(t);
        t->scan[n++] = t->slots[slot];
        t->free_slots[t->n_free++] = slot;
    }
    t->watermark_t = ts;
    t->have_watermark = 1;
    process_scan(t, t->scan, n);
}

static void release(tl_tracker *t, int all)
{
    while (t->n_heap > 0) {
        const tl_plot *p = &t->slots[t->heap[0]];
        /* strict: a scan at the newest time may still be growing */
        if (!all && p->t_ns >= t->newest_t - t->cfg.reorder_window_ns)
            break;
        release_one_scan(t);
    }
}

void tl_tracker_flush(tl_tracker *t)
{
    release(t, 1);
}

static int reject(tl_tracker *t, tl_reject why, const tl_plot *p, tl_err *err)
{
    t->st.plots_rejected++;
    t->st.rejected[why]++;
    return tl_err_set(err, TL_EINVAL, "plot %llu from sensor '%.*s' at t_ns %lld rejected: %s",
                      p ? (unsigned long long)p->plot_id : 0ull, TL_ID_LEN, p ? p->sensor_id : "",
                      p ? (long long)p->t_ns : 0ll, tl_reject_name(why));
}

int tl_tracker_add_plot(tl_tracker *t, const tl_plot *p, tl_err *err)
{
    t->st.plots_in++;
    int bad = tl_tracker_check_plot(p);
    if (bad)
        return reject(t, (tl_reject)(bad - 1), p, err);
    if (t->cfg.nation[0] && strncmp(t->cfg.nation, p->nation, TL_NATION_LEN) != 0)
        return reject(t, TL_REJECT_NATION, p, err);
    if (t->have_watermark && p->t_ns < t->watermark_t)
        return reject(t, TL_REJECT_LATE, p, err);
    if (t->have_newest && p->t_ns > t->newest_t &&
        (uint64_t)(p->t_ns - t->newest_t) > (uint64_t)t->cfg.max_future_ns)
        return reject(t, TL_REJECT_FUTURE, p, err);
    if (sensor_index(t, p->sensor_id) < 0)
        return reject(t, TL_REJECT_SENSORS, p, err);
    if (t->n_free == 0)
        release_one_scan(t); /* buffer full: the window shrinks, order is still kept */
    if (t->have_watermark && p->t_ns < t->watermark_t)
        return reject(t, TL_REJECT_LATE, p, err);
    int32_t slot = t->free_slots[--t->n_free];
    t->slots[slot] = *p;
    heap_push(t, slot);
    if (!t->have_newest || p->t_ns > t->newest_t) {
        t->newest_t = p->t_ns;
        t->have_newest = 1;
    }
    release(t, 0);
    return TL_OK;
}
