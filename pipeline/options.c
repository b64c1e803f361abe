/* pipeline/options.c — the option table and what is generated from it (see options.h). */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LIST  8  /* VALUES / SHAPE length limit (the manifest's MANIFEST_MAX_DIMS) */
#define MAX_SHOWN 64 /* user text quoted in a message is cut to this many bytes */
#define MAX_DEPTH 4  /* --optimizer-params inside -c inside ... */

const OptRow OPT_ROWS[OPT_COUNT] = {
#define OPT(id, k, lvl, typ, ...) \
  [OPT_##id] = {.key = #k, .level = OL_##lvl, .type = OT_##typ, __VA_ARGS__},
#include "options.def"
#undef OPT
};

/* ---- small text helpers ------------------------------------------------------------------- */

static int fmt(char *msg, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
static int fmt(char *msg, size_t size, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  vsnprintf(msg, size, f, ap);
  va_end(ap);
  return -1;
}

/* The i-th space-separated word of list into buf; false past the end. */
static bool word(const char *list, int i, char *buf, size_t size) {
  const char *p = list ? list : "";
  for (int k = 0;; k++) {
    while (*p == ' ') p++;
    if (!*p) return false;
    const char *e = p;
    while (*e && *e != ' ') e++;
    if (k == i) {
      snprintf(buf, size, "%.*s", (int)(e - p), p);
      return true;
    }
    p = e;
  }
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

/* True if s spells NaN or an infinity (YAML .nan/.inf or C nan/inf/infinity, any sign/case). */
static bool spells_nonfinite(const char *s) {
  if (*s == '-' || *s == '+') s++;
  if (*s == '.') s++;
  return !strcasecmp(s, "nan") || !strcasecmp(s, "inf") || !strcasecmp(s, "infinity");
}

static const char *what(OptId id) {
  return OPT_ROWS[id].what ? OPT_ROWS[id].what : OPT_ROWS[id].key;
}

/* ---- scalar parsers (messages are the manifest's, naming the key) ------------------------- */

/* mo / compile_tool spellings, compared case-insensitively. */
static const struct {
  const char *text;
  Precision p;
} PREC_SPELLINGS[] = {
    {"u8", PREC_U8},      {"uint8", PREC_U8},     {"fp16", PREC_FP16}, {"f16", PREC_FP16},
    {"half", PREC_FP16},  {"float16", PREC_FP16}, {"fp32", PREC_FP32}, {"f32", PREC_FP32},
    {"float", PREC_FP32}, {"float32", PREC_FP32},
};

/* A string-typed value: a non-null scalar without NUL bytes. */
static int need_str(const OptText *t, OptId id, char *msg, size_t size) {
  if (!t->text || t->null || t->is_list || t->is_map)
    return fmt(msg, size, "'%s' must be a string", OPT_ROWS[id].key);
  if (t->has_nul) return fmt(msg, size, "'%s' must not contain a NUL character", OPT_ROWS[id].key);
  return 0;
}

static bool bool_word(const char *s, bool *out) {
  static const char *const T[] = {"true", "yes", "on", "1"}, *const F[] = {"false", "no", "off",
                                                                           "0"};
  for (size_t i = 0; i < 4; i++) {
    if (!strcasecmp(s, T[i])) return *out = true, true;
    if (!strcasecmp(s, F[i])) return *out = false, true;
  }
  return false;
}

static int parse_int(OptVal *o, OptId id, const OptText *t, char *msg, size_t size) {
  const OptRow *r = &OPT_ROWS[id];
  long long v;
  if (!t->text || t->is_list || t->is_map || !parse_ll(t->text, &v))
    return fmt(msg, size, "'%s' must be an integer", r->key);
  if (v < r->lo || v > r->hi)
    return fmt(msg, size, "'%s' must be between %lld and %lld, got %lld", r->key, r->lo, r->hi, v);
  o->u.i = v;
  return 0;
}

static int parse_prec(OptVal *o, OptId id, const OptText *t, char *msg, size_t size) {
  if (need_str(t, id, msg, size) < 0) return -1;
  unsigned allowed = (unsigned)OPT_ROWS[id].lo;
  for (size_t i = 0; i < sizeof PREC_SPELLINGS / sizeof PREC_SPELLINGS[0]; i++) {
    if (strcasecmp(t->text, PREC_SPELLINGS[i].text) || !(allowed & 1u << PREC_SPELLINGS[i].p))
      continue;
    o->u.i = PREC_SPELLINGS[i].p;
    return 0;
  }
  return fmt(msg, size, "unknown %s '%.*s' (expected %s)", what(id), MAX_SHOWN, t->text,
             allowed & 1u << PREC_U8 ? "U8, FP16 or FP32" : "FP16 or FP32");
}

/* "A, B or C" from a space-separated list. */
static void choice_list(char *buf, size_t size, const char *choices) {
  char w[64];
  int n = 0;
  while (word(choices, n, w, sizeof w)) n++;
  size_t k = 0;
  buf[0] = 0;
  for (int i = 0; i < n && k < size; i++) {
    word(choices, i, w, sizeof w);
    k += (size_t)snprintf(buf + k, size - k, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", w);
  }
}

static int parse_choice(OptVal *o, OptId id, const OptText *t, Arena *a, char *msg, size_t size) {
  if (need_str(t, id, msg, size) < 0) return -1;
  char w[64];
  for (int i = 0; word(OPT_ROWS[id].choices, i, w, sizeof w); i++) {
    if (strcasecmp(w, t->text)) continue;
    o->u.s = arena_strdup(a, w);
    return 0;
  }
  char list[512];
  choice_list(list, sizeof list, OPT_ROWS[id].choices);
  return fmt(msg, size, "unknown %s '%.*s' (expected %s)", what(id), MAX_SHOWN, t->text, list);
}

/* s[0..n) without surrounding blanks. */
static void trim(const char **s, size_t *n) {
  while (*n && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

/* A layout spelled "NCHW", "nchw" or mo's "[n,c,h,w]". */
static Layout layout_of(const char *s, size_t n) {
  char buf[32];
  size_t k = 0;
  trim(&s, &n);
  if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
    for (size_t i = 1; i + 1 < n && k + 1 < sizeof buf; i++)
      if (s[i] != ',' && s[i] != ' ') buf[k++] = s[i];
    return layout_parse(buf, k);
  }
  return layout_parse(s, n);
}

static int parse_layout(OptVal *o, OptId id, const OptText *t, char *msg, size_t size) {
  if (need_str(t, id, msg, size) < 0) return -1;
  const char *s = t->text, *arrow = strstr(s, "->");
  Layout la = layout_of(s, arrow ? (size_t)(arrow - s) : strlen(s));
  Layout lb = arrow ? layout_of(arrow + 2, strlen(arrow + 2)) : la;
  if (!la || !lb)
    return fmt(msg, size,
               "unknown layout '%.*s' (expected NCHW, NHWC, CHW, HWC, NC or C, optionally "
               "MODEL->FRAME such as NCHW->NHWC)",
               MAX_SHOWN, s);
  if (layout_rank(la) != layout_rank(lb))
    return fmt(msg, size, "layout '%.*s': both sides of '->' must have the same dims", MAX_SHOWN,
               s);
  o->u.layout.model = la;
  o->u.layout.frame = lb;
  return 0;
}

/* One finite number. */
static int number(double *out, OptId id, const char *s, char *msg, size_t size) {
  const char *key = OPT_ROWS[id].key;
  if (!s) return fmt(msg, size, "'%s' must be a number or a list of numbers", key);
  if (spells_nonfinite(s))
    return fmt(msg, size, "'%s' must be finite, got %.*s", key, MAX_SHOWN, s);
  char *end = NULL;
  double v = strtod(s, &end);
  if (end == s || *end || (*s != '-' && *s != '+' && *s != '.' && (*s < '0' || *s > '9')))
    return fmt(msg, size, "'%s' must be a number or a list of numbers", key);
  if (!isfinite(v)) return fmt(msg, size, "'%s' must be finite, got %.*s", key, MAX_SHOWN, s);
  *out = v;
  return 0;
}

static int parse_values(OptVal *o, OptId id, const OptText *t, Arena *a, int *bad, char *msg,
                        size_t size) {
  const char *key = OPT_ROWS[id].key;
  bool positive = OPT_ROWS[id].type == OT_POSITIVE_VALUES;
  if (t->is_map || (!t->is_list && (!t->text || t->null)))
    return fmt(msg, size, "'%s' must be a number or a list of numbers", key);
  int n = t->is_list ? t->n : 1;
  if (n == 0) return fmt(msg, size, "'%s' must not be empty", key);
  if (n > MAX_LIST) return fmt(msg, size, "'%s' has %d values, at most %d", key, n, MAX_LIST);
  double *v = arena_array(a, (size_t)n, sizeof *v);
  for (int i = 0; i < n; i++) {
    const char *s = t->is_list ? t->items[i] : t->text;
    if (t->is_list) *bad = i;
    if (number(&v[i], id, s, msg, size) < 0) return -1;
    if (positive && !(v[i] > 0))
      return fmt(msg, size, "'%s' must be positive, got %.*s", key, MAX_SHOWN, s);
  }
  *bad = -1;
  o->u.v = v;
  o->n = n;
  return 0;
}

static int parse_shape(OptVal *o, OptId id, const OptText *t, Arena *a, int *bad, char *msg,
                       size_t size) {
  const char *key = OPT_ROWS[id].key;
  if (!t->is_list) return fmt(msg, size, "'%s' must be a list of integers", key);
  if (t->n == 0) return fmt(msg, size, "'%s' must not be empty", key);
  if (t->n > MAX_LIST) return fmt(msg, size, "'%s' has %d dims, at most %d", key, t->n, MAX_LIST);
  int64_t *d = arena_array(a, (size_t)t->n, sizeof *d);
  for (int i = 0; i < t->n; i++) {
    long long v;
    *bad = i;
    if (!t->items[i] || !parse_ll(t->items[i], &v))
      return fmt(msg, size, "'%s' must be a list of integers", key);
    if (v <= 0) return fmt(msg, size, "'%s' dims must be positive, got %lld", key, v);
    if (v > INT32_MAX) return fmt(msg, size, "'%s' dim %lld is too large", key, v);
    d[i] = v;
  }
  *bad = -1;
  o->u.dims = d;
  o->n = t->n;
  return 0;
}

static int parse_shard(OptVal *o, OptId id, const OptText *t, char *msg, size_t size) {
  if (need_str(t, id, msg, size) < 0) return -1;
  const char *slash = strchr(t->text, '/');
  char a[32];
  long long i, n;
  if (!slash || (size_t)(slash - t->text) >= sizeof a) goto bad;
  snprintf(a, sizeof a, "%.*s", (int)(slash - t->text), t->text);
  if (!parse_ll(a, &i) || !parse_ll(slash + 1, &n) || n < 1 || n > 1 << 20 || i < 0 || i >= n)
    goto bad;
  o->u.i = i;
  o->n = (int)n;
  return 0;
bad:
  return fmt(msg, size, "'%s' must be I/N with 0 <= I < N, got '%.*s'", OPT_ROWS[id].key, MAX_SHOWN,
             t->text);
}

int opt_value_parse(OptVal *out, OptId id, const OptText *t, Arena *a, int *bad_item, char *msg,
                    size_t size) {
  *bad_item = -1;
  OptVal v = {0};
  int rc = 0;
  switch (OPT_ROWS[id].type) {
  case OT_BOOL: {
    bool b = false;
    if (!t->text || t->is_list || t->is_map || !bool_word(t->text, &b))
      rc = fmt(msg, size, "'%s' must be true or false", OPT_ROWS[id].key);
    v.u.i = b;
    break;
  }
  case OT_INT: rc = parse_int(&v, id, t, msg, size); break;
  case OT_PREC: rc = parse_prec(&v, id, t, msg, size); break;
  case OT_CHOICE: rc = parse_choice(&v, id, t, a, msg, size); break;
  case OT_LAYOUT: rc = parse_layout(&v, id, t, msg, size); break;
  case OT_VALUES:
  case OT_POSITIVE_VALUES: rc = parse_values(&v, id, t, a, bad_item, msg, size); break;
  case OT_SHAPE: rc = parse_shape(&v, id, t, a, bad_item, msg, size); break;
  case OT_STR:
    rc = need_str(t, id, msg, size);
    if (rc == 0) v.u.s = arena_strdup(a, t->text);
    if (rc == 0 && OPT_ROWS[id].repeat) {
      v.u.sv = arena_array(a, 1, sizeof *v.u.sv);
      v.u.sv[0] = arena_strdup(a, t->text);
      v.n = 1;
    }
    break;
  case OT_SHARD: rc = parse_shard(&v, id, t, msg, size); break;
  case OT_IGNORED: break;
  }
  if (rc < 0) return -1;
  *out = v;
  return 0;
}

/* ---- command-line list syntax ------------------------------------------------------------- */

/* Splits "[1,2,3]", "1,2,3" or "1 2 3" into items (strictly: an empty element, a missing ']' or
 * text after it is an error naming the key). */
static int split_list(OptText *t, OptId id, const char *s, Arena *a, char *msg, size_t size) {
  const char *key = OPT_ROWS[id].key;
  size_t n = strlen(s);
  trim(&s, &n);
  bool bracket = n && s[0] == '[';
  if (bracket) {
    if (n < 2 || s[n - 1] != ']')
      return fmt(msg, size, "'%s': missing ']' in '%.*s'", key, MAX_SHOWN, s);
    s++, n -= 2;
  }
  for (size_t i = 0; i < n; i++)
    if (s[i] == '[' || s[i] == ']')
      return fmt(msg, size, "'%s': unexpected '%c' in '%.*s'", key, s[i], MAX_SHOWN, s - bracket);
  t->is_list = true;
  t->items = arena_array(a, n / 2 + 2, sizeof *t->items);
  t->n = 0;
  size_t i = 0;
  trim(&s, &n);
  if (n == 0) return 0; /* "[]": empty, reported by the value parser */
  for (;;) {
    size_t j = i;
    while (j < n && s[j] != ',' && s[j] != ' ' && s[j] != '\t') j++;
    if (j == i) return fmt(msg, size, "'%s': empty value in '%.*s'", key, MAX_SHOWN, s - bracket);
    t->items[t->n++] = arena_strndup(a, s + i, j - i);
    while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
    if (j >= n) break;
    if (s[j] == ',') {
      j++;
      while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
      if (j >= n) return fmt(msg, size, "'%s': empty value in '%.*s'", key, MAX_SHOWN, s - bracket);
    }
    i = j;
  }
  return 0;
}

/* The OptText of command-line text s for option id (lists split, scalars as they are). */
static int cli_text(OptText *t, OptId id, const char *s, Arena *a, char *msg, size_t size) {
  memset(t, 0, sizeof *t);
  OptType ty = OPT_ROWS[id].type;
  if (ty == OT_VALUES || ty == OT_POSITIVE_VALUES || ty == OT_SHAPE)
    return split_list(t, id, s, a, msg, size);
  t->text = s;
  return 0;
}

/* ---- defaults, formatting, sets --------------------------------------------------------- */

bool opt_default(OptVal *out, OptId id, Arena *a) {
  const OptRow *r = &OPT_ROWS[id];
  if (!r->def || !*r->def) return false;
  OptText t;
  char msg[256];
  int bad;
  if (cli_text(&t, id, r->def, a, msg, sizeof msg) < 0 ||
      opt_value_parse(out, id, &t, a, &bad, msg, sizeof msg) < 0)
    base__assert_fail(__FILE__, __LINE__, "a default in options.def does not parse");
  out->line = OPT_LINE_DEFAULT;
  return true;
}

/* Double-quoted YAML scalar with every non-printable byte escaped (values are untrusted). */
static void yaml_str(Buf *b, const char *s) {
  buf_put(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\')
      buf_printf(b, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f)
      buf_printf(b, "\\x%02x", *p);
    else
      buf_put(b, p, 1);
  }
  buf_put(b, "\"", 1);
}

void opt_format(Buf *b, OptId id, const OptVal *v) {
  switch (OPT_ROWS[id].type) {
  case OT_BOOL: buf_printf(b, "%s", v->u.i ? "true" : "false"); break;
  case OT_INT: buf_printf(b, "%lld", v->u.i); break;
  case OT_PREC: buf_printf(b, "%s", precision_name((Precision)v->u.i)); break;
  case OT_CHOICE: yaml_str(b, v->u.s); break;
  case OT_LAYOUT:
    buf_printf(b, "%s", layout_name(v->u.layout.model));
    if (v->u.layout.frame != v->u.layout.model)
      buf_printf(b, "->%s", layout_name(v->u.layout.frame));
    break;
  case OT_VALUES:
  case OT_POSITIVE_VALUES:
    buf_put(b, "[", 1);
    for (int i = 0; i < v->n; i++) buf_printf(b, "%s%.17g", i ? ", " : "", v->u.v[i]);
    buf_put(b, "]", 1);
    break;
  case OT_SHAPE:
    buf_put(b, "[", 1);
    for (int i = 0; i < v->n; i++) buf_printf(b, "%s%lld", i ? ", " : "", (long long)v->u.dims[i]);
    buf_put(b, "]", 1);
    break;
  case OT_STR:
    if (!OPT_ROWS[id].repeat) {
      yaml_str(b, v->u.s);
      break;
    }
    buf_put(b, "[", 1);
    for (int i = 0; i < v->n; i++) {
      if (i) buf_put(b, ", ", 2);
      yaml_str(b, v->u.sv[i]);
    }
    buf_put(b, "]", 1);
    break;
  case OT_SHARD: buf_printf(b, "\"%lld/%d\"", v->u.i, v->n); break;
  case OT_IGNORED: buf_printf(b, "null"); break;
  }
}

void opt_put(OptSet *s, OptId id, const OptVal *v, Arena *a) {
  OptVal *d = &s->v[id];
  if (OPT_ROWS[id].type != OT_STR || !OPT_ROWS[id].repeat || !d->line) {
    *d = *v;
    return;
  }
  const char **sv = arena_array(a, (size_t)(d->n + v->n), sizeof *sv);
  memcpy(sv, d->u.sv, (size_t)d->n * sizeof *sv);
  memcpy(sv + d->n, v->u.sv, (size_t)v->n * sizeof *sv);
  d->u.sv = sv;
  d->n += v->n;
  d->line = v->line;
}

OptId opt_by_key(const char *key, OptLevel level) {
  for (int i = 0; i < OPT_COUNT; i++)
    if (OPT_ROWS[i].level == level && !strcmp(OPT_ROWS[i].key, key)) return (OptId)i;
  return OPT_COUNT;
}

/* ---- flags -------------------------------------------------------------------------------- */

/* A spelling of the table: the word with its dashes, and whether it is a switch. */
typedef struct {
  OptId id;
  char word[64]; /* "--shaves" */
  bool is_switch;
} Spelling;

/* True if word (a spelling with its ":cmds" suffix, e.g. "-v:convert") applies to cmd; the bare
 * spelling goes into out. */
static bool spelling_for(const char *w, unsigned cmd, char *out, size_t size) {
  const char *colon = strchr(w, ':');
  snprintf(out, size, "%.*s", colon ? (int)(colon - w) : (int)strlen(w), w);
  if (!colon) return true;
  for (const char *p = colon + 1; *p;) {
    const char *c = strchr(p, ',');
    size_t n = c ? (size_t)(c - p) : strlen(p);
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)n, p);
    if (opt_cmd_by_name(name) & cmd) return true;
    p += n + (c != NULL);
  }
  return false;
}

/* The body of a flag after its dashes. */
static const char *body(const char *f, int *dashes) {
  int d = 0;
  while (f[d] == '-' && d < 2) d++;
  *dashes = d;
  return f + d;
}

/* True if the typed flag (no '=value') is spelling sp: same body with '-' == '_'; a body of two
 * or more letters may be typed with one dash or two. */
static bool flag_matches(const char *typed, size_t tn, const char *sp) {
  int dt, ds;
  const char *bt = body(typed, &dt), *bs = body(sp, &ds);
  size_t nbt = tn - (size_t)dt, nbs = strlen(bs);
  if (dt == 0 || nbt != nbs || nbt == 0) return false;
  if (nbs == 1 && dt != ds) return false;
  for (size_t i = 0; i < nbt; i++) {
    char a = bt[i] == '_' ? '-' : bt[i], b = bs[i] == '_' ? '-' : bs[i];
    if (a != b) return false;
  }
  return true;
}

/* Finds the spelling of typed[0..tn) among the options of cmd. */
static bool find_flag(Spelling *out, unsigned cmd, const char *typed, size_t tn) {
  char w[64], sp[64];
  for (int id = 0; id < OPT_COUNT; id++) {
    const OptRow *r = &OPT_ROWS[id];
    if (!(r->cmds & cmd)) continue;
    for (int pass = 0; pass < 2; pass++) {
      const char *list = pass ? r->switches : r->flags;
      for (int i = 0; word(list, i, w, sizeof w); i++) {
        if (!spelling_for(w, cmd, sp, sizeof sp) || !flag_matches(typed, tn, sp)) continue;
        out->id = (OptId)id;
        snprintf(out->word, sizeof out->word, "%s", sp);
        out->is_switch = pass == 1 || r->type == OT_BOOL;
        return true;
      }
    }
  }
  return false;
}

/* Levenshtein distance of a and b with '-' == '_'; both shorter than 64 bytes. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      char x = a[i - 1] == '_' ? '-' : a[i - 1], y = b[j - 1] == '_' ? '-' : b[j - 1];
      size_t sub = diag + ((x | 32) != (y | 32));
      size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
      row[j] = sub < best ? sub : best;
      diag = up;
    }
  }
  return row[lb];
}

/* The spelling of cmd closest to typed (within 2 edits and a third of its length), or "". */
static void suggest_flag(char *out, size_t size, unsigned cmd, const char *typed, size_t tn) {
  char t[64], w[64], sp[64];
  int dt;
  const char *bt = body(typed, &dt);
  snprintf(t, sizeof t, "%.*s", (int)(tn - (size_t)dt), bt);
  out[0] = 0;
  if (tn >= 60) return;
  size_t best = 3;
  for (int id = 0; id < OPT_COUNT; id++) {
    if (!(OPT_ROWS[id].cmds & cmd)) continue;
    for (int pass = 0; pass < 2; pass++)
      for (int i = 0; word(pass ? OPT_ROWS[id].switches : OPT_ROWS[id].flags, i, w, sizeof w);
           i++) {
        if (!spelling_for(w, cmd, sp, sizeof sp)) continue;
        int ds;
        const char *bs = body(sp, &ds);
        size_t d = edit_distance(t, bs);
        if (d < best && 3 * d <= strlen(bs)) {
          best = d;
          snprintf(out, size, "%s", sp);
        }
      }
  }
}

/* ---- command-line parser ------------------------------------------------------------------ */

typedef struct {
  OptArgs *o;
  Arena *a;
  Err *err;
  int depth;
  /* unnamed multi-group INPUT values ([..],[..]) waiting for --input names */
  struct {
    OptId id;
    const char *flag;
    int n;
    const char **texts;
  } pending[OPT_COUNT];
  int n_pending;
} Cli;

static int usage(Cli *c, const char *f, ...) __attribute__((format(printf, 2, 3)));
static int usage(Cli *c, const char *f, ...) {
  char msg[sizeof c->err->msg];
  va_list ap;
  va_start(ap, f);
  vsnprintf(msg, sizeof msg, f, ap);
  va_end(ap);
  return err_set(c->err, ERR_USAGE, "%s", msg);
}

OptSet *opt_args_input(OptArgs *o, const char *name) {
  for (int i = 0; i < o->n_inputs; i++)
    if (!strcmp(o->inputs[i].name, name)) return &o->inputs[i].set;
  if (o->n_inputs == o->cap_inputs) {
    int cap = o->cap_inputs ? o->cap_inputs * 2 : 4;
    OptInput *n = arena_array(o->a, (size_t)cap, sizeof *n);
    if (o->n_inputs) memcpy(n, o->inputs, (size_t)o->n_inputs * sizeof *n);
    o->inputs = n;
    o->cap_inputs = cap;
  }
  OptInput *in = &o->inputs[o->n_inputs++];
  in->name = arena_strdup(o->a, name);
  return &in->set;
}

/* Parses text as option id's value (as typed after flag) and stores it into set. */
static int apply_text(Cli *c, OptSet *set, OptId id, const char *flag, const char *text) {
  OptText t;
  OptVal v;
  char msg[400];
  int bad;
  if (cli_text(&t, id, text, c->a, msg, sizeof msg) < 0 ||
      opt_value_parse(&v, id, &t, c->a, &bad, msg, sizeof msg) < 0)
    return usage(c, "%s '%.*s': %s", flag, MAX_SHOWN, text, msg);
  v.line = OPT_LINE_CLI;
  opt_put(set, id, &v, c->a);
  return 0;
}

/* Index just past the group opened at s[i] ('[' or '(' or '{'), or 0 when it is not closed. */
static size_t close_group(const char *s, size_t i) {
  char open = s[i], close = open == '[' ? ']' : open == '(' ? ')' : '}';
  for (size_t j = i + 1; s[j]; j++) {
    if (s[j] == close) return j + 1;
    if (s[j] == open) return 0;
  }
  return 0;
}

/* An INPUT option's command-line value: "V" (every input), "name[V]" / "name(V)" (one input),
 * several of those separated by commas, or "[V],[V]" (inputs in --input order). */
static int apply_input_value(Cli *c, OptId id, const char *flag, const char *text) {
  OptType ty = OPT_ROWS[id].type;
  bool listy = ty == OT_VALUES || ty == OT_POSITIVE_VALUES || ty == OT_SHAPE;
  const char *s = text;
  while (*s == ' ') s++;
  /* named groups: some text, then '[' or '(' */
  size_t lead = strcspn(s, "[(");
  bool named = s[lead] && lead > 0 && s[0] != '[' && ty != OT_BOOL && ty != OT_PREC;
  if (named && ty == OT_LAYOUT && s[lead] == '[') named = false;
  if (!named && !(listy && s[0] == '[')) return apply_text(c, &c->o->in_all, id, flag, text);
  const char **texts = arena_array(c->a, strlen(s) / 2 + 2, sizeof *texts);
  const char **names = arena_array(c->a, strlen(s) / 2 + 2, sizeof *names);
  int n = 0;
  size_t i = 0;
  while (s[i]) {
    size_t start = i;
    while (s[i] && s[i] != '[' && s[i] != '(' && s[i] != ',') i++;
    if (s[i] != '[' && s[i] != '(')
      return usage(c, "%s '%.*s': expected name[...] or name(...) entries separated by commas",
                   flag, MAX_SHOWN, text);
    size_t end = close_group(s, i);
    if (!end)
      return usage(c, "%s '%.*s': missing '%c'", flag, MAX_SHOWN, text, s[i] == '[' ? ']' : ')');
    names[n] = i > start ? arena_strndup(c->a, s + start, i - start) : NULL;
    texts[n] = s[i] == '[' ? arena_strndup(c->a, s + i, end - i)
                           : arena_strndup(c->a, s + i + 1, end - i - 2);
    if ((names[n] != NULL) != named)
      return usage(c, "%s '%.*s': name every entry or none", flag, MAX_SHOWN, text);
    n++;
    i = end;
    while (s[i] == ' ') i++;
    if (s[i] == ',') {
      i++;
      while (s[i] == ' ') i++;
      if (!s[i]) return usage(c, "%s '%.*s': empty entry after ','", flag, MAX_SHOWN, text);
    } else if (s[i]) {
      return usage(c, "%s '%.*s': unexpected '%c' after an entry", flag, MAX_SHOWN, text, s[i]);
    }
  }
  if (!named && n == 1) return apply_text(c, &c->o->in_all, id, flag, texts[0]);
  for (int k = 0; named && k < n; k++)
    if (apply_text(c, opt_args_input(c->o, names[k]), id, flag, texts[k]) < 0) return -1;
  if (named) return 0;
  /* several unnamed groups: the inputs named by --input, in order (checked at the end) */
  for (int k = 0; k < n; k++) { /* each must parse on its own */
    OptText t;
    OptVal v;
    char msg[400];
    int bad;
    if (cli_text(&t, id, texts[k], c->a, msg, sizeof msg) < 0 ||
        opt_value_parse(&v, id, &t, c->a, &bad, msg, sizeof msg) < 0)
      return usage(c, "%s '%.*s': %s", flag, MAX_SHOWN, texts[k], msg);
  }
  c->pending[c->n_pending].id = id;
  c->pending[c->n_pending].flag = arena_strdup(c->a, flag);
  c->pending[c->n_pending].n = n;
  c->pending[c->n_pending].texts = texts;
  if (c->n_pending + 1 < OPT_COUNT) c->n_pending++;
  return 0;
}

/* mo's --input: "name[1,3,224,224]{f32}(nchw),other" — names in order, with optional shape,
 * element type and layout per input. Freezing ("->value") and port numbers are refused. */
static int apply_mo_input(Cli *c, const char *flag, const char *text) {
  const char *s = text;
  size_t i = 0;
  if (strstr(s, "->"))
    return usage(
        c,
        "%s '%.*s': freezing an input ('->' value) is not supported: give the value in the model",
        flag, MAX_SHOWN, text);
  while (s[i]) {
    while (s[i] == ' ') i++;
    size_t start = i;
    while (s[i] && !strchr("[{(,", s[i])) i++;
    size_t ne = i;
    while (ne > start && s[ne - 1] == ' ') ne--;
    if (ne == start) return usage(c, "%s '%.*s': an entry without a name", flag, MAX_SHOWN, text);
    const char *name = arena_strndup(c->a, s + start, ne - start);
    OptSet *set = opt_args_input(c->o, name);
    const char **order = arena_array(c->a, (size_t)c->o->n_order + 1, sizeof *order);
    if (c->o->n_order) memcpy(order, c->o->input_order, (size_t)c->o->n_order * sizeof *order);
    order[c->o->n_order++] = name;
    c->o->input_order = order;
    while (s[i] == '[' || s[i] == '{' || s[i] == '(') {
      size_t end = close_group(s, i);
      if (!end)
        return usage(c, "%s '%.*s': missing '%c'", flag, MAX_SHOWN, text,
                     s[i] == '['   ? ']'
                     : s[i] == '{' ? '}'
                                   : ')');
      const char *inner = arena_strndup(c->a, s + i + 1, end - i - 2);
      int rc;
      if (s[i] == '[')
        rc = apply_text(c, set, OPT_SHAPE, flag, arena_strndup(c->a, s + i, end - i));
      else if (s[i] == '(')
        rc = apply_text(c, set, OPT_LAYOUT, flag, inner);
      else {
        static const char *const OK[] = {"u8", "f16", "f32", "fp16", "fp32"};
        bool ok = false;
        for (size_t k = 0; k < 5; k++) ok |= !strcasecmp(inner, OK[k]);
        if (!ok)
          return usage(c, "%s '%.*s': input type {%s}: blob inputs take {u8}, {f16} or {f32}", flag,
                       MAX_SHOWN, text, inner);
        rc = apply_text(c, set, OPT_PRECISION, flag, inner);
      }
      if (rc < 0) return -1;
      i = end;
    }
    while (s[i] == ' ') i++;
    if (s[i] == ',')
      i++;
    else if (s[i])
      return usage(c, "%s '%.*s': unexpected '%c'", flag, MAX_SHOWN, text, s[i]);
  }
  return 0;
}

static int parse_args(Cli *c, int argc, char **argv, const char *where);

/* Splits text like a shell (spaces; '...' and "..." quote; \ escapes) and parses the words as
 * more options of the same command. */
static int apply_params(Cli *c, const char *flag, const char *text) {
  if (c->depth >= MAX_DEPTH) return usage(c, "%s: nested too deeply", flag);
  size_t n = strlen(text);
  char **words = arena_array(c->a, n / 2 + 2, sizeof *words);
  char *buf = arena_alloc(c->a, n + 1);
  int nw = 0;
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) i++;
    if (i >= n) break;
    words[nw++] = buf + k;
    char q = 0;
    while (i < n && (q || (text[i] != ' ' && text[i] != '\t' && text[i] != '\n'))) {
      char ch = text[i++];
      if (q && ch == q)
        q = 0;
      else if (!q && (ch == '\'' || ch == '"'))
        q = ch;
      else if (ch == '\\' && i < n && q != '\'')
        buf[k++] = text[i++];
      else
        buf[k++] = ch;
    }
    if (q) return usage(c, "%s '%.*s': unclosed quote", flag, MAX_SHOWN, text);
    buf[k++] = 0;
  }
  c->depth++;
  int rc = parse_args(c, nw, words, flag);
  c->depth--;
  return rc;
}

/* The row whose config keys include key (any case), or OPT_COUNT. */
static OptId by_config_key(const char *key, char *suggestion, size_t size) {
  char w[64];
  size_t best = 3;
  suggestion[0] = 0;
  for (int id = 0; id < OPT_COUNT; id++)
    for (int i = 0; word(OPT_ROWS[id].config, i, w, sizeof w); i++) {
      if (!strcasecmp(w, key)) return (OptId)id;
      size_t d = strlen(key) < 60 ? edit_distance(key, w) : 99;
      if (d < best) best = d, snprintf(suggestion, size, "%s", w);
    }
  return OPT_COUNT;
}

/* compile_tool's -c FILE: "KEY VALUE" lines. */
static int apply_config(Cli *c, const char *flag, const char *path) {
  uint8_t *data = NULL;
  size_t len = 0;
  Err e = {0};
  if (io_read_file(&data, &len, path, 1 << 20, &e) < 0)
    return usage(c, "%s '%.*s': %s", flag, MAX_SHOWN, path, e.msg);
  char *text = arena_strndup(c->a, (const char *)data, len);
  free(data);
  int rc = 0, line = 0;
  for (char *p = text, *next; p && *p && rc == 0; p = next) {
    next = strchr(p, '\n');
    if (next) *next++ = 0;
    line++;
    while (*p == ' ' || *p == '\t') p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r')) p[--n] = 0;
    if (!*p || *p == '#') continue;
    char *sp = p + strcspn(p, " \t");
    if (!*sp) {
      rc = usage(c, "%s:%d: expected 'KEY VALUE', got '%.*s'", path, line, MAX_SHOWN, p);
      break;
    }
    *sp++ = 0;
    while (*sp == ' ' || *sp == '\t') sp++;
    char sug[64];
    OptId id = by_config_key(p, sug, sizeof sug);
    if (id == OPT_COUNT) {
      rc = sug[0] ? usage(c, "%s:%d: unknown config key '%.*s' (did you mean '%s'?)", path, line,
                          MAX_SHOWN, p, sug)
                  : usage(c, "%s:%d: unknown config key '%.*s'", path, line, MAX_SHOWN, p);
      break;
    }
    if (OPT_ROWS[id].type == OT_IGNORED) {
      buf_printf(&c->o->notes, "%s:%d: %s ignored: it does not change the blob blobc writes\n",
                 path, line, p);
      continue;
    }
    char where[300];
    snprintf(where, sizeof where, "%s:%d: %s", path, line, p);
    OptSet *set = OPT_ROWS[id].level == OL_MODEL   ? &c->o->model
                  : OPT_ROWS[id].level == OL_INPUT ? &c->o->in_all
                                                   : &c->o->run;
    rc = apply_text(c, set, id, where, sp);
  }
  return rc;
}

/* Stores flag's value (text) for option id. */
static int apply(Cli *c, OptId id, const char *flag, const char *text) {
  const OptRow *r = &OPT_ROWS[id];
  if (id == OPT_INPUT && apply_mo_input(c, flag, text) < 0) return -1;
  if ((id == OPT_OPTIMIZER_PARAMS || id == OPT_COMPILE_PARAMS) && apply_params(c, flag, text) < 0)
    return -1;
  if (id == OPT_CONFIG && apply_config(c, flag, text) < 0) return -1;
  switch (r->level) {
  case OL_MODEL: return apply_text(c, &c->o->model, id, flag, text);
  case OL_INPUT: return apply_input_value(c, id, flag, text);
  default: return apply_text(c, &c->o->run, id, flag, text);
  }
}

/* Why typed is not an option of this command: another command's, or a near miss. */
static int unknown_flag(Cli *c, const char *typed, size_t tn) {
  char sug[64];
  Spelling sp;
  for (unsigned cmd = 1; cmd <= CMD_OPS; cmd <<= 1) {
    if (cmd == c->o->cmd || !find_flag(&sp, cmd, typed, tn)) continue;
    const OptRow *r = &OPT_ROWS[sp.id];
    if (r->level != OL_RUN && (c->o->cmd & (CMD_BUILD | CMD_CHECK)))
      return usage(c, "option '%.*s' belongs to convert; in a manifest write the key '%s'", (int)tn,
                   typed, r->key);
    return usage(c, "option '%.*s' is not one of %s's (%s takes it)", (int)tn, typed,
                 opt_cmd_name(c->o->cmd), opt_cmd_name(cmd));
  }
  suggest_flag(sug, sizeof sug, c->o->cmd, typed, tn);
  if (sug[0]) return usage(c, "unknown option '%.*s' (did you mean '%s'?)", (int)tn, typed, sug);
  return usage(c, "unknown option '%.*s'", (int)tn, typed);
}

static int parse_args(Cli *c, int argc, char **argv, const char *where) {
  OptArgs *o = c->o;
  bool only_pos = false;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (only_pos || a[0] != '-' || !a[1]) {
      if (where) return usage(c, "%s: unexpected argument '%.*s'", where, MAX_SHOWN, a);
      o->pos[o->n_pos++] = a;
      continue;
    }
    if (!strcmp(a, "--")) {
      only_pos = true;
      continue;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      o->help = true;
      return 0;
    }
    const char *eq = strchr(a, '=');
    size_t tn = eq ? (size_t)(eq - a) : strlen(a);
    Spelling sp;
    const char *value = eq ? eq + 1 : NULL;
    if (!find_flag(&sp, o->cmd, a, tn)) {
      /* -j4: make's attached form */
      if (!eq && a[1] == 'j' && a[2] >= '0' && a[2] <= '9' && find_flag(&sp, o->cmd, "-j", 2))
        value = a + 2, tn = 2;
      else
        return unknown_flag(c, a, tn);
    }
    char flag[80];
    snprintf(flag, sizeof flag, "%.*s", (int)tn, a);
    const OptRow *r = &OPT_ROWS[sp.id];
    if (sp.is_switch) {
      bool b = true;
      if (value && !bool_word(value, &b))
        return usage(c, "%s takes no value, or true/false; got '%.*s'", flag, MAX_SHOWN, value);
      const char *on = r->type == OT_BOOL ? "true" : r->on,
                 *off = r->type == OT_BOOL ? "false" : r->off;
      if (apply(c, sp.id, flag, b ? on : off) < 0) return -1;
      continue;
    }
    if (!value) {
      if (i + 1 >= argc)
        return usage(c, "option '%s' needs a value (%s)", flag,
                     r->metavar ? r->metavar : "a value");
      value = argv[++i];
    }
    if (apply(c, sp.id, flag, value) < 0) return -1;
  }
  return 0;
}

