/*
 * tests/fuzz/gen_seeds.c — writes the seed corpora of the fuzz harnesses from the project's own
 * material: small ONNX models made with the ONNX builder (one or two ops each, covering most of
 * ops.def), and the blobs and IR .xml files our compiler makes from them. Nothing is copied from ../shared/data.
 *
 *   gen_seeds OUT_DIR     -> OUT_DIR/onnx/<case>.onnx, OUT_DIR/blob/<case>.blob, OUT_DIR/irxml/<case>.xml
 *
 * Deterministic: the same build writes the same bytes. Exit 0 unless a file cannot be written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compile.h"
#include "tests/support/onnx_build.h"
#include "tests/hwblob.h"

#define S(...) ((const char *[]){__VA_ARGS__})
#define D(...) ((int64_t[]){__VA_ARGS__})

/* A model with input x (f32 1x3x8x8) ready for one node reading "x". */
static OnnxBuilder *start(int64_t opset) {
  OnnxBuilder *ob = ob_new("seed", opset);
  ob_input(ob, "x", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

/* A constant f32 initializer of n values filled from a fixed PRNG. */
static void init_rand(OnnxBuilder *ob, const char *name, int rank, const int64_t *dims) {
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
  float *v = calloc(n ? n : 1, sizeof *v);
  ObRng r;
  ob_rng_seed(&r, n * 7919u + (size_t)rank);
  ob_rng_fill(&r, v, n, 0.5f);
  ob_init_f32(ob, name, rank, dims, v);
  free(v);
}

/* One element-wise op on x, output y of the same shape. */
static OnnxBuilder *unary(const char *op) {
  OnnxBuilder *ob = start(13);
  ob_node(ob, op, "n0", 1, S("x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

/* x op c with a per-channel constant (broadcast). */
static OnnxBuilder *binary(const char *op) {
  OnnxBuilder *ob = start(13);
  init_rand(ob, "c", 3, D(3, 1, 1));
  ob_node(ob, op, "n0", 2, S("x", "c"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

static OnnxBuilder *m_conv(void) {
  OnnxBuilder *ob = start(13);
  init_rand(ob, "w", 4, D(4, 3, 3, 3));
  init_rand(ob, "b", 1, D(4));
  ob_node(ob, "Conv", "conv", 3, S("x", "w", "b"), 1, S("c"));
  ob_attr_ints(ob, "pads", 4, D(1, 1, 1, 1));
  ob_attr_ints(ob, "strides", 2, D(2, 2));
  init_rand(ob, "sc", 1, D(4));
  init_rand(ob, "bi", 1, D(4));
  init_rand(ob, "me", 1, D(4));
  float var[4] = {1, 2, 0.5f, 1};
  ob_init_f32(ob, "va", 1, D(4), var);
  ob_node(ob, "BatchNormalization", "bn", 5, S("c", "sc", "bi", "me", "va"), 1, S("d"));
  ob_node(ob, "Relu", "relu", 1, S("d"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 4, 4, 4));
  return ob;
}

static OnnxBuilder *m_dwconv(void) {
  OnnxBuilder *ob = start(13);
  init_rand(ob, "w", 4, D(3, 1, 3, 3));
  ob_node(ob, "Conv", "dw", 2, S("x", "w"), 1, S("y"));
  ob_attr_int(ob, "group", 3);
  ob_attr_string(ob, "auto_pad", "SAME_UPPER");
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

static OnnxBuilder *m_convt(void) {
  OnnxBuilder *ob = start(13);
  init_rand(ob, "w", 4, D(3, 2, 2, 2));
  ob_node(ob, "ConvTranspose", "ct", 2, S("x", "w"), 1, S("y"));
  ob_attr_ints(ob, "strides", 2, D(2, 2));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 2, 16, 16));
  return ob;
}

static OnnxBuilder *m_pool(const char *op) {
  OnnxBuilder *ob = start(13);
  ob_node(ob, op, "pool", 1, S("x"), 1, S("y"));
  ob_attr_ints(ob, "kernel_shape", 2, D(2, 2));
  ob_attr_ints(ob, "strides", 2, D(2, 2));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 4, 4));
  return ob;
}

static OnnxBuilder *m_gemm(void) {
  OnnxBuilder *ob = start(13);
  ob_node(ob, "GlobalAveragePool", "gap", 1, S("x"), 1, S("g"));
  ob_node(ob, "Flatten", "flat", 1, S("g"), 1, S("f"));
  init_rand(ob, "w", 2, D(5, 3));
  init_rand(ob, "b", 1, D(5));
  ob_node(ob, "Gemm", "fc", 3, S("f", "w", "b"), 1, S("z"));
  ob_attr_int(ob, "transB", 1);
  ob_node(ob, "Softmax", "sm", 1, S("z"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 2, D(1, 5));
  return ob;
}

static OnnxBuilder *m_matmul(void) {
  OnnxBuilder *ob = start(13);
  init_rand(ob, "w", 2, D(8, 4));
  ob_node(ob, "MatMul", "mm", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 4));
  return ob;
}

static OnnxBuilder *m_reshape(void) {
  OnnxBuilder *ob = start(13);
  ob_init_i64(ob, "shape", 1, D(3), D(1, 3, -1));
  ob_node(ob, "Reshape", "rs", 2, S("x", "shape"), 1, S("r"));
  ob_node(ob, "Transpose", "tr", 1, S("r"), 1, S("y"));
  ob_attr_ints(ob, "perm", 3, D(0, 2, 1));
  ob_output(ob, "y", OB_FLOAT, 3, D(1, 64, 3));
  return ob;
}

static OnnxBuilder *m_concat_split(void) {
  OnnxBuilder *ob = start(13);
  ob_node(ob, "Relu", "r", 1, S("x"), 1, S("a"));
  ob_node(ob, "Concat", "cat", 2, S("x", "a"), 1, S("c"));
  ob_attr_int(ob, "axis", 1);
  ob_init_i64(ob, "sp", 1, D(2), D(2, 4));
  ob_node(ob, "Split", "split", 2, S("c", "sp"), 2, S("y", "z"));
  ob_attr_int(ob, "axis", 1);
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 2, 8, 8));
  ob_output(ob, "z", OB_FLOAT, 4, D(1, 4, 8, 8));
  return ob;
}

static OnnxBuilder *m_slice(void) {
  OnnxBuilder *ob = start(13);
  ob_init_i64(ob, "st", 1, D(2), D(1, 0));
  ob_init_i64(ob, "en", 1, D(2), D(7, 2));
  ob_init_i64(ob, "ax", 1, D(2), D(2, 1));
  ob_node(ob, "Slice", "sl", 4, S("x", "st", "en", "ax"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 2, 6, 8));
  return ob;
}

static OnnxBuilder *m_resize(void) {
  OnnxBuilder *ob = start(13);
  float sc[4] = {1, 1, 2, 2};
  ob_init_f32(ob, "scales", 1, D(4), sc);
  ob_node(ob, "Resize", "up", 3, S("x", "", "scales"), 1, S("y"));
  ob_attr_string(ob, "mode", "nearest");
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 16, 16));
  return ob;
}

static OnnxBuilder *m_pad(void) {
  OnnxBuilder *ob = start(13);
  ob_init_i64(ob, "pads", 1, D(8), D(0, 0, 1, 1, 0, 0, 1, 1));
  ob_node(ob, "Pad", "pad", 2, S("x", "pads"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 10, 10));
  return ob;
}

static OnnxBuilder *m_squeeze(void) {
  OnnxBuilder *ob = start(13);
  ob_init_i64(ob, "ax", 1, D(1), D(0));
  ob_node(ob, "Squeeze", "sq", 2, S("x", "ax"), 1, S("s"));
  ob_node(ob, "Unsqueeze", "usq", 2, S("s", "ax"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

static OnnxBuilder *m_reduce(void) {
  OnnxBuilder *ob = start(13);
  ob_node(ob, "ReduceMean", "rm", 1, S("x"), 1, S("y"));
  ob_attr_ints(ob, "axes", 2, D(2, 3));
  ob_attr_int(ob, "keepdims", 1);
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 1, 1));
  return ob;
}

static OnnxBuilder *m_shape_chain(void) {
  OnnxBuilder *ob = start(13);
  ob_node(ob, "Shape", "shp", 1, S("x"), 1, S("s"));
  ob_init_i64(ob, "idx", 0, NULL, D(1));
  ob_node(ob, "Gather", "gat", 2, S("s", "idx"), 1, S("c"));
  ob_node(ob, "Cast", "cast", 1, S("c"), 1, S("cf"));
  ob_attr_int(ob, "to", OB_FLOAT);
  ob_node(ob, "Mul", "mul", 2, S("x", "cf"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

static OnnxBuilder *m_constant(void) {
  OnnxBuilder *ob = start(13);
  float v[3] = {1, 2, 3};
  ob_node(ob, "Constant", "k", 0, NULL, 1, S("k"));
  ob_attr_tensor(ob, "value", OB_FLOAT, 3, D(3, 1, 1), v, sizeof v);
  ob_node(ob, "Add", "add", 2, S("x", "k"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

static OnnxBuilder *m_expand_tile(void) {
  OnnxBuilder *ob = start(13);
  ob_init_i64(ob, "sh", 1, D(4), D(2, 3, 8, 8));
  ob_node(ob, "Expand", "ex", 2, S("x", "sh"), 1, S("e"));
  ob_init_i64(ob, "rep", 1, D(4), D(1, 1, 1, 2));
  ob_node(ob, "Tile", "tile", 2, S("e", "rep"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(2, 3, 8, 16));
  return ob;
}

static OnnxBuilder *m_argmax_topk(void) {
  OnnxBuilder *ob = start(13);
  ob_node(ob, "ArgMax", "am", 1, S("x"), 1, S("a"));
  ob_attr_int(ob, "axis", 1);
  ob_init_i64(ob, "k", 1, D(1), D(2));
  ob_node(ob, "TopK", "topk", 2, S("x", "k"), 2, S("v", "i"));
  ob_output(ob, "a", OB_INT64, 4, D(1, 1, 8, 8));
  ob_output(ob, "v", OB_FLOAT, 4, D(1, 3, 8, 2));
  return ob;
}

static OnnxBuilder *m_d2s(void) {
  OnnxBuilder *ob = ob_new("seed", 13);
  ob_input(ob, "x", OB_FLOAT, 4, D(1, 4, 4, 4));
  ob_node(ob, "DepthToSpace", "d2s", 1, S("x"), 1, S("d"));
  ob_attr_int(ob, "blocksize", 2);
  ob_node(ob, "SpaceToDepth", "s2d", 1, S("d"), 1, S("y"));
  ob_attr_int(ob, "blocksize", 2);
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 4, 4, 4));
  return ob;
}

static OnnxBuilder *m_where(void) {
  OnnxBuilder *ob = start(13);
  init_rand(ob, "c", 3, D(3, 1, 1));
  ob_node(ob, "Greater", "gt", 2, S("x", "c"), 1, S("m"));
  ob_node(ob, "Where", "wh", 3, S("m", "x", "c"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

static OnnxBuilder *m_clip_prelu(void) {
  OnnxBuilder *ob = start(13);
  float lo = 0, hi = 6;
  ob_init_f32(ob, "lo", 0, NULL, &lo);
  ob_init_f32(ob, "hi", 0, NULL, &hi);
  ob_node(ob, "Clip", "clip", 3, S("x", "lo", "hi"), 1, S("c"));
  init_rand(ob, "slope", 3, D(3, 1, 1));
  ob_node(ob, "PRelu", "prelu", 2, S("c", "slope"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

static OnnxBuilder *m_instnorm(void) {
  OnnxBuilder *ob = start(13);
  init_rand(ob, "s", 1, D(3));
  init_rand(ob, "b", 1, D(3));
  ob_node(ob, "InstanceNormalization", "in", 3, S("x", "s", "b"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

static OnnxBuilder *m_int64(void) {
  OnnxBuilder *ob = ob_new("seed", 13);
  ob_input(ob, "ids", OB_INT64, 2, D(1, 4));
  init_rand(ob, "emb", 2, D(10, 4));
  ob_node(ob, "Gather", "embed", 2, S("emb", "ids"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 3, D(1, 4, 4));
  return ob;
}

static OnnxBuilder *m_dynamic(void) {
  OnnxBuilder *ob = ob_new("seed", 17);
  ob_input_sym(ob, "x", OB_FLOAT, 4, D(-1, 3, 8, 8), S("batch", NULL, NULL, NULL));
  ob_node(ob, "Relu", "", 1, S("x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(-1, 3, 8, 8));
  return ob;
}

static OnnxBuilder *m_custom(void) {
  OnnxBuilder *ob = start(13);
  ob_node(ob, "Sin", "sin", 1, S("x"), 1, S("a"));
  ob_node(ob, "FancyOp", "fancy", 1, S("a"), 1, S("y"));
  ob_node_domain(ob, "com.example");
  ob_attr_graph(ob, "body", "g");
  ob_attr_floats(ob, "f", 2, (float[]){1.5f, -2});
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

static OnnxBuilder *m_range_cos(void) {
  OnnxBuilder *ob = start(13);
  float s = 0, l = 8, d = 1;
  ob_init_f32(ob, "s", 0, NULL, &s);
  ob_init_f32(ob, "l", 0, NULL, &l);
  ob_init_f32(ob, "d", 0, NULL, &d);
  ob_node(ob, "Range", "range", 3, S("s", "l", "d"), 1, S("r"));
  ob_node(ob, "Add", "add", 2, S("x", "r"), 1, S("y"));
  ob_init_f32(ob, "z", 1, D(1), (float[]){0});
  ob_node(ob, "ConstantOfShape", "cos", 1, S("sh"), 1, S("unused"));
  ob_init_i64(ob, "sh", 1, D(2), D(2, 2));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

typedef struct {
  const char *name;
  OnnxBuilder *(*make)(void);
  const char *op; /* for unary/binary cases */
  int kind;       /* 0 = make(), 1 = unary(op), 2 = binary(op), 3 = m_pool(op) */
} Seed;

static const Seed SEEDS[] = {
    {"conv_bn_relu", m_conv, NULL, 0},
    {"dwconv", m_dwconv, NULL, 0},
    {"convtranspose", m_convt, NULL, 0},
    {"gemm", m_gemm, NULL, 0},
    {"matmul", m_matmul, NULL, 0},
    {"reshape", m_reshape, NULL, 0},
    {"concat_split", m_concat_split, NULL, 0},
    {"slice", m_slice, NULL, 0},
    {"resize", m_resize, NULL, 0},
    {"pad", m_pad, NULL, 0},
    {"squeeze", m_squeeze, NULL, 0},
    {"reduce", m_reduce, NULL, 0},
    {"shape_chain", m_shape_chain, NULL, 0},
    {"constant", m_constant, NULL, 0},
    {"expand_tile", m_expand_tile, NULL, 0},
    {"argmax_topk", m_argmax_topk, NULL, 0},
    {"d2s", m_d2s, NULL, 0},
    {"where", m_where, NULL, 0},
    {"clip_prelu", m_clip_prelu, NULL, 0},
    {"instnorm", m_instnorm, NULL, 0},
    {"int64", m_int64, NULL, 0},
    {"dynamic", m_dynamic, NULL, 0},
    {"custom", m_custom, NULL, 0},
    {"range_cos", m_range_cos, NULL, 0},
    {"relu", NULL, "Relu", 1},
    {"sigmoid", NULL, "Sigmoid", 1},
    {"tanh", NULL, "Tanh", 1},
    {"hardsigmoid", NULL, "HardSigmoid", 1},
    {"hardswish", NULL, "HardSwish", 1},
    {"elu", NULL, "Elu", 1},
    {"exp", NULL, "Exp", 1},
    {"leakyrelu", NULL, "LeakyRelu", 1},
    {"softmax", NULL, "Softmax", 1},
    {"logsoftmax", NULL, "LogSoftmax", 1},
    {"lrn", NULL, "LRN", 1},
    {"identity", NULL, "Identity", 1},
    {"sqrt", NULL, "Sqrt", 1},
    {"abs", NULL, "Abs", 1},
    {"add", NULL, "Add", 2},
    {"sub", NULL, "Sub", 2},
    {"mul", NULL, "Mul", 2},
    {"div", NULL, "Div", 2},
    {"pow", NULL, "Pow", 2},
    {"max", NULL, "Max", 2},
    {"maxpool", NULL, "MaxPool", 3},
    {"avgpool", NULL, "AveragePool", 3},
};

/* Writes b to path when it is not empty. */
static void write_buf(const char *path, const Buf *b) {
  Err err = {0};
  if (b->len && io_write_atomic(path, b->data, b->len, &err) < 0)
    fprintf(stderr, "gen_seeds: %s: %s\n", path, err.msg);
}

/* Compiles model (default options, U8 input) and writes its blob to blob_path and its IR .xml
 * to xml_path, when the compiler made them. */
static void write_outputs(const char *model, const char *blob_path, const char *xml_path,
                          const char *openvino) {
  CompileOptions opt = {.model_name = "seed",
                        .source = model,
                        .data_type = PREC_FP16,
                        .output_precision = PREC_FP16,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = openvino,
                        .want_blob = true,
                        .want_ir = true};
  CompileResult res;
  Err err = {0};
  if (compile_model(&res, &opt, &err) == 0) {
    write_buf(blob_path, &res.blob);
    write_buf(xml_path, &res.xml);
  }
  compile_result_free(&res);
}

/* The tiny HW conv turned into a 3x3 stride-1 max pool with repeated edges over its 2 channels. */
static void hw_pool(BlobHwOp *op, HbBuf *bufs) {
  *op = (BlobHwOp){.op_type = BLOB_HW_OP_POOL,
                   .pool_type = BLOB_HW_POOL_MAX,
                   .op_mode = 4,
                   .with_pad = 1,
                   .pad_mode = 0xF,
                   .input_ind = 0,
                   .output_ind = 4,
                   .coeffs_ind = -1,
                   .biases_ind = -1,
                   .scales_ind = -1,
                   .out_num_chans = 2,
                   .kernel_width = 3,
                   .kernel_height = 3,
                   .kernel_stride = 1};
  bufs[4].dims[2] = 2; /* channels 0..1 of y */
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen_seeds OUT_DIR\n");
    return 2;
  }
  char path[4096], bpath[4096], xpath[4096];
  Err err = {0};
  snprintf(path, sizeof path, "%s/onnx", argv[1]);
  snprintf(bpath, sizeof bpath, "%s/blob", argv[1]);
  snprintf(xpath, sizeof xpath, "%s/irxml", argv[1]);
  if (io_mkdirs(path, &err) < 0 || io_mkdirs(bpath, &err) < 0 || io_mkdirs(xpath, &err) < 0) {
    fprintf(stderr, "gen_seeds: %s\n", err.msg);
    return 1;
  }
  int n_onnx = 0;
  for (size_t i = 0; i < sizeof SEEDS / sizeof SEEDS[0]; i++) {
    const Seed *s = &SEEDS[i];
    OnnxBuilder *ob = s->kind == 0   ? s->make()
                      : s->kind == 1 ? unary(s->op)
                      : s->kind == 2 ? binary(s->op)
                                     : m_pool(s->op);
    snprintf(path, sizeof path, "%s/onnx/%s.onnx", argv[1], s->name);
    if (ob_save(ob, path, &err) < 0) {
      fprintf(stderr, "gen_seeds: %s: %s\n", path, err.msg);
      ob_free(ob);
      return 1;
    }
    ob_free(ob);
    n_onnx++;
    snprintf(bpath, sizeof bpath, "%s/blob/%s.blob", argv[1], s->name);
    snprintf(xpath, sizeof xpath, "%s/irxml/%s.xml", argv[1], s->name);
    write_outputs(path, bpath, xpath, i % 2 ? "2021.4" : "2022.1");
  }
  /* HW (MyriadXHwOp) blobs our compiler does not write yet, so fuzz_blob reaches hw_exec.c */
  Buf hw = BUF_INIT;
  hb_tiny_conv(&hw, NULL);
  snprintf(bpath, sizeof bpath, "%s/blob/hw_conv.blob", argv[1]);
  write_buf(bpath, &hw);
  buf_free(&hw);
  hb_tiny_conv(&hw, hw_pool);
  snprintf(bpath, sizeof bpath, "%s/blob/hw_pool.blob", argv[1]);
  write_buf(bpath, &hw);
  buf_free(&hw);
  printf("gen_seeds: %d onnx seeds in %s/onnx, blobs in %s/blob\n", n_onnx, argv[1], argv[1]);
  return 0;
}
