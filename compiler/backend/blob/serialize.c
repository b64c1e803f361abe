/*
 * compiler/backend/blob/serialize.c — header, IO sections, stage records and const section (blob-format.md §1-§4).
 */
#include "compiler/backend/blob/bw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- serialization ---- */

/* dims/strides arrays go to the const section after the weights (§2.2, §4) */
static uint32_t put_shape(W *w, const uint32_t *v, uint32_t n) {
  buf_align(&w->cst, 4);
  uint32_t off = (uint32_t)w->cst.len;
  for (uint32_t i = 0; i < n; i++) buf_put_u32(&w->cst, v[i]);
  return off;
}

static void put_bref(W *w, Buf *b, const BRef *r) {
  buf_put_u32(b, r->dt);
  buf_put_u32(b, r->order);
  buf_put_u32(b, r->ndims);
  buf_put_u32(b, BLOB_LOC_BLOB);
  buf_put_u32(b, put_shape(w, r->dims, r->ndims));
  buf_put_u32(b, BLOB_LOC_BLOB);
  buf_put_u32(b, put_shape(w, r->strides, r->ndims));
  if (r->fake) {
    buf_put_u32(b, BLOB_LOC_NONE);
    buf_put_u32(b, 0);
    return;
  }
  if (r->tensor < 0) {
    buf_put_u32(b, BLOB_LOC_BLOB);
    buf_put_u32(b, r->const_off);
    return;
  }
  uint32_t extra = 0;
  int root = bw_root_of(w, r->tensor, &extra);
  const Store *s = &w->st[root];
  buf_put_u32(b, s->loc);
  if (s->loc == BLOB_LOC_INPUT || s->loc == BLOB_LOC_OUTPUT) {
    buf_put_u32(b, s->io_idx);
    buf_put_u32(b, s->bytes);
    buf_put_u32(b, extra + r->roi_offset);
  } else {
    buf_put_u32(b, s->offset + extra + r->roi_offset);
  }
}

/* The layout the host feeds an input in: interleaved (NHWC/HWC) frames keep the row-major bytes
 * of [N,H,W,C], whose minor->major dims (C,W,H,N) are exactly what the NHWC order code names. */
static uint32_t io_order(W *w, int t, uint32_t dflt) {
  const IrTensor *x = bw_T(w, t);
  if (!x->is_input) return dflt;
  if (x->layout == LAYOUT_NHWC && x->rank == 4) return BLOB_ORDER_NHWC; /* set by preprocessing */
  if (x->layout == LAYOUT_HWC && x->rank == 3) return BLOB_ORDER_HWC;
  return dflt;
}

static void put_io(W *w, Buf *b, int idx, int t) {
  const IrTensor *x = bw_T(w, t);
  const Store *s = &w->st[t];
  BRef r = bw_view(w, t);
  r.order = io_order(w, t, r.order);
  size_t len = strlen(x->name);
  uint32_t name_size = (uint32_t)align_up(len + 1, BLOB_NAME_ALIGN);
  buf_put_u32(b, (uint32_t)idx);
  buf_put_u32(b, s->offset);
  buf_put_u32(b, name_size);
  buf_put(b, x->name, len);
  buf_put_zeros(b, name_size - len);
  buf_put_u32(b, r.dt);
  buf_put_u32(b, r.order);
  buf_put_u32(b, r.ndims);
  buf_put_u32(b, BLOB_LOC_BLOB);
  buf_put_u32(b, put_shape(w, r.dims, r.ndims));
  buf_put_u32(b, BLOB_LOC_BLOB);
  buf_put_u32(b, put_shape(w, r.strides, r.ndims));
}

int be_blob_version(const char *openvino, uint32_t *major, uint32_t *minor) {
  if (!openvino) openvino = "2022.1";
  unsigned a = 0, b = 0;
  char tail;
  if (sscanf(openvino, "%u.%u%c", &a, &b, &tail) != 2 || !blob_openvino_release(a, b)) return -1;
  *major = a;
  *minor = b;
  return 0;
}

