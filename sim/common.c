/* common.c: the error context and the version string. */
#include "cs_common.h"

#include <stdarg.h>
#include <stdio.h>

int cs_err(cs_ctx *ctx, int code, const char *fmt, ...) {
  if (ctx) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

const char *cs_errmsg(const cs_ctx *ctx) { return ctx ? ctx->msg : "(no context)"; }

#ifndef CS_VERSION
#define CS_VERSION "0.0.0"
#endif
const char *cs_version(void) { return CS_VERSION; }
