/* tests/test_irxml.c — OpenVINO IR v11 writer: hand-built graphs written, re-read with libxml2. */
#include "testutil.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/irxml.h"

/* ---- graph building ---- */

/* A tensor with dtype and shape set (shape inference is not run in these tests). */
static int tens(IrGraph *g, const char *name, DType dt, int rank, const int64_t *dims) {
  int t = ir_add_tensor(g, name);
  g->tensors[t].dtype = dt;
  ir_set_shape(g, t, rank, dims);
  return t;
}

static int out(IrGraph *g, int n, const char *name, DType dt, int rank, const int64_t *dims) {
  int t = ir_node_add_output(g, n, name);
  g->tensors[t].dtype = dt;
  ir_set_shape(g, t, rank, dims);
  return t;
}

static int cst(IrGraph *g, const char *name, DType dt, int rank, const int64_t *dims,
               const void *data) {
  int t = ir_add_tensor(g, name);
  ir_set_const(g, t, dt, rank, dims, data);
  return t;
}

static void attr_ints(IrGraph *g, int n, const char *name, int cnt, const int64_t *v) {
  IrAttr *a = ir_node_add_attr(g, n, name, ATTR_INTS);
  a->ints = arena_array(g->arena, (size_t)cnt, sizeof(int64_t));
  memcpy(a->ints, v, (size_t)cnt * sizeof(int64_t));
  a->n = cnt;
}

static const float W_DATA[4 * 3 * 3 * 3] = {0.5f, -1.25f, 3.0f, 7.5f, 1e-3f, 42.0f};
static const float B_DATA[4] = {0.25f, -0.5f, 1.5f, 2.0f};

/* x[1,3,8,8] -> Conv(W[4,3,3,3], B[4], pads 1) "conv1" -> Relu "relu1" -> z */
static IrGraph *conv_relu_graph(Arena *a) {
  IrGraph *g = ir_new(a, "test.onnx");
  int x = tens(g, "x", DT_F32, 4, (int64_t[]){1, 3, 8, 8});
  ir_add_input(g, x);
  int w = cst(g, "W", DT_F32, 4, (int64_t[]){4, 3, 3, 3}, W_DATA);
  int b = cst(g, "B", DT_F32, 1, (int64_t[]){4}, B_DATA);
  int n = ir_add_node(g, IR_OP_CONV, "Conv", "conv1");
  ir_node_add_input(g, n, x);
  ir_node_add_input(g, n, w);
  ir_node_add_input(g, n, b);
  attr_ints(g, n, "pads", 4, (int64_t[]){1, 1, 1, 1});
  attr_ints(g, n, "kernel_shape", 2, (int64_t[]){3, 3});
  int y = out(g, n, "y", DT_F32, 4, (int64_t[]){1, 4, 8, 8});
  int r = ir_add_node(g, IR_OP_RELU, "Relu", "relu1");
  ir_node_add_input(g, r, y);
  int z = out(g, r, "z", DT_F32, 4, (int64_t[]){1, 4, 8, 8});
  ir_add_output(g, z);
  return g;
}

/* ---- reading back ---- */

typedef struct {
  Buf xml, bin;
  xmlDocPtr doc;
} Ir;

static void ir_write_ok(Ir *ir, const IrGraph *g) {
  Err err = {0};
  ir->xml = (Buf)BUF_INIT;
  ir->bin = (Buf)BUF_INIT;
  int rc = be_irxml_write(g, "net1", &ir->xml, &ir->bin, &err);
  if (rc != 0) fprintf(stderr, "be_irxml_write: %s\n", err.msg);
  assert_int_equal(rc, 0);
  ir->doc =
      xmlReadMemory((const char *)ir->xml.data, (int)ir->xml.len, "ir.xml", NULL, XML_PARSE_NONET);
  assert_non_null(ir->doc);
}

static void ir_done(Ir *ir) {
  xmlFreeDoc(ir->doc);
  buf_free(&ir->xml);
  buf_free(&ir->bin);
}

/* string(expr) evaluated on the document, malloc'd. */
static char *xs(const Ir *ir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *xs(const Ir *ir, const char *fmt, ...) {
  char expr[1024], full[1100];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(expr, sizeof expr, fmt, ap);
  va_end(ap);
  snprintf(full, sizeof full, "string(%s)", expr);
  xmlXPathContextPtr ctx = xmlXPathNewContext(ir->doc);
  xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST full, ctx);
  assert_non_null(o);
  char *s = strdup(o->stringval ? (const char *)o->stringval : "");
  xmlXPathFreeObject(o);
  xmlXPathFreeContext(ctx);
  return s;
}

