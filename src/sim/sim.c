/* sim.c — the drill generator's engine (see sim.h): flies every launch of a
 * scenario (flight.h), releases debris and propagates it ballistically with drag
 * (dynamics.h), then runs each sensor's scans in time order and produces the plot
 * stream with its hidden truth.
 *
 * Determinism: every sensor draws from its own stream, seeded from the scenario
 * seed and the sensor id (tl_rng_seed_named), and every debris piece from one
 * seeded by its id, so a run is a pure function of the scenario file and adding a
 * sensor does not change what the others see. Scans are processed in (time,
 * scenario order); within a scan the plots are shuffled so their order reveals
 * neither the object nor whether a plot is a false alarm.
 *
 * Each scan evaluates every object at the scan time (an electronically scanned
 * radar's revisit of the whole volume); per-plot work allocates nothing.
 */
#include "trilink/sim.h"

#include "trilink/dynamics.h"
#include "trilink/flight.h"
#include "trilink/scenario.h"
#include "trilink/sensors.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TL_SIM_TRAJ_DT_S 1.0  /* trajectory sample interval (Hermite interpolation between) */
#define TL_SIM_FA_CAP 256     /* most noise false alarms kept per scan */
#define TL_SIM_CLUTTER_CAP 64 /* most clutter plots kept per region and scan */
#define NS 1000000000LL

typedef struct sim_object {
    char id[TL_ID_LEN];
    int is_debris;
    tl_traj traj;
    int own_pts;      /* pts allocated here (debris), not by the flight module */
    double t0_s;      /* epoch offset of the trajectory's t = 0 */
    double t_start_s; /* alive window, seconds since the epoch */
    double t_end_s;
    double rcs_m2, rcs_boost_m2;
    tl_object_row row;
} sim_object;

typedef struct sim_sensor {
    const tl_scn_sensor *cfg;
    tl_radar radar;
    tl_irsat ir;
    tl_rng rng;
    int64_t offset_ns, revisit_ns;
    int64_t k; /* index of the next scan */
    double clutter_ecef[8][3];
} sim_sensor;

struct tl_sim {
    const tl_scenario *sc;
    sim_object *obj;
    size_t n_obj;
    sim_sensor *sen;
    size_t n_sen;
    tl_plot *plots;
    tl_plot_truth *truth;
    size_t cap;
    uint64_t next_plot_id;
    int64_t start_ns, end_ns;
    char nation[TL_NATION_LEN]; /* "" = every nation */
};

static const char *sensor_nation(const sim_sensor *ss)
{
    return ss->cfg->kind == TL_SENSOR_RADAR ? ss->cfg->radar.nation : ss->cfg->ir.nation;
}

int tl_sim_set_nation(tl_sim *s, const char *nation)
{
    if (!nation || !nation[0]) {
        s->nation[0] = '\0';
        return TL_OK;
    }
    int found = 0;
    for (size_t i = 0; i < s->n_sen; i++)
        found |= !strcmp(sensor_nation(&s->sen[i]), nation);
    if (!found || strlen(nation) >= sizeof s->nation)
        return TL_ENOTFOUND;
    snprintf(s->nation, sizeof s->nation, "%s", nation);
    return TL_OK;
}

int64_t tl_sim_start_ns(const tl_sim *s)
{
    return s->start_ns;
}

int64_t tl_sim_end_ns(const tl_sim *s)
{
    return s->end_ns;
}

size_t tl_sim_object_count(const tl_sim *s)
{
    return s->n_obj;
}

void tl_sim_object(const tl_sim *s, size_t i, tl_object_row *out)
{
    *out = s->obj[i].row;
}

/* dst = a + b, truncated to cap (the scenario parser keeps ids short enough) */
static void join_id(char *dst, size_t cap, const char *a, const char *b)
{
    size_t na = strnlen(a, cap - 1), nb = strnlen(b, cap - 1 - na);
    memcpy(dst, a, na);
    memcpy(dst + na, b, nb);
    dst[na + nb] = '\0';
}

