/* compiler/ref/blob_exec.c — see blob_exec.h. Plain loops: readable over fast. */
#include "blob_exec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob_exec_internal.h"
#include "compiler/backend/blob_format.h"
#include "detection.h"

static int fail(X *x, const char *msg) {
  return err_set(x->err, ERR_BACKEND, "stage %u (%s): %s", x->stage, x->stage_name, msg);
}

int bx__fail(BxCtx *x, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return fail(x, msg);
}

int bx__spend(BxCtx *x, uint64_t work) {
  x->work = x->work > UINT64_MAX - work ? UINT64_MAX : x->work + work;
  if (x->opts && x->opts->max_work && x->work > x->opts->max_work)
    return bx__fail(x, "work limit of %llu operations exceeded",
                    (unsigned long long)x->opts->max_work);
  return 0;
}

/* The buffer as a view, bounds-checked against its memory area. */
static int view(X *x, const BlobBuffer *bb, V *v) {
  uint8_t *area = NULL;
  size_t len = 0;
  uint32_t off = bb->data_offset;
  switch (bb->location) {
  case BLOB_LOC_INPUT:
  case BLOB_LOC_OUTPUT: {
    bool in = bb->location == BLOB_LOC_INPUT;
    uint32_t cnt = in ? x->b->hdr.inputs_count : x->b->hdr.outputs_count;
    if (bb->io_idx >= cnt) return fail(x, "buffer names a missing network input/output");
    const BlobIo *io = in ? &x->b->inputs[bb->io_idx] : &x->b->outputs[bb->io_idx];
    area = in ? x->in : x->out;
    len = in ? x->in_len : x->out_len;
    off += io->buffer_offset;
    break;
  }
  case BLOB_LOC_BLOB: area = x->cst, len = x->cst_len; break;
  case BLOB_LOC_BSS: area = x->bss, len = x->bss_len; break;
  case BLOB_LOC_CMX: area = x->cmx, len = x->cmx_len; break;
  default: return fail(x, "buffer has no memory (location None)");
  }
  if (!bb->shape.dims_known || !bb->shape.strides_known)
    return fail(x, "buffer shape is not static");
  v->dt = bb->shape.data_type;
  v->nd = bb->shape.num_dims;
  uint64_t end = (uint64_t)off + blob_dtype_size(v->dt), elems = 1;
  for (uint32_t i = 0; i < v->nd; i++) {
    v->d[i] = bb->shape.dims_raw[i];
    v->s[i] = bb->shape.strides_raw[i];
    if (!v->d[i]) return fail(x, "buffer has a zero dim");
    uint64_t span = (uint64_t)(v->d[i] - 1) * v->s[i]; /* < 2^64: both factors < 2^32 */
    end = end > UINT64_MAX - span ? UINT64_MAX : end + span;
    elems = elems > (1ull << 32) / v->d[i] ? (1ull << 33) : elems * v->d[i];
  }
  if (!blob_dtype_size(v->dt)) return fail(x, "buffer has an unknown data type");
  if (end > len) return fail(x, "buffer runs past its memory area");
  if (elems > (1ull << 32)) return fail(x, "buffer has more than 2^32 elements");
  v->p = area + off;
  v->stats = x->run;
  return 0;
}

static float ld(const V *v, const uint32_t *idx) {
  size_t o = 0;
  for (uint32_t i = 0; i < v->nd; i++) o += (size_t)idx[i] * v->s[i];
  const uint8_t *p = v->p + o;
  switch (v->dt) {
  case BLOB_DT_FP16: {
    uint16_t h;
    memcpy(&h, p, 2);
    return fp16_to_f32(h);
  }
  case BLOB_DT_U8: return (float)p[0];
  case BLOB_DT_I8: return (float)(int8_t)p[0];
  case BLOB_DT_S32: {
    int32_t i;
    memcpy(&i, p, 4);
    return (float)i;
  }
  default: {
    float f;
    memcpy(&f, p, 4);
    return f;
  }
  }
}

static void st(const V *v, const uint32_t *idx, float f) {
  size_t o = 0;
  for (uint32_t i = 0; i < v->nd; i++) o += (size_t)idx[i] * v->s[i];
  uint8_t *p = v->p + o;
  if (v->stats) {
    float a = fabsf(f);
    if (a == a && a > v->stats->max_abs && a <= 65504.0f) v->stats->max_abs = a;
  }
  switch (v->dt) {
  case BLOB_DT_FP16: {
    uint16_t h = fp16_from_f32(f);
    if (v->stats && (h & 0x7c00) == 0x7c00 && isfinite(f)) v->stats->n_overflow++;
    memcpy(p, &h, 2);
    break;
  }
  case BLOB_DT_U8: p[0] = (uint8_t)(f < 0 ? 0 : f > 255 ? 255 : lrintf(f)); break;
  case BLOB_DT_I8: p[0] = (uint8_t)(int8_t)(f < -128 ? -128 : f > 127 ? 127 : lrintf(f)); break;
  case BLOB_DT_S32: {
    int32_t i = (int32_t)lrintf(f);
    memcpy(p, &i, 4);
    break;
  }
  default: memcpy(p, &f, 4); break;
  }
}

int bx__view(BxCtx *x, const BlobBuffer *bb, BxView *v) { return view(x, bb, v); }

static bool next(uint32_t *idx, const uint32_t *d, uint32_t nd);
static uint32_t dm(const V *v, uint32_t i);

int bx__binary(X *x, const BlobStage *s, float (*fn)(float a, float b)) {
  V a, y, b;
  if (s->num_buffers < 3) return bx__fail(x, "buffers missing");
  if (view(x, &s->buffers[0], &a) < 0 || view(x, &s->buffers[1], &y) < 0 ||
      view(x, &s->buffers[2], &b) < 0)
    return -1;
  if (a.nd > y.nd || b.nd > y.nd) return bx__fail(x, "operand rank above the output's");
  for (uint32_t i = 0; i < y.nd; i++)
    if ((dm(&a, i) != y.d[i] && dm(&a, i) != 1) || (dm(&b, i) != y.d[i] && dm(&b, i) != 1))
      return bx__fail(x, "operands do not broadcast to the output");
  uint32_t iy[BLOB_MAX_DIMS] = {0}, ia[BLOB_MAX_DIMS], ib[BLOB_MAX_DIMS];
  do {
    for (uint32_t i = 0; i < BLOB_MAX_DIMS; i++) {
      ia[i] = i < a.nd && a.d[i] > 1 ? iy[i] : 0;
      ib[i] = i < b.nd && b.d[i] > 1 ? iy[i] : 0;
    }
    st(&y, iy, fn(ld(&a, ia), ld(&b, ib)));
  } while (next(iy, y.d, y.nd));
  return 0;
}
float bx__ld(const BxView *v, const uint32_t *idx) { return ld(v, idx); }
void bx__st(const BxView *v, const uint32_t *idx, float f) { st(v, idx, f); }

/* Advances a minor->major index over dims; false when done. */
static bool next(uint32_t *idx, const uint32_t *d, uint32_t nd) {
  for (uint32_t i = 0; i < nd; i++) {
    if (++idx[i] < d[i]) return true;
    idx[i] = 0;
  }
  return false;
}

static uint64_t count(const V *v) {
  uint64_t n = 1;
  for (uint32_t i = 0; i < v->nd; i++) n *= v->d[i];
  return n;
}

/* Size of dim i (minor->major) or 1 past the rank. */
static uint32_t dm(const V *v, uint32_t i) { return i < v->nd ? v->d[i] : 1; }

/* True when a and y have the same rank and dims from dim `from` on (kernels that index one with
 * the other's index). */
static bool same_dims(const V *a, const V *y, uint32_t from) {
  if (a->nd != y->nd) return false;
  for (uint32_t i = from; i < a->nd; i++)
    if (a->d[i] != y->d[i]) return false;
  return true;
}

static float f32_at(const uint8_t *p) {
  float f;
  memcpy(&f, p, 4);
  return f;
}
static uint32_t u32_at(const uint8_t *p) { return rd_u32(p); }

/* ---- elementwise families ---- */

typedef float (*Unary)(float x, const float *prm);
static float u_copy(float x, const float *p) {
  (void)p;
  return x;
}
static float u_convert(float x, const float *p) { return x * p[0] + p[1]; }
static float u_relu(float x, const float *p) { return x >= 0 ? x : x * p[0]; }
static float u_clamp(float x, const float *p) { return x < p[0] ? p[0] : x > p[1] ? p[1] : x; }
static float u_sigmoid(float x, const float *p) {
  (void)p;
  return 1.0f / (1.0f + expf(-x));
}
static float u_tanh(float x, const float *p) {
  (void)p;
  return tanhf(x);
}
static float u_elu(float x, const float *p) { return x >= 0 ? x : p[0] * (expf(x) - 1); }
static float u_exp(float x, const float *p) {
  (void)p;
  return expf(x);
}
static float u_log(float x, const float *p) {
  (void)p;
  return logf(x);
}
static float u_floor(float x, const float *p) {
  (void)p;
  return floorf(x);
}
static float u_ceil(float x, const float *p) {
  (void)p;
  return ceilf(x);
}
static float u_hswish(float x, const float *p) {
  (void)p;
  float r = x + 3;
  r = r < 0 ? 0 : r > 6 ? 6 : r;
  return x * r / 6;
}
static float u_power(float x, const float *p) { return powf(p[0] + p[1] * x, p[2]); }
/* issue 18: Erf (110), SoftPlus (134), Mish (131), Round (140, p[0] = RoundMode: 0 half to even,
 * 1 half away from zero) */
