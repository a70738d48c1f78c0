/* render.c — the COP documents: the picture as JSON (schema in docs/cop.md), as an
 * RFC 7946 GeoJSON FeatureCollection, and as Prometheus text metrics (exposition
 * format 0.0.4). Pure functions of the picture: no clock, no I/O. Ellipse outlines are
 * zones.h's (geodesic offsets from the centre on WGS-84, Karney 2013), wound for RFC 7946. */
#include "cop_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>


#define DEG (180.0 / M_PI)

void tl_cop_picture_init(tl_cop_picture *p)
{
    memset(p, 0, sizeof *p);
    p->clock_rate = 1.0;
}

void tl_cop_track_init(tl_cop_track *t)
{
    memset(t, 0, sizeof *t);
    t->cls = -1;
    t->pos_sigma_m = NAN;
    t->apogee_m = NAN;
    t->range_m = NAN;
    for (int i = 0; i < 3; i++)
        t->vel_enu_mps[i] = NAN;
}

const char *tl_cop_msg_type_name(tl_cop_msg_type m)
{
    static const char *const names[] = {"Alert", "Update", "Cancel"};
    return m >= TL_COP_MSG_ALERT && m <= TL_COP_MSG_CANCEL ? names[m] : "unknown";
}

const char *tl_cop_prod_kind_name(tl_cop_prod_kind k)
{
    static const char *const names[] = {"launch", "impact", "alert"};
    return k >= TL_COP_PROD_LAUNCH && k <= TL_COP_PROD_ALERT ? names[k] : "unknown";
}

/* Past its impact time by more than the grace at the picture's scenario time. */
static int alert_expired(const tl_cop_picture *p, int64_t impact_t_ns)
{
    return impact_t_ns != 0 && p->scenario_t_ns >= impact_t_ns + TL_COP_ALERT_GRACE_NS;
}

int tl_cop_alert_in_force(const tl_cop_picture *p, int i)
{
    if (i < 0 || i >= p->n_alerts)
        return 0;
    const tl_cop_alert *a = &p->alerts[i];
    if (a->msg_type == TL_COP_MSG_CANCEL || alert_expired(p, a->impact_t_ns))
        return 0;
    for (int j = 0; j < p->n_alerts; j++) {
        const tl_cop_alert *b = &p->alerts[j];
        if (j == i || b->sent_ns < a->sent_ns)
            continue;
        for (int k = 0; k < b->n_references && k < TL_COP_MAX_REFS; k++)
            if (!strncmp(b->references[k], a->id, sizeof a->id))
                return 0;
    }
    return 1;
}

/* Same origin and track (strings compared within their arrays). */
static int same_partner_track(const tl_cop_partner *a, const tl_cop_partner *b)
{
    return !strncmp(a->origin, b->origin, sizeof a->origin) &&
           !strncmp(a->track_id, b->track_id, sizeof a->track_id);
}

int tl_cop_partner_alert_in_force(const tl_cop_picture *p, int i)
{
    if (i < 0 || i >= p->n_partners || p->partners[i].kind != TL_COP_PROD_ALERT)
        return 0;
    const tl_cop_partner *a = &p->partners[i];
    if (a->msg_type == TL_COP_MSG_CANCEL || alert_expired(p, a->t_ns))
        return 0;
    for (int j = 0; j < p->n_partners; j++) {
        const tl_cop_partner *b = &p->partners[j];
        if (j == i || b->kind != TL_COP_PROD_ALERT || !same_partner_track(a, b))
            continue;
        if (b->origin_t_ns > a->origin_t_ns ||
            (b->origin_t_ns == a->origin_t_ns && b->seq > a->seq))
            return 0; /* a newer message of the same chain */
    }
    return 1;
}

static int check_count(int n, int max, const char *field, tl_err *err)
{
    if (n < 0 || n > max)
        return tl_err_set(err, TL_ERANGE, "cop picture: %s = %d outside [0, %d]", field, n, max);
    return TL_OK;
}

static int check_track(const tl_cop_track *t, int i, tl_err *err)
{
    char field[64];
    int rc;
    snprintf(field, sizeof field, "tracks[%d].n_history", i);
    if ((rc = check_count(t->n_history, TL_COP_MAX_HISTORY, field, err)))
        return rc;
    snprintf(field, sizeof field, "tracks[%d].n_predicted", i);
    if ((rc = check_count(t->n_predicted, TL_COP_MAX_PREDICTED, field, err)))
        return rc;
    snprintf(field, sizeof field, "tracks[%d].n_contributors", i);
    if ((rc = check_count(t->n_contributors, TL_COP_MAX_NATIONS, field, err)))
        return rc;
    if ((int)t->phase < 0 || t->phase > TL_PHASE_IMPACTED)
        return tl_err_set(err, TL_EINVAL, "cop picture: tracks[%d].phase = %d unknown", i,
                          (int)t->phase);
    for (int k = 0; k < t->n_history; k++)
        if ((int)t->history[k].phase < 0 || t->history[k].phase > TL_PHASE_IMPACTED)
            return tl_err_set(err, TL_EINVAL,
                              "cop picture: tracks[%d].history[%d].phase = %d unknown", i, k,
                              (int)t->history[k].phase);
    if (t->cls < -1 || t->cls >= TL_CLASS_COUNT)
        return tl_err_set(err, TL_EINVAL, "cop picture: tracks[%d].cls = %d unknown", i, t->cls);
    if ((int)t->loft < 0 || t->loft > TL_LOFT_DEPRESSED)
        return tl_err_set(err, TL_EINVAL, "cop picture: tracks[%d].loft = %d unknown", i,
                          (int)t->loft);
    return TL_OK;
}

