/* journal.c — the node's SQLite journal (WAL mode, synchronous=NORMAL: a commit
 * survives a process crash; the OS may lose the last transactions on power loss).
 * Every product is appended, with the origin's last processed sequence, in one
 * transaction before the node hands it on or forwards it. Product bodies are kept
 * as the core struct's bytes; the schema records that struct's size and refuses a
 * journal written by an incompatible build. Tables: products, rejected,
 * origin_state, meta (see docs/network.md). */
#include "trilink/journal.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct tl_journal {
    sqlite3 *db;
    int in_batch;                 /* inside tl_journal_begin .. tl_journal_commit */
    pthread_t ckpt_thread;        /* checkpoints (and their fsyncs) off the hot path */
    int ckpt_running;
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    char path[600];
    sqlite3_stmt *ins, *rej, *adv, *last, *scan, *scan_desc;
    sqlite3_stmt *begin, *commit, *rollback;
};

static const char *const schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);"
    "CREATE TABLE IF NOT EXISTS products(id INTEGER PRIMARY KEY, origin TEXT NOT NULL,"
    " seq INTEGER NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, via TEXT,"
    " origin_time_ns INTEGER, recv_ns INTEGER, path TEXT, marking TEXT, mask INTEGER,"
    " body BLOB NOT NULL, UNIQUE(origin, seq));"
    "CREATE TABLE IF NOT EXISTS rejected(id INTEGER PRIMARY KEY, origin TEXT, seq INTEGER,"
    " kind TEXT, via TEXT, reason TEXT NOT NULL, detail TEXT, recv_ns INTEGER, body BLOB);"
    "CREATE TABLE IF NOT EXISTS origin_state(origin TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);";

static int prep(tl_journal *j, const char *sql, sqlite3_stmt **st, tl_err *err)
{
    if (sqlite3_prepare_v2(j->db, sql, -1, st, NULL) != SQLITE_OK)
        return tl_err_set(err, TL_EIO, "journal: %s", sqlite3_errmsg(j->db));
    return 0;
}

/* A second connection checkpoints the WAL every 200 ms (PASSIVE: never blocks the
 * writer), so the node's commits never wait for a checkpoint's fsync. */
static void *ckpt_main(void *arg)
{
    tl_journal *j = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open(j->path, &db) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 100);
    pthread_mutex_lock(&j->ckpt_mu);
    while (j->ckpt_running) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&j->ckpt_cv, &j->ckpt_mu, &until);
        if (!j->ckpt_running)
            break;
        pthread_mutex_unlock(&j->ckpt_mu);
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&j->ckpt_mu);
    }
    pthread_mutex_unlock(&j->ckpt_mu);
    sqlite3_close(db);
    return NULL;
}

void tl_journal_close(tl_journal *j)
{
    if (!j)
        return;
    if (j->ckpt_running) {
        pthread_mutex_lock(&j->ckpt_mu);
        j->ckpt_running = 0;
        pthread_cond_signal(&j->ckpt_cv);
        pthread_mutex_unlock(&j->ckpt_mu);
        pthread_join(j->ckpt_thread, NULL);
    }
    pthread_mutex_destroy(&j->ckpt_mu);
    pthread_cond_destroy(&j->ckpt_cv);
    sqlite3_stmt *all[] = {j->ins, j->rej, j->adv, j->last, j->scan, j->scan_desc, j->begin, j->commit, j->rollback};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(j->db);
    free(j);
}

