/* predict.c — impact, launch, apogee/class/loft and ground-track prediction from one
 * state estimate (see predict.h and docs/prediction.md).
 *
 * Uncertainty: unscented transform (Julier & Uhlmann 1997; Wan & van der Merwe 2000)
 * of the 6-state; every sigma point is flown to its own event (ground contact going
 * forward, burnout height / ground going backward), so the time spread and the
 * non-linearity of the flight to the ellipsoid are captured. Ground points are
 * averaged in the East-North-Up frame of the mean-state's event point.
 * Minimum-energy trajectory and range relations: Bate, Mueller & White, "Fundamentals
 * of Astrodynamics" (1971), ch. 6 (ballistic missile trajectories).
 */
#include "trilink/predict.h"
#include "predict/predict_int.h"

#include "trilink/sensors.h" /* tl_rng: the sampled trajectories' generator */

#include <math.h>
#include <string.h>

#define NX 6
#define NXM 7 /* 6-state + ln(beta) when the ballistic coefficient is uncertain */
#define NSIGM (2 * NXM + 1)
#define R_MEAN 6371008.8 /* IUGG mean Earth radius, m (range/energy relations) */

/* Boost correction for launch prediction, by energy class (see docs/prediction.md).
 * Measured on flights of flight.h's class presets (min-energy, lofted and depressed,
 * 200-12,000 km): with g the flight-path angle at burnout, the ballistic fall time from
 * the burnout point back to the ground is tau = tau_a + tau_b sin g, the boost lasted
 * tau + dt_a + dt_b sin g, and the boost's ground distance is (RATIO_A + RATIO_B sin g)
 * times the ballistic one (residual sd 0.023). The sigmas are the fit residuals. */
typedef struct boost_model {
    double dt_a_s, dt_b_s, dt_sig_s;
    double tau_a_s, tau_b_s, tau_sig_s;
} boost_model;

static const boost_model BOOST[4] = {
    [TL_CLASS_SRBM] = {35.8, 14.4, 10.2, 32.8, -8.8, 3.8},
    [TL_CLASS_MRBM] = {62.6, 0.4, 12.2, 43.9, -17.1, 4.3},
    [TL_CLASS_IRBM] = {94.6, 33.3, 5.0, 63.4, -21.6, 3.0},
    [TL_CLASS_ICBM] = {81.2, 75.7, 6.0, 114.7, -37.2, 15.6},
};
#define RATIO_A 0.713
#define RATIO_B 0.195
#define RATIO_SIG 0.023

void tl_predict_cfg_default(tl_predict_cfg *c)
{
    memset(c, 0, sizeof *c);
    tl_dyn_model_default(&c->model);
    c->ut_alpha = 1.0;
    c->ut_beta = 2.0;
    c->ut_kappa = 0.0;
    c->tol_pos_m = 1.0;
    c->tol_vel_mps = 1e-3;
    c->max_step_s = 200.0;
    c->horizon_s = 10800.0;
    c->orbit_perigee_h_m = 120e3;
    c->surface_h_m = 0.0;
    c->beta_sigma_frac = 0.0;
}

static void integ_from_cfg(const tl_predict_cfg *c, int drag, tl__integ *ig)
{
    ig->model = c->model;
    if (!drag)
        ig->model.flags &= ~(unsigned)TL_DYN_DRAG;
    ig->tol_pos_m = c->tol_pos_m > 0 ? c->tol_pos_m : 0.05;
    ig->tol_vel_mps = c->tol_vel_mps > 0 ? c->tol_vel_mps : 5e-5;
    ig->max_step_s = c->max_step_s > 0 ? c->max_step_s : 200.0;
}

void tl_ground_ellipse_from_cov(const double C[2][2], tl_ground_ellipse *ell)
{
    double a = C[0][0], b = 0.5 * (C[0][1] + C[1][0]), c = C[1][1];
    double m = 0.5 * (a + c), d = sqrt(0.25 * (a - c) * (a - c) + b * b);
    double l1 = m + d, l2 = m - d;
    if (l2 < 0)
        l2 = 0;
    ell->cov_en_m2[0][0] = a;
    ell->cov_en_m2[0][1] = ell->cov_en_m2[1][0] = b;
    ell->cov_en_m2[1][1] = c;
    ell->semi_major_m = sqrt(TL_CHI2_2_95 * l1);
    ell->semi_minor_m = sqrt(TL_CHI2_2_95 * l2);
    double theta = 0.5 * atan2(2.0 * b, a - c); /* major axis angle from east, CCW */
    double az = 0.5 * TL_PI - theta;            /* from north, clockwise */
    az = fmod(az, TL_PI);
    if (az < 0)
        az += TL_PI;
    ell->major_az_rad = az;
}

