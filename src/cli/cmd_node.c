/* cmd_node.c — `trilink node`: run one nation's node on the link. Partners'
 * accepted products are logged (stdout, one line each) and journaled; link health
 * goes to STATE/health.json every second. The national pipeline (node_pipe.h: own
 * plots from the national domain -> tracker -> fusion -> prediction -> zones ->
 * alerts, status.json, summary.json, CAP files, COP) runs inside the loop. A synthetic injector (--inject-synthetic)
 * publishes test products until the tracker feeds the node, and --inject-bad
 * writes one invalid sample of each kind straight onto the links (tests). */
#ifdef TL_HAVE_NET
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "node_pipe.h"
#include "trilink/link.h"
#include "trilink/netconfig.h"

static volatile sig_atomic_t stop_flag = 0;
static void on_signal(int sig) { stop_flag = sig; }

static void node_usage(FILE *f)
{
    fprintf(f,
            "usage: trilink node --config FILE --nation X [--state DIR] [--pki DIR | --insecure]\n"
            "                    [--duration S] [--verbose] [--poll-loop] [--cop-port P] [--[no-]pipeline]\n"
            "                    [--inject-synthetic N [--inject-rate HZ] [--inject-kind K] [--inject-to LIST]\n"
            "                     [--inject-delay S]] [--inject-bad]\n"
            "  --state DIR   journal and health.json (default state/<nation>)\n"
            "  --pki DIR     PKI from `trilink pki init` (default pki); --insecure: no DDS Security\n"
            "  --duration S  stop after S seconds (default: run until SIGINT/SIGTERM)\n"
            "  --poll-loop   take partners' products on the node's loop thread only (one more\n"
            "                thread wake-up per hop); default: on the DDS thread that received\n"
            "                them (listeners), handing bursts to the loop thread\n"
            "  --cop-port P  serve the web COP on 127.0.0.1:P (0: any free port; default off)\n"
            "  --pipeline / --no-pipeline  run the national pipeline or not (default: when\n"
            "                the config gives this nation a national plot domain)\n");
}

static void on_product(void *user, const tl_product *p, const char *via)
{
    if (user)
        tl_nodepipe_product(user, p);
    char path[TL_PATH_MAX * TL_NATION_LEN + 8] = "";
    for (int i = 0; i < p->hdr.path_len; i++) {
        size_t l = strlen(path);
        snprintf(path + l, sizeof path - l, "%s%s", i ? ">" : "", p->hdr.path[i]);
    }
    printf("RECV %s origin=%s seq=%llu via=%s path=%s marking=\"%s\"", tl_product_kind_name(p->kind), p->hdr.origin,
           (unsigned long long)p->hdr.seq, via, path, p->hdr.marking);
    if (p->kind == TL_PROD_TRACK)
        printf(" track=%s sensors=%d", p->u.track.track_id, p->u.track.n_sensors);
    printf("\n");
    fflush(stdout);
}

/* s as a JSON string (the text comes from Cyclone's log: quote what JSON needs). */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static long long file_bytes(const char *state, const char *name)
{
    char path[620];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", state, name);
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

static void write_health(const char *state, const char *nation, tl_node *n, double retain_s)
{
    char path[600], tmp[620];
    snprintf(path, sizeof path, "%s/health.json", state);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "{\"nation\": \"%s\", \"time_ns\": %lld, \"links\": [", nation, (long long)tl_node_now_ns());
    for (int i = 0; i < tl_node_link_count(n); i++) {
        tl_link_health h;
        tl_node_health(n, i, &h);
        fprintf(f,
                "%s\n  {\"peer\": \"%s\", \"domain\": %d, \"up\": %s, \"latency_ns\": %lld, \"in\": %llu, "
                "\"out\": %llu, \"bundles_in\": %llu, \"bundles_out\": %llu, \"gaps_filled\": %llu, "
                "\"gapfill_requests\": %llu, \"dups_dropped\": %llu, \"rejected\": {",
                i ? "," : "", h.peer, h.domain_id, h.up ? "true" : "false", (long long)h.latency_ns,
                (unsigned long long)h.samples_in, (unsigned long long)h.samples_out,
                (unsigned long long)h.bundles_in, (unsigned long long)h.bundles_out,
                (unsigned long long)h.gaps_filled, (unsigned long long)h.gapfill_requests,
                (unsigned long long)h.dups_dropped);
        for (int r = 1; r < TL_REJ_COUNT; r++)
            fprintf(f, "%s\"%s\": %llu", r > 1 ? ", " : "", tl_reject_reason_name((tl_reject_reason)r),
                    (unsigned long long)h.rejected[r]);
        fprintf(f, "}, \"auth_failures\": %llu, \"last_auth_failure\": ", (unsigned long long)h.auth_failures);
        json_string(f, h.last_auth_failure);
        fprintf(f, "}");
    }
    fprintf(f,
            "\n], \"journal\": {\"bytes\": %lld, \"wal_bytes\": %lld, \"retain_hours\": %g, \"rows_pruned\": %llu}}\n",
            file_bytes(state, "journal.db"), file_bytes(state, "journal.db-wal"), retain_s / 3600,
            (unsigned long long)tl_node_journal_pruned(n));
    fclose(f);
    rename(tmp, path);
}

