/* script_int.h: the scripting layer's private state, for the files of sim/script only.
**
** script.c owns the sandbox: the lua_State, its allocator (which enforces the
** memory cap), the instruction budget, math.random, and the single entry from
** C into Lua (cs_script_pcall). script_api.c owns the scenario API while the
** scenario loads: the declaration functions and their records; script_sim.c
** the `sim` object handed to callbacks and the hooks the model calls during a
** run; script_check.c the argument checks the bindings share; script_bound.c
** the charged library functions; script_sweep.c the sweep file's reader;
** script_targets.c and script_priors.c the targets and priors files' readers,
** script_target_fns.c the targets' fn() statistics on a run.
**
** Invariants:
** - Outside cs_script_pcall, no Lua API function that can raise is called;
**   the Lua stack is empty between calls (so LUA_MINSTACK slots are free).
** - Declarations are collected in C arrays while the script runs and added to
**   the world, in declaration order, once the body has run (so a node's owner
**   and a road's ends may name things declared later); each keeps the
**   "path:line: " of its declaration for the errors found then.
** - Everything the scenario allocates (Lua heap and declaration records) is
**   counted in mem_used and capped at limits.mem_bytes.
** - Callbacks live in registry tables (timers by id, handlers by event kind,
**   `when` pairs in order) and are only ever visited by integer index, so
**   their order never depends on a hash. */
#ifndef CS_SCRIPT_INT_H
#define CS_SCRIPT_INT_H

#include <lua.h>

#include "cs_rng.h"
#include "cs_script.h"

typedef struct sdecl_node {
  cs_node_decl d;   /* strings point into owned copies below */
  char *owner;      /* owner as written: "STATE", "CONTESTED" or a gang id */
  char *where;      /* "path:line: " of the declaration */
} sdecl_node;

typedef struct sdecl_road {
  char *a, *b, *where;
  double km;
} sdecl_road;

typedef struct sdecl_gang {
  cs_gang_decl d;
  char *base, *where;
} sdecl_gang;

typedef struct sdecl_coal {
  char *id, *where;
  char **members;
  int n_members, cap_members;
  double cohesion;
} sdecl_coal;

typedef struct sdecl_rival {
  char *a, *b, *where; /* two gang ids */
} sdecl_rival;

typedef struct sdecl_unit {
  cs_unit_decl d;
  char *at, *where; /* at NULL: off the map */
} sdecl_unit;

typedef struct sdecl_disp {   /* displaced{} (script_displaced.c) */
  char *origin, *at, *controller, *where; /* as written */
  int64_t n, sites;
} sdecl_disp;

/* A file the scenario read besides itself (script_files.c): a module or a
** data file, for the run file's provenance. */
typedef struct sfile {
  int kind;         /* CS_SCRIPT_FILE_MODULE or CS_SCRIPT_FILE_DATA */
  char *path;       /* relative to the scenario's folder, '/'-separated */
  char *src;        /* the bytes (NUL-terminated), NULL if not kept */
  size_t len;       /* size of the file in bytes */
  char sha[65];     /* SHA-256, lowercase hex */
} sfile;

typedef struct stimer {
  double t0;    /* first firing (absolute days) */
  double every; /* > 0: re-armed every `every` days; 0: fires once */
} stimer;

