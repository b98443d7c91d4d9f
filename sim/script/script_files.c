/* script_files.c: what a scenario reads besides itself. `require "name"`
** runs a Lua module, `csv("path")` reads a table (parsed by script_csv.c),
** `nodes_from(rows, map)` declares a node per row; every file read is
** recorded (path, size, SHA-256, and the text) for the run file's
** provenance (cs_script_file_get).
**
** A file is named relative to the scenario's folder and must stay inside it
** (checked on the real path, so a symlink out is refused): no absolute
** path, no `..` component. The check and the open see the same file: the
** real path is opened one component at a time from the folder without
** following symbolic links (open_inside), so a link swapped in after the
** check is refused, not followed. It must be a regular file (a FIFO or a
** device is refused before it is opened, and so never blocks) of at most
** 64 MiB.
**
** Invariants:
** - require and csv work only while the scenario loads (s->loading): the
**   provenance is complete before the run starts, and a callback cannot
**   read files.
** - Modules run in the load's protected call, so under its instruction
**   budget and memory cap; each runs once (CS_REG_MODULES caches its
**   value); a module being loaded is marked false there, so a cycle is an
**   error naming it, not a recursion.
** - Everything kept here (records, texts, the parsed table while it is
**   turned into Lua values) is counted in s->mem_used, and is owned by a
**   record or a userdata before anything can raise, so an error leaks
**   nothing. */
#define _GNU_SOURCE /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <openssl/evp.h>

#include "script_csv.h"
#include "script_int.h"

#define CS_PI 3.14159265358979323846
#define EARTH_KM 6371.0088 /* the mean Earth radius (IUGG) */

/* The value CS_REG_MODULES holds for a module while it loads. */
static const char loading_mark;

int cs_script_n_files(const cs_script *s) { return s->n_files; }

void cs_script_file_get(const cs_script *s, int i, cs_script_file *out) {
  const sfile *f = &s->files[i];
  out->kind = f->kind;
  out->path = f->path;
  out->source = f->src;
  out->len = f->len;
  out->sha256 = f->sha;
}

void cs_script_files_free(cs_script *s) {
  for (int i = 0; i < s->n_files; i++) {
    cs_script_freestr(s, s->files[i].path);
    if (s->files[i].src) cs_script_dealloc(s, s->files[i].src, s->files[i].len + 1);
  }
  if (s->files) cs_script_dealloc(s, s->files, (size_t)s->cap_files * sizeof *s->files);
  if (s->dir) cs_script_dealloc(s, s->dir, s->dir_cap);
  s->files = NULL;
  s->dir = NULL;
  s->n_files = s->cap_files = 0;
}