int opt_cli_parse(OptArgs *out, unsigned cmd, int argc, char **argv, Arena *a, Err *err) {
  memset(out, 0, sizeof *out);
  out->cmd = cmd;
  out->a = a;
  out->pos = arena_array(a, (size_t)argc + 1, sizeof *out->pos);
  Cli *c = arena_alloc(a, sizeof *c);
  c->o = out;
  c->a = a;
  c->err = err;
  if (parse_args(c, argc, argv, NULL) < 0) return -1;
  if (out->help) return 0;
  for (int k = 0; k < c->n_pending; k++) {
    if (c->pending[k].n != out->n_order)
      return usage(
          c, "%s gives %d values: name each one (name[...]) or list %d input names with --input",
          c->pending[k].flag, c->pending[k].n, c->pending[k].n);
    for (int i = 0; i < c->pending[k].n; i++)
      if (apply_text(c, opt_args_input(out, out->input_order[i]), c->pending[k].id,
                     c->pending[k].flag, c->pending[k].texts[i]) < 0)
        return -1;
  }
  return 0;
}

void opt_args_free(OptArgs *o) {
  if (o) buf_free(&o->notes);
}

/* ---- documentation ----------------------------------------------------------------------- */

static const struct {
  unsigned bit;
  const char *name, *synopsis, *about;
} CMDS[] = {
    {CMD_BUILD, "build", "MANIFEST.yaml [options]",
     "Compile every model of a manifest in parallel: per model out/<name>/ holds the blob "
     "(blobconverter's name "
     "<name>_openvino_<ver>_<N>shave.blob) and the OpenVINO IR; out/ gets report.json, report.html "
     "and junit.xml. "
     "A failing model never stops the others."},
    {CMD_CHECK, "check", "MANIFEST.yaml|MODEL [options]",
     "The VPU verdicts only (which nodes will not run, why, what to do), no files: fast enough for "
     "every commit. "
     "A missing model file stops the check (exit 2)."},
    {CMD_CONVERT, "convert", "MODEL [options]",
     "Compile one model, as mo + compile_tool would: the flags of mo, compile_tool and "
     "blobconverter are "
     "accepted as they are typed. Prints the blob's path on stdout."},
    {CMD_INSPECT, "inspect", "FILE.blob|FILE.superblob|ARCHIVE.tar.xz [options]",
     "What a MyriadX blob holds (ours or compile_tool's): header, the OpenVINO releases its "
     "version can come from, "
     "inputs, outputs, stages; an NN Archive's config.json and the blob inside it."},
    {CMD_VERIFY, "verify", "DIR... [options] | --blob FILE.blob --model MODEL [options]",
     "Numerical proof on ONNX backend test data (model.onnx + test_data_set_N/): one line per data "
     "set, then 'N passed, N failed, N unsupported, N uninformative'. With --blob: a written blob "
     "run on frames against its source model (the preprocessing flags as for convert), its error "
     "and top-1/top-5 agreement; exit 1 when it does not compute the model."},
    {CMD_RUN, "run", "MODEL|FILE.blob --input [NAME=]FILE ... [options]",
     "Reference execution of a model on the CPU, or of any blob's stages (ours or compile_tool's, "
     "NCE ones "
     "too); writes one .npy per output."},
    {CMD_MERGE, "report merge", "A/report.json B/report.json ... -o DIR",
     "Join the reports of --shard runs into one."},
    {CMD_IMPORT, "import-omz", "DIR -o MANIFEST.yaml",
     "Write a manifest with one model per Open Model Zoo model.yml found below DIR (nothing is "
     "downloaded)."},
    {CMD_ARCHIVE, "archive verify", "FILE.tar.gz",
     "Check every entry of a release archive against its SHA256SUMS."},
    {CMD_VERSION, "version", "", "Print blobc's version."},
    {CMD_OPS, "ops", "[--json|--markdown]",
     "Every ONNX op and OpenVINO IR layer blobc reads, and how it reaches the VPU: its own stage, "
     "a rewrite, a view, "
     "folded, or unsupported and why (docs/ops.md is its --markdown form)."},
};
#define N_CMDS (sizeof CMDS / sizeof CMDS[0])

