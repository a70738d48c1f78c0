/* fusion.h — the common picture: local and partner tracks brought to one time,
 * associated, fused, and kept as system tracks with stable numbers.
 *
 * Every cycle the caller hands in the current tracks of every contributor (the
 * nation's own tracker and each partner's products, each a tl_state_est with its own
 * time of validity, the nation and the contributor's track number). The engine
 *   1. propagates each to the cycle time (ballistic model + white-noise acceleration),
 *   2. keeps contributor tracks on the system track they were bound to, unless they
 *      stop agreeing with the other contributors for split_cycles cycles (split),
 *   3. associates unbound tracks nation by nation to system tracks that have no track
 *      from that nation yet: 6-D chi-square gate on the state difference with both
 *      covariances (Bar-Shalom 1981, cross-covariance unknown so taken as zero), then
 *      optimal assignment (tl_assign_sparse of assoc.h); the rest start system tracks,
 *   4. merges two system tracks that agree for merge_cycles cycles and share no nation
 *      (a nation that holds two tracks says there are two objects),
 *   5. fuses the contributors with covariance intersection (Julier & Uhlmann 1997) with
 *      the fast closed-form weights of Franken & Hupper (2005), consistent whatever the
 *      unknown cross-correlation (common process noise, relayed data): docs/fusion.md.
 * A system track number (STN) is never reused. The contributor with the smallest
 * position uncertainty is reported as the best track (Link 16's reporting
 * responsibility idea). All memory is allocated by tl_fusion_create; update allocates
 * nothing.
 */
#ifndef TRILINK_FUSION_H
#define TRILINK_FUSION_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/dynamics.h"
#include "trilink/error.h"
#include "trilink/plot.h"
#include "trilink/state.h"

#define TL_FUSION_MAX_CONTRIB 6          /**< contributor tracks per system track */
#define TL_CHI2_6_999 22.457744484825323 /**< chi-square, 6 dof, 0.999 quantile */
#define TL_CHI2_6_99 16.811893829770927  /**< chi-square, 6 dof, 0.99 quantile */

/** Fusion rule. */
typedef enum tl_fuse_method {
    TL_FUSE_CI = 0,         /**< covariance intersection, fast weights (default, consistent) */
    TL_FUSE_INDEPENDENT = 1 /**< information sum: optimal only if errors are uncorrelated */
} tl_fuse_method;

typedef struct tl_fusion_cfg {
    size_t max_system_tracks; /**< pool size (default 4096) */
    size_t max_inputs;        /**< largest batch of contributor tracks per update (8192) */
    tl_dyn_model model;       /**< propagation to the cycle time (default: WGS-84, no drag) */
    double q_m2_s3;           /**< white-noise acceleration while aligning times (default 1) */
    double q_free_m2_s3;      /**< the same for an input in free flight above the drag
                                   ceiling (tl_fusion_input.free_flight): only gravity
                                   beyond J2 is unmodelled there (default 0.01) */
    double gate_chi2;         /**< association gate on the 6-D difference (TL_CHI2_6_999) */
    double keep_chi2;         /**< a bound contributor agrees while d2 <= this (TL_CHI2_6_999) */
    int split_cycles;         /**< consecutive disagreements before it splits off (3) */
    double merge_chi2;        /**< two system tracks agree while d2 <= this (TL_CHI2_6_99) */
    int merge_cycles;         /**< consecutive agreeing cycles before a merge (3) */
    double coast_s;           /**< keep a system track without contributors this long (10 s) */
    double hold_max_s;        /**< longest retention tl_fusion_hold may grant past the cycle
                                   time (default 7200 s: an ICBM's flight) */
    double max_age_s;         /**< inputs further than this from the cycle time are stale and
                                   skipped (a contributor then drops out); default 30 s */
    int method;               /**< tl_fuse_method */
    int drag;                 /**< 1 (default): below 130 km inputs and coasting tracks are
                                   propagated with drag at their ballistic coefficient
                                   (the input's, else the prior of its energy class,
                                   tl_predict_beta_prior) and the drag's uncertainty is
                                   added as process noise; 0: no drag */
} tl_fusion_cfg;

void tl_fusion_cfg_default(tl_fusion_cfg *cfg);

/** One contributor track as handed to an update. */
typedef struct tl_fusion_input {
    char nation[TL_NATION_LEN]; /**< "JP", "US", "KR", ...; non-empty */
    uint32_t track_id;          /**< the contributor's own number, unique within its nation */
    tl_state_est est;           /**< any time of validity; propagated to the cycle time */
    double beta_kg_m2;          /**< the contributor's ballistic-coefficient estimate, kg/m^2
                                     (<= 0: none; zero-initialised inputs have none) */
    double beta_ln_sigma;       /**< its 1-sigma in ln(beta) (> 0 when beta_kg_m2 > 0) */
    int free_flight;            /**< 1: its tracker holds the object past its boost (no
                                     thrust); above the drag ceiling it is then aligned with
                                     q_free_m2_s3. 0 (zero-initialised): not known */
} tl_fusion_input;

/** A contributor of a system track. */
typedef struct tl_fusion_contrib {
    char nation[TL_NATION_LEN];
    uint32_t track_id;
    int64_t since_ns;   /**< cycle time it joined this system track */
    int64_t est_t_ns;   /**< time of validity of its latest estimate (before alignment) */
    double pos_sigma_m; /**< sqrt(trace of its position covariance) at the cycle time */
    double d2;          /**< its latest agreement distance to the other contributors */
    int fail_count;     /**< consecutive cycles with d2 > keep_chi2 */
} tl_fusion_contrib;

