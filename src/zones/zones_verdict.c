/* zones_verdict.c — zone probabilities over an impact prediction's Gaussian
 * uncertainty (a deterministic sigma grid, not a random sample, so verdicts replay
 * exactly), the 95% ellipse <-> covariance conversions (chi-square 2 dof), the
 * ellipse as a ground polygon, and the ground-track overflight test.
 */
#include "zones_int.h"

#include <math.h>
#include <string.h>

typedef struct tl__eig2 {
    double l1, l2; /* eigenvalues, l1 >= l2 >= 0 */
    double u[2];   /* unit eigenvector of l1, (east, north) */
} tl__eig2;

static int check_cov(const double c[2][2], tl__eig2 *eg)
{
    double a = c[0][0], b = c[0][1], b2 = c[1][0], d = c[1][1];
    if (!isfinite(a) || !isfinite(b) || !isfinite(b2) || !isfinite(d))
        return TL_EINVAL;
    double scale = fmax(fmax(fabs(a), fabs(d)), fabs(b));
    if (fabs(b - b2) > 1e-9 * scale)
        return TL_EINVAL;
    b = 0.5 * (b + b2);
    double m = 0.5 * (a + d), r = hypot(0.5 * (a - d), b);
    double l1 = m + r, l2 = m - r;
    if (l2 < -1e-9 * fmax(scale, 1e-300) || l1 < 0)
        return TL_EINVAL;
    if (l2 < 0)
        l2 = 0;
    double th = 0.5 * atan2(2 * b, a - d); /* from east, counter-clockwise */
    eg->l1 = l1;
    eg->l2 = l2;
    eg->u[0] = cos(th);
    eg->u[1] = sin(th);
    return TL_OK;
}

int tl_ellipse95_from_cov(const double cov_en_m2[2][2], tl_ellipse95 *out)
{
    tl__eig2 eg;
    if (!cov_en_m2 || !out || check_cov(cov_en_m2, &eg) != TL_OK)
        return TL_EINVAL;
    out->semi_major_m = sqrt(eg.l1 * TL_ZONE_CHI2_2_95);
    out->semi_minor_m = sqrt(eg.l2 * TL_ZONE_CHI2_2_95);
    double az = atan2(eg.u[0], eg.u[1]); /* azimuth of (east, north) */
    az = fmod(az + 2 * TL_PI, TL_PI);
    if (az >= TL_PI)
        az -= TL_PI;
    out->major_azimuth_rad = az;
    return TL_OK;
}

int tl_cov_from_ellipse95(const tl_ellipse95 *e, double cov_en_m2[2][2])
{
    if (!e || !cov_en_m2 || !isfinite(e->semi_major_m) || !isfinite(e->semi_minor_m) ||
        !isfinite(e->major_azimuth_rad) || e->semi_minor_m < 0 || e->semi_minor_m > e->semi_major_m)
        return TL_EINVAL;
    double l1 = e->semi_major_m * e->semi_major_m / TL_ZONE_CHI2_2_95;
    double l2 = e->semi_minor_m * e->semi_minor_m / TL_ZONE_CHI2_2_95;
    double ue = sin(e->major_azimuth_rad), un = cos(e->major_azimuth_rad);
    /* minor axis v = (un, -ue) */
    cov_en_m2[0][0] = l1 * ue * ue + l2 * un * un;
    cov_en_m2[1][1] = l1 * un * un + l2 * ue * ue;
    cov_en_m2[0][1] = cov_en_m2[1][0] = (l1 - l2) * ue * un;
    return TL_OK;
}

/* East-North offset (m) from (lat, lon) -> ground point along a geodesic. */
static void offset_to_ground(double lat_rad, double lon_rad, double e_m, double n_m,
                             double *lat_out, double *lon_out)
{
    double s = hypot(e_m, n_m);
    if (s == 0) {
        *lat_out = lat_rad;
        *lon_out = lon_rad;
        return;
    }
    tl_geodesic_direct(lat_rad, lon_rad, atan2(e_m, n_m), s, lat_out, lon_out, NULL);
    *lon_out = tl_wrap_pi(*lon_out);
}

