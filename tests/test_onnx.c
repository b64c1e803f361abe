/* tests/test_onnx.c — the ONNX frontend (compiler/frontend/onnx.c) and the model builder. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/frontend/onnx.h"
#include "tests/support/onnx_build.h"

/* ---- helpers ---- */

/* Packs ob and loads it from memory as "t.onnx". */
static int load_ob(IrGraph **g, Arena *a, OnnxBuilder *ob, Err *err) {
  uint8_t *buf = NULL;
  size_t len = 0;
  ob_pack(ob, &buf, &len);
  int rc = fe_onnx_load_mem(g, a, buf, len, "t.onnx", err);
  free(buf);
  return rc;
}

/* Index of the tensor named name; fails the test when absent. */
static int tensor(const IrGraph *g, const char *name) {
  int t = ir_find_tensor(g, name);
  if (t < 0) fail_msg("no tensor '%s'", name);
  return t;
}

/* Index of the node named name; fails the test when absent. */
static int node(const IrGraph *g, const char *name) {
  for (int i = 0; i < g->n_nodes; i++)
    if (strcmp(g->nodes[i].name, name) == 0) return i;
  fail_msg("no node '%s'", name);
  return -1;
}

/* A small Conv + Relu model: x 1x3x8x8 -> conv1 (w, b) -> relu1 -> y. */
static OnnxBuilder *tiny_model(void) {
  OnnxBuilder *ob = ob_new("tiny", 13);
  ob_input(ob, "x", OB_FLOAT, 4, (int64_t[]){1, 3, 8, 8});
  float w[4 * 3 * 3 * 3], b[4] = {0.5f, -0.5f, 1.0f, 0.0f};
  for (int i = 0; i < 108; i++) w[i] = (float)i * 0.01f;
  ob_init_f32(ob, "w", 4, (int64_t[]){4, 3, 3, 3}, w);
  ob_init_f32(ob, "b", 1, (int64_t[]){4}, b);
  ob_node(ob, "Conv", "conv1", 3, (const char *[]){"x", "w", "b"}, 1, (const char *[]){"c"});
  ob_attr_ints(ob, "kernel_shape", 2, (int64_t[]){3, 3});
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  ob_node(ob, "Relu", "relu1", 1, (const char *[]){"c"}, 1, (const char *[]){"y"});
  ob_output(ob, "y", OB_FLOAT, 4, (int64_t[]){1, 4, 8, 8});
  return ob;
}

/* Loads ob expecting failure; checks code and exact message. */
static void expect_error(OnnxBuilder *ob, ErrCode code, const char *node_name, const char *msg) {
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), -1);
  assert_null(g);
  assert_int_equal(err.code, code);
  assert_string_equal(err.file, "t.onnx");
  assert_string_equal(err.node, node_name);
  assert_string_equal(err.msg, msg);
  arena_free(a);
}

/* ---- structure ---- */

