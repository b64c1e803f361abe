/* pipeline/omz.c — see omz.h. */
#include "omz.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#define MAX_SEGS   64 /* comma-separated parts of one mo argument */
#define FIND_DEPTH 8  /* folders searched below a model.yml for its model file */

/* ---- mo arguments ------------------------------------------------------------------------- */

/* One "name[1,2,3]" part of a list argument; name NULL when the part has none. */
typedef struct {
  const char *name;
  int n;
  double v[MANIFEST_MAX_DIMS];
} NamedVals;

/* The last value of each understood key (mo's argparse: the last occurrence wins). */
typedef struct {
  const char *input, *input_shape, *mean, *scale_values, *scale, *layout, *data_type, *input_model;
  bool reverse;
} RawArgs;

/* Copy of s[0..n) with spaces trimmed at both ends. */
static char *trimmed(Arena *a, const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  return arena_strndup(a, s, n);
}

/* Splits s at commas outside brackets ([], (), {}); returns the number of parts, -1 when
 * brackets do not balance or there are more than max parts. */
static int split_top(Arena *a, const char *s, char **out, int max) {
  int n = 0, depth = 0;
  const char *start = s;
  for (const char *p = s;; p++) {
    if (*p == '[' || *p == '(' || *p == '{')
      depth++;
    else if (*p == ']' || *p == ')' || *p == '}') {
      if (--depth < 0) return -1;
    } else if ((*p == ',' && depth == 0) || !*p) {
      if (n >= max) return -1;
      out[n++] = trimmed(a, start, (size_t)(p - start));
      if (!*p) break;
      start = p + 1;
    }
  }
  return depth == 0 ? n : -1;
}

/* Parses numbers separated by commas and/or spaces into out; count, or -1 on junk / > max. */
static int parse_numbers(const char *s, double *out, int max) {
  int n = 0;
  for (const char *p = s;;) {
    while (*p == ' ' || *p == ',' || *p == '\t') p++;
    if (!*p) return n;
    char *end;
    double v = strtod(p, &end);
    if (end == p || n >= max) return -1;
    out[n++] = v;
    p = end;
    if (*p && *p != ' ' && *p != ',' && *p != '\t') return -1;
  }
}

/* Splits "name[body]" / "name(body)" / "[body]"; the closing bracket must end part.
 * Returns 0, or -1 when part has no bracket pair of that shape. */
static int name_body(Arena *a, const char *part, const char **name, char **body) {
  const char *open = strpbrk(part, "[(");
  if (!open) return -1;
  char close = *open == '[' ? ']' : ')';
  size_t len = strlen(part);
  if (len < 2 || part[len - 1] != close) return -1;
  *name = open > part ? trimmed(a, part, (size_t)(open - part)) : NULL;
  if (*name && !**name) *name = NULL;
  *body = arena_strndup(a, open + 1, (size_t)(part + len - 1 - (open + 1)));
  return 0;
}

/* "data[1,2,3],info[4]", "[1,2,3]", "(1,2,3)" or "1,2,3" into out; count or -1. */
static int parse_named_vals(Arena *a, const char *val, NamedVals *out, int max) {
  if (!strpbrk(val, "[(")) {
    out[0].name = NULL;
    out[0].n = parse_numbers(val, out[0].v, MANIFEST_MAX_DIMS);
    return out[0].n > 0 ? 1 : -1;
  }
  char *parts[MAX_SEGS];
  int n = split_top(a, val, parts, MAX_SEGS);
  if (n < 0 || n > max) return -1;
  for (int i = 0; i < n; i++) {
    char *body;
    if (name_body(a, parts[i], &out[i].name, &body) < 0) return -1;
    out[i].n = parse_numbers(body, out[i].v, MANIFEST_MAX_DIMS);
    if (out[i].n <= 0) return -1;
  }
  return n;
}

/* mo layout ("nchw", "NCHW", "[n,c,h,w]", "nchw->nhwc") in our spelling ("NCHW",
 * "NCHW->NHWC"); NULL when a side is not one of the layouts the manifest knows. */
