/* flight.c — missile flights: class presets, the boost phase (vertical rise,
 * pitch-over kick, gravity turn) with mass flow in the rotating ECEF frame, the
 * ballistic coast to apogee and impact, and the solver that finds the control
 * parameters reaching a requested (apogee, range) or (range, loft).
 *
 * Equations of motion: tl_dyn_accel (point mass + J2, Coriolis and centrifugal
 * terms, US76 drag) plus thrust/mass along the commanded direction; see
 * docs/physics.md. Integration: the adaptive Dormand-Prince 5(4) pair of dp45.c,
 * segment by segment between the discontinuities of the thrust programme
 * (kick start/end, staging, cut-off), with event location for apogee (vertical
 * speed zero) and impact (height zero on the WGS-84 ellipsoid).
 *
 * Solver: the boost has two controls, the kick angle (shapes the trajectory; the
 * apogee decreases monotonically with it) and the engine cut-off time (sets the
 * energy). For (apogee H, range D) it nests two safeguarded regula-falsi (Illinois)
 * searches: for a cut-off time the kick giving apogee H, then the cut-off time
 * whose flight lands at range D. The range used is *signed downrange* — negative
 * when the impact lies behind the launch site along the azimuth — so near-vertical
 * lofted shots, which Earth's rotation carries westwards, cannot satisfy the
 * request by landing behind the site. Loft requests map to an apogee (min-energy,
 * depressed) or fix the cut-off at full burn and take the high branch (lofted).
 * Space launchers fly a full burn and solve the upper-stage pitch for horizontal
 * (inertial) injection.
 */
#include "trilink/dynamics.h"
#include "trilink/flight.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define G0 9.80665
#define KICK_MAX_RAD 1.2
#define ORBIT_MIN_PERIGEE_M 120e3
#define TERMINAL_H_M 100e3
#define COAST_MAX_S (6.0 * 3600.0)
#define APOGEE_TOL_M 1.0
#define RANGE_TOL_M 20.0

/* ------------------------------------------------------------------ presets */

/* Order-of-magnitude figures after public analyses (docs/physics.md lists the
 * sources and the assumptions). Thrust is a constant vacuum-equivalent value:
 * thrust = Isp * g0 * prop / burn. */
/* clang-format off */
#define STG(isp, burn, prop, dry) {(isp) * G0 * (prop) / (burn), (burn), (prop), (dry)}

static const tl_missile_preset presets[TL_CLASS_COUNT] = {
    /*               stages: STG(Isp s, burn s, propellant kg, dry kg)            */
    {.cls = TL_CLASS_SRBM, .name = "srbm",
     .example = "Scud-C/ER-class single-stage liquid (Hwasong-6/9)",
     .n_stages = 1, .stage = {STG(240.0, 75.0, 4800.0, 900.0)},
     .payload_kg = 500.0, .diameter_m = 0.88, .cd_boost = 0.30, .beta_rv_kg_m2 = 6000.0,
     .t_vertical_s = 5.0, .t_kick_s = 8.0},
    {.cls = TL_CLASS_MRBM, .name = "mrbm",
     .example = "Nodong-class single-stage liquid (Hwasong-7)",
     .n_stages = 1, .stage = {STG(255.0, 110.0, 12900.0, 2000.0)},
     .payload_kg = 750.0, .diameter_m = 1.36, .cd_boost = 0.30, .beta_rv_kg_m2 = 8000.0,
     .t_vertical_s = 6.0, .t_kick_s = 10.0},
    {.cls = TL_CLASS_IRBM, .name = "irbm",
     .example = "Hwasong-12-class single-stage liquid",
     .n_stages = 1, .stage = {STG(310.0, 170.0, 25000.0, 2000.0)},
     .payload_kg = 650.0, .diameter_m = 1.65, .cd_boost = 0.30, .beta_rv_kg_m2 = 10000.0,
     .t_vertical_s = 6.0, .t_kick_s = 10.0},
    {.cls = TL_CLASS_ICBM, .name = "icbm",
     .example = "Hwasong-15/17-class two-stage liquid",
     .n_stages = 2, .stage = {STG(290.0, 110.0, 55000.0, 4500.0),
                              STG(320.0, 130.0, 11000.0, 1200.0)},
     .payload_kg = 700.0, .diameter_m = 2.0, .cd_boost = 0.30, .beta_rv_kg_m2 = 12000.0,
     .t_vertical_s = 8.0, .t_kick_s = 10.0},
    {.cls = TL_CLASS_SLV, .name = "slv",
     .example = "Unha-3-class three-stage space launcher",
     .n_stages = 3, .stage = {STG(250.0, 120.0, 65000.0, 6000.0),
                              STG(280.0, 110.0, 11000.0, 1500.0),
                              STG(300.0, 260.0, 1200.0, 300.0)},
     .payload_kg = 100.0, .diameter_m = 2.4, .cd_boost = 0.30, .beta_rv_kg_m2 = 2000.0,
     .t_vertical_s = 10.0, .t_kick_s = 10.0},
};
/* clang-format on */

/* fixed pitch-over kick of the space launcher (rad): shapes the first-stage climb */
#define SLV_KICK_RAD 0.12

const tl_missile_preset *tl_missile_preset_get(tl_missile_class c)
{
    if ((int)c < 0 || c >= TL_CLASS_COUNT)
        return NULL;
    return &presets[c];
}

double tl_missile_preset_burn_s(const tl_missile_preset *p)
{
    double t = 0.0;
    for (int i = 0; i < p->n_stages; i++)
        t += p->stage[i].burn_s;
    return t;
}

const char *tl_missile_class_name(tl_missile_class c)
{
    if (c == TL_CLASS_AUTO)
        return "auto";
    const tl_missile_preset *p = tl_missile_preset_get(c);
    return p ? p->name : "unknown";
}

int tl_missile_class_parse(const char *s, tl_missile_class *out)
{
    if (!s)
        return TL_EINVAL;
    char low[16];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof low)
        return TL_EINVAL;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)s[i]);
    if (!strcmp(low, "auto")) {
        *out = TL_CLASS_AUTO;
        return TL_OK;
    }
    for (int c = 0; c < TL_CLASS_COUNT; c++)
        if (!strcmp(low, presets[c].name)) {
            *out = (tl_missile_class)c;
            return TL_OK;
        }
    return TL_EINVAL;
}

const char *tl_phase_name(tl_phase p)
{
    switch (p) {
    case TL_PHASE_BOOST:
        return "boost";
    case TL_PHASE_MIDCOURSE:
        return "midcourse";
    case TL_PHASE_TERMINAL:
        return "terminal";
    case TL_PHASE_ORBIT:
        return "orbit";
    case TL_PHASE_DEBRIS:
        return "debris";
    case TL_PHASE_IMPACTED:
        return "impacted";
    }
    return "unknown";
}

/* ------------------------------------------------------------ small helpers */

