/* test_h5pack.c: the chunk packer (sim/io/h5pack.c). Its chunks, written
** with H5Dwrite_chunk to datasets that declare the same filters, read back
** through HDF5 as the data packed, exactly as the same data written by
** HDF5's own pipeline; the bytes do not depend on the worker thread, nor on
** the jobs packed before; with zlib's default strategy they are the very
** bytes HDF5's filter stores; bad jobs are refused. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include "h5pack.h"
#include "h5util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "check.h"

#define N 4096
#define NCOL 6
#define NBLOCK 3

/* Columns like the event log's: a running index, times, mostly -1,
** mostly NaN, one-byte codes, small int32s. */
static const struct {
  size_t elem;
  int shuffle, strategy;
} COLS[NCOL] = {
    {8, 1, CS_H5P_DEFAULT}, {8, 1, CS_H5P_RLE}, {8, 0, CS_H5P_RLE},
    {8, 0, CS_H5P_DEFAULT}, {1, 1, CS_H5P_HUFFMAN}, {4, 1, CS_H5P_RLE},
};

typedef struct block {
  int64_t index[N];
  double t[N];
  int64_t obs[N];
  double rt[N];
  uint8_t kind[N];
  int32_t node[N];
} block;

static void fill(block *b, int k, uint32_t *seed) {
  double t = 10.0 * k;
  for (int i = 0; i < N; i++) {
    *seed = *seed * 1664525u + 1013904223u;
    uint32_t r = *seed >> 8;
    t += (r % 1000) / 7919.0;
    b->index[i] = (int64_t)k * N + i;
    b->t[i] = t;
    b->obs[i] = r % 5 == 0 ? (int64_t)(r % 13) : -1;
    b->rt[i] = r % 3 == 0 ? t + (r % 97) / 10.0 : NAN;
    b->kind[i] = (uint8_t)(r % 21);
    b->node[i] = (int32_t)(r % 77) - 1;
  }
}

static void columns(block *b, const void **col) {
  col[0] = b->index;
  col[1] = b->t;
  col[2] = b->obs;
  col[3] = b->rt;
  col[4] = b->kind;
  col[5] = b->node;
}

static void job(block *b, cs_h5p_item *items) {
  const void *col[NCOL];
  columns(b, col);
  for (int c = 0; c < NCOL; c++) items[c] = (cs_h5p_item){col[c], N, COLS[c].elem, COLS[c].shuffle, COLS[c].strategy};
}

static hid_t ftype(int c) {
  return COLS[c].elem == 1 ? H5T_STD_U8LE : COLS[c].elem == 4 ? H5T_STD_I32LE
         : c == 1 || c == 3 ? H5T_IEEE_F64LE : H5T_STD_I64LE;
}
static hid_t mtype(int c) {
  return COLS[c].elem == 1 ? H5T_NATIVE_UINT8 : COLS[c].elem == 4 ? H5T_NATIVE_INT32
         : c == 1 || c == 3 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64;
}

/* Pack NBLOCK blocks with one packer; keep every chunk. */
static int pack_all(block *blocks, int threaded, unsigned char **chunks, size_t *lens) {
  cs_ctx ctx = {{0}};
  cs_h5pack *p = NULL;
  if (cs_h5pack_new(&ctx, NCOL, N * 8, threaded, &p) != CS_OK) return -1;
  for (int k = 0; k < NBLOCK; k++) {
    cs_h5p_item items[NCOL];
    const unsigned char *out[NCOL];
    size_t len[NCOL];
    job(&blocks[k], items);
    CHECK(cs_h5pack_submit(p, items, NCOL) == CS_OK);
    CHECK(cs_h5pack_submit(p, items, NCOL) == CS_EINVAL); /* one job in flight at most */
    if (cs_h5pack_collect(p, out, len) != CS_OK) {
      cs_h5pack_free(p);
      return -1;
    }
    for (int c = 0; c < NCOL; c++) {
      chunks[k * NCOL + c] = malloc(len[c]);
      memcpy(chunks[k * NCOL + c], out[c], len[c]);
      lens[k * NCOL + c] = len[c];
    }
  }
  /* collect with nothing in flight is an error, not a hang */
  const unsigned char *out[NCOL];
  size_t len[NCOL];
  CHECK(cs_h5pack_collect(p, out, len) == CS_EINVAL);
  cs_h5pack_free(p);
  return 0;
}