int tl_cop_picture_check(const tl_cop_picture *p, tl_err *err)
{
    int rc;
    if (!p)
        return tl_err_set(err, TL_EINVAL, "cop picture: NULL");
    if ((rc = check_count(p->n_tracks, TL_COP_MAX_TRACKS, "n_tracks", err)) ||
        (rc = check_count(p->n_alerts, TL_COP_MAX_ALERTS, "n_alerts", err)) ||
        (rc = check_count(p->n_links, TL_COP_MAX_LINKS, "n_links", err)))
        return rc;
    for (int i = 0; i < p->n_tracks; i++)
        if ((rc = check_track(&p->tracks[i], i, err)))
            return rc;
    if ((rc = check_count(p->n_partners, TL_COP_MAX_PARTNER, "n_partners", err)))
        return rc;
    for (int i = 0; i < p->n_partners; i++) {
        const tl_cop_partner *q = &p->partners[i];
        char field[64];
        snprintf(field, sizeof field, "partners[%d].n_path", i);
        if ((rc = check_count(q->n_path, TL_COP_PATH_MAX, field, err)))
            return rc;
        if ((int)q->kind < 0 || q->kind > TL_COP_PROD_ALERT)
            return tl_err_set(err, TL_EINVAL, "cop picture: partners[%d].kind = %d unknown", i,
                              (int)q->kind);
        if ((int)q->msg_type < 0 || q->msg_type > TL_COP_MSG_CANCEL)
            return tl_err_set(err, TL_EINVAL, "cop picture: partners[%d].msg_type = %d unknown",
                              i, (int)q->msg_type);
    }
    for (int i = 0; i < p->n_alerts; i++) {
        char field[64];
        snprintf(field, sizeof field, "alerts[%d].n_references", i);
        if ((rc = check_count(p->alerts[i].n_references, TL_COP_MAX_REFS, field, err)))
            return rc;
        if ((int)p->alerts[i].msg_type < 0 || p->alerts[i].msg_type > TL_COP_MSG_CANCEL)
            return tl_err_set(err, TL_EINVAL, "cop picture: alerts[%d].msg_type = %d unknown", i,
                              (int)p->alerts[i].msg_type);
    }
    return TL_OK;
}

void tl_cop_ellipse_ring(const tl_cop_ellipse *e, int n, double lon_rad[], double lat_rad[])
{
    /* zones.h draws the same ellipse clockwise from the major axis; RFC 7946 wants the
     * exterior ring counterclockwise: keep vertex 0, reverse the rest */
    tl_ellipse95 e95 = {e->semi_major_m, e->semi_minor_m, e->orient_rad};
    if (tl_ellipse95_polygon(e->lat_rad, e->lon_rad, &e95, (size_t)n, lat_rad, lon_rad) != TL_OK) {
        for (int k = 0; k < n; k++) /* not drawable: a degenerate ring at the centre */
            lat_rad[k] = e->lat_rad, lon_rad[k] = e->lon_rad;
        return;
    }
    for (int i = 1, j = n - 1; i < j; i++, j--) {
        double t = lat_rad[i];
        lat_rad[i] = lat_rad[j], lat_rad[j] = t;
        t = lon_rad[i];
        lon_rad[i] = lon_rad[j], lon_rad[j] = t;
    }
}

static int ellipse_drawable(const tl_cop_ellipse *e)
{
    return isfinite(e->lat_rad) && isfinite(e->lon_rad) && isfinite(e->orient_rad) &&
           isfinite(e->semi_major_m) && isfinite(e->semi_minor_m) && e->semi_minor_m > 0.0 &&
           e->semi_major_m >= e->semi_minor_m;
}

/* [[lon,lat],...] closed ring in degrees, counterclockwise. */
static void put_ring(tl__cop_out *o, const tl_cop_ellipse *e)
{
    double lon[TL_COP_ELLIPSE_RING], lat[TL_COP_ELLIPSE_RING];
    tl_cop_ellipse_ring(e, TL_COP_ELLIPSE_RING, lon, lat);
    tl__cop_puts(o, "[");
    for (int k = 0; k <= TL_COP_ELLIPSE_RING; k++) {
        int j = k % TL_COP_ELLIPSE_RING;
        tl__cop_printf(o, "%s[%.6f,%.6f]", k ? "," : "", lon[j] * DEG, lat[j] * DEG);
    }
    tl__cop_puts(o, "]");
}

