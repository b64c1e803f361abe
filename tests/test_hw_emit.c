/*
 * tests/test_hw_emit.c — the NCE (MyriadXHwOp) stages blobc writes, checked against the rules
 * the hardware and compile_tool set, written again here from ../shared/docs/hw-stages.md and
 * blob-stages.md §3-5 (not from the writer's code): 16-byte rows and offsets, outputs in CMX
 * within the budget, weight dims [8, K, ICx, OCx/8] with ICx the input's channels and a whole
 * number of the mode's blocks, channel ranges inside the output, kernel / stride / coefficient /
 * lines-per-channel limits. And the HW/SW choice: layers the NCE cannot take stay on SHAVEs,
 * the model still compiles, and the report names the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_read.h"
#include "compiler/compile.h"
#include "tests/support/onnx_build.h"
#include "testutil.h"

static uint32_t al16(uint32_t v) { return (v + 15u) & ~15u; }

/* Checks one HW stage; returns the number of broken rules (each printed). */
static int check_stage(const BlobInfo *b, const BlobStage *s, const char *what) {
  int bad = 0;
#define RULE(c, ...)                                      \
  do {                                                    \
    if (!(c)) {                                           \
      bad++;                                              \
      fprintf(stderr, "  %s stage %u: ", what, s->index); \
      fprintf(stderr, __VA_ARGS__);                       \
      fputc('\n', stderr);                                \
    }                                                     \
  } while (0)
  uint32_t slices = b->hdr.cmx_slices, cmx = slices * 131072u,
           limit = (slices / 2) * 131072u + 65536u;
  RULE(s->num_hw_ops > 0, "no op");
  if (!s->num_hw_ops) return bad;
  const BlobHwOp *o0 = &s->hw_ops[0];
  RULE(o0->input_ind >= 0 && o0->output_ind >= 0 && (uint32_t)o0->output_ind < s->num_buffers,
       "input/output index");
  if (bad) return bad;
  const BlobBuffer *in = &s->buffers[o0->input_ind], *out = &s->buffers[o0->output_ind];
  const BlobBuffer *io[2] = {in, out};
  for (int k = 0; k < 2; k++) {
    const BlobShape *sh = &io[k]->shape;
    RULE(sh->data_type == BLOB_DT_FP16 && sh->num_dims == 4 && sh->order == BLOB_ORDER_NCHW,
         "%s not FP16 NCHW", k ? "output" : "input");
    RULE(sh->strides_raw[0] == 2 && sh->strides_raw[1] % 16 == 0 && sh->strides_raw[2] % 16 == 0,
         "%s rows / channels not 16-byte aligned (strides %u %u %u)", k ? "output" : "input",
         sh->strides_raw[0], sh->strides_raw[1], sh->strides_raw[2]);
    RULE(io[k]->data_offset % 16 == 0, "%s offset %u not 16-aligned", k ? "output" : "input",
         io[k]->data_offset);
  }
  uint32_t iw = in->shape.dims_raw[0], ih = in->shape.dims_raw[1], ic = in->shape.dims_raw[2];
  uint32_t ow = out->shape.dims_raw[0], oh = out->shape.dims_raw[1], oc = out->shape.dims_raw[2];
  RULE(out->location == BLOB_LOC_CMX, "output not in CMX");
  RULE((uint64_t)out->data_offset + out->extent <= cmx, "output past the %u CMX bytes", cmx);
  RULE((uint64_t)oc * oh * al16(ow * 2) <= limit, "output tile %ux%ux%u over the CMX budget %u", oc,
       oh, ow, limit);
  RULE(iw <= 4096 && ih <= 4096 && ic <= 2048, "input dims over the NCE's limits");
  for (uint32_t k = 0; k < s->num_hw_ops; k++) {
    const BlobHwOp *op = &s->hw_ops[k];
    RULE(op->reuse_data == 0 && op->reuse_coeff == 0, "op %u reuse flags", k);
    RULE(op->out_chan_offset + op->out_num_chans <= oc, "op %u channels %u+%u past %u", k,
         op->out_chan_offset, op->out_num_chans, oc);
    RULE(op->kernel_width <= 15 && op->kernel_height <= 15 && op->kernel_stride >= 1 &&
             op->kernel_stride <= 8,
         "op %u kernel/stride", k);
    if (op->op_type == BLOB_HW_OP_POOL) {
      RULE(op->op_mode == BLOB_HW_MODE_16_16 && op->out_num_chans <= 16,
           "pool op %u mode %u / %u channels", k, op->op_mode, op->out_num_chans);
      uint32_t lines = 8192 / (((iw + 7) / 8) * 8 * 2);
      RULE((lines < ih ? lines : ih) >= op->kernel_height, "pool op %u lines per channel", k);
      RULE(op->with_pad == 0 || (op->pad_mode & ~15u) == 0, "pool op %u pad mode %u", k,
           op->pad_mode);
      continue;
    }
    RULE(op->op_type == BLOB_HW_OP_CONV || op->op_type == BLOB_HW_OP_CONV_POOL, "op %u type %u", k,
         op->op_type);
    RULE(op->op_mode <= 4, "op %u mode %u", k, op->op_mode);
    RULE(op->with_pad == 0 || op->pad_mode == 0, "conv op %u pads with %u, not zeros", k,
         op->pad_mode);
    uint32_t cpb = 1u << op->op_mode, blocks = (ic + cpb - 1) / cpb;
    RULE(ic % cpb == 0, "op %u: %u input channels, not whole blocks of %u", k, ic, cpb);
    RULE(op->out_num_chans <= 256 / cpb && op->out_num_chans <= 2048,
         "op %u: %u output channels, mode %u takes %u", k, op->out_num_chans, op->op_mode,
         256 / cpb);
    RULE(blocks * op->kernel_width * op->kernel_height <= 256, "op %u coefficient lines", k);
    uint32_t bpl = al16(iw * 2), lines = 131072 / (blocks * cpb * bpl);
    uint32_t need = op->kernel_height + op->kernel_stride + 2 + (iw <= 8 ? 1 : 0);
    RULE((lines < ih ? lines : ih) >= (need < ih ? need : ih), "op %u lines per channel", k);
    RULE(!(iw > 507 && ih > 1 && ih < 64 && ic != 3), "op %u: the wide-input workaround", k);
    RULE(op->coeffs_ind >= 0 && (uint32_t)op->coeffs_ind < s->num_buffers, "op %u weights", k);
    if (op->coeffs_ind < 0 || (uint32_t)op->coeffs_ind >= s->num_buffers) continue;
    const BlobShape *w = &s->buffers[op->coeffs_ind].shape;
    RULE(s->buffers[op->coeffs_ind].location == BLOB_LOC_BLOB && w->num_dims == 4 &&
             w->dims_raw[0] == 8 && w->dims_raw[1] == op->kernel_width * op->kernel_height &&
             w->dims_raw[2] == ic && w->dims_raw[3] * 8 >= oc && w->dims_raw[3] * 8 < oc + 8,
         "op %u weights dims [%u,%u,%u,%u] for %u -> %u channels, kernel %ux%u", k, w->dims_raw[0],
         w->dims_raw[1], w->dims_raw[2], w->dims_raw[3], ic, oc, op->kernel_width,
         op->kernel_height);
    const int32_t vi[2] = {op->biases_ind, op->scales_ind};
    for (int v = 0; v < 2; v++)
      if (vi[v] >= 0)
        RULE((uint32_t)vi[v] < s->num_buffers && s->buffers[vi[v]].shape.num_dims == 1 &&
                 s->buffers[vi[v]].shape.dims_raw[0] == w->dims_raw[3] * 8,
             "op %u %s not [OCx]", k, v ? "scales" : "biases");
    if (op->op_type == BLOB_HW_OP_CONV_POOL)
      RULE(op->pool_kernel_width == 2 && op->pool_kernel_height == 2 && op->kernel_width == 3 &&
               op->kernel_stride == 1,
           "op %u CONV_POOL shape", k);
  }
#undef RULE
  return bad;
}

