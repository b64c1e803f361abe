/*
 * compiler/graph/options.h — what the user asks of one model's compilation: preprocessing per
 * input, precisions, SHAVEs and CMX slices, the OpenVINO release, the limits. The compile driver
 * (compiler/compile.h) takes it, and passes and backends read it, so it sits beside the graph IR
 * rather than above them.
 */
#ifndef COMPILER_GRAPH_OPTIONS_H
#define COMPILER_GRAPH_OPTIONS_H

#include <signal.h>

#include "compiler/base/base.h"
#include "compiler/base/types.h"
#include "compiler/graph/ir.h"

typedef struct {
  const char *name; /* model input name; NULL = the first input */
  bool has_shape;
  int rank;
  int64_t shape[IR_MAX_DIMS]; /* overrides the model's (dynamic) input shape */
  Layout layout;              /* layout of the model input; NONE = NCHW for 4-D */
  Layout frame_layout;        /* layout the blob input gets (NHWC = interleaved frames) */
  int n_mean, n_scale;
  double mean[8], scale[8];
  bool reverse_input_channels;
  Precision precision; /* U8 (frames, the default), FP16 or FP32 */
  /* Freezes the input to these values (mo's --input name->[values]): it becomes a constant of
   * the model's type at `shape` (has_shape required, n_value = its element count) and is no
   * longer a blob input. Weights or parameters fed as inputs then fold as constants do. */
  const double *value;
  int64_t n_value;
} CompInput;

/* Caps on hostile or runaway inputs; 0 takes the default. */
typedef struct {
  uint64_t max_file_bytes;   /* model file: checked before it is read (default 2 GiB) */
  int64_t max_nodes;         /* nodes in the graph: checked before any pass runs (default 100000) */
  uint64_t max_tensor_bytes; /* any tensor, checked in shape inference before folding or
                                allocating it (default 512 MiB: the DDR of an RVC2) */
  uint64_t max_model_bytes;  /* everything one model's compilation holds (the decoded model,
                                the IR, folded constants, the IR and blob buffers): checked
                                before a tensor is folded and before each backend, and on
                                every allocation (see Job in base.h). Default: job_default_budget(1);
                                the pipeline passes job_default_budget(-j) */
} CompileLimits;
#define LIMIT_DEFAULT_FILE_BYTES   ((uint64_t)2 << 30)
#define LIMIT_DEFAULT_NODES        100000
#define LIMIT_DEFAULT_TENSOR_BYTES ((uint64_t)512 << 20)

/* Where the user states input shapes, so advice names the right knob. */
typedef enum {
  SHAPE_FROM_MANIFEST, /* a manifest's `shape:` (blobc build, blobc check MANIFEST) */
  SHAPE_FROM_CLI,      /* --input_shape (blobc convert, blobc check MODEL) */
} ShapeSource;

typedef struct {
  const char *model_name; /* manifest name: used for output names and messages */
  const char *source;     /* model path */
  CompInput *inputs;
  int n_inputs;
  Precision data_type;        /* FP16 (default) */
  Precision output_precision; /* FP16 (default) or FP32 */
  int shaves;                 /* 1..16 */
  int cmx_slices;             /* default = shaves */
  int ov_major, ov_minor;     /* version stamped in the blob: (2022,1) -> 6.0 ... see blob writer */
  const char *openvino;       /* "2022.1" */
  bool want_blob, want_ir;    /* check mode sets both false */
  bool superblob;             /* blob = depthai superblob of 1..16 SHAVEs (base: 8) */
  bool hw_off; /* --hw off: every layer on SHAVEs (default auto: the NCE where it can) */
  CompileLimits limits;
  /* A flag a signal handler sets (pool.h): the compilation stops at its next check (between
   * passes, per node inside long passes) with ERR_INTERRUPTED. NULL = never. */
  const volatile sig_atomic_t *stop;
  ShapeSource shape_source; /* the wording of the fix for a dynamic input */
  /* When set, called with the IR as soon as it is written (before the blob is built) so the
   * caller can store it and the weights are not held twice; compile_model frees the buffers
   * afterwards. Returns 0 or -1 (err filled). The compiler still does no I/O itself. */
  int (*emit_ir)(void *ctx, Buf *xml, Buf *bin, Err *err);
  void *emit_ctx;
} CompileOptions;

/* One node the VPU cannot run (or that we changed), for the report. */

#endif