int main(void) {
  static block blocks[NBLOCK];
  unsigned char *a[NBLOCK * NCOL], *b[NBLOCK * NCOL];
  size_t la[NBLOCK * NCOL], lb[NBLOCK * NCOL], lc[NCOL];
  uint32_t seed = 12345;
  for (int k = 0; k < NBLOCK; k++) fill(&blocks[k], k, &seed);

  /* the same bytes with and without the worker thread */
  CHECK(pack_all(blocks, 1, a, la) == 0);
  CHECK(pack_all(blocks, 0, b, lb) == 0);
  for (int i = 0; i < NBLOCK * NCOL; i++) CHECK(la[i] == lb[i] && memcmp(a[i], b[i], la[i]) == 0);

  /* the last block alone, in a fresh packer: the same bytes as after two
  ** other blocks (each chunk is a stream of its own) */
  {
    cs_ctx ctx = {{0}};
    cs_h5pack *p = NULL;
    cs_h5p_item items[NCOL];
    const unsigned char *out[NCOL];
    CHECK(cs_h5pack_new(&ctx, NCOL, N * 8, 0, &p) == CS_OK);
    job(&blocks[NBLOCK - 1], items);
    CHECK(cs_h5pack_submit(p, items, NCOL) == CS_OK);
    CHECK(cs_h5pack_collect(p, out, lc) == CS_OK);
    for (int c = 0; c < NCOL; c++) {
      int i = (NBLOCK - 1) * NCOL + c;
      CHECK(lc[c] == la[i] && memcmp(out[c], a[i], lc[c]) == 0);
    }
    cs_h5pack_free(p);
  }

  /* Written as raw chunks, the columns read back through HDF5 as packed, and
  ** equal the same data written through HDF5's own pipeline. */
  char dir[] = "/tmp/cs_h5pack_XXXXXX", path[64];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/pack.h5", dir);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(f >= 0);
  cs_ctx ctx = {{0}};
  for (int c = 0; c < NCOL; c++) {
    hsize_t zero = 0, unlim = H5S_UNLIMITED, chunk = N, total = (hsize_t)N * NBLOCK;
    hid_t raw = H5I_INVALID_HID, own = H5I_INVALID_HID;
    char rname[16], oname[16];
    snprintf(rname, sizeof rname, "raw%d", c);
    snprintf(oname, sizeof oname, "own%d", c);
    CHECK(cs_h5u_dataset_shuffle(&ctx, "test", path, f, rname, ftype(c), 1, &zero, &unlim, &chunk, COLS[c].shuffle,
                                 &raw) == CS_OK);
    CHECK(cs_h5u_dataset_shuffle(&ctx, "test", path, f, oname, ftype(c), 1, &zero, &unlim, &chunk, COLS[c].shuffle,
                                 &own) == CS_OK);
    CHECK(H5Dset_extent(raw, &total) >= 0 && H5Dset_extent(own, &total) >= 0);
    for (int k = 0; k < NBLOCK; k++) {
      hsize_t off = (hsize_t)k * N, cnt = N;
      const void *col[NCOL];
      columns(&blocks[k], col);
      CHECK(H5Dwrite_chunk(raw, H5P_DEFAULT, 0, &off, la[k * NCOL + c], a[k * NCOL + c]) >= 0);
      CHECK(cs_h5u_write_block(&ctx, "test", path, own, oname, 1, &off, &cnt, cnt, mtype(c), col[c]) == CS_OK);
    }
    size_t bytes = (size_t)N * NBLOCK * COLS[c].elem;
    unsigned char *rb = malloc(bytes), *ob = malloc(bytes);
    CHECK(H5Dread(raw, mtype(c), H5S_ALL, H5S_ALL, H5P_DEFAULT, rb) >= 0);
    CHECK(H5Dread(own, mtype(c), H5S_ALL, H5S_ALL, H5P_DEFAULT, ob) >= 0);
    CHECK(memcmp(rb, ob, bytes) == 0);
    for (int k = 0; k < NBLOCK; k++) {
      const void *col[NCOL];
      columns(&blocks[k], col);
      size_t kb = (size_t)N * COLS[c].elem;
      CHECK(memcmp(rb + k * kb, col[c], kb) == 0); /* NaNs compared as bytes */
    }
    free(rb);
    free(ob);
    H5Dclose(raw);
    H5Dclose(own);
  }
  CHECK(H5Fclose(f) >= 0);
  unlink(path);
  rmdir(dir);

  /* with the default strategy, the bytes HDF5's own deflate filter stores
  ** (read raw from the `own` dataset written through HDF5's pipeline) */
  {
    char p2[64];
    snprintf(p2, sizeof p2, "%s/own.h5", dir);
    CHECK(mkdir(dir, 0700) == 0);
    hid_t f3 = H5Fcreate(p2, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dim = N, chunk = N, zero = 0;
    hid_t own = H5I_INVALID_HID;
    CHECK(cs_h5u_dataset_shuffle(&ctx, "test", p2, f3, "t", H5T_IEEE_F64LE, 1, &dim, NULL, &chunk, 1, &own) ==
          CS_OK);
    CHECK(cs_h5u_write_block(&ctx, "test", p2, own, "t", 1, &zero, &dim, dim, H5T_NATIVE_DOUBLE, blocks[0].t) ==
          CS_OK);
    CHECK(H5Fflush(f3, H5F_SCOPE_GLOBAL) >= 0);
    uint32_t mask = 1;
    hsize_t nbytes = 0;
    CHECK(H5Dget_chunk_storage_size(own, &zero, &nbytes) >= 0);
    unsigned char *raw = malloc(nbytes ? nbytes : 1);
    CHECK(H5Dread_chunk(own, H5P_DEFAULT, &zero, &mask, raw) >= 0 && mask == 0);
    cs_h5pack *p = NULL;
    cs_h5p_item it = {blocks[0].t, N, 8, 1, CS_H5P_DEFAULT};
    const unsigned char *out[1];
    size_t len[1];
    CHECK(cs_h5pack_new(&ctx, 1, N * 8, 1, &p) == CS_OK);
    CHECK(cs_h5pack_submit(p, &it, 1) == CS_OK);
    CHECK(cs_h5pack_collect(p, out, len) == CS_OK);
    CHECK(len[0] == nbytes && memcmp(out[0], raw, nbytes) == 0);
    cs_h5pack_free(p);
    free(raw);
    H5Dclose(own);
    H5Fclose(f3);
    unlink(p2);
    rmdir(dir);
  }

  /* bad jobs are refused with a message, and nothing is in flight after */
  {
    cs_h5pack *p = NULL;
    const unsigned char *out[2];
    size_t len[2];
    CHECK(cs_h5pack_new(&ctx, 1, N * 8, 1, &p) == CS_OK);
    cs_h5p_item bad = {blocks[0].t, N, 8, 1, CS_H5P_NSTRAT};
    CHECK(cs_h5pack_submit(p, &bad, 1) == CS_EINVAL && strstr(cs_errmsg(&ctx), "strategy") != NULL);
    bad = (cs_h5p_item){blocks[0].t, N + 1, 8, 1, CS_H5P_RLE};
    CHECK(cs_h5pack_submit(p, &bad, 1) == CS_EINVAL && strstr(cs_errmsg(&ctx), "larger") != NULL);
    cs_h5p_item two[2] = {{blocks[0].t, N, 8, 1, CS_H5P_RLE}, {blocks[0].t, N, 8, 1, CS_H5P_RLE}};
    CHECK(cs_h5pack_submit(p, two, 2) == CS_EINVAL);
    CHECK(cs_h5pack_collect(p, out, len) == CS_EINVAL);
    cs_h5pack_free(p);
  }

  for (int i = 0; i < NBLOCK * NCOL; i++) {
    free(a[i]);
    free(b[i]);
  }
  return check_report();
}
