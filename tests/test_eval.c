/* test_eval.c — `trilink eval`'s Monte Carlo (eval.h) against independent truth:
 *   - tl_eval_quantile against closed-form order statistics (Hyndman & Fan type 7)
 *     and its properties (NANs ignored, monotone in p, the ends are min and max);
 *   - the SVG writer: a well-formed document (prolog, one root, balanced elements,
 *     escaped text), one polyline per unbroken run of points, a band per series;
 *   - on tests/data/eval/srbm.yaml (default.yaml's sensors, one depressed SRBM from
 *     Wonsan into Korea's waters): Japan's first track comes no later with sharing
 *     than alone in every run, and strictly earlier in the median (Korean radars, 400 km
 *     nearer, see the boost first: physics, radar horizon); the final impact prediction
 *     is near the truth and its zone right for every nation; Korea warns before the
 *     fall, Japan makes the right call; with the US left out, JP and KR have no
 *     link, so "shared" must equal "alone" field for field;
 *   - run r uses seed + r: a 1-run evaluation from seed + 1 reproduces run 1 of a
 *     2-run evaluation from seed exactly (determinism and seed derivation);
 *   - bad configuration is refused naming the field.
 * xmllint --noout on the written SVGs and byte-identical files: tests/cli/eval.sh.
 */
#include "tl_test.h"
#include "trilink/eval.h"
#include "trilink/scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_quantile_closed_form(void **state)
{
    (void)state;
    double scratch[32];
    /* 1..11 shuffled, with NANs: type 7 puts q(p) at order statistic 1 + 10 p */
    const double x[] = {7, NAN, 3, 11, 1, 9, INFINITY, 5, 2, 10, 4, 8, NAN, 6};
    size_t n = sizeof x / sizeof x[0];
    assert_near(tl_eval_quantile(x, n, 0.0, scratch), 1, 1e-12);
    assert_near(tl_eval_quantile(x, n, 1.0, scratch), 11, 1e-12);
    assert_near(tl_eval_quantile(x, n, 0.5, scratch), 6, 1e-12);
    assert_near(tl_eval_quantile(x, n, 0.1, scratch), 2, 1e-12);
    assert_near(tl_eval_quantile(x, n, 0.25, scratch), 3.5, 1e-12);
    assert_near(tl_eval_quantile(x, n, 0.9, scratch), 10, 1e-12);
    /* {1, 2, 3, 4}: h = 3p; median 2.5, p = 1/3 -> 2, p = 0.9 -> 3.7 */
    const double y[] = {4, 1, 3, 2};
    assert_near(tl_eval_quantile(y, 4, 0.5, scratch), 2.5, 1e-12);
    assert_near(tl_eval_quantile(y, 4, 1.0 / 3.0, scratch), 2, 1e-12);
    assert_near(tl_eval_quantile(y, 4, 0.9, scratch), 3.7, 1e-12);
    /* one value; none */
    const double z[] = {NAN, 42, NAN};
    assert_near(tl_eval_quantile(z, 3, 0.1, scratch), 42, 0);
    assert_true(isnan(tl_eval_quantile(z, 1, 0.5, scratch)));
    assert_true(isnan(tl_eval_quantile(y, 0, 0.5, scratch)));
    assert_true(isnan(tl_eval_quantile(y, 4, 1.5, scratch)));
    /* properties on random data: monotone in p, ends are min and max */
    tl_test_rng r;
    tl_test_rng_seed(&r, 7);
    double v[25], lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < 25; i++) {
        v[i] = tl_test_normal(&r);
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
    }
    double prev = -INFINITY;
    for (int i = 0; i <= 100; i++) {
        double q = tl_eval_quantile(v, 25, i / 100.0, scratch);
        assert_true(q >= prev && q >= lo && q <= hi);
        prev = q;
    }
    assert_near(tl_eval_quantile(v, 25, 0, scratch), lo, 0);
    assert_near(tl_eval_quantile(v, 25, 1, scratch), hi, 0);
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static void test_svg_structure(void **state)
{
    (void)state;
    const double x[] = {0, 10, 20, 30, 40, 50};
    const double y1[] = {500, 120, NAN, 8, 2, 0.5}; /* a NAN breaks the line in two */
    const double lo[] = {300, 60, NAN, 4, 1, 0.2}, hi[] = {900, 300, NAN, 20, 5, 1};
    const double y2[] = {NAN, 50, 20, 3, 1, 0.3};
    tl_svg_series s[2] = {{"alone <JP & co>", x, y1, lo, hi, 6}, {"shared", x, y2, NULL, NULL, 6}};
    static char buf[1 << 16];
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    assert_non_null(f);
    assert_int_equal(tl_svg_lines(f, "t", "time (s)", "error (km)", 1, s, 2), TL_OK);
    fclose(f);
    assert_true(!strncmp(buf, "<?xml version=\"1.0\"", 19));
    assert_int_equal(count(buf, "<svg "), 1);
    assert_non_null(strstr(buf, "</svg>\n"));
    assert_int_equal(count(buf, "<polyline"), 3); /* 2 runs of points + 1 */
    assert_int_equal(count(buf, "<polygon"), 2);  /* the bands of series 0 */
    assert_non_null(strstr(buf, "alone &lt;JP &amp; co&gt;"));
    assert_null(strstr(buf, "<JP"));
    assert_int_equal(count(buf, "<text"), count(buf, "</text>"));
    /* log axis: decade ticks 0.1 .. 1000 */
    assert_non_null(strstr(buf, ">0.1</text>"));
    assert_non_null(strstr(buf, ">1000</text>"));
    /* nothing to draw */
    const double none[] = {NAN, NAN};
    tl_svg_series e = {"e", x, none, NULL, NULL, 2};
    f = fmemopen(buf, sizeof buf - 1, "w");
    assert_int_equal(tl_svg_lines(f, "t", "x", "y", 0, &e, 1), TL_EINVAL);
    fclose(f);
    /* boxes */
    const double a[] = {10, 12, 14, 16, 18}, b[] = {5, 6, NAN, 7};
    tl_svg_box bx[2] = {{"M1 JP alone", 0, a, 5}, {"M1 JP shared", 1, b, 4}};
    const char *lab[2] = {"alone", "shared"};
    memset(buf, 0, sizeof buf);
    f = fmemopen(buf, sizeof buf - 1, "w");
    assert_int_equal(tl_svg_boxes(f, "first track", "s", lab, bx, 2), TL_OK);
    fclose(f);
    assert_int_equal(count(buf, "<circle"), 8);
    assert_int_equal(count(buf, "<svg "), 1);
    assert_non_null(strstr(buf, "</svg>\n"));
}

