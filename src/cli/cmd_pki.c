/* cmd_pki.c — `trilink pki`: create the demonstration DDS Security PKI, re-issue
 * one node's credentials (e.g. an expired certificate for a drill), and check a
 * node's files the way `trilink node` does before it starts. */
#ifdef TL_HAVE_NET
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "trilink/netconfig.h"
#include "trilink/pki.h"

static void pki_usage(FILE *f)
{
    fprintf(f, "usage: trilink pki init DIR [--nations JP,US,KR] [--config FILE] [--days N]\n"
               "       trilink pki reissue DIR --nation X [--config FILE] [--from-days D] [--days N]\n"
               "       trilink pki check DIR --nation X [--config FILE]\n"
               "FILE defaults to config/network.yaml. Keys are written 0600; never commit them.\n");
}

int tl_cmd_pki(int argc, char **argv)
{
    if (argc < 3 || !strcmp(argv[1], "--help")) {
        pki_usage(argc < 3 ? stderr : stdout);
        return argc < 3 ? 2 : 0;
    }
    const char *sub = argv[1], *dir = argv[2], *config = "config/network.yaml", *nations = NULL, *nation = NULL;
    double days = 365, from_days = -1.0 / 24;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "trilink pki: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--nations"))
            nations = v;
        else if (!strcmp(a, "--nation"))
            nation = v;
        else if (!strcmp(a, "--config"))
            config = v;
        else if (!strcmp(a, "--days")) {
            if (!tl_cli_parse_double(a, v, &days) || days <= 0 || days > 36500) {
                fprintf(stderr, "trilink pki: --days: must be in (0, 36500]\n");
                return 2;
            }
        } else if (!strcmp(a, "--from-days")) {
            if (!tl_cli_parse_double(a, v, &from_days))
                return 2;
        } else {
            fprintf(stderr, "trilink pki: unknown option '%s'\n", a);
            pki_usage(stderr);
            return 2;
        }
        i++;
    }
    tl_netconfig cfg;
    tl_err err;
    tl_err_clear(&err);
    if (tl_netconfig_load(config, &cfg, &err)) {
        fprintf(stderr, "trilink pki: %s\n", err.msg);
        return 2;
    }
    if (!strcmp(sub, "init")) {
        tl_pki_opts o = {dir, &cfg, nations, (int)days};
        if (tl_pki_init(&o, &err)) {
            fprintf(stderr, "trilink pki: %s\n", err.msg);
            return 1;
        }
        printf("pki: wrote %s (identity CA, permissions CA, governance, %s)\n", dir,
               nations ? nations : "every nation of the config");
        return 0;
    }
    if (!nation) {
        fprintf(stderr, "trilink pki %s: --nation is required\n", sub);
        return 2;
    }
    if (!strcmp(sub, "reissue")) {
        if (tl_pki_reissue(dir, &cfg, nation, from_days, days, &err)) {
            fprintf(stderr, "trilink pki: %s\n", err.msg);
            return 1;
        }
        printf("pki: re-issued %s/%s (valid from now%+.2f d for %.2f d)\n", dir, nation, from_days, days);
        return 0;
    }
    if (!strcmp(sub, "check")) {
        tl_pki_files f;
        int domains[TL_NET_LINKS_MAX], nd = 0;
        for (int i = 0; i < cfg.n_links; i++)
            if (!strcmp(cfg.links[i].ends[0].nation, nation) || !strcmp(cfg.links[i].ends[1].nation, nation))
                domains[nd++] = cfg.links[i].domain_id;
        tl_pki_files_for(dir, nation, &f);
        if (tl_pki_check(&f, domains, nd, &err)) {
            fprintf(stderr, "trilink pki: %s\n", err.msg);
            return 1;
        }
        printf("pki: %s files in %s are valid for %d link domain(s)\n", nation, dir, nd);
        return 0;
    }
    fprintf(stderr, "trilink pki: unknown subcommand '%s'\n", sub);
    pki_usage(stderr);
    return 2;
}
#endif
