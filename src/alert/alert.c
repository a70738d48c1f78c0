/* alert.c — the alert state machine (see alert.h). Per threat:
 *   idle --risk >= p_issue on issue_confirm_n consecutive inputs of new information
 *        spanning issue_confirm_ns, or >= p_issue_now-->
 *        active (send Alert)
 *   active --significant change, rate-limited--> active (send Update)
 *   active --risk < p_clear held for clear_hold_ns--> idle (send Cancel)
 * The gap between p_issue and p_clear and the hold time are the hysteresis: a
 * probability hovering at either threshold produces no flapping. Risk is the larger
 * of the probability of a fall in the nation's territory or EEZ/waters and the
 * probability of an overflight of its territory. Pure: times come in with the input.
 */
#include "trilink/alert.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const type_names[] = {"None", "Alert", "Update", "Cancel"};
static const char *const reason_names[] = {"none",    "impact_risk", "overflight",
                                           "class",   "probability", "tighter",
                                           "moved",   "cleared",     "fell",
                                           "fell_outside"};

const char *tl_alert_type_name(tl_alert_type t)
{
    return (unsigned)t < 4 ? type_names[t] : "unknown";
}

const char *tl_alert_reason_name(tl_alert_reason r)
{
    return (unsigned)r < sizeof reason_names / sizeof reason_names[0] ? reason_names[r] : "unknown";
}

const char *tl_alert_msg_ref_id(const tl_alert_msg *m, size_t i)
{
    return i < m->n_refs ? m->ref_id + i * TL_ALERT_ID_LEN : "";
}

void tl_alert_cfg_default(tl_alert_cfg *cfg, tl_alert_nation nation)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->nation = nation;
    cfg->status = TL_ALERT_STATUS_EXERCISE;
    cfg->p_issue = 0.2;
    cfg->p_clear = 0.05;
    cfg->clear_hold_ns = 10 * 1000000000LL;
    cfg->update_dp = 0.2;
    cfg->update_area_ratio = 2.0;
    cfg->update_shift_m = 50e3;
    cfg->update_min_interval_ns = 5 * 1000000000LL;
    cfg->expires_after_impact_ns = 3600 * 1000000000LL;
    cfg->issue_confirm_n = 2;
    cfg->issue_confirm_ns = 5 * 1000000000LL;
    cfg->p_issue_now = 0.8;
    int jp = nation == TL_ALERT_NATION_JP;
    snprintf(cfg->sender, sizeof cfg->sender, "%s",
             jp ? "trilink.jp@node.invalid" : "trilink.kr@node.invalid");
    snprintf(cfg->sender_name, sizeof cfg->sender_name, "trilink %s national node (drill)",
             jp ? "JP" : "KR");
    snprintf(cfg->id_prefix, sizeof cfg->id_prefix, "%s", jp ? "TRILINK-JP" : "TRILINK-KR");
}

/* CAP 1.2 3.2.1: identifier and sender contain no spaces, commas or restricted
 * characters (< and &). */
static int cap_token_ok(const char *s)
{
    if (!s[0])
        return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s == ',' || *s == '<' || *s == '&' || *s == 0x7f)
            return 0;
    return 1;
}

