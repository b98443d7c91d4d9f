/* compare_report.c: the report files of `conflictsim compare`: CSV, JSON
** and HDF5 (compare_report.h; the layout is output/README.md, "The compare
** report").
**
** Split out of cli_compare.c, which keeps the command line and the terminal
** table. The HDF5 writer stays beside the text ones rather than in sim/io:
** it reads the arms and their sweeps, which are batch types.
**
** Invariants: each file goes to "<file>.tmp.<pid>" and is renamed into
** place by cs_outfile_commit; the HDF5 file is created without object time
** stamps and with the 1.8 format bounds, so equal reports give equal bytes;
** every HDF5 failure is CS_EIO naming the file and the object. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "compare_report.h"
#include "h5util.h"
#include "outfile.h"
#include "plain.h"

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 32) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static void json_num(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, "%.17g", x);
  else fputs("null", f);
}

static const char *CI_METHOD = "BCa bootstrap (bias-corrected and accelerated), 95%";
static const char *VR_METHOD =
    "Var(variant[(r+1) mod N] - baseline[r]) / Var(variant[r] - baseline[r]): the same runs re-paired "
    "with a cyclic shift, no extra seeds";
static const char *VR_METHOD_BRANCHES =
    "Var(variant[(j+K) mod N] - baseline[j]) / Var(variant[j] - baseline[j]), K = branches: the same runs "
    "re-paired with the next replicate's run of the same branch (a replicate's branches share a past), no "
    "extra seeds";
static const char *P_BETTER =
    "share of replicates r with variant[r] - baseline[r] in the metric's better direction: < 0 where better "
    "is lower, > 0 where it is higher";
static const char *P_WORSE = "share of replicates r with variant[r] - baseline[r] in the other direction (the rest "
                             "are ties)";
static const char *CENSORING =
    "fall_time of a node that did not fall (NaN in values) counts as falling at the horizon (days): a node "
    "that held in one arm and fell in the other is a difference in the right direction, one that held in both "
    "is a tie, and its means are restricted means of min(fall time, days); *_censored counts those runs";

int cs_cmp_write_csv(cs_ctx *ctx, const cs_cmp_report *R, const char *path) {
  char tmp[4200];
  if (cs_outfile_tmp_name(path, tmp, sizeof tmp)) return cs_err(ctx, CS_EIO, "output path too long");
  FILE *f = fopen(tmp, "w");
  if (!f) return cs_err(ctx, CS_EIO, "cannot write '%s': %s", tmp, strerror(errno));
  const cs_sweep *sw = R->arms[0].sw;
  fprintf(f, "variant,metric,units,better,baseline_mean,variant_mean,mean_difference,ci_low,ci_high,ci_method,"
             "p_better,p_worse,variance_reduction,replicates,baseline_censored,variant_censored\n");
  for (int v = 1; v < R->n_arms; v++)
    for (int m = 0; m < R->n_metrics; m++) {
      const cs_cmp_stat *s = &R->st[(size_t)(v - 1) * (size_t)R->n_metrics + (size_t)m];
      fprintf(f, "\"%s\",%s,%s,%s,%.10g,%.10g,%.10g,%.10g,%.10g,BCa95,%.6g,%.6g,%.6g,%llu,%llu,%llu\n",
              R->arms[v].name, sw->metrics[m].name, cs_sweep_metric_units(sw, m),
              cs_sweep_better_name(cs_sweep_metric_better(sw, m)), s->base_mean, s->var_mean, s->diff, s->lo, s->hi,
              s->p_better, s->p_worse, s->vr, (unsigned long long)(R->reps / cs_cmp_branches(R)),
              (unsigned long long)s->base_nan,
              (unsigned long long)s->var_nan);
    }
  int rc = (ferror(f) | (fclose(f) != 0)) ? cs_err(ctx, CS_EIO, "cannot write '%s'", tmp) : CS_OK;
  return cs_outfile_commit(ctx, "compare report", tmp, path, rc);
}

int cs_cmp_write_json(cs_ctx *ctx, const cs_cmp_report *R, const char *path) {
  char tmp[4200];
  if (cs_outfile_tmp_name(path, tmp, sizeof tmp)) return cs_err(ctx, CS_EIO, "output path too long");
  FILE *f = fopen(tmp, "w");
  if (!f) return cs_err(ctx, CS_EIO, "cannot write '%s': %s", tmp, strerror(errno));
  const cs_sweep *sw = R->arms[0].sw;
  fprintf(f, "{\n  \"file_kind\": \"conflictsim compare\",\n  \"conflictsim_version\": ");
  json_str(f, cs_version());
  fprintf(f, ",\n  \"master_seed\": %llu,\n  \"replicates\": %llu,\n  \"ci_method\": ",
          (unsigned long long)R->seed, (unsigned long long)(R->reps / cs_cmp_branches(R)));
  json_str(f, CI_METHOD);
  if (R->branched)
    fprintf(f, ",\n  \"branch_at\": %.17g,\n  \"branches\": %llu,\n  \"paired_runs\": %llu,\n  \"branch_pairing\": "
               "\"pair j = replicate j / branches, branch j %% branches: every arm's run (seed, replicate, branch); "
               "intervals resample replicates (cluster bootstrap over the branch-mean differences)\"",
            R->branch_at, (unsigned long long)cs_cmp_branches(R), (unsigned long long)R->reps);
  fprintf(f, ",\n  \"posterior_file\": ");
  json_str(f, R->post ? R->post->path : "");
  fprintf(f, ",\n  \"posterior_sha256\": ");
  json_str(f, R->post ? R->post->sha : "");
  fprintf(f, ",\n  \"ci_level\": %.2f,\n  \"bootstrap_resamples\": %d,\n  \"bootstrap_stream\": "
             "\"PCG32 stream (seed, variant, metric) of purpose BOOT\",\n  \"p_better\": ",
          CS_CMP_CI_LEVEL, R->B);
  json_str(f, P_BETTER);
  fputs(",\n  \"p_worse\": ", f);
  json_str(f, P_WORSE);
  fputs(",\n  \"censoring\": ", f);
  json_str(f, CENSORING);
  fputs(",\n  \"variance_reduction_method\": ", f);
  json_str(f, R->branched ? VR_METHOD_BRANCHES : VR_METHOD);
  fputs(",\n  \"arms\": [", f);
  for (int a = 0; a < R->n_arms; a++) {
    fputs(a ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
    json_str(f, R->arms[a].name);
    fputs(", \"scenario\": ", f);
    json_str(f, R->arms[a].scenario);
    fputs(", \"sets\": ", f);
    json_str(f, R->arms[a].sets_text);
    fputc('}', f);
  }
  fputs("\n  ],\n  \"results\": [", f);
  int first = 1;
  for (int v = 1; v < R->n_arms; v++)
    for (int m = 0; m < R->n_metrics; m++) {
      const cs_cmp_stat *s = &R->st[(size_t)(v - 1) * (size_t)R->n_metrics + (size_t)m];
      fputs(first ? "\n    {\"variant\": " : ",\n    {\"variant\": ", f);
      first = 0;
      json_str(f, R->arms[v].name);
      fputs(", \"metric\": ", f);
      json_str(f, sw->metrics[m].name);
      fputs(", \"units\": ", f);
      json_str(f, cs_sweep_metric_units(sw, m));
      fputs(", \"better\": ", f);
      json_str(f, cs_sweep_better_name(cs_sweep_metric_better(sw, m)));
      const double x[] = {s->base_mean, s->var_mean, s->diff, s->lo, s->hi, s->p_better, s->p_worse, s->vr};
      const char *k[] = {"baseline_mean", "variant_mean", "mean_difference", "ci_low", "ci_high", "p_better",
                         "p_worse", "variance_reduction"};
      for (int i = 0; i < 8; i++) {
        fprintf(f, ", \"%s\": ", k[i]);
        json_num(f, x[i]);
      }
      fprintf(f, ", \"baseline_censored\": %llu, \"variant_censored\": %llu}", (unsigned long long)s->base_nan,
              (unsigned long long)s->var_nan);
    }
  fputs("\n  ]\n}\n", f);
  int rc = (ferror(f) | (fclose(f) != 0)) ? cs_err(ctx, CS_EIO, "cannot write '%s'", tmp) : CS_OK;
  return cs_outfile_commit(ctx, "compare report", tmp, path, rc);
}

/* HDF5: small helpers in the style of sweep_h5.c; every failure is CS_EIO
** naming the object. */
#define H5TRY(call, what)                                                        \
  do {                                                                           \
    if ((call) < 0) {                                                            \
      rc = cs_err(ctx, CS_EIO, "compare file '%s': cannot %s", path, what);      \
      goto done;                                                                 \
    }                                                                            \
  } while (0)

