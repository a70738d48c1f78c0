/* bench_pipeline.c — cost of a nation's pipeline (pipeline.h) on the default drill:
 * the JP pipeline fed JP's plots and the US and KR pipelines' products (in memory),
 * CPU time per scenario second and per plot, and the largest single step (a fusion
 * cycle with predictions). Prints one JSON object per line. */
#include "trilink/link.h"
#include "trilink/pipeline.h"
#include "trilink/scenario.h"
#include "trilink/sim.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
    static const char *const nat[3] = {"JP", "US", "KR"};
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios/default.yaml", TL_SOURCE_DIR);
    tl_scenario sc;
    tl_err err;
    if (tl_scenario_load(path, &sc, NULL) != TL_OK)
        return 1;
    sc.duration_s = 3400;
    tl_sim *sim;
    tl_pipeline *pl[3];
    if (tl_sim_create(&sc, &sim, &err) != TL_OK)
        return 1;
    for (int k = 0; k < 3; k++) {
        tl_pipeline_cfg cfg;
        tl_pipeline_cfg_default(&cfg, nat[k]);
        if (tl_pipeline_create(&cfg, &pl[k], &err) != TL_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    double jp_cpu = 0, worst = 0;
    size_t jp_plots = 0;
    uint64_t seq[3] = {0, 0, 0};
    int64_t t;
    const tl_plot *plots;
    const tl_plot_truth *truth;
    size_t n;
    static tl_product prod;
    while (tl_sim_next_scan(sim, &t, &plots, &truth, &n)) {
        for (int k = 0; k < 3; k++) {
            double c0 = cpu_s();
            for (size_t i = 0; i < n; i++)
                if (!strcmp(plots[i].nation, nat[k])) {
                    tl_pipeline_add_plot(pl[k], &plots[i], NULL);
                    jp_plots += k == 0;
                }
            tl_pipeline_step(pl[k], t, NULL);
            double dc = cpu_s() - c0;
            if (k == 0) {
                jp_cpu += dc;
                worst = dc > worst ? dc : worst;
            }
        }
        for (int k = 0; k < 3; k++)
            for (int g = 0; g < 100000 && tl_pipeline_next_product(pl[k], &prod); g++) {
                snprintf(prod.hdr.origin, sizeof prod.hdr.origin, "%s", nat[k]);
                prod.hdr.seq = ++seq[k];
                for (int j = 0; j < 3; j++) /* hub and spoke: everything reaches everyone */
                    if (j != k) {
                        double c0 = cpu_s();
                        tl_pipeline_add_product(pl[j], &prod, NULL);
                        if (j == 0)
                            jp_cpu += cpu_s() - c0;
                    }
            }
    }
    printf("{\"name\": \"pipeline_jp_cpu_per_scenario_s\", \"unit\": \"ms\", \"value\": %.4f}\n",
           1e3 * jp_cpu / sc.duration_s);
    printf("{\"name\": \"pipeline_jp_cpu_per_plot\", \"unit\": \"us\", \"value\": %.2f}\n",
           jp_plots ? 1e6 * jp_cpu / (double)jp_plots : 0.0);
    printf("{\"name\": \"pipeline_jp_worst_step\", \"unit\": \"ms\", \"value\": %.3f}\n", 1e3 * worst);
    for (int k = 0; k < 3; k++)
        tl_pipeline_destroy(pl[k]);
    tl_sim_destroy(sim);
    tl_scenario_free(&sc);
    return 0;
}
