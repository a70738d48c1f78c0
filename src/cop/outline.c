/* outline.c — the outer limits of Japan's and South Korea's maritime zones, for the map.
 *
 * The zones module has no zone polygons: a point's zone is decided by geodesic distances
 * to the land data (12 nmi, 200 nmi, median lines; zones.h). So the limits are traced from
 * the classification itself: the box is sampled on a regular latitude/longitude grid,
 * marching squares (Lorensen & Cline 1987, the 2-D case) finds the grid edges whose ends
 * fall on different sides of a limit, each crossing is refined by bisection along its edge
 * with further tl_zones_classify calls, and the segments are chained into polylines. The
 * drawn limit is therefore the classification's own, within step/4096 along grid edges
 * (plus the chord between crossings inside a cell). Output is GeoJSON lines (RFC 7946
 * MultiLineString), not polygons: no winding to get wrong in d3.
 * Allocation: the class grid and segment tables once per call (not a per-plot path).
 */
#include "cop_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEG (180.0 / M_PI)
#define BISECT 12 /* step / 2^12 */

/* One limit: the boundary of the set of classes in mask. */
static const struct {
    const char *kind;
    unsigned mask;
} limits[] = {
    {"jp_eez", TL_ZONE_MASK_JP},
    {"jp_territorial_sea", TL_ZONE_MASK_JP_TERRITORY},
    {"kr_waters", TL_ZONE_MASK_KR},
    {"kr_territorial_sea", TL_ZONE_BIT(TL_ZONE_KR_TERRITORY)},
};

void tl_cop_outline_cfg_default(tl_cop_outline_cfg *c)
{
    c->lat_min_rad = 24.0 / DEG;
    c->lat_max_rad = 50.0 / DEG;
    c->lon_min_rad = 118.0 / DEG;
    c->lon_max_rad = 156.0 / DEG;
    c->step_rad = 0.1 / DEG;
}

typedef struct grid {
    const tl_zones *z;
    double lat0, lon0, step; /* radians */
    int nrow, ncol;          /* vertices */
    uint8_t *cls;            /* nrow * ncol, tl_zone_class (ELSEWHERE if unclassifiable) */
} grid;

static int classify(const tl_zones *z, double lat, double lon)
{
    tl_zone_class c;
    return tl_zones_classify(z, lat, lon, &c, NULL) == TL_OK ? (int)c : TL_ZONE_ELSEWHERE;
}

static int inside(unsigned mask, int cls)
{
    return (mask >> (unsigned)cls) & 1u;
}

/* Grid edges: horizontal (r,c)-(r,c+1) is 2*(r*ncol+c), vertical (r,c)-(r+1,c) is +1. */
static void edge_ends(const grid *g, int e, int *r0, int *c0, int *r1, int *c1)
{
    int v = e / 2;
    *r0 = v / g->ncol, *c0 = v % g->ncol;
    *r1 = *r0 + (e & 1), *c1 = *c0 + !(e & 1);
}

/* The crossing on edge e, bisected with the classification (lat, lon in radians). */
static void crossing(const grid *g, unsigned mask, int e, double *lat, double *lon)
{
    int r0, c0, r1, c1;
    edge_ends(g, e, &r0, &c0, &r1, &c1);
    double la0 = g->lat0 + r0 * g->step, lo0 = g->lon0 + c0 * g->step;
    double la1 = g->lat0 + r1 * g->step, lo1 = g->lon0 + c1 * g->step;
    int in0 = inside(mask, g->cls[r0 * g->ncol + c0]);
    double a = 0.0, b = 1.0;
    for (int k = 0; k < BISECT; k++) {
        double m = 0.5 * (a + b);
        if (inside(mask, classify(g->z, la0 + m * (la1 - la0), lo0 + m * (lo1 - lo0))) == in0)
            a = m;
        else
            b = m;
    }
    double m = 0.5 * (a + b);
    *lat = la0 + m * (la1 - la0);
    *lon = lo0 + m * (lo1 - lo0);
}

/* Segments of one limit: seg[2k], seg[2k+1] are the edges a segment joins. Each crossing
 * edge has at most two segments (the cells on either side). */
