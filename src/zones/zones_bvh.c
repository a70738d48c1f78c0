/* zones_bvh.c — bounding-volume hierarchies (one per country group) over the ECEF
 * chords of the real land edges, and the nearest-edge query on them.
 *
 * Build (at load, the only allocation): the edges are split recursively at the median
 * of their chord midpoints along the longest axis of the midpoints' box, down to
 * leaves of at most TL__BVH_LEAF edges; every node keeps the axis-aligned box of the
 * chords below it. Median splits bound the depth by ceil(log2(edges)).
 *
 * Query: depth-first, nearer child first, skipping any node whose box is farther than
 * the best chord found so far plus 1 mm. A chord lies inside the box of its endpoints,
 * so the point-to-box distance is a lower bound on the distance to every chord below;
 * the 1 mm slack covers the rounding of that bound (about 1e-9 m at Earth-radius
 * coordinates). The chord distance of each candidate edge is the same function as the
 * grid and brute-force searches use (tl__zedge_d2), and ties go to the lowest edge
 * index, so the answer is the brute force's answer to the bit. This replaces the
 * ring-by-ring grid search, which visited every cell within the nearest distance and
 * every edge in them (80% of the national pipeline's CPU time).
 */
#include "zones_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TL__BVH_LEAF 4
#define TL__BVH_SLACK_M 1e-3

typedef struct tl__bkey {
    double key;
    uint32_t e;
} tl__bkey;

/* Strict total order: by key, then by edge index (so the split is unique). */
static int bkey_less(const tl__bkey *x, const tl__bkey *y)
{
    return x->key < y->key || (x->key == y->key && x->e < y->e);
}

static void bkey_swap(tl__bkey *a, tl__bkey *b)
{
    tl__bkey t = *a;
    *a = *b;
    *b = t;
}

/* Put the k smallest of v[0, n) first (Hoare's selection, median-of-three pivot;
 * expected linear time, bounded loop: each pass shrinks the range). */
static void bkey_select(tl__bkey *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* the k-th element lies in [lo, hi) */
    while (hi - lo > 2) {
        size_t mid = lo + (hi - lo) / 2;
        if (bkey_less(&v[mid], &v[lo]))
            bkey_swap(&v[mid], &v[lo]);
        if (bkey_less(&v[hi - 1], &v[lo]))
            bkey_swap(&v[hi - 1], &v[lo]);
        if (bkey_less(&v[hi - 1], &v[mid]))
            bkey_swap(&v[hi - 1], &v[mid]);
        tl__bkey piv = v[mid];
        bkey_swap(&v[mid], &v[hi - 2]);
        size_t i = lo, j = hi - 2;
        for (;;) { /* v[lo] <= piv <= v[hi - 1] act as sentinels */
            while (bkey_less(&v[++i], &piv))
                ;
            while (bkey_less(&piv, &v[--j]))
                ;
            if (i >= j)
                break;
            bkey_swap(&v[i], &v[j]);
        }
        bkey_swap(&v[i], &v[hi - 2]); /* pivot to its final place i */
        if (i == k)
            return;
        if (k < i)
            hi = i;
        else
            lo = i + 1;
    }
    if (hi - lo == 2 && bkey_less(&v[lo + 1], &v[lo]))
        bkey_swap(&v[lo], &v[lo + 1]);
}

typedef struct tl__bbuild {
    const tl_zones *z;
    tl__zbvh *h;
    tl__bkey *keys;
} tl__bbuild;

/* Fill node ni with items [lo, hi) of h->item (already holding the edges). */
static void build_node(tl__bbuild *b, uint32_t ni, uint32_t lo, uint32_t hi, int depth)
{
    const tl_zones *z = b->z;
    tl__zbvh *h = b->h;
    tl__zbvh_node *n = &h->node[ni];
    double clo[3] = {INFINITY, INFINITY, INFINITY}, chi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (int k = 0; k < 3; k++) {
        n->lo[k] = INFINITY;
        n->hi[k] = -INFINITY;
    }
    for (uint32_t i = lo; i < hi; i++) {
        uint32_t e = h->item[i];
        const double *pa = z->ecef[e], *pb = z->ecef[z->next[e]];
        for (int k = 0; k < 3; k++) {
            double u = pa[k] < pb[k] ? pa[k] : pb[k], v = pa[k] < pb[k] ? pb[k] : pa[k];
            double m = 0.5 * (pa[k] + pb[k]);
            n->lo[k] = u < n->lo[k] ? u : n->lo[k];
            n->hi[k] = v > n->hi[k] ? v : n->hi[k];
            clo[k] = m < clo[k] ? m : clo[k];
            chi[k] = m > chi[k] ? m : chi[k];
        }
    }
    if (hi - lo <= TL__BVH_LEAF || depth >= TL__BVH_MAX_DEPTH - 1) {
        n->first = lo;
        n->count = hi - lo;
        return;
    }
    int ax = 0;
    for (int k = 1; k < 3; k++)
        if (chi[k] - clo[k] > chi[ax] - clo[ax])
            ax = k;
    for (uint32_t i = lo; i < hi; i++) {
        uint32_t e = h->item[i];
        b->keys[i - lo].key = 0.5 * (z->ecef[e][ax] + z->ecef[z->next[e]][ax]);
        b->keys[i - lo].e = e;
    }
    uint32_t mid = lo + (hi - lo) / 2;
    bkey_select(b->keys, hi - lo, mid - lo);
    for (uint32_t i = lo; i < hi; i++)
        h->item[i] = b->keys[i - lo].e;
    uint32_t left = h->nnode;
    h->nnode += 2;
    n->first = left;
    n->count = 0;
    build_node(b, left, lo, mid, depth + 1);
    build_node(b, left + 1, mid, hi, depth + 1);
}