/* count(expr) */
static int xc(const Ir *ir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int xc(const Ir *ir, const char *fmt, ...) {
  char expr[1024], full[1100];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(expr, sizeof expr, fmt, ap);
  va_end(ap);
  snprintf(full, sizeof full, "count(%s)", expr);
  xmlXPathContextPtr ctx = xmlXPathNewContext(ir->doc);
  xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST full, ctx);
  assert_non_null(o);
  int c = (int)o->floatval;
  xmlXPathFreeObject(o);
  xmlXPathFreeContext(ctx);
  return c;
}

#define assert_xs(ir, want, ...)                                            \
  do {                                                                      \
    char *got_ = xs(ir, __VA_ARGS__);                                       \
    if (strcmp(got_, want) != 0) fprintf(stderr, "xpath got '%s'\n", got_); \
    assert_string_equal(got_, want);                                        \
    free(got_);                                                             \
  } while (0)

/* Layer id (as a number) of the only layer matching the predicate. */
static int layer_id(const Ir *ir, const char *pred) {
  assert_int_equal(xc(ir, "/net/layers/layer[%s]", pred), 1);
  char *s = xs(ir, "/net/layers/layer[%s]/@id", pred);
  int id = atoi(s);
  free(s);
  return id;
}

static bool has_edge(const Ir *ir, int fl, int fp, int tl, int tp) {
  return xc(ir,
            "/net/edges/edge[@from-layer='%d' and @from-port='%d' and @to-layer='%d' and "
            "@to-port='%d']",
            fl, fp, tl, tp) == 1;
}

/* The bytes of the Const layer matching pred; checks they lie inside the .bin. */
static const uint8_t *const_bytes(const Ir *ir, const char *pred, size_t *size) {
  char *o = xs(ir, "/net/layers/layer[@type='Const' and %s]/data/@offset", pred);
  char *s = xs(ir, "/net/layers/layer[@type='Const' and %s]/data/@size", pred);
  assert_true(o[0] && s[0]);
  size_t off = strtoull(o, NULL, 10), sz = strtoull(s, NULL, 10);
  free(o);
  free(s);
  assert_true(off + sz <= ir->bin.len);
  *size = sz;
  return ir->bin.data + off;
}

/* ---- tests ---- */

static void irxml__conv_bias_relu_layers(void **state) {
  (void)state;
  Arena *a = arena_new();
  Ir ir;
  ir_write_ok(&ir, conv_relu_graph(a));
  assert_xs(&ir, "11", "/net/@version");
  assert_xs(&ir, "net1", "/net/@name");
  assert_xs(&ir, "f32", "//layer[@type='Parameter']/data/@element_type");
  assert_xs(&ir, "1,3,8,8", "//layer[@type='Parameter']/data/@shape");
  assert_xs(&ir, "x", "//layer[@type='Parameter']/output/port/@names");
  assert_int_equal(xc(&ir, "//layer[@type='Convolution' and @version='opset1']"), 1);
  assert_xs(&ir, "1,1", "//layer[@type='Convolution']/data/@strides");
  assert_xs(&ir, "1,1", "//layer[@type='Convolution']/data/@dilations");
  assert_xs(&ir, "1,1", "//layer[@type='Convolution']/data/@pads_begin");
  assert_xs(&ir, "1,1", "//layer[@type='Convolution']/data/@pads_end");
  assert_xs(&ir, "explicit", "//layer[@type='Convolution']/data/@auto_pad");
  assert_xs(&ir, "conv1/WithoutBiases", "//layer[@type='Convolution']/@name");
  assert_xs(&ir, "FP32", "//layer[@type='Convolution']/output/port[@id='2']/@precision");
  assert_int_equal(xc(&ir, "//layer[@type='Convolution']/output/port[@id='2']/dim"), 4);
  assert_xs(&ir, "4", "//layer[@type='Convolution']/output/port/dim[2]");
  assert_xs(&ir, "conv1", "//layer[@type='Add']/@name");
  assert_xs(&ir, "numpy", "//layer[@type='Add']/data/@auto_broadcast");
  assert_xs(&ir, "y", "//layer[@type='Add']/output/port/@names");
  assert_xs(&ir, "1,4,1,1", "//layer[@type='Const' and @name='conv1/bias']/data/@shape");
  assert_xs(&ir, "f32", "//layer[@type='Const' and @name='conv1/bias']/data/@element_type");
  assert_int_equal(xc(&ir, "//layer[@type='Relu' and @version='opset1' and @name='relu1']"), 1);
  assert_int_equal(xc(&ir, "//layer[@type='Result']"), 1);
  assert_int_equal(xc(&ir, "//layer"), 7); /* Parameter, W, Conv, bias, Add, Relu, Result */
  ir_done(&ir);
  arena_free(a);
}

