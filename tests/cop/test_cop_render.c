/* test_cop_render.c — the COP documents checked by parsers we did not write: JSON by
 * Node's JSON.parse, GeoJSON by @placemarkio/check-geojson (plus ring closure and RFC 7946
 * winding), metrics by Prometheus' promtool; hostile strings round-trip byte-exact through
 * the JSON escaper; ellipse outlines satisfy the ellipse equation on the ellipsoid. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_test.h"
#include "trilink/cop.h"
#include "trilink/geo.h"

#define DEG (180.0 / M_PI)

typedef int (*render_fn)(const tl_cop_picture *, char *, size_t, size_t *, tl_err *);

/* Render into a fresh heap string (two passes: size, then render). */
static char *render(render_fn fn, const tl_cop_picture *p)
{
    size_t len = 0;
    tl_err err;
    tl_err_clear(&err);
    int rc = fn(p, NULL, 0, &len, &err);
    assert_int_equal(rc, TL_EFULL);
    char *buf = malloc(len + 1);
    assert_non_null(buf);
    size_t len2 = 0;
    rc = fn(p, buf, len + 1, &len2, &err);
    if (rc)
        fail_msg("render: %s", err.msg);
    assert_int_equal(len2, len);
    assert_int_equal(strlen(buf), len);
    return buf;
}

static tl_cop_picture *demo(double t_s)
{
    tl_cop_picture *p = malloc(sizeof *p);
    assert_non_null(p);
    tl_cop_demo_picture(t_s, p);
    return p;
}

static int need(const char *prog)
{
    if (tl_test_have(prog))
        return 1;
    printf("SKIP: %s not installed\n", prog);
    return 0;
}

/* Run tests/cop/check.cjs MODE on doc; returns its exit status, stdout in out. */
static int node_check(const char *mode, const char *doc, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "node '%s/tests/cop/check.cjs' %s", tl_test_source_dir(), mode);
    return tl_test_run(cmd, doc, out, cap);
}

/* The summary line node prints for track i must agree with the struct. */
static void check_track_line(const char *out, const tl_cop_track *t)
{
    char key[64];
    snprintf(key, sizeof key, "track %s ", t->id);
    const char *line = strstr(out, key);
    if (!line)
        fail_msg("no line for %s in:\n%s", t->id, out);
    double lat, lon, h, psum;
    int hist, pred, ring;
    char cls[16], apogee[32], verdict[32];
    int n = sscanf(line + strlen(key),
                   "lat %lf lon %lf h %lf hist %d pred %d class %15s apogee %31s psum %lf verdict "
                   "%31s ring %d",
                   &lat, &lon, &h, &hist, &pred, cls, apogee, &psum, verdict, &ring);
    assert_int_equal(n, 10);
    assert_near(lat, t->lat_rad * DEG, 1e-6);
    assert_near(lon, t->lon_rad * DEG, 1e-6);
    assert_near(h, t->h_m, 0.051);
    assert_int_equal(hist, t->n_history);
    assert_int_equal(pred, t->n_predicted);
    if (t->impact.valid) {
        double sum = 0;
        for (int z = 0; z < TL_ZONE_COUNT; z++)
            sum += t->impact.p_zone[z];
        assert_near(psum, sum, 6e-4); /* 4 decimals per zone */
        assert_int_equal(ring, TL_COP_ELLIPSE_RING + 1);
    }
    if (isnan(t->apogee_m))
        assert_string_equal(apogee, "null");
    else
        assert_near(atof(apogee), t->apogee_m, 0.5);
}

