/*
 * compiler/graph/shape.c — ir_infer: dtype/shape inference for every op in ops.def, with ONNX
 * semantics (opset 7-18, attribute-vs-input variants), and constant folding.
 *
 * Contract of a shape function (IrShapeFn): fill the dtype/rank/dims of node n's outputs from its
 * inputs and decoded attributes (params.h; ir_infer decodes the node just before); unknown input
 * shapes give unknown outputs (rank -1 or dims -1), never an error; inconsistent shapes give
 * ERR_SHAPE "<op>: <problem>" naming the node. Shape functions of data-movement ops (Shape,
 * Gather, Concat, Slice, ...) also fold when their data is constant; ir_infer then hands the
 * remaining all-constant nodes to fold.c.
 */
#include "shape_internal.h"

#include "params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A shape being built: rank -1 = unknown; dims -1 = unknown dim. */
typedef struct {
  int rank;
  int64_t d[IR_MAX_DIMS];
} Dims;

static const Dims UNKNOWN = {-1, {0}};

/* Longest int list read from an attribute or constant input (pads of rank 8 = 16, axes...). */
#define MAX_INTS 64

/* ---- helpers ---- */

int shape__fail(IrGraph *g, int n, Err *err, const char *fmt, ...) {
  if (!err) return -1;
  err_where(err, g->source, 0, NULL, g->nodes[n].name);
  err->code = ERR_SHAPE;
  int k = snprintf(err->msg, sizeof err->msg, "%s: ", g->nodes[n].op_type);
  if (k < 0 || (size_t)k >= sizeof err->msg) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg + k, sizeof err->msg - (size_t)k, fmt, ap);
  va_end(ap);
  return -1;
}

bool shape__is_const(const IrGraph *g, int t) {
  return t >= 0 && t < g->n_tensors && g->tensors[t].data && !g->tensors[t].is_input;
}

/* Input i of node n, NULL when absent (beyond n_inputs or an omitted optional input). */
static IrTensor *in_t(IrGraph *g, int n, int i) {
  const IrNode *x = &g->nodes[n];
  if (i >= x->n_inputs || x->inputs[i] < 0) return NULL;
  return &g->tensors[x->inputs[i]];
}

/* True when input i of node n is present and constant. */
static bool in_const(IrGraph *g, int n, int i) {
  const IrNode *x = &g->nodes[n];
  return i < x->n_inputs && shape__is_const(g, x->inputs[i]);
}

/* True when input i of node n is present. */
static bool has_in(IrGraph *g, int n, int i) {
  return i < g->nodes[n].n_inputs && g->nodes[n].inputs[i] >= 0;
}

static DType in_dtype(IrGraph *g, int n, int i) {
  IrTensor *t = in_t(g, n, i);
  return t ? t->dtype : DT_UNDEF;
}

static Dims dims_of(const IrTensor *t) {
  Dims s = UNKNOWN;
  if (t && t->rank >= 0 && t->rank <= IR_MAX_DIMS) {
    s.rank = t->rank;
    memcpy(s.d, t->dims, sizeof s.d);
  }
  return s;
}

/* Dims of input i (UNKNOWN when absent). */
static Dims in_dims(IrGraph *g, int n, int i) { return dims_of(in_t(g, n, i)); }

/* True when every dim of s is known. */
static bool dims_known(const Dims *s) {
  if (s->rank < 0) return false;
  for (int i = 0; i < s->rank; i++)
    if (s->d[i] < 0) return false;
  return true;
}

/* Element count of s, -1 when unknown or overflowing. */
static int64_t dims_numel(const Dims *s) {
  if (!dims_known(s)) return -1;
  int64_t p = 1;
  for (int i = 0; i < s->rank; i++)
    if (__builtin_mul_overflow(p, s->d[i], &p)) return -1;
  return p;
}

/* "1x3x224x224", "?" for unknown dims, "scalar" for rank 0 (arena string). */
static const char *dims_str(IrGraph *g, const Dims *s) {
  if (s->rank < 0) return "?";
  if (s->rank == 0) return "scalar";
  char buf[256];
  size_t k = 0;
  for (int i = 0; i < s->rank && k < sizeof buf - 24; i++) {
    if (i) buf[k++] = 'x';
    if (s->d[i] < 0)
      k += (size_t)snprintf(buf + k, sizeof buf - k, "?");
    else
      k += (size_t)snprintf(buf + k, sizeof buf - k, "%lld", (long long)s->d[i]);
  }
  buf[k] = 0;
  return arena_strdup(g->arena, buf);
}

/* a + b, setting *ovf on overflow. */
static int64_t ck_add(int64_t a, int64_t b, bool *ovf) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    *ovf = true;
    return 0;
  }
  return r;
}

/* a * b, setting *ovf on overflow. */
static int64_t ck_mul(int64_t a, int64_t b, bool *ovf) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) {
    *ovf = true;
    return 0;
  }
  return r;
}

/* Writes dtype and shape to output k of node n. Unknown parts (DT_UNDEF, rank -1, dim -1) keep
 * what the model's value_info already said. Constant outputs are left alone. */
static void set_out(IrGraph *g, int n, int k, DType dt, const Dims *s) {
  const IrNode *x = &g->nodes[n];
  if (k >= x->n_outputs || x->outputs[k] < 0) return;
  IrTensor *t = &g->tensors[x->outputs[k]];
  if (t->data) return;
  if (dt != DT_UNDEF) t->dtype = dt;
  if (s->rank < 0) return;
  bool same_rank = t->rank == s->rank;
  t->rank = s->rank;
  for (int i = 0; i < IR_MAX_DIMS; i++) {
    if (i >= s->rank)
      t->dims[i] = 0;
    else if (!(same_rank && s->d[i] < 0 && t->dims[i] >= 0))
      t->dims[i] = s->d[i];
  }
}

/* Normalises axis a (negative counts from the end) against rank r; -1 when out of range. */
static int norm_axis(int64_t a, int r) {
  if (a < -r || a >= r) return -1;
  return (int)(a < 0 ? a + r : a);
}

/* Reads int values of a constant 1-D/0-D tensor into out (at most max). Returns the count, or -1
 * when there are more than max values. */
static int const_ints(const IrTensor *t, int64_t *out, int max) {
  int64_t ne = ir_numel(t);
  if (ne < 0 || ne > max) return -1;
  for (int64_t i = 0; i < ne; i++) out[i] = ir_const_i64(t, i);
  return (int)ne;
}

/* Int list from input i when present, else from attribute attr (decoded as av). Returns the count
 * (0 when neither is given), -1 when the input is present but not constant (values unknown), -2
 * on more than MAX_INTS values (after calling shape__fail). */
static int ints_arg(IrGraph *g, int n, int i, const char *attr, IrInts av, int64_t *out, Err *err) {
  if (has_in(g, n, i)) {
    if (!in_const(g, n, i)) return -1;
    int c = const_ints(in_t(g, n, i), out, MAX_INTS);
    if (c < 0) {
      shape__fail(g, n, err, "input %d has too many values", i + 1);
      return -2;
    }
    return c;
  }
  int c = ir_ints_copy(av, out, MAX_INTS);
  if (c > MAX_INTS) {
    shape__fail(g, n, err, "attribute %s has too many values", attr);
    return -2;
  }
  return c;
}

/* Checks a tensor's metadata is sane: rank within limits, dims >= -1, element count and bytes
 * representable, constant data as large as its shape says. */
static int check_tensor(IrGraph *g, int n, const IrTensor *t, Err *err) {
  if (t->rank < -1 || t->rank > IR_MAX_DIMS)
    return shape__fail(g, n, err, "tensor '%s' has rank %d, over the limit of %d", t->name, t->rank,
                       IR_MAX_DIMS);
  bool ovf = false;
  int64_t p = 1;
  for (int i = 0; i < t->rank; i++) {
    if (t->dims[i] < -1)
      return shape__fail(g, n, err, "tensor '%s' has a negative dim %lld", t->name,
                         (long long)t->dims[i]);
    if (t->dims[i] >= 0) p = ck_mul(p, t->dims[i], &ovf);
  }
  if (ovf || p > INT64_MAX / 16) {
    Dims s = dims_of(t);
    return shape__fail(g, n, err, "tensor '%s' of shape %s has too many elements", t->name,
                       dims_str(g, &s));
  }
  if (g->max_tensor_bytes && t->rank >= 0 && p >= 0 && dtype_size(t->dtype) &&
      (uint64_t)p * dtype_size(t->dtype) > g->max_tensor_bytes) {
    Dims s = dims_of(t);
    err_where(err, g->source, 0, NULL, g->nodes[n].name);
    return err_set(
        err, ERR_OOM,
        "tensor '%s' of shape %s is %llu bytes, over the limit of %llu (--max-tensor-mb)", t->name,
        dims_str(g, &s), (unsigned long long)p * dtype_size(t->dtype),
        (unsigned long long)g->max_tensor_bytes);
  }
  if (t->data && dtype_size(t->dtype) > 0) {
    int64_t ne = ir_numel(t);
    if (ne < 0 || t->nbytes < (size_t)ne * dtype_size(t->dtype))
      return shape__fail(g, n, err, "constant '%s' holds %zu bytes, too few for its shape", t->name,
                         t->nbytes);
  }
  return 0;
}

/* ---- elementwise ---- */

/* numpy broadcast of a and b into o; ERR_SHAPE when two known dims differ and neither is 1. */
static int bcast2(IrGraph *g, int n, Dims *o, const Dims *a, const Dims *b, Err *err) {
  if (a->rank < 0 || b->rank < 0) {
    *o = UNKNOWN;
    return 0;
  }
  Dims r = {a->rank > b->rank ? a->rank : b->rank, {0}};
  for (int i = 0; i < r.rank; i++) {
    int ia = i - (r.rank - a->rank), ib = i - (r.rank - b->rank);
    int64_t da = ia >= 0 ? a->d[ia] : 1, db = ib >= 0 ? b->d[ib] : 1;
    if (da == db || db == 1)
      r.d[i] = da;
    else if (da == 1)
      r.d[i] = db;
    else if (da < 0)
      r.d[i] = db;
    else if (db < 0)
      r.d[i] = da;
    else
      return shape__fail(g, n, err, "cannot broadcast %s with %s (dim %d: %lld vs %lld)",
                         dims_str(g, a), dims_str(g, b), i, (long long)da, (long long)db);
  }
  *o = r;
  return 0;
}

