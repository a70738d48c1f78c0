/* node_cop.c — the node's web COP (node_cop.h). */
#ifdef TL_HAVE_COP
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_cop.h"
#include "trilink/cop.h"

struct tl_nodecop {
    tl_cop *cop;
    tl_cop_picture pic;
};

int tl_nodecop_start(int port, tl_nodecop **out, tl_err *err)
{
    tl_nodecop *c = calloc(1, sizeof *c);
    if (!c)
        return tl_err_set(err, TL_ENOMEM, "cop: out of memory");
    tl_cop_picture_init(&c->pic);
    tl_cop_config cfg = {NULL, port, NULL, 2};
    int rc = tl_cop_create(&cfg, &c->cop, err);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return TL_OK;
}

int tl_nodecop_port(const tl_nodecop *c) { return tl_cop_port(c->cop); }

void tl_nodecop_set_link(tl_nodecop *c, int i, const char *self, const char *peer, int up, double latency_s,
                         uint64_t in, uint64_t out, uint64_t gaps, uint64_t dups, uint64_t rejects)
{
    if (i < 0 || i >= TL_COP_MAX_LINKS)
        return;
    tl_cop_link *l = &c->pic.links[i];
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s-%s", self, peer);
    snprintf(l->peer, sizeof l->peer, "%s", peer);
    l->up = up;
    l->latency_s = latency_s;
    l->msgs_in = in;
    l->msgs_out = out;
    l->gaps = gaps;
    l->dups = dups;
    l->rejects = rejects;
}

int tl_nodecop_update(tl_nodecop *c, const tl_pipeline *p, int n_links, int64_t node_now_ns, double clock_rate,
                      tl_err *err)
{
    tl_pipeline_picture(p, &c->pic);
    c->pic.node_t_ns = node_now_ns;
    c->pic.clock_rate = clock_rate > 0 && isfinite(clock_rate) ? clock_rate : 1.0;
    c->pic.n_links = n_links < TL_COP_MAX_LINKS ? n_links : TL_COP_MAX_LINKS;
    return tl_cop_update(c->cop, &c->pic, err);
}

void tl_nodecop_stop(tl_nodecop *c)
{
    if (!c)
        return;
    tl_cop_destroy(c->cop);
    free(c);
}
#else
#include "node_cop.h"
int tl_nodecop_start(int port, tl_nodecop **out, tl_err *err)
{
    (void)port;
    (void)out;
    return tl_err_set(err, TL_EINVAL, "cop: built without the web COP");
}
int tl_nodecop_port(const tl_nodecop *c) { (void)c; return 0; }
void tl_nodecop_set_link(tl_nodecop *c, int i, const char *self, const char *peer, int up, double latency_s,
                         uint64_t in, uint64_t out, uint64_t gaps, uint64_t dups, uint64_t rejects)
{
    (void)c, (void)i, (void)self, (void)peer, (void)up, (void)latency_s, (void)in, (void)out, (void)gaps;
    (void)dups, (void)rejects;
}
int tl_nodecop_update(tl_nodecop *c, const tl_pipeline *p, int n_links, int64_t node_now_ns, double clock_rate,
                      tl_err *err)
{
    (void)c, (void)p, (void)n_links, (void)node_now_ns, (void)clock_rate, (void)err;
    return TL_OK;
}
void tl_nodecop_stop(tl_nodecop *c) { (void)c; }
#endif