struct cs_script {
  lua_State *L;
  cs_world *w;            /* owned by the caller after a successful load */
  char *path;             /* as given */
  char *src;              /* the file's bytes, NUL-terminated */
  size_t src_len;
  cs_script_limits lim;
  int quiet;
  cs_script_log_fn log;   /* where sim:log and print lines go; NULL: stderr */
  void *log_ud;
  /* memory */
  size_t mem_used;        /* Lua heap + declaration records */
  size_t mem_slack;       /* extra bytes allowed while reporting an error */
  /* instruction budget */
  uint64_t budget;        /* instructions allowed for the current entry */
  uint64_t used;          /* counted so far (in steps of CS_SCRIPT_HOOK_STEP) */
  uint64_t run_used;      /* all callbacks of the run so far */
  int counting_run;       /* 1 once the hooks are installed */
  int run_exhausted;      /* the run budget is spent: every callback fails at once */
  int exhausted;          /* budget ran out: the hook fires on every instruction */
  /* state of the run */
  int loading;            /* 1 while the scenario body runs */
  int failed;             /* a callback failed: hooks return CS_ESCRIPT at once */
  int depth;              /* nesting of hook calls into Lua */
  cs_pcg32 rng;           /* math.random: (seed, replicate, CS_ENT_SCRIPT, 0, 0) */
  char errbuf[CS_ERRMSG_MAX];
  char traceback[2048];   /* stack traceback of the last error, "" if none */
  char cb[64];            /* the callback running, for its errors: "at", "on(\"takeover\")" */
  /* --set overrides (borrowed for the duration of cs_script_load) */
  const cs_override *sets;
  size_t n_sets;
  unsigned char *set_used;
  /* scenario{} */
  int have_scenario;
  char *start;            /* informational start date, or NULL */
  /* declarations, in order */
  sdecl_node *nodes; int n_nodes, cap_nodes;
  sdecl_road *roads; int n_roads, cap_roads;
  sdecl_gang *gangs; int n_gangs, cap_gangs;
  sdecl_coal *coals; int n_coals, cap_coals;
  sdecl_rival *rivals; int n_rivals, cap_rivals;
  sdecl_unit *units; int n_units, cap_units;
  sdecl_disp *disps; int n_disps, cap_disps; /* script_displaced.c */
  /* timers: id i is timers[i]; its function is registry timer table [i + 1] */
  stimer *timers; int n_timers, cap_timers;
  int n_on[CS_EK_COUNT];  /* handlers per event kind */
  int n_when;             /* `when` entries */
  int when_pending;       /* `when` entries that have not fired */
  /* files read besides the scenario (script_files.c); all counted in mem_used */
  char *dir;              /* real path of the scenario's folder, NULL until needed */
  size_t dir_cap;         /* bytes counted for dir */
  sfile *files; int n_files, cap_files;
  /* events reported while a callback runs, delivered when it returns */
  cs_event_rec *pending; int n_pending, cap_pending, pending_head;
};

/* Instructions between two calls of the count hook. */
#define CS_SCRIPT_HOOK_STEP 1000

/* Registry keys (light userdata addresses would do; strings are clearer). */
#define CS_REG_TIMERS "cs.timers"   /* array of functions by timer id + 1 */
#define CS_REG_ON "cs.on"           /* array by kind + 1 of arrays of functions */
#define CS_REG_WHEN "cs.when"       /* array of {cond, fn, fired} */
#define CS_REG_SIM "cs.sim"         /* the sim userdata */
#define CS_REG_FORMAT "cs.format"   /* the original string.format */
#define CS_SIM_MT "cs.Sim"
#define CS_REG_MODULES "cs.modules"   /* module name -> its value (a mark while it loads) */
#define CS_REG_MODSTACK "cs.modstack" /* array: the names of the modules loading, outermost first */

/* ---- script.c ---- */

/* The only entry from C into Lua: run f(L) (f gets `arg` as a light userdata
** at index 1) in a protected call with a traceback message handler and a
** fresh instruction budget of `budget`. On error, writes "path:line: message"
** to s->errbuf and returns CS_ESCRIPT (also for a memory error). The Lua
** stack is left as it was. Nested calls (a hook run from inside a callback)
** save and restore the enclosing budget. */
int cs_script_pcall(cs_script *s, lua_CFunction f, void *arg, uint64_t budget);

/* Turn the error of a callback in s->errbuf ("path:line: message") into
** "path:line: message (callback KIND at day D)" followed by "\ntraceback:"
** and at most CS_SCRIPT_TRACE_LEVELS frames of the Lua traceback, one per
** line indented by two spaces (the sandbox's own C frames left out), cut to
** fit s->errbuf. Memory errors have no traceback (Lua runs no handler for
** them), so their message ends after the parenthesis. Does not raise. */
#define CS_SCRIPT_TRACE_LEVELS 5
void cs_script_callback_error(cs_script *s, const char *kind, double day);

