/* test_zones_index.c — the bounding-volume hierarchy that answers the zones' distance
 * queries (src/zones/zones_bvh.c) against the two searches it replaced:
 *  - the original ring-by-ring grid search (the reference model; tl__zones_classify_with
 *    with TL__ZSEARCH_GRID) on 23,000 points drawn where the answers are hard: the whole
 *    data box and the far ocean, near coasts (down to metres), near the 12 nmi and
 *    200 nmi limits (placed along the normal from the nearest coast), and on median
 *    lines between two states (found by bisection): the classes and land codes must be
 *    equal and every distance must agree to < 1 mm; the class asked without distances
 *    (info NULL: decided on geodesic brackets) must be the same too;
 *  - a scan of every edge (TL__ZSEARCH_BRUTE, same per-edge arithmetic and tie rule):
 *    bit-identical distances on every 8th point;
 *  - the hierarchy's invariants (every edge once, boxes nested, depth bounded);
 *  - and that the comparison can fail: with the leaf boxes shrunk by 3 km (a wrong
 *    lower bound) the same comparison must report mismatches.
 */
#include "tl_test.h"
#include "trilink/zones.h"
#include "zones/zones_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tl_zones *Z;

static int setup(void **state)
{
    (void)state;
    return tl_test_zones_load(&Z);
}

static int teardown(void **state)
{
    (void)state;
    tl_zones_destroy(Z);
    return 0;
}

/* ---- point generation ----------------------------------------------------------- */

typedef struct pt {
    double lat, lon; /* degrees */
} pt;

#define NPT_MAX 24000
static pt P[NPT_MAX];
static int NP;
static int N_STRATUM[6];

static void go(double lat, double lon, double az_deg, double s, double *la, double *lo)
{
    tl_geodesic_direct(lat * TL_DEG, lon * TL_DEG, az_deg * TL_DEG, s, la, lo, NULL);
    *la /= TL_DEG;
    *lo = tl_wrap_pi(*lo) / TL_DEG;
}

static int in_box(const tl_zones *z, double lat, double lon)
{
    return lat >= z->lat_min && lat < z->lat_max && lon >= z->lon_min && lon < z->lon_max;
}

/* Distance (m) from (lat, lon) to group g's land within cap_m by the grid search, and
 * its foot point; INFINITY if none. Used only to place points. */
static double foot(int g, double lat, double lon, double cap_m, double *flat, double *flon)
{
    double q[3];
    tl_geodetic gd = {lat * TL_DEG, lon * TL_DEG, 0};
    tl_geodetic_to_ecef(&gd, q);
    int r = (int)((lat - Z->lat_min) / Z->cell_deg), c = (int)((lon - Z->lon_min) / Z->cell_deg);
    r = r >= Z->nrow ? Z->nrow - 1 : r;
    c = c >= Z->ncol ? Z->ncol - 1 : c;
    uint32_t e;
    double t;
    if (!tl__zones_nearest_grid(Z, g, lat, q, r, c, cap_m, &e, &t))
        return INFINITY;
    uint32_t b = Z->next[e];
    *flat = Z->lat_deg[e] + t * (Z->lat_deg[b] - Z->lat_deg[e]);
    *flon = Z->lon_deg[e] + t * (Z->lon_deg[b] - Z->lon_deg[e]);
    double s;
    tl_geodesic_inverse(lat * TL_DEG, lon * TL_DEG, *flat * TL_DEG, *flon * TL_DEG, &s, NULL, NULL);
    return s;
}

/* A random point on a random real edge of group g (g < 0: any group). */
static void coast_point(tl_test_rng *r, int g, double *lat, double *lon)
{
    for (int tries = 0; tries < 1000000; tries++) {
        uint32_t e = (uint32_t)(tl_test_uniform(r) * (double)Z->nvert);
        if (!Z->real[e] || (g >= 0 && Z->country[Z->cty[e]].group != g))
            continue;
        uint32_t b = Z->next[e];
        double t = tl_test_uniform(r);
        *lat = Z->lat_deg[e] + t * (Z->lat_deg[b] - Z->lat_deg[e]);
        *lon = Z->lon_deg[e] + t * (Z->lon_deg[b] - Z->lon_deg[e]);
        return;
    }
    fail_msg("no real edge in group %d", g);
}

