/*
 * compiler/backend/blob/bw.h — internals of the MyriadX blob writer, shared by its files.
 *
 * The writer (entry point be_blob_write in compiler/backend/blob_write.h) has one job per file:
 *   blob_write.c  the driver: lower every live node, place the tensors, serialize
 *   lower_sw.c    lowering of graph nodes to SHAVE/DMA stages (one function per op family)
 *   placement.c   memory placement: IO buffers, views that share storage, BSS by liveness
 *   serialize.c   header, IO sections, stage records and the const section (blob-format.md §1-§4)
 *   util.c        buffer views, const-section objects, stage and temporary-tensor helpers
 *   lower_hw.c    which layers go to the NCE (MyriadXHwOp) and their stages
 *   tiling.c      tiles, modes and HW restrictions of an NCE convolution / pooling
 *   hw_weights.c  FP16 range scaling and the NCE weight / bias / scale layouts
 */
#ifndef COMPILER_BACKEND_BLOB_BW_H
#define COMPILER_BACKEND_BLOB_BW_H

#include <string.h>

#include "compiler/backend/blob_format.h"
#include "compiler/backend/blob_write.h"

#define MAX_STAGE_BUFS 8

/* A buffer as one stage sees it: a view (dims/strides, minor -> major) of a tensor's storage. */
typedef struct {
  int tensor; /* graph tensor (its storage root is resolved at serialization); -1 = const or fake */
  bool fake;  /* Location None placeholder (§3.6) */
  uint32_t const_off; /* for const objects: offset in the const section */
  uint32_t dt, order, ndims;
  uint32_t dims[BLOB_MAX_DIMS], strides[BLOB_MAX_DIMS];
  uint32_t roi_offset; /* bytes from the start of the tensor's storage */
} BRef;

typedef struct {
  uint32_t type, shaves;
  Buf params;
  BRef bufs[MAX_STAGE_BUFS];
  int nbufs;
  int node; /* graph node, for messages */
} Stage;

typedef struct {
  uint32_t loc; /* BLOB_LOC_* of the root */
  uint32_t io_idx;
  int base;             /* alias root (storage shared), -1 = own storage */
  uint32_t base_offset; /* byte offset inside the base's storage */
  int first, last;      /* stage range using it */
  uint32_t bytes;
  uint32_t offset;       /* BSS offset, or IO buffer offset */
  uint32_t pitch;        /* NCE layout (4-D, rows 16-byte aligned): bytes per row; 0 = compact */
  uint32_t lay_h, lay_c; /* rows and channels of that layout (views of it keep these strides) */
} Store;

typedef struct {
  const IrGraph *g;
  const CompileOptions *opt;
  Err *err;
  Stage *stages;
  int n_stages, cap_stages;
  Store *st;
  Buf cst; /* const section */
  int cur_node;
  uint8_t *done; /* per node: already lowered together with an earlier one */
  int *reader;   /* per tensor: its one live reading node, -1 none, -2 several or a graph output */
  struct BwHw *hw; /* NCE plan (lower_hw.c), NULL when no layer goes to the NCE */
} W;

/* ---- util.c ---- */

/* RVC2 has 512 MiB of DDR: no single tensor can be larger (and every blob field is a u32). */
#define BLOB_MAX_TENSOR_BYTES (512u << 20)

int bw_fail(W *w, const char *fmt, const char *a1);
uint32_t bw_blob_dt(DType t);
const IrTensor *bw_T(W *w, int t);
int bw_rank_of(const IrTensor *x);
int64_t bw_dim_of(const IrTensor *x, int i);
BRef bw_view(W *w, int t);
void bw_roi(BRef *r, int axis, uint32_t start, uint32_t count);
BRef bw_at_rank(BRef r, int rank);
void bw_emit_convert(W *w, BRef in, BRef out);
uint32_t bw_add_const(W *w, const void *data, size_t bytes);
BRef bw_const_s32(W *w, const int32_t *v, uint32_t n);
uint16_t *bw_const_f16_slot(W *w, size_t n, int ndims, const uint32_t *dims_mm, BRef *r);
BRef bw_const_f16(W *w, const uint16_t *v, size_t n, int ndims, const uint32_t *dims_mm);
BRef bw_const_vec(W *w, const double *v, size_t n);
const uint16_t *bw_halves_of(W *w, const IrTensor *x);
BRef bw_const_tensor(W *w, int t);
BRef bw_fake_ref(void);
BRef bw_in_ref(W *w, int t);
Stage *bw_new_stage(W *w, uint32_t type, bool post_op);
void bw_add_buf(Stage *s, BRef r);
int bw_temp_dims(W *w, int like, const char *suffix, int rank, const int64_t *dims);
int bw_temp_like(W *w, int like);
int bw_temp_typed(W *w, int like, DType dt);
uint64_t bw_tensor_bytes64(const IrTensor *x);
uint32_t bw_tensor_bytes(const IrTensor *x);

/* Element i of a float constant as FP16 bits: a copy when it already is FP16 (after the fp16
 * pass it always is), a rounding otherwise. */
static inline uint16_t bw_half_at(const IrTensor *x, int64_t i) {
  if (x->dtype == DT_F16) {
    uint16_t h;
    memcpy(&h, (const uint8_t *)x->data + 2 * i, 2);
    return h;
  }
  if (x->dtype == DT_F32) {
    float f;
    memcpy(&f, (const uint8_t *)x->data + 4 * i, 4);
    return fp16_from_f32(f);
  }
  return fp16_from_f32((float)ir_const_f64(x, i));
}

/* ---- lower_sw.c ---- */

