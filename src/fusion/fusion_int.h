/* fusion_int.h — internals of the fusion module: estimates in information form, cached
 * once per input per cycle so fusion and consistency checks do not refactor them. */
#ifndef TRILINK_FUSION_INT_H
#define TRILINK_FUSION_INT_H

#include "trilink/state.h"

typedef struct tl__info {
    double I[6][6]; /* P^-1 */
    double Ix[6];   /* P^-1 x */
    double ld;      /* log det P^-1 */
} tl__info;

/** Information form of an estimate. Returns 0, or -1 when P is not positive definite. */
int tl__info_make(const tl_state_est *e, tl__info *out);

/** Fuse n >= 2 estimates given in information form (method: tl_fuse_method).
 *  Returns TL_OK or TL_ENOTPD. */
int tl__fuse_info(const tl__info *const *in, int n, int method, double x[6], double P[6][6]);

#endif
