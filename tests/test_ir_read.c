/* tests/test_ir_read.c — OpenVINO IR reader: hand-written IR, writer round trips, real files. */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compiler/backend/irxml.h"
#include "compiler/frontend/ir_read.h"
#include "compiler/frontend/onnx.h"
#include "tests/support/onnx_build.h"

/* ---- hand-written IR ---- */

/* Appends one <port> per ';'-separated dims list ("1,3,8,8;4"; "" = scalar port), ids from id0.
 * Output ports are written with precision prec. Returns the next id. */
static int ports(Buf *b, const char *tag, const char *spec, int id0, const char *prec) {
  if (!spec) return id0;
  buf_printf(b, "<%s>", tag);
  int id = id0;
  const char *s = spec;
  for (;;) {
    size_t n = strcspn(s, ";");
    char dims[128], p[16] = "";
    snprintf(dims, sizeof dims, "%.*s", (int)n, s);
    char *colon = strchr(dims, ':'); /* "I32:1,3" gives the port its own precision */
    if (colon) {
      snprintf(p, sizeof p, "%.*s", (int)(colon - dims), dims);
      memmove(dims, colon + 1, strlen(colon));
    }
    if (p[0] || prec)
      buf_printf(b, "<port id=\"%d\" precision=\"%s\">", id++, p[0] ? p : prec);
    else
      buf_printf(b, "<port id=\"%d\">", id++);
    for (char *d = dims; *d;) {
      size_t k = strcspn(d, ",");
      buf_printf(b, "<dim>%.*s</dim>", (int)k, d);
      d += k;
      if (*d) d++;
    }
    buf_printf(b, "</port>");
    s += n;
    if (!*s) break;
    s++;
  }
  buf_printf(b, "</%s>", tag);
  return id;
}

/* A layer: data is the inside of <data .../> (NULL = none); ins/outs as for ports(). */
static void layer(Buf *b, int id, const char *name, const char *type, const char *ver,
                  const char *data, const char *ins, const char *outs, const char *prec) {
  buf_printf(b, "<layer id=\"%d\" name=\"%s\" type=\"%s\" version=\"%s\">", id, name, type, ver);
  if (data) buf_printf(b, "<data %s/>", data);
  int next = ports(b, "input", ins, 0, NULL);
  ports(b, "output", outs, next, prec);
  buf_printf(b, "</layer>");
}

static void edge(Buf *b, int fl, int fp, int tl, int tp) {
  buf_printf(b, "<edge from-layer=\"%d\" from-port=\"%d\" to-layer=\"%d\" to-port=\"%d\"/>", fl, fp,
             tl, tp);
}

static void net_begin(Buf *b) {
  buf_printf(b, "<?xml version=\"1.0\"?>\n<net name=\"t\" version=\"10\"><layers>");
}
static void net_edges(Buf *b) { buf_printf(b, "</layers><edges>"); }
static void net_end(Buf *b) { buf_printf(b, "</edges></net>"); }

static int load_xml(IrGraph **g, Arena *a, const Buf *xml, const Buf *bin, Err *err) {
  return fe_ir_load_mem(g, a, (const char *)xml->data, xml->len, bin ? bin->data : NULL,
                        bin ? bin->len : 0, "t.xml", err);
}

/* The only live node with op type op_type ("Conv"); fails the test when not exactly one. */
static const IrNode *only(const IrGraph *g, const char *op_type) {
  const IrNode *f = NULL;
  int c = 0;
  for (int i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].dead && strcmp(g->nodes[i].op_type, op_type) == 0) f = &g->nodes[i], c++;
  if (c != 1) fprintf(stderr, "%d nodes of type %s\n", c, op_type);
  assert_int_equal(c, 1);
  return f;
}

static void assert_ints(const IrNode *n, const char *attr, int cnt, const int64_t *want) {
  int64_t v[64];
  int got = ir_attr_ints(n, attr, v, 64);
  assert_int_equal(got, cnt);
  for (int i = 0; i < cnt; i++) assert_int_equal(v[i], want[i]);
}

/* x[1,4,8,8] -> GroupConvolution(W[2,2,2,3,3]) -> Add(bias [1,4,1,1]) -> Result. */
static void conv_net(Buf *x, Buf *bin, int64_t bin_trunc) {
  float w[2 * 2 * 2 * 9], bias[4] = {1, 2, 3, 4};
  for (int i = 0; i < 72; i++) w[i] = (float)i * 0.5f;
  buf_put(bin, w, sizeof w);
  buf_put(bin, bias, sizeof bias);
  if (bin_trunc >= 0) bin->len = (size_t)bin_trunc;
  net_begin(x);
  layer(x, 0, "x", "Parameter", "opset1", "element_type=\"f32\" shape=\"1,4,8,8\"", NULL, "1,4,8,8",
        "FP32");
  layer(x, 1, "w", "Const", "opset1",
        "element_type=\"f32\" shape=\"2,2,2,3,3\" offset=\"0\" size=\"288\"", NULL, "2,2,2,3,3",
        "FP32");
  layer(
      x, 2, "conv/WithoutBiases", "GroupConvolution", "opset1",
      "strides=\"1,1\" dilations=\"1,1\" pads_begin=\"1,1\" pads_end=\"1,1\" auto_pad=\"explicit\"",
      "1,4,8,8;2,2,2,3,3", "1,4,8,8", "FP32");
  layer(x, 3, "b", "Const", "opset1",
        "element_type=\"f32\" shape=\"1,4,1,1\" offset=\"288\" size=\"16\"", NULL, "1,4,1,1",
        "FP32");
  layer(x, 4, "conv", "Add", "opset1", "auto_broadcast=\"numpy\"", "1,4,8,8;1,4,1,1", "1,4,8,8",
        "FP32");
  layer(x, 5, "out", "Result", "opset1", NULL, "1,4,8,8", NULL, NULL);
  net_edges(x);
  edge(x, 0, 0, 2, 0);
  edge(x, 1, 0, 2, 1);
  edge(x, 2, 2, 4, 0);
  edge(x, 3, 0, 4, 1);
  edge(x, 4, 2, 5, 0);
  net_end(x);
}

static void ir_read__group_conv_gets_group_and_bias(void **state) {
  (void)state;
  Arena *a = arena_new();
  Buf x = BUF_INIT, bin = BUF_INIT;
  conv_net(&x, &bin, -1);
  IrGraph *g = NULL;
  Err err = {0};
  int rc = load_xml(&g, a, &x, &bin, &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(rc, 0);
  assert_int_equal(g->n_nodes, 1);
  const IrNode *n = only(g, "Conv");
  assert_string_equal(n->name, "conv");
  assert_int_equal(ir_attr_int(n, "group", 1), 2);
  assert_ints(n, "pads", 4, (int64_t[]){1, 1, 1, 1});
  assert_ints(n, "kernel_shape", 2, (int64_t[]){3, 3});
  assert_int_equal(n->n_inputs, 3);
  const IrTensor *w = &g->tensors[n->inputs[1]], *b = &g->tensors[n->inputs[2]];
  assert_int_equal(w->rank, 4);
  assert_int_equal(w->dims[0], 4);
  assert_int_equal(w->dims[1], 2);
  assert_true(ir_const_f64(w, 71) == 35.5);
  assert_int_equal(b->rank, 1);
  assert_int_equal(b->dims[0], 4);
  assert_true(ir_const_f64(b, 3) == 4.0);
  assert_int_equal(g->n_inputs, 1);
  assert_int_equal(g->n_outputs, 1);
  assert_string_equal(g->tensors[g->outputs[0]].name, "conv");
  assert_int_equal(ir_infer(g, &err), 0);
  assert_int_equal(g->tensors[g->outputs[0]].dims[1], 4);
  buf_free(&x);
  buf_free(&bin);
  arena_free(a);
}

/* Error case: loads xml/bin and checks the code and message. */
static void expect_fail(const Buf *x, const Buf *bin, ErrCode code, const char *msg,
                        const char *node) {
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_xml(&g, a, x, bin, &err), -1);
  assert_null(g);
  if (strcmp(err.msg, msg) != 0) fprintf(stderr, "got: %s\n", err.msg);
  assert_int_equal(err.code, code);
  assert_string_equal(err.msg, msg);
  assert_string_equal(err.file, "t.xml");
  if (node) assert_string_equal(err.node, node);
  arena_free(a);
}

