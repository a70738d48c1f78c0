/* adapt.c — fills COP structs from the node's own products: a fusion system track
 * (fusion.h), a threat prediction (predict.h) with its zone verdict (zones.h), a predicted
 * ground track, and an alert message (alert.h). Conversions only: ECEF to geodetic and
 * local East-North-Up (geo.h), the quality as sqrt(trace) of the position covariance (as
 * fusion.h's pos_sigma_m), and the track number as "T%06u" (as the CAP text). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cop_int.h"
#include "trilink/geo.h"

#define TL_COP_TERMINAL_H_M 100e3 /* flight.h: terminal phase below ~100 km on the way down */

void tl_cop_track_id(uint32_t stn, char id[TL_COP_ID_LEN])
{
    snprintf(id, TL_COP_ID_LEN, "T%06u", (unsigned)stn);
}

void tl_cop_track_from_system(tl_cop_track *out, const tl_system_track *st)
{
    tl_geodetic g;
    tl_ecef_to_geodetic(st->est.x, &g);
    tl_cop_track_id(st->stn, out->id);
    out->t_ns = st->est.t_ns;
    out->lat_rad = g.lat_rad, out->lon_rad = g.lon_rad, out->h_m = g.h_m;
    tl_vec_ecef_to_enu(g.lat_rad, g.lon_rad, st->est.x + 3, out->vel_enu_mps);
    out->pos_sigma_m = sqrt(st->est.P[0][0] + st->est.P[1][1] + st->est.P[2][2]);
    out->n_contributors = 0;
    for (int i = 0; i < st->n_contrib && i < TL_FUSION_MAX_CONTRIB; i++) {
        const char *nat = st->contrib[i].nation;
        int seen = 0;
        for (int k = 0; k < out->n_contributors; k++)
            seen |= !strncmp(out->contributors[k], nat, TL_COP_NATION_LEN);
        if (!seen && out->n_contributors < TL_COP_MAX_NATIONS)
            snprintf(out->contributors[out->n_contributors++], TL_COP_NATION_LEN, "%.*s",
                     TL_COP_NATION_LEN - 1, nat);
    }
    snprintf(out->best_nation, sizeof out->best_nation, "%.*s", TL_COP_NATION_LEN - 1,
             st->best_nation);    out->coasting = st->coasting;
}

static void ellipse_from(tl_cop_ellipse *e, const tl_geodetic *at, const tl_ground_ellipse *g)
{
    e->lat_rad = at->lat_rad, e->lon_rad = at->lon_rad;
    e->semi_major_m = g->semi_major_m, e->semi_minor_m = g->semi_minor_m;
    e->orient_rad = g->major_az_rad;
}

void tl_cop_track_set_threat(tl_cop_track *out, const tl_threat_pred *tp, const tl_zone_verdict *v)
{
    out->cls = tp->space_launch ? TL_CLASS_SLV : tp->cls;
    out->loft = tp->loft;
    out->apogee_m = tp->apogee_h_m;
    out->range_m = tp->range_m > 0.0 ? tp->range_m : NAN; /* 0: launch or impact not found */
    out->launch.valid = tp->launch.status == TL_PRED_IMPACT;
    if (out->launch.valid) {
        out->launch.t_ns = tp->launch.t_ns;
        ellipse_from(&out->launch.ell, &tp->launch.point, &tp->launch.ell);
    }
    out->impact.valid = tp->impact.status == TL_PRED_IMPACT;
    if (out->impact.valid) {
        out->impact.t_ns = tp->impact.t_ns;
        ellipse_from(&out->impact.ell, &tp->impact.point, &tp->impact.ell);
        for (int z = 0; z < TL_ZONE_COUNT; z++)
            out->impact.p_zone[z] = v ? v->p[z] : NAN;
    }
}

