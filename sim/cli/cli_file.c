/* cli_file.c: text reports (CSV, JSON) written so that a file at its final
** path is always complete: written to "<path>.tmp.<pid>" beside it, fsynced,
** renamed into place, and the directory fsynced. On any failure the temporary
** is removed and an earlier file at the path is left as it was. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "h5util.h"

int cli_file_tmp_name(const char *path, char *out, size_t cap) {
  return snprintf(out, cap, "%s.tmp.%ld", path, (long)getpid()) < (int)cap ? 0 : -1;
}

int cli_file_commit(cs_ctx *ctx, const char *what, const char *tmp, const char *path, int rc) {
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
