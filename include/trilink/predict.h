/* predict.h — launch and impact prediction from a ballistic state estimate.
 *
 * Pure functions on a tl_state_est (rotating WGS-84 ECEF, covariance): where and when
 * the object meets the ellipsoid (impact), where and when it left it (launch), its
 * apogee, range, class, loft, whether it is a space launch (orbit instead of impact),
 * and its predicted ground track. Uncertainty is carried by the unscented transform
 * (Julier & Uhlmann 1997; Wan & van der Merwe 2000): 13 sigma points of the 6-state,
 * each propagated with the force model of dynamics.h by an adaptive Dormand-Prince
 * 5(4) integrator (Dormand & Prince 1980) with event location on the ellipsoid height.
 * 95% ground ellipses use the chi-square(2) 0.95 quantile 5.991. See docs/prediction.md.
 *
 * No heap allocation, no clock reads: time is the estimate's t_ns.
 */
#ifndef TRILINK_PREDICT_H
#define TRILINK_PREDICT_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/dynamics.h"
#include "trilink/error.h"
#include "trilink/flight.h"
#include "trilink/geo.h"
#include "trilink/state.h"

#define TL_CHI2_2_95 5.991464547107979 /**< chi-square, 2 dof, 0.95 quantile */

/** Outcome of a prediction. Values are stable (CSV, wire). */
typedef enum tl_pred_status {
    TL_PRED_IMPACT = 0,   /**< the object meets the ellipsoid: impact fields valid */
    TL_PRED_ORBIT = 1,    /**< bound orbit with perigee above cfg.orbit_perigee_h_m */
    TL_PRED_ESCAPE = 2,   /**< hyperbolic (specific energy >= 0) */
    TL_PRED_NO_IMPACT = 3 /**< no ground contact within cfg.horizon_s (decaying orbit) */
} tl_pred_status;

/** Prediction settings. Set up with tl_predict_cfg_default() then adjust. */
typedef struct tl_predict_cfg {
    tl_dyn_model model;       /**< forces for forward propagation (drag via model.beta_kg_m2) */
    double ut_alpha;          /**< sigma-point spread, (0, 1]; default 1 */
    double ut_beta;           /**< prior knowledge of the distribution; 2 = Gaussian */
    double ut_kappa;          /**< secondary scaling; default 0 */
    double tol_pos_m;         /**< integrator local error tolerance, position; default 1 m */
    double tol_vel_mps;       /**< integrator local error tolerance, velocity; default 1e-3 m/s */
    double max_step_s;        /**< longest integrator step; default 200 s */
    double horizon_s;         /**< longest flight searched either way; default 10800 s */
    double orbit_perigee_h_m; /**< perigee height above which a bound state is orbital; 120 km */
    double surface_h_m;       /**< height of the "ground" (impact and launch); default 0 */
    double beta_sigma_frac;   /**< relative 1-sigma of model.beta_kg_m2 (log-normal); > 0 adds
                                   ln(beta) to the unscented transform (15 sigma points) so
                                   the impact ellipse includes an unknown re-entry body; 0 */
} tl_predict_cfg;

void tl_predict_cfg_default(tl_predict_cfg *cfg);

/** A Gaussian position uncertainty on the ground, in the local East-North tangent plane. */
typedef struct tl_ground_ellipse {
    double cov_en_m2[2][2]; /**< east/north covariance, m^2 */
    double semi_major_m;    /**< 95% ellipse semi-axes: sqrt(5.991 * eigenvalue) */
    double semi_minor_m;
    double major_az_rad; /**< azimuth of the major axis from north, clockwise, [0, pi) */
} tl_ground_ellipse;

/** Osculating Keplerian elements in the inertial frame aligned with ECEF at epoch_ns. */
typedef struct tl_orbit_elements {
    int64_t epoch_ns;
    double a_m; /**< semi-major axis (negative when hyperbolic) */
    double e;   /**< eccentricity */
    double incl_rad, raan_rad, argp_rad, true_anom_rad;
    double period_s;    /**< 0 when not bound */
    double perigee_h_m; /**< height of the perigee point over the ellipsoid */
    double apogee_h_m;  /**< height of the apogee point over the ellipsoid (0 if unbound) */
    double energy_j_kg; /**< specific orbital energy v^2/2 - GM/r */
} tl_orbit_elements;

