/* test_alert.c — the alert state machine and its CAP 1.2 output:
 *  - hysteresis: a probability hovering at the issue or the clear threshold makes no
 *    flapping (a threshold-only reference machine on the same input flaps, so the
 *    test can fail);
 *  - a synthetic prediction sequence shaped like the 2023-04-13 Hokkaido case (the
 *    early prediction near Hokkaido, then a tighter one in the Sea of Japan outside
 *    the EEZ): Alert, Update(s), Cancel referencing the Alert, then silence;
 *  - no alert for impacts far from Japan; overflight alerts; Korea's machine;
 *  - every CAP document written here passes `xmllint --noout` and the independent
 *    npm parser @dec112/cap-ts with the CAP rules in tests/js/check-cap.js; escaped
 *    text round-trips through xmllint's XPath. */
#include "tl_test.h"
#include "trilink/alert.h"
#include "trilink/zones.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEC 1000000000LL
/* 2023-04-12T22:50:00Z = 07:50 JST on 2023-04-13 */
#define T0 (1681339800LL * SEC)

static tl_zones *Z;
static char dir[256];
static char files[512][400];
static int nfiles;

static int setup(void **state)
{
    (void)state;
    if (tl_test_zones_load(&Z))
        return -1;
    snprintf(dir, sizeof dir, "%s/test_alert_cap.XXXXXX", tl_test_build_dir());
    if (!mkdtemp(dir)) {
        snprintf(dir, sizeof dir, "/tmp/test_alert_cap.XXXXXX");
        if (!mkdtemp(dir))
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (getenv("TL_KEEP_CAP")) {
        fprintf(stderr, "CAP documents kept in %s\n", dir);
    } else {
        for (int i = 0; i < nfiles; i++)
            unlink(files[i]);
        rmdir(dir);
    }
    tl_zones_destroy(Z);
    return 0;
}

/* Write msg as CAP into the test directory, to be validated at the end. */
static void keep_cap(const tl_alert_msg *m, const tl_alert_cfg *cfg)
{
    static char xml[16384];
    size_t len = 0;
    tl_err err;
    if (tl_alert_cap_xml(m, cfg, xml, sizeof xml, &len, &err) != TL_OK)
        fail_msg("cap: %s", err.msg);
    assert_int_equal(strlen(xml), len);
    assert_true(nfiles < 512);
    snprintf(files[nfiles], sizeof files[nfiles], "%s/%03d-%s.xml", dir, nfiles, m->identifier);
    FILE *f = fopen(files[nfiles], "w");
    assert_non_null(f);
    fwrite(xml, 1, len, f);
    fclose(f);
    nfiles++;
}

/* A verdict with given probabilities (the rest open sea) and a round ellipse. */
static tl_zone_verdict synth(double p_eez, double p_terr, double lat, double lon, double semi_m,
                             int64_t t_impact_ns)
{
    tl_zone_verdict v;
    memset(&v, 0, sizeof v);
    v.lat_rad = lat * TL_DEG;
    v.lon_rad = lon * TL_DEG;
    v.p[TL_ZONE_JP_EEZ] = p_eez;
    v.p[TL_ZONE_JP_TERRITORY] = p_terr;
    v.p[TL_ZONE_OPEN_SEA] = 1 - p_eez - p_terr;
    v.p_jp = p_eez + p_terr;
    v.cls_mean = v.cls_likely = p_eez + p_terr > 0.5 ? TL_ZONE_JP_EEZ : TL_ZONE_OPEN_SEA;
    v.ellipse = (tl_ellipse95){semi_m, semi_m, 0};
    v.t_impact_ns = t_impact_ns;
    return v;
}

typedef struct counts {
    int alert, update, cancel;
    tl_alert_msg first_alert, last_cancel;
} counts;

static void tally(counts *c, const tl_alert_msg *m, const tl_alert_cfg *cfg)
{
    if (m->type == TL_ALERT_NONE)
        return;
    keep_cap(m, cfg);
    if (m->type == TL_ALERT_ALERT) {
        if (!c->alert)
            c->first_alert = *m;
        c->alert++;
    } else if (m->type == TL_ALERT_UPDATE) {
        c->update++;
    } else {
        c->cancel++;
        c->last_cancel = *m;
    }
}

static void test_no_flapping(void **state)
{
    (void)state;
    tl_alert_cfg cfg;
    tl_alert_cfg_default(&cfg, TL_ALERT_NATION_JP);
    tl_alert a;
    /* The default confirmation asks for the risk held over 5 s of looks: hovering at
     * p_issue (above for at most ~4.5 s at a time) never confirms. */
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    for (int k = 0; k < 200; k++) {
        double p = cfg.p_issue + 0.03 * sin(0.7 * k);
        tl_alert_input in = {T0 + k * SEC, 7, synth(p, 0, 41.0, 137.5, 60e3, T0 + 400 * SEC), 0, 0};
        tl_alert_msg m;
        assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
        assert_int_equal(m.type, TL_ALERT_NONE);
    }
    /* The hysteresis once issued: count-only confirmation, so the first two inputs
     * above p_issue issue and the hover must then stay quiet. */
    cfg.issue_confirm_ns = 0;
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    counts c = {0};
    int naive_flips = 0, naive_on = 0;
    /* 1) hovering at p_issue = 0.2: 0.17 .. 0.23 for 200 s */
    for (int k = 0; k < 200; k++) {
        double p = cfg.p_issue + 0.03 * sin(0.7 * k);
        tl_alert_input in = {T0 + k * SEC, 7, synth(p, 0, 41.0, 137.5, 60e3, T0 + 400 * SEC), 0, 0};
        tl_alert_msg m;
        assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
        tally(&c, &m, &cfg);
        int on = p >= cfg.p_issue; /* reference: threshold only, no hysteresis */
        naive_flips += on != naive_on;
        naive_on = on;
    }
    print_message("hovering at p_issue: %d alert, %d update, %d cancel; threshold-only: %d flips\n",
                  c.alert, c.update, c.cancel, naive_flips);
    assert_int_equal(c.alert, 1);
    assert_int_equal(c.update, 0);
    assert_int_equal(c.cancel, 0);
    assert_true(naive_flips > 20);
    /* 2) hovering at p_clear = 0.05 (0.04 / 0.06 alternating every second): still no cancel */
    for (int k = 200; k < 300; k++) {
        double p = (k % 2) ? 0.06 : 0.04;
        tl_alert_input in = {T0 + k * SEC, 7, synth(p, 0, 41.0, 137.5, 60e3, T0 + 400 * SEC), 0, 0};
        tl_alert_msg m;
        assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
        tally(&c, &m, &cfg);
    }
    assert_int_equal(c.cancel, 0);
    assert_int_equal(c.update, 0); /* a 0.15 drop is below update_dp */
    /* 3) clearly below for longer than the hold: exactly one cancel, on time */
    int64_t t_below = T0 + 300 * SEC, t_cancel = -1;
    for (int k = 300; k < 330; k++) {
        tl_alert_input in = {T0 + k * SEC, 7, synth(0.01, 0, 41.0, 137.5, 60e3, T0 + 400 * SEC), 0,
                             0};
        tl_alert_msg m;
        assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
        if (m.type == TL_ALERT_CANCEL)
            t_cancel = m.sent_ns;
        tally(&c, &m, &cfg);
    }
    assert_int_equal(c.cancel, 1);
    assert_int_equal(t_cancel - t_below, cfg.clear_hold_ns);
    assert_int_equal(c.last_cancel.n_refs, 1);
    assert_string_equal(tl_alert_msg_ref_id(&c.last_cancel, 0), c.first_alert.identifier);
}

/* A prediction that stays in the EEZ while it tightens: the alert is updated as the
 * ellipse shrinks (reason "tighter"), at most once per update_min_interval_ns. */
/* A single prediction above p_issue (a young track's wide ellipse, as the demo's S1
 * gave: 0.49 once, then 0.002) issues nothing; the same risk held on consecutive
 * predictions of new information spanning issue_confirm_ns (5 s) issues at the one that
 * completes the span; predictions re-made from one track update (the same information
 * time) confirm nothing; a risk of p_issue_now issues at once. */
static void test_issue_confirmation(void **state)
{
    (void)state;
    tl_alert_cfg cfg;
    tl_alert_cfg_default(&cfg, TL_ALERT_NATION_JP);
    assert_int_equal(cfg.issue_confirm_n, 2);
    assert_true(cfg.issue_confirm_ns == 5 * SEC);
    tl_alert a;
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    /* 3 s apart: 0.25 then 0.3 spans 3 s (not yet), the next 0.3 spans 6 s */
    const double seq[] = {0.0, 0.49, 0.002, 0.0, 0.3, 0.0, 0.25, 0.3, 0.3, 0.3};
    int first_alert = -1, n_alert = 0;
    for (int k = 0; k < 10; k++) {
        tl_alert_input in = {T0 + 3 * k * SEC, 7,
                             synth(seq[k], 0, 39.9, 134.6, 60e3, T0 + 400 * SEC), 0, 0};
        tl_alert_msg m;
        assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
        if (m.type == TL_ALERT_ALERT && first_alert < 0)
            first_alert = k;
        n_alert += m.type == TL_ALERT_ALERT;
    }
    assert_int_equal(first_alert, 8);
    assert_int_equal(n_alert, 1);
    /* one track update predicted again every 2 s for 20 s: one look, no Alert; the
     * first prediction of a newer update at least 5 s later issues */
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    int64_t t_alert = -1;
    for (int k = 0; k < 14; k++) {
        int64_t t = T0 + 2 * k * SEC, info = k < 10 ? T0 - SEC : t - SEC;
        tl_alert_input in = {t, 7, synth(0.4, 0, 39.9, 134.6, 60e3, T0 + 400 * SEC), 0, info};
        tl_alert_msg m;
        assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
        if (m.type == TL_ALERT_ALERT)
            t_alert = t;
    }
    assert_true(t_alert == T0 + 20 * SEC);
    /* issue_confirm_ns = 0 restores the count-only rule: 0.25 then 0.3 issues at the second */
    cfg.issue_confirm_ns = 0;
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    first_alert = -1;
    for (int k = 0; k < 8; k++) {
        tl_alert_input in = {T0 + 3 * k * SEC, 7,
                             synth(seq[k], 0, 39.9, 134.6, 60e3, T0 + 400 * SEC), 0, 0};
        tl_alert_msg m;
        assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
        if (m.type == TL_ALERT_ALERT && first_alert < 0)
            first_alert = k;
    }
    assert_int_equal(first_alert, 7);
    cfg.issue_confirm_ns = 5 * SEC;
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    tl_alert_input in = {T0, 7, synth(0.85, 0, 39.9, 134.6, 60e3, T0 + 400 * SEC), 0, 0};
    tl_alert_msg m;
    assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
    assert_int_equal(m.type, TL_ALERT_ALERT);
    cfg.issue_confirm_n = 1; /* the oldest behaviour: the single 0.49 issues */
    cfg.issue_confirm_ns = 0;
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    in.verdict = synth(0.49, 0, 39.9, 134.6, 60e3, T0 + 400 * SEC);
    assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
    assert_int_equal(m.type, TL_ALERT_ALERT);
    tl_err err;
    cfg.issue_confirm_n = 0;
    assert_int_equal(tl_alert_init(&a, &cfg, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "issue_confirm_n"));
    cfg.issue_confirm_n = 2;
    cfg.issue_confirm_ns = -1;
    assert_int_equal(tl_alert_init(&a, &cfg, &err), TL_EINVAL);
    cfg.issue_confirm_ns = 5 * SEC;
    cfg.p_issue_now = 0.1;
    assert_int_equal(tl_alert_init(&a, &cfg, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "p_issue_now"));
}

static void test_update_on_tightening(void **state)
{
    (void)state;
    tl_alert_cfg cfg;
    tl_alert_cfg_default(&cfg, TL_ALERT_NATION_JP);
    tl_alert a;
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    counts c = {0};
    int tighter = 0;
    int64_t last_sent = -1;
    for (int k = 0; k < 60; k++) {
        double semi = 200e3 * pow(0.5, k / 8.0); /* halves every 8 s */
        tl_alert_input in = {T0 + k * SEC, 8, synth(0.9, 0.05, 39.0, 137.0, semi, T0 + 300 * SEC),
                             0, 0};
        tl_alert_msg m;
        assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
        if (m.type == TL_ALERT_UPDATE) {
            assert_int_equal(m.reason, TL_ALERT_R_TIGHTER);
            assert_true(m.sent_ns - last_sent >= cfg.update_min_interval_ns);
            tighter++;
        }
        if (m.type != TL_ALERT_NONE)
            last_sent = m.sent_ns;
        tally(&c, &m, &cfg);
    }
    assert_int_equal(c.alert, 1);
    assert_int_equal(c.cancel, 0);
    /* the area halves every 4 s, but updates are limited to one per 5 s: about 11 in 60 s */
    print_message("tightening: %d updates\n", tighter);
    assert_true(tighter >= 9 && tighter <= 12);
}

/* The 2023-04-13 case, synthetically: J-Alert at 07:55 JST warned that a missile
 * could fall in or around Hokkaido; at 08:16 it was corrected: no possibility of
 * falling there (the missile came down in the Sea of Japan outside the EEZ).
 * Predictions every 2 s: the mean slides from the Ishikari coast (43.2N 141.2E) to
 * 40.8N 133.5E over 120 s while the 95% ellipse shrinks from 300 km to 20 km. */
static void test_hokkaido_2023_sequence(void **state)
{
    (void)state;
    tl_alert_cfg cfg;
    tl_alert_cfg_default(&cfg, TL_ALERT_NATION_JP);
    tl_alert a;
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    counts c = {0};
    tl_alert_type seq[64];
    int nseq = 0;
    const int64_t t_imp = T0 + 600 * SEC;
    for (int k = 0; k <= 100; k++) {
        double f = fmin(1.0, k / 60.0);
        double lat = 43.2 + f * (40.8 - 43.2), lon = 141.2 + f * (133.5 - 141.2);
        double semi = 300e3 * pow(20e3 / 300e3, f);
        tl_ellipse95 e = {semi, semi, 0};
        tl_zone_impact imp = {lat * TL_DEG, lon * TL_DEG, {{0}}, t_imp};
        tl_cov_from_ellipse95(&e, imp.cov_en_m2);
        tl_alert_input in = {.t_ns = T0 + k * 2 * SEC, .object_id = 42};
        assert_int_equal(tl_zones_verdict(Z, &imp, in.t_ns, &in.verdict, NULL), TL_OK);
        tl_alert_msg m;
        assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
        if (m.type != TL_ALERT_NONE) {
            print_message("t+%3ds %-6s %-12s risk %.3f p_terr %.3f likely %s\n", k * 2,
                          tl_alert_type_name(m.type), tl_alert_reason_name(m.reason), m.risk,
                          m.p_territory, tl_zone_class_name(m.cls_likely));
            assert_true(nseq < 64);
            seq[nseq++] = m.type;
            assert_near(m.time_to_impact_s, (double)(t_imp - in.t_ns) * 1e-9, 1e-9);
        }
        tally(&c, &m, &cfg);
    }
    assert_true(nseq >= 3);
    assert_int_equal(seq[0], TL_ALERT_ALERT);
    assert_int_equal(c.first_alert.reason, TL_ALERT_R_IMPACT_RISK);
    assert_int_equal(seq[nseq - 1], TL_ALERT_CANCEL);
    for (int i = 1; i < nseq - 1; i++)
        assert_int_equal(seq[i], TL_ALERT_UPDATE);
    assert_true(c.update >= 1);
    assert_int_equal(c.alert, 1);
    assert_int_equal(c.cancel, 1);
    assert_string_equal(tl_alert_msg_ref_id(&c.last_cancel, 0), c.first_alert.identifier);
    assert_int_equal(c.last_cancel.n_refs, (size_t)(c.update + 1));
    /* the final prediction is outside the EEZ with certainty */
    assert_true(c.last_cancel.p_zone < cfg.p_clear);
    assert_false(c.last_cancel.overflight);
}

static void test_no_alert_far_off(void **state)
{
    (void)state;
    static const double where[][2] = {
        {30.0, 170.0}, /* mid-Pacific, outside the data region */
        {40.0, 170.0}, /* like the 2022-10-04 IRBM's fall, 3,200 km east of Japan */
        {31.0, 123.5}, /* East China Sea off Shanghai */
        {40.0, 131.5}, /* Sea of Japan, 2023-03-16-like, 550 km from the peninsula */
        {39.5, 124.0}, /* Korea Bay */
    };
    for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
        tl_alert_cfg cfg;
        tl_alert_cfg_default(&cfg, TL_ALERT_NATION_JP);
        tl_alert a;
        assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
        for (int k = 0; k < 40; k++) {
            double semi = 100e3 * pow(0.9, k);
            tl_ellipse95 e = {semi, 0.6 * semi, 0.3};
            tl_zone_impact imp = {
                where[w][0] * TL_DEG, where[w][1] * TL_DEG, {{0}}, T0 + 900 * SEC};
            tl_cov_from_ellipse95(&e, imp.cov_en_m2);
            tl_alert_input in = {.t_ns = T0 + k * SEC, .object_id = 3};
            assert_int_equal(tl_zones_verdict(Z, &imp, in.t_ns, &in.verdict, NULL), TL_OK);
            tl_alert_msg m;
            assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
            if (m.type != TL_ALERT_NONE)
                fail_msg("alert for an impact at %.1fN %.1fE (p_jp %.3f)", where[w][0], where[w][1],
                         in.verdict.p_jp);
        }
    }
}