static void sha256_hex(const void *data, size_t len, char hex[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  hex[0] = '\0';
  if (EVP_Digest(data ? data : "", len, md, &n, EVP_sha256(), NULL) && n == 32) cs_hex(md, 32, hex);
}

/* Raise unless the scenario is loading. */
static void need_loading(lua_State *L, const char *fn, const char *what) {
  if (!cs_script_from(L)->loading)
    luaL_error(L, "%s: %s can only be read while the scenario loads, not from a callback "
                  "(call it at the top level of the scenario or of a module)", fn, what);
}

/* The real path of the scenario's folder, computed once. Raises. */
static const char *scenario_dir(lua_State *L) {
  cs_script *s = cs_script_from(L);
  if (s->dir) return s->dir;
  const char *slash = strrchr(s->path, '/');
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  if (!slash) luaL_addchar(&b, '.');
  else if (slash == s->path) luaL_addchar(&b, '/');
  else luaL_addlstring(&b, s->path, (size_t)(slash - s->path));
  luaL_pushresult(&b);
  char *real = realpath(lua_tostring(L, -1), NULL);
  if (!real) luaL_error(L, "cannot find the scenario's folder '%s': %s", lua_tostring(L, -1), strerror(errno));
  size_t n = strlen(real) + 1;
  if (s->mem_used + n > s->lim.mem_bytes || !(s->dir = malloc(n))) {
    free(real);
    luaL_error(L, "not enough memory (the scenario's limit is %I bytes)", (lua_Integer)s->lim.mem_bytes);
  }
  memcpy(s->dir, real, n);
  free(real);
  s->dir_cap = n;
  s->mem_used += n;
  lua_pop(L, 1);
  return s->dir;
}

/* The scenario's folder as written on the command line ("" or "dir/"), for
** messages and chunk names. Pushes it. */
static const char *push_shown_dir(lua_State *L) {
  cs_script *s = cs_script_from(L);
  const char *slash = strrchr(s->path, '/');
  return lua_pushlstring(L, s->path, slash ? (size_t)(slash - s->path) + 1 : 0);
}

/* Check rel (a path relative to the scenario's folder, as given to fn) and
** push its real path, which is inside the folder. Raises with a message
** naming fn and rel. */
static const char *push_resolved(lua_State *L, const char *fn, const char *rel, size_t rel_len) {
  if (rel_len == 0) luaL_error(L, "%s: empty path", fn);
  if (strlen(rel) != rel_len) luaL_error(L, "%s: the path contains a NUL byte", fn);
  if (rel[0] == '/')
    luaL_error(L, "%s: '%s' is an absolute path; name files relative to the scenario's folder", fn, rel);
  for (const char *p = rel; *p;) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 2 && p[0] == '.' && p[1] == '.')
      luaL_error(L, "%s: '%s': '..' is not allowed; files must be in the scenario's folder or below it", fn, rel);
    p += n + (e != NULL);
  }
  const char *dir = scenario_dir(L);
  const char *full = lua_pushfstring(L, "%s/%s", dir, rel);
  char real[PATH_MAX]; /* not realpath's malloc'd result: pushing it may raise, which would lose it */
  if (!realpath(full, real)) {
    int e = errno;
    push_shown_dir(L);
    luaL_error(L, "%s: cannot open '%s' (in the scenario's folder '%s'): %s", fn, rel,
               *lua_tostring(L, -1) ? lua_tostring(L, -1) : "./", strerror(e));
  }
  lua_pop(L, 1);
  lua_pushstring(L, real);
  size_t dn = strlen(dir);
  int inside = strncmp(real, dir, dn) == 0 && (real[dn] == '/' || (dn == 1 && dir[0] == '/'));
  if (!inside)
    luaL_error(L, "%s: '%s' resolves to '%s', outside the scenario's folder '%s' (a symbolic link out of it?)",
               fn, rel, lua_tostring(L, -1), dir);
  return lua_tostring(L, -1);
}

#ifndef O_PATH
#define O_PATH O_RDONLY
#endif