/** Impact prediction. */
typedef struct tl_impact_pred {
    int status;              /**< tl_pred_status */
    tl_geodetic point;       /**< mean impact point (h = surface height) */
    int64_t t_ns;            /**< mean impact time */
    double t_sigma_s;        /**< 1-sigma of the impact time */
    double time_to_go_s;     /**< mean impact time minus the estimate's time */
    tl_ground_ellipse ell;   /**< impact-point uncertainty */
    double speed_mps;        /**< speed at impact (ECEF frame), mean-state trajectory */
    double gamma_rad;        /**< flight-path angle at impact (negative: descending) */
    int n_sigma_missed;      /**< sigma points without ground contact (excluded; > 0 means
                                  the covariance is only indicative) */
    tl_orbit_elements orbit; /**< elements of the estimate (all statuses) */
} tl_impact_pred;

/** Predict impact point and time with a 95% ellipse and time sigma. A sigma point already
 *  at or below cfg.surface_h_m impacts at once at its ground point (terminal estimates that
 *  noise put underground).
 *  @retval TL_OK        out filled (check out->status: only IMPACT has an impact point)
 *  @retval TL_EINVAL    non-finite state or covariance, or a state inside the Earth (err says)
 *  @retval TL_ENOTPD    covariance not positive definite
 *  @retval TL_ENOCONV   the integrator could not meet its tolerance */
int tl_predict_impact(const tl_predict_cfg *cfg, const tl_state_est *est, tl_impact_pred *out,
                      tl_err *err);

/** Launch prediction. Every sigma point is back-propagated without thrust or drag to
 *  the ground (the "ballistic" launch point, which lies too far back and too late: the
 *  real boost was slower and steeper than the ballistic arc). The boost correction,
 *  measured on flights of flight.h's class presets, then estimates the burnout point on
 *  the arc and moves the launch point forward and its time back (docs/prediction.md,
 *  with the errors it leaves); the fit residuals are added to the covariance. Meant for
 *  post-boost states; a state still under thrust gives a launch point short of the
 *  truth. */
typedef struct tl_launch_pred {
    int status;        /**< TL_PRED_IMPACT when a launch point was found */
    tl_geodetic point; /**< corrected launch point estimate (h = surface height) */
    int64_t t_ns;      /**< corrected launch time */
    double t_sigma_s;
    tl_ground_ellipse ell;       /**< corrected, including the boost-model spread */
    tl_geodetic ballistic_point; /**< where the ballistic back-propagation meets the ground */
    int64_t ballistic_t_ns;
    tl_geodetic burnout_point; /**< estimated burnout point (h_m: its height) */
    int64_t burnout_t_ns;
    tl_missile_class boost_class; /**< energy class whose boost model was applied */
    double boost_range_m;         /**< estimated ground distance launch -> burnout */
    double boost_time_s;          /**< estimated boost duration */
} tl_launch_pred;

/** @retval TL_OK, TL_EINVAL, TL_ENOTPD, TL_ENOCONV as tl_predict_impact; out->status
 *  TL_PRED_NO_IMPACT when no ground contact is found backwards within the horizon. */
int tl_predict_launch(const tl_predict_cfg *cfg, const tl_state_est *est, tl_launch_pred *out,
                      tl_err *err);

/** Everything a threat assessment needs, from one estimate. */
typedef struct tl_threat_pred {
    tl_impact_pred impact;
    tl_launch_pred launch;
    double apogee_h_m; /**< apogee height over the ellipsoid: the mean state flown to its apsis */
    int64_t apogee_t_ns;
    double apogee_sigma_m; /**< 1-sigma over the sigma points */
    double range_m;        /**< geodesic launch -> impact (0 unless both found) */
    double range_sigma_m;
    double energy_range_m;       /**< minimum-energy ground range reachable with this energy */
    double min_energy_apogee_m;  /**< apogee of the minimum-energy flight over range_m */
    tl_missile_class cls;        /**< by range_m (SRBM < 1000 km < MRBM < 3000 km < IRBM <
                                      5500 km < ICBM); TL_CLASS_SLV for a space launch */
    tl_missile_class cls_energy; /**< by energy_range_m (lofted shots: the real capability) */
    tl_loft loft;                /**< MIN_ENERGY (normal), LOFTED or DEPRESSED */
    int space_launch;            /**< 1 when status is ORBIT or ESCAPE */
} tl_threat_pred;

/** Impact + launch + apogee, range, class, loft, space launch. Apogee ratio thresholds
 *  for the loft flag: > 1.3 x minimum-energy apogee lofted, < 0.7 x depressed. */
int tl_predict_threat(const tl_predict_cfg *cfg, const tl_state_est *est, tl_threat_pred *out,
                      tl_err *err);

/** One sample of a predicted ground track. */
typedef struct tl_track_sample {
    int64_t t_ns;
    double lat_rad, lon_rad, h_m;
} tl_track_sample;

