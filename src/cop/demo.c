/* demo.c — a synthetic picture for demos, screenshots and tests of the COP. It is a
 * display fixture, not physics: ground tracks are geodesics (tl_geodesic_direct) and
 * heights a parabola through the requested apogee; the estimates' ellipses and zone
 * probabilities shrink and settle with time the way a real prediction would. The
 * scenario follows public reporting in outline (a lofted ICBM from the Pyongyang area
 * into the Sea of Japan inside Japan's EEZ west of Hokkaido, as on 12 July 2023; two
 * SRBMs to the east coast), with every number invented. */
#include "cop_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "trilink/geo.h"

#define RAD (M_PI / 180.0)
#define NS 1000000000LL
#define DEMO_EPOCH_NS (1795586400LL * NS) /* 2026-11-25T06:00:00Z, first launch */

typedef struct demo_missile {
    const char *id;
    double t0_s, flight_s, boost_s;
    double lat0_deg, lon0_deg, lat1_deg, lon1_deg;
    double apogee_m;
    int cls;
    tl_loft loft;
    const char *contributors[3];
    double p_end[TL_ZONE_COUNT];   /* verdict once the track is tight (tl_zone_class order) */
    double p_start[TL_ZONE_COUNT]; /* verdict at first prediction */
} demo_missile;

static const demo_missile missiles[] = {
    {"JP-0001",
     0.0,
     4380.0,
     300.0,
     39.21,
     125.67,
     41.95,
     136.60,
     6000e3,
     TL_CLASS_ICBM,
     TL_LOFT_LOFTED,
     {"KR", "US", "JP"},
     {0.03, 0.0, 0.97, 0.0, 0.0, 0.0, 0.0, 0.0},
     {0.30, 0.12, 0.55, 0.0, 0.0, 0.0, 0.03, 0.0}},
    {"JP-0002",
     540.0,
     420.0,
     70.0,
     39.17,
     127.44,
     39.90,
     133.10,
     120e3,
     TL_CLASS_SRBM,
     TL_LOFT_NONE,
     {"KR", "JP", NULL},
     {0.98, 0.0, 0.02, 0.0, 0.0, 0.0, 0.0, 0.0},
     {0.78, 0.0, 0.20, 0.0, 0.02, 0.0, 0.0, 0.0}},
    {"JP-0003",
     570.0,
     330.0,
     60.0,
     38.95,
     125.60,
     40.05,
     129.55,
     90e3,
     TL_CLASS_SRBM,
     TL_LOFT_NONE,
     {"KR", NULL, NULL},
     {0.98, 0.0, 0.0, 0.0, 0.0, 0.02, 0.0, 0.0},
     {0.85, 0.0, 0.0, 0.0, 0.05, 0.10, 0.0, 0.0}},
};

static double ground_range(const demo_missile *m, double *azi_rad)
{
    double s12, azi2;
    tl_geodesic_inverse(m->lat0_deg * RAD, m->lon0_deg * RAD, m->lat1_deg * RAD, m->lon1_deg * RAD,
                        &s12, azi_rad, &azi2);
    return s12;
}

/* Position of missile m at flight time tau_s (clamped to the flight). */
static void fly(const demo_missile *m, double tau_s, tl_cop_point *q)
{
    double azi1, azi2, f = tau_s / m->flight_s;
    f = f < 0.0 ? 0.0 : f > 1.0 ? 1.0 : f;
    double s12 = ground_range(m, &azi1);
    tl_geodesic_direct(m->lat0_deg * RAD, m->lon0_deg * RAD, azi1, f * s12, &q->lat_rad,
                       &q->lon_rad, &azi2);
    q->h_m = 4.0 * m->apogee_m * f * (1.0 - f);
    if (f >= 1.0)
        q->phase = TL_PHASE_IMPACTED;
    else if (tau_s < m->boost_s)
        q->phase = TL_PHASE_BOOST;
    else if (f > 0.5 && q->h_m < 100e3)
        q->phase = TL_PHASE_TERMINAL;
    else
        q->phase = TL_PHASE_MIDCOURSE;
    q->t_ns = DEMO_EPOCH_NS + (int64_t)llround((m->t0_s + tau_s) * 1e9);
}

