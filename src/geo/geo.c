/* geo.c — WGS-84 conversions and Earth-curvature helpers (see geo.h).
 *
 * ECEF -> geodetic follows H. Vermeille, "Direct transformation from geocentric
 * coordinates to geodetic coordinates", J. Geodesy 76 (2002) 451-454: closed form,
 * exact outside the evolute of the ellipsoid (a few tens of km around the centre).
 * Geodesics delegate to PROJ's geodesic.h (C. F. F. Karney, J. Geodesy 87, 2013).
 */
#include "trilink/geo.h"

#include <geodesic.h>
#include <math.h>
#include <stddef.h>

double tl_wgs84_e2(void)
{
    return TL_WGS84_F * (2.0 - TL_WGS84_F);
}

void tl_geodetic_to_ecef(const tl_geodetic *g, double p[3])
{
    const double e2 = tl_wgs84_e2();
    double sl = sin(g->lat_rad), cl = cos(g->lat_rad);
    double n = TL_WGS84_A / sqrt(1.0 - e2 * sl * sl);
    p[0] = (n + g->h_m) * cl * cos(g->lon_rad);
    p[1] = (n + g->h_m) * cl * sin(g->lon_rad);
    p[2] = (n * (1.0 - e2) + g->h_m) * sl;
}

void tl_ecef_to_geodetic(const double p[3], tl_geodetic *g)
{
    const double a = TL_WGS84_A, e2 = tl_wgs84_e2(), e4 = e2 * e2;
    double x = p[0], y = p[1], z = p[2];
    double rho2 = x * x + y * y, rho = sqrt(rho2);
    double pp = rho2 / (a * a);
    double q = (1.0 - e2) / (a * a) * z * z;
    double r = (pp + q - e4) / 6.0;
    double s = e4 * pp * q / (4.0 * r * r * r);
    double t = cbrt(1.0 + s + sqrt(s * (2.0 + s)));
    double u = r * (1.0 + t + 1.0 / t);
    double v = sqrt(u * u + e4 * q);
    double w = e2 * (u + v - q) / (2.0 * v);
    double k = sqrt(u + v + w * w) - w;
    double d = k * rho / (k + e2);
    double dz = sqrt(d * d + z * z);
    g->lat_rad = 2.0 * atan2(z, d + dz);
    g->lon_rad = atan2(y, x);
    g->h_m = (k + e2 - 1.0) / k * dz;
}

void tl_enu_matrix(double lat, double lon, double m[3][3])
{
    double sl = sin(lat), cl = cos(lat), so = sin(lon), co = cos(lon);
    m[0][0] = -so;      m[0][1] = co;       m[0][2] = 0.0;
    m[1][0] = -sl * co; m[1][1] = -sl * so; m[1][2] = cl;
    m[2][0] = cl * co;  m[2][1] = cl * so;  m[2][2] = sl;
}

void tl_vec_ecef_to_enu(double lat, double lon, const double v[3], double out[3])
{
    double m[3][3];
    tl_enu_matrix(lat, lon, m);
    for (int i = 0; i < 3; i++)
        out[i] = m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2];
}

void tl_vec_enu_to_ecef(double lat, double lon, const double v[3], double out[3])
{
    double m[3][3];
    tl_enu_matrix(lat, lon, m);
    for (int i = 0; i < 3; i++)
        out[i] = m[0][i] * v[0] + m[1][i] * v[1] + m[2][i] * v[2];
}

void tl_ecef_to_enu(const tl_geodetic *site, const double site_ecef[3], const double p[3],
                    double enu[3])
{
    double d[3] = {p[0] - site_ecef[0], p[1] - site_ecef[1], p[2] - site_ecef[2]};
    tl_vec_ecef_to_enu(site->lat_rad, site->lon_rad, d, enu);
}

void tl_enu_to_ecef(const tl_geodetic *site, const double site_ecef[3], const double enu[3],
                    double p[3])
{
    double d[3];
    tl_vec_enu_to_ecef(site->lat_rad, site->lon_rad, enu, d);
    for (int i = 0; i < 3; i++)
        p[i] = site_ecef[i] + d[i];
}

void tl_ecef_to_aer(const tl_geodetic *site, const double site_ecef[3], const double p[3],
                    double *az, double *el, double *range)
{
    double enu[3];
    tl_ecef_to_enu(site, site_ecef, p, enu);
    double hz = hypot(enu[0], enu[1]);
    *az = tl_wrap_2pi(atan2(enu[0], enu[1]));
    *el = atan2(enu[2], hz);
    *range = sqrt(hz * hz + enu[2] * enu[2]);
}

void tl_aer_to_ecef(const tl_geodetic *site, const double site_ecef[3], double az, double el,
                    double range, double p[3])
{
    double ce = cos(el);
    double enu[3] = {range * ce * sin(az), range * ce * cos(az), range * sin(el)};
    tl_enu_to_ecef(site, site_ecef, enu, p);
}

