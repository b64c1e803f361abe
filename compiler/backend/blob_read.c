/* compiler/backend/blob_read.c — see blob_read.h for the contract; numbers in blob_format.h. */
#include "compiler/backend/blob_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading context ------------------------------------------------------------------------ */

/* Everything a decoder needs: the blob bytes, where they sit in the file, the section bounds. */
typedef struct {
  const uint8_t *d; /* the blob proper (superblob: its base blob) */
  size_t len;       /* readable bytes of d */
  size_t base;      /* absolute file offset of d[0], added to every message */
  Arena *a;
  Err *err;
  const char *path;
  bool v5;                     /* inline shapes (§3.9) */
  size_t const_off, const_end; /* const data section [const_off, const_end) */
} Rd;

/* A bounded sequential read position: pos moves forward inside [pos, end). */
typedef struct {
  size_t pos, end;
  const char *region; /* "the input section", "stage 3" ...: used in messages */
} Cur;

/* Fails with "offset N: <printf>" where N = r->base + off. Returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(Rd *r, size_t off, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  err_where(r->err, r->path, 0, NULL, NULL);
  return err_set(r->err, ERR_PARSE, "offset %zu: %s", r->base + off, msg);
}

/* Reads one u32 at c->pos and advances; fails if it does not fit before c->end. */
static int cur_u32(Rd *r, Cur *c, uint32_t *v, const char *what) {
  if (c->pos > c->end || c->end - c->pos < 4)
    return fail(r, c->pos, "%s runs past the end of %s", what, c->region);
  *v = rd_u32(r->d + c->pos);
  c->pos += 4;
  return 0;
}

/* Reads n u32 into v[0..n) (n <= BLOB_MAX_DIMS). */
static int cur_u32s(Rd *r, Cur *c, uint32_t *v, uint32_t n, const char *what) {
  if (c->pos > c->end || (c->end - c->pos) / 4 < n)
    return fail(r, c->pos, "%s runs past the end of %s", what, c->region);
  for (uint32_t i = 0; i < n; i++) v[i] = rd_u32(r->d + c->pos + 4 * i);
  c->pos += 4 * (size_t)n;
  return 0;
}

static uint64_t rd_be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

/* ---- shapes ---------------------------------------------------------------------------------- */

const char *blob_order_str(uint32_t code, char out[16]) {
  uint32_t n = blob_order_ndims(code);
  if (!blob_order_valid(code)) {
    snprintf(out, 16, "0x%x?", code);
    return out;
  }
  for (uint32_t i = 0; i < n; i++)
    out[i] = blob_dim_letter(((code >> (4 * (n - 1 - i))) & 0xF) - 1);
  out[n] = 0;
  return out;
}

/* Fills the major->minor copies and the order name once raw arrays are known. */
static void shape_finish(BlobShape *s) {
  for (uint32_t i = 0; i < s->num_dims; i++) {
    s->dims[i] = s->dims_raw[s->num_dims - 1 - i];
    s->strides[i] = s->strides_raw[s->num_dims - 1 - i];
  }
  blob_order_str(s->order, s->order_name);
}

/* Bytes spanned by a tensor: offset of its last element plus one element; 0 when unknown or
 * empty. Saturates instead of overflowing. */
static uint64_t shape_extent(const BlobShape *s) {
  if (!s->dims_known || !s->strides_known) return 0;
  uint64_t e = blob_dtype_size(s->data_type);
  if (e == 0) e = 1;
  for (uint32_t i = 0; i < s->num_dims; i++) {
    if (s->dims_raw[i] == 0) return 0;
    uint64_t t = (uint64_t)(s->dims_raw[i] - 1) * s->strides_raw[i];
    e = e > UINT64_MAX - t ? UINT64_MAX : e + t;
  }
  return e;
}

/* Reads an array of n u32 that lives in the const section at rel (v6 shape arrays). */
static int const_array(Rd *r, size_t at, uint32_t rel, uint32_t n, uint32_t *v, const char *what) {
  uint64_t start = (uint64_t)r->const_off + rel, need = 4ull * n;
  if (start > r->const_end || r->const_end - start < need)
    return fail(r, at, "%s array at const+%u (%u words) runs past the const section", what, rel, n);
  for (uint32_t i = 0; i < n; i++) v[i] = rd_u32(r->d + start + 4 * i);
  return 0;
}

/* Reads dataType, orderCode, numDims and then the shape: v6 = 4 location words with the arrays in
 * the const section, v5 = inline dims + strides. `what` names the owner for messages. */
static int read_shape(Rd *r, Cur *c, BlobShape *s, const char *what) {
  size_t at = c->pos;
  if (cur_u32(r, c, &s->data_type, what) < 0 || cur_u32(r, c, &s->order, what) < 0 ||
      cur_u32(r, c, &s->num_dims, what) < 0)
    return -1;
  if (s->num_dims > BLOB_MAX_DIMS)
    return fail(r, at + 8, "%s numDims %u is more than %u", what, s->num_dims, BLOB_MAX_DIMS);
  if (r->v5) {
    s->dims_loc = s->strides_loc = BLOB_LOC_BLOB;
    if (cur_u32s(r, c, s->dims_raw, s->num_dims, what) < 0 ||
        cur_u32s(r, c, s->strides_raw, s->num_dims, what) < 0)
      return -1;
    s->dims_known = s->strides_known = true;
  } else {
    if (cur_u32(r, c, &s->dims_loc, what) < 0 || cur_u32(r, c, &s->dims_off, what) < 0 ||
        cur_u32(r, c, &s->strides_loc, what) < 0 || cur_u32(r, c, &s->strides_off, what) < 0)
      return -1;
    if (s->dims_loc == BLOB_LOC_BLOB) {
      if (const_array(r, at + 16, s->dims_off, s->num_dims, s->dims_raw, what) < 0) return -1;
      s->dims_known = true;
    }
    if (s->strides_loc == BLOB_LOC_BLOB) {
      if (const_array(r, at + 24, s->strides_off, s->num_dims, s->strides_raw, what) < 0) return -1;
      s->strides_known = true;
    }
  }
  shape_finish(s);
  return 0;
}

/* ---- IO info sections (§2.1, §3.9) ----------------------------------------------------------- */

static int read_io(Rd *r, Cur *c, BlobIo *io, const char *kind, uint32_t i) {
  char what[64];
  snprintf(what, sizeof what, "%s %u", kind, i);
  io->offset = r->base + c->pos;
  if (cur_u32(r, c, &io->io_idx, what) < 0 || cur_u32(r, c, &io->buffer_offset, what) < 0 ||
      cur_u32(r, c, &io->name_size, what) < 0)
    return -1;
  if (io->name_size > c->end - c->pos)
    return fail(r, c->pos - 4, "%s nameSize %u runs past the end of %s", what, io->name_size,
                c->region);
  const char *nm = (const char *)r->d + c->pos;
  io->name = arena_strndup(r->a, nm, strnlen(nm, io->name_size));
  io->shape_helper = strstr(io->name, BLOB_SHAPE_IO_MARK) != NULL;
  c->pos += io->name_size;
  snprintf(what, sizeof what, "%s %u '%.32s'", kind, i, io->name);
  if (read_shape(r, c, &io->shape, what) < 0) return -1;
  io->byte_size = shape_extent(&io->shape);
  return 0;
}

static int read_io_section(Rd *r, BlobIo **out, uint32_t n, size_t start, size_t end,
                           const char *kind, const char *region) {
  Cur c = {start, end, region};
  size_t min_entry = BLOB_IO_FIXED_HEAD + (r->v5 ? BLOB_IO_FIXED_TAIL_V5 : BLOB_IO_FIXED_TAIL);
  if (n > (end - start) / min_entry)
    return fail(r, start, "%u %ss cannot fit in %s (%zu bytes)", n, kind, region, end - start);
  *out = arena_array(r->a, n ? n : 1, sizeof **out);
  for (uint32_t i = 0; i < n; i++)
    if (read_io(r, &c, &(*out)[i], kind, i) < 0) return -1;
  return 0;
}

/* ---- buffer descriptors (§3.2, §3.9) --------------------------------------------------------- */

