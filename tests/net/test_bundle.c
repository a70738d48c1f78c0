/* test_bundle.c — product bundles on the link (docs/network.md, "Bundles"), with
 * three secure nodes on loopback: US relay and KR publisher in forked processes,
 * JP receiver in this one (one node per process: a process holds one instance
 * of each DDS domain).
 *  1. KR publishes 48 tracks in one tl_node_publish_many: JP gets each exactly once,
 *     in order, through US, and they travelled in bundles (JP's bundles_in is far
 *     below the product count).
 *  2. KR publishes interleaved kinds [T,T,L,T,I,I,A] x 4 in one call: JP gets them
 *     in order and no node had to ask for a gap-fill (runs are written in send
 *     order, never reordered across kinds).
 *  3. JP is stopped while KR publishes 40 tracks; when JP is back, US answers its
 *     gap-fill request from its journal in bundles, and JP gets each exactly once,
 *     in order.
 *  4. KR writes a raw bundle of 5 tracks whose third item has a NaN position: US
 *     rejects and counts that one item and accepts and relays the other four.
 * The US process writes its link health to a file (every poll) for the checks. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tl_test.h"
#include "trilink/link.h"
#include "trilink/netconfig.h"
#include "trilink/pki.h"

#define N_BATCH 48                   /* phase 1: tracks in one publish_many */
#define N_MIXED 28                   /* phase 2: [T,T,L,T,I,I,A] x 4 */
#define N_GF 40                      /* phase 3: tracks JP gets by gap-fill */
#define N_RAW 5                      /* phase 4: raw bundle, item 2 invalid */
#define N_ALL (N_BATCH + N_MIXED + N_GF + N_RAW)
#define SEQ_BAD (N_BATCH + N_MIXED + N_GF + 3)

static char dir[] = "/tmp/tlbundleXXXXXX";
static pid_t child[2]; /* US, KR: stopped by the teardown whatever the outcome */
static volatile sig_atomic_t stop_flag;
static void on_term(int s) { stop_flag = s; }

/* ---- JP: what arrived ---- */
static uint64_t got_seq[2 * N_ALL];
static tl_product_kind got_kind[2 * N_ALL];
static int n_got, bad_via;

static void on_recv(void *user, const tl_product *p, const char *via)
{
    (void)user;
    if (strcmp(via, "US") || strcmp(p->hdr.origin, "KR") || p->hdr.path_len != 2 || strcmp(p->hdr.path[1], "US"))
        bad_via++;
    if (n_got < 2 * N_ALL) {
        got_seq[n_got] = p->hdr.seq;
        got_kind[n_got] = p->kind;
    }
    n_got++;
}

static int exists(const char *name)
{
    char path[600];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &sb) == 0;
}

