/* scenario.c — the scenario loader (see scenario.h and docs/scenario.md).
 *
 * libyaml builds the document tree (nodes carry their line numbers); the walkers
 * below check each mapping against a list of allowed keys and read typed fields,
 * adding one message per problem to a tl_diag and carrying on, so a user sees
 * every mistake in one pass. Only when the structure is clean are flights solved
 * (tl_flight_solve), and each launch that cannot fly is reported with its line.
 */
#include "trilink/scenario.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

/* ------------------------------------------------------------------ diag */

void tl_diag_init(tl_diag *d)
{
    memset(d, 0, sizeof *d);
}

void tl_diag_free(tl_diag *d)
{
    if (!d)
        return;
    free(d->msg);
    memset(d, 0, sizeof *d);
}

void tl_diag_add(tl_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 16;
        void *p = realloc(d->msg, cap * sizeof d->msg[0]);
        if (!p) {
            d->n++;
            return;
        }
        d->msg = p;
        d->cap = cap;
    }
    if (d->n >= d->cap) { /* an earlier allocation failed: count only */
        d->n++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg[d->n], sizeof d->msg[0], fmt, ap);
    va_end(ap);
    d->n++;
}

/* ------------------------------------------------------------------ time */

int tl_parse_utc(const char *s, int64_t *t_ns)
{
    int y, mo, d, h, mi, sec, used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 ||
        used != 19)
        return TL_EPARSE;
    const char *p = s + used;
    int64_t frac = 0;
    if (*p == '.') {
        int64_t scale = 100000000;
        p++;
        if (*p < '0' || *p > '9')
            return TL_EPARSE;
        for (; *p >= '0' && *p <= '9'; p++) {
            frac += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (strcmp(p, "Z") && strcmp(p, "+00:00"))
        return TL_EPARSE;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
        mi > 59 || sec > 60)
        return TL_EPARSE;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return TL_EPARSE;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    *t_ns = (int64_t)t * 1000000000LL + frac;
    return TL_OK;
}

void tl_format_utc(int64_t t_ns, char *buf, size_t cap)
{
    int64_t s = t_ns >= 0 ? t_ns / 1000000000LL : (t_ns - 999999999LL) / 1000000000LL;
    int64_t ms = (t_ns - s * 1000000000LL) / 1000000;
    time_t tt = (time_t)s;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
}

/* ------------------------------------------------------- walking the tree */

typedef struct ctx {
    yaml_document_t *doc;
    const char *file;
    tl_diag *diag;
    size_t nerr;
} ctx;