static double dot3(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static double norm3(const double a[3])
{
    return sqrt(dot3(a, a));
}

int tl_flight_is_orbital(const double x[6], double *perigee_h_m, double *apogee_h_m)
{
    const double w = TL_WGS84_OMEGA, mu = TL_WGS84_GM;
    double r[3] = {x[0], x[1], x[2]};
    double v[3] = {x[3] - w * x[1], x[4] + w * x[0], x[5]}; /* inertial velocity */
    double rn = norm3(r);
    double eps = 0.5 * dot3(v, v) - mu / rn;
    double hv[3] = {r[1] * v[2] - r[2] * v[1], r[2] * v[0] - r[0] * v[2],
                    r[0] * v[1] - r[1] * v[0]};
    double h2 = dot3(hv, hv);
    double e = sqrt(fmax(0.0, 1.0 + 2.0 * eps * h2 / (mu * mu)));
    if (eps >= 0.0) {
        if (perigee_h_m)
            *perigee_h_m = h2 / (mu * (1.0 + e)) - TL_WGS84_A;
        if (apogee_h_m)
            *apogee_h_m = INFINITY;
        return 1;
    }
    double a = -mu / (2.0 * eps);
    double rp = a * (1.0 - e), ra = a * (1.0 + e);
    if (perigee_h_m)
        *perigee_h_m = rp - TL_WGS84_A;
    if (apogee_h_m)
        *apogee_h_m = ra - TL_WGS84_A;
    return rp - TL_WGS84_A > ORBIT_MIN_PERIGEE_M;
}

double tl_kepler_min_energy_apogee(double range_m, double r_m)
{
    /* Minimum-energy ellipse through two points at radius R, range angle phi apart:
     * 2a = (r1 + r2 + chord) / 2 and the empty focus is the chord midpoint, so the
     * focal distance 2ae = R cos(phi/2) (Lambert's problem, Bate-Mueller-White 5.2). */
    double phi = range_m / r_m;
    double a = 0.5 * r_m * (1.0 + sin(0.5 * phi));
    double ae = 0.5 * r_m * cos(0.5 * phi);
    return a + ae - r_m;
}

/* --------------------------------------------------------------- the flight */

typedef struct boost_ctx {
    const tl_missile_preset *p;
    tl_dyn_model model;
    double up[3], hdir[3]; /* launch-site up and heading (unit, ECEF) */
    double kick, alpha, t_v, t_k;
    int mode; /* 0 vertical, 1 kick, 2 gravity turn */
    int stage;
    double t0, m0, mdot, thrust;
    double cda; /* Cd * A for boost drag */
} boost_ctx;

static void boost_dir(const boost_ctx *c, double t, const double x[6], double d[3])
{
    if (c->mode == 0) {
        memcpy(d, c->up, 3 * sizeof(double));
        return;
    }
    if (c->mode == 1) {
        double th = c->kick * (t - c->t_v) / c->t_k;
        double ct = cos(th), st = sin(th);
        for (int i = 0; i < 3; i++)
            d[i] = ct * c->up[i] + st * c->hdir[i];
        return;
    }
    double v = norm3(x + 3);
    if (v < 1.0) {
        memcpy(d, c->up, 3 * sizeof(double));
        return;
    }
    double u[3] = {x[3] / v, x[4] / v, x[5] / v};
    if (c->alpha != 0.0 && c->stage >= 1) {
        double rn = norm3(x);
        double dn[3] = {-x[0] / rn, -x[1] / rn, -x[2] / rn};
        double k = dot3(dn, u);
        for (int i = 0; i < 3; i++)
            dn[i] -= k * u[i];
        double dl = norm3(dn);
        if (dl > 1e-9) {
            double ca = cos(c->alpha), sa = sin(c->alpha);
            for (int i = 0; i < 3; i++)
                d[i] = ca * u[i] + sa * dn[i] / dl;
            return;
        }
    }
    memcpy(d, u, sizeof u);
}

static void boost_ode(void *vctx, double t, const double x[6], double dx[6])
{
    boost_ctx *c = vctx;
    double m = c->m0 - c->mdot * (t - c->t0);
    c->model.beta_kg_m2 = m / c->cda;
    dx[0] = x[3];
    dx[1] = x[4];
    dx[2] = x[5];
    tl_dyn_accel(&c->model, x, dx + 3);
    if (c->thrust > 0.0) {
        double d[3];
        boost_dir(c, t, x, d);
        double a = c->thrust / m;
        dx[3] += a * d[0];
        dx[4] += a * d[1];
        dx[5] += a * d[2];
    }
}

/* Trajectory sampling while flying (NULL when only the summary is wanted). */
typedef struct sampler {
    tl_traj *tr;
    size_t cap;
    double dt, next;
    int failed;
} sampler;

static void sample_push(sampler *s, double t, const double x[6], const double acc[3], int phase,
                        int thrusting)
{
    if (s->failed)
        return;
    if (s->tr->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 256;
        tl_traj_point *np = realloc(s->tr->pts, nc * sizeof *np);
        if (!np) {
            s->failed = 1;
            return;
        }
        s->tr->pts = np;
        s->cap = nc;
    }
    tl_traj_point *p = &s->tr->pts[s->tr->n++];
    p->t_s = t;
    memcpy(p->x_ecef, x, 6 * sizeof(double));
    memcpy(p->acc_ecef, acc, 3 * sizeof(double));
    p->phase = phase;
    p->thrusting = thrusting;
}

typedef struct flyopt {
    int stop_at_apogee;  /* summary only up to apogee (inner solver loop) */
    int stop_at_burnout; /* boost only (launcher solver) */
    sampler *smp;
    double t_end_s; /* orbital sampling horizon */
} flyopt;

/* Phase of a coasting sample. */
static int coast_phase(const double x[6], int orbital)
{
    if (orbital)
        return TL_PHASE_ORBIT;
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    if (g.h_m < TERMINAL_H_M && tl_dyn_event_vspeed(NULL, 0, x) < 0.0)
        return TL_PHASE_TERMINAL;
    return TL_PHASE_MIDCOURSE;
}

/* Boost guard: a vehicle diving steeply in the lower atmosphere under thrust has
 * crashed (a wild control tried by the solver); integrating it further only makes the
 * steps collapse. */
static int boost_diving(const double x[6])
{
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    double v = norm3(x + 3);
    return g.h_m < 50e3 && v > 1.0 && tl_dyn_event_vspeed(NULL, 0, x) < -0.5 * v;
}

/* Integrate from *t to t_end, stopping at sample times to record samples (and every
 * 10 s in the boost, to check the dive guard). Returns as tl_dp45_integrate, or 2 when
 * the boost guard ends the flight. phase < 0: classify coasting samples. */
static int run(tl_ode6_fn f, void *ctx, double *t, double x[6], double t_end, tl_dp45_opts *o,
               sampler *s, int phase, int thrusting, int orbital)
{
    int guard = (phase == TL_PHASE_BOOST);
    if (!s && !guard)
        return tl_dp45_integrate(f, ctx, t, x, t_end, o, NULL);
    for (long it = 0; it < 100000000L; it++) {
        double stop = t_end;
        if (s)
            stop = fmin(stop, s->next);
        if (guard)
            stop = fmin(stop, *t + 10.0);
        tl_dp45_stats st;
        int rc = tl_dp45_integrate(f, ctx, t, x, stop, o, &st);
        if (rc != TL_OK)
            return rc;
        if (st.steps > 0)
            o->h_init_s = fabs(st.h_last_s);
        if (s && *t >= s->next) {
            double dx[6];
            f(ctx, *t, x, dx);
            sample_push(s, *t, x, dx + 3, phase >= 0 ? phase : coast_phase(x, orbital), thrusting);
            s->next += s->dt;
        }
        if (guard && boost_diving(x))
            return 2;
        if (*t >= t_end)
            return TL_OK;
    }
    return TL_ENOCONV;
}

static void flight_opts(tl_dp45_opts *o)
{
    tl_dp45_opts_default(o);
    o->rtol = 1e-10;
    o->atol_pos_m = 1e-3;
    o->atol_vel_mps = 1e-6;
    o->max_steps = 200000;
    o->event_tol = 1e-4;
}

static double geo_h(const double x[6])
{
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    return g.h_m;
}

/* Fill impact/range fields of f from the impact state. */
static void set_impact(tl_flight *f, const double x[6])
{
    tl_ecef_to_geodetic(x, &f->impact);
    double s12, azi1;
    tl_geodesic_inverse(f->req.launch.lat_rad, f->req.launch.lon_rad, f->impact.lat_rad,
                        f->impact.lon_rad, &s12, &azi1, NULL);
    f->range_m = s12;
    f->impact_azimuth_rad = tl_wrap_2pi(azi1);
}

/* Signed, unwrapped downrange of a flown flight, continuous in the controls: the
 * geodesic range, negative when the impact lies behind the site (along-track angle in
 * (-90, 0) deg on the launch azimuth's great circle), and continued past the antipode
 * (angle beyond 180 deg) as 2 s_half - range, s_half = half a meridian. */
static double signed_range(const tl_flight *f)
{
    if (f->orbital)
        return 1e9;                   /* overshoot: further than any range */
    const double s_half = 20003931.0; /* WGS-84 half meridian, m */
    double site[3], imp[3], er[3], et[3];
    tl_geodetic l = f->req.launch, i = f->impact;
    l.h_m = i.h_m = 0.0;
    tl_geodetic_to_ecef(&l, site);
    tl_geodetic_to_ecef(&i, imp);
    double rn = norm3(site);
    for (int k = 0; k < 3; k++)
        er[k] = site[k] / rn;
    double h_enu[3] = {sin(f->req.azimuth_rad), cos(f->req.azimuth_rad), 0.0};
    tl_vec_enu_to_ecef(l.lat_rad, l.lon_rad, h_enu, et);
    double th = atan2(dot3(imp, et), dot3(imp, er));
    if (th >= 0.0)
        return f->range_m;
    if (th > -0.5 * TL_PI)
        return -f->range_m;
    return 2.0 * s_half - f->range_m;
}

/* A suborbital flight whose perigee grazes the upper atmosphere can stay up for hours:
 * when no impact comes within COAST_MAX_S it counts as orbital (for the solver an
 * overshoot). */
static int skipping(tl_flight *f, const double x[6], double t)
{
    double apo_h;
    tl_flight_is_orbital(x, NULL, &apo_h);
    f->orbital = 1;
    f->apogee_m = fmax(f->apogee_m, apo_h);
    f->range_m = 0.0;
    f->flight_time_s = t;
    tl_ecef_to_geodetic(x, &f->impact);
    f->impact.h_m = 0.0;
    f->impact_azimuth_rad = f->req.azimuth_rad;
    return TL_OK;
}

static int fly(tl_flight *f, const flyopt *fo, tl_err *err)
{
    const tl_missile_preset *p = tl_missile_preset_get(f->cls);
    if (!p)
        return tl_err_set(err, TL_EINVAL, "class: invalid missile class %d", (int)f->cls);
    sampler *smp = fo ? fo->smp : NULL;
    boost_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    tl_dyn_model_default(&c.model);
    c.cda = p->cd_boost * TL_PI * 0.25 * p->diameter_m * p->diameter_m;
    c.kick = f->ctrl[TL_CTRL_KICK];
    c.alpha = f->ctrl[TL_CTRL_ALPHA];
    c.t_v = p->t_vertical_s;
    c.t_k = p->t_kick_s;
    double burn = tl_missile_preset_burn_s(p);
    double t_cut = f->ctrl[TL_CTRL_CUTOFF];
    if (!(t_cut > 0.0) || t_cut > burn)
        t_cut = burn;
    double lat = f->req.launch.lat_rad, lon = f->req.launch.lon_rad;
    double az = f->req.azimuth_rad + f->ctrl[TL_CTRL_HEADING];
    double e_enu[3] = {0, 0, 1}, h_enu[3] = {sin(az), cos(az), 0};
    tl_vec_enu_to_ecef(lat, lon, e_enu, c.up);
    tl_vec_enu_to_ecef(lat, lon, h_enu, c.hdir);

    double x[6] = {0, 0, 0, 0, 0, 0};
    tl_geodetic_to_ecef(&f->req.launch, x);
    double t = 0.0;
    tl_dp45_opts o;
    flight_opts(&o);
    o.event = tl_dyn_event_height;
    o.event_dir = -1;
    double hmax = f->req.launch.h_m;
    f->orbital = 0;
    f->apogee_m = 0.0;
    f->range_m = 0.0;
    f->flight_time_s = 0.0;

    /* breakpoints: mode changes, stage ends, cut-off */
    double tstage_end = 0.0;
    double mass = p->payload_kg;
    for (int i = 0; i < p->n_stages; i++)
        mass += p->stage[i].prop_kg + p->stage[i].dry_kg;
    int crashed = 0;
    for (int i = 0; i < p->n_stages && t < t_cut && !crashed; i++) {
        const tl_stage *sg = &p->stage[i];
        c.stage = i;
        c.t0 = tstage_end;
        c.m0 = mass;
        c.mdot = sg->prop_kg / sg->burn_s;
        c.thrust = sg->thrust_n;
        tstage_end += sg->burn_s;
        if (smp && i == 0) { /* the lift-off sample, with its thrust acceleration */
            double dx[6];
            c.mode = 0;
            boost_ode(&c, 0.0, x, dx);
            sample_push(smp, 0.0, x, dx + 3, TL_PHASE_BOOST, 1);
            smp->next = smp->dt;
        }
        double seg_end = fmin(tstage_end, t_cut);
        double cuts[3] = {c.t_v, c.t_v + c.t_k, seg_end};
        for (int k = 0; k < 3 && t < seg_end; k++) {
            double te = fmin(cuts[k], seg_end);
            if (te <= t)
                continue;
            c.mode = (te <= c.t_v) ? 0 : (te <= c.t_v + c.t_k) ? 1 : 2;
            int rc = run(boost_ode, &c, &t, x, te, &o, smp, TL_PHASE_BOOST, 1, 0);
            if (rc == 1 || rc == 2 || rc == TL_ENOCONV) {
                /* hit the ground, or a control so wild that the vehicle thrusts itself
                 * into a stiff dive (the step size collapses): both end the flight */
                crashed = 1;
                break;
            }
            if (rc != TL_OK)
                return tl_err_set(err, rc, "boost integration failed at t=%.1f s", t);
            hmax = fmax(hmax, geo_h(x));
        }
        mass -= sg->prop_kg + sg->dry_kg;
    }
    f->burnout_t_s = t;
    memcpy(f->burnout_x_ecef, x, sizeof x);
    {
        tl_geodetic g;
        tl_ecef_to_geodetic(x, &g);
        f->burnout_h_m = g.h_m;
        f->burnout_speed_mps = norm3(x + 3);
        double vs = tl_dyn_event_vspeed(NULL, 0, x);
        f->burnout_gamma_rad = f->burnout_speed_mps > 0
                                   ? asin(fmax(-1.0, fmin(1.0, vs / f->burnout_speed_mps)))
                                   : TL_PI / 2;
    }
    if (crashed) {
        f->apogee_m = hmax;
        f->flight_time_s = t;
        set_impact(f, x);
        if (smp) {
            double acc[3] = {0, 0, 0};
            if (smp->tr->n > 0 && smp->tr->pts[smp->tr->n - 1].t_s >= t)
                smp->tr->n--;
            sample_push(smp, t, x, acc, TL_PHASE_IMPACTED, 0);
        }
        return TL_OK;
    }
    double per_h, apo_h;
    if (tl_flight_is_orbital(x, &per_h, &apo_h)) {
        f->orbital = 1;
        f->apogee_m = apo_h;
        f->range_m = 0.0;
        f->flight_time_s = t;
        tl_ecef_to_geodetic(x, &f->impact);
        f->impact.h_m = 0.0;
        f->impact_azimuth_rad = f->req.azimuth_rad;
    }
    if (fo && fo->stop_at_burnout && !smp)
        return TL_OK;

    /* ballistic coast of the re-entry vehicle (or the payload in orbit) */
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.beta_kg_m2 = p->beta_rv_kg_m2;
    double t_lim = t + COAST_MAX_S;
    if (f->orbital) {
        if (smp) {
            double tend = fo->t_end_s > t ? fo->t_end_s : t;
            o.event = tl_dyn_event_height;
            int rc = run(tl_dyn_ode, &m, &t, x, tend, &o, smp, -1, 0, 1);
            if (rc != TL_OK && rc != 1)
                return tl_err_set(err, TL_ENOCONV, "orbit propagation failed at t=%.1f s", t);
            if (rc == 1) { /* the orbit decayed into the ground within the horizon */
                double dx[6];
                tl_dyn_deriv(&m, x, dx);
                if (smp->tr->n > 0 && smp->tr->pts[smp->tr->n - 1].t_s >= t)
                    smp->tr->n--;
                sample_push(smp, t, x, dx + 3, TL_PHASE_IMPACTED, 0);
            }
        }
        return TL_OK;
    }
    if (tl_dyn_event_vspeed(NULL, 0, x) > 0.0) {
        o.event = tl_dyn_event_vspeed;
        o.event_dir = -1;
        o.event_tol = 1e-7;
        int rc = run(tl_dyn_ode, &m, &t, x, t_lim, &o, smp, -1, 0, 0);
        if (rc == TL_OK || rc == TL_ENOCONV)
            return skipping(f, x, t);
        if (rc != 1)
            return tl_err_set(err, rc, "coast integration failed at t=%.1f s", t);
        f->apogee_m = fmax(hmax, geo_h(x));
    } else {
        f->apogee_m = fmax(hmax, f->burnout_h_m);
    }
    if (fo && fo->stop_at_apogee)
        return TL_OK;
    o.event = tl_dyn_event_height;
    o.event_dir = -1;
    o.event_tol = 1e-4;
    int rc = run(tl_dyn_ode, &m, &t, x, t_lim, &o, smp, -1, 0, 0);
    if (rc == TL_OK || rc == TL_ENOCONV)
        return skipping(f, x, t);
    if (rc != 1)
        return tl_err_set(err, rc, "coast integration failed at t=%.1f s", t);
    f->flight_time_s = t;
    set_impact(f, x);
    if (smp) {
        double dx[6];
        tl_dyn_deriv(&m, x, dx);
        if (smp->tr->n > 0 && smp->tr->pts[smp->tr->n - 1].t_s >= t)
            smp->tr->n--; /* the impact replaces a sample at the same instant */
        sample_push(smp, t, x, dx + 3, TL_PHASE_IMPACTED, 0);
    }
    return TL_OK;
}

int tl_flight_fly(tl_flight *f, tl_err *err)
{
    if (!f)
        return tl_err_set(err, TL_EINVAL, "flight: NULL argument");
    const tl_geodetic *l = &f->req.launch;
    if (!isfinite(l->lat_rad) || fabs(l->lat_rad) > TL_PI / 2 || !isfinite(l->lon_rad) ||
        !isfinite(l->h_m) || !isfinite(f->req.azimuth_rad))
        return tl_err_set(err, TL_EINVAL, "launch: site or azimuth not finite / out of range");
    if (!tl_missile_preset_get(f->cls))
        return tl_err_set(err, TL_EINVAL, "class: invalid missile class %d", (int)f->cls);
    const double k = f->ctrl[TL_CTRL_KICK];
    if (!isfinite(k) || k < 0.0 || k > TL_PI / 2)
        return tl_err_set(err, TL_EINVAL, "ctrl: kick %g rad outside [0, pi/2]", k);
    for (int i = 1; i < 8; i++)
        if (!isfinite(f->ctrl[i]))
            return tl_err_set(err, TL_EINVAL, "ctrl: parameter %d is not finite", i);
    return fly(f, NULL, err);
}

/* ------------------------------------------------------------------ solver */

/* A scalar function of one control for the root finder: *val = g(u). */
typedef int (*scalar_fn)(tl_flight *f, double u, void *aux, double *val);

/* Illinois (modified regula falsi) on [a, b] with g(a), g(b) of opposite signs;
 * every 8th iterate bisects (guards against slow one-sided convergence). Returns TL_OK
 * with *root where |g| < gtol or the bracket is below utol, else the error. */
static int illinois(scalar_fn g, tl_flight *f, void *aux, double a, double ga, double b, double gb,
                    double gtol, double utol, double *root)
{
    int side = 0;
    if (fabs(ga) < gtol) {
        *root = a;
        return TL_OK;
    }
    if (fabs(gb) < gtol) {
        *root = b;
        return TL_OK;
    }
    for (int it = 0; it < 100; it++) {
        double u = (a * gb - b * ga) / (gb - ga);
        if (!(u > fmin(a, b) && u < fmax(a, b)) || it % 8 == 7)
            u = 0.5 * (a + b);
        double gu;
        int rc = g(f, u, aux, &gu);
        if (rc < 0)
            return rc;
        if (fabs(gu) < gtol || fabs(b - a) < utol) {
            *root = u;
            return TL_OK;
        }
        if ((gu < 0.0) == (ga < 0.0)) {
            a = u;
            ga = gu;
            if (side == 1)
                gb *= 0.5;
            side = 1;
        } else {
            b = u;
            gb = gu;
            if (side == -1)
                ga *= 0.5;
            side = -1;
        }
    }
    return TL_ENOCONV;
}

typedef struct solve_aux {
    double H, D;
    double kick;
    double tol; /* tolerance multiplier: > 1 for the coarse first pass */
} solve_aux;

static double cutoff_min(const tl_missile_preset *p)
{
    return p->t_vertical_s + p->t_kick_s + 2.0;
}

/* apogee - H as a function of the cut-off time at a fixed kick */
static int g_apo_of_cut(tl_flight *f, double tc, void *vaux, double *val)
{
    solve_aux *aux = vaux;
    f->ctrl[TL_CTRL_KICK] = aux->kick;
    f->ctrl[TL_CTRL_CUTOFF] = tc;
    flyopt fo = {1, 0, NULL, 0.0};
    int rc = fly(f, &fo, NULL);
    *val = f->apogee_m - aux->H;
    return rc;
}

/* full-burn apogee - H as a function of the kick */
static int g_apo_of_kick(tl_flight *f, double k, void *vaux, double *val)
{
    solve_aux *aux = vaux;
    f->ctrl[TL_CTRL_KICK] = k;
    f->ctrl[TL_CTRL_CUTOFF] = tl_missile_preset_burn_s(tl_missile_preset_get(f->cls));
    flyopt fo = {1, 0, NULL, 0.0};
    int rc = fly(f, &fo, NULL);
    *val = f->apogee_m - aux->H;
    return rc;
}

/* Set ctrl to the kick and the cut-off time that gives apogee H (the apogee grows
 * with the burn); clamps to the cut-off limits when H is outside the reachable span. */
static int cut_for_apogee(tl_flight *f, double kick, double H, double tol)
{
    const tl_missile_preset *p = tl_missile_preset_get(f->cls);
    solve_aux aux = {H, 0.0, kick, tol};
    double lo = cutoff_min(p), hi = tl_missile_preset_burn_s(p), glo, ghi, tc;
    int rc = g_apo_of_cut(f, hi, &aux, &ghi);
    if (rc < 0)
        return rc;
    if (ghi <= 0.0) {
        tc = hi;
    } else {
        rc = g_apo_of_cut(f, lo, &aux, &glo);
        if (rc < 0)
            return rc;
        if (glo >= 0.0)
            tc = lo;
        else if ((rc = illinois(g_apo_of_cut, f, &aux, lo, glo, hi, ghi, tol * APOGEE_TOL_M, 1e-9,
                                &tc)) < 0)
            return rc;
    }
    f->ctrl[TL_CTRL_KICK] = kick;
    f->ctrl[TL_CTRL_CUTOFF] = tc;
    return TL_OK;
}

/* signed downrange - D along the apogee-H contour, as a function of the kick */
static int g_range_on_contour(tl_flight *f, double k, void *vaux, double *val)
{
    solve_aux *aux = vaux;
    int rc = cut_for_apogee(f, k, aux->H, aux->tol);
    if (rc < 0)
        return rc;
    rc = fly(f, NULL, NULL);
    *val = signed_range(f) - aux->D;
    return rc;
}

/* signed downrange - D at full burn, as a function of the kick */
static int g_range_full(tl_flight *f, double k, void *vaux, double *val)
{
    solve_aux *aux = vaux;
    f->ctrl[TL_CTRL_KICK] = k;
    f->ctrl[TL_CTRL_CUTOFF] = tl_missile_preset_burn_s(tl_missile_preset_get(f->cls));
    int rc = fly(f, NULL, NULL);
    *val = signed_range(f) - aux->D;
    return rc;
}

#define KICK_GRID 25

/* Solve (H, D) for class f->cls. For a kick k the apogee grows with the burn, so the
 * cut-off giving apogee H is found by a 1-D search; along that apogee-H contour the
 * signed downrange grows with the kick, from behind the site (vertical) to the
 * largest kick at which a full burn still reaches H. A second 1-D search on the kick
 * then hits D. The feasible kick interval comes from a scan of the full-burn apogee. */
static int solve_apogee_range(tl_flight *f, double H, double D, double tol, tl_err *err)
{
    const tl_missile_preset *p = tl_missile_preset_get(f->cls);
    solve_aux aux = {H, D, 0.0, tol};
    double apo[KICK_GRID], kg[KICK_GRID];
    int imax = 0, rc;
    for (int i = 0; i < KICK_GRID; i++) {
        kg[i] = KICK_MAX_RAD * i / (KICK_GRID - 1);
        if ((rc = g_apo_of_kick(f, kg[i], &aux, &apo[i])) < 0)
            return tl_err_set(err, rc, "class: %s flight failed to integrate", p->name);
        if (apo[i] > apo[imax])
            imax = i;
    }
    if (apo[imax] < 0.0)
        return tl_err_set(err, TL_EIMPOSSIBLE,
                          "apogee: %.0f km is beyond the %s preset (at most %.0f km)", H / 1e3,
                          p->name, (apo[imax] + H) / 1e3);
    /* feasible kicks [ka, kb]: full-burn apogee >= H */
    double ka = 0.0, kb = KICK_MAX_RAD;
    int i = imax;
    while (i > 0 && apo[i - 1] >= 0.0)
        i--;
    if (i > 0) {
        rc = illinois(g_apo_of_kick, f, &aux, kg[i - 1], apo[i - 1], kg[i], apo[i],
                      tol * APOGEE_TOL_M, 1e-9, &ka);
        if (rc < 0)
            return tl_err_set(err, rc, "apogee: feasibility search failed (%s)", p->name);
    }
    i = imax;
    while (i < KICK_GRID - 1 && apo[i + 1] >= 0.0)
        i++;
    if (i < KICK_GRID - 1) {
        rc = illinois(g_apo_of_kick, f, &aux, kg[i], apo[i], kg[i + 1], apo[i + 1],
                      tol * APOGEE_TOL_M, 1e-9, &kb);
        if (rc < 0)
            return tl_err_set(err, rc, "apogee: feasibility search failed (%s)", p->name);
    }
    double ga, gb;
    if ((rc = g_range_on_contour(f, kb, &aux, &gb)) < 0)
        return tl_err_set(err, rc, "class: %s flight failed to integrate", p->name);
    if (gb < 0.0) {
        double reach = fmax(0.0, gb + D) / 1e3;
        if (H < tl_kepler_min_energy_apogee(D, TL_WGS84_A))
            return tl_err_set(err, TL_EIMPOSSIBLE,
                              "apogee: %.0f km is too low for a %.0f km range with the %s preset "
                              "(at that apogee it lands at most %.0f km downrange)",
                              H / 1e3, D / 1e3, p->name, reach);
        return tl_err_set(err, TL_EIMPOSSIBLE,
                          "range: %.0f km is beyond the %s preset at apogee %.0f km (it lands at "
                          "most %.0f km downrange)",
                          D / 1e3, p->name, H / 1e3, reach);
    }
    if ((rc = g_range_on_contour(f, ka, &aux, &ga)) < 0)
        return tl_err_set(err, rc, "class: %s flight failed to integrate", p->name);
    if (ga > 0.0)
        return tl_err_set(err, TL_EIMPOSSIBLE,
                          "apogee: %.0f km is too high for a %.0f km range with the %s preset "
                          "(the steepest such flight lands %.0f km downrange)",
                          H / 1e3, D / 1e3, p->name, (ga + D) / 1e3);
    double k;
    rc = illinois(g_range_on_contour, f, &aux, ka, ga, kb, gb, tol * RANGE_TOL_M, 1e-12, &k);
    if (rc < 0)
        return tl_err_set(err, TL_EIMPOSSIBLE,
                          "range: no %s flight reaches %.0f km at apogee %.0f km (no convergence)",
                          p->name, D / 1e3, H / 1e3);
    return cut_for_apogee(f, k, H, tol);
}

/* Lofted: full burn, the steep (small-kick) branch that lands at range D. */
static int solve_lofted(tl_flight *f, double D, double tol, tl_err *err)
{
    const tl_missile_preset *p = tl_missile_preset_get(f->cls);
    solve_aux aux = {0.0, D, 0.0, tol};
    double k0 = 0.0, g0, k1 = 0.0, g1 = 0.0;
    int rc = g_range_full(f, k0, &aux, &g0);
    if (rc < 0)
        return tl_err_set(err, rc, "class: %s flight failed to integrate", p->name);
    if (g0 > 0.0)
        return tl_err_set(err, TL_EIMPOSSIBLE,
                          "range: %.0f km is too short for a full-burn %s flight (a vertical "
                          "launch lands %.0f km downrange)",
                          D / 1e3, p->name, (g0 + D) / 1e3);
    double best = g0;
    int found = 0;
    for (int i = 1; i <= 60; i++) {
        k1 = KICK_MAX_RAD * i / 60.0;
        if ((rc = g_range_full(f, k1, &aux, &g1)) < 0)
            return tl_err_set(err, rc, "class: %s flight failed to integrate", p->name);
        best = fmax(best, g1);
        if (g1 >= 0.0) {
            found = 1;
            break;
        }
        k0 = k1;
        g0 = g1;
    }
    if (!found)
        return tl_err_set(err, TL_EIMPOSSIBLE,
                          "range: %.0f km is beyond the %s preset (it reaches about %.0f km)",
                          D / 1e3, p->name, (best + D) / 1e3);
    double k;
    rc = illinois(g_range_full, f, &aux, k0, g0, k1, g1, tol * RANGE_TOL_M, 1e-12, &k);
    if (rc < 0)
        return tl_err_set(err, TL_EIMPOSSIBLE,
                          "range: lofted %s flight to %.0f km did not converge", p->name, D / 1e3);
    f->ctrl[TL_CTRL_KICK] = k;
    f->ctrl[TL_CTRL_CUTOFF] = tl_missile_preset_burn_s(p);
    return TL_OK;
}

/* Inertial flight-path angle at burnout (launcher solver). */
static double inertial_gamma(const double x[6])
{
    const double w = TL_WGS84_OMEGA;
    double v[3] = {x[3] - w * x[1], x[4] + w * x[0], x[5]};
    return asin(dot3(x, v) / (norm3(x) * norm3(v)));
}

static int g_gamma_of_alpha(tl_flight *f, double a, void *aux, double *val)
{
    (void)aux;
    f->ctrl[TL_CTRL_ALPHA] = a;
    flyopt fo = {0, 1, NULL, 0.0};
    int rc = fly(f, &fo, NULL);
    *val = inertial_gamma(f->burnout_x_ecef);
    return rc;
}

/* Set the upper-stage pitch for horizontal (inertial) injection at the current cut-off. */
static int alpha_for_injection(tl_flight *f)
{
    double lo = 0.0, hi = 0.8, glo, ghi, a;
    int rc;
    if ((rc = g_gamma_of_alpha(f, lo, NULL, &glo)) < 0 ||
        (rc = g_gamma_of_alpha(f, hi, NULL, &ghi)) < 0)
        return rc;
    if (glo < 0.0)
        a = lo;
    else if (ghi > 0.0)
        a = hi;
    else if ((rc = illinois(g_gamma_of_alpha, f, NULL, lo, glo, hi, ghi, 1e-5, 1e-9, &a)) < 0)
        return rc;
    f->ctrl[TL_CTRL_ALPHA] = a;
    return TL_OK;
}

/* orbit apogee height - target as a function of the cut-off, pitch solved for injection */
static int g_orbit_apogee_of_cut(tl_flight *f, double tc, void *vaux, double *val)
{
    solve_aux *aux = vaux;
    f->ctrl[TL_CTRL_CUTOFF] = tc;
    int rc = alpha_for_injection(f);
    if (rc < 0)
        return rc;
    flyopt fo = {0, 1, NULL, 0.0};
    if ((rc = fly(f, &fo, NULL)) < 0)
        return rc;
    double apo_h;
    tl_flight_is_orbital(f->burnout_x_ecef, NULL, &apo_h);
    *val = fmin(apo_h, 1e8) - aux->H;
    return TL_OK;
}

#define SLV_DEFAULT_APOGEE_M 600e3

/* Space launcher: the upper-stage pitch levels the flight at burnout (horizontal
 * inertial velocity) and the last stage's cut-off sets the orbit's apogee (the
 * request's apogee, default 600 km). */
static int solve_launcher(tl_flight *f, tl_err *err)
{
    const tl_missile_preset *p = tl_missile_preset_get(f->cls);
    solve_aux aux = {f->req.apogee_m > 0.0 ? f->req.apogee_m : SLV_DEFAULT_APOGEE_M, 0.0, 0.0, 1.0};
    double hi = tl_missile_preset_burn_s(p), lo = hi - p->stage[p->n_stages - 1].burn_s + 1.0;
    double glo, ghi, tc;
    f->ctrl[TL_CTRL_KICK] = SLV_KICK_RAD;
    int rc = g_orbit_apogee_of_cut(f, hi, &aux, &ghi);
    if (rc < 0)
        return tl_err_set(err, rc, "class: %s flight failed to integrate", p->name);
    if (ghi <= 0.0) {
        tc = hi;
    } else {
        if ((rc = g_orbit_apogee_of_cut(f, lo, &aux, &glo)) < 0)
            return tl_err_set(err, rc, "class: %s flight failed to integrate", p->name);
        if (glo >= 0.0)
            tc = lo;
        else if ((rc = illinois(g_orbit_apogee_of_cut, f, &aux, lo, glo, hi, ghi, 1000.0, 1e-6,
                                &tc)) < 0)
            return tl_err_set(err, rc, "class: %s injection search failed", p->name);
    }
    f->ctrl[TL_CTRL_CUTOFF] = tc;
    if ((rc = alpha_for_injection(f)) < 0)
        return tl_err_set(err, rc, "class: %s injection search failed", p->name);
    if ((rc = fly(f, NULL, err)) < 0)
        return rc;
    if (!f->orbital)
        return tl_err_set(err, TL_EIMPOSSIBLE,
                          "class: the %s preset does not reach orbit on azimuth %.1f deg "
                          "(burnout %.0f m/s at %.0f km)",
                          p->name, f->req.azimuth_rad / TL_DEG, f->burnout_speed_mps,
                          f->burnout_h_m / 1e3);
    return TL_OK;
}

static int validate(const tl_flight_request *r, tl_err *err)
{
    if (!isfinite(r->launch.lat_rad) || fabs(r->launch.lat_rad) > TL_PI / 2)
        return tl_err_set(err, TL_EINVAL, "latitude: %g deg is outside [-90, 90]",
                          r->launch.lat_rad / TL_DEG);
    if (!isfinite(r->launch.lon_rad) || fabs(r->launch.lon_rad) > 2 * TL_PI)
        return tl_err_set(err, TL_EINVAL, "longitude: %g deg is outside [-360, 360]",
                          r->launch.lon_rad / TL_DEG);
    if (!isfinite(r->launch.h_m) || r->launch.h_m < -500.0 || r->launch.h_m > 9000.0)
        return tl_err_set(err, TL_EINVAL, "height: launch height %g m is outside [-500, 9000]",
                          r->launch.h_m);
    if (!isfinite(r->azimuth_rad))
        return tl_err_set(err, TL_EINVAL, "azimuth: not a finite angle");
    if (r->cls != TL_CLASS_AUTO && !tl_missile_preset_get(r->cls))
        return tl_err_set(err, TL_EINVAL, "class: invalid missile class %d", (int)r->cls);
    if (r->cls == TL_CLASS_SLV)
        return TL_OK; /* orbit insertion: range, apogee and loft are not used */
    if (!isfinite(r->range_m) || r->range_m <= 0.0)
        return tl_err_set(err, TL_EINVAL, "range: %g km must be a positive distance",
                          r->range_m / 1e3);
    if (r->range_m > 0.5 * TL_PI * 2.0 * 6371e3)
        return tl_err_set(err, TL_EIMPOSSIBLE,
                          "range: %.0f km is longer than half the Earth's circumference",
                          r->range_m / 1e3);
    if (!isfinite(r->apogee_m) || r->apogee_m < 0.0)
        return tl_err_set(err, TL_EINVAL, "apogee: %g km must be positive", r->apogee_m / 1e3);
    if (r->loft == TL_LOFT_NONE && r->apogee_m <= 0.0)
        return tl_err_set(err, TL_EINVAL, "apogee: give an apogee or a loft choice");
    if (r->loft != TL_LOFT_NONE && r->apogee_m > 0.0)
        return tl_err_set(err, TL_EINVAL, "loft: give either an apogee or a loft choice, not both");
    if ((int)r->loft < TL_LOFT_NONE || r->loft > TL_LOFT_DEPRESSED)
        return tl_err_set(err, TL_EINVAL, "loft: invalid loft %d", (int)r->loft);
    if (r->apogee_m > 40000e3)
        return tl_err_set(err, TL_EIMPOSSIBLE, "apogee: %.0f km is beyond any preset",
                          r->apogee_m / 1e3);
    return TL_OK;
}

static int solve_shape(tl_flight *f, double tol, tl_err *err)
{
    const tl_flight_request *r = &f->req;
    double Hme = tl_kepler_min_energy_apogee(r->range_m, tl_earth_radius_gauss(r->launch.lat_rad));
    int rc;
    switch (r->loft) {
    case TL_LOFT_LOFTED:
        return solve_lofted(f, r->range_m, tol, err);
    case TL_LOFT_MIN_ENERGY:
        rc = solve_apogee_range(f, Hme, r->range_m, tol, err);
        break;
    case TL_LOFT_DEPRESSED:
        rc = solve_apogee_range(f, 0.5 * Hme, r->range_m, tol, err);
        break;
    default:
        return solve_apogee_range(f, r->apogee_m, r->range_m, tol, err);
    }
    if (rc == TL_EIMPOSSIBLE && err) {
        /* the apogee came from the range: the range is what the caller asked for */
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        tl_err_set(err, rc, "range: %.0f km on a %s trajectory is beyond the %s preset (%s)",
                   r->range_m / 1e3, r->loft == TL_LOFT_MIN_ENERGY ? "minimum-energy" : "depressed",
                   tl_missile_class_name(f->cls), why);
    }
    return rc;
}

#define HEADING_TOL_M 5.0

/* Solve for class f->cls. The Earth turns under a flight (by ~18 deg in a 70-minute
 * lofted one), so a missile launched on azimuth az lands off the geodesic leaving the
 * site on az. The launch heading is corrected (secant iteration on the impact's
 * geodesic azimuth) until the impact lies on that geodesic at the requested range. */
/* Residuals of a flown flight for the joint refinement: signed downrange - D, the
 * impact's azimuth error times the range (cross-track metres), and apogee - H. */
static int newton_resid(tl_flight *f, int nv, const int *vars, const double *u, double H,
                        double *res)
{
    for (int i = 0; i < nv; i++)
        f->ctrl[vars[i]] = u[i];
    int rc = fly(f, NULL, NULL);
    if (rc < 0)
        return rc;
    if (f->orbital)
        return TL_ENOCONV;
    res[0] = signed_range(f) - f->req.range_m;
    res[1] = tl_wrap_pi(f->impact_azimuth_rad - f->req.azimuth_rad) * f->range_m;
    if (nv == 3)
        res[2] = f->apogee_m - H;
    return TL_OK;
}

static double newton_norm(int nv, const double *res)
{
    double a = fabs(res[0]) / RANGE_TOL_M, b = fabs(res[1]) / HEADING_TOL_M;
    double c = nv == 3 ? fabs(res[2]) / APOGEE_TOL_M : 0.0;
    return fmax(a, fmax(b, c));
}

/* Solve the n x n (n <= 3) system a x = b by Gaussian elimination with pivoting. */
static int solve_small(int n, double a[3][3], double b[3], double x[3])
{
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[r][c]) > fabs(a[piv][c]))
                piv = r;
        if (fabs(a[piv][c]) < 1e-300)
            return TL_ENOCONV;
        for (int k = 0; k < n; k++) {
            double t = a[c][k];
            a[c][k] = a[piv][k];
            a[piv][k] = t;
        }
        double t = b[c];
        b[c] = b[piv];
        b[piv] = t;
        for (int r = c + 1; r < n; r++) {
            double m = a[r][c] / a[c][c];
            for (int k = c; k < n; k++)
                a[r][k] -= m * a[c][k];
            b[r] -= m * b[c];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        double acc = b[r];
        for (int k = r + 1; k < n; k++)
            acc -= a[r][k] * x[k];
        x[r] = acc / a[r][r];
    }
    return TL_OK;
}

