/* track.c — track quality (0..15 from position uncertainty), phase from the state
 * and the IMM mode probabilities, and status names. See track.h. */
#include "trilink/track.h"
#include "trilink/geo.h"

#include <math.h>

int tl_track_quality(const double P[6][6])
{
    double tr = P[0][0] + P[1][1] + P[2][2];
    if (!(tr >= 0.0) || !isfinite(tr))
        return 0;
    double s = sqrt(tr / 3.0);
    if (s <= 10.0)
        return 15;
    int q = 15 - (int)ceil(log2(s / 10.0));
    return q < 0 ? 0 : q;
}

tl_phase tl_track_phase(const double x[6], double mu_manoeuvre, int was_midcourse)
{
    tl_geodetic g;
    tl_ecef_to_geodetic(x, &g);
    double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    double vr = (x[0] * x[3] + x[1] * x[4] + x[2] * x[5]) / r; /* radial (up) speed */
    if (g.h_m < 100e3 && vr < 0.0)
        return TL_PHASE_TERMINAL;
    if (!was_midcourse && mu_manoeuvre > 0.5 && vr > 0.0)
        return TL_PHASE_BOOST;
    return TL_PHASE_MIDCOURSE;
}

const char *tl_track_status_name(tl_track_status s)
{
    switch (s) {
    case TL_TRACK_TENTATIVE:
        return "tentative";
    case TL_TRACK_CONFIRMED:
        return "confirmed";
    case TL_TRACK_DELETED:
        return "deleted";
    }
    return "unknown";
}
