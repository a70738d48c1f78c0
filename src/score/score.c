/* score.c — tracking metrics against truth (see score.h for the method).
 * OSPA: Schuhmacher, Vo & Vo, IEEE TSP 56(8) 2008, computed exactly with the
 * sparse assignment: with miss cost c^p / 2 per unmatched item and edges only for
 * d < c, the assignment total plus c^p |m - n| / 2 equals the OSPA sum
 * min sum d_c^p + c^p |m - n|. Truth between samples: cubic Hermite on position
 * and velocity. Offline tool: allocates freely (not on any per-plot path). */
#include "trilink/score.h"
#include "trilink/assoc.h"
#include "trilink/dynamics.h"

#include "filter/filter_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void tl_score_config_default(tl_score_config *c)
{
    c->gate_m = 20e3;
    c->ospa_c_m = 10e3;
    c->ospa_p = 2.0;
    c->stale_s = 30.0;
}

static int cmp_truth(const void *a, const void *b)
{
    const tl_score_truth *x = a, *y = b;
    int c = strncmp(x->object_id, y->object_id, TL_ID_LEN);
    if (c)
        return c;
    return (x->t_ns > y->t_ns) - (x->t_ns < y->t_ns);
}

static int cmp_track(const void *a, const void *b)
{
    const tl_score_track *x = a, *y = b;
    if (x->t_ns != y->t_ns)
        return (x->t_ns > y->t_ns) - (x->t_ns < y->t_ns);
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

typedef struct obj {
    size_t first, n;       /* rows in the sorted truth */
    size_t alive, matched;
    int64_t t_conf;
    long last_track;
    int n_tracks, breaks;
    double se_pos, se_vel;
    size_t n_err;
    double nees_ph[TL_SCORE_PHASES];
    size_t n_nees_ph[TL_SCORE_PHASES];
} obj;

/* Truth of object o at t (cubic Hermite between samples). 0 if outside its span.
 * *phase gets the phase of the sample at or before t. */
static int truth_at(const tl_score_truth *tr, const obj *o, int64_t t, double x[6], int *phase)
{
    const tl_score_truth *r = tr + o->first;
    if (t < r[0].t_ns || t > r[o->n - 1].t_ns)
        return 0;
    size_t lo = 0, hi = o->n - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (r[mid].t_ns <= t)
            lo = mid;
        else
            hi = mid;
    }
    *phase = r[lo].phase;
    if (o->n == 1 || r[lo].t_ns == t) {
        memcpy(x, r[lo].x_ecef, 6 * sizeof(double));
        return 1;
    }
    double h = (double)(r[hi].t_ns - r[lo].t_ns) * 1e-9, s = (double)(t - r[lo].t_ns) * 1e-9 / h;
    double s2 = s * s, s3 = s2 * s;
    double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2,
           h11 = s3 - s2;
    double d00 = (6 * s2 - 6 * s) / h, d10 = 3 * s2 - 4 * s + 1, d01 = (-6 * s2 + 6 * s) / h,
           d11 = 3 * s2 - 2 * s;
    for (int i = 0; i < 3; i++) {
        double p0 = r[lo].x_ecef[i], p1 = r[hi].x_ecef[i];
        double v0 = r[lo].x_ecef[3 + i], v1 = r[hi].x_ecef[3 + i];
        x[i] = h00 * p0 + h10 * h * v0 + h01 * p1 + h11 * h * v1;
        x[3 + i] = d00 * p0 + d10 * v0 + d01 * p1 + d11 * v1;
    }
    return 1;
}

static double dist3(const double a[3], const double b[3])
{
    return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                (a[2] - b[2]) * (a[2] - b[2]));
}