/* A plausible product of kind k: a track over the Sea of Japan, SPD covariance. */
static void synth(tl_product *p, tl_product_kind k, const char *nation, uint64_t i, int64_t now)
{
    memset(p, 0, sizeof *p);
    p->kind = k;
    switch (k) {
    case TL_PROD_TRACK: {
        tl_track_product *t = &p->u.track;
        snprintf(t->track_id, sizeof t->track_id, "%s-T%04llu", nation, (unsigned long long)(i % 10000));
        t->est.t_ns = now;
        double x[6] = {-3.20e6, 3.70e6, 4.00e6 + 10.0 * (double)i, 1500, -800, 2000};
        memcpy(t->est.x, x, sizeof x);
        for (int a = 0; a < 6; a++)
            t->est.P[a][a] = a < 3 ? 250.0 * 250.0 : 20.0 * 20.0;
        t->est.P[0][3] = t->est.P[3][0] = 0.5 * 250 * 20;
        t->phase = 1;
        t->missile_class = 1;
        t->quality = 0.9;
        t->n_sensors = 2;
        snprintf(t->sensors[0], TL_ID_LEN, "%s-RADAR-1", nation);
        snprintf(t->sensors[1], TL_ID_LEN, "%s-RADAR-2", nation);
        break;
    }
    case TL_PROD_LAUNCH:
        snprintf(p->u.launch.track_id, TL_ID_LEN, "%s-T%04llu", nation, (unsigned long long)(i % 10000));
        p->u.launch.launch_t_ns = now - 60000000000LL;
        p->u.launch.launch_t_sigma_s = 2;
        p->u.launch.pos_ecef[0] = -3.05e6;
        p->u.launch.pos_ecef[1] = 4.05e6;
        p->u.launch.pos_ecef[2] = 3.85e6;
        for (int a = 0; a < 3; a++)
            p->u.launch.P_pos[a][a] = 1000.0 * 1000.0;
        break;
    case TL_PROD_IMPACT:
        snprintf(p->u.impact.track_id, TL_ID_LEN, "%s-T%04llu", nation, (unsigned long long)(i % 10000));
        p->u.impact.impact_t_ns = now + 300000000000LL;
        p->u.impact.impact_t_sigma_s = 5;
        p->u.impact.pos_ecef[0] = -3.6e6;
        p->u.impact.pos_ecef[1] = 3.9e6;
        p->u.impact.pos_ecef[2] = 3.6e6;
        p->u.impact.ellipse_semi_major_m = 20000;
        p->u.impact.ellipse_semi_minor_m = 8000;
        p->u.impact.ellipse_orient_rad = 0.5;
        p->u.impact.zone_verdict = TL_ZONE_LEVEL_EEZ;
        snprintf(p->u.impact.zone_name, sizeof p->u.impact.zone_name, "JP EEZ");
        break;
    case TL_PROD_ALERT:
        snprintf(p->u.alert.alert_id, sizeof p->u.alert.alert_id, "%s-A%llu", nation, (unsigned long long)i);
        snprintf(p->u.alert.track_id, TL_ID_LEN, "%s-T%04llu", nation, (unsigned long long)(i % 10000));
        p->u.alert.severity = 2;
        p->u.alert.zone_verdict = TL_ZONE_LEVEL_EEZ;
        p->u.alert.impact_t_ns = now + 300000000000LL;
        snprintf(p->u.alert.text, sizeof p->u.alert.text, "synthetic alert %llu", (unsigned long long)i);
        break;
    default:
        break;
    }
}