void tl_eci_to_ecef(double t_s, const double pi[3], const double vi[3], double pe[3],
                    double ve[3])
{
    double th = TL_WGS84_OMEGA * t_s, c = cos(th), s = sin(th);
    double x = c * pi[0] + s * pi[1], y = -s * pi[0] + c * pi[1], z = pi[2];
    if (vi && ve) {
        double vx = c * vi[0] + s * vi[1], vy = -s * vi[0] + c * vi[1];
        /* v_ecef = R v_eci - omega x r_ecef */
        ve[0] = vx + TL_WGS84_OMEGA * y;
        ve[1] = vy - TL_WGS84_OMEGA * x;
        ve[2] = vi[2];
    }
    pe[0] = x;
    pe[1] = y;
    pe[2] = z;
}

void tl_ecef_to_eci(double t_s, const double pe[3], const double ve[3], double pi[3],
                    double vi[3])
{
    double th = TL_WGS84_OMEGA * t_s, c = cos(th), s = sin(th);
    if (ve && vi) {
        /* v_inertial expressed in ECEF axes = v_ecef + omega x r_ecef, then rotate */
        double wx = ve[0] - TL_WGS84_OMEGA * pe[1], wy = ve[1] + TL_WGS84_OMEGA * pe[0];
        vi[0] = c * wx - s * wy;
        vi[1] = s * wx + c * wy;
        vi[2] = ve[2];
    }
    double x = c * pe[0] - s * pe[1], y = s * pe[0] + c * pe[1];
    pi[0] = x;
    pi[1] = y;
    pi[2] = pe[2];
}

static const struct geod_geodesic *wgs84_geod(void)
{
    static struct geod_geodesic g;
    static int ready;
    if (!ready) { /* idempotent: a racing second init writes the same values */
        geod_init(&g, TL_WGS84_A, TL_WGS84_F);
        ready = 1;
    }
    return &g;
}

void tl_geodesic_inverse(double lat1, double lon1, double lat2, double lon2, double *s12,
                         double *azi1, double *azi2)
{
    double s = 0, a1 = 0, a2 = 0;
    geod_inverse(wgs84_geod(), lat1 / TL_DEG, lon1 / TL_DEG, lat2 / TL_DEG, lon2 / TL_DEG, &s,
                 &a1, &a2);
    if (s12)
        *s12 = s;
    if (azi1)
        *azi1 = tl_wrap_2pi(a1 * TL_DEG);
    if (azi2)
        *azi2 = tl_wrap_2pi(a2 * TL_DEG);
}

void tl_geodesic_direct(double lat1, double lon1, double azi1, double s12, double *lat2,
                        double *lon2, double *azi2)
{
    double la = 0, lo = 0, a2 = 0;
    geod_direct(wgs84_geod(), lat1 / TL_DEG, lon1 / TL_DEG, azi1 / TL_DEG, s12, &la, &lo, &a2);
    if (lat2)
        *lat2 = la * TL_DEG;
    if (lon2)
        *lon2 = tl_wrap_pi(lo * TL_DEG);
    if (azi2)
        *azi2 = tl_wrap_2pi(a2 * TL_DEG);
}

double tl_earth_radius_gauss(double lat)
{
    const double e2 = tl_wgs84_e2();
    double w2 = 1.0 - e2 * sin(lat) * sin(lat);
    double n = TL_WGS84_A / sqrt(w2);
    double m = TL_WGS84_A * (1.0 - e2) / (w2 * sqrt(w2));
    return sqrt(m * n);
}

double tl_horizon_distance(double radar_h_m, double k, double earth_r)
{
    double re = k * earth_r;
    if (radar_h_m <= 0.0)
        return 0.0;
    return re * acos(re / (re + radar_h_m));
}

double tl_horizon_min_height(double ground_m, double radar_h_m, double k, double earth_r)
{
    double re = k * earth_r;
    double th = ground_m / re, th_r = tl_horizon_distance(radar_h_m, k, earth_r) / re;
    if (th <= th_r)
        return 0.0;
    if (th - th_r >= TL_PI / 2)
        return INFINITY;
    return re / cos(th - th_r) - re;
}

double tl_effective_elevation(double ground_m, double radar_h_m, double target_h_m, double k,
                              double earth_r)
{
    double re = k * earth_r, th = ground_m / re;
    double rr = re + radar_h_m, rt = re + target_h_m;
    /* target in the radar's local frame of the effective sphere */
    double up = rt * cos(th) - rr, horiz = rt * sin(th);
    return atan2(up, horiz);
}

int tl_los_visible(const tl_geodetic *site, const double pos_ecef[3], double k)
{
    tl_geodetic t;
    tl_ecef_to_geodetic(pos_ecef, &t);
    double s12;
    tl_geodesic_inverse(site->lat_rad, site->lon_rad, t.lat_rad, t.lon_rad, &s12, NULL, NULL);
    double r = tl_earth_radius_gauss(0.5 * (site->lat_rad + t.lat_rad));
    return t.h_m >= tl_horizon_min_height(s12, site->h_m, k, r) ? 1 : 0;
}

double tl_wrap_pi(double a)
{
    a = fmod(a, 2.0 * TL_PI);
    if (a <= -TL_PI)
        a += 2.0 * TL_PI;
    else if (a > TL_PI)
        a -= 2.0 * TL_PI;
    return a;
}

double tl_wrap_2pi(double a)
{
    a = fmod(a, 2.0 * TL_PI);
    if (a < 0)
        a += 2.0 * TL_PI;
    if (a >= 2.0 * TL_PI)
        a = 0.0;
    return a;
}