static int64_t to_ns(double t_s)
{
    return (int64_t)llround(t_s * 1e9);
}

static void geo_deg(const double x[3], double *lat, double *lon, double *h)
{
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    *lat = g.lat_rad / TL_DEG;
    *lon = g.lon_rad / TL_DEG;
    if (h)
        *h = g.h_m;
}

static double traj_apogee(const tl_traj *tr)
{
    double best = -1e30;
    for (size_t i = 0; i < tr->n; i++) {
        tl_geodetic g;
        tl_ecef_to_geodetic(tr->pts[i].x_ecef, &g);
        if (g.h_m > best)
            best = g.h_m;
    }
    return best;
}

/* ------------------------------------------------------------- missiles */

static int fly_launch(tl_sim *s, const tl_scn_launch *l, sim_object *o, tl_err *err)
{
    const tl_scenario *sc = s->sc;
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "%s", l->id);
    double t_end = sc->duration_s - l->t_s;
    if (t_end < 1.0)
        t_end = 1.0;
    int rc = tl_flight_trajectory(&l->flight, TL_SIM_TRAJ_DT_S, t_end, &o->traj, err);
    if (rc != TL_OK)
        return rc;
    if (o->traj.n < 2) {
        tl_traj_free(&o->traj);
        return tl_err_set(err, TL_ESTATE, "launch %s: trajectory has %zu samples", l->id,
                          o->traj.n);
    }
    o->t0_s = l->t_s;
    o->t_start_s = l->t_s + o->traj.pts[0].t_s;
    o->t_end_s = l->t_s + o->traj.pts[o->traj.n - 1].t_s;
    o->rcs_m2 = l->rcs_m2;
    o->rcs_boost_m2 = l->rcs_boost_m2;
    tl_object_row *r = &o->row;
    snprintf(r->object_id, sizeof r->object_id, "%s", l->id);
    snprintf(r->kind, sizeof r->kind, "missile");
    snprintf(r->cls, sizeof r->cls, "%s", tl_missile_class_name(l->flight.cls));
    snprintf(r->parent, sizeof r->parent, "-");
    r->start_t_ns = sc->epoch_ns + to_ns(o->t_start_s);
    r->start_lat_deg = l->req.launch.lat_rad / TL_DEG;
    r->start_lon_deg = l->req.launch.lon_rad / TL_DEG;
    r->start_h_m = l->req.launch.h_m;
    r->end_t_ns = sc->epoch_ns + to_ns(o->t_end_s);
    r->orbital = l->flight.orbital;
    geo_deg(o->traj.pts[o->traj.n - 1].x_ecef, &r->end_lat_deg, &r->end_lon_deg, NULL);
    r->apogee_m = traj_apogee(&o->traj);
    return TL_OK;
}

/* --------------------------------------------------------------- debris */

