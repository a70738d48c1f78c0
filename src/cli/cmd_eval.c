/* cmd_eval.c — `trilink eval [SCENARIO] --runs N --seed S --out DIR [--nations JP,US,KR]
 * [--bin S] [--json] [--quiet]`: the Monte Carlo of eval.h over a drill scenario, alone
 * vs shared, written to DIR (summary.md, runs.csv, impact_error.csv, SVG plots).
 * Options are checked before any run: a bad scenario, run count, nation list or an
 * unwritable output directory exits 2 with a message naming the argument. Progress
 * and the cost per run (wall clock) go to stderr only, so DIR's files are a pure
 * function of the scenario and the options.
 */
#include "cli.h"
#include "trilink/eval.h"
#include "trilink/scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_RUNS 5

static void eval_usage(FILE *f)
{
    fprintf(
        f,
        "usage: trilink eval [SCENARIO] [--runs N] [--seed S] [--out DIR] [--nations JP,US,KR]\n"
        "                    [--bin S] [--json] [--quiet]\n"
        "  SCENARIO       drill scenario (default scenarios/default.yaml)\n"
        "  --runs N       Monte Carlo runs, 1..%d (default %d; about 15 s each on default.yaml)\n"
        "  --seed S       base seed: run r simulates with seed S + r (default: the scenario's)\n"
        "  --out DIR      output directory, created if missing (default state/eval)\n"
        "  --nations L    nations taking part (default JP,US,KR; KR<->JP only through the US)\n"
        "  --bin S        impact-error sampling after launch, 1..600 s (default 10)\n"
        "  --json         print the headline figures as JSON on stdout\n"
        "  --quiet        no progress on stderr\n"
        "Writes summary.md, runs.csv, impact_error.csv, first_track.svg and\n"
        "impact_error_<launch>_<nation>.svg into DIR. Definitions: docs/eval.md.\n",
        TL_EVAL_MAX_RUNS, DEFAULT_RUNS);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct prog {
    int quiet;
    double t0;
} prog;

static void on_progress(void *ctx, int done, int runs)
{
    prog *p = ctx;
    if (!p->quiet)
        fprintf(stderr, "trilink eval: run %d/%d done (%.1f s per run)\n", done, runs,
                (mono_s() - p->t0) / done);
}

/* Integer option in [lo, hi]; prints the error naming the option. */
static int parse_int(const char *opt, const char *v, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!v[0] || *end || errno) {
        fprintf(stderr, "trilink eval: %s: not an integer: '%s'\n", opt, v);
        return 0;
    }
    if (x < lo || x > hi) {
        fprintf(stderr, "trilink eval: %s: must be %lld..%lld ('%s')%s\n", opt, lo, hi, v,
                x > hi && !strcmp(opt, "--runs") ? "; each run costs ~15 s: split large studies"
                                                 : "");
        return 0;
    }
    *out = x;
    return 1;
}

static int parse_nations(const char *v, unsigned *mask)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", v);
    *mask = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < TL_EVAL_NATIONS && strcmp(t, tl_eval_nation_name(k)))
            k++;
        if (k == TL_EVAL_NATIONS) {
            fprintf(stderr, "trilink eval: --nations: unknown nation '%s' (JP, US, KR)\n", t);
            return 0;
        }
        *mask |= 1u << k;
    }
    if (!*mask) {
        fprintf(stderr, "trilink eval: --nations: empty list ('%s')\n", v);
        return 0;
    }
    return 1;
}

/* mkdir -p, then prove a file can be written there. */
static int prepare_out(const char *dir)
{
    char path[1024];
    if (!dir[0] || strlen(dir) >= sizeof path - 32) {
        fprintf(stderr, "trilink eval: --out: bad directory name '%s'\n", dir);
        return 0;
    }
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(path, 0755) != 0 && errno != EEXIST)
                break;
            *p = '/';
        }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "trilink eval: --out: cannot create '%s': %s\n", dir, strerror(errno));
        return 0;
    }
    snprintf(path, sizeof path, "%s/.trilink-eval-probe", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "trilink eval: --out: cannot write in '%s': %s\n", dir, strerror(errno));
        return 0;
    }
    fclose(f);
    remove(path);
    return 1;
}

int tl_cmd_eval(int argc, char **argv)
{
    const char *scenario = NULL, *out = "state/eval";
    long long runs = DEFAULT_RUNS, seed = -1, bin = 10;
    unsigned mask = 7;
    int json = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            eval_usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--json") || !strcmp(a, "--quiet")) {
            *(!strcmp(a, "--json") ? &json : &quiet) = 1;
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            if (scenario) {
                fprintf(stderr, "trilink eval: one scenario only ('%s' and '%s')\n", scenario, a);
                return 2;
            }
            scenario = a;
            continue;
        }
        if (!v) {
            fprintf(stderr, "trilink eval: unknown option or missing value: '%s'\n", a);
            eval_usage(stderr);
            return 2;
        }
        i++;
        if (!strcmp(a, "--runs")) {
            if (!parse_int(a, v, 1, TL_EVAL_MAX_RUNS, &runs))
                return 2;
        } else if (!strcmp(a, "--seed")) {
            if (!parse_int(a, v, 0, (long long)1 << 53, &seed))
                return 2;
        } else if (!strcmp(a, "--bin")) {
            if (!parse_int(a, v, 1, 600, &bin))
                return 2;
        } else if (!strcmp(a, "--out")) {
            out = v;
        } else if (!strcmp(a, "--nations")) {
            if (!parse_nations(v, &mask))
                return 2;
        } else {
            fprintf(stderr, "trilink eval: unknown option '%s'\n", a);
            eval_usage(stderr);
            return 2;
        }
    }
    tl_scenario sc;
    int rc = tl_cli_load_scenario("eval", &scenario, &sc);
    if (rc != TL_OK) {
        return 2;
    }
    if (!prepare_out(out)) {
        tl_scenario_free(&sc);
        return 2;
    }
    tl_eval_cfg cfg;
    tl_eval_cfg_default(&cfg);
    cfg.runs = (int)runs;
    cfg.seed = seed >= 0 ? (uint64_t)seed : sc.seed;
    cfg.nations_mask = mask;
    cfg.bin_s = (double)bin;
    prog pr = {quiet, mono_s()};
    cfg.progress = on_progress;
    cfg.ctx = &pr;
    if (!quiet)
        fprintf(stderr, "trilink eval: %s, %d runs from seed %llu, output in %s\n", scenario,
                cfg.runs, (unsigned long long)cfg.seed, out);
    tl_eval_result res;
    tl_err err;
    tl_err_clear(&err);
    rc = tl_eval_run(&sc, scenario, &cfg, &res, &err);
    tl_scenario_free(&sc);
    if (rc != TL_OK) {
        fprintf(stderr, "trilink eval: %s\n", err.msg);
        return rc == TL_EINVAL ? 2 : 1;
    }
    rc = tl_eval_write(&res, out, &err);
    if (rc != TL_OK) {
        fprintf(stderr, "trilink eval: --out: %s\n", err.msg);
        tl_eval_result_free(&res);
        return 2;
    }
    if (json)
        tl_eval_json(&res, stdout);
    if (!quiet)
        fprintf(stderr, "trilink eval: %d runs in %.1f s (%.1f s per run); see %s/summary.md\n",
                res.runs, mono_s() - pr.t0, (mono_s() - pr.t0) / res.runs, out);
    tl_eval_result_free(&res);
    return 0;
}
