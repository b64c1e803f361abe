/*
 * compiler/ref/gather_ops.h — the index arithmetic of the indexed data-movement ops of issue 18
 * (GatherND, GatherElements, ScatterElements, ScatterND, ReverseSequence, OneHot), on row-major
 * logical dims (outermost first), shared by the reference kernels (ref_gather.c, graph path, any
 * element type) and the blob executor (blob_exec_gather.c, the MyriadX stages, FP16/S32).
 * Functions compute element offsets, so each caller moves its own element type. Semantics are
 * ONNX's (onnx/onnx docs/Operators.md, v1.12.0): an index may be negative, counted from the end
 * of its axis; anything outside [-d, d) returns -1.
 */
#ifndef COMPILER_REF_GATHER_OPS_H
#define COMPILER_REF_GATHER_OPS_H

#include <stdint.h>

/* GatherND: data dims (rank r), n_idx rows of k indices, b batch dims shared with the indices
 * (rows per batch: n_idx / prod(dims[0..b))). off[row] = the data offset of the row's block of
 * prod(dims[b+k..r)) values. */
int gop_gather_nd_rows(const int64_t *dims, int r, const int64_t *idx, int64_t n_idx, int64_t k,
                       int64_t b, int64_t *off);

/* GatherElements / ScatterElements: indices of dims idims (rank r, each dim at most data's
 * except along axis); off[e] = the data offset element e of the indices names (its coordinates,
 * with the axis coordinate replaced by the index). */
int gop_elements(const int64_t *ddims, const int64_t *idims, int r, int axis, const int64_t *idx,
                 int64_t *off);

/* ReverseSequence: src[e] = the input offset output element e reads (dims, rank r): along
 * seq_axis the first lens[batch] elements reversed, the rest kept. lens has dims[batch_axis]
 * values, each in [0, dims[seq_axis]]. */
int gop_reverse_sequence(const int64_t *dims, int r, int seq_axis, int batch_axis,
                         const int64_t *lens, int64_t *src);

/* OneHot: indices as [outer, inner] (the new axis of `depth` between them); y [outer, depth,
 * inner] = on where the index (negative counted from depth when `wrap`) equals the position,
 * else off. Never fails: an index outside the range gives a row of off. */
void gop_one_hot(const int64_t *idx, int64_t outer, int64_t inner, int64_t depth, float on,
                 float off, int wrap, float *y);

#endif
