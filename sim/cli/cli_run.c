/* cli_run.c: `conflictsim run`: load a scenario, run it once, write the HDF5
** file, print where it went and a short summary. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cs_h5.h"
#include "cs_script.h"
#include "posterior.h"
#include "progress.h"

static const char *RUN_USAGE =
    "usage: conflictsim run SCENARIO.lua [options]\n"
    "\n"
    "Run one scenario and write its trajectories and event log to HDF5\n"
    "(layout: output/README.md).\n"
    "\n"
    "options:\n"
    "  -o, --output FILE      output file (default output/<scenario>-s<seed>-r<replicate>.h5)\n"
    "  --seed N               master seed, an integer in [0, 2^64) (default 1)\n"
    "  --replicate R          replicate number (default 0); streams derive from (seed, replicate)\n"
    "  --set NAME=VALUE       override a parameter (repeatable); unknown names are an error\n"
    "  --posterior FILE       run under draw R (the --replicate) of the posterior of a\n"
    "                         calibration file: the same parameters as replicate R of\n"
    "                         `validate --posterior FILE --replicates N` and `compare\n"
    "                         --posterior` with the same --seed; the calibration's\n"
    "                         own --set values (e.g. v2=true) apply too; --set wins\n"
    "                         over both\n"
    "  --draws N              the N of those draws (default 20, validate's default;\n"
    "                         the replicate must be below it)\n"
    "  --events LEVEL         rows of the event log the file keeps: all (default),\n"
    "                         conflict (all but the households' flight, relocation\n"
    "                         and return rows), none (no rows); the run itself is\n"
    "                         the same (output/README.md, \"How much of the log\")\n"
    "  --branch-at DAY        many futures from one past: after every event at\n"
    "                         t <= DAY (0 <= DAY < the scenario's days) every random\n"
    "                         stream is re-keyed by a branch id and every pending\n"
    "                         exponential waiting time redrawn (sim/README.md,\n"
    "                         \"Branching\"); the runs are identical up to DAY\n"
    "  --branches K           run branches 0 .. K-1 (1 <= K <= 10000, default 1), one\n"
    "                         file each: FILE's .h5 becomes -b<k>.h5 (default name\n"
    "                         output/<scenario>-s<seed>-r<replicate>-b<k>.h5); each\n"
    "                         has a scalar coordinate `branch` and attributes branch_at\n"
    "                         and branch (output/README.md, \"Branches\")\n"
    "  --branch B             run branch B only, into FILE as given\n"
    "  --quiet                no progress line, no summary, no script log\n"
    "  --mem-limit MB         cap on the scenario's Lua heap (default 256)\n"
    "  --load-budget N        instruction budget for loading the script (default 100000000)\n"
    "  --callback-budget N    instruction budget for each script callback (default 10000000)\n"
    "  --run-budget N         instruction budget for all callbacks of the run (default 2e10)\n"
    "  -h, --help             show this help\n";

int cli_exit_code(int rc) {
  switch (rc) {
  case CS_OK: return EXIT_OK;
  case CS_ESCRIPT:
  case CS_EINVAL: return EXIT_SCENARIO;
  case CS_EIO: return EXIT_IO;
  case CS_ENOMEM: return EXIT_NOMEM;
  case CS_ESTOP: return EXIT_STOPPED;
  default: return EXIT_FAIL;
  }
}

int cli_parse_u64(const char *s, uint64_t *out) {
  if (!s || !*s || *s == '-' || *s == '+') return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end) return -1;
  *out = (uint64_t)v;
  return 0;
}

int cli_branch_option(const char *cmd, int argc, char **argv, int *i, int allow_one, cli_branch *b) {
  const char *a = argv[*i];
  int is_at = strcmp(a, "--branch-at") == 0, is_k = strcmp(a, "--branches") == 0;
  int is_one = allow_one && strcmp(a, "--branch") == 0;
  if (!is_at && !is_k && !is_one) return 0;
  if (*i + 1 >= argc) {
    fprintf(stderr, "conflictsim %s: option %s needs a value\n", cmd, a);
    return -1;
  }
  const char *val = argv[++*i];
  if (is_at) {
    char *end = NULL;
    errno = 0;
    double d = strtod(val, &end);
    if (!*val || errno || *end || !(d >= 0) || !isfinite(d)) {
      fprintf(stderr, "conflictsim %s: --branch-at must be a day >= 0 (before the scenario's end), got '%s'\n",
              cmd, val);
      return -1;
    }
    b->on = 1;
    b->at = d;
  } else if (is_k) {
    if (cli_parse_u64(val, &b->k) || b->k < 1 || b->k > CLI_BRANCHES_MAX) {
      fprintf(stderr, "conflictsim %s: --branches must be an integer in [1, %d], got '%s'\n", cmd,
              CLI_BRANCHES_MAX, val);
      return -1;
    }
    b->k_given = 1;
  } else {
    if (cli_parse_u64(val, &b->first) || b->first >= CLI_BRANCHES_MAX) {
      fprintf(stderr, "conflictsim %s: --branch must be an integer in [0, %d), got '%s'\n", cmd, CLI_BRANCHES_MAX,
              val);
      return -1;
    }
    b->first_given = 1;
  }
  return 1;
}

int cli_branch_check(const char *cmd, const cli_branch *b) {
  if ((b->k_given || b->first_given) && !b->on) {
    fprintf(stderr, "conflictsim %s: %s needs --branch-at DAY\n", cmd, b->k_given ? "--branches" : "--branch");
    return -1;
  }
  if (b->k_given && b->first_given) {
    fprintf(stderr, "conflictsim %s: give --branches K (branches 0 .. K-1) or --branch B (one), not both\n", cmd);
    return -1;
  }
  return 0;
}

int cli_parse_set(const char *cmd, const char *val, cs_override *out) {
  const char *eq = val ? strchr(val, '=') : NULL;
  if (!eq || eq == val) {
    fprintf(stderr, "conflictsim %s: --set takes NAME=VALUE, got '%s'\n", cmd, val ? val : "");
    return EXIT_USAGE;
  }
  char *name = strndup(val, (size_t)(eq - val));
  if (!name) return EXIT_NOMEM;
  out->name = name;
  out->value = eq + 1;
  return EXIT_OK;
}

void cli_print_settings(FILE *out, const char *prefix, const cs_posterior *p, const cs_override *given,
                        size_t n_given) {
  int used = 0, over = 0;
  for (int i = 0; i < p->n_sets; i++) {
    int named = 0;
    for (size_t g = 0; g < n_given && !named; g++) named = !strcmp(given[g].name, p->sets[i].name);
    if (named) continue;
    fprintf(out, "%s%s %s=%s", used ? "" : prefix, used ? "" : "the calibration's own settings:", p->sets[i].name,
            p->sets[i].value);
    used = 1;
  }
  if (used) fputs(" (from the posterior's file)\n", out);
  for (int i = 0; i < p->n_sets; i++)
    for (size_t g = 0; g < n_given; g++)
      if (!strcmp(given[g].name, p->sets[i].name)) {
        if (!strcmp(given[g].value, p->sets[i].value)) break; /* the same value: nothing to say */
        fprintf(out, "%s%s %s=%s", over ? "" : prefix, over ? "" : "--set replaces the calibration's own", p->sets[i].name,
                p->sets[i].value);
        over = 1;
        break;
      }
  if (over) fputs("\n", out);
}

