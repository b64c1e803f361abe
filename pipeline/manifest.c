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

#define MAX_INPUTS     256 /* per model; more is surely a mistake */
#define MAX_SHOWN      64  /* user text quoted in a message is cut to this many bytes */
#define MAX_PATH_SHOWN 300 /* a path is shown longer: cut at 64 bytes it names no file */

/* ---- keys (generated from pipeline/options.def) ------------------------------------------- */

#define KEY_MODEL(k) #k,
#define KEY_INPUT(k) #k,
#define KEY_RUN(k)
#define NOKEY(k)
static const char *const ROOT_KEYS[] = {"version", "defaults", "models", NULL};
static const char *const DEFAULTS_KEYS[] = {
#define OPT(id, key, level, ...) KEY_##level(key)
#include "options.def"
#undef OPT
    NULL};
static const char *const MODEL_KEYS[] = {"name", "source", "inputs",
#define OPT(id, key, level, ...) KEY_##level(key)
#include "options.def"
#undef OPT
                                         NULL};
#undef KEY_MODEL
#define KEY_MODEL(k)
static const char *const INPUT_KEYS[] = {"name",
#define OPT(id, key, level, ...) KEY_##level(key)
#include "options.def"
#undef OPT
                                         NULL};
#undef KEY_MODEL
#undef KEY_INPUT
#undef KEY_RUN
#undef NOKEY

/* ---- parsing state ----------------------------------------------------------------------- */

/* Options as written at one level (defaults, a model entry, an input entry); a value is set when
 * its line is nonzero. */
typedef struct {
  OptSet set;
  const yaml_node_t *shorthand; /* first per-input key written at model level, or NULL */
} Opts;

typedef struct {
  yaml_document_t *doc;
  Arena *a;
  Err *err;
  const char *path;          /* manifest path for messages, never NULL */
  const char *dir;           /* folder of path with its trailing '/', or "" */
  const char *model;         /* model name for messages, NULL outside a model */
  const ManifestOptions *mo; /* never NULL */
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
  err_where(c->err, c->path, line < 0 ? 0 : line, c->model ? c->model : "", "");
  return err_set(c->err, ERR_MANIFEST, "%s", msg);
}
#define fail(c, n, ...) fail_at((c), node_line(n), __VA_ARGS__)

static yaml_node_t *node_at(Ctx *c, yaml_node_item_t i) {
  return yaml_document_get_node(c->doc, i);
}

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

/* ---- option values (parsed by pipeline/options.c, the command line's parser too) ---------- */

/* The OptText of a YAML value node; a sequence's items are its scalars (NULL for a nested
 * collection). */
static void node_text(Ctx *c, const yaml_node_t *n, OptText *t) {
  memset(t, 0, sizeof *t);
  if (n->type == YAML_MAPPING_NODE) {
    t->is_map = true;
    return;
  }
  if (n->type == YAML_SCALAR_NODE) {
    t->text = sval(n);
    t->null = is_null(n);
    t->has_nul = strlen(sval(n)) != n->data.scalar.length;
    return;
  }
  size_t len = seq_len(n), k = len < 16 ? len : 16; /* past any list limit only the count matters */
  t->is_list = true;
  t->n = len > 0x7fffffff ? 0x7fffffff : (int)len;
  t->items = arena_array(c->a, k + 1, sizeof *t->items);
  for (size_t i = 0; i < k; i++) {
    const yaml_node_t *e = node_at(c, n->data.sequence.items.start[i]);
    t->items[i] = e->type == YAML_SCALAR_NODE && !is_null(e) ? sval(e) : NULL;
  }
}

/* Parses the value node v of option id into set (line = the node's). */
static int parse_value(Ctx *c, OptId id, const yaml_node_t *v, OptSet *set) {
  OptText t;
  OptVal val;
  char msg[400];
  int bad;
  node_text(c, v, &t);
  if (opt_value_parse(&val, id, &t, c->a, &bad, msg, sizeof msg) < 0) {
    const yaml_node_t *at = bad >= 0 && v->type == YAML_SEQUENCE_NODE && (size_t)bad < seq_len(v)
                                ? node_at(c, v->data.sequence.items.start[bad])
                                : v;
    return fail(c, at, "%s", msg);
  }
  val.line = node_line(v);
  set->v[id] = val;
  return 0;
}

/* The option a key of a defaults/model/input mapping names (keys already checked). */
static OptId key_id(const char *key) {
  OptId id = opt_by_key(key, OL_MODEL);
  return id != OPT_COUNT ? id : opt_by_key(key, OL_INPUT);
}

/* Parses every option of map (keys already checked) into o, in document order. Keys in skip
 * (may be NULL) are left to the caller. */
