/* meas.c — measurement models: radar (range, azimuth, elevation, optional range
 * rate) from a geodetic site, IR line of sight from a GEO satellite (plot.h
 * conventions: z = [atan2(u_y, u_x), asin(u_z)] of the ECEF unit vector), and a
 * linear position fix. Analytic Jacobians; angle residuals wrapped to (-pi, pi].
 * Geometry: Bar-Shalom et al. (2001) sec. 10.4 (polar measurements). */
#include "trilink/filter.h"
#include "trilink/geo.h"

#include <math.h>
#include <string.h>

/* Residuals are almost always already in range: skip fmod then. */
static inline double wrap_pi(double a)
{
    return (a > -TL_PI && a <= TL_PI) ? a : tl_wrap_pi(a);
}

void tl_meas_from_plot(const tl_plot *p, tl_meas *m)
{
    memset(m, 0, sizeof *m);
    m->kind = p->kind;
    m->nz = p->nz;
    m->t_ns = p->t_ns;
    for (int i = 0; i < p->nz && i < 4; i++) {
        m->z[i] = p->z[i];
        m->R[i] = p->sigma[i] * p->sigma[i];
    }
    memcpy(m->site_ecef, p->site_ecef, sizeof m->site_ecef);
    if (p->kind == TL_PLOT_RADAR)
        tl_enu_matrix(p->site.lat_rad, p->site.lon_rad, m->enu);
}

static void radar_h(const tl_meas *m, const double x[6], double z[4], double H[4][6])
{
    double d[3] = {x[0] - m->site_ecef[0], x[1] - m->site_ecef[1], x[2] - m->site_ecef[2]};
    double e = 0, n = 0, u = 0;
    for (int k = 0; k < 3; k++) {
        e += m->enu[0][k] * d[k];
        n += m->enu[1][k] * d[k];
        u += m->enu[2][k] * d[k];
    }
    double rho2 = e * e + n * n, rho = sqrt(rho2);
    double r2 = rho2 + u * u, r = sqrt(r2);
    z[0] = r;
    double az = atan2(e, n); /* (-pi, pi] */
    z[1] = az < 0.0 ? az + 2.0 * TL_PI : az;
    z[2] = atan2(u, rho);
    if (m->nz > 3)
        z[3] = (d[0] * x[3] + d[1] * x[4] + d[2] * x[5]) / r;
    if (!H)
        return;
    memset(H, 0, 4 * 6 * sizeof(double));
    /* partials w.r.t. (e, n, u), then chain through the ENU rotation */
    double dr[3] = {e / r, n / r, u / r};
    double daz[3] = {n / rho2, -e / rho2, 0.0};
    double del[3] = {-e * u / (r2 * rho), -n * u / (r2 * rho), rho / r2};
    for (int k = 0; k < 3; k++) {
        double c0 = 0, c1 = 0, c2 = 0;
        for (int a = 0; a < 3; a++) {
            c0 += dr[a] * m->enu[a][k];
            c1 += daz[a] * m->enu[a][k];
            c2 += del[a] * m->enu[a][k];
        }
        H[0][k] = c0;
        H[1][k] = c1;
        H[2][k] = c2;
    }
    if (m->nz > 3) {
        double rr = z[3];
        for (int k = 0; k < 3; k++) {
            H[3][k] = (x[3 + k] - rr * d[k] / r) / r;
            H[3][3 + k] = d[k] / r;
        }
    }
}

static void ir_h(const tl_meas *m, const double x[6], double z[4], double H[4][6])
{
    double d[3] = {x[0] - m->site_ecef[0], x[1] - m->site_ecef[1], x[2] - m->site_ecef[2]};
    double rho2 = d[0] * d[0] + d[1] * d[1], rho = sqrt(rho2);
    double r2 = rho2 + d[2] * d[2];
    z[0] = atan2(d[1], d[0]);
    z[1] = atan2(d[2], rho);
    if (!H)
        return;
    memset(H, 0, 4 * 6 * sizeof(double));
    H[0][0] = -d[1] / rho2;
    H[0][1] = d[0] / rho2;
    H[1][0] = -d[0] * d[2] / (r2 * rho);
    H[1][1] = -d[1] * d[2] / (r2 * rho);
    H[1][2] = rho / r2;
}

void tl_meas_h(const tl_meas *m, const double x[6], double z[4], double H[4][6])
{
    switch (m->kind) {
    case TL_PLOT_RADAR:
        radar_h(m, x, z, H);
        return;
    case TL_PLOT_IR:
        ir_h(m, x, z, H);
        return;
    default:
        for (int i = 0; i < 3; i++)
            z[i] = x[i];
        if (H) {
            memset(H, 0, 4 * 6 * sizeof(double));
            H[0][0] = H[1][1] = H[2][2] = 1.0;
        }
        return;
    }
}

void tl_meas_residual(const tl_meas *m, const double z[4], const double zhat[4], double nu[4])
{
    for (int i = 0; i < m->nz; i++)
        nu[i] = z[i] - zhat[i];
    if (m->kind == TL_PLOT_RADAR) {
        nu[1] = wrap_pi(nu[1]);
        nu[2] = wrap_pi(nu[2]);
    } else if (m->kind == TL_PLOT_IR) {
        nu[0] = wrap_pi(nu[0]);
        nu[1] = wrap_pi(nu[1]);
    }
}

int tl_meas_position(const tl_meas *m, double pos[3], double P[3][3])
{
    if (m->kind == TL_MEAS_POS) {
        memset(P, 0, 9 * sizeof(double));
        for (int i = 0; i < 3; i++) {
            pos[i] = m->z[i];
            P[i][i] = m->R[i];
        }
        return 0;
    }
    if (m->kind != TL_PLOT_RADAR)
        return -1;
    double r = m->z[0], az = m->z[1], el = m->z[2];
    double ce = cos(el), se = sin(el), ca = cos(az), sa = sin(az);
    double enu[3] = {r * ce * sa, r * ce * ca, r * se};
    /* d enu / d (r, az, el) */
    double J[3][3] = {{ce * sa, r * ce * ca, -r * se * sa},
                      {ce * ca, -r * ce * sa, -r * se * ca},
                      {se, 0.0, r * ce}};
    double Penu[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++)
                s += J[i][k] * m->R[k] * J[j][k];
            Penu[i][j] = s;
        }
    /* ECEF = site + E^T enu; P = E^T Penu E */
    for (int i = 0; i < 3; i++) {
        double s = m->site_ecef[i];
        for (int k = 0; k < 3; k++)
            s += m->enu[k][i] * enu[k];
        pos[i] = s;
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    s += m->enu[a][i] * Penu[a][b] * m->enu[b][j];
            P[i][j] = s;
        }
    return 0;
}
