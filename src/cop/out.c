/* out.c — the COP's bounded text writer and its escapers (JSON per RFC 8259 with the
 * HTML-safe escapes, Prometheus label values per the text exposition format 0.0.4).
 * Strings from the node are arbitrary bytes; everything leaves as valid UTF-8. */
#include "cop_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tl__cop_out_init(tl__cop_out *o, char *buf, size_t cap)
{
    o->buf = buf;
    o->cap = buf ? cap : 0;
    o->len = 0;
}

void tl__cop_put(tl__cop_out *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - 1 - o->len; /* keep one byte for the NUL */
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

void tl__cop_puts(tl__cop_out *o, const char *s)
{
    tl__cop_put(o, s, strlen(s));
}

void tl__cop_printf(tl__cop_out *o, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    /* callers format numbers and short literals only */
    tl__cop_put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void tl__cop_num(tl__cop_out *o, const char *fmt, double v)
{
    if (!isfinite(v))
        tl__cop_puts(o, "null");
    else
        tl__cop_printf(o, fmt, v == 0.0 ? 0.0 : v); /* no "-0" */
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* The bytes of s (at most n, stopping at a NUL) as valid UTF-8, escaped for JSON string
 * literals (json != 0) or Prometheus label values (json == 0). */
static void put_escaped(tl__cop_out *o, const char *s, size_t n, int json)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t end = strnlen(s, n);
    for (size_t i = 0; i < end;) {
        unsigned cp;
        size_t k = utf8_seq(p + i, end - i, &cp);
        if (k == 0) {
            tl__cop_puts(o, json ? "\\ufffd" : replacement);
            i++;
            continue;
        }
        if (cp == '"')
            tl__cop_puts(o, "\\\"");
        else if (cp == '\\')
            tl__cop_puts(o, "\\\\");
        else if (cp == '\n')
            tl__cop_puts(o, "\\n");
        else if (json && cp == '\t')
            tl__cop_puts(o, "\\t");
        else if (json && (cp < 0x20 || cp == 0x7F || cp == '<' || cp == '>' || cp == '&' ||
                          cp == 0x2028 || cp == 0x2029))
            tl__cop_printf(o, "\\u%04x", cp);
        else if (!json && (cp < 0x20 || cp == 0x7F))
            tl__cop_puts(o, " ");
        else
            tl__cop_put(o, s + i, k);
        i += k;
    }
}

void tl__cop_json_str(tl__cop_out *o, const char *s, size_t n)
{
    tl__cop_put(o, "\"", 1);
    put_escaped(o, s, n, 1);
    tl__cop_put(o, "\"", 1);
}

void tl__cop_prom_str(tl__cop_out *o, const char *s, size_t n)
{
    put_escaped(o, s, n, 0);
}

int tl__cop_out_end(tl__cop_out *o, size_t *len)
{
    if (o->cap > 0)
        o->buf[o->len < o->cap ? o->len : o->cap - 1] = '\0';
    if (len)
        *len = o->len;
    return o->len < o->cap ? TL_OK : TL_EFULL;
}

const char *tl__cop_loft_name(int loft)
{
    static const char *const names[] = {"none", "min_energy", "lofted", "depressed"};
    return loft >= 0 && loft < (int)(sizeof names / sizeof names[0]) ? names[loft] : "none";
}
