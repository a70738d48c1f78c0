/* products.c — the pipeline's boundary with the link's product types (link.h): the
 * outbound queue of tl_product values and the decoding of partners' products, so that
 * pipeline.c deals only in the estimation types.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/pipeline_int.h"
#include "trilink/geo.h"
#include "trilink/link.h"

struct tl__plq {
    tl_product *ring;
    size_t cap, head, n;
    uint64_t pushed, lost;
};

tl__plq *tl__plq_create(size_t cap)
{
    tl__plq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->ring = calloc(cap, sizeof *q->ring);
    if (!q->ring) {
        free(q);
        return NULL;
    }
    q->cap = cap;
    return q;
}

void tl__plq_destroy(tl__plq *q)
{
    if (!q)
        return;
    free(q->ring);
    free(q);
}

/* Slot for a new product (overwrites the oldest when full: counted as lost). */
static tl_product *slot(tl__plq *q, tl_product_kind k)
{
    if (q->n == q->cap) {
        q->head = (q->head + 1) % q->cap;
        q->n--;
        q->lost++;
    }
    tl_product *p = &q->ring[(q->head + q->n) % q->cap];
    q->n++;
    q->pushed++;
    memset(p, 0, sizeof *p);
    p->kind = k;
    return p;
}

int tl__plq_pop(tl__plq *q, struct tl_product *out)
{
    if (!q->n)
        return 0;
    *out = q->ring[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    return 1;
}

uint64_t tl__plq_pushed(const tl__plq *q) { return q->pushed; }
uint64_t tl__plq_lost(const tl__plq *q) { return q->lost; }

void tl__plq_track(tl__plq *q, const char *nation, const tl_track_report *r, int cls, int dropped)
{
    tl_track_product *t = &slot(q, TL_PROD_TRACK)->u.track;
    snprintf(t->track_id, sizeof t->track_id, "%s-T%u", nation, (unsigned)r->id);
    t->est = r->est;
    t->phase = (int)r->phase;
    t->missile_class = cls;
    t->quality = r->quality < 0 ? 0.0 : r->quality > 15 ? 1.0 : r->quality / 15.0;
    int n = r->n_sensors < TL_TRACK_MAX_SENSORS ? r->n_sensors : TL_TRACK_MAX_SENSORS;
    t->n_sensors = n < TL_TRACK_SENSORS_MAX ? n : TL_TRACK_SENSORS_MAX;
    for (int i = 0; i < t->n_sensors; i++)
        snprintf(t->sensors[i], TL_ID_LEN, "%s", r->sensors[i]);
    t->dropped = dropped;
    t->beta_kg_m2 = r->beta_kg_m2;
    t->beta_ln_sigma = r->beta_ln_sigma;
}

void tl__plq_launch(tl__plq *q, const char *sys_id, const tl_launch_pred *l)
{
    tl_launch_estimate *e = &slot(q, TL_PROD_LAUNCH)->u.launch;
    snprintf(e->track_id, sizeof e->track_id, "%s", sys_id);
    e->launch_t_ns = l->t_ns;
    e->launch_t_sigma_s = l->t_sigma_s;
    tl_geodetic g = l->point;
    tl_geodetic_to_ecef(&g, e->pos_ecef);
    /* East/north covariance plus a nominal vertical sigma (the launch point is on the
     * ground: 100 m keeps the 3x3 positive definite), rotated to ECEF: P = R^T C R. */
    double R[3][3], C[3][3] = {{l->ell.cov_en_m2[0][0], l->ell.cov_en_m2[0][1], 0},
                               {l->ell.cov_en_m2[1][0], l->ell.cov_en_m2[1][1], 0},
                               {0, 0, 100.0 * 100.0}};
    for (int i = 0; i < 2; i++)
        if (!(C[i][i] > 1.0))
            C[i][i] = 1.0;
    tl_enu_matrix(g.lat_rad, g.lon_rad, R);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    s += R[a][i] * C[a][b] * R[b][j];
            e->P_pos[i][j] = s;
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < i; j++)
            e->P_pos[i][j] = e->P_pos[j][i] = 0.5 * (e->P_pos[i][j] + e->P_pos[j][i]);
}

void tl__plq_impact(tl__plq *q, const char *sys_id, const tl_impact_pred *ip, int zone_level,
                    const char *zone_name)
{
    tl_impact_prediction *m = &slot(q, TL_PROD_IMPACT)->u.impact;
    snprintf(m->track_id, sizeof m->track_id, "%s", sys_id);
    m->impact_t_ns = ip->t_ns;
    m->impact_t_sigma_s = ip->t_sigma_s;
    tl_geodetic g = ip->point;
    tl_geodetic_to_ecef(&g, m->pos_ecef);
    m->ellipse_semi_major_m = ip->ell.semi_major_m;
    m->ellipse_semi_minor_m = ip->ell.semi_minor_m;
    m->ellipse_orient_rad = ip->ell.major_az_rad;
    m->zone_verdict = zone_level;
    snprintf(m->zone_name, sizeof m->zone_name, "%s", zone_name);
}

void tl__plq_alert(tl__plq *q, const char *alert_id, const char *sys_id, int severity,
                   int zone_level, int64_t impact_t_ns, const char *text)
{
    tl_alert_product *a = &slot(q, TL_PROD_ALERT)->u.alert;
    snprintf(a->alert_id, sizeof a->alert_id, "%s", alert_id);
    snprintf(a->track_id, sizeof a->track_id, "%s", sys_id);
    a->severity = severity;
    a->zone_verdict = zone_level;
    a->impact_t_ns = impact_t_ns;
    snprintf(a->text, sizeof a->text, "%s", text);
}

int tl_pipeline_add_product(tl_pipeline *p, const struct tl_product *prod, tl_err *err)
{
    if (!p || !prod)
        return tl_err_set(err, TL_EINVAL, "pipeline product: NULL");
    if (!strcmp(prod->hdr.origin, tl__pl_nation(p)))
        return tl_err_set(err, TL_EINVAL, "pipeline product: origin '%s' is this nation",
                          prod->hdr.origin);
    if (prod->kind != TL_PROD_TRACK) {
        tl__pl_partner_other(p, (int)prod->kind);
        return TL_OK;
    }
    tl__pl_ptrack t;
    memset(&t, 0, sizeof t);
    snprintf(t.origin, sizeof t.origin, "%s", prod->hdr.origin);
    snprintf(t.track_id, sizeof t.track_id, "%s", prod->u.track.track_id);
    t.est = prod->u.track.est;
    t.phase = prod->u.track.phase;
    t.dropped = prod->u.track.dropped;
    t.beta_kg_m2 = prod->u.track.beta_kg_m2;
    t.beta_ln_sigma = prod->u.track.beta_ln_sigma;
    return tl__pl_partner_track(p, &t, err);
}