static void test_json_parses_and_agrees(void **state)
{
    (void)state;
    if (!need("node"))
        skip();
    /* before the SRBMs, all three in flight, after every impact */
    const double times[] = {0.0, 100.0, 800.0, 5000.0};
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
        tl_cop_picture *p = demo(times[k]);
        char *json = render(tl_cop_picture_to_json, p);
        static char out[16384];
        int st = node_check("json", json, out, sizeof out);
        if (st != 0)
            fail_msg("JSON.parse rejected the picture at t=%g s:\n%.400s", times[k], json);
        char head[128];
        snprintf(head, sizeof head, "nation JP tracks %d alerts %d links %d\n", p->n_tracks,
                 p->n_alerts, p->n_links);
        assert_memory_equal(out, head, strlen(head));
        for (int i = 0; i < p->n_tracks; i++)
            check_track_line(out, &p->tracks[i]);
        for (int i = 0; i < p->n_alerts; i++) {
            char line[160];
            snprintf(line, sizeof line, "alert %s %s refs %s\n", p->alerts[i].id,
                     tl_cop_msg_type_name(p->alerts[i].msg_type),
                     p->alerts[i].n_references ? p->alerts[i].references[0] : "-");
            if (!strstr(out, line))
                fail_msg("missing '%s' in:\n%s", line, out);
        }
        /* the down link has no latency: NaN must arrive as null */
        assert_non_null(strstr(out, "link JP-US-B up false latency null in 0"));
        free(json);
        free(p);
    }
}

static void test_empty_picture(void **state)
{
    (void)state;
    tl_cop_picture *p = malloc(sizeof *p);
    tl_cop_picture_init(p);
    char *json = render(tl_cop_picture_to_json, p);
    assert_non_null(strstr(json, "\"tracks\":[],\"alerts\":[],\"links\":[]"));
    char *geo = render(tl_cop_picture_to_geojson, p);
    assert_string_equal(geo, "{\"type\":\"FeatureCollection\",\"features\":[]}\n");
    free(json);
    free(geo);
    free(p);
}

/* Bytes in, bytes expected after JSON.parse (invalid UTF-8 becomes U+FFFD). */
static void hexify(const char *s, char *out)
{
    for (; *s; s++, out += 2)
        sprintf(out, "%02x", (unsigned char)*s);
    *out = '\0';
}

static void test_hostile_strings(void **state)
{
    (void)state;
    if (!need("node"))
        skip();
    tl_cop_picture *p = demo(800.0);
    /* quotes, backslash, a closing script tag, control characters, DEL */
    const char *id = "\"</script><b>\\\x01\x1f\x7f";
    /* U+2028 (valid, must be escaped), then a lone continuation byte and a truncated sequence */
    const char *headline = "a\xe2\x80\xa8"
                           "b\x80"
                           "c\xe2\x82"
                           "\n\r\t&<>'";
    const char *headline_after = "a\xe2\x80\xa8"
                                 "b\xef\xbf\xbd"
                                 "c\xef\xbf\xbd\xef\xbf\xbd"
                                 "\n\r\t&<>'";
    const char *area = "\xf0\x9f\x9a\x80 \xc0\xaf overlong, \xed\xa0\x80 surrogate";
    const char *area_after = "\xf0\x9f\x9a\x80 \xef\xbf\xbd\xef\xbf\xbd overlong, "
                             "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate";
    snprintf(p->tracks[0].id, sizeof p->tracks[0].id, "%s", id);
    snprintf(p->tracks[0].contributors[0], TL_COP_NATION_LEN, "K\"R");
    snprintf(p->alerts[0].headline, sizeof p->alerts[0].headline, "%s", headline);
    snprintf(p->alerts[0].area_desc, sizeof p->alerts[0].area_desc, "%s", area);
    /* a name filling its array with no NUL: the renderer must stop at the array's end */
    memset(p->links[0].name, 'L', sizeof p->links[0].name);

    char *json = render(tl_cop_picture_to_json, p);
    /* safe inside HTML: no raw angle brackets, no raw U+2028 */
    assert_null(strchr(json, '<'));
    assert_null(strstr(json, "\xe2\x80\xa8"));
    static char out[4096];
    int st = node_check("strings", json, out, sizeof out);
    if (st != 0)
        fail_msg("JSON.parse rejected the hostile picture");
    char expect[2048], hex[1024];
    char lname[TL_COP_ID_LEN + 1];
    memset(lname, 'L', TL_COP_ID_LEN);
    lname[TL_COP_ID_LEN] = '\0';
    char *w = expect;
    hexify(id, hex);
    w += sprintf(w, "id %s\n", hex);
    hexify("K\"R", hex);
    w += sprintf(w, "contrib %s\n", hex);
    hexify(headline_after, hex);
    w += sprintf(w, "headline %s\n", hex);
    hexify(area_after, hex);
    w += sprintf(w, "area %s\n", hex);
    hexify(lname, hex);
    sprintf(w, "link %s\n", hex);
    assert_string_equal(out, expect);

    /* the same strings in GeoJSON and metrics stay valid documents */
    char *geo = render(tl_cop_picture_to_geojson, p);
    st = node_check("geojson", geo, out, sizeof out);
    if (st != 0)
        fail_msg("check-geojson rejected the hostile picture");
    if (tl_test_have("promtool")) {
        char *m = render(tl_cop_picture_to_metrics, p);
        snprintf(p->nation, sizeof p->nation, "J\"\\\nP");
        char *m2 = render(tl_cop_picture_to_metrics, p);
        assert_non_null(strstr(m2, "nation=\"J\\\"\\\\\\nP\""));
        assert_int_equal(tl_test_run("promtool check metrics", m, out, sizeof out), 0);
        assert_int_equal(tl_test_run("promtool check metrics", m2, out, sizeof out), 0);
        free(m);
        free(m2);
    } else {
        printf("SKIP: promtool not installed (Debian package prometheus)\n");
    }
    free(geo);
    free(json);
    free(p);
}