/* Broadcast of all present inputs from `first` on. */
static int bcast_inputs(IrGraph *g, int n, int first, Dims *o, Err *err) {
  bool any = false;
  for (int i = first; i < g->nodes[n].n_inputs; i++) {
    if (!has_in(g, n, i)) continue;
    Dims s = in_dims(g, n, i);
    if (!any)
      *o = s;
    else if (bcast2(g, n, o, o, &s, err) < 0)
      return -1;
    any = true;
  }
  if (!any) *o = UNKNOWN;
  return 0;
}

static int shape_broadcast(IrGraph *g, int n, Err *err) {
  Dims o;
  if (bcast_inputs(g, n, 0, &o, err) < 0) return -1;
  set_out(g, n, 0, in_dtype(g, n, 0), &o);
  return 0;
}

static int shape_compare(IrGraph *g, int n, Err *err) {
  Dims o;
  if (bcast_inputs(g, n, 0, &o, err) < 0) return -1;
  set_out(g, n, 0, DT_BOOL, &o);
  return 0;
}

static int shape_where(IrGraph *g, int n, Err *err) {
  Dims o;
  if (bcast_inputs(g, n, 0, &o, err) < 0) return -1;
  DType dt = in_dtype(g, n, 1);
  set_out(g, n, 0, dt ? dt : in_dtype(g, n, 2), &o);
  return 0;
}

/* Same dtype and shape as input 0; Softmax/LogSoftmax also check their axis. */
static int shape_unary(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  Dims s = in_dims(g, n, 0);
  if ((x->op == IR_OP_SOFTMAX || x->op == IR_OP_LOG_SOFTMAX) && s.rank >= 0) {
    int64_t axis = ir_axis_params(g, x)->axis;
    /* lenient: opset < 13 defaults axis to 1 even for 1-D inputs (coerced to 2-D) */
    if (axis < -s.rank || axis > s.rank)
      return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)axis,
                         s.rank);
  }
  set_out(g, n, 0, in_dtype(g, n, 0), &s);
  return 0;
}

static int shape_first_input(IrGraph *g, int n, Err *err) {
  (void)err;
  Dims s = in_dims(g, n, 0);
  set_out(g, n, 0, in_dtype(g, n, 0), &s);
  return 0;
}

/* PRelu: slope broadcasts to X (unidirectionally); output is X. */
static int shape_prelu(IrGraph *g, int n, Err *err) {
  Dims x = in_dims(g, n, 0), s = in_dims(g, n, 1), o;
  if (bcast2(g, n, &o, &x, &s, err) < 0) return -1;
  if (o.rank >= 0 && o.rank != x.rank)
    return shape__fail(g, n, err, "slope %s does not broadcast to input %s", dims_str(g, &s),
                       dims_str(g, &x));
  set_out(g, n, 0, in_dtype(g, n, 0), x.rank >= 0 ? &x : &o);
  return 0;
}

static int shape_identity(IrGraph *g, int n, Err *err) {
  (void)err;
  Dims s = in_dims(g, n, 0);
  set_out(g, n, 0, in_dtype(g, n, 0), &s);
  if (g->nodes[n].op == IR_OP_DROPOUT) set_out(g, n, 1, DT_BOOL, &s);
  return 0;
}

static int shape_batch_norm(IrGraph *g, int n, Err *err) {
  Dims s = in_dims(g, n, 0);
  int64_t c = s.rank >= 2 ? s.d[1] : -1;
  if (s.rank >= 0 && s.rank < 2)
    return shape__fail(g, n, err, "input rank %d, expected at least 2", s.rank);
  static const char *const what[] = {"", "scale", "bias", "mean", "var"};
  for (int i = 1; i < 5; i++) {
    IrTensor *p = in_t(g, n, i);
    int64_t ne = p ? ir_numel(p) : -1;
    if (c >= 0 && ne >= 0 && ne != c)
      return shape__fail(g, n, err, "%s has %lld elements, expected %lld channels", what[i],
                         (long long)ne, (long long)c);
  }
  set_out(g, n, 0, in_dtype(g, n, 0), &s);
  Dims cd = {1, {c}};
  for (int k = 1; k < g->nodes[n].n_outputs; k++) set_out(g, n, k, in_dtype(g, n, 0), &cd);
  return 0;
}

/* ---- convolution and pooling ---- */

/* Window parameters of a conv/pool over ns spatial axes. */
typedef struct {
  int ns;
  int64_t k[IR_MAX_DIMS], s[IR_MAX_DIMS], d[IR_MAX_DIMS], pb[IR_MAX_DIMS], pe[IR_MAX_DIMS];
  IrAutoPad pad;
  bool ceil;
} Window;

/* Checks the c values of attribute name (v: as decoded, 1 where not given) against ns spatial
 * axes and copies them to out, each at least 1. */
static int window_ints(IrGraph *g, int n, const char *name, int c, const int64_t *v, int ns,
                       int64_t *out, Err *err) {
  if (c && c != ns) return shape__fail(g, n, err, "%s has %d values, expected %d", name, c, ns);
  for (int i = 0; i < ns; i++) {
    out[i] = v[i];
    if (out[i] < 1)
      return shape__fail(g, n, err, "%s value %lld is invalid", name, (long long)out[i]);
  }
  return 0;
}

/* Reads kernel_shape (else kern, may hold -1), strides, dilations, pads, auto_pad, ceil_mode. */
static int window_read(IrGraph *g, int n, int ns, const int64_t *kern, Window *w, Err *err) {
  const IrWindowParams *p = ir_window_params(g, &g->nodes[n]);
  memset(w, 0, sizeof *w);
  w->ns = ns;
  if (p->has_kernel) {
    if (window_ints(g, n, "kernel_shape", p->n_kernel, p->kernel, ns, w->k, err) < 0) return -1;
  } else if (!kern) {
    return shape__fail(g, n, err, "kernel_shape is missing");
  } else {
    memcpy(w->k, kern, (size_t)ns * sizeof *kern);
  }
  if (window_ints(g, n, "strides", p->n_strides, p->strides, ns, w->s, err) < 0 ||
      window_ints(g, n, "dilations", p->n_dilations, p->dilations, ns, w->d, err) < 0)
    return -1;
  int c = p->n_pads;
  if (c && c != 2 * ns) return shape__fail(g, n, err, "pads has %d values, expected %d", c, 2 * ns);
  for (int i = 0; i < ns && c; i++) {
    w->pb[i] = p->pads[i];
    w->pe[i] = p->pads[ns + i];
    if (w->pb[i] < 0 || w->pe[i] < 0) return shape__fail(g, n, err, "pads must not be negative");
  }
  if (p->auto_pad == IR_AUTO_PAD_UNKNOWN)
    return shape__fail(g, n, err, "unknown auto_pad '%s'", p->auto_pad_name);
  w->pad = p->auto_pad;
  w->ceil = p->ceil_mode;
  return 0;
}

/* Output size on spatial axis i of a conv/pool window over an input of size in (-1 unknown). */
static int window_out(IrGraph *g, int n, const Window *w, int i, int64_t in, int64_t *out,
                      Err *err) {
  int64_t s = w->s[i];
  *out = -1;
  if (in < 0) return 0;
  if (w->pad == IR_AUTO_PAD_SAME_UPPER || w->pad == IR_AUTO_PAD_SAME_LOWER) {
    *out = in / s + (in % s != 0);
    return 0;
  }
  if (w->k[i] < 0) return 0;
  bool ovf = false;
  int64_t pb = w->pad == IR_AUTO_PAD_VALID ? 0 : w->pb[i],
          pe = w->pad == IR_AUTO_PAD_VALID ? 0 : w->pe[i];
  int64_t dk = ck_add(ck_mul(w->k[i] - 1, w->d[i], &ovf), 1, &ovf);
  int64_t total = ck_add(ck_add(in, pb, &ovf), pe, &ovf);
  if (ovf) return shape__fail(g, n, err, "window on spatial axis %d overflows", i);
  if (total < dk)
    return shape__fail(
        g, n, err, "kernel %lld (dilated %lld) is larger than padded input %lld on spatial axis %d",
        (long long)w->k[i], (long long)dk, (long long)total, i);
  int64_t o = (total - dk) / s + 1;
  if (w->ceil && (total - dk) % s) {
    o++;
    /* the last window must start inside the input or the left padding (PyTorch, ONNX >= 1.16) */
    if ((o - 1) * (double)s >= (double)in + (double)pb) o--;
  }
  *out = o;
  return 0;
}

static int shape_conv(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  Dims xs = in_dims(g, n, 0), ws = in_dims(g, n, 1);
  DType dt = in_dtype(g, n, 0) ? in_dtype(g, n, 0) : in_dtype(g, n, 1);
  int r = xs.rank >= 0 ? xs.rank : ws.rank;
  if (r < 0) {
    set_out(g, n, 0, dt, &UNKNOWN);
    return 0;
  }
  if (r < 3) return shape__fail(g, n, err, "input rank %d, expected at least 3", r);
  if (xs.rank >= 0 && ws.rank >= 0 && xs.rank != ws.rank)
    return shape__fail(g, n, err, "weight rank %d does not match input rank %d", ws.rank, xs.rank);
  int64_t group = ir_window_params(g, x)->group;
  if (group < 1) return shape__fail(g, n, err, "group %lld is invalid", (long long)group);
  int64_t c = xs.rank >= 0 ? xs.d[1] : -1, wc = ws.rank >= 0 ? ws.d[1] : -1,
          m = ws.rank >= 0 ? ws.d[0] : -1;
  bool ovf = false;
  if (c >= 0 && wc >= 0 && (ck_mul(wc, group, &ovf) != c || ovf))
    return shape__fail(g, n, err,
                       "input channels %lld do not match weight channels %lld x group %lld",
                       (long long)c, (long long)wc, (long long)group);
  if (m >= 0 && m % group)
    return shape__fail(g, n, err, "output channels %lld are not divisible by group %lld",
                       (long long)m, (long long)group);
  IrTensor *b = in_t(g, n, 2);
  if (b && b->rank >= 0 && m >= 0 && (b->rank != 1 || (b->dims[0] >= 0 && b->dims[0] != m))) {
    Dims bs = dims_of(b);
    return shape__fail(g, n, err, "bias shape %s does not match %lld output channels",
                       dims_str(g, &bs), (long long)m);
  }
  int64_t kern[IR_MAX_DIMS];
  for (int i = 0; i < r - 2; i++) kern[i] = ws.rank >= 0 ? ws.d[2 + i] : -1;
  Window w;
  if (window_read(g, n, r - 2, kern, &w, err) < 0) return -1;
  Dims o = {r, {xs.rank >= 0 ? xs.d[0] : -1, m}};
  for (int i = 0; i < r - 2; i++)
    if (window_out(g, n, &w, i, xs.rank >= 0 ? xs.d[2 + i] : -1, &o.d[2 + i], err) < 0) return -1;
  set_out(g, n, 0, dt, &o);
  return 0;
}