/* ---------------------------------------------------------------- JSON */

static void key(tl__cop_out *o, const char *k)
{
    tl__cop_printf(o, ",\"%s\":", k);
}

/* ,"k":v (null when v is not finite) */
static void kv_num(tl__cop_out *o, const char *k, const char *fmt, double v)
{
    key(o, k);
    tl__cop_num(o, fmt, v);
}

static void put_ellipse(tl__cop_out *o, const tl_cop_ellipse *e)
{
    tl__cop_puts(o, "{\"lat_deg\":");
    tl__cop_num(o, "%.6f", e->lat_rad * DEG);
    kv_num(o, "lon_deg", "%.6f", e->lon_rad * DEG);
    kv_num(o, "semi_major_m", "%.1f", e->semi_major_m);
    kv_num(o, "semi_minor_m", "%.1f", e->semi_minor_m);
    kv_num(o, "orient_deg", "%.3f", e->orient_rad * DEG);
    key(o, "ring");
    if (ellipse_drawable(e))
        put_ring(o, e);
    else
        tl__cop_puts(o, "null");
    tl__cop_puts(o, "}");
}

static void put_points(tl__cop_out *o, const tl_cop_point *pts, int n)
{
    tl__cop_puts(o, "[");
    for (int k = 0; k < n; k++) {
        const tl_cop_point *q = &pts[k];
        tl__cop_puts(o, k ? ",[" : "[");
        tl__cop_num(o, "%.6f", q->lon_rad * DEG);
        tl__cop_puts(o, ",");
        tl__cop_num(o, "%.6f", q->lat_rad * DEG);
        tl__cop_puts(o, ",");
        tl__cop_num(o, "%.1f", q->h_m);
        tl__cop_printf(o, ",%lld,\"%s\"]", (long long)q->t_ns, tl_phase_name(q->phase));
    }
    tl__cop_puts(o, "]");
}

/* "icbm", ... or NULL while the class is unknown (-1) */
static const char *class_name(int cls)
{
    return cls >= 0 ? tl_missile_class_name((tl_missile_class)cls) : NULL;
}

/* The most probable zone as a JSON value: its name, or null when no probability is known. */
static void put_verdict(tl__cop_out *o, const tl_cop_impact *im)
{
    int best = -1;
    double pbest = -1.0;
    for (int z = 0; z < TL_ZONE_COUNT; z++)
        if (isfinite(im->p_zone[z]) && im->p_zone[z] > pbest)
            pbest = im->p_zone[z], best = z;
    if (best < 0)
        tl__cop_puts(o, "null");
    else
        tl__cop_printf(o, "\"%s\"", tl_zone_class_name((tl_zone_class)best));
}

static void put_track_json(tl__cop_out *o, const tl_cop_track *t)
{
    tl__cop_puts(o, "{\"id\":");
    tl__cop_json_str(o, t->id, sizeof t->id);
    tl__cop_printf(o, ",\"t_ns\":%lld", (long long)t->t_ns);
    kv_num(o, "lat_deg", "%.6f", t->lat_rad * DEG);
    kv_num(o, "lon_deg", "%.6f", t->lon_rad * DEG);
    kv_num(o, "h_m", "%.1f", t->h_m);
    key(o, "vel_enu_mps");
    for (int i = 0; i < 3; i++) {
        tl__cop_puts(o, i ? "," : "[");
        tl__cop_num(o, "%.2f", t->vel_enu_mps[i]);
    }
    tl__cop_puts(o, "]");
    key(o, "speed_mps");
    tl__cop_num(o, "%.2f",
                sqrt(t->vel_enu_mps[0] * t->vel_enu_mps[0] + t->vel_enu_mps[1] * t->vel_enu_mps[1] +
                     t->vel_enu_mps[2] * t->vel_enu_mps[2]));
    kv_num(o, "pos_sigma_m", "%.1f", t->pos_sigma_m);
    tl__cop_printf(o, ",\"phase\":\"%s\"", tl_phase_name(t->phase));
    const char *cls = class_name(t->cls);
    if (cls)
        tl__cop_printf(o, ",\"class\":\"%s\"", cls);
    else
        tl__cop_puts(o, ",\"class\":null");
    tl__cop_printf(o, ",\"loft\":\"%s\"", tl__cop_loft_name(t->loft));
    kv_num(o, "apogee_m", "%.0f", t->apogee_m);
    kv_num(o, "range_m", "%.0f", t->range_m);
    tl__cop_printf(o, ",\"overflies_jp\":%s", t->overflies_jp ? "true" : "false");
    tl__cop_printf(o, ",\"coasting\":%s", t->coasting ? "true" : "false");
    key(o, "contributors");
    tl__cop_puts(o, "[");
    for (int i = 0; i < t->n_contributors; i++) {
        if (i)
            tl__cop_puts(o, ",");
        tl__cop_json_str(o, t->contributors[i], sizeof t->contributors[i]);
    }
    tl__cop_puts(o, "]");
    key(o, "best_nation");
    tl__cop_json_str(o, t->best_nation, sizeof t->best_nation);
    key(o, "launch");
    if (t->launch.valid) {
        tl__cop_printf(o, "{\"t_ns\":%lld,\"ellipse\":", (long long)t->launch.t_ns);
        put_ellipse(o, &t->launch.ell);
        tl__cop_puts(o, "}");
    } else {
        tl__cop_puts(o, "null");
    }
    key(o, "impact");
    if (t->impact.valid) {
        tl__cop_printf(o, "{\"t_ns\":%lld,\"ellipse\":", (long long)t->impact.t_ns);
        put_ellipse(o, &t->impact.ell);
        tl__cop_puts(o, ",\"p_zone\":{");
        for (int z = 0; z < TL_ZONE_COUNT; z++) {
            tl__cop_printf(o, "%s\"%s\":", z ? "," : "", tl_zone_class_name((tl_zone_class)z));
            tl__cop_num(o, "%.4f", t->impact.p_zone[z]);
        }
        tl__cop_puts(o, "},\"verdict\":");
        put_verdict(o, &t->impact);
        tl__cop_puts(o, "}");
    } else {
        tl__cop_puts(o, "null");
    }
    key(o, "history");
    put_points(o, t->history, t->n_history);
    key(o, "predicted");
    put_points(o, t->predicted, t->n_predicted);
    tl__cop_puts(o, "}");
}

