/* zones_load.c — reads the zones data file written by scripts/make-zones (format in
 * docs/zones.md) and builds the spatial index the queries use:
 *  - a uniform 0.2-degree latitude/longitude grid; each cell lists the edges whose
 *    bounding box touches it, once for point-in-polygon (all edges) and once per
 *    country group for distance searches (real land edges only);
 *  - the country containing each cell centre, found by sweeping a ray along each row
 *    of centres (even-odd rule per country), so a point-in-polygon query only has to
 *    count crossings between the point and its cell's centre;
 *  - per country group, a bounding-volume hierarchy over the ECEF chords of the real
 *    edges (zones_bvh.c), which answers the distance queries.
 * All allocation happens here; queries (zones_query.c) allocate nothing.
 */
#include "zones_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TL__CELL_DEG 0.2
#define TL__MAX_VERTS 4000000u

typedef struct tl__parse {
    const char *path;
    int line;
    tl_err *err;
} tl__parse;

static int perr(tl__parse *p, const char *what, const char *text)
{
    char shown[64];
    size_t n = strcspn(text, "\r\n");
    if (n > sizeof shown - 1)
        n = sizeof shown - 1;
    memcpy(shown, text, n);
    shown[n] = '\0';
    return tl_err_set(p->err, TL_EPARSE, "%s:%d: %s: '%s'", p->path, p->line, what, shown);
}

static int next_line(FILE *f, tl__parse *p, char *buf, size_t cap)
{
    while (fgets(buf, (int)cap, f)) {
        p->line++;
        if (!strchr(buf, '\n') && !feof(f))
            return perr(p, "line too long", buf);
        char *s = buf;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '#' || *s == '\0')
            continue;
        return 1;
    }
    return 0;
}

static void zones_free_index(tl_zones *z)
{
    free(z->pip.start);
    free(z->pip.edge);
    for (int g = 0; g < TL__G_COUNT; g++) {
        free(z->dist[g].start);
        free(z->dist[g].edge);
    }
    free(z->centre_cty);
    for (int g = 0; g < TL__G_COUNT; g++)
        free(z->ring0[g]);
    tl__zones_free_bvh(z);
}

void tl_zones_destroy(tl_zones *z)
{
    if (!z)
        return;
    zones_free_index(z);
    free(z->country);
    free(z->lat_deg);
    free(z->lon_deg);
    free(z->ecef);
    free(z->next);
    free(z->cty);
    free(z->real);
    free(z);
}

static int grow(void **ptr, size_t elem, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*ptr, nc * elem);
    if (!np)
        return -1;
    *ptr = np;
    *cap = nc;
    return 0;
}

static int grow_verts(tl_zones *z, size_t *cap, size_t need)
{
    size_t c0 = *cap, c;
    c = c0;
    if (grow((void **)&z->lat_deg, sizeof *z->lat_deg, &c, need))
        return -1;
    c = c0;
    if (grow((void **)&z->lon_deg, sizeof *z->lon_deg, &c, need))
        return -1;
    c = c0;
    if (grow((void **)&z->next, sizeof *z->next, &c, need))
        return -1;
    c = c0;
    if (grow((void **)&z->cty, sizeof *z->cty, &c, need))
        return -1;
    c = c0;
    if (grow((void **)&z->real, sizeof *z->real, &c, need))
        return -1;
    *cap = c;
    return 0;
}

static void classify_country(tl__zcountry *c)
{
    if (!strcmp(c->code, "JP")) {
        c->group = TL__G_JP;
        c->land_cls = TL_ZONE_JP_TERRITORY;
    } else if (!strcmp(c->code, "KR")) {
        c->group = TL__G_KR;
        c->land_cls = TL_ZONE_KR_TERRITORY;
    } else if (!strcmp(c->code, "KP")) {
        c->group = TL__G_REST;
        c->land_cls = TL_ZONE_KP_LAND;
    } else {
        c->group = TL__G_REST;
        c->land_cls = TL_ZONE_OTHER_LAND;
    }
}

