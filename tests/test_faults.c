/* test_faults.c: allocation fault injection, the way SQLite tests it.
**
** The executable defines malloc, calloc, realloc, free and the aligned
** allocators itself and forwards them to glibc's __libc_* entry points, so
** every allocation of the process goes through here: ours, Lua's (through
** the allocator of sim/script/script.c), libhdf5's and OpenSSL's. While armed, the
** N-th allocation of one class returns NULL (ENOMEM); every other succeeds.
**
** Two classes, by the caller: libhdf5's (made by libhdf5, or by libc or
** OpenSSL inside a call into the HDF5 sink) and ours (everything else: the
** engine, the model, the Lua layer, Lua itself).
**
** For N = 1, 2, ... the test loads a scenario (with overrides), runs it to
** its horizon (over 100 events) and writes the HDF5 file, until a run
** completes with no failure injected. Every N of our class is tried; each
** such run must:
**   - return an error code with a message (no crash, no abort), or recover
**     (Lua collects and retries) and write a complete file;
**   - leave no file at the output path and no temporary beside it;
**   - bring the live block count back to its value before the run once
**     HDF5 is closed (H5close): a leak check without valgrind.
** libhdf5's class is sampled (every CS_FAULTS_H5_STRIDE-th N, in a child
** process each, as HDF5's global state does not survive some failures).
** libhdf5 1.10.8 does not survive all of its own allocation failures, and
** nothing outside it can prevent that: it crashes (SIGSEGV in H5T_close
** under H5Aread, reached from H5DSattach_scale; heap corruption after a
** failure in H5P_set, seen as an abort in H5FL_garbage_coll; unbounded
** recursion H5E_printf_stack -> H5I_inc_ref -> H5E__push_stack when it
** fails while initialising a package), calls exit(-1) from H5I_register,
** and leaks on error paths. Those are counted and reported, not failed;
** what is checked for every trial of that class is the crash-safety
** guarantee: a file at the final path is always complete, and a run that
** returns reports its error and leaves no temporary.
**
** Not built with the sanitizers: ASan replaces malloc itself, and
** interposing on top of it would bypass its checks (CMake skips this test
** when CS_SANITIZE is on); nor under valgrind, which replaces malloc too.
** CS_FAULTS_STRIDE=K tries only every K-th N of our class (quicker, for a
** debugging loop); CS_FAULTS_ONLY="hdf5 N" or "ours N" runs one trial in
** this process (under a debugger; it prints where it failed). */
#define _GNU_SOURCE /* __libc_* prototypes are ours; mkdtemp, strdup */

#include <dirent.h>
#include <execinfo.h>
#include <link.h>
#include <malloc.h>
#include <sys/wait.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "check.h"
#include "cs_h5.h"
#include "cs_script.h"

/* ---- the interposed allocator ---- */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

/* Allocations are counted in two classes by their caller: those made
** inside libhdf5 and all others (ours, Lua's, libc's, OpenSSL's). */
enum { CL_OURS, CL_HDF5 };
static long g_live;        /* blocks allocated and not yet freed, always counted */
static int g_armed;        /* count allocations and inject */
static int g_class;        /* the class counted and failed */
static long g_count;       /* allocations of g_class since arming */
static long g_fail_at;     /* fail the allocation with this count (0: never) */
static int g_injected;     /* a failure was injected since arming */
static uintptr_t g_h5_lo[8], g_h5_hi[8]; /* libhdf5's executable segments */
static int g_h5_n;
static uintptr_t g_exe_lo, g_exe_hi;       /* this executable's */
static int g_in_output;                    /* inside a call into the HDF5 sink */
static int g_trace;                        /* print a backtrace at the injection */

/* An allocation belongs to HDF5's class if libhdf5 made it, or if it was
** made inside an output call (the sink, which the test wraps) by anything
** but our own code (libc on HDF5's behalf, OpenSSL for the checksum). */
static int caller_class(uintptr_t pc) {
  for (int i = 0; i < g_h5_n; i++)
    if (pc >= g_h5_lo[i] && pc < g_h5_hi[i]) return CL_HDF5;
  if (g_in_output && !(pc >= g_exe_lo && pc < g_exe_hi)) return CL_HDF5;
  return CL_OURS;
}

static int find_hdf5(struct dl_phdr_info *info, size_t size, void *ud) {
  (void)size;
  (void)ud;
  int exe = info->dlpi_name[0] == '\0' && !g_exe_hi; /* the first entry */
  if (!exe && !strstr(info->dlpi_name, "libhdf5")) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_LOAD && (info->dlpi_phdr[i].p_flags & PF_X)) {
      uintptr_t lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr, hi = lo + info->dlpi_phdr[i].p_memsz;
      if (exe) {
        g_exe_lo = lo;
        g_exe_hi = hi;
      } else if (g_h5_n < 8) {
        g_h5_lo[g_h5_n] = lo;
        g_h5_hi[g_h5_n++] = hi;
      }
    }
  return 0;
}