static int line_of(const yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

static void err_at(ctx *c, int line, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err_at(ctx *c, int line, const char *path, const char *fmt, ...)
{
    char m[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    if (path)
        tl_diag_add(c->diag, "%s:%d: %s: %s", c->file, line, path, m);
    else /* a top-level field: the message starts with the key */
        tl_diag_add(c->diag, "%s:%d: %s", c->file, line, m);
    c->nerr++;
}

static yaml_node_t *node(ctx *c, int index)
{
    return yaml_document_get_node(c->doc, index);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *type_name(const yaml_node_t *n)
{
    if (!n)
        return "nothing";
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

static yaml_node_t *map_get(ctx *c, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = scalar(node(c, p->key));
        if (k && !strcmp(k, key))
            return node(c, p->value);
    }
    return NULL;
}

/* Report unknown and duplicate keys of a mapping. allowed ends with NULL. */
static void check_keys(ctx *c, yaml_node_t *map, const char *path, const char *const *allowed)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = node(c, p->key);
        const char *k = scalar(kn);
        if (!k) {
            err_at(c, line_of(kn), path, "keys must be scalars, found %s", type_name(kn));
            continue;
        }
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(*a, k);
        if (!ok)
            err_at(c, line_of(kn), path, "unknown key '%s'", k);
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
            const char *k2 = scalar(node(c, q->key));
            if (k2 && !strcmp(k2, k)) {
                err_at(c, line_of(kn), path, "duplicate key '%s'", k);
                break;
            }
        }
    }
}

/* Find a field's node of the wanted kind. Returns 1 with *v set, 0 when absent (an
 * error if required), -1 when of the wrong kind (error reported; `what` names the
 * expected kind, e.g. "a number"). */
static int lookup(ctx *c, yaml_node_t *map, const char *path, const char *key, int required,
                  yaml_node_type_t type, const char *what, yaml_node_t **v)
{
    *v = map_get(c, map, key);
    if (!*v) {
        if (required)
            err_at(c, line_of(map), path, "missing field '%s'", key);
        return 0;
    }
    if ((*v)->type != type) {
        err_at(c, line_of(*v), path, "%s: expected %s, found %s", key, what, type_name(*v));
        return -1;
    }
    return 1;
}

/* Typed getters: return 1 when present and valid, 0 when absent (an error if
 * required), -1 when present but invalid (error reported). */
static int get_num(ctx *c, yaml_node_t *map, const char *path, const char *key, int required,
                   double lo, double hi, double *out)
{
    yaml_node_t *v;
    int rc = lookup(c, map, path, key, required, YAML_SCALAR_NODE, "a number", &v);
    if (rc != 1)
        return rc;
    const char *s = scalar(v);
    char *end = NULL;
    errno = 0;
    double x = strtod(s, &end);
    if (!s[0] || *end != '\0' || errno == ERANGE || !isfinite(x)) {
        err_at(c, line_of(v), path, "%s: expected a number, found '%s'", key, s);
        return -1;
    }
    if (x < lo || x > hi) {
        err_at(c, line_of(v), path, "%s: %s out of range [%g, %g]", key, s, lo, hi);
        return -1;
    }
    *out = x;
    return 1;
}

static int get_str(ctx *c, yaml_node_t *map, const char *path, const char *key, int required,
                   char *out, size_t cap)
{
    yaml_node_t *v;
    int rc = lookup(c, map, path, key, required, YAML_SCALAR_NODE, "a string", &v);
    if (rc != 1)
        return rc;
    const char *s = scalar(v);
    size_t n = strlen(s);
    if (n == 0 || n >= cap) {
        err_at(c, line_of(v), path, "%s: '%s' must be 1 to %zu characters", key, s, cap - 1);
        return -1;
    }
    memcpy(out, s, n + 1);
    return 1;
}

/* identifiers end up in CSV columns: no commas, quotes, spaces or controls */
static int get_id(ctx *c, yaml_node_t *map, const char *path, const char *key, int required,
                  char *out, size_t cap)
{
    int rc = get_str(c, map, path, key, required, out, cap);
    if (rc != 1)
        return rc;
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        if (*p <= ' ' || *p >= 127 || *p == ',' || *p == '"' || *p == ':') {
            err_at(c, line_of(map_get(c, map, key)), path,
                   "%s: '%s' may only contain printable characters other than ',', '\"', ':' "
                   "and space",
                   key, out);
            out[0] = '\0';
            return -1;
        }
    return 1;
}

static int get_int(ctx *c, yaml_node_t *map, const char *path, const char *key, int required,
                   long long lo, long long hi, long long *out)
{
    yaml_node_t *v;
    int rc = lookup(c, map, path, key, required, YAML_SCALAR_NODE, "an integer", &v);
    if (rc != 1)
        return rc;
    const char *s = scalar(v);
    char *end = NULL;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (!s[0] || *end != '\0' || errno == ERANGE) {
        err_at(c, line_of(v), path, "%s: expected an integer, found '%s'", key, s);
        return -1;
    }
    if (x < lo || x > hi) {
        err_at(c, line_of(v), path, "%s: %s out of range [%lld, %lld]", key, s, lo, hi);
        return -1;
    }
    *out = x;
    return 1;
}

/* A list field: returns the sequence node, NULL when absent or wrong (reported). */
static yaml_node_t *get_list(ctx *c, yaml_node_t *map, const char *path, const char *key,
                             int required)
{
    yaml_node_t *v;
    return lookup(c, map, path, key, required, YAML_SEQUENCE_NODE, "a list", &v) == 1 ? v : NULL;
}

static size_t seq_len(const yaml_node_t *s)
{
    return s ? (size_t)(s->data.sequence.items.top - s->data.sequence.items.start) : 0;
}

static yaml_node_t *seq_at(ctx *c, yaml_node_t *s, size_t i)
{
    return node(c, s->data.sequence.items.start[i]);
}

static int want_map(ctx *c, yaml_node_t *n, const char *path)
{
    if (n && n->type == YAML_MAPPING_NODE)
        return 1;
    err_at(c, line_of(n), path, "expected a mapping, found %s", type_name(n));
    return 0;
}

/* ----------------------------------------------------------------- sites */

typedef struct named_site {
    char name[TL_ID_LEN];
    tl_geodetic g;
    int line;
} named_site;

typedef struct parse_state {
    ctx c;
    tl_scenario *sc;
    named_site *sites;
    size_t n_sites;
} parse_state;

static const named_site *find_site(const parse_state *ps, const char *name)
{
    for (size_t i = 0; i < ps->n_sites; i++)
        if (!strcmp(ps->sites[i].name, name))
            return &ps->sites[i];
    return NULL;
}

static void parse_sites(parse_state *ps, yaml_node_t *root)
{
    ctx *c = &ps->c;
    yaml_node_t *list = get_list(c, root, NULL, "sites", 0);
    if (!list)
        return;
    size_t n = seq_len(list);
    ps->sites = calloc(n ? n : 1, sizeof *ps->sites);
    if (!ps->sites) {
        err_at(c, line_of(list), "sites", "out of memory");
        return;
    }
    static const char *const keys[] = {"name", "lat_deg", "lon_deg", "height_m", "note", NULL};
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "sites[%zu]", i);
        yaml_node_t *m = seq_at(c, list, i);
        if (!want_map(c, m, path))
            continue;
        check_keys(c, m, path, keys);
        named_site s;
        memset(&s, 0, sizeof s);
        double lat = 0, lon = 0, h = 0;
        int ok = get_id(c, m, path, "name", 1, s.name, sizeof s.name) == 1;
        ok &= get_num(c, m, path, "lat_deg", 1, -90, 90, &lat) == 1;
        ok &= get_num(c, m, path, "lon_deg", 1, -180, 180, &lon) == 1;
        ok &= get_num(c, m, path, "height_m", 0, -500, 9000, &h) >= 0;
        char note[128];
        get_str(c, m, path, "note", 0, note, sizeof note);
        if (ok && find_site(ps, s.name)) {
            err_at(c, line_of(m), path, "duplicate site name '%s'", s.name);
            ok = 0;
        }
        if (!ok)
            continue;
        s.g = (tl_geodetic){lat * TL_DEG, lon * TL_DEG, h};
        s.line = line_of(m);
        ps->sites[ps->n_sites++] = s;
    }
}

/* --------------------------------------------------------------- sensors */

static int sensor_id_taken(const tl_scenario *sc, const char *id)
{
    for (size_t i = 0; i < sc->n_sensors; i++) {
        const char *o =
            sc->sensors[i].kind == TL_SENSOR_RADAR ? sc->sensors[i].radar.id : sc->sensors[i].ir.id;
        if (!strcmp(o, id))
            return 1;
    }
    return 0;
}

