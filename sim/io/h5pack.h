/* h5pack.h: whole chunks packed outside HDF5. A packer turns a job of
** chunks (the columns of a block of events, the chunks of sampled variables
** just completed) into the bytes HDF5's shuffle and deflate filters would
** store for them (shuffle where the item asks for it, then a zlib stream),
** ready for H5Dwrite_chunk with filter mask 0. Any HDF5 reader decodes them
** with the dataset's own filter pipeline, so an item must be written to a
** dataset whose pipeline is [shuffle,] deflate exactly as the item says.
**
** Why: HDF5's deflate filter always compresses with zlib's default strategy,
** a fresh stream per chunk, through its chunk cache; the run file's event log
** (hundreds of thousands of rows) spent most of a run there. A packer keeps
** one stream per strategy and the caller picks the strategy per item:
** run-length matches only (Z_RLE) for shuffled numbers and sentinels, Huffman
** codes only for one-byte codes, the default where matches lie far apart (a
** running index). The streams are still standard zlib streams; with the
** default strategy a chunk's bytes are exactly those HDF5's filter makes.
**
** Determinism: the packed bytes depend only on the items and the zlib
** version. With a worker thread (cs_h5pack_new's threaded), the packing of a
** job overlaps the caller's work until it collects; the caller writes the
** chunks in job order, so the file is the same bytes with or without the
** thread.
**
** Private to sim/io. */
#ifndef CS_H5PACK_H
#define CS_H5PACK_H

#include <stddef.h>

#include "cs_common.h"

enum { CS_H5P_DEFAULT, CS_H5P_RLE, CS_H5P_HUFFMAN, CS_H5P_NSTRAT };

/* One chunk to pack. */
typedef struct cs_h5p_item {
  const void *data; /* n elements of elem bytes; unchanged until cs_h5pack_collect */
  size_t n;         /* elements (a whole chunk's, padding included) */
  size_t elem;      /* element size, bytes (1, 2, 4 or 8) */
  int shuffle;      /* shuffle the bytes before deflate (a no-op for elem 1) */
  int strategy;     /* CS_H5P_* */
} cs_h5p_item;

typedef struct cs_h5pack cs_h5pack;

/* A packer for jobs of at most max_items chunks of at most max_bytes bytes
** each. threaded: pack on a worker thread (if it cannot be started, the
** packer works in the caller's thread, with the same bytes). The caller owns
** *out. CS_ENOMEM on failure, reported into ctx (borrowed until
** cs_h5pack_free). */
int cs_h5pack_new(cs_ctx *ctx, int max_items, size_t max_bytes, int threaded, cs_h5pack **out);

/* Start packing a job of n items (copied; their data are not). At most one
** job is in flight: call collect before the next submit. CS_EINVAL,
** reported into ctx, if one is in flight, or an item is too large or has an
** unknown strategy (nothing is started then). */
int cs_h5pack_submit(cs_h5pack *p, const cs_h5p_item *items, int n);

/* Wait for the job in flight; out[i] and len[i] receive item i's packed
** chunk (owned by the packer, valid until the next submit). CS_OK, or
** CS_EINVAL (reported into ctx) if zlib failed or no job is in flight. */
int cs_h5pack_collect(cs_h5pack *p, const unsigned char **out, size_t *len);

/* Stop the worker (after the job in flight, if any) and free everything.
** NULL is allowed. */
void cs_h5pack_free(cs_h5pack *p);

#endif