static tl_scenario sc;

static void load_srbm(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/eval/srbm.yaml", tl_test_source_dir());
    tl_diag d;
    tl_diag_init(&d);
    int rc = tl_scenario_load(path, &sc, &d);
    for (size_t i = 0; i < d.n && i < d.cap; i++)
        fprintf(stderr, "%s\n", d.msg[i]);
    tl_diag_free(&d);
    assert_int_equal(rc, TL_OK);
}

/* Every field equal (doubles bit for bit, so NANs match); config and run not compared. */
static void assert_same_row(const tl_eval_row *a, const tl_eval_row *b)
{
    const double da[] = {a->first_track_s, a->final_err_m,     a->final_dt_s,   a->final_sma_m,
                         a->decision_s,    a->decision_lead_s, a->first_alert_s};
    const double db[] = {b->first_track_s, b->final_err_m,     b->final_dt_s,   b->final_sma_m,
                         b->decision_s,    b->decision_lead_s, b->first_alert_s};
    assert_memory_equal(da, db, sizeof da);
    const int ia[] = {a->launch,  a->nation,     a->has_pred, a->final_inside, a->verdict,
                      a->decides, a->verdict_ok, a->alerts,   a->false_alert,  a->missed_alert};
    const int ib[] = {b->launch,  b->nation,     b->has_pred, b->final_inside, b->verdict,
                      b->decides, b->verdict_ok, b->alerts,   b->false_alert,  b->missed_alert};
    assert_memory_equal(ia, ib, sizeof ia);
}

static const tl_eval_row *row(const tl_eval_result *r, int run, int k, int c)
{
    return &r->rows[tl_eval_row_index(r, run, 0, k, c)];
}

