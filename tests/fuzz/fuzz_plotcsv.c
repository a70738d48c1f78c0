/* fuzz_plotcsv.c — libFuzzer harness for the drill generator's CSV readers
 * (src/sim/plotio.c): the bytes as a plots.csv stream (header check, then every line
 * through tl_plotio_next), and each line also through the truth.csv, plots_truth.csv
 * and objects.csv line readers and the tracks.csv reader (src/track/trackio.c, what
 * `trilink score` reads). Promises checked: no crash; a refused line gives
 * TL_EPARSE with a message starting "NAME:LINE:"; an accepted plot passes
 * tl_plot_validate, is finite, and the writer can write it back (what the reader
 * takes, tl_plotio_format accepts); accepted truth rows are finite; an accepted
 * tracks.csv row is finite and comes back bit-identical through tl_trackio_format
 * (the format's promise). */
#include "fuzz_util.h"

#include "trilink/sim.h"
#include "trilink/track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg(const tl_err *err, const char *src, int rc)
{
    FZ_CHECK(rc == TL_EPARSE, "rc %d", rc);
    FZ_CHECK(!strncmp(err->msg, src, strlen(src)) && err->msg[strlen(src)] == ':', "message '%s'", err->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Line readers on each NUL-free line. */
    char line[2048];
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        size_t n = i - start;
        if (n < sizeof line - 1 && !memchr(data + start, '\0', n)) {
            memcpy(line, data + start, n);
            line[n] = '\0';
            tl_err err;
            tl_truth_row t;
            tl_plot_truth pt;
            tl_object_row o;
            int rc = tl_truthio_read_line(line, "t.csv", 2, &t, &err);
            if (rc)
                check_msg(&err, "t.csv", rc);
            else
                for (int k = 0; k < 6; k++)
                    FZ_CHECK(isfinite(t.x_ecef[k]), "truth x[%d]", k);
            rc = tl_plottruthio_read_line(line, "pt.csv", 2, &pt, &err);
            if (rc)
                check_msg(&err, "pt.csv", rc);
            tl_track_report tr, back;
            char nation[TL_NATION_LEN], nation2[TL_NATION_LEN];
            rc = tl_trackio_read_line(line, "k.csv", 2, &tr, nation, &err);
            if (rc) {
                check_msg(&err, "k.csv", rc);
            } else {
                for (int k = 0; k < 6; k++)
                    FZ_CHECK(isfinite(tr.est.x[k]) && isfinite(tr.est.P[k][k]), "track state %d", k);
                FZ_CHECK(tr.n_sensors >= 0, "n_sensors %d", tr.n_sensors);
                char out[2048];
                if (tr.n_sensors <= TL_TRACK_MAX_SENSORS) {
                    int w = tl_trackio_format(&tr, nation, out, sizeof out);
                    FZ_CHECK(w > 0, "cannot format an accepted row (%d)", w);
                    FZ_CHECK(tl_trackio_read_line(out, "k2.csv", 2, &back, nation2, &err) == TL_OK,
                             "own output refused: %s", err.msg);
                    FZ_CHECK(!memcmp(&back, &tr, sizeof tr) && !strcmp(nation, nation2),
                             "tracks.csv row does not round-trip: '%s' -> '%s'", line, out);
                }
            }
            rc = tl_objectio_read_line(line, "o.csv", 2, &o, &err);
            if (rc)
                check_msg(&err, "o.csv", rc);
            else
                FZ_CHECK(isfinite(o.start_lat_deg) && isfinite(o.apogee_m), "object numbers");
        }
        start = i + 1;
    }
    /* The plots.csv stream reader. */
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    tl_plotio_reader r;
    tl_err err;
    int rc = tl_plotio_attach(&r, f, "p.csv", &err);
    if (rc) {
        check_msg(&err, "p.csv", rc);
    } else {
        for (int k = 0; k < 10000; k++) { /* bounded: one iteration per line */
            tl_plot p;
            rc = tl_plotio_next(&r, &p, &err);
            if (rc == 0)
                break;
            if (rc < 0) {
                check_msg(&err, "p.csv", rc);
                continue;
            }
            const char *why = NULL;
            FZ_CHECK(tl_plot_validate(&p, &why) == TL_OK, "accepted an invalid plot: %s", why);
            for (int i = 0; i < p.nz; i++)
                FZ_CHECK(isfinite(p.z[i]) && isfinite(p.sigma[i]), "z/sigma %d", i);
            char buf[512];
            int w = tl_plotio_format(&p, buf, sizeof buf);
            FZ_CHECK(w > 0, "the writer refuses a plot the reader accepted (%d)", w);
        }
    }
    tl_plotio_close(&r);
    fclose(f);
    return 0;
}
