/* outfile.h: report files that are complete or absent at their final path
** (cs_outfile_), for sim/ only.
**
** Write the file under the name cs_outfile_tmp_name gives, then call
** cs_outfile_commit with the result of writing it. */
#ifndef CS_OUTFILE_H
#define CS_OUTFILE_H

#include <stddef.h>

#include "cs_common.h"

/* "<path>.tmp.<pid>" into out[cap]; 0, or -1 if it does not fit. */
int cs_outfile_tmp_name(const char *path, char *out, size_t cap);

/* Can a report be written at path? A path that exists and is not a regular
** file (a directory, a device) is refused; then a probe is created beside it
** under a random name of its own (mkstemp) and removed, so a missing or
** read-only directory is found before the work whose result it would hold,
** not after. CS_OK, or CS_EIO set in ctx naming path and the reason. */
int cs_outfile_check(cs_ctx *ctx, const char *path);

/* With rc == CS_OK: fsync tmp, rename it to path and fsync the directory
** that holds path. Otherwise, or on any failure there, remove tmp and return
** the error (rc itself when rc was not CS_OK; set in ctx, `what` naming the
** file in messages). */
int cs_outfile_commit(cs_ctx *ctx, const char *what, const char *tmp, const char *path, int rc);

#endif
