/* compiler/graph/verify.c — structural checks of a graph between passes (see ir.h ir_verify). */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

/* Whether compile_model checks the graph after every pass: always in sanitizer builds
 * (-DBLOBC_VERIFY_IR), and wherever BLOBC_VERIFY_IR is set in the environment (make test). */
bool ir_verify_enabled(void) {
#ifdef BLOBC_VERIFY_IR
  return true;
#else
  static int on = -1;
  if (on < 0) on = getenv("BLOBC_VERIFY_IR") != NULL; /* benign race: same value either way */
  return on == 1;
#endif
}

static int bad(const IrGraph *g, const IrNode *n, Err *err, const char *after, const char *what,
               const char *name) {
  err_where(err, g->source, 0, NULL, n ? n->name : NULL);
  return err_set(err, ERR_INTERNAL, "graph invariant broken after %s: %s%s%s%s", after, what,
                 name ? " '" : "", name ? name : "", name ? "'" : "");
}

int ir_verify(const IrGraph *g, const char *after, Err *err) {
  int nt = g->n_tensors;
  int *prod = malloc(((size_t)nt + 1) * sizeof *prod);
  if (!prod) base__assert_fail(__FILE__, __LINE__, "out of memory");
  for (int t = 0; t < nt; t++) prod[t] = -1;
  int rc = 0;
  /* every live node's tensors exist; every tensor has at most one live producer, which the
   * tensor records */
  for (int i = 0; i < g->n_nodes && rc == 0; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    if (n->n_inputs < 0 || n->n_inputs > IR_NODE_MAX_INPUTS || n->n_outputs < 0 ||
        n->n_outputs > IR_MAX_OUTPUTS) {
      rc = bad(g, n, err, after, "input or output count out of range", NULL);
      break;
    }
    for (int k = 0; k < n->n_inputs + n->n_outputs && rc == 0; k++) {
      int t = k < n->n_inputs ? n->inputs[k] : n->outputs[k - n->n_inputs];
      if (t < -1 || t >= nt) rc = bad(g, n, err, after, "tensor index out of range", NULL);
    }
    for (int k = 0; k < n->n_outputs && rc == 0; k++) {
      int t = n->outputs[k];
      if (t < 0) continue;
      if (prod[t] >= 0)
        rc = bad(g, n, err, after, "tensor produced by two live nodes:", g->tensors[t].name);
      else if (g->tensors[t].producer != i)
        rc = bad(g, n, err, after, "tensor does not name its producer:", g->tensors[t].name);
      prod[t] = i;
    }
  }
  /* topological order (no cycle): a live node reads only tensors made by earlier live nodes,
   * graph inputs or constants */
  for (int i = 0; i < g->n_nodes && rc == 0; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs && rc == 0; k++) {
      int t = n->inputs[k];
      if (t < 0) continue;
      const IrTensor *x = &g->tensors[t];
      if (prod[t] >= i)
        rc = bad(g, n, err, after, "node reads a tensor made later (cycle or order):", x->name);
      else if (prod[t] < 0 && !x->data && !x->is_input)
        rc = bad(g, n, err, after, "node reads a tensor nothing makes:", x->name);
    }
  }
  for (int i = 0; i < g->n_outputs && rc == 0; i++) {
    int t = g->outputs[i];
    if (t < 0 || t >= nt)
      rc = bad(g, NULL, err, after, "graph output index out of range", NULL);
    else if (prod[t] < 0 && !g->tensors[t].data && !g->tensors[t].is_input)
      rc = bad(g, NULL, err, after, "graph output nothing makes:", g->tensors[t].name);
  }
  /* after shape inference: shapes are well-formed, constants hold their bytes, and a known op
   * whose inputs are typed has typed outputs */
  for (int t = 0; t < nt && rc == 0 && g->inferred; t++) {
    const IrTensor *x = &g->tensors[t];
    if (x->rank < -1 || x->rank > IR_MAX_DIMS)
      rc = bad(g, NULL, err, after, "rank out of range:", x->name);
    for (int d = 0; d < x->rank && rc == 0; d++)
      if (x->dims[d] < -1) rc = bad(g, NULL, err, after, "negative dim:", x->name);
    if (rc == 0 && x->data && x->rank >= 0 && ir_numel(x) >= 0 &&
        x->nbytes < (uint64_t)ir_numel(x) * dtype_size(x->dtype))
      rc = bad(g, NULL, err, after, "constant shorter than its shape:", x->name);
  }
  for (int i = 0; i < g->n_nodes && rc == 0 && g->inferred; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead || n->op >= IR_OP_COUNT || n->verdict == VERDICT_UNSUPPORTED ||
        n->verdict == VERDICT_BLOCKED)
      continue;
    bool typed = true;
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0 && g->tensors[n->inputs[k]].dtype == DT_UNDEF) typed = false;
    if (typed && n->n_outputs > 0 && n->outputs[0] >= 0 &&
        g->tensors[n->outputs[0]].dtype == DT_UNDEF)
      rc = bad(g, n, err, after, "output has no dtype:", g->tensors[n->outputs[0]].name);
  }
  free(prod);
  return rc;
}
