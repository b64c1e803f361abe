/* pipeline/manifest.c — YAML manifest loading and validation. See manifest.h for the contract
 * and manifests/README.md for the schema and the error messages. */
#include "pipeline/manifest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#define MAX_INPUTS 256   /* per model; more is surely a mistake */
#define MAX_SHOWN 64     /* user text quoted in a message is cut to this many bytes */
#define DEFAULT_SHAVES 6
#define DEFAULT_OPENVINO "2022.1"

/* ---- names ------------------------------------------------------------------------------- */


/* mo / compile_tool spellings, compared case-insensitively. */
static const struct {
  const char *text;
  Precision p;
} PREC_SPELLINGS[] = {
    {"u8", PREC_U8},     {"uint8", PREC_U8},     {"fp16", PREC_FP16}, {"f16", PREC_FP16},
    {"half", PREC_FP16}, {"float16", PREC_FP16}, {"fp32", PREC_FP32}, {"f32", PREC_FP32},
    {"float", PREC_FP32}, {"float32", PREC_FP32},
};

static const char *const OPENVINO_VERSIONS[] = {"2021.4", "2022.1"};

/* ---- keys -------------------------------------------------------------------------------- */

static const char *const ROOT_KEYS[] = {"version", "defaults", "models", NULL};
static const char *const DEFAULTS_KEYS[] = {
    "data_type", "shaves", "cmx_slices", "openvino", "output_precision", "superblob", "layout",
    "mean_values", "scale_values", "reverse_input_channels", "precision", "shape", "hw", "max_model_mb", NULL};
static const char *const MODEL_KEYS[] = {
    "name", "source", "inputs", "data_type", "shaves", "cmx_slices", "openvino",
    "output_precision", "superblob", "layout", "mean_values", "scale_values", "reverse_input_channels",
    "precision", "shape", "hw", "max_model_mb", NULL};
static const char *const INPUT_KEYS[] = {"name", "shape", "layout", "mean_values", "scale_values",
                                         "reverse_input_channels", "precision", NULL};

/* ---- parsing state ----------------------------------------------------------------------- */

/* Per-input settings as written at one level (defaults, model shorthand or input entry);
 * a field is "set" when its line is nonzero. */
typedef struct {
  Layout layout, frame_layout;
  int layout_line;
  int n_mean;
  double mean[MANIFEST_MAX_DIMS];
  int mean_line;
  int n_scale;
  double scale[MANIFEST_MAX_DIMS];
  int scale_line;
  bool reverse;
  int reverse_line;
  Precision precision;
  int precision_line;
  int rank;
  int64_t shape[MANIFEST_MAX_DIMS];
  int shape_line;
} InOpts;

/* Model-level settings as written in defaults or in a model entry. */
typedef struct {
  Precision data_type, output_precision; /* PREC_DEFAULT = not set */
  int shaves, cmx_slices;                /* 0 = not set */
  int shaves_line, cmx_line;
  const char *openvino;                  /* NULL = not set */
  int superblob;                         /* 0 not set, 1 false, 2 true */
  int hw;                                /* 0 not set, 1 auto, 2 off */
  long long max_model_mb;                /* 0 = not set */
  InOpts in;
  const yaml_node_t *shorthand; /* first per-input key written at model level, or NULL */
} Opts;

typedef struct {
  yaml_document_t *doc;
  Arena *a;
  Err *err;
  const char *path;  /* manifest path for messages, never NULL */
  const char *dir;   /* folder of path with its trailing '/', or "" */
  const char *model; /* model name for messages, NULL outside a model */
} Ctx;

/* Line (1-based) of a node. */
static int node_line(const yaml_node_t *n) {
  if (!n) return 0;
  size_t l = n->start_mark.line + 1;
  return l > 0x7fffffff ? 0x7fffffff : (int)l;
}