static int read_buffer(Rd *r, Cur *c, BlobBuffer *b, const char *what) {
  b->offset = r->base + c->pos;
  if (read_shape(r, c, &b->shape, what) < 0 || cur_u32(r, c, &b->location, what) < 0) return -1;
  if (b->location == BLOB_LOC_INPUT || b->location == BLOB_LOC_OUTPUT)
    if (cur_u32(r, c, &b->io_idx, what) < 0 || cur_u32(r, c, &b->io_size, what) < 0) return -1;
  if (!r->v5 && b->shape.dims_loc == BLOB_LOC_OUTPUT)
    if (cur_u32(r, c, &b->dims_io_idx, what) < 0 || cur_u32(r, c, &b->dims_io_size, what) < 0)
      return -1;
  if (!r->v5 && b->shape.strides_loc == BLOB_LOC_OUTPUT)
    if (cur_u32(r, c, &b->strides_io_idx, what) < 0 || cur_u32(r, c, &b->strides_io_size, what) < 0)
      return -1;
  if (cur_u32(r, c, &b->data_offset, what) < 0) return -1;
  b->extent = shape_extent(&b->shape);
  return 0;
}

/* Buffer count a stage type implies (§3.4, confirmed on the real blobs, see README): sets
 * [*lo, *hi] and returns true, or returns false when the count is not known (greedy walk). */
static bool expected_buffers(uint32_t type, const uint8_t *p, size_t plen, uint32_t *lo,
                             uint32_t *hi) {
  *lo = *hi = 2;
  switch (type) {
  case BLOB_STAGE_RELU:
  case BLOB_STAGE_LEAKY_RELU:
  case BLOB_STAGE_BIAS_RELU:
  case BLOB_STAGE_BIAS_LEAKY_RELU: /* input, output, [bias] */
    if (plen < 4) return false;
    *lo = *hi = 2 + (rd_u32(p) != 0);
    return true;
  case BLOB_STAGE_POWER:
  case BLOB_STAGE_SIGMOID:
  case BLOB_STAGE_SOFT_MAX:
  case BLOB_STAGE_COPY:
  case BLOB_STAGE_CLAMP:
  case BLOB_STAGE_CONVERT:
  case BLOB_STAGE_PERMUTE:
  case BLOB_STAGE_MAX_POOL:
  case BLOB_STAGE_AVG_POOL:
  case BLOB_STAGE_GLOBAL_MAX_POOL:
  case BLOB_STAGE_RESAMPLE:
  case BLOB_STAGE_INTERP:
  case BLOB_STAGE_REGION_YOLO:
  case BLOB_STAGE_ELU:
  case BLOB_STAGE_PAD: return true;
  case BLOB_STAGE_BIAS:
  case BLOB_STAGE_SCALE:
  case BLOB_STAGE_PRELU:
  case BLOB_STAGE_FC: *lo = *hi = 3; return true;
  case BLOB_STAGE_SCALE_SHIFT: /* input, output, scales, biases */
  case BLOB_STAGE_CONV_ND: *lo = *hi = 4; return true;
  case BLOB_STAGE_CONV:
  case BLOB_STAGE_IM2COL_CONVOLUTION:
  case BLOB_STAGE_DEPTH_CONV:
  case BLOB_STAGE_REF_CONVOLUTION: /* input, output, weights, [im2col temp] */
    *lo = 3, *hi = 4;
    return true;
  case BLOB_STAGE_STRIDED_SLICE: /* input, begin, end, strides, output */
    *lo = *hi = 5;
    return true;
  case BLOB_STAGE_CONCAT: /* inputs, output */
    if (plen < 8 || rd_u32(p + 4) > 1024) return false;
    *lo = *hi = rd_u32(p + 4) + 1;
    return true;
  case BLOB_STAGE_DETECTION_OUTPUT: /* loc, conf, priors, [arm_conf, arm_loc], output, temp */
    if (plen < BLOB_PARAMS_DETECTION_OUTPUT) return false;
    *lo = *hi = rd_u32(p + 72) ? 7 : 5;
    return true;
  default:
    if ((type >= BLOB_STAGE_SUM && type <= BLOB_STAGE_MAX) ||
        (type >= BLOB_STAGE_DIV && type <= BLOB_STAGE_SELECT)) {
      *lo = *hi = 4; /* input0, output, input1, input2 (Fake unless Select) */
      return true;
    }
    return false;
  }
}

/* Decodes up to max descriptors from c (max = UINT32_MAX: until c->end) into a fresh array.
 * Two passes: count first (into a scratch descriptor), then allocate exactly and fill. */
static int read_buffers(Rd *r, Cur *c, uint32_t max, BlobStage *st) {
  char what[80];
  Cur probe = *c;
  uint32_t n = 0;
  BlobBuffer tmp;
  while (n < max && probe.pos < probe.end) {
    memset(&tmp, 0, sizeof tmp);
    snprintf(what, sizeof what, "%s buffer %u", c->region, n);
    if (read_buffer(r, &probe, &tmp, what) < 0) return -1;
    n++;
  }
  st->buffers = arena_array(r->a, n ? n : 1, sizeof *st->buffers);
  for (uint32_t i = 0; i < n; i++) {
    snprintf(what, sizeof what, "%s buffer %u", c->region, i);
    if (read_buffer(r, c, &st->buffers[i], what) < 0) return -1;
  }
  st->num_buffers = n;
  return 0;
}

/* ---- stages (§3.1, §3.5) --------------------------------------------------------------------- */

static int read_stage(Rd *r, size_t off, size_t end, uint32_t index, int depth, BlobStage *st,
                      const char *region);

/* One op of a MyriadXHwOp list, conditional fields as in §3.5. */
static int read_hw_op(Rd *r, Cur *c, BlobHwOp *op) {
  const char *w = "HW op";
  uint32_t v[5];
  if (cur_u32(r, c, &op->op_type, w) < 0) return -1;
  if (op->op_type == BLOB_HW_OP_POOL && cur_u32(r, c, &op->pool_type, w) < 0) return -1;
  if (cur_u32(r, c, &op->op_mode, w) < 0 || cur_u32(r, c, &op->with_pad, w) < 0) return -1;
  if (op->with_pad && cur_u32(r, c, &op->pad_mode, w) < 0) return -1;
  if (cur_u32s(r, c, v, 5, w) < 0) return -1;
  op->input_ind = (int32_t)v[0], op->output_ind = (int32_t)v[1], op->coeffs_ind = (int32_t)v[2];
  op->biases_ind = (int32_t)v[3], op->scales_ind = (int32_t)v[4];
  if (op->op_type != BLOB_HW_OP_FC) {
    if (cur_u32s(r, c, v, 5, w) < 0) return -1;
    op->out_chan_offset = v[0], op->out_num_chans = v[1], op->kernel_width = v[2];
    op->kernel_height = v[3], op->kernel_stride = v[4];
  } else {
    if (cur_u32s(r, c, v, 5, w) < 0) return -1;
    op->fc_input_offset = v[0], op->fc_input_num = v[1], op->fc_output_offset = v[2];
    op->fc_output_num = v[3], op->fc_accum = v[4];
  }
  if (op->op_type == BLOB_HW_OP_CONV_POOL && (cur_u32(r, c, &op->pool_kernel_width, w) < 0 ||
                                              cur_u32(r, c, &op->pool_kernel_height, w) < 0))
    return -1;
  if (cur_u32(r, c, &op->with_relu, w) < 0) return -1;
  if (op->with_relu && cur_u32s(r, c, v, 3, w) < 0) return -1;
  if (op->with_relu) op->relu_t0 = v[0], op->relu_a0 = v[1], op->relu_a1 = v[2];
  if (cur_u32(r, c, &op->with_clamp, w) < 0) return -1;
  if (op->with_clamp) {
    uint32_t f;
    if (cur_u32(r, c, &f, w) < 0) return -1;
    memcpy(&op->clamp_max, &f, 4);
  }
  return cur_u32(r, c, &op->reuse_data, w) < 0 ? -1 : cur_u32(r, c, &op->reuse_coeff, w);
}

/* MyriadXHwOp params: op list, hasInjectedStage, [nested stage]; must end at the params end. */
static int read_hw_params(Rd *r, Cur *c, BlobStage *st, int depth) {
  uint32_t n, injected;
  size_t at = c->pos;
  if (cur_u32(r, c, &n, "HW op count") < 0) return -1;
  if (n > (c->end - c->pos) / (4 * 17)) /* an op is at least 17 words (CONV and FC) */
    return fail(r, at, "%s HW op count %u cannot fit in its params", c->region, n);
  st->hw_ops = arena_array(r->a, n ? n : 1, sizeof *st->hw_ops);
  st->num_hw_ops = n;
  for (uint32_t i = 0; i < n; i++)
    if (read_hw_op(r, c, &st->hw_ops[i]) < 0) return -1;
  at = c->pos;
  if (cur_u32(r, c, &injected, "hasInjectedStage") < 0) return -1;
  if (injected > 1)
    return fail(r, at, "%s hasInjectedStage is %u, not 0 or 1", c->region, injected);
  if (injected) {
    if (depth > 0) return fail(r, at, "%s: injected stage inside an injected stage", c->region);
    st->injected = arena_alloc(r->a, sizeof *st->injected);
    char reg[64];
    snprintf(reg, sizeof reg, "the params of %s", c->region);
    if (read_stage(r, c->pos, c->end, st->index, depth + 1, st->injected, reg) < 0) return -1;
    c->pos += st->injected->length;
  }
  if (c->pos != c->end)
    return fail(r, c->pos, "%s HW op list ends %zu bytes before the end of its params", c->region,
                c->end - c->pos);
  return 0;
}