/* Damped Newton on (kick, [cut-off,] heading) from the current ctrl, with a forward-
 * difference Jacobian: fast once the nested search has found the right branch. */
static int newton_refine(tl_flight *f, double H)
{
    const tl_missile_preset *p = tl_missile_preset_get(f->cls);
    double burn = tl_missile_preset_burn_s(p);
    int lofted = (f->req.loft == TL_LOFT_LOFTED);
    int nv = lofted ? 2 : 3;
    int vars[3] = {TL_CTRL_KICK, TL_CTRL_HEADING, TL_CTRL_CUTOFF};
    const double step[3] = {1e-6, 1e-6, 1e-4};
    double u[3], res[3];
    for (int i = 0; i < nv; i++)
        u[i] = f->ctrl[vars[i]];
    if (!lofted && u[2] >= burn)
        u[2] = burn;
    int rc = newton_resid(f, nv, vars, u, H, res);
    if (rc < 0)
        return rc;
    for (int it = 0; it < 12; it++) {
        double n0 = newton_norm(nv, res);
        if (n0 < 1.0)
            return TL_OK;
        double J[3][3], rhs[3], du[3];
        for (int j = 0; j < nv; j++) {
            double uj[3], rj[3];
            memcpy(uj, u, sizeof uj);
            double h = step[j];
            if (vars[j] == TL_CTRL_CUTOFF && uj[j] + h > burn)
                h = -h; /* backward difference at full burn */
            uj[j] += h;
            if ((rc = newton_resid(f, nv, vars, uj, H, rj)) < 0)
                return rc;
            for (int i = 0; i < nv; i++)
                J[i][j] = (rj[i] - res[i]) / h;
        }
        for (int i = 0; i < nv; i++)
            rhs[i] = -res[i];
        if (solve_small(nv, J, rhs, du) < 0)
            return TL_ENOCONV;
        double lam = 1.0;
        int improved = 0;
        for (int k = 0; k < 6; k++, lam *= 0.5) {
            double un[3], rn[3];
            for (int i = 0; i < nv; i++)
                un[i] = u[i] + lam * du[i];
            un[0] = fmin(fmax(un[0], 0.0), KICK_MAX_RAD);
            if (nv == 3)
                un[2] = fmin(fmax(un[2], cutoff_min(p)), burn);
            if (newton_resid(f, nv, vars, un, H, rn) < 0)
                continue;
            if (newton_norm(nv, rn) < n0) {
                memcpy(u, un, sizeof un);
                memcpy(res, rn, sizeof rn);
                improved = 1;
                break;
            }
        }
        if (!improved)
            return TL_ENOCONV;
    }
    return newton_norm(nv, res) < 1.0 ? TL_OK : TL_ENOCONV;
}