static float u_erf(float x, const float *p) {
  (void)p;
  return erff(x);
}
static float u_softplus(float x, const float *p) {
  (void)p;
  return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x));
}
static float u_mish(float x, const float *p) { return x * tanhf(u_softplus(x, p)); }
static float u_round(float x, const float *p) { return p[0] != 0 ? roundf(x) : nearbyintf(x); }

static int unary(X *x, const BlobStage *s, Unary f, const float *prm) {
  V a, y;
  if (s->num_buffers < 2 || view(x, &s->buffers[0], &a) < 0 || view(x, &s->buffers[1], &y) < 0)
    return -1;
  if (count(&a) != count(&y)) return fail(x, "input and output sizes differ");
  uint32_t ia[BLOB_MAX_DIMS] = {0}, iy[BLOB_MAX_DIMS] = {0};
  do {
    st(&y, iy, f(ld(&a, ia), prm));
    next(ia, a.d, a.nd);
  } while (next(iy, y.d, y.nd));
  return 0;
}

/* Channel index of a view: C of NCHW (minor->major index 2), or the minor dim of NC / C. */
static uint32_t channel_dim(const V *v) { return v->nd >= 4 ? 2 : 0; }

/* Bias / Scale / ScaleShift / PRelu: per-channel vectors. */
static int per_channel(X *x, const BlobStage *s) {
  V a, y, v1, v2;
  if (s->num_buffers < 3 || view(x, &s->buffers[0], &a) < 0 || view(x, &s->buffers[1], &y) < 0 ||
      view(x, &s->buffers[2], &v1) < 0)
    return -1;
  bool shift = s->type == BLOB_STAGE_SCALE_SHIFT;
  if (shift && (s->num_buffers < 4 || view(x, &s->buffers[3], &v2) < 0)) return -1;
  uint32_t cd = channel_dim(&y), nc = dm(&y, cd);
  if (!same_dims(&a, &y, 0)) return fail(x, "input and output dims differ");
  if (count(&v1) < nc || (shift && count(&v2) < nc))
    return fail(x, "per-channel vector is shorter than the channels");
  uint32_t idx[BLOB_MAX_DIMS] = {0};
  if (v1.d[0] < nc || (shift && v2.d[0] < nc))
    return fail(x, "per-channel vector's first dim is shorter than the channels");
  do {
    uint32_t c[BLOB_MAX_DIMS] = {idx[cd]};
    float in = ld(&a, idx), k = ld(&v1, c), r;
    switch (s->type) {
    case BLOB_STAGE_BIAS: r = in + k; break;
    case BLOB_STAGE_SCALE: r = in * k; break;
    case BLOB_STAGE_PRELU: r = in >= 0 ? in : in * k; break;
    default: r = in * k + ld(&v2, c); break;
    }
    st(&y, idx, r);
  } while (next(idx, y.d, y.nd));
  return 0;
}

/* Sum / Prod / Div / Max / Min / Pow with size-1 broadcasting. */
static int eltwise(X *x, const BlobStage *s) {
  V a, y, b;
  if (s->num_buffers < 3 || view(x, &s->buffers[0], &a) < 0 || view(x, &s->buffers[1], &y) < 0 ||
      view(x, &s->buffers[2], &b) < 0)
    return -1;
  if (s->params_len < 8) return fail(x, "eltwise params too short");
  float c1 = f32_at(s->params), c2 = f32_at(s->params + 4);
  /* postOperation (merge_eltwise_and_relu.cpp): a following Relu / LeakyRelu (negativeSlope) or
   * Clamp (min_value, max_value) fused into the stage; -1 (Empty) when none */
  int32_t post = s->params_len >= 24 ? (int32_t)u32_at(s->params + 8) : -1;
  float slope = 0, lo = 0, hi = 0;
  if (post != -1) {
    if (post != BLOB_STAGE_RELU && post != BLOB_STAGE_LEAKY_RELU && post != BLOB_STAGE_CLAMP)
      return bx__fail(x, "eltwise postOperation %d is not Relu, LeakyRelu or Clamp", post);
    if (y.dt != BLOB_DT_FP16) return fail(x, "eltwise postOperation on a non-FP16 output");
    slope = f32_at(s->params + 12), lo = f32_at(s->params + 16), hi = f32_at(s->params + 20);
  }
  if (a.nd > y.nd || b.nd > y.nd) return fail(x, "operand rank above the output's");
  for (uint32_t i = 0; i < y.nd; i++)
    if ((dm(&a, i) != y.d[i] && dm(&a, i) != 1) || (dm(&b, i) != y.d[i] && dm(&b, i) != 1))
      return fail(x, "operands do not broadcast to the output");
  uint32_t iy[BLOB_MAX_DIMS] = {0}, ia[BLOB_MAX_DIMS], ib[BLOB_MAX_DIMS];
  do {
    for (uint32_t i = 0; i < BLOB_MAX_DIMS; i++) {
      ia[i] = i < a.nd && a.d[i] > 1 ? iy[i] : 0;
      ib[i] = i < b.nd && b.d[i] > 1 ? iy[i] : 0;
    }
    float p = ld(&a, ia), q = ld(&b, ib), r;
    switch (s->type) {
    case BLOB_STAGE_SUM: r = c1 * p + c2 * q; break;
    case BLOB_STAGE_PROD: r = p * q; break;
    case BLOB_STAGE_DIV: r = p / q; break;
    case BLOB_STAGE_MAX: r = p > q ? p : q; break;
    case BLOB_STAGE_MIN: r = p < q ? p : q; break;
    case BLOB_STAGE_EQUAL: r = p == q; break;
    case BLOB_STAGE_LESS: r = p < q; break;
    case BLOB_STAGE_GREATER: r = p > q; break;
    default: r = powf(p, q); break;
    }
    if (post == BLOB_STAGE_CLAMP)
      r = r < lo ? lo : r > hi ? hi : r;
    else if (post != -1 && r < 0)
      r *= slope;
    st(&y, iy, r);
  } while (next(iy, y.d, y.nd));
  return 0;
}

/* Select (90): y = cond != 0 ? then : else, all three broadcasting size-1 dims. */
static int select_stage(X *x, const BlobStage *s) {
  V c, y, a, b;
  if (s->num_buffers < 4 || view(x, &s->buffers[0], &c) < 0 || view(x, &s->buffers[1], &y) < 0 ||
      view(x, &s->buffers[2], &a) < 0 || view(x, &s->buffers[3], &b) < 0)
    return -1;
  const V *ops[3] = {&c, &a, &b};
  for (int k = 0; k < 3; k++) {
    if (ops[k]->nd > y.nd) return fail(x, "operand rank above the output's");
    for (uint32_t i = 0; i < y.nd; i++)
      if (dm(ops[k], i) != y.d[i] && dm(ops[k], i) != 1)
        return fail(x, "operands do not broadcast to the output");
  }
  uint32_t iy[BLOB_MAX_DIMS] = {0}, j[3][BLOB_MAX_DIMS];
  do {
    for (int k = 0; k < 3; k++)
      for (uint32_t i = 0; i < BLOB_MAX_DIMS; i++)
        j[k][i] = i < ops[k]->nd && ops[k]->d[i] > 1 ? iy[i] : 0;
    st(&y, iy, ld(&c, j[0]) != 0 ? ld(&a, j[1]) : ld(&b, j[2]));
  } while (next(iy, y.d, y.nd));
  return 0;
}

/* Gather (100): i32 axis as a memory index; output dims (minor -> major) are the data's below
 * the axis, then the indices' dims, then the data's above it. */