static int parse_opts(Ctx *c, const yaml_node_t *map, const char *const *skip, Opts *o) {
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = node_at(c, p->key);
    if (skip && in_list(sval(k), skip)) continue;
    OptId id = key_id(sval(k));
    if (id == OPT_COUNT) UNREACHABLE(); /* check_keys let through a key nobody parses */
    if (parse_value(c, id, node_at(c, p->value), &o->set) < 0) return -1;
    if (!o->shorthand && OPT_ROWS[id].level == OL_INPUT) o->shorthand = k;
  }
  return 0;
}

/* ---- resolution -------------------------------------------------------------------------- */

/* dst = dst overridden by every INPUT value src sets. */
static void in_overlay(OptSet *dst, const OptSet *src) {
  for (int id = 0; id < OPT_COUNT; id++)
    if (OPT_ROWS[id].level == OL_INPUT && src->v[id].line) dst->v[id] = src->v[id];
}

/* Checks mean/scale length against the channel count that shape + layout give. */
static int check_channels(Ctx *c, const OptSet *o) {
  const OptVal *shape = &o->v[OPT_SHAPE], *layout = &o->v[OPT_LAYOUT],
               *mean = &o->v[OPT_MEAN_VALUES], *scale = &o->v[OPT_SCALE_VALUES],
               *rev = &o->v[OPT_REVERSE_INPUT_CHANNELS];
  if (!shape->line || !layout->line) return 0;
  Layout l = layout->u.layout.model;
  if (layout_rank(l) != shape->n)
    return fail_at(c, layout->line, "layout '%s' has %d dims but 'shape' has %d", layout_name(l),
                   layout_rank(l), shape->n);
  int64_t ch = shape->u.dims[layout_channel_axis(l)];
  if (mean->line && mean->n > 1 && mean->n != ch)
    return fail_at(c, mean->line, "'mean_values' has %d values but the input has %lld channels",
                   mean->n, (long long)ch);
  if (scale->line && scale->n > 1 && scale->n != ch)
    return fail_at(c, scale->line, "'scale_values' has %d values but the input has %lld channels",
                   scale->n, (long long)ch);
  if (rev->line && rev->u.i && ch != 3)
    return fail_at(c, rev->line, "'reverse_input_channels' needs 3 channels, the input has %lld",
                   (long long)ch);
  return 0;
}

/* Fills out from the resolved settings o (INPUT values). */
static int finish_input(Ctx *c, const OptSet *o, const char *name, int line, ManifestInput *out) {
  if (check_channels(c, o) < 0) return -1;
  const OptVal *v = o->v;
  out->name = name;
  out->line = line;
  out->opt = *o;
  out->has_shape = v[OPT_SHAPE].line != 0;
  out->rank = out->has_shape ? v[OPT_SHAPE].n : 0;
  for (int d = 0; d < out->rank; d++) out->shape[d] = v[OPT_SHAPE].u.dims[d];
  if (v[OPT_LAYOUT].line) {
    out->layout = v[OPT_LAYOUT].u.layout.model;
    out->frame_layout = v[OPT_LAYOUT].u.layout.frame;
  }
  if (v[OPT_MEAN_VALUES].line) {
    out->n_mean = v[OPT_MEAN_VALUES].n;
    memcpy(out->mean, v[OPT_MEAN_VALUES].u.v, (size_t)out->n_mean * sizeof *out->mean);
  }
  if (v[OPT_SCALE_VALUES].line) {
    out->n_scale = v[OPT_SCALE_VALUES].n;
    memcpy(out->scale, v[OPT_SCALE_VALUES].u.v, (size_t)out->n_scale * sizeof *out->scale);
  }
  out->reverse_input_channels =
      v[OPT_REVERSE_INPUT_CHANNELS].line && v[OPT_REVERSE_INPUT_CHANNELS].u.i;
  /* PREC_DEFAULT when not given: the compiler picks U8 for camera frames */
  out->precision = v[OPT_PRECISION].line ? (Precision)v[OPT_PRECISION].u.i : PREC_DEFAULT;
  out->shape_line = v[OPT_SHAPE].line;
  out->layout_line = v[OPT_LAYOUT].line;
  out->mean_line = v[OPT_MEAN_VALUES].line;
  out->scale_line = v[OPT_SCALE_VALUES].line;
  out->reverse_line = v[OPT_REVERSE_INPUT_CHANNELS].line;
  out->precision_line = v[OPT_PRECISION].line;
  return 0;
}

/* Model-level values: the command line's overrides, else the model's o, else defaults d, else
 * the table's default. */