int tl_journal_open(const char *dir, tl_journal **out, tl_err *err)
{
    char path[600];
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return tl_err_set(err, TL_EIO, "%s: cannot create state directory: %s", dir, strerror(errno));
    snprintf(path, sizeof path, "%s/journal.db", dir);
    tl_journal *j = calloc(1, sizeof *j);
    if (!j)
        return tl_err_set(err, TL_ENOMEM, "journal: out of memory");
    pthread_mutex_init(&j->ckpt_mu, NULL);
    pthread_cond_init(&j->ckpt_cv, NULL);
    snprintf(j->path, sizeof j->path, "%s", path);
    char *msg = NULL;
    int rc = 0;
    if (sqlite3_open(path, &j->db) != SQLITE_OK) {
        rc = tl_err_set(err, TL_EIO, "%s: %s", path, sqlite3_errmsg(j->db));
        goto fail;
    }
    sqlite3_busy_timeout(j->db, 2000);
    if (sqlite3_exec(j->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        rc = tl_err_set(err, TL_EIO, "%s: %s", path, msg ? msg : "schema");
        sqlite3_free(msg);
        goto fail;
    }
    /* Bodies are struct bytes: refuse a journal from a build with another layout. */
    char q[160];
    snprintf(q, sizeof q, "INSERT OR IGNORE INTO meta VALUES('product_size', %zu);", sizeof(tl_product));
    sqlite3_exec(j->db, q, NULL, NULL, NULL);
    sqlite3_stmt *st = NULL;
    if ((rc = prep(j, "SELECT value FROM meta WHERE key='product_size'", &st, err)))
        goto fail;
    long long size = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (size != (long long)sizeof(tl_product)) {
        rc = tl_err_set(err, TL_EIO, "%s: written by an incompatible build (product size %lld, expected %zu)",
                        path, size, sizeof(tl_product));
        goto fail;
    }
    if ((rc = prep(j, "INSERT INTO products(origin,seq,kind,status,via,origin_time_ns,recv_ns,path,marking,mask,body)"
                      " VALUES(?,?,?,?,?,?,?,?,?,?,?)", &j->ins, err)) ||
        (rc = prep(j, "INSERT INTO rejected(origin,seq,kind,via,reason,detail,recv_ns,body) VALUES(?,?,?,?,?,?,?,?)",
                   &j->rej, err)) ||
        (rc = prep(j, "INSERT INTO origin_state VALUES(?1,?2) ON CONFLICT(origin) DO UPDATE SET"
                      " last_seq=max(last_seq, excluded.last_seq)", &j->adv, err)) ||
        (rc = prep(j, "SELECT last_seq FROM origin_state WHERE origin=?", &j->last, err)) ||
        (rc = prep(j, "SELECT body FROM products WHERE origin=? AND seq>? ORDER BY seq ASC LIMIT ?", &j->scan, err)) ||
        (rc = prep(j, "SELECT body FROM products WHERE origin=? AND seq<? ORDER BY seq DESC LIMIT ?", &j->scan_desc,
                   err)) ||
        (rc = prep(j, "BEGIN IMMEDIATE", &j->begin, err)) || (rc = prep(j, "COMMIT", &j->commit, err)) ||
        (rc = prep(j, "ROLLBACK", &j->rollback, err)))
        goto fail;
    sqlite3_wal_autocheckpoint(j->db, 0);
    j->ckpt_running = 1;
    if (pthread_create(&j->ckpt_thread, NULL, ckpt_main, j) != 0) {
        j->ckpt_running = 0;
        sqlite3_wal_autocheckpoint(j->db, 1000); /* fall back to inline checkpoints */
    }
    *out = j;
    return 0;
fail:
    tl_journal_close(j);
    return rc ? rc : TL_EIO;
}

static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
}

static void path_text(const tl_product_hdr *h, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int i = 0; i < h->path_len && i < TL_PATH_MAX; i++) {
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%s%s", i ? "," : "", h->path[i]);
    }
}

