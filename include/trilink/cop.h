/* cop.h — the web common operating picture (COP) each national node serves.
 *
 * The node owns fusion, prediction, zones, alerts and the link; this module only shows
 * what the node hands it. The node fills a tl_cop_picture (plain fixed-size structs, no
 * pointers) and calls tl_cop_update() at 1-4 Hz; the module keeps a copy and serves it
 * over HTTP (civetweb) until the next one:
 *
 *   GET /api/picture          the picture as JSON (tl_cop_picture_to_json)
 *   GET /api/picture.geojson  tracks, flight paths, launch/impact points and their 95%
 *                             ellipses as an RFC 7946 FeatureCollection
 *   GET /metrics              Prometheus text exposition format 0.0.4
 *   GET /api/zones.geojson    outer limits of JP's and KR's territorial sea and EEZ
 *                             (tl_cop_zones_geojson), rendered once
 *   GET /  (and other files)  the page, static files from the web root (web/cop/dist)
 *
 * The renderers are plain functions, usable without a server (tests, journal, files).
 * Units: SI, radians, times int64 ns UTC. Unknown numbers are NaN and render as JSON null.
 * Strings are copied as given (any bytes); the renderers escape them for JSON, and invalid
 * UTF-8 becomes U+FFFD, so hostile ids or headlines cannot break the documents.
 */
#ifndef TRILINK_COP_H
#define TRILINK_COP_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/alert.h"
#include "trilink/error.h"
#include "trilink/flight.h"
#include "trilink/fusion.h"
#include "trilink/predict.h"
#include "trilink/zones.h"

#define TL_COP_NATION_LEN 8     /**< "JP", "US", "KR" (same size as TL_NATION_LEN) */
#define TL_COP_ID_LEN 32        /**< system track numbers, link names */
#define TL_COP_TEXT_LEN 160     /**< alert headlines and area descriptions */
#define TL_COP_MAX_NATIONS 4    /**< contributors per system track */
#define TL_COP_MAX_HISTORY 240  /**< flight path points kept per track */
#define TL_COP_MAX_PREDICTED 64 /**< predicted ground track points per track */
#define TL_COP_MAX_TRACKS 64
#define TL_COP_MAX_ALERTS 32
#define TL_COP_MAX_LINKS 8
#define TL_COP_MAX_REFS 16     /**< references per alert (as TL_ALERT_MAX_REFS) */
#define TL_COP_ELLIPSE_RING 48 /**< vertices of a rendered ellipse polygon (plus closure) */
#define TL_COP_MAX_PARTNER 64  /**< partners' launch/impact/alert products kept */
#define TL_COP_PATH_MAX 8      /**< nations a product crossed (as TL_PATH_MAX) */
#define TL_COP_ALERT_TEXT_LEN 256 /**< a partner alert's text (as the link's tl_alert.text) */
#define TL_COP_ALERT_GRACE_NS (10LL * 1000000000LL) /**< an alert is out of force this long
                                                         after its predicted impact time */

/** CAP 1.2 msgType of an alert. */
typedef enum tl_cop_msg_type {
    TL_COP_MSG_ALERT = 0,
    TL_COP_MSG_UPDATE,
    TL_COP_MSG_CANCEL
} tl_cop_msg_type;

/** A position at a time (flight path or predicted ground track). */
typedef struct tl_cop_point {
    int64_t t_ns;
    double lat_rad, lon_rad, h_m; /**< WGS-84 geodetic */
    tl_phase phase;               /**< phase of flight at this point (colours the path) */
} tl_cop_point;

/** A 95% ellipse on the ground around a point. */
typedef struct tl_cop_ellipse {
    double lat_rad, lon_rad; /**< centre */
    double semi_major_m;     /**< 95% semi-major axis, >= semi_minor_m >= 0 */
    double semi_minor_m;
    double orient_rad; /**< azimuth of the major axis, clockwise from north */
} tl_cop_ellipse;

typedef struct tl_cop_launch {
    int valid;
    int64_t t_ns;       /**< estimated launch time, or 0 if unknown */
    tl_cop_ellipse ell; /**< launch point and its 95% ellipse */
} tl_cop_launch;

typedef struct tl_cop_impact {
    int valid;
    int64_t t_ns;                 /**< predicted time of impact */
    tl_cop_ellipse ell;           /**< impact point and its 95% ellipse */
    double p_zone[TL_ZONE_COUNT]; /**< P(zone) over the ellipse, indexed by tl_zone_class
                                       (zones.h: tl_zone_verdict.p), sum ~1 */
} tl_cop_impact;

