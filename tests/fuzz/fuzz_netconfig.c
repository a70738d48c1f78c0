/* fuzz_netconfig.c — libFuzzer harness for the network config loader
 * (src/link/netconfig.c, tl_netconfig_load): any bytes as config/network.yaml.
 * Promises checked: it returns, never crashes; a refusal is TL_EPARSE/TL_EIO with a
 * message that starts with the file's name; an accepted config satisfies what the
 * rest of the node relies on (2..16 distinct nations, links between known nations,
 * finite windows, a positive sequence jump), and its policy queries stay in range. */
#include "fuzz_util.h"

#include "trilink/link.h"
#include "trilink/netconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fz_memfile(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    static tl_netconfig cfg;
    tl_err err;
    tl_err_clear(&err);
    int rc = tl_netconfig_load(path, &cfg, &err);
    close(fd);
    if (rc != TL_OK) {
        FZ_CHECK(rc == TL_EPARSE || rc == TL_EIO, "rc %d", rc);
        FZ_CHECK(!strncmp(err.msg, path, strlen(path)), "message '%s' does not name %s", err.msg, path);
        return 0;
    }
    FZ_CHECK(cfg.n_nations >= 2 && cfg.n_nations <= TL_NET_NATIONS_MAX, "n_nations %d", cfg.n_nations);
    for (int i = 0; i < cfg.n_nations; i++) {
        FZ_CHECK(fz_terminated(cfg.nations[i], TL_NATION_LEN) && cfg.nations[i][0], "nation %d", i);
        FZ_CHECK(tl_netconfig_nation(&cfg, cfg.nations[i]) == i, "nation %s listed twice", cfg.nations[i]);
    }
    FZ_CHECK(cfg.n_links >= 0 && cfg.n_links <= TL_NET_LINKS_MAX, "n_links %d", cfg.n_links);
    for (int i = 0; i < cfg.n_links; i++)
        for (int k = 0; k < 2; k++)
            FZ_CHECK(tl_netconfig_nation(&cfg, cfg.links[i].ends[k].nation) >= 0, "link %d end %d", i, k);
    FZ_CHECK(isfinite(cfg.window_past_s) && cfg.window_past_s > 0 && isfinite(cfg.window_future_s) &&
                 cfg.window_future_s >= 0 && isfinite(cfg.heartbeat_period_s) && cfg.heartbeat_period_s > 0,
             "windows %g %g hb %g", cfg.window_past_s, cfg.window_future_s, cfg.heartbeat_period_s);
    FZ_CHECK(cfg.max_seq_jump >= 1, "max_seq_jump %llu", (unsigned long long)cfg.max_seq_jump);
    FZ_CHECK(cfg.n_rules >= 0 && cfg.n_rules <= TL_NET_RULES_MAX, "n_rules %d", cfg.n_rules);
    /* Policy answers for every origin/destination/kind: masks only name known nations. */
    uint32_t all = cfg.n_nations >= 32 ? ~0u : (1u << cfg.n_nations) - 1;
    tl_product p;
    memset(&p, 0, sizeof p);
    for (int o = 0; o < cfg.n_nations; o++)
        for (int k = 1; k < TL_PROD_KIND_COUNT; k++) {
            const char *marking = NULL;
            uint32_t d = tl_netconfig_dests(&cfg, cfg.nations[o], (tl_product_kind)k, &marking);
            FZ_CHECK((d & ~all) == 0, "dests %#x", d);
            FZ_CHECK(!marking || fz_terminated(marking, TL_MARKING_LEN), "marking");
            p.kind = (tl_product_kind)k;
            snprintf(p.hdr.origin, sizeof p.hdr.origin, "%s", cfg.nations[o]);
            p.hdr.path_len = 1;
            snprintf(p.hdr.path[0], TL_NATION_LEN, "%s", cfg.nations[o]);
            p.hdr.releasable_mask = d;
            for (int n = 0; n < cfg.n_nations; n++) {
                (void)tl_netconfig_reductions(&cfg, cfg.nations[o], (tl_product_kind)k, cfg.nations[n]);
                int may = tl_netconfig_may_send(&cfg, cfg.nations[o], &p, cfg.nations[n]);
                FZ_CHECK(n != o || !may, "may send %s's product back to itself", cfg.nations[o]);
            }
        }
    return 0;
}
