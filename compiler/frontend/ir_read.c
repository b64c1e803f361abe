/*
 * compiler/frontend/ir_read.c — OpenVINO IR v10/v11 (.xml + .bin) to graph IR. See ir_read.h.
 *
 * Three phases. Parsing: the layers (ports, <data> node) and edges are read into XLayer/XPort
 * records and checked (ids unique, edges between existing ports, one edge per input port).
 * Tensors: every output port gets a tensor (Const data, Parameter inputs). Conversion: each
 * layer is mapped by a name -> emitter table; an emitter returns 0, -1 (err filled) or
 * UNMAPPED, and on UNMAPPED whatever it built is rolled back and an IR_OP_UNKNOWN node is
 * written instead. A last step folds bias Adds back and orders the nodes.
 */
#include "ir_read.h"
#include "compiler/graph/build.h"

#include <errno.h>
#include <float.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UNMAPPED 1
#define MAX_INTS 64

typedef struct {
  int64_t id;
  int rank; /* dims count (0 = scalar) */
  int64_t dims[IR_MAX_DIMS];
  DType dt;
  const char *names; /* v11 `names`, NULL when absent */
  int tensor;        /* output ports: the tensor carrying it; input ports: the source's */
  int uses;          /* output ports: number of edges leaving it */
  bool linked;       /* input ports: an edge arrives */
} XPort;

typedef struct {
  int64_t id;
  const char *name, *type, *version;
  xmlNodePtr data; /* <data>, NULL when absent */
  XPort *in, *out;
  int n_in, n_out;
} XLayer;

typedef struct {
  int64_t id;
  int idx;
} IdIdx;

typedef struct {
  IrGraph *g;
  Arena *a;
  Err *err;
  const char *path;
  const uint8_t *bin;
  size_t bin_len;
  bool has_bin;
  XLayer *ls;
  int n_ls;
  IdIdx *ids; /* sorted by id */
  NameMap names;
  bool *drop; /* per node, set by fusions */
} Ctx;

/* The one-line error of this model file (base.h err_at); returns -1. */
#define fail(c, code, node, ...) err_at((c)->err, (c)->path, (node), (code), __VA_ARGS__)

/* ---- names ---- */

/* ---- small parsers ---- */

DType fe_ir_dtype(const char *s) {
  static const struct {
    const char *a, *b;
    DType t;
  } M[] = {
      {"f32", "FP32", DT_F32},      {"f16", "FP16", DT_F16}, {"f64", "FP64", DT_F64},
      {"i64", "I64", DT_I64},       {"i32", "I32", DT_I32},  {"i16", "I16", DT_I16},
      {"i8", "I8", DT_I8},          {"u8", "U8", DT_U8},     {"u16", "U16", DT_U16},
      {"u32", "U32", DT_U32},       {"u64", "U64", DT_U64},  {"boolean", "BOOL", DT_BOOL},
      {"bool", "BOOLEAN", DT_BOOL},
  };
  if (!s) return DT_UNDEF;
  for (size_t i = 0; i < sizeof M / sizeof M[0]; i++)
    if (strcasecmp(s, M[i].a) == 0 || strcasecmp(s, M[i].b) == 0) return M[i].t;
  return DT_UNDEF;
}

/* ONNX TensorProto.DataType code of t (Cast's `to`); 0 when none. */
static int64_t onnx_code(DType t) {
  switch (t) {
  case DT_F32: return 1;
  case DT_U8: return 2;
  case DT_I8: return 3;
  case DT_U16: return 4;
  case DT_I16: return 5;
  case DT_I32: return 6;
  case DT_I64: return 7;
  case DT_BOOL: return 9;
  case DT_F16: return 10;
  case DT_F64: return 11;
  case DT_U32: return 12;
  case DT_U64: return 13;
  default: return 0;
  }
}

/* An XML attribute as an arena string; NULL when absent. */
static const char *prop(Ctx *c, xmlNodePtr n, const char *key) {
  if (!n) return NULL;
  xmlChar *v = xmlGetProp(n, BAD_CAST key);
  if (!v) return NULL;
  const char *s = arena_strdup(c->a, (const char *)v);
  xmlFree(v);
  return s;
}

/* Parses a decimal integer (leading/trailing blanks allowed); false when s is not one. */
static bool parse_i64(const char *s, int64_t *out) {
  while (*s == ' ' || *s == '\t') s++;
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (end == s || errno) return false;
  while (*end == ' ' || *end == '\t') end++;
  if (*end) return false;
  *out = v;
  return true;
}

/* "1,2,3" into v (at most max); "" gives 0. Returns the count or -1 when malformed/too long.
 * '?' (dynamic dimension in v11) reads as -1. */
static int parse_ints(const char *s, int64_t *v, int max) {
  int n = 0;
  while (*s == ' ') s++;
  if (!*s) return 0;
  for (;;) {
    char tok[64];
    size_t len = strcspn(s, ",");
    if (len >= sizeof tok || n >= max) return -1;
    memcpy(tok, s, len);
    tok[len] = 0;
    char *t = tok;
    while (*t == ' ') t++;
    if (strcmp(t, "?") == 0)
      v[n++] = -1;
    else if (!parse_i64(tok, &v[n++]))
      return -1;
    s += len;
    if (!*s) return n;
    s++;
  }
}

/* ---- layer attributes ---- */

static const char *dstr(Ctx *c, const XLayer *L, const char *key, const char *dflt) {
  const char *s = prop(c, L->data, key);
  return s ? s : dflt;
}

/* Integer attribute; -1 with a message when present but not a number. */
static int dint(Ctx *c, const XLayer *L, const char *key, int64_t dflt, int64_t *out) {
  const char *s = prop(c, L->data, key);
  *out = dflt;
  if (!s) return 0;
  if (!parse_i64(s, out))
    return fail(c, ERR_PARSE, L->name, "attribute '%s' is not an integer: '%s'", key, s);
  return 0;
}

static int dfloat(Ctx *c, const XLayer *L, const char *key, double dflt, double *out) {
  const char *s = prop(c, L->data, key);
  *out = dflt;
  if (!s) return 0;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || errno == EINVAL)
    return fail(c, ERR_PARSE, L->name, "attribute '%s' is not a number: '%s'", key, s);
  *out = v;
  return 0;
}

/* "true"/"1" -> true; absent -> dflt. */
static bool dbool(Ctx *c, const XLayer *L, const char *key, bool dflt) {
  const char *s = prop(c, L->data, key);
  if (!s) return dflt;
  return strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0;
}

/* Int-list attribute into v; returns the count (0 when absent) or -1 with a message. */
static int dints(Ctx *c, const XLayer *L, const char *key, int64_t *v, int max) {
  const char *s = prop(c, L->data, key);
  if (!s) return 0;
  int n = parse_ints(s, v, max);
  if (n < 0)
    return fail(c, ERR_PARSE, L->name, "attribute '%s' is not a list of integers: '%s'", key, s);
  return n;
}

/* ---- parsing ---- */

static bool is_el(xmlNodePtr n, const char *name) {
  return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* First child element called name, NULL when none. */
static xmlNodePtr child(xmlNodePtr n, const char *name) {
  for (xmlNodePtr k = n ? n->children : NULL; k; k = k->next)
    if (is_el(k, name)) return k;
  return NULL;
}

static int count_children(xmlNodePtr n, const char *name) {
  int c = 0;
  for (xmlNodePtr k = n ? n->children : NULL; k; k = k->next) c += is_el(k, name);
  return c;
}

/* Reads <port> elements of list (an <input> or <output>) into *ports. */
static int parse_ports(Ctx *c, const XLayer *L, xmlNodePtr list, XPort **ports, int *n_ports) {
  int n = count_children(list, "port");
  *n_ports = 0;
  *ports = arena_array(c->a, (size_t)(n ? n : 1), sizeof(XPort));
  for (xmlNodePtr p = list ? list->children : NULL; p; p = p->next) {
    if (!is_el(p, "port")) continue;
    XPort *x = &(*ports)[(*n_ports)++];
    x->tensor = -1;
    const char *id = prop(c, p, "id");
    if (!id || !parse_i64(id, &x->id))
      return fail(c, ERR_PARSE, L->name, "port without a valid id");
    for (int k = 0; k < *n_ports - 1; k++)
      if ((*ports)[k].id == x->id)
        return fail(c, ERR_PARSE, L->name, "port id %lld is used twice", (long long)x->id);
    x->dt = fe_ir_dtype(prop(c, p, "precision"));
    x->names = prop(c, p, "names");
    for (xmlNodePtr d = p->children; d; d = d->next) {
      if (!is_el(d, "dim")) continue;
      if (x->rank >= IR_MAX_DIMS)
        return fail(c, ERR_PARSE, L->name, "port %lld has more than %d dimensions",
                    (long long)x->id, IR_MAX_DIMS);
      xmlChar *txt = xmlNodeGetContent(d);
      int64_t v = -1;
      bool ok = txt && (strcmp((const char *)txt, "?") == 0 || parse_i64((const char *)txt, &v));
      if (!ok) {
        const char *shown = txt ? arena_strdup(c->a, (const char *)txt) : "";
        xmlFree(txt);
        return fail(c, ERR_PARSE, L->name, "port %lld: dimension '%s' is not an integer",
                    (long long)x->id, shown);
      }
      xmlFree(txt);
      x->dims[x->rank++] = v < 0 ? -1 : v;
    }
  }
  return 0;
}

static int cmp_id(const void *a, const void *b) {
  int64_t x = ((const IdIdx *)a)->id, y = ((const IdIdx *)b)->id;
  return x < y ? -1 : x > y;
}

/* Layer index of id, -1 when absent. */
static int layer_of(const Ctx *c, int64_t id) {
  IdIdx key = {id, 0};
  const IdIdx *f = bsearch(&key, c->ids, (size_t)c->n_ls, sizeof *c->ids, cmp_id);
  return f ? f->idx : -1;
}

static int parse_layers(Ctx *c, xmlNodePtr layers) {
  int n = count_children(layers, "layer");
  c->ls = arena_array(c->a, (size_t)(n ? n : 1), sizeof(XLayer));
  c->ids = arena_array(c->a, (size_t)(n ? n : 1), sizeof(IdIdx));
  for (xmlNodePtr e = layers->children; e; e = e->next) {
    if (!is_el(e, "layer")) continue;
    XLayer *L = &c->ls[c->n_ls];
    const char *id = prop(c, e, "id");
    L->name = prop(c, e, "name");
    L->type = prop(c, e, "type");
    L->version = prop(c, e, "version");
    if (!L->name) L->name = arena_printf(c->a, "layer_%s", id ? id : "?");
    if (!id || !parse_i64(id, &L->id))
      return fail(c, ERR_PARSE, L->name, "layer %d has no valid id", c->n_ls);
    if (!L->type || !L->type[0]) return fail(c, ERR_PARSE, L->name, "layer has no type");
    if (!L->version) L->version = "";
    L->data = child(e, "data");
    if (parse_ports(c, L, child(e, "input"), &L->in, &L->n_in) < 0 ||
        parse_ports(c, L, child(e, "output"), &L->out, &L->n_out) < 0)
      return -1;
    if (L->n_out > IR_MAX_OUTPUTS) /* more inputs become a verdict (convert_layer) */
      return fail(c, ERR_OOM, L->name,
                  "%s layer has %d outputs: blobc handles at most %d per node (a limit of blobc, "
                  "not a defect of the model)",
                  L->type, L->n_out, IR_MAX_OUTPUTS);
    c->ids[c->n_ls] = (IdIdx){L->id, c->n_ls};
    c->n_ls++;
  }
  qsort(c->ids, (size_t)c->n_ls, sizeof *c->ids, cmp_id);
  for (int i = 1; i < c->n_ls; i++)
    if (c->ids[i].id == c->ids[i - 1].id)
      return fail(c, ERR_PARSE, c->ls[c->ids[i].idx].name, "layer id %lld is used twice",
                  (long long)c->ids[i].id);
  return 0;
}

/* Port of L with the given id among ports, -1 when absent. */
static int port_of(const XPort *ports, int n, int64_t id) {
  for (int i = 0; i < n; i++)
    if (ports[i].id == id) return i;
  return -1;
}

/* Reads an edge attribute as an integer. */
static int edge_attr(Ctx *c, xmlNodePtr e, const char *key, int64_t *v) {
  const char *s = prop(c, e, key);
  if (!s || !parse_i64(s, v)) return fail(c, ERR_PARSE, NULL, "edge without a valid %s", key);
  return 0;
}

/* Edges: records for each input port its source (layer << 16 | port in `tensor` for now). */
static int parse_edges(Ctx *c, xmlNodePtr edges, int *src_layer, int *src_port, int *first_in) {
  for (xmlNodePtr e = edges ? edges->children : NULL; e; e = e->next) {
    if (!is_el(e, "edge")) continue;
    int64_t fl, fp, tl, tp;
    if (edge_attr(c, e, "from-layer", &fl) < 0 || edge_attr(c, e, "from-port", &fp) < 0 ||
        edge_attr(c, e, "to-layer", &tl) < 0 || edge_attr(c, e, "to-port", &tp) < 0)
      return -1;
    int a = layer_of(c, fl), b = layer_of(c, tl);
    if (a < 0 || b < 0)
      return fail(c, ERR_PARSE, NULL, "edge %lld:%lld -> %lld:%lld refers to a missing layer",
                  (long long)fl, (long long)fp, (long long)tl, (long long)tp);
    int op = port_of(c->ls[a].out, c->ls[a].n_out, fp);
    int ip = port_of(c->ls[b].in, c->ls[b].n_in, tp);
    if (op < 0)
      return fail(c, ERR_PARSE, c->ls[a].name, "edge from missing output port %lld", (long long)fp);
    if (ip < 0)
      return fail(c, ERR_PARSE, c->ls[b].name, "edge to missing input port %lld", (long long)tp);
    XPort *in = &c->ls[b].in[ip];
    if (in->linked)
      return fail(c, ERR_PARSE, c->ls[b].name, "input port %lld has two edges", (long long)tp);
    in->linked = true;
    c->ls[a].out[op].uses++;
    src_layer[first_in[b] + ip] = a;
    src_port[first_in[b] + ip] = op;
  }
  return 0;
}

/* ---- tensors ---- */

static void dims_str(char *buf, size_t size, int rank, const int64_t *dims) {
  size_t n = 0;
  buf[0] = 0;
  if (rank == 0) snprintf(buf, size, "scalar");
  for (int i = 0; i < rank && n + 24 < size; i++)
    n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? "x" : "", (long long)dims[i]);
}

