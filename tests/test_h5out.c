/* test_h5out.c: the HDF5 run-file sink (sim/io/h5out.c) on a tiny world built
** in C: the file appears only after success, a failed run leaves no file and
** an earlier file untouched, equal inputs give equal bytes, and bad output
** paths fail cleanly with the path in the message. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include "cs_h5.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "check.h"

static const char SOURCE[] = "-- test_h5out: a world built in C\n";

/* Three nodes in a line and, if with_gang, one gang based at the last: a
** world that runs. Without a gang the gang dimension has length 0. */
static cs_world *tiny_world(cs_ctx *ctx, int with_gang) {
  cs_world *w = NULL;
  int idx[3], g;
  static const char *const ids[3] = {"north", "centre", "south"};
  if (cs_world_new(ctx, &w) != CS_OK) return NULL;
  int ok = cs_world_set_name(w, "h5out-test") == CS_OK &&
           cs_world_set_horizon(w, 10, 0.5) == CS_OK;
  for (int i = 0; ok && i < 3; i++) {
    cs_node_decl d = {.id = ids[i], .name = NULL, .commune = "Testville",
                      .x_km = i, .y_km = 0, .residents = 10000 + 1000 * i, .value = 0.5,
                      .fortification = 0, .owner = i == 2 ? CS_PARTY_CONTESTED : CS_PARTY_STATE,
                      .site_capacity = 500, .media = 0.5};
    ok = cs_world_add_node(w, &d, &idx[i]) == CS_OK;
  }
  ok = ok && cs_world_add_road(w, idx[0], idx[1], 1.0) == CS_OK &&
       cs_world_add_road(w, idx[1], idx[2], 1.5) == CS_OK;
  if (ok && with_gang) {
    cs_gang_decl gd = {.id = "g1", .name = "Gang One", .members = 300, .jailed = 20,
                       .firepower = -1, .aggression = -1, .base = idx[2]};
    ok = cs_world_add_gang(w, &gd, &g) == CS_OK;
  }
  ok = ok && cs_world_finalize(w) == CS_OK;
  if (!ok) {
    fprintf(stderr, "tiny_world: %s\n", cs_errmsg(cs_world_ctx(w)));
    cs_world_free(w);
    return NULL;
  }
  return w;
}

/* A sink wrapped to inject failures into a real run. */
enum { FAIL_NONE, FAIL_SAMPLE, FAIL_END, NO_GANG };
typedef struct wrap {
  cs_sink inner;
  int mode;
  int end_status; /* status the inner end received */
} wrap;

static int w_begin(void *ud, const cs_world *w) {
  wrap *x = ud;
  return x->inner.begin(x->inner.ud, w);
}
static int w_sample(void *ud, const cs_sample *s) {
  wrap *x = ud;
  int rc = x->inner.sample(x->inner.ud, s);
  if (rc == CS_OK && x->mode == FAIL_SAMPLE && s->index == 2) return CS_ESTOP;
  return rc;
}
static int w_event(void *ud, const cs_event_rec *e) {
  wrap *x = ud;
  return x->inner.event(x->inner.ud, e);
}
static int w_end(void *ud, int status) {
  wrap *x = ud;
  if (x->mode == FAIL_END && status == CS_OK) status = CS_ESTOP;
  x->end_status = status;
  return x->inner.end(x->inner.ud, status);
}

/* Run the tiny world with an HDF5 sink to path; returns the run's result
** and leaves its message (sink and world share the world's context) in ctx. */
static int run_to(const char *path, uint64_t seed, int mode, cs_ctx *ctx) {
  cs_ctx wctx = {""};
  cs_world *w = tiny_world(&wctx, mode != NO_GANG);
  cs_h5_sink *h = NULL;
  cs_provenance prov = {.scenario_path = "tests/test_h5out.c", .scenario_source = SOURCE,
                        .source_len = sizeof SOURCE - 1, .seed = seed, .replicate = 0};
  wrap x = {.mode = mode, .end_status = 99};
  cs_sink sink = {&x, w_begin, w_sample, w_event, w_end};
  int rc;
  ctx->msg[0] = '\0';
  if (!w) return CS_EINVAL;
  rc = cs_h5_sink_new(cs_world_ctx(w), path, &prov, &h, &x.inner);
  if (rc == CS_OK) rc = cs_world_run(w, seed, 0, &sink);
  snprintf(ctx->msg, sizeof ctx->msg, "%s", cs_errmsg(cs_world_ctx(w)));
  if (mode == FAIL_SAMPLE || mode == FAIL_END) CHECK(x.end_status != CS_OK && x.end_status != 99);
  cs_h5_sink_free(h);
  cs_world_free(w);
  return rc;
}

/* Whole file into a malloc'd buffer; NULL if it cannot be read. */
static unsigned char *slurp(const char *path, long *n) {
  FILE *f = fopen(path, "rb");
  unsigned char *b = NULL;
  *n = -1;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (*n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
      (b = malloc((size_t)*n + 1)) && fread(b, 1, (size_t)*n, f) != (size_t)*n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  return b;
}

static int same_bytes(const char *a, const char *b) {
  long na, nb;
  unsigned char *ba = slurp(a, &na), *bb = slurp(b, &nb);
  int same = ba && bb && na == nb && memcmp(ba, bb, (size_t)na) == 0;
  free(ba);
  free(bb);
  return same;
}

static int exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

/* Entries of dir whose name contains ".tmp.". */
static int tmp_files_in(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (!d) return -1;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp.")) n++;
  closedir(d);
  return n;
}

/* The file opens and /time has n_samples rows, /events/event exists. */
static void check_readable(const char *path) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), ds = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  hsize_t n = 0;
  CHECK(f >= 0);
  if (f < 0) return;
  ds = H5Dopen2(f, "time", H5P_DEFAULT);
  CHECK(ds >= 0);
  if (ds >= 0 && (sp = H5Dget_space(ds)) >= 0) {
    CHECK(H5Sget_simple_extent_ndims(sp) == 1);
    H5Sget_simple_extent_dims(sp, &n, NULL);
    CHECK(n == 21); /* floor(10 / 0.5) + 1 */
    H5Sclose(sp);
  }
  if (ds >= 0) H5Dclose(ds);
  CHECK(H5Lexists(f, "events", H5P_DEFAULT) > 0);
  CHECK(H5Lexists(f, "events/event", H5P_DEFAULT) > 0);
  H5Fclose(f);
}