static int fly_debris(tl_sim *s, const tl_scn_debris *d, int piece, sim_object *o, tl_err *err)
{
    const tl_scenario *sc = s->sc;
    const sim_object *parent = &s->obj[d->parent_index];
    memset(o, 0, sizeof *o);
    char num[16];
    snprintf(num, sizeof num, "-%d", piece);
    join_id(o->id, sizeof o->id, d->id, num);
    double x[6];
    int phase = 0, thr = 0;
    double t_rel = d->t_s;
    double last = parent->traj.pts[parent->traj.n - 1].t_s;
    if (t_rel > last)
        t_rel = last;
    if (tl_traj_at(&parent->traj, t_rel, x, &phase, &thr) != TL_OK)
        return tl_err_set(err, TL_ERANGE, "debris %s: release time %g s outside %s's flight", d->id,
                          d->t_s, d->parent);
    tl_rng rng;
    tl_rng_seed_named(&rng, sc->seed, o->id);
    for (int i = 0; i < 3; i++)
        x[3 + i] += d->spread_mps * tl_rng_normal(&rng);
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.beta_kg_m2 = d->beta_kg_m2;
    double t_stop = sc->duration_s - s->sc->launches[d->parent_index].t_s;
    if (t_stop < t_rel) /* released after the end of the run: never alive */
        t_stop = t_rel;
    size_t cap = (size_t)((t_stop - t_rel) / TL_SIM_TRAJ_DT_S) + 3;
    tl_traj_point *pts = malloc(cap * sizeof *pts);
    if (!pts)
        return tl_err_set(err, TL_ENOMEM, "debris %s: out of memory", o->id);
    /* adaptive Dormand-Prince between samples (re-entry decelerations reach tens of
     * g), stopping exactly at the ground (height event) */
    tl_dp45_opts opt;
    tl_dp45_opts_default(&opt);
    opt.rtol = 1e-9;
    opt.atol_pos_m = 1e-3;
    opt.atol_vel_mps = 1e-6;
    opt.h_max_s = TL_SIM_TRAJ_DT_S;
    opt.max_steps = 100000;
    opt.event = tl_dyn_event_height;
    opt.event_dir = -1;
    opt.event_tol = 1e-3;
    size_t n = 0;
    double t = t_rel;
    int landed = 0;
    for (;;) { /* bounded: at most cap samples */
        tl_traj_point *p = &pts[n++];
        memset(p, 0, sizeof *p);
        p->t_s = t;
        memcpy(p->x_ecef, x, sizeof x);
        tl_dyn_accel(&m, x, p->acc_ecef);
        p->phase = TL_PHASE_DEBRIS;
        if (landed || n == cap || t + TL_SIM_TRAJ_DT_S > t_stop)
            break;
        double t_next = t + TL_SIM_TRAJ_DT_S;
        tl_dp45_stats st;
        int rc = tl_dp45_integrate(tl_dyn_ode, &m, &t, x, t_next, &opt, &st);
        if (rc < 0) {
            free(pts);
            return tl_err_set(err, rc, "debris %s: propagation failed at t = %.1f s", o->id, t);
        }
        opt.h_init_s = st.h_last_s;
        landed = rc == 1;
        if (landed && t - p->t_s < 1e-6) /* landed right at the last sample */
            break;
    }
    if (n < 2) { /* released at the very end of the run: two identical samples */
        pts[1] = pts[0];
        pts[1].t_s = pts[0].t_s + 1e-3;
        n = 2;
    }
    o->is_debris = 1;
    o->own_pts = 1;
    o->traj.n = n;
    o->traj.pts = pts;
    o->t0_s = s->sc->launches[d->parent_index].t_s;
    o->t_start_s = o->t0_s + pts[0].t_s;
    o->t_end_s = o->t0_s + pts[n - 1].t_s;
    o->rcs_m2 = o->rcs_boost_m2 = d->rcs_m2;
    tl_object_row *r = &o->row;
    snprintf(r->object_id, sizeof r->object_id, "%s", o->id);
    snprintf(r->kind, sizeof r->kind, "debris");
    snprintf(r->cls, sizeof r->cls, "debris");
    snprintf(r->parent, sizeof r->parent, "%s", d->parent);
    r->start_t_ns = sc->epoch_ns + to_ns(o->t_start_s);
    geo_deg(pts[0].x_ecef, &r->start_lat_deg, &r->start_lon_deg, &r->start_h_m);
    r->end_t_ns = sc->epoch_ns + to_ns(o->t_end_s);
    geo_deg(pts[n - 1].x_ecef, &r->end_lat_deg, &r->end_lon_deg, NULL);
    r->apogee_m = traj_apogee(&o->traj);
    r->orbital = 0;
    return TL_OK;
}

/* -------------------------------------------------------------- sensors */

