/* link.h — the products nations share, and the national node that shares them.
 *
 * The estimation side (tracker, fusion, prediction, alerts) builds tl_product values
 * and hands them to tl_node_publish(); partners' products come back, already
 * validated, de-duplicated and in per-origin order, through the one callback in
 * tl_node_opts. DDS types never appear here: src/link/convert.c maps these structs
 * to the IDL types of idl/trilink.idl.
 *
 * Delivery contract (see docs/network.md): every product carries its origin's
 * sequence number; a node journals a product before it acts on it, hands each
 * origin's products to the callback exactly once and in sequence order, and after
 * an outage or restart fetches what it missed from its neighbours (gap-fill).
 */
#ifndef TRILINK_LINK_H
#define TRILINK_LINK_H

#include <stdint.h>

#include "trilink/error.h"
#include "trilink/plot.h"
#include "trilink/state.h"
#include "trilink/zones.h" /* tl_zone_level: the zone verdict on the wire */

#define TL_PATH_MAX 8        /**< nations a product may cross */
#define TL_MARKING_LEN 64
#define TL_TRACK_SENSORS_MAX 16
#define TL_LINKS_MAX 8       /**< links of one node */

typedef enum tl_product_kind {
    TL_PROD_TRACK = 1,
    TL_PROD_LAUNCH = 2,
    TL_PROD_IMPACT = 3,
    TL_PROD_ALERT = 4,
    TL_PROD_KIND_COUNT = 5 /**< one past the last shareable kind */
} tl_product_kind;

/** Carried by every product. The node fills origin, seq, prev_seq, path and (unless
 *  the caller narrowed them) mask and marking at publish time. */
/** Sequence numbers run from 1 to TL_SEQ_LIMIT - 1 (the journal keys rows by
 *  origin and 40-bit sequence: 35 years at 1,000 products a second). */
#define TL_SEQ_LIMIT (1ULL << 40)

typedef struct tl_product_hdr {
    char origin[TL_NATION_LEN];
    uint64_t seq;              /**< per origin, 1 .. TL_SEQ_LIMIT-1, strictly increasing */
    uint64_t prev_seq;         /**< hop chain (link-internal; see docs/network.md) */
    int64_t origin_time_ns;    /**< when the origin published it, ns UTC */
    uint32_t releasable_mask;  /**< bit i: nation i of the network config may receive it */
    char marking[TL_MARKING_LEN];
    int path_len;              /**< nations crossed, origin first, 1..TL_PATH_MAX */
    char path[TL_PATH_MAX][TL_NATION_LEN];
} tl_product_hdr;

/** A nation's local track (never a fused one: no partner data is counted twice). */
typedef struct tl_track_product {
    char track_id[TL_ID_LEN];
    tl_state_est est;          /**< ECEF state, covariance, time of validity */
    int phase;                 /**< tl_phase (flight.h) */
    int missile_class;         /**< tl_missile_class, or -1 unknown */
    double quality;            /**< 0..1 */
    int n_sensors;
    char sensors[TL_TRACK_SENSORS_MAX][TL_ID_LEN];
    int dropped;               /**< 1: the track is dropped (explicit, never a DDS dispose) */
    double beta_kg_m2;         /**< ballistic-coefficient estimate (re-entry drag), kg/m^2;
                                    0: none (older peers send none) */
    double beta_ln_sigma;      /**< its 1-sigma in ln(beta); > 0 when beta_kg_m2 > 0 */
} tl_track_product;

typedef struct tl_launch_estimate {
    char track_id[TL_ID_LEN];
    int64_t launch_t_ns;
    double launch_t_sigma_s;
    double pos_ecef[3];        /**< launch point, m */
    double P_pos[3][3];        /**< m^2, symmetric positive definite */
} tl_launch_estimate;

