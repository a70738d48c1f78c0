/* state.h — a state estimate with covariance, the currency between tracker,
 * fusion, prediction and the link. Position/velocity in rotating WGS-84 ECEF. */
#ifndef TRILINK_STATE_H
#define TRILINK_STATE_H

#include <stdint.h>

typedef struct tl_state_est {
    int64_t t_ns;   /**< time of validity, ns since the Unix epoch, UTC */
    double x[6];    /**< pos_ecef (m), vel_ecef (m/s) */
    double P[6][6]; /**< covariance, symmetric positive definite */
} tl_state_est;

#endif