static int parse_file(FILE *f, tl__parse *p, tl_zones *z)
{
    char buf[512];
    char word[32];
    size_t vcap = 0, ccap = 0;

    int r0 = next_line(f, p, buf, sizeof buf);
    if (r0 < 0)
        return r0;
    if (r0 == 0)
        return perr(p, "empty file, expected 'tlzones 1'", "");
    int ver = 0;
    if (sscanf(buf, "%31s %d", word, &ver) != 2 || strcmp(word, "tlzones") || ver != 1)
        return perr(p, "expected header 'tlzones 1'", buf);
    if (next_line(f, p, buf, sizeof buf) < 1)
        return perr(p, "expected 'bbox LATMIN LATMAX LONMIN LONMAX'", "");
    if (sscanf(buf, "bbox %lf %lf %lf %lf", &z->lat_min, &z->lat_max, &z->lon_min, &z->lon_max) !=
            4 ||
        !(z->lat_min >= -90 && z->lat_min < z->lat_max && z->lat_max <= 90 && z->lon_min >= -180 &&
          z->lon_min < z->lon_max && z->lon_max <= 180))
        return perr(p, "bad bbox (want 'bbox LATMIN LATMAX LONMIN LONMAX', degrees, min < max)",
                    buf);

    for (;;) {
        int r = next_line(f, p, buf, sizeof buf);
        if (r < 0)
            return r;
        if (r == 0)
            return perr(p, "unexpected end of file (no 'end' line)", "");
        if (!strncmp(buf, "end", 3) && (buf[3] == '\0' || isspace((unsigned char)buf[3])))
            break;
        char code[8];
        int nrings = 0, off = 0;
        if (sscanf(buf, "country %7s %d %n", code, &nrings, &off) < 2 || nrings <= 0 || off == 0)
            return perr(p, "expected 'country CODE NRINGS NAME'", buf);
        if (z->ncountry >= TL__MAX_COUNTRIES)
            return perr(p, "too many countries (at most 256)", buf);
        if (grow((void **)&z->country, sizeof *z->country, &ccap, z->ncountry + 1))
            return tl_err_set(p->err, TL_ENOMEM, "%s: out of memory", p->path);
        tl__zcountry *c = &z->country[z->ncountry];
        memset(c, 0, sizeof *c);
        snprintf(c->code, sizeof c->code, "%s", code);
        size_t nl = strcspn(buf + off, "\r\n");
        if (nl > sizeof c->name - 1)
            nl = sizeof c->name - 1;
        memcpy(c->name, buf + off, nl);
        c->name[nl] = '\0';
        classify_country(c);
        uint16_t ci = (uint16_t)z->ncountry++;

        for (int ri = 0; ri < nrings; ri++) {
            long nv = 0;
            int rl = next_line(f, p, buf, sizeof buf);
            if (rl < 0)
                return rl;
            if (rl == 0 || sscanf(buf, "ring %ld", &nv) != 1 || nv < 3)
                return perr(p, "expected 'ring NVERTS' with NVERTS >= 3", buf);
            if (z->nvert + (size_t)nv > TL__MAX_VERTS)
                return perr(p, "too many vertices in file", buf);
            if (grow_verts(z, &vcap, z->nvert + (size_t)nv))
                return tl_err_set(p->err, TL_ENOMEM, "%s: out of memory", p->path);
            size_t first = z->nvert;
            for (long k = 0; k < nv; k++) {
                double lat, lon;
                int flag, used = 0;
                int rv = next_line(f, p, buf, sizeof buf);
                if (rv < 0)
                    return rv;
                if (rv == 0)
                    return perr(p, "unexpected end of file inside a ring", "");
                if (sscanf(buf, "%lf %lf %d %n", &lat, &lon, &flag, &used) != 3 ||
                    buf[used] != '\0')
                    return perr(p, "expected vertex 'LAT LON FLAG'", buf);
                if (!(lat >= z->lat_min - 1e-6 && lat <= z->lat_max + 1e-6))
                    return perr(p, "vertex latitude outside the bbox", buf);
                if (!(lon >= z->lon_min - 1e-6 && lon <= z->lon_max + 1e-6))
                    return perr(p, "vertex longitude outside the bbox", buf);
                if (flag != 0 && flag != 1)
                    return perr(p, "vertex FLAG must be 0 or 1", buf);
                size_t i = z->nvert++;
                z->lat_deg[i] = lat;
                z->lon_deg[i] = lon;
                z->next[i] = (uint32_t)(k + 1 < nv ? i + 1 : first);
                z->cty[i] = ci;
                z->real[i] = (uint8_t)flag;
            }
        }
    }
    if (z->ncountry == 0)
        return perr(p, "no country in file", "");
    return TL_OK;
}