static void trace(const grid *g, unsigned mask, int *seg, int *nseg)
{
    *nseg = 0;
    for (int r = 0; r + 1 < g->nrow; r++)
        for (int c = 0; c + 1 < g->ncol; c++) {
            const int bl = inside(mask, g->cls[r * g->ncol + c]);
            const int br = inside(mask, g->cls[r * g->ncol + c + 1]);
            const int tr = inside(mask, g->cls[(r + 1) * g->ncol + c + 1]);
            const int tl = inside(mask, g->cls[(r + 1) * g->ncol + c]);
            /* cell edges, counterclockwise from the bottom: bottom, right, top, left */
            const int ed[4] = {2 * (r * g->ncol + c), 2 * (r * g->ncol + c + 1) + 1,
                               2 * ((r + 1) * g->ncol + c), 2 * (r * g->ncol + c) + 1};
            const int cut[4] = {bl != br, br != tr, tr != tl, tl != bl};
            int list[4], n = 0;
            for (int k = 0; k < 4; k++)
                if (cut[k])
                    list[n++] = ed[k];
            if (n == 2) {
                seg[2 * *nseg] = list[0], seg[2 * *nseg + 1] = list[1], (*nseg)++;
            } else if (n == 4) { /* saddle: join so that the inside corners stay apart */
                if (bl) {
                    seg[2 * *nseg] = ed[0], seg[2 * *nseg + 1] = ed[3], (*nseg)++;
                    seg[2 * *nseg] = ed[1], seg[2 * *nseg + 1] = ed[2], (*nseg)++;
                } else {
                    seg[2 * *nseg] = ed[0], seg[2 * *nseg + 1] = ed[1], (*nseg)++;
                    seg[2 * *nseg] = ed[2], seg[2 * *nseg + 1] = ed[3], (*nseg)++;
                }
            }
        }
}

/* Chain the segments into polylines and write them as MultiLineString coordinates.
 * at[e*2 + i]: the segments touching edge e (-1 none); used[] marks segments written. */
static void put_lines(tl__cop_out *o, const grid *g, unsigned mask, const int *seg, int nseg,
                      int *at, uint8_t *used)
{
    size_t nedge = 2 * (size_t)g->nrow * (size_t)g->ncol;
    for (size_t i = 0; i < 2 * nedge; i++)
        at[i] = -1;
    for (int s = 0; s < nseg; s++)
        for (int k = 0; k < 2; k++) {
            int e = seg[2 * s + k];
            at[2 * e + (at[2 * e] >= 0)] = s;
        }
    memset(used, 0, (size_t)nseg);
    int nline = 0;
    /* open chains first (start at an edge with one segment: the box's border), then loops */
    for (int pass = 0; pass < 2; pass++)
        for (int s0 = 0; s0 < nseg; s0++) {
            if (used[s0])
                continue;
            int e = -1;
            for (int k = 0; k < 2 && e < 0; k++) {
                int ek = seg[2 * s0 + k];
                if (pass == 1 || at[2 * ek + 1] < 0)
                    e = ek;
            }
            if (e < 0)
                continue;
            tl__cop_puts(o, nline++ ? ",[" : "[");
            double lat, lon;
            crossing(g, mask, e, &lat, &lon);
            tl__cop_printf(o, "[%.5f,%.5f]", lon * DEG, lat * DEG);
            int s = s0;
            for (int guard = 0; guard <= nseg && s >= 0 && !used[s]; guard++) {
                used[s] = 1;
                e = seg[2 * s] == e ? seg[2 * s + 1] : seg[2 * s];
                crossing(g, mask, e, &lat, &lon);
                tl__cop_printf(o, ",[%.5f,%.5f]", lon * DEG, lat * DEG);
                s = at[2 * e] == s ? at[2 * e + 1] : at[2 * e];
            }
            tl__cop_puts(o, "]");
        }
}

static int check_cfg(const tl_cop_outline_cfg *c, tl_err *err)
{
    const double lim = 1.0 / DEG;
    if (!(c->lat_min_rad >= -M_PI / 2 && c->lat_max_rad <= M_PI / 2 &&
          c->lat_min_rad < c->lat_max_rad && c->lon_min_rad >= -M_PI && c->lon_max_rad <= M_PI &&
          c->lon_min_rad < c->lon_max_rad))
        return tl_err_set(err, TL_EINVAL, "cop outline: box lat [%g, %g] lon [%g, %g] deg invalid",
                          c->lat_min_rad * DEG, c->lat_max_rad * DEG, c->lon_min_rad * DEG,
                          c->lon_max_rad * DEG);
    if (!(c->step_rad > 0.0 && c->step_rad <= lim))
        return tl_err_set(err, TL_EINVAL, "cop outline: step %g deg not in (0, 1]",
                          c->step_rad * DEG);
    double cells = ((c->lat_max_rad - c->lat_min_rad) / c->step_rad + 2.0) *
                   ((c->lon_max_rad - c->lon_min_rad) / c->step_rad + 2.0);
    if (cells > 4e6)
        return tl_err_set(err, TL_EINVAL, "cop outline: %.0f grid points (at most 4e6)", cells);
    return TL_OK;
}

