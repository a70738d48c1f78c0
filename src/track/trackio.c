/* trackio.c — tracks.csv: the tracker's output rows (format in docs/tracker.md).
 * Writers print doubles with 17 significant digits (exact round trip); the reader
 * is strict and names the file, line, column and value at fault. */
#include "trilink/track.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCOL 38

static const char *const COLS[NCOL] = {
    "t_ns", "nation", "track_id", "status", "phase", "quality", "x_m", "y_m", "z_m",
    "vx_mps", "vy_mps", "vz_mps", "p00", "p01", "p02", "p03", "p04", "p05", "p11", "p12",
    "p13", "p14", "p15", "p22", "p23", "p24", "p25", "p33", "p34", "p35", "p44", "p45",
    "p55", "mu_manoeuvre", "n_updates", "t_first_ns", "t_confirmed_ns", "ir_cued"};

const char *tl_trackio_header(void)
{
    return "t_ns,nation,track_id,status,phase,quality,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps,"
           "p00,p01,p02,p03,p04,p05,p11,p12,p13,p14,p15,p22,p23,p24,p25,p33,p34,p35,p44,p45,"
           "p55,mu_manoeuvre,n_updates,t_first_ns,t_confirmed_ns,ir_cued,sensors";
}

int tl_trackio_format(const tl_track_report *r, const char *nation, char *buf, size_t cap)
{
    size_t n = 0;
    int w;
#define PUT(...)                                                                         \
    do {                                                                                 \
        w = snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__);                       \
        if (w < 0)                                                                       \
            return TL_ERANGE;                                                            \
        n += (size_t)w;                                                                  \
    } while (0)
    PUT("%lld,%s,%u,%s,%s,%d", (long long)r->est.t_ns, nation ? nation : "",
        (unsigned)r->id, tl_track_status_name(r->status), tl_phase_name(r->phase), r->quality);
    for (int i = 0; i < 6; i++)
        PUT(",%.17g", r->est.x[i]);
    for (int i = 0; i < 6; i++)
        for (int j = i; j < 6; j++)
            PUT(",%.17g", r->est.P[i][j]);
    PUT(",%.17g,%d,%lld,%lld,%d,", r->mu_manoeuvre, r->n_updates, (long long)r->t_first_ns,
        (long long)r->t_confirmed_ns, r->ir_cued);
    int ns = r->n_sensors < TL_TRACK_MAX_SENSORS ? r->n_sensors : TL_TRACK_MAX_SENSORS;
    for (int s = 0; s < ns; s++)
        PUT("%s%.*s", s ? ";" : "", TL_ID_LEN, r->sensors[s]);
    PUT("\n");
#undef PUT
    return n < cap ? (int)n : TL_ERANGE;
}

static int bad(tl_err *err, const char *src, long line, int col, const char *why, const char *v,
               size_t vlen)
{
    return tl_err_set(err, TL_EPARSE, "%s:%ld: column %s: %s ('%.*s')", src ? src : "tracks.csv",
                      line, col < NCOL ? COLS[col] : "sensors", why, (int)(vlen > 60 ? 60 : vlen),
                      v);
}

static int parse_ll(const char *v, size_t len, long long *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof tmp)
        return -1;
    memcpy(tmp, v, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(tmp, &end, 10);
    if (*end || errno)
        return -1;
    *out = x;
    return 0;
}

static int parse_d(const char *v, size_t len, double *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof tmp)
        return -1;
    memcpy(tmp, v, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    double x = strtod(tmp, &end);
    if (*end || errno == ERANGE || !isfinite(x))
        return -1;
    *out = x;
    return 0;
}

static int parse_enum(const char *v, size_t len, const char *(*name)(int), int lo, int hi)
{
    for (int i = lo; i <= hi; i++) {
        const char *s = name(i);
        if (strlen(s) == len && !strncmp(s, v, len))
            return i;
    }
    return -1;
}

static const char *status_name_i(int i) { return tl_track_status_name((tl_track_status)i); }
static const char *phase_name_i(int i) { return tl_phase_name((tl_phase)i); }

