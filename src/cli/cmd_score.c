/* cmd_score.c — `trilink score`: score tracks.csv (docs/tracker.md) against the
 * drill generator's truth.csv (docs/formats.md) with score.h; a text summary or
 * --json (one object: totals, NEES per truth phase, per object, OSPA per scan). */
#include "cli.h"

#include "trilink/error.h"
#include "trilink/score.h"
#include "trilink/sim.h"
#include "trilink/track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* JSON and text names of the scorer's phases (TL_SCORE_PHASE_*) */
static const char *const phase_key[TL_SCORE_PHASES] = {"boost", "midcourse", "reentry"};

static void score_usage(FILE *f)
{
    fprintf(f, "usage: trilink score --truth truth.csv --tracks tracks.csv [--json]\n"
               "                     [--gate M] [--ospa-c M] [--ospa-p P]\n"
               "  --gate M     track-to-truth match distance, m (default 20000)\n"
               "  --ospa-c M   OSPA cut-off, m (default 10000)\n"
               "  --ospa-p P   OSPA order (default 2)\n");
}

/* Read a CSV: check the header, hand each data line to fn. 0 ok, else prints. */
static int read_csv(const char *path, const char *header,
                    int (*fn)(void *ctx, const char *line, const char *src, long n, tl_err *e),
                    void *ctx)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "trilink score: cannot open '%s'\n", path);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    long n = 0;
    int rc = 0;
    tl_err err;
    while (getline(&line, &cap, f) >= 0) {
        n++;
        line[strcspn(line, "\r\n")] = '\0';
        if (n == 1) {
            if (strcmp(line, header)) {
                fprintf(stderr, "trilink score: %s:1: header is not '%s'\n", path, header);
                rc = 2;
                break;
            }
            continue;
        }
        if (!line[0] || line[0] == '#')
            continue;
        int r = fn(ctx, line, path, n, &err);
        if (r == TL_ENOMEM) {
            fprintf(stderr, "trilink score: out of memory reading %s\n", path);
            rc = 1;
            break;
        }
        if (r != TL_OK) {
            fprintf(stderr, "trilink score: %s\n", err.msg);
            rc = 2;
            break;
        }
    }
    if (n == 0 && rc == 0) {
        fprintf(stderr, "trilink score: %s: empty file (no header)\n", path);
        rc = 2;
    }
    free(line);
    fclose(f);
    return rc;
}

typedef struct vec {
    void *a;
    size_t n, cap, sz;
} vec;

static void *vec_push(vec *v)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? 2 * v->cap : 1024;
        void *na = realloc(v->a, nc * v->sz);
        if (!na)
            return NULL;
        v->a = na;
        v->cap = nc;
    }
    return (char *)v->a + v->sz * v->n++;
}

static int add_truth(void *ctx, const char *line, const char *src, long n, tl_err *e)
{
    tl_truth_row row;
    int rc = tl_truthio_read_line(line, src, n, &row, e);
    if (rc != TL_OK)
        return rc;
    tl_score_truth *t = vec_push(ctx);
    if (!t)
        return TL_ENOMEM;
    t->t_ns = row.t_ns;
    memcpy(t->object_id, row.object_id, TL_ID_LEN);
    memcpy(t->x_ecef, row.x_ecef, sizeof t->x_ecef);
    t->phase = row.phase;
    return TL_OK;
}

static int add_track(void *ctx, const char *line, const char *src, long n, tl_err *e)
{
    tl_track_report r;
    int rc = tl_trackio_read_line(line, src, n, &r, NULL, e);
    if (rc != TL_OK)
        return rc;
    if (r.status == TL_TRACK_TENTATIVE)
        return TL_OK;
    tl_score_track *t = vec_push(ctx);
    if (!t)
        return TL_ENOMEM;
    t->t_ns = r.est.t_ns;
    t->id = r.id;
    t->deleted = r.status == TL_TRACK_DELETED;
    memcpy(t->x_ecef, r.est.x, sizeof t->x_ecef);
    memcpy(t->P, r.est.P, sizeof t->P);
    return TL_OK;
}