static void ir_read__const_beyond_bin_is_an_error(void **state) {
  (void)state;
  Buf x = BUF_INIT, bin = BUF_INIT;
  conv_net(&x, &bin, 100);
  expect_fail(&x, &bin, ERR_PARSE,
              "const offset 0 + size 288 is beyond the end of the weights (100 bytes)", "w");
  buf_free(&x);
  buf_free(&bin);
}

static void ir_read__const_without_bin_is_an_error(void **state) {
  (void)state;
  Buf x = BUF_INIT, bin = BUF_INIT;
  conv_net(&x, &bin, -1);
  expect_fail(&x, NULL, ERR_PARSE, "const needs weights but no .bin was given", "w");
  buf_free(&x);
  buf_free(&bin);
}

static void ir_read__const_size_mismatch_is_an_error(void **state) {
  (void)state;
  Buf x = BUF_INIT, bin = BUF_INIT;
  buf_put_zeros(&bin, 64);
  net_begin(&x);
  layer(&x, 0, "c", "Const", "opset1",
        "element_type=\"f16\" shape=\"4,4\" offset=\"0\" size=\"16\"", NULL, "4,4", "FP16");
  layer(&x, 1, "r", "Result", "opset1", NULL, "4,4", NULL, NULL);
  net_edges(&x);
  edge(&x, 0, 0, 1, 0);
  net_end(&x);
  expect_fail(&x, &bin, ERR_PARSE, "const shape 4x4 of f16 needs 32 bytes, size is 16", "c");
  buf_free(&x);
  buf_free(&bin);
}

static void ir_read__malformed_xml_is_an_error(void **state) {
  (void)state;
  Buf x = BUF_INIT;
  buf_printf(&x, "<net version=\"10\"><layers><layer id=\"0\"");
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_xml(&g, a, &x, NULL, &err), -1);
  assert_int_equal(err.code, ERR_PARSE);
  assert_true(strncmp(err.msg, "not an OpenVINO IR file (xml line 1: ", 37) == 0);
  /* every truncation of a valid file fails cleanly or loads */
  Buf v = BUF_INIT, bin = BUF_INIT;
  conv_net(&v, &bin, -1);
  for (size_t n = 0; n < v.len; n += 7) {
    IrGraph *h = NULL;
    Err e = {0};
    int rc = fe_ir_load_mem(&h, a, (const char *)v.data, n, bin.data, bin.len, "t.xml", &e);
    assert_true(rc == -1 && e.code == ERR_PARSE && h == NULL);
  }
  arena_free(a);
  buf_free(&x);
  buf_free(&v);
  buf_free(&bin);
}

static void ir_read__structure_errors(void **state) {
  (void)state;
  Buf x = BUF_INIT;
  buf_printf(&x, "<?xml version=\"1.0\"?><model/>");
  expect_fail(&x, NULL, ERR_PARSE, "not an OpenVINO IR file (root element is not <net>)", NULL);
  x.len = 0;
  buf_printf(&x, "<net version=\"7\"><layers/></net>");
  expect_fail(&x, NULL, ERR_PARSE, "IR version '7' is not supported (expected 10 or 11)", NULL);
  x.len = 0;
  buf_printf(&x, "<?xml version=\"1.0\"?><!DOCTYPE net [<!ENTITY a \"aaaa\">]><net "
                 "version=\"10\"><layers/></net>");
  expect_fail(&x, NULL, ERR_PARSE, "a DOCTYPE is not allowed in an IR file", NULL);
  /* duplicate id, edge to a missing layer, unconnected port, two edges into one port */
  x.len = 0;
  net_begin(&x);
  layer(&x, 0, "p", "Parameter", "opset1", "element_type=\"f32\" shape=\"2\"", NULL, "2", "FP32");
  layer(&x, 0, "q", "Relu", "opset1", NULL, "2", "2", "FP32");
  net_edges(&x);
  net_end(&x);
  expect_fail(&x, NULL, ERR_PARSE, "layer id 0 is used twice", NULL);
  x.len = 0;
  net_begin(&x);
  layer(&x, 0, "p", "Parameter", "opset1", "element_type=\"f32\" shape=\"2\"", NULL, "2", "FP32");
  layer(&x, 1, "q", "Relu", "opset1", NULL, "2", "2", "FP32");
  net_edges(&x);
  edge(&x, 0, 0, 9, 0);
  net_end(&x);
  expect_fail(&x, NULL, ERR_PARSE, "edge 0:0 -> 9:0 refers to a missing layer", NULL);
  x.len = 0;
  net_begin(&x);
  layer(&x, 0, "p", "Parameter", "opset1", "element_type=\"f32\" shape=\"2\"", NULL, "2", "FP32");
  layer(&x, 1, "q", "Relu", "opset1", NULL, "2", "2", "FP32");
  net_edges(&x);
  net_end(&x);
  expect_fail(&x, NULL, ERR_PARSE, "input port 0 is not connected", "q");
  x.len = 0;
  net_begin(&x);
  layer(&x, 0, "p", "Parameter", "opset1", "element_type=\"f32\" shape=\"2\"", NULL, "2", "FP32");
  layer(&x, 1, "q", "Relu", "opset1", NULL, "2", "2", "FP32");
  net_edges(&x);
  edge(&x, 0, 0, 1, 0);
  edge(&x, 0, 0, 1, 0);
  net_end(&x);
  expect_fail(&x, NULL, ERR_PARSE, "input port 0 has two edges", "q");
  x.len = 0;
  net_begin(&x);
  layer(&x, 0, "p", "Parameter", "opset1", "element_type=\"f32\" shape=\"2\"", NULL, "2,x", "FP32");
  net_edges(&x);
  net_end(&x);
  expect_fail(&x, NULL, ERR_PARSE, "port 0: dimension 'x' is not an integer", "p");
  x.len = 0;
  net_begin(&x);
  layer(&x, 0, "p", "Parameter", "opset1", "element_type=\"f32\" shape=\"2\"", NULL, "2", "FP32");
  layer(&x, 1, "mp", "MaxPool", "opset1", "kernel=\"2,a\" strides=\"1,1\"", "2", "2", "FP32");
  net_edges(&x);
  edge(&x, 0, 0, 1, 0);
  net_end(&x);
  /* rank-1 input: MaxPool cannot map, so it is kept as an unknown node (no attribute parse) */
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_xml(&g, a, &x, NULL, &err), 0);
  assert_int_equal(only(g, "MaxPool")->op, IR_OP_UNKNOWN);
  arena_free(a);
  buf_free(&x);
}

