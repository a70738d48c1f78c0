/* convert.c — the only place where the core's product structs (link.h) meet the
 * IDL types generated from idl/trilink.idl. Sequences in outgoing samples point
 * into caller-provided storage (tl__wire), so publishing never allocates. */
#include "link_int.h"

#include <string.h>

void tl__strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

const dds_topic_descriptor_t *tl__kind_desc(tl_product_kind k)
{
    switch (k) {
    case TL_PROD_TRACK: return &trilink_Track_desc;
    case TL_PROD_LAUNCH: return &trilink_LaunchEstimate_desc;
    case TL_PROD_IMPACT: return &trilink_ImpactPrediction_desc;
    case TL_PROD_ALERT: return &trilink_Alert_desc;
    default: return NULL;
    }
}

const char *tl__kind_topic(tl_product_kind k)
{
    switch (k) {
    case TL_PROD_TRACK: return "trilink_Track";
    case TL_PROD_LAUNCH: return "trilink_LaunchEstimate";
    case TL_PROD_IMPACT: return "trilink_ImpactPrediction";
    case TL_PROD_ALERT: return "trilink_Alert";
    default: return NULL;
    }
}

const dds_topic_descriptor_t *tl__bundle_desc(tl_product_kind k)
{
    switch (k) {
    case TL_PROD_TRACK: return &trilink_TrackBundle_desc;
    case TL_PROD_LAUNCH: return &trilink_LaunchEstimateBundle_desc;
    case TL_PROD_IMPACT: return &trilink_ImpactPredictionBundle_desc;
    case TL_PROD_ALERT: return &trilink_AlertBundle_desc;
    default: return NULL;
    }
}

const char *tl__bundle_topic(tl_product_kind k)
{
    switch (k) {
    case TL_PROD_TRACK: return "trilink_TrackBundle";
    case TL_PROD_LAUNCH: return "trilink_LaunchEstimateBundle";
    case TL_PROD_IMPACT: return "trilink_ImpactPredictionBundle";
    case TL_PROD_ALERT: return "trilink_AlertBundle";
    default: return NULL;
    }
}

void tl__hdr_to_wire(const tl_product_hdr *h, trilink_Header *w, char (*path)[8])
{
    tl__strlcpy(w->origin, h->origin, sizeof w->origin);
    w->seq = h->seq;
    w->prev_seq = h->prev_seq;
    w->origin_time_ns = h->origin_time_ns;
    w->releasable_mask = h->releasable_mask;
    tl__strlcpy(w->marking, h->marking, sizeof w->marking);
    int n = h->path_len < 0 ? 0 : h->path_len > TL_PATH_MAX ? TL_PATH_MAX : h->path_len;
    for (int i = 0; i < n; i++)
        tl__strlcpy(path[i], h->path[i], 8);
    w->path._maximum = TL_PATH_MAX;
    w->path._length = (uint32_t)n;
    w->path._buffer = path;
    w->path._release = false;
}

void tl__hdr_from_wire(const trilink_Header *w, tl_product_hdr *h)
{
    memset(h, 0, sizeof *h);
    tl__strlcpy(h->origin, w->origin, sizeof h->origin);
    h->seq = w->seq;
    h->prev_seq = w->prev_seq;
    h->origin_time_ns = w->origin_time_ns;
    h->releasable_mask = w->releasable_mask;
    tl__strlcpy(h->marking, w->marking, sizeof h->marking);
    uint32_t n = w->path._length > TL_PATH_MAX ? TL_PATH_MAX : w->path._length;
    h->path_len = (int)n;
    for (uint32_t i = 0; i < n; i++)
        tl__strlcpy(h->path[i], w->path._buffer[i], TL_NATION_LEN);
}

