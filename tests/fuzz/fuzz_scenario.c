/* fuzz_scenario.c — libFuzzer harness for the drill scenario loader
 * (src/sim/scenario.c, tl_scenario_parse: the same code tl_scenario_load runs on a
 * file's bytes). Promises checked: it returns (flights are solved only for a clean
 * structure), never crashes or leaks; a refusal carries at least one message and every
 * message starts with "NAME:LINE:"; an accepted scenario has finite times, a positive
 * duration and every launch before its end. */
#include "fuzz_util.h"

#include "trilink/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char name[] = "fuzz.yaml";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0; /* scenarios are a few KiB; bigger inputs only slow the search */
    tl_scenario sc;
    tl_diag diag;
    tl_diag_init(&diag);
    int rc = tl_scenario_parse((const char *)data, size, name, &sc, &diag);
    if (rc != TL_OK) {
        FZ_CHECK(diag.n > 0, "refused (rc %d) without a message", rc);
        for (size_t i = 0; i < diag.n && i < diag.cap; i++) {
            char want[32];
            snprintf(want, sizeof want, "%s:", name);
            FZ_CHECK(!strncmp(diag.msg[i], want, strlen(want)), "message '%s' does not name the file",
                     diag.msg[i]);
        }
    } else {
        FZ_CHECK(diag.n == 0, "accepted with %zu messages", diag.n);
        FZ_CHECK(isfinite(sc.duration_s) && sc.duration_s > 0, "duration %g", sc.duration_s);
        FZ_CHECK(isfinite(sc.truth_dt_s) && sc.truth_dt_s > 0, "truth_dt %g", sc.truth_dt_s);
        for (size_t i = 0; i < sc.n_launches; i++)
            FZ_CHECK(isfinite(sc.launches[i].t_s) && sc.launches[i].t_s < sc.duration_s, "launch %zu at %g", i,
                     sc.launches[i].t_s);
        for (size_t i = 0; i < sc.n_debris; i++)
            FZ_CHECK(sc.debris[i].parent_index < sc.n_launches, "debris %zu parent %zu", i,
                     sc.debris[i].parent_index);
        tl_scenario_free(&sc);
    }
    tl_diag_free(&diag);
    return 0;
}
