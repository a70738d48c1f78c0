/* test_validate.c — validation of partner products (each reject reason from a
 * sample with exactly that defect; SPD check against matrices built as B B^T + I
 * and indefinite ones), the IDL conversion round trip, and the regressions make fuzz
 * found (extreme times, out-of-range plot counts, hostile heartbeat clocks). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "link_int.h"
#include "tl_test.h"
#include "trilink/netconfig.h"

static tl_netconfig cfg;
static const int64_t NOW = 1800000000LL * 1000000000LL;

static int setup(void **state)
{
    (void)state;
    char path[512];
    tl_err err;
    snprintf(path, sizeof path, "%s/config/network.yaml", tl_test_source_dir());
    return tl_netconfig_load(path, &cfg, &err);
}

/* A valid KR track as JP receives it from US. */
static tl_product good(void)
{
    tl_product p;
    memset(&p, 0, sizeof p);
    p.kind = TL_PROD_TRACK;
    snprintf(p.hdr.origin, sizeof p.hdr.origin, "KR");
    p.hdr.seq = 7;
    p.hdr.prev_seq = 6;
    p.hdr.origin_time_ns = NOW - 1000000000LL;
    p.hdr.releasable_mask = tl_netconfig_dests(&cfg, "KR", TL_PROD_TRACK, NULL);
    p.hdr.path_len = 2;
    snprintf(p.hdr.path[0], TL_NATION_LEN, "KR");
    snprintf(p.hdr.path[1], TL_NATION_LEN, "US");
    tl_track_product *t = &p.u.track;
    snprintf(t->track_id, sizeof t->track_id, "KR-T1");
    t->est.t_ns = NOW - 1500000000LL;
    for (int i = 0; i < 6; i++) {
        t->est.x[i] = 1000.0 * (i + 1);
        t->est.P[i][i] = 100.0 + i;
    }
    t->est.P[0][1] = t->est.P[1][0] = 30;
    t->phase = 1;
    t->missile_class = 2;
    t->quality = 0.7;
    t->n_sensors = 1;
    snprintf(t->sensors[0], TL_ID_LEN, "KR-R1");
    return p;
}

static tl_reject_reason check(const tl_product *p)
{
    return tl_product_validate(&cfg, "JP", "US", p, NOW, NULL);
}

