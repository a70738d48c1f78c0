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
#include "trilink/geo.h"

#include <math.h>
#include <string.h>

#define TL__MAX_DT_S 86400.0

/* Straight-line dot products: the covariance algebra below is written as dot
 * products of contiguous rows (P is symmetric, so columns are rows), which the
 * compiler turns into unrolled code. */
#define DOT4(a, b) ((a)[0] * (b)[0] + (a)[1] * (b)[1] + (a)[2] * (b)[2] + (a)[3] * (b)[3])
#define DOT6(a, b) (DOT4(a, b) + (a)[4] * (b)[4] + (a)[5] * (b)[5])

void tl_motion_default(tl_motion *mm)
{
    tl_dyn_model_default(&mm->dyn);
    mm->dyn.flags &= ~(unsigned)TL_DYN_DRAG;
    mm->q_acc = 1e-4;
    mm->max_step_s = 10.0;
    mm->q_drag_rel = 0.0;
    mm->thrust_acc_mps2 = 0.0;
    mm->thrust_ve_mps = 0.0;
}

void tl__thrust_dir(const double x[6], double u[3])
{
    double v = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
    const double *d = x + 3;
    if (!(v > 100.0)) {
        d = x;
        v = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    }
    for (int i = 0; i < 3; i++)
        u[i] = d[i] / v;
}

/* k dt bound: the burn may not run out of mass inside one step (a grows 10x) */
#define THRUST_KDT_MAX 0.9

double tl_thrust_acc_after(double a0, double ve, double dt)
{
    if (!(ve > 0.0) || !(a0 > 0.0))
        return a0;
    double kdt = a0 * fabs(dt) / ve;
    if (kdt > THRUST_KDT_MAX)
        kdt = THRUST_KDT_MAX;
    return dt >= 0.0 ? a0 / (1.0 - kdt) : a0 / (1.0 + kdt);
}