static int finish_model(Ctx *c, const OptSet *d, const OptSet *o, ManifestModel *mm) {
  const OptSet *ov = c->mo->overrides;
  OptSet *r = &mm->opt;
  for (int id = 0; id < OPT_COUNT; id++) {
    if (OPT_ROWS[id].level != OL_MODEL) continue;
    if (ov && ov->v[id].line)
      r->v[id] = ov->v[id];
    else if (o->v[id].line)
      r->v[id] = o->v[id];
    else if (d->v[id].line)
      r->v[id] = d->v[id];
    else
      opt_default(&r->v[id], (OptId)id, c->a);
  }
  if (!r->v[OPT_CMX_SLICES].line) { /* blobconverter's rule: as many CMX slices as SHAVEs */
    r->v[OPT_CMX_SLICES] = r->v[OPT_SHAVES];
    r->v[OPT_CMX_SLICES].line = OPT_LINE_DEFAULT;
  } else if (r->v[OPT_CMX_SLICES].u.i < r->v[OPT_SHAVES].u.i) {
    return fail_at(c, r->v[OPT_CMX_SLICES].line,
                   "'cmx_slices' (%lld) must not be less than 'shaves' (%lld)",
                   r->v[OPT_CMX_SLICES].u.i, r->v[OPT_SHAVES].u.i);
  }
  mm->data_type = (Precision)r->v[OPT_DATA_TYPE].u.i;
  mm->output_precision = (Precision)r->v[OPT_OUTPUT_PRECISION].u.i;
  mm->openvino = r->v[OPT_OPENVINO].u.s;
  mm->shaves = (int)r->v[OPT_SHAVES].u.i;
  mm->cmx_slices = (int)r->v[OPT_CMX_SLICES].u.i;
  mm->superblob = r->v[OPT_SUPERBLOB].u.i != 0;
  mm->hw_off = r->v[OPT_HW].u.s && !strcasecmp(r->v[OPT_HW].u.s, "off");
  mm->max_model_mb =
      r->v[OPT_MAX_MODEL_MB].line ? r->v[OPT_MAX_MODEL_MB].u.i : 0; /* 0: the machine's share */
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
    char msg[sizeof c->err->msg];
    if (strcmp(mm->source, s))
      snprintf(msg, sizeof msg, "source file '%.*s' not found (looked for '%.*s')", MAX_SHOWN, s,
               MAX_PATH_SHOWN, mm->source);
    else
      snprintf(msg, sizeof msg, "source file '%.*s' not found", MAX_PATH_SHOWN, s);
    if (c->mo->defer_missing_source) { /* the model's error: the others still build */
      mm->missing = arena_strdup(c->a, msg);
      return 0;
    }
    return fail(c, n, "%s", msg);
  }
  if (!S_ISREG(st.st_mode)) return fail(c, n, "source '%.*s' is not a regular file", MAX_SHOWN, s);
  return 0;
}

/* One entry of `inputs`: its name (may be NULL) and its own settings. */
typedef struct {
  const char *name;
  int line;
  OptSet in;
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
    } else if (parse_value(c, opt_by_key(key, OL_INPUT), v, &out->in) < 0) {
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
    return fail(c, n,
                "model name '%.*s' is not a safe file name (use letters, digits, '.', '_', "
                "'-', not starting with '.', at most 100 characters)",
                MAX_SHOWN, s);
  mm->name = arena_strdup(c->a, s);
  c->model = mm->name;
  return 0;
}

