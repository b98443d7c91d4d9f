/* script_csv.c: the CSV parser of script_csv.h, in plain C.
**
** Two passes over the text: the first checks it is UTF-8 (so the second can
** count columns in characters); the second is a state machine that copies
** each field, unquoted, into one growing block. Nothing here touches Lua:
** the caller (script_files.c) builds Lua tables from the finished table and
** charges its `bytes` to the scenario's memory cap.
**
** Invariants: every array grows by doubling and is checked against the
** limits before it grows, so a hostile file costs at most about
** (3 x its size + 48 bytes x its fields), and never more than max_mem
** (b.held counts every byte allocated); positions are tracked for every
** byte consumed, so any error can name its line and column. */
#include "script_csv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cs_csv_limits_default(cs_csv_limits *lim) {
  lim->max_bytes = (size_t)64 << 20;
  lim->max_cols = 4096;
  lim->max_rows = 10000000;
  lim->max_field = (size_t)1 << 20;
  lim->max_mem = 0;
}

void cs_csv_free(cs_csv *t) {
  if (!t) return;
  free(t->text);
  free(t->off);
  free(t->len);
  free(t->quoted);
  free(t->line);
  free(t);
}

static int fail(char *err, size_t errn, size_t line, size_t col, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (errn) snprintf(err, errn, "%zu:%zu: %s", line, col, msg);
  return -1;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  if (c < 0x80) return 1;
  size_t k;
  unsigned min;
  if (c >= 0xC2 && c <= 0xDF) k = 2, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF) k = 3, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4) k = 4, min = 0x10000;
  else return 0;
  if (n < k) return 0;
  unsigned cp = c & (0x3F >> (k - 1));
  for (size_t i = 1; i < k; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return k;
}

/* The growing table under construction. */
typedef struct build {
  cs_csv *t;
  size_t text_len, text_cap; /* bytes used in t->text */
  size_t n_fields, cap_fields;
  size_t n_lines, cap_lines; /* t->line entries */
  size_t held, max_mem;      /* bytes allocated for t (becomes t->bytes); the cap (0: none) */
  int over;                  /* a growth was refused: it would have passed max_mem */
} build;

/* Grow the array *p of *cap elements of elem bytes to hold need, counting
** the bytes in b->held; -1 if the allocation fails or would pass the cap. */
static int grow(build *b, void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  if (c > SIZE_MAX / elem) return -1;
  size_t more = (c - *cap) * elem;
  if (b->max_mem && (more > b->max_mem || b->held > b->max_mem - more)) {
    b->over = 1;
    return -1;
  }
  void *q = realloc(*p, c * elem);
  if (!q) return -1;
  *p = q;
  *cap = c;
  b->held += more;
  return 0;
}

static int text_put(build *b, const char *s, size_t n) {
  if (grow(b, (void **)&b->t->text, &b->text_cap, b->text_len + n + 1, 1)) return -1;
  memcpy(b->t->text + b->text_len, s, n);
  b->text_len += n;
  return 0;
}

/* Close the current field, started at text offset start. */
static int field_end(build *b, size_t start, int quoted) {
  size_t need = b->n_fields + 1, c1 = b->cap_fields, c2 = b->cap_fields, c3 = b->cap_fields;
  if (grow(b, (void **)&b->t->off, &c1, need, sizeof(size_t)) ||
      grow(b, (void **)&b->t->len, &c2, need, sizeof(size_t)) || grow(b, (void **)&b->t->quoted, &c3, need, 1))
    return -1;
  b->cap_fields = c1;
  if (text_put(b, "", 0)) return -1;
  b->t->text[b->text_len++] = '\0';
  b->t->off[b->n_fields] = start;
  b->t->len[b->n_fields] = b->text_len - 1 - start;
  b->t->quoted[b->n_fields] = (unsigned char)quoted;
  b->n_fields++;
  return 0;
}