void tl__apply_thrust(const tl_motion *mm, const double x0[6], double x[6], double dt)
{
    double a = mm->thrust_acc_mps2, ve = mm->thrust_ve_mps;
    if (!(a > 0.0))
        return;
    double u[3], dv, dp;
    tl__thrust_dir(x0, u);
    double kdt = ve > 0.0 ? a * fabs(dt) / ve : 0.0;
    if (kdt > 1e-6 && dt > 0.0) {
        if (kdt > THRUST_KDT_MAX)
            kdt = THRUST_KDT_MAX;
        double l = log(1.0 - kdt);
        dv = -ve * l;                                 /* rocket equation */
        dp = ve * dt * ((1.0 - kdt) * l + kdt) / kdt; /* its integral over the step */
    } else {
        dv = a * dt;
        dp = 0.5 * a * dt * dt;
    }
    for (int i = 0; i < 3; i++) {
        x[i] += dp * u[i];
        x[3 + i] += dv * u[i];
    }
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

/* Nominal drag deceleration magnitude at x (m/s^2), 0 above the atmosphere. */
static double drag_acc(const tl_dyn_model *dyn, const double x[6])
{
    double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    if (r - TL_WGS84_A > 1.2e6)
        return 0.0;
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    double rho = tl_atmo_density(g.h_m);
    if (!(rho > 0.0))
        return 0.0;
    double v2 = x[3] * x[3] + x[4] * x[4] + x[5] * x[5];
    return 0.5 * rho * v2 / dyn->beta_kg_m2;
}

void tl_motion_q_step(const tl_motion *mm, const tl_dyn_model *dyn, const double x0[6],
                      const double x1[6], double dt, double Q[6][6])
{
    tl_motion_q(mm, dt, Q);
    if (!(mm->q_drag_rel > 0.0) || !(dyn->flags & TL_DYN_DRAG) || !(dyn->beta_kg_m2 > 0.0))
        return;
    double a0 = drag_acc(dyn, x0), a1 = drag_acc(dyn, x1);
    double sa = mm->q_drag_rel * (a0 > a1 ? a0 : a1);
    if (!(sa > 0.0))
        return;
    /* a random acceleration of 1-sigma sa over the step as white noise of PSD
     * sa^2 |dt|: velocity variance (sa dt)^2, as for a constant unknown bias */
    double a = fabs(dt), q = sa * sa * a;
    for (int i = 0; i < 3; i++) {
        Q[i][i] += q * a * a * a / 3.0;
        Q[i][i + 3] += q * a * a / 2.0 * (dt < 0 ? -1.0 : 1.0);
        Q[i + 3][i] = Q[i][i + 3];
        Q[i + 3][i + 3] += q * a;
    }
}

double tl__motion_step(const tl_motion *mm, const tl_dyn_model *dyn)
{
    if ((dyn->flags & TL_DYN_DRAG) && dyn->beta_kg_m2 > 0.0 && mm->max_step_s > 1.0)
        return 1.0;
    return mm->max_step_s;
}

void tl__motion_dyn(const tl_motion *mm, const double x[6], double dt_s, tl_dyn_model *out)
{
    *out = mm->dyn;
    if (!(out->flags & TL_DYN_DRAG))
        return;
    /* height above the ellipsoid >= r - a; over one step the height can drop by at
     * most |v| dt. Above 150 km drag is < 1e-5 m/s^2 for any RV: skip it. */
    double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    double v = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
    if (r - TL_WGS84_A - v * fabs(dt_s) > 150e3)
        out->flags &= ~(unsigned)TL_DYN_DRAG;
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
    tl_dyn_model dyn;
    tl__motion_dyn(mm, s->x, dt, &dyn);
    tl_dyn_propagate_stm(&dyn, x, dt, tl__motion_step(mm, &dyn), F);
    tl__apply_thrust(mm, s->x, x, dt);
    tl_motion_q_step(mm, &dyn, s->x, x, dt, Q);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            FP[i][j] = DOT6(F[i], s->P[j]);
    for (int i = 0; i < 6; i++)
        for (int j = i; j < 6; j++)
            s->P[i][j] = s->P[j][i] = Q[i][j] + DOT6(FP[i], F[j]);
    memcpy(s->x, x, sizeof x);
    s->t_ns = t_ns;
    return TL_OK;
}

/* Innovation plus what the update needs: H and S^-1. */
/* HP (may be NULL) receives H P, rows beyond nz zero: (H P)[k][j] = (P H^T)[j][k]. */
static int ekf_innov_full(const tl_state_est *s, const tl_meas *m, tl_innov *in, double H[4][6],
                          double Si[4][4], double HPout[4][6])
{
    int nz = m->nz;
    if (nz < 1 || nz > 4)
        return TL_EINVAL;
    double zhat[4];
    tl_meas_h(m, s->x, zhat, H);
    in->nz = nz;
    tl_meas_residual(m, m->z, zhat, in->nu);
    double HPl[4][6];
    double(*HP)[6] = HPout ? HPout : HPl;
    for (int i = 0; i < nz; i++)
        for (int j = 0; j < 6; j++)
            HP[i][j] = DOT6(H[i], s->P[j]);
    for (int i = nz; i < 4; i++)
        for (int j = 0; j < 6; j++)
            HP[i][j] = 0.0;
    memset(in->S, 0, sizeof in->S);
    for (int i = 0; i < nz; i++)
        for (int j = i; j < nz; j++)
            in->S[i][j] = in->S[j][i] = (i == j ? m->R[i] : 0.0) + DOT6(HP[i], H[j]);
    if (tl__spd_inv4(nz, in->S, Si, &in->log_det_s) != 0)
        return TL_ENOTPD;
    in->d2 = 0.0;
    for (int i = 0; i < nz; i++)
        for (int j = 0; j < nz; j++)
            in->d2 += in->nu[i] * Si[i][j] * in->nu[j];
    return TL_OK;
}

static int ekf_innovation(const tl_state_est *s, const tl_meas *m, tl_innov *out)
{
    double H[4][6], Si[4][4];
    return ekf_innov_full(s, m, out, H, Si, NULL);
}

/* Accept a posterior only if P is still positive definite (Cholesky fails on NaN,
 * inf or loss of PD; P is symmetric by construction) and x is finite; otherwise
 * leave the state unchanged. */
static int commit_posterior(tl_state_est *s, const double x[6], const double P[6][6])
{
    double L[6][6];
    if (tl__ekf_chol6(P, L) != 0)
        return TL_ENOTPD;
    for (int i = 0; i < 6; i++)
        if (!isfinite(x[i]))
            return TL_ENOTPD;
    memcpy(s->x, x, 6 * sizeof x[0]);
    memcpy(s->P, P, 36 * sizeof P[0][0]);
    return TL_OK;
}

/* Shared by EKF and UKF: x += K nu and the Joseph form
 *   P' = (I - K H) P (I - K H)^T + K R K^T
 * evaluated in factored order, M = (I - K H) P = P - K (H P), then
 * P' = M - (M H^T) K^T + (K R) K^T, which is the same product re-associated
 * (about 40% fewer multiplies than forming I - K H). Loops run over all 4
 * measurement slots (unused ones are zero) so the compiler can unroll them. */
int tl__joseph_update(tl_state_est *s, int nz, const double Kin[6][4], const double Hin[4][6],
                      const double Rin[4][4], const double nu[4])
{
    double K[6][4] = {{0}}, H[4][6] = {{0}}, R[4][4] = {{0}}, v[4] = {0};
    for (int k = 0; k < nz; k++) {
        v[k] = nu[k];
        for (int i = 0; i < 6; i++) {
            K[i][k] = Kin[i][k];
            H[k][i] = Hin[k][i];
        }
        for (int l = 0; l < nz; l++)
            R[k][l] = Rin[k][l];
    }
    /* PHt[j][k] = (P H^T)[j][k] = (H P)[k][j] as P is symmetric */
    double PHt[6][4], M[6][6], G[6][4], P[6][6], x[6];
    for (int j = 0; j < 6; j++)
        for (int k = 0; k < 4; k++)
            PHt[j][k] = DOT6(s->P[j], H[k]);
    for (int i = 0; i < 6; i++) {
        x[i] = s->x[i] + DOT4(K[i], v);
        for (int j = 0; j < 6; j++)
            M[i][j] = s->P[i][j] - DOT4(K[i], PHt[j]);
    }
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < 4; k++)
            G[i][k] = K[i][0] * R[0][k] + K[i][1] * R[1][k] + K[i][2] * R[2][k] +
                      K[i][3] * R[3][k] - DOT6(M[i], H[k]);
    for (int i = 0; i < 6; i++)
        for (int j = i; j < 6; j++)
            P[i][j] = P[j][i] = M[i][j] + DOT4(G[i], K[j]);
    return commit_posterior(s, x, P);
}

