/* zones_query.c — point queries on loaded zones data: which country's land holds a
 * point (point in polygon through the grid's cell-centre status) and the geodesic
 * distance to the nearest land of a country group (nearest ECEF chord by the
 * bounding-volume hierarchy of zones_bvh.c, or for reference by the original
 * ring-by-ring grid search or a full scan, then a WGS-84 geodesic to the nearest
 * point found). From these, the zone
 * classes of zones.h: land, territorial sea (12 nmi) and EEZ (200 nmi) bounded by the
 * median line (UNCLOS arts. 3, 15, 57, 74). No allocation.
 */
#include "zones_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const class_names[TL_ZONE_COUNT] = {
    "open_sea",  "jp_territory", "jp_eez",     "kr_territory",
    "kr_waters", "kp_land",      "other_land", "elsewhere",
};

const char *tl_zone_class_name(tl_zone_class c)
{
    if ((int)c < 0 || c >= TL_ZONE_COUNT)
        return "unknown";
    return class_names[c];
}

tl_zone_level tl_zone_level_of(tl_zone_class c)
{
    switch (c) {
    case TL_ZONE_JP_TERRITORY:
    case TL_ZONE_KR_TERRITORY:
        return TL_ZONE_LEVEL_TERRITORY;
    case TL_ZONE_JP_EEZ:
    case TL_ZONE_KR_WATERS:
        return TL_ZONE_LEVEL_EEZ;
    case TL_ZONE_OPEN_SEA:
        return TL_ZONE_LEVEL_OPEN_SEA;
    default:
        return TL_ZONE_LEVEL_UNKNOWN;
    }
}