static int h5_attr(cs_ctx *ctx, const char *path, hid_t obj, const char *name, hid_t ft, hid_t mt,
                   const void *buf) {
  return cs_h5u_attr(ctx, "compare file", path, obj, name, ft, mt, 0, buf);
}

/* Dataset `name` of rank dims, written whole from buf, with optional units
** and long_name. */
static int h5_ds(cs_ctx *ctx, const char *path, hid_t f, hid_t str, const char *name, hid_t ft, hid_t mt,
                 int rank, const hsize_t *dims, const void *buf, const char *units, const char *long_name) {
  hid_t d = H5I_INVALID_HID;
  hsize_t n = 1;
  for (int i = 0; i < rank; i++) n *= dims[i];
  int rc = cs_h5u_dataset(ctx, "compare file", path, f, name, ft, rank, dims, NULL, NULL, &d);
  if (rc != CS_OK) goto done;
  if (n) H5TRY(H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), name);
  if (units && (rc = h5_attr(ctx, path, d, "units", str, str, &units))) goto done;
  if (long_name && (rc = h5_attr(ctx, path, d, "long_name", str, str, &long_name))) goto done;
done:
  if (d >= 0 && H5Dclose(d) < 0 && rc == CS_OK) rc = cs_err(ctx, CS_EIO, "compare file '%s': cannot close %s", path, name);
  return rc;
}

