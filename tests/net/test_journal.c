/* test_journal.c — the SQLite journal: WAL mode, append-once per (origin, seq),
 * last processed sequence per origin (also advanced by consumed rejects), ordered
 * scans for gap-fill, persistence across close/reopen, and group commits (a
 * rolled-back batch leaves no trace; a committed one is all there), bodies that
 * round-trip bit for bit whatever their bytes, refusal of a journal of another
 * layout, refusal of bodies with an impossible header (make fuzz), detection of a
 * journal its last holder did not close, the WAL kept bounded with its checkpoint
 * thread at idle priority, background checkpoints that copy the WAL into the
 * database so the WAL stops growing, and retention (prune): the oldest rows go, in
 * bounded steps, but never an origin's newest, so its last sequence survives. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static void rm_tree(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* A new journal in a new temporary directory (dir: a mkdtemp template). */
static void open_fresh(char *dir, tl_journal **j)
{
    tl_err err;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(tl_journal_open(dir, j, &err), 0);
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
    tl_journal *j;
    tl_err err;
    open_fresh(dir, &j);
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
    rm_tree(dir);
}

static int count_rows(const char *dir, const char *sql)
{
    char path[256];
    snprintf(path, sizeof path, "%s/journal.db", dir);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK); /* a second process would read it the same way */
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Rows journaled at recv_ns = 1000 * seq (KR 1..300, JP 1..50 all old, US 1..20 at
 * 1000 * (seq + 1000)), rejects at 10 and 2,000,000; prune everything before 250,500
 * in steps of at most 64 rows. */
static void test_journal_prune(void **state)
{
    (void)state;
    char dir[] = "/tmp/tljXXXXXX";
    tl_journal *j;
    tl_err err;
    open_fresh(dir, &j);
    for (uint64_t s = 1; s <= 300; s++) {
        tl_product p = prod("KR", s);
        assert_int_equal(tl_journal_append(j, &p, TL_J_ACCEPTED, "US", (int64_t)s * 1000, &err), 0);
        if (s <= 50) {
            tl_product q = prod("JP", s);
            assert_int_equal(tl_journal_append(j, &q, TL_J_TRANSIT, "US", (int64_t)s * 1000, &err), 0);
        }
        if (s <= 20) {
            tl_product u = prod("US", s);
            assert_int_equal(tl_journal_append(j, &u, TL_J_OWN, "", (int64_t)(s + 1000) * 1000, &err), 0);
        }
    }
    tl_product r = prod("KR", 400);
    assert_int_equal(tl_journal_reject(j, &r, "US", "nonfinite", "x", 0, 10, &err), 0);
    assert_int_equal(tl_journal_reject(j, &r, "US", "nonfinite", "x", 0, 2000000, &err), 0);
    int removed = -1, total = 0, calls = 0;
    do {
        assert_int_equal(tl_journal_prune(j, 250500, 64, &removed, &err), 0);
        assert_true(removed >= 0 && removed <= 64);
        total += removed;
    } while (removed == 64 && ++calls < 100);
    /* KR 1..250 go; JP 1..49 go and its newest (50, old too) stays; US stays; one reject goes. */
    assert_int_equal(total, 250 + 49 + 1);
    assert_int_equal(tl_journal_prune(j, 250500, 64, &removed, &err), 0);
    assert_int_equal(removed, 0); /* nothing left to do: a second pass is a no-op */
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 300);
    assert_int_equal((int)tl_journal_last_seq(j, "JP"), 50);
    assert_int_equal((int)tl_journal_last_seq(j, "US"), 20);
    collect c = {{0}, 0};
    assert_int_equal(tl_journal_scan(j, "KR", 0, 1000, visit, &c), 50); /* gap-fill sees what is kept */
    assert_int_equal((int)c.seqs[0], 251);
    c.n = 0;
    assert_int_equal(tl_journal_scan(j, "JP", 0, 1000, visit, &c), 1);
    assert_int_equal((int)c.seqs[0], 50);
    assert_int_equal(count_rows(dir, "SELECT count(*) FROM products"), 50 + 1 + 20);
    assert_int_equal(count_rows(dir, "SELECT count(*) FROM rejected WHERE recv_ns = 2000000"), 1);
    assert_int_equal(count_rows(dir, "SELECT count(*) FROM rejected"), 1);
    /* Not inside a batch; a batch after a prune works as before. */
    assert_int_equal(tl_journal_begin(j, &err), 0);
    assert_int_equal(tl_journal_prune(j, INT64_MAX, 64, &removed, &err), TL_ESTATE);
    tl_product p = prod("KR", 301);
    assert_int_equal(tl_journal_append(j, &p, TL_J_ACCEPTED, "US", 301000, &err), 0);
    assert_int_equal(tl_journal_commit(j, &err), 0);
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 301);
    /* Everything old: each origin keeps exactly its newest. */
    do
        assert_int_equal(tl_journal_prune(j, INT64_MAX, 1000, &removed, &err), 0);
    while (removed == 1000);
    assert_int_equal(count_rows(dir, "SELECT count(*) FROM products"), 3);
    tl_journal_close(j);
    assert_int_equal(tl_journal_open(dir, &j, &err), 0); /* and it survives a restart */
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 301);
    assert_int_equal((int)tl_journal_last_seq(j, "JP"), 50);
    tl_journal_close(j);
    rm_tree(dir);
}

