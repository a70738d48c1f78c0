/* node_pipe.c — the pipeline inside `trilink node` (node_pipe.h). */
#ifdef TL_HAVE_NET
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "node_cop.h"
#include "node_pipe.h"
#include "plotbus.h"
#include "trilink/flight.h"
#include "trilink/geo.h"
#include "trilink/pipeline.h"

#define MAX_PLOTS_PER_TICK 4096
#define INBOX_MAX (1 << 18) /* partner products waiting for the pipeline thread */
#define NS 1000000000LL

struct tl_nodepipe {
    char nation[TL_NATION_LEN];
    char state[512];
    tl_pipeline *pl;
    tl_plotbus *bus;
    tl_nodecop *cop;
    tl_plot plots[MAX_PLOTS_PER_TICK];
    uint64_t plots_in, plots_rejected, published, publish_failed, partner_in, partner_refused, caps_written;
    int64_t next_status_ns, next_cop_ns, next_summary_ns;
    int64_t rate_wall_ns, rate_scn_ns;
    double clock_rate;
    tl_pipeline_cap cap;
    tl_product batch[32]; /* one fusion cycle's products, published in one transaction */
    /* Partners' products arrive on the link's threads (DDS listeners) and wait here
     * for the pipeline's thread; the link holds its lock while it hands them over,
     * so the hand-over never blocks. */
    pthread_mutex_t inbox_mu;
    tl_product *inbox, *inbox_spare;
    size_t inbox_n, inbox_cap, spare_cap;
    uint64_t inbox_overflow;
};

int tl_nodepipe_create(const tl_netconfig *cfg, const char *nation, const char *state_dir, int cop_port,
                       tl_nodepipe **out, tl_err *err)
{
    tl_nodepipe *np = calloc(1, sizeof *np);
    if (!np)
        return tl_err_set(err, TL_ENOMEM, "node pipeline: out of memory");
    snprintf(np->nation, sizeof np->nation, "%s", nation);
    snprintf(np->state, sizeof np->state, "%s", state_dir);
    np->clock_rate = 1.0;
    pthread_mutex_init(&np->inbox_mu, NULL);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/cap", state_dir);
    mkdir(state_dir, 0755);
    if (mkdir(dir, 0755) && errno != EEXIST) {
        int rc = tl_err_set(err, TL_EIO, "%s: cannot create: %s", dir, strerror(errno));
        free(np);
        return rc;
    }
    tl_pipeline_cfg pc;
    tl_pipeline_cfg_default(&pc, nation);
    int rc = tl_pipeline_create(&pc, &np->pl, err);
    const tl_net_national *nd = tl_netconfig_national(cfg, nation);
    if (!rc && nd)
        rc = tl_plotbus_open(nd, 0, &np->bus, err);
    if (!rc && cop_port >= 0 && tl_nodecop_start(cop_port, &np->cop, err) != TL_OK) {
        fprintf(stderr, "trilink node %s: WARNING: no COP: %s\n", nation, err ? err->msg : "");
        np->cop = NULL; /* the node runs without its web picture */
    }
    if (rc) {
        tl_nodepipe_destroy(np);
        return rc;
    }
    *out = np;
    return TL_OK;
}

int tl_nodepipe_cop_port(const tl_nodepipe *np) { return np->cop ? tl_nodecop_port(np->cop) : 0; }

void tl_nodepipe_destroy(tl_nodepipe *np)
{
    if (!np)
        return;
    tl_nodecop_stop(np->cop);
    tl_plotbus_close(np->bus);
    tl_pipeline_destroy(np->pl);
    pthread_mutex_destroy(&np->inbox_mu);
    free(np->inbox);
    free(np->inbox_spare);
    free(np);
}

/* Any thread: queue a partner's product for the pipeline (copied). */
void tl_nodepipe_product(tl_nodepipe *np, const tl_product *p)
{
    pthread_mutex_lock(&np->inbox_mu);
    if (np->inbox_n == np->inbox_cap) {
        size_t cap = np->inbox_cap ? 2 * np->inbox_cap : 256;
        tl_product *q = cap <= INBOX_MAX ? realloc(np->inbox, cap * sizeof *q) : NULL;
        if (!q) {
            np->inbox_overflow++;
            pthread_mutex_unlock(&np->inbox_mu);
            fprintf(stderr, "trilink node %s: pipeline inbox full: %s/%llu not fused (it is journaled)\n",
                    np->nation, p->hdr.origin, (unsigned long long)p->hdr.seq);
            return;
        }
        np->inbox = q;
        np->inbox_cap = cap;
    }
    np->inbox[np->inbox_n++] = *p;
    pthread_mutex_unlock(&np->inbox_mu);
}

