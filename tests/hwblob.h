/*
 * tests/hwblob.h — writes small v6.0 MyriadX blobs by hand, byte by byte from
 * ../shared/docs/blob-format.md (§1 layout, §2.1 IO entries, §3.1 stage records, §3.2 buffer
 * descriptors, §3.5 MyriadXHwOp params), so tests can build HW stages our compiler does not emit
 * (and mutate them into bad input). Header only: static functions, for the cmocka suites and the
 * fuzz seed generator. Not a writer for users: no validation beyond what a test needs.
 *
 * Usage:
 *   Hb h;
 *   hb_init(&h, 4);                                     // 4 CMX slices / SHAVEs
 *   HbBuf in = hb_nchw(BLOB_LOC_INPUT, 0, BLOB_DT_FP16, 1, 8, 4, 4, 16);
 *   hb_io(&h, true, "x", &in);                          // input 0 (io_idx 0)
 *   ... HbBuf w = hb_const_f16(&h, weights, n, 4, dims);  Buf p = BUF_INIT; hb_hw_begin(&p, 1);
 *   hb_hw_op(&p, &op); hb_hw_end(&p); hb_stage(&h, BLOB_STAGE_MYRIAD_X_HW_OP, 0, &p, bufs, 5, true);
 *   Buf blob = BUF_INIT; hb_finish(&h, &blob);          // frees h's buffers
 */
#ifndef TESTS_HWBLOB_H
#define TESTS_HWBLOB_H

#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_format.h"
#include "compiler/backend/blob_read.h"
#include "compiler/base/base.h"

typedef struct {
  uint32_t dt, order, nd;
  uint32_t dims[BLOB_MAX_DIMS], strides[BLOB_MAX_DIMS]; /* minor -> major, strides in bytes */
  uint32_t loc, io_idx, off;
} HbBuf;

typedef struct {
  Buf cst, stages, ins, outs;
  uint32_t n_stages, n_in, n_out, in_size, out_size, bss, cmx_slices;
  bool has_hw, has_shave, has_dma;
} Hb;

static inline void hb_init(Hb *h, uint32_t cmx_slices) {
  memset(h, 0, sizeof *h);
  h->cmx_slices = cmx_slices;
}

/* Bytes spanned by a buffer. */
static inline uint32_t hb_extent(const HbBuf *b) {
  uint32_t e = blob_dtype_size(b->dt);
  for (uint32_t i = 0; i < b->nd; i++) e += (b->dims[i] - 1) * b->strides[i];
  return e;
}

/* A 4-D NCHW buffer [n, c, h, w] whose rows are padded to row_align bytes (16 for HW data). */
static inline HbBuf hb_nchw(uint32_t loc, uint32_t off, uint32_t dt, uint32_t n, uint32_t c,
                            uint32_t hh, uint32_t w, uint32_t row_align) {
  HbBuf b = {.dt = dt, .order = BLOB_ORDER_NCHW, .nd = 4, .loc = loc, .off = off};
  uint32_t es = blob_dtype_size(dt);
  b.dims[0] = w, b.dims[1] = hh, b.dims[2] = c, b.dims[3] = n;
  b.strides[0] = es;
  b.strides[1] = (uint32_t)align_up((size_t)w * es, row_align ? row_align : 1);
  b.strides[2] = b.strides[1] * hh;
  b.strides[3] = b.strides[2] * c;
  return b;
}

/* Appends n bytes to the const section at a 64-aligned offset; returns the offset. */
static inline uint32_t hb_const(Hb *h, const void *p, size_t n) {
  buf_align(&h->cst, 64);
  uint32_t off = (uint32_t)h->cst.len;
  buf_put(&h->cst, p, n);
  return off;
}

/* FP16 constant of n floats with the given dims (minor -> major, compact), location Blob. */
static inline HbBuf hb_const_f16(Hb *h, const float *v, size_t n, uint32_t order, uint32_t nd,
                                 const uint32_t *dims) {
  Buf t = BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    uint16_t x = fp16_from_f32(v[i]);
    buf_put(&t, &x, 2);
  }
  HbBuf b = {.dt = BLOB_DT_FP16, .order = order, .nd = nd, .loc = BLOB_LOC_BLOB};
  b.off = hb_const(h, t.data, t.len);
  buf_free(&t);
  uint32_t s = 2;
  for (uint32_t i = 0; i < nd; i++) {
    b.dims[i] = dims[i];
    b.strides[i] = s;
    s *= dims[i];
  }
  return b;
}

