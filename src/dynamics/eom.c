/* eom.c — gravity, rotating-frame terms, drag, and the fixed-step RK4 propagator.
 *
 * J2 acceleration: Vallado, "Fundamentals of Astrodynamics and Applications", 4th ed.,
 * eq. 8-30 (zonal harmonics). Drag uses the velocity relative to the atmosphere,
 * which co-rotates with the Earth: in the ECEF frame that is the ECEF velocity.
 */
#include "trilink/dynamics.h"
#include "trilink/geo.h"

#include <math.h>

void tl_dyn_model_default(tl_dyn_model *m)
{
    m->flags = TL_DYN_J2 | TL_DYN_ROTATION | TL_DYN_DRAG;
    m->gm = TL_WGS84_GM;
    m->re_m = TL_WGS84_A;
    m->j2 = TL_WGS84_J2;
    m->omega = TL_WGS84_OMEGA;
    m->beta_kg_m2 = 0.0;
}

void tl_dyn_gravity(const tl_dyn_model *m, const double p[3], double g[3])
{
    double r2 = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
    double r = sqrt(r2), r3 = r2 * r;
    double k = -m->gm / r3;
    g[0] = k * p[0];
    g[1] = k * p[1];
    g[2] = k * p[2];
    if (m->flags & TL_DYN_J2) {
        double z2r2 = p[2] * p[2] / r2;
        double c = -1.5 * m->j2 * m->gm * m->re_m * m->re_m / (r2 * r3);
        g[0] += c * p[0] * (1.0 - 5.0 * z2r2);
        g[1] += c * p[1] * (1.0 - 5.0 * z2r2);
        g[2] += c * p[2] * (3.0 - 5.0 * z2r2);
    }
}

double tl_dyn_potential(const tl_dyn_model *m, const double p[3])
{
    double r2 = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
    double r = sqrt(r2);
    double u = -m->gm / r;
    if (m->flags & TL_DYN_J2) {
        double s2 = p[2] * p[2] / r2; /* sin^2 of geocentric latitude */
        u += m->gm / r * m->j2 * (m->re_m * m->re_m / r2) * 0.5 * (3.0 * s2 - 1.0);
    }
    return u;
}

void tl_dyn_accel(const tl_dyn_model *m, const double x[6], double a[3])
{
    tl_dyn_gravity(m, x, a);
    if (m->flags & TL_DYN_ROTATION) {
        double w = m->omega;
        /* -2 w x v - w x (w x r), w = (0, 0, w) */
        a[0] += 2.0 * w * x[4] + w * w * x[0];
        a[1] += -2.0 * w * x[3] + w * w * x[1];
    }
    if ((m->flags & TL_DYN_DRAG) && m->beta_kg_m2 > 0.0) {
        tl_geodetic g;
        double h;
        double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
        if (r - TL_WGS84_A < 1.2e6) { /* cheap reject: far above any atmosphere */
            tl_ecef_to_geodetic(x, &g);
            h = g.h_m;
            double rho = tl_atmo_density(h);
            if (rho > 0.0) {
                double vrel[3] = {x[3], x[4], x[5]};
                if (!(m->flags & TL_DYN_ROTATION)) {
                    /* inertial frame: the atmosphere moves at w x r */
                    vrel[0] += m->omega * x[1];
                    vrel[1] -= m->omega * x[0];
                }
                double v = sqrt(vrel[0] * vrel[0] + vrel[1] * vrel[1] + vrel[2] * vrel[2]);
                double k = -0.5 * rho * v / m->beta_kg_m2;
                a[0] += k * vrel[0];
                a[1] += k * vrel[1];
                a[2] += k * vrel[2];
            }
        }
    }
}

void tl_dyn_deriv(const tl_dyn_model *m, const double x[6], double dx[6])
{
    dx[0] = x[3];
    dx[1] = x[4];
    dx[2] = x[5];
    tl_dyn_accel(m, x, dx + 3);
}

void tl_dyn_rk4_step(const tl_dyn_model *m, double x[6], double dt)
{
    double k1[6], k2[6], k3[6], k4[6], y[6];
    tl_dyn_deriv(m, x, k1);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + 0.5 * dt * k1[i];
    tl_dyn_deriv(m, y, k2);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + 0.5 * dt * k2[i];
    tl_dyn_deriv(m, y, k3);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + dt * k3[i];
    tl_dyn_deriv(m, y, k4);
    for (int i = 0; i < 6; i++)
        x[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
}

void tl_dyn_propagate(const tl_dyn_model *m, double x[6], double dt, double max_step)
{
    if (dt == 0.0)
        return;
    if (!(max_step > 0.0))
        max_step = 1.0;
    int n = (int)ceil(fabs(dt) / max_step);
    double h = dt / n;
    for (int i = 0; i < n; i++)
        tl_dyn_rk4_step(m, x, h);
}