/* p[1,2,4,4] -> two Relu in a cycle. */
static void ir_read__cycle_is_an_error(void **state) {
  (void)state;
  Buf x = BUF_INIT;
  net_begin(&x);
  layer(&x, 0, "a", "Add", "opset1", NULL, "2;2", "2", "FP32");
  layer(&x, 1, "b", "Relu", "opset1", NULL, "2", "2", "FP32");
  layer(&x, 2, "p", "Parameter", "opset1", "element_type=\"f32\" shape=\"2\"", NULL, "2", "FP32");
  net_edges(&x);
  edge(&x, 2, 0, 0, 0);
  edge(&x, 1, 1, 0, 1);
  edge(&x, 0, 2, 1, 0);
  net_end(&x);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_xml(&g, a, &x, NULL, &err), -1);
  assert_int_equal(err.code, ERR_PARSE);
  assert_non_null(strstr(err.msg, "cycle"));
  arena_free(a);
  buf_free(&x);
}

static void ir_read__unknown_layer_is_kept_with_its_type(void **state) {
  (void)state;
  Buf x = BUF_INIT;
  net_begin(&x);
  layer(&x, 0, "p", "Parameter", "opset1", "element_type=\"f16\" shape=\"1,8,4,4\"", NULL,
        "1,8,4,4", "FP16");
  layer(&x, 1, "pb", "PriorBoxClustered", "opset1", "clip=\"0\" step=\"16.0\" width=\"9.4,25.1\"",
        "1,8,4,4", "1,2,128", "FP32");
  layer(&x, 2, "fq", "FakeQuantize", "opset1", "levels=\"256\"", "1,8,4,4", "1,8,4,4", "FP16");
  layer(&x, 3, "r1", "Result", "opset1", NULL, "1,2,128", NULL, NULL);
  layer(&x, 4, "r2", "Result", "opset1", NULL, "1,8,4,4", NULL, NULL);
  net_edges(&x);
  edge(&x, 0, 0, 1, 0);
  edge(&x, 0, 0, 2, 0);
  edge(&x, 1, 1, 3, 0);
  edge(&x, 2, 1, 4, 0);
  net_end(&x);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(load_xml(&g, a, &x, NULL, &err), 0);
  const IrNode *n = only(g, "PriorBoxClustered");
  assert_int_equal(n->op, IR_OP_UNKNOWN);
  assert_string_equal(ir_attr_str(n, "width", ""), "9.4,25.1");
  assert_int_equal(only(g, "FakeQuantize")->op, IR_OP_UNKNOWN);
  assert_int_equal(g->tensors[g->inputs[0]].dtype, DT_F16);
  /* shapes come from the ports, and survive inference through unknown ops */
  assert_int_equal(ir_infer(g, &err), 0);
  const IrTensor *o = &g->tensors[g->outputs[0]];
  assert_int_equal(o->rank, 3);
  assert_int_equal(o->dims[2], 128);
  assert_int_equal(o->dtype, DT_F32);
  arena_free(a);
  buf_free(&x);
}

/* Small one-layer nets with Const inputs: p[shape] (+ consts) -> LAYER -> Result. */
typedef struct {
  Buf x, bin;
  int next_id;
  int n_edges;
  int edges[32][4];
} Net;

static void nb_begin(Net *n) {
  memset(n, 0, sizeof *n);
  net_begin(&n->x);
}

static int nb_param(Net *n, const char *name, const char *et, const char *shape) {
  char data[256];
  snprintf(data, sizeof data, "element_type=\"%s\" shape=\"%s\"", et, shape);
  int id = n->next_id++;
  layer(&n->x, id, name, "Parameter", "opset1", data, NULL, shape,
        et[0] == 'f' && et[1] == '1' ? "FP16" : "FP32");
  return id;
}

/* An i64 Const; vals has cnt values; shape "" = scalar. */
static int nb_i64(Net *n, const char *name, const char *shape, const int64_t *vals, int cnt) {
  char data[256];
  snprintf(data, sizeof data, "element_type=\"i64\" shape=\"%s\" offset=\"%zu\" size=\"%d\"", shape,
           n->bin.len, cnt * 8);
  buf_put(&n->bin, vals, (size_t)cnt * 8);
  int id = n->next_id++;
  layer(&n->x, id, name, "Const", "opset1", data, NULL, shape, "I64");
  return id;
}

static int nb_f32(Net *n, const char *name, const char *shape, const float *vals, int cnt) {
  char data[256];
  snprintf(data, sizeof data, "element_type=\"f32\" shape=\"%s\" offset=\"%zu\" size=\"%d\"", shape,
           n->bin.len, cnt * 4);
  buf_put(&n->bin, vals, (size_t)cnt * 4);
  int id = n->next_id++;
  layer(&n->x, id, name, "Const", "opset1", data, NULL, shape, "FP32");
  return id;
}

/* The layer under test fed by the given layer ids (output port 0 of each; port ids of the
 * layer's inputs are 0..n-1, first output n). ins/outs give the port dims. */
static int nb_layer(Net *n, const char *type, const char *ver, const char *data, const int *from,
                    int n_from, const char *ins, const char *outs, const char *prec) {
  int id = n->next_id++;
  layer(&n->x, id, "L", type, ver, data, ins, outs, prec);
  for (int k = 0; k < n_from; k++) {
    int *e = n->edges[n->n_edges++];
    e[0] = from[k], e[1] = 0, e[2] = id, e[3] = k;
  }
  return id;
}

/* Results for output ports [0, n_out) of layer id (which has n_in inputs). */
static void nb_results(Net *n, int id, int n_in, int n_out, const char *outs) {
  const char *s = outs;
  for (int k = 0; k < n_out; k++) {
    size_t len = strcspn(s, ";");
    char dims[128];
    snprintf(dims, sizeof dims, "%.*s", (int)len, s);
    int r = n->next_id++;
    char name[16];
    snprintf(name, sizeof name, "r%d", k);
    layer(&n->x, r, name, "Result", "opset1", NULL, dims, NULL, NULL);
    int *e = n->edges[n->n_edges++];
    e[0] = id, e[1] = n_in + k, e[2] = r, e[3] = 0;
    s += len;
    if (*s) s++;
  }
}

static IrGraph *nb_load(Net *n, Arena *a) {
  net_edges(&n->x);
  for (int i = 0; i < n->n_edges; i++) {
    int *e = n->edges[i];
    /* Const and Parameter layers have their output port at id 0 */
    edge(&n->x, e[0], e[1], e[2], e[3]);
  }
  net_end(&n->x);
  IrGraph *g = NULL;
  Err err = {0};
  int rc = load_xml(&g, a, &n->x, &n->bin, &err);
  if (rc) fprintf(stderr, "load: %s (%s)\n", err.msg, err.node);
  assert_int_equal(rc, 0);
  rc = ir_infer(g, &err);
  if (rc) fprintf(stderr, "infer: %s (%s)\n", err.msg, err.node);
  assert_int_equal(rc, 0);
  buf_free(&n->x);
  buf_free(&n->bin);
  return g;
}