/* Compiles a model (HW auto) and checks every HW stage; returns the number of HW stages. */
static int check_model(const char *path, Precision prec) {
  CompInput in = {.precision = prec};
  CompileOptions opt = {.model_name = "m",
                        .source = path,
                        .inputs = &in,
                        .n_inputs = 1,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = "2022.1",
                        .want_blob = true};
  CompileResult res;
  Err err = {0};
  if (compile_model(&res, &opt, &err) < 0 || res.n_unsupported || !res.blob.len) {
    compile_result_free(&res);
    return -1;
  }
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  assert_int_equal(blob_parse(&b, a, res.blob.data, res.blob.len, path, &err), 0);
  Buf rep = BUF_INIT;
  if (blob_check(b, &rep, &err)) fail_msg("%s: %.*s", path, (int)rep.len, (const char *)rep.data);
  buf_free(&rep);
  int hw = 0, bad = 0;
  for (uint32_t s = 0; s < b->hdr.stages_count; s++)
    if (b->stages[s].type == BLOB_STAGE_MYRIAD_X_HW_OP) {
      hw++;
      bad += check_stage(b, &b->stages[s], strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
    }
  assert_int_equal(hw, res.n_hw_stages);
  for (int l = 0; l < res.n_hw_layers;
       l++) /* a layer on the NCE got stages; one on SHAVEs says why */
    assert_true(res.hw_layers[l].nce ? res.hw_layers[l].n_stages > 0
                                     : res.hw_layers[l].reason && *res.hw_layers[l].reason);
  arena_free(a);
  compile_result_free(&res);
  assert_int_equal(bad, 0);
  return hw;
}

static void hw_emit__stages_follow_the_nce_rules(void **state) {
  (void)state;
  int models = 0, stages = 0;
  static const char *const ZOO[] = {"mobilenet_v2.onnx", "resnet18.onnx", "yolo_tiny.onnx",
                                    "tiny_relu.onnx", "ir_tiny.xml"};
  for (size_t i = 0; i < sizeof ZOO / sizeof ZOO[0]; i++) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", tu_demo_zoo(), ZOO[i]);
    if (!io_exists(p)) continue;
    int n = check_model(p, PREC_U8);
    assert_true(n > 0);
    models++, stages += n;
  }
  const char *d = tu_shared_data();
  if (d) {
    static const char *const REAL[] = {
        "real-blobs/face-detection-retail-0004/face-detection-retail-0004.xml",
        "real-models/onnx-light/light_inception_v1.onnx",
        "real-models/onnx-light/light_squeezenet.onnx",
        "real-models/onnx-light/light_densenet121.onnx",
        "real-models/onnx-light/light_bvlc_alexnet.onnx",
        "onnx-node/test_basic_conv_with_padding/model.onnx",
        "onnx-node/test_conv_with_strides_padding/model.onnx",
        "onnx-node/test_conv_with_autopad_same/model.onnx",
        "onnx-node/test_maxpool_2d_pads/model.onnx",
        "onnx-node/test_maxpool_2d_same_upper/model.onnx",
        "onnx-node/test_averagepool_2d_strides/model.onnx",
        "onnx-node/test_globalaveragepool/model.onnx",
        "onnx-node/test_gemm_default_vector_bias/model.onnx",
        "onnx-node/test_matmul_2d/model.onnx",
    };
    for (size_t i = 0; i < sizeof REAL / sizeof REAL[0]; i++) {
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", d, REAL[i]);
      if (!io_exists(p)) continue;
      int n = check_model(p, strstr(REAL[i], "onnx-node") ? PREC_FP16 : PREC_U8);
      if (n < 0) continue; /* a node test blobc does not write */
      models++, stages += n;
    }
  }
  fprintf(stderr, "  %d models, %d MyriadXHwOp stages: every one within the NCE rules\n", models,
          stages);
  if (models == 0) skip();
}