void tl__to_wire(const tl_product *p, tl__wire *w)
{
    memset(&w->u, 0, sizeof w->u);
    switch (p->kind) {
    case TL_PROD_TRACK: {
        const tl_track_product *t = &p->u.track;
        trilink_Track *o = &w->u.track;
        tl__hdr_to_wire(&p->hdr, &o->hdr, w->path);
        tl__strlcpy(o->track_id, t->track_id, sizeof o->track_id);
        o->t_ns = t->est.t_ns;
        memcpy(o->x, t->est.x, sizeof o->x);
        memcpy(o->P, t->est.P, sizeof o->P);
        o->phase = (uint8_t)t->phase;
        o->missile_class = t->missile_class < 0 ? 255 : (uint8_t)t->missile_class;
        o->quality = t->quality;
        int n = t->n_sensors < 0 ? 0 : t->n_sensors > TL_TRACK_SENSORS_MAX ? TL_TRACK_SENSORS_MAX : t->n_sensors;
        for (int i = 0; i < n; i++)
            tl__strlcpy(w->sensors[i], t->sensors[i], 24);
        o->sensors._maximum = TL_TRACK_SENSORS_MAX;
        o->sensors._length = (uint32_t)n;
        o->sensors._buffer = w->sensors;
        o->sensors._release = false;
        o->dropped = t->dropped != 0;
        o->beta_kg_m2 = t->beta_kg_m2;
        o->beta_ln_sigma = t->beta_ln_sigma;
        break;
    }
    case TL_PROD_LAUNCH: {
        const tl_launch_estimate *l = &p->u.launch;
        trilink_LaunchEstimate *o = &w->u.launch;
        tl__hdr_to_wire(&p->hdr, &o->hdr, w->path);
        tl__strlcpy(o->track_id, l->track_id, sizeof o->track_id);
        o->launch_t_ns = l->launch_t_ns;
        o->launch_t_sigma_s = l->launch_t_sigma_s;
        memcpy(o->pos_ecef, l->pos_ecef, sizeof o->pos_ecef);
        memcpy(o->P_pos, l->P_pos, sizeof o->P_pos);
        break;
    }
    case TL_PROD_IMPACT: {
        const tl_impact_prediction *m = &p->u.impact;
        trilink_ImpactPrediction *o = &w->u.impact;
        tl__hdr_to_wire(&p->hdr, &o->hdr, w->path);
        tl__strlcpy(o->track_id, m->track_id, sizeof o->track_id);
        o->impact_t_ns = m->impact_t_ns;
        o->impact_t_sigma_s = m->impact_t_sigma_s;
        memcpy(o->pos_ecef, m->pos_ecef, sizeof o->pos_ecef);
        o->ellipse_semi_major_m = m->ellipse_semi_major_m;
        o->ellipse_semi_minor_m = m->ellipse_semi_minor_m;
        o->ellipse_orient_rad = m->ellipse_orient_rad;
        o->zone_verdict = (uint8_t)m->zone_verdict;
        tl__strlcpy(o->zone_name, m->zone_name, sizeof o->zone_name);
        break;
    }
    case TL_PROD_ALERT: {
        const tl_alert_product *a = &p->u.alert;
        trilink_Alert *o = &w->u.alert;
        tl__hdr_to_wire(&p->hdr, &o->hdr, w->path);
        tl__strlcpy(o->alert_id, a->alert_id, sizeof o->alert_id);
        tl__strlcpy(o->track_id, a->track_id, sizeof o->track_id);
        o->severity = (uint8_t)a->severity;
        o->zone_verdict = (uint8_t)a->zone_verdict;
        o->impact_t_ns = a->impact_t_ns;
        tl__strlcpy(o->text, a->text, sizeof o->text);
        break;
    }
    default:
        break;
    }
}

