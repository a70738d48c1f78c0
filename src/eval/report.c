/* report.c — what `trilink eval` writes: summary.md (Markdown tables of medians and
 * 10/90 percentiles over runs, alone vs shared, and the paired gain), runs.csv (one
 * row per run x launch x nation x configuration), impact_error.csv (per time bin),
 * the SVG plots (svg.c) and the JSON headline. Quantiles are Hyndman & Fan type 7
 * (linear between order statistics, as R's default and numpy's). Fixed formats only:
 * the same results give byte-identical files; NAN is an empty CSV field, "-" in
 * Markdown and null in JSON.
 */
#include "trilink/eval.h"

#include "eval_int.h"
#include "trilink/geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double fixed_t_s[] = {60, 120, 180, 300, 600, 1200, 2400};
#define N_FIXED (sizeof fixed_t_s / sizeof fixed_t_s[0])
static const char *const cfg_name[2] = {"alone", "shared"};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tl_eval_quantile(const double *x, size_t n, double p, double *scratch)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            scratch[m++] = x[i];
    if (!m || !(p >= 0 && p <= 1))
        return NAN;
    qsort(scratch, m, sizeof *scratch, cmp_double);
    double h = (double)(m - 1) * p, fl = floor(h);
    size_t i = (size_t)fl;
    return i + 1 < m ? scratch[i] + (h - fl) * (scratch[i + 1] - scratch[i]) : scratch[i];
}

/* ---- gathering values over runs ---- */

typedef enum field { F_FIRST, F_ERR_KM, F_INSIDE, F_DECISION, F_LEAD, F_ALERT, F_VERDICT_OK } field;

static double row_value(const tl_eval_row *w, field f)
{
    switch (f) {
    case F_FIRST:
        return w->first_track_s;
    case F_ERR_KM:
        return w->final_err_m / 1e3;
    case F_INSIDE:
        return w->final_inside < 0 ? NAN : w->final_inside;
    case F_DECISION:
        return w->decision_s;
    case F_LEAD:
        return w->decision_lead_s;
    case F_ALERT:
        return w->first_alert_s;
    case F_VERDICT_OK:
        return w->decides ? w->verdict_ok : NAN;
    }
    return NAN;
}

/* Values of one field over the runs; cfg 2: the paired gain alone - shared. */
static void gather(const tl_eval_result *r, size_t l, int k, int cfg, field f, double *v)
{
    for (int run = 0; run < r->runs; run++) {
        double a = row_value(&r->rows[tl_eval_row_index(r, run, l, k, 0)], f);
        double s = row_value(&r->rows[tl_eval_row_index(r, run, l, k, 1)], f);
        v[run] = cfg == 0 ? a : cfg == 1 ? s : a - s;
    }
}

/* The error series at bin b over the runs (km); cfg 2: the gain. */
static void gather_bin(const tl_eval_result *r, size_t l, int k, int cfg, size_t b, double *v)
{
    for (int run = 0; run < r->runs; run++) {
        double a = tl_eval_series(r, run, l, k, 0)[b] / 1e3,
               s = tl_eval_series(r, run, l, k, 1)[b] / 1e3;
        v[run] = cfg == 0 ? a : cfg == 1 ? s : a - s;
    }
}

static const signed char *inside_at(const tl_eval_result *r, int run, size_t l, int k, int cfg)
{
    return r->inside + (tl_eval_series(r, run, l, k, cfg) - r->err_m);
}

static size_t count_finite(const double *v, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += isfinite(v[i]) != 0;
    return m;
}

static double mean_finite(const double *v, size_t n)
{
    double s = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            s += v[i];
            m++;
        }
    return m ? s / (double)m : NAN;
}