static int setup_sensor(tl_sim *s, const tl_scn_sensor *c, sim_sensor *ss, tl_err *err)
{
    memset(ss, 0, sizeof *ss);
    ss->cfg = c;
    const char *id;
    double revisit;
    int rc;
    if (c->kind == TL_SENSOR_RADAR) {
        rc = tl_radar_init(&ss->radar, &c->radar, err);
        id = c->radar.id;
        revisit = c->radar.revisit_s;
    } else {
        rc = tl_irsat_init(&ss->ir, &c->ir, err);
        id = c->ir.id;
        revisit = c->ir.revisit_s;
    }
    if (rc != TL_OK)
        return rc;
    tl_rng_seed_named(&ss->rng, s->sc->seed, id);
    ss->revisit_ns = to_ns(revisit);
    if (ss->revisit_ns < 1)
        ss->revisit_ns = 1;
    double off = c->scan_offset_s;
    if (off < 0.0) {
        char name[TL_ID_LEN + 16];
        snprintf(name, sizeof name, "offset:%s", id);
        tl_rng orng;
        tl_rng_seed_named(&orng, s->sc->seed, name);
        off = revisit * tl_rng_uniform(&orng);
    }
    ss->offset_ns = to_ns(off);
    return TL_OK;
}

void tl_sim_destroy(tl_sim *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_obj; i++) {
        if (s->obj[i].own_pts) {
            free(s->obj[i].traj.pts);
            s->obj[i].traj.pts = NULL;
            s->obj[i].traj.n = 0;
        } else {
            tl_traj_free(&s->obj[i].traj);
        }
    }
    free(s->obj);
    free(s->sen);
    free(s->plots);
    free(s->truth);
    free(s);
}

