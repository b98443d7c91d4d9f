/* test_script.c: the scenario sandbox and API, and the sweep file's reader
** (include/cs_script.h).
**
** Each case writes a scenario into a temporary directory, loads it (with small
** limits where a limit is under test) and checks the result code and that the
** message names the script and the line. Callbacks are driven through the
** hooks the script installs (script_int.h), so they are tested without
** depending on what the model does during a run; one case runs the world. */
#define _GNU_SOURCE /* mallinfo2 */
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cs_script.h"
#include "script_int.h"

static char g_dir[256];
static char g_path[512];
static char g_msg[CS_ERRMSG_MAX];

static const char *MIN =
    "scenario { name = 't', days = 10 }\n"       /* 1 */
    "node { id = 'a', residents = 100 }\n"       /* 2 */
    "node { id = 'b', residents = 200, owner = 'CONTESTED' }\n" /* 3 */
    "road('a', 'b', 1.0)\n"                      /* 4 */
    "gang { id = 'g1', members = 50, base = 'b' }\n"     /* 5 */
    "unit { id = 'pol', kind = 'police', officers = 10, at = 'a' }\n" /* 6 */
    "unit { id = 'elite', kind = 'protection', officers = 60 }\n";    /* 7 */

static const char *write_script(const char *name, const char *text, size_t len) {
  snprintf(g_path, sizeof g_path, "%s/%s", g_dir, name);
  FILE *f = fopen(g_path, "wb");
  if (!f) {
    perror(g_path);
    exit(2);
  }
  fwrite(text, 1, len, f);
  fclose(f);
  return g_path;
}

static cs_script_limits small_limits(void) {
  cs_script_limits l;
  cs_script_limits_default(&l);
  l.mem_bytes = 8u << 20;
  l.load_instructions = 200000;
  l.callback_instructions = 100000;
  return l;
}

/* Load text as name; on success sets *w and *s (both NULL: free at once). */
static int load_full(const char *name, const char *text, const cs_script_limits *lim,
                     const cs_override *sets, size_t n_sets, uint64_t seed, cs_world **w,
                     cs_script **s) {
  cs_ctx ctx = {{0}};
  cs_world *ww = NULL;
  cs_script *ss = NULL;
  const char *path = write_script(name, text, strlen(text));
  int rc = cs_script_load(&ctx, path, lim, sets, n_sets, seed, 0, 1, &ww, &ss);
  snprintf(g_msg, sizeof g_msg, "%s", ctx.msg);
  if (rc == CS_OK) {
    if (w && s) {
      *w = ww;
      *s = ss;
    } else {
      cs_script_free(ss);
      cs_world_free(ww);
    }
  }
  return rc;
}

static int load(const char *text) {
  cs_script_limits l = small_limits();
  return load_full("scenario.lua", text, &l, NULL, 0, 1, NULL, NULL);
}

/* The load fails with CS_ESCRIPT and a message that starts with
** "<path>:<line>:" (line 0: just "<path>:") and contains want. */
static int fails_with(const char *text, int line, const char *want) {
  int rc = load(text);
  char prefix[600];
  if (line > 0) snprintf(prefix, sizeof prefix, "%s:%d:", g_path, line);
  else snprintf(prefix, sizeof prefix, "%s:", g_path);
  int ok = rc == CS_ESCRIPT && strncmp(g_msg, prefix, strlen(prefix)) == 0 && strstr(g_msg, want);
  if (!ok) fprintf(stderr, "  rc %d, message: %s\n  wanted: %s ... %s\n", rc, g_msg, prefix, want);
  return ok;
}

static char *cat(const char *a, const char *b) {
  static char buf[8192];
  snprintf(buf, sizeof buf, "%s%s", a, b);
  return buf;
}

static void test_minimal(void) {
  cs_script_limits l = small_limits();
  cs_world *w = NULL;
  cs_script *s = NULL;
  int rc = load_full("min.lua", MIN, &l, NULL, 0, 1, &w, &s);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) {
    fprintf(stderr, "  %s\n", g_msg);
    return;
  }
  CHECK(cs_world_n_nodes(w) == 2);
  CHECK(cs_world_n_gangs(w) == 1);
  CHECK(cs_world_n_units(w) == 2);
  CHECK(cs_world_node_owner(w, cs_world_find_node(w, "b")) == CS_PARTY_CONTESTED);
  CHECK(cs_world_node_owner(w, cs_world_find_node(w, "a")) == CS_PARTY_STATE);
  CHECK(cs_world_node_residents(w, 1) == 200);
  CHECK(strcmp(cs_world_name(w), "t") == 0);
  size_t len = 0;
  CHECK(strcmp(cs_script_source(s, &len), MIN) == 0 && len == strlen(MIN));
  CHECK(strcmp(cs_script_path(s), g_path) == 0);
  cs_script_free(s);
  cs_world_free(w);
}