/* ConvTranspose spatial size on axis i: output_shape, SAME (in*stride) or the full formula. */
static int deconv_out(IrGraph *g, int n, const Window *w, int i, int64_t in, int64_t *out,
                      Err *err) {
  const IrWindowParams *p = ir_window_params(g, &g->nodes[n]);
  const int64_t *op = p->output_padding;
  int nos = p->n_output_shape;
  *out = -1;
  if (nos == w->ns || nos == w->ns + 2) {
    *out = p->output_shape[nos - w->ns + i];
    if (*out < 1)
      return shape__fail(g, n, err, "output_shape value %lld is invalid", (long long)*out);
    return 0;
  }
  int nop = p->n_output_padding;
  if (nop && nop != w->ns)
    return shape__fail(g, n, err, "output_padding has %d values, expected %d", nop, w->ns);
  if (in < 0 ||
      (w->k[i] < 0 && w->pad != IR_AUTO_PAD_SAME_UPPER && w->pad != IR_AUTO_PAD_SAME_LOWER))
    return 0;
  bool ovf = false;
  int64_t o;
  if (w->pad == IR_AUTO_PAD_SAME_UPPER || w->pad == IR_AUTO_PAD_SAME_LOWER) {
    o = ck_mul(in, w->s[i], &ovf);
  } else {
    int64_t dk = ck_add(ck_mul(w->k[i] - 1, w->d[i], &ovf), 1, &ovf);
    int64_t pads = w->pad == IR_AUTO_PAD_VALID ? 0 : ck_add(w->pb[i], w->pe[i], &ovf);
    o = ck_add(ck_add(ck_mul(w->s[i], in - 1, &ovf), op[i], &ovf), dk, &ovf) - pads;
  }
  if (ovf) return shape__fail(g, n, err, "output size on spatial axis %d overflows", i);
  if (o < 1)
    return shape__fail(g, n, err, "output size %lld on spatial axis %d is not positive",
                       (long long)o, i);
  *out = o;
  return 0;
}

static int shape_conv_transpose(IrGraph *g, int n, Err *err) {
  Dims xs = in_dims(g, n, 0), ws = in_dims(g, n, 1);
  DType dt = in_dtype(g, n, 0) ? in_dtype(g, n, 0) : in_dtype(g, n, 1);
  int r = xs.rank >= 0 ? xs.rank : ws.rank;
  if (r < 0) {
    set_out(g, n, 0, dt, &UNKNOWN);
    return 0;
  }
  if (r < 3) return shape__fail(g, n, err, "input rank %d, expected at least 3", r);
  if (xs.rank >= 0 && ws.rank >= 0 && xs.rank != ws.rank)
    return shape__fail(g, n, err, "weight rank %d does not match input rank %d", ws.rank, xs.rank);
  int64_t group = ir_window_params(g, &g->nodes[n])->group;
  if (group < 1) return shape__fail(g, n, err, "group %lld is invalid", (long long)group);
  int64_t c = xs.rank >= 0 ? xs.d[1] : -1, wc = ws.rank >= 0 ? ws.d[0] : -1;
  if (c >= 0 && wc >= 0 && c != wc)
    return shape__fail(g, n, err, "input channels %lld do not match weight channels %lld",
                       (long long)c, (long long)wc);
  bool ovf = false;
  int64_t m = ws.rank >= 0 && ws.d[1] >= 0 ? ck_mul(ws.d[1], group, &ovf) : -1;
  if (ovf) return shape__fail(g, n, err, "output channels overflow");
  int64_t kern[IR_MAX_DIMS];
  for (int i = 0; i < r - 2; i++) kern[i] = ws.rank >= 0 ? ws.d[2 + i] : -1;
  Window w;
  if (window_read(g, n, r - 2, kern, &w, err) < 0) return -1;
  Dims o = {r, {xs.rank >= 0 ? xs.d[0] : -1, m}};
  for (int i = 0; i < r - 2; i++)
    if (deconv_out(g, n, &w, i, xs.rank >= 0 ? xs.d[2 + i] : -1, &o.d[2 + i], err) < 0) return -1;
  set_out(g, n, 0, dt, &o);
  return 0;
}

static int shape_pool(IrGraph *g, int n, Err *err) {
  Dims xs = in_dims(g, n, 0);
  DType dt = in_dtype(g, n, 0);
  if (xs.rank < 0) {
    set_out(g, n, 0, dt, &UNKNOWN);
    set_out(g, n, 1, DT_I64, &UNKNOWN);
    return 0;
  }
  if (xs.rank < 3) return shape__fail(g, n, err, "input rank %d, expected at least 3", xs.rank);
  Window w;
  if (window_read(g, n, xs.rank - 2, NULL, &w, err) < 0) return -1;
  Dims o = {xs.rank, {xs.d[0], xs.d[1]}};
  for (int i = 0; i < xs.rank - 2; i++)
    if (window_out(g, n, &w, i, xs.d[2 + i], &o.d[2 + i], err) < 0) return -1;
  set_out(g, n, 0, dt, &o);
  set_out(g, n, 1, DT_I64, &o); /* MaxPool Indices */
  return 0;
}

static int shape_global_pool(IrGraph *g, int n, Err *err) {
  Dims xs = in_dims(g, n, 0);
  if (xs.rank >= 0 && xs.rank < 3)
    return shape__fail(g, n, err, "input rank %d, expected at least 3", xs.rank);
  for (int i = 2; i < xs.rank; i++) xs.d[i] = 1;
  set_out(g, n, 0, in_dtype(g, n, 0), &xs);
  return 0;
}

/* ---- linear algebra ---- */

static int shape_matmul(IrGraph *g, int n, Err *err) {
  Dims a = in_dims(g, n, 0), b = in_dims(g, n, 1);
  DType dt = in_dtype(g, n, 0);
  if (a.rank < 0 || b.rank < 0) {
    set_out(g, n, 0, dt, &UNKNOWN);
    return 0;
  }
  if (a.rank == 0 || b.rank == 0) return shape__fail(g, n, err, "scalar operands are not allowed");
  Dims a2 = a, b2 = b;
  if (a.rank == 1) a2 = (Dims){2, {1, a.d[0]}};
  if (b.rank == 1) b2 = (Dims){2, {b.d[0], 1}};
  int64_t ka = a2.d[a2.rank - 1], kb = b2.d[b2.rank - 2];
  if (ka >= 0 && kb >= 0 && ka != kb)
    return shape__fail(g, n, err, "cannot multiply %s by %s (inner dims %lld vs %lld)",
                       dims_str(g, &a), dims_str(g, &b), (long long)ka, (long long)kb);
  Dims ba = {a2.rank - 2, {0}}, bb = {b2.rank - 2, {0}}, o;
  memcpy(ba.d, a2.d, sizeof ba.d[0] * (size_t)ba.rank);
  memcpy(bb.d, b2.d, sizeof bb.d[0] * (size_t)bb.rank);
  if (bcast2(g, n, &o, &ba, &bb, err) < 0) return -1;
  if (a.rank != 1) o.d[o.rank++] = a2.d[a2.rank - 2];
  if (b.rank != 1) o.d[o.rank++] = b2.d[b2.rank - 1];
  set_out(g, n, 0, dt, &o);
  return 0;
}

static int shape_gemm(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  Dims a = in_dims(g, n, 0), b = in_dims(g, n, 1), c = in_dims(g, n, 2);
  DType dt = in_dtype(g, n, 0);
  if ((a.rank >= 0 && a.rank != 2) || (b.rank >= 0 && b.rank != 2))
    return shape__fail(g, n, err, "operands must be 2-D, got %s and %s", dims_str(g, &a),
                       dims_str(g, &b));
  const IrGemmParams *p = ir_gemm_params(g, x);
  bool ta = p->trans_a, tb = p->trans_b;
  int64_t m = a.rank == 2 ? a.d[ta ? 1 : 0] : -1, ka = a.rank == 2 ? a.d[ta ? 0 : 1] : -1;
  int64_t kb = b.rank == 2 ? b.d[tb ? 1 : 0] : -1, nn = b.rank == 2 ? b.d[tb ? 0 : 1] : -1;
  if (ka >= 0 && kb >= 0 && ka != kb)
    return shape__fail(g, n, err, "inner dims disagree (%lld vs %lld)", (long long)ka,
                       (long long)kb);
  Dims o = {2, {m, nn}};
  if (c.rank > 2) return shape__fail(g, n, err, "bias C has rank %d, expected at most 2", c.rank);
  for (int i = 0; i < c.rank; i++) {
    int64_t dc = c.d[i], dout = o.d[i + 2 - c.rank];
    if (dc >= 0 && dc != 1 && dout >= 0 && dc != dout)
      return shape__fail(g, n, err, "bias C %s does not broadcast to %s", dims_str(g, &c),
                         dims_str(g, &o));
  }
  set_out(g, n, 0, dt, &o);
  return 0;
}

/* ---- shape manipulation ---- */

/* Folds input 0 of node n into output 0 by copying elements: output element i reads input
 * element base + sum(idx[d] * st[d]). Returns 1 when folded, 0 when not eligible. */