/* Makes tensor t the constant of Const layer L. */
static int load_const(Ctx *c, const XLayer *L, int t) {
  const char *et = dstr(c, L, "element_type", NULL);
  DType dt = fe_ir_dtype(et);
  if (!et) return fail(c, ERR_PARSE, L->name, "const has no element_type");
  if (dt == DT_UNDEF)
    return fail(c, ERR_PARSE, L->name, "const element type '%s' is not supported", et);
  int64_t dims[IR_MAX_DIMS], off, size;
  int rank;
  if (prop(c, L->data, "shape")) {
    rank = dints(c, L, "shape", dims, IR_MAX_DIMS);
    if (rank < 0) return -1;
  } else if (L->n_out == 1) {
    rank = L->out[0].rank;
    memcpy(dims, L->out[0].dims, sizeof dims);
  } else {
    return fail(c, ERR_PARSE, L->name, "const has no shape");
  }
  if (dint(c, L, "offset", -1, &off) < 0 || dint(c, L, "size", -1, &size) < 0) return -1;
  if (off < 0 || size < 0) return fail(c, ERR_PARSE, L->name, "const has no valid offset and size");
  uint64_t numel = 1;
  char shape[256];
  dims_str(shape, sizeof shape, rank, dims);
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0)
      return fail(c, ERR_PARSE, L->name, "const shape %s has a negative dimension", shape);
    if (dims[i] && numel > ((uint64_t)1 << 40) / (uint64_t)dims[i])
      return fail(c, ERR_PARSE, L->name, "const shape %s is too large", shape);
    numel *= (uint64_t)dims[i];
  }
  uint64_t need = numel * dtype_size(dt);
  if ((uint64_t)size != need)
    return fail(c, ERR_PARSE, L->name, "const shape %s of %s needs %llu bytes, size is %lld", shape,
                dtype_name(dt), (unsigned long long)need, (long long)size);
  if (size && !c->has_bin)
    return fail(c, ERR_PARSE, L->name, "const needs weights but no .bin was given");
  if ((uint64_t)off > c->bin_len || (uint64_t)size > c->bin_len - (uint64_t)off)
    return fail(c, ERR_PARSE, L->name,
                "const offset %lld + size %lld is beyond the end of the weights (%zu bytes)",
                (long long)off, (long long)size, c->bin_len);
  ir_set_const(c->g, t, dt, rank, dims, size ? c->bin + off : NULL);
  if (dt == DT_BOOL) {
    uint8_t *p = c->g->tensors[t].data;
    for (uint64_t i = 0; i < numel; i++) p[i] = p[i] != 0;
  }
  return 0;
}

/* The first (or last) name of a v11 `names` list (commas escaped as "\,"), NULL when empty. */
static const char *port_name(Ctx *c, const char *names, bool last) {
  if (!names || !names[0]) return NULL;
  Buf b = BUF_INIT;
  for (const char *p = names; *p; p++) {
    if (*p == '\\' && p[1] == ',') {
      buf_put(&b, ",", 1);
      p++;
      continue;
    }
    if (*p == ',' && !last) break;
    if (*p == ',') {
      b.len = 0;
      continue;
    }
    buf_put(&b, p, 1);
  }
  buf_put(&b, "", 1);
  const char *s = arena_strdup(c->a, (const char *)b.data);
  buf_free(&b);
  return s[0] ? s : NULL;
}

/* Parameter element type and shape ("1,3,?,?", "..." for unknown rank). */
static int load_parameter(Ctx *c, const XLayer *L, int t) {
  IrTensor *x = &c->g->tensors[t];
  const char *et = dstr(c, L, "element_type", NULL);
  if (et && fe_ir_dtype(et) != DT_UNDEF) x->dtype = fe_ir_dtype(et);
  const char *sh = dstr(c, L, "shape", NULL);
  if (sh && strcmp(sh, "...") != 0) {
    int64_t dims[IR_MAX_DIMS];
    int r = parse_ints(sh, dims, IR_MAX_DIMS);
    if (r < 0)
      return fail(c, ERR_PARSE, L->name, "parameter shape '%s' is not a list of dimensions", sh);
    for (int i = 0; i < r; i++) dims[i] = dims[i] < 0 ? -1 : dims[i];
    ir_set_shape(c->g, t, r, dims);
  }
  ir_add_input(c->g, t);
  return 0;
}

/* One tensor per output port of every layer but Result. */
static int make_tensors(Ctx *c) {
  for (int i = 0; i < c->n_ls; i++) {
    XLayer *L = &c->ls[i];
    for (int k = 0; k < L->n_out; k++) {
      XPort *p = &L->out[k];
      const char *nm = port_name(c, p->names, false);
      if (!nm) nm = k == 0 ? L->name : arena_printf(c->a, "%s.%d", L->name, k);
      if (strcmp(L->type, "Parameter") == 0) nm = L->name;
      int t = irb_tensor(c->g, &c->names, nm);
      p->tensor = t;
      IrTensor *x = &c->g->tensors[t];
      x->dtype = p->dt;
      ir_set_shape(c->g, t, p->rank, p->dims);
      if (k == 0 && strcmp(L->type, "Const") == 0 && load_const(c, L, t) < 0) return -1;
      if (k == 0 && strcmp(L->type, "Parameter") == 0 && load_parameter(c, L, t) < 0) return -1;
    }
  }
  return 0;
}

/* ---- node building ---- */

/* Input port k's tensor, -1 when absent. */
static int IN(const XLayer *L, int k) { return k < L->n_in ? L->in[k].tensor : -1; }
static int OUT(const XLayer *L, int k) { return k < L->n_out ? L->out[k].tensor : -1; }
static const IrTensor *TT(Ctx *c, int t) { return t >= 0 ? &c->g->tensors[t] : NULL; }

static int node(Ctx *c, IrOp op, const char *name) { return ir_add_node(c->g, op, NULL, name); }
static void in(Ctx *c, int n, int t) { ir_node_add_input(c->g, n, t); }

/* A fresh intermediate tensor for node outputs inside a layer's expansion. */
static int tmp(Ctx *c, const XLayer *L, const char *suffix) {
  return irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/%s", L->name, suffix));
}

/* An i64 constant of n values: rank 1 ([n]) or rank 0 (n must be 1). */
static int cst_i64(Ctx *c, const XLayer *L, const char *suffix, const int64_t *v, int n, int rank) {
  int64_t d = n;
  return irb_const(c->g, &c->names, arena_printf(c->a, "%s/%s", L->name, suffix), DT_I64, rank, &d,
                   v);
}

/* A scalar constant of type dt (f32 when dt is not float) holding v. */
static int cst_num(Ctx *c, const XLayer *L, const char *suffix, DType dt, double v) {
  uint8_t b[8];
  if (dt == DT_F16) {
    uint16_t h = fp16_from_f32((float)v);
    memcpy(b, &h, 2);
  } else if (dt == DT_F64) {
    memcpy(b, &v, 8);
  } else {
    float f = (float)v;
    memcpy(b, &f, 4);
    dt = DT_F32;
  }
  return irb_const(c->g, &c->names, arena_printf(c->a, "%s/%s", L->name, suffix), dt, 0, NULL, b);
}

/* Integer values of constant input k into v; count, or -1 when not constant / too many. */
static int cints(Ctx *c, const XLayer *L, int k, int64_t *v, int max) {
  const IrTensor *x = TT(c, IN(L, k));
  if (!x || !x->data) return -1;
  int64_t n = ir_numel(x);
  if (n < 0 || n > max) return -1;
  for (int64_t i = 0; i < n; i++) v[i] = ir_const_i64(x, i);
  return (int)n;
}

/* One float value of constant input k; false when absent, not constant or not one value. */
static bool cscalar(Ctx *c, const XLayer *L, int k, double *v) {
  const IrTensor *x = TT(c, IN(L, k));
  if (!x || !x->data || ir_numel(x) != 1) return false;
  *v = ir_const_f64(x, 0);
  return true;
}

/* Tensor t re-shaped to dims: a re-shaped copy when constant, else a Reshape node. */
static int reshaped(Ctx *c, const XLayer *L, int t, int rank, const int64_t *dims,
                    const char *suffix) {
  const IrTensor *x = TT(c, t);
  if (x->data) {
    int r = irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/%s", L->name, suffix));
    x = TT(c, t);
    ir_set_const(c->g, r, x->dtype, rank, dims, x->data);
    return r;
  }
  int s = cst_i64(c, L, arena_printf(c->a, "%s_shape", suffix), dims, rank, 1);
  int n = node(c, IR_OP_RESHAPE, arena_printf(c->a, "%s/%s", L->name, suffix));
  in(c, n, t);
  in(c, n, s);
  int o = tmp(c, L, suffix);
  c->g->tensors[o].dtype = TT(c, t)->dtype;
  ir_set_shape(c->g, o, rank, dims);
  irb_output(c->g, n, o);
  return o;
}

/* Output k of a node whose ONNX output type is `have` while the port says otherwise: the node
 * writes a fresh tensor and a Cast to the port's type is added. Returns the tensor to write. */
static int typed_out(Ctx *c, const XLayer *L, int k, DType have) {
  int t = OUT(L, k);
  DType want = TT(c, t)->dtype;
  if (want == DT_UNDEF || want == have) return t;
  int o = tmp(c, L, arena_printf(c->a, "out%d_%s", k, dtype_name(have)));
  int n = node(c, IR_OP_CAST, arena_printf(c->a, "%s/cast%d", L->name, k));
  in(c, n, o);
  irb_int(c->g, n, "to", onnx_code(want));
  irb_output(c->g, n, t);
  return o;
}

/* True when output port k (k >= 1) feeds nothing. */
static bool unused(const XLayer *L, int k) { return k >= L->n_out || L->out[k].uses == 0; }

/* ---- emitters ---- */

typedef int (*EmitFn)(Ctx *c, const XLayer *L, IrOp op);

/* One ONNX node: inputs and outputs port for port. */
static int e_plain(Ctx *c, const XLayer *L, IrOp op) {
  int n = node(c, op, L->name);
  for (int k = 0; k < L->n_in; k++) in(c, n, IN(L, k));
  for (int k = 0; k < L->n_out; k++) irb_output(c->g, n, OUT(L, k));
  return 0;
}

/* Elementwise binary ops: auto_broadcast none/numpy only. */
static int e_binary(Ctx *c, const XLayer *L, IrOp op) {
  const char *b = dstr(c, L, "auto_broadcast", "numpy");
  if (strcmp(b, "numpy") && strcmp(b, "none")) return UNMAPPED;
  if (L->n_in != (op == IR_OP_WHERE ? 3 : 2)) return UNMAPPED;
  return e_plain(c, L, op);
}

