/* tracker.h — a nation's centralised multi-sensor tracker: its own radars' and IR
 * satellites' plots in, tracks out (Stone Soup's decomposition: predictor, updater,
 * hypothesiser/gater, GNN data associator, initiator, deleter).
 *
 * Cycle per scan (the plots of one sensor at one time, in time order):
 *   predict candidate tracks -> chi-square gate -> optimal GNN assignment on the
 *   sparse gated problem (tl_assign_sparse) -> IMM update -> M-of-N confirmation ->
 *   coast / delete -> initiate from the unassigned plots (two-point velocity
 *   initiator; IR-cued one-point initiator).
 *
 * Out-of-sequence plots: buffer-and-release. Plots wait in a preallocated
 * time-ordered buffer until they are reorder_window_ns older than the newest plot
 * seen; a plot that arrives later than that (older than what was already
 * processed) is rejected as "late". Within the window every plot is processed in
 * exact time order, so the result equals an in-order run; the price is output
 * latency of one window (with 0, a scan is released when a later plot arrives).
 * tl_tracker_flush() releases all.
 *
 * Memory: every buffer (track pool, plot buffer, scan arrays, assignment
 * workspace) is allocated by tl_tracker_create; nothing is allocated per plot.
 * Bad plots are rejected and counted by reason, never processed.
 */
#ifndef TRILINK_TRACKER_H
#define TRILINK_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/error.h"
#include "trilink/filter.h"
#include "trilink/plot.h"
#include "trilink/track.h"

/** Why a plot was rejected. */
typedef enum tl_reject {
    TL_REJECT_NONFINITE = 0, /**< NaN/inf in a value, sigma or the site */
    TL_REJECT_RANGE,         /**< range <= 0 or > 1e9 m, |range rate| > 1e6 m/s */
    TL_REJECT_ELEVATION,     /**< elevation outside [-pi/2, pi/2], IR angle out of range */
    TL_REJECT_SIGMA,         /**< sigma <= 1e-12 or absurd (>= 1 rad, >= 1e7 m) */
    TL_REJECT_FORMAT,        /**< kind / nz inconsistent, site latitude/height out of range */
    TL_REJECT_LATE,          /**< older than already processed (beyond the window) */
    TL_REJECT_FUTURE,        /**< far ahead of the newest plot (time far out of order) */
    TL_REJECT_NATION,        /**< another nation's plot: partner data never enters */
    TL_REJECT_SENSORS,       /**< more distinct sensors than the tracker can name */
    TL_REJECT_COUNT
} tl_reject;

const char *tl_reject_name(tl_reject r);

typedef struct tl_tracker_config {
    char nation[TL_NATION_LEN]; /**< accept only this nation's plots ("" = any) */
    size_t max_tracks;          /**< track pool size */
    size_t max_buffered;        /**< plots held for reordering */
    size_t max_scan;            /**< most plots in one scan (larger scans are split) */
    int64_t reorder_window_ns;  /**< out-of-sequence tolerance */
    int64_t max_future_ns;      /**< a plot this far beyond the newest is rejected */
    double gate_p;              /**< gate probability (chi-square quantile), e.g. 0.9997 */
    int confirm_m, confirm_n;   /**< M hits out of the first N opportunities */
    double coast_tentative_s;   /**< delete a tentative track after this long unupdated */
    double coast_confirmed_s;   /**< delete a confirmed track after this long unupdated */
    double coast_boost_s;       /**< ... after this long while it may still be under thrust
                                     (its prediction is then meaningless: a salvo's
                                     other missiles would be taken for it) */
    double init_window_s;       /**< two-point initiator: max time between the plots */
    double vmax_mps;            /**< two-point initiator: fastest plausible target */
    double ir_cue_window_s;     /**< an IR line of sight cues radar plots this long */
    double ir_cue_dist_m;       /**< ... within this distance of the line of sight */
    tl_imm_config imm;          /**< filter (EKF or UKF) and the two IMM modes */
    /** per-track ballistic coefficient, estimated in log space once a track is
     *  unpowered: prior median (kg/m^2) and 1-sigma of ln(beta); the BALLISTIC and
     *  REENTRY modes fly the estimate, BALLISTIC with its uncertainty as drag noise.
     *  Defaults 8,500 kg/m^2 and 0.5: the geometric centre of the re-entry vehicles
     *  of the flight presets (6,000-12,000), both inside 0.7 sigma */
    double beta_prior_kg_m2;
    double beta_prior_sigma_ln;
} tl_tracker_config;

/** Defaults sized for a national picture: 1,024 tracks, 4,096 buffered plots,
 *  2 s reorder window, EKF-IMM, 3-of-4 confirmation. */
void tl_tracker_config_default(tl_tracker_config *c);

typedef struct tl_tracker tl_tracker;

/** Create with every buffer preallocated. TL_EINVAL (bad config, named in err) or
 *  TL_ENOMEM. */
int tl_tracker_create(const tl_tracker_config *c, tl_tracker **out, tl_err *err);
void tl_tracker_destroy(tl_tracker *t); /**< NULL is a no-op */

/** Called for every track update (status TENTATIVE or CONFIRMED) and once on
 *  deletion (status DELETED, last estimate). NULL disables. */
typedef void (*tl_track_cb)(void *ctx, const tl_track_report *r);
void tl_tracker_set_callback(tl_tracker *t, tl_track_cb cb, void *ctx);

/** Offer one plot. Valid plots are buffered and everything older than the window is
 *  processed. TL_OK, or TL_EINVAL when rejected (reason counted, named in err). */
int tl_tracker_add_plot(tl_tracker *t, const tl_plot *p, tl_err *err);

/** Process every buffered plot (end of input, or before reading tracks). */
void tl_tracker_flush(tl_tracker *t);

/** Copy up to cap current tracks (confirmed only when confirmed_only) into out,
 *  sorted by id. Returns how many there are in total (may exceed cap). */
size_t tl_tracker_tracks(const tl_tracker *t, tl_track_report *out, size_t cap,
                         int confirmed_only);

typedef struct tl_tracker_stats {
    uint64_t plots_in, plots_processed, plots_assigned, plots_rejected;
    uint64_t rejected[TL_REJECT_COUNT];
    uint64_t scans, tracks_initiated, tracks_confirmed, tracks_deleted, pool_full;
    uint64_t update_failures; /**< updates refused for losing positive definiteness */
    uint64_t duplicates_removed; /**< younger confirmed tracks merged into an older one */
    uint64_t init_suppressed;    /**< unassigned radar plots inside a confirmed track's
                                      gate, kept from starting a track */
    size_t tracks_live;
} tl_tracker_stats;

void tl_tracker_stats_get(const tl_tracker *t, tl_tracker_stats *s);

/** Bytes the tracker holds per track slot (pool record), for the memory budget. */
size_t tl_tracker_bytes_per_track(void);

/** Validate a plot for the tracker: 0, or the tl_reject reason + 1 (so 0 = valid). */
int tl_tracker_check_plot(const tl_plot *p);

#endif
