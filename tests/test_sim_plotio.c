/* test_sim_plotio.c — the plots.csv / truth CSV readers and writers: round trips
 * (write -> read -> write gives the same bytes and values within the printed
 * precision), and every kind of bad input reported with file, line and column. */
#include "tl_test.h"
#include "trilink/sensors.h"
#include "trilink/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void random_plot(tl_test_rng *tr, tl_rng *rng, tl_plot *p)
{
    tl_geodetic site = {(60 * tl_test_uniform(tr) - 10) * TL_DEG,
                        (360 * tl_test_uniform(tr) - 180) * TL_DEG, 500 * tl_test_uniform(tr)};
    double tgt[6];
    tl_geodetic tg = {site.lat_rad + 0.05, site.lon_rad + 0.05, 1e5 + 5e5 * tl_test_uniform(tr)};
    tl_geodetic_to_ecef(&tg, tgt);
    tgt[3] = 3000 * tl_test_normal(tr);
    tgt[4] = 3000 * tl_test_normal(tr);
    tgt[5] = 3000 * tl_test_normal(tr);
    if (tl_test_uniform(tr) < 0.7) {
        tl_radar_cfg c;
        tl_radar_cfg_default(&c);
        snprintf(c.id, sizeof c.id, "R%d", (int)(100 * tl_test_uniform(tr)));
        snprintf(c.nation, sizeof c.nation, "JP");
        c.site = site;
        c.has_range_rate = tl_test_uniform(tr) < 0.5;
        tl_radar r;
        assert_int_equal(tl_radar_init(&r, &c, NULL), TL_OK);
        tl_radar_measure(&r, rng, (int64_t)(1.7e18 + 1e15 * tl_test_uniform(tr)), tgt, p);
    } else {
        tl_irsat_cfg c;
        tl_irsat_cfg_default(&c);
        snprintf(c.id, sizeof c.id, "GEO-%d", (int)(10 * tl_test_uniform(tr)));
        snprintf(c.nation, sizeof c.nation, "US");
        c.lon_rad = site.lon_rad;
        c.pd = 1.0;
        tl_irsat s;
        assert_int_equal(tl_irsat_init(&s, &c, NULL), TL_OK);
        tl_geodetic_to_ecef(&(tl_geodetic){0.3, site.lon_rad + 0.2, 5e4}, tgt);
        assert_int_equal(tl_irsat_detect(&s, rng, 1800000000000000000LL, tgt, 1, p), 1);
    }
    p->plot_id = (uint64_t)(1e9 * tl_test_uniform(tr));
}

static void test_plot_round_trip(void **state)
{
    (void)state;
    tl_test_rng tr;
    tl_test_rng_seed(&tr, 8);
    tl_rng rng;
    tl_rng_seed(&rng, 8);
    for (int i = 0; i < 2000; i++) {
        tl_plot p, q;
        random_plot(&tr, &rng, &p);
        char a[512], b[512];
        int n = tl_plotio_format(&p, a, sizeof a);
        assert_true(n > 0 && a[n - 1] == '\n');
        tl_err err;
        if (tl_plotio_read_line(a, "mem", i + 2, &q, &err) != TL_OK)
            fail_msg("%s", err.msg);
        assert_true(q.t_ns == p.t_ns && q.plot_id == p.plot_id && q.kind == p.kind && q.nz == p.nz);
        assert_string_equal(q.sensor_id, p.sensor_id);
        assert_string_equal(q.nation, p.nation);
        for (int k = 0; k < p.nz; k++) {
            assert_near(q.z[k], p.z[k], 1e-9 * fabs(p.z[k]) + 1e-12);
            assert_near(q.sigma[k], p.sigma[k], 1e-5 * p.sigma[k]);
        }
        for (int k = 0; k < 3; k++) /* site: 1e-9 deg and 1 mm in height */
            assert_near(q.site_ecef[k], p.site_ecef[k], 2e-3);
        assert_int_equal(tl_plotio_format(&q, b, sizeof b), n);
        assert_memory_equal(a, b, (size_t)n);
    }
}