/* One invalid sample per reason, written raw (bypassing the node's own checks). */
static void inject_bad(tl_node *n, const tl_netconfig *cfg, const char *nation, int64_t now)
{
    static const char *const what[] = {"nonfinite", "not_pd", "time_window", "unknown_origin",
                                       "bad_sequence", "bad_path", "not_releasable", "bad_field"};
    tl_product p;
    tl_err err;
    for (int i = 0; i < 8; i++) {
        synth(&p, TL_PROD_TRACK, nation, 9000 + (uint64_t)i, now);
        tl_product_hdr *h = &p.hdr;
        snprintf(h->origin, sizeof h->origin, "%s", nation);
        h->seq = 500000 + (uint64_t)i; /* beyond anything real: never consumed */
        h->prev_seq = h->seq - 1;
        h->origin_time_ns = now;
        h->releasable_mask = (1u << cfg->n_nations) - 1;
        h->path_len = 1;
        snprintf(h->path[0], TL_NATION_LEN, "%s", nation);
        snprintf(h->marking, sizeof h->marking, "BAD %s", what[i]);
        switch (i) {
        case 0: p.u.track.est.x[2] = NAN; break;
        case 1: p.u.track.est.P[1][1] = -1; break;
        case 2: h->origin_time_ns = now - 86400LL * 1000000000; p.u.track.est.t_ns = h->origin_time_ns; break;
        case 3: snprintf(h->origin, sizeof h->origin, "XX"); snprintf(h->path[0], TL_NATION_LEN, "XX"); break;
        case 4: h->seq = 4000000000000ULL; h->prev_seq = h->seq - 1; break;
        case 5: h->path_len = 2; snprintf(h->path[1], TL_NATION_LEN, "%s", nation); break;
        case 6: h->releasable_mask = 0; break;
        case 7: p.u.track.phase = 42; break;
        }
        if (tl_node_inject_raw(n, &p, &err))
            fprintf(stderr, "trilink node: %s\n", err.msg);
    }
}

