/* fuzz_zones.c — libFuzzer harness for the zones data loader (src/zones/zones_load.c,
 * tl_zones_load): any bytes as a zones data file (docs/zones.md), then the queries a
 * node runs against what it built (tl_zones_classify on a world grid, at the file's
 * box corners and centre, and at and next to its first vertices). Promises checked: no crash or sanitizer report; a
 * refusal is TL_EPARSE (or TL_EIO/TL_ENOMEM) with a message starting with the file's
 * name; a loaded index answers every query with a known class. */
#include "fuzz_util.h"

#include "trilink/geo.h"
#include "trilink/zones.h"
#include "zones/zones_int.h" /* the loaded box and vertices, to query where the data is */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0; /* the real file is big but regular; size only slows the search */
    char path[64];
    int fd = fz_memfile(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    tl_zones *z = NULL;
    tl_err err;
    tl_err_clear(&err);
    int rc = tl_zones_load(path, &z, &err);
    close(fd);
    if (rc != TL_OK) {
        FZ_CHECK(rc == TL_EPARSE || rc == TL_EIO || rc == TL_ENOMEM, "rc %d", rc);
        FZ_CHECK(!strncmp(err.msg, path, strlen(path)), "message '%s' does not name %s", err.msg, path);
        return 0;
    }
    /* A grid of points over the whole region and beyond, plus the box corners. */
    for (int i = 0; i <= 8; i++)
        for (int j = 0; j <= 8; j++) {
            double lat = -80.0 + 160.0 * i / 8.0, lon = -179.0 + 358.0 * j / 8.0;
            tl_zone_class c;
            tl_zone_info info;
            rc = tl_zones_classify(z, lat * TL_DEG, lon * TL_DEG, &c, (i + j) % 2 ? &info : NULL);
            FZ_CHECK(rc == TL_OK, "classify %g %g: %d", lat, lon, rc);
            FZ_CHECK(strcmp(tl_zone_class_name(c), "unknown"), "class %d at %g %g", (int)c, lat, lon);
        }
    double pts[32][2];
    int np = 0;
    double la0 = z->lat_min, la1 = z->lat_max, lo0 = z->lon_min, lo1 = z->lon_max;
    const double box[][2] = {{la0, lo0}, {la0, lo1}, {la1, lo0}, {la1, lo1}, {(la0 + la1) / 2, (lo0 + lo1) / 2},
                             {nextafter(la1, la0), nextafter(lo1, lo0)}};
    for (size_t k = 0; k < sizeof box / sizeof box[0]; k++, np++) {
        pts[np][0] = box[k][0];
        pts[np][1] = box[k][1];
    }
    for (size_t v = 0; v < z->nvert && v < 8; v++) {
        pts[np][0] = z->lat_deg[v];
        pts[np++][1] = z->lon_deg[v];
        pts[np][0] = z->lat_deg[v] + 0.01;
        pts[np++][1] = z->lon_deg[v] - 0.01;
    }
    for (int k = 0; k < np; k++) {
        tl_zone_class c;
        tl_zone_info info;
        if (!(fabs(pts[k][0]) <= 90 && fabs(pts[k][1]) <= 180))
            continue;
        rc = tl_zones_classify(z, pts[k][0] * TL_DEG, pts[k][1] * TL_DEG, &c, k % 2 ? &info : NULL);
        FZ_CHECK(rc == TL_OK && strcmp(tl_zone_class_name(c), "unknown"), "classify %g %g: %d", pts[k][0],
                 pts[k][1], rc);
    }
    tl_zones_destroy(z);
    return 0;
}
