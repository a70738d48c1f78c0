/* alert.h — public warnings from impact verdicts: a per-threat state machine with
 * hysteresis that decides when to issue, update and cancel an alert, and the
 * OASIS Common Alerting Protocol 1.2 XML for each message.
 *
 * The state machine is pure: it is fed zone verdicts (zones.h) with their times
 * (int64 ns UTC) and never reads a clock, so a run replays exactly. It follows the
 * public practice of Japan's J-Alert: warn as soon as a fall in or near Japan (or an
 * overflight) is likely enough, correct the warning as the prediction tightens, and
 * withdraw it once it no longer holds (as on 2023-04-13, when a warning for
 * Hokkaido was withdrawn once the track was better known).
 * CAP 1.2: OASIS Standard, 1 July 2010 (also ITU-T X.1303).
 */
#ifndef TRILINK_ALERT_H
#define TRILINK_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/error.h"
#include "trilink/zones.h"

/** Whose zones an alert state machine protects. */
typedef enum tl_alert_nation { TL_ALERT_NATION_JP = 0, TL_ALERT_NATION_KR = 1 } tl_alert_nation;

/** CAP <status>. */
typedef enum tl_alert_status {
    TL_ALERT_STATUS_ACTUAL = 0,
    TL_ALERT_STATUS_EXERCISE = 1, /**< drills: the default */
    TL_ALERT_STATUS_TEST = 2
} tl_alert_status;

/** Message types (CAP <msgType>); NONE: nothing to send this step. */
typedef enum tl_alert_type {
    TL_ALERT_NONE = 0,
    TL_ALERT_ALERT = 1,
    TL_ALERT_UPDATE = 2,
    TL_ALERT_CANCEL = 3
} tl_alert_type;

/** Why a message was sent. */
typedef enum tl_alert_reason {
    TL_ALERT_R_NONE = 0,
    TL_ALERT_R_IMPACT_RISK, /**< issue: probability of a fall in the protected zones */
    TL_ALERT_R_OVERFLIGHT,  /**< issue: probability of overflight of the territory */
    TL_ALERT_R_CLASS,       /**< update: the most likely zone changed */
    TL_ALERT_R_PROBABILITY, /**< update: the risk moved by update_dp or more */
    TL_ALERT_R_TIGHTER,     /**< update: the 95% ellipse shrank by update_area_ratio */
    TL_ALERT_R_MOVED,       /**< update: the mean moved by update_shift_m or more */
    TL_ALERT_R_CLEARED,     /**< cancel: the risk stayed below p_clear for clear_hold_ns */
    TL_ALERT_R_FELL,        /**< final update (tl_alert_close): the impact time has passed and
                                 the last prediction put the fall in the protected zones */
    TL_ALERT_R_FELL_OUTSIDE /**< cancel (tl_alert_close): the impact time has passed and the
                                 last prediction put the fall outside the protected zones */
} tl_alert_reason;

const char *tl_alert_type_name(tl_alert_type t);     /**< "Alert", "Update", "Cancel", "None" */
const char *tl_alert_reason_name(tl_alert_reason r); /**< "impact_risk", ... */

/** Configuration. Start from tl_alert_cfg_default. */
typedef struct tl_alert_cfg {
    tl_alert_nation nation;
    tl_alert_status status;
    double p_issue;                 /**< issue when risk >= p_issue, (0, 1] */
    double p_clear;                 /**< cancel when risk < p_clear ..., [0, p_issue) */
    int64_t clear_hold_ns;          /**< ... continuously for this long (>= 0) */
    double update_dp;               /**< update when the risk moved this much (> 0) */
    double update_area_ratio;       /**< update when the ellipse area shrank by this factor (> 1) */
    double update_shift_m;          /**< update when the mean moved this far (> 0) */
    int64_t update_min_interval_ns; /**< at most one update per interval (>= 0) */
    int64_t expires_after_impact_ns; /**< CAP <expires> = impact time + this */
    char sender[96];                 /**< CAP <sender>: no spaces, commas, '<' or '&' */
    char sender_name[96];            /**< CAP <senderName>, free text (escaped) */
    char id_prefix[32]; /**< identifiers are PREFIX-T<object>-<sent s>-<seq>; same rules as sender */
    int issue_confirm_n; /**< an Alert needs this many consecutive inputs with risk >= p_issue,
                              each from newer information (tl_alert_input.info_t_ns: a
                              prediction re-made from the same track update confirms nothing;
                              >= 1; default 2) ... */
    int64_t issue_confirm_ns; /**< ... whose information spans at least this (>= 0; default
                                   5 s, one radar revisit: two looks, not two computations of
                                   a young track's first look) ... */
    double p_issue_now;  /**< ... unless the risk reaches this (default 0.8): then at once */
} tl_alert_cfg;

/** Defaults: issue at 0.2 on two consecutive inputs of new information spanning 5 s (at
 *  once from 0.8), clear below
 *  0.05 held 10 s, update on dp 0.2, area /2, 50 km shift, at most every 5 s; status
 *  Exercise; sender and prefix per nation. */
void tl_alert_cfg_default(tl_alert_cfg *cfg, tl_alert_nation nation);

