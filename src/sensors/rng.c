/* rng.c — the drill generator's deterministic random numbers (see sensors.h).
 *
 * xoshiro256** (D. Blackman, S. Vigna, "Scrambled linear pseudorandom number
 * generators", ACM TOMS 47(4) 2021) seeded through splitmix64 so any 64-bit seed
 * gives a well-mixed state; normals by the Box-Muller transform (Box & Muller,
 * Ann. Math. Stat. 29, 1958); Poisson counts by Knuth's product method applied to
 * chunks of mean <= 16 (a sum of independent Poisson variates is Poisson), so the
 * loop is bounded and identical on every platform.
 */
#include "trilink/sensors.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void tl_rng_seed(tl_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    r->have_spare = 0;
    r->spare = 0.0;
}

void tl_rng_seed_named(tl_rng *r, uint64_t seed, const char *name)
{
    /* FNV-1a of the name, mixed with the seed: streams per sensor stay independent
     * of how many other sensors a scenario has. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    uint64_t x = seed ^ h;
    tl_rng_seed(r, splitmix64(&x));
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t tl_rng_u64(tl_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double tl_rng_uniform(tl_rng *r)
{
    return (double)(tl_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

double tl_rng_normal(tl_rng *r)
{
    if (r->have_spare) {
        r->have_spare = 0;
        return r->spare;
    }
    /* u1 in (0, 1] so the log is finite */
    double u1 = 1.0 - tl_rng_uniform(r);
    double u2 = tl_rng_uniform(r);
    double m = sqrt(-2.0 * log(u1));
    r->spare = m * sin(2.0 * TL_PI * u2);
    r->have_spare = 1;
    return m * cos(2.0 * TL_PI * u2);
}

unsigned tl_rng_poisson(tl_rng *r, double mean)
{
    if (!(mean > 0.0))
        return 0;
    if (mean > 1e6)
        mean = 1e6;
    unsigned total = 0;
    while (mean > 0.0) {
        double chunk = mean > 16.0 ? 16.0 : mean;
        mean -= chunk;
        double limit = exp(-chunk), p = tl_rng_uniform(r);
        unsigned k = 0;
        /* P(k > 200 | mean 16) is far below 1e-60: the cap never binds in practice */
        while (p > limit && k < 200) {
            p *= tl_rng_uniform(r);
            k++;
        }
        total += k;
    }
    return total;
}
