/* priors.h: the priors of a calibration, read from a priors file and
** checked against a scenario's parameters (cs_priors_), for sim/ only.
**
** A priors file is Lua, read in the sandbox by the script layer
** (cs_script_priors_read, cs_script.h; the language: scenarios/README.md,
** "Priors files"): priors { NAME = uniform(LO, HI), NAME2 = loguniform(LO,
** HI), NAME3 = uniform() }. This module resolves it on a probe load of the
** scenario: every name must be a number parameter of the scenario (a model
** parameter or one it declares with param()), every bound inside the
** parameter's declared range, and a prior without bounds takes that range
** (which must then be finite, and above 0 for loguniform).
**
** Invariants:
** - prior[] is sorted by name; its fields are exactly the cs_calib_prior of
**   calib.h (name, kind CS_PRIOR_UNIFORM or CS_PRIOR_LOGUNIFORM, lo, hi with
**   finite lo < hi, lo > 0 for a log-uniform), so a driver passes
**   (prior, n) straight into cs_calib_config.
** - Integer, boolean and string parameters are refused: calibration draws
**   from continuous distributions. */
#ifndef CS_BATCH_PRIORS_H
#define CS_BATCH_PRIORS_H

#include "calib.h"
#include "cs_script.h"

typedef struct cs_priors {
  int n;
  cs_calib_prior *prior; /* [n], sorted by name; the names are owned here */
  char sha[65];          /* SHA-256 (hex) of the priors file's text */
  char *path;            /* the file as given */
} cs_priors;

/* Read the priors file at path, probe-load the scenario (with sets) and
** check every prior against its parameter. On CS_OK the caller owns *out
** (cs_priors_free). Errors name the file and the parameter: CS_ESCRIPT for
** a Lua error or a malformed entry ("path:line: ..."), CS_EINVAL for a
** parameter the scenario does not have or cannot calibrate ("path:
** parameter 'NAME': ..."), CS_EIO if the file cannot be read. */
int cs_priors_load(cs_ctx *ctx, const char *path, const char *scenario, const cs_script_limits *lim,
                   const cs_override *sets, size_t n_sets, cs_priors **out);
void cs_priors_free(cs_priors *p);

#endif
