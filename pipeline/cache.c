/* pipeline/cache.c — see cache.h. */
#include "cache.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/report.h" /* BLOBC_VERSION */

#define CACHE_VERSION 1
#define CACHE_DIR     ".blobc-cache"

/* Canonical text of everything that changes the outputs: every MODEL and INPUT option of
 * pipeline/options.def (so a new option is in the key without a line here), the tool version and
 * what the run writes. */
static void options_digest(char out[65], const BuildJob *j) {
  const CompileOptions *o = &j->opt;
  Buf b = BUF_INIT;
  buf_printf(&b, "tool=%s\nname=%s\nsource=%s\nblob=%d\nir=%d\nact=%d\n", BLOBC_VERSION,
             o->model_name, o->source ? o->source : "", o->want_blob, o->want_ir,
             j->activation_stats);
  if (j->mm) {
    for (int id = 0; id < OPT_COUNT; id++) {
      if (OPT_ROWS[id].level != OL_MODEL) continue;
      buf_printf(&b, "%s=", OPT_ROWS[id].key);
      opt_format(&b, (OptId)id, &j->mm->opt.v[id]);
      buf_put(&b, "\n", 1);
    }
    for (int i = 0; i < j->mm->n_inputs; i++) {
      const ManifestInput *in = &j->mm->inputs[i];
      buf_printf(&b, "input=%s\n", in->name ? in->name : "");
      for (int id = 0; id < OPT_COUNT; id++) {
        if (OPT_ROWS[id].level != OL_INPUT || !in->opt.v[id].line) continue;
        buf_printf(&b, "  %s=", OPT_ROWS[id].key);
        opt_format(&b, (OptId)id, &in->opt.v[id]);
        buf_put(&b, "\n", 1);
      }
    }
  } else { /* a job made by hand: the compiler's options */
    buf_printf(&b, "dt=%d\nop=%d\nsh=%d\ncmx=%d\nov=%s\nsb=%d\nnn=%d\n", o->data_type,
               o->output_precision, o->shaves, o->cmx_slices, o->openvino ? o->openvino : "",
               o->superblob, j->nn_archive);
    for (int i = 0; i < o->n_inputs; i++) {
      const CompInput *in = &o->inputs[i];
      buf_printf(&b, "in=%s|%d|%d|", in->name ? in->name : "", in->has_shape, in->rank);
      for (int k = 0; k < in->rank && k < IR_MAX_DIMS; k++)
        buf_printf(&b, "%lld,", (long long)in->shape[k]);
      buf_printf(&b, "|%d|%d|%d|%d|%d|", in->layout, in->frame_layout, in->reverse_input_channels,
                 in->precision, in->n_mean);
      for (int k = 0; k < in->n_mean; k++) buf_printf(&b, "%.17g,", in->mean[k]);
      buf_printf(&b, "|%d|", in->n_scale);
      for (int k = 0; k < in->n_scale; k++) buf_printf(&b, "%.17g,", in->scale[k]);
      buf_put(&b, "\n", 1);
    }
  }
  sha256_hex(out, b.data, b.len);
  buf_free(&b);
}

typedef struct {
  char path[4096];
  long long size, mtime_ns;
} SrcFile;

static int cmp_src(const void *a, const void *b) {
  return strcmp(((const SrcFile *)a)->path, ((const SrcFile *)b)->path);
}

/* The model file and its stem siblings, sorted; returns the count (max 16). */
static int source_files(SrcFile *out, const char *source) {
  char dir[4096], stem[1024];
  const char *slash = strrchr(source, '/');
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - source) : 1, slash ? source : ".");
  snprintf(stem, sizeof stem, "%s", slash ? slash + 1 : source);
  char *dot = strrchr(stem, '.');
  if (dot) *dot = 0;
  size_t sl = strlen(stem);
  int n = 0;
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 16) {
    if (strncmp(e->d_name, stem, sl) || (e->d_name[sl] != '.' && e->d_name[sl] != 0)) continue;
    SrcFile *f = &out[n];
    snprintf(f->path, sizeof f->path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(f->path, &st) < 0 || !S_ISREG(st.st_mode)) continue;
    f->size = (long long)st.st_size;
    f->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    n++;
  }
  closedir(d);
  qsort(out, (size_t)n, sizeof *out, cmp_src);
  return n;
}

