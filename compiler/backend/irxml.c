/*
 * compiler/backend/irxml.c — OpenVINO IR v11 writer (see irxml.h).
 *
 * Two phases. Building: every live node is mapped onto layers held in memory (Layer, with
 * input/output ports) and edges; constants are appended to the .bin as their Const layer is
 * created. Serialising: the layer list is written with libxml2's xmlTextWriter. Each op
 * emitter returns 0 (mapped), -1 (error, err filled) or EMIT_UNMAPPED; on EMIT_UNMAPPED the
 * driver rolls back whatever the emitter built and writes a version="unknown" layer instead.
 */
#include "irxml.h"

#include "compiler/graph/optable.h"
#include "compiler/graph/params.h"
#include "compiler/graph/quant.h"

#include <float.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMIT_UNMAPPED 1

/* ---- in-memory IR ------------------------------------------------------------------------ */

typedef struct {
  int layer; /* layer index, -1 = none */
  int port;  /* index among the layer's outputs */
} Val;

typedef struct {
  DType dt;
  int rank; /* -1 = unknown rank */
  int64_t dims[IR_MAX_DIMS];
  const char *names; /* v11 tensor names (already comma-escaped), NULL when none */
} Port;

typedef struct {
  const char *k, *v;
} Kv;

typedef struct {
  const char *name, *type, *version;
  Kv *attrs;
  int n_attrs, cap_attrs;
  Port *in;
  int n_in, cap_in;
  Port *out;
  int n_out, cap_out;
} Layer;

typedef struct {
  int from_layer, from_out, to_layer, to_in;
} Edge;

typedef struct {
  const IrGraph *g;
  Arena *a; /* scratch, freed when the write ends */
  Buf *bin;
  Layer *ls;
  int n_ls, cap_ls;
  Edge *es;
  int n_es, cap_es;
  Val *tv; /* per IR tensor: the port carrying it */
  Err *err;
} W;

/* Grows an arena-backed array to hold at least need elements (ir.c's policy). */
static void *grow(Arena *a, void *old, int *cap, int need, size_t elem) {
  if (need <= *cap) return old;
  int nc = *cap ? *cap : 8;
  while (nc < need) nc *= 2;
  void *p = arena_array(a, (size_t)nc, elem);
  if (old) memcpy(p, old, (size_t)*cap * elem);
  *cap = nc;
  return p;
}

static const IrTensor *T(const W *w, int t) { return &w->g->tensors[t]; }

/* True when input k of n is present. */
static bool has_in(const IrNode *n, int k) { return k < n->n_inputs && n->inputs[k] >= 0; }
static bool has_out(const IrNode *n, int k) { return k < n->n_outputs && n->outputs[k] >= 0; }

/* "1,2,3" for n ints ("" for n == 0). */
static const char *ints_str(Arena *a, const int64_t *v, int n) {
  Buf b = BUF_INIT;
  for (int i = 0; i < n; i++) buf_printf(&b, "%s%lld", i ? "," : "", (long long)v[i]);
  buf_put(&b, "", 1);
  char *s = arena_strdup(a, (const char *)b.data);
  buf_free(&b);
  return s;
}

/* The shortest decimal that reads back as the same float (attributes are floats in ONNX). */
static const char *flt_str(Arena *a, double v) {
  float f = (float)v;
  char b[64];
  for (int prec = 6; prec < 9; prec++) {
    snprintf(b, sizeof b, "%.*g", prec, (double)f);
    if (strtof(b, NULL) == f) return arena_strdup(a, b);
  }
  return arena_printf(a, "%.9g", (double)f);
}

/* Tensor name escaped for the v11 `names` port attribute (commas separate names). */
static const char *names_escape(Arena *a, const char *s) {
  Buf b = BUF_INIT;
  for (const char *p = s; *p; p++) {
    if (*p == ',') buf_put(&b, "\\", 1);
    buf_put(&b, p, 1);
  }
  buf_put(&b, "", 1);
  char *r = arena_strdup(a, (const char *)b.data);
  buf_free(&b);
  return r;
}

static int layer_new(W *w, const char *name, const char *type, const char *version) {
  w->ls = grow(w->a, w->ls, &w->cap_ls, w->n_ls + 1, sizeof(Layer));
  Layer *l = &w->ls[w->n_ls];
  memset(l, 0, sizeof *l);
  l->name = name;
  l->type = type;
  l->version = version;
  return w->n_ls++;
}

static void attr(W *w, int li, const char *k, const char *v) {
  Layer *l = &w->ls[li];
  l->attrs = grow(w->a, l->attrs, &l->cap_attrs, l->n_attrs + 1, sizeof(Kv));
  l->attrs[l->n_attrs++] = (Kv){k, v};
}

static void attr_ints(W *w, int li, const char *k, const int64_t *v, int n) {
  attr(w, li, k, ints_str(w->a, v, n));
}
static void attr_int(W *w, int li, const char *k, int64_t v) { attr_ints(w, li, k, &v, 1); }
static void attr_bool(W *w, int li, const char *k, bool v) { attr(w, li, k, v ? "true" : "false"); }
static void attr_flt(W *w, int li, const char *k, double v) { attr(w, li, k, flt_str(w->a, v)); }

static const Port *port_of(const W *w, Val v) { return &w->ls[v.layer].out[v.port]; }

/* Adds an input port fed by v (shape copied from the producing port) and its edge. */
static void layer_in(W *w, int li, Val v) {
  Port p = *port_of(w, v);
  p.names = NULL;
  Layer *l = &w->ls[li];
  l->in = grow(w->a, l->in, &l->cap_in, l->n_in + 1, sizeof(Port));
  l->in[l->n_in] = p;
  w->es = grow(w->a, w->es, &w->cap_es, w->n_es + 1, sizeof(Edge));
  w->es[w->n_es++] = (Edge){v.layer, v.port, li, l->n_in};
  l->n_in++;
}

/* Adds an output port with the given type and shape; returns the value it carries. */
static Val out_s(W *w, int li, DType dt, int rank, const int64_t *dims) {
  Layer *l = &w->ls[li];
  l->out = grow(w->a, l->out, &l->cap_out, l->n_out + 1, sizeof(Port));
  Port *p = &l->out[l->n_out];
  memset(p, 0, sizeof *p);
  p->dt = dt;
  p->rank = rank;
  for (int i = 0; i < rank && i < IR_MAX_DIMS; i++) p->dims[i] = dims[i];
  return (Val){li, l->n_out++};
}

/* Adds a port named after the tensor it carries to `names` (v11 keeps every alias). */
static void port_add_name(W *w, Val v, const char *tname) {
  if (!tname || !tname[0]) return;
  Port *p = &w->ls[v.layer].out[v.port];
  const char *e = names_escape(w->a, tname);
  p->names = p->names ? arena_printf(w->a, "%s,%s", p->names, e) : e;
}

/* Adds an output port carrying IR tensor t (its dtype and shape) and records it. */
static Val out_t(W *w, int li, int t) {
  const IrTensor *x = T(w, t);
  Val v = out_s(w, li, x->dtype, x->rank, x->dims);
  port_add_name(w, v, x->name);
  w->tv[t] = v;
  return v;
}

/* ---- constants -------------------------------------------------------------------------- */

/* A Const layer over nbytes of data appended to the .bin. */
static Val const_raw(W *w, const char *name, DType dt, int rank, const int64_t *dims,
                     const void *data, size_t nbytes) {
  size_t off = w->bin->len;
  if (nbytes) buf_put(w->bin, data, nbytes);
  int li = layer_new(w, name, "Const", "opset1");
  attr(w, li, "element_type", dtype_name(dt));
  attr(w, li, "shape", ints_str(w->a, dims, rank));
  attr(w, li, "offset", arena_printf(w->a, "%zu", off));
  attr(w, li, "size", arena_printf(w->a, "%zu", nbytes));
  return out_s(w, li, dt, rank, dims);
}

/* An i64 Const of n values, rank 1 ([n]) or rank 0 (scalar, n must be 1). */
static Val const_i64(W *w, const char *name, const int64_t *v, int n, int rank) {
  int64_t d = n;
  return const_raw(w, name, DT_I64, rank, &d, v, (size_t)n * 8);
}

/* A one-value Const of type dt holding v; rank 0 or 1 ([1]). */
static Val const_num(W *w, const char *name, DType dt, double v, int rank) {
  uint8_t b[8] = {0};
  switch (dt) {
  case DT_F32: {
    float f = (float)v;
    memcpy(b, &f, 4);
    break;
  }
  case DT_F16: {
    uint16_t h = fp16_from_f32((float)v);
    memcpy(b, &h, 2);
    break;
  }
  case DT_F64: memcpy(b, &v, 8); break;
  case DT_I64:
  case DT_U64: {
    int64_t i = (int64_t)v;
    memcpy(b, &i, 8);
    break;
  }
  case DT_I32:
  case DT_U32: {
    int32_t i = (int32_t)v;
    memcpy(b, &i, 4);
    break;
  }
  case DT_I16:
  case DT_U16: {
    int16_t i = (int16_t)v;
    memcpy(b, &i, 2);
    break;
  }
  default: b[0] = (uint8_t)(int)v; break;
  }
  int64_t one = 1;
  return const_raw(w, name, dt, rank, &one, b, dtype_size(dt));
}

/* The value of IR tensor t: its producer's port, or a Const layer made on first use.
 * Returns -1 (err filled) when t is neither produced, a graph input, nor constant. */
static int tensor_val(W *w, int t, Val *out) {
  if (w->tv[t].layer >= 0) {
    *out = w->tv[t];
    return 0;
  }
  const IrTensor *x = T(w, t);
  if (!x->data)
    return err_set(w->err, ERR_BACKEND, "tensor '%s' is read but never produced", x->name);
  if (x->rank < 0) return err_set(w->err, ERR_SHAPE, "constant '%s' has no shape", x->name);
  *out = const_raw(w, x->name, x->dtype, x->rank, x->dims, x->data, x->nbytes);
  port_add_name(w, *out, x->name);
  w->tv[t] = *out;
  return 0;
}

static int input(W *w, const IrNode *n, int k, Val *out) {
  if (!has_in(n, k)) return err_set(w->err, ERR_BACKEND, "required input %d is missing", k);
  return tensor_val(w, n->inputs[k], out);
}

/* ---- small layer builders ---------------------------------------------------------------- */

static const char *sub(W *w, const IrNode *n, const char *suffix) {
  return arena_printf(w->a, "%s/%s", n->name, suffix);
}

/* A Reshape of v to dims (shape Const + Reshape layer). */
static Val reshape_val(W *w, const char *name, Val v, int rank, const int64_t *dims) {
  Val s = const_i64(w, arena_printf(w->a, "%s/shape", name), dims, rank, 1);
  DType dt = port_of(w, v)->dt;
  int li = layer_new(w, name, "Reshape", "opset1");
  attr_bool(w, li, "special_zero", false);
  layer_in(w, li, v);
  layer_in(w, li, s);
  return out_s(w, li, dt, rank, dims);
}

/* Input k of n with a new shape of the same element count: a re-shaped Const when the tensor
 * is constant (same bytes), else a Reshape layer. */
static int input_reshaped(W *w, const IrNode *n, int k, int rank, const int64_t *dims,
                          const char *suffix, Val *out) {
  if (!has_in(n, k)) return err_set(w->err, ERR_BACKEND, "required input %d is missing", k);
  const IrTensor *x = T(w, n->inputs[k]);
  if (x->data) {
    *out = const_raw(w, sub(w, n, suffix), x->dtype, rank, dims, x->data, x->nbytes);
    return 0;
  }
  Val v;
  if (input(w, n, k, &v) < 0) return -1;
  *out = reshape_val(w, sub(w, n, suffix), v, rank, dims);
  return 0;
}

/* A two-input elementwise layer with numpy broadcasting. Output: tensor out_t when >= 0,
 * else a port shaped like `like`. */
static Val binop(W *w, const char *name, const char *type, Val a, Val b, int out_tensor,
                 const IrTensor *like) {
  int li = layer_new(w, name, type, "opset1");
  attr(w, li, "auto_broadcast", "numpy");
  layer_in(w, li, a);
  layer_in(w, li, b);
  if (out_tensor >= 0) return out_t(w, li, out_tensor);
  return out_s(w, li, like->dtype, like->rank, like->dims);
}

/* Adds per-channel input k (shape [C] or broadcastable) of n to v, reshaped to [1,C,1,...]. */
static int per_channel(W *w, const IrNode *n, Val v, int k, const char *type, const char *suffix,
                       const char *name, int out_tensor, Val *out) {
  const IrTensor *y = T(w, n->outputs[0]);
  const IrTensor *c = T(w, n->inputs[k]);
  int64_t numel = ir_numel(c);
  if (y->rank < 2 || numel != y->dims[1]) return EMIT_UNMAPPED;
  int64_t dims[IR_MAX_DIMS];
  for (int i = 0; i < y->rank; i++) dims[i] = i == 1 ? y->dims[1] : 1;
  Val cv;
  if (input_reshaped(w, n, k, y->rank, dims, suffix, &cv) < 0) return -1;
  *out = binop(w, name, type, v, cv, out_tensor, y);
  return 0;
}

/* Non-negative axis for rank r, or -1 when out of range. */
static int64_t norm_axis(int64_t ax, int r) {
  if (ax < 0) ax += r;
  return (ax < 0 || ax >= r) ? -1 : ax;
}

/* Reads the ints of the attribute form av (decoded; IR_NO_INTS: none) when given, else the
 * constant ints of input k, into v; returns the count, 0 when absent, -1 when present but not
 * constant or longer than max. */
static int ints_from(const W *w, const IrNode *n, IrInts av, int k, int64_t *v, int max) {
  if (av.n) return av.n > max ? -1 : ir_ints_copy(av, v, max);
  if (!has_in(n, k)) return 0;
  const IrTensor *x = T(w, n->inputs[k]);
  if (!x->data) return -1;
  int64_t c = ir_numel(x);
  if (c < 0 || c > max) return -1;
  for (int64_t i = 0; i < c; i++) v[i] = ir_const_i64(x, i);
  return (int)c;
}

/* ---- conv and pool ----------------------------------------------------------------------- */

typedef struct {
  int ns; /* spatial rank */
  int64_t k[IR_MAX_DIMS], s[IR_MAX_DIMS], d[IR_MAX_DIMS], pb[IR_MAX_DIMS], pe[IR_MAX_DIMS];
  const char *auto_pad;
} Spatial;

/* Fills sp from ONNX kernel/strides/dilations/pads/auto_pad of n with input x and output y.
 * kernel NULL means the kernel_shape attribute. Returns EMIT_UNMAPPED for what OpenVINO
 * cannot express. */
