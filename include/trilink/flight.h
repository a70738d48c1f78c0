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
 *  or TL_EIMPOSSIBLE (no preset/loft can reach it; err says why).
 *
 *  The solved flight lands on the geodesic leaving the site on req.azimuth_rad, at
 *  req.range_m (within 20 m; cross-track within 5 m), peaking at req.apogee_m (within
 *  1 m) when given. The launch heading, azimuth + ctrl[TL_CTRL_HEADING], is corrected
 *  for the Earth's rotation. Loft choices: min-energy flies the apogee of the Keplerian
 *  minimum-energy ellipse for the range, depressed half that, lofted a full burn on the
 *  steep branch. TL_CLASS_AUTO takes the smallest ballistic class that can fly it.
 *  TL_CLASS_SLV ignores range and loft and flies to orbit (apogee_m sets the orbit's
 *  apogee, default 600 km; orbital = 1). err messages start with the field at fault
 *  ("latitude:", "range:", "apogee:", ...). Typical cost: 10-100 ms; thread-safe. */
int tl_flight_solve(const tl_flight_request *req, tl_flight *out, tl_err *err);

/** Fly a solved flight and sample it every dt_s (plus the exact impact point as the
 *  last sample). For an orbital flight, samples until t_end_s (> 0) after launch. */
int tl_flight_trajectory(const tl_flight *f, double dt_s, double t_end_s, tl_traj *out,
                         tl_err *err);

/** Interpolate a trajectory at t_s (cubic Hermite on position/velocity).
 *  Returns TL_ERANGE outside [first, last] sample time. phase may be NULL. */
int tl_traj_at(const tl_traj *tr, double t_s, double x_ecef[6], int *phase, int *thrusting);

void tl_traj_free(tl_traj *tr);

/* ---- Extensions (dynamics helper) ---- */

#define TL_MAX_STAGES 3

/** One rocket stage: constant vacuum thrust over burn_s, propellant burnt at a constant
 *  rate prop_kg / burn_s, dry_kg dropped at the end of the burn. */
typedef struct tl_stage {
    double thrust_n;
    double burn_s;
    double prop_kg;
    double dry_kg;
} tl_stage;

/** A class preset (order-of-magnitude public figures; see docs/physics.md). */
typedef struct tl_missile_preset {
    tl_missile_class cls;
    const char *name;      /**< "srbm" ... */
    const char *example;   /**< the public system the numbers are modelled on */
    int n_stages;
    tl_stage stage[TL_MAX_STAGES];
    double payload_kg;     /**< re-entry vehicle / satellite mass */
    double diameter_m;     /**< body diameter (boost-phase drag) */
    double cd_boost;       /**< boost-phase drag coefficient (constant) */
    double beta_rv_kg_m2;  /**< re-entry vehicle ballistic coefficient m/(Cd A) */
    double t_vertical_s;   /**< vertical rise before the pitch-over */
    double t_kick_s;       /**< duration of the pitch-over kick */
} tl_missile_preset;

/** The preset of class c (NULL for an invalid class). */
const tl_missile_preset *tl_missile_preset_get(tl_missile_class c);

/** Total burn time of a preset (sum of its stages), s. */
double tl_missile_preset_burn_s(const tl_missile_preset *p);

/** Meaning of tl_flight.ctrl[] (filled by tl_flight_solve, read by tl_flight_fly). */
enum {
    TL_CTRL_KICK = 0,    /**< pitch-over kick angle from the vertical, rad */
    TL_CTRL_CUTOFF = 1,  /**< engine cut-off time after launch, s; 0 or >= total burn: full burn */
    TL_CTRL_ALPHA = 2,   /**< thrust pitched below the velocity in stages >= 2, rad */
    TL_CTRL_HEADING = 3, /**< launch heading offset from req.azimuth_rad, rad */
};

/** Fly a flight from f->req (launch, azimuth), f->cls and f->ctrl, and fill the summary
 *  fields of f (apogee, range, times, burnout, impact, orbital). Used by the solver;
 *  callers may use it to fly hand-made control parameters. */
int tl_flight_fly(tl_flight *f, tl_err *err);

/** Orbit test used for "reaching orbit": inertial specific energy < 0 with perigee height
 *  (over the equatorial radius) above 120 km, or energy >= 0 (escape). state in ECEF. */
int tl_flight_is_orbital(const double x_ecef[6], double *perigee_h_m, double *apogee_h_m);

/** Apogee height (m above a sphere of radius r_m) of the minimum-energy Keplerian
 *  ellipse joining two points on that sphere range_m apart (non-rotating, point mass). */
double tl_kepler_min_energy_apogee(double range_m, double r_m);

#endif
