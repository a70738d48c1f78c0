/* scenario.h — drill scenarios: the YAML file format of docs/scenario.md (epoch,
 * duration, seed, nations and their sensors, launch sites, launches, salvos,
 * debris, clutter), its loader, and the in-memory scenario the simulation runs.
 *
 * The loader checks everything it can before a run: unknown keys, wrong types,
 * missing fields, values out of range, unknown names, duplicate ids, sensors
 * below ground, and launches the flight solver cannot fly. It reports EVERY error
 * it finds (not just the first) as "FILE:LINE: FIELD: message" in a tl_diag.
 * Parsing uses libyaml's document API (pyyaml.org/wiki/LibYAML).
 */
#ifndef TRILINK_SCENARIO_H
#define TRILINK_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/error.h"
#include "trilink/flight.h"
#include "trilink/sensors.h"

#define TL_SCN_MAX_NATIONS 8

typedef enum tl_sensor_kind { TL_SENSOR_RADAR = 1, TL_SENSOR_IR = 2 } tl_sensor_kind;

typedef struct tl_scn_sensor {
    tl_sensor_kind kind;
    tl_radar_cfg radar;   /**< when kind == TL_SENSOR_RADAR */
    tl_irsat_cfg ir;      /**< when kind == TL_SENSOR_IR */
    double scan_offset_s; /**< first scan after the epoch; < 0: drawn from the seed */
    int line;             /**< where it was declared (1-based) */
} tl_scn_sensor;

typedef struct tl_scn_launch {
    char id[TL_ID_LEN];
    double t_s;            /**< launch time, seconds after the epoch */
    tl_flight_request req; /**< site, azimuth, range, apogee or loft, class */
    double rcs_m2;         /**< radar cross-section after burnout */
    double rcs_boost_m2;   /**< radar cross-section while the booster is attached */
    tl_flight flight;      /**< solved by tl_scenario_load */
    int line;
    char where[32]; /**< "launches[i]" or "salvos[i]", for messages */
} tl_scn_launch;

typedef struct tl_scn_debris {
    char id[TL_ID_LEN];     /**< pieces are named <id>-1 .. <id>-count */
    char parent[TL_ID_LEN]; /**< a launch id */
    size_t parent_index;    /**< index into launches */
    double t_s;             /**< release time, seconds after the parent's launch */
    int count;
    double spread_mps; /**< 1-sigma of each separation-velocity component */
    double beta_kg_m2; /**< ballistic coefficient (drag) */
    double rcs_m2;
    int line;
} tl_scn_debris;

typedef struct tl_scn_clutter {
    char id[TL_ID_LEN];
    double lat_rad, lon_rad; /**< centre of the clutter region */
    double radius_m;
    double min_h_m, max_h_m;
    double plots_per_scan; /**< mean spurious plots per scan of a radar that sees it */
    int line;
} tl_scn_clutter;

typedef struct tl_scenario {
    char path[256];
    int64_t epoch_ns; /**< scenario start, ns UTC */
    double duration_s;
    uint64_t seed;
    double truth_dt_s; /**< truth.csv sample interval */
    size_t n_nations;
    char nations[TL_SCN_MAX_NATIONS][TL_NATION_LEN];
    tl_scn_sensor *sensors;
    size_t n_sensors;
    tl_scn_launch *launches; /**< launches, then salvos expanded in order */
    size_t n_launches;
    tl_scn_debris *debris;
    size_t n_debris;
    tl_scn_clutter *clutter;
    size_t n_clutter;
} tl_scenario;

/** A list of error messages ("FILE:LINE: FIELD: message"). */
typedef struct tl_diag {
    size_t n, cap;
    char (*msg)[384];
} tl_diag;

void tl_diag_init(tl_diag *d);
void tl_diag_free(tl_diag *d);
/** Append a message (dropped silently if memory runs out; n still counts it). */
void tl_diag_add(tl_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Load, validate and solve a scenario file. Returns TL_OK with *out filled (free
 *  with tl_scenario_free), or TL_EPARSE / TL_EIO with every error in diag (which
 *  may be NULL) and *out empty. */
int tl_scenario_load(const char *path, tl_scenario *out, tl_diag *diag);

/** The same from text in memory; name labels the messages. */
int tl_scenario_parse(const char *text, size_t len, const char *name, tl_scenario *out,
                      tl_diag *diag);

void tl_scenario_free(tl_scenario *sc);

/** Parse an ISO 8601 UTC time "YYYY-MM-DDTHH:MM:SS[.fffffffff](Z|+00:00)" to ns. */
int tl_parse_utc(const char *s, int64_t *t_ns);
/** Format ns UTC as "YYYY-MM-DDTHH:MM:SS.fffZ" (buf >= 32 bytes). */
void tl_format_utc(int64_t t_ns, char *buf, size_t cap);

#endif