typedef struct tl_impact_prediction {
    char track_id[TL_ID_LEN];
    int64_t impact_t_ns;
    double impact_t_sigma_s;
    double pos_ecef[3];
    double ellipse_semi_major_m; /**< 95% ground ellipse */
    double ellipse_semi_minor_m;
    double ellipse_orient_rad;   /**< azimuth of the semi-major axis from north */
    int zone_verdict;            /**< tl_zone_level (zones.h) */
    char zone_name[32];
} tl_impact_prediction;

/** An alert as shared with partners (the state machine that decides it is alert.h's
 *  tl_alert). */
typedef struct tl_alert_product {
    char alert_id[32];
    char track_id[TL_ID_LEN];
    int severity;                /**< 0 info .. 3 flash */
    int zone_verdict;            /**< tl_zone_level (zones.h) */
    int64_t impact_t_ns;
    char text[256];
} tl_alert_product;

typedef struct tl_product {
    tl_product_hdr hdr;
    tl_product_kind kind;
    union {
        tl_track_product track;
        tl_launch_estimate launch;
        tl_impact_prediction impact;
        tl_alert_product alert;
    } u;
} tl_product;

/** "track", "launch", "impact", "alert" (or "?"). */
const char *tl_product_kind_name(tl_product_kind k);
/** Parse a kind name; TL_EINVAL if unknown. */
int tl_product_kind_parse(const char *s, tl_product_kind *out);

/* ---- validation of partners' products ------------------------------------ */

/** Why a partner's sample was rejected. Stable (journal, heartbeats, docs). */
typedef enum tl_reject_reason {
    TL_REJ_NONE = 0,
    TL_REJ_NONFINITE,      /**< a number is NaN or infinite */
    TL_REJ_NOT_PD,         /**< a covariance is not symmetric positive definite */
    TL_REJ_TIME_WINDOW,    /**< origin or state time outside the window around our clock */
    TL_REJ_UNKNOWN_ORIGIN, /**< origin is not a nation of the network config (or is us) */
    TL_REJ_BAD_SEQUENCE,   /**< seq 0, prev_seq >= seq, or an absurd jump */
    TL_REJ_BAD_PATH,       /**< path does not start at origin, end at the sender, or loops */
    TL_REJ_NOT_RELEASABLE, /**< neither releasable to us nor to anyone we relay to */
    TL_REJ_BAD_FIELD,      /**< out-of-range enum, count or string */
    TL_REJ_COUNT
} tl_reject_reason;

/** "nonfinite", "not_pd", "time_window", ... */
const char *tl_reject_reason_name(tl_reject_reason r);

/* ---- the node -------------------------------------------------------------- */

struct tl_netconfig;
typedef struct tl_node tl_node;

/** Per-link health, as reported in heartbeats and tl_node_health(). */
#define TL_AUTH_TEXT_LEN 240

typedef struct tl_link_health {
    char peer[TL_NATION_LEN];
    int domain_id;
    int up;                     /**< a heartbeat from the peer within 3 periods */
    int64_t latency_ns;         /**< one-way estimate (EWMA of heartbeat transit) */
    uint64_t samples_in, samples_out;
    uint64_t gaps_filled;       /**< products re-sent in answer to the peer's gap-fill requests */
    uint64_t gapfill_requests;  /**< gap-fill requests we sent on this link */
    uint64_t dups_dropped;
    uint64_t rejected[TL_REJ_COUNT];
    uint64_t bundles_in, bundles_out; /**< bundle samples (2..16 products of one kind in one
                                           sample; counted in samples_in/out per product) */
    uint64_t auth_failures;     /**< DDS Security handshakes that failed on this link's domain
                                     (a remote participant refused: another CA, expired, ...);
                                     an attempt repeats about twice a second */
    char last_auth_failure[TL_AUTH_TEXT_LEN]; /**< the last one, Cyclone's log line ("Begin handshake
                                                   reply failed: Certificate not valid: ...; subject: ...") */
} tl_link_health;

/** Receives each accepted partner product once, in per-origin order, after it is
 *  journaled. via: the nation it arrived from. Called on the thread running
 *  tl_node_poll() (or, with low_latency, on a DDS thread); must not call back into
 *  the node. */
