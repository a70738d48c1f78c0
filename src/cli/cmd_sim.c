/* cmd_sim.c — `trilink sim`: check a scenario file, or run it and write the plot
 * stream and its truth (docs/scenario.md, docs/formats.md). The engine is pure; the
 * only clock here is the pacing for --rate. */
#include "cli.h"

#include "trilink/scenario.h"
#include "trilink/sim.h"
#ifdef TL_HAVE_NET
#include "plotbus.h"
#include "trilink/link.h"
#include "trilink/netconfig.h"
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void sim_usage(FILE *f)
{
    fprintf(f, "usage: trilink sim check FILE\n"
               "       trilink sim run FILE --out DIR [--rate R] [--duration S] [--seed N]\n"
               "                          [--nation CODE]\n"
               "       trilink sim run FILE --publish [--config FILE] [--out DIR] [--rate R]\n"
               "                       [--epoch UTC] [--wait S] [--duration S] [--seed N]\n"
               "\n"
               "  check       validate FILE; print every error as FILE:LINE: FIELD: message\n"
               "              (exit 2), or a one-line summary (exit 0)\n"
               "  run         write DIR/{truth,plots,plots_truth,objects}.csv\n"
               "  --rate R    pace output at R x real time (1 = real time, 0 = flat out; "
               "default 0)\n"
               "  --duration S  stop S seconds after the epoch (default: the scenario's)\n"
               "  --seed N    override the scenario's random seed\n"
               "  --nation CODE  only that nation's sensors (its plots are the same as in a\n"
               "              full run; plot ids differ)\n"
               "  --publish   publish each nation's plots on its national DDS domain (topic\n"
               "              Plot, 'national:' in --config, default config/network.yaml);\n"
               "              truth still goes to --out when given\n"
               "  --epoch UTC move the scenario to start at this time (ISO 8601, or 'now')\n"
               "  --wait S    with --publish: wait up to S s for every node to subscribe\n"
               "              (default 30), then run anyway\n");
}

static int load(const char *path, tl_scenario *sc) { return tl_cli_load_scenario("sim", &path, sc); }

static void summary(const tl_scenario *sc)
{
    size_t radars = 0, irs = 0, debris = 0;
    for (size_t i = 0; i < sc->n_sensors; i++)
        radars += sc->sensors[i].kind == TL_SENSOR_RADAR;
    irs = sc->n_sensors - radars;
    for (size_t i = 0; i < sc->n_debris; i++)
        debris += (size_t)sc->debris[i].count;
    char t[40];
    tl_format_utc(sc->epoch_ns, t, sizeof t);
    printf("%s: ok: epoch %s, %.0f s, seed %llu, %zu nations, %zu radars, %zu IR satellites, "
           "%zu launches, %zu debris objects, %zu clutter regions\n",
           sc->path, t, sc->duration_s, (unsigned long long)sc->seed, sc->n_nations, radars, irs,
           sc->n_launches, debris, sc->n_clutter);
}

typedef struct pacer {
    double rate;
    int64_t sim0_ns;
    struct timespec wall0;
} pacer;

static void pace(void *ctx, int64_t t_ns)
{
    pacer *p = ctx;
    if (p->rate <= 0.0)
        return;
    double due_s = (double)(t_ns - p->sim0_ns) * 1e-9 / p->rate;
    struct timespec target = p->wall0;
    target.tv_sec += (time_t)due_s;
    target.tv_nsec += (long)((due_s - (double)(time_t)due_s) * 1e9);
    if (target.tv_nsec >= 1000000000L) {
        target.tv_sec++;
        target.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL) == EINTR)
        ;
}

#ifdef TL_HAVE_NET
static volatile sig_atomic_t sim_stop = 0;
static void on_sim_signal(int sig) { sim_stop = sig; }

/* Run the scenario again (same seed: the same plots as the truth files) and publish
 * each nation's plots on its own national domain, paced at rate x real time. */