int tl_ellipse95_polygon(double lat_rad, double lon_rad, const tl_ellipse95 *e, size_t n,
                         double *lat_out_rad, double *lon_out_rad)
{
    if (!e || !lat_out_rad || !lon_out_rad || n < 3 || !isfinite(lat_rad) || !isfinite(lon_rad) ||
        fabs(lat_rad) > TL_PI / 2 || !isfinite(e->semi_major_m) || !isfinite(e->semi_minor_m) ||
        e->semi_minor_m < 0 || e->semi_major_m < e->semi_minor_m)
        return TL_EINVAL;
    double ue = sin(e->major_azimuth_rad), un = cos(e->major_azimuth_rad);
    for (size_t i = 0; i < n; i++) {
        /* Going from the major axis towards -minor (un, -ue rotated) keeps the order clockwise. */
        double ph = 2 * TL_PI * (double)i / (double)n;
        double a = e->semi_major_m * cos(ph), b = e->semi_minor_m * sin(ph);
        double de = a * ue + b * un, dn = a * un - b * ue;
        offset_to_ground(lat_rad, lon_rad, de, dn, &lat_out_rad[i], &lon_out_rad[i]);
    }
    return TL_OK;
}

int tl_zones_verdict(const tl_zones *z, const tl_zone_impact *imp, int64_t t_now_ns,
                     tl_zone_verdict *out, tl_err *err)
{
    if (!z || !imp || !out)
        return tl_err_set(err, TL_EINVAL, "tl_zones_verdict: NULL argument");
    if (!isfinite(imp->lat_rad) || fabs(imp->lat_rad) > TL_PI / 2 || !isfinite(imp->lon_rad))
        return tl_err_set(err, TL_EINVAL, "impact mean: lat %g lon %g rad out of range",
                          imp->lat_rad, imp->lon_rad);
    tl__eig2 eg;
    if (check_cov(imp->cov_en_m2, &eg) != TL_OK)
        return tl_err_set(err, TL_EINVAL,
                          "impact cov_en_m2 [[%g, %g], [%g, %g]]: not a finite symmetric positive "
                          "semi-definite matrix",
                          imp->cov_en_m2[0][0], imp->cov_en_m2[0][1], imp->cov_en_m2[1][0],
                          imp->cov_en_m2[1][1]);
    tl_zone_verdict v;
    memset(&v, 0, sizeof v);
    tl_ellipse95_from_cov(imp->cov_en_m2, &v.ellipse);
    v.lat_rad = imp->lat_rad;
    v.lon_rad = tl_wrap_pi(imp->lon_rad);
    v.t_impact_ns = imp->t_impact_ns;
    v.time_to_impact_s = (double)(imp->t_impact_ns - t_now_ns) * 1e-9;
    int rc = tl_zones_classify(z, imp->lat_rad, imp->lon_rad, &v.cls_mean, NULL);
    if (rc != TL_OK)
        return tl_err_set(err, rc, "impact mean: cannot classify");

    double s1 = sqrt(eg.l1), s2 = sqrt(eg.l2);
    if (s1 == 0) {
        v.p[v.cls_mean] = 1.0;
        v.n_samples = 1;
    } else {
        /* Sunflower (Vogel) spiral in probability space: point i carries mass 1/M,
         * its radius is the chi(2) quantile of (i + 0.5) / M and its angle advances
         * by the golden angle, so the set is low-discrepancy for the Gaussian. */
        const int m = TL_ZONE_SAMPLES;
        const double golden = TL_PI * (3.0 - sqrt(5.0));
        double wsum = 0;
        double ue = eg.u[0], un = eg.u[1];
        for (int i = 0; i < m; i++) {
            double rad = sqrt(-2.0 * log(1.0 - (i + 0.5) / m)), th = golden * i;
            double a = rad * cos(th), b = rad * sin(th), w = 1.0;
            /* major along u = (ue, un), minor along (-un, ue) */
            double de = a * s1 * ue - b * s2 * un, dn = a * s1 * un + b * s2 * ue;
            double la, lo;
            tl_zone_class c;
            offset_to_ground(imp->lat_rad, imp->lon_rad, de, dn, &la, &lo);
            if (tl_zones_classify(z, la, lo, &c, NULL) != TL_OK)
                c = TL_ZONE_ELSEWHERE;
            v.p[c] += w;
            wsum += w;
            v.n_samples++;
        }
        for (int k = 0; k < TL_ZONE_COUNT; k++)
            v.p[k] /= wsum;
    }
    v.p_jp = v.p[TL_ZONE_JP_TERRITORY] + v.p[TL_ZONE_JP_EEZ];
    v.p_kr = v.p[TL_ZONE_KR_TERRITORY] + v.p[TL_ZONE_KR_WATERS];
    int best = 0;
    for (int k = 1; k < TL_ZONE_COUNT; k++)
        if (v.p[k] > v.p[best])
            best = k;
    v.cls_likely = (tl_zone_class)best;
    *out = v;
    return TL_OK;
}

