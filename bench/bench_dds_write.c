/* bench_dds_write.c — what one write costs in Cyclone DDS itself, without any
 * trilink code: CPU time of the writing thread per dds_write + dds_write_flush
 * of one sample to one matched reader in another process, on loopback, for the
 * link's Track type (nested appendable structs, strings, sequences) and the
 * flatter Plot type, without and with DDS Security (the demonstration PKI's
 * governance: discovery, liveliness, metadata and data encrypted). It shows how
 * much of the relay path's per-hop cost (docs/network.md, "Speed") is the DDS
 * write itself. Samples are written 2.5 ms apart (no batching, no back-pressure).
 * Prints one JSON object per line; TL_BENCH_QUICK=1 for a short run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dds/dds.h"
#include "trilink.h"
#include "bench_dds.h"

#define DOMAIN 94

static double now_us(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

static dds_entity_t make_topic(dds_entity_t pp, int plot)
{
    return plot ? dds_create_topic(pp, &trilink_Plot_desc, "trilink_Plot", NULL, NULL)
                : dds_create_topic(pp, &trilink_Track_desc, "trilink_Track", NULL, NULL);
}

static dds_qos_t *reliable(int depth)
{
    dds_qos_t *q = dds_create_qos();
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, depth);
    return q;
}

/* The reader process: takes whatever arrives until its parent is done. */
static void reader(const char *uri, int plot, double seconds)
{
    setenv("CYCLONEDDS_URI", uri, 1);
    dds_entity_t pp = dds_create_participant(DOMAIN, NULL, NULL);
    if (pp < 0)
        _exit(1);
    dds_qos_t *q = reliable(4096);
    dds_entity_t rd = dds_create_reader(pp, make_topic(pp, plot), q, NULL);
    dds_delete_qos(q);
    void *s[64];
    dds_sample_info_t si[64];
    for (double t0 = now_us(CLOCK_MONOTONIC); rd > 0 && now_us(CLOCK_MONOTONIC) - t0 < seconds * 1e6;) {
        memset(s, 0, sizeof s);
        int n = dds_take(rd, s, si, 64, 64);
        if (n > 0)
            dds_return_loan(rd, s, n);
        else
            usleep(200);
    }
    dds_delete(DDS_CYCLONEDDS_HANDLE);
    _exit(0);
}

/* CPU us per write+flush of n samples, or a negative number on failure. */
static double run(const char *uri_w, const char *uri_r, int plot, int n)
{
    double budget_s = 8.0 + n * 0.0026;
    pid_t pid = fork();
    if (pid == 0)
        reader(uri_r, plot, budget_s);
    setenv("CYCLONEDDS_URI", uri_w, 1);
    double cpu = -1.0;
    dds_entity_t pp = dds_create_participant(DOMAIN, NULL, NULL);
    dds_qos_t *q = reliable(2048);
    dds_entity_t wr = pp < 0 ? pp : dds_create_writer(pp, make_topic(pp, plot), q, NULL);
    dds_delete_qos(q);
    int matched = 0;
    for (int i = 0; wr > 0 && i < 100 && !matched; i++) { /* up to 10 s for discovery and handshakes */
        dds_publication_matched_status_t st;
        matched = dds_get_publication_matched_status(wr, &st) == 0 && st.current_count > 0;
        if (!matched)
            usleep(100000);
    }
    if (matched) {
        usleep(300000);
        static trilink_Track t;
        static trilink_Plot p;
        char path[2][8] = {"KR", "US"}, sensors[2][24] = {"KR-R1", "KR-R2"};
        strcpy(t.hdr.origin, "KR");
        strcpy(t.hdr.marking, "REL TO KOR, USA, JPN");
        t.hdr.path._length = t.hdr.path._maximum = 2;
        t.hdr.path._buffer = path;
        strcpy(t.track_id, "KR-T0001");
        for (int i = 0; i < 36; i++)
            t.P[i] = i < 6 ? 100.0 : 0.1 * i;
        t.sensors._length = t.sensors._maximum = 2;
        t.sensors._buffer = sensors;
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            t.hdr.seq = (uint64_t)i + 1;
            double c0 = now_us(CLOCK_THREAD_CPUTIME_ID);
            dds_write(wr, plot ? (const void *)&p : (const void *)&t);
            dds_write_flush(wr);
            sum += now_us(CLOCK_THREAD_CPUTIME_ID) - c0;
            usleep(2500);
        }
        cpu = sum / n;
    }
    dds_delete(DDS_CYCLONEDDS_HANDLE);
    waitpid(pid, NULL, 0);
    return cpu;
}

static void json(const char *name, double v)
{
    if (v >= 0.0)
        printf("{\"name\": \"%s\", \"unit\": \"us\", \"value\": %.4g}\n", name, v);
    else
        printf("{\"name\": \"%s\", \"unit\": \"us\", \"value\": null}\n", name);
    fflush(stdout);
}

int main(void)
{
    int n = getenv("TL_BENCH_QUICK") ? 300 : 2000;
    char dir[] = "/tmp/tlddswXXXXXX", path[700];
    if (!mkdtemp(dir))
        return 1;
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "nations: [JP, US]\nrelays: []\nlinks:\n"
               "  - {name: us-jp, domain: %d, ends: [{nation: US, address: 127.0.0.1, participant_index: 0},"
               " {nation: JP, address: 127.0.0.1, participant_index: 1}]}\n"
               "policy:\n  - {origin: US, products: [all], to: [JP]}\n",
            DOMAIN);
    tl_netconfig cfg;
    if (bench_net_setup("bench_dds_write", dir, yaml, &cfg))
        return 1;
    char xml[4][700], uri[4][720];
    if (strlen(dir) > 100)
        return 1;
    const char *who[2] = {"US", "JP"};
    for (int k = 0; k < 4; k++) { /* 0/1: insecure US/JP, 2/3: secure */
        snprintf(xml[k], sizeof xml[k], "%s/%s%d.xml", dir, who[k % 2], k / 2);
        secure_xml_opt(dir, who[k % 2], xml[k], k / 2);
        snprintf(uri[k], sizeof uri[k], "file://%.700s", xml[k]);
    }
    json("dds_write_track_insecure_cpu", run(uri[0], uri[1], 0, n));
    json("dds_write_plot_insecure_cpu", run(uri[0], uri[1], 1, n));
    json("dds_write_track_secure_cpu", run(uri[2], uri[3], 0, n));
    json("dds_write_plot_secure_cpu", run(uri[2], uri[3], 1, n));
    snprintf(path, sizeof path, "rm -rf %s", dir);
    if (system(path) != 0)
        fprintf(stderr, "bench_dds_write: could not remove %s\n", dir);
    return 0;
}