/* dims/strides arrays into the const section (4-aligned), as v6 descriptors point to them. */
static inline void hb_shape(Hb *h, Buf *dst, const HbBuf *b) {
  buf_align(&h->cst, 4);
  uint32_t doff = (uint32_t)h->cst.len;
  for (uint32_t i = 0; i < b->nd; i++) buf_put_u32(&h->cst, b->dims[i]);
  uint32_t soff = (uint32_t)h->cst.len;
  for (uint32_t i = 0; i < b->nd; i++) buf_put_u32(&h->cst, b->strides[i]);
  buf_put_u32(dst, b->dt);
  buf_put_u32(dst, b->order);
  buf_put_u32(dst, b->nd);
  buf_put_u32(dst, BLOB_LOC_BLOB);
  buf_put_u32(dst, doff);
  buf_put_u32(dst, BLOB_LOC_BLOB);
  buf_put_u32(dst, soff);
}

/* A buffer descriptor (§3.2). */
static inline void hb_buf(Hb *h, Buf *dst, const HbBuf *b) {
  hb_shape(h, dst, b);
  buf_put_u32(dst, b->loc);
  if (b->loc == BLOB_LOC_INPUT || b->loc == BLOB_LOC_OUTPUT) {
    buf_put_u32(dst, b->io_idx);
    buf_put_u32(dst, hb_extent(b));
  }
  buf_put_u32(dst, b->off);
}

/* Network input or output with b's shape (b->loc, io_idx and off are set here). */
static inline void hb_io(Hb *h, bool input, const char *name, HbBuf *b) {
  Buf *sec = input ? &h->ins : &h->outs;
  uint32_t *n = input ? &h->n_in : &h->n_out, *size = input ? &h->in_size : &h->out_size;
  uint32_t at = (uint32_t)align_up(*size, 64);
  b->loc = input ? BLOB_LOC_INPUT : BLOB_LOC_OUTPUT;
  b->io_idx = *n;
  b->off = 0;
  uint32_t ns = (uint32_t)align_up(strlen(name) + 1, 16);
  buf_put_u32(sec, *n);
  buf_put_u32(sec, at);
  buf_put_u32(sec, ns);
  buf_put(sec, name, strlen(name));
  buf_put_zeros(sec, ns - strlen(name));
  hb_shape(h, sec, b);
  *size = at + hb_extent(b);
  (*n)++;
}

/* A stage record (§3.1): params, then the buffers (with an explicit count for MyriadXHwOp). */
static inline void hb_stage_into(Hb *h, Buf *dst, uint32_t type, uint32_t shaves, const Buf *params,
                                 const HbBuf *bufs, uint32_t nb) {
  size_t start = dst->len;
  buf_put_u32(dst, 0); /* length, patched below */
  buf_put_u32(dst, type);
  buf_put_u32(dst, shaves);
  buf_put_u32(dst, 4 + (uint32_t)(params ? params->len : 0));
  if (params && params->len) buf_put(dst, params->data, params->len);
  if (type == BLOB_STAGE_MYRIAD_X_HW_OP) buf_put_u32(dst, nb);
  for (uint32_t i = 0; i < nb; i++) hb_buf(h, dst, &bufs[i]);
  buf_put_u32(dst, type);
  buf_put_u32(dst, BLOB_STAGE_BORDER_SYMBOL);
  buf_set_u32(dst, start, (uint32_t)(dst->len - start));
  uint32_t cat = blob_stage_category(type);
  h->has_hw |= cat == BLOB_CAT_HW, h->has_dma |= cat == BLOB_CAT_DMA,
      h->has_shave |= cat == BLOB_CAT_SHAVE;
}

static inline void hb_stage(Hb *h, uint32_t type, uint32_t shaves, const Buf *params,
                            const HbBuf *bufs, uint32_t nb) {
  hb_stage_into(h, &h->stages, type, shaves, params, bufs, nb);
  h->n_stages++;
}

/* MyriadXHwOp params (§3.5): hb_hw_begin(numOps), one hb_hw_op per op, hb_hw_end (no injected
 * stage) or hb_hw_inject (a nested stage record). */
static inline void hb_hw_begin(Buf *p, uint32_t n_ops) { buf_put_u32(p, n_ops); }

