/* dp45.c — the adaptive Dormand-Prince 5(4) integrator with event location.
 *
 * Tableau: J. R. Dormand and P. J. Prince, "A family of embedded Runge-Kutta
 * formulae", J. Comp. Appl. Math. 6(1) 1980, 19-26 (the 5th-order solution is
 * propagated, "local extrapolation"; the 4th-order one only estimates the error).
 * Step-size control: Hairer, Norsett & Wanner, "Solving ODEs I", 2nd ed., II.4
 * (scaled RMS error norm, safety factor 0.9, growth limited to [0.2, 5]).
 *
 * Events: after an accepted step over which g changes sign in the requested
 * direction, the crossing is located by the Illinois variant of regula falsi on
 * tau in (0, h], each trial state being one DP step of tau from the step start —
 * the same 5th-order method, so the located state is as accurate as a step.
 */
#include "trilink/dynamics.h"
#include "trilink/error.h"
#include "trilink/geo.h"

#include <math.h>
#include <string.h>

/* Butcher tableau (Dormand-Prince 1980, RK5(4)7M). */
static const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
static const double A21 = 1.0 / 5;
static const double A31 = 3.0 / 40, A32 = 9.0 / 40;
static const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
static const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561,
                    A54 = -212.0 / 729;
static const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176,
                    A65 = -5103.0 / 18656;
static const double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784,
                    B6 = 11.0 / 84;
/* error coefficients e = b(5th) - b*(4th) */
static const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200,
                    E6 = 22.0 / 525, E7 = -1.0 / 40;

void tl_dp45_opts_default(tl_dp45_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rtol = 1e-10;
    o->atol_pos_m = 1e-4;
    o->atol_vel_mps = 1e-7;
    o->max_steps = 1000000;
    o->event_tol = 1e-4;
}

/* One step from (t, x) with k1 = f(t, x) given; k7 = f(t+h, xo) returned (FSAL). */
static void dp_step_k1(tl_ode6_fn f, void *ctx, double t, const double x[6], const double k1[6],
                       double h, double xo[6], double err[6], double k7[6])
{
    double k2[6], k3[6], k4[6], k5[6], k6[6], y[6];
    int i;
    for (i = 0; i < 6; i++)
        y[i] = x[i] + h * A21 * k1[i];
    f(ctx, t + C2 * h, y, k2);
    for (i = 0; i < 6; i++)
        y[i] = x[i] + h * (A31 * k1[i] + A32 * k2[i]);
    f(ctx, t + C3 * h, y, k3);
    for (i = 0; i < 6; i++)
        y[i] = x[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
    f(ctx, t + C4 * h, y, k4);
    for (i = 0; i < 6; i++)
        y[i] = x[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
    f(ctx, t + C5 * h, y, k5);
    for (i = 0; i < 6; i++)
        y[i] = x[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
    f(ctx, t + h, y, k6);
    for (i = 0; i < 6; i++)
        xo[i] = x[i] + h * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]);
    if (k7 || err) {
        double kk[6];
        double *k = k7 ? k7 : kk;
        f(ctx, t + h, xo, k);
        if (err)
            for (i = 0; i < 6; i++)
                err[i] = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] +
                              E7 * k[i]);
    }
}

void tl_dp45_step(tl_ode6_fn f, void *ctx, double t, const double x[6], double h, double x_out[6],
                  double err_out[6])
{
    double k1[6], xo[6];
    f(ctx, t, x, k1);
    dp_step_k1(f, ctx, t, x, k1, h, xo, err_out, NULL);
    memcpy(x_out, xo, sizeof xo);
}

static double err_norm(const tl_dp45_opts *o, const double x[6], const double xn[6],
                       const double e[6])
{
    double s = 0.0;
    for (int i = 0; i < 6; i++) {
        double sc =
            (i < 3 ? o->atol_pos_m : o->atol_vel_mps) + o->rtol * fmax(fabs(x[i]), fabs(xn[i]));
        double r = e[i] / sc;
        s += r * r;
    }
    return sqrt(s / 6.0);
}