static void test_geojson_valid(void **state)
{
    (void)state;
    if (!need("node"))
        skip();
    static char out[4096];
    /* the checker must be able to fail: an open ring is rejected */
    assert_int_not_equal(
        node_check("geojson",
                   "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                   "\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
                   "[[[0,0],[1,0],[1,1],[0,1]]]}}]}",
                   out, sizeof out),
        0);
    tl_cop_picture *p = demo(800.0);
    char *geo = render(tl_cop_picture_to_geojson, p);
    int st = node_check("geojson", geo, out, sizeof out);
    if (st != 0)
        fail_msg("GeoJSON rejected:\n%.600s", geo);
    /* three tracks in flight, each with a path, prediction, launch and impact; the
     * partners' estimates of the fixture: US and KR impacts for all three, KR launches
     * for two (alerts have no geometry) */
    assert_string_equal(out, "flight_path=3 impact_ellipse_95=3 impact_point=3 launch_ellipse_95=3 "
                             "launch_point=3 partner_impact_ellipse_95=3 partner_impact_point=3 "
                             "partner_launch_ellipse_95=2 partner_launch_point=2 predicted_path=3 "
                             "track=3\n");
    free(geo);
    free(p);
}

static void test_metrics_promtool(void **state)
{
    (void)state;
    if (!tl_test_have("promtool")) {
        printf("SKIP: promtool not installed (Debian package prometheus)\n");
        skip();
    }
    tl_cop_picture *p = demo(800.0);
    char *m = render(tl_cop_picture_to_metrics, p);
    static char out[4096];
    int st = tl_test_run("promtool check metrics 2>&1", m, out, sizeof out);
    if (st != 0)
        fail_msg("promtool: %s", out);
    /* values read back: time to impact of the ICBM and the link counters */
    char key[128];
    snprintf(key, sizeof key,
             "tl_cop_track_time_to_impact_seconds{nation=\"JP\",track=\"JP-0001\"} ");
    const char *s = strstr(m, key);
    assert_non_null(s);
    assert_near(atof(s + strlen(key)), (double)(p->tracks[0].impact.t_ns - p->scenario_t_ns) * 1e-9,
                1e-6);
    snprintf(key, sizeof key,
             "tl_cop_link_messages_received_total{nation=\"JP\",link=\"JP-US\",peer=\"US\"} %llu\n",
             (unsigned long long)p->links[0].msgs_in);
    assert_non_null(strstr(m, key));
    assert_non_null(
        strstr(m, "tl_cop_link_latency_seconds{nation=\"JP\",link=\"JP-US-B\",peer=\"US\"} NaN\n"));
    free(m);
    free(p);
}

static void test_truncation(void **state)
{
    (void)state;
    tl_cop_picture *p = demo(800.0);
    char *full = render(tl_cop_picture_to_json, p);
    size_t n = strlen(full), len = 0;
    char small[101];
    memset(small, 'x', sizeof small);
    assert_int_equal(tl_cop_picture_to_json(p, small, sizeof small, &len, NULL), TL_EFULL);
    assert_int_equal(len, n);
    assert_int_equal(small[100], '\0');
    assert_memory_equal(small, full, 100);
    free(full);
    free(p);
}

