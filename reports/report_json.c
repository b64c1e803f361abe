/* reports/report_json.c — see report.h. */
#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* json_string refuses invalid UTF-8; names from hostile models may be that, so fall back to an
 * escaped-bytes rendering. */
json_t *report_str(const char *s) {
  json_t *j = json_string(s ? s : "");
  if (j) return j;
  Buf b = BUF_INIT;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p < 0x80)
      buf_put(&b, p, 1);
    else
      buf_printf(&b, "\\x%02x", *p);
  }
  buf_put(&b, "", 1);
  j = json_string((char *)b.data);
  buf_free(&b);
  return j ? j : json_string("");
}

json_t *report_build(json_t *models, const char *manifest) {
  json_t *root = json_object();
  json_object_set_new(root, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
  json_object_set_new(root, "tool", report_str("blobc " BLOBC_VERSION));
  json_object_set_new(root, "manifest", report_str(manifest));
  int ok = 0, unsupported = 0, error = 0, skipped = 0, interrupted = 0, cached = 0;
  size_t i;
  json_t *m;
  json_array_foreach(models, i, m) { /* "pending": never started (interrupted run) */
    const char *st = json_string_value(json_object_get(m, "status"));
    st = st ? st : "";
    ok += !strcmp(st, "ok");
    unsupported += !strcmp(st, "unsupported");
    error += !strcmp(st, "error");
    skipped += !strcmp(st, "skipped") || !strcmp(st, "pending");
    interrupted += !strcmp(st, "interrupted");
    cached += json_is_true(json_object_get(m, "cached"));
  }
  json_t *sum = json_object();
  json_object_set_new(sum, "models", json_integer((json_int_t)json_array_size(models)));
  json_object_set_new(sum, "ok", json_integer(ok));
  json_object_set_new(sum, "unsupported", json_integer(unsupported));
  json_object_set_new(sum, "error", json_integer(error));
  json_object_set_new(sum, "skipped", json_integer(skipped));
  json_object_set_new(sum, "interrupted", json_integer(interrupted));
  json_object_set_new(sum, "cached", json_integer(cached));
  json_object_set_new(root, "summary", sum);
  json_object_set_new(root, "models", models);
  return root;
}

char *report_json_dumps(json_t *doc) {
  return json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
}

void report_strip_timings(json_t *doc) {
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(doc, "models"), i, m) {
    json_object_del(m, "timings");
    json_object_del(m, "cached"); /* a cached re-run archives the same bytes as a fresh one */
  }
  json_object_del(json_object_get(doc, "summary"), "cached");
}

int report_json_write_doc(const char *path, json_t *doc, Err *err) {
  char *s = report_json_dumps(doc);
  if (!s) return err_set(err, ERR_INTERNAL, "cannot serialise the report");
  Buf b = BUF_INIT;
  buf_put(&b, s, strlen(s));
  buf_put(&b, "\n", 1);
  free(s);
  int rc = io_write_atomic(path, b.data, b.len, err);
  buf_free(&b);
  return rc;
}
