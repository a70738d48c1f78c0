/* integrate.c — adaptive Dormand-Prince 5(4) integration of the ballistic equations of
 * motion with event location (ground contact, apsis).
 *
 * Dormand & Prince, "A family of embedded Runge-Kutta formulae", J. Comp. Appl. Math.
 * 6 (1980): 7 stages, first-same-as-last, local extrapolation (the 5th-order solution
 * is propagated, the 4th-order one only measures the error). The step controller is
 * the usual one (Hairer, Norsett & Wanner, "Solving ODEs I", II.4) with an absolute
 * tolerance per component. In vacuum steps grow to minutes; in the atmosphere drag
 * shrinks them automatically. A descending trajectory's step is also capped near the
 * level it is about to cross, and the crossing itself is found by safeguarded Newton
 * (height events: the rate of the geodetic height is v . n_up) or Illinois regula falsi
 * (apsis events) on the length of a single step from the last accepted state.
 */
#include "predict/predict_int.h"
#include "trilink/geo.h"

#include <math.h>

static const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
static const double A21 = 1.0 / 5;
static const double A31 = 3.0 / 40, A32 = 9.0 / 40;
static const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
static const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561,
                    A54 = -212.0 / 729;
static const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247,
                    A64 = 49.0 / 176, A65 = -5103.0 / 18656;
static const double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784,
                    B6 = 11.0 / 84;
static const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920,
                    E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;

/* Derivative. Drag only where there is air: above a geocentric radius of the polar
 * radius + 130 km every point is more than 130 km above the ellipsoid, where drag on a
 * re-entry body is below 1e-5 m/s^2. Below, the drag term of dynamics.h is evaluated
 * with the height measured along the radius to the ellipsoid instead of along the
 * normal (no iterative geodetic conversion): the two differ by h * (1 - cos d), d < 3.4
 * mrad the angle between radius and normal, i.e. < 0.6 m at 100 km, a 1e-4 relative
 * change of density. The rest of the force model is tl_dyn_deriv's. */
#define B_POLAR 6356752.314245
#define DRAG_CEILING_R2 ((B_POLAR + 130e3) * (B_POLAR + 130e3))

static void deriv(const tl__integ *ig, const double x[6], double dx[6])
{
    double r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
    tl_dyn_model m = ig->model;
    int drag = (m.flags & TL_DYN_DRAG) && m.beta_kg_m2 > 0.0 && r2 <= DRAG_CEILING_R2;
    m.flags &= ~(unsigned)TL_DYN_DRAG;
    tl_dyn_deriv(&m, x, dx);
    if (!drag)
        return;
    double r = sqrt(r2), sz = x[2] / r, cz2 = 1.0 - sz * sz;
    const double a = TL_WGS84_A, b = B_POLAR;
    double re = a * b / sqrt(b * b * cz2 + a * a * sz * sz);
    double rho = tl_atmo_density(r - re);
    if (!(rho > 0.0))
        return;
    double vr[3] = {x[3], x[4], x[5]};
    if (!(m.flags & TL_DYN_ROTATION)) { /* inertial frame: the air moves at w x r */
        vr[0] += m.omega * x[1];
        vr[1] -= m.omega * x[0];
    }
    double v = sqrt(vr[0] * vr[0] + vr[1] * vr[1] + vr[2] * vr[2]);
    double k = -0.5 * rho * v / m.beta_kg_m2;
    dx[3] += k * vr[0];
    dx[4] += k * vr[1];
    dx[5] += k * vr[2];
}

/* One DP step of h from x with k1 = f(x): x5 and k7 = f(x5); returns the scaled error. */
static double dp_step(const tl__integ *ig, const double x[6], const double k1[6], double h,
                      double x5[6], double k7[6])
{
    double k2[6], k3[6], k4[6], k5[6], k6[6], y[6];
    (void)C2, (void)C3, (void)C4, (void)C5; /* autonomous system: stage times unused */
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + h * A21 * k1[i];
    deriv(ig, y, k2);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + h * (A31 * k1[i] + A32 * k2[i]);
    deriv(ig, y, k3);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
    deriv(ig, y, k4);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
    deriv(ig, y, k5);
    for (int i = 0; i < 6; i++)
        y[i] = x[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
    deriv(ig, y, k6);
    for (int i = 0; i < 6; i++)
        x5[i] = x[i] + h * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]);
    deriv(ig, x5, k7);
    double err = 0.0;
    for (int i = 0; i < 6; i++) {
        double e = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] +
                        E7 * k7[i]);
        double s = fabs(e) / (i < 3 ? ig->tol_pos_m : ig->tol_vel_mps);
        if (!(s <= err)) /* also catches NaN */
            err = isfinite(s) ? s : INFINITY;
    }
    return err;
}

