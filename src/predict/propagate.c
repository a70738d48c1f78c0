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

/* Transition matrix over dt to second order, from the blocks of A = [[0, I], [G, C]]
 * (G gravity gradient + centrifugal term, C Coriolis): A^2 = [[G, C], [C G, G + C^2]]. */
static void transition(const tl_dyn_model *m, const double x[6], double dt, double F[6][6])
{
    double G[3][3], C[3][3] = {{0}}, CG[3][3], C2[3][3];
    double r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
    double r = sqrt(r2), k = m->gm / (r2 * r);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            G[i][j] = k * (3.0 * x[i] * x[j] / r2 - (i == j ? 1.0 : 0.0));
    if (m->flags & TL_DYN_ROTATION) {
        double w = m->omega;
        G[0][0] += w * w;
        G[1][1] += w * w;
        C[0][1] = 2.0 * w;
        C[1][0] = -2.0 * w;
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            CG[i][j] = C[i][0] * G[0][j] + C[i][1] * G[1][j] + C[i][2] * G[2][j];
            C2[i][j] = C[i][0] * C[0][j] + C[i][1] * C[1][j] + C[i][2] * C[2][j];
        }
    double h2 = 0.5 * dt * dt;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double id = i == j ? 1.0 : 0.0;
            F[i][j] = id + G[i][j] * h2;
            F[i][j + 3] = id * dt + C[i][j] * h2;
            F[i + 3][j] = G[i][j] * dt + CG[i][j] * h2;
            F[i + 3][j + 3] = id + C[i][j] * dt + (G[i][j] + C2[i][j]) * h2;
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
        double F[6][6], T[6][6];
        transition(m, x, dt, F);
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