static int mentions(const cs_ctx *ctx, const char *s) { return strstr(ctx->msg, s) != NULL; }

int main(void) {
  char dir[] = "/tmp/cs_test_h5out.XXXXXX";
  char a[256], b[256], keep[256], sub[256], tmp[512], missing[256];
  cs_ctx ctx = {""};
  int rc;

  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  snprintf(a, sizeof a, "%s/a.h5", dir);
  snprintf(b, sizeof b, "%s/b.h5", dir);
  snprintf(keep, sizeof keep, "%s/keep.h5", dir);
  snprintf(sub, sizeof sub, "%s/sub", dir);
  snprintf(missing, sizeof missing, "%s/no/such/dir/x.h5", dir);

  /* Success: the file is in place, no temporary file is left. */
  rc = run_to(a, 7, FAIL_NONE, &ctx);
  if (rc != CS_OK) fprintf(stderr, "run a: %s\n", cs_errmsg(&ctx));
  CHECK(rc == CS_OK);
  CHECK(exists(a));
  CHECK(tmp_files_in(dir) == 0);
  check_readable(a);

  /* Same inputs, same bytes (a later run, another temporary name). */
  sleep(1);
  rc = run_to(b, 7, FAIL_NONE, &ctx);
  CHECK(rc == CS_OK);
  CHECK(same_bytes(a, b));

  /* A world without gangs: zero-length gang dimension. */
  rc = run_to(b, 7, NO_GANG, &ctx);
  if (rc != CS_OK) fprintf(stderr, "no gang: %s\n", cs_errmsg(&ctx));
  CHECK(rc == CS_OK);
  check_readable(b);

  /* Keep a copy of a to compare after failed runs onto a. */
  {
    long n;
    unsigned char *buf = slurp(a, &n);
    FILE *f = fopen(keep, "wb");
    CHECK(buf && f && fwrite(buf, 1, (size_t)n, f) == (size_t)n);
    if (f) fclose(f);
    free(buf);
  }

  /* A run that fails midway (a sink error): end gets the error, nothing new
  ** appears and the earlier file is untouched. */
  rc = run_to(a, 8, FAIL_SAMPLE, &ctx);
  CHECK(rc != CS_OK);
  CHECK(same_bytes(a, keep));
  CHECK(tmp_files_in(dir) == 0);

  /* A run that completes but whose end receives an error status. */
  rc = run_to(a, 9, FAIL_END, &ctx);
  CHECK(rc != CS_OK);
  CHECK(same_bytes(a, keep));
  CHECK(tmp_files_in(dir) == 0);

  /* Same failure with no earlier file: no file at all. */
  remove(b);
  rc = run_to(b, 9, FAIL_END, &ctx);
  CHECK(rc != CS_OK);
  CHECK(!exists(b));
  CHECK(tmp_files_in(dir) == 0);

  /* A directory as the output path. */
  CHECK(mkdir(sub, 0755) == 0);
  rc = run_to(sub, 7, FAIL_NONE, &ctx);
  CHECK(rc == CS_EIO);
  CHECK(mentions(&ctx, sub) && mentions(&ctx, "directory"));
  if (rc == CS_OK || !mentions(&ctx, sub)) fprintf(stderr, "directory: '%s'\n", ctx.msg);

  /* A directory that does not exist. */
  rc = run_to(missing, 7, FAIL_NONE, &ctx);
  CHECK(rc == CS_EIO);
  CHECK(mentions(&ctx, missing));

  /* A temporary file of the same name already exists (another writer): the
  ** run fails, and neither that file nor the earlier one is touched. */
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", a, (long)getpid());
  {
    FILE *f = fopen(tmp, "w");
    CHECK(f && fputs("not ours\n", f) >= 0);
    if (f) fclose(f);
  }
  rc = run_to(a, 7, FAIL_NONE, &ctx);
  CHECK(rc == CS_EIO);
  CHECK(mentions(&ctx, tmp));
  CHECK(exists(tmp));
  CHECK(same_bytes(a, keep));
  remove(tmp);

  /* An unwritable directory (meaningless as root, which may write anyway). */
  if (geteuid() != 0) {
    char ro[512], rofile[600];
    snprintf(ro, sizeof ro, "%s/ro", dir);
    snprintf(rofile, sizeof rofile, "%s/x.h5", ro);
    CHECK(mkdir(ro, 0555) == 0);
    rc = run_to(rofile, 7, FAIL_NONE, &ctx);
    CHECK(rc == CS_EIO);
    CHECK(mentions(&ctx, "not writable"));
    rmdir(ro);
  } else {
    fprintf(stderr, "note: running as root, the unwritable-directory case is not tested\n");
  }

  /* SHA-256 of a known input (FIPS 180-2 "abc"). */
  {
    char hex[65];
    cs_sha256_hex("abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
  }

  remove(a);
  remove(b);
  remove(keep);
  rmdir(sub);
  rmdir(dir);
  return check_report();
}
