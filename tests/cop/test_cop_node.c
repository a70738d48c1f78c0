/* test_cop_node.c — the node's COP adapter (src/cli/node_cop.c, node_cop_link.c): a
 * partner's Launch/Impact/Alert products, as the link hands them over, reach the served
 * picture labelled with origin and path, at the point GeographicLib's CartConvert gives
 * for their ECEF position, the launch covariance as its closed-form 95% ellipse; the
 * newest message of an alert chain wins and an older replay does not undo it; Track
 * products are not shown (fusion owns them); estimates leave after their impact time. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli/node_cop.h"
#include "tl_test.h"
#include "trilink/geo.h"
#include "trilink/link.h"
#include "trilink/pipeline.h"

#define DEG (180.0 / M_PI)
#define NS 1000000000LL
#define CHI2_95 5.991464547107979

/* GET path from 127.0.0.1:port; the body (heap) or NULL. Bounded by size and timeout. */
static char *http_get(int port, const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a))
        fail_msg("connect: %s", strerror(errno));
    char req[256];
    int n =
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
    assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    size_t cap = 4 << 20, used = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    for (int i = 0; i < 100000 && used < cap; i++) {
        ssize_t k = recv(fd, buf + used, cap - used, 0);
        if (k <= 0)
            break;
        used += (size_t)k;
    }
    close(fd);
    buf[used] = 0;
    char *body = strstr(buf, "\r\n\r\n");
    assert_non_null(body);
    char *out = strdup(body + 4);
    free(buf);
    return out;
}

/* ECEF of a point on the ellipsoid: GeographicLib's CartConvert when installed. */
static void ecef_of(double lat_deg, double lon_deg, double out[3])
{
    if (tl_test_have("CartConvert")) {
        char in[64], res[256];
        snprintf(in, sizeof in, "%.9f %.9f 0\n", lat_deg, lon_deg);
        assert_int_equal(tl_test_run("CartConvert -p 6", in, res, sizeof res), 0);
        assert_int_equal(sscanf(res, "%lf %lf %lf", &out[0], &out[1], &out[2]), 3);
    } else {
        printf("SKIP oracle: CartConvert not installed, geo.h converts\n");
        tl_geodetic g = {lat_deg / DEG, lon_deg / DEG, 0};
        tl_geodetic_to_ecef(&g, out);
    }
}

static void header(tl_product *p, tl_product_kind kind, const char *origin, const char *via,
                   uint64_t seq, int64_t t_ns)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    snprintf(p->hdr.origin, sizeof p->hdr.origin, "%s", origin);
    p->hdr.seq = seq;
    p->hdr.origin_time_ns = t_ns;
    snprintf(p->hdr.path[p->hdr.path_len++], TL_NATION_LEN, "%s", origin);
    if (via)
        snprintf(p->hdr.path[p->hdr.path_len++], TL_NATION_LEN, "%s", via);
}

static void alert(tl_product *p, uint64_t seq, int64_t t_ns, int sev, const char *text,
                  int64_t impact)
{
    header(p, TL_PROD_ALERT, "KR", "US", seq, t_ns);
    snprintf(p->u.alert.alert_id, sizeof p->u.alert.alert_id, "KR-A%llu", (unsigned long long)seq);
    snprintf(p->u.alert.track_id, sizeof p->u.alert.track_id, "KR-S4");
    p->u.alert.severity = sev;
    p->u.alert.impact_t_ns = impact;
    snprintf(p->u.alert.text, sizeof p->u.alert.text, "%s", text);
}

/* The served picture through check.cjs partners (one line per product). */
static void served(tl_nodecop *c, tl_pipeline *pl, char *out, size_t cap)
{
    tl_err err;
    assert_int_equal(tl_nodecop_update(c, pl, 0, 5 * NS, 1.0, &err), TL_OK);
    char *json = http_get(tl_nodecop_port(c), "/api/picture");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "node '%s/tests/cop/check.cjs' partners", tl_test_source_dir());
    if (tl_test_run(cmd, json, out, cap))
        fail_msg("picture rejected:\n%.400s", json);
    free(json);
}

