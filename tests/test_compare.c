/*
 * tests/test_compare.c — our blobs against Intel compile_tool's, where ../shared/data/real-blobs
 * has the source model beside the real blob. Compared: header resources, inputs/outputs (name,
 * type, order, dims, strides, buffer offsets), the stage list (type, SHAVEs, parameter bytes),
 * every buffer descriptor (type, order, dims, strides, location) and the bytes of every constant
 * buffer. Not compared, by design: where BSS and const objects are placed (our liveness packing
 * and const order differ; the sizes are reported). For the two OpenVINO IR SSDs the NCE
 * (MyriadXHwOp) stages are compared layer by layer: weight, bias and scale bytes, op lists,
 * tiling (compare__ssd_models_hw_stages_match_compile_tool).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_read.h"
#include "compiler/compile.h"
#include "compiler/graph/ir.h"
#include "testutil.h"

typedef struct {
  const char *model, *blob, *openvino;
  int shaves;
} Pair;

static BlobInfo *parse_file(Arena *a, const char *path, uint8_t **keep, size_t *len) {
  Err err = {0};
  assert_int_equal(io_read_file(keep, len, path, 0, &err), 0);
  BlobInfo *b = NULL;
  assert_int_equal(blob_parse(&b, a, *keep, *len, path, &err), 0);
  return b;
}

static void same_shape(const BlobShape *x, const BlobShape *y, const char *what) {
  if (x->data_type != y->data_type || x->order != y->order || x->num_dims != y->num_dims ||
      memcmp(x->dims, y->dims, sizeof x->dims) ||
      memcmp(x->strides, y->strides, sizeof x->strides)) {
    fprintf(stderr, "%s differs\n", what);
    fail();
  }
}

/* Compares one pair; returns the number of stages matched. */
static int compare_pair(const Pair *p, const char *dir) {
  char model[4096], real[4096];
  snprintf(model, sizeof model, "%s/%s", dir, p->model);
  snprintf(real, sizeof real, "%s/%s", dir, p->blob);
  CompInput in = {.precision = PREC_U8};
  CompileOptions opt = {.model_name = "m",
                        .source = model,
                        .inputs = &in,
                        .n_inputs = 1,
                        .shaves = p->shaves,
                        .cmx_slices = p->shaves,
                        .openvino = p->openvino,
                        .want_blob = true};
  CompileResult res;
  Err err = {0};
  assert_int_equal(compile_model(&res, &opt, &err), 0);
  assert_true(res.blob.len > 0);
  Arena *a = arena_new();
  uint8_t *rd = NULL;
  size_t rl = 0;
  BlobInfo *r = parse_file(a, real, &rd, &rl);
  BlobInfo *o = NULL;
  assert_int_equal(blob_parse(&o, a, res.blob.data, res.blob.len, "ours", &err), 0);
  assert_int_equal(o->hdr.ver_major, r->hdr.ver_major);
  assert_int_equal(o->hdr.ver_minor, r->hdr.ver_minor);
  assert_int_equal(o->hdr.shaves, r->hdr.shaves);
  assert_int_equal(o->hdr.cmx_slices, r->hdr.cmx_slices);
  assert_int_equal(o->hdr.inputs_count, r->hdr.inputs_count);
  assert_int_equal(o->hdr.outputs_count, r->hdr.outputs_count);
  assert_int_equal(o->hdr.inputs_size, r->hdr.inputs_size);
  assert_int_equal(o->hdr.outputs_size, r->hdr.outputs_size);
  assert_int_equal(o->hdr.has_hw_stage, r->hdr.has_hw_stage);
  assert_int_equal(o->hdr.has_shave_stage, r->hdr.has_shave_stage);
  assert_int_equal(o->hdr.has_dma_stage, r->hdr.has_dma_stage);
  for (uint32_t i = 0; i < r->hdr.inputs_count; i++) {
    assert_string_equal(o->inputs[i].name, r->inputs[i].name);
    assert_int_equal(o->inputs[i].buffer_offset, r->inputs[i].buffer_offset);
    same_shape(&o->inputs[i].shape, &r->inputs[i].shape, "input");
  }
  for (uint32_t i = 0; i < r->hdr.outputs_count; i++) {
    assert_string_equal(o->outputs[i].name, r->outputs[i].name);
    same_shape(&o->outputs[i].shape, &r->outputs[i].shape, "output");
  }
  assert_int_equal(o->hdr.stages_count, r->hdr.stages_count);
  const uint8_t *rc = rd + r->base + r->hdr.const_section,
                *oc = res.blob.data + o->hdr.const_section;
  for (uint32_t s = 0; s < r->hdr.stages_count; s++) {
    const BlobStage *x = &o->stages[s], *y = &r->stages[s];
    assert_string_equal(x->type_name, y->type_name);
    assert_int_equal(x->num_shaves, y->num_shaves);
    assert_int_equal(x->params_len, y->params_len);
    assert_memory_equal(x->params, y->params, y->params_len);
    assert_int_equal(x->num_buffers, y->num_buffers);
    for (uint32_t k = 0; k < y->num_buffers; k++) {
      const BlobBuffer *bx = &x->buffers[k], *by = &y->buffers[k];
      same_shape(&bx->shape, &by->shape, "buffer");
      assert_int_equal(bx->location, by->location);
      if (by->location == BLOB_LOC_INPUT || by->location == BLOB_LOC_OUTPUT) {
        assert_int_equal(bx->io_idx, by->io_idx);
        assert_int_equal(bx->data_offset, by->data_offset);
      }
      if (by->location == BLOB_LOC_BLOB) { /* constant contents, wherever they are placed */
        assert_int_equal(bx->extent, by->extent);
        assert_memory_equal(oc + bx->data_offset, rc + by->data_offset, by->extent);
      }
    }
  }
  fprintf(stderr,
          "  %s: %u stages identical; BSS ours %u vs compile_tool %u; file %zu vs %u bytes\n",
          p->blob, r->hdr.stages_count, o->hdr.bss_mem_size, r->hdr.bss_mem_size, res.blob.len,
          r->hdr.file_size);
  int n = (int)r->hdr.stages_count;
  free(rd);
  arena_free(a);
  compile_result_free(&res);
  return n;
}

