/* radar.c — the surveillance radar model (see sensors.h).
 *
 * Visibility: slant range limits, then line of sight over WGS-84 with an
 * effective Earth of k R (k = 4/3, standard refraction; R the Gaussian radius of
 * curvature at the mid latitude), the minimum apparent elevation, and the face's
 * azimuth/elevation sector (apparent elevation: the beam bends with the ray).
 * Detection: SNR scaled from a reference point by the radar equation, Swerling-1
 * square-law Pd = Pfa^(1/(1+SNR)) (Richards 2005, sec. 6.3; Skolnik). Measurements
 * are geometric range/azimuth/elevation/range rate plus a fixed bias plus Gaussian
 * noise; false alarms are uniform in the surveillance volume (range^3, sin(el), az).
 */
#include "trilink/sensors.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TL_FA_MAX_RANGE_RATE 7000.0 /* false-alarm range rates: uniform within +-this */

void tl_radar_cfg_default(tl_radar_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->boresight_az_rad = 0.0;
    c->boresight_el_rad = TL_PI / 4;
    c->half_az_rad = TL_PI;
    c->half_el_rad = TL_PI / 4;
    c->min_el_rad = 0.0;
    c->min_range_m = 1000.0;
    c->max_range_m = 1.0e6;
    c->revisit_s = 5.0;
    c->sigma[0] = 50.0;
    c->sigma[1] = 1e-3;
    c->sigma[2] = 1e-3;
    c->sigma[3] = 10.0;
    c->ref_rcs_m2 = 1.0;
    c->ref_range_m = 1.0e6;
    c->ref_snr_db = 20.0;
    c->pfa = 1e-6;
    c->fa_per_scan = 0.0;
    c->k_refraction = TL_K_REFRACTION;
}

static int bad(tl_err *err, const char *id, const char *field, double v)
{
    return tl_err_set(err, TL_EINVAL, "radar %s: %s out of range (%g)", id, field, v);
}

int tl_radar_init(tl_radar *r, const tl_radar_cfg *c, tl_err *err)
{
    const char *id = c->id[0] ? c->id : "(unnamed)";
    if (!c->id[0])
        return tl_err_set(err, TL_EINVAL, "radar: empty id");
    if (!c->nation[0])
        return tl_err_set(err, TL_EINVAL, "radar %s: empty nation", id);
    if (!(fabs(c->site.lat_rad) <= TL_PI / 2))
        return bad(err, id, "latitude", c->site.lat_rad / TL_DEG);
    if (!(fabs(c->site.lon_rad) <= 2 * TL_PI))
        return bad(err, id, "longitude", c->site.lon_rad / TL_DEG);
    if (!(c->site.h_m >= -500.0 && c->site.h_m < 1e5))
        return bad(err, id, "height_m", c->site.h_m);
    if (!(c->half_az_rad > 0.0))
        return bad(err, id, "azimuth half-width", c->half_az_rad / TL_DEG);
    if (!(c->half_el_rad > 0.0 && c->half_el_rad <= TL_PI))
        return bad(err, id, "elevation half-width", c->half_el_rad / TL_DEG);
    if (!(fabs(c->boresight_el_rad) <= TL_PI / 2))
        return bad(err, id, "boresight elevation", c->boresight_el_rad / TL_DEG);
    if (!isfinite(c->boresight_az_rad))
        return bad(err, id, "boresight azimuth", c->boresight_az_rad);
    if (!(c->min_el_rad >= -TL_PI / 2 && c->min_el_rad < TL_PI / 2))
        return bad(err, id, "minimum elevation", c->min_el_rad / TL_DEG);
    if (!(c->min_range_m >= 0.0 && c->max_range_m > c->min_range_m && isfinite(c->max_range_m)))
        return bad(err, id, "range limits", c->max_range_m);
    if (!(c->revisit_s > 0.0 && isfinite(c->revisit_s)))
        return bad(err, id, "revisit_s", c->revisit_s);
    int nz = c->has_range_rate ? 4 : 3;
    for (int i = 0; i < nz; i++) {
        if (!(c->sigma[i] > 0.0 && isfinite(c->sigma[i])))
            return bad(err, id, "sigma", c->sigma[i]);
        if (!isfinite(c->bias[i]))
            return bad(err, id, "bias", c->bias[i]);
    }
    if (!(c->ref_rcs_m2 > 0.0 && c->ref_range_m > 0.0 && isfinite(c->ref_snr_db)))
        return bad(err, id, "reference point", c->ref_snr_db);
    if (!(c->pfa > 0.0 && c->pfa < 1.0))
        return bad(err, id, "pfa", c->pfa);
    if (!(c->fa_per_scan >= 0.0 && c->fa_per_scan <= 1e4))
        return bad(err, id, "false alarms per scan", c->fa_per_scan);
    if (!(c->k_refraction >= 1.0 && c->k_refraction <= 10.0))
        return bad(err, id, "refraction factor k", c->k_refraction);
    memset(r, 0, sizeof *r);
    r->cfg = *c;
    r->cfg.site.lon_rad = tl_wrap_pi(c->site.lon_rad); /* plots carry (-pi, pi] */
    tl_geodetic_to_ecef(&r->cfg.site, r->site_ecef);
    r->ref_snr_lin = pow(10.0, c->ref_snr_db / 10.0);
    return TL_OK;
}