/* Open real (from push_resolved: the scenario's folder dir, then components
** that were neither symbolic links nor '..' when realpath looked) for
** reading, walking it from dir one component at a time with O_NOFOLLOW: if
** the tree changed since the check (a component swapped for a symbolic
** link, say out of the folder), the open fails instead of following it, so
** the file opened is the one checked, inside the folder. A file that is not
** regular is refused before it is opened (fstatat); one swapped in after
** that is opened with O_NONBLOCK (cs_script_read_fd refuses it), so a FIFO
** never blocks. Returns the descriptor (caller owns), or -1 with the
** message in ctx (`what` names the file's kind). Does not raise. */
static int open_inside(cs_ctx *ctx, const char *dir, const char *real, const char *what) {
  static const char swapped[] = "it changed while being opened (a symbolic link swapped in?)";
  char comp[NAME_MAX + 1];
  size_t dn = strlen(dir);
  const char *p = real + dn + (dir[dn - 1] != '/');
  int cur = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;
  if (cur < 0) return cs_err(ctx, CS_EIO, "%s: cannot open the scenario's folder: %s", dir, strerror(errno)), -1;
  if (!*p) {
    close(cur);
    return cs_err(ctx, CS_EIO, "%s: cannot read the %s: it is a directory", real, what), -1;
  }
  for (;;) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 0 || n > NAME_MAX) {
      cs_err(ctx, CS_EIO, "%s: cannot open the %s: %s", real, what, swapped);
      break;
    }
    memcpy(comp, p, n);
    comp[n] = '\0';
    if (e) { /* a folder on the way */
      int next = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int err = errno;
      close(cur);
      cur = next;
      if (cur < 0) {
        cs_err(ctx, CS_EIO, "%s: cannot open the %s: %s", real, what,
               err == ELOOP || err == ENOTDIR ? swapped : strerror(err));
        return -1;
      }
      p = e + 1;
      continue;
    }
    struct stat st;
    if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) != 0)
      cs_err(ctx, CS_EIO, "%s: cannot open the %s: %s", real, what, strerror(errno));
    else if (S_ISLNK(st.st_mode))
      cs_err(ctx, CS_EIO, "%s: cannot open the %s: %s", real, what, swapped);
    else if (!S_ISREG(st.st_mode))
      cs_err(ctx, CS_EIO, "%s: cannot read the %s: %s", real, what,
             S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
    else if ((fd = openat(cur, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
      cs_err(ctx, CS_EIO, "%s: cannot open the %s: %s", real, what, errno == ELOOP ? swapped : strerror(errno));
    break;
  }
  close(cur);
  return fd;
}

/* Read the file at real (rel in messages) and record it as kind. Returns the
** record (its src is the text, NUL-terminated, kept until cs_script_free or
** until the caller drops it). Raises. */
static sfile *read_and_record(lua_State *L, const char *fn, const char *real, const char *rel, int kind) {
  cs_script *s = cs_script_from(L);
  if (s->n_files == s->cap_files) {
    int nc = s->cap_files ? 2 * s->cap_files : 8;
    size_t oldb = (size_t)s->cap_files * sizeof *s->files, newb = (size_t)nc * sizeof *s->files;
    sfile *nf = NULL;
    if (s->mem_used - oldb + newb <= s->lim.mem_bytes) nf = realloc(s->files, newb);
    if (!nf) luaL_error(L, "not enough memory (the scenario's limit is %I bytes)", (lua_Integer)s->lim.mem_bytes);
    s->files = nf;
    s->mem_used = s->mem_used - oldb + newb;
    s->cap_files = nc;
  }
  char *path = cs_script_strdup(L, rel); /* counted; owned by the record below before the next raise */
  cs_ctx ctx = {{0}};
  char *buf = NULL;
  size_t len = 0;
  const char *what = kind == CS_SCRIPT_FILE_MODULE ? "module" : "data file";
  int fd = open_inside(&ctx, s->dir, real, what), rc = CS_EIO, too_big = 0;
  struct stat st;
  size_t room = s->mem_used < s->lim.mem_bytes ? s->lim.mem_bytes - s->mem_used : 0;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= room) {
    close(fd); /* refused before reading: the buffer would pass the cap */
    len = (size_t)st.st_size;
    rc = CS_OK, too_big = 1;
  } else if (fd >= 0) rc = cs_script_read_fd(&ctx, fd, real, what, &buf, &len);
  if (rc == CS_OK && (too_big || len >= room)) {
    free(buf);
    cs_script_freestr(s, path);
    return luaL_error(L, "%s: '%s' (%I bytes): not enough memory (the scenario's limit is %I bytes)", fn, rel,
                      (lua_Integer)len, (lua_Integer)s->lim.mem_bytes), NULL;
  }
  if (rc != CS_OK) {
    cs_script_freestr(s, path);
    lua_pushstring(L, cs_errmsg(&ctx));
    return luaL_error(L, "%s: '%s': %s", fn, rel, lua_tostring(L, -1)), NULL;
  }
  s->mem_used += len + 1;
  sfile *f = &s->files[s->n_files++];
  memset(f, 0, sizeof *f);
  f->kind = kind;
  f->path = path;
  f->src = buf;
  f->len = len;
  sha256_hex(buf, len, f->sha);
  if (!f->sha[0]) luaL_error(L, "%s: '%s': SHA-256 failed", fn, rel);
  return f;
}

/* ---- require ---- */

/* Raise "require 'name': a cycle: a -> b -> name". */
static int cycle_error(lua_State *L, const char *name) {
  luaL_Buffer b;
  lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_MODSTACK);
  int st = lua_gettop(L);
  luaL_buffinit(L, &b);
  lua_Integer n = luaL_len(L, st), first = n;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, st, i);
    if (first == n && !strcmp(lua_tostring(L, -1), name)) first = i;
    lua_pop(L, 1);
  }
  for (lua_Integer i = first; i <= n; i++) {
    lua_rawgeti(L, st, i);
    luaL_addvalue(&b);
    luaL_addstring(&b, " -> ");
  }
  luaL_addstring(&b, name);
  luaL_pushresult(&b);
  return luaL_error(L, "require '%s': the module requires itself (%s); break the cycle, e.g. by passing "
                       "values as arguments", name, lua_tostring(L, -1));
}

