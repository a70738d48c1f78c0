/* node.c — a national node on the link: one DDS participant per bilateral link
 * domain (each with its own DDS Security identity set through QoS properties),
 * a writer and a reader per product topic, heartbeats and gap-fill requests.
 *
 * Delivery (docs/network.md): every product carries its origin's sequence number
 * and a per-hop prev_seq ("nothing owed to you from this origin between prev_seq
 * and seq"). A node processes an origin's products strictly in order: a product
 * whose prev_seq is beyond what it has processed waits in a bounded hold buffer
 * while a gap-fill request ("everything from origin after N") goes to the sender,
 * which answers from its journal. Duplicates (seq already processed) are dropped.
 * An origin sends its products, then commits them before its publish call returns;
 * a receiver journals what it accepts before it hands it to fusion. A relay forwards to every link the
 * policy allows, never to a nation on the path, with the source timestamp kept
 * and its own participant ignored (ignore-local), and commits its own copy while
 * the forwarded samples travel (batch_flush says why that loses nothing).
 *
 * Bundles: products sent on a link within one locked section are staged per link
 * and written at flush time, a run of one kind as one sample (plain for one
 * product, a bundle for 2..16); a run ends at 16 or when another kind is sent on
 * that link, so the link's send order is kept (send_on, stage_flush). A received
 * bundle's items go one by one through the same path as plain samples (on_bundle).
 *
 * Threads: tl_node_poll() waits on one waitset for the readers of all participants
 * and runs timers (heartbeats, link health, gap detection). With low_latency the
 * product and heartbeat readers are taken in DDS listeners instead (gap-fill
 * requests stay on the poll thread), but only while samples arrive one at a time:
 * in a burst, or while the node is busy, the listener hands the readers to the
 * poll thread (a guard condition on the waitset), which takes them in batches,
 * so a receive thread never falls behind its socket. One mutex serialises all of
 * it with the public calls.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dds/dds.h"
#include "link_int.h"
#include "trilink/journal.h"
#include "trilink/netconfig.h"
#include "trilink/pki.h"

#define HOLD_MAX 4096
#define TAKE_BATCH 64
#define GAPFILL_MAX 20000   /* products per gap-fill answer (the receiver asks again) */
#define NK TL_PROD_KIND_COUNT
#define TOPIC_HB NK         /* reader slots: 1..4 products, 5 heartbeat, 6 gap-fill, */
#define TOPIC_GF (NK + 1)
#define TOPIC_BUNDLE(k) (NK + 1 + (k)) /* 7..10 bundles of kind k = 1..4 */
#define NSLOT (2 * NK + 1)
#define BUNDLE_MAX 16       /* items of a bundle (the IDL bound) */

static int slot_is_product(int s) { return s != TOPIC_HB && s != TOPIC_GF; }
/* The product kind a product or bundle slot carries. */
static tl_product_kind slot_kind(int s) { return (tl_product_kind)(s < NK ? s : s - (NK + 1)); }

/* A link's run of same-kind products staged for one write: one staged product goes
 * as a plain sample, 2..BUNDLE_MAX as one bundle (fewer samples: with DDS Security
 * most of a write's cost is per sample). Items are in wire form; their sequences
 * point into their own tl__wire, which stays put until the write. */
typedef struct tl__stage {
    tl_product_kind kind;
    int n, n_gapfill;     /* items, and how many of them answer a gap-fill request */
    dds_time_t ts;        /* source timestamp of the first item: the sample's */
    tl__wire w[BUNDLE_MAX];
    union {
        trilink_Track track[BUNDLE_MAX];
        trilink_LaunchEstimate launch[BUNDLE_MAX];
        trilink_ImpactPrediction impact[BUNDLE_MAX];
        trilink_Alert alert[BUNDLE_MAX];
    } items;
} tl__stage;

typedef struct tl__link {
    const tl_net_link *cfg;
    int self_end;
    char peer[TL_NATION_LEN];
    dds_entity_t dom, pp, wr[NSLOT], rd[NSLOT];
    int watched; /* its domain is registered with authlog.c */
    uint32_t unflushed; /* writers (bit per slot) with batched samples not yet sent */
    uint32_t gap_suspect; /* origins (bit per nation) with a product held for a gap this pass */
    tl__stage stage;
    tl_link_health h;
    int64_t last_hb_rx_ns;
    int need_gapfill;
    uint64_t last_eligible[TL_NET_NATIONS_MAX]; /* chain: last seq per origin owed on this link */
    uint64_t peer_offered[TL_NET_NATIONS_MAX];
    int64_t gap_since_ns[TL_NET_NATIONS_MAX];
    int64_t last_req_ns[TL_NET_NATIONS_MAX];
    uint64_t last_req_after[TL_NET_NATIONS_MAX];
} tl__link;

/* A product journaled in the open batch, to hand on once the batch commits. */
typedef struct tl__pending {
    int link;
    int mine;
    dds_time_t src_ts;
    tl_product p;
} tl__pending;

#define PEND_MAX 128
/* low_latency: a listener call that comes sooner after the end of the previous take
 * than that take lasted (+ BURST_SLACK_NS for Cyclone's own receive and decryption
 * on the same thread) means products arrive faster than the receive thread handles
 * them: a burst, handed to the poll thread. Calls more than BURST_GAP_MAX_NS apart
 * are never a burst. A fixed 200 us gap sent 40% of a relay's closed-loop products
 * (one every ~200 us, each taken in ~50 us) to the poll thread: a wake-up more. */
#define BURST_SLACK_NS 50000
#define BURST_GAP_MAX_NS 1000000
#define ATTACH_DEFERRED ((dds_attach_t)(TL_LINKS_MAX * NSLOT))

typedef struct tl__held {
    int used;
    int link;
    int oi;
    dds_time_t src_ts;
    tl_product p;
} tl__held;

typedef struct tl__lst_arg {
    struct tl_node *n;
    int li, slot;
} tl__lst_arg;

struct tl_node {
    pthread_mutex_t mu; /* serialises listeners, poll and the public calls */
    tl__lst_arg lst[TL_LINKS_MAX * NSLOT];
    tl_netconfig cfg;
    char self[TL_NATION_LEN];
    int self_idx;
    tl_node_opts opts;
    tl_journal *j;
    int n_links;
    tl__link links[TL_LINKS_MAX];
    dds_entity_t ws;
    dds_entity_t deferred_gc; /* low_latency: "the poll thread takes the listener readers" */
    int deferred;
    int closing; /* tl_node_destroy has begun: listeners take nothing more */
    int64_t last_take_end_ns;  /* end of the last take (listener or poll thread) */
    int64_t last_take_cost_ns; /* how long it lasted */
    uint64_t last_done[TL_NET_NATIONS_MAX]; /* last processed seq per origin */
    int n_held;
    tl__held *held;
    int64_t start_ns, next_tick_ns;
    int64_t next_prune_ns; /* journal retention (cfg.journal_retain_s) */
    long long pruned;      /* rows removed by the current retention run */
    uint64_t pruned_total; /* ... and since start */
    uint64_t hb_seq;
    tl__wire wire;
    tl_product scratch;
    int in_batch, n_pend;
    tl__pending pend[PEND_MAX];
};

int64_t tl_node_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void logf_(const tl_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const tl_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "trilink node %s: ", n->self);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- writes: batched under the lock, sent when it is released ---------------- */

/* Send what the link's writers batched so far. */
static void flush_link(tl__link *l)
{
    for (int s = 1; s < NSLOT && l->unflushed; s++)
        if (l->unflushed & (1u << s)) {
            dds_write_flush(l->wr[s]);
            l->unflushed &= ~(1u << s);
        }
}

