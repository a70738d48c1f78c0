/* test_retention.c — journal retention in a running node (journal_retain_hours in
 * the network config): a JP node started on a journal holding rows journaled 3 h,
 * 2 h and 10 min ago, with 1 h retention, deletes the old ones (3,000: six of its
 * 512-row steps, which it takes 100 ms apart while a backlog remains) within its
 * first 1.5 s, keeps each origin's newest (so its last sequence survives: no sequence number is
 * reused, no partner product is taken twice) and everything recent, and a restart
 * finds the same state. One node, no peer, no DDS Security (nothing goes on the
 * wire). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tl_test.h"
#include "trilink/journal.h"
#include "trilink/link.h"
#include "trilink/netconfig.h"

#define HOUR_NS 3600000000000LL

static tl_product prod(const char *origin, uint64_t seq)
{
    tl_product p;
    memset(&p, 0, sizeof p);
    p.kind = TL_PROD_TRACK;
    snprintf(p.hdr.origin, sizeof p.hdr.origin, "%s", origin);
    p.hdr.seq = seq;
    p.hdr.path_len = 1;
    snprintf(p.hdr.path[0], TL_NATION_LEN, "%s", origin);
    return p;
}

static int visit_all(void *user, const tl_product *p)
{
    (void)user;
    (void)p;
    return 0;
}

/* Products of origin in the journal (through the same scan gap-fill uses). */
static int count(const char *state, const char *origin)
{
    tl_journal *j;
    tl_err err;
    assert_int_equal(tl_journal_open(state, &j, &err), 0);
    int n = tl_journal_scan(j, origin, 0, 1000000, visit_all, NULL);
    tl_journal_close(j);
    return n;
}

static void run_node(const tl_netconfig *cfg, const char *state)
{
    tl_node_opts o = {state, NULL, NULL, NULL, getenv("TL_TEST_VERBOSE") != NULL, 0, 0};
    tl_node *n = NULL;
    tl_err err;
    if (tl_node_create(cfg, "JP", &o, &n, &err))
        fail_msg("node: %s", err.msg);
    tl_node_poll(n, 1500);
    tl_node_destroy(n);
}

static void test_node_retention(void **state)
{
    (void)state;
    char dir[] = "/tmp/tlretXXXXXX", path[600], st[600];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/net.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    int d = tl_test_free_domains(1);
    fprintf(f,
            "nations: [JP, US, KR]\nrelays: [US]\njournal_retain_hours: 1\nlinks:\n"
            "  - {name: us-jp, domain: %d, ends: [{nation: US, address: 127.0.0.1, participant_index: 0},"
            " {nation: JP, address: 127.0.0.1, participant_index: 1}]}\n",
            d);
    fclose(f);
    tl_netconfig cfg;
    tl_err err;
    if (tl_netconfig_load(path, &cfg, &err))
        fail_msg("%s", err.msg);
    assert_true(cfg.journal_retain_s == 3600);

    snprintf(st, sizeof st, "%s/JP", dir);
    tl_journal *j;
    assert_int_equal(tl_journal_open(st, &j, &err), 0);
    int64_t now = tl_node_now_ns();
    assert_int_equal(tl_journal_begin(j, &err), 0);
    for (uint64_t s = 1; s <= 3010; s++) { /* KR: 3,000 from 2 h ago, 10 from 10 min ago */
        tl_product p = prod("KR", s);
        int64_t t = s <= 3000 ? now - 2 * HOUR_NS : now - HOUR_NS / 6;
        assert_int_equal(tl_journal_append(j, &p, TL_J_ACCEPTED, "US", t, &err), 0);
    }
    assert_int_equal(tl_journal_commit(j, &err), 0);
    for (uint64_t s = 1; s <= 5; s++) { /* our own, all 3 h old */
        tl_product p = prod("JP", s);
        assert_int_equal(tl_journal_append(j, &p, TL_J_OWN, "", now - 3 * HOUR_NS, &err), 0);
    }
    tl_journal_close(j);

    run_node(&cfg, st);
    assert_int_equal(count(st, "KR"), 10);
    assert_int_equal(count(st, "JP"), 1);
    assert_int_equal(tl_journal_open(st, &j, &err), 0);
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 3010);
    assert_int_equal((int)tl_journal_last_seq(j, "JP"), 5);
    tl_journal_close(j);

    run_node(&cfg, st); /* a restart: nothing more goes, the sequences stay */
    assert_int_equal(count(st, "KR"), 10);
    assert_int_equal(count(st, "JP"), 1);
    assert_int_equal(tl_journal_open(st, &j, &err), 0);
    assert_int_equal((int)tl_journal_last_seq(j, "JP"), 5);
    tl_journal_close(j);

    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_node_retention)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