static const char *norm_layout(Arena *a, const char *s) {
  char buf[64];
  size_t n = 0;
  for (const char *p = s; *p; p++) {
    if (*p == '[' || *p == ']' || *p == ',' || *p == ' ') continue;
    if (n + 1 >= sizeof buf) return NULL;
    buf[n++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
  }
  buf[n] = 0;
  char *arrow = strstr(buf, "->");
  const char *sides[2] = {buf, arrow ? arrow + 2 : NULL};
  if (arrow) *arrow = 0;
  for (int k = 0; k < 2 && sides[k]; k++)
    if (layout_parse(sides[k], strlen(sides[k])) == LAYOUT_NONE) return NULL;
  if (!arrow || !strcmp(buf, arrow + 2)) return arena_strdup(a, buf);
  return arena_printf(a, "%s->%s", buf, arrow + 2);
}

/* The input called name (NULL: the first one), added when missing; a lone unnamed input takes
 * the first name given. NULL when OMZ_MAX_INPUTS are in use. */
static OmzInput *get_input(OmzPrep *p, Arena *a, const char *name) {
  for (int i = 0; name && i < p->n_inputs; i++)
    if (p->inputs[i].name && !strcmp(p->inputs[i].name, name)) return &p->inputs[i];
  if (p->n_inputs == 1 && !p->inputs[0].name) {
    if (name) p->inputs[0].name = arena_strdup(a, name);
    return &p->inputs[0];
  }
  if (!name && p->n_inputs > 0) return &p->inputs[0];
  if (p->n_inputs >= OMZ_MAX_INPUTS) return NULL;
  OmzInput *in = &p->inputs[p->n_inputs++];
  memset(in, 0, sizeof *in);
  in->name = name ? arena_strdup(a, name) : NULL;
  return in;
}

static int bad_arg(Err *err, const char *key, const char *val) {
  return err_set(err, ERR_PARSE, "bad --%s '%.200s'", key, val);
}

/* Remembers "--key=value" / "--flag" / "--key value" at args[*i]; unknown ones go to ign. */
static void take_arg(RawArgs *r, Buf *ign, const char *const *args, int n, int *i) {
  static const char *const keys[] = {"input", "input_shape", "mean_values", "scale_values",
                                     "scale", "layout",      "data_type",   "input_model"};
  const char *arg = args[*i];
  if (!arg) return;
  if (!strcmp(arg, "--reverse_input_channels")) {
    r->reverse = true;
    return;
  }
  const char *eq = strchr(arg, '=');
  size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
  const char **slot[] = {&r->input, &r->input_shape, &r->mean,      &r->scale_values,
                         &r->scale, &r->layout,      &r->data_type, &r->input_model};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    if (strncmp(arg, "--", 2) || klen != strlen(keys[k]) + 2 || strncmp(arg + 2, keys[k], klen - 2))
      continue;
    if (eq)
      *slot[k] = eq + 1;
    else if (*i + 1 < n && args[*i + 1] && strncmp(args[*i + 1], "--", 2))
      *slot[k] = args[++*i];
    else
      break; /* a value key without a value */
    return;
  }
  if (ign->len) buf_put(ign, " ", 1);
  buf_put(ign, arg, strlen(arg));
}

/* --input=data,info / data[1,3,224,224] / data[1 3 224 224]{f32}: names and inline shapes. */
static int apply_input(OmzPrep *p, Arena *a, const char *val, Err *err) {
  char *parts[MAX_SEGS];
  int n = split_top(a, val, parts, MAX_SEGS);
  if (n < 0) return bad_arg(err, "input", val);
  for (int i = 0; i < n; i++) {
    size_t len = strcspn(parts[i], "[{(");
    char *arrow = strstr(parts[i], "->");
    if (arrow && (size_t)(arrow - parts[i]) < len) len = (size_t)(arrow - parts[i]);
    char *name = trimmed(a, parts[i], len);
    if (!*name) return bad_arg(err, "input", val);
    OmzInput *in = get_input(p, a, name);
    if (!in) return bad_arg(err, "input", val);
    if (parts[i][len] == '[') {
      const char *close = strchr(parts[i] + len, ']');
      double d[MANIFEST_MAX_DIMS];
      char *body =
          close ? arena_strndup(a, parts[i] + len + 1, (size_t)(close - parts[i] - len - 1)) : NULL;
      int r = body ? parse_numbers(body, d, MANIFEST_MAX_DIMS) : -1;
      if (r <= 0) return bad_arg(err, "input", val);
      in->rank = r;
      for (int k = 0; k < r; k++) in->shape[k] = (int64_t)d[k];
    }
  }
  return 0;
}

/* --input_shape=[1,3,224,224],[1,10]: the k-th shape belongs to the k-th input. */
static int apply_shapes(OmzPrep *p, Arena *a, const char *val, Err *err) {
  NamedVals nv[MAX_SEGS];
  int n = parse_named_vals(a, val, nv, MAX_SEGS);
  if (n < 0) return bad_arg(err, "input_shape", val);
  for (int i = 0; i < n; i++) {
    OmzInput *in = i < p->n_inputs ? &p->inputs[i] : NULL;
    if (!in && p->n_inputs >= OMZ_MAX_INPUTS) return bad_arg(err, "input_shape", val);
    if (!in) {
      in = &p->inputs[p->n_inputs++];
      memset(in, 0, sizeof *in);
    }
    for (int k = 0; k < nv[i].n; k++) {
      if (nv[i].v[k] != (double)(int64_t)nv[i].v[k]) return bad_arg(err, "input_shape", val);
      in->shape[k] = (int64_t)nv[i].v[k];
    }
    in->rank = nv[i].n;
  }
  return 0;
}

/* The inputs a list part applies to: the named one, or every input (one is made when none). */
static int targets(OmzPrep *p, Arena *a, const char *name, OmzInput **out) {
  if (name) {
    out[0] = get_input(p, a, name);
    return out[0] ? 1 : -1;
  }
  if (!get_input(p, a, NULL)) return -1;
  for (int k = 0; k < p->n_inputs; k++) out[k] = &p->inputs[k];
  return p->n_inputs;
}

