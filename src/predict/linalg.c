/* linalg.c — small dense 6x6 linear algebra for prediction and fusion: Cholesky
 * factorisation and what follows from it (inverse, solve, log-determinant,
 * Mahalanobis distance). Fixed size so the compiler unrolls; no heap. */
#include "predict/predict_int.h"

#include <math.h>

int tl__chol6(const double A[6][6], double L[6][6])
{
    for (int i = 0; i < 6; i++) {
        for (int j = 0; j <= i; j++) {
            double s = A[i][j];
            for (int k = 0; k < j; k++)
                s -= L[i][k] * L[j][k];
            if (i == j) {
                if (!(s > 0.0) || !isfinite(s))
                    return -1;
                L[i][i] = sqrt(s);
            } else {
                L[i][j] = s / L[j][j];
            }
        }
        for (int j = i + 1; j < 6; j++)
            L[i][j] = 0.0;
    }
    return 0;
}

void tl__chol6_solve(const double L[6][6], const double b[6], double y[6])
{
    double z[6];
    for (int i = 0; i < 6; i++) {
        double s = b[i];
        for (int k = 0; k < i; k++)
            s -= L[i][k] * z[k];
        z[i] = s / L[i][i];
    }
    for (int i = 5; i >= 0; i--) {
        double s = z[i];
        for (int k = i + 1; k < 6; k++)
            s -= L[k][i] * y[k];
        y[i] = s / L[i][i];
    }
}

void tl__chol6_inv(const double L[6][6], double Ai[6][6])
{
    /* inverse of L (lower triangular), then Ai = Li^T Li */
    double Li[6][6] = {{0}};
    for (int j = 0; j < 6; j++) {
        Li[j][j] = 1.0 / L[j][j];
        for (int i = j + 1; i < 6; i++) {
            double s = 0.0;
            for (int k = j; k < i; k++)
                s -= L[i][k] * Li[k][j];
            Li[i][j] = s / L[i][i];
        }
    }
    for (int i = 0; i < 6; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0.0;
            for (int k = i; k < 6; k++)
                s += Li[k][i] * Li[k][j];
            Ai[i][j] = Ai[j][i] = s;
        }
}

double tl__chol6_logdet(const double L[6][6])
{
    /* one log of the product; split in two so 6 factors of any scale cannot overflow */
    double a = L[0][0] * L[1][1] * L[2][2], b = L[3][3] * L[4][4] * L[5][5];
    return 2.0 * (log(a) + log(b));
}

double tl__chol6_maha(const double L[6][6], const double v[6])
{
    double z[6], d2 = 0.0;
    for (int i = 0; i < 6; i++) {
        double s = v[i];
        for (int k = 0; k < i; k++)
            s -= L[i][k] * z[k];
        z[i] = s / L[i][i];
        d2 += z[i] * z[i];
    }
    return d2;
}

void tl__mat6_mul(const double A[6][6], const double B[6][6], double C[6][6])
{
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            double s = 0.0;
            for (int k = 0; k < 6; k++)
                s += A[i][k] * B[k][j];
            C[i][j] = s;
        }
}

void tl__mat6_symmetrize(double P[6][6])
{
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < i; j++)
            P[i][j] = P[j][i] = 0.5 * (P[i][j] + P[j][i]);
}

int tl__finite6(const double x[6], const double P[6][6])
{
    for (int i = 0; i < 6; i++) {
        if (x && !isfinite(x[i]))
            return 0;
        if (P)
            for (int j = 0; j < 6; j++)
                if (!isfinite(P[i][j]))
                    return 0;
    }
    return 1;
}
