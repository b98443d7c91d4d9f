/* h5pack.h: whole chunks packed outside HDF5. A packer turns the columns of
** one block of rows (each column a chunk of n_elems elements) into the bytes
** HDF5's shuffle and deflate filters would store for those chunks (shuffle
** where the column asks for it, then a zlib stream), ready for
** H5Dwrite_chunk with filter mask 0. Any HDF5 reader decodes them with the
** dataset's own filter pipeline, so a column must be written to a dataset
** whose pipeline is [shuffle,] deflate exactly as the column says.
**
** Why: HDF5's deflate filter always compresses with zlib's default strategy,
** a fresh stream per chunk, through its chunk cache; the run file's event log
** (hundreds of thousands of rows) spent most of a run there. A packer keeps
** one stream per strategy and picks the strategy per column: run-length
** matches only (Z_RLE) for shuffled numbers and sentinels, Huffman codes only
** for one-byte codes, the default where matches lie far apart (a running
** index). The streams are still standard zlib streams.
**
** Determinism: the packed bytes depend only on the block's bytes, the column
** table and the zlib version. With a worker thread (cs_h5pack_new's
** threaded), the packing of one block overlaps the caller's filling of the
** next; the caller writes the chunks in block order, so the file is the same
** bytes with or without the thread.
**
** Private to sim/io. */
#ifndef CS_H5PACK_H
#define CS_H5PACK_H

#include <stddef.h>

#include "cs_common.h"

enum { CS_H5P_DEFAULT, CS_H5P_RLE, CS_H5P_HUFFMAN, CS_H5P_NSTRAT };

typedef struct cs_h5p_col {
  size_t elem;  /* element size, bytes (1, 4 or 8) */
  int shuffle;  /* shuffle the bytes before deflate (a no-op for elem 1) */
  int strategy; /* CS_H5P_* */
} cs_h5p_col;

typedef struct cs_h5pack cs_h5pack;

/* A packer for n_cols columns (cols, borrowed until cs_h5pack_free) of n_elems
** elements each. threaded: pack on a worker thread (if it cannot be started,
** the packer works in the caller's thread, with the same bytes). The caller
** owns *out. CS_ENOMEM on failure, reported into ctx. */
int cs_h5pack_new(cs_ctx *ctx, const cs_h5p_col *cols, int n_cols, size_t n_elems, int threaded, cs_h5pack **out);

/* Start packing one block: data[c] points to column c's n_elems elements,
** which must stay unchanged until cs_h5pack_collect returns. At most one
** block is in flight: call collect before the next submit. */
void cs_h5pack_submit(cs_h5pack *p, const void *const *data);

/* Wait for the block in flight; out[c] and len[c] receive column c's packed
** chunk (owned by the packer, valid until the next submit). CS_OK, or
** CS_EINVAL (reported into the ctx given to cs_h5pack_new) if zlib failed,
** or if no block is in flight. */
int cs_h5pack_collect(cs_h5pack *p, const unsigned char **out, size_t *len);

/* Stop the worker (after the block in flight, if any) and free everything.
** NULL is allowed. */
void cs_h5pack_free(cs_h5pack *p);

#endif
