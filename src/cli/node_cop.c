/* node_cop.c — the node's web COP (node_cop.h): the pipeline's picture plus the partners'
 * products as received. Partners' launch and impact estimates and alerts are kept here,
 * not in the pipeline (which only counts them): they are shown as the partner's, never
 * merged into the own estimates. The newest per (kind, origin, track) is kept. An impact
 * estimate stays until 60 s (scenario) after its impact time, however old (a partner
 * whose track coasts may stop refreshing it; the page shows its age); a launch estimate
 * stays while its track's impact estimate does, else 300 s after its last refresh; alerts
 * stay until 120 s after their impact time; when the table is full the oldest received
 * goes. The link may call tl_nodecop_partner on its own thread: a mutex. */
#ifdef TL_HAVE_COP
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_cop.h"
#include "trilink/cop.h"
#include "trilink/geo.h"

#define NS 1000000000LL
#define IMPACT_KEEP_NS (60 * NS)
#define REFRESH_KEEP_NS (300 * NS)
#define ALERT_KEEP_NS (120 * NS)

typedef struct kept {
    tl_cop_partner q;
    int64_t rx_scn_ns; /* scenario clock when last received */
} kept;

struct tl_nodecop {
    tl_cop *cop;
    pthread_mutex_t mu; /* guards part, n_part, clock_ns */
    kept part[TL_COP_MAX_PARTNER];
    int n_part;
    int64_t clock_ns; /* the pipeline's scenario clock at the last update */
    tl_cop_picture pic;
};

int tl_nodecop_start(int port, tl_nodecop **out, tl_err *err)
{
    tl_nodecop *c = calloc(1, sizeof *c);
    if (!c)
        return tl_err_set(err, TL_ENOMEM, "cop: out of memory");
    tl_cop_picture_init(&c->pic);
    tl_cop_config cfg = {
        .bind_addr = NULL, .port = port, .web_root = NULL, .threads = 2, .zones = NULL};
    int rc = tl_cop_create(&cfg, &c->cop, err);
    if (rc) {
        free(c);
        return rc;
    }
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return TL_OK;
}

int tl_nodecop_port(const tl_nodecop *c)
{
    return tl_cop_port(c->cop);
}

void tl_nodecop_set_link(tl_nodecop *c, int i, const char *self, const char *peer, int up,
                         double latency_s, uint64_t in, uint64_t out, uint64_t gaps, uint64_t dups,
                         uint64_t rejects, uint64_t auth_failures)
{
    if (i < 0 || i >= TL_COP_MAX_LINKS)
        return;
    tl_cop_link *l = &c->pic.links[i];
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s-%s", self, peer);
    snprintf(l->peer, sizeof l->peer, "%s", peer);
    l->up = up;
    l->latency_s = latency_s;
    l->msgs_in = in;
    l->msgs_out = out;
    l->gaps = gaps;
    l->dups = dups;
    l->rejects = rejects;
    l->auth_failures = auth_failures;
}

/* The 95% ellipse of the horizontal part of an ECEF position covariance at g. */
static int launch_ellipse(const tl_geodetic *g, const double P[3][3], tl_cop_ellipse *e)
{
    double R[3][3], RP[2][3], en[2][2];
    tl_enu_matrix(g->lat_rad, g->lon_rad, R);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            RP[i][j] = 0;
            for (int k = 0; k < 3; k++)
                RP[i][j] += R[i][k] * P[k][j];
        }
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            en[i][j] = 0;
            for (int k = 0; k < 3; k++)
                en[i][j] += RP[i][k] * R[j][k];
        }
    en[0][1] = en[1][0] = 0.5 * (en[0][1] + en[1][0]);
    tl_ellipse95 e95;
    if (tl_ellipse95_from_cov(en, &e95) != TL_OK)
        return -1;
    e->semi_major_m = e95.semi_major_m;
    e->semi_minor_m = e95.semi_minor_m;
    e->orient_rad = e95.major_azimuth_rad;
    return 0;
}