/* require(name) -> the module's value. name: components of letters, digits,
** '_' and '-', separated by '.'; "lib.city" loads lib/city.lua. */
static int l_require(lua_State *L) {
  cs_script *s = cs_script_from(L);
  size_t nlen;
  const char *name = luaL_checklstring(L, 1, &nlen);
  if (!s->loading)
    return luaL_error(L, "require '%s': modules can only be loaded while the scenario loads, not from a "
                         "callback (require it at the top of the scenario and keep the value in a local)", name);
  int ok = nlen > 0 && nlen < 256;
  for (size_t i = 0; ok && i < nlen; i++) {
    char c = name[i];
    if (c == '.') ok = i > 0 && i + 1 < nlen && name[i + 1] != '.';
    else ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }
  if (!ok)
    return luaL_error(L, "require: bad module name '%s' (letters, digits, '_' and '-', with '.' between folders: "
                         "require \"lib.city\" loads lib/city.lua from the scenario's folder)", name);
  lua_settop(L, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_MODULES); /* 2 */
  lua_pushvalue(L, 1);
  int t = lua_rawget(L, 2);
  if (t == LUA_TLIGHTUSERDATA && lua_touserdata(L, -1) == &loading_mark) return cycle_error(L, name);
  if (t != LUA_TNIL) return 1;
  lua_pop(L, 1);
  luaL_Buffer b; /* the file: dots become slashes */
  luaL_buffinit(L, &b);
  for (size_t i = 0; i < nlen; i++) luaL_addchar(&b, name[i] == '.' ? '/' : name[i]);
  luaL_addstring(&b, ".lua");
  luaL_pushresult(&b); /* 3: rel */
  const char *rel = lua_tostring(L, 3);
  char fn[300];
  snprintf(fn, sizeof fn, "require '%s'", name);
  const char *real = push_resolved(L, fn, rel, strlen(rel)); /* 4 */
  sfile *f = read_and_record(L, fn, real, rel, CS_SCRIPT_FILE_MODULE);
  push_shown_dir(L);
  const char *chunk = lua_pushfstring(L, "@%s%s", lua_tostring(L, -1), rel); /* 6 */
  if (luaL_loadbufferx(L, f->src, f->len, chunk, "t") != LUA_OK) return lua_error(L); /* 7 */
  /* mark it loading, push it on the stack of modules */
  lua_pushvalue(L, 1);
  lua_pushlightuserdata(L, (void *)&loading_mark);
  lua_rawset(L, 2);
  lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_MODSTACK);
  lua_Integer depth = luaL_len(L, -1);
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, depth + 1);
  lua_pop(L, 1);
  lua_pushvalue(L, 1); /* the module gets its name, as in Lua */
  int st = lua_pcall(L, 1, 1, 0);
  lua_getfield(L, LUA_REGISTRYINDEX, CS_REG_MODSTACK);
  lua_pushnil(L);
  lua_rawseti(L, -2, depth + 1);
  lua_pop(L, 1);
  lua_pushvalue(L, 1);
  if (st != LUA_OK) { /* unmark it (a pcall around require may go on), then pass the error on */
    lua_pushnil(L);
    lua_rawset(L, 2);
    return lua_error(L);
  }
  if (lua_isnil(L, -2)) {
    lua_pushboolean(L, 1);
    lua_replace(L, -3);
  }
  lua_pushvalue(L, -2);
  lua_rawset(L, 2);
  return 1;
}