/* --mean_values / --scale_values: named parts go to that input, an unnamed one to every input. */
static int apply_values(OmzPrep *p, Arena *a, const char *key, const char *val, bool mean,
                        Err *err) {
  NamedVals nv[MAX_SEGS];
  OmzInput *t[OMZ_MAX_INPUTS];
  int n = parse_named_vals(a, val, nv, MAX_SEGS);
  if (n < 0) return bad_arg(err, key, val);
  for (int i = 0; i < n; i++) {
    int nt = targets(p, a, nv[i].name, t);
    if (nt < 0) return bad_arg(err, key, val);
    for (int k = 0; k < nt; k++) {
      memcpy(mean ? t[k]->mean : t[k]->scale, nv[i].v, sizeof nv[i].v);
      *(mean ? &t[k]->n_mean : &t[k]->n_scale) = nv[i].n;
    }
  }
  return 0;
}

/* --layout=nchw / data(nchw) / data(nchw->nhwc),info(nc) / [n,c,h,w]. */
static int apply_layout(OmzPrep *p, Arena *a, const char *val, Err *err) {
  char *parts[MAX_SEGS];
  int n = split_top(a, val, parts, MAX_SEGS);
  if (n < 0) return bad_arg(err, "layout", val);
  for (int i = 0; i < n; i++) {
    const char *name = NULL;
    char *body = parts[i];
    if (parts[i][0] != '[' && strchr(parts[i], '(') && name_body(a, parts[i], &name, &body) < 0)
      return bad_arg(err, "layout", val);
    const char *l = norm_layout(a, body);
    if (!l)
      return err_set(err, ERR_PARSE,
                     "unsupported --layout '%.200s' (we know NCHW, NHWC, CHW, HWC, NC, C)", val);
    OmzInput *t[OMZ_MAX_INPUTS];
    int nt = targets(p, a, name, t);
    if (nt < 0) return bad_arg(err, "layout", val);
    for (int k = 0; k < nt; k++) t[k]->layout = l;
  }
  return 0;
}

/* --scale=N (one divisor for every input without scale values), --reverse_input_channels. */
static int apply_scale_and_reverse(OmzPrep *p, Arena *a, const RawArgs *r, Err *err) {
  if (r->scale) {
    double d;
    if (parse_numbers(r->scale, &d, 1) != 1) return bad_arg(err, "scale", r->scale);
    if (!get_input(p, a, NULL)) return bad_arg(err, "scale", r->scale);
    for (int k = 0; k < p->n_inputs; k++)
      if (!p->inputs[k].n_scale) p->inputs[k].n_scale = 1, p->inputs[k].scale[0] = d;
  }
  if (r->reverse) {
    if (!get_input(p, a, NULL)) return err_set(err, ERR_PARSE, "too many inputs");
    for (int k = 0; k < p->n_inputs; k++) {
      const OmzInput *in = &p->inputs[k];
      /* mo reverses only 3-channel inputs; skip those whose shape says otherwise */
      int c = in->rank == 4 ? (in->layout && !strncmp(in->layout, "NHWC", 4) ? 3 : 1) : -1;
      if (c < 0 || in->shape[c] == 3) p->inputs[k].reverse_input_channels = true;
    }
  }
  return 0;
}

/* "$dl_dir/a/b.onnx" -> "a/b.onnx" (also $conv_dir); other values as they are. */
static const char *strip_dir_var(const char *s) {
  static const char *const vars[] = {"$dl_dir/", "$conv_dir/", "${dl_dir}/", "${conv_dir}/"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    if (!strncmp(s, vars[i], strlen(vars[i]))) return s + strlen(vars[i]);
  return s;
}

int omz_parse_mo_args(OmzPrep *out, Arena *a, const char *const *args, int n, Err *err) {
  RawArgs r = {0};
  Buf ign = BUF_INIT;
  memset(out, 0, sizeof *out);
  for (int i = 0; i < n; i++) take_arg(&r, &ign, args, n, &i);
  int rc = 0;
  if (r.input) rc = apply_input(out, a, r.input, err);
  if (rc == 0 && r.input_shape) rc = apply_shapes(out, a, r.input_shape, err);
  if (rc == 0 && r.mean) rc = apply_values(out, a, "mean_values", r.mean, true, err);
  if (rc == 0 && r.scale_values)
    rc = apply_values(out, a, "scale_values", r.scale_values, false, err);
  if (rc == 0 && r.layout) rc = apply_layout(out, a, r.layout, err);
  if (rc == 0) rc = apply_scale_and_reverse(out, a, &r, err);
  if (rc == 0 && r.data_type) {
    const char *d = r.data_type;
    if (!strcasecmp(d, "FP16") || !strcasecmp(d, "half") || !strcasecmp(d, "float16"))
      out->data_type = "FP16";
    else if (!strcasecmp(d, "FP32") || !strcasecmp(d, "float") || !strcasecmp(d, "float32"))
      out->data_type = "FP32";
    else
      rc = err_set(err, ERR_PARSE, "unsupported --data_type '%.100s' (FP16 or FP32)", d);
  }
  if (rc == 0 && r.input_model) out->input_model = arena_strdup(a, strip_dir_var(r.input_model));
  if (rc == 0 && ign.len) out->ignored = arena_strndup(a, (const char *)ign.data, ign.len);
  buf_free(&ign);
  return rc;
}

/* ---- YAML output: every string goes through yaml_quote ------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid; *cp gets the code point. */
static int utf8_seq(const unsigned char *s, uint32_t *cp) {
  if (s[0] < 0x80) return *cp = s[0], 1;
  int len = s[0] >= 0xf0 && s[0] <= 0xf4  ? 4
            : s[0] >= 0xe0                ? 3
            : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
                                          : 0;
  if (!len || (len == 3 && s[0] >= 0xf0)) return 0;
  uint32_t v = s[0] & (0x7f >> len);
  for (int i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    v = v << 6 | (s[i] & 0x3f);
  }
  static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return len;
}

/* true when s is valid UTF-8 (YAML cannot carry anything else). */
static bool utf8_valid(const char *s) {
  uint32_t cp;
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    int k = utf8_seq(p, &cp);
    if (!k) return false;
    p += k;
  }
  return true;
}