static void inertial_state(const double x[6], double r[3], double v[3])
{
    r[0] = x[0];
    r[1] = x[1];
    r[2] = x[2];
    v[0] = x[3] - TL_WGS84_OMEGA * x[1];
    v[1] = x[4] + TL_WGS84_OMEGA * x[0];
    v[2] = x[5];
}

static double dot3(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void cross3(const double a[3], const double b[3], double c[3])
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

static double height_of(const double p[3])
{
    tl_geodetic g;
    tl_ecef_to_geodetic(p, &g);
    return g.h_m;
}

void tl_predict_orbit(const tl_state_est *est, tl_orbit_elements *o)
{
    const double mu = TL_WGS84_GM;
    double r[3], v[3], h[3], e[3];
    memset(o, 0, sizeof *o);
    o->epoch_ns = est->t_ns;
    inertial_state(est->x, r, v);
    double rn = sqrt(dot3(r, r)), v2 = dot3(v, v), rv = dot3(r, v);
    cross3(r, v, h);
    double hn = sqrt(dot3(h, h));
    for (int i = 0; i < 3; i++)
        e[i] = ((v2 - mu / rn) * r[i] - rv * v[i]) / mu;
    double en = sqrt(dot3(e, e));
    o->energy_j_kg = 0.5 * v2 - mu / rn;
    o->a_m = -mu / (2.0 * o->energy_j_kg);
    o->e = en;
    o->incl_rad = hn > 0 ? acos(fmax(-1.0, fmin(1.0, h[2] / hn))) : 0.0;
    double n[3] = {-h[1], h[0], 0.0};
    double nn = sqrt(dot3(n, n));
    o->raan_rad = nn > 0 ? tl_wrap_2pi(atan2(n[1], n[0])) : 0.0;
    if (nn > 0 && en > 1e-10) {
        double c = dot3(n, e) / (nn * en);
        o->argp_rad = acos(fmax(-1.0, fmin(1.0, c)));
        if (e[2] < 0)
            o->argp_rad = 2.0 * TL_PI - o->argp_rad;
    }
    if (en > 1e-10) {
        double c = dot3(e, r) / (en * rn);
        o->true_anom_rad = acos(fmax(-1.0, fmin(1.0, c)));
        if (rv < 0)
            o->true_anom_rad = 2.0 * TL_PI - o->true_anom_rad;
    }
    double p = hn * hn / mu;
    double dir[3];
    for (int i = 0; i < 3; i++)
        dir[i] = en > 1e-10 ? e[i] / en : r[i] / rn;
    double rp = p / (1.0 + en), pp[3];
    for (int i = 0; i < 3; i++)
        pp[i] = rp * dir[i];
    o->perigee_h_m = height_of(pp);
    if (o->energy_j_kg < 0 && en < 1.0) {
        double ra = p / (1.0 - en);
        for (int i = 0; i < 3; i++)
            pp[i] = -ra * dir[i];
        o->apogee_h_m = height_of(pp);
        o->period_s = 2.0 * TL_PI * sqrt(o->a_m * o->a_m * o->a_m / mu);
    }
}

tl_missile_class tl_predict_class_of_range(double range_m)
{
    if (range_m < 1000e3)
        return TL_CLASS_SRBM;
    if (range_m < 3000e3)
        return TL_CLASS_MRBM;
    if (range_m < 5500e3)
        return TL_CLASS_IRBM;
    return TL_CLASS_ICBM;
}

double tl_predict_min_energy_apogee(double range_m)
{
    double psi = range_m / R_MEAN;
    if (psi <= 0)
        return 0.0;
    if (psi > TL_PI)
        psi = TL_PI;
    double s = sin(0.5 * psi);
    double nu = 2.0 * s / (1.0 + s);   /* v^2 r / GM of the min-energy shot */
    double gam = 0.25 * (TL_PI - psi); /* its flight-path angle */
    double a = R_MEAN / (2.0 - nu);
    double p = R_MEAN * nu * cos(gam) * cos(gam);
    double e = sqrt(fmax(0.0, 1.0 - p / a));
    return a * (1.0 + e) - R_MEAN;
}

/* ground range reachable on a minimum-energy flight with the state's inertial energy */
static double energy_range(const double x[6])
{
    double r[3], v[3];
    inertial_state(x, r, v);
    double eps = 0.5 * dot3(v, v) - TL_WGS84_GM / sqrt(dot3(r, r));
    double vs2 = 2.0 * (eps + TL_WGS84_GM / R_MEAN);
    if (vs2 <= 0)
        return 0.0;
    double nu = vs2 * R_MEAN / TL_WGS84_GM;
    if (nu >= 1.0)
        return TL_PI * R_MEAN;
    double s = nu / (2.0 - nu);
    return 2.0 * asin(fmin(1.0, s)) * R_MEAN;
}

tl_missile_class tl_predict_energy_class(const tl_state_est *est)
{
    return tl_predict_class_of_range(energy_range(est->x));
}

void tl_predict_beta_prior(tl_missile_class cls, double *beta_kg_m2, double *ln_sigma)
{
    if ((int)cls < 0 || cls >= TL_CLASS_COUNT)
        cls = TL_CLASS_SRBM;
    *beta_kg_m2 = tl_missile_preset_get(cls)->beta_rv_kg_m2;
    *ln_sigma = TL_PREDICT_BETA_PRIOR_LN_SIGMA;
}

void tl_predict_cfg_set_beta(tl_predict_cfg *c, double beta_kg_m2, double ln_sigma)
{
    if (!(beta_kg_m2 > 0) || !isfinite(beta_kg_m2)) {
        c->model.beta_kg_m2 = 0.0;
        c->beta_sigma_frac = 0.0;
        return;
    }
    c->model.flags |= TL_DYN_DRAG;
    c->model.beta_kg_m2 = beta_kg_m2;
    c->beta_sigma_frac = ln_sigma > 0 && isfinite(ln_sigma) ? expm1(ln_sigma) : 0.0;
}

/* ---- sigma points ---------------------------------------------------------------- */

typedef struct sigma_set {
    int n, ns; /* dimension (6 or 7) and number of sigma points */
    double X[NSIGM][NXM];
    double wm[NSIGM], wc[NSIGM];
} sigma_set;

static int check_est(const tl_state_est *est, tl_err *err)
{
    if (!est)
        return tl_err_set(err, TL_EINVAL, "predict: estimate is NULL");
    if (!tl__finite6(est->x, est->P))
        return tl_err_set(err, TL_EINVAL, "predict: estimate at t_ns %lld has a non-finite value",
                          (long long)est->t_ns);
    double r = sqrt(dot3(est->x, est->x));
    if (r < 6.0e6)
        return tl_err_set(err, TL_EINVAL,
                          "predict: estimate position radius %.0f m is inside the Earth", r);
    return TL_OK;
}

/* Sigma points of the 6-state, or of [6-state, ln beta] when ln_beta_sig > 0 (the
 * ballistic coefficient log-normal with that relative sigma, independent of the state). */
static int make_sigmas(const tl_predict_cfg *c, const tl_state_est *est, double ln_beta_sig,
                       sigma_set *s, tl_err *err)
{
    double L6[6][6], P[6][6];
    memcpy(P, est->P, sizeof P);
    tl__mat6_symmetrize(P);
    if (tl__chol6(P, L6) != 0)
        return tl_err_set(err, TL_ENOTPD,
                          "predict: covariance of estimate at t_ns %lld not positive definite",
                          (long long)est->t_ns);
    int n = ln_beta_sig > 0 ? NXM : NX;
    double L[NXM][NXM], mean[NXM];
    memset(L, 0, sizeof L);
    for (int i = 0; i < NX; i++) {
        mean[i] = est->x[i];
        for (int j = 0; j < NX; j++)
            L[i][j] = L6[i][j];
    }
    if (n == NXM) {
        mean[6] = log(c->model.beta_kg_m2);
        L[6][6] = ln_beta_sig;
    }
    double al = c->ut_alpha > 0 ? c->ut_alpha : 1.0;
    double lam = al * al * (n + c->ut_kappa) - n;
    if (n + lam <= 0)
        return tl_err_set(err, TL_EINVAL, "predict: ut_alpha/ut_kappa give n + lambda <= 0");
    double g = sqrt(n + lam);
    s->n = n;
    s->ns = 2 * n + 1;
    for (int i = 0; i < n; i++)
        s->X[0][i] = mean[i];
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            s->X[1 + j][i] = mean[i] + g * L[i][j];
            s->X[1 + n + j][i] = mean[i] - g * L[i][j];
        }
    s->wm[0] = lam / (n + lam);
    s->wc[0] = s->wm[0] + (1.0 - al * al + c->ut_beta);
    for (int i = 1; i < s->ns; i++)
        s->wm[i] = s->wc[i] = 0.5 / (n + lam);
    return TL_OK;
}

