/* cap.c — writes alert messages as OASIS CAP 1.2 XML (OASIS Standard CAP-V1.2,
 * 1 July 2010). Element order follows the standard's schema; text is escaped for
 * XML (& < > " ' and no control characters); times are UTC written "-00:00" as
 * section 3.3.2 requires; the area is the 95% impact ellipse as a closed polygon
 * of "lat,lon" pairs (WGS-84), or a circle when the ellipse has collapsed.
 */
#include "trilink/alert.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TL__CAP_POLY_N 24

typedef struct tl__xw {
    char *buf;
    size_t cap, len;
    int full;
} tl__xw;

static void put(tl__xw *w, const char *s)
{
    size_t n = strlen(s);
    if (w->full || w->len + n + 1 > w->cap) {
        w->full = 1;
        return;
    }
    memcpy(w->buf + w->len, s, n + 1);
    w->len += n;
}

__attribute__((format(printf, 2, 3))) static void putf(tl__xw *w, const char *fmt, ...)
{
    if (w->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n + 1 > w->cap - w->len) {
        w->full = 1;
        w->buf[w->len] = '\0';
        return;
    }
    w->len += (size_t)n;
}

/* Escaped character data. Control characters other than tab/newline (not allowed
 * in XML 1.0) become '?'. */
static void put_esc(tl__xw *w, const char *s)
{
    char one[2] = {0, 0};
    for (; *s; s++) {
        switch (*s) {
        case '&':
            put(w, "&amp;");
            break;
        case '<':
            put(w, "&lt;");
            break;
        case '>':
            put(w, "&gt;");
            break;
        case '"':
            put(w, "&quot;");
            break;
        case '\'':
            put(w, "&apos;");
            break;
        default:
            one[0] =
                ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n') || *s == 0x7f ? '?' : *s;
            put(w, one);
        }
    }
}

static void elem(tl__xw *w, const char *indent, const char *name, const char *text)
{
    putf(w, "%s<%s>", indent, name);
    put_esc(w, text);
    putf(w, "</%s>\n", name);
}

int tl_alert_cap_time(int64_t t_ns, char *buf, size_t cap)
{
    if (!buf || cap < 26 || t_ns < 0)
        return TL_EINVAL;
    time_t t = (time_t)(t_ns / 1000000000LL);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999)
        return TL_EINVAL;
    snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d-00:00", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return TL_OK;
}

static const char *status_name(tl_alert_status s)
{
    return s == TL_ALERT_STATUS_ACTUAL ? "Actual" : s == TL_ALERT_STATUS_TEST ? "Test" : "Exercise";
}

static void param(tl__xw *w, const char *name, double v)
{
    putf(w,
         "    <parameter>\n      <valueName>%s</valueName>\n      <value>%.4f</value>\n    "
         "</parameter>\n",
         name, v);
}

