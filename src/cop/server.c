/* server.c — the COP's HTTP server (civetweb): serves the picture handed over at the last
 * tl_cop_update and the page's static files. Each update copies the picture into a new
 * reference-counted snapshot and swaps a pointer under the mutex (a memcpy for the node,
 * no rendering on its thread); a document is rendered by the first request that wants it
 * and kept in the snapshot for the next ones. A slow client never holds up the node and
 * never sees a torn picture: it keeps its snapshot until it is done. */
#include "cop_int.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { DOC_JSON, DOC_GEOJSON, DOC_METRICS, DOC_COUNT };

static const char *const doc_mime[DOC_COUNT] = {
    "application/json; charset=utf-8",
    "application/geo+json; charset=utf-8",
    "text/plain; version=0.0.4; charset=utf-8",
};

typedef struct snapshot {
    int refs;           /* guarded by tl_cop.mu */
    pthread_mutex_t mu; /* guards doc/len: rendered once, on first request */
    char *doc[DOC_COUNT];
    size_t len[DOC_COUNT];
    tl_cop_picture pic; /* checked copy; immutable once published */
} snapshot;

struct tl_cop {
    struct mg_context *ctx;
    pthread_mutex_t mu;
    snapshot *cur;          /* guarded by mu */
    uint64_t updates;       /* guarded by mu */
    uint64_t requests;      /* guarded by mu */
    size_t hint[DOC_COUNT]; /* guarded by mu: last document sizes, to size buffers */
    int port;
    const tl_zones *zones; /* cfg->zones, or NULL: load the default data once */
    pthread_mutex_t zmu;   /* guards the zone outline, rendered on first request */
    char *zones_doc;
    size_t zones_len;
    int zones_rc;          /* TL_OK until a rendering failed (then 503, no retry) */
};

typedef int (*render_fn)(const tl_cop_picture *, char *, size_t, size_t *, tl_err *);
static const render_fn renderers[DOC_COUNT] = {
    tl_cop_picture_to_json,
    tl_cop_picture_to_geojson,
    tl_cop_picture_to_metrics,
};

static void snapshot_free(snapshot *s)
{
    if (!s)
        return;
    for (int d = 0; d < DOC_COUNT; d++)
        free(s->doc[d]);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Render one document into a heap buffer of cap bytes, growing it once if short. */
static int render_doc(render_fn fn, const tl_cop_picture *p, size_t cap, char **out, size_t *len)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        char *buf = malloc(cap);
        if (!buf)
            return TL_ENOMEM;
        int rc = fn(p, buf, cap, len, NULL);
        if (rc == TL_OK) {
            *out = buf;
            return TL_OK;
        }
        free(buf);
        if (rc != TL_EFULL)
            return rc;
        cap = *len + 1;
    }
    return TL_EFULL;
}

/* A new snapshot holding a checked copy of p (refs 1, nothing rendered yet). */
static snapshot *snapshot_new(const tl_cop_picture *p, tl_err *err, int *rc)
{
    if ((*rc = tl_cop_picture_check(p, err)))
        return NULL;
    snapshot *s = calloc(1, sizeof *s);
    if (!s) {
        *rc = tl_err_set(err, TL_ENOMEM, "cop: snapshot of %zu bytes", sizeof *s);
        return NULL;
    }
    s->refs = 1;
    pthread_mutex_init(&s->mu, NULL);
    memcpy(&s->pic, p, sizeof *p);
    return s;
}

/* The document d of snapshot s, rendering it on first use. */
static int snapshot_doc(tl_cop *cop, snapshot *s, int d, const char **doc, size_t *len)
{
    int rc = TL_OK;
    pthread_mutex_lock(&s->mu);
    if (!s->doc[d]) {
        pthread_mutex_lock(&cop->mu);
        size_t cap = cop->hint[d] ? cop->hint[d] : 65536;
        pthread_mutex_unlock(&cop->mu);
        rc = render_doc(renderers[d], &s->pic, cap, &s->doc[d], &s->len[d]);
        if (rc == TL_OK) {
            pthread_mutex_lock(&cop->mu);
            cop->hint[d] = s->len[d] + s->len[d] / 4 + 1;
            pthread_mutex_unlock(&cop->mu);
        }
    }
    *doc = s->doc[d];
    *len = s->len[d];
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static void snapshot_unref(tl_cop *cop, snapshot *s)
{
    pthread_mutex_lock(&cop->mu);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&cop->mu);
    if (last)
        snapshot_free(s);
}

static void send_head(struct mg_connection *conn, int status, const char *reason, const char *mime,
                      size_t len)
{
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
              "Connection: close\r\n\r\n",
              status, reason, mime, len);
}

