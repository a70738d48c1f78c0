/* irsat.c — the GEO early-warning infrared satellite (see sensors.h).
 *
 * A geostationary satellite is fixed in ECEF above (0, lon). It sees a missile's
 * plume only while an engine burns and the missile is above the cloud tops (the
 * plume is hidden in and below cloud; ~10-15 km is the usual figure for the
 * opaque layer), and only when the Earth does not block the line of sight. It
 * reports the line of sight in ECEF axes as two angles (plot.h): z0 = atan2(u_y,
 * u_x), z1 = asin(u_z), each with independent Gaussian noise.
 */
#include "trilink/sensors.h"

#include <math.h>
#include <string.h>

void tl_irsat_cfg_default(tl_irsat_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->alt_m = TL_GEO_ALT_M;
    c->revisit_s = 10.0;
    c->sigma_rad = 20e-6;
    c->cloud_top_m = 12000.0;
    c->pd = 0.98;
}

int tl_irsat_init(tl_irsat *s, const tl_irsat_cfg *c, tl_err *err)
{
    const char *id = c->id[0] ? c->id : "(unnamed)";
    if (!c->id[0])
        return tl_err_set(err, TL_EINVAL, "IR satellite: empty id");
    if (!c->nation[0])
        return tl_err_set(err, TL_EINVAL, "IR satellite %s: empty nation", id);
    if (!(fabs(c->lon_rad) <= 2 * TL_PI))
        return tl_err_set(err, TL_EINVAL, "IR satellite %s: longitude out of range (%g deg)", id,
                          c->lon_rad / TL_DEG);
    if (!(c->alt_m >= 1.0e5 && c->alt_m <= 1.0e8))
        return tl_err_set(err, TL_EINVAL, "IR satellite %s: altitude out of range (%g m)", id,
                          c->alt_m);
    if (!(c->revisit_s > 0.0 && isfinite(c->revisit_s)))
        return tl_err_set(err, TL_EINVAL, "IR satellite %s: revisit_s out of range (%g)", id,
                          c->revisit_s);
    if (!(c->sigma_rad > 0.0 && c->sigma_rad < 0.1))
        return tl_err_set(err, TL_EINVAL, "IR satellite %s: sigma out of range (%g rad)", id,
                          c->sigma_rad);
    if (!(c->cloud_top_m >= 0.0 && c->cloud_top_m <= 1.0e5))
        return tl_err_set(err, TL_EINVAL, "IR satellite %s: cloud top out of range (%g m)", id,
                          c->cloud_top_m);
    if (!(c->pd > 0.0 && c->pd <= 1.0))
        return tl_err_set(err, TL_EINVAL, "IR satellite %s: pd out of range (%g)", id, c->pd);
    memset(s, 0, sizeof *s);
    s->cfg = *c;
    s->site.lat_rad = 0.0;
    s->site.lon_rad = tl_wrap_pi(c->lon_rad);
    s->site.h_m = c->alt_m;
    tl_geodetic_to_ecef(&s->site, s->site_ecef);
    return TL_OK;
}

int tl_los_clear_ellipsoid(const double a[3], const double b[3])
{
    /* scale z so the ellipsoid becomes the unit sphere, then find the segment's
     * closest approach to the centre */
    const double ia = 1.0 / TL_WGS84_A, ib = 1.0 / (TL_WGS84_A * (1.0 - TL_WGS84_F));
    double p[3] = {a[0] * ia, a[1] * ia, a[2] * ib};
    double d[3] = {(b[0] - a[0]) * ia, (b[1] - a[1]) * ia, (b[2] - a[2]) * ib};
    double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    double t = dd > 0.0 ? -(p[0] * d[0] + p[1] * d[1] + p[2] * d[2]) / dd : 0.0;
    if (t < 0.0)
        t = 0.0;
    if (t > 1.0)
        t = 1.0;
    double q[3] = {p[0] + t * d[0], p[1] + t * d[1], p[2] + t * d[2]};
    return q[0] * q[0] + q[1] * q[1] + q[2] * q[2] > 1.0 ? 1 : 0;
}

int tl_irsat_visible(const tl_irsat *s, const double pos[3], int thrusting)
{
    if (!thrusting)
        return 0;
    tl_geodetic g;
    tl_ecef_to_geodetic(pos, &g);
    if (g.h_m < s->cfg.cloud_top_m)
        return 0;
    return tl_los_clear_ellipsoid(s->site_ecef, pos);
}

void tl_irsat_truth_z(const tl_irsat *s, const double pos[3], double z[2])
{
    double u[3] = {pos[0] - s->site_ecef[0], pos[1] - s->site_ecef[1], pos[2] - s->site_ecef[2]};
    double n = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
    z[0] = atan2(u[1], u[0]);
    z[1] = asin(u[2] / n);
}

int tl_irsat_detect(const tl_irsat *s, tl_rng *rng, int64_t t_ns, const double pos[3],
                    int thrusting, tl_plot *out)
{
    if (!tl_irsat_visible(s, pos, thrusting))
        return 0;
    if (tl_rng_uniform(rng) >= s->cfg.pd)
        return 0;
    double z[2];
    tl_irsat_truth_z(s, pos, z);
    memset(out, 0, sizeof *out);
    out->t_ns = t_ns;
    memcpy(out->sensor_id, s->cfg.id, sizeof out->sensor_id);
    memcpy(out->nation, s->cfg.nation, sizeof out->nation);
    out->kind = TL_PLOT_IR;
    out->site = s->site;
    memcpy(out->site_ecef, s->site_ecef, sizeof out->site_ecef);
    out->nz = 2;
    out->z[0] = tl_wrap_pi(z[0] + s->cfg.sigma_rad * tl_rng_normal(rng));
    double el = z[1] + s->cfg.sigma_rad * tl_rng_normal(rng);
    out->z[1] = el > TL_PI / 2 ? TL_PI / 2 : (el < -TL_PI / 2 ? -TL_PI / 2 : el);
    out->sigma[0] = out->sigma[1] = s->cfg.sigma_rad;
    return 1;
}