int tl_sim_create(const tl_scenario *sc, tl_sim **out, tl_err *err)
{
    tl_sim *s = calloc(1, sizeof *s);
    if (!s)
        return tl_err_set(err, TL_ENOMEM, "simulation: out of memory");
    s->sc = sc;
    s->start_ns = sc->epoch_ns;
    s->end_ns = sc->epoch_ns + to_ns(sc->duration_s);
    s->next_plot_id = 1;
    size_t n_obj = sc->n_launches;
    for (size_t i = 0; i < sc->n_debris; i++)
        n_obj += (size_t)sc->debris[i].count;
    s->obj = calloc(n_obj ? n_obj : 1, sizeof *s->obj);
    s->sen = calloc(sc->n_sensors ? sc->n_sensors : 1, sizeof *s->sen);
    s->cap = n_obj + TL_SIM_FA_CAP + TL_SIM_CLUTTER_CAP * sc->n_clutter;
    s->plots = calloc(s->cap, sizeof *s->plots);
    s->truth = calloc(s->cap, sizeof *s->truth);
    int rc = TL_OK;
    if (!s->obj || !s->sen || !s->plots || !s->truth) {
        rc = tl_err_set(err, TL_ENOMEM, "simulation: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < sc->n_launches; i++) {
        if ((rc = fly_launch(s, &sc->launches[i], &s->obj[s->n_obj], err)) != TL_OK)
            goto fail;
        s->n_obj++;
    }
    for (size_t i = 0; i < sc->n_debris; i++)
        for (int k = 1; k <= sc->debris[i].count; k++) {
            if ((rc = fly_debris(s, &sc->debris[i], k, &s->obj[s->n_obj], err)) != TL_OK)
                goto fail;
            s->n_obj++;
        }
    for (size_t i = 0; i < sc->n_sensors; i++) {
        if ((rc = setup_sensor(s, &sc->sensors[i], &s->sen[i], err)) != TL_OK)
            goto fail;
        s->n_sen++;
    }
    *out = s;
    return TL_OK;
fail:
    tl_sim_destroy(s);
    return rc;
}

/* ---------------------------------------------------------------- truth */

static int object_state(const sim_object *o, double t_s, double x[6], int *phase, int *thrusting)
{
    if (t_s < o->t_start_s || t_s > o->t_end_s)
        return 0;
    double tr = t_s - o->t0_s;
    /* clamp against rounding at the ends of the window */
    if (tr < o->traj.pts[0].t_s)
        tr = o->traj.pts[0].t_s;
    if (tr > o->traj.pts[o->traj.n - 1].t_s)
        tr = o->traj.pts[o->traj.n - 1].t_s;
    return tl_traj_at(&o->traj, tr, x, phase, thrusting) == TL_OK;
}

int tl_sim_truth(const tl_sim *s, size_t i, int64_t t_ns, tl_truth_row *out)
{
    const sim_object *o = &s->obj[i];
    double x[6];
    int phase = 0, thr = 0;
    if (!object_state(o, (double)(t_ns - s->start_ns) * 1e-9, x, &phase, &thr))
        return 0;
    memset(out, 0, sizeof *out);
    out->t_ns = t_ns;
    snprintf(out->object_id, sizeof out->object_id, "%s", o->id);
    memcpy(out->x_ecef, x, sizeof x);
    out->phase = o->is_debris ? TL_PHASE_DEBRIS : phase;
    return 1;
}

/* ---------------------------------------------------------------- scans */

static int64_t scan_time(const tl_sim *s, const sim_sensor *ss)
{
    return s->start_ns + ss->offset_ns + ss->k * ss->revisit_ns;
}

static size_t scan_clutter(tl_sim *s, sim_sensor *ss, int64_t t_ns, size_t n)
{
    const tl_scenario *sc = s->sc;
    for (size_t c = 0; c < sc->n_clutter; c++) {
        const tl_scn_clutter *cl = &sc->clutter[c];
        tl_geodetic centre = {cl->lat_rad, cl->lon_rad, 0.5 * (cl->min_h_m + cl->max_h_m)};
        double ce[3];
        tl_geodetic_to_ecef(&centre, ce);
        unsigned k = tl_rng_poisson(&ss->rng, cl->plots_per_scan);
        /* the draw happens whether or not the radar sees the region, so streams
         * stay aligned across scenarios that differ only in geometry */
        int sees = tl_radar_visible(&ss->radar, ce) == TL_VIS_OK;
        size_t kept = 0;
        for (unsigned j = 0; j < k; j++) {
            double rr = cl->radius_m * sqrt(tl_rng_uniform(&ss->rng));
            double brg = 2 * TL_PI * tl_rng_uniform(&ss->rng);
            double h = cl->min_h_m + (cl->max_h_m - cl->min_h_m) * tl_rng_uniform(&ss->rng);
            double v[3] = {10.0 * tl_rng_normal(&ss->rng), 10.0 * tl_rng_normal(&ss->rng),
                           2.0 * tl_rng_normal(&ss->rng)};
            if (!sees || kept >= TL_SIM_CLUTTER_CAP || n >= s->cap)
                continue;
            tl_geodetic g = {0, 0, h};
            tl_geodesic_direct(cl->lat_rad, cl->lon_rad, brg, rr, &g.lat_rad, &g.lon_rad, NULL);
            double x[6];
            tl_geodetic_to_ecef(&g, x);
            tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, v, x + 3);
            if (tl_radar_visible(&ss->radar, x) != TL_VIS_OK)
                continue;
            tl_radar_measure(&ss->radar, &ss->rng, t_ns, x, &s->plots[n]);
            tl_plot_truth *tr = &s->truth[n];
            memset(tr, 0, sizeof *tr);
            tr->false_alarm = 1;
            join_id(tr->object_id, sizeof tr->object_id, "clutter:", cl->id);
            n++;
            kept++;
        }
    }
    return n;
}

