/* filter_int.h — small dense linear algebra shared by the filter, track and score
 * modules (fixed tiny sizes, row-major, no allocation). Internal: not API. */
#ifndef TL_FILTER_INT_H
#define TL_FILTER_INT_H

#include <stdint.h>

/** Cholesky of an n x n SPD matrix a (leading dimension lda) into lower L. 0 ok, -1 not PD. */
int tl__chol(int n, const double *a, int lda, double *L, int ldl);
/** tl__chol for n = 6 (unrolled): 0 ok, -1 not PD (or not finite). */
int tl__ekf_chol6(const double a[6][6], double L[6][6]);
/** Solve (L L^T) X = B for X in place, B n x nrhs (leading dimension ldb). */
void tl__chol_solve(int n, const double *L, int ldl, double *B, int ldb, int nrhs);
/** ln det of the SPD matrix whose Cholesky factor is L. */
double tl__chol_logdet(int n, const double *L, int ldl);
/** Inverse of an SPD n x n (n <= 4) matrix S into Si (4x4 storage), and ln det S.
 *  0 ok, -1 not positive definite or not finite. */
int tl__spd_inv4(int n, const double S[4][4], double Si[4][4], double *log_det);
/** Symmetrise a 6x6 in place. */
void tl__sym6(double P[6][6]);
struct tl_state_est;
struct tl_motion;
struct tl_dyn_model;
/** The force model to use for a step of dt_s from x: drag switched off when the
 *  target cannot get below 150 km within the step (saves the atmosphere calls). */
void tl__motion_dyn(const struct tl_motion *mm, const double x[6], double dt_s,
                    struct tl_dyn_model *out);
/** Longest integration step for a step under dyn: the model's max_step_s, at
 *  most 1 s while drag is on (the atmosphere's scale height is ~7 km). */
double tl__motion_step(const struct tl_motion *mm, const struct tl_dyn_model *dyn);
/** Unit thrust direction at x: along the velocity, radial while slower than 100 m/s. */
void tl__thrust_dir(const double x[6], double u[3]);
/** Add the motion model's thrust acceleration (held along x0's thrust direction)
 *  over dt to the propagated state x (first order in the direction change). */
void tl__apply_thrust(const struct tl_motion *mm, const double x0[6], double x[6], double dt);
struct tl_meas;
/** x += K nu; P = (I-KH) P (I-KH)^T + K R K^T (R full nz x nz); PD check.
 *  TL_ENOTPD leaves s unchanged. */
int tl__joseph_update(struct tl_state_est *s, int nz, const double K[6][4], const double H[4][6],
                      const double R[4][4], const double nu[4]);
/** tl__joseph_update for a diagonal R (variances Rd) with P H^T already known
 *  (PHt[i][k], columns beyond nz and K's columns beyond nz zero): the EKF path. */
int tl__joseph_update_diag(struct tl_state_est *s, const double K[6][4], const double PHt[6][4],
                           const double H[4][6], const double Rd[4], const double nu[4]);
/** Seconds between two ns times. */
static inline double tl__dt_s(int64_t t1_ns, int64_t t0_ns) { return (double)(t1_ns - t0_ns) * 1e-9; }

#endif