/* "median [p10, p90]" or "-". */
static void cell(char *buf, size_t cap, const double *v, size_t n, double *scratch,
                 const char *fmt1)
{
    double q[3] = {tl_eval_quantile(v, n, 0.5, scratch), tl_eval_quantile(v, n, 0.1, scratch),
                   tl_eval_quantile(v, n, 0.9, scratch)};
    if (!isfinite(q[0])) {
        snprintf(buf, cap, "-");
        return;
    }
    char a[24], b[24], c[24];
    snprintf(a, sizeof a, fmt1, q[0]);
    snprintf(b, sizeof b, fmt1, q[1]);
    snprintf(c, sizeof c, fmt1, q[2]);
    snprintf(buf, cap, "%s [%s, %s]", a, b, c);
}

static void num(FILE *f, const char *fmt, double v)
{
    if (isfinite(v))
        fprintf(f, fmt, v);
}

static int take_part(const tl_eval_result *r, int k)
{
    return (r->nations_mask >> k) & 1u;
}

static void nations_list(const tl_eval_result *r, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (int k = 0; k < TL_EVAL_NATIONS; k++)
        if (take_part(r, k) && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "," : "", tl_eval_nation_name(k));
}

/* ---- files ---- */

static int write_runs_csv(const tl_eval_result *r, FILE *f)
{
    fprintf(
        f,
        "run,seed,launch,class,nation,config,first_track_s,final_err_km,final_dt_s,final_sma95_km,"
        "final_inside95,verdict,truth_zone,verdict_ok,decision_s,decision_lead_s,alerts,first_"
        "alert_s,"
        "false_alert,missed_alert\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        const tl_eval_row *w = &r->rows[i];
        const tl_eval_launch *L = &r->launch[w->launch];
        if (!take_part(r, w->nation))
            continue;
        fprintf(f, "%d,%llu,%s,%s,%s,%s,", w->run, (unsigned long long)w->seed, L->id, L->cls,
                tl_eval_nation_name(w->nation), cfg_name[w->config]);
        num(f, "%.1f", w->first_track_s);
        fputc(',', f);
        num(f, "%.3f", w->final_err_m / 1e3);
        fputc(',', f);
        num(f, "%.2f", w->final_dt_s);
        fputc(',', f);
        num(f, "%.3f", w->final_sma_m / 1e3);
        fprintf(f, ",%s,%s,%s,%s,",
                w->final_inside < 0 ? ""
                : w->final_inside   ? "1"
                                    : "0",
                tl__eval_zone_name(w->verdict), tl__eval_zone_name(L->truth_zone),
                w->decides ? (w->verdict_ok ? "1" : "0") : "");
        num(f, "%.1f", w->decision_s);
        fputc(',', f);
        num(f, "%.1f", w->decision_lead_s);
        fprintf(f, ",%d,", w->alerts);
        num(f, "%.1f", w->first_alert_s);
        if (w->decides)
            fprintf(f, ",%d,%d\n", w->false_alert, w->missed_alert);
        else
            fputs(",,\n", f);
    }
    return ferror(f) ? TL_EIO : TL_OK;
}

static int write_impact_csv(const tl_eval_result *r, FILE *f, double *v, double *scratch)
{
    fprintf(f, "launch,nation,config,t_after_launch_s,runs_with_prediction,p10_km,p50_km,p90_km,"
               "inside95_fraction\n");
    for (size_t l = 0; l < r->n_launches; l++)
        for (int k = 0; k < TL_EVAL_NATIONS; k++)
            for (int c = 0; take_part(r, k) && c < 2; c++)
                for (size_t b = 0; b < r->launch[l].n_bins; b++) {
                    gather_bin(r, l, k, c, b, v);
                    size_t m = count_finite(v, (size_t)r->runs), in = 0;
                    for (int run = 0; run < r->runs; run++)
                        in += inside_at(r, run, l, k, c)[b] == 1;
                    fprintf(f, "%s,%s,%s,%.0f,%zu,", r->launch[l].id, tl_eval_nation_name(k),
                            cfg_name[c], (double)b * r->bin_s, m);
                    num(f, "%.3f", tl_eval_quantile(v, (size_t)r->runs, 0.1, scratch));
                    fputc(',', f);
                    num(f, "%.3f", tl_eval_quantile(v, (size_t)r->runs, 0.5, scratch));
                    fputc(',', f);
                    num(f, "%.3f", tl_eval_quantile(v, (size_t)r->runs, 0.9, scratch));
                    fputc(',', f);
                    if (m)
                        fprintf(f, "%.3f", (double)in / (double)m);
                    fputc('\n', f);
                }
    return ferror(f) ? TL_EIO : TL_OK;
}

