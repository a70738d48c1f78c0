/* assign.c — optimal sparse assignment with a per-item "stay unassigned" cost
 * (global nearest neighbour for track-to-plot and track-to-track association).
 *
 * Method: shortest augmenting paths with dual potentials (Jonker & Volgenant,
 * Computing 38, 1987), Dijkstra over the sparse gated graph with a binary heap so
 * each augmentation touches only the columns it reaches.
 *
 * Non-assignment is made explicit by the standard square augmentation of the
 * rectangular problem (n rows, m cols) to N = n + m:
 *
 *            real cols 0..m-1        dummy cols m..m+n-1
 *   row i    c(i,j) if gated         miss at (i, m+i) only
 *   dummy j  miss at (n+j, j) only   0 at (n+j, m+i) when (i,j) is gated
 *
 * A perfect matching always exists (everyone takes its miss entry), and a real pair
 * (i,j) frees dummy row n+j and dummy col m+i, which the zero block pairs up. So the
 * minimum perfect matching of the square problem is the minimum of
 *   sum(assigned pair costs) + miss * (#unassigned rows + #unassigned cols).
 *
 * Everything lives in the caller's workspace: CSR adjacency, potentials, the heap.
 */
#include "trilink/assoc.h"
#include "trilink/error.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct ws_layout {
    size_t N, nnz;
    size_t off_rs, off_ci, off_cc, off_u, off_v, off_sh, off_path, off_r4c, off_c4r, off_heap,
        off_hpos, off_sr, off_sc, off_state, total;
} ws_layout;

static size_t align8(size_t x) { return (x + 7u) & ~(size_t)7u; }

static int layout(size_t n, size_t m, size_t e, ws_layout *L)
{
    if (n > INT32_MAX / 4 || m > INT32_MAX / 4 || e > (SIZE_MAX / 64))
        return -1;
    L->N = n + m;
    L->nnz = 2 * e + n + m;
    if (L->nnz > UINT32_MAX)
        return -1;
    size_t N = L->N, o = 0;
    L->off_rs = o; o = align8(o + (N + 1) * sizeof(uint32_t));
    L->off_ci = o; o = align8(o + L->nnz * sizeof(uint32_t));
    L->off_cc = o; o = align8(o + L->nnz * sizeof(double));
    L->off_u = o; o = align8(o + N * sizeof(double));
    L->off_v = o; o = align8(o + N * sizeof(double));
    L->off_sh = o; o = align8(o + N * sizeof(double));
    L->off_path = o; o = align8(o + N * sizeof(int32_t));
    L->off_r4c = o; o = align8(o + N * sizeof(int32_t));
    L->off_c4r = o; o = align8(o + N * sizeof(int32_t));
    L->off_heap = o; o = align8(o + N * sizeof(int32_t));
    L->off_hpos = o; o = align8(o + N * sizeof(int32_t));
    L->off_sr = o; o = align8(o + N * sizeof(int32_t));
    L->off_sc = o; o = align8(o + N * sizeof(int32_t));
    L->off_state = o; o = align8(o + N * sizeof(uint8_t));
    L->total = o + 8;
    return 0;
}

size_t tl_assign_workspace_size(size_t n_rows, size_t n_cols, size_t n_edges)
{
    ws_layout L;
    if (layout(n_rows, n_cols, n_edges, &L) != 0)
        return 0;
    return L.total;
}

/* Column states during one Dijkstra: untouched, in heap (tentative), scanned (final). */
enum { COL_FREE = 0, COL_HEAP = 1, COL_DONE = 2 };

typedef struct solver {
    size_t N;
    const uint32_t *rs, *ci;
    const double *cc;
    double *u, *v, *sh;
    int32_t *path, *r4c, *c4r, *heap, *hpos, *sr, *sc;
    uint8_t *st;
    int32_t nheap;
} solver;

static void heap_swap(solver *s, int32_t a, int32_t b)
{
    int32_t ca = s->heap[a], cb = s->heap[b];
    s->heap[a] = cb;
    s->heap[b] = ca;
    s->hpos[cb] = a;
    s->hpos[ca] = b;
}

static void heap_up(solver *s, int32_t k)
{
    while (k > 0) {
        int32_t p = (k - 1) / 2;
        if (!(s->sh[s->heap[k]] < s->sh[s->heap[p]]))
            break;
        heap_swap(s, k, p);
        k = p;
    }
}