static void irxml__edges_connect_ports(void **state) {
  (void)state;
  Arena *a = arena_new();
  Ir ir;
  ir_write_ok(&ir, conv_relu_graph(a));
  int p = layer_id(&ir, "@type='Parameter'"), w = layer_id(&ir, "@name='W'");
  int c = layer_id(&ir, "@type='Convolution'"), b = layer_id(&ir, "@name='conv1/bias'");
  int add = layer_id(&ir, "@type='Add'"), r = layer_id(&ir, "@type='Relu'");
  int res = layer_id(&ir, "@type='Result'");
  assert_true(has_edge(&ir, p, 0, c, 0));
  assert_true(has_edge(&ir, w, 0, c, 1));
  assert_true(has_edge(&ir, c, 2, add, 0));
  assert_true(has_edge(&ir, b, 0, add, 1));
  assert_true(has_edge(&ir, add, 2, r, 0));
  assert_true(has_edge(&ir, r, 1, res, 0));
  assert_int_equal(xc(&ir, "/net/edges/edge"), 6);
  /* ids are the layer order */
  assert_int_equal(p, 0);
  assert_int_equal(res, 6);
  ir_done(&ir);
  arena_free(a);
}

static void irxml__const_bytes_match_bin(void **state) {
  (void)state;
  Arena *a = arena_new();
  Ir ir;
  ir_write_ok(&ir, conv_relu_graph(a));
  size_t sz;
  const uint8_t *p = const_bytes(&ir, "@name='W'", &sz);
  assert_int_equal(sz, sizeof W_DATA);
  assert_memory_equal(p, W_DATA, sizeof W_DATA);
  p = const_bytes(&ir, "@name='conv1/bias'", &sz);
  assert_int_equal(sz, sizeof B_DATA);
  assert_memory_equal(p, B_DATA, sizeof B_DATA);
  assert_int_equal(ir.bin.len, sizeof W_DATA + sizeof B_DATA); /* packed contiguously */
  ir_done(&ir);
  arena_free(a);
}

static void irxml__grouped_conv_reshapes_weights(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  float wd[4 * 9];
  for (int i = 0; i < 36; i++) wd[i] = (float)i;
  int x = tens(g, "x", DT_F16, 4, (int64_t[]){1, 4, 8, 8});
  ir_add_input(g, x);
  int w = cst(g, "dw", DT_F32, 4, (int64_t[]){4, 1, 3, 3}, wd);
  int n = ir_add_node(g, IR_OP_CONV, "Conv", "dwconv");
  ir_node_add_input(g, n, x);
  ir_node_add_input(g, n, w);
  ir_node_add_attr(g, n, "group", ATTR_INT)->i = 4;
  attr_ints(g, n, "strides", 2, (int64_t[]){2, 2});
  IrAttr *ap = ir_node_add_attr(g, n, "auto_pad", ATTR_STRING);
  ap->s = "SAME_UPPER";
  ir_add_output(g, out(g, n, "y", DT_F16, 4, (int64_t[]){1, 4, 4, 4}));
  Ir ir;
  ir_write_ok(&ir, g);
  assert_int_equal(xc(&ir, "//layer[@type='GroupConvolution' and @name='dwconv']"), 1);
  assert_xs(&ir, "same_upper", "//layer[@type='GroupConvolution']/data/@auto_pad");
  assert_xs(&ir, "2,2", "//layer[@type='GroupConvolution']/data/@strides");
  assert_xs(&ir, "0,0", "//layer[@type='GroupConvolution']/data/@pads_begin"); /* (4-1)*2+3-8 = 1 */
  assert_xs(&ir, "1,1", "//layer[@type='GroupConvolution']/data/@pads_end");
  assert_xs(&ir, "4,1,1,3,3", "//layer[@type='Const']/data/@shape");
  assert_int_equal(xc(&ir, "//layer[@type='GroupConvolution']/input/port[@id='1']/dim"), 5);
  assert_xs(&ir, "FP16", "//layer[@type='GroupConvolution']/input/port[@id='0']/@precision");
  size_t sz;
  const uint8_t *p = const_bytes(&ir, "@name='dwconv/weights'", &sz);
  assert_int_equal(sz, sizeof wd);
  assert_memory_equal(p, wd, sizeof wd);
  ir_done(&ir);
  arena_free(a);
}

