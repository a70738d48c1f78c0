/* track.h — what a nation's tracker says about one object: the track report
 * (state estimate, id, phase, quality, contributing sensors) that the node shares
 * over the link, and the functions that derive phase and quality.
 *
 * Track quality follows the spirit of Link 16's 0-15 scale (public descriptions):
 * 15 is best. Here it is a function of the 1-sigma position uncertainty
 * s = sqrt(trace(P_pos) / 3): TQ = 15 for s <= 10 m, one step down per doubling,
 * 0 beyond ~330 km.
 */
#ifndef TRILINK_TRACK_H
#define TRILINK_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/error.h"
#include "trilink/flight.h"
#include "trilink/plot.h"
#include "trilink/state.h"

#define TL_TRACK_MAX_SENSORS 8 /**< sensor names carried in a report */

typedef enum tl_track_status {
    TL_TRACK_TENTATIVE = 0,
    TL_TRACK_CONFIRMED = 1,
    TL_TRACK_DELETED = 2
} tl_track_status;

/** One track as the nation shares it. */
typedef struct tl_track_report {
    uint32_t id;            /**< stable for the track's life, never reused in a run */
    tl_track_status status;
    tl_state_est est;       /**< ECEF position/velocity and covariance at est.t_ns */
    tl_phase phase;         /**< BOOST, MIDCOURSE or TERMINAL */
    int quality;            /**< 0..15 from position uncertainty */
    double mu_manoeuvre;    /**< IMM probability of the non-ballistic modes (thrust, re-entry) */
    int n_updates;          /**< plots used */
    int64_t t_first_ns;     /**< time of the first plot */
    int64_t t_confirmed_ns; /**< 0 while tentative */
    int64_t t_last_update_ns;
    int ir_cued;            /**< 1 if initiated on an IR cue */
    int n_sensors;          /**< contributing sensors (first TL_TRACK_MAX_SENSORS listed) */
    char sensors[TL_TRACK_MAX_SENSORS][TL_ID_LEN];
    double beta_kg_m2;      /**< ballistic-coefficient estimate of the re-entry mode (drag
                                 seen once unpowered), kg/m^2; 0: none yet */
    double beta_ln_sigma;   /**< its 1-sigma in ln(beta) (0 when there is none) */
} tl_track_report;

/** Track quality 0..15 from a covariance (see the file comment). */
int tl_track_quality(const double P[6][6]);

/** Phase from a state: TERMINAL below 100 km and descending; otherwise BOOST when
 *  the non-ballistic IMM modes dominate (mu_manoeuvre > 0.5) while ascending and the
 *  track has not yet been in midcourse (was_midcourse == 0); otherwise MIDCOURSE. */
tl_phase tl_track_phase(const double x_ecef[6], double mu_manoeuvre, int was_midcourse);

/** "tentative", "confirmed", "deleted". */
const char *tl_track_status_name(tl_track_status s);

/* ------------------------------------------------------------ tracks.csv ---- */
/* One row per track update (docs/tracker.md): t_ns, nation, track_id, status,
 * phase, quality, the ECEF state, the 21 upper-triangle covariance entries
 * (row-major), mu_manoeuvre, n_updates, t_first_ns, t_confirmed_ns, ir_cued and
 * the contributing sensors separated by ';'. Doubles are printed with 17
 * significant digits, so a row read back is bit-identical. */

/** The header line (without newline). */
const char *tl_trackio_header(void);

/** Format a report as one line (with '\n'). Returns the length, or TL_ERANGE if
 *  cap is too small (2048 bytes always suffice). */
int tl_trackio_format(const tl_track_report *r, const char *nation, char *buf, size_t cap);

/** Parse one data line. src and lineno label the error ("FILE:LINE: column NAME:
 *  reason ('value')"). TL_OK or TL_EPARSE (outputs unchanged). nation may be NULL. */
int tl_trackio_read_line(const char *line, const char *src, long lineno, tl_track_report *out,
                         char nation[TL_NATION_LEN], tl_err *err);

#endif