static double target_apogee(const tl_flight *f)
{
    const tl_flight_request *r = &f->req;
    double Hme = tl_kepler_min_energy_apogee(r->range_m, tl_earth_radius_gauss(r->launch.lat_rad));
    switch (r->loft) {
    case TL_LOFT_MIN_ENERGY:
        return Hme;
    case TL_LOFT_DEPRESSED:
        return 0.5 * Hme;
    case TL_LOFT_LOFTED:
        return 0.0;
    default:
        return r->apogee_m;
    }
}

/* Solve for class f->cls. The Earth turns under a flight (by ~18 deg in a 70-minute
 * lofted one), so a missile launched on azimuth az lands off the geodesic leaving the
 * site on az. The launch heading is corrected until the impact lies on that geodesic
 * at the requested range: first the robust nested search at zero heading offset, then
 * a joint Newton refinement of (kick, cut-off, heading); should that fail, a secant
 * iteration on the heading that repeats the nested search each time. */
static int solve_class(tl_flight *f, tl_err *err)
{
    memset(f->ctrl, 0, sizeof f->ctrl);
    if (f->cls == TL_CLASS_SLV)
        return solve_launcher(f, err);
    /* coarse nested search + Newton first; the fine secant loop only as a fallback */
    {
        int rc0 = solve_shape(f, 50.0, err);
        if (rc0 == TL_EIMPOSSIBLE || rc0 == TL_EINVAL)
            return rc0; /* out of this class's reach: the fine search would agree */
        if (rc0 == TL_OK && fly(f, NULL, NULL) == TL_OK && !f->orbital) {
            tl_flight g = *f;
            g.ctrl[TL_CTRL_HEADING] = -tl_wrap_pi(f->impact_azimuth_rad - f->req.azimuth_rad);
            if (newton_refine(&g, target_apogee(f)) == TL_OK) {
                *f = g;
                return TL_OK;
            }
        }
    }
    double d0 = 0.0, e0 = 0.0, d = 0.0;
    int rc = TL_ENOCONV;
    for (int it = 0; it < 12; it++) {
        memset(f->ctrl, 0, sizeof f->ctrl);
        f->ctrl[TL_CTRL_HEADING] = d;
        if ((rc = solve_shape(f, 1.0, err)) < 0)
            return rc;
        if ((rc = fly(f, NULL, err)) < 0) /* the summary of this solution */
            return rc;
        if (f->orbital)
            return tl_err_set(err, TL_EIMPOSSIBLE, "range: the %s solution went into orbit",
                              tl_missile_class_name(f->cls));
        double e = tl_wrap_pi(f->impact_azimuth_rad - f->req.azimuth_rad);
        if (fabs(e) * f->range_m < HEADING_TOL_M)
            return TL_OK;
        double dn = (it == 0 || e == e0) ? d - e : d - e * (d - d0) / (e - e0);
        if (fabs(dn) > 1.0) /* a correction this large means no consistent solution */
            break;
        d0 = d;
        e0 = e;
        d = dn;
    }
    return tl_err_set(err, TL_EIMPOSSIBLE,
                      "range: no %s flight lands %.0f km away on the %.2f deg azimuth (the "
                      "Earth-rotation heading correction does not converge)",
                      tl_missile_class_name(f->cls), f->req.range_m / 1e3,
                      f->req.azimuth_rad / TL_DEG);
}