void tl_radar_el_limits(const tl_radar *r, double *el_lo, double *el_hi)
{
    double lo = r->cfg.boresight_el_rad - r->cfg.half_el_rad;
    double hi = r->cfg.boresight_el_rad + r->cfg.half_el_rad;
    if (lo < r->cfg.min_el_rad)
        lo = r->cfg.min_el_rad;
    if (hi > TL_PI / 2)
        hi = TL_PI / 2;
    *el_lo = lo;
    *el_hi = hi;
}

tl_vis tl_radar_visible(const tl_radar *r, const double pos_ecef[3])
{
    const tl_radar_cfg *c = &r->cfg;
    double az, el, range;
    tl_ecef_to_aer(&c->site, r->site_ecef, pos_ecef, &az, &el, &range);
    if (range < c->min_range_m || range > c->max_range_m)
        return TL_VIS_RANGE;
    tl_geodetic t;
    tl_ecef_to_geodetic(pos_ecef, &t);
    double ground;
    tl_geodesic_inverse(c->site.lat_rad, c->site.lon_rad, t.lat_rad, t.lon_rad, &ground, NULL,
                        NULL);
    double earth_r = tl_earth_radius_gauss(0.5 * (c->site.lat_rad + t.lat_rad));
    if (t.h_m < tl_horizon_min_height(ground, c->site.h_m, c->k_refraction, earth_r))
        return TL_VIS_HORIZON;
    double el_app = tl_effective_elevation(ground, c->site.h_m, t.h_m, c->k_refraction, earth_r);
    if (el_app < c->min_el_rad)
        return TL_VIS_ELEV;
    if (c->half_az_rad < TL_PI && fabs(tl_wrap_pi(az - c->boresight_az_rad)) > c->half_az_rad)
        return TL_VIS_SECTOR;
    if (fabs(el_app - c->boresight_el_rad) > c->half_el_rad)
        return TL_VIS_SECTOR;
    return TL_VIS_OK;
}

double tl_radar_snr(const tl_radar *r, double rcs_m2, double range_m)
{
    double q = r->cfg.ref_range_m / range_m;
    return r->ref_snr_lin * (rcs_m2 / r->cfg.ref_rcs_m2) * q * q * q * q;
}

double tl_swerling1_pd(double snr_lin, double pfa)
{
    if (!(snr_lin >= 0.0))
        return 0.0;
    return pow(pfa, 1.0 / (1.0 + snr_lin));
}

void tl_radar_truth_z(const tl_radar *r, const double x[6], double z[4])
{
    double az, el, range;
    tl_ecef_to_aer(&r->cfg.site, r->site_ecef, x, &az, &el, &range);
    z[0] = range;
    z[1] = az;
    z[2] = el;
    double rr = 0.0;
    if (range > 0.0)
        for (int i = 0; i < 3; i++)
            rr += (x[i] - r->site_ecef[i]) * x[3 + i];
    z[3] = range > 0.0 ? rr / range : 0.0;
}