int tl_score_run(const tl_score_truth *truth, size_t n_truth, const tl_score_track *tracks,
                 size_t n_tracks, const tl_score_config *cfg_in, tl_score_result *res,
                 tl_score_object *objects, size_t cap_objects, tl_score_scan_cb cb, void *ctx)
{
    if ((!truth && n_truth) || (!tracks && n_tracks) || !res)
        return TL_EINVAL;
    tl_score_config cfg;
    if (cfg_in)
        cfg = *cfg_in;
    else
        tl_score_config_default(&cfg);
    if (!(cfg.gate_m > 0) || !(cfg.ospa_c_m > 0) || !(cfg.ospa_p >= 1))
        return TL_EINVAL;
    memset(res, 0, sizeof *res);
    int rc = TL_ENOMEM;
    tl_score_truth *tr = malloc((n_truth + 1) * sizeof *tr);
    tl_score_track *tk = malloc((n_tracks + 1) * sizeof *tk);
    uint32_t *ids = malloc((n_tracks + 1) * sizeof *ids);
    obj *ob = NULL;
    long *last_row = NULL, *last_obj = NULL, *row_of = NULL;
    int *dead = NULL, *cnt = NULL;
    tl_assign_edge *edges = NULL;
    int32_t *r2c = NULL, *c2r = NULL;
    void *ws = NULL;
    double (*tx)[6] = NULL, (*kx)[6] = NULL;
    int *tph = NULL;
    long *live = NULL, *alive = NULL;
    if (!tr || !tk || !ids)
        goto out;
    memcpy(tr, truth, n_truth * sizeof *tr);
    memcpy(tk, tracks, n_tracks * sizeof *tk);
    qsort(tr, n_truth, sizeof *tr, cmp_truth);
    qsort(tk, n_tracks, sizeof *tk, cmp_track);
    /* objects */
    size_t n_obj = 0;
    for (size_t i = 0; i < n_truth; i++)
        if (i == 0 || strncmp(tr[i].object_id, tr[i - 1].object_id, TL_ID_LEN))
            n_obj++;
    ob = calloc(n_obj + 1, sizeof *ob);
    if (!ob)
        goto out;
    for (size_t i = 0, o = 0; i < n_truth; i++) {
        if (i > 0 && strncmp(tr[i].object_id, tr[i - 1].object_id, TL_ID_LEN))
            o++;
        if (ob[o].n == 0)
            ob[o].first = i;
        ob[o].n++;
        ob[o].last_track = -1;
    }
    /* track ids */
    /* a track is an id with at least one estimate row: a deletion row alone
     * (a tentative track's end, or a duplicate removed at confirmation) is not */
    size_t n_id = 0, n_est = 0;
    for (size_t i = 0; i < n_tracks; i++)
        if (!tk[i].deleted)
            ids[n_est++] = tk[i].id;
    qsort(ids, n_est, sizeof *ids, cmp_u32);
    for (size_t i = 0; i < n_est; i++)
        if (i == 0 || ids[i] != ids[i - 1])
            ids[n_id++] = ids[i];
    if (n_obj && n_id && n_obj * n_id > 100000000u)
        goto out;
    last_row = malloc((n_id + 1) * sizeof *last_row);
    last_obj = malloc((n_id + 1) * sizeof *last_obj);
    row_of = malloc((n_id + 1) * sizeof *row_of);
    dead = calloc(n_id + 1, sizeof *dead);
    cnt = calloc(n_id * n_obj + 1, sizeof *cnt);
    size_t max_edges = n_id * n_obj + 1;
    if (max_edges > 4000000)
        max_edges = 4000000;
    edges = malloc(max_edges * sizeof *edges);
    r2c = malloc((n_id + 1) * sizeof *r2c);
    c2r = malloc((n_obj + 1) * sizeof *c2r);
    ws = malloc(tl_assign_workspace_size(n_id, n_obj, max_edges) + 16);
    tx = malloc((n_obj + 1) * sizeof *tx);
    tph = malloc((n_obj + 1) * sizeof *tph);
    kx = malloc((n_id + 1) * sizeof *kx);
    live = malloc((n_id + 1) * sizeof *live);
    alive = malloc((n_obj + 1) * sizeof *alive);
    if (!last_row || !last_obj || !row_of || !dead || !cnt || !edges || !r2c || !c2r || !ws ||
        !tx || !kx || !live || !alive || !tph)
        goto out;
    for (size_t k = 0; k < n_id; k++)
        last_row[k] = last_obj[k] = -1;
    tl_dyn_model dm;
    tl_dyn_model_default(&dm);
    dm.flags &= ~(unsigned)TL_DYN_DRAG;
    double se_pos = 0, se_vel = 0, nees = 0, ospa_sum = 0, cp = pow(cfg.ospa_c_m, cfg.ospa_p);
    size_t n_err = 0, n_nees = 0, n_scans = 0, n_mid = 0, n_nees_mid = 0;
    double se_pos_mid = 0, se_vel_mid = 0, nees_mid = 0;
    double se_pos_ph[TL_SCORE_PHASES] = {0}, nees_ph[TL_SCORE_PHASES] = {0};
    size_t n_ph[TL_SCORE_PHASES] = {0}, n_nees_ph[TL_SCORE_PHASES] = {0};
    int swaps = 0;
    for (size_t i = 0; i < n_tracks;) {
        int64_t t = tk[i].t_ns;
        size_t j = i;
        for (; j < n_tracks && tk[j].t_ns == t; j++) {
            uint32_t *pid = bsearch(&tk[j].id, ids, n_id, sizeof *ids, cmp_u32);
            if (!pid)
                continue; /* deletion row of an id that never reported */
            long k = (long)(pid - ids);
            if (tk[j].deleted)
                dead[k] = 1;
            else
                last_row[k] = (long)j;
        }
        /* live tracks and their positions at t */
        size_t nl = 0;
        for (size_t k = 0; k < n_id; k++) {
            if (dead[k] || last_row[k] < 0)
                continue;
            const tl_score_track *r = &tk[last_row[k]];
            double age = (double)(t - r->t_ns) * 1e-9;
            if (age > cfg.stale_s)
                continue;
            memcpy(kx[nl], r->x_ecef, sizeof kx[nl]);
            if (age > 0)
                tl_dyn_propagate(&dm, kx[nl], age, 10.0);
            live[nl++] = (long)k;
        }
        size_t na = 0;
        for (size_t o = 0; o < n_obj; o++)
            if (truth_at(tr, &ob[o], t, tx[na], &tph[na]))
                alive[na++] = (long)o;
        /* identity matching */
        size_t ne = 0;
        for (size_t a = 0; a < nl; a++)
            for (size_t b = 0; b < na && ne < max_edges; b++) {
                double d = dist3(kx[a], tx[b]);
                if (d < cfg.gate_m)
                    edges[ne++] = (tl_assign_edge){(uint32_t)a, (uint32_t)b, d};
            }
        if (tl_assign_sparse(nl, na, edges, ne, cfg.gate_m, r2c, c2r, ws, NULL) != TL_OK)
            goto out;
        for (size_t b = 0; b < na; b++) {
            obj *o = &ob[alive[b]];
            o->alive++;
            if (c2r[b] < 0)
                continue;
            long k = live[c2r[b]];
            o->matched++;
            if (!o->t_conf)
                o->t_conf = t;
            if (o->last_track >= 0 && o->last_track != k)
                o->breaks++;
            o->last_track = k;
            if (cnt[k * n_obj + alive[b]]++ == 0)
                o->n_tracks++;
            if (last_obj[k] >= 0 && last_obj[k] != alive[b])
                swaps++;
            last_obj[k] = alive[b];
            const tl_score_track *r = &tk[last_row[k]];
            if (r->t_ns != t)
                continue;
            double e[6];
            for (int q = 0; q < 6; q++)
                e[q] = r->x_ecef[q] - tx[b][q];
            double ep = e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
            double ev = e[3] * e[3] + e[4] * e[4] + e[5] * e[5];
            se_pos += ep;
            se_vel += ev;
            o->se_pos += ep;
            o->se_vel += ev;
            o->n_err++;
            n_err++;
            int mid = tph[b] == 1; /* TL_PHASE_MIDCOURSE */
            if (mid) {
                se_pos_mid += ep;
                se_vel_mid += ev;
                n_mid++;
            }
            /* TL_PHASE_BOOST, MIDCOURSE, TERMINAL are 0, 1, 2 (flight.h) */
            int ph = tph[b] >= 0 && tph[b] < TL_SCORE_PHASES ? tph[b] : -1;
            if (ph >= 0) {
                se_pos_ph[ph] += ep;
                n_ph[ph]++;
            }
            double L[36], y[6];
            if (tl__chol(6, &r->P[0][0], 6, L, 6) == 0) {
                memcpy(y, e, sizeof y);
                tl__chol_solve(6, L, 6, y, 1, 1);
                double q2 = 0;
                for (int q = 0; q < 6; q++)
                    q2 += e[q] * y[q];
                nees += q2;
                n_nees++;
                if (mid) {
                    nees_mid += q2;
                    n_nees_mid++;
                }
                if (ph >= 0) {
                    nees_ph[ph] += q2;
                    n_nees_ph[ph]++;
                    o->nees_ph[ph] += q2;
                    o->n_nees_ph[ph]++;
                }
            }
        }
        /* OSPA */
        ne = 0;
        for (size_t a = 0; a < nl; a++)
            for (size_t b = 0; b < na && ne < max_edges; b++) {
                double d = dist3(kx[a], tx[b]);
                if (d < cfg.ospa_c_m)
                    edges[ne++] = (tl_assign_edge){(uint32_t)a, (uint32_t)b, pow(d, cfg.ospa_p)};
            }
        double tot = 0.0, ospa = 0.0;
        size_t nmax = nl > na ? nl : na;
        if (nmax > 0) {
            if (tl_assign_sparse(nl, na, edges, ne, 0.5 * cp, r2c, c2r, ws, &tot) != TL_OK)
                goto out;
            tot += 0.5 * cp * (double)(nl > na ? nl - na : na - nl);
            ospa = pow(fmax(tot, 0.0) / (double)nmax, 1.0 / cfg.ospa_p);
        }
        ospa_sum += ospa;
        n_scans++;
        if (cb)
            cb(ctx, t, ospa, na, nl);
        i = j;
    }
    res->n_objects = n_obj;
    res->n_tracks = n_id;
    res->n_scans = n_scans;
    res->n_err = n_err;
    res->rmse_pos_m = n_err ? sqrt(se_pos / n_err) : 0.0;
    res->rmse_vel_mps = n_err ? sqrt(se_vel / n_err) : 0.0;
    res->anees = n_nees ? nees / n_nees : 0.0;
    res->n_err_mid = n_mid;
    res->rmse_pos_mid_m = n_mid ? sqrt(se_pos_mid / n_mid) : 0.0;
    res->rmse_vel_mid_mps = n_mid ? sqrt(se_vel_mid / n_mid) : 0.0;
    res->anees_mid = n_nees_mid ? nees_mid / n_nees_mid : 0.0;
    for (int ph = 0; ph < TL_SCORE_PHASES; ph++) {
        res->n_nees_phase[ph] = n_nees_ph[ph];
        res->anees_phase[ph] = n_nees_ph[ph] ? nees_ph[ph] / n_nees_ph[ph] : 0.0;
        res->rmse_pos_phase_m[ph] = n_ph[ph] ? sqrt(se_pos_ph[ph] / n_ph[ph]) : 0.0;
    }
    res->swaps = swaps;
    res->ospa_mean_m = n_scans ? ospa_sum / n_scans : 0.0;
    double pur = 0;
    size_t npur = 0;
    for (size_t k = 0; k < n_id; k++) {
        int tot = 0, mx = 0;
        for (size_t o = 0; o < n_obj; o++) {
            tot += cnt[k * n_obj + o];
            if (cnt[k * n_obj + o] > mx)
                mx = cnt[k * n_obj + o];
        }
        if (tot == 0) {
            res->false_tracks++;
            continue;
        }
        pur += (double)mx / tot;
        npur++;
    }
    res->purity = npur ? pur / npur : 0.0;
    double comp = 0;
    for (size_t o = 0; o < n_obj; o++) {
        double c = ob[o].alive ? (double)ob[o].matched / ob[o].alive : 0.0;
        comp += c;
        if (o < cap_objects && objects) {
            tl_score_object *so = &objects[o];
            memset(so, 0, sizeof *so);
            memcpy(so->object_id, tr[ob[o].first].object_id, TL_ID_LEN);
            so->t_first_ns = tr[ob[o].first].t_ns;
            so->t_first_confirmed_ns = ob[o].t_conf;
            so->n_err = ob[o].n_err;
            so->rmse_pos_m = ob[o].n_err ? sqrt(ob[o].se_pos / ob[o].n_err) : 0.0;
            so->rmse_vel_mps = ob[o].n_err ? sqrt(ob[o].se_vel / ob[o].n_err) : 0.0;
            so->completeness = c;
            so->n_tracks = ob[o].n_tracks;
            so->breaks = ob[o].breaks;
            for (int ph = 0; ph < TL_SCORE_PHASES; ph++) {
                so->n_nees_phase[ph] = ob[o].n_nees_ph[ph];
                so->anees_phase[ph] =
                    ob[o].n_nees_ph[ph] ? ob[o].nees_ph[ph] / ob[o].n_nees_ph[ph] : 0.0;
            }
        }
    }
    res->completeness = n_obj ? comp / n_obj : 0.0;
    rc = TL_OK;
out:
    free(tr);
    free(tk);
    free(ids);
    free(ob);
    free(last_row);
    free(last_obj);
    free(row_of);
    free(dead);
    free(cnt);
    free(edges);
    free(r2c);
    free(c2r);
    free(ws);
    free(tx);
    free(tph);
    free(kx);
    free(live);
    free(alive);
    return rc;
}