static void test_each_reason(void **state)
{
    (void)state;
    tl_product p = good();
    assert_int_equal(check(&p), TL_REJ_NONE);
    p = good(); p.u.track.est.x[3] = NAN;              assert_int_equal(check(&p), TL_REJ_NONFINITE);
    p = good(); p.u.track.est.P[5][5] = INFINITY;      assert_int_equal(check(&p), TL_REJ_NONFINITE);
    p = good(); p.u.track.est.P[2][2] = -1;            assert_int_equal(check(&p), TL_REJ_NOT_PD);
    p = good(); p.u.track.est.P[0][1] = 31;            assert_int_equal(check(&p), TL_REJ_NOT_PD); /* asymmetric */
    p = good(); p.hdr.origin_time_ns = NOW - (int64_t)(cfg.window_past_s + 1) * 1000000000LL;
    assert_int_equal(check(&p), TL_REJ_TIME_WINDOW);
    p = good(); p.hdr.origin_time_ns = NOW + (int64_t)(cfg.window_future_s + 1) * 1000000000LL;
    assert_int_equal(check(&p), TL_REJ_TIME_WINDOW);
    p = good(); snprintf(p.hdr.origin, sizeof p.hdr.origin, "XX"); assert_int_equal(check(&p), TL_REJ_UNKNOWN_ORIGIN);
    p = good(); p.hdr.seq = 0;                         assert_int_equal(check(&p), TL_REJ_BAD_SEQUENCE);
    p = good(); p.hdr.prev_seq = 7;                    assert_int_equal(check(&p), TL_REJ_BAD_SEQUENCE);
    p = good(); p.hdr.seq = TL_SEQ_LIMIT;              assert_int_equal(check(&p), TL_REJ_BAD_SEQUENCE);
    p = good(); p.hdr.path_len = 1;                    assert_int_equal(check(&p), TL_REJ_BAD_PATH); /* not via US */
    p = good(); snprintf(p.hdr.path[0], TL_NATION_LEN, "JP"); assert_int_equal(check(&p), TL_REJ_BAD_PATH);
    p = good(); p.hdr.releasable_mask = 1u << tl_netconfig_nation(&cfg, "US");
    assert_int_equal(check(&p), TL_REJ_NOT_RELEASABLE);
    p = good(); p.u.track.phase = 9;                   assert_int_equal(check(&p), TL_REJ_BAD_FIELD);
    p = good(); p.u.track.quality = 1.5;               assert_int_equal(check(&p), TL_REJ_BAD_FIELD);
    p = good(); p.u.track.beta_kg_m2 = -1;             assert_int_equal(check(&p), TL_REJ_BAD_FIELD);
    p = good(); p.u.track.beta_kg_m2 = 5000;           assert_int_equal(check(&p), TL_REJ_BAD_FIELD); /* no spread */
    p = good(); p.u.track.beta_kg_m2 = 5000; p.u.track.beta_ln_sigma = 0.3; assert_int_equal(check(&p), TL_REJ_NONE);
    p = good(); p.u.track.beta_ln_sigma = NAN;         assert_int_equal(check(&p), TL_REJ_NONFINITE);
    /* The US relay accepts for transit what is releasable to JP only. */
    p = good(); p.hdr.path_len = 1; p.hdr.releasable_mask = 1u << tl_netconfig_nation(&cfg, "JP");
    assert_int_equal(tl_product_validate(&cfg, "US", "KR", &p, NOW, NULL), TL_REJ_NONE);
    /* ... but a non-relay (KR) would not. */
    tl_product q = good();
    snprintf(q.hdr.origin, sizeof q.hdr.origin, "JP");
    q.hdr.path_len = 2;
    snprintf(q.hdr.path[0], TL_NATION_LEN, "JP");
    q.hdr.releasable_mask = 1u << tl_netconfig_nation(&cfg, "US");
    assert_int_equal(tl_product_validate(&cfg, "KR", "US", &q, NOW, NULL), TL_REJ_NOT_RELEASABLE);
}

static void test_spd_property(void **state)
{
    (void)state;
    tl_test_rng rng;
    tl_test_rng_seed(&rng, 5);
    for (int trial = 0; trial < 500; trial++) {
        double B[6][6], A[6][6];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                B[i][j] = 100 * tl_test_normal(&rng);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                double s = i == j ? 1.0 : 0.0;
                for (int k = 0; k < 6; k++)
                    s += B[i][k] * B[j][k];
                A[i][j] = s;
            }
        tl_product p = good();
        memcpy(p.u.track.est.P, A, sizeof A);
        assert_int_equal(check(&p), TL_REJ_NONE);
        /* Indefinite: A - (lambda_max-ish) * e e^T along a random unit direction. */
        double e[6], n2 = 0, quad = 0;
        for (int i = 0; i < 6; i++) {
            e[i] = tl_test_normal(&rng);
            n2 += e[i] * e[i];
        }
        for (int i = 0; i < 6; i++)
            e[i] /= sqrt(n2);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                quad += e[i] * A[i][j] * e[j];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                p.u.track.est.P[i][j] = A[i][j] - 2.0 * quad * e[i] * e[j]; /* e^T P e = -quad < 0 */
        assert_int_equal(check(&p), TL_REJ_NOT_PD);
    }
}

static void test_wire_round_trip(void **state)
{
    (void)state;
    static tl__wire w;
    tl_product kinds[4];
    kinds[0] = good();
    kinds[0].u.track.beta_kg_m2 = 5500.0; /* fields added at the end of Track */
    kinds[0].u.track.beta_ln_sigma = 0.25;
    memset(&kinds[1], 0, sizeof kinds[1]);
    kinds[1].kind = TL_PROD_LAUNCH;
    kinds[1].hdr = kinds[0].hdr;
    kinds[1].u.launch.launch_t_ns = 123;
    kinds[1].u.launch.P_pos[1][2] = 4.5;
    memset(&kinds[2], 0, sizeof kinds[2]);
    kinds[2].kind = TL_PROD_IMPACT;
    kinds[2].hdr = kinds[0].hdr;
    kinds[2].u.impact.ellipse_semi_major_m = 9e3;
    kinds[2].u.impact.zone_verdict = TL_ZONE_LEVEL_TERRITORY;
    snprintf(kinds[2].u.impact.zone_name, 32, "JP territory");
    memset(&kinds[3], 0, sizeof kinds[3]);
    kinds[3].kind = TL_PROD_ALERT;
    kinds[3].hdr = kinds[0].hdr;
    snprintf(kinds[3].u.alert.text, 256, "impact predicted in EEZ");
    kinds[3].u.alert.severity = 3;
    for (int i = 0; i < 4; i++) {
        tl_product back;
        const char *detail = NULL;
        tl__to_wire(&kinds[i], &w);
        assert_int_equal(tl__from_wire(kinds[i].kind, &w.u, &back, &detail), 0);
        assert_memory_equal(&back.hdr, &kinds[i].hdr, sizeof back.hdr);
        assert_memory_equal(&back.u, &kinds[i].u, sizeof back.u);
    }
}