static int spatial(const W *w, const IrNode *n, const IrTensor *x, const IrTensor *y,
                   const int64_t *kernel, Spatial *sp) {
  const IrWindowParams *p = ir_window_params(w->g, n);
  int ns = y->rank - 2;
  if (ns < 1 || x->rank != y->rank) return EMIT_UNMAPPED;
  sp->ns = ns;
  for (int i = 0; i < ns; i++) sp->pb[i] = sp->pe[i] = 0;
  if (kernel)
    memcpy(sp->k, kernel, (size_t)ns * sizeof(int64_t));
  else if (p->n_kernel != ns)
    return EMIT_UNMAPPED;
  else
    memcpy(sp->k, p->kernel, (size_t)ns * sizeof(int64_t));
  if ((p->n_strides && p->n_strides != ns) || (p->n_dilations && p->n_dilations != ns))
    return EMIT_UNMAPPED;
  memcpy(sp->s, p->strides, (size_t)ns * sizeof(int64_t));
  memcpy(sp->d, p->dilations, (size_t)ns * sizeof(int64_t));
  if (p->auto_pad == IR_AUTO_PAD_NOTSET) {
    sp->auto_pad = "explicit";
    int c = p->n_pads;
    if (c && c != 2 * ns) return EMIT_UNMAPPED;
    for (int i = 0; i < c / 2; i++) sp->pb[i] = p->pads[i], sp->pe[i] = p->pads[ns + i];
    return 0;
  }
  bool upper = p->auto_pad == IR_AUTO_PAD_SAME_UPPER, lower = p->auto_pad == IR_AUTO_PAD_SAME_LOWER;
  if (p->auto_pad == IR_AUTO_PAD_VALID) {
    sp->auto_pad = "valid";
    return 0;
  }
  if (!upper && !lower) return EMIT_UNMAPPED;
  sp->auto_pad = upper ? "same_upper" : "same_lower";
  for (int i = 0; i < ns; i++) {
    int64_t total =
        (y->dims[2 + i] - 1) * sp->s[i] + (sp->k[i] - 1) * sp->d[i] + 1 - x->dims[2 + i];
    if (total < 0) total = 0;
    sp->pb[i] = upper ? total / 2 : total - total / 2;
    sp->pe[i] = total - sp->pb[i];
  }
  return 0;
}

static void spatial_attrs(W *w, int li, const Spatial *sp, bool kernel, bool dilations) {
  attr_ints(w, li, "strides", sp->s, sp->ns);
  if (dilations) attr_ints(w, li, "dilations", sp->d, sp->ns);
  attr_ints(w, li, "pads_begin", sp->pb, sp->ns);
  attr_ints(w, li, "pads_end", sp->pe, sp->ns);
  if (kernel) attr_ints(w, li, "kernel", sp->k, sp->ns);
  attr(w, li, "auto_pad", sp->auto_pad);
}

/* Conv -> Convolution | GroupConvolution (weights [G, O/G, I/G, k...]) [+ Add bias]. */
static int emit_conv(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *wt = T(w, n->inputs[1]), *y = T(w, n->outputs[0]);
  if (wt->rank != y->rank) return EMIT_UNMAPPED;
  Spatial sp;
  int rc = spatial(w, n, x, y, wt->dims + 2, &sp);
  if (rc) return rc;
  int64_t group = ir_window_params(w->g, n)->group;
  if (group < 1 || wt->dims[0] % group) return EMIT_UNMAPPED;
  Val xv, wv, v;
  if (input(w, n, 0, &xv) < 0) return -1;
  if (group > 1) {
    int64_t d[IR_MAX_DIMS];
    if (wt->rank + 1 > IR_MAX_DIMS) return EMIT_UNMAPPED;
    d[0] = group;
    d[1] = wt->dims[0] / group;
    for (int i = 1; i < wt->rank; i++) d[i + 1] = wt->dims[i];
    if (input_reshaped(w, n, 1, wt->rank + 1, d, "weights", &wv) < 0) return -1;
  } else if (input(w, n, 1, &wv) < 0) {
    return -1;
  }
  bool bias = has_in(n, 2);
  int li = layer_new(w, bias ? sub(w, n, "WithoutBiases") : n->name,
                     group > 1 ? "GroupConvolution" : "Convolution", "opset1");
  spatial_attrs(w, li, &sp, false, true);
  layer_in(w, li, xv);
  layer_in(w, li, wv);
  if (!bias) {
    out_t(w, li, n->outputs[0]);
    return 0;
  }
  v = out_s(w, li, y->dtype, y->rank, y->dims);
  return per_channel(w, n, v, 2, "Add", "bias", n->name, n->outputs[0], &v);
}

/* ConvTranspose -> ConvolutionBackpropData | GroupConvolutionBackpropData [+ Add bias]. */
static int emit_conv_transpose(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *wt = T(w, n->inputs[1]), *y = T(w, n->outputs[0]);
  int ns = y->rank - 2;
  if (ns < 1 || wt->rank != y->rank || x->rank != y->rank) return EMIT_UNMAPPED;
  const IrWindowParams *p = ir_window_params(w->g, n);
  Spatial sp = {.ns = ns, .auto_pad = "explicit"};
  int64_t op[IR_MAX_DIMS] = {0};
  for (int i = 0; i < ns; i++) {
    sp.k[i] = wt->dims[2 + i];
    sp.s[i] = p->strides[i], sp.d[i] = p->dilations[i], op[i] = p->output_padding[i];
  }
  bool explicit_pads = p->auto_pad == IR_AUTO_PAD_NOTSET && !p->has_output_shape;
  for (int i = 0; i < ns; i++) {
    if (explicit_pads) {
      if (p->n_pads == 2 * ns) sp.pb[i] = p->pads[i], sp.pe[i] = p->pads[ns + i];
      continue;
    }
    /* static output size known: derive the pads ONNX would use (spec of ConvTranspose) */
    int64_t total =
        sp.s[i] * (x->dims[2 + i] - 1) + op[i] + (sp.k[i] - 1) * sp.d[i] + 1 - y->dims[2 + i];
    if (total < 0) op[i] -= total, total = 0;
    bool upper = p->auto_pad == IR_AUTO_PAD_SAME_UPPER;
    sp.pb[i] = upper ? total / 2 : total - total / 2;
    sp.pe[i] = total - sp.pb[i];
  }
  int64_t group = p->group;
  if (group < 1 || wt->dims[0] % group) return EMIT_UNMAPPED;
  Val xv, wv, v;
  if (input(w, n, 0, &xv) < 0) return -1;
  if (group > 1) {
    int64_t d[IR_MAX_DIMS];
    if (wt->rank + 1 > IR_MAX_DIMS) return EMIT_UNMAPPED;
    d[0] = group;
    d[1] = wt->dims[0] / group;
    for (int i = 1; i < wt->rank; i++) d[i + 1] = wt->dims[i];
    if (input_reshaped(w, n, 1, wt->rank + 1, d, "weights", &wv) < 0) return -1;
  } else if (input(w, n, 1, &wv) < 0) {
    return -1;
  }
  bool bias = has_in(n, 2);
  int li =
      layer_new(w, bias ? sub(w, n, "WithoutBiases") : n->name,
                group > 1 ? "GroupConvolutionBackpropData" : "ConvolutionBackpropData", "opset1");
  spatial_attrs(w, li, &sp, false, true);
  attr_ints(w, li, "output_padding", op, ns);
  layer_in(w, li, xv);
  layer_in(w, li, wv);
  if (!bias) {
    out_t(w, li, n->outputs[0]);
    return 0;
  }
  v = out_s(w, li, y->dtype, y->rank, y->dims);
  return per_channel(w, n, v, 2, "Add", "bias", n->name, n->outputs[0], &v);
}

static int emit_pool(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *y = T(w, n->outputs[0]);
  Spatial sp;
  int rc = spatial(w, n, x, y, NULL, &sp);
  if (rc) return rc;
  const IrWindowParams *p = ir_window_params(w->g, n);
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  const char *rounding = p->ceil_mode ? "ceil" : "floor";
  if (n->op == IR_OP_AVERAGE_POOL) {
    int li = layer_new(w, n->name, "AvgPool", "opset1");
    spatial_attrs(w, li, &sp, true, false);
    attr_bool(w, li, "exclude-pad", !p->count_include_pad);
    attr(w, li, "rounding_type", rounding);
    layer_in(w, li, xv);
    out_t(w, li, n->outputs[0]);
    return 0;
  }
  if (p->storage_order != 0) return EMIT_UNMAPPED;
  bool dilated = false;
  for (int i = 0; i < sp.ns; i++) dilated |= sp.d[i] != 1;
  bool v8 = dilated || has_out(n, 1);
  int li = layer_new(w, n->name, "MaxPool", v8 ? "opset8" : "opset1");
  spatial_attrs(w, li, &sp, true, v8);
  attr(w, li, "rounding_type", rounding);
  if (v8) {
    attr(w, li, "index_element_type", "i64");
    attr_int(w, li, "axis", 0);
  }
  layer_in(w, li, xv);
  out_t(w, li, n->outputs[0]);
  if (v8 && has_out(n, 1))
    out_t(w, li, n->outputs[1]);
  else if (v8)
    out_s(w, li, DT_I64, y->rank, y->dims);
  return 0;
}

/* Reduce<type> over axes of input v, output tensor out_tensor. */
static void reduce(W *w, const IrNode *n, const char *type, Val v, const int64_t *axes, int n_axes,
                   bool keep) {
  Val av = const_i64(w, sub(w, n, "axes"), axes, n_axes, 1);
  int li = layer_new(w, n->name, type, strncmp(type, "ReduceL", 7) ? "opset1" : "opset4");
  attr_bool(w, li, "keep_dims", keep);
  layer_in(w, li, v);
  layer_in(w, li, av);
  out_t(w, li, n->outputs[0]);
}

static int emit_global_pool(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  if (x->rank < 3) return EMIT_UNMAPPED;
  int64_t axes[IR_MAX_DIMS];
  for (int i = 2; i < x->rank; i++) axes[i - 2] = i;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  reduce(w, n, n->op == IR_OP_GLOBAL_MAX_POOL ? "ReduceMax" : "ReduceMean", xv, axes, x->rank - 2,
         true);
  return 0;
}

static int emit_wire(W *w, const IrNode *n);

/* The axes of Reduce node n, non-negative, into axes (all axes when none is given); returns the
 * count, 0 when noop_with_empty_axes leaves the input as it is, -1 when they are not constant or
 * out of range (EMIT_UNMAPPED for the caller). */
static int reduce_axes(const W *w, const IrNode *n, int64_t *axes) {
  const IrTensor *x = T(w, n->inputs[0]);
  const IrAxesParams *p = ir_axes_params(w->g, n);
  int c = ints_from(w, n, p->axes, 1, axes, IR_MAX_DIMS);
  if (c < 0) return -1;
  if (c == 0 && p->noop_with_empty_axes) return 0;
  if (c == 0)
    for (int i = 0; i < x->rank; i++) axes[c++] = i;
  for (int i = 0; i < c; i++)
    if ((axes[i] = norm_axis(axes[i], x->rank)) < 0) return -1;
  return c;
}

static int emit_reduce(W *w, const IrNode *n) {
  int64_t axes[IR_MAX_DIMS];
  int c = reduce_axes(w, n, axes);
  if (c < 0) return EMIT_UNMAPPED;
  if (c == 0) return emit_wire(w, n);
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  const char *type = n->op == IR_OP_REDUCE_MEAN  ? "ReduceMean"
                     : n->op == IR_OP_REDUCE_MAX ? "ReduceMax"
                     : n->op == IR_OP_REDUCE_MIN ? "ReduceMin"
                     : n->op == IR_OP_REDUCE_L1  ? "ReduceL1"
                     : n->op == IR_OP_REDUCE_L2  ? "ReduceL2"
                                                 : "ReduceSum";
  reduce(w, n, type, xv, axes, c, ir_axes_params(w->g, n)->keepdims);
  return 0;
}

/* ---- plain mappings ---------------------------------------------------------------------- */

/* One layer: every present input in order, every present output. */
static int emit_plain(W *w, const IrNode *n, const char *type, const char *version, bool bcast) {
  Val *v = arena_array(w->a, (size_t)n->n_inputs + 1, sizeof *v);
  int nv = 0;
  for (int k = 0; k < n->n_inputs; k++)
    if (has_in(n, k) && input(w, n, k, &v[nv++]) < 0) return -1;
  int li = layer_new(w, n->name, type, version);
  if (bcast) attr(w, li, "auto_broadcast", "numpy");
  for (int k = 0; k < nv; k++) layer_in(w, li, v[k]);
  for (int k = 0; k < n->n_outputs; k++)
    if (has_out(n, k)) out_t(w, li, n->outputs[k]);
  return 0;
}

/* Identity, Dropout, one-input Max/Min: the output is the input. */
static int emit_wire(W *w, const IrNode *n) {
  Val v;
  if (input(w, n, 0, &v) < 0) return -1;
  w->tv[n->outputs[0]] = v;
  port_add_name(w, v, T(w, n->outputs[0])->name);
  return 0;
}

/* Max/Min with 1..8 inputs: a chain of Maximum/Minimum. */
static int emit_variadic(W *w, const IrNode *n, const char *type) {
  if (n->n_inputs == 1) return emit_wire(w, n);
  const IrTensor *y = T(w, n->outputs[0]);
  Val acc, b;
  if (input(w, n, 0, &acc) < 0) return -1;
  for (int k = 1; k < n->n_inputs; k++) {
    if (input(w, n, k, &b) < 0) return -1;
    bool last = k == n->n_inputs - 1;
    IrTensor like = *y; /* numpy broadcast of the two operands */
    const Port *pa = port_of(w, acc), *pb = port_of(w, b);
    like.rank = pa->rank > pb->rank ? pa->rank : pb->rank;
    for (int i = 0; i < like.rank; i++) {
      int ia = i - (like.rank - pa->rank), ib = i - (like.rank - pb->rank);
      int64_t da = ia >= 0 ? pa->dims[ia] : 1, db = ib >= 0 ? pb->dims[ib] : 1;
      like.dims[i] = da == 1 ? db : da;
    }
    acc = binop(w, last ? n->name : sub(w, n, arena_printf(w->a, "%d", k)), type, acc, b,
                last ? n->outputs[0] : -1, &like);
  }
  return 0;
}

static int emit_leaky_relu(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val s = const_num(w, sub(w, n, "slope"), x->dtype, ir_act_params(w->g, n)->alpha, 1);
  int li = layer_new(w, n->name, "PReLU", "opset1");
  layer_in(w, li, xv);
  layer_in(w, li, s);
  out_t(w, li, n->outputs[0]);
  return 0;
}