static int send_text(struct mg_connection *conn, int status, const char *reason, const char *body)
{
    send_head(conn, status, reason, "text/plain; charset=utf-8", strlen(body));
    mg_write(conn, body, strlen(body));
    return status;
}

/* Server counters, appended to /metrics at request time. */
static int server_metrics(char *buf, size_t cap, uint64_t updates, uint64_t requests)
{
    return snprintf(buf, cap,
                    "# HELP tl_cop_updates_total Pictures handed to the COP by the node.\n"
                    "# TYPE tl_cop_updates_total counter\ntl_cop_updates_total %llu\n"
                    "# HELP tl_cop_api_requests_total API requests served (all documents).\n"
                    "# TYPE tl_cop_api_requests_total counter\ntl_cop_api_requests_total %llu\n",
                    (unsigned long long)updates, (unsigned long long)requests);
}

static int handle_doc(struct mg_connection *conn, void *cbdata, int doc)
{
    tl_cop *cop = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    int head = !strcmp(ri->request_method, "HEAD");
    if (!head && strcmp(ri->request_method, "GET"))
        return send_text(conn, 405, "Method Not Allowed", "only GET and HEAD\n");

    pthread_mutex_lock(&cop->mu);
    snapshot *s = cop->cur;
    s->refs++;
    uint64_t updates = cop->updates, requests = ++cop->requests;
    pthread_mutex_unlock(&cop->mu);

    const char *body;
    size_t body_len;
    if (snapshot_doc(cop, s, doc, &body, &body_len) != TL_OK) {
        snapshot_unref(cop, s);
        return send_text(conn, 500, "Internal Server Error", "cannot render the picture\n");
    }
    char extra[512] = "";
    size_t extra_len = 0;
    if (doc == DOC_METRICS) {
        int n = server_metrics(extra, sizeof extra, updates, requests);
        extra_len = n > 0 && (size_t)n < sizeof extra ? (size_t)n : 0;
    }
    send_head(conn, 200, "OK", doc_mime[doc], body_len + extra_len);
    if (!head) {
        mg_write(conn, body, body_len);
        mg_write(conn, extra, extra_len);
    }
    snapshot_unref(cop, s);
    return 200;
}

static int h_json(struct mg_connection *c, void *d)
{
    return handle_doc(c, d, DOC_JSON);
}
static int h_geojson(struct mg_connection *c, void *d)
{
    return handle_doc(c, d, DOC_GEOJSON);
}
static int h_metrics(struct mg_connection *c, void *d)
{
    return handle_doc(c, d, DOC_METRICS);
}

/* The zone outline: independent of the picture, rendered once (~0.5 s) and kept. */
static int h_zones(struct mg_connection *conn, void *cbdata)
{
    tl_cop *cop = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    int head = !strcmp(ri->request_method, "HEAD");
    if (!head && strcmp(ri->request_method, "GET"))
        return send_text(conn, 405, "Method Not Allowed", "only GET and HEAD\n");
    pthread_mutex_lock(&cop->zmu);
    if (!cop->zones_doc && cop->zones_rc == TL_OK) {
        tl_err err;
        tl_zones *own = NULL;
        const tl_zones *z = cop->zones;
        if (!z && (cop->zones_rc = tl_zones_load_default(&own, &err)) == TL_OK)
            z = own;
        if (z)
            cop->zones_rc = tl_cop_zones_geojson(z, NULL, &cop->zones_doc, &cop->zones_len, &err);
        tl_zones_destroy(own);
    }
    const char *doc = cop->zones_doc;
    size_t len = cop->zones_len;
    pthread_mutex_unlock(&cop->zmu);
    if (!doc) /* immutable once set: safe to send after the unlock */
        return send_text(conn, 503, "Service Unavailable", "zone data not available\n");
    send_head(conn, 200, "OK", "application/geo+json; charset=utf-8", len);
    if (!head)
        mg_write(conn, doc, len);
    return 200;
}

/* civetweb logs to stderr by default; the node's log has its own shape, keep it quiet. */
static int quiet_log(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    (void)message;
    return 1;
}

static int check_config(const tl_cop_config *cfg, const char **addr, const char **root,
                        char *root_buf, size_t root_cap, int *threads, tl_err *err)
{
    struct in_addr a;
    *addr = cfg && cfg->bind_addr ? cfg->bind_addr : "127.0.0.1";
    if (inet_pton(AF_INET, *addr, &a) != 1)
        return tl_err_set(err, TL_EINVAL, "cop: bind address '%s' is not an IPv4 address", *addr);
    int port = cfg ? cfg->port : 0;
    if (port < 0 || port > 65535)
        return tl_err_set(err, TL_EINVAL, "cop: port %d outside [0, 65535]", port);
    *threads = cfg && cfg->threads ? cfg->threads : 4;
    if (*threads < 1 || *threads > 64)
        return tl_err_set(err, TL_EINVAL, "cop: threads %d outside [1, 64]", *threads);
    if (cfg && cfg->web_root) {
        *root = cfg->web_root;
    } else {
        snprintf(root_buf, root_cap, "%s/web/cop/dist", TL_SOURCE_DIR);
        *root = root_buf;
    }
    struct stat st;
    if (stat(*root, &st) != 0 || !S_ISDIR(st.st_mode))
        return tl_err_set(err, TL_ENOTFOUND,
                          "cop: web root '%s' is not a directory (build the page: "
                          "scripts/bootstrap, then cmake --build)",
                          *root);
    return TL_OK;
}