static void test_partner_products(void **state)
{
    (void)state;
    if (!tl_test_have("node")) {
        printf("SKIP: node not installed\n");
        skip();
    }
    tl_err err;
    tl_pipeline_cfg pc;
    tl_pipeline_cfg_default(&pc, "JP");
    tl_pipeline *pl;
    assert_int_equal(tl_pipeline_create(&pc, &pl, &err), TL_OK);
    tl_nodecop *c;
    if (tl_nodecop_start(0, &c, &err) != TL_OK)
        fail_msg("start: %s", err.msg);
    const int64_t t0 = 1795586400LL * NS, impact = t0 + 200 * NS;
    tl_pipeline_step(pl, t0, &err);
    static tl_product p;

    /* a launch point near Pyongyang with its covariance: 3 km east, 1 km north (1 sigma) */
    const double lat0 = 39.0, lon0 = 125.7;
    header(&p, TL_PROD_LAUNCH, "KR", "US", 7, t0 - 2 * NS);
    snprintf(p.u.launch.track_id, sizeof p.u.launch.track_id, "KR-S4");
    p.u.launch.launch_t_ns = t0 - 100 * NS;
    ecef_of(lat0, lon0, p.u.launch.pos_ecef);
    double R[3][3], C[3][3] = {{9e6, 0, 0}, {0, 1e6, 0}, {0, 0, 4e6}};
    tl_enu_matrix(lat0 / DEG, lon0 / DEG, R);
    for (int i = 0; i < 3; i++) /* P = R^T C R */
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++)
                s += R[k][i] * C[k][k] * R[k][j];
            p.u.launch.P_pos[i][j] = s;
        }
    tl_nodecop_partner(c, &p, t0 + 11000000); /* 11 ms: exact in a JS number */
    /* the US's impact prediction, straight from the US */
    header(&p, TL_PROD_IMPACT, "US", NULL, 3, t0 - 1 * NS);
    snprintf(p.u.impact.track_id, sizeof p.u.impact.track_id, "US-S9");
    p.u.impact.impact_t_ns = impact;
    ecef_of(41.95, 136.6, p.u.impact.pos_ecef);
    p.u.impact.ellipse_semi_major_m = 40e3;
    p.u.impact.ellipse_semi_minor_m = 15e3;
    p.u.impact.ellipse_orient_rad = 60.0 / DEG;
    p.u.impact.zone_verdict = 2;
    snprintf(p.u.impact.zone_name, sizeof p.u.impact.zone_name, "jp_eez");
    tl_nodecop_partner(c, &p, t0 + 12);
    /* a Track is fusion's business, not shown here */
    header(&p, TL_PROD_TRACK, "KR", "US", 8, t0);
    tl_nodecop_partner(c, &p, t0 + 13);

    static char out[8192];
    served(c, pl, out, sizeof out);
    char want[512];
    snprintf(want, sizeof want,
             "launch KR KR>US KR-S4 ring=49 %.6f,%.6f a=%.1f b=%.1f o=90 rx=%lld\n", lat0, lon0,
             sqrt(CHI2_95 * 9e6), sqrt(CHI2_95 * 1e6), (long long)(t0 + 11000000));
    if (!strstr(out, want))
        fail_msg("want '%s' in:\n%s", want, out);
    assert_non_null(
        strstr(out, "impact US US US-S9 ring=49 41.950000,136.600000 a=40000 b=15000 o=60 "));
    assert_null(strstr(out, "track"));

    /* an alert, its Cancel, then a replay of the alert (older): the Cancel stands */
    alert(&p, 20, t0, 2, "Alert KR-A20: Missile launch", impact);
    tl_nodecop_partner(c, &p, t0 + 20);
    served(c, pl, out, sizeof out);
    assert_non_null(strstr(out, "alert KR KR>US KR-S4 KR-A20 Alert in_force=true\n"));
    alert(&p, 21, t0 + 1 * NS, 0, "Cancel KR-A21: Cancelled", impact);
    tl_nodecop_partner(c, &p, t0 + 21);
    alert(&p, 20, t0, 2, "Alert KR-A20: Missile launch", impact);
    tl_nodecop_partner(c, &p, t0 + 22);
    served(c, pl, out, sizeof out);
    assert_non_null(strstr(out, "alert KR KR>US KR-S4 KR-A21 Cancel in_force=false\n"));
    assert_null(strstr(out, "KR-A20"));

    /* 61 s after the predicted impact the US estimate has left; KR's launch (refreshed
     * within 300 s) and the alert (120 s after impact) remain */
    tl_pipeline_step(pl, impact + 61 * NS, &err);
    served(c, pl, out, sizeof out);
    assert_null(strstr(out, "US-S9"));
    assert_non_null(strstr(out, "launch KR KR>US KR-S4"));
    assert_non_null(strstr(out, "KR-A21"));
    /* 300 s without a refresh: the launch estimate goes too */
    tl_pipeline_step(pl, t0 + 301 * NS, &err);
    served(c, pl, out, sizeof out);
    assert_null(strstr(out, "launch KR"));

    /* a pending impact estimate stays unrefreshed until its impact time (+60 s), and
     * keeps its track's launch estimate with it */
    header(&p, TL_PROD_LAUNCH, "KR", "US", 30, t0 + 301 * NS);
    snprintf(p.u.launch.track_id, sizeof p.u.launch.track_id, "KR-S4");
    ecef_of(lat0, lon0, p.u.launch.pos_ecef);
    p.u.launch.P_pos[0][0] = p.u.launch.P_pos[1][1] = p.u.launch.P_pos[2][2] = 1e6;
    tl_nodecop_partner(c, &p, t0 + 301 * NS);
    header(&p, TL_PROD_IMPACT, "KR", "US", 31, t0 + 301 * NS);
    snprintf(p.u.impact.track_id, sizeof p.u.impact.track_id, "KR-S4");
    p.u.impact.impact_t_ns = t0 + 1000 * NS;
    ecef_of(41.0, 135.0, p.u.impact.pos_ecef);
    p.u.impact.ellipse_semi_major_m = p.u.impact.ellipse_semi_minor_m = 5e3;
    tl_nodecop_partner(c, &p, t0 + 301 * NS);
    tl_pipeline_step(pl, t0 + 1060 * NS, &err);
    served(c, pl, out, sizeof out);
    assert_non_null(strstr(out, "impact KR KR>US KR-S4"));
    assert_non_null(strstr(out, "launch KR KR>US KR-S4"));
    tl_pipeline_step(pl, t0 + 1061 * NS, &err);
    served(c, pl, out, sizeof out);
    assert_null(strstr(out, "KR-S4 ring"));
    tl_nodecop_stop(c);
    tl_pipeline_destroy(pl);
}

/* Malformed input from the link is dropped, never shown half-read. */
static void test_malformed(void **state)
{
    (void)state;
    tl_err err;
    tl_nodecop *c;
    if (tl_nodecop_start(0, &c, &err) != TL_OK)
        fail_msg("start: %s", err.msg);
    tl_nodecop_product q;
    memset(&q, 0, sizeof q);
    q.kind = 9;
    assert_int_equal(tl_nodecop_partner_plain(c, &q, 1), -1);
    q.kind = 3;
    q.pos_ecef[0] = NAN;
    assert_int_equal(tl_nodecop_partner_plain(c, &q, 1), -1);
    q.pos_ecef[0] = 6378137.0;
    memset(q.origin, 'X', sizeof q.origin); /* unterminated strings are cut, not overrun */
    memset(q.track_id, 'Y', sizeof q.track_id);
    q.n_path = 99;
    assert_int_equal(tl_nodecop_partner_plain(c, &q, 1), 0);
    tl_nodecop_partner(c, NULL, 1);
    tl_nodecop_stop(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partner_products),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
