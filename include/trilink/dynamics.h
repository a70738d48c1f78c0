/* dynamics.h — ballistic flight physics: gravity (point mass + J2), Earth rotation,
 * the U.S. Standard Atmosphere 1976 and drag through a ballistic coefficient, and
 * the integrators that propagate a state.
 *
 * State vectors are x = [pos_ecef (m), vel_ecef (m/s)] in the rotating WGS-84 ECEF
 * frame unless a function says otherwise. Equations of motion in that frame:
 *   a = g(r) - 2 w x v - w x (w x r) + a_drag(v, h) [+ a_thrust]
 * (see docs/physics.md; Vallado, "Fundamentals of Astrodynamics", for J2).
 */
#ifndef TRILINK_DYNAMICS_H
#define TRILINK_DYNAMICS_H

#include <stdint.h>

enum {
    TL_DYN_J2 = 1u << 0,        /**< include the J2 zonal term */
    TL_DYN_ROTATION = 1u << 1,  /**< frame rotates with the Earth (Coriolis, centrifugal) */
    TL_DYN_DRAG = 1u << 2,      /**< atmospheric drag via beta_kg_m2 */
};

/** Force model. Set up with tl_dyn_model_default() then adjust. */
typedef struct tl_dyn_model {
    unsigned flags;      /**< TL_DYN_* bits */
    double gm;           /**< m^3/s^2 */
    double re_m;         /**< reference radius for J2, m */
    double j2;           /**< dimensionless */
    double omega;        /**< rad/s, used when TL_DYN_ROTATION is set */
    double beta_kg_m2;   /**< ballistic coefficient m/(Cd A); drag off when <= 0 */
} tl_dyn_model;

/** WGS-84 values, flags J2 | ROTATION | DRAG, beta = 0 (no drag until set). */
void tl_dyn_model_default(tl_dyn_model *m);

/** Atmospheric density (kg/m^3) at geometric height h_m above the ellipsoid:
 *  U.S. Standard Atmosphere 1976 below 86 km, exponential above; 0 above 1000 km. */
double tl_atmo_density(double h_m);
/** Temperature (K) and pressure (Pa) of the 1976 standard below 86 km (clamped above). */
void tl_atmo_tp(double h_m, double *temp_k, double *press_pa);

/** Gravitational acceleration (point mass + J2 if enabled) at pos (m), in the same axes. */
void tl_dyn_gravity(const tl_dyn_model *m, const double pos[3], double g[3]);

/** Gravitational potential energy per unit mass (negative), point mass + J2 if enabled. */
double tl_dyn_potential(const tl_dyn_model *m, const double pos[3]);

/** Acceleration at state x = [pos, vel] under model m (no thrust). */
void tl_dyn_accel(const tl_dyn_model *m, const double x[6], double acc[3]);

/** Time derivative of the 6-state (vel, acc). */
void tl_dyn_deriv(const tl_dyn_model *m, const double x[6], double dx[6]);

/** One classical fourth-order Runge-Kutta step of dt_s (may be negative). */
void tl_dyn_rk4_step(const tl_dyn_model *m, double x[6], double dt_s);

/** Propagate x by dt_s (either sign) with RK4 sub-steps no longer than max_step_s. */
void tl_dyn_propagate(const tl_dyn_model *m, double x[6], double dt_s, double max_step_s);

/* ---- Adaptive integration: Dormand-Prince 5(4) with error control and events ----
 * J. R. Dormand, P. J. Prince, "A family of embedded Runge-Kutta formulae",
 * J. Comp. Appl. Math. 6(1) 1980; step-size control after Hairer, Norsett & Wanner,
 * "Solving Ordinary Differential Equations I", sec. II.4. */

/** Right-hand side of a 6-state ODE: dx = f(t, x). ctx is the caller's. */
typedef void (*tl_ode6_fn)(void *ctx, double t_s, const double x[6], double dx[6]);
/** Event function: the integrator stops where it crosses zero (see tl_dp45_opts). */
typedef double (*tl_event6_fn)(void *ctx, double t_s, const double x[6]);