int tl_cmd_node(int argc, char **argv)
{
    const char *config = NULL, *nation = NULL, *state = NULL, *pki = "pki", *kind_s = NULL, *to = NULL;
    double duration = 0, rate = 100, delay = 3, ninj = 0;
    int insecure = 0, verbose = 0, bad = 0, skip_check = 0, low_latency = 1, pipeline = -1, cop_port = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            node_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--insecure")) {
            insecure = 1;
            continue;
        } else if (!strcmp(a, "--verbose")) {
            verbose = 1;
            continue;
        } else if (!strcmp(a, "--inject-bad")) {
            bad = 1;
            continue;
        } else if (!strcmp(a, "--poll-loop")) {
            low_latency = 0;
            continue;
        } else if (!strcmp(a, "--low-latency")) { /* the default since listeners work with the pipeline */
            low_latency = 1;
            continue;
        } else if (!strcmp(a, "--skip-pki-check")) {
            skip_check = 1;
            continue;
        } else if (!strcmp(a, "--no-pipeline") || !strcmp(a, "--pipeline")) {
            pipeline = a[2] == 'p';
            continue;
        }
        if (!v) {
            fprintf(stderr, "trilink node: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--config"))
            config = v;
        else if (!strcmp(a, "--nation"))
            nation = v;
        else if (!strcmp(a, "--state"))
            state = v;
        else if (!strcmp(a, "--pki"))
            pki = v;
        else if (!strcmp(a, "--inject-kind"))
            kind_s = v;
        else if (!strcmp(a, "--inject-to"))
            to = v;
        else if (!strcmp(a, "--cop-port")) {
            double x;
            if (!tl_cli_parse_double(a, v, &x) || x < 0 || x > 65535 || x != floor(x)) {
                fprintf(stderr, "trilink node: --cop-port: must be a port number 0..65535\n");
                return 2;
            }
            cop_port = (int)x;
        }
        else if (!strcmp(a, "--duration") || !strcmp(a, "--inject-rate") || !strcmp(a, "--inject-delay") ||
                 !strcmp(a, "--inject-synthetic")) {
            double x;
            if (!tl_cli_parse_double(a, v, &x) || x < 0) {
                fprintf(stderr, "trilink node: %s: must be a non-negative number\n", a);
                return 2;
            }
            if (!strcmp(a, "--duration"))
                duration = x;
            else if (!strcmp(a, "--inject-rate"))
                rate = x > 0 ? x : 1;
            else if (!strcmp(a, "--inject-delay"))
                delay = x;
            else
                ninj = floor(x);
        } else {
            fprintf(stderr, "trilink node: unknown option '%s'\n", a);
            node_usage(stderr);
            return 2;
        }
    }
    if (!config || !nation) {
        node_usage(stderr);
        return 2;
    }
    tl_netconfig cfg;
    tl_err err;
    tl_err_clear(&err);
    if (tl_netconfig_load(config, &cfg, &err)) {
        fprintf(stderr, "trilink node: %s\n", err.msg);
        return 2;
    }
    tl_product_kind kind = TL_PROD_TRACK;
    if (kind_s && tl_product_kind_parse(kind_s, &kind)) {
        fprintf(stderr, "trilink node: --inject-kind: unknown kind '%s' (track, launch, impact, alert)\n", kind_s);
        return 2;
    }
    uint32_t to_mask = 0;
    if (to && tl_netconfig_mask_parse(&cfg, to, &to_mask, &err)) {
        fprintf(stderr, "trilink node: --inject-to: %s\n", err.msg);
        return 2;
    }
    char state_buf[256];
    if (!state) {
        snprintf(state_buf, sizeof state_buf, "state/%s", nation);
        state = state_buf;
    }
    if (insecure)
        fprintf(stderr, "trilink node %s: WARNING: --insecure: DDS Security is off\n", nation);
    tl_nodepipe *np = NULL;
    if (pipeline < 0)
        pipeline = tl_netconfig_national(&cfg, nation) != NULL;
    if (pipeline && tl_nodepipe_create(&cfg, nation, state, cop_port, &np, &err)) {
        fprintf(stderr, "trilink node %s: pipeline: %s\n", nation, err.msg);
        return 1;
    }
    tl_node_opts o = {state, insecure ? NULL : pki, on_product, np, verbose, skip_check, low_latency};
    tl_node *n = NULL;
    int rc = tl_node_create(&cfg, nation, &o, &n, &err);
    if (rc) {
        fprintf(stderr, "trilink node %s: refusing to start: %s\n", nation, err.msg);
        tl_nodepipe_destroy(np);
        return 1;
    }
    if (np && tl_nodepipe_cop_port(np) > 0)
        printf("COP %s http://127.0.0.1:%d/\n", nation, tl_nodepipe_cop_port(np));
    fflush(stdout);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fprintf(stderr, "trilink node %s: running (%d link(s), state %s, security %s)\n", nation, tl_node_link_count(n),
            state, insecure ? "OFF" : "on");
    int64_t t0 = tl_node_now_ns(), end = duration > 0 ? t0 + (int64_t)(duration * 1e9) : INT64_MAX;
    int64_t next_inj = t0 + (int64_t)(delay * 1e9), period = (int64_t)(1e9 / rate), next_health = t0;
    uint64_t injected = 0;
    int bad_done = 0;
    for (uint64_t iter = 0; !stop_flag && iter < UINT64_MAX; iter++) {
        int64_t now = tl_node_now_ns();
        if (now >= end)
            break;
        if (bad && !bad_done && now >= next_inj) {
            inject_bad(n, &cfg, nation, now);
            bad_done = 1;
        }
        for (int burst = 0; injected < (uint64_t)ninj && now >= next_inj && burst < 1000; burst++) {
            tl_product p;
            synth(&p, kind, nation, injected, now);
            p.hdr.releasable_mask = to_mask;
            if (tl_node_publish(n, &p, now, &err)) {
                fprintf(stderr, "trilink node %s: publish: %s\n", nation, err.msg);
                break;
            }
            injected++;
            next_inj += period;
        }
        if (np)
            tl_nodepipe_tick(np, n, now);
        if (now >= next_health) {
            write_health(state, nation, n, cfg.journal_retain_s);
            next_health = now + 1000000000;
        }
        int64_t wait_ms = np ? 20 : 100;
        if (injected < (uint64_t)ninj && next_inj > now && (next_inj - now) / 1000000 < wait_ms)
            wait_ms = (next_inj - now) / 1000000;
        tl_node_poll(n, (int)wait_ms);
    }
    write_health(state, nation, n, cfg.journal_retain_s);
    if (np)
        tl_nodepipe_finish(np, n, tl_node_now_ns());
    fprintf(stderr, "trilink node %s: stopping (%s), published %llu\n", nation,
            stop_flag ? "signal" : "duration reached", (unsigned long long)injected);
    tl_node_destroy(n);
    tl_nodepipe_destroy(np);
    return 0;
}
#endif
