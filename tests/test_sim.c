/* test_sim.c — the drill generator end to end: every shipped scenario runs
 * (shortened) and its plots agree with its own truth (radar residuals normalised
 * by the stated sigmas have zero mean and unit variance; every detection is above
 * the radar horizon by geo.h's independent line-of-sight test and inside the
 * sensor's range; IR plots only from burning boosters above the cloud tops);
 * output files are byte-identical for the same seed; and partners see a launch
 * in the expected order (Korean radars before Japanese ones). */
#include "tl_test.h"
#include "trilink/scenario.h"
#include "trilink/sensors.h"
#include "trilink/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    fclose(f);
    b[got] = '\0';
    *len = got;
    return b;
}

static void rm_dir(const char *dir)
{
    const char *names[] = {"truth.csv", "plots.csv", "plots_truth.csv", "objects.csv"};
    char p[512];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void load(const char *name, double max_duration, tl_scenario *sc)
{
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/%s", tl_test_source_dir(), name);
    tl_diag d;
    tl_diag_init(&d);
    int rc = tl_scenario_load(path, sc, &d);
    for (size_t i = 0; i < d.n; i++)
        print_message("%s\n", d.msg[i]);
    assert_int_equal(rc, TL_OK);
    tl_diag_free(&d);
    if (sc->duration_s > max_duration)
        sc->duration_s = max_duration;
}

static int run_to(tl_scenario *sc, const char *dir, tl_sim **keep, size_t *np)
{
    tl_sim *sim;
    tl_err err;
    int rc = tl_sim_create(sc, &sim, &err);
    if (rc != TL_OK)
        fail_msg("%s", err.msg);
    size_t nf;
    rc = tl_sim_write(sim, dir, 0, NULL, NULL, np, &nf, &err);
    if (rc != TL_OK)
        fail_msg("%s", err.msg);
    if (keep)
        *keep = sim;
    else
        tl_sim_destroy(sim);
    return rc;
}

static const tl_scn_sensor *find_sensor(const tl_scenario *sc, const char *id)
{
    for (size_t i = 0; i < sc->n_sensors; i++) {
        const tl_scn_sensor *s = &sc->sensors[i];
        if (!strcmp(s->kind == TL_SENSOR_RADAR ? s->radar.id : s->ir.id, id))
            return s;
    }
    return NULL;
}

static size_t find_object(const tl_sim *sim, const char *id)
{
    for (size_t i = 0; i < tl_sim_object_count(sim); i++) {
        tl_object_row r;
        tl_sim_object(sim, i, &r);
        if (!strcmp(r.object_id, id))
            return i;
    }
    return (size_t)-1;
}

/* A clutter return lies in its region: back-project the measurement and allow
 * for the radar's noise (5 sigma) */
static long clutter_seen[8]; /* per region index, reset by run_shipped */

static void check_clutter(const tl_scenario *sc, const tl_plot *p, const char *region)
{
    const tl_scn_clutter *cl = NULL;
    for (size_t i = 0; i < sc->n_clutter; i++)
        if (!strcmp(sc->clutter[i].id, region)) {
            cl = &sc->clutter[i];
            if (i < 8)
                clutter_seen[i]++;
        }
    assert_non_null(cl);
    double x[3];
    tl_aer_to_ecef(&p->site, p->site_ecef, p->z[1], p->z[2], p->z[0], x);
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    double d;
    tl_geodesic_inverse(cl->lat_rad, cl->lon_rad, g.lat_rad, g.lon_rad, &d, NULL, NULL);
    double tol = 5.0 * (p->sigma[0] + p->z[0] * (p->sigma[1] + p->sigma[2]));
    if (d > cl->radius_m + tol || g.h_m < cl->min_h_m - tol || g.h_m > cl->max_h_m + tol)
        fail_msg("clutter plot %llu of %s at %.1f km from the centre, h %.1f km",
                 (unsigned long long)p->plot_id, region, d / 1e3, g.h_m / 1e3);
}

typedef struct stats {
    double s[4], s2[4];
    long n[4];
} stats;

/* Check a run's files against the simulation's truth; returns the number of
 * real-object plots. first_* receive the first detection time of object `who`
 * by nation JP and KR (0 if none). */
static long check_run(const tl_scenario *sc, tl_sim *sim, const char *dir, size_t np,
                      const char *who, int64_t *first_jp, int64_t *first_kr)
{
    char path[512];
    snprintf(path, sizeof path, "%s/plots.csv", dir);
    tl_plotio_reader rd;
    tl_err err;
    assert_int_equal(tl_plotio_open(&rd, path, &err), TL_OK);
    snprintf(path, sizeof path, "%s/plots_truth.csv", dir);
    FILE *tf = fopen(path, "r");
    assert_non_null(tf);
    char line[512];
    assert_non_null(fgets(line, sizeof line, tf));
    stats st;
    memset(&st, 0, sizeof st);
    long real = 0, fa = 0, ir = 0;
    size_t count = 0;
    int64_t last_t = INT64_MIN;
    tl_plot p;
    int rc;
    *first_jp = *first_kr = 0;
    while ((rc = tl_plotio_next(&rd, &p, &err)) == 1) {
        count++;
        assert_true(p.plot_id == count); /* 1, 2, 3 ... */
        assert_true(p.t_ns >= last_t);   /* time-ordered */
        last_t = p.t_ns;
        assert_true(p.t_ns >= sc->epoch_ns && p.t_ns <= tl_sim_end_ns(sim));
        assert_non_null(fgets(line, sizeof line, tf));
        tl_plot_truth pt;
        assert_int_equal(
            tl_plottruthio_read_line(line, "plots_truth.csv", (long)count + 1, &pt, &err), TL_OK);
        assert_true(pt.plot_id == p.plot_id);
        const tl_scn_sensor *s = find_sensor(sc, p.sensor_id);
        assert_non_null(s);
        if (pt.false_alarm) {
            fa++;
            assert_true(!strcmp(pt.object_id, "-") || !strncmp(pt.object_id, "clutter:", 8));
            if (!strncmp(pt.object_id, "clutter:", 8))
                check_clutter(sc, &p, pt.object_id + 8);
            continue;
        }
        size_t oi = find_object(sim, pt.object_id);
        assert_true(oi != (size_t)-1);
        tl_truth_row tr;
        assert_int_equal(tl_sim_truth(sim, oi, p.t_ns, &tr), 1);
        real++;
        if (who && !strcmp(pt.object_id, who)) {
            if (!strcmp(p.nation, "JP") && !*first_jp)
                *first_jp = p.t_ns;
            if (!strcmp(p.nation, "KR") && !*first_kr)
                *first_kr = p.t_ns;
        }
        if (s->kind == TL_SENSOR_RADAR) {
            tl_radar r;
            assert_int_equal(tl_radar_init(&r, &s->radar, NULL), TL_OK);
            /* independent visibility: geo.h's line of sight over the 4/3 Earth */
            if (!tl_los_visible(&r.cfg.site, tr.x_ecef, TL_K_REFRACTION))
                fail_msg("%s saw %s below its horizon at plot %llu", p.sensor_id, pt.object_id,
                         (unsigned long long)p.plot_id);
            double z[4];
            tl_radar_truth_z(&r, tr.x_ecef, z);
            assert_true(z[0] <= r.cfg.max_range_m && z[0] >= r.cfg.min_range_m);
            for (int k = 0; k < p.nz; k++) {
                double e = p.z[k] - z[k] - r.cfg.bias[k];
                if (k == 1)
                    e = tl_wrap_pi(e);
                e /= p.sigma[k];
                st.s[k] += e;
                st.s2[k] += e * e;
                st.n[k]++;
            }
        } else {
            ir++;
            tl_geodetic g;
            tl_ecef_to_geodetic(tr.x_ecef, &g);
            assert_true(g.h_m >= s->ir.cloud_top_m);
            assert_int_equal(tr.phase, TL_PHASE_BOOST);
            tl_irsat sat;
            assert_int_equal(tl_irsat_init(&sat, &s->ir, NULL), TL_OK);
            double z[2];
            tl_irsat_truth_z(&sat, tr.x_ecef, z);
            assert_true(fabs(tl_wrap_pi(p.z[0] - z[0])) < 6 * p.sigma[0]);
            assert_true(fabs(p.z[1] - z[1]) < 6 * p.sigma[1]);
        }
    }
    assert_int_equal(rc, 0);
    assert_null(fgets(line, sizeof line, tf)); /* one truth line per plot */
    fclose(tf);
    tl_plotio_close(&rd);
    assert_int_equal(count, np);
    for (int k = 0; k < 4; k++) {
        if (st.n[k] < 30)
            continue;
        double mu = st.s[k] / st.n[k], var = st.s2[k] / st.n[k] - mu * mu;
        print_message("  component %d: %ld residuals, mean %.3f sd %.3f (normalised)\n", k, st.n[k],
                      mu, sqrt(var));
        assert_near(mu, 0.0, 4.4 / sqrt((double)st.n[k]));
        assert_near(var, 1.0, 4.4 * sqrt(2.0 / st.n[k]));
    }
    print_message("  %zu plots: %ld real (%ld IR), %ld false\n", count, real, ir, fa);
    return real;
}

/* TL_SIM_FULL=1 runs every shipped scenario for its whole duration (slow). */
static void run_shipped(const char *name, double dur, long min_real)
{
    tl_scenario sc;
    const char *full = getenv("TL_SIM_FULL");
    load(name, full && full[0] == '1' ? 1e9 : dur, &sc);
    char dir[] = "/tmp/tl_sim_XXXXXX";
    assert_non_null(mkdtemp(dir));
    tl_sim *sim;
    size_t np;
    run_to(&sc, dir, &sim, &np);
    int64_t fj, fk;
    print_message("%s (%.0f s):\n", name, sc.duration_s);
    memset(clutter_seen, 0, sizeof clutter_seen);
    long real = check_run(&sc, sim, dir, np, NULL, &fj, &fk);
    assert_true(real >= min_real);
    for (size_t i = 0; i < sc.n_clutter && i < 8; i++) { /* every region is seen */
        print_message("  clutter %s: %ld plots\n", sc.clutter[i].id, clutter_seen[i]);
        assert_true(clutter_seen[i] > 10);
    }
    /* objects.csv lists every object; truth.csv parses */
    char path[600];
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    FILE *f = fopen(path, "r");
    char line[512];
    long n = 0;
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "t_ns,object_id,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps,phase\n");
    while (fgets(line, sizeof line, f)) {
        tl_truth_row t;
        tl_err err;
        if (tl_truthio_read_line(line, path, n + 2, &t, &err) != TL_OK)
            fail_msg("%s", err.msg);
        n++;
    }
    fclose(f);
    assert_true(n > 0);
    tl_sim_destroy(sim);
    tl_scenario_free(&sc);
    rm_dir(dir);
}

