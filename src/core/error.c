/* error.c — the status-code table and error-detail helpers (see error.h). */
#include "trilink/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *tl_strerror(int code)
{
    switch (code) {
    case TL_OK:
        return "ok";
#define TL__ERR_STR(name, val, desc)                                       \
    case TL_##name:                                                        \
        return desc;
        TL_ERRNO_MAP(TL__ERR_STR)
#undef TL__ERR_STR
    }
    return "unknown error";
}

void tl_err_clear(tl_err *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

int tl_err_set(tl_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}
