/* linalg.c — Cholesky factorisation, solves and helpers for the filters' small
 * matrices (Golub & Van Loan, "Matrix Computations", alg. 4.2.1). */
#include "filter/filter_int.h"
#include "trilink/filter.h"

#include <math.h>

int tl__chol(int n, const double *a, int lda, double *L, int ldl)
{
    for (int j = 0; j < n; j++) {
        double d = a[j * lda + j];
        for (int k = 0; k < j; k++)
            d -= L[j * ldl + k] * L[j * ldl + k];
        if (!(d > 0.0) || !isfinite(d))
            return -1;
        double ljj = sqrt(d);
        L[j * ldl + j] = ljj;
        for (int i = j + 1; i < n; i++) {
            double s = a[i * lda + j];
            for (int k = 0; k < j; k++)
                s -= L[i * ldl + k] * L[j * ldl + k];
            L[i * ldl + j] = s / ljj;
        }
        for (int i = 0; i < j; i++)
            L[i * ldl + j] = 0.0;
    }
    return 0;
}

/* The 6x6 case with constant bounds (the compiler unrolls it): the positive-
 * definiteness check after every update. Same algorithm and result. */
int tl__ekf_chol6(const double a[6][6], double L[6][6])
{
    for (int j = 0; j < 6; j++) {
        double d = a[j][j];
        for (int k = 0; k < j; k++)
            d -= L[j][k] * L[j][k];
        if (!(d > 0.0) || !isfinite(d))
            return -1;
        double ljj = sqrt(d), inv = 1.0 / ljj;
        L[j][j] = ljj;
        for (int i = j + 1; i < 6; i++) {
            double s = a[i][j];
            for (int k = 0; k < j; k++)
                s -= L[i][k] * L[j][k];
            L[i][j] = s * inv;
        }
        for (int i = 0; i < j; i++)
            L[i][j] = 0.0;
    }
    return 0;
}

void tl__chol_solve(int n, const double *L, int ldl, double *B, int ldb, int nrhs)
{
    for (int c = 0; c < nrhs; c++) {
        for (int i = 0; i < n; i++) { /* forward: L y = b */
            double s = B[i * ldb + c];
            for (int k = 0; k < i; k++)
                s -= L[i * ldl + k] * B[k * ldb + c];
            B[i * ldb + c] = s / L[i * ldl + i];
        }
        for (int i = n - 1; i >= 0; i--) { /* back: L^T x = y */
            double s = B[i * ldb + c];
            for (int k = i + 1; k < n; k++)
                s -= L[k * ldl + i] * B[k * ldb + c];
            B[i * ldb + c] = s / L[i * ldl + i];
        }
    }
}

double tl__chol_logdet(int n, const double *L, int ldl)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += 2.0 * log(L[i * ldl + i]);
    return s;
}

void tl__sym6(double P[6][6])
{
    for (int i = 0; i < 6; i++)
        for (int j = i + 1; j < 6; j++) {
            double a = 0.5 * (P[i][j] + P[j][i]);
            P[i][j] = P[j][i] = a;
        }
}

int tl_cov_check(const double P[6][6])
{
    double L[36];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            if (!isfinite(P[i][j]))
                return 0;
            if (fabs(P[i][j] - P[j][i]) > 1e-9 * sqrt(fabs(P[i][i] * P[j][j])) + 1e-300)
                return 0;
        }
    return tl__ekf_chol6(P, (double(*)[6])L) == 0;
}

int tl__spd_inv4(int n, const double S[4][4], double Si[4][4], double *log_det)
{
    double L[4][4] = {{0}}, Li[4][4] = {{0}};
    if (tl__chol(n, &S[0][0], 4, &L[0][0], 4) != 0)
        return -1;
    double ld = 0.0;
    for (int i = 0; i < n; i++) {
        Li[i][i] = 1.0 / L[i][i];
        ld += 2.0 * log(L[i][i]);
        for (int j = 0; j < i; j++) {
            double a = 0.0;
            for (int k = j; k < i; k++)
                a -= L[i][k] * Li[k][j];
            Li[i][j] = a * Li[i][i];
        }
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double a = 0.0;
            for (int k = 0; k < 4; k++) /* Li is zero beyond n */
                a += Li[k][i] * Li[k][j];
            Si[i][j] = a;
        }
    *log_det = ld;
    return 0;
}