/* ---- csv ---- */

typedef struct csvbox {
  cs_csv *t;
  cs_script *s;
} csvbox;

static void box_release(csvbox *bx) {
  if (bx->t) {
    bx->s->mem_used -= bx->t->bytes;
    cs_csv_free(bx->t);
    bx->t = NULL;
  }
}

static int box_gc(lua_State *L) {
  box_release(lua_touserdata(L, 1));
  return 0;
}

/* csv(path) -> rows: an array of tables keyed by the header; rows.columns
** (through a metatable) lists the header's names in order. A field is a number if unquoted and
** a whole decimal number, else a string; an empty field is "". */
static int l_csv(lua_State *L) {
  cs_script *s = cs_script_from(L);
  size_t rlen;
  const char *rel = luaL_checklstring(L, 1, &rlen);
  need_loading(L, "csv", "data files");
  const char *real = push_resolved(L, "csv", rel, rlen);
  sfile *f = read_and_record(L, "csv", real, rel, CS_SCRIPT_FILE_DATA);
  cs_script_charge(L, f->len / 8 + 1, "csv");
  csvbox *bx = lua_newuserdatauv(L, sizeof *bx, 0);
  bx->t = NULL;
  bx->s = s;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, box_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  int box = lua_gettop(L);
  char err[256];
  cs_csv *t = NULL;
  cs_csv_limits lim;
  cs_csv_limits_default(&lim);
  /* the parser's buffers count against the cap while it runs, not only once it is done */
  lim.max_mem = s->mem_used < s->lim.mem_bytes ? s->lim.mem_bytes - s->mem_used : 1;
  int prc = cs_csv_parse(f->src, f->len, &lim, &t, err, sizeof err);
  if (prc == -2)
    return luaL_error(L, "csv: %s:%s (the scenario's limit is %I bytes)", rel, err, (lua_Integer)s->lim.mem_bytes);
  if (prc != 0) return luaL_error(L, "csv: %s:%s", rel, err);
  if (s->mem_used + t->bytes > s->lim.mem_bytes) {
    cs_csv_free(t);
    return luaL_error(L, "csv: %s: not enough memory to parse it (the scenario's limit is %I bytes)", rel,
                      (lua_Integer)s->lim.mem_bytes);
  }
  s->mem_used += t->bytes; /* given back by box_release */
  bx->t = t;
  if (f->len > CS_SCRIPT_DATA_KEEP) { /* the provenance keeps its hash only */
    cs_script_dealloc(s, f->src, f->len + 1);
    f->src = NULL;
  }
  cs_script_charge(L, (uint64_t)t->n_rows * t->n_cols / 4 + 1, "csv");
  size_t nc = t->n_cols;
  lua_createtable(L, (int)nc, 0); /* columns */
  int cols = lua_gettop(L);
  for (size_t c = 0; c < nc; c++) {
    lua_pushlstring(L, t->text + t->off[c], t->len[c]);
    lua_rawseti(L, cols, (lua_Integer)c + 1);
  }
  lua_createtable(L, t->n_rows > INT_MAX ? INT_MAX : (int)t->n_rows, 0);
  int rows = lua_gettop(L);
  for (size_t r = 1; r <= t->n_rows; r++) {
    lua_createtable(L, 0, (int)nc);
    for (size_t c = 0; c < nc; c++) {
      size_t k = r * nc + c;
      const char *v = t->text + t->off[k];
      int64_t iv;
      double dv;
      lua_rawgeti(L, cols, (lua_Integer)c + 1);
      int num = t->quoted[k] ? 0 : cs_csv_number(v, t->len[k], &iv, &dv);
      if (num == 1) lua_pushinteger(L, (lua_Integer)iv);
      else if (num == 2) lua_pushnumber(L, dv);
      else lua_pushlstring(L, v, t->len[k]);
      lua_rawset(L, -3);
    }
    lua_rawseti(L, rows, (lua_Integer)r);
  }
  box_release(bx);
  lua_createtable(L, 0, 1); /* rows.columns, without a key of its own (pairs and # see only the rows) */
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, cols);
  lua_setfield(L, -2, "columns");
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, rows);
  lua_pushvalue(L, rows);
  (void)box; /* the userdata stays on the stack (and so alive) until here */
  return 1;
}

