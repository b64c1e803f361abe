/* compiler/ref/blob_verify.c — a written blob against its source model (see blob_verify.h). */
#include "blob_verify.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blob_run.h"
#include "compare.h"
#include "compiler/backend/blob_format.h"
#include "compiler/compile.h"
#include "tensor_io.h"

/* The largest input the checker feeds (2^27 elements: a 512 MB float tensor, twenty 4K frames): a
 * hostile blob's input dims are not allocated blindly. */
#define BV_MAX_INPUT_ELEMS ((uint64_t)1 << 27)

/* One model input and how each frame reaches it. */
typedef struct {
  int t;                /* graph tensor */
  const CompInput *s;   /* its preprocessing (NULL: none given) */
  int blob_in;          /* blob input index, -1 for a frozen input */
  Layout layout;        /* the model's layout of it */
  int rank;             /* model rank = blob rank */
  int64_t dims[8];      /* model dims */
  int64_t ie[8];        /* the blob input's IE dims */
  uint32_t dt;          /* blob input type */
  bool image;           /* U8 4-D: frames */
  int cax;              /* channel axis in the model's layout, -1 when none */
  RefTensor model_feed; /* this frame's value for the model */
  RefTensor blob_feed;  /* this frame's value for the blob */
} VIn;

/* xorshift64* stream */
static uint64_t next(uint64_t *r) {
  *r ^= *r >> 12, *r ^= *r << 25, *r ^= *r >> 27;
  return *r * 0x2545F4914F6CDD1Dull;
}
static double uniform(uint64_t *r) { return (double)(next(r) >> 11) / 9007199254740992.0; }

/* The spec of model input k: the one named after it, else an unnamed one for the first input. */
static const CompInput *spec_of(const CompileOptions *opt, const IrGraph *g, int k) {
  const char *name = g->tensors[g->inputs[k]].name;
  for (int i = 0; opt && i < opt->n_inputs; i++)
    if (opt->inputs[i].name && !strcmp(opt->inputs[i].name, name)) return &opt->inputs[i];
  for (int i = 0; k == 0 && opt && i < opt->n_inputs; i++)
    if (!opt->inputs[i].name) return &opt->inputs[i];
  return NULL;
}

/* Position of letter ch in layout l's name, -1 when absent. */
static int axis_of(Layout l, char ch) {
  const char *n = layout_name(l), *p = n ? strchr(n, ch) : NULL;
  return p ? (int)(p - n) : -1;
}

/* Frame f as H x W x C U8 values into dst: the given image f (cycling through them) fitted to
 * H x W x C, or a generated one. */
static int make_frame(int64_t *dst, const BvFrames *fr, int f, int64_t H, int64_t W, int64_t C,
                      Err *err) {
  if (fr && fr->frames) {
    f %= fr->n_frames;
    const RefTensor *im = &fr->frames[f];
    int64_t h0 = im->dims[1], w0 = im->dims[2], c0 = im->dims[3];
    if (c0 != C && c0 != 1 && !(c0 == 3 && C == 1))
      return err_set(err, ERR_USAGE, "frame %d has %lld channels, the input takes %lld", f,
                     (long long)c0, (long long)C);
    for (int64_t y = 0; y < H; y++)
      for (int64_t x = 0; x < W; x++) {
        const int64_t *px = im->i + ((y * h0 / H) * w0 + x * w0 / W) * c0;
        for (int64_t c = 0; c < C; c++)
          dst[(y * W + x) * C + c] = c0 == C   ? px[c]
                                     : c0 == 1 ? px[0]
                                               : (px[0] + px[1] + px[2] + 1) / 3;
      }
    return 0;
  }
  /* smooth stripes in a direction and phase of the frame's own, plus noise: nearby pixels are
   * related as in a picture, and every frame differs from the others */
  uint64_t r = 0x9E3779B97F4A7C15ull * (uint64_t)(f + 1) ^ 0xB5AD4ECEDA1CE2A9ull;
  double fx = 0.02 + 0.05 * uniform(&r), fy = 0.02 + 0.05 * uniform(&r), ph = 6.3 * uniform(&r);
  for (int64_t y = 0; y < H; y++)
    for (int64_t x = 0; x < W; x++)
      for (int64_t c = 0; c < C; c++) {
        double v = 128 + 80 * sin(fx * (double)x + fy * (double)y + ph + 2.1 * (double)c) +
                   80 * (uniform(&r) - 0.5);
        dst[(y * W + x) * C + c] = v < 0 ? 0 : v > 255 ? 255 : (int64_t)lrint(v);
      }
  return 0;
}

