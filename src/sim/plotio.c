/* plotio.c — CSV readers and writers for the drill generator's files: plots.csv
 * (the tracker's input), truth.csv, plots_truth.csv and objects.csv. The formats
 * are specified in docs/formats.md (RFC 4180 subset: no quoting, so identifiers
 * may not contain commas or quotes). Writers use fixed printf formats so equal
 * values give equal bytes; readers check every column and name the bad one.
 */
#include "trilink/sim.h"

#include "trilink/flight.h"
#include "trilink/geo.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TL_CSV_MAXF 24

/* phase names in truth.csv are flight.h's tl_phase_name() */
#define N_PHASES (TL_PHASE_IMPACTED + 1)

static const char *plot_cols[] = {"t_ns",         "plot_id",      "sensor_id", "nation", "kind",
                                  "site_lat_deg", "site_lon_deg", "site_h_m",  "nz",     "z0",
                                  "z1",           "z2",           "z3",        "sigma0", "sigma1",
                                  "sigma2",       "sigma3"};
#define PLOT_NCOLS ((int)(sizeof plot_cols / sizeof plot_cols[0]))

static const char *truth_cols[] = {"t_ns",   "object_id", "x_m",    "y_m",  "z_m",
                                   "vx_mps", "vy_mps",    "vz_mps", "phase"};
#define TRUTH_NCOLS ((int)(sizeof truth_cols / sizeof truth_cols[0]))

static const char *ptruth_cols[] = {"plot_id", "false_alarm", "object_id"};
#define PTRUTH_NCOLS 3

static const char *obj_cols[] = {"object_id",  "kind",          "class",         "parent",
                                 "start_t_ns", "start_lat_deg", "start_lon_deg", "start_h_m",
                                 "end_t_ns",   "end_lat_deg",   "end_lon_deg",   "apogee_m",
                                 "orbital"};
#define OBJ_NCOLS ((int)(sizeof obj_cols / sizeof obj_cols[0]))

const char *tl_plotio_header(void)
{
    return "t_ns,plot_id,sensor_id,nation,kind,site_lat_deg,site_lon_deg,site_h_m,nz,z0,z1,z2,"
           "z3,sigma0,sigma1,sigma2,sigma3";
}
const char *tl_truthio_header(void)
{
    return "t_ns,object_id,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps,phase";
}
const char *tl_plottruthio_header(void)
{
    return "plot_id,false_alarm,object_id";
}
const char *tl_objectio_header(void)
{
    return "object_id,kind,class,parent,start_t_ns,start_lat_deg,start_lon_deg,start_h_m,"
           "end_t_ns,end_lat_deg,end_lon_deg,apogee_m,orbital";
}

/* ---------------------------------------------------------------- helpers */

/* identifiers: printable ASCII without ',' '"' or spaces */
static int id_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == 0 || n == cap)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c >= 127 || c == ',' || c == '"')
            return 0;
    }
    return 1;
}

typedef struct csv_line {
    char buf[1024];
    char *f[TL_CSV_MAXF];
    int n;
} csv_line;

static int split(csv_line *c, const char *line, const char *src, long lineno, tl_err *err)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len >= sizeof c->buf)
        return tl_err_set(err, TL_EPARSE, "%s:%ld: line too long (%zu bytes)", src, lineno, len);
    memcpy(c->buf, line, len);
    c->buf[len] = '\0';
    c->n = 0;
    char *p = c->buf;
    for (;;) { /* one iteration per column; columns past TL_CSV_MAXF are only counted */
        if (c->n < TL_CSV_MAXF)
            c->f[c->n] = p;
        c->n++;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    (void)err;
    return TL_OK;
}

static int want_cols(const csv_line *c, int n, const char *src, long lineno, tl_err *err)
{
    if (c->n != n)
        return tl_err_set(err, TL_EPARSE, "%s:%ld: expected %d columns, found %d", src, lineno, n,
                          c->n);
    return TL_OK;
}

