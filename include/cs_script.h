/* cs_script.h: scenarios written in Lua 5.4, run in a sandbox.
**
** A scenario script is code from other people. It runs with only the base,
** table, string, math and utf8 libraries (no io, os, package, debug, dofile,
** loadfile, collectgarbage, string.dump; load takes text only), under a memory
** cap and an instruction budget for loading and for each callback. Any error
** in it, including exhausting a limit, is reported as "file:line: message"
** and never crashes the engine. math.random draws from the scenario's own
** PCG stream, derived from (seed, replicate). */
#ifndef CS_SCRIPT_H
#define CS_SCRIPT_H

#include "cs_layers.h"
#if defined(CS_LAYER) && (CS_LAYER < CS_LAYER_SCRIPT || CS_LAYER == CS_LAYER_IO)
#error "cs_script.h is the Lua layer's: only sim/script, sim/batch and sim/cli include it"
#endif

#include "cs_sweep.h"
#include "cs_targets.h"
#include "cs_world.h"

typedef struct cs_script_limits {
  size_t mem_bytes;               /* cap on the Lua heap */
  uint64_t load_instructions;     /* budget for running the script once */
  uint64_t callback_instructions; /* budget for each callback */
  uint64_t run_instructions;      /* budget for all callbacks of a run together
                                     (each call costs at least 1,000), so that a
                                     timer every 1e-9 days cannot stall a run */
} cs_script_limits;

/* Defaults: 256 MiB, 100 million, 10 million, 20 billion. */
void cs_script_limits_default(cs_script_limits *l);

/* One --set name=value from the command line. */
typedef struct cs_override {
  const char *name;
  const char *value;
} cs_override;

typedef struct cs_script cs_script;

/* Load and run the scenario at path: build a world from its declarations,
** apply the overrides (checked against declared and model parameters; an
** unknown name or a value of the wrong type is an error), finalize the world,
** and install the script's interventions as hooks. On CS_OK the caller owns
** *world_out and *out, and must free the script before the world. When
** quiet is 0, sim:log messages go to stderr. */
int cs_script_load(cs_ctx *ctx, const char *path, const cs_script_limits *lim,
                   const cs_override *sets, size_t n_sets, uint64_t seed,
                   uint64_t replicate, int quiet, cs_world **world_out,
                   cs_script **out);
void cs_script_free(cs_script *s);

/* Where the script's log lines go: sim:log ("[day 12.50] message") and
** print(). log(ud, line) gets one line without its newline; NULL (the
** default) writes it to stderr. Never called when the script is quiet. The
** command line passes its progress line's cs_progress_log here, so a log line
** clears the progress line first; this layer knows nothing of terminals. */
typedef void (*cs_script_log_fn)(void *ud, const char *line);
void cs_script_set_log(cs_script *s, cs_script_log_fn log, void *ud);

/* Evaluate the metric functions of a sweep file on the world's current state
** (after cs_world_run: the final state). The sweep text src (named
** sweep_path in messages) is run again in this script's sandbox, in its own
** environment over the scenario's globals, with `sweep{...}` capturing its
** table; then for i < n, metrics[names[i]] (a function, or a table whose
** [1] is one) is called with a read-only `sim` (the state queries of the
** scenario API, no interventions) under the callback instruction budget and
** must return a number, stored in out[i]. Errors: CS_ESCRIPT with
** "SWEEP: metric 'NAME': file:line: message". */
int cs_script_metrics(cs_ctx *ctx, cs_script *s, const char *sweep_path, const char *src, size_t len,
                      const char *const *names, int n, double *out);

