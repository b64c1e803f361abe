/*
 * reports/report_baseline.c — last night against tonight: which models newly fail, newly pass,
 * changed their blob, appeared or disappeared. The result is a "baseline" object in the report
 * document; `blobc build --baseline OLD/report.json` exits 3 when something newly fails.
 */
#include <stdio.h>
#include <string.h>

#include "report.h"

static const char *status_of(json_t *m) {
  const char *s = json_string_value(json_object_get(m, "status"));
  return s ? s : "";
}

static bool failing(const char *s) { return !strcmp(s, "unsupported") || !strcmp(s, "error"); }

static const char *blob_sha(json_t *m) {
  return json_string_value(
      json_object_get(json_object_get(json_object_get(m, "outputs_written"), "blob"), "sha256"));
}

static json_t *find_model(json_t *models, const char *name) {
  size_t i;
  json_t *m;
  json_array_foreach(models, i, m) {
    const char *n = json_string_value(json_object_get(m, "name"));
    if (n && !strcmp(n, name)) return m;
  }
  return NULL;
}

static void add_change(json_t *arr, const char *name, const char *before, const char *after) {
  json_t *o = json_object();
  json_object_set_new(o, "name", json_string(name));
  json_object_set_new(o, "before", json_string(before));
  json_object_set_new(o, "after", json_string(after));
  json_array_append_new(arr, o);
}

int report_baseline_apply(json_t *doc, const char *path, Err *err) {
  json_error_t je;
  json_t *old = json_load_file(path, 0, &je);
  if (!old) {
    err_where(err, path, je.line > 0 ? je.line : 0, NULL, NULL);
    return err_set(err, ERR_PARSE, "cannot read baseline report: %s", je.text);
  }
  json_t *om = json_object_get(old, "models");
  if (!json_is_array(om) ||
      json_integer_value(json_object_get(old, "schema_version")) != REPORT_SCHEMA_VERSION) {
    json_decref(old);
    err_where(err, path, 0, NULL, NULL);
    return err_set(err, ERR_PARSE, "not a blobc report of schema version %d",
                   REPORT_SCHEMA_VERSION);
  }
  json_t *b = json_object(), *nf = json_array(), *np = json_array(), *ch = json_array(),
         *added = json_array(), *removed = json_array();
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(doc, "models"), i, m) {
    const char *name = json_string_value(json_object_get(m, "name"));
    if (!name) continue;
    json_t *o = find_model(om, name);
    const char *now = status_of(m);
    if (!o) {
      json_array_append_new(added, json_string(name));
      if (failing(now)) add_change(nf, name, "absent", now);
      continue;
    }
    const char *before = status_of(o);
    if (failing(now) && !failing(before))
      add_change(nf, name, before, now);
    else if (!failing(now) && failing(before))
      add_change(np, name, before, now);
    else if (!strcmp(now, "ok") && !strcmp(before, "ok")) {
      const char *a = blob_sha(o), *c = blob_sha(m);
      if (a && c && strcmp(a, c)) add_change(ch, name, a, c);
    }
  }
  json_array_foreach(om, i, m) {
    const char *name = json_string_value(json_object_get(m, "name"));
    if (name && !find_model(json_object_get(doc, "models"), name))
      json_array_append_new(removed, json_string(name));
  }
  int n_fail = (int)json_array_size(nf);
  json_object_set_new(b, "path", json_string(path));
  json_object_set_new(b, "newly_failing", nf);
  json_object_set_new(b, "newly_passing", np);
  json_object_set_new(b, "changed_output", ch);
  json_object_set_new(b, "added", added);
  json_object_set_new(b, "removed", removed);
  json_object_set_new(doc, "baseline", b);
  json_decref(old);
  return n_fail;
}