/* Layers the NCE cannot take: dilated, an average pooling excluding its pads, a layer no tiling
 * fits (31000 input channels: every split over 15 channel tiles is over 2048), next to ones it
 * takes. The model compiles; each refused layer is on SHAVEs with its reason. */
static void hw_emit__refused_layers_stay_on_shaves_with_the_reason(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), model[4096];
  snprintf(model, sizeof model, "%s/mix.onnx", dir);
  OnnxBuilder *ob = ob_new("mix", 13);
  ObRng rng;
  ob_rng_seed(&rng, 11);
  int64_t xd[4] = {1, 8, 16, 16}, zd[4] = {1, 31000, 1, 1};
  ob_input(ob, "x", OB_FLOAT, 4, xd);
  ob_input(ob, "z", OB_FLOAT, 4, zd);
  static float w1[8 * 8 * 9], w2[8 * 8 * 9], w3[8 * 31000];
  ob_rng_fill(&rng, w1, 8 * 8 * 9, 0.3f);
  ob_rng_fill(&rng, w2, 8 * 8 * 9, 0.3f);
  ob_rng_fill(&rng, w3, 8 * 31000, 0.01f);
  int64_t wd[4] = {8, 8, 3, 3}, w3d[4] = {8, 31000, 1, 1};
  ob_init_f32(ob, "w1", 4, wd, w1);
  ob_init_f32(ob, "w2", 4, wd, w2);
  ob_init_f32(ob, "w3", 4, w3d, w3);
  const char *c1 = ob_node(ob, "Conv", "plain", 2, (const char *const[]){"x", "w1"}, 1,
                           (const char *const[]){"c1"});
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  const char *c2 = ob_node(ob, "Conv", "dilated", 2, (const char *const[]){c1, "w2"}, 1,
                           (const char *const[]){"c2"});
  ob_attr_ints(ob, "pads", 4, (int64_t[]){2, 2, 2, 2});
  ob_attr_ints(ob, "dilations", 2, (int64_t[]){2, 2});
  const char *ap = ob_node(ob, "AveragePool", "exclpad", 1, &c2, 1, (const char *const[]){"y"});
  ob_attr_ints(ob, "kernel_shape", 2, (int64_t[]){3, 3});
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  (void)ap;
  ob_node(ob, "Conv", "wide", 2, (const char *const[]){"z", "w3"}, 1, (const char *const[]){"y2"});
  int64_t yd[4] = {1, 8, 16, 16}, y2d[4] = {1, 8, 1, 1};
  ob_output(ob, "y", OB_FLOAT, 4, yd);
  ob_output(ob, "y2", OB_FLOAT, 4, y2d);
  Err err = {0};
  assert_int_equal(ob_save(ob, model, &err), 0);
  ob_free(ob);
  CompInput in[2] = {{.name = "x", .precision = PREC_FP16}, {.name = "z", .precision = PREC_FP16}};
  CompileOptions opt = {.model_name = "m",
                        .source = model,
                        .inputs = in,
                        .n_inputs = 2,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = "2022.1",
                        .want_blob = true};
  CompileResult res;
  if (compile_model(&res, &opt, &err) < 0) fail_msg("%s", err.msg);
  assert_true(res.blob.len > 0);
  const char *want[][2] = {{"plain", NULL},
                           {"dilated", "dilated"},
                           {"exclpad", "excludes padding"},
                           {"wide", "no tiling fits"}};
  for (size_t k = 0; k < 4; k++) {
    const CompHwLayer *l = NULL;
    for (int i = 0; i < res.n_hw_layers; i++)
      if (!strcmp(res.hw_layers[i].node, want[k][0])) l = &res.hw_layers[i];
    assert_non_null(l);
    fprintf(stderr, "  %s: %s%s%s\n", l->node, l->nce ? "NCE" : "SHAVEs: ", l->nce ? "" : l->reason,
            "");
    if (!want[k][1]) {
      assert_true(l->nce);
      assert_true(l->n_stages > 0);
    } else {
      assert_false(l->nce);
      assert_non_null(strstr(l->reason, want[k][1]));
    }
  }
  assert_true(res.macs_nce > 0 && res.macs_nce < res.macs);
  compile_result_free(&res);
  tu_rmrf(dir);
  free(dir);
}

