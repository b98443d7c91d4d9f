/* common.c: the error context, name hints, hex digits and the version string. */
#include "cs_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* Optimal string alignment distance of a and b (both at most 63 bytes). */
static int osa_distance(const char *a, const char *b) {
  int n = (int)strlen(a), m = (int)strlen(b);
  int d[64][64];
  for (int i = 0; i <= n; i++) d[i][0] = i;
  for (int j = 0; j <= m; j++) d[0][j] = j;
  for (int i = 1; i <= n; i++)
    for (int j = 1; j <= m; j++) {
      int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  return d[n][m];
}

const char *cs_nearest_name_of(const char *name, const void *items, int n, const char *(*name_of)(const void *, int)) {
  if (!name || strlen(name) > 63) return NULL;
  const char *best = NULL;
  int bd = 3;
  for (int i = 0; i < n; i++) {
    const char *c = name_of(items, i);
    if (!c || strlen(c) > 63) continue;
    int dd = osa_distance(name, c);
    if (dd < bd && dd < (int)strlen(name)) {
      bd = dd;
      best = c;
    }
  }
  return best;
}

static const char *array_name_of(const void *items, int i) { return ((const char *const *)items)[i]; }

const char *cs_nearest_name(const char *name, const char *const *cands, int n) {
  return cs_nearest_name_of(name, cands, n, array_name_of);
}

void cs_hex(const void *bytes, size_t n, char *hex) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *b = bytes;
  for (size_t i = 0; i < n; i++) {
    hex[2 * i] = digits[b[i] >> 4];
    hex[2 * i + 1] = digits[b[i] & 15];
  }
  hex[2 * n] = '\0';
}

#ifndef CS_VERSION
#define CS_VERSION "0.0.0"
#endif
const char *cs_version(void) { return CS_VERSION; }