static void parse_radar(parse_state *ps, yaml_node_t *m, const char *path, const char *nation)
{
    ctx *c = &ps->c;
    static const char *const keys[] = {"id",
                                       "type",
                                       "lat_deg",
                                       "lon_deg",
                                       "height_m",
                                       "boresight_az_deg",
                                       "boresight_el_deg",
                                       "az_half_width_deg",
                                       "el_half_width_deg",
                                       "min_elevation_deg",
                                       "min_range_km",
                                       "max_range_km",
                                       "revisit_s",
                                       "sigma_range_m",
                                       "sigma_az_deg",
                                       "sigma_el_deg",
                                       "sigma_range_rate_mps",
                                       "bias_range_m",
                                       "bias_az_deg",
                                       "bias_el_deg",
                                       "bias_range_rate_mps",
                                       "ref_rcs_m2",
                                       "ref_range_km",
                                       "ref_snr_db",
                                       "pfa",
                                       "false_alarms_per_scan",
                                       "scan_offset_s",
                                       "refraction_k",
                                       "note",
                                       NULL};
    check_keys(c, m, path, keys);
    tl_scn_sensor s;
    memset(&s, 0, sizeof s);
    s.kind = TL_SENSOR_RADAR;
    s.line = line_of(m);
    s.scan_offset_s = -1.0;
    tl_radar_cfg *r = &s.radar;
    tl_radar_cfg_default(r);
    snprintf(r->nation, sizeof r->nation, "%s", nation);
    size_t e0 = c->nerr;
    double lat = 0, lon = 0, h = 0, v;
    get_id(c, m, path, "id", 1, r->id, sizeof r->id);
    get_num(c, m, path, "lat_deg", 1, -90, 90, &lat);
    get_num(c, m, path, "lon_deg", 1, -180, 180, &lon);
    if (get_num(c, m, path, "height_m", 0, -1e4, 1e5, &h) == 1 && h < 0.0)
        err_at(c, line_of(map_get(c, m, "height_m")), path,
               "height_m: sensor below ground (%g m; the WGS-84 ellipsoid is the ground)", h);
    r->site = (tl_geodetic){lat * TL_DEG, lon * TL_DEG, h};
    if (get_num(c, m, path, "boresight_az_deg", 0, -360, 360, &v) == 1)
        r->boresight_az_rad = tl_wrap_2pi(v * TL_DEG);
    if (get_num(c, m, path, "az_half_width_deg", 0, 0.1, 180, &v) == 1)
        r->half_az_rad = v * TL_DEG;
    if (get_num(c, m, path, "boresight_el_deg", 0, -10, 90, &v) == 1)
        r->boresight_el_rad = v * TL_DEG;
    if (get_num(c, m, path, "el_half_width_deg", 0, 0.1, 90, &v) == 1)
        r->half_el_rad = v * TL_DEG;
    if (get_num(c, m, path, "min_elevation_deg", 0, -10, 89, &v) == 1)
        r->min_el_rad = v * TL_DEG;
    if (get_num(c, m, path, "min_range_km", 0, 0, 1e5, &v) == 1)
        r->min_range_m = v * 1e3;
    if (get_num(c, m, path, "max_range_km", 1, 1, 1e5, &v) == 1)
        r->max_range_m = v * 1e3;
    get_num(c, m, path, "revisit_s", 1, 0.01, 3600, &r->revisit_s);
    get_num(c, m, path, "sigma_range_m", 1, 1e-3, 1e5, &r->sigma[0]);
    if (get_num(c, m, path, "sigma_az_deg", 1, 1e-6, 10, &v) == 1)
        r->sigma[1] = v * TL_DEG;
    if (get_num(c, m, path, "sigma_el_deg", 1, 1e-6, 10, &v) == 1)
        r->sigma[2] = v * TL_DEG;
    if (get_num(c, m, path, "sigma_range_rate_mps", 0, 1e-3, 1e4, &r->sigma[3]) == 1)
        r->has_range_rate = 1;
    get_num(c, m, path, "bias_range_m", 0, -1e5, 1e5, &r->bias[0]);
    if (get_num(c, m, path, "bias_az_deg", 0, -10, 10, &v) == 1)
        r->bias[1] = v * TL_DEG;
    if (get_num(c, m, path, "bias_el_deg", 0, -10, 10, &v) == 1)
        r->bias[2] = v * TL_DEG;
    if (get_num(c, m, path, "bias_range_rate_mps", 0, -1e4, 1e4, &v) == 1) {
        if (!r->has_range_rate)
            err_at(c, line_of(map_get(c, m, "bias_range_rate_mps")), path,
                   "bias_range_rate_mps: needs sigma_range_rate_mps");
        r->bias[3] = v;
    }
    get_num(c, m, path, "ref_rcs_m2", 0, 1e-6, 1e6, &r->ref_rcs_m2);
    if (get_num(c, m, path, "ref_range_km", 0, 1, 1e5, &v) == 1)
        r->ref_range_m = v * 1e3;
    get_num(c, m, path, "ref_snr_db", 0, -30, 100, &r->ref_snr_db);
    get_num(c, m, path, "pfa", 0, 1e-15, 0.5, &r->pfa);
    get_num(c, m, path, "false_alarms_per_scan", 0, 0, 1000, &r->fa_per_scan);
    get_num(c, m, path, "scan_offset_s", 0, 0, 3600, &s.scan_offset_s);
    get_num(c, m, path, "refraction_k", 0, 1, 4, &r->k_refraction);
    char note[256];
    get_str(c, m, path, "note", 0, note, sizeof note);
    if (c->nerr != e0)
        return;
    tl_radar tmp;
    tl_err err;
    if (r->min_range_m >= r->max_range_m) {
        err_at(c, s.line, path, "min_range_km must be below max_range_km");
        return;
    }
    if (tl_radar_init(&tmp, r, &err) != TL_OK) {
        err_at(c, s.line, path, "%s", err.msg);
        return;
    }
    if (sensor_id_taken(ps->sc, r->id)) {
        err_at(c, line_of(map_get(c, m, "id")), path, "duplicate sensor id '%s'", r->id);
        return;
    }
    ps->sc->sensors[ps->sc->n_sensors++] = s;
}

