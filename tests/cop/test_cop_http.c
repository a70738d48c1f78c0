/* test_cop_http.c — the COP server on 127.0.0.1 with an ephemeral port: documents and
 * static files served, unknown paths 404, path traversal refused, other methods 405, the
 * server still answers after malformed requests, and readers never see a torn document
 * while the node updates the picture from another thread. */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "tl_test.h"
#include "trilink/cop.h"

typedef struct fixture {
    char root[64];
    tl_cop *cop;
    int port;
} fixture;

typedef struct reply {
    int status;
    char head[2048];
    char *body;
    size_t body_len;
} reply;

static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        fail_msg("connect 127.0.0.1:%d: %s", port, strerror(errno));
    return fd;
}

/* Send raw bytes, read until the server closes (bounded by size and the 5 s timeout). */
static size_t exchange(int port, const char *req, size_t req_len, char **out)
{
    int fd = connect_port(port);
    size_t sent = 0;
    while (sent < req_len) {
        ssize_t n = send(fd, req + sent, req_len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    shutdown(fd, SHUT_WR); /* nothing more is coming: truncated requests end here */
    size_t cap = 1 << 20, used = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    for (int i = 0; i < 100000 && used < cap; i++) {
        ssize_t n = recv(fd, buf + used, cap - used, 0);
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    close(fd);
    *out = buf;
    return used;
}

static void request(int port, const char *method, const char *path, reply *r)
{
    char req[512];
    int n =
        snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                 method, path);
    char *raw;
    size_t len = exchange(port, req, (size_t)n, &raw);
    memset(r, 0, sizeof *r);
    r->status = -1;
    sscanf(raw, "HTTP/1.%*d %d", &r->status);
    char *sep = strstr(raw, "\r\n\r\n");
    size_t hlen = sep ? (size_t)(sep - raw) : len;
    snprintf(r->head, sizeof r->head, "%.*s",
             (int)(hlen < sizeof r->head ? hlen : sizeof r->head - 1), raw);
    r->body_len = sep ? len - hlen - 4 : 0;
    r->body = malloc(r->body_len + 1);
    memcpy(r->body, sep ? sep + 4 : "", r->body_len);
    r->body[r->body_len] = '\0';
    free(raw);
}

static long content_length(const reply *r)
{
    const char *h = strcasestr(r->head, "Content-Length:");
    return h ? atol(h + 15) : -1;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->root, sizeof f->root, "/tmp/tl_cop_webXXXXXX");
    assert_non_null(mkdtemp(f->root));
    char path[128];
    snprintf(path, sizeof path, "%s/index.html", f->root);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("<!doctype html><title>cop</title>hello-cop\n", fp);
    fclose(fp);
    tl_cop_config cfg = {.bind_addr = NULL, .port = 0, .web_root = f->root, .threads = 2};
    tl_err err;
    int rc = tl_cop_create(&cfg, &f->cop, &err);
    if (rc)
        fail_msg("tl_cop_create: %s", err.msg);
    f->port = tl_cop_port(f->cop);
    assert_true(f->port > 0 && f->port < 65536);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tl_cop_destroy(f->cop);
    char path[128];
    snprintf(path, sizeof path, "%s/index.html", f->root);
    unlink(path);
    rmdir(f->root);
    free(f);
    return 0;
}

static void test_documents(void **state)
{
    fixture *f = *state;
    reply r;
    /* before any update: an empty picture */
    request(f->port, "GET", "/api/picture", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"tracks\":[]"));
    free(r.body);

    tl_cop_picture *p = malloc(sizeof *p);
    tl_cop_demo_picture(800.0, p);
    tl_err err;
    assert_int_equal(tl_cop_update(f->cop, p, &err), TL_OK);

    size_t want_len = 0;
    tl_cop_picture_to_json(p, NULL, 0, &want_len, NULL);
    char *want = malloc(want_len + 1);
    assert_int_equal(tl_cop_picture_to_json(p, want, want_len + 1, &want_len, NULL), TL_OK);
    request(f->port, "GET", "/api/picture", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strcasestr(r.head, "Content-Type: application/json"));
    assert_int_equal(content_length(&r), (long)r.body_len);
    assert_int_equal(r.body_len, want_len);
    assert_string_equal(r.body, want); /* exactly what the renderer makes */
    free(r.body);
    free(want);

    request(f->port, "GET", "/api/picture.geojson", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strcasestr(r.head, "Content-Type: application/geo+json"));
    assert_memory_equal(r.body, "{\"type\":\"FeatureCollection\"", 27);
    free(r.body);

    request(f->port, "GET", "/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strcasestr(r.head, "Content-Type: text/plain; version=0.0.4"));
    assert_non_null(strstr(r.body, "tl_cop_system_tracks{nation=\"JP\"} 3\n"));
    assert_non_null(strstr(r.body, "tl_cop_updates_total 1\n"));
    assert_int_equal(content_length(&r), (long)r.body_len);
    if (tl_test_have("promtool")) {
        char out[2048];
        int st = tl_test_run("promtool check metrics 2>&1", r.body, out, sizeof out);
        if (st != 0)
            fail_msg("promtool on /metrics: %s", out);
    } else {
        printf("SKIP: promtool not installed (Debian package prometheus)\n");
    }
    free(r.body);

    request(f->port, "HEAD", "/api/picture", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    free(r.body);
    free(p);
}

static void test_static_and_errors(void **state)
{
    fixture *f = *state;
    reply r;
    request(f->port, "GET", "/", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "hello-cop"));
    free(r.body);

    const char *missing[] = {"/nope", "/api/picture/x", "/api/pictures", "/metrics2",
                             "/index.html.bak"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        request(f->port, "GET", missing[i], &r);
        if (r.status != 404)
            fail_msg("GET %s: status %d, want 404", missing[i], r.status);
        free(r.body);
    }
    const char *escape[] = {"/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                            "/..%2f..%2fetc/passwd"};
    for (size_t i = 0; i < sizeof escape / sizeof escape[0]; i++) {
        request(f->port, "GET", escape[i], &r);
        assert_null(strstr(r.body, "root:"));
        assert_int_not_equal(r.status, 200);
        free(r.body);
    }
    request(f->port, "POST", "/api/picture", &r);
    assert_int_equal(r.status, 405);
    free(r.body);
}

static void test_survives_malformed(void **state)
{
    fixture *f = *state;
    static const char *const junk[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /api/picture HTTP/9.9\r\n\r\n",
        "GET /api/picture HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        "GET /api/picture HTTP/1.1\r\nHost: \x01\x02\xff\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS ClientHello start */
        "",                                             /* connect and close */
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        char *out;
        exchange(f->port, junk[i], strlen(junk[i]), &out);
        free(out);
    }
    /* an oversized request line */
    size_t big = 64 * 1024;
    char *huge = malloc(big + 32);
    memcpy(huge, "GET /", 5);
    memset(huge + 5, 'a', big);
    memcpy(huge + 5 + big, " HTTP/1.1\r\n\r\n", 14);
    char *out;
    exchange(f->port, huge, big + 19, &out);
    free(out);
    free(huge);

    reply r;
    request(f->port, "GET", "/api/picture", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"schema\":\"trilink.cop/1\""));
    free(r.body);
}

typedef struct updater_arg {
    tl_cop *cop;
    int n;
    int failures;
} updater_arg;

static void *updater(void *arg)
{
    updater_arg *u = arg;
    tl_cop_picture *p = malloc(sizeof *p);
    for (int i = 0; i < u->n; i++) {
        tl_cop_demo_picture(100.0 * i, p); /* documents of very different sizes */
        if (tl_cop_update(u->cop, p, NULL) != TL_OK)
            u->failures++;
    }
    free(p);
    return NULL;
}

static void test_concurrent_updates(void **state)
{
    fixture *f = *state;
    updater_arg u = {f->cop, 60, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, updater, &u), 0);
    for (int i = 0; i < 60; i++) {
        reply r;
        request(f->port, "GET", i % 2 ? "/api/picture" : "/api/picture.geojson", &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(content_length(&r), (long)r.body_len);
        /* whole documents only */
        assert_true(r.body_len > 3 && !strcmp(r.body + r.body_len - 3, "]}\n"));
        free(r.body);
    }
    pthread_join(th, NULL);
    assert_int_equal(u.failures, 0);
}

static void test_create_errors(void **state)
{
    fixture *f = *state;
    tl_cop *other = NULL;
    tl_err err;
    tl_cop_config cfg = {.bind_addr = "300.1.2.3", .web_root = f->root};
    assert_int_equal(tl_cop_create(&cfg, &other, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "300.1.2.3"));
    cfg = (tl_cop_config){.port = 70000, .web_root = f->root};
    assert_int_equal(tl_cop_create(&cfg, &other, &err), TL_EINVAL);
    assert_non_null(strstr(err.msg, "70000"));
    cfg = (tl_cop_config){.port = 0, .web_root = "/nonexistent/cop-root"};
    assert_int_equal(tl_cop_create(&cfg, &other, &err), TL_ENOTFOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/cop-root"));
    cfg = (tl_cop_config){.port = f->port, .web_root = f->root}; /* taken by the fixture */
    assert_int_equal(tl_cop_create(&cfg, &other, &err), TL_ENET);
    assert_non_null(strstr(err.msg, "cannot listen"));
    assert_null(other);
    tl_cop_destroy(NULL);

    /* a bad picture leaves the served one unchanged */
    tl_cop_picture *p = malloc(sizeof *p);
    tl_cop_demo_picture(800.0, p);
    assert_int_equal(tl_cop_update(f->cop, p, &err), TL_OK);
    p->n_links = -1;
    assert_int_equal(tl_cop_update(f->cop, p, &err), TL_ERANGE);
    reply r;
    request(f->port, "GET", "/api/picture", &r);
    assert_non_null(strstr(r.body, "\"JP-0001\""));
    free(r.body);
    free(p);
}

/* The zone limits: served once, byte-equal to tl_cop_zones_geojson on the default data
 * (the server loads it itself: cfg.zones is NULL here); HEAD; other methods refused. */
static void test_zones(void **state)
{
    fixture *f = *state;
    reply r;
    request(f->port, "GET", "/api/zones.geojson", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strcasestr(r.head, "Content-Type: application/geo+json"));
    assert_int_equal(content_length(&r), (long)r.body_len);
    tl_zones *z;
    tl_err err;
    assert_int_equal(tl_zones_load_default(&z, &err), TL_OK);
    char *doc;
    size_t len;
    assert_int_equal(tl_cop_zones_geojson(z, NULL, &doc, &len, &err), TL_OK);
    assert_int_equal(r.body_len, len);
    assert_memory_equal(r.body, doc, len);
    assert_non_null(strstr(doc, "\"kind\":\"jp_eez\""));
    free(r.body);
    request(f->port, "HEAD", "/api/zones.geojson", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(content_length(&r), (long)len);
    assert_int_equal(r.body_len, 0);
    free(r.body);
    request(f->port, "POST", "/api/zones.geojson", &r);
    assert_int_equal(r.status, 405);
    free(r.body);
    free(doc);
    tl_zones_destroy(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* in this order: test_documents expects the server fresh */
        cmocka_unit_test(test_documents),          cmocka_unit_test(test_static_and_errors),
        cmocka_unit_test(test_survives_malformed), cmocka_unit_test(test_concurrent_updates),
        cmocka_unit_test(test_create_errors),      cmocka_unit_test(test_zones),
    };
    /* one server for the group: civetweb's mg_stop takes ~2 s after serving a request */
    return cmocka_run_group_tests(tests, setup, teardown);
}