/* Read a sweep file: its text src (src_len bytes; NULL: read the file at
** path, which names it in messages) is evaluated in the sandbox, under the
** default limits and without the scenario API; it returns its table, or
** passes it to sweep{...}. The table's fields are checked and copied into
** *out (cs_sweep.h). Nothing of the scenario is loaded: the scenario path is
** only resolved against the sweep file's directory. On CS_OK the caller owns
** the fields of *out (cs_script_sweep_clear releases them); on failure *out
** is untouched and ctx holds the message: CS_ESCRIPT with "path:line: ..."
** for an error in the file (a malformed field: "path:line: sweep: ..."), or
** why the file could not be read. */
int cs_script_sweep_read(cs_ctx *ctx, const char *path, const char *src, size_t src_len, cs_sweep_spec *out);
/* Release the fields of sw and zero it (NULL is accepted). */
void cs_script_sweep_clear(cs_sweep_spec *sw);

/* Read a targets file (the language: scenarios/README.md, "Targets
** files"): its text src (src_len bytes; NULL: read the file at path) is
** evaluated in the sandbox of sweep files and its list checked and copied
** into *out (cs_targets.h). With include_holdout == 0 the entries marked
** holdout = true are dropped before any other of their fields is read. On
** CS_OK the caller owns the fields of *out (cs_script_targets_clear); on
** failure *out is untouched and ctx says why: CS_ESCRIPT with "path:line:
** message" or "path: target 'NAME': ..." naming the field, or why the file
** could not be read. */
int cs_script_targets_read(cs_ctx *ctx, const char *path, const char *src, size_t src_len, int include_holdout,
                           cs_targets_spec *out);
void cs_script_targets_clear(cs_targets_spec *sp);

/* Evaluate the fn() statistics of a targets file on the world's state after
** cs_world_run. The targets text src (named path in messages) is run again in
** this script's sandbox, in its own environment over the scenario's globals;
** it must make n_fn fn() calls, as when it was read. Then for i < n, the
** function of fn() call fn_index[i] is called with a `run` object (the state
** queries of the scenario's sim, run:value(VAR, DATE) on the city variables
** of *run, run:day(DATE)) under the callback instruction budget, and must
** return a number (nil: NaN, the run cannot compute it), stored in out[i].
** Errors: CS_ESCRIPT with "PATH: target 'NAMES[i]': fn(): file:line: ...". */
int cs_script_target_fns(cs_ctx *ctx, cs_script *s, const char *path, const char *src, size_t len, int n_fn,
                         const cs_run_view *run, const int *fn_index, const char *const *names, int n,
                         double *out);

/* Read a priors file (scenarios/README.md, "Priors files") into *out,
** sorted by name, in the sandbox of sweep files. Ownership and errors as
** for cs_script_targets_read. */
int cs_script_priors_read(cs_ctx *ctx, const char *path, const char *src, size_t src_len, cs_priors_spec *out);
void cs_script_priors_clear(cs_priors_spec *sp);

/* The script's source text as read (borrowed until cs_script_free). */
const char *cs_script_source(const cs_script *s, size_t *len);
const char *cs_script_path(const cs_script *s);

/* The files a scenario read besides itself, in the order first read:
** modules (require) and data files (csv). Every field is borrowed until
** cs_script_free. */
enum { CS_SCRIPT_FILE_MODULE = 0, CS_SCRIPT_FILE_DATA = 1 };
typedef struct cs_script_file {
  int kind;           /* CS_SCRIPT_FILE_MODULE or CS_SCRIPT_FILE_DATA */
  const char *path;   /* relative to the scenario's folder, '/'-separated */
  const char *source; /* the file's text, or NULL if not kept (a data file
                         over CS_SCRIPT_DATA_KEEP bytes) */
  size_t len;         /* the file's size in bytes */
  const char *sha256; /* 64 lowercase hex digits */
} cs_script_file;
/* Data files up to this size are kept whole in the provenance; larger ones
** only by their SHA-256. Modules are always kept. */
#define CS_SCRIPT_DATA_KEEP ((size_t)1 << 20)
int cs_script_n_files(const cs_script *s);
void cs_script_file_get(const cs_script *s, int i, cs_script_file *out);

#endif