/* Writers run in Cyclone's WriteBatch mode: samples written while the node's lock
 * is held are packed into as few RTPS messages as fit (one encryption and one
 * sendmsg per message instead of per sample) and sent by unlock(). Each writer
 * packs its own messages, so a write to another writer of the link first sends
 * what the others hold: the link's messages leave in write order (a receiver that
 * got a product has got its chain predecessors too). */
static dds_return_t write_slot(tl__link *l, int slot, const void *sample, dds_time_t ts)
{
    if (l->unflushed & ~(1u << slot))
        flush_link(l);
    l->unflushed |= 1u << slot;
    return dds_write_ts(l->wr[slot], sample, ts);
}

static void lock(tl_node *n) { pthread_mutex_lock(&n->mu); }

/* Write the link's staged run: one product as a plain sample, more as a bundle. */
static void stage_flush(tl_node *n, tl__link *l)
{
    tl__stage *st = &l->stage;
    if (st->n == 0)
        return;
    int k = st->kind, cnt = st->n;
    dds_return_t rc;
    if (cnt == 1)
        rc = write_slot(l, k, &st->w[0].u, st->ts);
    else {
        union {
            trilink_TrackBundle track;
            trilink_LaunchEstimateBundle launch;
            trilink_ImpactPredictionBundle impact;
            trilink_AlertBundle alert;
        } b;
        memset(&b, 0, sizeof b);
        /* the items' sequences keep pointing into st->w[i] (path, sensors) */
        for (int i = 0; i < cnt; i++)
            switch (k) {
            case TL_PROD_TRACK: st->items.track[i] = st->w[i].u.track; break;
            case TL_PROD_LAUNCH: st->items.launch[i] = st->w[i].u.launch; break;
            case TL_PROD_IMPACT: st->items.impact[i] = st->w[i].u.impact; break;
            default: st->items.alert[i] = st->w[i].u.alert; break;
            }
#define SET_ITEMS(seq, arr) ((seq)._maximum = BUNDLE_MAX, (seq)._length = (uint32_t)cnt, (seq)._buffer = (arr))
        switch (k) {
        case TL_PROD_TRACK: SET_ITEMS(b.track.items, st->items.track); break;
        case TL_PROD_LAUNCH: SET_ITEMS(b.launch.items, st->items.launch); break;
        case TL_PROD_IMPACT: SET_ITEMS(b.impact.items, st->items.impact); break;
        default: SET_ITEMS(b.alert.items, st->items.alert); break;
        }
#undef SET_ITEMS
        rc = write_slot(l, TOPIC_BUNDLE(k), &b, st->ts);
    }
    if (rc < 0) {
        if (n->opts.verbose)
            logf_(n, "write of %d %s products to %s failed: %s (gap-fill will repair)", cnt,
                  tl_product_kind_name((tl_product_kind)k), l->peer, dds_strretcode(rc));
    } else {
        l->h.samples_out += (uint64_t)cnt;
        l->h.gaps_filled += (uint64_t)st->n_gapfill;
        l->h.bundles_out += cnt > 1;
    }
    st->n = st->n_gapfill = 0;
}

/* Write the staged runs and send what the writers batched so far (the lock is held). */
static void flush_writes(tl_node *n)
{
    for (int li = 0; li < n->n_links; li++) {
        tl__link *l = &n->links[li];
        stage_flush(n, l);
        flush_link(l);
    }
}

static void unlock(tl_node *n)
{
    flush_writes(n);
    pthread_mutex_unlock(&n->mu);
}

/* ---- DDS set-up ------------------------------------------------------------ */

static int peer_port(int domain, int pindex) { return 7400 + 250 * domain + 10 + 2 * pindex; }

/* The domain's Cyclone configuration: pinned interface, no multicast, unicast
 * discovery to the peer's fixed port, fixed participant index. Receive sockets ask
 * for 4 MiB (Cyclone's default asks for 1 MiB): a reliable writer keeps up to its
 * WHC high-water mark (500 kB) in flight, and on loopback each ~1.4 kB fragment takes
 * ~3 kB of socket buffer, so a full-rate burst into a busy relay overflowed 1 MiB;
 * the drops then turned into a retransmission storm that held the relay at ~12,000
 * products/s instead of ~80,000 (docs/network.md, "Speed"). The kernel caps the
 * request at net.core.rmem_max (4 MiB here; Debian's default is 208 kB). */
static void domain_xml(const tl__link *l, char *buf, size_t cap)
{
    const tl_net_end *me = &l->cfg->ends[l->self_end], *peer = &l->cfg->ends[1 - l->self_end];
    snprintf(buf, cap,
             "<CycloneDDS><Domain Id=\"%d\"><General><Interfaces><NetworkInterface address=\"%s\"/>"
             "</Interfaces><AllowMulticast>false</AllowMulticast></General>"
             "<Discovery><ParticipantIndex>%d</ParticipantIndex><Peers><Peer address=\"%s:%d\"/></Peers>"
             "<SPDPInterval>1s</SPDPInterval></Discovery><Internal><WriteBatch>true</WriteBatch>"
             "<SocketReceiveBufferSize max=\"4MiB\"/></Internal>"
             "<Tracing><Verbosity>warning</Verbosity><OutputFile>stderr</OutputFile></Tracing>"
             "</Domain></CycloneDDS>",
             l->cfg->domain_id, me->address, me->participant_index, peer->address,
             peer_port(l->cfg->domain_id, peer->participant_index));
}

static void set_file_prop(dds_qos_t *q, const char *name, const char *path)
{
    char uri[600];
    snprintf(uri, sizeof uri, "file:%s", path);
    dds_qset_prop(q, name, uri);
}

/* All fifteen DDS Security properties: one identity per participant. */
static void security_qos(dds_qos_t *q, const tl_pki_files *f)
{
    dds_qset_prop(q, "dds.sec.auth.library.path", "dds_security_auth");
    dds_qset_prop(q, "dds.sec.auth.library.init", "init_authentication");
    dds_qset_prop(q, "dds.sec.auth.library.finalize", "finalize_authentication");
    dds_qset_prop(q, "dds.sec.crypto.library.path", "dds_security_crypto");
    dds_qset_prop(q, "dds.sec.crypto.library.init", "init_crypto");
    dds_qset_prop(q, "dds.sec.crypto.library.finalize", "finalize_crypto");
    dds_qset_prop(q, "dds.sec.access.library.path", "dds_security_ac");
    dds_qset_prop(q, "dds.sec.access.library.init", "init_access_control");
    dds_qset_prop(q, "dds.sec.access.library.finalize", "finalize_access_control");
    set_file_prop(q, "dds.sec.auth.identity_ca", f->identity_ca);
    set_file_prop(q, "dds.sec.auth.identity_certificate", f->cert);
    set_file_prop(q, "dds.sec.auth.private_key", f->key);
    set_file_prop(q, "dds.sec.access.permissions_ca", f->permissions_ca);
    set_file_prop(q, "dds.sec.access.governance", f->governance);
    set_file_prop(q, "dds.sec.access.permissions", f->permissions);
}

static const dds_topic_descriptor_t *slot_desc(int s)
{
    if (s == TOPIC_HB)
        return &trilink_Heartbeat_desc;
    if (s == TOPIC_GF)
        return &trilink_GapFillRequest_desc;
    if (s > TOPIC_GF)
        return tl__bundle_desc(slot_kind(s));
    return tl__kind_desc((tl_product_kind)s);
}

static const char *slot_topic(int s)
{
    if (s == TOPIC_HB)
        return "trilink_Heartbeat";
    if (s == TOPIC_GF)
        return "trilink_GapFillRequest";
    if (s > TOPIC_GF)
        return tl__bundle_topic(slot_kind(s));
    return tl__kind_topic((tl_product_kind)s);
}

