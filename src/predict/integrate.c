/* integrate.c — the prediction module's flights: the ballistic right-hand side it
 * integrates (drag only where there is air, a tabulated density) and event location
 * (ground contact at a height level, apsis), on top of dynamics.h's adaptive
 * Dormand-Prince 5(4) integrator (tl_dp45_integrate: Dormand & Prince 1980, controller
 * after Hairer, Norsett & Wanner) with absolute tolerances only. In vacuum the steps grow
 * to minutes; in the atmosphere drag shrinks them. Crossings are located by the
 * integrator's regula falsi on single steps from the last accepted state.
 */
#include "predict/predict_int.h"
#include "trilink/error.h"
#include "trilink/geo.h"

#include <math.h>
#include <pthread.h>

/* Derivative. Drag only where there is air: above a geocentric radius of the polar
 * radius + 130 km every point is more than 130 km above the ellipsoid, where drag on a
 * re-entry body is below 1e-5 m/s^2. Below, the drag term of dynamics.h is evaluated
 * with the height measured along the radius to the ellipsoid instead of along the
 * normal (no iterative geodetic conversion): the two differ by h * (1 - cos d), d < 3.4
 * mrad the angle between radius and normal, i.e. < 0.6 m at 100 km, a 1e-4 relative
 * change of density. The rest of the force model is tl_dyn_deriv's. */
#define B_POLAR 6356752.314245
#define DRAG_CEILING_R2 ((B_POLAR + 130e3) * (B_POLAR + 130e3))

/* Density of dynamics.h's atmosphere, tabulated once as ln(rho) every 100 m from -1 km to
 * 131 km and interpolated linearly in ln(rho): the 1976 profile is exponential-like with
 * a slowly varying scale height, so the relative error is below 1e-6 — and a table
 * lookup replaces the pow() of the layer formulas on every derivative evaluation. */
#define RHO_H0 (-1000.0)
#define RHO_DH 100.0
#define RHO_N 1321
static double ln_rho_tab[RHO_N];
static pthread_once_t rho_once = PTHREAD_ONCE_INIT;

static void rho_init(void)
{
    for (int i = 0; i < RHO_N; i++)
        ln_rho_tab[i] = log(tl_atmo_density(RHO_H0 + RHO_DH * i));
}

static double density(double h)
{
    double u = (h - RHO_H0) / RHO_DH;
    if (!(u >= 0.0) || u >= RHO_N - 1)
        return tl_atmo_density(h);
    int i = (int)u;
    double f = u - i;
    return exp(ln_rho_tab[i] + f * (ln_rho_tab[i + 1] - ln_rho_tab[i]));
}

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
    double rho = density(r - re);
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

static void ode(void *ctx, double t_s, const double x[6], double dx[6])
{
    (void)t_s;
    deriv((const tl__integ *)ctx, x, dx);
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

typedef struct ev_ctx {
    int event;
    double level, dir;
} ev_ctx;

/* > 0 before the event, <= 0 at or after it, whatever the direction of time */
static double event_g(void *ctx, double t_s, const double x[6])
{
    const ev_ctx *e = ctx;
    double h, hd;
    (void)t_s;
    if (e->event == TL__EV_HEIGHT) {
        tl__height_rate(x, &h, NULL);
        return h - e->level;
    }
    tl__height_rate(x, &h, &hd);
    return e->dir * hd;
}

int tl__integ_run(const tl__integ *ig, double x[6], double span_s, int event, double level_m,
                  double *t_s, double *h_io)
{
    pthread_once(&rho_once, rho_init);
    ev_ctx ec = {event, level_m, span_s < 0 ? -1.0 : 1.0};
    tl_dp45_opts o;
    tl_dp45_opts_default(&o);
    o.rtol = 0.0;
    o.atol_pos_m = ig->tol_pos_m;
    o.atol_vel_mps = ig->tol_vel_mps;
    o.h_max_s = ig->max_step_s;
    o.h_init_s = (h_io && *h_io > 0) ? *h_io : 10.0;
    o.max_steps = 200000;
    if (event) {
        o.event = event_g;
        o.event_ctx = &ec;
        o.event_dir = -1;
        o.event_tol = event == TL__EV_HEIGHT ? 1e-4 : 1e-7;
    }
    double t = 0.0;
    tl_dp45_stats st;
    int rc = tl_dp45_integrate(ode, (void *)ig, &t, x, span_s, &o, &st);
    *t_s = t;
    if (h_io)
        *h_io = fabs(st.h_last_s);
    if (rc == 1)
        return 1;
    return rc == TL_OK ? 0 : -1;
}