/* (raw - mean[c]) / scale[c] on the model's channel c, reading channel c' of raw (c' = 2 - c when
 * the channels are reversed). raw and out are in the model's dims. */
static void preprocess(RefTensor *out, const RefTensor *raw, const VIn *in) {
  const CompInput *s = in->s;
  int64_t n = ref_numel(out), C = in->cax >= 0 ? in->dims[in->cax] : 1, inner = 1;
  for (int i = in->cax + 1; in->cax >= 0 && i < in->rank; i++) inner *= in->dims[i];
  for (int64_t k = 0; k < n; k++) {
    int64_t c = in->cax >= 0 ? k / inner % C : 0, src = k;
    if (s && s->reverse_input_channels && C == 3) src = k + (2 - 2 * c) * inner;
    double v = ref_get_f64(raw, src);
    if (s && s->n_mean) v -= s->mean[s->n_mean == 1 ? 0 : c];
    if (s && s->n_scale) v /= s->scale[s->n_scale == 1 ? 0 : c];
    ref_set_f64(out, k, v);
  }
}

/* This frame's feeds for input in: the blob's (its own type; a U8 image or IE order) and the
 * model's (preprocessed, the model's layout and type). */
static int make_feeds(VIn *in, const IrGraph *g, const BvFrames *fr, int f, Err *err) {
  ref_tensor_free(&in->model_feed);
  ref_tensor_free(&in->blob_feed);
  DType mdt = g->tensors[in->t].dtype == DT_UNDEF ? DT_F32 : g->tensors[in->t].dtype;
  if (in->blob_in < 0) { /* frozen: its values, for the model only */
    const CompInput *s = in->s;
    if (ref_tensor_alloc(&in->model_feed, mdt, s->rank, s->shape, err) < 0) return -1;
    for (int64_t k = 0; k < s->n_value; k++) ref_set_f64(&in->model_feed, k, s->value[k]);
    return 0;
  }
  RefTensor raw = {0};
  int rc = -1;
  if (in->image) {
    int ch = axis_of(in->layout, 'C'), hh = axis_of(in->layout, 'H'), ww = axis_of(in->layout, 'W');
    if (ch < 0 || hh < 0 || ww < 0) {
      err_set(err, ERR_USAGE, "input '%s': layout %s has no C, H and W", g->tensors[in->t].name,
              layout_name(in->layout));
      return -1;
    }
    int nn = axis_of(in->layout, 'N');
    int64_t C = in->dims[ch], H = in->dims[hh], W = in->dims[ww], N = nn >= 0 ? in->dims[nn] : 1;
    /* frames N x H x W x C (a batch takes N consecutive frames), the blob's image feed */
    if (ref_tensor_alloc(&in->blob_feed, DT_U8, 4, (int64_t[]){N, H, W, C}, err) < 0) goto done;
    for (int64_t b = 0; b < N; b++)
      if (make_frame(in->blob_feed.i + b * H * W * C, fr, (int)(f * N + b), H, W, C, err) < 0)
        goto done;
    if (ref_tensor_alloc(&raw, DT_F32, in->rank, in->dims, err) < 0) goto done;
    int64_t st[4] = {0};
    for (int64_t i = 3, m = 1; i >= 0; i--) st[i] = m, m *= in->dims[i];
    for (int64_t b = 0; b < N; b++)
      for (int64_t y = 0; y < H; y++)
        for (int64_t x = 0; x < W; x++)
          for (int64_t c = 0; c < C; c++)
            raw.f[(nn >= 0 ? b * st[nn] : 0) + y * st[hh] + x * st[ww] + c * st[ch]] =
                (float)in->blob_feed.i[((b * H + y) * W + x) * C + c];
  } else {
    bool ints = in->dt == BLOB_DT_S32 || in->dt == BLOB_DT_U8 || in->dt == BLOB_DT_I8;
    bool pp = in->s && (in->s->n_mean || in->s->n_scale);
    if (ref_tensor_alloc(&raw, ints ? DT_I64 : DT_F32, in->rank, in->dims, err) < 0) goto done;
    uint64_t r = 0xD1B54A32D192ED03ull * (uint64_t)(f + 1) + (uint64_t)in->t;
    for (int64_t k = 0; k < ref_numel(&raw); k++) {
      double u = uniform(&r);
      ref_set_f64(&raw, k, ints ? floor(4 * u) : pp ? 255 * u : 2 * u - 1);
    }
    /* the blob takes IE order: NCHW for a model NHWC input */
    bool nhwc = in->rank == 4 && in->layout == LAYOUT_NHWC;
    if (ref_tensor_alloc(&in->blob_feed, raw.dtype, in->rank, in->ie, err) < 0) goto done;
    int64_t *d = in->dims;
    for (int64_t k = 0; k < ref_numel(&raw); k++) {
      int64_t dst = k;
      if (nhwc) { /* k = ((n H + h) W + w) C + c  ->  ((n C + c) H + h) W + w */
        int64_t c = k % d[3], w = k / d[3] % d[2], h = k / (d[3] * d[2]) % d[1],
                nn = k / (d[3] * d[2] * d[1]);
        dst = ((nn * d[3] + c) * d[1] + h) * d[2] + w;
      }
      ref_set_f64(&in->blob_feed, dst, ref_get_f64(&raw, k));
    }
  }
  if (ref_tensor_alloc(&in->model_feed, ref_is_float_dtype(mdt) ? DT_F32 : mdt, in->rank, in->dims,
                       err) < 0)
    goto done;
  preprocess(&in->model_feed, &raw, in);
  rc = 0;
done:
  ref_tensor_free(&raw);
  return rc;
}