typedef struct scan_log {
    FILE *f;
    int json, first;
} scan_log;

static void on_scan(void *ctx, int64_t t_ns, double ospa, size_t nt, size_t nk)
{
    scan_log *s = ctx;
    if (!s->json)
        return;
    fprintf(s->f, "%s\n    {\"t_ns\": %lld, \"ospa_m\": %.3f, \"n_truth\": %zu, \"n_tracks\": %zu}",
            s->first ? "" : ",", (long long)t_ns, ospa, nt, nk);
    s->first = 0;
}

int tl_cmd_score(int argc, char **argv)
{
    const char *truth = NULL, *tracks = NULL;
    int json = 0;
    tl_score_config cfg;
    tl_score_config_default(&cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--truth") && has)
            truth = argv[++i];
        else if (!strcmp(a, "--tracks") && has)
            tracks = argv[++i];
        else if (!strcmp(a, "--json"))
            json = 1;
        else if (!strcmp(a, "--gate") && has) {
            if (!tl_cli_parse_double("--gate", argv[++i], &cfg.gate_m) || !(cfg.gate_m > 0))
                return 2;
        } else if (!strcmp(a, "--ospa-c") && has) {
            if (!tl_cli_parse_double("--ospa-c", argv[++i], &cfg.ospa_c_m) ||
                !(cfg.ospa_c_m > 0))
                return 2;
        } else if (!strcmp(a, "--ospa-p") && has) {
            if (!tl_cli_parse_double("--ospa-p", argv[++i], &cfg.ospa_p) || !(cfg.ospa_p >= 1))
                return 2;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            score_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "trilink score: unknown or incomplete option '%s'\n", a);
            score_usage(stderr);
            return 2;
        }
    }
    if (!truth || !tracks) {
        fprintf(stderr, "trilink score: --truth and --tracks are required\n");
        score_usage(stderr);
        return 2;
    }
    vec tv = {NULL, 0, 0, sizeof(tl_score_truth)}, kv = {NULL, 0, 0, sizeof(tl_score_track)};
    int rc = read_csv(truth, tl_truthio_header(), add_truth, &tv);
    if (!rc)
        rc = read_csv(tracks, tl_trackio_header(), add_track, &kv);
    if (rc) {
        free(tv.a);
        free(kv.a);
        return rc;
    }
    tl_score_object *ob = calloc(tv.n + 1, sizeof *ob);
    tl_score_result res;
    scan_log sl = {stdout, json, 1};
    if (json)
        printf("{\n  \"ospa_per_scan\": [");
    int src = ob ? tl_score_run(tv.a, tv.n, kv.a, kv.n, &cfg, &res, ob, tv.n + 1, on_scan, &sl)
                 : TL_ENOMEM;
    if (src != TL_OK) {
        if (json)
            printf("]\n}\n");
        fprintf(stderr, "trilink score: scoring failed: %s\n", tl_strerror(src));
        free(ob);
        free(tv.a);
        free(kv.a);
        return 1;
    }
    size_t no = res.n_objects < tv.n + 1 ? res.n_objects : tv.n + 1;
    if (json) {
        printf("\n  ],\n  \"n_objects\": %zu, \"n_tracks\": %zu, \"n_scans\": %zu,\n"
               "  \"rmse_pos_m\": %.3f, \"rmse_vel_mps\": %.4f, \"anees\": %.4f, "
               "\"n_err\": %zu,\n"
               "  \"rmse_pos_mid_m\": %.3f, \"rmse_vel_mid_mps\": %.4f, \"anees_mid\": %.4f, "
               "\"n_err_mid\": %zu,\n"
               "  \"purity\": %.4f, \"completeness\": %.4f, \"swaps\": %d, "
               "\"false_tracks\": %d, \"ospa_mean_m\": %.3f,",
               res.n_objects, res.n_tracks, res.n_scans, res.rmse_pos_m, res.rmse_vel_mps,
               res.anees, res.n_err, res.rmse_pos_mid_m, res.rmse_vel_mid_mps, res.anees_mid,
               res.n_err_mid, res.purity, res.completeness, res.swaps, res.false_tracks,
               res.ospa_mean_m);
        /* then per truth phase: anees_boost, anees_midcourse, anees_reentry, ... */
        printf("\n  ");
        for (int ph = 0; ph < TL_SCORE_PHASES; ph++)
            printf("\"anees_%s\": %.4f, \"n_nees_%s\": %zu, \"rmse_pos_%s_m\": %.3f%s",
                   phase_key[ph], res.anees_phase[ph], phase_key[ph], res.n_nees_phase[ph],
                   phase_key[ph], res.rmse_pos_phase_m[ph], ph + 1 < TL_SCORE_PHASES ? ", " : ",");
        printf("\n  \"objects\": [");
        for (size_t i = 0; i < no; i++) {
            const tl_score_object *o = &ob[i];
            printf("%s\n    {\"object_id\": \"%s\", \"t_first_ns\": %lld, "
                   "\"t_to_first_confirmed_s\": ",
                   i ? "," : "", o->object_id, (long long)o->t_first_ns);
            if (o->t_first_confirmed_ns)
                printf("%.3f", (double)(o->t_first_confirmed_ns - o->t_first_ns) * 1e-9);
            else
                printf("null");
            printf(", \"rmse_pos_m\": %.3f, \"rmse_vel_mps\": %.4f, \"n_err\": %zu, "
                   "\"completeness\": %.4f, \"n_tracks\": %d, \"breaks\": %d",
                   o->rmse_pos_m, o->rmse_vel_mps, o->n_err, o->completeness, o->n_tracks,
                   o->breaks);
            for (int ph = 0; ph < TL_SCORE_PHASES; ph++)
                printf(", \"anees_%s\": %.4f, \"n_nees_%s\": %zu", phase_key[ph],
                       o->anees_phase[ph], phase_key[ph], o->n_nees_phase[ph]);
            printf("}");
        }
        printf("\n  ]\n}\n");
    } else {
        printf("objects %zu  tracks %zu  scans %zu\n", res.n_objects, res.n_tracks,
               res.n_scans);
        printf("RMSE position %.1f m  velocity %.2f m/s  (%zu samples)  ANEES %.2f (6 dof)\n",
               res.rmse_pos_m, res.rmse_vel_mps, res.n_err, res.anees);
        printf("midcourse: RMSE position %.1f m  velocity %.2f m/s  (%zu samples)  ANEES %.2f\n",
               res.rmse_pos_mid_m, res.rmse_vel_mid_mps, res.n_err_mid, res.anees_mid);
        printf("by truth phase: ANEES");
        for (int ph = 0; ph < TL_SCORE_PHASES; ph++)
            printf("  %s %.2f (%zu rows, RMSE %.1f m)", phase_key[ph], res.anees_phase[ph],
                   res.n_nees_phase[ph], res.rmse_pos_phase_m[ph]);
        printf("\n");
        printf("purity %.3f  completeness %.3f  swaps %d  false tracks %d  mean OSPA %.1f m\n",
               res.purity, res.completeness, res.swaps, res.false_tracks, res.ospa_mean_m);
        printf("%-24s %14s %10s %10s %8s %7s %7s\n", "object", "launch->track", "rmse_m",
               "rmse_mps", "complete", "tracks", "breaks");
        for (size_t i = 0; i < no; i++) {
            const tl_score_object *o = &ob[i];
            char tc[32];
            if (o->t_first_confirmed_ns)
                snprintf(tc, sizeof tc, "%.1f s",
                         (double)(o->t_first_confirmed_ns - o->t_first_ns) * 1e-9);
            else
                snprintf(tc, sizeof tc, "never");
            printf("%-24s %14s %10.1f %10.2f %8.3f %7d %7d\n", o->object_id, tc, o->rmse_pos_m,
                   o->rmse_vel_mps, o->completeness, o->n_tracks, o->breaks);
        }
    }
    free(ob);
    free(tv.a);
    free(kv.a);
    return 0;
}
