/* test_assoc.c — tl_assign_sparse against two independent references:
 *  - brute force over every partial assignment (including leaving rows/cols out)
 *    on random small problems;
 *  - a dense O(N^3) Hungarian method (potentials + alternating-tree form, written
 *    here independently) on the square (n+m) augmentation for larger problems.
 * Also checks the returned assignment is consistent, uses only gated pairs, and
 * that its reported total equals the cost recomputed from the assignment. */
#include "tl_test.h"
#include "trilink/assoc.h"
#include "trilink/error.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#define BIG 1e15

/* ---------- brute force ---------- */
typedef struct bf {
    int n, m;
    double c[6][6]; /* BIG = not gated */
    double miss, best;
    int used[6];
} bf;

static void bf_rec(bf *b, int i, double acc)
{
    if (i == b->n) {
        int free_cols = 0;
        for (int j = 0; j < b->m; j++)
            free_cols += !b->used[j];
        double t = acc + free_cols * b->miss;
        if (t < b->best)
            b->best = t;
        return;
    }
    bf_rec(b, i + 1, acc + b->miss);
    for (int j = 0; j < b->m; j++) {
        if (b->used[j] || b->c[i][j] >= BIG)
            continue;
        b->used[j] = 1;
        bf_rec(b, i + 1, acc + b->c[i][j]);
        b->used[j] = 0;
    }
}