static size_t run_scan(tl_sim *s, sim_sensor *ss, int64_t t_ns)
{
    double t_s = (double)(t_ns - s->start_ns) * 1e-9;
    size_t n = 0;
    for (size_t i = 0; i < s->n_obj; i++) {
        const sim_object *o = &s->obj[i];
        double x[6];
        int phase = 0, thr = 0;
        if (!object_state(o, t_s, x, &phase, &thr))
            continue;
        int hit;
        if (ss->cfg->kind == TL_SENSOR_RADAR)
            hit = tl_radar_detect(&ss->radar, &ss->rng, t_ns, x, thr ? o->rcs_boost_m2 : o->rcs_m2,
                                  &s->plots[n]);
        else
            hit = tl_irsat_detect(&ss->ir, &ss->rng, t_ns, x, thr && !o->is_debris, &s->plots[n]);
        if (!hit)
            continue;
        tl_plot_truth *tr = &s->truth[n];
        memset(tr, 0, sizeof *tr);
        snprintf(tr->object_id, sizeof tr->object_id, "%s", o->id);
        n++;
    }
    if (ss->cfg->kind == TL_SENSOR_RADAR) {
        size_t room = s->cap - n < TL_SIM_FA_CAP ? s->cap - n : TL_SIM_FA_CAP;
        size_t nf = tl_radar_false_alarms(&ss->radar, &ss->rng, t_ns, &s->plots[n], room);
        for (size_t j = 0; j < nf; j++) {
            tl_plot_truth *tr = &s->truth[n + j];
            memset(tr, 0, sizeof *tr);
            tr->false_alarm = 1;
            snprintf(tr->object_id, sizeof tr->object_id, "-");
        }
        n += nf;
        n = scan_clutter(s, ss, t_ns, n);
    }
    /* Fisher-Yates: the order of plots within a scan carries no information */
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(tl_rng_uniform(&ss->rng) * (double)i);
        if (j >= i)
            j = i - 1;
        tl_plot tp = s->plots[i - 1];
        s->plots[i - 1] = s->plots[j];
        s->plots[j] = tp;
        tl_plot_truth tt = s->truth[i - 1];
        s->truth[i - 1] = s->truth[j];
        s->truth[j] = tt;
    }
    for (size_t i = 0; i < n; i++) {
        s->plots[i].plot_id = s->next_plot_id;
        s->truth[i].plot_id = s->next_plot_id;
        s->next_plot_id++;
    }
    return n;
}

int tl_sim_next_scan(tl_sim *s, int64_t *t_ns, const tl_plot **plots, const tl_plot_truth **truth,
                     size_t *n)
{
    sim_sensor *best = NULL;
    int64_t tb = 0;
    for (size_t i = 0; i < s->n_sen; i++) {
        if (s->nation[0] && strcmp(sensor_nation(&s->sen[i]), s->nation) != 0)
            continue;
        int64_t t = scan_time(s, &s->sen[i]);
        if (!best || t < tb) {
            best = &s->sen[i];
            tb = t;
        }
    }
    if (!best || tb > s->end_ns)
        return 0;
    best->k++;
    *n = run_scan(s, best, tb);
    *t_ns = tb;
    *plots = s->plots;
    *truth = s->truth;
    return 1;
}

/* ---------------------------------------------------------------- files */

typedef struct out_files {
    FILE *truth, *plots, *ptruth, *objects;
} out_files;

static FILE *open_out(const char *dir, const char *name, const char *header, tl_err *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        tl_err_set(err, TL_EIO, "%s: cannot create: %s", path, strerror(errno));
        return NULL;
    }
    fprintf(f, "%s\n", header);
    return f;
}

static int close_all(out_files *o, int rc, const char *dir, tl_err *err)
{
    FILE **fs[4] = {&o->truth, &o->plots, &o->ptruth, &o->objects};
    for (int i = 0; i < 4; i++)
        if (*fs[i]) {
            if (fclose(*fs[i]) != 0 && rc == TL_OK)
                rc = tl_err_set(err, TL_EIO, "%s: write error", dir);
            *fs[i] = NULL;
        }
    return rc;
}