/* A node may name as its owner a gang declared after it, and a gang's base
** may be a node it owns (the usual case). */
static void test_owner_before_gang(void) {
  cs_script_limits l = small_limits();
  cs_world *w = NULL;
  cs_script *s = NULL;
  int rc = load_full("own.lua",
                     "scenario { days = 5 }\nnode { id = 'a' }\nnode { id = 'b', owner = 'g1' }\n"
                     "road('a', 'b', 1)\ngang { id = 'g1', members = 10, base = 'b' }\n",
                     &l, NULL, 0, 1, &w, &s);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) {
    fprintf(stderr, "  %s\n", g_msg);
    return;
  }
  CHECK(cs_world_node_owner(w, cs_world_find_node(w, "b")) == CS_PARTY_GANG(0));
  cs_script_free(s);
  cs_world_free(w);
}

static void test_sandbox(void) {
  CHECK(fails_with("io.write('x')", 1, "global 'io'"));
  CHECK(fails_with("\nos.exit(1)", 2, "global 'os'"));
  CHECK(fails_with("local p = package.loaded", 1, "global 'package'"));
  CHECK(fails_with("debug.sethook()", 1, "global 'debug'"));
  /* require reads only Lua files of the scenario's folder: no library behind it */
  CHECK(fails_with("require('os')", 1, "require 'os': cannot open 'os.lua'"));
  CHECK(fails_with("dofile('/etc/passwd')", 1, "global 'dofile'"));
  CHECK(fails_with("loadfile('/etc/passwd')", 1, "global 'loadfile'"));
  CHECK(fails_with("collectgarbage('stop')", 1, "global 'collectgarbage'"));
  CHECK(fails_with("string.dump(print)", 1, "field 'dump'"));
  CHECK(fails_with("math.randomseed(42)", 1, "field 'randomseed'"));
  CHECK(fails_with("local s = ''\nlocal f = s.dump(print)", 2, "field 'dump'"));
  CHECK(fails_with("getmetatable('').__index.dump(print)", 1, "field 'dump'"));
  CHECK(fails_with("_G.io.open('/etc/passwd')", 1, "field 'io'"));
  CHECK(fails_with("_G['os'].execute('true')", 1, "field 'os'"));
  CHECK(fails_with("assert(rawget(_G, 'debug'), 'no debug')", 1, "no debug"));
  CHECK(fails_with("load('return os.getenv(\"HOME\")', '=chunk', 't', _G)()", 1, "chunk:1: attempt to index a nil value (global 'os')"));
  CHECK(fails_with("load('return io', '=c', 't', setmetatable({}, {__index = _G}))().open('x')", 1,
                   "attempt to index a nil value"));
  CHECK(fails_with("assert(load('\\27Lua\\84\\0'))", 1, "attempt to load a binary chunk"));
  CHECK(fails_with("assert(load('\\27Lua\\84\\0', 'x', 'b'))", 1, "attempt to load a binary chunk"));
  CHECK(fails_with("setmetatable({}, { __gc = function() end })", 1, "__gc"));
  /* the pairs iterator called by hand with something else (found by fuzz_sweep) */
  CHECK(fails_with("local it = pairs({1, 2})\nit('x')", 2, "table expected"));
  CHECK(fails_with("local it = pairs({})\nit()", 2, "table expected"));
  /* the main file as a binary chunk */
  static const char bin[] = "\x1bLuaT\x00\x19\x93\r\n\x1a\n";
  cs_ctx ctx = {{0}};
  cs_world *w = NULL;
  cs_script *s = NULL;
  const char *path = write_script("bin.lua", bin, sizeof bin - 1);
  int rc = cs_script_load(&ctx, path, NULL, NULL, 0, 1, 0, 1, &w, &s);
  CHECK(rc == CS_ESCRIPT && strstr(ctx.msg, "binary") && strstr(ctx.msg, path));
  CHECK(w == NULL && s == NULL);
  /* what is allowed still works */
  CHECK(load(cat(MIN, "assert(load('return 1 + 1')() == 2)\n"
                      "assert(string.format('%d', 3) == '3' and utf8.char(72) == 'H')\n"
                      "assert(table.concat({1, 2}, ',') == '1,2' and math.floor(2.5) == 2)\n"
                      "assert(select('#', pcall(error, 'x')) == 2)\n")) == CS_OK);
  CHECK(fails_with("return nil + 1", 1, "arithmetic"));
}

static void test_budget(void) {
  CHECK(fails_with("local x = 0\nwhile true do x = x + 1 end", 2, "instruction budget of 200000 exhausted"));
  /* catching the error with pcall does not let the script go on */
  CHECK(fails_with("while true do pcall(function() while true do end end) end", 1,
                   "instruction budget of 200000 exhausted"));
  CHECK(fails_with("local function f() return pcall(f) end\nwhile true do f() end", 0,
                   "instruction budget"));
  /* memory */
  CHECK(fails_with("local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end", 0, "not enough memory"));
  CHECK(fails_with("local s = string.rep('x', 1e9)", 0, "not enough memory"));
  CHECK(fails_with("local s = 'x'\nwhile true do s = s .. s end", 0, "not enough memory"));
  cs_script_limits l = small_limits();
  l.load_instructions = 1000000000;
  CHECK(load_full("mem.lua", "local t = {} for i = 1, 1e9 do t[#t + 1] = {i} end", &l, NULL, 0, 1,
                  NULL, NULL) == CS_ESCRIPT &&
        strstr(g_msg, "not enough memory"));
}