static void ir_read__strided_slice_with_shrink(void **state) {
  (void)state;
  Arena *a = arena_new();
  Net n;
  nb_begin(&n);
  int p = nb_param(&n, "x", "f32", "1,6,8,8");
  int b = nb_i64(&n, "b", "4", (int64_t[]){0, 2, 1, 0}, 4);
  int e = nb_i64(&n, "e", "4", (int64_t[]){0, 5, 2, 0}, 4);
  int s = nb_i64(&n, "s", "4", (int64_t[]){1, 1, 1, 2}, 4);
  int id = nb_layer(
      &n, "StridedSlice", "opset1",
      "begin_mask=\"1,0,0,1\" end_mask=\"1,0,0,1\" new_axis_mask=\"\" shrink_axis_mask=\"0,0,1,0\" "
      "ellipsis_mask=\"\"",
      (int[]){p, b, e, s}, 4, "1,6,8,8;4;4;4", "1,3,4", "FP32");
  nb_results(&n, id, 4, 1, "1,3,4");
  IrGraph *g = nb_load(&n, a);
  const IrNode *sl = only(g, "Slice");
  assert_int_equal(sl->n_inputs, 5);
  const IrTensor *ax = &g->tensors[sl->inputs[3]];
  assert_int_equal(ir_numel(ax), 3);
  assert_int_equal(ir_const_i64(ax, 0), 1);
  assert_int_equal(ir_const_i64(ax, 2), 3);
  only(g, "Squeeze");
  const IrTensor *o = &g->tensors[g->outputs[0]];
  assert_int_equal(o->rank, 3);
  assert_int_equal(o->dims[0], 1);
  assert_int_equal(o->dims[1], 3);
  assert_int_equal(o->dims[2], 4);
  arena_free(a);
}

/* Loads and infers a Net, returning the first failure's code (0 when both pass). */
static int nb_try(Net *n, Arena *a, Err *err) {
  net_edges(&n->x);
  for (int i = 0; i < n->n_edges; i++)
    edge(&n->x, n->edges[i][0], n->edges[i][1], n->edges[i][2], n->edges[i][3]);
  net_end(&n->x);
  IrGraph *g = NULL;
  int rc = load_xml(&g, a, &n->x, &n->bin, err);
  if (rc == 0) rc = ir_infer(g, err);
  ir_release(g);
  buf_free(&n->x);
  buf_free(&n->bin);
  return rc ? err->code : 0;
}

/* PriorBoxClustered folds to a constant [2, 4*H*W*P]; malformed or inconsistent attributes are
 * one-line errors naming the layer. */
static void ir_read__prior_box_clustered_folds_and_bad_attrs_fail(void **state) {
  (void)state;
  static const char *const datas[3] = {
      "width=\"2.0,4.0\" height=\"3.0,5.0\" variance=\"0.1,0.1,0.2,0.2\" step=\"8.0\" "
      "offset=\"0.5\" clip=\"0\"",
      "width=\"2.0,abc\" height=\"3.0,5.0\"",
      "width=\"2.0,4.0\" height=\"3.0\"",
  };
  for (int k = 0; k < 3; k++) {
    Arena *a = arena_new();
    Net n;
    nb_begin(&n);
    int fs = nb_i64(&n, "fs", "2", (int64_t[]){3, 4}, 2),
        is = nb_i64(&n, "is", "2", (int64_t[]){24, 32}, 2);
    int id = nb_layer(&n, "PriorBoxClustered", "opset1", datas[k], (int[]){fs, is}, 2, "2;2",
                      "2,96", "FP32");
    nb_results(&n, id, 2, 1, "2,96");
    Err err = {0};
    int rc = nb_try(&n, a, &err);
    if (k == 0) {
      assert_int_equal(rc, 0);
    } else {
      assert_true(rc == ERR_PARSE || rc == ERR_SHAPE);
      assert_string_equal(err.node, "L");
    }
    arena_free(a);
  }
  /* the values: cell (0,0), prior 0 = centre (4, 4), 2 x 3 over a 32 x 24 image */
  Arena *a = arena_new();
  Net n;
  nb_begin(&n);
  int fs = nb_i64(&n, "fs", "2", (int64_t[]){3, 4}, 2),
      is = nb_i64(&n, "is", "2", (int64_t[]){24, 32}, 2);
  int id = nb_layer(&n, "PriorBoxClustered", "opset1", datas[0], (int[]){fs, is}, 2, "2;2", "2,96",
                    "FP32");
  nb_results(&n, id, 2, 1, "2,96");
  IrGraph *g = nb_load(&n, a);
  const IrTensor *o = &g->tensors[g->outputs[0]];
  assert_non_null(o->data);
  assert_int_equal(ir_numel(o), 192);
  assert_true(fabs(ir_const_f64(o, 0) - 3.0 / 32) < 1e-6 &&
              fabs(ir_const_f64(o, 1) - 2.5 / 24) < 1e-6);
  assert_true(fabs(ir_const_f64(o, 2) - 5.0 / 32) < 1e-6 &&
              fabs(ir_const_f64(o, 3) - 5.5 / 24) < 1e-6);
  assert_true(fabs(ir_const_f64(o, 96 + 2) - 0.2) < 1e-6);
  ir_release(g);
  arena_free(a);
}

/* DetectionOutput: output [1, 1, N * keep_top_k, 7]; num_classes 0 is an error. */
static void ir_read__detection_output_shape_and_bad_classes(void **state) {
  (void)state;
  for (int k = 0; k < 2; k++) {
    Arena *a = arena_new();
    Net n;
    nb_begin(&n);
    int l = nb_param(&n, "loc", "f32", "1,40"), c = nb_param(&n, "conf", "f32", "1,20"),
        p = nb_param(&n, "pri", "f32", "1,2,40");
    const char *data = k == 0 ? "num_classes=\"2\" keep_top_k=\"5\" top_k=\"8\" "
                                "code_type=\"caffe.PriorBoxParameter.CENTER_SIZE\" "
                                "nms_threshold=\"0.45\" confidence_threshold=\"0.01\" "
                                "share_location=\"1\" normalized=\"1\""
                              : "num_classes=\"0\" keep_top_k=\"5\"";
    int id = nb_layer(&n, "DetectionOutput", "opset1", data, (int[]){l, c, p}, 3,
                      "1,40;1,20;1,2,40", "1,1,5,7", "FP32");
    nb_results(&n, id, 3, 1, "1,1,5,7");
    Err err = {0};
    int rc = nb_try(&n, a, &err);
    if (k == 0)
      assert_int_equal(rc, 0);
    else
      assert_int_equal(rc, ERR_SHAPE);
    arena_free(a);
  }
}

static void ir_read__interpolate_v1_becomes_resize(void **state) {
  (void)state;
  Arena *a = arena_new();
  Net n;
  nb_begin(&n);
  int p = nb_param(&n, "x", "f32", "1,3,4,4");
  int s = nb_i64(&n, "size", "2", (int64_t[]){8, 12}, 2);
  int id = nb_layer(&n, "Interpolate", "opset1",
                    "align_corners=\"0\" antialias=\"0\" axes=\"2,3\" mode=\"nearest\" "
                    "pads_begin=\"0\" pads_end=\"0\"",
                    (int[]){p, s}, 2, "1,3,4,4;2", "1,3,8,12", "FP32");
  nb_results(&n, id, 2, 1, "1,3,8,12");
  IrGraph *g = nb_load(&n, a);
  const IrNode *r = only(g, "Resize");
  assert_string_equal(ir_attr_str(r, "mode", ""), "nearest");
  assert_string_equal(ir_attr_str(r, "coordinate_transformation_mode", ""), "asymmetric");
  assert_string_equal(ir_attr_str(r, "nearest_mode", ""), "floor");
  const IrTensor *o = &g->tensors[g->outputs[0]];
  assert_int_equal(o->dims[2], 8);
  assert_int_equal(o->dims[3], 12);
  arena_free(a);
}

