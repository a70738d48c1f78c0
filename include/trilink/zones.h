/* zones.h — where a point lands: Japanese and Korean territory and maritime zones,
 * and the probability of each zone over an impact prediction's uncertainty.
 *
 * Land comes from Natural Earth 1:10m Admin 0 countries (public domain), converted
 * by scripts/make-zones into data/zones/land-10m.txt (format in docs/zones.md).
 * Maritime zones are a documented approximation (docs/zones.md): a state's zone is
 * the sea nearer to that state's land than to any other state's land (the
 * equidistance or median line, UNCLOS art. 15 and the provisional line of art. 74),
 * within 12 nmi (territorial sea, art. 3) or 200 nmi (EEZ, art. 57) of its land as
 * drawn in the data. Distances are geodesics on WGS-84 (Karney 2013, via geo.h) to
 * the nearest point of the data's polygon edges.
 *
 * Loading allocates once; queries allocate nothing and are thread-safe on a shared
 * const tl_zones.
 */
#ifndef TRILINK_ZONES_H
#define TRILINK_ZONES_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/error.h"
#include "trilink/geo.h"

/** Zone of a point. Values are stable (journal, wire). */
typedef enum tl_zone_class {
    TL_ZONE_OPEN_SEA = 0, /**< sea in neither JP's nor KR's zone (high seas or a third state's) */
    TL_ZONE_JP_TERRITORY = 1, /**< Japanese land or territorial sea (within 12 nmi, median line) */
    TL_ZONE_JP_EEZ = 2,       /**< Japan's approximate EEZ beyond the territorial sea */
    TL_ZONE_KR_TERRITORY = 3, /**< South Korean land or territorial sea (12 nmi, median line) */
    TL_ZONE_KR_WATERS = 4,    /**< South Korea's EEZ-like median-line zone beyond 12 nmi */
    TL_ZONE_KP_LAND = 5,      /**< North Korean land (DPRK) */
    TL_ZONE_OTHER_LAND = 6,   /**< land of any other state */
    TL_ZONE_ELSEWHERE = 7,    /**< outside the data's region (15-56N, 112-164E): not JP or KR;
                                   land or sea not resolved */
    TL_ZONE_COUNT = 8
} tl_zone_class;

/** The coarse verdict shared with partners in Impact and Alert products (link.h,
 *  idl/trilink.idl field zone_verdict). Values are stable wire values. */
typedef enum tl_zone_level {
    TL_ZONE_LEVEL_UNKNOWN = 0,
    TL_ZONE_LEVEL_OPEN_SEA = 1, /**< neither JP's nor KR's zones (open sea, third states) */
    TL_ZONE_LEVEL_EEZ = 2,      /**< JP EEZ or KR waters beyond the territorial sea */
    TL_ZONE_LEVEL_TERRITORY = 3 /**< JP or KR land or territorial sea */
} tl_zone_level;

/** Level of a class: JP/KR territory -> TERRITORY, JP EEZ/KR waters -> EEZ, open sea
 *  -> OPEN_SEA; any land of a third state, ELSEWHERE or out of range -> UNKNOWN. */
tl_zone_level tl_zone_level_of(tl_zone_class c);

/** Bit for a class in a class mask. */
#define TL_ZONE_BIT(c) (1u << (unsigned)(c))
/** Japanese territory (land and territorial sea): the overflight mask. */
#define TL_ZONE_MASK_JP_TERRITORY TL_ZONE_BIT(TL_ZONE_JP_TERRITORY)
#define TL_ZONE_MASK_JP (TL_ZONE_BIT(TL_ZONE_JP_TERRITORY) | TL_ZONE_BIT(TL_ZONE_JP_EEZ))
#define TL_ZONE_MASK_KR (TL_ZONE_BIT(TL_ZONE_KR_TERRITORY) | TL_ZONE_BIT(TL_ZONE_KR_WATERS))

#define TL_ZONE_TERRITORIAL_SEA_M (12.0 * TL_NMI) /**< UNCLOS art. 3 */
#define TL_ZONE_EEZ_M (200.0 * TL_NMI)            /**< UNCLOS art. 57 */
#define TL_ZONE_CHI2_2_95 5.991464547107979       /**< chi-square, 2 dof, 95% quantile */

/** Loaded land data and its spatial index (opaque). */
typedef struct tl_zones tl_zones;

/** Load a zones data file (docs/zones.md) and build the index.
 *  @retval TL_OK
 *  @retval TL_EIO file cannot be read (err names it)
 *  @retval TL_EPARSE malformed content (err gives file:line and the field)
 *  @retval TL_ENOMEM */
int tl_zones_load(const char *path, tl_zones **out, tl_err *err);

/** Load the default data: env TL_ZONES_FILE if set, else
 *  <source dir>/data/zones/land-10m.txt. Same return codes as tl_zones_load. */
int tl_zones_load_default(tl_zones **out, tl_err *err);

/** Free loaded data. NULL is a no-op. */
void tl_zones_destroy(tl_zones *z);

/** Short stable name of a class ("jp_territory", "open_sea", ...); "unknown" if out of range. */
const char *tl_zone_class_name(tl_zone_class c);

/** Detail of a point's classification. Distances are geodesic metres to the
 *  nearest land of that group, or INFINITY when farther than the search limit
 *  (200 nmi for JP and KR; for the third states, the nearer of the JP/KR distances). */
typedef struct tl_zone_info {
    tl_zone_class cls;
    char land_code[8]; /**< country code when on land ("JP", "CN", ...), else "" */
    double d_jp_m;     /**< to Japan's land */
    double d_kr_m;     /**< to South Korea's land */
    double d_other_m;  /**< to any other state's land (searched only when needed) */
} tl_zone_info;

