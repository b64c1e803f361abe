/* reports/report_merge.c — see report_merge.h. */
#include "report_merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"
#include "report_out.h"

/* Statuses of report.schema.json and the summary field each counts in. */
static const char *const STATUS[] = {"ok",      "unsupported", "error",
                                     "skipped", "pending",     "interrupted"};
static const char *const SUMMARY_KEY[] = {"ok",      "unsupported", "error",
                                          "skipped", "skipped",     "interrupted"};
#define N_STATUS (sizeof STATUS / sizeof STATUS[0])

/* A model record and the input it came from. */
typedef struct {
  json_t *model; /* borrowed from its input document */
  const char *name;
  int file; /* index into paths */
} Entry;

static int fail(Err *err, const char *path, int line, ErrCode code, const char *fmt, const char *a,
                const char *b) {
  err_where(err, path, line, NULL, NULL);
  char msg[sizeof err->msg];
  snprintf(msg, sizeof msg, fmt, a, b);
  return err_set(err, code, "%s", msg);
}

/* Loads one input and checks the fields the merge relies on; the document goes to *out. */
static int load_one(json_t **out, const char *path, Err *err) {
  struct stat st;
  if (stat(path, &st) != 0)
    return fail(err, path, 0, ERR_IO, "cannot read: %s%s", strerror(errno), "");
  if (!S_ISREG(st.st_mode))
    return fail(err, path, 0, ERR_IO, "cannot read: not a regular file%s%s", "", "");
  if ((unsigned long long)st.st_size > REPORT_MERGE_MAX_BYTES)
    return fail(err, path, 0, ERR_PARSE, "file is over the limit of 1 GiB%s%s", "", "");
  json_error_t je;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!doc)
    return fail(err, path, je.line > 0 ? je.line : 0, ERR_PARSE, "invalid json: %s%s", je.text, "");
  const char *why = NULL;
  json_t *sv = json_object_get(doc, "schema_version");
  char num[32];
  if (!json_is_object(doc))
    why = "not a blobc report (the top level is not an object)";
  else if (!json_is_integer(sv))
    why = "not a blobc report (no integer 'schema_version')";
  else if (json_integer_value(sv) != REPORT_SCHEMA_VERSION) {
    snprintf(num, sizeof num, "%lld", (long long)json_integer_value(sv));
    json_decref(doc);
    err_where(err, path, 0, NULL, NULL);
    return err_set(err, ERR_PARSE, "unsupported schema_version %s (expected %d)", num,
                   REPORT_SCHEMA_VERSION);
  } else if (!json_is_array(json_object_get(doc, "models")))
    why = "'models' must be an array";
  else if (!json_is_string(json_object_get(doc, "manifest")))
    why = "'manifest' must be a string";
  if (why) {
    json_decref(doc);
    return fail(err, path, 0, ERR_PARSE, "%s%s", why, "");
  }
  *out = doc;
  return 0;
}

/* Index of status s in STATUS, -1 when unknown. */
static int status_index(const char *s) {
  for (size_t i = 0; s && i < N_STATUS; i++)
    if (!strcmp(s, STATUS[i])) return (int)i;
  return -1;
}

/* Adds the models of docs[f] to entries, checking each has a name and a known status. */
static int collect(Entry *entries, size_t *n, json_t *doc, int f, const char *path, Err *err) {
  json_t *models = json_object_get(doc, "models");
  for (size_t i = 0; i < json_array_size(models); i++) {
    json_t *m = json_array_get(models, i);
    const char *name = json_string_value(json_object_get(m, "name"));
    char idx[32];
    snprintf(idx, sizeof idx, "%zu", i);
    if (!json_is_object(m) || !name)
      return fail(err, path, 0, ERR_PARSE, "models[%s] has no string 'name'%s", idx, "");
    const char *st = json_string_value(json_object_get(m, "status"));
    if (status_index(st) < 0)
      return fail(err, path, 0, ERR_PARSE, "model '%.200s': unknown status '%.100s'", name,
                  st ? st : "(none)");
    entries[*n] = (Entry){.model = m, .name = name, .file = f};
    (*n)++;
  }
  return 0;
}

static int cmp_entry(const void *x, const void *y) {
  const Entry *a = x, *b = y;
  int c = strcmp(a->name, b->name);
  return c ? c : a->file - b->file;
}