static void put_alert_json(tl__cop_out *o, const tl_cop_alert *a, int in_force)
{
    tl__cop_puts(o, "{\"id\":");
    tl__cop_json_str(o, a->id, sizeof a->id);
    tl__cop_printf(o, ",\"msg_type\":\"%s\",\"status\":", tl_cop_msg_type_name(a->msg_type));
    tl__cop_json_str(o, a->status, sizeof a->status);
    key(o, "references");
    tl__cop_puts(o, "[");
    for (int i = 0; i < a->n_references; i++) {
        if (i)
            tl__cop_puts(o, ",");
        tl__cop_json_str(o, a->references[i], sizeof a->references[i]);
    }
    tl__cop_puts(o, "]");
    tl__cop_printf(o, ",\"sent_ns\":%lld,\"track_id\":", (long long)a->sent_ns);
    tl__cop_json_str(o, a->track_id, sizeof a->track_id);
    key(o, "headline");
    tl__cop_json_str(o, a->headline, sizeof a->headline);
    key(o, "area_desc");
    tl__cop_json_str(o, a->area_desc, sizeof a->area_desc);
    key(o, "area_circle");
    if (a->has_circle) {
        tl__cop_puts(o, "{\"lat_deg\":");
        tl__cop_num(o, "%.6f", a->area_lat_rad * DEG);
        kv_num(o, "lon_deg", "%.6f", a->area_lon_rad * DEG);
        kv_num(o, "radius_m", "%.0f", a->area_radius_m);
        tl__cop_puts(o, "}");
    } else {
        tl__cop_puts(o, "null");
    }
    tl__cop_printf(o, ",\"impact_t_ns\":%lld,\"in_force\":%s}", (long long)a->impact_t_ns,
                   in_force ? "true" : "false");
}

static void put_str_array(tl__cop_out *o, const char (*v)[TL_COP_NATION_LEN], int n)
{
    tl__cop_puts(o, "[");
    for (int i = 0; i < n; i++) {
        if (i)
            tl__cop_puts(o, ",");
        tl__cop_json_str(o, v[i], sizeof v[i]);
    }
    tl__cop_puts(o, "]");
}

/* One partner product: common header, then point/ellipse (launch, impact) or message. */
static void put_partner_json(tl__cop_out *o, const tl_cop_partner *q, int in_force)
{
    tl__cop_printf(o, "{\"kind\":\"%s\",\"origin\":", tl_cop_prod_kind_name(q->kind));
    tl__cop_json_str(o, q->origin, sizeof q->origin);
    key(o, "path");
    put_str_array(o, q->path, q->n_path);
    tl__cop_printf(o, ",\"seq\":%llu,\"origin_t_ns\":%lld,\"received_t_ns\":%lld,\"track_id\":",
                   (unsigned long long)q->seq, (long long)q->origin_t_ns,
                   (long long)q->received_t_ns);
    tl__cop_json_str(o, q->track_id, sizeof q->track_id);
    tl__cop_printf(o, ",\"t_ns\":%lld", (long long)q->t_ns);
    kv_num(o, "t_sigma_s", "%.3f", q->t_sigma_s);
    key(o, "ellipse");
    if (q->has_point && q->kind != TL_COP_PROD_ALERT)
        put_ellipse(o, &q->ell);
    else
        tl__cop_puts(o, "null");
    static const char *const verdicts[] = {"unknown", "open_sea", "eez", "territory"};
    tl__cop_printf(o, ",\"zone_verdict\":\"%s\",\"zone_name\":",
                   q->zone_verdict >= 0 && q->zone_verdict <= 3 ? verdicts[q->zone_verdict]
                                                                : "unknown");
    tl__cop_json_str(o, q->zone_name, sizeof q->zone_name);
    if (q->kind == TL_COP_PROD_ALERT) {
        key(o, "alert_id");
        tl__cop_json_str(o, q->alert_id, sizeof q->alert_id);
        tl__cop_printf(o, ",\"msg_type\":\"%s\",\"severity\":%d,\"text\":",
                       tl_cop_msg_type_name(q->msg_type), q->severity);
        tl__cop_json_str(o, q->text, sizeof q->text);
        tl__cop_printf(o, ",\"in_force\":%s", in_force ? "true" : "false");
    }
    tl__cop_puts(o, "}");
}