static inline void hb_hw_op(Buf *p, const BlobHwOp *op) {
  buf_put_u32(p, op->op_type);
  if (op->op_type == BLOB_HW_OP_POOL) buf_put_u32(p, op->pool_type);
  buf_put_u32(p, op->op_mode);
  buf_put_u32(p, op->with_pad);
  if (op->with_pad) buf_put_u32(p, op->pad_mode);
  buf_put_i32(p, op->input_ind);
  buf_put_i32(p, op->output_ind);
  buf_put_i32(p, op->coeffs_ind);
  buf_put_i32(p, op->biases_ind);
  buf_put_i32(p, op->scales_ind);
  if (op->op_type != BLOB_HW_OP_FC) {
    buf_put_u32(p, op->out_chan_offset);
    buf_put_u32(p, op->out_num_chans);
    buf_put_u32(p, op->kernel_width);
    buf_put_u32(p, op->kernel_height);
    buf_put_u32(p, op->kernel_stride);
  } else {
    buf_put_u32(p, op->fc_input_offset);
    buf_put_u32(p, op->fc_input_num);
    buf_put_u32(p, op->fc_output_offset);
    buf_put_u32(p, op->fc_output_num);
    buf_put_u32(p, op->fc_accum);
  }
  if (op->op_type == BLOB_HW_OP_CONV_POOL) {
    buf_put_u32(p, op->pool_kernel_width);
    buf_put_u32(p, op->pool_kernel_height);
  }
  buf_put_u32(p, op->with_relu);
  if (op->with_relu) {
    buf_put_u32(p, op->relu_t0);
    buf_put_u32(p, op->relu_a0);
    buf_put_u32(p, op->relu_a1);
  }
  buf_put_u32(p, op->with_clamp);
  if (op->with_clamp) buf_put_f32(p, op->clamp_max);
  buf_put_u32(p, op->reuse_data);
  buf_put_u32(p, op->reuse_coeff);
}

static inline void hb_hw_end(Buf *p) { buf_put_u32(p, 0); }

static inline void hb_hw_inject(Hb *h, Buf *p, uint32_t type, const HbBuf *bufs, uint32_t nb) {
  buf_put_u32(p, 1);
  hb_stage_into(h, p, type, 0, NULL, bufs, nb);
}

/* Assembles the blob (§1: ELF stub, header, sections padded to 64) into out and frees h. */
static inline void hb_finish(Hb *h, Buf *out) {
  Buf *sec[4] = {&h->ins, &h->outs, &h->stages, &h->cst};
  uint32_t off[4], at = BLOB_HDR_AREA;
  for (int i = 0; i < 4; i++) {
    off[i] = at;
    at += (uint32_t)align_up(sec[i]->len, 64);
  }
  buf_put_zeros(out, BLOB_HDR_AREA);
  out->data[0] = BLOB_ELF_IDENT0, out->data[1] = BLOB_ELF_IDENT1, out->data[2] = BLOB_ELF_IDENT2;
  out->data[3] = BLOB_ELF_IDENT3;
  out->data[BLOB_ELF_OFF_TYPE] = BLOB_ELF_TYPE, out->data[BLOB_ELF_OFF_MACHINE] = BLOB_ELF_MACHINE;
  out->data[BLOB_ELF_OFF_VERSION] = BLOB_ELF_VERSION;
  out->data[BLOB_ELF_OFF_EHSIZE] = BLOB_ELF_EHSIZE & 0xff,
  out->data[BLOB_ELF_OFF_EHSIZE + 1] = BLOB_ELF_EHSIZE >> 8;
  const uint32_t hdr[] = {
      BLOB_MAGIC,   at,          2021,   4,      h->n_in,       h->n_out,      h->n_stages,
      h->in_size,   h->out_size, 1,      h->bss, h->cmx_slices, h->cmx_slices, h->has_hw,
      h->has_shave, h->has_dma,  off[0], off[1], off[2],        off[3]};
  for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++)
    buf_set_u32(out, BLOB_HDR_MAGIC + 4 * i, hdr[i]);
  for (int i = 0; i < 4; i++) {
    if (sec[i]->len) buf_put(out, sec[i]->data, sec[i]->len);
    buf_align(out, 64);
    buf_free(sec[i]);
  }
}

/* HW weights [8, K, ICx, OCx/8] from IR weights w[oc][ic][k] (k = kx + KX * ky), zero padded
 * (blob-stages.md §3.3, hw_weights_content.cpp). */
