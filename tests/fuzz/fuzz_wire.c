/* fuzz_wire.c — libFuzzer harness for what arrives from the network: a partner's
 * product sample (the IDL structs of idl/trilink.idl) through the link's conversion
 * and validation (src/link/convert.c tl__from_wire, src/link/validate.c
 * tl_product_validate, exactly as node.c's on_product runs them), and a national
 * Plot sample through the plot bus conversion (src/cli/plotbus.c
 * tl_plotbus_from_sample) and tl__plot_from_wire + tl_plot_validate, and a run of
 * Heartbeat clock readings through the link's latency estimate (tl__hb_latency).
 *
 * The sample is built from the fuzzer's bytes field by field, mostly from plausible
 * values (nations of config/network.yaml, times near the node's clock, an SPD
 * covariance) so that validation is reached deep, and often from hostile ones: NaN,
 * infinities, 1e308, denormals, INT64_MIN/MAX, strings without a NUL, sequence
 * lengths beyond the bound. Cyclone DDS's deserializer guarantees a sequence's buffer
 * holds at most its bound and booleans are 0/1; nothing else is assumed.
 *
 * Promises checked: no crash or sanitizer report; an accepted product has a known
 * kind, a path of 1..8 known nations from its origin, terminated strings, only finite
 * numbers, an SPD covariance, times inside the window, and it converts back to the
 * same wire sample (what the node forwards is what it accepted); an accepted plot is
 * finite with nz matching its kind; the latency estimate stays within +-1e18 ns
 * (31 years) whatever clocks a peer claims. */
#include "fuzz_util.h"

#include "link_int.h"
#include "plotbus.h"
#include "trilink/netconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static tl_netconfig cfg;
static const char *nations[TL_NET_NATIONS_MAX + 1];
static int n_names;
static const int64_t now_ns = 1767225600000000000LL; /* 2026-01-01T00:00:00Z */
static unsigned long verdicts[TL_REJ_COUNT]; /* how deep the inputs get (TL_FUZZ_STATS=1) */

