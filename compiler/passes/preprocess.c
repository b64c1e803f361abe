/*
 * compiler/passes/preprocess.c — the manifest's preprocessing, inserted at each model input as
 * ordinary graph nodes (so the IR shows it and every backend handles it):
 *
 *   frame (U8 or FP16, frame layout) -> Cast to float (U8 only) -> Transpose (frame layout !=
 *   model layout) -> Sub mean -> Div scale -> Gather on C with [2,1,0]
 *   (reverse_input_channels) -> the model
 *
 * Semantics follow Model Optimizer: new = (pixel - mean) / scale per channel, with mean and
 * scale given in the model's channel order and the channel reversal turning BGR frames into
 * the RGB the model wants. Mean and scale are applied in frame order (reversed with the
 * channels), so the reversal can come last and fold into the first Conv. The graph input keeps
 * the model's input name.
 */
#include "passes.h"

#include <math.h>
#include <string.h>

/* Permutation taking a tensor in layout `from` to layout `to` (same letters). */
static int layout_perm(Layout from, Layout to, int64_t *perm) {
  const char *f = layout_name(from), *t = layout_name(to);
  int r = (int)strlen(t);
  if ((int)strlen(f) != r) return -1;
  for (int i = 0; i < r; i++) {
    const char *p = strchr(f, t[i]);
    if (!p) return -1;
    perm[i] = p - f;
  }
  return r;
}

static int find_input(const IrGraph *g, const char *name) {
  if (!name) return g->n_inputs ? g->inputs[0] : -1;
  for (int i = 0; i < g->n_inputs; i++)
    if (strcmp(g->tensors[g->inputs[i]].name, name) == 0) return g->inputs[i];
  return -1;
}

/* Adds a one-input one-output node reading `in`; returns its output tensor. */
static int chain(IrGraph *g, IrOp op, const char *base, const char *suffix, int in, int extra,
                 int *node_out) {
  const char *nm = arena_printf(g->arena, "%s/%s", base, suffix);
  int n = ir_add_node(g, op, NULL, nm);
  g->nodes[n].origin = "preprocessing";
  ir_node_add_input(g, n, in);
  if (extra >= 0) ir_node_add_input(g, n, extra);
  int out = ir_node_add_output(g, n, nm);
  if (node_out) *node_out = n;
  return out;
}

static void copy_shape(IrGraph *g, int dst, int src, DType dt) {
  IrTensor *s = &g->tensors[src];
  ir_set_shape(g, dst, s->rank, s->dims);
  g->tensors[dst].dtype = dt;
}

/* Per-channel constant shaped for broadcasting against a tensor in layout l with C channels. */
static int channel_const(IrGraph *g, const char *name, Layout l, int64_t c, const double *v,
                         int n) {
  int rank = layout_rank(l), ax = layout_channel_axis(l);
  int64_t dims[IR_MAX_DIMS];
  for (int i = 0; i < rank; i++) dims[i] = i == ax ? c : 1;
  float *vals = arena_array(g->arena, (size_t)c, sizeof(float));
  for (int64_t i = 0; i < c; i++) vals[i] = (float)v[n == 1 ? 0 : i];
  return pass_const(g, name, DT_F32, rank, dims, vals);
}

static int check_values(const CompInput *s, const char *what, int n, const double *v, int64_t c,
                        const char *in_name, Err *err) {
  if (n > 1 && n != c)
    return err_set(err, ERR_SHAPE, "%s has %d values, input '%s' has %lld channels", what, n,
                   in_name, (long long)c);
  for (int i = 0; i < n; i++) {
    if (!isfinite(v[i])) return err_set(err, ERR_SHAPE, "%s[%d] is not a finite number", what, i);
    if (v == s->scale && v[i] == 0) return err_set(err, ERR_SHAPE, "%s[%d] is 0", what, i);
  }
  return 0;
}

static int apply_shape(IrGraph *g, int x, const CompInput *s, Err *err) {
  IrTensor *t = &g->tensors[x];
  if (s->has_shape) {
    if (t->rank >= 0 && t->rank != s->rank)
      return err_set(err, ERR_SHAPE, "shape has %d dims, model input '%s' has %d", s->rank, t->name,
                     t->rank);
    for (int i = 0; t->rank >= 0 && i < s->rank; i++)
      if (t->dims[i] >= 0 && t->dims[i] != s->shape[i])
        return err_set(err, ERR_SHAPE, "shape dim %d is %lld, model input '%s' has %s", i,
                       (long long)s->shape[i], t->name, ir_shape_str(g->arena, t));
    ir_set_shape(g, x, s->rank, s->shape);
    return 0;
  }
  /* A symbolic batch dim becomes 1, as Model Optimizer does; other unknown dims stay. */
  if (t->rank >= 1 && t->dims[0] < 0) t->dims[0] = 1;
  return 0;
}

