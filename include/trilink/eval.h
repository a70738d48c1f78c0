/* eval.h — `trilink eval`: Monte Carlo evidence of what sharing buys.
 *
 * One run = one simulation of a scenario (tl_sim) with its own seed (run r uses
 * seed + r: new noise, detections, false alarms and scan phases), fed to two sets
 * of national pipelines (pipeline.h) in process, with the scenario clock:
 *   ALONE  — each nation's pipeline gets its own sensors' plots and nothing else;
 *   SHARED — the three pipelines exchange their products along the default topology
 *            of config/network.yaml: KR <-> US <-> JP, the US relaying between the
 *            spokes, and KR's tracks reaching JP without their sensor identities
 *            (the policy's 'drop: [sensors]' for JP). Delivery is immediate.
 * For each launch and each nation it measures against the simulation's truth:
 *   - time to the first confirmed track (s after launch): the pipeline's first
 *     system track on the launch (as `trilink demo` defines alone and shared);
 *   - impact-point error (great-circle, PROJ geodesic) of the nation's latest
 *     impact prediction on the launch, sampled every bin_s after launch until the
 *     true impact, and whether the true impact lies inside its 95% ellipse;
 *   - for JP and KR, the zone decision (own territory / own EEZ or waters / outside):
 *     the final verdict right or wrong, and when the right verdict was reached and
 *     then held (s after launch, s before impact); Alerts issued for the launch, a
 *     false alert (the truth falls outside the nation's zones and does not overfly its
 *     territory) and a missed one (the truth falls inside, no Alert before impact).
 * Definitions and figures: docs/eval.md. Everything is a pure function of the
 * scenario, the seed and the options: the files tl_eval_write produces are
 * byte-identical for the same inputs (no clock reads, fixed formats).
 */
#ifndef TRILINK_EVAL_H
#define TRILINK_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trilink/error.h"
#include "trilink/plot.h"

struct tl_scenario;

#define TL_EVAL_MAX_RUNS 1000 /**< --runs cap (memory and time) */
#define TL_EVAL_MAX_LAUNCHES 16
#define TL_EVAL_NATIONS 3 /**< JP, US, KR: tl_eval_nation_name(0..2) */
#define TL_EVAL_ALONE 0
#define TL_EVAL_SHARED 1

/** "JP", "US", "KR" for 0, 1, 2 (NULL otherwise). */
const char *tl_eval_nation_name(int k);

typedef struct tl_eval_cfg {
    int runs;              /**< 1..TL_EVAL_MAX_RUNS */
    uint64_t seed;         /**< base seed: run r simulates with seed + r */
    unsigned nations_mask; /**< bit k: nation k takes part (sensors and sharing) */
    double bin_s;          /**< impact-error sampling after launch, s (10), 1..600 */
    void (*progress)(void *ctx, int runs_done, int runs); /**< may be NULL */
    void *ctx;
} tl_eval_cfg;

/** Defaults: 1 run, seed 0, all three nations, 10 s bins, no progress. */
void tl_eval_cfg_default(tl_eval_cfg *cfg);

/** Truth about one launch (a missile that falls; orbital launches are left out). */
typedef struct tl_eval_launch {
    char id[TL_ID_LEN];
    char cls[16];
    int64_t launch_t_ns, impact_t_ns;
    double impact_lat_rad, impact_lon_rad;
    int truth_zone;                 /**< tl_zone_class of the true impact */
    int overflies[TL_EVAL_NATIONS]; /**< truth ground track over the nation's territory */
    size_t n_bins;                  /**< samples at 0, bin_s, ... <= flight time */
    size_t bin_off;                 /**< offset of its bins in a series block */
} tl_eval_launch;