int tl_cop_create(const tl_cop_config *cfg, tl_cop **out, tl_err *err)
{
    const char *addr = NULL, *root = NULL;
    char root_buf[1024], ports[64], nthreads[16];
    int threads = 0, rc;
    if (!out)
        return tl_err_set(err, TL_EINVAL, "cop: out is NULL");
    if ((rc = check_config(cfg, &addr, &root, root_buf, sizeof root_buf, &threads, err)))
        return rc;
    snprintf(ports, sizeof ports, "%s:%d", addr, cfg ? cfg->port : 0);
    snprintf(nthreads, sizeof nthreads, "%d", threads);

    tl_cop *cop = calloc(1, sizeof *cop);
    if (!cop)
        return tl_err_set(err, TL_ENOMEM, "cop: server state");
    pthread_mutex_init(&cop->mu, NULL);
    pthread_mutex_init(&cop->zmu, NULL);
    cop->zones = cfg ? cfg->zones : NULL;
    cop->cur = calloc(1, sizeof *cop->cur);
    if (!cop->cur) {
        rc = tl_err_set(err, TL_ENOMEM, "cop: empty picture");
        goto fail;
    }
    cop->cur->refs = 1;
    pthread_mutex_init(&cop->cur->mu, NULL);
    tl_cop_picture_init(&cop->cur->pic);

    const char *options[] = {
        "listening_ports",
        ports,
        "document_root",
        root,
        "num_threads",
        nthreads,
        "enable_directory_listing",
        "no",
        "request_timeout_ms",
        "10000",
        "additional_header",
        "X-Content-Type-Options: nosniff\r\nCache-Control: no-cache",
        NULL,
    };
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.log_message = quiet_log;
    struct mg_init_data init = {
        .callbacks = &cb, .user_data = cop, .configuration_options = options};
    char etext[256] = "";
    struct mg_error_data edata = {.code = NULL, .text = etext, .text_buffer_size = sizeof etext};
    mg_init_library(0);
    cop->ctx = mg_start2(&init, &edata);
    if (!cop->ctx) {
        mg_exit_library();
        rc =
            tl_err_set(err, TL_ENET, "cop: cannot listen on %s: %s", ports, etext[0] ? etext : "?");
        goto fail;
    }
    struct mg_server_port sp[4];
    int n = mg_get_server_ports(cop->ctx, 4, sp);
    cop->port = n > 0 ? sp[0].port : 0;
    mg_set_request_handler(cop->ctx, "/api/picture$", h_json, cop);
    mg_set_request_handler(cop->ctx, "/api/picture.geojson$", h_geojson, cop);
    mg_set_request_handler(cop->ctx, "/metrics$", h_metrics, cop);
    mg_set_request_handler(cop->ctx, "/api/zones.geojson$", h_zones, cop);
    *out = cop;
    return TL_OK;
fail:
    snapshot_free(cop->cur);
    pthread_mutex_destroy(&cop->zmu);
    pthread_mutex_destroy(&cop->mu);
    free(cop);
    return rc;
}

int tl_cop_update(tl_cop *cop, const tl_cop_picture *p, tl_err *err)
{
    int rc;
    if (!cop)
        return tl_err_set(err, TL_EINVAL, "cop: NULL server");
    snapshot *s = snapshot_new(p, err, &rc);
    if (!s)
        return rc;
    pthread_mutex_lock(&cop->mu);
    snapshot *old = cop->cur;
    cop->cur = s;
    cop->updates++;
    pthread_mutex_unlock(&cop->mu);
    snapshot_unref(cop, old);
    return TL_OK;
}

int tl_cop_port(const tl_cop *cop)
{
    return cop ? cop->port : 0;
}

void tl_cop_destroy(tl_cop *cop)
{
    if (!cop)
        return;
    mg_stop(cop->ctx); /* joins the workers: no request holds a snapshot after this */
    mg_exit_library();
    snapshot_free(cop->cur);
    free(cop->zones_doc);
    pthread_mutex_destroy(&cop->zmu);
    pthread_mutex_destroy(&cop->mu);
    free(cop);
}