static void frac(char *buf, size_t cap, const double *v, size_t n)
{
    size_t m = count_finite(v, n);
    double s = mean_finite(v, n) * (double)m;
    if (m)
        snprintf(buf, cap, "%.0f/%zu", s, m);
    else
        snprintf(buf, cap, "-");
}

static int write_summary(const tl_eval_result *r, FILE *f, double *v, double *scratch)
{
    size_t n = (size_t)r->runs;
    char nat[32], a[80], s[80], g[80], x[32], y[32];
    nations_list(r, nat, sizeof nat);
    fprintf(f, "# trilink eval: %s\n\n", r->scenario);
    fprintf(
        f,
        "Seed %llu (run r simulates with seed %llu + r), %d runs, nations %s, impact error sampled "
        "every "
        "%.0f s.\nReproduce: `trilink eval %s --runs %d --seed %llu --nations %s --out DIR`.\n\n",
        (unsigned long long)r->seed, (unsigned long long)r->seed, r->runs, nat, r->bin_s,
        r->scenario, r->runs, (unsigned long long)r->seed, nat);
    fprintf(
        f,
        "ALONE: a nation's pipeline with its own sensors only. SHARED: the three pipelines "
        "exchanging "
        "products (KR <-> US <-> JP, the US relaying). Cells: median [10th, 90th percentile] over "
        "the "
        "runs where the figure exists; gain = alone - shared, paired per run (positive: sharing is "
        "better). Definitions: docs/eval.md.\n\n");
    fprintf(f, "## Launches (truth)\n\n| launch | class | launch s | flight s | impact lat, lon | "
               "truth zone | "
               "overflies |\n|---|---|---:|---:|---|---|---|\n");
    for (size_t l = 0; l < r->n_launches; l++) {
        const tl_eval_launch *L = &r->launch[l];
        fprintf(f, "| %s | %s | %.1f | %.1f | %.3f, %.3f | %s | %s%s%s |\n", L->id, L->cls,
                (double)(L->launch_t_ns - r->epoch_ns) / 1e9,
                (double)(L->impact_t_ns - L->launch_t_ns) / 1e9, L->impact_lat_rad / TL_DEG,
                L->impact_lon_rad / TL_DEG, tl__eval_zone_name(L->truth_zone),
                L->overflies[0] ? "JP " : "", L->overflies[2] ? "KR" : "",
                L->overflies[0] || L->overflies[2] ? "" : "-");
    }
    fprintf(f, "\n(launch s: after the scenario epoch.)\n\n## Time to first confirmed track (s "
               "after launch)\n\n"
               "| launch | nation | alone | shared | gain | tracked alone | tracked shared |\n"
               "|---|---|---|---|---|---:|---:|\n");
    for (size_t l = 0; l < r->n_launches; l++)
        for (int k = 0; k < TL_EVAL_NATIONS; k++) {
            if (!take_part(r, k))
                continue;
            size_t m[2];
            for (int c = 0; c < 3; c++) {
                gather(r, l, k, c, F_FIRST, v);
                cell(c == 0 ? a : c == 1 ? s : g, sizeof a, v, n, scratch, "%.1f");
                if (c < 2)
                    m[c] = count_finite(v, n);
            }
            fprintf(f, "| %s | %s | %s | %s | %s | %zu/%zu | %zu/%zu |\n", r->launch[l].id,
                    tl_eval_nation_name(k), a, s, g, m[0], n, m[1], n);
        }
    fprintf(
        f,
        "\n## Impact-point error (km) at fixed times after launch\n\n"
        "The nation's latest impact prediction at that time vs the true impact point (great "
        "circle). "
        "\"with prediction\": runs that had one; \"in 95%%\": of those, runs whose true impact lay "
        "inside "
        "the predicted 95%% ellipse.\n\n"
        "| launch | nation | t s | alone | shared | gain | with prediction alone/shared | in 95%% "
        "alone/shared |\n|---|---|---:|---|---|---|---|---|\n");
    for (size_t l = 0; l < r->n_launches; l++)
        for (int k = 0; k < TL_EVAL_NATIONS; k++)
            for (size_t i = 0; take_part(r, k) && i <= N_FIXED; i++) {
                const tl_eval_launch *L = &r->launch[l];
                size_t b = i < N_FIXED ? (size_t)llround(fixed_t_s[i] / r->bin_s) : L->n_bins;
                if (i < N_FIXED &&
                    (b >= L->n_bins || fabs((double)b * r->bin_s - fixed_t_s[i]) > 1e-6))
                    continue;
                size_t m[2], in[2] = {0, 0};
                for (int c = 0; c < 3; c++) {
                    if (i < N_FIXED)
                        gather_bin(r, l, k, c, b, v);
                    else
                        gather(r, l, k, c, F_ERR_KM, v);
                    cell(c == 0 ? a : c == 1 ? s : g, sizeof a, v, n, scratch, "%.2f");
                    if (c == 2)
                        break;
                    m[c] = count_finite(v, n);
                    for (int run = 0; run < r->runs; run++)
                        in[c] +=
                            i < N_FIXED
                                ? inside_at(r, run, l, k, c)[b] == 1
                                : r->rows[tl_eval_row_index(r, run, l, k, c)].final_inside == 1;
                }
                snprintf(x, sizeof x, i < N_FIXED ? "%.0f" : "final",
                         i < N_FIXED ? fixed_t_s[i] : 0.0);
                fprintf(f, "| %s | %s | %s | %s | %s | %s | %zu/%zu | %zu/%zu |\n", L->id,
                        tl_eval_nation_name(k), x, a, s, g, m[0], m[1], in[0], in[1]);
            }
    fprintf(
        f,
        "\n(final: the last prediction of the run, as `trilink demo` reports it.)\n\n"
        "## Zone decision (JP: Japan's territory / EEZ / outside; KR: Korea's territory / waters / "
        "outside)\n\n"
        "Decision: the first time from which the nation's latest prediction put the launch in the "
        "right class and kept it there to the end; lead: that time before the true impact.\n\n"
        "| launch | nation | truth | right final verdict alone/shared | decision s alone | "
        "decision s "
        "shared | lead s alone | lead s shared | first Alert s alone | first Alert s shared | "
        "false "
        "alerts alone/shared | missed alone/shared "
        "|\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t l = 0; l < r->n_launches; l++)
        for (int k = 0; k < TL_EVAL_NATIONS; k++) {
            if (!take_part(r, k) || tl__eval_decision(k, 0) < 0)
                continue;
            char ok[2][32], dec[2][80], lead[2][80], al[2][80];
            int fa[2] = {0, 0}, mi[2] = {0, 0};
            for (int c = 0; c < 2; c++) {
                gather(r, l, k, c, F_VERDICT_OK, v);
                frac(ok[c], sizeof ok[c], v, n);
                gather(r, l, k, c, F_DECISION, v);
                cell(dec[c], sizeof dec[c], v, n, scratch, "%.1f");
                gather(r, l, k, c, F_LEAD, v);
                cell(lead[c], sizeof lead[c], v, n, scratch, "%.1f");
                gather(r, l, k, c, F_ALERT, v);
                cell(al[c], sizeof al[c], v, n, scratch, "%.1f");
                for (int run = 0; run < r->runs; run++) {
                    const tl_eval_row *w = &r->rows[tl_eval_row_index(r, run, l, k, c)];
                    fa[c] += w->false_alert == 1;
                    mi[c] += w->missed_alert == 1;
                }
            }
            snprintf(y, sizeof y, "%s", tl__eval_zone_name(r->launch[l].truth_zone));
            fprintf(f, "| %s | %s | %s | %s / %s | %s | %s | %s | %s | %s | %s | %d/%d | %d/%d |\n",
                    r->launch[l].id, tl_eval_nation_name(k), y, ok[0], ok[1], dec[0], dec[1],
                    lead[0], lead[1], al[0], al[1], fa[0], fa[1], mi[0], mi[1]);
        }
    fprintf(f, "\n## Plots\n\n- `first_track.svg`: time to first confirmed track, per launch and "
               "nation, alone "
               "vs shared (box 25-75, whiskers 10-90, dots: runs)\n");
    for (size_t l = 0; l < r->n_launches; l++)
        for (int k = 0; k < TL_EVAL_NATIONS; k++)
            if (take_part(r, k))
                fprintf(f, "- `impact_error_%s_%s.svg`: %s impact error vs time after launch, %s\n",
                        r->launch[l].id, tl_eval_nation_name(k), r->launch[l].id,
                        tl_eval_nation_name(k));
    return ferror(f) ? TL_EIO : TL_OK;
}

static int plot_impact(const tl_eval_result *r, size_t l, int k, FILE *f, double *v,
                       double *scratch)
{
    const tl_eval_launch *L = &r->launch[l];
    size_t nb = L->n_bins;
    double *buf = malloc(7 * nb * sizeof *buf);
    if (!buf)
        return TL_ENOMEM;
    double *x = buf, *q = buf + nb; /* q: [config][p10, p50, p90][bin] */
    for (size_t b = 0; b < nb; b++)
        x[b] = (double)b * r->bin_s;
    for (int c = 0; c < 2; c++)
        for (size_t b = 0; b < nb; b++) {
            gather_bin(r, l, k, c, b, v);
            for (int j = 0; j < 3; j++)
                q[(size_t)(3 * c + j) * nb + b] = tl_eval_quantile(v, (size_t)r->runs,
                                                                   j == 0   ? 0.1
                                                                   : j == 1 ? 0.5
                                                                            : 0.9,
                                                                   scratch);
        }
    tl_svg_series s[2] = {{"alone", x, q + 1 * nb, q, q + 2 * nb, nb},
                          {"shared", x, q + 4 * nb, q + 3 * nb, q + 5 * nb, nb}};
    char title[160];
    snprintf(title, sizeof title,
             "%s (%s) at %s: impact-point error, median and 10-90%% of %d runs, seed %llu", L->id,
             L->cls, tl_eval_nation_name(k), r->runs, (unsigned long long)r->seed);
    int rc = tl_svg_lines(f, title, "time after launch (s)", "impact-point error (km)", 1, s, 2);
    if (rc == TL_EINVAL) { /* no prediction at all: an empty, still valid, picture */
        fprintf(
            f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
            "version=\"1.1\" width=\"400\" height=\"60\"><text x=\"10\" y=\"30\">no impact "
            "prediction"
            "</text></svg>\n");
        rc = ferror(f) ? TL_EIO : TL_OK;
    }
    free(buf);
    return rc;
}

static int plot_first(const tl_eval_result *r, FILE *f)
{
    size_t nb = 0, n = (size_t)r->runs;
    tl_svg_box box[TL_EVAL_MAX_LAUNCHES * TL_EVAL_NATIONS * 2];
    char lab[TL_EVAL_MAX_LAUNCHES * TL_EVAL_NATIONS * 2][48];
    double *v = malloc(sizeof box / sizeof box[0] * n * sizeof *v);
    if (!v)
        return TL_ENOMEM;
    for (size_t l = 0; l < r->n_launches; l++)
        for (int k = 0; k < TL_EVAL_NATIONS; k++)
            for (int c = 0; take_part(r, k) && c < 2; c++) {
                gather(r, l, k, c, F_FIRST, v + nb * n);
                snprintf(lab[nb], sizeof lab[nb], "%s %s", c ? "" : r->launch[l].id,
                         c ? "" : tl_eval_nation_name(k));
                if (c)
                    lab[nb][0] = 0; /* one label under each alone/shared pair */
                box[nb] = (tl_svg_box){lab[nb], c, v + nb * n, n};
                nb++;
            }
    const char *series[2] = {"alone", "shared"};
    char title[160];
    snprintf(
        title, sizeof title,
        "time to first confirmed track, %d runs from seed %llu (box 25-75%%, whiskers 10-90%%)",
        r->runs, (unsigned long long)r->seed);
    int rc = tl_svg_boxes(f, title, "s after launch", series, box, nb);
    if (rc == TL_EINVAL) {
        fprintf(
            f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
            "version=\"1.1\" width=\"400\" height=\"60\"><text x=\"10\" y=\"30\">no "
            "track</text></svg>\n");
        rc = ferror(f) ? TL_EIO : TL_OK;
    }
    free(v);
    return rc;
}

typedef enum out_kind { O_SUMMARY, O_RUNS, O_IMPACT, O_FIRST, O_PLOT } out_kind;

static int write_one(const tl_eval_result *r, const char *dir, const char *name, out_kind kind,
                     size_t l, int k, double *v, double *scratch, tl_err *err)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return tl_err_set(err, TL_EIO, "%s: cannot write", path);
    int rc = kind == O_SUMMARY  ? write_summary(r, f, v, scratch)
             : kind == O_RUNS   ? write_runs_csv(r, f)
             : kind == O_IMPACT ? write_impact_csv(r, f, v, scratch)
             : kind == O_FIRST  ? plot_first(r, f)
                                : plot_impact(r, l, k, f, v, scratch);
    if (fclose(f) != 0 && rc == TL_OK)
        rc = TL_EIO;
    if (rc != TL_OK)
        return tl_err_set(err, rc, "%s: cannot write (%s)", path, tl_strerror(rc));
    return TL_OK;
}