static void heap_down(solver *s, int32_t k)
{
    for (;;) {
        int32_t l = 2 * k + 1, r = l + 1, b = k;
        if (l < s->nheap && s->sh[s->heap[l]] < s->sh[s->heap[b]])
            b = l;
        if (r < s->nheap && s->sh[s->heap[r]] < s->sh[s->heap[b]])
            b = r;
        if (b == k)
            return;
        heap_swap(s, k, b);
        k = b;
    }
}

static int32_t heap_pop(solver *s)
{
    int32_t top = s->heap[0];
    s->nheap--;
    if (s->nheap > 0) {
        s->heap[0] = s->heap[s->nheap];
        s->hpos[s->heap[0]] = 0;
        heap_down(s, 0);
    }
    return top;
}

/* One shortest augmenting path from free row r0; updates duals and the matching.
 * Returns 0, or -1 if no augmenting path exists (cannot happen on the augmented
 * problem, kept as a defensive check). */
static int augment(solver *s, int32_t r0)
{
    int32_t nsr = 0, nsc = 0, sink = -1;
    double minval = 0.0;
    int32_t i = r0;
    s->nheap = 0;
    for (size_t guard = 0; guard <= s->N; guard++) {
        s->sr[nsr++] = i;
        double ui = s->u[i];
        for (uint32_t k = s->rs[i]; k < s->rs[i + 1]; k++) {
            int32_t j = (int32_t)s->ci[k];
            if (s->st[j] == COL_DONE)
                continue;
            double red = minval + s->cc[k] - ui - s->v[j];
            if (s->st[j] == COL_FREE) {
                s->st[j] = COL_HEAP;
                s->sh[j] = red;
                s->path[j] = i;
                s->sc[nsc++] = j; /* touched list; DONE ones are a prefix-free subset */
                s->hpos[j] = s->nheap;
                s->heap[s->nheap++] = j;
                heap_up(s, s->nheap - 1);
            } else if (red < s->sh[j]) {
                s->sh[j] = red;
                s->path[j] = i;
                heap_up(s, s->hpos[j]);
            }
        }
        if (s->nheap == 0)
            break;
        int32_t j = heap_pop(s);
        s->st[j] = COL_DONE;
        minval = s->sh[j];
        if (s->c4r[j] < 0) {
            sink = j;
            break;
        }
        i = s->c4r[j];
    }
    if (sink < 0) {
        for (int32_t k = 0; k < nsc; k++)
            s->st[s->sc[k]] = COL_FREE;
        return -1;
    }
    /* dual update (Crouse 2016, IEEE TAES 52(4), eq. for the shortest-path LAP) */
    s->u[r0] += minval;
    for (int32_t k = 1; k < nsr; k++) {
        int32_t r = s->sr[k];
        s->u[r] += minval - s->sh[s->r4c[r]];
    }
    for (int32_t k = 0; k < nsc; k++) {
        int32_t j = s->sc[k];
        if (s->st[j] == COL_DONE)
            s->v[j] -= minval - s->sh[j];
        s->st[j] = COL_FREE;
    }
    /* flip the path */
    int32_t j = sink;
    for (size_t guard = 0; guard <= s->N; guard++) {
        int32_t r = s->path[j];
        s->c4r[j] = r;
        int32_t prev = s->r4c[r];
        s->r4c[r] = j;
        if (r == r0)
            break;
        j = prev;
    }
    return 0;
}