static void irxml__resize_becomes_interpolate(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  g->opset = 13;
  const float sc[4] = {1, 1, 2, 2};
  int x = tens(g, "x", DT_F32, 4, (int64_t[]){1, 3, 8, 8});
  ir_add_input(g, x);
  int s = cst(g, "scales", DT_F32, 1, (int64_t[]){4}, sc);
  int n = ir_add_node(g, IR_OP_RESIZE, "Resize", "up");
  ir_node_add_input(g, n, x);
  ir_node_add_input(g, n, -1);
  ir_node_add_input(g, n, s);
  ir_node_add_attr(g, n, "coordinate_transformation_mode", ATTR_STRING)->s = "asymmetric";
  ir_node_add_attr(g, n, "nearest_mode", ATTR_STRING)->s = "floor";
  ir_add_output(g, out(g, n, "y", DT_F32, 4, (int64_t[]){1, 3, 16, 16}));
  Ir ir;
  ir_write_ok(&ir, g);
  assert_int_equal(xc(&ir, "//layer[@type='Interpolate' and @version='opset4' and @name='up']"), 1);
  assert_xs(&ir, "nearest", "//layer[@type='Interpolate']/data/@mode");
  assert_xs(&ir, "scales", "//layer[@type='Interpolate']/data/@shape_calculation_mode");
  assert_xs(&ir, "asymmetric", "//layer[@type='Interpolate']/data/@coordinate_transformation_mode");
  assert_xs(&ir, "floor", "//layer[@type='Interpolate']/data/@nearest_mode");
  assert_xs(&ir, "false", "//layer[@type='Interpolate']/data/@antialias");
  assert_xs(&ir, "0,0,0,0", "//layer[@type='Interpolate']/data/@pads_begin");
  assert_int_equal(xc(&ir, "//layer[@type='Interpolate']/input/port"), 4);
  assert_xs(&ir, "16", "//layer[@type='Interpolate']/output/port[@id='4']/dim[4]");
  size_t sz;
  const int64_t want_axes[2] = {2, 3}, want_sizes[2] = {16, 16};
  const float want_sc[2] = {2, 2};
  assert_memory_equal(const_bytes(&ir, "@name='up/axes'", &sz), want_axes, sizeof want_axes);
  assert_int_equal(sz, sizeof want_axes);
  assert_memory_equal(const_bytes(&ir, "@name='up/sizes'", &sz), want_sizes, sizeof want_sizes);
  assert_memory_equal(const_bytes(&ir, "@name='up/scales'", &sz), want_sc, sizeof want_sc);
  assert_xs(&ir, "f32", "//layer[@name='up/scales']/data/@element_type");
  ir_done(&ir);
  arena_free(a);
}

static void irxml__gemm_becomes_matmul_scale_add(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  float bd[12] = {1, 2, 3}, cd[4] = {9, 8, 7, 6};
  int A = tens(g, "A", DT_F32, 2, (int64_t[]){2, 3});
  ir_add_input(g, A);
  int B = cst(g, "B", DT_F32, 2, (int64_t[]){4, 3}, bd);
  int C = cst(g, "C", DT_F32, 1, (int64_t[]){4}, cd);
  int n = ir_add_node(g, IR_OP_GEMM, "Gemm", "fc");
  ir_node_add_input(g, n, A);
  ir_node_add_input(g, n, B);
  ir_node_add_input(g, n, C);
  ir_node_add_attr(g, n, "transB", ATTR_INT)->i = 1;
  ir_node_add_attr(g, n, "alpha", ATTR_FLOAT)->f = 2.0f;
  ir_add_output(g, out(g, n, "Y", DT_F32, 2, (int64_t[]){2, 4}));
  Ir ir;
  ir_write_ok(&ir, g);
  int mm = layer_id(&ir, "@type='MatMul'");
  assert_xs(&ir, "false", "//layer[@type='MatMul']/data/@transpose_a");
  assert_xs(&ir, "true", "//layer[@type='MatMul']/data/@transpose_b");
  int mul = layer_id(&ir, "@type='Multiply'");
  int add = layer_id(&ir, "@type='Add'");
  assert_xs(&ir, "fc", "//layer[@type='Add']/@name");
  assert_true(has_edge(&ir, mm, 2, mul, 0));
  assert_true(has_edge(&ir, mul, 2, add, 0));
  assert_true(has_edge(&ir, layer_id(&ir, "@name='C'"), 0, add, 1));
  size_t sz;
  const float two = 2.0f;
  assert_memory_equal(const_bytes(&ir, "@name='fc/alpha'", &sz), &two, 4);
  assert_int_equal(sz, 4);
  ir_done(&ir);
  arena_free(a);
}