static void compare__pointcloud_matches_compile_tool_stage_for_stage(void **state) {
  (void)state;
  const char *d = tu_shared_data();
  if (!d) skip();
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/real-blobs/pointcloud_640x400", d);
  Pair p = {"14442C10B1EE62D700_pointcloud_640x400_simplified.onnx",
            "14442C10B1EE62D700_pointcloud_640x400.blob", "2021.4", 6};
  assert_int_equal(compare_pair(&p, dir), 7);
}

/* face-detection-retail-0004 (IR, 2020.1 blob): its prior boxes, PriorBoxClustered folded by
 * shape inference and rounded to FP16, equal byte for byte the constant compile_tool gave its
 * DetectionOutput stage (buffer 2, [1, 2, 12996]). */
static void compare__face_detection_prior_boxes_match_compile_tool(void **state) {
  (void)state;
  const char *d = tu_shared_data();
  if (!d) skip();
  char xml[4096], real[4096];
  snprintf(xml, sizeof xml,
           "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004.xml", d);
  snprintf(real, sizeof real,
           "%s/real-blobs/face-detection-retail-0004/"
           "face-detection-retail-0004_openvino_2020_1_4shave.blob",
           d);
  Arena *a = arena_new();
  Err err = {0};
  IrGraph *g = NULL;
  assert_int_equal(compile_load(&g, a, xml, &err), 0);
  assert_int_equal(ir_infer(g, &err), 0);
  int det = -1, n_pbc = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    if (g->nodes[i].op == IR_OP_PRIOR_BOX_CLUSTERED) {
      n_pbc++;
      assert_true(g->nodes[i].dead); /* folded */
    }
    if (!strcmp(g->nodes[i].op_type, "DetectionOutput")) det = i;
  }
  assert_true(n_pbc > 0);
  assert_true(det >= 0);
  const IrTensor *pri = &g->tensors[g->nodes[det].inputs[2]];
  assert_non_null(pri->data);
  int64_t n = ir_numel(pri);
  uint8_t *rd = NULL;
  size_t rl = 0;
  BlobInfo *r = parse_file(a, real, &rd, &rl);
  const BlobStage *ds = NULL;
  for (uint32_t s = 0; s < r->hdr.stages_count; s++)
    if (r->stages[s].type == BLOB_STAGE_DETECTION_OUTPUT) ds = &r->stages[s];
  assert_non_null(ds);
  const BlobBuffer *pb = &ds->buffers[2];
  assert_int_equal(pb->location, BLOB_LOC_BLOB);
  assert_int_equal((uint64_t)n * 2, pb->extent);
  const uint8_t *rc = rd + r->base + r->hdr.const_section + pb->data_offset;
  int64_t diff = 0;
  for (int64_t i = 0; i < n; i++) {
    uint16_t h = fp16_from_f32((float)ir_const_f64(pri, i)), want;
    memcpy(&want, rc + 2 * i, 2);
    diff += h != want;
  }
  fprintf(stderr,
          "  face-detection-retail-0004: %d PriorBoxClustered folded; %lld prior values, %lld "
          "differ from compile_tool's\n",
          n_pbc, (long long)n, (long long)diff);
  assert_int_equal(diff, 0);
  free(rd);
  ir_release(g);
  arena_free(a);
}

