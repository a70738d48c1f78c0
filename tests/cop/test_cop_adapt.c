/* test_cop_adapt.c — filling COP structs from the node's products: a system track built
 * from a known geodetic point and ENU velocity comes back as that point and velocity
 * (GeographicLib CartConvert as the oracle for the ECEF point when installed); threat and
 * verdict fields map one to one; the flight path keeps its first and newest points when it
 * overflows; and an alert chain from the real alert state machine (Alert, then Cancel
 * referencing it) arrives with its types, references and track id. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_test.h"
#include "trilink/cop.h"

#define DEG (180.0 / M_PI)

static void test_track_from_system(void **state)
{
    (void)state;
    const double lat = 40.5, lon = 135.25, h = 312345.6;
    tl_system_track st;
    memset(&st, 0, sizeof st);
    st.stn = 42;
    st.est.t_ns = 1795587200123456789LL;
    /* ECEF of the point from GeographicLib when available, else from geo.h */
    char out[256];
    if (tl_test_have("CartConvert")) {
        char in[128];
        snprintf(in, sizeof in, "%.10f %.10f %.4f\n", lat, lon, h);
        assert_int_equal(tl_test_run("CartConvert -p 9", in, out, sizeof out), 0);
        assert_int_equal(sscanf(out, "%lf %lf %lf", &st.est.x[0], &st.est.x[1], &st.est.x[2]), 3);
    } else {
        printf("SKIP: CartConvert not installed, ECEF from geo.h\n");
        tl_geodetic g = {lat / DEG, lon / DEG, h};
        tl_geodetic_to_ecef(&g, st.est.x);
    }
    const double v_enu[3] = {1234.5, -2345.6, -3456.7};
    tl_vec_enu_to_ecef(lat / DEG, lon / DEG, v_enu, st.est.x + 3);
    st.est.P[0][0] = 100.0, st.est.P[1][1] = 400.0, st.est.P[2][2] = 1100.0;
    st.n_contrib = 3;
    snprintf(st.contrib[0].nation, TL_NATION_LEN, "JP");
    snprintf(st.contrib[1].nation, TL_NATION_LEN, "US");
    snprintf(st.contrib[2].nation, TL_NATION_LEN, "JP"); /* two JP tracks: one nation */
    snprintf(st.best_nation, TL_NATION_LEN, "US");

    tl_cop_track t;
    tl_cop_track_init(&t);
    t.phase = TL_PHASE_MIDCOURSE;
    tl_cop_track_from_system(&t, &st);
    assert_string_equal(t.id, "T000042");
    assert_true(t.t_ns == st.est.t_ns);
    assert_near(t.lat_rad * DEG, lat, 1e-9);
    assert_near(t.lon_rad * DEG, lon, 1e-9);
    assert_near(t.h_m, h, 1e-3);
    for (int i = 0; i < 3; i++)
        assert_near(t.vel_enu_mps[i], v_enu[i], 1e-6);
    assert_near(t.pos_sigma_m, 40.0, 1e-12);
    assert_int_equal(t.n_contributors, 2);
    assert_string_equal(t.contributors[0], "JP");
    assert_string_equal(t.contributors[1], "US");
    assert_string_equal(t.best_nation, "US");
    assert_int_equal(t.phase, TL_PHASE_MIDCOURSE); /* left alone */
    assert_int_equal(t.cls, -1);
}