static int fold_strided(IrGraph *g, int n, int64_t base, const int64_t *st) {
  if (!shape__can_fold(g, n) || g->nodes[n].outputs[0] < 0) return 0;
  const IrTensor *a = in_t(g, n, 0);
  IrTensor *o = shape__alloc_out(g, n, 0);
  size_t es = dtype_size(o->dtype);
  ShapeWalk w;
  shape__walk_init(&w, o->rank, o->dims);
  shape__walk_strided(&w, base, st);
  int64_t ne = ir_numel(o);
  for (int64_t i = 0; i < ne; i++, shape__walk_next(&w))
    memcpy((uint8_t *)o->data + (size_t)i * es, (const uint8_t *)a->data + (size_t)w.off[0] * es,
           es);
  return shape__folded(g, n);
}

static int shape_concat(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  int64_t axis = ir_axis_params(g, x)->axis; /* required: checked by the decoder */
  Dims o = UNKNOWN;
  DType dt = DT_UNDEF;
  int ax = -1;
  bool all_const = true;
  for (int i = 0; i < x->n_inputs; i++) {
    IrTensor *t = in_t(g, n, i);
    all_const = all_const && in_const(g, n, i);
    if (!t) continue;
    if (!dt) dt = t->dtype;
    if (t->rank < 0) continue;
    Dims s = dims_of(t);
    if (o.rank < 0) {
      ax = norm_axis(axis, s.rank);
      if (ax < 0)
        return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)axis,
                           s.rank);
      o = s;
      o.d[ax] = 0;
    } else if (s.rank != o.rank) {
      return shape__fail(g, n, err, "inputs disagree on rank (%d vs %d)", o.rank, s.rank);
    }
    for (int d = 0; d < o.rank; d++) {
      if (d == ax) continue;
      if (o.d[d] >= 0 && s.d[d] >= 0 && o.d[d] != s.d[d])
        return shape__fail(g, n, err, "inputs disagree on dim %d (%lld vs %lld)", d,
                           (long long)o.d[d], (long long)s.d[d]);
      if (o.d[d] < 0) o.d[d] = s.d[d];
    }
    bool ovf = false;
    o.d[ax] = (o.d[ax] < 0 || s.d[ax] < 0) ? -1 : ck_add(o.d[ax], s.d[ax], &ovf);
    if (ovf) return shape__fail(g, n, err, "concatenated dim %d overflows", ax);
  }
  for (int i = 0; i < x->n_inputs; i++)
    if (has_in(g, n, i) && in_t(g, n, i)->rank < 0 && o.rank >= 0) o.d[ax] = -1;
  set_out(g, n, 0, dt, &o);
  if (!all_const || o.rank < 0 || !shape__can_fold(g, n) || x->outputs[0] < 0) return 0;
  for (int i = 0; i < x->n_inputs; i++)
    if (has_in(g, n, i) && in_t(g, n, i)->dtype != dt) return 0;
  size_t es = dtype_size(dt), inner = es, pos = 0;
  int64_t outer = 1;
  for (int d = 0; d < ax; d++) outer *= o.d[d];
  for (int d = ax + 1; d < o.rank; d++) inner *= (size_t)o.d[d];
  int first = 0; /* one block: input 0's bytes may already be in place (grown, not copied) */
  size_t pos0 = has_in(g, n, 0) ? inner * (size_t)in_t(g, n, 0)->dims[ax] : 0;
  IrTensor *out = outer == 1 ? shape__adopt_input(g, n, 0) : NULL;
  if (out)
    first = 1, pos = pos0;
  else
    out = shape__alloc_out(g, n, 0);
  for (int64_t k = 0; k < outer; k++)
    for (int i = first; i < x->n_inputs; i++) {
      const IrTensor *t = in_t(g, n, i);
      if (!t) continue;
      size_t blk = inner * (size_t)t->dims[ax];
      memcpy((uint8_t *)out->data + pos, (const uint8_t *)t->data + (size_t)k * blk, blk);
      pos += blk;
    }
  return shape__folded(g, n);
}

/* Reshape target from a constant shape input: resolves 0 (copy, unless allowzero) and -1. */
static int reshape_target(IrGraph *g, int n, const Dims *in, const int64_t *sh, int cnt, Dims *o,
                          Err *err) {
  bool allowzero = ir_reshape_params(g, &g->nodes[n])->allowzero;
  int neg = -1;
  int64_t known = 1;
  bool ovf = false, unknown = false;
  o->rank = cnt;
  for (int i = 0; i < cnt; i++) {
    int64_t v = sh[i];
    if (v == 0 && !allowzero) {
      if (in->rank >= 0 && i >= in->rank)
        return shape__fail(g, n, err, "shape value 0 at index %d has no input dim to copy", i);
      v = in->rank >= 0 ? in->d[i] : -1;
      if (v < 0) unknown = true;
    } else if (v == -1) {
      if (neg >= 0) return shape__fail(g, n, err, "more than one -1 in shape");
      neg = i;
    } else if (v < -1) {
      return shape__fail(g, n, err, "invalid shape value %lld", (long long)v);
    }
    o->d[i] = v;
    if (i != neg && v >= 0) known = ck_mul(known, v, &ovf);
  }
  if (ovf) return shape__fail(g, n, err, "target shape overflows");
  int64_t total = dims_numel(in);
  if (total < 0 || unknown) return 0;
  if (neg >= 0) {
    if (known == 0 || total % known) goto bad;
    o->d[neg] = total / known;
  } else if (known != total) {
    goto bad;
  }
  return 0;
bad:;
  Dims req = {cnt, {0}};
  memcpy(req.d, sh, sizeof sh[0] * (size_t)cnt);
  char tgt[256];
  size_t k = 0;
  for (int i = 0; i < cnt && k < sizeof tgt - 24; i++)
    k += (size_t)snprintf(tgt + k, sizeof tgt - k, "%s%lld", i ? "x" : "", (long long)req.d[i]);
  tgt[k] = 0;
  return shape__fail(g, n, err, "cannot reshape %s (%lld elements) to %s", dims_str(g, in),
                     (long long)total, cnt ? tgt : "scalar");
}

static int shape_reshape(IrGraph *g, int n, Err *err) {
  Dims in = in_dims(g, n, 0), o = UNKNOWN;
  DType dt = in_dtype(g, n, 0);
  int64_t sh[MAX_INTS];
  if (in_const(g, n, 1)) {
    int cnt = const_ints(in_t(g, n, 1), sh, MAX_INTS);
    if (cnt < 0 || cnt > IR_MAX_DIMS)
      return shape__fail(g, n, err, "target rank %lld is over the limit of %d",
                         (long long)ir_numel(in_t(g, n, 1)), IR_MAX_DIMS);
    if (reshape_target(g, n, &in, sh, cnt, &o, err) < 0) return -1;
  } else {
    Dims ss = in_dims(g, n, 1);
    if (ss.rank == 1 && ss.d[0] > IR_MAX_DIMS)
      return shape__fail(g, n, err, "target rank %lld is over the limit of %d", (long long)ss.d[0],
                         IR_MAX_DIMS);
    if (ss.rank == 1 && ss.d[0] >= 0) {
      o.rank = (int)ss.d[0];
      for (int i = 0; i < o.rank; i++) o.d[i] = -1;
    }
  }
  set_out(g, n, 0, dt, &o);
  return 0;
}

static int shape_flatten(IrGraph *g, int n, Err *err) {
  Dims in = in_dims(g, n, 0), o = {2, {-1, -1}};
  int64_t axis = ir_axis_params(g, &g->nodes[n])->axis;
  if (in.rank >= 0) {
    if (axis < -in.rank || axis > in.rank)
      return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)axis,
                         in.rank);
    int ax = (int)(axis < 0 ? axis + in.rank : axis);
    Dims lo = {ax, {0}}, hi = {in.rank - ax, {0}};
    memcpy(lo.d, in.d, sizeof in.d[0] * (size_t)ax);
    memcpy(hi.d, in.d + ax, sizeof in.d[0] * (size_t)(in.rank - ax));
    o.d[0] = dims_numel(&lo);
    o.d[1] = dims_numel(&hi);
  }
  set_out(g, n, 0, in_dtype(g, n, 0), &o);
  return 0;
}

static int shape_transpose(IrGraph *g, int n, Err *err) {
  Dims in = in_dims(g, n, 0), o = UNKNOWN;
  int64_t perm[MAX_INTS];
  int c = ir_ints_copy(ir_transpose_params(g, &g->nodes[n])->perm, perm, MAX_INTS);
  if (in.rank < 0 && c > 0 && c <= IR_MAX_DIMS) {
    o.rank = c;
    for (int i = 0; i < c; i++) o.d[i] = -1;
  }
  if (in.rank >= 0) {
    if (c == 0)
      for (int i = 0; i < in.rank; i++) perm[i] = in.rank - 1 - i;
    else if (c != in.rank)
      return shape__fail(g, n, err, "perm has %d values, expected %d", c, in.rank);
    bool seen[IR_MAX_DIMS] = {false};
    o.rank = in.rank;
    for (int i = 0; i < in.rank; i++) {
      if (perm[i] < 0 || perm[i] >= in.rank || seen[perm[i]])
        return shape__fail(g, n, err, "perm is not a permutation of %d axes", in.rank);
      seen[perm[i]] = true;
      o.d[i] = in.d[perm[i]];
    }
  }
  set_out(g, n, 0, in_dtype(g, n, 0), &o);
  if (o.rank < 0 || !in_const(g, n, 0)) return 0;
  int64_t st[IR_MAX_DIMS], pst[IR_MAX_DIMS];
  shape__strides(in_t(g, n, 0), st);
  for (int i = 0; i < o.rank; i++) pst[i] = st[perm[i]];
  fold_strided(g, n, 0, pst);
  return 0;
}

/* Normalises and checks a list of axes against rank r (duplicates are errors). */
static int norm_axes(IrGraph *g, int n, int64_t *axes, int c, int r, Err *err) {
  bool seen[IR_MAX_DIMS] = {false};
  for (int i = 0; i < c; i++) {
    int a = norm_axis(axes[i], r);
    if (a < 0)
      return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)axes[i], r);
    if (seen[a]) return shape__fail(g, n, err, "axis %d is repeated", a);
    seen[a] = true;
    axes[i] = a;
  }
  return 0;
}