typedef void (*tl_node_product_fn)(void *user, const tl_product *p, const char *via);

typedef struct tl_node_opts {
    const char *state_dir;   /**< journal lives here (created); required */
    const char *pki_dir;     /**< from `trilink pki init`; NULL: no DDS Security (tests only) */
    tl_node_product_fn on_product;
    void *user;
    int verbose;             /**< 1: log each product to stderr */
    int skip_pki_check;      /**< tests only: let DDS itself judge the PKI */
    int low_latency;         /**< 1: take products in DDS listeners (one thread wake-up less
                                  per hop); on_product then runs on a DDS thread, serialised
                                  with the node's own calls by the node's mutex. */
} tl_node_opts;

/** Check the PKI files, open the journal, create one participant per link domain
 *  (each with its own security identity), and recover sequence state from the
 *  journal. The node is not running until tl_node_poll() is called.
 *  @retval TL_ESECURITY a certificate/permissions problem (err names the file)
 *  @retval TL_ENET      DDS refused (err carries Cyclone's code)
 *  @retval TL_EIO       journal problem */
int tl_node_create(const struct tl_netconfig *cfg, const char *nation, const tl_node_opts *opts,
                   tl_node **out, tl_err *err);

/** Publish one of our own products. Fills p->hdr (origin, seq, time, path, and mask
 *  and marking from the policy; a non-zero p->hdr.releasable_mask narrows the
 *  policy's mask), writes it on every link it may go to, then journals it; returns
 *  once the journal has committed it. TL_EIO if the journal refused it after it was
 *  sent: its sequence number is retired (docs/network.md, "Delivery").
 *  now_ns: the node clock (tl_node_now_ns()). */
int tl_node_publish(tl_node *n, tl_product *p, int64_t now_ns, tl_err *err);

/** Publish count products at once (e.g. every track a fusion cycle updated): as
 *  tl_node_publish for each, in order, with one journal transaction for all
 *  (all or none are journaled; a bad kind sends none) and the samples packed into as few
 *  network messages as fit; consecutive products of one kind for a link go as
 *  bundles of up to 16 per DDS sample (docs/network.md, "Bundles"). */
int tl_node_publish_many(tl_node *n, tl_product *p, int count, int64_t now_ns, tl_err *err);

/** Process received samples, heartbeats and gap-fill for up to timeout_ms. The
 *  node's functions may be called from several threads (one internal mutex). */
int tl_node_poll(tl_node *n, int timeout_ms);

/** Copy the health of link i (0..tl_node_link_count-1). */
int tl_node_link_count(const tl_node *n);
int tl_node_health(const tl_node *n, int i, tl_link_health *out);

/** Journal rows deleted by retention (journal_retain_hours) since the node started. */
uint64_t tl_node_journal_pruned(const tl_node *n);

/** Write a raw sample straight to every link, bypassing sequencing and policy
 *  (test injector for invalid partner input). */
int tl_node_inject_raw(tl_node *n, const tl_product *p, tl_err *err);

/** The same for count (<= 16) products at once: consecutive products of one kind go
 *  in one bundle sample, as the node's own sends do (test injector for invalid
 *  bundle items). Write failures are not reported (as for the node's own sends). */
int tl_node_inject_raw_many(tl_node *n, const tl_product *p, int count, tl_err *err);

/** Wall clock, ns since the Unix epoch. */
int64_t tl_node_now_ns(void);

/** Stop DDS participants and close the journal. NULL is a no-op. */
void tl_node_destroy(tl_node *n);

/* ---- validation (exposed for tests) ---------------------------------------- */

/** Validate a partner product received from nation `via` at local time now_ns.
 *  Returns TL_REJ_NONE or the first reason found; *detail names the field. */
tl_reject_reason tl_product_validate(const struct tl_netconfig *cfg, const char *self,
                                     const char *via, const tl_product *p, int64_t now_ns,
                                     const char **detail);

#endif
