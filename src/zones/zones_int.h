/* zones_int.h — private structures of the zones module: the loaded polygons and the
 * uniform latitude/longitude grid that indexes their edges (see zones_load.c). */
#ifndef TL_ZONES_INT_H
#define TL_ZONES_INT_H

#include "trilink/zones.h"

#include <stdint.h>

/** Countries in a data file (point in polygon keeps one parity bit per country). */
#define TL__MAX_COUNTRIES 256

/** Country groups that the classification distinguishes. */
enum { TL__G_JP = 0, TL__G_KR = 1, TL__G_REST = 2, TL__G_COUNT = 3 };

typedef struct tl__zcountry {
    char code[8];
    char name[48];
    int group; /* TL__G_* */
    tl_zone_class land_cls;
} tl__zcountry;

/** Edges of one kind, bucketed by grid cell (compressed rows). */
typedef struct tl__zbucket {
    uint32_t *start; /* ncell + 1 */
    uint32_t *edge;  /* edge indices */
} tl__zbucket;

struct tl_zones {
    double lat_min, lat_max, lon_min, lon_max; /* degrees */
    double cell_deg;
    int nrow, ncol;

    size_t ncountry;
    tl__zcountry *country;

    size_t nvert;
    double *lat_deg, *lon_deg; /* vertex positions */
    double (*ecef)[3];         /* on the ellipsoid, h = 0 */
    /* Edge i runs from vertex i to next[i] (the next vertex of its ring). */
    uint32_t *next;
    uint16_t *cty; /* country of edge i */
    uint8_t *real; /* 1: land boundary, 0: clip edge along the region box */

    tl__zbucket pip;               /* all edges, for point-in-polygon */
    tl__zbucket dist[TL__G_COUNT]; /* real edges per group, for distances */
    int16_t *centre_cty;           /* country containing each cell centre, -1 for sea */
    /* Chebyshev distance, in cells, from each cell to the nearest cell holding a real
     * edge of the group (capped at 65535): distance searches start at that ring. */
    uint16_t *ring0[TL__G_COUNT];
};

#endif