static int crossed(int dir, double g0, double g1)
{
    if (dir < 0)
        return g0 > 0.0 && g1 <= 0.0;
    if (dir > 0)
        return g0 < 0.0 && g1 >= 0.0;
    return (g0 > 0.0 && g1 <= 0.0) || (g0 < 0.0 && g1 >= 0.0);
}

/* Locate the event inside the accepted step (t0, x0) -> (t0 + h, x1). */
static void locate_event(tl_ode6_fn f, void *ctx, const tl_dp45_opts *o, double t0,
                         const double x0[6], const double k1[6], double h, double g0, double g1,
                         const double x1[6], double *t_ev, double x_ev[6], long *fevals)
{
    double a = 0.0, b = h, ga = g0, gb = g1;
    double xb[6];
    memcpy(xb, x1, sizeof xb);
    int side = 0;
    for (int it = 0; it < 100; it++) {
        if (fabs(gb) <= o->event_tol || fabs(b - a) < 1e-9)
            break;
        double tau = (a * gb - b * ga) / (gb - ga);
        if (!(tau > fmin(a, b) && tau < fmax(a, b)))
            tau = 0.5 * (a + b);
        double xt[6];
        dp_step_k1(f, ctx, t0, x0, k1, tau, xt, NULL, NULL);
        *fevals += 5;
        double gt = o->event(o->event_ctx, t0 + tau, xt);
        if (crossed(o->event_dir, ga, gt) || gt == 0.0) {
            /* root in (a, tau]: move b */
            b = tau;
            gb = gt;
            memcpy(xb, xt, sizeof xb);
            if (side == -1)
                ga *= 0.5;
            side = -1;
        } else {
            a = tau;
            ga = gt;
            if (side == 1)
                gb *= 0.5;
            side = 1;
        }
        if (fabs(gt) <= o->event_tol) {
            b = tau;
            memcpy(xb, xt, sizeof xb);
            break;
        }
    }
    *t_ev = t0 + b;
    memcpy(x_ev, xb, sizeof xb);
}

int tl_dp45_integrate(tl_ode6_fn f, void *ctx, double *t_s, double x[6], double t_end,
                      const tl_dp45_opts *o, tl_dp45_stats *st)
{
    tl_dp45_stats local = {0, 0, 0, 0.0};
    tl_dp45_stats *s = st ? st : &local;
    memset(s, 0, sizeof *s);
    double t = *t_s;
    for (int i = 0; i < 6; i++)
        if (!isfinite(x[i]))
            return TL_EINVAL;
    if (!isfinite(t) || !isfinite(t_end))
        return TL_EINVAL;
    if (t == t_end)
        return TL_OK;
    double dir = t_end > t ? 1.0 : -1.0;
    double k1[6], xn[6], e[6], k7[6];
    f(ctx, t, x, k1);
    s->fevals = 1;
    double h = o->h_init_s;
    if (!(h > 0.0)) {
        /* Hairer's starting-step heuristic, simplified: |x| / |x'| scaled. */
        double d0 = 0.0, d1 = 0.0;
        for (int i = 0; i < 6; i++) {
            double sc = (i < 3 ? o->atol_pos_m : o->atol_vel_mps) + o->rtol * fabs(x[i]);
            d0 += (x[i] / sc) * (x[i] / sc);
            d1 += (k1[i] / sc) * (k1[i] / sc);
        }
        h = (d0 < 1e-10 || d1 < 1e-10) ? 1e-3 : 0.01 * sqrt(d0 / d1);
        h = fmin(h, 10.0);
    }
    double hmax = o->h_max_s > 0.0 ? o->h_max_s : INFINITY;
    double g0 = o->event ? o->event(o->event_ctx, t, x) : 0.0;
    long attempts = 0;
    for (;;) {
        if (attempts++ >= o->max_steps)
            goto fail;
        h = fmin(fmin(h, hmax), fabs(t_end - t));
        int last = (h >= fabs(t_end - t));
        double hs = dir * h;
        dp_step_k1(f, ctx, t, x, k1, hs, xn, e, k7);
        s->fevals += 6;
        double en = err_norm(o, x, xn, e);
        if (!isfinite(en)) {
            h *= 0.2;
            s->rejected++;
            if (h < 1e-12 * fmax(1.0, fabs(t)))
                goto fail;
            continue;
        }
        double fac = en > 0.0 ? 0.9 * pow(en, -0.2) : 5.0;
        fac = fmin(5.0, fmax(0.2, fac));
        if (en > 1.0) {
            h *= fmin(fac, 0.9);
            s->rejected++;
            if (h < 1e-12 * fmax(1.0, fabs(t)))
                goto fail;
            continue;
        }
        /* accepted */
        s->steps++;
        s->h_last_s = hs;
        double tn = last ? t_end : t + hs;
        if (o->event) {
            double g1 = o->event(o->event_ctx, tn, xn);
            if (crossed(o->event_dir, g0, g1)) {
                double te, xe[6];
                locate_event(f, ctx, o, t, x, k1, hs, g0, g1, xn, &te, xe, &s->fevals);
                *t_s = te;
                memcpy(x, xe, sizeof xe);
                return 1;
            }
            g0 = g1;
        }
        t = tn;
        memcpy(x, xn, sizeof xn);
        memcpy(k1, k7, sizeof k7);
        if (last) {
            *t_s = t;
            return TL_OK;
        }
        h *= fac;
    }
fail:
    *t_s = t;
    return TL_ENOCONV;
}