int tl_trackio_read_line(const char *line, const char *src, long lineno, tl_track_report *out,
                         char nation[TL_NATION_LEN], tl_err *err)
{
    const char *f[NCOL + 1];
    size_t len[NCOL + 1];
    size_t total = strcspn(line, "\r\n");
    size_t nf = 0, pos = 0;
    for (;;) {
        if (nf > NCOL)
            return tl_err_set(err, TL_EPARSE, "%s:%ld: too many columns (expected %d)",
                              src ? src : "tracks.csv", lineno, NCOL + 1);
        size_t l = 0;
        while (pos + l < total && line[pos + l] != ',')
            l++;
        f[nf] = line + pos;
        len[nf++] = l;
        pos += l;
        if (pos >= total)
            break;
        pos++; /* the comma */
    }
    if (nf != NCOL + 1)
        return tl_err_set(err, TL_EPARSE, "%s:%ld: %zu columns, expected %d",
                          src ? src : "tracks.csv", lineno, nf, NCOL + 1);
    tl_track_report r;
    memset(&r, 0, sizeof r);
    long long ll;
    if (parse_ll(f[0], len[0], &ll) || ll <= 0)
        return bad(err, src, lineno, 0, "not a positive integer", f[0], len[0]);
    r.est.t_ns = ll;
    if (len[1] >= TL_NATION_LEN)
        return bad(err, src, lineno, 1, "too long", f[1], len[1]);
    if (parse_ll(f[2], len[2], &ll) || ll < 0 || ll > UINT32_MAX)
        return bad(err, src, lineno, 2, "not a track id", f[2], len[2]);
    r.id = (uint32_t)ll;
    int e = parse_enum(f[3], len[3], status_name_i, 0, 2);
    if (e < 0)
        return bad(err, src, lineno, 3, "unknown status", f[3], len[3]);
    r.status = (tl_track_status)e;
    e = parse_enum(f[4], len[4], phase_name_i, 0, 5);
    if (e < 0)
        return bad(err, src, lineno, 4, "unknown phase", f[4], len[4]);
    r.phase = (tl_phase)e;
    if (parse_ll(f[5], len[5], &ll) || ll < 0 || ll > 15)
        return bad(err, src, lineno, 5, "not a quality 0..15", f[5], len[5]);
    r.quality = (int)ll;
    int c = 6;
    for (int i = 0; i < 6; i++, c++)
        if (parse_d(f[c], len[c], &r.est.x[i]))
            return bad(err, src, lineno, c, "not a finite number", f[c], len[c]);
    for (int i = 0; i < 6; i++)
        for (int j = i; j < 6; j++, c++) {
            if (parse_d(f[c], len[c], &r.est.P[i][j]))
                return bad(err, src, lineno, c, "not a finite number", f[c], len[c]);
            r.est.P[j][i] = r.est.P[i][j];
        }
    if (parse_d(f[c], len[c], &r.mu_manoeuvre) || r.mu_manoeuvre < 0 || r.mu_manoeuvre > 1)
        return bad(err, src, lineno, c, "not a probability", f[c], len[c]);
    c++;
    if (parse_ll(f[c], len[c], &ll) || ll < 0 || ll > INT32_MAX)
        return bad(err, src, lineno, c, "not a count", f[c], len[c]);
    r.n_updates = (int)ll;
    c++;
    if (parse_ll(f[c], len[c], &ll))
        return bad(err, src, lineno, c, "not an integer", f[c], len[c]);
    r.t_first_ns = ll;
    c++;
    if (parse_ll(f[c], len[c], &ll))
        return bad(err, src, lineno, c, "not an integer", f[c], len[c]);
    r.t_confirmed_ns = ll;
    c++;
    if (parse_ll(f[c], len[c], &ll) || (ll != 0 && ll != 1))
        return bad(err, src, lineno, c, "not 0 or 1", f[c], len[c]);
    r.ir_cued = (int)ll;
    c++;
    /* sensors: ';'-separated names */
    const char *p = f[c], *end = f[c] + len[c];
    while (p < end) {
        size_t l = 0;
        while (p + l < end && p[l] != ';')
            l++;
        if (l == 0 || l >= TL_ID_LEN)
            return bad(err, src, lineno, c, "bad sensor name", f[c], len[c]);
        if (r.n_sensors < TL_TRACK_MAX_SENSORS) {
            memcpy(r.sensors[r.n_sensors], p, l);
            r.sensors[r.n_sensors][l] = '\0';
        }
        r.n_sensors++;
        p += l + (p + l < end);
    }
    if (nation) {
        memcpy(nation, f[1], len[1]);
        nation[len[1]] = '\0';
    }
    *out = r;
    return TL_OK;
}
