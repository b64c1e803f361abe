/*
 * compiler/frontend/caffe.c — Caffe .prototxt + .caffemodel to graph IR. See caffe.h.
 *
 * Two parts. A protobuf text-format reader that fills any protobuf-c message through its
 * descriptor (tokenizer + recursive descent, bounded depth, unknown fields skipped); and the
 * converter, one emitter per Caffe layer type, that walks the prototxt's layers in order.
 */
#include "caffe.h"
#include "compiler/graph/build.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Until the Makefile generates caffe.pb-c.h from caffe.proto, this file builds stubs that
 * refuse to load (so the rest of the tree keeps building). */
#if defined(__has_include)
#if __has_include("caffe.pb-c.h")
#define FE_CAFFE_HAVE_PB 1
#endif
#endif

#ifdef FE_CAFFE_HAVE_PB
#include "caffe.pb-c.h"

#define UNMAPPED 1

/* ---- text format ---------------------------------------------------------------------------- */

typedef enum { TK_EOF, TK_IDENT, TK_NUM, TK_STR, TK_PUNCT } TokKind;

typedef struct {
  TokKind kind;
  const char *p; /* start in the text */
  size_t len;
  int line;
} Tok;

typedef struct {
  const char *s, *end;
  int line;
  Tok tok; /* current token */
  Err *err;
  const char *path;
  char msg[256]; /* first error */
  bool failed;
} Lex;

static bool fail_txt(Lex *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail_txt(Lex *x, const char *fmt, ...) {
  if (x->failed) return false;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->msg, sizeof x->msg, fmt, ap);
  va_end(ap);
  x->failed = true;
  return false;
}

static bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

/* Advances to the next token. */
static bool lex_next(Lex *x) {
  const char *s = x->s;
  for (;;) {
    while (s < x->end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
      x->line += *s++ == '\n';
    if (s < x->end && *s == '#') {
      while (s < x->end && *s != '\n') s++;
      continue;
    }
    break;
  }
  Tok *t = &x->tok;
  t->p = s;
  t->line = x->line;
  if (s >= x->end) {
    t->kind = TK_EOF;
    t->len = 0;
    x->s = s;
    return true;
  }
  char c = *s;
  if (c == '"' || c == '\'') {
    const char *q = s + 1;
    while (q < x->end && *q != c && *q != '\n') q += (*q == '\\' && q + 1 < x->end) ? 2 : 1;
    if (q >= x->end || *q != c) return fail_txt(x, "line %d: unterminated string", x->line);
    t->kind = TK_STR;
    t->len = (size_t)(q + 1 - s);
    x->s = q + 1;
    return true;
  }
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' ||
      (c == '.' && s + 1 < x->end && s[1] >= '0' && s[1] <= '9')) {
    const char *q = s + 1;
    while (q < x->end &&
           (is_ident_char(*q) || ((*q == '-' || *q == '+') && (q[-1] == 'e' || q[-1] == 'E'))))
      q++;
    t->kind = TK_NUM;
    t->len = (size_t)(q - s);
    x->s = q;
    return true;
  }
  if (is_ident_char(c)) {
    const char *q = s;
    while (q < x->end && is_ident_char(*q)) q++;
    t->kind = TK_IDENT;
    t->len = (size_t)(q - s);
    x->s = q;
    return true;
  }
  if (strchr("{}<>:[],;", c) && c) {
    t->kind = TK_PUNCT;
    t->len = 1;
    x->s = s + 1;
    return true;
  }
  if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
    return fail_txt(x, "line %d: unexpected byte 0x%02x", x->line, (unsigned char)c);
  return fail_txt(x, "line %d: unexpected character '%c'", x->line, c);
}

static bool is_p(const Lex *x, char c) { return x->tok.kind == TK_PUNCT && x->tok.p[0] == c; }

/* The token text as a NUL-terminated malloc'd string (caller frees). */
static char *tok_dup(const Tok *t) {
  char *s = malloc(t->len + 1);
  if (!s) base__assert_fail(__FILE__, __LINE__, "out of memory");
  memcpy(s, t->p, t->len);
  s[t->len] = 0;
  return s;
}

/* Decodes a quoted string token (escapes \n \t \\ \" \' \ooo \xhh) and any adjacent ones
 * into a malloc'd string; advances past them. */
static char *read_string(Lex *x) {
  Buf b = BUF_INIT;
  while (x->tok.kind == TK_STR) {
    const char *p = x->tok.p + 1, *e = x->tok.p + x->tok.len - 1;
    while (p < e) {
      char c = *p++;
      if (c != '\\' || p >= e) {
        buf_put(&b, &c, 1);
        continue;
      }
      char k = *p++;
      if (k == 'n')
        c = '\n';
      else if (k == 't')
        c = '\t';
      else if (k == 'r')
        c = '\r';
      else if (k == 'x' || (k >= '0' && k <= '7')) {
        int v = 0, n = 0, base = k == 'x' ? 16 : 8;
        if (k != 'x') p--;
        while (p < e && n < (base == 16 ? 2 : 3)) {
          int d = (*p >= '0' && *p <= '9')   ? *p - '0'
                  : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
                  : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
                                             : 99;
          if (d >= base) break;
          v = v * base + d, p++, n++;
        }
        c = (char)v;
      } else
        c = k;
      buf_put(&b, &c, 1);
    }
    if (!lex_next(x)) break;
  }
  buf_put(&b, "", 1);
  char *s = malloc(b.len);
  if (!s) base__assert_fail(__FILE__, __LINE__, "out of memory");
  memcpy(s, b.data, b.len);
  buf_free(&b);
  return s;
}

/* Bytes of one element of a repeated field of this type. */
static size_t elem_size(ProtobufCType t) {
  switch (t) {
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
  case PROTOBUF_C_TYPE_DOUBLE: return 8;
  case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
  case PROTOBUF_C_TYPE_STRING:
  case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
  case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
  default: return 4;
  }
}

/* Where the next value of field f goes: a new slot of a repeated field, else the field. */
static void *slot(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f) {
  char *base = (char *)m;
  if (f->label == PROTOBUF_C_LABEL_REPEATED) {
    size_t *n = (size_t *)(base + f->quantifier_offset);
    void **arr = (void **)(base + f->offset);
    size_t es = elem_size(f->type);
    void *na = realloc(*arr, (*n + 1) * es);
    if (!na) base__assert_fail(__FILE__, __LINE__, "out of memory");
    *arr = na;
    memset((char *)na + *n * es, 0, es);
    return (char *)na + (*n)++ * es;
  }
  if (f->quantifier_offset && f->type != PROTOBUF_C_TYPE_STRING &&
      f->type != PROTOBUF_C_TYPE_MESSAGE)
    *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
  return base + f->offset;
}

