/* outfile.c: report files (CSV, JSON, the compare report's HDF5) written so
** that a file at its final path is always complete: written to
** "<path>.tmp.<pid>" beside it, fsynced, renamed into place, and the
** directory fsynced. On any failure the temporary is removed and an earlier
** file at the path is left as it was (outfile.h).
**
** Moved down from the command line (it was sim/cli/cli_file.c) when the compare
** report's writers moved into sim/batch: they and `validate` share it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5util.h"
#include "outfile.h"

int cs_outfile_tmp_name(const char *path, char *out, size_t cap) {
  return snprintf(out, cap, "%s.tmp.%ld", path, (long)getpid()) < (int)cap ? 0 : -1;
}

int cs_outfile_check(cs_ctx *ctx, const char *path) {
  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
    return cs_err(ctx, CS_EIO, "cannot write '%s': it exists and is not a regular file", path);
  /* a probe of its own, created exclusively under a random name: nothing of anyone else's
  ** is opened, followed or removed */
  char probe[4200];
  if (snprintf(probe, sizeof probe, "%s.probe.XXXXXX", path) >= (int)sizeof probe)
    return cs_err(ctx, CS_EIO, "cannot write '%s': the path is too long", path);
  int fd = mkstemp(probe);
  if (fd < 0) return cs_err(ctx, CS_EIO, "cannot write '%s': %s", path, strerror(errno));
  close(fd);
  unlink(probe);
  return CS_OK;
}

int cs_outfile_commit(cs_ctx *ctx, const char *what, const char *tmp, const char *path, int rc) {
  if (rc == CS_OK) {
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) rc = cs_err(ctx, CS_EIO, "cannot fsync '%s': %s", tmp, strerror(errno));
    if (fd >= 0) close(fd);
  }
  if (rc == CS_OK && rename(tmp, path) != 0)
    rc = cs_err(ctx, CS_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
  if (rc != CS_OK) {
    unlink(tmp);
    return rc;
  }
  /* make the rename durable: fsync the directory that holds the file */
  char dir[4200];
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == path) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  return cs_h5u_fsync_path(ctx, what, path, dir, O_RDONLY | O_DIRECTORY);
}
