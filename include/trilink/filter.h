/* filter.h — recursive estimators for a ballistic target in rotating WGS-84 ECEF:
 * the motion model (flight physics of dynamics.h plus white-noise acceleration),
 * the measurement models (radar range/az/el[/range-rate] from a geodetic site, IR
 * line of sight from a GEO satellite, and a linear position fix for reference
 * tests), the EKF and the UKF behind one ops table, and a two-mode IMM
 * (ballistic / thrusting-manoeuvring / re-entry with drag) that carries a track
 * boost -> midcourse -> re-entry.
 *
 * References: Bar-Shalom, Li & Kirubarajan, "Estimation with Applications to
 * Tracking and Navigation" (2001) — EKF, Joseph form, NIS, IMM (ch. 11); Wan & van
 * der Merwe (2000) — UKF; Blom & Bar-Shalom, IEEE TAC 33(8) 1988 — IMM; Li & Jilkov,
 * IEEE TAES 46(1) 2010 — ballistic target models.
 *
 * The state is tl_state_est (state.h): x = [pos_ecef, vel_ecef], P 6x6. All
 * functions are pure (time is passed in), allocate nothing, and leave the state
 * unchanged when they fail.
 */
#ifndef TRILINK_FILTER_H
#define TRILINK_FILTER_H

#include <stdint.h>

#include "trilink/dynamics.h"
#include "trilink/plot.h"
#include "trilink/state.h"

/* ---------------------------------------------------------------- dynamics ---- */

/** Jacobian A = d f / d x of the 6-state derivative f = (vel, acc) under model m:
 *  analytic for point-mass + J2 gravity and the rotating-frame terms, central
 *  differences for drag (only evaluated when drag is active at x). */
void tl_dyn_jacobian(const tl_dyn_model *m, const double x[6], double A[6][6]);

/** One RK4 step of the state by dt_s, and the state-transition matrix of that step
 *  (third-order Taylor series of exp(A dt) with A at the step's midpoint state:
 *  error O(dt^4 |A|^4), ~1e-12 for dt = 10 s in midcourse). phi may be NULL. */
void tl_dyn_rk4_stm_step(const tl_dyn_model *m, double x[6], double dt_s, double phi[6][6]);

/** Propagate x and its STM over dt_s in steps no longer than max_step_s. */
void tl_dyn_propagate_stm(const tl_dyn_model *m, double x[6], double dt_s, double max_step_s,
                          double phi[6][6]);

/* ------------------------------------------------------------- motion model ---- */

/** Motion model for prediction: deterministic flight physics plus a white-noise
 *  acceleration of power spectral density q_acc (m^2/s^3, each ECEF axis). */
typedef struct tl_motion {
    tl_dyn_model dyn;
    double q_acc;       /**< m^2/s^3 */
    double max_step_s;  /**< longest single RK4 step (> 0) */
    /** Relative 1-sigma uncertainty of the drag deceleration (the unknown true
     *  ballistic coefficient against dyn.beta_kg_m2): adds a white acceleration of
     *  PSD (q_drag_rel |a_drag|)^2 * |dt| per step, |a_drag| the larger of the
     *  nominal drag at the step's start and end. 0: off. Only with drag enabled. */
    double q_drag_rel;
    /** Known thrust acceleration (m/s^2) along the velocity (vertical while the
     *  speed is under 100 m/s), held over each prediction step; 0: none. The
     *  tracker sets it per track from its input estimate (tracker.c). */
    double thrust_acc_mps2;
    /** Effective exhaust velocity (m/s) of that thrust: with constant thrust and
     *  mass flow the acceleration grows as a' = a^2 / v_e (the rocket equation
     *  over the step: dv = -v_e ln(1 - a dt / v_e)). 0: constant acceleration. */
    double thrust_ve_mps;
} tl_motion;

/** Defaults: WGS-84, J2 + rotation, no drag (beta 0), q_acc 1e-4, step 10 s. */
void tl_motion_default(tl_motion *mm);

/** Discrete process noise of the white-noise-acceleration model over dt_s. */
void tl_motion_q(const tl_motion *mm, double dt_s, double Q[6][6]);

/** Thrust acceleration after dt_s of burning from a0 (the rocket law above;
 *  a0 when ve_mps is 0), capped at 10 a0. */
double tl_thrust_acc_after(double a0_mps2, double ve_mps, double dt_s);

/** Process noise of a step from x0 to x1 (states at the step's start and end):
 *  tl_motion_q plus the drag term of q_drag_rel. dyn is the force model used for
 *  the step (drag may have been switched off for it). */
void tl_motion_q_step(const tl_motion *mm, const tl_dyn_model *dyn, const double x0[6],
                      const double x1[6], double dt_s, double Q[6][6]);

/* ------------------------------------------------------- measurement models ---- */

enum { TL_MEAS_POS = 3 }; /**< linear position fix (tests, reference models); beside tl_plot_kind */