/* Reads one scalar token into the field's slot. */
static bool set_scalar(Lex *x, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f) {
  Tok t = x->tok;
  if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_BYTES) {
    if (t.kind != TK_STR)
      return fail_txt(x, "line %d: field '%s' expects a string", t.line, f->name);
    char *s = read_string(x);
    void *p = slot(m, f);
    if (f->type == PROTOBUF_C_TYPE_STRING) {
      char **sp = p;
      if (*sp && *sp != (const char *)f->default_value) free(*sp);
      *sp = s;
    } else {
      ProtobufCBinaryData *bd = p;
      if (bd->data && f->label != PROTOBUF_C_LABEL_REPEATED) free(bd->data);
      bd->data = (uint8_t *)s;
      bd->len = strlen(s);
    }
    return !x->failed;
  }
  if (t.kind != TK_NUM && t.kind != TK_IDENT)
    return fail_txt(x, "line %d: field '%s' expects a value", t.line, f->name);
  char *s = tok_dup(&t);
  bool ok = true;
  char *end = s;
  errno = 0;
  switch (f->type) {
  case PROTOBUF_C_TYPE_FLOAT:
  case PROTOBUF_C_TYPE_DOUBLE: {
    double v = strtod(s, &end);
    const char *suf = end;
    if (*suf == 'f' || *suf == 'F') suf++;
    ok = end != s && !*suf;
    if (!ok && (strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0))
      v = INFINITY, ok = true;
    if (!ok && (strcasecmp(s, "-inf") == 0 || strcasecmp(s, "-infinity") == 0))
      v = -INFINITY, ok = true;
    if (!ok && strcasecmp(s, "nan") == 0) v = NAN, ok = true;
    if (!ok) break;
    void *p = slot(m, f);
    if (f->type == PROTOBUF_C_TYPE_FLOAT)
      *(float *)p = (float)v;
    else
      *(double *)p = v;
    break;
  }
  case PROTOBUF_C_TYPE_BOOL: {
    int v = !strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "t") || !strcmp(s, "1");
    ok = v || !strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "f") || !strcmp(s, "0");
    if (ok) *(protobuf_c_boolean *)slot(m, f) = v;
    break;
  }
  case PROTOBUF_C_TYPE_ENUM: {
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, s);
    long long v = ev ? ev->value : strtoll(s, &end, 0);
    ok = ev || (end != s && !*end && errno == 0);
    if (ok) *(int32_t *)slot(m, f) = (int32_t)v;
    break;
  }
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: {
    unsigned long long v = strtoull(s, &end, 0);
    ok = end != s && !*end && errno == 0 && s[0] != '-';
    if (ok && elem_size(f->type) == 4 && v > UINT32_MAX) ok = false;
    if (!ok) break;
    void *p = slot(m, f);
    if (elem_size(f->type) == 4)
      *(uint32_t *)p = (uint32_t)v;
    else
      *(uint64_t *)p = v;
    break;
  }
  default: { /* signed ints */
    long long v = strtoll(s, &end, 0);
    ok = end != s && !*end && errno == 0;
    if (ok && elem_size(f->type) == 4 && (v > INT32_MAX || v < INT32_MIN)) ok = false;
    if (!ok) break;
    void *p = slot(m, f);
    if (elem_size(f->type) == 4)
      *(int32_t *)p = (int32_t)v;
    else
      *(int64_t *)p = v;
    break;
  }
  }
  if (!ok) fail_txt(x, "line %d: '%s' is not a valid value for field '%s'", t.line, s, f->name);
  free(s);
  return ok && lex_next(x);
}

static bool parse_fields(Lex *x, ProtobufCMessage *m, const ProtobufCMessageDescriptor *d,
                         char close, int depth);

/* Skips one value of an unknown field: a scalar, a string run, a message or a list. */
static bool skip_value(Lex *x, int depth) {
  if (depth > FE_CAFFE_MAX_DEPTH)
    return fail_txt(x, "line %d: messages are nested deeper than %d levels", x->tok.line,
                    FE_CAFFE_MAX_DEPTH);
  if (is_p(x, '{') || is_p(x, '<')) {
    char close = is_p(x, '{') ? '}' : '>';
    if (!lex_next(x)) return false;
    while (!is_p(x, close)) {
      if (x->tok.kind == TK_EOF) return fail_txt(x, "line %d: expected '%c'", x->tok.line, close);
      if (x->tok.kind != TK_IDENT)
        return fail_txt(x, "line %d: expected a field name", x->tok.line);
      if (!lex_next(x)) return false;
      if (is_p(x, ':') && !lex_next(x)) return false;
      if (!skip_value(x, depth + 1)) return false;
      if ((is_p(x, ',') || is_p(x, ';')) && !lex_next(x)) return false;
    }
    return lex_next(x);
  }
  if (is_p(x, '[')) {
    if (!lex_next(x)) return false;
    while (!is_p(x, ']')) {
      if (x->tok.kind == TK_EOF) return fail_txt(x, "line %d: expected ']'", x->tok.line);
      if (!skip_value(x, depth + 1)) return false;
      if (is_p(x, ',') && !lex_next(x)) return false;
    }
    return lex_next(x);
  }
  if (x->tok.kind == TK_STR) {
    free(read_string(x));
    return !x->failed;
  }
  if (x->tok.kind == TK_NUM || x->tok.kind == TK_IDENT) return lex_next(x);
  return fail_txt(x, "line %d: expected a value", x->tok.line);
}

/* One value (scalar or message) of known field f. */
static bool parse_value(Lex *x, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, int depth) {
  if (f->type != PROTOBUF_C_TYPE_MESSAGE) return set_scalar(x, m, f);
  if (!is_p(x, '{') && !is_p(x, '<'))
    return fail_txt(x, "line %d: field '%s' expects a message", x->tok.line, f->name);
  if (depth >= FE_CAFFE_MAX_DEPTH)
    return fail_txt(x, "line %d: messages are nested deeper than %d levels", x->tok.line,
                    FE_CAFFE_MAX_DEPTH);
  char close = is_p(x, '{') ? '}' : '>';
  ProtobufCMessage **mp = slot(m, f);
  if (!*mp) {
    const ProtobufCMessageDescriptor *sd = f->descriptor;
    *mp = calloc(1, sd->sizeof_message);
    if (!*mp) base__assert_fail(__FILE__, __LINE__, "out of memory");
    sd->message_init(*mp);
  }
  if (!lex_next(x)) return false;
  return parse_fields(x, *mp, f->descriptor, close, depth + 1) && lex_next(x);
}

/* Fields of message m up to `close` (0 = end of text); leaves the closing token current. */
static bool parse_fields(Lex *x, ProtobufCMessage *m, const ProtobufCMessageDescriptor *d,
                         char close, int depth) {
  for (;;) {
    if (close ? is_p(x, close) : x->tok.kind == TK_EOF) return true;
    if (x->tok.kind == TK_EOF) return fail_txt(x, "line %d: expected '%c'", x->tok.line, close);
    if (x->tok.kind != TK_IDENT) return fail_txt(x, "line %d: expected a field name", x->tok.line);
    char *name = tok_dup(&x->tok);
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    free(name);
    if (!lex_next(x)) return false;
    bool colon = is_p(x, ':');
    if (colon && !lex_next(x)) return false;
    if (!f) {
      if (!skip_value(x, depth)) return false;
    } else if (is_p(x, '[')) {
      if (f->label != PROTOBUF_C_LABEL_REPEATED)
        return fail_txt(x, "line %d: field '%s' is not repeated", x->tok.line, f->name);
      if (!lex_next(x)) return false;
      while (!is_p(x, ']')) {
        if (x->tok.kind == TK_EOF) return fail_txt(x, "line %d: expected ']'", x->tok.line);
        if (!parse_value(x, m, f, depth)) return false;
        if (is_p(x, ',') && !lex_next(x)) return false;
      }
      if (!lex_next(x)) return false;
    } else if (!parse_value(x, m, f, depth)) {
      return false;
    }
    if ((is_p(x, ',') || is_p(x, ';')) && !lex_next(x)) return false;
  }
}

/* ---- converter ------------------------------------------------------------------------------ */

typedef struct {
  IrGraph *g;
  Arena *a;
  Err *err;
  const char *path;
  Caffe__NetParameter *net;   /* prototxt */
  Caffe__NetParameter *model; /* caffemodel, NULL when none */
  NameMap blobs;              /* Caffe blob name -> tensor */
  NameMap names;              /* tensor names in use -> 1 */
  NameMap weights;            /* layer name -> index in model->layer */
  bool inferred;              /* ir_infer ran since the last node was added */
} Ctx;