static const BlobStage *find_stage(const BlobInfo *b, uint32_t type) {
  for (uint32_t s = 0; s < b->hdr.stages_count; s++)
    if (b->stages[s].type == type) return &b->stages[s];
  return NULL;
}

/* face-detection-retail-0004 compiled by blobc (2021.4, 4 SHAVEs, U8 input) against the
 * compile_tool blob (2020.1, 4 SHAVEs). Same: the input and output descriptions; the
 * DetectionOutput stage's 76 parameter bytes, its prior-box constant and output buffer; the
 * size of its work buffer (260,764: the plugin's formula with 4 SHAVEs; compile_tool 2020.1
 * typed it FP16, 2021+ U8). The NCE stages are compared on their own below
 * (compare__ssd_models_hw_stages_match_compile_tool); the stage lists differ in order and in the
 * Copy stages around them (compiler/backend/README.md). */
/* Compiles one IR model and compares it as described above; xml/bin are copied to a temp
 * folder as m.xml/m.bin when the weights file is not named after the model. */
static void compare_ssd(const char *xml_in, const char *bin_in, const char *real, int shaves) {
  char *dir = tu_tmpdir(), xml[4096], bin[4096];
  snprintf(xml, sizeof xml, "%s/m.xml", dir);
  snprintf(bin, sizeof bin, "%s/m.bin", dir);
  Err err = {0};
  uint8_t *data = NULL;
  size_t len = 0;
  assert_int_equal(io_read_file(&data, &len, xml_in, 0, &err), 0);
  assert_int_equal(io_write_atomic(xml, data, len, &err), 0);
  free(data);
  assert_int_equal(io_read_file(&data, &len, bin_in, 0, &err), 0);
  assert_int_equal(io_write_atomic(bin, data, len, &err), 0);
  free(data);
  CompInput in = {.precision = PREC_U8};
  CompileOptions opt = {.model_name = "m",
                        .source = xml,
                        .inputs = &in,
                        .n_inputs = 1,
                        .shaves = shaves,
                        .cmx_slices = shaves,
                        .openvino = "2021.4",
                        .want_blob = true};
  CompileResult res;
  assert_int_equal(compile_model(&res, &opt, &err), 0);
  assert_int_equal(res.n_unsupported, 0);
  Arena *a = arena_new();
  uint8_t *rd = NULL;
  size_t rl = 0;
  BlobInfo *r = parse_file(a, real, &rd, &rl), *o = NULL;
  assert_int_equal(blob_parse(&o, a, res.blob.data, res.blob.len, "ours", &err), 0);
  Buf rep = BUF_INIT;
  assert_int_equal(blob_check(o, &rep, &err), 0);
  buf_free(&rep);
  assert_int_equal(o->hdr.inputs_count, r->hdr.inputs_count);
  assert_int_equal(o->hdr.outputs_count, r->hdr.outputs_count);
  assert_int_equal(o->hdr.shaves, r->hdr.shaves);
  assert_string_equal(o->inputs[0].name, r->inputs[0].name);
  same_shape(&o->inputs[0].shape, &r->inputs[0].shape, "input");
  assert_string_equal(o->outputs[0].name, r->outputs[0].name);
  same_shape(&o->outputs[0].shape, &r->outputs[0].shape, "output");
  const BlobStage *x = find_stage(o, BLOB_STAGE_DETECTION_OUTPUT),
                  *y = find_stage(r, BLOB_STAGE_DETECTION_OUTPUT);
  assert_non_null(x);
  assert_non_null(y);
  assert_int_equal(x->num_shaves, y->num_shaves);
  assert_int_equal(x->params_len, 76);
  assert_int_equal(x->params_len, y->params_len);
  assert_memory_equal(x->params, y->params, 76);
  assert_int_equal(x->num_buffers, y->num_buffers);
  for (int k = 0; k < 4; k++)
    same_shape(&x->buffers[k].shape, &y->buffers[k].shape, "DetectionOutput buffer");
  const uint8_t *oc = res.blob.data + o->hdr.const_section,
                *rc = rd + r->base + r->hdr.const_section;
  assert_int_equal(x->buffers[2].extent, y->buffers[2].extent);
  assert_memory_equal(oc + x->buffers[2].data_offset, rc + y->buffers[2].data_offset,
                      y->buffers[2].extent);
  assert_int_equal(x->buffers[4].shape.dims[0], y->buffers[4].shape.dims[0]); /* work buffer size */
  int hw = 0, conv = 0;
  for (uint32_t s = 0; s < r->hdr.stages_count; s++)
    hw += r->stages[s].type == BLOB_STAGE_MYRIAD_X_HW_OP;
  for (uint32_t s = 0; s < o->hdr.stages_count; s++)
    conv += o->stages[s].type == BLOB_STAGE_CONV || o->stages[s].type == BLOB_STAGE_DEPTH_CONV;
  fprintf(
      stderr,
      "  %s: IO and DetectionOutput (76 param bytes, %llu prior bytes, work buffer %u) identical; "
      "stages ours %u (%d SHAVE convs) vs compile_tool %u (%d MyriadXHwOp)\n",
      strrchr(real, '/') + 1, (unsigned long long)y->buffers[2].extent,
      (unsigned)y->buffers[4].shape.dims[0], o->hdr.stages_count, conv, r->hdr.stages_count, hw);
  free(rd);
  arena_free(a);
  compile_result_free(&res);
  tu_rmrf(dir);
  free(dir);
}

