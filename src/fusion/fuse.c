/* fuse.c — fusing estimates of one object that are valid at the same time.
 *
 * Covariance intersection (Julier & Uhlmann, "A non-divergent estimation algorithm in
 * the presence of unknown correlations", ACC 1997): P^-1 = sum w_i P_i^-1,
 * x = P sum w_i P_i^-1 x_i with w_i >= 0, sum w_i = 1 — consistent for any
 * cross-correlation. Weights in closed form (no optimisation loop), Franken & Hupper,
 * "Improved fast covariance intersection for generalized sensor fusion", FUSION 2005:
 *   w_i ~ det(I) - det(I - I_i) + det(I_i),  I_i = P_i^-1, I = sum I_i,
 * computed here as ratios of log-determinants so 6x6 information matrices of very
 * different scales neither overflow nor underflow. For two estimates, when the fast
 * weights leave det P above the better input's (inputs orders of magnitude apart), a few
 * Newton steps move the weight to the determinant minimum (Julier & Uhlmann's
 * criterion); for three or more the fast weights stand. TL_FUSE_INDEPENDENT is the plain
 * information sum (w_i = 1), optimal only for uncorrelated errors (kept as reference).
 */
#include "trilink/fusion.h"
#include "fusion/fusion_int.h"
#include "predict/predict_int.h"

#include <math.h>
#include <string.h>

#define FUSE_MAX 16

int tl_fusion_distance(const tl_state_est *a, const tl_state_est *b, double *d2)
{
    double S[6][6], L[6][6], dx[6];
    for (int i = 0; i < 6; i++) {
        dx[i] = a->x[i] - b->x[i];
        for (int j = 0; j < 6; j++)
            S[i][j] = a->P[i][j] + b->P[i][j];
    }
    tl__mat6_symmetrize(S);
    if (tl__chol6(S, L) != 0)
        return TL_ENOTPD;
    *d2 = tl__chol6_maha(L, dx);
    return TL_OK;
}

/* Two estimates: Newton steps from the fast weight to the weight that minimises
 * det P (maximises log det of w I_0 + (1 - w) I_1, a concave function of w), so the
 * fused covariance is never larger in volume than either input — the fast weights
 * alone do not guarantee that when the inputs differ by orders of magnitude. */
static void refine_two(const double (*const I[2])[6], double w[2])
{
    double om = w[0], D[6][6], M[6][6], L[6][6], Mi[6][6], A[6][6];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            D[i][j] = I[0][i][j] - I[1][i][j];
    for (int it = 0; it < 6; it++) {
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                M[i][j] = om * I[0][i][j] + (1.0 - om) * I[1][i][j];
        if (tl__chol6(M, L) != 0)
            return;
        tl__chol6_inv(L, Mi);
        tl__mat6_mul(Mi, D, A);
        double g = 0.0, h = 0.0;
        for (int i = 0; i < 6; i++) {
            g += A[i][i];
            for (int k = 0; k < 6; k++)
                h -= A[i][k] * A[k][i];
        }
        if (!(h < 0.0))
            break;
        double nw = om - g / h;
        nw = nw < 0.0 ? 0.0 : nw > 1.0 ? 1.0 : nw;
        double step = fabs(nw - om);
        om = nw;
        if (step < 1e-7)
            break;
    }
    w[0] = om;
    w[1] = 1.0 - om;
}

int tl__info_make(const tl_state_est *e, tl__info *out)
{
    double P[6][6], L[6][6];
    memcpy(P, e->P, sizeof P);
    tl__mat6_symmetrize(P);
    if (tl__chol6(P, L) != 0)
        return -1;
    tl__chol6_inv(L, out->I);
    out->ld = -tl__chol6_logdet(L);
    for (int i = 0; i < 6; i++) {
        double s = 0.0;
        for (int j = 0; j < 6; j++)
            s += out->I[i][j] * e->x[j];
        out->Ix[i] = s;
    }
    return 0;
}

int tl__fuse_info(const tl__info *const *in, int n, int method, double x[6], double P[6][6])
{
    double w[FUSE_MAX], L[6][6];
    if (n < 2 || n > FUSE_MAX)
        return TL_EINVAL;
    if (method == TL_FUSE_INDEPENDENT) {
        for (int k = 0; k < n; k++)
            w[k] = 1.0;
    } else {
        double S[6][6], D[6][6];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                double s = 0.0;
                for (int k = 0; k < n; k++)
                    s += in[k]->I[i][j];
                S[i][j] = s;
            }
        if (tl__chol6(S, L) != 0)
            return TL_ENOTPD;
        double lds = tl__chol6_logdet(L), sum = 0.0;
        for (int k = 0; k < n; k++) {
            double ldo;
            if (n == 2) {
                ldo = in[1 - k]->ld;
            } else {
                for (int i = 0; i < 6; i++)
                    for (int j = 0; j < 6; j++)
                        D[i][j] = S[i][j] - in[k]->I[i][j];
                if (tl__chol6(D, L) != 0)
                    return TL_ENOTPD;
                ldo = tl__chol6_logdet(L);
            }
            double a = 1.0 - exp(ldo - lds) + exp(in[k]->ld - lds);
            w[k] = a > 0.0 ? a : 0.0;
            sum += w[k];
        }
        if (!(sum > 0.0))
            return TL_ENOTPD;
        for (int k = 0; k < n; k++)
            w[k] /= sum;
    }
    double If[6][6], b[6];
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 6; i++) {
            b[i] = 0.0;
            for (int j = 0; j < 6; j++) {
                double s = 0.0;
                for (int k = 0; k < n; k++)
                    s += w[k] * in[k]->I[i][j];
                If[i][j] = s;
            }
            for (int k = 0; k < n; k++)
                b[i] += w[k] * in[k]->Ix[i];
        }
        if (tl__chol6(If, L) != 0)
            return TL_ENOTPD;
        /* two inputs and the fast weights left det P above the better input's: move the
         * weight to the determinant minimum (second pass) */
        if (pass == 1 || n != 2 || method == TL_FUSE_INDEPENDENT ||
            tl__chol6_logdet(L) >= fmax(in[0]->ld, in[1]->ld) - 1e-12)
            break;
        const double(*I2[2])[6] = {in[0]->I, in[1]->I};
        refine_two(I2, w);
    }
    tl__chol6_solve(L, b, x);
    tl__chol6_inv(L, P);
    return TL_OK;
}

int tl_fuse_estimates(const tl_state_est *const *in, size_t n, int method, tl_state_est *out)
{
    if (n == 0 || n > FUSE_MAX || !in || !out)
        return TL_EINVAL;
    for (size_t i = 1; i < n; i++)
        if (in[i]->t_ns != in[0]->t_ns)
            return TL_EINVAL;
    if (n == 1) {
        if (out != in[0])
            *out = *in[0];
        return TL_OK;
    }
    tl__info info[FUSE_MAX];
    const tl__info *ip[FUSE_MAX];
    for (size_t k = 0; k < n; k++) {
        if (tl__info_make(in[k], &info[k]) != 0)
            return TL_ENOTPD;
        ip[k] = &info[k];
    }
    tl_state_est r;
    r.t_ns = in[0]->t_ns;
    int rc = tl__fuse_info(ip, (int)n, method, r.x, r.P);
    if (rc == TL_OK)
        *out = r;
    return rc;
}