void bw_copy_stage(W *w, BRef in, BRef out);
bool bw_is_view_op(const IrNode *n, const IrGraph *g);
int bw_lower_node(W *w, int i);

/* ---- lower_ir.c: the OpenVINO IR layers of issue 18 ---- */

int bw_lower_ir_activation(W *w, const IrNode *n, uint32_t stage); /* Mish, SoftPlus, Swish, Gelu */
int bw_lower_squared_diff(W *w, const IrNode *n);
int bw_lower_grn(W *w, const IrNode *n);
int bw_lower_normalize_l2(W *w, const IrNode *n);
int bw_lower_region_yolo(W *w, const IrNode *n);
int bw_lower_reorg_yolo(W *w, const IrNode *n);
int bw_lower_ctc_greedy_decoder(W *w, const IrNode *n);
int bw_lower_scatter_update(W *w, const IrNode *n);
int bw_lower_gather_nd(W *w, const IrNode *n);
int bw_lower_roi_pooling(W *w, const IrNode *n, uint32_t stage); /* ROIPooling, PSROIPooling */
int bw_lower_lstm_cell(W *w, const IrNode *n);
int bw_lower_proposal(W *w, const IrNode *n);
/* lower_gather.c: indexed data movement and Mod (issue 18) */
int bw_lower_gather_elements(W *w, const IrNode *n);
int bw_lower_scatter_elements(W *w, const IrNode *n);
int bw_lower_scatter_nd(W *w, const IrNode *n);
int bw_lower_one_hot(W *w, const IrNode *n);
int bw_lower_reverse_sequence(W *w, const IrNode *n);
int bw_lower_mod(W *w, const IrNode *n);
/* Normalize (35) across the channels of x into y (NormalizeL2, LpNormalization p = 2). */
int bw_normalize_channels(W *w, int x, int y, float eps);

/* ---- lower_seq.c: the ONNX ROI ops and LSTM of issue 18 ---- */

int bw_lower_roi_align(W *w, const IrNode *n);
int bw_lower_lstm(W *w, const IrNode *n);

/* ---- placement.c ---- */

int bw_root_of(const W *w, int t, uint32_t *off);
int bw_assign_storage(W *w);
void bw_touch(W *w, int t, int stage);
void bw_plan_bss(W *w, BlobStats *bs);

/* ---- lower_hw.c ---- */

#define BW_HW_NOT_TAKEN 1 /* bw_hw_lower: the node is not an NCE layer, lower it on SHAVEs */

int bw_hw_plan(W *w, BlobStats *bs);
int bw_hw_lower(W *w, int i);

/* ---- tiling.c ---- */

#define BW_HW_MAX_PLANE 64 /* tiles per spatial dimension we can hold */

typedef struct {
  int in_with_junk, out_with_junk; /* lines the tile reads / the hardware writes */
  int junk_before, junk_after;     /* output lines to drop around the tile's own */
  int in_start, in_end, out_start, out_end;
} HwPlane;

typedef struct { /* one HW stage's op list over output channels */
  int mode;      /* BlobHwOpMode */
  int num_descr, out_per_descr, last_out;
  int ext_in_c, ext_out_c; /* channels rounded to the mode's block / to 8 */
  int cost;
} HwConvTile;

typedef struct {
  int in_c, in_h, in_w, out_c, out_h, out_w; /* out: after the fused pooling when with_pool */
  int kx, ky, stride, pl, pr, pt, pb;
  int cmx_slices;
  bool with_pool;             /* CONV_POOL: a 2x2 stride-2 max pooling fused */
  int conv_out_h, conv_out_w; /* the convolution's own output then */
} HwGeom;

typedef struct {
  int n_h, n_w, n_c; /* tiles over H, W and input channels */
  int tile_c;        /* input channels per channel tile */
  HwPlane h[BW_HW_MAX_PLANE], wd[BW_HW_MAX_PLANE];
} HwTiling;

typedef struct {
  int left, right, top, bottom;
  bool enable;
} HwPad;

int bw_hw_cmx_limit(int cmx_slices);
int64_t bw_hw_buffer_size(int c, int h, int wd);
bool bw_hw_restrictions_ok(int in_w, int in_h, int in_c, int out_c, int kx, int ky, int stride,
                           int mode, bool pool);
HwConvTile bw_hw_split_out_channels(int in_w, int in_h, int in_c, int out_c, int kx, int ky,
                                    int stride);
bool bw_hw_conv_tiling(const HwGeom *g, HwTiling *t);
bool bw_hw_pool_tiling(const HwGeom *g, HwTiling *t);
HwPad bw_hw_padding(int in_w, int in_h, int out_w, int out_h, int kx, int ky, int stride, int pl,
                    int pt);

/* ---- hw_weights.c ---- */

float bw_ie_f16_to_f32(uint16_t h);
uint16_t bw_ie_f32_to_f16(float x);
int bw_hw_weights_shift(const uint16_t *wts, size_t n, bool *first, int *normal_val, bool growing,
                        bool fc, int64_t in_c);
BRef bw_hw_weights_const(W *w, const uint16_t *src, int oc, int ic, int k, int c0, int n_ic,
                         int ext_ic, int ext_oc, int shift);
BRef bw_hw_vec_const(W *w, const uint16_t *v, int n, int ext, uint16_t pad);
uint16_t *bw_hw_biases(W *w, int bias_t, int64_t off, int n, int shift, double beta);
uint16_t *bw_hw_scales(W *w, int n, int shift, float relu_scale, bool soc, uint16_t *pad);

/* ---- serialize.c ---- */

int bw_serialize(W *w, Buf *out, BlobStats *bs, uint32_t vmaj,
                 uint32_t vmin); /* -1: stopped (err) */

#endif