static void irxml__slice_becomes_strided_slice(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  int x = tens(g, "x", DT_F32, 4, (int64_t[]){1, 3, 10, 10});
  ir_add_input(g, x);
  int64_t one = 1;
  int st = cst(g, "starts", DT_I64, 1, &one, (int64_t[]){2});
  int en = cst(g, "ends", DT_I64, 1, &one, (int64_t[]){8});
  int ax = cst(g, "axes", DT_I64, 1, &one, (int64_t[]){-1});
  int sp = cst(g, "steps", DT_I64, 1, &one, (int64_t[]){2});
  int n = ir_add_node(g, IR_OP_SLICE, "Slice", "crop");
  ir_node_add_input(g, n, x);
  ir_node_add_input(g, n, st);
  ir_node_add_input(g, n, en);
  ir_node_add_input(g, n, ax);
  ir_node_add_input(g, n, sp);
  ir_add_output(g, out(g, n, "y", DT_F32, 4, (int64_t[]){1, 3, 10, 3}));
  Ir ir;
  ir_write_ok(&ir, g);
  assert_int_equal(xc(&ir, "//layer[@type='StridedSlice' and @version='opset1']"), 1);
  assert_xs(&ir, "1,1,1,0", "//layer[@type='StridedSlice']/data/@begin_mask");
  assert_xs(&ir, "1,1,1,0", "//layer[@type='StridedSlice']/data/@end_mask");
  assert_xs(&ir, "0,0,0,0", "//layer[@type='StridedSlice']/data/@shrink_axis_mask");
  size_t sz;
  const int64_t b[4] = {0, 0, 0, 2}, e[4] = {0, 0, 0, 8}, s[4] = {1, 1, 1, 2};
  assert_memory_equal(const_bytes(&ir, "@name='crop/begin'", &sz), b, sizeof b);
  assert_memory_equal(const_bytes(&ir, "@name='crop/end'", &sz), e, sizeof e);
  assert_memory_equal(const_bytes(&ir, "@name='crop/stride'", &sz), s, sizeof s);
  assert_xs(&ir, "I64", "//layer[@name='crop/begin']/output/port/@precision");
  /* the ONNX starts/ends tensors are consumed at write time, not emitted */
  assert_int_equal(xc(&ir, "//layer[@name='starts']"), 0);
  ir_done(&ir);
  arena_free(a);
}

static void irxml__cast_becomes_convert(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  int x = tens(g, "x", DT_F32, 2, (int64_t[]){2, 5});
  ir_add_input(g, x);
  int n = ir_add_node(g, IR_OP_CAST, "Cast", "to_half");
  ir_node_add_input(g, n, x);
  ir_node_add_attr(g, n, "to", ATTR_INT)->i = 10;
  ir_add_output(g, out(g, n, "h", DT_F16, 2, (int64_t[]){2, 5}));
  Ir ir;
  ir_write_ok(&ir, g);
  assert_xs(&ir, "f16", "//layer[@type='Convert' and @version='opset1']/data/@destination_type");
  assert_xs(&ir, "FP32", "//layer[@type='Convert']/input/port/@precision");
  assert_xs(&ir, "FP16", "//layer[@type='Convert']/output/port/@precision");
  assert_xs(&ir, "FP16", "//layer[@type='Result']/input/port/@precision");
  ir_done(&ir);
  arena_free(a);
}

static void irxml__names_are_escaped_and_round_trip(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  const char *evil = "a<&\"'>b";
  int x = tens(g, "in<&\"'>", DT_F32, 1, (int64_t[]){4});
  ir_add_input(g, x);
  int n = ir_add_node(g, IR_OP_SIGMOID, "Sigmoid", evil);
  ir_node_add_input(g, n, x);
  ir_add_output(g, out(g, n, "out,1", DT_F32, 1, (int64_t[]){4}));
  Ir ir;
  ir_write_ok(&ir, g);
  char *text = strndup((const char *)ir.xml.data, ir.xml.len);
  assert_non_null(strstr(text, "a&lt;&amp;&quot;'&gt;b"));
  assert_null(strstr(text, evil));
  free(text);
  assert_xs(&ir, evil, "//layer[@type='Sigmoid']/@name");
  assert_xs(&ir, "in<&\"'>", "//layer[@type='Parameter']/@name");
  assert_xs(&ir, "out\\,1", "//layer[@type='Sigmoid']/output/port/@names");
  ir_done(&ir);
  arena_free(a);
}