/* The one-line error of this model file (base.h err_at); returns -1. */
#define fail(c, code, node, ...) err_at((c)->err, (c)->path, (node), (code), __VA_ARGS__)

static const char *S(const char *s) { return s ? s : ""; }

/* Tensor for top blob `name`: the blob name moves to the new tensor; an older tensor with that
 * name (in-place layers) is renamed "<name>/<k>". */
static int top_tensor(Ctx *c, const char *name) {
  int old = namemap_get(&c->blobs, name);
  if (old >= 0 && strcmp(c->g->tensors[old].name, name) == 0) {
    const char *nn = name;
    for (int k = 1; namemap_get(&c->names, nn) >= 0; k++) nn = arena_printf(c->a, "%s/%d", name, k);
    c->g->tensors[old].name = nn;
    namemap_put(&c->names, nn, 1);
    int t = ir_add_tensor(c->g, name);
    namemap_put(&c->blobs, c->g->tensors[t].name, t);
    return t;
  }
  int t = irb_tensor(c->g, &c->names, name);
  namemap_put(&c->blobs, c->g->tensors[t].name, t);
  return t;
}

static int node(Ctx *c, IrOp op, const char *name) {
  c->inferred = false;
  return ir_add_node(c->g, op, NULL, name);
}
static void in(Ctx *c, int n, int t) { ir_node_add_input(c->g, n, t); }

static int cst_i64(Ctx *c, const char *name, const int64_t *v, int n) {
  int64_t d = n;
  return irb_const(c->g, &c->names, name, DT_I64, 1, &d, v);
}

/* Shape of tensor t, running shape inference once when it is not known yet (rank -1 when
 * still unknown). */
static const IrTensor *shaped(Ctx *c, int t) {
  if (c->g->tensors[t].rank < 0 && !c->inferred) {
    Err e = {0};
    ir_infer(c->g, &e); /* failures resurface in the compile's own ir_infer */
    c->inferred = true;
  }
  return &c->g->tensors[t];
}

/* ---- weights ---- */

/* The blobs of layer L: its own (a full-net prototxt) or the caffemodel's layer of that name. */
static size_t layer_blobs(Ctx *c, const Caffe__LayerParameter *L, Caffe__BlobProto ***out) {
  if (L->n_blobs) {
    *out = L->blobs;
    return L->n_blobs;
  }
  int k = c->model ? namemap_get(&c->weights, S(L->name)) : -1;
  if (k < 0) return 0;
  *out = c->model->layer[k]->blobs;
  return c->model->layer[k]->n_blobs;
}

/* Blob i of L as an f32 constant tensor (shape from the blob). -1 with err filled when absent
 * or inconsistent. */
static int blob(Ctx *c, const Caffe__LayerParameter *L, size_t i, const char *suffix) {
  Caffe__BlobProto **bs = NULL;
  size_t n = layer_blobs(c, L, &bs);
  const char *ln = S(L->name);
  if (i >= n)
    return fail(c, ERR_PARSE, ln, "%s layer needs %zu weight blobs, %s has %zu", S(L->type), i + 1,
                c->model || L->n_blobs ? "the model" : "no .caffemodel was given, it", n);
  const Caffe__BlobProto *b = bs[i];
  int64_t dims[IR_MAX_DIMS];
  int rank = 0;
  if (b->shape) {
    if (b->shape->n_dim > IR_MAX_DIMS)
      return fail(c, ERR_PARSE, ln, "blob %zu has %zu dimensions", i, b->shape->n_dim);
    rank = (int)b->shape->n_dim;
    for (int k = 0; k < rank; k++) dims[k] = b->shape->dim[k];
  } else {
    int64_t legacy[4] = {b->num, b->channels, b->height, b->width};
    rank = 4;
    memcpy(dims, legacy, sizeof legacy);
  }
  uint64_t numel = 1;
  for (int k = 0; k < rank; k++) {
    if (dims[k] < 0 || (dims[k] && numel > ((uint64_t)1 << 40) / (uint64_t)dims[k]))
      return fail(c, ERR_PARSE, ln, "blob %zu has an invalid shape", i);
    numel *= (uint64_t)dims[k];
  }
  size_t have = b->n_data ? b->n_data : b->n_double_data;
  if (have != numel) {
    char sh[128] = "";
    size_t o = 0;
    for (int k = 0; k < rank && o + 24 < sizeof sh; k++)
      o += (size_t)snprintf(sh + o, sizeof sh - o, "%s%lld", k ? "x" : "", (long long)dims[k]);
    return fail(c, ERR_PARSE, ln, "blob %zu has %zu values, shape %s needs %llu", i, have, sh,
                (unsigned long long)numel);
  }
  int t = irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/%s", ln, suffix));
  ir_set_const(c->g, t, DT_F32, rank, dims, b->n_data ? (const void *)b->data : NULL);
  if (!b->n_data) {
    float *p = c->g->tensors[t].data;
    for (size_t k = 0; k < numel; k++) p[k] = (float)b->double_data[k];
  }
  return t;
}

/* Constant t re-shaped (same data) to rank/dims. */
static int reshape_const(Ctx *c, int t, int rank, const int64_t *dims, const char *name) {
  const IrTensor *x = &c->g->tensors[t];
  int64_t want = 1;
  for (int i = 0; i < rank; i++) want *= dims[i];
  ASSERT(want == ir_numel(x));
  int r = irb_tensor(c->g, &c->names, name);
  x = &c->g->tensors[t];
  ir_set_const(c->g, r, x->dtype, rank, dims, x->data);
  return r;
}

/* Per-channel [C] constant shaped to broadcast along axis of a rank-r input: [C,1,...]. */
static int channel_const(Ctx *c, int t, int axis, int r, const char *name) {
  int64_t d[IR_MAX_DIMS], n = ir_numel(&c->g->tensors[t]);
  int rank = r - axis;
  if (rank < 1) rank = 1;
  d[0] = n;
  for (int i = 1; i < rank; i++) d[i] = 1;
  return reshape_const(c, t, rank, d, name);
}

/* ---- layer emitters ---- */

typedef struct {
  const Caffe__LayerParameter *L;
  const char *name;
  int in[IR_MAX_INPUTS];
  int n_in;
  int top0; /* tensor for top 0 (created before emitting) */
} Lay;

typedef int (*EmitFn)(Ctx *c, Lay *y);

/* The 2-D window values: repeated (1 or 2 values) or _h/_w fields. Returns false when absent. */
static bool hw(const uint32_t *rep, size_t n, bool has_h, uint32_t h, bool has_w, uint32_t w,
               int64_t dflt, int64_t out[2]) {
  out[0] = out[1] = dflt;
  if (has_h || has_w) {
    if (has_h) out[0] = h;
    if (has_w) out[1] = w;
    return true;
  }
  if (n == 1)
    out[0] = out[1] = rep[0];
  else if (n >= 2)
    out[0] = rep[0], out[1] = rep[1];
  return n > 0;
}