int tl__from_wire(tl_product_kind k, const void *sample, tl_product *p, const char **detail)
{
    memset(p, 0, sizeof *p);
    p->kind = k;
    switch (k) {
    case TL_PROD_TRACK: {
        const trilink_Track *o = sample;
        tl_track_product *t = &p->u.track;
        tl__hdr_from_wire(&o->hdr, &p->hdr);
        tl__strlcpy(t->track_id, o->track_id, sizeof t->track_id);
        t->est.t_ns = o->t_ns;
        memcpy(t->est.x, o->x, sizeof t->est.x);
        memcpy(t->est.P, o->P, sizeof t->est.P);
        t->phase = o->phase;
        t->missile_class = o->missile_class == 255 ? -1 : o->missile_class;
        t->quality = o->quality;
        if (o->sensors._length > TL_TRACK_SENSORS_MAX) {
            *detail = "sensors: too many";
            return TL_EPARSE;
        }
        t->n_sensors = (int)o->sensors._length;
        for (uint32_t i = 0; i < o->sensors._length; i++)
            tl__strlcpy(t->sensors[i], o->sensors._buffer[i], TL_ID_LEN);
        t->dropped = o->dropped;
        t->beta_kg_m2 = o->beta_kg_m2;
        t->beta_ln_sigma = o->beta_ln_sigma;
        break;
    }
    case TL_PROD_LAUNCH: {
        const trilink_LaunchEstimate *o = sample;
        tl_launch_estimate *l = &p->u.launch;
        tl__hdr_from_wire(&o->hdr, &p->hdr);
        tl__strlcpy(l->track_id, o->track_id, sizeof l->track_id);
        l->launch_t_ns = o->launch_t_ns;
        l->launch_t_sigma_s = o->launch_t_sigma_s;
        memcpy(l->pos_ecef, o->pos_ecef, sizeof l->pos_ecef);
        memcpy(l->P_pos, o->P_pos, sizeof l->P_pos);
        break;
    }
    case TL_PROD_IMPACT: {
        const trilink_ImpactPrediction *o = sample;
        tl_impact_prediction *m = &p->u.impact;
        tl__hdr_from_wire(&o->hdr, &p->hdr);
        tl__strlcpy(m->track_id, o->track_id, sizeof m->track_id);
        m->impact_t_ns = o->impact_t_ns;
        m->impact_t_sigma_s = o->impact_t_sigma_s;
        memcpy(m->pos_ecef, o->pos_ecef, sizeof m->pos_ecef);
        m->ellipse_semi_major_m = o->ellipse_semi_major_m;
        m->ellipse_semi_minor_m = o->ellipse_semi_minor_m;
        m->ellipse_orient_rad = o->ellipse_orient_rad;
        m->zone_verdict = o->zone_verdict;
        tl__strlcpy(m->zone_name, o->zone_name, sizeof m->zone_name);
        break;
    }
    case TL_PROD_ALERT: {
        const trilink_Alert *o = sample;
        tl_alert_product *a = &p->u.alert;
        tl__hdr_from_wire(&o->hdr, &p->hdr);
        tl__strlcpy(a->alert_id, o->alert_id, sizeof a->alert_id);
        tl__strlcpy(a->track_id, o->track_id, sizeof a->track_id);
        a->severity = o->severity;
        a->zone_verdict = o->zone_verdict;
        a->impact_t_ns = o->impact_t_ns;
        tl__strlcpy(a->text, o->text, sizeof a->text);
        break;
    }
    default:
        *detail = "unknown product kind";
        return TL_EPARSE;
    }
    return 0;
}

void tl__plot_to_wire(const tl_product_hdr *hdr, const tl_plot *p, trilink_Plot *w, char (*path)[8])
{
    memset(w, 0, sizeof *w);
    tl__hdr_to_wire(hdr, &w->hdr, path);
    w->t_ns = p->t_ns;
    w->plot_id = p->plot_id;
    tl__strlcpy(w->sensor_id, p->sensor_id, sizeof w->sensor_id);
    tl__strlcpy(w->nation, p->nation, sizeof w->nation);
    w->kind = (uint8_t)p->kind;
    w->site_lat_rad = p->site.lat_rad;
    w->site_lon_rad = p->site.lon_rad;
    w->site_h_m = p->site.h_m;
    memcpy(w->site_ecef, p->site_ecef, sizeof w->site_ecef);
    w->nz = (uint8_t)(p->nz < 0 ? 0 : p->nz > 4 ? 4 : p->nz);
    memcpy(w->z, p->z, sizeof w->z);
    memcpy(w->sigma, p->sigma, sizeof w->sigma);
}

void tl__plot_from_wire(const trilink_Plot *w, tl_product_hdr *hdr, tl_plot *p)
{
    memset(p, 0, sizeof *p);
    tl__hdr_from_wire(&w->hdr, hdr);
    p->t_ns = w->t_ns;
    p->plot_id = w->plot_id;
    tl__strlcpy(p->sensor_id, w->sensor_id, sizeof p->sensor_id);
    tl__strlcpy(p->nation, w->nation, sizeof p->nation);
    p->kind = (tl_plot_kind)w->kind;
    p->site.lat_rad = w->site_lat_rad;
    p->site.lon_rad = w->site_lon_rad;
    p->site.h_m = w->site_h_m;
    memcpy(p->site_ecef, w->site_ecef, sizeof p->site_ecef);
    p->nz = w->nz > 4 ? 0 : w->nz; /* out of range: 0, which tl_plot_validate refuses */
    memcpy(p->z, w->z, sizeof p->z);
    memcpy(p->sigma, w->sigma, sizeof p->sigma);
}
