/* test_cop_partners.c — partners' products and alerts in force in the COP documents:
 * the demo fixture's story (KR's products relayed by the US, one KR warning standing, one
 * withdrawn; JP's first alert cancelled, the EEZ warning standing) read back through
 * Node's JSON.parse; the in-force rules at their boundaries (supersession by references,
 * Cancel, impact time + grace, the newest partner message by origin time then seq); bad
 * partner entries rejected naming the field; hostile partner strings stay inert; metrics
 * with partners pass promtool. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_test.h"
#include "trilink/cop.h"

#define NS 1000000000LL

typedef int (*render_fn)(const tl_cop_picture *, char *, size_t, size_t *, tl_err *);

static char *render(render_fn fn, const tl_cop_picture *p)
{
    size_t len = 0;
    tl_err err;
    tl_err_clear(&err);
    assert_int_equal(fn(p, NULL, 0, &len, &err), TL_EFULL);
    char *buf = malloc(len + 1);
    assert_non_null(buf);
    if (fn(p, buf, len + 1, &len, &err))
        fail_msg("render: %s", err.msg);
    return buf;
}

static tl_cop_picture *demo(double t_s)
{
    tl_cop_picture *p = malloc(sizeof *p);
    assert_non_null(p);
    tl_cop_demo_picture(t_s, p);
    return p;
}

static int node_check(const char *mode, const char *doc, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "node '%s/tests/cop/check.cjs' %s", tl_test_source_dir(), mode);
    return tl_test_run(cmd, doc, out, cap);
}

/* The fixture at T+800 s, as the demo's script says (demo.c): the JSON must carry it. */
static void test_demo_story(void **state)
{
    (void)state;
    if (!tl_test_have("node")) {
        printf("SKIP: node not installed\n");
        skip();
    }
    tl_cop_picture *p = demo(800.0);
    char *json = render(tl_cop_picture_to_json, p);
    static char out[8192];
    if (node_check("partners", json, out, sizeof out))
        fail_msg("JSON.parse rejected the picture");
    /* every partner product carries origin and path; KR's came through the US */
    const char *want[] = {
        "launch KR KR>US KR-S1 ring=49 ",
        "impact US US US-S7 ring=49 ",
        "impact KR KR>US KR-S2 ring=49 ",
        "launch KR KR>US KR-S3 ring=49 ",
        "impact KR KR>US KR-S3 ring=49 ",
        "alert KR KR>US KR-S2 KR-ALERT-0007 Alert in_force=true\n",
        "alert KR KR>US KR-S3 KR-ALERT-0009 Cancel in_force=false\n",
        "own JP-ALERT-0001 Alert in_force=false\n", /* cancelled by 0003 */
        "own JP-ALERT-0002 Alert in_force=true\n",
        "own JP-ALERT-0003 Cancel in_force=false\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out, want[i]))
            fail_msg("missing '%s' in:\n%s", want[i], out);
    free(json);

    /* KR's SRBM fell at T+960 s: 10 s later its warning is out of force (kept for 60 s) */
    tl_cop_demo_picture(969.0, p);
    json = render(tl_cop_picture_to_json, p);
    assert_int_equal(node_check("partners", json, out, sizeof out), 0);
    assert_non_null(strstr(out, "KR-ALERT-0007 Alert in_force=true\n"));
    free(json);
    tl_cop_demo_picture(971.0, p);
    json = render(tl_cop_picture_to_json, p);
    assert_int_equal(node_check("partners", json, out, sizeof out), 0);
    assert_non_null(strstr(out, "KR-ALERT-0007 Alert in_force=false\n"));
    free(json);
    free(p);
}

static tl_cop_partner *add_partner_alert(tl_cop_picture *p, const char *origin, const char *track,
                                         tl_cop_msg_type type, int64_t origin_t_ns, uint64_t seq,
                                         int64_t impact_ns)
{
    tl_cop_partner *q = &p->partners[p->n_partners++];
    memset(q, 0, sizeof *q);
    q->kind = TL_COP_PROD_ALERT;
    snprintf(q->origin, sizeof q->origin, "%s", origin);
    snprintf(q->path[0], sizeof q->path[0], "%s", origin);
    q->n_path = 1;
    snprintf(q->track_id, sizeof q->track_id, "%s", track);
    q->msg_type = type;
    q->severity = type == TL_COP_MSG_CANCEL ? 0 : 2;
    q->origin_t_ns = origin_t_ns;
    q->seq = seq;
    q->t_ns = impact_ns;
    return q;
}

static void test_in_force_rules(void **state)
{
    (void)state;
    tl_cop_picture *p = malloc(sizeof *p);
    assert_non_null(p);
    tl_cop_picture_init(p);
    const int64_t t0 = 1000 * NS, imp = t0 + 300 * NS;
    p->scenario_t_ns = t0;
    /* own: A (alert), B (update referencing A), C (alert, unknown impact time) */
    tl_cop_alert *a = &p->alerts[p->n_alerts++];
    snprintf(a->id, sizeof a->id, "A");
    a->sent_ns = t0 - 10 * NS, a->impact_t_ns = imp;
    tl_cop_alert *b = &p->alerts[p->n_alerts++];
    snprintf(b->id, sizeof b->id, "B");
    b->msg_type = TL_COP_MSG_UPDATE, b->sent_ns = t0 - 5 * NS, b->impact_t_ns = imp;
    snprintf(b->references[b->n_references++], sizeof b->references[0], "A");
    tl_cop_alert *c = &p->alerts[p->n_alerts++];
    snprintf(c->id, sizeof c->id, "C");
    c->sent_ns = t0 - 1 * NS;
    assert_false(tl_cop_alert_in_force(p, 0)); /* superseded by B */
    assert_true(tl_cop_alert_in_force(p, 1));
    assert_true(tl_cop_alert_in_force(p, 2));
    assert_false(tl_cop_alert_in_force(p, 3)); /* out of range */
    assert_false(tl_cop_alert_in_force(p, -1));
    /* the grace boundary: in force until impact + grace, out from then on */
    p->scenario_t_ns = imp + TL_COP_ALERT_GRACE_NS - 1;
    assert_true(tl_cop_alert_in_force(p, 1));
    p->scenario_t_ns = imp + TL_COP_ALERT_GRACE_NS;
    assert_false(tl_cop_alert_in_force(p, 1));
    assert_true(tl_cop_alert_in_force(p, 2)); /* no impact time: only a Cancel ends it */
    b->msg_type = TL_COP_MSG_CANCEL;
    p->scenario_t_ns = t0;
    assert_false(tl_cop_alert_in_force(p, 1));

    /* partners: the newest message of each (origin, track) chain decides */
    add_partner_alert(p, "KR", "KR-S1", TL_COP_MSG_ALERT, t0 - 20 * NS, 5, imp);
    add_partner_alert(p, "KR", "KR-S1", TL_COP_MSG_UPDATE, t0 - 10 * NS, 9, imp);
    add_partner_alert(p, "US", "KR-S1", TL_COP_MSG_ALERT, t0 - 30 * NS, 2, imp); /* other origin */
    add_partner_alert(p, "KR", "KR-S2", TL_COP_MSG_ALERT, t0 - 10 * NS, 11, imp);
    add_partner_alert(p, "KR", "KR-S2", TL_COP_MSG_CANCEL, t0 - 10 * NS, 12, imp); /* same time */
    assert_false(tl_cop_partner_alert_in_force(p, 0));
    assert_true(tl_cop_partner_alert_in_force(p, 1));
    assert_true(tl_cop_partner_alert_in_force(p, 2));
    assert_false(tl_cop_partner_alert_in_force(p, 3)); /* seq 12 is newer */
    assert_false(tl_cop_partner_alert_in_force(p, 4)); /* a Cancel */
    p->scenario_t_ns = imp + TL_COP_ALERT_GRACE_NS;
    assert_false(tl_cop_partner_alert_in_force(p, 1));
    /* other kinds are never alerts in force */
    p->partners[2].kind = TL_COP_PROD_IMPACT;
    p->scenario_t_ns = t0;
    assert_false(tl_cop_partner_alert_in_force(p, 2));
    free(p);
}

static void test_partner_check_rejects(void **state)
{
    (void)state;
    tl_cop_picture *p = demo(800.0);
    tl_err err;
    char buf[64] = "untouched";
    size_t len = 0;
    assert_true(p->n_partners >= 3);
    int n = p->n_partners;
    p->n_partners = TL_COP_MAX_PARTNER + 1;
    assert_int_equal(tl_cop_picture_to_json(p, buf, sizeof buf, &len, &err), TL_ERANGE);
    assert_non_null(strstr(err.msg, "n_partners = 65"));
    assert_string_equal(buf, "untouched");
    p->n_partners = n;
    p->partners[1].kind = (tl_cop_prod_kind)7;
    assert_int_equal(tl_cop_picture_check(p, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "partners[1].kind = 7"));
    p->partners[1].kind = TL_COP_PROD_IMPACT;
    p->partners[2].n_path = TL_COP_PATH_MAX + 1;
    assert_int_equal(tl_cop_picture_check(p, &err), TL_ERANGE);
    assert_non_null(strstr(err.msg, "partners[2].n_path"));
    p->partners[2].n_path = 1;
    p->partners[0].msg_type = (tl_cop_msg_type)-1;
    assert_int_equal(tl_cop_picture_check(p, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "partners[0].msg_type"));
    p->partners[0].msg_type = TL_COP_MSG_ALERT;
    assert_int_equal(tl_cop_picture_check(p, &err), TL_OK);
    free(p);
}

/* Hostile text from a partner stays text; a non-finite point is shown without geometry. */
static void test_partner_hostile(void **state)
{
    (void)state;
    if (!tl_test_have("node")) {
        printf("SKIP: node not installed\n");
        skip();
    }
    tl_cop_picture *p = demo(800.0);
    int ia = -1, ii = -1;
    for (int i = 0; i < p->n_partners; i++) {
        if (p->partners[i].kind == TL_COP_PROD_ALERT && ia < 0)
            ia = i;
        if (p->partners[i].kind == TL_COP_PROD_IMPACT && ii < 0)
            ii = i;
    }
    assert_true(ia >= 0 && ii >= 0);
    snprintf(p->partners[ia].text, sizeof p->partners[ia].text,
             "</script><img src=x onerror=1>\"\\");
    memset(p->partners[ia].origin, 'K', sizeof p->partners[ia].origin); /* no NUL */
    snprintf(p->partners[ia].path[1], sizeof p->partners[ia].path[1], "<b>");
    p->partners[ii].ell.lat_rad = NAN;
    char *json = render(tl_cop_picture_to_json, p);
    assert_null(strchr(json, '<'));
    static char out[8192];
    if (node_check("partners", json, out, sizeof out))
        fail_msg("JSON.parse rejected hostile partner strings");
    assert_non_null(strstr(out, "alert KKKKKKKK KR><b> KR-S2 "));
    char *geo = render(tl_cop_picture_to_geojson, p);
    if (node_check("geojson", geo, out, sizeof out))
        fail_msg("check-geojson rejected the picture with a NaN partner point");
    assert_non_null(strstr(out, "partner_impact_point=2")); /* the NaN one is left out */
    if (tl_test_have("promtool")) {
        char *m = render(tl_cop_picture_to_metrics, p);
        if (tl_test_run("promtool check metrics 2>&1", m, out, sizeof out))
            fail_msg("promtool: %s", out);
        assert_non_null(
            strstr(m, "tl_cop_partner_products{nation=\"JP\",origin=\"KR\",kind=\"impact\"} 2"));
        assert_non_null(strstr(m, "tl_cop_alerts_in_force{nation=\"JP\",origin=\"JP\"} 1"));
        free(m);
    } else {
        printf("SKIP: promtool not installed (scripts/bootstrap extracts it)\n");
    }
    free(geo);
    free(json);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_story),
        cmocka_unit_test(test_in_force_rules),
        cmocka_unit_test(test_partner_check_rejects),
        cmocka_unit_test(test_partner_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