static int e_conv(Ctx *c, Lay *y) {
  const Caffe__ConvolutionParameter *p = y->L->convolution_param;
  bool deconv = strcmp(S(y->L->type), "Deconvolution") == 0;
  if (!p || y->n_in != 1) return UNMAPPED;
  int64_t s[2], pd[2], d[2];
  hw(p->stride, p->n_stride, p->has_stride_h, p->stride_h, p->has_stride_w, p->stride_w, 1, s);
  hw(p->pad, p->n_pad, p->has_pad_h, p->pad_h, p->has_pad_w, p->pad_w, 0, pd);
  hw(p->dilation, p->n_dilation, false, 0, false, 0, 1, d);
  if (p->n_kernel_size > 2 || p->n_stride > 2 || p->n_pad > 2 || p->n_dilation > 2 || p->axis != 1)
    return UNMAPPED;
  int w = blob(c, y->L, 0, "weights");
  if (w < 0) return -1;
  int b = -1;
  if (p->bias_term && (b = blob(c, y->L, 1, "bias")) < 0) return -1;
  const IrTensor *wt = &c->g->tensors[w];
  if (wt->rank != 4)
    return fail(c, ERR_PARSE, y->name, "convolution weights must have 4 dimensions, not %d",
                wt->rank);
  if (b >= 0 &&
      ir_numel(&c->g->tensors[b]) != (deconv ? wt->dims[1] * (int64_t)p->group : wt->dims[0]))
    return fail(c, ERR_PARSE, y->name, "bias has %lld values for %lld output channels",
                (long long)ir_numel(&c->g->tensors[b]),
                (long long)(deconv ? wt->dims[1] * (int64_t)p->group : wt->dims[0]));
  if (b >= 0 && c->g->tensors[b].rank != 1) {
    int64_t n = ir_numel(&c->g->tensors[b]);
    b = reshape_const(c, b, 1, &n, arena_printf(c->a, "%s/bias1d", y->name));
  }
  int n = node(c, deconv ? IR_OP_CONV_TRANSPOSE : IR_OP_CONV, y->name);
  in(c, n, y->in[0]);
  in(c, n, w);
  if (b >= 0) in(c, n, b);
  irb_ints(c->g, n, "kernel_shape", (int64_t[]){c->g->tensors[w].dims[2], c->g->tensors[w].dims[3]},
           2);
  irb_ints(c->g, n, "strides", s, 2);
  irb_ints(c->g, n, "dilations", d, 2);
  irb_ints(c->g, n, "pads", (int64_t[]){pd[0], pd[1], pd[0], pd[1]}, 4);
  if (p->group > 1) irb_int(c->g, n, "group", p->group);
  irb_output(c->g, n, y->top0);
  return 0;
}

static int e_pool(Ctx *c, Lay *y) {
  const Caffe__PoolingParameter *p = y->L->pooling_param;
  Caffe__PoolingParameter dflt = CAFFE__POOLING_PARAMETER__INIT;
  if (!p) p = &dflt;
  if (y->n_in != 1 || p->pool == CAFFE__POOLING_PARAMETER__POOL_METHOD__STOCHASTIC) return UNMAPPED;
  bool avg = p->pool == CAFFE__POOLING_PARAMETER__POOL_METHOD__AVE;
  if (p->global_pooling) {
    int n = node(c, avg ? IR_OP_GLOBAL_AVERAGE_POOL : IR_OP_GLOBAL_MAX_POOL, y->name);
    in(c, n, y->in[0]);
    irb_output(c->g, n, y->top0);
    return 0;
  }
  /* a single value applies to both axes; _h/_w override it */
  int64_t k[2] = {p->has_kernel_size ? p->kernel_size : 0, p->has_kernel_size ? p->kernel_size : 0};
  int64_t s[2] = {p->stride, p->stride}, pd[2] = {p->pad, p->pad};
  if (p->has_kernel_h) k[0] = p->kernel_h;
  if (p->has_kernel_w) k[1] = p->kernel_w;
  if (p->has_stride_h) s[0] = p->stride_h;
  if (p->has_stride_w) s[1] = p->stride_w;
  if (p->has_pad_h) pd[0] = p->pad_h;
  if (p->has_pad_w) pd[1] = p->pad_w;
  if (k[0] < 1 || k[1] < 1) return fail(c, ERR_PARSE, y->name, "pooling has no kernel size");
  int n = node(c, avg ? IR_OP_AVERAGE_POOL : IR_OP_MAX_POOL, y->name);
  in(c, n, y->in[0]);
  irb_ints(c->g, n, "kernel_shape", k, 2);
  irb_ints(c->g, n, "strides", s, 2);
  irb_ints(c->g, n, "pads", (int64_t[]){pd[0], pd[1], pd[0], pd[1]}, 4);
  if (p->round_mode == CAFFE__POOLING_PARAMETER__ROUND_MODE__CEIL) irb_int(c->g, n, "ceil_mode", 1);
  if (avg) irb_int(c->g, n, "count_include_pad", 1);
  irb_output(c->g, n, y->top0);
  return 0;
}

/* One-input op of `op` (Relu, Sigmoid, Tanh, Abs, Dropout). */
static int e_unary(Ctx *c, Lay *y, IrOp op) {
  if (y->n_in != 1) return UNMAPPED;
  int n = node(c, op, y->name);
  in(c, n, y->in[0]);
  irb_output(c->g, n, y->top0);
  return n;
}
static int e_sigmoid(Ctx *c, Lay *y) { return e_unary(c, y, IR_OP_SIGMOID) < 0 ? -1 : 0; }
static int e_tanh(Ctx *c, Lay *y) { return e_unary(c, y, IR_OP_TANH) < 0 ? -1 : 0; }
static int e_abs(Ctx *c, Lay *y) { return e_unary(c, y, IR_OP_ABS) < 0 ? -1 : 0; }
static int e_dropout(Ctx *c, Lay *y) { return e_unary(c, y, IR_OP_DROPOUT) < 0 ? -1 : 0; }

static int e_relu(Ctx *c, Lay *y) {
  float slope = y->L->relu_param ? y->L->relu_param->negative_slope : 0.0f;
  int n = e_unary(c, y, slope != 0.0f ? IR_OP_LEAKY_RELU : IR_OP_RELU);
  if (n < 0) return -1;
  if (slope != 0.0f) irb_float(c->g, n, "alpha", slope);
  return 0;
}

static int e_elu(Ctx *c, Lay *y) {
  int n = e_unary(c, y, IR_OP_ELU);
  if (n < 0) return -1;
  irb_float(c->g, n, "alpha", y->L->elu_param ? y->L->elu_param->alpha : 1.0f);
  return 0;
}

static int e_prelu(Ctx *c, Lay *y) {
  if (y->n_in != 1) return UNMAPPED;
  int s = blob(c, y->L, 0, "slope");
  if (s < 0) return -1;
  const IrTensor *x = shaped(c, y->in[0]);
  if (ir_numel(&c->g->tensors[s]) > 1)
    s = channel_const(c, s, 1, x->rank >= 2 ? x->rank : 4,
                      arena_printf(c->a, "%s/slope_c", y->name));
  int n = node(c, IR_OP_PRELU, y->name);
  in(c, n, y->in[0]);
  in(c, n, s);
  irb_output(c->g, n, y->top0);
  return 0;
}

/* Mul(x, scale) [+ Add(bias)] with [C] constants broadcast along axis. */
static int scale_bias(Ctx *c, Lay *y, int x, int s, int b, int axis) {
  int r = shaped(c, x)->rank;
  if (r < 0) r = 4;
  if (axis < 0) axis += r;
  int v = x;
  if (s >= 0) {
    if (ir_numel(&c->g->tensors[s]) > 1)
      s = channel_const(c, s, axis, r, arena_printf(c->a, "%s/scale_c", y->name));
    int n = node(c, IR_OP_MUL, b >= 0 ? arena_printf(c->a, "%s/mul", y->name) : y->name);
    in(c, n, v);
    in(c, n, s);
    v = b >= 0 ? irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/scaled", y->name)) : y->top0;
    irb_output(c->g, n, v);
  }
  if (b >= 0) {
    if (ir_numel(&c->g->tensors[b]) > 1)
      b = channel_const(c, b, axis, r, arena_printf(c->a, "%s/bias_c", y->name));
    int n = node(c, IR_OP_ADD, y->name);
    in(c, n, v);
    in(c, n, b);
    irb_output(c->g, n, y->top0);
  }
  return 0;
}

