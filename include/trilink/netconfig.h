/* netconfig.h — the network configuration (config/network.yaml, docs/network.md):
 * nations, bilateral links (one DDS domain each, unicast peers, pinned interfaces,
 * fixed participant indexes), relaying nodes and the releasability policy.
 * Parsed with libyaml; errors name file:line. Topology is data: a JP-KR link or a
 * fourth nation is a config change only.
 */
#ifndef TRILINK_NETCONFIG_H
#define TRILINK_NETCONFIG_H

#include <stdint.h>

#include "trilink/error.h"
#include "trilink/link.h"

#define TL_NET_NATIONS_MAX 16
#define TL_NET_LINKS_MAX 32
#define TL_NET_RULES_MAX 64
#define TL_NET_ADDR_LEN 64

/** One end of a bilateral link: the node of `nation` binds `address` (its pinned
 *  interface) with participant index `participant_index`. */
typedef struct tl_net_end {
    char nation[TL_NATION_LEN];
    char address[TL_NET_ADDR_LEN];
    int participant_index;   /**< 0..119; discovery port 7400 + 250 d + 10 + 2 i */
} tl_net_end;

typedef struct tl_net_link {
    char name[32];
    int domain_id;           /**< 0..101 (keeps ports below the ephemeral range), unique per link */
    tl_net_end ends[2];
} tl_net_link;

/** Field reductions a rule applies before a product is handed to a destination. */
enum { TL_REDUCE_SENSORS = 1u << 0, TL_REDUCE_TRACK_QUALITY = 1u << 1 };

/** Releasability rule: products of `kinds_mask` (bit kind) from `origin` may go to
 *  `dest_mask` (bit nation index); `reduce_mask` reductions apply when sent to a
 *  destination in `reduce_dest_mask`. */
typedef struct tl_net_rule {
    char origin[TL_NATION_LEN];
    uint32_t kinds_mask;
    uint32_t dest_mask;
    uint32_t reduce_mask;
    uint32_t reduce_dest_mask;
    char marking[TL_MARKING_LEN];
    int line;                /**< where it was defined (messages) */
} tl_net_rule;

/** A nation's own national domain, carrying its sensors' plots (topic Plot) from the
 *  sensor side (participant index 0: `trilink sim run --publish` or an adapter) to
 *  its node (participant index 1), unicast on the pinned `address`. */
typedef struct tl_net_national {
    char nation[TL_NATION_LEN];
    int domain_id;           /**< 0..101 (as links), distinct from every link's and other nation's */
    char address[TL_NET_ADDR_LEN];
} tl_net_national;

typedef struct tl_netconfig {
    char path[256];
    int n_nations;
    char nations[TL_NET_NATIONS_MAX][TL_NATION_LEN];
    uint32_t relay_mask;     /**< bit i: nation i relays between its links */
    int n_links;
    tl_net_link links[TL_NET_LINKS_MAX];
    int n_rules;
    tl_net_rule rules[TL_NET_RULES_MAX];
    double window_past_s;    /**< oldest acceptable origin time, s before our clock */
    double window_future_s;  /**< allowed clock lead of a partner */
    double heartbeat_period_s;
    uint64_t max_seq_jump;   /**< larger jumps ahead are rejected as bad_sequence */
    double journal_retain_s; /**< journal rows older than this are deleted; 0 keeps all */
    int n_national;          /**< optional 'national:' section */
    tl_net_national national[TL_NET_NATIONS_MAX];
} tl_netconfig;

/** Parse a YAML network config. On error err names file:line and the field. */
int tl_netconfig_load(const char *path, tl_netconfig *cfg, tl_err *err);

/** The national domain of a nation, or NULL if the config has none for it. */
const tl_net_national *tl_netconfig_national(const tl_netconfig *cfg, const char *nation);

/** Index of a nation, or -1. */
int tl_netconfig_nation(const tl_netconfig *cfg, const char *nation);

/** Products of `kind` from `origin`: destinations mask (0 if no rule), and the
 *  marking of the first matching rule (may be NULL). */
uint32_t tl_netconfig_dests(const tl_netconfig *cfg, const char *origin, tl_product_kind kind,
                            const char **marking);

/** Reductions to apply to a product of `kind` from `origin` sent to `dest`. */
uint32_t tl_netconfig_reductions(const tl_netconfig *cfg, const char *origin,
                                 tl_product_kind kind, const char *dest);

/** 1 if `self` may send product p on a link to `peer`: peer is not on the path,
 *  and p is releasable to peer, or peer relays and p is releasable to some nation
 *  not on the path. self must be p's origin or a relay. */
int tl_netconfig_may_send(const tl_netconfig *cfg, const char *self, const tl_product *p,
                          const char *peer);

/** Parse "JP,US" into a nation mask; TL_EINVAL naming the unknown nation. */
int tl_netconfig_mask_parse(const tl_netconfig *cfg, const char *list, uint32_t *mask, tl_err *err);

#endif
