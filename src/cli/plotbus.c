/* plotbus.c — the national Plot topic over Cyclone DDS (plotbus.h). */
#ifdef TL_HAVE_NET
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dds/dds.h"
#include "plotbus.h"
#include "trilink.h" /* generated from idl/trilink.idl */

#define PLOT_DEPTH 8192

struct tl_plotbus {
    dds_entity_t dom, pp, tp, ep;
    int publisher;
    uint64_t seq;
    char nation[TL_NATION_LEN];
    unsigned long invalid;
};

static int port_of(int domain, int pindex) { return 7400 + 250 * domain + 10 + 2 * pindex; }

int tl_plotbus_open(const tl_net_national *nd, int publisher, tl_plotbus **out, tl_err *err)
{
    tl_plotbus *b = calloc(1, sizeof *b);
    if (!b)
        return tl_err_set(err, TL_ENOMEM, "plot bus: out of memory");
    b->publisher = publisher;
    snprintf(b->nation, sizeof b->nation, "%s", nd->nation);
    int me = publisher ? 0 : 1;
    char xml[1024];
    snprintf(xml, sizeof xml,
             "<CycloneDDS><Domain Id=\"%d\"><General><Interfaces><NetworkInterface address=\"%s\"/>"
             "</Interfaces><AllowMulticast>false</AllowMulticast></General>"
             "<Discovery><ParticipantIndex>%d</ParticipantIndex><Peers><Peer address=\"%s:%d\"/></Peers>"
             "<SPDPInterval>1s</SPDPInterval></Discovery>"
             "<Tracing><Verbosity>warning</Verbosity><OutputFile>stderr</OutputFile></Tracing>"
             "</Domain></CycloneDDS>",
             nd->domain_id, nd->address, me, nd->address, port_of(nd->domain_id, 1 - me));
    int rc = TL_ENET;
    b->dom = dds_create_domain((dds_domainid_t)nd->domain_id, xml);
    if (b->dom < 0) {
        tl_err_set(err, rc, "plot bus %s: domain %d: dds_create_domain: %s", nd->nation, nd->domain_id,
                   dds_strretcode(b->dom));
        free(b);
        return rc;
    }
    b->pp = dds_create_participant((dds_domainid_t)nd->domain_id, NULL, NULL);
    if (b->pp < 0) {
        tl_err_set(err, rc, "plot bus %s: domain %d: participant: %s", nd->nation, nd->domain_id,
                   dds_strretcode(b->pp));
        goto fail;
    }
    b->tp = dds_create_topic(b->pp, &trilink_Plot_desc, "trilink_Plot", NULL, NULL);
    if (b->tp < 0) {
        tl_err_set(err, rc, "plot bus %s: topic: %s", nd->nation, dds_strretcode(b->tp));
        goto fail;
    }
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, PLOT_DEPTH);
    dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
    b->ep = publisher ? dds_create_writer(b->pp, b->tp, q, NULL) : dds_create_reader(b->pp, b->tp, q, NULL);
    dds_delete_qos(q);
    if (b->ep < 0) {
        tl_err_set(err, rc, "plot bus %s: %s: %s", nd->nation, publisher ? "writer" : "reader",
                   dds_strretcode(b->ep));
        goto fail;
    }
    if (publisher)
        dds_set_status_mask(b->ep, DDS_PUBLICATION_MATCHED_STATUS);
    else
        dds_set_status_mask(b->ep, DDS_SUBSCRIPTION_MATCHED_STATUS);
    *out = b;
    return TL_OK;
fail:
    dds_delete(b->dom);
    free(b);
    return rc;
}

