/* bench_sim.c — drill generator throughput on scenarios/dense.yaml (200 objects,
 * 11 sensors, clutter), one core: plots generated per second by the engine (scans
 * only, no file output), the set-up time (flight solving, trajectories, debris),
 * and plots written per second to CSV (engine + formatting + I/O to a temp dir).
 * Prints one JSON object per line (scripts/bench collects them). */
#include "trilink/scenario.h"
#include "trilink/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void emit(const char *name, const char *unit, double v)
{
    printf("{\"name\": \"%s\", \"unit\": \"%s\", \"value\": %.6g}\n", name, unit, v);
}

int main(void)
{
    const char *srcdir = getenv("TL_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/dense.yaml", srcdir ? srcdir : TL_SOURCE_DIR);
    tl_scenario sc;
    tl_diag d;
    tl_diag_init(&d);
    double t0 = now_s();
    if (tl_scenario_load(path, &sc, &d) != TL_OK) {
        for (size_t i = 0; i < d.n && i < d.cap; i++)
            fprintf(stderr, "%s\n", d.msg[i]);
        return 1;
    }
    double t_load = now_s() - t0;
    tl_diag_free(&d);
    tl_sim *sim;
    tl_err err;
    t0 = now_s();
    if (tl_sim_create(&sc, &sim, &err) != TL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double t_setup = now_s() - t0;
    size_t total = 0, n;
    int64_t t_ns;
    const tl_plot *plots;
    const tl_plot_truth *truth;
    t0 = now_s();
    while (tl_sim_next_scan(sim, &t_ns, &plots, &truth, &n))
        total += n;
    double t_scan = now_s() - t0;
    tl_sim_destroy(sim);

    char dir[] = "/tmp/tl_bench_sim_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    if (tl_sim_create(&sc, &sim, &err) != TL_OK)
        return 1;
    size_t np = 0;
    t0 = now_s();
    int rc = tl_sim_write(sim, dir, 0, NULL, NULL, &np, NULL, &err);
    double t_write = now_s() - t0;
    tl_sim_destroy(sim);
    const char *names[] = {"truth.csv", "plots.csv", "plots_truth.csv", "objects.csv"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    if (rc != TL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    emit("sim_dense_plots_per_s", "plots/s", (double)total / t_scan);
    emit("sim_dense_plots", "plots", (double)total);
    emit("sim_dense_scan_time", "s", t_scan);
    emit("sim_dense_load_and_solve", "s", t_load);
    emit("sim_dense_setup", "s", t_setup);
    emit("sim_dense_written_plots_per_s", "plots/s", (double)np / t_write);
    tl_scenario_free(&sc);
    return 0;
}
