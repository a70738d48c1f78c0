/* plot.h — a sensor plot (one measurement) as the tracker sees it.
 *
 * CONTRACT between the drill generator (producer), the tracker (consumer), the
 * plots.csv format (docs/formats.md) and the Plot DDS topic. Each plot carries its
 * sensor's position, so a tracker needs no sensor configuration.
 *
 * Radar: z = [range_m, az_rad (from north, clockwise, [0, 2pi)), el_rad, range_rate_mps]
 *        measured from the site (geometric, no refraction), nz = 3 or 4.
 * IR (GEO early-warning satellite): line of sight from the satellite to the target,
 *        unit vector u in ECEF axes, as z = [atan2(u_y, u_x), asin(u_z)], nz = 2.
 */
#ifndef TRILINK_PLOT_H
#define TRILINK_PLOT_H

#include <stdint.h>

#include "trilink/geo.h"

typedef enum tl_plot_kind { TL_PLOT_RADAR = 1, TL_PLOT_IR = 2 } tl_plot_kind;

#define TL_ID_LEN 24
#define TL_NATION_LEN 8

typedef struct tl_plot {
    int64_t t_ns;               /**< measurement time, ns since the Unix epoch, UTC */
    uint64_t plot_id;           /**< unique per sensor and run */
    char sensor_id[TL_ID_LEN];
    char nation[TL_NATION_LEN]; /**< ISO-like code: "JP", "US", "KR" */
    tl_plot_kind kind;
    tl_geodetic site;           /**< sensor position (for IR: the satellite) */
    double site_ecef[3];        /**< the same position in ECEF */
    int nz;                     /**< number of measured values, 2..4 */
    double z[4];
    double sigma[4];            /**< 1-sigma noise of each value, same units */
} tl_plot;

/** Check a plot's values are finite and in range (range > 0, el in [-pi/2, pi/2],
 *  sigmas > 0, nz consistent with kind). 0 if valid, else TL_EINVAL with reason. */
int tl_plot_validate(const tl_plot *p, const char **reason);

#endif
