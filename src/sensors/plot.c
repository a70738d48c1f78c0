/* plot.c — validation of a sensor plot (the plot.h contract). Every consumer of
 * external plots (CSV reader, DDS reader) calls tl_plot_validate before use. */
#include "trilink/plot.h"

#include "trilink/error.h"

#include <math.h>
#include <string.h>

static int fail(const char **reason, const char *why)
{
    if (reason)
        *reason = why;
    return TL_EINVAL;
}

static int terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL && s[0] != '\0';
}

int tl_plot_validate(const tl_plot *p, const char **reason)
{
    if (!p)
        return fail(reason, "null plot");
    if (!terminated(p->sensor_id, sizeof p->sensor_id))
        return fail(reason, "sensor_id empty or not terminated");
    if (!terminated(p->nation, sizeof p->nation))
        return fail(reason, "nation empty or not terminated");
    if (!(fabs(p->site.lat_rad) <= TL_PI / 2) || !(fabs(p->site.lon_rad) <= TL_PI + 1e-12) ||
        !isfinite(p->site.h_m))
        return fail(reason, "site geodetic position out of range");
    for (int i = 0; i < 3; i++)
        if (!isfinite(p->site_ecef[i]))
            return fail(reason, "site ECEF position not finite");
    if (p->kind == TL_PLOT_RADAR) {
        if (p->nz != 3 && p->nz != 4)
            return fail(reason, "radar plot needs nz = 3 or 4");
        if (!(p->z[0] > 0.0) || !isfinite(p->z[0]))
            return fail(reason, "range must be > 0");
        if (!(p->z[1] >= 0.0 && p->z[1] < 2 * TL_PI))
            return fail(reason, "azimuth must be in [0, 2pi)");
        if (!(fabs(p->z[2]) <= TL_PI / 2))
            return fail(reason, "elevation must be in [-pi/2, pi/2]");
        if (p->nz == 4 && !isfinite(p->z[3]))
            return fail(reason, "range rate not finite");
    } else if (p->kind == TL_PLOT_IR) {
        if (p->nz != 2)
            return fail(reason, "IR plot needs nz = 2");
        if (!(fabs(p->z[0]) <= TL_PI))
            return fail(reason, "IR azimuth angle must be in [-pi, pi]");
        if (!(fabs(p->z[1]) <= TL_PI / 2))
            return fail(reason, "IR elevation angle must be in [-pi/2, pi/2]");
    } else {
        return fail(reason, "unknown plot kind");
    }
    for (int i = 0; i < p->nz; i++)
        if (!(p->sigma[i] > 0.0) || !isfinite(p->sigma[i]))
            return fail(reason, "sigma must be finite and > 0");
    if (reason)
        *reason = NULL;
    return TL_OK;
}