static void demo_track(const demo_missile *m, double t_s, tl_cop_track *t)
{
    double tau = t_s - m->t0_s, azi;
    double range = ground_range(m, &azi);
    tl_cop_point now, before;
    tl_cop_track_init(t);
    snprintf(t->id, sizeof t->id, "%s", m->id);
    fly(m, tau, &now);
    fly(m, tau - 1.0, &before);
    t->t_ns = now.t_ns;
    t->lat_rad = now.lat_rad, t->lon_rad = now.lon_rad, t->h_m = now.h_m;
    t->phase = now.phase;
    if (now.phase != TL_PHASE_IMPACTED) {
        double g = tl_earth_radius_gauss(now.lat_rad);
        t->vel_enu_mps[0] = (now.lon_rad - before.lon_rad) * g * cos(now.lat_rad);
        t->vel_enu_mps[1] = (now.lat_rad - before.lat_rad) * g;
        t->vel_enu_mps[2] = now.h_m - before.h_m;
    }
    /* settles from first detection to half the flight */
    double settle = fmin(1.0, fmax(0.0, tau / (0.5 * m->flight_s)));
    t->pos_sigma_m = 900.0 - 750.0 * settle;
    int classified = tau > 0.6 * m->boost_s;
    t->cls = classified ? m->cls : -1;
    t->loft = classified ? m->loft : TL_LOFT_NONE;
    if (classified) {
        t->apogee_m = m->apogee_m * (1.0 + 0.08 * (1.0 - settle));
        t->range_m = range * (1.0 - 0.05 * (1.0 - settle));
    }
    int nc = tau < 40.0 ? 1 : tau < 120.0 ? 2 : 3;
    for (int i = 0; i < nc && i < 3 && m->contributors[i]; i++)
        snprintf(t->contributors[t->n_contributors++], TL_COP_NATION_LEN, "%s", m->contributors[i]);
    snprintf(t->best_nation, sizeof t->best_nation, "%s",
             t->n_contributors == 3 && settle > 0.3 ? m->contributors[2] : m->contributors[0]);

    /* flight path: at most TL_COP_MAX_HISTORY evenly spaced samples up to now */
    double elapsed = fmin(tau, m->flight_s);
    int n = (int)fmin(TL_COP_MAX_HISTORY, fmax(2.0, elapsed / 2.0));
    for (int k = 0; k < n; k++)
        fly(m, elapsed * k / (n - 1), &t->history[k]);
    t->n_history = n;
    if (now.phase != TL_PHASE_IMPACTED) {
        int np = TL_COP_MAX_PREDICTED / 2;
        for (int k = 0; k < np; k++)
            fly(m, tau + (m->flight_s - tau) * k / (np - 1), &t->predicted[k]);
        t->n_predicted = np;
    }

    if (tau > 20.0) {
        t->launch.valid = 1;
        t->launch.t_ns = DEMO_EPOCH_NS + (int64_t)llround((m->t0_s + 4.0 * (1.0 - settle)) * 1e9);
        t->launch.ell =
            (tl_cop_ellipse){m->lat0_deg * RAD + 0.01 * RAD * (1.0 - settle), m->lon0_deg * RAD,
                             9000.0 - 6000.0 * settle, 3500.0 - 2000.0 * settle, azi};
    }
    if (tau > 30.0) {
        double a = 0.25 * range * (1.0 - settle) + 6000.0;
        t->impact.valid = 1;
        t->impact.t_ns = DEMO_EPOCH_NS + (int64_t)llround((m->t0_s + m->flight_s) * 1e9);
        t->impact.ell = (tl_cop_ellipse){m->lat1_deg * RAD, m->lon1_deg * RAD, a, a / 3.0, azi};
        for (int z = 0; z < TL_ZONE_COUNT; z++)
            t->impact.p_zone[z] = m->p_start[z] + (m->p_end[z] - m->p_start[z]) * settle;
    }
    t->overflies_jp = 0;
}

static void demo_alert(tl_cop_alert *a, const char *id, const char *refs, tl_cop_msg_type type,
                       double t_s, const char *track, const char *headline, const char *area,
                       double lat_deg, double lon_deg, double radius_m)
{
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%s", id);
    if (refs[0])
        snprintf(a->references[a->n_references++], sizeof a->references[0], "%s", refs);
    a->msg_type = type;
    snprintf(a->status, sizeof a->status, "Exercise");
    a->sent_ns = DEMO_EPOCH_NS + (int64_t)llround(t_s * 1e9);
    snprintf(a->track_id, sizeof a->track_id, "%s", track);
    snprintf(a->headline, sizeof a->headline, "%s", headline);
    snprintf(a->area_desc, sizeof a->area_desc, "%s", area);
    a->has_circle = radius_m > 0.0;
    a->area_lat_rad = lat_deg * RAD, a->area_lon_rad = lon_deg * RAD, a->area_radius_m = radius_m;
}

/* A partner's product as this (JP) node received it: from origin through path (the
 * nation that relayed it last), refreshed every 5 s of the demo clock. */
