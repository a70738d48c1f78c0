/* node_cop.h — the node's web COP: owns the tl_cop server and the picture it is fed
 * from the pipeline, plus the partners' Launch/Impact/Alert products as received (the
 * pipeline only counts those; the COP draws them as the partners', labelled with origin
 * and path). Separate from the link code: node_cop_link.c converts a tl_product into the
 * plain tl_nodecop_product below, node_cop.c turns that into the picture's tl_cop_partner.
 */
#ifndef TL_CLI_NODE_COP_H
#define TL_CLI_NODE_COP_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/error.h"
#include "trilink/pipeline.h"

struct tl_product; /* link.h */

typedef struct tl_nodecop tl_nodecop;

/** A partner's Launch/Impact/Alert product in plain fields (link.h's, copied). */
typedef struct tl_nodecop_product {
    int kind; /**< link.h tl_product_kind: 2 launch, 3 impact, 4 alert */
    char origin[8];
    char path[8][8]; /**< origin first */
    int n_path;
    uint64_t seq;
    int64_t origin_t_ns;
    char track_id[32];
    int64_t t_ns; /**< launch time or predicted impact time */
    double t_sigma_s;
    double pos_ecef[3];                            /**< launch or impact point */
    double P_pos[3][3];                            /**< launch point covariance, m^2 */
    double semi_major_m, semi_minor_m, orient_rad; /**< impact: 95% ellipse */
    int zone_verdict;                              /**< link wire value 0..3 */
    char zone_name[32];
    char alert_id[64];
    int severity;
    char text[256];
} tl_nodecop_product;

/** Serve on 127.0.0.1:port (0: ephemeral). @retval TL_OK, TL_ENET, TL_ENOMEM */
int tl_nodecop_start(int port, tl_nodecop **out, tl_err *err);
int tl_nodecop_port(const tl_nodecop *c);
/** Link i of the next picture (i < 8); n_links is i + 1 at most. */
void tl_nodecop_set_link(tl_nodecop *c, int i, const char *self, const char *peer, int up,
                         double latency_s, uint64_t in, uint64_t out, uint64_t gaps, uint64_t dups,
                         uint64_t rejects, uint64_t auth_failures);
/** A partner's product as the link handed it over (node_cop_link.c): Launch, Impact and
 *  Alert products are kept for the picture (the newest per origin, track and kind);
 *  Tracks and anything malformed are ignored. now_ns: node wall clock. Thread-safe. */
void tl_nodecop_partner(tl_nodecop *c, const struct tl_product *p, int64_t now_ns);
/** The same from plain fields (what tl_nodecop_partner calls). 0 kept, -1 ignored. */
int tl_nodecop_partner_plain(tl_nodecop *c, const tl_nodecop_product *p, int64_t now_ns);
/** Refill the picture from the pipeline and the partners' products, hand it to the server. */
int tl_nodecop_update(tl_nodecop *c, const tl_pipeline *p, int n_links, int64_t node_now_ns,
                      double clock_rate, tl_err *err);
void tl_nodecop_stop(tl_nodecop *c); /**< NULL is a no-op */

/** Copy a char array that may lack its NUL (src_cap bytes at most) into dst (cap > 0
 *  bytes), always terminated, cut if longer. */
void tl_nodecop_copy_str(char *dst, size_t cap, const char *src, size_t src_cap);

#endif