/* Weighted mean/covariance of ground points (ECEF) and times over the points with
 * ok[i]; reference frame at ref. Fills point (h = surface), t mean/sigma and ellipse. */
static void ground_stats(const sigma_set *s, const int ok[NSIGM], const double pos[NSIGM][3],
                         const double t[NSIGM], const tl_geodetic *ref, double surface_h,
                         tl_geodetic *mean_pt, double *t_mean, double *t_sig,
                         tl_ground_ellipse *ell)
{
    double ref_ecef[3], enu[NSIGM][3];
    tl_geodetic r0 = *ref;
    r0.h_m = surface_h;
    tl_geodetic_to_ecef(&r0, ref_ecef);
    double sw = 0.0, swc = 0.0, me[3] = {0, 0, 0}, mt = 0.0;
    for (int i = 0; i < s->ns; i++) {
        if (!ok[i])
            continue;
        tl_ecef_to_enu(&r0, ref_ecef, pos[i], enu[i]);
        sw += s->wm[i];
        swc += s->wc[i];
    }
    /* all-but-centre weights can sum to ~0 only with exotic UT settings; fall back */
    int uniform = fabs(sw) < 1e-9;
    int nok = 0;
    for (int i = 0; i < s->ns; i++)
        nok += ok[i];
    for (int i = 0; i < s->ns; i++) {
        if (!ok[i])
            continue;
        double w = uniform ? 1.0 / nok : s->wm[i] / sw;
        for (int k = 0; k < 3; k++)
            me[k] += w * enu[i][k];
        mt += w * t[i];
    }
    double C[2][2] = {{0, 0}, {0, 0}}, vt = 0.0;
    double wscale = (nok == s->ns || uniform) ? 1.0 : 1.0 / (swc > 0 ? swc : 1.0);
    for (int i = 0; i < s->ns; i++) {
        if (!ok[i])
            continue;
        double w = uniform ? 1.0 / nok : s->wc[i] * wscale;
        double de = enu[i][0] - me[0], dn = enu[i][1] - me[1], dt = t[i] - mt;
        C[0][0] += w * de * de;
        C[0][1] += w * de * dn;
        C[1][1] += w * dn * dn;
        vt += w * dt * dt;
    }
    C[1][0] = C[0][1];
    double mp[3];
    tl_enu_to_ecef(&r0, ref_ecef, me, mp);
    tl_ecef_to_geodetic(mp, mean_pt);
    mean_pt->h_m = surface_h;
    *t_mean = mt;
    *t_sig = sqrt(fmax(0.0, vt));
    tl_ground_ellipse_from_cov(C, ell);
}

