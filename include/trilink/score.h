/* score.h — tracking performance against truth: position/velocity RMSE over time,
 * NEES, time from launch to the first confirmed track of each object, track purity
 * and object completeness, identity swaps and breaks, false tracks, and OSPA per
 * scan (Schuhmacher, Vo & Vo, IEEE TSP 56(8) 2008).
 *
 * Method: the scan times are the distinct times of the track rows. At each, every
 * live confirmed track (its latest row, propagated ballistically to the scan time
 * when older) is matched to the truth objects alive then by an optimal assignment
 * (tl_assign_sparse) on position distance with a gate. Errors and NEES are taken
 * only from rows reported at that exact time (real estimates, not extrapolations).
 */
#ifndef TRILINK_SCORE_H
#define TRILINK_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/error.h"
#include "trilink/plot.h"

/** One truth sample (sim's truth.csv row). */
typedef struct tl_score_truth {
    int64_t t_ns;
    char object_id[TL_ID_LEN];
    double x_ecef[6];
    int phase; /**< tl_phase of the sample (flight.h); any value if unknown */
} tl_score_truth;

/** One track row (tracks.csv): a confirmed track's estimate at t_ns. deleted = 1
 *  marks the track's end (its state is ignored). */
typedef struct tl_score_track {
    int64_t t_ns;
    uint32_t id;
    int deleted;
    double x_ecef[6];
    double P[6][6];
} tl_score_track;

typedef struct tl_score_config {
    double gate_m;        /**< track-to-truth match distance (default 20 km) */
    double ospa_c_m;      /**< OSPA cut-off c (default 10 km) */
    double ospa_p;        /**< OSPA order p (default 2) */
    double stale_s;       /**< a track with no row for this long is not live (default 30 s) */
} tl_score_config;

void tl_score_config_default(tl_score_config *c);

/** Phases the scorer reports separately: the truth's tl_phase (flight.h) BOOST,
 *  MIDCOURSE and TERMINAL (re-entry); rows of other phases count only in the totals. */
enum { TL_SCORE_PHASE_BOOST = 0, TL_SCORE_PHASE_MIDCOURSE = 1, TL_SCORE_PHASE_REENTRY = 2,
       TL_SCORE_PHASES = 3 };

typedef struct tl_score_object {
    char object_id[TL_ID_LEN];
    int64_t t_first_ns;          /**< first truth sample (launch, when truth starts there) */
    int64_t t_first_confirmed_ns;/**< first scan with a matched confirmed track, 0 = never */
    double rmse_pos_m, rmse_vel_mps;
    size_t n_err;                /**< error samples behind the RMSE */
    double completeness;         /**< share of its alive scans with a matched track */
    int n_tracks;                /**< distinct track ids matched to it */
    int breaks;                  /**< times its matched track id changed */
    /** mean NEES (6-dof) of its rows by the truth phase at the row (TL_SCORE_PHASE_*),
     *  0 where n_nees_phase is 0 */
    double anees_phase[TL_SCORE_PHASES];
    size_t n_nees_phase[TL_SCORE_PHASES];
} tl_score_object;

typedef struct tl_score_result {
    size_t n_objects, n_tracks, n_scans;
    double rmse_pos_m, rmse_vel_mps; /**< over all matched exact-time rows */
    double anees;                    /**< mean NEES (6-dof) over the same rows */
    size_t n_err;
    /* the same over rows whose truth is in MIDCOURSE (the phase of the nearest
     * earlier truth sample) */
    double rmse_pos_mid_m, rmse_vel_mid_mps, anees_mid;
    size_t n_err_mid;
    /** per truth phase (TL_SCORE_PHASE_*): mean NEES (6-dof), position RMSE and the
     *  number of rows behind them (0: no rows, the means are then 0) */
    double anees_phase[TL_SCORE_PHASES], rmse_pos_phase_m[TL_SCORE_PHASES];
    size_t n_nees_phase[TL_SCORE_PHASES];
    double purity;        /**< mean over tracks of (rows on its main object / matched rows) */
    double completeness;  /**< mean over objects */
    int swaps;            /**< a track switching from one object to another */
    int false_tracks;     /**< tracks never matched to any object */
    double ospa_mean_m;   /**< mean OSPA over scans */
} tl_score_result;

/** Called once per scan with its OSPA (m) and cardinalities. */
typedef void (*tl_score_scan_cb)(void *ctx, int64_t t_ns, double ospa_m, size_t n_truth,
                                 size_t n_tracks);

/** Score. truth and tracks in any order (both are sorted internally in copies).
 *  objects[cap_objects] receives per-object results (n_objects may exceed cap).
 *  Returns TL_OK, TL_EINVAL (bad argument) or TL_ENOMEM. */
int tl_score_run(const tl_score_truth *truth, size_t n_truth, const tl_score_track *tracks,
                 size_t n_tracks, const tl_score_config *cfg, tl_score_result *res,
                 tl_score_object *objects, size_t cap_objects, tl_score_scan_cb cb, void *ctx);

#endif
