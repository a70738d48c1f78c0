/* journal.c — the node's SQLite journal (WAL mode, synchronous=NORMAL: a commit
 * survives a process crash; the OS may lose the last transactions on power loss).
 * Every product is appended in one transaction before the node hands it on.
 *
 * Layout (schema 2, docs/network.md): one B-tree per append. A product's rowid is
 * (origin id << 40) | seq, so the table is ordered by origin then sequence, a
 * duplicate (origin, seq) is a primary-key conflict, gap-fill scans are rowid range
 * scans, and an append dirties one leaf page instead of a table page and an index
 * page. Origin ids come from the `origins` table. Bodies are the core struct's
 * bytes with runs of zero bytes squeezed out (most of a product is empty strings
 * and unused sensor slots); the schema records that struct's size and refuses a
 * journal written by an incompatible build. Tables: meta, origins, products,
 * rejected, origin_state. */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "trilink/journal.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SCHEMA_VERSION 2
#define SEQ_BITS 40
#define SEQ_LIMIT TL_SEQ_LIMIT /* sequences 1 .. 2^40-1 */
_Static_assert(TL_SEQ_LIMIT == 1ULL << SEQ_BITS, "row ids hold 40-bit sequences");
#define ORIGINS_MAX 64
/* WAL pages after which a commit checkpoints inline: the checkpoint thread runs
 * only on idle CPU time, so a node that saturates its cores could outrun it. 16384
 * pages of 4 KB (64 MB) is minutes of full-rate traffic. */
#define WAL_GUARD_PAGES 16384
/* The checkpoint thread runs when the WAL reaches CKPT_PAGES (8 MB) or every
 * CKPT_PERIOD_NS. A checkpoint fsyncs the WAL and the database, and on ext4 on this
 * VM's virtual disk every commit of every process on that disk then waits for
 * milliseconds: with checkpoints each second the relay's p99 is ~1 ms closed loop
 * and ~3 ms at 2 kHz (bench_link), against ~0.3 ms with their fsyncs switched off.
 * Rarer, larger checkpoints (10 s or 32 MB) did not keep up under `make soak`: the
 * WAL seldom restarted and reached the inline guard, which puts a 64 MB checkpoint
 * on a commit's path. So small and frequent, as SQLite's own default (1000 pages). */
#define CKPT_PAGES 2048
#define CKPT_PERIOD_NS 1000000000LL

struct tl_journal {
    sqlite3 *db;
    int in_batch;                 /* inside tl_journal_begin .. tl_journal_commit */
    pthread_t ckpt_thread;        /* checkpoints (and their fsyncs) off the hot path */
    int ckpt_running;
    int ckpt_thread_up;           /* set once at open: the thread was started */
    int wal_limit;                /* pages; wal_guard checkpoints inline above it */
    int ckpt_next;                /* writer only: wake the thread again at this many pages */
    int ckpt_pages;               /* writer only: wake the thread at this many WAL pages */
    int64_t ckpt_period_ns;       /* under ckpt_mu: the thread's period */
    int ckpt_wake;                /* under ckpt_mu: the writer asked for a checkpoint */
    int marked_open; /* meta 'open' is 1 while we hold the journal */
    int unclean;     /* the previous holder did not close it */
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    char path[600];
    sqlite3_stmt *ins, *rej, *adv, *last, *scan, *scan_desc;
    sqlite3_stmt *begin, *commit, *rollback, *org_ins, *org_get;
    int n_origins; /* cache of the origins table */
    char origin_name[ORIGINS_MAX][TL_NATION_LEN];
    int64_t origin_id[ORIGINS_MAX];
    unsigned char body[2 * sizeof(tl_product) + 16]; /* packing buffer */
};

static const char *const schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA journal_size_limit=16777216;" /* a WAL grown by a burst shrinks back to 16 MB at its next restart */
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);"
    "CREATE TABLE IF NOT EXISTS origins(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);"
    "CREATE TABLE IF NOT EXISTS products(id INTEGER PRIMARY KEY, origin TEXT NOT NULL,"
    " seq INTEGER NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, via TEXT,"
    " origin_time_ns INTEGER, recv_ns INTEGER, path TEXT, marking TEXT, mask INTEGER,"
    " body BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS rejected(id INTEGER PRIMARY KEY, origin TEXT, seq INTEGER,"
    " kind TEXT, via TEXT, reason TEXT NOT NULL, detail TEXT, recv_ns INTEGER, body BLOB);"
    "CREATE TABLE IF NOT EXISTS origin_state(origin TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);";