/* The buffer area [c): explicit count for MyriadXHwOp, type-implied count where known, else
 * greedy; in every case the descriptors must end exactly at the trailer (§8.1 step 5). */
static int read_stage_buffers(Rd *r, Cur *c, BlobStage *st) {
  uint32_t lo, hi;
  size_t at = c->pos;
  if (st->type == BLOB_STAGE_MYRIAD_X_HW_OP) {
    uint32_t n;
    if (cur_u32(r, c, &n, "HW buffer count") < 0) return -1;
    uint32_t min_desc = r->v5 ? BLOB_BUF_WORDS_V5 * 4 : BLOB_BUF_WORDS_V6 * 4;
    if (n > (c->end - c->pos) / min_desc)
      return fail(r, at, "%s HW buffer count %u cannot fit before the trailer", c->region, n);
    lo = hi = n;
    st->buffers_by_type = true;
  } else if (expected_buffers(st->type, st->params, st->params_len, &lo, &hi)) {
    st->buffers_by_type = true;
  } else {
    lo = 0, hi = UINT32_MAX;
  }
  if (read_buffers(r, c, hi, st) < 0) return -1;
  if (st->num_buffers < lo)
    return fail(r, c->pos, "%s (%s) has %u buffers, expected %u", c->region, st->type_name,
                st->num_buffers, lo);
  if (c->pos != c->end)
    return fail(r, c->pos, "%s (%s): %u buffers end %zu bytes before the trailer", c->region,
                st->type_name, st->num_buffers, c->end - c->pos);
  return 0;
}

static int read_stage(Rd *r, size_t off, size_t end, uint32_t index, int depth, BlobStage *st,
                      const char *region) {
  char name[48];
  snprintf(name, sizeof name, depth ? "injected stage of stage %u" : "stage %u", index);
  if (end < off || end - off < BLOB_STAGE_HEAD_LEN)
    return fail(r, off, "%s header runs past the end of %s", name, region);
  st->index = index;
  st->offset = r->base + off;
  st->length = rd_u32(r->d + off);
  st->type = rd_u32(r->d + off + 4);
  st->num_shaves = rd_u32(r->d + off + 8);
  const char *tn = blob_stage_name(st->type);
  st->type_name = tn ? tn : arena_printf(r->a, "Unknown(%u)", st->type);
  if (st->length < BLOB_STAGE_MIN_LEN)
    return fail(r, off, "%s length %u is less than %u", name, st->length, BLOB_STAGE_MIN_LEN);
  if (st->length > end - off)
    return fail(r, off, "%s length %u runs past the end of %s", name, st->length, region);
  size_t tail = off + st->length - BLOB_STAGE_TRAILER_LEN;
  st->params_size = rd_u32(r->d + off + 12);
  if (st->params_size < 4 || st->params_size > tail - (off + BLOB_STAGE_HEAD_LEN))
    return fail(r, off + 12, "%s params_size %u does not fit in its length %u", name,
                st->params_size, st->length);
  size_t pstart = off + 16, pend = off + BLOB_STAGE_HEAD_LEN + st->params_size;
  st->params_len = pend - pstart;
  uint8_t *p = arena_alloc(r->a, st->params_len ? st->params_len : 1);
  memcpy(p, r->d + pstart, st->params_len);
  st->params = p;
  st->trailer_type = rd_u32(r->d + tail);
  st->trailer_border = rd_u32(r->d + tail + 4);
  if (st->type == BLOB_STAGE_MYRIAD_X_HW_OP) {
    Cur pc = {pstart, pend, name};
    if (read_hw_params(r, &pc, st, depth) < 0) return -1;
  }
  Cur bc = {pend, tail, name};
  return read_stage_buffers(r, &bc, st);
}

static int read_stages(Rd *r, BlobInfo *b, size_t start, size_t end) {
  uint32_t n = b->hdr.stages_count;
  if (n > (end - start) / BLOB_STAGE_MIN_LEN)
    return fail(r, start, "%u stages cannot fit in the stage section (%zu bytes)", n, end - start);
  b->stages = arena_array(r->a, n ? n : 1, sizeof *b->stages);
  size_t off = start;
  for (uint32_t i = 0; i < n; i++) {
    if (read_stage(r, off, end, i, 0, &b->stages[i], "the stage section") < 0) return -1;
    off += b->stages[i].length;
    b->stage_bytes += b->stages[i].length;
  }
  return 0;
}

/* ---- header and sections --------------------------------------------------------------------- */

static void read_header(BlobHeader *h, const uint8_t *d) {
  uint32_t *f[] = {&h->magic,         &h->file_size,      &h->ver_major,       &h->ver_minor,
                   &h->inputs_count,  &h->outputs_count,  &h->stages_count,    &h->inputs_size,
                   &h->outputs_size,  &h->batch_size,     &h->bss_mem_size,    &h->cmx_slices,
                   &h->shaves,        &h->has_hw_stage,   &h->has_shave_stage, &h->has_dma_stage,
                   &h->input_section, &h->output_section, &h->stage_section,   &h->const_section};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) *f[i] = rd_u32(d + BLOB_HDR_MAGIC + 4 * i);
}

/* End of the section starting at s: the next section's offset when it does not go backwards,
 * else file_size (blob_check reports the order). */
static size_t section_end(uint32_t s, uint32_t next, uint32_t file_size) {
  return next >= s ? next : file_size;
}

static int check_header(Rd *r, BlobInfo *b) {
  BlobHeader *h = &b->hdr;
  if (h->magic != BLOB_MAGIC)
    return fail(r, BLOB_HDR_MAGIC, "bad magic 0x%08x, not a MyriadX blob", h->magic);
  if (h->file_size > r->len)
    return fail(r, BLOB_HDR_FILE_SIZE, "file_size %u is more than the %zu bytes of the file",
                h->file_size, r->len);
  if (h->file_size < BLOB_HEADER_END)
    return fail(r, BLOB_HDR_FILE_SIZE, "file_size %u is less than the %u-byte header", h->file_size,
                BLOB_HEADER_END);
  static const char *const names[] = {"input_info_section_offset", "output_info_section_offset",
                                      "stage_section_offset", "const_data_section_offset"};
  const uint32_t offs[] = {h->input_section, h->output_section, h->stage_section, h->const_section};
  for (int i = 0; i < 4; i++)
    if (offs[i] > h->file_size || offs[i] < BLOB_HEADER_END)
      return fail(r, BLOB_HDR_INPUT_SECTION + 4 * (size_t)i, "%s %u is outside the blob (%u..%u)",
                  names[i], offs[i], BLOB_HEADER_END, h->file_size);
  return 0;
}

static int parse_blob(BlobInfo *b, Rd *r) {
  if (r->len < BLOB_HEADER_END)
    return fail(r, r->len, "file ends inside the %u-byte blob header", BLOB_HEADER_END);
  if (memcmp(r->d + BLOB_VPUX_TAG_OFFSET, BLOB_VPUX_TAG, 4) == 0)
    return fail(r, BLOB_VPUX_TAG_OFFSET, "VPUX (RVC3) blob, not a MyriadX blob");
  read_header(&b->hdr, r->d);
  if (check_header(r, b) < 0) return -1;
  const BlobHeader *h = &b->hdr;
  b->blob_len = r->len;
  b->trailer_bytes = r->len - h->file_size;
  b->inline_shapes = h->ver_major == BLOB_VER_MAJOR_INLINE_SHAPES;
  b->openvino = blob_openvino_release(h->ver_major, h->ver_minor);
  r->v5 = b->inline_shapes;
  r->const_off = h->const_section;
  r->const_end = h->file_size;
  size_t fs = h->file_size;
  if (read_io_section(r, &b->inputs, h->inputs_count, h->input_section,
                      section_end(h->input_section, h->output_section, h->file_size), "input",
                      "the input section") < 0 ||
      read_io_section(r, &b->outputs, h->outputs_count, h->output_section,
                      section_end(h->output_section, h->stage_section, h->file_size), "output",
                      "the output section") < 0)
    return -1;
  return read_stages(r, b, h->stage_section, section_end(h->stage_section, h->const_section, fs));
}