static void ir_read__prelu_scalar_is_leaky_relu(void **state) {
  (void)state;
  Arena *a = arena_new();
  Net n;
  nb_begin(&n);
  int p = nb_param(&n, "x", "f32", "1,3,4,4");
  int s = nb_f32(&n, "slope", "1", (float[]){0.125f}, 1);
  int id = nb_layer(&n, "PReLU", "opset1", NULL, (int[]){p, s}, 2, "1,3,4,4;1", "1,3,4,4", "FP32");
  nb_results(&n, id, 2, 1, "1,3,4,4");
  IrGraph *g = nb_load(&n, a);
  assert_true(ir_attr_float(only(g, "LeakyRelu"), "alpha", 0) == 0.125f);
  arena_free(a);
  nb_begin(&n);
  a = arena_new();
  p = nb_param(&n, "x", "f32", "1,3,4,4");
  s = nb_f32(&n, "slope", "3", (float[]){0.1f, 0.2f, 0.3f}, 3);
  id = nb_layer(&n, "PReLU", "opset1", NULL, (int[]){p, s}, 2, "1,3,4,4;3", "1,3,4,4", "FP32");
  nb_results(&n, id, 2, 1, "1,3,4,4");
  g = nb_load(&n, a);
  const IrNode *pr = only(g, "PRelu");
  assert_int_equal(g->tensors[pr->inputs[1]].rank, 3); /* [3,1,1]: ONNX broadcasting */
  arena_free(a);
}

static void ir_read__batch_norm_v1_input_order(void **state) {
  (void)state;
  Arena *a = arena_new();
  Net n;
  nb_begin(&n);
  int ga = nb_f32(&n, "gamma", "2", (float[]){1, 2}, 2);
  int be = nb_f32(&n, "beta", "2", (float[]){3, 4}, 2);
  int p = nb_param(&n, "x", "f32", "1,2,4,4");
  int me = nb_f32(&n, "mean", "2", (float[]){5, 6}, 2);
  int va = nb_f32(&n, "var", "2", (float[]){7, 8}, 2);
  int id = nb_layer(&n, "BatchNormInference", "opset1", "epsilon=\"0.001\"",
                    (int[]){ga, be, p, me, va}, 5, "2;2;1,2,4,4;2;2", "1,2,4,4", "FP32");
  nb_results(&n, id, 5, 1, "1,2,4,4");
  IrGraph *g = nb_load(&n, a);
  const IrNode *bn = only(g, "BatchNormalization");
  assert_string_equal(g->tensors[bn->inputs[0]].name, "x");
  assert_string_equal(g->tensors[bn->inputs[1]].name, "gamma");
  assert_string_equal(g->tensors[bn->inputs[2]].name, "beta");
  assert_string_equal(g->tensors[bn->inputs[3]].name, "mean");
  assert_true(ir_attr_float(bn, "epsilon", 0) == 0.001f);
  arena_free(a);
}

static void ir_read__topk_i32_indices_get_a_cast(void **state) {
  (void)state;
  Arena *a = arena_new();
  Net n;
  nb_begin(&n);
  int p = nb_param(&n, "x", "f32", "1,10");
  int k = nb_i64(&n, "k", "", (int64_t[]){3}, 1);
  int id = nb_layer(&n, "TopK", "opset3",
                    "axis=\"1\" mode=\"max\" sort=\"value\" index_element_type=\"i32\"",
                    (int[]){p, k}, 2, "1,10;", "FP32:1,3;I32:1,3", NULL);
  nb_results(&n, id, 2, 2, "1,3;1,3");
  IrGraph *g = nb_load(&n, a);
  const IrNode *t = only(g, "TopK");
  assert_int_equal(ir_attr_int(t, "largest", 0), 1);
  assert_int_equal(ir_attr_int(t, "axis", 0), 1);
  assert_int_equal(ir_attr_int(only(g, "Cast"), "to", 0), 6);
  assert_int_equal(g->tensors[g->outputs[1]].dims[1], 3);
  arena_free(a);
}

static void ir_read__mvn_over_spatial_is_instance_norm(void **state) {
  (void)state;
  Arena *a = arena_new();
  Net n;
  nb_begin(&n);
  int p = nb_param(&n, "x", "f32", "1,3,4,4");
  int ax = nb_i64(&n, "axes", "2", (int64_t[]){2, 3}, 2);
  int id = nb_layer(&n, "MVN", "opset6",
                    "eps=\"1e-5\" eps_mode=\"inside_sqrt\" normalize_variance=\"true\"",
                    (int[]){p, ax}, 2, "1,3,4,4;2", "1,3,4,4", "FP32");
  nb_results(&n, id, 2, 1, "1,3,4,4");
  IrGraph *g = nb_load(&n, a);
  only(g, "InstanceNormalization");
  arena_free(a);
  /* over channels too: decomposed */
  a = arena_new();
  nb_begin(&n);
  p = nb_param(&n, "x", "f32", "1,3,4,4");
  ax = nb_i64(&n, "axes", "3", (int64_t[]){1, 2, 3}, 3);
  id = nb_layer(&n, "MVN", "opset6",
                "eps=\"1e-5\" eps_mode=\"outside_sqrt\" normalize_variance=\"true\"",
                (int[]){p, ax}, 2, "1,3,4,4;3", "1,3,4,4", "FP32");
  nb_results(&n, id, 2, 1, "1,3,4,4");
  g = nb_load(&n, a);
  assert_string_equal(only(g, "Div")->name, "L");
  assert_int_equal(g->n_nodes, 7);
  arena_free(a);
}

static void ir_read__matmul_transpose_and_bias_to_gemm(void **state) {
  (void)state;
  Arena *a = arena_new();
  Net n;
  nb_begin(&n);
  float w[6 * 4] = {0}, bias[6] = {1, 2, 3, 4, 5, 6};
  int p = nb_param(&n, "x", "f32", "2,4");
  int wt = nb_f32(&n, "w", "6,4", w, 24);
  int mm = nb_layer(&n, "MatMul", "opset1", "transpose_a=\"false\" transpose_b=\"true\"",
                    (int[]){p, wt}, 2, "2,4;6,4", "2,6", "FP32");
  int b = nb_f32(&n, "bias", "1,6", bias, 6);
  int id = n.next_id++;
  layer(&n.x, id, "fc", "Add", "opset1", NULL, "2,6;1,6", "2,6", "FP32");
  n.edges[n.n_edges][0] = mm, n.edges[n.n_edges][1] = 2, n.edges[n.n_edges][2] = id,
  n.edges[n.n_edges++][3] = 0;
  n.edges[n.n_edges][0] = b, n.edges[n.n_edges][1] = 0, n.edges[n.n_edges][2] = id,
  n.edges[n.n_edges++][3] = 1;
  nb_results(&n, id, 2, 1, "2,6");
  IrGraph *g = nb_load(&n, a);
  assert_int_equal(g->n_nodes, 1);
  const IrNode *gm = only(g, "Gemm");
  assert_string_equal(gm->name, "fc");
  assert_int_equal(ir_attr_int(gm, "transB", 0), 1);
  assert_int_equal(gm->n_inputs, 3);
  assert_int_equal(g->tensors[g->outputs[0]].dims[1], 6);
  arena_free(a);
}

/* ---- writer round trips ---- */