static void parse_irsat(parse_state *ps, yaml_node_t *m, const char *path, const char *nation)
{
    ctx *c = &ps->c;
    static const char *const keys[] = {
        "id",           "type", "lon_deg",       "altitude_km", "revisit_s", "sigma_urad",
        "cloud_top_km", "pd",   "scan_offset_s", "note",        NULL};
    check_keys(c, m, path, keys);
    tl_scn_sensor s;
    memset(&s, 0, sizeof s);
    s.kind = TL_SENSOR_IR;
    s.line = line_of(m);
    s.scan_offset_s = -1.0;
    tl_irsat_cfg *r = &s.ir;
    tl_irsat_cfg_default(r);
    snprintf(r->nation, sizeof r->nation, "%s", nation);
    size_t e0 = c->nerr;
    double v;
    get_id(c, m, path, "id", 1, r->id, sizeof r->id);
    if (get_num(c, m, path, "lon_deg", 1, -180, 180, &v) == 1)
        r->lon_rad = v * TL_DEG;
    if (get_num(c, m, path, "altitude_km", 0, -1e4, 1e5, &v) == 1) {
        if (v < 100.0)
            err_at(c, line_of(map_get(c, m, "altitude_km")), path,
                   "altitude_km: satellite below %s (%g km; needs >= 100 km)",
                   v < 0 ? "ground" : "space", v);
        r->alt_m = v * 1e3;
    }
    get_num(c, m, path, "revisit_s", 0, 0.01, 3600, &r->revisit_s);
    if (get_num(c, m, path, "sigma_urad", 0, 0.01, 1e5, &v) == 1)
        r->sigma_rad = v * 1e-6;
    if (get_num(c, m, path, "cloud_top_km", 0, 0, 100, &v) == 1)
        r->cloud_top_m = v * 1e3;
    get_num(c, m, path, "pd", 0, 1e-6, 1, &r->pd);
    get_num(c, m, path, "scan_offset_s", 0, 0, 3600, &s.scan_offset_s);
    char note[256];
    get_str(c, m, path, "note", 0, note, sizeof note);
    if (c->nerr != e0)
        return;
    tl_irsat tmp;
    tl_err err;
    if (tl_irsat_init(&tmp, r, &err) != TL_OK) {
        err_at(c, s.line, path, "%s", err.msg);
        return;
    }
    if (sensor_id_taken(ps->sc, r->id)) {
        err_at(c, line_of(map_get(c, m, "id")), path, "duplicate sensor id '%s'", r->id);
        return;
    }
    ps->sc->sensors[ps->sc->n_sensors++] = s;
}

static void parse_nations(parse_state *ps, yaml_node_t *root)
{
    ctx *c = &ps->c;
    tl_scenario *sc = ps->sc;
    yaml_node_t *nat = map_get(c, root, "nations");
    if (!nat) {
        err_at(c, line_of(root), NULL, "missing field 'nations'");
        return;
    }
    if (nat->type != YAML_MAPPING_NODE) {
        err_at(c, line_of(nat), "nations", "expected a mapping of nation codes, found %s",
               type_name(nat));
        return;
    }
    /* count sensors to size the array once */
    size_t total = 0;
    for (yaml_node_pair_t *p = nat->data.mapping.pairs.start; p < nat->data.mapping.pairs.top;
         p++) {
        yaml_node_t *v = node(c, p->value);
        yaml_node_t *s = map_get(c, v, "sensors");
        if (s && s->type == YAML_SEQUENCE_NODE)
            total += seq_len(s);
    }
    sc->sensors = calloc(total ? total : 1, sizeof *sc->sensors);
    if (!sc->sensors) {
        err_at(c, line_of(nat), "nations", "out of memory");
        return;
    }
    for (yaml_node_pair_t *p = nat->data.mapping.pairs.start; p < nat->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = node(c, p->key), *v = node(c, p->value);
        const char *code = scalar(kn);
        if (!code) {
            err_at(c, line_of(kn), "nations", "nation codes must be scalars");
            continue;
        }
        char path[96];
        snprintf(path, sizeof path, "nations.%s", code);
        size_t len = strlen(code);
        int code_ok = len >= 2 && len < TL_NATION_LEN;
        for (size_t i = 0; i < len && code_ok; i++)
            code_ok = code[i] >= 'A' && code[i] <= 'Z';
        if (!code_ok) {
            err_at(c, line_of(kn), "nations", "nation code '%s' must be 2 to %d upper-case letters",
                   code, TL_NATION_LEN - 1);
            continue;
        }
        int dup = 0;
        for (size_t i = 0; i < sc->n_nations; i++)
            dup |= !strcmp(sc->nations[i], code);
        if (dup) {
            err_at(c, line_of(kn), "nations", "duplicate nation '%s'", code);
            continue;
        }
        if (sc->n_nations == TL_SCN_MAX_NATIONS) {
            err_at(c, line_of(kn), "nations", "too many nations (at most %d)", TL_SCN_MAX_NATIONS);
            continue;
        }
        snprintf(sc->nations[sc->n_nations++], TL_NATION_LEN, "%s", code);
        if (!want_map(c, v, path))
            continue;
        static const char *const keys[] = {"name", "sensors", NULL};
        check_keys(c, v, path, keys);
        char name[64];
        get_str(c, v, path, "name", 0, name, sizeof name);
        yaml_node_t *list = get_list(c, v, path, "sensors", 1);
        for (size_t i = 0; list && i < seq_len(list); i++) {
            char sp[128];
            snprintf(sp, sizeof sp, "%s.sensors[%zu]", path, i);
            yaml_node_t *m = seq_at(c, list, i);
            if (!want_map(c, m, sp))
                continue;
            char type[32];
            if (get_str(c, m, sp, "type", 1, type, sizeof type) != 1)
                continue;
            if (!strcmp(type, "radar"))
                parse_radar(ps, m, sp, code);
            else if (!strcmp(type, "ir_satellite"))
                parse_irsat(ps, m, sp, code);
            else
                err_at(c, line_of(map_get(c, m, "type")), sp,
                       "type: unknown sensor type '%s' (radar, ir_satellite)", type);
        }
    }
}

