/* zones.c — the evaluation's view of the zone data (zones.h): loading, classifying
 * the true impact points and ground tracks, and each nation's decision classes. */
#include "eval_int.h"
#include "trilink/zones.h"

int tl__eval_zones_load(struct tl_zones **out, tl_err *err)
{
    return tl_zones_load_default(out, err);
}

void tl__eval_zones_destroy(struct tl_zones *z)
{
    tl_zones_destroy(z);
}

int tl__eval_zone_of(const struct tl_zones *z, double lat_rad, double lon_rad)
{
    tl_zone_class c;
    if (tl_zones_classify(z, lat_rad, lon_rad, &c, NULL) != TL_OK)
        return -1;
    return (int)c;
}

const char *tl__eval_zone_name(int zone_class)
{
    return zone_class >= 0 && zone_class < TL_ZONE_COUNT
               ? tl_zone_class_name((tl_zone_class)zone_class)
               : "-";
}

int tl__eval_decision(int k, int zone_class)
{
    if (k == 0)
        return zone_class == TL_ZONE_JP_TERRITORY ? 1 : zone_class == TL_ZONE_JP_EEZ ? 2 : 0;
    if (k == 2)
        return zone_class == TL_ZONE_KR_TERRITORY ? 1 : zone_class == TL_ZONE_KR_WATERS ? 2 : 0;
    return -1;
}