static void test_default(void **state)
{
    (void)state;
    run_shipped("default.yaml", 1200, 500);
}
static void test_salvo(void **state)
{
    (void)state;
    run_shipped("salvo.yaml", 500, 500);
}
static void test_overflight(void **state)
{
    (void)state;
    run_shipped("overflight.yaml", 700, 200);
}
static void test_slv(void **state)
{
    (void)state;
    run_shipped("slv.yaml", 500, 100);
}
static void test_dense(void **state)
{
    (void)state;
    run_shipped("dense.yaml", 500, 2000);
}

static void test_determinism(void **state)
{
    (void)state;
    char d1[] = "/tmp/tl_simA_XXXXXX", d2[] = "/tmp/tl_simB_XXXXXX", d3[] = "/tmp/tl_simC_XXXXXX";
    assert_non_null(mkdtemp(d1));
    assert_non_null(mkdtemp(d2));
    assert_non_null(mkdtemp(d3));
    const char *dirs[3] = {d1, d2, d3};
    for (int k = 0; k < 3; k++) {
        tl_scenario sc;
        load("dense.yaml", 300, &sc);
        if (k == 2)
            sc.seed += 1;
        size_t np;
        run_to(&sc, dirs[k], NULL, &np);
        tl_scenario_free(&sc);
    }
    const char *names[] = {"truth.csv", "plots.csv", "plots_truth.csv", "objects.csv"};
    for (int i = 0; i < 4; i++) {
        char pa[600], pb[600], pc[600];
        snprintf(pa, sizeof pa, "%s/%s", d1, names[i]);
        snprintf(pb, sizeof pb, "%s/%s", d2, names[i]);
        snprintf(pc, sizeof pc, "%s/%s", d3, names[i]);
        size_t la, lb, lc;
        char *a = slurp(pa, &la), *b = slurp(pb, &lb), *c = slurp(pc, &lc);
        assert_non_null(a);
        assert_true(la > 100);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        /* another seed: new noise and debris, same missiles */
        if (i == 1)
            assert_true(la != lc || memcmp(a, c, la) != 0);
        free(a);
        free(b);
        free(c);
    }
    for (int k = 0; k < 3; k++)
        rm_dir(dirs[k]);
}