static int shape_squeeze(IrGraph *g, int n, Err *err) {
  Dims in = in_dims(g, n, 0), o = UNKNOWN;
  int64_t axes[MAX_INTS];
  int c = ints_arg(g, n, 1, "axes", ir_axes_params(g, &g->nodes[n])->axes, axes, err);
  if (c == -2) return -1;
  if (in.rank >= 0 && c >= 0) {
    bool drop[IR_MAX_DIMS] = {false};
    if (norm_axes(g, n, axes, c, in.rank, err) < 0) return -1;
    for (int i = 0; i < c; i++) {
      if (in.d[axes[i]] >= 0 && in.d[axes[i]] != 1)
        return shape__fail(g, n, err, "cannot squeeze axis %lld of size %lld", (long long)axes[i],
                           (long long)in.d[axes[i]]);
      drop[axes[i]] = true;
    }
    bool ok = true;
    for (int i = 0; i < in.rank && c == 0; i++) {
      if (in.d[i] < 0) ok = false;
      drop[i] = in.d[i] == 1;
    }
    o.rank = 0;
    for (int i = 0; i < in.rank && ok; i++)
      if (!drop[i]) o.d[o.rank++] = in.d[i];
    if (!ok) o = UNKNOWN;
  }
  set_out(g, n, 0, in_dtype(g, n, 0), &o);
  return 0;
}

static int shape_unsqueeze(IrGraph *g, int n, Err *err) {
  Dims in = in_dims(g, n, 0), o = UNKNOWN;
  int64_t axes[MAX_INTS];
  int c = ints_arg(g, n, 1, "axes", ir_axes_params(g, &g->nodes[n])->axes, axes, err);
  if (c == -2) return -1;
  if (in.rank >= 0 && c >= 0) {
    int r = in.rank + c;
    if (r > IR_MAX_DIMS)
      return shape__fail(g, n, err, "output rank %d is over the limit of %d", r, IR_MAX_DIMS);
    if (norm_axes(g, n, axes, c, r, err) < 0) return -1;
    bool ins[IR_MAX_DIMS] = {false};
    for (int i = 0; i < c; i++) ins[axes[i]] = true;
    o.rank = r;
    for (int i = 0, k = 0; i < r; i++) o.d[i] = ins[i] ? 1 : in.d[k++];
  }
  set_out(g, n, 0, in_dtype(g, n, 0), &o);
  return 0;
}

static int shape_pad(IrGraph *g, int n, Err *err) {
  Dims in = in_dims(g, n, 0), o = in;
  int64_t pads[MAX_INTS], axes[MAX_INTS];
  int c = ints_arg(g, n, 1, "pads", ir_pad_params(g, &g->nodes[n])->pads, pads, err);
  int na = has_in(g, n, 3) ? ints_arg(g, n, 3, NULL, IR_NO_INTS, axes, err) : 0;
  if (c == -2 || na == -2) return -1;
  for (int i = 0; i < o.rank; i++) o.d[i] = -1;
  if (in.rank >= 0 && c >= 0 && na >= 0) {
    if (na == 0) {
      na = in.rank;
      for (int i = 0; i < na; i++) axes[i] = i;
    } else if (norm_axes(g, n, axes, na, in.rank, err) < 0) {
      return -1;
    }
    if (c != 2 * na) return shape__fail(g, n, err, "pads has %d values, expected %d", c, 2 * na);
    o = in;
    for (int i = 0; i < na; i++) {
      int a = (int)axes[i];
      if (in.d[a] < 0) continue;
      bool ovf = false;
      o.d[a] = ck_add(ck_add(in.d[a], pads[i], &ovf), pads[na + i], &ovf);
      if (ovf || o.d[a] < 0)
        return shape__fail(g, n, err,
                           "padding axis %d of size %lld by %lld,%lld gives a negative size", a,
                           (long long)in.d[a], (long long)pads[i], (long long)pads[na + i]);
    }
  }
  set_out(g, n, 0, in_dtype(g, n, 0), &o);
  return 0;
}

/* ---- Resize / Upsample ---- */

/* Scales (f64) from a constant input or the Upsample-7 attribute; count, 0 absent, -1 unknown. */
static int resize_scales(IrGraph *g, int n, int idx, double *out) {
  if (!has_in(g, n, idx)) {
    const IrResizeParams *p = ir_resize_params(g, &g->nodes[n]);
    if (!p->scales || p->n_scales > MAX_INTS) return 0;
    for (int i = 0; i < p->n_scales; i++) out[i] = p->scales[i];
    return p->n_scales;
  }
  if (!in_const(g, n, idx)) return -1;
  const IrTensor *t = in_t(g, n, idx);
  int64_t ne = ir_numel(t);
  if (ne < 0 || ne > MAX_INTS) return -1;
  for (int64_t i = 0; i < ne; i++) out[i] = ir_const_f64(t, i);
  return (int)ne;
}

/* Applies keep_aspect_ratio_policy (opset 18) to sizes on the listed axes. */
static void resize_keep_aspect(const IrResizeParams *p, const Dims *in, const int64_t *axes, int na,
                               int64_t *sizes) {
  bool larger = p->keep_aspect == IR_ASPECT_NOT_LARGER,
       smaller = p->keep_aspect == IR_ASPECT_NOT_SMALLER;
  if (!larger && !smaller) return;
  double sc = larger ? INFINITY : 0;
  for (int i = 0; i < na; i++) {
    if (in->d[axes[i]] <= 0) return;
    double r = (double)sizes[i] / (double)in->d[axes[i]];
    sc = larger ? fmin(sc, r) : fmax(sc, r);
  }
  for (int i = 0; i < na; i++) sizes[i] = (int64_t)floor(sc * (double)in->d[axes[i]] + 0.5);
}

static int shape_resize(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  Dims in = in_dims(g, n, 0), o = in;
  DType dt = in_dtype(g, n, 0);
  double sc[MAX_INTS];
  int64_t sizes[MAX_INTS], axes[MAX_INTS];
  int scale_idx = x->n_inputs <= 2 ? 1 : 2;
  int ns = resize_scales(g, n, scale_idx, sc), nz = 0;
  if (ns == 0 && has_in(g, n, 3)) {
    nz = ints_arg(g, n, 3, NULL, IR_NO_INTS, sizes, err);
    if (nz == -2) return -1;
  }
  for (int i = 0; i < o.rank; i++) o.d[i] = -1;
  if (in.rank < 0 || ns < 0 || nz < 0 || (ns == 0 && nz == 0)) {
    set_out(g, n, 0, dt, &o); /* rank kept, sizes unknown */
    return 0;
  }
  const IrResizeParams *p = ir_resize_params(g, x);
  int na = ir_ints_copy(p->axes, axes, MAX_INTS);
  if (na == 0) {
    na = in.rank;
    for (int i = 0; i < na; i++) axes[i] = i;
  } else if (na > in.rank || norm_axes(g, n, axes, na, in.rank, err) < 0) {
    return na > in.rank ? shape__fail(g, n, err, "axes has %d values for rank %d", na, in.rank)
                        : -1;
  }
  int cnt = ns ? ns : nz;
  if (cnt != na)
    return shape__fail(g, n, err, "%s has %d values, expected %d", ns ? "scales" : "sizes", cnt,
                       na);
  o = in;
  if (nz) resize_keep_aspect(p, &in, axes, na, sizes);
  for (int i = 0; i < na; i++) {
    int a = (int)axes[i];
    if (nz) {
      if (sizes[i] < 0)
        return shape__fail(g, n, err, "sizes value %lld is negative", (long long)sizes[i]);
      o.d[a] = sizes[i];
      continue;
    }
    if (!(sc[i] > 0) || !isfinite(sc[i]))
      return shape__fail(g, n, err, "scale %g on axis %d is invalid", sc[i], a);
    if (in.d[a] < 0) continue;
    double v = floor((double)in.d[a] * sc[i]);
    if (v > 4e18)
      return shape__fail(g, n, err, "scale %g on axis %d gives a size that overflows", sc[i], a);
    o.d[a] = (int64_t)v;
  }
  set_out(g, n, 0, dt, &o);
  return 0;
}

/* ---- Slice / Split ---- */

/* Clamped start and output length of one Slice axis of size dim (ONNX rules). */
static void slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *s0,
                       int64_t *len) {
  if (start < 0) start = start < -dim ? 0 : start + dim;
  if (end < 0) end = end < -dim ? -1 : end + dim;
  if (step > 0) {
    if (start > dim) start = dim;
    if (end > dim) end = dim;
    if (end < 0) end = 0;
    *len = end > start ? (end - start + step - 1) / step : 0;
  } else {
    if (start > dim - 1) start = dim - 1;
    if (end > dim - 1) end = dim - 1;
    if (end < -1) end = -1;
    /* (start - end) can be up to dim + 1; -step is at least 1 */
    *len = start > end ? (start - end - 1) / (step == INT64_MIN ? INT64_MAX : -step) + 1 : 0;
  }
  *s0 = start;
}

/* Slice parameters: inputs 1..4 (opset >= 10) or attributes starts/ends/axes (older). */
static int slice_args(IrGraph *g, int n, int64_t *st, int64_t *en, int64_t *ax, int64_t *sp,
                      int cnt[4], Err *err) {
  const IrSliceParams *p = ir_slice_params(g, &g->nodes[n]);
  bool attrs = g->nodes[n].n_inputs == 1;
  cnt[0] = attrs ? ints_arg(g, n, 99, "starts", p->starts, st, err)
                 : ints_arg(g, n, 1, NULL, IR_NO_INTS, st, err);
  cnt[1] = attrs ? ints_arg(g, n, 99, "ends", p->ends, en, err)
                 : ints_arg(g, n, 2, NULL, IR_NO_INTS, en, err);
  cnt[2] = attrs ? ints_arg(g, n, 99, "axes", p->axes, ax, err)
                 : ints_arg(g, n, 3, NULL, IR_NO_INTS, ax, err);
  cnt[3] = attrs ? 0 : ints_arg(g, n, 4, NULL, IR_NO_INTS, sp, err);
  for (int i = 0; i < 4; i++)
    if (cnt[i] == -2) return -1;
  return 0;
}