int tl__joseph_update_diag(tl_state_est *s, const double K[6][4], const double PHt[6][4],
                           const double H[4][6], const double Rd[4], const double nu[4])
{
    /* M = (I - K H) P, by rows: M[i][j] = P[i][j] - sum_k K[i][k] (H P)[k][j] and
     * (H P)[k][j] = PHt[j][k]; then P' = M (I - K H)^T + K R K^T
     * = M + G K^T with G = K R - M H^T. Literal Joseph form. */
    double M[6][6], G[6][4], P[6][6], x[6];
    for (int i = 0; i < 6; i++) {
        x[i] = s->x[i] + DOT4(K[i], nu);
        for (int j = 0; j < 6; j++)
            M[i][j] = s->P[i][j] - DOT4(K[i], PHt[j]);
    }
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < 4; k++)
            G[i][k] = K[i][k] * Rd[k] - DOT6(M[i], H[k]);
    for (int i = 0; i < 6; i++)
        for (int j = i; j < 6; j++)
            P[i][j] = P[j][i] = M[i][j] + DOT4(G[i], K[j]);
    return commit_posterior(s, x, P);
}

static int ekf_update(tl_state_est *s, const tl_meas *m, tl_innov *innov)
{
    tl_innov in;
    double H[4][6], Si[4][4], HP[4][6];
    int rc = ekf_innov_full(s, m, &in, H, Si, HP);
    if (rc != TL_OK)
        return rc;
    int nz = m->nz;
    /* K = P H^T S^-1 with S^-1 from its Cholesky factor (nz <= 4) */
    /* rows of H beyond nz are zero (tl_meas_h), and so are those of Si */
    double PHt[6][4], K[6][4];
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < 4; k++)
            PHt[i][k] = HP[k][i]; /* P symmetric: (P H^T)[i][k] = (H P)[k][i] */
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < 4; k++)
            K[i][k] = DOT4(PHt[i], Si[k]);
    double Rd[4] = {0}, nu[4] = {0};
    for (int k = 0; k < nz; k++) {
        Rd[k] = m->R[k];
        nu[k] = in.nu[k];
    }
    rc = tl__joseph_update_diag(s, K, PHt, H, Rd, nu);
    if (rc == TL_OK && innov)
        *innov = in;
    return rc;
}

const tl_filter_ops tl_ekf_ops = {"ekf", ekf_predict, ekf_innovation, ekf_update};
