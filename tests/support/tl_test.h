/* tl_test.h — shared helpers for trilink's cmocka tests: paths, a seeded RNG,
 * running an oracle command, and tolerance asserts that print the values. */
#ifndef TL_TEST_H
#define TL_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/** Source tree root (env TL_SOURCE_DIR, else the compile-time path). */
const char *tl_test_source_dir(void);
/** Build directory (env TL_BUILD_DIR) or "." */
const char *tl_test_build_dir(void);
/** Path of the trilink executable (env TL_BIN). */
const char *tl_test_bin(void);

/** splitmix64-based deterministic RNG. */
typedef struct { uint64_t s; } tl_test_rng;
void tl_test_rng_seed(tl_test_rng *r, uint64_t seed);
double tl_test_uniform(tl_test_rng *r);           /* [0, 1) */
double tl_test_normal(tl_test_rng *r);            /* N(0, 1) */

/** Run cmd with input written to its stdin; capture up to cap-1 bytes of stdout.
 *  Returns the exit status, or -1 if the command could not be run. */
int tl_test_run(const char *cmd, const char *input, char *out, size_t cap);

/** 1 if an executable named prog is on PATH. */
int tl_test_have(const char *prog);

/** The first of n adjacent DDS domains (10..93) whose discovery and user ports (both
 *  participant indices of the link convention) on 127.0.0.1 are free now, so that
 *  concurrent test runs do not collide; 81 if none was found. */
int tl_test_free_domains(int n);

struct tl_plot;
struct tl_geodetic;
/** A 4-value radar plot (range, az, el, range rate) of state x_ecef seen from site,
 *  with N(0, sigma^2) noise from r; nation "JP". Uses the filter's measurement model. */
void tl_test_radar_plot(const struct tl_geodetic *site, const char *sensor_id,
                        const double x_ecef[6], int64_t t_ns, uint64_t plot_id,
                        const double sigma[4], tl_test_rng *r, struct tl_plot *p);

#define assert_near(a, b, tol)                                                         \
    do {                                                                               \
        double _a = (a), _b = (b), _t = (tol);                                         \
        if (!(fabs(_a - _b) <= _t))                                                    \
            fail_msg("%s = %.12g, %s = %.12g, |diff| %.3g > %.3g", #a, _a, #b, _b,      \
                     fabs(_a - _b), _t);                                               \
    } while (0)

struct tl_zones;
/** Load the default zone data into *z for a test group; prints the reason and
 *  returns -1 on failure (a cmocka group setup's result), else 0. */
int tl_test_zones_load(struct tl_zones **z);

#endif