/* a (the blob's output, IE order) in the dims of e (the model's, layout lay): NCHW -> NHWC when
 * the model's output is NHWC (lay, or, when the model does not say, when e's dims are only the NHWC
 * of a's), else a reshape of the same count. -1 when the counts differ. */
static int fit_output(RefTensor *out, const RefTensor *a, const RefTensor *e, Layout lay,
                      Err *err) {
  if (ref_numel(a) != ref_numel(e)) return -1;
  if (ref_tensor_alloc(out, a->dtype, e->rank, e->dims, err) < 0) return -2;
  const int64_t *d = a->dims;
  bool as_nhwc = a->rank == 4 && e->rank == 4 && e->dims[1] == d[2] && e->dims[2] == d[3] &&
                 e->dims[3] == d[1];
  bool nhwc = as_nhwc && (lay == LAYOUT_NHWC ||
                          (lay == LAYOUT_NONE && !(d[1] == e->dims[1] && d[2] == e->dims[2])));
  for (int64_t k = 0; k < ref_numel(a); k++) {
    int64_t dst = k;
    if (nhwc) { /* k = ((n C + c) H + h) W + w  ->  ((n H + h) W + w) C + c */
      int64_t w = k % d[3], h = k / d[3] % d[2], c = k / (d[3] * d[2]) % d[1],
              nn = k / (d[3] * d[2] * d[1]);
      dst = ((nn * d[2] + h) * d[3] + w) * d[1] + c;
    }
    ref_set_f64(out, dst, ref_get_f64(a, k));
  }
  return 0;
}

/* True when t has exactly one dim over 1 (a vector of class scores) of at least 2 entries. */
static bool class_scores(const RefTensor *t) {
  int big = 0;
  for (int i = 0; i < t->rank; i++) big += t->dims[i] > 1;
  return big == 1 && ref_is_float_dtype(t->dtype) && ref_numel(t) >= 2;
}

/* The indices of t's k largest values into top (ties: the lower index first). */
static void top_k(const RefTensor *t, int k, int64_t *top) {
  int64_t n = ref_numel(t);
  for (int j = 0; j < k; j++) {
    int64_t best = -1;
    for (int64_t i = 0; i < n; i++) {
      bool taken = false;
      for (int q = 0; q < j; q++) taken |= top[q] == i;
      if (!taken && (best < 0 || t->f[i] > t->f[best])) best = i;
    }
    top[j] = best;
  }
}

static bool same_set(const int64_t *a, const int64_t *b, int k) {
  for (int i = 0; i < k; i++) {
    bool in = false;
    for (int j = 0; j < k; j++) in |= a[i] == b[j];
    if (!in) return false;
  }
  return true;
}

static void set_msg(BlobVerify *v, RefStatus st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_msg(BlobVerify *v, RefStatus st, const char *fmt, ...) {
  v->status = st;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->msg, sizeof v->msg, fmt, ap);
  va_end(ap);
}

/* True when graph output k is a DetectionOutput's [1, 1, N, 7] list of detections. */
static bool is_detections(const IrGraph *g, int k, const RefTensor *e) {
  int p = g->tensors[g->outputs[k]].producer;
  return p >= 0 && g->nodes[p].op == IR_OP_DETECTION_OUTPUT && e->rank == 4 && e->dims[3] == 7 &&
         e->f;
}

/* Rows of a detection list up to the first with image_id -1 (DetectionOutput's end mark). */
static int64_t det_rows(const RefTensor *t) {
  int64_t n = ref_numel(t) / 7, r = 0;
  while (r < n && t->f[r * 7] >= 0) r++;
  return r;
}