int cs_csv_parse(const char *buf, size_t n, const cs_csv_limits *lim_in, cs_csv **out, char *err, size_t errn) {
  cs_csv_limits lim;
  if (lim_in) lim = *lim_in;
  else cs_csv_limits_default(&lim);
  const unsigned char *p = (const unsigned char *)buf;
  size_t line = 1, col = 1;
  if (n > lim.max_bytes)
    return fail(err, errn, 1, 1, "the file is larger than %zu bytes", lim.max_bytes);
  /* pass 1: UTF-8 */
  for (size_t i = 0; i < n;) {
    size_t k = utf8_len(p + i, n - i);
    if (!k) return fail(err, errn, line, col, "invalid UTF-8 (byte 0x%02X)", p[i]);
    if (p[i] == '\n' || (p[i] == '\r' && (i + 1 >= n || p[i + 1] != '\n'))) line++, col = 1;
    else if (p[i] != '\r') col++;
    i += k;
  }
  size_t i = 0;
  if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) i = 3; /* BOM */
  if (i == n) return fail(err, errn, 1, 1, "empty file: no header row");

  build b = {0};
  b.held = sizeof *b.t;
  b.max_mem = lim.max_mem;
  if (b.max_mem && b.held > b.max_mem)
    return fail(err, errn, 1, 1, "not enough memory for the table (%zu bytes allowed)", b.max_mem), -2;
  if (!(b.t = calloc(1, sizeof *b.t))) return fail(err, errn, 1, 1, "out of memory");
  cs_csv *t = b.t;
  int rc = -1;
  size_t row_fields = 0;   /* fields of the current record so far */
  size_t row_line = 1;     /* line the current record starts on */
  line = 1, col = 1;
  int at_record_start = 1;
  for (;;) {
    /* at the start of a field */
    if (at_record_start) {
      /* skip lines with no bytes (but not at EOF: handled below) */
      while (i < n && (p[i] == '\n' || p[i] == '\r')) {
        if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') i++;
        i++, line++, col = 1;
      }
      if (i == n) break;
      row_line = line;
      row_fields = 0;
      at_record_start = 0;
      size_t nl = b.n_lines + 1;
      if (grow(&b, (void **)&t->line, &b.cap_lines, nl, sizeof(size_t))) goto oom;
      t->line[b.n_lines++] = line;
      if (b.n_lines - 1 > lim.max_rows) {
        fail(err, errn, line, col, "more than %zu rows", lim.max_rows);
        goto done;
      }
    }
    size_t start = b.text_len;
    size_t fline = line, fcol = col;
    int quoted = 0;
    if (t->n_cols && row_fields >= t->n_cols) {
      fail(err, errn, line, col, "more fields than the header's %zu (line %zu)", t->n_cols, row_line);
      goto done;
    }
    if (!t->n_cols && row_fields >= lim.max_cols) {
      fail(err, errn, line, col, "more than %zu columns", lim.max_cols);
      goto done;
    }
    if (i < n && p[i] == '"') {
      quoted = 1;
      i++, col++;
      for (;;) {
        if (i == n) {
          fail(err, errn, fline, fcol, "unterminated quoted field");
          goto done;
        }
        size_t j = i; /* a run of plain bytes */
        while (j < n && p[j] != '"' && p[j] != '\n' && p[j] != '\r') {
          if ((p[j] & 0xC0) != 0x80) col++;
          j++;
        }
        if (text_put(&b, buf + i, j - i)) goto oom;
        i = j;
        if (i == n) continue;
        if (p[i] == '"') {
          if (i + 1 < n && p[i + 1] == '"') {
            if (text_put(&b, "\"", 1)) goto oom;
            i += 2, col += 2;
          } else {
            i++, col++;
            break;
          }
        } else { /* a newline inside quotes, kept as written */
          size_t k = p[i] == '\r' && i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
          if (text_put(&b, buf + i, k)) goto oom;
          i += k, line++, col = 1;
        }
        if (b.text_len - start > lim.max_field) {
          fail(err, errn, fline, fcol, "field longer than %zu bytes", lim.max_field);
          goto done;
        }
      }
      if (i < n && p[i] != ',' && p[i] != '\n' && p[i] != '\r') {
        fail(err, errn, line, col, "text after the closing quote of a field (a quote inside a quoted field "
                                   "is written \"\")");
        goto done;
      }
    } else {
      size_t j = i;
      while (j < n && p[j] != ',' && p[j] != '\n' && p[j] != '\r') {
        if (p[j] == '"') {
          fail(err, errn, line, col, "a quote inside an unquoted field (quote the whole field and double the "
                                     "quote: \"a\"\"b\")");
          goto done;
        }
        if ((p[j] & 0xC0) != 0x80) col++;
        j++;
      }
      if (j - i > lim.max_field) {
        fail(err, errn, fline, fcol, "field longer than %zu bytes", lim.max_field);
        goto done;
      }
      if (text_put(&b, buf + i, j - i)) goto oom;
      i = j;
    }
    if (b.text_len - start > lim.max_field) {
      fail(err, errn, fline, fcol, "field longer than %zu bytes", lim.max_field);
      goto done;
    }
    if (field_end(&b, start, quoted)) goto oom;
    row_fields++;
    if (i < n && p[i] == ',') {
      i++, col++;
      continue;
    }
    /* end of record: a newline or the end of the text */
    if (!t->n_cols) { /* the header */
      t->n_cols = row_fields;
      for (size_t c = 0; c < t->n_cols; c++) {
        const char *name = t->text + t->off[c];
        if (t->len[c] == 0) {
          fail(err, errn, row_line, 1, "column %zu of the header has an empty name", c + 1);
          goto done;
        }
        for (size_t d = 0; d < c; d++)
          if (t->len[d] == t->len[c] && !memcmp(t->text + t->off[d], name, t->len[c])) {
            fail(err, errn, row_line, 1, "duplicate column name '%.60s' (columns %zu and %zu)", name, d + 1, c + 1);
            goto done;
          }
      }
    } else if (row_fields != t->n_cols) {
      fail(err, errn, line, col, "%zu field%s, the header has %zu (record starting on line %zu)", row_fields,
           row_fields == 1 ? "" : "s", t->n_cols, row_line);
      goto done;
    }
    at_record_start = 1;
    if (i < n) {
      if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') i++;
      i++, line++, col = 1;
    }
  }
  if (!t->n_cols) {
    fail(err, errn, 1, 1, "empty file: no header row");
    goto done;
  }
  t->n_rows = b.n_lines - 1;
  t->bytes = b.held;
  *out = t;
  return 0;
