/* bench_zones.c — speed of the zones module (point classification, impact verdicts,
 * overflight test) and, as figures, the areas of the approximated zones:
 * Japan's territorial sea + EEZ (compare with the Japan Coast Guard's 4.47 million
 * km2) and its land (compare with GSI's 377,975 km2). One JSON object per line.
 * The query rate is given for the distance search in use (bounding-volume hierarchy)
 * and for the grid search it replaced (same points, same answers). */
#include "trilink/zones.h"
#include "zones/zones_int.h" /* the grid search the hierarchy replaced, for comparison */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static double uni(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

static void emit(const char *name, const char *unit, double v)
{
    printf("{\"name\": \"%s\", \"unit\": \"%s\", \"value\": %.6g}\n", name, unit, v);
}

int main(void)
{
    tl_zones *z;
    tl_err err;
    double t0 = now_s();
    if (tl_zones_load_default(&z, &err) != TL_OK) {
        fprintf(stderr, "bench_zones: %s\n", err.msg);
        return 1;
    }
    emit("zones_load", "ms", (now_s() - t0) * 1e3);

    /* random points over the seas around Japan (22-48N, 120-155E) */
    const int n = 200000;
    volatile int sink = 0;
    static double qlat[200000], qlon[200000];
    for (int i = 0; i < n; i++) {
        qlat[i] = (22 + 26 * uni()) * TL_DEG;
        qlon[i] = (120 + 35 * uni()) * TL_DEG;
    }
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        tl_zone_class c;
        tl_zones_classify(z, qlat[i], qlon[i], &c, NULL);
        sink += (int)c;
    }
    double dt = now_s() - t0;
    emit("zones_classify_point", "us", dt / n * 1e6);
    emit("zones_classify_rate", "queries/s", n / dt);
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        tl_zone_class c;
        tl_zone_info inf;
        tl_zones_classify(z, qlat[i], qlon[i], &c, &inf);
        sink += (int)c;
    }
    emit("zones_classify_point_with_distances", "us", (now_s() - t0) / n * 1e6);
    const int ng = n / 4; /* the old search is slower: a quarter of the points */
    t0 = now_s();
    for (int i = 0; i < ng; i++) {
        tl_zone_class c;
        tl__zones_classify_with(z, qlat[i], qlon[i], TL__ZSEARCH_GRID, &c, NULL);
        sink += (int)c;
    }
    dt = now_s() - t0;
    emit("zones_classify_rate_grid_search", "queries/s", ng / dt);

    const int nv = 300;
    t0 = now_s();
    for (int i = 0; i < nv; i++) {
        tl_zone_impact imp = {
            (38 + 6 * uni()) * TL_DEG, (132 + 10 * uni()) * TL_DEG, {{4e8, 1e8}, {1e8, 2e8}}, 0};
        tl_zone_verdict v;
        tl_zones_verdict(z, &imp, 0, &v, NULL);
        sink += v.n_samples;
    }
    emit("zones_verdict", "ms", (now_s() - t0) / nv * 1e3);

    /* overflight test of a 3,000 km ground track sampled every 2 km */
    tl_geodetic trk[61];
    for (int i = 0; i < 61; i++) {
        double la, lo;
        tl_geodesic_direct(40.6 * TL_DEG, 126.4 * TL_DEG, 88 * TL_DEG, i * 50e3, &la, &lo, NULL);
        trk[i] = (tl_geodetic){la, lo, 0};
    }
    t0 = now_s();
    tl_overflight o;
    for (int i = 0; i < 10; i++)
        tl_zones_track_overflies(z, trk, 61, TL_ZONE_MASK_JP_TERRITORY, 2000, &o, NULL);
    emit("zones_overflight_3000km", "ms", (now_s() - t0) / 10 * 1e3);

    /* areas on a 0.05-degree grid, cell areas on the WGS-84 ellipsoid */
    const double step = 0.05, a = TL_WGS84_A, e2 = tl_wgs84_e2();
    double jp_land = 0, jp_tsea = 0, jp_eez = 0, kr_land = 0, kr_tsea = 0, kr_waters = 0;
    for (double la = 15 + step / 2; la < 56; la += step) {
        double s = sin(la * TL_DEG);
        double dA = a * a * (1 - e2) * cos(la * TL_DEG) / ((1 - e2 * s * s) * (1 - e2 * s * s)) *
                    (step * TL_DEG) * (step * TL_DEG) / 1e6;
        for (double lo = 112 + step / 2; lo < 164; lo += step) {
            tl_zone_class c;
            tl_zone_info inf;
            tl_zones_classify(z, la * TL_DEG, lo * TL_DEG, &c, &inf);
            int land = inf.land_code[0] != '\0';
            if (c == TL_ZONE_JP_TERRITORY)
                *(land ? &jp_land : &jp_tsea) += dA;
            else if (c == TL_ZONE_JP_EEZ)
                jp_eez += dA;
            else if (c == TL_ZONE_KR_TERRITORY)
                *(land ? &kr_land : &kr_tsea) += dA;
            else if (c == TL_ZONE_KR_WATERS)
                kr_waters += dA;
        }
    }
    emit("zones_area_jp_land", "km2", jp_land);
    emit("zones_area_jp_territorial_sea", "km2", jp_tsea);
    emit("zones_area_jp_tsea_plus_eez", "km2", jp_tsea + jp_eez);
    emit("zones_area_kr_land", "km2", kr_land);
    emit("zones_area_kr_territorial_sea", "km2", kr_tsea);
    emit("zones_area_kr_tsea_plus_waters", "km2", kr_tsea + kr_waters);
    tl_zones_destroy(z);
    return sink == -1;
}