static int64_t add_s(int64_t t_ns, double dt_s)
{
    return t_ns + (int64_t)llround(dt_s * 1e9);
}

/* ---- impact ------------------------------------------------------------------------ */

int tl_predict_impact(const tl_predict_cfg *c, const tl_state_est *est, tl_impact_pred *out,
                      tl_err *err)
{
    int rc = check_est(est, err);
    if (rc)
        return rc;
    tl_impact_pred r;
    memset(&r, 0, sizeof r);
    tl_predict_orbit(est, &r.orbit);
    if (r.orbit.energy_j_kg >= 0) {
        r.status = TL_PRED_ESCAPE;
        *out = r;
        return TL_OK;
    }
    if (r.orbit.perigee_h_m > c->orbit_perigee_h_m) {
        r.status = TL_PRED_ORBIT;
        *out = r;
        return TL_OK;
    }
    sigma_set s;
    int drag = (c->model.flags & TL_DYN_DRAG) && c->model.beta_kg_m2 > 0.0;
    double lbs = drag && c->beta_sigma_frac > 0 ? log1p(c->beta_sigma_frac) : 0.0;
    if ((rc = make_sigmas(c, est, lbs, &s, err)))
        return rc;
    tl__integ ig;
    integ_from_cfg(c, 1, &ig);
    double pos[NSIGM][3], t[NSIGM];
    int ok[NSIGM];
    double hstep = 0.0;
    for (int i = 0; i < s.ns; i++) {
        double x[6], te = 0.0;
        memcpy(x, s.X[i], sizeof x);
        if (s.n == NXM)
            ig.model.beta_kg_m2 = exp(s.X[i][6]);
        double h0;
        tl__height_rate(x, &h0, NULL);
        int hit;
        if (h0 <= c->surface_h_m) { /* at or below the ground already: impact now, here */
            tl_geodetic g;
            tl_ecef_to_geodetic(x, &g);
            g.h_m = c->surface_h_m;
            tl_geodetic_to_ecef(&g, x);
            hit = 1;
        } else {
            hit = tl__integ_run(&ig, x, c->horizon_s, TL__EV_HEIGHT, c->surface_h_m, &te, &hstep);
        }
        hstep = 0.0;
        if (hit < 0)
            return tl_err_set(err, TL_ENOCONV,
                              "predict: integrator step collapsed for sigma point %d (t_ns %lld)",
                              i, (long long)est->t_ns);
        ok[i] = hit == 1;
        r.n_sigma_missed += !ok[i];
        if (!ok[i])
            continue;
        memcpy(pos[i], x, sizeof pos[i]);
        t[i] = te;
        if (i == 0) {
            double h, hd;
            tl__height_rate(x, &h, &hd);
            r.speed_mps = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
            r.gamma_rad = asin(fmax(-1.0, fmin(1.0, hd / r.speed_mps)));
        }
    }
    if (!ok[0]) {
        r.status = TL_PRED_NO_IMPACT;
        *out = r;
        return TL_OK;
    }
    tl_geodetic ref;
    tl_ecef_to_geodetic(pos[0], &ref);
    double tm, ts;
    ground_stats(&s, ok, pos, t, &ref, c->surface_h_m, &r.point, &tm, &ts, &r.ell);
    r.status = TL_PRED_IMPACT;
    r.time_to_go_s = tm;
    r.t_ns = add_s(est->t_ns, tm);
    r.t_sigma_s = ts;
    *out = r;
    return TL_OK;
}