static void print_verdicts(void)
{
    for (int r = 0; r < TL_REJ_COUNT; r++)
        fprintf(stderr, "fuzz_wire: %-15s %lu\n", r ? tl_reject_reason_name((tl_reject_reason)r) : "accepted",
                verdicts[r]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    tl_err err;
    if (tl_netconfig_load(TL_SOURCE_DIR "/config/network.yaml", &cfg, &err)) {
        fprintf(stderr, "fuzz_wire: %s\n", err.msg);
        exit(1);
    }
    for (int i = 0; i < cfg.n_nations; i++)
        nations[n_names++] = cfg.nations[i];
    nations[n_names++] = "XX"; /* not in the config */
    if (getenv("TL_FUZZ_STATS"))
        atexit(print_verdicts);
    return 0;
}

static void header(fz_in *in, trilink_Header *h, char (*path)[8])
{
    fz_str(in, h->origin, sizeof h->origin, nations, n_names);
    uint8_t s = fz_u8(in);
    h->seq = s < 200 ? 1 + s % 50 : fz_u64(in);
    uint8_t ps = fz_u8(in);
    h->prev_seq = ps < 200 ? (h->seq ? h->seq - 1 - ps % 2 : 0) : fz_u64(in);
    h->origin_time_ns = fz_i64_near(in, now_ns);
    h->releasable_mask = fz_u8(in) < 200 ? 0xffffffffu : fz_u32(in);
    static const char *const marks[] = {"UNCLASSIFIED", ""};
    fz_str(in, h->marking, sizeof h->marking, marks, 2);
    uint8_t pl = fz_u8(in);
    uint32_t len = pl < 240 ? pl % 4 : fz_u32(in); /* beyond 8 only as a length */
    for (uint32_t i = 0; i < len && i < TL_PATH_MAX; i++)
        fz_str(in, path[i], 8, nations, n_names);
    if (len >= 1 && fz_u8(in) < 128) /* usually a path that starts at the origin */
        memcpy(path[0], h->origin, 8);
    h->path._maximum = TL_PATH_MAX;
    h->path._length = len;
    h->path._buffer = path;
    h->path._release = false;
}

/* A covariance: SPD (diagonal sigma^2, a correlated pair) with hostile entries mixed in. */
static void covariance(fz_in *in, double *P, int n, double sigma)
{
    memset(P, 0, sizeof(double) * (size_t)(n * n));
    for (int i = 0; i < n; i++)
        P[i * n + i] = sigma * sigma * (1.0 + fz_u8(in));
    uint8_t c = fz_u8(in);
    if (c < 64) {
        double r = ((double)fz_u8(in) - 128.0) / 129.0;
        double v = r * sqrt(P[0] * P[n + 1]);
        P[1] = P[n] = v;
    }
    int k = fz_u8(in) % 4;
    for (int i = 0; i < k; i++) {
        int at = fz_u8(in) % (n * n);
        P[at] = fz_double(in, P[at]);
    }
}

static const char *const ids[] = {"JP-T1", "US-T7", ""};

static void check_accepted(const tl_product *p, tl_product_kind k, const char *self, const char *via)
{
    const tl_product_hdr *h = &p->hdr;
    FZ_CHECK(p->kind == k && k >= TL_PROD_TRACK && k <= TL_PROD_ALERT, "kind %d", (int)p->kind);
    FZ_CHECK(h->path_len >= 1 && h->path_len <= TL_PATH_MAX, "path_len %d", h->path_len);
    FZ_CHECK(fz_terminated(h->origin, sizeof h->origin) && fz_terminated(h->marking, sizeof h->marking), "hdr str");
    FZ_CHECK(tl_netconfig_nation(&cfg, h->origin) >= 0 && !strcmp(h->path[0], h->origin), "origin %s", h->origin);
    FZ_CHECK(!strcmp(h->path[h->path_len - 1], via), "path ends at %s, not %s", h->path[h->path_len - 1], via);
    for (int i = 0; i < h->path_len; i++)
        FZ_CHECK(fz_terminated(h->path[i], TL_NATION_LEN) && tl_netconfig_nation(&cfg, h->path[i]) >= 0 &&
                     strcmp(h->path[i], self),
                 "path[%d]", i);
    FZ_CHECK(h->seq >= 1 && h->seq < TL_SEQ_LIMIT && h->prev_seq < h->seq, "seq %llu prev %llu",
             (unsigned long long)h->seq, (unsigned long long)h->prev_seq);
    double dt = ((double)h->origin_time_ns - (double)now_ns) * 1e-9;
    FZ_CHECK(dt >= -cfg.window_past_s - 1 && dt <= cfg.window_future_s + 1, "origin time %+g s", dt);
    switch (k) {
    case TL_PROD_TRACK: {
        const tl_track_product *t = &p->u.track;
        for (int i = 0; i < 6; i++)
            FZ_CHECK(isfinite(t->est.x[i]), "x[%d]", i);
        for (int i = 0; i < 36; i++)
            FZ_CHECK(isfinite((&t->est.P[0][0])[i]), "P[%d]", i);
        for (int i = 0; i < 6; i++)
            FZ_CHECK(t->est.P[i][i] > 0, "P[%d][%d] %g", i, i, t->est.P[i][i]);
        FZ_CHECK(isfinite(t->quality) && t->quality >= 0 && t->quality <= 1, "quality");
        FZ_CHECK(isfinite(t->beta_kg_m2) && isfinite(t->beta_ln_sigma) && t->beta_kg_m2 >= 0, "beta");
        FZ_CHECK(t->n_sensors >= 0 && t->n_sensors <= TL_TRACK_SENSORS_MAX, "n_sensors %d", t->n_sensors);
        double ts = ((double)t->est.t_ns - (double)now_ns) * 1e-9;
        FZ_CHECK(ts >= -cfg.window_past_s - 1 && ts <= cfg.window_future_s + 1, "track time %+g s", ts);
        FZ_CHECK(fz_terminated(t->track_id, sizeof t->track_id), "track_id");
        for (int i = 0; i < t->n_sensors; i++)
            FZ_CHECK(fz_terminated(t->sensors[i], TL_ID_LEN), "sensor %d", i);
        break;
    }
    case TL_PROD_LAUNCH: {
        const tl_launch_estimate *l = &p->u.launch;
        for (int i = 0; i < 3; i++)
            FZ_CHECK(isfinite(l->pos_ecef[i]) && l->P_pos[i][i] > 0, "launch pos/P %d", i);
        for (int i = 0; i < 9; i++)
            FZ_CHECK(isfinite((&l->P_pos[0][0])[i]), "P_pos[%d]", i);
        FZ_CHECK(isfinite(l->launch_t_sigma_s) && l->launch_t_sigma_s >= 0, "launch sigma");
        break;
    }
    case TL_PROD_IMPACT: {
        const tl_impact_prediction *m = &p->u.impact;
        for (int i = 0; i < 3; i++)
            FZ_CHECK(isfinite(m->pos_ecef[i]), "impact pos %d", i);
        FZ_CHECK(isfinite(m->impact_t_sigma_s) && m->impact_t_sigma_s >= 0, "impact sigma");
        FZ_CHECK(isfinite(m->ellipse_semi_major_m) && isfinite(m->ellipse_semi_minor_m) &&
                     isfinite(m->ellipse_orient_rad) && m->ellipse_semi_minor_m > 0 &&
                     m->ellipse_semi_major_m >= m->ellipse_semi_minor_m,
                 "ellipse");
        FZ_CHECK(fz_terminated(m->zone_name, sizeof m->zone_name), "zone_name");
        break;
    }
    default: {
        const tl_alert_product *a = &p->u.alert;
        FZ_CHECK(a->severity >= 0 && a->severity <= 3, "severity");
        FZ_CHECK(fz_terminated(a->text, sizeof a->text) && fz_terminated(a->alert_id, sizeof a->alert_id), "text");
        break;
    }
    }
    /* What the node forwards is what it accepted: to wire and back gives the same product. */
    static tl__wire w;
    static tl_product back;
    const char *detail = "";
    tl__to_wire(p, &w);
    FZ_CHECK(tl__from_wire(k, &w.u, &back, &detail) == 0, "re-read: %s", detail);
    FZ_CHECK(!memcmp(&back, p, sizeof back), "an accepted product does not survive to_wire/from_wire");
}

static void product(fz_in *in)
{
    uint8_t ks = fz_u8(in);
    tl_product_kind k = (tl_product_kind)(ks < 250 ? 1 + ks % 4 : ks % 7);
    const char *self = nations[fz_u8(in) % cfg.n_nations];
    const char *via = nations[fz_u8(in) % cfg.n_nations];
    static tl__wire w;
    memset(&w, 0, sizeof w);
    switch (k) {
    case TL_PROD_TRACK: {
        trilink_Track *o = &w.u.track;
        header(in, &o->hdr, w.path);
        fz_str(in, o->track_id, sizeof o->track_id, ids, 3);
        o->t_ns = fz_i64_near(in, now_ns);
        for (int i = 0; i < 6; i++)
            o->x[i] = fz_double(in, i < 3 ? 6.4e6 : 3e3);
        covariance(in, o->P, 6, 100.0);
        uint8_t ph = fz_u8(in), mc = fz_u8(in);
        o->phase = ph < 200 ? ph % 6 : ph;
        o->missile_class = mc < 200 ? mc % 5 : mc;
        o->quality = fz_double(in, 0.5);
        uint8_t ns = fz_u8(in);
        uint32_t n = ns < 240 ? ns % 4 : fz_u32(in);
        for (uint32_t i = 0; i < n && i < TL_TRACK_SENSORS_MAX; i++)
            fz_str(in, w.sensors[i], 24, ids, 2);
        o->sensors._maximum = TL_TRACK_SENSORS_MAX;
        o->sensors._length = n;
        o->sensors._buffer = w.sensors;
        o->dropped = fz_u8(in) & 1;
        o->beta_kg_m2 = fz_double(in, 5e4);
        o->beta_ln_sigma = fz_double(in, 0.3);
        break;
    }
    case TL_PROD_LAUNCH: {
        trilink_LaunchEstimate *o = &w.u.launch;
        header(in, &o->hdr, w.path);
        fz_str(in, o->track_id, sizeof o->track_id, ids, 3);
        o->launch_t_ns = fz_i64_near(in, now_ns);
        o->launch_t_sigma_s = fz_double(in, 2.0);
        for (int i = 0; i < 3; i++)
            o->pos_ecef[i] = fz_double(in, 6.4e6);
        covariance(in, o->P_pos, 3, 1000.0);
        break;
    }
    case TL_PROD_IMPACT: {
        trilink_ImpactPrediction *o = &w.u.impact;
        header(in, &o->hdr, w.path);
        fz_str(in, o->track_id, sizeof o->track_id, ids, 3);
        o->impact_t_ns = fz_i64_near(in, now_ns);
        o->impact_t_sigma_s = fz_double(in, 2.0);
        for (int i = 0; i < 3; i++)
            o->pos_ecef[i] = fz_double(in, 6.4e6);
        o->ellipse_semi_major_m = fz_double(in, 5e3);
        o->ellipse_semi_minor_m = fz_double(in, 2e3);
        o->ellipse_orient_rad = fz_double(in, 1.0);
        o->zone_verdict = fz_u8(in);
        static const char *const zones[] = {"JP", "open sea"};
        fz_str(in, o->zone_name, sizeof o->zone_name, zones, 2);
        break;
    }
    case TL_PROD_ALERT: {
        trilink_Alert *o = &w.u.alert;
        header(in, &o->hdr, w.path);
        fz_str(in, o->alert_id, sizeof o->alert_id, ids, 3);
        fz_str(in, o->track_id, sizeof o->track_id, ids, 3);
        o->severity = fz_u8(in);
        o->zone_verdict = fz_u8(in);
        o->impact_t_ns = fz_i64_near(in, now_ns);
        static const char *const texts[] = {"impact in the JP EEZ", ""};
        fz_str(in, o->text, sizeof o->text, texts, 2);
        break;
    }
    default:
        header(in, &w.u.track.hdr, w.path);
        break;
    }
    static tl_product p;
    const char *detail = "";
    tl_reject_reason why = TL_REJ_NONE;
    if (tl__from_wire(k, &w.u, &p, &detail))
        why = TL_REJ_BAD_FIELD;
    else
        why = tl_product_validate(&cfg, self, via, &p, now_ns, &detail);
    FZ_CHECK(why >= TL_REJ_NONE && why < TL_REJ_COUNT, "reason %d", (int)why);
    verdicts[why]++;
    if (why != TL_REJ_NONE) {
        FZ_CHECK(detail && detail[0], "reject %s without a detail", tl_reject_reason_name(why));
        return;
    }
    check_accepted(&p, k, self, via);
}

static void plot(fz_in *in)
{
    trilink_Plot s;
    memset(&s, 0, sizeof s);
    static char path[TL_PATH_MAX][8];
    header(in, &s.hdr, path);
    s.t_ns = fz_i64_near(in, now_ns);
    s.plot_id = fz_u64(in);
    static const char *const sensors[] = {"JP-FPS5-1", "US-TPY2-1"};
    fz_str(in, s.sensor_id, sizeof s.sensor_id, sensors, 2);
    fz_str(in, s.nation, sizeof s.nation, nations, n_names);
    uint8_t kd = fz_u8(in);
    s.kind = kd < 200 ? 1 + kd % 2 : kd;
    s.site_lat_rad = fz_double(in, 0.6);
    s.site_lon_rad = fz_double(in, 2.3);
    s.site_h_m = fz_double(in, 100.0);
    for (int i = 0; i < 3; i++)
        s.site_ecef[i] = fz_double(in, 4e6);
    uint8_t nz = fz_u8(in);
    s.nz = nz < 200 ? 2 + nz % 3 : nz;
    static const double typ[4] = {5e5, 3.0, 0.3, -1e3};
    for (int i = 0; i < 4; i++) {
        s.z[i] = fz_double(in, typ[i]);
        s.sigma[i] = fz_double(in, i ? 1e-3 : 50.0);
    }
    tl_plot p;
    const char *why = NULL;
    if (tl_plotbus_from_sample(&s, &p, &why) == TL_OK) {
        FZ_CHECK(p.nz >= 2 && p.nz <= 4 && p.nz == s.nz, "nz %d (wire %d)", p.nz, s.nz);
        FZ_CHECK((p.kind == TL_PLOT_RADAR && p.nz >= 3) || (p.kind == TL_PLOT_IR && p.nz == 2), "kind/nz");
        for (int i = 0; i < p.nz; i++)
            FZ_CHECK(isfinite(p.z[i]) && isfinite(p.sigma[i]) && p.sigma[i] > 0, "z/sigma %d", i);
        for (int i = 0; i < 3; i++)
            FZ_CHECK(isfinite(p.site_ecef[i]), "site");
        FZ_CHECK(fz_terminated(p.sensor_id, sizeof p.sensor_id) && p.sensor_id[0], "sensor_id");
    } else {
        FZ_CHECK(why && why[0], "refused without a reason");
    }
    /* The link's own plot conversion must agree on what is a valid plot. */
    tl_product_hdr h;
    tl_plot q;
    tl__plot_from_wire(&s, &h, &q);
    if (tl_plot_validate(&q, &why) == TL_OK)
        FZ_CHECK(q.nz == s.nz, "tl__plot_from_wire turned wire nz %d into %d and the plot passes", s.nz, q.nz);
}

/* A run of heartbeats from a peer (node.c on_heartbeat: the latency estimate from the
 * peer's clock_ns, which a partner controls). */
static void heartbeats(fz_in *in)
{
    int64_t est = 0, now = now_ns;
    int n = 1 + fz_u8(in) % 8;
    for (int i = 0; i < n; i++) {
        now += (int64_t)fz_u32(in);
        int64_t clock_ns = fz_i64_near(in, now - 2000000);
        est = tl__hb_latency(est, now, clock_ns);
        FZ_CHECK(est >= -1000000000000000000LL && est <= 1000000000000000000LL, "latency %lld ns",
                 (long long)est);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size};
    uint8_t mode = fz_u8(&in);
    if (mode < 208)
        product(&in);
    else if (mode < 240)
        plot(&in);
    else
        heartbeats(&in);
    return 0;
}
