/* pipeline.h — a nation's estimation pipeline inside `trilink node`, as plain function
 * calls with the scenario time passed in (no clock reads, no DDS, no I/O):
 *
 *   own plots -> tl_tracker -> local Track products (rate-limited; explicit drops)
 *   own confirmed tracks + partners' Track products -> tl_fusion (system tracks)
 *   system tracks -> tl_predict_threat (launch point, impact point with 95% ellipse,
 *                    class, loft, space launch) -> tl_zones_verdict -> tl_alert
 *                    (hysteresis, CAP 1.2 XML)
 *   -> products to publish (Track, LaunchEstimate, ImpactPrediction, Alert), CAP
 *      documents, a tl_cop_picture, and one record per system track for the
 *      "alone vs with sharing" summary.
 *
 * The node (src/cli/cmd_node.c) owns the clock and the link: it calls
 * tl_pipeline_add_plot / tl_pipeline_add_product as data arrive, tl_pipeline_step
 * with the scenario clock (the newest plot time), and drains tl_pipeline_next_product
 * (into tl_node_publish) and tl_pipeline_next_cap (into the journal and STATE/cap/).
 *
 * Only confirmed local tracks are shared (never fused ones: a partner must not
 * receive its own data back, see docs/fusion.md). A local track is published when it
 * is confirmed, then at most every track_period_s of scenario time, at once on a
 * phase change, and once more with dropped = 1 when the tracker deletes it.
 *
 * Coverage gaps: once a system track has an established impact prediction (95% ellipse
 * semi-major axis <= 100 km, not a space launch) the fusion engine is asked to hold it
 * until the predicted impact time (tl_fusion_hold): through a midcourse gap it coasts on
 * the ballistic propagator, flagged coasting in the record and the COP, keeps its
 * number and its alert, and is reacquired by the chi-square gate. An alert is closed
 * 10 s after its last predicted impact time (tl_alert_close): a final Update stating
 * where it fell by the last prediction, or a Cancel when that was outside the zones.
 *
 * Timing figures per system track (tl_pipeline_record): first_system_ns is the fusion
 * cycle at which the nation's picture first held the object (from any contributor,
 * partner-only included); first_local_ns the cycle at which it first held an own
 * confirmed track on it. Both use the same cycle clock, so the difference is what
 * sharing bought. Memory: everything is allocated by tl_pipeline_create.
 */
#ifndef TRILINK_PIPELINE_H
#define TRILINK_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/error.h"
#include "trilink/plot.h"
#include "trilink/state.h"

struct tl_product;     /* link.h */
struct tl_zones;       /* zones.h */
struct tl_cop_picture; /* cop.h */

#define TL_PIPELINE_NO_ALERTS (-1) /**< alert_nation: this node issues no public alerts */

typedef struct tl_pipeline_cfg {
    char nation[TL_NATION_LEN];    /**< own nation ("JP"); its plots only */
    const struct tl_zones *zones;  /**< zone data (shared, not owned); NULL: the pipeline
                                        loads tl_zones_load_default() and owns it */
    int alert_nation;              /**< tl_alert_nation whose zones it warns for, or
                                        TL_PIPELINE_NO_ALERTS */
    int alert_status;              /**< tl_alert_status (CAP status; default Exercise) */
    double track_period_s;         /**< a local track is published at most this often (1) */
    double fusion_period_s;        /**< fusion cycle (1) */
    double predict_period_s;       /**< prediction/zones/alerts per system track (2) */
    double product_period_s;       /**< Launch/Impact products per system track at most this often (5) */
    double partner_stale_s;        /**< a partner track not refreshed this long leaves (75) */
    double overflight_dt_s;        /**< predicted ground-track sampling (20) */
    size_t max_records;            /**< system track records kept, retired included (512); when
                                        full, the oldest retired one without an alert out is reused */
    size_t max_out;                /**< queued products before the oldest are lost (4096) */
} tl_pipeline_cfg;

/** Defaults for a nation: JP warns for Japan, KR for Korea, others issue no alerts. */
void tl_pipeline_cfg_default(tl_pipeline_cfg *cfg, const char *nation);

typedef struct tl_pipeline tl_pipeline;

/** @retval TL_OK, TL_EINVAL (bad cfg field, named in err), TL_ENOMEM, or the zone
 *  loader's TL_EIO / TL_EPARSE when cfg->zones is NULL and the data cannot be read. */
int tl_pipeline_create(const tl_pipeline_cfg *cfg, tl_pipeline **out, tl_err *err);
void tl_pipeline_destroy(tl_pipeline *p); /**< NULL is a no-op */

/** Offer one of the nation's own plots to the tracker. TL_OK, or TL_EINVAL when the
 *  tracker rejects it (another nation's plot, malformed, too late: err says why). */
int tl_pipeline_add_plot(tl_pipeline *p, const tl_plot *plot, tl_err *err);

/** Offer a partner's product (as handed over by the link). Tracks feed fusion (a
 *  dropped track leaves it); launch/impact/alert products are counted. Products from
 *  the own nation are refused (TL_EINVAL). */
int tl_pipeline_add_product(tl_pipeline *p, const struct tl_product *prod, tl_err *err);

/** Advance the scenario clock to t_ns (never backwards: an older t_ns is ignored) and
 *  run what is due: local track publication, fusion, prediction, zones, alerts. */