static int sim_publish(const tl_scenario *sc, const char *config, double rate, double wait_s)
{
    tl_netconfig cfg;
    tl_err err;
    tl_err_clear(&err);
    if (tl_netconfig_load(config, &cfg, &err)) {
        fprintf(stderr, "trilink sim: %s\n", err.msg);
        return TL_EINVAL;
    }
    tl_plotbus *bus[TL_SCN_MAX_NATIONS] = {0};
    int rc = TL_OK, nbus = 0;
    for (size_t i = 0; i < sc->n_nations && rc == TL_OK; i++) {
        const tl_net_national *nd = tl_netconfig_national(&cfg, sc->nations[i]);
        if (!nd) {
            fprintf(stderr, "trilink sim: %s: no national domain for %s: its plots are not published\n", config,
                    sc->nations[i]);
            continue;
        }
        rc = tl_plotbus_open(nd, 1, &bus[i], &err);
        if (rc)
            fprintf(stderr, "trilink sim: %s\n", err.msg);
        else
            nbus++;
    }
    tl_sim *sim = NULL;
    if (rc == TL_OK && (rc = tl_sim_create(sc, &sim, &err)) != TL_OK)
        fprintf(stderr, "trilink sim: %s\n", err.msg);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sim_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Wait (bounded) for every national node to subscribe: volatile plots are lost
     * to a node that is not there yet. */
    for (int k = 0; rc == TL_OK && !sim_stop && k < (int)(wait_s * 10); k++) {
        int ready = 0;
        for (size_t i = 0; i < sc->n_nations; i++)
            ready += bus[i] && tl_plotbus_matched(bus[i]) > 0;
        if (ready == nbus)
            break;
        struct timespec d = {0, 100000000L};
        nanosleep(&d, NULL);
    }
    size_t sent = 0, failed = 0;
    if (rc == TL_OK) {
        printf("publishing %s on %d national domain(s) at %gx\n", sc->path, nbus, rate);
        fflush(stdout);
        pacer p = {rate, sc->epoch_ns, {0, 0}};
        clock_gettime(CLOCK_MONOTONIC, &p.wall0);
        int64_t t;
        const tl_plot *plots;
        const tl_plot_truth *truth;
        size_t n;
        while (!sim_stop && tl_sim_next_scan(sim, &t, &plots, &truth, &n)) {
            if (rate > 0)
                pace(&p, t);
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            int64_t now_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
            for (size_t k = 0; k < n; k++)
                for (size_t i = 0; i < sc->n_nations; i++)
                    if (bus[i] && !strcmp(plots[k].nation, sc->nations[i])) {
                        if (tl_plotbus_write(bus[i], &plots[k], now_ns, &err) == TL_OK)
                            sent++;
                        else if (failed++ == 0)
                            fprintf(stderr, "trilink sim: %s\n", err.msg);
                    }
        }
        /* let reliable delivery finish before the participants go */
        struct timespec d = {1, 0};
        nanosleep(&d, NULL);
        printf("published %zu plots (%zu failed)%s\n", sent, failed, sim_stop ? " (stopped by signal)" : "");
    }
    tl_sim_destroy(sim);
    for (size_t i = 0; i < sc->n_nations; i++)
        tl_plotbus_close(bus[i]);
    return rc;
}
#endif

