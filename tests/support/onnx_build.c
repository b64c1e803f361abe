/* tests/support/onnx_build.c — writes ONNX models. See onnx_build.h for the contract. */
#include "tests/support/onnx_build.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Sanity cap on ranks written (ONNX itself has none; the loader accepts 8). */
#define OB_MAX_DIMS 32

/* An initializer whose bytes go to a file of their own at save time. */
typedef struct {
  Onnx__TensorProto *t;
  char *file;
  uint8_t *data;
  size_t nbytes;
} ObExternal;

struct OnnxBuilder {
  Onnx__ModelProto *model;
  Onnx__GraphProto *graph;
  ObExternal *ext;
  size_t n_ext;
};

/* ---- allocation: everything is malloc'd so protobuf-c's free_unpacked can release it ---- */

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) base__assert_fail(__FILE__, __LINE__, "out of memory");
  return p;
}

static void *xdup(const void *src, size_t n) {
  void *p = xmalloc(n);
  if (n) memcpy(p, src, n);
  return p;
}

static char *xstrdup(const char *s) { return xdup(s, strlen(s) + 1); }

/* Appends item to a malloc'd pointer array *arr of *n elements. The capacity doubles (it is the
 * next power of two of n): growing by one per item copied quadratically wherever realloc moves the
 * array (ASan: 48 s for a 100,000-node chain). */
static void push(void ***arr, size_t *n, void *item) {
  if ((*n & (*n - 1)) == 0) { /* n is 0 or a power of two: the array is full */
    void **na = realloc(*arr, (*n ? 2 * *n : 1) * sizeof(void *));
    if (!na) base__assert_fail(__FILE__, __LINE__, "out of memory");
    *arr = na;
  }
  (*arr)[(*n)++] = item;
}
#define PUSH(arr, n, item) push((void ***)&(arr), &(n), (item))

/* ---- model ---- */

/* IR version that matches the ONNX release introducing opset. */
static int64_t ir_version_for(int64_t opset) {
  if (opset <= 8) return 3;
  if (opset == 9) return 4;
  if (opset == 10) return 5;
  if (opset == 11) return 6;
  if (opset <= 14) return 7;
  return 8;
}

OnnxBuilder *ob_new(const char *graph_name, int64_t opset) {
  OnnxBuilder *ob = xmalloc(sizeof *ob);
  memset(ob, 0, sizeof *ob);
  Onnx__ModelProto *m = xmalloc(sizeof *m);
  onnx__model_proto__init(m);
  m->has_ir_version = 1;
  m->ir_version = ir_version_for(opset);
  m->producer_name = xstrdup("blobc-onnx-build");
  m->producer_version = xstrdup("1");
  Onnx__OperatorSetIdProto *os = xmalloc(sizeof *os);
  onnx__operator_set_id_proto__init(os);
  os->domain = xstrdup("");
  os->has_version = 1;
  os->version = opset;
  PUSH(m->opset_import, m->n_opset_import, os);
  Onnx__GraphProto *g = xmalloc(sizeof *g);
  onnx__graph_proto__init(g);
  g->name = xstrdup(graph_name ? graph_name : "graph");
  m->graph = g;
  ob->model = m;
  ob->graph = g;
  return ob;
}

void ob_free(OnnxBuilder *ob) {
  if (!ob) return;
  onnx__model_proto__free_unpacked(ob->model, NULL);
  for (size_t i = 0; i < ob->n_ext; i++) {
    free(ob->ext[i].file);
    free(ob->ext[i].data);
  }
  free(ob->ext);
  free(ob);
}

Onnx__ModelProto *ob_model(OnnxBuilder *ob) { return ob->model; }

/* ---- inputs / outputs ---- */