/* Appends s as a YAML double-quoted scalar: quote and backslash escaped, control characters,
 * C1, U+FEFF and non-characters as \uXXXX, invalid UTF-8 bytes as U+FFFD. */
static void yaml_quote(Buf *b, const char *s) {
  buf_put(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    uint32_t cp;
    int k = utf8_seq(p, &cp);
    if (!k) {
      buf_printf(b, "\\uFFFD");
      p++;
    } else if (cp == '"' || cp == '\\') {
      buf_printf(b, "\\%c", (char)cp);
      p++;
    } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xfeff || cp == 0xfffe ||
               cp == 0xffff) {
      buf_printf(b, "\\u%04X", (unsigned)cp);
      p += k;
    } else {
      buf_put(b, p, (size_t)k);
      p += k;
    }
  }
  buf_put(b, "\"", 1);
}

/* Appends s for a `#` comment: printable ASCII only, anything else becomes '?'. */
static void comment_text(Buf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char c = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
    buf_put(b, &c, 1);
  }
}

/* Shortest "%.Ng" that reads back as v. */
static void put_double(Buf *b, double v) {
  char s[64];
  for (int prec = 6; prec <= 17; prec++) {
    snprintf(s, sizeof s, "%.*g", prec, v);
    if (strtod(s, NULL) == v) break;
  }
  buf_printf(b, "%s", s);
}

static void put_doubles(Buf *b, const char *key, const double *v, int n) {
  buf_printf(b, "%s: [", key);
  for (int i = 0; i < n; i++) {
    if (i) buf_put(b, ", ", 2);
    put_double(b, v[i]);
  }
  buf_put(b, "]\n", 2);
}

/* Starts the next key of an input entry: "- " before the first one. */
static void input_key(Buf *b, bool *first) {
  buf_printf(b, *first ? "      - " : "        ");
  *first = false;
}

/* One input entry at 6 spaces of indent. */
static void render_input(Buf *b, const OmzInput *in) {
  bool first = true;
  if (in->name)
    input_key(b, &first), buf_printf(b, "name: "), yaml_quote(b, in->name), buf_put(b, "\n", 1);
  if (in->rank) {
    input_key(b, &first);
    buf_printf(b, "shape: [");
    for (int k = 0; k < in->rank; k++)
      buf_printf(b, "%s%lld", k ? ", " : "", (long long)in->shape[k]);
    buf_put(b, "]\n", 2);
  }
  if (in->layout)
    input_key(b, &first), buf_printf(b, "layout: "), yaml_quote(b, in->layout), buf_put(b, "\n", 1);
  if (in->n_mean) input_key(b, &first), put_doubles(b, "mean_values", in->mean, in->n_mean);
  if (in->n_scale) input_key(b, &first), put_doubles(b, "scale_values", in->scale, in->n_scale);
  if (in->reverse_input_channels)
    input_key(b, &first), buf_printf(b, "reverse_input_channels: true\n");
  if (first) buf_printf(b, "      - {}\n");
}

/* The model entry (2 spaces of indent); source may be NULL. */
static void render_entry(Buf *b, const char *name, const char *source, const OmzPrep *p) {
  buf_printf(b, "  - name: ");
  yaml_quote(b, name);
  buf_put(b, "\n", 1);
  if (source) buf_printf(b, "    source: "), yaml_quote(b, source), buf_put(b, "\n", 1);
  if (p->data_type) buf_printf(b, "    data_type: %s\n", p->data_type);
  if (p->n_inputs) buf_printf(b, "    inputs:\n");
  for (int i = 0; i < p->n_inputs; i++) render_input(b, &p->inputs[i]);
}

/* ---- walking the tree ---------------------------------------------------------------------- */

typedef struct {
  char **v;
  size_t n, cap;
} StrList;

static void list_add(StrList *l, char *s) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 64;
    char **nv = realloc(l->v, l->cap * sizeof *nv);
    ASSERT(nv != NULL);
    l->v = nv;
  }
  l->v[l->n++] = s;
}

static void list_free(StrList *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
}

static int cmp_str(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

/* "a" + "/" + "b", or b when a is "" (malloc'd). */
static char *join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *s = malloc(n);
  ASSERT(s != NULL);
  snprintf(s, n, "%s%s%s", a, *a ? "/" : "", b);
  return s;
}

