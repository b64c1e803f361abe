/*
 * compiler/passes/passes.h — graph-to-graph passes. A pass is `int (*)(IrGraph *, const
 * CompileOptions *, PassStats *, Err *)`; PASS_LIST names them in the order compile_model runs
 * them. Passes never do I/O.
 *
 *   preprocess   manifest preprocessing at each input: U8/FP16 input precision, frame layout
 *                (Transpose), reverse_input_channels (Gather on C), mean (Sub), scale (Div)
 *   int_inputs   integer (I64) graph inputs become I32 (the VPU has no I64), with a verdict
 *   infer        dtype/shape inference and constant folding (compiler/graph/shape.c ir_infer):
 *                after the inputs are fixed, before anything that needs shapes
 *   fuse_bn      BatchNormalization after Conv folded into the Conv's weights and bias
 *   fold_preprocess  the manifest's scale, channel reversal (and the mean, when the conv does
 *                not pad) folded into the first Conv's weights and bias
 *   verdicts     one VPU verdict per live node (compiler/passes/vpu_rules.c)
 *   fp16         float constants and activations to FP16 (round to nearest even), with counts
 */
#ifndef COMPILER_PASSES_PASSES_H
#define COMPILER_PASSES_PASSES_H

#include "compiler/graph/options.h"

typedef struct {
  size_t fp16_saturated, fp16_underflowed, fp16_converted;
  int n_fused;
} PassStats;

typedef int (*PassFn)(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err);

int pass_preprocess(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err);
int pass_int_inputs(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err);
int pass_infer(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err);
int pass_fuse_bn(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err);
int pass_fold_preprocess(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err);
int pass_verdicts(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err);
int pass_fp16(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err);
/* -op FP32 (output_precision): each FP16 graph output gets a Convert to FP32, as compile_tool
 * inserts one; the output keeps its name. */
int pass_output_precision(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err);

typedef struct {
  const char *name;
  PassFn fn;
} PassEntry;
extern const PassEntry PASS_LIST[];
extern const int PASS_COUNT;

/* VPU rule for one node judged alone (vpu_rules.c): fills reason/fix (arena strings) for
 * non-supported. */
Verdict vpu_judge(const IrGraph *g, int node, const char **reason, const char **fix);
/* Every live node's verdict, reason and fix (vpu_rules.c), with root causes: a node that cannot
 * be judged because an input's shape is unknown below an unsupported node is VERDICT_BLOCKED
 * with blocked_by = that root (no reason of its own); below a dynamic graph input the first
 * nodes whose outputs are not static are the roots, with the advice of opt->shape_source;
 * weights, statistics, bounds and pads computed at run time are unsupported ("freeze the
 * input"). opt may be NULL. */
void vpu_judge_graph(IrGraph *g, const CompileOptions *opt);

/* The verdict of op whatever its node (for `blobc ops`): VERDICT_UNSUPPORTED with *reason when
 * MYRIAD never runs it, VERDICT_CONVERTED when it is always rewritten, VERDICT_FOLDED when it only
 * exists at compile time (folded with static shapes), VERDICT_SUPPORTED when its rule has no
 * condition, VERDICT_NONE when the verdict depends on the node (attributes, shapes). Reasons are
 * allocated in a. */
Verdict vpu_rule_static(IrOp op, Arena *a, const char **reason);
/* Layer names on the MYRIAD list that blobc has no op for (IR_OP_UNKNOWN verdicts): their count,
 * and name i. */
int vpu_listed_count(void);
const char *vpu_listed_name(int i);

/* Small graph-building helpers shared by passes (pass_util.c). */
int pass_const(IrGraph *g, const char *name, DType dt, int rank, const int64_t *dims,
               const void *data);
/* Makes every live reader of tensor `from` read `to` instead (graph outputs too). */
void pass_replace_uses(IrGraph *g, int from, int to, int except_node);

#endif