int tl_assign_sparse(size_t n_rows, size_t n_cols, const tl_assign_edge *edges, size_t n_edges,
                     double miss_cost, int32_t *row_to_col, int32_t *col_to_row, void *ws,
                     double *total_cost)
{
    ws_layout L;
    if (!isfinite(miss_cost) || (n_edges > 0 && !edges) || (n_rows > 0 && !row_to_col) ||
        (n_cols > 0 && !col_to_row) || layout(n_rows, n_cols, n_edges, &L) != 0)
        return TL_EINVAL;
    for (size_t k = 0; k < n_edges; k++)
        if (edges[k].row >= n_rows || edges[k].col >= n_cols || !isfinite(edges[k].cost))
            return TL_EINVAL;
    if (L.N == 0) {
        if (total_cost)
            *total_cost = 0.0;
        return TL_OK;
    }
    if (!ws)
        return TL_EINVAL;
    uintptr_t addr = (uintptr_t)ws;
    unsigned char *base = (unsigned char *)ws + ((8u - (addr & 7u)) & 7u);
    size_t N = L.N, n = n_rows, m = n_cols;
    uint32_t *rs = (uint32_t *)(base + L.off_rs);
    uint32_t *ci = (uint32_t *)(base + L.off_ci);
    double *cc = (double *)(base + L.off_cc);
    solver s = {
        .N = N, .rs = rs, .ci = ci, .cc = cc,
        .u = (double *)(base + L.off_u), .v = (double *)(base + L.off_v),
        .sh = (double *)(base + L.off_sh), .path = (int32_t *)(base + L.off_path),
        .r4c = (int32_t *)(base + L.off_r4c), .c4r = (int32_t *)(base + L.off_c4r),
        .heap = (int32_t *)(base + L.off_heap), .hpos = (int32_t *)(base + L.off_hpos),
        .sr = (int32_t *)(base + L.off_sr), .sc = (int32_t *)(base + L.off_sc),
        .st = (uint8_t *)(base + L.off_state),
    };
    /* CSR by counting: row i (< n) has its edges + 1 miss; dummy row n+j has 1 miss +
     * one zero entry per edge in column j. */
    memset(rs, 0, (N + 1) * sizeof *rs);
    for (size_t i = 0; i < n; i++)
        rs[i + 1] = 1;
    for (size_t j = 0; j < m; j++)
        rs[n + j + 1] = 1;
    for (size_t k = 0; k < n_edges; k++) {
        rs[edges[k].row + 1]++;
        rs[n + edges[k].col + 1]++;
    }
    for (size_t i = 0; i < N; i++)
        rs[i + 1] += rs[i];
    /* fill using path[] as the insertion cursor */
    int32_t *cur = s.path;
    for (size_t i = 0; i < N; i++)
        cur[i] = (int32_t)rs[i];
    for (size_t i = 0; i < n; i++) {
        ci[cur[i]] = (uint32_t)(m + i);
        cc[cur[i]++] = miss_cost;
    }
    for (size_t j = 0; j < m; j++) {
        ci[cur[n + j]] = (uint32_t)j;
        cc[cur[n + j]++] = miss_cost;
    }
    for (size_t k = 0; k < n_edges; k++) {
        size_t i = edges[k].row, j = edges[k].col;
        ci[cur[i]] = (uint32_t)j;
        cc[cur[i]++] = edges[k].cost;
        ci[cur[n + j]] = (uint32_t)(m + i);
        cc[cur[n + j]++] = 0.0;
    }
    /* duals: u_i = row minimum keeps every reduced cost >= 0 with v = 0 */
    for (size_t i = 0; i < N; i++) {
        double mn = INFINITY;
        for (uint32_t k = rs[i]; k < rs[i + 1]; k++)
            if (cc[k] < mn)
                mn = cc[k];
        s.u[i] = mn;
        s.v[i] = 0.0;
        s.r4c[i] = -1;
        s.c4r[i] = -1;
        s.st[i] = COL_FREE;
    }
    /* cheap start: give each row its zero-reduced-cost column when that column is free */
    for (size_t i = 0; i < N; i++) {
        for (uint32_t k = rs[i]; k < rs[i + 1]; k++) {
            uint32_t j = ci[k];
            if (cc[k] == s.u[i] && s.c4r[j] < 0) {
                s.c4r[j] = (int32_t)i;
                s.r4c[i] = (int32_t)j;
                break;
            }
        }
    }
    for (size_t i = 0; i < N; i++)
        if (s.r4c[i] < 0 && augment(&s, (int32_t)i) != 0)
            return TL_EINVAL; /* unreachable: the augmented problem is always feasible */

    double total = 0.0;
    for (size_t j = 0; j < m; j++)
        col_to_row[j] = -1;
    for (size_t i = 0; i < n; i++) {
        int32_t j = s.r4c[i];
        if (j >= 0 && (size_t)j < m) {
            row_to_col[i] = j;
            col_to_row[j] = (int32_t)i;
            double best = INFINITY; /* duplicate edges: the cheapest one is the one used */
            for (uint32_t k = rs[i]; k < rs[i + 1]; k++)
                if (ci[k] == (uint32_t)j && cc[k] < best)
                    best = cc[k];
            total += best;
        } else {
            row_to_col[i] = -1;
            total += miss_cost;
        }
    }
    for (size_t j = 0; j < m; j++)
        if (col_to_row[j] < 0)
            total += miss_cost;
    if (total_cost)
        *total_cost = total;
    return TL_OK;
}