/* The live ops of g (Identity/Dropout skipped: the writer wires them through), sorted. */
static void op_list(const IrGraph *g, char *buf, size_t size) {
  const char *ops[4096];
  int n = 0;
  for (int i = 0; i < g->n_nodes && n < 4096; i++) {
    const IrNode *x = &g->nodes[i];
    if (x->dead || x->op == IR_OP_IDENTITY || x->op == IR_OP_DROPOUT) continue;
    bool folded = x->n_outputs > 0;
    for (int k = 0; k < x->n_outputs; k++)
      if (x->outputs[k] >= 0 && !g->tensors[x->outputs[k]].data) folded = false;
    /* the writer writes Flatten as a Reshape to the static shape */
    if (!folded) ops[n++] = x->op == IR_OP_FLATTEN ? "Reshape" : x->op_type;
  }
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && strcmp(ops[j - 1], ops[j]) > 0; j--) {
      const char *t = ops[j];
      ops[j] = ops[j - 1];
      ops[j - 1] = t;
    }
  size_t k = 0;
  buf[0] = 0;
  for (int i = 0; i < n && k + 64 < size; i++)
    k += (size_t)snprintf(buf + k, size - k, "%s%s", i ? " " : "", ops[i]);
}

/* ONNX bytes -> graph (inferred) -> IR v11 -> graph (inferred); checks ops and output shapes.
 * Returns false (checking nothing) when the graph has an unknown op the writer cannot place
 * (no static shapes past it: compile_model skips the IR then too). */
static bool roundtrip(const uint8_t *onnx, size_t len, const char *what, const char *want_ops) {
  Arena *a = arena_new();
  IrGraph *g = NULL, *h = NULL;
  Err err = {0};
  int rc = fe_onnx_load_mem(&g, a, onnx, len, what, &err);
  if (rc == 0) rc = ir_infer(g, &err);
  if (rc) fprintf(stderr, "%s: onnx: %s\n", what, err.msg);
  assert_int_equal(rc, 0);
  Buf xml = BUF_INIT, bin = BUF_INIT;
  rc = be_irxml_write(g, "rt", &xml, &bin, &err);
  bool unknown = false;
  for (int i = 0; i < g->n_nodes; i++) unknown |= g->nodes[i].op == IR_OP_UNKNOWN;
  if (rc && unknown) {
    fprintf(stderr, "%s: not written (%s), skipped\n", what, err.msg);
    ir_release(g);
    arena_free(a);
    return false;
  }
  if (rc) fprintf(stderr, "%s: write: %s\n", what, err.msg);
  assert_int_equal(rc, 0);
  rc = fe_ir_load_mem(&h, a, (const char *)xml.data, xml.len, bin.data, bin.len, "rt.xml", &err);
  if (rc == 0) rc = ir_infer(h, &err);
  if (rc)
    fprintf(stderr, "%s: read: %s (%s)\n%.*s\n", what, err.msg, err.node, (int)xml.len,
            (const char *)xml.data);
  assert_int_equal(rc, 0);
  char a_ops[8192], b_ops[8192];
  op_list(g, a_ops, sizeof a_ops);
  op_list(h, b_ops, sizeof b_ops);
  if (strcmp(want_ops ? want_ops : a_ops, b_ops))
    fprintf(stderr, "%s:\n onnx: %s\n   ir: %s\n", what, a_ops, b_ops);
  assert_string_equal(want_ops ? want_ops : a_ops, b_ops);
  assert_int_equal(g->n_inputs, h->n_inputs);
  assert_int_equal(g->n_outputs, h->n_outputs);
  for (int i = 0; i < g->n_outputs; i++) {
    const IrTensor *x = &g->tensors[g->outputs[i]], *y = &h->tensors[h->outputs[i]];
    assert_string_equal(x->name, y->name);
    assert_int_equal(x->rank, y->rank);
    for (int d = 0; d < x->rank; d++) assert_int_equal(x->dims[d], y->dims[d]);
    assert_int_equal(x->dtype, y->dtype);
  }
  for (int i = 0; i < g->n_inputs; i++)
    assert_string_equal(g->tensors[g->inputs[i]].name, h->tensors[h->inputs[i]].name);
  buf_free(&xml);
  buf_free(&bin);
  ir_release(g);
  arena_free(a);
  return true;
}

static void rt_builder(OnnxBuilder *ob, const char *what, const char *want) {
  uint8_t *buf = NULL;
  size_t len = 0;
  ob_pack(ob, &buf, &len);
  assert_true(roundtrip(buf, len, what, want));
  free(buf);
  ob_free(ob);
}

static const int64_t X4[4] = {1, 4, 8, 8};

/* A model x[1,4,8,8] f32 -> op -> y (shape given), built by the caller's node calls. */
static OnnxBuilder *one(const char *name) {
  OnnxBuilder *ob = ob_new(name, 13);
  ob_input(ob, "x", OB_FLOAT, 4, X4);
  return ob;
}

static void ir_read__roundtrip_unary_ops(void **state) {
  (void)state;
  static const char *const OPS[] = {"Relu", "Sigmoid", "Tanh",        "HardSwish", "Exp",
                                    "Log",  "Sqrt",    "Abs",         "Floor",     "Ceil",
                                    "Neg",  "Elu",     "HardSigmoid", "LeakyRelu"};
  for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
    OnnxBuilder *ob = one(OPS[i]);
    ob_node(ob, OPS[i], "n", 1, (const char *[]){"x"}, 1, (const char *[]){"y"});
    if (!strcmp(OPS[i], "Elu")) ob_attr_float(ob, "alpha", 0.5f);
    ob_output(ob, "y", OB_FLOAT, 4, X4);
    rt_builder(ob, OPS[i], NULL);
  }
}

static void ir_read__roundtrip_binary_ops(void **state) {
  (void)state;
  static const char *const OPS[] = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"};
  for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
    OnnxBuilder *ob = one(OPS[i]);
    ob_input(ob, "z", OB_FLOAT, 4, (int64_t[]){1, 4, 1, 8});
    ob_node(ob, OPS[i], "n", 2, (const char *[]){"x", "z"}, 1, (const char *[]){"y"});
    ob_output(ob, "y", OB_FLOAT, 4, X4);
    rt_builder(ob, OPS[i], NULL);
  }
  static const char *const CMP[] = {"Equal", "Less", "Greater"};
  for (size_t i = 0; i < 3; i++) {
    OnnxBuilder *ob = one(CMP[i]);
    ob_input(ob, "z", OB_FLOAT, 4, X4);
    ob_node(ob, CMP[i], "c", 2, (const char *[]){"x", "z"}, 1, (const char *[]){"m"});
    ob_node(ob, "Where", "w", 3, (const char *[]){"m", "x", "z"}, 1, (const char *[]){"y"});
    ob_output(ob, "y", OB_FLOAT, 4, X4);
    rt_builder(ob, CMP[i], NULL);
  }
}

