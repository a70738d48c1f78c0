/* test_score.c — the scoring module on constructed cases with known answers:
 * exact tracks with set offsets (RMSE and NEES in closed form), truth sampled
 * coarser than the tracks (Hermite interpolation of ballistic truth), a swap, a
 * break, a false track, time to first confirmed track, and OSPA against a brute
 * force over all permutations. */
#include "tl_test.h"
#include "trilink/dynamics.h"
#include "trilink/flight.h"
#include "trilink/geo.h"
#include "trilink/score.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000LL
#define T0 1790000000000000000LL
#define NT 101

static tl_score_truth g_truth[4 * NT];
static tl_score_track g_tracks[8 * NT];

static void ballistic(double lat, double lon, double ve, double vn, double x[NT][6])
{
    tl_geodetic g = {lat * TL_DEG, lon * TL_DEG, 200e3};
    tl_geodetic_to_ecef(&g, x[0]);
    double v[3] = {ve, vn, 1000.0};
    tl_vec_enu_to_ecef(g.lat_rad, g.lon_rad, v, x[0] + 3);
    tl_dyn_model m;
    tl_dyn_model_default(&m);
    m.flags &= ~(unsigned)TL_DYN_DRAG;
    for (int k = 1; k < NT; k++) {
        memcpy(x[k], x[k - 1], 6 * sizeof(double));
        tl_dyn_propagate(&m, x[k], 1.0, 0.25);
    }
}

static void set_P(tl_score_track *r, double sp, double sv)
{
    memset(r->P, 0, sizeof r->P);
    for (int i = 0; i < 3; i++) {
        r->P[i][i] = sp * sp;
        r->P[3 + i][3 + i] = sv * sv;
    }
}

static double objs[2][NT][6];

static void test_rmse_nees_closed_form(void **state)
{
    (void)state;
    ballistic(40, 130, 2000, 500, objs[0]);
    ballistic(41, 131, 1500, 1500, objs[1]);
    size_t nt = 0, nk = 0;
    for (int o = 0; o < 2; o++)
        for (int k = 0; k < NT; k += 2) { /* truth every 2 s */
            tl_score_truth *t = &g_truth[nt++];
            t->t_ns = T0 + k * NS;
            snprintf(t->object_id, sizeof t->object_id, "M%d", o + 1);
            memcpy(t->x_ecef, objs[o][k], sizeof t->x_ecef);
            t->phase = o == 1 ? 1 : 0; /* M2 "midcourse", M1 "boost" */
        }
    /* track 1 on M1 from t = 10 s, +100 m in x; track 2 on M2 from t = 5 s, +200 m in y;
     * both every second (odd seconds need interpolated truth) */
    for (int k = 5; k < NT - 1; k++)
        for (int o = 0; o < 2; o++) {
            if (o == 0 && k < 10)
                continue;
            tl_score_track *r = &g_tracks[nk++];
            memset(r, 0, sizeof *r);
            r->t_ns = T0 + k * NS;
            r->id = (uint32_t)(o + 1);
            memcpy(r->x_ecef, objs[o][k], sizeof r->x_ecef);
            r->x_ecef[o == 0 ? 0 : 1] += o == 0 ? 100.0 : 200.0;
            set_P(r, o == 0 ? 100.0 : 200.0, 10.0); /* NEES = 1 exactly for both */
        }
    tl_score_result res;
    tl_score_object ob[4];
    assert_int_equal(tl_score_run(g_truth, nt, g_tracks, nk, NULL, &res, ob, 4, NULL, NULL),
                     TL_OK);
    size_t n1 = NT - 1 - 10, n2 = NT - 1 - 5;
    double expect = sqrt((n1 * 1e4 + n2 * 4e4) / (double)(n1 + n2));
    printf("# score: rmse pos %.4f (expect %.4f), vel %.4f, anees %.4f, ospa %.1f\n",
           res.rmse_pos_m, expect, res.rmse_vel_mps, res.anees, res.ospa_mean_m);
    assert_int_equal(res.n_objects, 2);
    assert_int_equal(res.n_tracks, 2);
    assert_int_equal(res.n_err, n1 + n2);
    assert_near(res.rmse_pos_m, expect, 0.05); /* interpolation error of the truth only */
    assert_true(res.rmse_vel_mps < 0.05);
    assert_near(res.anees, 1.0, 0.01);
    assert_int_equal(res.n_err_mid, n2); /* per-phase figures: M2's rows only */
    assert_near(res.rmse_pos_mid_m, 200.0, 0.05);
    assert_near(res.anees_mid, 1.0, 0.01);
    assert_int_equal(res.swaps, 0);
    assert_int_equal(res.false_tracks, 0);
    assert_near(res.purity, 1.0, 1e-12);
    assert_string_equal(ob[0].object_id, "M1");
    assert_true(ob[0].t_first_confirmed_ns - ob[0].t_first_ns == 10 * NS);
    assert_true(ob[1].t_first_confirmed_ns - ob[1].t_first_ns == 5 * NS);
    /* completeness: M1 matched from 10 s to 99 s of its 0..100 s span (scans = track times) */
    assert_near(ob[0].completeness, (double)n1 / (NT - 1 - 5), 1e-12);
    assert_near(ob[1].completeness, 1.0, 1e-12);
    assert_int_equal(ob[0].n_tracks, 1);
}

