/* link_int.h — internals of the link module: the wire (IDL) form of products and
 * the conversions, shared by node.c, convert.c and the tests' injector. Nothing
 * outside src/link includes this (DDS types stay here). */
#ifndef TL_LINK_INT_H
#define TL_LINK_INT_H

#include "trilink.h" /* generated from idl/trilink.idl */
#include "trilink/link.h"

/** A product in wire form plus the storage its sequences point into (no heap). */
typedef struct tl__wire {
    union {
        trilink_Track track;
        trilink_LaunchEstimate launch;
        trilink_ImpactPrediction impact;
        trilink_Alert alert;
    } u;
    char path[TL_PATH_MAX][8];
    char sensors[TL_TRACK_SENSORS_MAX][24];
} tl__wire;

/** The IDL type descriptor of a product kind. */
const dds_topic_descriptor_t *tl__kind_desc(tl_product_kind k);
/** The topic name of a product kind ("trilink_Track", ...). */
const char *tl__kind_topic(tl_product_kind k);
/** The same for bundles of a kind (trilink_TrackBundle, ...: up to 16 products of
 *  one kind in one sample; each bundle type is a struct { sequence<X, 16> items; }). */
const dds_topic_descriptor_t *tl__bundle_desc(tl_product_kind k);
const char *tl__bundle_topic(tl_product_kind k);

/** Fill w from p; w's sequences point into w. */
void tl__to_wire(const tl_product *p, tl__wire *w);

/** Convert a received sample of kind k. TL_EPARSE (with *detail) if a bounded
 *  field does not fit the core struct. */
int tl__from_wire(tl_product_kind k, const void *sample, tl_product *p, const char **detail);

/** A nation's own plot (national domain) to and from its wire form. hdr carries
 *  origin/seq/time like any product; path points into path storage. */
void tl__plot_to_wire(const tl_product_hdr *hdr, const tl_plot *p, trilink_Plot *w, char (*path)[8]);
void tl__plot_from_wire(const trilink_Plot *w, tl_product_hdr *hdr, tl_plot *p);

void tl__hdr_to_wire(const tl_product_hdr *h, trilink_Header *w, char (*path)[8]);
void tl__hdr_from_wire(const trilink_Header *w, tl_product_hdr *h);

/** The link's one-way latency estimate (EWMA, 0.2 per heartbeat) after a heartbeat
 *  the peer sent at clock_ns (its clock) arrived at now_ns; prev_ns 0: the first. */
int64_t tl__hb_latency(int64_t prev_ns, int64_t now_ns, int64_t clock_ns);

/** Copy a possibly unterminated fixed-size string field into dst (cap bytes). */
void tl__strlcpy(char *dst, const char *src, size_t cap);

/* authlog.c: the process's Cyclone log sink counts failed DDS Security handshakes
 * per watched domain (Cyclone reports them only as log warnings). */
int tl__authlog_watch(uint32_t domain_id); /* 0, or TL_ENOMEM when too many domains */
void tl__authlog_unwatch(uint32_t domain_id);
void tl__authlog_get(uint32_t domain_id, uint64_t *failures, char *last, size_t cap);
int tl__authlog_is_failure(const char *msg, size_t n);

#endif
