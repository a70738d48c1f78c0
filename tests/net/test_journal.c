/* test_journal.c — the SQLite journal: WAL mode, append-once per (origin, seq),
 * last processed sequence per origin (also advanced by consumed rejects), ordered
 * scans for gap-fill, persistence across close/reopen, and group commits (a
 * rolled-back batch leaves no trace; a committed one is all there). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_test.h"
#include "trilink/journal.h"

static tl_product prod(const char *origin, uint64_t seq)
{
    tl_product p;
    memset(&p, 0, sizeof p);
    p.kind = TL_PROD_ALERT;
    snprintf(p.hdr.origin, sizeof p.hdr.origin, "%s", origin);
    p.hdr.seq = seq;
    p.hdr.path_len = 1;
    snprintf(p.hdr.path[0], TL_NATION_LEN, "%s", origin);
    snprintf(p.u.alert.text, sizeof p.u.alert.text, "alert %s %llu", origin, (unsigned long long)seq);
    return p;
}

typedef struct { uint64_t seqs[200]; int n; } collect;

static int visit(void *user, const tl_product *p)
{
    collect *c = user;
    char want[64];
    snprintf(want, sizeof want, "alert %s %llu", p->hdr.origin, (unsigned long long)p->hdr.seq);
    assert_string_equal(p->u.alert.text, want); /* the body round-trips */
    c->seqs[c->n++] = p->hdr.seq;
    return 0;
}

static void test_journal(void **state)
{
    (void)state;
    char dir[] = "/tmp/tljXXXXXX";
    assert_non_null(mkdtemp(dir));
    tl_journal *j;
    tl_err err;
    assert_int_equal(tl_journal_open(dir, &j, &err), 0);
    /* Appended out of order on purpose: scans must come back sorted. */
    for (uint64_t s = 100; s >= 1; s--) {
        tl_product p = prod("KR", s);
        assert_int_equal(tl_journal_append(j, &p, TL_J_ACCEPTED, "US", 1, &err), 0);
    }
    tl_product d = prod("KR", 42);
    assert_int_equal(tl_journal_append(j, &d, TL_J_ACCEPTED, "US", 1, &err), TL_ESTATE);
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 100);
    assert_int_equal((int)tl_journal_last_seq(j, "JP"), 0);
    collect c = {{0}, 0};
    assert_int_equal(tl_journal_scan(j, "KR", 60, 1000, visit, &c), 40);
    for (int i = 0; i < c.n; i++)
        assert_int_equal((int)c.seqs[i], 61 + i);
    c.n = 0;
    assert_int_equal(tl_journal_scan_desc(j, "KR", 10, 3, visit, &c), 3);
    assert_int_equal((int)c.seqs[0], 9);
    assert_int_equal((int)c.seqs[2], 7);
    tl_product r = prod("KR", 101);
    assert_int_equal(tl_journal_reject(j, &r, "US", "nonfinite", "x", 1, 1, &err), 0);
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 101);
    tl_product r2 = prod("KR", 5000);
    assert_int_equal(tl_journal_reject(j, &r2, "US", "bad_sequence", "x", 0, 1, &err), 0);
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 101);
    tl_journal_close(j);
    /* Persistence and WAL mode, read with SQLite directly. */
    assert_int_equal(tl_journal_open(dir, &j, &err), 0);
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 101);
    tl_journal_close(j);
    char path[256];
    snprintf(path, sizeof path, "%s/journal.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "SELECT count(*) FROM rejected", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 2);
    sqlite3_finalize(st);
    sqlite3_close(db);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_journal_batch(void **state)
{
    (void)state;
    char dir[] = "/tmp/tljXXXXXX";
    assert_non_null(mkdtemp(dir));
    tl_journal *j;
    tl_err err;
    assert_int_equal(tl_journal_open(dir, &j, &err), 0);
    assert_int_equal(tl_journal_begin(j, &err), 0);
    assert_int_equal(tl_journal_begin(j, &err), TL_ESTATE); /* no nesting */
    for (uint64_t s = 1; s <= 5; s++) {
        tl_product p = prod("JP", s);
        assert_int_equal(tl_journal_append(j, &p, TL_J_OWN, "", 1, &err), 0);
    }
    tl_journal_rollback(j);
    assert_int_equal((int)tl_journal_last_seq(j, "JP"), 0);
    collect c = {{0}, 0};
    assert_int_equal(tl_journal_scan(j, "JP", 0, 100, visit, &c), 0);
    /* A committed batch, with a duplicate inside that undoes only itself. */
    assert_int_equal(tl_journal_begin(j, &err), 0);
    for (uint64_t s = 1; s <= 5; s++) {
        tl_product p = prod("JP", s);
        assert_int_equal(tl_journal_append(j, &p, TL_J_OWN, "", 1, &err), 0);
    }
    tl_product d = prod("JP", 3);
    assert_int_equal(tl_journal_append(j, &d, TL_J_OWN, "", 1, &err), TL_ESTATE);
    assert_int_equal(tl_journal_commit(j, &err), 0);
    tl_journal_close(j);
    assert_int_equal(tl_journal_open(dir, &j, &err), 0);
    assert_int_equal((int)tl_journal_last_seq(j, "JP"), 5);
    assert_int_equal(tl_journal_scan(j, "JP", 0, 100, visit, &c), 5);
    for (int i = 0; i < c.n; i++)
        assert_int_equal((int)c.seqs[i], 1 + i);
    tl_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_journal), cmocka_unit_test(test_journal_batch)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
