/*
 * compiler/backend/blob_write.h — the MyriadX .blob writer.
 *
 * Takes a graph after the passes (FP16 activations and weights, verdicts set, no unsupported
 * node) and lowers each live node to SHAVE/DMA stages in NCHW (planar) compact layout:
 * SW convolutions (Conv / DepthConv / FC with the "@SW" weight layouts of blob-stages.md §1-2),
 * pooling, post-ops, eltwise, Convert for U8/I32 inputs, Permute, Copy for concat / slice /
 * split / channel gathers, and memory views (no stage) for reshapes. Intermediate tensors
 * live in BSS, placed by liveness (tensors whose lifetimes do not overlap share space).
 * See compiler/backend/README.md for every format fact and its source.
 */
#ifndef COMPILER_BACKEND_BLOB_WRITE_H
#define COMPILER_BACKEND_BLOB_WRITE_H

#include "compiler/graph/options.h"

/* One layer the NCE could take (convolution, pooling, fully-connected): where it runs and why. */
typedef struct {
  const char *node, *op;       /* graph node and its op */
  const char *kind;            /* "conv", "depthwise", "grouped", "pool", "fc" */
  bool nce;                    /* MyriadXHwOp stages; false: SHAVE stages */
  const char *reason;          /* why it stays on the SHAVEs (NULL on the NCE) */
  uint64_t macs;               /* multiply-accumulates (0 for pooling) */
  int n_stages;                /* HW stages it became */
  int first_stage, last_stage; /* the blob stages it was lowered to (-1 when none) */
} BlobHwLayer;

typedef struct {
  int n_stages;
  int n_hw_stages, n_shave_stages; /* MyriadXHwOp / SHAVE-category stages */
  uint64_t macs, macs_nce;         /* convolution and FC multiply-accumulates, those on the NCE */
  BlobHwLayer *hw_layers;          /* in graph order; strings live in the graph's arena */
  int n_hw_layers;
  uint32_t bss_size;  /* what the blob asks for (after reuse) */
  uint64_t bss_naive; /* sum of all intermediate buffers (no reuse) */
  uint64_t bss_peak;  /* largest sum of simultaneously live buffers (lower bound) */
  uint32_t const_size;
} BlobStats;

/* Appends the blob bytes to *out. ERR_BACKEND naming the node when a node has no stage
 * lowering yet or its attributes cannot be expressed. The graph is not modified. */
int be_blob_write(const IrGraph *g, const CompileOptions *opt, Buf *out, BlobStats *st, Err *err);

/* What the writer does with op, from its LOWERINGS table (for `blobc ops`): true when it writes
 * stages for it, with *stages naming them ("Conv, DepthConv (+ Bias)"; the lowering function's
 * name when it has no description), false when it writes none (*stages = NULL). */
bool be_blob_lowering(IrOp op, const char **stages);
/* True when op is a memory view in the blob (Reshape, Flatten, Squeeze, ...: no stage). */
bool be_blob_view_op(IrOp op);

/* Version pair stamped for an OpenVINO release string: "2021.4" -> (2021, 4), as Luxonis'
 * blobconverter writes it and depthai-core's table reads it. -1 for an unknown release. */
int be_blob_version(const char *openvino, uint32_t *major, uint32_t *minor);

#endif
