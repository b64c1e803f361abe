/* compiler/graph/build.c — graph-building helpers shared by the frontends (see build.h). */
#include "build.h"

#include <string.h>

int irb_tensor(IrGraph *g, NameMap *names, const char *base) {
  const char *name = base;
  for (int k = 1; namemap_get(names, name) >= 0; k++)
    name = arena_printf(g->arena, "%s_%d", base, k);
  int t = ir_add_tensor(g, name);
  namemap_put(names, g->tensors[t].name, 1);
  return t;
}

int irb_const(IrGraph *g, NameMap *names, const char *base, DType dt, int rank, const int64_t *dims,
              const void *data) {
  int t = irb_tensor(g, names, base);
  ir_set_const(g, t, dt, rank, dims, data);
  return t;
}

void irb_output(IrGraph *g, int n, int t) {
  IrNode *x = &g->nodes[n];
  ASSERT(x->n_outputs < IR_MAX_OUTPUTS);
  x->outputs[x->n_outputs++] = t;
  if (t >= 0) g->tensors[t].producer = n;
}

void irb_int(IrGraph *g, int n, const char *k, int64_t v) {
  ir_node_add_attr(g, n, k, ATTR_INT)->i = v;
}

void irb_float(IrGraph *g, int n, const char *k, double v) {
  ir_node_add_attr(g, n, k, ATTR_FLOAT)->f = (float)v;
}

void irb_str(IrGraph *g, int n, const char *k, const char *v) {
  ir_node_add_attr(g, n, k, ATTR_STRING)->s = arena_strdup(g->arena, v);
}

void irb_ints(IrGraph *g, int n, const char *k, const int64_t *v, int cnt) {
  IrAttr *at = ir_node_add_attr(g, n, k, ATTR_INTS);
  at->ints = arena_array(g->arena, (size_t)(cnt ? cnt : 1), sizeof(int64_t));
  if (cnt) memcpy(at->ints, v, (size_t)cnt * sizeof(int64_t));
  at->n = cnt;
}
