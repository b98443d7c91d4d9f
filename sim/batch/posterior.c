/* posterior.c: a calibration's posterior sample and draws from it; see
** posterior.h. */
#define _POSIX_C_SOURCE 200809L
#include "posterior.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "cs_h5.h"

void cs_posterior_free(cs_posterior *p) {
  if (!p) return;
  for (int i = 0; p->names && i < p->n_params; i++) free(p->names[i]);
  free(p->names);
  free(p->theta);
  free(p->weight);
  free(p->draw);
  free(p->text);
  for (int i = 0; p->sets && i < p->n_sets; i++) free((char *)p->sets[i].name);
  free(p->sets);
  free(p->path);
  free(p);
}

/* The "sets" attribute: NAME=VALUE items joined by single spaces (calib_h5.c);
** a word without '=' continues the value before it (a value with a space).
** An older file without the attribute has none. */
static int read_sets(cs_ctx *ctx, hid_t f, const char *path, cs_posterior *p) {
  hid_t a = -1, at = -1;
  char *raw = NULL;
  int have = 0, ok = 0;
  H5E_BEGIN_TRY {
    if ((have = H5Aexists(f, "sets")) > 0 && (a = H5Aopen(f, "sets", H5P_DEFAULT)) >= 0 &&
        (at = H5Aget_type(a)) >= 0 && H5Tis_variable_str(at) > 0 && H5Aread(a, at, &raw) >= 0)
      ok = raw != NULL;
  }
  H5E_END_TRY;
  if (at >= 0) H5Tclose(at);
  if (a >= 0) H5Aclose(a);
  if (have <= 0) return CS_OK;
  if (!ok) {
    if (raw) H5free_memory(raw);
    return cs_err(ctx, CS_EINVAL, "posterior '%s': its \"sets\" attribute is not a string", path);
  }
  size_t n = 0, len = strlen(raw);
  for (size_t i = 0; i < len; i++) n += raw[i] == '=';
  int rc = CS_OK;
  if (n && !(p->sets = calloc(n, sizeof *p->sets))) rc = cs_err(ctx, CS_ENOMEM, "out of memory");
  for (char *w = raw; rc == CS_OK && *w;) {
    char *end = strchr(w, ' ');
    size_t wl = end ? (size_t)(end - w) : strlen(w);
    char *eq = memchr(w, '=', wl);
    if (eq && eq > w) { /* a new NAME=VALUE: one allocation, "NAME\0VALUE" */
      char *item = malloc(wl + 1);
      if (!item) {
        rc = cs_err(ctx, CS_ENOMEM, "out of memory");
        break;
      }
      memcpy(item, w, wl);
      item[wl] = '\0';
      item[eq - w] = '\0';
      p->sets[p->n_sets].name = item;
      p->sets[p->n_sets++].value = item + (eq - w) + 1;
    } else if (wl && p->n_sets) { /* the previous value goes on past a space */
      cs_override *o = &p->sets[p->n_sets - 1];
      size_t nl = strlen(o->name), vl = strlen(o->value);
      char *item = realloc((char *)o->name, nl + 1 + vl + 1 + wl + 1);
      if (!item) {
        rc = cs_err(ctx, CS_ENOMEM, "out of memory");
        break;
      }
      memcpy(item + nl + 1 + vl, " ", 1);
      memcpy(item + nl + 1 + vl + 1, w, wl);
      item[nl + 1 + vl + 1 + wl] = '\0';
      o->name = item;
      o->value = item + nl + 1;
    } else if (wl)
      rc = cs_err(ctx, CS_EINVAL, "posterior '%s': its \"sets\" attribute is not NAME=VALUE items (\"%.40s\")",
                  path, raw);
    w += wl;
    while (*w == ' ') w++;
  }
  H5free_memory(raw);
  return rc;
}

size_t cs_posterior_settings(const cs_posterior *p, const cs_override *given, size_t n_given, cs_override *out) {
  size_t k = 0;
  for (int i = 0; i < p->n_sets; i++) {
    int named = 0;
    for (size_t g = 0; g < n_given && !named; g++) named = !strcmp(given[g].name, p->sets[i].name);
    if (!named) out[k++] = p->sets[i];
  }
  return k;
}