static void test_journal_batch(void **state)
{
    (void)state;
    char dir[] = "/tmp/tljXXXXXX";
    tl_journal *j;
    tl_err err;
    open_fresh(dir, &j);
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
    rm_tree(dir);
}

/* Property: any product's bytes come back exactly (the body codec squeezes zero
 * runs), over random mixes of zero runs and random bytes, across several origins,
 * in per-origin sequence order. */
typedef struct { const tl_product *want; int n, bad; } roundtrip;

static int visit_exact(void *user, const tl_product *p)
{
    roundtrip *r = user;
    if (memcmp(p, &r->want[r->n], sizeof *p) != 0)
        r->bad++;
    r->n++;
    return 0;
}

static void test_journal_bodies(void **state)
{
    (void)state;
    char dir[] = "/tmp/tljXXXXXX";
    tl_journal *j;
    tl_err err;
    open_fresh(dir, &j);
    enum { N = 300 };
    static tl_product want[3][N];
    const char *origins[3] = {"KR", "JP", "AUS"};
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    assert_int_equal(tl_journal_begin(j, &err), 0);
    for (int i = 0; i < N; i++)
        for (int o = 0; o < 3; o++) {
            unsigned char *b = (unsigned char *)&want[o][i];
            size_t k = 0;
            while (k < sizeof want[o][i]) { /* alternate runs of zeros and of random bytes */
                rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
                size_t run = 1 + (size_t)(rng >> 33) % 40;
                int zero = (int)(rng >> 20) & 1;
                for (size_t m = 0; m < run && k < sizeof want[o][i]; m++, k++) {
                    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
                    b[k] = zero ? 0 : (unsigned char)(rng >> 56);
                }
            }
            tl_product *p = &want[o][i];
            memset(&p->hdr, 0, sizeof p->hdr);
            snprintf(p->hdr.origin, sizeof p->hdr.origin, "%s", origins[o]);
            p->hdr.seq = (uint64_t)i + 1;
            p->kind = (tl_product_kind)(1 + i % 4); /* bodies must hold a known kind */
            assert_int_equal(tl_journal_append(j, p, TL_J_ACCEPTED, "US", 1, &err), 0);
        }
    assert_int_equal(tl_journal_commit(j, &err), 0);
    for (int o = 0; o < 3; o++) {
        roundtrip r = {want[o], 0, 0};
        assert_int_equal(tl_journal_scan(j, origins[o], 0, N, visit_exact, &r), N);
        assert_int_equal(r.bad, 0);
        assert_int_equal((int)tl_journal_last_seq(j, origins[o]), N);
        /* newest first, from "no bound" (what a restarted node does), and from inside */
        roundtrip d = {&want[o][N - 1], 0, 0};
        assert_int_equal(tl_journal_scan_desc(j, origins[o], UINT64_MAX, 1, visit_exact, &d), 1);
        assert_int_equal(d.bad, 0);
        d = (roundtrip){&want[o][N / 2 - 1], 0, 0};
        assert_int_equal(tl_journal_scan_desc(j, origins[o], N / 2 + 1, 1, visit_exact, &d), 1);
        assert_int_equal(d.bad, 0);
        roundtrip a = {&want[o][N - 1], 0, 0};
        assert_int_equal(tl_journal_scan(j, origins[o], N - 1, 5, visit_exact, &a), 1);
        assert_int_equal(tl_journal_scan(j, origins[o], UINT64_MAX, 5, visit_exact, &a), 0);
    }
    /* Sequences outside the journal's range are refused, naming the product. */
    tl_product big = prod("KR", 1ULL << 40);
    assert_int_equal(tl_journal_append(j, &big, TL_J_ACCEPTED, "US", 1, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "KR/1099511627776"));
    tl_journal_close(j);
    /* A journal of another layout (here: another product size) is refused. */
    char path[256];
    snprintf(path, sizeof path, "%s/journal.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE meta SET value=value+8 WHERE key='product_size'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(tl_journal_open(dir, &j, &err), TL_EIO);
    assert_non_null(strstr(err.msg, "product_size"));
    assert_non_null(strstr(err.msg, "journal.db"));
    rm_tree(dir);
}

/* A body as the journal stores it: the whole struct as one literal chunk. */
static size_t raw_body(const tl_product *p, unsigned char *out)
{
    size_t n = sizeof *p;
    out[0] = (unsigned char)(n & 0xff);
    out[1] = (unsigned char)(n >> 8);
    memcpy(out + 2, p, n);
    out[2 + n] = out[3 + n] = 0;
    return n + 4;
}

/* make fuzz (fuzz_journal) found: a body from a damaged or edited journal decoded to
 * any header, e.g. path_len 671088641 (tests/data/fuzz/journal/path-len-671088641.bin),
 * and a restarted node would walk that path (tl_netconfig_may_send reads path[i] for
 * i < path_len; send_on appends at path[path_len]). Such bodies are refused naming the
 * field, and scans skip their rows and go on. */
static void test_journal_hostile_bodies(void **state)
{
    (void)state;
    static unsigned char body[2 * sizeof(tl_product) + 16];
    tl_product p, out;
    tl_err err;
    p = prod("JP", 1);
    assert_int_equal(tl_journal_body_decode(body, raw_body(&p, body), &out, &err), 0);
    assert_memory_equal(&out, &p, sizeof p);
    struct { const char *field; int what; } cases[] = {
        {"path_len 671088641", 0}, {"path_len -1", 1}, {"kind 0", 2}, {"kind 5", 3},
        {"origin not terminated", 4}, {"path[0] not terminated", 5}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p = prod("JP", 1);
        switch (cases[i].what) {
        case 0: p.hdr.path_len = 671088641; break;
        case 1: p.hdr.path_len = -1; break;
        case 2: p.kind = (tl_product_kind)0; break;
        case 3: p.kind = TL_PROD_KIND_COUNT; break;
        case 4: memset(p.hdr.origin, 'J', sizeof p.hdr.origin); break;
        default: memset(p.hdr.path[0], 'J', sizeof p.hdr.path[0]); break;
        }
        assert_int_equal(tl_journal_body_decode(body, raw_body(&p, body), &out, &err), TL_EPARSE);
        assert_non_null(strstr(err.msg, cases[i].field));
    }
    /* the fuzzer's own input, as checked in */
    char path[600];
    snprintf(path, sizeof path, "%s/tests/data/fuzz/journal/path-len-671088641.bin", tl_test_source_dir());
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(body, 1, sizeof body, f);
    fclose(f);
    assert_int_equal(tl_journal_body_decode(body, n, &out, &err), TL_EPARSE);
    assert_non_null(strstr(err.msg, "path_len 671088641"));
    /* Damaged rows in a journal on disk: the scan skips them and visits the rest. */
    char dir[] = "/tmp/tljXXXXXX";
    tl_journal *j;
    open_fresh(dir, &j);
    for (int s = 1; s <= 3; s++) {
        p = prod("KR", (uint64_t)s);
        assert_int_equal(tl_journal_append(j, &p, TL_J_ACCEPTED, "US", 1, &err), 0);
    }
    tl_journal_close(j);
    snprintf(path, sizeof path, "%s/journal.db", dir);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    p = prod("KR", 2);
    p.hdr.path_len = 671088641;
    n = raw_body(&p, body);
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE products SET body=? WHERE seq=2", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_blob(st, 1, body, (int)n, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_close(db);
    assert_int_equal(tl_journal_open(dir, &j, &err), 0);
    collect c = {{0}, 0};
    assert_int_equal(tl_journal_scan(j, "KR", 0, 10, visit, &c), 2);
    assert_int_equal(c.n, 2);
    assert_int_equal((int)c.seqs[0], 1);
    assert_int_equal((int)c.seqs[1], 3);
    c.n = 0;
    assert_int_equal(tl_journal_scan_desc(j, "KR", UINT64_MAX, 10, visit, &c), 2);
    assert_int_equal((int)c.seqs[0], 3);
    assert_int_equal((int)c.seqs[1], 1);
    tl_journal_close(j);
    rm_tree(dir);
}

/* A journal left open by a process that died is reported unclean at the next open;
 * one closed properly is not, unless its holder kept it unclean. A reservation raises the last sequence durably. */
static void test_journal_unclean(void **state)
{
    (void)state;
    char dir[] = "/tmp/tljXXXXXX";
    tl_journal *j;
    tl_err err;
    open_fresh(dir, &j);
    assert_int_equal(tl_journal_unclean(j), 0); /* new */
    tl_product p = prod("KR", 7);
    assert_int_equal(tl_journal_append(j, &p, TL_J_OWN, "", 1, &err), 0);
    tl_journal_close(j);
    pid_t pid = fork();
    if (pid == 0) { /* dies holding the journal */
        tl_journal *k;
        tl_err e;
        _exit(tl_journal_open(dir, &k, &e) == 0 ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(tl_journal_open(dir, &j, &err), 0);
    assert_int_equal(tl_journal_unclean(j), 1);
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 7);
    assert_int_equal(tl_journal_reserve(j, "KR", 100007, &err), 0);
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 100007);
    tl_journal_close(j);
    assert_int_equal(tl_journal_open(dir, &j, &err), 0);
    assert_int_equal(tl_journal_unclean(j), 0); /* closed properly */
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 100007);
    tl_journal_keep_unclean(j); /* e.g. its products were sent but the commit failed */
    tl_journal_close(j);
    assert_int_equal(tl_journal_open(dir, &j, &err), 0);
    assert_int_equal(tl_journal_unclean(j), 1); /* a clean close does not hide it */
    tl_journal_close(j);
    assert_int_equal(tl_journal_open(dir, &j, &err), 0);
    assert_int_equal(tl_journal_unclean(j), 0);
    tl_journal_close(j);
    rm_tree(dir);
}

