/* node_pipe.h — what `trilink node` runs around its link (cmd_node.c keeps the loop):
 * the nation's plots from its national domain (plotbus.h) into the pipeline
 * (pipeline.h), partners' products from the link into the pipeline, the pipeline's
 * products out through tl_node_publish (journaled by the link), CAP documents into
 * STATE/cap/, STATE/status.json about once a second, STATE/summary.json (also at
 * exit), and the web COP (node_cop.h). Formats: docs/node.md.
 */
#ifndef TL_CLI_NODE_PIPE_H
#define TL_CLI_NODE_PIPE_H

#include <stdint.h>

#include "trilink/error.h"
#include "trilink/link.h"
#include "trilink/netconfig.h"

typedef struct tl_nodepipe tl_nodepipe;

/** Start the pipeline for nation: subscribe to its national domain (if the config
 *  has one), load the zones, start the COP when cop_port >= 0 (0: ephemeral).
 *  @retval TL_OK, or the failing part's code (err says which) */
int tl_nodepipe_create(const tl_netconfig *cfg, const char *nation, const char *state_dir, int cop_port,
                       tl_nodepipe **out, tl_err *err);
/** A partner's product, as the link's callback hands it over. */
void tl_nodepipe_product(tl_nodepipe *np, const tl_product *p);
/** Take plots, run the pipeline, publish its products, write files that are due. */
void tl_nodepipe_tick(tl_nodepipe *np, tl_node *n, int64_t now_ns);
/** End of run: flush the pipeline, publish, write status.json and summary.json. */
void tl_nodepipe_finish(tl_nodepipe *np, tl_node *n, int64_t now_ns);
/** COP port, or 0 when the COP is off. */
int tl_nodepipe_cop_port(const tl_nodepipe *np);
void tl_nodepipe_destroy(tl_nodepipe *np); /**< NULL is a no-op */

#endif