static void irxml__invalid_utf8_names_still_parse(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  int x = tens(g, "x\xff\x01y", DT_F32, 1, (int64_t[]){4});
  ir_add_input(g, x);
  int n = ir_add_node(g, IR_OP_UNKNOWN, "Weird", "n\xc3\xa9");
  ir_node_add_input(g, n, x);
  ir_node_add_attr(g, n, "bad name<", ATTR_INT)->i = 3;
  ir_add_output(g, out(g, n, "y", DT_F32, 1, (int64_t[]){4}));
  Ir ir;
  ir_write_ok(&ir, g);
  assert_xs(&ir, "x??y", "//layer[@type='Parameter']/@name");
  assert_xs(&ir, "n\xc3\xa9", "//layer[@type='Weird']/@name");
  assert_xs(&ir, "3", "//layer[@type='Weird']/data/@bad_name_");
  ir_done(&ir);
  arena_free(a);
}

static void irxml__unknown_op_keeps_its_type(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  int x = tens(g, "x", DT_F32, 4, (int64_t[]){1, 3, 8, 8});
  ir_add_input(g, x);
  int n = ir_add_node(g, IR_OP_UNKNOWN, "DeformConv", "dc");
  ir_node_add_input(g, n, x);
  attr_ints(g, n, "kernel_shape", 2, (int64_t[]){3, 3});
  ir_node_add_attr(g, n, "mode", ATTR_STRING)->s = "fancy";
  int y = ir_node_add_output(g, n, "y"); /* shape unknown: still written */
  int r = ir_add_node(g, IR_OP_RELU, "Relu", "r");
  ir_node_add_input(g, r, y);
  int z = ir_node_add_output(g, r, "z");
  g->tensors[z].dtype = DT_F32;
  ir_set_shape(g, z, 4, (int64_t[]){1, 3, 8, 8});
  g->tensors[y].dtype = DT_F32;
  ir_set_shape(g, y, 4, (int64_t[]){1, 3, 8, 8});
  ir_add_output(g, z);
  Ir ir;
  ir_write_ok(&ir, g);
  assert_xs(&ir, "unknown", "//layer[@type='DeformConv' and @name='dc']/@version");
  assert_xs(&ir, "3,3", "//layer[@type='DeformConv']/data/@kernel_shape");
  assert_xs(&ir, "fancy", "//layer[@type='DeformConv']/data/@mode");
  assert_true(
      has_edge(&ir, layer_id(&ir, "@type='DeformConv'"), 1, layer_id(&ir, "@type='Relu'"), 0));
  ir_done(&ir);
  arena_free(a);
}

static void irxml__unmappable_attrs_fall_back_to_unknown(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  g->opset = 13;
  int x = tens(g, "x", DT_F32, 4, (int64_t[]){1, 3, 8, 8});
  ir_add_input(g, x);
  int sz = cst(g, "sizes", DT_I64, 1, (int64_t[]){4}, (int64_t[]){1, 3, 4, 4});
  int n = ir_add_node(g, IR_OP_RESIZE, "Resize", "crop_resize");
  ir_node_add_input(g, n, x);
  ir_node_add_input(g, n, -1);
  ir_node_add_input(g, n, -1);
  ir_node_add_input(g, n, sz);
  ir_node_add_attr(g, n, "coordinate_transformation_mode", ATTR_STRING)->s = "tf_crop_and_resize";
  ir_add_output(g, out(g, n, "y", DT_F32, 4, (int64_t[]){1, 3, 4, 4}));
  Ir ir;
  ir_write_ok(&ir, g);
  assert_xs(&ir, "unknown", "//layer[@type='Resize']/@version");
  assert_int_equal(xc(&ir, "//layer[@type='Interpolate']"), 0);
  /* nothing of the abandoned mapping is left: only the sizes Const is in the .bin */
  assert_int_equal(ir.bin.len, 4 * sizeof(int64_t));
  assert_int_equal(xc(&ir, "//layer"), 4);
  ir_done(&ir);
  arena_free(a);
}

static void irxml__identity_and_dead_nodes_are_skipped(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  int x = tens(g, "x", DT_F32, 1, (int64_t[]){4});
  ir_add_input(g, x);
  int d = ir_add_node(g, IR_OP_EXP, "Exp", "dead_exp");
  ir_node_add_input(g, d, x);
  out(g, d, "unused", DT_F32, 1, (int64_t[]){4});
  g->nodes[d].dead = true;
  int r = ir_add_node(g, IR_OP_TANH, "Tanh", "t");
  ir_node_add_input(g, r, x);
  int y = out(g, r, "y", DT_F32, 1, (int64_t[]){4});
  int i = ir_add_node(g, IR_OP_IDENTITY, "Identity", "id");
  ir_node_add_input(g, i, y);
  ir_add_output(g, out(g, i, "z", DT_F32, 1, (int64_t[]){4}));
  Ir ir;
  ir_write_ok(&ir, g);
  assert_int_equal(xc(&ir, "//layer"), 3);
  assert_int_equal(xc(&ir, "//layer[@type='Exp' or @type='Identity']"), 0);
  assert_xs(&ir, "y,z", "//layer[@type='Tanh']/output/port/@names");
  assert_true(has_edge(&ir, layer_id(&ir, "@type='Tanh'"), 1, layer_id(&ir, "@type='Result'"), 0));
  ir_done(&ir);
  arena_free(a);
}