static int advance(tl_journal *j, const char *origin, uint64_t seq)
{
    sqlite3_bind_text(j->adv, 1, origin, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(j->adv, 2, (sqlite3_int64)seq);
    return run(j->adv) == SQLITE_DONE ? 0 : TL_EIO;
}

static const char *status_name(tl_journal_status st)
{
    return st == TL_J_OWN ? "own" : st == TL_J_ACCEPTED ? "accepted" : "transit";
}

int tl_journal_append(tl_journal *j, const tl_product *p, tl_journal_status st, const char *via, int64_t recv_ns,
                      tl_err *err)
{
    char path[TL_PATH_MAX * TL_NATION_LEN + 8];
    path_text(&p->hdr, path, sizeof path);
    if (!j->in_batch && run(j->begin) != SQLITE_DONE)
        return tl_err_set(err, TL_EIO, "journal: begin: %s", sqlite3_errmsg(j->db));
    sqlite3_stmt *s = j->ins;
    sqlite3_bind_text(s, 1, p->hdr.origin, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)p->hdr.seq);
    sqlite3_bind_text(s, 3, tl_product_kind_name(p->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, status_name(st), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, via ? via : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, p->hdr.origin_time_ns);
    sqlite3_bind_int64(s, 7, recv_ns);
    sqlite3_bind_text(s, 8, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 9, p->hdr.marking, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 10, p->hdr.releasable_mask);
    sqlite3_bind_blob(s, 11, p, (int)sizeof *p, SQLITE_STATIC);
    int rc = run(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_CONSTRAINT) { /* only this statement is undone */
        if (!j->in_batch)
            run(j->rollback);
        return TL_ESTATE;
    }
    if (rc != SQLITE_DONE || advance(j, p->hdr.origin, p->hdr.seq) ||
        (!j->in_batch && run(j->commit) != SQLITE_DONE)) {
        int r = tl_err_set(err, TL_EIO, "journal: append %s/%llu: %s", p->hdr.origin,
                           (unsigned long long)p->hdr.seq, sqlite3_errmsg(j->db));
        if (!j->in_batch)
            run(j->rollback);
        return r;
    }
    return 0;
}

int tl_journal_reject(tl_journal *j, const tl_product *p, const char *via, const char *reason, const char *detail,
                      int do_advance, int64_t recv_ns, tl_err *err)
{
    if (!j->in_batch && run(j->begin) != SQLITE_DONE)
        return tl_err_set(err, TL_EIO, "journal: begin: %s", sqlite3_errmsg(j->db));
    sqlite3_stmt *s = j->rej;
    char origin[TL_NATION_LEN];
    snprintf(origin, sizeof origin, "%.*s", (int)sizeof origin - 1, p->hdr.origin);
    sqlite3_bind_text(s, 1, origin, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)p->hdr.seq);
    sqlite3_bind_text(s, 3, tl_product_kind_name(p->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, via ? via : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, detail ? detail : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 7, recv_ns);
    sqlite3_bind_blob(s, 8, p, (int)sizeof *p, SQLITE_STATIC);
    int rc = run(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE || (do_advance && advance(j, origin, p->hdr.seq)) ||
        (!j->in_batch && run(j->commit) != SQLITE_DONE)) {
        int r = tl_err_set(err, TL_EIO, "journal: reject: %s", sqlite3_errmsg(j->db));
        if (!j->in_batch)
            run(j->rollback);
        return r;
    }
    return 0;
}

int tl_journal_begin(tl_journal *j, tl_err *err)
{
    if (j->in_batch)
        return tl_err_set(err, TL_ESTATE, "journal: batch already open");
    if (run(j->begin) != SQLITE_DONE)
        return tl_err_set(err, TL_EIO, "journal: begin: %s", sqlite3_errmsg(j->db));
    j->in_batch = 1;
    return 0;
}

int tl_journal_commit(tl_journal *j, tl_err *err)
{
    if (!j->in_batch)
        return 0;
    j->in_batch = 0;
    if (run(j->commit) != SQLITE_DONE) {
        int r = tl_err_set(err, TL_EIO, "journal: commit: %s", sqlite3_errmsg(j->db));
        run(j->rollback);
        return r;
    }
    return 0;
}

uint64_t tl_journal_last_seq(tl_journal *j, const char *origin)
{
    sqlite3_bind_text(j->last, 1, origin, -1, SQLITE_TRANSIENT);
    uint64_t v = sqlite3_step(j->last) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(j->last, 0) : 0;
    sqlite3_reset(j->last);
    return v;
}

static int scan(sqlite3_stmt *s, const char *origin, uint64_t seq, int max_n, tl_journal_visit_fn fn, void *user)
{
    tl_product p;
    int n = 0, rc;
    sqlite3_bind_text(s, 1, origin, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)(seq > INT64_MAX ? INT64_MAX : seq));
    sqlite3_bind_int(s, 3, max_n);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 0) != (int)sizeof p)
            continue;
        memcpy(&p, sqlite3_column_blob(s, 0), sizeof p);
        n++;
        if (fn(user, &p))
            break;
    }
    sqlite3_reset(s);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? n : TL_EIO;
}

int tl_journal_scan(tl_journal *j, const char *origin, uint64_t after_seq, int max_n, tl_journal_visit_fn fn,
                    void *user)
{
    return scan(j->scan, origin, after_seq, max_n, fn, user);
}

int tl_journal_scan_desc(tl_journal *j, const char *origin, uint64_t before_seq, int max_n,
                         tl_journal_visit_fn fn, void *user)
{
    return scan(j->scan_desc, origin, before_seq, max_n, fn, user);
}