const char *opt_cmd_name(unsigned cmd) {
  for (size_t i = 0; i < N_CMDS; i++)
    if (CMDS[i].bit == cmd) return CMDS[i].name;
  return "blobc";
}

unsigned opt_cmd_by_name(const char *name) {
  for (size_t i = 0; i < N_CMDS; i++)
    if (!strcmp(CMDS[i].name, name)) return CMDS[i].bit;
  if (!strcmp(name, "report")) return CMD_MERGE;
  if (!strcmp(name, "archive")) return CMD_ARCHIVE;
  return 0;
}

/* The spellings of row id for cmd, ", " separated, primary first. */
static void spellings(Buf *b, OptId id, unsigned cmd, const char *sep) {
  char w[64], sp[64];
  int n = 0;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; word(pass ? OPT_ROWS[id].switches : OPT_ROWS[id].flags, i, w, sizeof w); i++) {
      if (!spelling_for(w, cmd, sp, sizeof sp)) continue;
      buf_printf(b, "%s%s", n++ ? sep : "", sp);
    }
}

/* The [default ...; range] note of a row. */
static void row_note(Buf *b, OptId id) {
  const OptRow *r = &OPT_ROWS[id];
  bool any = false;
  if (r->type == OT_INT) buf_printf(b, " [%lld..%lld", r->lo, r->hi), any = true;
  if (r->type == OT_CHOICE && r->choices && strchr(r->choices, ' ') &&
      (!r->metavar || strlen(r->metavar) < 8))
    buf_printf(b, " [%s", r->choices), any = true;
  if (r->def && *r->def && r->type != OT_BOOL)
    buf_printf(b, "%sdefault %s", any ? "; " : " [", r->def), any = true;
  if (any) buf_put(b, "]", 1);
}

