/* geo.h — WGS-84 geodesy: geodetic/ECEF/ENU/AER conversions, ECI<->ECEF with
 * Earth rotation, geodesics on the ellipsoid (PROJ's geodesic.h, Karney 2013)
 * and Earth-curvature helpers for radar line of sight (4/3-Earth refraction).
 *
 * Constants: NIMA TR8350.2 (WGS-84). Angles in radians, lengths in metres.
 * ECEF is WGS-84 Earth-centred Earth-fixed. "ECI" here is the inertial frame that
 * coincides with ECEF at a chosen epoch t0 and whose z axis is Earth's rotation
 * axis (no precession, nutation or polar motion: over a missile flight these are
 * far below a metre).
 */
#ifndef TRILINK_GEO_H
#define TRILINK_GEO_H

#define TL_WGS84_A 6378137.0                 /**< semi-major axis, m */
#define TL_WGS84_F (1.0 / 298.257223563)     /**< flattening */
#define TL_WGS84_GM 3.986004418e14           /**< Earth's GM, m^3/s^2 */
#define TL_WGS84_OMEGA 7.292115e-5           /**< rotation rate, rad/s */
#define TL_WGS84_J2 1.08263e-3               /**< second zonal harmonic (EGM96) */
#define TL_PI 3.14159265358979323846
#define TL_DEG (TL_PI / 180.0)               /**< one degree in radians */
#define TL_NMI 1852.0                        /**< nautical mile, m */
#define TL_K_REFRACTION (4.0 / 3.0)          /**< standard effective-Earth factor */

/** A geodetic position on WGS-84. */
typedef struct tl_geodetic {
    double lat_rad; /**< geodetic latitude, [-pi/2, pi/2] */
    double lon_rad; /**< longitude, (-pi, pi] */
    double h_m;     /**< height above the ellipsoid */
} tl_geodetic;

/** First eccentricity squared of WGS-84. */
double tl_wgs84_e2(void);

/** Geodetic -> ECEF (closed form). */
void tl_geodetic_to_ecef(const tl_geodetic *g, double pos_ecef[3]);

/** ECEF -> geodetic (Vermeille 2002 closed form; < 1 mm from -1 km to beyond GEO).
 *  Points within ~50 km of the Earth's centre are outside the valid domain. */
void tl_ecef_to_geodetic(const double pos_ecef[3], tl_geodetic *g);

/** Rotation matrix from ECEF to local East-North-Up at (lat, lon): enu = R * ecef. */
void tl_enu_matrix(double lat_rad, double lon_rad, double r_ecef_to_enu[3][3]);

/** ECEF position -> ENU coordinates relative to site (site given both ways, for speed). */
void tl_ecef_to_enu(const tl_geodetic *site, const double site_ecef[3], const double pos_ecef[3],
                    double enu[3]);

/** ENU coordinates relative to site -> ECEF position. */
void tl_enu_to_ecef(const tl_geodetic *site, const double site_ecef[3], const double enu[3],
                    double pos_ecef[3]);

/** Rotate an ECEF vector (a velocity, a difference) into ENU at (lat, lon), and back. */
void tl_vec_ecef_to_enu(double lat_rad, double lon_rad, const double v_ecef[3], double v_enu[3]);
void tl_vec_enu_to_ecef(double lat_rad, double lon_rad, const double v_enu[3], double v_ecef[3]);

/** Azimuth (from north, clockwise, [0, 2pi)), elevation (from the local horizontal)
 *  and slant range of pos_ecef as seen from site (geometric, no refraction). */
void tl_ecef_to_aer(const tl_geodetic *site, const double site_ecef[3], const double pos_ecef[3],
                    double *az_rad, double *el_rad, double *range_m);

/** Inverse of tl_ecef_to_aer. */
void tl_aer_to_ecef(const tl_geodetic *site, const double site_ecef[3], double az_rad,
                    double el_rad, double range_m, double pos_ecef[3]);

/** ECI -> ECEF at t_s seconds after the epoch where the frames coincide.
 *  vel arguments may be NULL (then only position is converted). */
void tl_eci_to_ecef(double t_s, const double pos_eci[3], const double vel_eci[3],
                    double pos_ecef[3], double vel_ecef[3]);
/** ECEF -> ECI (inverse of tl_eci_to_ecef). */
void tl_ecef_to_eci(double t_s, const double pos_ecef[3], const double vel_ecef[3],
                    double pos_eci[3], double vel_eci[3]);

/** Geodesic inverse problem on WGS-84 (Karney 2013, via PROJ).
 *  Outputs may be NULL. Azimuths in radians from north, clockwise. */
void tl_geodesic_inverse(double lat1_rad, double lon1_rad, double lat2_rad, double lon2_rad,
                         double *s12_m, double *azi1_rad, double *azi2_rad);

/** Geodesic direct problem: from (lat1, lon1) along azi1 for s12 metres. */
void tl_geodesic_direct(double lat1_rad, double lon1_rad, double azi1_rad, double s12_m,
                        double *lat2_rad, double *lon2_rad, double *azi2_rad);

/** Gaussian mean radius of curvature sqrt(M N) at a latitude, m. */
double tl_earth_radius_gauss(double lat_rad);

/** Lowest target height (m above the surface) visible from a radar at radar_h_m
 *  at ground distance ground_m, over a spherical Earth of radius k * earth_r_m
 *  (k = 4/3 for standard refraction). 0 when the target is inside the horizon. */
double tl_horizon_min_height(double ground_m, double radar_h_m, double k, double earth_r_m);

/** Distance to the radar horizon (ground arc, m) for a radar at radar_h_m. */
double tl_horizon_distance(double radar_h_m, double k, double earth_r_m);

/** Apparent elevation (rad) of a target in the effective-Earth (k R) geometry:
 *  positive above the refracted horizon line of the radar's local horizontal. */
double tl_effective_elevation(double ground_m, double radar_h_m, double target_h_m, double k,
                              double earth_r_m);

/** Line of sight from site to pos_ecef over the ellipsoid with k-Earth refraction:
 *  returns 1 when visible (target above the effective horizon), else 0. */
int tl_los_visible(const tl_geodetic *site, const double pos_ecef[3], double k);

/** Wrap an angle to (-pi, pi]. */
double tl_wrap_pi(double a_rad);
/** Wrap an angle to [0, 2pi). */
double tl_wrap_2pi(double a_rad);

#endif