static int prep(tl_journal *j, const char *sql, sqlite3_stmt **st, tl_err *err)
{
    if (sqlite3_prepare_v2(j->db, sql, -1, st, NULL) != SQLITE_OK)
        return tl_err_set(err, TL_EIO, "journal: %s", sqlite3_errmsg(j->db));
    return 0;
}

/* A connection that has not read the database yet does not know it is in WAL mode:
 * sqlite3_wal_checkpoint_v2() on it returns SQLITE_OK, does nothing and reports -1
 * frames. A read makes it open the WAL. */
static void ckpt_attach(sqlite3 *db) { sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL); }

/* A second connection checkpoints the WAL (PASSIVE: never blocks the writer) every
 * second, or when the writer finds CKPT_PAGES in it, so the node's commits never
 * wait for a checkpoint's fsync. It runs as
 * SCHED_IDLE (this thread only): a checkpoint copies pages for a millisecond or
 * more, and any other thread of the machine that wakes (a product arriving) takes
 * the core from it at once, where a niced thread could keep it until the next
 * scheduler tick. wal_guard bounds the WAL if idle time never comes. */
static int lower_priority(void) /* 1: SCHED_IDLE */
{
    struct sched_param sp = {0};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) == 0)
        return 1;
#ifdef SYS_gettid
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19) != 0)
        fprintf(stderr, "journal: checkpoint thread keeps normal priority: %s\n", strerror(errno));
#endif
    return 0;
}

static void *ckpt_main(void *arg)
{
    tl_journal *j = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open(j->path, &db) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 100);
    /* Without this read no checkpoint ever ran (the WAL grew by every commit). Done
     * before the priority drops: a read starved at idle priority would hold its read
     * mark, and no checkpoint could copy the WAL past it for as long as the CPU is busy. */
    ckpt_attach(db);
    int idle = lower_priority();
    pthread_mutex_lock(&j->ckpt_mu);
    while (j->ckpt_running) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t ns = until.tv_nsec + j->ckpt_period_ns;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        if (!j->ckpt_wake) /* a wake-up asked for while a checkpoint ran is not lost */
            pthread_cond_timedwait(&j->ckpt_cv, &j->ckpt_mu, &until);
        j->ckpt_wake = 0;
        if (!j->ckpt_running)
            break;
        pthread_mutex_unlock(&j->ckpt_mu);
        int policy;
        struct sched_param sp;
        if (idle && pthread_getschedparam(pthread_self(), &policy, &sp) == 0 && policy != SCHED_IDLE)
            lower_priority(); /* wal_guard lent it normal priority: back to idle */
        /* A long checkpoint leaves the frames committed meanwhile; the WAL restarts
         * only once all are copied, so copy those too (each round is shorter). */
        for (int round = 0; round < 4; round++) {
            int n_log = -1, n_done = -1;
            sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &n_log, &n_done);
            if (n_log < 0)
                ckpt_attach(db);
            if (n_log <= 0 || n_done >= n_log)
                break;
        }
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
    if (j->marked_open && !j->in_batch)
        sqlite3_exec(j->db, "UPDATE meta SET value=0 WHERE key='open'", NULL, NULL, NULL);
    if (j->ckpt_running) {
        pthread_mutex_lock(&j->ckpt_mu);
        j->ckpt_running = 0;
        pthread_cond_signal(&j->ckpt_cv);
        pthread_mutex_unlock(&j->ckpt_mu);
        pthread_join(j->ckpt_thread, NULL);
    }
    pthread_mutex_destroy(&j->ckpt_mu);
    pthread_cond_destroy(&j->ckpt_cv);
    sqlite3_stmt *all[] = {j->ins,   j->rej,    j->adv,      j->last,    j->scan,   j->scan_desc,
                           j->begin, j->commit, j->rollback, j->org_ins, j->org_get};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(j->db);
    free(j);
}