/* Orientation of c relative to the directed line a->b in the lon/lat plane. */
static double orient(double ax, double ay, double bx, double by, double cx, double cy)
{
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/* Country holding (lat, lon) in degrees, -1 at sea. The cell centre's status is
 * known; the parity of each country changes with every edge crossed on the way from
 * the centre to the point (a segment inside the cell, so only the cell's edges). A
 * side test of "> 0" against "<= 0" makes a pass through a vertex count once. */
static int land_country(const tl_zones *z, double lat, double lon, int r, int c)
{
    size_t cell = (size_t)r * (size_t)z->ncol + (size_t)c;
    double my = z->lat_min + (r + 0.5) * z->cell_deg, mx = z->lon_min + (c + 0.5) * z->cell_deg;
    int in = z->centre_cty[cell];
    /* One parity bit per country (the loader allows at most TL__MAX_COUNTRIES). */
    uint64_t flip[TL__MAX_COUNTRIES / 64] = {0};
    for (uint32_t k = z->pip.start[cell]; k < z->pip.start[cell + 1]; k++) {
        uint32_t e = z->pip.edge[k], b = z->next[e];
        double ax = z->lon_deg[e], ay = z->lat_deg[e], bx = z->lon_deg[b], by = z->lat_deg[b];
        int sa = orient(mx, my, lon, lat, ax, ay) > 0, sb = orient(mx, my, lon, lat, bx, by) > 0;
        if (sa == sb)
            continue;
        int sm = orient(ax, ay, bx, by, mx, my) > 0, sp = orient(ax, ay, bx, by, lon, lat) > 0;
        if (sm == sp)
            continue;
        unsigned ci = z->cty[e];
        flip[ci / 64] ^= (uint64_t)1 << (ci % 64);
    }
    if (in >= 0)
        flip[in / 64] ^= (uint64_t)1 << (in % 64);
    for (int w = 0; w < TL__MAX_COUNTRIES / 64; w++)
        if (flip[w]) {
            int bit = __builtin_ctzll(flip[w]);
            int ci = w * 64 + bit;
            return ci < (int)z->ncountry ? ci : -1;
        }
    return -1;
}

/* Lower bound (m) on the distance from a point in cell row r0 to any point in a cell
 * k rings away: k-1 whole cells in latitude or longitude, at the narrowest longitude
 * spacing the rows in reach can have. */
static double ring_bound_m(const tl_zones *z, double lat_deg, int k)
{
    if (k <= 1)
        return 0.0;
    double lat_far = fabs(lat_deg) + (k + 1) * z->cell_deg;
    double top = fmax(fabs(z->lat_min), fabs(z->lat_max));
    if (lat_far > top)
        lat_far = top;
    if (lat_far > 89.0)
        lat_far = 89.0;
    double per_deg = fmin(110574.0, 111320.0 * cos(lat_far * TL_DEG));
    /* 0.999: a chord is shorter than the arc by < 0.04% within 800 km. */
    return 0.999 * (k - 1) * z->cell_deg * per_deg;
}

/* Nearest real edge of group g by the original grid search: rings of cells from the
 * point's cell (r0, c0), pruned by ring_bound_m. Kept as the reference model of the
 * hierarchy (tl__zones_classify_ref in the tests). */
int tl__zones_nearest_grid(const tl_zones *z, int g, double lat, const double q[3], int r0, int c0,
                           double cap_m, uint32_t *edge_out, double *t_out)
{
    const tl__zbucket *bk = &z->dist[g];
    double best2 = cap_m * cap_m;
    int found = 0;
    uint32_t best_e = 0;
    double best_t = 0.0;
    int kmax = z->nrow > z->ncol ? z->nrow : z->ncol;
    int k0 = z->ring0[g][(size_t)r0 * (size_t)z->ncol + (size_t)c0];
    for (int k = k0; k <= kmax; k++) {
        double lb = ring_bound_m(z, lat, k);
        if (lb * lb > best2)
            break;
        for (int r = r0 - k; r <= r0 + k; r++) {
            if (r < 0 || r >= z->nrow)
                continue;
            int edge_row = (r == r0 - k || r == r0 + k);
            int step = edge_row ? 1 : 2 * k;
            for (int c = c0 - k; c <= c0 + k; c += (step ? step : 1)) {
                if (c < 0 || c >= z->ncol)
                    continue;
                size_t cell = (size_t)r * (size_t)z->ncol + (size_t)c;
                for (uint32_t i = bk->start[cell]; i < bk->start[cell + 1]; i++) {
                    uint32_t e = bk->edge[i];
                    double t, d2 = tl__zedge_d2(z, e, q, &t);
                    if (d2 < best2) {
                        best2 = d2;
                        best_e = e;
                        best_t = t;
                        found = 1;
                    }
                }
                if (k == 0)
                    break;
            }
        }
    }
    if (!found)
        return 0;
    *edge_out = best_e;
    *t_out = best_t;
    return 1;
}

/* Foot point (deg) at parameter t of edge e: the point whose geodesic distance is
 * reported. Every path computes it with this expression. */
static void edge_foot(const tl_zones *z, uint32_t e, double t, double *flat, double *flon)
{
    uint32_t b = z->next[e];
    *flat = z->lat_deg[e] + t * (z->lat_deg[b] - z->lat_deg[e]);
    *flon = z->lon_deg[e] + t * (z->lon_deg[b] - z->lon_deg[e]);
}

static double geodesic_m(double lat, double lon, double flat, double flon)
{
    double s12 = 0.0;
    tl_geodesic_inverse(lat * TL_DEG, lon * TL_DEG, flat * TL_DEG, flon * TL_DEG, &s12, NULL, NULL);
    return s12;
}

/* Geodesic distance (m) from (lat, lon) to the nearest point (by chord) of the real
 * edges of group g within chord distance cap_m, or INFINITY. */
static double nearest_m(const tl_zones *z, tl__zsearch how, int g, double lat, double lon,
                        const double q[3], int r0, int c0, double cap_m)
{
    uint32_t e = 0;
    double t = 0.0, flat, flon;
    int found;
    if (how == TL__ZSEARCH_GRID)
        found = tl__zones_nearest_grid(z, g, lat, q, r0, c0, cap_m, &e, &t);
    else if (how == TL__ZSEARCH_BRUTE)
        found = tl__zones_nearest_brute(z, g, q, cap_m, &e, &t);
    else
        found = tl__zones_nearest_bvh(z, g, q, cap_m, &e, &t);
    if (!found)
        return INFINITY;
    edge_foot(z, e, t, &flat, &flon);
    return geodesic_m(lat, lon, flat, flon);
}

/* ---- class without distances: bounds first, the geodesic only when they do not decide
 *
 * When the caller does not ask for the distances (info == NULL: verdicts, overflight),
 * most of a query's time went to the WGS-84 geodesics (Karney's series). Each
 * distance s from the query q to a foot point F is bracketed instead:
 *   |q - F| <= s, since a straight line is shortest;
 *   s <= 2 rho asin(|q - F| / (2 rho)), rho = b^2 / a: s is at most the arc of the
 *   central plane section through q and F (an ellipse with semi-axes a and b' in
 *   [b, a], so curvature <= a / b^2), and by Schur's comparison theorem an arc whose
 *   curvature never exceeds 1/rho is at most the circle arc of radius rho with the
 *   same chord (valid for arcs under pi rho, here < 1,000 km).
 * Both widened by 1 mm and 1e-12 relative (rounding; the geodesic routine is exact
 * to 15 nm). Within 400 km the bracket is < 55 m wide (< 1 cm at 12 nmi). Every
 * comparison the classification makes is decided on the brackets when they do not
 * overlap the other side, and otherwise on the exact geodesic, computed then, so the
 * class is the one the distances would give. */

typedef struct lazy_d {
    double lo, hi; /* lo <= s <= hi; lo == hi == s once exact */
    int exact;
    double lat, lon, flat, flon; /* query and foot point, deg */
} lazy_d;

static const double RHO_MIN_M = TL_WGS84_A * (1.0 - TL_WGS84_F) * (1.0 - TL_WGS84_F);

static void lazy_force(lazy_d *d)
{
    if (!d->exact) {
        d->lo = d->hi = geodesic_m(d->lat, d->lon, d->flat, d->flon);
        d->exact = 1;
    }
}

static void lazy_set(lazy_d *d, const double q[3], double lat, double lon, double flat, double flon)
{
    d->lat = lat;
    d->lon = lon;
    d->flat = flat;
    d->flon = flon;
    d->exact = 0;
    double f[3];
    tl_geodetic gf = {flat * TL_DEG, flon * TL_DEG, 0.0};
    tl_geodetic_to_ecef(&gf, f);
    double c = sqrt((q[0] - f[0]) * (q[0] - f[0]) + (q[1] - f[1]) * (q[1] - f[1]) +
                    (q[2] - f[2]) * (q[2] - f[2]));
    double x = c / (2 * RHO_MIN_M);
    if (!(x < 0.08)) { /* beyond 1,000 km: no bracket, measure */
        lazy_force(d);
        return;
    }
    d->lo = fmax(0.0, c * (1 - 1e-12) - 1e-3);
    d->hi = 2 * RHO_MIN_M * asin(x) * (1 + 1e-12) + 1e-3;
}

/* Nearest edge of group g within chord cap_m, as a bracketed distance (INFINITY,
 * exact, if none). */
static void nearest_lazy(const tl_zones *z, int g, double lat, double lon, const double q[3],
                         double cap_m, lazy_d *d)
{
    uint32_t e = 0;
    double t = 0.0, flat, flon;
    if (!tl__zones_nearest_bvh(z, g, q, cap_m, &e, &t)) {
        d->lo = d->hi = INFINITY;
        d->exact = 1;
        return;
    }
    edge_foot(z, e, t, &flat, &flon);
    lazy_set(d, q, lat, lon, flat, flon);
}

static int lazy_le(lazy_d *a, lazy_d *b) /* a <= b */
{
    if (a->hi <= b->lo)
        return 1;
    if (a->lo > b->hi)
        return 0;
    lazy_force(a);
    lazy_force(b);
    return a->lo <= b->lo;
}

static int lazy_lt(lazy_d *a, lazy_d *b) /* a < b */
{
    if (a->hi < b->lo)
        return 1;
    if (a->lo >= b->hi)
        return 0;
    lazy_force(a);
    lazy_force(b);
    return a->lo < b->lo;
}

static int lazy_le_c(lazy_d *a, double c) /* a <= c */
{
    if (a->hi <= c)
        return 1;
    if (a->lo > c)
        return 0;
    lazy_force(a);
    return a->lo <= c;
}

/* The sea class of tl__zones_classify_with's last branch, from brackets. */
static tl_zone_class sea_class_lazy(const tl_zones *z, double lat, double lon, const double q[3])
{
    lazy_d dj, dk, dr;
    nearest_lazy(z, TL__G_JP, lat, lon, q, TL_ZONE_EEZ_M, &dj);
    nearest_lazy(z, TL__G_KR, lat, lon, q, TL_ZONE_EEZ_M, &dk);
    int jp = lazy_le(&dj, &dk); /* also picks fmin(d_jp, d_kr) */
    lazy_d *dm = jp ? &dj : &dk;
    if (!lazy_le_c(dm, TL_ZONE_EEZ_M))
        return TL_ZONE_OPEN_SEA;
    /* Third states are searched within chord dmin. Search within the bracket's top:
     * the nearest edge found is the one a search within dmin finds, if its chord is
     * under dmin (squares are monotone in rounding, so the bracket decides). */
    uint32_t e = 0;
    double t = 0.0;
    int found = tl__zones_nearest_bvh(z, TL__G_REST, q, dm->hi, &e, &t);
    if (found) {
        double t2, d2 = tl__zedge_d2(z, e, q, &t2);
        if (!(d2 < dm->lo * dm->lo)) {
            if (d2 >= dm->hi * dm->hi)
                found = 0;
            else {
                lazy_force(dm);
                found = d2 < dm->lo * dm->lo;
            }
        }
    }
    if (found) {
        double flat, flon;
        edge_foot(z, e, t, &flat, &flon);
        lazy_set(&dr, q, lat, lon, flat, flon);
        if (lazy_lt(&dr, dm))
            return TL_ZONE_OPEN_SEA;
    }
    if (lazy_le_c(dm, TL_ZONE_TERRITORIAL_SEA_M))
        return jp ? TL_ZONE_JP_TERRITORY : TL_ZONE_KR_TERRITORY;
    return jp ? TL_ZONE_JP_EEZ : TL_ZONE_KR_WATERS;
}

int tl_zones_classify(const tl_zones *z, double lat_rad, double lon_rad, tl_zone_class *out,
                      tl_zone_info *info)
{
    return tl__zones_classify_with(z, lat_rad, lon_rad, TL__ZSEARCH_BVH, out, info);
}

int tl__zones_classify_with(const tl_zones *z, double lat_rad, double lon_rad, tl__zsearch how,
                            tl_zone_class *out, tl_zone_info *info)
{
    if (!z || !out || !isfinite(lat_rad) || !isfinite(lon_rad) || fabs(lat_rad) > TL_PI / 2 + 1e-12)
        return TL_EINVAL;
    double lat = lat_rad / TL_DEG, lon = tl_wrap_pi(lon_rad) / TL_DEG;
    tl_zone_info tmp;
    tl_zone_info *inf = info ? info : &tmp;
    memset(inf, 0, sizeof *inf);
    inf->d_jp_m = inf->d_kr_m = inf->d_other_m = INFINITY;

    if (lat < z->lat_min || lat >= z->lat_max || lon < z->lon_min || lon >= z->lon_max) {
        inf->cls = *out = TL_ZONE_ELSEWHERE;
        return TL_OK;
    }
    int r = (int)((lat - z->lat_min) / z->cell_deg), c = (int)((lon - z->lon_min) / z->cell_deg);
    if (r >= z->nrow)
        r = z->nrow - 1;
    if (c >= z->ncol)
        c = z->ncol - 1;
    int land = land_country(z, lat, lon, r, c);
    if (land >= 0) {
        const tl__zcountry *ct = &z->country[land];
        snprintf(inf->land_code, sizeof inf->land_code, "%s", ct->code);
        if (ct->group == TL__G_JP)
            inf->d_jp_m = 0.0;
        else if (ct->group == TL__G_KR)
            inf->d_kr_m = 0.0;
        else
            inf->d_other_m = 0.0;
        inf->cls = *out = ct->land_cls;
        return TL_OK;
    }
    double q[3];
    tl_geodetic g = {lat * TL_DEG, lon * TL_DEG, 0.0};
    tl_geodetic_to_ecef(&g, q);
    if (!info && how == TL__ZSEARCH_BVH) {
        inf->cls = *out = sea_class_lazy(z, lat, lon, q);
        return TL_OK;
    }
    inf->d_jp_m = nearest_m(z, how, TL__G_JP, lat, lon, q, r, c, TL_ZONE_EEZ_M);
    inf->d_kr_m = nearest_m(z, how, TL__G_KR, lat, lon, q, r, c, TL_ZONE_EEZ_M);
    double dmin = fmin(inf->d_jp_m, inf->d_kr_m);
    tl_zone_class cls = TL_ZONE_OPEN_SEA;
    if (dmin <= TL_ZONE_EEZ_M) {
        inf->d_other_m = nearest_m(z, how, TL__G_REST, lat, lon, q, r, c, dmin);
        if (!(inf->d_other_m < dmin)) {
            int jp = inf->d_jp_m <= inf->d_kr_m;
            if (dmin <= TL_ZONE_TERRITORIAL_SEA_M)
                cls = jp ? TL_ZONE_JP_TERRITORY : TL_ZONE_KR_TERRITORY;
            else
                cls = jp ? TL_ZONE_JP_EEZ : TL_ZONE_KR_WATERS;
        }
    }
    inf->cls = *out = cls;
    return TL_OK;
}