static void irxml__leaky_relu_and_legacy_softmax(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  g->opset = 11;
  int x = tens(g, "x", DT_F16, 3, (int64_t[]){2, 3, 4});
  ir_add_input(g, x);
  int l = ir_add_node(g, IR_OP_LEAKY_RELU, "LeakyRelu", "lrelu");
  ir_node_add_input(g, l, x);
  ir_node_add_attr(g, l, "alpha", ATTR_FLOAT)->f = 0.5f;
  int y = out(g, l, "y", DT_F16, 3, (int64_t[]){2, 3, 4});
  int s = ir_add_node(g, IR_OP_SOFTMAX, "Softmax", "sm");
  ir_node_add_input(g, s, y);
  ir_add_output(g, out(g, s, "z", DT_F16, 3, (int64_t[]){2, 3, 4}));
  Ir ir;
  ir_write_ok(&ir, g);
  assert_int_equal(xc(&ir, "//layer[@type='PReLU' and @name='lrelu']"), 1);
  size_t sz;
  const uint8_t *p = const_bytes(&ir, "@name='lrelu/slope'", &sz);
  assert_int_equal(sz, 2);
  uint16_t h;
  memcpy(&h, p, 2);
  assert_int_equal(h, fp16_from_f32(0.5f));
  /* opset 11, axis 1 of a rank-3 tensor: flatten to [2,12], softmax axis 1, reshape back */
  assert_xs(&ir, "1", "//layer[@type='Softmax' and @version='opset8']/data/@axis");
  assert_xs(&ir, "12", "//layer[@type='Softmax']/output/port/dim[2]");
  assert_xs(&ir, "sm", "//layer[@type='Reshape' and @name='sm']/@name");
  ir_done(&ir);
  arena_free(a);
}

static void irxml__output_is_deterministic(void **state) {
  (void)state;
  Arena *a = arena_new(), *b = arena_new();
  Ir one, two;
  ir_write_ok(&one, conv_relu_graph(a));
  ir_write_ok(&two, conv_relu_graph(b));
  assert_int_equal(one.xml.len, two.xml.len);
  assert_memory_equal(one.xml.data, two.xml.data, one.xml.len);
  assert_int_equal(one.bin.len, two.bin.len);
  assert_memory_equal(one.bin.data, two.bin.data, one.bin.len);
  ir_done(&one);
  ir_done(&two);
  arena_free(a);
  arena_free(b);
}

static void irxml__missing_producer_is_an_error(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "m.onnx");
  int ghost = tens(g, "ghost", DT_F32, 1, (int64_t[]){4});
  int n = ir_add_node(g, IR_OP_RELU, "Relu", "r1");
  ir_node_add_input(g, n, ghost);
  ir_add_output(g, out(g, n, "y", DT_F32, 1, (int64_t[]){4}));
  Buf xml = BUF_INIT, bin = BUF_INIT;
  Err err = {0};
  assert_int_equal(be_irxml_write(g, "m", &xml, &bin, &err), -1);
  assert_int_equal(err.code, ERR_BACKEND);
  assert_string_equal(err.msg, "tensor 'ghost' is read but never produced");
  assert_string_equal(err.node, "r1");
  assert_string_equal(err.file, "m.onnx");
  assert_int_equal(xml.len, 0);
  assert_int_equal(bin.len, 0);
  arena_free(a);
}

static void irxml__unknown_shape_on_mapped_op_is_an_error(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "m.onnx");
  int x = tens(g, "x", DT_F32, 1, (int64_t[]){4});
  ir_add_input(g, x);
  int n = ir_add_node(g, IR_OP_RELU, "Relu", "r1");
  ir_node_add_input(g, n, x);
  ir_add_output(g, ir_node_add_output(g, n, "y"));
  Buf xml = BUF_INIT, bin = BUF_INIT;
  Err err = {0};
  assert_int_equal(be_irxml_write(g, "m", &xml, &bin, &err), -1);
  assert_int_equal(err.code, ERR_SHAPE);
  assert_string_equal(err.msg, "tensor 'y' has no static shape or type");
  arena_free(a);
}