/* The journal's layout: schema version and the product struct's size (bodies are
 * struct bytes), set by the build that created it and checked by every later one. */
static int check_meta(tl_journal *j, tl_err *err)
{
    const struct { const char *key; long long want; } keys[] = {
        {"schema", SCHEMA_VERSION}, {"product_size", (long long)sizeof(tl_product)}};
    sqlite3_stmt *st = NULL;
    int rc = prep(j, "SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM meta)", &st, err);
    if (rc)
        return rc;
    int fresh = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == 0 &&
                sqlite3_column_int64(st, 1) == 0;
    sqlite3_finalize(st);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char q[160];
        if (fresh) {
            snprintf(q, sizeof q, "INSERT OR IGNORE INTO meta VALUES('%s', %lld);", keys[i].key, keys[i].want);
            sqlite3_exec(j->db, q, NULL, NULL, NULL);
        }
        snprintf(q, sizeof q, "SELECT value FROM meta WHERE key='%s'", keys[i].key);
        if ((rc = prep(j, q, &st, err)))
            return rc;
        long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        if (v != keys[i].want)
            return tl_err_set(err, TL_EIO,
                              "%s: written by an incompatible build (%s %lld, expected %lld): move it aside",
                              j->path, keys[i].key, v, keys[i].want);
    }
    return 0;
}

/* meta 'open' = 1 while a node holds the journal, 0 after a clean close: finding 1
 * at open means the last run ended by a crash, a kill or a power loss. */
static int mark_open(tl_journal *j, tl_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(j, "SELECT value FROM meta WHERE key='open'", &st, err);
    if (rc)
        return rc;
    j->unclean = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) != 0;
    sqlite3_finalize(st);
    if (sqlite3_exec(j->db, "INSERT OR REPLACE INTO meta VALUES('open', 1)", NULL, NULL, NULL) != SQLITE_OK)
        return tl_err_set(err, TL_EIO, "%s: %s", j->path, sqlite3_errmsg(j->db));
    j->marked_open = 1;
    return 0;
}

/* After each commit: checkpoint inline when the WAL has grown past the guard (or
 * past SQLite's usual 1000 pages when there is no checkpoint thread). A checkpoint
 * gets SQLITE_BUSY at once, without waiting, while another one runs: that is the
 * checkpoint thread, which may sit starved at idle priority in the middle of one
 * (then the guard could never run and the WAL would grow for as long as the CPU is
 * busy). So lend that thread normal priority (it goes back to idle itself at its
 * next round) and try again for up to 100 ms. */
