/* journal.h — the node's journal: every product sent or received (and every
 * rejected sample) appended to an SQLite database in WAL mode in the node's state
 * directory, before the rest of the node acts on it. It also keeps the last
 * sequence processed per origin, so a restarted node knows what to ask for.
 */
#ifndef TRILINK_JOURNAL_H
#define TRILINK_JOURNAL_H

#include <stdint.h>

#include "trilink/error.h"
#include "trilink/link.h"

typedef struct tl_journal tl_journal;

/** Journal status of a product row. */
typedef enum tl_journal_status {
    TL_J_OWN = 1,      /**< our own product */
    TL_J_ACCEPTED = 2, /**< a partner's product, releasable to us, handed to fusion */
    TL_J_TRANSIT = 3   /**< a partner's product we only relay (not releasable to us) */
} tl_journal_status;

/** Open (create) DIR/journal.db. */
int tl_journal_open(const char *dir, tl_journal **out, tl_err *err);
void tl_journal_close(tl_journal *j);

/** Append a product and advance the origin's last processed sequence in one
 *  transaction. TL_ESTATE if (origin, seq) is already journaled (a duplicate). */
int tl_journal_append(tl_journal *j, const tl_product *p, tl_journal_status st, const char *via,
                      int64_t recv_ns, tl_err *err);

/** Append a rejected sample (kept apart; never forwarded). advance: also move the
 *  origin's last processed sequence to p->hdr.seq. */
int tl_journal_reject(tl_journal *j, const tl_product *p, const char *via, const char *reason,
                      const char *detail, int advance, int64_t recv_ns, tl_err *err);

/** Group commit: appends and rejects between begin and commit form one
 *  transaction (the node acts on them only after commit). A duplicate inside a
 *  batch undoes only itself. */
int tl_journal_begin(tl_journal *j, tl_err *err);
int tl_journal_commit(tl_journal *j, tl_err *err);
/** Undo everything appended since tl_journal_begin (no-op outside a batch). */
void tl_journal_rollback(tl_journal *j);

/** 1 if the journal's previous holder did not close it (crash, kill, power loss). */
int tl_journal_unclean(const tl_journal *j);

/** Leave the journal marked as not closed cleanly, whatever happens at close: the
 *  next holder then finds it unclean (for a node: products left without their
 *  journal rows, so their sequence numbers must never be used again). */
void tl_journal_keep_unclean(tl_journal *j);

/** When the checkpoint thread runs: at this many WAL pages or after period_ns,
 *  whichever comes first (defaults 2048 pages, 1 s; docs/network.md "Delivery"). */
void tl_journal_set_checkpoint(tl_journal *j, int pages, int64_t period_ns);

/** WAL size (pages) at which a commit checkpoints inline (default 16384, 64 MB),
 *  in case the checkpoint thread, which runs only on idle CPU time, falls behind. */
void tl_journal_set_wal_limit(tl_journal *j, int pages);

/** Durably (fsynced) record that origin's sequence has reached seq, so that
 *  tl_journal_last_seq() never returns less, whatever was lost since. */
int tl_journal_reserve(tl_journal *j, const char *origin, uint64_t seq, tl_err *err);

/** Retention: delete at most max_rows of the oldest rows journaled (recv_ns) before
 *  before_ns, in one transaction: products, except each origin's newest (so
 *  tl_journal_last_seq() is kept), and rejected samples. *removed (may be NULL) gets
 *  the count; a call that removes max_rows may leave more. Not inside a batch. */
int tl_journal_prune(tl_journal *j, int64_t before_ns, int max_rows, int *removed, tl_err *err);

/** Last processed sequence from origin (0 if none). */
uint64_t tl_journal_last_seq(tl_journal *j, const char *origin);

/** Decode one products.body blob (the journal's packed form of a tl_product, read
 *  from disk: outside input) into *out and check its header is one the link can
 *  send on: a known kind, path_len 0..TL_PATH_MAX, NUL-terminated origin and path
 *  entries. TL_EPARSE with err saying what is wrong.
 *  tl_journal_scan and tl_journal_scan_desc skip (and report) rows that fail it. */
int tl_journal_body_decode(const void *body, size_t len, tl_product *out, tl_err *err);

/** Visit journaled products (own, accepted, transit) from origin with seq > after_seq,
 *  ascending, at most max_n. fn returns non-zero to stop. Returns the count visited
 *  or a negative code. */
typedef int (*tl_journal_visit_fn)(void *user, const tl_product *p);
int tl_journal_scan(tl_journal *j, const char *origin, uint64_t after_seq, int max_n,
                    tl_journal_visit_fn fn, void *user);

/** Like tl_journal_scan but descending from seq < before_seq. */
int tl_journal_scan_desc(tl_journal *j, const char *origin, uint64_t before_seq, int max_n,
                         tl_journal_visit_fn fn, void *user);

#endif