/* -------------------------------------------------------------- launches */

static int object_id_taken(const tl_scenario *sc, const char *id)
{
    for (size_t i = 0; i < sc->n_launches; i++)
        if (!strcmp(sc->launches[i].id, id))
            return 1;
    for (size_t i = 0; i < sc->n_debris; i++)
        if (!strcmp(sc->debris[i].id, id))
            return 1;
    return 0;
}

/* Flight fields common to launches and salvos. The aim point (if any) is returned
 * so a salvo can compute azimuth and range per site. */
typedef struct flight_fields {
    tl_missile_class cls;
    int has_az, has_aim, has_range;
    double az_rad, range_m, apogee_m;
    double aim_lat_rad, aim_lon_rad;
    tl_loft loft;
    double rcs_m2, rcs_boost_m2;
} flight_fields;

static void parse_flight_fields(parse_state *ps, yaml_node_t *m, const char *path, flight_fields *f)
{
    ctx *c = &ps->c;
    memset(f, 0, sizeof *f);
    f->cls = TL_CLASS_AUTO;
    f->loft = TL_LOFT_MIN_ENERGY;
    f->rcs_m2 = 0.1;
    f->rcs_boost_m2 = 5.0;
    char buf[32];
    if (get_str(c, m, path, "class", 0, buf, sizeof buf) == 1 && strcmp(buf, "auto") != 0 &&
        tl_missile_class_parse(buf, &f->cls) != TL_OK)
        err_at(c, line_of(map_get(c, m, "class")), path,
               "class: unknown class '%s' (srbm, mrbm, irbm, icbm, slv, auto)", buf);
    double v;
    if (get_num(c, m, path, "azimuth_deg", 0, -360, 360, &v) == 1) {
        f->has_az = 1;
        f->az_rad = tl_wrap_2pi(v * TL_DEG);
    }
    yaml_node_t *aim = map_get(c, m, "aim");
    if (aim) {
        char ap[128];
        snprintf(ap, sizeof ap, "%s.aim", path);
        if (want_map(c, aim, ap)) {
            static const char *const keys[] = {"lat_deg", "lon_deg", NULL};
            check_keys(c, aim, ap, keys);
            double lat = 0, lon = 0;
            if (get_num(c, aim, ap, "lat_deg", 1, -90, 90, &lat) == 1 &&
                get_num(c, aim, ap, "lon_deg", 1, -180, 180, &lon) == 1) {
                f->has_aim = 1;
                f->aim_lat_rad = lat * TL_DEG;
                f->aim_lon_rad = lon * TL_DEG;
            }
        }
    }
    if (f->has_az && aim)
        err_at(c, line_of(aim), path, "give azimuth_deg or aim, not both");
    else if (!f->has_az && !aim && !map_get(c, m, "azimuth_deg"))
        err_at(c, line_of(m), path, "missing field 'azimuth_deg' (or 'aim')");
    if (get_num(c, m, path, "range_km", 0, 1, 45000, &v) == 1) {
        f->has_range = 1;
        f->range_m = v * 1e3;
    }
    if (f->has_range && aim)
        err_at(c, line_of(map_get(c, m, "range_km")), path,
               "range_km: the aim point sets the range; give one or the other");
    else if (!f->has_range && !aim && !map_get(c, m, "range_km") && f->cls != TL_CLASS_SLV)
        err_at(c, line_of(m), path, "missing field 'range_km' (or 'aim')");
    int has_apogee = get_num(c, m, path, "apogee_km", 0, 1, 100000, &v);
    if (has_apogee == 1)
        f->apogee_m = v * 1e3;
    if (get_str(c, m, path, "loft", 0, buf, sizeof buf) == 1) {
        if (has_apogee)
            err_at(c, line_of(map_get(c, m, "loft")), path, "give apogee_km or loft, not both");
        else if (!strcmp(buf, "min_energy"))
            f->loft = TL_LOFT_MIN_ENERGY;
        else if (!strcmp(buf, "lofted"))
            f->loft = TL_LOFT_LOFTED;
        else if (!strcmp(buf, "depressed"))
            f->loft = TL_LOFT_DEPRESSED;
        else
            err_at(c, line_of(map_get(c, m, "loft")), path,
                   "loft: unknown loft '%s' (min_energy, lofted, depressed)", buf);
    }
    if (has_apogee == 1)
        f->loft = TL_LOFT_NONE;
    get_num(c, m, path, "rcs_m2", 0, 1e-6, 1e4, &f->rcs_m2);
    get_num(c, m, path, "rcs_boost_m2", 0, 1e-6, 1e4, &f->rcs_boost_m2);
}

/* site by name or lat/lon; returns 1 when resolved */
static int parse_site_ref(parse_state *ps, yaml_node_t *m, const char *path, tl_geodetic *out)
{
    ctx *c = &ps->c;
    yaml_node_t *sn = map_get(c, m, "site");
    int has_ll = map_get(c, m, "lat_deg") || map_get(c, m, "lon_deg");
    if (sn && has_ll) {
        err_at(c, line_of(sn), path, "give site or lat_deg/lon_deg, not both");
        return 0;
    }
    if (sn) {
        char name[TL_ID_LEN];
        if (get_str(c, m, path, "site", 1, name, sizeof name) != 1)
            return 0;
        const named_site *s = find_site(ps, name);
        if (!s) {
            err_at(c, line_of(sn), path, "site: unknown site '%s' (not in 'sites')", name);
            return 0;
        }
        *out = s->g;
        return 1;
    }
    if (!has_ll) {
        err_at(c, line_of(m), path, "missing field 'site' (or 'lat_deg'/'lon_deg')");
        return 0;
    }
    double lat = 0, lon = 0, h = 0;
    int ok = get_num(c, m, path, "lat_deg", 1, -90, 90, &lat) == 1;
    ok &= get_num(c, m, path, "lon_deg", 1, -180, 180, &lon) == 1;
    ok &= get_num(c, m, path, "height_m", 0, -500, 9000, &h) >= 0;
    *out = (tl_geodetic){lat * TL_DEG, lon * TL_DEG, h};
    return ok;
}

