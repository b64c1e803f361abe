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
#include "graph/options.h"

/* One verdict of the report: the nodes of one op type with the same verdict, reason and fix
 * ("16x Sum (first n14)"), and the nodes they block (VERDICT_BLOCKED nodes whose root cause is
 * one of them), which get no line of their own. */
typedef struct {
  const char *node, *op, *verdict, *reason, *fix, *input_shapes; /* of the first node */
  int count;                                                     /* nodes in the group (>= 1) */
  const char **nodes;                                            /* their names, graph order */
  int n_blocked;                                                 /* nodes blocked by the group */
  const char **blocked, **blocked_ops; /* the first n_blocked_listed of them: name, op type */
  int n_blocked_listed;
} CompIssue;
#define COMP_BLOCKED_LISTED 20 /* blocked nodes named per verdict; the rest are counted */

/* Per op type: how many live nodes got each verdict (for the op x model matrix). */
typedef struct {
  const char *op;
  int supported, converted, unsupported, folded, blocked;
} CompOpCount;

typedef struct {
  const char *name;
  const char *dtype;
  const char *shape; /* "1x3x224x224" */
  const char *layout;
  const char *precision; /* what the blob takes / gives */
  /* preprocessing as applied (inputs only) */
  int n_mean, n_scale;
  double mean[8], scale[8];
  bool reverse_input_channels;
  const char *frame_layout;
} CompIo;

/* A layer the NCE could take (convolution, pooling, fully-connected) and where it runs. */
typedef struct {
  const char *node, *op, *kind; /* kind: "conv", "depthwise", "grouped", "pool", "fc" */
  bool nce;                     /* on the NCE (MyriadXHwOp stages) */
  const char *reason;           /* why it stays on the SHAVEs, NULL on the NCE */
  uint64_t macs;                /* multiply-accumulates (0 for pooling) */
  int n_stages;                 /* HW stages */
  int first_stage, last_stage;  /* its stages in the blob, -1 when none */
} CompHwLayer;

typedef struct {
  /* outputs (malloc'd via Buf, caller frees with compile_result_free) */
  Buf blob, xml, bin;
  /* summary */
  int opset;
  int n_nodes_source; /* nodes in the source model */
  int n_nodes_live;   /* nodes left after folding/passes */
  int n_folded;
  int n_supported, n_converted, n_unsupported; /* unsupported: root causes only */
  int n_blocked;    /* live nodes blocked by an unsupported one (VERDICT_BLOCKED) */
  CompOpCount *ops; /* sorted by op name */
  int n_ops;
  CompIssue *issues; /* converted and unsupported verdicts, grouped, in graph order */
  int n_issues;
  CompIo *inputs, *outputs;
  int n_inputs, n_outputs;
  int64_t n_params;                              /* constant elements feeding live nodes */
  size_t weights_saturated, weights_underflowed; /* FP16 compression */
  int n_stages;                                  /* blob stages */
  int n_hw_stages, n_shave_stages;               /* MyriadXHwOp / SHAVE stages */
  uint64_t macs, macs_nce; /* convolution + FC multiply-accumulates, and those on the NCE */
  CompHwLayer *hw_layers;  /* NCE candidates in graph order */
  int n_hw_layers;
  uint32_t bss_size;
  uint64_t bss_naive, bss_peak;       /* no reuse / lower bound (see blob_write.h) */
  const char *ir_skipped;             /* why no IR was written for an unsupported model, or NULL */
  double t_load, t_passes, t_backend; /* seconds */
  uint64_t mem_limit, mem_peak;       /* the model's memory budget and the most it held (bytes) */
  Arena *arena;                       /* owns the strings above */
} CompileResult;

/* Compiles one model. Returns 0 when outputs were produced (the model may still have
 * unsupported nodes: then res->n_unsupported > 0 and no blob is produced, but the IR and the
 * verdicts are); -1 on error (err filled, res may hold partial verdicts). Running out of memory
 * (the budget, or malloc failing) is ERR_OOM and a stop request ERR_INTERRUPTED, like any other
 * error: the caller's thread carries on. Must not be called while the thread has a Job. */
int compile_model(CompileResult *res, const CompileOptions *opt, Err *err);
void compile_result_free(CompileResult *res);

/* One console line for an issue of `model`: "m: node 'n14' (Sum): unsupported: why; fix: what" or,
 * for a group, "m: 16× Sum (first 'n14'): unsupported: ...", then "; blocks N nodes" when it
 * blocks any. `with_fix` false leaves the fix out. Truncated to size; returns buf. */
char *compile_issue_line(char *buf, size_t size, const char *model, const CompIssue *is,
                         bool with_fix);

/* Loads any supported model file by extension (.onnx now; .xml later) into a graph. */
int compile_load(IrGraph **out, Arena *a, const char *path, Err *err);

#endif
