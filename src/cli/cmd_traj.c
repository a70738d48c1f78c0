/* cmd_traj.c — `trilink traj`: solve one missile flight (tl_flight_solve) and print its
 * summary, optionally with the sampled trajectory as CSV or JSON.
 * Exit status: 0 ok, 1 runtime failure, 2 bad or impossible request (the message
 * names the argument at fault). */
#include "cli.h"
#include "trilink/flight.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void traj_usage(FILE *f)
{
    fprintf(f, "usage: trilink traj --lat DEG --lon DEG --azimuth DEG --range-km KM\n"
               "                    (--apogee-km KM | --loft min|lofted|depressed)\n"
               "                    [--class auto|srbm|mrbm|irbm|icbm|slv] [--height-m M]\n"
               "                    [--csv | --json] [--dt S] [--orbit-s S]\n"
               "Solves a flight from the launch site on the azimuth that lands range-km away\n"
               "(peaking at apogee-km, or on the loft choice) and prints apogee, range, flight\n"
               "time, burnout state and impact point; --csv/--json add the trajectory sampled\n"
               "every --dt seconds (default 1). --class slv flies a space launcher to orbit\n"
               "(range and loft unused; --apogee-km sets the orbit apogee, default 600 km).\n");
}

/* Map the field a library message starts with to the option that supplies it. */
static const char *field_option(const char *msg, const char **rest)
{
    static const struct {
        const char *field, *opt;
    } map[] = {{"latitude: ", "--lat"},   {"longitude: ", "--lon"},    {"azimuth: ", "--azimuth"},
               {"range: ", "--range-km"}, {"apogee: ", "--apogee-km"}, {"class: ", "--class"},
               {"loft: ", "--loft"},      {"height: ", "--height-m"},  {"dt: ", "--dt"},
               {"t_end: ", "--orbit-s"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        size_t n = strlen(map[i].field);
        if (!strncmp(msg, map[i].field, n)) {
            *rest = msg + n;
            return map[i].opt;
        }
    }
    *rest = msg;
    return NULL;
}

static void report_error(const tl_err *e)
{
    const char *rest;
    const char *opt = field_option(e->msg, &rest);
    if (opt)
        fprintf(stderr, "trilink traj: %s: %s\n", opt, rest);
    else
        fprintf(stderr, "trilink traj: %s\n", e->msg);
}

static void print_summary(FILE *o, const tl_flight *f, const char *pfx)
{
    tl_geodetic bo;
    tl_ecef_to_geodetic(f->burnout_x_ecef, &bo);
    fprintf(o, "%sclass            %s\n", pfx, tl_missile_class_name(f->cls));
    fprintf(o, "%slaunch           %.5f %.5f (deg), azimuth %.3f deg\n", pfx,
            f->req.launch.lat_rad / TL_DEG, f->req.launch.lon_rad / TL_DEG,
            f->req.azimuth_rad / TL_DEG);
    fprintf(o, "%sapogee_km        %.3f\n", pfx, f->apogee_m / 1e3);
    fprintf(o, "%srange_km         %.3f\n", pfx, f->range_m / 1e3);
    fprintf(o, "%sflight_time_s    %.3f\n", pfx, f->flight_time_s);
    fprintf(o, "%sburnout_t_s      %.3f\n", pfx, f->burnout_t_s);
    fprintf(o, "%sburnout_h_km     %.3f\n", pfx, f->burnout_h_m / 1e3);
    fprintf(o, "%sburnout_speed    %.3f m/s (Earth-relative)\n", pfx, f->burnout_speed_mps);
    fprintf(o, "%sburnout_gamma    %.3f deg\n", pfx, f->burnout_gamma_rad / TL_DEG);
    fprintf(o, "%sburnout_lat_lon  %.5f %.5f\n", pfx, bo.lat_rad / TL_DEG, bo.lon_rad / TL_DEG);
    fprintf(o, "%sburnout_ecef_m   %.3f %.3f %.3f\n", pfx, f->burnout_x_ecef[0],
            f->burnout_x_ecef[1], f->burnout_x_ecef[2]);
    fprintf(o, "%sburnout_vel_mps  %.4f %.4f %.4f\n", pfx, f->burnout_x_ecef[3],
            f->burnout_x_ecef[4], f->burnout_x_ecef[5]);
    if (f->orbital) {
        fprintf(o, "%sorbital          1 (perigee above 120 km; no impact)\n", pfx);
    } else {
        fprintf(o, "%simpact_lat_lon   %.5f %.5f\n", pfx, f->impact.lat_rad / TL_DEG,
                f->impact.lon_rad / TL_DEG);
        fprintf(o, "%simpact_azimuth   %.3f deg\n", pfx, f->impact_azimuth_rad / TL_DEG);
        fprintf(o, "%slaunch_heading   %.3f deg (corrected for Earth rotation)\n", pfx,
                tl_wrap_2pi(f->req.azimuth_rad + f->ctrl[TL_CTRL_HEADING]) / TL_DEG);
    }
}

static void print_json(const tl_flight *f, const tl_traj *tr)
{
    printf("{\"class\":\"%s\",\"apogee_km\":%.6f,\"range_km\":%.6f,\"flight_time_s\":%.6f,"
           "\"orbital\":%d,\n",
           tl_missile_class_name(f->cls), f->apogee_m / 1e3, f->range_m / 1e3, f->flight_time_s,
           f->orbital);
    printf(" \"burnout\":{\"t_s\":%.6f,\"h_m\":%.3f,\"speed_mps\":%.6f,\"gamma_deg\":%.6f,"
           "\"x_ecef\":[%.3f,%.3f,%.3f,%.6f,%.6f,%.6f]},\n",
           f->burnout_t_s, f->burnout_h_m, f->burnout_speed_mps, f->burnout_gamma_rad / TL_DEG,
           f->burnout_x_ecef[0], f->burnout_x_ecef[1], f->burnout_x_ecef[2], f->burnout_x_ecef[3],
           f->burnout_x_ecef[4], f->burnout_x_ecef[5]);
    if (!f->orbital)
        printf(" \"impact\":{\"lat_deg\":%.8f,\"lon_deg\":%.8f,\"azimuth_deg\":%.6f},\n",
               f->impact.lat_rad / TL_DEG, f->impact.lon_rad / TL_DEG,
               f->impact_azimuth_rad / TL_DEG);
    printf(" \"samples\":[\n");
    for (size_t i = 0; i < tr->n; i++) {
        const tl_traj_point *p = &tr->pts[i];
        tl_geodetic g;
        tl_ecef_to_geodetic(p->x_ecef, &g);
        printf("  {\"t_s\":%.3f,\"lat_deg\":%.7f,\"lon_deg\":%.7f,\"h_m\":%.3f,"
               "\"x_ecef\":[%.3f,%.3f,%.3f,%.4f,%.4f,%.4f],\"phase\":\"%s\",\"thrusting\":%d}%s\n",
               p->t_s, g.lat_rad / TL_DEG, g.lon_rad / TL_DEG, g.h_m, p->x_ecef[0], p->x_ecef[1],
               p->x_ecef[2], p->x_ecef[3], p->x_ecef[4], p->x_ecef[5],
               tl_phase_name((tl_phase)p->phase), p->thrusting, i + 1 < tr->n ? "," : "");
    }
    printf(" ]}\n");
}

static void print_csv(const tl_flight *f, const tl_traj *tr)
{
    print_summary(stdout, f, "# ");
    printf("t_s,lat_deg,lon_deg,h_m,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps,phase,thrusting\n");
    for (size_t i = 0; i < tr->n; i++) {
        const tl_traj_point *p = &tr->pts[i];
        tl_geodetic g;
        tl_ecef_to_geodetic(p->x_ecef, &g);
        printf("%.3f,%.7f,%.7f,%.3f,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%s,%d\n", p->t_s,
               g.lat_rad / TL_DEG, g.lon_rad / TL_DEG, g.h_m, p->x_ecef[0], p->x_ecef[1],
               p->x_ecef[2], p->x_ecef[3], p->x_ecef[4], p->x_ecef[5],
               tl_phase_name((tl_phase)p->phase), p->thrusting);
    }
}

int tl_cmd_traj(int argc, char **argv)
{
    double lat = NAN, lon = NAN, az = NAN, range_km = NAN, apogee_km = NAN, h_m = 0.0;
    double dt = 1.0, orbit_s = 600.0;
    int have_lat = 0, have_lon = 0, have_az = 0, have_range = 0, have_apo = 0;
    tl_loft loft = TL_LOFT_NONE;
    tl_missile_class cls = TL_CLASS_AUTO;
    int csv = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            traj_usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--csv")) {
            csv = 1;
            continue;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "trilink traj: %s: missing value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        int ok = 1;
        if (!strcmp(a, "--lat"))
            ok = tl_cli_parse_double(a, v, &lat), have_lat = 1;
        else if (!strcmp(a, "--lon"))
            ok = tl_cli_parse_double(a, v, &lon), have_lon = 1;
        else if (!strcmp(a, "--azimuth"))
            ok = tl_cli_parse_double(a, v, &az), have_az = 1;
        else if (!strcmp(a, "--range-km"))
            ok = tl_cli_parse_double(a, v, &range_km), have_range = 1;
        else if (!strcmp(a, "--apogee-km"))
            ok = tl_cli_parse_double(a, v, &apogee_km), have_apo = 1;
        else if (!strcmp(a, "--height-m"))
            ok = tl_cli_parse_double(a, v, &h_m);
        else if (!strcmp(a, "--dt"))
            ok = tl_cli_parse_double(a, v, &dt);
        else if (!strcmp(a, "--orbit-s"))
            ok = tl_cli_parse_double(a, v, &orbit_s);
        else if (!strcmp(a, "--class")) {
            if (tl_missile_class_parse(v, &cls) != TL_OK) {
                fprintf(stderr,
                        "trilink traj: --class: unknown class '%s' (auto, srbm, mrbm, irbm, "
                        "icbm, slv)\n",
                        v);
                return 2;
            }
        } else if (!strcmp(a, "--loft")) {
            if (!strcmp(v, "min") || !strcmp(v, "min-energy"))
                loft = TL_LOFT_MIN_ENERGY;
            else if (!strcmp(v, "lofted"))
                loft = TL_LOFT_LOFTED;
            else if (!strcmp(v, "depressed"))
                loft = TL_LOFT_DEPRESSED;
            else {
                fprintf(stderr,
                        "trilink traj: --loft: unknown loft '%s' (min, lofted, depressed)\n", v);
                return 2;
            }
        } else {
            fprintf(stderr, "trilink traj: unknown option '%s'\n", a);
            traj_usage(stderr);
            return 2;
        }
        if (!ok)
            return 2;
    }
    if (csv && json) {
        fprintf(stderr, "trilink traj: --csv and --json are exclusive\n");
        return 2;
    }
    const char *missing = !have_lat ? "--lat" : !have_lon ? "--lon" : !have_az ? "--azimuth" : NULL;
    if (!missing && cls != TL_CLASS_SLV) {
        if (!have_range)
            missing = "--range-km";
        else if (!have_apo && loft == TL_LOFT_NONE)
            missing = "--apogee-km (or --loft)";
    }
    if (missing) {
        fprintf(stderr, "trilink traj: missing %s\n", missing);
        traj_usage(stderr);
        return 2;
    }
    if (lat < -90.0 || lat > 90.0) {
        fprintf(stderr, "trilink traj: --lat: %g is outside [-90, 90]\n", lat);
        return 2;
    }
    if (lon < -180.0 || lon > 360.0) {
        fprintf(stderr, "trilink traj: --lon: %g is outside [-180, 360]\n", lon);
        return 2;
    }
    if (have_apo && loft != TL_LOFT_NONE && cls != TL_CLASS_SLV) {
        fprintf(stderr, "trilink traj: --loft: give either --apogee-km or --loft, not both\n");
        return 2;
    }
    if (have_apo && !(apogee_km > 0.0)) {
        fprintf(stderr, "trilink traj: --apogee-km: %g must be positive\n", apogee_km);
        return 2;
    }
    if (have_range && !(range_km > 0.0)) {
        fprintf(stderr, "trilink traj: --range-km: %g must be positive\n", range_km);
        return 2;
    }
    if (!(dt >= 0.001 && dt <= 3600.0)) {
        fprintf(stderr, "trilink traj: --dt: %g is outside [0.001, 3600]\n", dt);
        return 2;
    }
    if (!(orbit_s > 0.0 && orbit_s <= 86400.0)) {
        fprintf(stderr, "trilink traj: --orbit-s: %g is outside (0, 86400]\n", orbit_s);
        return 2;
    }
    tl_flight_request req;
    memset(&req, 0, sizeof req);
    req.launch.lat_rad = lat * TL_DEG;
    req.launch.lon_rad = tl_wrap_pi(lon * TL_DEG);
    req.launch.h_m = h_m;
    req.azimuth_rad = az * TL_DEG;
    req.range_m = have_range ? range_km * 1e3 : 0.0;
    req.apogee_m = have_apo ? apogee_km * 1e3 : 0.0;
    req.loft = cls == TL_CLASS_SLV ? TL_LOFT_NONE : loft;
    req.cls = cls;
    tl_flight f;
    tl_err err;
    tl_err_clear(&err);
    int rc = tl_flight_solve(&req, &f, &err);
    if (rc != TL_OK) {
        report_error(&err);
        return (rc == TL_EINVAL || rc == TL_EIMPOSSIBLE || rc == TL_ERANGE) ? 2 : 1;
    }
    if (!csv && !json) {
        print_summary(stdout, &f, "");
        return 0;
    }
    tl_traj tr = {0, NULL};
    rc = tl_flight_trajectory(&f, dt, f.burnout_t_s + orbit_s, &tr, &err);
    if (rc != TL_OK) {
        report_error(&err);
        return rc == TL_EINVAL ? 2 : 1;
    }
    if (csv)
        print_csv(&f, &tr);
    else
        print_json(&f, &tr);
    tl_traj_free(&tr);
    return 0;
}