/* ---- launch ------------------------------------------------------------------------ */

static tl_missile_class clamp_class(tl_missile_class k)
{
    return k > TL_CLASS_ICBM ? TL_CLASS_ICBM : k;
}

static double fpa_sin(const double x[6])
{
    double h, hd;
    tl__height_rate(x, &h, &hd);
    double v = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
    return v > 0 ? fmax(0.0, fmin(1.0, hd / v)) : 0.0;
}

typedef struct launch_pt {
    double pos[3];    /* corrected launch point (ECEF, on the surface) */
    double t_s;       /* corrected launch time offset (<= 0) */
    tl_geodetic ball; /* ballistic ground point */
    double t_ball_s;
    tl_geodetic bo; /* estimated burnout point */
    double t_bo_s;
    double s_ball_m, ratio, sin_g, az_rad, tau_s;
} launch_pt;

/* Ballistic back-propagation of one state to the ground and boost correction. */
static int launch_one(const tl__integ *ig, const tl_predict_cfg *c, const boost_model *bm,
                      const double x0[6], launch_pt *lp)
{
    double xg[6], tg = 0.0, hs = 0.0, h0;
    memcpy(xg, x0, sizeof xg);
    tl__height_rate(xg, &h0, NULL);
    if (h0 <= c->surface_h_m) /* on the ground: nothing to back-propagate */
        return 0;
    if (tl__integ_run(ig, xg, -c->horizon_s, TL__EV_HEIGHT, c->surface_h_m, &tg, &hs) != 1)
        return 0;
    tl_ecef_to_geodetic(xg, &lp->ball);
    lp->t_ball_s = tg;
    /* burnout on the arc: tau after the ballistic ground time, tau from the angle there */
    double xb[6], tt;
    memcpy(xb, xg, sizeof xb);
    double tau0 = bm->tau_a_s + 0.5 * bm->tau_b_s, tmax = -tg;
    if (tau0 > tmax)
        tau0 = tmax;
    hs = 0.0;
    tl__integ_run(ig, xb, tau0, TL__EV_NONE, 0.0, &tt, &hs);
    double sg = fpa_sin(xb);
    double tau = bm->tau_a_s + bm->tau_b_s * sg;
    if (tau > tmax) /* the state itself is (near) burnout */
        tau = tmax;
    if (tau != tau0)
        tl__integ_run(ig, xb, tau - tau0, TL__EV_NONE, 0.0, &tt, &hs);
    sg = fpa_sin(xb);
    tl_ecef_to_geodetic(xb, &lp->bo);
    lp->t_bo_s = tg + tau;
    lp->tau_s = tau;
    double az2;
    tl_geodesic_inverse(lp->ball.lat_rad, lp->ball.lon_rad, lp->bo.lat_rad, lp->bo.lon_rad,
                        &lp->s_ball_m, &lp->az_rad, &az2);
    lp->sin_g = sg;
    lp->ratio = RATIO_A + RATIO_B * sg;
    double lat, lon, a2;
    tl_geodesic_direct(lp->ball.lat_rad, lp->ball.lon_rad, lp->az_rad,
                       (1.0 - lp->ratio) * lp->s_ball_m, &lat, &lon, &a2);
    tl_geodetic g = {lat, lon, c->surface_h_m};
    tl_geodetic_to_ecef(&g, lp->pos);
    lp->t_s = tg - (bm->dt_a_s + bm->dt_b_s * sg);
    return 1;
}