/* SuperBlob (stages§7): 136-byte header of big-endian u64, base blob, patches. Recognised by a
 * MyriadX magic at 136 + 52 where a plain blob's magic is missing. */
static bool is_superblob(const uint8_t *d, size_t len) {
  return len >= BLOB_SUPER_HEADER_SIZE + BLOB_HEADER_END &&
         rd_u32(d + BLOB_HDR_MAGIC) != BLOB_MAGIC &&
         rd_u32(d + BLOB_SUPER_HEADER_SIZE + BLOB_HDR_MAGIC) == BLOB_MAGIC;
}

static int parse_superblob(BlobInfo *b, Rd *r) {
  b->superblob = true;
  b->super_blob_size = rd_be64(r->d);
  size_t room = r->len - BLOB_SUPER_HEADER_SIZE;
  if (b->super_blob_size > room)
    return fail(r, 0, "superblob base blob size %llu runs past the end of the file",
                (unsigned long long)b->super_blob_size);
  size_t pos = BLOB_SUPER_HEADER_SIZE + (size_t)b->super_blob_size;
  for (uint32_t n = 0; n < BLOB_SUPER_PATCHES; n++) {
    uint64_t ps = rd_be64(r->d + 8 + 8 * n);
    if (ps > r->len - pos)
      return fail(r, 8 + 8 * n, "superblob patch %u size %llu runs past the end of the file", n + 1,
                  (unsigned long long)ps);
    b->super_patch_sizes[n] = ps;
    b->super_patch_offset[n] = pos;
    b->super_patch_ok[n] = ps >= 8 && memcmp(r->d + pos, BLOB_SUPER_PATCH_MAGIC, 8) == 0;
    pos += (size_t)ps;
  }
  b->super_trailing = r->len - pos;
  Rd inner = *r;
  inner.d = r->d + BLOB_SUPER_HEADER_SIZE;
  inner.len = (size_t)b->super_blob_size;
  inner.base = BLOB_SUPER_HEADER_SIZE;
  b->base = BLOB_SUPER_HEADER_SIZE;
  return parse_blob(b, &inner);
}

int blob_parse(BlobInfo **out, Arena *a, const uint8_t *data, size_t len, const char *path,
               Err *err) {
  BlobInfo *b = arena_alloc(a, sizeof *b);
  Rd r = {.d = data, .len = len, .a = a, .err = err, .path = path};
  b->path = path ? arena_strdup(a, path) : NULL;
  b->file_len = len;
  int rc = is_superblob(data, len) ? parse_superblob(b, &r) : parse_blob(b, &r);
  if (rc < 0) return -1;
  *out = b;
  return 0;
}

/* ---- MyriadXHwOp ops ------------------------------------------------------------------------- */

bool blob_hw_dims(const BlobBuffer *bb, BlobHwDims *o) {
  const BlobShape *s = &bb->shape;
  if (!s->dims_known || !s->strides_known || s->data_type != BLOB_DT_FP16 ||
      s->num_dims != blob_order_ndims(s->order))
    return false;
  const uint32_t *r = s->dims_raw;
  switch (s->order) {
  case BLOB_ORDER_NCHW: *o = (BlobHwDims){r[0], r[1], r[2], r[3]}; break;
  case BLOB_ORDER_CHW: *o = (BlobHwDims){r[0], r[1], r[2], 1}; break;
  case BLOB_ORDER_NC: *o = (BlobHwDims){1, 1, r[0], r[1]}; break;
  default: return false;
  }
  return o->w && o->h && o->c && o->n;
}

void blob_hw_pad(const BlobHwOp *op, BlobHwPad *p) {
  memset(p, 0, sizeof *p);
  if (!op->with_pad || op->op_type == BLOB_HW_OP_FC) return;
  uint32_t kx = op->kernel_width, ky = op->kernel_height;
  uint32_t l = kx / 2, r = kx ? (kx - 1) / 2 : 0, t = ky / 2, b = ky ? (ky - 1) / 2 : 0;
  if (op->op_type == BLOB_HW_OP_POOL && op->pool_type == BLOB_HW_POOL_MAX && op->pad_mode) {
    p->edge = true;
    p->left = op->pad_mode & BLOB_HW_PAD_REPEAT_LEFT_EDGE ? l : 0;
    p->right = op->pad_mode & BLOB_HW_PAD_REPEAT_RIGHT_EDGE ? r : 0;
    p->top = op->pad_mode & BLOB_HW_PAD_REPEAT_TOP_EDGE ? t : 0;
    p->bottom = op->pad_mode & BLOB_HW_PAD_REPEAT_BOTTOM_EDGE ? b : 0;
  } else {
    *p = (BlobHwPad){l, r, t, b, false};
  }
}

