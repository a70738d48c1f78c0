/* assoc.h — optimal assignment on sparse gated problems (global nearest neighbour).
 *
 * CONTRACT used by the tracker (track-to-plot) and fusion (track-to-track).
 * Rows and columns are 0-based. Only listed (gated) pairs may be assigned; any row
 * or column may stay unassigned, at cost `miss_cost` each (so a pair is only worth
 * taking when its cost is below 2 * miss_cost). The solver minimises the total.
 */
#ifndef TRILINK_ASSOC_H
#define TRILINK_ASSOC_H

#include <stddef.h>
#include <stdint.h>

typedef struct tl_assign_edge {
    uint32_t row, col;
    double cost; /**< finite */
} tl_assign_edge;

/** Bytes of workspace tl_assign_sparse needs for this problem size. */
size_t tl_assign_workspace_size(size_t n_rows, size_t n_cols, size_t n_edges);

/** Solve. row_to_col[n_rows] and col_to_row[n_cols] receive the assignment (-1 =
 *  unassigned). ws must hold tl_assign_workspace_size() bytes (no heap use inside).
 *  Returns TL_OK, or TL_EINVAL on an edge out of range or a non-finite cost. */
int tl_assign_sparse(size_t n_rows, size_t n_cols, const tl_assign_edge *edges, size_t n_edges,
                     double miss_cost, int32_t *row_to_col, int32_t *col_to_row, void *ws,
                     double *total_cost);

#endif