static void make_launch(parse_state *ps, const char *id, double t_s, const tl_geodetic *site,
                        const flight_fields *f, int line, const char *where)
{
    tl_scn_launch l;
    memset(&l, 0, sizeof l);
    snprintf(l.where, sizeof l.where, "%s", where);
    snprintf(l.id, sizeof l.id, "%s", id);
    l.t_s = t_s;
    l.line = line;
    l.req.launch = *site;
    l.req.cls = f->cls;
    l.req.loft = f->loft;
    l.req.apogee_m = f->apogee_m;
    l.rcs_m2 = f->rcs_m2;
    l.rcs_boost_m2 = f->rcs_boost_m2;
    if (f->has_aim) {
        double s12, az;
        tl_geodesic_inverse(site->lat_rad, site->lon_rad, f->aim_lat_rad, f->aim_lon_rad, &s12, &az,
                            NULL);
        l.req.azimuth_rad = tl_wrap_2pi(az);
        l.req.range_m = s12;
    } else {
        l.req.azimuth_rad = f->az_rad;
        l.req.range_m = f->range_m;
    }
    ps->sc->launches[ps->sc->n_launches++] = l;
}

static void parse_launches(parse_state *ps, yaml_node_t *root)
{
    ctx *c = &ps->c;
    tl_scenario *sc = ps->sc;
    yaml_node_t *ll = get_list(c, root, NULL, "launches", 0);
    yaml_node_t *sl = get_list(c, root, NULL, "salvos", 0);
    if (!ll && !sl && !map_get(c, root, "launches") && !map_get(c, root, "salvos"))
        err_at(c, line_of(root), NULL, "missing field 'launches' (or 'salvos')");
    /* size: launches + sum of salvo counts (bounded by the count range check) */
    size_t cap = seq_len(ll);
    for (size_t i = 0; sl && i < seq_len(sl); i++) {
        yaml_node_t *n = map_get(c, seq_at(c, sl, i), "count");
        const char *s = scalar(n);
        long v = s ? strtol(s, NULL, 10) : 0;
        cap += (v > 0 && v <= 100) ? (size_t)v : 0;
    }
    sc->launches = calloc(cap ? cap : 1, sizeof *sc->launches);
    if (!sc->launches) {
        err_at(c, line_of(root), "launches", "out of memory");
        return;
    }
    static const char *const lkeys[] = {"id",      "time_s",       "site",      "lat_deg",
                                        "lon_deg", "height_m",     "class",     "azimuth_deg",
                                        "aim",     "range_km",     "apogee_km", "loft",
                                        "rcs_m2",  "rcs_boost_m2", "note",      NULL};
    for (size_t i = 0; ll && i < seq_len(ll); i++) {
        char path[64];
        snprintf(path, sizeof path, "launches[%zu]", i);
        yaml_node_t *m = seq_at(c, ll, i);
        if (!want_map(c, m, path))
            continue;
        check_keys(c, m, path, lkeys);
        size_t e0 = c->nerr;
        char id[TL_ID_LEN];
        double t = 0;
        get_id(c, m, path, "id", 1, id, sizeof id);
        get_num(c, m, path, "time_s", 1, 0, 1e6, &t);
        tl_geodetic site;
        parse_site_ref(ps, m, path, &site);
        flight_fields f;
        parse_flight_fields(ps, m, path, &f);
        char note[256];
        get_str(c, m, path, "note", 0, note, sizeof note);
        if (c->nerr != e0)
            continue;
        if (object_id_taken(sc, id)) {
            err_at(c, line_of(map_get(c, m, "id")), path, "duplicate object id '%s'", id);
            continue;
        }
        make_launch(ps, id, t, &site, &f, line_of(m), path);
    }
    static const char *const skeys[] = {"id",           "time_s",    "interval_s",  "count",
                                        "sites",        "class",     "azimuth_deg", "aim",
                                        "range_km",     "apogee_km", "loft",        "rcs_m2",
                                        "rcs_boost_m2", "note",      NULL};
    for (size_t i = 0; sl && i < seq_len(sl); i++) {
        char path[64];
        snprintf(path, sizeof path, "salvos[%zu]", i);
        yaml_node_t *m = seq_at(c, sl, i);
        if (!want_map(c, m, path))
            continue;
        check_keys(c, m, path, skeys);
        size_t e0 = c->nerr;
        char id[TL_ID_LEN - 4];
        double t = 0, dt = 0;
        long long count = 0;
        get_id(c, m, path, "id", 1, id, sizeof id);
        get_num(c, m, path, "time_s", 1, 0, 1e6, &t);
        get_num(c, m, path, "interval_s", 0, 0, 3600, &dt);
        get_int(c, m, path, "count", 1, 1, 100, &count);
        yaml_node_t *sites = get_list(c, m, path, "sites", 1);
        if (sites && seq_len(sites) == 0)
            err_at(c, line_of(sites), path, "sites: empty list");
        const named_site *ss[100];
        size_t ns = 0;
        for (size_t k = 0; sites && k < seq_len(sites) && ns < 100; k++) {
            yaml_node_t *sn = seq_at(c, sites, k);
            const char *name = scalar(sn);
            const named_site *s = name ? find_site(ps, name) : NULL;
            if (!s)
                err_at(c, line_of(sn), path, "sites[%zu]: unknown site '%s' (not in 'sites')", k,
                       name ? name : type_name(sn));
            else
                ss[ns++] = s;
        }
        flight_fields f;
        parse_flight_fields(ps, m, path, &f);
        char note[256];
        get_str(c, m, path, "note", 0, note, sizeof note);
        if (c->nerr != e0 || ns == 0)
            continue;
        for (long long k = 0; k < count; k++) {
            char lid[TL_ID_LEN + 24];
            snprintf(lid, sizeof lid, "%s-%d", id, (int)k + 1);
            if (object_id_taken(sc, lid)) {
                err_at(c, line_of(map_get(c, m, "id")), path, "duplicate object id '%s'", lid);
                continue;
            }
            make_launch(ps, lid, t + (double)k * dt, &ss[(size_t)k % ns]->g, &f, line_of(m), path);
        }
    }
}