/* Library calls that run long inside C, where the count hook cannot fire,
** are charged their worst case: a pathological call fails at once with the
** budget error (alarm: a hang kills the test), ordinary calls still work. */
static void test_bounded(void) {
  alarm(60);
  CHECK(fails_with("local s = string.rep('a', 30000)\nreturn s:find('.-.-.-.-.-b')", 2, "string.find"));
  CHECK(fails_with("return string.rep('a', 1e5):gsub('(a*)*b', '')", 1, "string.gsub"));
  CHECK(fails_with("for x in string.rep('a', 1e5):gmatch('a-a-a-b') do end", 1, "string.gmatch"));
  CHECK(fails_with("return string.rep('a', 1e5):match('(a+)%1%1b')", 1, "string.match"));
  CHECK(fails_with("local s = string.rep('a', 1e6)\nreturn s:find(string.rep('a', 1e5) .. 'b', 1, true)", 2,
                   "string.find"));
  CHECK(fails_with("return table.move({}, 1, 1e15, 2)", 1, "table.move"));
  CHECK(fails_with("return table.move({}, math.mininteger, math.maxinteger, 1)", 1, "table.move"));
  /* catching the error does not let the script go on */
  CHECK(fails_with("pcall(string.find, string.rep('a', 30000), '.-.-.-b')\nlocal x = 1", 2, "instruction budget"));
  /* nothing to repeat is nothing to do */
  CHECK(load(cat(MIN, "assert(string.rep('', 1e15) == '' and string.rep('', 1e15, '') == '')\n")) == CS_OK);
  CHECK(load(cat(MIN, "assert(('a,b'):find(',', 1, true) == 2 and ('x y'):gsub('%s', '') == 'xy')\n"
                      "assert(('k=v'):match('(%w+)=(%w+)') == 'k' and ('[x]'):find('[]]') == 3)\n"
                      "local n = 0 for w in ('a bb c'):gmatch('%a+') do n = n + 1 end assert(n == 3)\n"
                      "assert(('(a(b))'):match('%b()') == '(a(b))' and ('THE (quick) fox'):find('%f[%a]%a+', 2) == 6)\n"
                      "assert(string.rep('ab', 3, '-') == 'ab-ab-ab' and table.move({1, 2}, 1, 2, 3)[4] == 2)\n"
                      "local s = string.rep('x', 100) assert(#s:gsub('x', 'yy') == 200)\n")) == CS_OK);
  /* table.insert / remove / sort: the library's behaviour on ordinary tables */
  CHECK(load(cat(MIN, "local t = {1, 2, 3}\ntable.insert(t, 4)\ntable.insert(t, 1, 0)\n"
                      "assert(#t == 5 and t[1] == 0 and t[5] == 4)\n"
                      "assert(table.remove(t) == 4 and table.remove(t, 1) == 0 and table.remove(t, nil) == 3)\n"
                      "assert(table.remove({}) == nil and #t == 2)\n"
                      "assert(not pcall(table.insert, {1}, 5, 2) and not pcall(table.insert, {1}, 1, 2, 3))\n"
                      "local u = {3, 1, 2} table.sort(u) assert(u[1] == 1 and u[3] == 3)\n"
                      "table.sort(u, function(a, b) return a > b end) assert(u[1] == 3)\n"
                      /* stable: equal keys keep their order (the library's quicksort does not) */
                      "local r = {} for i = 1, 1000 do r[i] = { k = (i * 7919) % 13, i = i } end\n"
                      "table.sort(r, function(a, b) return a.k < b.k end)\n"
                      "for i = 2, 1000 do assert(r[i-1].k < r[i].k or (r[i-1].k == r[i].k and r[i-1].i < r[i].i)) end\n"
                      "local s = {} for i = 1, 500 do s[i] = tostring((i * 31) % 97) end table.sort(s)\n"
                      "for i = 2, 500 do assert(s[i-1] <= s[i]) end\n"
                      /* a class-style metatable (__index) is fine; only __len is refused */
                      "local C = {} C.__index = C local o = setmetatable({}, C)\n"
                      "table.insert(o, 1) table.insert(o, 1, 0) assert(o[1] == 0 and table.remove(o) == 1)\n")) == CS_OK);
  CHECK(fails_with("table.insert({1}, 5, 2)", 1, "bad argument #2 to 'insert' (position out of bounds)"));
  CHECK(fails_with("table.sort({1, 2}, 5)", 1, "bad argument #2 to 'sort'"));
  CHECK(fails_with("local t = setmetatable({}, { __len = function() return 1e15 end })\ntable.insert(t, 1, 0)", 2,
                   "table.insert"));
  CHECK(fails_with("local t = {} for i = 1, 20000 do t[i] = -i end\ntable.sort(t, function(a, b) return a < b end)", 2,
                   "table.sort")); /* 20,000 x 15 comparisons: over the test budget of 200,000 */
  alarm(0);
}