void tl__height_rate(const double x[6], double *h_m, double *hdot_mps)
{
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    double cl = cos(g.lat_rad);
    double up[3] = {cl * cos(g.lon_rad), cl * sin(g.lon_rad), sin(g.lat_rad)};
    *h_m = g.h_m;
    if (hdot_mps)
        *hdot_mps = x[3] * up[0] + x[4] * up[1] + x[5] * up[2];
}

/* event function: > 0 before the event, <= 0 at/after it; *dg = dg/dtau (height only) */
static double event_g(int event, double level, double dir, const double x[6], double *dg)
{
    double h, hd;
    tl__height_rate(x, &h, &hd);
    if (event == TL__EV_HEIGHT) {
        *dg = dir * hd;
        return h - level;
    }
    *dg = NAN;
    return dir * hd;
}

/* Locate the event inside the accepted step [0, step] (magnitudes, dir gives the sign). */
static void refine(const tl__integ *ig, int event, double level, double dir, const double x0[6],
                   const double k1[6], double step, double g0, double g1, double x_out[6],
                   double *tau_out)
{
    double lo = 0.0, hi = step, glo = g0, ghi = g1;
    double tau = step * g0 / (g0 - g1);
    double xt[6], k7[6], best[6];
    double best_tau = step;
    int side = 0;
    for (int i = 0; i < 6; i++)
        best[i] = x_out[i];
    for (int it = 0; it < 40; it++) {
        if (!(tau > lo && tau < hi))
            tau = 0.5 * (lo + hi);
        dp_step(ig, x0, k1, dir * tau, xt, k7);
        double dg, g = event_g(event, level, dir, xt, &dg);
        for (int i = 0; i < 6; i++)
            best[i] = xt[i];
        best_tau = tau;
        double tol = (event == TL__EV_HEIGHT) ? 1e-4 : 1e-7;
        if (fabs(g) <= tol || hi - lo < 1e-7)
            break;
        if (g > 0) {
            lo = tau;
            glo = g;
            if (side == 1)
                ghi *= 0.5;
            side = 1;
        } else {
            hi = tau;
            ghi = g;
            if (side == -1)
                glo *= 0.5;
            side = -1;
        }
        if (event == TL__EV_HEIGHT && dg < 0.0)
            tau = tau - g / dg; /* Newton; falls back to bisection outside the bracket */
        else
            tau = lo + (hi - lo) * glo / (glo - ghi);
    }
    for (int i = 0; i < 6; i++)
        x_out[i] = best[i];
    *tau_out = best_tau;
}

int tl__integ_run(const tl__integ *ig, double x[6], double span_s, int event, double level_m,
                  double *t_s, double *h_io)
{
    double dir = span_s < 0 ? -1.0 : 1.0;
    double total = fabs(span_s), t = 0.0;
    double h = (h_io && *h_io > 0) ? *h_io : 10.0;
    double k1[6], k7[6], xn[6], dg = 0.0;
    double g0 = 0.0;
    deriv(ig, x, k1);
    if (event)
        g0 = event_g(event, level_m, dir, x, &dg);
    for (int iter = 0; iter < 200000 && t < total; iter++) {
        double step = h < ig->max_step_s ? h : ig->max_step_s;
        if (step > total - t)
            step = total - t;
        if (event == TL__EV_HEIGHT && dg < 0.0 && g0 > 0.0) {
            double guard = 1.2 * g0 / -dg + 0.5; /* do not dive far below the level */
            if (step > guard)
                step = guard;
        }
        double err = dp_step(ig, x, k1, dir * step, xn, k7);
        if (!(err <= 1.0)) {
            double f = isfinite(err) ? 0.9 * pow(err, -0.2) : 0.1;
            h = step * (f < 0.1 ? 0.1 : f);
            if (h < 1e-6)
                return -1;
            continue;
        }
        if (event) {
            double dgn, gn = event_g(event, level_m, dir, xn, &dgn);
            if (g0 > 0.0 && gn <= 0.0) {
                double tau;
                refine(ig, event, level_m, dir, x, k1, step, g0, gn, xn, &tau);
                for (int i = 0; i < 6; i++)
                    x[i] = xn[i];
                *t_s = dir * (t + tau);
                if (h_io)
                    *h_io = step;
                return 1;
            }
            g0 = gn;
            dg = dgn;
        }
        for (int i = 0; i < 6; i++) {
            x[i] = xn[i];
            k1[i] = k7[i];
        }
        t += step;
        double f = err > 1e-10 ? 0.9 * pow(err, -0.2) : 5.0;
        h = step * (f > 5.0 ? 5.0 : f);
    }
    if (h_io)
        *h_io = h;
    *t_s = dir * t;
    return t >= total ? 0 : -1;
}