/* ---------- dense Hungarian (1-based potentials form) on a square matrix ---------- */
static double hungarian_dense(int N, const double *a /* N*N row-major */)
{
    double *u = calloc(N + 1, sizeof *u), *v = calloc(N + 1, sizeof *v);
    double *minv = malloc((N + 1) * sizeof *minv);
    int *p = calloc(N + 1, sizeof *p), *way = calloc(N + 1, sizeof *way);
    char *used = malloc(N + 1);
    for (int i = 1; i <= N; i++) {
        p[0] = i;
        int j0 = 0;
        for (int j = 0; j <= N; j++) {
            minv[j] = DBL_MAX;
            used[j] = 0;
        }
        do {
            used[j0] = 1;
            int i0 = p[j0], j1 = 0;
            double delta = DBL_MAX;
            for (int j = 1; j <= N; j++) {
                if (used[j])
                    continue;
                double cur = a[(i0 - 1) * N + (j - 1)] - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (int j = 0; j <= N; j++) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    double total = 0;
    for (int j = 1; j <= N; j++)
        total += a[(p[j] - 1) * N + (j - 1)];
    free(u);
    free(v);
    free(minv);
    free(p);
    free(way);
    free(used);
    return total;
}

/* Square augmentation with BIG for forbidden entries (independent of the solver's). */
static double dense_reference(int n, int m, const tl_assign_edge *e, int ne, double miss)
{
    int N = n + m;
    double *a = malloc((size_t)N * N * sizeof *a);
    for (int k = 0; k < N * N; k++)
        a[k] = BIG;
    for (int k = 0; k < ne; k++) {
        double *x = &a[e[k].row * N + e[k].col];
        if (e[k].cost < *x)
            *x = e[k].cost;
    }
    for (int i = 0; i < n; i++)
        a[i * N + m + i] = miss;
    for (int j = 0; j < m; j++)
        a[(n + j) * N + j] = miss;
    for (int j = 0; j < m; j++)
        for (int i = 0; i < n; i++)
            a[(n + j) * N + m + i] = 0.0; /* dense zero block: never wrong, only looser */
    double t = hungarian_dense(N, a);
    free(a);
    return t;
}

/* Run the solver, check structure, return total. */
static double solve_checked(int n, int m, const tl_assign_edge *e, int ne, double miss)
{
    size_t wsz = tl_assign_workspace_size(n, m, ne);
    assert_true(wsz > 0);
    void *ws = malloc(wsz);
    int32_t *r2c = malloc((n + 1) * sizeof *r2c), *c2r = malloc((m + 1) * sizeof *c2r);
    double total = -1;
    assert_int_equal(tl_assign_sparse(n, m, e, ne, miss, r2c, c2r, ws, &total), TL_OK);
    double recomputed = 0;
    for (int i = 0; i < n; i++) {
        if (r2c[i] < 0) {
            recomputed += miss;
            continue;
        }
        assert_true(r2c[i] < m);
        assert_int_equal(c2r[r2c[i]], i);
        double best = INFINITY;
        for (int k = 0; k < ne; k++)
            if ((int)e[k].row == i && (int)e[k].col == r2c[i] && e[k].cost < best)
                best = e[k].cost;
        assert_true(isfinite(best)); /* only gated pairs */
        recomputed += best;
    }
    for (int j = 0; j < m; j++) {
        if (c2r[j] < 0)
            recomputed += miss;
        else
            assert_int_equal(r2c[c2r[j]], j);
    }
    assert_near(total, recomputed, 1e-9 * (1 + fabs(recomputed)));
    free(ws);
    free(r2c);
    free(c2r);
    return total;
}

static void test_brute_force_small(void **state)
{
    (void)state;
    tl_test_rng r;
    tl_test_rng_seed(&r, 42);
    for (int trial = 0; trial < 3000; trial++) {
        bf b;
        memset(&b, 0, sizeof b);
        b.n = (int)(tl_test_uniform(&r) * 6);
        b.m = (int)(tl_test_uniform(&r) * 6);
        b.miss = 0.2 + 3.0 * tl_test_uniform(&r);
        double density = tl_test_uniform(&r);
        int integer = trial % 3 == 0; /* integer costs provoke ties */
        tl_assign_edge e[40];
        int ne = 0;
        for (int i = 0; i < b.n; i++)
            for (int j = 0; j < b.m; j++) {
                b.c[i][j] = BIG;
                if (tl_test_uniform(&r) < density) {
                    double c = integer ? floor(tl_test_uniform(&r) * 5) - 1
                                       : 6.0 * tl_test_uniform(&r) - 1.0;
                    b.c[i][j] = c;
                    e[ne++] = (tl_assign_edge){(uint32_t)i, (uint32_t)j, c};
                }
            }
        if (integer)
            b.miss = floor(b.miss);
        b.best = INFINITY;
        bf_rec(&b, 0, 0.0);
        double got = solve_checked(b.n, b.m, e, ne, b.miss);
        if (fabs(got - b.best) > 1e-9)
            fail_msg("trial %d (n=%d m=%d ne=%d): solver %.12g brute force %.12g", trial, b.n,
                     b.m, ne, got, b.best);
    }
}

static void test_vs_dense_hungarian(void **state)
{
    (void)state;
    tl_test_rng r;
    tl_test_rng_seed(&r, 7);
    for (int trial = 0; trial < 60; trial++) {
        int n = 10 + (int)(tl_test_uniform(&r) * 110);
        int m = 10 + (int)(tl_test_uniform(&r) * 110);
        double density = trial < 20 ? 0.02 : (trial < 40 ? 0.15 : 0.8);
        double miss = 0.5 + 5 * tl_test_uniform(&r);
        int cap = n * m;
        tl_assign_edge *e = malloc(cap * sizeof *e);
        int ne = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                if (tl_test_uniform(&r) < density)
                    e[ne++] = (tl_assign_edge){(uint32_t)i, (uint32_t)j,
                                               10.0 * tl_test_uniform(&r) - 2.0};
        /* a few duplicate edges: the cheaper must win */
        for (int k = 0; k < 5 && ne > 0 && ne < cap; k++) {
            e[ne] = e[(int)(tl_test_uniform(&r) * ne)];
            e[ne].cost -= 1.0;
            ne++;
        }
        double ref = dense_reference(n, m, e, ne, miss);
        double got = solve_checked(n, m, e, ne, miss);
        if (fabs(got - ref) > 1e-7 * (1 + fabs(ref)))
            fail_msg("trial %d n=%d m=%d ne=%d: solver %.12g dense Hungarian %.12g", trial, n, m,
                     ne, got, ref);
        free(e);
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    tl_assign_edge e[2] = {{0, 0, 1.0}, {1, 5, 1.0}};
    int32_t r2c[2], c2r[2];
    char ws[4096];
    assert_true(tl_assign_workspace_size(2, 2, 2) <= sizeof ws);
    assert_int_equal(tl_assign_sparse(2, 2, e, 2, 1.0, r2c, c2r, ws, NULL), TL_EINVAL);
    e[1] = (tl_assign_edge){1, 1, NAN};
    assert_int_equal(tl_assign_sparse(2, 2, e, 2, 1.0, r2c, c2r, ws, NULL), TL_EINVAL);
    e[1] = (tl_assign_edge){1, 1, 0.5};
    assert_int_equal(tl_assign_sparse(2, 2, e, 2, INFINITY, r2c, c2r, ws, NULL), TL_EINVAL);
    double t;
    assert_int_equal(tl_assign_sparse(2, 2, e, 2, 1.0, r2c, c2r, ws, &t), TL_OK);
    assert_int_equal(r2c[0], 0);
    assert_int_equal(r2c[1], 1);
    assert_near(t, 1.5, 1e-12);
    /* pair more expensive than two misses: left unassigned */
    e[0].cost = 2.5;
    assert_int_equal(tl_assign_sparse(2, 2, e, 2, 1.0, r2c, c2r, ws, &t), TL_OK);
    assert_int_equal(r2c[0], -1);
    assert_int_equal(c2r[0], -1);
    assert_near(t, 2.5, 1e-12);
    /* empty problems */
    assert_int_equal(tl_assign_sparse(0, 0, NULL, 0, 1.0, NULL, NULL, NULL, &t), TL_OK);
    assert_int_equal(tl_assign_sparse(2, 0, NULL, 0, 1.0, r2c, NULL, ws, &t), TL_OK);
    assert_int_equal(r2c[0], -1);
    assert_near(t, 2.0, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brute_force_small),
        cmocka_unit_test(test_vs_dense_hungarian),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