/* An overflight (2022-10-04: over Aomori, fell 3,200 km east): alert on overflight
 * although the impact is far; cancelled when the re-assessed track no longer crosses. */
static void test_overflight_alert(void **state)
{
    (void)state;
    tl_alert_cfg cfg;
    tl_alert_cfg_default(&cfg, TL_ALERT_NATION_JP);
    cfg.status = TL_ALERT_STATUS_ACTUAL;
    tl_alert a;
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    counts c = {0};
    for (int k = 0; k < 60; k++) {
        tl_alert_input in = {T0 + k * SEC, 9, synth(0, 0, 40.0, 170.0, 200e3, T0 + 1300 * SEC),
                             k < 30 ? 0.9 : 0.0, 0};
        in.verdict.p[TL_ZONE_OPEN_SEA] = 0;
        in.verdict.p[TL_ZONE_ELSEWHERE] = 1;
        in.verdict.cls_likely = TL_ZONE_ELSEWHERE;
        tl_alert_msg m;
        assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
        if (m.type == TL_ALERT_ALERT)
            assert_int_equal(m.reason, TL_ALERT_R_OVERFLIGHT);
        tally(&c, &m, &cfg);
    }
    assert_int_equal(c.alert, 1);
    assert_int_equal(c.cancel, 1);
    assert_int_equal(c.update, 0); /* below p_clear, only the cancel (after the hold) is sent */
    assert_int_equal(c.last_cancel.sent_ns, T0 + 40 * SEC);
    assert_true(c.first_alert.overflight && c.last_cancel.overflight);
}

