/* eval_int.h — internals shared by the files of src/eval: zone data access kept in
 * one file (zones.h and link.h both name a tl_zone_verdict, so they are never
 * included together). */
#ifndef TL_EVAL_INT_H
#define TL_EVAL_INT_H

#include "trilink/error.h"

struct tl_zones;

/* Zone class values (tl_zone_class of zones.h). */
#define TL__EV_JP_TERRITORY 1
#define TL__EV_JP_EEZ 2
#define TL__EV_KR_TERRITORY 3
#define TL__EV_KR_WATERS 4

int tl__eval_zones_load(struct tl_zones **out, tl_err *err);
void tl__eval_zones_destroy(struct tl_zones *z);
/* tl_zone_class of a point, -1 when it cannot be classified. */
int tl__eval_zone_of(const struct tl_zones *z, double lat_rad, double lon_rad);
const char *tl__eval_zone_name(int zone_class);

/* Nation k's decision class of a zone: 1 own territory, 2 own EEZ/waters, 0 outside;
 * -1 when nation k makes no zone decision (the US). */
int tl__eval_decision(int k, int zone_class);

#endif
