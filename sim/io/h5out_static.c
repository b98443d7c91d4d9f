/* h5out_static.c: the parts of a run file that describe the run rather than
** record it: the provenance attributes on the root (with the SHA-256 of the
** scenario's source), the groups `parameters` and `parameter_info`, and the
** group `network`. The sink (h5out.c) calls each once, at begin, after the
** coordinates; output/README.md documents what they write.
**
** Invariants:
** - Everything written here is a function of the world as finalized and of
**   the provenance given to cs_h5_sink_new: no clock, no pointer value, and
**   parameters in the world's order, so equal inputs give equal bytes.
** - Each writer closes every handle it opens before it returns, on success
**   and on failure (one `done` path), and stores none in the sink: the sink's
**   open handles, and so its cleanup, stay h5out.c's alone.
** - cs_sha256_hex, public in cs_h5.h, is here beside its first user; batch
**   uses it for the sweep file's provenance.
**
** Split out of h5out.c, which had passed 800 lines: these writers share
** nothing with the streaming part of the sink (samples, event blocks, the
** rename into place) except the small HDF5 helpers of h5out_int.h. */
#include "cs_h5.h"
#include "h5out_int.h"

#include <stdint.h>
#include <stdlib.h>

#include <hdf5.h>
#include <openssl/evp.h>

