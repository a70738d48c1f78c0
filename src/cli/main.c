/* main.c — the trilink executable: dispatches to subcommands (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trilink/scenario.h"

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("trilink 0.1.0\n");
    return 0;
}

static const tl_cli_command commands[] = {
    {"version", cmd_version, "print the version"},
    {"traj", tl_cmd_traj, "solve and print one missile flight"},
    {"demo", tl_cmd_demo, "JP, US and KR nodes + drill on loopback; summary vs truth"},
    {"sim", tl_cmd_sim, "check or run a drill scenario (plots and truth)"},
    {"track", tl_cmd_track, "run the national tracker over plots.csv -> tracks.csv"},
    {"score", tl_cmd_score, "score tracks.csv against truth.csv (RMSE, NEES, OSPA...)"},
    {"eval", tl_cmd_eval, "Monte Carlo: alone vs shared (first track, impact error, EEZ decision)"},
#ifdef TL_HAVE_NET
    {"node", tl_cmd_node, "run a national node on the link (DDS Security)"},
    {"pki", tl_cmd_pki, "create / check the demonstration DDS Security PKI"},
#endif
#ifdef TL_HAVE_COP
    {"cop", tl_cmd_cop, "serve the web common operating picture of the demo"},
#endif
};

int tl_cli_parse_double(const char *opt, const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (!s[0] || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        fprintf(stderr, "trilink: %s: not a finite number: '%s'\n", opt, s);
        return 0;
    }
    *out = v;
    return 1;
}

int tl_cli_load_scenario(const char *cmd, const char **path, tl_scenario *sc)
{
    static char def[1024];
    if (!*path) {
        *path = "scenarios/default.yaml";
        if (access(*path, R_OK) != 0) {
            snprintf(def, sizeof def, "%s/scenarios/default.yaml", TL_SOURCE_DIR);
            *path = def;
        }
    }
    tl_diag d;
    tl_diag_init(&d);
    int rc = tl_scenario_load(*path, sc, &d);
    for (size_t i = 0; i < d.n && i < d.cap; i++)
        fprintf(stderr, "%s\n", d.msg[i]);
    if (rc != TL_OK)
        fprintf(stderr, "trilink %s: %s: cannot load the scenario (%zu error%s)\n", cmd, *path, d.n,
                d.n == 1 ? "" : "s");
    tl_diag_free(&d);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: trilink <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'trilink <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "trilink: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