void tl_cop_track_push_history(tl_cop_track *t, const tl_cop_point *pt)
{
    if (t->n_history < 0 || t->n_history > TL_COP_MAX_HISTORY)
        t->n_history = 0;
    if (t->n_history == TL_COP_MAX_HISTORY) {
        /* full: keep every other point (the oldest stays), so the path still starts at
         * the first detection and spacing doubles as the flight gets longer */
        for (int i = 0; i < TL_COP_MAX_HISTORY / 2; i++)
            t->history[i] = t->history[2 * i];
        t->n_history = TL_COP_MAX_HISTORY / 2;
    }
    t->history[t->n_history++] = *pt;
}

void tl_cop_track_set_predicted(tl_cop_track *t, const tl_track_sample *s, size_t n)
{
    size_t keep = n < TL_COP_MAX_PREDICTED ? n : TL_COP_MAX_PREDICTED;
    t->n_predicted = 0;
    for (size_t k = 0; k < keep; k++) {
        /* evenly spaced, first and last (the impact point) always kept */
        size_t i = keep > 1 ? k * (n - 1) / (keep - 1) : 0;
        tl_cop_point *q = &t->predicted[t->n_predicted++];
        q->t_ns = s[i].t_ns;
        q->lat_rad = s[i].lat_rad, q->lon_rad = s[i].lon_rad, q->h_m = s[i].h_m;
        q->phase = s[i].h_m < TL_COP_TERMINAL_H_M && i > 0 && s[i].h_m < s[i - 1].h_m
                       ? TL_PHASE_TERMINAL
                       : TL_PHASE_MIDCOURSE;
    }
}

int tl_cop_alert_from_msg(tl_cop_alert *out, const tl_alert_msg *m, const tl_alert_cfg *cfg,
                          tl_err *err)
{
    static const char *const status[] = {"Actual", "Exercise", "Test"};
    tl_cop_msg_type type;
    switch (m->type) {
    case TL_ALERT_ALERT:
        type = TL_COP_MSG_ALERT;
        break;
    case TL_ALERT_UPDATE:
        type = TL_COP_MSG_UPDATE;
        break;
    case TL_ALERT_CANCEL:
        type = TL_COP_MSG_CANCEL;
        break;
    default:
        return tl_err_set(err, TL_EINVAL, "cop alert: message type %d is not Alert/Update/Cancel",
                          (int)m->type);
    }
    memset(out, 0, sizeof *out);
    out->msg_type = type;
    snprintf(out->id, sizeof out->id, "%s", m->identifier);
    int st = (int)cfg->status;
    snprintf(out->status, sizeof out->status, "%s", st >= 0 && st <= 2 ? status[st] : "Actual");
    out->sent_ns = m->sent_ns;
    out->impact_t_ns = m->t_impact_ns;
    tl_cop_track_id(m->object_id, out->track_id);
    const char *who = m->nation == TL_ALERT_NATION_KR ? "Korea" : "Japan";
    if (type == TL_COP_MSG_CANCEL)
        snprintf(out->headline, sizeof out->headline, "Warning withdrawn: %s no longer at risk",
                 who);
    else if (m->overflight)
        snprintf(out->headline, sizeof out->headline, "Missile may pass over %s (P %.0f%%)", who,
                 100.0 * m->p_overflight);
    else
        snprintf(out->headline, sizeof out->headline,
                 "Missile may fall in %s's territory or waters (P %.0f%%, territory %.0f%%)", who,
                 100.0 * m->p_zone, 100.0 * m->p_territory);
    snprintf(out->area_desc, sizeof out->area_desc,
             "Predicted impact area, 95%% ellipse %.0f x %.0f km (%s)",
             2e-3 * m->ellipse.semi_major_m, 2e-3 * m->ellipse.semi_minor_m,
             tl_zone_class_name(m->cls_likely));
    out->has_circle = isfinite(m->lat_rad) && isfinite(m->lon_rad) && m->ellipse.semi_major_m > 0.0;
    out->area_lat_rad = m->lat_rad, out->area_lon_rad = m->lon_rad;
    out->area_radius_m = m->ellipse.semi_major_m;
    for (size_t i = 0; i < m->n_refs && i < TL_COP_MAX_REFS; i++)
        snprintf(out->references[out->n_references++], sizeof out->references[0], "%s",
                 tl_alert_msg_ref_id(m, i));
    return TL_OK;
}
