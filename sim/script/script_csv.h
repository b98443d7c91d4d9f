/* script_csv.h: a CSV table parser in plain C (no Lua), for csv() in the
** scenario API (script_files.c), the unit tests (tests/test_csv.c) and the
** fuzz target (tests/fuzz/fuzz_csv.c).
**
** The format is RFC 4180 with the relaxations a spreadsheet export needs:
** - a header row, then records; fields separated by ',';
** - a record ends at CRLF, LF or a lone CR; a line with no bytes at all
**   (outside quotes) is skipped, and so is a newline at the end of the file;
** - a field in double quotes may hold commas, CR, LF and doubled quotes ("");
**   a quote inside an unquoted field, text after a closing quote, or a
**   quote never closed is an error;
** - a UTF-8 byte-order mark at the start is skipped; the whole text must be
**   valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF);
** - header names must be non-empty and distinct; every record must have as
**   many fields as the header.
**
** Positions in messages are 1-based: line (physical, counting every newline
** including those inside quotes) and column (in characters, not bytes). */
#ifndef CS_SCRIPT_CSV_H
#define CS_SCRIPT_CSV_H

#include <stddef.h>
#include <stdint.h>

/* Limits; cs_csv_limits_default gives the ones csv() uses. */
typedef struct cs_csv_limits {
  size_t max_bytes;  /* the whole text (64 MiB) */
  size_t max_cols;   /* columns (4,096) */
  size_t max_rows;   /* records, header excluded (10,000,000) */
  size_t max_field;  /* bytes in one field, after unquoting (1 MiB) */
  size_t max_mem;    /* bytes the table may hold while it is built, as cs_csv.bytes counts them (0: no limit) */
} cs_csv_limits;

void cs_csv_limits_default(cs_csv_limits *lim);

/* A parsed table. All fields live in one block, text, each NUL-terminated;
** field (r, c) (r = 0 is the header, r = 1..n_rows the records) starts at
** text + off[r * n_cols + c] and is len[...] bytes long (it may contain NUL
** bytes of its own). quoted[...] is 1 if the field was written in quotes. */
typedef struct cs_csv {
  size_t n_cols, n_rows;
  char *text;
  size_t *off, *len;
  unsigned char *quoted;
  size_t *line;      /* [n_rows + 1]: the line each record starts on */
  size_t bytes;      /* memory held by this table, for a caller's cap */
} cs_csv;

/* Parse buf[0..n). On success returns 0 and *out (caller owns: cs_csv_free).
** On failure returns -1, writes "LINE:COL: message" into err[errn] and
** leaves *out alone; also -1 (with "out of memory") when malloc fails; -2
** (with "not enough memory ...") when the table would hold more than
** lim->max_mem bytes, checked before every allocation, so the parser never
** holds more.
** lim NULL: the defaults. Never reads past buf + n; buf need not be
** NUL-terminated. */
int cs_csv_parse(const char *buf, size_t n, const cs_csv_limits *lim, cs_csv **out, char *err, size_t errn);
void cs_csv_free(cs_csv *t);

/* Whether s[0..n) is, as a whole, a decimal number: an optional sign, digits
** with an optional fraction (or a fraction alone), an optional exponent; no
** spaces, no hex, no inf or nan. Returns 0 if not; 1 with *i set if it is an
** integer (no '.', no exponent) that fits in int64_t; 2 with *d set otherwise
** (finite, or an overflow to +-inf refused: returns 0). */
int cs_csv_number(const char *s, size_t n, int64_t *i, double *d);

#endif