static void test_check_rejects(void **state)
{
    (void)state;
    tl_cop_picture *p = demo(800.0);
    char buf[64];
    size_t len = 12345;
    tl_err err;
    memset(buf, 'x', sizeof buf);

    p->n_tracks = TL_COP_MAX_TRACKS + 1;
    assert_int_equal(tl_cop_picture_to_json(p, buf, sizeof buf, &len, &err), TL_ERANGE);
    assert_non_null(strstr(err.msg, "n_tracks = 65"));
    assert_int_equal(buf[0], 'x'); /* outputs unchanged on error */
    assert_int_equal(len, 12345);
    p->n_tracks = 3;

    p->tracks[1].history[5].phase = (tl_phase)9;
    assert_int_equal(tl_cop_picture_to_geojson(p, buf, sizeof buf, &len, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "tracks[1].history[5].phase = 9"));
    p->tracks[1].history[5].phase = TL_PHASE_BOOST;

    p->tracks[2].cls = 7;
    assert_int_equal(tl_cop_picture_to_metrics(p, buf, sizeof buf, &len, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "tracks[2].cls = 7"));
    p->tracks[2].cls = -1;

    p->alerts[0].msg_type = (tl_cop_msg_type)3;
    assert_int_equal(tl_cop_picture_check(p, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "alerts[0].msg_type = 3"));
    p->alerts[0].msg_type = TL_COP_MSG_ALERT;
    assert_int_equal(tl_cop_picture_check(p, &err), TL_OK);
    assert_int_equal(tl_cop_picture_check(NULL, &err), TL_EINVAL);
    free(p);
}

/* Every vertex satisfies (x/a)^2 + (y/b)^2 = 1 in the ellipse's own axes, measured back
 * with the inverse geodesic; vertex 0 lies on the major axis; the ring turns CCW. */
static void test_ellipse_ring_geometry(void **state)
{
    (void)state;
    tl_test_rng rng;
    tl_test_rng_seed(&rng, 6);
    for (int trial = 0; trial < 200; trial++) {
        tl_cop_ellipse e;
        e.lat_rad = (20.0 + 30.0 * tl_test_uniform(&rng)) / DEG;
        e.lon_rad = (120.0 + 30.0 * tl_test_uniform(&rng)) / DEG;
        e.semi_major_m = 500.0 + 200e3 * tl_test_uniform(&rng);
        e.semi_minor_m = e.semi_major_m * (0.05 + 0.95 * tl_test_uniform(&rng));
        e.orient_rad = 2.0 * M_PI * tl_test_uniform(&rng);
        double lon[TL_COP_ELLIPSE_RING], lat[TL_COP_ELLIPSE_RING];
        tl_cop_ellipse_ring(&e, TL_COP_ELLIPSE_RING, lon, lat);
        double area2 = 0.0;
        for (int k = 0; k < TL_COP_ELLIPSE_RING; k++) {
            double s12, azi1, azi2;
            tl_geodesic_inverse(e.lat_rad, e.lon_rad, lat[k], lon[k], &s12, &azi1, &azi2);
            double x = s12 * cos(azi1 - e.orient_rad), y = s12 * sin(azi1 - e.orient_rad);
            double q = (x / e.semi_major_m) * (x / e.semi_major_m) +
                       (y / e.semi_minor_m) * (y / e.semi_minor_m);
            assert_near(q, 1.0, 1e-6);
            if (k == 0) {
                assert_near(s12, e.semi_major_m, 1e-3);
                assert_near(tl_wrap_pi(azi1 - e.orient_rad), 0.0, 1e-9);
            }
            int j = (k + 1) % TL_COP_ELLIPSE_RING;
            double x0 = (lon[k] - e.lon_rad) * cos(e.lat_rad), y0 = lat[k] - e.lat_rad;
            double x1 = (lon[j] - e.lon_rad) * cos(e.lat_rad), y1 = lat[j] - e.lat_rad;
            area2 += x0 * y1 - x1 * y0;
        }
        assert_true(area2 > 0.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_parses_and_agrees), cmocka_unit_test(test_empty_picture),
        cmocka_unit_test(test_hostile_strings),        cmocka_unit_test(test_geojson_valid),
        cmocka_unit_test(test_metrics_promtool),       cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_check_rejects),          cmocka_unit_test(test_ellipse_ring_geometry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