/* Appends text wrapped at 79 columns, every line after the first indented by indent spaces;
 * the first line starts at column col. */
static void wrap(Buf *b, const char *text, int indent, int col) {
  const char *p = text;
  while (*p) {
    size_t room = col < 78 ? (size_t)(79 - col) : 8, n = strlen(p);
    if (n > room) {
      n = room;
      while (n > 0 && p[n] != ' ') n--;
      if (!n) n = strcspn(p, " ");
    }
    buf_printf(b, "%.*s", (int)n, p);
    p += n;
    while (*p == ' ') p++;
    if (*p) buf_printf(b, "\n%*s", indent, ""), col = indent;
  }
}

static void help_cmd(Buf *b, size_t ci) {
  unsigned cmd = CMDS[ci].bit;
  buf_printf(b, "usage: blobc %s %s\n\n", CMDS[ci].name, CMDS[ci].synopsis);
  wrap(b, CMDS[ci].about, 0, 0);
  buf_printf(b, "\n\noptions:\n");
  for (int lvl = OL_RUN; lvl >= OL_MODEL; lvl--)
    for (int id = 0; id < OPT_COUNT; id++) {
      const OptRow *r = &OPT_ROWS[id];
      if (!(r->cmds & cmd) || (int)r->level != lvl || (!r->flags && !r->switches)) continue;
      Buf t = BUF_INIT;
      spellings(&t, (OptId)id, cmd, ", ");
      if (r->type != OT_BOOL && r->flags && r->metavar) buf_printf(&t, " %s", r->metavar);
      buf_put(&t, "", 1);
      buf_printf(b, "  ");
      wrap(b, (char *)t.data, 4, 2);
      buf_free(&t);
      buf_printf(b, "\n      ");
      Buf h = BUF_INIT;
      buf_printf(&h, "%s", r->help);
      row_note(&h, (OptId)id);
      if (r->level != OL_RUN && (cmd & (CMD_BUILD | CMD_CHECK)))
        buf_printf(&h, " (overrides every model)");
      if (r->level == OL_INPUT && cmd == CMD_CONVERT) buf_printf(&h, " (manifest key %s)", r->key);
      buf_put(&h, "", 1);
      wrap(b, (char *)h.data, 6, 6);
      buf_free(&h);
      buf_printf(b, "\n");
    }
  buf_printf(b, "  -h, --help\n      this text\n");
  if (cmd == CMD_CONVERT)
    buf_printf(b, "\nEvery flag takes --flag=value or --flag value; '-' and '_' are the same; a\n"
                  "name of two or more letters takes one dash or two. Quote bracketed values:\n"
                  "  --mean_values \"[127.5,127.5,127.5]\"\n");
}