int tl_predict_launch(const tl_predict_cfg *c, const tl_state_est *est, tl_launch_pred *out,
                      tl_err *err)
{
    int rc = check_est(est, err);
    if (rc)
        return rc;
    tl_launch_pred r;
    memset(&r, 0, sizeof r);
    sigma_set s;
    if ((rc = make_sigmas(c, est, 0.0, &s, err)))
        return rc;
    tl__integ ig;
    integ_from_cfg(c, 0, &ig); /* no drag backwards: the boost correction absorbs it */
    tl_missile_class k = clamp_class(tl_predict_class_of_range(energy_range(est->x)));
    const boost_model *bm = &BOOST[k];
    r.boost_class = k;
    double pos[NSIGM][3], t[NSIGM];
    int ok[NSIGM];
    launch_pt m;
    memset(&m, 0, sizeof m);
    for (int i = 0; i < s.ns; i++) {
        launch_pt lp;
        ok[i] = launch_one(&ig, c, bm, s.X[i], &lp);
        if (!ok[i])
            continue;
        memcpy(pos[i], lp.pos, sizeof pos[i]);
        t[i] = lp.t_s;
        if (i == 0)
            m = lp;
    }
    if (!ok[0]) {
        r.status = TL_PRED_NO_IMPACT;
        *out = r;
        return TL_OK;
    }
    r.ballistic_point = m.ball;
    r.ballistic_point.h_m = c->surface_h_m;
    r.ballistic_t_ns = add_s(est->t_ns, m.t_ball_s);
    r.burnout_point = m.bo;
    r.burnout_t_ns = add_s(est->t_ns, m.t_bo_s);
    r.boost_range_m = m.ratio * m.s_ball_m;
    r.boost_time_s = m.t_bo_s - m.t_s;
    tl_geodetic ref;
    tl_ecef_to_geodetic(pos[0], &ref);
    double tm, ts;
    ground_stats(&s, ok, pos, t, &ref, c->surface_h_m, &r.point, &tm, &ts, &r.ell);
    /* boost-model spread: along the ground track (ratio and tau residuals), across it */
    double sa = hypot(RATIO_SIG * m.s_ball_m,
                      (1.0 - m.ratio) * m.s_ball_m * bm->tau_sig_s / fmax(m.tau_s, 1.0));
    double sc = 0.01 * m.s_ball_m + 500.0;
    double az = m.az_rad, u[2] = {sin(az), cos(az)}, w[2] = {cos(az), -sin(az)};
    double C[2][2];
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            C[a][b] = r.ell.cov_en_m2[a][b] + sa * sa * u[a] * u[b] + sc * sc * w[a] * w[b];
    tl_ground_ellipse_from_cov(C, &r.ell);
    r.status = TL_PRED_IMPACT;
    r.t_ns = add_s(est->t_ns, tm);
    r.t_sigma_s = sqrt(ts * ts + bm->dt_sig_s * bm->dt_sig_s);
    *out = r;
    return TL_OK;
}

/* ---- threat summary ---------------------------------------------------------------- */

static double along_var(const tl_ground_ellipse *e, double az)
{
    double u[2] = {sin(az), cos(az)};
    return u[0] * u[0] * e->cov_en_m2[0][0] + 2 * u[0] * u[1] * e->cov_en_m2[0][1] +
           u[1] * u[1] * e->cov_en_m2[1][1];
}

