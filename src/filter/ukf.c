/* ukf.c — the unscented Kalman filter (Julier & Uhlmann 1997; Wan & van der Merwe
 * 2000, scaled unscented transform with alpha = 1, beta = 2, kappa = 0: 2n + 1
 * sigma points at +-sqrt(n) Cholesky columns, mean weight 0 on the centre point).
 *
 * Each sigma point is propagated through the full flight physics. Angle-valued
 * measurements are averaged as wrapped residuals about the centre point's value.
 * The covariance update uses the Joseph form with the statistically linearised
 * H = Pxz^T P^-1, which keeps the result symmetric positive definite as in the EKF.
 */
#include "filter/filter_int.h"
#include "trilink/error.h"
#include "trilink/filter.h"

#include <math.h>
#include <string.h>

#define NX 6
#define NS (2 * NX + 1)
#define W0M 0.0
#define W0C 2.0
#define WI (1.0 / (2.0 * NX))

static int sigma_points(const tl_state_est *s, double X[NS][NX])
{
    double L[NX][NX];
    if (tl__chol(NX, &s->P[0][0], NX, &L[0][0], NX) != 0)
        return TL_ENOTPD;
    double c = sqrt((double)NX);
    for (int i = 0; i < NX; i++)
        X[0][i] = s->x[i];
    for (int k = 0; k < NX; k++)
        for (int i = 0; i < NX; i++) {
            X[1 + k][i] = s->x[i] + c * L[i][k];
            X[1 + NX + k][i] = s->x[i] - c * L[i][k];
        }
    return TL_OK;
}

static int ukf_predict(const tl_motion *mm, tl_state_est *s, int64_t t_ns)
{
    double dt = tl__dt_s(t_ns, s->t_ns);
    if (!(fabs(dt) <= 86400.0))
        return TL_EINVAL;
    if (dt == 0.0)
        return TL_OK;
    double X[NS][NX];
    int rc = sigma_points(s, X);
    if (rc != TL_OK)
        return rc;
    tl_dyn_model dyn;
    tl__motion_dyn(mm, s->x, dt, &dyn);
    for (int k = 0; k < NS; k++) {
        double x0[NX];
        memcpy(x0, X[k], sizeof x0);
        tl_dyn_propagate(&dyn, X[k], dt, tl__motion_step(mm, &dyn));
        tl__apply_thrust(mm, x0, X[k], dt);
    }
    double x[NX] = {0}, P[NX][NX];
    for (int k = 1; k < NS; k++)
        for (int i = 0; i < NX; i++)
            x[i] += WI * X[k][i];
    for (int i = 0; i < NX; i++)
        x[i] += W0M * X[0][i];
    tl_motion_q_step(mm, &dyn, s->x, x, dt, P);
    for (int k = 0; k < NS; k++) {
        double w = k == 0 ? W0C : WI, d[NX];
        for (int i = 0; i < NX; i++)
            d[i] = X[k][i] - x[i];
        for (int i = 0; i < NX; i++)
            for (int j = 0; j < NX; j++)
                P[i][j] += w * d[i] * d[j];
    }
    tl__sym6(P);
    memcpy(s->x, x, sizeof x);
    memcpy(s->P, P, sizeof P);
    s->t_ns = t_ns;
    return TL_OK;
}

/* Unscented measurement statistics: innovation, S, and Pxz. */
static int ukf_stats(const tl_state_est *s, const tl_meas *m, tl_innov *in, double Pxz[NX][4],
                     double L[4][4])
{
    int nz = m->nz;
    if (nz < 1 || nz > 4)
        return TL_EINVAL;
    double X[NS][NX], Z[NS][4], zbar[4] = {0};
    int rc = sigma_points(s, X);
    if (rc != TL_OK)
        return rc;
    for (int k = 0; k < NS; k++)
        tl_meas_h(m, X[k], Z[k], NULL);
    /* residuals about the centre point: wrap-safe mean */
    double D[NS][4];
    for (int k = 0; k < NS; k++)
        tl_meas_residual(m, Z[k], Z[0], D[k]);
    for (int k = 1; k < NS; k++)
        for (int i = 0; i < nz; i++)
            zbar[i] += WI * D[k][i];
    for (int k = 0; k < NS; k++)
        for (int i = 0; i < nz; i++)
            D[k][i] -= zbar[i];
    for (int i = 0; i < nz; i++)
        zbar[i] += Z[0][i];
    memset(in, 0, sizeof *in);
    in->nz = nz;
    memset(Pxz, 0, NX * 4 * sizeof(double));
    for (int i = 0; i < nz; i++)
        in->S[i][i] = m->R[i];
    for (int k = 0; k < NS; k++) {
        double w = k == 0 ? W0C : WI;
        for (int i = 0; i < nz; i++)
            for (int j = 0; j < nz; j++)
                in->S[i][j] += w * D[k][i] * D[k][j];
        for (int i = 0; i < NX; i++) {
            double dx = X[k][i] - s->x[i];
            for (int j = 0; j < nz; j++)
                Pxz[i][j] += w * dx * D[k][j];
        }
    }
    tl_meas_residual(m, m->z, zbar, in->nu);
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

static int ukf_innovation(const tl_state_est *s, const tl_meas *m, tl_innov *out)
{
    double Pxz[NX][4], L[4][4];
    return ukf_stats(s, m, out, Pxz, L);
}

static int ukf_update(tl_state_est *s, const tl_meas *m, tl_innov *innov)
{
    tl_innov in;
    double Pxz[NX][4], L[4][4];
    int rc = ukf_stats(s, m, &in, Pxz, L);
    if (rc != TL_OK)
        return rc;
    int nz = m->nz;
    /* K^T = S^-1 Pxz^T */
    double Kt[4][NX], K[NX][4];
    for (int i = 0; i < nz; i++)
        for (int j = 0; j < NX; j++)
            Kt[i][j] = Pxz[j][i];
    tl__chol_solve(nz, &L[0][0], 4, &Kt[0][0], NX, NX);
    for (int i = 0; i < NX; i++)
        for (int k = 0; k < 4; k++)
            K[i][k] = k < nz ? Kt[k][i] : 0.0;
    /* statistically linearised H: P H^T = Pxz  ->  H^T = P^-1 Pxz */
    double LP[NX][NX], Ht[NX][4], H[4][NX];
    if (tl__chol(NX, &s->P[0][0], NX, &LP[0][0], NX) != 0)
        return TL_ENOTPD;
    memcpy(Ht, Pxz, sizeof Ht);
    tl__chol_solve(NX, &LP[0][0], NX, &Ht[0][0], 4, nz);
    memset(H, 0, sizeof H);
    for (int i = 0; i < nz; i++)
        for (int j = 0; j < NX; j++)
            H[i][j] = Ht[j][i];
    /* effective noise R + linearisation error = S - H P H^T (= Pzz - Pxz^T P^-1 Pxz,
     * PSD): with it the Joseph form equals P - K S K^T exactly */
    double R[4][4];
    for (int i = 0; i < nz; i++)
        for (int j = 0; j < nz; j++) {
            double a = in.S[i][j];
            for (int k = 0; k < NX; k++)
                a -= Pxz[k][i] * Ht[k][j];
            R[i][j] = a;
        }
    rc = tl__joseph_update(s, nz, K, H, R, in.nu);
    if (rc == TL_OK && innov)
        *innov = in;
    return rc;
}

const tl_filter_ops tl_ukf_ops = {"ukf", ukf_predict, ukf_innovation, ukf_update};