static int content_digest(char out[65], const SrcFile *files, int n) {
  Buf all = BUF_INIT; /* digest of per-file digests: name + bytes */
  for (int i = 0; i < n; i++) {
    uint8_t *d = NULL;
    size_t len = 0;
    Err err = {0};
    if (io_read_file(&d, &len, files[i].path, 0, &err) < 0) {
      buf_free(&all);
      return -1;
    }
    char h[65];
    sha256_hex(h, d, len);
    free(d);
    const char *base = strrchr(files[i].path, '/');
    buf_printf(&all, "%s %s\n", h, base ? base + 1 : files[i].path);
  }
  sha256_hex(out, all.data ? all.data : (const uint8_t *)"", all.len);
  buf_free(&all);
  return 0;
}

static void entry_path(char *out, size_t size, const char *out_dir, const char *name) {
  snprintf(out, size, "%s/" CACHE_DIR "/%s.json", out_dir, name);
}

static void entry_checksum(char out[65], json_t *entry) {
  json_t *copy = json_deep_copy(entry);
  json_object_del(copy, "checksum");
  char *s = json_dumps(copy, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17));
  sha256_hex(out, s ? s : "", s ? strlen(s) : 0);
  free(s);
  json_decref(copy);
}

static json_t *files_json(const SrcFile *f, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(f[i].path));
    json_object_set_new(o, "size", json_integer(f[i].size));
    json_object_set_new(o, "mtime_ns", json_integer(f[i].mtime_ns));
    json_array_append_new(a, o);
  }
  return a;
}

static bool outputs_present(json_t *outs, const char *out_dir) {
  size_t i;
  json_t *o;
  json_array_foreach(outs, i, o) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", out_dir, json_string_value(json_object_get(o, "path")));
    struct stat st;
    if (stat(p, &st) < 0 ||
        (json_int_t)st.st_size != json_integer_value(json_object_get(o, "size")))
      return false;
  }
  return true;
}

static void restore_job(BuildJob *j, json_t *entry) {
  json_t *rep = json_object_get(entry, "report");
  const char *status = json_string_value(json_object_get(rep, "status"));
  j->status = status && !strcmp(status, "unsupported") ? JOB_UNSUPPORTED : JOB_OK;
  j->cached_record = json_incref(rep);
  j->res.arena = arena_new();
  json_t *w = json_object_get(rep, "outputs_written"), *b = json_object_get(w, "blob");
  if (b) {
    j->blob_path = arena_strdup(j->res.arena, json_string_value(json_object_get(b, "path")));
    j->blob_size = (size_t)json_integer_value(json_object_get(b, "size"));
    const char *h = json_string_value(json_object_get(b, "sha256"));
    snprintf(j->blob_sha256, sizeof j->blob_sha256, "%s", h ? h : "");
  }
  if (json_object_get(w, "nn_archive"))
    j->nn_archive_path =
        arena_strdup(j->res.arena, json_string_value(json_object_get(w, "nn_archive")));
  if (json_object_get(w, "xml")) {
    j->xml_path = arena_strdup(j->res.arena, json_string_value(json_object_get(w, "xml")));
    j->bin_path = arena_strdup(j->res.arena, json_string_value(json_object_get(w, "bin")));
  }
}