/** One system track of the fused picture. */
typedef struct tl_cop_track {
    char id[TL_COP_ID_LEN]; /**< stable system track number */
    int64_t t_ns;           /**< time of the estimate */
    double lat_rad, lon_rad, h_m;
    double vel_enu_mps[3]; /**< velocity, local east/north/up */
    double pos_sigma_m;    /**< quality: RMS 1-sigma position uncertainty */
    tl_phase phase;
    int cls;          /**< tl_missile_class, or -1 while unknown */
    tl_loft loft;     /**< TL_LOFT_LOFTED/DEPRESSED when recognised, else NONE */
    double apogee_m;  /**< estimated apogee height, NaN if unknown */
    double range_m;   /**< estimated ground range launch->impact, NaN if unknown */
    int overflies_jp; /**< predicted ground track crosses Japanese territory */
    char contributors[TL_COP_MAX_NATIONS][TL_COP_NATION_LEN];
    int n_contributors;
    char best_nation[TL_COP_NATION_LEN]; /**< nation holding the smallest-uncertainty track */
    tl_cop_launch launch;
    tl_cop_impact impact;
    tl_cop_point history[TL_COP_MAX_HISTORY]; /**< flight path, oldest first */
    int n_history;
    tl_cop_point predicted[TL_COP_MAX_PREDICTED]; /**< predicted path to impact, optional */
    int n_predicted;
    int coasting; /**< no sensor holds it now: the position is predicted (ballistic coast
                       through a coverage gap on an established impact prediction) */
} tl_cop_track;

/** One alert as issued, updated or cancelled (the CAP message's essentials). */
typedef struct tl_cop_alert {
    char id[64]; /**< CAP identifier */
    tl_cop_msg_type msg_type;
    char status[16];                      /**< CAP status: "Actual", "Exercise", "Test", ... */
    char references[TL_COP_MAX_REFS][64]; /**< Update/Cancel: ids of the messages it
                                               supersedes (CAP <references>), oldest first */
    int n_references;
    int64_t sent_ns;
    char track_id[TL_COP_ID_LEN];
    char headline[TL_COP_TEXT_LEN];
    char area_desc[TL_COP_TEXT_LEN];
    int has_circle; /**< area circle below is valid */
    double area_lat_rad, area_lon_rad, area_radius_m;
    int64_t impact_t_ns; /**< predicted impact time the message was made for, 0 unknown */
} tl_cop_alert;

/** Kind of a partner's product shown in the picture (the link's Launch/Impact/Alert). */
typedef enum tl_cop_prod_kind {
    TL_COP_PROD_LAUNCH = 0, /**< LaunchEstimate: launch point and time */
    TL_COP_PROD_IMPACT,     /**< ImpactPrediction: impact point, 95% ellipse, zone verdict */
    TL_COP_PROD_ALERT       /**< Alert: the partner's warning message */
} tl_cop_prod_kind;

/** One product a partner nation shared, as received (newest per origin, track and kind).
 *  The COP draws it as the partner's, never merged with the own picture. */
typedef struct tl_cop_partner {
    tl_cop_prod_kind kind;
    char origin[TL_COP_NATION_LEN];                  /**< nation that made it */
    char path[TL_COP_PATH_MAX][TL_COP_NATION_LEN];   /**< nations crossed, origin first, the
                                                          neighbour it came from last */
    int n_path;
    uint64_t seq;            /**< origin's sequence number */
    int64_t origin_t_ns;     /**< when the origin published it (its wall clock, ns UTC) */
    int64_t received_t_ns;   /**< when this node received it (node wall clock, ns UTC) */
    char track_id[TL_COP_ID_LEN]; /**< the origin's track id ("KR-S3") */
    int64_t t_ns;            /**< launch: launch time; impact and alert: predicted impact
                                  time (scenario clock); 0 unknown */
    double t_sigma_s;        /**< 1-sigma of t_ns, NaN unknown */
    int has_point;           /**< ell is valid (launch, impact) */
    tl_cop_ellipse ell;      /**< launch point (95% circle from its covariance) or impact
                                  point and 95% ellipse */
    int zone_verdict;        /**< tl_zone_level (zones.h): 0 unknown, 1 open sea, 2 EEZ, 3 territory */
    char zone_name[32];      /**< the origin's zone class name ("jp_eez"), may be empty */
    /* alerts */
    char alert_id[64];
    tl_cop_msg_type msg_type; /**< Alert/Update/Cancel */
    int severity;             /**< 0 info (a Cancel) .. 3 flash */
    char text[TL_COP_ALERT_TEXT_LEN];
} tl_cop_partner;

