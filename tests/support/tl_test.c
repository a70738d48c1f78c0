/* tl_test.c — see tl_test.h. */
#include "tl_test.h"
#include "trilink/filter.h"
#include "trilink/geo.h"
#include "trilink/plot.h"
#include "trilink/zones.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tl_test_source_dir(void)
{
    const char *s = getenv("TL_SOURCE_DIR");
#ifdef TL_SOURCE_DIR
    if (!s)
        s = TL_SOURCE_DIR;
#endif
    return s ? s : ".";
}

const char *tl_test_build_dir(void)
{
    const char *s = getenv("TL_BUILD_DIR");
    return s ? s : ".";
}

const char *tl_test_bin(void)
{
    const char *s = getenv("TL_BIN");
    return s ? s : "trilink";
}

void tl_test_rng_seed(tl_test_rng *r, uint64_t seed)
{
    r->s = seed;
}

static uint64_t next64(tl_test_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double tl_test_uniform(tl_test_rng *r)
{
    return (next64(r) >> 11) * (1.0 / 9007199254740992.0);
}

double tl_test_normal(tl_test_rng *r)
{
    double u1 = tl_test_uniform(r), u2 = tl_test_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

int tl_test_run(const char *cmd, const char *input, char *out, size_t cap)
{
    char inpath[] = "/tmp/tl_test_inXXXXXX";
    int fd = mkstemp(inpath);
    if (fd < 0)
        return -1;
    size_t n = input ? strlen(input) : 0;
    if (n && write(fd, input, n) != (ssize_t)n) {
        close(fd);
        unlink(inpath);
        return -1;
    }
    close(fd);
    size_t clen = strlen(cmd) + strlen(inpath) + 8;
    char *full = malloc(clen);
    if (!full) {
        unlink(inpath);
        return -1;
    }
    snprintf(full, clen, "%s < %s", cmd, inpath);
    FILE *p = popen(full, "r");
    free(full);
    if (!p) {
        unlink(inpath);
        return -1;
    }
    size_t used = 0;
    if (cap) {
        size_t got;
        while (used + 1 < cap && (got = fread(out + used, 1, cap - 1 - used, p)) > 0)
            used += got;
        out[used] = '\0';
    }
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0)
        ;
    int st = pclose(p);
    unlink(inpath);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int tl_test_have(const char *prog)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

void tl_test_radar_plot(const tl_geodetic *site, const char *sensor_id, const double x[6],
                        int64_t t_ns, uint64_t plot_id, const double sigma[4], tl_test_rng *r,
                        tl_plot *p)
{
    memset(p, 0, sizeof *p);
    p->t_ns = t_ns;
    p->plot_id = plot_id;
    snprintf(p->sensor_id, sizeof p->sensor_id, "%s", sensor_id);
    snprintf(p->nation, sizeof p->nation, "JP");
    p->kind = TL_PLOT_RADAR;
    p->site = *site;
    tl_geodetic_to_ecef(site, p->site_ecef);
    p->nz = 4;
    memcpy(p->sigma, sigma, 4 * sizeof sigma[0]);
    tl_meas m;
    tl_meas_from_plot(p, &m);
    double z[4];
    tl_meas_h(&m, x, z, NULL);
    for (int i = 0; i < 4; i++)
        p->z[i] = z[i] + sigma[i] * tl_test_normal(r);
    p->z[1] = tl_wrap_2pi(p->z[1]);
}

int tl_test_zones_load(struct tl_zones **z)
{
    tl_err e;
    if (tl_zones_load_default(z, &e) != TL_OK) {
        fprintf(stderr, "cannot load zones: %s\n", e.msg);
        return -1;
    }
    return 0;
}

int tl_test_free_domains(int n)
{
    for (int t = 0; t < 30; t++) {
        int d = 10 + (int)(((unsigned)getpid() + 7u * (unsigned)t) % 28u) * 3, ok = 1;
        for (int dd = d; dd < d + n && ok; dd++)
            for (int port = 7400 + 250 * dd + 10; port < 7400 + 250 * dd + 14 && ok; port++) {
                int s = socket(AF_INET, SOCK_DGRAM, 0);
                struct sockaddr_in a;
                memset(&a, 0, sizeof a);
                a.sin_family = AF_INET;
                a.sin_port = htons((uint16_t)port);
                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                ok = s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0;
                if (s >= 0)
                    close(s);
            }
        if (ok)
            return d;
    }
    return 81;
}