/* Convolution attributes over ns spatial axes: strides, dilations, pads, auto_pad. */
static int conv_attrs(Ctx *c, const XLayer *L, int n, int ns, bool kernel, bool dil) {
  int64_t s[IR_MAX_DIMS], d[IR_MAX_DIMS], pb[IR_MAX_DIMS], pe[IR_MAX_DIMS], k[IR_MAX_DIMS];
  int cs = dints(c, L, "strides", s, IR_MAX_DIMS),
      cd = dil ? dints(c, L, "dilations", d, IR_MAX_DIMS) : 0;
  int cb = dints(c, L, "pads_begin", pb, IR_MAX_DIMS),
      ce = dints(c, L, "pads_end", pe, IR_MAX_DIMS);
  int ck = kernel ? dints(c, L, "kernel", k, IR_MAX_DIMS) : 0;
  if (cs < 0 || cd < 0 || cb < 0 || ce < 0 || ck < 0) return -1;
  if ((cs && cs != ns) || (cd && cd != ns) || (kernel && ck != ns)) return UNMAPPED;
  const char *ap = dstr(c, L, "auto_pad", "explicit");
  if (kernel) irb_ints(c->g, n, "kernel_shape", k, ns);
  if (cs) irb_ints(c->g, n, "strides", s, ns);
  if (cd) irb_ints(c->g, n, "dilations", d, ns);
  if (strcmp(ap, "same_upper") == 0)
    irb_str(c->g, n, "auto_pad", "SAME_UPPER");
  else if (strcmp(ap, "same_lower") == 0)
    irb_str(c->g, n, "auto_pad", "SAME_LOWER");
  else if (strcmp(ap, "valid") == 0)
    irb_str(c->g, n, "auto_pad", "VALID");
  else if (strcmp(ap, "explicit") && strcmp(ap, "notset") && ap[0])
    return UNMAPPED;
  else {
    int64_t pads[2 * IR_MAX_DIMS];
    for (int i = 0; i < ns; i++) {
      pads[i] = i < cb ? pb[i] : 0;
      pads[ns + i] = i < ce ? pe[i] : 0;
    }
    irb_ints(c->g, n, "pads", pads, 2 * ns);
  }
  return 0;
}

/* Convolution / GroupConvolution / (Group)ConvolutionBackpropData -> Conv / ConvTranspose. */
static int e_conv(Ctx *c, const XLayer *L, IrOp op) {
  bool group = strncmp(L->type, "Group", 5) == 0;
  const IrTensor *w = TT(c, IN(L, 1));
  if (!w || w->rank < 3 || (group && w->rank < 4)) return UNMAPPED;
  int wr = group ? w->rank - 1 : w->rank, ns = wr - 2;
  int wt = IN(L, 1);
  int64_t g = 1;
  if (group) {
    int64_t d[IR_MAX_DIMS];
    g = w->dims[0];
    if (g < 1 || w->dims[1] < 0) return UNMAPPED;
    d[0] = g * w->dims[1];
    for (int i = 2; i < w->rank; i++) d[i - 1] = w->dims[i];
    wt = reshaped(c, L, wt, wr, d, "weights");
  }
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, wt);
  irb_ints(c->g, n, "kernel_shape", TT(c, wt)->dims + 2, ns);
  if (g > 1) irb_int(c->g, n, "group", g);
  int rc = conv_attrs(c, L, n, ns, false, true);
  if (rc) return rc;
  if (op == IR_OP_CONV_TRANSPOSE) {
    int64_t v[IR_MAX_DIMS];
    int cnt = dints(c, L, "output_padding", v, IR_MAX_DIMS);
    if (cnt < 0) return -1;
    if (cnt == ns) irb_ints(c->g, n, "output_padding", v, ns);
    if (L->n_in > 2) { /* output_shape input: spatial sizes */
      cnt = cints(c, L, 2, v, IR_MAX_DIMS);
      if (cnt != ns) return UNMAPPED;
      irb_ints(c->g, n, "output_shape", v, ns);
    }
  } else if (L->n_in != 2) {
    return UNMAPPED;
  }
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_pool(Ctx *c, const XLayer *L, IrOp op) {
  const IrTensor *x = TT(c, IN(L, 0));
  if (!x || x->rank < 3 || L->n_in != 1) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  bool v8 = strcmp(L->version, "opset8") == 0;
  int rc = conv_attrs(c, L, n, x->rank - 2, true, op == IR_OP_MAX_POOL && v8);
  if (rc) return rc;
  if (strcmp(dstr(c, L, "rounding_type", "floor"), "ceil") == 0) irb_int(c->g, n, "ceil_mode", 1);
  if (op == IR_OP_AVERAGE_POOL)
    irb_int(c->g, n, "count_include_pad", dbool(c, L, "exclude-pad", false) ? 0 : 1);
  irb_output(c->g, n, OUT(L, 0));
  if (L->n_out > 1 && !unused(L, 1)) irb_output(c->g, n, typed_out(c, L, 1, DT_I64));
  return 0;
}

/* ReduceMean/Max/Sum (x, axes): ReduceSum keeps axes as input (opset 13), the others as an
 * attribute; mean/max over every spatial axis with keep_dims -> Global*Pool. */