/** State of one bilateral link as this node sees it. */
typedef struct tl_cop_link {
    char name[TL_COP_ID_LEN]; /**< "JP-US" */
    char peer[TL_COP_NATION_LEN];
    int up;
    double latency_s; /**< one-way latency estimate, NaN if unknown */
    uint64_t msgs_in, msgs_out, gaps, dups, rejects;
    uint64_t auth_failures; /**< failed DDS Security handshakes on the link's domain */
} tl_cop_link;

/** The whole picture handed over at each update. Large (~0.8 MB): allocate it once
 *  (static or heap) and refill it; tl_cop_picture_init() sets it empty. */
typedef struct tl_cop_picture {
    char nation[TL_COP_NATION_LEN]; /**< the node serving the picture */
    int64_t scenario_t_ns;          /**< scenario clock */
    int64_t node_t_ns;              /**< node wall clock */
    double clock_rate; /**< scenario seconds per wall second (1 live, >1 fast replay) */
    tl_cop_track tracks[TL_COP_MAX_TRACKS];
    int n_tracks;
    tl_cop_alert alerts[TL_COP_MAX_ALERTS]; /**< most recent last */
    int n_alerts;
    tl_cop_link links[TL_COP_MAX_LINKS];
    int n_links;
    tl_cop_partner partners[TL_COP_MAX_PARTNER]; /**< partners' products, any order */
    int n_partners;
} tl_cop_picture;

/** Empty picture: no tracks/alerts/links, clock_rate 1. */
void tl_cop_picture_init(tl_cop_picture *p);
/** Empty track: unknown class (-1), NaN apogee/range/sigma/velocity, no launch/impact. */
void tl_cop_track_init(tl_cop_track *t);

const char *tl_cop_msg_type_name(tl_cop_msg_type m); /**< "Alert", "Update", "Cancel" */
const char *tl_cop_prod_kind_name(tl_cop_prod_kind k); /**< "launch", "impact", "alert" */

/** Whether own alert i is in force at the picture's scenario time: not a Cancel, not
 *  superseded (no later message references it) and not past its impact time by more than
 *  TL_COP_ALERT_GRACE_NS. 0 for an index out of range. */
int tl_cop_alert_in_force(const tl_cop_picture *p, int i);
/** Whether partner product i is an alert in force: the newest alert of its origin and
 *  track (by origin time, then seq), not a Cancel and not past its impact time by more than
 *  TL_COP_ALERT_GRACE_NS. 0 for other kinds or an index out of range. */
int tl_cop_partner_alert_in_force(const tl_cop_picture *p, int i);

/** Check a picture before rendering: counts within capacity, enums in range, finite
 *  clocks. Returns TL_OK or TL_EINVAL/TL_ERANGE with err naming the field and value. */
int tl_cop_picture_check(const tl_cop_picture *p, tl_err *err);

/** Render as JSON (schema: docs/cop.md) into buf (cap bytes, NUL-terminated when cap>0).
 *  *len receives the full length needed (excluding NUL) even when it does not fit.
 *  @retval TL_OK        rendered
 *  @retval TL_EFULL     cap too small (buf holds a truncated prefix); retry with *len+1
 *  @retval TL_EINVAL    picture fails tl_cop_picture_check (err says why) */
int tl_cop_picture_to_json(const tl_cop_picture *p, char *buf, size_t cap, size_t *len,
                           tl_err *err);
/** Same contract; an RFC 7946 FeatureCollection (lon, lat[, h] order; rings CCW). */
int tl_cop_picture_to_geojson(const tl_cop_picture *p, char *buf, size_t cap, size_t *len,
                              tl_err *err);
/** Same contract; Prometheus text exposition format (tl_cop_* metric families). */
int tl_cop_picture_to_metrics(const tl_cop_picture *p, char *buf, size_t cap, size_t *len,
                              tl_err *err);

/** Ellipse outline: n >= 3 vertices on the ellipsoid (tl_ellipse95_polygon, reversed),
 *  counterclockwise seen from above, as lon/lat radians; the caller closes the ring. */
void tl_cop_ellipse_ring(const tl_cop_ellipse *e, int n, double lon_rad[], double lat_rad[]);

/** Region and sampling of the zone outlines. */
typedef struct tl_cop_outline_cfg {
    double lat_min_rad, lat_max_rad, lon_min_rad, lon_max_rad; /**< box sampled */
    double step_rad; /**< grid step; the crossings are then refined by bisection */
} tl_cop_outline_cfg;

/** Default box: 24-50N, 118-156E (the page's map and the EEZ around it), step 0.1 deg. */
void tl_cop_outline_cfg_default(tl_cop_outline_cfg *cfg);