/* ---- nodes_from ---- */

static const char *const NODE_FIELDS[] = {"id", "name", "commune", "x", "y", "residents", "value",
                                          "fortification", "owner", "site_capacity", "media", NULL};

/* The column for field f: map[f] if given (pushed), else f. */
static const char *column_for(lua_State *L, int map, const char *f, int *given) {
  *given = 0;
  if (map) {
    if (lua_getfield(L, map, f) != LUA_TNIL) {
      if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "nodes_from: map field '%s' must be a column name (a string)", f);
      *given = 1;
      return lua_tostring(L, -1);
    }
    lua_pop(L, 1);
  }
  return lua_pushstring(L, f);
}

/* Whether row has a column col (any value). */
static int has_col(lua_State *L, int row, const char *col) {
  int t = lua_getfield(L, row, col);
  lua_pop(L, 1);
  return t != LUA_TNIL;
}

static double latlon(lua_State *L, int row, const char *col, lua_Integer i, double lim) {
  lua_getfield(L, row, col);
  int isnum = lua_type(L, -1) == LUA_TNUMBER;
  double v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (!isnum || !(v >= -lim && v <= lim))
    luaL_error(L, "nodes_from: row %I: column '%s' must be a number in [-%d, %d]", i, col, (int)lim, (int)lim);
  return v;
}