int tl_flight_solve(const tl_flight_request *req, tl_flight *out, tl_err *err)
{
    if (!req || !out)
        return tl_err_set(err, TL_EINVAL, "request: NULL argument");
    int rc = validate(req, err);
    if (rc < 0)
        return rc;
    tl_flight f;
    memset(&f, 0, sizeof f);
    f.req = *req;
    f.req.launch.lon_rad = tl_wrap_pi(req->launch.lon_rad);
    f.req.azimuth_rad = tl_wrap_2pi(req->azimuth_rad);
    if (req->cls != TL_CLASS_AUTO) {
        f.cls = req->cls;
        rc = solve_class(&f, err);
    } else {
        rc = TL_EIMPOSSIBLE;
        for (int c = TL_CLASS_SRBM; c <= TL_CLASS_ICBM; c++) {
            f.cls = (tl_missile_class)c;
            rc = solve_class(&f, err);
            if (rc == TL_OK)
                break;
        }
    }
    if (rc < 0)
        return rc;
    *out = f;
    tl_err_clear(err);
    return TL_OK;
}

/* -------------------------------------------------------------- trajectory */

int tl_flight_trajectory(const tl_flight *f, double dt_s, double t_end_s, tl_traj *out, tl_err *err)
{
    if (!f || !out)
        return tl_err_set(err, TL_EINVAL, "trajectory: NULL argument");
    if (!isfinite(dt_s) || dt_s < 1e-3 || dt_s > 3600.0)
        return tl_err_set(err, TL_EINVAL, "dt: %g s is outside [0.001, 3600]", dt_s);
    double horizon = f->orbital ? t_end_s : f->flight_time_s;
    if (f->orbital && !(isfinite(t_end_s) && t_end_s > 0.0))
        return tl_err_set(err, TL_EINVAL, "t_end: an orbital flight needs t_end_s > 0");
    if (horizon / dt_s > 2e7)
        return tl_err_set(err, TL_EINVAL, "dt: %g s gives too many samples", dt_s);
    tl_flight g = *f;
    tl_traj tr = {0, NULL};
    sampler s = {&tr, 0, dt_s, dt_s, 0};
    flyopt fo = {0, 0, &s, t_end_s};
    int rc = fly(&g, &fo, err);
    if (rc == TL_OK && s.failed)
        rc = tl_err_set(err, TL_ENOMEM, "trajectory: out of memory");
    if (rc < 0) {
        free(tr.pts);
        return rc;
    }
    *out = tr;
    return TL_OK;
}