void opt_help(Buf *b, unsigned cmd) {
  for (size_t i = 0; i < N_CMDS; i++)
    if (CMDS[i].bit == cmd) {
      help_cmd(b, i);
      return;
    }
  buf_printf(
      b,
      "usage: blobc <command> [options]   (blobc <command> --help for its options; man blobc)\n\n");
  for (size_t i = 0; i < N_CMDS; i++) buf_printf(b, "  %-15s %s\n", CMDS[i].name, CMDS[i].synopsis);
  buf_printf(
      b,
      "\nExit codes: 0 all converted, 1 some models failed (the others are written), 2 usage, "
      "manifest\n"
      "or unreadable-file error, 3 a model newly fails against --baseline, 130 / 143 stopped by\n"
      "SIGINT / SIGTERM.\n");
  buf_printf(b,
             "\nMemory: each model's compilation has a budget (--max-model-mb, manifest "
             "max_model_mb); by\n"
             "default half the memory blobc may use divided by -j: here %llu MiB at -j 1.\n",
             (unsigned long long)(job_default_budget(1) >> 20));
}

/* roff text: backslashes, hyphens and a leading '.' or '\'' escaped. */
static void roff(Buf *b, const char *s) {
  if (*s == '.' || *s == '\'') buf_put(b, "\\&", 2);
  for (; *s; s++) {
    if (*s == '\\')
      buf_put(b, "\\e", 2);
    else if (*s == '-')
      buf_put(b, "\\-", 2);
    else
      buf_put(b, s, 1);
  }
}