static int preprocess_one(IrGraph *g, int x, const CompInput *s, Err *err) {
  if (apply_shape(g, x, s, err) < 0) return -1;
  IrTensor *t = &g->tensors[x];
  for (int i = 0; i < t->rank; i++)
    if (t->dims[i] == 0)
      return err_set(err, ERR_SHAPE, "input '%s' has a dim of size 0 (%s)", t->name,
                     ir_shape_str(g->arena, t));
  const char *name = t->name;
  bool is_float = dtype_is_float(t->dtype);
  Layout native =
      t->layout && layout_rank((Layout)t->layout) == t->rank ? (Layout)t->layout : LAYOUT_NONE;
  Layout layout = s->layout ? s->layout : native ? native : layout_default(t->rank);
  Layout frame = s->frame_layout ? s->frame_layout : layout;
  if ((s->layout || s->frame_layout) && layout_rank(layout) != t->rank)
    return err_set(err, ERR_SHAPE, "layout %s does not fit input '%s' of rank %d",
                   layout_name(layout), name, t->rank);
  if (layout_rank(frame) != layout_rank(layout))
    return err_set(err, ERR_SHAPE, "layout %s->%s changes the rank", layout_name(layout),
                   layout_name(frame));
  int cax = layout_channel_axis(layout);
  int64_t c = cax >= 0 && cax < t->rank ? t->dims[cax] : -1;
  bool need_c = s->n_mean || s->n_scale || s->reverse_input_channels;
  if (need_c && c <= 0)
    return err_set(
        err, ERR_SHAPE,
        "input '%s' has no static channel dim for mean/scale/reverse (layout %s, shape %s)", name,
        layout_name(layout), ir_shape_str(g->arena, t));
  if (check_values(s, "mean_values", s->n_mean, s->mean, c, name, err) < 0) return -1;
  if (check_values(s, "scale_values", s->n_scale, s->scale, c, name, err) < 0) return -1;
  if (s->reverse_input_channels && c != 3)
    return err_set(err, ERR_SHAPE, "reverse_input_channels needs 3 channels, input '%s' has %lld",
                   name, (long long)c);
  if (!is_float && (need_c || s->precision == PREC_U8)) {
    if (need_c)
      return err_set(err, ERR_SHAPE, "mean/scale/reverse given for input '%s' of type %s", name,
                     dtype_name(t->dtype));
    return 0; /* integer inputs keep their type (int_inputs pass) */
  }
  Precision prec = s->precision ? s->precision : (t->rank == 4 && is_float ? PREC_U8 : PREC_FP16);
  bool transpose = frame != layout;
  t->layout = frame; /* what the host feeds, for the blob's IO entry */
  if (prec != PREC_U8 && !transpose && !need_c) return 0;

  /* New graph input with the model's name; the old tensor becomes the chain's end. */
  int in = ir_add_tensor(g, name);
  t = &g->tensors[x];
  t->name = arena_printf(g->arena, "%s/preprocessed", name);
  int64_t perm[IR_MAX_DIMS];
  int64_t fdims[IR_MAX_DIMS];
  if (transpose) {
    int64_t inv[IR_MAX_DIMS];
    layout_perm(layout, frame, inv); /* frame dim i = model dim inv[i] */
    for (int i = 0; i < t->rank; i++) fdims[i] = t->dims[inv[i]];
    layout_perm(frame, layout, perm);
  } else {
    for (int i = 0; i < t->rank; i++) fdims[i] = t->dims[i];
  }
  ir_set_shape(g, in, t->rank, fdims);
  g->tensors[in].dtype = prec == PREC_U8 ? DT_U8 : DT_F32;
  g->tensors[in].layout = frame;
  for (int i = 0; i < g->n_inputs; i++)
    if (g->inputs[i] == x) g->inputs[i] = in;
  g->tensors[in].is_input = true;
  g->tensors[x].is_input = false;

  int cur = in, node = -1;
  if (prec == PREC_U8) {
    cur = chain(g, IR_OP_CAST, name, "convert_u8", cur, -1, &node);
    ir_node_add_attr(g, node, "to", ATTR_INT)->i = 1; /* FLOAT */
    copy_shape(g, cur, in, DT_F32);
  }
  if (transpose) {
    int prev = cur;
    cur = chain(g, IR_OP_TRANSPOSE, name, "layout", cur, -1, &node);
    IrAttr *a = ir_node_add_attr(g, node, "perm", ATTR_INTS);
    a->n = t->rank;
    a->ints = arena_array(g->arena, (size_t)t->rank, sizeof(int64_t));
    memcpy(a->ints, perm, (size_t)t->rank * sizeof(int64_t));
    (void)prev;
    copy_shape(g, cur, x, DT_F32);
  }
  /* mean and scale are given in the model's channel order; they are applied here in the
   * frame's order (reversed when the channels are), and the reversal comes last, next to the
   * model: the same values, and the Gather can always fold into a first Conv. */
  double mean[8], scale[8];
  for (int i = 0; i < s->n_mean; i++)
    mean[i] = s->mean[s->reverse_input_channels && s->n_mean == 3 ? 2 - i : i];
  for (int i = 0; i < s->n_scale; i++)
    scale[i] = s->scale[s->reverse_input_channels && s->n_scale == 3 ? 2 - i : i];
  if (s->n_mean) {
    int mc = channel_const(g, arena_printf(g->arena, "%s/mean", name), layout, c, mean, s->n_mean);
    cur = chain(g, IR_OP_SUB, name, "mean", cur, mc, NULL);
    copy_shape(g, cur, x, DT_F32);
  }
  if (s->n_scale) {
    int sc =
        channel_const(g, arena_printf(g->arena, "%s/scale", name), layout, c, scale, s->n_scale);
    cur = chain(g, IR_OP_DIV, name, "scale", cur, sc, NULL);
    copy_shape(g, cur, x, DT_F32);
  }
  if (s->reverse_input_channels) {
    int64_t idx[3] = {2, 1, 0}, three = 3;
    int ic =
        pass_const(g, arena_printf(g->arena, "%s/reverse_indices", name), DT_I64, 1, &three, idx);
    cur = chain(g, IR_OP_GATHER, name, "reverse_channels", cur, ic, &node);
    ir_node_add_attr(g, node, "axis", ATTR_INT)->i = cax;
    copy_shape(g, cur, x, DT_F32);
  }
  /* Model nodes read the chain's end instead of the old input. */
  int last_node = g->tensors[cur].producer;
  for (int i = 0; i < g->n_nodes; i++) {
    if (g->nodes[i].origin || i == last_node) continue;
    IrNode *n = &g->nodes[i];
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] == x) n->inputs[k] = cur;
  }
  for (int k = 0; k < g->n_outputs; k++)
    if (g->outputs[k] == x) g->outputs[k] = cur, g->tensors[cur].is_output = true;
  return 0;
}

