/*
 * tests/test_compare.c — our blobs against Intel compile_tool's, where ../shared/data/real-blobs
 * has the source model beside the real blob. Compared: header resources, inputs/outputs (name,
 * type, order, dims, strides, buffer offsets), the stage list (type, SHAVEs, parameter bytes),
 * every buffer descriptor (type, order, dims, strides, location) and the bytes of every constant
 * buffer. Not compared, by design: where BSS and const objects are placed (our liveness packing
 * and const order differ; the sizes are reported).
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
      memcmp(x->dims, y->dims, sizeof x->dims) || memcmp(x->strides, y->strides, sizeof x->strides)) {
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
  CompileOptions opt = {.model_name = "m", .source = model, .inputs = &in, .n_inputs = 1, .shaves = p->shaves,
                        .cmx_slices = p->shaves, .openvino = p->openvino, .want_blob = true};
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
  const uint8_t *rc = rd + r->base + r->hdr.const_section, *oc = res.blob.data + o->hdr.const_section;
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
  fprintf(stderr, "  %s: %u stages identical; BSS ours %u vs compile_tool %u; file %zu vs %u bytes\n", p->blob,
          r->hdr.stages_count, o->hdr.bss_mem_size, r->hdr.bss_mem_size, res.blob.len, r->hdr.file_size);
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
  Pair p = {"14442C10B1EE62D700_pointcloud_640x400_simplified.onnx", "14442C10B1EE62D700_pointcloud_640x400.blob",
            "2021.4", 6};
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
  snprintf(xml, sizeof xml, "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004.xml", d);
  snprintf(real, sizeof real, "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004_openvino_2020_1_4shave.blob", d);
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
  fprintf(stderr, "  face-detection-retail-0004: %d PriorBoxClustered folded; %lld prior values, %lld differ from compile_tool's\n",
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
 * typed it FP16, 2021+ U8). Different by design: compile_tool runs the convolutions as
 * MyriadXHwOp (NCE) stages, blobc on SHAVEs, so the stage lists differ. */
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
  CompileOptions opt = {.model_name = "m", .source = xml, .inputs = &in, .n_inputs = 1, .shaves = shaves,
                        .cmx_slices = shaves, .openvino = "2021.4", .want_blob = true};
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
  const BlobStage *x = find_stage(o, BLOB_STAGE_DETECTION_OUTPUT), *y = find_stage(r, BLOB_STAGE_DETECTION_OUTPUT);
  assert_non_null(x);
  assert_non_null(y);
  assert_int_equal(x->num_shaves, y->num_shaves);
  assert_int_equal(x->params_len, 76);
  assert_int_equal(x->params_len, y->params_len);
  assert_memory_equal(x->params, y->params, 76);
  assert_int_equal(x->num_buffers, y->num_buffers);
  for (int k = 0; k < 4; k++) same_shape(&x->buffers[k].shape, &y->buffers[k].shape, "DetectionOutput buffer");
  const uint8_t *oc = res.blob.data + o->hdr.const_section, *rc = rd + r->base + r->hdr.const_section;
  assert_int_equal(x->buffers[2].extent, y->buffers[2].extent);
  assert_memory_equal(oc + x->buffers[2].data_offset, rc + y->buffers[2].data_offset, y->buffers[2].extent);
  assert_int_equal(x->buffers[4].shape.dims[0], y->buffers[4].shape.dims[0]); /* work buffer size */
  int hw = 0, conv = 0;
  for (uint32_t s = 0; s < r->hdr.stages_count; s++) hw += r->stages[s].type == BLOB_STAGE_MYRIAD_X_HW_OP;
  for (uint32_t s = 0; s < o->hdr.stages_count; s++)
    conv += o->stages[s].type == BLOB_STAGE_CONV || o->stages[s].type == BLOB_STAGE_DEPTH_CONV;
  fprintf(stderr, "  %s: IO and DetectionOutput (76 param bytes, %llu prior bytes, work buffer %u) identical; "
                  "stages ours %u (%d SHAVE convs) vs compile_tool %u (%d MyriadXHwOp)\n",
          strrchr(real, '/') + 1, (unsigned long long)y->buffers[2].extent, (unsigned)y->buffers[4].shape.dims[0],
          o->hdr.stages_count, conv, r->hdr.stages_count, hw);
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
 * typed it FP16, 2021+ U8). Different by design: compile_tool runs the convolutions as
 * MyriadXHwOp (NCE) stages, blobc on SHAVEs, so the stage lists differ. */
static void compare__ssd_models_io_and_detection_output_match_compile_tool(void **state) {
  (void)state;
  const char *d = tu_shared_data();
  if (!d) skip();
  char xml[4096], bin[4096], real[4096];
  snprintf(xml, sizeof xml, "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004.xml", d);
  snprintf(bin, sizeof bin, "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004.bin", d);
  snprintf(real, sizeof real, "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004_openvino_2020_1_4shave.blob", d);
  compare_ssd(xml, bin, real, 4);
  snprintf(xml, sizeof xml, "%s/real-blobs/person-detection-retail-0013/definition.xml", d);
  snprintf(bin, sizeof bin, "%s/real-blobs/person-detection-retail-0013/weights.bin", d);
  snprintf(real, sizeof real, "%s/real-blobs/person-detection-retail-0013/model.blob", d);
  compare_ssd(xml, bin, real, 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(compare__pointcloud_matches_compile_tool_stage_for_stage),
      cmocka_unit_test(compare__face_detection_prior_boxes_match_compile_tool),
      cmocka_unit_test(compare__ssd_models_io_and_detection_output_match_compile_tool),
  };
  return cmocka_run_group_tests_name("compare", tests, NULL, NULL);
}
