/* compiler/passes/pass_util.c — helpers shared by the passes, and the pass list. */
#include "passes.h"

#include <string.h>

const PassEntry PASS_LIST[] = {
    {"preprocess", pass_preprocess},
    {"int_inputs", pass_int_inputs},
    {"infer", pass_infer},
    {"fuse_bn", pass_fuse_bn},
    {"fold_preprocess", pass_fold_preprocess},
    {"verdicts", pass_verdicts},
    {"fp16", pass_fp16},
    {"output_precision", pass_output_precision},
};
const int PASS_COUNT = (int)(sizeof PASS_LIST / sizeof PASS_LIST[0]);

/* Shape inference and constant folding (compiler/graph/shape.c), once the inputs are fixed. */
int pass_infer(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err) {
  (void)opt, (void)st;
  return ir_infer(g, err);
}

int pass_const(IrGraph *g, const char *name, DType dt, int rank, const int64_t *dims,
               const void *data) {
  int t = ir_add_tensor(g, name);
  ir_set_const(g, t, dt, rank, dims, data);
  return t;
}

void pass_replace_uses(IrGraph *g, int from, int to, int except_node) {
  for (int i = 0; i < g->n_nodes; i++) {
    if (i == except_node || g->nodes[i].dead) continue;
    IrNode *n = &g->nodes[i];
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] == from) n->inputs[k] = to;
  }
  for (int k = 0; k < g->n_outputs; k++)
    if (g->outputs[k] == from) {
      g->outputs[k] = to;
      g->tensors[to].is_output = true;
      g->tensors[from].is_output = false;
    }
}