/* Plain product -> picture entry. -1 when it cannot be shown (kind, non-finite point). */
static int to_partner(const tl_nodecop_product *p, int64_t now_ns, tl_cop_partner *q)
{
    memset(q, 0, sizeof *q);
    switch (p->kind) {
    case 2:
        q->kind = TL_COP_PROD_LAUNCH;
        break;
    case 3:
        q->kind = TL_COP_PROD_IMPACT;
        break;
    case 4:
        q->kind = TL_COP_PROD_ALERT;
        break;
    default:
        return -1;
    }
    tl_nodecop_copy_str(q->origin, sizeof q->origin, p->origin, sizeof p->origin);
    q->n_path = p->n_path < 0 ? 0 : p->n_path > TL_COP_PATH_MAX ? TL_COP_PATH_MAX : p->n_path;
    for (int i = 0; i < q->n_path; i++)
        tl_nodecop_copy_str(q->path[i], sizeof q->path[i], p->path[i], sizeof p->path[i]);
    q->seq = p->seq;
    q->origin_t_ns = p->origin_t_ns;
    q->received_t_ns = now_ns;
    tl_nodecop_copy_str(q->track_id, sizeof q->track_id, p->track_id, sizeof p->track_id);
    q->t_ns = p->t_ns;
    q->t_sigma_s = isfinite(p->t_sigma_s) && p->t_sigma_s >= 0 ? p->t_sigma_s : NAN;
    q->zone_verdict = p->zone_verdict >= 0 && p->zone_verdict <= 3 ? p->zone_verdict : 0;
    tl_nodecop_copy_str(q->zone_name, sizeof q->zone_name, p->zone_name, sizeof p->zone_name);
    if (q->kind == TL_COP_PROD_ALERT) {
        tl_nodecop_copy_str(q->alert_id, sizeof q->alert_id, p->alert_id, sizeof p->alert_id);
        tl_nodecop_copy_str(q->text, sizeof q->text, p->text, sizeof p->text);
        q->severity = p->severity;
        /* the pipeline's alert text starts with the CAP msgType; a severity 0 is a Cancel */
        q->msg_type = p->severity == 0 || !strncmp(p->text, "Cancel ", 7) ? TL_COP_MSG_CANCEL
                      : !strncmp(p->text, "Update ", 7)                   ? TL_COP_MSG_UPDATE
                                                                          : TL_COP_MSG_ALERT;
        return 0;
    }
    for (int i = 0; i < 3; i++)
        if (!isfinite(p->pos_ecef[i]))
            return -1;
    tl_geodetic g;
    tl_ecef_to_geodetic(p->pos_ecef, &g);
    q->ell.lat_rad = g.lat_rad;
    q->ell.lon_rad = g.lon_rad;
    q->has_point = 1;
    if (q->kind == TL_COP_PROD_LAUNCH) {
        if (launch_ellipse(&g, p->P_pos, &q->ell))
            q->ell.semi_major_m = q->ell.semi_minor_m = NAN; /* point only */
    } else {
        int ok = isfinite(p->semi_major_m) && isfinite(p->semi_minor_m) &&
                 isfinite(p->orient_rad) && p->semi_minor_m >= 0 &&
                 p->semi_major_m >= p->semi_minor_m;
        q->ell.semi_major_m = ok ? p->semi_major_m : NAN;
        q->ell.semi_minor_m = ok ? p->semi_minor_m : NAN;
        q->ell.orient_rad = ok ? p->orient_rad : 0;
    }
    return 0;
}

/* An impact estimate of the same origin and track that is still pending. */
static int impact_pending(const tl_nodecop *c, const tl_cop_partner *q, int64_t clock_ns)
{
    for (int i = 0; i < c->n_part; i++) {
        const tl_cop_partner *o = &c->part[i].q;
        if (o->kind == TL_COP_PROD_IMPACT && o->t_ns && clock_ns <= o->t_ns + IMPACT_KEEP_NS &&
            !strcmp(o->origin, q->origin) && !strcmp(o->track_id, q->track_id))
            return 1;
    }
    return 0;
}

static int expired(const tl_nodecop *c, const kept *k, int64_t clock_ns)
{
    const tl_cop_partner *q = &k->q;
    int64_t t = q->t_ns;
    switch (q->kind) {
    case TL_COP_PROD_ALERT:
        return t ? clock_ns > t + ALERT_KEEP_NS : clock_ns > k->rx_scn_ns + REFRESH_KEEP_NS;
    case TL_COP_PROD_IMPACT:
        return t ? clock_ns > t + IMPACT_KEEP_NS : clock_ns > k->rx_scn_ns + REFRESH_KEEP_NS;
    default:
        return clock_ns > k->rx_scn_ns + REFRESH_KEEP_NS && !impact_pending(c, q, clock_ns);
    }
}

