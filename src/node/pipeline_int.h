/* pipeline_int.h — private seam of the node pipeline: pipeline.c does the estimation
 * (tracker, fusion, predict, zones, alerts); products.c converts to and from the
 * link's tl_product (link.h). They meet through the plain types below.
 */
#ifndef TL_NODE_PIPELINE_INT_H
#define TL_NODE_PIPELINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "trilink/pipeline.h"
#include "trilink/predict.h"
#include "trilink/track.h"

/** Outbound product queue (a ring of tl_product, allocated once). */
typedef struct tl__plq tl__plq;

tl__plq *tl__plq_create(size_t cap);
void tl__plq_destroy(tl__plq *q);
/** 1 and *out (a struct tl_product) filled, or 0 when empty. */
int tl__plq_pop(tl__plq *q, struct tl_product *out);
uint64_t tl__plq_pushed(const tl__plq *q);
uint64_t tl__plq_lost(const tl__plq *q);

void tl__plq_track(tl__plq *q, const char *nation, const tl_track_report *r, int cls, int dropped);
void tl__plq_launch(tl__plq *q, const char *sys_id, const tl_launch_pred *l);
void tl__plq_impact(tl__plq *q, const char *sys_id, const tl_impact_pred *ip, int zone_level,
                    const char *zone_name);
void tl__plq_alert(tl__plq *q, const char *alert_id, const char *sys_id, int severity,
                   int zone_level, int64_t impact_t_ns, const char *text);

/** A partner's track as fusion needs it (decoded from a Track product). */
typedef struct tl__pl_ptrack {
    char origin[TL_NATION_LEN];
    char track_id[TL_ID_LEN];
    tl_state_est est;
    int phase;
    int dropped;
    double beta_kg_m2, beta_ln_sigma; /* 0: none */
} tl__pl_ptrack;

int tl__pl_partner_track(tl_pipeline *p, const tl__pl_ptrack *t, tl_err *err);
void tl__pl_partner_other(tl_pipeline *p, int kind);
const char *tl__pl_nation(const tl_pipeline *p);

#endif
