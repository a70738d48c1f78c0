/* plotbus.h — the Plot topic on a nation's own national DDS domain (netconfig.h
 * tl_net_national): the sensor side (`trilink sim run --publish`, participant index
 * 0) writes the nation's plots, its node (participant index 1) reads them. Unicast on
 * the pinned address, no multicast, reliable. No DDS Security on this domain: it
 * never leaves the nation's own host/network (docs/network.md says why and how to
 * change that). DDS types stay in plotbus.c.
 */
#ifndef TL_CLI_PLOTBUS_H
#define TL_CLI_PLOTBUS_H

#include "trilink/error.h"
#include "trilink/netconfig.h"
#include "trilink/plot.h"

typedef struct tl_plotbus tl_plotbus;

/** Join nd's domain as the publisher (publisher = 1) or the node's reader (0).
 *  @retval TL_OK, TL_ENET (DDS refused: err says which call), TL_ENOMEM */
int tl_plotbus_open(const tl_net_national *nd, int publisher, tl_plotbus **out, tl_err *err);

/** Publish one plot (publisher side). seq numbers the plots of this bus from 1. */
int tl_plotbus_write(tl_plotbus *b, const tl_plot *p, int64_t now_ns, tl_err *err);

/** Matched remote endpoints (readers for a publisher, writers for a reader). */
int tl_plotbus_matched(tl_plotbus *b);

/** Take up to cap received plots (reader side, non-blocking). Returns how many were
 *  written to out; samples that fail tl_plot_validate are dropped and counted. */
int tl_plotbus_take(tl_plotbus *b, tl_plot *out, int cap);

/** Convert one received Plot sample (a trilink_Plot, DDS types stay in plotbus.c)
 *  and check it (nz 2..4, tl_plot_validate). TL_OK, or TL_EINVAL with *why (may be
 *  NULL) saying what is wrong; *p is filled either way. tl_plotbus_take uses it. */
int tl_plotbus_from_sample(const void *sample, tl_plot *p, const char **why);

/** Plots dropped as invalid so far. */
unsigned long tl_plotbus_invalid(const tl_plotbus *b);

void tl_plotbus_close(tl_plotbus *b); /**< NULL is a no-op */

#endif