static void man_options(Buf *b, unsigned cmd) {
  for (int lvl = OL_RUN; lvl >= OL_MODEL; lvl--)
    for (int id = 0; id < OPT_COUNT; id++) {
      const OptRow *r = &OPT_ROWS[id];
      if (!(r->cmds & cmd) || (int)r->level != lvl || (!r->flags && !r->switches)) continue;
      Buf t = BUF_INIT;
      spellings(&t, (OptId)id, cmd, ", ");
      buf_put(&t, "", 1);
      buf_printf(b, ".TP\n\\fB");
      roff(b, (char *)t.data);
      buf_printf(b, "\\fR");
      if (r->type != OT_BOOL && r->flags && r->metavar) {
        buf_printf(b, " \\fI");
        roff(b, r->metavar);
        buf_printf(b, "\\fR");
      }
      buf_printf(b, "\n");
      buf_free(&t);
      Buf h = BUF_INIT;
      buf_printf(&h, "%s", r->help);
      row_note(&h, (OptId)id);
      if (r->level != OL_RUN && (cmd & (CMD_BUILD | CMD_CHECK)))
        buf_printf(&h, " (overrides every model)");
      buf_put(&h, "", 1);
      roff(b, (char *)h.data);
      buf_printf(b, "\n");
      buf_free(&h);
    }
}