/* A finalizer cannot be set; one that sneaks in after setmetatable is never
** called; either way freeing the script returns. */
static void test_gc(void) {
  CHECK(fails_with("setmetatable({}, { __gc = function() while true do end end })", 1, "__gc"));
  cs_script_limits l = small_limits();
  cs_world *w = NULL;
  cs_script *s = NULL;
  int rc = load_full("gc.lua",
                     cat(MIN, "local mt = {}\nKEEP = setmetatable({}, mt)\n"
                              "mt.__gc = function() while true do end end\n"),
                     &l, NULL, 0, 1, &w, &s);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) fprintf(stderr, "  %s\n", g_msg);
  alarm(20); /* a hang here kills the test instead of blocking CTest */
  cs_script_free(s);
  cs_world_free(w);
  alarm(0);
}

static void test_declarations(void) {
  CHECK(fails_with("scenario { days = 10 }\nnode { id = 'a', residents = 1\n", 3, "expected"));
  CHECK(fails_with(cat(MIN, "road('a', 'nowhere', 1)\n"), 8, "road('a', 'nowhere'): unknown node 'nowhere'"));
  /* a near miss names the declared id: the same rule as parameters' hints */
  CHECK(fails_with(cat(MIN, "road('a', 'bb', 1)\n"), 8, "road('a', 'bb'): unknown node 'bb' (did you mean 'b'?)"));
  CHECK(fails_with(cat(MIN, "gang { id = 'g9', members = 5, base = 'aa' }\n"), 8,
                   "gang 'g9': unknown base node 'aa' (did you mean 'a'?)"));
  CHECK(fails_with(cat(MIN, "node { id = 'c', residents = -5 }\n"), 8,
                   "node 'c': field 'residents' must be a non-negative integer, got -5"));
  CHECK(fails_with(cat(MIN, "node { id = 'c', residents = 2.5 }\n"), 8, "got 2.5"));
  CHECK(fails_with(cat(MIN, "node { id = 'c', residents = '12' }\n"), 8, "got '12'"));
  CHECK(fails_with(cat(MIN, "node { id = 'c', residnets = 5 }\n"), 8, "unknown field 'residnets'"));
  CHECK(fails_with(cat(MIN, "node { id = 'c', value = 2 }\n"), 8, "field 'value' must be a number in [0, 1]"));
  CHECK(fails_with(cat(MIN, "node { 'c' }\n"), 8, "positional values are not allowed"));
  CHECK(fails_with(cat(MIN, "node { id = 'a' }\n"), 8, "duplicate node id 'a' (first declared at"));
  CHECK(fails_with(cat(MIN, "gang { id = 'g1', members = 1, base = 'a' }\n"), 8, "duplicate gang id 'g1'"));
  CHECK(fails_with(cat(MIN, "unit { id = 'pol', kind = 'police', officers = 1, at = 'a' }\n"), 8,
                   "duplicate unit id 'pol'"));
  CHECK(fails_with(cat(MIN, "unit { id = 'x', kind = 'navy', officers = 1, at = 'a' }\n"), 8, "field 'kind'"));
  CHECK(fails_with(cat(MIN, "unit { id = 'x', kind = 'police', officers = 1 }\n"), 8, "field 'at' is required"));
  CHECK(fails_with(cat(MIN, "unit { id = 'x', kind = 'police', officers = 1, at = 'zz' }\n"), 8,
                   "unit 'x': unknown node 'zz'"));
  CHECK(fails_with(cat(MIN, "node { id = 'c', owner = 'g9' }\nroad('c', 'a', 1)\n"), 8, "unknown owner 'g9'"));
  CHECK(fails_with(cat(MIN, "gang { id = 'g2', members = 5, base = 'q' }\n"), 8, "unknown base node 'q'"));
  CHECK(fails_with(cat(MIN, "coalition { id = 'c', members = { 'g1', 'g7' }, cohesion = 0.5 }\n"), 8,
                   "coalition 'c': unknown gang 'g7'"));
  CHECK(fails_with(cat(MIN, "model { nosuch = 1 }\n"), 8, "unknown parameter 'nosuch'"));
  CHECK(fails_with(cat(MIN, "model { lamda0 = 1 }\n"), 8, "did you mean 'lambda0'"));   /* a hint for a typo */
  CHECK(fails_with(cat(MIN, "model { xyzzy = 1 }\n"), 8, "unknown parameter 'xyzzy'") && !strstr(g_msg, "mean"));
  CHECK(fails_with(cat(MIN, "node { id = 'c', residnts = 3 }\n"), 8, "did you mean 'residents'"));
  CHECK(fails_with(cat(MIN, "node { 'c', residents = 3 }\n"), 8, "positional values are not allowed"));
  CHECK(fails_with(cat(MIN, "model { lambda0 = 'x' }\n"), 8, "must be a number"));
  CHECK(fails_with(cat(MIN, "on('explosion', print)\n"), 8, "unknown event kind 'explosion'"));
  CHECK(fails_with(cat(MIN, "at(-1, print)\n"), 8, "at: the time must be"));
  CHECK(fails_with(cat(MIN, "local x = P.nosuch\n"), 8, "unknown parameter 'nosuch'"));
  CHECK(fails_with(cat(MIN, "P.lambda0 = 1\n"), 8, "read-only"));
  CHECK(fails_with(cat(MIN, "param('k', {})\n"), 8, "default must be"));
  CHECK(fails_with(cat(MIN, "param('k', 1)\nparam('k', 2)\n"), 9, "parameter 'k' is already declared"));
  CHECK(fails_with(cat(MIN, "param('k', math.maxinteger)\n"), 8, "at most 2^53")); /* no silent wrap to mininteger */
  CHECK(fails_with("node { id = 'a' }", 0, "scenario"));
  /* the road graph is checked by the model at finalize */
  CHECK(fails_with(cat(MIN, "node { id = 'island' }\n"), 0, "island"));
  /* coalitions, declared after their gangs, and a model parameter */
  CHECK(load(cat(MIN, "gang { id = 'g2', members = 5, base = 'a' }\n"
                      "coalition { id = 'va', members = { 'g1', 'g2' }, cohesion = 0.8 }\n"
                      "model { lambda0 = 0.02 }\nassert(P.lambda0 == 0.02)\n")) == CS_OK);
}

