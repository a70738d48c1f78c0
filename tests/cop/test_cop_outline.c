/* test_cop_outline.c — the zone limits the COP draws (tl_cop_zones_geojson) are the zones
 * module's: the document passes @placemarkio/check-geojson as MultiLineStrings; every
 * vertex has both sides of its limit within 150 m (classified on a geodesic circle around
 * it); every vertex of a territorial-sea limit is 12 nmi from that nation's land or on a
 * median line, every EEZ vertex 200 nmi or on a median line (geodesic distances from
 * tl_zones_classify's info, an independent reading of the same data: distances, not
 * classes); bad boxes and steps are refused naming the field. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_test.h"
#include "trilink/cop.h"
#include "trilink/geo.h"
#include "trilink/zones.h"

#define DEG (180.0 / M_PI)

static tl_zones *zones;
static char *doc;
static size_t doc_len;

static int setup(void **state)
{
    (void)state;
    tl_err err;
    if (tl_zones_load_default(&zones, &err) != TL_OK) {
        fprintf(stderr, "zones: %s\n", err.msg);
        return -1;
    }
    if (tl_cop_zones_geojson(zones, NULL, &doc, &doc_len, &err) != TL_OK) {
        fprintf(stderr, "outline: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(doc);
    tl_zones_destroy(zones);
    return 0;
}

/* Vertices [lon,lat] of feature `kind` in the document (its format is ours: scan it). */
static size_t vertices(const char *kind, double *lon, double *lat, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "\"kind\":\"%s\"", kind);
    const char *s = strstr(doc, key);
    assert_non_null(s);
    const char *end = strstr(s + 1, "\"kind\":");
    if (!end)
        end = doc + doc_len;
    size_t n = 0;
    s = strstr(s, "\"coordinates\":");
    assert_non_null(s);
    for (; s && s < end && n < cap; s++) {
        double a, b;
        if (s[0] == '[' && (s[1] == '-' || (s[1] >= '0' && s[1] <= '9')) &&
            sscanf(s, "[%lf,%lf]", &a, &b) == 2)
            lon[n] = a / DEG, lat[n] = b / DEG, n++;
    }
    return n;
}

static void test_geojson_lines(void **state)
{
    (void)state;
    assert_int_equal(strlen(doc), doc_len);
    if (!tl_test_have("node")) {
        printf("SKIP: node not installed\n");
        skip();
    }
    static char out[4096];
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "node '%s/tests/cop/check.cjs' outline", tl_test_source_dir());
    if (tl_test_run(cmd, doc, out, sizeof out))
        fail_msg("outline rejected: %s", out);
    int lines, pts;
    const char *kinds[] = {"jp_eez", "jp_territorial_sea", "kr_waters", "kr_territorial_sea"};
    for (int k = 0; k < 4; k++) {
        char fmt[64];
        snprintf(fmt, sizeof fmt, "%s %%d %%d", kinds[k]);
        const char *l = strstr(out, kinds[k]);
        assert_non_null(l);
        assert_int_equal(sscanf(l, fmt, &lines, &pts), 2);
        assert_true(lines >= 1 && pts >= 100); /* each limit is drawn, not a stub */
    }
}

static int in_mask(unsigned mask, double lat, double lon)
{
    tl_zone_class c;
    assert_int_equal(tl_zones_classify(zones, lat, lon, &c, NULL), TL_OK);
    return (mask >> (unsigned)c) & 1u;
}