static int shape_slice(IrGraph *g, int n, Err *err) {
  Dims in = in_dims(g, n, 0), o = in;
  DType dt = in_dtype(g, n, 0);
  int64_t st[MAX_INTS], en[MAX_INTS], ax[MAX_INTS], sp[MAX_INTS];
  int cnt[4];
  if (slice_args(g, n, st, en, ax, sp, cnt, err) < 0) return -1;
  if (in.rank < 0 || cnt[0] < 0 || cnt[1] < 0 || cnt[2] < 0 || cnt[3] < 0) {
    for (int i = 0; i < o.rank; i++) o.d[i] = -1;
    set_out(g, n, 0, dt, &o);
    return 0;
  }
  int k = cnt[0];
  if (cnt[1] != k || (cnt[2] && cnt[2] != k) || (cnt[3] && cnt[3] != k))
    return shape__fail(g, n, err, "starts, ends, axes and steps have different lengths");
  if (!cnt[2])
    for (int i = 0; i < k; i++) ax[i] = i;
  if (k > in.rank) return shape__fail(g, n, err, "%d axes sliced on rank %d", k, in.rank);
  if (norm_axes(g, n, ax, k, in.rank, err) < 0) return -1;
  int64_t start[IR_MAX_DIMS] = {0}, step[IR_MAX_DIMS] = {1, 1, 1, 1, 1, 1, 1, 1};
  for (int i = 0; i < k; i++) {
    int a = (int)ax[i];
    step[a] = cnt[3] ? sp[i] : 1;
    if (step[a] == 0) return shape__fail(g, n, err, "step on axis %d is 0", a);
    if (in.d[a] < 0) {
      o.d[a] = -1;
      continue;
    }
    slice_axis(in.d[a], st[i], en[i], step[a], &start[a], &o.d[a]);
  }
  set_out(g, n, 0, dt, &o);
  if (!in_const(g, n, 0) || !dims_known(&o)) return 0;
  for (int i = 1; i < g->nodes[n].n_inputs; i++)
    if (has_in(g, n, i) && !in_const(g, n, i)) return 0;
  int64_t s[IR_MAX_DIMS], base = 0;
  shape__strides(in_t(g, n, 0), s);
  for (int d = 0; d < in.rank; d++) {
    base += start[d] * s[d];
    s[d] *= step[d];
  }
  fold_strided(g, n, base, s);
  return 0;
}

/* Split sizes along an axis of size dim into nout parts; count of split values or -1 unknown. */
static int split_sizes(IrGraph *g, int n, int64_t dim, int nout, int64_t *sz, Err *err) {
  const IrSplitParams *p = ir_split_params(g, &g->nodes[n]);
  int c = ints_arg(g, n, 1, "split", p->split, sz, err);
  if (c == -2 || c == -1) return c == -2 ? -2 : -1;
  if (c) {
    if (c != nout) return shape__fail(g, n, err, "split has %d values for %d outputs", c, nout), -2;
    int64_t sum = 0;
    bool ovf = false;
    for (int i = 0; i < c; i++) {
      if (sz[i] < 0)
        return shape__fail(g, n, err, "split value %lld is negative", (long long)sz[i]), -2;
      sum = ck_add(sum, sz[i], &ovf);
    }
    if (dim >= 0 && (ovf || sum != dim))
      return shape__fail(g, n, err, "split sizes sum to %lld, not the dim %lld", (long long)sum,
                         (long long)dim),
             -2;
    return c;
  }
  if (dim < 0) return -1;
  if (p->has_num_outputs) {
    int64_t chunk = dim / nout + (dim % nout != 0);
    for (int i = 0; i < nout; i++) {
      int64_t left = dim - chunk * i;
      sz[i] = left < 0 ? 0 : left < chunk ? left : chunk;
    }
    return nout;
  }
  if (dim % nout)
    return shape__fail(g, n, err, "dim %lld cannot be split into %d equal parts", (long long)dim,
                       nout),
           -2;
  for (int i = 0; i < nout; i++) sz[i] = dim / nout;
  return nout;
}

static int shape_split(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  Dims in = in_dims(g, n, 0);
  DType dt = in_dtype(g, n, 0);
  int nout = x->n_outputs;
  if (nout < 1) return 0;
  if (in.rank < 0) {
    for (int k = 0; k < nout; k++) set_out(g, n, k, dt, &UNKNOWN);
    return 0;
  }
  int64_t axis = ir_split_params(g, x)->axis;
  int ax = norm_axis(axis, in.rank);
  if (ax < 0)
    return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)axis,
                       in.rank);
  int64_t sz[MAX_INTS];
  int c = split_sizes(g, n, in.d[ax], nout, sz, err);
  if (c == -2) return -1;
  for (int k = 0; k < nout; k++) {
    Dims o = in;
    o.d[ax] = c > 0 ? sz[k] : -1;
    set_out(g, n, k, dt, &o);
  }
  bool fold = in_const(g, n, 0) && (!has_in(g, n, 1) || in_const(g, n, 1)) && c > 0 &&
              shape__can_fold(g, n);
  if (!fold) return 0;
  const IrTensor *src = in_t(g, n, 0);
  int64_t s[IR_MAX_DIMS], off = 0;
  size_t es = dtype_size(dt);
  shape__strides(src, s);
  for (int k = 0; k < nout; k++, off += sz[k - 1]) {
    if (x->outputs[k] < 0) continue;
    IrTensor *out = shape__alloc_out(g, n, k);
    ShapeWalk w;
    shape__walk_init(&w, out->rank, out->dims);
    shape__walk_strided(&w, off * s[ax], s);
    int64_t ne = ir_numel(out);
    for (int64_t i = 0; i < ne; i++, shape__walk_next(&w))
      memcpy((uint8_t *)out->data + (size_t)i * es,
             (const uint8_t *)src->data + (size_t)w.off[0] * es, es);
  }
  return shape__folded(g, n), 0;
}

/* ---- reductions ---- */

static int shape_reduce(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  Dims in = in_dims(g, n, 0), o = UNKNOWN;
  DType dt = in_dtype(g, n, 0);
  int64_t axes[MAX_INTS];
  const IrAxesParams *p = ir_axes_params(g, x);
  int c = ints_arg(g, n, 1, "axes", p->axes, axes, err);
  if (c == -2) return -1;
  bool keep = p->keepdims;
  if (in.rank >= 0 && c < 0 && keep) {
    o = in;
    for (int i = 0; i < o.rank; i++) o.d[i] = -1;
  }
  if (in.rank >= 0 && c >= 0) {
    if (norm_axes(g, n, axes, c, in.rank, err) < 0) return -1;
    bool red[IR_MAX_DIMS] = {false};
    bool noop = c == 0 && p->noop_with_empty_axes;
    for (int i = 0; i < in.rank; i++) red[i] = c == 0 && !noop;
    for (int i = 0; i < c; i++) red[axes[i]] = true;
    o.rank = 0;
    for (int i = 0; i < in.rank; i++) {
      if (!red[i])
        o.d[o.rank++] = in.d[i];
      else if (keep)
        o.d[o.rank++] = 1;
    }
  }
  set_out(g, n, 0, dt, &o);
  return 0;
}

static int shape_argreduce(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  Dims in = in_dims(g, n, 0), o = UNKNOWN;
  const IrArgMaxParams *p = ir_argmax_params(g, x);
  int64_t axis = p->axis;
  bool keep = p->keepdims;
  if (in.rank >= 0) {
    int ax = norm_axis(axis, in.rank);
    if (ax < 0)
      return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)axis,
                         in.rank);
    o.rank = 0;
    for (int i = 0; i < in.rank; i++) {
      if (i != ax)
        o.d[o.rank++] = in.d[i];
      else if (keep)
        o.d[o.rank++] = 1;
    }
  }
  set_out(g, n, 0, DT_I64, &o);
  return 0;
}

static int shape_topk(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  Dims in = in_dims(g, n, 0), o = in;
  int64_t kv[MAX_INTS];
  const IrTopKParams *p = ir_topk_params(g, x);
  int c = ints_arg(g, n, 1, NULL, IR_NO_INTS, kv, err);
  if (c == -2) return -1;
  if (c == 0 && p->has_k) { /* TopK-1 */
    kv[0] = p->k;
    c = 1;
  }
  if (in.rank >= 0) {
    int64_t axis = p->axis;
    int ax = norm_axis(axis, in.rank);
    if (ax < 0)
      return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)axis,
                         in.rank);
    if (c > 1 || c == 0) return shape__fail(g, n, err, "k must be a single value");
    if (c == 1 && (kv[0] < 0 || (in.d[ax] >= 0 && kv[0] > in.d[ax])))
      return shape__fail(g, n, err, "k %lld is out of range for axis %d of size %lld",
                         (long long)kv[0], ax, (long long)in.d[ax]);
    o.d[ax] = c == 1 ? kv[0] : -1;
  }
  set_out(g, n, 0, in_dtype(g, n, 0), &o);
  set_out(g, n, 1, DT_I64, &o);
  return 0;
}

/* ---- dtype / constants ---- */

/* The target type was checked by the decoder (a missing or unknown 'to' is refused there). */
static int shape_cast(IrGraph *g, int n, Err *err) {
  (void)err;
  Dims s = in_dims(g, n, 0);
  set_out(g, n, 0, ir_cast_params(g, &g->nodes[n])->to, &s);
  return 0;
}

/* Constant: the value attribute (a tensor) or value_float(s)/value_int(s). */
static int shape_constant(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  int o = x->n_outputs > 0 ? x->outputs[0] : -1;
  if (o < 0) return 0;
  if (g->tensors[o].data) return shape__folded(g, n), 0;
  const IrConstantParams *p = ir_constant_params(g, x);
  int64_t len = p->n;
  switch (p->kind) {
  case IR_CONST_TENSOR: {
    const IrTensor *t = &g->tensors[p->tensor];
    if (check_tensor(g, n, t, err) < 0) return -1;
    ir_set_const(g, o, t->dtype, t->rank, t->dims, t->data);
    return shape__folded(g, n), 0;
  }
  case IR_CONST_FLOAT: ir_set_const(g, o, DT_F32, 0, NULL, &p->f); return shape__folded(g, n), 0;
  case IR_CONST_INT: ir_set_const(g, o, DT_I64, 0, NULL, &p->i); return shape__folded(g, n), 0;
  case IR_CONST_FLOATS:
    ir_set_const(g, o, DT_F32, 1, &len, p->floats);
    return shape__folded(g, n), 0;
  case IR_CONST_INTS: ir_set_const(g, o, DT_I64, 1, &len, p->ints); return shape__folded(g, n), 0;
  case IR_CONST_STRING: g->tensors[o].dtype = DT_STRING; return 0;
  case IR_CONST_NONE: break;
  }
  return shape__fail(g, n, err, "no value attribute");
}

