/* test_scenario.c — the scenario loader: a valid file parses into the values it
 * states (units converted, salvos expanded, aim points turned into azimuth and
 * range by an independent geodesic), and every kind of error is reported with the
 * right line and field, all of them in one pass. */
#include "tl_test.h"
#include "trilink/scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A valid scenario; line numbers matter to the tests below. */
static const char *BASE =
    "epoch: 2026-05-01T03:00:00Z\n"                                    /* 1 */
    "duration_s: 1200\n"                                               /* 2 */
    "seed: 7\n"                                                        /* 3 */
    "sites:\n"                                                         /* 4 */
    "  - {name: sunan, lat_deg: 39.2, lon_deg: 125.67, height_m: 30}\n" /* 5 */
    "  - {name: wonsan, lat_deg: 39.17, lon_deg: 127.48}\n"            /* 6 */
    "nations:\n"                                                       /* 7 */
    "  KR:\n"                                                          /* 8 */
    "    sensors:\n"                                                   /* 9 */
    "      - id: KR-R1\n"                                              /* 10 */
    "        type: radar\n"                                            /* 11 */
    "        lat_deg: 36.8\n"                                          /* 12 */
    "        lon_deg: 127.7\n"                                         /* 13 */
    "        height_m: 300\n"                                          /* 14 */
    "        boresight_az_deg: 10\n"                                   /* 15 */
    "        az_half_width_deg: 60\n"                                  /* 16 */
    "        max_range_km: 800\n"                                      /* 17 */
    "        revisit_s: 5\n"                                           /* 18 */
    "        sigma_range_m: 60\n"                                      /* 19 */
    "        sigma_az_deg: 0.15\n"                                     /* 20 */
    "        sigma_el_deg: 0.2\n"                                      /* 21 */
    "  US:\n"                                                          /* 22 */
    "    sensors:\n"                                                   /* 23 */
    "      - {id: US-GEO, type: ir_satellite, lon_deg: 100, sigma_urad: 25}\n" /* 24 */
    "launches:\n"                                                      /* 25 */
    "  - id: M1\n"                                                     /* 26 */
    "    time_s: 60\n"                                                 /* 27 */
    "    site: sunan\n"                                                /* 28 */
    "    class: srbm\n"                                                /* 29 */
    "    aim: {lat_deg: 39.5, lon_deg: 131.0}\n"                       /* 30 */
    "    loft: min_energy\n"                                           /* 31 */
    "salvos:\n"                                                        /* 32 */
    "  - {id: SV, time_s: 100, interval_s: 5, count: 3, sites: [sunan, wonsan], class: srbm, "
    "azimuth_deg: 90, range_km: 300, apogee_km: 90}\n"                 /* 33 */
    "debris:\n"                                                        /* 34 */
    "  - {id: D, parent: SV-2, time_s: 100, count: 4}\n"               /* 35 */
    "clutter:\n"                                                       /* 36 */
    "  - {id: WX, lat_deg: 38, lon_deg: 133, radius_km: 100, plots_per_scan: 2}\n"; /* 37 */

/* BASE with line `line` (1-based) replaced by repl (which may hold several lines) */
static char *with_line(int line, const char *repl)
{
    size_t cap = strlen(BASE) + strlen(repl) + 8;
    char *out = malloc(cap);
    const char *p = BASE;
    size_t n = 0;
    for (int l = 1; *p; l++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p + 1) : strlen(p);
        if (l == line)
            n += (size_t)snprintf(out + n, cap - n, "%s\n", repl);
        else {
            memcpy(out + n, p, len);
            n += len;
        }
        p += len;
    }
    out[n] = '\0';
    return out;
}