static void add(int stratum, double lat, double lon)
{
    if (NP < NPT_MAX && isfinite(lat) && isfinite(lon)) {
        P[NP].lat = lat;
        P[NP].lon = lon;
        NP++;
        N_STRATUM[stratum]++;
    }
}

/* Distance (m) to the nearer of Japan and Korea, what the sea classes use, within cap_m. */
static double d_jpkr(double lat, double lon, double cap_m)
{
    double f1, f2;
    return fmin(foot(TL__G_JP, lat, lon, cap_m, &f1, &f2),
                foot(TL__G_KR, lat, lon, cap_m, &f1, &f2));
}

/* Point near the limit_m line (d_JP,KR = limit_m): along a random ray from a random
 * Japanese or Korean coast point, bisect for the crossing of limit_m (the distance is
 * 0 at the start and must exceed limit_m at 2 limit_m, else another ray), then move
 * along the ray by the jitter (which changes the distance by at most the jitter);
 * points that fall on land are drawn again. */
static void near_limit(tl_test_rng *r, int stratum, double limit_m, double jitter_m)
{
    const double cap = 1.2 * limit_m;
    for (int tries = 0; tries < 1000; tries++) {
        int g = tl_test_uniform(r) < 0.6 ? TL__G_JP : TL__G_KR;
        double la, lo, x, y, az = 360 * tl_test_uniform(r);
        coast_point(r, g, &la, &lo);
        go(la, lo, az, 2 * limit_m, &x, &y);
        if (!in_box(Z, x, y) || !(d_jpkr(x, y, cap) > limit_m))
            continue;
        double lo_s = 0, hi_s = 2 * limit_m;
        for (int it = 0; it < 30; it++) {
            double mid = 0.5 * (lo_s + hi_s);
            go(la, lo, az, mid, &x, &y);
            if (d_jpkr(x, y, cap) < limit_m)
                lo_s = mid;
            else
                hi_s = mid;
        }
        go(la, lo, az, lo_s + jitter_m * (2 * tl_test_uniform(r) - 1), &x, &y);
        tl_zone_class c;
        tl_zone_info inf;
        if (!in_box(Z, x, y) ||
            tl__zones_classify_with(Z, x * TL_DEG, y * TL_DEG, TL__ZSEARCH_GRID, &c, &inf) !=
                TL_OK ||
            inf.land_code[0] != '\0')
            continue; /* inland (a ray crossing an island) or past the box */
        add(stratum, x, y);
        return;
    }
}

/* Point on the median line between the two nearest groups of a random sea point:
 * bisection of d_A - d_B along the geodesic from A's nearest point to B's. */
static void on_median(tl_test_rng *r, int stratum)
{
    const double cap = 2 * TL_ZONE_EEZ_M;
    for (int tries = 0; tries < 1000; tries++) {
        double la = 30 + 16 * tl_test_uniform(r), lo = 123 + 20 * tl_test_uniform(r);
        double d[3], fla[3], flo[3];
        for (int g = 0; g < 3; g++)
            d[g] = foot(g, la, lo, cap, &fla[g], &flo[g]);
        int a = 0, b = 1;
        if (d[b] < d[a]) {
            a = 1;
            b = 0;
        }
        if (d[2] < d[a]) {
            b = a;
            a = 2;
        } else if (d[2] < d[b]) {
            b = 2;
        }
        if (!isfinite(d[b]) || d[a] < 1.0)
            continue;
        double s12, az;
        tl_geodesic_inverse(fla[a] * TL_DEG, flo[a] * TL_DEG, fla[b] * TL_DEG, flo[b] * TL_DEG,
                            &s12, &az, NULL);
        double lo_s = 0, hi_s = s12, x = 0, y = 0;
        for (int it = 0; it < 40; it++) {
            double mid = 0.5 * (lo_s + hi_s), f1, f2;
            go(fla[a], flo[a], az / TL_DEG, mid, &x, &y);
            if (!in_box(Z, x, y))
                break;
            double da = foot(a, x, y, cap, &f1, &f2), db = foot(b, x, y, cap, &f1, &f2);
            if (da < db)
                lo_s = mid;
            else
                hi_s = mid;
        }
        if (!in_box(Z, x, y))
            continue;
        add(stratum, x, y);
        return;
    }
}