static int gather(X *x, const BlobStage *s) {
  V a, y, ix;
  if (s->num_buffers < 3 || s->params_len < 4 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0 || view(x, &s->buffers[2], &ix) < 0)
    return -1;
  int32_t ax = (int32_t)u32_at(s->params);
  if (ax < 0 || (uint32_t)ax >= a.nd) return fail(x, "gather axis out of range");
  /* a scalar index is stored as [1] and drops the axis (compile_tool's PDPostProcessing blob) */
  uint32_t ni = y.nd + 1 == a.nd && count(&ix) == 1 ? 0 : ix.nd;
  if (y.nd != a.nd - 1 + ni) return fail(x, "gather output rank differs from data + indices - 1");
  for (uint32_t i = 0; i < y.nd; i++) {
    uint32_t want = i < (uint32_t)ax        ? a.d[i]
                    : i < (uint32_t)ax + ni ? ix.d[i - ax]
                                            : a.d[i - ni + 1];
    if (y.d[i] != want) return fail(x, "gather output dims differ from data and indices");
  }
  uint32_t iy[BLOB_MAX_DIMS] = {0}, ia[BLOB_MAX_DIMS], ii[BLOB_MAX_DIMS] = {0};
  do {
    for (uint32_t i = 0; i < ni; i++) ii[i] = iy[ax + i];
    float fv = ld(&ix, ii);
    int64_t k = (int64_t)lrintf(fv);
    if (k < 0) k += a.d[ax];
    if (k < 0 || k >= a.d[ax]) return fail(x, "gather index out of range");
    for (uint32_t i = 0; i < a.nd; i++)
      ia[i] = i < (uint32_t)ax ? iy[i] : i == (uint32_t)ax ? (uint32_t)k : iy[i + ni - 1];
    st(&y, iy, ld(&a, ia));
  } while (next(iy, y.d, y.nd));
  return 0;
}

/* A view's elements as floats, in memory order (minor dim fastest); NULL when out of memory. */
static float *load_all(const V *v) {
  uint64_t cnt = count(v);
  float *f = malloc((size_t)cnt * sizeof *f + 1);
  if (!f) return NULL;
  uint32_t idx[BLOB_MAX_DIMS] = {0};
  uint64_t i = 0;
  do f[i++] = ld(v, idx);
  while (next(idx, v->d, v->nd));
  return f;
}

/* DetectionOutput (37): params as the blob writer packs them (detection_output.cpp). */
static int detection_output(X *x, const BlobStage *s) {
  V l, c, p, y;
  if (s->num_buffers < 4 || s->params_len < 76 || view(x, &s->buffers[0], &l) < 0 ||
      view(x, &s->buffers[1], &c) < 0 || view(x, &s->buffers[2], &p) < 0 ||
      view(x, &s->buffers[3], &y) < 0)
    return -1;
  const uint8_t *q = s->params;
  DetParams dp = {.num_classes = (int32_t)u32_at(q),
                  .share_location = u32_at(q + 4) != 0,
                  .background = (int32_t)u32_at(q + 8),
                  .nms_threshold = f32_at(q + 12),
                  .top_k = (int32_t)u32_at(q + 16),
                  .code_type = (int32_t)u32_at(q + 20),
                  .keep_top_k = (int32_t)u32_at(q + 24),
                  .confidence_threshold = f32_at(q + 28),
                  .variance_encoded = u32_at(q + 32) != 0,
                  .clip_before_nms = u32_at(q + 40) != 0,
                  .clip_after_nms = u32_at(q + 44) != 0,
                  .decrease_label_id = u32_at(q + 48) != 0};
  int32_t P = (int32_t)u32_at(q + 36), N = (int32_t)u32_at(q + 64);
  int64_t C = dp.num_classes, L = dp.share_location ? 1 : C;
  if (C < 1 || P < 1 || N < 1 || C * P > (1 << 26) || u32_at(q + 72) != 0 || dp.code_type < 1 ||
      dp.code_type > 3)
    return fail(x, "bad DetectionOutput parameters");
  if (count(&l) != (uint64_t)N * P * 4 * L || count(&c) != (uint64_t)N * P * C ||
      count(&p) % ((uint64_t)P * 8) || count(&p) / ((uint64_t)P * 8) < 1 || y.nd < 1 || y.d[0] != 7)
    return fail(x, "DetectionOutput buffers do not match its parameters");
  if (bx__spend(x, count(&c) * 32 + count(&y) * 64) < 0)
    return -1; /* sorts and NMS over the kept boxes */
  float *fl = load_all(&l), *fc = load_all(&c), *fp = load_all(&p),
        *fo = calloc((size_t)count(&y) + 1, sizeof *fo);
  int rc = fl && fc && fp && fo ? 0 : fail(x, "out of memory");
  if (rc == 0 && det_output(&dp, N, P, fl, fc, fp, (int)(count(&p) / ((uint64_t)P * 8)), fo,
                            (int64_t)(count(&y) / 7)) < 0)
    rc = fail(x, "out of memory");
  if (rc == 0) {
    uint32_t idx[BLOB_MAX_DIMS] = {0};
    uint64_t i = 0;
    do st(&y, idx, fo[i++]);
    while (next(idx, y.d, y.nd));
  }
  free(fl), free(fc), free(fp), free(fo);
  return rc;
}

/* ---- convolution, FC, pooling ---- */

static const uint16_t *weights(X *x, const BlobBuffer *bb, size_t n) {
  if (bb->location != BLOB_LOC_BLOB || bb->shape.data_type != BLOB_DT_FP16 ||
      (uint64_t)bb->data_offset + n * 2 > x->cst_len)
    return NULL;
  return (const uint16_t *)(uintptr_t)(x->cst + bb->data_offset);
}

static float wv(const uint16_t *w, size_t i) {
  uint16_t h;
  memcpy(&h, &w[i], 2);
  return fp16_to_f32(h);
}

static int conv(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 3 || s->params_len < 32 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0)
    return -1;
  uint32_t kx = u32_at(s->params), ky = u32_at(s->params + 4), sx = u32_at(s->params + 8),
           sy = u32_at(s->params + 12);
  int32_t px = (int32_t)u32_at(s->params + 16), py = (int32_t)u32_at(s->params + 20);
  uint32_t dx = u32_at(s->params + 24), dy = u32_at(s->params + 28);
  if (!kx || !ky || !sx || !sy || !dx || !dy || kx > 64 || ky > 64)
    return fail(x, "bad kernel parameters");
  uint32_t iw = dm(&a, 0), ih = dm(&a, 1), ic = dm(&a, 2), ow = dm(&y, 0), oh = dm(&y, 1),
           oc = dm(&y, 2), n = dm(&a, 3);
  bool depth = s->type == BLOB_STAGE_DEPTH_CONV;
  if (depth && ic != oc) return fail(x, "depthwise conv with different channel counts");
  if (a.nd < 3 || y.nd < 3 || a.nd > 4 || y.nd > 4 || dm(&y, 3) != n)
    return fail(x, "conv input and output must be CHW/NCHW with one batch size");
  size_t K = (size_t)kx * ky, nw = depth ? K * oc : K * ic * oc;
  const uint16_t *w = weights(x, &s->buffers[2], nw);
  if (!w) return fail(x, "weights are not an FP16 constant of the expected size");
  if (bx__spend(x, (uint64_t)n * oc * oh * ow * (depth ? 1 : ic) * K) < 0) return -1;
  bool one = kx == 1 && ky == 1 && dx == 1 && dy == 1;
  for (uint32_t b = 0; b < n; b++)
    for (uint32_t o = 0; o < oc; o++)
      for (uint32_t yy = 0; yy < oh; yy++)
        for (uint32_t xx = 0; xx < ow; xx++) {
          float acc = 0;
          for (uint32_t i = depth ? o : 0; i < (depth ? o + 1 : ic); i++)
            for (uint32_t ty = 0; ty < ky; ty++)
              for (uint32_t tx = 0; tx < kx; tx++) {
                int64_t iy = (int64_t)yy * sy - py + (int64_t)ty * dy,
                        ix = (int64_t)xx * sx - px + (int64_t)tx * dx;
                if (iy < 0 || ix < 0 || iy >= ih || ix >= iw) continue;
                size_t k = tx + (size_t)kx * ty;
                /* layouts written by the blob writer (blob-stages.md §1.2) */
                size_t at = depth ? o + (size_t)oc * k
                            : one ? i + (size_t)ic * o
                                  : i + (size_t)ic * o + (size_t)ic * oc * k;
                uint32_t idx[4] = {(uint32_t)ix, (uint32_t)iy, i, b};
                acc += ld(&a, idx) * wv(w, at);
              }
          uint32_t od[4] = {xx, yy, o, b};
          st(&y, od, acc);
        }
  return 0;
}

/* Deconvolution (22) / DepthDeconv (63): each input pixel scatters into the output at
 * iy*sy - padTop + ky; weights as the blob writer lays them (flipped taps, OC x IC per tap). */