int bw_serialize(W *w, Buf *out, BlobStats *bs, uint32_t vmaj, uint32_t vmin) {
  const IrGraph *g = w->g;
  /* IO buffers: each tensor at align64(previous end) (§4) */
  uint32_t in_end = 0, out_end = 0;
  for (int i = 0; i < g->n_inputs; i++) {
    Store *s = &w->st[g->inputs[i]];
    s->offset = (uint32_t)align_up(in_end, BLOB_DATA_ALIGN);
    in_end = s->offset + s->bytes;
  }
  for (int i = 0; i < g->n_outputs; i++) {
    Store *s = &w->st[g->outputs[i]];
    s->offset = (uint32_t)align_up(out_end, BLOB_DATA_ALIGN);
    out_end = s->offset + s->bytes;
  }
  Buf ins = BUF_INIT, outs = BUF_INIT, stg = BUF_INIT;
  for (int i = 0; i < g->n_inputs; i++) put_io(w, &ins, i, g->inputs[i]);
  for (int i = 0; i < g->n_outputs; i++) put_io(w, &outs, i, g->outputs[i]);
  bool hw = false, shave = false, dma = false;
  for (int i = 0; i < w->n_stages; i++) {
    if (job_poll(w->err) < 0) { /* a stop request or the memory budget */
      buf_free(&ins), buf_free(&outs), buf_free(&stg);
      return -1;
    }
    Stage *s = &w->stages[i];
    size_t start = stg.len;
    buf_put_u32(&stg, 0); /* length, patched */
    buf_put_u32(&stg, s->type);
    buf_put_u32(&stg, s->shaves);
    buf_put_u32(&stg, (uint32_t)(4 + s->params.len));
    buf_put(&stg, s->params.data, s->params.len);
    if (s->type == BLOB_STAGE_MYRIAD_X_HW_OP)
      buf_put_u32(&stg, (uint32_t)s->nbufs); /* §3.5: counted buffers */
    for (int k = 0; k < s->nbufs; k++) put_bref(w, &stg, &s->bufs[k]);
    buf_put_u32(&stg, s->type);
    buf_put_u32(&stg, BLOB_STAGE_BORDER_SYMBOL);
    buf_set_u32(&stg, start, (uint32_t)(stg.len - start));
    BlobStageCategory cat = blob_stage_category(s->type);
    hw |= cat == BLOB_CAT_HW;
    shave |= cat == BLOB_CAT_SHAVE;
    bs->n_hw_stages += cat == BLOB_CAT_HW;
    bs->n_shave_stages += cat == BLOB_CAT_SHAVE;
    dma |= cat == BLOB_CAT_DMA;
  }
  uint32_t in_off = BLOB_HDR_AREA;
  uint32_t out_off = in_off + (uint32_t)align_up(ins.len, BLOB_SECTION_ALIGN);
  uint32_t stg_off = out_off + (uint32_t)align_up(outs.len, BLOB_SECTION_ALIGN);
  uint32_t cst_off = stg_off + (uint32_t)align_up(stg.len, BLOB_SECTION_ALIGN);
  uint32_t file_size = cst_off + (uint32_t)align_up(w->cst.len, BLOB_SECTION_ALIGN);
  size_t base = out->len, cst_len = w->cst.len;
  uint8_t *p;
  if (base == 0 && cst_len) {
    /* the usual case: grow the const section's own buffer to the whole file and move the
     * constants to their place (realloc of a large block is an mremap: no second copy of the
     * weights at the peak), then zero the front and fill in the sections */
    buf_reserve(&w->cst, file_size - cst_len);
    memmove(w->cst.data + cst_off, w->cst.data, cst_len);
    memset(w->cst.data, 0, cst_off);
    memset(w->cst.data + cst_off + cst_len, 0, file_size - cst_off - cst_len);
    w->cst.len = file_size;
    buf_free(out);
    *out = w->cst;
    w->cst = (Buf)BUF_INIT;
    p = out->data;
  } else {
    buf_put_zeros(out, file_size);
    p = out->data + base;
    if (cst_len) memcpy(p + cst_off, w->cst.data, cst_len);
  }
  p[0] = BLOB_ELF_IDENT0, p[1] = BLOB_ELF_IDENT1, p[2] = BLOB_ELF_IDENT2, p[3] = BLOB_ELF_IDENT3;
  p[BLOB_ELF_OFF_TYPE] = BLOB_ELF_TYPE;
  p[BLOB_ELF_OFF_MACHINE] = BLOB_ELF_MACHINE;
  p[BLOB_ELF_OFF_VERSION] = BLOB_ELF_VERSION;
  p[BLOB_ELF_OFF_EHSIZE] = BLOB_ELF_EHSIZE & 0xFF;
  p[BLOB_ELF_OFF_EHSIZE + 1] = BLOB_ELF_EHSIZE >> 8;
  Buf hdr = {p, 0, file_size}; /* write through buf_set_u32 without reallocating */
  hdr.len = file_size;
  uint32_t shaves = (uint32_t)(w->opt->shaves > 0 ? w->opt->shaves : 1);
  uint32_t cmx = (uint32_t)(w->opt->cmx_slices > 0 ? w->opt->cmx_slices : (int)shaves);
  const uint32_t fields[][2] = {
      {BLOB_HDR_MAGIC, BLOB_MAGIC},
      {BLOB_HDR_FILE_SIZE, file_size},
      {BLOB_HDR_VER_MAJOR, vmaj},
      {BLOB_HDR_VER_MINOR, vmin},
      {BLOB_HDR_INPUTS_COUNT, (uint32_t)g->n_inputs},
      {BLOB_HDR_OUTPUTS_COUNT, (uint32_t)g->n_outputs},
      {BLOB_HDR_STAGES_COUNT, (uint32_t)w->n_stages},
      {BLOB_HDR_INPUTS_SIZE, in_end},
      {BLOB_HDR_OUTPUTS_SIZE, out_end},
      {BLOB_HDR_BATCH_SIZE, 1},
      {BLOB_HDR_BSS_MEM_SIZE, bs->bss_size},
      {BLOB_HDR_CMX_SLICES, cmx},
      {BLOB_HDR_SHAVES, shaves},
      {BLOB_HDR_HAS_HW_STAGE, hw},
      {BLOB_HDR_HAS_SHAVE_STAGE, shave},
      {BLOB_HDR_HAS_DMA_STAGE, dma},
      {BLOB_HDR_INPUT_SECTION, in_off},
      {BLOB_HDR_OUTPUT_SECTION, out_off},
      {BLOB_HDR_STAGE_SECTION, stg_off},
      {BLOB_HDR_CONST_SECTION, cst_off},
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    buf_set_u32(&hdr, fields[i][0], fields[i][1]);
  if (ins.len) memcpy(p + in_off, ins.data, ins.len);
  if (outs.len) memcpy(p + out_off, outs.data, outs.len);
  if (stg.len) memcpy(p + stg_off, stg.data, stg.len);
  bs->const_size = (uint32_t)cst_len;
  buf_free(&ins);
  buf_free(&outs);
  buf_free(&stg);
  return 0;
}