typedef struct tl_dp45_opts {
    double rtol;         /**< relative tolerance per component */
    double atol_pos_m;   /**< absolute tolerance on components 0..2 */
    double atol_vel_mps; /**< absolute tolerance on components 3..5 */
    double h_init_s;     /**< first trial step (magnitude); 0 = automatic */
    double h_max_s;      /**< largest step magnitude; 0 = unlimited */
    long max_steps;      /**< bound on attempted steps per call */
    /* optional event */
    tl_event6_fn event;  /**< NULL: no event */
    void *event_ctx;
    int event_dir;       /**< -1: stop where g goes from > 0 to <= 0; +1: from < 0 to >= 0; 0: either */
    double event_tol;    /**< stop when |g| <= event_tol (units of g) or the time bracket < 1e-9 s */
} tl_dp45_opts;

/** Counters of one tl_dp45_integrate call. */
typedef struct tl_dp45_stats {
    long steps;    /**< accepted steps */
    long rejected; /**< rejected trial steps */
    long fevals;   /**< right-hand-side evaluations */
    double h_last_s;
} tl_dp45_stats;

/** Defaults: rtol 1e-10, atol 1e-4 m and 1e-7 m/s, no event, 1e6 steps. */
void tl_dp45_opts_default(tl_dp45_opts *o);

/** Integrate x from *t_s to t_end_s (either direction). On return *t_s and x hold the
 *  final state: t_end_s, or the located event. Returns TL_OK (reached t_end_s), 1 (event
 *  located; x is the state at the event), TL_ENOCONV (step underflow or max_steps; state
 *  is the last accepted one) or TL_EINVAL (non-finite input). stats may be NULL. */
int tl_dp45_integrate(tl_ode6_fn f, void *ctx, double *t_s, double x[6], double t_end_s,
                      const tl_dp45_opts *o, tl_dp45_stats *stats);

/** One Dormand-Prince step of h_s from (t_s, x) without error control, into x_out
 *  (err_out, if not NULL, receives the embedded error estimate). */
void tl_dp45_step(tl_ode6_fn f, void *ctx, double t_s, const double x[6], double h_s,
                  double x_out[6], double err_out[6]);

/** tl_ode6_fn adapter for the ballistic model: ctx is a const tl_dyn_model *. */
void tl_dyn_ode(void *ctx, double t_s, const double x[6], double dx[6]);

/** Event functions (ctx unused): geodetic height above the WGS-84 ellipsoid (m), and the
 *  vertical speed dh/dt = n . v (m/s, n the ellipsoid normal), zero at apogee. */
double tl_dyn_event_height(void *ctx, double t_s, const double x[6]);
double tl_dyn_event_vspeed(void *ctx, double t_s, const double x[6]);

/** Jacobi integral per unit mass in the rotating frame (conserved without drag and
 *  thrust): v^2/2 + U(r) - (w^2/2)(x^2 + y^2), U from tl_dyn_potential. */
double tl_dyn_jacobi(const tl_dyn_model *m, const double x[6]);

/** Propagate a ballistic state by dt_s with the adaptive integrator at tolerance rtol
 *  (atol scaled from it). Returns TL_OK or TL_ENOCONV. */
int tl_dyn_propagate_dp45(const tl_dyn_model *m, double x[6], double dt_s, double rtol);

/** Propagate a ballistic state (adaptive integrator, flight tolerances) until it meets
 *  the WGS-84 ellipsoid (height 0, descending; located to < 1 mm) or max_s elapses.
 *  On TL_OK x holds the impact state and *t_s the time taken; TL_ENOCONV: no impact
 *  within max_s (x and *t_s then hold the state and time reached). t_s may be NULL. */
int tl_dyn_propagate_to_impact(const tl_dyn_model *m, double x[6], double max_s, double *t_s);

/** Same, stopping at apogee (vertical speed dh/dt crossing zero downwards). */
int tl_dyn_propagate_to_apogee(const tl_dyn_model *m, double x[6], double max_s, double *t_s);

#endif