/* Korea's machine alerts for Korean waters; Japan's does not for the same input. */
static void test_korea(void **state)
{
    (void)state;
    tl_alert_cfg jc, kc;
    tl_alert_cfg_default(&jc, TL_ALERT_NATION_JP);
    tl_alert_cfg_default(&kc, TL_ALERT_NATION_KR);
    tl_alert ja, ka;
    assert_int_equal(tl_alert_init(&ja, &jc, NULL), TL_OK);
    assert_int_equal(tl_alert_init(&ka, &kc, NULL), TL_OK);
    /* 40 km east of Pohang (36.02N 129.37E): Korean waters */
    tl_ellipse95 e = {15e3, 8e3, 0.5};
    tl_zone_impact imp = {36.05 * TL_DEG, 129.85 * TL_DEG, {{0}}, T0 + 300 * SEC};
    tl_cov_from_ellipse95(&e, imp.cov_en_m2);
    tl_alert_input in = {.t_ns = T0, .object_id = 11};
    assert_int_equal(tl_zones_verdict(Z, &imp, in.t_ns, &in.verdict, NULL), TL_OK);
    assert_true(in.verdict.p_kr > 0.9);
    tl_alert_msg mj, mk;
    assert_int_equal(tl_alert_step(&ja, &in, &mj, NULL), TL_OK);
    assert_int_equal(tl_alert_step(&ka, &in, &mk, NULL), TL_OK);
    assert_int_equal(mj.type, TL_ALERT_NONE);
    assert_int_equal(mk.type, TL_ALERT_ALERT);
    assert_non_null(strstr(mk.identifier, "TRILINK-KR-T000011-"));
    keep_cap(&mk, &kc);
}