/* face-detection-retail-0004 and person-detection-retail-0013 compiled by blobc (2021.4, 4
 * SHAVEs, U8 input) against compile_tool's blobs (2020.x, 4 SHAVEs). Same: the input and output
 * descriptions; the DetectionOutput stage's 76 parameter bytes, its prior-box constant and output
 * buffer; the size of its work buffer (the plugin's formula with 4 SHAVEs; compile_tool 2020.x
 * typed it FP16, 2021+ U8). The NCE stages are compared on their own below
 * (compare__ssd_models_hw_stages_match_compile_tool); the stage lists differ in order and in the
 * Copy stages around them (compiler/backend/README.md). */
static void compare__ssd_models_io_and_detection_output_match_compile_tool(void **state) {
  (void)state;
  const char *d = tu_shared_data();
  if (!d) skip();
  char xml[4096], bin[4096], real[4096];
  snprintf(xml, sizeof xml,
           "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004.xml", d);
  snprintf(bin, sizeof bin,
           "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004.bin", d);
  snprintf(real, sizeof real,
           "%s/real-blobs/face-detection-retail-0004/"
           "face-detection-retail-0004_openvino_2020_1_4shave.blob",
           d);
  compare_ssd(xml, bin, real, 4);
  snprintf(xml, sizeof xml, "%s/real-blobs/person-detection-retail-0013/definition.xml", d);
  snprintf(bin, sizeof bin, "%s/real-blobs/person-detection-retail-0013/weights.bin", d);
  snprintf(real, sizeof real, "%s/real-blobs/person-detection-retail-0013/model.blob", d);
  compare_ssd(xml, bin, real, 4);
}

/* ---- NCE (MyriadXHwOp) stages against compile_tool's ---- */

typedef struct {
  const uint8_t *p;
  uint64_t n;
} Bytes;

static Bytes const_bytes(const uint8_t *cst, const BlobStage *s, int32_t ind) {
  Bytes b = {NULL, 0};
  if (ind < 0 || (uint32_t)ind >= s->num_buffers || s->buffers[ind].location != BLOB_LOC_BLOB)
    return b;
  b.p = cst + s->buffers[ind].data_offset;
  b.n = s->buffers[ind].extent;
  return b;
}