static void test_shared_vs_alone(void **state)
{
    (void)state;
    load_srbm();
    tl_eval_cfg cfg;
    tl_eval_cfg_default(&cfg);
    cfg.runs = 2;
    cfg.seed = 1000;
    tl_eval_result r;
    tl_err err;
    int rc = tl_eval_run(&sc, "srbm", &cfg, &r, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TL_OK);
    assert_int_equal(r.n_launches, 1);
    assert_int_equal(r.launch[0].truth_zone, 4); /* kr_waters, zones.h on the true impact */
    assert_int_equal(r.n_rows, 2 * 3 * 2);
    double jp_a[2], jp_s[2];
    for (int run = 0; run < 2; run++) {
        for (int k = 0; k < 3; k++)
            for (int c = 0; c < 2; c++) {
                const tl_eval_row *w = row(&r, run, k, c);
                printf(
                    "run %d %s %-6s first %.1f s, final error %.3f km (%s 95%%), verdict %d ok %d, "
                    "decision %.1f s (lead %.1f s), alerts %d false %d missed %d\n",
                    run, tl_eval_nation_name(k), c ? "shared" : "alone", w->first_track_s,
                    w->final_err_m / 1e3, w->final_inside ? "in" : "out of", w->verdict,
                    w->verdict_ok, w->decision_s, w->decision_lead_s, w->alerts, w->false_alert,
                    w->missed_alert);
                assert_int_equal(w->seed, 1000 + (uint64_t)run);
                assert_true(isfinite(w->first_track_s) && w->first_track_s > 0);
                assert_true(w->has_pred);
                assert_true(w->final_err_m < 25e3);
                assert_int_equal(w->verdict, r.launch[0].truth_zone);
                assert_int_equal(w->decides, k != 1);
                if (w->decides) {
                    assert_true(w->verdict_ok);
                    assert_true(w->decision_lead_s > 0);
                    assert_int_equal(w->missed_alert, 0); /* KR: its waters, warned in time */
                    assert_int_equal(w->false_alert, 0);
                }
            }
        jp_a[run] = row(&r, run, 0, 0)->first_track_s;
        jp_s[run] = row(&r, run, 0, 1)->first_track_s;
        assert_true(jp_s[run] <= jp_a[run]);
        /* KR's own radars see it first: its shared picture cannot be later */
        assert_true(row(&r, run, 2, 1)->first_track_s <= row(&r, run, 2, 0)->first_track_s);
        /* the error series is sampled at 0, 10, ... s: none before the first track */
        const double *e = tl_eval_series(&r, run, 0, 0, 0);
        for (size_t b = 0; b < r.launch[0].n_bins && b * 10.0 < jp_a[run] - 1; b++)
            assert_true(isnan(e[b]));
        assert_true(isfinite(e[r.launch[0].n_bins - 1]));
    }
    /* another seed, other noise: the runs differ */
    assert_true(row(&r, 0, 0, 0)->final_err_m != row(&r, 1, 0, 0)->final_err_m);
    double scratch[2];
    assert_true(tl_eval_quantile(jp_s, 2, 0.5, scratch) <
                tl_eval_quantile(jp_a, 2, 0.5, scratch) - 10);

    /* run 1 again on its own: seed 1001 as the first run of a 1-run evaluation */
    tl_eval_result r1;
    cfg.runs = 1;
    cfg.seed = 1001;
    assert_int_equal(tl_eval_run(&sc, "srbm", &cfg, &r1, &err), TL_OK);
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 2; c++) {
            assert_same_row(row(&r, 1, k, c), row(&r1, 0, k, c));
            assert_true(row(&r, 1, k, c)->seed == row(&r1, 0, k, c)->seed);
            assert_memory_equal(tl_eval_series(&r, 1, 0, k, c), tl_eval_series(&r1, 0, 0, k, c),
                                r.launch[0].n_bins * sizeof(double));
        }
    tl_eval_result_free(&r1);
    tl_eval_result_free(&r);
    tl_scenario_free(&sc);
}

/* JP and KR without the US: no link between them, so sharing changes nothing. */
static void test_no_hub_no_sharing(void **state)
{
    (void)state;
    load_srbm();
    tl_eval_cfg cfg;
    tl_eval_cfg_default(&cfg);
    cfg.nations_mask = 1u | 4u;
    cfg.seed = 5;
    tl_eval_result r;
    tl_err err;
    assert_int_equal(tl_eval_run(&sc, "srbm", &cfg, &r, &err), TL_OK);
    for (int k = 0; k < 3; k += 2) {
        assert_true(isfinite(row(&r, 0, k, 0)->first_track_s));
        assert_same_row(row(&r, 0, k, 0), row(&r, 0, k, 1));
    }
    assert_true(isnan(row(&r, 0, 1, 0)->first_track_s)); /* the US took no part */
    tl_eval_result_free(&r);
    tl_scenario_free(&sc);
}

static void test_bad_cfg(void **state)
{
    (void)state;
    load_srbm();
    tl_eval_cfg cfg;
    tl_eval_cfg_default(&cfg);
    tl_eval_result r;
    tl_err err;
    cfg.runs = 0;
    assert_int_equal(tl_eval_run(&sc, "srbm", &cfg, &r, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "runs"));
    cfg.runs = TL_EVAL_MAX_RUNS + 1;
    assert_int_equal(tl_eval_run(&sc, "srbm", &cfg, &r, &err), TL_EINVAL);
    cfg.runs = 1;
    cfg.bin_s = 0;
    assert_int_equal(tl_eval_run(&sc, "srbm", &cfg, &r, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "bin_s"));
    cfg.bin_s = 10;
    cfg.nations_mask = 0;
    assert_int_equal(tl_eval_run(&sc, "srbm", &cfg, &r, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "nations"));
    tl_eval_result_free(NULL);
    tl_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile_closed_form),
        cmocka_unit_test(test_svg_structure),
        cmocka_unit_test(test_bad_cfg),
        cmocka_unit_test(test_no_hub_no_sharing),
        cmocka_unit_test(test_shared_vs_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