/** A measurement prepared for filtering (from a tl_plot, or built directly). */
typedef struct tl_meas {
    int kind;             /**< TL_PLOT_RADAR, TL_PLOT_IR or TL_MEAS_POS */
    int nz;               /**< radar 3 or 4, IR 2, POS 3 */
    int64_t t_ns;
    double z[4];
    double R[4];          /**< noise variances (diagonal R) */
    double site_ecef[3];  /**< radar site / IR satellite position */
    double enu[3][3];     /**< ECEF -> ENU rotation at the radar site */
} tl_meas;

/** Build a measurement from a plot (no validation: see tl_tracker / tl_plot_check). */
void tl_meas_from_plot(const tl_plot *p, tl_meas *m);

/** Predicted measurement h(x) and, if H is not NULL, its Jacobian (rows 0..nz-1). */
void tl_meas_h(const tl_meas *m, const double x[6], double zhat[4], double H[4][6]);

/** Residual z - zhat with angles wrapped to (-pi, pi]. */
void tl_meas_residual(const tl_meas *m, const double z[4], const double zhat[4], double nu[4]);

/** Position (ECEF) implied by a radar or POS measurement and its 3x3 covariance
 *  (first-order). Returns 0, or TL_EINVAL for kinds without a position (IR). */
int tl_meas_position(const tl_meas *m, double pos_ecef[3], double P[3][3]);

/* ------------------------------------------------------------------ filters ---- */

/** Innovation of a measurement against a state: residual nu, its covariance S,
 *  the normalised squared distance d2 = nu' S^-1 nu and ln det S. */
typedef struct tl_innov {
    int nz;
    double nu[4];
    double S[4][4];
    double d2;
    double log_det_s;
} tl_innov;

/** A filter as a const ops table. All return TL_OK, TL_EINVAL (bad argument,
 *  e.g. a time step beyond 1 day) or TL_ENOTPD (covariance lost positive
 *  definiteness; state unchanged). */
typedef struct tl_filter_ops {
    const char *name; /**< "ekf", "ukf" */
    /** Propagate s to t_ns under mm, adding process noise. */
    int (*predict)(const tl_motion *mm, tl_state_est *s, int64_t t_ns);
    /** Innovation for gating / likelihood (s must already be at m->t_ns). */
    int (*innovation)(const tl_state_est *s, const tl_meas *m, tl_innov *out);
    /** Joseph-form update; the covariance is symmetrised and checked PD. innov
     *  may be NULL; when not, receives the innovation used. */
    int (*update)(tl_state_est *s, const tl_meas *m, tl_innov *innov);
} tl_filter_ops;

extern const tl_filter_ops tl_ekf_ops;
extern const tl_filter_ops tl_ukf_ops;

/** 1 if P is finite, symmetric to 1e-9 relative, and positive definite (Cholesky). */
int tl_cov_check(const double P[6][6]);

/* --------------------------------------------------------------------- IMM ---- */

#define TL_IMM_MODES 3
enum { TL_IMM_BALLISTIC = 0, TL_IMM_THRUST = 1, TL_IMM_REENTRY = 2 };

/** IMM parameters: one motion model per mode and the Markov switching matrix
 *  (continuous-time: P(stay over dt) = exp(-dt / mean_sojourn), leaving mass split
 *  evenly). Mode THRUST is the boost / manoeuvre model (ballistic physics plus a
 *  large white-noise acceleration standing for unknown thrust); REENTRY adds drag
 *  with a nominal ballistic coefficient and a moderate white noise for the
 *  unknown true coefficient. */
typedef struct tl_imm_config {
    const tl_filter_ops *ops;
    tl_motion motion[TL_IMM_MODES];
    double mean_sojourn_s[TL_IMM_MODES]; /**< expected time in each mode before switching */
} tl_imm_config;

void tl_imm_config_default(tl_imm_config *c);

typedef struct tl_imm {
    tl_state_est mode[TL_IMM_MODES];
    double mu[TL_IMM_MODES]; /**< mode probabilities */
} tl_imm;

/** Start with every mode at s and probabilities mu0 (NULL: equal). */
void tl_imm_init(tl_imm *imm, const tl_state_est *s, const double *mu0);
/** Mix and predict every mode to t_ns. */
int tl_imm_predict(const tl_imm_config *c, tl_imm *imm, int64_t t_ns);
/** Variable-structure IMM: mix and predict only the modes whose bit is set in
 *  active (the ballistic mode always is); the others get probability 0 and park on
 *  the ballistic prediction until re-activated. tl_imm_predict = all modes. */
int tl_imm_predict_active(const tl_imm_config *c, tl_imm *imm, int64_t t_ns, unsigned active);
/** Update every active mode with m, re-weight by likelihood. */
int tl_imm_update(const tl_imm_config *c, tl_imm *imm, const tl_meas *m);
/** Moment-matched combined estimate. */
void tl_imm_combine(const tl_imm *imm, tl_state_est *out);

#endif
