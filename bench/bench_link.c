/* bench_link.c — the link's speed, with DDS Security on, on loopback:
 *  - relay latency: KR publishes 10,000 tracks; JP receives them through the US
 *    relay; latency = JP receive time - KR publish time (one clock), which includes
 *    the journal commit at every hop. Two ways, each against ddsperf run the same
 *    way: open loop at 2 kHz (against `ddsperf ping 2kHz`), and closed loop, KR
 *    publishing the next track as soon as JP has the previous one (one in flight,
 *    against plain `ddsperf ping`, which pings when the pong is in). p50/p99 over
 *    all samples, and for the open loop also the statistic ddsperf reports (median
 *    over 1 s windows of each window's p99).
 *  - relay throughput: KR publishes 20,000 tracks as fast as it can, 32 per
 *    tl_node_publish_many (a fusion cycle's worth); products per second arriving
 *    at JP through the relay.
 *  - baseline in the same run: ddsperf ping-pong (round trip) and pub/sub
 *    throughput between the JP and US identities with the same governance
 *    (everything encrypted), sample size 600 B (about a track on the wire).
 * Prints one JSON object per line. Three processes (fork): US relay, KR publisher,
 * JP receiver (this process). Set TL_BENCH_QUICK=1 for a short smoke run, and
 * TL_BENCH_INSECURE=1 to run the relay path without DDS Security (diagnosis only);
 * TL_BENCH_DUMP=DIR writes each latency sample (publish time, latency; ns) to
 * DIR/{open,closed}_{listener,poll}.csv, to look for what the slow ones share.
 * TL_BENCH_COUNTS=open,closed,throughput sets the phases' sample counts (0 skips one)
 * and runs the default mode only, to profile a phase with perf; TMPDIR moves the
 * nodes' state (journals), e.g. to tmpfs to see what the disk costs.
 * The relay run is done twice: nodes in the default mode, products taken in DDS
 * listeners (link_relay_*), and in poll-loop mode, products taken on the node's
 * loop thread only (link_relay_poll_*, `trilink node --poll-loop`). */
#define _GNU_SOURCE /* sched_setaffinity */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trilink/journal.h"
#include "trilink/link.h"
#include "trilink/netconfig.h"
#include "trilink/pki.h"

#include "bench_dds.h"

#define D_USJP 92
#define D_USKR 93
#define THR_BATCH 32 /* throughput run: products per tl_node_publish_many (one fusion cycle's tracks) */

static int n_lat = 10000, n_cl = 10000, n_thr = 20000, n_warm = 200; /* open loop, closed loop, throughput */
static int64_t *lat_ns, *cl_ns, *lat_t0, *cl_t0;
static int n_lat_got, n_cl_got, n_thr_got, n_warm_got;
static int cl_pipe[2]; /* JP -> KR: "got it, send the next" (closed loop) */
static int64_t thr_first_ns, thr_last_ns;

static void on_recv(void *user, const tl_product *p, const char *via)
{
    (void)user;
    (void)via;
    int64_t now = tl_node_now_ns();
    char c = p->u.track.track_id[0];
    if (c == 'L' && n_lat_got < n_lat) {
        lat_t0[n_lat_got] = p->hdr.origin_time_ns;
        lat_ns[n_lat_got++] = now - p->hdr.origin_time_ns;
        if (getenv("TL_BENCH_TRACE") && now - p->hdr.origin_time_ns > 2000000)
            fprintf(stderr, "slow: %s seq %llu %.3f ms\n", p->u.track.track_id, (unsigned long long)p->hdr.seq,
                    (double)(now - p->hdr.origin_time_ns) * 1e-6);
    } else if (c == 'C' && n_cl_got < n_cl) {
        cl_t0[n_cl_got] = p->hdr.origin_time_ns;
        cl_ns[n_cl_got++] = now - p->hdr.origin_time_ns;
        if (getenv("TL_BENCH_TRACE") && now - p->hdr.origin_time_ns > 1000000)
            fprintf(stderr, "slow closed: %s %.3f ms\n", p->u.track.track_id,
                    (double)(now - p->hdr.origin_time_ns) * 1e-6);
        if (write(cl_pipe[1], "x", 1) != 1)
            fprintf(stderr, "bench_link: closed-loop pipe write failed\n");
    } else if (c == 'T') {
        if (!n_thr_got)
            thr_first_ns = now;
        thr_last_ns = now;
        n_thr_got++;
        if (getenv("TL_BENCH_TRACE") && n_thr_got % 20000 == 0)
            fprintf(stderr, "throughput: %d products at %.3f s\n", n_thr_got, (double)(now - thr_first_ns) * 1e-9);
    } else
        n_warm_got++;
}