/* Calls visit(rel path, ctx) for every regular file below root/rel (folders not followed through
 * symlinks, at most depth levels); stops early when visit returns nonzero. -1 when root/rel
 * itself cannot be opened. */
static int walk(const char *root, const char *rel, int depth, int (*visit)(const char *, void *),
                void *ctx) {
  char *abs = join(root, rel);
  DIR *d = opendir(abs);
  free(abs);
  if (!d) return -1;
  StrList names = {0};
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) list_add(&names, strdup(e->d_name));
  closedir(d);
  if (names.n) qsort(names.v, names.n, sizeof *names.v, cmp_str);
  int stop = 0;
  for (size_t i = 0; i < names.n && !stop; i++) {
    char *r = join(rel, names.v[i]), *full = join(root, r);
    struct stat st;
    if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
      if (depth > 0) walk(root, r, depth - 1, visit, ctx);
    } else if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
      stop = visit(r, ctx);
    }
    free(r);
    free(full);
  }
  list_free(&names);
  return 0;
}

static int collect_yml(const char *rel, void *ctx) {
  StrList *l = ctx;
  const char *base = strrchr(rel, '/');
  base = base ? base + 1 : rel;
  if (!strcmp(base, "model.yml") && l->n < OMZ_MAX_FILES) list_add(l, strdup(rel));
  return 0;
}

typedef struct {
  const char *suffix; /* "/FP16/x.xml" */
  char *best;         /* smallest matching path (malloc'd) */
} FindCtx;

static int find_visit(const char *rel, void *ctx) {
  FindCtx *f = ctx;
  size_t n = strlen(rel), k = strlen(f->suffix);
  if (n >= k && !strcmp(rel + n - k, f->suffix) && (!f->best || strcmp(rel, f->best) < 0)) {
    free(f->best);
    f->best = strdup(rel);
  }
  return 0;
}

/* The file want (a relative name from model.yml, e.g. "FP16/x.xml") in root/dir or below it:
 * the path relative to root (malloc'd), or NULL. Names with ".." or a leading '/' are refused. */
static char *find_model_file(const char *root, const char *dir, const char *want) {
  if (!*want || want[0] == '/' || !strcmp(want, "..") || !strncmp(want, "../", 3) ||
      strstr(want, "/../") || (strlen(want) >= 3 && !strcmp(want + strlen(want) - 3, "/..")))
    return NULL;
  char *rel = join(dir, want), *full = join(root, rel);
  struct stat st;
  bool direct = stat(full, &st) == 0 && S_ISREG(st.st_mode);
  free(full);
  if (direct) return rel;
  free(rel);
  size_t k = strlen(want) + 2;
  char *suffix = malloc(k);
  ASSERT(suffix != NULL);
  snprintf(suffix, k, "/%s", want);
  FindCtx f = {.suffix = suffix, .best = NULL};
  walk(root, dir, FIND_DEPTH, find_visit, &f);
  free(suffix);
  return f.best;
}

/* Path of abs relative to the folder from (both absolute, normalised). */
static char *relative_to(Arena *a, const char *from, const char *abs) {
  size_t i = 0, last = 0;
  while (from[i] && from[i] == abs[i]) {
    if (from[i] == '/') last = i;
    i++;
  }
  if (!from[i] && (abs[i] == '/' || !abs[i])) last = i; /* from is a prefix folder of abs */
  Buf b = BUF_INIT;
  for (const char *p = from + last; *p; p++)
    if (*p == '/' && p[1]) buf_printf(&b, "../");
  const char *rest = abs + last + (abs[last] == '/');
  buf_put(&b, rest, strlen(rest));
  char *s = arena_strndup(a, b.len ? (const char *)b.data : ".", b.len ? b.len : 1);
  buf_free(&b);
  return s;
}

/* ---- one model.yml ------------------------------------------------------------------------- */

typedef struct {
  Arena *a;
  const char *root;     /* realpath of DIR */
  const char *out_dir;  /* realpath of the manifest's folder */
  const char *out_path; /* the manifest path (for relative sources while checking) */
  StrList names;        /* names given so far */
} Imp;

/* A model being imported: what the manifest entry needs, or why it is skipped. */
typedef struct {
  const char *yml; /* model.yml relative to DIR */
  const char *dir; /* its folder relative to DIR */
  const char *name;
  const char *framework;
  const char *source; /* relative to the manifest folder; NULL when not found */
  const char *skip;   /* NULL = imported */
  OmzPrep prep;
} Model;

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key) {
  if (!map || map->type != YAML_MAPPING_NODE) return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(d, p->key);
    if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
      return yaml_document_get_node(d, p->value);
  }
  return NULL;
}

static const char *scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The scalars of a sequence node into an arena array (*n of them); -1 when n is not a list
 * of scalars. A missing node gives 0 entries. */
static int scalars(Arena *a, yaml_document_t *d, yaml_node_t *n, const char ***out, int *count) {
  *count = 0;
  *out = NULL;
  if (!n) return 0;
  if (n->type != YAML_SEQUENCE_NODE) return -1;
  int len = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
  *out = arena_array(a, (size_t)len + 1, sizeof **out);
  for (int i = 0; i < len; i++) {
    const char *s = scalar(yaml_document_get_node(d, n->data.sequence.items.start[i]));
    if (!s) return -1;
    (*out)[(*count)++] = arena_strdup(a, s);
  }
  return 0;
}

