/* priors.c: a priors file checked against a scenario's parameters (see
** priors.h). The file is read by the script layer (cs_script_priors_read)
** into a cs_priors_spec; a probe load of the scenario gives each
** parameter's type and declared range (params.c), the same the sweep's
** design is checked against. */
#define _POSIX_C_SOURCE 200809L
#include "priors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_h5.h"

void cs_priors_free(cs_priors *p) {
  if (!p) return;
  for (int i = 0; p->prior && i < p->n; i++) free((char *)p->prior[i].name);
  free(p->prior);
  free(p->path);
  free(p);
}

/* "%.14g" of v, for messages. */
static const char *num(double v, char buf[32]) {
  snprintf(buf, 32, "%.14g", v);
  return buf;
}

/* Check prior ps against its parameter in w and fill out. */
static int check(cs_ctx *ctx, const char *path, const char *scenario, cs_world *w, const cs_prior_spec *ps,
                 cs_calib_prior *out) {
  char a[32], b[32], c[32], d[32];
  const char *kind = ps->kind == CS_PSPEC_LOGUNIFORM ? "loguniform" : "uniform";
  int pi = cs_world_param_find(w, ps->name);
  if (pi < 0)
    return cs_err(ctx, CS_EINVAL, "%s: parameter '%s' is neither a model parameter nor declared by %s%s", path,
                  ps->name, scenario, cs_world_param_hint(w, ps->name));
  cs_param_info info;
  cs_world_param_info(w, pi, &info);
  if (info.type == CS_PT_INTEGER)
    return cs_err(ctx, CS_EINVAL, "%s: parameter '%s' is an integer; calibration draws from continuous priors, so "
                  "fix it with --set or declare it as a number", path, ps->name);
  if (info.type != CS_PT_NUMBER)
    return cs_err(ctx, CS_EINVAL, "%s: parameter '%s' is a %s; only numbers can be calibrated", path, ps->name,
                  info.type == CS_PT_BOOLEAN ? "boolean" : "string");
  double lo = ps->bounded ? ps->lo : info.min, hi = ps->bounded ? ps->hi : info.max;
  if (!ps->bounded && !(isfinite(lo) && isfinite(hi)))
    return cs_err(ctx, CS_EINVAL, "%s: parameter '%s': %s() takes the declared range [%s, %s], which is open; give "
                  "bounds, %s(LO, HI)", path, ps->name, kind, num(info.min, a), num(info.max, b), kind);
  if (ps->bounded && (lo < info.min || hi > info.max))
    return cs_err(ctx, CS_EINVAL, "%s: parameter '%s': %s(%s, %s) is not inside its declared range [%s, %s]", path,
                  ps->name, kind, num(lo, a), num(hi, b), num(info.min, c), num(info.max, d));
  if (!(lo < hi))
    return cs_err(ctx, CS_EINVAL, "%s: parameter '%s': its range [%s, %s] is a single value; nothing to calibrate",
                  path, ps->name, num(lo, a), num(hi, b));
  if (ps->kind == CS_PSPEC_LOGUNIFORM && !(lo > 0))
    return cs_err(ctx, CS_EINVAL, "%s: parameter '%s': loguniform needs a lower bound above 0, got %s%s", path,
                  ps->name, num(lo, a), ps->bounded ? "" : " (the declared range's); give bounds, loguniform(LO, HI)");
  if (!(out->name = strdup(ps->name))) return cs_err(ctx, CS_ENOMEM, "out of memory");
  out->kind = ps->kind == CS_PSPEC_LOGUNIFORM ? CS_PRIOR_LOGUNIFORM : CS_PRIOR_UNIFORM;
  out->lo = lo;
  out->hi = hi;
  return CS_OK;
}

int cs_priors_load(cs_ctx *ctx, const char *path, const char *scenario, const cs_script_limits *lim,
                   const cs_override *sets, size_t n_sets, cs_priors **out) {
  cs_priors *p = calloc(1, sizeof *p);
  cs_priors_spec sp;
  cs_world *w = NULL;
  cs_script *sc = NULL;
  cs_script_limits dl;
  int rc;
  memset(&sp, 0, sizeof sp);
  if (!p || !(p->path = strdup(path))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto fail;
  }
  if ((rc = cs_script_priors_read(ctx, path, NULL, 0, &sp)) != CS_OK) goto fail;
  cs_sha256_hex(sp.src, sp.src_len, p->sha);
  if (!lim) {
    cs_script_limits_default(&dl);
    lim = &dl;
  }
  if ((rc = cs_script_load(ctx, scenario, lim, sets, n_sets, 0, 0, 1, &w, &sc)) != CS_OK) {
    if (rc == CS_EIO) rc = CS_ESCRIPT; /* a scenario that cannot be read is its error */
    goto fail;
  }
  if (!(p->prior = calloc((size_t)sp.n_priors, sizeof *p->prior))) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto fail;
  }
  for (int i = 0; i < sp.n_priors; i++) {
    if ((rc = check(ctx, path, scenario, w, &sp.priors[i], &p->prior[p->n])) != CS_OK) goto fail;
    p->n++;
  }
  cs_script_free(sc);
  cs_world_free(w);
  cs_script_priors_clear(&sp);
  *out = p;
  return CS_OK;
fail:
  cs_script_free(sc);
  cs_world_free(w);
  cs_script_priors_clear(&sp);
  cs_priors_free(p);
  return rc;
}