static void test_threat_and_verdict(void **state)
{
    (void)state;
    tl_threat_pred tp;
    memset(&tp, 0, sizeof tp);
    tp.impact.status = TL_PRED_IMPACT;
    tp.impact.point = (tl_geodetic){41.9 / DEG, 136.6 / DEG, 0.0};
    tp.impact.t_ns = 1795590780000000000LL;
    tp.impact.ell.semi_major_m = 21000.0, tp.impact.ell.semi_minor_m = 7000.0;
    tp.impact.ell.major_az_rad = 1.2;
    tp.launch.status = TL_PRED_IMPACT;
    tp.launch.point = (tl_geodetic){39.2 / DEG, 125.7 / DEG, 30.0};
    tp.launch.t_ns = 1795586400000000000LL;
    tp.launch.ell.semi_major_m = 5000.0, tp.launch.ell.semi_minor_m = 2000.0;
    tp.launch.ell.major_az_rad = 0.3;
    tp.apogee_h_m = 6.0e6, tp.range_m = 9.5e5, tp.cls = TL_CLASS_SRBM;
    tp.cls_energy = TL_CLASS_ICBM, tp.loft = TL_LOFT_LOFTED;
    tl_zone_verdict v;
    memset(&v, 0, sizeof v);
    v.p[TL_ZONE_JP_EEZ] = 0.8, v.p[TL_ZONE_OPEN_SEA] = 0.15, v.p[TL_ZONE_KP_LAND] = 0.05;

    tl_cop_picture *p = malloc(sizeof *p);
    tl_cop_picture_init(p);
    tl_cop_track *t = &p->tracks[p->n_tracks++];
    tl_cop_track_init(t);
    tl_cop_track_set_threat(t, &tp, &v);
    assert_int_equal(t->cls, TL_CLASS_SRBM);
    assert_int_equal(t->loft, TL_LOFT_LOFTED);
    assert_near(t->apogee_m, 6.0e6, 0.0);
    assert_near(t->range_m, 9.5e5, 0.0);
    assert_true(t->impact.valid && t->launch.valid);
    assert_near(t->impact.ell.lat_rad * DEG, 41.9, 1e-12);
    assert_near(t->impact.ell.orient_rad, 1.2, 0.0);
    assert_near(t->launch.ell.semi_minor_m, 2000.0, 0.0);
    assert_true(t->impact.t_ns == tp.impact.t_ns && t->launch.t_ns == tp.launch.t_ns);
    for (int z = 0; z < TL_ZONE_COUNT; z++)
        assert_near(t->impact.p_zone[z], v.p[z], 0.0);
    size_t len;
    static char json[1 << 16];
    assert_int_equal(tl_cop_picture_to_json(p, json, sizeof json, &len, NULL), TL_OK);
    assert_non_null(strstr(json, "\"verdict\":\"jp_eez\""));
    assert_non_null(strstr(json, "\"kp_land\":0.0500"));

    /* no verdict yet: probabilities unknown, no verdict claimed */
    tl_cop_track_set_threat(t, &tp, NULL);
    assert_true(isnan(t->impact.p_zone[TL_ZONE_JP_EEZ]));
    assert_int_equal(tl_cop_picture_to_json(p, json, sizeof json, &len, NULL), TL_OK);
    assert_non_null(strstr(json, "\"verdict\":null"));
    assert_non_null(strstr(json, "\"jp_eez\":null"));

    /* a space launch: no impact, no range, class SLV */
    tp.impact.status = TL_PRED_ORBIT, tp.space_launch = 1, tp.range_m = 0.0;
    tl_cop_track_set_threat(t, &tp, &v);
    assert_false(t->impact.valid);
    assert_int_equal(t->cls, TL_CLASS_SLV);
    assert_true(isnan(t->range_m));
    free(p);
}

static void test_history_overflow(void **state)
{
    (void)state;
    tl_cop_track t;
    tl_cop_track_init(&t);
    const int n = 1000;
    for (int k = 0; k < n; k++) {
        tl_cop_point pt = {.t_ns = (int64_t)k * 1000000000LL,
                           .lat_rad = 0.7,
                           .lon_rad = 2.2,
                           .h_m = k,
                           .phase = k < 60 ? TL_PHASE_BOOST : TL_PHASE_MIDCOURSE};
        tl_cop_track_push_history(&t, &pt);
        assert_true(t.n_history >= 1 && t.n_history <= TL_COP_MAX_HISTORY);
        assert_true(t.history[0].t_ns == 0);                     /* first detection */
        assert_true(t.history[t.n_history - 1].t_ns == pt.t_ns); /* newest */
    }
    for (int i = 1; i < t.n_history; i++)
        assert_true(t.history[i].t_ns > t.history[i - 1].t_ns);
    /* at least half the capacity is in use: the path is not thinned more than needed */
    assert_true(t.n_history > TL_COP_MAX_HISTORY / 2);
}