static int col_double(const char *s, const char *col, const char *src, long lineno, double *out,
                      tl_err *err)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (!s[0] || *end != '\0' || errno == ERANGE || !isfinite(v))
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column %s: not a finite number ('%s')", src,
                          lineno, col, s);
    *out = v;
    return TL_OK;
}

static int col_i64(const char *s, const char *col, const char *src, long lineno, int64_t *out,
                   tl_err *err)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!s[0] || *end != '\0' || errno == ERANGE)
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column %s: not an integer ('%s')", src, lineno,
                          col, s);
    *out = (int64_t)v;
    return TL_OK;
}

static int col_u64(const char *s, const char *col, const char *src, long lineno, uint64_t *out,
                   tl_err *err)
{
    char *end = NULL;
    errno = 0;
    if (s[0] == '-' || s[0] == '+')
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column %s: not an unsigned integer ('%s')", src,
                          lineno, col, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (!s[0] || *end != '\0' || errno == ERANGE)
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column %s: not an unsigned integer ('%s')", src,
                          lineno, col, s);
    *out = (uint64_t)v;
    return TL_OK;
}

static int col_id(const char *s, const char *col, const char *src, long lineno, char *out,
                  size_t cap, tl_err *err)
{
    size_t n = strlen(s);
    if (n == 0 || n >= cap)
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column %s: %s ('%s')", src, lineno, col,
                          n ? "too long" : "empty", s);
    if (!id_ok(s, cap))
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column %s: bad character in '%s'", src, lineno,
                          col, s);
    memcpy(out, s, n + 1);
    return TL_OK;
}

static int fmt_done(int n, size_t cap)
{
    if (n < 0 || (size_t)n >= cap)
        return TL_ERANGE;
    return n;
}

/* ------------------------------------------------------------------ plots */

int tl_plotio_format(const tl_plot *p, char *buf, size_t cap)
{
    if (tl_plot_validate(p, NULL) != TL_OK || !id_ok(p->sensor_id, sizeof p->sensor_id) ||
        !id_ok(p->nation, sizeof p->nation))
        return TL_EINVAL;
    char zs[4][32], ss[4][32];
    for (int i = 0; i < 4; i++) {
        zs[i][0] = ss[i][0] = '\0';
        if (i < p->nz) {
            snprintf(zs[i], sizeof zs[i], "%.10g", p->z[i]);
            snprintf(ss[i], sizeof ss[i], "%.6g", p->sigma[i]);
        }
    }
    int n = snprintf(
        buf, cap, "%" PRId64 ",%" PRIu64 ",%s,%s,%s,%.9f,%.9f,%.3f,%d,%s,%s,%s,%s,%s,%s,%s,%s\n",
        p->t_ns, p->plot_id, p->sensor_id, p->nation, p->kind == TL_PLOT_RADAR ? "radar" : "ir",
        p->site.lat_rad / TL_DEG, p->site.lon_rad / TL_DEG, p->site.h_m, p->nz, zs[0], zs[1], zs[2],
        zs[3], ss[0], ss[1], ss[2], ss[3]);
    return fmt_done(n, cap);
}

int tl_plotio_write(FILE *f, const tl_plot *p)
{
    char buf[512];
    int n = tl_plotio_format(p, buf, sizeof buf);
    if (n < 0)
        return n;
    return fwrite(buf, 1, (size_t)n, f) == (size_t)n ? TL_OK : TL_EIO;
}