static int take_all(tl_node *n, int li, int slot, int64_t now);
static void settle_gaps(tl_node *n, int64_t now);

static int gap_suspect(const tl_node *n)
{
    for (int li = 0; li < n->n_links; li++)
        if (n->links[li].gap_suspect)
            return 1;
    return 0;
}

/* low_latency: products and heartbeats are taken on the DDS thread that received
 * them, if the node is idle. Gap-fill requests stay on the poll thread: answering
 * one writes many samples on the same domain, which must not block that domain's
 * receive thread. A receive thread that journals and forwards sample by sample
 * through a burst falls behind its socket (measured: tens of thousands of UDP
 * receive-buffer drops and multi-second retransmission stalls), so in a burst, or
 * when the lock is taken, the samples stay in the reader and the poll thread is
 * woken to take them in batches. */
static int64_t burst_gap(const tl_node *n)
{
    int64_t gap = n->last_take_cost_ns + BURST_SLACK_NS;
    return gap < BURST_GAP_MAX_NS ? gap : BURST_GAP_MAX_NS;
}

static void took(tl_node *n, int64_t start_ns)
{
    n->last_take_end_ns = tl_node_now_ns();
    n->last_take_cost_ns = n->last_take_end_ns - start_ns;
}

static void on_data_available(dds_entity_t rd, void *arg)
{
    (void)rd;
    tl__lst_arg *a = arg;
    tl_node *n = a->n;
    if (pthread_mutex_trylock(&n->mu) != 0) {
        dds_set_guardcondition(n->deferred_gc, true);
        return;
    }
    int64_t now = tl_node_now_ns();
    if (n->closing) {
        /* nothing more: a product taken now could no longer be forwarded on a link
         * already closed (it stays with the sender, which re-offers it) */
    } else if (n->deferred || now - n->last_take_end_ns < burst_gap(n)) {
        n->deferred = 1;
        dds_set_guardcondition(n->deferred_gc, true);
    } else {
        take_all(n, a->li, a->slot, now);
        took(n, now);
        if (gap_suspect(n)) { /* a product is held: the poll thread takes the other readers */
            n->deferred = 1;
            dds_set_guardcondition(n->deferred_gc, true);
        }
    }
    unlock(n);
}

/* Poll thread: take what the listeners handed over, then let them take again. */
static void take_deferred(tl_node *n)
{
    bool was;
    dds_take_guardcondition(n->deferred_gc, &was);
    lock(n);
    int64_t now = tl_node_now_ns();
    int more = 0;
    for (int li = 0; li < n->n_links; li++)
        for (int s = 1; s < NSLOT; s++)
            if (s != TOPIC_GF)
                more |= take_all(n, li, s, now);
    settle_gaps(n, now);
    if (more) /* the round limit was hit: come back after the other readers */
        dds_set_guardcondition(n->deferred_gc, true);
    else
        n->deferred = 0;
    took(n, now);
    unlock(n);
}