bool cache_lookup(BuildJob *j, const char *out_dir) {
  char path[4096];
  entry_path(path, sizeof path, out_dir, j->name);
  if (!io_exists(path)) return false;
  json_error_t je;
  json_t *entry = json_load_file(path, 0, &je);
  char sum[65];
  if (entry) entry_checksum(sum, entry);
  const char *stored = entry ? json_string_value(json_object_get(entry, "checksum")) : NULL;
  if (!entry || !stored || strcmp(stored, sum) ||
      json_integer_value(json_object_get(entry, "cache_version")) != CACHE_VERSION ||
      !json_is_object(json_object_get(entry, "report"))) {
    fprintf(stderr, "%s: warning: corrupt cache entry discarded\n", path);
    unlink(path);
    json_decref(entry);
    return false;
  }
  bool hit = false;
  char opt[65];
  options_digest(opt, j);
  const char *eo = json_string_value(json_object_get(entry, "options"));
  if (eo && !strcmp(eo, opt) && outputs_present(json_object_get(entry, "outputs"), out_dir)) {
    SrcFile files[16];
    int n = source_files(files, j->opt.source);
    json_t *now = files_json(files, n);
    if (n > 0 && json_equal(now, json_object_get(entry, "files"))) {
      hit = true; /* same sizes and mtimes */
    } else if (n > 0) {
      char cd[65];
      const char *ec = json_string_value(json_object_get(entry, "content"));
      if (content_digest(cd, files, n) == 0 && ec && !strcmp(cd, ec)) {
        hit = true; /* touched but unchanged: refresh the stats */
        json_object_set(entry, "files", now);
        entry_checksum(sum, entry);
        json_object_set_new(entry, "checksum", json_string(sum));
        char *s = json_dumps(entry, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
        Err err = {0};
        if (s) io_write_atomic(path, s, strlen(s), &err);
        free(s);
      }
    }
    json_decref(now);
  }
  if (hit) restore_job(j, entry);
  json_decref(entry);
  return hit;
}

void cache_store(BuildJob *j, const char *out_dir, json_t *record) {
  if (j->status != JOB_OK && j->status != JOB_UNSUPPORTED) {
    json_decref(record);
    return;
  }
  SrcFile files[16];
  int n = source_files(files, j->opt.source);
  char cd[65], opt[65];
  if (n == 0 || content_digest(cd, files, n) < 0) {
    json_decref(record);
    return;
  }
  options_digest(opt, j);
  json_t *entry = json_object();
  json_object_set_new(entry, "cache_version", json_integer(CACHE_VERSION));
  json_object_set_new(entry, "tool", json_string("blobc " BLOBC_VERSION));
  json_object_set_new(entry, "options", json_string(opt));
  json_object_set_new(entry, "content", json_string(cd));
  json_object_set_new(entry, "files", files_json(files, n));
  json_t *outs = json_array();
  const char *paths[4] = {j->blob_path, j->xml_path, j->bin_path, j->nn_archive_path};
  for (int k = 0; k < 4; k++) {
    if (!paths[k]) continue;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", out_dir, paths[k]);
    struct stat st;
    if (stat(p, &st) < 0) continue;
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(paths[k]));
    json_object_set_new(o, "size", json_integer((json_int_t)st.st_size));
    json_array_append_new(outs, o);
  }
  json_object_set_new(entry, "outputs", outs);
  json_object_del(record, "timings");
  json_object_set_new(entry, "report", record);
  char sum[65];
  entry_checksum(sum, entry);
  json_object_set_new(entry, "checksum", json_string(sum));
  char dir[4096], path[4096];
  snprintf(dir, sizeof dir, "%s/" CACHE_DIR, out_dir);
  entry_path(path, sizeof path, out_dir, j->name);
  Err err = {0};
  char *s = json_dumps(entry, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
  if (!s || io_mkdirs(dir, &err) < 0 || io_write_atomic(path, s, strlen(s), &err) < 0) {
    char line[1400];
    fprintf(stderr, "warning: cache entry not written: %s\n", err_line(&err, line, sizeof line));
  }
  free(s);
  json_decref(entry);
}
