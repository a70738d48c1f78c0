/* validate.c — checks every partner product before the node uses it: known origin,
 * a sane path (origin first, the sender last, no loops, not us), finite numbers,
 * symmetric positive-definite covariances (Cholesky), times within the configured
 * window around our clock, enum and count ranges, releasability to us or to a
 * nation we relay to, and sequence sanity. Rejects are counted by reason. */
#include "trilink/link.h"

#include <math.h>
#include <string.h>

#include "trilink/netconfig.h"

static const char *const kind_names[] = {"?", "track", "launch", "impact", "alert"};

const char *tl_product_kind_name(tl_product_kind k)
{
    return (k > 0 && k < TL_PROD_KIND_COUNT) ? kind_names[k] : "?";
}

int tl_product_kind_parse(const char *s, tl_product_kind *out)
{
    for (int k = 1; k < TL_PROD_KIND_COUNT; k++)
        if (!strcmp(s, kind_names[k])) {
            *out = (tl_product_kind)k;
            return 0;
        }
    return TL_EINVAL;
}

static const char *const reason_names[TL_REJ_COUNT] = {
    "none", "nonfinite", "not_pd", "time_window", "unknown_origin",
    "bad_sequence", "bad_path", "not_releasable", "bad_field"};

const char *tl_reject_reason_name(tl_reject_reason r)
{
    return (r >= 0 && r < TL_REJ_COUNT) ? reason_names[r] : "?";
}