static int link_open(tl_node *n, int li, const tl_pki_files *pki, tl_err *err)
{
    tl__link *l = &n->links[li];
    char xml[1200];
    domain_xml(l, xml, sizeof xml);
    if (tl__authlog_watch((uint32_t)l->cfg->domain_id))
        return tl_err_set(err, TL_ENOMEM, "link %s: too many link domains in one process", l->cfg->name);
    l->watched = 1;
    l->dom = dds_create_domain((dds_domainid_t)l->cfg->domain_id, xml);
    if (l->dom < 0)
        return tl_err_set(err, TL_ENET, "link %s: domain %d: dds_create_domain: %s (see stderr)", l->cfg->name,
                          l->cfg->domain_id, dds_strretcode(l->dom));
    dds_qos_t *pq = dds_create_qos();
    if (pki)
        security_qos(pq, pki);
    l->pp = dds_create_participant((dds_domainid_t)l->cfg->domain_id, pq, NULL);
    dds_delete_qos(pq);
    if (l->pp < 0)
        return tl_err_set(err, pki ? TL_ESECURITY : TL_ENET,
                          "link %s: domain %d: participant refused: %s (DDS Security log on stderr)",
                          l->cfg->name, l->cfg->domain_id, dds_strretcode(l->pp));
    for (int s = 1; s < NSLOT; s++) {
        dds_entity_t tp = dds_create_topic(l->pp, slot_desc(s), slot_topic(s), NULL, NULL);
        if (tp < 0)
            return tl_err_set(err, TL_ENET, "link %s: topic %s: %s", l->cfg->name, slot_topic(s),
                              dds_strretcode(tp));
        int depth = s == TOPIC_HB ? 4 : s == TOPIC_GF ? 64 : 2048;
        dds_qos_t *wq = dds_create_qos(), *rq = dds_create_qos();
        dds_qset_reliability(wq, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
        dds_qset_history(wq, DDS_HISTORY_KEEP_LAST, depth);
        dds_qset_durability(wq, DDS_DURABILITY_VOLATILE);
        dds_qset_writer_data_lifecycle(wq, false); /* never auto-dispose (see docs) */
        dds_qset_reliability(rq, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
        dds_qset_history(rq, DDS_HISTORY_KEEP_LAST, depth * 2);
        dds_qset_durability(rq, DDS_DURABILITY_VOLATILE);
        dds_qset_ignorelocal(rq, DDS_IGNORELOCAL_PARTICIPANT);
        dds_listener_t *lst = NULL;
        if (n->opts.low_latency && s != TOPIC_GF) {
            tl__lst_arg *a = &n->lst[li * NSLOT + s];
            *a = (tl__lst_arg){n, li, s};
            lst = dds_create_listener(a);
            dds_lset_data_available(lst, on_data_available);
        }
        l->wr[s] = dds_create_writer(l->pp, tp, wq, NULL);
        l->rd[s] = dds_create_reader(l->pp, tp, rq, lst);
        if (lst)
            dds_delete_listener(lst);
        dds_delete_qos(wq);
        dds_delete_qos(rq);
        if (l->wr[s] < 0 || l->rd[s] < 0)
            return tl_err_set(err, TL_ESECURITY, "link %s: %s endpoints refused: %s", l->cfg->name, slot_topic(s),
                              dds_strretcode(l->wr[s] < 0 ? l->wr[s] : l->rd[s]));
        if (n->opts.low_latency && s != TOPIC_GF)
            continue;
        dds_entity_t rc = dds_create_readcondition(l->rd[s], DDS_ANY_STATE);
        if (rc < 0 || dds_waitset_attach(n->ws, rc, (dds_attach_t)(li * NSLOT + s)) < 0)
            return tl_err_set(err, TL_ENET, "link %s: waitset: %s", l->cfg->name, dds_strretcode(rc));
    }
    return 0;
}

/* ---- chain state ------------------------------------------------------------ */

typedef struct chain_ctx {
    tl_node *n;
    tl__link *l;
    uint64_t found;
} chain_ctx;

static int chain_visit(void *user, const tl_product *p)
{
    chain_ctx *c = user;
    if (tl_netconfig_may_send(&c->n->cfg, c->n->self, p, c->l->peer)) {
        c->found = p->hdr.seq;
        return 1;
    }
    return 0;
}

/* After a restart: the last product per origin owed on each link, from the journal. */
static void recover_chains(tl_node *n)
{
    for (int oi = 0; oi < n->cfg.n_nations; oi++) {
        n->last_done[oi] = tl_journal_last_seq(n->j, n->cfg.nations[oi]);
        for (int li = 0; li < n->n_links; li++) {
            chain_ctx c = {n, &n->links[li], 0};
            tl_journal_scan_desc(n->j, n->cfg.nations[oi], INT64_MAX, 100000, chain_visit, &c);
            n->links[li].last_eligible[oi] = c.found;
        }
    }
}

/* After a crash, a kill or a power loss, our own last products may be missing from
 * the journal (synchronous=NORMAL: the OS may lose the last commits) although
 * partners hold them; reusing their sequence numbers would make partners drop the
 * new products as duplicates. So an origin whose last run did not stop cleanly
 * resumes its sequence further on, and records that durably before it publishes. */
#define UNCLEAN_SKIP 100000 /* far more than a node publishes between two WAL checkpoints */

static int skip_after_unclean_stop(tl_node *n, tl_err *err)
{
    if (!tl_journal_unclean(n->j))
        return 0;
    uint64_t skip = n->cfg.max_seq_jump / 2 < UNCLEAN_SKIP ? n->cfg.max_seq_jump / 2 : UNCLEAN_SKIP;
    uint64_t next = n->last_done[n->self_idx] + skip;
    int rc = tl_journal_reserve(n->j, n->self, next, err);
    if (rc)
        return rc;
    logf_(n, "the last run did not stop cleanly: own sequence goes on after %llu (%llu skipped, in case a lost "
             "write had used them)", (unsigned long long)next, (unsigned long long)skip);
    n->last_done[n->self_idx] = next;
    return 0;
}

/* ---- create / destroy ---------------------------------------------------------- */

int tl_node_create(const tl_netconfig *cfg, const char *nation, const tl_node_opts *opts, tl_node **out,
                   tl_err *err)
{
    if (!opts || !opts->state_dir)
        return tl_err_set(err, TL_EINVAL, "node: a state directory is required");
    int si = tl_netconfig_nation(cfg, nation);
    if (si < 0)
        return tl_err_set(err, TL_EINVAL, "%s: nation '%s' is not in 'nations'", cfg->path, nation);
    tl_node *n = calloc(1, sizeof *n);
    if (!n || !(n->held = calloc(HOLD_MAX, sizeof *n->held))) {
        if (n)
            free(n);
        return tl_err_set(err, TL_ENOMEM, "node: out of memory");
    }
    pthread_mutex_init(&n->mu, NULL);
    n->cfg = *cfg;
    snprintf(n->self, sizeof n->self, "%s", nation);
    n->self_idx = si;
    n->opts = *opts;
    int domains[TL_LINKS_MAX];
    for (int i = 0; i < cfg->n_links; i++) {
        const tl_net_link *lc = &n->cfg.links[i];
        int e = !strcmp(lc->ends[0].nation, nation) ? 0 : !strcmp(lc->ends[1].nation, nation) ? 1 : -1;
        if (e < 0)
            continue;
        if (n->n_links >= TL_LINKS_MAX) {
            tl_node_destroy(n);
            return tl_err_set(err, TL_EINVAL, "%s: %s has more than %d links", cfg->path, nation, TL_LINKS_MAX);
        }
        tl__link *l = &n->links[n->n_links];
        l->cfg = lc;
        l->self_end = e;
        tl__strlcpy(l->peer, lc->ends[1 - e].nation, sizeof l->peer);
        tl__strlcpy(l->h.peer, lc->ends[1 - e].nation, sizeof l->h.peer);
        l->h.domain_id = lc->domain_id;
        domains[n->n_links++] = lc->domain_id;
    }
    if (n->n_links == 0) {
        tl_node_destroy(n);
        return tl_err_set(err, TL_EINVAL, "%s: nation %s has no link", cfg->path, nation);
    }
    int rc = 0;
    tl_pki_files pki;
    if (opts->pki_dir) {
        tl_pki_files_for(opts->pki_dir, nation, &pki);
        if (!opts->skip_pki_check && (rc = tl_pki_check(&pki, domains, n->n_links, err))) {
            tl_node_destroy(n);
            return rc;
        }
    }
    if ((rc = tl_journal_open(opts->state_dir, &n->j, err))) {
        tl_node_destroy(n);
        return rc;
    }
    n->ws = dds_create_waitset(DDS_CYCLONEDDS_HANDLE);
    n->deferred_gc = n->ws < 0 ? n->ws : dds_create_guardcondition(DDS_CYCLONEDDS_HANDLE);
    if (n->deferred_gc < 0 || dds_waitset_attach(n->ws, n->deferred_gc, ATTACH_DEFERRED) < 0) {
        rc = tl_err_set(err, TL_ENET, "node: waitset: %s", dds_strretcode(n->deferred_gc));
        tl_node_destroy(n);
        return rc;
    }
    pthread_mutex_lock(&n->mu); /* listeners wait until the state is recovered */
    for (int li = 0; li < n->n_links; li++)
        if ((rc = link_open(n, li, opts->pki_dir ? &pki : NULL, err))) {
            pthread_mutex_unlock(&n->mu);
            tl_node_destroy(n);
            return rc;
        }
    recover_chains(n);
    if ((rc = skip_after_unclean_stop(n, err))) {
        pthread_mutex_unlock(&n->mu);
        tl_node_destroy(n);
        return rc;
    }
    pthread_mutex_unlock(&n->mu);
    n->start_ns = tl_node_now_ns();
    n->next_tick_ns = n->start_ns;
    *out = n;
    return 0;
}

void tl_node_destroy(tl_node *n)
{
    if (!n)
        return;
    lock(n);
    n->closing = 1;
    unlock(n);
    if (n->ws > 0)
        dds_delete(n->ws);
    if (n->deferred_gc > 0)
        dds_delete(n->deferred_gc);
    for (int li = 0; li < n->n_links; li++)
        if (n->links[li].pp > 0) {
            dds_delete(n->links[li].pp);
        }
    for (int li = 0; li < n->n_links; li++) {
        if (n->links[li].dom > 0)
            dds_delete(n->links[li].dom);
        if (n->links[li].watched)
            tl__authlog_unwatch((uint32_t)n->links[li].cfg->domain_id);
    }
    tl_journal_close(n->j);
    pthread_mutex_destroy(&n->mu);
    free(n->held);
    free(n);
}

/* ---- sending ------------------------------------------------------------------- */

static void reduce(const tl_netconfig *cfg, tl_product *q, const char *dest)
{
    uint32_t r = tl_netconfig_reductions(cfg, q->hdr.origin, q->kind, dest);
    if (q->kind == TL_PROD_TRACK) {
        if (r & TL_REDUCE_SENSORS) {
            q->u.track.n_sensors = 0;
            memset(q->u.track.sensors, 0, sizeof q->u.track.sensors);
        }
        if (r & TL_REDUCE_TRACK_QUALITY)
            q->u.track.quality = 0;
    }
}

/* Stage q, in wire form, in l's run: the run is written first if q is of another
 * kind, and when it reaches BUNDLE_MAX. */
static void stage_add(tl_node *n, tl__link *l, const tl_product *q, dds_time_t ts, int gapfill)
{
    tl__stage *st = &l->stage;
    if (st->n && st->kind != q->kind)
        stage_flush(n, l);
    if (st->n == 0) {
        st->kind = q->kind;
        st->ts = ts;
    }
    tl__to_wire(q, &st->w[st->n++]);
    st->n_gapfill += gapfill != 0;
    if (st->n == BUNDLE_MAX)
        stage_flush(n, l);
}

/* Send product p (as journaled: path without us unless we are the origin) on link l
 * with chain predecessor prev: staged in wire form, written when the run of its
 * kind on this link ends (another kind is sent, BUNDLE_MAX are staged, or the
 * writes are flushed at unlock), so the link's send order is kept. gapfill: an
 * answer to a gap-fill request (counted in gaps_filled once written). A failed
 * write is logged when the run is written; the receiver's gap-fill repairs it. */
static void send_on(tl_node *n, tl__link *l, const tl_product *p, uint64_t prev, dds_time_t ts, int gapfill)
{
    tl_product *q = &n->scratch;
    *q = *p;
    if (strcmp(q->hdr.origin, n->self) && q->hdr.path_len < TL_PATH_MAX)
        tl__strlcpy(q->hdr.path[q->hdr.path_len++], n->self, TL_NATION_LEN);
    q->hdr.prev_seq = prev;
    reduce(&n->cfg, q, l->peer);
    stage_add(n, l, q, ts, gapfill);
}

/* Forward/publish p on every link it may go to, extending each link's chain. */
static void fan_out(tl_node *n, const tl_product *p, int from_link, dds_time_t ts)
{
    int oi = tl_netconfig_nation(&n->cfg, p->hdr.origin);
    for (int li = 0; li < n->n_links; li++) {
        tl__link *l = &n->links[li];
        if (li == from_link || !tl_netconfig_may_send(&n->cfg, n->self, p, l->peer))
            continue;
        uint64_t prev = l->last_eligible[oi];
        l->last_eligible[oi] = p->hdr.seq;
        send_on(n, l, p, prev, ts, 0);
    }
}

static int publish_locked(tl_node *n, tl_product *p, int count, int64_t now_ns, tl_err *err);

int tl_node_publish(tl_node *n, tl_product *p, int64_t now_ns, tl_err *err)
{
    lock(n);
    int rc = publish_locked(n, p, 1, now_ns, err);
    unlock(n);
    return rc;
}

int tl_node_publish_many(tl_node *n, tl_product *p, int count, int64_t now_ns, tl_err *err)
{
    if (count < 0)
        return tl_err_set(err, TL_EINVAL, "publish: negative product count %d", count);
    lock(n);
    int rc = publish_locked(n, p, count, now_ns, err);
    unlock(n);
    return rc;
}

/* Fill in our header: origin, next sequence number, time, path, mask and marking. */
static int stamp_own(tl_node *n, tl_product *p, uint64_t seq, int64_t now_ns, tl_err *err)
{
    if (p->kind <= 0 || p->kind >= TL_PROD_KIND_COUNT)
        return tl_err_set(err, TL_EINVAL, "publish: bad product kind %d", (int)p->kind);
    if (seq >= TL_SEQ_LIMIT)
        return tl_err_set(err, TL_ESTATE, "publish: own sequence numbers exhausted (%llu)", (unsigned long long)seq);
    const char *marking = NULL;
    uint32_t policy = tl_netconfig_dests(&n->cfg, n->self, p->kind, &marking);
    tl_product_hdr *h = &p->hdr;
    h->releasable_mask = h->releasable_mask ? (h->releasable_mask & policy) : policy;
    if (!h->marking[0] && marking)
        snprintf(h->marking, sizeof h->marking, "%s", marking);
    snprintf(h->origin, sizeof h->origin, "%s", n->self);
    h->seq = seq;
    h->prev_seq = 0;
    h->origin_time_ns = now_ns;
    h->path_len = 1;
    memset(h->path, 0, sizeof h->path);
    snprintf(h->path[0], TL_NATION_LEN, "%s", n->self);
    return 0;
}

/* Stamp the count products, send them, then journal them in one transaction (all
 * or none): the journal's work (locks, WAL writes) is done while the samples
 * travel, and the call returns, i.e. the rest of the node learns the products are
 * published, only once they are committed. An origin must never use a sequence
 * number twice: if the process dies between the send and the commit, the journal
 * is found unclean at the next start and the sequence resumes far beyond
 * (skip_after_unclean_stop); if the journal refuses them, it is kept marked unclean
 * so that a later clean stop does not hide it. Partners that got such products
 * keep them (their journals and the relay's have them); gap-fill from this node
 * passes over them. */
static int publish_locked(tl_node *n, tl_product *p, int count, int64_t now_ns, tl_err *err)
{
    uint64_t seq = n->last_done[n->self_idx];
    for (int i = 0; i < count; i++) {
        int rc = stamp_own(n, &p[i], seq + 1 + (uint64_t)i, now_ns, err);
        if (rc)
            return rc; /* nothing sent, no number used */
    }
    for (int i = 0; i < count; i++) {
        n->last_done[n->self_idx] = p[i].hdr.seq;
        fan_out(n, &p[i], -1, (dds_time_t)now_ns);
    }
    flush_writes(n);
    int rc = tl_journal_begin(n->j, err);
    for (int i = 0; i < count && !rc; i++)
        rc = tl_journal_append(n->j, &p[i], TL_J_OWN, "", now_ns, err);
    if (rc)
        tl_journal_rollback(n->j);
    else
        rc = tl_journal_commit(n->j, err);
    if (rc) {
        tl_journal_keep_unclean(n->j);
        logf_(n, "%s: %d products sent but not journaled here (their sequence numbers are retired)", err->msg,
              count);
    }
    return rc;
}

int tl_node_inject_raw(tl_node *n, const tl_product *p, tl_err *err)
{
    int rc = 0;
    lock(n);
    tl__wire *w = &n->wire;
    for (int li = 0; li < n->n_links && !rc; li++) {
        tl__to_wire(p, w);
        dds_return_t r = write_slot(&n->links[li], p->kind, &w->u, dds_time());
        if (r < 0)
            rc = tl_err_set(err, TL_ENET, "inject: %s", dds_strretcode(r));
    }
    unlock(n);
    return rc;
}

int tl_node_inject_raw_many(tl_node *n, const tl_product *p, int count, tl_err *err)
{
    if (count < 0 || count > BUNDLE_MAX)
        return tl_err_set(err, TL_EINVAL, "inject: product count %d not in 0..%d", count, BUNDLE_MAX);
    for (int i = 0; i < count; i++)
        if (p[i].kind <= 0 || p[i].kind >= TL_PROD_KIND_COUNT)
            return tl_err_set(err, TL_EINVAL, "inject: product %d: bad kind %d", i, (int)p[i].kind);
    lock(n);
    dds_time_t ts = dds_time();
    for (int li = 0; li < n->n_links; li++) {
        for (int i = 0; i < count; i++) /* staged as they are: no path, chain or policy */
            stage_add(n, &n->links[li], &p[i], ts, 0);
    }
    unlock(n);
    return 0;
}

/* ---- gap-fill -------------------------------------------------------------------- */

static void request_gapfill(tl_node *n, tl__link *l, int oi, int64_t now, int force)
{
    uint64_t after = n->last_done[oi];
    if (!force && after == l->last_req_after[oi] && now - l->last_req_ns[oi] < 500000000)
        return;
    trilink_GapFillRequest r;
    memset(&r, 0, sizeof r);
    tl__strlcpy(r.requester, n->self, sizeof r.requester);
    tl__strlcpy(r.origin, n->cfg.nations[oi], sizeof r.origin);
    r.after_seq = after;
    r.request_time_ns = now;
    if (write_slot(l, TOPIC_GF, &r, now) >= 0) {
        l->last_req_ns[oi] = now;
        l->last_req_after[oi] = after;
        l->h.gapfill_requests++;
        if (n->opts.verbose)
            logf_(n, "gap-fill request to %s: origin %s after %llu", l->peer, r.origin, (unsigned long long)after);
    }
}

typedef struct reply_ctx {
    tl_node *n;
    tl__link *l;
    uint64_t prev;
    int64_t oldest_ns;
    int sent;
} reply_ctx;

static int reply_visit(void *user, const tl_product *p)
{
    reply_ctx *c = user;
    if (p->hdr.origin_time_ns < c->oldest_ns || !tl_netconfig_may_send(&c->n->cfg, c->n->self, p, c->l->peer))
        return 0;
    send_on(c->n, c->l, p, c->prev, (dds_time_t)p->hdr.origin_time_ns, 1);
    c->prev = p->hdr.seq;
    c->sent++;
    return 0;
}

static void serve_gapfill(tl_node *n, tl__link *l, const trilink_GapFillRequest *r, int64_t now)
{
    char origin[TL_NATION_LEN], req[TL_NATION_LEN];
    tl__strlcpy(origin, r->origin, sizeof origin);
    tl__strlcpy(req, r->requester, sizeof req);
    if (strcmp(req, l->peer) || tl_netconfig_nation(&n->cfg, origin) < 0 || !strcmp(origin, l->peer))
        return; /* never send an origin's products back towards it */
    reply_ctx c = {n, l, r->after_seq, now - (int64_t)(n->cfg.window_past_s * 1e9), 0};
    tl_journal_scan(n->j, origin, r->after_seq, GAPFILL_MAX, reply_visit, &c);
    if (n->opts.verbose)
        logf_(n, "gap-fill for %s: origin %s after %llu: %d re-sent", req, origin,
              (unsigned long long)r->after_seq, c.sent);
}

/* ---- receiving ------------------------------------------------------------------ */


static void batch_begin(tl_node *n)
{
    tl_err err;
    if (!n->in_batch && tl_journal_begin(n->j, &err) == 0)
        n->in_batch = 1;
}

/* A pending product the journal did not take: not handed to fusion; the origin's
 * chain rewinds so gap-fill fetches it again. */
static void forget(tl_node *n, const tl__pending *a)
{
    int oi = tl_netconfig_nation(&n->cfg, a->p.hdr.origin);
    if (oi >= 0 && n->last_done[oi] >= a->p.hdr.seq)
        n->last_done[oi] = a->p.hdr.prev_seq;
}

/* Forward the batch's products, then journal and commit them, then hand ours to
 * fusion. Forwarding does not wait for the relay's own journal: the relay's copy
 * is not the source, the origin's is (an origin sends and commits at once, see
 * publish_locked). If the relay dies before its commit, it fetches the products
 * again from upstream by gap-fill and downstream drops them as duplicates;
 * nothing reaches a receiver's fusion before that receiver has journaled it. */
static void batch_flush(tl_node *n)
{
    tl_err err;
    if (!n->in_batch)
        return;
    n->in_batch = 0;
    uint64_t chain[TL_LINKS_MAX][TL_NET_NATIONS_MAX];
    for (int li = 0; li < n->n_links; li++)
        memcpy(chain[li], n->links[li].last_eligible, sizeof chain[li]);
    for (int i = 0; i < n->n_pend; i++)
        fan_out(n, &n->pend[i].p, n->pend[i].link, n->pend[i].src_ts);
    flush_writes(n);
    int64_t now = tl_node_now_ns();
    uint32_t failed = 0; /* origins with a product the journal refused: the rest waits for gap-fill */
    for (int i = 0; i < n->n_pend; i++) {
        tl__pending *a = &n->pend[i];
        tl__link *l = &n->links[a->link];
        int oi = tl_netconfig_nation(&n->cfg, a->p.hdr.origin);
        int rc = (failed >> oi) & 1 ? TL_EIO
                                    : tl_journal_append(n->j, &a->p, a->mine ? TL_J_ACCEPTED : TL_J_TRANSIT, l->peer,
                                                        now, &err);
        if (rc == TL_ESTATE) { /* already journaled (before a restart): a duplicate */
            l->h.dups_dropped++;
            a->mine = 0;
        } else if (rc) {
            if (!((failed >> oi) & 1))
                logf_(n, "%s (product not acknowledged; gap-fill will retry)", err.msg);
            failed |= 1u << oi;
            forget(n, a);
            a->mine = 0;
        } else if (n->opts.verbose)
            logf_(n, "%s %s %s/%llu via %s", a->mine ? "accepted" : "transit", tl_product_kind_name(a->p.kind),
                  a->p.hdr.origin, (unsigned long long)a->p.hdr.seq, l->peer);
    }
    if (tl_journal_commit(n->j, &err)) {
        /* Not journaled: not handed to fusion. Forget them, and rewind the chains of
         * what was forwarded (it is sent again after gap-fill). */
        logf_(n, "%s (%d products not acknowledged; gap-fill will retry)", err.msg, n->n_pend);
        for (int i = 0; i < n->n_pend; i++)
            forget(n, &n->pend[i]);
        for (int li = 0; li < n->n_links; li++)
            memcpy(n->links[li].last_eligible, chain[li], sizeof chain[li]);
        n->n_pend = 0;
        return;
    }
    for (int i = 0; i < n->n_pend; i++)
        if (n->pend[i].mine && n->opts.on_product)
            n->opts.on_product(n->opts.user, &n->pend[i].p, n->links[n->pend[i].link].peer);
    n->n_pend = 0;
}

static void accept_product(tl_node *n, int li, const tl_product *p, dds_time_t ts)
{
    int oi = tl_netconfig_nation(&n->cfg, p->hdr.origin);
    uint32_t mask = p->hdr.releasable_mask & tl_netconfig_dests(&n->cfg, p->hdr.origin, p->kind, NULL);
    n->last_done[oi] = p->hdr.seq; /* rewound by batch_flush if the journal refuses it */
    tl__pending *a = &n->pend[n->n_pend++];
    a->link = li;
    a->mine = (mask >> n->self_idx) & 1;
    a->src_ts = ts;
    a->p = *p;
    if (!n->in_batch || n->n_pend == PEND_MAX) {
        int was = n->in_batch;
        if (!was)
            batch_begin(n); /* nothing open: make the flush below a plain commit */
        batch_flush(n);
        if (was)
            batch_begin(n);
    }
}

/* Deliver held products that became in order. */
static void drain(tl_node *n, int oi, int64_t now)
{
    for (int guard = 0; guard < HOLD_MAX + 1 && n->n_held > 0; guard++) {
        int progress = 0;
        for (int i = 0; i < HOLD_MAX && n->n_held > 0; i++) {
            tl__held *h = &n->held[i];
            if (!h->used || h->oi != oi)
                continue;
            if (h->p.hdr.seq <= n->last_done[oi]) {
                n->links[h->link].h.dups_dropped++;
                h->used = 0;
                n->n_held--;
                progress = 1;
            } else if (h->p.hdr.prev_seq <= n->last_done[oi]) {
                h->used = 0;
                n->n_held--;
                accept_product(n, h->link, &h->p, h->src_ts);
                progress = 1;
            }
        }
        if (!progress)
            break;
    }
}

/* Returns 0 if the hold buffer is full (p is dropped: the gap-fill recovers it). */
static int hold(tl_node *n, int li, int oi, const tl_product *p, dds_time_t ts)
{
    if (n->n_held >= HOLD_MAX)
        return 0;
    for (int i = 0; i < HOLD_MAX; i++) {
        tl__held *h = &n->held[i];
        if (h->used && h->oi == oi && h->p.hdr.seq == p->hdr.seq) {
            n->links[li].h.dups_dropped++;
            return 1;
        }
    }
    for (int i = 0; i < HOLD_MAX; i++)
        if (!n->held[i].used) {
            n->held[i] = (tl__held){1, li, oi, ts, *p};
            n->n_held++;
            return 1;
        }
    return 0;
}

/* After a take pass: a product held for a missing predecessor this pass may just
 * have been taken before it (each kind and bundle topic is its own reader, taken
 * one after the other, while the link sends in order). So the link's product
 * readers are taken once more, and only a gap still open then is asked for. */
static void settle_gaps(tl_node *n, int64_t now)
{
    for (int li = 0; li < n->n_links; li++) {
        tl__link *l = &n->links[li];
        if (!l->gap_suspect)
            continue;
        for (int s = 1; s < NSLOT; s++)
            if (slot_is_product(s))
                take_all(n, li, s, now);
        uint32_t m = l->gap_suspect;
        l->gap_suspect = 0;
        for (int oi = 0; oi < n->cfg.n_nations; oi++) {
            int open = 0;
            for (int i = 0; i < HOLD_MAX && (m >> oi & 1) && n->n_held > 0 && !open; i++)
                open = n->held[i].used && n->held[i].oi == oi;
            if (open)
                request_gapfill(n, l, oi, now, 0);
        }
    }
}

static void on_product(tl_node *n, int li, tl_product_kind k, const void *sample, dds_time_t ts, int64_t now)
{
    tl__link *l = &n->links[li];
    tl_product *p = &n->scratch;
    const char *detail = "";
    l->h.samples_in++;
    tl_reject_reason why = TL_REJ_NONE;
    if (tl__from_wire(k, sample, p, &detail))
        why = TL_REJ_BAD_FIELD;
    else
        why = tl_product_validate(&n->cfg, n->self, l->peer, p, now, &detail);
    int oi = tl_netconfig_nation(&n->cfg, p->hdr.origin);
    if (why == TL_REJ_NONE && p->hdr.seq > n->last_done[oi] + n->cfg.max_seq_jump) {
        why = TL_REJ_BAD_SEQUENCE;
        detail = "jump beyond max_seq_jump";
    }
    if (why != TL_REJ_NONE) {
        l->h.rejected[why]++;
        /* A content reject that is next in the chain is consumed, so the chain goes on. */
        int advance = oi >= 0 && why != TL_REJ_UNKNOWN_ORIGIN && why != TL_REJ_BAD_SEQUENCE &&
                      why != TL_REJ_BAD_PATH && p->hdr.prev_seq <= n->last_done[oi] &&
                      p->hdr.seq > n->last_done[oi];
        tl_journal_reject(n->j, p, l->peer, tl_reject_reason_name(why), detail, advance, now, NULL);
        logf_(n, "rejected %s from %s (origin %.7s seq %llu): %s: %s", tl_product_kind_name(k), l->peer,
              p->hdr.origin, (unsigned long long)p->hdr.seq, tl_reject_reason_name(why), detail);
        if (advance) {
            n->last_done[oi] = p->hdr.seq;
            drain(n, oi, now);
        }
        return;
    }
    if (p->hdr.seq <= n->last_done[oi]) {
        l->h.dups_dropped++;
        return;
    }
    if (p->hdr.prev_seq > n->last_done[oi]) {
        if (hold(n, li, oi, p, ts))
            l->gap_suspect |= 1u << oi; /* asked for after the pass, if still open (settle_gaps) */
        else
            request_gapfill(n, l, oi, now, 0);
        return;
    }
    tl_product copy = *p; /* accept_product reuses scratch when forwarding */
    accept_product(n, li, &copy, ts);
    drain(n, oi, now);
}

/* Each item of a bundle, in order, exactly as a plain sample of its kind; all carry
 * the bundle's source timestamp (it is only passed on when forwarding). */
static void on_bundle(tl_node *n, int li, tl_product_kind k, const void *sample, dds_time_t ts, int64_t now)
{
    uint32_t cnt = 0;
    switch (k) {
    case TL_PROD_TRACK: cnt = ((const trilink_TrackBundle *)sample)->items._length; break;
    case TL_PROD_LAUNCH: cnt = ((const trilink_LaunchEstimateBundle *)sample)->items._length; break;
    case TL_PROD_IMPACT: cnt = ((const trilink_ImpactPredictionBundle *)sample)->items._length; break;
    case TL_PROD_ALERT: cnt = ((const trilink_AlertBundle *)sample)->items._length; break;
    default: return;
    }
    n->links[li].h.bundles_in++;
    for (uint32_t i = 0; i < cnt && i < BUNDLE_MAX; i++) {
        const void *item;
        switch (k) {
        case TL_PROD_TRACK: item = &((const trilink_TrackBundle *)sample)->items._buffer[i]; break;
        case TL_PROD_LAUNCH: item = &((const trilink_LaunchEstimateBundle *)sample)->items._buffer[i]; break;
        case TL_PROD_IMPACT: item = &((const trilink_ImpactPredictionBundle *)sample)->items._buffer[i]; break;
        default: item = &((const trilink_AlertBundle *)sample)->items._buffer[i]; break;
        }
        on_product(n, li, k, item, ts, now);
    }
}

/* Clamped to +-1e18 ns (31 years): a peer's clock_ns of INT64_MIN must overflow
 * neither the subtraction nor the conversion back (make fuzz, fuzz_wire). */
int64_t tl__hb_latency(int64_t prev_ns, int64_t now_ns, int64_t clock_ns)
{
    double lat;
    if ((clock_ns < 0 && now_ns > INT64_MAX + clock_ns) || (clock_ns > 0 && now_ns < INT64_MIN + clock_ns))
        lat = clock_ns < 0 ? 1e18 : -1e18; /* the difference does not fit an int64 */
    else
        lat = fmax(-1e18, fmin(1e18, (double)(now_ns - clock_ns)));
    return prev_ns ? (int64_t)(0.8 * (double)prev_ns + 0.2 * lat) : (int64_t)lat;
}

static void on_heartbeat(tl_node *n, int li, const trilink_Heartbeat *hb, int64_t now)
{
    tl__link *l = &n->links[li];
    char origin[TL_NATION_LEN];
    tl__strlcpy(origin, hb->hdr.origin, sizeof origin);
    if (strcmp(origin, l->peer))
        return;
    l->h.latency_ns = tl__hb_latency(l->h.latency_ns, now, hb->clock_ns);
    if (!l->h.up)
        l->need_gapfill = 1;
    l->h.up = 1;
    l->last_hb_rx_ns = now;
    for (uint32_t i = 0; i < hb->offered._length && i < 16; i++) {
        char o[TL_NATION_LEN];
        tl__strlcpy(o, hb->offered._buffer[i].origin, sizeof o);
        int oi = tl_netconfig_nation(&n->cfg, o);
        if (oi >= 0 && oi != n->self_idx)
            l->peer_offered[oi] = hb->offered._buffer[i].seq;
    }
}

/* Take and process what reader (li, slot) holds, in batches; returns 1 if it
 * stopped at the round limit with samples possibly left. */
static int take_all(tl_node *n, int li, int slot, int64_t now)
{
    tl__link *l = &n->links[li];
    void *samples[TAKE_BATCH];
    dds_sample_info_t infos[TAKE_BATCH];
    for (int round = 0; round < 64; round++) {
        memset(samples, 0, sizeof samples);
        int cnt = dds_take(l->rd[slot], samples, infos, TAKE_BATCH, TAKE_BATCH);
        if (cnt <= 0)
            return 0;
        int products = slot_is_product(slot);
        if (products)
            batch_begin(n);
        for (int i = 0; i < cnt; i++) {
            if (!infos[i].valid_data)
                continue;
            if (slot == TOPIC_HB)
                on_heartbeat(n, li, samples[i], now);
            else if (slot == TOPIC_GF)
                serve_gapfill(n, l, samples[i], now);
            else if (slot < NK)
                on_product(n, li, (tl_product_kind)slot, samples[i], infos[i].source_timestamp, now);
            else
                on_bundle(n, li, slot_kind(slot), samples[i], infos[i].source_timestamp, now);
        }
        dds_return_loan(l->rd[slot], samples, cnt);
        if (products)
            batch_flush(n);
        if (cnt < TAKE_BATCH)
            return 0;
    }
    return 1;
}

/* ---- timers ---------------------------------------------------------------------- */

static void send_heartbeat(tl_node *n, tl__link *l, int64_t now)
{
    trilink_Heartbeat hb;
    trilink_LinkHealth lh[TL_LINKS_MAX];
    trilink_OriginSeq os[16];
    char path[TL_PATH_MAX][8];
    tl_product_hdr h;
    memset(&hb, 0, sizeof hb);
    memset(&h, 0, sizeof h);
    snprintf(h.origin, sizeof h.origin, "%s", n->self);
    h.seq = ++n->hb_seq;
    h.origin_time_ns = now;
    h.path_len = 1;
    snprintf(h.path[0], TL_NATION_LEN, "%s", n->self);
    tl__hdr_to_wire(&h, &hb.hdr, path);
    hb.clock_ns = now;
    hb.uptime_ns = now - n->start_ns;
    for (int i = 0; i < n->n_links; i++) {
        const tl_link_health *s = &n->links[i].h;
        trilink_LinkHealth *o = &lh[i];
        memset(o, 0, sizeof *o);
        tl__strlcpy(o->peer, s->peer, sizeof o->peer);
        o->up = s->up;
        o->latency_ns = s->latency_ns;
        o->samples_in = s->samples_in;
        o->samples_out = s->samples_out;
        o->gaps_filled = s->gaps_filled;
        o->dups_dropped = s->dups_dropped;
        for (int r = 1; r < TL_REJ_COUNT; r++)
            o->rejected += s->rejected[r];
    }
    hb.links._length = hb.links._maximum = (uint32_t)n->n_links;
    hb.links._buffer = lh;
    uint32_t no = 0;
    for (int oi = 0; oi < n->cfg.n_nations && no < 16; oi++)
        if (l->last_eligible[oi]) {
            tl__strlcpy(os[no].origin, n->cfg.nations[oi], sizeof os[no].origin);
            os[no++].seq = l->last_eligible[oi];
        }
    hb.offered._length = no;
    hb.offered._maximum = 16;
    hb.offered._buffer = os;
    write_slot(l, TOPIC_HB, &hb, now);
}

static void tick(tl_node *n, int64_t now)
{
    int64_t period = (int64_t)(n->cfg.heartbeat_period_s * 1e9);
    for (int li = 0; li < n->n_links; li++) {
        tl__link *l = &n->links[li];
        send_heartbeat(n, l, now);
        if (l->h.up && now - l->last_hb_rx_ns > 3 * period) {
            l->h.up = 0;
            logf_(n, "link to %s down (no heartbeat for %.1f s)", l->peer, (double)(now - l->last_hb_rx_ns) * 1e-9);
        }
        if (l->need_gapfill) {
            dds_publication_matched_status_t st;
            if (dds_get_publication_matched_status(l->wr[TOPIC_GF], &st) == 0 && st.current_count > 0) {
                logf_(n, "link to %s up: asking for what it holds beyond our journal", l->peer);
                for (int oi = 0; oi < n->cfg.n_nations; oi++)
                    if (oi != n->self_idx)
                        request_gapfill(n, l, oi, now, 1);
                l->need_gapfill = 0;
            }
        }
        /* Trailing gaps: the peer says it owes us more than we processed, for a while. */
        for (int oi = 0; oi < n->cfg.n_nations; oi++) {
            if (oi == n->self_idx || l->peer_offered[oi] <= n->last_done[oi]) {
                l->gap_since_ns[oi] = 0;
                continue;
            }
            if (!l->gap_since_ns[oi])
                l->gap_since_ns[oi] = now;
            else if (now - l->gap_since_ns[oi] > 3 * period / 2) {
                request_gapfill(n, l, oi, now, 1);
                l->gap_since_ns[oi] = now;
            }
        }
    }
}

/* Journal retention: rows older than journal_retain_s go, PRUNE_ROWS at a time
 * (one short transaction under the node's lock: ~0.5 ms), every PRUNE_PERIOD_NS,
 * or every PRUNE_BACKLOG_NS while a backlog remains (the poll loop wakes for it). */
#define PRUNE_ROWS 512
#define PRUNE_PERIOD_NS 10000000000LL
#define PRUNE_BACKLOG_NS 100000000LL

static void prune_journal(tl_node *n, int64_t now)
{
    int removed = 0;
    tl_err err;
    int64_t keep_ns = (int64_t)(n->cfg.journal_retain_s * 1e9);
    if (tl_journal_prune(n->j, now - keep_ns, PRUNE_ROWS, &removed, &err)) {
        logf_(n, "%s (retention retried in %d s)", err.msg, (int)(PRUNE_PERIOD_NS / 1000000000));
        removed = 0;
    }
    n->pruned += removed;
    n->pruned_total += (uint64_t)removed;
    if (removed < PRUNE_ROWS && n->pruned > 0) {
        logf_(n, "journal: removed %lld rows journaled more than %.0f h ago", n->pruned,
              n->cfg.journal_retain_s / 3600);
        n->pruned = 0;
    }
    n->next_prune_ns = now + (removed == PRUNE_ROWS ? PRUNE_BACKLOG_NS : PRUNE_PERIOD_NS);
}

int tl_node_poll(tl_node *n, int timeout_ms)
{
    int64_t end = tl_node_now_ns() + (int64_t)timeout_ms * 1000000;
    dds_attach_t trig[TL_LINKS_MAX * NSLOT + 1];
    for (int iter = 0; iter < 100000; iter++) {
        int64_t now = tl_node_now_ns();
        if (now >= n->next_tick_ns) {
            lock(n);
            tick(n, now);
            unlock(n);
            n->next_tick_ns = now + (int64_t)(n->cfg.heartbeat_period_s * 1e9);
        }
        if (n->cfg.journal_retain_s > 0 && now >= n->next_prune_ns) {
            lock(n);
            prune_journal(n, now);
            unlock(n);
        }
        int64_t until = end < n->next_tick_ns ? end : n->next_tick_ns;
        if (n->cfg.journal_retain_s > 0 && n->next_prune_ns < until)
            until = n->next_prune_ns;
        int64_t wait = until - now;
        if (wait < 0)
            wait = 0;
        int nt = dds_waitset_wait(n->ws, trig, TL_LINKS_MAX * NSLOT + 1, wait);
        now = tl_node_now_ns();
        for (int i = 0; i < nt && i < TL_LINKS_MAX * NSLOT + 1; i++) {
            if (trig[i] == ATTACH_DEFERRED) {
                take_deferred(n);
                continue;
            }
            lock(n);
            take_all(n, (int)(trig[i] / NSLOT), (int)(trig[i] % NSLOT), now);
            unlock(n);
        }
        if (nt > 0) {
            lock(n);
            settle_gaps(n, now);
            unlock(n);
        }
        if (now >= end)
            break;
    }
    return 0;
}

int tl_node_link_count(const tl_node *n) { return n->n_links; }

uint64_t tl_node_journal_pruned(const tl_node *n)
{
    tl_node *m = (tl_node *)n; /* the lock is not part of the node's logical state */
    pthread_mutex_lock(&m->mu);
    uint64_t v = n->pruned_total;
    pthread_mutex_unlock(&m->mu);
    return v;
}

int tl_node_health(const tl_node *n, int i, tl_link_health *out)
{
    if (i < 0 || i >= n->n_links)
        return TL_EINVAL;
    tl_node *m = (tl_node *)n; /* the lock is not part of the node's logical state */
    pthread_mutex_lock(&m->mu);
    *out = n->links[i].h;
    pthread_mutex_unlock(&m->mu);
    tl__authlog_get((uint32_t)n->links[i].cfg->domain_id, &out->auth_failures, out->last_auth_failure,
                    sizeof out->last_auth_failure);
    return 0;
}