/* The premise of sharing: Korean radars near the launch site see the lofted
 * launch first; Japanese radars only once it climbs above their horizon. */
static void test_detection_order(void **state)
{
    (void)state;
    tl_scenario sc;
    load("default.yaml", 400, &sc);
    char dir[] = "/tmp/tl_simO_XXXXXX";
    assert_non_null(mkdtemp(dir));
    tl_sim *sim;
    size_t np;
    run_to(&sc, dir, &sim, &np);
    int64_t fj, fk;
    check_run(&sc, sim, dir, np, "M1", &fj, &fk);
    tl_object_row m1;
    tl_sim_object(sim, find_object(sim, "M1"), &m1);
    print_message("M1 first seen by KR %.1f s, JP %.1f s after launch\n",
                  (double)(fk - m1.start_t_ns) * 1e-9, (double)(fj - m1.start_t_ns) * 1e-9);
    assert_true(fk > 0 && fj > 0);
    assert_true(fk < fj);
    /* at JP's first detection the missile is above Japan's radar horizon: the
     * closest JP radar (Aegis, ~850 km away) needs roughly d^2 / (2 k R) ~ 40 km */
    size_t oi = find_object(sim, "M1");
    tl_truth_row tr;
    assert_int_equal(tl_sim_truth(sim, oi, fj, &tr), 1);
    tl_geodetic g;
    tl_ecef_to_geodetic(tr.x_ecef, &g);
    print_message("M1 height at JP's first detection: %.1f km\n", g.h_m / 1e3);
    assert_true(g.h_m > 30e3);
    tl_sim_destroy(sim);
    tl_scenario_free(&sc);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),         cmocka_unit_test(test_salvo),
        cmocka_unit_test(test_overflight),      cmocka_unit_test(test_slv),
        cmocka_unit_test(test_dense),           cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_detection_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