static void test_overrides(void) {
  cs_script_limits l = small_limits();
  const char *text = "scenario { days = 10 }\nnode { id = 'a' }\n"
                     "local k = param('k', 3, 'a count')\nparam('x', 0.5)\nparam('flag', false)\n"
                     "param('label', 'hi')\nmodel { lambda0 = 0.05 }\n"
                     "assert(k == P.k and math.type(P.k) == 'integer')\n";
  cs_override bad_name[] = {{"nosuch", "1"}};
  CHECK(load_full("o.lua", text, &l, bad_name, 1, 1, NULL, NULL) == CS_ESCRIPT &&
        strstr(g_msg, "unknown parameter 'nosuch' in --set"));
  cs_override bad_int[] = {{"k", "abc"}};
  CHECK(load_full("o.lua", text, &l, bad_int, 1, 1, NULL, NULL) == CS_ESCRIPT && strstr(g_msg, "--set k=abc") &&
        strstr(g_msg, "o.lua:3:"));
  cs_override frac[] = {{"k", "2.5"}};
  CHECK(load_full("o.lua", text, &l, frac, 1, 1, NULL, NULL) == CS_ESCRIPT && strstr(g_msg, "--set k=2.5"));
  cs_override bad_bool[] = {{"flag", "maybe"}};
  CHECK(load_full("o.lua", text, &l, bad_bool, 1, 1, NULL, NULL) == CS_ESCRIPT && strstr(g_msg, "--set flag=maybe"));
  cs_override bad_model[] = {{"lambda0", "fast"}};
  CHECK(load_full("o.lua", text, &l, bad_model, 1, 1, NULL, NULL) == CS_ESCRIPT &&
        strstr(g_msg, "--set lambda0=fast"));
  cs_override good[] = {{"k", "7"}, {"x", "1e-3"}, {"flag", "true"}, {"label", "yo"}, {"lambda0", "0.02"}};
  cs_world *w = NULL;
  cs_script *s = NULL;
  int rc = load_full("o.lua", text, &l, good, 5, 1, &w, &s);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) {
    fprintf(stderr, "  %s\n", g_msg);
    return;
  }
  CHECK(cs_world_param(w, "k") == 7);
  CHECK_NEAR(cs_world_param(w, "x"), 1e-3, 1e-15);
  CHECK(cs_world_param(w, "flag") == 1);
  CHECK_NEAR(cs_world_param(w, "lambda0"), 0.02, 1e-15); /* --set beats model{} */
  cs_param_info p;
  cs_world_param_info(w, cs_world_param_find(w, "label"), &p);
  CHECK(p.type == CS_PT_STRING && strcmp(p.str, "yo") == 0 && !p.is_model);
  cs_world_param_info(w, cs_world_param_find(w, "k"), &p);
  CHECK(p.type == CS_PT_INTEGER && strcmp(p.doc, "a count") == 0);
  cs_script_free(s);
  cs_world_free(w);
}

/* The draws a script makes, recorded in a string parameter. */
static int draws(uint64_t seed, char *out, size_t n) {
  cs_script_limits l = small_limits();
  cs_world *w = NULL;
  cs_script *s = NULL;
  const char *text = "scenario { days = 1 }\nnode { id = 'a' }\nlocal r = {}\n"
                     "for i = 1, 8 do r[#r + 1] = math.random(1, 1000000) end\n"
                     "r[#r + 1] = math.random(6)\nr[#r + 1] = string.format('%.17g', math.random())\n"
                     "r[#r + 1] = math.random(math.mininteger, math.maxinteger)\n"
                     "for i = 1, 200 do local v = math.random(3, 5); assert(v >= 3 and v <= 5) end\n"
                     "for i = 1, 200 do local v = math.random(); assert(v >= 0 and v < 1) end\n"
                     "assert(not pcall(math.random, 5, 1))\n"
                     "param('draws', table.concat(r, ','))\n";
  int rc = load_full("r.lua", text, &l, NULL, 0, seed, &w, &s);
  if (rc != CS_OK) {
    fprintf(stderr, "  %s\n", g_msg);
    return rc;
  }
  cs_param_info p;
  cs_world_param_info(w, cs_world_param_find(w, "draws"), &p);
  snprintf(out, n, "%s", p.str);
  cs_script_free(s);
  cs_world_free(w);
  return CS_OK;
}