#define SHOULD_FAIL() should_fail((uintptr_t)__builtin_return_address(0))
static int should_fail(uintptr_t pc) {
  if (!g_armed || caller_class(pc) != g_class) return 0;
  if (++g_count != g_fail_at) return 0;
  g_injected = 1;
  if (g_trace) {
    void *bt[32];
    int k = backtrace(bt, 32);
    g_armed = 0;
    backtrace_symbols_fd(bt, k, 2);
    g_armed = 1;
  }
  errno = ENOMEM;
  return 1;
}

void *malloc(size_t n) {
  if (SHOULD_FAIL()) return NULL;
  void *p = __libc_malloc(n);
  if (p) g_live++;
  return p;
}

void *calloc(size_t n, size_t m) {
  if (SHOULD_FAIL()) return NULL;
  void *p = __libc_calloc(n, m);
  if (p) g_live++;
  return p;
}

void *realloc(void *old, size_t n) {
  if (!old) {
    if (SHOULD_FAIL()) return NULL;
    void *p = __libc_malloc(n);
    if (p) g_live++;
    return p;
  }
  if (n == 0) {
    free(old);
    return NULL;
  }
  if (SHOULD_FAIL()) return NULL;
  return __libc_realloc(old, n);
}

void free(void *p) {
  if (!p) return;
  g_live--;
  __libc_free(p);
}

static void *aligned(size_t align, size_t n) {
  if (should_fail(0)) return NULL;
  void *p = __libc_memalign(align, n);
  if (p) g_live++;
  return p;
}
void *memalign(size_t align, size_t n) { return aligned(align, n); }
void *aligned_alloc(size_t align, size_t n) { return aligned(align, n); }
void *valloc(size_t n) { return aligned((size_t)sysconf(_SC_PAGESIZE), n); }
void *pvalloc(size_t n) {
  size_t pg = (size_t)sysconf(_SC_PAGESIZE);
  return aligned(pg, (n + pg - 1) / pg * pg);
}
int posix_memalign(void **out, size_t align, size_t n) {
  void *p = aligned(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

/* ---- one run ---- */

static char g_dir[256], g_scn[512], g_out[512];

/* The HDF5 sink, wrapped to mark calls into it. */
static cs_sink g_h5sink;
#define OUTPUT_CALL(call) \
  do {                    \
    g_in_output = 1;      \
    int rc_ = (call);     \
    g_in_output = 0;      \
    return rc_;           \
  } while (0)
static int o_begin(void *ud, const cs_world *w) { OUTPUT_CALL(g_h5sink.begin(g_h5sink.ud, w)); }
static int o_sample(void *ud, const cs_sample *s) { OUTPUT_CALL(g_h5sink.sample(g_h5sink.ud, s)); }
static int o_event(void *ud, const cs_event_rec *e) { OUTPUT_CALL(g_h5sink.event(g_h5sink.ud, e)); }
static int o_end(void *ud, int status) { OUTPUT_CALL(g_h5sink.end(g_h5sink.ud, status)); }

/* Load, run and write once; the message of a failure goes to msg. */
static int run_once(char *msg, size_t cap, long *events) {
  cs_ctx ctx = {{0}};
  cs_script_limits lim;
  cs_script_limits_default(&lim);
  cs_override sets[2] = {{"recall_day", "1"}, {"lambda0", "0.05"}};
  cs_world *w = NULL;
  cs_script *s = NULL;
  cs_h5_sink *h5 = NULL;
  int rc = cs_script_load(&ctx, g_scn, &lim, sets, 2, 1, 0, 1, &w, &s);
  if (rc == CS_OK) {
    size_t len = 0;
    const char *src = cs_script_source(s, &len);
    cs_provenance prov = {g_scn, src, len, 1, 0, "test_faults", NULL, 0};
    g_in_output = 1;
    rc = cs_h5_sink_new(cs_world_ctx(w), g_out, &prov, &h5, &g_h5sink);
    g_in_output = 0;
  }
  if (rc == CS_OK) {
    cs_sink sink = {NULL, o_begin, o_sample, o_event, o_end};
    rc = cs_world_run(w, 1, 0, &sink);
  }
  snprintf(msg, cap, "%s", w ? cs_errmsg(cs_world_ctx(w)) : cs_errmsg(&ctx));
  if (rc != CS_OK && !msg[0]) snprintf(msg, cap, "%s", cs_errmsg(&ctx));
  *events = w ? (long)cs_world_events_processed(w) : 0;
  g_in_output = 1;
  cs_h5_sink_free(h5);
  g_in_output = 0;
  cs_script_free(s);
  cs_world_free(w);
  return rc;
}

/* Names in g_dir other than the scenario; 0 if none. */
static int stray_files(char *first, size_t cap) {
  DIR *d = opendir(g_dir);
  int n = 0;
  struct dirent *e;
  if (!d) return -1;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "s.lua")) continue;
    if (n++ == 0) snprintf(first, cap, "%s", e->d_name);
  }
  closedir(d);
  return n;
}