/* Detections of x that have a partner in y: the same image and label, confidence and corners
 * within d, each partner used once. Rows of x whose confidence is within d of the lowest one y
 * kept are not required (near the cut of the threshold or keep_top_k, FP16 decides which side
 * they fall on); *needed counts the others, the return value those matched. */
static int64_t det_match(const RefTensor *x, const RefTensor *y, double d, int64_t *needed) {
  int64_t nx = det_rows(x), ny = det_rows(y), hit = 0;
  double low = 2;
  for (int64_t j = 0; j < ny; j++) low = fmin(low, y->f[j * 7 + 2]);
  bool *used = calloc((size_t)ny + 1, 1);
  *needed = 0;
  for (int64_t i = 0; used && i < nx; i++) {
    const float *a = x->f + i * 7;
    bool need = ny == 0 || a[2] > low + d;
    for (int64_t j = 0; j < ny; j++) {
      const float *b = y->f + j * 7;
      bool near = !used[j] && a[0] == b[0] && a[1] == b[1];
      for (int q = 2; near && q < 7; q++) near = fabs((double)a[q] - b[q]) <= d;
      if (near) {
        used[j] = true;
        hit += need;
        break;
      }
    }
    *needed += need;
  }
  free(used);
  return hit;
}

/* RMS of a float tensor's finite values (0 for integer tensors). */
static double rms_of(const RefTensor *t) {
  if (!t->f) return 0;
  double ss = 0;
  int64_t n = ref_numel(t), cnt = 0;
  for (int64_t k = 0; k < n; k++)
    if (isfinite(t->f[k])) ss += (double)t->f[k] * t->f[k], cnt++;
  return cnt ? sqrt(ss / (double)cnt) : 0;
}

/* Which model output blob output j is: by name, else by position when the counts agree. */
static int model_output(const IrGraph *g, const char *name, int j, int n_blob) {
  for (int k = 0; k < g->n_outputs; k++)
    if (!strcmp(g->tensors[g->outputs[k]].name, name)) return k;
  return n_blob == g->n_outputs ? j : -1;
}

/* Sets up the inputs: each model input against its blob input. */
static int map_inputs(VIn *ins, IrGraph *g, const BlobInfo *b, const CompileOptions *opt,
                      Err *err) {
  int used = 0;
  for (int k = 0; k < g->n_inputs; k++) {
    VIn *in = &ins[k];
    IrTensor *t = &g->tensors[g->inputs[k]];
    in->t = g->inputs[k];
    in->s = spec_of(opt, g, k);
    in->blob_in = -1;
    in->cax = -1;
    if (in->s && in->s->value) { /* frozen */
      if (make_feeds(in, g, NULL, 0, err) < 0) return -1;
      if (ref_bind_input(g, in->t, &in->model_feed, err) < 0) return -1;
      continue;
    }
    for (uint32_t j = 0; j < b->hdr.inputs_count; j++)
      if (!strcmp(b->inputs[j].name, t->name)) in->blob_in = (int)j;
    if (in->blob_in < 0 && g->n_inputs == 1 && b->hdr.inputs_count == 1) in->blob_in = 0;
    if (in->blob_in < 0)
      return err_set(err, ERR_USAGE, "model input '%s' is not an input of the blob", t->name);
    used++;
    const BlobIo *io = &b->inputs[in->blob_in];
    in->rank = blob_ie_dims(&io->shape, in->ie);
    in->dt = io->shape.data_type;
    uint64_t elems = 1;
    for (int i = 0; i < in->rank; i++)
      elems =
          in->ie[i] > 0 && elems <= BV_MAX_INPUT_ELEMS ? elems * (uint64_t)in->ie[i] : UINT64_MAX;
    if (elems > BV_MAX_INPUT_ELEMS)
      return err_set(err, ERR_USAGE,
                     "blob input '%s' has more than %llu elements: too large to check on the CPU",
                     t->name, (unsigned long long)BV_MAX_INPUT_ELEMS);
    if (t->rank >= 0 && t->rank != in->rank)
      return err_set(err, ERR_USAGE, "input '%s' has rank %d in the model, %d in the blob", t->name,
                     t->rank, in->rank);
    Layout native =
        t->layout && layout_rank((Layout)t->layout) == in->rank ? (Layout)t->layout : LAYOUT_NONE;
    in->layout = in->s && in->s->layout ? in->s->layout
                 : native               ? native
                                        : layout_default(in->rank);
    bool nhwc = in->rank == 4 && in->layout == LAYOUT_NHWC;
    for (int i = 0; i < in->rank; i++) in->dims[i] = in->ie[i];
    if (nhwc) in->dims[1] = in->ie[2], in->dims[2] = in->ie[3], in->dims[3] = in->ie[1];
    in->image = in->dt == BLOB_DT_U8 && in->rank == 4;
    in->cax = layout_rank(in->layout) == in->rank ? layout_channel_axis(in->layout) : -1;
    if (in->s && in->s->reverse_input_channels && (in->cax < 0 || in->dims[in->cax] != 3))
      return err_set(err, ERR_USAGE, "input '%s': reverse_input_channels needs 3 channels",
                     t->name);
    int64_t nc = in->cax >= 0 ? in->dims[in->cax] : 1;
    if (in->s && ((in->s->n_mean > 1 && in->s->n_mean != nc) ||
                  (in->s->n_scale > 1 && in->s->n_scale != nc)))
      return err_set(err, ERR_USAGE,
                     "input '%s' has %lld channels: mean_values has %d values, scale_values %d "
                     "(one, or one per channel)",
                     t->name, (long long)nc, in->s->n_mean, in->s->n_scale);
    RefTensor tmpl = {0};
    DType mdt = t->dtype == DT_UNDEF ? DT_F32 : t->dtype;
    if (ref_tensor_alloc(&tmpl, ref_is_float_dtype(mdt) ? DT_F32 : mdt, in->rank, in->dims, err) <
        0)
      return -1;
    int rc = ref_bind_input(g, in->t, &tmpl, err);
    ref_tensor_free(&tmpl);
    if (rc < 0) return -1;
  }
  if (used != (int)b->hdr.inputs_count)
    return err_set(err, ERR_USAGE, "the blob has %u inputs, the model %d (not frozen)",
                   b->hdr.inputs_count, used);
  return 0;
}