static int build_group(tl_zones *z, int g, tl__zbvh *h)
{
    memset(h, 0, sizeof *h);
    uint32_t n = 0;
    for (size_t e = 0; e < z->nvert; e++)
        if (z->real[e] && z->country[z->cty[e]].group == g)
            n++;
    if (n == 0)
        return TL_OK;
    h->item = malloc(n * sizeof *h->item);
    h->node = malloc(2 * (size_t)n * sizeof *h->node); /* a binary tree with <= n leaves */
    tl__bkey *keys = malloc(n * sizeof *keys);
    if (!h->item || !h->node || !keys) {
        free(keys);
        return TL_ENOMEM;
    }
    for (size_t e = 0; e < z->nvert; e++)
        if (z->real[e] && z->country[z->cty[e]].group == g)
            h->item[h->nitem++] = (uint32_t)e;
    tl__bbuild b = {z, h, keys};
    h->nnode = 1;
    build_node(&b, 0, 0, n, 0);
    free(keys);
    return TL_OK;
}

int tl__zones_build_bvh(tl_zones *z)
{
    for (int g = 0; g < TL__G_COUNT; g++) {
        int rc = build_group(z, g, &z->bvh[g]);
        if (rc != TL_OK)
            return rc;
    }
    return TL_OK;
}

void tl__zones_free_bvh(tl_zones *z)
{
    for (int g = 0; g < TL__G_COUNT; g++) {
        free(z->bvh[g].node);
        free(z->bvh[g].item);
        memset(&z->bvh[g], 0, sizeof z->bvh[g]);
    }
}

/* Squared distance (m^2) from q to the box of node n (0 inside). Branch-free: at
 * most one of lo - q and q - hi is positive. */
static inline double box_d2(const tl__zbvh_node *n, const double q[3])
{
    double s = 0;
    for (int k = 0; k < 3; k++) {
        double a = n->lo[k] - q[k], b = q[k] - n->hi[k];
        double d = a > b ? a : b;
        d = d > 0 ? d : 0;
        s += d * d;
    }
    return s;
}

int tl__zones_nearest_bvh(const tl_zones *z, int g, const double q[3], double cap_m,
                          uint32_t *edge_out, double *t_out)
{
    const tl__zbvh *h = &z->bvh[g];
    if (!h->node)
        return 0;
    double best2 = cap_m * cap_m, best_t = 0.0;
    double pad = cap_m + TL__BVH_SLACK_M, pad2 = pad * pad;
    uint32_t best_e = UINT32_MAX;
    struct {
        uint32_t node;
        double lb2;
    } stack[TL__BVH_MAX_DEPTH + 2];
    int sp = 0;
    double r2 = box_d2(&h->node[0], q);
    if (r2 > pad2)
        return 0;
    stack[sp].node = 0;
    stack[sp++].lb2 = r2;
    while (sp > 0) {
        sp--;
        if (stack[sp].lb2 > pad2)
            continue; /* a nearer edge was found since this node was pushed */
        const tl__zbvh_node *n = &h->node[stack[sp].node];
        if (n->count) {
            for (uint32_t i = n->first; i < n->first + n->count; i++) {
                uint32_t e = h->item[i];
                double t, d2 = tl__zedge_d2(z, e, q, &t);
                if (d2 < best2 || (d2 == best2 && best_e != UINT32_MAX && e < best_e)) {
                    best2 = d2;
                    best_e = e;
                    best_t = t;
                    pad = sqrt(best2) + TL__BVH_SLACK_M;
                    pad2 = pad * pad;
                }
            }
            continue;
        }
        uint32_t c0 = n->first, c1 = n->first + 1;
        double d0 = box_d2(&h->node[c0], q), d1 = box_d2(&h->node[c1], q);
        if (d0 > d1) { /* visit the nearer child first: push it last */
            uint32_t tc = c0;
            double td = d0;
            c0 = c1;
            d0 = d1;
            c1 = tc;
            d1 = td;
        }
        /* Each pop pushes at most two, one level down: the stack never exceeds depth + 1. */
        if (d1 <= pad2) {
            stack[sp].node = c1;
            stack[sp++].lb2 = d1;
        }
        if (d0 <= pad2) {
            stack[sp].node = c0;
            stack[sp++].lb2 = d0;
        }
    }
    if (best_e == UINT32_MAX)
        return 0;
    *edge_out = best_e;
    *t_out = best_t;
    return 1;
}

int tl__zones_nearest_brute(const tl_zones *z, int g, const double q[3], double cap_m,
                            uint32_t *edge_out, double *t_out)
{
    double best2 = cap_m * cap_m, best_t = 0.0;
    uint32_t best_e = UINT32_MAX;
    for (size_t e = 0; e < z->nvert; e++) {
        if (!z->real[e] || z->country[z->cty[e]].group != g)
            continue;
        double t, d2 = tl__zedge_d2(z, (uint32_t)e, q, &t);
        if (d2 < best2) {
            best2 = d2;
            best_e = (uint32_t)e;
            best_t = t;
        }
    }
    if (best_e == UINT32_MAX)
        return 0;
    *edge_out = best_e;
    *t_out = best_t;
    return 1;
}
