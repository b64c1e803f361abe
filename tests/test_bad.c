/*
 * tests/test_bad.c — the bad-input catalogue (tests/bad/README.md): hostile manifests, ONNX
 * models, blobs and output folders, each run through the real binary ($BLOBC) as a user would.
 *
 * Each case gets its own folder P/case/ with the inputs in in/ and the output folder out/. The
 * command runs under `timeout 20` and (for non-sanitizer builds) `ulimit -v` 2 GiB. Checked:
 *   - the exit code (never >= 124: timeout, signal, sanitizer abort; except 130/143 for the
 *     cases that stop a run with SIGINT/SIGTERM, which also check the 'interrupted' lines);
 *   - one output line matches the expected extended regex (file, model, node named);
 *   - nothing was created, changed or removed outside out/ (the whole of P is listed with sizes
 *     before and after), and no temporary file (*.tmp.*) is left anywhere.
 * Manifest cases are files tests/bad/manifest/<name>.yaml whose first line is
 *   # expect <rc> <regex>
 * Binary cases are generated here with the ONNX builder or by mutating a blob we compiled.
 */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/backend/blob_format.h"
#include "compiler/compile.h"
#include "tests/support/onnx_build.h"
#include "compiler/ref/tensor_io.h"
#include "hwblob.h"
#include "testutil.h"

#define S(...) ((const char *[]){__VA_ARGS__})
#define D(...) ((int64_t[]){__VA_ARGS__})

/* ---- helpers -------------------------------------------------------------------------------- */

static bool g_ulimit = true; /* false when the binary cannot run under ulimit -v (ASan) */
static const char *g_bad_dir = "tests/bad";