int tl_zones_track_overflies(const tl_zones *z, const tl_geodetic *pts, size_t n, unsigned cls_mask,
                             double step_m, tl_overflight *out, tl_err *err)
{
    if (!z || !pts || !out || n == 0)
        return tl_err_set(err, TL_EINVAL, "tl_zones_track_overflies: NULL argument or empty track");
    if (!(step_m >= 0) || !isfinite(step_m))
        return tl_err_set(err, TL_EINVAL, "step_m %g: must be >= 0", step_m);
    if (step_m == 0)
        step_m = 2000.0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(pts[i].lat_rad) || fabs(pts[i].lat_rad) > TL_PI / 2 ||
            !isfinite(pts[i].lon_rad))
            return tl_err_set(err, TL_EINVAL, "track point %zu: lat %g lon %g rad out of range", i,
                              pts[i].lat_rad, pts[i].lon_rad);
    tl_overflight o;
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < n; i++) {
        double s12 = 0, azi = 0;
        size_t k = 1;
        if (i + 1 < n) {
            tl_geodesic_inverse(pts[i].lat_rad, pts[i].lon_rad, pts[i + 1].lat_rad,
                                pts[i + 1].lon_rad, &s12, &azi, NULL);
            double kk = ceil(s12 / step_m);
            k = kk < 1 ? 1 : (kk > 100000 ? 100000 : (size_t)kk);
        }
        double ds = i + 1 < n ? s12 / (double)k : 0.0;
        for (size_t j = 0; j < k; j++) {
            double la = pts[i].lat_rad, lo = pts[i].lon_rad;
            if (j > 0)
                tl_geodesic_direct(pts[i].lat_rad, pts[i].lon_rad, azi, ds * (double)j, &la, &lo,
                                   NULL);
            tl_zone_class c;
            if (tl_zones_classify(z, la, lo, &c, NULL) != TL_OK)
                continue;
            if (cls_mask & TL_ZONE_BIT(c)) {
                if (!o.overflies) {
                    o.overflies = 1;
                    o.first_index = i;
                    o.entry_lat_rad = la;
                    o.entry_lon_rad = tl_wrap_pi(lo);
                }
                o.over_length_m += ds;
            }
        }
    }
    *out = o;
    return TL_OK;
}

/* Whether any sample of the track is over cls_mask, stopping at the first hit: as
 * tl_zones_track_overflies, a point every step_m along the legs (geodesics), except
 * that at sea, when the mask holds only JP/KR classes, the walk jumps ahead by the
 * distance to the nearest JP/KR land less the reach of the mask's zones from that land
 * (12 or 200 nmi): no point of the mask lies nearer (triangle inequality along the
 * path, across legs), so no hit is skipped and a track far from Japan costs a few
 * classifications instead of one per step. */