static void irxml__split_outputs_get_consecutive_ports(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  int x = tens(g, "x", DT_F32, 2, (int64_t[]){6, 4});
  ir_add_input(g, x);
  int n = ir_add_node(g, IR_OP_SPLIT, "Split", "sp");
  ir_node_add_input(g, n, x);
  ir_node_add_attr(g, n, "axis", ATTR_INT)->i = -2;
  ir_add_output(g, out(g, n, "p0", DT_F32, 2, (int64_t[]){2, 4}));
  ir_add_output(g, out(g, n, "p1", DT_F32, 2, (int64_t[]){4, 4}));
  Ir ir;
  ir_write_ok(&ir, g);
  int sp = layer_id(&ir, "@type='VariadicSplit'");
  assert_xs(&ir, "p0", "//layer[@type='VariadicSplit']/output/port[@id='3']/@names");
  assert_xs(&ir, "p1", "//layer[@type='VariadicSplit']/output/port[@id='4']/@names");
  assert_true(has_edge(&ir, sp, 3, layer_id(&ir, "@name='p0/sink_port_0'"), 0));
  assert_true(has_edge(&ir, sp, 4, layer_id(&ir, "@name='p1/sink_port_0'"), 0));
  size_t sz;
  const int64_t axis = 0, lens[2] = {2, 4};
  assert_memory_equal(const_bytes(&ir, "@name='sp/axis'", &sz), &axis, 8);
  assert_xs(&ir, "", "//layer[@name='sp/axis']/data/@shape"); /* scalar */
  assert_memory_equal(const_bytes(&ir, "@name='sp/split_lengths'", &sz), lens, sizeof lens);
  ir_done(&ir);
  arena_free(a);
}

static void irxml__shared_constant_is_one_layer(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = ir_new(a, "t.onnx");
  const float k[3] = {1, 2, 3};
  int x = tens(g, "x", DT_F32, 1, (int64_t[]){3});
  ir_add_input(g, x);
  int c = cst(g, "k", DT_F32, 1, (int64_t[]){3}, k);
  int m = ir_add_node(g, IR_OP_MUL, "Mul", "m");
  ir_node_add_input(g, m, x);
  ir_node_add_input(g, m, c);
  int y = out(g, m, "y", DT_F32, 1, (int64_t[]){3});
  int s = ir_add_node(g, IR_OP_SUB, "Sub", "s");
  ir_node_add_input(g, s, y);
  ir_node_add_input(g, s, c);
  ir_add_output(g, out(g, s, "z", DT_F32, 1, (int64_t[]){3}));
  Ir ir;
  ir_write_ok(&ir, g);
  assert_int_equal(xc(&ir, "//layer[@type='Const']"), 1);
  assert_int_equal(ir.bin.len, sizeof k);
  int kid = layer_id(&ir, "@type='Const'");
  assert_true(has_edge(&ir, kid, 0, layer_id(&ir, "@type='Multiply'"), 1));
  assert_true(has_edge(&ir, kid, 0, layer_id(&ir, "@type='Subtract'"), 1));
  ir_done(&ir);
  arena_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(irxml__conv_bias_relu_layers),
      cmocka_unit_test(irxml__edges_connect_ports),
      cmocka_unit_test(irxml__const_bytes_match_bin),
      cmocka_unit_test(irxml__grouped_conv_reshapes_weights),
      cmocka_unit_test(irxml__resize_becomes_interpolate),
      cmocka_unit_test(irxml__gemm_becomes_matmul_scale_add),
      cmocka_unit_test(irxml__slice_becomes_strided_slice),
      cmocka_unit_test(irxml__cast_becomes_convert),
      cmocka_unit_test(irxml__names_are_escaped_and_round_trip),
      cmocka_unit_test(irxml__invalid_utf8_names_still_parse),
      cmocka_unit_test(irxml__unknown_op_keeps_its_type),
      cmocka_unit_test(irxml__unmappable_attrs_fall_back_to_unknown),
      cmocka_unit_test(irxml__identity_and_dead_nodes_are_skipped),
      cmocka_unit_test(irxml__leaky_relu_and_legacy_softmax),
      cmocka_unit_test(irxml__split_outputs_get_consecutive_ports),
      cmocka_unit_test(irxml__shared_constant_is_one_layer),
      cmocka_unit_test(irxml__output_is_deterministic),
      cmocka_unit_test(irxml__missing_producer_is_an_error),
      cmocka_unit_test(irxml__unknown_shape_on_mapped_op_is_an_error),
  };
  xmlInitParser();
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  xmlCleanupParser();
  return rc;
}