/* Threads of this process whose scheduling policy (field 41 of /proc/.../stat)
 * is SCHED_IDLE (5). */
static int idle_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[300], buf[1024];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        const char *s = strrchr(buf, ')'); /* fields after the command name */
        int field = 2;
        for (; s && *s && field < 41; s++)
            field += *s == ' ';
        n += s && field == 41 && atoi(s) == 5;
    }
    closedir(d);
    return n;
}

/* The checkpoint thread runs only on idle CPU time, so a burst of commits it
 * cannot keep up with must be checkpointed by the writer: the WAL file (its
 * size is its high-water mark) stays within the limit. Without the guard these
 * 3,000 commits in well under the thread's 1 s period grow it to 3,000+ pages. */
static void test_journal_wal_bounded(void **state)
{
    (void)state;
    char dir[] = "/tmp/tljXXXXXX", wal[64];
    tl_journal *j;
    tl_err err;
    int idle_before = idle_threads();
    open_fresh(dir, &j);
    for (int i = 0; i < 100 && idle_threads() == idle_before; i++)
        usleep(10000); /* the thread lowers its own priority when it starts */
    assert_int_equal(idle_threads(), idle_before + 1);
    tl_journal_set_wal_limit(j, 40);
    for (uint64_t s = 1; s <= 3000; s++) {
        tl_product p = prod("KR", s);
        assert_int_equal(tl_journal_append(j, &p, TL_J_OWN, "", 1, &err), 0);
    }
    snprintf(wal, sizeof wal, "%s/journal.db-wal", dir);
    struct stat st;
    assert_int_equal(stat(wal, &st), 0);
    /* The WAL restarts only at a commit after a complete checkpoint, so it may pass
     * the limit for a while when the checkpoint thread is inside one of its own
     * (the guard then waits for it); 600 pages leaves room for that and is still
     * far below the 3,000+ the commits make without the guard. */
    long page = 4096 + 24, bound = 32 + 600 * page; /* header + frames */
    if (st.st_size > bound)
        fail_msg("WAL is %ld bytes after 3,000 commits, limit 40 pages (test bound %ld bytes)", (long)st.st_size,
                 bound);
    assert_int_equal((int)tl_journal_last_seq(j, "KR"), 3000);
    tl_journal_close(j);
    assert_int_equal(idle_threads(), idle_before);
    rm_tree(dir);
}