static int sim_run(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *config = "config/network.yaml", *epoch = NULL, *nation = NULL;
    double rate = 0.0, duration = -1.0, wait_s = 30.0;
    int publish = 0;
    unsigned long long seed = 0;
    int has_seed = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--out") && has)
            out = argv[++i];
        else if (!strcmp(a, "--publish"))
            publish = 1;
        else if (!strcmp(a, "--config") && has)
            config = argv[++i];
        else if (!strcmp(a, "--epoch") && has)
            epoch = argv[++i];
        else if (!strcmp(a, "--wait") && has) {
            if (!tl_cli_parse_double("--wait", argv[++i], &wait_s))
                return 2;
        }
        else if (!strcmp(a, "--nation") && has)
            nation = argv[++i];
        else if (!strcmp(a, "--rate") && has) {
            if (!tl_cli_parse_double("--rate", argv[++i], &rate))
                return 2;
            if (rate < 0) {
                fprintf(stderr, "trilink sim: --rate: must be >= 0 ('%s')\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--duration") && has) {
            if (!tl_cli_parse_double("--duration", argv[++i], &duration))
                return 2;
            if (duration <= 0) {
                fprintf(stderr, "trilink sim: --duration: must be > 0 ('%s')\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--seed") && has) {
            char *end = NULL;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (!argv[i][0] || *end || errno || argv[i][0] == '-') {
                fprintf(stderr, "trilink sim: --seed: not a non-negative integer ('%s')\n",
                        argv[i]);
                return 2;
            }
            seed = v;
            has_seed = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "trilink sim run: unknown or incomplete option '%s'\n", a);
            sim_usage(stderr);
            return 2;
        } else if (!file)
            file = a;
        else {
            fprintf(stderr, "trilink sim run: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!file || (!out && !publish)) {
        sim_usage(stderr);
        return 2;
    }
#ifndef TL_HAVE_NET
    if (publish) {
        fprintf(stderr, "trilink sim: --publish: built without the DDS link\n");
        return 2;
    }
#endif
    int64_t epoch_ns = 0;
    if (epoch && strcmp(epoch, "now") && tl_parse_utc(epoch, &epoch_ns) != TL_OK) {
        fprintf(stderr, "trilink sim: --epoch: not an ISO 8601 UTC time or 'now': '%s'\n", epoch);
        return 2;
    }
    if (epoch && !strcmp(epoch, "now")) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        epoch_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    }
    tl_scenario sc;
    if (load(file, &sc) != TL_OK)
        return 2;
    if (epoch)
        sc.epoch_ns = epoch_ns;
    if (has_seed)
        sc.seed = (uint64_t)seed;
    if (duration > 0 && duration < sc.duration_s)
        sc.duration_s = duration;
    tl_sim *sim = NULL;
    tl_err err;
    tl_err_clear(&err);
    int rc = tl_sim_create(&sc, &sim, &err);
    if (rc != TL_OK) {
        fprintf(stderr, "trilink sim: %s: %s\n", file, err.msg);
        tl_scenario_free(&sc);
        return 1;
    }
    if (nation && tl_sim_set_nation(sim, nation) != TL_OK) {
        fprintf(stderr, "trilink sim: --nation: no sensor of nation '%s' in %s\n", nation, file);
        tl_sim_destroy(sim);
        tl_scenario_free(&sc);
        return 2;
    }
    pacer p = {publish ? 0 : rate, sc.epoch_ns, {0, 0}};
    clock_gettime(CLOCK_MONOTONIC, &p.wall0);
    size_t np = 0, nf = 0;
    if (out) { /* with --publish the truth is written first, flat out */
        rc = tl_sim_write(sim, out, 0, p.rate > 0 ? pace : NULL, &p, &np, &nf, &err);
        if (rc != TL_OK)
            fprintf(stderr, "trilink sim: %s\n", err.msg);
        else
            printf("%s: %zu objects, %zu plots (%zu false alarms) -> %s\n", file,
                   tl_sim_object_count(sim), np, nf, out);
        fflush(stdout);
    }
    tl_sim_destroy(sim);
#ifdef TL_HAVE_NET
    if (publish && rc == TL_OK)
        rc = sim_publish(&sc, config, rate, wait_s);
#endif
    tl_scenario_free(&sc);
    return rc == TL_OK ? 0 : 1;
}

int tl_cmd_sim(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        sim_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "check")) {
        if (argc != 3) {
            sim_usage(stderr);
            return 2;
        }
        tl_scenario sc;
        if (load(argv[2], &sc) != TL_OK)
            return 2;
        summary(&sc);
        tl_scenario_free(&sc);
        return 0;
    }
    if (!strcmp(argv[1], "run"))
        return sim_run(argc - 2, argv + 2);
    fprintf(stderr, "trilink sim: unknown subcommand '%s'\n", argv[1]);
    sim_usage(stderr);
    return 2;
}