/* Fills dst (ne elements of es bytes) with the element at val by doubling copies. */
static void fill_elems(uint8_t *dst, int64_t ne, const uint8_t *val, size_t es) {
  bool zero = true;
  for (size_t i = 0; i < es; i++) zero = zero && val[i] == 0;
  if (zero || ne <= 0) return; /* arena memory is already zeroed */
  size_t total = (size_t)ne * es, done = es;
  memcpy(dst, val, es);
  while (done < total) {
    size_t k = done < total - done ? done : total - done;
    memcpy(dst + done, dst, k);
    done += k;
  }
}

static int shape_constant_of_shape(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  DType dt = DT_F32;
  uint8_t val[8] = {0};
  int vt = ir_constant_of_shape_params(g, x)->value; /* one element: checked by the decoder */
  if (vt >= 0) {
    const IrTensor *t = &g->tensors[vt];
    dt = t->dtype;
    memcpy(val, t->data, dtype_size(dt));
  }
  Dims o = UNKNOWN, ss = in_dims(g, n, 0);
  int64_t sh[MAX_INTS];
  if (in_const(g, n, 0)) {
    int c = const_ints(in_t(g, n, 0), sh, MAX_INTS);
    if (c < 0 || c > IR_MAX_DIMS)
      return shape__fail(g, n, err, "output rank %lld is over the limit of %d",
                         (long long)ir_numel(in_t(g, n, 0)), IR_MAX_DIMS);
    o.rank = c;
    for (int i = 0; i < c; i++) {
      if (sh[i] < 0)
        return shape__fail(g, n, err, "shape value %lld is negative", (long long)sh[i]);
      o.d[i] = sh[i];
    }
    if (dims_numel(&o) < 0 || dims_numel(&o) > INT64_MAX / 16)
      return shape__fail(g, n, err, "shape %s has too many elements", dims_str(g, &o));
  } else if (ss.rank == 1 && ss.d[0] >= 0) {
    if (ss.d[0] > IR_MAX_DIMS)
      return shape__fail(g, n, err, "output rank %lld is over the limit of %d", (long long)ss.d[0],
                         IR_MAX_DIMS);
    o.rank = (int)ss.d[0];
    for (int i = 0; i < o.rank; i++) o.d[i] = -1;
  }
  set_out(g, n, 0, dt, &o);
  if (!in_const(g, n, 0) || !shape__can_fold(g, n) || x->outputs[0] < 0) return 0;
  IrTensor *t = shape__alloc_out(g, n, 0);
  fill_elems(t->data, ir_numel(t), val, dtype_size(dt));
  return shape__folded(g, n), 0;
}

static int shape_shape(IrGraph *g, int n, Err *err) {
  (void)err;
  const IrNode *x = &g->nodes[n];
  Dims in = in_dims(g, n, 0);
  if (in.rank < 0) {
    Dims o = {1, {-1}};
    set_out(g, n, 0, DT_I64, &o);
    return 0;
  }
  const IrShapeParams *p = ir_shape_params(g, x);
  int64_t r = in.rank, s = p->start, e = p->end;
  s = s < 0 ? (s < -r ? 0 : s + r) : (s > r ? r : s);
  e = e < 0 ? (e < -r ? 0 : e + r) : (e > r ? r : e);
  Dims o = {1, {e > s ? e - s : 0}};
  set_out(g, n, 0, DT_I64, &o);
  for (int64_t i = s; i < e; i++)
    if (in.d[i] < 0) return 0;
  if (x->outputs[0] < 0) return 0;
  ir_set_const(g, x->outputs[0], DT_I64, 1, o.d, in.d + s);
  return shape__folded(g, n), 0;
}

static int shape_gather(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  Dims d = in_dims(g, n, 0), id = in_dims(g, n, 1), o = UNKNOWN;
  DType dt = in_dtype(g, n, 0);
  int64_t axis = ir_axis_params(g, x)->axis;
  int ax = -1;
  if (d.rank >= 0) {
    ax = norm_axis(axis, d.rank);
    if (ax < 0)
      return shape__fail(g, n, err, "axis %lld is out of range for rank %d", (long long)axis,
                         d.rank);
  }
  if (d.rank >= 0 && id.rank >= 0) {
    int r = d.rank - 1 + id.rank;
    if (r > IR_MAX_DIMS)
      return shape__fail(g, n, err, "output rank %d is over the limit of %d", r, IR_MAX_DIMS);
    o.rank = 0;
    for (int i = 0; i < ax; i++) o.d[o.rank++] = d.d[i];
    for (int i = 0; i < id.rank; i++) o.d[o.rank++] = id.d[i];
    for (int i = ax + 1; i < d.rank; i++) o.d[o.rank++] = d.d[i];
  }
  const IrTensor *it = in_t(g, n, 1);
  int64_t ni = in_const(g, n, 1) ? ir_numel(it) : -1;
  if (ni >= 0 && ax >= 0 && d.d[ax] >= 0)
    for (int64_t i = 0; i < ni; i++) {
      int64_t v = ir_const_i64(it, i);
      if (v < -d.d[ax] || v >= d.d[ax])
        return shape__fail(g, n, err, "index %lld is out of range for axis %d of size %lld",
                           (long long)v, ax, (long long)d.d[ax]);
    }
  set_out(g, n, 0, dt, &o);
  if (!in_const(g, n, 0) || ni < 0 || o.rank < 0 || !shape__can_fold(g, n) || x->outputs[0] < 0)
    return 0;
  const IrTensor *dt_t = in_t(g, n, 0);
  IrTensor *out = shape__alloc_out(g, n, 0);
  size_t es = dtype_size(dt), inner = es;
  int64_t outer = 1;
  for (int i = 0; i < ax; i++) outer *= d.d[i];
  for (int i = ax + 1; i < d.rank; i++) inner *= (size_t)d.d[i];
  uint8_t *dst = out->data;
  for (int64_t k = 0; k < outer; k++)
    for (int64_t i = 0; i < ni; i++) {
      int64_t v = ir_const_i64(it, i);
      if (v < 0) v += d.d[ax];
      memcpy(dst, (const uint8_t *)dt_t->data + ((size_t)k * (size_t)d.d[ax] + (size_t)v) * inner,
             inner);
      dst += inner;
    }
  return shape__folded(g, n), 0;
}

static int shape_expand(IrGraph *g, int n, Err *err) {
  Dims in = in_dims(g, n, 0), o = UNKNOWN;
  DType dt = in_dtype(g, n, 0);
  int64_t sh[MAX_INTS];
  if (in_const(g, n, 1)) {
    int c = const_ints(in_t(g, n, 1), sh, MAX_INTS);
    if (c < 0 || c > IR_MAX_DIMS)
      return shape__fail(g, n, err, "target rank is over the limit of %d", IR_MAX_DIMS);
    Dims s = {c, {0}};
    for (int i = 0; i < c; i++) {
      if (sh[i] < 0)
        return shape__fail(g, n, err, "shape value %lld is negative", (long long)sh[i]);
      s.d[i] = sh[i];
    }
    if (bcast2(g, n, &o, &in, &s, err) < 0) return -1;
  } else {
    Dims ss = in_dims(g, n, 1);
    if (ss.rank == 1 && ss.d[0] >= 0 && in.rank >= 0) {
      if (ss.d[0] > IR_MAX_DIMS)
        return shape__fail(g, n, err, "target rank is over the limit of %d", IR_MAX_DIMS);
      o.rank = in.rank > ss.d[0] ? in.rank : (int)ss.d[0];
      for (int i = 0; i < o.rank; i++) o.d[i] = -1;
    }
  }
  set_out(g, n, 0, dt, &o);
  if (!in_const(g, n, 0) || !in_const(g, n, 1) || !dims_known(&o) || !shape__can_fold(g, n))
    return 0;
  ShapeWalk w;
  shape__walk_init(&w, o.rank, o.d);
  shape__walk_bcast(&w, in_t(g, n, 0));
  fold_strided(g, n, 0, w.st[0]);
  return 0;
}

static int shape_tile(IrGraph *g, int n, Err *err) {
  Dims in = in_dims(g, n, 0), o = in;
  int64_t rep[MAX_INTS];
  int c = ints_arg(g, n, 1, NULL, IR_NO_INTS, rep, err);
  if (c == -2) return -1;
  if (in.rank >= 0 && c >= 0) {
    if (c != in.rank)
      return shape__fail(g, n, err, "repeats has %d values, expected %d", c, in.rank);
    for (int i = 0; i < c; i++) {
      bool ovf = false;
      if (rep[i] < 0)
        return shape__fail(g, n, err, "repeats value %lld is negative", (long long)rep[i]);
      o.d[i] = in.d[i] < 0 ? -1 : ck_mul(in.d[i], rep[i], &ovf);
      if (ovf) return shape__fail(g, n, err, "tiled dim %d overflows", i);
    }
  } else {
    for (int i = 0; i < o.rank; i++) o.d[i] = -1;
  }
  set_out(g, n, 0, in_dtype(g, n, 0), &o);
  if (!in_const(g, n, 0) || c < 0 || !dims_known(&o) || !shape__can_fold(g, n) ||
      g->nodes[n].outputs[0] < 0)
    return 0;
  const IrTensor *a = in_t(g, n, 0);
  IrTensor *out = shape__alloc_out(g, n, 0);
  size_t es = dtype_size(out->dtype);
  int64_t st[IR_MAX_DIMS], ne = ir_numel(out);
  shape__strides(a, st);
  ShapeWalk w;
  shape__walk_init(&w, o.rank, o.d);
  for (int64_t i = 0; i < ne; i++, shape__walk_next(&w)) {
    int64_t off = 0;
    for (int d = 0; d < o.rank; d++) off += (w.idx[d] % in.d[d]) * st[d];
    memcpy((uint8_t *)out->data + (size_t)i * es, (const uint8_t *)a->data + (size_t)off * es, es);
  }
  return shape__folded(g, n), 0;
}

