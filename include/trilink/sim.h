/* sim.h — the drill generator's outputs and engine: CSV readers/writers for the
 * plot stream (plots.csv), the truth files (truth.csv, plots_truth.csv,
 * objects.csv), and the simulation that turns a scenario (scenario.h) into plots.
 *
 * The file formats are specified in docs/formats.md. Every reader reports bad
 * input as "FILE:LINE: column NAME: reason ('value')" in a tl_err and returns
 * TL_EPARSE; readers never allocate per line. Writers print with fixed formats so
 * the same values give byte-identical files.
 */
#ifndef TRILINK_SIM_H
#define TRILINK_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trilink/error.h"
#include "trilink/plot.h"

struct tl_scenario;

/* ----------------------------------------------------------- plots.csv */

/** The header line of plots.csv (without the newline). */
const char *tl_plotio_header(void);

/** Format one plot as a plots.csv line (with '\n') into buf. Returns the length,
 *  or TL_ERANGE if cap is too small (512 bytes always suffice) or TL_EINVAL if the
 *  plot fails tl_plot_validate or its ids contain ',', '"' or control bytes. */
int tl_plotio_format(const tl_plot *p, char *buf, size_t cap);

/** Write one plot line to f. TL_OK, TL_EINVAL (invalid plot) or TL_EIO. */
int tl_plotio_write(FILE *f, const tl_plot *p);

/** Parse one data line of plots.csv (trailing "\n" / "\r\n" allowed). src and lineno
 *  only label the error message. Fills *out (site_ecef computed from the geodetic
 *  site) and checks it with tl_plot_validate. Returns TL_OK or TL_EPARSE; *out is
 *  unchanged on error. */
int tl_plotio_read_line(const char *line, const char *src, long lineno, tl_plot *out, tl_err *err);

/** A plots.csv reader over a FILE (no allocation after open). */
typedef struct tl_plotio_reader {
    FILE *f;
    int own;       /**< 1 when opened by path (closed by tl_plotio_close) */
    long line;     /**< number of the last line read */
    char src[256]; /**< file name for messages */
    char buf[1024];
} tl_plotio_reader;

/** Open path ("-" for stdin) and check the header line. TL_EIO or TL_EPARSE. */
int tl_plotio_open(tl_plotio_reader *r, const char *path, tl_err *err);
/** Use an already open stream (not closed by tl_plotio_close); checks the header. */
int tl_plotio_attach(tl_plotio_reader *r, FILE *f, const char *name, tl_err *err);
/** Read the next plot: 1 when *out was filled, 0 at end of file, TL_EPARSE on a bad
 *  line (the reader stays usable: call again to continue with the next line). Blank
 *  lines and lines starting with '#' are skipped. */
int tl_plotio_next(tl_plotio_reader *r, tl_plot *out, tl_err *err);
void tl_plotio_close(tl_plotio_reader *r);

/* ------------------------------------------------------------ truth.csv */

/** One truth sample of one object. */
typedef struct tl_truth_row {
    int64_t t_ns;
    char object_id[TL_ID_LEN];
    double x_ecef[6]; /**< position m, velocity m/s, rotating ECEF */
    int phase;        /**< tl_phase (flight.h) */
} tl_truth_row;

const char *tl_truthio_header(void);
int tl_truthio_format(const tl_truth_row *t, char *buf, size_t cap);
int tl_truthio_read_line(const char *line, const char *src, long lineno, tl_truth_row *out,
                         tl_err *err);

/* ------------------------------------------------------ plots_truth.csv */

/** Ground truth about one plot, kept away from the tracker. */
typedef struct tl_plot_truth {
    uint64_t plot_id;
    int false_alarm;           /**< 1: noise or clutter, 0: a real object */
    char object_id[TL_ID_LEN]; /**< the object, "clutter:<id>" or "-" (noise) */
} tl_plot_truth;

const char *tl_plottruthio_header(void);
int tl_plottruthio_format(const tl_plot_truth *t, char *buf, size_t cap);
int tl_plottruthio_read_line(const char *line, const char *src, long lineno, tl_plot_truth *out,
                             tl_err *err);

/* ----------------------------------------------------------- objects.csv */

/** Summary of one simulated object (launch and impact truth for scoring). */
typedef struct tl_object_row {
    char object_id[TL_ID_LEN];
    char kind[16];          /**< "missile" or "debris" */
    char cls[16];           /**< missile class name, or "debris" */
    char parent[TL_ID_LEN]; /**< debris: the launch it came from; missiles: "-" */
    int64_t start_t_ns;     /**< launch (missiles) or release (debris) time */
    double start_lat_deg, start_lon_deg, start_h_m;
    int64_t end_t_ns; /**< impact time, or the end of the run (orbital) */
    double end_lat_deg, end_lon_deg;
    double apogee_m;
    int orbital; /**< 1: reached orbit, end_* is the last sample */
} tl_object_row;

const char *tl_objectio_header(void);
int tl_objectio_format(const tl_object_row *o, char *buf, size_t cap);
int tl_objectio_read_line(const char *line, const char *src, long lineno, tl_object_row *out,
                          tl_err *err);

/* ---------------------------------------------------------------- engine */

typedef struct tl_sim tl_sim;

/** Build a simulation from a loaded scenario (flights already solved by
 *  tl_scenario_load): flies every launch, releases debris, sets up the sensors.
 *  The scenario must outlive the simulation. TL_OK, TL_ENOMEM, or the flight
 *  module's error with the launch named in err. */
int tl_sim_create(const struct tl_scenario *sc, tl_sim **out, tl_err *err);
void tl_sim_destroy(tl_sim *s);

/** Keep only the sensors of one nation (NULL or "": all). Call before the first
 *  scan. Each sensor draws from its own random stream, so a nation's plots are the
 *  same with or without the filter (only plot ids differ). TL_ENOTFOUND when no
 *  sensor belongs to that nation. */
int tl_sim_set_nation(tl_sim *s, const char *nation);

/** Epoch and end of the run, ns UTC. */
int64_t tl_sim_start_ns(const tl_sim *s);
int64_t tl_sim_end_ns(const tl_sim *s);

/** Number of simulated objects (missiles and debris). */
size_t tl_sim_object_count(const tl_sim *s);
/** Summary of object i (launch/impact truth). */
void tl_sim_object(const tl_sim *s, size_t i, tl_object_row *out);
/** Truth of object i at t_ns: 1 and *out filled while it flies, 0 before its start
 *  or after its impact. */
int tl_sim_truth(const tl_sim *s, size_t i, int64_t t_ns, tl_truth_row *out);

/** Run the next sensor scan (the earliest due; ties in scenario order). Returns 1
 *  with *plots / *truth pointing at n plots (valid until the next call; order
 *  shuffled so it reveals nothing), or 0 when the run has ended. Plot ids are
 *  1, 2, 3... in output order. No allocation. */
int tl_sim_next_scan(tl_sim *s, int64_t *t_ns, const tl_plot **plots, const tl_plot_truth **truth,
                     size_t *n);

/** Write truth.csv, plots.csv, plots_truth.csv and objects.csv into dir (created
 *  if missing). pace (may be NULL) is called with each scan's time before its
 *  plots are written: the CLI uses it to run in real time. Stops at end_ns
 *  (<= 0: the scenario's end). Counts of plots and false alarms go to *n_plots and
 *  *n_false (may be NULL). */
int tl_sim_write(tl_sim *s, const char *dir, int64_t end_ns, void (*pace)(void *ctx, int64_t t_ns),
                 void *ctx, size_t *n_plots, size_t *n_false, tl_err *err);

#endif
