/*
 * compiler/compile.h — what the pipeline hands the compiler for one model, and what comes back.
 *
 * The pipeline (manifest, CLI) fills CompileOptions; compile_model() runs
 *   frontend -> ir_infer -> passes (preprocessing, integer Converts, VPU verdicts, FP16)
 *   -> backends (IR v11 .xml/.bin, MyriadX .blob)
 * and returns every output as bytes in memory plus a result record for the report. It never
 * writes files (the pipeline writes them atomically) and never exits.
 */
#ifndef COMPILER_COMPILE_H
#define COMPILER_COMPILE_H

#include "base/base.h"
#include "graph/ir.h"

typedef enum { CL_NONE = 0, CL_NCHW, CL_NHWC, CL_CHW, CL_HWC, CL_NC, CL_C } CompLayout;
typedef enum { CP_DEFAULT = 0, CP_U8, CP_FP16, CP_FP32 } CompPrec;

typedef struct {
  const char *name;          /* model input name; NULL = the first input */
  bool has_shape;
  int rank;
  int64_t shape[IR_MAX_DIMS];/* overrides the model's (dynamic) input shape */
  CompLayout layout;         /* layout of the model input; NONE = NCHW for 4-D */
  CompLayout frame_layout;   /* layout the blob input gets (NHWC = interleaved frames) */
  int n_mean, n_scale;
  double mean[8], scale[8];
  bool reverse_input_channels;
  CompPrec precision;        /* U8 (frames, the default), FP16 or FP32 */
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
#define LIMIT_DEFAULT_FILE_BYTES ((uint64_t)2 << 30)
#define LIMIT_DEFAULT_NODES 100000
#define LIMIT_DEFAULT_TENSOR_BYTES ((uint64_t)512 << 20)

typedef struct {
  const char *model_name;    /* manifest name: used for output names and messages */
  const char *source;        /* model path */
  CompInput *inputs;
  int n_inputs;
  CompPrec data_type;        /* FP16 (default) */
  CompPrec output_precision; /* FP16 (default) or FP32 */
  int shaves;                /* 1..16 */
  int cmx_slices;            /* default = shaves */
  int ov_major, ov_minor;    /* version stamped in the blob: (2022,1) -> 6.0 ... see blob writer */
  const char *openvino;      /* "2022.1" */
  bool want_blob, want_ir;   /* check mode sets both false */
  bool superblob;            /* blob = depthai superblob of 1..16 SHAVEs (base: 8) */
  bool activation_stats;     /* run the blob on a probe input (CPU) and report its largest activation */
  CompileLimits limits;
  /* A flag a signal handler sets (pool.h): the compilation stops at its next check (between
   * passes, per node inside long passes) with ERR_INTERRUPTED. NULL = never. */
  const volatile sig_atomic_t *stop;
  /* When set, called with the IR as soon as it is written (before the blob is built) so the
   * caller can store it and the weights are not held twice; compile_model frees the buffers
   * afterwards. Returns 0 or -1 (err filled). The compiler still does no I/O itself. */
  int (*emit_ir)(void *ctx, Buf *xml, Buf *bin, Err *err);
  void *emit_ctx;
} CompileOptions;

/* One node the VPU cannot run (or that we changed), for the report. */
typedef struct {
  const char *node, *op, *verdict, *reason, *fix, *input_shapes;
} CompIssue;

/* Per op type: how many live nodes got each verdict (for the op x model matrix). */
typedef struct {
  const char *op;
  int supported, converted, unsupported, folded;
} CompOpCount;

typedef struct {
  const char *name;
  const char *dtype;
  const char *shape;         /* "1x3x224x224" */
  const char *layout;
  const char *precision;     /* what the blob takes / gives */
  /* preprocessing as applied (inputs only) */
  int n_mean, n_scale;
  double mean[8], scale[8];
  bool reverse_input_channels;
  const char *frame_layout;
} CompIo;

typedef struct {
  /* outputs (malloc'd via Buf, caller frees with compile_result_free) */
  Buf blob, xml, bin;
  /* summary */
  int opset;
  int n_nodes_source;        /* nodes in the source model */
  int n_nodes_live;          /* nodes left after folding/passes */
  int n_folded;
  int n_supported, n_converted, n_unsupported;
  CompOpCount *ops;          /* sorted by op name */
  int n_ops;
  CompIssue *issues;         /* converted + unsupported nodes, in graph order */
  int n_issues;
  CompIo *inputs, *outputs;
  int n_inputs, n_outputs;
  int64_t n_params;          /* constant elements feeding live nodes */
  size_t weights_saturated, weights_underflowed; /* FP16 compression */
  bool have_activation_stats;
  float max_activation;      /* largest |value| any stage wrote on the probe input */
  uint64_t activation_overflows; /* values that became inf in FP16 on the probe input */
  const char *activation_note;   /* why no stats (a stage without a CPU kernel), or NULL */
  int n_stages;              /* blob stages */
  uint32_t bss_size;
  uint64_t bss_naive, bss_peak;  /* no reuse / lower bound (see blob_write.h) */
  const char *ir_skipped;     /* why no IR was written for an unsupported model, or NULL */
  double t_load, t_passes, t_backend; /* seconds */
  uint64_t mem_limit, mem_peak;  /* the model's memory budget and the most it held (bytes) */
  Arena *arena;              /* owns the strings above */
} CompileResult;

/* Compiles one model. Returns 0 when outputs were produced (the model may still have
 * unsupported nodes: then res->n_unsupported > 0 and no blob is produced, but the IR and the
 * verdicts are); -1 on error (err filled, res may hold partial verdicts). Running out of memory
 * (the budget, or malloc failing) is ERR_OOM and a stop request ERR_INTERRUPTED, like any other
 * error: the caller's thread carries on. Must not be called while the thread has a Job. */
int compile_model(CompileResult *res, const CompileOptions *opt, Err *err);
void compile_result_free(CompileResult *res);

/* Loads any supported model file by extension (.onnx now; .xml later) into a graph. */
int compile_load(IrGraph **out, Arena *a, const char *path, Err *err);

#endif