static int deconv(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 3 || s->params_len < 24 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0)
    return -1;
  uint32_t kx = u32_at(s->params), ky = u32_at(s->params + 4), sx = u32_at(s->params + 8),
           sy = u32_at(s->params + 12);
  int32_t px = (int32_t)u32_at(s->params + 16), py = (int32_t)u32_at(s->params + 20);
  if (!kx || !ky || !sx || !sy || kx > 64 || ky > 64) return fail(x, "bad kernel parameters");
  uint32_t iw = dm(&a, 0), ih = dm(&a, 1), ic = dm(&a, 2), ow = dm(&y, 0), oh = dm(&y, 1),
           oc = dm(&y, 2), n = dm(&a, 3);
  bool depth = s->type == BLOB_STAGE_DEPTH_DECONV;
  if (depth && ic != oc) return fail(x, "depthwise deconvolution with different channel counts");
  if (a.nd < 3 || y.nd < 3 || a.nd > 4 || y.nd > 4 || dm(&y, 3) != n)
    return fail(x, "deconvolution input and output must be CHW/NCHW with one batch size");
  size_t K = (size_t)kx * ky, nw = depth ? K * oc : K * ic * oc;
  const uint16_t *w = weights(x, &s->buffers[2], nw);
  if (!w) return fail(x, "weights are not an FP16 constant of the expected size");
  if (bx__spend(x, (uint64_t)n * ic * ih * iw * K * (depth ? 1 : oc) + (uint64_t)n * oc * oh * ow) <
      0)
    return -1;
  size_t plane = (size_t)ow * oh;
  float *acc = calloc(plane * oc + 1, sizeof *acc);
  if (!acc) return fail(x, "out of memory");
  for (uint32_t b = 0; b < n; b++) {
    memset(acc, 0, plane * oc * sizeof *acc);
    for (uint32_t i = 0; i < ic; i++)
      for (uint32_t yy = 0; yy < ih; yy++)
        for (uint32_t xx = 0; xx < iw; xx++) {
          uint32_t idx[4] = {xx, yy, i, b};
          float v = ld(&a, idx);
          for (uint32_t ty = 0; ty < ky; ty++)
            for (uint32_t tx = 0; tx < kx; tx++) {
              int64_t oy = (int64_t)yy * sy - py + ty, ox = (int64_t)xx * sx - px + tx;
              if (oy < 0 || ox < 0 || oy >= oh || ox >= ow) continue;
              size_t tap = (size_t)(ky - 1 - ty) * kx + (kx - 1 - tx);
              for (uint32_t o = depth ? i : 0; o < (depth ? i + 1 : oc); o++) {
                size_t at = depth ? (size_t)o * K + tap : tap * oc * ic + (size_t)o * ic + i;
                acc[(size_t)o * plane + (size_t)oy * ow + (size_t)ox] += v * wv(w, at);
              }
            }
        }
    for (uint32_t o = 0; o < oc; o++)
      for (uint32_t yy = 0; yy < oh; yy++)
        for (uint32_t xx = 0; xx < ow; xx++) {
          uint32_t od[4] = {xx, yy, o, b};
          st(&y, od, acc[(size_t)o * plane + (size_t)yy * ow + xx]);
        }
  }
  free(acc);
  return 0;
}

static int fc(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 3 || view(x, &s->buffers[0], &a) < 0 || view(x, &s->buffers[1], &y) < 0)
    return -1;
  uint32_t ic = a.d[0], oc = y.d[0], rows = (uint32_t)(count(&y) / oc);
  for (uint32_t i = 1; i < a.nd || i < y.nd; i++) /* [C, rows] (NC), more dims of size 1 allowed */
    if (dm(&a, i) != (i == 1 ? rows : 1) || dm(&y, i) != (i == 1 ? rows : 1))
      return fail(x, "FC input and output must be NC with the same rows");
  const uint16_t *w = weights(x, &s->buffers[2], (size_t)ic * oc);
  if (!w) return fail(x, "weights are not an FP16 constant of the expected size");
  if (bx__spend(x, (uint64_t)rows * oc * ic) < 0) return -1;
  for (uint32_t r = 0; r < rows; r++)
    for (uint32_t o = 0; o < oc; o++) {
      float acc = 0;
      for (uint32_t i = 0; i < ic; i++) {
        uint32_t idx[2] = {i, r};
        acc += ld(&a, idx) * wv(w, o + (size_t)oc * i);
      }
      uint32_t od[2] = {o, r};
      st(&y, od, acc);
    }
  return 0;
}

static int pool(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 2 || s->params_len < 28 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0)
    return -1;
  uint32_t kx = u32_at(s->params), ky = u32_at(s->params + 4), sx = u32_at(s->params + 8),
           sy = u32_at(s->params + 12);
  int32_t px = (int32_t)u32_at(s->params + 16), py = (int32_t)u32_at(s->params + 20);
  bool exclude = u32_at(s->params + 24) != 0, avg = s->type == BLOB_STAGE_AVG_POOL;
  if (!kx || !ky || !sx || !sy) return fail(x, "bad pooling parameters");
  if (a.nd < 2 || !same_dims(&a, &y, 2))
    return fail(x, "pooling input and output differ beyond W and H");
  if (bx__spend(x, count(&y) * kx * ky) < 0) return -1;
  uint32_t iw = dm(&a, 0), ih = dm(&a, 1);
  uint32_t idx[BLOB_MAX_DIMS] = {0};
  do {
    float acc = avg ? 0 : -INFINITY;
    uint32_t cnt = 0, total = 0;
    for (uint32_t ty = 0; ty < ky; ty++)
      for (uint32_t tx = 0; tx < kx; tx++) {
        int64_t iy = (int64_t)idx[1] * sy - py + ty, ix = (int64_t)idx[0] * sx - px + tx;
        bool in_pad = iy >= -py && ix >= -px && iy < (int64_t)ih + py && ix < (int64_t)iw + px;
        if (iy < 0 || ix < 0 || iy >= ih || ix >= iw) {
          total += in_pad;
          continue;
        }
        uint32_t ii[BLOB_MAX_DIMS];
        memcpy(ii, idx, sizeof ii);
        ii[0] = (uint32_t)ix;
        ii[1] = (uint32_t)iy;
        float v = ld(&a, ii);
        if (avg)
          acc += v;
        else if (v > acc)
          acc = v;
        cnt++;
        total++;
      }
    if (avg) acc /= (float)(exclude ? (cnt ? cnt : 1) : (total ? total : 1));
    st(&y, idx, acc);
  } while (next(idx, y.d, y.nd));
  return 0;
}

static int softmax(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 2 || s->params_len < 4 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0)
    return -1;
  uint32_t ax = u32_at(s->params);
  if (ax >= a.nd || !same_dims(&a, &y, 0))
    return fail(x, "softmax axis out of range or input and output dims differ");
  uint32_t outer[BLOB_MAX_DIMS];
  memcpy(outer, a.d, sizeof outer);
  outer[ax] = 1;
  uint32_t idx[BLOB_MAX_DIMS] = {0};
  do {
    float mx = -INFINITY, sum = 0;
    for (uint32_t k = 0; k < a.d[ax]; k++) {
      idx[ax] = k;
      float v = ld(&a, idx);
      if (v > mx) mx = v;
    }
    for (uint32_t k = 0; k < a.d[ax]; k++) {
      idx[ax] = k;
      sum += expf(ld(&a, idx) - mx);
    }
    for (uint32_t k = 0; k < a.d[ax]; k++) {
      idx[ax] = k;
      st(&y, idx, expf(ld(&a, idx) - mx) / sum);
    }
    idx[ax] = 0;
  } while (next(idx, outer, a.nd));
  return 0;
}

static int permute(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 2 || s->params_len < 32 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0)
    return -1;
  uint32_t p[8];
  for (uint32_t m = 0; m < y.nd; m++) {
    p[m] = u32_at(s->params + 4 * m);
    if (p[m] >= a.nd || a.d[p[m]] != y.d[m])
      return fail(x, "permutation does not match the shapes");
  }
  uint32_t iy[BLOB_MAX_DIMS] = {0}, ia[BLOB_MAX_DIMS] = {0};
  do {
    for (uint32_t m = 0; m < y.nd; m++) ia[p[m]] = iy[m];
    st(&y, iy, ld(&a, ia));
  } while (next(iy, y.d, y.nd));
  return 0;
}

static int strided_slice(X *x, const BlobStage *s) {
  V a, vb, ve, vs, y;
  if (s->num_buffers < 5 || view(x, &s->buffers[0], &a) < 0 || view(x, &s->buffers[1], &vb) < 0 ||
      view(x, &s->buffers[2], &ve) < 0 || view(x, &s->buffers[3], &vs) < 0 ||
      view(x, &s->buffers[4], &y) < 0)
    return -1;
  uint32_t r = a.nd, mask = s->params_len >= 4 ? u32_at(s->params) : 0;
  if (count(&vb) < r || count(&vs) < r || y.nd != r)
    return fail(x, "begin/strides do not match the rank");
  int64_t beg[8], stp[8];
  for (uint32_t i = 0; i < r; i++) { /* i in IE order (major -> minor) */
    uint32_t k[1] = {i};
    bool use = (mask >> i) & 1;
    beg[i] = use ? (int64_t)ld(&vb, k) : 0;
    stp[i] = use ? (int64_t)ld(&vs, k) : 1;
    if (stp[i] <= 0) return fail(x, "non-positive stride");
  }
  uint32_t iy[BLOB_MAX_DIMS] = {0}, ia[BLOB_MAX_DIMS];
  do {
    for (uint32_t m = 0; m < r; m++) {
      uint32_t ie = r - 1 - m;
      int64_t v = beg[ie] + (int64_t)iy[m] * stp[ie];
      if (v < 0 || v >= a.d[m]) return fail(x, "slice reads outside its input");
      ia[m] = (uint32_t)v;
    }
    st(&y, iy, ld(&a, ia));
  } while (next(iy, y.d, y.nd));
  return 0;
}