/** A system track. */
typedef struct tl_system_track {
    uint32_t stn;     /**< system track number: stable, never reused, > 0 */
    tl_state_est est; /**< fused estimate at updated_ns */
    int n_contrib;    /**< 0 while coasting */
    tl_fusion_contrib contrib[TL_FUSION_MAX_CONTRIB];
    int best; /**< index of the best contributor (smallest pos_sigma_m), -1 none */
    char best_nation[TL_NATION_LEN];
    int64_t created_ns, updated_ns;
    uint32_t split_from; /**< STN this track split off from (0: none) */
    int coasting;          /**< 1: no contributor this cycle; est is predicted (ballistic
                                propagation of the last fused estimate, growing covariance) */
    int64_t hold_until_ns; /**< retained without contributors until this time (tl_fusion_hold),
                                0: only coast_s */
    double beta_kg_m2;     /**< ballistic coefficient: the contributors' estimate with the
                                smallest beta_ln_sigma, else the prior of the energy class
                                (tl_predict_beta_prior); kept while coasting */
    double beta_ln_sigma;  /**< its 1-sigma in ln(beta) */
} tl_system_track;

/** What happened in the last update. */
typedef enum tl_fusion_event_kind {
    TL_FEV_NEW = 1,   /**< stn created for nation/track_id */
    TL_FEV_JOIN = 2,  /**< nation/track_id joined stn */
    TL_FEV_DROP = 3,  /**< nation/track_id no longer reported: left stn */
    TL_FEV_SPLIT = 4, /**< nation/track_id split off stn into other_stn */
    TL_FEV_MERGE = 5, /**< other_stn merged into stn (other_stn retired) */
    TL_FEV_DELETE = 6 /**< stn retired after coasting coast_s without contributors */
} tl_fusion_event_kind;

typedef struct tl_fusion_event {
    int kind;
    uint32_t stn, other_stn;
    char nation[TL_NATION_LEN];
    uint32_t track_id;
} tl_fusion_event;

/** Counters of the last update. */
typedef struct tl_fusion_stats {
    size_t n_inputs, n_rejected, n_gated_pairs, n_new, n_join, n_drop, n_split, n_merge, n_delete,
        n_events_lost;
} tl_fusion_stats;

typedef struct tl_fusion tl_fusion;

/** @retval TL_OK, TL_EINVAL (bad cfg field, named in err), TL_ENOMEM. */
int tl_fusion_create(const tl_fusion_cfg *cfg, tl_fusion **out, tl_err *err);
void tl_fusion_destroy(tl_fusion *f); /**< NULL is a no-op */

/** One fusion cycle at t_ns with the current tracks of all contributors. A contributor
 *  track missing from `in` has dropped out. Invalid inputs (empty nation, non-finite
 *  or non-positive-definite covariance, duplicate nation/track_id, time of validity more than
 *  max_age_s away from t_ns) are skipped and
 *  counted; err then names the first. Returns TL_OK (also when inputs were skipped),
 *  TL_EINVAL (n > max_inputs, t_ns before the previous cycle), TL_EFULL (no free system
 *  track: the tracks that did not fit are counted in n_rejected). */
int tl_fusion_update(tl_fusion *f, int64_t t_ns, const tl_fusion_input *in, size_t n, tl_err *err);

size_t tl_fusion_count(const tl_fusion *f); /**< live system tracks */
/** i-th live system track, 0 <= i < count (order changes between updates). */
const tl_system_track *tl_fusion_get(const tl_fusion *f, size_t i);
/** System track by number, NULL if retired or unknown. */
const tl_system_track *tl_fusion_find(const tl_fusion *f, uint32_t stn);
/** STN currently holding nation/track_id, 0 if none. */
uint32_t tl_fusion_stn_of(const tl_fusion *f, const char *nation, uint32_t track_id);
/** Events and counters of the last update (valid until the next update). */
size_t tl_fusion_events(const tl_fusion *f, const tl_fusion_event **ev);
const tl_fusion_stats *tl_fusion_last_stats(const tl_fusion *f);

/** Retention of a predictable object through a coverage gap: while system track `stn`
 *  has no contributor it is kept (coasting on the ballistic propagator, its covariance
 *  growing with q_m2_s3) until until_ns instead of coast_s, keeping its number, and a
 *  track that reacquires it inside the association gate (chi-square against the coasted
 *  state and covariance) joins it. The caller grants this for a ballistic object whose
 *  impact prediction is established (until_ns = predicted impact time); it is clamped
 *  to the cycle time + hold_max_s and can be shortened or removed (until_ns = 0).
 *  @retval TL_OK, TL_ENOTFOUND (no live system track stn). */
int tl_fusion_hold(tl_fusion *f, uint32_t stn, int64_t until_ns);

/** Fuse n estimates valid at the same time (n >= 1) with `method`. For TL_FUSE_CI the
 *  weights are Franken & Hupper's (2005) closed form; for n == 1 the input is copied.
 *  @retval TL_OK, TL_EINVAL (n == 0, times differ), TL_ENOTPD. */
int tl_fuse_estimates(const tl_state_est *const *in, size_t n, int method, tl_state_est *out);

/** Track-to-track association distance d2 = dx^T (Pa + Pb)^-1 dx (same time).
 *  Returns TL_OK, TL_ENOTPD. */
int tl_fusion_distance(const tl_state_est *a, const tl_state_est *b, double *d2);

#endif