static void onnx__loads_conv_relu_model(void **state) {
  (void)state;
  OnnxBuilder *ob = tiny_model();
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  assert_int_equal(g->opset, 13);
  assert_string_equal(g->producer_name, "blobc-onnx-build");
  assert_string_equal(g->source, "t.onnx");
  assert_int_equal(g->n_inputs, 1);
  const IrTensor *x = &g->tensors[g->inputs[0]];
  assert_string_equal(x->name, "x");
  assert_int_equal(x->dtype, DT_F32);
  assert_int_equal(x->rank, 4);
  assert_int_equal(x->dims[1], 3);
  assert_true(x->is_input);
  assert_null(x->data);
  assert_int_equal(g->n_outputs, 1);
  assert_string_equal(g->tensors[g->outputs[0]].name, "y");
  assert_int_equal(g->n_nodes, 2);
  const IrNode *c = &g->nodes[0], *r = &g->nodes[1];
  assert_int_equal(c->op, IR_OP_CONV);
  assert_string_equal(c->op_type, "Conv");
  assert_string_equal(c->domain, "");
  assert_string_equal(c->name, "conv1");
  assert_int_equal(c->n_inputs, 3);
  assert_int_equal(r->op, IR_OP_RELU);
  assert_int_equal(r->inputs[0], c->outputs[0]);
  int64_t ks[4] = {0};
  assert_int_equal(ir_attr_ints(c, "kernel_shape", ks, 4), 2);
  assert_int_equal(ks[0], 3);
  const IrTensor *w = &g->tensors[tensor(g, "w")];
  assert_true(ir_is_const(g, tensor(g, "w")));
  assert_int_equal(w->nbytes, 108 * 4);
  assert_float_equal(ir_const_f64(w, 107), 1.07, 1e-6);
  assert_false(w->is_input);
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__nodes_are_topologically_sorted(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("order", 13);
  ob_input(ob, "x", OB_FLOAT, 1, (int64_t[]){4});
  ob_node(ob, "Relu", "second", 1, (const char *[]){"a"}, 1, (const char *[]){"y"});
  ob_node(ob, "Relu", "first", 1, (const char *[]){"x"}, 1, (const char *[]){"a"});
  ob_output(ob, "y", OB_FLOAT, 1, (int64_t[]){4});
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  assert_string_equal(g->nodes[0].name, "first");
  assert_string_equal(g->nodes[1].name, "second");
  assert_int_equal(g->tensors[tensor(g, "a")].producer, 0);
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__unnamed_nodes_get_synthesised_names(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("names", 13);
  ob_input(ob, "x", OB_FLOAT, 1, (int64_t[]){4});
  ob_node(ob, "Relu", NULL, 1, (const char *[]){"x"}, 1, (const char *[]){"y"});
  ob_output(ob, "y", OB_FLOAT, 1, (int64_t[]){4});
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  assert_string_equal(g->nodes[0].name, "Relu_0");
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__initializer_listed_as_input_is_not_a_graph_input(void **state) {
  (void)state;
  OnnxBuilder *ob = tiny_model();
  ob_input(ob, "w", OB_FLOAT, 4, (int64_t[]){4, 3, 3, 3}); /* old exporters do this */
  ob_input(ob, "b", OB_FLOAT, 1, (int64_t[]){4});
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  assert_int_equal(g->n_inputs, 1);
  assert_false(g->tensors[tensor(g, "w")].is_input);
  assert_true(ir_is_const(g, tensor(g, "b")));
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__dim_param_is_kept(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("sym", 13);
  ob_input_sym(ob, "x", OB_FLOAT, 4, (int64_t[]){0, 3, -1, 224},
               (const char *const[]){"batch", NULL, NULL, NULL});
  ob_node(ob, "Relu", "r", 1, (const char *[]){"x"}, 1, (const char *[]){"y"});
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  const IrTensor *x = &g->tensors[tensor(g, "x")];
  assert_int_equal(x->rank, 4);
  assert_int_equal(x->dims[0], -1);
  assert_string_equal(x->dim_names[0], "batch");
  assert_int_equal(x->dims[1], 3);
  assert_null(x->dim_names[1]);
  assert_int_equal(x->dims[2], -1); /* no value, no param */
  assert_null(x->dim_names[2]);
  assert_int_equal(x->dims[3], 224);
  assert_int_equal(g->tensors[tensor(g, "y")].rank, -1);
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__empty_input_name_is_an_absent_input(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("resize", 13);
  ob_input(ob, "x", OB_FLOAT, 4, (int64_t[]){1, 1, 2, 2});
  ob_init_f32(ob, "scales", 1, (int64_t[]){4}, (float[]){1, 1, 2, 2});
  ob_node(ob, "Resize", "up", 3, (const char *[]){"x", "", "scales"}, 1, (const char *[]){"y"});
  ob_attr_string(ob, "mode", "nearest");
  ob_output(ob, "y", OB_FLOAT, 4, (int64_t[]){1, 1, 4, 4});
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  const IrNode *n = &g->nodes[0];
  assert_int_equal(n->op, IR_OP_RESIZE);
  assert_int_equal(n->n_inputs, 3);
  assert_int_equal(n->inputs[1], -1);
  assert_string_equal(ir_attr_str(n, "mode", ""), "nearest");
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__attribute_kinds_are_kept(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("attrs", 13);
  ob_input(ob, "x", OB_FLOAT, 1, (int64_t[]){4});
  ob_node(ob, "Custom", "n", 1, (const char *[]){"x"}, 1, (const char *[]){"y"});
  ob_attr_int(ob, "i", -7);
  ob_attr_float(ob, "f", 0.25f);
  ob_attr_string(ob, "s", "hello");
  ob_attr_ints(ob, "is", 3, (int64_t[]){1, 2, 3});
  ob_attr_floats(ob, "fs", 2, (float[]){1.5f, -2.5f});
  ob_attr_tensor(ob, "t", OB_INT64, 1, (int64_t[]){2}, (int64_t[]){10, 20}, 16);
  ob_attr_graph(ob, "body", "sub");
  ob_output(ob, "y", OB_FLOAT, 1, (int64_t[]){4});
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  const IrNode *n = &g->nodes[0];
  assert_int_equal(n->n_attrs, 7);
  assert_int_equal(ir_attr_int(n, "i", 0), -7);
  assert_float_equal(ir_attr_float(n, "f", 0), 0.25, 0);
  assert_string_equal(ir_attr_str(n, "s", ""), "hello");
  int64_t is[3];
  assert_int_equal(ir_attr_ints(n, "is", is, 3), 3);
  assert_int_equal(is[2], 3);
  const IrAttr *fs = ir_attr(n, "fs");
  assert_int_equal(fs->kind, ATTR_FLOATS);
  assert_int_equal(fs->n, 2);
  assert_float_equal(fs->floats[1], -2.5, 0);
  const IrAttr *t = ir_attr(n, "t");
  assert_int_equal(t->kind, ATTR_TENSOR);
  assert_true(ir_is_const(g, t->tensor));
  assert_int_equal(g->tensors[t->tensor].dtype, DT_I64);
  assert_int_equal(ir_const_i64(&g->tensors[t->tensor], 1), 20);
  assert_int_equal(ir_attr(n, "body")->kind, ATTR_OTHER);
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__unknown_op_is_kept_with_its_op_type(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("unknown", 13);
  ob_input(ob, "x", OB_FLOAT, 1, (int64_t[]){4});
  ob_node(ob, "Sin", "sin", 1, (const char *[]){"x"}, 1, (const char *[]){"a"});
  ob_node(ob, "Relu", "ms_relu", 1, (const char *[]){"a"}, 1, (const char *[]){"b"});
  ob_node_domain(ob, "com.microsoft");
  ob_node(ob, "Relu", "std_relu", 1, (const char *[]){"b"}, 1, (const char *[]){"y"});
  ob_node_domain(ob, "ai.onnx");
  ob_output(ob, "y", OB_FLOAT, 1, (int64_t[]){4});
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  const IrNode *s = &g->nodes[node(g, "sin")];
  assert_int_equal(s->op, IR_OP_UNKNOWN);
  assert_string_equal(s->op_type, "Sin");
  const IrNode *m = &g->nodes[node(g, "ms_relu")];
  assert_int_equal(m->op, IR_OP_UNKNOWN);
  assert_string_equal(m->op_type, "Relu");
  assert_string_equal(m->domain, "com.microsoft");
  const IrNode *r = &g->nodes[node(g, "std_relu")];
  assert_int_equal(r->op, IR_OP_RELU);
  assert_string_equal(r->domain, "");
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__constant_node_variants_become_constants(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("consts", 13);
  ob_node(ob, "Constant", "c_tensor", 0, NULL, 1, (const char *[]){"ct"});
  ob_attr_tensor(ob, "value", OB_FLOAT, 2, (int64_t[]){2, 2}, (float[]){1, 2, 3, 4}, 16);
  ob_node(ob, "Constant", "c_float", 0, NULL, 1, (const char *[]){"cf"});
  ob_attr_float(ob, "value_float", 2.5f);
  ob_node(ob, "Constant", "c_floats", 0, NULL, 1, (const char *[]){"cfs"});
  ob_attr_floats(ob, "value_floats", 3, (float[]){1, 2, 3});
  ob_node(ob, "Constant", "c_int", 0, NULL, 1, (const char *[]){"ci"});
  ob_attr_int(ob, "value_int", -4);
  ob_node(ob, "Constant", "c_ints", 0, NULL, 1, (const char *[]){"cis"});
  ob_attr_ints(ob, "value_ints", 2, (int64_t[]){7, 8});
  const char *outs[5] = {"ct", "cf", "cfs", "ci", "cis"};
  for (int i = 0; i < 5; i++) ob_output(ob, outs[i], OB_FLOAT, -1, NULL);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  for (int i = 0; i < g->n_nodes; i++) {
    assert_int_equal(g->nodes[i].op, IR_OP_CONSTANT);
    assert_true(g->nodes[i].dead);
  }
  const IrTensor *ct = &g->tensors[tensor(g, "ct")];
  assert_int_equal(ct->dtype, DT_F32);
  assert_int_equal(ct->rank, 2);
  assert_float_equal(ir_const_f64(ct, 3), 4.0, 0);
  const IrTensor *cf = &g->tensors[tensor(g, "cf")];
  assert_int_equal(cf->rank, 0);
  assert_float_equal(ir_const_f64(cf, 0), 2.5, 0);
  const IrTensor *cfs = &g->tensors[tensor(g, "cfs")];
  assert_int_equal(cfs->dims[0], 3);
  assert_float_equal(ir_const_f64(cfs, 2), 3.0, 0);
  const IrTensor *ci = &g->tensors[tensor(g, "ci")];
  assert_int_equal(ci->dtype, DT_I64);
  assert_int_equal(ci->rank, 0);
  assert_int_equal(ir_const_i64(ci, 0), -4);
  const IrTensor *cis = &g->tensors[tensor(g, "cis")];
  assert_int_equal(cis->dtype, DT_I64);
  assert_int_equal(ir_const_i64(cis, 1), 8);
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

/* ---- tensor data ---- */

/* One dtype row for the round-trip tests. */
typedef struct {
  int32_t onnx;
  DType dt;
  size_t esz;
} DtRow;

static const DtRow DT_ROWS[] = {
    {OB_FLOAT, DT_F32, 4},  {OB_FLOAT16, DT_F16, 2}, {OB_DOUBLE, DT_F64, 8}, {OB_INT64, DT_I64, 8},
    {OB_INT32, DT_I32, 4},  {OB_INT16, DT_I16, 2},   {OB_INT8, DT_I8, 1},    {OB_UINT8, DT_U8, 1},
    {OB_UINT16, DT_U16, 2}, {OB_UINT32, DT_U32, 4},  {OB_UINT64, DT_U64, 8}, {OB_BOOL, DT_BOOL, 1},
};

static void onnx__raw_data_round_trips_every_dtype(void **state) {
  (void)state;
  for (size_t r = 0; r < sizeof DT_ROWS / sizeof DT_ROWS[0]; r++) {
    uint8_t bytes[6 * 8];
    for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (uint8_t)(i * 37 + r);
    if (DT_ROWS[r].dt == DT_BOOL)
      for (size_t i = 0; i < 6; i++) bytes[i] = (uint8_t)(i & 1);
    OnnxBuilder *ob = ob_new("dt", 13);
    ob_init_raw(ob, "k", DT_ROWS[r].onnx, 2, (int64_t[]){2, 3}, bytes, 6 * DT_ROWS[r].esz);
    ob_output(ob, "k", DT_ROWS[r].onnx, 2, (int64_t[]){2, 3});
    Arena *a = arena_new();
    IrGraph *g = NULL;
    Err err = {0};
    if (load_ob(&g, a, ob, &err) != 0) fail_msg("dtype %s: %s", dtype_name(DT_ROWS[r].dt), err.msg);
    const IrTensor *k = &g->tensors[tensor(g, "k")];
    assert_int_equal(k->dtype, DT_ROWS[r].dt);
    assert_int_equal(k->rank, 2);
    assert_int_equal(k->dims[1], 3);
    assert_int_equal(k->nbytes, 6 * DT_ROWS[r].esz);
    assert_memory_equal(k->data, bytes, k->nbytes);
    assert_true(k->is_output);
    ir_release(g);
    arena_free(a);
    ob_free(ob);
  }
}

static void onnx__bool_raw_data_is_normalised(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bool", 13);
  ob_init_raw(ob, "k", OB_BOOL, 1, (int64_t[]){3}, (uint8_t[]){0, 7, 255}, 3);
  ob_output(ob, "k", OB_BOOL, 1, (int64_t[]){3});
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  assert_memory_equal(g->tensors[tensor(g, "k")].data, ((uint8_t[]){0, 1, 1}), 3);
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

/* Loads ob and returns constant k's element i as double (the graph is freed). */
static void check_typed(OnnxBuilder *ob, DType dt, const double *want, int n) {
  ob_output(ob, "k", OB_FLOAT, -1, NULL);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  if (load_ob(&g, a, ob, &err) != 0) fail_msg("dtype %s: %s", dtype_name(dt), err.msg);
  const IrTensor *k = &g->tensors[tensor(g, "k")];
  assert_int_equal(k->dtype, dt);
  assert_int_equal(k->nbytes, (size_t)n * dtype_size(dt));
  for (int i = 0; i < n; i++)
    if (ir_const_f64(k, i) != want[i])
      fail_msg("dtype %s element %d: %g, want %g", dtype_name(dt), i, ir_const_f64(k, i), want[i]);
  assert_null(g->keepalive); /* typed fields are always copied */
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__typed_fields_round_trip_every_dtype(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("t", 13);
  ob_tensor_set_float_data(ob_init_empty(ob, "k", OB_FLOAT, 1, (int64_t[]){3}),
                           (float[]){1.5f, -2, 3}, 3);
  check_typed(ob, DT_F32, (double[]){1.5, -2, 3}, 3);
  ob = ob_new("t", 13);
  ob_tensor_set_double_data(ob_init_empty(ob, "k", OB_DOUBLE, 1, (int64_t[]){2}),
                            (double[]){0.125, -1e300}, 2);
  check_typed(ob, DT_F64, (double[]){0.125, -1e300}, 2);
  ob = ob_new("t", 13);
  ob_tensor_set_int64_data(ob_init_empty(ob, "k", OB_INT64, 1, (int64_t[]){2}),
                           (int64_t[]){-5, 1ll << 40}, 2);
  check_typed(ob, DT_I64, (double[]){-5, (double)(1ll << 40)}, 2);
  ob = ob_new("t", 13);
  ob_tensor_set_uint64_data(ob_init_empty(ob, "k", OB_UINT64, 1, (int64_t[]){2}),
                            (uint64_t[]){7, 1ull << 50}, 2);
  check_typed(ob, DT_U64, (double[]){7, (double)(1ull << 50)}, 2);
  ob = ob_new("t", 13);
  ob_tensor_set_uint64_data(ob_init_empty(ob, "k", OB_UINT32, 1, (int64_t[]){2}),
                            (uint64_t[]){7, 4000000000ull}, 2);
  check_typed(ob, DT_U32, (double[]){7, 4000000000.0}, 2);
  /* int32_data carries int32, int16, int8, uint16, uint8, bool and float16 bits */
  static const struct {
    int32_t onnx;
    DType dt;
    int32_t in[3];
    double want[3];
  } I32[] = {
      {OB_INT32, DT_I32, {-100000, 0, 2147483647}, {-100000, 0, 2147483647}},
      {OB_INT16, DT_I16, {-300, 0, 32767}, {-300, 0, 32767}},
      {OB_INT8, DT_I8, {-128, 5, 127}, {-128, 5, 127}},
      {OB_UINT16, DT_U16, {0, 1, 65535}, {0, 1, 65535}},
      {OB_UINT8, DT_U8, {0, 200, 255}, {0, 200, 255}},
      {OB_BOOL, DT_BOOL, {0, 1, 1}, {0, 1, 1}},
      {OB_FLOAT16, DT_F16, {0x3e00, 0xc000, 0x7bff}, {1.5, -2, 65504}},
  };
  for (size_t i = 0; i < sizeof I32 / sizeof I32[0]; i++) {
    ob = ob_new("t", 13);
    ob_tensor_set_int32_data(ob_init_empty(ob, "k", I32[i].onnx, 1, (int64_t[]){3}), I32[i].in, 3);
    check_typed(ob, I32[i].dt, I32[i].want, 3);
  }
}

static void onnx__float16_initializer_keeps_its_bits(void **state) {
  (void)state;
  uint16_t h[4] = {fp16_from_f32(1.5f), fp16_from_f32(-0.099975586f), 0x7bff, 0x0001};
  OnnxBuilder *ob = ob_new("f16", 13);
  ob_init_raw(ob, "k", OB_FLOAT16, 1, (int64_t[]){4}, h, sizeof h);
  ob_output(ob, "k", OB_FLOAT16, 1, (int64_t[]){4});
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  const IrTensor *k = &g->tensors[tensor(g, "k")];
  assert_int_equal(k->dtype, DT_F16);
  assert_memory_equal(k->data, h, sizeof h);
  assert_float_equal(ir_const_f64(k, 0), 1.5, 0);
  assert_float_equal(ir_const_f64(k, 2), 65504.0, 0);
  assert_float_equal(ir_const_f64(k, 3), 5.960464477539063e-08, 1e-20);
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__bfloat16_is_widened_to_f32(void **state) {
  (void)state;
  uint16_t bf[2] = {0x3fc0, 0xc000}; /* 1.5, -2 */
  OnnxBuilder *ob = ob_new("bf16", 13);
  ob_init_raw(ob, "k", OB_BFLOAT16, 1, (int64_t[]){2}, bf, sizeof bf);
  ob_output(ob, "k", OB_FLOAT, -1, NULL);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  const IrTensor *k = &g->tensors[tensor(g, "k")];
  assert_int_equal(k->dtype, DT_F32);
  assert_float_equal(ir_const_f64(k, 0), 1.5, 0);
  assert_float_equal(ir_const_f64(k, 1), -2.0, 0);
  ir_release(g);
  arena_free(a);
  ob_free(ob);
}

static void onnx__raw_data_is_not_copied(void **state) {
  (void)state;
  OnnxBuilder *ob = tiny_model();
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), 0);
  assert_non_null(g->keepalive);
  assert_non_null(g->keepalive_free);
  const Onnx__ModelProto *m = g->keepalive;
  const Onnx__TensorProto *w = m->graph->initializer[0];
  assert_string_equal(w->name, "w");
  assert_ptr_equal(g->tensors[tensor(g, "w")].data, w->raw_data.data);
  ir_release(g);
  assert_null(g->keepalive);
  ir_release(g); /* twice is harmless */
  arena_free(a);
  ob_free(ob);
}

static void onnx__raw_data_size_mismatch_names_the_tensor(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bad", 13);
  uint8_t junk[100] = {0};
  ob_init_raw(ob, "conv1.weight", OB_FLOAT, 4, (int64_t[]){64, 3, 7, 7}, junk, sizeof junk);
  expect_error(ob, ERR_PARSE, "",
               "tensor 'conv1.weight': raw_data has 100 bytes, shape 64x3x7x7 of f32 needs 37632");
  ob_free(ob);
}

static void onnx__typed_field_count_mismatch_names_the_tensor(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_tensor_set_float_data(ob_init_empty(ob, "k", OB_FLOAT, 2, (int64_t[]){2, 2}),
                           (float[]){1, 2, 3}, 3);
  expect_error(ob, ERR_PARSE, "", "tensor 'k': float_data has 3 values, shape 2x2 of f32 needs 4");
  ob_free(ob);
}

static void onnx__negative_dim_is_an_error(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_init_raw(ob, "k", OB_FLOAT, 2, (int64_t[]){2, -3}, NULL, 0);
  expect_error(ob, ERR_PARSE, "", "tensor 'k': dimension 1 is -3");
  ob_free(ob);
}

static void onnx__numel_overflow_is_an_error(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_init_raw(ob, "k", OB_FLOAT, 3, (int64_t[]){1ll << 40, 1ll << 20, 1ll << 10}, NULL, 0);
  expect_error(ob, ERR_PARSE, "",
               "tensor 'k': shape 1099511627776x1048576x1024 has too many elements");
  ob_free(ob);
  ob = ob_new("bad", 13);
  ob_init_raw(ob, "k", OB_DOUBLE, 2, (int64_t[]){1ll << 31, 1ll << 31}, NULL, 0);
  expect_error(ob, ERR_PARSE, "", "tensor 'k': shape 2147483648x2147483648 is too large");
  ob_free(ob);
}

static void onnx__too_many_dims_is_an_error(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_init_raw(ob, "k", OB_FLOAT, 9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, (float[]){1}, 4);
  expect_error(ob, ERR_PARSE, "", "tensor 'k' has 9 dimensions, at most 8 are supported");
  ob_free(ob);
}

static void onnx__unsupported_dtype_is_an_error(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_init_raw(ob, "k", 14 /* COMPLEX64 */, 1, (int64_t[]){1}, (float[]){1, 2}, 8);
  expect_error(ob, ERR_PARSE, "", "tensor 'k': data type 14 is not supported");
  ob_free(ob);
}

/* ---- graph errors ---- */

static void onnx__missing_tensor_names_node_and_tensor(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_input(ob, "x", OB_FLOAT, 1, (int64_t[]){4});
  ob_node(ob, "Add", "add1", 2, (const char *[]){"x", "nope"}, 1, (const char *[]){"y"});
  ob_output(ob, "y", OB_FLOAT, 1, (int64_t[]){4});
  expect_error(ob, ERR_PARSE, "add1",
               "input 'nope' is not a graph input, an initializer or a node output");
  ob_free(ob);
}

static void onnx__missing_graph_output_is_an_error(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_input(ob, "x", OB_FLOAT, 1, (int64_t[]){4});
  ob_output(ob, "z", OB_FLOAT, 1, (int64_t[]){4});
  expect_error(ob, ERR_PARSE, "",
               "graph output 'z' is not a graph input, an initializer or a node output");
  ob_free(ob);
}

static void onnx__tensor_defined_twice_is_an_error(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_input(ob, "x", OB_FLOAT, 1, (int64_t[]){4});
  ob_node(ob, "Relu", "r1", 1, (const char *[]){"x"}, 1, (const char *[]){"y"});
  ob_node(ob, "Relu", "r2", 1, (const char *[]){"x"}, 1, (const char *[]){"y"});
  ob_output(ob, "y", OB_FLOAT, 1, (int64_t[]){4});
  expect_error(ob, ERR_PARSE, "r2", "tensor 'y' is defined twice");
  ob_free(ob);
}

static void onnx__cycle_is_an_error(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_node(ob, "Relu", "r1", 1, (const char *[]){"b"}, 1, (const char *[]){"a"});
  ob_node(ob, "Relu", "r2", 1, (const char *[]){"a"}, 1, (const char *[]){"b"});
  ob_output(ob, "b", OB_FLOAT, 1, (int64_t[]){4});
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_ob(&g, a, ob, &err), -1);
  assert_int_equal(err.code, ERR_PARSE);
  assert_non_null(strstr(err.msg, "cycle"));
  arena_free(a);
  ob_free(ob);
}

static void onnx__missing_file_is_an_io_error(void **state) {
  (void)state;
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(fe_onnx_load(&g, a, "/nonexistent/model.onnx", &err), -1);
  assert_int_equal(err.code, ERR_IO);
  assert_string_equal(err.file, "/nonexistent/model.onnx");
  arena_free(a);
}

static void onnx__garbage_is_a_parse_error(void **state) {
  (void)state;
  static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02};
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(fe_onnx_load_mem(&g, a, junk, sizeof junk, "junk.onnx", &err), -1);
  assert_int_equal(err.code, ERR_PARSE);
  assert_string_equal(err.msg, "not an ONNX model (protobuf decoding failed)");
  /* an empty buffer is a valid empty message, but has no graph */
  assert_int_equal(fe_onnx_load_mem(&g, a, junk, 0, "empty.onnx", &err), -1);
  assert_string_equal(err.msg, "model has no graph");
  arena_free(a);
}

/* Appends a protobuf length-delimited field (number fn) holding body to out. */
static void wrap(Buf *out, unsigned fn, const Buf *body) {
  uint8_t tmp[16];
  size_t n = 0;
  uint64_t v = (uint64_t)fn << 3 | 2;
  do {
    tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  v = body->len;
  do {
    tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  buf_put(out, tmp, n);
  buf_put(out, body->data, body->len);
}

static void onnx__deep_nesting_is_rejected(void **state) {
  (void)state;
  /* graph { node { attribute { g: graph { node { ... } } } } }, 200 times */
  Buf cur = BUF_INIT;
  for (int i = 0; i < 200; i++) {
    Buf attr = BUF_INIT, nodeb = BUF_INIT, graph = BUF_INIT;
    wrap(&attr, 6, &cur);    /* AttributeProto.g */
    wrap(&nodeb, 5, &attr);  /* NodeProto.attribute */
    wrap(&graph, 1, &nodeb); /* GraphProto.node */
    buf_free(&cur);
    buf_free(&attr);
    buf_free(&nodeb);
    cur = graph;
  }
  Buf model = BUF_INIT;
  wrap(&model, 7, &cur); /* ModelProto.graph */
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(fe_onnx_load_mem(&g, a, model.data, model.len, "deep.onnx", &err), -1);
  assert_int_equal(err.code, ERR_PARSE);
  assert_string_equal(err.msg, "messages are nested deeper than 48 levels");
  arena_free(a);
  buf_free(&cur);
  buf_free(&model);
}

/* A model exercising most decoder paths, for the truncation/mutation tests. */
static OnnxBuilder *rich_model(void) {
  OnnxBuilder *ob = tiny_model();
  ob_node(ob, "Constant", "k", 0, NULL, 1, (const char *[]){"kc"});
  ob_attr_ints(ob, "value_ints", 2, (int64_t[]){1, -1});
  ob_node(ob, "Reshape", "reshape", 2, (const char *[]){"y", "kc"}, 1, (const char *[]){"z"});
  ob_tensor_set_int32_data(ob_init_empty(ob, "i8", OB_INT8, 1, (int64_t[]){2}), (int32_t[]){-1, 1},
                           2);
  ob_node(ob, "Sin", NULL, 1, (const char *[]){"z"}, 1, (const char *[]){"s"});
  ob_attr_string(ob, "note", "x");
  ob_output(ob, "s", OB_FLOAT, 2, (int64_t[]){1, -1});
  return ob;
}

static void onnx__every_truncated_prefix_is_handled(void **state) {
  (void)state;
  OnnxBuilder *ob = rich_model();
  uint8_t *buf = NULL;
  size_t len = 0;
  ob_pack(ob, &buf, &len);
  int ok = 0, bad = 0;
  for (size_t n = 0; n <= len; n++) {
    uint8_t *copy = malloc(n ? n : 1); /* exact-size copy so ASan sees any over-read */
    memcpy(copy, buf, n);
    Arena *a = arena_new();
    IrGraph *g = NULL;
    Err err = {0};
    int rc = fe_onnx_load_mem(&g, a, copy, n, "trunc.onnx", &err);
    assert_true(rc == 0 || rc == -1);
    if (rc == 0)
      ok++;
    else {
      bad++;
      assert_true(err.code == ERR_PARSE);
      assert_true(err.msg[0] != 0);
    }
    ir_release(g);
    arena_free(a);
    free(copy);
  }
  assert_int_equal(ok + bad, (int)len + 1);
  assert_true(ok >= 1); /* the full model */
  free(buf);
  ob_free(ob);
}

static void onnx__every_flipped_byte_is_handled(void **state) {
  (void)state;
  OnnxBuilder *ob = rich_model();
  uint8_t *buf = NULL;
  size_t len = 0;
  ob_pack(ob, &buf, &len);
  static const uint8_t masks[] = {0xff, 0x80, 0x01, 0x7f};
  for (size_t m = 0; m < sizeof masks; m++)
    for (size_t i = 0; i < len; i++) {
      uint8_t *copy = malloc(len);
      memcpy(copy, buf, len);
      copy[i] ^= masks[m];
      Arena *a = arena_new();
      IrGraph *g = NULL;
      Err err = {0};
      int rc = fe_onnx_load_mem(&g, a, copy, len, "flip.onnx", &err);
      assert_true(rc == 0 || rc == -1);
      ir_release(g);
      arena_free(a);
      free(copy);
    }
  free(buf);
  ob_free(ob);
}

/* ---- external data ---- */

/* A model whose initializer w (4x4 f32, values 0..15) lives in data_file; saved under
 * dir/sub/m.onnx. Returns the model path (static buffer of the caller). */
static void save_external(char *path, size_t size, const char *dir, const char *data_file) {
  Err err = {0};
  char sub[2048];
  snprintf(sub, sizeof sub, "%s/sub", dir);
  assert_int_equal(io_mkdirs(sub, &err), 0);
  snprintf(path, size, "%.2048s/m.onnx", sub);
  float w[16];
  for (int i = 0; i < 16; i++) w[i] = (float)i;
  OnnxBuilder *ob = ob_new("ext", 13);
  ob_input(ob, "x", OB_FLOAT, 2, (int64_t[]){4, 4});
  ob_init_f32_external(ob, "w", 2, (int64_t[]){4, 4}, w, data_file);
  ob_node(ob, "Add", "add", 2, (const char *[]){"x", "w"}, 1, (const char *[]){"y"});
  ob_output(ob, "y", OB_FLOAT, 2, (int64_t[]){4, 4});
  assert_int_equal(ob_save(ob, path, &err), 0);
  ob_free(ob);
}

/* Loads path expecting failure with code and message; node is "". */
static void expect_file_error(const char *path, ErrCode code, const char *msg) {
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(fe_onnx_load(&g, a, path, &err), -1);
  assert_int_equal(err.code, code);
  assert_string_equal(err.file, path);
  assert_string_equal(err.msg, msg);
  arena_free(a);
}

static void onnx__external_data_loads(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), path[4096];
  save_external(path, sizeof path, dir, "w.bin");
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(fe_onnx_load(&g, a, path, &err), 0);
  const IrTensor *w = &g->tensors[tensor(g, "w")];
  assert_int_equal(w->dtype, DT_F32);
  assert_int_equal(w->nbytes, 64);
  assert_float_equal(ir_const_f64(w, 15), 15.0, 0);
  assert_int_equal(g->n_inputs, 1);
  ir_release(g);
  arena_free(a);
  tu_rmrf(dir);
  free(dir);
}

static void onnx__external_data_missing_file_is_an_error(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), path[4096], bin[4200];
  save_external(path, sizeof path, dir, "w.bin");
  snprintf(bin, sizeof bin, "%s/sub/w.bin", dir);
  assert_int_equal(unlink(bin), 0);
  expect_file_error(
      path, ERR_IO,
      "tensor 'w': cannot open external data file 'w.bin': No such file or directory");
  tu_rmrf(dir);
  free(dir);
}

static void onnx__external_data_rejects_parent_path(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), path[4096];
  save_external(path, sizeof path, dir, "../w.bin"); /* the file exists, one folder up */
  expect_file_error(path, ERR_PARSE,
                    "tensor 'w': external data location '../w.bin' must be a relative path inside "
                    "the model folder");
  tu_rmrf(dir);
  free(dir);
}

static void onnx__external_data_rejects_absolute_path(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("ext", 13);
  ob_init_f32_external(ob, "w", 1, (int64_t[]){4}, (float[]){1, 2, 3, 4}, "w.bin");
  Onnx__TensorProto *t = ob_model(ob)->graph->initializer[0];
  free(t->external_data[0]->value);
  t->external_data[0]->value = strdup("/etc/passwd");
  expect_error(ob, ERR_PARSE, "",
               "tensor 'w': external data location '/etc/passwd' must be a relative path inside "
               "the model folder");
  ob_free(ob);
}

static void onnx__external_data_length_beyond_file_is_an_error(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), path[4096], bin[4200];
  save_external(path, sizeof path, dir, "w.bin");
  snprintf(bin, sizeof bin, "%s/sub/w.bin", dir);
  assert_int_equal(truncate(bin, 32), 0);
  expect_file_error(path, ERR_PARSE,
                    "tensor 'w': external data offset 0 + length 64 exceeds 'w.bin' of 32 bytes");
  tu_rmrf(dir);
  free(dir);
}

static void onnx__external_data_length_must_match_shape(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), sub[4096], path[4200], bin[4200];
  snprintf(sub, sizeof sub, "%s/sub", dir);
  Err err = {0};
  assert_int_equal(io_mkdirs(sub, &err), 0);
  snprintf(path, sizeof path, "%s/m.onnx", sub);
  snprintf(bin, sizeof bin, "%s/w.bin", sub);
  OnnxBuilder *ob = ob_new("ext", 13);
  ob_init_f32_external(ob, "w", 2, (int64_t[]){4, 4}, (float[16]){0}, "w.bin");
  Onnx__TensorProto *t = ob_model(ob)->graph->initializer[0];
  free(t->external_data[2]->value); /* location, offset, length */
  t->external_data[2]->value = strdup("16");
  ob_output(ob, "w", OB_FLOAT, -1, NULL);
  assert_int_equal(ob_save(ob, path, &err), 0);
  expect_file_error(path, ERR_PARSE,
                    "tensor 'w': external data has 16 bytes, shape 4x4 of f32 needs 64");
  ob_free(ob);
  tu_rmrf(dir);
  free(dir);
}

static void onnx__external_data_from_memory_is_refused(void **state) {
  (void)state;
  OnnxBuilder *ob = ob_new("ext", 13);
  ob_init_f32_external(ob, "w", 1, (int64_t[]){4}, (float[]){1, 2, 3, 4}, "w.bin");
  uint8_t *buf = NULL;
  size_t len = 0;
  ob_pack(ob, &buf, &len);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(fe_onnx_load_mem(&g, a, buf, len, NULL, &err), -1);
  assert_string_equal(err.file, "<memory>");
  assert_string_equal(err.msg, "tensor 'w': external data needs the model's folder");
  arena_free(a);
  free(buf);
  ob_free(ob);
}

/* ---- builder ---- */

static void onnx__builder_output_is_deterministic(void **state) {
  (void)state;
  OnnxBuilder *x = rich_model(), *y = rich_model();
  uint8_t *bx = NULL, *by = NULL;
  size_t lx = 0, ly = 0;
  ob_pack(x, &bx, &lx);
  ob_pack(y, &by, &ly);
  assert_int_equal(lx, ly);
  assert_memory_equal(bx, by, lx);
  assert_int_equal(ob_num_params(x), 108 + 4 + 2);
  free(bx);
  free(by);
  ob_free(x);
  ob_free(y);
  ObRng r1, r2, r3;
  ob_rng_seed(&r1, 42);
  ob_rng_seed(&r2, 42);
  ob_rng_seed(&r3, 43);
  uint64_t v1 = ob_rng_next(&r1);
  assert_int_equal(v1, ob_rng_next(&r2));
  assert_int_not_equal(v1, ob_rng_next(&r3));
  for (int i = 0; i < 1000; i++) {
    float u = ob_rng_uniform(&r1);
    assert_true(u >= 0.0f && u < 1.0f);
  }
}

/* ---- shared data and the demo zoo ---- */

/* Loads path; fails the test with the error line when it does not load. */
static void must_load(const char *path) {
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  char line[1024];
  if (fe_onnx_load(&g, a, path, &err) != 0) fail_msg("%s", err_line(&err, line, sizeof line));
  assert_true(g->n_nodes > 0);
  ir_release(g);
  arena_free(a);
}

static void onnx__shared_onnx_node_models_load(void **state) {
  (void)state;
  const char *root = tu_shared_data();
  char dir[4096];
  if (!root) skip();
  snprintf(dir, sizeof dir, "%s/onnx-node", root);
  DIR *d = opendir(dir);
  if (!d) skip();
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[8300];
    snprintf(path, sizeof path, "%s/%s/model.onnx", dir, e->d_name);
    if (!io_exists(path)) continue;
    must_load(path);
    count++;
  }
  closedir(d);
  printf("onnx-node: %d models loaded\n", count);
  assert_true(count > 0);
}

static void onnx__shared_light_models_load(void **state) {
  (void)state;
  const char *root = tu_shared_data();
  char dir[4096];
  if (!root) skip();
  snprintf(dir, sizeof dir, "%s/real-models/onnx-light", root);
  DIR *d = opendir(dir);
  if (!d) skip();
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 5, ".onnx") != 0) continue;
    char path[8300];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    must_load(path);
    count++;
  }
  closedir(d);
  printf("onnx-light: %d models loaded\n", count);
  assert_true(count > 0);
}

/* Number of live nodes of op in g. */
static int count_op(const IrGraph *g, IrOp op, const char *op_type) {
  int c = 0;
  for (int i = 0; i < g->n_nodes; i++)
    c += g->nodes[i].op == op && (!op_type || strcmp(g->nodes[i].op_type, op_type) == 0);
  return c;
}

static void onnx__demo_zoo_models_load(void **state) {
  (void)state;
  char path[4096];
  snprintf(path, sizeof path, "%s/tiny_relu.onnx", tu_demo_zoo());
  if (!io_exists(path)) skip();
  static const struct {
    const char *file;
    int inputs, outputs;
    IrOp op;
    const char *op_type;
  } Z[] = {
      {"mobilenet_v2.onnx", 1, 1, IR_OP_SHAPE, NULL},
      {"resnet18.onnx", 1, 1, IR_OP_BATCH_NORM, NULL},
      {"yolo_tiny.onnx", 1, 2, IR_OP_RESIZE, NULL},
      {"unsupported_op.onnx", 1, 1, IR_OP_UNKNOWN, "Sin"},
      {"int64_input.onnx", 2, 1, IR_OP_CAST, NULL},
      {"tiny_relu.onnx", 1, 1, IR_OP_RELU, NULL},
  };
  for (size_t i = 0; i < sizeof Z / sizeof Z[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", tu_demo_zoo(), Z[i].file);
    Arena *a = arena_new();
    IrGraph *g = NULL;
    Err err = {0};
    char line[1024];
    if (fe_onnx_load(&g, a, path, &err) != 0) fail_msg("%s", err_line(&err, line, sizeof line));
    assert_int_equal(g->n_inputs, Z[i].inputs);
    assert_int_equal(g->n_outputs, Z[i].outputs);
    if (count_op(g, Z[i].op, Z[i].op_type) < 1)
      fail_msg("%s: no %s node", Z[i].file, ir_op_name(Z[i].op));
    ir_release(g);
    arena_free(a);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(onnx__loads_conv_relu_model),
      cmocka_unit_test(onnx__nodes_are_topologically_sorted),
      cmocka_unit_test(onnx__unnamed_nodes_get_synthesised_names),
      cmocka_unit_test(onnx__initializer_listed_as_input_is_not_a_graph_input),
      cmocka_unit_test(onnx__dim_param_is_kept),
      cmocka_unit_test(onnx__empty_input_name_is_an_absent_input),
      cmocka_unit_test(onnx__attribute_kinds_are_kept),
      cmocka_unit_test(onnx__unknown_op_is_kept_with_its_op_type),
      cmocka_unit_test(onnx__constant_node_variants_become_constants),
      cmocka_unit_test(onnx__raw_data_round_trips_every_dtype),
      cmocka_unit_test(onnx__bool_raw_data_is_normalised),
      cmocka_unit_test(onnx__typed_fields_round_trip_every_dtype),
      cmocka_unit_test(onnx__float16_initializer_keeps_its_bits),
      cmocka_unit_test(onnx__bfloat16_is_widened_to_f32),
      cmocka_unit_test(onnx__raw_data_is_not_copied),
      cmocka_unit_test(onnx__raw_data_size_mismatch_names_the_tensor),
      cmocka_unit_test(onnx__typed_field_count_mismatch_names_the_tensor),
      cmocka_unit_test(onnx__negative_dim_is_an_error),
      cmocka_unit_test(onnx__numel_overflow_is_an_error),
      cmocka_unit_test(onnx__too_many_dims_is_an_error),
      cmocka_unit_test(onnx__unsupported_dtype_is_an_error),
      cmocka_unit_test(onnx__missing_tensor_names_node_and_tensor),
      cmocka_unit_test(onnx__missing_graph_output_is_an_error),
      cmocka_unit_test(onnx__tensor_defined_twice_is_an_error),
      cmocka_unit_test(onnx__cycle_is_an_error),
      cmocka_unit_test(onnx__missing_file_is_an_io_error),
      cmocka_unit_test(onnx__garbage_is_a_parse_error),
      cmocka_unit_test(onnx__deep_nesting_is_rejected),
      cmocka_unit_test(onnx__every_truncated_prefix_is_handled),
      cmocka_unit_test(onnx__every_flipped_byte_is_handled),
      cmocka_unit_test(onnx__external_data_loads),
      cmocka_unit_test(onnx__external_data_missing_file_is_an_error),
      cmocka_unit_test(onnx__external_data_rejects_parent_path),
      cmocka_unit_test(onnx__external_data_rejects_absolute_path),
      cmocka_unit_test(onnx__external_data_length_beyond_file_is_an_error),
      cmocka_unit_test(onnx__external_data_length_must_match_shape),
      cmocka_unit_test(onnx__external_data_from_memory_is_refused),
      cmocka_unit_test(onnx__builder_output_is_deterministic),
      cmocka_unit_test(onnx__shared_onnx_node_models_load),
      cmocka_unit_test(onnx__shared_light_models_load),
      cmocka_unit_test(onnx__demo_zoo_models_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