int tl_alert_init(tl_alert *a, const tl_alert_cfg *cfg, tl_err *err)
{
    if (!a || !cfg)
        return tl_err_set(err, TL_EINVAL, "tl_alert_init: NULL argument");
    if (cfg->nation != TL_ALERT_NATION_JP && cfg->nation != TL_ALERT_NATION_KR)
        return tl_err_set(err, TL_EINVAL, "alert cfg nation: %d is not JP or KR", (int)cfg->nation);
    if ((unsigned)cfg->status > TL_ALERT_STATUS_TEST)
        return tl_err_set(err, TL_EINVAL, "alert cfg status: %d", (int)cfg->status);
    if (!(cfg->p_issue > 0 && cfg->p_issue <= 1))
        return tl_err_set(err, TL_EINVAL, "alert cfg p_issue: %g not in (0, 1]", cfg->p_issue);
    if (cfg->issue_confirm_n < 1 || cfg->issue_confirm_n > 100)
        return tl_err_set(err, TL_EINVAL, "alert cfg issue_confirm_n: %d not in [1, 100]",
                          cfg->issue_confirm_n);
    if (!(cfg->p_issue_now >= cfg->p_issue && cfg->p_issue_now <= 1))
        return tl_err_set(err, TL_EINVAL, "alert cfg p_issue_now: %g not in [p_issue %g, 1]",
                          cfg->p_issue_now, cfg->p_issue);
    if (!(cfg->p_clear >= 0 && cfg->p_clear < cfg->p_issue))
        return tl_err_set(err, TL_EINVAL, "alert cfg p_clear: %g not in [0, p_issue %g)",
                          cfg->p_clear, cfg->p_issue);
    if (cfg->clear_hold_ns < 0 || cfg->update_min_interval_ns < 0 || cfg->issue_confirm_ns < 0 ||
        cfg->expires_after_impact_ns < 0)
        return tl_err_set(err, TL_EINVAL, "alert cfg: negative duration");
    if (!(cfg->update_dp > 0) || !(cfg->update_area_ratio > 1) || !(cfg->update_shift_m > 0))
        return tl_err_set(
            err, TL_EINVAL,
            "alert cfg update thresholds: dp %g (> 0), area ratio %g (> 1), shift %g m (> 0)",
            cfg->update_dp, cfg->update_area_ratio, cfg->update_shift_m);
    if (!memchr(cfg->sender, 0, sizeof cfg->sender) || !cap_token_ok(cfg->sender))
        return tl_err_set(err, TL_EINVAL,
                          "alert cfg sender: '%.96s' must be non-empty without spaces, "
                          "commas, '<' or '&' (CAP 1.2 3.2.1)",
                          cfg->sender);
    if (!memchr(cfg->id_prefix, 0, sizeof cfg->id_prefix) || !cap_token_ok(cfg->id_prefix))
        return tl_err_set(err, TL_EINVAL,
                          "alert cfg id_prefix: '%.32s' must be non-empty without "
                          "spaces, commas, '<' or '&'",
                          cfg->id_prefix);
    if (!memchr(cfg->sender_name, 0, sizeof cfg->sender_name))
        return tl_err_set(err, TL_EINVAL, "alert cfg sender_name: not NUL-terminated");
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    a->last_t_ns = INT64_MIN;
    a->below_since_ns = -1;
    return TL_OK;
}

static double zone_p(const tl_alert_cfg *cfg, const tl_zone_verdict *v, double *p_terr)
{
    if (cfg->nation == TL_ALERT_NATION_JP) {
        *p_terr = v->p[TL_ZONE_JP_TERRITORY];
        return v->p_jp;
    }
    *p_terr = v->p[TL_ZONE_KR_TERRITORY];
    return v->p_kr;
}

static void fill_msg(const tl_alert *a, const tl_alert_input *in, tl_alert_type type,
                     tl_alert_reason reason, tl_alert_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = type;
    m->reason = reason;
    m->nation = a->cfg.nation;
    m->sent_ns = in->t_ns;
    m->object_id = in->object_id;
    m->p_zone = zone_p(&a->cfg, &in->verdict, &m->p_territory);
    m->p_overflight = in->p_overflight;
    m->risk = fmax(m->p_zone, m->p_overflight);
    /* The event keeps the alert's kind unless an overflight has become the larger risk. */
    m->overflight = m->p_overflight > m->p_zone ? 1 : (a->active ? a->last.overflight : 0);
    m->cls_likely = in->verdict.cls_likely;
    m->lat_rad = in->verdict.lat_rad;
    m->lon_rad = in->verdict.lon_rad;
    m->ellipse = in->verdict.ellipse;
    m->t_impact_ns = in->verdict.t_impact_ns;
    m->time_to_impact_s = (double)(in->verdict.t_impact_ns - in->t_ns) * 1e-9;
}