static int resample(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 2 || view(x, &s->buffers[0], &a) < 0 || view(x, &s->buffers[1], &y) < 0)
    return -1;
  if (a.nd < 2 || !same_dims(&a, &y, 2))
    return fail(x, "resize input and output differ beyond W and H");
  bool linear = s->type == BLOB_STAGE_INTERP;
  uint32_t ctm = linear ? (s->params_len >= 12 ? u32_at(s->params + 8) : 2)
                        : (s->params_len >= 16 ? u32_at(s->params + 12) : 0);
  uint32_t nm = !linear && s->params_len >= 20 ? u32_at(s->params + 16) : 0;
  bool align = linear && s->params_len >= 4 && u32_at(s->params) != 0;
  uint32_t iw = dm(&a, 0), ih = dm(&a, 1), ow = dm(&y, 0), oh = dm(&y, 1);
  uint32_t idx[BLOB_MAX_DIMS] = {0};
  do {
    float src[2];
    uint32_t in_d[2] = {iw, ih}, out_d[2] = {ow, oh};
    for (int k = 0; k < 2; k++) {
      float scale = (float)in_d[k] / (float)out_d[k], o = (float)idx[k];
      if (align || ctm == 4)
        src[k] = out_d[k] > 1 ? o * (float)(in_d[k] - 1) / (float)(out_d[k] - 1) : 0;
      else if (ctm == 2)
        src[k] = o * scale; /* asymmetric */
      else if (ctm == 3)
        src[k] = (o + 0.5f) * scale; /* tf_half_pixel_for_nn */
      else if (ctm == 1 && out_d[k] <= 1)
        src[k] = 0;
      else
        src[k] = (o + 0.5f) * scale - 0.5f; /* half_pixel, pytorch_half_pixel */
    }
    uint32_t ii[BLOB_MAX_DIMS];
    memcpy(ii, idx, sizeof ii);
    float r;
    if (!linear) {
      for (int k = 0; k < 2; k++) {
        float v = src[k];
        float q = nm == 0   ? (v - floorf(v) == 0.5f ? floorf(v) : roundf(v))
                  : nm == 1 ? roundf(v)
                  : nm == 2 ? floorf(v)
                  : nm == 3 ? ceilf(v)
                            : floorf(v);
        int64_t iq = (int64_t)q;
        if (iq < 0) iq = 0;
        if (iq >= in_d[k]) iq = in_d[k] - 1;
        ii[k] = (uint32_t)iq;
      }
      r = ld(&a, ii);
    } else {
      float fx = src[0] < 0 ? 0 : src[0], fy = src[1] < 0 ? 0 : src[1];
      uint32_t x0 = (uint32_t)fx, y0 = (uint32_t)fy;
      if (x0 >= iw) x0 = iw - 1;
      if (y0 >= ih) y0 = ih - 1;
      uint32_t x1 = x0 + 1 < iw ? x0 + 1 : x0, y1 = y0 + 1 < ih ? y0 + 1 : y0;
      float wx = fx - (float)x0, wy = fy - (float)y0;
      ii[0] = x0, ii[1] = y0;
      float v00 = ld(&a, ii);
      ii[0] = x1;
      float v01 = ld(&a, ii);
      ii[1] = y1;
      float v11 = ld(&a, ii);
      ii[0] = x0;
      float v10 = ld(&a, ii);
      r = (v00 * (1 - wx) + v01 * wx) * (1 - wy) + (v10 * (1 - wx) + v11 * wx) * wy;
    }
    st(&y, idx, r);
  } while (next(idx, y.d, y.nd));
  return 0;
}

static int pad(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 2 || s->params_len < 40 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0)
    return -1;
  if (a.nd != y.nd) return fail(x, "pad input and output ranks differ");
  uint32_t begin[4];
  for (int i = 0; i < 4; i++) begin[i] = u32_at(s->params + 8 * i);
  float value = f32_at(s->params + 32);
  uint32_t mode = u32_at(s->params + 36);
  uint32_t iy[BLOB_MAX_DIMS] = {0}, ia[BLOB_MAX_DIMS] = {0};
  do {
    bool inside = true;
    for (uint32_t m = 0; m < y.nd; m++) {
      int64_t v = (int64_t)iy[m] - (m < 4 ? begin[m] : 0), n = a.d[m];
      if (v < 0 || v >= n) {
        if (mode == 0)
          inside = false;
        else if (mode == 1)
          v = v < 0 ? 0 : n - 1;
        else
          v = v < 0 ? -v : 2 * (n - 1) - v; /* reflect */
        if (v < 0 || v >= n) v = v < 0 ? 0 : n - 1;
      }
      ia[m] = (uint32_t)v;
    }
    st(&y, iy, inside ? ld(&a, ia) : value);
  } while (next(iy, y.d, y.nd));
  return 0;
}

/* ---- reductions, matrix product, top-k ---- */

/* Reads a 1-D S32 const (axes, K) into v (at most max values); the count, or -1. */
static int s32_list(X *x, const BlobBuffer *bb, int32_t *v, uint32_t max) {
  V a;
  if (view(x, bb, &a) < 0) return -1;
  if (a.dt != BLOB_DT_S32 || a.nd != 1 || a.d[0] > max) return fail(x, "expected a short S32 list");
  for (uint32_t i = 0; i < a.d[0]; i++) {
    uint32_t k[1] = {i};
    v[i] = (int32_t)ld(&a, k);
  }
  return (int)a.d[0];
}

/* ReduceMean / ReduceMax / ReduceSum: params i32 keep_dims; buffers input, output, axes (S32
 * memory-order dim indices). With keep_dims 0 the output drops the reduced dims. */
static int reduce(X *x, const BlobStage *s) {
  V a, y;
  int32_t ax[BLOB_MAX_DIMS];
  if (s->num_buffers < 3 || s->params_len < 4 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0)
    return -1;
  int na = s32_list(x, &s->buffers[2], ax, BLOB_MAX_DIMS);
  if (na < 0) return -1;
  bool keep = u32_at(s->params) != 0;
  uint32_t mask = 0;
  for (int i = 0; i < na; i++) {
    if (ax[i] < 0 || (uint32_t)ax[i] >= a.nd) return fail(x, "reduction axis out of range");
    mask |= 1u << ax[i];
  }
  /* output index of every input index: reduced dims dropped (keep 0) or set to 0 (keep 1) */
  uint32_t ny = 0, kept[BLOB_MAX_DIMS];
  for (uint32_t m = 0; m < a.nd; m++) {
    if (!((mask >> m) & 1))
      kept[ny++] = m;
    else if (keep)
      kept[ny++] = BLOB_MAX_DIMS; /* a reduced dim kept with size 1 */
  }
  if (ny != y.nd && !(ny == 0 && count(&y) == 1))
    return fail(x, "output rank does not match the reduction");
  for (uint32_t i = 0; i < ny && i < y.nd; i++)
    if (y.d[i] != (kept[i] == BLOB_MAX_DIMS ? 1 : a.d[kept[i]]))
      return fail(x, "output dims do not match the reduction");
  uint64_t n = count(&y);
  double *acc = calloc(n ? n : 1, sizeof(double));
  if (!acc) return fail(x, "out of memory");
  bool mx = s->type == BLOB_STAGE_REDUCE_MAX, mn = s->type == BLOB_STAGE_REDUCE_MIN;
  for (uint64_t i = 0; i < n; i++) acc[i] = mx ? -INFINITY : mn ? INFINITY : 0;
  uint32_t ia[BLOB_MAX_DIMS] = {0};
  do { /* flat output index, minor -> major */
    uint64_t o = 0, mul = 1;
    for (uint32_t i = 0; i < ny && i < y.nd; i++) {
      if (kept[i] != BLOB_MAX_DIMS) o += ia[kept[i]] * mul;
      mul *= y.d[i];
    }
    float v = ld(&a, ia);
    if (mx)
      acc[o] = v > acc[o] ? v : acc[o];
    else if (mn)
      acc[o] = v < acc[o] ? v : acc[o];
    else
      acc[o] += v;
  } while (next(ia, a.d, a.nd));
  uint64_t cnt = count(&a) / (n ? n : 1);
  uint32_t iy[BLOB_MAX_DIMS] = {0};
  uint64_t o = 0;
  do {
    double v = acc[o++];
    if (s->type == BLOB_STAGE_REDUCE_MEAN) v /= (double)cnt;
    st(&y, iy, (float)v);
  } while (next(iy, y.d, y.nd));
  free(acc);
  return 0;
}