/* A ValueInfoProto for a tensor of elem_type; see ob_input_sym for dims. */
static Onnx__ValueInfoProto *value_info(const char *name, int32_t elem_type, int rank,
                                        const int64_t *dims, const char *const *params) {
  ASSERT(rank <= OB_MAX_DIMS);
  Onnx__ValueInfoProto *vi = xmalloc(sizeof *vi);
  onnx__value_info_proto__init(vi);
  vi->name = xstrdup(name);
  Onnx__TypeProto *tp = xmalloc(sizeof *tp);
  onnx__type_proto__init(tp);
  Onnx__TypeProto__Tensor *tt = xmalloc(sizeof *tt);
  onnx__type_proto__tensor__init(tt);
  tt->has_elem_type = 1;
  tt->elem_type = elem_type;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt;
  vi->type = tp;
  if (rank < 0) return vi;
  Onnx__TensorShapeProto *sh = xmalloc(sizeof *sh);
  onnx__tensor_shape_proto__init(sh);
  for (int i = 0; i < rank; i++) {
    Onnx__TensorShapeProto__Dimension *d = xmalloc(sizeof *d);
    onnx__tensor_shape_proto__dimension__init(d);
    if (params && params[i]) {
      d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
      d->dim_param = xstrdup(params[i]);
    } else if (dims[i] >= 0) {
      d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      d->dim_value = dims[i];
    }
    PUSH(sh->dim, sh->n_dim, d);
  }
  tt->shape = sh;
  return vi;
}

int ob_input_sym(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank,
                 const int64_t *dims, const char *const *dim_params) {
  PUSH(ob->graph->input, ob->graph->n_input, value_info(name, elem_type, rank, dims, dim_params));
  return (int)ob->graph->n_input - 1;
}

int ob_input(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank, const int64_t *dims) {
  return ob_input_sym(ob, name, elem_type, rank, dims, NULL);
}

void ob_output(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank,
               const int64_t *dims) {
  PUSH(ob->graph->output, ob->graph->n_output, value_info(name, elem_type, rank, dims, NULL));
}

/* ---- tensors ---- */

/* A TensorProto with name, type and dims, no data. */
static Onnx__TensorProto *new_tensor(const char *name, int32_t elem_type, int rank,
                                     const int64_t *dims) {
  ASSERT(rank >= 0 && rank <= OB_MAX_DIMS);
  Onnx__TensorProto *t = xmalloc(sizeof *t);
  onnx__tensor_proto__init(t);
  t->name = xstrdup(name ? name : "");
  t->has_data_type = 1;
  t->data_type = elem_type;
  t->n_dims = (size_t)rank;
  t->dims = xdup(dims, (size_t)rank * sizeof(int64_t));
  return t;
}

/* Element count of a tensor from its dims. */
static int64_t numel_of(const Onnx__TensorProto *t) {
  int64_t n = 1;
  for (size_t i = 0; i < t->n_dims; i++) n *= t->dims[i];
  return n;
}

/* Sets raw_data from native values, stored little-endian (esz bytes each). */
static void set_raw(Onnx__TensorProto *t, const void *data, size_t nbytes, size_t esz) {
  uint8_t *d = xdup(data, nbytes);
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
  for (size_t i = 0; esz > 1 && i + esz <= nbytes; i += esz)
    for (size_t k = 0; k < esz / 2; k++) {
      uint8_t x = d[i + k];
      d[i + k] = d[i + esz - 1 - k];
      d[i + esz - 1 - k] = x;
    }
#else
  (void)esz;
#endif
  t->has_raw_data = 1;
  t->raw_data.len = nbytes;
  t->raw_data.data = d;
}

/* Bytes per element of an ONNX type code (1 for unknown codes). */
static size_t elem_size(int32_t elem_type) {
  switch (elem_type) {
  case OB_FLOAT:
  case OB_INT32:
  case OB_UINT32: return 4;
  case OB_INT64:
  case OB_UINT64:
  case OB_DOUBLE: return 8;
  case OB_INT16:
  case OB_UINT16:
  case OB_FLOAT16:
  case OB_BFLOAT16: return 2;
  default: return 1;
  }
}