/* Compares the blob's outputs of one frame with the model's; updates v. */
static int compare_frame(BlobVerify *v, const IrGraph *g, const BlobResult *res,
                         const RefTensor *exp, RefTensor *first, int f, const double *tols,
                         const double *gains, double in_scale, Err *err) {
  for (int j = 0; j < res->n_out; j++) {
    BvOutput *o = &v->outputs[j];
    int k = model_output(g, res->names[j], j, res->n_out);
    if (k < 0) {
      set_msg(v, REF_FAIL, "blob output '%s' is not an output of the model", res->names[j]);
      return 0;
    }
    if (exp[k].f && in_scale > 0 && rms_of(&exp[k]) < REF_VANISH * in_scale) {
      /* a signal that vanished (random weights whose activations die away): FP16 cannot hold it
       * even as a subnormal of the input's scale, so nothing is proven either way */
      if (!o->vanished)
        o->vanished = true, o->vanish_rms = rms_of(&exp[k]), o->vanish_in = in_scale;
      o->tol = tols[k];
      continue;
    }
    RefTensor a = {0};
    char sa[128], se[128];
    const IrTensor *ot = &g->tensors[g->outputs[k]];
    Layout lay = ot->layout && layout_rank((Layout)ot->layout) == ot->rank ? (Layout)ot->layout
                                                                           : LAYOUT_NONE;
    int fr = fit_output(&a, &res->outputs[j], &exp[k], lay, err);
    if (fr == -2) return -1;
    if (fr < 0) {
      set_msg(v, REF_FAIL, "output '%s': the blob's is %s, the model's %s", o->name,
              ref_shape_str(&res->outputs[j], sa, sizeof sa),
              ref_shape_str(&exp[k], se, sizeof se));
      return 0;
    }
    if (is_detections(g, k, &exp[k]) && a.f) {
      /* a list of boxes: compared as detections, each with a partner in the other list (the
       * order of near-equal confidences and the boxes at the cut are FP16's to decide) */
      double dd = tols[k] * REF_U16; /* confidences and corners live on a scale of 1 */
      int64_t need_e, need_a, he = det_match(&exp[k], &a, dd, &need_e),
                              ha = det_match(&a, &exp[k], dd, &need_a);
      o->tol = tols[k];
      o->n_det += need_e, o->det_matched += he;
      /* NMS near-ties (two boxes whose overlap is a hair from the threshold) may keep a
       * different box: at most 1% of the detections, and one */
      int64_t miss = (need_e - he) + (need_a - ha), allowed = 1 + (need_e + need_a) / 100;
      if (miss > allowed && o->status != REF_FAIL) {
        o->status = REF_FAIL;
        if (v->status != REF_FAIL)
          set_msg(v, REF_FAIL,
                  "output '%s', frame %d: %lld of %lld detections of the model have no partner "
                  "within %.3g in the blob's, %lld of %lld the other way",
                  o->name, f, (long long)(need_e - he), (long long)need_e, dd,
                  (long long)(need_a - ha), (long long)need_a);
      }
      if (f == 0) {
        if (ref_tensor_copy(&first[k], &exp[k], err) < 0) {
          ref_tensor_free(&a);
          return -1;
        }
        o->varies = det_rows(&exp[k]) > 0 && v->n_frames < 2;
      } else if (!o->varies) {
        int64_t nf, hf = det_match(&exp[k], &first[k], dd, &nf);
        o->varies = det_rows(&exp[k]) != det_rows(&first[k]) || hf < nf;
      }
      o->n_compared++;
      ref_tensor_free(&a);
      continue;
    }
    RefDiff d;
    ref_compare(&d, &a, &exp[k], tols[k], gains[k]);
    o->n_compared++;
    o->tol = tols[k];
    o->rel = fmax(o->rel, d.rel);
    o->rms_rel = fmax(o->rms_rel, d.rms_rel);
    o->roundings = fmax(o->roundings, d.roundings);
    o->gain_err = fmax(o->gain_err, fabs(d.gain - 1));
    o->gain_tol = d.gain_tol;
    if (!d.pass && o->status != REF_FAIL) {
      o->status = REF_FAIL;
      if (v->status != REF_FAIL) {
        if (d.exact)
          set_msg(v, REF_FAIL, "output '%s', frame %d: element %lld is %lld, expected %lld",
                  o->name, f, (long long)d.worst, (long long)ref_get_i64(&a, d.worst),
                  (long long)ref_get_i64(&exp[k], d.worst));
        else if (d.roundings > tols[k])
          set_msg(v, REF_FAIL,
                  "output '%s', frame %d: element %lld is %.6g, expected %.6g: %.3g FP16 roundings "
                  "of the output's scale %.3g, tolerance %.3g",
                  o->name, f, (long long)d.worst, ref_get_f64(&a, d.worst),
                  ref_get_f64(&exp[k], d.worst), d.roundings, d.scale, tols[k]);
        else
          set_msg(v, REF_FAIL,
                  "output '%s', frame %d: scaled by %.6f against the model's (a coherent error; at "
                  "most %.3g allowed)",
                  o->name, f, d.gain, d.gain_tol);
      }
    }
    if (class_scores(&exp[k]) && class_scores(&a)) {
      int64_t ta[5], te[5];
      int kk = ref_numel(&exp[k]) > 5 ? 5 : 1;
      top_k(&a, kk, ta);
      top_k(&exp[k], kk, te);
      bool nan = false; /* a NaN ranks nowhere: such a frame agrees on nothing */
      for (int64_t q = 0; q < ref_numel(&a); q++) nan |= isnan(a.f[q]);
      o->n_top1++;
      o->top1 += !nan && ta[0] == te[0];
      if (kk == 5) o->n_top5++, o->top5 += !nan && same_set(ta, te, 5);
    }
    /* does the model's output depend on the frame? */
    if (f == 0) {
      if (ref_tensor_copy(&first[k], &exp[k], err) < 0) {
        ref_tensor_free(&a);
        return -1;
      }
      o->varies = !ref_trivial_passes(&exp[k], tols[k]) && v->n_frames < 2;
    } else if (!o->varies && !ref_trivial_passes(&exp[k], tols[k])) {
      RefDiff dd;
      o->varies = ref_compare(&dd, &first[k], &exp[k], tols[k], gains[k]) == 0 && !dd.pass;
    }
    ref_tensor_free(&a);
  }
  return 0;
}