int tl_alert_cap_xml(const tl_alert_msg *m, const tl_alert_cfg *cfg, char *buf, size_t cap,
                     size_t *len, tl_err *err)
{
    if (!m || !cfg || !buf || cap == 0)
        return tl_err_set(err, TL_EINVAL, "tl_alert_cap_xml: NULL argument");
    if (m->type != TL_ALERT_ALERT && m->type != TL_ALERT_UPDATE && m->type != TL_ALERT_CANCEL)
        return tl_err_set(err, TL_EINVAL, "alert msg type %d: nothing to write", (int)m->type);
    if (m->type != TL_ALERT_ALERT && m->n_refs == 0)
        return tl_err_set(err, TL_EINVAL, "alert msg %s: an %s needs references", m->identifier,
                          tl_alert_type_name(m->type));
    char sent[32], expires[32], impact[32];
    int64_t exp_ns = m->t_impact_ns + cfg->expires_after_impact_ns;
    if (exp_ns < m->sent_ns)
        exp_ns = m->sent_ns + cfg->expires_after_impact_ns;
    if (tl_alert_cap_time(m->sent_ns, sent, sizeof sent) ||
        tl_alert_cap_time(exp_ns, expires, sizeof expires) ||
        tl_alert_cap_time(m->t_impact_ns < 0 ? 0 : m->t_impact_ns, impact, sizeof impact))
        return tl_err_set(err, TL_EINVAL,
                          "alert msg %s: sent %lld / impact %lld ns not representable",
                          m->identifier, (long long)m->sent_ns, (long long)m->t_impact_ns);
    int jp = m->nation == TL_ALERT_NATION_JP;
    const char *who = jp ? "Japan" : "the Republic of Korea";
    int cancel = m->type == TL_ALERT_CANCEL;
    int fell = m->reason == TL_ALERT_R_FELL; /* final Update after the impact time */
    int over = m->overflight;

    tl__xw w = {buf, cap, 0, 0};
    buf[0] = '\0';
    put(&w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    put(&w, "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n");
    elem(&w, "  ", "identifier", m->identifier);
    elem(&w, "  ", "sender", cfg->sender);
    elem(&w, "  ", "sent", sent);
    elem(&w, "  ", "status", status_name(cfg->status));
    elem(&w, "  ", "msgType", tl_alert_type_name(m->type));
    elem(&w, "  ", "scope", "Public");
    elem(&w, "  ", "code", "trilink-missile-warning");
    if (cancel) {
        char note[160];
        if (m->reason == TL_ALERT_R_FELL_OUTSIDE)
            snprintf(note, sizeof note,
                     "Closed: the impact time has passed; the last prediction put the fall "
                     "outside the zones of %s",
                     who);
        else
            snprintf(note, sizeof note,
                     "Withdrawn: the prediction no longer shows a threat to %s", who);
        elem(&w, "  ", "note", note);
    } else if (fell) {
        char note[160];
        snprintf(note, sizeof note,
                 "Closed: the impact time has passed; final position by the last prediction");
        elem(&w, "  ", "note", note);
    }
    if (m->n_refs) {
        put(&w, "  <references>");
        for (size_t i = 0; i < m->n_refs && i < TL_ALERT_MAX_REFS; i++) {
            char rs[32];
            if (tl_alert_cap_time(m->ref_sent_ns[i], rs, sizeof rs))
                return tl_err_set(err, TL_EINVAL, "alert msg %s: reference %zu time", m->identifier,
                                  i);
            if (i)
                put(&w, " ");
            put_esc(&w, cfg->sender);
            put(&w, ",");
            put_esc(&w, tl_alert_msg_ref_id(m, i));
            put(&w, ",");
            put(&w, rs);
        }
        put(&w, "</references>\n");
    }
    put(&w, "  <info>\n");
    elem(&w, "    ", "language", "en-US");
    elem(&w, "    ", "category", "Security");
    elem(&w, "    ", "event", over ? "Ballistic missile overflight" : "Ballistic missile");
    elem(&w, "    ", "responseType", cancel ? "AllClear" : fell ? "Avoid" : "Shelter");
    elem(&w, "    ", "urgency",
         cancel || fell ? "Past" : (m->time_to_impact_s < 3600 ? "Immediate" : "Expected"));
    elem(&w, "    ", "severity",
         cancel ? "Minor" : ((m->p_territory >= cfg->p_issue || over) ? "Extreme" : "Severe"));
    elem(&w, "    ", "certainty", cancel ? "Unlikely" : (m->risk >= 0.5 ? "Likely" : "Possible"));
    put(&w, "    <eventCode>\n      <valueName>trilink</valueName>\n      <value>");
    put(&w, tl_alert_reason_name(m->reason));
    put(&w, "</value>\n    </eventCode>\n");
    elem(&w, "    ", "expires", expires);
    elem(&w, "    ", "senderName", cfg->sender_name);
    char text[768];
    if (fell)
        snprintf(text, sizeof text,
                 "Missile fell: by the last prediction in %s's territory or waters (%s)", who,
                 tl_zone_class_name(m->cls_likely));
    else if (cancel && m->reason == TL_ALERT_R_FELL_OUTSIDE)
        snprintf(text, sizeof text,
                 "Missile warning closed: by the last prediction it fell outside %s's "
                 "territory and waters",
                 who);
    else if (cancel)
        snprintf(text, sizeof text,
                 "Missile warning withdrawn: no longer predicted to fall in or pass over %s", who);
    else if (over)
        snprintf(text, sizeof text, "Missile warning: a missile may pass over %s", who);
    else
        snprintf(text, sizeof text,
                 "Missile warning: a missile may fall in %s's territory or waters", who);
    elem(&w, "    ", "headline", text);
    snprintf(
        text, sizeof text,
        "Object T%06u. Predicted impact %.4f%c %.4f%c at %s (%.0f s %s this message); 95%% "
        "ellipse %.1f x %.1f km, major axis at %.0f deg. Probability of a fall in the territory "
        "(land or territorial sea) %.3f, in the territory or EEZ %.3f; of an overflight %.3f. "
        "Most likely zone: %s.",
        (unsigned)m->object_id, fabs(m->lat_rad / TL_DEG), m->lat_rad >= 0 ? 'N' : 'S',
        fabs(m->lon_rad / TL_DEG), m->lon_rad >= 0 ? 'E' : 'W', impact, fabs(m->time_to_impact_s),
        m->time_to_impact_s < 0 ? "before" : "after",
        2 * m->ellipse.semi_major_m / 1e3, 2 * m->ellipse.semi_minor_m / 1e3,
        m->ellipse.major_azimuth_rad / TL_DEG, m->p_territory, m->p_zone, m->p_overflight,
        tl_zone_class_name(m->cls_likely));
    elem(&w, "    ", "description", text);
    elem(&w, "    ", "instruction",
         cancel ? "No further action is required for this missile."
         : fell ? "Do not approach anything that may have fallen; report it to the police or "
                  "coast guard."
                : "Take shelter at once in a sturdy building or underground; away from windows.");
    param(&w, "trilink:p_zone", m->p_zone);
    param(&w, "trilink:p_territory", m->p_territory);
    param(&w, "trilink:p_overflight", m->p_overflight);
    param(&w, "trilink:time_to_impact_s", m->time_to_impact_s);
    put(&w, "    <area>\n");
    elem(&w, "      ", "areaDesc", "Predicted impact area (95% ellipse)");
    if (m->ellipse.semi_minor_m >= 100.0) {
        double la[TL__CAP_POLY_N], lo[TL__CAP_POLY_N];
        if (tl_ellipse95_polygon(m->lat_rad, m->lon_rad, &m->ellipse, TL__CAP_POLY_N, la, lo))
            return tl_err_set(err, TL_EINVAL, "alert msg %s: bad ellipse", m->identifier);
        put(&w, "      <polygon>");
        for (int i = 0; i <= TL__CAP_POLY_N; i++) {
            int k = i % TL__CAP_POLY_N;
            putf(&w, "%s%.5f,%.5f", i ? " " : "", la[k] / TL_DEG, lo[k] / TL_DEG);
        }
        put(&w, "</polygon>\n");
    } else {
        double r_km = fmax(m->ellipse.semi_major_m, 100.0) / 1e3;
        putf(&w, "      <circle>%.5f,%.5f %.3f</circle>\n", m->lat_rad / TL_DEG,
             m->lon_rad / TL_DEG, r_km);
    }
    put(&w, "    </area>\n  </info>\n</alert>\n");
    if (w.full)
        return tl_err_set(err, TL_EFULL,
                          "alert msg %s: CAP document longer than the %zu-byte buffer",
                          m->identifier, cap);
    if (len)
        *len = w.len;
    return TL_OK;
}