/* NEES per truth phase: one object whose truth is boost, then midcourse, then
 * re-entry; a track 100 m off in x with a position sigma of 100, 50, 100/3 m in
 * those phases has NEES exactly 1, 4 and 9 (velocity exact): the per-phase means
 * must come out as those, the totals as the row-weighted mean. */
static void test_nees_per_phase(void **state)
{
    (void)state;
    ballistic(40, 130, 2000, 500, objs[0]);
    size_t nt = 0, nk = 0;
    for (int k = 0; k < NT; k++) {
        tl_score_truth *t = &g_truth[nt++];
        t->t_ns = T0 + k * NS;
        snprintf(t->object_id, sizeof t->object_id, "M1");
        memcpy(t->x_ecef, objs[0][k], sizeof t->x_ecef);
        t->phase = k < 30 ? TL_PHASE_BOOST : k < 70 ? TL_PHASE_MIDCOURSE : TL_PHASE_TERMINAL;
    }
    static const double sp[3] = {100.0, 50.0, 100.0 / 3.0};
    size_t n[3] = {0};
    for (int k = 0; k < NT; k++) {
        int ph = k < 30 ? 0 : k < 70 ? 1 : 2;
        tl_score_track *r = &g_tracks[nk++];
        memset(r, 0, sizeof *r);
        r->t_ns = T0 + k * NS;
        r->id = 7;
        memcpy(r->x_ecef, objs[0][k], sizeof r->x_ecef);
        r->x_ecef[0] += 100.0;
        set_P(r, sp[ph], 10.0);
        n[ph]++;
    }
    tl_score_result res;
    tl_score_object ob[2];
    assert_int_equal(tl_score_run(g_truth, nt, g_tracks, nk, NULL, &res, ob, 2, NULL, NULL),
                     TL_OK);
    printf("# score per phase: anees boost %.4f (%zu rows), midcourse %.4f (%zu), re-entry "
           "%.4f (%zu)\n",
           res.anees_phase[TL_SCORE_PHASE_BOOST], res.n_nees_phase[TL_SCORE_PHASE_BOOST],
           res.anees_phase[TL_SCORE_PHASE_MIDCOURSE], res.n_nees_phase[TL_SCORE_PHASE_MIDCOURSE],
           res.anees_phase[TL_SCORE_PHASE_REENTRY], res.n_nees_phase[TL_SCORE_PHASE_REENTRY]);
    for (int ph = 0; ph < TL_SCORE_PHASES; ph++) {
        double want = (double)((ph + 1) * (ph + 1));
        assert_int_equal(res.n_nees_phase[ph], n[ph]);
        assert_near(res.anees_phase[ph], want, 1e-6);
        assert_near(res.rmse_pos_phase_m[ph], 100.0, 1e-6);
        assert_int_equal(ob[0].n_nees_phase[ph], n[ph]);
        assert_near(ob[0].anees_phase[ph], want, 1e-6);
    }
    assert_near(res.anees, (n[0] * 1.0 + n[1] * 4.0 + n[2] * 9.0) / (n[0] + n[1] + n[2]), 1e-6);
    assert_near(res.anees_mid, 4.0, 1e-6);
}

static void test_swap_break_false(void **state)
{
    (void)state;
    ballistic(40, 130, 2000, 500, objs[0]);
    ballistic(40.5, 130.5, 2000, 500, objs[1]); /* parallel, ~60 km apart */
    size_t nt = 0, nk = 0;
    for (int o = 0; o < 2; o++)
        for (int k = 0; k < NT; k++) {
            tl_score_truth *t = &g_truth[nt++];
            t->t_ns = T0 + k * NS;
            snprintf(t->object_id, sizeof t->object_id, "M%d", o + 1);
            memcpy(t->x_ecef, objs[o][k], sizeof t->x_ecef);
        }
    /* track 7 follows M1 until 49 s then M2 (a swap); track 8 follows M2 until 49 s and
     * is deleted (M2 then sees a break to track 7); track 9 is nowhere near anything */
    for (int k = 0; k < NT - 1; k++) {
        tl_score_track *r = &g_tracks[nk++];
        memset(r, 0, sizeof *r);
        r->t_ns = T0 + k * NS;
        r->id = 7;
        memcpy(r->x_ecef, objs[k < 50 ? 0 : 1][k], sizeof r->x_ecef);
        set_P(r, 50, 5);
        if (k < 50) {
            r = &g_tracks[nk++];
            memset(r, 0, sizeof *r);
            r->t_ns = T0 + k * NS;
            r->id = 8;
            r->deleted = k == 49;
            memcpy(r->x_ecef, objs[1][k], sizeof r->x_ecef);
            set_P(r, 50, 5);
        }
        r = &g_tracks[nk++];
        memset(r, 0, sizeof *r);
        r->t_ns = T0 + k * NS;
        r->id = 9;
        memcpy(r->x_ecef, objs[0][k], sizeof r->x_ecef);
        r->x_ecef[2] += 500e3;
        set_P(r, 50, 5);
    }
    tl_score_result res;
    tl_score_object ob[2];
    assert_int_equal(tl_score_run(g_truth, nt, g_tracks, nk, NULL, &res, ob, 2, NULL, NULL),
                     TL_OK);
    assert_int_equal(res.swaps, 1);
    assert_int_equal(res.false_tracks, 1);
    assert_int_equal(ob[1].breaks, 1);
    assert_int_equal(ob[1].n_tracks, 2);
    /* purity: track 7 has 50 rows on M1 and 50 on M2 -> 0.5; track 8 -> 1 (49 rows) */
    assert_near(res.purity, 0.75, 1e-12);
}