static void test_bad_input(void **state)
{
    (void)state;
    tl_alert_cfg cfg;
    tl_alert_cfg_default(&cfg, TL_ALERT_NATION_JP);
    tl_alert a;
    tl_err err;
    tl_alert_cfg bad = cfg;
    snprintf(bad.sender, sizeof bad.sender, "a b");
    assert_int_equal(tl_alert_init(&a, &bad, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "sender"));
    bad = cfg;
    bad.p_clear = 0.3;
    assert_int_equal(tl_alert_init(&a, &bad, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "p_clear"));
    assert_int_equal(tl_alert_init(&a, &cfg, &err), TL_OK);
    tl_alert_input in = {T0 + 10 * SEC, 1, synth(0.9, 0, 41, 137, 50e3, T0 + 100 * SEC), 0, 0};
    tl_alert_msg m;
    assert_int_equal(tl_alert_step(&a, &in, &m, &err), TL_OK);
    assert_int_equal(m.type, TL_ALERT_ALERT);
    tl_alert before = a;
    in.t_ns = T0; /* backwards */
    assert_int_equal(tl_alert_step(&a, &in, &m, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "t_ns"));
    in.t_ns = T0 + 20 * SEC;
    in.p_overflight = 1.5;
    assert_int_equal(tl_alert_step(&a, &in, &m, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "p_overflight"));
    assert_memory_equal(&a, &before, sizeof a);
    /* CAP: a too-small buffer, a NONE message */
    char small[200];
    assert_int_equal(tl_alert_cap_xml(&a.last, &cfg, small, sizeof small, NULL, &err), TL_EFULL);
    tl_alert_msg none;
    memset(&none, 0, sizeof none);
    assert_int_equal(tl_alert_cap_xml(&none, &cfg, small, sizeof small, NULL, &err), TL_EINVAL);
    char t[32];
    assert_int_equal(tl_alert_cap_time(T0, t, sizeof t), TL_OK);
    assert_string_equal(t, "2023-04-12T22:50:00-00:00");
}

