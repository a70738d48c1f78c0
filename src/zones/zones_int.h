/* zones_int.h — private structures of the zones module: the loaded polygons, the
 * uniform latitude/longitude grid that indexes their edges (see zones_load.c) and the
 * bounding-volume hierarchies over ECEF chords that answer distance queries
 * (zones_bvh.c). The grid-based distance search is kept as the reference the tests
 * compare the hierarchy against (tl__zones_classify_ref). */
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

/** Node of a bounding-volume hierarchy over the real edges of one country group.
 *  The box bounds the ECEF chords below it (a chord lies in the box of its two
 *  endpoints), so the distance from a point to the box is a lower bound on its
 *  distance to any of those chords. */
typedef struct tl__zbvh_node {
    double lo[3], hi[3]; /* ECEF m */
    uint32_t first;      /* leaf: first index into item; inner: index of the left child
                            (the right child is first + 1) */
    uint32_t count;      /* leaf: number of edges (> 0); inner: 0 */
} tl__zbvh_node;

typedef struct tl__zbvh {
    tl__zbvh_node *node; /* node[0] is the root; NULL when the group has no real edge */
    uint32_t nnode;
    uint32_t *item; /* edge indices, leaf by leaf */
    uint32_t nitem;
} tl__zbvh;

/** Deepest hierarchy the query's fixed stack supports (median splits give
 *  depth <= ceil(log2(edges)), about 15 for the shipped data). */
#define TL__BVH_MAX_DEPTH 60

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
    tl__zbvh bvh[TL__G_COUNT]; /* real edges per group, for distances (the fast path) */
};

/** Squared chord distance (m^2) from q to the chord of edge e, and the chord
 *  parameter t in [0, 1] of the nearest point. One function for every search, so
 *  they all do the same arithmetic and agree to the bit on each edge. */
static inline double tl__zedge_d2(const tl_zones *z, uint32_t e, const double q[3], double *t_out)
{
    const double *a = z->ecef[e], *b = z->ecef[z->next[e]];
    double ab[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
    double aq[3] = {q[0] - a[0], q[1] - a[1], q[2] - a[2]};
    double l2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
    double t = l2 > 0 ? (aq[0] * ab[0] + aq[1] * ab[1] + aq[2] * ab[2]) / l2 : 0.0;
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    double d[3] = {aq[0] - t * ab[0], aq[1] - t * ab[1], aq[2] - t * ab[2]};
    *t_out = t;
    return d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
}

/** Build the hierarchies of every group (zones_bvh.c); TL_OK or TL_ENOMEM. */
int tl__zones_build_bvh(tl_zones *z);
/** Free the hierarchies. */
void tl__zones_free_bvh(tl_zones *z);

/** Nearest real edge of group g to the point (ECEF q) with chord distance < cap_m,
 *  by the hierarchy. Returns 1 and the edge and chord parameter, or 0 if none. */
int tl__zones_nearest_bvh(const tl_zones *z, int g, const double q[3], double cap_m,
                          uint32_t *edge_out, double *t_out);
/** The same answer by the original grid search (ring by ring from cell r0, c0 of the
 *  point at lat_deg): the reference model of the hierarchy. */
int tl__zones_nearest_grid(const tl_zones *z, int g, double lat_deg, const double q[3], int r0,
                           int c0, double cap_m, uint32_t *edge_out, double *t_out);
/** The same answer by a scan of every edge of the group (slowest, simplest). */
int tl__zones_nearest_brute(const tl_zones *z, int g, const double q[3], double cap_m,
                            uint32_t *edge_out, double *t_out);

/** Which search tl__zones_classify_with uses for distances. */
typedef enum { TL__ZSEARCH_BVH = 0, TL__ZSEARCH_GRID = 1, TL__ZSEARCH_BRUTE = 2 } tl__zsearch;

/** tl_zones_classify with a chosen distance search (tl_zones_classify = BVH). */
int tl__zones_classify_with(const tl_zones *z, double lat_rad, double lon_rad, tl__zsearch how,
                            tl_zone_class *out, tl_zone_info *info);

#endif
