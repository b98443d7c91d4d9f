/* fuzz_csv.c: libFuzzer target for the CSV parser (sim/script/script_csv.c).
** A crash or sanitizer report is a finding; so is a table that breaks the
** parser's contract: an error message not of the form "LINE:COL: ...", a
** header name empty or repeated, a field outside the text block, or a table
** that does not read back the same after being written out again with every
** field quoted (the round trip checks unquoting against quoting).
**
**   build-fuzz/fuzz_csv -max_total_time=600 -max_len=4096 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script_csv.h"

static void check_table(const cs_csv *t) {
  if (t->n_cols == 0) abort();
  size_t n = (t->n_rows + 1) * t->n_cols;
  for (size_t c = 0; c < t->n_cols; c++) {
    if (t->len[c] == 0) abort();
    for (size_t d = 0; d < c; d++)
      if (t->len[c] == t->len[d] && !memcmp(t->text + t->off[c], t->text + t->off[d], t->len[c])) abort();
  }
  for (size_t k = 0; k < n; k++)
    if (t->text[t->off[k] + t->len[k]] != '\0') abort();
}

/* Every field quoted, quotes doubled, records ended by "\r\n". */
static char *write_quoted(const cs_csv *t, size_t *out_len) {
  size_t n = (t->n_rows + 1) * t->n_cols, cap = 1;
  for (size_t k = 0; k < n; k++) cap += 2 * t->len[k] + 4;
  char *buf = malloc(cap), *p = buf;
  if (!buf) return NULL;
  for (size_t k = 0; k < n; k++) {
    *p++ = '"';
    for (size_t i = 0; i < t->len[k]; i++) {
      char ch = t->text[t->off[k] + i];
      if (ch == '"') *p++ = '"';
      *p++ = ch;
    }
    *p++ = '"';
    if ((k + 1) % t->n_cols) *p++ = ',';
    else *p++ = '\r', *p++ = '\n';
  }
  *out_len = (size_t)(p - buf);
  return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cs_csv_limits lim;
  cs_csv_limits_default(&lim);
  lim.max_field = 1024; /* small limits, so the fuzzer reaches them */
  lim.max_rows = 200;
  lim.max_cols = 64;
  cs_csv *t = NULL, *u = NULL;
  char err[256] = "";
  if (cs_csv_parse((const char *)data, size, &lim, &t, err, sizeof err) != 0) {
    size_t line = 0, col = 0;
    if (sscanf(err, "%zu:%zu: ", &line, &col) != 2 || line == 0 || col == 0) abort();
    return 0;
  }
  check_table(t);
  size_t len = 0;
  char *again = write_quoted(t, &len);
  lim.max_field = SIZE_MAX;
  lim.max_bytes = SIZE_MAX;
  if (again) {
    if (cs_csv_parse(again, len, &lim, &u, err, sizeof err) != 0) abort();
    if (u->n_cols != t->n_cols || u->n_rows != t->n_rows) abort();
    for (size_t k = 0; k < (t->n_rows + 1) * t->n_cols; k++)
      if (u->len[k] != t->len[k] || memcmp(u->text + u->off[k], t->text + t->off[k], t->len[k])) abort();
    cs_csv_free(u);
    free(again);
  }
  cs_csv_free(t);
  return 0;
}
