/* bench_dds_relay.c — the relay path with no trilink code on it: what Cyclone DDS
 * itself costs for KR -> US -> JP on this machine. Three processes placed as
 * bench_link places the nodes (US on core 1, KR and JP on core 0), the link's
 * Track type, the nodes' QoS (reliable, keep-last 2048 writers, 4096 readers) and
 * Cyclone settings (WriteBatch, the demonstration PKI's governance: everything
 * encrypted). KR writes a track; the US takes it in a DATA_AVAILABLE listener and
 * writes it on the other domain; JP takes it in a listener. No conversion,
 * validation, journal, policy or sequence checks: the floor under bench_link's
 * relay figures. Closed loop (KR writes the next when JP has the previous, as
 * bench_link's closed loop) and open loop at 2 kHz. Prints one JSON object per
 * line; TL_BENCH_QUICK=1 for a short run. */
#define _GNU_SOURCE /* sched_setaffinity */
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

#include "dds/dds.h"
#include "trilink.h"
#include "bench_dds.h"

#define D_JP 95 /* us-jp */
#define D_KR 96 /* us-kr */

static int n_cl = 10000, n_open = 10000, n_warm = 200;
static int go_pipe[2]; /* JP -> KR: "got it, send the next" */
static int64_t *lat_cl, *lat_open;
static int got_cl, got_open, got_warm;
static dds_entity_t relay_wr; /* the US's writer to JP */
static volatile sig_atomic_t stop;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void pin(int core)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    if (sysconf(_SC_NPROCESSORS_ONLN) >= 2 && sched_setaffinity(0, sizeof set, &set))
        perror("bench_dds_relay: sched_setaffinity");
}

static void on_term(int s) { stop = s; }

/* A participant on domain d with the nation's configuration (CYCLONEDDS_URI) and the
 * Track topic's reader or writer, with the nodes' QoS. */
static dds_entity_t endpoint(dds_entity_t pp, int writer, dds_listener_t *l)
{
    dds_entity_t tp = dds_create_topic(pp, &trilink_Track_desc, "trilink_Track", NULL, NULL);
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, writer ? 2048 : 4096);
    dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
    dds_entity_t e = tp < 0 ? tp : writer ? dds_create_writer(pp, tp, q, NULL) : dds_create_reader(pp, tp, q, l);
    dds_delete_qos(q);
    if (e < 0) {
        fprintf(stderr, "bench_dds_relay: endpoint: %s\n", dds_strretcode(e));
        _exit(1);
    }
    return e;
}

static dds_entity_t participant(const char *xml, int domain)
{
    char uri[700];
    snprintf(uri, sizeof uri, "file://%s", xml);
    setenv("CYCLONEDDS_URI", uri, 1);
    dds_entity_t pp = dds_create_participant(domain, NULL, NULL);
    if (pp < 0) {
        fprintf(stderr, "bench_dds_relay: participant on %d: %s\n", domain, dds_strretcode(pp));
        _exit(1);
    }
    return pp;
}

/* US: take in the listener, write on the other domain, send. */
static void us_on_data(dds_entity_t rd, void *arg)
{
    (void)arg;
    void *s[64] = {0};
    dds_sample_info_t si[64];
    int n = dds_take(rd, s, si, 64, 64);
    for (int i = 0; i < n; i++)
        if (si[i].valid_data)
            dds_write(relay_wr, s[i]);
    if (n > 0) {
        dds_write_flush(relay_wr);
        dds_return_loan(rd, s, n);
    }
}

static void run_us(const char *xml)
{
    pin(1);
    dds_entity_t to_jp = participant(xml, D_JP), from_kr = participant(xml, D_KR);
    relay_wr = endpoint(to_jp, 1, NULL);
    dds_listener_t *l = dds_create_listener(NULL);
    dds_lset_data_available(l, us_on_data);
    endpoint(from_kr, 0, l);
    dds_delete_listener(l);
    for (int i = 0; i < 3000 && !stop; i++)
        dds_sleepfor(DDS_MSECS(100));
    dds_delete(DDS_CYCLONEDDS_HANDLE);
    _exit(0);
}

static void write_track(dds_entity_t wr, trilink_Track *t, char tag, int i)
{
    snprintf(t->track_id, sizeof t->track_id, "%c%d", tag, i);
    t->hdr.seq = (uint64_t)i + 1;
    t->hdr.origin_time_ns = t->t_ns = now_ns();
    dds_write(wr, t);
    dds_write_flush(wr);
}

static void run_kr(const char *xml)
{
    pin(0);
    dds_entity_t pp = participant(xml, D_KR), wr = endpoint(pp, 1, NULL);
    static char path[1][8] = {"KR"}, sens[2][24] = {"KR-R1", "KR-R2"};
    trilink_Track t;
    memset(&t, 0, sizeof t);
    snprintf(t.hdr.origin, sizeof t.hdr.origin, "KR");
    snprintf(t.hdr.marking, sizeof t.hdr.marking, "UNCLASSIFIED//DEMO");
    t.hdr.path = (dds_sequence_string7){1, 1, path, false};
    t.sensors = (dds_sequence_string23){2, 2, sens, false};
    for (int a = 0; a < 6; a++) {
        t.x[a] = 1e6 + a;
        t.P[a * 7] = 100;
    }
    t.quality = 0.5;
    dds_sleepfor(DDS_SECS(4)); /* discovery and the secure handshakes on both links */
    for (int i = 0; i < n_warm && !stop; i++) {
        write_track(wr, &t, 'W', i);
        dds_sleepfor(DDS_MSECS(1));
    }
    dds_sleepfor(DDS_SECS(1));
    int64_t next = now_ns();
    for (int i = 0; i < n_open && !stop; i++) {
        struct timespec ts = {(time_t)(next / 1000000000), (long)(next % 1000000000)};
        clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
        write_track(wr, &t, 'L', i);
        next += 500000; /* 2 kHz */
    }
    dds_sleepfor(DDS_SECS(1));
    for (int i = 0; i < n_cl && !stop; i++) {
        write_track(wr, &t, 'C', i);
        struct pollfd pf = {go_pipe[0], POLLIN, 0};
        char b;
        if (poll(&pf, 1, 50) == 1 && read(go_pipe[0], &b, 1) != 1)
            break;
    }
    for (int i = 0; i < 100 && !stop; i++)
        dds_sleepfor(DDS_MSECS(100));
    dds_delete(DDS_CYCLONEDDS_HANDLE);
    _exit(0);
}