int tl_nodecop_partner_plain(tl_nodecop *c, const tl_nodecop_product *p, int64_t now_ns)
{
    tl_cop_partner q;
    if (!c || !p || to_partner(p, now_ns, &q))
        return -1;
    pthread_mutex_lock(&c->mu);
    kept *slot = NULL, *oldest = NULL;
    for (int i = 0; i < c->n_part && !slot; i++) {
        kept *k = &c->part[i];
        if (k->q.kind == q.kind && !strcmp(k->q.origin, q.origin) &&
            !strcmp(k->q.track_id, q.track_id))
            slot = k;
        if (!oldest || k->q.received_t_ns < oldest->q.received_t_ns)
            oldest = k;
    }
    int rc = 0;
    if (slot && (slot->q.origin_t_ns > q.origin_t_ns ||
                 (slot->q.origin_t_ns == q.origin_t_ns && slot->q.seq > q.seq)))
        rc = -1; /* older than the one held (a gap-fill replay) */
    else {
        if (!slot)
            slot = c->n_part < TL_COP_MAX_PARTNER ? &c->part[c->n_part++] : oldest;
        slot->q = q;
        slot->rx_scn_ns = c->clock_ns;
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int tl_nodecop_update(tl_nodecop *c, const tl_pipeline *p, int n_links, int64_t node_now_ns,
                      double clock_rate, tl_err *err)
{
    tl_pipeline_picture(p, &c->pic);
    c->pic.node_t_ns = node_now_ns;
    c->pic.clock_rate = clock_rate > 0 && isfinite(clock_rate) ? clock_rate : 1.0;
    c->pic.n_links = n_links < TL_COP_MAX_LINKS ? n_links : TL_COP_MAX_LINKS;
    pthread_mutex_lock(&c->mu);
    c->clock_ns = tl_pipeline_clock(p);
    int n = 0;
    for (int i = 0; i < c->n_part; i++) {
        if (!c->part[i].rx_scn_ns) /* received before the first update: now */
            c->part[i].rx_scn_ns = c->clock_ns;
        if (!expired(c, &c->part[i], c->clock_ns))
            c->part[n++] = c->part[i];
    }
    c->n_part = n;
    for (int i = 0; i < n; i++)
        c->pic.partners[i] = c->part[i].q;
    c->pic.n_partners = n;
    pthread_mutex_unlock(&c->mu);
    return tl_cop_update(c->cop, &c->pic, err);
}

void tl_nodecop_stop(tl_nodecop *c)
{
    if (!c)
        return;
    tl_cop_destroy(c->cop);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
#else
#include "node_cop.h"
int tl_nodecop_start(int port, tl_nodecop **out, tl_err *err)
{
    (void)port;
    (void)out;
    return tl_err_set(err, TL_EINVAL, "cop: built without the web COP");
}
int tl_nodecop_port(const tl_nodecop *c)
{
    (void)c;
    return 0;
}
void tl_nodecop_set_link(tl_nodecop *c, int i, const char *self, const char *peer, int up,
                         double latency_s, uint64_t in, uint64_t out, uint64_t gaps, uint64_t dups,
                         uint64_t rejects, uint64_t auth_failures)
{
    (void)c, (void)i, (void)self, (void)peer, (void)up, (void)latency_s, (void)in, (void)out,
        (void)gaps;
    (void)dups, (void)rejects, (void)auth_failures;
}
int tl_nodecop_partner_plain(tl_nodecop *c, const tl_nodecop_product *p, int64_t now_ns)
{
    (void)c, (void)p, (void)now_ns;
    return -1;
}
int tl_nodecop_update(tl_nodecop *c, const tl_pipeline *p, int n_links, int64_t node_now_ns,
                      double clock_rate, tl_err *err)
{
    (void)c, (void)p, (void)n_links, (void)node_now_ns, (void)clock_rate, (void)err;
    return TL_OK;
}
void tl_nodecop_stop(tl_nodecop *c)
{
    (void)c;
}
#endif