static tl_cop_partner *demo_partner(tl_cop_picture *p, tl_cop_prod_kind kind, const char *origin,
                                    const char *via, const char *track, double t_s,
                                    double sent_s)
{
    tl_cop_partner *q = &p->partners[p->n_partners++];
    memset(q, 0, sizeof *q);
    q->kind = kind;
    snprintf(q->origin, sizeof q->origin, "%s", origin);
    snprintf(q->path[q->n_path++], sizeof q->path[0], "%s", origin);
    if (via)
        snprintf(q->path[q->n_path++], sizeof q->path[0], "%s", via);
    double sent = sent_s >= 0.0 ? sent_s : 5.0 * floor(t_s / 5.0);
    q->seq = (uint64_t)(sent * 3.0) + (uint64_t)kind + 1;
    q->origin_t_ns = DEMO_EPOCH_NS + (int64_t)llround(sent * 1e9);
    q->received_t_ns = q->origin_t_ns + (via ? 31 : 14) * NS / 1000;
    snprintf(q->track_id, sizeof q->track_id, "%s", track);
    q->t_sigma_s = NAN;
    return q;
}

/* The partner's estimate of missile m: its own, a little off ours (other sensors). */
static void demo_partner_estimate(tl_cop_picture *p, const demo_missile *m, tl_cop_prod_kind kind,
                                  const char *origin, const char *via, const char *track,
                                  double t_s, double dlat_deg, double scale)
{
    double tau = t_s - m->t0_s, azi;
    if (tau < (kind == TL_COP_PROD_LAUNCH ? 25.0 : 40.0) || tau > m->flight_s + 60.0)
        return;
    double range = ground_range(m, &azi);
    double settle = fmin(1.0, fmax(0.0, tau / (0.5 * m->flight_s)));
    tl_cop_partner *q = demo_partner(p, kind, origin, via, track, t_s, -1.0);
    q->has_point = 1;
    if (kind == TL_COP_PROD_LAUNCH) {
        q->t_ns = DEMO_EPOCH_NS + (int64_t)llround((m->t0_s + 6.0 * (1.0 - settle)) * 1e9);
        q->t_sigma_s = 2.0 + 4.0 * (1.0 - settle);
        double r = scale * (8000.0 - 5000.0 * settle);
        q->ell = (tl_cop_ellipse){(m->lat0_deg + dlat_deg) * RAD, m->lon0_deg * RAD, r, r, 0.0};
    } else {
        double a = scale * (0.25 * range * (1.0 - settle) + 6000.0);
        q->t_ns = DEMO_EPOCH_NS + (int64_t)llround((m->t0_s + m->flight_s) * 1e9);
        q->t_sigma_s = 1.0 + 10.0 * (1.0 - settle);
        q->ell = (tl_cop_ellipse){(m->lat1_deg + dlat_deg) * RAD, m->lon1_deg * RAD, a, a / 2.5,
                                  azi};
        int best = 0;
        for (int z = 1; z < TL_ZONE_COUNT; z++)
            if (m->p_end[z] > m->p_end[best])
                best = z;
        q->zone_verdict = (int)tl_zone_level_of((tl_zone_class)best);
        snprintf(q->zone_name, sizeof q->zone_name, "%s", tl_zone_class_name((tl_zone_class)best));
    }
}

static void demo_partner_alert(tl_cop_picture *p, const char *id, tl_cop_msg_type type,
                               const char *track, double sent_s, double impact_s,
                               const char *text)
{
    tl_cop_partner *q = demo_partner(p, TL_COP_PROD_ALERT, "KR", "US", track, sent_s, sent_s);
    snprintf(q->alert_id, sizeof q->alert_id, "%s", id);
    q->msg_type = type;
    q->severity = type == TL_COP_MSG_CANCEL ? 0 : 2;
    q->t_ns = DEMO_EPOCH_NS + (int64_t)llround(impact_s * 1e9);
    q->zone_verdict = type == TL_COP_MSG_CANCEL ? 1 : 2;
    snprintf(q->text, sizeof q->text, "%s", text);
}

/* What the partners shared: KR's products reach JP through the US (path KR>US), the US's
 * directly. KR warns for Korea's zones: one SRBM warning that stands, one withdrawn. */
