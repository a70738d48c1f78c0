/* error.h — trilink's status codes and error detail.
 *
 * Every fallible function returns int: 0 (TL_OK) on success or a negative TL_E*
 * code. Functions that read external input (files, command lines, the network)
 * also take an optional tl_err* that receives a human-readable message naming
 * the input at fault (file:line, field, value). On error, outputs and state are
 * unchanged unless the function's contract says otherwise.
 */
#ifndef TRILINK_ERROR_H
#define TRILINK_ERROR_H

#include <stddef.h>

/* X-macro table: name, value, description. */
#define TL_ERRNO_MAP(XX)                                                   \
    XX(EINVAL, -1, "invalid argument")                                     \
    XX(ERANGE, -2, "value out of range")                                   \
    XX(ENOMEM, -3, "out of memory")                                        \
    XX(EIO, -4, "input/output error")                                      \
    XX(EPARSE, -5, "malformed input")                                      \
    XX(ENOCONV, -6, "no convergence")                                      \
    XX(ENOTFOUND, -7, "not found")                                         \
    XX(EFULL, -8, "capacity exhausted")                                    \
    XX(ESTATE, -9, "invalid state for this operation")                     \
    XX(ESECURITY, -10, "security check failed")                            \
    XX(ENET, -11, "network or middleware error")                           \
    XX(ENOTPD, -12, "matrix not positive definite")                        \
    XX(EIMPOSSIBLE, -13, "request cannot be satisfied")

enum {
    TL_OK = 0,
#define TL__ERR_ENUM(name, val, desc) TL_##name = (val),
    TL_ERRNO_MAP(TL__ERR_ENUM)
#undef TL__ERR_ENUM
};

/** Static description of a status code ("unknown error" for unknown codes). */
const char *tl_strerror(int code);

/** Error detail: the code and a message naming the input at fault. */
typedef struct tl_err {
    int code;
    char msg[512];
} tl_err;

/** Clear an error record (code 0, empty message). err may be NULL. */
void tl_err_clear(tl_err *err);

/** Record code and a printf-style message in err (which may be NULL).
 *  Returns code, so callers can write `return tl_err_set(err, TL_EINVAL, ...)`. */
int tl_err_set(tl_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