/* BatchNorm: blobs mean, variance, scale factor -> BatchNormalization(x, 1, 0, mean/s, var/s). */
static int e_batch_norm(Ctx *c, Lay *y) {
  if (y->n_in != 1) return UNMAPPED;
  int m = blob(c, y->L, 0, "mean"), v = m < 0 ? -1 : blob(c, y->L, 1, "variance");
  if (v < 0) return -1;
  int64_t ch = ir_numel(&c->g->tensors[m]);
  if (ch != ir_numel(&c->g->tensors[v]))
    return fail(c, ERR_PARSE, y->name, "mean and variance differ in size");
  Caffe__BlobProto **bs = NULL;
  float sf = 1.0f;
  if (layer_blobs(c, y->L, &bs) > 2) {
    int f = blob(c, y->L, 2, "factor");
    if (f < 0) return -1;
    float raw = ir_numel(&c->g->tensors[f]) >= 1 ? ((float *)c->g->tensors[f].data)[0] : 1.0f;
    sf = raw == 0.0f ? 0.0f : 1.0f / raw;
  }
  float *mean = arena_array(c->a, (size_t)ch, 4), *var = arena_array(c->a, (size_t)ch, 4);
  float *ones = arena_array(c->a, (size_t)ch, 4), *zeros = arena_array(c->a, (size_t)ch, 4);
  for (int64_t i = 0; i < ch; i++) {
    mean[i] = ((float *)c->g->tensors[m].data)[i] * sf;
    var[i] = ((float *)c->g->tensors[v].data)[i] * sf;
    ones[i] = 1.0f;
  }
  int n = node(c, IR_OP_BATCH_NORM, y->name);
  in(c, n, y->in[0]);
  in(c, n,
     irb_const(c->g, &c->names, arena_printf(c->a, "%s/gamma", y->name), DT_F32, 1, &ch, ones));
  in(c, n,
     irb_const(c->g, &c->names, arena_printf(c->a, "%s/beta", y->name), DT_F32, 1, &ch, zeros));
  in(c, n,
     irb_const(c->g, &c->names, arena_printf(c->a, "%s/mean_s", y->name), DT_F32, 1, &ch, mean));
  in(c, n,
     irb_const(c->g, &c->names, arena_printf(c->a, "%s/var_s", y->name), DT_F32, 1, &ch, var));
  irb_float(c->g, n, "epsilon", y->L->batch_norm_param ? y->L->batch_norm_param->eps : 1e-5f);
  irb_output(c->g, n, y->top0);
  return 0;
}

/* Scale: in place after our BatchNorm -> gamma/beta folded into it; else Mul [+ Add]. */
static int e_scale(Ctx *c, Lay *y) {
  const Caffe__ScaleParameter *p = y->L->scale_param;
  int axis = p ? p->axis : 1;
  bool bias = p && p->bias_term;
  if (y->n_in == 2) return scale_bias(c, y, y->in[0], y->in[1], -1, axis);
  if (y->n_in != 1) return UNMAPPED;
  int s = blob(c, y->L, 0, "scale"), b = -1;
  if (s < 0 || (bias && (b = blob(c, y->L, 1, "bias")) < 0)) return -1;
  IrGraph *g = c->g;
  int prod = g->tensors[y->in[0]].producer;
  bool in_place =
      y->L->n_top == 1 && y->L->n_bottom == 1 && strcmp(y->L->top[0], y->L->bottom[0]) == 0;
  if (in_place && axis == 1 && prod >= 0 && prod == g->n_nodes - 1 &&
      g->nodes[prod].op == IR_OP_BATCH_NORM) {
    IrNode *bn = &g->nodes[prod];
    int64_t ch = ir_numel(&g->tensors[bn->inputs[1]]);
    if (ir_numel(&g->tensors[s]) == ch && (b < 0 || ir_numel(&g->tensors[b]) == ch)) {
      bn->inputs[1] = reshape_const(c, s, 1, &ch, arena_printf(c->a, "%s/gamma", y->name));
      if (b >= 0)
        g->nodes[prod].inputs[2] =
            reshape_const(c, b, 1, &ch, arena_printf(c->a, "%s/beta", y->name));
      bn = &g->nodes[prod];
      /* the BN writes the Scale's top; its own top tensor is dropped */
      g->tensors[bn->outputs[0]].producer = -1;
      bn->outputs[0] = y->top0;
      g->tensors[y->top0].producer = prod;
      return 0;
    }
  }
  return scale_bias(c, y, y->in[0], s, b, axis);
}

static int e_bias(Ctx *c, Lay *y) {
  int axis = y->L->bias_param ? y->L->bias_param->axis : 1;
  if (y->n_in == 2) return scale_bias(c, y, y->in[0], -1, y->in[1], axis);
  int b = blob(c, y->L, 0, "bias");
  return b < 0 ? -1 : scale_bias(c, y, y->in[0], -1, b, axis);
}

/* Eltwise SUM (coefficients as Mul), PROD, MAX over all bottoms, as a chain. */
static int e_eltwise(Ctx *c, Lay *y) {
  const Caffe__EltwiseParameter *p = y->L->eltwise_param;
  int op = p ? (int)p->operation : CAFFE__ELTWISE_PARAMETER__ELTWISE_OP__SUM;
  if (y->n_in < 2) return UNMAPPED;
  if (p && p->n_coeff &&
      (p->n_coeff != (size_t)y->n_in || op != CAFFE__ELTWISE_PARAMETER__ELTWISE_OP__SUM))
    return fail(c, ERR_PARSE, y->name, "eltwise has %zu coefficients for %d inputs", p->n_coeff,
                y->n_in);
  IrOp ir = op == CAFFE__ELTWISE_PARAMETER__ELTWISE_OP__PROD  ? IR_OP_MUL
            : op == CAFFE__ELTWISE_PARAMETER__ELTWISE_OP__MAX ? IR_OP_MAX
                                                              : IR_OP_ADD;
  int ins[IR_MAX_INPUTS];
  for (int k = 0; k < y->n_in; k++) {
    ins[k] = y->in[k];
    if (!p || !p->n_coeff || p->coeff[k] == 1.0f) continue;
    int n = node(c, IR_OP_MUL, arena_printf(c->a, "%s/coeff%d", y->name, k));
    in(c, n, ins[k]);
    in(c, n,
       irb_const(c->g, &c->names, arena_printf(c->a, "%s/coeff%d_v", y->name, k), DT_F32, 0, NULL,
                 &p->coeff[k]));
    ins[k] = irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/in%d", y->name, k));
    irb_output(c->g, n, ins[k]);
  }
  int acc = ins[0];
  for (int k = 1; k < y->n_in; k++) {
    bool last = k == y->n_in - 1;
    int n = node(c, ir, last ? y->name : arena_printf(c->a, "%s/%d", y->name, k));
    in(c, n, acc);
    in(c, n, ins[k]);
    acc = last ? y->top0 : irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/acc%d", y->name, k));
    irb_output(c->g, n, acc);
  }
  return 0;
}