/* ---- index ------------------------------------------------------------------ */

static void edge_cells(const tl_zones *z, size_t e, int *r0, int *r1, int *c0, int *c1)
{
    size_t b = z->next[e];
    double la0 = fmin(z->lat_deg[e], z->lat_deg[b]), la1 = fmax(z->lat_deg[e], z->lat_deg[b]);
    double lo0 = fmin(z->lon_deg[e], z->lon_deg[b]), lo1 = fmax(z->lon_deg[e], z->lon_deg[b]);
    int a = (int)floor((la0 - z->lat_min) / z->cell_deg),
        bb = (int)floor((la1 - z->lat_min) / z->cell_deg);
    int c = (int)floor((lo0 - z->lon_min) / z->cell_deg),
        d = (int)floor((lo1 - z->lon_min) / z->cell_deg);
    *r0 = a < 0 ? 0 : a;
    *r1 = bb >= z->nrow ? z->nrow - 1 : bb;
    *c0 = c < 0 ? 0 : c;
    *c1 = d >= z->ncol ? z->ncol - 1 : d;
}

/* Bucket the edges accepted by keep(group) (group -1: all edges). */
static int build_bucket(const tl_zones *z, int group, tl__zbucket *bk)
{
    size_t ncell = (size_t)z->nrow * (size_t)z->ncol;
    bk->start = calloc(ncell + 1, sizeof *bk->start);
    if (!bk->start)
        return TL_ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t e = 0; e < z->nvert; e++) {
            if (group >= 0 && (!z->real[e] || z->country[z->cty[e]].group != group))
                continue;
            int r0, r1, c0, c1;
            edge_cells(z, e, &r0, &r1, &c0, &c1);
            for (int r = r0; r <= r1; r++)
                for (int c = c0; c <= c1; c++) {
                    size_t cell = (size_t)r * (size_t)z->ncol + (size_t)c;
                    if (pass == 0)
                        bk->start[cell + 1]++;
                    else
                        bk->edge[bk->start[cell]++] = (uint32_t)e;
                }
        }
        if (pass == 0) {
            for (size_t i = 0; i < ncell; i++)
                bk->start[i + 1] += bk->start[i];
            bk->edge = malloc((bk->start[ncell] ? bk->start[ncell] : 1) * sizeof *bk->edge);
            if (!bk->edge)
                return TL_ENOMEM;
        }
    }
    /* start[] was advanced to each cell's end during filling: shift back. */
    for (size_t i = ncell; i > 0; i--)
        bk->start[i] = bk->start[i - 1];
    bk->start[0] = 0;
    return TL_OK;
}

typedef struct tl__xing {
    double lon;
    uint16_t cty;
} tl__xing;

static int cmp_xing(const void *a, const void *b)
{
    double x = ((const tl__xing *)a)->lon, y = ((const tl__xing *)b)->lon;
    return (x > y) - (x < y);
}

