/* bench_cop.c — cost of the COP at full capacity (64 system tracks with 240-point flight
 * paths, predicted paths, launch and impact ellipses; 32 alerts; 8 links; 64 partner
 * products with their ellipses), and of tracing the zone limits once: tl_cop_update
 * (what the node pays), each document's rendering (paid by the first request after an
 * update), and the documents' sizes. Built into build/bench/
 * so `make bench` collects it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trilink/cop.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The demo's ICBM (full history) copied into every slot, alerts and links filled. */
static void full_picture(tl_cop_picture *p)
{
    tl_cop_demo_picture(2000.0, p);
    for (int i = 1; i < TL_COP_MAX_TRACKS; i++) {
        p->tracks[i] = p->tracks[0];
        snprintf(p->tracks[i].id, sizeof p->tracks[i].id, "JP-%04d", i + 1);
    }
    p->n_tracks = TL_COP_MAX_TRACKS;
    for (int i = p->n_alerts; i < TL_COP_MAX_ALERTS; i++)
        p->alerts[i] = p->alerts[i % 4];
    p->n_alerts = TL_COP_MAX_ALERTS;
    for (int i = p->n_links; i < TL_COP_MAX_LINKS; i++)
        p->links[i] = p->links[0];
    p->n_links = TL_COP_MAX_LINKS;
    int n0 = p->n_partners; /* the demo's own partner products, repeated */
    for (int i = n0; i < TL_COP_MAX_PARTNER && n0 > 0; i++) {
        p->partners[i] = p->partners[i % n0];
        snprintf(p->partners[i].track_id, sizeof p->partners[i].track_id, "KR-S%d", i + 1);
    }
    p->n_partners = n0 > 0 ? TL_COP_MAX_PARTNER : 0;
}

int main(void)
{
    tl_cop_picture *p = malloc(sizeof *p);
    size_t cap = 8u << 20;
    char *buf = malloc(cap);
    if (!p || !buf)
        return 1;
    full_picture(p);
    static const struct {
        const char *name;
        int (*fn)(const tl_cop_picture *, char *, size_t, size_t *, tl_err *);
    } docs[] = {
        {"cop_json", tl_cop_picture_to_json},
        {"cop_geojson", tl_cop_picture_to_geojson},
        {"cop_metrics", tl_cop_picture_to_metrics},
    };
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        size_t len = 0;
        int iters = 20;
        double t0 = now_s();
        for (int k = 0; k < iters; k++)
            if (docs[d].fn(p, buf, cap, &len, NULL) != TL_OK)
                return 1;
        double dt = (now_s() - t0) / iters;
        printf("{\"name\": \"%s_render_full_picture\", \"unit\": \"ms\", \"value\": %.3f}\n",
               docs[d].name, dt * 1e3);
        printf("{\"name\": \"%s_size_full_picture\", \"unit\": \"bytes\", \"value\": %zu}\n",
               docs[d].name, len);
    }
    /* what the node pays per update: check + copy + swap */
    tl_cop_config cfg = {.port = 0, .web_root = "."};
    tl_cop *cop = NULL;
    tl_err err;
    if (tl_cop_create(&cfg, &cop, &err) != TL_OK) {
        fprintf(stderr, "bench_cop: %s\n", err.msg);
        return 1;
    }
    int iters = 200;
    double t0 = now_s();
    for (int k = 0; k < iters; k++)
        if (tl_cop_update(cop, p, &err) != TL_OK)
            return 1;
    printf("{\"name\": \"cop_update_full_picture\", \"unit\": \"ms\", \"value\": %.4f}\n",
           (now_s() - t0) / iters * 1e3);
    tl_cop_destroy(cop);
    /* the zone limits, rendered once per server on the first request */
    tl_zones *z = NULL;
    if (tl_zones_load_default(&z, &err) == TL_OK) {
        char *doc = NULL;
        size_t len = 0;
        t0 = now_s();
        if (tl_cop_zones_geojson(z, NULL, &doc, &len, &err) != TL_OK)
            return 1;
        printf("{\"name\": \"cop_zone_limits_render\", \"unit\": \"ms\", \"value\": %.1f}\n",
               (now_s() - t0) * 1e3);
        printf("{\"name\": \"cop_zone_limits_size\", \"unit\": \"bytes\", \"value\": %zu}\n", len);
        free(doc);
        tl_zones_destroy(z);
    }
    free(buf);
    free(p);
    return 0;
}