/* Text with XML's special characters is escaped and comes back intact through an
 * independent XML reader (xmllint --xpath). */
static void test_cap_escaping(void **state)
{
    (void)state;
    tl_alert_cfg cfg;
    tl_alert_cfg_default(&cfg, TL_ALERT_NATION_JP);
    const char *name = "Drill <JP> & \"friends\" 'n' </senderName>";
    snprintf(cfg.sender_name, sizeof cfg.sender_name, "%s", name);
    tl_alert a;
    assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
    tl_alert_input in = {T0, 5, synth(0.5, 0.4, 38.5, 135.0, 0.0, T0 + 100 * SEC), 0, 0};
    tl_alert_msg m;
    assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
    assert_int_equal(m.type, TL_ALERT_ALERT);
    keep_cap(&m, &cfg); /* a collapsed ellipse: written as a circle */
    static char xml[16384];
    assert_int_equal(tl_alert_cap_xml(&m, &cfg, xml, sizeof xml, NULL, NULL), TL_OK);
    assert_non_null(strstr(xml, "<circle>"));
    assert_null(strstr(xml, "<JP>"));
    if (!tl_test_have("xmllint")) {
        print_message("SKIP: xmllint (libxml2-utils) not installed\n");
        return;
    }
    char out[512];
    assert_int_equal(tl_test_run("xmllint --xpath \"string(//*[local-name()='senderName'])\" -",
                                 xml, out, sizeof out),
                     0);
    out[strcspn(out, "\n")] = '\0';
    assert_string_equal(out, name);
}