/* Country containing each cell centre: a ray along each row of centres, crossings
 * with the half-open rule (lat_a <= y) != (lat_b <= y), parity per country. */
static int build_centres(tl_zones *z)
{
    size_t ncell = (size_t)z->nrow * (size_t)z->ncol;
    int rc = TL_ENOMEM;
    uint32_t *rstart = calloc((size_t)z->nrow + 1, sizeof *rstart);
    tl__xing *x = NULL;
    uint8_t *parity = calloc(z->ncountry, 1);
    z->centre_cty = malloc(ncell * sizeof *z->centre_cty);
    if (!rstart || !parity || !z->centre_cty)
        goto done;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t e = 0; e < z->nvert; e++) {
            size_t b = z->next[e];
            double ya = z->lat_deg[e], yb = z->lat_deg[b];
            int r0, r1, c0, c1;
            edge_cells(z, e, &r0, &r1, &c0, &c1);
            for (int r = r0; r <= r1; r++) {
                double y = z->lat_min + (r + 0.5) * z->cell_deg;
                if ((ya <= y) == (yb <= y))
                    continue;
                if (pass == 0) {
                    rstart[r + 1]++;
                } else {
                    double t = (y - ya) / (yb - ya);
                    tl__xing *xi = &x[rstart[r]++];
                    xi->lon = z->lon_deg[e] + t * (z->lon_deg[b] - z->lon_deg[e]);
                    xi->cty = z->cty[e];
                }
            }
        }
        if (pass == 0) {
            for (int r = 0; r < z->nrow; r++)
                rstart[r + 1] += rstart[r];
            x = malloc((rstart[z->nrow] ? rstart[z->nrow] : 1) * sizeof *x);
            if (!x)
                goto done;
        }
    }
    for (int r = z->nrow; r > 0; r--)
        rstart[r] = rstart[r - 1];
    rstart[0] = 0;
    for (int r = 0; r < z->nrow; r++) {
        tl__xing *row = x + rstart[r];
        size_t n = rstart[r + 1] - rstart[r], k = 0;
        qsort(row, n, sizeof *row, cmp_xing);
        memset(parity, 0, z->ncountry);
        for (int c = 0; c < z->ncol; c++) {
            double xc = z->lon_min + (c + 0.5) * z->cell_deg;
            while (k < n && row[k].lon < xc)
                parity[row[k++].cty] ^= 1u;
            int16_t in = -1;
            for (size_t ci = 0; ci < z->ncountry; ci++)
                if (parity[ci]) {
                    in = (int16_t)ci;
                    break;
                }
            z->centre_cty[(size_t)r * (size_t)z->ncol + (size_t)c] = in;
        }
    }
    rc = TL_OK;
done:
    free(rstart);
    free(x);
    free(parity);
    return rc;
}

/* Exact Chebyshev distance transform (two raster passes over the 8-neighbourhood)
 * from the cells that hold edges of bucket bk. */
static int build_ring0(const tl_zones *z, const tl__zbucket *bk, uint16_t **out)
{
    int nr = z->nrow, nc = z->ncol;
    uint16_t *d = malloc((size_t)nr * (size_t)nc * sizeof *d);
    if (!d)
        return TL_ENOMEM;
    for (int r = 0; r < nr; r++)
        for (int c = 0; c < nc; c++) {
            size_t i = (size_t)r * (size_t)nc + (size_t)c;
            d[i] = bk->start[i + 1] > bk->start[i] ? 0 : 65535;
        }
    for (int pass = 0; pass < 2; pass++) {
        int dr = pass == 0 ? 1 : -1;
        for (int r = pass == 0 ? 0 : nr - 1; r >= 0 && r < nr; r += dr)
            for (int c = pass == 0 ? 0 : nc - 1; c >= 0 && c < nc; c += dr) {
                size_t i = (size_t)r * (size_t)nc + (size_t)c;
                /* neighbours already visited in this pass: previous row (3) and previous cell */
                const int nb[4][2] = {{-dr, -1}, {-dr, 0}, {-dr, 1}, {0, -dr}};
                for (int k = 0; k < 4; k++) {
                    int rr = r + nb[k][0], cc = c + nb[k][1];
                    if (rr < 0 || rr >= nr || cc < 0 || cc >= nc)
                        continue;
                    uint16_t v = d[(size_t)rr * (size_t)nc + (size_t)cc];
                    if (v != 65535 && v + 1 < d[i])
                        d[i] = (uint16_t)(v + 1);
                }
            }
    }
    *out = d;
    return TL_OK;
}