int tl_plotio_read_line(const char *line, const char *src, long lineno, tl_plot *out, tl_err *err)
{
    csv_line c;
    int rc;
    if ((rc = split(&c, line, src, lineno, err)) ||
        (rc = want_cols(&c, PLOT_NCOLS, src, lineno, err)))
        return rc;
    tl_plot p;
    memset(&p, 0, sizeof p);
    int64_t nz;
    double lat, lon;
    if ((rc = col_i64(c.f[0], plot_cols[0], src, lineno, &p.t_ns, err)) ||
        (rc = col_u64(c.f[1], plot_cols[1], src, lineno, &p.plot_id, err)) ||
        (rc = col_id(c.f[2], plot_cols[2], src, lineno, p.sensor_id, sizeof p.sensor_id, err)) ||
        (rc = col_id(c.f[3], plot_cols[3], src, lineno, p.nation, sizeof p.nation, err)))
        return rc;
    if (!strcmp(c.f[4], "radar"))
        p.kind = TL_PLOT_RADAR;
    else if (!strcmp(c.f[4], "ir"))
        p.kind = TL_PLOT_IR;
    else
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column kind: expected 'radar' or 'ir' ('%s')",
                          src, lineno, c.f[4]);
    if ((rc = col_double(c.f[5], plot_cols[5], src, lineno, &lat, err)) ||
        (rc = col_double(c.f[6], plot_cols[6], src, lineno, &lon, err)) ||
        (rc = col_double(c.f[7], plot_cols[7], src, lineno, &p.site.h_m, err)) ||
        (rc = col_i64(c.f[8], plot_cols[8], src, lineno, &nz, err)))
        return rc;
    if (nz < 2 || nz > 4)
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column nz: must be 2, 3 or 4 ('%s')", src,
                          lineno, c.f[8]);
    p.nz = (int)nz;
    for (int i = 0; i < 4; i++) {
        const char *zc = c.f[9 + i], *sc = c.f[13 + i];
        if (i >= p.nz) {
            if (zc[0] || sc[0])
                return tl_err_set(err, TL_EPARSE, "%s:%ld: column %s: must be empty when nz = %d",
                                  src, lineno, zc[0] ? plot_cols[9 + i] : plot_cols[13 + i], p.nz);
            continue;
        }
        if ((rc = col_double(zc, plot_cols[9 + i], src, lineno, &p.z[i], err)) ||
            (rc = col_double(sc, plot_cols[13 + i], src, lineno, &p.sigma[i], err)))
            return rc;
    }
    if (!(fabs(lat) <= 90.0) || !(fabs(lon) <= 180.0))
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column site_%s_deg: out of range ('%s')", src,
                          lineno, fabs(lat) <= 90.0 ? "lon" : "lat",
                          fabs(lat) <= 90.0 ? c.f[6] : c.f[5]);
    p.site.lat_rad = lat * TL_DEG;
    p.site.lon_rad = lon * TL_DEG;
    tl_geodetic_to_ecef(&p.site, p.site_ecef);
    const char *why = NULL;
    if (tl_plot_validate(&p, &why) != TL_OK)
        return tl_err_set(err, TL_EPARSE, "%s:%ld: invalid plot: %s", src, lineno, why);
    *out = p;
    return TL_OK;
}

static int check_header(tl_plotio_reader *r, tl_err *err)
{
    r->line = 0;
    if (!fgets(r->buf, sizeof r->buf, r->f))
        return tl_err_set(err, TL_EPARSE, "%s:1: empty file (expected the plots.csv header)",
                          r->src);
    r->line = 1;
    size_t n = strlen(r->buf);
    while (n && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r'))
        r->buf[--n] = '\0';
    if (strcmp(r->buf, tl_plotio_header()) != 0)
        return tl_err_set(err, TL_EPARSE, "%s:1: not a plots.csv header (expected '%s')", r->src,
                          tl_plotio_header());
    return TL_OK;
}

int tl_plotio_attach(tl_plotio_reader *r, FILE *f, const char *name, tl_err *err)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    snprintf(r->src, sizeof r->src, "%s", name ? name : "(stream)");
    return check_header(r, err);
}

