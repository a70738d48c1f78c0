/* atmosphere.c — U.S. Standard Atmosphere 1976 (NOAA/NASA/USAF, 1976), lower 86 km.
 *
 * The seven layers are defined in geopotential height with linear temperature
 * profiles; pressure follows the hydrostatic equation in closed form per layer.
 * Above 86 km an exponential tail anchored on the 1976 value at 86 km
 * (6.958e-6 kg/m^3) with a 6.0 km scale height (a fit to the 1976 tables between
 * 86 and 120 km, good to a factor ~2) stands in; drag there is negligible for
 * the ballistic coefficients of interest.
 */
#include "trilink/dynamics.h"

#include <math.h>

#define R_EARTH_GEOPOT 6356766.0 /* m, the 1976 standard's r0 */
#define G0 9.80665               /* m/s^2 */
#define M0 0.0289644             /* kg/mol */
#define RSTAR 8.31432            /* J/(mol K), the 1976 standard's value */

static const double hb[8] = {0, 11000, 20000, 32000, 47000, 51000, 71000, 84852};
static const double lb[7] = {-0.0065, 0.0, 0.001, 0.0028, 0.0, -0.0028, -0.002};

void tl_atmo_tp(double h_m, double *temp_k, double *press_pa)
{
    if (h_m < -5000.0)
        h_m = -5000.0;
    if (h_m > 86000.0)
        h_m = 86000.0;
    double hg = R_EARTH_GEOPOT * h_m / (R_EARTH_GEOPOT + h_m); /* geopotential height */
    double t = 288.15, p = 101325.0;
    int i = 0;
    for (; i < 7; i++) {
        double top = (i < 6) ? hb[i + 1] : 1e9;
        double dh = (hg < top ? hg : top) - hb[i];
        double tn = t + lb[i] * dh;
        double pn;
        if (lb[i] == 0.0)
            pn = p * exp(-G0 * M0 * dh / (RSTAR * t));
        else
            pn = p * pow(t / tn, G0 * M0 / (RSTAR * lb[i]));
        if (hg < top || i == 6) {
            t = tn;
            p = pn;
            break;
        }
        t = tn;
        p = pn;
    }
    *temp_k = t;
    *press_pa = p;
}

double tl_atmo_density(double h_m)
{
    if (h_m > 1.0e6)
        return 0.0;
    if (h_m > 86000.0)
        return 6.958e-6 * exp(-(h_m - 86000.0) / 6000.0);
    double t, p;
    tl_atmo_tp(h_m, &t, &p);
    return p * M0 / (RSTAR * t);
}
