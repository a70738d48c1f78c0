/* cmd_cop.c — `trilink cop`: serve the web common operating picture of the built-in
 * synthetic demo (tl_cop_demo_picture) for demos, screenshots and tests, or print one of
 * its documents. The national node serves its own live picture through the same module. */
#include "cli.h"

#ifdef TL_HAVE_COP
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trilink/cop.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig, stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: trilink cop --demo [--port P] [--bind ADDR] [--web-root DIR]\n"
               "                   [--start S] [--speed X] [--duration S]\n"
               "       trilink cop --demo --dump json|geojson|metrics [--start S]\n"
               "  Serves the synthetic demo picture (lofted ICBM + two SRBMs, JP node) at\n"
               "  http://ADDR:P/ (default 127.0.0.1, ephemeral port; the URL is printed), its\n"
               "  clock running from --start seconds after the first launch (default 700) at\n"
               "  --speed (default 1) for --duration wall seconds (default: until Ctrl-C).\n");
}

static int dump(const char *kind, double t_s)
{
    int (*fn)(const tl_cop_picture *, char *, size_t, size_t *, tl_err *) =
        !strcmp(kind, "json")      ? tl_cop_picture_to_json
        : !strcmp(kind, "geojson") ? tl_cop_picture_to_geojson
        : !strcmp(kind, "metrics") ? tl_cop_picture_to_metrics
                                   : NULL;
    if (!fn) {
        fprintf(stderr, "trilink cop: --dump: unknown document '%s' (json, geojson, metrics)\n",
                kind);
        return 2;
    }
    tl_cop_picture *p = malloc(sizeof *p);
    size_t len = 0;
    tl_err err;
    tl_err_clear(&err);
    if (!p)
        return 1;
    tl_cop_demo_picture(t_s, p);
    int rc = fn(p, NULL, 0, &len, &err);
    char *buf = rc == TL_EFULL ? malloc(len + 1) : NULL;
    if (buf)
        rc = fn(p, buf, len + 1, &len, &err);
    if (rc == TL_OK)
        fwrite(buf, 1, len, stdout);
    else
        fprintf(stderr, "trilink cop: %s\n", err.msg[0] ? err.msg : tl_strerror(rc));
    free(buf);
    free(p);
    return rc == TL_OK ? 0 : 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int serve(const tl_cop_config *cfg, double start_s, double speed, double duration_s)
{
    tl_err err;
    tl_cop *cop = NULL;
    tl_err_clear(&err);
    tl_cop_picture *p = malloc(sizeof *p);
    if (!p)
        return 1;
    int rc = tl_cop_create(cfg, &cop, &err);
    if (rc) {
        fprintf(stderr, "trilink cop: %s\n", err.msg);
        free(p);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    printf("cop: serving http://%s:%d/\n", cfg->bind_addr ? cfg->bind_addr : "127.0.0.1",
           tl_cop_port(cop));
    fflush(stdout);
    double t0 = now_s();
    while (!stop_requested) {
        double wall = now_s() - t0;
        if (duration_s > 0.0 && wall >= duration_s)
            break;
        tl_cop_demo_picture(start_s + speed * wall, p);
        p->clock_rate = speed;
        if ((rc = tl_cop_update(cop, p, &err)))
            fprintf(stderr, "trilink cop: update: %s\n", err.msg);
        struct timespec half = {0, 500000000L};
        nanosleep(&half, NULL);
    }
    tl_cop_destroy(cop);
    free(p);
    printf("cop: stopped\n");
    return 0;
}

int tl_cmd_cop(int argc, char **argv)
{
    tl_cop_config cfg = {0};
    double start_s = 700.0, speed = 1.0, duration_s = 0.0, port = 0.0;
    const char *dump_kind = NULL;
    int demo = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--demo")) {
            demo = 1;
        } else if (!strcmp(a, "--port") && has_val) {
            if (!tl_cli_parse_double(a, argv[++i], &port))
                return 2;
        } else if (!strcmp(a, "--bind") && has_val) {
            cfg.bind_addr = argv[++i];
        } else if (!strcmp(a, "--web-root") && has_val) {
            cfg.web_root = argv[++i];
        } else if (!strcmp(a, "--start") && has_val) {
            if (!tl_cli_parse_double(a, argv[++i], &start_s))
                return 2;
        } else if (!strcmp(a, "--speed") && has_val) {
            if (!tl_cli_parse_double(a, argv[++i], &speed))
                return 2;
        } else if (!strcmp(a, "--duration") && has_val) {
            if (!tl_cli_parse_double(a, argv[++i], &duration_s))
                return 2;
        } else if (!strcmp(a, "--dump") && has_val) {
            dump_kind = argv[++i];
        } else {
            fprintf(stderr, "trilink cop: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!demo) {
        fprintf(stderr, "trilink cop: only --demo is available (the node serves live pictures)\n");
        usage(stderr);
        return 2;
    }
    if (port < 0.0 || port > 65535.0 || port != (double)(int)port) {
        fprintf(stderr, "trilink cop: --port: %g is not a port number (0-65535)\n", port);
        return 2;
    }
    if (speed <= 0.0 || speed > 1000.0 || duration_s < 0.0) {
        fprintf(stderr, "trilink cop: --speed must be in (0, 1000] and --duration >= 0\n");
        return 2;
    }
    cfg.port = (int)port;
    if (dump_kind)
        return dump(dump_kind, start_s);
    return serve(&cfg, start_s, speed, duration_s);
}
#endif