/* Pipeline thread: hand the queued partner products to the pipeline, in arrival
 * order (the queue is swapped out under the lock, then processed without it). */
static void take_inbox(tl_nodepipe *np)
{
    pthread_mutex_lock(&np->inbox_mu);
    tl_product *mine = np->inbox;
    size_t n = np->inbox_n, cap = np->inbox_cap;
    np->inbox = np->inbox_spare;
    np->inbox_cap = np->spare_cap;
    np->inbox_n = 0;
    np->partner_refused += np->inbox_overflow;
    np->partner_in += np->inbox_overflow;
    np->inbox_overflow = 0;
    pthread_mutex_unlock(&np->inbox_mu);
    for (size_t i = 0; i < n; i++) {
        np->partner_in++;
        if (tl_pipeline_add_product(np->pl, &mine[i], NULL) != TL_OK)
            np->partner_refused++;
        else if (np->cop)
            tl_nodecop_partner(np->cop, &mine[i], tl_node_now_ns()); /* shown as the partner's */
    }
    np->inbox_spare = mine;
    np->spare_cap = cap;
}

/* Write path atomically (tmp + rename) with the text from fill(). */
static FILE *open_tmp(const char *path, char *tmp, size_t cap)
{
    snprintf(tmp, cap, "%s.tmp", path);
    return fopen(tmp, "w");
}

static void close_tmp(FILE *f, const char *tmp, const char *path)
{
    if (fclose(f) == 0)
        rename(tmp, path);
}

/* Heap in use (kB), as the allocator counts it: what `make soak` fits a slope to. The
 * RSS also rises while memory allocated up front (the record table, the product queue,
 * Cyclone's receive buffers) is touched for the first time; this does not. -1 unknown. */
static long heap_kb(void)
{
#ifdef __GLIBC__
    struct mallinfo2 m = mallinfo2();
    return (long)((m.uordblks + m.hblkhd) / 1024);
#else
    return -1;
#endif
}

static void write_status(tl_nodepipe *np, tl_node *n, int64_t now_ns)
{
    char path[600], tmp[620];
    snprintf(path, sizeof path, "%s/status.json", np->state);
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (!f)
        return;
    tl_pipeline_stats st;
    tl_pipeline_stats_get(np->pl, &st);
    int active = 0;
    for (size_t i = 0; i < tl_pipeline_record_count(np->pl); i++)
        active += tl_pipeline_record_get(np->pl, i)->alert_active;
    fprintf(f,
            "{\"nation\": \"%s\", \"wall_ns\": %lld, \"scenario_t_ns\": %lld, \"clock_rate\": %.3f, "
            "\"plots\": %llu, \"plots_rejected\": %llu, \"local_tracks\": %zu, \"local_confirmed\": %zu, "
            "\"partner_tracks\": %zu, \"system_tracks\": %zu, \"records\": %zu, \"published\": %llu, "
            "\"partner_products\": %llu, \"alerts\": %llu, \"updates\": %llu, \"cancels\": %llu, "
            "\"alerts_active\": %d, \"alerts_closed\": %llu, \"coasting_tracks\": %zu, \"cop_port\": %d, "
            "\"heap_kb\": %ld, \"links\": [",
            np->nation, (long long)now_ns, (long long)tl_pipeline_clock(np->pl), np->clock_rate,
            (unsigned long long)np->plots_in, (unsigned long long)np->plots_rejected, st.local_tracks,
            st.local_confirmed, st.partner_tracks, st.system_tracks, tl_pipeline_record_count(np->pl),
            (unsigned long long)np->published, (unsigned long long)np->partner_in, (unsigned long long)st.alerts,
            (unsigned long long)st.updates, (unsigned long long)st.cancels, active,
            (unsigned long long)st.closes, st.coasting_tracks, tl_nodepipe_cop_port(np), heap_kb());
    for (int i = 0; n && i < tl_node_link_count(n); i++) {
        tl_link_health h;
        tl_node_health(n, i, &h);
        uint64_t rej = 0;
        for (int r = 1; r < TL_REJ_COUNT; r++)
            rej += h.rejected[r];
        fprintf(f, "%s{\"peer\": \"%s\", \"up\": %s, \"latency_ms\": %.2f, \"in\": %llu, \"out\": %llu, "
                   "\"rejected\": %llu}",
                i ? ", " : "", h.peer, h.up ? "true" : "false", (double)h.latency_ns / 1e6,
                (unsigned long long)h.samples_in, (unsigned long long)h.samples_out, (unsigned long long)rej);
    }
    fprintf(f, "]}\n");
    close_tmp(f, tmp, path);
}