static void ir_read__roundtrip_vision_net(void **state) {
  (void)state;
  ObRng r;
  ob_rng_seed(&r, 7);
  float w1[8 * 4 * 9], b1[8], w2[8 * 2 * 9], b2[8], fc[10 * 8], fb[10], bn[4][8];
  ob_rng_fill(&r, w1, sizeof w1 / 4, 0.3f);
  ob_rng_fill(&r, b1, 8, 0.3f);
  ob_rng_fill(&r, w2, sizeof w2 / 4, 0.3f);
  ob_rng_fill(&r, b2, 8, 0.3f);
  ob_rng_fill(&r, fc, 80, 0.3f);
  ob_rng_fill(&r, fb, 10, 0.3f);
  for (int i = 0; i < 8; i++) bn[0][i] = 1, bn[1][i] = 0.1f, bn[2][i] = 0.2f, bn[3][i] = 1.5f;
  OnnxBuilder *ob = one("vision");
  ob_init_f32(ob, "w1", 4, (int64_t[]){8, 4, 3, 3}, w1);
  ob_init_f32(ob, "b1", 1, (int64_t[]){8}, b1);
  ob_init_f32(ob, "w2", 4, (int64_t[]){8, 2, 3, 3}, w2);
  ob_init_f32(ob, "b2", 1, (int64_t[]){8}, b2);
  ob_init_f32(ob, "fc", 2, (int64_t[]){10, 8}, fc);
  ob_init_f32(ob, "fb", 1, (int64_t[]){10}, fb);
  ob_init_f32(ob, "g", 1, (int64_t[]){8}, bn[0]);
  ob_init_f32(ob, "be", 1, (int64_t[]){8}, bn[1]);
  ob_init_f32(ob, "m", 1, (int64_t[]){8}, bn[2]);
  ob_init_f32(ob, "v", 1, (int64_t[]){8}, bn[3]);
  ob_init_f32(ob, "lo", 0, NULL, (float[]){0});
  ob_init_f32(ob, "hi", 0, NULL, (float[]){6});
  ob_init_i64(ob, "shape", 1, (int64_t[]){2}, (int64_t[]){1, 8});
  ob_node(ob, "Conv", "conv1", 3, (const char *[]){"x", "w1", "b1"}, 1, (const char *[]){"c1"});
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  ob_attr_ints(ob, "strides", 2, (int64_t[]){2, 2});
  ob_node(ob, "BatchNormalization", "bn", 5, (const char *[]){"c1", "g", "be", "m", "v"}, 1,
          (const char *[]){"n1"});
  ob_node(ob, "Relu", "relu1", 1, (const char *[]){"n1"}, 1, (const char *[]){"r1"});
  ob_node(ob, "Conv", "conv2", 3, (const char *[]){"r1", "w2", "b2"}, 1, (const char *[]){"c2"});
  ob_attr_int(ob, "group", 4);
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  ob_node(ob, "Clip", "clip", 3, (const char *[]){"c2", "lo", "hi"}, 1, (const char *[]){"k2"});
  ob_node(ob, "MaxPool", "mp", 1, (const char *[]){"k2"}, 1, (const char *[]){"p1"});
  ob_attr_ints(ob, "kernel_shape", 2, (int64_t[]){2, 2});
  ob_attr_ints(ob, "strides", 2, (int64_t[]){2, 2});
  ob_node(ob, "AveragePool", "ap", 1, (const char *[]){"p1"}, 1, (const char *[]){"p2"});
  ob_attr_ints(ob, "kernel_shape", 2, (int64_t[]){3, 3});
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  ob_attr_int(ob, "ceil_mode", 1);
  ob_node(ob, "GlobalAveragePool", "gap", 1, (const char *[]){"p2"}, 1, (const char *[]){"gp"});
  ob_node(ob, "Reshape", "flat", 2, (const char *[]){"gp", "shape"}, 1, (const char *[]){"f"});
  ob_node(ob, "Gemm", "fc", 3, (const char *[]){"f", "fc", "fb"}, 1, (const char *[]){"logits"});
  ob_attr_int(ob, "transB", 1);
  ob_node(ob, "Softmax", "sm", 1, (const char *[]){"logits"}, 1, (const char *[]){"prob"});
  ob_output(ob, "prob", OB_FLOAT, 2, (int64_t[]){1, 10});
  rt_builder(ob, "vision", NULL);
}

static void ir_read__roundtrip_shape_ops(void **state) {
  (void)state;
  OnnxBuilder *ob = one("shape_ops");
  ob_init_i64(ob, "split", 1, (int64_t[]){2}, (int64_t[]){2, 2});
  ob_init_i64(ob, "st", 1, (int64_t[]){2}, (int64_t[]){1, 2});
  ob_init_i64(ob, "en", 1, (int64_t[]){2}, (int64_t[]){7, 8});
  ob_init_i64(ob, "ax", 1, (int64_t[]){2}, (int64_t[]){2, 3});
  ob_init_i64(ob, "pads", 1, (int64_t[]){8}, (int64_t[]){0, 0, 1, 1, 0, 0, 1, 1});
  ob_init_f32(ob, "scales", 1, (int64_t[]){4}, (float[]){1, 1, 2, 2});
  ob_init_i64(ob, "uax", 1, (int64_t[]){1}, (int64_t[]){0});
  ob_init_i64(ob, "rax", 1, (int64_t[]){1}, (int64_t[]){1});
  ob_node(ob, "Split", "split", 2, (const char *[]){"x", "split"}, 2, (const char *[]){"s1", "s3"});
  ob_attr_int(ob, "axis", 1);
  ob_node(ob, "Slice", "slice", 4, (const char *[]){"s3", "st", "en", "ax"}, 1,
          (const char *[]){"sl"});
  ob_node(ob, "Pad", "pad", 2, (const char *[]){"sl", "pads"}, 1, (const char *[]){"pd"});
  ob_node(ob, "Resize", "up", 3, (const char *[]){"s1", "", "scales"}, 1, (const char *[]){"u"});
  ob_attr_string(ob, "mode", "nearest");
  ob_node(ob, "Transpose", "tr", 1, (const char *[]){"u"}, 1, (const char *[]){"t"});
  ob_attr_ints(ob, "perm", 4, (int64_t[]){0, 2, 3, 1});
  ob_node(ob, "Concat", "cat", 2, (const char *[]){"pd", "pd"}, 1, (const char *[]){"c"});
  ob_attr_int(ob, "axis", 1);
  ob_node(ob, "DepthToSpace", "d2s", 1, (const char *[]){"c"}, 1, (const char *[]){"d"});
  ob_attr_int(ob, "blocksize", 2);
  ob_node(ob, "Squeeze", "sq", 2, (const char *[]){"d", "uax"}, 1, (const char *[]){"q"});
  ob_node(ob, "Unsqueeze", "usq", 2, (const char *[]){"q", "uax"}, 1, (const char *[]){"uq"});
  ob_node(ob, "ReduceMean", "rm", 1, (const char *[]){"uq"}, 1, (const char *[]){"m"});
  ob_attr_ints(ob, "axes", 1, (int64_t[]){1});
  ob_attr_int(ob, "keepdims", 0);
  ob_node(ob, "ReduceSum", "rs", 2, (const char *[]){"uq", "rax"}, 1, (const char *[]){"rsum"});
  ob_node(ob, "Cast", "cast", 1, (const char *[]){"m"}, 1, (const char *[]){"mc"});
  ob_attr_int(ob, "to", OB_FLOAT16);
  ob_node(ob, "LRN", "lrn", 1, (const char *[]){"uq"}, 1, (const char *[]){"l"});
  ob_attr_int(ob, "size", 3);
  ob_output(ob, "t", OB_FLOAT, 4, (int64_t[]){1, 16, 16, 2});
  ob_output(ob, "mc", OB_FLOAT16, 3, (int64_t[]){1, 16, 16});
  ob_output(ob, "rsum", OB_FLOAT, 4, (int64_t[]){1, 1, 16, 16});
  ob_output(ob, "l", OB_FLOAT, 4, (int64_t[]){1, 1, 16, 16});
  rt_builder(ob, "shape_ops", NULL);
}