oom:
  if (b.over) {
    fail(err, errn, line, col, "not enough memory for the table (%zu bytes allowed, %zu held)", b.max_mem, b.held);
    rc = -2;
  } else fail(err, errn, line, col, "out of memory");
done:
  cs_csv_free(t);
  return rc;
}

int cs_csv_number(const char *s, size_t n, int64_t *iv, double *dv) {
  size_t k = 0;
  int digits = 0, frac = 0, expo = 0;
  char tmp[64];
  if (n == 0 || n >= sizeof tmp) return 0;
  if (s[k] == '+' || s[k] == '-') k++;
  while (k < n && s[k] >= '0' && s[k] <= '9') k++, digits++;
  if (k < n && s[k] == '.') {
    frac = 1;
    k++;
    while (k < n && s[k] >= '0' && s[k] <= '9') k++, digits++;
  }
  if (!digits) return 0;
  if (k < n && (s[k] == 'e' || s[k] == 'E')) {
    int ed = 0;
    expo = 1;
    k++;
    if (k < n && (s[k] == '+' || s[k] == '-')) k++;
    while (k < n && s[k] >= '0' && s[k] <= '9') k++, ed++;
    if (!ed) return 0;
  }
  if (k != n) return 0;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  errno = 0;
  if (!frac && !expo) {
    char *end;
    long long v = strtoll(tmp, &end, 10);
    if (errno == 0 && *end == '\0') {
      *iv = (int64_t)v;
      return 1;
    }
    errno = 0; /* too large for an integer: a float */
  }
  double d = strtod(tmp, NULL);
  if (!isfinite(d)) return 0;
  *dv = d;
  return 2;
}