/* input_info (OMZ 2022.1) as the mo arguments omz_converter makes of it: --input, --input_shape,
 * --layout; added to args at *n. */
static void input_info_args(Arena *a, yaml_document_t *d, yaml_node_t *info, const char **args,
                            int *n) {
  if (!info || info->type != YAML_SEQUENCE_NODE) return;
  Buf names = BUF_INIT, shapes = BUF_INIT, layouts = BUF_INIT;
  bool all_shapes = true;
  for (yaml_node_item_t *it = info->data.sequence.items.start; it < info->data.sequence.items.top;
       it++) {
    yaml_node_t *e = yaml_document_get_node(d, *it), *sh = map_get(d, e, "shape");
    const char *name = scalar(map_get(d, e, "name")), *layout = scalar(map_get(d, e, "layout"));
    if (!name || strpbrk(name, ",[](){}")) continue;
    buf_printf(&names, "%s%s", names.len ? "," : "", name);
    if (layout) buf_printf(&layouts, "%s%s(%s)", layouts.len ? "," : "", name, layout);
    if (!sh || sh->type != YAML_SEQUENCE_NODE) {
      all_shapes = false;
      continue;
    }
    buf_printf(&shapes, "%s[", shapes.len ? "," : "");
    for (yaml_node_item_t *s = sh->data.sequence.items.start; s < sh->data.sequence.items.top;
         s++) {
      const char *v = scalar(yaml_document_get_node(d, *s));
      buf_printf(&shapes, "%s%s", s > sh->data.sequence.items.start ? "," : "", v ? v : "?");
    }
    buf_printf(&shapes, "]");
  }
  if (names.len)
    args[(*n)++] = arena_printf(a, "--input=%.*s", (int)names.len, (const char *)names.data);
  if (shapes.len && all_shapes)
    args[(*n)++] =
        arena_printf(a, "--input_shape=%.*s", (int)shapes.len, (const char *)shapes.data);
  if (layouts.len)
    args[(*n)++] = arena_printf(a, "--layout=%.*s", (int)layouts.len, (const char *)layouts.data);
  buf_free(&names);
  buf_free(&shapes);
  buf_free(&layouts);
}

/* Rank of an .xml file by precision folder: FP16 first, then FP32, none, others (INT8...). */
static int xml_rank(const char *name) {
  if (!strncmp(name, "FP16/", 5) || strstr(name, "/FP16/")) return 0;
  if (!strncmp(name, "FP32/", 5) || strstr(name, "/FP32/")) return 1;
  return strchr(name, '/') ? 3 : 2;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcasecmp(s + n - k, suffix);
}

/* Looks for the model's file among cands (relative names); sets m->source or m->skip. */
static void locate(Imp *im, Model *m, const char **cands, int n, bool dldt) {
  for (int i = 0; i < n && !m->source; i++) {
    char *rel = find_model_file(im->root, m->dir, cands[i]);
    if (!rel) continue;
    char *abs = join(im->root, rel);
    if (!utf8_valid(abs))
      m->skip = arena_printf(im->a, "path of '%s' is not valid UTF-8", cands[i]);
    if (dldt && !m->skip) {
      char *bin = arena_strdup(im->a, abs);
      strcpy(bin + strlen(bin) - 4, ".bin");
      struct stat st;
      if (stat(bin, &st) != 0 || !S_ISREG(st.st_mode))
        m->skip = arena_printf(im->a, "weights '%.*s.bin' not found beside '%s'",
                               (int)strlen(cands[i]) - 4, cands[i], rel);
    }
    if (!m->skip) m->source = relative_to(im->a, im->out_dir, abs);
    free(rel);
    free(abs);
    if (m->skip) return;
  }
  if (m->source || !n) return;
  m->skip = arena_printf(
      im->a, "'%s' not found next to model.yml or below it (run omz_downloader%s first)", cands[0],
      dldt || !strcmp(m->framework, "onnx") ? "" : " and omz_converter");
}

/* Chooses the model file by framework; sets m->source or m->skip. */
static void choose_source(Imp *im, Model *m, yaml_document_t *d, yaml_node_t *root) {
  const char *cands[66];
  int n = 0;
  bool dldt = !strcmp(m->framework, "dldt");
  const char *ext = dldt ? ".xml" : ".onnx";
  yaml_node_t *files = map_get(d, root, "files");
  for (int rank = 0; rank < (dldt ? 4 : 1); rank++) {
    for (yaml_node_item_t *it =
             files && files->type == YAML_SEQUENCE_NODE ? files->data.sequence.items.start : NULL;
         it && it < files->data.sequence.items.top && n < 64; it++) {
      const char *name = scalar(map_get(d, yaml_document_get_node(d, *it), "name"));
      if (name && ends_with(name, ext) && (!dldt || xml_rank(name) == rank))
        cands[n++] = arena_strdup(im->a, name);
    }
  }
  if (!dldt) { /* --input_model and conversion_to_onnx_args --output-file name converted files */
    if (m->prep.input_model && ends_with(m->prep.input_model, ".onnx"))
      cands[n++] = m->prep.input_model;
    const char **conv;
    int nc;
    if (scalars(im->a, d, map_get(d, root, "conversion_to_onnx_args"), &conv, &nc) == 0)
      for (int i = 0; i < nc && n < 66; i++)
        if (!strncmp(conv[i], "--output-file=", 14) && ends_with(conv[i], ".onnx"))
          cands[n++] = strip_dir_var(conv[i] + 14);
  }
  locate(im, m, cands, n, dldt);
  if (m->source || m->skip) return;
  if (dldt)
    m->skip = "framework 'dldt' but no .xml file is listed in 'files'";
  else if (!strcmp(m->framework, "onnx"))
    m->skip = "framework 'onnx' but no .onnx file is listed in 'files'";
  else
    m->skip = arena_printf(im->a, "framework '%s' cannot be read yet and no .onnx file was found",
                           m->framework);
}