/* Group `provenance`: the modules and data files the scenario read, one
** entry per file in the order read, over the dimension `file` (their paths,
** relative to the scenario's folder): kind, size, sha256, source (the text,
** "" when not kept) and source_kept. Written only when there are any, so the
** file of a scenario that reads none is as it always was. */
static int files_write(cs_h5_sink *s) {
  size_t n = s->n_files;
  hid_t g = H5I_INVALID_HID, scale = H5I_INVALID_HID;
  const char **str = calloc(n, sizeof *str);
  uint64_t *size = calloc(n, sizeof *size);
  int8_t *kept = calloc(n, 1);
  hsize_t dim = n;
  int rc;
  if (!str || !size || !kept) {
    rc = cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
    goto done;
  }
  if ((rc = cs_h5o_group_new(s, s->file, "provenance", &g))) goto done;
  if ((rc = cs_h5o_attr_str(s, g, "long_name", "modules and data files the scenario read, in the order read")))
    goto done;
  for (size_t i = 0; i < n; i++) str[i] = s->files[i].path;
  if ((rc = cs_h5o_strings(s, g, "file", n, str, "path relative to the scenario's folder", &scale)) ||
      (rc = cs_h5o_scale_set(s, scale, "file")))
    goto done;
  for (int col = 0; col < 5; col++) {
    static const char *const names[5] = {"kind", "sha256", "source", "size", "source_kept"};
    static const char *const docs[5] = {"module (require) or data (csv)", "SHA-256 of the file's bytes",
                                        "the file's text (empty if not kept)", "size of the file",
                                        "1: source holds the whole text; 0: only the hash is kept"};
    hid_t ds = H5I_INVALID_HID;
    for (size_t i = 0; i < n; i++) {
      const cs_prov_file *f = &s->files[i];
      str[i] = col == 0 ? f->kind : col == 1 ? f->sha256 : f->source;
      size[i] = f->size;
      kept[i] = f->source != NULL;
    }
    if (col < 3) {
      rc = cs_h5o_strings(s, g, names[col], n, str, docs[col], &ds);
    } else {
      int is_size = col == 3;
      rc = cs_h5o_dataset(s, g, names[col], is_size ? H5T_STD_U64LE : H5T_STD_I8LE, 1, &dim, NULL, NULL, &ds);
      if (rc == CS_OK)
        rc = cs_h5o_write_at(s, ds, names[col], 1, 0, dim, is_size ? H5T_NATIVE_UINT64 : H5T_NATIVE_INT8,
                             is_size ? (const void *)size : (const void *)kept);
      if (rc == CS_OK) rc = cs_h5o_attrs_doc(s, ds, is_size ? "bytes" : NULL, docs[col]);
    }
    if (rc == CS_OK) rc = cs_h5o_scale_attach(s, ds, scale, 0, names[col]);
    if (ds >= 0 && H5Dclose(ds) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close dataset", names[col]);
    if (rc) goto done;
  }
done:
  if (scale >= 0 && H5Dclose(scale) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close dataset", "file");
  if (g >= 0 && H5Gclose(g) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close group", "provenance");
  free(kept);
  free(size);
  free(str);
  return rc;
}

int cs_h5o_provenance_write(cs_h5_sink *s, const cs_world *w) {
  char sha[65];
  int rc;
  cs_sha256_hex(s->source, s->source_len, sha);
  if (!sha[0]) return cs_err(s->ctx, CS_EIO, "HDF5 output '%s': SHA-256 failed", s->path);
  if ((rc = cs_h5o_attr_str(s, s->file, "Conventions", "CF-1.8"))) return rc;
  if ((rc = cs_h5o_attr_str(s, s->file, "conflictsim_version", cs_version()))) return rc;
  if ((rc = cs_h5o_attr_str(s, s->file, "scenario_name", cs_world_name(w)))) return rc;
  if ((rc = cs_h5o_attr_str(s, s->file, "start_date", cs_world_start(w)))) return rc;
  if ((rc = cs_h5o_attr_str(s, s->file, "scenario_path", s->scenario_path))) return rc;
  if ((rc = cs_h5o_attr_str(s, s->file, "scenario_source", s->source))) return rc;
  if ((rc = cs_h5o_attr_str(s, s->file, "scenario_sha256", sha))) return rc;
  if ((rc = cs_h5o_attr_u64(s, s->file, "master_seed", s->seed))) return rc;
  if ((rc = cs_h5o_attr_u64(s, s->file, "replicate", s->replicate))) return rc;
  if (s->branched && ((rc = cs_h5o_attr_f64(s, s->file, "branch_at", s->branch_at)) ||
                      (rc = cs_h5o_attr_u64(s, s->file, "branch", s->branch))))
    return rc;
  if ((rc = cs_h5o_attr_f64(s, s->file, "days", cs_world_days(w)))) return rc;
  if ((rc = cs_h5o_attr_f64(s, s->file, "sample_every", cs_world_sample_every(w)))) return rc;
  if ((rc = cs_h5o_attr_str(s, s->file, "events_level", cs_h5_events_name(s->events_level)))) return rc;
  if (s->command_line && (rc = cs_h5o_attr_str(s, s->file, "command_line", s->command_line))) return rc;
  return s->n_files ? files_write(s) : CS_OK;
}

/* A whole 1-D dataset of n values, with units and long_name, labelled by
** the dimension scale `scale`; scale_out: make it a scale of that name
** instead, left open in *scale_out (the caller closes it). */
static int vec_write(cs_h5_sink *s, hid_t loc, const char *name, hid_t ftype, hid_t mtype, size_t n,
                     const void *buf, const char *units, const char *doc, hid_t scale, hid_t *scale_out) {
  hid_t ds = H5I_INVALID_HID;
  hsize_t dim = n;
  int rc = cs_h5o_dataset(s, loc, name, ftype, 1, &dim, NULL, NULL, &ds);
  if (rc == CS_OK) rc = cs_h5o_write_at(s, ds, name, 1, 0, n, mtype, buf);
  if (rc == CS_OK) rc = cs_h5o_attrs_doc(s, ds, units, doc);
  if (rc == CS_OK) rc = scale_out ? cs_h5o_scale_set(s, ds, name) : cs_h5o_scale_attach(s, ds, scale, 0, name);
  if (rc == CS_OK && scale_out) {
    *scale_out = ds;
    return CS_OK;
  }
  if (ds >= 0 && H5Dclose(ds) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close dataset", name);
  return rc;
}

/* Group `rivalries`, only when the scenario declared some (rivals()): the
** distinct pairs in the order of their first declaration, over the
** dimension `rivalry` (scale rivalries/rivalry, 0..n-1), each as two gang
** indices gang_a, gang_b. */
int cs_h5o_rivalries_write(cs_h5_sink *s, const cs_world *w) {
  int nr = cs_world_n_rivalries(w), rc = CS_OK;
  if (nr <= 0) return CS_OK;
  int32_t *ga = malloc((size_t)nr * sizeof *ga), *gb = malloc((size_t)nr * sizeof *gb);
  int64_t *idx = malloc((size_t)nr * sizeof *idx);
  hid_t g = H5I_INVALID_HID, scale = H5I_INVALID_HID;
  if (!ga || !gb || !idx) {
    rc = cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
    goto done;
  }
  for (int k = 0; k < nr; k++) {
    int a, b;
    cs_world_rivalry(w, k, &a, &b);
    ga[k] = a;
    gb[k] = b;
    idx[k] = k;
  }
  if ((rc = cs_h5o_group_new(s, s->file, "rivalries", &g)) ||
      (rc = vec_write(s, g, "rivalry", H5T_STD_I64LE, H5T_NATIVE_INT64, (size_t)nr, idx, NULL,
                      "rivalry number, in the order of first declaration", H5I_INVALID_HID, &scale)) ||
      (rc = vec_write(s, g, "gang_a", H5T_STD_I32LE, H5T_NATIVE_INT32, (size_t)nr, ga, NULL,
                      "one gang of the rivalry: a gang index", scale, NULL)) ||
      (rc = vec_write(s, g, "gang_b", H5T_STD_I32LE, H5T_NATIVE_INT32, (size_t)nr, gb, NULL,
                      "the other gang of the rivalry: a gang index", scale, NULL)))
    goto done;
done:
  if (scale >= 0 && H5Dclose(scale) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close dataset", "rivalry");
  if (g >= 0 && H5Gclose(g) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close group", "rivalries");
  free(ga);
  free(gb);
  free(idx);
  return rc;
}

/* Group `network`: where the nodes are and the roads between them, for maps
** (node_x, node_y over the root's dimension `node`; road_a, road_b, road_km
** over the dimension `road`, the roads in declaration order, whose scale
** network/road holds 0..n_roads-1; ends as node indices). Every dataset is on
** named dimensions, so xarray opens the group. */
int cs_h5o_network_write(cs_h5_sink *s, const cs_world *w) {
  int n = cs_world_n_nodes(w), nr = cs_world_n_roads(w), rc = CS_OK;
  size_t m = (size_t)(n > nr ? n : nr) + 1;
  double *x = malloc(m * sizeof *x), *y = malloc(m * sizeof *y);
  int32_t *ra = malloc(m * sizeof *ra), *rb = malloc(m * sizeof *rb);
  int64_t *idx = malloc(m * sizeof *idx);
  hid_t g = H5I_INVALID_HID, road = H5I_INVALID_HID, node = s->coord[CO_NODE];
  if (!x || !y || !ra || !rb || !idx) {
    rc = cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
    goto done;
  }
  if ((rc = cs_h5o_group_new(s, s->file, "network", &g))) goto done;
  for (int i = 0; i < n; i++) cs_world_node_xy(w, i, &x[i], &y[i]);
  if ((rc = vec_write(s, g, "node_x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (size_t)n, x, "km",
                      "node position on the scenario's plane, east", node, NULL)) ||
      (rc = vec_write(s, g, "node_y", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (size_t)n, y, "km",
                      "node position on the scenario's plane, north", node, NULL)))
    goto done;
  for (int r = 0; r < nr; r++) {
    int a, b;
    cs_world_road(w, r, &a, &b, &x[r]);
    ra[r] = a;
    rb[r] = b;
    idx[r] = r;
  }
  if ((rc = vec_write(s, g, "road", H5T_STD_I64LE, H5T_NATIVE_INT64, (size_t)nr, idx, NULL,
                      "road number, in declaration order", H5I_INVALID_HID, &road)) ||
      (rc = vec_write(s, g, "road_a", H5T_STD_I32LE, H5T_NATIVE_INT32, (size_t)nr, ra, NULL,
                      "one end of the road: a node index", road, NULL)) ||
      (rc = vec_write(s, g, "road_b", H5T_STD_I32LE, H5T_NATIVE_INT32, (size_t)nr, rb, NULL,
                      "the other end of the road: a node index", road, NULL)) ||
      (rc = vec_write(s, g, "road_km", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (size_t)nr, x, "km", "road length",
                      road, NULL)))
    goto done;
done:
  if (road >= 0 && H5Dclose(road) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close dataset", "road");
  if (g >= 0 && H5Gclose(g) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close group", "network");
  free(x);
  free(y);
  free(ra);
  free(rb);
  free(idx);
  return rc;
}

static const char *param_type_name(cs_param_type t) {
  switch (t) {
  case CS_PT_NUMBER: return "number";
  case CS_PT_INTEGER: return "integer";
  case CS_PT_BOOLEAN: return "boolean";
  case CS_PT_STRING: return "string";
  }
  return "unknown";
}

/* Group `parameters`: one scalar attribute per parameter (its value). Group
** `parameter_info`: a table over dimension `parameter` (the names) with
** columns doc, units, type, min, max, is_model. */
int cs_h5o_parameters_write(cs_h5_sink *s, const cs_world *w) {
  hid_t g = H5I_INVALID_HID, gi = H5I_INVALID_HID, scale = H5I_INVALID_HID;
  int rc, n = cs_world_param_count(w);
  size_t nz = (size_t)(n > 0 ? n : 1);
  cs_param_info *info = calloc(nz, sizeof *info);
  const char **str = malloc(nz * sizeof *str);
  double *num = malloc(nz * sizeof *num);
  int8_t *flag = malloc(nz);
  hsize_t dim = (hsize_t)n;
  if (!info || !str || !num || !flag) {
    rc = cs_err(s->ctx, CS_ENOMEM, "HDF5 output '%s': out of memory", s->path);
    goto done;
  }
  for (int i = 0; i < n; i++) cs_world_param_info(w, i, &info[i]);

  if ((rc = cs_h5o_group_new(s, s->file, "parameters", &g))) goto done;
  for (int i = 0; i < n && rc == CS_OK; i++) {
    const cs_param_info *p = &info[i];
    int8_t b = p->num != 0;
    switch (p->type) {
    case CS_PT_NUMBER: rc = cs_h5o_attr_f64(s, g, p->name, p->num); break;
    case CS_PT_INTEGER: rc = cs_h5o_attr_i64(s, g, p->name, (int64_t)p->num); break;
    case CS_PT_BOOLEAN: rc = cs_h5o_attr(s, g, p->name, H5T_STD_I8LE, H5T_NATIVE_INT8, 0, &b); break;
    case CS_PT_STRING: rc = cs_h5o_attr_str(s, g, p->name, p->str); break;
    default: rc = cs_err(s->ctx, CS_EINVAL, "HDF5 output '%s': parameter '%s' has unknown type %d",
                         s->path, p->name, (int)p->type);
    }
  }
  if (rc) goto done;

  if ((rc = cs_h5o_group_new(s, s->file, "parameter_info", &gi))) goto done;
  for (int i = 0; i < n; i++) str[i] = info[i].name;
  if ((rc = cs_h5o_strings(s, gi, "parameter", (size_t)n, str, "parameter name", &scale))) goto done;
  if ((rc = cs_h5o_scale_set(s, scale, "parameter"))) goto done;
  for (int col = 0; col < 6; col++) {
    static const char *const names[6] = {"doc", "units", "type", "min", "max", "is_model"};
    static const char *const docs[6] = {
        "what the parameter means", "units of the parameter (empty if none)",
        "number, integer, boolean or string", "smallest allowed value (numbers)",
        "largest allowed value (numbers)", "1: a model parameter; 0: declared by the scenario"};
    hid_t ds = H5I_INVALID_HID;
    if (col < 3) {
      for (int i = 0; i < n; i++)
        str[i] = col == 0 ? info[i].doc : col == 1 ? info[i].units : param_type_name(info[i].type);
      rc = cs_h5o_strings(s, gi, names[col], (size_t)n, str, docs[col], &ds);
    } else {
      int is_flag = col == 5;
      for (int i = 0; i < n; i++) {
        num[i] = col == 3 ? info[i].min : info[i].max;
        flag[i] = (int8_t)(info[i].is_model != 0);
      }
      rc = cs_h5o_dataset(s, gi, names[col], is_flag ? H5T_STD_I8LE : H5T_IEEE_F64LE, 1, &dim, NULL, NULL, &ds);
      if (rc == CS_OK)
        rc = cs_h5o_write_at(s, ds, names[col], 1, 0, dim, is_flag ? H5T_NATIVE_INT8 : H5T_NATIVE_DOUBLE,
                         is_flag ? (const void *)flag : (const void *)num);
      if (rc == CS_OK) rc = cs_h5o_attrs_doc(s, ds, NULL, docs[col]);
    }
    if (rc == CS_OK) rc = cs_h5o_scale_attach(s, ds, scale, 0, names[col]);
    if (ds >= 0 && H5Dclose(ds) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close dataset", names[col]);
    if (rc) goto done;
  }
done:
  if (scale >= 0 && H5Dclose(scale) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close dataset", "parameter");
  if (gi >= 0 && H5Gclose(gi) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close group", "parameter_info");
  if (g >= 0 && H5Gclose(g) < 0 && rc == CS_OK) rc = cs_h5o_fail(s, "close group", "parameters");
  free(flag);
  free(num);
  free(str);
  free(info);
  return rc;
}

void cs_sha256_hex(const void *data, size_t len, char hex[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  hex[0] = '\0';
  if (EVP_Digest(data ? data : "", len, md, &n, EVP_sha256(), NULL) && n == 32) cs_hex(md, 32, hex);
}