/** Classify a point on the ellipsoid. info may be NULL: then the class is the same
 *  but found about twice as fast (geodesic distances are bracketed and computed only
 *  when a bracket does not decide; docs/zones.md, Speed), so pass NULL in loops.
 *  @retval TL_OK
 *  @retval TL_EINVAL z or out NULL, or lat/lon not finite / out of range */
int tl_zones_classify(const tl_zones *z, double lat_rad, double lon_rad, tl_zone_class *out,
                      tl_zone_info *info);

/** A 95% error ellipse on the ground (chi-square 2 dof). */
typedef struct tl_ellipse95 {
    double semi_major_m;
    double semi_minor_m;
    double major_azimuth_rad; /**< azimuth of the major axis, from north clockwise, [0, pi) */
} tl_ellipse95;

/** Covariance [[EE, EN], [NE, NN]] (m^2, local East-North at the mean) -> 95% ellipse.
 *  @retval TL_EINVAL not finite, not symmetric (relative 1e-9) or not positive semi-definite */
int tl_ellipse95_from_cov(const double cov_en_m2[2][2], tl_ellipse95 *out);

/** 95% ellipse -> covariance (inverse of tl_ellipse95_from_cov).
 *  @retval TL_EINVAL negative or non-finite axes, or minor > major */
int tl_cov_from_ellipse95(const tl_ellipse95 *e, double cov_en_m2[2][2]);

/** n points (n >= 3) on the ellipse around (lat, lon), placed with geodesics from the
 *  centre, in order (clockwise seen from above). Outputs in radians. */
int tl_ellipse95_polygon(double lat_rad, double lon_rad, const tl_ellipse95 *e, size_t n,
                         double *lat_out_rad, double *lon_out_rad);

/** An impact prediction as the zones see it. */
typedef struct tl_zone_impact {
    double lat_rad, lon_rad; /**< mean impact point */
    double cov_en_m2[2][2];  /**< horizontal covariance in local East-North metres at the mean */
    int64_t t_impact_ns;     /**< predicted impact time, ns UTC */
} tl_zone_impact;

/** Verdict over the impact distribution. */
typedef struct tl_zone_verdict {
    double lat_rad, lon_rad;  /**< the mean impact point (copied from the input) */
    double p[TL_ZONE_COUNT];  /**< probability of each class; sums to 1 */
    double p_jp;              /**< p[JP_TERRITORY] + p[JP_EEZ] */
    double p_kr;              /**< p[KR_TERRITORY] + p[KR_WATERS] */
    tl_zone_class cls_mean;   /**< class of the mean point */
    tl_zone_class cls_likely; /**< class of highest probability */
    tl_ellipse95 ellipse;     /**< the 95% ellipse of the input covariance */
    int64_t t_impact_ns;      /**< passed through */
    double time_to_impact_s;  /**< (t_impact_ns - t_now_ns) / 1e9; negative once past */
    int n_samples;            /**< points classified */
} tl_zone_verdict;

/** Number of deterministic sample points tl_zones_verdict classifies. */
#ifndef TL_ZONE_SAMPLES
#define TL_ZONE_SAMPLES 625
#endif

/** Probability of each class over a Gaussian impact distribution, by a fixed
 *  low-discrepancy set of TL_ZONE_SAMPLES equally weighted points (a sunflower
 *  spiral whose radii are chi(2) quantiles: deterministic, so verdicts replay
 *  exactly; within about 0.01 of the exact probability), each offset mapped to the ground with
 *  a geodesic from the mean (azimuthal-equidistant reading of East-North metres).
 *  A zero covariance gives the class of the mean with probability 1.
 *  @retval TL_OK
 *  @retval TL_EINVAL bad pointer, mean out of range, covariance not finite, not
 *          symmetric or not positive semi-definite (err names the field) */
int tl_zones_verdict(const tl_zones *z, const tl_zone_impact *imp, int64_t t_now_ns,
                     tl_zone_verdict *out, tl_err *err);

/** Result of a ground-track test. */
typedef struct tl_overflight {
    int overflies;        /**< 1 if any part of the track is over a class in the mask */
    size_t first_index;   /**< index of the track point that starts the first overflown leg */
    double entry_lat_rad; /**< first sampled point found over the mask */
    double entry_lon_rad;
    double over_length_m; /**< ground length of the sampled track over the mask */
} tl_overflight;

/** Whether a ground track (sub-vehicle points, heights ignored) passes over any
 *  class in cls_mask (e.g. TL_ZONE_MASK_JP_TERRITORY). Legs between successive
 *  points follow geodesics and are sampled every step_m (0: 2 km; at most 100,000
 *  samples per leg).
 *  @retval TL_EINVAL bad pointer, n == 0, a point out of range (err names its index) */
int tl_zones_track_overflies(const tl_zones *z, const tl_geodetic *pts, size_t n, unsigned cls_mask,
                             double step_m, tl_overflight *out, tl_err *err);

/** Probability of overflight from an ensemble of ground tracks (e.g. the sigma-point
 *  or sampled trajectories of an impact prediction): the sum of the weights of the
 *  tracks that overfly cls_mask, over the sum of all weights. Track k has npts[k]
 *  points starting at pts[k]; weights may be NULL (equal weights) and must be >= 0
 *  with a positive sum.
 *  @retval TL_EINVAL bad pointer, ntracks == 0, bad weight or point (err names track and point) */
int tl_zones_overflight_probability(const tl_zones *z, const tl_geodetic *const *pts,
                                    const size_t *npts, const double *weights, size_t ntracks,
                                    unsigned cls_mask, double step_m, double *p_out, tl_err *err);

#endif