static void put_link_json(tl__cop_out *o, const tl_cop_link *l)
{
    tl__cop_puts(o, "{\"name\":");
    tl__cop_json_str(o, l->name, sizeof l->name);
    key(o, "peer");
    tl__cop_json_str(o, l->peer, sizeof l->peer);
    tl__cop_printf(o, ",\"up\":%s", l->up ? "true" : "false");
    kv_num(o, "latency_s", "%.6f", l->latency_s);
    tl__cop_printf(
        o, ",\"msgs_in\":%llu,\"msgs_out\":%llu,\"gaps\":%llu,\"dups\":%llu,\"rejects\":%llu,\"auth_failures\":%llu}",
        (unsigned long long)l->msgs_in, (unsigned long long)l->msgs_out, (unsigned long long)l->gaps,
        (unsigned long long)l->dups, (unsigned long long)l->rejects, (unsigned long long)l->auth_failures);
}

int tl_cop_picture_to_json(const tl_cop_picture *p, char *buf, size_t cap, size_t *len, tl_err *err)
{
    int rc = tl_cop_picture_check(p, err);
    if (rc)
        return rc;
    tl__cop_out o;
    tl__cop_out_init(&o, buf, cap);
    tl__cop_puts(&o, "{\"schema\":\"trilink.cop/1\",\"nation\":");
    tl__cop_json_str(&o, p->nation, sizeof p->nation);
    tl__cop_printf(&o, ",\"scenario_t_ns\":%lld,\"node_t_ns\":%lld", (long long)p->scenario_t_ns,
                   (long long)p->node_t_ns);
    key(&o, "clock_rate");
    tl__cop_num(&o, "%.3f", p->clock_rate);
    tl__cop_puts(&o, ",\"tracks\":[");
    for (int i = 0; i < p->n_tracks; i++) {
        if (i)
            tl__cop_puts(&o, ",");
        put_track_json(&o, &p->tracks[i]);
    }
    tl__cop_puts(&o, "],\"alerts\":[");
    for (int i = 0; i < p->n_alerts; i++) {
        if (i)
            tl__cop_puts(&o, ",");
        put_alert_json(&o, &p->alerts[i], tl_cop_alert_in_force(p, i));
    }
    tl__cop_puts(&o, "],\"links\":[");
    for (int i = 0; i < p->n_links; i++) {
        if (i)
            tl__cop_puts(&o, ",");
        put_link_json(&o, &p->links[i]);
    }
    tl__cop_puts(&o, "],\"partners\":[");
    for (int i = 0; i < p->n_partners; i++) {
        if (i)
            tl__cop_puts(&o, ",");
        put_partner_json(&o, &p->partners[i], tl_cop_partner_alert_in_force(p, i));
    }
    tl__cop_puts(&o, "]}\n");
    return tl__cop_out_end(&o, len);
}

/* ------------------------------------------------------------- GeoJSON */

static int point_ok(double lat_rad, double lon_rad)
{
    return isfinite(lat_rad) && isfinite(lon_rad);
}

static void feature_begin(tl__cop_out *o, int *nfeat, const char *kind, const char *id,
                          size_t idcap)
{
    tl__cop_puts(o, (*nfeat)++ ? ",{" : "{");
    tl__cop_printf(o, "\"type\":\"Feature\",\"properties\":{\"kind\":\"%s\",\"track\":", kind);
    tl__cop_json_str(o, id, idcap);
}

static void put_position(tl__cop_out *o, double lat_rad, double lon_rad, double h_m)
{
    tl__cop_printf(o, "[%.6f,%.6f", lon_rad * DEG, lat_rad * DEG);
    if (isfinite(h_m))
        tl__cop_printf(o, ",%.1f", h_m);
    tl__cop_puts(o, "]");
}

