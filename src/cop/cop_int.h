/* cop_int.h — internals shared by the COP renderers and server: a bounded text writer
 * that keeps counting past its capacity (snprintf semantics for whole documents) and the
 * string escapers for JSON (RFC 8259) and Prometheus label values. */
#ifndef TL_COP_INT_H
#define TL_COP_INT_H

#include <stddef.h>

#include "trilink/cop.h"

typedef struct tl__cop_out {
    char *buf;  /* may be NULL when cap == 0 */
    size_t cap; /* bytes available, including the NUL */
    size_t len; /* bytes the full document needs (excluding NUL) */
} tl__cop_out;

void tl__cop_out_init(tl__cop_out *o, char *buf, size_t cap);
void tl__cop_put(tl__cop_out *o, const char *s, size_t n);
void tl__cop_puts(tl__cop_out *o, const char *s);
void tl__cop_printf(tl__cop_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** A finite number with printf format fmt, or `null` for NaN/inf. */
void tl__cop_num(tl__cop_out *o, const char *fmt, double v);
/** A JSON string literal of the first n bytes of s (stops at a NUL): quotes, backslash and
 *  control characters escaped, '<' '>' '&' U+2028 U+2029 as \u escapes (safe inside HTML),
 *  invalid UTF-8 replaced by U+FFFD. */
void tl__cop_json_str(tl__cop_out *o, const char *s, size_t n);
/** A Prometheus label value (without quotes): \\ \" \n escaped, other control characters
 *  as spaces, invalid UTF-8 as U+FFFD. */
void tl__cop_prom_str(tl__cop_out *o, const char *s, size_t n);
/** Finish: NUL-terminate within cap; TL_OK, or TL_EFULL if the document did not fit. */
int tl__cop_out_end(tl__cop_out *o, size_t *len);

const char *tl__cop_loft_name(int loft);

#endif