static void make_points(void)
{
    if (NP > 0)
        return;
    tl_test_rng r;
    tl_test_rng_seed(&r, 2026);
    /* 0: the seas around Japan and Korea, land included */
    for (int i = 0; i < 6000; i++)
        add(0, 22 + 26 * tl_test_uniform(&r), 120 + 35 * tl_test_uniform(&r));
    /* 1: the whole data box, far ocean to the east and south, its edges */
    for (int i = 0; i < 2000; i++)
        add(1, Z->lat_min + (Z->lat_max - Z->lat_min) * tl_test_uniform(&r),
            Z->lon_min + (Z->lon_max - Z->lon_min) * tl_test_uniform(&r));
    /* 2: near any coast, from metres to 30 km (squared: dense close in) */
    for (int i = 0; i < 5000; i++) {
        double la, lo, u = tl_test_uniform(&r);
        coast_point(&r, -1, &la, &lo);
        go(la, lo, 360 * tl_test_uniform(&r), 30e3 * u * u, &la, &lo);
        if (in_box(Z, la, lo))
            add(2, la, lo);
    }
    /* 3, 4: the territorial-sea and EEZ limits, within 300 m and (a quarter) 1 m */
    for (int i = 0; i < 4000; i++)
        near_limit(&r, 3, TL_ZONE_TERRITORIAL_SEA_M, i % 4 ? 300.0 : 1.0);
    for (int i = 0; i < 3000; i++)
        near_limit(&r, 4, TL_ZONE_EEZ_M, i % 4 ? 300.0 : 1.0);
    /* 5: median lines between the two nearest states */
    for (int i = 0; i < 3000; i++)
        on_median(&r, 5);
}

/* ---- the comparison ------------------------------------------------------------- */

typedef struct cmp_stats {
    int n, n_brute, mismatch, land, sea_finite, exact;
    double worst_m;
} cmp_stats;

static int same_dist(double a, double b, double tol_m, double *worst)
{
    if (isinf(a) || isinf(b))
        return isinf(a) && isinf(b);
    double d = fabs(a - b);
    if (d > *worst)
        *worst = d;
    return d < tol_m;
}

/* Compare the hierarchy of z with the grid search (and every brute_every-th point with
 * the full scan, bit for bit) on the first n points; count, do not assert, so the
 * mutation test can use it too. */
static cmp_stats compare(const tl_zones *z, int n, int brute_every, int verbose)
{
    cmp_stats s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < n; i++) {
        double la = P[i].lat * TL_DEG, lo = P[i].lon * TL_DEG;
        tl_zone_class cb, cg;
        tl_zone_info ib, ig;
        if (tl__zones_classify_with(z, la, lo, TL__ZSEARCH_BVH, &cb, &ib) != TL_OK ||
            tl__zones_classify_with(z, la, lo, TL__ZSEARCH_GRID, &cg, &ig) != TL_OK) {
            s.mismatch++;
            continue;
        }
        s.n++;
        s.land += ib.land_code[0] != '\0';
        s.sea_finite += ib.land_code[0] == '\0' && isfinite(ib.d_jp_m) + isfinite(ib.d_kr_m) > 0;
        int ok = cb == cg && ib.cls == cb && ig.cls == cg &&
                 strcmp(ib.land_code, ig.land_code) == 0 &&
                 same_dist(ib.d_jp_m, ig.d_jp_m, 1e-3, &s.worst_m) &&
                 same_dist(ib.d_kr_m, ig.d_kr_m, 1e-3, &s.worst_m) &&
                 same_dist(ib.d_other_m, ig.d_other_m, 1e-3, &s.worst_m);
        if (ok && memcmp(&ib.d_jp_m, &ig.d_jp_m, 3 * sizeof(double)) == 0)
            s.exact++;
        /* without info: the class from distance brackets (exact geodesics only when
         * the brackets do not decide) */
        tl_zone_class cn;
        if (ok)
            ok =
                tl__zones_classify_with(z, la, lo, TL__ZSEARCH_BVH, &cn, NULL) == TL_OK && cn == cg;
        if (ok && brute_every > 0 && i % brute_every == 0) {
            tl_zone_class cf;
            tl_zone_info in;
            s.n_brute++;
            ok = tl__zones_classify_with(z, la, lo, TL__ZSEARCH_BRUTE, &cf, &in) == TL_OK &&
                 cf == cb && memcmp(&ib.d_jp_m, &in.d_jp_m, sizeof(double)) == 0 &&
                 memcmp(&ib.d_kr_m, &in.d_kr_m, sizeof(double)) == 0 &&
                 memcmp(&ib.d_other_m, &in.d_other_m, sizeof(double)) == 0;
        }
        if (!ok) {
            if (verbose && s.mismatch < 10)
                print_message("mismatch at (%.9f, %.9f): bvh %s %.6f %.6f %.6f, grid %s %.6f %.6f "
                              "%.6f\n",
                              P[i].lat, P[i].lon, tl_zone_class_name(cb), ib.d_jp_m, ib.d_kr_m,
                              ib.d_other_m, tl_zone_class_name(cg), ig.d_jp_m, ig.d_kr_m,
                              ig.d_other_m);
            s.mismatch++;
        }
    }
    return s;
}