/* The file at g_out opens and has every sample of the run. */
static int output_complete(void) {
  hid_t f = H5Fopen(g_out, H5F_ACC_RDONLY, H5P_DEFAULT), d = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  hsize_t dims[3] = {0, 0, 0};
  int ok = 0;
  if (f >= 0 && (d = H5Dopen2(f, "residents", H5P_DEFAULT)) >= 0 && (sp = H5Dget_space(d)) >= 0 &&
      H5Sget_simple_extent_dims(sp, dims, NULL) == 2)
    ok = dims[0] >= 2 && dims[1] == 7;
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  return ok;
}

/* Live blocks once HDF5 has released everything it keeps between runs
** (free lists, identifier tables, cached types); its next call reopens it.
** Only called disarmed. */
static long live_now(void) {
  H5close();
  return g_live;
}

/* The tiny example with a horizon of three days (several hundred events). */
static int write_scenario(void) {
  const char *src_dir = getenv("CS_SOURCE_DIR");
  char in[512], buf[1 << 16];
  snprintf(in, sizeof in, "%s/scenarios/examples/tiny.lua", src_dir ? src_dir : ".");
  FILE *f = fopen(in, "rb");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *days = strstr(buf, "days = 30, sample_every = 1");
  if (!days) return -1;
  memcpy(days, "days = 3, sample_every = .5", strlen("days = 30, sample_every = 1"));
  snprintf(g_scn, sizeof g_scn, "%s/s.lua", g_dir);
  if (!(f = fopen(g_scn, "wb"))) return -1;
  fwrite(buf, 1, n, f);
  return fclose(f);
}

/* Child exit codes. */
enum { T_CLEAN = 0, T_BAD = 1, T_LEAK = 2, T_DONE = 3 };

/* In a child process: fail the n-th allocation of class cl, run, check. */
static int trial(int cl, long n, long base) {
  char msg[CS_ERRMSG_MAX], stray[256];
  long events = 0;
  g_class = cl;
  g_count = 0;
  g_fail_at = n;
  g_injected = 0;
  g_armed = 1;
  int rc = run_once(msg, sizeof msg, &events);
  g_armed = 0;
  int injected = g_injected, bad = 0;
  const char *what = cl == CL_HDF5 ? "hdf5" : "ours";
  if (rc == CS_OK) {
    if (!output_complete()) {
      fprintf(stderr, "%s N=%ld: the run succeeded but the file is not complete\n", what, n);
      bad = 1;
    }
  } else {
    if (rc < CS_ESTOP || !injected || !msg[0]) {
      fprintf(stderr, "%s N=%ld: rc %d %s: '%s'\n", what, n, rc,
              injected ? "without a message" : "with no failure injected", msg);
      bad = 1;
    }
    if (access(g_out, F_OK) == 0) {
      fprintf(stderr, "%s N=%ld: a failed run left %s\n", what, n, g_out);
      bad = 1;
    }
  }
  if (stray_files(stray, sizeof stray) > (rc == CS_OK)) {
    fprintf(stderr, "%s N=%ld: a temporary file was left: %s\n", what, n, stray);
    bad = 1;
  }
  long live = live_now();
  if (!bad && live != base) {
    fprintf(stderr, "%s N=%ld (rc %d, '%s'): %ld blocks leaked\n", what, n, rc, msg, live - base);
    return T_LEAK;
  }
  if (bad) return T_BAD;
  if (!injected) fprintf(stderr, "%s: a run makes %ld allocations of this class\n", what, g_count);
  return injected ? T_CLEAN : T_DONE;
}

/* Clear the directory of what a trial left. */
static void clean_dir(void) {
  DIR *d = opendir(g_dir);
  struct dirent *e;
  char p[600];
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "s.lua")) {
      snprintf(p, sizeof p, "%s/%s", g_dir, e->d_name);
      unlink(p);
    }
  if (d) closedir(d);
}

