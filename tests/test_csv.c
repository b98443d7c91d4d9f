/* test_csv.c: the CSV parser of sim/script/script_csv.c, in plain C.
** Quotes, embedded newlines, CRLF, a BOM, bad UTF-8, ragged rows, header
** errors, an empty file, limits (max_mem among them), and the number rule. Error positions are
** checked against the documented "LINE:COL: message" form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "script_csv.h"

static cs_csv *ok(const char *text) {
  cs_csv *t = NULL;
  char err[256] = "";
  int rc = cs_csv_parse(text, strlen(text), NULL, &t, err, sizeof err);
  if (rc != 0) fprintf(stderr, "unexpected error: %s\n  for: %s\n", err, text);
  CHECK(rc == 0 && t != NULL);
  return t;
}

/* Expect an error whose message starts with prefix ("LINE:COL: ..."). */
static void bad_n(const char *text, size_t n, const cs_csv_limits *lim, const char *prefix) {
  cs_csv *t = NULL;
  char err[256] = "";
  int rc = cs_csv_parse(text, n, lim, &t, err, sizeof err);
  if (rc == 0 || strncmp(err, prefix, strlen(prefix)) != 0)
    fprintf(stderr, "expected '%s...', got rc %d '%s'\n", prefix, rc, err);
  CHECK(rc != 0 && t == NULL && strncmp(err, prefix, strlen(prefix)) == 0);
}
static void bad(const char *text, const char *prefix) { bad_n(text, strlen(text), NULL, prefix); }

static const char *field(const cs_csv *t, size_t r, size_t c) { return t->text + t->off[r * t->n_cols + c]; }

static void test_basic(void) {
  cs_csv *t = ok("id,name,x\na,Alpha,1.5\nb,\"Beta, the \"\"second\"\"\",2\n");
  CHECK(t->n_cols == 3 && t->n_rows == 2);
  CHECK(!strcmp(field(t, 0, 1), "name"));
  CHECK(!strcmp(field(t, 2, 1), "Beta, the \"second\""));
  CHECK(t->quoted[2 * 3 + 1] == 1 && t->quoted[1 * 3 + 1] == 0);
  CHECK(t->line[1] == 2 && t->line[2] == 3);
  CHECK(t->bytes > 0);
  cs_csv_free(t);
  /* no final newline, an empty last field */
  t = ok("a,b\n1,");
  CHECK(t->n_rows == 1 && t->len[3] == 0);
  cs_csv_free(t);
}

static void test_newlines(void) {
  /* CRLF records, a CRLF and an LF kept inside quotes; lines counted through them */
  cs_csv *t = ok("a,b\r\n\"x\r\ny\",\"p\nq\"\r\n3,4\r\n");
  CHECK(t->n_rows == 2);
  CHECK(!strcmp(field(t, 1, 0), "x\r\ny") && !strcmp(field(t, 1, 1), "p\nq"));
  CHECK(t->line[2] == 5);
  cs_csv_free(t);
  /* lone CR ends a record too; empty lines are skipped */
  t = ok("a\r1\r\r\n2\n\n");
  CHECK(t->n_rows == 2 && !strcmp(field(t, 2, 0), "2"));
  cs_csv_free(t);
  /* an error after an embedded newline names the right line */
  bad("a,b\n\"x\ny\",1,2\n", "3:6: more fields than the header's 2");
}

static void test_bom_utf8(void) {
  cs_csv *t = ok("\xEF\xBB\xBFid,nom\nz,\xC3\xA9t\xC3\xA9\n");
  CHECK(!strcmp(field(t, 0, 0), "id"));
  CHECK(!strcmp(field(t, 1, 1), "\xC3\xA9t\xC3\xA9"));
  cs_csv_free(t);
  bad("a,b\n1,\xC3\n", "2:3: invalid UTF-8");
  bad("a,b\n\xC3\xA9\xC3\xA9,\xFF\n", "2:4: invalid UTF-8"); /* columns count characters */
  bad("a\n\xC0\xAF\n", "2:1: invalid UTF-8");           /* overlong */
  bad("a\n\xED\xA0\x80\n", "2:1: invalid UTF-8");       /* a surrogate */
  bad("a\n\xF4\x90\x80\x80\n", "2:1: invalid UTF-8");   /* past U+10FFFF */
}