int blob_verify(BlobVerify *v, const uint8_t *blob, size_t len, const char *model_path,
                const CompileOptions *opt, const BvFrames *fr, Err *err) {
  memset(v, 0, sizeof *v);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  BlobInfo *b = NULL;
  VIn *ins = NULL;
  BlobFeed *feeds = NULL;
  RefTensor *exp = NULL, *first = NULL;
  double *tols = NULL, *gains = NULL;
  int n_exp = 0, rc = -1, nin = 0;
  if (!a) return err_set(err, ERR_OOM, "out of memory");
  if (blob_parse(&b, a, blob, len, "blob", err) < 0) goto done;
  if (compile_load(&g, a, model_path, err) < 0) {
    if (!err->file[0]) err_where(err, model_path, 0, NULL, NULL);
    goto done;
  }
  nin = g->n_inputs;
  ins = calloc((size_t)nin + 1, sizeof *ins);
  feeds = calloc((size_t)nin + 1, sizeof *feeds);
  if (!ins || !feeds) {
    err_set(err, ERR_OOM, "out of memory");
    goto done;
  }
  if (map_inputs(ins, g, b, opt, err) < 0 || ir_infer(g, err) < 0) goto done;
  v->n_frames = fr && fr->frames ? fr->n_frames : fr && fr->n_random > 0 ? fr->n_random : 1;
  v->n_outputs = (int)b->hdr.outputs_count;
  v->outputs = calloc((size_t)v->n_outputs + 1, sizeof *v->outputs);
  first = calloc((size_t)g->n_outputs + 1, sizeof *first);
  tols = calloc((size_t)g->n_outputs + 1, sizeof *tols);
  gains = calloc((size_t)g->n_outputs + 1, sizeof *gains);
  if (!v->outputs || !first || !tols || !gains) {
    err_set(err, ERR_OOM, "out of memory");
    goto done;
  }
  for (int j = 0; j < v->n_outputs; j++)
    snprintf(v->outputs[j].name, sizeof v->outputs[j].name, "%s", b->outputs[j].name);
  for (int k = 0; k < g->n_outputs; k++) { /* + 1: the preprocessing's rounding */
    tols[k] = ref_tol_fp16(ref_depth(g, g->outputs[k]) + 1);
    gains[k] = ref_gain_fp16(ref_depth(g, g->outputs[k]) + 1);
  }
  for (int f = 0; f < v->n_frames; f++) {
    if (opt && opt->stop && *opt->stop) {
      err_set(err, ERR_INTERRUPTED, "interrupted");
      goto done;
    }
    int nf = 0;
    RefTensor *mfeed = calloc((size_t)nin + 1, sizeof *mfeed);
    if (!mfeed) {
      err_set(err, ERR_OOM, "out of memory");
      goto done;
    }
    for (int k = 0; k < nin; k++) {
      if (make_feeds(&ins[k], g, fr, f, err) < 0) {
        free(mfeed);
        goto done;
      }
      mfeed[k] = ins[k].model_feed; /* borrowed */
      if (ins[k].blob_in >= 0)
        feeds[nf++] = (BlobFeed){b->inputs[ins[k].blob_in].name, &ins[k].blob_feed, ins[k].image};
    }
    Err e = {0};
    int mrc = ref_run(g, REF_FP32, mfeed, nin, &exp, &n_exp, &e);
    free(mfeed);
    if (mrc < 0) {
      char line[700];
      set_msg(v, e.code == ERR_UNSUPPORTED_OP ? REF_UNSUPPORTED : REF_FAIL,
              "the source model does not run on the CPU: %s", err_line(&e, line, sizeof line));
      rc = 0;
      goto done;
    }
    BlobResult res = {0};
    if (blob_run(&res, b, blob, len, feeds, nf, NULL, &e) < 0) {
      char line[700];
      set_msg(v, strstr(e.msg, "no CPU kernel") ? REF_UNSUPPORTED : REF_FAIL,
              "the blob does not run on the CPU: %s", err_line(&e, line, sizeof line));
      rc = 0;
      goto done;
    }
    if (res.n_overflow && v->n_overflow == 0) v->overflow_frame = f;
    v->n_overflow += res.n_overflow;
    v->max_activation = fmax(v->max_activation, res.max_abs);
    double in_scale = 0; /* the live inputs' scale as the model sees them */
    for (int k = 0; k < nin; k++)
      if (ins[k].blob_in >= 0) in_scale = fmax(in_scale, rms_of(&ins[k].model_feed));
    int crc = compare_frame(v, g, &res, exp, first, f, tols, gains, in_scale, err);
    blob_result_free(&res);
    ref_tensors_free(exp, n_exp);
    exp = NULL, n_exp = 0;
    if (crc < 0) goto done;
    v->n_compared++;
  }
  if (v->status == REF_FAIL && v->n_overflow) { /* the likely cause, in the same line */
    size_t l = strlen(v->msg);
    snprintf(v->msg + l, sizeof v->msg - l,
             "; the blob overflowed FP16 (%llu values past 65504 from frame %d on): scale the "
             "input down (scale_values) or the weights",
             (unsigned long long)v->n_overflow, v->overflow_frame);
  }
  /* the summary: the worst output, the rankings, informative or not */
  bool informative = false, no_boxes = false;
  const BvOutput *vanished = NULL;
  double worst = -1;
  for (int j = 0; j < v->n_outputs; j++) {
    BvOutput *o = &v->outputs[j];
    int k = model_output(g, o->name, j, v->n_outputs);
    if (o->vanished) {
      o->varies = false;
      if (!vanished) vanished = o;
    }
    if (k >= 0 && is_detections(g, k, &first[k]) && o->n_det == 0) {
      o->varies = false; /* no box above the cut in any frame: nothing was compared */
      no_boxes = true;
    }
    informative |= o->varies;
    if (o->roundings / o->tol > worst) {
      worst = o->roundings / o->tol;
      v->rel = o->rel, v->roundings = o->roundings, v->tol = o->tol;
    }
    v->n_top1 += o->n_top1, v->top1 += o->top1, v->n_top5 += o->n_top5, v->top5 += o->top5;
  }
  if (v->status == REF_PASS && !informative && vanished)
    set_msg(v, REF_UNINFORMATIVE,
            "output '%s' vanishes: RMS %.3g against its input's %.3g (below 2^-24 of it, under "
            "FP16's smallest value): the model's weights let the signal die (untrained or "
            "uncalibrated?), so nothing is proven",
            vanished->name, vanished->vanish_rms, vanished->vanish_in);
  else if (v->status == REF_PASS && !informative && no_boxes)
    set_msg(v, REF_UNINFORMATIVE,
            "the model detects nothing above its confidence cut in these frames, so no box was "
            "compared: give pictures of what it detects (--frames DIR)");
  else if (v->status == REF_PASS && !informative)
    set_msg(v, REF_UNINFORMATIVE,
            "the model's output%s the same for every frame (or a constant would pass): the check "
            "proves nothing",
            g->n_outputs > 1 ? "s are" : " is");
  for (int j = 0; j < v->n_outputs; j++)
    if (v->outputs[j].status == REF_PASS && !v->outputs[j].varies)
      v->outputs[j].status = REF_UNINFORMATIVE;
  rc = 0;
done:
  for (int k = 0; ins && k < nin; k++) {
    ref_tensor_free(&ins[k].model_feed);
    ref_tensor_free(&ins[k].blob_feed);
  }
  ref_tensors_free(exp, n_exp);
  if (first)
    for (int k = 0; g && k < g->n_outputs; k++) ref_tensor_free(&first[k]);
  free(first);
  free(tols);
  free(gains);
  free(ins);
  free(feeds);
  if (rc < 0) blob_verify_free(v);
  if (g) ir_release(g);
  arena_free(a);
  return rc;
}