/* A sink that forwards to the HDF5 sink and draws the progress line: the
** simulated day, days per second, the time left (progress.h). */
typedef struct progress {
  const cs_sink *inner;
  cs_progress line;
  long long events, observed;         /* rows logged, rows reported (the observed log) */
  long long engagements, eng_observed; /* the same for engagements */
} progress;

static int pr_begin(void *ud, const cs_world *w) {
  progress *p = ud;
  p->line.total = cs_world_days(w);
  return p->inner->begin(p->inner->ud, w);
}
static int pr_sample(void *ud, const cs_sample *s) {
  progress *p = ud;
  cs_progress_update(&p->line, s->t);
  return p->inner->sample(p->inner->ud, s);
}
static int pr_event(void *ud, const cs_event_rec *e) {
  progress *p = ud;
  p->events++;
  p->observed += e->observed != 0;
  if (e->kind == CS_EK_ENGAGEMENT) {
    p->engagements++;
    p->eng_observed += e->observed != 0;
  }
  return p->inner->event(p->inner->ud, e);
}
static int pr_end(void *ud, int status) {
  progress *p = ud;
  cs_progress_end(&p->line);
  return p->inner->end(p->inner->ud, status);
}

/* The observed log is "nearly empty" when a run logged at least
** WARN_MIN_EVENTS events and fewer than WARN_SHARE of them were reported, or
** at least WARN_MIN_ENG engagements and none of them was: with the default
** media reach (0.5) a town's runs report ~30% of events and ~30-60% of
** engagements (tests/towns, scenarios/README.md "The tempo of a city"), so
** either condition means reporting is (nearly) off, almost always because
** nodes were declared with media = 0. */
#define WARN_MIN_EVENTS 100
#define WARN_SHARE 0.01
#define WARN_MIN_ENG 10
static void warn_observed(const progress *p) {
  int few = p->events >= WARN_MIN_EVENTS && (double)p->observed < WARN_SHARE * (double)p->events;
  int no_eng = p->engagements >= WARN_MIN_ENG && p->eng_observed == 0;
  if (!few && !no_eng) return;
  char line[640];
  snprintf(line, sizeof line,
           "conflictsim: warning: the observed log is nearly empty: %lld of %lld events and %lld of %lld "
           "engagements were reported. Reporting follows the media reach of the nodes where events happen "
           "(node{ media = }, default 0.5; 0 turns reporting off there). Raise media on the nodes (or "
           "sim:set_media), unless the scenario means to have no reporting.",
           p->observed, p->events, p->eng_observed, p->engagements);
  cs_progress_log(NULL, line); /* the progress line has been erased: a plain line on stderr */
}