static void put_path_feature(tl__cop_out *o, int *nfeat, const tl_cop_track *t, const char *kind,
                             const tl_cop_point *pts, int n)
{
    int valid = 0;
    for (int k = 0; k < n; k++)
        valid += point_ok(pts[k].lat_rad, pts[k].lon_rad);
    if (valid < 2)
        return; /* a LineString needs two positions */
    feature_begin(o, nfeat, kind, t->id, sizeof t->id);
    tl__cop_puts(o, "},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[");
    int first = 1;
    for (int k = 0; k < n; k++) {
        if (!point_ok(pts[k].lat_rad, pts[k].lon_rad))
            continue;
        if (!first)
            tl__cop_puts(o, ",");
        first = 0;
        put_position(o, pts[k].lat_rad, pts[k].lon_rad, pts[k].h_m);
    }
    tl__cop_puts(o, "]}}");
}

static void put_estimate_features(tl__cop_out *o, int *nfeat, const tl_cop_track *t,
                                  const char *what, int64_t t_ns, const tl_cop_ellipse *e,
                                  const tl_cop_impact *im)
{
    char kind[32];
    if (!point_ok(e->lat_rad, e->lon_rad))
        return;
    snprintf(kind, sizeof kind, "%s_point", what);
    feature_begin(o, nfeat, kind, t->id, sizeof t->id);
    tl__cop_printf(o, ",\"t_ns\":%lld,\"semi_major_m\":", (long long)t_ns);
    tl__cop_num(o, "%.1f", e->semi_major_m);
    tl__cop_puts(o, ",\"semi_minor_m\":");
    tl__cop_num(o, "%.1f", e->semi_minor_m);
    tl__cop_puts(o, ",\"orient_deg\":");
    tl__cop_num(o, "%.3f", e->orient_rad * DEG);
    if (im) {
        tl__cop_puts(o, ",\"verdict\":");
        put_verdict(o, im);
        for (int z = 0; z < TL_ZONE_COUNT; z++) {
            tl__cop_printf(o, ",\"p_%s\":", tl_zone_class_name((tl_zone_class)z));
            tl__cop_num(o, "%.4f", im->p_zone[z]);
        }
    }
    tl__cop_puts(o, "},\"geometry\":{\"type\":\"Point\",\"coordinates\":");
    put_position(o, e->lat_rad, e->lon_rad, NAN);
    tl__cop_puts(o, "}}");
    if (!ellipse_drawable(e))
        return;
    snprintf(kind, sizeof kind, "%s_ellipse_95", what);
    feature_begin(o, nfeat, kind, t->id, sizeof t->id);
    tl__cop_puts(o, "},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[");
    put_ring(o, e);
    tl__cop_puts(o, "]}}");
}

/* A partner's launch or impact point and its ellipse, tagged with origin and path. */
static void put_partner_features(tl__cop_out *o, int *nfeat, const tl_cop_partner *q)
{
    const tl_cop_ellipse *e = &q->ell;
    if (q->kind == TL_COP_PROD_ALERT || !q->has_point || !point_ok(e->lat_rad, e->lon_rad))
        return;
    const char *what = tl_cop_prod_kind_name(q->kind);
    for (int ell = 0; ell < 2; ell++) {
        if (ell && !ellipse_drawable(e))
            return;
        char kind[48];
        snprintf(kind, sizeof kind, "partner_%s_%s", what, ell ? "ellipse_95" : "point");
        feature_begin(o, nfeat, kind, q->track_id, sizeof q->track_id);
        tl__cop_puts(o, ",\"origin\":");
        tl__cop_json_str(o, q->origin, sizeof q->origin);
        tl__cop_puts(o, ",\"path\":");
        put_str_array(o, q->path, q->n_path);
        tl__cop_printf(o, ",\"t_ns\":%lld,\"origin_t_ns\":%lld", (long long)q->t_ns,
                       (long long)q->origin_t_ns);
        if (q->kind == TL_COP_PROD_IMPACT) {
            tl__cop_puts(o, ",\"zone_name\":");
            tl__cop_json_str(o, q->zone_name, sizeof q->zone_name);
        }
        tl__cop_puts(o, "},\"geometry\":");
        if (ell) {
            tl__cop_puts(o, "{\"type\":\"Polygon\",\"coordinates\":[");
            put_ring(o, e);
            tl__cop_puts(o, "]}}");
        } else {
            tl__cop_puts(o, "{\"type\":\"Point\",\"coordinates\":");
            put_position(o, e->lat_rad, e->lon_rad, NAN);
            tl__cop_puts(o, "}}");
        }
    }
}