int cs_cmp_write_h5(cs_ctx *ctx, const cs_cmp_report *R, const char *path) {
  char tmp[4200];
  if (cs_outfile_tmp_name(path, tmp, sizeof tmp)) return cs_err(ctx, CS_EIO, "output path too long");
  const cs_sweep *sw = R->arms[0].sw;
  size_t A = (size_t)R->n_arms, V = A - 1, N = (size_t)R->reps, M = (size_t)R->n_metrics,
         T = (size_t)sw->n_samples, L = R->L;
  hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID, f = H5I_INVALID_HID, str = H5I_INVALID_HID;
  int rc = CS_OK;
  size_t big = A * N * (M > T ? M : T);
  double *buf = malloc((big + A + 1) * sizeof *buf);
  const char **s = calloc(A + M + 1, sizeof *s);
  char *labels = calloc(M + 1, 160); /* metric_label's strings, 160 bytes each */
  uint64_t *u = malloc((N + A * M + 1) * sizeof *u);
  if (!buf || !s || !u || !labels) {
    rc = cs_err(ctx, CS_ENOMEM, "out of memory");
    goto done;
  }
  H5TRY(str = H5Tcopy(H5T_C_S1), "make the string type");
  H5TRY(H5Tset_size(str, H5T_VARIABLE), "make the string type");
  H5TRY(H5Tset_cset(str, H5T_CSET_UTF8), "make the string type");
  H5TRY(fcpl = H5Pcreate(H5P_FILE_CREATE), "create the file");
  H5TRY(H5Pset_obj_track_times(fcpl, 0), "create the file");
  H5TRY(fapl = H5Pcreate(H5P_FILE_ACCESS), "create the file");
  H5TRY(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18), "create the file");
  H5TRY(f = H5Fcreate(tmp, H5F_ACC_EXCL, fcpl, fapl), "create the temporary file");
  {
    const char *kind = "conflictsim compare", *ver = cs_version(), *ci = CI_METHOD, *vr = R->branched ? VR_METHOD_BRANCHES : VR_METHOD,
               *pb = P_BETTER, *pw = P_WORSE, *cens = CENSORING;
    double lvl = CS_CMP_CI_LEVEL, days = sw->days, every = sw->sample_every;
    uint64_t seed = R->seed, reps = R->reps / cs_cmp_branches(R), B = (uint64_t)R->B, K = cs_cmp_branches(R);
    double at = R->branch_at;
    if (R->branched && ((rc = h5_attr(ctx, path, f, "branch_at", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &at)) ||
                        (rc = h5_attr(ctx, path, f, "branches", H5T_STD_U64LE, H5T_NATIVE_UINT64, &K))))
      goto done;
    if ((rc = h5_attr(ctx, path, f, "file_kind", str, str, &kind)) ||
        (rc = h5_attr(ctx, path, f, "conflictsim_version", str, str, &ver)) ||
        (rc = h5_attr(ctx, path, f, "master_seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &seed)) ||
        (rc = h5_attr(ctx, path, f, "replicates", H5T_STD_U64LE, H5T_NATIVE_UINT64, &reps)) ||
        (rc = h5_attr(ctx, path, f, "bootstrap_resamples", H5T_STD_U64LE, H5T_NATIVE_UINT64, &B)) ||
        (rc = h5_attr(ctx, path, f, "ci_method", str, str, &ci)) ||
        (rc = h5_attr(ctx, path, f, "ci_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &lvl)) ||
        (rc = h5_attr(ctx, path, f, "p_better", str, str, &pb)) ||
        (rc = h5_attr(ctx, path, f, "p_worse", str, str, &pw)) ||
        (rc = h5_attr(ctx, path, f, "censoring", str, str, &cens)) ||
        (rc = h5_attr(ctx, path, f, "variance_reduction_method", str, str, &vr)) ||
        (rc = h5_attr(ctx, path, f, "days", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &days)) ||
        (rc = h5_attr(ctx, path, f, "sample_every", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &every)))
      goto done;
    const char *pp = R->post ? R->post->path : "", *ps = R->post ? R->post->sha : "";
    if ((rc = h5_attr(ctx, path, f, "posterior_file", str, str, &pp)) ||
        (rc = h5_attr(ctx, path, f, "posterior_sha256", str, str, &ps)))
      goto done;
  }
  /* coordinates */
  hsize_t d1[1], d2[2], d3[3];
  d1[0] = A;
  for (size_t a = 0; a < A; a++) s[a] = R->arms[a].name;
  if ((rc = h5_ds(ctx, path, f, str, "arm", str, str, 1, d1, s, NULL, "arm: 0 the baseline, then the variants")))
    goto done;
  d1[0] = V;
  for (size_t v = 0; v < V; v++) s[v] = R->arms[v + 1].name;
  if ((rc = h5_ds(ctx, path, f, str, "variant", str, str, 1, d1, s, NULL, "variant: arm v + 1, against the baseline")))
    goto done;
  d1[0] = A;
  for (size_t a = 0; a < A; a++) s[a] = R->arms[a].scenario;
  if ((rc = h5_ds(ctx, path, f, str, "arm_scenario", str, str, 1, d1, s, NULL, "scenario file of the arm")))
    goto done;
  for (size_t a = 0; a < A; a++) s[a] = R->arms[a].sets_text;
  if ((rc = h5_ds(ctx, path, f, str, "arm_sets", str, str, 1, d1, s, NULL, "parameter overrides of the arm")))
    goto done;
  d1[0] = M;
  for (size_t m = 0; m < M; m++) s[m] = sw->metrics[m].name;
  if ((rc = h5_ds(ctx, path, f, str, "metric", str, str, 1, d1, s, NULL, "outcome metric (see the sweep file)")))
    goto done;
  for (size_t m = 0; m < M; m++) s[m] = cs_sweep_metric_units(sw, (int)m);
  if ((rc = h5_ds(ctx, path, f, str, "metric_units", str, str, 1, d1, s, NULL, "units of the metric"))) goto done;
  for (size_t m = 0; m < M; m++) s[m] = cs_plain_metric_label(sw, (int)m, labels + 160 * m, 160);
  if ((rc = h5_ds(ctx, path, f, str, "metric_label", str, str, 1, d1, s, NULL,
                  "plain label of the metric, for tables and figures (sim/batch/plain.h)")))
    goto done;
  for (size_t m = 0; m < M; m++) s[m] = cs_plain_unit(cs_sweep_metric_units(sw, (int)m));
  if ((rc = h5_ds(ctx, path, f, str, "metric_display_units", str, str, 1, d1, s, NULL,
                  "the unit a reader is shown: % for a share (units 1, shown times 100), people for persons")))
    goto done;
  for (size_t m = 0; m < M; m++) s[m] = cs_sweep_better_name(cs_sweep_metric_better(sw, (int)m));
  if ((rc = h5_ds(ctx, path, f, str, "metric_better", str, str, 1, d1, s, NULL,
                  "which way the metric is better: lower or higher (p_better counts differences that way)")))
    goto done;
  d1[0] = N;
  for (size_t r = 0; r < N; r++) u[r] = r;
  if ((rc = h5_ds(ctx, path, f, str, "replicate", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, d1, u, NULL,
                  R->branched ? "paired run j: replicate j / branches (pair_replicate), branch j % branches "
                                "(pair_branch); every arm uses the streams of (master_seed, replicate) re-keyed by "
                                "the branch at branch_at"
                              : "replicate r: every arm uses the streams of (master_seed, r)")))
    goto done;
  if (R->branched) {
    static const char *const REP[1] = {"replicate"};
    for (size_t r = 0; r < N; r++) u[r] = r / cs_cmp_branches(R);
    if ((rc = h5_ds(ctx, path, f, str, "pair_replicate", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, d1, u, NULL,
                    "replicate of paired run j (j / branches)")) ||
        (rc = cs_h5u_dims(ctx, "compare file", path, f, "pair_replicate", 1, REP)))
      goto done;
    for (size_t r = 0; r < N; r++) u[r] = r % cs_cmp_branches(R);
    if ((rc = h5_ds(ctx, path, f, str, "pair_branch", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, d1, u, NULL,
                    "branch of paired run j (j % branches): the runs of one replicate share the past up to branch_at")) ||
        (rc = cs_h5u_dims(ctx, "compare file", path, f, "pair_branch", 1, REP)))
      goto done;
    for (size_t r = 0; r < N; r++) u[r] = r;
  }
  if (R->post) {
    for (size_t r = 0; r < N; r++) u[r] = (uint64_t)R->post->draw[r / cs_cmp_branches(R)]; /* a replicate's branches share it */
    static const char *const REP[1] = {"replicate"};
    if ((rc = h5_ds(ctx, path, f, str, "posterior_particle", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, d1, u, NULL,
                    "particle of the posterior (posterior_file's /posterior) replicate r ran under, in every arm")) ||
        (rc = cs_h5u_dims(ctx, "compare file", path, f, "replicate", 1, REP)) ||
        (rc = cs_h5u_dims(ctx, "compare file", path, f, "posterior_particle", 1, REP)))
      goto done;
  }
  d1[0] = T;
  for (size_t t = 0; t < T; t++) buf[t] = cs_sample_time((long)t, sw->sample_every, sw->days);
  if ((rc = h5_ds(ctx, path, f, str, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, buf, "days",
                  "time since the start of the scenario")))
    goto done;
  /* per-replicate values (arm, replicate, metric) and differences (variant, replicate, metric) */
  d3[0] = A, d3[1] = N, d3[2] = M;
  for (size_t a = 0; a < A; a++)
    for (size_t r = 0; r < N; r++)
      for (size_t m = 0; m < M; m++) buf[(a * N + r) * M + m] = R->val[(a * N + r) * L + m];
  if ((rc = h5_ds(ctx, path, f, str, "values", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, buf, NULL,
                  "outcome metric of each run (arm, replicate, metric)")))
    goto done;
  d2[0] = A, d2[1] = M;
  for (size_t a = 0; a < A; a++)
    for (size_t m = 0; m < M; m++) {
      uint64_t n = 0;
      for (size_t r = 0; r < N; r++) {
        int rep;
        cs_cmp_value(R, (int)a, r, (int)m, &rep);
        n += (uint64_t)rep;
      }
      u[N + a * M + m] = n;
    }
  if ((rc = h5_ds(ctx, path, f, str, "censored", H5T_STD_U64LE, H5T_NATIVE_UINT64, 2, d2, u + N, NULL,
                  "runs whose NaN the statistics count at the horizon (fall_time: the node did not fall); "
                  "see the attribute censoring")))
    goto done;
  /* the differences the statistics use (cs_cmp_value), not of the NaN in values */
  d3[0] = V;
  for (size_t v = 0; v < V; v++)
    for (size_t r = 0; r < N; r++)
      for (size_t m = 0; m < M; m++)
        buf[(v * N + r) * M + m] = cs_cmp_value(R, (int)v + 1, r, (int)m, NULL) - cs_cmp_value(R, 0, r, (int)m, NULL);
  if ((rc = h5_ds(ctx, path, f, str, "difference", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, buf, NULL,
                  "paired difference variant - baseline per replicate (variant = arm - 1, replicate, metric), "
                  "a NaN that stands for the horizon replaced by it (attribute censoring)")))
    goto done;
  /* the summary (variant, metric) */
  d2[0] = V, d2[1] = M;
  static const char *const SN[] = {"baseline_mean", "variant_mean", "mean_difference", "ci_low", "ci_high",
                                   "p_better", "p_worse", "variance_reduction"};
  for (int k = 0; k < 8; k++) {
    for (size_t i = 0; i < V * M; i++) {
      const cs_cmp_stat *x = &R->st[i];
      const double y[] = {x->base_mean, x->var_mean, x->diff, x->lo, x->hi, x->p_better, x->p_worse, x->vr};
      buf[i] = y[k];
    }
    if ((rc = h5_ds(ctx, path, f, str, SN[k], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, buf, NULL,
                    "summary over replicates (variant, metric); see the file's attributes")))
      goto done;
  }
  /* trajectories (arm, time, replicate) */
  d3[0] = A, d3[1] = T, d3[2] = N;
  for (int k = 0; k < CS_CMP_N_TRAJ; k++) {
    for (size_t a = 0; a < A; a++)
      for (size_t t = 0; t < T; t++)
        for (size_t r = 0; r < N; r++) buf[(a * T + t) * N + r] = R->val[(a * N + r) * L + M + (size_t)k * T + t];
    if ((rc = h5_ds(ctx, path, f, str, cs_cmp_traj_names[k], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, buf,
                    cs_cmp_traj_units[k], "city trajectory of each run (arm, time, replicate)")))
      goto done;
    hid_t d = H5Dopen2(f, cs_cmp_traj_names[k], H5P_DEFAULT);
    const char *lab = cs_cmp_traj_labels[k], *du = cs_plain_unit(cs_cmp_traj_units[k]);
    H5TRY(d, "open a trajectory");
    rc = h5_attr(ctx, path, d, "label", str, str, &lab);
    if (rc == CS_OK) rc = h5_attr(ctx, path, d, "display_units", str, str, &du);
    if (H5Dclose(d) < 0 && rc == CS_OK) rc = cs_err(ctx, CS_EIO, "compare file '%s': cannot close a trajectory", path);
    if (rc) goto done;
  }
  /* named axes: every dataset's dimensions labelled by the coordinate datasets */
  {
    static const char *const ARM[] = {"arm"}, *const METRIC[] = {"metric"}, *const VALUES[] = {"arm", "replicate", "metric"},
                             *const DIFF[] = {"variant", "replicate", "metric"}, *const SUMMARY[] = {"variant", "metric"},
                             *const TRAJ[] = {"arm", "time", "replicate"}, *const CENSORED[] = {"arm", "metric"};
    static const char *const SELF[] = {"arm", "variant", "metric", "replicate", "time"};
    for (int k = 0; k < 5 && rc == CS_OK; k++) rc = cs_h5u_dims(ctx, "compare file", path, f, SELF[k], 1, &SELF[k]);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "arm_scenario", 1, ARM);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "arm_sets", 1, ARM);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "metric_units", 1, METRIC);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "metric_better", 1, METRIC);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "metric_label", 1, METRIC);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "metric_display_units", 1, METRIC);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "censored", 2, CENSORED);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "values", 3, VALUES);
    if (rc == CS_OK) rc = cs_h5u_dims(ctx, "compare file", path, f, "difference", 3, DIFF);
    for (int k = 0; k < 8 && rc == CS_OK; k++) rc = cs_h5u_dims(ctx, "compare file", path, f, SN[k], 2, SUMMARY);
    for (int k = 0; k < CS_CMP_N_TRAJ && rc == CS_OK; k++) rc = cs_h5u_dims(ctx, "compare file", path, f, cs_cmp_traj_names[k], 3, TRAJ);
  }
done:
  if (f >= 0 && H5Fclose(f) < 0 && rc == CS_OK) rc = cs_err(ctx, CS_EIO, "compare file '%s': cannot close", path);
  if (fapl >= 0) H5Pclose(fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  if (str >= 0) H5Tclose(str);
  free(buf);
  free(s);
  free(labels);
  free(u);
  if (f < 0 && rc != CS_OK) return rc; /* nothing was created */
  return cs_outfile_commit(ctx, "compare report", tmp, path, rc);
}
