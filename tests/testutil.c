/* tests/testutil.c — see testutil.h. */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tu_shared_data(void) {
  const char *env = getenv("BLOBC_SHARED_DATA");
  static const char *const cands[] = {"../shared/data", "../../shared/data"};
  struct stat st;
  if (env && stat(env, &st) == 0 && S_ISDIR(st.st_mode)) return env;
  for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
    if (stat(cands[i], &st) == 0 && S_ISDIR(st.st_mode)) return cands[i];
  return NULL;
}

char *tu_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/blobc-test-XXXXXX", base ? base : "/tmp");
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return strdup(d);
}

void tu_rmrf(const char *path) {
  if (!path || strlen(path) < 8) return;
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", path);
}

void tu_write(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

int tu_run(char **output, const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  char full[8300];
  snprintf(full, sizeof full, "%s 2>&1", cmd);
  FILE *p = popen(full, "r");
  assert_non_null(p);
  Buf b = BUF_INIT;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) buf_put(&b, chunk, n);
  buf_put(&b, "", 1);
  int st = pclose(p);
  if (output)
    *output = (char *)b.data;
  else
    buf_free(&b);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

const char *tu_blobc(void) {
  const char *e = getenv("BLOBC");
  return e ? e : "build/blobc";
}

const char *tu_demo_zoo(void) {
  const char *e = getenv("DEMO_ZOO");
  return e ? e : "build/demo-zoo";
}

/* ---- schema: a validator for the keyword subset report.schema.json uses -------------------- */

static bool json_type_is(const json_t *v, const char *type) {
  if (strcmp(type, "object") == 0) return json_is_object(v);
  if (strcmp(type, "array") == 0) return json_is_array(v);
  if (strcmp(type, "string") == 0) return json_is_string(v);
  if (strcmp(type, "integer") == 0) return json_is_integer(v);
  if (strcmp(type, "number") == 0) return json_is_number(v);
  if (strcmp(type, "boolean") == 0) return json_is_boolean(v);
  if (strcmp(type, "null") == 0) return json_is_null(v);
  return false;
}

typedef struct {
  const json_t *root; /* for "$ref": "#/$defs/name" */
  char why[512];      /* first violation: "path: what" */
} Validator;

static int sv_fail(Validator *v, const char *path, const char *what, const char *arg) {
  snprintf(v->why, sizeof v->why, "%s: %s%s", *path ? path : "/", what, arg ? arg : "");
  return -1;
}

static int sv_check(Validator *v, const json_t *schema, const json_t *inst, const char *path);

static int sv_object(Validator *v, const json_t *schema, const json_t *inst, const char *path) {
  const json_t *props = json_object_get(schema, "properties"),
               *addl = json_object_get(schema, "additionalProperties");
  const json_t *req = json_object_get(schema, "required");
  for (size_t i = 0; i < json_array_size(req); i++)
    if (!json_object_get(inst, json_string_value(json_array_get(req, i))))
      return sv_fail(v, path, "missing required ", json_string_value(json_array_get(req, i)));
  const char *key;
  json_t *val;
  json_object_foreach((json_t *)inst, key, val) {
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/%s", path, key);
    const json_t *ps = json_object_get(props, key);
    if (!ps && json_is_false(addl)) return sv_fail(v, path, "unexpected property ", key);
    if (!ps) ps = json_is_object(addl) ? addl : NULL;
    if (ps && sv_check(v, ps, val, sub) < 0) return -1;
  }
  return 0;
}

static int sv_keywords_known(Validator *v, const json_t *schema, const char *path) {
  static const char *const known[] = {"$schema",  "$id",         "$defs",
                                      "title",    "description", "type",
                                      "required", "properties",  "additionalProperties",
                                      "items",    "enum",        "minimum",
                                      "$ref"};
  const char *key;
  json_t *val;
  json_object_foreach((json_t *)schema, key, val) {
    size_t i = 0;
    while (i < sizeof known / sizeof known[0] && strcmp(key, known[i]) != 0) i++;
    if (i == sizeof known / sizeof known[0])
      return sv_fail(v, path, "schema uses unsupported keyword ", key);
  }
  return 0;
}

static int sv_check(Validator *v, const json_t *schema, const json_t *inst, const char *path) {
  if (sv_keywords_known(v, schema, path) < 0) return -1;
  const char *ref = json_string_value(json_object_get(schema, "$ref"));
  if (ref) {
    const json_t *target = strncmp(ref, "#/$defs/", 8) == 0
                               ? json_object_get(json_object_get(v->root, "$defs"), ref + 8)
                               : NULL;
    if (!target) return sv_fail(v, path, "unresolvable $ref ", ref);
    if (sv_check(v, target, inst, path) < 0) return -1;
  }
  const json_t *type = json_object_get(schema, "type"), *en = json_object_get(schema, "enum");
  bool type_ok = !type || (json_is_string(type) && json_type_is(inst, json_string_value(type)));
  for (size_t i = 0; !type_ok && i < json_array_size(type); i++)
    type_ok = json_type_is(inst, json_string_value(json_array_get(type, i)));
  if (!type_ok)
    return sv_fail(v, path, "wrong type, want ",
                   json_is_string(type) ? json_string_value(type) : "one of types");
  if (en) {
    bool hit = false;
    for (size_t i = 0; !hit && i < json_array_size(en); i++)
      hit = json_equal((json_t *)inst, json_array_get(en, i));
    if (!hit) return sv_fail(v, path, "value not in enum", NULL);
  }
  const json_t *min = json_object_get(schema, "minimum");
  if (min && json_is_number(inst) && json_number_value(inst) < json_number_value(min))
    return sv_fail(v, path, "below minimum", NULL);
  if (json_is_object(inst)) return sv_object(v, schema, inst, path);
  const json_t *items = json_object_get(schema, "items");
  for (size_t i = 0; items && i < json_array_size(inst); i++) {
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/%zu", path, i);
    if (sv_check(v, items, json_array_get(inst, i), sub) < 0) return -1;
  }
  return 0;
}

/* The schema from the source tree (tests run from the repo root; else $BUILD_DIR/..). */
json_t *tu_schema_load(void) {
  json_error_t je;
  json_t *s = json_load_file("reports/report.schema.json", 0, &je);
  const char *bd = getenv("BUILD_DIR");
  if (!s && bd) {
    char p[4200];
    snprintf(p, sizeof p, "%s/../reports/report.schema.json", bd);
    s = json_load_file(p, 0, &je);
  }
  if (!s) fail_msg("cannot load reports/report.schema.json: %s", je.text);
  return s;
}

/* 0 when doc validates; else -1 with the first violation printed into why. */
int tu_schema_validate(const json_t *schema, const json_t *doc, char *why, size_t size) {
  Validator v = {.root = schema};
  int rc = sv_check(&v, schema, doc, "");
  snprintf(why, size, "%s", v.why);
  return rc;
}