static int emit_truth_until(tl_sim *s, FILE *f, int64_t *next_ns, int64_t until_ns)
{
    int64_t step = to_ns(s->sc->truth_dt_s);
    char buf[512];
    while (*next_ns <= until_ns) { /* bounded: advances by step each time */
        for (size_t i = 0; i < s->n_obj; i++) {
            tl_truth_row row;
            if (!tl_sim_truth(s, i, *next_ns, &row))
                continue;
            int len = tl_truthio_format(&row, buf, sizeof buf);
            if (len < 0 || fwrite(buf, 1, (size_t)len, f) != (size_t)len)
                return TL_EIO;
        }
        *next_ns += step;
    }
    return TL_OK;
}

int tl_sim_write(tl_sim *s, const char *dir, int64_t end_ns, void (*pace)(void *ctx, int64_t t_ns),
                 void *ctx, size_t *n_plots, size_t *n_false, tl_err *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return tl_err_set(err, TL_EIO, "%s: cannot create directory: %s", dir, strerror(errno));
    if (end_ns <= 0 || end_ns > s->end_ns)
        end_ns = s->end_ns;
    out_files o = {0};
    o.truth = open_out(dir, "truth.csv", tl_truthio_header(), err);
    o.plots = o.truth ? open_out(dir, "plots.csv", tl_plotio_header(), err) : NULL;
    o.ptruth = o.plots ? open_out(dir, "plots_truth.csv", tl_plottruthio_header(), err) : NULL;
    o.objects = o.ptruth ? open_out(dir, "objects.csv", tl_objectio_header(), err) : NULL;
    if (!o.objects)
        return close_all(&o, TL_EIO, dir, err);
    char buf[512];
    for (size_t i = 0; i < s->n_obj; i++) {
        int len = tl_objectio_format(&s->obj[i].row, buf, sizeof buf);
        if (len < 0 || fwrite(buf, 1, (size_t)len, o.objects) != (size_t)len)
            return close_all(&o, tl_err_set(err, TL_EIO, "%s/objects.csv: write error", dir), dir,
                             err);
    }
    size_t np = 0, nf = 0;
    int64_t next_truth = s->start_ns, t_ns;
    const tl_plot *plots;
    const tl_plot_truth *truth;
    size_t n;
    while (tl_sim_next_scan(s, &t_ns, &plots, &truth, &n)) { /* ends at the run's end */
        if (t_ns > end_ns)
            break;
        if (emit_truth_until(s, o.truth, &next_truth, t_ns) != TL_OK)
            return close_all(&o, tl_err_set(err, TL_EIO, "%s/truth.csv: write error", dir), dir,
                             err);
        if (pace && n)
            pace(ctx, t_ns);
        for (size_t i = 0; i < n; i++) {
            int rc = tl_plotio_write(o.plots, &plots[i]);
            int len = tl_plottruthio_format(&truth[i], buf, sizeof buf);
            if (rc != TL_OK || len < 0 || fwrite(buf, 1, (size_t)len, o.ptruth) != (size_t)len)
                return close_all(&o,
                                 tl_err_set(err, TL_EIO, "%s: write error (plot %" PRIu64 ")", dir,
                                            plots[i].plot_id),
                                 dir, err);
            nf += truth[i].false_alarm != 0;
        }
        np += n;
        if (pace && n) {
            fflush(o.plots);
            fflush(o.ptruth);
            fflush(o.truth);
        }
    }
    if (emit_truth_until(s, o.truth, &next_truth, end_ns) != TL_OK)
        return close_all(&o, tl_err_set(err, TL_EIO, "%s/truth.csv: write error", dir), dir, err);
    if (n_plots)
        *n_plots = np;
    if (n_false)
        *n_false = nf;
    return close_all(&o, TL_OK, dir, err);
}