Onnx__TensorProto *ob_init_raw(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank,
                               const int64_t *dims, const void *data, size_t nbytes) {
  Onnx__TensorProto *t = new_tensor(name, elem_type, rank, dims);
  set_raw(t, data, nbytes, elem_size(elem_type));
  PUSH(ob->graph->initializer, ob->graph->n_initializer, t);
  return t;
}

void ob_init_f32(OnnxBuilder *ob, const char *name, int rank, const int64_t *dims,
                 const float *data) {
  Onnx__TensorProto *t = new_tensor(name, OB_FLOAT, rank, dims);
  set_raw(t, data, (size_t)numel_of(t) * 4, 4);
  PUSH(ob->graph->initializer, ob->graph->n_initializer, t);
}

void ob_init_i64(OnnxBuilder *ob, const char *name, int rank, const int64_t *dims,
                 const int64_t *data) {
  Onnx__TensorProto *t = new_tensor(name, OB_INT64, rank, dims);
  set_raw(t, data, (size_t)numel_of(t) * 8, 8);
  PUSH(ob->graph->initializer, ob->graph->n_initializer, t);
}

Onnx__TensorProto *ob_init_empty(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank,
                                 const int64_t *dims) {
  Onnx__TensorProto *t = new_tensor(name, elem_type, rank, dims);
  PUSH(ob->graph->initializer, ob->graph->n_initializer, t);
  return t;
}

/* Adds a key/value entry to t's external_data. */
static void ext_entry(Onnx__TensorProto *t, const char *key, const char *value) {
  Onnx__StringStringEntryProto *e = xmalloc(sizeof *e);
  onnx__string_string_entry_proto__init(e);
  e->key = xstrdup(key);
  e->value = xstrdup(value);
  PUSH(t->external_data, t->n_external_data, e);
}

void ob_init_f32_external(OnnxBuilder *ob, const char *name, int rank, const int64_t *dims,
                          const float *data, const char *data_file) {
  Onnx__TensorProto *t = new_tensor(name, OB_FLOAT, rank, dims);
  size_t nbytes = (size_t)numel_of(t) * 4;
  char len[32];
  snprintf(len, sizeof len, "%zu", nbytes);
  ext_entry(t, "location", data_file);
  ext_entry(t, "offset", "0");
  ext_entry(t, "length", len);
  t->has_data_location = 1;
  t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  PUSH(ob->graph->initializer, ob->graph->n_initializer, t);
  ObExternal *ne = realloc(ob->ext, (ob->n_ext + 1) * sizeof *ne);
  if (!ne) base__assert_fail(__FILE__, __LINE__, "out of memory");
  ob->ext = ne;
  /* raw little-endian bytes, as the file must hold them */
  Onnx__TensorProto tmp;
  onnx__tensor_proto__init(&tmp);
  set_raw(&tmp, data, nbytes, 4);
  ob->ext[ob->n_ext++] = (ObExternal){t, xstrdup(data_file), tmp.raw_data.data, nbytes};
}

void ob_tensor_set_float_data(Onnx__TensorProto *t, const float *v, size_t n) {
  free(t->float_data);
  t->float_data = xdup(v, n * sizeof *v);
  t->n_float_data = n;
}
void ob_tensor_set_int32_data(Onnx__TensorProto *t, const int32_t *v, size_t n) {
  free(t->int32_data);
  t->int32_data = xdup(v, n * sizeof *v);
  t->n_int32_data = n;
}
void ob_tensor_set_int64_data(Onnx__TensorProto *t, const int64_t *v, size_t n) {
  free(t->int64_data);
  t->int64_data = xdup(v, n * sizeof *v);
  t->n_int64_data = n;
}
void ob_tensor_set_double_data(Onnx__TensorProto *t, const double *v, size_t n) {
  free(t->double_data);
  t->double_data = xdup(v, n * sizeof *v);
  t->n_double_data = n;
}
void ob_tensor_set_uint64_data(Onnx__TensorProto *t, const uint64_t *v, size_t n) {
  free(t->uint64_data);
  t->uint64_data = xdup(v, n * sizeof *v);
  t->n_uint64_data = n;
}

/* ---- nodes ---- */