/* GEMM: params f32 alpha, f32 beta, i32 hasThreeInputs, i32 transposeA, i32 transposeB;
 * buffers A, B, [C], Y. Memory dims 0, 1 are the matrix (columns, rows), dims 2.. batch
 * (size-1 batch dims broadcast). Y = alpha op(A) op(B) + beta C. */
static int gemm(X *x, const BlobStage *s) {
  V a, b, c, y;
  if (s->params_len < 20 || s->num_buffers < 3) return fail(x, "GEMM params or buffers missing");
  float alpha = f32_at(s->params), beta = f32_at(s->params + 4);
  bool three = u32_at(s->params + 8) != 0, ta = u32_at(s->params + 12) != 0,
       tb = u32_at(s->params + 16) != 0;
  if (s->num_buffers < (three ? 4u : 3u)) return fail(x, "GEMM buffers missing");
  if (view(x, &s->buffers[0], &a) < 0 || view(x, &s->buffers[1], &b) < 0 ||
      (three && view(x, &s->buffers[2], &c) < 0) || view(x, &s->buffers[three ? 3 : 2], &y) < 0)
    return -1;
  if (a.nd < 2 || b.nd < 2 || y.nd < 2 || a.nd != y.nd || b.nd != y.nd)
    return fail(x, "GEMM operands must have the output's rank >= 2");
  uint32_t m = ta ? a.d[0] : a.d[1], k = ta ? a.d[1] : a.d[0], kb = tb ? b.d[0] : b.d[1],
           nn = tb ? b.d[1] : b.d[0];
  if (k != kb || y.d[1] != m || y.d[0] != nn) return fail(x, "GEMM shapes do not match");
  for (uint32_t i = 2; i < y.nd; i++)
    if ((a.d[i] != y.d[i] && a.d[i] != 1) || (b.d[i] != y.d[i] && b.d[i] != 1))
      return fail(x, "GEMM batch dims do not match");
  if (bx__spend(x, count(&y) * k) < 0) return -1;
  uint32_t iy[BLOB_MAX_DIMS] = {0}, ia[BLOB_MAX_DIMS], ib[BLOB_MAX_DIMS], ic[BLOB_MAX_DIMS];
  do {
    for (uint32_t i = 2; i < y.nd; i++) {
      ia[i] = a.d[i] > 1 ? iy[i] : 0;
      ib[i] = b.d[i] > 1 ? iy[i] : 0;
    }
    double acc = 0;
    for (uint32_t j = 0; j < k; j++) {
      ia[0] = ta ? iy[1] : j, ia[1] = ta ? j : iy[1];
      ib[0] = tb ? j : iy[0], ib[1] = tb ? iy[0] : j;
      acc += (double)ld(&a, ia) * ld(&b, ib);
    }
    acc *= alpha;
    if (three) {
      for (uint32_t i = 0; i < BLOB_MAX_DIMS; i++) ic[i] = i < c.nd && c.d[i] > 1 ? iy[i] : 0;
      acc += (double)beta * ld(&c, ic);
    }
    st(&y, iy, (float)acc);
  } while (next(iy, y.d, y.nd));
  return 0;
}

typedef struct {
  float v;
  uint32_t i;
} KV;

static int kv_max(const void *p, const void *q) {
  const KV *a = p, *b = q;
  if (a->v != b->v) return a->v > b->v ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}
static int kv_min(const void *p, const void *q) {
  const KV *a = p, *b = q;
  if (a->v != b->v) return a->v < b->v ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}
static int kv_index(const void *p, const void *q) {
  const KV *a = p, *b = q;
  return a->i < b->i ? -1 : a->i > b->i;
}

/* TopK: params i32 axisInd, mode (0 max, 1 min), sort (0 none, 1 value, 2 index),
 * valuesPresent, indicesPresent; buffers input, K (S32 [1]), [values], [indices]. Equal values
 * keep the lower index first (the firmware's tie order is not public). "None" is written in
 * value order. */
static int topk(X *x, const BlobStage *s) {
  V a, vo, io;
  int32_t kk[1];
  if (s->params_len < 20 || s->num_buffers < 3 || view(x, &s->buffers[0], &a) < 0) return -1;
  uint32_t ax = u32_at(s->params), mode = u32_at(s->params + 4), sort = u32_at(s->params + 8);
  bool hv = u32_at(s->params + 12) != 0, hi = u32_at(s->params + 16) != 0;
  if (s32_list(x, &s->buffers[1], kk, 1) != 1) return fail(x, "K must be one S32 value");
  if (s->num_buffers < 2u + hv + hi || (!hv && !hi)) return fail(x, "TopK outputs missing");
  if ((hv && view(x, &s->buffers[2], &vo) < 0) || (hi && view(x, &s->buffers[hv ? 3 : 2], &io) < 0))
    return -1;
  if (ax >= a.nd || kk[0] < 1 || (uint32_t)kk[0] > a.d[ax])
    return fail(x, "TopK axis or K out of range");
  uint32_t k = (uint32_t)kk[0];
  const V *o = hv ? &vo : &io;
  if (o->nd != a.nd || (hv && hi && (io.nd != a.nd)))
    return fail(x, "TopK output rank differs from the input's");
  for (uint32_t i = 0; i < a.nd; i++) {
    uint32_t want = i == ax ? k : a.d[i];
    if (o->d[i] != want || (hv && hi && io.d[i] != want))
      return fail(x, "TopK output dims do not match");
  }
  if (bx__spend(x, count(&a) * 32) < 0) return -1; /* a sort per row: n log n, log n <= 32 */
  KV *buf = malloc((size_t)a.d[ax] * sizeof(KV));
  if (!buf) return fail(x, "out of memory");
  uint32_t outer[BLOB_MAX_DIMS], idx[BLOB_MAX_DIMS] = {0};
  memcpy(outer, a.d, sizeof outer);
  outer[ax] = 1;
  do {
    for (uint32_t j = 0; j < a.d[ax]; j++) {
      idx[ax] = j;
      buf[j] = (KV){ld(&a, idx), j};
    }
    qsort(buf, a.d[ax], sizeof(KV), mode == 1 ? kv_min : kv_max);
    if (sort == 2) qsort(buf, k, sizeof(KV), kv_index);
    for (uint32_t j = 0; j < k; j++) {
      idx[ax] = j;
      if (hv) st(&vo, idx, buf[j].v);
      if (hi) st(&io, idx, (float)buf[j].i);
    }
    idx[ax] = 0;
  } while (next(idx, outer, a.nd));
  free(buf);
  return 0;
}

/* Tile: params i32 axisInd (memory index), i32 tiles; buffers input, output. The input
 * repeated `tiles` times along that dim. */
/* LRN (11) across channels: y = x * (k + alpha / size * sum of x^2 over the size channels
 * centred on c) ^ -beta; params u32 size, FP16 k, alpha, beta. */
static int lrn(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 2 || s->params_len < 10 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0)
    return -1;
  uint32_t size = u32_at(s->params);
  uint16_t hk, ha, hb;
  memcpy(&hk, s->params + 4, 2), memcpy(&ha, s->params + 6, 2), memcpy(&hb, s->params + 8, 2);
  float k = fp16_to_f32(hk), alpha = fp16_to_f32(ha), beta = fp16_to_f32(hb);
  if (!size || a.nd != 4 || y.nd != 4) return fail(x, "bad LRN parameters or ranks");
  if (bx__spend(x, count(&a) * (size < a.d[2] ? size : a.d[2])) < 0) return -1;
  for (uint32_t i = 0; i < a.nd; i++)
    if (a.d[i] != y.d[i]) return fail(x, "LRN input and output dims differ");
  uint32_t idx[BLOB_MAX_DIMS] = {0}, cd = 2, nc = a.d[cd], half = size / 2;
  do {
    uint32_t c = idx[cd], lo = c >= half ? c - half : 0, hi = c + half < nc ? c + half : nc - 1;
    uint32_t j[BLOB_MAX_DIMS];
    memcpy(j, idx, sizeof j);
    float sum = 0;
    for (uint32_t q = lo; q <= hi; q++) {
      j[cd] = q;
      float v = ld(&a, j);
      sum += v * v;
    }
    st(&y, idx, ld(&a, idx) * powf(k + alpha / (float)size * sum, -beta));
  } while (next(idx, a.d, a.nd));
  return 0;
}

static int tile(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 2 || s->params_len < 8 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0)
    return -1;
  uint32_t ax = u32_at(s->params), tiles = u32_at(s->params + 4);
  if (ax >= a.nd || a.nd != y.nd) return fail(x, "tile axis out of range");
  for (uint32_t i = 0; i < a.nd; i++)
    if (y.d[i] != (i == ax ? a.d[i] * tiles : a.d[i]))
      return fail(x, "tile output dims do not match");
  uint32_t iy[BLOB_MAX_DIMS] = {0}, ia[BLOB_MAX_DIMS];
  do {
    memcpy(ia, iy, sizeof ia);
    ia[ax] = iy[ax] % a.d[ax];
    st(&y, iy, ld(&a, ia));
  } while (next(iy, y.d, y.nd));
  return 0;
}