int tl_plotio_open(tl_plotio_reader *r, const char *path, tl_err *err)
{
    if (!strcmp(path, "-"))
        return tl_plotio_attach(r, stdin, "(stdin)", err);
    FILE *f = fopen(path, "r");
    if (!f)
        return tl_err_set(err, TL_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = tl_plotio_attach(r, f, path, err);
    r->own = 1;
    if (rc != TL_OK) {
        fclose(f);
        r->f = NULL;
        r->own = 0;
    }
    return rc;
}

int tl_plotio_next(tl_plotio_reader *r, tl_plot *out, tl_err *err)
{
    if (!r->f)
        return 0;
    for (;;) { /* one iteration per line of the file */
        if (!fgets(r->buf, sizeof r->buf, r->f))
            return 0;
        r->line++;
        size_t n = strlen(r->buf);
        if (n == sizeof r->buf - 1 && r->buf[n - 1] != '\n') {
            /* overlong line: skip the rest of it so the reader can continue */
            int ch;
            while ((ch = fgetc(r->f)) != EOF && ch != '\n')
                ;
            return tl_err_set(err, TL_EPARSE, "%s:%ld: line too long", r->src, r->line);
        }
        if (r->buf[0] == '#' || r->buf[0] == '\n' || (r->buf[0] == '\r' && r->buf[1] == '\n'))
            continue;
        int rc = tl_plotio_read_line(r->buf, r->src, r->line, out, err);
        return rc == TL_OK ? 1 : rc;
    }
}

void tl_plotio_close(tl_plotio_reader *r)
{
    if (r && r->own && r->f)
        fclose(r->f);
    if (r)
        r->f = NULL;
}

/* ------------------------------------------------------------------ truth */

int tl_truthio_format(const tl_truth_row *t, char *buf, size_t cap)
{
    if (!id_ok(t->object_id, sizeof t->object_id) || t->phase < 0 || t->phase >= N_PHASES)
        return TL_EINVAL;
    int n = snprintf(buf, cap, "%" PRId64 ",%s,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%s\n", t->t_ns,
                     t->object_id, t->x_ecef[0], t->x_ecef[1], t->x_ecef[2], t->x_ecef[3],
                     t->x_ecef[4], t->x_ecef[5], tl_phase_name((tl_phase)t->phase));
    return fmt_done(n, cap);
}

int tl_truthio_read_line(const char *line, const char *src, long lineno, tl_truth_row *out,
                         tl_err *err)
{
    csv_line c;
    int rc;
    if ((rc = split(&c, line, src, lineno, err)) ||
        (rc = want_cols(&c, TRUTH_NCOLS, src, lineno, err)))
        return rc;
    tl_truth_row t;
    memset(&t, 0, sizeof t);
    if ((rc = col_i64(c.f[0], truth_cols[0], src, lineno, &t.t_ns, err)) ||
        (rc = col_id(c.f[1], truth_cols[1], src, lineno, t.object_id, sizeof t.object_id, err)))
        return rc;
    for (int i = 0; i < 6; i++)
        if ((rc = col_double(c.f[2 + i], truth_cols[2 + i], src, lineno, &t.x_ecef[i], err)))
            return rc;
    t.phase = -1;
    for (int ph = 0; ph < N_PHASES; ph++)
        if (!strcmp(c.f[8], tl_phase_name((tl_phase)ph)))
            t.phase = ph;
    if (t.phase < 0)
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column phase: unknown phase ('%s')", src, lineno,
                          c.f[8]);
    *out = t;
    return TL_OK;
}

/* ------------------------------------------------------------ plots_truth */

int tl_plottruthio_format(const tl_plot_truth *t, char *buf, size_t cap)
{
    if (!id_ok(t->object_id, sizeof t->object_id))
        return TL_EINVAL;
    int n =
        snprintf(buf, cap, "%" PRIu64 ",%d,%s\n", t->plot_id, t->false_alarm ? 1 : 0, t->object_id);
    return fmt_done(n, cap);
}

