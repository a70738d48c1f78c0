/* sensors.h — sensor models of the drill generator: a deterministic random-number
 * generator, a surveillance radar (line of sight over WGS-84 with 4/3-Earth
 * refraction, sector and range limits, radar-equation SNR, Swerling-1 detection,
 * Gaussian measurement noise with an optional fixed bias, false alarms inside the
 * surveillance volume) and a GEO early-warning infrared satellite (sees the boost
 * plume above the cloud tops, reports line-of-sight angles).
 *
 * References: M. A. Richards, "Fundamentals of Radar Signal Processing" (2005) and
 * M. I. Skolnik, "Introduction to Radar Systems" (3rd ed.) for the radar equation
 * scaling SNR = SNR_ref (rcs/rcs_ref) (R_ref/R)^4 and the Swerling-1 square-law
 * result Pd = Pfa^(1/(1+SNR)); the radar horizon uses the effective-Earth (k = 4/3)
 * model of geo.h. RNG: xoshiro256** (Blackman & Vigna, 2018) seeded by splitmix64;
 * normals by the Box-Muller transform. The measurement conventions are plot.h's.
 *
 * Everything here is pure (no clock, no I/O) and allocation-free: a scan writes its
 * plots into a caller-provided array.
 */
#ifndef TRILINK_SENSORS_H
#define TRILINK_SENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/error.h"
#include "trilink/geo.h"
#include "trilink/plot.h"

/* ---------------------------------------------------------------- RNG */

/** Deterministic generator: same seed -> same sequence on every platform. */
typedef struct tl_rng {
    uint64_t s[4];
    int have_spare; /**< Box-Muller produces normals in pairs */
    double spare;
} tl_rng;

/** Seed from one 64-bit value (any value, including 0). */
void tl_rng_seed(tl_rng *r, uint64_t seed);
/** Derive an independent stream from a seed and a name (e.g. a sensor id). */
void tl_rng_seed_named(tl_rng *r, uint64_t seed, const char *name);
uint64_t tl_rng_u64(tl_rng *r);
/** Uniform in [0, 1) with 53 random bits. */
double tl_rng_uniform(tl_rng *r);
/** Standard normal N(0, 1). */
double tl_rng_normal(tl_rng *r);
/** Poisson-distributed count with the given mean (>= 0; capped at 1e6). */
unsigned tl_rng_poisson(tl_rng *r, double mean);

/* -------------------------------------------------------------- radar */

/** Radar configuration. Angles in radians, lengths in metres, times in seconds. */
typedef struct tl_radar_cfg {
    char id[TL_ID_LEN];
    char nation[TL_NATION_LEN];
    tl_geodetic site;
    double boresight_az_rad; /**< face centre, from north clockwise */
    double boresight_el_rad; /**< face centre elevation */
    double half_az_rad;      /**< sector half-width in azimuth; >= pi: all round */
    double half_el_rad;      /**< sector half-width in elevation */
    double min_el_rad;       /**< lowest apparent (refracted) elevation, e.g. 0 */
    double min_range_m, max_range_m;
    double revisit_s;    /**< time between scans (> 0) */
    double sigma[4];     /**< 1-sigma noise: range m, az rad, el rad, range-rate m/s */
    int has_range_rate;  /**< 1: plots carry range rate (nz = 4), else nz = 3 */
    double bias[4];      /**< fixed bias added to each measured value (same units) */
    double ref_rcs_m2;   /**< reference target RCS ... */
    double ref_range_m;  /**< ... at this range ... */
    double ref_snr_db;   /**< ... gives this SNR (single-pulse, dB) */
    double pfa;          /**< false-alarm probability per cell, sets the threshold */
    double fa_per_scan;  /**< mean number of false plots per scan (Poisson) */
    double k_refraction; /**< effective-Earth factor, 4/3 standard */
} tl_radar_cfg;

/** Fill a configuration with neutral defaults: 360-degree coverage, el 0..90 deg,
 *  range 1 km..1000 km, revisit 5 s, sigmas 50 m / 1 mrad / 1 mrad / 10 m/s, no
 *  bias, 1 m^2 at 1000 km gives 20 dB, Pfa 1e-6, no false alarms, k = 4/3. */
void tl_radar_cfg_default(tl_radar_cfg *c);

/** A radar ready to scan: configuration plus cached site geometry. */
typedef struct tl_radar {
    tl_radar_cfg cfg;
    double site_ecef[3];
    double ref_snr_lin;
} tl_radar;

/** Validate cfg and set up r. TL_EINVAL with the field named in err. */
int tl_radar_init(tl_radar *r, const tl_radar_cfg *cfg, tl_err *err);