/* ---------------------------------------------------------- debris, clutter */

static void parse_debris(parse_state *ps, yaml_node_t *root)
{
    ctx *c = &ps->c;
    tl_scenario *sc = ps->sc;
    yaml_node_t *list = get_list(c, root, NULL, "debris", 0);
    if (!list)
        return;
    sc->debris = calloc(seq_len(list) ? seq_len(list) : 1, sizeof *sc->debris);
    if (!sc->debris) {
        err_at(c, line_of(list), "debris", "out of memory");
        return;
    }
    static const char *const keys[] = {"id",         "parent", "time_s", "count", "spread_mps",
                                       "beta_kg_m2", "rcs_m2", "note",   NULL};
    for (size_t i = 0; i < seq_len(list); i++) {
        char path[64];
        snprintf(path, sizeof path, "debris[%zu]", i);
        yaml_node_t *m = seq_at(c, list, i);
        if (!want_map(c, m, path))
            continue;
        check_keys(c, m, path, keys);
        size_t e0 = c->nerr;
        tl_scn_debris d;
        memset(&d, 0, sizeof d);
        d.line = line_of(m);
        d.spread_mps = 10.0;
        d.beta_kg_m2 = 300.0;
        d.rcs_m2 = 0.05;
        long long count = 1;
        char id[TL_ID_LEN - 5];
        get_id(c, m, path, "id", 1, id, sizeof id);
        get_id(c, m, path, "parent", 1, d.parent, sizeof d.parent);
        get_num(c, m, path, "time_s", 1, 0, 1e5, &d.t_s);
        get_int(c, m, path, "count", 0, 1, 1000, &count);
        get_num(c, m, path, "spread_mps", 0, 0, 1000, &d.spread_mps);
        get_num(c, m, path, "beta_kg_m2", 0, 1, 1e5, &d.beta_kg_m2);
        get_num(c, m, path, "rcs_m2", 0, 1e-6, 1e4, &d.rcs_m2);
        char note[256];
        get_str(c, m, path, "note", 0, note, sizeof note);
        if (c->nerr != e0)
            continue;
        snprintf(d.id, sizeof d.id, "%s", id);
        d.count = (int)count;
        size_t p;
        for (p = 0; p < sc->n_launches; p++)
            if (!strcmp(sc->launches[p].id, d.parent))
                break;
        if (p == sc->n_launches) {
            err_at(c, line_of(map_get(c, m, "parent")), path,
                   "parent: unknown launch '%s' (salvo launches are <id>-1, <id>-2, ...)",
                   d.parent);
            continue;
        }
        d.parent_index = p;
        if (object_id_taken(sc, d.id)) {
            err_at(c, line_of(map_get(c, m, "id")), path, "duplicate object id '%s'", d.id);
            continue;
        }
        sc->debris[sc->n_debris++] = d;
    }
}

static void parse_clutter(parse_state *ps, yaml_node_t *root)
{
    ctx *c = &ps->c;
    tl_scenario *sc = ps->sc;
    yaml_node_t *list = get_list(c, root, NULL, "clutter", 0);
    if (!list)
        return;
    sc->clutter = calloc(seq_len(list) ? seq_len(list) : 1, sizeof *sc->clutter);
    if (!sc->clutter) {
        err_at(c, line_of(list), "clutter", "out of memory");
        return;
    }
    static const char *const keys[] = {"id",         "lat_deg",    "lon_deg",        "radius_km",
                                       "min_alt_km", "max_alt_km", "plots_per_scan", "note",
                                       NULL};
    for (size_t i = 0; i < seq_len(list); i++) {
        char path[64];
        snprintf(path, sizeof path, "clutter[%zu]", i);
        yaml_node_t *m = seq_at(c, list, i);
        if (!want_map(c, m, path))
            continue;
        check_keys(c, m, path, keys);
        size_t e0 = c->nerr;
        tl_scn_clutter k;
        memset(&k, 0, sizeof k);
        k.line = line_of(m);
        double lat = 0, lon = 0, rad = 0, lo = 0, hi = 10;
        get_id(c, m, path, "id", 1, k.id, sizeof k.id - 8);
        get_num(c, m, path, "lat_deg", 1, -90, 90, &lat);
        get_num(c, m, path, "lon_deg", 1, -180, 180, &lon);
        get_num(c, m, path, "radius_km", 1, 0.1, 2000, &rad);
        get_num(c, m, path, "min_alt_km", 0, 0, 1000, &lo);
        get_num(c, m, path, "max_alt_km", 0, 0, 1000, &hi);
        get_num(c, m, path, "plots_per_scan", 1, 0, 1000, &k.plots_per_scan);
        char note[256];
        get_str(c, m, path, "note", 0, note, sizeof note);
        if (c->nerr == e0 && hi < lo)
            err_at(c, line_of(map_get(c, m, "max_alt_km")), path, "max_alt_km: below min_alt_km");
        if (c->nerr != e0)
            continue;
        k.lat_rad = lat * TL_DEG;
        k.lon_rad = lon * TL_DEG;
        k.radius_m = rad * 1e3;
        k.min_h_m = lo * 1e3;
        k.max_h_m = hi * 1e3;
        sc->clutter[sc->n_clutter++] = k;
    }
}

