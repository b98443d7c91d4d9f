/* posterior.h: a calibration's posterior sample, read back from its file,
** and parameter sets drawn from it (cs_posterior_), for sim/ only.
** `validate --posterior` and `compare --posterior` run over such draws so
** that an interval includes parameter uncertainty, not only the noise of
** the runs.
**
** Invariants:
** - Draw r is a function of (the file, seed, r) alone: n draws are taken
**   at once by systematic resampling of the weighted particles
**   (cs_calib_resample) on the PCG stream (seed, CS_POSTERIOR_STREAM) and
**   draw r is the r-th of them, so every worker, and every -j, sees the
**   same parameter set for replicate r.
** - The calibration's own --set overrides (the file's "sets" attribute, e.g.
**   v2=true) are part of the model the posterior is for: cs_posterior_settings
**   gives those a command line does not set itself, and run, validate and
**   compare apply them under the command line's own --set.
** - The file is checked to be a calibration file with a non-empty
**   /posterior whose weights are finite, non-negative and sum to 1 (within
**   1e-9); anything else is an error naming the file and the dataset. */
#ifndef CS_BATCH_POSTERIOR_H
#define CS_BATCH_POSTERIOR_H

#include <stdint.h>

#include "cs_script.h"

/* A stream number no replicate number of a run reaches (runs use (seed,
** replicate) with replicate < 2^40). */
#define CS_POSTERIOR_STREAM ((uint64_t)0x706f737465726f72ull)

typedef struct cs_posterior {
  char *path;
  char sha[65];       /* SHA-256 of the file */
  int n_params, n_particles;
  char **names;       /* [n_params] */
  double *theta;      /* [n_particles][n_params] */
  double *weight;     /* [n_particles] */
  int n_draws;        /* draws made by cs_posterior_draw */
  int *draw;          /* [n_draws]: the particle of draw r */
  char (*text)[32];   /* [n_draws * n_params]: "%.17g" of each value */
  int n_sets;         /* the calibration's own --set overrides (its "sets" attribute) */
  cs_override *sets;  /* [n_sets], owned (name and value in one allocation each) */
} cs_posterior;

/* Read /posterior of the calibration file at path. */
int cs_posterior_load(cs_ctx *ctx, const char *path, cs_posterior **out);
void cs_posterior_free(cs_posterior *p);
/* Make n draws (replaces earlier ones). */
int cs_posterior_draw(cs_ctx *ctx, cs_posterior *p, int n, uint64_t seed);
/* The calibration's --set overrides whose names no given[n_given] names,
** into out[p->n_sets] (borrowed from p). Returns how many were written. */
size_t cs_posterior_settings(const cs_posterior *p, const cs_override *given, size_t n_given, cs_override *out);
/* The overrides of draw r into ov[n_params] (borrowed from p), leaving out
** any parameter named in skip[n_skip] (an intervention's own value wins).
** Returns how many were written. */
int cs_posterior_overrides(const cs_posterior *p, int r, const cs_override *skip, size_t n_skip, cs_override *ov);

#endif