/* Every CAP document the tests above wrote: xmllint --noout and the npm parser. */
/* After the impact time the alert is closed: a final Update stating where it fell by the
 * last prediction when that was in Japan's zones, a Cancel when it was outside; nothing
 * more is sent afterwards, and a machine that never issued sends nothing. */
static void test_close_after_impact(void **state)
{
    (void)state;
    tl_alert_cfg cfg;
    tl_alert_cfg_default(&cfg, TL_ALERT_NATION_JP);
    for (int outside = 0; outside < 2; outside++) {
        tl_alert a;
        assert_int_equal(tl_alert_init(&a, &cfg, NULL), TL_OK);
        counts c = {0};
        int64_t t_imp = T0 + 60 * SEC;
        tl_alert_msg m;
        for (int k = 0; k < 30; k++) {
            tl_alert_input in = {T0 + k * SEC, 3, synth(0.9, 0.0, 40.9, 137.5, 20e3, t_imp), 0, 0};
            assert_int_equal(tl_alert_step(&a, &in, &m, NULL), TL_OK);
            tally(&c, &m, &cfg);
        }
        assert_int_equal(c.alert, 1);
        assert_true(a.active);
        /* the last prediction (for the outside case: moved to the open sea late) */
        tl_alert_input last = {T0 + 40 * SEC, 3,
                               outside ? synth(0.01, 0.0, 41.5, 131.0, 20e3, t_imp)
                                       : synth(0.9, 0.0, 40.9, 137.5, 20e3, t_imp),
                               0, 0};
        tl_err err;
        last.t_ns = t_imp - SEC; /* before the impact time: refused */
        assert_int_equal(tl_alert_close(&a, &last, &m, &err), TL_EINVAL);
        assert_non_null(strstr(err.msg, "impact"));
        last.t_ns = t_imp + 10 * SEC;
        assert_int_equal(tl_alert_close(&a, &last, &m, NULL), TL_OK);
        tally(&c, &m, &cfg);
        if (outside) {
            assert_int_equal(m.type, TL_ALERT_CANCEL);
            assert_int_equal(m.reason, TL_ALERT_R_FELL_OUTSIDE);
        } else {
            assert_int_equal(m.type, TL_ALERT_UPDATE);
            assert_int_equal(m.reason, TL_ALERT_R_FELL);
            assert_near(m.lat_rad / TL_DEG, 40.9, 1e-9);
        }
        assert_true(m.n_refs >= 1); /* it refers to the alert's chain */
        assert_string_equal(tl_alert_msg_ref_id(&m, 0), c.first_alert.identifier);
        assert_false(a.active);
        assert_true(a.closed);
        /* closed for good: even a high risk issues nothing more */
        tl_alert_input again = {t_imp + 20 * SEC, 3, synth(0.9, 0.0, 40.9, 137.5, 20e3, t_imp), 0,
                                0};
        assert_int_equal(tl_alert_step(&a, &again, &m, NULL), TL_OK);
        assert_int_equal(m.type, TL_ALERT_NONE);
        again.t_ns += SEC;
        assert_int_equal(tl_alert_close(&a, &again, &m, NULL), TL_OK);
        assert_int_equal(m.type, TL_ALERT_NONE);
    }
    tl_alert idle; /* never issued: nothing to close */
    assert_int_equal(tl_alert_init(&idle, &cfg, NULL), TL_OK);
    tl_alert_input in = {T0 + 100 * SEC, 4, synth(0.0, 0.0, 41.0, 131.0, 20e3, T0 + 90 * SEC), 0,
                         0};
    tl_alert_msg m;
    assert_int_equal(tl_alert_close(&idle, &in, &m, NULL), TL_OK);
    assert_int_equal(m.type, TL_ALERT_NONE);
}