/* Reads model.yml into m (framework, preprocessing, source) or sets m->skip. */
static void read_model(Imp *im, Model *m) {
  char *path = join(im->root, m->yml);
  uint8_t *text = NULL;
  size_t len = 0;
  Err e = {0};
  int rc = io_read_file(&text, &len, path, OMZ_MAX_YML_BYTES, &e);
  free(path);
  if (rc < 0) {
    m->skip = arena_printf(im->a, "cannot read model.yml: %s", e.msg);
    return;
  }
  yaml_parser_t p;
  yaml_document_t d;
  ASSERT(yaml_parser_initialize(&p));
  yaml_parser_set_input_string(&p, text, len);
  if (!yaml_parser_load(&p, &d)) {
    m->skip = arena_printf(im->a, "model.yml: yaml syntax error: %s (line %d)",
                           p.problem ? p.problem : "?", (int)p.problem_mark.line + 1);
    yaml_parser_delete(&p);
    free(text);
    return;
  }
  yaml_node_t *root = yaml_document_get_root_node(&d);
  const char **mo = NULL;
  int n_mo = 0;
  m->framework = arena_strdup(im->a, scalar(map_get(&d, root, "framework")));
  if (!root || root->type != YAML_MAPPING_NODE)
    m->skip = "model.yml is not a mapping";
  else if (!m->framework)
    m->skip = "model.yml has no 'framework'";
  else if (scalars(im->a, &d, map_get(&d, root, "model_optimizer_args"), &mo, &n_mo) < 0)
    m->skip = "'model_optimizer_args' must be a list of strings";
  if (!m->skip) {
    const char **args = arena_array(im->a, (size_t)n_mo + 3, sizeof *args);
    int n = 0;
    input_info_args(im->a, &d, map_get(&d, root, "input_info"), args, &n);
    if (n_mo) memcpy(args + n, mo, (size_t)n_mo * sizeof *args);
    if (omz_parse_mo_args(&m->prep, im->a, args, n + n_mo, &e) < 0)
      m->skip = arena_strdup(im->a, e.msg);
  }
  if (!m->skip) choose_source(im, m, &d, root);
  yaml_document_delete(&d);
  yaml_parser_delete(&p);
  free(text);
}

/* The folder name of the model, made a safe and unique manifest name. */
static const char *model_name(Imp *im, const char *dir) {
  const char *base = strrchr(dir, '/');
  base = base ? base + 1 : *dir ? dir : strrchr(im->root, '/') + 1;
  char s[MANIFEST_MAX_NAME + 1];
  size_t n = 0;
  for (const char *p = base; *p && n < MANIFEST_MAX_NAME - 4; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    s[n++] = ok ? c : '_';
  }
  s[n] = 0;
  if (!n) snprintf(s, sizeof s, "model");
  if (s[0] == '.') s[0] = '_';
  char *name = arena_strdup(im->a, s);
  for (int k = 2;; k++) {
    size_t i = 0;
    while (i < im->names.n && strcmp(im->names.v[i], name)) i++;
    if (i == im->names.n) break;
    name = arena_printf(im->a, "%s-%d", s, k);
  }
  list_add(&im->names, strdup(name));
  return name;
}

/* Checks the entry alone with the real manifest loader; NULL when it loads, else the reason. */
static const char *check_entry(Imp *im, const Buf *entry) {
  Buf doc = BUF_INIT;
  buf_printf(&doc, "version: 1\nmodels:\n");
  buf_put(&doc, entry->data, entry->len);
  Manifest *mf = NULL;
  Err e = {0};
  const char *why = NULL;
  if (manifest_parse_str(&mf, (const char *)doc.data, doc.len, im->out_path, &e) < 0)
    why = arena_printf(im->a, "our manifest rejects it: %s", e.msg);
  manifest_free(mf);
  buf_free(&doc);
  return why;
}

