/* predict_int.h — internals shared by the predict and fusion modules: 6x6 dense linear
 * algebra (Cholesky, inverse, log-determinant) and flights to an event on top of
 * dynamics.h's adaptive Dormand-Prince 5(4) integrator. Not API. */
#ifndef TRILINK_PREDICT_INT_H
#define TRILINK_PREDICT_INT_H

#include "trilink/dynamics.h"

/** Cholesky A = L L^T of a symmetric 6x6. Returns 0, or -1 when not positive definite
 *  or not finite. L's upper triangle is zeroed. */
int tl__chol6(const double A[6][6], double L[6][6]);
/** Inverse of A from its Cholesky factor. */
void tl__chol6_inv(const double L[6][6], double Ainv[6][6]);
/** log det A from its Cholesky factor. */
double tl__chol6_logdet(const double L[6][6]);
/** Solve A y = b from A's Cholesky factor (y may alias b). */
void tl__chol6_solve(const double L[6][6], const double b[6], double y[6]);
/** Mahalanobis d^2 = v^T A^-1 v from A's Cholesky factor. */
double tl__chol6_maha(const double L[6][6], const double v[6]);
/** C = A B (C must not alias A or B). */
void tl__mat6_mul(const double A[6][6], const double B[6][6], double C[6][6]);
/** P <- (P + P^T) / 2 */
void tl__mat6_symmetrize(double P[6][6]);
/** 1 when every entry is finite. */
int tl__finite6(const double x[6], const double P[6][6]);

/** Integrator settings. */
typedef struct tl__integ {
    tl_dyn_model model;
    double tol_pos_m, tol_vel_mps;
    double max_step_s;
} tl__integ;

enum {
    TL__EV_NONE = 0,   /**< integrate the whole span */
    TL__EV_HEIGHT = 1, /**< stop where the ellipsoid height falls to level (along time dir) */
    TL__EV_APSIS = 2   /**< stop where the height rate changes sign (along time dir) */
};

/** Integrate x over span_s (either sign) or until the event. *h_io carries the step
 *  size between calls (start with 0). Returns 1 when the event was found (x at the
 *  event, *t_s its time offset), 0 when the span completed (*t_s = span_s), or -1
 *  when the integrator gave up (step underflow, step budget). */
int tl__integ_run(const tl__integ *ig, double x[6], double span_s, int event, double level_m,
                  double *t_s, double *h_io);

/** Ellipsoid height and its rate for an ECEF state. */
void tl__height_rate(const double x[6], double *h_m, double *hdot_mps);

#endif