static void test_valid_scenario(void **state)
{
    (void)state;
    tl_scenario sc;
    tl_diag d;
    tl_diag_init(&d);
    int rc = tl_scenario_parse(BASE, strlen(BASE), "base.yaml", &sc, &d);
    for (size_t i = 0; i < d.n; i++)
        print_message("%s\n", d.msg[i]);
    assert_int_equal(rc, TL_OK);
    assert_int_equal(d.n, 0);
    int64_t epoch;
    assert_int_equal(tl_parse_utc("2026-05-01T03:00:00Z", &epoch), TL_OK);
    assert_true(sc.epoch_ns == 1777604400LL * 1000000000LL); /* date -u -d ... +%s */
    assert_true(epoch == sc.epoch_ns);
    assert_near(sc.duration_s, 1200, 0);
    assert_true(sc.seed == 7);
    assert_int_equal(sc.n_nations, 2);
    assert_string_equal(sc.nations[0], "KR");
    assert_int_equal(sc.n_sensors, 2);
    const tl_radar_cfg *r = &sc.sensors[0].radar;
    assert_int_equal(sc.sensors[0].kind, TL_SENSOR_RADAR);
    assert_string_equal(r->id, "KR-R1");
    assert_string_equal(r->nation, "KR");
    assert_near(r->site.lat_rad, 36.8 * TL_DEG, 1e-12);
    assert_near(r->max_range_m, 800e3, 1e-6);
    assert_near(r->sigma[1], 0.15 * TL_DEG, 1e-12);
    assert_near(r->sigma[2], 0.2 * TL_DEG, 1e-12);
    assert_near(r->half_az_rad, 60 * TL_DEG, 1e-12);
    assert_int_equal(r->has_range_rate, 0);
    assert_int_equal(sc.sensors[1].kind, TL_SENSOR_IR);
    assert_near(sc.sensors[1].ir.sigma_rad, 25e-6, 1e-15);
    assert_near(sc.sensors[1].ir.cloud_top_m, 12e3, 0); /* the documented default */
    assert_string_equal(sc.sensors[1].ir.nation, "US");
    /* one launch + a salvo of three */
    assert_int_equal(sc.n_launches, 4);
    const tl_scn_launch *m1 = &sc.launches[0];
    double s12, az;
    tl_geodesic_inverse(39.2 * TL_DEG, 125.67 * TL_DEG, 39.5 * TL_DEG, 131.0 * TL_DEG, &s12, &az,
                        NULL);
    assert_near(m1->req.range_m, s12, 1e-6);
    assert_near(m1->req.azimuth_rad, az, 1e-12);
    assert_int_equal(m1->req.loft, TL_LOFT_MIN_ENERGY);
    assert_int_equal(m1->req.cls, TL_CLASS_SRBM);
    /* the solved flight lands near the aim point */
    double miss;
    tl_geodesic_inverse(m1->flight.impact.lat_rad, m1->flight.impact.lon_rad, 39.5 * TL_DEG,
                        131.0 * TL_DEG, &miss, NULL, NULL);
    print_message("M1 impact %.1f km from the aim point\n", miss / 1e3);
    assert_true(miss < 5e3);
    const char *ids[] = {"SV-1", "SV-2", "SV-3"};
    const double lons[] = {125.67, 127.48, 125.67};
    for (int k = 0; k < 3; k++) {
        const tl_scn_launch *l = &sc.launches[1 + k];
        assert_string_equal(l->id, ids[k]);
        assert_near(l->t_s, 100 + 5 * k, 1e-12);
        assert_near(l->req.launch.lon_rad, lons[k] * TL_DEG, 1e-12);
        assert_near(l->req.apogee_m, 90e3, 1e-6);
        assert_int_equal(l->req.loft, TL_LOFT_NONE);
    }
    assert_int_equal(sc.n_debris, 1);
    assert_int_equal(sc.debris[0].parent_index, 2);
    assert_int_equal(sc.debris[0].count, 4);
    assert_int_equal(sc.n_clutter, 1);
    assert_near(sc.clutter[0].radius_m, 100e3, 1e-6);
    tl_scenario_free(&sc);
    tl_diag_free(&d);
}

/* Parse text; expect failure with exactly `count` errors (0: any), one of which
 * contains "t.yaml:LINE: " followed by needle. */