static void write_bytes(const char *dir, const char *file, const void *data, size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  if (len) assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

static void write_text(const char *dir, const char *file, const char *text) {
  write_bytes(dir, file, text, strlen(text));
}

/* A manifest zoo.yaml with one model 'm' whose source is m.onnx. */
static void write_zoo(const char *dir) {
  write_text(dir, "zoo.yaml", "version: 1\nmodels:\n  - name: m\n    source: m.onnx\n");
}

/* Saves ob as dir/m.onnx plus zoo.yaml, frees ob. */
static void save_model(OnnxBuilder *ob, const char *dir) {
  uint8_t *bytes = NULL;
  size_t len = 0;
  ob_pack(ob, &bytes, &len);
  write_bytes(dir, "m.onnx", bytes, len);
  free(bytes);
  ob_free(ob);
  write_zoo(dir);
}

/* x: f32 1x3x8x8 -> (node) -> y, the usual frame of a one-node model. */
static OnnxBuilder *frame(void) {
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_input(ob, "x", OB_FLOAT, 4, D(1, 3, 8, 8));
  return ob;
}

static void add_f32(OnnxBuilder *ob, const char *name, int rank, const int64_t *dims) {
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
  float *v = calloc(n ? n : 1, sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = (float)(i % 7) * 0.25f - 0.5f;
  ob_init_f32(ob, name, rank, dims, v);
  free(v);
}

/* A valid tiny model (Conv 3->4 + Relu) in memory. */
static OnnxBuilder *tiny(void) {
  OnnxBuilder *ob = frame();
  add_f32(ob, "w", 4, D(4, 3, 3, 3));
  ob_node(ob, "Conv", "conv1", 2, S("x", "w"), 1, S("c"));
  ob_attr_ints(ob, "pads", 4, D(1, 1, 1, 1));
  ob_node(ob, "Relu", "relu1", 1, S("c"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 4, 8, 8));
  return ob;
}

/* ---- ONNX generators ------------------------------------------------------------------------ */

static void g_onnx_empty(const char *d) { write_bytes(d, "m.onnx", "", 0), write_zoo(d); }

static void g_onnx_garbage(const char *d) {
  uint8_t b[4096];
  uint64_t s = 0x9e3779b97f4a7c15u;
  for (size_t i = 0; i < sizeof b; i++) s = s * 6364136223846793005u + 1, b[i] = (uint8_t)(s >> 56);
  write_bytes(d, "m.onnx", b, sizeof b);
  write_zoo(d);
}

static void g_onnx_text(const char *d) {
  write_text(d, "m.onnx", "PK\003\004 this is a zip, not a model\n");
  write_zoo(d);
}

static void g_onnx_truncated(const char *d) {
  uint8_t *b = NULL;
  size_t n = 0;
  OnnxBuilder *ob = tiny();
  ob_pack(ob, &b, &n);
  write_bytes(d, "m.onnx", b, n / 2);
  free(b);
  ob_free(ob);
  write_zoo(d);
}

static void g_onnx_no_graph(const char *d) {
  OnnxBuilder *ob = tiny();
  Onnx__ModelProto *m = ob_model(ob);
  uint8_t *b = NULL;
  size_t n = 0;
  Onnx__GraphProto *g = m->graph;
  m->graph = NULL;
  ob_pack(ob, &b, &n);
  m->graph = g;
  write_bytes(d, "m.onnx", b, n);
  free(b);
  ob_free(ob);
  write_zoo(d);
}

static void g_onnx_raw_short(const char *d) {
  OnnxBuilder *ob = frame();
  uint8_t junk[100] = {0};
  ob_init_raw(ob, "w", OB_FLOAT, 4, D(64, 3, 7, 7), junk, sizeof junk);
  ob_node(ob, "Conv", "conv1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 64, 2, 2));
  save_model(ob, d);
}

static void g_onnx_negative_dim(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_raw(ob, "w", OB_FLOAT, 2, D(-5, 4), "", 0);
  ob_node(ob, "Add", "add1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

/* dims whose product overflows int64 and size_t: 2^40 * 2^40 * 4 bytes */
static void g_onnx_dims_overflow(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_raw(ob, "w", OB_FLOAT, 2, D((int64_t)1 << 40, (int64_t)1 << 40), "abcd", 4);
  ob_node(ob, "Add", "add1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

/* product 2^62 * 4 bytes wraps size_t to 0: a check on bytes alone would pass with no data */
static void g_onnx_dims_wrap_zero(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_raw(ob, "w", OB_FLOAT, 2, D((int64_t)1 << 31, (int64_t)1 << 31), "", 0);
  ob_node(ob, "Add", "add1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_huge_input(const char *d) {
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_input(ob, "x", OB_FLOAT, 4, D(1, 3, 100000, 100000));
  ob_node(ob, "Relu", "relu1", 1, S("x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 100000, 100000));
  save_model(ob, d);
}

static void g_onnx_zero_dim_input(const char *d) {
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_input(ob, "x", OB_FLOAT, 4, D(1, 3, 0, 8));
  ob_node(ob, "Relu", "relu1", 1, S("x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 0, 8));
  save_model(ob, d);
}

static void g_onnx_zero_size_init(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_raw(ob, "w", OB_FLOAT, 1, D(0), "", 0);
  ob_node(ob, "Add", "add1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_rank9(const char *d) {
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_input(ob, "x", OB_FLOAT, 8, D(1, 1, 1, 1, 1, 1, 1, 1));
  Onnx__ValueInfoProto *vi = ob_model(ob)->graph->input[0];
  Onnx__TensorShapeProto *sh = vi->type->tensor_type->shape;
  /* append a 9th dim by hand (the builder asserts rank <= 8) */
  Onnx__TensorShapeProto__Dimension **dims = realloc(sh->dim, 9 * sizeof *dims);
  dims[8] = malloc(sizeof **dims);
  onnx__tensor_shape_proto__dimension__init(dims[8]);
  dims[8]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
  dims[8]->dim_value = 2;
  sh->dim = dims;
  sh->n_dim = 9;
  ob_node(ob, "Relu", "relu1", 1, S("x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_cycle(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Add", "a", 2, S("x", "b_out"), 1, S("a_out"));
  ob_node(ob, "Relu", "b", 1, S("a_out"), 1, S("b_out"));
  ob_output(ob, "b_out", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_self_loop(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Add", "loop", 2, S("x", "y"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_missing_tensor(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Add", "add1", 2, S("x", "nowhere"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_output_missing(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Relu", "relu1", 1, S("x"), 1, S("y"));
  ob_output(ob, "ghost", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_no_outputs(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Relu", "relu1", 1, S("x"), 1, S("y"));
  save_model(ob, d);
}

static void g_onnx_dup_output(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Relu", "r1", 1, S("x"), 1, S("y"));
  ob_node(ob, "Sigmoid", "r2", 1, S("x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_dup_node_name(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Relu", "same", 1, S("x"), 1, S("a"));
  ob_node(ob, "Sigmoid", "same", 1, S("a"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_dup_initializer(const char *d) {
  OnnxBuilder *ob = frame();
  add_f32(ob, "w", 3, D(3, 1, 1));
  add_f32(ob, "w", 3, D(1, 1, 1));
  ob_node(ob, "Add", "add1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_input_is_output_of_node(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Relu", "relu1", 1, S("x"), 1, S("x"));
  ob_output(ob, "x", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_nonutf8_node(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Sin", "bad\xff\xfe<\"&name", 1, S("x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_nonutf8_tensor(const char *d) {
  OnnxBuilder *ob = ob_new("bad", 13);
  ob_input(ob, "in\xc3\x28put", OB_FLOAT, 4, D(1, 3, 8, 8));
  ob_node(ob, "Relu", "relu1", 1, S("in\xc3\x28put"), 1, S("o\xed\xa0\x80ut<&>"));
  ob_output(ob, "o\xed\xa0\x80ut<&>", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

static void g_onnx_long_names(const char *d) {
  char name[5000];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = 0;
  OnnxBuilder *ob = frame();
  ob_node(ob, "Sin", name, 1, S("x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
}

/* An external initializer whose declared length is 10 GiB (the data file has 16 bytes). */
static void ext_model(const char *d, const char *location, const char *offset, const char *length) {
  OnnxBuilder *ob = frame();
  float w[3] = {1, 2, 3};
  ob_init_f32_external(ob, "w", 3, D(3, 1, 1), w, "w.bin");
  Onnx__TensorProto *t = ob_model(ob)->graph->initializer[0];
  for (size_t i = 0; i < t->n_external_data; i++) {
    Onnx__StringStringEntryProto *e = t->external_data[i];
    const char *v = !strcmp(e->key, "location") ? location
                    : !strcmp(e->key, "offset") ? offset
                                                : length;
    if (!v) continue;
    free(e->value);
    e->value = strdup(v);
  }
  ob_node(ob, "Add", "add1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  save_model(ob, d);
  write_bytes(d, "w.bin", "0123456789abcdef", 16);
}
static void g_onnx_ext_10gb(const char *d) { ext_model(d, NULL, NULL, "10737418240"); }
static void g_onnx_ext_escape(const char *d) { ext_model(d, "../secret.bin", NULL, NULL); }
static void g_onnx_ext_abs(const char *d) { ext_model(d, "/etc/passwd", NULL, NULL); }
static void g_onnx_ext_missing(const char *d) { ext_model(d, "nope.bin", NULL, NULL); }
static void g_onnx_ext_offset(const char *d) { ext_model(d, NULL, "1000000", "12"); }
static void g_onnx_ext_negative(const char *d) { ext_model(d, NULL, "-8", "12"); }
static void g_onnx_ext_dir(const char *d) {
  ext_model(d, "sub", NULL, NULL);
  char p[4096];
  snprintf(p, sizeof p, "%s/sub", d);
  mkdir(p, 0755);
}

/* A varint for the hand-encoded nesting case. */
static void put_varint(Buf *b, uint64_t v) {
  while (v >= 0x80) {
    uint8_t c = (uint8_t)(v | 0x80);
    buf_put(b, &c, 1);
    v >>= 7;
  }
  uint8_t c = (uint8_t)v;
  buf_put(b, &c, 1);
}
static void put_field(Buf *b, uint32_t field, const Buf *msg) {
  put_varint(b, (uint64_t)field << 3 | 2);
  put_varint(b, msg->len);
  buf_put(b, msg->data, msg->len);
}

/* GraphProto -> NodeProto -> AttributeProto(GRAPH) -> GraphProto ... `levels` deep. */
static void g_onnx_deep_nesting(const char *d) {
  Buf g = BUF_INIT;
  for (int i = 0; i < 20000; i++) {
    Buf attr = BUF_INIT, node = BUF_INIT, graph = BUF_INIT;
    put_field(&attr, 1, &(Buf){(uint8_t *)"g", 1, 1}); /* name */
    uint8_t type[2] = {20 << 3, 5};                    /* type = GRAPH */
    buf_put(&attr, type, 2);
    put_field(&attr, 6, &g);                            /* g */
    put_field(&node, 5, &attr);                         /* attribute */
    put_field(&node, 4, &(Buf){(uint8_t *)"If", 2, 2}); /* op_type */
    put_field(&graph, 1, &node);                        /* node */
    buf_free(&g);
    buf_free(&attr);
    buf_free(&node);
    g = graph;
  }
  Buf model = BUF_INIT;
  uint8_t irv[2] = {1 << 3, 7};
  buf_put(&model, irv, 2);
  put_field(&model, 7, &g);
  write_bytes(d, "m.onnx", model.data, model.len);
  buf_free(&model);
  buf_free(&g);
  write_zoo(d);
}

static void g_onnx_too_many_inputs(const char *d) {
  OnnxBuilder *ob = frame(); /* any count is taken (SSDLite concatenates 90 heads), up to 65536 */
  static const char *ins[70000];
  for (int i = 0; i < 70000; i++) ins[i] = "x";
  ob_node(ob, "Concat", "cat", 70000, ins, 1, S("y"));
  ob_attr_int(ob, "axis", 1);
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 210000, 8, 8));
  save_model(ob, d);
}

static void g_onnx_too_many_outputs(const char *d) {
  OnnxBuilder *ob = frame();
  char names[20][8];
  const char *outs[20];
  for (int i = 0; i < 20; i++) snprintf(names[i], sizeof names[i], "o%d", i), outs[i] = names[i];
  ob_node(ob, "Split", "split", 1, S("x"), 20, outs);
  ob_attr_int(ob, "axis", 3);
  ob_output(ob, "o0", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

/* Constant-folded ops asked to make a 4e12-element tensor. */
static void g_onnx_cos_huge(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_i64(ob, "shape", 1, D(3), D(100000, 100000, 100));
  ob_node(ob, "ConstantOfShape", "cos", 1, S("shape"), 1, S("k"));
  ob_node(ob, "Add", "add1", 2, S("x", "k"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_expand_huge(const char *d) {
  OnnxBuilder *ob = frame();
  float one = 1;
  ob_init_f32(ob, "one", 0, NULL, &one);
  ob_init_i64(ob, "shape", 1, D(3), D(1000000, 1000000, 1000));
  ob_node(ob, "Expand", "expand", 2, S("one", "shape"), 1, S("k"));
  ob_node(ob, "Add", "add1", 2, S("x", "k"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_range_huge(const char *d) {
  OnnxBuilder *ob = frame();
  float s = 0, l = 1e12f, dl = 1;
  ob_init_f32(ob, "s", 0, NULL, &s);
  ob_init_f32(ob, "l", 0, NULL, &l);
  ob_init_f32(ob, "d", 0, NULL, &dl);
  ob_node(ob, "Range", "range", 3, S("s", "l", "d"), 1, S("k"));
  ob_node(ob, "Add", "add1", 2, S("x", "k"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_range_zero_delta(const char *d) {
  OnnxBuilder *ob = frame();
  float s = 0, l = 10, dl = 0;
  ob_init_f32(ob, "s", 0, NULL, &s);
  ob_init_f32(ob, "l", 0, NULL, &l);
  ob_init_f32(ob, "d", 0, NULL, &dl);
  ob_node(ob, "Range", "range", 3, S("s", "l", "d"), 1, S("k"));
  ob_node(ob, "Add", "add1", 2, S("x", "k"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_tile_huge(const char *d) {
  OnnxBuilder *ob = frame();
  add_f32(ob, "k", 2, D(4, 4));
  ob_init_i64(ob, "rep", 1, D(2), D(1000000000, 1000000000));
  ob_node(ob, "Tile", "tile", 2, S("k", "rep"), 1, S("t"));
  ob_node(ob, "Add", "add1", 2, S("x", "t"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_reshape_overflow(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_i64(ob, "shape", 1, D(3), D((int64_t)1 << 40, (int64_t)1 << 40, -1));
  ob_node(ob, "Reshape", "reshape", 2, S("x", "shape"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_gather_oob(const char *d) {
  OnnxBuilder *ob = frame();
  add_f32(ob, "k", 1, D(3));
  ob_init_i64(ob, "idx", 1, D(1), D(1000000));
  ob_node(ob, "Gather", "gather", 2, S("k", "idx"), 1, S("g"));
  ob_node(ob, "Add", "add1", 2, S("x", "g"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_slice_step0(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_i64(ob, "st", 1, D(1), D(0));
  ob_init_i64(ob, "en", 1, D(1), D(4));
  ob_init_i64(ob, "ax", 1, D(1), D(3));
  ob_init_i64(ob, "sp", 1, D(1), D(0));
  ob_node(ob, "Slice", "slice", 5, S("x", "st", "en", "ax", "sp"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_transpose_bad_perm(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Transpose", "transpose", 1, S("x"), 1, S("y"));
  ob_attr_ints(ob, "perm", 4, D(0, 0, 9, -7));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_concat_axis_oob(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "Concat", "cat", 2, S("x", "x"), 1, S("y"));
  ob_attr_int(ob, "axis", 1000000);
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_conv_group0(const char *d) {
  OnnxBuilder *ob = frame();
  add_f32(ob, "w", 4, D(4, 3, 3, 3));
  ob_node(ob, "Conv", "conv1", 2, S("x", "w"), 1, S("y"));
  ob_attr_int(ob, "group", 0);
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_conv_w_rank1(const char *d) {
  OnnxBuilder *ob = frame();
  add_f32(ob, "w", 1, D(4));
  ob_node(ob, "Conv", "conv1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_conv_huge_kernel(const char *d) {
  OnnxBuilder *ob = frame();
  add_f32(ob, "w", 4, D(4, 3, 3, 3));
  ob_node(ob, "Conv", "conv1", 2, S("x", "w"), 1, S("y"));
  ob_attr_ints(ob, "strides", 2, D(0, -1));
  ob_attr_ints(ob, "dilations", 2, D(INT64_MAX, 1));
  ob_attr_ints(ob, "pads", 4, D(INT64_MAX, 0, INT64_MIN, 0));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_pool_stride0(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "MaxPool", "pool", 1, S("x"), 1, S("y"));
  ob_attr_ints(ob, "kernel_shape", 2, D(2, 2));
  ob_attr_ints(ob, "strides", 2, D(0, 0));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_d2s_block0(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "DepthToSpace", "d2s", 1, S("x"), 1, S("y"));
  ob_attr_int(ob, "blocksize", 0);
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_resize_nan_scale(const char *d) {
  OnnxBuilder *ob = frame();
  float sc[4] = {1, 1, __builtin_nanf(""), 1e30f};
  ob_init_f32(ob, "scales", 1, D(4), sc);
  ob_node(ob, "Resize", "resize", 3, S("x", "", "scales"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_split_bad(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_i64(ob, "sp", 1, D(2), D(-5, 100));
  ob_node(ob, "Split", "split", 2, S("x", "sp"), 2, S("y", "z"));
  ob_attr_int(ob, "axis", 1);
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_squeeze_oob(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_i64(ob, "ax", 1, D(1), D(INT64_MIN));
  ob_node(ob, "Squeeze", "squeeze", 2, S("x", "ax"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_string_init(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_raw(ob, "w", OB_STRING, 3, D(3, 1, 1), "abc", 3);
  ob_node(ob, "Add", "add1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

/* Slice folded on a constant STRING tensor (fuzz_onnx found a heap overflow in fold_strided) */
static void g_onnx_slice_string(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_raw(ob, "s", OB_STRING, 1, D(9), "abcdefghi", 9);
  ob_init_i64(ob, "st", 1, D(1), D(1));
  ob_init_i64(ob, "en", 1, D(1), D(9));
  ob_node(ob, "Slice", "slice", 3, S("s", "st", "en"), 1, S("k"));
  ob_node(ob, "Add", "add1", 2, S("x", "k"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_unknown_dtype(const char *d) {
  OnnxBuilder *ob = frame();
  ob_init_raw(ob, "w", 999, 1, D(3), "abcdefghijkl", 12);
  ob_node(ob, "Add", "add1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_float_data_short(const char *d) {
  OnnxBuilder *ob = frame();
  Onnx__TensorProto *t = ob_init_empty(ob, "w", OB_FLOAT, 3, D(3, 8, 8));
  ob_tensor_set_float_data(t, (const float[]){1, 2}, 2);
  ob_node(ob, "Add", "add1", 2, S("x", "w"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

static void g_onnx_opset_huge(const char *d) {
  OnnxBuilder *ob = tiny();
  ob_model(ob)->opset_import[0]->version = INT64_MAX;
  save_model(ob, d);
}

static void g_onnx_node_empty_op(const char *d) {
  OnnxBuilder *ob = frame();
  ob_node(ob, "", "noop", 1, S("x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, -1, NULL);
  save_model(ob, d);
}

/* A valid model, for the output-folder cases. */
static void g_tiny(const char *d) {
  OnnxBuilder *ob = tiny();
  save_model(ob, d);
}

/* out/m is a symlink to a folder outside out/: the build must not write through it. */
static void g_symlink_dir(const char *d) {
  g_tiny(d);
  char p[4096], t[4096];
  snprintf(p, sizeof p, "%s/../victim", d);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/../out", d);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/../out/m", d);
  snprintf(t, sizeof t, "%s/../victim", d);
  assert_int_equal(symlink(t, p), 0);
}

/* out/m/m.xml and out/report.json are symlinks to files outside: they must be replaced, not
 * written through. */
static void g_symlink_file(const char *d) {
  g_tiny(d);
  char p[4096], t[4096];
  snprintf(p, sizeof p, "%s/../out/m", d);
  snprintf(t, sizeof t, "%s/../out", d);
  mkdir(t, 0755);
  mkdir(p, 0755);
  snprintf(t, sizeof t, "%s/victim.txt", d);
  write_text(d, "victim.txt", "precious\n");
  snprintf(p, sizeof p, "%s/../out/m/m.xml", d);
  assert_int_equal(symlink(t, p), 0);
  snprintf(p, sizeof p, "%s/../out/report.json", d);
  assert_int_equal(symlink(t, p), 0);
}

/* ---- blob generators ------------------------------------------------------------------------ */

/* Our own blob of the tiny model, compiled in-process. */
static void tiny_blob(Buf *out, const char *d) {
  g_tiny(d);
  char src[4096];
  snprintf(src, sizeof src, "%s/m.onnx", d);
  CompileOptions opt = {.model_name = "m",
                        .source = src,
                        .data_type = PREC_FP16,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = "2022.1",
                        .want_blob = true};
  CompileResult res;
  Err err = {0};
  assert_int_equal(compile_model(&res, &opt, &err), 0);
  assert_true(res.blob.len > 200);
  *out = res.blob;
  res.blob = (Buf)BUF_INIT;
  compile_result_free(&res);
  char p[4096];
  snprintf(p, sizeof p, "%s/m.onnx", d);
  unlink(p);
  snprintf(p, sizeof p, "%s/zoo.yaml", d);
  unlink(p);
}

static void blob_with(const char *d, size_t off, uint32_t v, size_t cut) {
  Buf b = BUF_INIT;
  tiny_blob(&b, d);
  if (off + 4 <= b.len) buf_set_u32(&b, off, v);
  write_bytes(d, "b.blob", b.data, cut ? (cut < b.len ? cut : b.len) : b.len);
  buf_free(&b);
}
static void g_blob_empty(const char *d) { write_bytes(d, "b.blob", "", 0); }
static void g_blob_header_only(const char *d) { blob_with(d, 0, 0, 40); }
static void g_blob_truncated(const char *d) { blob_with(d, 0, 0, 300); }
static void g_blob_bad_magic(const char *d) { blob_with(d, BLOB_HDR_MAGIC, 0xdeadbeef, 0); }
static void g_blob_file_size_huge(const char *d) {
  blob_with(d, BLOB_HDR_FILE_SIZE, 0xffffffffu, 0);
}
static void g_blob_stages_huge(const char *d) {
  blob_with(d, BLOB_HDR_STAGES_COUNT, 0x7fffffffu, 0);
}
static void g_blob_inputs_huge(const char *d) {
  blob_with(d, BLOB_HDR_INPUTS_COUNT, 0xffffffffu, 0);
}
static void g_blob_outputs_huge(const char *d) {
  blob_with(d, BLOB_HDR_OUTPUTS_COUNT, 0x40000000u, 0);
}
static void g_blob_stage_off(const char *d) {
  blob_with(d, BLOB_HDR_STAGE_SECTION, 0xfffffff0u, 0);
}
static void g_blob_const_off(const char *d) {
  blob_with(d, BLOB_HDR_CONST_SECTION, 0xffffffffu, 0);
}
static void g_blob_input_off(const char *d) { blob_with(d, BLOB_HDR_INPUT_SECTION, 3, 0); }
/* the first input entry: ioIdx, ioBufferOffset, nameSize; nameSize = 4 GiB - 16 */
static void g_blob_name_size(const char *d) { blob_with(d, BLOB_HDR_AREA + 8, 0xfffffff0u, 0); }
/* every u32 of the stage section set to 0xffffffff */
static void g_blob_stage_garbage(const char *d) {
  Buf b = BUF_INIT;
  tiny_blob(&b, d);
  uint32_t stg = rd_u32(b.data + BLOB_HDR_STAGE_SECTION),
           cst = rd_u32(b.data + BLOB_HDR_CONST_SECTION);
  for (uint32_t o = stg; o + 4 <= cst && o + 4 <= b.len; o += 4) buf_set_u32(&b, o, 0xffffffffu);
  write_bytes(d, "b.blob", b.data, b.len);
  buf_free(&b);
}
/* a SuperBlob header declaring 2^64-1 bytes of base blob and patches */
static void g_superblob_huge(const char *d) {
  uint8_t h[BLOB_SUPER_HEADER_SIZE + 64];
  memset(h, 0xff, sizeof h);
  write_bytes(d, "b.blob", h, sizeof h);
}

/* ---- HW (MyriadXHwOp) blobs: the hand-built tiny conv of tests/hwblob.h, made malformed -------- */

/* b.blob from hb_tiny_conv(mutate) and the input it takes, x.npy (f32 [1,2,5,6]). */
static void hw_blob(const char *d, HbMutate mutate) {
  Buf b = BUF_INIT;
  hb_tiny_conv(&b, mutate);
  write_bytes(d, "b.blob", b.data, b.len);
  buf_free(&b);
  RefTensor x = {0};
  Err err = {0};
  assert_int_equal(ref_tensor_alloc(&x, DT_F32, 4, D(1, 2, 5, 6), &err), 0);
  char path[4096];
  snprintf(path, sizeof path, "%s/x.npy", d);
  assert_int_equal(tio_write_npy(path, &x, &err), 0);
  ref_tensor_free(&x);
}

static void m_index(BlobHwOp *op, HbBuf *bufs) { (void)bufs, op->output_ind = 7; }
static void m_chans(BlobHwOp *op, HbBuf *bufs) { (void)bufs, op->out_num_chans = 4; }
static void m_mode(BlobHwOp *op, HbBuf *bufs) { (void)bufs, op->op_mode = 9; }
static void m_stride(BlobHwOp *op, HbBuf *bufs) { (void)bufs, op->kernel_stride = 2; }
static void m_flag(BlobHwOp *op, HbBuf *bufs) { (void)bufs, op->with_relu = 2; }
static void m_cmx(BlobHwOp *op, HbBuf *bufs) { /* output in CMX past the one slice the blob has */
  (void)op;
  bufs[4] = hb_nchw(BLOB_LOC_CMX, 131008, BLOB_DT_FP16, 1, 3, 5, 6, 16);
}
static void g_hw_index(const char *d) { hw_blob(d, m_index); }
static void g_hw_chans(const char *d) { hw_blob(d, m_chans); }
static void g_hw_mode(const char *d) { hw_blob(d, m_mode); }
static void g_hw_stride(const char *d) { hw_blob(d, m_stride); }
static void g_hw_flag(const char *d) { hw_blob(d, m_flag); }
static void g_hw_cmx(const char *d) { hw_blob(d, m_cmx); }
static void g_hw_good(const char *d) { hw_blob(d, NULL); }
/* an op count that the params cannot hold, and a truncated op list */
static void g_hw_op_count(const char *d) {
  hw_blob(d, NULL);
  Buf b = BUF_INIT;
  hb_tiny_conv(&b, NULL);
  buf_set_u32(&b, rd_u32(b.data + BLOB_HDR_STAGE_SECTION) + 16,
              0x10000000u); /* numOps, first params word */
  write_bytes(d, "b.blob", b.data, b.len);
  buf_free(&b);
}

/* ---- hostile graphs (issue 20): written by the gen_hostile tool (tests/fixtures/gen_hostile.c),
 * nothing big is committed ------------------------------------------------------------------- */

/* $BUILD_DIR/tools/gen_hostile KIND N dir/file. */
static void hostile(const char *dir, const char *kind, int n, const char *file) {
  const char *b = getenv("BUILD_DIR");
  char *o = NULL;
  int rc = tu_run(&o, "'%s/tools/gen_hostile' %s %d '%s/%s'", b ? b : "build", kind, n, dir, file);
  if (rc != 0) fprintf(stderr, "gen_hostile %s: %s\n", kind, o);
  free(o);
  assert_int_equal(rc, 0);
}

/* A valid model (good.onnx) beside the two bombs of issue 20 and the chain that really keeps
 * every folded step, all under a 256 MiB budget per model (explicit, so the result does not
 * depend on the machine; the test also runs under ulimit -v). */
static void g_hostile_zoo(const char *d) {
  g_tiny(d);
  char from[4096], to[4096];
  snprintf(from, sizeof from, "%s/m.onnx", d);
  snprintf(to, sizeof to, "%s/good.onnx", d);
  assert_int_equal(rename(from, to), 0);
  hostile(d, "concat_bomb", 50000, "concat_bomb.onnx");
  hostile(d, "concat_kept", 50000, "concat_kept.onnx");
  hostile(d, "range_bomb", 1, "range_bomb.onnx");
  write_text(
      d, "zoo.yaml",
      "version: 1\ndefaults:\n  max_model_mb: 256\nmodels:\n  - name: good\n    source: good.onnx\n"
      "  - name: concat_bomb\n    source: concat_bomb.onnx\n  - name: concat_kept\n    source: "
      "concat_kept.onnx\n"
      "  - name: range_bomb\n    source: range_bomb.onnx\n");
}

/* malloc itself fails (ulimit -v 2 GiB, a budget far above it): the model's error, and the
 * models after it still build on the same worker. */
static void g_hostile_real_oom(const char *d) {
  g_tiny(d);
  hostile(d, "concat_kept", 50000, "concat_kept.onnx");
  write_text(d, "zoo.yaml",
             "version: 1\nmodels:\n  - name: good\n    source: m.onnx\n"
             "  - name: kept\n    source: concat_kept.onnx\n    max_model_mb: 100000\n"
             "  - name: good2\n    source: m.onnx\n");
}

/* One model: a 100,000-node Relu chain (about 1.5 s to convert), for the stop requests. */
static void g_relu_chain(const char *d) {
  hostile(d, "relu", 100000, "m.onnx");
  write_zoo(d);
}

static void g_range_bomb(const char *d) {
  hostile(d, "range_bomb", 1, "m.onnx");
  write_text(d, "zoo.yaml",
             "version: 1\nmodels:\n  - name: m\n    source: m.onnx\n    max_model_mb: 300\n");
}

static void g_concat_bomb(const char *d) {
  hostile(d, "concat_bomb", 50000, "m.onnx");
  write_zoo(d);
}

/* ---- manifest generators (the rest are files in tests/bad/manifest/) ------------------------ */

static void g_manifest_17mib(const char *d) {
  size_t n = (17u << 20);
  char *t = malloc(n + 1);
  memset(t, ' ', n);
  memcpy(t, "version: 1\n#", 12);
  t[n - 1] = '\n';
  write_bytes(d, "zoo.yaml", t, n);
  free(t);
}

static void g_manifest_deep(const char *d) {
  Buf b = BUF_INIT;
  buf_printf(&b, "version: 1\nmodels: ");
  for (int i = 0; i < 100000; i++) buf_put(&b, "[", 1);
  for (int i = 0; i < 100000; i++) buf_put(&b, "]", 1);
  buf_put(&b, "\n", 1);
  write_bytes(d, "zoo.yaml", b.data, b.len);
  buf_free(&b);
}

static void g_manifest_deep_maps(const char *d) {
  Buf b = BUF_INIT;
  buf_printf(&b, "version: 1\nmodels: ");
  for (int i = 0; i < 50000; i++) buf_put(&b, "{a: ", 4);
  for (int i = 0; i < 50000; i++) buf_put(&b, "}", 1);
  buf_put(&b, "\n", 1);
  write_bytes(d, "zoo.yaml", b.data, b.len);
  buf_free(&b);
}

static void g_manifest_many_inputs(const char *d) {
  g_tiny(d);
  Buf b = BUF_INIT;
  buf_printf(&b, "version: 1\nmodels:\n  - name: m\n    source: m.onnx\n    inputs:\n");
  for (int i = 0; i < 300; i++) buf_printf(&b, "      - name: in%d\n", i);
  write_bytes(d, "zoo.yaml", b.data, b.len);
  buf_free(&b);
}

static void g_manifest_many_models(const char *d) {
  g_tiny(d);
  Buf b = BUF_INIT;
  buf_printf(&b, "version: 1\nmodels:\n");
  for (int i = 0; i < 20000; i++)
    buf_printf(&b, "  - {name: m%d, source: m.onnx, shaves: 99}\n", i);
  write_bytes(d, "zoo.yaml", b.data, b.len);
  buf_free(&b);
}

/* ---- the table ------------------------------------------------------------------------------ */

typedef struct {
  const char *name;
  void (*gen)(const char *in_dir);
  const char *cmd; /* {B} blobc, run inside in/; the output folder is ../out */
  int rc;
  const char *re; /* extended regex one output line must match; several separated by '\n'
                      (each must match a line) */
} BadCase;

#define BUILD     "{B} build zoo.yaml -o ../out"
#define INSPECT   "{B} inspect b.blob --check"
#define HWRUN     "{B} run b.blob --input x.npy -o ../out"
#define HWERR     "^blobc: b\\.blob: stage 0 \\(MyriadXHwOp\\): op 0: "
#define MODEL_ERR "^m\\.onnx: model 'm': "

static const BadCase CASES[] = {
    /* ONNX: file level */
    {"onnx_empty", g_onnx_empty, BUILD, 1, MODEL_ERR "model has no graph$"},
    {"onnx_garbage", g_onnx_garbage, BUILD, 1,
     MODEL_ERR "not an ONNX model \\(protobuf decoding failed\\)$"},
    {"onnx_text", g_onnx_text, BUILD, 1,
     MODEL_ERR "not an ONNX model \\(protobuf decoding failed\\)$"},
    {"onnx_truncated", g_onnx_truncated, BUILD, 1,
     MODEL_ERR "not an ONNX model \\(protobuf decoding failed\\)$"},
    {"onnx_no_graph", g_onnx_no_graph, BUILD, 1, MODEL_ERR "model has no graph$"},
    {"onnx_deep_nesting", g_onnx_deep_nesting, BUILD, 1,
     MODEL_ERR "not an ONNX model \\(protobuf decoding failed\\)$"},
    {"onnx_opset_huge", g_onnx_opset_huge, BUILD, 0, "1 models: 1 ok"},
    /* ONNX: tensors */
    {"onnx_raw_data_short", g_onnx_raw_short, BUILD, 1,
     MODEL_ERR "tensor 'w': raw_data has 100 bytes, shape 64x3x7x7 of f32 needs 37632$"},
    {"onnx_negative_dim", g_onnx_negative_dim, BUILD, 1,
     MODEL_ERR "tensor 'w': dimension 0 is -5$"},
    {"onnx_dims_overflow", g_onnx_dims_overflow, BUILD, 1,
     MODEL_ERR "tensor 'w': shape 1099511627776x1099511627776 has too many elements$"},
    {"onnx_dims_wrap_zero", g_onnx_dims_wrap_zero, BUILD, 1,
     MODEL_ERR "tensor 'w': shape 2147483648x2147483648 is too large$"},
    {"onnx_zero_size_init", g_onnx_zero_size_init, BUILD, 1,
     MODEL_ERR "node 'add1': Add: cannot broadcast 1x3x8x8 with 0 \\(dim 3: 8 vs 0\\)$"},
    {"onnx_string_init", g_onnx_string_init, BUILD, 1,
     MODEL_ERR "(node 'add1': .*string|tensor 'w': .*string)"},
    {"onnx_slice_string", g_onnx_slice_string, BUILD, 1,
     MODEL_ERR "(node 'slice': .*string|tensor 's': .*string)"},
    {"onnx_unknown_dtype", g_onnx_unknown_dtype, BUILD, 1,
     MODEL_ERR "tensor 'w': data type 999 is not supported$"},
    {"onnx_float_data_short", g_onnx_float_data_short, BUILD, 1,
     MODEL_ERR "tensor 'w': float_data has 2 values, shape 3x8x8 of f32 needs 192$"},
    {"onnx_dup_initializer", g_onnx_dup_initializer, BUILD, 1,
     MODEL_ERR "tensor 'w' is defined twice$"},
    /* ONNX: graph structure */
    {"onnx_cycle", g_onnx_cycle, BUILD, 1,
     MODEL_ERR "node 'b': the graph has a cycle through tensor 'a_out'$"},
    {"onnx_self_loop", g_onnx_self_loop, BUILD, 1,
     MODEL_ERR "node 'loop': the graph has a cycle through tensor 'y'$"},
    {"onnx_missing_tensor", g_onnx_missing_tensor, BUILD, 1,
     MODEL_ERR
     "node 'add1': input 'nowhere' is not a graph input, an initializer or a node output$"},
    {"onnx_output_missing", g_onnx_output_missing, BUILD, 1,
     MODEL_ERR "graph output 'ghost' is not a graph input, an initializer or a node output$"},
    {"onnx_no_outputs", g_onnx_no_outputs, BUILD, 1, MODEL_ERR ".*output"},
    {"onnx_dup_output", g_onnx_dup_output, BUILD, 1,
     MODEL_ERR "node 'r2': tensor 'y' is defined twice$"},
    {"onnx_dup_node_name", g_onnx_dup_node_name, BUILD, 0, "1 models: 1 ok"},
    {"onnx_input_overwritten", g_onnx_input_is_output_of_node, BUILD, 1,
     MODEL_ERR "node 'relu1': tensor 'x' is defined twice$"},
    /* more inputs than blobc keeps per node: a verdict naming blobc's limit, not a parse error */
    {"onnx_too_many_inputs", g_onnx_too_many_inputs, "{B} check m.onnx", 1,
     "node 'cat' \\(Concat\\): unsupported: Concat with 70000 inputs: blobc keeps at most 65536 "
     "inputs per node \\(a limit of blobc"},
    {"onnx_too_many_outputs", g_onnx_too_many_outputs, BUILD, 1,
     MODEL_ERR "node 'split': Split node has 20 outputs: blobc handles at most 16 per node \\(a "
               "limit of blobc, not a defect of the model\\)$"},
    {"onnx_rank9", g_onnx_rank9, BUILD, 1,
     MODEL_ERR "tensor 'x' has 9 dimensions, at most 8 are supported$"},
    {"onnx_empty_op_type", g_onnx_node_empty_op, BUILD, 1,
     MODEL_ERR "node 'noop': node 0 has no op_type$"},
    /* ONNX: names */
    {"onnx_nonutf8_node_name", g_onnx_nonutf8_node, "{B} check m.onnx", 1,
     "node 'bad.*name' \\(Sin\\): unsupported"},
    {"onnx_nonutf8_node_build", g_onnx_nonutf8_node, BUILD, 1, "1 models: 0 ok, 1 unsupported"},
    {"onnx_nonutf8_tensor_names", g_onnx_nonutf8_tensor, BUILD, 0, "1 models: 1 ok"},
    {"onnx_long_names", g_onnx_long_names, BUILD, 1, "1 models: 0 ok, 1 unsupported"},
    /* ONNX: external data */
    {"onnx_ext_10gb", g_onnx_ext_10gb, BUILD, 1,
     MODEL_ERR
     "tensor 'w': external data offset 0 \\+ length 10737418240 exceeds 'w\\.bin' of 16 bytes$"},
    {"onnx_ext_escape", g_onnx_ext_escape, BUILD, 1,
     MODEL_ERR "tensor 'w': external data location '\\.\\./secret\\.bin' must be a relative path "
               "inside the model folder$"},
    {"onnx_ext_abs", g_onnx_ext_abs, BUILD, 1,
     MODEL_ERR "tensor 'w': external data location '/etc/passwd' must be a relative path inside "
               "the model folder$"},
    {"onnx_ext_missing", g_onnx_ext_missing, BUILD, 1,
     MODEL_ERR
     "tensor 'w': cannot open external data file 'nope\\.bin': No such file or directory$"},
    {"onnx_ext_offset_beyond", g_onnx_ext_offset, BUILD, 1,
     MODEL_ERR
     "tensor 'w': external data offset 1000000 \\+ length 12 exceeds 'w\\.bin' of 16 bytes$"},
    {"onnx_ext_negative_offset", g_onnx_ext_negative, BUILD, 1,
     MODEL_ERR "tensor 'w': external data offset '-8' is not a number$"},
    {"onnx_ext_directory", g_onnx_ext_dir, BUILD, 1,
     MODEL_ERR "tensor 'w': external data 'sub' is not a regular file$"},
    /* ONNX: shapes, attributes, folding that would explode */
    {"onnx_huge_input", g_onnx_huge_input, BUILD, 1,
     MODEL_ERR "(node 'relu1': )?.*(too large|limit|exceeds|over)"},
    {"onnx_zero_dim_input", g_onnx_zero_dim_input, BUILD, 1, MODEL_ERR ".*'x'.*(0|empty)"},
    {"onnx_constantofshape_huge", g_onnx_cos_huge, BUILD, 1,
     MODEL_ERR "node 'cos': tensor 'k' of shape 100000x100000x100 is 4000000000000 bytes, over the "
               "limit of 536870912 \\(--max-tensor-mb\\)$"},
    {"onnx_expand_huge", g_onnx_expand_huge, BUILD, 1,
     MODEL_ERR "node 'expand': tensor 'k' of shape 1000000x1000000x1000 is 4000000000000000 bytes, "
               "over the limit of 536870912 \\(--max-tensor-mb\\)$"},
    {"onnx_range_huge", g_onnx_range_huge, BUILD, 1,
     MODEL_ERR "node 'range': tensor 'k' of shape 999999995904 is 3999999983616 bytes, over the "
               "limit of 536870912 \\(--max-tensor-mb\\)$"},
    {"onnx_range_zero_delta", g_onnx_range_zero_delta, BUILD, 1,
     MODEL_ERR "node 'range': Range: delta is 0$"},
    {"onnx_tile_huge", g_onnx_tile_huge, BUILD, 1,
     MODEL_ERR
     "node 'tile': Tile: tensor 't' of shape 4000000000x4000000000 has too many elements$"},
    {"onnx_reshape_overflow", g_onnx_reshape_overflow, BUILD, 1,
     MODEL_ERR "node 'reshape': Reshape: target shape overflows$"},
    {"onnx_gather_oob", g_onnx_gather_oob, BUILD, 1,
     MODEL_ERR "node 'gather': Gather: index 1000000 is out of range for axis 0 of size 3$"},
    {"onnx_slice_step0", g_onnx_slice_step0, BUILD, 1,
     MODEL_ERR "node 'slice': Slice: step on axis 3 is 0$"},
    {"onnx_transpose_bad_perm", g_onnx_transpose_bad_perm, BUILD, 1,
     MODEL_ERR "node 'transpose': Transpose: perm is not a permutation of 4 axes$"},
    {"onnx_concat_axis_oob", g_onnx_concat_axis_oob, BUILD, 1,
     MODEL_ERR "node 'cat': Concat: axis 1000000 is out of range for rank 4$"},
    {"onnx_conv_group0", g_onnx_conv_group0, BUILD, 1,
     MODEL_ERR "node 'conv1': Conv: group 0 is invalid$"},
    {"onnx_conv_weight_rank1", g_onnx_conv_w_rank1, BUILD, 1,
     MODEL_ERR "node 'conv1': Conv: weight rank 1 does not match input rank 4$"},
    {"onnx_conv_bad_attrs", g_onnx_conv_huge_kernel, BUILD, 1,
     MODEL_ERR "node 'conv1': Conv: strides value 0 is invalid$"},
    {"onnx_pool_stride0", g_onnx_pool_stride0, BUILD, 1,
     MODEL_ERR "node 'pool': MaxPool: strides value 0 is invalid$"},
    {"onnx_d2s_block0", g_onnx_d2s_block0, BUILD, 1,
     MODEL_ERR "node 'd2s': DepthToSpace: blocksize 0 is invalid$"},
    {"onnx_resize_nan_scale", g_onnx_resize_nan_scale, BUILD, 1,
     MODEL_ERR "node 'resize': Resize: scale nan on axis 2 is invalid$"},
    {"onnx_split_bad", g_onnx_split_bad, BUILD, 1,
     MODEL_ERR "node 'split': Split: split value -5 is negative$"},
    {"onnx_squeeze_axis_oob", g_onnx_squeeze_oob, BUILD, 1,
     MODEL_ERR "node 'squeeze': Squeeze: axis -9223372036854775808 is out of range for rank 4$"},
    /* hostile graphs that pass every per-tensor limit (issue 20) */
    {"hostile_manifest_good_and_bombs", g_hostile_zoo, BUILD " -j 4", 1,
     "^\\[[0-9]/4\\] good ok\n"
     "^\\[[0-9]/4\\] concat_bomb ok\n"
     "^concat_kept\\.onnx: model 'concat_kept': node 'concat_kept_[0-9]+': needs [0-9]+ bytes more "
     "with [0-9]+ held, "
     "over the model's memory limit of 268435456 \\(--max-model-mb\\)$\n"
     "^range_bomb\\.onnx: model 'range_bomb': node 'range': needs 432197968 bytes more with [0-9]+ "
     "held, "
     "over the model's memory limit of 268435456 \\(--max-model-mb\\)$\n"
     "^4 models: 2 ok, 0 unsupported, 2 failed, 0 interrupted, 0 skipped; report: "
     "\\.\\./out/report\\.html"},
    {"hostile_concat_bomb_folds_linearly", g_concat_bomb, BUILD, 0, "^1 models: 1 ok"},
    {"hostile_range_bomb_manifest_budget", g_range_bomb, BUILD, 1,
     MODEL_ERR "node 'range': needs 432197968 bytes more with [0-9]+ held, over the model's memory "
               "limit of 314572800 "
               "\\(--max-model-mb\\)$"},
    {"hostile_range_bomb_flag_caps_manifest", g_range_bomb, BUILD " --max-model-mb 200", 1,
     MODEL_ERR "node 'range': needs 432197968 bytes more with [0-9]+ held, over the model's memory "
               "limit of 209715200 "
               "\\(--max-model-mb\\)$"},
    {"hostile_sigterm_mid_model", g_relu_chain,
     BUILD " & p=\\$!; sleep 0.5; kill -TERM \\$p; wait \\$p", 143,
     MODEL_ERR "(node '[^']+': )?interrupted$\n^interrupted: 1 models: 0 ok, 0 unsupported, 0 "
               "failed, 1 interrupted, 0 skipped"},
    {"hostile_sigint_mid_model", g_relu_chain,
     "{B} convert m.onnx -o ../out & p=\\$!; sleep 0.5; kill -INT \\$p; wait \\$p", 130,
     "^blobc: interrupted: aborted at once; nothing half-written is left$"},
    /* blobs */
    {"blob_empty", g_blob_empty, INSPECT, 2, "^b\\.blob: offset 0: "},
    {"blob_header_only", g_blob_header_only, INSPECT, 2, "^b\\.blob: offset [0-9]+: "},
    {"blob_truncated", g_blob_truncated, INSPECT, 2, "^b\\.blob: offset [0-9]+: "},
    {"blob_bad_magic", g_blob_bad_magic, INSPECT, 2, "^b\\.blob: offset 52: .*magic"},
    {"blob_file_size_huge", g_blob_file_size_huge, INSPECT, 2, "^b\\.blob: offset 56: "},
    {"blob_stages_count_huge", g_blob_stages_huge, INSPECT, 2, "^b\\.blob: offset [0-9]+: "},
    {"blob_inputs_count_huge", g_blob_inputs_huge, INSPECT, 2, "^b\\.blob: offset [0-9]+: "},
    {"blob_outputs_count_huge", g_blob_outputs_huge, INSPECT, 2, "^b\\.blob: offset [0-9]+: "},
    {"blob_stage_section_beyond", g_blob_stage_off, INSPECT, 2, "^b\\.blob: offset [0-9]+: "},
    {"blob_const_section_beyond", g_blob_const_off, INSPECT, 2, "^b\\.blob: offset [0-9]+: "},
    {"blob_input_section_misaligned", g_blob_input_off, INSPECT, 2, "^b\\.blob: offset [0-9]+: "},
    {"blob_name_size_huge", g_blob_name_size, INSPECT, 2,
     "^b\\.blob: offset 200: input 0 nameSize 4294967280 runs past the end of the input section$"},
    {"blob_stage_garbage", g_blob_stage_garbage, INSPECT, 2, "^b\\.blob: offset [0-9]+: "},
    {"superblob_huge_sizes", g_superblob_huge, INSPECT, 2, "^b\\.blob: offset [0-9]+: "},
    {"blob_json_stage_garbage", g_blob_stage_garbage, "{B} inspect b.blob --json", 2,
     "^b\\.blob: offset [0-9]+: "},
    /* HW op lists: inspect --check names the op, run refuses it with one line */
    {"hw_good_runs", g_hw_good, HWRUN, 0, "^y: f32 1x3x5x6 -> \\.\\./out/y\\.npy$"},
    {"hw_good_checks", g_hw_good, INSPECT, 0, "^check: ok$"},
    {"hw_index_check", g_hw_index, INSPECT, 1,
     "^hw-op: stage 0 \\(MyriadXHwOp\\) op 0: output buffer index 7 is out of range \\(the stage "
     "has 5 buffers\\)$"},
    {"hw_index_run", g_hw_index, HWRUN, 1,
     HWERR "output buffer index 7 is out of range \\(the stage has 5 buffers\\)$"},
    {"hw_chans_check", g_hw_chans, INSPECT, 1,
     "^hw-op: stage 0 \\(MyriadXHwOp\\) op 0: output channels 0\\+4 run past the output's 3$"},
    {"hw_chans_run", g_hw_chans, HWRUN, 1, HWERR "output channels 0\\+4 run past the output's 3$"},
    {"hw_mode_check", g_hw_mode, INSPECT, 1,
     "^hw-op: stage 0 \\(MyriadXHwOp\\) op 0: opMode 9 is outside 0\\.\\.4$"},
    {"hw_mode_run", g_hw_mode, HWRUN, 1, HWERR "opMode 9 is outside 0\\.\\.4$"},
    {"hw_stride_check", g_hw_stride, INSPECT, 1,
     "^hw-op: stage 0 \\(MyriadXHwOp\\) op 0: input 6x5 with kernel 3x3, stride 2 and padding "
     "gives 3x3, the output is 6x5$"},
    {"hw_stride_run", g_hw_stride, HWRUN, 1,
     HWERR "input 6x5 with kernel 3x3, stride 2 and padding gives 3x3, the output is 6x5$"},
    {"hw_flag_run", g_hw_flag, HWRUN, 1, HWERR "withReLU is 2, not 0 or 1$"},
    {"hw_cmx_check", g_hw_cmx, INSPECT, 1,
     "^buffer-area: stage 0 \\(MyriadXHwOp\\) buffer 4: [0-9]+ bytes at CMX offset 131008 run past "
     "its area \\(131072 bytes\\)$"},
    {"hw_cmx_run", g_hw_cmx, HWRUN, 1,
     "^blobc: b\\.blob: stage 0 \\(MyriadXHwOp\\): buffer runs past its memory area$"},
    {"hw_op_count_check", g_hw_op_count, INSPECT, 2,
     "^b\\.blob: offset [0-9]+: stage 0 HW op count 268435456 cannot fit in its params$"},
    {"hw_op_count_run", g_hw_op_count, HWRUN, 2,
     "^blobc: b\\.blob: offset [0-9]+: stage 0 HW op count 268435456 cannot fit in its params$"},
    /* generated manifests */
    {"manifest_17mib", g_manifest_17mib, BUILD, 2,
     "^zoo\\.yaml: manifest is 17825792 bytes, over the limit of 16 MiB$"},
    {"manifest_deep_flow_lists", g_manifest_deep, BUILD, 2,
     "^zoo\\.yaml:2: yaml nesting deeper than 32 levels$"},
    {"manifest_deep_flow_maps", g_manifest_deep_maps, BUILD, 2,
     "^zoo\\.yaml:2: yaml nesting deeper than 32 levels$"},
    {"manifest_300_inputs", g_manifest_many_inputs, BUILD, 2,
     "^zoo\\.yaml:[0-9]+: model 'm': 'inputs' has 300 entries, at most 256$"},
    {"manifest_20000_models", g_manifest_many_models, BUILD, 2,
     "^zoo\\.yaml:3: model 'm0': 'shaves' must be between 1 and 16, got 99$"},
    /* output folder and names */
    {"convert_name_dotdot", g_tiny, "{B} convert m.onnx --name ../escape -o ../out", 2, "--name"},
    {"convert_name_abs", g_tiny, "{B} convert m.onnx --name /tmp/blobc-bad-abs -o ../out", 2,
     "--name"},
    {"convert_name_slash", g_tiny, "{B} convert m.onnx --name a/b -o ../out", 2, "--name"},
    {"convert_name_empty", g_tiny, "{B} convert m.onnx --name '' -o ../out", 2, "--name"},
    {"output_dir_entry_symlink", g_symlink_dir, BUILD, 1, "model 'm': .*(symlink|symbolic link)"},
    {"output_file_symlinks_replaced", g_symlink_file, BUILD, 0, "1 models: 1 ok"},
    {"output_dir_is_a_file", g_tiny, "touch ../out && " BUILD, 2, "out"},
};

/* Cases that need the memory cap itself (ulimit -v): skipped for sanitizer builds, which cannot
 * run under it (they would allocate until the machine is full). */
static const BadCase ULIMIT_CASES[] = {
    {"hostile_real_oom_is_the_models_error", g_hostile_real_oom, BUILD " -j 1", 1,
     "^\\[1/3\\] good ok\n"
     "^concat_kept\\.onnx: model 'kept': node 'concat_kept_[0-9]+': out of memory: an allocation "
     "of [0-9]+ bytes failed "
     "\\([a-z_]+\\.c:[0-9]+\\) with [0-9]+ bytes held$\n"
     "^\\[3/3\\] good2 ok\n"
     "^3 models: 2 ok, 0 unsupported, 1 failed, 0 interrupted, 0 skipped; report: "},
};

/* ---- running -------------------------------------------------------------------------------- */

/* "{B}" -> blobc path; the rest copied. */
static void expand(char *out, size_t size, const char *cmd) {
  size_t k = 0;
  for (const char *p = cmd; *p && k + 1 < size; p++) {
    if (!strncmp(p, "{B}", 3)) {
      k += (size_t)snprintf(out + k, size - k, "%s", tu_blobc());
      p += 2;
    } else
      out[k++] = *p;
  }
  out[k < size ? k : size - 1] = 0;
}

/* Appends "path size mtime\n" for every entry under dir (recursive, not following symlinks),
 * skipping the subtree `skip`. */
static void list_tree(Buf *b, const char *dir, const char *skip) {
  DIR *dp = opendir(dir);
  if (!dp) return;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0;
  while ((e = readdir(dp))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    names = realloc(names, (n + 1) * sizeof *names);
    names[n++] = strdup(e->d_name);
  }
  closedir(dp);
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (strcmp(names[i], names[j]) > 0) {
        char *t = names[i];
        names[i] = names[j];
        names[j] = t;
      }
  for (size_t i = 0; i < n; i++) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    free(names[i]);
    if (skip && !strcmp(p, skip)) continue;
    struct stat st;
    if (lstat(p, &st) < 0) continue;
    if (S_ISDIR(st.st_mode)) {
      buf_printf(b, "%s/\n", p); /* a folder's own mtime changes when out/ is created */
      list_tree(b, p, skip);
    } else if (S_ISLNK(st.st_mode)) {
      char t[4096];
      ssize_t k = readlink(p, t, sizeof t - 1);
      t[k > 0 ? k : 0] = 0;
      buf_printf(b, "%s -> %s\n", p, t);
    } else {
      buf_printf(b, "%s %lld %lld.%09ld\n", p, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                 st.st_mtim.tv_nsec);
    }
  }
  free(names);
}

static bool has_tmp_file(const char *dir) {
  char *out = NULL;
  tu_run(&out, "find '%s' -name '*.tmp.*' | head -3", dir);
  bool any = out && out[0];
  if (any) fprintf(stderr, "temporary files left:\n%s", out);
  free(out);
  return any;
}

/* True when every regex of re ('\n'-separated) matches some line of text. */
static bool line_matches(const char *text, const char *re) {
  bool ok = true;
  while (ok && *re) {
    size_t k = strcspn(re, "\n");
    char one[1024];
    snprintf(one, sizeof one, "%.*s", (int)k, re);
    regex_t rx;
    assert_int_equal(regcomp(&rx, one, REG_EXTENDED | REG_NOSUB | REG_NEWLINE), 0);
    ok = regexec(&rx, text, 0, NULL, 0) == 0;
    if (!ok) fprintf(stderr, "no line matches /%s/\n", one);
    regfree(&rx);
    re += k + (re[k] == '\n');
  }
  return ok;
}

/* Runs one case in a fresh P/case/{in,out}; returns true when every check passes. */
static bool run_case(const char *name, void (*gen)(const char *), const char *cmd, int want_rc,
                     const char *re, const char *manifest_file) {
  char *root = tu_tmpdir();
  char cdir[4096], in[4096], out[4096], full[8192], cmdx[4096];
  snprintf(cdir, sizeof cdir, "%s/case", root);
  snprintf(in, sizeof in, "%s/in", cdir);
  snprintf(out, sizeof out, "%s/out", cdir);
  mkdir(cdir, 0755);
  mkdir(in, 0755);
  if (gen) gen(in);
  if (manifest_file) {
    char *o = NULL;
    tu_run(&o, "cp '%s' '%s/zoo.yaml'", manifest_file, in);
    free(o);
    g_tiny(in);
    char *o2 = NULL; /* g_tiny wrote its own zoo.yaml: restore the catalogue's */
    tu_run(&o2, "cp '%s' '%s/zoo.yaml'", manifest_file, in);
    free(o2);
  }
  Buf before = BUF_INIT, after = BUF_INIT;
  list_tree(&before, root, out);
  buf_put(&before, "", 1);
  expand(cmdx, sizeof cmdx, cmd);
  snprintf(full, sizeof full, "cd '%s' && %s timeout 20 sh -c \"%s\" </dev/null", in,
           g_ulimit ? "ulimit -v 2097152 &&" : "", cmdx);
  char *output = NULL;
  int rc = tu_run(&output, "%s", full);
  list_tree(&after, root, out);
  buf_put(&after, "", 1);
  bool ok = true;
  if (rc >= 124 && (rc != want_rc || rc == 124)) { /* 130/143 only where a stop is the case */
    fprintf(stderr, "[%s] CRASH/TIMEOUT rc=%d\n", name, rc);
    ok = false;
  } else if (rc != want_rc) {
    fprintf(stderr, "[%s] rc=%d, want %d\n", name, rc, want_rc);
    ok = false;
  }
  if (!line_matches(output, re)) {
    fprintf(stderr, "[%s] no line matches /%s/\n", name, re);
    ok = false;
  }
  if (strcmp((char *)before.data, (char *)after.data)) {
    fprintf(stderr, "[%s] files outside the output folder changed:\n--- before\n%s--- after\n%s",
            name, (char *)before.data, (char *)after.data);
    ok = false;
  }
  if (has_tmp_file(root)) ok = false;
  if (!ok) {
    fprintf(stderr, "[%s] command: %s\n[%s] output:\n%.3000s\n", name, full, name, output);
  }
  free(output);
  buf_free(&before);
  buf_free(&after);
  tu_rmrf(root);
  free(root);
  return ok;
}

/* ---- cmocka tests --------------------------------------------------------------------------- */

static void bad__generated_cases(void **state) {
  (void)state;
  int failed = 0, n = (int)(sizeof CASES / sizeof CASES[0]);
  const char *only = getenv("BAD_ONLY");
  for (int i = 0; i < n; i++) {
    const BadCase *c = &CASES[i];
    if (only && !strstr(c->name, only)) continue;
    if (!run_case(c->name, c->gen, c->cmd, c->rc, c->re, NULL)) failed++;
  }
  for (size_t i = 0; i < sizeof ULIMIT_CASES / sizeof ULIMIT_CASES[0]; i++) {
    const BadCase *c = &ULIMIT_CASES[i];
    if (only && !strstr(c->name, only)) continue;
    if (!g_ulimit) {
      fprintf(stderr, "[%s] skipped: needs ulimit -v, which this build cannot run under\n",
              c->name);
      continue;
    }
    if (!run_case(c->name, c->gen, c->cmd, c->rc, c->re, NULL)) failed++;
    n++;
  }
  fprintf(stderr, "bad-input catalogue: %d generated cases, %d failed\n", n, failed);
  assert_int_equal(failed, 0);
}

/* "# expect <rc> <regex>" on the first line of a manifest case. */
static bool read_expect(const char *path, int *rc, char *re, size_t size) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char line[2048];
  bool ok = fgets(line, sizeof line, f) != NULL;
  fclose(f);
  if (!ok || strncmp(line, "# expect ", 9)) return false;
  char *end;
  *rc = (int)strtol(line + 9, &end, 10);
  while (*end == ' ') end++;
  size_t k = strcspn(end, "\r\n");
  snprintf(re, size, "%.*s", (int)k, end);
  return true;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void bad__manifest_files(void **state) {
  (void)state;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/manifest", g_bad_dir);
  DIR *dp = opendir(dir);
  assert_non_null(dp);
  char *names[512];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(dp)) && n < 512) {
    size_t k = strlen(e->d_name);
    if (k > 5 && !strcmp(e->d_name + k - 5, ".yaml")) names[n++] = strdup(e->d_name);
  }
  closedir(dp);
  qsort(names, n, sizeof *names, cmp_str);
  const char *only = getenv("BAD_ONLY");
  int failed = 0, ran = 0;
  for (size_t i = 0; i < n; i++) {
    char path[4096], re[2048];
    int rc = 0;
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (only && !strstr(names[i], only)) {
      free(names[i]);
      continue;
    }
    char abs[4096];
    if (!realpath(path, abs)) snprintf(abs, sizeof abs, "%s", path);
    if (!read_expect(abs, &rc, re, sizeof re)) {
      fprintf(stderr, "[%s] first line must be '# expect <rc> <regex>'\n", names[i]);
      failed++;
    } else if (!run_case(names[i], NULL, BUILD, rc, re, abs))
      failed++;
    ran++;
    free(names[i]);
  }
  fprintf(stderr, "bad-input catalogue: %d manifest files, %d failed\n", ran, failed);
  assert_true(ran >= 1 || only);
  assert_int_equal(failed, 0);
}

int main(void) {
  /* tests run from the repository root (make); tests/bad must be there */
  struct stat st;
  if (stat(g_bad_dir, &st) < 0) {
    fprintf(stderr, "test_bad: %s not found (run from the repository root)\n", g_bad_dir);
    return 1;
  }
  char *o = NULL;
  int rc = tu_run(&o, "ulimit -v 2097152 && '%s' version", tu_blobc());
  free(o);
  if (rc != 0) {
    g_ulimit = false;
    fprintf(stderr,
            "test_bad: %s cannot run under ulimit -v (sanitizer build): memory not capped\n",
            tu_blobc());
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(bad__manifest_files),
      cmocka_unit_test(bad__generated_cases),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