/* ------------------------------------------------------------- top level */

static void parse_root(parse_state *ps, yaml_node_t *root)
{
    ctx *c = &ps->c;
    tl_scenario *sc = ps->sc;
    if (!root || root->type != YAML_MAPPING_NODE) {
        err_at(c, line_of(root), "(top level)", "expected a mapping, found %s", type_name(root));
        return;
    }
    static const char *const keys[] = {"epoch",  "duration_s", "seed",     "truth_interval_s",
                                       "sites",  "nations",    "launches", "salvos",
                                       "debris", "clutter",    "name",     "description",
                                       NULL};
    check_keys(c, root, "(top level)", keys);
    char buf[64];
    if (get_str(c, root, NULL, "epoch", 1, buf, sizeof buf) == 1 &&
        tl_parse_utc(buf, &sc->epoch_ns) != TL_OK)
        err_at(c, line_of(map_get(c, root, "epoch")), NULL,
               "epoch: '%s' is not an ISO 8601 UTC time (YYYY-MM-DDTHH:MM:SSZ)", buf);
    get_num(c, root, NULL, "duration_s", 1, 1, 86400 * 7, &sc->duration_s);
    long long seed = 0;
    if (get_int(c, root, NULL, "seed", 1, 0, INT64_MAX, &seed) == 1)
        sc->seed = (uint64_t)seed;
    sc->truth_dt_s = 1.0;
    get_num(c, root, NULL, "truth_interval_s", 0, 0.01, 3600, &sc->truth_dt_s);
    char text[512];
    get_str(c, root, NULL, "name", 0, text, sizeof text);
    get_str(c, root, NULL, "description", 0, text, sizeof text);
    parse_sites(ps, root);
    parse_nations(ps, root);
    parse_launches(ps, root);
    parse_debris(ps, root);
    parse_clutter(ps, root);
    for (size_t i = 0; i < sc->n_launches; i++)
        if (sc->duration_s > 0 && sc->launches[i].t_s >= sc->duration_s)
            err_at(c, sc->launches[i].line, sc->launches[i].where,
                   "time_s: launch time %g s is not before the end of the run (duration_s %g)",
                   sc->launches[i].t_s, sc->duration_s);
}

static void solve_flights(parse_state *ps)
{
    tl_scenario *sc = ps->sc;
    unsigned char *failed = calloc(sc->n_launches ? sc->n_launches : 1, 1);
    for (size_t i = 0; i < sc->n_launches; i++) {
        tl_scn_launch *l = &sc->launches[i];
        tl_err err;
        tl_err_clear(&err);
        int rc = tl_flight_solve(&l->req, &l->flight, &err);
        if (rc != TL_OK) {
            char label[80];
            snprintf(label, sizeof label, "%s (%s)", l->where, l->id);
            err_at(&ps->c, l->line, label, "cannot fly: %s",
                   err.msg[0] ? err.msg : tl_strerror(rc));
            if (failed)
                failed[i] = 1;
        }
    }
    for (size_t i = 0; i < sc->n_debris; i++) {
        tl_scn_debris *d = &sc->debris[i];
        const tl_scn_launch *p = &sc->launches[d->parent_index];
        if (!failed || failed[d->parent_index])
            continue; /* already reported through the parent */
        if (!p->flight.orbital && d->t_s >= p->flight.flight_time_s)
            err_at(&ps->c, d->line, d->id, /* the debris list index is not kept: name it by id */
                   "time_s: release at %g s after launch is after the parent's impact (%.0f s)",
                   d->t_s, p->flight.flight_time_s);
    }
    free(failed);
}

void tl_scenario_free(tl_scenario *sc)
{
    if (!sc)
        return;
    free(sc->sensors);
    free(sc->launches);
    free(sc->debris);
    free(sc->clutter);
    memset(sc, 0, sizeof *sc);
}

int tl_scenario_parse(const char *text, size_t len, const char *name, tl_scenario *out,
                      tl_diag *diag)
{
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", name);
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        tl_diag_add(diag, "%s: cannot initialise the YAML parser", name);
        return TL_ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        tl_diag_add(diag, "%s:%d: YAML syntax error: %s%s%s", name,
                    (int)parser.problem_mark.line + 1, parser.problem ? parser.problem : "?",
                    parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return TL_EPARSE;
    }
    parse_state ps;
    memset(&ps, 0, sizeof ps);
    ps.c.doc = &doc;
    ps.c.file = name;
    ps.c.diag = diag;
    ps.sc = out;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root)
        err_at(&ps.c, 1, "(top level)", "empty document");
    else
        parse_root(&ps, root);
    if (ps.c.nerr == 0)
        solve_flights(&ps);
    free(ps.sites);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (ps.c.nerr) {
        tl_scenario_free(out);
        return TL_EPARSE;
    }
    return TL_OK;
}

int tl_scenario_load(const char *path, tl_scenario *out, tl_diag *diag)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        tl_diag_add(diag, "%s: cannot open: %s", path, strerror(errno));
        return TL_EIO;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) { /* bounded by the file size (limit 16 MiB) */
        if (len == cap) {
            cap = cap ? 2 * cap : 65536;
            char *p = cap <= (16u << 20) ? realloc(text, cap) : NULL;
            if (!p) {
                free(text);
                fclose(f);
                tl_diag_add(diag, "%s: file too large or out of memory", path);
                return TL_EIO;
            }
            text = p;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        tl_diag_add(diag, "%s: read error", path);
        return TL_EIO;
    }
    int rc = tl_scenario_parse(text, len, path, out, diag);
    free(text);
    return rc;
}
