/* test_netconfig.c — the network config parser (errors name file:line) and the
 * relaying policy: never back to a nation on the path or to the origin, transit
 * only through relays, and loop-free, de-duplicated flooding on any topology
 * (checked by simulating every node's forwarding decisions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tl_test.h"
#include "trilink/netconfig.h"

static void load_ok(const char *rel, tl_netconfig *cfg)
{
    char path[512];
    tl_err err;
    snprintf(path, sizeof path, "%s/%s", tl_test_source_dir(), rel);
    int rc = tl_netconfig_load(path, cfg, &err);
    if (rc)
        fail_msg("%s: %s", rel, err.msg);
}

static void test_default_config(void **state)
{
    (void)state;
    tl_netconfig c;
    load_ok("config/network.yaml", &c);
    assert_int_equal(c.n_nations, 3);
    assert_int_equal(c.n_links, 2);
    assert_int_equal(c.relay_mask, 1u << tl_netconfig_nation(&c, "US"));
    for (int i = 0; i < c.n_links; i++) {
        assert_string_equal(c.links[i].ends[0].address, "127.0.0.1");
        assert_int_not_equal(c.links[i].ends[0].participant_index, c.links[i].ends[1].participant_index);
    }
    assert_int_not_equal(c.links[0].domain_id, c.links[1].domain_id);
    /* KR tracks go to US and JP with sensors dropped for JP only. */
    assert_int_equal(tl_netconfig_reductions(&c, "KR", TL_PROD_TRACK, "JP"), TL_REDUCE_SENSORS);
    assert_int_equal(tl_netconfig_reductions(&c, "KR", TL_PROD_TRACK, "US"), 0);
    assert_true(c.journal_retain_s >= c.window_past_s); /* retention on, never below the gap-fill window */
    tl_netconfig d;
    load_ok("config/examples/direct-jp-kr.yaml", &d);
    assert_int_equal(d.n_links, 3);
    load_ok("config/examples/four-nations.yaml", &d);
    assert_int_equal(d.n_nations, 4);
    assert_true(d.journal_retain_s == 0); /* absent: the journal keeps everything */
}