static void touch(const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

static tl_node *make_node(const tl_netconfig *cfg, const char *nation, tl_node_product_fn fn, int low_latency)
{
    char state[600], pki[600];
    snprintf(state, sizeof state, "%s/%s", dir, nation);
    snprintf(pki, sizeof pki, "%s/pki", dir);
    tl_node_opts o = {state, pki, fn, NULL, getenv("TL_TEST_VERBOSE") != NULL, 0, low_latency};
    tl_node *n = NULL;
    tl_err err;
    if (tl_node_create(cfg, nation, &o, &n, &err)) {
        fprintf(stderr, "test_bundle: %s: %s\n", nation, err.msg);
        return NULL;
    }
    return n;
}

static int all_up(tl_node *n)
{
    tl_link_health h;
    int up = 1;
    for (int k = 0; k < tl_node_link_count(n); k++)
        up &= tl_node_health(n, k, &h) == 0 && h.up;
    return up;
}

/* US relay: listeners (the default mode); its health goes to DIR/us.health. */
static void run_us(const tl_netconfig *cfg)
{
    tl_node *n = make_node(cfg, "US", NULL, 1);
    if (!n)
        _exit(1);
    char path[600], tmp[610];
    snprintf(path, sizeof path, "%s/us.health", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    for (int i = 0; i < 1800 && !stop_flag; i++) {
        tl_node_poll(n, 50);
        FILE *f = fopen(tmp, "w");
        for (int k = 0; f && k < tl_node_link_count(n); k++) {
            tl_link_health h;
            tl_node_health(n, k, &h);
            fprintf(f, "%s %d %llu %llu %llu %llu %llu %llu %llu\n", h.peer, h.up, (unsigned long long)h.samples_in,
                    (unsigned long long)h.bundles_in, (unsigned long long)h.gapfill_requests,
                    (unsigned long long)h.rejected[TL_REJ_NONFINITE], (unsigned long long)h.dups_dropped,
                    (unsigned long long)h.gaps_filled, (unsigned long long)h.bundles_out);
        }
        if (f && fclose(f) == 0)
            rename(tmp, path);
    }
    tl_node_destroy(n);
    _exit(0);
}

typedef struct {
    int up;
    unsigned long long in, bundles_in, gf_req, rej_nonfinite, dups, gaps_filled, bundles_out;
} us_link;

/* US's health of its link to peer, from its file. */
static int us_health(const char *peer, us_link *out)
{
    char path[600], p[8];
    snprintf(path, sizeof path, "%s/us.health", dir);
    FILE *f = fopen(path, "r");
    int found = 0;
    us_link h;
    while (f && fscanf(f, "%7s %d %llu %llu %llu %llu %llu %llu %llu", p, &h.up, &h.in, &h.bundles_in, &h.gf_req,
                       &h.rej_nonfinite, &h.dups, &h.gaps_filled, &h.bundles_out) == 9)
        if (!strcmp(p, peer)) {
            *out = h;
            found = 1;
        }
    if (f)
        fclose(f);
    return found;
}

static void track(tl_product *p, int i, int64_t now)
{
    memset(p, 0, sizeof *p);
    p->kind = TL_PROD_TRACK;
    snprintf(p->u.track.track_id, TL_ID_LEN, "T%d", i);
    p->u.track.est.t_ns = now;
    for (int a = 0; a < 6; a++) {
        p->u.track.est.x[a] = 1e6 + 10.0 * i + a;
        p->u.track.est.P[a][a] = 100;
    }
    p->u.track.phase = 1;
    p->u.track.quality = 0.5;
    p->u.track.n_sensors = 1;
    snprintf(p->u.track.sensors[0], TL_ID_LEN, "KR-R%d", i % 7);
}

static void product(tl_product *p, tl_product_kind k, int i, int64_t now)
{
    track(p, i, now);
    if (k == TL_PROD_TRACK)
        return;
    memset(&p->u, 0, sizeof p->u);
    p->kind = k;
    switch (k) {
    case TL_PROD_LAUNCH:
        snprintf(p->u.launch.track_id, TL_ID_LEN, "T%d", i);
        p->u.launch.launch_t_ns = now - 60000000000LL;
        p->u.launch.launch_t_sigma_s = 1;
        p->u.launch.pos_ecef[0] = 6.4e6;
        for (int a = 0; a < 3; a++)
            p->u.launch.P_pos[a][a] = 1e6;
        break;
    case TL_PROD_IMPACT:
        snprintf(p->u.impact.track_id, TL_ID_LEN, "T%d", i);
        p->u.impact.impact_t_ns = now + 300000000000LL;
        p->u.impact.impact_t_sigma_s = 5;
        p->u.impact.pos_ecef[2] = 6.4e6;
        p->u.impact.ellipse_semi_major_m = 2000;
        p->u.impact.ellipse_semi_minor_m = 1000;
        break;
    default:
        snprintf(p->u.alert.alert_id, sizeof p->u.alert.alert_id, "A%d", i);
        snprintf(p->u.alert.track_id, TL_ID_LEN, "T%d", i);
        p->u.alert.severity = 2;
        p->u.alert.impact_t_ns = now + 300000000000LL;
        snprintf(p->u.alert.text, sizeof p->u.alert.text, "alert %d", i);
        break;
    }
}

static const tl_product_kind mixed[7] = {TL_PROD_TRACK, TL_PROD_TRACK, TL_PROD_LAUNCH, TL_PROD_TRACK,
                                         TL_PROD_IMPACT, TL_PROD_IMPACT, TL_PROD_ALERT};

/* Poll n until file name exists (bounded). */
static int wait_file(tl_node *n, const char *name)
{
    for (int i = 0; i < 1200 && !stop_flag; i++) {
        if (exists(name))
            return 1;
        tl_node_poll(n, 50);
    }
    return 0;
}

/* KR: each phase when the test says so, then serves (gap-fill) until stopped. */
static void run_kr(const tl_netconfig *cfg)
{
    tl_node *n = make_node(cfg, "KR", NULL, 1);
    if (!n)
        _exit(1);
    static tl_product b[N_BATCH];
    tl_err err;
    int rc = 0;
    if (wait_file(n, "go1")) {
        int64_t now = tl_node_now_ns();
        for (int i = 0; i < N_BATCH; i++)
            track(&b[i], i, now);
        rc |= tl_node_publish_many(n, b, N_BATCH, now, &err);
    }
    if (wait_file(n, "go2")) {
        int64_t now = tl_node_now_ns();
        for (int i = 0; i < N_MIXED; i++)
            product(&b[i], mixed[i % 7], N_BATCH + i, now);
        rc |= tl_node_publish_many(n, b, N_MIXED, now, &err);
    }
    if (wait_file(n, "go3")) { /* JP is down */
        int64_t now = tl_node_now_ns();
        for (int i = 0; i < N_GF; i++)
            track(&b[i], N_BATCH + N_MIXED + i, now);
        rc |= tl_node_publish_many(n, b, N_GF, now, &err);
    }
    if (wait_file(n, "go4")) { /* a raw bundle continuing KR's chain */
        int64_t now = tl_node_now_ns();
        for (int i = 0; i < N_RAW; i++) {
            tl_product *p = &b[i];
            track(p, N_BATCH + N_MIXED + N_GF + i, now);
            snprintf(p->hdr.origin, sizeof p->hdr.origin, "KR");
            p->hdr.seq = (uint64_t)(N_BATCH + N_MIXED + N_GF + 1 + i);
            p->hdr.prev_seq = p->hdr.seq - 1;
            p->hdr.origin_time_ns = now;
            p->hdr.releasable_mask = 7;
            p->hdr.path_len = 1;
            snprintf(p->hdr.path[0], TL_NATION_LEN, "KR");
            snprintf(p->hdr.marking, sizeof p->hdr.marking, "TEST");
        }
        b[2].u.track.est.x[1] = NAN;
        if (b[2].hdr.seq != SEQ_BAD)
            _exit(3);
        rc |= tl_node_inject_raw_many(n, b, N_RAW, &err);
    }
    for (int i = 0; i < 1800 && !stop_flag; i++)
        tl_node_poll(n, 50);
    tl_node_destroy(n);
    _exit(rc ? 2 : 0);
}

static void poll_until(tl_node *jp, int want, int max_s)
{
    for (int i = 0; i < max_s * 20 && n_got < want; i++)
        tl_node_poll(jp, 50);
}

static void test_bundles(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    int d = tl_test_free_domains(3);
    char yaml[1200], path[600];
    snprintf(yaml, sizeof yaml,
             "nations: [JP, US, KR]\nrelays: [US]\nheartbeat_period_s: 1\ntime_window_s: {past: 600, future: 5}\n"
             "links:\n"
             "  - {name: us-jp, domain: %d, ends: [{nation: US, address: 127.0.0.1, participant_index: 0},"
             " {nation: JP, address: 127.0.0.1, participant_index: 1}]}\n"
             "  - {name: us-kr, domain: %d, ends: [{nation: US, address: 127.0.0.1, participant_index: 0},"
             " {nation: KR, address: 127.0.0.1, participant_index: 1}]}\n"
             "policy:\n  - {origin: KR, products: [all], to: [US, JP]}\n",
             d, d + 1);
    snprintf(path, sizeof path, "%s/net.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(yaml, f);
    fclose(f);
    tl_netconfig cfg;
    tl_err err;
    assert_int_equal(tl_netconfig_load(path, &cfg, &err), 0);
    snprintf(path, sizeof path, "%s/pki", dir);
    tl_pki_opts po = {path, &cfg, NULL, 2};
    assert_int_equal(tl_pki_init(&po, &err), 0);

    signal(SIGTERM, on_term);
    pid_t us = fork();
    if (us == 0)
        run_us(&cfg);
    child[0] = us;
    pid_t kr = fork();
    if (kr == 0)
        run_kr(&cfg);
    child[1] = kr;
    tl_node *jp = make_node(&cfg, "JP", on_recv, 0); /* poll loop: callbacks on this thread */
    assert_non_null(jp);
    us_link ukr, ujp;
    for (int i = 0; i < 600 && !(all_up(jp) && us_health("KR", &ukr) && ukr.up && us_health("JP", &ujp) &&
                                 ujp.up);
         i++)
        tl_node_poll(jp, 50);
    tl_node_poll(jp, 1500); /* the relay's writers match both partners */

    /* 1: one batch of tracks, in bundles. */
    touch("go1");
    poll_until(jp, N_BATCH, 60);
    tl_link_health h1, h2;
    assert_int_equal(tl_node_health(jp, 0, &h1), 0);
    assert_int_equal(n_got, N_BATCH);
    for (int i = 0; i < N_BATCH; i++) {
        assert_int_equal((int)got_seq[i], i + 1);
        assert_int_equal(got_kind[i], TL_PROD_TRACK);
    }
    assert_int_equal(bad_via, 0);
    assert_true(h1.bundles_in >= 1);
    assert_true(h1.bundles_in * 4 <= (uint64_t)N_BATCH);
    assert_int_equal(h1.samples_in, N_BATCH); /* counted per product */
    us_link kr1;
    tl_node_poll(jp, 300); /* US's health file is rewritten every 50 ms */
    assert_true(us_health("KR", &kr1));
    assert_true(kr1.bundles_in >= 1 && kr1.bundles_in * 4 <= (uint64_t)N_BATCH);

    /* 2: interleaved kinds. */
    touch("go2");
    poll_until(jp, N_BATCH + N_MIXED, 60);
    tl_node_poll(jp, 500); /* anything extra (a duplicate) would show */
    assert_int_equal(tl_node_health(jp, 0, &h2), 0);
    assert_int_equal(n_got, N_BATCH + N_MIXED);
    for (int i = 0; i < N_MIXED; i++) {
        assert_int_equal((int)got_seq[N_BATCH + i], N_BATCH + 1 + i);
        assert_int_equal(got_kind[N_BATCH + i], mixed[i % 7]);
    }
    assert_int_equal(bad_via, 0);
    assert_int_equal(h2.gapfill_requests, h1.gapfill_requests); /* JP never saw a hole */
    assert_int_equal(h2.dups_dropped, h1.dups_dropped);
    assert_true(h2.bundles_in > h1.bundles_in);
    us_link kr2, jp2;
    tl_node_poll(jp, 300);
    assert_true(us_health("KR", &kr2) && us_health("JP", &jp2));
    assert_int_equal(kr2.gf_req, kr1.gf_req); /* nor did US */
    assert_int_equal(kr2.in, kr1.in + N_MIXED);
    assert_int_equal(kr2.dups, kr1.dups);

    /* 3: JP down while KR publishes; back, it gets them by gap-fill, in bundles. */
    tl_node_destroy(jp);
    jp = NULL;
    touch("go3");
    us_link kr3, jp3;
    for (int i = 0; i < 1200 && !(us_health("KR", &kr3) && kr3.in >= kr2.in + N_GF); i++)
        usleep(50000);
    assert_int_equal(kr3.in, kr2.in + N_GF);
    jp = make_node(&cfg, "JP", on_recv, 0); /* same journal: asks US for KR after 76 */
    assert_non_null(jp);
    poll_until(jp, N_BATCH + N_MIXED + N_GF, 60);
    tl_node_poll(jp, 500);
    assert_int_equal(n_got, N_BATCH + N_MIXED + N_GF);
    for (int i = N_BATCH + N_MIXED; i < n_got; i++)
        assert_int_equal((int)got_seq[i], i + 1);
    tl_link_health h3;
    assert_int_equal(tl_node_health(jp, 0, &h3), 0); /* the new node's counters */
    assert_int_equal(h3.samples_in, N_GF);
    assert_true(h3.bundles_in >= 1 && h3.bundles_in * 4 <= (uint64_t)N_GF);
    tl_node_poll(jp, 300);
    assert_true(us_health("JP", &jp3));
    assert_int_equal(jp3.gaps_filled, jp2.gaps_filled + N_GF);
    assert_true(jp3.bundles_out >= jp2.bundles_out + 3); /* 40 = 16 + 16 + 8 */

    /* 4: the raw bundle with one bad item (in chain order, so it is consumed: KR's
     * journal does not hold it, a gap-fill could not bring it again). */
    touch("go4");
    poll_until(jp, N_ALL - 1, 60);
    tl_node_poll(jp, 500);
    if (n_got != N_ALL - 1)
        for (int i = N_BATCH; i < n_got && i < 2 * N_ALL; i++)
            fprintf(stderr, "test_bundle: JP got %d: KR seq %llu (%s)\n", i, (unsigned long long)got_seq[i],
                    tl_product_kind_name(got_kind[i]));
    assert_int_equal(n_got, N_ALL - 1);
    for (int i = N_ALL - N_RAW, s = N_ALL - N_RAW + 1; i < N_ALL - 1; i++, s++) {
        if (s == SEQ_BAD)
            s++;
        assert_int_equal((int)got_seq[i], s);
    }
    assert_int_equal(bad_via, 0);
    us_link kr4;
    tl_node_poll(jp, 300);
    assert_true(us_health("KR", &kr4));
    assert_int_equal(kr4.rej_nonfinite, kr3.rej_nonfinite + 1);
    assert_int_equal(kr4.in, kr3.in + N_RAW);
    assert_int_equal(kr4.bundles_in, kr3.bundles_in + 1);

    tl_node_destroy(jp);
    int st_kr = -1, st_us = -1;
    kill(kr, SIGTERM);
    kill(us, SIGTERM);
    waitpid(kr, &st_kr, 0);
    waitpid(us, &st_us, 0);
    child[0] = child[1] = 0;
    assert_true(WIFEXITED(st_kr) && WEXITSTATUS(st_kr) == 0);
    assert_true(WIFEXITED(st_us) && WEXITSTATUS(st_us) == 0);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++)
        if (child[i] > 0) {
            kill(child[i], SIGKILL);
            waitpid(child[i], NULL, 0);
        }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test_teardown(test_bundles, teardown)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