/** Why a target is (not) visible to a radar. */
typedef enum tl_vis {
    TL_VIS_OK = 0,
    TL_VIS_RANGE,   /**< outside [min_range, max_range] */
    TL_VIS_HORIZON, /**< below the refracted horizon (Earth in the way) */
    TL_VIS_ELEV,    /**< below the minimum elevation */
    TL_VIS_SECTOR   /**< outside the face's azimuth/elevation sector */
} tl_vis;

/** Geometry test of a target at pos_ecef: line of sight over the ellipsoid with
 *  k-Earth refraction, minimum apparent elevation, range and sector limits.
 *  Returns TL_VIS_OK or the first reason it fails. */
tl_vis tl_radar_visible(const tl_radar *r, const double pos_ecef[3]);

/** SNR (linear) of a target of rcs_m2 at range_m by radar-equation scaling. */
double tl_radar_snr(const tl_radar *r, double rcs_m2, double range_m);

/** Swerling-1 probability of detection for a square-law detector: Pfa^(1/(1+snr)). */
double tl_swerling1_pd(double snr_lin, double pfa);

/** Noise-free measurement of target state x_ecef (pos, vel) from the radar: range,
 *  azimuth [0, 2pi), elevation (geometric), range rate; nz as configured. */
void tl_radar_truth_z(const tl_radar *r, const double x_ecef[6], double z[4]);

/** Try to detect a target of rcs_m2 at x_ecef during the scan at t_ns. Returns 1 and
 *  fills *out (plot_id left 0 for the caller) when detected, 0 when not visible or
 *  missed. The detection draw and noise come from rng. */
int tl_radar_detect(const tl_radar *r, tl_rng *rng, int64_t t_ns, const double x_ecef[6],
                    double rcs_m2, tl_plot *out);

/** Fill *out with a measurement of x_ecef (noise + bias), no visibility or Pd test. */
void tl_radar_measure(const tl_radar *r, tl_rng *rng, int64_t t_ns, const double x_ecef[6],
                      tl_plot *out);

/** Draw this scan's false alarms (Poisson, mean fa_per_scan, uniform in the
 *  surveillance volume) into out[0..cap). Returns how many were written. */
size_t tl_radar_false_alarms(const tl_radar *r, tl_rng *rng, int64_t t_ns, tl_plot *out,
                             size_t cap);

/** Lower and upper elevation limits of the surveillance volume (rad). */
void tl_radar_el_limits(const tl_radar *r, double *el_lo, double *el_hi);

/* --------------------------------------------------------- IR satellite */

#define TL_GEO_ALT_M 35786000.0 /**< geostationary altitude above the equator */

typedef struct tl_irsat_cfg {
    char id[TL_ID_LEN];
    char nation[TL_NATION_LEN];
    double lon_rad;     /**< sub-satellite longitude */
    double alt_m;       /**< altitude above the equator, TL_GEO_ALT_M by default */
    double revisit_s;   /**< frame time of the scanning sensor */
    double sigma_rad;   /**< 1-sigma noise of each line-of-sight angle */
    double cloud_top_m; /**< plume hidden below this height (default 12 km) */
    double pd;          /**< detection probability of a visible plume */
} tl_irsat_cfg;

/** Defaults: GEO, revisit 10 s, sigma 20 microradian, cloud tops 12 km, pd 0.98. */
void tl_irsat_cfg_default(tl_irsat_cfg *c);

typedef struct tl_irsat {
    tl_irsat_cfg cfg;
    tl_geodetic site;
    double site_ecef[3];
} tl_irsat;

int tl_irsat_init(tl_irsat *s, const tl_irsat_cfg *cfg, tl_err *err);

/** 1 when the satellite can see a plume at pos_ecef: the target burns (thrusting),
 *  is above the cloud tops, and the Earth does not block the line of sight. */
int tl_irsat_visible(const tl_irsat *s, const double pos_ecef[3], int thrusting);

/** Noise-free line-of-sight angles (plot.h IR convention). */
void tl_irsat_truth_z(const tl_irsat *s, const double pos_ecef[3], double z[2]);

/** Try to detect the plume of a target at pos_ecef; 1 and *out filled when detected. */
int tl_irsat_detect(const tl_irsat *s, tl_rng *rng, int64_t t_ns, const double pos_ecef[3],
                    int thrusting, tl_plot *out);

/** Line of sight between two ECEF points clears the WGS-84 ellipsoid (grazing counts
 *  as blocked). */
int tl_los_clear_ellipsoid(const double a_ecef[3], const double b_ecef[3]);

#endif