static void test_errors(void) {
  bad("", "1:1: empty file");
  bad("\xEF\xBB\xBF", "1:1: empty file");
  bad("\n\r\n", "1:1: empty file");
  bad("a,b\n1,2,3\n", "2:5: more fields than the header's 2");
  bad("a,b,c\n1,2\n", "2:4: 2 fields, the header has 3");
  bad("a,,c\n", "1:1: column 2 of the header has an empty name");
  bad("x,y,x\n", "1:1: duplicate column name 'x' (columns 1 and 3)");
  bad("a,b\n1,\"open\n2,3\n", "2:3: unterminated quoted field");
  bad("a,b\n1,ab\"c\n", "2:5: a quote inside an unquoted field");
  bad("a,b\n1,\"x\"y\n", "2:6: text after the closing quote");
}

static void test_limits(void) {
  cs_csv_limits lim;
  cs_csv_limits_default(&lim);
  CHECK(lim.max_bytes == (size_t)64 << 20 && lim.max_field == (size_t)1 << 20);
  /* a huge field: over max_field, quoted and not */
  size_t big = lim.max_field + 10;
  char *s = malloc(big + 16);
  CHECK(s != NULL);
  memcpy(s, "a\n", 2);
  memset(s + 2, 'x', big);
  bad_n(s, big + 2, NULL, "2:1: field longer than");
  s[2] = '"';
  s[big + 1] = '"';
  bad_n(s, big + 2, NULL, "2:1: field longer than");
  free(s);
  lim.max_rows = 2;
  bad_n("a\n1\n2\n3\n", 8, &lim, "4:1: more than 2 rows");
  cs_csv_limits_default(&lim);
  lim.max_cols = 2;
  bad_n("a,b,c\n", 6, &lim, "1:5: more than 2 columns");
  lim.max_bytes = 3;
  bad_n("a,b\n", 4, &lim, "1:1: the file is larger than 3 bytes");
  /* the parser never reads past n: a buffer without NUL, cut inside a quote */
  char nonul[5] = {'a', '\n', '"', 'x', 'y'};
  bad_n(nonul, sizeof nonul, NULL, "2:1: unterminated quoted field");
}

/* max_mem bounds what the parser holds while it runs, as t->bytes counts it:
** a table that needs B bytes parses under max_mem = B and fails with -2,
** before allocating past the cap, under B - 1. */
static void test_max_mem(void) {
  static char text[20000];
  size_t n = (size_t)snprintf(text, sizeof text, "a,b,c,d\n");
  while (n + 8 < sizeof text) n += (size_t)snprintf(text + n, sizeof text - n, ",,,\n");
  cs_csv *t = NULL;
  char err[256] = "";
  CHECK(cs_csv_parse(text, n, NULL, &t, err, sizeof err) == 0 && t);
  if (!t) return;
  size_t need = t->bytes;
  cs_csv_free(t);
  CHECK(need > 16 * (n / 4)); /* two offsets per field, at least */
  cs_csv_limits lim;
  cs_csv_limits_default(&lim);
  lim.max_mem = need;
  t = NULL;
  CHECK(cs_csv_parse(text, n, &lim, &t, err, sizeof err) == 0 && t && t->bytes == need);
  cs_csv_free(t);
  lim.max_mem = need - 1;
  t = NULL;
  int rc = cs_csv_parse(text, n, &lim, &t, err, sizeof err);
  CHECK(rc == -2 && t == NULL && strstr(err, ": not enough memory for the table"));
  lim.max_mem = 1;
  CHECK(cs_csv_parse(text, n, &lim, &t, err, sizeof err) == -2 && !strncmp(err, "1:1: not enough memory", 22));
}

static void test_numbers(void) {
  int64_t i = 0;
  double d = 0;
  CHECK(cs_csv_number("42", 2, &i, &d) == 1 && i == 42);
  CHECK(cs_csv_number("-7", 2, &i, &d) == 1 && i == -7);
  CHECK(cs_csv_number("1.5", 3, &i, &d) == 2 && d == 1.5);
  CHECK(cs_csv_number(".5", 2, &i, &d) == 2 && d == 0.5);
  CHECK(cs_csv_number("38e3", 4, &i, &d) == 2 && d == 38000);
  CHECK(cs_csv_number("99999999999999999999", 20, &i, &d) == 2 && d > 9e19);
  const char *no[] = {"", " 1", "1 ", "0x10", "inf", "nan", "1e", "+", ".", "1.2.3", "1e999", "abc", "1,5"};
  for (size_t k = 0; k < sizeof no / sizeof no[0]; k++) CHECK(cs_csv_number(no[k], strlen(no[k]), &i, &d) == 0);
}

int main(void) {
  test_basic();
  test_newlines();
  test_bom_utf8();
  test_errors();
  test_limits();
  test_max_mem();
  test_numbers();
  return check_report();
}
