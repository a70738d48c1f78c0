/* node_cop_link.c — a partner's tl_product (link.h) into the COP's plain product
 * (node_cop.h), so that node_cop.c deals only in the COP's types. */
#include <stdio.h>
#include <string.h>

#include "node_cop.h"
#include "trilink/link.h"

/* Copy a possibly unterminated char array into dst (cap bytes), always terminated. */
void tl_nodecop_copy_str(char *dst, size_t cap, const char *src, size_t src_cap)
{
    const char *end = memchr(src, 0, src_cap);
    size_t n = end ? (size_t)(end - src) : src_cap;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

void tl_nodecop_partner(tl_nodecop *c, const tl_product *p, int64_t now_ns)
{
    if (!c || !p || p->kind == TL_PROD_TRACK)
        return;
    tl_nodecop_product tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.kind = (int)p->kind;
    tl_nodecop_copy_str(tmp.origin, sizeof tmp.origin, p->hdr.origin, sizeof p->hdr.origin);
    int n = p->hdr.path_len < 0 ? 0 : p->hdr.path_len > 8 ? 8 : p->hdr.path_len;
    for (int i = 0; i < n; i++)
        tl_nodecop_copy_str(tmp.path[i], sizeof tmp.path[i], p->hdr.path[i], sizeof p->hdr.path[i]);
    tmp.n_path = n;
    tmp.seq = p->hdr.seq;
    tmp.origin_t_ns = p->hdr.origin_time_ns;
    switch (p->kind) {
    case TL_PROD_LAUNCH: {
        const tl_launch_estimate *l = &p->u.launch;
        tl_nodecop_copy_str(tmp.track_id, sizeof tmp.track_id, l->track_id, sizeof l->track_id);
        tmp.t_ns = l->launch_t_ns;
        tmp.t_sigma_s = l->launch_t_sigma_s;
        memcpy(tmp.pos_ecef, l->pos_ecef, sizeof tmp.pos_ecef);
        memcpy(tmp.P_pos, l->P_pos, sizeof tmp.P_pos);
        break;
    }
    case TL_PROD_IMPACT: {
        const tl_impact_prediction *m = &p->u.impact;
        tl_nodecop_copy_str(tmp.track_id, sizeof tmp.track_id, m->track_id, sizeof m->track_id);
        tmp.t_ns = m->impact_t_ns;
        tmp.t_sigma_s = m->impact_t_sigma_s;
        memcpy(tmp.pos_ecef, m->pos_ecef, sizeof tmp.pos_ecef);
        tmp.semi_major_m = m->ellipse_semi_major_m;
        tmp.semi_minor_m = m->ellipse_semi_minor_m;
        tmp.orient_rad = m->ellipse_orient_rad;
        tmp.zone_verdict = m->zone_verdict;
        tl_nodecop_copy_str(tmp.zone_name, sizeof tmp.zone_name, m->zone_name, sizeof m->zone_name);
        break;
    }
    case TL_PROD_ALERT: {
        const tl_alert_product *a = &p->u.alert;
        tl_nodecop_copy_str(tmp.track_id, sizeof tmp.track_id, a->track_id, sizeof a->track_id);
        tl_nodecop_copy_str(tmp.alert_id, sizeof tmp.alert_id, a->alert_id, sizeof a->alert_id);
        tmp.t_ns = a->impact_t_ns;
        tmp.severity = a->severity;
        tmp.zone_verdict = a->zone_verdict;
        tl_nodecop_copy_str(tmp.text, sizeof tmp.text, a->text, sizeof a->text);
        break;
    }
    default:
        return;
    }
    tl_nodecop_partner_plain(c, &tmp, now_ns);
}