static void test_random(void) {
  char a[1024], b[1024], c[1024];
  CHECK(draws(42, a, sizeof a) == CS_OK);
  CHECK(draws(42, b, sizeof b) == CS_OK);
  CHECK(draws(43, c, sizeof c) == CS_OK);
  CHECK(strcmp(a, b) == 0);
  CHECK(strcmp(a, c) != 0);
}

/* Callbacks, driven through the installed hooks. */
static void test_callbacks(void) {
  cs_script_limits l = small_limits();
  cs_world *w = NULL;
  cs_script *s = NULL;
  static char text[8192];
  snprintf(text, sizeof text, "%s", cat(MIN, "param('order', '')\nparam('fired', 0)\n"       /* 8, 9 */
                              "at(1, function(sim) while true do end end)\n"  /* 10: timer 0 */
                              "at(2, function(sim) error('boom') end)\n"      /* 11: timer 1 */
                              "at(3, function(sim)\n"                         /* 12: timer 2 */
                              "  assert(sim:owner('b') == 'CONTESTED' and sim:owner('a') == 'STATE')\n"
                              "  assert(sim:residents('b') == 200 and sim:members('g1') == 50)\n"
                              "  sim:set('fired', 10)\n"
                              "end)\n"
                              "on('takeover', function(sim, ev)\n"            /* 17 */
                              "  assert(ev.kind == 'takeover' and ev.node == 'a')\n"
                              "  assert(ev.actor == 'g1' and ev.target == 'STATE' and ev.deaths == 3)\n"
                              "  sim:set('order', P.order .. '1')\n"
                              "end)\n"
                              "on('takeover', function(sim, ev) sim:set('order', P.order .. '2') end)\n"
                              "when(function(sim, ev) return ev.kind == 'takeover' end,\n"
                              "     function(sim, ev) sim:set('fired', P.fired + 1) end)\n"
                              "at(4, function(sim) sim:move('pol', 'nowhere') end)\n" /* 25: timer 3 */
                              "at(5, function(sim) sim.time() end)\n")); /* 26: timer 4 */
  int rc = load_full("cb.lua", text, &l, NULL, 0, 1, &w, &s);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) {
    fprintf(stderr, "  %s\n", g_msg);
    return;
  }
  cs_hooks h;
  cs_script_hooks(s, &h);
  char want[600];
  CHECK(h.timer(h.ud, w, 2) == CS_OK);
  CHECK(cs_world_param(w, "fired") == 10);
  cs_event_rec e = {.t = 0, .kind = CS_EK_TAKEOVER, .node = 0, .actor = CS_PARTY_GANG(0),
                    .target = CS_PARTY_STATE, .deaths = 3, .displaced = 0};
  CHECK(h.event(h.ud, w, &e) == CS_OK);
  CHECK(h.event(h.ud, w, &e) == CS_OK);
  cs_param_info p;
  cs_world_param_info(w, cs_world_param_find(w, "order"), &p);
  CHECK(strcmp(p.str, "1212") == 0);
  CHECK(cs_world_param(w, "fired") == 11); /* the when fired once */
  cs_event_rec e2 = {.kind = CS_EK_FLIGHT, .node = 0, .actor = -1, .target = 1};
  CHECK(h.event(h.ud, w, &e2) == CS_OK); /* no handler: nothing runs */
  /* each failure is reported in the world's context; the run would stop */
  struct { int id, line; const char *want; } bad[] = {
      {1, 11, "boom"},
      {3, 25, "sim:move: unknown node 'nowhere'"},
      {4, 26, "bad argument #1 to 'time'"},
      {0, 10, "instruction budget of 100000 exhausted"},
  };
  cs_script_free(s);
  cs_world_free(w);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (load_full("cb.lua", text, &l, NULL, 0, 1, &w, &s) != CS_OK) {
      CHECK(0);
      continue;
    }
    cs_script_hooks(s, &h);
    snprintf(want, sizeof want, "%s:%d:", g_path, bad[i].line);
    rc = h.timer(h.ud, w, bad[i].id);
    const char *msg = cs_errmsg(cs_world_ctx(w));
    int ok = rc == CS_ESCRIPT && strncmp(msg, want, strlen(want)) == 0 && strstr(msg, bad[i].want);
    if (!ok) fprintf(stderr, "  timer %d: rc %d, message: %s\n", bad[i].id, rc, msg);
    CHECK(ok);
    CHECK(h.timer(h.ud, w, 2) == CS_ESCRIPT); /* stays failed */
    cs_script_free(s);
    cs_world_free(w);
  }
}