static int build_index(tl_zones *z)
{
    z->cell_deg = TL__CELL_DEG;
    z->nrow = (int)ceil((z->lat_max - z->lat_min) / z->cell_deg - 1e-9);
    z->ncol = (int)ceil((z->lon_max - z->lon_min) / z->cell_deg - 1e-9);
    /* A box thinner than 1e-9 cell would get no row or column, and queries inside it
     * would index cell -1 (tests/data/fuzz/zones/thin-bbox.txt): at least one of each. */
    if (z->nrow < 1)
        z->nrow = 1;
    if (z->ncol < 1)
        z->ncol = 1;
    z->ecef = malloc(z->nvert * sizeof *z->ecef);
    if (!z->ecef)
        return TL_ENOMEM;
    for (size_t i = 0; i < z->nvert; i++) {
        tl_geodetic g = {z->lat_deg[i] * TL_DEG, z->lon_deg[i] * TL_DEG, 0.0};
        tl_geodetic_to_ecef(&g, z->ecef[i]);
    }
    int rc = build_bucket(z, -1, &z->pip);
    for (int g = 0; g < TL__G_COUNT && rc == TL_OK; g++) {
        rc = build_bucket(z, g, &z->dist[g]);
        if (rc == TL_OK)
            rc = build_ring0(z, &z->dist[g], &z->ring0[g]);
    }
    if (rc == TL_OK)
        rc = build_centres(z);
    if (rc == TL_OK)
        rc = tl__zones_build_bvh(z);
    return rc;
}

int tl_zones_load(const char *path, tl_zones **out, tl_err *err)
{
    if (!path || !out)
        return tl_err_set(err, TL_EINVAL, "tl_zones_load: NULL %s", path ? "out" : "path");
    FILE *f = fopen(path, "r");
    if (!f)
        return tl_err_set(err, TL_EIO, "%s: cannot open: %s (regenerate with scripts/make-zones)",
                          path, strerror(errno));
    tl_zones *z = calloc(1, sizeof *z);
    if (!z) {
        fclose(f);
        return tl_err_set(err, TL_ENOMEM, "%s: out of memory", path);
    }
    tl__parse p = {path, 0, err};
    if (err)
        tl_err_clear(err);
    int rc = parse_file(f, &p, z);
    if (rc == TL_OK && ferror(f))
        rc = tl_err_set(err, TL_EIO, "%s: read error", path);
    fclose(f);
    if (rc == TL_OK) {
        rc = build_index(z);
        if (rc != TL_OK)
            tl_err_set(err, rc, "%s: out of memory building the index", path);
    }
    if (rc != TL_OK) {
        tl_zones_destroy(z);
        return rc;
    }
    *out = z;
    return TL_OK;
}

int tl_zones_load_default(tl_zones **out, tl_err *err)
{
    const char *env = getenv("TL_ZONES_FILE");
    if (env && env[0])
        return tl_zones_load(env, out, err);
    char path[1024];
    const char *src = getenv("TL_SOURCE_DIR");
#ifdef TL_SOURCE_DIR
    if (!src || !src[0])
        src = TL_SOURCE_DIR;
#endif
    if (!src || !src[0])
        src = ".";
    snprintf(path, sizeof path, "%s/data/zones/land-10m.txt", src);
    return tl_zones_load(path, out, err);
}