static void test_bvh_matches_grid_and_brute_force(void **state)
{
    (void)state;
    make_points();
    print_message("points: %d (uniform %d, whole box %d, near coast %d, near 12 nmi %d, near "
                  "200 nmi %d, median lines %d)\n",
                  NP, N_STRATUM[0], N_STRATUM[1], N_STRATUM[2], N_STRATUM[3], N_STRATUM[4],
                  N_STRATUM[5]);
    assert_true(NP >= 20000);
    for (int k = 0; k < 6; k++)
        assert_true(N_STRATUM[k] >= 1500);
    cmp_stats s = compare(Z, NP, 8, 1);
    print_message("bvh vs grid: %d points, %d mismatches, %d land, %d sea within 200 nmi, %d "
                  "bit-identical, worst distance difference %.3g m; %d also bit-identical to "
                  "the full scan\n",
                  s.n, s.mismatch, s.land, s.sea_finite, s.exact, s.worst_m, s.n_brute);
    assert_int_equal(s.n, NP);
    assert_int_equal(s.mismatch, 0);
    assert_true(s.worst_m < 1e-3);
    assert_true(s.land > 1000 && s.sea_finite > 10000 && s.n_brute > 2500);
}

/* The placed points really sit where the strata say (else the test would not probe
 * the limits): distances at the 12 nmi / 200 nmi limits and median lines. */
static void test_strata_probe_the_limits(void **state)
{
    (void)state;
    make_points();
    int start = N_STRATUM[0] + N_STRATUM[1] + N_STRATUM[2];
    int near12 = 0, near200 = 0, median = 0, sides12[2] = {0, 0}, sides200[2] = {0, 0};
    for (int i = start; i < NP; i++) {
        /* classify's distances stop at 200 nmi: measure these by the grid search */
        double dmin = d_jpkr(P[i].lat, P[i].lon, 1.2 * TL_ZONE_EEZ_M);
        if (fabs(dmin - TL_ZONE_TERRITORIAL_SEA_M) < 500) {
            near12++;
            sides12[dmin <= TL_ZONE_TERRITORIAL_SEA_M]++;
        }
        if (fabs(dmin - TL_ZONE_EEZ_M) < 500) {
            near200++;
            sides200[dmin <= TL_ZONE_EEZ_M]++;
        }
        tl_zone_class c;
        tl_zone_info inf;
        assert_int_equal(tl_zones_classify(Z, P[i].lat * TL_DEG, P[i].lon * TL_DEG, &c, &inf),
                         TL_OK);
        double d[3] = {inf.d_jp_m, inf.d_kr_m, inf.d_other_m};
        for (int a = 0; a < 3; a++)
            for (int b = a + 1; b < 3; b++)
                if (isfinite(d[a]) && fabs(d[a] - d[b]) < 1.0)
                    median++;
    }
    print_message("within 500 m of 12 nmi: %d (%d outside, %d inside); of 200 nmi: %d (%d "
                  "outside, %d inside); within 1 m of a median line: %d\n",
                  near12, sides12[0], sides12[1], near200, sides200[0], sides200[1], median);
    assert_true(near12 > 3500 && sides12[0] > 1000 && sides12[1] > 1000);
    assert_true(near200 > 2500 && sides200[0] > 1000 && sides200[1] > 1000);
    assert_true(median > 2000);
}