int tl_predict_threat(const tl_predict_cfg *c, const tl_state_est *est, tl_threat_pred *out,
                      tl_err *err)
{
    tl_threat_pred r;
    memset(&r, 0, sizeof r);
    int rc = tl_predict_impact(c, est, &r.impact, err);
    if (rc)
        return rc;
    r.energy_range_m = energy_range(est->x);
    r.cls_energy = clamp_class(tl_predict_class_of_range(r.energy_range_m));
    r.loft = TL_LOFT_MIN_ENERGY;
    if (r.impact.status == TL_PRED_ORBIT || r.impact.status == TL_PRED_ESCAPE) {
        r.space_launch = 1;
        r.cls = TL_CLASS_SLV;
        r.apogee_h_m = r.impact.orbit.apogee_h_m;
        *out = r;
        return TL_OK;
    }
    if ((rc = tl_predict_launch(c, est, &r.launch, err)))
        return rc;
    /* apogee of the mean state, numerically (J2 moves an osculating apogee by km) */
    tl__integ ig;
    integ_from_cfg(c, 0, &ig);
    double x[6], h, hd, ta = 0.0, hs = 0.0;
    memcpy(x, est->x, sizeof x);
    tl__height_rate(x, &h, &hd);
    double dir = hd >= 0 ? 1.0 : -1.0;
    if (tl__integ_run(&ig, x, dir * c->horizon_s, TL__EV_APSIS, 0.0, &ta, &hs) == 1) {
        tl__height_rate(x, &h, &hd);
        r.apogee_h_m = h;
        r.apogee_t_ns = add_s(est->t_ns, ta);
    } else {
        r.apogee_h_m = r.impact.orbit.apogee_h_m;
    }
    /* apogee spread from the sigma points' osculating apogees */
    sigma_set s;
    if ((rc = make_sigmas(c, est, 0.0, &s, err)))
        return rc;
    double ha[NSIGM], m = 0.0, v = 0.0;
    for (int i = 0; i < s.ns; i++) {
        tl_state_est e1 = *est;
        tl_orbit_elements o;
        memcpy(e1.x, s.X[i], sizeof e1.x);
        tl_predict_orbit(&e1, &o);
        ha[i] = o.apogee_h_m;
        m += s.wm[i] * ha[i];
    }
    for (int i = 0; i < s.ns; i++)
        v += s.wc[i] * (ha[i] - m) * (ha[i] - m);
    r.apogee_sigma_m = sqrt(fmax(0.0, v));
    if (r.impact.status == TL_PRED_IMPACT && r.launch.status == TL_PRED_IMPACT) {
        double az1, az2;
        tl_geodesic_inverse(r.launch.point.lat_rad, r.launch.point.lon_rad, r.impact.point.lat_rad,
                            r.impact.point.lon_rad, &r.range_m, &az1, &az2);
        r.range_sigma_m = sqrt(along_var(&r.launch.ell, az1) + along_var(&r.impact.ell, az2));
        r.cls = tl_predict_class_of_range(r.range_m);
        r.min_energy_apogee_m = tl_predict_min_energy_apogee(r.range_m);
        double ratio = r.min_energy_apogee_m > 0 ? r.apogee_h_m / r.min_energy_apogee_m : 1.0;
        r.loft = ratio > 1.3   ? TL_LOFT_LOFTED
                 : ratio < 0.7 ? TL_LOFT_DEPRESSED
                               : TL_LOFT_MIN_ENERGY;
    } else {
        r.cls = r.cls_energy;
    }
    *out = r;
    return TL_OK;
}

/* ---- ground track ------------------------------------------------------------------ */

int tl_predict_ground_track(const tl_predict_cfg *c, const tl_state_est *est, double dt_s,
                            tl_track_sample *out, size_t cap, size_t *n_out, tl_err *err)
{
    if (!(dt_s > 0) || !isfinite(dt_s))
        return tl_err_set(err, TL_EINVAL, "predict: ground-track step dt_s = %g must be > 0", dt_s);
    if (!out || cap == 0)
        return tl_err_set(err, TL_EINVAL, "predict: ground-track output capacity is 0");
    if (!est || !tl__finite6(est->x, NULL))
        return tl_err_set(err, TL_EINVAL,
                          "predict: ground-track estimate is missing or not finite");
    tl__integ ig;
    integ_from_cfg(c, 1, &ig);
    double x[6], t = 0.0, hs = 0.0;
    memcpy(x, est->x, sizeof x);
    size_t n = 0;
    for (;;) {
        tl_geodetic g;
        tl_ecef_to_geodetic(x, &g);
        out[n].t_ns = add_s(est->t_ns, t);
        out[n].lat_rad = g.lat_rad;
        out[n].lon_rad = g.lon_rad;
        out[n].h_m = g.h_m;
        n++;
        if (n >= cap || t >= c->horizon_s || g.h_m <= c->surface_h_m)
            break;
        double te = 0.0;
        int rc = tl__integ_run(&ig, x, dt_s, TL__EV_HEIGHT, c->surface_h_m, &te, &hs);
        if (rc < 0)
            return tl_err_set(err, TL_ENOCONV, "predict: ground-track integrator step collapsed");
        t += te;
        if (rc == 1) {
            if (n >= cap)
                break;
            tl_ecef_to_geodetic(x, &g);
            out[n].t_ns = add_s(est->t_ns, t);
            out[n].lat_rad = g.lat_rad;
            out[n].lon_rad = g.lon_rad;
            out[n].h_m = g.h_m;
            n++;
            break;
        }
    }
    *n_out = n;
    return TL_OK;
}

