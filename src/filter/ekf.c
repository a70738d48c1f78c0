/* ekf.c — the motion model's process noise and the extended Kalman filter.
 *
 * Prediction: the state by RK4 under the full flight physics (dynamics.h), the
 * covariance by P = F P F^T + Q with F the step's state-transition matrix
 * (tl_dyn_propagate_stm) and Q the discrete white-noise-acceleration matrix
 * (Bar-Shalom et al. 2001, sec. 6.2.2). Update: Joseph form
 * P = (I - K H) P (I - K H)^T + K R K^T, symmetrised and Cholesky-checked; a
 * failed check leaves the state as it was and returns TL_ENOTPD.
 */
#include "filter/filter_int.h"
#include "trilink/error.h"
#include "trilink/filter.h"

#include <math.h>
#include <string.h>

#define TL__MAX_DT_S 86400.0

void tl_motion_default(tl_motion *mm)
{
    tl_dyn_model_default(&mm->dyn);
    mm->dyn.flags &= ~(unsigned)TL_DYN_DRAG;
    mm->q_acc = 1e-4;
    mm->max_step_s = 10.0;
}

void tl_motion_q(const tl_motion *mm, double dt, double Q[6][6])
{
    memset(Q, 0, 36 * sizeof(double));
    double a = fabs(dt), q = mm->q_acc;
    for (int i = 0; i < 3; i++) {
        Q[i][i] = q * a * a * a / 3.0;
        Q[i][i + 3] = Q[i + 3][i] = q * a * a / 2.0 * (dt < 0 ? -1.0 : 1.0);
        Q[i + 3][i + 3] = q * a;
    }
}

static int ekf_predict(const tl_motion *mm, tl_state_est *s, int64_t t_ns)
{
    double dt = tl__dt_s(t_ns, s->t_ns);
    if (!(fabs(dt) <= TL__MAX_DT_S))
        return TL_EINVAL;
    if (dt == 0.0)
        return TL_OK;
    double x[6], F[6][6], FP[6][6], Q[6][6];
    memcpy(x, s->x, sizeof x);
    tl_dyn_propagate_stm(&mm->dyn, x, dt, mm->max_step_s, F);
    tl_motion_q(mm, dt, Q);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            double a = 0.0;
            for (int k = 0; k < 6; k++)
                a += F[i][k] * s->P[k][j];
            FP[i][j] = a;
        }
    for (int i = 0; i < 6; i++)
        for (int j = i; j < 6; j++) {
            double a = Q[i][j];
            for (int k = 0; k < 6; k++)
                a += FP[i][k] * F[j][k];
            s->P[i][j] = s->P[j][i] = a;
        }
    memcpy(s->x, x, sizeof x);
    s->t_ns = t_ns;
    return TL_OK;
}

/* Innovation plus what the update needs: H and the Cholesky factor of S. */
static int ekf_innov_full(const tl_state_est *s, const tl_meas *m, tl_innov *in, double H[4][6],
                          double L[4][4])
{
    int nz = m->nz;
    if (nz < 1 || nz > 4)
        return TL_EINVAL;
    double zhat[4];
    tl_meas_h(m, s->x, zhat, H);
    in->nz = nz;
    tl_meas_residual(m, m->z, zhat, in->nu);
    double HP[4][6];
    for (int i = 0; i < nz; i++)
        for (int j = 0; j < 6; j++) {
            double a = 0.0;
            for (int k = 0; k < 6; k++)
                a += H[i][k] * s->P[k][j];
            HP[i][j] = a;
        }
    for (int i = 0; i < nz; i++)
        for (int j = i; j < nz; j++) {
            double a = (i == j) ? m->R[i] : 0.0;
            for (int k = 0; k < 6; k++)
                a += HP[i][k] * H[j][k];
            in->S[i][j] = in->S[j][i] = a;
        }
    if (tl__chol(nz, &in->S[0][0], 4, &L[0][0], 4) != 0)
        return TL_ENOTPD;
    double y[4];
    memcpy(y, in->nu, sizeof y);
    tl__chol_solve(nz, &L[0][0], 4, y, 1, 1);
    in->d2 = 0.0;
    for (int i = 0; i < nz; i++)
        in->d2 += in->nu[i] * y[i];
    in->log_det_s = tl__chol_logdet(nz, &L[0][0], 4);
    return TL_OK;
}

static int ekf_innovation(const tl_state_est *s, const tl_meas *m, tl_innov *out)
{
    double H[4][6], L[4][4];
    return ekf_innov_full(s, m, out, H, L);
}

/* Shared by EKF and UKF: x += K nu; P = (I-KH) P (I-KH)^T + K R K^T; check PD. */
int tl__joseph_update(tl_state_est *s, int nz, const double K[6][4], const double H[4][6],
                      const double R[4][4], const double nu[4])
{
    double IKH[6][6], T[6][6], P[6][6], x[6];
    for (int i = 0; i < 6; i++) {
        double a = s->x[i];
        for (int k = 0; k < nz; k++)
            a += K[i][k] * nu[k];
        x[i] = a;
        for (int j = 0; j < 6; j++) {
            double b = (i == j) ? 1.0 : 0.0;
            for (int k = 0; k < nz; k++)
                b -= K[i][k] * H[k][j];
            IKH[i][j] = b;
        }
    }
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            double a = 0.0;
            for (int k = 0; k < 6; k++)
                a += IKH[i][k] * s->P[k][j];
            T[i][j] = a;
        }
    for (int i = 0; i < 6; i++)
        for (int j = i; j < 6; j++) {
            double a = 0.0;
            for (int k = 0; k < 6; k++)
                a += T[i][k] * IKH[j][k];
            for (int k = 0; k < nz; k++)
                for (int l = 0; l < nz; l++)
                    a += K[i][k] * R[k][l] * K[j][l];
            P[i][j] = P[j][i] = a;
        }
    if (!tl_cov_check(P))
        return TL_ENOTPD;
    for (int i = 0; i < 6; i++)
        if (!isfinite(x[i]))
            return TL_ENOTPD;
    memcpy(s->x, x, sizeof x);
    memcpy(s->P, P, sizeof P);
    return TL_OK;
}

static int ekf_update(tl_state_est *s, const tl_meas *m, tl_innov *innov)
{
    tl_innov in;
    double H[4][6], L[4][4];
    int rc = ekf_innov_full(s, m, &in, H, L);
    if (rc != TL_OK)
        return rc;
    int nz = m->nz;
    /* K^T = S^-1 (P H^T)^T = S^-1 H P */
    double Kt[4][6], K[6][4];
    for (int i = 0; i < nz; i++)
        for (int j = 0; j < 6; j++) {
            double a = 0.0;
            for (int k = 0; k < 6; k++)
                a += H[i][k] * s->P[k][j];
            Kt[i][j] = a;
        }
    tl__chol_solve(nz, &L[0][0], 4, &Kt[0][0], 6, 6);
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < nz; k++)
            K[i][k] = Kt[k][i];
    double R[4][4] = {{0}};
    for (int k = 0; k < nz; k++)
        R[k][k] = m->R[k];
    rc = tl__joseph_update(s, nz, K, H, R, in.nu);
    if (rc == TL_OK && innov)
        *innov = in;
    return rc;
}

const tl_filter_ops tl_ekf_ops = {"ekf", ekf_predict, ekf_innovation, ekf_update};