/* A real run: every() re-arms itself up to the horizon, on() sees model
** events, and a failing callback stops the run with the script's message. */
static void test_run(void) {
  cs_script_limits l = small_limits();
  cs_world *w = NULL;
  cs_script *s = NULL;
  const char *text = "scenario { days = 10 }\nnode { id = 'a', residents = 1000 }\n"
                     "node { id = 'b', residents = 1000 }\nroad('a', 'b', 1)\n"
                     "unit { id = 'pol', kind = 'police', officers = 10, at = 'a' }\n"
                     "param('ticks', 0)\nparam('moves', 0)\n"
                     "every(1, function(sim) sim:set('ticks', P.ticks + 1) end)\n"
                     "at(2.5, function(sim) sim:move('pol', 'b') end)\n"
                     "on('move', function(sim, ev) assert(ev.actor == 'pol') sim:set('moves', P.moves + 1) end)\n";
  int rc = load_full("run.lua", text, &l, NULL, 0, 1, &w, &s);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) {
    fprintf(stderr, "  %s\n", g_msg);
    return;
  }
  rc = cs_world_run(w, 1, 0, NULL);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) fprintf(stderr, "  %s\n", cs_errmsg(cs_world_ctx(w)));
  CHECK(cs_world_param(w, "ticks") == 10); /* days 1, 2, ..., 10 */
  CHECK(cs_world_param(w, "moves") == 1);
  cs_script_free(s);
  cs_world_free(w);

  char bad[2048];
  snprintf(bad, sizeof bad, "%sat(3.5, function(sim) local t = nil; return t.x end)\n", text);
  rc = load_full("run.lua", bad, &l, NULL, 0, 1, &w, &s);
  CHECK(rc == CS_OK);
  if (rc != CS_OK) return;
  rc = cs_world_run(w, 1, 0, NULL);
  char want[600];
  snprintf(want, sizeof want, "%s:11: attempt to index a nil value", g_path);
  CHECK(rc == CS_ESCRIPT && strstr(cs_errmsg(cs_world_ctx(w)), want));
  if (rc != CS_ESCRIPT) fprintf(stderr, "  rc %d: %s\n", rc, cs_errmsg(cs_world_ctx(w)));
  CHECK(cs_world_param(w, "ticks") == 3);
  cs_script_free(s);
  cs_world_free(w);
}

/* The sweep file's reader (cs_script_sweep_read): the spec it fills, its
** orders (listed metrics, then Lua metrics by name; `set` by name), and a
** malformed field reported at its line with nothing left to free. */
static void test_sweep_read(void) {
  static const char *text =
      "return {\n"                                                   /* 1 */
      "  scenario = 'tiny.lua', replicates = 3,\n"                   /* 2 */
      "  parameters = { { 'a', grid = {1, 2} }, { name = 'b', uniform = {0, 1} } },\n" /* 3 */
      "  samples = 4,\n"                                             /* 4 */
      "  metrics = { 'clashes_all', 'fall_time:n1', 'fled:n2', zeta = function(sim) return 1 end,\n" /* 5 */
      "              alpha = { function(sim) return 2 end, units = 'u' } },\n"           /* 6 */
      "  set = { z = true, m = 2.5, k = 'x' },\n"                    /* 7 */
      "}\n";
  const char *path = write_script("sw.lua", text, strlen(text));
  cs_ctx ctx = {{0}};
  cs_sweep_spec sp;
  memset(&sp, 0, sizeof sp);
  CHECK(cs_script_sweep_read(&ctx, path, NULL, 0, &sp) == CS_OK);
  char want[600];
  snprintf(want, sizeof want, "%s/tiny.lua", g_dir);
  CHECK(sp.src && sp.src_len == strlen(text) && !strcmp(sp.src, text));
  CHECK(sp.scenario_path && !strcmp(sp.scenario_path, want));
  CHECK(sp.seed == 1 && sp.replicates == 3 && sp.samples == 4);
  CHECK(sp.n_params == 2 && !strcmp(sp.params[0].name, "a") && sp.params[0].kind == CS_SWP_GRID &&
        sp.params[0].n_values == 2 && sp.params[1].kind == CS_SWP_UNIFORM && sp.params[1].hi == 1);
  CHECK(sp.n_metrics == 5 && sp.metrics[0].kind == CS_MET_CLASHES_ALL && sp.metrics[1].kind == CS_MET_FALL_TIME &&
        !strcmp(sp.metrics[1].name, "fall_time_n1") && !strcmp(sp.metrics[1].node, "n1"));
  CHECK(sp.metrics[2].kind == CS_MET_FLED && !strcmp(sp.metrics[2].name, "fled_n2") && !strcmp(sp.metrics[2].node, "n2"));
  CHECK(sp.n_lua == 2 && sp.lua_first == 3 && sp.lua_names[0] == sp.metrics[3].name &&
        !strcmp(sp.lua_names[0], "alpha") && !strcmp(sp.lua_names[1], "zeta") && !strcmp(sp.metrics[3].units, "u"));
  CHECK(sp.n_sets == 3 && !strcmp(sp.sets[0].name, "k") && !strcmp(sp.sets[1].value, "2.5") &&
        !strcmp(sp.sets[2].value, "true"));
  cs_script_sweep_clear(&sp);
  CHECK(sp.params == NULL && sp.n_metrics == 0 && sp.src == NULL);

  static const char *bad = "return { scenario = 'x.lua',\n  replicates = 0 }\n";
  CHECK(cs_script_sweep_read(&ctx, "dir/bad.lua", bad, strlen(bad), &sp) == CS_ESCRIPT);
  CHECK(strstr(cs_errmsg(&ctx), "bad.lua:") && strstr(cs_errmsg(&ctx), "sweep: replicates must be an integer >= 1"));
  CHECK(sp.src == NULL && sp.metrics == NULL);
  /* a node metric needs its node; a Lua metric may not take a node metric's output name */
  static const char *no_node = "return { scenario = 'x.lua', metrics = { 'fled' } }\n";
  CHECK(cs_script_sweep_read(&ctx, "dir/bad.lua", no_node, strlen(no_node), &sp) == CS_ESCRIPT);
  CHECK(strstr(cs_errmsg(&ctx), "unknown metric 'fled'") && strstr(cs_errmsg(&ctx), "fled:<node>"));
  static const char *taken = "return { scenario = 'x.lua', metrics = { fled_n1 = function(sim) return 1 end } }\n";
  CHECK(cs_script_sweep_read(&ctx, "dir/bad.lua", taken, strlen(taken), &sp) == CS_ESCRIPT);
  CHECK(strstr(cs_errmsg(&ctx), "metric 'fled_n1': the name of a built-in metric"));
  CHECK(sp.src == NULL && sp.metrics == NULL);
}