/* OSPA by brute force over injections of the smaller set into the larger. */
static double ospa_brute(double (*a)[3], int m, double (*b)[3], int n, double c, double p)
{
    if (m > n)
        return ospa_brute(b, n, a, m, c, p);
    if (n == 0)
        return 0.0;
    int perm[6];
    for (int i = 0; i < n; i++)
        perm[i] = i;
    double best = INFINITY;
    for (;;) {
        double s = 0;
        for (int i = 0; i < m; i++) {
            double d = sqrt(pow(a[i][0] - b[perm[i]][0], 2) + pow(a[i][1] - b[perm[i]][1], 2) +
                            pow(a[i][2] - b[perm[i]][2], 2));
            s += pow(fmin(d, c), p);
        }
        if (s < best)
            best = s;
        int i = n - 2; /* next permutation */
        while (i >= 0 && perm[i] >= perm[i + 1])
            i--;
        if (i < 0)
            break;
        int j = n - 1;
        while (perm[j] <= perm[i])
            j--;
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        for (int l = i + 1, r = n - 1; l < r; l++, r--) {
            t = perm[l];
            perm[l] = perm[r];
            perm[r] = t;
        }
    }
    return pow((best + pow(c, p) * (n - m)) / n, 1.0 / p);
}

typedef struct ospa_ctx {
    double got[64];
    int n;
} ospa_ctx;

static void on_scan(void *ctx, int64_t t, double ospa, size_t nt, size_t nk)
{
    (void)t;
    (void)nt;
    (void)nk;
    ospa_ctx *c = ctx;
    if (c->n < 64)
        c->got[c->n++] = ospa;
}

static void test_ospa_vs_brute_force(void **state)
{
    (void)state;
    tl_test_rng r;
    tl_test_rng_seed(&r, 21);
    for (int trial = 0; trial < 200; trial++) {
        int m = (int)(tl_test_uniform(&r) * 6), n = 1 + (int)(tl_test_uniform(&r) * 5);
        double a[6][3], b[6][3];
        for (int i = 0; i < m; i++)
            for (int q = 0; q < 3; q++)
                a[i][q] = 6.4e6 * (q == 0) + 20e3 * tl_test_uniform(&r);
        for (int i = 0; i < n; i++)
            for (int q = 0; q < 3; q++)
                b[i][q] = 6.4e6 * (q == 0) + 20e3 * tl_test_uniform(&r);
        /* one scan: truths a (static, two samples spanning the scan), tracks b */
        size_t nt = 0;
        for (int i = 0; i < m; i++)
            for (int s = 0; s < 2; s++) {
                tl_score_truth *t = &g_truth[nt++];
                memset(t, 0, sizeof *t);
                t->t_ns = T0 + (s ? 2 : 0) * NS;
                snprintf(t->object_id, sizeof t->object_id, "O%d", i);
                memcpy(t->x_ecef, a[i], sizeof a[i]);
            }
        for (int i = 0; i < n; i++) {
            memset(&g_tracks[i], 0, sizeof g_tracks[i]);
            g_tracks[i].t_ns = T0 + NS;
            g_tracks[i].id = (uint32_t)(i + 1);
            memcpy(g_tracks[i].x_ecef, b[i], sizeof b[i]);
            set_P(&g_tracks[i], 100, 10);
        }
        tl_score_config cfg;
        tl_score_config_default(&cfg);
        cfg.ospa_p = trial % 2 ? 1.0 : 2.0;
        ospa_ctx c = {.n = 0};
        tl_score_result res;
        assert_int_equal(tl_score_run(g_truth, nt, g_tracks, (size_t)n, &cfg, &res, NULL, 0,
                                      on_scan, &c),
                         TL_OK);
        assert_int_equal(c.n, 1);
        double ref = ospa_brute(a, m, b, n, cfg.ospa_c_m, cfg.ospa_p);
        assert_near(c.got[0], ref, 1e-6 * (1 + ref));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rmse_nees_closed_form),
        cmocka_unit_test(test_nees_per_phase),
        cmocka_unit_test(test_swap_break_false),
        cmocka_unit_test(test_ospa_vs_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