int main(void) {
  char msg[CS_ERRMSG_MAX];
  long events = 0, stride = 1;
  const char *st = getenv("CS_FAULTS_STRIDE");
  if (st && atol(st) > 0) stride = atol(st);
  /* Keep freed memory in the process: the trials then reuse the same pages
  ** instead of faulting fresh ones in (several times quicker). */
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  dl_iterate_phdr(find_hdf5, NULL);
  CHECK(g_h5_n > 0);
  snprintf(g_dir, sizeof g_dir, "/tmp/cs_faults_XXXXXX");
  if (!mkdtemp(g_dir) || write_scenario() != 0) {
    fprintf(stderr, "test_faults: cannot set up in /tmp\n");
    return 1;
  }
  snprintf(g_out, sizeof g_out, "%s/out.h5", g_dir);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

  /* Warm up: the libraries' one-time initialisation (HDF5's property lists
  ** and types, OpenSSL's digests) happens here, outside the count. */
  int rc = run_once(msg, sizeof msg, &events);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) fprintf(stderr, "warm-up run: %s\n", msg);
  CHECK(events >= 100); /* the run covers at least the 100 events */
  if (events < 100) fprintf(stderr, "the run processed %ld events\n", events);
  CHECK(output_complete());
  clean_dir();
  long base = live_now();
  /* HDF5 is open again, and every package it initialises lazily is, before
  ** any trial: a failure inside its initialisation recurses in its error
  ** stack until the stack overflows (libhdf5 1.10.8, H5E_printf_stack ->
  ** H5I_inc_ref -> H5E__push_stack -> ...), which no caller can prevent. */
  run_once(msg, sizeof msg, &events);
  clean_dir();
  run_once(msg, sizeof msg, &events); /* a second clean run must not grow the heap */
  clean_dir();
  CHECK(live_now() == base);
  run_once(msg, sizeof msg, &events);
  clean_dir();
  fflush(stderr);

  /* CS_FAULTS_ONLY="hdf5 17" or "ours 17": that one trial, in this process
  ** (for a debugger). */
  const char *only = getenv("CS_FAULTS_ONLY");
  if (only) {
    void *bt[4];
    backtrace(bt, 4); /* loads libgcc before arming */
    g_trace = 1;
    return trial(strncmp(only, "hdf5", 4) == 0 ? CL_HDF5 : CL_OURS, atol(only + 4), base);
  }

  /* A trial of HDF5's class runs in its own process, so that one cannot
  ** disturb the next (HDF5 keeps global state). Our class is tried at every N; HDF5's
  ** (about twelve times larger) at every CS_FAULTS_H5_STRIDE-th, default 61. */
  long h5_stride = 61;
  if ((st = getenv("CS_FAULTS_H5_STRIDE")) && atol(st) > 0) h5_stride = atol(st);
  for (int cl = CL_OURS; cl <= CL_HDF5; cl++) {
    long tally[4] = {0}, n, step = cl == CL_HDF5 ? h5_stride : stride, trials = 0, crashed = 0;
    const char *what = cl == CL_HDF5 ? "hdf5" : "ours";
    for (n = 1;; n += step) {
      int ws = 0;
      if (cl == CL_OURS) { /* HDF5 sees no failure: in this process, which is quicker */
        int t = trial(cl, n, base);
        ws = W_EXITCODE(t, 0);
      } else {
        pid_t pid = fork();
        if (pid < 0) {
          perror("fork");
          return 1;
        }
        if (pid == 0) _exit(trial(cl, n, base));
        waitpid(pid, &ws, 0);
      }
      trials++;
      /* whatever happened, a file at the final path is a complete one */
      if (access(g_out, F_OK) == 0 && !output_complete()) {
        fprintf(stderr, "%s N=%ld: an incomplete file at the final path\n", what, n);
        CHECK(0);
      }
      clean_dir();
      if (!WIFEXITED(ws)) {
        fprintf(stderr, "%s N=%ld: the run crashed (signal %d)\n", what, n, WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
        crashed++;
        continue;
      }
      int t = WEXITSTATUS(ws);
      if (t > T_DONE) { /* exit(-1) in H5I_register: libhdf5's own reaction */
        fprintf(stderr, "%s N=%ld: the run exited with status %d\n", what, n, t);
        crashed++;
        continue;
      }
      tally[t]++;
      if (t == T_DONE) break;
    }
    fprintf(stderr, "%s allocations: %ld trials, %ld clean, %ld bad, %ld leaking, %ld crashed or exited\n",
            cl == CL_HDF5 ? "libhdf5's" : "other", trials, tally[T_CLEAN], tally[T_BAD], tally[T_LEAK], crashed);
    CHECK(tally[T_CLEAN] > 0);
    CHECK(tally[T_BAD] == 0); /* a run that returns reports its error and cleans up */
    if (cl == CL_OURS) {      /* libhdf5 leaks and crashes on some of its own: see the top */
      CHECK(tally[T_LEAK] == 0);
      CHECK(crashed == 0);
    }
  }
  unlink(g_scn);
  rmdir(g_dir);
  return check_report();
}