/** Ground track of the mean state, sampled every dt_s from the estimate's time until
 *  impact (the impact point is the last sample) or until cap samples / the horizon.
 *  *n_out receives the number written. @retval TL_OK, TL_EINVAL (dt_s <= 0, cap == 0,
 *  bad state), TL_ENOCONV. */
int tl_predict_ground_track(const tl_predict_cfg *cfg, const tl_state_est *est, double dt_s,
                            tl_track_sample *out, size_t cap, size_t *n_out, tl_err *err);

#define TL_PREDICT_MAX_SAMPLES 64 /**< most sampled trajectories per call */

/** Sampled ground tracks for an overflight probability: n_tracks trajectories drawn from
 *  the estimate's distribution N(x, P) (and ln(beta) when cfg.beta_sigma_frac > 0), in
 *  antithetic pairs (x + d, x - d) from a deterministic generator seeded with `seed` (so
 *  a run replays), each flown like tl_predict_ground_track and sampled every dt_s until
 *  it meets the ground. Only the part of each flight at or above min_h_m is written (the
 *  points where it crosses min_h_m interpolated in; a flight is above it in one piece
 *  from its state on), so the tracks test the object's passage over an area in flight,
 *  not its fall. Track k occupies out[k * cap .. k * cap + n_pts[k]); n_pts[k] may be 0
 *  (a flight never above min_h_m). Heights are kept in h_m.
 *  @retval TL_OK
 *  @retval TL_EINVAL n_tracks 0 or > TL_PREDICT_MAX_SAMPLES, dt_s <= 0, cap < 2, bad
 *          state (err says)
 *  @retval TL_ENOTPD covariance not positive definite
 *  @retval TL_ENOCONV the integrator gave up */
int tl_predict_sampled_tracks(const tl_predict_cfg *cfg, const tl_state_est *est, size_t n_tracks,
                              uint64_t seed, double dt_s, double min_h_m, tl_geodetic *out,
                              size_t cap, size_t *n_pts, tl_err *err);

/** Osculating elements of a state (no propagation). */
void tl_predict_orbit(const tl_state_est *est, tl_orbit_elements *out);

/** Class of a ground range (SRBM/MRBM/IRBM/ICBM thresholds above). */
tl_missile_class tl_predict_class_of_range(double range_m);

/** Apogee height (m above a sphere of the mean Earth radius) of the minimum-energy
 *  ballistic flight over ground range range_m (vacuum, non-rotating spherical Earth). */
double tl_predict_min_energy_apogee(double range_m);

/** Propagate a state estimate to t_ns (either direction): state by RK4 with the model,
 *  covariance by the linearised transition matrix (gravity gradient, Coriolis,
 *  centrifugal terms) plus white-noise acceleration of spectral density q_m2_s3.
 *  in and out may alias. @retval TL_OK, TL_EINVAL (non-finite input). */
int tl_est_propagate(const tl_dyn_model *m, const tl_state_est *in, int64_t t_ns, double q_m2_s3,
                     tl_state_est *out);

/** Class of the minimum-energy ground range reachable with the state's inertial
 *  energy (as tl_threat_pred.cls_energy, without propagating): SRBM .. ICBM. */
tl_missile_class tl_predict_energy_class(const tl_state_est *est);

/** Prior of an unknown re-entry body's ballistic coefficient for a class: the median
 *  is the flight.h preset's beta_rv_kg_m2, the spread TL_PREDICT_BETA_PRIOR_LN_SIGMA in
 *  ln(beta) (re-entry vehicles of one class differ in mass, shape and nose; see
 *  docs/prediction.md). A class out of range gives the SRBM prior. */
#define TL_PREDICT_BETA_PRIOR_LN_SIGMA 0.5
void tl_predict_beta_prior(tl_missile_class cls, double *beta_kg_m2, double *ln_sigma);

/** Set the ballistic coefficient the prediction flies with: median beta_kg_m2 (> 0;
 *  drag on) and 1-sigma ln_sigma of ln(beta) (>= 0; > 0 samples it in the unscented
 *  transform), i.e. model.beta_kg_m2 and beta_sigma_frac = exp(ln_sigma) - 1. A
 *  non-positive or non-finite beta turns drag off. */
void tl_predict_cfg_set_beta(tl_predict_cfg *cfg, double beta_kg_m2, double ln_sigma);

/** Fill a 95% ellipse from an east/north covariance. */
void tl_ground_ellipse_from_cov(const double cov_en_m2[2][2], tl_ground_ellipse *ell);

#endif