static void track(tl_product *p, char tag, int i, int64_t now)
{
    memset(p, 0, sizeof *p);
    p->kind = TL_PROD_TRACK;
    snprintf(p->u.track.track_id, TL_ID_LEN, "%c%d", tag, i);
    p->u.track.est.t_ns = now;
    for (int a = 0; a < 6; a++) {
        p->u.track.est.x[a] = 1e6 + a;
        p->u.track.est.P[a][a] = 100;
    }
    p->u.track.phase = 1;
    p->u.track.quality = 0.5;
    p->u.track.n_sensors = 2;
    snprintf(p->u.track.sensors[0], TL_ID_LEN, "KR-R1");
    snprintf(p->u.track.sensors[1], TL_ID_LEN, "KR-R2");
}

/* Each nation's node runs on its own machine; on this one the relay gets a core of
 * its own and KR and JP share the other (so do ddsperf's ping and pong: one core
 * each). Without pinning, the kernel wakes a socket's reader on the sender's core
 * (a "sync" wake-up), where it waits while the sender finishes its own work (its
 * journal commit). TL_BENCH_NOPIN=1 leaves placement to the kernel. */
static void pin(int core)
{
    if (getenv("TL_BENCH_NOPIN") || sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    if (sched_setaffinity(0, sizeof set, &set))
        perror("bench_link: sched_setaffinity");
}

static volatile sig_atomic_t child_stop;
static void on_term(int s) { child_stop = s; }

static int low_latency; /* mode of the current run */

static tl_node *make_node(const tl_netconfig *cfg, const char *dir, const char *nation, tl_node_product_fn fn)
{
    char state[600], pki[600];
    snprintf(state, sizeof state, "%s/%s%d", dir, nation, low_latency);
    snprintf(pki, sizeof pki, "%s/pki", dir);
    tl_node_opts o = {state, getenv("TL_BENCH_INSECURE") ? NULL : pki, fn, NULL, 0, 0, low_latency};
    tl_node *n = NULL;
    tl_err err;
    if (tl_node_create(cfg, nation, &o, &n, &err)) {
        fprintf(stderr, "bench_link: %s: %s\n", nation, err.msg);
        _exit(1);
    }
    return n;
}

static void wait_up(tl_node *n, int max_s)
{
    for (int i = 0; i < max_s * 10; i++) {
        tl_link_health h;
        tl_node_poll(n, 100);
        int up = 1;
        for (int k = 0; k < tl_node_link_count(n); k++)
            up &= tl_node_health(n, k, &h) == 0 && h.up;
        if (up)
            return;
    }
}

static void run_us(const tl_netconfig *cfg, const char *dir)
{
    pin(1);
    tl_node *n = make_node(cfg, dir, "US", NULL);
    for (int i = 0; i < 3000 && !child_stop; i++)
        tl_node_poll(n, 100);
    tl_node_destroy(n);
    _exit(0);
}

static void run_kr(const tl_netconfig *cfg, const char *dir)
{
    pin(0);
    tl_node *n = make_node(cfg, dir, "KR", NULL);
    tl_product p;
    tl_err err;
    wait_up(n, 20);
    tl_node_poll(n, 3000); /* let US's JP side come up too */
    for (int i = 0; i < n_warm; i++) {
        track(&p, 'W', i, tl_node_now_ns());
        tl_node_publish(n, &p, tl_node_now_ns(), &err);
        tl_node_poll(n, 1);
    }
    tl_node_poll(n, 1000);
    int64_t next = tl_node_now_ns();
    for (int i = 0; i < n_lat && !child_stop; i++) {
        tl_node_poll(n, 0);
        struct timespec ts = {(time_t)(next / 1000000000), (long)(next % 1000000000)};
        clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL); /* no spinning: 2 cores, 3 nodes */
        int64_t now = tl_node_now_ns();
        track(&p, 'L', i, now);
        tl_node_publish(n, &p, now, &err);
        next += 500000; /* 2 kHz */
    }
    tl_node_poll(n, 1000);
    /* Closed loop: the next track when JP says it has the previous one (or after 50 ms). */
    for (int i = 0; i < n_cl && !child_stop; i++) {
        int64_t now = tl_node_now_ns();
        track(&p, 'C', i, now);
        tl_node_publish(n, &p, now, &err);
        struct pollfd pf = {cl_pipe[0], POLLIN, 0};
        char b;
        if (poll(&pf, 1, 50) == 1 && read(cl_pipe[0], &b, 1) != 1)
            break;
        tl_node_poll(n, 0);
    }
    tl_node_poll(n, 2000);
    static tl_product cycle[THR_BATCH];
    for (int i = 0; i < n_thr && !child_stop; i += THR_BATCH) {
        int64_t now = tl_node_now_ns();
        int k = n_thr - i < THR_BATCH ? n_thr - i : THR_BATCH;
        for (int c = 0; c < k; c++)
            track(&cycle[c], 'T', i + c, now);
        tl_node_publish_many(n, cycle, k, now, &err);
        tl_node_poll(n, 0);
    }
    for (int i = 0; i < 600 && !child_stop; i++)
        tl_node_poll(n, 100); /* serve gap-fill until told to stop */
    tl_node_destroy(n);
    _exit(0);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Run ddsperf with a config; stdout to out_path. Returns the pid. */
static pid_t ddsperf(const char *xml, const char *out_path, char *const args[], int core)
{
    pid_t pid = fork();
    if (pid == 0) {
        pin(core);
        char uri[700];
        snprintf(uri, sizeof uri, "file://%s", xml);
        setenv("CYCLONEDDS_URI", uri, 1);
        FILE *o = freopen(out_path, "w", stdout);
        (void)o;
        FILE *e = freopen("/dev/null", "w", stderr);
        (void)e;
        execvp("ddsperf", args);
        _exit(127);
    }
    return pid;
}

/* Median over per-second lines of the value following `key` (skipping the first line). */
static double median_field(const char *path, const char *must, const char *key, int *n_out)
{
    FILE *f = fopen(path, "r");
    double v[4096];
    int n = 0, seen = 0;
    char line[1024];
    while (f && fgets(line, sizeof line, f) && n < 4096) {
        const char *k = strstr(line, key);
        if (!strstr(line, must) || !k)
            continue;
        if (seen++ == 0)
            continue;
        v[n++] = strtod(k + strlen(key), NULL);
    }
    if (f)
        fclose(f);
    *n_out = n;
    if (!n)
        return NAN;
    qsort(v, (size_t)n, sizeof v[0], cmpd);
    return v[n / 2];
}

static void json(const char *name, const char *unit, double v)
{
    if (isfinite(v))
        printf("{\"name\": \"%s\", \"unit\": \"%s\", \"value\": %.6g}\n", name, unit, v);
    else
        printf("{\"name\": \"%s\", \"unit\": \"%s\", \"value\": null}\n", name, unit);
    fflush(stdout);
}

/* One relay run (US and KR forked, JP here) in the current mode. */
/* ddsperf prints percentiles per 1 s interval and the baseline is the median of
 * those; the same statistic for the relay: p99 of each 2,000 consecutive samples
 * (1 s at 2 kHz; about 0.4 s in the closed loop), median over the windows. Call
 * before lat is sorted. */
static double p99_window_median(const int64_t *lat, int n)
{
    enum { W = 2000 };
    double v[64];
    int nw = 0;
    int64_t *tmp = malloc(W * sizeof *tmp);
    for (int i = 0; tmp && i + W <= n && nw < 64; i += W) {
        memcpy(tmp, lat + i, W * sizeof *tmp);
        qsort(tmp, W, sizeof *tmp, cmp64);
        v[nw++] = (double)tmp[(int)(0.99 * (W - 1))] * 1e-3;
    }
    free(tmp);
    if (!nw)
        return NAN;
    qsort(v, (size_t)nw, sizeof v[0], cmpd);
    return v[nw / 2];
}

typedef struct relay_figs {
    double p50, p99, p99w; /* open loop, 2 kHz */
    double cl_p50, cl_p99, cl_p99w; /* closed loop */
    double thr;
} relay_figs;

static void percentiles(int64_t *v, int n, double *p50, double *p99)
{
    *p50 = *p99 = NAN;
    if (n <= 0)
        return;
    qsort(v, (size_t)n, sizeof *v, cmp64);
    *p50 = (double)v[n / 2] * 1e-3;
    *p99 = (double)v[(int)(0.99 * (n - 1))] * 1e-3;
}

static void dump(const char *name, const int64_t *t0, const int64_t *lat, int n)
{
    const char *dir = getenv("TL_BENCH_DUMP");
    char path[600];
    if (!dir)
        return;
    snprintf(path, sizeof path, "%s/%s_%s.csv", dir, name, low_latency ? "listener" : "poll");
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return;
    }
    fprintf(f, "publish_ns,latency_ns\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "%lld,%lld\n", (long long)t0[i], (long long)lat[i]);
    fclose(f);
}

static void relay_run(const tl_netconfig *cfg_, const char *dir, relay_figs *f)
{
    const tl_netconfig cfg = *cfg_;
    signal(SIGTERM, on_term);
    if (pipe(cl_pipe)) {
        perror("bench_link: pipe");
        exit(1);
    }
    pid_t us = fork();
    if (us == 0)
        run_us(&cfg, dir);
    pid_t kr = fork();
    if (kr == 0)
        run_kr(&cfg, dir);
    n_lat_got = n_cl_got = n_thr_got = n_warm_got = 0;
    thr_first_ns = thr_last_ns = 0;
    tl_node *jp = make_node(&cfg, dir, "JP", on_recv);
    int64_t t_end = tl_node_now_ns() + 240LL * 1000000000;
    while ((n_lat_got < n_lat || n_cl_got < n_cl || n_thr_got < n_thr) && tl_node_now_ns() < t_end)
        tl_node_poll(jp, 100);
    tl_link_health h;
    tl_node_health(jp, 0, &h);
    tl_node_destroy(jp);
    kill(kr, SIGTERM);
    kill(us, SIGTERM);
    waitpid(kr, NULL, 0);
    waitpid(us, NULL, 0);
    close(cl_pipe[0]);
    close(cl_pipe[1]);
    fprintf(stderr, "bench_link: JP link: in %llu, gap-fill requests %llu, duplicates %llu\n",
            (unsigned long long)h.samples_in, (unsigned long long)h.gapfill_requests,
            (unsigned long long)h.dups_dropped);
    fprintf(stderr,
            "bench_link: JP got %d/%d latency (2 kHz), %d/%d closed loop, %d/%d throughput "
            "(warm-up %d)\n",
            n_lat_got, n_lat, n_cl_got, n_cl, n_thr_got, n_thr, n_warm_got);

    dump("open", lat_t0, lat_ns, n_lat_got);
    dump("closed", cl_t0, cl_ns, n_cl_got);
    f->thr = NAN;
    f->p99w = p99_window_median(lat_ns, n_lat_got);
    f->cl_p99w = p99_window_median(cl_ns, n_cl_got);
    percentiles(lat_ns, n_lat_got, &f->p50, &f->p99);
    percentiles(cl_ns, n_cl_got, &f->cl_p50, &f->cl_p99);
    if (n_thr_got > 1 && thr_last_ns > thr_first_ns)
        f->thr = (double)(n_thr_got - 1) / ((double)(thr_last_ns - thr_first_ns) * 1e-9);
    if (n_thr)
        fprintf(stderr, "bench_link: relay throughput %.0f products/s\n", f->thr);
}

int main(void)
{
    if (getenv("TL_BENCH_QUICK")) {
        n_lat = n_cl = 1000;
        n_thr = 2000;
    }
    /* TL_BENCH_COUNTS=open,closed,throughput: other sample counts (0 skips a phase), to
     * profile one phase with perf; the relay then runs in the default mode only. */
    const char *counts = getenv("TL_BENCH_COUNTS");
    if (counts && (sscanf(counts, "%d,%d,%d", &n_lat, &n_cl, &n_thr) != 3 || n_lat < 0 || n_cl < 0 || n_thr < 0 ||
                   n_lat > 10000000 || n_cl > 10000000 || n_thr > 100000000)) {
        fprintf(stderr, "bench_link: TL_BENCH_COUNTS=%s: want three counts, open,closed,throughput\n", counts);
        return 2;
    }
    char dir[512], path[600];
    const char *tmp = getenv("TMPDIR"); /* where the nodes' state (journals) go */
    snprintf(dir, sizeof dir, "%s/tlbenchXXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        return 1;
    }
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "nations: [JP, US, KR]\nrelays: [US]\ntime_window_s: {past: 600, future: 5}\nlinks:\n"
             "  - {name: us-jp, domain: %d, ends: [{nation: US, address: 127.0.0.1, "
             "participant_index: 0},"
             " {nation: JP, address: 127.0.0.1, participant_index: 1}]}\n"
             "  - {name: us-kr, domain: %d, ends: [{nation: US, address: 127.0.0.1, "
             "participant_index: 0},"
             " {nation: KR, address: 127.0.0.1, participant_index: 1}]}\n"
             "policy:\n  - {origin: KR, products: [all], to: [US, JP]}\n",
             D_USJP, D_USKR);
    tl_netconfig cfg;
    tl_err err;
    if (bench_net_setup("bench_link", dir, yaml, &cfg))
        return 1;
    /* The journal alone: one product appended and committed per call. */
    {
        char jdir[700];
        snprintf(jdir, sizeof jdir, "%s/jbench", dir);
        tl_journal *j;
        if (tl_journal_open(jdir, &j, &err) == 0) {
            int nj = getenv("TL_BENCH_QUICK") ? 2000 : 10000;
            int64_t *t = calloc((size_t)nj, sizeof *t);
            tl_product p;
            for (int i = 0; i < nj && t; i++) {
                track(&p, 'J', i, tl_node_now_ns());
                snprintf(p.hdr.origin, sizeof p.hdr.origin, "KR");
                p.hdr.seq = (uint64_t)i + 1;
                int64_t t0 = tl_node_now_ns();
                tl_journal_append(j, &p, TL_J_ACCEPTED, "US", t0, &err);
                t[i] = tl_node_now_ns() - t0;
            }
            tl_journal_close(j);
            if (t) {
                qsort(t, (size_t)nj, sizeof *t, cmp64);
                json("journal_append_p50", "us", (double)t[nj / 2] * 1e-3);
                json("journal_append_p99", "us", (double)t[(int)(0.99 * (nj - 1))] * 1e-3);
            }
            free(t);
        }
    }
    signal(SIGTERM, on_term);
    pin(0); /* JP, in this process */
    lat_ns = calloc((size_t)n_lat + 1, sizeof *lat_ns);
    cl_ns = calloc((size_t)n_cl + 1, sizeof *cl_ns);
    lat_t0 = calloc((size_t)n_lat + 1, sizeof *lat_t0);
    cl_t0 = calloc((size_t)n_cl + 1, sizeof *cl_t0);
    if (!lat_ns || !cl_ns || !lat_t0 || !cl_t0)
        return 1;
    relay_figs r, rp; /* listeners (default), poll loop */
    low_latency = 1;
    relay_run(&cfg, dir, &r);
    low_latency = 0;
    rp = (relay_figs){NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    if (!counts)
        relay_run(&cfg, dir, &rp);

    /* Baseline: ddsperf with the same governance, JP and US identities, 600-byte samples. */
    char xj[700], xu[700], o1[700], o2[700], dom[16];
    snprintf(xj, sizeof xj, "%s/ddsperf_jp.xml", dir);
    snprintf(xu, sizeof xu, "%s/ddsperf_us.xml", dir);
    secure_xml_opt(dir, "JP", xj, 1);
    secure_xml_opt(dir, "US", xu, 1);
    snprintf(dom, sizeof dom, "%d", D_USJP);
    snprintf(o1, sizeof o1, "%s/ping.txt", dir);
    snprintf(o2, sizeof o2, "%s/pong.txt", dir);
    const char *dur = getenv("TL_BENCH_QUICK") ? "6" : "12";
    char *pong_args[] = {"ddsperf", "-D", (char *)dur, "-i", dom, "pong", NULL};
    char *ping_args[] = {"ddsperf", "-D", (char *)dur, "-i", dom, "ping", "size", "600", NULL};
    pid_t a = ddsperf(xu, o2, pong_args, 1), b = ddsperf(xj, o1, ping_args, 0);
    waitpid(b, NULL, 0);
    waitpid(a, NULL, 0);
    int nl = 0, nl2 = 0, nl3 = 0, nl4 = 0;
    double dp50 = median_field(o1, "size 600", " 50% ", &nl);
    double dp99 = median_field(o1, "size 600", " 99% ", &nl2);
    /* The same at the open loop's rate. */
    char *ping2_args[] = {"ddsperf", "-D", (char *)dur, "-i", dom, "ping", "2kHz", "size", "600", NULL};
    a = ddsperf(xu, o2, pong_args, 1);
    b = ddsperf(xj, o1, ping2_args, 0);
    waitpid(b, NULL, 0);
    waitpid(a, NULL, 0);
    double dr50 = median_field(o1, "size 600", " 50% ", &nl4);
    double dr99 = median_field(o1, "size 600", " 99% ", &nl2);
    snprintf(o1, sizeof o1, "%s/sub.txt", dir);
    snprintf(o2, sizeof o2, "%s/pub.txt", dir);
    char *sub_args[] = {"ddsperf", "-D", (char *)dur, "-i", dom, "sub", NULL};
    char *pub_args[] = {"ddsperf", "-D", (char *)dur, "-i", dom, "pub", "size", "600", NULL};
    a = ddsperf(xj, o1, sub_args, 0);
    b = ddsperf(xu, o2, pub_args, 1);
    waitpid(b, NULL, 0);
    waitpid(a, NULL, 0);
    double dthr = median_field(o1, "size 600", " rate ", &nl3) * 1e3;
    fprintf(stderr, "bench_link: ddsperf lines: ping %d, ping 2kHz %d, sub %d\n", nl, nl4, nl3);

    /* Like with like: closed loop against ddsperf ping, 2 kHz against ddsperf ping 2kHz. */
    json("link_relay_closed_latency_p50", "us", r.cl_p50);
    json("link_relay_closed_latency_p99", "us", r.cl_p99);
    json("ddsperf_secure_rtt_p50", "us", dp50);
    json("ddsperf_secure_rtt_p99", "us", dp99);
    json("link_relay_closed_latency_p99_window_median", "us", r.cl_p99w);
    json("link_relay_closed_p99_over_ddsperf_rtt_p99", "ratio", r.cl_p99 / dp99);
    json("link_relay_closed_p99_window_median_over_ddsperf", "ratio", r.cl_p99w / dp99);
    json("link_relay_latency_p50", "us", r.p50);
    json("link_relay_latency_p99", "us", r.p99);
    json("link_relay_latency_p99_1s_median", "us", r.p99w);
    json("link_relay_samples", "count", n_lat_got);
    json("ddsperf_secure_rtt_2khz_p50", "us", dr50);
    json("ddsperf_secure_rtt_2khz_p99", "us", dr99);
    json("link_relay_p99_over_ddsperf_2khz_rtt_p99", "ratio", r.p99 / dr99);
    json("link_relay_p99_1s_median_over_ddsperf_2khz", "ratio", r.p99w / dr99);
    json("link_relay_p99_over_ddsperf_rtt_p99", "ratio", r.p99 / dp99); /* mixed: 2 kHz relay, closed-loop ddsperf */
    json("link_relay_throughput", "products/s", r.thr);
    json("ddsperf_secure_throughput", "samples/s", dthr);
    json("link_relay_throughput_over_ddsperf", "ratio", r.thr / dthr);
    json("link_relay_poll_closed_latency_p99", "us", rp.cl_p99);
    json("link_relay_poll_latency_p50", "us", rp.p50);
    json("link_relay_poll_latency_p99", "us", rp.p99);
    json("link_relay_poll_p99_over_ddsperf_2khz_rtt_p99", "ratio", rp.p99 / dr99);
    json("link_relay_poll_closed_p99_over_ddsperf_rtt_p99", "ratio", rp.cl_p99 / dp99);
    json("link_relay_poll_throughput", "products/s", rp.thr);
    json("link_relay_poll_throughput_over_ddsperf", "ratio", rp.thr / dthr);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    if (system(path) != 0)
        fprintf(stderr, "bench_link: could not remove %s\n", dir);
    return 0;
}