static void demo_partners(double t_s, tl_cop_picture *p)
{
    demo_partner_estimate(p, &missiles[0], TL_COP_PROD_LAUNCH, "KR", "US", "KR-S1", t_s, 0.03, 1.3);
    demo_partner_estimate(p, &missiles[0], TL_COP_PROD_IMPACT, "US", NULL, "US-S7", t_s, 0.10, 1.15);
    demo_partner_estimate(p, &missiles[1], TL_COP_PROD_IMPACT, "KR", "US", "KR-S2", t_s, -0.12, 1.4);
    demo_partner_estimate(p, &missiles[2], TL_COP_PROD_LAUNCH, "KR", "US", "KR-S3", t_s, -0.02, 1.0);
    demo_partner_estimate(p, &missiles[2], TL_COP_PROD_IMPACT, "KR", "US", "KR-S3", t_s, 0.06, 1.2);
    double imp2 = missiles[1].t0_s + missiles[1].flight_s, imp3 = missiles[2].t0_s + missiles[2].flight_s;
    if (t_s >= 600.0 && t_s < imp2 + 60.0)
        demo_partner_alert(p, "KR-ALERT-0007", TL_COP_MSG_ALERT, "KR-S2", 600.0, imp2,
                           "Alert KR-ALERT-0007: Missile launch: P(Korea zones) 0.22, impact in "
                           "360 s (kr_waters)");
    if (t_s >= 610.0 && t_s < 700.0)
        demo_partner_alert(p, "KR-ALERT-0008", TL_COP_MSG_ALERT, "KR-S3", 610.0, imp3,
                           "Alert KR-ALERT-0008: Missile launch: P(Korea zones) 0.15, impact in "
                           "290 s (kr_waters)");
    if (t_s >= 700.0 && t_s < imp3 + 60.0)
        demo_partner_alert(p, "KR-ALERT-0009", TL_COP_MSG_CANCEL, "KR-S3", 700.0, imp3,
                           "Cancel KR-ALERT-0009: Cancelled: missile no longer expected to fall "
                           "in Korea's zones");
}

void tl_cop_demo_picture(double t_s, tl_cop_picture *p)
{
    tl_cop_picture_init(p);
    snprintf(p->nation, sizeof p->nation, "JP");
    p->scenario_t_ns = DEMO_EPOCH_NS + (int64_t)llround(t_s * 1e9);
    p->node_t_ns = p->scenario_t_ns + 2 * NS / 10; /* node clock a little ahead */
    for (size_t i = 0; i < sizeof missiles / sizeof missiles[0]; i++)
        if (t_s >= missiles[i].t0_s + 8.0) /* first confirmed track 8 s after launch */
            demo_track(&missiles[i], t_s, &p->tracks[p->n_tracks++]);

    /* An early prediction covered Hokkaido (alert), the tightened one did not (cancel),
     * and the EEZ warning stands and is updated, as in the July 2023 public record. */
    if (t_s >= 150.0)
        demo_alert(&p->alerts[p->n_alerts++], "JP-ALERT-0001", "", TL_COP_MSG_ALERT, 150.0,
                   "JP-0001", "Missile launch: possible impact on Hokkaido. Take shelter.",
                   "Hokkaido (Oshima, Hiyama)", 42.0, 140.4, 120e3);
    if (t_s >= 240.0)
        demo_alert(&p->alerts[p->n_alerts++], "JP-ALERT-0002", "", TL_COP_MSG_ALERT, 240.0,
                   "JP-0001", "Missile expected to fall inside Japan's EEZ west of Hokkaido",
                   "Sea of Japan, west of Okushiri Island", 41.95, 136.6, 90e3);
    if (t_s >= 420.0)
        demo_alert(&p->alerts[p->n_alerts++], "JP-ALERT-0003", "JP-ALERT-0001", TL_COP_MSG_CANCEL,
                   420.0, "JP-0001",
                   "Correction: no impact on Hokkaido expected. Shelter order withdrawn.",
                   "Hokkaido (Oshima, Hiyama)", 42.0, 140.4, 120e3);
    if (t_s >= 900.0)
        demo_alert(&p->alerts[p->n_alerts++], "JP-ALERT-0004", "JP-ALERT-0002", TL_COP_MSG_UPDATE,
                   900.0, "JP-0001",
                   "Impact inside Japan's EEZ, about 250 km west of Okushiri Island",
                   "Sea of Japan, west of Okushiri Island", 41.95, 136.6, 40e3);

    double imp1 = missiles[0].t0_s + missiles[0].flight_s;
    for (int i = 0; i < p->n_alerts; i++)
        p->alerts[i].impact_t_ns = DEMO_EPOCH_NS + (int64_t)llround(imp1 * 1e9);
    demo_partners(t_s, p);

    tl_cop_link *l = &p->links[p->n_links++];
    snprintf(l->name, sizeof l->name, "JP-US");
    snprintf(l->peer, sizeof l->peer, "US");
    l->up = 1;
    l->latency_s = 0.0142;
    double tt = fmax(0.0, t_s + 60.0);
    l->msgs_in = (uint64_t)(tt * 9.0);
    l->msgs_out = (uint64_t)(tt * 4.0);
    l->gaps = (uint64_t)(tt / 400.0);
    l->dups = (uint64_t)(tt / 700.0);
    l->rejects = 0;
    l = &p->links[p->n_links++];
    snprintf(l->name, sizeof l->name, "JP-US-B");
    snprintf(l->peer, sizeof l->peer, "US");
    l->up = 0;
    l->latency_s = NAN;
}