/* JP: the latency is taken in the listener, as bench_link takes it in the node's hand-over. */
static void jp_on_data(dds_entity_t rd, void *arg)
{
    (void)arg;
    void *s[64] = {0};
    dds_sample_info_t si[64];
    int n = dds_take(rd, s, si, 64, 64);
    int64_t now = now_ns();
    for (int i = 0; i < n; i++) {
        const trilink_Track *t = s[i];
        if (!si[i].valid_data)
            continue;
        if (t->track_id[0] == 'C' && got_cl < n_cl) {
            lat_cl[got_cl++] = now - t->hdr.origin_time_ns;
            if (write(go_pipe[1], "x", 1) != 1)
                fprintf(stderr, "bench_dds_relay: pipe write failed\n");
        } else if (t->track_id[0] == 'L' && got_open < n_open)
            lat_open[got_open++] = now - t->hdr.origin_time_ns;
        else
            got_warm++;
    }
    if (n > 0)
        dds_return_loan(rd, s, n);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, int64_t *v, int n)
{
    char key[128];
    double p50 = NAN, p99 = NAN;
    if (n > 0) {
        qsort(v, (size_t)n, sizeof *v, cmp64);
        p50 = (double)v[n / 2] * 1e-3;
        p99 = (double)v[(int)(0.99 * (n - 1))] * 1e-3;
    }
    snprintf(key, sizeof key, "%s_p50", name);
    printf("{\"name\": \"%s\", \"unit\": \"us\", \"value\": %.6g}\n", key, p50);
    snprintf(key, sizeof key, "%s_p99", name);
    printf("{\"name\": \"%s\", \"unit\": \"us\", \"value\": %.6g}\n", key, p99);
}

int main(void)
{
    if (getenv("TL_BENCH_QUICK"))
        n_cl = n_open = 1000;
    char dir[] = "/tmp/tldrelayXXXXXX", xml[3][700];
    if (!mkdtemp(dir))
        return 1;
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "nations: [JP, US, KR]\nrelays: [US]\nlinks:\n"
             "  - {name: us-jp, domain: %d, ends: [{nation: US, address: 127.0.0.1, participant_index: 0},"
             " {nation: JP, address: 127.0.0.1, participant_index: 1}]}\n"
             "  - {name: us-kr, domain: %d, ends: [{nation: US, address: 127.0.0.1, participant_index: 0},"
             " {nation: KR, address: 127.0.0.1, participant_index: 1}]}\n",
             D_JP, D_KR);
    tl_netconfig cfg;
    if (bench_net_setup("bench_dds_relay", dir, yaml, &cfg))
        return 1;
    const char *who[3] = {"JP", "US", "KR"};
    for (int k = 0; k < 3; k++) {
        snprintf(xml[k], sizeof xml[k], "%s/%s.xml", dir, who[k]);
        secure_xml_batch(dir, who[k], xml[k], !getenv("TL_BENCH_INSECURE"), 1);
    }
    lat_cl = calloc((size_t)n_cl + 1, sizeof *lat_cl);
    lat_open = calloc((size_t)n_open + 1, sizeof *lat_open);
    if (!lat_cl || !lat_open || pipe(go_pipe))
        return 1;
    signal(SIGTERM, on_term);
    pid_t us = fork();
    if (us == 0)
        run_us(xml[1]);
    pid_t kr = fork();
    if (kr == 0)
        run_kr(xml[2]);
    pin(0);
    dds_entity_t pp = participant(xml[0], D_JP);
    dds_listener_t *l = dds_create_listener(NULL);
    dds_lset_data_available(l, jp_on_data);
    endpoint(pp, 0, l);
    dds_delete_listener(l);
    for (int i = 0; i < 1200 && (got_cl < n_cl || got_open < n_open); i++)
        dds_sleepfor(DDS_MSECS(100));
    dds_delete(DDS_CYCLONEDDS_HANDLE);
    kill(kr, SIGTERM);
    kill(us, SIGTERM);
    waitpid(kr, NULL, 0);
    waitpid(us, NULL, 0);
    fprintf(stderr, "bench_dds_relay: JP got %d/%d closed loop, %d/%d at 2 kHz (warm-up %d)\n", got_cl, n_cl,
            got_open, n_open, got_warm);
    report("dds_relay_closed_latency", lat_cl, got_cl);
    report("dds_relay_2khz_latency", lat_open, got_open);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_dds_relay: could not remove %s\n", dir);
    return 0; /* a short count is on stderr and in the p50/p99 taken over what came */
}