static cs_world *volatile g_running = NULL;
static void on_signal(int sig) {
  (void)sig;
  cs_world *w = g_running;
  if (w) cs_world_stop(w);
}

static void default_output(const char *scenario, uint64_t seed, uint64_t rep, char *out, size_t cap) {
  const char *base = strrchr(scenario, '/');
  base = base ? base + 1 : scenario;
  size_t n = strlen(base);
  if (n > 4 && strcmp(base + n - 4, ".lua") == 0) n -= 4;
  if (n > 200) n = 200;
  snprintf(out, cap, "output/%.*s-s%llu-r%llu.h5", (int)n, base, (unsigned long long)seed,
           (unsigned long long)rep);
}

/* The file of branch b: path with its ".h5" (or its end) followed by
** "-b<b>" when suffix is set, else path itself; NULL if that name does not
** fit in out (never a shortened name: it could be another file). */
static const char *branch_name(const char *path, int suffix, uint64_t b, char *out, size_t cap) {
  if (!suffix) return path;
  size_t n = strlen(path);
  if (n > 3 && strcmp(path + n - 3, ".h5") == 0) n -= 3;
  if (n > 4096) return NULL;
  int len = snprintf(out, cap, "%.*s-b%llu.h5", (int)n, path, (unsigned long long)b);
  return len >= 0 && (size_t)len < cap ? out : NULL;
}

