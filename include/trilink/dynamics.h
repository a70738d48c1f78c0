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

#endif