int tl_plottruthio_read_line(const char *line, const char *src, long lineno, tl_plot_truth *out,
                             tl_err *err)
{
    csv_line c;
    int rc;
    if ((rc = split(&c, line, src, lineno, err)) ||
        (rc = want_cols(&c, PTRUTH_NCOLS, src, lineno, err)))
        return rc;
    tl_plot_truth t;
    memset(&t, 0, sizeof t);
    if ((rc = col_u64(c.f[0], ptruth_cols[0], src, lineno, &t.plot_id, err)))
        return rc;
    if (strcmp(c.f[1], "0") && strcmp(c.f[1], "1"))
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column false_alarm: expected 0 or 1 ('%s')", src,
                          lineno, c.f[1]);
    t.false_alarm = c.f[1][0] == '1';
    if ((rc = col_id(c.f[2], ptruth_cols[2], src, lineno, t.object_id, sizeof t.object_id, err)))
        return rc;
    *out = t;
    return TL_OK;
}

/* ---------------------------------------------------------------- objects */

int tl_objectio_format(const tl_object_row *o, char *buf, size_t cap)
{
    if (!id_ok(o->object_id, sizeof o->object_id) || !id_ok(o->kind, sizeof o->kind) ||
        !id_ok(o->cls, sizeof o->cls) || !id_ok(o->parent, sizeof o->parent))
        return TL_EINVAL;
    int n = snprintf(
        buf, cap, "%s,%s,%s,%s,%" PRId64 ",%.6f,%.6f,%.1f,%" PRId64 ",%.6f,%.6f,%.1f,%d\n",
        o->object_id, o->kind, o->cls, o->parent, o->start_t_ns, o->start_lat_deg, o->start_lon_deg,
        o->start_h_m, o->end_t_ns, o->end_lat_deg, o->end_lon_deg, o->apogee_m, o->orbital ? 1 : 0);
    return fmt_done(n, cap);
}

int tl_objectio_read_line(const char *line, const char *src, long lineno, tl_object_row *out,
                          tl_err *err)
{
    csv_line c;
    int rc;
    if ((rc = split(&c, line, src, lineno, err)) ||
        (rc = want_cols(&c, OBJ_NCOLS, src, lineno, err)))
        return rc;
    tl_object_row o;
    memset(&o, 0, sizeof o);
    if ((rc = col_id(c.f[0], obj_cols[0], src, lineno, o.object_id, sizeof o.object_id, err)) ||
        (rc = col_id(c.f[1], obj_cols[1], src, lineno, o.kind, sizeof o.kind, err)) ||
        (rc = col_id(c.f[2], obj_cols[2], src, lineno, o.cls, sizeof o.cls, err)) ||
        (rc = col_id(c.f[3], obj_cols[3], src, lineno, o.parent, sizeof o.parent, err)) ||
        (rc = col_i64(c.f[4], obj_cols[4], src, lineno, &o.start_t_ns, err)) ||
        (rc = col_double(c.f[5], obj_cols[5], src, lineno, &o.start_lat_deg, err)) ||
        (rc = col_double(c.f[6], obj_cols[6], src, lineno, &o.start_lon_deg, err)) ||
        (rc = col_double(c.f[7], obj_cols[7], src, lineno, &o.start_h_m, err)) ||
        (rc = col_i64(c.f[8], obj_cols[8], src, lineno, &o.end_t_ns, err)) ||
        (rc = col_double(c.f[9], obj_cols[9], src, lineno, &o.end_lat_deg, err)) ||
        (rc = col_double(c.f[10], obj_cols[10], src, lineno, &o.end_lon_deg, err)) ||
        (rc = col_double(c.f[11], obj_cols[11], src, lineno, &o.apogee_m, err)))
        return rc;
    if (strcmp(c.f[12], "0") && strcmp(c.f[12], "1"))
        return tl_err_set(err, TL_EPARSE, "%s:%ld: column orbital: expected 0 or 1 ('%s')", src,
                          lineno, c.f[12]);
    o.orbital = c.f[12][0] == '1';
    *out = o;
    return TL_OK;
}