void blob_verify_free(BlobVerify *v) {
  if (!v) return;
  free(v->outputs);
  v->outputs = NULL;
  v->n_outputs = 0;
}

static int cmp_str(const void *p, const void *q) {
  return strcmp(*(char *const *)p, *(char *const *)q);
}

int blob_verify_load_frames(RefTensor **frames, int *n, const char *dir, Err *err) {
  *frames = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) {
    err_where(err, dir, 0, NULL, NULL);
    return err_set(err, ERR_IO, "cannot read the frames folder");
  }
  char **names = NULL;
  int nn = 0, rc = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t l = strlen(de->d_name);
    if (l < 5 || de->d_name[0] == '.' ||
        (strcasecmp(de->d_name + l - 4, ".ppm") && strcasecmp(de->d_name + l - 4, ".pgm")))
      continue;
    char **nl = realloc(names, (size_t)(nn + 1) * sizeof *nl);
    if (!nl || !(nl[nn] = malloc(strlen(dir) + l + 2))) {
      names = nl ? nl : names;
      rc = err_set(err, ERR_OOM, "out of memory");
      break;
    }
    names = nl;
    sprintf(names[nn++], "%s/%s", dir, de->d_name);
  }
  closedir(d);
  if (rc == 0 && nn == 0) {
    err_where(err, dir, 0, NULL, NULL);
    rc = err_set(err, ERR_USAGE, "no .ppm or .pgm frame in the folder");
  }
  if (rc == 0) {
    qsort(names, (size_t)nn, sizeof *names, cmp_str);
    *frames = calloc((size_t)nn + 1, sizeof **frames);
    if (!*frames) rc = err_set(err, ERR_OOM, "out of memory");
    for (int i = 0; rc == 0 && i < nn; i++) {
      if (tio_read_image(&(*frames)[i], names[i], err) < 0) {
        rc = -1;
        break;
      }
      (*n)++;
    }
    if (rc < 0) {
      for (int i = 0; *frames && i < *n; i++) ref_tensor_free(&(*frames)[i]);
      free(*frames);
      *frames = NULL;
      *n = 0;
    }
  }
  for (int i = 0; i < nn; i++) free(names[i]);
  free(names);
  return rc;
}