/* Write one log line (sim:log, print) through the log hook, unless quiet. */
void cs_script_log(cs_script *s, const char *line);

/* Give the current callback a fresh budget (inside cs_script_pcall). */
void cs_script_budget_reset(cs_script *s, uint64_t budget);

/* Charge `cost` instruction steps of work done by a C function (`what`, for
** the message) to the current budget; raises the budget error if it does not
** fit in what is left. */
void cs_script_charge(lua_State *L, uint64_t cost, const char *what);

/* Raise "fn: the run has ended ..." once the world has run: a sweep's metric
** reads the final state, and must not change it (nor add callbacks). */
void cs_script_check_live(lua_State *L, const char *fn);

/* Read a scenario or sweep file (`what` names it in messages) into a
** NUL-terminated malloc'd buffer. Refuses what is not a regular file
** (directories, devices, FIFOs) and files larger than CS_SCRIPT_MAX_SOURCE. */
#define CS_SCRIPT_MAX_SOURCE (64 << 20)
int cs_script_read_source(cs_ctx *ctx, const char *path, const char *what, char **out, size_t *out_len);
/* The text of a sweep, targets or priors file: a NUL-terminated copy of
** src[src_len] when src is not NULL (a file stored in a shard, a test),
** else the file at path read as cs_script_read_source does. */
int cs_script_source_or_file(cs_ctx *ctx, const char *path, const char *what, const char *src, size_t src_len,
                             char **out, size_t *out_len);
/* The same from fd, open for reading (O_NONBLOCK allowed: cleared once the
** file is known to be regular); path names it in messages. Closes fd in
** every case. */
int cs_script_read_fd(cs_ctx *ctx, int fd, const char *path, const char *what, char **out, size_t *out_len);

/* ---- script_bound.c ---- */

/* Replace string.find, match, gmatch, gsub, rep and table.move by versions
** that charge their worst case (cs_script_charge). Raises. */
void cs_script_bound_open(lua_State *L);

/* The script from a lua_State (stored in the allocator's ud). */
cs_script *cs_script_from(lua_State *L);

/* Allocate n zeroed bytes for declaration records, counted against the
** memory cap; raises a Lua error if over it. cs_script_dealloc gives them
** back (n must be the size allocated). */
void *cs_script_alloc(lua_State *L, size_t n);
char *cs_script_strdup(lua_State *L, const char *str);
void cs_script_dealloc(cs_script *s, void *p, size_t n);
void cs_script_freestr(cs_script *s, char *str);

/* The traceback of the last error (for diagnostics), "" if none. */
const char *cs_script_traceback(const cs_script *s);

/* Evaluate a Lua text that is not a scenario (a sweep file) in the same
** sandbox: a fresh state with the libraries, limits and error reporting of a
** scenario but without the scenario API. Inside one protected call with the
** load budget of lim (NULL: defaults): setup(L) runs with the stack [ud]
** (it may install globals), then the chunk runs, then read(L) runs with the
** stack [ud, v], v being the chunk's first return value (nil if none).
** setup and read may raise; errors come back as CS_ESCRIPT with
** "path:line: message" in ctx. math.random draws from (0, 0, CS_ENT_SCRIPT).
** Nothing of the state survives the call. */
int cs_script_eval(cs_ctx *ctx, const char *path, const char *src, size_t len,
                   const cs_script_limits *lim, lua_CFunction setup, lua_CFunction read,
                   void *ud);

/* ---- script_api.c ---- */

/* Install the scenario globals (scenario, param, P, model, node, road, gang,
** coalition, unit, displaced, at, every, on, when) and the sim metatable. Raises. */
void cs_script_api_open(lua_State *L);
/* Apply the model-parameter --set overrides (before the body). Raises. */
void cs_script_api_presets(lua_State *L);
/* After the body: remaining overrides, declarations into the world,
** finalize, timers. Raises with "path:line: message" or "path: message". */
void cs_script_api_finish(lua_State *L);
/* Release the declaration records. */
void cs_script_api_free(cs_script *s);
/* The hooks to install on the world (ud = s). */
void cs_script_hooks(cs_script *s, cs_hooks *out);

