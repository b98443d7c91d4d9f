/* sweep_events_h5.c: the group /events of a sweep file (see
** sweep_events_h5.h). The columns are a run file's /events columns
** (h5out.c), in its order and types, after a column `run`. */
#define _POSIX_C_SOURCE 200809L
#include "sweep_events_h5.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

#define NCOL 12

static const struct {
  const char *name, *units, *doc;
  size_t off, size; /* in cs_sweep_evrow; run: size 8, off SIZE_MAX */
  int is_float, is_signed;
} COL[NCOL] = {
    {"run", NULL, "run number k of the row (a row of run, design, outcomes ...)", SIZE_MAX, 8, 0, 0},
    {"event", NULL, "event number within its run, in the order the model logged them (as in a run file)",
     offsetof(cs_sweep_evrow, index), 8, 0, 1},
    {"time", "days", "time of the event since the start of the run", offsetof(cs_sweep_evrow, t), 8, 1, 1},
    {"kind", NULL, "event kind (see flag_values and flag_meanings)", offsetof(cs_sweep_evrow, kind), 1, 0, 0},
    {"node", NULL, "node index (into the node order of the scenario), -1 if none", offsetof(cs_sweep_evrow, node), 4,
     0, 1},
    {"actor", NULL, "party code (0 STATE, 1 CONTESTED, 2 + g gang g); unit index for move, force, recall, arrest "
     "and desertion; -1 if none", offsetof(cs_sweep_evrow, actor), 4, 0, 1},
    {"target", NULL, "party code; destination node index for flight and relocation (-1 PROVINCES); -1 if none",
     offsetof(cs_sweep_evrow, target), 4, 0, 1},
    {"deaths", "persons", "deaths caused (combatants and civilians)", offsetof(cs_sweep_evrow, deaths), 8, 0, 1},
    {"displaced", "persons", "people moved by the event (members freed for prison_break, officers for recall and "
     "force)", offsetof(cs_sweep_evrow, displaced), 8, 0, 1},
    {"observed", NULL, "1 if the event was reported (the observed log), else 0", offsetof(cs_sweep_evrow, observed),
     1, 0, 0},
    {"report_time", "days", "time the report appeared, NaN if not reported", offsetof(cs_sweep_evrow, report_time), 8,
     1, 1},
    {"observed_deaths", "persons", "deaths as reported (with noise), -1 if not reported",
     offsetof(cs_sweep_evrow, obs_deaths), 8, 0, 1},
};

struct cs_sweep_evh5 {
  cs_ctx *ctx;
  const char *path;
  hid_t g, d[NCOL];
  cs_sweep_evrow *rows;  /* [CS_SWEEP_EV_BLOCK]: the block being filled */
  uint64_t *run;         /* its run column */
  unsigned char *col;    /* one column of the block, packed */
  size_t n;              /* rows in the block */
  uint64_t total;        /* rows written before the block */
};

static hid_t ftype_of(int c) {
  if (COL[c].is_float) return H5T_IEEE_F64LE;
  if (COL[c].size == 1) return H5T_STD_U8LE;
  if (COL[c].size == 4) return H5T_STD_I32LE;
  return COL[c].is_signed ? H5T_STD_I64LE : H5T_STD_U64LE;
}

static hid_t mtype_of(int c) {
  if (COL[c].is_float) return H5T_NATIVE_DOUBLE;
  if (COL[c].size == 1) return H5T_NATIVE_UINT8;
  if (COL[c].size == 4) return H5T_NATIVE_INT32;
  return COL[c].is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64;
}

int cs_sweep_evh5_end(cs_sweep_evh5 *e, int rc);