/* InnerProduct: [Flatten(axis) +] Gemm(x, W, b) (W [N,K], transB unless transpose). */
static int e_inner_product(Ctx *c, Lay *y) {
  const Caffe__InnerProductParameter *p = y->L->inner_product_param;
  if (!p || y->n_in != 1) return UNMAPPED;
  int w = blob(c, y->L, 0, "weights"), b = -1;
  if (w < 0 || (p->bias_term && (b = blob(c, y->L, 1, "bias")) < 0)) return -1;
  int64_t numel = ir_numel(&c->g->tensors[w]), n_out = p->num_output;
  if (n_out < 1 || numel % n_out)
    return fail(c, ERR_PARSE, y->name, "weights of %lld values do not fit num_output %lld",
                (long long)numel, (long long)n_out);
  int64_t d[2] = {p->transpose ? numel / n_out : n_out, p->transpose ? n_out : numel / n_out};
  if (c->g->tensors[w].rank != 2)
    w = reshape_const(c, w, 2, d, arena_printf(c->a, "%s/weights2d", y->name));
  if (b >= 0 && c->g->tensors[b].rank != 1)
    b = reshape_const(c, b, 1, &n_out, arena_printf(c->a, "%s/bias1d", y->name));
  int x = y->in[0];
  const IrTensor *xt = shaped(c, x);
  if (xt->rank != 2) {
    int n = node(c, IR_OP_FLATTEN, arena_printf(c->a, "%s/flatten", y->name));
    in(c, n, x);
    irb_int(c->g, n, "axis", p->axis);
    x = irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/flat", y->name));
    irb_output(c->g, n, x);
  }
  int n = node(c, IR_OP_GEMM, y->name);
  in(c, n, x);
  in(c, n, w);
  if (b >= 0) in(c, n, b);
  if (!p->transpose) irb_int(c->g, n, "transB", 1);
  irb_output(c->g, n, y->top0);
  return 0;
}

static int e_concat(Ctx *c, Lay *y) {
  const Caffe__ConcatParameter *p = y->L->concat_param;
  int64_t axis = p ? (p->has_axis || !p->has_concat_dim ? p->axis : (int64_t)p->concat_dim) : 1;
  int n = node(c, IR_OP_CONCAT, y->name);
  for (int k = 0; k < y->n_in; k++) in(c, n, y->in[k]);
  irb_int(c->g, n, "axis", axis);
  irb_output(c->g, n, y->top0);
  return 0;
}

static int e_softmax(Ctx *c, Lay *y) {
  int n = e_unary(c, y, IR_OP_SOFTMAX);
  if (n < 0) return -1;
  irb_int(c->g, n, "axis", y->L->softmax_param ? y->L->softmax_param->axis : 1);
  return 0;
}

/* A Reshape of the layer's input to `shape` (ONNX semantics: 0 copies, -1 infers). */
static int reshape_to(Ctx *c, Lay *y, const int64_t *shape, int n_shape) {
  int n = node(c, IR_OP_RESHAPE, y->name);
  in(c, n, y->in[0]);
  in(c, n, cst_i64(c, arena_printf(c->a, "%s/shape", y->name), shape, n_shape));
  irb_output(c->g, n, y->top0);
  return 0;
}

static int e_flatten(Ctx *c, Lay *y) {
  const Caffe__FlattenParameter *p = y->L->flatten_param;
  int axis = p ? p->axis : 1, end = p ? p->end_axis : -1;
  if (y->n_in != 1) return UNMAPPED;
  int r = shaped(c, y->in[0])->rank;
  if (axis < 0 && r > 0) axis += r;
  if (end < 0 && r > 0) end += r;
  int64_t s[IR_MAX_DIMS];
  int ns = 0;
  if (end == -1 || (r > 0 && end == r - 1)) {
    if (axis < 0 || axis >= IR_MAX_DIMS) return UNMAPPED;
    for (int i = 0; i < axis; i++) s[ns++] = 0;
    s[ns++] = -1;
    return reshape_to(c, y, s, ns);
  }
  if (r < 0 || axis < 0 || end < axis || end >= r) return UNMAPPED;
  const IrTensor *x = &c->g->tensors[y->in[0]];
  for (int i = 0; i < axis; i++) s[ns++] = 0;
  s[ns++] = -1;
  for (int i = end + 1; i < r; i++) s[ns++] = x->dims[i];
  return reshape_to(c, y, s, ns);
}

static int e_reshape(Ctx *c, Lay *y) {
  const Caffe__ReshapeParameter *p = y->L->reshape_param;
  if (!p || !p->shape || y->n_in != 1 || p->shape->n_dim > IR_MAX_DIMS) return UNMAPPED;
  int64_t s[IR_MAX_DIMS];
  int ns = (int)p->shape->n_dim;
  for (int i = 0; i < ns; i++) s[i] = p->shape->dim[i];
  if (p->axis == 0 && p->num_axes == -1) return reshape_to(c, y, s, ns);
  /* a partial reshape: rebuild the full shape from the input's known dims */
  const IrTensor *x = shaped(c, y->in[0]);
  int r = x->rank, ax = p->axis < 0 ? p->axis + r + 1 : p->axis;
  int na = p->num_axes < 0 ? r - ax : p->num_axes;
  if (r < 0 || ax < 0 || ax + na > r || r - na + ns > IR_MAX_DIMS) return UNMAPPED;
  int64_t full[IR_MAX_DIMS];
  int nf = 0;
  for (int i = 0; i < ax; i++) full[nf++] = x->dims[i];
  for (int i = 0; i < ns; i++) full[nf++] = s[i] == 0 ? x->dims[ax + i] : s[i];
  for (int i = ax + na; i < r; i++) full[nf++] = x->dims[i];
  return reshape_to(c, y, full, nf);
}

static int e_permute(Ctx *c, Lay *y) {
  const Caffe__PermuteParameter *p = y->L->permute_param;
  if (!p || p->n_order > IR_MAX_DIMS) return UNMAPPED;
  int64_t perm[IR_MAX_DIMS];
  int r = shaped(c, y->in[0])->rank, np = (int)p->n_order;
  for (int i = 0; i < np; i++) perm[i] = p->order[i];
  /* Caffe appends the axes left out, in order */
  for (int a = 0; r > np && a < r; a++) {
    bool used = false;
    for (int i = 0; i < np; i++) used |= perm[i] == a;
    if (!used && np < IR_MAX_DIMS) perm[np++] = a;
  }
  int n = e_unary(c, y, IR_OP_TRANSPOSE);
  if (n < 0) return -1;
  irb_ints(c->g, n, "perm", perm, np);
  return 0;
}

static int e_lrn(Ctx *c, Lay *y) {
  const Caffe__LRNParameter *p = y->L->lrn_param;
  Caffe__LRNParameter dflt = CAFFE__LRNPARAMETER__INIT;
  if (!p) p = &dflt;
  if (p->norm_region != CAFFE__LRNPARAMETER__NORM_REGION__ACROSS_CHANNELS) return UNMAPPED;
  int n = e_unary(c, y, IR_OP_LRN);
  if (n < 0) return -1;
  irb_int(c->g, n, "size", p->local_size);
  irb_float(c->g, n, "alpha", p->alpha);
  irb_float(c->g, n, "beta", p->beta);
  irb_float(c->g, n, "bias", p->k);
  return 0;
}