static void test_plot_round_trip(void **state)
{
    (void)state;
    tl_plot p, back;
    tl_product_hdr h, hb;
    trilink_Plot w;
    char path[TL_PATH_MAX][8];
    memset(&p, 0, sizeof p);
    memset(&h, 0, sizeof h);
    p.t_ns = NOW;
    p.plot_id = 77;
    snprintf(p.sensor_id, sizeof p.sensor_id, "JP-FPS5-1");
    snprintf(p.nation, sizeof p.nation, "JP");
    p.kind = TL_PLOT_RADAR;
    p.site.lat_rad = 0.6;
    p.site.lon_rad = 2.3;
    p.site.h_m = 50;
    p.site_ecef[2] = 3.6e6;
    p.nz = 4;
    for (int i = 0; i < 4; i++) {
        p.z[i] = 1.5 * (i + 1);
        p.sigma[i] = 0.1 * (i + 1);
    }
    snprintf(h.origin, sizeof h.origin, "JP");
    h.seq = 9;
    h.path_len = 1;
    snprintf(h.path[0], TL_NATION_LEN, "JP");
    tl__plot_to_wire(&h, &p, &w, path);
    tl__plot_from_wire(&w, &hb, &back);
    assert_memory_equal(&back, &p, sizeof p);
    assert_memory_equal(&hb, &h, sizeof h);
}

/* make fuzz (fuzz_wire) found: a time of INT64_MIN overflowed the window check's
 * subtraction (signed overflow, UBSan under make asan). Extreme times are plain
 * time_window rejects naming the field (tests/data/fuzz/wire/origin-time-int64-min.bin). */
static void test_extreme_times(void **state)
{
    (void)state;
    const int64_t extremes[] = {INT64_MIN, INT64_MIN + 1, INT64_MAX, 0};
    for (size_t i = 0; i < sizeof extremes / sizeof extremes[0]; i++) {
        const char *detail = NULL;
        tl_product p = good();
        p.hdr.origin_time_ns = extremes[i];
        assert_int_equal(tl_product_validate(&cfg, "JP", "US", &p, NOW, &detail), TL_REJ_TIME_WINDOW);
        assert_string_equal(detail, "origin_time_ns");
        p = good();
        p.u.track.est.t_ns = extremes[i];
        assert_int_equal(tl_product_validate(&cfg, "JP", "US", &p, NOW, &detail), TL_REJ_TIME_WINDOW);
        assert_string_equal(detail, "track t_ns");
        /* and with our own clock at an extreme */
        p = good();
        assert_int_equal(tl_product_validate(&cfg, "JP", "US", &p, extremes[i], &detail), TL_REJ_TIME_WINDOW);
    }
}

/* make fuzz (fuzz_wire) found: a wire Plot with nz 255 (or any count above 4) came
 * out of tl__plot_from_wire as nz 4 and passed validation. An out-of-range count is
 * now refused (tests/data/fuzz/wire/plot-nz-255.bin). */
