/* cs_common.h: result codes and the error context shared by every module.
**
** Every fallible call returns an int result code (CS_OK on success) and, on
** failure, leaves a human-readable message in the cs_ctx it was given. The
** message names the file, line or field at fault when there is one. */
#ifndef CS_COMMON_H
#define CS_COMMON_H

#include <stddef.h>
#include <stdint.h>

enum {
  CS_OK = 0,
  CS_ENOMEM = -1,  /* an allocation failed */
  CS_EIO = -2,     /* a file could not be read or written */
  CS_ESCRIPT = -3, /* a scenario script failed (syntax, runtime, budget) */
  CS_EINVAL = -4,  /* bad input: a value, name or graph is wrong */
  CS_ESTOP = -5    /* the run was stopped (a signal, or a handler asked) */
};

#define CS_ERRMSG_MAX 1024

typedef struct cs_ctx {
  char msg[CS_ERRMSG_MAX]; /* last error message, "" if none */
} cs_ctx;

/* Format a message into ctx (ctx may be NULL) and return code unchanged. */
int cs_err(cs_ctx *ctx, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

const char *cs_errmsg(const cs_ctx *ctx);

/* For "did you mean" hints: the candidate (of n) nearest to name by edit
** distance (insertions, deletions, substitutions, swaps of neighbours), if
** it is at most 2 edits away and closer than the name is long; else NULL.
** Ties go to the earlier candidate. */
const char *cs_nearest_name(const char *name, const char *const *cands, int n);
/* The same over n items of any array, name_of(items, i) giving each name. */
const char *cs_nearest_name_of(const char *name, const void *items, int n, const char *(*name_of)(const void *, int));

/* Write the n bytes at bytes as 2n lowercase hexadecimal digits and a NUL
** into hex[2n + 1] (a digest for provenance: io's cs_sha256_hex and the
** script layer's record of the files a scenario read). */
void cs_hex(const void *bytes, size_t n, char *hex);

/* The conflictsim version string, e.g. "0.1.0". */
const char *cs_version(void);

#endif