/* Power: (shift + scale * x) ^ power as Mul / Add / Pow, each only when not the identity. */
static int e_power(Ctx *c, Lay *y) {
  const Caffe__PowerParameter *p = y->L->power_param;
  float pw = p ? p->power : 1, sc = p ? p->scale : 1, sh = p ? p->shift : 0;
  if (y->n_in != 1) return UNMAPPED;
  struct {
    IrOp op;
    float v;
    bool on;
  } st[3] = {{IR_OP_MUL, sc, sc != 1}, {IR_OP_ADD, sh, sh != 0}, {IR_OP_POW, pw, pw != 1}};
  int last = -1;
  for (int i = 0; i < 3; i++)
    if (st[i].on) last = i;
  if (last < 0) return e_unary(c, y, IR_OP_IDENTITY) < 0 ? -1 : 0;
  int v = y->in[0];
  for (int i = 0; i <= last; i++) {
    if (!st[i].on) continue;
    int n = node(c, st[i].op, i == last ? y->name : arena_printf(c->a, "%s/%d", y->name, i));
    in(c, n, v);
    in(c, n,
       irb_const(c->g, &c->names, arena_printf(c->a, "%s/c%d", y->name, i), DT_F32, 0, NULL,
                 &st[i].v));
    v = i == last ? y->top0 : irb_tensor(c->g, &c->names, arena_printf(c->a, "%s/t%d", y->name, i));
    irb_output(c->g, n, v);
  }
  return 0;
}

/* ---- driver ---- */

/* Emitters by Caffe type; Split and Slice (several tops) and Input are handled by the driver. */
static const struct {
  const char *type;
  EmitFn fn;
} EMIT[] = {
    {"Convolution", e_conv}, {"Deconvolution", e_conv},
    {"Pooling", e_pool},     {"ReLU", e_relu},
    {"PReLU", e_prelu},      {"ELU", e_elu},
    {"Sigmoid", e_sigmoid},  {"TanH", e_tanh},
    {"AbsVal", e_abs},       {"BatchNorm", e_batch_norm},
    {"Scale", e_scale},      {"Bias", e_bias},
    {"Eltwise", e_eltwise},  {"InnerProduct", e_inner_product},
    {"Concat", e_concat},    {"Softmax", e_softmax},
    {"Flatten", e_flatten},  {"Reshape", e_reshape},
    {"Permute", e_permute},  {"Dropout", e_dropout},
    {"LRN", e_lrn},          {"Power", e_power},
};

/* True when L does not run at test time. */
static bool train_only(const Caffe__LayerParameter *L) {
  if (L->has_phase && L->phase == CAFFE__PHASE__TRAIN) return true;
  for (size_t i = 0; i < L->n_include; i++)
    if (L->include[i]->has_phase && L->include[i]->phase == CAFFE__PHASE__TRAIN) return true;
  for (size_t i = 0; i < L->n_exclude; i++)
    if (L->exclude[i]->has_phase && L->exclude[i]->phase == CAFFE__PHASE__TEST) return true;
  return false;
}

/* A graph input named name with shape dims. */
static int add_input(Ctx *c, const char *name, int rank, const int64_t *dims) {
  if (rank > IR_MAX_DIMS)
    return fail(c, ERR_PARSE, NULL, "input '%s' has %d dimensions", name, rank);
  int t = top_tensor(c, name);
  c->g->tensors[t].dtype = DT_F32;
  if (rank >= 0) ir_set_shape(c->g, t, rank, dims);
  ir_add_input(c->g, t);
  return 0;
}

static int net_inputs(Ctx *c) {
  const Caffe__NetParameter *net = c->net;
  for (size_t i = 0; i < net->n_input; i++) {
    int64_t d[IR_MAX_DIMS];
    int r = -1;
    if (i < net->n_input_shape) {
      if (net->input_shape[i]->n_dim > IR_MAX_DIMS)
        return fail(c, ERR_PARSE, NULL, "input %zu has too many dimensions", i);
      r = (int)net->input_shape[i]->n_dim;
      for (int k = 0; k < r; k++) d[k] = net->input_shape[i]->dim[k];
    } else if (net->n_input_dim >= 4 * (i + 1)) {
      r = 4;
      for (int k = 0; k < 4; k++) d[k] = net->input_dim[4 * i + (size_t)k];
    }
    if (add_input(c, S(net->input[i]), r, d) < 0) return -1;
  }
  return 0;
}

/* Input layer: one shape for all tops or one per top. */
static int input_layer(Ctx *c, const Caffe__LayerParameter *L) {
  const Caffe__InputParameter *p = L->input_param;
  for (size_t k = 0; k < L->n_top; k++) {
    const Caffe__BlobShape *s = p && p->n_shape ? p->shape[p->n_shape == 1  ? 0
                                                           : k < p->n_shape ? k
                                                                            : p->n_shape - 1]
                                                : NULL;
    int64_t d[IR_MAX_DIMS];
    int r = -1;
    if (s) {
      if (s->n_dim > IR_MAX_DIMS)
        return fail(c, ERR_PARSE, S(L->name), "input shape has %zu dimensions", s->n_dim);
      r = (int)s->n_dim;
      for (int i = 0; i < r; i++) d[i] = s->dim[i];
    }
    if (add_input(c, S(L->top[k]), r, d) < 0) return -1;
  }
  return 0;
}

/* Split (copies of the bottom) and Slice (pieces along an axis): several tops. */
static int multi_top(Ctx *c, const Caffe__LayerParameter *L, const int *ins, int n_in) {
  const char *name = S(L->name);
  if (n_in != 1) return UNMAPPED;
  if (strcmp(S(L->type), "Split") == 0) {
    for (size_t k = 0; k < L->n_top; k++) {
      int n = node(c, IR_OP_IDENTITY, arena_printf(c->a, "%s/%zu", name, k));
      in(c, n, ins[0]);
      irb_output(c->g, n, top_tensor(c, L->top[k]));
    }
    return 0;
  }
  const Caffe__SliceParameter *p = L->slice_param;
  int axis = p ? (p->has_axis || !p->has_slice_dim ? p->axis : (int)p->slice_dim) : 1;
  const IrTensor *x = shaped(c, ins[0]);
  if (x->rank < 0) return UNMAPPED;
  if (axis < 0) axis += x->rank;
  if (axis < 0 || axis >= x->rank || x->dims[axis] < 0 || L->n_top > IR_MAX_OUTPUTS)
    return UNMAPPED;
  int64_t len[IR_MAX_OUTPUTS], prev = 0, dim = x->dims[axis];
  size_t nt = L->n_top;
  if (p && p->n_slice_point) {
    if (p->n_slice_point != nt - 1)
      return fail(c, ERR_PARSE, name, "slice has %zu points for %zu tops", p->n_slice_point, nt);
    for (size_t k = 0; k < nt; k++) {
      int64_t end = k + 1 < nt ? p->slice_point[k] : dim;
      if (end < prev || end > dim)
        return fail(c, ERR_PARSE, name, "slice points are not increasing inside %lld",
                    (long long)dim);
      len[k] = end - prev;
      prev = end;
    }
  } else {
    if (dim % (int64_t)nt) return UNMAPPED;
    for (size_t k = 0; k < nt; k++) len[k] = dim / (int64_t)nt;
  }
  int n = node(c, IR_OP_SPLIT, name);
  in(c, n, ins[0]);
  in(c, n, cst_i64(c, arena_printf(c->a, "%s/split", name), len, (int)nt));
  irb_int(c->g, n, "axis", axis);
  for (size_t k = 0; k < nt; k++) irb_output(c->g, n, top_tensor(c, L->top[k]));
  return 0;
}

/* The layer as an IR_OP_UNKNOWN node keeping its type; top0 >= 0 is the already made tensor
 * of top 0. */
static void emit_unknown(Ctx *c, const Caffe__LayerParameter *L, const int *ins, int n_in,
                         int top0) {
  int n = ir_add_node(c->g, IR_OP_UNKNOWN, S(L->type)[0] ? L->type : "Unknown", S(L->name));
  c->inferred = false;
  for (int k = 0; k < n_in; k++) in(c, n, ins[k]);
  for (size_t k = 0; k < L->n_top && k < IR_MAX_OUTPUTS; k++)
    irb_output(c->g, n, k == 0 && top0 >= 0 ? top0 : top_tensor(c, L->top[k]));
}