int cs_sweep_evh5_begin(cs_ctx *ctx, const char *path, hid_t f, hid_t str, const cs_sweep *sw, cs_sweep_evh5 **out) {
  cs_sweep_evh5 *e = calloc(1, sizeof *e);
  hid_t gcpl = H5I_INVALID_HID;
  hsize_t zero = 0, unlim = H5S_UNLIMITED, chunk = CS_SWEEP_EV_BLOCK;
  int rc = CS_OK;
  if (!e) return cs_err(ctx, CS_ENOMEM, "out of memory");
  e->ctx = ctx;
  e->path = path;
  e->g = H5I_INVALID_HID;
  for (int c = 0; c < NCOL; c++) e->d[c] = H5I_INVALID_HID;
  if (!(e->rows = calloc(CS_SWEEP_EV_BLOCK, sizeof *e->rows)) || !(e->run = calloc(CS_SWEEP_EV_BLOCK, 8)) ||
      !(e->col = calloc(CS_SWEEP_EV_BLOCK, 8))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  if ((gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
      (e->g = H5Gcreate2(f, "events", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) {
    rc = cs_h5u_fail(ctx, "sweep file", path, "create group", "events");
    goto done;
  }
  const char *level = sw->events == CS_SWEV_ALL ? "all" : "conflict";
  if ((rc = cs_h5u_attr(ctx, "sweep file", path, e->g, "events_level", str, str, 0, &level)) != CS_OK) goto done;
  const char *ln = "every run's event log, runs in run order (the rows of run k: event_offset[k'] to "
                   "event_offset[k'] + event_count[k'], k' its row; or where run == k)";
  if ((rc = cs_h5u_attr(ctx, "sweep file", path, e->g, "long_name", str, str, 0, &ln)) != CS_OK) goto done;
  for (int c = 0; c < NCOL && rc == CS_OK; c++) {
    rc = cs_h5u_dataset(ctx, "sweep file", path, e->g, COL[c].name, ftype_of(c), 1, &zero, &unlim, &chunk, &e->d[c]);
    if (rc == CS_OK && COL[c].units) rc = cs_h5u_attr(ctx, "sweep file", path, e->d[c], "units", str, str, 0, &COL[c].units);
    if (rc == CS_OK) rc = cs_h5u_attr(ctx, "sweep file", path, e->d[c], "long_name", str, str, 0, &COL[c].doc);
  }
  if (rc != CS_OK) goto done;
  {
    uint8_t flag_values[CS_EK_COUNT];
    char meanings[1024] = "";
    size_t used = 0;
    for (int k = 0; k < CS_EK_COUNT; k++) {
      const char *name = cs_event_kind_name(k);
      flag_values[k] = (uint8_t)k;
      used += (size_t)snprintf(meanings + used, sizeof meanings - used, "%s%s", k ? " " : "", name ? name : "unknown");
      if (used >= sizeof meanings) {
        rc = cs_err(ctx, CS_EINVAL, "sweep file '%s': event kind names too long", path);
        goto done;
      }
    }
    const char *m = meanings;
    if ((rc = cs_h5u_attr(ctx, "sweep file", path, e->d[3], "flag_values", H5T_STD_U8LE, H5T_NATIVE_UINT8,
                          CS_EK_COUNT, flag_values)) != CS_OK ||
        (rc = cs_h5u_attr(ctx, "sweep file", path, e->d[3], "flag_meanings", str, str, 0, &m)) != CS_OK)
      goto done;
  }
done:
  if (gcpl >= 0) H5Pclose(gcpl);
  if (rc != CS_OK) {
    cs_sweep_evh5_end(e, rc);
    return rc;
  }
  *out = e;
  return CS_OK;
}

/* Write the block: every column's rows [total, total + n). */
static int flush(cs_sweep_evh5 *e) {
  hsize_t first = e->total, cnt = e->n, size = e->total + e->n;
  int rc = CS_OK;
  if (!e->n) return CS_OK;
  for (int c = 0; c < NCOL && rc == CS_OK; c++) {
    const void *buf = e->run;
    if (c) {
      for (size_t i = 0; i < e->n; i++)
        memcpy(e->col + i * COL[c].size, (const unsigned char *)&e->rows[i] + COL[c].off, COL[c].size);
      buf = e->col;
    }
    if (H5Dset_extent(e->d[c], &size) < 0) rc = cs_h5u_fail(e->ctx, "sweep file", e->path, "extend", COL[c].name);
    else rc = cs_h5u_write_block(e->ctx, "sweep file", e->path, e->d[c], COL[c].name, 1, &first, &cnt, cnt,
                                 mtype_of(c), buf);
  }
  e->total += e->n;
  e->n = 0;
  return rc;
}

int cs_sweep_evh5_run(cs_sweep_evh5 *e, uint64_t k, cs_sweep_ev_fn ev, void *ud, uint64_t *first, uint64_t *n) {
  uint64_t total = 0, got = 0;
  int rc = ev(ud, k, 0, 0, NULL, &total);
  *first = e->total + e->n;
  *n = 0;
  for (uint64_t off = 0; rc == CS_OK && off < total; off += got) {
    size_t room = CS_SWEEP_EV_BLOCK - e->n;
    if ((rc = ev(ud, k, off, room, e->rows + e->n, &got)) != CS_OK) break;
    if (got == 0 || got > room) {
      rc = cs_err(e->ctx, CS_EIO, "events of run %llu: %llu rows announced, %llu read", (unsigned long long)k,
                  (unsigned long long)total, (unsigned long long)off);
      break;
    }
    for (uint64_t i = 0; i < got; i++) e->run[e->n + i] = k;
    e->n += (size_t)got;
    if (e->n == CS_SWEEP_EV_BLOCK) rc = flush(e);
  }
  if (rc == CS_OK) *n = total;
  return rc;
}

int cs_sweep_evh5_end(cs_sweep_evh5 *e, int rc) {
  if (!e) return rc;
  if (rc == CS_OK) rc = flush(e);
  for (int c = 0; c < NCOL; c++)
    if (e->d[c] >= 0 && H5Dclose(e->d[c]) < 0 && rc == CS_OK)
      rc = cs_h5u_fail(e->ctx, "sweep file", e->path, "close dataset events/", COL[c].name);
  if (e->g >= 0 && H5Gclose(e->g) < 0 && rc == CS_OK) rc = cs_h5u_fail(e->ctx, "sweep file", e->path, "close group", "events");
  free(e->col);
  free(e->run);
  free(e->rows);
  free(e);
  return rc;
}