/* MVN (62): params u32 normalize, u32 across_channels, f32 eps (2021.2 and older, 12 bytes) or
 * u32 normalize, across_channels, across_width, f32 eps (2021.4.1+, 16 bytes); buffers input,
 * output (stages/mvn.cpp). y = x - mean, divided by sqrt(variance) + eps when normalize (eps
 * outside the root: the only mode the plugin accepts). Mean and variance per (n, c) over H, W,
 * or per n over C, H, W when across_channels. across_width is not implemented (refused). */
static int mvn(X *x, const BlobStage *s) {
  V a, y;
  if (s->num_buffers < 2 || s->params_len < 12 || view(x, &s->buffers[0], &a) < 0 ||
      view(x, &s->buffers[1], &y) < 0)
    return -1;
  bool norm = u32_at(s->params) != 0, across = u32_at(s->params + 4) != 0;
  float eps = f32_at(s->params + (s->params_len >= 16 ? 12 : 8));
  if (s->params_len >= 16 && u32_at(s->params + 8) != 0)
    return fail(x, "MVN across_width is not implemented");
  if (a.nd != y.nd || a.nd < 2 || a.nd > 4)
    return fail(x, "MVN wants matching 2-D to 4-D input and output");
  for (uint32_t i = 0; i < a.nd; i++)
    if (a.d[i] != y.d[i]) return fail(x, "MVN input and output dims differ");
  /* group = the dims reduced together: W, H (and C when across) */
  uint32_t nred = a.nd >= 3 ? (across ? 3 : 2) : 1;
  if (nred > a.nd) nred = a.nd;
  uint32_t outer[BLOB_MAX_DIMS] = {1, 1, 1, 1, 1, 1, 1, 1},
           inner[BLOB_MAX_DIMS] = {1, 1, 1, 1, 1, 1, 1, 1};
  for (uint32_t i = 0; i < a.nd; i++) (i < nred ? inner : outer)[i] = a.d[i];
  uint64_t cnt = 1;
  for (uint32_t i = 0; i < nred; i++) cnt *= a.d[i];
  if (bx__spend(x, 3 * count(&a)) < 0) return -1;
  uint32_t o[BLOB_MAX_DIMS] = {0};
  do {
    uint32_t i[BLOB_MAX_DIMS] = {0}, idx[BLOB_MAX_DIMS];
    double sum = 0, sq = 0;
    do {
      for (uint32_t k = 0; k < a.nd; k++) idx[k] = k < nred ? i[k] : o[k];
      double v = ld(&a, idx);
      sum += v, sq += v * v;
    } while (next(i, inner, nred));
    double mean = sum / (double)cnt, var = sq / (double)cnt - mean * mean;
    double div = norm ? sqrt(var > 0 ? var : 0) + eps : 1;
    do {
      for (uint32_t k = 0; k < a.nd; k++) idx[k] = k < nred ? i[k] : o[k];
      st(&y, idx, (float)((ld(&a, idx) - mean) / div));
    } while (next(i, inner, nred));
  } while (next(o, outer, a.nd));
  return 0;
}

/* ---- dispatch ---- */

bool blob_exec_supports(uint32_t t) {
  switch (t) {
  case BLOB_STAGE_COPY:
  case BLOB_STAGE_CONVERT:
  case BLOB_STAGE_RELU:
  case BLOB_STAGE_LEAKY_RELU:
  case BLOB_STAGE_CLAMP:
  case BLOB_STAGE_SIGMOID:
  case BLOB_STAGE_TANH:
  case BLOB_STAGE_ELU:
  case BLOB_STAGE_EXP:
  case BLOB_STAGE_LOG:
  case BLOB_STAGE_FLOOR:
  case BLOB_STAGE_CEILING:
  case BLOB_STAGE_HSWISH:
  case BLOB_STAGE_POWER:
  case BLOB_STAGE_BIAS:
  case BLOB_STAGE_SCALE:
  case BLOB_STAGE_SCALE_SHIFT:
  case BLOB_STAGE_PRELU:
  case BLOB_STAGE_SUM:
  case BLOB_STAGE_PROD:
  case BLOB_STAGE_DIV:
  case BLOB_STAGE_MAX:
  case BLOB_STAGE_MIN:
  case BLOB_STAGE_POW:
  case BLOB_STAGE_CONV:
  case BLOB_STAGE_DEPTH_CONV:
  case BLOB_STAGE_FC:
  case BLOB_STAGE_MAX_POOL:
  case BLOB_STAGE_AVG_POOL:
  case BLOB_STAGE_GLOBAL_MAX_POOL:
  case BLOB_STAGE_SOFT_MAX:
  case BLOB_STAGE_PERMUTE:
  case BLOB_STAGE_STRIDED_SLICE:
  case BLOB_STAGE_RESAMPLE:
  case BLOB_STAGE_INTERP:
  case BLOB_STAGE_PAD:
  case BLOB_STAGE_REDUCE_MEAN:
  case BLOB_STAGE_REDUCE_MAX:
  case BLOB_STAGE_REDUCE_SUM:
  case BLOB_STAGE_GEMM:
  case BLOB_STAGE_TOP_K:
  case BLOB_STAGE_TILE:
  case BLOB_STAGE_LRN:
  case BLOB_STAGE_DECONVOLUTION:
  case BLOB_STAGE_DEPTH_DECONV:
  case BLOB_STAGE_EQUAL:
  case BLOB_STAGE_LESS:
  case BLOB_STAGE_GREATER:
  case BLOB_STAGE_SELECT:
  case BLOB_STAGE_GATHER:
  case BLOB_STAGE_DETECTION_OUTPUT:
  case BLOB_STAGE_MYRIAD_X_HW_OP:
  case BLOB_STAGE_MVN: return true;
  case BLOB_STAGE_ERF:
  case BLOB_STAGE_SOFT_PLUS:
  case BLOB_STAGE_MISH:
  case BLOB_STAGE_ROUND: return true;
  case BLOB_STAGE_REDUCE_MIN: return true;
  default: return bx__supports_ir(t);
  }
}

/* Elements of a static shape, saturating; 0 when unknown. */
static uint64_t shape_count(const BlobShape *sh) {
  if (!sh->dims_known) return 0;
  uint64_t n = 1;
  for (uint32_t i = 0; i < sh->num_dims; i++) {
    if (sh->dims_raw[i] && n > UINT64_MAX / sh->dims_raw[i]) return UINT64_MAX;
    n *= sh->dims_raw[i];
  }
  return n;
}

static int dispatch(X *x, const BlobStage *s);

/* Runs one stage; a kernel that refuses the stage's buffer count or params without a message
 * gets one here. */
static int run_stage(X *x, const BlobStage *s) {
  x->err->msg[0] = 0;
  int rc = dispatch(x, s);
  if (rc < 0 && !x->err->msg[0]) fail(x, "buffers or parameters missing for this stage type");
  return rc;
}