static int parse_model(Ctx *c, const yaml_node_t *map, const OptSet *defs, ManifestModel *mm) {
  static const char *const SPECIAL[] = {"name", "source", "inputs", NULL};
  c->model = NULL;
  if (map->type != YAML_MAPPING_NODE)
    return fail(c, map, "each entry of 'models' must be a mapping");
  mm->line = node_line(map);
  if (parse_model_name(c, map, mm) < 0 || check_keys(c, map, MODEL_KEYS) < 0) return -1;
  if (!mm->name) return fail(c, map, "missing key 'name'");
  const yaml_node_t *src = find(c, map, "source"), *inputs = find(c, map, "inputs");
  if (!src) return fail(c, map, "missing key 'source'");
  if (parse_source(c, src, mm) < 0) return -1;
  Opts *o = arena_alloc(c->a, sizeof *o); /* big: not on the stack */
  if (parse_opts(c, map, SPECIAL, o) < 0 || finish_model(c, defs, &o->set, mm) < 0) return -1;
  OptSet *in = arena_alloc(c->a, sizeof *in);
  if (!inputs) {
    *in = *defs;
    in_overlay(in, &o->set);
    mm->n_inputs = 1;
    mm->inputs = arena_array(c->a, 1, sizeof *mm->inputs);
    return finish_input(c, in, NULL, mm->line, &mm->inputs[0]);
  }
  if (o->shorthand)
    return fail(c, o->shorthand, "'%s' cannot be given beside 'inputs': put it in an input entry",
                sval(o->shorthand));
  RawInput *raw = NULL;
  if (parse_inputs(c, inputs, &raw, &mm->n_inputs) < 0) return -1;
  mm->inputs = arena_array(c->a, (size_t)mm->n_inputs, sizeof *mm->inputs);
  for (int i = 0; i < mm->n_inputs; i++) {
    *in = *defs;
    in_overlay(in, &raw[i].in);
    if (finish_input(c, in, raw[i].name, raw[i].line, &mm->inputs[i]) < 0) return -1;
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
  long long v = 0;
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

static int parse_models(Ctx *c, const yaml_node_t *root, const OptSet *d, Manifest *m) {
  const yaml_node_t *n = find(c, root, "models");
  if (!n) return fail(c, root, "missing key 'models'");
  if (n->type != YAML_SEQUENCE_NODE && !is_null(n)) return fail(c, n, "'models' must be a list");
  size_t len = n->type == YAML_SEQUENCE_NODE ? seq_len(n) : 0;
  if (len == 0) return fail(c, n, "'models' must not be empty");
  if (len > 0x7fffffff / 2) return fail(c, n, "too many models");
  m->models = arena_array(c->a, len, sizeof *m->models);
  for (size_t i = 0; i < len; i++)
    if (parse_model(c, node_at(c, n->data.sequence.items.start[i]), d, &m->models[i]) < 0)
      return -1;
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
  Opts *d = arena_alloc(c->a, sizeof *d);
  if (parse_defaults(c, root, d) < 0) return -1;
  return parse_models(c, root, &d->set, m);
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

static const ManifestOptions NO_OPTIONS = {0};

int manifest_parse_str(Manifest **out, const char *text, size_t len, const char *path, Err *err) {
  return manifest_parse_opts(out, text, len, path, NULL, err);
}

int manifest_parse_opts(Manifest **out, const char *text, size_t len, const char *path,
                        const ManifestOptions *mo, Err *err) {
  if (!text) len = 0;
  if (!text) text = "";
  Arena *a = arena_new();
  Manifest *m = arena_alloc(a, sizeof *m);
  m->arena = a;
  m->path = arena_strdup(a, path ? path : "");
  const char *slash = strrchr(m->path, '/');
  Ctx c = {.a = a,
           .err = err,
           .path = m->path,
           .mo = mo ? mo : &NO_OPTIONS,
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
  return manifest_load_opts(out, path, NULL, err);
}

int manifest_load_opts(Manifest **out, const char *path, const ManifestOptions *mo, Err *err) {
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
  int rc = manifest_parse_opts(out, (const char *)data, len, path, mo, err);
  free(data);
  return rc;
}

int manifest_from_args(Manifest **out, const char *source, const char *name, const OptArgs *args,
                       Err *err) {
  Arena *a = arena_new();
  Manifest *m = arena_alloc(a, sizeof *m);
  m->arena = a;
  m->path = "";
  m->version = 1;
  Ctx c = {.a = a, .err = err, .path = "", .dir = "", .mo = &NO_OPTIONS};
  ManifestModel *mm = m->models = arena_array(a, 1, sizeof *m->models);
  m->n_models = 1;
  mm->name = arena_strdup(a, name);
  mm->source = mm->source_raw = arena_strdup(a, source);
  c.model = mm->name;
  OptSet *defs = arena_alloc(a, sizeof *defs), *none = arena_alloc(a, sizeof *none),
         *in = arena_alloc(a, sizeof *in);
  for (int id = 0; id < OPT_COUNT; id++) {
    if (OPT_ROWS[id].level == OL_MODEL) defs->v[id] = args->model.v[id];
    if (OPT_ROWS[id].level == OL_INPUT) defs->v[id] = args->in_all.v[id];
  }
  int rc = finish_model(&c, defs, none, mm);
  mm->n_inputs = args->n_inputs ? args->n_inputs : 1;
  mm->inputs = arena_array(a, (size_t)mm->n_inputs, sizeof *mm->inputs);
  for (int i = 0; rc == 0 && i < mm->n_inputs; i++) {
    *in = *defs;
    if (args->n_inputs) in_overlay(in, &args->inputs[i].set);
    rc = finish_input(&c, in, args->n_inputs ? arena_strdup(a, args->inputs[i].name) : NULL, 0,
                      &mm->inputs[i]);
  }
  if (rc < 0) {
    err_where(err, "", 0, "", "");
    arena_free(a);
    return -1;
  }
  *out = m;
  return 0;
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