static void expect(const char *text, int line, const char *needle, size_t count)
{
    tl_scenario sc;
    tl_diag d;
    tl_diag_init(&d);
    int rc = tl_scenario_parse(text, strlen(text), "t.yaml", &sc, &d);
    if (rc == TL_OK)
        fail_msg("accepted; expected line %d: %s", line, needle);
    char want[64];
    snprintf(want, sizeof want, "t.yaml:%d: ", line);
    int found = 0;
    for (size_t i = 0; i < d.n; i++)
        if (!strncmp(d.msg[i], want, strlen(want)) && strstr(d.msg[i], needle))
            found = 1;
    if (!found || (count && d.n != count)) {
        for (size_t i = 0; i < d.n; i++)
            print_message("  got: %s\n", d.msg[i]);
        fail_msg("wanted %zu error(s) incl. '%s...%s'", count, want, needle);
    }
    assert_null(sc.launches); /* nothing left allocated on failure */
    tl_diag_free(&d);
}

static void expect_line(int line, const char *repl, int at, const char *needle)
{
    char *t = with_line(line, repl);
    expect(t, at, needle, 1);
    free(t);
}

static void test_error_kinds(void **state)
{
    (void)state;
    /* syntax */
    expect_line(12, "        lat_deg: [36.8", 13, "YAML syntax error");
    /* unknown key (a typo) at the key's line */
    char *t = with_line(17, "        max_rnage_km: 800");
    expect(t, 17, "nations.KR.sensors[0]: unknown key 'max_rnage_km'", 2);
    /* ... and the then-missing required field, at the mapping's line */
    expect(t, 10, "nations.KR.sensors[0]: missing field 'max_range_km'", 2);
    free(t);
    /* wrong types */
    expect_line(18, "        revisit_s: fast", 18,
                "nations.KR.sensors[0]: revisit_s: expected a number, found 'fast'");
    expect_line(18, "        revisit_s: [5]", 18, "revisit_s: expected a number, found a list");
    {
        const char *cut = strstr(BASE, "debris:\n");
        char *u = malloc(strlen(BASE) + 32);
        memcpy(u, BASE, (size_t)(cut - BASE));
        strcpy(u + (cut - BASE), "debris: lots\n");
        expect(u, 34, "debris: expected a list, found a scalar", 1);
        strcpy(u + (cut - BASE), "debris: {id: D}\n");
        expect(u, 34, "debris: expected a list, found a mapping", 1);
        free(u);
    }
    expect_line(3, "seed: 7.5", 3, "seed: expected an integer, found '7.5'");
    /* (the salvo's launches then do not exist: the debris parent is reported too) */
    t = with_line(33, "  - {id: SV, time_s: 100, interval_s: 5, count: 3, sites: sunan, "
                      "class: srbm, azimuth_deg: 90, range_km: 300, apogee_km: 90}");
    expect(t, 33, "salvos[0]: sites: expected a list, found a scalar", 2);
    expect(t, 35, "debris[0]: parent: unknown launch 'SV-2'", 2);
    free(t);
    /* missing fields */
    expect_line(27, "    note: no time", 26, "launches[0]: missing field 'time_s'");
    expect_line(2, "name: x", 1, "missing field 'duration_s'");
    /* ranges and values */
    expect_line(12, "        lat_deg: 96.8", 12, "lat_deg: 96.8 out of range [-90, 90]");
    expect_line(1, "epoch: 2026-02-30T00:00:00Z", 1, "epoch: '2026-02-30T00:00:00Z' is not an ISO 8601");
    expect_line(1, "epoch: yesterday", 1, "is not an ISO 8601 UTC time");
    /* sensors below ground / in the ground */
    expect_line(14, "        height_m: -40", 14,
                "nations.KR.sensors[0]: height_m: sensor below ground (-40 m");
    expect_line(24, "      - {id: US-GEO, type: ir_satellite, lon_deg: 100, altitude_km: -5}", 24,
                "altitude_km: satellite below ground");
    /* unknown names */
    expect_line(28, "    site: pyongyang", 28, "launches[0]: site: unknown site 'pyongyang'");
    expect_line(29, "    class: icbmx", 29, "class: unknown class 'icbmx'");
    expect_line(31, "    loft: high", 31, "loft: unknown loft 'high'");
    expect_line(11, "        type: lidar", 11, "type: unknown sensor type 'lidar'");
    expect_line(35, "  - {id: D, parent: SV-9, time_s: 100, count: 4}", 35,
                "debris[0]: parent: unknown launch 'SV-9'");
    expect_line(8, "  kr:", 8, "nation code 'kr' must be 2 to 7 upper-case letters");
    /* contradictions and duplicates */
    expect_line(31, "    azimuth_deg: 90", 30, "give azimuth_deg or aim, not both");
    expect_line(31, "    loft: lofted\n    apogee_km: 300", 31, "give apogee_km or loft, not both");
    expect_line(24, "      - {id: KR-R1, type: ir_satellite, lon_deg: 100}", 24,
                "duplicate sensor id 'KR-R1'");
    expect_line(26, "  - id: SV-2", 33, "duplicate object id 'SV-2'");
    expect_line(3, "seed: 7\nseed: 8", 4, "duplicate key 'seed'");
    expect_line(6,
                "  - {name: wonsan, lat_deg: 39.17, lon_deg: 127.48}\n"
                "  - {name: sunan, lat_deg: 39.0, lon_deg: 125.0}",
                7, "sites[2]: duplicate site name 'sunan'");
    expect_line(27, "    time_s: 1300", 26, "time_s: launch time 1300 s is not before the end");
    expect_line(26, "  - id: M 1", 26, "id: 'M 1' may only contain");
    /* a launch that cannot fly */
    expect_line(31, "    apogee_km: 5", 26, "launches[0] (M1): cannot fly: ");
    t = with_line(33, "  - {id: SV, time_s: 100, count: 2, sites: [sunan], class: srbm, "
                      "azimuth_deg: 90, range_km: 14000, loft: min_energy}");
    expect(t, 33, "salvos[0] (SV-1): cannot fly: ", 2); /* one per salvo launch */
    expect(t, 33, "salvos[0] (SV-2): cannot fly: ", 2);
    free(t);
    /* debris released after its parent's impact */
    expect_line(35, "  - {id: D, parent: SV-2, time_s: 5000, count: 4}", 35,
                "D: time_s: release at 5000 s after launch is after the parent's impact");
}

