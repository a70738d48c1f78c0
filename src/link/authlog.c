/* authlog.c — failed DDS Security handshakes, counted per link domain.
 *
 * Cyclone DDS 0.10 reports a remote participant that fails authentication (a
 * certificate from another CA, expired, not yet valid, a bad handshake token) only
 * as a warning in its log ("fsm: Begin handshake reply failed: Certificate not
 * valid: ...; subject: /C=KR/...", about twice a second per attempt, once per
 * discovery announcement); there is no status or listener for it. This file owns
 * the process's Cyclone log and trace sink: it writes every line to stderr exactly
 * as Cyclone's default sink does (the domains' configuration sends their log to
 * stderr), and counts the handshake failures of each watched domain (read from
 * the line's header: 0.10.2 does not fill in the domain id field), keeping the
 * last one's text (why, and the subject refused), for the link health.
 *
 * Locking: one mutex, taken only here. The sink runs on whatever Cyclone thread
 * logs, possibly one that holds a node's mutex, and never calls back into DDS or a
 * node. */
#define _GNU_SOURCE /* memmem */
#include <assert.h>
#include <dds/dds.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "link_int.h"

#define WATCH_MAX 32

typedef struct watch {
    uint32_t domain_id;
    int refs; /* nodes of this process with a link on the domain */
    uint64_t failures;
    char last[TL_AUTH_TEXT_LEN];
} watch;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static watch watches[WATCH_MAX];
static int n_watches;

/* The message text worth keeping: the whole line (why, and the subject refused),
 * without the trailing newline. */
static void keep_text(char *dst, const char *msg, size_t n)
{
    size_t len = n;
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        len--;
    if (len >= TL_AUTH_TEXT_LEN) { /* cut, and not inside a UTF-8 sequence */
        len = TL_AUTH_TEXT_LEN - 1;
        while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, msg, len);
    dst[len] = '\0';
}

/* The texts of Cyclone 0.10's handshake state machine (ddsi_handshake.c) for a
 * remote participant that fails authentication; not "Send handshake: failed to
 * send message", which is a transport error. */
int tl__authlog_is_failure(const char *msg, size_t n)
{
    static const char *const needles[] = {"handshake reply failed",   "handshake request failed",
                                          "Process handshake failed", "emote identity failed",
                                          "handshake message token",  "message_class_id",
                                          "from validate_remote_identity", "shared secret failed"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        if (memmem(msg, n, needles[i], strlen(needles[i])))
            return 1;
    return 0;
}

/* The domain id from the line's header ("1795644361.317111 [82]   fsm: "):
 * Cyclone 0.10.2 prints it there but leaves dds_log_data_t.domid unset. */
static int header_domain(const char *hdr, size_t n, uint32_t *domid)
{
    size_t i = 0;
    while (i < n && hdr[i] != '[')
        i++;
    uint64_t v = 0;
    size_t digits = 0;
    for (i++; i < n && hdr[i] >= '0' && hdr[i] <= '9' && digits < 10; i++, digits++)
        v = v * 10 + (uint64_t)(hdr[i] - '0');
    if (digits == 0 || i >= n || hdr[i] != ']' || v > UINT32_MAX)
        return -1;
    *domid = (uint32_t)v;
    return 0;
}

static void sink(void *arg, const dds_log_data_t *d)
{
    (void)arg;
    /* what Cyclone's default sink writes: header, message, its newline */
    if (fwrite(d->message - d->hdrsize, 1, d->hdrsize + d->size + 1, stderr) > 0)
        fflush(stderr);
    if (!(d->priority & (DDS_LC_WARNING | DDS_LC_ERROR)) || !tl__authlog_is_failure(d->message, d->size))
        return;
    uint32_t domid;
    if (header_domain(d->message - d->hdrsize, d->hdrsize, &domid))
        return;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < n_watches; i++)
        if (watches[i].domain_id == domid) {
            watches[i].failures++;
            keep_text(watches[i].last, d->message, d->size);
        }
    pthread_mutex_unlock(&mu);
}

static void install(void)
{
    dds_set_log_sink(sink, NULL);
    dds_set_trace_sink(sink, NULL); /* the same function and argument: each line is written once */
}

int tl__authlog_watch(uint32_t domain_id)
{
    pthread_once(&once, install);
    int rc = 0;
    pthread_mutex_lock(&mu);
    int i = 0;
    while (i < n_watches && watches[i].domain_id != domain_id)
        i++;
    if (i < n_watches)
        watches[i].refs++;
    else if (n_watches < WATCH_MAX)
        watches[n_watches++] = (watch){domain_id, 1, 0, ""};
    else
        rc = TL_ENOMEM;
    pthread_mutex_unlock(&mu);
    return rc;
}

void tl__authlog_unwatch(uint32_t domain_id)
{
    pthread_mutex_lock(&mu);
    for (int i = 0; i < n_watches; i++)
        if (watches[i].domain_id == domain_id && --watches[i].refs == 0) {
            watches[i] = watches[--n_watches];
            break;
        }
    pthread_mutex_unlock(&mu);
}

void tl__authlog_get(uint32_t domain_id, uint64_t *failures, char *last, size_t cap)
{
    assert(cap > 0);
    *failures = 0;
    last[0] = '\0';
    pthread_mutex_lock(&mu);
    for (int i = 0; i < n_watches; i++)
        if (watches[i].domain_id == domain_id) {
            *failures = watches[i].failures;
            snprintf(last, cap, "%s", watches[i].last);
        }
    pthread_mutex_unlock(&mu);
}