/* nodes_from(rows [, map]): node{} for each row of rows (from csv), in
** order. The node field f is read from column map[f] or, if not mapped,
** from a column named f when there is one; an empty string is "not given".
** Positions: x and y (km), or lat and lon (degrees) projected on a plane
** (equirectangular, around the mean latitude and longitude of the rows).
** Returns the number of nodes declared. */
static int l_nodes_from(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int map = 0;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    map = 2;
    lua_pushnil(L);
    while (lua_next(L, map)) {
      lua_pop(L, 1);
      int ok = lua_type(L, -1) == LUA_TSTRING;
      const char *k = ok ? lua_tostring(L, -1) : "";
      int known = !strcmp(k, "lat") || !strcmp(k, "lon");
      for (int j = 0; NODE_FIELDS[j] && !known; j++) known = !strcmp(k, NODE_FIELDS[j]);
      if (!known) {
        char d[64];
        cs_script_describe(L, -1, d, sizeof d);
        return luaL_error(L, "nodes_from: map has an unknown field %s (node fields, or lat and lon)", d);
      }
    }
  }
  lua_settop(L, 2);
  lua_Integer n = luaL_len(L, 1);
  if (n == 0) return lua_pushinteger(L, 0), 1;
  lua_rawgeti(L, 1, 1);
  if (!lua_istable(L, -1)) return luaL_error(L, "nodes_from: row 1 is not a table (pass what csv returns)");
  int first = lua_gettop(L);
  /* check every mapped column exists; decide between x/y and lat/lon */
  int gx, gy, glat, glon;
  const char *cx = column_for(L, map, "x", &gx), *cy = column_for(L, map, "y", &gy);
  const char *clat = column_for(L, map, "lat", &glat), *clon = column_for(L, map, "lon", &glon);
  for (int j = 0; NODE_FIELDS[j]; j++) {
    int g;
    const char *col = column_for(L, map, NODE_FIELDS[j], &g);
    if (g && !has_col(L, first, col))
      return luaL_error(L, "nodes_from: map field '%s': no column '%s' in the rows", NODE_FIELDS[j], col);
    lua_pop(L, 1);
  }
  if ((glat && !has_col(L, first, clat)) || (glon && !has_col(L, first, clon)))
    return luaL_error(L, "nodes_from: no column '%s' in the rows", glat && !has_col(L, first, clat) ? clat : clon);
  int use_xy = has_col(L, first, cx) || has_col(L, first, cy);
  int use_ll = has_col(L, first, clat) && has_col(L, first, clon);
  if (glat || glon) {
    if (!(glat && glon)) return luaL_error(L, "nodes_from: map gives %s without %s", glat ? "lat" : "lon",
                                           glat ? "lon" : "lat");
    if (gx || gy) return luaL_error(L, "nodes_from: map gives both x/y and lat/lon; give one");
    use_xy = 0;
  }
  if (use_xy) use_ll = 0;
  double lat0 = 0, lon0 = 0, coslat = 1;
  if (use_ll) {
    for (lua_Integer i = 1; i <= n; i++) {
      if (lua_rawgeti(L, 1, i) != LUA_TTABLE) return luaL_error(L, "nodes_from: row %I is not a table", i);
      lat0 += latlon(L, lua_gettop(L), clat, i, 90);
      lon0 += latlon(L, lua_gettop(L), clon, i, 180);
      lua_pop(L, 1);
    }
    lat0 /= (double)n;
    lon0 /= (double)n;
    coslat = cos(lat0 * CS_PI / 180);
  }
  lua_pushvalue(L, lua_upvalueindex(1)); /* the API's own node{} (a script may have replaced the global) */
  int nodefn = lua_gettop(L);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, 1, i) != LUA_TTABLE) return luaL_error(L, "nodes_from: row %I is not a table", i);
    int row = lua_gettop(L);
    lua_pushvalue(L, nodefn);
    lua_createtable(L, 0, 12);
    int d = lua_gettop(L);
    for (int j = 0; NODE_FIELDS[j]; j++) {
      int g;
      const char *f = NODE_FIELDS[j];
      if (use_ll && (!strcmp(f, "x") || !strcmp(f, "y"))) continue;
      const char *col = column_for(L, map, f, &g);
      lua_getfield(L, row, col);
      lua_remove(L, -2);
      if (lua_isnil(L, -1) || (lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, -1) == 0)) lua_pop(L, 1);
      else lua_setfield(L, d, f);
    }
    if (use_ll) {
      double la = latlon(L, row, clat, i, 90), lo = latlon(L, row, clon, i, 180);
      lua_pushnumber(L, EARTH_KM * (lo - lon0) * CS_PI / 180 * coslat);
      lua_setfield(L, d, "x");
      lua_pushnumber(L, EARTH_KM * (la - lat0) * CS_PI / 180);
      lua_setfield(L, d, "y");
    }
    if (lua_pcall(L, 1, 0, 0) != LUA_OK)
      return luaL_error(L, "nodes_from: row %I: %s", i, lua_tostring(L, -1));
    /* the declaration's position, for errors found once the body has run */
    cs_script *s = cs_script_from(L);
    if (s->n_nodes > 0) {
      luaL_where(L, 1);
      lua_pushfstring(L, "%snodes_from row %I: ", lua_tostring(L, -1), i);
      char *w = cs_script_strdup(L, lua_tostring(L, -1));
      lua_pop(L, 2);
      cs_script_freestr(s, s->nodes[s->n_nodes - 1].where);
      s->nodes[s->n_nodes - 1].where = w;
    }
    lua_settop(L, nodefn);
  }
  lua_pushinteger(L, n);
  return 1;
}

void cs_script_files_open(lua_State *L) {
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, CS_REG_MODULES);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, CS_REG_MODSTACK);
  lua_pushcfunction(L, l_require);
  lua_setglobal(L, "require");
  lua_pushcfunction(L, l_csv);
  lua_setglobal(L, "csv");
  lua_getglobal(L, "node");
  lua_pushcclosure(L, l_nodes_from, 1);
  lua_setglobal(L, "nodes_from");
}