static int emit_prelu(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *s = T(w, n->inputs[1]);
  int64_t c = ir_numel(s);
  Val xv, sv;
  if (input(w, n, 0, &xv) < 0) return -1;
  /* ONNX slopes are often [C,1,1]; OpenVINO wants [C] (or one value) */
  if (s->rank > 1 && x->rank >= 2 && (c == 1 || c == x->dims[1])) {
    if (input_reshaped(w, n, 1, 1, &c, "slope", &sv) < 0) return -1;
  } else if (input(w, n, 1, &sv) < 0) {
    return -1;
  }
  int li = layer_new(w, n->name, "PReLU", "opset1");
  layer_in(w, li, xv);
  layer_in(w, li, sv);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* Reads a one-value constant input k as double; false when absent or not constant. */
static bool const_scalar(const W *w, const IrNode *n, int k, double *out) {
  if (!has_in(n, k)) return false;
  const IrTensor *x = T(w, n->inputs[k]);
  if (!x->data || ir_numel(x) != 1) return false;
  *out = ir_const_f64(x, 0);
  return true;
}

/* Clip with bounds computed at run time -> Maximum(x, min) -> Minimum(., max). */
static int emit_clip_dynamic(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  Val v, b;
  if (input(w, n, 0, &v) < 0) return -1;
  bool lo = has_in(n, 1), hi = has_in(n, 2);
  if (lo) {
    if (input(w, n, 1, &b) < 0) return -1;
    v = binop(w, hi ? sub(w, n, "min") : n->name, "Maximum", v, b, hi ? -1 : n->outputs[0], y);
  }
  if (hi) {
    if (input(w, n, 2, &b) < 0) return -1;
    binop(w, n->name, "Minimum", v, b, n->outputs[0], y);
  }
  return 0;
}

static int emit_clip(W *w, const IrNode *n) {
  const IrClipParams *p = ir_clip_params(w->g, n);
  double lo = p->has_min ? p->min : -FLT_MAX, hi = p->has_max ? p->max : FLT_MAX; /* unbounded */
  Val xv;
  if ((has_in(n, 1) && !const_scalar(w, n, 1, &lo)) ||
      (has_in(n, 2) && !const_scalar(w, n, 2, &hi)))
    return emit_clip_dynamic(w, n);
  if (input(w, n, 0, &xv) < 0) return -1;
  int li = layer_new(w, n->name, "Clamp", "opset1");
  attr_flt(w, li, "min", lo);
  attr_flt(w, li, "max", hi);
  layer_in(w, li, xv);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* A layer of `type` taking x and the activation's alpha and beta as scalar inputs named after
 * the node (HardSigmoid-1: alpha, beta; Selu-1: alpha, lambda = ONNX's gamma). */
static int emit_act_scalars(W *w, const IrNode *n, const char *type, const char *a_name,
                            const char *b_name) {
  DType dt = T(w, n->inputs[0])->dtype;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  const IrActParams *p = ir_act_params(w->g, n);
  Val a = const_num(w, sub(w, n, a_name), dt, p->alpha, 0);
  Val b = const_num(w, sub(w, n, b_name), dt, p->beta, 0);
  int li = layer_new(w, n->name, type, "opset1");
  layer_in(w, li, xv);
  layer_in(w, li, a);
  layer_in(w, li, b);
  out_t(w, li, n->outputs[0]);
  return 0;
}

static int emit_hard_sigmoid(W *w, const IrNode *n) {
  return emit_act_scalars(w, n, "HardSigmoid", "alpha", "beta");
}

/* Reciprocal as mo writes it: Power(x, -1). */
static int emit_reciprocal(W *w, const IrNode *n) {
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  const IrTensor *y = T(w, n->outputs[0]);
  binop(w, n->name, "Power", xv, const_num(w, sub(w, n, "minus_one"), y->dtype, -1.0, 0),
        n->outputs[0], y);
  return 0;
}

static int emit_selu(W *w, const IrNode *n) {
  return emit_act_scalars(w, n, "Selu", "alpha", "lambda");
}

/* Round-5, mode half_to_even (ONNX rounds half to even). */
static int emit_round(W *w, const IrNode *n) {
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  int li = layer_new(w, n->name, "Round", "opset5");
  attr(w, li, "mode", "half_to_even");
  layer_in(w, li, xv);
  out_t(w, li, n->outputs[0]);
  return 0;
}

static int emit_elu(W *w, const IrNode *n) {
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  int li = layer_new(w, n->name, "Elu", "opset1");
  attr_flt(w, li, "alpha", ir_act_params(w->g, n)->alpha);
  layer_in(w, li, xv);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* Softmax / LogSoftmax. Before opset 13 ONNX flattens to 2D at axis (default 1); unless the
 * axis is the last one that is written as Reshape -> op(axis 1) -> Reshape. */
static int emit_softmax(W *w, const IrNode *n, bool log) {
  const IrTensor *x = T(w, n->inputs[0]);
  const IrAxisParams *p = ir_axis_params(w->g, n);
  bool legacy = p->legacy;
  int64_t axis = norm_axis(p->axis, x->rank);
  if (axis < 0) return EMIT_UNMAPPED;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  const char *type = log ? "LogSoftmax" : "Softmax";
  const char *ver = log ? "opset5" : "opset8";
  if (!legacy || axis == x->rank - 1) {
    int li = layer_new(w, n->name, type, ver);
    attr_int(w, li, "axis", axis);
    layer_in(w, li, xv);
    out_t(w, li, n->outputs[0]);
    return 0;
  }
  int64_t d2[2] = {1, 1};
  for (int i = 0; i < x->rank; i++) d2[i >= axis] *= x->dims[i];
  Val f = reshape_val(w, sub(w, n, "flatten"), xv, 2, d2);
  int li = layer_new(w, sub(w, n, "2d"), type, ver);
  attr_int(w, li, "axis", 1);
  layer_in(w, li, f);
  Val s = out_s(w, li, x->dtype, 2, d2);
  Val sh = const_i64(w, sub(w, n, "shape"), x->dims, x->rank, 1);
  li = layer_new(w, n->name, "Reshape", "opset1");
  attr_bool(w, li, "special_zero", false);
  layer_in(w, li, s);
  layer_in(w, li, sh);
  out_t(w, li, n->outputs[0]);
  return 0;
}

static int emit_matmul_like(W *w, const IrNode *n, bool ta, bool tb, const char *name,
                            int out_tensor, Val *out) {
  Val a, b;
  if (input(w, n, 0, &a) < 0 || input(w, n, 1, &b) < 0) return -1;
  int li = layer_new(w, name, "MatMul", "opset1");
  attr_bool(w, li, "transpose_a", ta);
  attr_bool(w, li, "transpose_b", tb);
  layer_in(w, li, a);
  layer_in(w, li, b);
  const IrTensor *y = T(w, n->outputs[0]);
  *out = out_tensor >= 0 ? out_t(w, li, out_tensor) : out_s(w, li, y->dtype, y->rank, y->dims);
  return 0;
}

/* Gemm: Y = alpha * A' B' + beta * C -> MatMul [* alpha] [+ C [* beta]]. */
static int emit_gemm(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  const IrGemmParams *p = ir_gemm_params(w->g, n);
  double alpha = p->alpha, beta = p->beta;
  bool c = has_in(n, 2) && beta != 0;
  bool scale = alpha != 1.0;
  int last = c ? 2 : scale ? 1 : 0; /* which step writes the node's output */
  Val v, cv;
  if (emit_matmul_like(w, n, p->trans_a, p->trans_b, last == 0 ? n->name : sub(w, n, "MatMul"),
                       last == 0 ? n->outputs[0] : -1, &v) < 0)
    return -1;
  if (scale) {
    Val av = const_num(w, sub(w, n, "alpha"), y->dtype, alpha, 1);
    v = binop(w, last == 1 ? n->name : sub(w, n, "scale"), "Multiply", v, av,
              last == 1 ? n->outputs[0] : -1, y);
  }
  if (!c) return 0;
  if (input(w, n, 2, &cv) < 0) return -1;
  if (beta != 1.0) {
    Val bv = const_num(w, sub(w, n, "beta"), y->dtype, beta, 1);
    cv = binop(w, sub(w, n, "beta_c"), "Multiply", cv, bv, -1, T(w, n->inputs[2]));
  }
  binop(w, n->name, "Add", v, cv, n->outputs[0], y);
  return 0;
}

static int emit_concat(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  int64_t axis = norm_axis(ir_axis_params(w->g, n)->axis, y->rank);
  if (axis < 0) return EMIT_UNMAPPED;
  Val *v = arena_array(w->a, (size_t)n->n_inputs + 1, sizeof *v);
  int nv = 0;
  for (int k = 0; k < n->n_inputs; k++) {
    if (!has_in(n, k)) continue;
    if (ir_numel(T(w, n->inputs[k])) == 0) continue; /* ONNX allows empty pieces */
    if (input(w, n, k, &v[nv++]) < 0) return -1;
  }
  if (nv == 0) return EMIT_UNMAPPED;
  int li = layer_new(w, n->name, "Concat", "opset1");
  attr_int(w, li, "axis", axis);
  for (int k = 0; k < nv; k++) layer_in(w, li, v[k]);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* Reshape / Flatten: target shape is the inferred static output shape. */
static int emit_reshape(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val s = const_i64(w, sub(w, n, "shape"), y->dims, y->rank, 1);
  int li = layer_new(w, n->name, "Reshape", "opset1");
  attr_bool(w, li, "special_zero", false);
  layer_in(w, li, xv);
  layer_in(w, li, s);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* A layer of `type` over input 0 and a synthetic i64 [c] const named suffix. */
static int unary_with_ints(W *w, const IrNode *n, const char *type, const char *version,
                           const char *suffix, const int64_t *v, int c, int rank) {
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val cv = const_i64(w, sub(w, n, suffix), v, c, rank);
  int li = layer_new(w, n->name, type, version);
  layer_in(w, li, xv);
  layer_in(w, li, cv);
  out_t(w, li, n->outputs[0]);
  return li;
}

static int emit_transpose(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int64_t perm[IR_MAX_DIMS];
  const IrTransposeParams *p = ir_transpose_params(w->g, n);
  if (p->perm.n > IR_MAX_DIMS) return EMIT_UNMAPPED;
  int c = ir_ints_copy(p->perm, perm, IR_MAX_DIMS);
  if (c == 0)
    for (c = 0; c < x->rank; c++) perm[c] = x->rank - 1 - c;
  if (c != x->rank) return EMIT_UNMAPPED;
  for (int i = 0; i < c; i++)
    if ((perm[i] = norm_axis(perm[i], x->rank)) < 0) return EMIT_UNMAPPED;
  return unary_with_ints(w, n, "Transpose", "opset1", "order", perm, c, 1) < 0 ? -1 : 0;
}

static int emit_squeeze(W *w, const IrNode *n, bool un) {
  const IrTensor *x = T(w, n->inputs[0]), *y = T(w, n->outputs[0]);
  int64_t axes[IR_MAX_DIMS];
  int c = ints_from(w, n, ir_axes_params(w->g, n)->axes, 1, axes, IR_MAX_DIMS);
  if (c < 0) return emit_reshape(w, n); /* axes computed at run time: the static shape says it */
  if (c == 0 && un) return EMIT_UNMAPPED;
  if (c == 0)
    for (int i = 0; i < x->rank; i++)
      if (x->dims[i] == 1) axes[c++] = i;
  for (int i = 0; i < c; i++)
    if ((axes[i] = norm_axis(axes[i], un ? y->rank : x->rank)) < 0) return EMIT_UNMAPPED;
  return unary_with_ints(w, n, un ? "Unsqueeze" : "Squeeze", "opset1", "axes", axes, c, 1) < 0 ? -1
                                                                                               : 0;
}

static int emit_pad(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int r = x->rank;
  const IrPadParams *p = ir_pad_params(w->g, n);
  const char *mode = p->mode_name;
  if (p->mode != IR_PAD_CONSTANT && p->mode != IR_PAD_REFLECT && p->mode != IR_PAD_EDGE)
    return EMIT_UNMAPPED;
  int64_t pads[2 * IR_MAX_DIMS], axes[IR_MAX_DIMS], pb[IR_MAX_DIMS] = {0}, pe[IR_MAX_DIMS] = {0};
  int c = ints_from(w, n, p->pads, 1, pads, 2 * IR_MAX_DIMS);
  int na = ints_from(w, n, IR_NO_INTS, 3, axes, IR_MAX_DIMS);
  if (c < 0 || na < 0) return EMIT_UNMAPPED;
  if (na == 0)
    for (na = 0; na < r; na++) axes[na] = na;
  if (c != 2 * na) return EMIT_UNMAPPED;
  for (int i = 0; i < na; i++) {
    int64_t ax = norm_axis(axes[i], r);
    if (ax < 0) return EMIT_UNMAPPED;
    pb[ax] = pads[i];
    pe[ax] = pads[na + i];
  }
  double value = p->value;
  if (has_in(n, 2) && !const_scalar(w, n, 2, &value)) return EMIT_UNMAPPED;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val bv = const_i64(w, sub(w, n, "pads_begin"), pb, r, 1);
  Val ev = const_i64(w, sub(w, n, "pads_end"), pe, r, 1);
  bool constant = p->mode == IR_PAD_CONSTANT;
  Val vv = {-1, -1};
  if (constant) vv = const_num(w, sub(w, n, "pad_value"), x->dtype, value, 0);
  int li = layer_new(w, n->name, "Pad", "opset1");
  attr(w, li, "pad_mode", mode);
  layer_in(w, li, xv);
  layer_in(w, li, bv);
  layer_in(w, li, ev);
  if (constant) layer_in(w, li, vv);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* ---- Resize / Upsample -> Interpolate-4 -------------------------------------------------- */

static int emit_resize(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *y = T(w, n->outputs[0]);
  int r = x->rank;
  if (r != y->rank || r < 1) return EMIT_UNMAPPED;
  /* Upsample, Resize-10: (X, scales); Resize-11+: (X, roi, scales, sizes) */
  const IrResizeParams *p = ir_resize_params(w->g, n);
  int scales_in = p->legacy ? 1 : 2;
  double scales[IR_MAX_DIMS];
  bool given_scales = false;
  if (n->op == IR_OP_UPSAMPLE && !has_in(n, 1)) {
    if (!p->scales || p->n_scales != r) return EMIT_UNMAPPED;
    for (int i = 0; i < r; i++) scales[i] = p->scales[i];
    given_scales = true;
  } else if (has_in(n, scales_in) && ir_numel(T(w, n->inputs[scales_in])) == r &&
             T(w, n->inputs[scales_in])->data) {
    /* scales computed at run time: the static output sizes say the same (sizes mode) */
    const IrTensor *s = T(w, n->inputs[scales_in]);
    for (int i = 0; i < r; i++) scales[i] = ir_const_f64(s, i);
    given_scales = true;
  }
  if (!given_scales)
    for (int i = 0; i < r; i++)
      scales[i] = x->dims[i] ? (double)y->dims[i] / (double)x->dims[i] : 1.0;
  if (p->has_axes || p->exclude_outside) return EMIT_UNMAPPED;
  const char *ov_mode;
  if (p->mode == IR_RESIZE_NEAREST)
    ov_mode = "nearest";
  else if (p->mode == IR_RESIZE_LINEAR)
    ov_mode = r >= 2 && r <= 5 ? "linear_onnx" : "linear";
  else if (p->mode == IR_RESIZE_CUBIC)
    ov_mode = "cubic";
  else
    return EMIT_UNMAPPED;
  IrResizeCoord ct = p->coord;
  if (ct != IR_COORD_HALF_PIXEL && ct != IR_COORD_PYTORCH_HALF_PIXEL &&
      ct != IR_COORD_ALIGN_CORNERS && ct != IR_COORD_ASYMMETRIC &&
      ct != IR_COORD_TF_HALF_PIXEL_FOR_NN)
    return EMIT_UNMAPPED;
  if (p->nearest == IR_NEAREST_UNKNOWN) return EMIT_UNMAPPED;
  const char *ctm = p->coord_name, *nm = p->nearest_name; /* OpenVINO spells them as ONNX does */
  /* interpolate the axes that change (or all when batch/channel change too) */
  int64_t axes[IR_MAX_DIMS], sizes[IR_MAX_DIMS];
  float sc[IR_MAX_DIMS];
  int na = 0;
  bool outer = r > 2 && (x->dims[0] != y->dims[0] || x->dims[1] != y->dims[1] || scales[0] != 1 ||
                         scales[1] != 1);
  for (int i = (r > 2 && !outer) ? 2 : 0; i < r; i++) {
    axes[na] = i;
    sizes[na] = y->dims[i];
    sc[na++] = (float)scales[i];
  }
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val sv = const_i64(w, sub(w, n, "sizes"), sizes, na, 1);
  int64_t nna = na;
  Val scv = const_raw(w, sub(w, n, "scales"), DT_F32, 1, &nna, sc, (size_t)na * 4);
  Val av = const_i64(w, sub(w, n, "axes"), axes, na, 1);
  int64_t zeros[IR_MAX_DIMS] = {0};
  int li = layer_new(w, n->name, "Interpolate", "opset4");
  attr(w, li, "mode", ov_mode);
  attr(w, li, "shape_calculation_mode", given_scales ? "scales" : "sizes");
  attr(w, li, "coordinate_transformation_mode", ctm);
  attr(w, li, "nearest_mode", nm);
  attr_bool(w, li, "antialias", false);
  attr_ints(w, li, "pads_begin", zeros, r);
  attr_ints(w, li, "pads_end", zeros, r);
  attr_flt(w, li, "cube_coeff", p->cubic_coeff_a);
  layer_in(w, li, xv);
  layer_in(w, li, sv);
  layer_in(w, li, scv);
  layer_in(w, li, av);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* ---- Slice / Split / Gather / ... -------------------------------------------------------- */

/* Slice -> StridedSlice over every axis; axes ONNX leaves alone get begin/end masks set. */
static int emit_slice(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int r = x->rank;
  int64_t st[IR_MAX_DIMS], en[IR_MAX_DIMS], ax[IR_MAX_DIMS], sp[IR_MAX_DIMS];
  const IrSliceParams *p = ir_slice_params(w->g, n);
  int ns = ints_from(w, n, p->starts, 1, st, IR_MAX_DIMS);
  int ne = ints_from(w, n, p->ends, 2, en, IR_MAX_DIMS);
  int na = ints_from(w, n, p->axes, 3, ax, IR_MAX_DIMS);
  int nst = ints_from(w, n, IR_NO_INTS, 4, sp, IR_MAX_DIMS);
  if (ns < 0 || ne != ns || na < 0 || nst < 0 || (na && na != ns) || (nst && nst != ns))
    return EMIT_UNMAPPED;
  int64_t b[IR_MAX_DIMS] = {0}, e[IR_MAX_DIMS] = {0}, s[IR_MAX_DIMS], bm[IR_MAX_DIMS],
          em[IR_MAX_DIMS], z[IR_MAX_DIMS] = {0};
  for (int i = 0; i < r; i++) s[i] = 1, bm[i] = em[i] = 1;
  for (int i = 0; i < ns; i++) {
    int64_t a = norm_axis(na ? ax[i] : i, r);
    if (a < 0 || (nst && sp[i] == 0)) return EMIT_UNMAPPED;
    b[a] = st[i];
    e[a] = en[i];
    s[a] = nst ? sp[i] : 1;
    bm[a] = em[a] = 0;
  }
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val bv = const_i64(w, sub(w, n, "begin"), b, r, 1);
  Val ev = const_i64(w, sub(w, n, "end"), e, r, 1);
  Val sv = const_i64(w, sub(w, n, "stride"), s, r, 1);
  int li = layer_new(w, n->name, "StridedSlice", "opset1");
  attr_ints(w, li, "begin_mask", bm, r);
  attr_ints(w, li, "end_mask", em, r);
  attr_ints(w, li, "new_axis_mask", z, r);
  attr_ints(w, li, "shrink_axis_mask", z, r);
  attr_ints(w, li, "ellipsis_mask", z, r);
  layer_in(w, li, xv);
  layer_in(w, li, bv);
  layer_in(w, li, ev);
  layer_in(w, li, sv);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* Split -> VariadicSplit; lengths are the outputs' sizes along the axis. */
static int emit_split(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int64_t axis = norm_axis(ir_split_params(w->g, n)->axis, x->rank);
  if (axis < 0 || n->n_outputs < 1) return EMIT_UNMAPPED;
  int64_t len[IR_MAX_OUTPUTS];
  for (int k = 0; k < n->n_outputs; k++) {
    if (!has_out(n, k)) return EMIT_UNMAPPED;
    const IrTensor *o = T(w, n->outputs[k]);
    if (o->rank != x->rank) return EMIT_UNMAPPED;
    len[k] = o->dims[axis];
  }
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val av = const_i64(w, sub(w, n, "axis"), &axis, 1, 0);
  Val lv = const_i64(w, sub(w, n, "split_lengths"), len, n->n_outputs, 1);
  int li = layer_new(w, n->name, "VariadicSplit", "opset1");
  layer_in(w, li, xv);
  layer_in(w, li, av);
  layer_in(w, li, lv);
  for (int k = 0; k < n->n_outputs; k++) out_t(w, li, n->outputs[k]);
  return 0;
}

static int emit_cast(W *w, const IrNode *n) {
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  int li = layer_new(w, n->name, "Convert", "opset1");
  attr(w, li, "destination_type", dtype_name(T(w, n->outputs[0])->dtype));
  layer_in(w, li, xv);
  out_t(w, li, n->outputs[0]);
  return 0;
}

static int emit_gather(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int64_t axis = norm_axis(ir_axis_params(w->g, n)->axis, x->rank);
  if (axis < 0) return EMIT_UNMAPPED;
  Val xv, iv;
  if (input(w, n, 0, &xv) < 0 || input(w, n, 1, &iv) < 0) return -1;
  Val av = const_i64(w, sub(w, n, "axis"), &axis, 1, 0);
  int li = layer_new(w, n->name, "Gather", "opset8");
  attr_int(w, li, "batch_dims", 0);
  layer_in(w, li, xv);
  layer_in(w, li, iv);
  layer_in(w, li, av);
  out_t(w, li, n->outputs[0]);
  return 0;
}

static int emit_expand(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  int li = unary_with_ints(w, n, "Broadcast", "opset3", "target_shape", y->dims, y->rank, 1);
  if (li < 0) return -1;
  attr(w, li, "mode", "bidirectional");
  return 0;
}

static int emit_tile(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *y = T(w, n->outputs[0]);
  int64_t rep[IR_MAX_DIMS];
  int c = ints_from(w, n, IR_NO_INTS, 1, rep, IR_MAX_DIMS);
  if (c <= 0) {
    if (x->rank != y->rank) return EMIT_UNMAPPED;
    for (c = 0; c < x->rank; c++) {
      if (x->dims[c] == 0) return EMIT_UNMAPPED;
      rep[c] = y->dims[c] / x->dims[c];
    }
  }
  return unary_with_ints(w, n, "Tile", "opset1", "repeats", rep, c, 1) < 0 ? -1 : 0;
}

/* TopK-3 over input 0: k from the first output's size along axis. Returns the layer. */
static int topk_layer(W *w, const IrNode *n, const char *name, int64_t axis, int64_t k,
                      bool largest, const char *sort, Val xv) {
  Val kv = const_i64(w, sub(w, n, "k"), &k, 1, 0);
  int li = layer_new(w, name, "TopK", "opset3");
  attr_int(w, li, "axis", axis);
  attr(w, li, "mode", largest ? "max" : "min");
  attr(w, li, "sort", sort);
  attr(w, li, "index_element_type", "i64");
  layer_in(w, li, xv);
  layer_in(w, li, kv);
  return li;
}

static int emit_topk(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *y = T(w, n->outputs[0]);
  const IrTopKParams *p = ir_topk_params(w->g, n);
  int64_t axis = norm_axis(p->axis, x->rank);
  if (axis < 0 || y->rank != x->rank || n->n_outputs != 2 || !has_out(n, 0) || !has_out(n, 1))
    return EMIT_UNMAPPED;
  if (T(w, n->outputs[1])->dtype != DT_I64 && T(w, n->outputs[1])->dtype != DT_I32)
    return EMIT_UNMAPPED;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  int li =
      topk_layer(w, n, n->name, axis, y->dims[axis], p->largest, p->sorted ? "value" : "none", xv);
  w->ls[li].attrs[w->ls[li].n_attrs - 1].v = dtype_name(T(w, n->outputs[1])->dtype);
  out_t(w, li, n->outputs[0]);
  out_t(w, li, n->outputs[1]);
  return 0;
}

/* ArgMax -> TopK(k=1) indices [-> Squeeze when keepdims=0]. */
static int emit_argmax(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  const IrArgMaxParams *p = ir_argmax_params(w->g, n);
  int64_t axis = norm_axis(p->axis, x->rank);
  if (axis < 0 || p->select_last_index) return EMIT_UNMAPPED;
  bool keep = p->keepdims;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  int li = topk_layer(w, n, keep ? n->name : sub(w, n, "TopK"), axis, 1, true, "none", xv);
  int64_t d[IR_MAX_DIMS] = {0};
  for (int i = 0; i < x->rank; i++) d[i] = i == axis ? 1 : x->dims[i];
  out_s(w, li, x->dtype, x->rank, d);
  if (keep) {
    out_t(w, li, n->outputs[0]);
    return 0;
  }
  Val iv = out_s(w, li, DT_I64, x->rank, d);
  Val av = const_i64(w, sub(w, n, "axes"), &axis, 1, 1);
  li = layer_new(w, n->name, "Squeeze", "opset1");
  layer_in(w, li, iv);
  layer_in(w, li, av);
  out_t(w, li, n->outputs[0]);
  return 0;
}

static int emit_lrn(W *w, const IrNode *n) {
  int64_t one = 1;
  int li = unary_with_ints(w, n, "LRN", "opset1", "axes", &one, 1, 1);
  if (li < 0) return -1;
  const IrLrnParams *p = ir_lrn_params(w->g, n);
  attr_flt(w, li, "alpha", p->alpha);
  attr_flt(w, li, "beta", p->beta);
  attr_flt(w, li, "bias", p->bias);
  attr_int(w, li, "size", p->size);
  return 0;
}

static int emit_space_depth(W *w, const IrNode *n, bool to_space) {
  const IrBlockParams *p = ir_block_params(w->g, n);
  const char *mode = "blocks_first";
  if (to_space) {
    if (p->mode == IR_D2S_CRD)
      mode = "depth_first";
    else if (p->mode != IR_D2S_DCR)
      return EMIT_UNMAPPED;
  }
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  int li = layer_new(w, n->name, to_space ? "DepthToSpace" : "SpaceToDepth", "opset1");
  attr_int(w, li, "block_size", p->blocksize);
  attr(w, li, "mode", mode);
  layer_in(w, li, xv);
  out_t(w, li, n->outputs[0]);
  return 0;
}

static int emit_detection_output(W *w, const IrNode *n) {
  Val v[5];
  for (int k = 0; k < n->n_inputs && k < 5; k++)
    if (input(w, n, k, &v[k]) < 0) return -1;
  int li = layer_new(w, n->name, "DetectionOutput", "opset1");
  const IrDetectionParams *p = ir_detection_params(w->g, n);
  attr_int(w, li, "num_classes", p->num_classes);
  attr_int(w, li, "background_label_id", p->background_label_id);
  attr_int(w, li, "top_k", p->top_k);
  attr_int(w, li, "keep_top_k", p->keep_top_k);
  attr_int(w, li, "input_height", p->input_height);
  attr_int(w, li, "input_width", p->input_width);
  attr_bool(w, li, "variance_encoded_in_target", p->variance_encoded_in_target);
  attr_bool(w, li, "share_location", p->share_location);
  attr_bool(w, li, "clip_after_nms", p->clip_after_nms);
  attr_bool(w, li, "clip_before_nms", p->clip_before_nms);
  attr_bool(w, li, "decrease_label_id", p->decrease_label_id);
  attr_bool(w, li, "normalized", p->normalized);
  attr_flt(w, li, "nms_threshold", p->nms_threshold);
  attr_flt(w, li, "confidence_threshold", p->confidence_threshold);
  attr_flt(w, li, "objectness_score", p->objectness_score);
  static const char *const codes[] = {"caffe.PriorBoxParameter.CORNER",
                                      "caffe.PriorBoxParameter.CENTER_SIZE",
                                      "caffe.PriorBoxParameter.CORNER_SIZE"};
  int64_t code = p->code_type;
  if (code < 1 || code > 3) return EMIT_UNMAPPED;
  attr(w, li, "code_type", codes[code - 1]);
  for (int k = 0; k < n->n_inputs && k < 5; k++) layer_in(w, li, v[k]);
  out_t(w, li, n->outputs[0]);
  return 0;
}

static int emit_batch_norm(W *w, const IrNode *n) {
  Val v[5];
  for (int k = 0; k < 5; k++)
    if (input(w, n, k, &v[k]) < 0) return -1;
  int li = layer_new(w, n->name, "BatchNormInference", "opset5");
  attr_flt(w, li, "epsilon", ir_norm_params(w->g, n)->epsilon);
  for (int k = 0; k < 5; k++) layer_in(w, li, v[k]);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* InstanceNormalization -> MVN-6 over spatial axes, * scale, + B. */
static int emit_instance_norm(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  if (x->rank < 3) return EMIT_UNMAPPED;
  int64_t axes[IR_MAX_DIMS];
  for (int i = 2; i < x->rank; i++) axes[i - 2] = i;
  Val xv, v;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val av = const_i64(w, sub(w, n, "axes"), axes, x->rank - 2, 1);
  int li = layer_new(w, sub(w, n, "MVN"), "MVN", "opset6");
  attr_bool(w, li, "normalize_variance", true);
  attr_flt(w, li, "eps", ir_norm_params(w->g, n)->epsilon);
  attr(w, li, "eps_mode", "inside_sqrt");
  layer_in(w, li, xv);
  layer_in(w, li, av);
  v = out_s(w, li, x->dtype, x->rank, x->dims);
  int rc = per_channel(w, n, v, 1, "Multiply", "scale", sub(w, n, "mul"), -1, &v);
  if (rc) return rc;
  return per_channel(w, n, v, 2, "Add", "bias", n->name, n->outputs[0], &v);
}

static int emit_nms(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  Val v[5];
  int nv = 0;
  for (int k = 0; k < n->n_inputs && k < 5; k++) {
    if (!has_in(n, k)) {
      if (k < 2) return EMIT_UNMAPPED;
      /* later inputs are positional: fill the gap with the ONNX default */
      if (k + 1 >= n->n_inputs) break;
      v[nv++] = k == 2 ? const_i64(w, sub(w, n, "max_boxes"), (int64_t[]){0}, 1, 0)
                       : const_num(w, sub(w, n, k == 3 ? "iou" : "score"), DT_F32, 0.0, 0);
      continue;
    }
    const IrTensor *t = T(w, n->inputs[k]);
    if (k >= 2 && t->data && ir_numel(t) == 1) { /* OpenVINO wants scalars */
      int64_t none = 0;
      v[nv++] = const_raw(w,
                          sub(w, n,
                              k == 2   ? "max_boxes"
                              : k == 3 ? "iou"
                                       : "score"),
                          t->dtype, 0, &none, t->data, t->nbytes);
    } else if (input(w, n, k, &v[nv++]) < 0) {
      return -1;
    }
  }
  int li = layer_new(w, n->name, "NonMaxSuppression", "opset5");
  attr(w, li, "box_encoding", ir_nms_params(w->g, n)->center_point_box ? "center" : "corner");
  attr_bool(w, li, "sort_result_descending", false);
  attr(w, li, "output_type", "i64");
  for (int k = 0; k < nv; k++) layer_in(w, li, v[k]);
  out_t(w, li, n->outputs[0]);
  out_s(w, li, DT_F32, y->rank, y->dims);
  int64_t one = 1;
  out_s(w, li, DT_I64, 1, &one);
  return 0;
}

static int emit_range(W *w, const IrNode *n) {
  int rc = emit_plain(w, n, "Range", "opset4", false);
  if (rc == 0) attr(w, w->n_ls - 1, "output_type", dtype_name(T(w, n->outputs[0])->dtype));
  return rc;
}

static int emit_shape(W *w, const IrNode *n) {
  int rc = emit_plain(w, n, "ShapeOf", "opset3", false);
  if (rc == 0) attr(w, w->n_ls - 1, "output_type", dtype_name(T(w, n->outputs[0])->dtype));
  return rc;
}

/* ConstantOfShape (not folded) -> Broadcast of the value to the shape input. */
static int emit_constant_of_shape(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  int vt = ir_constant_of_shape_params(w->g, n)->value;
  Val sv, cv;
  if (input(w, n, 0, &sv) < 0) return -1;
  if (vt >= 0) {
    const IrTensor *t = T(w, vt);
    int64_t none = 0;
    if (!t->data || ir_numel(t) != 1) return EMIT_UNMAPPED;
    cv = const_raw(w, sub(w, n, "value"), t->dtype, 0, &none, t->data, t->nbytes);
  } else {
    cv = const_num(w, sub(w, n, "value"), y->dtype, 0.0, 0);
  }
  int li = layer_new(w, n->name, "Broadcast", "opset3");
  attr(w, li, "mode", "numpy");
  layer_in(w, li, cv);
  layer_in(w, li, sv);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* ---- driver ------------------------------------------------------------------------------ */

static int emit_softmax_op(W *w, const IrNode *n) { return emit_softmax(w, n, false); }
static int emit_log_softmax(W *w, const IrNode *n) { return emit_softmax(w, n, true); }
static int emit_squeeze_op(W *w, const IrNode *n) { return emit_squeeze(w, n, false); }
static int emit_unsqueeze(W *w, const IrNode *n) { return emit_squeeze(w, n, true); }
static int emit_depth_to_space(W *w, const IrNode *n) { return emit_space_depth(w, n, true); }
static int emit_space_to_depth(W *w, const IrNode *n) { return emit_space_depth(w, n, false); }
static int emit_max(W *w, const IrNode *n) { return emit_variadic(w, n, "Maximum"); }
static int emit_sum(W *w, const IrNode *n) { return emit_variadic(w, n, "Add"); }

/* Mean: the Adds of Sum into a temporary, then Multiply by 1/n (mo's ONNX Mean does the same). */
static int emit_mean(W *w, const IrNode *n) {
  if (n->n_inputs == 1) return emit_wire(w, n);
  const IrTensor *y = T(w, n->outputs[0]);
  Val acc, b;
  if (input(w, n, 0, &acc) < 0) return -1;
  for (int k = 1; k < n->n_inputs; k++) {
    if (input(w, n, k, &b) < 0) return -1;
    acc = binop(w, sub(w, n, arena_printf(w->a, "%d", k)), "Add", acc, b, -1, y);
  }
  Val s = const_num(w, sub(w, n, "inv_count"), y->dtype, 1.0 / n->n_inputs, 0);
  binop(w, n->name, "Multiply", acc, s, n->outputs[0], y);
  return 0;
}
static int emit_min(W *w, const IrNode *n) { return emit_variadic(w, n, "Minimum"); }

static int emit_div(W *w, const IrNode *n) {
  int rc = emit_plain(w, n, "Divide", "opset1", true);
  /* ONNX integer division truncates; OpenVINO's default is Python floor division */
  if (rc == 0 && dtype_is_int(T(w, n->outputs[0])->dtype))
    attr_bool(w, w->n_ls - 1, "m_pythondiv", false);
  return rc;
}

static int emit_matmul(W *w, const IrNode *n) {
  Val v;
  return emit_matmul_like(w, n, false, false, n->name, n->outputs[0], &v);
}

/* ---- OpenVINO IR layers of issue 18: one layer each, attributes from the decoded params ---- */

/* emit_plain, then returns the layer it made (the last one: Const inputs come before it). */
static int plain_layer(W *w, const IrNode *n, const char *type, const char *version, int *li) {
  int rc = emit_plain(w, n, type, version, false);
  *li = w->n_ls - 1;
  return rc;
}

static int emit_gelu(W *w, const IrNode *n) {
  int li, rc = plain_layer(w, n, "Gelu", "opset7", &li);
  if (rc == 0) attr(w, li, "approximation_mode", ir_gelu_params(w->g, n)->tanh ? "TANH" : "ERF");
  return rc;
}

static int emit_grn(W *w, const IrNode *n) {
  int li, rc = plain_layer(w, n, "GRN", "opset1", &li);
  if (rc == 0) attr_flt(w, li, "bias", ir_norm_params(w->g, n)->epsilon);
  return rc;
}

static int emit_normalize_l2(W *w, const IrNode *n) {
  int li, rc = plain_layer(w, n, "NormalizeL2", "opset1", &li);
  const IrNormalizeParams *p = ir_normalize_params(w->g, n);
  if (rc == 0) attr_flt(w, li, "eps", p->eps), attr(w, li, "eps_mode", p->eps_max ? "max" : "add");
  return rc;
}

static int emit_region_yolo(W *w, const IrNode *n) {
  int li, rc = plain_layer(w, n, "RegionYolo", "opset1", &li);
  const IrRegionYoloParams *p = ir_region_yolo_params(w->g, n);
  if (rc) return rc;
  attr_int(w, li, "coords", p->coords);
  attr_int(w, li, "classes", p->classes);
  attr_int(w, li, "num", p->num);
  attr_bool(w, li, "do_softmax", p->do_softmax);
  attr_ints(w, li, "mask", p->mask.v, p->mask.n);
  attr_int(w, li, "axis", p->axis);
  attr_int(w, li, "end_axis", p->end_axis);
  return 0;
}

static int emit_reorg_yolo(W *w, const IrNode *n) {
  int li, rc = plain_layer(w, n, "ReorgYolo", "opset2", &li);
  if (rc == 0) attr_int(w, li, "stride", ir_block_params(w->g, n)->blocksize);
  return rc;
}

static int emit_ctc_greedy_decoder(W *w, const IrNode *n) {
  int li, rc = plain_layer(w, n, "CTCGreedyDecoder", "opset1", &li);
  if (rc == 0) attr_bool(w, li, "ctc_merge_repeated", ir_ctc_params(w->g, n)->merge_repeated);
  return rc;
}

/* GatherND-5 and -8 agree without batch dims; with them -8 keeps ONNX's output shape. */
static int emit_gather_nd(W *w, const IrNode *n) {
  int64_t b = ir_gather_nd_params(w->g, n)->batch_dims;
  int li, rc = plain_layer(w, n, "GatherND", b ? "opset8" : "opset5", &li);
  if (rc == 0) attr_int(w, li, "batch_dims", b);
  return rc;
}

static int emit_roi_pooling(W *w, const IrNode *n) {
  int li, rc = plain_layer(w, n, "ROIPooling", "opset2", &li);
  const IrRoiParams *p = ir_roi_params(w->g, n);
  if (rc) return rc;
  attr_ints(w, li, "output_size", (const int64_t[]){p->pooled_h, p->pooled_w}, 2);
  attr_flt(w, li, "spatial_scale", p->spatial_scale);
  attr(w, li, "method", p->bilinear ? "bilinear" : "max");
  return 0;
}

static int emit_psroi_pooling(W *w, const IrNode *n) {
  int li, rc = plain_layer(w, n, "PSROIPooling", "opset1", &li);
  const IrRoiParams *p = ir_roi_params(w->g, n);
  if (rc) return rc;
  attr_int(w, li, "output_dim", p->output_dim);
  attr_int(w, li, "group_size", p->group_size);
  attr_flt(w, li, "spatial_scale", p->spatial_scale);
  attr(w, li, "mode", p->bilinear ? "bilinear" : "average");
  attr_int(w, li, "spatial_bins_x", p->bins_x);
  attr_int(w, li, "spatial_bins_y", p->bins_y);
  return 0;
}

static int emit_lstm_cell(W *w, const IrNode *n) {
  int li, rc = plain_layer(w, n, "LSTMCell", "opset4", &li);
  const IrLstmParams *p = ir_lstm_params(w->g, n);
  if (rc) return rc;
  attr_int(w, li, "hidden_size", p->hidden_size);
  if (!p->default_activations) return EMIT_UNMAPPED;
  attr(w, li, "activations", "sigmoid,tanh,tanh");
  attr_flt(w, li, "clip", p->clip);
  return 0;
}

static void attr_floats(W *w, int li, const char *k, IrFloats f) {
  Buf b = BUF_INIT;
  for (int i = 0; i < f.n; i++) buf_printf(&b, "%s%.9g", i ? "," : "", (double)f.v[i]);
  buf_put(&b, "", 1);
  attr(w, li, k, arena_strdup(w->a, (const char *)b.data));
  buf_free(&b);
}

static int emit_proposal(W *w, const IrNode *n) {
  bool two = n->n_outputs > 1 && has_out(n, 1);
  int li, rc = plain_layer(w, n, "Proposal", two ? "opset4" : "opset1", &li);
  const IrProposalParams *p = ir_proposal_params(w->g, n);
  if (rc) return rc;
  attr_int(w, li, "base_size", p->base_size);
  attr_int(w, li, "pre_nms_topn", p->pre_nms_topn);
  attr_int(w, li, "post_nms_topn", p->post_nms_topn);
  attr_int(w, li, "feat_stride", p->feat_stride);
  attr_flt(w, li, "nms_thresh", p->nms_thresh);
  attr_flt(w, li, "min_size", p->min_size);
  attr_floats(w, li, "ratio", p->ratio);
  attr_floats(w, li, "scale", p->scale);
  attr_bool(w, li, "clip_before_nms", p->clip_before_nms);
  attr_bool(w, li, "clip_after_nms", p->clip_after_nms);
  attr_bool(w, li, "normalize", p->normalize);
  attr_flt(w, li, "box_size_scale", p->box_size_scale);
  attr_flt(w, li, "box_coordinate_scale", p->box_coordinate_scale);
  attr(w, li, "framework", p->tensorflow ? "tensorflow" : "");
  return 0;
}

/* ---- ONNX ops OpenVINO's opsets 1-8 lack, written as the standard layers mo writes ---- */

/* One layer of type with input v and no attributes; output: tensor out_tensor when >= 0, else a
 * port of dtype dt shaped like `like`. Returns the layer's value. */
static Val unop(W *w, const char *name, const char *type, Val v, int out_tensor, DType dt,
                const IrTensor *like) {
  int li = layer_new(w, name, type, "opset1");
  layer_in(w, li, v);
  if (out_tensor >= 0) return out_t(w, li, out_tensor);
  return out_s(w, li, dt, like->rank, like->dims);
}

/* Softsign (SoftSign is opset9, after 2022.1's opset8): x / (1 + Abs(x)). */
static int emit_softsign(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val a = unop(w, sub(w, n, "abs"), "Abs", xv, -1, y->dtype, y);
  Val d = binop(w, sub(w, n, "one_plus_abs"), "Add", a,
                const_num(w, sub(w, n, "one"), y->dtype, 1.0, 0), -1, y);
  binop(w, n->name, "Divide", xv, d, n->outputs[0], y);
  return 0;
}

/* ThresholdedRelu: x * Convert(Greater(x, alpha)). */
static int emit_thresholded_relu(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val al = const_num(w, sub(w, n, "alpha"), y->dtype, ir_act_params(w->g, n)->alpha, 0);
  IrTensor mask = *y;
  mask.dtype = DT_BOOL;
  Val g = binop(w, sub(w, n, "greater"), "Greater", xv, al, -1, &mask);
  int li = layer_new(w, sub(w, n, "mask"), "Convert", "opset1");
  attr(w, li, "destination_type", dtype_name(y->dtype));
  layer_in(w, li, g);
  Val m = out_s(w, li, y->dtype, y->rank, y->dims);
  binop(w, n->name, "Multiply", xv, m, n->outputs[0], y);
  return 0;
}

/* Celu: alpha * Elu(x / alpha) with Elu's alpha 1 (= max(0, x) + min(0, alpha (exp(x/alpha) - 1))). */
static int emit_celu(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  double al = ir_act_params(w->g, n)->alpha;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val d = binop(w, sub(w, n, "scaled"), "Divide", xv,
                const_num(w, sub(w, n, "alpha"), y->dtype, al, 0), -1, y);
  int li = layer_new(w, sub(w, n, "elu"), "Elu", "opset1");
  attr_flt(w, li, "alpha", 1.0);
  layer_in(w, li, d);
  Val e = out_s(w, li, y->dtype, y->rank, y->dims);
  binop(w, n->name, "Multiply", e, const_num(w, sub(w, n, "alpha_out"), y->dtype, al, 0),
        n->outputs[0], y);
  return 0;
}

/* Shrink: Select(x < -lambd, x + bias, Select(x > lambd, x - bias, 0)). */
static int emit_shrink(W *w, const IrNode *n) {
  const IrTensor *y = T(w, n->outputs[0]);
  const IrActParams *p = ir_act_params(w->g, n); /* alpha: lambd, beta: bias */
  DType dt = y->dtype;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  IrTensor mask = *y;
  mask.dtype = DT_BOOL;
  Val lo = binop(w, sub(w, n, "below"), "Less", xv,
                 const_num(w, sub(w, n, "minus_lambd"), dt, -(double)p->alpha, 0), -1, &mask);
  Val hi = binop(w, sub(w, n, "above"), "Greater", xv,
                 const_num(w, sub(w, n, "lambd"), dt, p->alpha, 0), -1, &mask);
  Val b = const_num(w, sub(w, n, "bias"), dt, p->beta, 0);
  Val xp = binop(w, sub(w, n, "plus_bias"), "Add", xv, b, -1, y);
  Val xm = binop(w, sub(w, n, "minus_bias"), "Subtract", xv, b, -1, y);
  int li = layer_new(w, sub(w, n, "upper"), "Select", "opset1");
  attr(w, li, "auto_broadcast", "numpy");
  layer_in(w, li, hi);
  layer_in(w, li, xm);
  layer_in(w, li, const_num(w, sub(w, n, "zero"), dt, 0.0, 0));
  Val up = out_s(w, li, dt, y->rank, y->dims);
  li = layer_new(w, n->name, "Select", "opset1");
  attr(w, li, "auto_broadcast", "numpy");
  layer_in(w, li, lo);
  layer_in(w, li, xp);
  layer_in(w, li, up);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* A Reduce<type> layer over axes of v (output: tensor out_tensor when >= 0, else a port of x's
 * dtype with the reduced dims of x). */
static Val reduce_val(W *w, const char *name, const char *type, Val v, const IrTensor *x,
                      const int64_t *axes, int n_axes, bool keep, int out_tensor) {
  Val av = const_i64(w, arena_printf(w->a, "%s/axes", name), axes, n_axes, 1);
  int li = layer_new(w, name, type, "opset1");
  attr_bool(w, li, "keep_dims", keep);
  layer_in(w, li, v);
  layer_in(w, li, av);
  if (out_tensor >= 0) return out_t(w, li, out_tensor);
  int64_t d[IR_MAX_DIMS];
  int r = 0;
  for (int i = 0; i < x->rank; i++) {
    bool red = false;
    for (int k = 0; k < n_axes; k++) red |= axes[k] == i;
    if (!red || keep) d[r++] = red ? 1 : x->dims[i];
  }
  return out_s(w, li, x->dtype, r, d);
}

/* ReduceSumSquare: ReduceSum(x * x). */
static int emit_reduce_sum_square(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  int64_t axes[IR_MAX_DIMS];
  int c = reduce_axes(w, n, axes);
  if (c < 0) return EMIT_UNMAPPED;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  bool noop = c == 0;
  Val sq = binop(w, noop ? n->name : sub(w, n, "square"), "Multiply", xv, xv,
                 noop ? n->outputs[0] : -1, x);
  if (!noop)
    reduce_val(w, n->name, "ReduceSum", sq, x, axes, c, ir_axes_params(w->g, n)->keepdims,
               n->outputs[0]);
  return 0;
}

/* ReduceLogSumExp, max-shifted so that FP16 does not overflow: m + Log(ReduceSum(Exp(x - m)))
 * with m = ReduceMax(x) (kept dims for the shift; the output's dims for the sum). */
static int emit_reduce_log_sum_exp(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]), *y = T(w, n->outputs[0]);
  int64_t axes[IR_MAX_DIMS];
  int c = reduce_axes(w, n, axes);
  if (c < 0) return EMIT_UNMAPPED;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  if (c == 0) { /* noop_with_empty_axes: log(exp(x)) = x */
    w->tv[n->outputs[0]] = xv;
    port_add_name(w, xv, y->name);
    return 0;
  }
  bool keep = ir_axes_params(w->g, n)->keepdims;
  Val m = reduce_val(w, sub(w, n, "max"), "ReduceMax", xv, x, axes, c, true, -1);
  Val e = unop(w, sub(w, n, "exp"), "Exp", binop(w, sub(w, n, "shifted"), "Subtract", xv, m, -1, x),
               -1, x->dtype, x);
  Val s = reduce_val(w, sub(w, n, "sum"), "ReduceSum", e, x, axes, c, keep, -1);
  Val l = unop(w, sub(w, n, "log"), "Log", s, -1, y->dtype, y);
  if (!keep) m = reshape_val(w, sub(w, n, "max_reshaped"), m, y->rank, y->dims);
  binop(w, n->name, "Add", l, m, n->outputs[0], y);
  return 0;
}

/* MeanVarianceNormalization -> MVN-6 with ONNX's eps 1e-9 outside the square root (mo's form). */
static int emit_mvn(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  const IrAxesParams *p = ir_axes_params(w->g, n);
  int64_t axes[IR_MAX_DIMS];
  if (x->rank < 1 || p->axes.n > x->rank) return EMIT_UNMAPPED;
  for (int i = 0; i < p->axes.n; i++)
    if ((axes[i] = norm_axis(p->axes.v[i], x->rank)) < 0) return EMIT_UNMAPPED;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val av = const_i64(w, sub(w, n, "axes"), axes, p->axes.n, 1);
  int li = layer_new(w, n->name, "MVN", "opset6");
  attr_bool(w, li, "normalize_variance", true);
  attr_flt(w, li, "eps", 1e-9);
  attr(w, li, "eps_mode", "outside_sqrt");
  layer_in(w, li, xv);
  layer_in(w, li, av);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* LpNormalization: p = 2 over the channels of a 2-D..4-D input -> NormalizeL2-1 (eps 0, add),
 * the one form MYRIAD runs; otherwise |x| (Abs, p = 1) or x * x (Multiply), ReduceSum (keep_dims),
 * Sqrt (p = 2) and Divide. */
static int emit_lp_norm(W *w, const IrNode *n) {
  const IrTensor *x = T(w, n->inputs[0]);
  const IrLpNormParams *p = ir_lp_norm_params(w->g, n);
  int64_t a = norm_axis(p->axis, x->rank);
  if (a < 0) return EMIT_UNMAPPED;
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  Val av = const_i64(w, sub(w, n, "axes"), &a, 1, 1);
  if (p->p == 2 && a == 1 && x->rank >= 2 && x->rank <= 4) {
    int li = layer_new(w, n->name, "NormalizeL2", "opset1");
    attr_flt(w, li, "eps", 0.0);
    attr(w, li, "eps_mode", "add");
    layer_in(w, li, xv);
    layer_in(w, li, av);
    out_t(w, li, n->outputs[0]);
    return 0;
  }
  int64_t d[IR_MAX_DIMS];
  for (int i = 0; i < x->rank; i++) d[i] = i == a ? 1 : x->dims[i];
  Val mv;
  if (p->p == 1) {
    int li = layer_new(w, sub(w, n, "abs"), "Abs", "opset1");
    layer_in(w, li, xv);
    mv = out_s(w, li, x->dtype, x->rank, x->dims);
  } else {
    mv = binop(w, sub(w, n, "sq"), "Multiply", xv, xv, -1, x);
  }
  int li = layer_new(w, sub(w, n, "sum"), "ReduceSum", "opset1");
  attr_bool(w, li, "keep_dims", true);
  layer_in(w, li, mv);
  layer_in(w, li, av);
  Val nv = out_s(w, li, x->dtype, x->rank, d);
  if (p->p == 2) {
    li = layer_new(w, sub(w, n, "sqrt"), "Sqrt", "opset1");
    layer_in(w, li, nv);
    nv = out_s(w, li, x->dtype, x->rank, d);
  }
  binop(w, n->name, "Divide", xv, nv, n->outputs[0], NULL);
  return 0;
}

/* RoiAlign -> ROIAlign-3 (output_half_pixel), or ROIAlign-9 aligned_mode half_pixel. */
static int emit_roi_align(W *w, const IrNode *n) {
  const IrRoiAlignParams *p = ir_roi_align_params(w->g, n);
  int li, rc = plain_layer(w, n, "ROIAlign", p->half_pixel ? "opset9" : "opset3", &li);
  if (rc) return rc;
  attr_int(w, li, "pooled_h", p->output_h);
  attr_int(w, li, "pooled_w", p->output_w);
  attr_int(w, li, "sampling_ratio", p->sampling_ratio);
  attr_flt(w, li, "spatial_scale", p->spatial_scale);
  attr(w, li, "mode", p->max ? "max" : "avg");
  if (p->half_pixel) attr(w, li, "aligned_mode", "half_pixel");
  return 0;
}

/* A Transpose of v by perm (rank r); bound to graph tensor out_t when >= 0. */
static Val transposed(W *w, const char *name, Val v, const int64_t *perm, int r, int out_tensor) {
  const Port *p = port_of(w, v);
  int64_t d[IR_MAX_DIMS];
  for (int i = 0; i < r; i++) d[i] = p->dims[perm[i]];
  DType dt = p->dt;
  Val o = const_i64(w, arena_printf(w->a, "%s/order", name), perm, r, 1);
  int li = layer_new(w, name, "Transpose", "opset1");
  layer_in(w, li, v);
  layer_in(w, li, o);
  return out_tensor >= 0 ? out_t(w, li, out_tensor) : out_s(w, li, dt, r, d);
}

/* A float Const of n values (the dtype of `like`: FP16 or FP32). */
static Val const_floats(W *w, const char *name, DType dt, int rank, const int64_t *dims,
                        const double *v, int64_t n) {
  size_t es = dt == DT_F16 ? 2 : 4;
  uint8_t *b = arena_array(w->a, (size_t)n + 1, es);
  for (int64_t i = 0; i < n; i++) {
    if (dt == DT_F16) {
      uint16_t h = fp16_from_f32((float)v[i]);
      memcpy(b + 2 * i, &h, 2);
    } else {
      float f = (float)v[i];
      memcpy(b + 4 * i, &f, 4);
    }
  }
  return const_raw(w, name, dt == DT_F16 ? DT_F16 : DT_F32, rank, dims, b, (size_t)n * es);
}

/* DequantizeLinear of a run-time u8 input -> Convert + Subtract (zero point) + Multiply (scale),
 * as mo writes it; the constants per tensor, or [1, C(, 1, 1)] per channel. */
static int emit_dequantize(W *w, const IrNode *n) {
  IrDqForm form = ir_dequantize_form(w->g, n);
  if (form == DQ_NONE) return EMIT_UNMAPPED;
  const IrTensor *x = T(w, n->inputs[0]), *y = T(w, n->outputs[0]);
  int64_t c = form == DQ_PER_CHANNEL ? x->dims[1] : 1, dims[IR_MAX_DIMS];
  int rank = form == DQ_PER_CHANNEL ? x->rank : 0;
  for (int i = 0; i < rank; i++) dims[i] = i == 1 ? c : 1;
  double *sc = arena_array(w->a, (size_t)c, sizeof(double)),
         *zp = arena_array(w->a, (size_t)c, sizeof(double));
  const IrTensor *zt = n->n_inputs > 2 && n->inputs[2] >= 0 ? T(w, n->inputs[2]) : NULL;
  for (int64_t i = 0; i < c; i++) {
    sc[i] = ir_const_f64(T(w, n->inputs[1]), i);
    zp[i] = zt ? (double)ir_const_i64(zt, i) : 0;
  }
  Val xv;
  if (input(w, n, 0, &xv) < 0) return -1;
  int li = layer_new(w, sub(w, n, "convert"), "Convert", "opset1");
  attr(w, li, "destination_type", dtype_name(y->dtype));
  layer_in(w, li, xv);
  Val f = out_s(w, li, y->dtype, y->rank, y->dims);
  Val zv = const_floats(w, sub(w, n, "zero_point"), y->dtype, rank, dims, zp, c);
  Val d = binop(w, sub(w, n, "subtract"), "Subtract", f, zv, -1, y);
  Val sv = const_floats(w, sub(w, n, "scale"), y->dtype, rank, dims, sc, c);
  binop(w, n->name, "Multiply", d, sv, n->outputs[0], y);
  return 0;
}

/* LSTM -> LSTMSequence-5 (mo's form): X, states and outputs transposed between ONNX's layout and
 * [batch, (directions,) steps, ..], gates re-ordered from i, o, f, c to f, i, c, o, B = Wb + Rb,
 * sequence lengths all S. Clip, activations and peepholes are left to the verdict (unmapped). */
static int emit_lstm(W *w, const IrNode *n) {
  const IrOnnxLstmParams *p = ir_onnx_lstm_params(w->g, n);
  const IrTensor *x = T(w, n->inputs[0]), *wt = T(w, n->inputs[1]), *rt = T(w, n->inputs[2]);
  const IrTensor *bt = has_in(n, 3) ? T(w, n->inputs[3]) : NULL;
  if (x->rank != 3 || !wt->data || !rt->data || (bt && !bt->data) || p->clip > 0 ||
      !p->default_activations || p->input_forget || has_in(n, 7))
    return EMIT_UNMAPPED;
  bool bf = p->batch_first;
  int64_t D = p->direction == IR_RNN_BIDIRECTIONAL ? 2 : 1, hs = p->hidden_size;
  int64_t S = x->dims[bf ? 1 : 0], B = x->dims[bf ? 0 : 1], I = x->dims[2];
  if (S < 1 || B < 1 || ir_numel(wt) != D * 4 * hs * I || ir_numel(rt) != D * 4 * hs * hs ||
      (bt && ir_numel(bt) != D * 8 * hs))
    return EMIT_UNMAPPED;
  static const int64_t SWAP01[3] = {1, 0, 2};
  static const int FICO_FROM_IOFC[4] = {2, 0, 3, 1};
  DType ft = x->dtype == DT_F16 ? DT_F16 : DT_F32;
  Val xv, st[2];
  if (input(w, n, 0, &xv) < 0) return -1;
  if (!bf) xv = transposed(w, sub(w, n, "x"), xv, SWAP01, 3, -1);
  int64_t sd[3] = {B, D, hs};
  for (int k = 0; k < 2; k++) {
    if (!has_in(n, 5 + k)) {
      double *z = arena_array(w->a, (size_t)(B * D * hs), sizeof *z);
      st[k] = const_floats(w, sub(w, n, k ? "c0" : "h0"), ft, 3, sd, z, B * D * hs);
    } else {
      if (input(w, n, 5 + k, &st[k]) < 0) return -1;
      if (!bf) st[k] = transposed(w, sub(w, n, k ? "c0_t" : "h0_t"), st[k], SWAP01, 3, -1);
    }
  }
  int64_t *lens = arena_array(w->a, (size_t)B, sizeof *lens);
  for (int64_t b = 0; b < B; b++) lens[b] = S;
  Val lv = const_i64(w, sub(w, n, "lens"), lens, (int)B, 1);
  double *wv = arena_array(w->a, (size_t)(D * 4 * hs * I), sizeof *wv),
         *rv = arena_array(w->a, (size_t)(D * 4 * hs * hs), sizeof *rv),
         *bv = arena_array(w->a, (size_t)(D * 4 * hs), sizeof *bv);
  for (int64_t d = 0; d < D; d++)
    for (int g = 0; g < 4; g++)
      for (int64_t q = 0; q < hs; q++) {
        int64_t src = (d * 4 + FICO_FROM_IOFC[g]) * hs + q, dst = (d * 4 + g) * hs + q;
        for (int64_t i = 0; i < I; i++) wv[dst * I + i] = ir_const_f64(wt, src * I + i);
        for (int64_t i = 0; i < hs; i++) rv[dst * hs + i] = ir_const_f64(rt, src * hs + i);
        int64_t bs = (d * 8 + FICO_FROM_IOFC[g]) * hs + q;
        bv[dst] = bt ? ir_const_f64(bt, bs) + ir_const_f64(bt, bs + 4 * hs) : 0.0;
      }
  int64_t wd[3] = {D, 4 * hs, I}, rd[3] = {D, 4 * hs, hs}, bd[2] = {D, 4 * hs};
  Val wc = const_floats(w, sub(w, n, "W"), ft, 3, wd, wv, D * 4 * hs * I);
  Val rc = const_floats(w, sub(w, n, "R"), ft, 3, rd, rv, D * 4 * hs * hs);
  Val bc = const_floats(w, sub(w, n, "B"), ft, 2, bd, bv, D * 4 * hs);
  int li = layer_new(w, n->name, "LSTMSequence", "opset5");
  attr_int(w, li, "hidden_size", hs);
  attr(w, li, "direction",
       D == 2                           ? "bidirectional"
       : p->direction == IR_RNN_REVERSE ? "reverse"
                                        : "forward");
  Val ins[7] = {xv, st[0], st[1], lv, wc, rc, bc};
  for (int k = 0; k < 7; k++) layer_in(w, li, ins[k]);
  int64_t yd[4] = {B, D, S, hs};
  Val y = out_s(w, li, ft, 4, yd), ho = out_s(w, li, ft, 3, sd), co = out_s(w, li, ft, 3, sd);
  static const int64_t Y_TO_SDBH[4] = {2, 1, 0, 3}, Y_TO_BSDH[4] = {0, 2, 1, 3};
  if (has_out(n, 0)) transposed(w, sub(w, n, "y"), y, bf ? Y_TO_BSDH : Y_TO_SDBH, 4, n->outputs[0]);
  Val so[2] = {ho, co};
  for (int k = 0; k < 2; k++) {
    if (!has_out(n, 1 + k)) continue;
    if (bf) { /* [B, D, hs] already: the port carries the tensor */
      w->tv[n->outputs[1 + k]] = so[k];
      port_add_name(w, so[k], T(w, n->outputs[1 + k])->name);
    } else {
      transposed(w, sub(w, n, k ? "yc" : "yh"), so[k], SWAP01, 3, n->outputs[1 + k]);
    }
  }
  return 0;
}

/* How each op becomes OpenVINO layers: an emitter of its own (fn), or one layer of `type` from
 * `opset` with the node's inputs and outputs (fn NULL; bcast adds auto_broadcast="numpy").
 * Neither: EMIT_UNMAPPED, written as a layer of the source type (Constant is a const input). */
typedef struct {
  int (*fn)(W *w, const IrNode *n);
  const char *type, *opset;
  bool bcast;
} Emitter;

/* ---- indexed data movement and Mod (issue 18) ---- */

static int emit_gather_elements(W *w, const IrNode *n) {
  int64_t a = norm_axis(ir_axis_params(w->g, n)->axis, T(w, n->inputs[0])->rank);
  if (a < 0) return EMIT_UNMAPPED;
  int li, rc = plain_layer(w, n, "GatherElements", "opset6", &li);
  if (rc == 0) attr_int(w, li, "axis", a);
  return rc;
}

/* ScatterElementsUpdate-3 (axis as an input) and ScatterNDUpdate-3 overwrite; their reductions
 * come in opset 12 / 15, after the MYRIAD plugin. */
static int emit_scatter(W *w, const IrNode *n) {
  const IrScatterParams *p = ir_scatter_params(w->g, n);
  if (p->reduction != IR_REDUCE_NONE) return EMIT_UNMAPPED;
  if (n->op == IR_OP_SCATTER_ND) return emit_plain(w, n, "ScatterNDUpdate", "opset3", false);
  int64_t a = norm_axis(p->axis, T(w, n->inputs[0])->rank);
  Val v[3];
  for (int k = 0; k < 3; k++)
    if (input(w, n, k, &v[k]) < 0) return -1;
  Val av = const_i64(w, sub(w, n, "axis"), &a, 1, 0);
  int li = layer_new(w, n->name, "ScatterElementsUpdate", "opset3");
  for (int k = 0; k < 3; k++) layer_in(w, li, v[k]);
  layer_in(w, li, av);
  out_t(w, li, n->outputs[0]);
  return 0;
}

/* OneHot-1: integer indices (float ones through a Convert), depth, on_value, off_value scalars
 * (ONNX's values are [off, on]); needs constant depth and values. */
static int emit_one_hot(W *w, const IrNode *n) {
  const IrTensor *ix = T(w, n->inputs[0]), *dp = T(w, n->inputs[1]), *vs = T(w, n->inputs[2]);
  if (!ir_is_const(w->g, n->inputs[1]) || !ir_is_const(w->g, n->inputs[2]) || ir_numel(vs) != 2)
    return EMIT_UNMAPPED;
  Val iv;
  if (input(w, n, 0, &iv) < 0) return -1;
  if (dtype_is_float(ix->dtype)) {
    int ci = layer_new(w, sub(w, n, "indices"), "Convert", "opset1");
    attr(w, ci, "destination_type", "i64");
    layer_in(w, ci, iv);
    iv = out_s(w, ci, DT_I64, ix->rank, ix->dims);
  }
  int64_t depth = (int64_t)ir_const_f64(dp, 0);
  Val dv = const_i64(w, sub(w, n, "depth"), &depth, 1, 0);
  Val on = const_num(w, sub(w, n, "on"), vs->dtype, ir_const_f64(vs, 1), 0);
  Val off = const_num(w, sub(w, n, "off"), vs->dtype, ir_const_f64(vs, 0), 0);
  int li = layer_new(w, n->name, "OneHot", "opset1");
  attr_int(w, li, "axis", ir_axis_params(w->g, n)->axis);
  layer_in(w, li, iv);
  layer_in(w, li, dv);
  layer_in(w, li, on);
  layer_in(w, li, off);
  out_t(w, li, n->outputs[0]);
  return 0;
}

static int emit_reverse_sequence(W *w, const IrNode *n) {
  const IrReverseSeqParams *p = ir_reverse_seq_params(w->g, n);
  int li, rc = plain_layer(w, n, "ReverseSequence", "opset1", &li);
  if (rc) return rc;
  attr_int(w, li, "batch_axis", p->batch_axis);
  attr_int(w, li, "seq_axis", p->time_axis);
  return 0;
}

/* fmod 0: FloorMod-1; fmod 1: Mod-1 (truncated, the dividend's sign). */
static int emit_mod(W *w, const IrNode *n) {
  return emit_plain(w, n, ir_mod_params(w->g, n)->fmod ? "Mod" : "FloorMod", "opset1", true);
}

/* clang-format off */
#define EMITTERS(Y)                                                \
  Y(CONV, emit_conv, NULL, NULL, false)                            \
  Y(CONV_TRANSPOSE, emit_conv_transpose, NULL, NULL, false)        \
  Y(MAX_POOL, emit_pool, NULL, NULL, false)                        \
  Y(AVERAGE_POOL, emit_pool, NULL, NULL, false)                    \
  Y(GLOBAL_AVERAGE_POOL, emit_global_pool, NULL, NULL, false)      \
  Y(GLOBAL_MAX_POOL, emit_global_pool, NULL, NULL, false)          \
  Y(BATCH_NORM, emit_batch_norm, NULL, NULL, false)                \
  Y(RELU, NULL, "Relu", "opset1", false)                           \
  Y(LEAKY_RELU, emit_leaky_relu, NULL, NULL, false)                \
  Y(PRELU, emit_prelu, NULL, NULL, false)                          \
  Y(CLIP, emit_clip, NULL, NULL, false)                            \
  Y(SIGMOID, NULL, "Sigmoid", "opset1", false)                     \
  Y(TANH, NULL, "Tanh", "opset1", false)                           \
  Y(HARD_SIGMOID, emit_hard_sigmoid, NULL, NULL, false)            \
  Y(HARD_SWISH, NULL, "HSwish", "opset4", false)                   \
  Y(ELU, emit_elu, NULL, NULL, false)                              \
  Y(EXP, NULL, "Exp", "opset1", false)                             \
  Y(LOG, NULL, "Log", "opset1", false)                             \
  Y(SQRT, NULL, "Sqrt", "opset1", false)                           \
  Y(NEG, NULL, "Negative", "opset1", false)                        \
  Y(ABS, NULL, "Abs", "opset1", false)                             \
  Y(FLOOR, NULL, "Floor", "opset1", false)                         \
  Y(CEIL, NULL, "Ceiling", "opset1", false)                        \
  Y(SOFTMAX, emit_softmax_op, NULL, NULL, false)                   \
  Y(ADD, NULL, "Add", "opset1", true)                              \
  Y(SUB, NULL, "Subtract", "opset1", true)                         \
  Y(MUL, NULL, "Multiply", "opset1", true)                         \
  Y(DIV, emit_div, NULL, NULL, false)                              \
  Y(POW, NULL, "Power", "opset1", true)                            \
  Y(MAX, emit_max, NULL, NULL, false)                              \
  Y(MIN, emit_min, NULL, NULL, false)                              \
  Y(EQUAL, NULL, "Equal", "opset1", true)                          \
  Y(LESS, NULL, "Less", "opset1", true)                            \
  Y(GREATER, NULL, "Greater", "opset1", true)                      \
  Y(WHERE, NULL, "Select", "opset1", true)                         \
  Y(MATMUL, emit_matmul, NULL, NULL, false)                        \
  Y(GEMM, emit_gemm, NULL, NULL, false)                            \
  Y(CONCAT, emit_concat, NULL, NULL, false)                        \
  Y(RESHAPE, emit_reshape, NULL, NULL, false)                      \
  Y(FLATTEN, emit_reshape, NULL, NULL, false)                      \
  Y(TRANSPOSE, emit_transpose, NULL, NULL, false)                  \
  Y(SQUEEZE, emit_squeeze_op, NULL, NULL, false)                   \
  Y(UNSQUEEZE, emit_unsqueeze, NULL, NULL, false)                  \
  Y(PAD, emit_pad, NULL, NULL, false)                              \
  Y(RESIZE, emit_resize, NULL, NULL, false)                        \
  Y(UPSAMPLE, emit_resize, NULL, NULL, false)                      \
  Y(SLICE, emit_slice, NULL, NULL, false)                          \
  Y(SPLIT, emit_split, NULL, NULL, false)                          \
  Y(REDUCE_MEAN, emit_reduce, NULL, NULL, false)                   \
  Y(REDUCE_MAX, emit_reduce, NULL, NULL, false)                    \
  Y(REDUCE_SUM, emit_reduce, NULL, NULL, false)                    \
  Y(CAST, emit_cast, NULL, NULL, false)                            \
  Y(IDENTITY, emit_wire, NULL, NULL, false)                        \
  Y(DROPOUT, emit_wire, NULL, NULL, false)                         \
  Y(CONSTANT, NULL, NULL, NULL, false)                             \
  Y(CONSTANT_OF_SHAPE, emit_constant_of_shape, NULL, NULL, false)  \
  Y(SHAPE, emit_shape, NULL, NULL, false)                          \
  Y(GATHER, emit_gather, NULL, NULL, false)                        \
  Y(EXPAND, emit_expand, NULL, NULL, false)                        \
  Y(RANGE, emit_range, NULL, NULL, false)                          \
  Y(TILE, emit_tile, NULL, NULL, false)                            \
  Y(ARGMAX, emit_argmax, NULL, NULL, false)                        \
  Y(TOPK, emit_topk, NULL, NULL, false)                            \
  Y(LRN, emit_lrn, NULL, NULL, false)                              \
  Y(DEPTH_TO_SPACE, emit_depth_to_space, NULL, NULL, false)        \
  Y(SPACE_TO_DEPTH, emit_space_to_depth, NULL, NULL, false)        \
  Y(INSTANCE_NORM, emit_instance_norm, NULL, NULL, false)          \
  Y(LOG_SOFTMAX, emit_log_softmax, NULL, NULL, false)              \
  Y(NON_MAX_SUPPRESSION, emit_nms, NULL, NULL, false)              \
  Y(PRIOR_BOX_CLUSTERED, NULL, NULL, NULL, false)                  \
  Y(DETECTION_OUTPUT, emit_detection_output, NULL, NULL, false)   \
  Y(SUM, emit_sum, NULL, NULL, false) \
  Y(MEAN, emit_mean, NULL, NULL, false) \
  Y(RECIPROCAL, emit_reciprocal, NULL, NULL, false) \
  Y(SELU, emit_selu, NULL, NULL, false) \
  Y(SOFTSIGN, emit_softsign, NULL, NULL, false) \
  Y(THRESHOLDED_RELU, emit_thresholded_relu, NULL, NULL, false) \
  Y(CELU, emit_celu, NULL, NULL, false) \
  Y(SHRINK, emit_shrink, NULL, NULL, false) \
  Y(ERF, NULL, "Erf", "opset1", false) \
  Y(SOFTPLUS, NULL, "SoftPlus", "opset4", false) \
  Y(SIGN, NULL, "Sign", "opset1", false) \
  Y(ROUND, emit_round, NULL, NULL, false) \
  Y(MISH, NULL, "Mish", "opset4", false) \
  Y(NOT, NULL, "LogicalNot", "opset1", false) \
  Y(REDUCE_MIN, emit_reduce, NULL, NULL, false) \
  Y(REDUCE_L1, emit_reduce, NULL, NULL, false) \
  Y(REDUCE_L2, emit_reduce, NULL, NULL, false) \
  Y(REDUCE_SUM_SQUARE, emit_reduce_sum_square, NULL, NULL, false) \
  Y(REDUCE_LOG_SUM_EXP, emit_reduce_log_sum_exp, NULL, NULL, false) \
  Y(GREATER_OR_EQUAL, NULL, "GreaterEqual", "opset1", true) \
  Y(LESS_OR_EQUAL, NULL, "LessEqual", "opset1", true) \
  Y(AND, NULL, "LogicalAnd", "opset1", true) \
  Y(OR, NULL, "LogicalOr", "opset1", true) \
  Y(XOR, NULL, "LogicalXor", "opset1", true) \
  Y(SWISH, NULL, "Swish", "opset4", false) \
  Y(GELU, emit_gelu, NULL, NULL, false) \
  Y(SQUARED_DIFF, NULL, "SquaredDifference", "opset1", true) \
  Y(GRN, emit_grn, NULL, NULL, false) \
  Y(NORMALIZE_L2, emit_normalize_l2, NULL, NULL, false) \
  Y(REGION_YOLO, emit_region_yolo, NULL, NULL, false) \
  Y(REORG_YOLO, emit_reorg_yolo, NULL, NULL, false) \
  Y(PRIOR_BOX, NULL, NULL, NULL, false) \
  Y(CTC_GREEDY_DECODER, emit_ctc_greedy_decoder, NULL, NULL, false) \
  Y(SCATTER_UPDATE, NULL, "ScatterUpdate", "opset3", false) \
  Y(GATHER_ND, emit_gather_nd, NULL, NULL, false) \
  Y(ROI_POOLING, emit_roi_pooling, NULL, NULL, false) \
  Y(PSROI_POOLING, emit_psroi_pooling, NULL, NULL, false) \
  Y(LSTM_CELL, emit_lstm_cell, NULL, NULL, false) \
  Y(PROPOSAL, emit_proposal, NULL, NULL, false) \
  Y(QUANTIZE_LINEAR, NULL, NULL, NULL, false) \
  Y(DEQUANTIZE_LINEAR, emit_dequantize, NULL, NULL, false) \
  Y(GATHER_ELEMENTS, emit_gather_elements, NULL, NULL, false) \
  Y(SCATTER_ELEMENTS, emit_scatter, NULL, NULL, false) \
  Y(SCATTER_ND, emit_scatter, NULL, NULL, false) \
  Y(ONE_HOT, emit_one_hot, NULL, NULL, false) \
  Y(REVERSE_SEQUENCE, emit_reverse_sequence, NULL, NULL, false) \
  Y(MOD, emit_mod, NULL, NULL, false) \
  Y(SCATTER, emit_scatter, NULL, NULL, false) \
  Y(MVN, emit_mvn, NULL, NULL, false) \
  Y(LP_NORM, emit_lp_norm, NULL, NULL, false) \
  Y(MAX_ROI_POOL, emit_roi_pooling, NULL, NULL, false) \
  Y(ROI_ALIGN, emit_roi_align, NULL, NULL, false) \
  Y(LSTM, emit_lstm, NULL, NULL, false)
/* clang-format on */
OPTABLE(static const Emitter, EMIT, EMITTERS);

/* Maps node n; returns 0, -1 or EMIT_UNMAPPED. */
static int emit_node(W *w, const IrNode *n) {
  const Emitter *e = (unsigned)n->op < IR_OP_COUNT ? &EMIT[n->op] : NULL;
  if (e && e->fn) return e->fn(w, n);
  if (e && e->type) return emit_plain(w, n, e->type, e->opset, e->bcast);
  return EMIT_UNMAPPED;
}

/* A source attribute as an XML attribute value; NULL for kinds that have no text form. */
static const char *src_attr_value(Arena *a, const IrAttr *at) {
  switch (at->kind) {
  case ATTR_INT: return arena_printf(a, "%lld", (long long)at->i);
  case ATTR_FLOAT: return flt_str(a, at->f);
  case ATTR_STRING: return at->s ? at->s : "";
  case ATTR_INTS: return ints_str(a, at->ints, at->n);
  case ATTR_FLOATS: {
    Buf b = BUF_INIT;
    for (int i = 0; i < at->n; i++) buf_printf(&b, "%s%.9g", i ? "," : "", (double)at->floats[i]);
    buf_put(&b, "", 1);
    char *s = arena_strdup(a, (const char *)b.data);
    buf_free(&b);
    return s;
  }
  default: return NULL;
  }
}

/* The layer OpenVINO cannot run but the user should see: type = source op, version unknown. */
static int emit_unknown(W *w, const IrNode *n) {
  Val *v = arena_array(w->a, (size_t)n->n_inputs + 1, sizeof *v);
  int nv = 0;
  for (int k = 0; k < n->n_inputs; k++)
    if (has_in(n, k) && input(w, n, k, &v[nv++]) < 0) return -1;
  int li = layer_new(w, n->name, n->op_type && n->op_type[0] ? n->op_type : ir_op_name(n->op),
                     "unknown");
  for (int i = 0; i < n->n_attrs; i++) {
    const char *val = src_attr_value(w->a, &n->attrs[i]);
    if (val) attr(w, li, n->attrs[i].name, val);
  }
  for (int k = 0; k < nv; k++) layer_in(w, li, v[k]);
  for (int k = 0; k < n->n_outputs; k++)
    if (has_out(n, k)) out_t(w, li, n->outputs[k]);
  return 0;
}

/* True when every tensor a mapped op of n reads or writes has a dtype and static shape. */
static int check_static(W *w, const IrNode *n) {
  for (int pass = 0; pass < 2; pass++) {
    int cnt = pass ? n->n_outputs : n->n_inputs;
    for (int k = 0; k < cnt; k++) {
      int t = pass ? n->outputs[k] : n->inputs[k];
      if (t < 0) continue;
      /* optional training outputs of BatchNormalization / Dropout's mask are never written */
      if (pass && k > 0 && (n->op == IR_OP_BATCH_NORM || n->op == IR_OP_DROPOUT)) continue;
      const IrTensor *x = T(w, t);
      if (x->dtype == DT_UNDEF || ir_numel(x) < 0)
        return err_set(w->err, ERR_SHAPE, "tensor '%s' has no static shape or type", x->name);
    }
  }
  return 0;
}

/* Checks tensor indices of n. */
static int check_refs(W *w, const IrNode *n) {
  for (int k = 0; k < n->n_inputs; k++)
    if (n->inputs[k] >= w->g->n_tensors)
      return err_set(w->err, ERR_BACKEND, "input %d refers to a missing tensor", k);
  for (int k = 0; k < n->n_outputs; k++)
    if (n->outputs[k] >= w->g->n_tensors)
      return err_set(w->err, ERR_BACKEND, "output %d refers to a missing tensor", k);
  return 0;
}

/* Forgets every layer, edge and .bin byte from mark on. */
static void rollback(W *w, int n_ls, int n_es, size_t bin_len) {
  w->n_ls = n_ls;
  w->n_es = n_es;
  w->bin->len = bin_len;
  for (int t = 0; t < w->g->n_tensors; t++)
    if (w->tv[t].layer >= n_ls) w->tv[t] = (Val){-1, -1};
}

static int build_node(W *w, const IrNode *n) {
  if (check_refs(w, n) < 0) return -1;
  bool folded = n->n_outputs > 0;
  for (int k = 0; k < n->n_outputs; k++)
    if (n->outputs[k] >= 0 && !T(w, n->outputs[k])->data) folded = false;
  if (folded) return 0; /* every output is a constant: consumers get Const layers */
  int n_ls = w->n_ls, n_es = w->n_es;
  size_t bin_len = w->bin->len;
  int rc = EMIT_UNMAPPED;
  /* LSTM's outputs are all optional (a model may read only Y_h); its emitter checks each */
  if (n->op != IR_OP_UNKNOWN && (n->n_outputs == 0 || (!has_out(n, 0) && n->op != IR_OP_LSTM)))
    return err_set(w->err, ERR_BACKEND, "node has no output");
  if (n->op != IR_OP_UNKNOWN) {
    if (check_static(w, n) < 0) return -1;
    rc = emit_node(w, n);
  }
  if (rc != EMIT_UNMAPPED) return rc;
  rollback(w, n_ls, n_es, bin_len);
  return emit_unknown(w, n);
}

/* Parameter shape attribute: "1,3,224,224", "?" for a dynamic dim, "..." for unknown rank. */
static const char *param_shape(Arena *a, const IrTensor *x) {
  if (x->rank < 0) return "...";
  Buf b = BUF_INIT;
  for (int i = 0; i < x->rank; i++) {
    if (x->dims[i] < 0)
      buf_printf(&b, "%s?", i ? "," : "");
    else
      buf_printf(&b, "%s%lld", i ? "," : "", (long long)x->dims[i]);
  }
  buf_put(&b, "", 1);
  char *s = arena_strdup(a, (const char *)b.data);
  buf_free(&b);
  return s;
}

static int build(W *w) {
  const IrGraph *g = w->g;
  for (int i = 0; i < g->n_inputs; i++) {
    int t = g->inputs[i];
    if (t < 0 || t >= g->n_tensors)
      return err_set(w->err, ERR_BACKEND, "graph input %d refers to a missing tensor", i);
    const IrTensor *x = T(w, t);
    if (w->tv[t].layer >= 0) continue;
    int li = layer_new(w, x->name, "Parameter", "opset1");
    attr(w, li, "shape", param_shape(w->a, x));
    attr(w, li, "element_type", dtype_name(x->dtype));
    out_t(w, li, t);
  }
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    if (build_node(w, n) < 0) {
      err_where(w->err, g->source, 0, NULL, n->name);
      return -1;
    }
    if (job_poll(w->err) < 0) return -1; /* a stop request or the memory budget */
  }
  for (int i = 0; i < g->n_outputs; i++) {
    int t = g->outputs[i];
    if (t < 0 || t >= g->n_tensors)
      return err_set(w->err, ERR_BACKEND, "graph output %d refers to a missing tensor", i);
    Val v;
    if (tensor_val(w, t, &v) < 0) return -1;
    int li = layer_new(w, arena_printf(w->a, "%s/sink_port_0", T(w, t)->name), "Result", "opset1");
    layer_in(w, li, v);
  }
  return 0;
}

/* ---- serialisation ----------------------------------------------------------------------- */

/* s as valid XML 1.0 text: invalid UTF-8 and disallowed control characters become '?'. */
static const char *xml_clean(Arena *a, const char *s) {
  size_t n = strlen(s);
  char *o = arena_alloc(a, n + 1);
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, j = 0;
  while (i < n) {
    unsigned c = p[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + (size_t)len <= n;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; ok && k < len; k++) {
      ok = (p[i + k] & 0xc0) == 0x80;
      cp = cp << 6 | (p[i + k] & 0x3f);
    }
    if (ok) {
      static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= min_cp[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) && cp != 0xfffe &&
           cp != 0xffff && (cp >= 0x20 || cp == '\t' || cp == '\n' || cp == '\r');
    }
    if (!ok) {
      o[j++] = '?';
      i++;
      continue;
    }
    memcpy(o + j, p + i, (size_t)len);
    i += (size_t)len;
    j += (size_t)len;
  }
  o[j] = 0;
  return o;
}

/* An XML Name built from an untrusted attribute name ([A-Za-z_][A-Za-z0-9_.-]*). */
static const char *xml_name(Arena *a, const char *s) {
  size_t n = strlen(s);
  char *o = arena_alloc(a, n + 2);
  size_t j = 0;
  if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) o[j++] = '_';
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    o[j++] = ok ? c : '_';
  }
  o[j] = 0;
  return o;
}

static const char *precision(DType t) {
  static const char *const P[DT_COUNT] = {
      [DT_UNDEF] = "UNSPECIFIED", [DT_F32] = "FP32",      [DT_F16] = "FP16",
      [DT_F64] = "FP64",          [DT_I64] = "I64",       [DT_I32] = "I32",
      [DT_I16] = "I16",           [DT_I8] = "I8",         [DT_U8] = "U8",
      [DT_U16] = "U16",           [DT_U32] = "U32",       [DT_U64] = "U64",
      [DT_BOOL] = "BOOL",         [DT_STRING] = "STRING",
  };
  return (unsigned)t < DT_COUNT ? P[t] : "UNSPECIFIED";
}

typedef struct {
  xmlTextWriterPtr tw;
  Arena *a;
  bool ok;
} Xw;

static void x_start(Xw *x, const char *el) {
  x->ok &= xmlTextWriterStartElement(x->tw, BAD_CAST el) >= 0;
}
static void x_end(Xw *x) { x->ok &= xmlTextWriterEndElement(x->tw) >= 0; }
static void x_attr(Xw *x, const char *k, const char *v) {
  x->ok &= xmlTextWriterWriteAttribute(x->tw, BAD_CAST k, BAD_CAST xml_clean(x->a, v)) >= 0;
}
static void x_attr_int(Xw *x, const char *k, long long v) {
  x->ok &= xmlTextWriterWriteFormatAttribute(x->tw, BAD_CAST k, "%lld", v) >= 0;
}

static void x_port(Xw *x, int id, const Port *p) {
  x_start(x, "port");
  x_attr_int(x, "id", id);
  x_attr(x, "precision", precision(p->dt));
  if (p->names) x_attr(x, "names", p->names);
  for (int i = 0; i < p->rank; i++)
    x->ok &=
        xmlTextWriterWriteFormatElement(x->tw, BAD_CAST "dim", "%lld", (long long)p->dims[i]) >= 0;
  x_end(x);
}

static void x_layer(Xw *x, int id, const Layer *l) {
  x_start(x, "layer");
  x_attr_int(x, "id", id);
  x_attr(x, "name", l->name);
  x_attr(x, "type", l->type);
  x_attr(x, "version", l->version);
  if (l->n_attrs) {
    x_start(x, "data");
    for (int i = 0; i < l->n_attrs; i++) {
      const char *k = xml_name(x->a, l->attrs[i].k);
      bool dup = false;
      for (int j = 0; j < i; j++) dup |= strcmp(xml_name(x->a, l->attrs[j].k), k) == 0;
      if (!dup) x_attr(x, k, l->attrs[i].v);
    }
    x_end(x);
  }
  if (l->n_in) {
    x_start(x, "input");
    for (int i = 0; i < l->n_in; i++) x_port(x, i, &l->in[i]);
    x_end(x);
  }
  if (l->n_out) {
    x_start(x, "output");
    for (int i = 0; i < l->n_out; i++) x_port(x, l->n_in + i, &l->out[i]);
    x_end(x);
  }
  x_end(x);
}

/* xmlOutputBuffer sink: appends straight to a Buf (which grows by doubling). libxml2's own
 * memory buffer grows to the exact size on every write, so a 100,000-layer IR was copied
 * quadratically wherever realloc cannot grow in place (ASan builds: 100x slower). */
static int xml_sink(void *ctx, const char *p, int n) {
  buf_put(ctx, p, (size_t)n);
  return n;
}

static int serialize(W *w, const char *model_name, Buf *out) {
  xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(xml_sink, NULL, out, NULL);
  xmlTextWriterPtr tw = ob ? xmlNewTextWriter(ob) : NULL; /* owns ob from here */
  if (!tw) {
    if (ob) xmlOutputBufferClose(ob);
    return err_set(w->err, ERR_OOM, "cannot create the xml writer");
  }
  Xw x = {tw, w->a, true};
  x.ok &= xmlTextWriterSetIndent(tw, 1) >= 0;
  x.ok &= xmlTextWriterSetIndentString(tw, BAD_CAST "\t") >= 0;
  x.ok &= xmlTextWriterStartDocument(tw, NULL, NULL, NULL) >= 0;
  x_start(&x, "net");
  x_attr(&x, "name", model_name ? model_name : "model");
  x_attr(&x, "version", "11");
  x_start(&x, "layers");
  bool stopped = false;
  for (int i = 0; i < w->n_ls && !stopped; i++) {
    x_layer(&x, i, &w->ls[i]);
    stopped = job_poll(w->err) < 0; /* a stop request or the memory budget */
  }
  x_end(&x);
  x_start(&x, "edges");
  for (int i = 0; i < w->n_es && !stopped; i++) {
    stopped = job_poll(w->err) < 0;
    const Edge *e = &w->es[i];
    x_start(&x, "edge");
    x_attr_int(&x, "from-layer", e->from_layer);
    x_attr_int(&x, "from-port", w->ls[e->from_layer].n_in + e->from_out);
    x_attr_int(&x, "to-layer", e->to_layer);
    x_attr_int(&x, "to-port", e->to_in);
    x_end(&x);
  }
  x_end(&x);
  x_end(&x);
  x.ok &= xmlTextWriterEndDocument(tw) >= 0;
  xmlFreeTextWriter(tw); /* flushes into out and closes ob */
  if (stopped) return -1;
  return x.ok ? 0 : err_set(w->err, ERR_BACKEND, "the xml writer failed");
}

int be_irxml_write(const IrGraph *g, const char *model_name, Buf *xml, Buf *bin, Err *err) {
  Arena *a = arena_new();
  Buf x = BUF_INIT, b = BUF_INIT;
  W w = {.g = g, .a = a, .bin = &b, .err = err};
  w.tv = arena_array(a, (size_t)(g->n_tensors > 0 ? g->n_tensors : 1), sizeof(Val));
  for (int t = 0; t < g->n_tensors; t++) w.tv[t] = (Val){-1, -1};
  /* the .bin is about the constants' size: reserve it once instead of growing it by copies */
  size_t est = 0;
  for (int t = 0; t < g->n_tensors; t++)
    if (g->tensors[t].data && g->tensors[t].nbytes < ((size_t)1 << 32)) est += g->tensors[t].nbytes;
  if (est) buf_reserve(&b, est < ((size_t)1 << 32) ? est : (size_t)1 << 32);
  int rc = build(&w);
  if (rc == 0) rc = serialize(&w, model_name, &x);
  if (rc == 0) {
    /* hand the buffers over when the caller's are empty (the usual case): no second copy of the
     * weights; append otherwise, as the contract says */
    if (!xml->len) {
      buf_free(xml);
      *xml = x;
      x = (Buf)BUF_INIT;
    } else {
      buf_put(xml, x.data, x.len);
    }
    if (!bin->len) {
      buf_free(bin);
      *bin = b;
      b = (Buf)BUF_INIT;
    } else {
      buf_put(bin, b.data, b.len);
    }
  } else if (err->file[0] == 0) {
    err_where(err, g->source, 0, NULL, NULL);
  }
  buf_free(&x);
  buf_free(&b);
  arena_free(a);
  return rc;
}