static void plot_header(const tl_radar *r, int64_t t_ns, tl_plot *out)
{
    memset(out, 0, sizeof *out);
    out->t_ns = t_ns;
    memcpy(out->sensor_id, r->cfg.id, sizeof out->sensor_id);
    memcpy(out->nation, r->cfg.nation, sizeof out->nation);
    out->kind = TL_PLOT_RADAR;
    out->site = r->cfg.site;
    memcpy(out->site_ecef, r->site_ecef, sizeof out->site_ecef);
    out->nz = r->cfg.has_range_rate ? 4 : 3;
    for (int i = 0; i < out->nz; i++)
        out->sigma[i] = r->cfg.sigma[i];
}

static double clamp_el(double el)
{
    return el > TL_PI / 2 ? TL_PI / 2 : (el < -TL_PI / 2 ? -TL_PI / 2 : el);
}

void tl_radar_measure(const tl_radar *r, tl_rng *rng, int64_t t_ns, const double x[6], tl_plot *out)
{
    double z[4];
    tl_radar_truth_z(r, x, z);
    plot_header(r, t_ns, out);
    for (int i = 0; i < out->nz; i++)
        out->z[i] = z[i] + r->cfg.bias[i] + r->cfg.sigma[i] * tl_rng_normal(rng);
    if (out->z[0] <= 0.0) /* only for targets within a few sigma of the antenna */
        out->z[0] = 1e-3;
    out->z[1] = tl_wrap_2pi(out->z[1]);
    out->z[2] = clamp_el(out->z[2]);
}

int tl_radar_detect(const tl_radar *r, tl_rng *rng, int64_t t_ns, const double x[6], double rcs_m2,
                    tl_plot *out)
{
    if (tl_radar_visible(r, x) != TL_VIS_OK)
        return 0;
    double dx = x[0] - r->site_ecef[0], dy = x[1] - r->site_ecef[1], dz = x[2] - r->site_ecef[2];
    double range = sqrt(dx * dx + dy * dy + dz * dz);
    double pd = tl_swerling1_pd(tl_radar_snr(r, rcs_m2, range), r->cfg.pfa);
    if (tl_rng_uniform(rng) >= pd)
        return 0;
    tl_radar_measure(r, rng, t_ns, x, out);
    return 1;
}

size_t tl_radar_false_alarms(const tl_radar *r, tl_rng *rng, int64_t t_ns, tl_plot *out, size_t cap)
{
    const tl_radar_cfg *c = &r->cfg;
    unsigned n = tl_rng_poisson(rng, c->fa_per_scan);
    double el_lo, el_hi;
    tl_radar_el_limits(r, &el_lo, &el_hi);
    double r3lo = pow(c->min_range_m, 3), r3hi = pow(c->max_range_m, 3);
    double slo = sin(el_lo), shi = sin(el_hi);
    size_t k = 0;
    for (unsigned i = 0; i < n; i++) {
        /* draw every variate even past cap, so the stream does not depend on cap */
        double range = cbrt(r3lo + (r3hi - r3lo) * tl_rng_uniform(rng));
        if (range < 1.0) /* min_range 0: keep plots valid (range > 0) */
            range = 1.0;
        double az = c->half_az_rad >= TL_PI
                        ? 2 * TL_PI * tl_rng_uniform(rng)
                        : c->boresight_az_rad + c->half_az_rad * (2 * tl_rng_uniform(rng) - 1);
        double el = asin(slo + (shi - slo) * tl_rng_uniform(rng));
        double rr = TL_FA_MAX_RANGE_RATE * (2 * tl_rng_uniform(rng) - 1);
        if (k >= cap)
            continue;
        tl_plot *p = &out[k++];
        plot_header(r, t_ns, p);
        p->z[0] = range;
        p->z[1] = tl_wrap_2pi(az);
        p->z[2] = el;
        p->z[3] = p->nz == 4 ? rr : 0.0;
    }
    return k;
}