static const char *type_name(OptType t) {
  switch (t) {
  case OT_BOOL: return "boolean";
  case OT_INT: return "integer";
  case OT_PREC: return "precision";
  case OT_CHOICE: return "string";
  case OT_LAYOUT: return "layout";
  case OT_VALUES:
  case OT_POSITIVE_VALUES: return "number or list of numbers";
  case OT_SHAPE: return "list of integers";
  default: return "string";
  }
}

void opt_man(Buf *b) {
  buf_printf(b, ".\\\" Generated by 'blobc --man' from pipeline/options.def; do not edit.\n"
                ".TH BLOBC 1 \"\" \"blobc\" \"User Commands\"\n"
                ".SH NAME\nblobc \\- convert neural networks into MyriadX blobs for DepthAI, a "
                "whole zoo at a time\n"
                ".SH SYNOPSIS\n");
  for (size_t i = 0; i < N_CMDS; i++) {
    buf_printf(b, ".B blobc %s\n", CMDS[i].name);
    if (CMDS[i].synopsis[0]) {
      roff(b, CMDS[i].synopsis);
      buf_printf(b, "\n");
    }
    buf_printf(b, ".br\n");
  }
  buf_printf(
      b,
      ".SH DESCRIPTION\n"
      "blobc replaces the Model Optimizer (mo) + compile_tool chain and the online blobconverter "
      "with one "
      "offline program. Its option names are theirs: every flag takes \\fB\\-\\-flag=value\\fR or "
      "\\fB\\-\\-flag value\\fR; a dash and an underscore are the same inside a name, and a name "
      "of two or "
      "more letters may be typed with one dash or two. "
      "Quote bracketed values so the shell leaves them alone: \\-\\-mean_values "
      "\"[127.5,127.5,127.5]\".\n"
      "Progress and diagnostics go to standard error, results to standard output.\n"
      ".SH COMMANDS\n");
  for (size_t i = 0; i < N_CMDS; i++) {
    buf_printf(b, ".SS \"%s\"\n", CMDS[i].name);
    roff(b, CMDS[i].about);
    buf_printf(b, "\n");
    man_options(b, CMDS[i].bit);
    buf_printf(b, ".TP\n.B \\-h, \\-\\-help\nthe options of this command.\n");
  }
  buf_printf(
      b,
      ".SH MANIFEST KEYS\nA manifest (YAML, version: 1) lists models with\n.B name\nand\n.BR "
      "source ;\n"
      "these keys go in\n.B defaults\nor in a model; per-input keys also in an\n.B inputs\nentry "
      "(manifests/README.md has the schema).\n");
  for (int id = 0; id < OPT_COUNT; id++) {
    const OptRow *r = &OPT_ROWS[id];
    if (r->level == OL_RUN) continue;
    buf_printf(b, ".TP\n.B %s\n", r->key);
    Buf h = BUF_INIT;
    buf_printf(&h, "(%s%s) %s", r->level == OL_INPUT ? "per input, " : "", type_name(r->type),
               r->help);
    row_note(&h, (OptId)id);
    buf_put(&h, "", 1);
    roff(b, (char *)h.data);
    buf_printf(b, "\n");
    buf_free(&h);
  }
  buf_printf(b, ".SH CONFIG KEYS\ncompile_tool's\n.B \\-c\nfile holds \"KEY VALUE\" lines:\n");
  char w[64];
  for (int id = 0; id < OPT_COUNT; id++)
    for (int i = 0; word(OPT_ROWS[id].config, i, w, sizeof w); i++) {
      buf_printf(b, ".TP\n.B ");
      roff(b, w);
      buf_printf(b, "\n");
      if (OPT_ROWS[id].type == OT_IGNORED)
        buf_printf(b, "accepted and ignored: it does not change the blob.\n");
      else
        buf_printf(b, "sets\n.BR %s .\n", OPT_ROWS[id].key);
    }
  buf_printf(
      b, ".SH EXIT STATUS\n.TP\n.B 0\nevery model converted\n.TP\n.B 1\nsome models failed or use "
         "unsupported "
         "layers (the others are written)\n.TP\n.B 2\nusage, manifest or unreadable-file "
         "error\n.TP\n.B 3\na model "
         "newly fails against \\-\\-baseline\n.TP\n.B 130\ninterrupted (Ctrl\\-C): running models "
         "finish unless "
         "Ctrl\\-C comes twice; the report of what finished is written\n"
         ".SH ENVIRONMENT\n.TP\n.B SOURCE_DATE_EPOCH\nthe mtime of archive entries (0 when unset)\n"
         ".SH SEE ALSO\nmanifests/README.md, docs/nn-archive.md, python/README.md; mo(1) and "
         "compile_tool of "
         "OpenVINO 2021.4/2022.1; Luxonis blobconverter.\n");
}