static inline HbBuf hb_hw_weights(Hb *h, const float *w, uint32_t oc, uint32_t ic, uint32_t icx,
                                  uint32_t k) {
  uint32_t ocb = (oc + 7) / 8;
  size_t n = (size_t)8 * k * icx * ocb;
  float *t = (float *)calloc(n, sizeof *t);
  for (uint32_t o = 0; o < oc; o++)
    for (uint32_t i = 0; i < ic; i++)
      for (uint32_t tap = 0; tap < k; tap++)
        t[(o % 8) + 8 * tap + (size_t)8 * k * i + (size_t)8 * k * icx * (o / 8)] =
            w[((size_t)o * ic + i) * k + tap];
  const uint32_t dims[4] = {8, k, icx, ocb};
  HbBuf b = hb_const_f16(h, t, n, BLOB_ORDER_NCHW, 4, dims);
  free(t);
  return b;
}

/* The tiny HW conv blob the tests and the bad-input catalogue start from: input "x" FP16
 * [1,2,5,6], one MyriadXHwOp stage with one CONV op (3x3, pad, stride 1, mode 1, ReLU, biases and
 * scales) writing output "y" FP16 [1,3,5,6]; rows 16-byte aligned. hb_tiny_values gives the
 * input, weight, bias and scale values. mutate (may be NULL) edits the op and the stage's five
 * buffers (input, weights, biases, scales, output) before they are written. */
static inline float hb_tiny_x(uint32_t c, uint32_t y, uint32_t x) {
  return (float)((c * 31 + y * 7 + x * 3) % 13) * 0.25f - 1.5f;
}
static inline float hb_tiny_w(uint32_t o, uint32_t i, uint32_t t) {
  return (float)((o * 5 + i * 3 + t) % 7) * 0.125f - 0.375f;
}
static inline float hb_tiny_b(uint32_t o) { return (float)o * 0.5f - 0.5f; }
static inline float hb_tiny_s(uint32_t o) { return o == 2 ? 0.25f : 0.5f; }

typedef void (*HbMutate)(BlobHwOp *op, HbBuf *bufs);

static inline void hb_tiny_conv(Buf *out, HbMutate mutate) {
  Hb h;
  hb_init(&h, 1);
  HbBuf x = hb_nchw(BLOB_LOC_INPUT, 0, BLOB_DT_FP16, 1, 2, 5, 6, 16);
  HbBuf y = hb_nchw(BLOB_LOC_OUTPUT, 0, BLOB_DT_FP16, 1, 3, 5, 6, 16);
  hb_io(&h, true, "x", &x);
  hb_io(&h, false, "y", &y);
  float w[3 * 2 * 9], b[8] = {0}, s[8] = {0};
  for (uint32_t o = 0; o < 3; o++) {
    b[o] = hb_tiny_b(o), s[o] = hb_tiny_s(o);
    for (uint32_t i = 0; i < 2; i++)
      for (uint32_t t = 0; t < 9; t++) w[(o * 2 + i) * 9 + t] = hb_tiny_w(o, i, t);
  }
  const uint32_t vd[1] = {8};
  HbBuf bufs[5] = {x, hb_hw_weights(&h, w, 3, 2, 2, 9), hb_const_f16(&h, b, 8, BLOB_ORDER_C, 1, vd),
                   hb_const_f16(&h, s, 8, BLOB_ORDER_C, 1, vd), y};
  BlobHwOp op = {.op_type = BLOB_HW_OP_CONV,
                 .op_mode = BLOB_HW_MODE_2_128,
                 .with_pad = 1,
                 .input_ind = 0,
                 .coeffs_ind = 1,
                 .biases_ind = 2,
                 .scales_ind = 3,
                 .output_ind = 4,
                 .out_num_chans = 3,
                 .kernel_width = 3,
                 .kernel_height = 3,
                 .kernel_stride = 1,
                 .with_relu = 1,
                 .relu_a1 = 1};
  if (mutate) mutate(&op, bufs);
  Buf p = BUF_INIT;
  hb_hw_begin(&p, 1);
  hb_hw_op(&p, &op);
  hb_hw_end(&p);
  hb_stage(&h, BLOB_STAGE_MYRIAD_X_HW_OP, 0, &p, bufs, 5);
  buf_free(&p);
  hb_finish(&h, out);
}

#endif