/* A config with one defect must fail naming the file and the line of the defect. */
static void expect_error(const char *yaml, int line, const char *needle)
{
    char path[] = "/tmp/tlcfgXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(yaml, f);
    fclose(f);
    tl_netconfig c;
    tl_err err;
    tl_err_clear(&err);
    int rc = tl_netconfig_load(path, &c, &err);
    unlink(path);
    if (rc != TL_EPARSE)
        fail_msg("expected a parse error containing '%s', got rc %d", needle, rc);
    char where[600];
    snprintf(where, sizeof where, "%s:%d:", path, line);
    if (!strstr(err.msg, where) || !strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s' or '%s'", err.msg, where, needle);
}

#define HEAD "nations: [JP, US, KR]\nrelays: [US]\nlinks:\n"
#define L1 "  - {name: a, domain: 1, ends: [{nation: US, address: 127.0.0.1, participant_index: 0}, {nation: JP, address: 127.0.0.1, participant_index: 1}]}\n"

static void test_config_errors(void **state)
{
    (void)state;
    expect_error(HEAD L1 "  - {name: b, domain: 1, ends: [{nation: US, address: 127.0.0.1, participant_index: 0},"
                 " {nation: KR, address: 127.0.0.1, participant_index: 1}]}\n", 5, "domain already used");
    expect_error(HEAD L1 "  - {name: b, domain: 2, ends: [{nation: US, address: 239.1.1.1, participant_index: 0},"
                 " {nation: KR, address: 127.0.0.1, participant_index: 1}]}\n", 5, "not a unicast");
    expect_error(HEAD L1 "  - {name: b, domain: 2, ends: [{nation: US, address: 0.0.0.0, participant_index: 0},"
                 " {nation: KR, address: 127.0.0.1, participant_index: 1}]}\n", 5, "'0.0.0.0'");
    expect_error(HEAD L1 "  - {name: b, domain: 2, ends: [{nation: US, address: 127.0.0.1, participant_index: 0},"
                 " {nation: XX, address: 127.0.0.1, participant_index: 1}]}\n", 5, "unknown nation 'XX'");
    expect_error(HEAD L1 "  - {name: b, domain: 2, ends: [{nation: US, address: 127.0.0.1, participant_index: 300},"
                 " {nation: KR, address: 127.0.0.1, participant_index: 1}]}\n", 5, "participant_index");
    expect_error(HEAD L1 "polciy: []\n", 5, "unknown key 'polciy'");
    expect_error(HEAD L1 "policy:\n  - {origin: KR, products: [tracks], to: [JP]}\n", 6, "unknown product kind 'tracks'");
    expect_error(HEAD L1 "policy:\n  - {origin: KR, products: [track], to: [JP], drop: [secret]}\n", 6,
                 "cannot drop field 'secret'");
    expect_error(HEAD L1 "journal_retain_hours: -1\n", 5, "journal_retain_hours");
    expect_error(HEAD L1 "journal_retain_hours: .nan\n", 5, "journal_retain_hours");
    expect_error(HEAD L1 "journal_retain_hours: 0.1\n", 5, "less than time_window_s.past"); /* 360 s < 600 s */
    expect_error("nations: [JP, US\nlinks: [\n", 2, "YAML error");
    expect_error("nations: [JP, JP]\n", 1, "listed twice");
}

static tl_product product(const tl_netconfig *c, const char *origin, tl_product_kind k, uint32_t mask)
{
    tl_product p;
    memset(&p, 0, sizeof p);
    p.kind = k;
    snprintf(p.hdr.origin, sizeof p.hdr.origin, "%s", origin);
    p.hdr.seq = 1;
    p.hdr.releasable_mask = mask ? mask : tl_netconfig_dests(c, origin, k, NULL);
    p.hdr.path_len = 1;
    snprintf(p.hdr.path[0], TL_NATION_LEN, "%s", origin);
    return p;
}

static void test_may_send_rules(void **state)
{
    (void)state;
    tl_netconfig c;
    load_ok("config/network.yaml", &c);
    uint32_t JP = 1u << tl_netconfig_nation(&c, "JP"), US = 1u << tl_netconfig_nation(&c, "US");
    tl_product p = product(&c, "KR", TL_PROD_TRACK, 0);
    assert_true(tl_netconfig_may_send(&c, "KR", &p, "US"));
    /* Releasable to JP only: KR may still hand it to the US relay (transit). */
    p = product(&c, "KR", TL_PROD_TRACK, JP);
    assert_true(tl_netconfig_may_send(&c, "KR", &p, "US"));
    /* Releasable to US only: the relay must not pass it to JP. */
    p = product(&c, "KR", TL_PROD_TRACK, US);
    assert_false(tl_netconfig_may_send(&c, "US", &p, "JP"));
    /* Never back to the origin, never to a nation on the path. */
    p = product(&c, "KR", TL_PROD_TRACK, 0);
    assert_false(tl_netconfig_may_send(&c, "US", &p, "KR"));
    p.hdr.path_len = 2;
    snprintf(p.hdr.path[1], TL_NATION_LEN, "JP");
    assert_false(tl_netconfig_may_send(&c, "US", &p, "JP"));
    /* A non-relay never forwards others' products. */
    p = product(&c, "US", TL_PROD_TRACK, 0);
    assert_false(tl_netconfig_may_send(&c, "JP", &p, "KR"));
}

/* Flood one product over the topology the way nodes do (dedupe by seen-set, path
 * appended per hop) and count deliveries. */
static void flood(const tl_netconfig *c, const char *origin, tl_product_kind k, int *received, int *steps)
{
    typedef struct { int at; tl_product p; } msg;
    msg *q = calloc(4096, sizeof *q);
    int seen[TL_NET_NATIONS_MAX] = {0}, head = 0, tail = 0;
    int o = tl_netconfig_nation(c, origin);
    q[tail++] = (msg){o, product(c, origin, k, 0)};
    seen[o] = 1;
    *steps = 0;
    while (head < tail && *steps < 4000) {
        msg m = q[head++];
        const char *self = c->nations[m.at];
        for (int li = 0; li < c->n_links; li++) {
            const tl_net_link *l = &c->links[li];
            int e = !strcmp(l->ends[0].nation, self) ? 0 : !strcmp(l->ends[1].nation, self) ? 1 : -1;
            if (e < 0 || !tl_netconfig_may_send(c, self, &m.p, l->ends[1 - e].nation))
                continue;
            (*steps)++;
            int to = tl_netconfig_nation(c, l->ends[1 - e].nation);
            received[to]++;
            if (seen[to] || tail >= 4096)
                continue; /* duplicate: dropped, never forwarded again */
            seen[to] = 1;
            msg f = {to, m.p};
            if (strcmp(self, origin) || f.p.hdr.path_len == 0)
                snprintf(f.p.hdr.path[f.p.hdr.path_len++], TL_NATION_LEN, "%s", self);
            q[tail++] = f;
        }
    }
    free(q);
}

static void test_flooding_loop_free(void **state)
{
    (void)state;
    const char *cfgs[] = {"config/network.yaml", "config/examples/direct-jp-kr.yaml",
                          "config/examples/four-nations.yaml"};
    for (size_t ci = 0; ci < 3; ci++) {
        tl_netconfig c;
        load_ok(cfgs[ci], &c);
        for (int o = 0; o < c.n_nations; o++)
            for (int k = 1; k < TL_PROD_KIND_COUNT; k++) {
                int recv[TL_NET_NATIONS_MAX] = {0}, steps = 0;
                flood(&c, c.nations[o], (tl_product_kind)k, recv, &steps);
                assert_true(steps < 4 * c.n_links); /* terminates: loop-free */
                uint32_t mask = tl_netconfig_dests(&c, c.nations[o], (tl_product_kind)k, NULL);
                assert_int_equal(recv[o], 0); /* never back to the origin */
                for (int n = 0; n < c.n_nations; n++) {
                    if ((mask >> n) & 1)
                        assert_true(recv[n] >= 1); /* every destination reached */
                    else if (!((c.relay_mask >> n) & 1))
                        assert_int_equal(recv[n], 0); /* non-releasable, non-relay: nothing */
                }
            }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_config),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_may_send_rules),
        cmocka_unit_test(test_flooding_loop_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