void tl_traj_free(tl_traj *tr)
{
    if (!tr)
        return;
    free(tr->pts);
    tr->pts = NULL;
    tr->n = 0;
}

int tl_traj_at(const tl_traj *tr, double t, double x[6], int *phase, int *thrusting)
{
    if (!tr || tr->n == 0 || !isfinite(t) || t < tr->pts[0].t_s || t > tr->pts[tr->n - 1].t_s)
        return TL_ERANGE;
    /* binary search for the interval [lo, lo+1] containing t */
    size_t lo = 0, hi = tr->n - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tr->pts[mid].t_s <= t)
            lo = mid;
        else
            hi = mid;
    }
    const tl_traj_point *a = &tr->pts[lo], *b = &tr->pts[hi];
    double h = b->t_s - a->t_s;
    if (tr->n == 1 || h <= 0.0) {
        memcpy(x, a->x_ecef, 6 * sizeof(double));
    } else {
        /* cubic Hermite on position with velocity as slope; velocity is its derivative */
        double s = (t - a->t_s) / h, s2 = s * s, s3 = s2 * s;
        double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2,
               h11 = s3 - s2;
        double d00 = (6 * s2 - 6 * s) / h, d10 = 3 * s2 - 4 * s + 1, d01 = (-6 * s2 + 6 * s) / h,
               d11 = 3 * s2 - 2 * s;
        for (int i = 0; i < 3; i++) {
            double pa = a->x_ecef[i], pb = b->x_ecef[i], va = a->x_ecef[3 + i],
                   vb = b->x_ecef[3 + i];
            x[i] = h00 * pa + h10 * h * va + h01 * pb + h11 * h * vb;
            x[3 + i] = d00 * pa + d10 * va + d01 * pb + d11 * vb;
        }
    }
    const tl_traj_point *ph = (t >= b->t_s) ? b : a;
    if (phase)
        *phase = ph->phase;
    if (thrusting)
        *thrusting = ph->thrusting;
    return TL_OK;
}