const char *ob_node(OnnxBuilder *ob, const char *op_type, const char *name, int n_in,
                    const char *const *inputs, int n_out, const char *const *outputs) {
  Onnx__NodeProto *n = xmalloc(sizeof *n);
  onnx__node_proto__init(n);
  n->op_type = xstrdup(op_type);
  if (name && name[0]) n->name = xstrdup(name);
  for (int i = 0; i < n_in; i++) PUSH(n->input, n->n_input, xstrdup(inputs[i]));
  for (int i = 0; i < n_out; i++) PUSH(n->output, n->n_output, xstrdup(outputs[i]));
  PUSH(ob->graph->node, ob->graph->n_node, n);
  return n_out ? n->output[0] : NULL;
}

/* The last node; ASSERT there is one. */
static Onnx__NodeProto *last_node(OnnxBuilder *ob) {
  ASSERT(ob->graph->n_node > 0);
  return ob->graph->node[ob->graph->n_node - 1];
}

void ob_node_domain(OnnxBuilder *ob, const char *domain) {
  Onnx__NodeProto *n = last_node(ob);
  free(n->domain);
  n->domain = xstrdup(domain);
}

/* Appends an attribute of type ty named name to the last node. */
static Onnx__AttributeProto *new_attr(OnnxBuilder *ob, const char *name,
                                      Onnx__AttributeProto__AttributeType ty) {
  Onnx__NodeProto *n = last_node(ob);
  Onnx__AttributeProto *a = xmalloc(sizeof *a);
  onnx__attribute_proto__init(a);
  a->name = xstrdup(name);
  a->has_type = 1;
  a->type = ty;
  PUSH(n->attribute, n->n_attribute, a);
  return a;
}