int tl_plotbus_write(tl_plotbus *b, const tl_plot *p, int64_t now_ns, tl_err *err)
{
    trilink_Plot s;
    memset(&s, 0, sizeof s);
    snprintf(s.hdr.origin, sizeof s.hdr.origin, "%s", b->nation);
    s.hdr.seq = ++b->seq;
    s.hdr.prev_seq = s.hdr.seq - 1;
    s.hdr.origin_time_ns = now_ns;
    snprintf(s.hdr.marking, sizeof s.hdr.marking, "%s NATIONAL", b->nation);
    s.t_ns = p->t_ns;
    s.plot_id = p->plot_id;
    snprintf(s.sensor_id, sizeof s.sensor_id, "%s", p->sensor_id);
    snprintf(s.nation, sizeof s.nation, "%s", p->nation);
    s.kind = (uint8_t)p->kind;
    s.site_lat_rad = p->site.lat_rad;
    s.site_lon_rad = p->site.lon_rad;
    s.site_h_m = p->site.h_m;
    memcpy(s.site_ecef, p->site_ecef, sizeof s.site_ecef);
    s.nz = (uint8_t)p->nz;
    memcpy(s.z, p->z, sizeof s.z);
    memcpy(s.sigma, p->sigma, sizeof s.sigma);
    dds_return_t r = dds_write(b->ep, &s);
    if (r < 0)
        return tl_err_set(err, TL_ENET, "plot bus %s: dds_write: %s", b->nation, dds_strretcode(r));
    return TL_OK;
}

int tl_plotbus_matched(tl_plotbus *b)
{
    if (b->publisher) {
        dds_publication_matched_status_t st;
        return dds_get_publication_matched_status(b->ep, &st) < 0 ? 0 : (int)st.current_count;
    }
    dds_subscription_matched_status_t st;
    return dds_get_subscription_matched_status(b->ep, &st) < 0 ? 0 : (int)st.current_count;
}

int tl_plotbus_from_sample(const void *sample, tl_plot *p, const char **why)
{
    const trilink_Plot *s = sample;
    memset(p, 0, sizeof *p);
    p->t_ns = s->t_ns;
    p->plot_id = s->plot_id;
    snprintf(p->sensor_id, sizeof p->sensor_id, "%.*s", (int)sizeof s->sensor_id - 1, s->sensor_id);
    snprintf(p->nation, sizeof p->nation, "%.*s", (int)sizeof s->nation - 1, s->nation);
    p->kind = (tl_plot_kind)s->kind;
    p->site.lat_rad = s->site_lat_rad;
    p->site.lon_rad = s->site_lon_rad;
    p->site.h_m = s->site_h_m;
    memcpy(p->site_ecef, s->site_ecef, sizeof p->site_ecef);
    p->nz = s->nz;
    memcpy(p->z, s->z, sizeof p->z);
    memcpy(p->sigma, s->sigma, sizeof p->sigma);
    const char *reason = NULL;
    if (p->nz < 2 || p->nz > 4)
        reason = "nz must be 2, 3 or 4";
    else
        tl_plot_validate(p, &reason);
    if (why)
        *why = reason;
    return reason ? TL_EINVAL : TL_OK;
}

int tl_plotbus_take(tl_plotbus *b, tl_plot *out, int cap)
{
    enum { BATCH = 64 };
    void *samples[BATCH];
    dds_sample_info_t info[BATCH];
    int n = 0;
    for (int rounds = 0; n < cap && rounds < 1024; rounds++) {
        memset(samples, 0, sizeof samples);
        int want = cap - n < BATCH ? cap - n : BATCH;
        dds_return_t got = dds_take(b->ep, samples, info, (size_t)want, (uint32_t)want);
        if (got <= 0)
            break;
        for (int i = 0; i < got; i++) {
            if (!info[i].valid_data)
                continue;
            if (tl_plotbus_from_sample(samples[i], &out[n], NULL) != TL_OK) {
                b->invalid++;
                continue;
            }
            n++;
        }
        dds_return_loan(b->ep, samples, got);
    }
    return n;
}

unsigned long tl_plotbus_invalid(const tl_plotbus *b) { return b->invalid; }

void tl_plotbus_close(tl_plotbus *b)
{
    if (!b)
        return;
    dds_delete(b->dom);
    free(b);
}
#endif