static void test_predicted_samples(void **state)
{
    (void)state;
    tl_track_sample s[500];
    for (int i = 0; i < 500; i++)
        s[i] = (tl_track_sample){.t_ns = i * 2000000000LL,
                                 .lat_rad = 0.7 + 1e-4 * i,
                                 .lon_rad = 2.2,
                                 .h_m = 4.0 * 1e6 * (i / 499.0) * (1 - i / 499.0)};
    tl_cop_track t;
    tl_cop_track_init(&t);
    tl_cop_track_set_predicted(&t, s, 500);
    assert_int_equal(t.n_predicted, TL_COP_MAX_PREDICTED);
    assert_true(t.predicted[0].t_ns == s[0].t_ns);
    assert_true(t.predicted[TL_COP_MAX_PREDICTED - 1].t_ns == s[499].t_ns); /* the impact */
    assert_int_equal(t.predicted[TL_COP_MAX_PREDICTED - 1].phase, TL_PHASE_TERMINAL);
    assert_int_equal(t.predicted[TL_COP_MAX_PREDICTED / 2].phase, TL_PHASE_MIDCOURSE);
    tl_cop_track_set_predicted(&t, s, 3);
    assert_int_equal(t.n_predicted, 3);
    assert_true(t.predicted[2].t_ns == s[2].t_ns);
}

static void test_alert_chain(void **state)
{
    (void)state;
    tl_alert_cfg cfg;
    tl_alert_cfg_default(&cfg, TL_ALERT_NATION_JP);
    tl_alert a;
    tl_err err;
    assert_int_equal(tl_alert_init(&a, &cfg, &err), TL_OK);
    tl_alert_input in;
    memset(&in, 0, sizeof in);
    in.object_id = 7;
    in.verdict.lat_rad = 41.9 / DEG, in.verdict.lon_rad = 136.6 / DEG;
    in.verdict.ellipse = (tl_ellipse95){60000.0, 20000.0, 1.0};
    in.verdict.t_impact_ns = 1795590780000000000LL;
    in.verdict.cls_likely = TL_ZONE_JP_EEZ;

    tl_cop_alert cop_msgs[8];
    char first_id[TL_ALERT_ID_LEN] = "";
    int n = 0;
    for (int k = 0; k < 40 && n < 8; k++) {
        double p_jp = k < 5 ? 0.9 : 0.0; /* risk, then none: Alert ... Cancel */
        memset(in.verdict.p, 0, sizeof in.verdict.p);
        in.verdict.p[TL_ZONE_JP_EEZ] = p_jp;
        in.verdict.p[TL_ZONE_OPEN_SEA] = 1.0 - p_jp;
        in.verdict.p_jp = p_jp;
        in.t_ns = 1795586400000000000LL + (int64_t)k * 1000000000LL;
        in.verdict.time_to_impact_s = (double)(in.verdict.t_impact_ns - in.t_ns) * 1e-9;
        tl_alert_msg m;
        if (tl_alert_step(&a, &in, &m, &err) != TL_OK)
            fail_msg("tl_alert_step: %s", err.msg);
        if (m.type == TL_ALERT_NONE) {
            assert_int_equal(tl_cop_alert_from_msg(&cop_msgs[n], &m, &cfg, &err), TL_EINVAL);
            continue;
        }
        if (!first_id[0])
            snprintf(first_id, sizeof first_id, "%s", m.identifier);
        assert_int_equal(tl_cop_alert_from_msg(&cop_msgs[n], &m, &cfg, &err), TL_OK);
        assert_string_equal(cop_msgs[n].id, m.identifier);
        assert_int_equal(cop_msgs[n].n_references, (int)m.n_refs);
        n++;
    }
    assert_true(n >= 2);
    assert_int_equal(cop_msgs[0].msg_type, TL_COP_MSG_ALERT);
    assert_int_equal(cop_msgs[0].n_references, 0);
    assert_string_equal(cop_msgs[0].status, "Exercise");
    assert_string_equal(cop_msgs[0].track_id, "T000007");
    assert_true(cop_msgs[0].has_circle);
    assert_near(cop_msgs[0].area_radius_m, 60000.0, 0.0);
    const tl_cop_alert *last = &cop_msgs[n - 1];
    assert_int_equal(last->msg_type, TL_COP_MSG_CANCEL);
    assert_true(last->n_references >= 1);
    assert_string_equal(last->references[0], first_id); /* the cancel names the alert */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_track_from_system), cmocka_unit_test(test_threat_and_verdict),
        cmocka_unit_test(test_history_overflow),  cmocka_unit_test(test_predicted_samples),
        cmocka_unit_test(test_alert_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