static void test_writer_rejects(void **state)
{
    (void)state;
    tl_test_rng tr;
    tl_test_rng_seed(&tr, 1);
    tl_rng rng;
    tl_rng_seed(&rng, 1);
    tl_plot p;
    random_plot(&tr, &rng, &p);
    char buf[512];
    assert_int_equal(tl_plotio_format(&p, buf, 20), TL_ERANGE);
    tl_plot q = p;
    snprintf(q.sensor_id, sizeof q.sensor_id, "a,b");
    assert_int_equal(tl_plotio_format(&q, buf, sizeof buf), TL_EINVAL);
    q = p;
    q.sigma[0] = -1;
    assert_int_equal(tl_plotio_format(&q, buf, sizeof buf), TL_EINVAL);
}

static const char *good_radar =
    "1760000000000000000,7,JP-SADO,JP,radar,38.080000000,138.370000000,120.000,3,"
    "812345.5,4.71,0.2,,50,0.001,0.001,\n";

static void expect_err(const char *line, const char *needle)
{
    tl_plot p;
    memset(&p, 0x5a, sizeof p);
    tl_plot before = p;
    tl_err err;
    tl_err_clear(&err);
    int rc = tl_plotio_read_line(line, "plots.csv", 42, &p, &err);
    if (rc != TL_EPARSE)
        fail_msg("accepted bad line: %s", line);
    if (!strstr(err.msg, "plots.csv:42:") || !strstr(err.msg, needle))
        fail_msg("message '%s' lacks 'plots.csv:42:' or '%s'", err.msg, needle);
    assert_memory_equal(&p, &before, sizeof p); /* unchanged on error */
}

static void test_read_errors(void **state)
{
    (void)state;
    tl_plot p;
    tl_err err;
    assert_int_equal(tl_plotio_read_line(good_radar, "x", 1, &p, &err), TL_OK);
    assert_int_equal(p.nz, 3);
    expect_err("1,2,3\n", "expected 17 columns, found 3");
    expect_err("x1760,7,JP-SADO,JP,radar,38,138,120,3,812345.5,4.71,0.2,,50,0.001,0.001,",
               "column t_ns: not an integer ('x1760')");
    expect_err("1760,-7,JP-SADO,JP,radar,38,138,120,3,812345.5,4.71,0.2,,50,0.001,0.001,",
               "column plot_id");
    expect_err("1760,7,,JP,radar,38,138,120,3,812345.5,4.71,0.2,,50,0.001,0.001,",
               "column sensor_id: empty");
    expect_err("1760,7,JP SADO,JP,radar,38,138,120,3,812345.5,4.71,0.2,,50,0.001,0.001,",
               "column sensor_id: bad character");
    expect_err("1760,7,S,JAPAN-TOO-LONG,radar,38,138,120,3,812345.5,4.71,0.2,,50,0.001,0.001,",
               "column nation: too long");
    expect_err("1760,7,S,JP,sonar,38,138,120,3,812345.5,4.71,0.2,,50,0.001,0.001,",
               "column kind: expected 'radar' or 'ir' ('sonar')");
    expect_err("1760,7,S,JP,radar,98,138,120,3,812345.5,4.71,0.2,,50,0.001,0.001,",
               "column site_lat_deg: out of range");
    expect_err("1760,7,S,JP,radar,38,138,abc,3,812345.5,4.71,0.2,,50,0.001,0.001,",
               "column site_h_m: not a finite number ('abc')");
    expect_err("1760,7,S,JP,radar,38,138,1,5,812345.5,4.71,0.2,,50,0.001,0.001,",
               "column nz: must be 2, 3 or 4");
    expect_err("1760,7,S,JP,radar,38,138,1,3,812345.5,nan,0.2,,50,0.001,0.001,",
               "column z1: not a finite number");
    expect_err("1760,7,S,JP,radar,38,138,1,3,812345.5,4.71,0.2,9,50,0.001,0.001,",
               "column z3: must be empty when nz = 3");
    expect_err("1760,7,S,JP,radar,38,138,1,3,812345.5,4.71,0.2,,50,,0.001,",
               "column sigma1: not a finite number ('')");
    expect_err("1760,7,S,JP,radar,38,138,1,3,-5,4.71,0.2,,50,0.001,0.001,",
               "invalid plot: range must be > 0");
    expect_err("1760,7,S,JP,ir,38,138,1,3,1,0.71,0.2,,50,0.001,0.001,",
               "invalid plot: IR plot needs nz = 2");
    expect_err("1760,7,S,JP,radar,38,138,1,3,1,4.71,0.2,,0,0.001,0.001,",
               "invalid plot: sigma must be finite and > 0");
    expect_err("1760,7,S,JP,radar,38,138,1,3,1,4.71,0.2,,1,0.001,0.001,,,,,,,,,,,",
               "expected 17 columns");
}