static int shape_range(IrGraph *g, int n, Err *err) {
  DType dt = in_dtype(g, n, 0);
  Dims o = {1, {-1}};
  bool all = in_const(g, n, 0) && in_const(g, n, 1) && in_const(g, n, 2);
  for (int i = 0; i < 3 && all; i++)
    if (ir_numel(in_t(g, n, i)) != 1)
      return shape__fail(g, n, err, "input %d must be a scalar", i + 1);
  if (!all) {
    set_out(g, n, 0, dt, &o);
    return 0;
  }
  const IrTensor *ts = in_t(g, n, 0), *tl = in_t(g, n, 1), *td = in_t(g, n, 2);
  double s = ir_const_f64(ts, 0), l = ir_const_f64(tl, 0), dl = ir_const_f64(td, 0);
  if (dl == 0 || dl != dl) return shape__fail(g, n, err, "delta is 0");
  double cnt = ceil((l - s) / dl);
  if (!(cnt <= 4e18)) return shape__fail(g, n, err, "range of %g elements is too large", cnt);
  o.d[0] = cnt > 0 ? (int64_t)cnt : 0;
  set_out(g, n, 0, dt, &o);
  if (!shape__can_fold(g, n) || g->nodes[n].outputs[0] < 0) return 0;
  IrTensor *out = shape__alloc_out(g, n, 0);
  bool fl = dtype_is_float(dt);
  int64_t is = ir_const_i64(ts, 0), id = ir_const_i64(td, 0);
  for (int64_t i = 0; i < o.d[0]; i++) {
    if (fl)
      shape__put_f64(out, i, s + (double)i * dl);
    else
      shape__put_i64(out, i, (int64_t)((uint64_t)is + (uint64_t)i * (uint64_t)id));
  }
  return shape__folded(g, n), 0;
}

/* ---- layout ops ---- */

/* DepthToSpace (dir 1) and SpaceToDepth (dir -1) on NCHW. */
static int block_reshape(IrGraph *g, int n, int dir, Err *err) {
  Dims in = in_dims(g, n, 0), o = in;
  int64_t b = ir_block_params(g, &g->nodes[n])->blocksize; /* 1 .. 2^20: checked by the decoder */
  if (in.rank >= 0 && in.rank != 4)
    return shape__fail(g, n, err, "input rank %d, expected 4", in.rank);
  if (in.rank == 4) {
    bool ovf = false;
    if (dir > 0) {
      if (in.d[1] >= 0 && in.d[1] % (b * b))
        return shape__fail(g, n, err, "channels %lld are not divisible by blocksize^2 %lld",
                           (long long)in.d[1], (long long)(b * b));
      o.d[1] = in.d[1] < 0 ? -1 : in.d[1] / (b * b);
      for (int i = 2; i < 4; i++) o.d[i] = in.d[i] < 0 ? -1 : ck_mul(in.d[i], b, &ovf);
    } else {
      for (int i = 2; i < 4; i++) {
        if (in.d[i] >= 0 && in.d[i] % b)
          return shape__fail(g, n, err, "dim %d of size %lld is not divisible by blocksize %lld", i,
                             (long long)in.d[i], (long long)b);
        o.d[i] = in.d[i] < 0 ? -1 : in.d[i] / b;
      }
      o.d[1] = in.d[1] < 0 ? -1 : ck_mul(in.d[1], b * b, &ovf);
    }
    if (ovf) return shape__fail(g, n, err, "output shape overflows");
  }
  set_out(g, n, 0, in_dtype(g, n, 0), &o);
  return 0;
}

static int shape_depth_to_space(IrGraph *g, int n, Err *err) { return block_reshape(g, n, 1, err); }
static int shape_space_to_depth(IrGraph *g, int n, Err *err) {
  return block_reshape(g, n, -1, err);
}

static int shape_nms(IrGraph *g, int n, Err *err) {
  (void)err;
  Dims o = {2, {-1, 3}};
  set_out(g, n, 0, DT_I64, &o);
  return 0;
}

/* PriorBoxClustered: [2, 4*H*W*P] from the feature map size (input 1) and the image size
 * (input 2), both [H, W] values; folded to a constant when both are constant. */
static int shape_prior_box_clustered(IrGraph *g, int n, Err *err) {
  Dims o = {2, {2, -1}};
  if (!in_const(g, n, 0) || !in_const(g, n, 1)) {
    set_out(g, n, 0, DT_F32, &o);
    return 0;
  }
  const IrTensor *fs = in_t(g, n, 0), *is = in_t(g, n, 1);
  if (ir_numel(fs) < 2 || ir_numel(is) < 2)
    return shape__fail(g, n, err, "sizes must hold [height, width]");
  int64_t nf = ir_numel(fs), ni = ir_numel(is);
  int64_t h = ir_const_i64(fs, nf - 2), w = ir_const_i64(fs, nf - 1), ih = ir_const_i64(is, ni - 2),
          iw = ir_const_i64(is, ni - 1);
  const IrPriorBoxParams *p = ir_prior_box_params(g, &g->nodes[n]);
  int64_t size = ir_prior_box_clustered(p, h, w, ih, iw, NULL);
  if (size < 0) return shape__fail(g, n, err, "inconsistent widths/heights/variances or sizes");
  o.d[1] = size;
  set_out(g, n, 0, DT_F32, &o);
  if (!shape__can_fold(g, n) || g->nodes[n].outputs[0] < 0) return 0;
  IrTensor *out = shape__alloc_out(g, n, 0);
  ir_prior_box_clustered(p, h, w, ih, iw, out->data);
  return shape__folded(g, n), 0;
}

/* DetectionOutput: [1, 1, N * keep_top_k, 7] (N * top_k * classes without keep_top_k). */
static int shape_detection_output(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  Dims conf = in_dims(g, n, 1), o = {4, {1, 1, -1, 7}};
  const IrDetectionParams *p = ir_detection_params(g, x); /* num_classes: checked by the decoder */
  int64_t classes = p->num_classes, keep = p->keep_top_k, top = p->top_k;
  if (conf.rank >= 2 && conf.d[0] >= 0 && conf.d[1] >= 0) {
    int64_t nb = conf.d[0], priors = conf.d[1] / classes;
    int64_t per = keep > 0 ? keep : (top > 0 ? top : priors) * classes;
    if (per > ((int64_t)1 << 24) || nb > 4096) return shape__fail(g, n, err, "too many detections");
    o.d[2] = nb * per;
  }
  set_out(g, n, 0, DT_F32, &o);
  return 0;
}

/* ---- driver ---- */

static const IrShapeFn SHAPE_FN[IR_OP_COUNT] = {
#define X(e, name, lo, hi, fn) [IR_OP_##e] = fn,
#include "ops.def"
#undef X
};

/* Checks input count, presence of required inputs and every input's metadata. */
static int check_inputs(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  int lo = ir_op_min_inputs(x->op), hi = ir_op_max_inputs(x->op);
  /* Upsample-7 carries its scales as an attribute */
  if (x->op == IR_OP_UPSAMPLE && x->n_inputs == 1 && ir_resize_params(g, x)->has_scales) lo = 1;
  if (x->n_inputs < lo)
    return shape__fail(g, n, err, "expects at least %d input%s, got %d", lo, lo == 1 ? "" : "s",
                       x->n_inputs);
  if (x->n_inputs > hi)
    return shape__fail(g, n, err, "expects at most %d input%s, got %d", hi, hi == 1 ? "" : "s",
                       x->n_inputs);
  for (int i = 0; i < x->n_inputs; i++) {
    int t = x->inputs[i];
    if (t >= g->n_tensors || t < -1)
      return shape__fail(g, n, err, "input %d refers to a missing tensor", i + 1);
    if (t < 0) {
      if (i < lo) return shape__fail(g, n, err, "required input %d is missing", i + 1);
      continue;
    }
    if (check_tensor(g, n, &g->tensors[t], err) < 0) return -1;
  }
  for (int k = 0; k < x->n_outputs; k++)
    if (x->outputs[k] >= g->n_tensors || x->outputs[k] < -1)
      return shape__fail(g, n, err, "output %d refers to a missing tensor", k + 1);
  return 0;
}

/* True when node n has at least one input and all present inputs are foldable constants. */
static bool all_inputs_const(const IrGraph *g, int n) {
  const IrNode *x = &g->nodes[n];
  bool any = false;
  for (int i = 0; i < x->n_inputs; i++) {
    if (x->inputs[i] < 0) continue;
    if (!shape__is_const(g, x->inputs[i])) return false;
    any = true;
  }
  return any;
}

static int infer_node(IrGraph *g, int n, Err *err) {
  const IrNode *x = &g->nodes[n];
  if ((unsigned)x->op >= IR_OP_COUNT) return 0; /* IR_OP_UNKNOWN: outputs stay as value_info said */
  for (int k = 0; k < x->n_inputs; k++)
    if (x->inputs[k] >= 0 && g->tensors[x->inputs[k]].dtype == DT_STRING) {
      err_where(err, g->source, 0, NULL, x->name);
      return err_set(err, ERR_SHAPE, "%s: input %d '%s' is a string tensor (not supported)",
                     x->op_type, k, g->tensors[x->inputs[k]].name);
    }
  /* decoded before check_inputs, which reads Upsample's scales; an invalid attribute is reported
   * after the input checks, right before the shape function, as it always was */
  bool bad_params = ir_params_decode(g, n, NULL) < 0;
  if (check_inputs(g, n, err) < 0) return -1;
  if (bad_params) return ir_params_decode(g, n, err);
  if (SHAPE_FN[x->op](g, n, err) < 0) return -1;
  for (int k = 0; k < x->n_outputs; k++)
    if (x->outputs[k] >= 0 && check_tensor(g, n, &g->tensors[x->outputs[k]], err) < 0) return -1;
  if (!x->dead && all_inputs_const(g, n)) shape__fold(g, n);
  return 0;
}

int ir_infer(IrGraph *g, Err *err) {
  int rc = 0;
  shape__readers_init(g);
  for (int n = 0; n < g->n_nodes && rc == 0; n++) {
    if (g->nodes[n].dead) continue;
    job_set_node(g->nodes[n].name); /* the node a budget overrun or a stop is reported at */
    if (infer_node(g, n, err) < 0)
      rc = -1;
    else if (job_poll(err) < 0)
      rc = -1, err_where(err, g->source, 0, NULL, NULL);
    else if (g->nodes[n].dead)
      shape__readers_folded(g, n);
  }
  g->fold_readers = NULL;
  if (rc == 0) g->inferred = true;
  return rc;
}