static void ir_read__roundtrip_conv_transpose_topk(void **state) {
  (void)state;
  float w[4 * 2 * 9] = {0}, b[2] = {1, 2};
  OnnxBuilder *ob = one("deconv");
  ob_init_f32(ob, "w", 4, (int64_t[]){4, 2, 3, 3}, w);
  ob_init_f32(ob, "b", 1, (int64_t[]){2}, b);
  ob_init_i64(ob, "k", 1, (int64_t[]){1}, (int64_t[]){5});
  ob_init_f32(ob, "slope", 3, (int64_t[]){2, 1, 1}, (float[]){0.1f, 0.2f});
  ob_node(ob, "ConvTranspose", "up", 3, (const char *[]){"x", "w", "b"}, 1, (const char *[]){"u"});
  ob_attr_ints(ob, "strides", 2, (int64_t[]){2, 2});
  ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
  ob_attr_ints(ob, "output_padding", 2, (int64_t[]){1, 1});
  ob_node(ob, "PRelu", "pr", 2, (const char *[]){"u", "slope"}, 1, (const char *[]){"p"});
  ob_node(ob, "TopK", "top", 2, (const char *[]){"p", "k"}, 2, (const char *[]){"vals", "idx"});
  ob_attr_int(ob, "axis", 3);
  ob_output(ob, "vals", OB_FLOAT, 4, (int64_t[]){1, 2, 16, 5});
  ob_output(ob, "idx", OB_INT64, 4, (int64_t[]){1, 2, 16, 5});
  rt_builder(ob, "deconv", NULL);
}

/* Every .onnx in $DEMO_ZOO through the writer and back (skipped when the folder is absent). */
static void ir_read__roundtrip_demo_zoo(void **state) {
  (void)state;
  const char *dir = getenv("DEMO_ZOO");
  DIR *d = dir ? opendir(dir) : NULL;
  if (!d) {
    skip();
    return;
  }
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".onnx")) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    Err err = {0};
    assert_int_equal(io_read_file(&raw, &raw_len, path, 0, &err), 0);
    n += roundtrip(raw, raw_len, e->d_name, NULL);
    free(raw);
  }
  closedir(d);
  fprintf(stderr, "demo zoo: %d models round-tripped\n", n);
}

/* ---- real OpenVINO files ---- */

static void real_one(const char *xml, const char *bin) {
  const char *root = tu_shared_data();
  char xp[4096], bp[4096];
  snprintf(xp, sizeof xp, "%s/%s", root, xml);
  snprintf(bp, sizeof bp, "%s/%s", root, bin);
  struct stat st;
  if (stat(xp, &st) != 0 || stat(bp, &st) != 0) return;
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  int rc = fe_ir_load_pair(&g, a, xp, bp, &err);
  if (rc) fprintf(stderr, "%s: %s (%s)\n", xml, err.msg, err.node);
  assert_int_equal(rc, 0);
  int known = 0, unknown = 0;
  char unk[512] = "";
  for (int i = 0; i < g->n_nodes; i++) {
    if (g->nodes[i].op != IR_OP_UNKNOWN) {
      known++;
      continue;
    }
    unknown++;
    size_t l = strlen(unk);
    snprintf(unk + l, sizeof unk - l, " %s", g->nodes[i].op_type);
  }
  rc = ir_infer(g, &err);
  fprintf(stderr, "%s: %d nodes (%d known, %d unknown:%s), %d inputs, %d outputs, infer %s%s\n",
          xml, g->n_nodes, known, unknown, unk, g->n_inputs, g->n_outputs, rc ? "failed: " : "ok",
          rc ? err.msg : "");
  assert_int_equal(rc, 0);
  assert_true(g->n_inputs == 1 && g->n_outputs >= 1);
  for (int i = 0; i < g->n_outputs; i++) assert_true(ir_numel(&g->tensors[g->outputs[i]]) > 0);
  arena_free(a);
}

static void ir_read__real_files_load(void **state) {
  (void)state;
  if (!tu_shared_data()) {
    skip();
    return;
  }
  real_one("real-models/openvino-ir/hand_landmark/hand_landmark.xml",
           "real-models/openvino-ir/hand_landmark/hand_landmark.bin");
  real_one(
      "real-models/openvino-ir/facial_cartoonization_256x256/facial_cartoonization_256x256.xml",
      "real-models/openvino-ir/facial_cartoonization_256x256/facial_cartoonization_256x256.bin");
  real_one("real-blobs/face-detection-retail-0004/face-detection-retail-0004.xml",
           "real-blobs/face-detection-retail-0004/face-detection-retail-0004.bin");
  real_one("real-blobs/person-detection-retail-0013/definition.xml",
           "real-blobs/person-detection-retail-0013/weights.bin");
}

static void ir_read__missing_weights_file_is_an_io_error(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char xp[4096];
  snprintf(xp, sizeof xp, "%s/m.xml", dir);
  tu_write(xp, "<net version=\"10\"><layers/></net>");
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(fe_ir_load(&g, a, xp, &err), -1);
  assert_int_equal(err.code, ERR_IO);
  assert_string_equal(err.file, xp);
  assert_non_null(strstr(err.msg, "m.bin': cannot open: No such file or directory"));
  char bp[4096];
  snprintf(bp, sizeof bp, "%s/m.bin", dir);
  tu_write(bp, "");
  assert_int_equal(fe_ir_load(&g, a, xp, &err), 0);
  assert_int_equal(g->n_nodes, 0);
  arena_free(a);
  tu_rmrf(dir);
  free(dir);
}

int main(void) {
  xmlInitParser();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ir_read__group_conv_gets_group_and_bias),
      cmocka_unit_test(ir_read__const_beyond_bin_is_an_error),
      cmocka_unit_test(ir_read__const_without_bin_is_an_error),
      cmocka_unit_test(ir_read__const_size_mismatch_is_an_error),
      cmocka_unit_test(ir_read__malformed_xml_is_an_error),
      cmocka_unit_test(ir_read__structure_errors),
      cmocka_unit_test(ir_read__cycle_is_an_error),
      cmocka_unit_test(ir_read__unknown_layer_is_kept_with_its_type),
      cmocka_unit_test(ir_read__strided_slice_with_shrink),
      cmocka_unit_test(ir_read__interpolate_v1_becomes_resize),
      cmocka_unit_test(ir_read__prior_box_clustered_folds_and_bad_attrs_fail),
      cmocka_unit_test(ir_read__detection_output_shape_and_bad_classes),
      cmocka_unit_test(ir_read__prelu_scalar_is_leaky_relu),
      cmocka_unit_test(ir_read__batch_norm_v1_input_order),
      cmocka_unit_test(ir_read__topk_i32_indices_get_a_cast),
      cmocka_unit_test(ir_read__mvn_over_spatial_is_instance_norm),
      cmocka_unit_test(ir_read__matmul_transpose_and_bias_to_gemm),
      cmocka_unit_test(ir_read__roundtrip_unary_ops),
      cmocka_unit_test(ir_read__roundtrip_binary_ops),
      cmocka_unit_test(ir_read__roundtrip_vision_net),
      cmocka_unit_test(ir_read__roundtrip_shape_ops),
      cmocka_unit_test(ir_read__roundtrip_conv_transpose_topk),
      cmocka_unit_test(ir_read__roundtrip_demo_zoo),
      cmocka_unit_test(ir_read__real_files_load),
      cmocka_unit_test(ir_read__missing_weights_file_is_an_io_error),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  xmlCleanupParser();
  return rc;
}