static bool bytes_eq(Bytes a, Bytes b) {
  return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* a == 2 b for every FP16 value: the same weights scaled by 2^1 more */
static bool bytes_twice(Bytes a, Bytes b) {
  if (a.n != b.n || a.n == 0) return false;
  for (uint64_t i = 0; i < a.n / 2; i++) {
    uint16_t x, y;
    memcpy(&x, a.p + 2 * i, 2);
    memcpy(&y, b.p + 2 * i, 2);
    if (fp16_to_f32(x) != 2.0f * fp16_to_f32(y)) return false;
  }
  return true;
}

static bool is_hw_conv(const BlobStage *s) {
  return s->type == BLOB_STAGE_MYRIAD_X_HW_OP && s->num_hw_ops &&
         s->hw_ops[0].op_type != BLOB_HW_OP_POOL;
}

/* The op list of a stage: every field of every op (mode, pad, buffer indices, channel ranges,
 * kernel, activation, reuse), not the injected stage. */
static bool ops_eq(const BlobStage *x, const BlobStage *y) {
  return x->num_hw_ops == y->num_hw_ops &&
         memcmp(x->hw_ops, y->hw_ops, x->num_hw_ops * sizeof *x->hw_ops) == 0;
}

/* Stage dims of buffer k (input 0, output last) */
static bool dims_eq(const BlobStage *x, const BlobStage *y) {
  if (x->num_buffers != y->num_buffers) return false;
  for (uint32_t k = 0; k < x->num_buffers; k++)
    if (memcmp(x->buffers[k].shape.dims, y->buffers[k].shape.dims, sizeof x->buffers[k].shape.dims))
      return false;
  return true;
}

typedef struct {
  int layers, dense, dense_w_eq, depth, depth_w_eq, depth_w_twice, fc, fc_w_eq;
  int stages_eq_bias, stages_eq_scales, stages_eq_ops, stages_eq_dims, stages_cmp, stages_twice,
      conv_stages;
  int pool_stages, pool_matched;
  int fallback, hw_ours, hw_real, hw_out_cmx;
} HwCmp;

/* Compares the NCE stages of our blob for an IR against compile_tool's: per convolution
 * layer, each of our HW stages is matched to compile_tool's stages by its weight bytes; for
 * the matched stages biases, scales, op lists (mode, op count, channel ranges, pad mode,
 * activation) and buffer dims are compared. Pooling stages are matched as a multiset of
 * (op list, dims). */
static HwCmp compare_hw(const char *xml_in, const char *bin_in, const char *real, int shaves,
                        bool verbose) {
  char *dir = tu_tmpdir(), xml[4096], bin[4096];
  snprintf(xml, sizeof xml, "%s/m.xml", dir);
  snprintf(bin, sizeof bin, "%s/m.bin", dir);
  Err err = {0};
  uint8_t *data = NULL;
  size_t len = 0;
  assert_int_equal(io_read_file(&data, &len, xml_in, 0, &err), 0);
  assert_int_equal(io_write_atomic(xml, data, len, &err), 0);
  free(data);
  assert_int_equal(io_read_file(&data, &len, bin_in, 0, &err), 0);
  assert_int_equal(io_write_atomic(bin, data, len, &err), 0);
  free(data);
  CompInput in = {.precision = PREC_U8};
  CompileOptions opt = {.model_name = "m",
                        .source = xml,
                        .inputs = &in,
                        .n_inputs = 1,
                        .shaves = shaves,
                        .cmx_slices = shaves,
                        .openvino = "2021.4",
                        .want_blob = true};
  CompileResult res;
  assert_int_equal(compile_model(&res, &opt, &err), 0);
  Arena *a = arena_new();
  uint8_t *rd = NULL;
  size_t rl = 0;
  BlobInfo *r = parse_file(a, real, &rd, &rl), *o = NULL;
  assert_int_equal(blob_parse(&o, a, res.blob.data, res.blob.len, "ours", &err), 0);
  Buf rep = BUF_INIT;
  int viol = blob_check(o, &rep, &err);
  if (viol) fprintf(stderr, "%.*s", (int)rep.len, (const char *)rep.data);
  assert_int_equal(viol, 0);
  buf_free(&rep);
  const uint8_t *oc = res.blob.data + o->hdr.const_section,
                *rc = rd + r->base + r->hdr.const_section;
  HwCmp c;
  memset(&c, 0, sizeof c);
  uint8_t *used = calloc(r->hdr.stages_count + 1, 1);
  for (uint32_t s = 0; s < r->hdr.stages_count; s++)
    c.hw_real += r->stages[s].type == BLOB_STAGE_MYRIAD_X_HW_OP;
  for (uint32_t s = 0; s < o->hdr.stages_count; s++) {
    const BlobStage *x = &o->stages[s];
    if (x->type != BLOB_STAGE_MYRIAD_X_HW_OP) continue;
    c.hw_ours++;
    c.hw_out_cmx +=
        x->buffers[x->num_buffers - 1].location == BLOB_LOC_CMX; /* as all of compile_tool's */
  }
  for (int l = 0; l < res.n_hw_layers; l++) {
    const CompHwLayer *L = &res.hw_layers[l];
    c.layers++;
    if (!L->nce) {
      c.fallback++;
      fprintf(stderr, "    %s (%s) on SHAVEs: %s\n", L->node, L->kind, L->reason);
      continue;
    }
    if (!strcmp(L->kind, "pool")) continue;
    bool dense = !strcmp(L->kind, "conv"), depth = !strcmp(L->kind, "depthwise");
    bool all_eq = true, all_twice = true;
    for (int s = L->first_stage; s <= L->last_stage; s++) {
      const BlobStage *x = &o->stages[s];
      if (!is_hw_conv(x)) continue;
      c.conv_stages++;
      Bytes xw = const_bytes(oc, x, x->hw_ops[0].coeffs_ind);
      bool found = false, twice = false;
      for (int pass = 0; pass < 2 && !found && !twice; pass++)
        for (uint32_t t = 0; t < r->hdr.stages_count; t++) {
          const BlobStage *y = &r->stages[t];
          if (used[t] || !is_hw_conv(y)) continue;
          Bytes yw = const_bytes(rc, y, y->hw_ops[0].coeffs_ind);
          /* pass 1: compile_tool 2020.x does not scale when the shift is 1 (weights_analysis.cpp
           * of 2019-2020: "shift > scaleThreshold"; 2021.x: ">="), so ours are twice its own */
          if (pass == 0 ? !bytes_eq(xw, yw) : !bytes_twice(xw, yw)) continue;
          found = pass == 0, twice = pass == 1;
          used[t] = 1;
          c.stages_cmp++;
          Bytes xb = const_bytes(oc, x, x->hw_ops[0].biases_ind),
                yb = const_bytes(rc, y, y->hw_ops[0].biases_ind);
          c.stages_eq_bias += pass == 0 ? bytes_eq(xb, yb) : bytes_twice(xb, yb);
          c.stages_eq_scales += bytes_eq(const_bytes(oc, x, x->hw_ops[0].scales_ind),
                                         const_bytes(rc, y, y->hw_ops[0].scales_ind));
          c.stages_twice += pass;
          c.stages_eq_ops += ops_eq(x, y);
          c.stages_eq_dims += dims_eq(x, y);
          if (verbose && !ops_eq(x, y))
            fprintf(stderr, "    %s: stage %d op list differs from compile_tool's stage %u\n",
                    L->node, s, t);
          break;
        }
      all_eq &= found;
      all_twice &= found || twice;
    }
    if (dense)
      c.dense++, c.dense_w_eq += all_eq;
    else if (depth)
      c.depth++, c.depth_w_eq += all_eq, c.depth_w_twice += !all_eq && all_twice;
    else
      c.fc++, c.fc_w_eq += all_eq;
    if (verbose && !all_eq)
      fprintf(stderr, "    %s (%s): weights not found in compile_tool's blob\n", L->node, L->kind);
  }
  /* pooling: each of our HW pool stages against an unused compile_tool one with the same op
   * list and buffer dims */
  for (uint32_t s = 0; s < o->hdr.stages_count; s++) {
    const BlobStage *x = &o->stages[s];
    if (x->type != BLOB_STAGE_MYRIAD_X_HW_OP || is_hw_conv(x)) continue;
    c.pool_stages++;
    for (uint32_t t = 0; t < r->hdr.stages_count; t++) {
      const BlobStage *y = &r->stages[t];
      if (used[t] || y->type != BLOB_STAGE_MYRIAD_X_HW_OP || is_hw_conv(y) || !ops_eq(x, y) ||
          !dims_eq(x, y))
        continue;
      used[t] = 1;
      c.pool_matched++;
      break;
    }
  }
  fprintf(stderr,
          "  %s: HW stages ours %d, compile_tool %d; layers %d, on SHAVEs %d; dense convolutions "
          "%d/%d weights equal, "
          "depthwise %d/%d (+%d equal but for compile_tool 2020.x's shift-1 rule), FC %d/%d; conv "
          "stages matched %d/%d "
          "(%d by that rule): biases equal %d, scales equal %d, op lists equal %d, dims equal %d; "
          "pool stages %d/%d equal\n",
          strrchr(real, '/') + 1, c.hw_ours, c.hw_real, c.layers, c.fallback, c.dense_w_eq, c.dense,
          c.depth_w_eq, c.depth, c.depth_w_twice, c.fc_w_eq, c.fc, c.stages_cmp, c.conv_stages,
          c.stages_twice, c.stages_eq_bias, c.stages_eq_scales, c.stages_eq_ops, c.stages_eq_dims,
          c.pool_matched, c.pool_stages);
  free(used);
  free(rd);
  arena_free(a);
  compile_result_free(&res);
  tu_rmrf(dir);
  free(dir);
  return c;
}

static void compare__ssd_models_hw_stages_match_compile_tool(void **state) {
  (void)state;
  const char *d = tu_shared_data();
  if (!d) skip();
  char xml[4096], bin[4096], real[4096];
  snprintf(xml, sizeof xml,
           "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004.xml", d);
  snprintf(bin, sizeof bin,
           "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004.bin", d);
  snprintf(real, sizeof real,
           "%s/real-blobs/face-detection-retail-0004/"
           "face-detection-retail-0004_openvino_2020_1_4shave.blob",
           d);
  HwCmp f = compare_hw(xml, bin, real, 4, getenv("COMPARE_VERBOSE") != NULL);
  snprintf(xml, sizeof xml, "%s/real-blobs/person-detection-retail-0013/definition.xml", d);
  snprintf(bin, sizeof bin, "%s/real-blobs/person-detection-retail-0013/weights.bin", d);
  snprintf(real, sizeof real, "%s/real-blobs/person-detection-retail-0013/model.blob", d);
  HwCmp p = compare_hw(xml, bin, real, 4, getenv("COMPARE_VERBOSE") != NULL);
  const HwCmp *both[2] = {&f, &p};
  for (int i = 0; i < 2; i++) {
    const HwCmp *c = both[i];
    assert_int_equal(c->fallback, 0); /* nothing compile_tool put on the NCE stays on SHAVEs */
    assert_int_equal(c->hw_ours, c->hw_real);    /* as many MyriadXHwOp stages (the same tiling) */
    assert_int_equal(c->hw_out_cmx, c->hw_ours); /* every HW stage writes CMX */
    assert_int_equal(c->dense_w_eq,
                     c->dense); /* every dense convolution's weights, byte for byte */
    assert_int_equal(c->depth_w_eq + c->depth_w_twice, c->depth);
    assert_int_equal(c->stages_cmp, c->conv_stages);
    assert_int_equal(c->stages_eq_ops,
                     c->stages_cmp); /* mode, op count, channel ranges, pad, activation */
    assert_int_equal(c->stages_eq_dims, c->stages_cmp);
    assert_int_equal(c->stages_eq_bias, c->stages_cmp);
    assert_int_equal(c->stages_eq_scales + c->stages_twice, c->stages_cmp);
    assert_int_equal(c->pool_matched, c->pool_stages);
  }
  assert_int_equal(f.dense + p.dense, 111);
  assert_int_equal(f.dense_w_eq + p.dense_w_eq, 111);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(compare__pointcloud_matches_compile_tool_stage_for_stage),
      cmocka_unit_test(compare__face_detection_prior_boxes_match_compile_tool),
      cmocka_unit_test(compare__ssd_models_io_and_detection_output_match_compile_tool),
      cmocka_unit_test(compare__ssd_models_hw_stages_match_compile_tool),
  };
  return cmocka_run_group_tests_name("compare", tests, NULL, NULL);
}
