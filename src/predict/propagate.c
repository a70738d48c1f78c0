/* propagate.c — move a state estimate (state and covariance) to another time.
 *
 * State: the RK4 propagator of dynamics.h in sub-steps of at most 2 s (a fusion cycle
 * moves estimates by a fraction of a second to a few seconds). Covariance: per
 * sub-step P <- Phi P Phi^T + Q, with Phi = I + A dt + A^2 dt^2 / 2 (the next term is
 * below 1e-5 of the first over a 2 s sub-step) and
 * A the Jacobian of the rotating-frame equations of motion (point-mass gravity
 * gradient, centrifugal and Coriolis terms; J2 and drag gradients are below 1e-3 of
 * these and omitted). Q is the continuous white-noise-acceleration model
 * (Bar-Shalom, Li & Kirubarajan 2001, sec. 6.2.2) with spectral density q.
 */
#include "trilink/predict.h"
#include "predict/predict_int.h"

#include <math.h>
#include <string.h>

#define SUBSTEP_S 2.0

static void jacobian(const tl_dyn_model *m, const double x[6], double A[6][6])
{
    memset(A, 0, sizeof(double) * 36);
    double r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
    double r = sqrt(r2), k = m->gm / (r2 * r);
    for (int i = 0; i < 3; i++) {
        A[i][i + 3] = 1.0;
        for (int j = 0; j < 3; j++)
            A[3 + i][j] = k * (3.0 * x[i] * x[j] / r2 - (i == j ? 1.0 : 0.0));
    }
    if (m->flags & TL_DYN_ROTATION) {
        double w = m->omega;
        A[3][0] += w * w;
        A[4][1] += w * w;
        A[3][4] += 2.0 * w;
        A[4][3] -= 2.0 * w;
    }
}

int tl_est_propagate(const tl_dyn_model *m, const tl_state_est *in, int64_t t_ns, double q,
                     tl_state_est *out)
{
    if (!in || !out || !tl__finite6(in->x, in->P) || !(q >= 0) || !isfinite(q))
        return TL_EINVAL;
    double x[6], P[6][6];
    memcpy(x, in->x, sizeof x);
    memcpy(P, in->P, sizeof P);
    double span = (double)(t_ns - in->t_ns) * 1e-9;
    int n = (int)ceil(fabs(span) / SUBSTEP_S);
    if (n > 100000)
        return TL_EINVAL;
    double dt = n > 0 ? span / n : 0.0;
    for (int s = 0; s < n; s++) {
        double A[6][6], A2[6][6], F[6][6], T[6][6];
        jacobian(m, x, A);
        tl__mat6_mul(A, A, A2);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                F[i][j] = (i == j) + A[i][j] * dt + A2[i][j] * dt * dt * 0.5;
        tl_dyn_rk4_step(m, x, dt);
        tl__mat6_mul(F, P, T);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j <= i; j++) {
                double v = 0.0;
                for (int k = 0; k < 6; k++)
                    v += T[i][k] * F[j][k];
                P[i][j] = P[j][i] = v;
            }
        if (q > 0) {
            double a = fabs(dt);
            for (int i = 0; i < 3; i++) {
                P[i][i] += q * a * a * a / 3.0;
                P[i][i + 3] += q * a * a / 2.0;
                P[i + 3][i] += q * a * a / 2.0;
                P[i + 3][i + 3] += q * a;
            }
        }
    }
    out->t_ns = t_ns;
    memcpy(out->x, x, sizeof x);
    memcpy(out->P, P, sizeof P);
    return TL_OK;
}
