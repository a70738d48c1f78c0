/* fuzz_journal.c — libFuzzer harness for the journal's product bodies
 * (src/journal/journal.c, tl_journal_body_decode): a journal on disk is outside
 * input (copied between hosts, damaged, edited), and a restarted node hands every
 * body it scans to the link (gap-fill answers, chain recovery). Any bytes as one
 * products.body blob; when it decodes, the product goes where node.c sends it:
 * tl_netconfig_may_send for each link peer, then tl__to_wire. The product lives in
 * a heap block of exactly its size so ASan sees any read past it.
 * Promises checked: no crash or sanitizer report; a refusal has a message; a decoded
 * product has a known kind, path_len 0..TL_PATH_MAX and NUL-terminated origin and
 * path entries (what the link's code relies on). */
#include "fuzz_util.h"

#include "link_int.h"
#include "trilink/journal.h"
#include "trilink/netconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static tl_netconfig cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    tl_err err;
    if (tl_netconfig_load(TL_SOURCE_DIR "/config/network.yaml", &cfg, &err)) {
        fprintf(stderr, "fuzz_journal: %s\n", err.msg);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tl_product *p = malloc(sizeof *p);
    if (!p)
        return 0;
    tl_err err;
    tl_err_clear(&err);
    if (tl_journal_body_decode(data, size, p, &err) != TL_OK) {
        FZ_CHECK(err.msg[0], "refused without a message");
        free(p);
        return 0;
    }
    FZ_CHECK(p->kind >= TL_PROD_TRACK && p->kind < TL_PROD_KIND_COUNT, "kind %d", (int)p->kind);
    FZ_CHECK(p->hdr.path_len >= 0 && p->hdr.path_len <= TL_PATH_MAX, "path_len %d", p->hdr.path_len);
    FZ_CHECK(fz_terminated(p->hdr.origin, TL_NATION_LEN), "origin not terminated");
    for (int i = 0; i < p->hdr.path_len && i < TL_PATH_MAX; i++)
        FZ_CHECK(fz_terminated(p->hdr.path[i], TL_NATION_LEN), "path[%d] not terminated", i);
    /* What a restarted node does with it (node.c chain_visit / reply_visit, send_on). */
    for (int s = 0; s < cfg.n_nations; s++)
        for (int n = 0; n < cfg.n_nations; n++)
            (void)tl_netconfig_may_send(&cfg, cfg.nations[s], p, cfg.nations[n]);
    static tl__wire w;
    tl__to_wire(p, &w);
    free(p);
    return 0;
}