/** One run x launch x nation x configuration. NAN: not reached / not applicable. */
typedef struct tl_eval_row {
    int run;
    uint64_t seed;
    int launch, nation, config;    /**< config: TL_EVAL_ALONE or TL_EVAL_SHARED */
    double first_track_s;          /**< first system track, s after launch */
    int has_pred;                  /**< an impact prediction was made on the launch */
    double final_err_m;            /**< latest prediction vs the true impact point */
    double final_dt_s;             /**< its impact time minus the true one */
    double final_sma_m;            /**< its 95% semi-major axis */
    int final_inside;              /**< truth inside its 95% ellipse (0/1), -1 none */
    int verdict;                   /**< tl_zone_class of the latest prediction, -1 none */
    int decides;                   /**< 1 for JP and KR (a zone decision), 0 for the US */
    int verdict_ok;                /**< nation-level class (territory/EEZ/outside) right */
    double decision_s;             /**< right verdict reached and held, s after launch */
    double decision_lead_s;        /**< the same, s before the true impact */
    int alerts;                    /**< CAP Alerts issued on the launch */
    double first_alert_s;          /**< first Alert, s after launch */
    int false_alert, missed_alert; /**< 0/1 (-1: the nation issues no alerts) */
} tl_eval_row;

typedef struct tl_eval_result {
    char scenario[256];
    int64_t epoch_ns; /**< the scenario's epoch, ns UTC */
    uint64_t seed;
    int runs;
    unsigned nations_mask;
    double bin_s;
    size_t n_launches;
    tl_eval_launch launch[TL_EVAL_MAX_LAUNCHES];
    size_t n_rows;
    tl_eval_row *rows;   /**< tl_eval_row_index order */
    size_t bins_total;   /**< sum of the launches' n_bins */
    double *err_m;       /**< per (run, nation, config) a block of bins_total: error, NAN none */
    signed char *inside; /**< same layout: truth inside the 95% ellipse, -1 none */
} tl_eval_result;

/** Run the Monte Carlo. sc as loaded by tl_scenario_load (not modified). On success
 *  *out holds the results (free with tl_eval_result_free). TL_EINVAL names the bad
 *  cfg field; TL_ENOMEM; a simulation or pipeline error is passed on with its message.
 *  Cost: about 6 pipelines' worth of tracking per run (docs/eval.md has figures). */
int tl_eval_run(const struct tl_scenario *sc, const char *name, const tl_eval_cfg *cfg,
                tl_eval_result *out, tl_err *err);
void tl_eval_result_free(tl_eval_result *r); /**< NULL or zeroed: no-op */

size_t tl_eval_row_index(const tl_eval_result *r, int run, size_t launch, int nation, int config);
/** The impact-error series of one run, nation and configuration for a launch. */
const double *tl_eval_series(const tl_eval_result *r, int run, size_t launch, int nation,
                             int config);

/** p-quantile (0 <= p <= 1) of the finite values of x[0..n), linear between order
 *  statistics (Hyndman & Fan type 7: h = (m-1)p over the m finite values sorted).
 *  scratch holds n doubles. NAN when no value is finite. */
double tl_eval_quantile(const double *x, size_t n, double p, double *scratch);

/** Write summary.md, runs.csv, impact_error.csv and the SVG plots into dir (which
 *  must exist). TL_EIO naming the file that cannot be written. */
int tl_eval_write(const tl_eval_result *r, const char *dir, tl_err *err);

/** Headline figures as one JSON object (per launch and nation: median first-track
 *  time, impact error at fixed times, decision time, alone and shared). */
void tl_eval_json(const tl_eval_result *r, FILE *f);

/* ---- the SVG plot writer (src/eval/svg.c) ---- */

/** One line of a line plot: y(x) with an optional band lo..hi (NULL: none). NAN
 *  values break the line and the band. */
typedef struct tl_svg_series {
    const char *label;
    const double *x, *y, *lo, *hi;
    size_t n;
} tl_svg_series;

/** A line plot with axes, ticks, labels and a legend. log_y: logarithmic y axis
 *  (values <= 0 are left out). TL_EINVAL (no finite point), TL_EIO. */
int tl_svg_lines(FILE *f, const char *title, const char *x_label, const char *y_label, int log_y,
                 const tl_svg_series *s, size_t n_series);

/** A box plot: one box per group (10-90 whiskers, 25-75 box, median line) with the
 *  values as dots; colour by series (0 or 1, named in the legend). */
typedef struct tl_svg_box {
    const char *label; /**< category under the box */
    int series;        /**< 0 or 1 */
    const double *v;   /**< values (NAN ignored) */
    size_t n;
} tl_svg_box;

int tl_svg_boxes(FILE *f, const char *title, const char *y_label, const char *series_label[2],
                 const tl_svg_box *b, size_t n_boxes);

#endif
