/* demo_net.c — the network side of `trilink demo`: its own network configuration
 * (the hub-and-spoke JP-US-KR topology of config/network.yaml on loopback, with
 * national plot domains, domain ids from a base so tests can stay apart, and a time
 * window wide enough for a replayed scenario) and the demonstration PKI for it. Kept
 * apart from cmd_demo.c, which drives the scenario.
 */
#ifdef TL_HAVE_NET
#include <stdio.h>
#include <string.h>

#include "demo.h"
#include "trilink/netconfig.h"
#include "trilink/pki.h"

int tl_demo_write_config(const char *path, int base, double past_s, tl_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return tl_err_set(err, TL_EIO, "%s: cannot write", path);
    fprintf(f,
            "# Written by `trilink demo`: the topology of config/network.yaml (JP <-> US <-> KR, the\n"
            "# US relaying) on loopback, domains from %d, and a time window that accepts the\n"
            "# replayed scenario's state times (they run behind the wall clock).\n"
            "nations: [JP, US, KR]\nrelays: [US]\nheartbeat_period_s: 1\n"
            "time_window_s: {past: %.0f, future: 5}\nmax_seq_jump: 1000000\n"
            "links:\n"
            "  - name: us-jp\n    domain: %d\n    ends:\n"
            "      - {nation: US, address: 127.0.0.1, participant_index: 0}\n"
            "      - {nation: JP, address: 127.0.0.1, participant_index: 1}\n"
            "  - name: us-kr\n    domain: %d\n    ends:\n"
            "      - {nation: US, address: 127.0.0.1, participant_index: 0}\n"
            "      - {nation: KR, address: 127.0.0.1, participant_index: 1}\n"
            "national:\n"
            "  - {nation: JP, domain: %d, address: 127.0.0.1}\n"
            "  - {nation: US, domain: %d, address: 127.0.0.1}\n"
            "  - {nation: KR, domain: %d, address: 127.0.0.1}\n"
            "policy:\n"
            "  - {origin: JP, products: [all], to: [US, KR], marking: \"REL TO JPN, USA, KOR\"}\n"
            "  - {origin: US, products: [all], to: [JP, KR], marking: \"REL TO USA, JPN, KOR\"}\n"
            "  - {origin: KR, products: [launch, impact, alert], to: [US, JP], marking: \"REL TO KOR, USA, JPN\"}\n"
            "  - {origin: KR, products: [track], to: [US, JP], drop: [sensors], drop_for: [JP],\n"
            "     marking: \"REL TO KOR, USA, JPN\"}\n",
            base, past_s, base, base + 1, base + 2, base + 3, base + 4);
    if (fclose(f))
        return tl_err_set(err, TL_EIO, "%s: cannot write", path);
    tl_netconfig cfg;
    return tl_netconfig_load(path, &cfg, err);
}

int tl_demo_ensure_pki(const char *config, const char *dir, int *created, tl_err *err)
{
    tl_netconfig cfg;
    int rc = tl_netconfig_load(config, &cfg, err);
    if (rc)
        return rc;
    *created = 0;
    for (int i = 0; i < cfg.n_nations; i++) {
        int domains[TL_NET_LINKS_MAX], nd = 0;
        for (int k = 0; k < cfg.n_links; k++)
            if (!strcmp(cfg.links[k].ends[0].nation, cfg.nations[i]) ||
                !strcmp(cfg.links[k].ends[1].nation, cfg.nations[i]))
                domains[nd++] = cfg.links[k].domain_id;
        tl_pki_files pf;
        tl_pki_files_for(dir, cfg.nations[i], &pf);
        if (tl_pki_check(&pf, domains, nd, NULL) != TL_OK) {
            tl_pki_opts o = {dir, &cfg, NULL, 30};
            rc = tl_pki_init(&o, err);
            *created = rc == TL_OK;
            return rc;
        }
    }
    return TL_OK;
}
#endif