/* The recomputed summary of the sorted entries; "cached" only when an input summary has it. */
static json_t *summary(const Entry *e, size_t n, bool with_cached) {
  json_int_t counts[N_STATUS] = {0}, cached = 0;
  for (size_t i = 0; i < n; i++) {
    counts[status_index(json_string_value(json_object_get(e[i].model, "status")))]++;
    cached += json_is_true(json_object_get(e[i].model, "cached"));
  }
  json_t *s = json_object();
  json_object_set_new(s, "models", json_integer((json_int_t)n));
  for (size_t k = 0; k < N_STATUS; k++) {
    json_t *cur = json_object_get(s, SUMMARY_KEY[k]);
    json_object_set_new(s, SUMMARY_KEY[k],
                        json_integer(counts[k] + (cur ? json_integer_value(cur) : 0)));
  }
  if (with_cached) json_object_set_new(s, "cached", json_integer(cached));
  return s;
}

int report_merge(json_t **out, const char *const *paths, int n, Err *err) {
  if (n < 1) return err_set(err, ERR_USAGE, "report merge needs at least one report.json");
  json_t **docs = calloc((size_t)n, sizeof *docs);
  Entry *entries = NULL;
  size_t n_entries = 0, total = 0;
  int rc = 0;
  ASSERT(docs != NULL);
  for (int i = 0; i < n && rc == 0; i++) {
    rc = load_one(&docs[i], paths[i], err);
    if (rc == 0) total += json_array_size(json_object_get(docs[i], "models"));
  }
  if (rc == 0) {
    entries = calloc(total ? total : 1, sizeof *entries);
    ASSERT(entries != NULL);
  }
  for (int i = 0; i < n && rc == 0; i++)
    rc = collect(entries, &n_entries, docs[i], i, paths[i], err);
  if (rc == 0) qsort(entries, n_entries, sizeof *entries, cmp_entry);
  for (size_t i = 1; i < n_entries && rc == 0; i++) {
    if (strcmp(entries[i - 1].name, entries[i].name)) continue;
    const Entry *a = &entries[i - 1], *b = &entries[i];
    if (a->file == b->file)
      rc = fail(err, paths[b->file], 0, ERR_PARSE, "model '%.200s' appears twice%s", a->name, "");
    else
      rc = fail(err, paths[b->file], 0, ERR_PARSE, "model '%.200s' is also in %.300s", a->name,
                paths[a->file]);
  }
  if (rc == 0) {
    bool with_cached = false, same_tool = true;
    const char *tool = json_string_value(json_object_get(docs[0], "tool"));
    for (int i = 0; i < n; i++) {
      with_cached |= json_object_get(json_object_get(docs[i], "summary"), "cached") != NULL;
      const char *t = json_string_value(json_object_get(docs[i], "tool"));
      same_tool &= tool && t && !strcmp(tool, t);
    }
    json_t *root = json_object(), *models = json_array();
    json_object_set_new(root, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
    json_object_set_new(root, "tool", json_string(same_tool ? tool : "blobc " BLOBC_VERSION));
    json_object_set(root, "manifest", json_object_get(docs[0], "manifest"));
    json_object_set_new(root, "summary", summary(entries, n_entries, with_cached));
    for (size_t i = 0; i < n_entries; i++) json_array_append(models, entries[i].model);
    json_object_set_new(root, "models", models);
    *out = root;
  }
  for (int i = 0; i < n; i++) json_decref(docs[i]);
  free(docs);
  free(entries);
  return rc;
}

int report_merge_write(const char *out_dir, const char *const *paths, int n, int *stats_models,
                       Err *err) {
  json_t *doc = NULL;
  char path[4200];
  int rc = report_merge(&doc, paths, n, err);
  if (rc == 0) rc = io_mkdirs(out_dir, err);
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/report.json", out_dir);
    rc = report_json_write_doc(path, doc, err);
  }
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/report.html", out_dir);
    rc = report_html_write(path, doc, err);
  }
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/junit.xml", out_dir);
    rc = report_junit_write(path, doc, err);
  }
  if (rc == 0 && stats_models) *stats_models = (int)json_array_size(json_object_get(doc, "models"));
  json_decref(doc);
  return rc;
}