int tl_pipeline_step(tl_pipeline *p, int64_t t_ns, tl_err *err);

/** End of input: flush the tracker, then a final step at the newest time seen with
 *  every cycle forced. */
int tl_pipeline_finish(tl_pipeline *p, tl_err *err);

/** Scenario clock (newest of the plot times and step times seen; 0 before any). */
int64_t tl_pipeline_clock(const tl_pipeline *p);

/** Take the next product to publish (header zeroed: the node fills it). 1 if *out was
 *  filled, 0 when the queue is empty. */
int tl_pipeline_next_product(tl_pipeline *p, struct tl_product *out);

/** A CAP 1.2 document for an alert message the pipeline produced. */
typedef struct tl_pipeline_cap {
    uint32_t stn;
    int msg_type;        /**< tl_alert_type: 1 Alert, 2 Update, 3 Cancel */
    char identifier[64];
    int64_t sent_ns;
    size_t len;
    char xml[8192];
} tl_pipeline_cap;

/** Take the next CAP document. 1 if filled, 0 when none are waiting. */
int tl_pipeline_next_cap(tl_pipeline *p, tl_pipeline_cap *out);

/** What the nation knows about one system track (kept after it retires). */
typedef struct tl_pipeline_record {
    uint32_t stn;
    int live;                  /**< still a system track of the fusion engine */
    int64_t first_system_ns;   /**< cycle at which the picture first held it */
    int64_t first_local_ns;    /**< cycle at which it first had an own confirmed track, 0 never */
    int64_t local_confirm_ns;  /**< that own track's confirmation time (plot time), 0 never */
    char first_nations[32];    /**< contributors at first_system_ns, e.g. "US" or "JP,KR" */
    char nations[32];          /**< every nation that ever contributed */
    tl_state_est first_est;    /**< fused estimate when first held */
    tl_state_est last_est;     /**< latest fused estimate */
    int phase;                 /**< tl_phase of the best contributor's latest report */
    int n_contrib;
    char best_nation[TL_NATION_LEN];
    /* latest prediction (valid when has_pred) */
    int has_pred;
    int64_t pred_t_ns;         /**< time of the estimate it was made from */
    tl_state_est pred_est;     /**< that estimate */
    int pred_status;           /**< tl_pred_status */
    int has_impact;
    double impact_lat_rad, impact_lon_rad;
    int64_t impact_t_ns;
    double impact_t_sigma_s;
    double ell_semi_major_m, ell_semi_minor_m, ell_orient_rad; /**< 95% */
    double impact_cov_en_m2[2][2];
    int zone_mean, zone_likely; /**< tl_zone_class */
    double p_zone[8];          /**< per tl_zone_class */
    double p_jp, p_kr, p_overflight;
    int has_launch;
    double launch_lat_rad, launch_lon_rad;
    int64_t launch_t_ns;
    double launch_semi_major_m;
    int missile_class;         /**< tl_missile_class by range (or energy while unknown), -1 */
    int loft;                  /**< tl_loft */
    int space_launch;
    double apogee_m, range_m;
    /* alerts */
    int alerts_issued, alerts_updated, alerts_cancelled, alert_active;
    /* coverage gaps and the end of the threat */
    int coasting;          /**< no contributor now: last_est is predicted (ballistic coast) */
    int64_t hold_until_ns; /**< fusion keeps it through gaps until then (0: not held) */
    int alert_closed;      /**< 1: the alert was closed after the impact time (final Update
                                "fell" or Cancel "fell_outside", alert.h tl_alert_close) */
} tl_pipeline_record;

size_t tl_pipeline_record_count(const tl_pipeline *p);
const tl_pipeline_record *tl_pipeline_record_get(const tl_pipeline *p, size_t i);

typedef struct tl_pipeline_stats {
    uint64_t plots_in, plots_rejected;
    uint64_t products_out, products_lost;      /**< queued for publication / overflowed */
    uint64_t partner_in[5];                     /**< by tl_product_kind */
    uint64_t partner_rejected;
    size_t local_tracks, local_confirmed, partner_tracks, system_tracks;
    uint64_t fusion_cycles, predictions, prediction_failures;
    uint64_t alerts, updates, cancels;
    uint64_t closes;        /**< alerts closed after their impact time (Update or Cancel) */
    size_t coasting_tracks; /**< system tracks held through a coverage gap right now */
} tl_pipeline_stats;

void tl_pipeline_stats_get(const tl_pipeline *p, tl_pipeline_stats *s);

/** Fill the COP picture's nation, scenario clock, tracks (live system tracks with
 *  flight path, launch and impact ellipses, verdict probabilities) and alerts (the
 *  most recent messages). Links, node clock and clock_rate are left to the caller. */
void tl_pipeline_picture(const tl_pipeline *p, struct tl_cop_picture *pic);

/** Zone class (tl_zone_class) of a point by the pipeline's zone data, or -1 when the
 *  point is out of range (truth comparisons with the pipeline's own zones). */
int tl_pipeline_zone_of(const tl_pipeline *p, double lat_rad, double lon_rad);

/** Short stable name of a zone class (as tl_zone_class_name). */
const char *tl_pipeline_zone_name(int zone_class);

#endif