/* SHA-256 of the whole file (it names the posterior in reports). */
static int file_sha(cs_ctx *ctx, const char *path, char hex[65]) {
  FILE *f = fopen(path, "rb");
  if (!f) return cs_err(ctx, CS_EIO, "posterior '%s': cannot open", path);
  size_t cap = 1 << 20, len = 0, n;
  char *buf = malloc(cap);
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      char *q = realloc(buf, cap *= 2);
      if (!q) {
        free(buf);
        buf = NULL;
      } else buf = q;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf) return cs_err(ctx, CS_ENOMEM, "out of memory");
  if (bad) {
    free(buf);
    return cs_err(ctx, CS_EIO, "posterior '%s': cannot read", path);
  }
  cs_sha256_hex(buf, len, hex);
  free(buf);
  return CS_OK;
}

/* Read a whole dataset of doubles with n elements expected. */
static int read_d(cs_ctx *ctx, hid_t f, const char *path, const char *name, hsize_t n, double *out) {
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT), sp = d >= 0 ? H5Dget_space(d) : -1;
  hssize_t got = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
  int ok = got == (hssize_t)n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0;
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  return ok ? CS_OK : cs_err(ctx, CS_EINVAL, "posterior '%s': %s is missing or has the wrong shape", path, name);
}

int cs_posterior_load(cs_ctx *ctx, const char *path, cs_posterior **out) {
  *out = NULL;
  cs_posterior *p = calloc(1, sizeof *p);
  if (!p || !(p->path = strdup(path))) {
    free(p);
    return cs_err(ctx, CS_ENOMEM, "out of memory");
  }
  int rc = file_sha(ctx, path, p->sha);
  hid_t f = -1, d = -1, sp = -1, t = -1, a = -1, at = -1;
  char **raw = NULL;
  if (rc != CS_OK) goto done;
  H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }
  H5E_END_TRY;
  if (f < 0) {
    rc = cs_err(ctx, CS_EINVAL, "posterior '%s': not an HDF5 file", path);
    goto done;
  }
  {
    char *kind = NULL;
    int ok = 0;
    H5E_BEGIN_TRY {
      if ((a = H5Aopen(f, "file_kind", H5P_DEFAULT)) >= 0 && (at = H5Aget_type(a)) >= 0 &&
          H5Tis_variable_str(at) > 0 && H5Aread(a, at, &kind) >= 0)
        ok = kind && !strcmp(kind, "conflictsim calibration");
    }
    H5E_END_TRY;
    if (kind) H5free_memory(kind);
    if (!ok) {
      rc = cs_err(ctx, CS_EINVAL, "posterior '%s': not a calibration file (conflictsim calibrate writes one)",
                  path);
      goto done;
    }
  }
  if ((rc = read_sets(ctx, f, path, p)) != CS_OK) goto done;
  H5E_BEGIN_TRY { d = H5Dopen2(f, "/parameter", H5P_DEFAULT); }
  H5E_END_TRY;
  hsize_t np = 0, nk = 0;
  if (d < 0 || (sp = H5Dget_space(d)) < 0 || H5Sget_simple_extent_ndims(sp) != 1 ||
      H5Sget_simple_extent_dims(sp, &np, NULL) < 0 || np == 0) {
    rc = cs_err(ctx, CS_EINVAL, "posterior '%s': /parameter is missing or empty", path);
    goto done;
  }
  p->n_params = (int)np;
  if (!(raw = calloc(np, sizeof *raw)) || !(p->names = calloc(np, sizeof *p->names))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  if ((t = H5Dget_type(d)) < 0 || H5Tis_variable_str(t) <= 0 || H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
    rc = cs_err(ctx, CS_EINVAL, "posterior '%s': cannot read /parameter", path);
    goto done;
  }
  for (hsize_t i = 0; i < np && rc == CS_OK; i++)
    if (!raw[i] || !(p->names[i] = strdup(raw[i])))
      rc = cs_err(ctx, CS_EINVAL, "posterior '%s': /parameter has an empty name", path);
  H5Dvlen_reclaim(t, sp, H5P_DEFAULT, raw);
  free(raw);
  raw = NULL;
  H5Tclose(t);
  t = -1;
  if (rc != CS_OK) goto done;
  H5Sclose(sp);
  sp = -1;
  H5Dclose(d);
  d = -1;
  H5E_BEGIN_TRY { d = H5Dopen2(f, "/posterior/weight", H5P_DEFAULT); }
  H5E_END_TRY;
  if (d < 0 || (sp = H5Dget_space(d)) < 0 || H5Sget_simple_extent_ndims(sp) != 1 ||
      H5Sget_simple_extent_dims(sp, &nk, NULL) < 0 || nk == 0 || nk > (1u << 30)) {
    rc = cs_err(ctx, CS_EINVAL, "posterior '%s': no /posterior (the calibration ran no ABC: --particles 0?)", path);
    goto done;
  }
  p->n_particles = (int)nk;
  if (!(p->theta = malloc(nk * np * sizeof *p->theta)) || !(p->weight = malloc(nk * sizeof *p->weight))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  if ((rc = read_d(ctx, f, path, "/posterior/weight", nk, p->weight)) ||
      (rc = read_d(ctx, f, path, "/posterior/theta", nk * np, p->theta)))
    goto done;
  double sum = 0;
  for (hsize_t i = 0; i < nk; i++) {
    if (!(p->weight[i] >= 0) || !isfinite(p->weight[i])) {
      rc = cs_err(ctx, CS_EINVAL, "posterior '%s': /posterior/weight[%llu] is not a finite non-negative number",
                  path, (unsigned long long)i);
      goto done;
    }
    sum += p->weight[i];
  }
  for (hsize_t i = 0; i < nk * np; i++)
    if (!isfinite(p->theta[i])) {
      rc = cs_err(ctx, CS_EINVAL, "posterior '%s': /posterior/theta has a value that is not finite", path);
      goto done;
    }
  if (fabs(sum - 1) > 1e-9) rc = cs_err(ctx, CS_EINVAL, "posterior '%s': /posterior/weight sums to %.17g, not 1", path, sum);
done:
  if (raw && t >= 0 && sp >= 0) H5Dvlen_reclaim(t, sp, H5P_DEFAULT, raw);
  free(raw);
  if (at >= 0) H5Tclose(at);
  if (a >= 0) H5Aclose(a);
  if (t >= 0) H5Tclose(t);
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  if (rc != CS_OK) cs_posterior_free(p);
  else *out = p;
  return rc;
}

int cs_posterior_draw(cs_ctx *ctx, cs_posterior *p, int n, uint64_t seed) {
  free(p->draw);
  free(p->text);
  p->n_draws = 0;
  p->draw = malloc(((size_t)n + 1) * sizeof *p->draw);
  p->text = malloc(((size_t)n * (size_t)p->n_params + 1) * sizeof *p->text);
  if (!p->draw || !p->text) return cs_err(ctx, CS_ENOMEM, "out of memory");
  cs_calib_resample(p->weight, p->n_particles, n, seed, CS_POSTERIOR_STREAM, p->draw);
  for (int r = 0; r < n; r++)
    for (int q = 0; q < p->n_params; q++)
      snprintf(p->text[(size_t)r * (size_t)p->n_params + (size_t)q], sizeof *p->text, "%.17g",
               p->theta[(size_t)p->draw[r] * (size_t)p->n_params + (size_t)q]);
  p->n_draws = n;
  return CS_OK;
}

int cs_posterior_overrides(const cs_posterior *p, int r, const cs_override *skip, size_t n_skip, cs_override *ov) {
  int k = 0;
  for (int q = 0; q < p->n_params; q++) {
    int skipped = 0;
    for (size_t s = 0; s < n_skip && !skipped; s++) skipped = !strcmp(skip[s].name, p->names[q]);
    if (skipped) continue;
    ov[k].name = p->names[q];
    ov[k++].value = p->text[(size_t)r * (size_t)p->n_params + (size_t)q];
  }
  return k;
}