static void test_reader_file(void **state)
{
    (void)state;
    char path[] = "/tmp/tl_plotio_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "%s\n", tl_plotio_header());
    fputs(good_radar, f);
    fputs("# a comment\n\n", f);
    fputs("1760,8,S,JP,radar,38,138,1,3,1,4.71,0.2,,1,0.001,0.001,oops\n", f); /* line 5 */
    fputs(good_radar, f);                                                      /* line 6 */
    fclose(f);
    tl_plotio_reader r;
    tl_err err;
    assert_int_equal(tl_plotio_open(&r, path, &err), TL_OK);
    tl_plot p;
    assert_int_equal(tl_plotio_next(&r, &p, &err), 1);
    assert_int_equal(r.line, 2);
    assert_int_equal(tl_plotio_next(&r, &p, &err), TL_EPARSE);
    char want[300];
    snprintf(want, sizeof want, "%s:5: column sigma3: must be empty", path);
    if (!strstr(err.msg, want))
        fail_msg("'%s' lacks '%s'", err.msg, want);
    assert_int_equal(tl_plotio_next(&r, &p, &err), 1); /* continues after a bad line */
    assert_int_equal(r.line, 6);
    assert_int_equal(tl_plotio_next(&r, &p, &err), 0);
    tl_plotio_close(&r);
    /* wrong header */
    f = fopen(path, "w");
    fputs("t_ns,plot_id\n", f);
    fclose(f);
    assert_int_equal(tl_plotio_open(&r, path, &err), TL_EPARSE);
    assert_non_null(strstr(err.msg, ":1: not a plots.csv header"));
    f = fopen(path, "w");
    fclose(f);
    assert_int_equal(tl_plotio_open(&r, path, &err), TL_EPARSE);
    assert_non_null(strstr(err.msg, ":1: empty file"));
    unlink(path);
    assert_int_equal(tl_plotio_open(&r, path, &err), TL_EIO);
    assert_non_null(strstr(err.msg, path));
}