/** Outer limits of Japan's and South Korea's maritime zones as the zones module
 *  classifies them (zones.h: 12 nmi territorial sea, 200 nmi EEZ, median lines), as an
 *  RFC 7946 FeatureCollection of MultiLineString features with properties.kind
 *  "jp_eez" (limit of jp_territory + jp_eez), "jp_territorial_sea", "kr_waters",
 *  "kr_territorial_sea". Traced by marching squares on the class grid; each crossing is
 *  refined by bisection along its grid edge to step/4096. Lines (not polygons), so no
 *  winding question; a limit that leaves the box is cut at its edge.
 *  *out is malloc'd (caller frees), NUL-terminated, *len its length.
 *  @retval TL_OK
 *  @retval TL_EINVAL z or out NULL, box empty or out of range, step not in (0, 1 deg]
 *  @retval TL_ENOMEM */
int tl_cop_zones_geojson(const tl_zones *z, const tl_cop_outline_cfg *cfg, char **out,
                         size_t *len, tl_err *err);

/** Server configuration. */
typedef struct tl_cop_config {
    const char *bind_addr; /**< IPv4 address to listen on; NULL = "127.0.0.1" */
    int port;              /**< TCP port, 0 = ephemeral (read it back with tl_cop_port) */
    const char *web_root;  /**< static files; NULL = <source tree>/web/cop/dist */
    int threads;           /**< worker threads, 0 = 4 */
    const tl_zones *zones; /**< zone data for GET /api/zones.geojson (not owned, must outlive
                                the server); NULL: tl_zones_load_default() on first request */
} tl_cop_config;

typedef struct tl_cop tl_cop;

/** Start serving (an empty picture until the first update).
 *  @retval TL_EINVAL  bad address/port/threads (err names it)
 *  @retval TL_ENET    could not listen (port in use, ...) */
int tl_cop_create(const tl_cop_config *cfg, tl_cop **out, tl_err *err);
/** Replace the served picture. Thread-safe: checks p (tl_cop_picture_check), copies it
 *  (~0.8 MB memcpy, ~0.05 ms) and swaps it in; the documents are rendered
 *  by the HTTP workers on first request. Requests in flight keep the previous picture.
 *  p may be reused by the caller as soon as this returns.
 *  @retval TL_EINVAL/TL_ERANGE  p fails the check (err names the field); the served picture
 *                               is unchanged
 *  @retval TL_ENOMEM            no memory for the copy; the served picture is unchanged */
int tl_cop_update(tl_cop *cop, const tl_cop_picture *p, tl_err *err);
/** The TCP port actually bound. */
int tl_cop_port(const tl_cop *cop);
/** Stop the server and free everything. NULL is a no-op. */
void tl_cop_destroy(tl_cop *cop);

/* ---- Filling the picture from the node's products (conversions only) ---- */

/** The COP's id of system track number stn: "T%06u" (as the CAP text names objects). */
void tl_cop_track_id(uint32_t stn, char id[TL_COP_ID_LEN]);

/** Set id, t_ns, position (geodetic), velocity (local ENU), pos_sigma_m (sqrt of the
 *  position covariance's trace), contributors (distinct nations, in contributor order)
 *  and best_nation from a fusion system track. Other fields are left as they are. */
void tl_cop_track_from_system(tl_cop_track *out, const tl_system_track *st);

/** Set class (SLV for a space launch), loft, apogee, range (NaN if not found), launch and
 *  impact (valid only when their status is TL_PRED_IMPACT; ellipses as predicted) and the
 *  zone probabilities from v (NaN when v is NULL). Other fields are left as they are. */
void tl_cop_track_set_threat(tl_cop_track *out, const tl_threat_pred *tp, const tl_zone_verdict *v);

/** Append pt to the flight path. When the path is full every other point is dropped
 *  (the first detection stays), so a whole flight fits at coarser spacing. */
void tl_cop_track_push_history(tl_cop_track *t, const tl_cop_point *pt);

/** Replace the predicted path with up to TL_COP_MAX_PREDICTED evenly spaced samples of
 *  s[0..n) (first and last kept; from tl_predict_ground_track). */
void tl_cop_track_set_predicted(tl_cop_track *t, const tl_track_sample *s, size_t n);

/** Fill out from an alert message and its state machine's configuration (status);
 *  track_id is tl_cop_track_id(m->object_id); the headline is a short display text.
 *  @retval TL_EINVAL m->type is TL_ALERT_NONE or unknown (err says); out unchanged */
int tl_cop_alert_from_msg(tl_cop_alert *out, const tl_alert_msg *m, const tl_alert_cfg *cfg,
                          tl_err *err);

/** A synthetic picture for demos and tests (display fixture, not physics): the JP node
 *  at scenario time t_s seconds after the first launch, with a lofted ICBM from near
 *  Pyongyang into the Sea of Japan and two SRBMs, alerts and link state. */
void tl_cop_demo_picture(double t_s, tl_cop_picture *p);

#endif