int tl_eval_write(const tl_eval_result *r, const char *dir, tl_err *err)
{
    double *v = malloc(2 * (size_t)r->runs * sizeof *v);
    if (!v)
        return tl_err_set(err, TL_ENOMEM, "eval: out of memory");
    double *scratch = v + r->runs;
    int rc = write_one(r, dir, "summary.md", O_SUMMARY, 0, 0, v, scratch, err);
    if (rc == TL_OK)
        rc = write_one(r, dir, "runs.csv", O_RUNS, 0, 0, v, scratch, err);
    if (rc == TL_OK)
        rc = write_one(r, dir, "impact_error.csv", O_IMPACT, 0, 0, v, scratch, err);
    if (rc == TL_OK)
        rc = write_one(r, dir, "first_track.svg", O_FIRST, 0, 0, v, scratch, err);
    for (size_t l = 0; l < r->n_launches && rc == TL_OK; l++)
        for (int k = 0; k < TL_EVAL_NATIONS && rc == TL_OK; k++) {
            char name[80];
            snprintf(name, sizeof name, "impact_error_%s_%s.svg", r->launch[l].id,
                     tl_eval_nation_name(k));
            for (char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
                    *p = '_';
            if (take_part(r, k))
                rc = write_one(r, dir, name, O_PLOT, l, k, v, scratch, err);
        }
    free(v);
    return rc;
}

/* ---- JSON ---- */

static void jnum(FILE *f, const char *key, double v, const char *fmt, int comma)
{
    fprintf(f, "\"%s\": ", key);
    if (isfinite(v))
        fprintf(f, fmt, v);
    else
        fputs("null", f);
    if (comma)
        fputs(", ", f);
}

void tl_eval_json(const tl_eval_result *r, FILE *f)
{
    size_t n = (size_t)r->runs;
    double *v = malloc(2 * n * sizeof *v);
    if (!v) {
        fputs("{\"error\": \"out of memory\"}\n", f);
        return;
    }
    double *scratch = v + n;
    char nat[32];
    nations_list(r, nat, sizeof nat);
    fputs("{\"scenario\": \"", f);
    for (const char *p = r->scenario; *p; p++)
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if ((unsigned char)*p >= 0x20)
            fputc(*p, f);
    fprintf(f,
            "\", \"seed\": %llu, \"runs\": %d, \"nations\": \"%s\", \"statistic\": \"median\", "
            "\"launches\": [",
            (unsigned long long)r->seed, r->runs, nat);
    for (size_t l = 0; l < r->n_launches; l++) {
        const tl_eval_launch *L = &r->launch[l];
        fprintf(f,
                "%s{\"id\": \"%s\", \"class\": \"%s\", \"truth_zone\": \"%s\", \"flight_s\": %.1f, "
                "\"nations\": [",
                l ? ", " : "", L->id, L->cls, tl__eval_zone_name(L->truth_zone),
                (double)(L->impact_t_ns - L->launch_t_ns) / 1e9);
        int first = 1;
        for (int k = 0; k < TL_EVAL_NATIONS; k++) {
            if (!take_part(r, k))
                continue;
            fprintf(f, "%s{\"nation\": \"%s\"", first ? "" : ", ", tl_eval_nation_name(k));
            first = 0;
            for (int c = 0; c < 2; c++) {
                fprintf(f, ", \"%s\": {", cfg_name[c]);
                gather(r, l, k, c, F_FIRST, v);
                jnum(f, "first_track_s", tl_eval_quantile(v, n, 0.5, scratch), "%.1f", 1);
                for (size_t i = 0; i < N_FIXED; i++) {
                    size_t b = (size_t)llround(fixed_t_s[i] / r->bin_s);
                    if (b >= L->n_bins || fabs((double)b * r->bin_s - fixed_t_s[i]) > 1e-6)
                        continue;
                    char key[32];
                    snprintf(key, sizeof key, "impact_err_km_t%.0f", fixed_t_s[i]);
                    gather_bin(r, l, k, c, b, v);
                    jnum(f, key, tl_eval_quantile(v, n, 0.5, scratch), "%.3f", 1);
                }
                gather(r, l, k, c, F_ERR_KM, v);
                jnum(f, "impact_err_km_final", tl_eval_quantile(v, n, 0.5, scratch), "%.3f", 1);
                gather(r, l, k, c, F_INSIDE, v);
                jnum(f, "inside95_final", mean_finite(v, n), "%.3f", tl__eval_decision(k, 0) >= 0);
                if (tl__eval_decision(k, 0) >= 0) {
                    gather(r, l, k, c, F_VERDICT_OK, v);
                    jnum(f, "verdict_ok", mean_finite(v, n), "%.3f", 1);
                    gather(r, l, k, c, F_DECISION, v);
                    jnum(f, "decision_s", tl_eval_quantile(v, n, 0.5, scratch), "%.1f", 1);
                    gather(r, l, k, c, F_LEAD, v);
                    jnum(f, "decision_lead_s", tl_eval_quantile(v, n, 0.5, scratch), "%.1f", 1);
                    int fa = 0, mi = 0;
                    for (int run = 0; run < r->runs; run++) {
                        fa += r->rows[tl_eval_row_index(r, run, l, k, c)].false_alert == 1;
                        mi += r->rows[tl_eval_row_index(r, run, l, k, c)].missed_alert == 1;
                    }
                    fprintf(f, "\"false_alerts\": %d, \"missed_alerts\": %d", fa, mi);
                }
                fputc('}', f);
            }
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("]}\n", f);
    free(v);
}
