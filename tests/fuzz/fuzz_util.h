/* fuzz_util.h — helpers shared by the libFuzzer harnesses in tests/fuzz (make fuzz,
 * docs/testing.md): a reader that turns the fuzzer's bytes into typed values (with a
 * bias towards the values parsers get wrong: NaN, infinities, huge and tiny numbers,
 * the extremes of integers), a way to hand bytes to a loader that only takes a path
 * (a memfd, named /proc/self/fd/N: no disk writes), and the invariant check that
 * aborts (so libFuzzer records the input) when a parser accepts what it must refuse.
 */
#ifndef TL_FUZZ_UTIL_H
#define TL_FUZZ_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/** The fuzzer's bytes, consumed front to back; reads past the end give zeros. */
typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in;

static inline void fz_bytes(fz_in *in, void *out, size_t k)
{
    size_t t = k < in->n ? k : in->n;
    if (t)
        memcpy(out, in->p, t);
    if (t < k)
        memset((uint8_t *)out + t, 0, k - t);
    in->p += t;
    in->n -= t;
}

static inline uint8_t fz_u8(fz_in *in)
{
    uint8_t v;
    fz_bytes(in, &v, 1);
    return v;
}

static inline uint32_t fz_u32(fz_in *in)
{
    uint32_t v;
    fz_bytes(in, &v, sizeof v);
    return v;
}

static inline uint64_t fz_u64(fz_in *in)
{
    uint64_t v;
    fz_bytes(in, &v, sizeof v);
    return v;
}

/** A double: usually `typical` (a plausible value of the field) scaled by a small
 *  factor, sometimes one of the values that break numeric code, sometimes raw bits. */
static inline double fz_double(fz_in *in, double typical)
{
    uint8_t sel = fz_u8(in);
    switch (sel & 15) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return 1e308;
    case 4: return -1e308;
    case 5: return 4.9e-324;
    case 6: return 0.0;
    case 7: return -0.0;
    case 8: {
        double d;
        fz_bytes(in, &d, sizeof d);
        return d;
    }
    default: return typical * (1.0 + ((double)fz_u8(in) - 128.0) / 128.0);
    }
}

/** An int64: usually base + a small offset, sometimes an extreme. */
static inline int64_t fz_i64_near(fz_in *in, int64_t base)
{
    uint8_t sel = fz_u8(in);
    switch (sel & 7) {
    case 0: return INT64_MIN;
    case 1: return INT64_MAX;
    case 2: return (int64_t)fz_u64(in);
    default: return base + (int64_t)(int32_t)fz_u32(in) * 1000;
    }
}

/** A fixed-size string field: one of the given good values, or raw bytes (possibly
 *  without a terminating NUL). */
static inline void fz_str(fz_in *in, char *dst, size_t cap, const char *const *good, int n_good)
{
    uint8_t sel = fz_u8(in);
    if (n_good > 0 && sel < 200) {
        snprintf(dst, cap, "%s", good[sel % n_good]);
        return;
    }
    fz_bytes(in, dst, cap);
}

/** A memfd holding data; *path receives "/proc/self/fd/N". Returns the fd (close it
 *  after use) or -1. */
static inline int fz_memfile(const uint8_t *data, size_t n, char *path, size_t cap)
{
    int fd = memfd_create("tl_fuzz", 0);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

/** Abort with a message when an invariant the parser promises does not hold. */
#define FZ_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant failed: %s: ", #cond);                                 \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static inline int fz_terminated(const char *s, size_t cap) { return memchr(s, '\0', cap) != NULL; }

#endif