static void check_limit(const char *kind, unsigned mask, double limit_m,
                        double (*d_own)(const tl_zone_info *))
{
    static double lon[20000], lat[20000];
    size_t n = vertices(kind, lon, lat, 20000);
    assert_true(n > 100);
    size_t bad_side = 0, bad_dist = 0, n_limit = 0, n_median = 0, n_third = 0, n_land = 0;
    for (size_t i = 0; i < n; i++) {
        int in = 0, out = 0;
        for (int k = 0; k < 16; k++) {
            double la, lo, az2;
            tl_geodesic_direct(lat[i], lon[i], k * M_PI / 8, 150.0, &la, &lo, &az2);
            if (in_mask(mask, la, lo))
                in = 1;
            else
                out = 1;
        }
        if (!(in && out))
            bad_side++;
        /* why the limit is there, by distances to land (not by class) */
        tl_zone_info info;
        tl_zone_class c;
        assert_int_equal(tl_zones_classify(zones, lat[i], lon[i], &c, &info), TL_OK);
        double d = d_own(&info), tol = 60.0;
        double d_rival = d_own(&info) == info.d_jp_m ? info.d_kr_m : info.d_jp_m;
        if (fabs(d - limit_m) < tol)
            n_limit++; /* 12 or 200 nmi from the own land */
        else if (fabs(d - d_rival) < tol || fabs(d - info.d_other_m) < tol)
            n_median++; /* equidistant from the other nation's or a third state's land */
        else if (isinf(info.d_other_m) && d < limit_m)
            n_third++; /* third state's land nearer than the limit: zones.h searches it only
                          up to the own distance, so no distance is reported */
        else if (info.land_code[0] || d < tol)
            n_land++; /* a land border (KR-DPRK) */
        else {
            if (bad_dist < 5)
                printf("%s vertex %.5f,%.5f: d_own %.0f m, d_jp %.0f d_kr %.0f d_other %.0f\n",
                       kind, lat[i] * DEG, lon[i] * DEG, d, info.d_jp_m, info.d_kr_m,
                       info.d_other_m);
            bad_dist++;
        }
    }
    printf("%s: %zu vertices: %zu at the distance limit, %zu on a median line, %zu by a third "
           "state, %zu on a land border; %zu unexplained, %zu without both sides within 150 m\n",
           kind, n, n_limit, n_median, n_third, n_land, bad_dist, bad_side);
    assert_int_equal(bad_side, 0);
    assert_int_equal(bad_dist, 0);
    /* mostly the distance limit or a median line, measured; a few by third states' land */
    assert_true(n_limit + n_median >= n * 85 / 100);
}

static double d_jp(const tl_zone_info *i)
{
    return i->d_jp_m;
}
static double d_kr(const tl_zone_info *i)
{
    return i->d_kr_m;
}

static void test_jp_limits(void **state)
{
    (void)state;
    check_limit("jp_territorial_sea", TL_ZONE_MASK_JP_TERRITORY, TL_ZONE_TERRITORIAL_SEA_M, d_jp);
    check_limit("jp_eez", TL_ZONE_MASK_JP, TL_ZONE_EEZ_M, d_jp);
}

static void test_kr_limits(void **state)
{
    (void)state;
    check_limit("kr_territorial_sea", TL_ZONE_BIT(TL_ZONE_KR_TERRITORY), TL_ZONE_TERRITORIAL_SEA_M,
                d_kr);
    check_limit("kr_waters", TL_ZONE_MASK_KR, TL_ZONE_EEZ_M, d_kr);
}

static void test_bad_config(void **state)
{
    (void)state;
    tl_cop_outline_cfg c;
    tl_err err;
    char *out = (char *)"untouched";
    size_t len = 7;
    tl_cop_outline_cfg_default(&c);
    c.step_rad = 0;
    assert_int_equal(tl_cop_zones_geojson(zones, &c, &out, &len, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "step"));
    c.step_rad = NAN;
    assert_int_equal(tl_cop_zones_geojson(zones, &c, &out, &len, &err), TL_EINVAL);
    tl_cop_outline_cfg_default(&c);
    c.lat_min_rad = c.lat_max_rad + 0.1;
    assert_int_equal(tl_cop_zones_geojson(zones, &c, &out, &len, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "box"));
    tl_cop_outline_cfg_default(&c);
    c.step_rad = 0.001 / DEG; /* 26 x 38 deg at 0.001 deg: too many points */
    assert_int_equal(tl_cop_zones_geojson(zones, &c, &out, &len, &err), TL_EINVAL);
    assert_int_equal(tl_cop_zones_geojson(NULL, NULL, &out, &len, &err), TL_EINVAL);
    assert_string_equal(out, "untouched");
    assert_int_equal(len, 7);
    /* a box with no limit in it (open Pacific) is a valid, empty outline */
    c.lat_min_rad = 30.0 / DEG, c.lat_max_rad = 31.0 / DEG;
    c.lon_min_rad = 150.0 / DEG, c.lon_max_rad = 151.0 / DEG, c.step_rad = 0.1 / DEG;
    assert_int_equal(tl_cop_zones_geojson(zones, &c, &out, &len, &err), TL_OK);
    assert_non_null(strstr(out, "\"kind\":\"jp_eez\",\"segments\":0"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geojson_lines),
        cmocka_unit_test(test_jp_limits),
        cmocka_unit_test(test_kr_limits),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