/* Fills the error (ERR_MANIFEST, at n's line, in the current model) once; returns -1. */
static int fail_at(Ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_at(Ctx *c, int line, const char *fmt, ...) {
  char msg[sizeof c->err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  err_where(c->err, c->path, line, c->model ? c->model : "", "");
  return err_set(c->err, ERR_MANIFEST, "%s", msg);
}
#define fail(c, n, ...) fail_at((c), node_line(n), __VA_ARGS__)

static yaml_node_t *node_at(Ctx *c, yaml_node_item_t i) { return yaml_document_get_node(c->doc, i); }

/* The scalar text of n (NUL-terminated by libyaml). */
static const char *sval(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

/* True if n is a YAML null: an empty or ~/null plain scalar. */
static bool is_null(const yaml_node_t *n) {
  if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
  const char *s = sval(n);
  return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static size_t seq_len(const yaml_node_t *n) {
  return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

/* ---- scalar values ----------------------------------------------------------------------- */

/* *out = the text of a non-null scalar without NUL bytes, else a type error. */
static int get_str(Ctx *c, const yaml_node_t *n, const char *key, const char **out) {
  if (n->type != YAML_SCALAR_NODE || is_null(n)) return fail(c, n, "'%s' must be a string", key);
  if (strlen(sval(n)) != n->data.scalar.length)
    return fail(c, n, "'%s' must not contain a NUL character", key);
  *out = sval(n);
  return 0;
}

/* *out = the decimal integer s spells in full; false if it does not. */
static bool parse_ll(const char *s, long long *out) {
  const char *d = (*s == '-' || *s == '+') ? s + 1 : s;
  if (*d < '0' || *d > '9') return false;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (*end || errno) return false;
  *out = v;
  return true;
}

/* *out = a decimal integer scalar (quoted or not), else a type error. */
static int get_int(Ctx *c, const yaml_node_t *n, const char *key, long long *out) {
  if (n->type != YAML_SCALAR_NODE || !parse_ll(sval(n), out))
    return fail(c, n, "'%s' must be an integer", key);
  return 0;
}

/* *out = a YAML 1.1 boolean (true/false/yes/no/on/off, any case), else a type error. */
static int get_bool(Ctx *c, const yaml_node_t *n, const char *key, bool *out) {
  static const char *const T[] = {"true", "yes", "on"}, *const F[] = {"false", "no", "off"};
  if (n->type == YAML_SCALAR_NODE) {
    for (size_t i = 0; i < 3; i++) {
      if (!strcasecmp(sval(n), T[i])) { *out = true; return 0; }
      if (!strcasecmp(sval(n), F[i])) { *out = false; return 0; }
    }
  }
  return fail(c, n, "'%s' must be true or false", key);
}

/* True if s spells NaN or an infinity (YAML .nan/.inf or C nan/inf/infinity, any sign/case). */
static bool spells_nonfinite(const char *s) {
  if (*s == '-' || *s == '+') s++;
  if (*s == '.') s++;
  return !strcasecmp(s, "nan") || !strcasecmp(s, "inf") || !strcasecmp(s, "infinity");
}

/* *out = a finite number from a scalar; key names the list for messages. */
static int get_number(Ctx *c, const yaml_node_t *n, const char *key, double *out) {
  if (n->type != YAML_SCALAR_NODE || is_null(n))
    return fail(c, n, "'%s' must be a number or a list of numbers", key);
  const char *s = sval(n);
  if (spells_nonfinite(s)) return fail(c, n, "'%s' must be finite, got %.*s", key, MAX_SHOWN, s);
  char *end = NULL;
  double v = strtod(s, &end);
  if (end == s || *end || (*s != '-' && *s != '+' && *s != '.' && (*s < '0' || *s > '9')))
    return fail(c, n, "'%s' must be a number or a list of numbers", key);
  if (!isfinite(v)) return fail(c, n, "'%s' must be finite, got %.*s", key, MAX_SHOWN, s);
  *out = v;
  return 0;
}

/* ---- key checks -------------------------------------------------------------------------- */

/* Levenshtein distance of a and b, case-insensitive; both shorter than 64 bytes. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t sub = diag + ((a[i - 1] | 32) != (b[j - 1] | 32));
      size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
      row[j] = sub < best ? sub : best;
      diag = up;
    }
  }
  return row[lb];
}

/* The known key closest to key (within 2 edits and a third of its length), or NULL. */
static const char *suggest(const char *key, const char *const *known) {
  if (strlen(key) >= 64) return NULL;
  const char *best = NULL;
  size_t best_d = 3;
  for (size_t i = 0; known[i]; i++) {
    size_t d = edit_distance(key, known[i]);
    if (d < best_d && 3 * d <= strlen(known[i])) {
      best = known[i];
      best_d = d;
    }
  }
  return best;
}

static bool in_list(const char *key, const char *const *list) {
  for (size_t i = 0; list[i]; i++)
    if (!strcmp(key, list[i])) return true;
  return false;
}

/* Error for an unknown key of a mapping whose known keys are `known`. */
static int unknown_key(Ctx *c, const yaml_node_t *k, const char *const *known) {
  const char *key = sval(k);
  const char *s = suggest(key, known);
  if (s) return fail(c, k, "unknown key '%.*s' (did you mean '%s'?)", MAX_SHOWN, key, s);
  if (known == INPUT_KEYS && in_list(key, MODEL_KEYS))
    return fail(c, k, "unknown key '%s' (it belongs to the model, not to an input)", key);
  if (known == DEFAULTS_KEYS && in_list(key, MODEL_KEYS))
    return fail(c, k, "unknown key '%s' (it belongs to a model, not to defaults)", key);
  return fail(c, k, "unknown key '%.*s'", MAX_SHOWN, key);
}

/* Checks that map is a mapping whose keys are known strings, each given once. Stops at the
 * first bad key, so the duplicate scan is bounded by the number of known keys. */
static int check_keys(Ctx *c, const yaml_node_t *map, const char *const *known) {
  yaml_node_pair_t *start = map->data.mapping.pairs.start, *top = map->data.mapping.pairs.top;
  for (yaml_node_pair_t *p = start; p < top; p++) {
    yaml_node_t *k = node_at(c, p->key);
    if (k->type != YAML_SCALAR_NODE || is_null(k) || strlen(sval(k)) != k->data.scalar.length)
      return fail(c, k, "mapping keys must be strings");
    if (!in_list(sval(k), known)) return unknown_key(c, k, known);
    for (yaml_node_pair_t *q = start; q < p; q++) {
      yaml_node_t *k0 = node_at(c, q->key);
      if (!strcmp(sval(k0), sval(k)))
        return fail(c, k, "duplicate key '%s' (first at line %d)", sval(k), node_line(k0));
    }
  }
  return 0;
}

/* The value of key in map (keys already checked to be scalars), or NULL. */
static yaml_node_t *find(Ctx *c, const yaml_node_t *map, const char *key) {
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(c, p->key);
    if (k->type == YAML_SCALAR_NODE && !strcmp(sval(k), key)) return node_at(c, p->value);
  }
  return NULL;
}

/* ---- option values ----------------------------------------------------------------------- */

/* s[0..n) without surrounding blanks. */
static void trim(const char **s, size_t *n) {
  while (*n && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

/* layout: "NCHW" or "NCHW->NHWC" (model layout -> frame layout), any case. */
static int parse_layout(Ctx *c, const yaml_node_t *n, InOpts *o) {
  const char *s;
  if (get_str(c, n, "layout", &s) < 0) return -1;
  const char *arrow = strstr(s, "->");
  const char *a = s, *b = arrow ? arrow + 2 : s;
  size_t na = arrow ? (size_t)(arrow - s) : strlen(s), nb = strlen(b);
  trim(&a, &na);
  trim(&b, &nb);
  Layout la = layout_parse(a, na), lb = layout_parse(b, nb);
  if (!la || !lb)
    return fail(c, n, "unknown layout '%.*s' (expected NCHW, NHWC, CHW, HWC, NC or C, "
                      "optionally MODEL->FRAME such as NCHW->NHWC)", MAX_SHOWN, s);
  if (layout_rank(la) != layout_rank(lb))
    return fail(c, n, "layout '%.*s': both sides of '->' must have the same dims", MAX_SHOWN, s);
  o->layout = la;
  o->frame_layout = lb;
  o->layout_line = node_line(n);
  return 0;
}

/* A precision value for key; allowed is a bit mask of (1 << Precision). */
static int parse_precision(Ctx *c, const yaml_node_t *n, const char *key, unsigned allowed,
                           Precision *out) {
  const char *s;
  if (get_str(c, n, key, &s) < 0) return -1;
  for (size_t i = 0; i < sizeof PREC_SPELLINGS / sizeof PREC_SPELLINGS[0]; i++) {
    if (strcasecmp(s, PREC_SPELLINGS[i].text) || !(allowed & 1u << PREC_SPELLINGS[i].p)) continue;
    *out = PREC_SPELLINGS[i].p;
    return 0;
  }
  return fail(c, n, "unknown %s '%.*s' (expected %s)", key, MAX_SHOWN, s,
              allowed & 1u << PREC_U8 ? "U8, FP16 or FP32" : "FP16 or FP32");
}

/* mean_values / scale_values: one number or a list of 1..8 numbers (scale: all > 0). */
static int parse_values(Ctx *c, const yaml_node_t *n, const char *key, bool positive,
                        double *out, int *count, int *line) {
  size_t len = 1;
  if (n->type == YAML_MAPPING_NODE)
    return fail(c, n, "'%s' must be a number or a list of numbers", key);
  if (n->type == YAML_SEQUENCE_NODE) {
    len = seq_len(n);
    if (len == 0) return fail(c, n, "'%s' must not be empty", key);
    if (len > MANIFEST_MAX_DIMS)
      return fail(c, n, "'%s' has %zu values, at most %d", key, len, MANIFEST_MAX_DIMS);
  }
  for (size_t i = 0; i < len; i++) {
    const yaml_node_t *e =
        n->type == YAML_SEQUENCE_NODE ? node_at(c, n->data.sequence.items.start[i]) : n;
    if (get_number(c, e, key, &out[i]) < 0) return -1;
    if (positive && !(out[i] > 0))
      return fail(c, e, "'%s' must be positive, got %.*s", key, MAX_SHOWN, sval(e));
  }
  *count = (int)len;
  *line = node_line(n);
  return 0;
}

/* shape: a list of 1..8 positive integers. */
static int parse_shape(Ctx *c, const yaml_node_t *n, InOpts *o) {
  if (n->type != YAML_SEQUENCE_NODE) return fail(c, n, "'shape' must be a list of integers");
  size_t len = seq_len(n);
  if (len == 0) return fail(c, n, "'shape' must not be empty");
  if (len > MANIFEST_MAX_DIMS)
    return fail(c, n, "'shape' has %zu dims, at most %d", len, MANIFEST_MAX_DIMS);
  for (size_t i = 0; i < len; i++) {
    const yaml_node_t *e = node_at(c, n->data.sequence.items.start[i]);
    long long v;
    if (e->type != YAML_SCALAR_NODE || !parse_ll(sval(e), &v))
      return fail(c, e, "'shape' must be a list of integers");
    if (v <= 0) return fail(c, e, "'shape' dims must be positive, got %lld", v);
    if (v > INT32_MAX) return fail(c, e, "'shape' dim %lld is too large", v);
    o->shape[i] = v;
  }
  o->rank = (int)len;
  o->shape_line = node_line(n);
  return 0;
}

/* shaves / cmx_slices: an integer in 1..16. */
static int parse_count16(Ctx *c, const yaml_node_t *n, const char *key, int *out, int *line) {
  long long v;
  if (get_int(c, n, key, &v) < 0) return -1;
  if (v < 1 || v > 16) return fail(c, n, "'%s' must be between 1 and 16, got %lld", key, v);
  *out = (int)v;
  *line = node_line(n);
  return 0;
}

static int parse_openvino(Ctx *c, const yaml_node_t *n, const char **out) {
  const char *s;
  if (get_str(c, n, "openvino", &s) < 0) return -1;
  for (size_t i = 0; i < sizeof OPENVINO_VERSIONS / sizeof OPENVINO_VERSIONS[0]; i++) {
    if (strcmp(s, OPENVINO_VERSIONS[i])) continue;
    *out = OPENVINO_VERSIONS[i];
    return 0;
  }
  return fail(c, n, "unknown openvino version '%.*s' (expected 2021.4 or 2022.1)", MAX_SHOWN, s);
}

/* Parses one per-input key into o. Returns 1 if key is a per-input key, 0 if not, -1 on error. */
static int parse_input_opt(Ctx *c, const char *key, const yaml_node_t *v, InOpts *o) {
  int rc = 1;
  if (!strcmp(key, "layout")) {
    if (parse_layout(c, v, o) < 0) rc = -1;
  } else if (!strcmp(key, "mean_values")) {
    if (parse_values(c, v, key, false, o->mean, &o->n_mean, &o->mean_line) < 0) rc = -1;
  } else if (!strcmp(key, "scale_values")) {
    if (parse_values(c, v, key, true, o->scale, &o->n_scale, &o->scale_line) < 0) rc = -1;
  } else if (!strcmp(key, "reverse_input_channels")) {
    if (get_bool(c, v, key, &o->reverse) < 0) rc = -1;
    o->reverse_line = node_line(v);
  } else if (!strcmp(key, "precision")) {
    unsigned all = 1u << PREC_U8 | 1u << PREC_FP16 | 1u << PREC_FP32;
    if (parse_precision(c, v, key, all, &o->precision) < 0) rc = -1;
    o->precision_line = node_line(v);
  } else if (!strcmp(key, "shape")) {
    if (parse_shape(c, v, o) < 0) rc = -1;
  } else {
    rc = 0;
  }
  return rc;
}

/* Parses one model-level or per-input key into o. Returns 1 if handled, 0 if not, -1 on error. */
static int parse_opt(Ctx *c, const char *key, const yaml_node_t *v, Opts *o) {
  const unsigned floats = 1u << PREC_FP16 | 1u << PREC_FP32;
  if (!strcmp(key, "data_type")) return parse_precision(c, v, key, floats, &o->data_type) < 0 ? -1 : 1;
  if (!strcmp(key, "output_precision"))
    return parse_precision(c, v, key, floats, &o->output_precision) < 0 ? -1 : 1;
  if (!strcmp(key, "shaves")) return parse_count16(c, v, key, &o->shaves, &o->shaves_line) < 0 ? -1 : 1;
  if (!strcmp(key, "cmx_slices"))
    return parse_count16(c, v, key, &o->cmx_slices, &o->cmx_line) < 0 ? -1 : 1;
  if (!strcmp(key, "openvino")) return parse_openvino(c, v, &o->openvino) < 0 ? -1 : 1;
  if (!strcmp(key, "superblob")) {
    bool b = false;
    if (get_bool(c, v, key, &b) < 0) return -1;
    o->superblob = b ? 2 : 1;
    return 1;
  }
  if (!strcmp(key, "hw")) {
    const char *s;
    if (get_str(c, v, key, &s) < 0) return -1;
    if (strcmp(s, "auto") && strcmp(s, "off")) return fail(c, v, "'hw' is auto or off, not '%.*s'", MAX_SHOWN, s);
    o->hw = strcmp(s, "off") ? 1 : 2;
    return 1;
  }
  if (!strcmp(key, "max_model_mb")) {
    if (get_int(c, v, key, &o->max_model_mb) < 0) return -1;
    if (o->max_model_mb < 1 || o->max_model_mb > (1LL << 30))
      return fail(c, v, "'max_model_mb' must be between 1 and %lld, got %lld", 1LL << 30, o->max_model_mb);
    return 1;
  }
  return parse_input_opt(c, key, v, &o->in);
}

/* Parses every option of map (keys already checked) into o, in document order. Keys in skip
 * (may be NULL) are left to the caller. */
static int parse_opts(Ctx *c, const yaml_node_t *map, const char *const *skip, Opts *o) {
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = node_at(c, p->key);
    if (skip && in_list(sval(k), skip)) continue;
    int rc = parse_opt(c, sval(k), node_at(c, p->value), o);
    if (rc < 0) return -1;
    if (rc == 0) UNREACHABLE(); /* check_keys let through a key nobody parses */
    if (!o->shorthand && in_list(sval(k), INPUT_KEYS)) o->shorthand = k;
  }
  return 0;
}

/* ---- resolution -------------------------------------------------------------------------- */

/* dst = dst overridden by every field src sets. */
static void in_overlay(InOpts *dst, const InOpts *src) {
  if (src->layout_line) {
    dst->layout = src->layout;
    dst->frame_layout = src->frame_layout;
    dst->layout_line = src->layout_line;
  }
  if (src->mean_line) {
    dst->n_mean = src->n_mean;
    memcpy(dst->mean, src->mean, sizeof dst->mean);
    dst->mean_line = src->mean_line;
  }
  if (src->scale_line) {
    dst->n_scale = src->n_scale;
    memcpy(dst->scale, src->scale, sizeof dst->scale);
    dst->scale_line = src->scale_line;
  }
  if (src->reverse_line) {
    dst->reverse = src->reverse;
    dst->reverse_line = src->reverse_line;
  }
  if (src->precision_line) {
    dst->precision = src->precision;
    dst->precision_line = src->precision_line;
  }
  if (src->shape_line) {
    dst->rank = src->rank;
    memcpy(dst->shape, src->shape, sizeof dst->shape);
    dst->shape_line = src->shape_line;
  }
}

/* Checks mean/scale length against the channel count that shape + layout give. */
static int check_channels(Ctx *c, const InOpts *o) {
  if (!o->shape_line || !o->layout_line) return 0;
  if (layout_rank(o->layout) != o->rank)
    return fail_at(c, o->layout_line, "layout '%s' has %d dims but 'shape' has %d",
                   layout_name(o->layout), layout_rank(o->layout), o->rank);
  int64_t ch = o->shape[layout_channel_axis(o->layout)];
  if (o->n_mean > 1 && o->n_mean != ch)
    return fail_at(c, o->mean_line, "'mean_values' has %d values but the input has %lld channels",
                   o->n_mean, (long long)ch);
  if (o->n_scale > 1 && o->n_scale != ch)
    return fail_at(c, o->scale_line, "'scale_values' has %d values but the input has %lld channels",
                   o->n_scale, (long long)ch);
  if (o->reverse && ch != 3)
    return fail_at(c, o->reverse_line, "'reverse_input_channels' needs 3 channels, the input has %lld",
                   (long long)ch);
  return 0;
}

/* Fills out from the resolved settings o. */
static int finish_input(Ctx *c, const InOpts *o, const char *name, int line, ManifestInput *out) {
  if (check_channels(c, o) < 0) return -1;
  out->name = name;
  out->line = line;
  out->has_shape = o->shape_line != 0;
  out->rank = o->rank;
  memcpy(out->shape, o->shape, sizeof out->shape);
  out->layout = o->layout;
  out->frame_layout = o->frame_layout;
  out->n_mean = o->n_mean;
  memcpy(out->mean, o->mean, sizeof out->mean);
  out->n_scale = o->n_scale;
  memcpy(out->scale, o->scale, sizeof out->scale);
  out->reverse_input_channels = o->reverse;
  out->precision = o->precision; /* PREC_DEFAULT: the compiler picks U8 for camera frames */
  out->shape_line = o->shape_line;
  out->layout_line = o->layout_line;
  out->mean_line = o->mean_line;
  out->scale_line = o->scale_line;
  out->reverse_line = o->reverse_line;
  out->precision_line = o->precision_line;
  return 0;
}

/* Model-level values of defaults d overridden by model o, with the defaults of the schema. */
static int finish_model(Ctx *c, const Opts *d, const Opts *o, ManifestModel *mm) {
  mm->data_type = o->data_type ? o->data_type : d->data_type ? d->data_type : PREC_FP16;
  mm->output_precision = o->output_precision   ? o->output_precision
                         : d->output_precision ? d->output_precision
                                               : PREC_FP16;
  mm->openvino = o->openvino ? o->openvino : d->openvino ? d->openvino : DEFAULT_OPENVINO;
  mm->shaves = o->shaves ? o->shaves : d->shaves ? d->shaves : DEFAULT_SHAVES;
  mm->superblob = (o->superblob ? o->superblob : d->superblob) == 2;
  mm->hw_off = (o->hw ? o->hw : d->hw) == 2;
  mm->max_model_mb = o->max_model_mb ? o->max_model_mb : d->max_model_mb;
  int cmx_line = o->cmx_slices ? o->cmx_line : d->cmx_line;
  mm->cmx_slices = o->cmx_slices ? o->cmx_slices : d->cmx_slices ? d->cmx_slices : mm->shaves;
  if (cmx_line && mm->cmx_slices < mm->shaves)
    return fail_at(c, cmx_line, "'cmx_slices' (%d) must not be less than 'shaves' (%d)",
                   mm->cmx_slices, mm->shaves);
  return 0;
}

/* ---- models ------------------------------------------------------------------------------ */

/* True if s is a safe file name: [A-Za-z0-9._-], not starting with '.', 1..100 bytes. */
static bool name_is_safe(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > MANIFEST_MAX_NAME || s[0] == '.') return false;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

/* source: required, resolved against the manifest folder, must be an existing regular file. */
static int parse_source(Ctx *c, const yaml_node_t *n, ManifestModel *mm) {
  const char *s;
  if (get_str(c, n, "source", &s) < 0) return -1;
  if (!*s) return fail(c, n, "'source' must not be empty");
  mm->source_raw = arena_strdup(c->a, s);
  mm->source = s[0] == '/' ? mm->source_raw : arena_printf(c->a, "%s%s", c->dir, s);
  mm->source_line = node_line(n);
  struct stat st;
  if (stat(mm->source, &st) != 0) {
    int e = errno;
    if (e != ENOENT && e != ENOTDIR) {
      char buf[128];
      return fail(c, n, "cannot access source file '%.*s': %s", MAX_SHOWN, s,
                  strerror_r(e, buf, sizeof buf));
    }
    if (strcmp(mm->source, s))
      return fail(c, n, "source file '%.*s' not found (looked for '%s')", MAX_SHOWN, s, mm->source);
    return fail(c, n, "source file '%.*s' not found", MAX_SHOWN, s);
  }
  if (!S_ISREG(st.st_mode)) return fail(c, n, "source '%.*s' is not a regular file", MAX_SHOWN, s);
  return 0;
}

/* One entry of `inputs`: its name (may be NULL) and its own settings. */
typedef struct {
  const char *name;
  int line;
  InOpts in;
} RawInput;

static int parse_input_entry(Ctx *c, const yaml_node_t *n, RawInput *out) {
  if (n->type != YAML_MAPPING_NODE) return fail(c, n, "each entry of 'inputs' must be a mapping");
  if (check_keys(c, n, INPUT_KEYS) < 0) return -1;
  out->line = node_line(n);
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    const char *key = sval(node_at(c, p->key));
    const yaml_node_t *v = node_at(c, p->value);
    if (!strcmp(key, "name")) {
      const char *s;
      if (get_str(c, v, key, &s) < 0) return -1;
      if (!*s) return fail(c, v, "'name' must not be empty");
      out->name = arena_strdup(c->a, s);
    } else if (parse_input_opt(c, key, v, &out->in) < 0) {
      return -1;
    }
  }
  return 0;
}

/* inputs: a non-empty list of input entries with distinct names (required when > 1 entry). */
static int parse_inputs(Ctx *c, const yaml_node_t *n, RawInput **out, int *count) {
  size_t len = n->type == YAML_SEQUENCE_NODE ? seq_len(n) : 0;
  if (n->type != YAML_SEQUENCE_NODE && !is_null(n)) return fail(c, n, "'inputs' must be a list");
  if (len == 0) return fail(c, n, "'inputs' must not be empty");
  if (len > MAX_INPUTS) return fail(c, n, "'inputs' has %zu entries, at most %d", len, MAX_INPUTS);
  RawInput *r = arena_array(c->a, len, sizeof *r);
  for (size_t i = 0; i < len; i++) {
    const yaml_node_t *e = node_at(c, n->data.sequence.items.start[i]);
    if (parse_input_entry(c, e, &r[i]) < 0) return -1;
    if (!r[i].name && len > 1) return fail(c, e, "missing key 'name'");
    for (size_t j = 0; j < i; j++)
      if (!strcmp(r[j].name, r[i].name))
        return fail_at(c, r[i].line, "duplicate input name '%s' (first at line %d)", r[i].name,
                       r[j].line);
  }
  *out = r;
  *count = (int)len;
  return 0;
}

/* The model's name: required, a string, a safe file name. Sets c->model. */
static int parse_model_name(Ctx *c, const yaml_node_t *map, ManifestModel *mm) {
  const yaml_node_t *n = find(c, map, "name");
  if (!n) return 0; /* reported as a missing key after the key check */
  const char *s;
  if (get_str(c, n, "name", &s) < 0) return -1;
  if (!name_is_safe(s))
    return fail(c, n, "model name '%.*s' is not a safe file name (use letters, digits, '.', '_', "
                      "'-', not starting with '.', at most 100 characters)", MAX_SHOWN, s);
  mm->name = arena_strdup(c->a, s);
  c->model = mm->name;
  return 0;
}

static int parse_model(Ctx *c, const yaml_node_t *map, const Opts *defs, ManifestModel *mm) {
  static const char *const SPECIAL[] = {"name", "source", "inputs", NULL};
  c->model = NULL;
  if (map->type != YAML_MAPPING_NODE) return fail(c, map, "each entry of 'models' must be a mapping");
  mm->line = node_line(map);
  if (parse_model_name(c, map, mm) < 0 || check_keys(c, map, MODEL_KEYS) < 0) return -1;
  if (!mm->name) return fail(c, map, "missing key 'name'");
  const yaml_node_t *src = find(c, map, "source"), *inputs = find(c, map, "inputs");
  if (!src) return fail(c, map, "missing key 'source'");
  if (parse_source(c, src, mm) < 0) return -1;
  Opts o = {0};
  if (parse_opts(c, map, SPECIAL, &o) < 0 || finish_model(c, defs, &o, mm) < 0) return -1;
  if (!inputs) {
    InOpts in = defs->in;
    in_overlay(&in, &o.in);
    mm->n_inputs = 1;
    mm->inputs = arena_array(c->a, 1, sizeof *mm->inputs);
    return finish_input(c, &in, NULL, mm->line, &mm->inputs[0]);
  }
  if (o.shorthand)
    return fail(c, o.shorthand, "'%s' cannot be given beside 'inputs': put it in an input entry",
                sval(o.shorthand));
  RawInput *raw = NULL;
  if (parse_inputs(c, inputs, &raw, &mm->n_inputs) < 0) return -1;
  mm->inputs = arena_array(c->a, (size_t)mm->n_inputs, sizeof *mm->inputs);
  for (int i = 0; i < mm->n_inputs; i++) {
    InOpts in = defs->in;
    in_overlay(&in, &raw[i].in);
    if (finish_input(c, &in, raw[i].name, raw[i].line, &mm->inputs[i]) < 0) return -1;
  }
  return 0;
}

/* FNV-1a of a string. */
static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* Fails on the first model whose name an earlier model already has (a hash set, since a
 * manifest may list many models). */
static int check_unique_names(Ctx *c, const yaml_node_t *seq, ManifestModel *models, int n) {
  size_t cap = 16;
  while (cap < 2 * (size_t)n) cap *= 2;
  int *slot = arena_array(c->a, cap, sizeof *slot); /* model index + 1; 0 = empty */
  for (int i = 0; i < n; i++) {
    size_t h = (size_t)hash_str(models[i].name) & (cap - 1);
    for (; slot[h]; h = (h + 1) & (cap - 1)) {
      const ManifestModel *first = &models[slot[h] - 1];
      if (strcmp(first->name, models[i].name)) continue;
      const yaml_node_t *map = node_at(c, seq->data.sequence.items.start[i]);
      c->model = models[i].name;
      return fail(c, find(c, map, "name"), "duplicate model name '%s' (first at line %d)",
                  models[i].name, first->line);
    }
    slot[h] = i + 1;
  }
  return 0;
}

/* ---- document ---------------------------------------------------------------------------- */

static int parse_version(Ctx *c, const yaml_node_t *root, int *out) {
  const yaml_node_t *n = find(c, root, "version");
  if (!n) return fail(c, root, "missing key 'version'");
  long long v;
  if (get_int(c, n, "version", &v) < 0) return -1;
  if (v != 1) return fail(c, n, "unsupported manifest version %lld (expected 1)", v);
  *out = 1;
  return 0;
}

static int parse_defaults(Ctx *c, const yaml_node_t *root, Opts *d) {
  const yaml_node_t *n = find(c, root, "defaults");
  if (!n || is_null(n)) return 0;
  if (n->type != YAML_MAPPING_NODE) return fail(c, n, "'defaults' must be a mapping");
  if (check_keys(c, n, DEFAULTS_KEYS) < 0) return -1;
  return parse_opts(c, n, NULL, d);
}

static int parse_models(Ctx *c, const yaml_node_t *root, const Opts *d, Manifest *m) {
  const yaml_node_t *n = find(c, root, "models");
  if (!n) return fail(c, root, "missing key 'models'");
  if (n->type != YAML_SEQUENCE_NODE && !is_null(n)) return fail(c, n, "'models' must be a list");
  size_t len = n->type == YAML_SEQUENCE_NODE ? seq_len(n) : 0;
  if (len == 0) return fail(c, n, "'models' must not be empty");
  if (len > 0x7fffffff / 2) return fail(c, n, "too many models");
  m->models = arena_array(c->a, len, sizeof *m->models);
  for (size_t i = 0; i < len; i++)
    if (parse_model(c, node_at(c, n->data.sequence.items.start[i]), d, &m->models[i]) < 0) return -1;
  m->n_models = (int)len;
  c->model = NULL;
  return check_unique_names(c, n, m->models, m->n_models);
}

static int parse_root(Ctx *c, Manifest *m) {
  const yaml_node_t *root = yaml_document_get_root_node(c->doc);
  if (!root || is_null(root)) return fail_at(c, root ? node_line(root) : 1, "manifest is empty");
  if (root->type != YAML_MAPPING_NODE)
    return fail(c, root, "manifest must be a mapping with keys 'version' and 'models'");
  if (check_keys(c, root, ROOT_KEYS) < 0 || parse_version(c, root, &m->version) < 0) return -1;
  Opts d = {0};
  if (parse_defaults(c, root, &d) < 0) return -1;
  return parse_models(c, root, &d, m);
}

/* ---- libyaml ----------------------------------------------------------------------------- */

/* The error of a failed libyaml parser: syntax errors at libyaml's line with its problem text. */
static int yaml_fail(Ctx *c, const yaml_parser_t *p, const char *text, size_t len) {
  const char *problem = p->problem ? p->problem : "unknown error";
  switch (p->error) {
  case YAML_MEMORY_ERROR:
    err_where(c->err, c->path, 0, "", "");
    return err_set(c->err, ERR_OOM, "out of memory while parsing yaml");
  case YAML_READER_ERROR: {
    int line = 1;
    for (size_t i = 0; i < p->problem_offset && i < len; i++) line += text[i] == '\n';
    return fail_at(c, line, "invalid yaml: %s", problem);
  }
  default:
    if (p->context)
      return fail_at(c, (int)p->problem_mark.line + 1, "yaml syntax error: %s (%s at line %d)",
                     problem, p->context, (int)p->context_mark.line + 1);
    return fail_at(c, (int)p->problem_mark.line + 1, "yaml syntax error: %s", problem);
  }
}

static int no_parser(Ctx *c) {
  err_where(c->err, c->path, 0, "", "");
  return err_set(c->err, ERR_OOM, "cannot create yaml parser");
}

/* Event pass before loading: syntax errors, aliases, nesting depth, one document. */
static int prescan(Ctx *c, const char *text, size_t len) {
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) return no_parser(c);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = 0, depth = 0, docs = 0;
  bool done = false;
  while (!done && rc == 0) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      rc = yaml_fail(c, &p, text, len);
      break;
    }
    int line = (int)ev.start_mark.line + 1;
    switch (ev.type) {
    case YAML_ALIAS_EVENT: rc = fail_at(c, line, "yaml aliases are not allowed"); break;
    case YAML_DOCUMENT_START_EVENT:
      if (++docs > 1) rc = fail_at(c, line, "a manifest must hold one yaml document");
      break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      if (++depth > MANIFEST_MAX_DEPTH)
        rc = fail_at(c, line, "yaml nesting deeper than %d levels", MANIFEST_MAX_DEPTH);
      break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: depth--; break;
    case YAML_STREAM_END_EVENT: done = true; break;
    default: break;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  return rc;
}

/* Loads the document and walks it into m. */
static int load_document(Ctx *c, Manifest *m, const char *text, size_t len) {
  yaml_parser_t p;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&p)) return no_parser(c);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc;
  if (!yaml_parser_load(&p, &doc)) { /* libyaml has already freed doc */
    rc = yaml_fail(c, &p, text, len);
  } else {
    c->doc = &doc;
    rc = parse_root(c, m);
    c->doc = NULL;
    yaml_document_delete(&doc);
  }
  yaml_parser_delete(&p);
  return rc;
}

/* ---- public ------------------------------------------------------------------------------ */

int manifest_parse_str(Manifest **out, const char *text, size_t len, const char *path, Err *err) {
  if (!text) len = 0;
  if (!text) text = "";
  Arena *a = arena_new();
  Manifest *m = arena_alloc(a, sizeof *m);
  m->arena = a;
  m->path = arena_strdup(a, path ? path : "");
  const char *slash = strrchr(m->path, '/');
  Ctx c = {.a = a, .err = err, .path = m->path,
           .dir = slash ? arena_strndup(a, m->path, (size_t)(slash - m->path) + 1) : ""};
  int rc;
  if (len > MANIFEST_MAX_BYTES)
    rc = fail_at(&c, 0, "manifest is %zu bytes, over the limit of %u MiB", len,
                 MANIFEST_MAX_BYTES >> 20);
  else
    rc = prescan(&c, text, len);
  if (rc == 0) rc = load_document(&c, m, text, len);
  if (rc < 0) {
    arena_free(a);
    return -1;
  }
  *out = m;
  return 0;
}

int manifest_load(Manifest **out, const char *path, Err *err) {
  struct stat st;
  if (stat(path, &st) != 0) {
    char buf[128];
    char *why = strerror_r(errno, buf, sizeof buf);
    char low[128];
    snprintf(low, sizeof low, "%s", why);
    if (low[0] >= 'A' && low[0] <= 'Z') low[0] = (char)(low[0] + 32);
    err_where(err, path, 0, "", "");
    return err_set(err, ERR_IO, "cannot read manifest: %s", low);
  }
  if (!S_ISREG(st.st_mode)) {
    err_where(err, path, 0, "", "");
    return err_set(err, ERR_IO, "cannot read manifest: not a regular file");
  }
  if ((unsigned long long)st.st_size > MANIFEST_MAX_BYTES) {
    err_where(err, path, 0, "", "");
    return err_set(err, ERR_MANIFEST, "manifest is %lld bytes, over the limit of %u MiB",
                   (long long)st.st_size, MANIFEST_MAX_BYTES >> 20);
  }
  uint8_t *data = NULL;
  size_t len = 0;
  if (io_read_file(&data, &len, path, MANIFEST_MAX_BYTES, err) < 0) return -1;
  int rc = manifest_parse_str(out, (const char *)data, len, path, err);
  free(data);
  return rc;
}

void manifest_free(Manifest *m) {
  if (!m) return;
  arena_free(m->arena); /* m itself lives in the arena */
}

const ManifestModel *manifest_find_model(const Manifest *m, const char *name) {
  if (!m || !name) return NULL;
  for (int i = 0; i < m->n_models; i++)
    if (!strcmp(m->models[i].name, name)) return &m->models[i];
  return NULL;
}