static void test_cap_documents_validate(void **state)
{
    (void)state;
    assert_true(nfiles >= 8);
    static char cmd[512 * 320 + 256], out[512 * 200];
    if (!tl_test_have("xmllint")) {
        print_message("SKIP: xmllint (libxml2-utils) not installed\n");
    } else {
        size_t n = (size_t)snprintf(cmd, sizeof cmd, "xmllint --noout");
        for (int i = 0; i < nfiles; i++)
            n += (size_t)snprintf(cmd + n, sizeof cmd - n, " '%s'", files[i]);
        snprintf(cmd + n, sizeof cmd - n, " 2>&1");
        int rc = tl_test_run(cmd, "", out, sizeof out);
        if (rc != 0)
            fail_msg("xmllint: %s", out);
        print_message("xmllint --noout: %d CAP documents well-formed\n", nfiles);
    }
    char modules[400];
    snprintf(modules, sizeof modules, "%s/web/node_modules/@dec112/cap-ts", tl_test_source_dir());
    struct stat st;
    if (!tl_test_have("node") || stat(modules, &st) != 0) {
        print_message(
            "SKIP: CAP parser check needs node and web/node_modules (run scripts/bootstrap)\n");
        return;
    }
    size_t n =
        (size_t)snprintf(cmd, sizeof cmd, "node '%s/tests/js/check-cap.js'", tl_test_source_dir());
    for (int i = 0; i < nfiles; i++)
        n += (size_t)snprintf(cmd + n, sizeof cmd - n, " '%s'", files[i]);
    snprintf(cmd + n, sizeof cmd - n, " 2>&1");
    int rc = tl_test_run(cmd, "", out, sizeof out);
    if (rc != 0)
        fail_msg("check-cap.js (exit %d):\n%s", rc, out);
    int ok = 0;
    for (char *p = out; (p = strstr(p, "ok ")) != NULL; p += 3)
        ok++;
    print_message("@dec112/cap-ts + CAP rules: %d of %d documents ok\n", ok, nfiles);
    assert_int_equal(ok, nfiles);

    /* The checker rejects broken documents: mutate a valid one. */
    static const char *const breaks[][2] = {
        {"<urgency>", "<urgency>Soon"},
        {"-00:00</sent>", "Z</sent>"},
        {"</polygon>", " 10.0,10.0</polygon>"},
        {"<sender>", "<sender>a b,"},
    };
    static char xml[16384];
    FILE *f = fopen(files[1], "r"); /* test_no_flapping's Cancel: references and a polygon */
    assert_non_null(f);
    size_t len = fread(xml, 1, sizeof xml - 1, f);
    fclose(f);
    xml[len] = '\0';
    int rejected = 0, tried = 0;
    for (size_t b = 0; b < sizeof breaks / sizeof breaks[0]; b++) {
        char *at = strstr(xml, breaks[b][0]);
        if (!at)
            continue;
        static char bad[16384 + 64];
        size_t pre = (size_t)(at - xml);
        snprintf(bad, sizeof bad, "%.*s%s%s", (int)pre, xml, breaks[b][1],
                 at + strlen(breaks[b][0]));
        char path[450];
        snprintf(path, sizeof path, "%s/broken.xml", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(bad, f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "node '%s/tests/js/check-cap.js' '%s' 2>&1", tl_test_source_dir(),
                 path);
        rc = tl_test_run(cmd, "", out, sizeof out);
        unlink(path);
        tried++;
        if (rc == 1 && strstr(out, "FAIL"))
            rejected++;
        else
            fail_msg("checker accepted a broken document (%s -> %s): %s", breaks[b][0],
                     breaks[b][1], out);
    }
    print_message("check-cap.js rejected %d of %d broken documents\n", rejected, tried);
    assert_int_equal(tried, 4);
    assert_int_equal(rejected, tried);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_flapping),
        cmocka_unit_test(test_issue_confirmation),
        cmocka_unit_test(test_update_on_tightening),
        cmocka_unit_test(test_hokkaido_2023_sequence),
        cmocka_unit_test(test_no_alert_far_off),
        cmocka_unit_test(test_overflight_alert),
        cmocka_unit_test(test_korea),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_cap_escaping),
        cmocka_unit_test(test_close_after_impact),
        cmocka_unit_test(test_cap_documents_validate),
    };
    return cmocka_run_group_tests_name("alert", tests, setup, teardown);
}