static int convert_layer(Ctx *c, const Caffe__LayerParameter *L) {
  const char *type = S(L->type), *name = S(L->name);
  if (train_only(L)) return 0;
  if (strcmp(type, "Input") == 0) return input_layer(c, L);
  if (L->n_bottom > IR_MAX_INPUTS || L->n_top > IR_MAX_OUTPUTS)
    return fail(c, ERR_PARSE, name, "layer has %zu bottoms and %zu tops", L->n_bottom, L->n_top);
  int ins[IR_MAX_INPUTS];
  for (size_t k = 0; k < L->n_bottom; k++) {
    ins[k] = namemap_get(&c->blobs, S(L->bottom[k]));
    if (ins[k] < 0)
      return fail(c, ERR_PARSE, name, "bottom '%s' is not an input or an earlier layer's top",
                  S(L->bottom[k]));
  }
  int n_in = (int)L->n_bottom, top0 = -1;
  /* emitters decide UNMAPPED before adding nodes; they may have made constants (kept, unread) */
  int rc = UNMAPPED;
  if (strcmp(type, "Split") == 0 || strcmp(type, "Slice") == 0) {
    rc = multi_top(c, L, ins, n_in);
  } else if (L->n_top == 1) {
    for (size_t i = 0; i < sizeof EMIT / sizeof EMIT[0]; i++) {
      if (strcmp(EMIT[i].type, type)) continue;
      Lay y = {.L = L, .name = name[0] ? name : type, .n_in = n_in};
      memcpy(y.in, ins, sizeof(int) * (size_t)n_in);
      y.top0 = top0 = top_tensor(c, L->top[0]);
      rc = EMIT[i].fn(c, &y);
      break;
    }
  }
  if (rc != UNMAPPED) return rc;
  emit_unknown(c, L, ins, n_in, top0);
  return 0;
}

/* Graph outputs: the last tensor of every blob no kept layer reads. */
static void net_outputs(Ctx *c) {
  IrGraph *g = c->g;
  int *used = arena_array(c->a, (size_t)g->n_tensors + 1, sizeof(int));
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] >= 0) used[g->nodes[i].inputs[k]] = 1;
  for (int t = 0; t < g->n_tensors; t++)
    if (!used[t] && g->tensors[t].producer >= 0 && namemap_get(&c->blobs, g->tensors[t].name) == t)
      ir_add_output(g, t);
}

static int convert(Ctx *c) {
  namemap_init(&c->blobs, 256);
  namemap_init(&c->names, 256);
  namemap_init(&c->weights, 256);
  if (c->model)
    for (size_t i = 0; i < c->model->n_layer; i++)
      if (c->model->layer[i]->name) namemap_put(&c->weights, c->model->layer[i]->name, (int)i);
  c->g->producer_name = "caffe";
  c->g->opset = 13;
  if (net_inputs(c) < 0) return -1;
  for (size_t i = 0; i < c->net->n_layer; i++)
    if (convert_layer(c, c->net->layer[i]) < 0) return -1;
  if (c->g->n_inputs == 0)
    return fail(c, ERR_PARSE, NULL, "the net has no inputs (no 'input:' and no Input layer)");
  net_outputs(c);
  return ir_toposort(c->g, c->err);
}

int fe_caffe_load_mem(IrGraph **out, Arena *a, const char *text, size_t text_len,
                      const uint8_t *model, size_t model_len, const char *path, Err *err) {
  Ctx c = {0};
  c.a = a;
  c.err = err;
  c.path = path ? path : "<memory>";
  if (!text || text_len > FE_CAFFE_MAX_TEXT)
    return fail(&c, ERR_PARSE, NULL, "prototxt is missing or over %zu bytes", FE_CAFFE_MAX_TEXT);
  if (model && model_len > FE_CAFFE_MAX_MODEL)
    return fail(&c, ERR_PARSE, NULL, "caffemodel is over %zu bytes", FE_CAFFE_MAX_MODEL);
  c.net = calloc(1, sizeof *c.net);
  if (!c.net) base__assert_fail(__FILE__, __LINE__, "out of memory");
  caffe__net_parameter__init(c.net);
  Lex x = {.s = text, .end = text + text_len, .line = 1, .err = err, .path = c.path};
  int rc = 0;
  if (!lex_next(&x) || !parse_fields(&x, &c.net->base, &caffe__net_parameter__descriptor, 0, 0))
    rc = fail(&c, ERR_PARSE, NULL, "prototxt %s", x.msg);
  if (rc == 0 && model) {
    c.model = caffe__net_parameter__unpack(NULL, model_len, model);
    if (!c.model)
      rc = fail(&c, ERR_PARSE, NULL,
                "caffemodel is not a Caffe NetParameter (protobuf decoding failed)");
  }
  if (rc == 0) {
    c.g = ir_new(a, c.path);
    rc = convert(&c);
  }
  namemap_free(&c.blobs);
  namemap_free(&c.names);
  namemap_free(&c.weights);
  protobuf_c_message_free_unpacked(&c.net->base, NULL);
  if (c.model) caffe__net_parameter__free_unpacked(c.model, NULL);
  if (rc == 0) *out = c.g;
  return rc;
}

int fe_caffe_load_pair(IrGraph **out, Arena *a, const char *prototxt_path, const char *model_path,
                       Err *err) {
  uint8_t *text = NULL, *model = NULL;
  size_t text_len = 0, model_len = 0;
  int rc = io_read_pair(&text, &text_len, prototxt_path, FE_CAFFE_MAX_TEXT, &model, &model_len,
                        model_path, FE_CAFFE_MAX_MODEL, err);
  if (rc == 0)
    rc = fe_caffe_load_mem(out, a, (const char *)text, text_len, model, model_len, prototxt_path,
                           err);
  free(text);
  free(model);
  return rc;
}

int fe_caffe_load(IrGraph **out, Arena *a, const char *prototxt_path, Err *err) {
  size_t n = strlen(prototxt_path);
  const char *stem_end = prototxt_path + n;
  if (n >= 9 && strcasecmp(prototxt_path + n - 9, ".prototxt") == 0)
    stem_end -= 9;
  else if (n >= 6 && strcasecmp(prototxt_path + n - 6, ".pbtxt") == 0)
    stem_end -= 6;
  const char *model =
      arena_printf(a, "%.*s.caffemodel", (int)(stem_end - prototxt_path), prototxt_path);
  return fe_caffe_load_pair(out, a, prototxt_path, model, err);
}

#else /* !FE_CAFFE_HAVE_PB */

int fe_caffe_load_mem(IrGraph **out, Arena *a, const char *text, size_t text_len,
                      const uint8_t *model, size_t model_len, const char *path, Err *err) {
  (void)out, (void)a, (void)text, (void)text_len, (void)model, (void)model_len;
  err_where(err, path ? path : "<memory>", 0, NULL, "");
  return err_set(err, ERR_INTERNAL,
                 "this blobc was built without the Caffe bindings (caffe.pb-c.h)");
}

int fe_caffe_load_pair(IrGraph **out, Arena *a, const char *prototxt_path, const char *model_path,
                       Err *err) {
  (void)model_path;
  return fe_caffe_load_mem(out, a, NULL, 0, NULL, 0, prototxt_path, err);
}

int fe_caffe_load(IrGraph **out, Arena *a, const char *prototxt_path, Err *err) {
  return fe_caffe_load_mem(out, a, NULL, 0, NULL, 0, prototxt_path, err);
}

#endif