static void ecef3(FILE *f, const char *key, const double x[3])
{
    fprintf(f, "\"%s\": [%.3f, %.3f, %.3f]", key, x[0], x[1], x[2]);
}

/* One system track per line (so a line-oriented reader can parse it). */
static void write_summary(tl_nodepipe *np)
{
    char path[600], tmp[620];
    snprintf(path, sizeof path, "%s/summary.json", np->state);
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (!f)
        return;
    fprintf(f, "{\"nation\": \"%s\", \"scenario_t_ns\": %lld, \"system_tracks\": [\n", np->nation,
            (long long)tl_pipeline_clock(np->pl));
    size_t nr = tl_pipeline_record_count(np->pl);
    for (size_t i = 0; i < nr; i++) {
        const tl_pipeline_record *r = tl_pipeline_record_get(np->pl, i);
        fprintf(f,
                "{\"stn\": %u, \"live\": %d, \"first_system_ns\": %lld, \"first_local_ns\": %lld, "
                "\"local_confirm_ns\": %lld, \"first_nations\": \"%s\", \"nations\": \"%s\", "
                "\"first_t_ns\": %lld, ",
                (unsigned)r->stn, r->live, (long long)r->first_system_ns, (long long)r->first_local_ns,
                (long long)r->local_confirm_ns, r->first_nations, r->nations, (long long)r->first_est.t_ns);
        ecef3(f, "first_pos_ecef", r->first_est.x);
        fprintf(f, ", \"has_pred\": %d, \"pred_t_ns\": %lld, ", r->has_pred, (long long)r->pred_t_ns);
        ecef3(f, "pred_pos_ecef", r->pred_est.x);
        fprintf(f, ", \"has_impact\": %d", r->has_impact);
        if (r->has_impact)
            fprintf(f,
                    ", \"impact_lat_deg\": %.6f, \"impact_lon_deg\": %.6f, \"impact_t_ns\": %lld, "
                    "\"impact_t_sigma_s\": %.3f, \"ellipse95_semi_major_m\": %.1f, \"ellipse95_semi_minor_m\": %.1f, "
                    "\"ellipse95_orient_deg\": %.2f, \"zone\": \"%s\", \"p_jp\": %.4f, \"p_kr\": %.4f, "
                    "\"p_overflight\": %.3f",
                    r->impact_lat_rad / TL_DEG, r->impact_lon_rad / TL_DEG, (long long)r->impact_t_ns,
                    r->impact_t_sigma_s, r->ell_semi_major_m, r->ell_semi_minor_m, r->ell_orient_rad / TL_DEG,
                    tl_pipeline_zone_name(r->zone_likely), r->p_jp, r->p_kr, r->p_overflight);
        fprintf(f,
                ", \"class\": \"%s\", \"space_launch\": %d, \"alerts_issued\": %d, \"alerts_updated\": %d, "
                "\"alerts_cancelled\": %d, \"alert_active\": %d, \"alert_closed\": %d, \"coasting\": %d, "
                "\"hold_until_ns\": %lld}%s\n",
                r->missile_class >= 0 ? tl_missile_class_name((tl_missile_class)r->missile_class) : "unknown",
                r->space_launch, r->alerts_issued, r->alerts_updated, r->alerts_cancelled, r->alert_active,
                r->alert_closed, r->coasting, (long long)r->hold_until_ns, i + 1 < nr ? "," : "");
    }
    fprintf(f, "]}\n");
    close_tmp(f, tmp, path);
}

static void write_cap(tl_nodepipe *np, const tl_pipeline_cap *c)
{
    char path[700];
    snprintf(path, sizeof path, "%s/cap/%s.xml", np->state, c->identifier);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fwrite(c->xml, 1, c->len, f);
    if (fclose(f) == 0)
        np->caps_written++;
}

/* Publish a batch in one journal transaction; if the batch is refused (all or
 * none), publish its products one by one so one bad product cannot block the
 * rest, and count the failures. */