static void test_every_error_reported(void **state)
{
    (void)state;
    /* three independent mistakes in different sections: all three reported */
    char *a = with_line(18, "        revisit_s: fast");
    char *b = strdup(a);
    free(a);
    const char *old = "    site: sunan\n";
    char *p = strstr(b, old);
    assert_non_null(p);
    memcpy(p, "    site: xxxxx\n", strlen(old));
    char *q = strstr(b, "plots_per_scan: 2");
    memcpy(q, "plots_per_scan: z", 17);
    tl_scenario sc;
    tl_diag d;
    tl_diag_init(&d);
    assert_int_equal(tl_scenario_parse(b, strlen(b), "t.yaml", &sc, &d), TL_EPARSE);
    for (size_t i = 0; i < d.n; i++)
        print_message("  %s\n", d.msg[i]);
    assert_int_equal(d.n, 3);
    assert_non_null(strstr(d.msg[0], "t.yaml:18: "));
    assert_non_null(strstr(d.msg[1], "t.yaml:28: "));
    assert_non_null(strstr(d.msg[2], "t.yaml:37: "));
    tl_diag_free(&d);
    free(b);
}

static void test_load_file_errors(void **state)
{
    (void)state;
    tl_scenario sc;
    tl_diag d;
    tl_diag_init(&d);
    assert_int_equal(tl_scenario_load("/nonexistent/x.yaml", &sc, &d), TL_EIO);
    assert_int_equal(d.n, 1);
    assert_non_null(strstr(d.msg[0], "/nonexistent/x.yaml: cannot open"));
    tl_diag_free(&d);
    tl_diag_init(&d);
    assert_int_equal(tl_scenario_parse("", 0, "e.yaml", &sc, &d), TL_EPARSE);
    assert_non_null(strstr(d.msg[0], "e.yaml:1: (top level): empty document"));
    tl_diag_free(&d);
    tl_diag_init(&d);
    assert_int_equal(tl_scenario_parse("- 1\n- 2\n", 8, "l.yaml", &sc, &d), TL_EPARSE);
    assert_non_null(strstr(d.msg[0], "l.yaml:1: (top level): expected a mapping, found a list"));
    tl_diag_free(&d);
}