/* Appends the model to out: an entry, or `# skipped:` lines with the entry commented out. */
static void emit_model(Imp *im, Model *m, Buf *out, OmzStats *st, const char *dir, FILE *warn) {
  Buf entry = BUF_INIT;
  if (m->prep.n_inputs || m->source) render_entry(&entry, m->name, m->source, &m->prep);
  if (!m->skip) m->skip = check_entry(im, &entry);
  if (m->skip) {
    buf_printf(out, "  # skipped: ");
    comment_text(out, m->skip);
    buf_put(out, "\n", 1);
  }
  buf_printf(out, "  # from: ");
  comment_text(out, m->yml);
  if (m->framework)
    buf_printf(out, " (framework "), comment_text(out, m->framework), buf_put(out, ")", 1);
  buf_put(out, "\n", 1);
  if (m->prep.ignored)
    buf_printf(out, "  # mo args not used: "), comment_text(out, m->prep.ignored),
        buf_put(out, "\n", 1);
  if (!m->skip) {
    buf_put(out, entry.data, entry.len);
    st->imported++;
  } else {
    if (!entry.len) render_entry(&entry, m->name, NULL, &m->prep);
    for (size_t i = 0; i < entry.len;) { /* every entry line starts with two spaces */
      const uint8_t *nl = memchr(entry.data + i, '\n', entry.len - i);
      size_t end = nl ? (size_t)(nl - entry.data) + 1 : entry.len;
      buf_printf(out, "  # ");
      buf_put(out, entry.data + i + 2, end - i - 2);
      i = end;
    }
    st->skipped++;
    if (warn) fprintf(warn, "%s/%s: skipped '%s': %s\n", dir, m->yml, m->name, m->skip);
  }
  buf_put(out, "\n", 1);
  buf_free(&entry);
}

/* Realpath of the folder of path ("." when it has none); NULL when it does not exist. */
static char *folder_realpath(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
  char *r = realpath(dir, NULL);
  free(dir);
  return r;
}

int omz_import(Buf *out, const char *dir, const char *out_path, OmzStats *stats, FILE *warn,
               Err *err) {
  OmzStats st = {0};
  StrList ymls = {0};
  Buf body = BUF_INIT;
  Imp im = {.a = arena_new(), .out_path = out_path};
  char *root = realpath(dir, NULL);
  int root_errno = errno, rc = -1;
  char *out_dir = folder_realpath(out_path);
  err_where(err, dir, 0, NULL, NULL);
  if (!root) {
    err_set(err, ERR_IO, "cannot open folder: %s", strerror(root_errno));
    goto done;
  }
  if (!out_dir) {
    err_where(err, out_path, 0, NULL, NULL);
    err_set(err, ERR_IO, "the folder of the output manifest does not exist");
    goto done;
  }
  im.root = root;
  im.out_dir = out_dir;
  if (walk(root, "", OMZ_MAX_DEPTH, collect_yml, &ymls) < 0) {
    err_set(err, ERR_IO, "cannot open folder: %s", strerror(errno));
    goto done;
  }
  if (ymls.n) qsort(ymls.v, ymls.n, sizeof *ymls.v, cmp_str);
  if (ymls.n == 0) {
    err_set(err, ERR_USAGE, "no model.yml found");
    goto done;
  }
  const char *first_skip = NULL;
  for (size_t i = 0; i < ymls.n; i++) {
    Model *m = arena_alloc(im.a, sizeof *m);
    m->yml = ymls.v[i];
    const char *slash = strrchr(m->yml, '/');
    m->dir = slash ? arena_strndup(im.a, m->yml, (size_t)(slash - m->yml)) : "";
    m->name = model_name(&im, m->dir);
    read_model(&im, m);
    emit_model(&im, m, &body, &st, dir, warn);
    if (m->skip && !first_skip) first_skip = arena_printf(im.a, "%s: %s", m->yml, m->skip);
    st.found++;
  }
  if (!st.imported) {
    err_set(err, ERR_UNSUPPORTED_OP, "none of %d model.yml files could be imported (first: %s)",
            st.found, first_skip);
    goto done;
  }
  buf_printf(out, "# blobc manifest generated by `blobc import-omz ");
  comment_text(out, dir);
  buf_printf(out, "`: %d models, %d skipped (kept as comments).\n", st.imported, st.skipped);
  buf_printf(out, "# Sources are relative to this file's folder.\nversion: 1\nmodels:\n");
  buf_put(out, body.data, body.len);
  Manifest *mf = NULL;
  Err e = {0};
  rc = manifest_parse_str(&mf, (const char *)out->data, out->len, out_path, &e);
  manifest_free(mf);
  if (rc < 0) {
    char line[1400];
    err_set(err, ERR_INTERNAL, "the generated manifest does not load: %s",
            err_line(&e, line, sizeof line));
  }
done:
  if (stats) *stats = st;
  if (rc < 0) buf_free(out);
  list_free(&ymls);
  list_free(&im.names);
  buf_free(&body);
  arena_free(im.a);
  free(root);
  free(out_dir);
  return rc;
}

int omz_import_write(const char *dir, const char *out_path, OmzStats *stats, Err *err) {
  Buf b = BUF_INIT;
  const char *slash = strrchr(out_path, '/');
  if (slash && slash != out_path) {
    char *folder = strndup(out_path, (size_t)(slash - out_path));
    int rc = io_mkdirs(folder, err);
    free(folder);
    if (rc < 0) return -1;
  }
  int rc = omz_import(&b, dir, out_path, stats, stderr, err);
  if (rc == 0) rc = io_write_atomic(out_path, b.data, b.len, err);
  buf_free(&b);
  return rc;
}