static void publish_batch(tl_nodepipe *np, tl_node *n, int count, int64_t now_ns)
{
    tl_err err;
    if (count == 0)
        return;
    if (tl_node_publish_many(n, np->batch, count, now_ns, &err) == TL_OK) {
        np->published += (uint64_t)count;
        return;
    }
    for (int i = 0; i < count; i++) {
        if (tl_node_publish(n, &np->batch[i], now_ns, &err) == TL_OK)
            np->published++;
        else if (np->publish_failed++ < 5)
            fprintf(stderr, "trilink node %s: publish: %s\n", np->nation, err.msg);
    }
}

static void drain(tl_nodepipe *np, tl_node *n, int64_t now_ns)
{
    const int cap = (int)(sizeof np->batch / sizeof np->batch[0]);
    int count = 0;
    for (int guard = 0; guard < 100000 && tl_pipeline_next_product(np->pl, &np->batch[count]);
         guard++) {
        if (++count == cap) {
            publish_batch(np, n, count, now_ns);
            count = 0;
        }
    }
    publish_batch(np, n, count, now_ns);
    for (int guard = 0; guard < 1000 && tl_pipeline_next_cap(np->pl, &np->cap); guard++) {
        write_cap(np, &np->cap);
        printf("ALERT %s %s stn=%u\n", np->cap.msg_type == 1 ? "Alert" : np->cap.msg_type == 2 ? "Update" : "Cancel",
               np->cap.identifier, (unsigned)np->cap.stn);
        fflush(stdout);
    }
}

static void update_cop(tl_nodepipe *np, tl_node *n, int64_t now_ns)
{
    if (!np->cop)
        return;
    int nl = tl_node_link_count(n);
    for (int i = 0; i < nl; i++) {
        tl_link_health h;
        tl_node_health(n, i, &h);
        uint64_t rej = 0;
        for (int r = 1; r < TL_REJ_COUNT; r++)
            rej += h.rejected[r];
        tl_nodecop_set_link(np->cop, i, np->nation, h.peer, h.up,
                            h.latency_ns > 0 ? (double)h.latency_ns * 1e-9 : NAN, h.samples_in, h.samples_out,
                            h.gaps_filled, h.dups_dropped, rej, h.auth_failures);
    }
    tl_err err;
    if (tl_nodecop_update(np->cop, np->pl, nl, now_ns, np->clock_rate, &err) != TL_OK)
        fprintf(stderr, "trilink node %s: cop: %s\n", np->nation, err.msg);
}

void tl_nodepipe_tick(tl_nodepipe *np, tl_node *n, int64_t now_ns)
{
    take_inbox(np);
    int got = np->bus ? tl_plotbus_take(np->bus, np->plots, MAX_PLOTS_PER_TICK) : 0;
    for (int i = 0; i < got; i++) {
        np->plots_in++;
        if (tl_pipeline_add_plot(np->pl, &np->plots[i], NULL) != TL_OK)
            np->plots_rejected++;
    }
    tl_pipeline_step(np->pl, tl_pipeline_clock(np->pl), NULL);
    drain(np, n, now_ns);
    if (now_ns >= np->next_status_ns) {
        int64_t scn = tl_pipeline_clock(np->pl);
        if (np->rate_wall_ns && np->rate_scn_ns > 0 && scn > np->rate_scn_ns && now_ns > np->rate_wall_ns)
            np->clock_rate = 0.7 * np->clock_rate +
                             0.3 * (double)(scn - np->rate_scn_ns) / (double)(now_ns - np->rate_wall_ns);
        np->rate_wall_ns = now_ns;
        np->rate_scn_ns = scn;
        write_status(np, n, now_ns);
        np->next_status_ns = now_ns + NS;
    }
    if (now_ns >= np->next_cop_ns) {
        update_cop(np, n, now_ns);
        np->next_cop_ns = now_ns + NS / 2;
    }
    if (now_ns >= np->next_summary_ns) {
        write_summary(np);
        np->next_summary_ns = now_ns + 5 * NS;
    }
}

void tl_nodepipe_finish(tl_nodepipe *np, tl_node *n, int64_t now_ns)
{
    tl_nodepipe_tick(np, n, now_ns);
    tl_pipeline_finish(np->pl, NULL);
    drain(np, n, now_ns);
    update_cop(np, n, now_ns);
    write_status(np, n, now_ns);
    write_summary(np);
}
#endif