__attribute__((format(printf, 4, 5))) static int hw_why(char *why, size_t size, uint32_t k,
                                                        const char *fmt, ...) {
  char msg[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(why, size, "op %u: %s", k, msg);
  return -1;
}

/* Elements of a 1-D FP16 vector buffer (biases, scales), 0 when it is not one. */
static uint64_t hw_vector_len(const BlobBuffer *bb) {
  const BlobShape *s = &bb->shape;
  if (!s->dims_known || s->data_type != BLOB_DT_FP16) return 0;
  uint64_t n = 1;
  for (uint32_t i = 0; i < s->num_dims; i++) n *= s->dims_raw[i];
  return n;
}

/* Output size along one axis: (in + pads - k) / stride + 1, or 0 when the kernel does not fit. */
static uint64_t hw_out_size(uint32_t in, uint32_t before, uint32_t after, uint32_t k, uint32_t s) {
  uint64_t padded = (uint64_t)in + before + after;
  return padded < k || !s ? 0 : (padded - k) / s + 1;
}

/* Weights [8, K, ICx, OCx/8] (dims minor -> major) against the kernel and input channels. */
static int hw_check_weights(const BlobStage *st, const BlobHwOp *op, uint32_t k, uint32_t taps,
                            uint32_t in_c, uint64_t need_oc, char *why, size_t size) {
  const BlobShape *w = &st->buffers[op->coeffs_ind].shape;
  if (!w->dims_known || w->data_type != BLOB_DT_FP16 || w->num_dims != 4 || w->dims_raw[0] != 8)
    return hw_why(why, size, k, "weights b%d are not FP16 [8, K, IC, OC/8]", op->coeffs_ind);
  if (w->dims_raw[1] != taps)
    return hw_why(why, size, k, "weights b%d hold %u taps, the kernel has %u", op->coeffs_ind,
                  w->dims_raw[1], taps);
  if (w->dims_raw[2] != in_c)
    return hw_why(why, size, k, "weights b%d are for %u input channels, the input has %u",
                  op->coeffs_ind, w->dims_raw[2], in_c);
  if (need_oc > 8ull * w->dims_raw[3])
    return hw_why(why, size, k, "output channels up to %llu run past the %llu of weights b%d",
                  (unsigned long long)need_oc, 8ull * w->dims_raw[3], op->coeffs_ind);
  const int32_t vec[2] = {op->biases_ind, op->scales_ind};
  static const char *const vname[2] = {"biases", "scales"};
  for (int i = 0; i < 2; i++)
    if (vec[i] >= 0 && hw_vector_len(&st->buffers[vec[i]]) < need_oc)
      return hw_why(why, size, k, "%s b%d hold fewer than the %llu output channels", vname[i],
                    vec[i], (unsigned long long)need_oc);
  return 0;
}

/* Kernel, stride and the spatial output size of a CONV / CONV_POOL / POOL op. */
static int hw_check_window(const BlobHwOp *op, uint32_t k, const BlobHwDims *in,
                           const BlobHwDims *out, char *why, size_t size) {
  if (op->kernel_width < 1 || op->kernel_width > 15 || op->kernel_height < 1 ||
      op->kernel_height > 15)
    return hw_why(why, size, k, "kernel %ux%u is outside 1..15", op->kernel_width,
                  op->kernel_height);
  if (op->kernel_stride < 1 || op->kernel_stride > 8)
    return hw_why(why, size, k, "stride %u is outside 1..8", op->kernel_stride);
  BlobHwPad p;
  blob_hw_pad(op, &p);
  uint64_t ow = hw_out_size(in->w, p.left, p.right, op->kernel_width, op->kernel_stride);
  uint64_t oh = hw_out_size(in->h, p.top, p.bottom, op->kernel_height, op->kernel_stride);
  if (op->op_type == BLOB_HW_OP_CONV_POOL) {
    uint32_t pw = op->pool_kernel_width, ph = op->pool_kernel_height;
    if (pw < 1 || pw > 15 || ph < 1 || ph > 15)
      return hw_why(why, size, k, "pool kernel %ux%u is outside 1..15", pw, ph);
    ow /= pw, oh /= ph;
  }
  if (ow != out->w || oh != out->h)
    return hw_why(why, size, k,
                  "input %ux%u with kernel %ux%u, stride %u%s gives %llux%llu, the output is %ux%u",
                  in->w, in->h, op->kernel_width, op->kernel_height, op->kernel_stride,
                  op->with_pad ? " and padding" : "", (unsigned long long)ow,
                  (unsigned long long)oh, out->w, out->h);
  return 0;
}

static int hw_check_fields(const BlobStage *st, const BlobHwOp *op, uint32_t k, char *why,
                           size_t size) {
  uint32_t t = op->op_type;
  if (t != BLOB_HW_OP_CONV && t != BLOB_HW_OP_CONV_POOL && t != BLOB_HW_OP_FC &&
      t != BLOB_HW_OP_POOL)
    return hw_why(why, size, k, "opType %u is not CONV 0, CONV_POOL 1, FC 2 or POOL 4", t);
  if (t == BLOB_HW_OP_POOL && op->pool_type > BLOB_HW_POOL_AVERAGE)
    return hw_why(why, size, k, "poolType %u is not MAX 0 or AVERAGE 1", op->pool_type);
  if (op->op_mode > BLOB_HW_MODE_16_16)
    return hw_why(why, size, k, "opMode %u is outside 0..4", op->op_mode);
  const uint32_t flag[] = {op->with_pad, op->with_relu,  op->with_clamp,
                           op->fc_accum, op->reuse_data, op->reuse_coeff};
  static const char *const fname[] = {"withPad", "withReLU",  "withClamp",
                                      "fcAccum", "reuseData", "reuseCoeff"};
  for (int i = 0; i < 6; i++)
    if (flag[i] > 1) return hw_why(why, size, k, "%s is %u, not 0 or 1", fname[i], flag[i]);
  if (op->with_pad && op->pad_mode > 0xF)
    return hw_why(why, size, k, "padMode 0x%x has bits beyond the four REPEAT flags", op->pad_mode);
  if (op->with_clamp && !(op->clamp_max == op->clamp_max))
    return hw_why(why, size, k, "clampMaxVal is NaN");
  const int32_t ind[] = {op->input_ind, op->output_ind, op->coeffs_ind, op->biases_ind,
                         op->scales_ind};
  static const char *const iname[] = {"input", "output", "weights", "biases", "scales"};
  for (int i = 0; i < 5; i++)
    if (ind[i] < -1 || ind[i] >= (int64_t)st->num_buffers)
      return hw_why(why, size, k, "%s buffer index %d is out of range (the stage has %u buffers)",
                    iname[i], ind[i], st->num_buffers);
  if (op->input_ind < 0 || op->output_ind < 0)
    return hw_why(why, size, k, "no %s buffer", op->input_ind < 0 ? "input" : "output");
  if (t != BLOB_HW_OP_POOL && op->coeffs_ind < 0) return hw_why(why, size, k, "no weights buffer");
  for (int i = 0; i < 5; i++)
    if (i != 1 && ind[i] == op->output_ind)
      return hw_why(why, size, k, "the output b%d is also its %s", op->output_ind, iname[i]);
  return 0;
}

int blob_hw_op_check(const BlobStage *st, uint32_t k, char *why, size_t size) {
  if (k >= st->num_hw_ops) return hw_why(why, size, k, "no such op");
  const BlobHwOp *op = &st->hw_ops[k];
  if (hw_check_fields(st, op, k, why, size) < 0) return -1;
  BlobHwDims in, out;
  if (!blob_hw_dims(&st->buffers[op->input_ind], &in))
    return hw_why(why, size, k, "input b%d is not FP16 NCHW, CHW or NC with a static shape",
                  op->input_ind);
  const BlobBuffer *ob = &st->buffers[op->output_ind];
  if (!blob_hw_dims(ob, &out))
    return hw_why(why, size, k, "output b%d is not FP16 NCHW, CHW or NC with a static shape",
                  op->output_ind);
  if (ob->location == BLOB_LOC_BLOB || ob->location == BLOB_LOC_NONE ||
      ob->location == BLOB_LOC_INPUT)
    return hw_why(why, size, k, "output b%d is in %s memory, which a stage cannot write",
                  op->output_ind,
                  blob_loc_name(ob->location) ? blob_loc_name(ob->location) : "unknown");
  uint64_t end = (uint64_t)op->out_chan_offset + op->out_num_chans;
  switch (op->op_type) {
  case BLOB_HW_OP_POOL:
    if (!op->out_num_chans || end > (uint64_t)in.c * in.n || end > (uint64_t)out.c * out.n)
      return hw_why(why, size, k, "channels %u+%u run past the input's %llu or the output's %llu",
                    op->out_chan_offset, op->out_num_chans, (unsigned long long)in.c * in.n,
                    (unsigned long long)out.c * out.n);
    return hw_check_window(op, k, &in, &out, why, size);
  case BLOB_HW_OP_FC:
    if (in.w != 1 || in.h != 1 || out.w != 1 || out.h != 1 || in.n != out.n)
      return hw_why(why, size, k, "FC input %ux%ux%u and output %ux%ux%u are not vectors", in.c,
                    in.h, in.w, out.c, out.h, out.w);
    if (!op->fc_input_num || (uint64_t)op->fc_input_offset + op->fc_input_num > in.c)
      return hw_why(why, size, k, "FC inputs %u+%u run past the input's %u channels",
                    op->fc_input_offset, op->fc_input_num, in.c);
    if (!op->fc_output_num || op->fc_output_offset >= out.c)
      return hw_why(why, size, k, "FC outputs %u+%u start past the output's %u channels",
                    op->fc_output_offset, op->fc_output_num, out.c);
    end = (uint64_t)op->fc_output_offset + op->fc_output_num;
    return hw_check_weights(st, op, k, 1, in.c, end < out.c ? end : out.c, why, size);
  default: /* CONV, CONV_POOL */
    if (in.n != out.n)
      return hw_why(why, size, k, "input batch %u differs from the output's %u", in.n, out.n);
    if (!op->out_num_chans || end > out.c)
      return hw_why(why, size, k, "output channels %u+%u run past the output's %u",
                    op->out_chan_offset, op->out_num_chans, out.c);
    if (hw_check_weights(st, op, k, op->kernel_width * op->kernel_height, in.c, end, why, size) < 0)
      return -1;
    return hw_check_window(op, k, &in, &out, why, size);
  }
}

/* ---- checker --------------------------------------------------------------------------------- */

/* Appends "rule: detail" and counts it. */
__attribute__((format(printf, 4, 5))) static void viol(Buf *rep, int *n, const char *rule,
                                                       const char *fmt, ...) {
  (*n)++;
  if (!rep) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  buf_printf(rep, "%s: %s\n", rule, msg);
}

static void check_layout(const BlobInfo *b, Buf *rep, int *n) {
  const BlobHeader *h = &b->hdr;
  const uint32_t offs[] = {h->input_section, h->output_section, h->stage_section, h->const_section};
  static const char *const names[] = {"input", "output", "stage", "const"};
  if (h->magic != BLOB_MAGIC) viol(rep, n, "magic", "magic %u is not %u", h->magic, BLOB_MAGIC);
  if (b->blob_len < h->file_size)
    viol(rep, n, "file-size", "file has %zu bytes, header file_size says %u", b->blob_len,
         h->file_size);
  if (h->file_size % BLOB_SECTION_ALIGN)
    viol(rep, n, "file-size-align", "file_size %u is not a multiple of 64", h->file_size);
  if (h->input_section != BLOB_HDR_AREA)
    viol(rep, n, "input-section", "input_info_section_offset is %u, not 192", h->input_section);
  for (int i = 0; i < 4; i++) {
    if (offs[i] > h->file_size)
      viol(rep, n, "section-in-file", "%s section offset %u is beyond file_size %u", names[i],
           offs[i], h->file_size);
    if (offs[i] % BLOB_SECTION_ALIGN)
      viol(rep, n, "section-align", "%s section offset %u is not a multiple of 64", names[i],
           offs[i]);
    if (i > 0 && offs[i] < offs[i - 1])
      viol(rep, n, "section-order", "%s section offset %u is before the %s section (%u)", names[i],
           offs[i], names[i - 1], offs[i - 1]);
  }
  if (!b->openvino)
    viol(rep, n, "version", "version %u.%u is not in depthai's table", h->ver_major, h->ver_minor);
  if (h->stage_section <= h->const_section && b->stage_bytes > h->const_section - h->stage_section)
    viol(rep, n, "stage-section", "stage lengths sum to %llu, the stage section has %u bytes",
         (unsigned long long)b->stage_bytes, h->const_section - h->stage_section);
}

/* Rules shared by IO entries and stage buffers: known data type, order matches numDims. */
static void check_shape(const BlobShape *s, const char *who, Buf *rep, int *n) {
  if (!blob_dtype_name(s->data_type))
    viol(rep, n, "data-type", "%s: unknown data type %u", who, s->data_type);
  if (!blob_order_valid(s->order))
    viol(rep, n, "order", "%s: order code 0x%x is not a dims permutation", who, s->order);
  else if (blob_order_ndims(s->order) != s->num_dims)
    viol(rep, n, "num-dims", "%s: numDims %u but order 0x%x has %u dims", who, s->num_dims,
         s->order, blob_order_ndims(s->order));
}

static void check_io(const BlobInfo *b, const BlobIo *io, uint32_t count, uint32_t area,
                     const char *kind, Buf *rep, int *n) {
  for (uint32_t i = 0; i < count; i++) {
    char who[96];
    snprintf(who, sizeof who, "%s %u '%.40s'", kind, i, io[i].name);
    if (io[i].io_idx != i) viol(rep, n, "io-index", "%s: ioIdx is %u", who, io[i].io_idx);
    if (io[i].name_size % BLOB_NAME_ALIGN)
      viol(rep, n, "io-name", "%s: nameSize %u is not a multiple of 16", who, io[i].name_size);
    check_shape(&io[i].shape, who, rep, n);
    if (!b->inline_shapes &&
        (io[i].shape.dims_loc != BLOB_LOC_BLOB || io[i].shape.strides_loc != BLOB_LOC_BLOB))
      viol(rep, n, "io-shape-location", "%s: dims/strides not in the const section", who);
    if ((uint64_t)io[i].buffer_offset + io[i].byte_size > area)
      viol(rep, n, "io-extent", "%s: %llu bytes at %u run past the %s buffer (%u bytes)", who,
           (unsigned long long)io[i].byte_size, io[i].buffer_offset, kind, area);
  }
}

/* Size of the memory area a buffer's location refers to, or -1 when there is none to check. */
static int64_t buffer_area(const BlobInfo *b, const BlobBuffer *x) {
  const BlobHeader *h = &b->hdr;
  switch (x->location) {
  case BLOB_LOC_INPUT:
  case BLOB_LOC_OUTPUT: return x->io_size;
  case BLOB_LOC_BLOB: return (int64_t)h->file_size - h->const_section;
  case BLOB_LOC_BSS: return h->bss_mem_size;
  case BLOB_LOC_CMX: return (int64_t)h->cmx_slices * BLOB_CMX_SLICE_SIZE;
  default: return -1;
  }
}

static void check_buffer(const BlobInfo *b, const BlobStage *st, uint32_t i, Buf *rep, int *n) {
  const BlobBuffer *x = &st->buffers[i];
  const BlobHeader *h = &b->hdr;
  char who[96];
  snprintf(who, sizeof who, "stage %u (%s) buffer %u", st->index, st->type_name, i);
  check_shape(&x->shape, who, rep, n);
  if (!blob_loc_name(x->location)) {
    viol(rep, n, "location", "%s: unknown location %u", who, x->location);
    return;
  }
  if (x->location == BLOB_LOC_INPUT || x->location == BLOB_LOC_OUTPUT) {
    bool in = x->location == BLOB_LOC_INPUT;
    uint32_t cnt = in ? h->inputs_count : h->outputs_count;
    if (x->io_idx >= cnt) {
      viol(rep, n, "buffer-io", "%s: ioIdx %u but the blob has %u %ss", who, x->io_idx, cnt,
           in ? "input" : "output");
    } else {
      const BlobIo *io = in ? &b->inputs[x->io_idx] : &b->outputs[x->io_idx];
      uint32_t total = in ? h->inputs_size : h->outputs_size;
      if ((uint64_t)io->buffer_offset + x->io_size > total)
        viol(rep, n, "buffer-io", "%s: ioByteSize %u at %u runs past the %s buffer (%u bytes)", who,
             x->io_size, io->buffer_offset, in ? "input" : "output", total);
    }
  }
  int64_t area = buffer_area(b, x);
  if (area >= 0 && x->extent &&
      (x->extent > (uint64_t)area || x->data_offset > (uint64_t)area - x->extent))
    viol(rep, n, "buffer-area", "%s: %llu bytes at %s offset %u run past its area (%lld bytes)",
         who, (unsigned long long)x->extent, blob_loc_name(x->location), x->data_offset,
         (long long)area);
  uint32_t es = blob_dtype_size(x->shape.data_type);
  if (es && x->data_offset % es)
    viol(rep, n, "buffer-align", "%s: offset %u is not a multiple of the element size %u", who,
         x->data_offset, es);
  if (st->type == BLOB_STAGE_MYRIAD_X_HW_OP && x->location != BLOB_LOC_NONE &&
      x->data_offset % BLOB_HW_DATA_ALIGN)
    viol(rep, n, "hw-align", "%s: HW data offset %u is not a multiple of 16", who, x->data_offset);
  if (!x->shape.dims_known && x->shape.dims_loc == BLOB_LOC_BSS &&
      (uint64_t)x->shape.dims_off + 4ull * x->shape.num_dims > h->bss_mem_size)
    viol(rep, n, "buffer-area", "%s: dims array at BSS %u runs past bss_mem_size", who,
         x->shape.dims_off);
}

/* checkHWRestrictions (GT/src/middleend/hw/tiling.cpp, blob-stages.md §3.4, §4) for one op whose
 * input tile is w x h x c: dims within the NCE's, coefficient lines per block, lines of each
 * channel that fit in the 128 KiB block. Returns NULL or what fails. */
static const char *hw_restriction(const BlobHwOp *op, const BlobHwDims *in) {
  uint32_t w = in->w, h = in->h, kx = op->kernel_width, ky = op->kernel_height;
  uint32_t c = op->op_type == BLOB_HW_OP_POOL ? op->out_num_chans : in->c, oc = op->out_num_chans;
  bool pool = op->op_type == BLOB_HW_OP_POOL;
  uint32_t per_block = 1u << op->op_mode;
  /* the plugin tests the channels before they are padded up to the block size (Expand): a
   * 3-channel input reaches the blob as align(3, block) channels */
  bool three = c == 3 || (!pool && align_up(3, per_block) == c);
  if (!pool && w > 507 && h > 1 && h < 64 && !three)
    return "input wider than 507 with 1 < height < 64 (the plugin's workaround for NCE failures)";
  if (w > BLOB_HW_MAX_INPUT_WIDTH || h > BLOB_HW_MAX_INPUT_HEIGHT || c > BLOB_HW_MAX_CHANNELS ||
      oc > BLOB_HW_MAX_CHANNELS)
    return "dims beyond the NCE's 4096 x 4096 x 2048 input or 2048 output channels";
  uint32_t blocks = pool ? 1 : (c + per_block - 1) / per_block;
  if (!pool && (uint64_t)blocks * kx * ky > BLOB_HW_MAX_COEFF_PER_BLOCK)
    return "more than 256 coefficient lines per block";
  uint32_t line = (uint32_t)align_up((size_t)w * 2, 16);
  if (pool) { /* MODE_16_16: CNN_MAX_BYTES >> mode per channel */
    uint32_t lines = (BLOB_HW_BLOCK_BYTES >> op->op_mode) / line;
    if ((lines < h ? lines : h) < ky) return "fewer lines per channel than the pool kernel";
  }
  uint32_t lines = BLOB_HW_BLOCK_BYTES / (blocks * per_block * line);
  uint32_t need = ky + op->kernel_stride + 2 + (w <= 8);
  if ((need < h ? need : h) > (lines < h ? lines : h))
    return "fewer lines per channel than the kernel needs";
  return NULL;
}

/* The HW rules of hw-stages.md for one MyriadXHwOp stage: every op valid against its buffers
 * (blob_hw_op_check), data rows 16-byte aligned, every op inside checkHWRestrictions. */
static void check_hw_stage(const BlobInfo *b, const BlobStage *st, Buf *rep, int *n) {
  (void)b;
  if (!st->num_hw_ops) viol(rep, n, "hw-op", "stage %u (MyriadXHwOp): no ops", st->index);
  for (uint32_t k = 0; k < st->num_hw_ops; k++) {
    char why[400];
    if (blob_hw_op_check(st, k, why, sizeof why) < 0) {
      viol(rep, n, "hw-op", "stage %u (MyriadXHwOp) %s", st->index, why);
      continue;
    }
    const BlobHwOp *op = &st->hw_ops[k];
    const int32_t data[2] = {op->input_ind, op->output_ind};
    for (int i = 0; i < 2; i++) {
      const BlobShape *sh = &st->buffers[data[i]].shape;
      if (sh->num_dims >= 3 && sh->strides_raw[1] % BLOB_STRIDE_ALIGN)
        viol(rep, n, "hw-row-align",
             "stage %u (MyriadXHwOp) op %u: %s b%d rows are %u bytes apart, not a multiple of 16",
             st->index, k, i ? "output" : "input", data[i], sh->strides_raw[1]);
    }
    BlobHwDims in;
    blob_hw_dims(&st->buffers[op->input_ind], &in);
    const char *why_not = op->op_type == BLOB_HW_OP_FC ? NULL : hw_restriction(op, &in);
    if (why_not)
      viol(rep, n, "hw-limits",
           "stage %u (MyriadXHwOp) op %u: mode %u, input %ux%ux%u, kernel %ux%u: %s", st->index, k,
           op->op_mode, in.w, in.h, in.c, op->kernel_width, op->kernel_height, why_not);
  }
}

static void check_stage(const BlobInfo *b, const BlobStage *st, Buf *rep, int *n) {
  if (st->trailer_type != st->type || st->trailer_border != BLOB_STAGE_BORDER_SYMBOL)
    viol(rep, n, "stage-trailer",
         "stage %u (%s) at offset %zu: trailer %u/0x%08x, expected %u/0x%08x", st->index,
         st->type_name, st->offset, st->trailer_type, st->trailer_border, st->type,
         BLOB_STAGE_BORDER_SYMBOL);
  if (!blob_stage_name(st->type))
    viol(rep, n, "stage-type", "stage %u at offset %zu: unknown stage type %u", st->index,
         st->offset, st->type);
  if (st->num_shaves > b->hdr.shaves)
    viol(rep, n, "stage-shaves", "stage %u (%s): numShaves %u is more than the header's %u",
         st->index, st->type_name, st->num_shaves, b->hdr.shaves);
  if (st->type == BLOB_STAGE_MYRIAD_X_HW_OP) check_hw_stage(b, st, rep, n);
  for (uint32_t i = 0; i < st->num_buffers; i++) check_buffer(b, st, i, rep, n);
  if (st->injected) check_stage(b, st->injected, rep, n);
}

/* has_*_stage flags against the stages (injected stages count, checker finding 6). */
static void check_flags(const BlobInfo *b, Buf *rep, int *n) {
  uint32_t have[3] = {0, 0, 0};
  for (uint32_t i = 0; i < b->hdr.stages_count; i++) {
    const BlobStage *st = &b->stages[i];
    have[blob_stage_category(st->type)] = 1;
    if (st->injected) have[blob_stage_category(st->injected->type)] = 1;
  }
  const uint32_t flag[3] = {b->hdr.has_shave_stage, b->hdr.has_hw_stage, b->hdr.has_dma_stage};
  static const char *const nm[3] = {"has_shave_stage", "has_hw_stage", "has_dma_stage"};
  for (int k = 0; k < 3; k++)
    if (flag[k] != have[k])
      viol(rep, n, "stage-flags", "%s is %u but the stages say %u", nm[k], flag[k], have[k]);
}

static void check_superblob(const BlobInfo *b, Buf *rep, int *n) {
  if (b->super_trailing)
    viol(rep, n, "superblob", "%zu bytes after the last patch", b->super_trailing);
  for (uint32_t k = 0; k < BLOB_SUPER_PATCHES; k++)
    if (b->super_patch_sizes[k] && !b->super_patch_ok[k])
      viol(rep, n, "superblob", "patch for %u SHAVEs at offset %zu does not start with BSDIFF40",
           k + 1, b->super_patch_offset[k]);
}

/* ---- CMX liveness ---------------------------------------------------------------------------- */

/* Marks which buffers of a stage it writes (buffer roles of blob-format.md §3.4 and the stage
 * sources); false when the roles of the stage type are not known. */
static bool stage_writes(const BlobStage *st, bool *w) {
  uint32_t nb = st->num_buffers, t = st->type;
  memset(w, 0, nb * sizeof *w);
  if (nb < 2) return false;
  switch (t) {
  case BLOB_STAGE_MYRIAD_X_HW_OP:
    for (uint32_t k = 0; k < st->num_hw_ops; k++)
      if (st->hw_ops[k].output_ind >= 0 && (uint32_t)st->hw_ops[k].output_ind < nb)
        w[st->hw_ops[k].output_ind] = true;
    return true;
  case BLOB_STAGE_DETECTION_OUTPUT: w[nb - 2] = w[nb - 1] = true; return true; /* output, temp */
  case BLOB_STAGE_STRIDED_SLICE:
  case BLOB_STAGE_CONCAT:
  case BLOB_STAGE_GEMM: w[nb - 1] = true; return true;
  case BLOB_STAGE_TOP_K:
    for (uint32_t i = 2; i < nb; i++) w[i] = true;
    return true;
  case BLOB_STAGE_CONV:
  case BLOB_STAGE_IM2COL_CONVOLUTION:
  case BLOB_STAGE_DEPTH_CONV:
  case BLOB_STAGE_REF_CONVOLUTION: /* input, output, weights, [temp] */
    w[1] = true;
    if (nb > 3) w[3] = true;
    return true;
  case BLOB_STAGE_COPY:
  case BLOB_STAGE_CONVERT:
  case BLOB_STAGE_RELU:
  case BLOB_STAGE_LEAKY_RELU:
  case BLOB_STAGE_BIAS_RELU:
  case BLOB_STAGE_BIAS_LEAKY_RELU:
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
  case BLOB_STAGE_SOFT_MAX:
  case BLOB_STAGE_PERMUTE:
  case BLOB_STAGE_MAX_POOL:
  case BLOB_STAGE_AVG_POOL:
  case BLOB_STAGE_GLOBAL_MAX_POOL:
  case BLOB_STAGE_PAD:
  case BLOB_STAGE_RESAMPLE:
  case BLOB_STAGE_INTERP:
  case BLOB_STAGE_FC:
  case BLOB_STAGE_DECONVOLUTION:
  case BLOB_STAGE_DEPTH_DECONV:
  case BLOB_STAGE_LRN:
  case BLOB_STAGE_TILE:
  case BLOB_STAGE_GATHER:
  case BLOB_STAGE_REDUCE_MEAN:
  case BLOB_STAGE_REDUCE_MAX:
  case BLOB_STAGE_REDUCE_SUM:
  case BLOB_STAGE_MVN:
  case BLOB_STAGE_HW_FC_RELAYOUT: w[1] = true; return true;
  default:
    if ((t >= BLOB_STAGE_SUM && t <= BLOB_STAGE_MAX) ||
        (t >= BLOB_STAGE_DIV && t <= BLOB_STAGE_SELECT)) {
      w[1] = true;
      return true;
    }
    return false;
  }
}

#define CMX_TRACK_MAX \
  (4u << 20) /* liveness is tracked over the first 4 MiB (MyriadX CMX: 2.5 MiB) */

typedef struct {
  uint32_t *last, *prev; /* per granule of g CMX bytes: the step that wrote it last / before (+1) */
  size_t len, g; /* bytes tracked; granule size (every CMX offset, stride, run is a multiple) */
  Buf *rep;
  int *n, reported;
} Cmx;

/* Calls fn on each run of contiguous element bytes [start, start + len) of a CMX buffer; false
 * (nothing called) when the buffer is outside the tracked range or its elements overlap. */
typedef void (*RunFn)(Cmx *c, size_t start, size_t len, void *ctx);
static bool cmx_runs_planes(Cmx *c, const BlobBuffer *x, uint32_t max_c, RunFn fn, void *ctx);
static bool cmx_runs(Cmx *c, const BlobBuffer *x, RunFn fn, void *ctx) {
  return cmx_runs_planes(c, x, UINT32_MAX, fn, ctx);
}

/* The same over the first max_c channel planes (dim 2 of a 3-D or 4-D buffer) only. */
static bool cmx_runs_planes(Cmx *c, const BlobBuffer *x, uint32_t max_c, RunFn fn, void *ctx) {
  const BlobShape *s = &x->shape;
  uint32_t es = blob_dtype_size(s->data_type);
  if (x->location != BLOB_LOC_CMX || !s->dims_known || !s->strides_known || !es || !x->extent ||
      x->extent > c->len || x->data_offset > c->len - x->extent || !s->num_dims)
    return false;
  uint64_t count = 1; /* saturates: only compared with the extent (< 4 MiB here) */
  for (uint32_t i = 0; i < s->num_dims; i++)
    count =
        s->dims_raw[i] && count > UINT64_MAX / s->dims_raw[i] ? UINT64_MAX : count * s->dims_raw[i];
  if (count > x->extent / es) return false; /* aliased elements: not a tensor of its own */
  bool row = s->strides_raw[0] == es;
  uint32_t first = row ? 1 : 0, idx[BLOB_MAX_DIMS] = {0}, lim[BLOB_MAX_DIMS];
  memcpy(lim, s->dims_raw, sizeof lim);
  if (s->num_dims >= 3 && max_c < lim[2]) lim[2] = max_c;
  size_t run = row ? (size_t)s->dims_raw[0] * es : es;
  for (;;) {
    size_t off = x->data_offset;
    for (uint32_t i = first; i < s->num_dims; i++) off += (size_t)idx[i] * s->strides_raw[i];
    fn(c, off / c->g, run / c->g, ctx);
    uint32_t i = first;
    while (i < s->num_dims && ++idx[i] == lim[i]) idx[i++] = 0;
    if (i == s->num_dims) break;
  }
  return true;
}

typedef struct {
  uint32_t seen[8], n_seen; /* distinct last writers over the read (n_seen 9: too many) */
  size_t bad;               /* first byte whose earlier writer is one of them, or SIZE_MAX */
} ReadScan;

static void scan_writers(Cmx *c, size_t at, size_t len, void *ctx) {
  ReadScan *r = ctx;
  for (size_t b = at; b < at + len && r->n_seen <= 8; b++) {
    uint32_t w = c->last[b], k = 0;
    while (k < r->n_seen && r->seen[k] != w) k++;
    if (k == r->n_seen) {
      if (r->n_seen < 8) r->seen[r->n_seen] = w;
      r->n_seen++;
    }
  }
}

static void scan_clobbered(Cmx *c, size_t at, size_t len, void *ctx) {
  ReadScan *r = ctx;
  for (size_t b = at; b < at + len && r->bad == SIZE_MAX; b++) {
    uint32_t p = c->prev[b];
    if (!p || p == c->last[b]) continue;
    for (uint32_t k = 0; k < r->n_seen; k++)
      if (r->seen[k] == p) r->bad = b;
  }
}

static void mark_written(Cmx *c, size_t at, size_t len, void *ctx) {
  uint32_t step = *(const uint32_t *)ctx;
  for (size_t b = at; b < at + len; b++)
    if (c->last[b] != step) c->prev[b] = c->last[b], c->last[b] = step;
}

/* A read that still sees bytes of step W while other bytes W wrote were overwritten by a later
 * step M: W's tensor was clobbered while live (two tensors overlapping in CMX). */
static void cmx_read(Cmx *c, const BlobStage *st, uint32_t i) {
  ReadScan r = {.bad = SIZE_MAX};
  /* A HW conv reads its input's channels up to the block size of its mode: the last 2^mode - 1
   * planes may be padding that no stage wrote (zero coefficients; hw-stages.md checker finding
   * 2), so only the planes before them have to hold one tensor. */
  uint32_t planes = UINT32_MAX;
  for (uint32_t k = 0; k < st->num_hw_ops; k++) {
    const BlobHwOp *op = &st->hw_ops[k];
    const BlobShape *sh = &st->buffers[i].shape;
    if (op->input_ind != (int32_t)i || op->op_type == BLOB_HW_OP_POOL || sh->num_dims < 3 ||
        op->op_mode > 4)
      continue;
    uint32_t pad = (1u << op->op_mode) - 1, c_in = sh->dims_raw[2];
    uint32_t real = c_in > pad ? c_in - pad : 1;
    planes = real < planes ? real : planes;
  }
  if (!cmx_runs_planes(c, &st->buffers[i], planes, scan_writers, &r) || r.n_seen > 8) return;
  cmx_runs_planes(c, &st->buffers[i], planes, scan_clobbered, &r);
  if (r.bad == SIZE_MAX || c->reported >= 10) return;
  c->reported++;
  viol(c->rep, c->n, "cmx-live",
       "stage %u (%s) buffer %u reads CMX %u..%llu, written by stage %u, but stage %u overwrote "
       "CMX byte "
       "%zu of that tensor before this read",
       st->index, st->type_name, i, st->buffers[i].data_offset,
       (unsigned long long)(st->buffers[i].data_offset + st->buffers[i].extent), c->prev[r.bad] - 1,
       c->last[r.bad] - 1, r.bad * c->g);
}

/* Reads before writes within a step; the injected stage belongs to its HW stage's step. */
static void cmx_step(Cmx *c, const BlobStage *st, uint32_t step) {
  const BlobStage *parts[2] = {st, st->injected};
  bool *w[2] = {NULL, NULL}, known[2] = {false, false};
  for (int p = 0; p < 2 && parts[p]; p++) {
    w[p] = calloc(parts[p]->num_buffers + 1, sizeof *w[p]);
    known[p] = w[p] && stage_writes(parts[p], w[p]);
  }
  for (int p = 0; p < 2; p++)
    for (uint32_t i = 0; known[p] && i < parts[p]->num_buffers; i++)
      if (!w[p][i]) cmx_read(c, parts[p], i);
  for (int p = 0; p < 2; p++)
    for (uint32_t i = 0; known[p] && i < parts[p]->num_buffers; i++)
      if (w[p][i]) cmx_runs(c, &parts[p]->buffers[i], mark_written, &step);
  free(w[0]), free(w[1]);
}

/* CMX regions must not overlap while live: replays every stage's CMX reads and writes (stages
 * whose buffer roles are unknown are left out) and reports a read that mixes a tensor's bytes
 * with bytes a later stage wrote over it. */
static size_t gcd(size_t a, size_t b) {
  while (b) {
    size_t t = a % b;
    a = b, b = t;
  }
  return a;
}

/* The granule (a power of two up to 16 dividing every CMX offset, stride and contiguous run) and
 * the end of the CMX bytes the stages touch inside [0, area). */
static void cmx_extent(const BlobStage *st, uint64_t area, size_t *g, size_t *end) {
  for (int p = 0; p < 2 && st; p++, st = st->injected)
    for (uint32_t i = 0; i < st->num_buffers; i++) {
      const BlobBuffer *x = &st->buffers[i];
      const BlobShape *s = &x->shape;
      uint32_t es = blob_dtype_size(s->data_type);
      if (x->location != BLOB_LOC_CMX || !x->extent || !es || x->extent > area ||
          x->data_offset > area - x->extent)
        continue;
      *end = *end > x->data_offset + x->extent ? *end : (size_t)(x->data_offset + x->extent);
      *g = gcd(*g, x->data_offset);
      *g = gcd(*g, s->num_dims && s->strides_raw[0] == es ? (size_t)s->dims_raw[0] * es : es);
      for (uint32_t k = 1; k < s->num_dims; k++)
        if (s->dims_raw[k] > 1) *g = gcd(*g, s->strides_raw[k]);
    }
}

static void check_cmx_liveness(const BlobInfo *b, Buf *rep, int *n) {
  uint64_t area = (uint64_t)b->hdr.cmx_slices * BLOB_CMX_SLICE_SIZE;
  size_t g = 16, end = 0;
  for (uint32_t i = 0; i < b->hdr.stages_count; i++) cmx_extent(&b->stages[i], area, &g, &end);
  if (!end) return; /* no stage touches CMX */
  if (!g) g = 16;
  end = end < CMX_TRACK_MAX ? end : CMX_TRACK_MAX;
  Cmx c = {.len = end, .g = g, .rep = rep, .n = n};
  c.last = calloc(end / g + 1, sizeof *c.last);
  c.prev = calloc(end / g + 1, sizeof *c.prev);
  for (uint32_t i = 0; c.last && c.prev && i < b->hdr.stages_count; i++)
    cmx_step(&c, &b->stages[i], i + 1);
  free(c.last);
  free(c.prev);
}

int blob_check(const BlobInfo *b, Buf *report, Err *err) {
  (void)err;
  int n = 0;
  check_layout(b, report, &n);
  check_io(b, b->inputs, b->hdr.inputs_count, b->hdr.inputs_size, "input", report, &n);
  check_io(b, b->outputs, b->hdr.outputs_count, b->hdr.outputs_size, "output", report, &n);
  for (uint32_t i = 0; i < b->hdr.stages_count; i++) check_stage(b, &b->stages[i], report, &n);
  check_flags(b, report, &n);
  check_cmx_liveness(b, report, &n);
  if (b->superblob) check_superblob(b, report, &n);
  return n;
}