/* A memory error in csv() between realpath() and the end of the path check
** leaks nothing (realpath's buffer was once lost when pushing the path
** raised). The heap is filled to the cap, then freed a node at a time with
** csv() tried after each: some try fails while pushing the path (a long
** one, through a link to a deep folder), and a later one succeeds. The
** leak check is glibc's count of bytes in use (a second load, so that
** one-time initialisations are out of it); LeakSanitizer checks it too. */
static void test_files_memory_error(void) {
  char deep[2600];
  int n = snprintf(deep, sizeof deep, "%s", g_dir);
  for (int i = 0; i < 12; i++) {
    n += snprintf(deep + n, sizeof deep - (size_t)n, "/%0200d", i);
    CHECK(mkdir(deep, 0777) == 0);
  }
  char path[2700], link[600];
  snprintf(path, sizeof path, "%s/d.csv", deep);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs("a\n1\n", f);
  fclose(f);
  snprintf(link, sizeof link, "%s/l", g_dir);
  CHECK(symlink(deep + strlen(g_dir) + 1, link) == 0);
  static const char *text =
      "scenario { days = 1 }\n"
      "assert(csv('l/d.csv')[1].a == 1)\n"
      "local head, fails = nil, 0\n"
      "for _, size in ipairs({ 65536, 4096, 256, 16 }) do\n"
      "  while pcall(function() head = { head, string.rep('x', size) } end) do end\n"
      "end\n"
      "while head do\n"
      "  head = head[1]\n"
      "  local ok, err = pcall(csv, 'l/d.csv')\n"
      "  if ok then error('probe: ' .. fails .. ' memory errors, then read') end\n"
      "  if not tostring(err):find('not enough memory') then error(err) end\n"
      "  fails = fails + 1\n"
      "end\n"
      "error('probe: never read')\n";
  cs_script_limits l;
  cs_script_limits_default(&l);
  l.mem_bytes = 1u << 20;
  size_t before = 0;
  for (int round = 0; round < 2; round++) {
    if (round == 1) before = mallinfo2().uordblks;
    CHECK(load_full("fill.lua", text, &l, NULL, 0, 1, NULL, NULL) == CS_ESCRIPT);
    int fails = 0;
    const char *m = strstr(g_msg, "probe: ");
    CHECK(m && sscanf(m, "probe: %d memory errors, then read", &fails) == 1 && fails > 0);
    if (!m || fails == 0) fprintf(stderr, "  %s\n", g_msg);
  }
  size_t after = mallinfo2().uordblks;
  CHECK(after < before + 4096);
  if (after >= before + 4096) fprintf(stderr, "  %zu bytes more in use after the load\n", after - before);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(g_dir, sizeof g_dir, "%s/cs_test_script_XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(g_dir)) {
    perror("mkdtemp");
    return 2;
  }
  test_minimal();
  test_owner_before_gang();
  test_sandbox();
  test_budget();
  test_bounded();
  test_gc();
  test_declarations();
  test_overrides();
  test_random();
  test_callbacks();
  test_run();
  test_sweep_read();
  test_files_memory_error();
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
  return check_report();
}