static void test_utc(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(tl_parse_utc("1970-01-01T00:00:00Z", &t), TL_OK);
    assert_true(t == 0);
    assert_int_equal(tl_parse_utc("2000-02-29T12:34:56.25+00:00", &t), TL_OK);
    assert_true(t == 951827696250000000LL); /* date -u -d 2000-02-29T12:34:56 +%s */
    char buf[40];
    tl_format_utc(t, buf, sizeof buf);
    assert_string_equal(buf, "2000-02-29T12:34:56.250Z");
    assert_int_equal(tl_parse_utc("2001-02-29T00:00:00Z", &t), TL_EPARSE);
    assert_int_equal(tl_parse_utc("2001-01-01 00:00:00Z", &t), TL_EPARSE);
    assert_int_equal(tl_parse_utc("2001-01-01T00:00:00", &t), TL_EPARSE);
    assert_int_equal(tl_parse_utc("2001-01-01T00:00:00+09:00", &t), TL_EPARSE);
    assert_int_equal(tl_parse_utc("2001-13-01T00:00:00Z", &t), TL_EPARSE);
}


/* Robustness: random edits of a valid file never crash the loader (ASan run); every
 * message it gives names the file and a line inside it, and a failed load leaves
 * nothing allocated. */
static void test_loader_fuzz(void **state)
{
    (void)state;
    tl_test_rng tr;
    tl_test_rng_seed(&tr, 99);
    const char alphabet[] = "abz019-:.,[]{}#&*!| \n\t'\"";
    size_t base_len = strlen(BASE);
    char *t = malloc(2 * base_len + 64);
    int ok = 0, bad = 0;
    for (int i = 0; i < 400; i++) {
        memcpy(t, BASE, base_len + 1);
        size_t n = base_len;
        int edits = 1 + (int)(3 * tl_test_uniform(&tr));
        for (int e = 0; e < edits; e++) {
            size_t at = (size_t)(tl_test_uniform(&tr) * (double)n);
            double u = tl_test_uniform(&tr);
            if (u < 0.7) {
                t[at] = alphabet[(int)(tl_test_uniform(&tr) * (sizeof alphabet - 1))];
            } else if (u < 0.85) { /* delete a span */
                size_t len = (size_t)(tl_test_uniform(&tr) * 30);
                if (at + len > n)
                    len = n - at;
                memmove(t + at, t + at + len, n - at - len + 1);
                n -= len;
            } else { /* duplicate a span */
                size_t len = (size_t)(tl_test_uniform(&tr) * 30);
                if (at + len > n)
                    len = n - at;
                if (n + len < 2 * base_len) {
                    memmove(t + at + len, t + at, n - at + 1);
                    n += len;
                }
            }
        }
        int lines = 1;
        for (size_t k = 0; k < n; k++)
            lines += t[k] == '\n';
        tl_scenario sc;
        tl_diag d;
        tl_diag_init(&d);
        int rc = tl_scenario_parse(t, n, "f.yaml", &sc, &d);
        if (rc == TL_OK) {
            ok++;
            assert_int_equal(d.n, 0);
            tl_scenario_free(&sc);
        } else {
            bad++;
            assert_true(d.n > 0);
            assert_null(sc.launches);
            for (size_t k = 0; k < d.n && k < d.cap; k++) {
                int line = 0;
                if (sscanf(d.msg[k], "f.yaml:%d:", &line) != 1 || line < 1 || line > lines + 1)
                    fail_msg("message without a valid line: %s", d.msg[k]);
            }
        }
        tl_diag_free(&d);
    }
    free(t);
    print_message("fuzz: %d loaded, %d rejected\n", ok, bad);
    assert_true(bad > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_scenario),
        cmocka_unit_test(test_error_kinds),
        cmocka_unit_test(test_every_error_reported),
        cmocka_unit_test(test_load_file_errors),
        cmocka_unit_test(test_utc),
        cmocka_unit_test(test_loader_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