/** One prediction for the threat the state machine follows. */
typedef struct tl_alert_input {
    int64_t t_ns;            /**< time of the prediction, ns UTC (non-decreasing, >= 0) */
    uint32_t object_id;      /**< system track number (identifiers and text) */
    tl_zone_verdict verdict; /**< from tl_zones_verdict */
    double p_overflight;     /**< probability the track overflies the nation's territory, [0, 1] */
    int64_t info_t_ns; /**< time of the newest measurement behind the prediction (the newest
                            contributing track estimate), ns UTC; 0: t_ns */
} tl_alert_input;

#define TL_ALERT_MAX_REFS 16
#define TL_ALERT_ID_LEN 64

/** One message to publish (and journal). Self-contained: the CAP writer needs
 *  only this and the configuration. */
typedef struct tl_alert_msg {
    tl_alert_type type;
    tl_alert_reason reason;
    tl_alert_nation nation;
    char identifier[TL_ALERT_ID_LEN];
    int64_t sent_ns;
    /** Earlier messages this one refers to (Update/Cancel: the alert's chain). */
    size_t n_refs;
    char ref_id[TL_ALERT_ID_LEN * TL_ALERT_MAX_REFS];
    int64_t ref_sent_ns[TL_ALERT_MAX_REFS];
    uint32_t object_id;
    double risk;        /**< max(p_zone, p_overflight) */
    double p_zone;      /**< P(territory or EEZ/waters of the nation) */
    double p_territory; /**< P(territory: land or territorial sea) */
    double p_overflight;
    int overflight; /**< 1: the warning is about an overflight (event text) */
    tl_zone_class cls_likely;
    double lat_rad, lon_rad;
    tl_ellipse95 ellipse;
    int64_t t_impact_ns;
    double time_to_impact_s;
} tl_alert_msg;

/** Identifier i of a message's references (i < n_refs). */
const char *tl_alert_msg_ref_id(const tl_alert_msg *m, size_t i);

/** The state machine for one threat (a system track). Plain struct, no heap. */
typedef struct tl_alert {
    tl_alert_cfg cfg;
    int active;             /**< an alert is out and not cancelled */
    uint32_t seq;           /**< messages sent so far (identifier suffix) */
    int64_t last_t_ns;      /**< last input time (monotonic check) */
    int64_t below_since_ns; /**< start of the current run below p_clear, or -1 */
    tl_alert_msg last;      /**< the last message sent in the current chain */
    size_t n_chain;
    char chain_id[TL_ALERT_ID_LEN * TL_ALERT_MAX_REFS];
    int64_t chain_sent_ns[TL_ALERT_MAX_REFS];
    int closed;             /**< tl_alert_close ended the alert: no further messages */
    int above_n;            /**< consecutive inputs with risk >= p_issue while idle, counted
                                 once per information time */
    int64_t above_info0_ns, above_info_ns; /**< information times of the first and latest */
} tl_alert;

/** Set up a state machine.
 *  @retval TL_EINVAL a configuration field out of range (err names it) */
int tl_alert_init(tl_alert *a, const tl_alert_cfg *cfg, tl_err *err);

/** Feed one prediction. *out gets the message to send, or type TL_ALERT_NONE.
 *  @retval TL_OK
 *  @retval TL_EINVAL bad input (time going backwards, probability out of [0, 1],
 *          err names the field); the state is unchanged */
int tl_alert_step(tl_alert *a, const tl_alert_input *in, tl_alert_msg *out, tl_err *err);

/** The threat is over: the predicted impact time in->verdict.t_impact_ns has passed
 *  (in->t_ns >= it). An active alert is closed with a last message stating where the
 *  object fell by the last prediction (in->verdict, normally the last one fed): a final
 *  Update (reason TL_ALERT_R_FELL) when its risk for the protected zones (or overflight)
 *  is still >= p_clear, a Cancel (TL_ALERT_R_FELL_OUTSIDE) otherwise. Either way the state
 *  machine is closed: tl_alert_step sends nothing more. Without an active alert *out is
 *  TL_ALERT_NONE (and the machine is closed all the same).
 *  @retval TL_OK
 *  @retval TL_EINVAL in->t_ns before the impact time or the last input (err says which) */
int tl_alert_close(tl_alert *a, const tl_alert_input *in, tl_alert_msg *out, tl_err *err);

/** Write msg as a CAP 1.2 XML document (UTF-8, NUL-terminated) into buf.
 *  *len (may be NULL) gets the length without the NUL.
 *  @retval TL_OK
 *  @retval TL_EINVAL msg of type NONE, or a time that cannot be formatted
 *  @retval TL_EFULL buf too small (8 KiB is always enough) */
int tl_alert_cap_xml(const tl_alert_msg *msg, const tl_alert_cfg *cfg, char *buf, size_t cap,
                     size_t *len, tl_err *err);

/** Format t_ns (ns UTC, >= 0) as a CAP dateTime "YYYY-MM-DDThh:mm:ss-00:00"
 *  (CAP 1.2 3.3.2: UTC written as -00:00). buf needs 26 bytes. */
int tl_alert_cap_time(int64_t t_ns, char *buf, size_t cap);

#endif