int tl_cop_picture_to_geojson(const tl_cop_picture *p, char *buf, size_t cap, size_t *len,
                              tl_err *err)
{
    int rc = tl_cop_picture_check(p, err);
    if (rc)
        return rc;
    tl__cop_out o;
    int nfeat = 0;
    tl__cop_out_init(&o, buf, cap);
    tl__cop_puts(&o, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (int i = 0; i < p->n_tracks; i++) {
        const tl_cop_track *t = &p->tracks[i];
        if (point_ok(t->lat_rad, t->lon_rad)) {
            feature_begin(&o, &nfeat, "track", t->id, sizeof t->id);
            tl__cop_printf(&o, ",\"t_ns\":%lld,\"phase\":\"%s\",\"class\":", (long long)t->t_ns,
                           tl_phase_name(t->phase));
            const char *cls = class_name(t->cls);
            if (cls)
                tl__cop_printf(&o, "\"%s\"", cls);
            else
                tl__cop_puts(&o, "null");
            tl__cop_puts(&o, ",\"best_nation\":");
            tl__cop_json_str(&o, t->best_nation, sizeof t->best_nation);
            tl__cop_printf(&o, ",\"coasting\":%s", t->coasting ? "true" : "false");
            tl__cop_puts(&o, "},\"geometry\":{\"type\":\"Point\",\"coordinates\":");
            put_position(&o, t->lat_rad, t->lon_rad, t->h_m);
            tl__cop_puts(&o, "}}");
        }
        put_path_feature(&o, &nfeat, t, "flight_path", t->history, t->n_history);
        put_path_feature(&o, &nfeat, t, "predicted_path", t->predicted, t->n_predicted);
        if (t->launch.valid)
            put_estimate_features(&o, &nfeat, t, "launch", t->launch.t_ns, &t->launch.ell, NULL);
        if (t->impact.valid)
            put_estimate_features(&o, &nfeat, t, "impact", t->impact.t_ns, &t->impact.ell,
                                  &t->impact);
    }
    for (int i = 0; i < p->n_partners; i++)
        put_partner_features(&o, &nfeat, &p->partners[i]);
    tl__cop_puts(&o, "]}\n");
    return tl__cop_out_end(&o, len);
}

/* ------------------------------------------------------------- metrics */

static void family(tl__cop_out *o, const char *name, const char *type, const char *help)
{
    tl__cop_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample_begin(tl__cop_out *o, const tl_cop_picture *p, const char *name)
{
    tl__cop_printf(o, "%s{nation=\"", name);
    tl__cop_prom_str(o, p->nation, sizeof p->nation);
    tl__cop_puts(o, "\"");
}

static void sample_value(tl__cop_out *o, double v)
{
    if (isnan(v))
        tl__cop_puts(o, "} NaN\n");
    else if (isinf(v))
        tl__cop_puts(o, v > 0 ? "} +Inf\n" : "} -Inf\n");
    else
        tl__cop_printf(o, "} %.15g\n", v);
}

/* The link families, in output order. */
static const struct {
    const char *name, *type, *help;
} link_families[] = {
    {"tl_cop_link_up", "gauge", "1 if the link is up."},
    {"tl_cop_link_latency_seconds", "gauge", "One-way latency estimate."},
    {"tl_cop_link_messages_received_total", "counter", "Messages received."},
    {"tl_cop_link_messages_sent_total", "counter", "Messages sent."},
    {"tl_cop_link_gaps_total", "counter", "Sequence gaps seen."},
    {"tl_cop_link_duplicates_total", "counter", "Duplicate messages dropped."},
    {"tl_cop_link_rejects_total", "counter", "Messages rejected (policy, checks)."},
    {"tl_cop_link_auth_failures_total", "counter", "DDS Security handshakes that failed on the link's domain."},
};

static double link_value(const tl_cop_link *l, int family_index)
{
    switch (family_index) {
    case 0:
        return l->up ? 1.0 : 0.0;
    case 1:
        return l->latency_s;
    case 2:
        return (double)l->msgs_in;
    case 3:
        return (double)l->msgs_out;
    case 4:
        return (double)l->gaps;
    case 5:
        return (double)l->dups;
    case 6:
        return (double)l->rejects;
    default:
        return (double)l->auth_failures;
    }
}

static int same_origin(const tl_cop_partner *a, const tl_cop_partner *b)
{
    return !strncmp(a->origin, b->origin, sizeof a->origin);
}

/* Partner i is the first of its origin (and, with same_kind, of its kind too). */
static int first_of_origin(const tl_cop_picture *p, int i, int same_kind)
{
    for (int j = 0; j < i; j++)
        if (same_origin(&p->partners[j], &p->partners[i]) &&
            (!same_kind || p->partners[j].kind == p->partners[i].kind))
            return 0;
    return 1;
}

/* name{nation="..",origin=".." (the caller adds more labels and the value) */
static void partner_sample(tl__cop_out *o, const tl_cop_picture *p, const char *name,
                           const char *origin, size_t origin_cap)
{
    sample_begin(o, p, name);
    tl__cop_puts(o, ",origin=\"");
    tl__cop_prom_str(o, origin, origin_cap);
    tl__cop_puts(o, "\"");
}

int tl_cop_picture_to_metrics(const tl_cop_picture *p, char *buf, size_t cap, size_t *len,
                              tl_err *err)
{
    int rc = tl_cop_picture_check(p, err);
    if (rc)
        return rc;
    tl__cop_out o;
    tl__cop_out_init(&o, buf, cap);

    family(&o, "tl_cop_scenario_time_seconds", "gauge",
           "Scenario clock of the picture (UTC seconds).");
    sample_begin(&o, p, "tl_cop_scenario_time_seconds");
    sample_value(&o, (double)p->scenario_t_ns * 1e-9);
    family(&o, "tl_cop_system_tracks", "gauge", "System tracks in the picture.");
    sample_begin(&o, p, "tl_cop_system_tracks");
    sample_value(&o, p->n_tracks);
    family(&o, "tl_cop_alerts", "gauge", "Alert messages in the picture, by CAP msgType.");
    for (int m = TL_COP_MSG_ALERT; m <= TL_COP_MSG_CANCEL; m++) {
        int n = 0;
        for (int i = 0; i < p->n_alerts; i++)
            n += (int)p->alerts[i].msg_type == m;
        sample_begin(&o, p, "tl_cop_alerts");
        tl__cop_printf(&o, ",msg_type=\"%s\"", tl_cop_msg_type_name((tl_cop_msg_type)m));
        sample_value(&o, n);
    }

    family(&o, "tl_cop_track_time_to_impact_seconds", "gauge",
           "Predicted time to impact per system track (negative once past).");
    for (int i = 0; i < p->n_tracks; i++) {
        const tl_cop_track *t = &p->tracks[i];
        if (!t->impact.valid)
            continue;
        sample_begin(&o, p, "tl_cop_track_time_to_impact_seconds");
        tl__cop_puts(&o, ",track=\"");
        tl__cop_prom_str(&o, t->id, sizeof t->id);
        tl__cop_puts(&o, "\"");
        sample_value(&o, (double)(t->impact.t_ns - p->scenario_t_ns) * 1e-9);
    }
    family(&o, "tl_cop_track_impact_probability", "gauge",
           "Probability of impact in each zone over the 95% ellipse, per system track.");
    for (int i = 0; i < p->n_tracks; i++) {
        const tl_cop_track *t = &p->tracks[i];
        if (!t->impact.valid)
            continue;
        for (int z = 0; z < TL_ZONE_COUNT; z++) {
            sample_begin(&o, p, "tl_cop_track_impact_probability");
            tl__cop_puts(&o, ",track=\"");
            tl__cop_prom_str(&o, t->id, sizeof t->id);
            tl__cop_printf(&o, "\",zone=\"%s\"", tl_zone_class_name((tl_zone_class)z));
            sample_value(&o, t->impact.p_zone[z]);
        }
    }

    family(&o, "tl_cop_partner_products", "gauge",
           "Partners' products in the picture, by origin nation and kind.");
    for (int i = 0; i < p->n_partners; i++) {
        const tl_cop_partner *q = &p->partners[i];
        if (!first_of_origin(p, i, 1))
            continue; /* one sample per (origin, kind), at its first product */
        int n = 0;
        for (int j = i; j < p->n_partners; j++)
            n += p->partners[j].kind == q->kind && same_origin(&p->partners[j], q);
        partner_sample(&o, p, "tl_cop_partner_products", q->origin, sizeof q->origin);
        tl__cop_printf(&o, ",kind=\"%s\"", tl_cop_prod_kind_name(q->kind));
        sample_value(&o, n);
    }
    family(&o, "tl_cop_alerts_in_force", "gauge",
           "Alerts in force: own (origin = this nation) and partners'.");
    int own = 0;
    for (int i = 0; i < p->n_alerts; i++)
        own += tl_cop_alert_in_force(p, i);
    partner_sample(&o, p, "tl_cop_alerts_in_force", p->nation, sizeof p->nation);
    sample_value(&o, own);
    for (int i = 0; i < p->n_partners; i++) {
        const tl_cop_partner *q = &p->partners[i];
        /* one sample per partner origin with alerts (never a second series for this nation) */
        if (q->kind != TL_COP_PROD_ALERT || !first_of_origin(p, i, 1) ||
            !strncmp(q->origin, p->nation, sizeof q->origin))
            continue;
        int n = 0;
        for (int j = i; j < p->n_partners; j++)
            n += same_origin(&p->partners[j], q) && tl_cop_partner_alert_in_force(p, j);
        partner_sample(&o, p, "tl_cop_alerts_in_force", q->origin, sizeof q->origin);
        sample_value(&o, n);
    }

    for (int f = 0; f < (int)(sizeof link_families / sizeof link_families[0]); f++) {
        family(&o, link_families[f].name, link_families[f].type, link_families[f].help);
        for (int i = 0; i < p->n_links; i++) {
            const tl_cop_link *l = &p->links[i];
            sample_begin(&o, p, link_families[f].name);
            tl__cop_puts(&o, ",link=\"");
            tl__cop_prom_str(&o, l->name, sizeof l->name);
            tl__cop_puts(&o, "\",peer=\"");
            tl__cop_prom_str(&o, l->peer, sizeof l->peer);
            tl__cop_puts(&o, "\"");
            sample_value(&o, link_value(l, f));
        }
    }
    return tl__cop_out_end(&o, len);
}