void tl_dyn_ode(void *ctx, double t_s, const double x[6], double dx[6])
{
    (void)t_s;
    tl_dyn_deriv((const tl_dyn_model *)ctx, x, dx);
}

double tl_dyn_event_height(void *ctx, double t_s, const double x[6])
{
    (void)ctx;
    (void)t_s;
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    return g.h_m;
}

double tl_dyn_event_vspeed(void *ctx, double t_s, const double x[6])
{
    (void)ctx;
    (void)t_s;
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    double cl = cos(g.lat_rad);
    double n[3] = {cl * cos(g.lon_rad), cl * sin(g.lon_rad), sin(g.lat_rad)};
    return n[0] * x[3] + n[1] * x[4] + n[2] * x[5];
}

double tl_dyn_jacobi(const tl_dyn_model *m, const double x[6])
{
    double v2 = x[3] * x[3] + x[4] * x[4] + x[5] * x[5];
    double c = 0.0;
    if (m->flags & TL_DYN_ROTATION)
        c = 0.5 * m->omega * m->omega * (x[0] * x[0] + x[1] * x[1]);
    return 0.5 * v2 + tl_dyn_potential(m, x) - c;
}

int tl_dyn_propagate_dp45(const tl_dyn_model *m, double x[6], double dt_s, double rtol)
{
    tl_dp45_opts o;
    tl_dp45_opts_default(&o);
    if (rtol > 0.0) {
        o.rtol = rtol;
        o.atol_pos_m = rtol * 1e6;
        o.atol_vel_mps = rtol * 1e3;
    }
    double t = 0.0;
    int rc = tl_dp45_integrate(tl_dyn_ode, (void *)m, &t, x, dt_s, &o, NULL);
    return rc == TL_OK ? TL_OK : TL_ENOCONV;
}

static int propagate_to_event(const tl_dyn_model *m, double x[6], double max_s, double *t_s,
                              tl_event6_fn ev, double tol)
{
    tl_dp45_opts o;
    tl_dp45_opts_default(&o);
    o.atol_pos_m = 1e-3;
    o.atol_vel_mps = 1e-6;
    o.event = ev;
    o.event_dir = -1;
    o.event_tol = tol;
    double t = 0.0;
    int rc = tl_dp45_integrate(tl_dyn_ode, (void *)m, &t, x, max_s, &o, NULL);
    if (t_s)
        *t_s = t;
    if (rc == 1)
        return TL_OK;
    return rc == TL_OK ? TL_ENOCONV : rc;
}

int tl_dyn_propagate_to_impact(const tl_dyn_model *m, double x[6], double max_s, double *t_s)
{
    return propagate_to_event(m, x, max_s, t_s, tl_dyn_event_height, 1e-4);
}

int tl_dyn_propagate_to_apogee(const tl_dyn_model *m, double x[6], double max_s, double *t_s)
{
    return propagate_to_event(m, x, max_s, t_s, tl_dyn_event_vspeed, 1e-7);
}
