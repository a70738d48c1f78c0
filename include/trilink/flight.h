/* flight.h — missile flights: boost (stages, gravity turn with a pitch programme),
 * class presets, the solver that finds a flight reaching a requested (apogee, range)
 * or (range, loft), and sampled trajectories with interpolation.
 *
 * CONTRACT shared by the dynamics, sim and test code. Extend freely; do not change
 * existing signatures without updating every caller.
 */
#ifndef TRILINK_FLIGHT_H
#define TRILINK_FLIGHT_H

#include <stddef.h>

#include "trilink/error.h"
#include "trilink/geo.h"

typedef enum tl_missile_class {
    TL_CLASS_SRBM = 0,
    TL_CLASS_MRBM,
    TL_CLASS_IRBM,
    TL_CLASS_ICBM,
    TL_CLASS_SLV,
    TL_CLASS_COUNT,
    TL_CLASS_AUTO = -1 /**< in a request: pick the smallest class that can fly it */
} tl_missile_class;

typedef enum tl_loft {
    TL_LOFT_NONE = 0,       /**< request gives apogee explicitly */
    TL_LOFT_MIN_ENERGY,
    TL_LOFT_LOFTED,
    TL_LOFT_DEPRESSED
} tl_loft;

/** Flight phase of an object (truth or estimate). Values are stable (CSV, wire). */
typedef enum tl_phase {
    TL_PHASE_BOOST = 0,
    TL_PHASE_MIDCOURSE = 1,
    TL_PHASE_TERMINAL = 2, /**< re-entry: below ~100 km on the way down */
    TL_PHASE_ORBIT = 3,    /**< reached orbital energy (space launch) */
    TL_PHASE_DEBRIS = 4,
    TL_PHASE_IMPACTED = 5
} tl_phase;

const char *tl_missile_class_name(tl_missile_class c); /**< "srbm", "icbm", ... */
int tl_missile_class_parse(const char *s, tl_missile_class *out); /**< case-insensitive */
const char *tl_phase_name(tl_phase p);

/** A request for a flight. apogee_m > 0 with loft == TL_LOFT_NONE, or apogee_m == 0
 *  with a loft choice. */
typedef struct tl_flight_request {
    tl_geodetic launch;       /**< launch site (h_m: site height) */
    double azimuth_rad;       /**< launch azimuth from north, clockwise */
    double range_m;           /**< requested ground range (geodesic, launch to impact) */
    double apogee_m;          /**< requested apogee height above the ellipsoid, or 0 */
    tl_loft loft;
    tl_missile_class cls;     /**< preset, or TL_CLASS_AUTO */
} tl_flight_request;

/** One sample of a trajectory. */
typedef struct tl_traj_point {
    double t_s;          /**< seconds since launch */
    double x_ecef[6];    /**< position (m) and velocity (m/s), rotating ECEF */
    double acc_ecef[3];  /**< total acceleration in the ECEF frame, m/s^2 */
    int phase;           /**< tl_phase */
    int thrusting;       /**< 1 while an engine burns (IR plume visible) */
} tl_traj_point;

/** A sampled trajectory, launch to impact (or to the end of the requested span). */
typedef struct tl_traj {
    size_t n;
    tl_traj_point *pts; /**< owned; free with tl_traj_free */
} tl_traj;

/** A solved flight: everything needed to re-fly it exactly. Opaque-ish: read the
 *  summary fields; the rest is the solver's control parameters. */
typedef struct tl_flight {
    tl_flight_request req;
    tl_missile_class cls;
    /* summary (filled by tl_flight_solve) */
    double apogee_m;
    double range_m;
    double flight_time_s;
    double burnout_t_s;
    double burnout_x_ecef[6];
    double burnout_h_m;
    double burnout_speed_mps;
    double burnout_gamma_rad; /**< flight-path angle above the local horizontal */
    tl_geodetic impact;
    double impact_azimuth_rad; /**< geodesic azimuth launch -> impact */
    int orbital;               /**< 1 when the flight reaches orbit (no impact) */
    /* control parameters found by the solver (meaning defined in flight.c) */
    double ctrl[8];
} tl_flight;

/** Solve for a flight meeting req. Returns TL_OK, TL_EINVAL (bad field, named in err),
 *  or TL_EIMPOSSIBLE (no preset/loft can reach it; err says why). */
int tl_flight_solve(const tl_flight_request *req, tl_flight *out, tl_err *err);

/** Fly a solved flight and sample it every dt_s (plus the exact impact point as the
 *  last sample). For an orbital flight, samples until t_end_s (> 0) after launch. */
int tl_flight_trajectory(const tl_flight *f, double dt_s, double t_end_s, tl_traj *out,
                         tl_err *err);

/** Interpolate a trajectory at t_s (cubic Hermite on position/velocity).
 *  Returns TL_ERANGE outside [first, last] sample time. phase may be NULL. */
int tl_traj_at(const tl_traj *tr, double t_s, double x_ecef[6], int *phase, int *thrusting);

void tl_traj_free(tl_traj *tr);

#endif