static int dispatch(X *x, const BlobStage *s) {
  float prm[3] = {0, 0, 0};
  const uint8_t *p = s->params;
  uint64_t moves = 0; /* every kernel touches each element of its buffers about once */
  for (uint32_t i = 0; i < s->num_buffers; i++) {
    uint64_t c = shape_count(&s->buffers[i].shape);
    moves = moves > UINT64_MAX - c ? UINT64_MAX : moves + c;
  }
  if (bx__spend(x, moves) < 0) return -1;
  switch (s->type) {
  case BLOB_STAGE_COPY: return unary(x, s, u_copy, prm);
  case BLOB_STAGE_CONVERT:
    if (s->params_len < 8) return fail(x, "params too short");
    prm[0] = f32_at(p), prm[1] = f32_at(p + 4);
    return unary(x, s, u_convert, prm);
  case BLOB_STAGE_RELU:
  case BLOB_STAGE_LEAKY_RELU:
    if (s->params_len < 8) return fail(x, "params too short");
    prm[0] = f32_at(p + 4);
    return unary(x, s, u_relu, prm);
  case BLOB_STAGE_CLAMP:
    if (s->params_len < 8) return fail(x, "params too short");
    prm[0] = f32_at(p), prm[1] = f32_at(p + 4);
    return unary(x, s, u_clamp, prm);
  case BLOB_STAGE_ELU: prm[0] = s->params_len >= 4 ? f32_at(p) : 1; return unary(x, s, u_elu, prm);
  case BLOB_STAGE_POWER:
    if (s->params_len < 12) return fail(x, "params too short");
    prm[0] = f32_at(p), prm[1] = f32_at(p + 4), prm[2] = f32_at(p + 8);
    return unary(x, s, u_power, prm);
  case BLOB_STAGE_SIGMOID: return unary(x, s, u_sigmoid, prm);
  case BLOB_STAGE_TANH: return unary(x, s, u_tanh, prm);
  case BLOB_STAGE_EXP: return unary(x, s, u_exp, prm);
  case BLOB_STAGE_LOG: return unary(x, s, u_log, prm);
  case BLOB_STAGE_FLOOR: return unary(x, s, u_floor, prm);
  case BLOB_STAGE_CEILING: return unary(x, s, u_ceil, prm);
  case BLOB_STAGE_HSWISH: return unary(x, s, u_hswish, prm);
  case BLOB_STAGE_ERF: return unary(x, s, u_erf, prm);
  case BLOB_STAGE_SOFT_PLUS: return unary(x, s, u_softplus, prm);
  case BLOB_STAGE_MISH: return unary(x, s, u_mish, prm);
  case BLOB_STAGE_ROUND:
    if (s->params_len < 4) return fail(x, "params too short");
    prm[0] = (float)rd_u32(p);
    return unary(x, s, u_round, prm);
  case BLOB_STAGE_BIAS:
  case BLOB_STAGE_SCALE:
  case BLOB_STAGE_SCALE_SHIFT:
  case BLOB_STAGE_PRELU: return per_channel(x, s);
  case BLOB_STAGE_SUM:
  case BLOB_STAGE_PROD:
  case BLOB_STAGE_DIV:
  case BLOB_STAGE_MAX:
  case BLOB_STAGE_MIN:
  case BLOB_STAGE_POW:
  case BLOB_STAGE_EQUAL:
  case BLOB_STAGE_LESS:
  case BLOB_STAGE_GREATER: return eltwise(x, s);
  case BLOB_STAGE_SELECT: return select_stage(x, s);
  case BLOB_STAGE_GATHER: return gather(x, s);
  case BLOB_STAGE_DETECTION_OUTPUT: return detection_output(x, s);
  case BLOB_STAGE_CONV:
  case BLOB_STAGE_DEPTH_CONV: return conv(x, s);
  case BLOB_STAGE_FC: return fc(x, s);
  case BLOB_STAGE_MAX_POOL:
  case BLOB_STAGE_AVG_POOL:
  case BLOB_STAGE_GLOBAL_MAX_POOL: return pool(x, s);
  case BLOB_STAGE_SOFT_MAX: return softmax(x, s);
  case BLOB_STAGE_PERMUTE: return permute(x, s);
  case BLOB_STAGE_STRIDED_SLICE: return strided_slice(x, s);
  case BLOB_STAGE_RESAMPLE:
  case BLOB_STAGE_INTERP: return resample(x, s);
  case BLOB_STAGE_PAD: return pad(x, s);
  case BLOB_STAGE_REDUCE_MEAN:
  case BLOB_STAGE_REDUCE_MAX:
  case BLOB_STAGE_REDUCE_SUM: return reduce(x, s);
  case BLOB_STAGE_REDUCE_MIN: return reduce(x, s);
  case BLOB_STAGE_GEMM: return gemm(x, s);
  case BLOB_STAGE_TOP_K: return topk(x, s);
  case BLOB_STAGE_TILE: return tile(x, s);
  case BLOB_STAGE_LRN: return lrn(x, s);
  case BLOB_STAGE_DECONVOLUTION:
  case BLOB_STAGE_DEPTH_DECONV: return deconv(x, s);
  case BLOB_STAGE_MVN: return mvn(x, s);
  case BLOB_STAGE_MYRIAD_X_HW_OP: return hw_exec_stage(x, s);
  default: {
    int rc = bx__run_ir(x, s); /* the stages of blob_exec_ir.c; 1: not one of them */
    return rc == 1 ? fail(x, "no CPU kernel for this stage type") : rc;
  }
  }
}

int bx__run_stage(BxCtx *x, const BlobStage *s) { return run_stage(x, s); }

/* Allocates the areas of a run; -1 with err when over opts->max_memory or out of memory. */
static int alloc_areas(X *x, const uint8_t *data, const BlobExecOpts *o) {
  const BlobInfo *b = x->b;
  x->cst_len = b->hdr.file_size - b->hdr.const_section;
  x->in_len = b->hdr.inputs_size;
  x->out_len = b->hdr.outputs_size;
  x->bss_len = b->hdr.bss_mem_size;
  x->cmx_len = (size_t)b->hdr.cmx_slices * BLOB_CMX_SLICE_SIZE;
  uint64_t total = (uint64_t)x->cst_len + x->in_len + x->out_len + x->bss_len + x->cmx_len;
  if (o && o->max_memory && total > o->max_memory)
    return err_set(x->err, ERR_OOM,
                   "the blob's memory areas need %llu bytes, more than the limit of %llu",
                   (unsigned long long)total, (unsigned long long)o->max_memory);
  x->cst = malloc(x->cst_len + 1);
  x->in = calloc(x->in_len + 1, 1);
  x->out = calloc(x->out_len + 1, 1);
  x->bss = calloc(x->bss_len + 1, 1);
  x->cmx = calloc(x->cmx_len + 1, 1);
  if (!x->cst || !x->in || !x->out || !x->bss || !x->cmx)
    return err_set(x->err, ERR_OOM, "cannot allocate the blob's memory areas (%llu bytes)",
                   (unsigned long long)total);
  memcpy(x->cst, data + b->base + b->hdr.const_section, x->cst_len);
  return 0;
}

int blob_exec_ex(BlobRun *run, const BlobInfo *b, const uint8_t *data, size_t len,
                 const void *const *inputs, const BlobExecOpts *opts, Err *err) {
  memset(run, 0, sizeof *run);
  if ((uint64_t)b->base + b->hdr.file_size > len || b->hdr.const_section > b->hdr.file_size)
    return err_set(err, ERR_BACKEND, "blob is shorter than its header says");
  if (b->hdr.outputs_count > 64) return err_set(err, ERR_BACKEND, "more than 64 outputs");
  X x = {.b = b, .run = run, .opts = opts, .err = err};
  int rc = alloc_areas(&x, data, opts);
  for (uint32_t i = 0; rc == 0 && i < b->hdr.inputs_count; i++) {
    const BlobIo *io = &b->inputs[i];
    if ((uint64_t)io->buffer_offset + io->byte_size > x.in_len)
      rc = err_set(err, ERR_BACKEND, "input %u outside the input buffer", i);
    else
      memcpy(x.in + io->buffer_offset, inputs[i], io->byte_size);
  }
  BlobExecHook hook = opts ? opts->hook : NULL;
  for (uint32_t s = 0; rc == 0 && s < b->hdr.stages_count; s++) {
    const BlobStage *st_ = &b->stages[s];
    x.stage = s;
    x.stage_name = st_->type_name;
    if (hook) hook(opts->ctx, st_, false, &x);
    rc = run_stage(&x, st_);
    if (rc == 0) run->n_stages_run++;
    if (rc == 0 && hook) hook(opts->ctx, st_, true, &x);
  }
  free(x.cst);
  free(x.in);
  free(x.bss);
  free(x.cmx);
  if (rc < 0) {
    free(x.out);
    float keep = run->max_abs;
    uint64_t ov = run->n_overflow;
    memset(run->out, 0, sizeof run->out);
    run->outputs_area = NULL;
    run->max_abs = keep;
    run->n_overflow = ov;
    return -1;
  }
  run->outputs_area = x.out;
  run->n_out = (int)b->hdr.outputs_count;
  for (int i = 0; i < run->n_out; i++) run->out[i] = x.out + b->outputs[i].buffer_offset;
  return 0;
}

int blob_exec(BlobRun *run, const BlobInfo *b, const uint8_t *data, size_t len,
              const void *const *inputs, Err *err) {
  return blob_exec_ex(run, b, data, len, inputs, NULL, err);
}

int blob_exec_read(const BlobExecTap *tap, const BlobBuffer *bb, float **out, uint64_t *n,
                   Err *err) {
  BxCtx x = *tap; /* a private copy: failures go to err, the run's own context is left alone */
  x.err = err;
  x.run = NULL;
  V v;
  if (view(&x, bb, &v) < 0) return -1;
  float *f = load_all(&v); /* minor dim fastest: C order of the dims major -> minor */
  if (!f) return err_set(err, ERR_OOM, "out of memory");
  *out = f;
  *n = count(&v);
  return 0;
}

void blob_run_free(BlobRun *run) {
  if (!run) return;
  free(run->outputs_area);
  memset(run, 0, sizeof *run);
}

/* ---- for blob_exec_ir.c (blob_exec_internal.h) ---- */

bool bx__next(uint32_t *idx, const uint32_t *d, uint32_t nd) { return next(idx, d, nd); }
uint64_t bx__count(const V *v) { return count(v); }
float *bx__load_all(const V *v) { return load_all(v); }