static long file_size(const char *dir, const char *name)
{
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* From the WAL index header in DIR/journal.db-shm (SQLite's documented WAL-index
 * format, native byte order): mxFrame, the frames in the WAL (0 after a restart), at
 * byte 16, and nBackfill, the frames a checkpoint has copied into the database, at
 * byte 96. Read from the file: the test must not checkpoint or read the database
 * itself (that would hide the defect). */
static void wal_index(const char *dir, uint32_t *frames, uint32_t *backfilled)
{
    char path[300];
    unsigned char h[100] = {0};
    snprintf(path, sizeof path, "%s/journal.db-shm", dir);
    FILE *f = fopen(path, "rb");
    if (f) {
        if (fread(h, 1, sizeof h, f) != sizeof h)
            memset(h, 0, sizeof h);
        fclose(f);
    }
    memcpy(frames, h + 16, 4);
    memcpy(backfilled, h + 96, 4);
}

/* Poll (bounded: 30 s, the checkpoint thread runs on idle CPU time only) until every
 * frame of the WAL has been copied into journal.db and it holds min_bytes. */
static int wait_copied(const char *dir, long min_bytes)
{
    struct timespec nap = {0, 50000000};
    for (int i = 0; i < 600; i++) {
        uint32_t fr, bf;
        wal_index(dir, &fr, &bf);
        if (fr > 0 && bf == fr && file_size(dir, "journal.db") >= min_bytes)
            return 1;
        nanosleep(&nap, NULL);
    }
    return 0;
}

/* The journal's own checkpoints (a background connection, PASSIVE) copy committed
 * pages from the WAL into journal.db, and once everything is copied the next commit
 * starts the WAL again from its beginning, so it stops growing. Before the fix the
 * checkpoint connection had never read the database, so it did not know the WAL was
 * there: nothing was ever copied, journal.db stayed at one page and the WAL grew by
 * every commit (`make soak`: 130 MB in 100 s at 200 products/s). No timing: each round
 * waits (bounded) for the copy, then one commit must restart the WAL. */
static void test_journal_checkpoint(void **state)
{
    (void)state;
    char dir[] = "/tmp/tljXXXXXX";
    tl_journal *j;
    tl_err err;
    open_fresh(dir, &j);
    tl_journal_set_checkpoint(j, 8192, 200000000); /* every 200 ms: the test waits for it */
    enum { ROUND = 300, ROUNDS = 3 };
    const long row_bytes = 200; /* at least: the alert text below is 200 characters */
    uint64_t seq = 0;
    for (int r = 1; r <= ROUNDS; r++) {
        for (int i = 0; i < ROUND; i++) {
            tl_product p = prod("KR", ++seq);
            memset(p.u.alert.text, 'x', 200);
            assert_int_equal(tl_journal_append(j, &p, TL_J_OWN, "", 1, &err), 0); /* one commit each */
        }
        /* Everything copied, the next commit restarts the WAL; it skips the restart if
         * the checkpoint thread holds a lock at that instant, so up to 5 tries. */
        uint32_t fr = 0, bf = 0;
        for (int try = 0; try < 5; try++) {
            if (!wait_copied(dir, (long)(seq - try) * row_bytes)) {
                wal_index(dir, &fr, &bf);
                fail_msg("round %d: %u of %u WAL frames copied, journal.db %ld bytes after 30 s", r, bf, fr,
                         file_size(dir, "journal.db"));
            }
            tl_product p = prod("KR", ++seq);
            assert_int_equal(tl_journal_append(j, &p, TL_J_OWN, "", 1, &err), 0);
            wal_index(dir, &fr, &bf);
            if (fr <= 16)
                break;
        }
        if (fr > 16)
            fail_msg("round %d: %u frames in the WAL after 5 commits on a copied WAL (a few expected)", r, fr);
    }
    tl_journal_close(j);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_journal), cmocka_unit_test(test_journal_batch),
                                       cmocka_unit_test(test_journal_prune),
                                       cmocka_unit_test(test_journal_bodies),
                                       cmocka_unit_test(test_journal_hostile_bodies),
                                       cmocka_unit_test(test_journal_unclean),
                                       cmocka_unit_test(test_journal_wal_bounded),
                                       cmocka_unit_test(test_journal_checkpoint)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
