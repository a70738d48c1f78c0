/* node_cop.h — the node's web COP: owns the tl_cop server and the picture it is fed
 * from the pipeline. Separate from the link code; link state arrives as plain fields.
 */
#ifndef TL_CLI_NODE_COP_H
#define TL_CLI_NODE_COP_H

#include <stdint.h>

#include "trilink/error.h"
#include "trilink/pipeline.h"

typedef struct tl_nodecop tl_nodecop;

/** Serve on 127.0.0.1:port (0: ephemeral). @retval TL_OK, TL_ENET, TL_ENOMEM */
int tl_nodecop_start(int port, tl_nodecop **out, tl_err *err);
int tl_nodecop_port(const tl_nodecop *c);
/** Link i of the next picture (i < 8); n_links is i + 1 at most. */
void tl_nodecop_set_link(tl_nodecop *c, int i, const char *self, const char *peer, int up, double latency_s,
                         uint64_t in, uint64_t out, uint64_t gaps, uint64_t dups, uint64_t rejects);
/** Refill the picture from the pipeline and hand it to the server. */
int tl_nodecop_update(tl_nodecop *c, const tl_pipeline *p, int n_links, int64_t node_now_ns, double clock_rate,
                      tl_err *err);
void tl_nodecop_stop(tl_nodecop *c); /**< NULL is a no-op */

#endif