/* ---- sampled trajectories (overflight probability) --------------------------------- */

/* Append the point where the segment a -> b (heights ha, hb on either side of h0)
 * crosses h0, interpolated linearly in latitude, longitude and height. */
static void cross_point(const tl_geodetic *a, const tl_geodetic *b, double h0, tl_geodetic *o)
{
    double f = (h0 - a->h_m) / (b->h_m - a->h_m);
    double dlon = tl_wrap_pi(b->lon_rad - a->lon_rad);
    o->lat_rad = a->lat_rad + f * (b->lat_rad - a->lat_rad);
    o->lon_rad = tl_wrap_pi(a->lon_rad + f * dlon);
    o->h_m = h0;
}

int tl_predict_sampled_tracks(const tl_predict_cfg *c, const tl_state_est *est, size_t n_tracks,
                              uint64_t seed, double dt_s, double min_h_m, tl_geodetic *out,
                              size_t cap, size_t *n_pts, tl_err *err)
{
    if (n_tracks == 0 || n_tracks > TL_PREDICT_MAX_SAMPLES)
        return tl_err_set(err, TL_EINVAL, "predict: sampled tracks n_tracks = %zu (1..%d)",
                          n_tracks, TL_PREDICT_MAX_SAMPLES);
    if (!(dt_s > 0) || !isfinite(dt_s) || !out || !n_pts || cap < 2 || !isfinite(min_h_m))
        return tl_err_set(err, TL_EINVAL,
                          "predict: sampled tracks dt_s = %g, cap = %zu, min_h_m = %g invalid",
                          dt_s, cap, min_h_m);
    int rc = check_est(est, err);
    if (rc)
        return rc;
    double P[6][6], L[6][6];
    memcpy(P, est->P, sizeof P);
    tl__mat6_symmetrize(P);
    if (tl__chol6(P, L) != 0)
        return tl_err_set(err, TL_ENOTPD,
                          "predict: covariance of estimate at t_ns %lld not positive definite",
                          (long long)est->t_ns);
    int drag = (c->model.flags & TL_DYN_DRAG) && c->model.beta_kg_m2 > 0.0;
    double lbs = drag && c->beta_sigma_frac > 0 ? log1p(c->beta_sigma_frac) : 0.0;
    tl__integ ig;
    integ_from_cfg(c, 1, &ig);
    tl_rng rng;
    tl_rng_seed(&rng, seed);
    double z[7] = {0};
    for (size_t k = 0; k < n_tracks; k++) {
        if (k % 2 == 0)
            for (int i = 0; i < 7; i++)
                z[i] = tl_rng_normal(&rng);
        double sg = k % 2 == 0 ? 1.0 : -1.0, x[6];
        for (int i = 0; i < 6; i++) {
            double d = 0;
            for (int j = 0; j <= i; j++)
                d += L[i][j] * z[j];
            x[i] = est->x[i] + sg * d;
        }
        ig.model.beta_kg_m2 = c->model.beta_kg_m2 * (lbs > 0 ? exp(sg * lbs * z[6]) : 1.0);
        tl_geodetic *o = out + k * cap, prev;
        size_t n = 0;
        double t = 0.0, hs = 0.0;
        tl_ecef_to_geodetic(x, &prev);
        if (prev.h_m >= min_h_m)
            o[n++] = prev;
        for (int guard = 0; guard < 100000 && t < c->horizon_s && prev.h_m > c->surface_h_m;
             guard++) {
            double te = 0.0;
            int hit = tl__integ_run(&ig, x, dt_s, TL__EV_HEIGHT, c->surface_h_m, &te, &hs);
            if (hit < 0)
                return tl_err_set(err, TL_ENOCONV,
                                  "predict: integrator gave up on sampled track %zu", k);
            t += te;
            tl_geodetic g;
            tl_ecef_to_geodetic(x, &g);
            if ((prev.h_m < min_h_m) != (g.h_m < min_h_m) && n < cap)
                cross_point(&prev, &g, min_h_m, &o[n++]);
            if (g.h_m >= min_h_m && n < cap)
                o[n++] = g;
            prev = g;
            if (hit == 1 || n >= cap)
                break;
        }
        n_pts[k] = n;
    }
    return TL_OK;
}