int tl_cop_zones_geojson(const tl_zones *z, const tl_cop_outline_cfg *cfg, char **out, size_t *len,
                         tl_err *err)
{
    tl_cop_outline_cfg def;
    if (!z || !out || !len)
        return tl_err_set(err, TL_EINVAL, "cop outline: NULL argument");
    if (!cfg) {
        tl_cop_outline_cfg_default(&def);
        cfg = &def;
    }
    int rc = check_cfg(cfg, err);
    if (rc)
        return rc;
    grid g = {z, cfg->lat_min_rad, cfg->lon_min_rad, cfg->step_rad, 0, 0, NULL};
    g.nrow = (int)ceil((cfg->lat_max_rad - cfg->lat_min_rad) / cfg->step_rad - 1e-9) + 1;
    g.ncol = (int)ceil((cfg->lon_max_rad - cfg->lon_min_rad) / cfg->step_rad - 1e-9) + 1;
    size_t nv = (size_t)g.nrow * (size_t)g.ncol;
    size_t ncell = (size_t)(g.nrow - 1) * (size_t)(g.ncol - 1);
    g.cls = malloc(nv);
    int *seg = malloc(sizeof *seg * 4 * (ncell ? ncell : 1)); /* <= 2 segments per cell */
    int *at = malloc(sizeof *at * 4 * nv);                    /* 2 edges per vertex, 2 each */
    uint8_t *used = malloc(2 * (ncell ? ncell : 1));
    char *buf = NULL;
    if (!g.cls || !seg || !at || !used) {
        rc = tl_err_set(err, TL_ENOMEM, "cop outline: grid of %zu points", nv);
        goto done;
    }
    for (int r = 0; r < g.nrow; r++)
        for (int c = 0; c < g.ncol; c++) {
            /* the ends land exactly on the box (the last row/column may overshoot by < step) */
            double lat = fmin(g.lat0 + r * g.step, M_PI / 2);
            double lon = fmin(g.lon0 + c * g.step, M_PI);
            g.cls[r * g.ncol + c] = (uint8_t)classify(z, lat, lon);
        }
    /* Write into a generous buffer; only when it was too short trace again at the size the
     * writer counted (it counts past its capacity). */
    size_t cap = 512 * 1024;
    buf = malloc(cap);
    if (!buf) {
        rc = tl_err_set(err, TL_ENOMEM, "cop outline: %zu bytes", cap);
        goto done;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        tl__cop_out o;
        tl__cop_out_init(&o, buf, cap);
        tl__cop_puts(&o, "{\"type\":\"FeatureCollection\",\"features\":[");
        for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
            int nseg = 0;
            trace(&g, limits[k].mask, seg, &nseg);
            tl__cop_printf(
                &o,
                "%s{\"type\":\"Feature\",\"properties\":{\"kind\":\"%s\",\"segments\":%d,"
                "\"step_deg\":%.4f},\"geometry\":{\"type\":\"MultiLineString\","
                "\"coordinates\":[",
                k ? "," : "", limits[k].kind, nseg, g.step * DEG);
            put_lines(&o, &g, limits[k].mask, seg, nseg, at, used);
            tl__cop_puts(&o, "]}}");
        }
        tl__cop_puts(&o, "]}\n");
        size_t need;
        rc = tl__cop_out_end(&o, &need);
        if (rc == TL_OK && buf) {
            *out = buf, *len = need;
            buf = NULL;
            break;
        }
        free(buf);
        cap = need + 1;
        buf = malloc(cap);
        if (!buf) {
            rc = tl_err_set(err, TL_ENOMEM, "cop outline: %zu bytes", cap);
            goto done;
        }
        rc = TL_OK;
    }
done:
    free(buf);
    free(g.cls);
    free(seg);
    free(at);
    free(used);
    return rc;
}