/* An input frozen to values: a constant of the model's type, no longer a graph input. */
static int freeze_input(IrGraph *g, int x, const CompInput *s, Err *err) {
  IrTensor *t = &g->tensors[x];
  if (!s->has_shape)
    return err_set(err, ERR_SHAPE, "input '%s': a frozen value needs a shape", t->name);
  int64_t n = 1;
  for (int i = 0; i < s->rank; i++) n *= s->shape[i];
  if (s->rank < 0 || n != s->n_value)
    return err_set(err, ERR_SHAPE, "input '%s': %lld values for a shape of %lld elements", t->name,
                   (long long)s->n_value, (long long)n);
  DType dt = t->dtype == DT_UNDEF ? DT_F32 : t->dtype;
  if (dt == DT_STRING)
    return err_set(err, ERR_SHAPE, "input '%s': string inputs cannot be frozen", t->name);
  void *data = arena_alloc(g->arena, (size_t)(n ? n : 1) * dtype_size(dt));
  ir_set_shape(g, x, s->rank, s->shape);
  t = &g->tensors[x];
  t->dtype = dt;
  t->data = data;
  t->nbytes = (size_t)n * dtype_size(dt);
  for (int64_t i = 0; i < n; i++) ir_const_put_f64(t, i, s->value[i]);
  t->is_input = false;
  int k = 0;
  for (int i = 0; i < g->n_inputs; i++)
    if (g->inputs[i] != x) g->inputs[k++] = g->inputs[i];
  g->n_inputs = k;
  return 0;
}

int pass_preprocess(IrGraph *g, const CompileOptions *opt, PassStats *st, Err *err) {
  (void)st;
  for (int i = 0; i < opt->n_inputs; i++) {
    const CompInput *s = &opt->inputs[i];
    if (!s->value) continue;
    int x = find_input(g, s->name);
    if (x < 0 || freeze_input(g, x, s, err) < 0) {
      err_where(err, g->source, 0, NULL, NULL);
      if (x < 0)
        return err_set(err, ERR_SHAPE, "the model has no input named '%s'",
                       s->name ? s->name : "(first)");
      return -1;
    }
  }
  bool done[64] = {0};
  for (int i = 0; i < opt->n_inputs; i++) {
    const CompInput *s = &opt->inputs[i];
    if (s->value) continue;
    int x = find_input(g, s->name);
    if (x < 0) {
      err_where(err, g->source, 0, NULL, NULL);
      return err_set(err, ERR_SHAPE, "the model has no input named '%s'",
                     s->name ? s->name : "(first)");
    }
    for (int k = 0; k < g->n_inputs && k < 64; k++)
      if (g->inputs[k] == x) done[k] = true;
    if (preprocess_one(g, x, s, err) < 0) {
      err_where(err, g->source, 0, NULL, NULL);
      return -1;
    }
  }
  /* Inputs the manifest does not mention get the defaults (4-D float: U8 frames). */
  int n_in = g->n_inputs;
  for (int k = 0; k < n_in && k < 64; k++) {
    if (done[k]) continue;
    CompInput dflt = {0};
    dflt.name = g->tensors[g->inputs[k]].name;
    if (preprocess_one(g, g->inputs[k], &dflt, err) < 0) {
      err_where(err, g->source, 0, NULL, NULL);
      return -1;
    }
  }
  return ir_toposort(g, err);
}