/* --data_type FP32 writes FP32 tensors; the NCE computes FP16: every layer stays on SHAVEs with
 * the reason, and the blob passes blob_check (a fuzz find: an NCE stage on FP32 buffers). */
static void hw_emit__fp32_data_stays_on_shaves(void **state) {
  (void)state;
  char p[4096];
  snprintf(p, sizeof p, "%s/tiny_relu.onnx", tu_demo_zoo());
  if (!io_exists(p)) skip();
  CompInput in = {.precision = PREC_FP32};
  CompileOptions opt = {.model_name = "m",
                        .source = p,
                        .inputs = &in,
                        .n_inputs = 1,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = "2022.1",
                        .want_blob = true,
                        .data_type = PREC_FP32};
  CompileResult res;
  Err err = {0};
  if (compile_model(&res, &opt, &err) < 0) fail_msg("%s", err.msg);
  assert_int_equal(res.n_hw_stages, 0);
  assert_true(res.n_hw_layers > 0);
  for (int l = 0; l < res.n_hw_layers; l++) {
    assert_false(res.hw_layers[l].nce);
    assert_non_null(strstr(res.hw_layers[l].reason, "FP32"));
  }
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  assert_int_equal(blob_parse(&b, a, res.blob.data, res.blob.len, p, &err), 0);
  Buf rep = BUF_INIT;
  if (blob_check(b, &rep, &err)) fail_msg("%.*s", (int)rep.len, (const char *)rep.data);
  buf_free(&rep);
  arena_free(a);
  compile_result_free(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hw_emit__stages_follow_the_nce_rules),
      cmocka_unit_test(hw_emit__refused_layers_stay_on_shaves_with_the_reason),
      cmocka_unit_test(hw_emit__fp32_data_stays_on_shaves),
  };
  return cmocka_run_group_tests_name("hw_emit", tests, NULL, NULL);
}
