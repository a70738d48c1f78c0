/* cmd_sim.c — `trilink sim`: check a scenario file, or run it and write the plot
 * stream and its truth (docs/scenario.md, docs/formats.md). The engine is pure; the
 * only clock here is the pacing for --rate. */
#include "cli.h"

#include "trilink/scenario.h"
#include "trilink/sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void sim_usage(FILE *f)
{
    fprintf(f, "usage: trilink sim check FILE\n"
               "       trilink sim run FILE --out DIR [--rate R] [--duration S] [--seed N]\n"
               "                          [--nation CODE]\n"
               "\n"
               "  check       validate FILE; print every error as FILE:LINE: FIELD: message\n"
               "              (exit 2), or a one-line summary (exit 0)\n"
               "  run         write DIR/{truth,plots,plots_truth,objects}.csv\n"
               "  --rate R    pace output at R x real time (1 = real time, 0 = flat out; "
               "default 0)\n"
               "  --duration S  stop S seconds after the epoch (default: the scenario's)\n"
               "  --seed N    override the scenario's random seed\n"
               "  --nation CODE  only that nation's sensors (its plots are the same as in a\n"
               "              full run; plot ids differ)\n");
}

static int load(const char *path, tl_scenario *sc)
{
    tl_diag d;
    tl_diag_init(&d);
    int rc = tl_scenario_load(path, sc, &d);
    for (size_t i = 0; i < d.n && i < d.cap; i++)
        fprintf(stderr, "%s\n", d.msg[i]);
    if (rc != TL_OK)
        fprintf(stderr, "trilink sim: %s: %zu error%s\n", path, d.n, d.n == 1 ? "" : "s");
    tl_diag_free(&d);
    return rc;
}

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

static int sim_run(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *nation = NULL;
    double rate = 0.0, duration = -1.0;
    unsigned long long seed = 0;
    int has_seed = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--out") && has)
            out = argv[++i];
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
    if (!file || !out) {
        sim_usage(stderr);
        return 2;
    }
    tl_scenario sc;
    if (load(file, &sc) != TL_OK)
        return 2;
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
    pacer p = {rate, sc.epoch_ns, {0, 0}};
    clock_gettime(CLOCK_MONOTONIC, &p.wall0);
    size_t np = 0, nf = 0;
    rc = tl_sim_write(sim, out, 0, rate > 0 ? pace : NULL, &p, &np, &nf, &err);
    if (rc != TL_OK)
        fprintf(stderr, "trilink sim: %s\n", err.msg);
    else
        printf("%s: %zu objects, %zu plots (%zu false alarms) -> %s\n", file,
               tl_sim_object_count(sim), np, nf, out);
    tl_sim_destroy(sim);
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