/* Give m an identifier and the chain as references, then record it in the chain. */
static void send(tl_alert *a, tl_alert_msg *m)
{
    a->seq++;
    /* The send time (s) keeps identifiers unique when track numbers are reused. */
    snprintf(m->identifier, sizeof m->identifier, "%s-T%06u-%lld-%04u", a->cfg.id_prefix,
             (unsigned)m->object_id, (long long)(m->sent_ns / 1000000000LL), (unsigned)a->seq);
    if (m->type != TL_ALERT_ALERT) {
        m->n_refs = a->n_chain;
        memcpy(m->ref_id, a->chain_id, a->n_chain * TL_ALERT_ID_LEN);
        memcpy(m->ref_sent_ns, a->chain_sent_ns, a->n_chain * sizeof *a->chain_sent_ns);
    } else {
        a->n_chain = 0;
    }
    /* Keep the first message and the most recent ones. */
    if (a->n_chain == TL_ALERT_MAX_REFS) {
        memmove(a->chain_id + TL_ALERT_ID_LEN, a->chain_id + 2 * TL_ALERT_ID_LEN,
                (TL_ALERT_MAX_REFS - 2) * TL_ALERT_ID_LEN);
        memmove(a->chain_sent_ns + 1, a->chain_sent_ns + 2,
                (TL_ALERT_MAX_REFS - 2) * sizeof(int64_t));
        a->n_chain--;
    }
    memcpy(a->chain_id + a->n_chain * TL_ALERT_ID_LEN, m->identifier, TL_ALERT_ID_LEN);
    a->chain_sent_ns[a->n_chain++] = m->sent_ns;
    a->last = *m;
}

static tl_alert_reason update_reason(const tl_alert *a, const tl_alert_msg *now)
{
    const tl_alert_msg *was = &a->last;
    if (now->cls_likely != was->cls_likely)
        return TL_ALERT_R_CLASS;
    if (fabs(now->risk - was->risk) >= a->cfg.update_dp)
        return TL_ALERT_R_PROBABILITY;
    double area_now = now->ellipse.semi_major_m * now->ellipse.semi_minor_m;
    double area_was = was->ellipse.semi_major_m * was->ellipse.semi_minor_m;
    if (area_was > 0 && area_now * a->cfg.update_area_ratio <= area_was)
        return TL_ALERT_R_TIGHTER;
    double s = 0;
    tl_geodesic_inverse(was->lat_rad, was->lon_rad, now->lat_rad, now->lon_rad, &s, NULL, NULL);
    if (s >= a->cfg.update_shift_m)
        return TL_ALERT_R_MOVED;
    return TL_ALERT_R_NONE;
}