static int overflies_any(const tl_zones *z, const tl_geodetic *pts, size_t n, unsigned cls_mask,
                         double step_m)
{
    const unsigned jp_t = TL_ZONE_BIT(TL_ZONE_JP_TERRITORY), jp_e = TL_ZONE_BIT(TL_ZONE_JP_EEZ);
    const unsigned kr_t = TL_ZONE_BIT(TL_ZONE_KR_TERRITORY), kr_e = TL_ZONE_BIT(TL_ZONE_KR_WATERS);
    int skip = (cls_mask & ~(jp_t | jp_e | kr_t | kr_e)) == 0;
    double reach_jp = (cls_mask & jp_e)   ? TL_ZONE_EEZ_M
                      : (cls_mask & jp_t) ? TL_ZONE_TERRITORIAL_SEA_M
                                          : -1;
    double reach_kr = (cls_mask & kr_e)   ? TL_ZONE_EEZ_M
                      : (cls_mask & kr_t) ? TL_ZONE_TERRITORIAL_SEA_M
                                          : -1;
    double budget = 0; /* path length that may still be walked without a classification */
    for (size_t i = 0; i < n; i++) {
        double s12 = 0, azi = 0;
        if (i + 1 < n)
            tl_geodesic_inverse(pts[i].lat_rad, pts[i].lon_rad, pts[i + 1].lat_rad,
                                pts[i + 1].lon_rad, &s12, &azi, NULL);
        double s = 0;
        for (int guard = 0; guard < 200000; guard++) {
            if (budget <= 0) {
                double la = pts[i].lat_rad, lo = pts[i].lon_rad;
                if (s > 0)
                    tl_geodesic_direct(pts[i].lat_rad, pts[i].lon_rad, azi, s, &la, &lo, NULL);
                tl_zone_class c;
                tl_zone_info inf;
                if (tl_zones_classify(z, la, lo, &c, &inf) == TL_OK && (cls_mask & TL_ZONE_BIT(c)))
                    return 1;
                budget = step_m;
                if (skip && inf.land_code[0] == '\0') { /* at sea: JP/KR distances known */
                    double d_jp = isfinite(inf.d_jp_m) ? inf.d_jp_m : TL_ZONE_EEZ_M;
                    double d_kr = isfinite(inf.d_kr_m) ? inf.d_kr_m : TL_ZONE_EEZ_M;
                    double free_m = INFINITY;
                    if (reach_jp >= 0)
                        free_m = fmin(free_m, d_jp - reach_jp);
                    if (reach_kr >= 0)
                        free_m = fmin(free_m, d_kr - reach_kr);
                    budget = fmax(budget, free_m);
                }
            }
            if (budget >= s12 - s) { /* the rest of this leg is covered */
                budget -= s12 - s;
                break;
            }
            s += budget;
            budget = 0;
        }
    }
    return 0;
}

int tl_zones_overflight_probability(const tl_zones *z, const tl_geodetic *const *pts,
                                    const size_t *npts, const double *weights, size_t ntracks,
                                    unsigned cls_mask, double step_m, double *p_out, tl_err *err)
{
    if (!z || !pts || !npts || !p_out || ntracks == 0)
        return tl_err_set(err, TL_EINVAL,
                          "tl_zones_overflight_probability: NULL argument or no track");
    if (!(step_m >= 0) || !isfinite(step_m))
        return tl_err_set(err, TL_EINVAL, "step_m %g: must be >= 0", step_m);
    if (step_m == 0)
        step_m = 2000.0;
    double wsum = 0, wover = 0;
    for (size_t k = 0; k < ntracks; k++) {
        double w = weights ? weights[k] : 1.0;
        if (!(w >= 0) || !isfinite(w))
            return tl_err_set(err, TL_EINVAL, "track %zu: weight %g must be finite and >= 0", k, w);
        if (npts[k] > 0 && !pts[k])
            return tl_err_set(err, TL_EINVAL, "track %zu: NULL points", k);
        for (size_t i = 0; i < npts[k]; i++)
            if (!isfinite(pts[k][i].lat_rad) || fabs(pts[k][i].lat_rad) > TL_PI / 2 ||
                !isfinite(pts[k][i].lon_rad))
                return tl_err_set(err, TL_EINVAL,
                                  "track %zu: point %zu: lat %g lon %g rad out of range", k, i,
                                  pts[k][i].lat_rad, pts[k][i].lon_rad);
        wsum += w;
        if (w > 0 && overflies_any(z, pts[k], npts[k], cls_mask, step_m))
            wover += w;
    }
    if (!(wsum > 0))
        return tl_err_set(err, TL_EINVAL, "tracks: the weights sum to %g, not > 0", wsum);
    *p_out = wover / wsum;
    return TL_OK;
}
