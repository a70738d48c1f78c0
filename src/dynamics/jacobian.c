/* jacobian.c — linearised ballistic flight physics for the EKF: the Jacobian of
 * the ECEF equations of motion and a fast RK4 step with its state-transition
 * matrix.
 *
 * Gravity gradient: point mass -mu/r^3 (I - 3 r r^T / r^2) plus the analytic
 * partials of the J2 acceleration of eom.c (Vallado 4th ed., eq. 8-30). Rotating
 * frame: a += -2 w x v - w x (w x r) with w = (0, 0, omega), so d a/d r gains
 * diag(w^2, w^2, 0) and d a/d v the Coriolis block. Drag (density from the 1976
 * atmosphere, piecewise) is differentiated numerically by central differences.
 */
#include "trilink/dynamics.h"
#include "trilink/filter.h"
#include "trilink/geo.h"

#include <math.h>
#include <string.h>

static int drag_active(const tl_dyn_model *m, const double x[6])
{
    if (!(m->flags & TL_DYN_DRAG) || !(m->beta_kg_m2 > 0.0))
        return 0;
    double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    return r - TL_WGS84_A < 1.2e6; /* same cut as tl_dyn_accel */
}

void tl_dyn_jacobian(const tl_dyn_model *m, const double x[6], double A[6][6])
{
    memset(A, 0, 36 * sizeof(double));
    A[0][3] = A[1][4] = A[2][5] = 1.0;
    const double px = x[0], py = x[1], pz = x[2];
    double r2 = px * px + py * py + pz * pz;
    double r = sqrt(r2);
    double ir2 = 1.0 / r2, ir3 = ir2 / r, ir5 = ir3 * ir2;
    double G[3][3];
    const double p[3] = {px, py, pz};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            G[i][j] = m->gm * (3.0 * p[i] * p[j] * ir5 - (i == j ? ir3 : 0.0));
    if (m->flags & TL_DYN_J2) {
        double c = -1.5 * m->j2 * m->gm * m->re_m * m->re_m;
        double ir7 = ir5 * ir2, ir9 = ir7 * ir2;
        double z2 = pz * pz;
        G[0][0] += c * (ir5 - 5.0 * (px * px + z2) * ir7 + 35.0 * px * px * z2 * ir9);
        G[1][1] += c * (ir5 - 5.0 * (py * py + z2) * ir7 + 35.0 * py * py * z2 * ir9);
        G[2][2] += c * (3.0 * ir5 - 30.0 * z2 * ir7 + 35.0 * z2 * z2 * ir9);
        double gxy = c * px * py * (-5.0 * ir7 + 35.0 * z2 * ir9);
        double gxz = c * px * pz * (-15.0 * ir7 + 35.0 * z2 * ir9);
        double gyz = c * py * pz * (-15.0 * ir7 + 35.0 * z2 * ir9);
        G[0][1] += gxy;
        G[1][0] += gxy;
        G[0][2] += gxz;
        G[2][0] += gxz;
        G[1][2] += gyz;
        G[2][1] += gyz;
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            A[3 + i][j] = G[i][j];
    if (m->flags & TL_DYN_ROTATION) {
        double w = m->omega;
        A[3][0] += w * w;
        A[4][1] += w * w;
        A[3][4] += 2.0 * w;
        A[4][3] -= 2.0 * w;
    }
    if (drag_active(m, x)) {
        /* d(a_drag)/dx by central differences of the full acceleration minus the
         * drag-free part, which the analytic block above already holds. */
        tl_dyn_model nodrag = *m;
        nodrag.flags &= ~(unsigned)TL_DYN_DRAG;
        for (int k = 0; k < 6; k++) {
            double h = k < 3 ? 1.0 : 0.01; /* m, m/s: density scale heights are km */
            double xp[6], xm[6], ap[3], am[3], bp[3], bm[3];
            memcpy(xp, x, sizeof xp);
            memcpy(xm, x, sizeof xm);
            xp[k] += h;
            xm[k] -= h;
            tl_dyn_accel(m, xp, ap);
            tl_dyn_accel(m, xm, am);
            tl_dyn_accel(&nodrag, xp, bp);
            tl_dyn_accel(&nodrag, xm, bm);
            for (int i = 0; i < 3; i++)
                A[3 + i][k] += ((ap[i] - bp[i]) - (am[i] - bm[i])) / (2.0 * h);
        }
    }
}

static void mat6_mul(const double a[6][6], const double b[6][6], double c[6][6])
{
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            double s = 0.0;
            for (int k = 0; k < 6; k++)
                s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
}

static void mat3_mul(const double a[3][3], const double b[3][3], double c[3][3])
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            c[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
}

void tl_dyn_rk4_stm_step(const tl_dyn_model *m, double x[6], double dt, double phi[6][6])
{
    double k1[6], k2[6], k3[6], k4[6], y[6], ymid[6];
    tl_dyn_deriv(m, x, k1);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + 0.5 * dt * k1[i];
    tl_dyn_deriv(m, y, k2);
    for (int i = 0; i < 6; i++)
        ymid[i] = y[i] = x[i] + 0.5 * dt * k2[i];
    tl_dyn_deriv(m, y, k3);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + dt * k3[i];
    tl_dyn_deriv(m, y, k4);
    for (int i = 0; i < 6; i++)
        x[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
    if (!phi)
        return;
    /* phi = I + A dt + (A dt)^2 / 2 + (A dt)^3 / 6, A at the midpoint state, by
     * 3x3 blocks: A dt = [[0, a I], [G, W]] (a = dt, G = d acc / d pos dt,
     * W = d acc / d vel dt), so
     *   (A dt)^2 = [[a G, a W], [W G, a G + W^2]]
     *   (A dt)^3 = [[a W G, a^2 G + a W^2], [a G^2 + W W G, a G W + a W G + W^3]] */
    double A[6][6];
    tl_dyn_jacobian(m, ymid, A);
    const double a = dt;
    double G[3][3], W[3][3], WG[3][3], W2[3][3], G2[3][3], GW[3][3], WWG[3][3], W3[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            G[i][j] = A[3 + i][j] * dt;
            W[i][j] = A[3 + i][3 + j] * dt;
        }
    mat3_mul(W, G, WG);
    mat3_mul(W, W, W2);
    mat3_mul(G, G, G2);
    mat3_mul(G, W, GW);
    mat3_mul(W, WG, WWG);
    mat3_mul(W, W2, W3);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double d = i == j ? 1.0 : 0.0;
            phi[i][j] = d + 0.5 * a * G[i][j] + a * WG[i][j] / 6.0;
            phi[i][3 + j] = a * d + 0.5 * a * W[i][j] + (a * a * G[i][j] + a * W2[i][j]) / 6.0;
            phi[3 + i][j] = G[i][j] + 0.5 * WG[i][j] + (a * G2[i][j] + WWG[i][j]) / 6.0;
            phi[3 + i][3 + j] = d + W[i][j] + 0.5 * (a * G[i][j] + W2[i][j]) +
                                (a * GW[i][j] + a * WG[i][j] + W3[i][j]) / 6.0;
        }
}

void tl_dyn_propagate_stm(const tl_dyn_model *m, double x[6], double dt, double max_step,
                          double phi[6][6])
{
    memset(phi, 0, 36 * sizeof(double));
    for (int i = 0; i < 6; i++)
        phi[i][i] = 1.0;
    if (dt == 0.0)
        return;
    if (!(max_step > 0.0))
        max_step = 1.0;
    int n = (int)ceil(fabs(dt) / max_step);
    double h = dt / n;
    if (n == 1) {
        tl_dyn_rk4_stm_step(m, x, h, phi);
        return;
    }
    for (int s = 0; s < n; s++) {
        double step[6][6], tmp[6][6];
        tl_dyn_rk4_stm_step(m, x, h, step);
        mat6_mul(step, phi, tmp);
        memcpy(phi, tmp, sizeof tmp);
    }
}