int tl_alert_step(tl_alert *a, const tl_alert_input *in, tl_alert_msg *out, tl_err *err)
{
    if (!a || !in || !out)
        return tl_err_set(err, TL_EINVAL, "tl_alert_step: NULL argument");
    if (in->t_ns < 0 || in->t_ns < a->last_t_ns)
        return tl_err_set(err, TL_EINVAL,
                          "alert input t_ns %lld: negative or before the last input %lld",
                          (long long)in->t_ns, (long long)a->last_t_ns);
    if (!(in->p_overflight >= 0 && in->p_overflight <= 1))
        return tl_err_set(err, TL_EINVAL, "alert input p_overflight: %g not in [0, 1]",
                          in->p_overflight);
    double pt;
    double pz = zone_p(&a->cfg, &in->verdict, &pt);
    if (!(pz >= -1e-9 && pz <= 1 + 1e-9) || !(pt >= -1e-9 && pt <= pz + 1e-9) ||
        !isfinite(in->verdict.lat_rad) || !isfinite(in->verdict.lon_rad))
        return tl_err_set(err, TL_EINVAL,
                          "alert input verdict: zone probability %g / territory %g or "
                          "mean (%g, %g) invalid",
                          pz, pt, in->verdict.lat_rad, in->verdict.lon_rad);

    tl_alert_msg m;
    out->type = TL_ALERT_NONE;
    a->last_t_ns = in->t_ns;
    double risk = fmax(pz, in->p_overflight);
    if (a->closed)
        return TL_OK;

    if (!a->active) {
        /* Confirmation counts looks, not computations: an input made from the same track
         * update as the last counted one (a prediction every 2 s, a radar revisit of 5 s)
         * adds nothing, and the run must span issue_confirm_ns of information time. */
        int64_t info = in->info_t_ns ? in->info_t_ns : in->t_ns;
        if (risk < a->cfg.p_issue) {
            a->above_n = 0;
        } else if (a->above_n == 0) {
            a->above_n = 1;
            a->above_info0_ns = a->above_info_ns = info;
        } else if (info > a->above_info_ns) {
            a->above_n++;
            a->above_info_ns = info;
        }
        int confirmed = a->above_n >= a->cfg.issue_confirm_n &&
                        a->above_info_ns - a->above_info0_ns >= a->cfg.issue_confirm_ns;
        if (confirmed || risk >= a->cfg.p_issue_now) {
            tl_alert_reason why =
                pz >= in->p_overflight ? TL_ALERT_R_IMPACT_RISK : TL_ALERT_R_OVERFLIGHT;
            fill_msg(a, in, TL_ALERT_ALERT, why, &m);
            send(a, &m);
            a->active = 1;
            a->above_n = 0;
            a->below_since_ns = -1;
            *out = m;
        }
        return TL_OK;
    }
    if (risk < a->cfg.p_clear) {
        if (a->below_since_ns < 0)
            a->below_since_ns = in->t_ns;
        if (in->t_ns - a->below_since_ns >= a->cfg.clear_hold_ns) {
            fill_msg(a, in, TL_ALERT_CANCEL, TL_ALERT_R_CLEARED, &m);
            send(a, &m);
            a->active = 0;
            a->below_since_ns = -1;
            *out = m;
        }
        return TL_OK;
    }
    a->below_since_ns = -1;
    if (in->t_ns - a->last.sent_ns < a->cfg.update_min_interval_ns)
        return TL_OK;
    fill_msg(a, in, TL_ALERT_UPDATE, TL_ALERT_R_NONE, &m);
    m.reason = update_reason(a, &m);
    if (m.reason != TL_ALERT_R_NONE) {
        send(a, &m);
        *out = m;
    }
    return TL_OK;
}

int tl_alert_close(tl_alert *a, const tl_alert_input *in, tl_alert_msg *out, tl_err *err)
{
    if (!a || !in || !out)
        return tl_err_set(err, TL_EINVAL, "tl_alert_close: NULL argument");
    if (in->t_ns < a->last_t_ns || in->t_ns < in->verdict.t_impact_ns)
        return tl_err_set(err, TL_EINVAL,
                          "alert close t_ns %lld: before the last input %lld or the impact "
                          "time %lld",
                          (long long)in->t_ns, (long long)a->last_t_ns,
                          (long long)in->verdict.t_impact_ns);
    out->type = TL_ALERT_NONE;
    a->last_t_ns = in->t_ns;
    if (a->closed || !a->active) {
        a->closed = 1;
        return TL_OK;
    }
    double pt, pz = zone_p(&a->cfg, &in->verdict, &pt);
    double p_over = in->p_overflight >= 0 && in->p_overflight <= 1 ? in->p_overflight : 0;
    int inside = fmax(pz, p_over) >= a->cfg.p_clear;
    tl_alert_msg m;
    fill_msg(a, in, inside ? TL_ALERT_UPDATE : TL_ALERT_CANCEL,
             inside ? TL_ALERT_R_FELL : TL_ALERT_R_FELL_OUTSIDE, &m);
    send(a, &m);
    a->active = 0;
    a->closed = 1;
    a->below_since_ns = -1;
    *out = m;
    return TL_OK;
}