static int all_finite(const double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* Symmetric (relative 1e-9) and Cholesky succeeds with strictly positive pivots. */
static int is_spd(const double *A, int n)
{
    double L[36] = {0}, scale = 0;
    for (int i = 0; i < n; i++)
        scale = fmax(scale, fabs(A[i * n + i]));
    if (!(scale > 0))
        return 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (fabs(A[i * n + j] - A[j * n + i]) > 1e-9 * scale)
                return 0;
    for (int j = 0; j < n; j++) {
        double d = A[j * n + j];
        for (int k = 0; k < j; k++)
            d -= L[j * n + k] * L[j * n + k];
        if (!(d > 1e-12 * scale))
            return 0;
        L[j * n + j] = sqrt(d);
        for (int i = j + 1; i < n; i++) {
            double s = A[i * n + j];
            for (int k = 0; k < j; k++)
                s -= L[i * n + k] * L[j * n + k];
            L[i * n + j] = s / L[j * n + j];
        }
    }
    return 1;
}

static int terminated(const char *s, size_t cap) { return memchr(s, '\0', cap) != NULL; }

static int in_window(const tl_netconfig *cfg, int64_t t_ns, int64_t now_ns)
{
    /* In double: a hostile t_ns (INT64_MIN) must not overflow the subtraction. */
    double dt_s = ((double)t_ns - (double)now_ns) * 1e-9;
    return dt_s >= -cfg->window_past_s && dt_s <= cfg->window_future_s;
}

tl_reject_reason tl_product_validate(const tl_netconfig *cfg, const char *self, const char *via,
                                     const tl_product *p, int64_t now_ns, const char **detail)
{
    const tl_product_hdr *h = &p->hdr;
    const char *dummy;
    if (!detail)
        detail = &dummy;
    *detail = "";
    if (!terminated(h->origin, sizeof h->origin) || tl_netconfig_nation(cfg, h->origin) < 0) {
        *detail = "origin";
        return TL_REJ_UNKNOWN_ORIGIN;
    }
    /* Path: origin first, the sending neighbour last, each nation once, never us. */
    if (h->path_len < 1 || h->path_len > TL_PATH_MAX || strcmp(h->path[0], h->origin) ||
        strcmp(h->path[h->path_len - 1], via)) {
        *detail = "path must run from origin to the sender";
        return TL_REJ_BAD_PATH;
    }
    for (int i = 0; i < h->path_len; i++) {
        if (tl_netconfig_nation(cfg, h->path[i]) < 0 || !strcmp(h->path[i], self)) {
            *detail = "path holds an unknown nation or us";
            return TL_REJ_BAD_PATH;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(h->path[i], h->path[j])) {
                *detail = "path loops";
                return TL_REJ_BAD_PATH;
            }
    }
    /* Numbers. */
    switch (p->kind) {
    case TL_PROD_TRACK: {
        const tl_track_product *t = &p->u.track;
        if (!all_finite(t->est.x, 6) || !all_finite(&t->est.P[0][0], 36) || !isfinite(t->quality)) {
            *detail = "track state, covariance or quality";
            return TL_REJ_NONFINITE;
        }
        if (!is_spd(&t->est.P[0][0], 6)) {
            *detail = "track covariance P";
            return TL_REJ_NOT_PD;
        }
        if (!isfinite(t->beta_kg_m2) || !isfinite(t->beta_ln_sigma)) {
            *detail = "track beta_kg_m2 or beta_ln_sigma";
            return TL_REJ_NONFINITE;
        }
        break;
    }
    case TL_PROD_LAUNCH: {
        const tl_launch_estimate *l = &p->u.launch;
        if (!all_finite(l->pos_ecef, 3) || !all_finite(&l->P_pos[0][0], 9) || !isfinite(l->launch_t_sigma_s)) {
            *detail = "launch point, covariance or time sigma";
            return TL_REJ_NONFINITE;
        }
        if (!is_spd(&l->P_pos[0][0], 3)) {
            *detail = "launch covariance P_pos";
            return TL_REJ_NOT_PD;
        }
        break;
    }
    case TL_PROD_IMPACT: {
        const tl_impact_prediction *m = &p->u.impact;
        double v[6] = {m->pos_ecef[0], m->pos_ecef[1], m->pos_ecef[2], m->impact_t_sigma_s,
                       m->ellipse_semi_major_m, m->ellipse_semi_minor_m};
        if (!all_finite(v, 6) || !isfinite(m->ellipse_orient_rad)) {
            *detail = "impact point, ellipse or time sigma";
            return TL_REJ_NONFINITE;
        }
        /* The 95% ellipse is the covariance's picture: axes must be a valid PD shape. */
        if (!(m->ellipse_semi_minor_m > 0 && m->ellipse_semi_major_m >= m->ellipse_semi_minor_m)) {
            *detail = "impact ellipse axes";
            return TL_REJ_NOT_PD;
        }
        break;
    }
    case TL_PROD_ALERT:
        break;
    default:
        *detail = "kind";
        return TL_REJ_BAD_FIELD;
    }
    /* Times. */
    if (!in_window(cfg, h->origin_time_ns, now_ns)) {
        *detail = "origin_time_ns";
        return TL_REJ_TIME_WINDOW;
    }
    if (p->kind == TL_PROD_TRACK && !in_window(cfg, p->u.track.est.t_ns, now_ns)) {
        *detail = "track t_ns";
        return TL_REJ_TIME_WINDOW;
    }
    /* Fields. */
    switch (p->kind) {
    case TL_PROD_TRACK: {
        const tl_track_product *t = &p->u.track;
        if (t->phase < 0 || t->phase > 5 || t->missile_class < -1 || t->missile_class > 4 ||
            t->quality < 0 || t->quality > 1 || t->n_sensors < 0 || t->n_sensors > TL_TRACK_SENSORS_MAX) {
            *detail = "track phase, class, quality or sensors";
            return TL_REJ_BAD_FIELD;
        }
        if (t->beta_kg_m2 < 0 || (t->beta_kg_m2 > 0 && !(t->beta_ln_sigma > 0))) {
            *detail = "track beta_kg_m2 (< 0) or beta_ln_sigma (<= 0 with a beta)";
            return TL_REJ_BAD_FIELD;
        }
        break;
    }
    case TL_PROD_LAUNCH:
        if (p->u.launch.launch_t_sigma_s < 0) {
            *detail = "launch_t_sigma_s";
            return TL_REJ_BAD_FIELD;
        }
        break;
    case TL_PROD_IMPACT:
        if (p->u.impact.zone_verdict < 0 || p->u.impact.zone_verdict > TL_ZONE_LEVEL_TERRITORY ||
            p->u.impact.impact_t_sigma_s < 0) {
            *detail = "impact zone_verdict or time sigma";
            return TL_REJ_BAD_FIELD;
        }
        break;
    case TL_PROD_ALERT:
        if (p->u.alert.severity < 0 || p->u.alert.severity > 3 || p->u.alert.zone_verdict < 0 ||
            p->u.alert.zone_verdict > TL_ZONE_LEVEL_TERRITORY) {
            *detail = "alert severity or zone_verdict";
            return TL_REJ_BAD_FIELD;
        }
        break;
    default:
        break;
    }
    /* Releasability: to us, or through us to a nation not yet on the path. */
    int si = tl_netconfig_nation(cfg, self);
    uint32_t mask = h->releasable_mask & tl_netconfig_dests(cfg, h->origin, p->kind, NULL);
    if (!(mask & (1u << si))) {
        uint32_t beyond = (cfg->relay_mask & (1u << si)) ? mask & ~(1u << si) : 0;
        for (int i = 0; i < h->path_len; i++)
            beyond &= ~(1u << tl_netconfig_nation(cfg, h->path[i]));
        if (!beyond) {
            *detail = "releasable_mask";
            return TL_REJ_NOT_RELEASABLE;
        }
    }
    if (h->seq == 0 || h->prev_seq >= h->seq || h->seq >= TL_SEQ_LIMIT) {
        *detail = "seq / prev_seq";
        return TL_REJ_BAD_SEQUENCE;
    }
    return TL_REJ_NONE;
}