static int wal_guard(void *arg, sqlite3 *db, const char *schema_name, int wal_pages)
{
    tl_journal *j = arg;
    if (wal_pages < j->ckpt_pages)
        j->ckpt_next = j->ckpt_pages; /* the WAL restarted */
    else if (j->ckpt_thread_up && wal_pages >= j->ckpt_next) {
        j->ckpt_next = wal_pages + j->ckpt_pages / 4; /* again if it is not copied by then */
        pthread_mutex_lock(&j->ckpt_mu);
        j->ckpt_wake = 1;
        pthread_cond_signal(&j->ckpt_cv);
        pthread_mutex_unlock(&j->ckpt_mu);
    }
    if (wal_pages < (j->ckpt_thread_up ? j->wal_limit : 1000))
        return SQLITE_OK;
    int rc = sqlite3_wal_checkpoint_v2(db, schema_name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    int policy;
    struct sched_param sp;
    if (rc != SQLITE_BUSY || !j->ckpt_thread_up || pthread_getschedparam(j->ckpt_thread, &policy, &sp) != 0 ||
        policy != SCHED_IDLE)
        return SQLITE_OK; /* not the starved thread (already lent, or another process): next commit */
    sp.sched_priority = 0;
    if (pthread_setschedparam(j->ckpt_thread, SCHED_OTHER, &sp) != 0)
        return SQLITE_OK; /* unprivileged, a thread may not leave SCHED_IDLE: the next commit tries again */
    struct timespec ms = {0, 1000000};
    for (int k = 0; k < 100 && rc == SQLITE_BUSY; k++) {
        nanosleep(&ms, NULL);
        rc = sqlite3_wal_checkpoint_v2(db, schema_name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    return SQLITE_OK;
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
    j->ckpt_pages = j->ckpt_next = CKPT_PAGES;
    j->ckpt_period_ns = CKPT_PERIOD_NS;
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
    if ((rc = check_meta(j, err)))
        goto fail;
    if ((rc = prep(j, "INSERT INTO products(id,origin,seq,kind,status,via,origin_time_ns,recv_ns,path,marking,mask,body)"
                      " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", &j->ins, err)) ||
        (rc = prep(j, "INSERT INTO rejected(origin,seq,kind,via,reason,detail,recv_ns,body) VALUES(?,?,?,?,?,?,?,?)",
                   &j->rej, err)) ||
        (rc = prep(j, "INSERT INTO origin_state VALUES(?1,?2) ON CONFLICT(origin) DO UPDATE SET"
                      " last_seq=max(last_seq, excluded.last_seq)", &j->adv, err)) ||
        (rc = prep(j, "SELECT max(ifnull((SELECT max(id) - ?2 FROM products WHERE id > ?2 AND id < ?3), 0),"
                      " ifnull((SELECT last_seq FROM origin_state WHERE origin=?1), 0))", &j->last, err)) ||
        (rc = prep(j, "SELECT id, body FROM products WHERE id > ?1 AND id < ?2 ORDER BY id ASC LIMIT ?3", &j->scan,
                   err)) ||
        (rc = prep(j, "SELECT id, body FROM products WHERE id < ?1 AND id > ?2 ORDER BY id DESC LIMIT ?3",
                   &j->scan_desc, err)) ||
        (rc = prep(j, "INSERT OR IGNORE INTO origins(name) VALUES(?)", &j->org_ins, err)) ||
        (rc = prep(j, "SELECT id FROM origins WHERE name=?", &j->org_get, err)) ||
        (rc = prep(j, "BEGIN IMMEDIATE", &j->begin, err)) || (rc = prep(j, "COMMIT", &j->commit, err)) ||
        (rc = prep(j, "ROLLBACK", &j->rollback, err)))
        goto fail;
    if ((rc = mark_open(j, err)))
        goto fail;
    j->ckpt_running = 1;
    if (pthread_create(&j->ckpt_thread, NULL, ckpt_main, j) != 0)
        j->ckpt_running = 0;
    j->ckpt_thread_up = j->ckpt_running;
    j->wal_limit = WAL_GUARD_PAGES;
    sqlite3_wal_hook(j->db, wal_guard, j); /* replaces SQLite's own auto-checkpoint */
    *out = j;
    return 0;
fail:
    tl_journal_close(j);
    return rc ? rc : TL_EIO;
}

void tl_journal_set_checkpoint(tl_journal *j, int pages, int64_t period_ns)
{
    assert(pages > 0 && period_ns > 0);
    j->ckpt_pages = j->ckpt_next = pages;
    pthread_mutex_lock(&j->ckpt_mu);
    j->ckpt_period_ns = period_ns;
    pthread_cond_signal(&j->ckpt_cv);
    pthread_mutex_unlock(&j->ckpt_mu);
}

void tl_journal_set_wal_limit(tl_journal *j, int pages)
{
    assert(pages > 0);
    j->wal_limit = pages;
}

static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
}

static void path_text(const tl_product_hdr *h, char *buf, size_t cap)
{
    size_t o = 0;
    for (int i = 0; i < h->path_len && i < TL_PATH_MAX; i++) {
        size_t len = strnlen(h->path[i], TL_NATION_LEN - 1);
        if (o + len + 2 > cap)
            break;
        if (i)
            buf[o++] = ',';
        memcpy(buf + o, h->path[i], len);
        o += len;
    }
    buf[o] = '\0';
}

/* Roll the open transaction back. Origin ids created in it are gone too, so the
 * cache forgets them (they are looked up again). */
static void rollback_tx(tl_journal *j)
{
    run(j->rollback);
    j->n_origins = 0;
}

/* Body codec: the struct's bytes as chunks [u16 literal length][literal][u16 zero
 * run], the zero runs (of 4 bytes or more) left out. Round trip is exact. */
static uint64_t load8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Non-zero if one of v's 8 bytes is zero. */
static int has_zero_byte(uint64_t v) { return ((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL) != 0; }

static size_t body_pack(const unsigned char *in, size_t n, unsigned char *out)
{
    size_t i = 0, o = 0;
    while (i < n) {
        /* The literal ends where a run of 4 zero bytes starts; 8 bytes without a
         * zero cannot hold such a start, so they are skipped as a word. */
        size_t lit = i;
        while (lit < n) {
            if (lit + 8 <= n && !has_zero_byte(load8(in + lit))) {
                lit += 8;
                continue;
            }
            if (lit + 4 <= n && !in[lit] && !in[lit + 1] && !in[lit + 2] && !in[lit + 3])
                break;
            lit++;
        }
        size_t z = lit;
        while (z + 8 <= n && load8(in + z) == 0)
            z += 8;
        while (z < n && !in[z])
            z++;
        size_t nl = lit - i, nz = z - lit;
        assert(nl < 65536 && nz < 65536);
        out[o++] = (unsigned char)(nl & 0xff);
        out[o++] = (unsigned char)(nl >> 8);
        memcpy(out + o, in + i, nl);
        o += nl;
        out[o++] = (unsigned char)(nz & 0xff);
        out[o++] = (unsigned char)(nz >> 8);
        i = z;
    }
    return o;
}

/* Inverse of body_pack; 0 on success, -1 if the bytes are not a body of n bytes. */
static int body_unpack(const unsigned char *in, size_t len, unsigned char *out, size_t n)
{
    size_t i = 0, o = 0;
    while (i < len) {
        if (len - i < 2)
            return -1;
        size_t nl = (size_t)in[i] | (size_t)in[i + 1] << 8;
        i += 2;
        if (len - i < nl + 2 || n - o < nl)
            return -1;
        memcpy(out + o, in + i, nl);
        o += nl;
        i += nl;
        size_t nz = (size_t)in[i] | (size_t)in[i + 1] << 8;
        i += 2;
        if (n - o < nz)
            return -1;
        memset(out + o, 0, nz);
        o += nz;
    }
    return o == n ? 0 : -1;
}

int tl_journal_body_decode(const void *body, size_t len, tl_product *out, tl_err *err)
{
    if (!body || body_unpack(body, len, (unsigned char *)out, sizeof *out))
        return tl_err_set(err, TL_EPARSE, "body of %zu bytes does not decode to a %zu-byte product", len,
                          sizeof *out);
    /* The bytes are the struct as this build wrote it: the header must be one the
     * link can send on (its loops run to path_len, its strings are NUL-terminated). */
    const tl_product_hdr *h = &out->hdr;
    if (out->kind <= 0 || out->kind >= TL_PROD_KIND_COUNT)
        return tl_err_set(err, TL_EPARSE, "body: kind %d is not a product kind", (int)out->kind);
    if (h->path_len < 0 || h->path_len > TL_PATH_MAX)
        return tl_err_set(err, TL_EPARSE, "body: path_len %d outside 0..%d", h->path_len, TL_PATH_MAX);
    if (!memchr(h->origin, '\0', sizeof h->origin))
        return tl_err_set(err, TL_EPARSE, "body: origin not terminated");
    for (int i = 0; i < h->path_len; i++)
        if (!memchr(h->path[i], '\0', sizeof h->path[i]))
            return tl_err_set(err, TL_EPARSE, "body: path[%d] not terminated", i);
    return 0;
}

/* The journal's id of an origin (cached); creates it when create is set and it is
 * new (inside the caller's transaction). -1 if unknown and not created. */
static int64_t origin_id(tl_journal *j, const char *origin, int create)
{
    for (int i = 0; i < j->n_origins; i++)
        if (!strcmp(j->origin_name[i], origin))
            return j->origin_id[i];
    if (create) {
        sqlite3_bind_text(j->org_ins, 1, origin, -1, SQLITE_TRANSIENT);
        if (run(j->org_ins) != SQLITE_DONE)
            return -1;
    }
    sqlite3_bind_text(j->org_get, 1, origin, -1, SQLITE_TRANSIENT);
    int64_t id = sqlite3_step(j->org_get) == SQLITE_ROW ? sqlite3_column_int64(j->org_get, 0) : -1;
    sqlite3_reset(j->org_get);
    if (id > 0 && id < (1LL << (62 - SEQ_BITS)) && j->n_origins < ORIGINS_MAX) {
        snprintf(j->origin_name[j->n_origins], TL_NATION_LEN, "%s", origin);
        j->origin_id[j->n_origins++] = id;
    }
    return id;
}

/* seq may be SEQ_LIMIT itself (a bound: the first row id of the next origin). */
static int64_t row_id(int64_t oid, uint64_t seq)
{
    assert(seq <= SEQ_LIMIT);
    return oid * (int64_t)SEQ_LIMIT + (int64_t)seq;
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
    if (p->hdr.seq == 0 || p->hdr.seq >= SEQ_LIMIT)
        return tl_err_set(err, TL_EINVAL, "journal: append %s/%llu: sequence outside 1..2^40-1", p->hdr.origin,
                          (unsigned long long)p->hdr.seq);
    path_text(&p->hdr, path, sizeof path);
    if (!j->in_batch && run(j->begin) != SQLITE_DONE)
        return tl_err_set(err, TL_EIO, "journal: begin: %s", sqlite3_errmsg(j->db));
    int64_t oid = origin_id(j, p->hdr.origin, 1);
    if (oid < 0) {
        int r = tl_err_set(err, TL_EIO, "journal: origin %s: %s", p->hdr.origin, sqlite3_errmsg(j->db));
        if (!j->in_batch)
            rollback_tx(j);
        return r;
    }
    size_t body_len = body_pack((const unsigned char *)p, sizeof *p, j->body);
    sqlite3_stmt *s = j->ins;
    sqlite3_bind_int64(s, 1, row_id(oid, p->hdr.seq));
    sqlite3_bind_text(s, 2, p->hdr.origin, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)p->hdr.seq);
    sqlite3_bind_text(s, 4, tl_product_kind_name(p->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, status_name(st), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, via ? via : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 7, p->hdr.origin_time_ns);
    sqlite3_bind_int64(s, 8, recv_ns);
    sqlite3_bind_text(s, 9, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 10, p->hdr.marking, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 11, p->hdr.releasable_mask);
    sqlite3_bind_blob(s, 12, j->body, (int)body_len, SQLITE_STATIC);
    int rc = run(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_CONSTRAINT) { /* only this statement is undone */
        if (!j->in_batch)
            rollback_tx(j);
        return TL_ESTATE;
    }
    if (rc != SQLITE_DONE || (!j->in_batch && run(j->commit) != SQLITE_DONE)) {
        int r = tl_err_set(err, TL_EIO, "journal: append %s/%llu: %s", p->hdr.origin,
                           (unsigned long long)p->hdr.seq, sqlite3_errmsg(j->db));
        if (!j->in_batch)
            rollback_tx(j);
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
            rollback_tx(j);
        return r;
    }
    return 0;
}

int tl_journal_unclean(const tl_journal *j) { return j->unclean; }

void tl_journal_keep_unclean(tl_journal *j) { j->marked_open = 0; }

int tl_journal_reserve(tl_journal *j, const char *origin, uint64_t seq, tl_err *err)
{
    if (j->in_batch)
        return tl_err_set(err, TL_ESTATE, "journal: reserve inside a batch");
    sqlite3_exec(j->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL); /* this one commit is fsynced */
    int ok = run(j->begin) == SQLITE_DONE && advance(j, origin, seq) == 0 && run(j->commit) == SQLITE_DONE;
    int rc = ok ? 0 : tl_err_set(err, TL_EIO, "journal: reserve %s/%llu: %s", origin, (unsigned long long)seq,
                                 sqlite3_errmsg(j->db));
    if (!ok)
        rollback_tx(j);
    sqlite3_exec(j->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    return rc;
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
        rollback_tx(j);
        return r;
    }
    return 0;
}

void tl_journal_rollback(tl_journal *j)
{
    if (!j->in_batch)
        return;
    j->in_batch = 0;
    rollback_tx(j);
}

/* The leading rows of a `SELECT id, recv_ns ...` in id order journaled before
 * before_ns: the last such id (or -1) and their count in *n. */
static int64_t old_prefix(sqlite3_stmt *s, int64_t before_ns, int *n, int *rc)
{
    int64_t upto = -1;
    *n = 0;
    while ((*rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_type(s, 1) != SQLITE_INTEGER || sqlite3_column_int64(s, 1) >= before_ns)
            break;
        upto = sqlite3_column_int64(s, 0);
        ++*n;
    }
    *rc = *rc == SQLITE_ROW || *rc == SQLITE_DONE ? SQLITE_OK : *rc;
    sqlite3_reset(s);
    return upto;
}

/* Delete what `del` selects with ?1 lo, ?2 upto; the number of rows deleted or -1. */
static int delete_range(tl_journal *j, sqlite3_stmt *del, int64_t lo, int64_t upto)
{
    sqlite3_bind_int64(del, 1, lo);
    sqlite3_bind_int64(del, 2, upto);
    return run(del) == SQLITE_DONE ? sqlite3_changes(j->db) : -1;
}

/* Rows of one origin (row ids in (lo, hi)) journaled before before_ns, except its
 * newest; at most budget. Returns the count deleted or -1. */
static int prune_origin(tl_journal *j, sqlite3_stmt *newest, sqlite3_stmt *old, sqlite3_stmt *del, int64_t lo,
                        int64_t hi, int64_t before_ns, int budget)
{
    sqlite3_bind_int64(newest, 1, lo);
    sqlite3_bind_int64(newest, 2, hi);
    int rc = sqlite3_step(newest);
    int64_t top = rc == SQLITE_ROW && sqlite3_column_type(newest, 0) == SQLITE_INTEGER ? sqlite3_column_int64(newest, 0)
                                                                                        : -1;
    sqlite3_reset(newest);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    if (top < 0)
        return 0;
    int n;
    sqlite3_bind_int64(old, 1, lo);
    sqlite3_bind_int64(old, 2, top); /* the newest is never a candidate */
    sqlite3_bind_int(old, 3, budget);
    int64_t upto = old_prefix(old, before_ns, &n, &rc);
    if (rc != SQLITE_OK)
        return -1;
    return n ? delete_range(j, del, lo, upto) : 0;
}

int tl_journal_prune(tl_journal *j, int64_t before_ns, int max_rows, int *removed, tl_err *err)
{
    static const char *const sql[] = {
        "SELECT id FROM origins ORDER BY id",
        "SELECT max(id) FROM products WHERE id > ?1 AND id < ?2",
        "SELECT id, recv_ns FROM products WHERE id > ?1 AND id < ?2 ORDER BY id LIMIT ?3",
        "DELETE FROM products WHERE id > ?1 AND id <= ?2",
        "SELECT id, recv_ns FROM rejected WHERE id > ?1 ORDER BY id LIMIT ?2",
        "DELETE FROM rejected WHERE id > ?1 AND id <= ?2",
    };
    enum { ORIGINS, NEWEST, OLD, DEL, REJ_OLD, REJ_DEL, NSQL };
    sqlite3_stmt *st[NSQL] = {0};
    int total = 0, rc = 0;
    if (removed)
        *removed = 0;
    if (j->in_batch)
        return tl_err_set(err, TL_ESTATE, "journal: prune inside a batch");
    if (max_rows <= 0)
        return 0;
    for (int i = 0; i < NSQL && !rc; i++)
        rc = prep(j, sql[i], &st[i], err);
    if (!rc && run(j->begin) != SQLITE_DONE)
        rc = tl_err_set(err, TL_EIO, "journal: prune: begin: %s", sqlite3_errmsg(j->db));
    int open = !rc, step = SQLITE_DONE;
    while (!rc && total < max_rows && (step = sqlite3_step(st[ORIGINS])) == SQLITE_ROW) {
        int64_t oid = sqlite3_column_int64(st[ORIGINS], 0);
        if (oid <= 0 || oid >= INT64_MAX / (int64_t)SEQ_LIMIT - 1)
            continue; /* not a row-id prefix (a hand-edited table): nothing of it to delete */
        int n = prune_origin(j, st[NEWEST], st[OLD], st[DEL], row_id(oid, 0), row_id(oid + 1, 0), before_ns,
                             max_rows - total);
        if (n < 0)
            rc = tl_err_set(err, TL_EIO, "journal: prune: %s", sqlite3_errmsg(j->db));
        else
            total += n;
    }
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = tl_err_set(err, TL_EIO, "journal: prune: origins: %s", sqlite3_errmsg(j->db));
    if (!rc && total < max_rows) {
        int n;
        sqlite3_bind_int64(st[REJ_OLD], 1, 0);
        sqlite3_bind_int(st[REJ_OLD], 2, max_rows - total);
        int64_t upto = old_prefix(st[REJ_OLD], before_ns, &n, &step);
        n = step != SQLITE_OK ? -1 : n ? delete_range(j, st[REJ_DEL], 0, upto) : 0;
        if (n < 0)
            rc = tl_err_set(err, TL_EIO, "journal: prune rejected: %s", sqlite3_errmsg(j->db));
        else
            total += n;
    }
    for (int i = 0; i < NSQL; i++)
        sqlite3_finalize(st[i]);
    if (open && !rc && run(j->commit) != SQLITE_DONE)
        rc = tl_err_set(err, TL_EIO, "journal: prune: commit: %s", sqlite3_errmsg(j->db));
    if (open && rc)
        rollback_tx(j);
    if (!rc && removed)
        *removed = total;
    return rc;
}

uint64_t tl_journal_last_seq(tl_journal *j, const char *origin)
{
    int64_t oid = origin_id(j, origin, 0);
    sqlite3_bind_text(j->last, 1, origin, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(j->last, 2, oid > 0 ? row_id(oid, 0) : INT64_MAX);
    sqlite3_bind_int64(j->last, 3, oid > 0 ? row_id(oid + 1, 0) : INT64_MAX);
    uint64_t v = sqlite3_step(j->last) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(j->last, 0) : 0;
    sqlite3_reset(j->last);
    return v;
}

/* Visit the bodies of rows strictly between lo and hi (row ids), at most max_n. */
static int scan(tl_journal *j, sqlite3_stmt *s, int64_t a, int64_t b, int max_n, tl_journal_visit_fn fn,
                void *user)
{
    tl_product p;
    int n = 0, rc;
    sqlite3_bind_int64(s, 1, a);
    sqlite3_bind_int64(s, 2, b);
    sqlite3_bind_int(s, 3, max_n);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const unsigned char *body = sqlite3_column_blob(s, 1);
        int len = sqlite3_column_bytes(s, 1);
        tl_err derr;
        if (tl_journal_body_decode(body, (size_t)len, &p, &derr)) {
            fprintf(stderr, "%s: products row %lld: %s (skipped)\n", j->path,
                    (long long)sqlite3_column_int64(s, 0), derr.msg);
            continue;
        }
        n++;
        if (fn(user, &p))
            break;
    }
    sqlite3_reset(s);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? n : TL_EIO;
}

static uint64_t clamp_seq(uint64_t seq) { return seq >= SEQ_LIMIT ? SEQ_LIMIT : seq; }

int tl_journal_scan(tl_journal *j, const char *origin, uint64_t after_seq, int max_n, tl_journal_visit_fn fn,
                    void *user)
{
    int64_t oid = origin_id(j, origin, 0);
    if (oid <= 0)
        return 0;
    return scan(j, j->scan, row_id(oid, clamp_seq(after_seq)), row_id(oid + 1, 0), max_n, fn, user);
}

int tl_journal_scan_desc(tl_journal *j, const char *origin, uint64_t before_seq, int max_n,
                         tl_journal_visit_fn fn, void *user)
{
    int64_t oid = origin_id(j, origin, 0);
    if (oid <= 0)
        return 0;
    return scan(j, j->scan_desc, row_id(oid, clamp_seq(before_seq)), row_id(oid, 0), max_n, fn, user);
}
