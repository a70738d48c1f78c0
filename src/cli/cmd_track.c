/* cmd_track.c — `trilink track`: run the national tracker over a plots.csv file
 * (docs/formats.md) and write tracks.csv (docs/tracker.md). Batch, but the same
 * code path as the node: tl_tracker_add_plot per plot in file order, the reorder
 * window handling out-of-sequence plots, tl_tracker_flush at the end. */
#include "cli.h"

#include "trilink/error.h"
#include "trilink/sim.h"
#include "trilink/tracker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void track_usage(FILE *f)
{
    fprintf(f,
            "usage: trilink track --plots FILE [--nation CC] [--out FILE] [--window S]\n"
            "                     [--filter ekf|ukf] [--all]\n"
            "  --plots FILE   plots.csv ('-' = stdin)\n"
            "  --nation CC    track only this nation's plots (JP, US, KR); default: all\n"
            "  --out FILE     tracks.csv to write (default: stdout)\n"
            "  --window S     out-of-sequence reorder window, seconds (default 2)\n"
            "  --filter F     ekf (default) or ukf inside the IMM\n"
            "  --all          also write tentative tracks' rows\n");
}

typedef struct out_ctx {
    FILE *f;
    const char *nation;
    int all;
    int io_error;
    unsigned long rows;
} out_ctx;

static void on_track(void *ctx, const tl_track_report *r)
{
    out_ctx *o = ctx;
    /* a never-confirmed track's rows (and its deletion) are noise for consumers */
    if (!o->all && r->t_confirmed_ns == 0)
        return;
    char line[2048];
    int n = tl_trackio_format(r, o->nation, line, sizeof line);
    if (n < 0 || fputs(line, o->f) == EOF)
        o->io_error = 1;
    o->rows++;
}

int tl_cmd_track(int argc, char **argv)
{
    const char *plots = NULL, *out = NULL, *nation = "", *filter = "ekf";
    double window_s = 2.0;
    int all = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--plots") && has)
            plots = argv[++i];
        else if (!strcmp(a, "--out") && has)
            out = argv[++i];
        else if (!strcmp(a, "--nation") && has)
            nation = argv[++i];
        else if (!strcmp(a, "--filter") && has)
            filter = argv[++i];
        else if (!strcmp(a, "--window") && has) {
            if (!tl_cli_parse_double("--window", argv[++i], &window_s))
                return 2;
            if (window_s < 0 || window_s > 3600) {
                fprintf(stderr, "trilink track: --window: must be in [0, 3600] ('%s')\n",
                        argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--all"))
            all = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            track_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "trilink track: unknown or incomplete option '%s'\n", a);
            track_usage(stderr);
            return 2;
        }
    }
    if (!plots) {
        fprintf(stderr, "trilink track: --plots is required\n");
        track_usage(stderr);
        return 2;
    }
    if (strlen(nation) >= TL_NATION_LEN) {
        fprintf(stderr, "trilink track: --nation: too long ('%s')\n", nation);
        return 2;
    }
    tl_tracker_config c;
    tl_tracker_config_default(&c);
    snprintf(c.nation, sizeof c.nation, "%s", nation);
    c.reorder_window_ns = (int64_t)(window_s * 1e9);
    if (!strcmp(filter, "ukf"))
        c.imm.ops = &tl_ukf_ops;
    else if (strcmp(filter, "ekf")) {
        fprintf(stderr, "trilink track: --filter: expected ekf or ukf ('%s')\n", filter);
        return 2;
    }
    tl_err err;
    tl_plotio_reader rd;
    if (tl_plotio_open(&rd, plots, &err) != TL_OK) {
        fprintf(stderr, "trilink track: %s\n", err.msg);
        return 2;
    }
    FILE *f = stdout;
    if (out && strcmp(out, "-") && !(f = fopen(out, "w"))) {
        fprintf(stderr, "trilink track: --out: cannot write '%s'\n", out);
        tl_plotio_close(&rd);
        return 2;
    }
    tl_tracker *t = NULL;
    if (tl_tracker_create(&c, &t, &err) != TL_OK) {
        fprintf(stderr, "trilink track: %s\n", err.msg);
        tl_plotio_close(&rd);
        if (f != stdout)
            fclose(f);
        return 1;
    }
    out_ctx oc = {f, nation[0] ? nation : "-", all, 0, 0};
    fprintf(f, "%s\n", tl_trackio_header());
    tl_tracker_set_callback(t, on_track, &oc);
    unsigned long n_read = 0, n_bad_lines = 0, n_shown = 0;
    for (;;) {
        tl_plot p;
        int rc = tl_plotio_next(&rd, &p, &err);
        if (rc == 0)
            break;
        if (rc < 0) {
            n_bad_lines++;
            if (n_shown++ < 20)
                fprintf(stderr, "trilink track: %s (skipped)\n", err.msg);
            continue;
        }
        n_read++;
        if (tl_tracker_add_plot(t, &p, &err) != TL_OK) {
            int nation_skip = c.nation[0] && strncmp(p.nation, c.nation, TL_NATION_LEN);
            if (!nation_skip && n_shown++ < 20)
                fprintf(stderr, "trilink track: %s:%ld: %s\n", rd.src, rd.line, err.msg);
        }
    }
    tl_tracker_flush(t);
    tl_tracker_stats st;
    tl_tracker_stats_get(t, &st);
    fprintf(stderr,
            "trilink track: %lu plots read (%lu bad lines), %llu processed, %llu assigned, "
            "%llu rejected",
            n_read, n_bad_lines, (unsigned long long)st.plots_processed,
            (unsigned long long)st.plots_assigned, (unsigned long long)st.plots_rejected);
    for (int r = 0; r < TL_REJECT_COUNT; r++)
        if (st.rejected[r])
            fprintf(stderr, " %s=%llu", tl_reject_name((tl_reject)r),
                    (unsigned long long)st.rejected[r]);
    fprintf(stderr,
            "; tracks initiated %llu, confirmed %llu, deleted %llu (duplicates %llu); "
            "initiation kept from %llu plots in confirmed gates; %lu rows\n",
            (unsigned long long)st.tracks_initiated, (unsigned long long)st.tracks_confirmed,
            (unsigned long long)st.tracks_deleted, (unsigned long long)st.duplicates_removed,
            (unsigned long long)st.init_suppressed, oc.rows);
    tl_tracker_destroy(t);
    tl_plotio_close(&rd);
    int io = oc.io_error;
    if (f != stdout && fclose(f) != 0)
        io = 1;
    else if (f == stdout && fflush(f) != 0)
        io = 1;
    if (io) {
        fprintf(stderr, "trilink track: error writing '%s'\n", out ? out : "stdout");
        return 1;
    }
    return 0;
}