/* ---- script_displaced.c: displaced{} ---- */
int cs_script_l_displaced(lua_State *L);        /* the global displaced{} */
void cs_script_displaced_finish(lua_State *L);  /* into the world, before finalize. Raises. */
void cs_script_displaced_free(cs_script *s);

/* ---- script_files.c: modules and data files ---- */

/* Install require, csv and nodes_from (after cs_script_api_open). Raises. */
void cs_script_files_open(lua_State *L);
/* Release the records of the files read (cs_script_free). */
void cs_script_files_free(cs_script *s);

/* ---- script_check.c: argument and field checks ----
** Each returns what was asked for or raises (luaL_error, with the caller's
** "path:line: "); used by script_api.c and script_sim.c. */

/* A declaration table being checked: the Lua state, its stack index, and a
** description for messages ("node 'solino'"). */
typedef struct dtab {
  lua_State *L;
  int t;
  char what[160];
} dtab;

/* A short description of the value at idx ("'x'", "3", "nil", "a table")
** into buf[n], for messages. Does not raise. */
void cs_script_describe(lua_State *L, int idx, char *buf, size_t n);
/* Raise "fn can only be used while the scenario loads" outside the load. */
void cs_script_need_loading(lua_State *L, const char *fn);
/* Push field k of c, read raw (no metamethod); returns its type. */
int cs_script_field(dtab *c, const char *k);
/* Raise "WHAT: field 'k' must be EXPECTED, got ..." for the value on top. */
int cs_script_bad_field(dtab *c, const char *k, const char *expected);
/* Report the first (in byte order) key of c not in allowed, a NULL-ended list. */
void cs_script_check_unknown(dtab *c, const char *const *allowed);
/* Optional string field k of c (def if absent; required if req). */
const char *cs_script_opt_str(dtab *c, const char *k, const char *def, int req);
/* Optional number field k of c in [lo, hi] (def if absent; required if req);
** `expected` describes the range in messages. */
double cs_script_opt_num(dtab *c, const char *k, double def, int req, double lo, double hi,
                         const char *expected);
/* Optional count field k of c (a non-negative integer; an integral float is
** fine); def if absent, required if req. */
int64_t cs_script_opt_count(dtab *c, const char *k, int64_t def, int req);
/* Argument idx as a count (a non-negative integer), or a Lua error. */
int64_t cs_script_check_count(lua_State *L, int idx, const char *fn, const char *arg);
/* A Lua error carrying the world's last message, prefixed by fn. */
int cs_script_world_error(lua_State *L, const char *fn);

/* ---- shared by script_api.c and script_sim.c ---- */

/* Set parameter name from the Lua value at idx (type-checked). */
void cs_script_set_param_value(lua_State *L, const char *fn, const char *name, int idx);
/* Check a unit{} (or add_force{}) table into d; *at gets the node id named. */
const char *cs_script_parse_unit(dtab *c, cs_unit_decl *d, const char **at, int force);
/* Push a party code as "STATE", "CONTESTED" or a gang id (nil if none). */
void cs_script_push_party(lua_State *L, int party);
/* Push a new table of the sim object's methods (script_sim.c). */
void cs_script_sim_methods(lua_State *L);
/* Push a new table of the sim's state queries (no intervention), each
** called as t:name(...) on the script's world: what sweep metrics and
** targets' fn() statistics see of the final state (script_sim.c). Raises. */
void cs_script_push_readonly_sim(lua_State *L);
/* ---- script_targets.c ---- */

/* Install `targets` and the statistics' constructors (count, ratio, value,
** fled, gang_share, fn) into the table at env, with a new book (the table
** that knows what they made: book[statistic] = its record, book.fns the
** functions of fn() calls by number, book.nfn their count, book.list what
** targets{} was given); leaves the book on the stack. Raises. */
void cs_script_targets_open(lua_State *L, int env);

/* Add the city's queries and structure changes (script_city.c) to the table
** on top of the stack. */
void cs_script_city_methods(lua_State *L);

#endif