static int e_reduce(Ctx *c, const XLayer *L, IrOp op) {
  int64_t axes[MAX_INTS];
  int na = cints(c, L, 1, axes, MAX_INTS);
  const IrTensor *x = TT(c, IN(L, 0));
  if (na < 0 || !x || x->rank < 0) return UNMAPPED;
  for (int i = 0; i < na; i++) {
    if (axes[i] < 0) axes[i] += x->rank;
    if (axes[i] < 0 || axes[i] >= x->rank) return UNMAPPED;
  }
  bool keep = dbool(c, L, "keep_dims", false);
  bool spatial = keep && x->rank >= 3 && na == x->rank - 2 && op != IR_OP_REDUCE_SUM;
  for (int i = 0; spatial && i < na; i++) spatial = axes[i] == i + 2;
  if (spatial) {
    int n = node(c, op == IR_OP_REDUCE_MEAN ? IR_OP_GLOBAL_AVERAGE_POOL : IR_OP_GLOBAL_MAX_POOL,
                 L->name);
    in(c, n, IN(L, 0));
    irb_output(c->g, n, OUT(L, 0));
    return 0;
  }
  if (na == 0 && op != IR_OP_REDUCE_SUM) return UNMAPPED; /* ONNX: absent axes = all */
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  if (op == IR_OP_REDUCE_SUM)
    in(c, n, cst_i64(c, L, "axes", axes, na, 1));
  else
    irb_ints(c->g, n, "axes", axes, na);
  irb_int(c->g, n, "keepdims", keep);
  if (na == 0) irb_int(c->g, n, "noop_with_empty_axes", 1);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_batch_norm(Ctx *c, const XLayer *L, IrOp op) {
  if (L->n_in != 5) return UNMAPPED;
  /* opset1 orders the inputs gamma, beta, data, mean, variance; opset5 data first */
  static const int V1[5] = {2, 0, 1, 3, 4}, V5[5] = {0, 1, 2, 3, 4};
  const int *ord = strcmp(L->version, "opset1") == 0 ? V1 : V5;
  double eps;
  if (dfloat(c, L, "epsilon", 1e-5, &eps) < 0) return -1;
  int n = node(c, op, L->name);
  for (int k = 0; k < 5; k++) in(c, n, IN(L, ord[k]));
  irb_float(c->g, n, "epsilon", eps);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* PReLU: one slope -> LeakyRelu; [C] slopes against NCHW -> PRelu with slope [C,1,1]. */
static int e_prelu(Ctx *c, const XLayer *L, IrOp op) {
  (void)op;
  double v;
  if (cscalar(c, L, 1, &v)) {
    int n = node(c, IR_OP_LEAKY_RELU, L->name);
    in(c, n, IN(L, 0));
    irb_float(c->g, n, "alpha", v);
    irb_output(c->g, n, OUT(L, 0));
    return 0;
  }
  const IrTensor *x = TT(c, IN(L, 0)), *s = TT(c, IN(L, 1));
  if (!x || !s) return UNMAPPED;
  int st = IN(L, 1);
  if (s->rank == 1 && x->rank >= 3 && s->dims[0] == x->dims[1]) {
    int64_t d[IR_MAX_DIMS];
    d[0] = s->dims[0];
    for (int i = 1; i < x->rank - 1; i++) d[i] = 1;
    st = reshaped(c, L, st, x->rank - 1, d, "slope");
  }
  int n = node(c, IR_OP_PRELU, L->name);
  in(c, n, IN(L, 0));
  in(c, n, st);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_clamp(Ctx *c, const XLayer *L, IrOp op) {
  double lo, hi;
  if (dfloat(c, L, "min", -3.4028234663852886e38, &lo) < 0 ||
      dfloat(c, L, "max", 3.4028234663852886e38, &hi) < 0)
    return -1;
  DType dt = TT(c, IN(L, 0)) ? TT(c, IN(L, 0))->dtype : DT_F32;
  if (dt == DT_F16) { /* keep the bounds finite in f16 */
    if (lo < -65504) lo = -65504;
    if (hi > 65504) hi = 65504;
  }
  int lt = cst_num(c, L, "min", dt, lo), ht = cst_num(c, L, "max", dt, hi);
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, lt);
  in(c, n, ht);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_hard_sigmoid(Ctx *c, const XLayer *L, IrOp op) {
  double al, be;
  if (!cscalar(c, L, 1, &al) || !cscalar(c, L, 2, &be)) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  irb_float(c->g, n, "alpha", al);
  irb_float(c->g, n, "beta", be);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_elu(Ctx *c, const XLayer *L, IrOp op) {
  double al;
  if (dfloat(c, L, "alpha", 1.0, &al) < 0) return -1;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  irb_float(c->g, n, "alpha", al);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* Layers with one `axis` attribute copied as is: SoftMax, LogSoftmax, Concat. */
static int e_axis(Ctx *c, const XLayer *L, IrOp op) {
  int64_t axis;
  if (dint(c, L, "axis", op == IR_OP_CONCAT ? 0 : 1, &axis) < 0) return -1;
  int rc = e_plain(c, L, op);
  if (rc == 0) irb_int(c->g, c->g->n_nodes - 1, "axis", axis);
  return rc;
}

/* MatMul: no transposes -> MatMul; 2-D -> Gemm(transA, transB); else Transpose + MatMul. */
static int e_matmul(Ctx *c, const XLayer *L, IrOp op) {
  (void)op;
  bool ta = dbool(c, L, "transpose_a", false), tb = dbool(c, L, "transpose_b", false);
  const IrTensor *a = TT(c, IN(L, 0)), *b = TT(c, IN(L, 1));
  if (!a || !b || L->n_in != 2) return UNMAPPED;
  if ((ta || tb) && a->rank == 2 && b->rank == 2) {
    int n = node(c, IR_OP_GEMM, L->name);
    in(c, n, IN(L, 0));
    in(c, n, IN(L, 1));
    if (ta) irb_int(c->g, n, "transA", 1);
    if (tb) irb_int(c->g, n, "transB", 1);
    irb_output(c->g, n, OUT(L, 0));
    return 0;
  }
  int ins[2] = {IN(L, 0), IN(L, 1)};
  for (int k = 0; k < 2; k++) {
    const IrTensor *x = TT(c, ins[k]);
    if (!(k ? tb : ta)) continue;
    if (x->rank < 2) return UNMAPPED;
    int64_t perm[IR_MAX_DIMS];
    for (int i = 0; i < x->rank; i++) perm[i] = i;
    perm[x->rank - 2] = x->rank - 1;
    perm[x->rank - 1] = x->rank - 2;
    int n = node(c, IR_OP_TRANSPOSE, arena_printf(c->a, "%s/transpose_%c", L->name, k ? 'b' : 'a'));
    in(c, n, ins[k]);
    irb_ints(c->g, n, "perm", perm, x->rank);
    int o = tmp(c, L, k ? "b_t" : "a_t");
    irb_output(c->g, n, o);
    ins[k] = o;
  }
  int n = node(c, IR_OP_MATMUL, L->name);
  in(c, n, ins[0]);
  in(c, n, ins[1]);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* An i64 copy of constant input k (rank 1), so ONNX ops that insist on int64 get it. */
static int as_i64(Ctx *c, const XLayer *L, int k, const char *suffix) {
  int64_t v[MAX_INTS];
  int cnt = cints(c, L, k, v, MAX_INTS);
  if (cnt < 0) return IN(L, k);
  return cst_i64(c, L, suffix, v, cnt, 1);
}

static int e_reshape(Ctx *c, const XLayer *L, IrOp op) {
  int64_t v[MAX_INTS];
  int cnt = cints(c, L, 1, v, MAX_INTS);
  bool special_zero = dbool(c, L, "special_zero", false);
  int st = IN(L, 1);
  if (cnt >= 0) {
    bool zero = false;
    for (int i = 0; i < cnt; i++) zero |= v[i] == 0;
    const IrTensor *y = TT(c, OUT(L, 0));
    if (zero && !special_zero) { /* a literal 0: the port's static shape says it */
      if (!y || ir_numel(y) < 0) return UNMAPPED;
      st = cst_i64(c, L, "shape", y->dims, y->rank, 1);
    } else {
      st = cst_i64(c, L, "shape", v, cnt, 1);
    }
  } /* else computed at run time: a 0 there would be literal, but no real shape has one */
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, st);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_transpose(Ctx *c, const XLayer *L, IrOp op) {
  int64_t v[IR_MAX_DIMS];
  int cnt = cints(c, L, 1, v, IR_MAX_DIMS);
  if (cnt < 0) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  if (cnt) irb_ints(c->g, n, "perm", v, cnt);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* Squeeze / Unsqueeze (x, axes) -> opset-13 form with an i64 1-D axes input. */
static int e_squeeze(Ctx *c, const XLayer *L, IrOp op) {
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  if (L->n_in > 1) {
    int64_t v[IR_MAX_DIMS];
    int cnt = cints(c, L, 1, v, IR_MAX_DIMS);
    if (cnt < 0) return UNMAPPED;
    in(c, n, cst_i64(c, L, "axes", v, cnt, 1));
  } else if (op == IR_OP_UNSQUEEZE) {
    return UNMAPPED;
  }
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_pad(Ctx *c, const XLayer *L, IrOp op) {
  const char *mode = dstr(c, L, "pad_mode", "constant");
  if (strcmp(mode, "constant") && strcmp(mode, "edge") && strcmp(mode, "reflect")) return UNMAPPED;
  int64_t pb[IR_MAX_DIMS], pe[IR_MAX_DIMS], pads[2 * IR_MAX_DIMS];
  int nb = cints(c, L, 1, pb, IR_MAX_DIMS), ne = cints(c, L, 2, pe, IR_MAX_DIMS);
  if (nb < 0 || ne != nb) return UNMAPPED;
  for (int i = 0; i < nb; i++) pads[i] = pb[i], pads[nb + i] = pe[i];
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, cst_i64(c, L, "pads", pads, 2 * nb, 1));
  if (L->n_in > 3 && strcmp(mode, "constant") == 0) in(c, n, IN(L, 3));
  irb_str(c->g, n, "mode", mode);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* Resize node over x with a full-rank sizes (i64) or scales (f32) constant. */
static int resize_node(Ctx *c, const XLayer *L, const int64_t *sizes, const float *scales, int r,
                       const char *mode, const char *ctm, const char *nm, double cube) {
  int64_t d = r;
  int n = node(c, IR_OP_RESIZE, L->name);
  in(c, n, IN(L, 0));
  in(c, n, -1);
  if (scales) {
    in(c, n,
       irb_const(c->g, &c->names, arena_printf(c->a, "%s/scales", L->name), DT_F32, 1, &d, scales));
  } else {
    in(c, n, -1);
    in(c, n, cst_i64(c, L, "sizes", sizes, r, 1));
  }
  irb_str(c->g, n, "mode", mode);
  irb_str(c->g, n, "coordinate_transformation_mode", ctm);
  if (strcmp(mode, "nearest") == 0) irb_str(c->g, n, "nearest_mode", nm);
  if (strcmp(mode, "cubic") == 0) irb_float(c->g, n, "cubic_coeff_a", cube);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* True when every pads_begin/pads_end value is zero. */
static int no_pads(Ctx *c, const XLayer *L) {
  int64_t p[IR_MAX_DIMS];
  const char *keys[2] = {"pads_begin", "pads_end"};
  for (int k = 0; k < 2; k++) {
    int cnt = dints(c, L, keys[k], p, IR_MAX_DIMS);
    if (cnt < 0) return -1;
    for (int i = 0; i < cnt; i++)
      if (p[i]) return 0;
  }
  return 1;
}

/* Interpolate-1 (x, target sizes on `axes`) and Interpolate-4/11 (x, sizes|scales, [scales],
 * [axes]) -> Resize-13 with full-rank sizes or scales. */
static int e_interpolate(Ctx *c, const XLayer *L, IrOp op) {
  (void)op;
  const IrTensor *x = TT(c, IN(L, 0));
  if (!x || x->rank < 1 || ir_numel(x) < 0) return UNMAPPED;
  int r = x->rank, rc = no_pads(c, L);
  if (rc <= 0) return rc < 0 ? -1 : UNMAPPED;
  int64_t axes[IR_MAX_DIMS], vals[IR_MAX_DIMS], sizes[IR_MAX_DIMS];
  float scales[IR_MAX_DIMS];
  for (int i = 0; i < r; i++) sizes[i] = x->dims[i], scales[i] = 1.0f;
  bool v1 = strcmp(L->version, "opset1") == 0;
  bool v11 = strcmp(L->version, "opset11") == 0;
  int na;
  if (v1) {
    if ((na = dints(c, L, "axes", axes, IR_MAX_DIMS)) < 0) return -1;
  } else if (L->n_in > (v11 ? 2 : 3)) {
    if ((na = cints(c, L, v11 ? 2 : 3, axes, IR_MAX_DIMS)) < 0) return UNMAPPED;
  } else {
    for (na = 0; na < r; na++) axes[na] = na;
  }
  const char *scm = dstr(c, L, "shape_calculation_mode", "sizes");
  bool by_scales = !v1 && strcmp(scm, "scales") == 0;
  int src = by_scales && !v11 ? 2 : 1;
  const IrTensor *s = TT(c, IN(L, src));
  if (!s || !s->data || ir_numel(s) != na) return UNMAPPED;
  for (int i = 0; i < na; i++) {
    int64_t ax = axes[i] < 0 ? axes[i] + r : axes[i];
    if (ax < 0 || ax >= r) return UNMAPPED;
    if (by_scales)
      scales[ax] = (float)ir_const_f64(s, i);
    else
      sizes[ax] = vals[i] = ir_const_i64(s, i);
  }
  const char *mode = dstr(c, L, "mode", "nearest");
  const char *om, *ctm, *nm = "floor";
  if (strcmp(mode, "nearest") == 0)
    om = "nearest";
  else if (strcmp(mode, "linear") == 0 || strcmp(mode, "linear_onnx") == 0 ||
           strcmp(mode, "bilinear_pillow") == 0)
    om = "linear";
  else if (strcmp(mode, "cubic") == 0)
    om = "cubic";
  else
    return UNMAPPED;
  if (dbool(c, L, "antialias", false)) return UNMAPPED;
  if (v1) {
    ctm = dbool(c, L, "align_corners", false) ? "align_corners" : "asymmetric";
  } else {
    ctm = dstr(c, L, "coordinate_transformation_mode", "half_pixel");
    nm = dstr(c, L, "nearest_mode", "round_prefer_floor");
    if (strcmp(nm, "simple") == 0) nm = "floor";
  }
  double cube;
  if (dfloat(c, L, "cube_coeff", -0.75, &cube) < 0) return -1;
  (void)vals;
  return resize_node(c, L, sizes, by_scales ? scales : NULL, r, om, ctm, nm, cube);
}

/* StridedSlice -> Slice over the axes the masks leave alone [+ Squeeze of shrunk axes]. */
static int e_strided_slice(Ctx *c, const XLayer *L, IrOp op) {
  (void)op;
  int64_t b[MAX_INTS], e[MAX_INTS], s[MAX_INTS], bm[MAX_INTS], em[MAX_INTS], nm[MAX_INTS],
      sm[MAX_INTS], elm[MAX_INTS];
  int nb = cints(c, L, 1, b, MAX_INTS), ne = cints(c, L, 2, e, MAX_INTS);
  int ns = L->n_in > 3 ? cints(c, L, 3, s, MAX_INTS) : nb;
  if (L->n_in <= 3)
    for (int i = 0; i < nb; i++) s[i] = 1;
  if (nb < 0 || ne != nb || ns != nb) return UNMAPPED;
  int cbm = dints(c, L, "begin_mask", bm, MAX_INTS), cem = dints(c, L, "end_mask", em, MAX_INTS);
  int cnm = dints(c, L, "new_axis_mask", nm, MAX_INTS),
      csm = dints(c, L, "shrink_axis_mask", sm, MAX_INTS);
  int cel = dints(c, L, "ellipsis_mask", elm, MAX_INTS);
  if (cbm < 0 || cem < 0 || cnm < 0 || csm < 0 || cel < 0) return -1;
  for (int i = 0; i < cnm; i++)
    if (nm[i]) return UNMAPPED;
  for (int i = 0; i < cel; i++)
    if (elm[i]) return UNMAPPED;
  const IrTensor *x = TT(c, IN(L, 0));
  if (!x || x->rank < nb) return UNMAPPED;
  int64_t st[MAX_INTS], en[MAX_INTS], ax[MAX_INTS], sp[MAX_INTS], sq[MAX_INTS];
  int na = 0, nsq = 0;
  for (int i = 0; i < nb; i++) {
    bool ib = i < cbm && bm[i], ie = i < cem && em[i], shrink = i < csm && sm[i];
    if (s[i] == 0) return UNMAPPED;
    if (shrink) {
      if (s[i] < 0) return UNMAPPED;
      st[na] = b[i];
      en[na] = b[i] == -1 ? INT64_MAX : b[i] + 1;
      sp[na] = 1;
      ax[na++] = i;
      sq[nsq++] = i;
      continue;
    }
    if (ib && ie && s[i] == 1) continue;
    st[na] = ib ? (s[i] > 0 ? 0 : INT64_MAX) : b[i];
    en[na] = ie ? (s[i] > 0 ? INT64_MAX : INT64_MIN) : e[i];
    sp[na] = s[i];
    ax[na++] = i;
  }
  int y = nsq ? tmp(c, L, "sliced") : OUT(L, 0);
  int n = node(c, IR_OP_SLICE, nsq ? arena_printf(c->a, "%s/slice", L->name) : L->name);
  in(c, n, IN(L, 0));
  in(c, n, cst_i64(c, L, "starts", st, na, 1));
  in(c, n, cst_i64(c, L, "ends", en, na, 1));
  in(c, n, cst_i64(c, L, "axes", ax, na, 1));
  in(c, n, cst_i64(c, L, "steps", sp, na, 1));
  irb_output(c->g, n, y);
  if (!nsq) return 0;
  n = node(c, IR_OP_SQUEEZE, L->name);
  in(c, n, y);
  in(c, n, cst_i64(c, L, "squeeze_axes", sq, nsq, 1));
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* Split (x, axis; num_splits) and VariadicSplit (x, axis, lengths) -> Split-13. */
static int e_split(Ctx *c, const XLayer *L, IrOp op) {
  int64_t axis, len[IR_MAX_OUTPUTS];
  const IrTensor *x = TT(c, IN(L, 0));
  if (cints(c, L, 1, &axis, 1) != 1 || !x || x->rank < 1) return UNMAPPED;
  if (axis < 0) axis += x->rank;
  if (axis < 0 || axis >= x->rank) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  if (strcmp(L->type, "VariadicSplit") == 0) {
    int cnt = cints(c, L, 2, len, IR_MAX_OUTPUTS), neg = -1;
    if (cnt != L->n_out) return UNMAPPED;
    int64_t sum = 0;
    for (int i = 0; i < cnt; i++) {
      if (len[i] == -1)
        neg = i;
      else
        sum += len[i];
    }
    if (neg >= 0) {
      if (x->dims[axis] < 0) return UNMAPPED;
      len[neg] = x->dims[axis] - sum;
    }
    in(c, n, cst_i64(c, L, "split", len, cnt, 1));
  }
  irb_int(c->g, n, "axis", axis);
  for (int k = 0; k < L->n_out; k++) irb_output(c->g, n, OUT(L, k));
  return 0;
}

static int e_convert(Ctx *c, const XLayer *L, IrOp op) {
  DType to = fe_ir_dtype(dstr(c, L, "destination_type", ""));
  if (onnx_code(to) == 0) return UNMAPPED;
  int rc = e_plain(c, L, op);
  if (rc == 0) irb_int(c->g, c->g->n_nodes - 1, "to", onnx_code(to));
  return rc;
}

static int e_gather(Ctx *c, const XLayer *L, IrOp op) {
  int64_t axis, bd;
  if (dint(c, L, "batch_dims", 0, &bd) < 0) return -1;
  if (bd != 0 || cints(c, L, 2, &axis, 1) != 1) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, IN(L, 1));
  irb_int(c->g, n, "axis", axis);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_broadcast(Ctx *c, const XLayer *L, IrOp op) {
  const char *mode = dstr(c, L, "mode", "numpy");
  if (strcmp(mode, "numpy") && strcmp(mode, "bidirectional")) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, as_i64(c, L, 1, "shape"));
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_tile(Ctx *c, const XLayer *L, IrOp op) {
  const IrTensor *x = TT(c, IN(L, 0));
  int64_t v[IR_MAX_DIMS], full[IR_MAX_DIMS];
  int cnt = cints(c, L, 1, v, IR_MAX_DIMS);
  if (!x || cnt < 0 || cnt > x->rank) return UNMAPPED;
  int pad = x->rank - cnt;
  for (int i = 0; i < x->rank; i++) full[i] = i < pad ? 1 : v[i - pad];
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, cst_i64(c, L, "repeats", full, x->rank, 1));
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_topk(Ctx *c, const XLayer *L, IrOp op) {
  int64_t k, axis;
  if (cints(c, L, 1, &k, 1) != 1 || L->n_out != 2) return UNMAPPED;
  if (dint(c, L, "axis", -1, &axis) < 0) return -1;
  const char *mode = dstr(c, L, "mode", "max"), *sort = dstr(c, L, "sort", "value");
  if (strcmp(sort, "index") == 0) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, cst_i64(c, L, "k", &k, 1, 1));
  irb_int(c->g, n, "axis", axis);
  irb_int(c->g, n, "largest", strcmp(mode, "min") != 0);
  irb_int(c->g, n, "sorted", strcmp(sort, "none") != 0);
  irb_output(c->g, n, OUT(L, 0));
  irb_output(c->g, n, typed_out(c, L, 1, DT_I64));
  return 0;
}

static int e_lrn(Ctx *c, const XLayer *L, IrOp op) {
  int64_t axes[IR_MAX_DIMS], size;
  double al, be, bias;
  int cnt = cints(c, L, 1, axes, IR_MAX_DIMS);
  if (cnt != 1 || axes[0] != 1) return UNMAPPED;
  if (dfloat(c, L, "alpha", 1e-4, &al) < 0 || dfloat(c, L, "beta", 0.75, &be) < 0 ||
      dfloat(c, L, "bias", 1.0, &bias) < 0 || dint(c, L, "size", 1, &size) < 0)
    return -1;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  irb_float(c->g, n, "alpha", al);
  irb_float(c->g, n, "beta", be);
  irb_float(c->g, n, "bias", bias);
  irb_int(c->g, n, "size", size);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

static int e_space_depth(Ctx *c, const XLayer *L, IrOp op) {
  int64_t bs;
  if (dint(c, L, "block_size", 1, &bs) < 0) return -1;
  const char *mode = dstr(c, L, "mode", "blocks_first");
  bool dcr = strcmp(mode, "blocks_first") == 0;
  if (!dcr && (op == IR_OP_SPACE_TO_DEPTH || strcmp(mode, "depth_first"))) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  irb_int(c->g, n, "blocksize", bs);
  if (op == IR_OP_DEPTH_TO_SPACE) irb_str(c->g, n, "mode", dcr ? "DCR" : "CRD");
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* A node of op over (a, b) writing a fresh tensor (o < 0) or o; returns the tensor. */
static int op2(Ctx *c, const XLayer *L, IrOp op, const char *sfx, int a, int b, int o) {
  int n = node(c, op, arena_printf(c->a, "%s/%s", L->name, sfx));
  in(c, n, a);
  if (b >= 0) in(c, n, b);
  if (o < 0) o = tmp(c, L, sfx);
  irb_output(c->g, n, o);
  return o;
}

/* MVN-1 (across_channels) / MVN-6 (axes input): spatial axes with normalize_variance and eps
 * inside the sqrt -> InstanceNormalization(scale 1, bias 0); anything else decomposed into
 * ReduceMean, Sub, Mul, Add, Sqrt, Div. */
static int e_mvn(Ctx *c, const XLayer *L, IrOp op) {
  (void)op;
  const IrTensor *x = TT(c, IN(L, 0));
  if (!x || x->rank < 2) return UNMAPPED;
  int64_t axes[IR_MAX_DIMS];
  int na;
  bool v6 = L->n_in > 1, inside;
  if (v6) {
    na = cints(c, L, 1, axes, IR_MAX_DIMS);
    if (na < 0) return UNMAPPED;
    inside = strcmp(dstr(c, L, "eps_mode", "inside_sqrt"), "inside_sqrt") == 0;
  } else {
    na = 0;
    for (int i = dbool(c, L, "across_channels", false) ? 1 : 2; i < x->rank; i++) axes[na++] = i;
    inside = false; /* MVN-1 adds eps to the standard deviation */
  }
  for (int i = 0; i < na; i++)
    if ((axes[i] = axes[i] < 0 ? axes[i] + x->rank : axes[i]) < 0 || axes[i] >= x->rank)
      return UNMAPPED;
  bool norm = dbool(c, L, "normalize_variance", false);
  double eps;
  if (dfloat(c, L, "eps", 1e-9, &eps) < 0) return -1;
  bool spatial = na == x->rank - 2 && x->rank >= 3 && x->dims[1] > 0 && norm && inside;
  for (int i = 0; spatial && i < na; i++) spatial = axes[i] == i + 2;
  DType dt = x->dtype == DT_F16 ? DT_F16 : DT_F32;
  if (spatial) {
    int64_t ch = x->dims[1];
    size_t esz = dtype_size(dt);
    uint8_t *ones = arena_array(c->a, (size_t)ch, esz), *zeros = arena_array(c->a, (size_t)ch, esz);
    for (int64_t i = 0; i < ch; i++) {
      float f = 1.0f;
      uint16_t h = fp16_from_f32(1.0f);
      memcpy(ones + (size_t)i * esz, dt == DT_F16 ? (void *)&h : (void *)&f, esz);
    }
    int sc = irb_const(c->g, &c->names, arena_printf(c->a, "%s/scale", L->name), dt, 1, &ch, ones);
    int bi = irb_const(c->g, &c->names, arena_printf(c->a, "%s/bias", L->name), dt, 1, &ch, zeros);
    int n = node(c, IR_OP_INSTANCE_NORM, L->name);
    in(c, n, IN(L, 0));
    in(c, n, sc);
    in(c, n, bi);
    irb_float(c->g, n, "epsilon", eps);
    irb_output(c->g, n, OUT(L, 0));
    return 0;
  }
  int n = node(c, IR_OP_REDUCE_MEAN, arena_printf(c->a, "%s/mean", L->name));
  in(c, n, IN(L, 0));
  irb_ints(c->g, n, "axes", axes, na);
  int mean = tmp(c, L, "mean");
  irb_output(c->g, n, mean);
  if (!norm) return op2(c, L, IR_OP_SUB, "sub", IN(L, 0), mean, OUT(L, 0)) < 0 ? -1 : 0;
  int d = op2(c, L, IR_OP_SUB, "sub", IN(L, 0), mean, -1);
  int sq = op2(c, L, IR_OP_MUL, "sq", d, d, -1);
  n = node(c, IR_OP_REDUCE_MEAN, arena_printf(c->a, "%s/var", L->name));
  in(c, n, sq);
  irb_ints(c->g, n, "axes", axes, na);
  int var = tmp(c, L, "var");
  irb_output(c->g, n, var);
  int e = cst_num(c, L, "eps", dt, eps), den;
  if (inside)
    den = op2(c, L, IR_OP_SQRT, "std", op2(c, L, IR_OP_ADD, "var_eps", var, e, -1), -1, -1);
  else
    den = op2(c, L, IR_OP_ADD, "std_eps", op2(c, L, IR_OP_SQRT, "std", var, -1, -1), e, -1);
  op2(c, L, IR_OP_DIV, "div", d, den, OUT(L, 0));
  c->g->nodes[c->g->n_nodes - 1].name = L->name;
  return 0;
}

static int e_shape_of(Ctx *c, const XLayer *L, IrOp op) {
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  irb_output(c->g, n, typed_out(c, L, 0, DT_I64));
  return 0;
}

static int e_range(Ctx *c, const XLayer *L, IrOp op) {
  if (L->n_in != 3) return UNMAPPED;
  return e_plain(c, L, op);
}

/* NonMaxSuppression-1..9 -> ONNX NonMaxSuppression when only selected_indices is read. */
static int e_nms(Ctx *c, const XLayer *L, IrOp op) {
  if (!unused(L, 1) || !unused(L, 2) || L->n_in > 5 || L->n_in < 2) return UNMAPPED;
  int n = node(c, op, L->name);
  for (int k = 0; k < L->n_in; k++) in(c, n, IN(L, k));
  irb_int(c->g, n, "center_point_box", strcmp(dstr(c, L, "box_encoding", "corner"), "center") == 0);
  irb_output(c->g, n, typed_out(c, L, 0, DT_I64));
  return 0;
}

/* Float-list attribute ("15.0,39.6,...") as an ATTR_FLOATS; -1 with a message when malformed. */
static int a_floats_from(Ctx *c, const XLayer *L, int n, const char *key) {
  const char *s = prop(c, L->data, key);
  if (!s) return 0;
  int cnt = 1;
  for (const char *p = s; *p; p++) cnt += *p == ',';
  if (cnt > 4096) return fail(c, ERR_PARSE, L->name, "attribute '%s' has too many values", key);
  IrAttr *at = ir_node_add_attr(c->g, n, key, ATTR_FLOATS);
  at->floats = arena_array(c->a, (size_t)cnt, sizeof(float));
  at->n = 0;
  const char *p = s;
  while (*p) {
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno == EINVAL || (*end && *end != ','))
      return fail(c, ERR_PARSE, L->name, "attribute '%s' is not a list of numbers: '%s'", key, s);
    at->floats[at->n++] = (float)v;
    p = *end ? end + 1 : end;
  }
  return 0;
}

/* PriorBoxClustered-1: inputs output_size, image_size; folded to a constant in shape inference. */
static int e_prior_box_clustered(Ctx *c, const XLayer *L, IrOp op) {
  if (L->n_in != 2) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, IN(L, 1));
  if (a_floats_from(c, L, n, "width") < 0 || a_floats_from(c, L, n, "height") < 0 ||
      a_floats_from(c, L, n, "variance") < 0)
    return -1;
  static const char *const fk[4] = {"step", "step_w", "step_h", "offset"};
  for (int i = 0; i < 4; i++) {
    double v;
    if (dfloat(c, L, fk[i], i == 3 ? 0.5 : 0.0, &v) < 0) return -1;
    irb_float(c->g, n, fk[i], v);
  }
  irb_int(c->g, n, "clip", dbool(c, L, "clip", false));
  irb_output(c->g, n, typed_out(c, L, 0, DT_F32));
  return 0;
}

/* DetectionOutput-1: loc, conf, priors (+ ARM confidence and locations). */
static int e_detection_output(Ctx *c, const XLayer *L, IrOp op) {
  if (L->n_in != 3 && L->n_in != 5) return UNMAPPED;
  int n = node(c, op, L->name);
  for (int k = 0; k < L->n_in; k++) in(c, n, IN(L, k));
  static const char *const ik[] = {"num_classes", "background_label_id", "top_k", "input_height",
                                   "input_width"};
  static const int64_t idf[] = {0, 0, -1, 1, 1};
  for (int i = 0; i < 5; i++) {
    int64_t v;
    if (dint(c, L, ik[i], idf[i], &v) < 0) return -1;
    irb_int(c->g, n, ik[i], v);
  }
  int64_t keep[1] = {-1};
  if (dints(c, L, "keep_top_k", keep, 1) < 0) return -1;
  irb_int(c->g, n, "keep_top_k", keep[0]);
  static const char *const bk[] = {
      "variance_encoded_in_target", "share_location", "clip_after_nms", "clip_before_nms",
      "decrease_label_id",          "normalized"};
  static const bool bdf[] = {false, true, false, false, false, false};
  for (int i = 0; i < 6; i++) irb_int(c->g, n, bk[i], dbool(c, L, bk[i], bdf[i]));
  static const char *const fk[] = {"nms_threshold", "confidence_threshold", "objectness_score"};
  for (int i = 0; i < 3; i++) {
    double v;
    if (dfloat(c, L, fk[i], 0.0, &v) < 0) return -1;
    irb_float(c->g, n, fk[i], v);
  }
  const char *ct = dstr(c, L, "code_type", "caffe.PriorBoxParameter.CORNER");
  irb_int(c->g, n, "code_type",
          strstr(ct, "CORNER_SIZE")   ? 3
          : strstr(ct, "CENTER_SIZE") ? 2
          : strstr(ct, "CORNER")      ? 1
                                      : 0);
  irb_output(c->g, n, typed_out(c, L, 0, DT_F32));
  return 0;
}

/* ---- OpenVINO IR layers of issue 18: attributes keep their OpenVINO names (params_ir.c) ---- */

/* A boolean <data> attribute as an int attribute of node n. */
static void a_bool(Ctx *c, const XLayer *L, int n, const char *key, bool dflt) {
  irb_int(c->g, n, key, dbool(c, L, key, dflt));
}

/* A float <data> attribute as a float attribute of node n; -1 when malformed. */
static int a_float(Ctx *c, const XLayer *L, int n, const char *key, double dflt) {
  double v;
  if (dfloat(c, L, key, dflt, &v) < 0) return -1;
  irb_float(c->g, n, key, v);
  return 0;
}

/* An int <data> attribute as an int attribute of node n; -1 when malformed. */
static int a_int(Ctx *c, const XLayer *L, int n, const char *key, int64_t dflt) {
  int64_t v;
  if (dint(c, L, key, dflt, &v) < 0) return -1;
  irb_int(c->g, n, key, v);
  return 0;
}

/* HSigmoid-5: min(max(x + 3, 0), 6) / 6 -> Add, Clip, Mul. */
static int e_hsigmoid(Ctx *c, const XLayer *L, IrOp op) {
  (void)op;
  DType dt = TT(c, IN(L, 0)) && TT(c, IN(L, 0))->dtype == DT_F16 ? DT_F16 : DT_F32;
  int a = op2(c, L, IR_OP_ADD, "plus3", IN(L, 0), cst_num(c, L, "three", dt, 3.0), -1);
  int n = node(c, IR_OP_CLIP, arena_printf(c->a, "%s/relu6", L->name));
  in(c, n, a);
  in(c, n, cst_num(c, L, "zero", dt, 0.0));
  in(c, n, cst_num(c, L, "six", dt, 6.0));
  int r = tmp(c, L, "relu6");
  irb_output(c->g, n, r);
  op2(c, L, IR_OP_MUL, "div6", r, cst_num(c, L, "sixth", dt, 1.0 / 6.0), OUT(L, 0));
  c->g->nodes[c->g->n_nodes - 1].name = L->name;
  return 0;
}

/* Gelu-2 (erf) and Gelu-7 (approximation_mode ERF | TANH) -> Gelu with ONNX's `approximate`. */
static int e_gelu(Ctx *c, const XLayer *L, IrOp op) {
  const char *m = dstr(c, L, "approximation_mode", "ERF");
  if (strcasecmp(m, "ERF") && strcasecmp(m, "TANH")) return UNMAPPED;
  int rc = e_plain(c, L, op);
  if (rc == 0)
    irb_str(c->g, c->g->n_nodes - 1, "approximate", strcasecmp(m, "TANH") == 0 ? "tanh" : "none");
  return rc;
}

static int e_grn(Ctx *c, const XLayer *L, IrOp op) {
  int rc = e_plain(c, L, op);
  return rc ? rc : a_float(c, L, c->g->n_nodes - 1, "bias", 1.0);
}

/* NormalizeL2-1 (x, axes): axes as an i64 constant. */
static int e_normalize_l2(Ctx *c, const XLayer *L, IrOp op) {
  if (L->n_in != 2) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, as_i64(c, L, 1, "axes"));
  irb_str(c->g, n, "eps_mode", dstr(c, L, "eps_mode", "add"));
  irb_output(c->g, n, OUT(L, 0));
  return a_float(c, L, n, "eps", 1e-10);
}

static int e_region_yolo(Ctx *c, const XLayer *L, IrOp op) {
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  static const char *const ik[] = {"coords", "classes", "num", "axis", "end_axis"};
  static const int64_t idf[] = {4, 20, 5, 1, 3};
  for (int i = 0; i < 5; i++)
    if (a_int(c, L, n, ik[i], idf[i]) < 0) return -1;
  a_bool(c, L, n, "do_softmax", true);
  int64_t mask[MAX_INTS];
  int cnt = dints(c, L, "mask", mask, MAX_INTS);
  if (cnt < 0) return -1;
  if (cnt) irb_ints(c->g, n, "mask", mask, cnt);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* ReorgYolo-1: stride (one value, or the same value for both axes). */
static int e_reorg_yolo(Ctx *c, const XLayer *L, IrOp op) {
  int64_t st[2];
  int cnt = dints(c, L, "stride", st, 2);
  if (cnt < 0) return -1;
  if (cnt < 1 || (cnt == 2 && st[0] != st[1])) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  irb_int(c->g, n, "stride", st[0]);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* PriorBox-1 (output_size, image_size): folded to a constant in shape inference. */
static int e_prior_box(Ctx *c, const XLayer *L, IrOp op) {
  if (L->n_in != 2) return UNMAPPED;
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, IN(L, 1));
  static const char *const fl[] = {"min_size",   "max_size",    "aspect_ratio", "variance",
                                   "fixed_size", "fixed_ratio", "density"};
  for (int i = 0; i < 7; i++)
    if (a_floats_from(c, L, n, fl[i]) < 0) return -1;
  a_bool(c, L, n, "flip", false);
  a_bool(c, L, n, "clip", false);
  a_bool(c, L, n, "scale_all_sizes", true);
  if (a_float(c, L, n, "step", 0.0) < 0 || a_float(c, L, n, "offset", 0.5) < 0) return -1;
  irb_output(c->g, n, typed_out(c, L, 0, DT_F32));
  return 0;
}

static int e_ctc_greedy_decoder(Ctx *c, const XLayer *L, IrOp op) {
  int rc = e_plain(c, L, op);
  if (rc == 0) a_bool(c, L, c->g->n_nodes - 1, "ctc_merge_repeated", true);
  return rc;
}

/* GatherND-5 flattens batch dims into one (ONNX keeps them): only batch_dims 0 maps for it;
 * GatherND-8 is ONNX's. */
static int e_gather_nd(Ctx *c, const XLayer *L, IrOp op) {
  int64_t b;
  if (dint(c, L, "batch_dims", 0, &b) < 0) return -1;
  if (b != 0 && strcmp(L->version, "opset8")) return UNMAPPED;
  int rc = e_plain(c, L, op);
  if (rc == 0) irb_int(c->g, c->g->n_nodes - 1, "batch_dims", b);
  return rc;
}

/* ROIPooling-1: pooled_h, pooled_w (ROIPooling-2: output_size), spatial_scale, method. */
static int e_roi_pooling(Ctx *c, const XLayer *L, IrOp op) {
  int64_t sz[2] = {0, 0};
  int cnt = dints(c, L, "output_size", sz, 2);
  if (cnt < 0 || dint(c, L, "pooled_h", sz[0], &sz[0]) < 0 ||
      dint(c, L, "pooled_w", sz[1], &sz[1]) < 0)
    return -1;
  int rc = e_plain(c, L, op);
  if (rc) return rc;
  int n = c->g->n_nodes - 1;
  irb_ints(c->g, n, "output_size", sz, 2);
  irb_str(c->g, n, "method", dstr(c, L, "method", "max"));
  return a_float(c, L, n, "spatial_scale", 1.0);
}

static int e_psroi_pooling(Ctx *c, const XLayer *L, IrOp op) {
  int rc = e_plain(c, L, op);
  if (rc) return rc;
  int n = c->g->n_nodes - 1;
  irb_str(c->g, n, "mode", dstr(c, L, "mode", "average"));
  if (a_int(c, L, n, "output_dim", 0) < 0 || a_int(c, L, n, "group_size", 1) < 0 ||
      a_int(c, L, n, "spatial_bins_x", 1) < 0 || a_int(c, L, n, "spatial_bins_y", 1) < 0)
    return -1;
  return a_float(c, L, n, "spatial_scale", 1.0);
}

/* LSTMCell-1/-4 (X, H, C, W, R, B): hidden_size, activations, clip; LSTMCell-1's peephole input
 * (a seventh) is not mapped. */
static int e_lstm_cell(Ctx *c, const XLayer *L, IrOp op) {
  if (L->n_in != 6) return UNMAPPED;
  int rc = e_plain(c, L, op);
  if (rc) return rc;
  int n = c->g->n_nodes - 1;
  irb_str(c->g, n, "activations", dstr(c, L, "activations", "sigmoid,tanh,tanh"));
  if (a_int(c, L, n, "hidden_size", 0) < 0) return -1;
  return a_float(c, L, n, "clip", 0.0);
}

/* ROIAlign-3 and -9 (data, rois, batch_indices): pooled_h, pooled_w, sampling_ratio,
 * spatial_scale, mode; -9's aligned_mode asymmetric (ONNX output_half_pixel) or half_pixel
 * (half_pixel_for_nn is not mapped). */
static int e_roi_align(Ctx *c, const XLayer *L, IrOp op) {
  if (L->n_in != 3) return UNMAPPED;
  const char *am = dstr(c, L, "aligned_mode", "asymmetric");
  if (strcmp(am, "asymmetric") && strcmp(am, "half_pixel")) return UNMAPPED;
  int64_t ph, pw, sr;
  if (dint(c, L, "pooled_h", 1, &ph) < 0 || dint(c, L, "pooled_w", 1, &pw) < 0 ||
      dint(c, L, "sampling_ratio", 0, &sr) < 0)
    return -1;
  int rc = e_plain(c, L, op);
  if (rc) return rc;
  int n = c->g->n_nodes - 1;
  irb_int(c->g, n, "output_height", ph);
  irb_int(c->g, n, "output_width", pw);
  irb_int(c->g, n, "sampling_ratio", sr);
  irb_str(c->g, n, "mode", dstr(c, L, "mode", "avg"));
  irb_str(c->g, n, "coordinate_transformation_mode",
          strcmp(am, "half_pixel") ? "output_half_pixel" : "half_pixel");
  return a_float(c, L, n, "spatial_scale", 1.0);
}

/* LSTMSequence-5 (X [B, S, I], H0, C0 [B, D, hs], lengths [B], W [D, 4 hs, I], R [D, 4 hs, hs],
 * B [D, 4 hs]; gates f, i, c, o) -> ONNX LSTM with layout 1 (the same X and states): W, R and B
 * re-ordered to i, o, f, c, B extended with zero recurrence biases, and a Transpose from ONNX's
 * Y [B, S, D, hs] to the layer's [B, D, S, hs]. Run-time weights are not mapped. */
static int e_lstm_sequence(Ctx *c, const XLayer *L, IrOp op) {
  const IrTensor *w = TT(c, IN(L, 4)), *r = TT(c, IN(L, 5)), *b = TT(c, IN(L, 6));
  if (L->n_in != 7 || !w || !r || !b || !w->data || !r->data || !b->data || w->rank != 3 ||
      r->rank != 3 || b->rank != 2)
    return UNMAPPED;
  int64_t hs, D = w->dims[0], I = w->dims[2];
  double clip;
  if (dint(c, L, "hidden_size", 0, &hs) < 0 || dfloat(c, L, "clip", 0.0, &clip) < 0) return -1;
  if (hs < 1 || hs > 65536 || D < 1 || D > 2 || ir_numel(w) != D * 4 * hs * I ||
      ir_numel(r) != D * 4 * hs * hs || ir_numel(b) != D * 4 * hs)
    return UNMAPPED;
  static const int FICO_OF[4] = {1, 3, 0, 2}; /* ONNX gate i, o, f, c at this fico block */
  float *wv = arena_array(c->a, (size_t)(D * 4 * hs * I), sizeof *wv),
        *rv = arena_array(c->a, (size_t)(D * 4 * hs * hs), sizeof *rv),
        *bv = arena_array(c->a, (size_t)(D * 8 * hs), sizeof *bv);
  for (int64_t d = 0; d < D; d++)
    for (int g = 0; g < 4; g++)
      for (int64_t q = 0; q < hs; q++) {
        int64_t dst = (d * 4 + g) * hs + q, src = (d * 4 + FICO_OF[g]) * hs + q;
        for (int64_t i = 0; i < I; i++) wv[dst * I + i] = (float)ir_const_f64(w, src * I + i);
        for (int64_t i = 0; i < hs; i++) rv[dst * hs + i] = (float)ir_const_f64(r, src * hs + i);
        bv[d * 8 * hs + g * hs + q] = (float)ir_const_f64(b, src);
      }
  int64_t wd[3] = {D, 4 * hs, I}, rd[3] = {D, 4 * hs, hs}, bd[2] = {D, 8 * hs};
  const char *base = L->name;
  int wc = irb_const(c->g, &c->names, arena_printf(c->a, "%s/W", base), DT_F32, 3, wd, wv);
  int rc = irb_const(c->g, &c->names, arena_printf(c->a, "%s/R", base), DT_F32, 3, rd, rv);
  int bc = irb_const(c->g, &c->names, arena_printf(c->a, "%s/B", base), DT_F32, 2, bd, bv);
  int n = node(c, op, L->name);
  int ins[7] = {IN(L, 0), wc, rc, bc, IN(L, 3), IN(L, 1), IN(L, 2)};
  for (int k = 0; k < 7; k++) in(c, n, ins[k]);
  int y = OUT(L, 0) >= 0 ? tmp(c, L, "y_bsdh") : -1;
  irb_output(c->g, n, y >= 0 ? y : irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/y", base)));
  for (int k = 1; k < 3; k++)
    irb_output(c->g, n,
               OUT(L, k) >= 0 ? OUT(L, k)
                              : irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/s%d", base, k)));
  irb_int(c->g, n, "hidden_size", hs);
  irb_int(c->g, n, "layout", 1);
  irb_str(c->g, n, "direction", dstr(c, L, "direction", "forward"));
  irb_str(c->g, n, "activations", dstr(c, L, "activations", "sigmoid,tanh,tanh"));
  if (clip != 0) irb_float(c->g, n, "clip", clip);
  if (y < 0) return 0;
  int t = node(c, IR_OP_TRANSPOSE, arena_printf(c->a, "%s/y", base));
  in(c, t, y);
  irb_ints(c->g, t, "perm", (const int64_t[]){0, 2, 1, 3}, 4);
  irb_output(c->g, t, OUT(L, 0));
  return 0;
}

/* Proposal-1 (rois) and -4 (rois, scores). */
static int e_proposal(Ctx *c, const XLayer *L, IrOp op) {
  if (L->n_in != 3) return UNMAPPED;
  int rc = e_plain(c, L, op);
  if (rc) return rc;
  int n = c->g->n_nodes - 1;
  static const char *const ik[] = {"base_size", "pre_nms_topn", "post_nms_topn", "feat_stride"};
  for (int i = 0; i < 4; i++)
    if (a_int(c, L, n, ik[i], 0) < 0) return -1;
  if (a_float(c, L, n, "nms_thresh", 0.0) < 0 || a_float(c, L, n, "min_size", 0.0) < 0 ||
      a_float(c, L, n, "box_size_scale", 1.0) < 0 ||
      a_float(c, L, n, "box_coordinate_scale", 1.0) < 0 || a_floats_from(c, L, n, "ratio") < 0 ||
      a_floats_from(c, L, n, "scale") < 0)
    return -1;
  a_bool(c, L, n, "clip_before_nms", true);
  a_bool(c, L, n, "clip_after_nms", false);
  a_bool(c, L, n, "normalize", false);
  irb_str(c->g, n, "framework",
          strcasecmp(dstr(c, L, "framework", ""), "tensorflow") == 0 ? "tensorflow" : "");
  return 0;
}

/* ---- indexed data movement and Mod (issue 18), as their ONNX ops ---- */

/* GatherElements-6: axis. */
static int e_gather_elements(Ctx *c, const XLayer *L, IrOp op) {
  int64_t a;
  if (dint(c, L, "axis", 0, &a) < 0) return -1;
  int rc = e_plain(c, L, op);
  if (rc == 0) irb_int(c->g, c->g->n_nodes - 1, "axis", a);
  return rc;
}

/* FloorMod-1 and Mod-1 (truncated: the dividend's sign): ONNX Mod with fmod 0 / 1. */
static int e_mod(Ctx *c, const XLayer *L, IrOp op) {
  int rc = e_binary(c, L, op);
  if (rc == 0) irb_int(c->g, c->g->n_nodes - 1, "fmod", strcmp(L->type, "Mod") == 0);
  return rc;
}

/* ReverseSequence-1: batch_axis (0), seq_axis (1) -> ONNX's batch_axis, time_axis (0 and 1). */
static int e_reverse_sequence(Ctx *c, const XLayer *L, IrOp op) {
  int64_t b, t;
  if (dint(c, L, "batch_axis", 0, &b) < 0 || dint(c, L, "seq_axis", 1, &t) < 0) return -1;
  if (b < 0 || b > 1 || t < 0 || t > 1 || b == t || L->n_in != 2) return UNMAPPED;
  int rc = e_plain(c, L, op);
  if (rc) return rc;
  irb_int(c->g, c->g->n_nodes - 1, "batch_axis", b);
  irb_int(c->g, c->g->n_nodes - 1, "time_axis", t);
  return 0;
}

/* ScatterElementsUpdate-3: data, indices, updates and a constant axis (an attribute in ONNX). */
static int e_scatter_elements(Ctx *c, const XLayer *L, IrOp op) {
  int64_t axis;
  if (L->n_in != 4 || cints(c, L, 3, &axis, 1) != 1) return UNMAPPED;
  int n = node(c, op, L->name);
  for (int k = 0; k < 3; k++) in(c, n, IN(L, k));
  irb_int(c->g, n, "axis", axis);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* OneHot-1: indices, constant depth, on_value, off_value -> ONNX's values [off, on]. */
static int e_one_hot(Ctx *c, const XLayer *L, IrOp op) {
  int64_t a;
  if (dint(c, L, "axis", -1, &a) < 0) return -1;
  const IrTensor *on = L->n_in == 4 ? TT(c, IN(L, 2)) : NULL, *off = on ? TT(c, IN(L, 3)) : NULL;
  if (!on || !off || !on->data || !off->data || ir_numel(on) != 1 || ir_numel(off) != 1)
    return UNMAPPED;
  double d[2] = {ir_const_f64(off, 0), ir_const_f64(on, 0)};
  float v[2];
  for (int i = 0; i < 2; i++) /* saturate: a model's f64 values may be out of range */
    v[i] = d[i] > FLT_MAX ? INFINITY : d[i] < -FLT_MAX ? -INFINITY : (float)d[i];
  int64_t two = 2;
  int vt = irb_const(c->g, &c->names, arena_printf(c->a, "%s/values", L->name), DT_F32, 1, &two, v);
  int n = node(c, op, L->name);
  in(c, n, IN(L, 0));
  in(c, n, IN(L, 1));
  in(c, n, vt);
  irb_int(c->g, n, "axis", a);
  irb_output(c->g, n, OUT(L, 0));
  return 0;
}

/* Layer type -> emitter and ONNX op. Types not listed become IR_OP_UNKNOWN nodes. */
static const struct {
  const char *type;
  EmitFn fn;
  IrOp op;
} EMIT[] = {
    {"Convolution", e_conv, IR_OP_CONV},
    {"GroupConvolution", e_conv, IR_OP_CONV},
    {"ConvolutionBackpropData", e_conv, IR_OP_CONV_TRANSPOSE},
    {"GroupConvolutionBackpropData", e_conv, IR_OP_CONV_TRANSPOSE},
    {"MaxPool", e_pool, IR_OP_MAX_POOL},
    {"AvgPool", e_pool, IR_OP_AVERAGE_POOL},
    {"ReduceMean", e_reduce, IR_OP_REDUCE_MEAN},
    {"ReduceMax", e_reduce, IR_OP_REDUCE_MAX},
    {"ReduceSum", e_reduce, IR_OP_REDUCE_SUM},
    {"BatchNormInference", e_batch_norm, IR_OP_BATCH_NORM},
    {"Relu", e_plain, IR_OP_RELU},
    {"ReLU", e_plain, IR_OP_RELU},
    {"PReLU", e_prelu, IR_OP_PRELU},
    {"Clamp", e_clamp, IR_OP_CLIP},
    {"Sigmoid", e_plain, IR_OP_SIGMOID},
    {"Tanh", e_plain, IR_OP_TANH},
    {"HSwish", e_plain, IR_OP_HARD_SWISH},
    {"HardSigmoid", e_hard_sigmoid, IR_OP_HARD_SIGMOID},
    {"Elu", e_elu, IR_OP_ELU},
    {"Exp", e_plain, IR_OP_EXP},
    {"Log", e_plain, IR_OP_LOG},
    {"Sqrt", e_plain, IR_OP_SQRT},
    {"Abs", e_plain, IR_OP_ABS},
    {"Floor", e_plain, IR_OP_FLOOR},
    {"Ceiling", e_plain, IR_OP_CEIL},
    {"Negative", e_plain, IR_OP_NEG},
    {"SoftMax", e_axis, IR_OP_SOFTMAX},
    {"Softmax", e_axis, IR_OP_SOFTMAX},
    {"LogSoftmax", e_axis, IR_OP_LOG_SOFTMAX},
    {"Add", e_binary, IR_OP_ADD},
    {"Subtract", e_binary, IR_OP_SUB},
    {"Multiply", e_binary, IR_OP_MUL},
    {"Divide", e_binary, IR_OP_DIV},
    {"Power", e_binary, IR_OP_POW},
    {"Maximum", e_binary, IR_OP_MAX},
    {"Minimum", e_binary, IR_OP_MIN},
    {"Equal", e_binary, IR_OP_EQUAL},
    {"Less", e_binary, IR_OP_LESS},
    {"Greater", e_binary, IR_OP_GREATER},
    {"Select", e_binary, IR_OP_WHERE},
    {"MatMul", e_matmul, IR_OP_MATMUL},
    {"Concat", e_axis, IR_OP_CONCAT},
    {"Reshape", e_reshape, IR_OP_RESHAPE},
    {"Transpose", e_transpose, IR_OP_TRANSPOSE},
    {"Squeeze", e_squeeze, IR_OP_SQUEEZE},
    {"Unsqueeze", e_squeeze, IR_OP_UNSQUEEZE},
    {"Pad", e_pad, IR_OP_PAD},
    {"Interpolate", e_interpolate, IR_OP_RESIZE},
    {"StridedSlice", e_strided_slice, IR_OP_SLICE},
    {"Split", e_split, IR_OP_SPLIT},
    {"VariadicSplit", e_split, IR_OP_SPLIT},
    {"Convert", e_convert, IR_OP_CAST},
    {"Gather", e_gather, IR_OP_GATHER},
    {"Broadcast", e_broadcast, IR_OP_EXPAND},
    {"Tile", e_tile, IR_OP_TILE},
    {"TopK", e_topk, IR_OP_TOPK},
    {"LRN", e_lrn, IR_OP_LRN},
    {"DepthToSpace", e_space_depth, IR_OP_DEPTH_TO_SPACE},
    {"SpaceToDepth", e_space_depth, IR_OP_SPACE_TO_DEPTH},
    {"MVN", e_mvn, IR_OP_INSTANCE_NORM},
    {"ShapeOf", e_shape_of, IR_OP_SHAPE},
    {"Range", e_range, IR_OP_RANGE},
    {"NonMaxSuppression", e_nms, IR_OP_NON_MAX_SUPPRESSION},
    {"PriorBoxClustered", e_prior_box_clustered, IR_OP_PRIOR_BOX_CLUSTERED},
    {"DetectionOutput", e_detection_output, IR_OP_DETECTION_OUTPUT},
    {"Mish", e_plain, IR_OP_MISH},
    {"SoftPlus", e_plain, IR_OP_SOFTPLUS},
    {"Swish", e_plain, IR_OP_SWISH},
    {"HSigmoid", e_hsigmoid, IR_OP_CLIP},
    {"Gelu", e_gelu, IR_OP_GELU},
    {"SquaredDifference", e_binary, IR_OP_SQUARED_DIFF},
    {"GRN", e_grn, IR_OP_GRN},
    {"NormalizeL2", e_normalize_l2, IR_OP_NORMALIZE_L2},
    {"RegionYolo", e_region_yolo, IR_OP_REGION_YOLO},
    {"ReorgYolo", e_reorg_yolo, IR_OP_REORG_YOLO},
    {"PriorBox", e_prior_box, IR_OP_PRIOR_BOX},
    {"CTCGreedyDecoder", e_ctc_greedy_decoder, IR_OP_CTC_GREEDY_DECODER},
    {"ScatterUpdate", e_plain, IR_OP_SCATTER_UPDATE},
    {"GatherND", e_gather_nd, IR_OP_GATHER_ND},
    {"ROIPooling", e_roi_pooling, IR_OP_ROI_POOLING},
    {"PSROIPooling", e_psroi_pooling, IR_OP_PSROI_POOLING},
    {"LSTMCell", e_lstm_cell, IR_OP_LSTM_CELL},
    {"Proposal", e_proposal, IR_OP_PROPOSAL},
    {"GatherElements", e_gather_elements, IR_OP_GATHER_ELEMENTS},
    {"FloorMod", e_mod, IR_OP_MOD},
    {"Mod", e_mod, IR_OP_MOD},
    {"ReverseSequence", e_reverse_sequence, IR_OP_REVERSE_SEQUENCE},
    {"ScatterElementsUpdate", e_scatter_elements, IR_OP_SCATTER_ELEMENTS},
    {"OneHot", e_one_hot, IR_OP_ONE_HOT},
    {"ScatterNDUpdate", e_plain, IR_OP_SCATTER_ND},
    {"ROIAlign", e_roi_align, IR_OP_ROI_ALIGN},
    {"LSTMSequence", e_lstm_sequence, IR_OP_LSTM},
};

/* Layers written as several ops, or as an op of another kind (for `blobc ops`). */
static const struct {
  const char *type, *ops;
} EXPANSIONS[] = {
    {"GroupConvolution", "Conv with group"},
    {"GroupConvolutionBackpropData", "ConvTranspose with group"},
    {"ReduceMean", "ReduceMean, or GlobalAveragePool over H, W"},
    {"ReduceMax", "ReduceMax, or GlobalMaxPool over H, W"},
    {"PReLU", "PRelu, or LeakyRelu for one slope"},
    {"Clamp", "Clip"},
    {"HSigmoid", "Add, Clip, Mul"},
    {"MatMul", "MatMul, Gemm, or Transpose + MatMul"},
    {"Interpolate", "Resize (-1: target sizes on axes; -4/-11: sizes or scales)"},
    {"StridedSlice", "Slice (+ Squeeze for shrunk axes)"},
    {"MVN", "InstanceNormalization, or ReduceMean, Sub, Mul, Add, Sqrt, Div"},
    {"Select", "Where"},
    {"Broadcast", "Expand"},
    {"Convert", "Cast"},
    {"ShapeOf", "Shape"},
    {"VariadicSplit", "Split"},
    {"LSTMSequence", "LSTM (layout 1) + Transpose of Y"},
};

bool fe_ir_layer(int i, const char **type, IrOp *op, const char **expansion) {
  if (i < 0 || (size_t)i >= sizeof EMIT / sizeof EMIT[0]) return false;
  *type = EMIT[i].type;
  *op = EMIT[i].op;
  *expansion = NULL;
  for (size_t k = 0; k < sizeof EXPANSIONS / sizeof EXPANSIONS[0]; k++)
    if (!strcmp(EXPANSIONS[k].type, EMIT[i].type)) *expansion = EXPANSIONS[k].ops;
  return true;
}

/* The layer as an IR_OP_UNKNOWN node: type kept, <data> attributes as strings. Inputs beyond
 * IR_NODE_MAX_INPUTS (a limit of blobc) are dropped and counted: the node's verdict names the limit. */
static void emit_unknown(Ctx *c, const XLayer *L) {
  int n = ir_add_node(c->g, IR_OP_UNKNOWN, L->type, L->name);
  for (xmlAttrPtr p = L->data ? L->data->properties : NULL; p; p = p->next) {
    xmlChar *v = xmlNodeListGetString(L->data->doc, p->children, 1);
    irb_str(c->g, n, (const char *)p->name, v ? (const char *)v : "");
    xmlFree(v);
  }
  if (L->n_in > IR_NODE_MAX_INPUTS) c->g->nodes[n].dropped_inputs = L->n_in - IR_NODE_MAX_INPUTS;
  for (int k = 0; k < L->n_in && k < IR_NODE_MAX_INPUTS; k++) in(c, n, IN(L, k));
  for (int k = 0; k < L->n_out; k++) irb_output(c->g, n, OUT(L, k));
}

static int convert_layer(Ctx *c, const XLayer *L) {
  if (strcmp(L->type, "Const") == 0 || strcmp(L->type, "Parameter") == 0) return 0;
  for (int k = 0; k < L->n_in; k++)
    if (!L->in[k].linked)
      return fail(c, ERR_PARSE, L->name, "input port %lld is not connected",
                  (long long)L->in[k].id);
  if (strcmp(L->type, "Result") == 0) {
    if (L->n_in != 1) return fail(c, ERR_PARSE, L->name, "Result has %d inputs", L->n_in);
    /* a port with aliases (an Identity wired through) is known by its last name outside */
    const char *alias = port_name(c, L->in[0].names, true);
    if (alias && !(namemap_get(&c->names, alias) >= 0)) {
      c->g->tensors[IN(L, 0)].name = arena_strdup(c->a, alias);
      namemap_put(&c->names, c->g->tensors[IN(L, 0)].name, 1);
    }
    if (!c->g->tensors[IN(L, 0)].is_output) ir_add_output(c->g, IN(L, 0));
    return 0;
  }
  int n_nodes = c->g->n_nodes, n_tensors = c->g->n_tensors;
  for (size_t i = 0; i < sizeof EMIT / sizeof EMIT[0] && L->n_in <= IR_NODE_MAX_INPUTS; i++) {
    if (strcmp(EMIT[i].type, L->type)) continue;
    if (L->n_out < 1) break;
    int rc = EMIT[i].fn(c, L, EMIT[i].op);
    if (rc != UNMAPPED) return rc;
    c->g->n_nodes = n_nodes; /* roll back the partial expansion */
    c->g->n_tensors = n_tensors;
    break;
  }
  emit_unknown(c, L);
  return 0;
}

/* ---- bias folding, ordering ---- */

/* Readers of each tensor (graph outputs count one). */
static int *count_uses(Ctx *c) {
  IrGraph *g = c->g;
  int *u = arena_array(c->a, (size_t)g->n_tensors + 1, sizeof(int));
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] >= 0) u[g->nodes[i].inputs[k]]++;
  for (int i = 0; i < g->n_outputs; i++) u[g->outputs[i]]++;
  return u;
}

/* Producer node of each tensor, -1 for none. */
static int *producers(Ctx *c) {
  IrGraph *g = c->g;
  int *p = arena_array(c->a, (size_t)g->n_tensors + 1, sizeof(int));
  for (int t = 0; t < g->n_tensors; t++) p[t] = -1;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_outputs; k++)
      if (g->nodes[i].outputs[k] >= 0) p[g->nodes[i].outputs[k]] = i;
  return p;
}

/* Bias length accepted for node p (Conv: out channels; Gemm: columns), 0 when not foldable. */
static int64_t bias_len(const IrGraph *g, const IrNode *p, const IrTensor *b) {
  const IrTensor *y = &g->tensors[p->outputs[0]];
  if (y->rank < 2 || y->dims[1] <= 0 || !b->data || ir_numel(b) != y->dims[1]) return 0;
  if (p->op == IR_OP_GEMM || p->op == IR_OP_MATMUL) {
    if (y->rank != 2 || b->rank > 2 || (b->rank == 2 && b->dims[0] != 1)) return 0;
    return y->dims[1];
  }
  if (b->rank != y->rank && b->rank != y->rank - 1) return 0;
  for (int i = 0; i < b->rank; i++) {
    int ax = i + (y->rank - b->rank);
    if (ax != 1 && b->dims[i] != 1) return 0;
  }
  return y->dims[1];
}

/* Folds Add(conv|gemm|2-D matmul output, constant bias) into the producer's bias input. */
static void fold_biases(Ctx *c) {
  IrGraph *g = c->g;
  int *uses = count_uses(c), *prod = producers(c), n_tensors = g->n_tensors;
  for (int i = 0; i < g->n_nodes; i++) {
    IrNode *add = &g->nodes[i];
    if (add->op != IR_OP_ADD || add->n_inputs != 2 || add->n_outputs != 1) continue;
    for (int side = 0; side < 2; side++) {
      int a = add->inputs[side], b = add->inputs[1 - side];
      if (a < 0 || b < 0 || a >= n_tensors || uses[a] != 1 || g->tensors[a].is_output) continue;
      int p = prod[a];
      if (p < 0) continue;
      IrNode *pn = &g->nodes[p];
      bool conv = (pn->op == IR_OP_CONV || pn->op == IR_OP_CONV_TRANSPOSE) && pn->n_inputs == 2;
      /* a plain MatMul only when named as the writer names Gemm's: "<gemm>/MatMul" */
      size_t an = strlen(add->name);
      bool gemm_name = pn->op == IR_OP_GEMM || (strncmp(pn->name, add->name, an) == 0 &&
                                                strcmp(pn->name + an, "/MatMul") == 0);
      bool mm = (pn->op == IR_OP_GEMM || pn->op == IR_OP_MATMUL) && gemm_name &&
                pn->n_inputs == 2 && g->tensors[pn->inputs[0]].rank == 2 &&
                g->tensors[pn->inputs[1]].rank == 2;
      if ((!conv && !mm) || pn->outputs[0] != a) continue;
      const IrTensor *bt = &g->tensors[b];
      int64_t len = bias_len(g, pn, bt);
      if (!len) continue;
      int nb = irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/bias", add->name));
      bt = &g->tensors[b];
      ir_set_const(g, nb, bt->dtype, 1, &len, bt->data);
      pn = &g->nodes[p];
      add = &g->nodes[i];
      if (pn->op == IR_OP_MATMUL) pn->op = IR_OP_GEMM, pn->op_type = "Gemm";
      ir_node_add_input(g, p, nb);
      pn->outputs[0] = add->outputs[0];
      pn->name = add->name;
      if (add->outputs[0] >= 0 && add->outputs[0] < n_tensors) prod[add->outputs[0]] = p;
      c->drop[i] = true;
      break;
    }
  }
}

/* Removes dropped nodes, then orders the rest. */
static int finish(Ctx *c) {
  IrGraph *g = c->g;
  int k = 0;
  for (int i = 0; i < g->n_nodes; i++)
    if (!c->drop[i]) g->nodes[k++] = g->nodes[i];
  g->n_nodes = k;
  return ir_toposort(g, c->err);
}

/* ---- driver ---- */

static int convert(Ctx *c, xmlDocPtr doc) {
  xmlNodePtr net = xmlDocGetRootElement(doc);
  if (!is_el(net, "net"))
    return fail(c, ERR_PARSE, NULL, "not an OpenVINO IR file (root element is not <net>)");
  const char *ver = prop(c, net, "version");
  int64_t v = 0;
  if (!ver || !parse_i64(ver, &v) || v < 10 || v > 11)
    return fail(c, ERR_PARSE, NULL, "IR version '%s' is not supported (expected 10 or 11)",
                ver ? ver : "");
  if (doc->intSubset || doc->extSubset)
    return fail(c, ERR_PARSE, NULL, "a DOCTYPE is not allowed in an IR file");
  xmlNodePtr layers = child(net, "layers");
  if (!layers) return fail(c, ERR_PARSE, NULL, "the IR has no <layers>");
  c->g->producer_name = arena_printf(c->a, "OpenVINO IR v%lld", (long long)v);
  c->g->opset = 13;
  if (parse_layers(c, layers) < 0) return -1;
  int *first_in = arena_array(c->a, (size_t)c->n_ls + 1, sizeof(int));
  for (int i = 0; i < c->n_ls; i++) first_in[i + 1] = first_in[i] + c->ls[i].n_in;
  int *sl = arena_array(c->a, (size_t)first_in[c->n_ls] + 1, sizeof(int));
  int *sp = arena_array(c->a, (size_t)first_in[c->n_ls] + 1, sizeof(int));
  if (parse_edges(c, child(net, "edges"), sl, sp, first_in) < 0) return -1;
  size_t cap = 64;
  while (cap < (size_t)c->n_ls * 4) cap *= 2;
  namemap_init(&c->names, cap);
  if (make_tensors(c) < 0) return -1;
  for (int i = 0; i < c->n_ls; i++)
    for (int k = 0; k < c->ls[i].n_in; k++)
      if (c->ls[i].in[k].linked) {
        const XPort *src = &c->ls[sl[first_in[i] + k]].out[sp[first_in[i] + k]];
        c->ls[i].in[k].tensor = src->tensor;
        c->ls[i].in[k].names = src->names;
      }
  for (int i = 0; i < c->n_ls; i++)
    if (convert_layer(c, &c->ls[i]) < 0) return -1;
  c->drop = arena_array(c->a, (size_t)c->g->n_nodes + 1, sizeof(bool));
  fold_biases(c);
  return finish(c);
}

int fe_ir_load_mem(IrGraph **out, Arena *a, const char *xml, size_t xml_len, const uint8_t *bin,
                   size_t bin_len, const char *path, Err *err) {
  Ctx c = {0};
  c.a = a;
  c.err = err;
  c.path = path ? path : "<memory>";
  c.bin = bin;
  c.bin_len = bin ? bin_len : 0;
  c.has_bin = bin != NULL;
  if (xml_len > FE_IR_MAX_XML || xml_len > (size_t)INT32_MAX)
    return fail(&c, ERR_PARSE, NULL, "xml is %zu bytes, over the limit of %zu", xml_len,
                FE_IR_MAX_XML);
  if (!xml) return fail(&c, ERR_PARSE, NULL, "no data");
  xmlParserCtxtPtr pc = xmlNewParserCtxt();
  if (!pc) return fail(&c, ERR_OOM, NULL, "cannot create the xml parser");
  xmlDocPtr doc = xmlCtxtReadMemory(pc, xml, (int)xml_len, c.path, NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  int rc;
  if (!doc) {
    const xmlError *e = xmlCtxtGetLastError(pc);
    char msg[256] = "unknown error";
    if (e && e->message) {
      snprintf(msg, sizeof msg, "%s", e->message);
      msg[strcspn(msg, "\n")] = 0;
    }
    rc = fail(&c, ERR_PARSE, NULL, "not an OpenVINO IR file (xml line %d: %s)", e ? e->line : 0,
              msg);
  } else {
    c.g = ir_new(a, c.path);
    rc = convert(&c, doc);
    xmlFreeDoc(doc);
  }
  xmlFreeParserCtxt(pc);
  namemap_free(&c.names);
  if (rc == 0) *out = c.g;
  return rc;
}

int fe_ir_load_pair(IrGraph **out, Arena *a, const char *xml_path, const char *bin_path, Err *err) {
  uint8_t *xml = NULL, *bin = NULL;
  size_t xml_len = 0, bin_len = 0;
  int rc = io_read_pair(&xml, &xml_len, xml_path, FE_IR_MAX_XML, &bin, &bin_len, bin_path,
                        FE_IR_MAX_BIN, err);
  if (rc == 0) rc = fe_ir_load_mem(out, a, (const char *)xml, xml_len, bin, bin_len, xml_path, err);
  free(xml);
  free(bin);
  return rc;
}

int fe_ir_load(IrGraph **out, Arena *a, const char *xml_path, Err *err) {
  size_t n = strlen(xml_path);
  const char *bin;
  if (n >= 4 && strcasecmp(xml_path + n - 4, ".xml") == 0)
    bin = arena_printf(a, "%.*s.bin", (int)(n - 4), xml_path);
  else
    bin = arena_printf(a, "%s.bin", xml_path);
  return fe_ir_load_pair(out, a, xml_path, bin, err);
}