static void test_truth_files_round_trip(void **state)
{
    (void)state;
    tl_truth_row t = {
        1760000000123456789LL, "M1", {-3.1e6, 4.2e6, 3.9e6, 1234.5, -20.25, 7.125}, 1};
    char a[512], b[512];
    int n = tl_truthio_format(&t, a, sizeof a);
    assert_true(n > 0);
    assert_non_null(strstr(a, ",midcourse\n"));
    tl_truth_row u;
    tl_err err;
    assert_int_equal(tl_truthio_read_line(a, "truth.csv", 2, &u, &err), TL_OK);
    assert_true(u.t_ns == t.t_ns && u.phase == 1);
    for (int i = 0; i < 6; i++)
        assert_near(u.x_ecef[i], t.x_ecef[i], 1e-3);
    assert_int_equal(tl_truthio_format(&u, b, sizeof b), n);
    assert_memory_equal(a, b, (size_t)n);
    assert_int_equal(tl_truthio_read_line("1,M1,1,2,3,4,5,6,flying", "truth.csv", 9, &u, &err),
                     TL_EPARSE);
    assert_non_null(strstr(err.msg, "truth.csv:9: column phase: unknown phase ('flying')"));

    tl_plot_truth pt = {77, 1, "clutter:C1"}, pu;
    n = tl_plottruthio_format(&pt, a, sizeof a);
    assert_string_equal(a, "77,1,clutter:C1\n");
    assert_int_equal(tl_plottruthio_read_line(a, "pt", 2, &pu, &err), TL_OK);
    assert_true(pu.plot_id == 77 && pu.false_alarm == 1);
    assert_string_equal(pu.object_id, "clutter:C1");
    assert_int_equal(tl_plottruthio_read_line("77,2,M1", "pt", 3, &pu, &err), TL_EPARSE);
    assert_non_null(strstr(err.msg, "pt:3: column false_alarm: expected 0 or 1 ('2')"));

    tl_object_row o = {"M1", "missile", "icbm", "-",   100,   39.0, 125.5,
                       30.0, 200,       40.0,   135.0, 6.0e6, 0};
    tl_object_row p;
    n = tl_objectio_format(&o, a, sizeof a);
    assert_int_equal(tl_objectio_read_line(a, "objects.csv", 2, &p, &err), TL_OK);
    assert_int_equal(tl_objectio_format(&p, b, sizeof b), n);
    assert_memory_equal(a, b, (size_t)n);
    assert_int_equal(tl_objectio_read_line("M1,missile", "objects.csv", 4, &p, &err), TL_EPARSE);
    assert_non_null(strstr(err.msg, "objects.csv:4: expected 13 columns, found 2"));
}


/* Robustness: random byte edits, truncations and column swaps of valid lines never
 * crash the reader (ASan run), and whatever it accepts is a valid plot that
 * formats back to a line it accepts again. */
static void test_reader_fuzz(void **state)
{
    (void)state;
    tl_test_rng tr;
    tl_test_rng_seed(&tr, 4242);
    tl_rng rng;
    tl_rng_seed(&rng, 4242);
    const char alphabet[] = "0123456789,.-+eEnaifx \t\r\n#\"radir";
    long accepted = 0, rejected = 0;
    for (int i = 0; i < 20000; i++) {
        tl_plot p;
        random_plot(&tr, &rng, &p);
        char line[600];
        int n = tl_plotio_format(&p, line, sizeof line);
        assert_true(n > 0);
        int edits = 1 + (int)(4 * tl_test_uniform(&tr));
        for (int e = 0; e < edits; e++) {
            double u = tl_test_uniform(&tr);
            int at = (int)(tl_test_uniform(&tr) * n);
            if (u < 0.6) {
                line[at] = alphabet[(int)(tl_test_uniform(&tr) * (sizeof alphabet - 1))];
            } else if (u < 0.8) {
                n = at;
                line[n] = '\0';
            } else if (n < 500) { /* duplicate a slice */
                int len = (int)(tl_test_uniform(&tr) * 40);
                if (at + len > n)
                    len = n - at;
                memmove(line + at + len, line + at, (size_t)(n - at) + 1);
                n += len;
            }
        }
        line[n] = '\0';
        tl_plot q;
        tl_err err;
        if (tl_plotio_read_line(line, "fuzz", i, &q, &err) == TL_OK) {
            accepted++;
            assert_int_equal(tl_plot_validate(&q, NULL), TL_OK);
            char again[600];
            int m = tl_plotio_format(&q, again, sizeof again);
            assert_true(m > 0);
            tl_plot r;
            assert_int_equal(tl_plotio_read_line(again, "fuzz2", i, &r, &err), TL_OK);
        } else {
            rejected++;
            assert_non_null(strstr(err.msg, "fuzz:"));
        }
    }
    print_message("fuzz: %ld accepted, %ld rejected\n", accepted, rejected);
    assert_true(rejected > 1000 && accepted > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plot_round_trip),
        cmocka_unit_test(test_writer_rejects),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_reader_file),
        cmocka_unit_test(test_truth_files_round_trip),
        cmocka_unit_test(test_reader_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