int cli_run(int argc, char **argv) {
  const char *scenario = NULL, *output = NULL;
  uint64_t seed = 1, replicate = 0;
  int quiet = 0;
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  cs_override *sets = calloc((size_t)argc + 1, sizeof *sets);
  char **set_bufs = calloc((size_t)argc + 1, sizeof *set_bufs);
  size_t n_sets = 0;
  int status = EXIT_USAGE;
  cs_world *world = NULL;
  cs_script *script = NULL;
  cs_h5_sink *h5 = NULL;
  cs_prov_file *pfiles = NULL;
  cs_posterior *post = NULL;
  cs_override *all = NULL; /* the posterior draw's values, then --set */
  const char *post_path = NULL;
  uint64_t draws = 20;
  int events_level = CS_H5_EVENTS_ALL;
  int draws_given = 0;
  char outbuf[512], branch_out[4128];
  cli_branch branch = {0, 0.0, 1, 0, 0, 0};
  if (!sets || !set_bufs) {
    fputs("conflictsim: out of memory\n", stderr);
    status = EXIT_NOMEM;
    goto done;
  }

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                              \
  do {                                                                            \
    if (!val) {                                                                   \
      fprintf(stderr, "conflictsim run: option %s needs a value\n", a);           \
      goto done;                                                                  \
    }                                                                             \
    i++;                                                                          \
  } while (0)
    int br = cli_branch_option("run", argc, argv, &i, 1, &branch);
    if (br < 0) goto done;
    if (br) continue;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(RUN_USAGE, stdout);
      status = EXIT_OK;
      goto done;
    } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      NEED_VALUE();
      output = val;
    } else if (strcmp(a, "--seed") == 0) {
      NEED_VALUE();
      if (cli_parse_u64(val, &seed)) {
        fprintf(stderr, "conflictsim run: --seed must be an integer in [0, 2^64), got '%s'\n", val);
        goto done;
      }
    } else if (strcmp(a, "--replicate") == 0) {
      NEED_VALUE();
      if (cli_parse_u64(val, &replicate)) {
        fprintf(stderr, "conflictsim run: --replicate must be a non-negative integer, got '%s'\n", val);
        goto done;
      }
    } else if (strcmp(a, "--set") == 0) {
      NEED_VALUE();
      int e = cli_parse_set("run", val, &sets[n_sets]);
      if (e != EXIT_OK) {
        status = e;
        goto done;
      }
      set_bufs[n_sets] = (char *)sets[n_sets].name;
      n_sets++;
    } else if (strcmp(a, "--posterior") == 0) {
      NEED_VALUE();
      post_path = val;
    } else if (strcmp(a, "--draws") == 0) {
      NEED_VALUE();
      draws_given = 1;
      if (cli_parse_u64(val, &draws) || draws == 0 || draws > 1000000) {
        fprintf(stderr, "conflictsim run: --draws must be an integer in [1, 1000000] (validate's and compare's "
                        "largest --replicates), got '%s'\n", val);
        goto done;
      }
    } else if (strcmp(a, "--events") == 0) {
      NEED_VALUE();
      if ((events_level = cs_h5_events_level(val)) < 0) {
        fprintf(stderr, "conflictsim run: --events must be all, conflict or none, got '%s'\n", val);
        goto done;
      }
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      quiet = 1;
    } else if (strcmp(a, "--mem-limit") == 0 || strcmp(a, "--load-budget") == 0 ||
               strcmp(a, "--callback-budget") == 0 || strcmp(a, "--run-budget") == 0) {
      NEED_VALUE();
      uint64_t v;
      if (cli_parse_u64(val, &v) || v == 0) {
        fprintf(stderr, "conflictsim run: %s must be a positive integer, got '%s'\n", a, val);
        goto done;
      }
      if (a[2] == 'm') {
        if (v > (1u << 20)) {
          fprintf(stderr, "conflictsim run: --mem-limit is in MB and at most 1048576\n");
          goto done;
        }
        lim.mem_bytes = (size_t)v << 20;
      } else if (a[2] == 'l') lim.load_instructions = v;
      else if (a[2] == 'r') lim.run_instructions = v;
      else lim.callback_instructions = v;
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "conflictsim run: unknown option '%s' (see conflictsim run --help)\n", a);
      goto done;
    } else if (!scenario) {
      scenario = a;
    } else {
      fprintf(stderr, "conflictsim run: one scenario at a time ('%s' and '%s')\n", scenario, a);
      goto done;
    }
  }
  if (cli_branch_check("run", &branch)) goto done;
  if (draws_given && !post_path) {
    fputs("conflictsim run: --draws needs --posterior\n", stderr);
    goto done;
  }
  if (post_path && replicate >= draws) {
    fprintf(stderr, "conflictsim run: --replicate %llu with --posterior needs --draws above it (got %llu)\n",
            (unsigned long long)replicate, (unsigned long long)draws);
    goto done;
  }
  if (!scenario) {
    fputs("conflictsim run: no scenario given\n\n", stderr);
    fputs(RUN_USAGE, stderr);
    goto done;
  }
  const char *output_given = output;
  if (!output) {
    default_output(scenario, seed, replicate, outbuf, sizeof outbuf);
    output = outbuf;
    if (mkdir("output", 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "conflictsim run: cannot create directory 'output': %s\n", strerror(errno));
      status = EXIT_IO;
      goto done;
    }
  }

  cs_ctx ctx = {{0}};
  int rc;
  const cs_override *ov = sets;
  size_t n_ov = n_sets;
  if (post_path) {
    if ((rc = cs_posterior_load(&ctx, post_path, &post)) != CS_OK ||
        (rc = cs_posterior_draw(&ctx, post, (int)draws, seed)) != CS_OK) {
      fprintf(stderr, "conflictsim run: %s\n", cs_errmsg(&ctx));
      status = rc == CS_EINVAL || rc == CS_EIO ? EXIT_SCENARIO : cli_exit_code(rc); /* an unreadable posterior is bad input */
      goto done;
    }
    if (!(all = calloc((size_t)post->n_sets + (size_t)post->n_params + n_sets + 1, sizeof *all))) {
      fputs("conflictsim run: out of memory\n", stderr);
      status = EXIT_NOMEM;
      goto done;
    }
    /* the calibration's own --set (the model it calibrated), the draw, then this --set */
    n_ov = cs_posterior_settings(post, sets, n_sets, all);
    n_ov += (size_t)cs_posterior_overrides(post, (int)replicate, NULL, 0, all + n_ov);
    for (size_t i = 0; i < n_sets; i++) all[n_ov++] = sets[i]; /* a later value wins */
    ov = all;
  }
  /* One run per branch: each builds its world from the scenario and runs it
  ** from t = 0, so the past up to the branch day is recomputed (and
  ** identical, by determinism) rather than copied. */
  uint64_t n_runs = branch.on && !branch.first_given ? branch.k : 1;
  for (uint64_t bi = 0; bi < n_runs; bi++) {
    uint64_t bid = branch.first + bi;
    rc = cs_script_load(&ctx, scenario, &lim, ov, n_ov, seed, replicate, quiet, &world, &script);
    if (rc != CS_OK) {
      fprintf(stderr, "%s\n", cs_errmsg(&ctx));
      /* a --set the user did not type may be the calibration's own: say which were added */
      if (post && strstr(cs_errmsg(&ctx), "--set")) cli_print_settings(stderr, "conflictsim run: note: ", post, sets, n_sets);
      /* an unreadable scenario is a scenario error, not an output error */
      status = rc == CS_EIO ? EXIT_SCENARIO : cli_exit_code(rc);
      goto done;
    }
    if (branch.on) {
      if ((rc = cs_world_set_branch(world, branch.at, bid)) != CS_OK) {
        fprintf(stderr, "conflictsim run: --branch-at: %s\n", cs_errmsg(cs_world_ctx(world)));
        status = EXIT_USAGE;
        goto done;
      }
      output = branch_name(output_given ? output_given : outbuf, !branch.first_given || !output_given, bid,
                           branch_out, sizeof branch_out);
      if (!output) {
        fprintf(stderr, "conflictsim run: -o: the path is too long to name the branch files (at most %d characters)\n",
                (int)sizeof branch_out - 32);
        status = EXIT_USAGE;
        goto done;
      }
    }
    size_t src_len = 0;
    const char *src = cs_script_source(script, &src_len);
    cs_provenance prov = {scenario, src, src_len, seed, replicate, NULL, NULL, 0};
    int n_files = cs_script_n_files(script);
    if (n_files > 0) { /* modules and data files: borrowed from the script, which outlives the sink */
      if (!(pfiles = calloc((size_t)n_files, sizeof *pfiles))) {
        fputs("conflictsim run: out of memory\n", stderr);
        status = EXIT_NOMEM;
        goto done;
      }
      for (int i = 0; i < n_files; i++) {
        cs_script_file f;
        cs_script_file_get(script, i, &f);
        pfiles[i] = (cs_prov_file){f.kind == CS_SCRIPT_FILE_MODULE ? "module" : "data", f.path, f.source, f.len,
                                   f.sha256};
      }
      prov.files = pfiles;
      prov.n_files = (size_t)n_files;
    }
    cs_sink inner;
    if ((rc = cs_h5_sink_new(cs_world_ctx(world), output, &prov, &h5, &inner)) != CS_OK ||
        (rc = cs_h5_sink_set_events(h5, events_level)) != CS_OK) {
      fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(world)));
      status = cli_exit_code(rc);
      goto done;
    }
    progress pr = {&inner, {0}, 0, 0, 0, 0};
    cs_progress_start(&pr.line, quiet, "day", 1, "days/s", 0, cs_world_days(world));
    cs_script_set_log(script, cs_progress_log, &pr.line); /* sim:log clears and redraws the line */
    cs_sink sink = {&pr, pr_begin, pr_sample, pr_event, pr_end};

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_running = world;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = cs_world_run(world, seed, replicate, &sink);
    g_running = NULL;
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    cs_progress_end(&pr.line); /* also when the run failed before the sink's end */
    if (rc != CS_OK) {
      fprintf(stderr, "conflictsim: %s\n", cs_errmsg(cs_world_ctx(world)));
      if (rc == CS_ESTOP) fprintf(stderr, "conflictsim: nothing was written to %s\n", output);
      status = cli_exit_code(rc);
      goto done;
    }
    /* also with --quiet: a warning is about the result, not progress chatter */
    warn_observed(&pr);
    if (!quiet) {
      int n = cs_world_n_nodes(world);
      int64_t res = 0, hosted = 0, from = 0;
      int gang_nodes = 0;
      for (int j = 0; j < n; j++) {
        res += cs_world_node_residents(world, j);
        hosted += cs_world_node_displaced_hosted(world, j);
        from += cs_world_node_displaced_origin(world, j);
        gang_nodes += CS_PARTY_IS_GANG(cs_world_node_owner(world, j));
      }
      printf("wrote %s\n", output);
      if (post) {
        printf("  parameters: draw %llu of %llu from the posterior in %s (SHA-256 %.12s...), then --set\n",
               (unsigned long long)replicate, (unsigned long long)draws, post_path, post->sha);
        cli_print_settings(stdout, "  ", post, sets, n_sets);
      }
      printf("  scenario %s: %.1f days, seed %llu, replicate %llu, %llu events processed by the engine\n", cs_world_name(world),
             cs_world_days(world), (unsigned long long)seed, (unsigned long long)replicate,
             (unsigned long long)cs_world_events_processed(world));
      if (branch.on)
        printf("  branch %llu: identical to every other branch up to day %g, re-keyed after it\n",
               (unsigned long long)bid, branch.at);
      printf("  gang-held: %d of %d neighbourhoods (%.0f%% of the population)\n", gang_nodes, n,
             100 * cs_world_gang_share(world, 1));
      printf("  residents at home %lld, displaced %lld (hosted in the city %lld; the rest in the provinces or on "
             "the road: city_displaced_provinces, city_in_transit)\n", (long long)res, (long long)from, (long long)hosted);
    }
    cs_h5_sink_free(h5);
    h5 = NULL;
    free(pfiles);
    pfiles = NULL;
    cs_script_free(script);
    script = NULL;
    cs_world_free(world);
    world = NULL;
  }
  status = EXIT_OK;
done:
  cs_h5_sink_free(h5);
  free(pfiles);
  free(all);
  cs_posterior_free(post);
  cs_script_free(script);
  cs_world_free(world);
  for (size_t i = 0; set_bufs && i < n_sets; i++) free(set_bufs[i]);
  free(set_bufs);
  free(sets);
  return status;
}