void ob_attr_int(OnnxBuilder *ob, const char *name, int64_t v) {
  Onnx__AttributeProto *a = new_attr(ob, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  a->has_i = 1;
  a->i = v;
}

void ob_attr_float(OnnxBuilder *ob, const char *name, float v) {
  Onnx__AttributeProto *a = new_attr(ob, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
  a->has_f = 1;
  a->f = v;
}

void ob_attr_string(OnnxBuilder *ob, const char *name, const char *v) {
  Onnx__AttributeProto *a = new_attr(ob, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
  a->has_s = 1;
  a->s.len = strlen(v);
  a->s.data = xdup(v, a->s.len);
}

void ob_attr_ints(OnnxBuilder *ob, const char *name, int n, const int64_t *v) {
  Onnx__AttributeProto *a = new_attr(ob, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  a->n_ints = (size_t)n;
  a->ints = xdup(v, (size_t)n * sizeof *v);
}

void ob_attr_floats(OnnxBuilder *ob, const char *name, int n, const float *v) {
  Onnx__AttributeProto *a = new_attr(ob, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
  a->n_floats = (size_t)n;
  a->floats = xdup(v, (size_t)n * sizeof *v);
}

Onnx__TensorProto *ob_attr_tensor(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank,
                                  const int64_t *dims, const void *data, size_t nbytes) {
  Onnx__AttributeProto *a = new_attr(ob, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
  a->t = new_tensor(NULL, elem_type, rank, dims);
  set_raw(a->t, data, nbytes, elem_size(elem_type));
  return a->t;
}

void ob_attr_graph(OnnxBuilder *ob, const char *name, const char *graph_name) {
  Onnx__AttributeProto *a = new_attr(ob, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH);
  a->g = xmalloc(sizeof *a->g);
  onnx__graph_proto__init(a->g);
  a->g->name = xstrdup(graph_name);
}

/* ---- output ---- */

int64_t ob_num_params(const OnnxBuilder *ob) {
  int64_t n = 0;
  for (size_t i = 0; i < ob->graph->n_initializer; i++) n += numel_of(ob->graph->initializer[i]);
  return n;
}

void ob_pack(OnnxBuilder *ob, uint8_t **out, size_t *len) {
  size_t n = onnx__model_proto__get_packed_size(ob->model);
  uint8_t *buf = xmalloc(n);
  size_t w = onnx__model_proto__pack(ob->model, buf);
  ASSERT(w == n);
  *out = buf;
  *len = n;
}

int ob_save(OnnxBuilder *ob, const char *path, Err *err) {
  const char *slash = strrchr(path, '/');
  int dir_len = slash ? (int)(slash - path) : 1;
  const char *dir = slash ? path : ".";
  for (size_t i = 0; i < ob->n_ext; i++) {
    char full[4096];
    if (snprintf(full, sizeof full, "%.*s/%s", dir_len, dir, ob->ext[i].file) >= (int)sizeof full) {
      err_where(err, path, 0, NULL, NULL);
      return err_set(err, ERR_IO, "path too long");
    }
    if (io_write_atomic(full, ob->ext[i].data, ob->ext[i].nbytes, err) < 0) return -1;
  }
  uint8_t *buf = NULL;
  size_t len = 0;
  ob_pack(ob, &buf, &len);
  int rc = io_write_atomic(path, buf, len, err);
  free(buf);
  return rc;
}

/* ---- PRNG ---- */

/* splitmix64 step: a well-mixed 64-bit value from a counter. */
static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void ob_rng_seed(ObRng *r, uint64_t seed) {
  uint64_t x = seed;
  r->s = splitmix64(&x);
  if (!r->s) r->s = 0x2545f4914f6cdd1dull; /* xorshift state must not be zero */
}

uint64_t ob_rng_next(ObRng *r) {
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return x * 0x2545f4914f6cdd1dull;
}

float ob_rng_uniform(ObRng *r) { return (float)(ob_rng_next(r) >> 40) * (1.0f / 16777216.0f); }

float ob_rng_range(ObRng *r, float lo, float hi) { return lo + (hi - lo) * ob_rng_uniform(r); }

void ob_rng_fill(ObRng *r, float *dst, size_t n, float limit) {
  for (size_t i = 0; i < n; i++) dst[i] = (2.0f * ob_rng_uniform(r) - 1.0f) * limit;
}

/* ---- generator helpers ---- */

void ob_init_rand(OnnxBuilder *ob, ObRng *rng, const char *name, int rank, const int64_t *dims,
                  float limit, float offset) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) n *= dims[i];
  float *w = malloc((size_t)(n > 0 ? n : 1) * sizeof *w);
  if (!w) abort();
  ob_rng_fill(rng, w, (size_t)n, limit);
  for (int64_t i = 0; i < n; i++) w[i] += offset;
  ob_init_f32(ob, name, rank, dims, w);
  free(w);
}

const char *ob_conv(OnnxBuilder *ob, ObRng *rng, const char *x, const char *name, int cin, int cout,
                    int k, int stride, int pad, int group, int bias, float gain) {
  int64_t wd[4] = {cout, cin / group, k, k};
  float fan_in = (float)(cin / group * k * k);
  char wn[256], bn[256], yn[256];
  snprintf(wn, sizeof wn, "%s.weight", name);
  snprintf(bn, sizeof bn, "%s.bias", name);
  snprintf(yn, sizeof yn, "%s_y", name);
  ob_init_rand(ob, rng, wn, 4, wd, gain * sqrtf(6.0f / fan_in), 0.0f);
  if (bias) ob_init_rand(ob, rng, bn, 1, (int64_t[]){cout}, 0.05f, 0.0f);
  const char *in[3] = {x, wn, bn};
  const char *y = ob_node(ob, "Conv", name, bias ? 3 : 2, in, 1, (const char *const[]){yn});
  ob_attr_ints(ob, "dilations", 2, (int64_t[]){1, 1});
  if (group > 1) ob_attr_int(ob, "group", group);
  ob_attr_ints(ob, "kernel_shape", 2, (int64_t[]){k, k});
  ob_attr_ints(ob, "pads", 4, (int64_t[]){pad, pad, pad, pad});
  ob_attr_ints(ob, "strides", 2, (int64_t[]){stride, stride});
  return y;
}