static void test_plot_wire_bad_count(void **state)
{
    (void)state;
    tl_product_hdr h, hb;
    memset(&h, 0, sizeof h);
    tl_plot p, back;
    memset(&p, 0, sizeof p);
    snprintf(p.sensor_id, sizeof p.sensor_id, "JP-FPS5-1");
    snprintf(p.nation, sizeof p.nation, "JP");
    p.kind = TL_PLOT_RADAR;
    p.site.lat_rad = 0.6;
    p.site.lon_rad = 2.3;
    p.site_ecef[2] = 3.6e6;
    p.nz = 4;
    const double z[4] = {5e5, 1.0, 0.3, -100.0};
    for (int i = 0; i < 4; i++) {
        p.z[i] = z[i];
        p.sigma[i] = 0.01;
    }
    trilink_Plot w;
    char path[TL_PATH_MAX][8];
    tl__plot_to_wire(&h, &p, &w, path);
    tl__plot_from_wire(&w, &hb, &back);
    assert_int_equal(tl_plot_validate(&back, NULL), TL_OK); /* the valid one passes */
    const uint8_t counts[] = {5, 8, 255};
    for (size_t i = 0; i < sizeof counts; i++) {
        w.nz = counts[i];
        tl__plot_from_wire(&w, &hb, &back);
        const char *why = NULL;
        assert_int_equal(tl_plot_validate(&back, &why), TL_EINVAL);
        assert_non_null(strstr(why, "nz"));
    }
}

/* make fuzz (fuzz_wire) found: a heartbeat whose clock_ns is INT64_MIN overflowed the
 * latency estimate's subtraction in node.c (tests/data/fuzz/wire/heartbeat-clock-int64-min.bin).
 * The estimate is the EWMA of now - clock_ns, clamped to +-1e18 ns. */
static void test_heartbeat_latency(void **state)
{
    (void)state;
    int64_t est = tl__hb_latency(0, NOW, NOW - 3000000); /* first: the transit itself */
    assert_int_equal(est, 3000000);
    est = tl__hb_latency(est, NOW + 1000000000, NOW + 1000000000 - 8000000); /* 0.8 * 3 ms + 0.2 * 8 ms */
    assert_true(est >= 3999999 && est <= 4000000); /* truncated toward zero */
    assert_int_equal(tl__hb_latency(0, NOW, INT64_MIN), 1000000000000000000LL);
    assert_int_equal(tl__hb_latency(0, NOW, INT64_MAX), -1000000000000000000LL);
    assert_int_equal(tl__hb_latency(0, INT64_MIN, INT64_MAX), -1000000000000000000LL);
    est = 0;
    for (int i = 0; i < 100; i++) { /* a peer that keeps claiming the extremes */
        est = tl__hb_latency(est, NOW, i % 2 ? INT64_MIN : INT64_MAX);
        assert_true(est >= -1000000000000000000LL && est <= 1000000000000000000LL);
    }
}

/* Which of Cyclone 0.10's log lines count as a failed authentication: the
 * handshake state machine's failures (texts of ddsi_handshake.c), not a send
 * error and not other warnings. */
static void test_auth_failure_lines(void **state)
{
    (void)state;
    static const char *const yes[] = {
        "fsm: Begin handshake reply failed: Certificate not valid: error: certificate signature failure; "
        "subject: /C=KR/O=trilink demo/CN=trilink-KR(code: 200)",
        "fsm: Begin handshake request failed: Certificate expired(code: 200)",
        "fsm: Validate remote identity failed: Certificate is not valid yet(code: 200)",
        "validate remote identity failed: remote participant (1:2:3:4) identity token missing",
        "fsm: Process handshake failed: Handshake message verification failed(code: 113)",
        "received handshake message (1:2 --> 3:4) does not contain a valid handshake message token"};
    static const char *const no[] = {
        "Send handshake: failed to send message (lguid=1:2 rguid=3:4)",
        "malformed packet received from vendor 1.16 state parse:info_src <...>",
        "write_sample_gc: failed with code -2",
        ""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!tl__authlog_is_failure(yes[i], strlen(yes[i])))
            fail_msg("not counted: %s", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (tl__authlog_is_failure(no[i], strlen(no[i])))
            fail_msg("counted: %s", no[i]);
    /* only the first n bytes are read */
    assert_false(tl__authlog_is_failure(yes[0], 20));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_reason),
        cmocka_unit_test(test_spd_property),
        cmocka_unit_test(test_wire_round_trip),
        cmocka_unit_test(test_plot_round_trip),
        cmocka_unit_test(test_extreme_times),
        cmocka_unit_test(test_plot_wire_bad_count),
        cmocka_unit_test(test_heartbeat_latency),
        cmocka_unit_test(test_auth_failure_lines),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