static void test_bvh_invariants(void **state)
{
    (void)state;
    uint8_t *seen = calloc(Z->nvert, 1);
    assert_non_null(seen);
    for (int g = 0; g < TL__G_COUNT; g++) {
        const tl__zbvh *h = &Z->bvh[g];
        uint32_t nreal = 0;
        for (size_t e = 0; e < Z->nvert; e++)
            nreal += Z->real[e] && Z->country[Z->cty[e]].group == g;
        assert_int_equal(h->nitem, nreal);
        assert_non_null(h->node);
        /* walk with an explicit stack of (node, depth) */
        uint32_t stk[2 * TL__BVH_MAX_DEPTH + 4][2];
        int sp = 0, maxdepth = 0;
        uint32_t leaf_items = 0;
        stk[sp][0] = 0;
        stk[sp++][1] = 0;
        while (sp > 0) {
            sp--;
            uint32_t ni = stk[sp][0], dep = stk[sp][1];
            assert_true(ni < h->nnode);
            const tl__zbvh_node *n = &h->node[ni];
            maxdepth = (int)dep > maxdepth ? (int)dep : maxdepth;
            if (n->count) {
                for (uint32_t i = n->first; i < n->first + n->count; i++) {
                    uint32_t e = h->item[i];
                    assert_true(Z->real[e] && Z->country[Z->cty[e]].group == g);
                    assert_int_equal(seen[e], 0);
                    seen[e] = 1;
                    leaf_items++;
                    for (int k = 0; k < 3; k++) {
                        assert_true(Z->ecef[e][k] >= n->lo[k] && Z->ecef[e][k] <= n->hi[k]);
                        uint32_t b = Z->next[e];
                        assert_true(Z->ecef[b][k] >= n->lo[k] && Z->ecef[b][k] <= n->hi[k]);
                    }
                }
                continue;
            }
            for (uint32_t ch = n->first; ch < n->first + 2; ch++) {
                assert_true(ch < h->nnode && ch > ni);
                for (int k = 0; k < 3; k++)
                    assert_true(h->node[ch].lo[k] >= n->lo[k] && h->node[ch].hi[k] <= n->hi[k]);
                assert_true(sp < (int)(sizeof stk / sizeof stk[0]));
                stk[sp][0] = ch;
                stk[sp++][1] = dep + 1;
            }
        }
        assert_int_equal(leaf_items, nreal);
        /* median splits: depth <= ceil(log2(edges)) */
        assert_true(maxdepth <= (int)ceil(log2((double)nreal)) && maxdepth < TL__BVH_MAX_DEPTH);
        print_message("group %d: %u edges, %u nodes, depth %d\n", g, nreal, h->nnode, maxdepth);
    }
    free(seen);
}

/* The comparison catches a wrong lower bound: shrink every leaf box by 3 km in a
 * private copy of the data, and the same check must see mismatches. */
static void test_comparison_catches_a_wrong_bound(void **state)
{
    (void)state;
    make_points();
    tl_zones *m;
    tl_err e;
    assert_int_equal(tl_zones_load_default(&m, &e), TL_OK);
    for (int g = 0; g < TL__G_COUNT; g++)
        for (uint32_t i = 0; i < m->bvh[g].nnode; i++) {
            tl__zbvh_node *n = &m->bvh[g].node[i];
            if (!n->count)
                continue;
            for (int k = 0; k < 3; k++) {
                double c = 0.5 * (n->lo[k] + n->hi[k]), h = 0.5 * (n->hi[k] - n->lo[k]) - 3e3;
                h = h < 0 ? 0 : h;
                n->lo[k] = c - h;
                n->hi[k] = c + h;
            }
        }
    cmp_stats s = compare(m, NP, 0, 0);
    print_message("with leaf boxes shrunk by 3 km: %d mismatches over %d points\n", s.mismatch,
                  s.n);
    assert_true(s.mismatch > 100);
    tl_zones_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bvh_invariants),
        cmocka_unit_test(test_bvh_matches_grid_and_brute_force),
        cmocka_unit_test(test_strata_probe_the_limits),
        cmocka_unit_test(test_comparison_catches_a_wrong_bound),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
