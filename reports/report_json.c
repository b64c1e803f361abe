/* reports/report_json.c — see report.h. */
#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *jstr(const char *s) { return json_string(s ? s : ""); }

/* json_string refuses invalid UTF-8; names from hostile models may be that, so fall back to an
 * escaped-bytes rendering. */
static json_t *jstr_safe(const char *s) {
  json_t *j = json_string(s ? s : "");
  if (j) return j;
  Buf b = BUF_INIT;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p < 0x80) buf_put(&b, p, 1);
    else buf_printf(&b, "\\x%02x", *p);
  }
  buf_put(&b, "", 1);
  j = json_string((char *)b.data);
  buf_free(&b);
  return j ? j : json_string("");
}

static json_t *io_json(const CompIo *io, bool is_input) {
  json_t *o = json_object();
  json_object_set_new(o, "name", jstr_safe(io->name));
  json_object_set_new(o, "shape", jstr(io->shape));
  json_object_set_new(o, "precision", jstr(io->precision));
  json_object_set_new(o, "layout", jstr(io->layout));
  if (is_input) {
    json_t *pp = json_object();
    json_t *mean = json_array(), *scale = json_array();
    for (int i = 0; i < io->n_mean; i++) json_array_append_new(mean, json_real(io->mean[i]));
    for (int i = 0; i < io->n_scale; i++) json_array_append_new(scale, json_real(io->scale[i]));
    json_object_set_new(pp, "mean_values", mean);
    json_object_set_new(pp, "scale_values", scale);
    json_object_set_new(pp, "reverse_input_channels", json_boolean(io->reverse_input_channels));
    json_object_set_new(pp, "frame_layout", jstr(io->frame_layout));
    json_object_set_new(o, "preprocessing", pp);
  }
  return o;
}

static json_t *issue_json(const CompIssue *is) {
  json_t *o = json_object();
  json_object_set_new(o, "node", jstr_safe(is->node));
  json_object_set_new(o, "op", jstr_safe(is->op));
  json_object_set_new(o, "verdict", jstr(is->verdict));
  json_object_set_new(o, "reason", jstr_safe(is->reason));
  json_object_set_new(o, "fix", jstr_safe(is->fix));
  json_object_set_new(o, "input_shapes", jstr_safe(is->input_shapes));
  return o;
}

static json_t *model_json_fresh(const BuildJob *j);

json_t *report_model_json(const BuildJob *j) {
  if (j->cached_report) { /* unchanged since the run that built it: that run's record */
    json_t *m = json_deep_copy(j->cached_report);
    json_object_set_new(m, "cached", json_true());
    json_t *t = json_object();
    json_object_set_new(t, "total_s", json_real(j->t_total));
    json_object_set_new(m, "timings", t);
    return m;
  }
  return model_json_fresh(j);
}

static json_t *model_json_fresh(const BuildJob *j) {
  const CompileResult *r = &j->res;
  json_t *m = json_object();
  json_object_set_new(m, "name", jstr_safe(j->name));
  json_object_set_new(m, "source", jstr_safe(j->opt.source));
  json_object_set_new(m, "status", jstr(job_status_name(j->status)));
  if (j->status == JOB_ERROR || j->status == JOB_INTERRUPTED) {
    json_t *e = json_object();
    char line[1400];
    json_object_set_new(e, "code", jstr(err_code_name(j->err.code)));
    json_object_set_new(e, "node", jstr_safe(j->err.node));
    json_object_set_new(e, "message", jstr_safe(j->err.msg));
    json_object_set_new(e, "line", jstr_safe(err_line(&j->err, line, sizeof line)));
    json_object_set_new(m, "error", e);
  }
  json_t *opt = json_object();
  json_object_set_new(opt, "data_type", jstr(j->opt.data_type == CP_FP32 ? "FP32" : "FP16"));
  json_object_set_new(opt, "shaves", json_integer(j->opt.shaves));
  json_object_set_new(opt, "cmx_slices", json_integer(j->opt.cmx_slices));
  json_object_set_new(opt, "openvino", jstr(j->opt.openvino));
  json_object_set_new(m, "options", opt);
  json_object_set_new(m, "opset", json_integer(r->opset));
  json_t *nodes = json_object();
  json_object_set_new(nodes, "source", json_integer(r->n_nodes_source));
  json_object_set_new(nodes, "live", json_integer(r->n_nodes_live));
  json_object_set_new(nodes, "folded", json_integer(r->n_folded));
  json_object_set_new(nodes, "supported", json_integer(r->n_supported));
  json_object_set_new(nodes, "converted", json_integer(r->n_converted));
  json_object_set_new(nodes, "unsupported", json_integer(r->n_unsupported));
  json_object_set_new(m, "nodes", nodes);
  json_t *ops = json_object();
  for (int i = 0; i < r->n_ops; i++) {
    json_t *c = json_object();
    json_object_set_new(c, "supported", json_integer(r->ops[i].supported));
    json_object_set_new(c, "converted", json_integer(r->ops[i].converted));
    json_object_set_new(c, "unsupported", json_integer(r->ops[i].unsupported));
    json_object_set_new(c, "folded", json_integer(r->ops[i].folded));
    json_object_set_new(ops, r->ops[i].op, c);
  }
  json_object_set_new(m, "ops", ops);
  json_object_set_new(m, "parameters", json_integer(r->n_params));
  json_t *ins = json_array(), *outs = json_array();
  for (int i = 0; i < r->n_inputs; i++) json_array_append_new(ins, io_json(&r->inputs[i], true));
  for (int i = 0; i < r->n_outputs; i++) json_array_append_new(outs, io_json(&r->outputs[i], false));
  json_object_set_new(m, "inputs", ins);
  json_object_set_new(m, "outputs", outs);
  json_t *uns = json_array(), *conv = json_array();
  for (int i = 0; i < r->n_issues; i++) {
    const CompIssue *is = &r->issues[i];
    json_array_append_new(strcmp(is->verdict, "unsupported") == 0 ? uns : conv, issue_json(is));
  }
  json_object_set_new(m, "unsupported", uns);
  json_object_set_new(m, "converted", conv);
  json_t *fp = json_object();
  json_object_set_new(fp, "weights_saturated", json_integer((json_int_t)r->weights_saturated));
  json_object_set_new(fp, "weights_underflowed", json_integer((json_int_t)r->weights_underflowed));
  if (r->have_activation_stats) {
    json_object_set_new(fp, "max_activation", json_real(r->max_activation));
    json_object_set_new(fp, "activation_overflows", json_integer((json_int_t)r->activation_overflows));
    json_object_set_new(fp, "probe_input", jstr("deterministic pseudo-random frame, run on the CPU through the blob's stages"));
  } else if (r->activation_note) {
    json_object_set_new(fp, "activation_stats_skipped", jstr_safe(r->activation_note));
  }
  json_object_set_new(m, "fp16", fp);
  json_t *out = json_object();
  if (j->blob_path) {
    json_t *b = json_object();
    json_object_set_new(b, "path", jstr_safe(j->blob_path));
    json_object_set_new(b, "size", json_integer((json_int_t)j->blob_size));
    json_object_set_new(b, "sha256", jstr(j->blob_sha256));
    json_object_set_new(b, "stages", json_integer(r->n_stages));
    json_object_set_new(b, "bss_size", json_integer(r->bss_size));
    json_object_set_new(b, "bss_naive", json_integer((json_int_t)r->bss_naive));
    json_object_set_new(b, "bss_peak", json_integer((json_int_t)r->bss_peak));
    json_object_set_new(out, "blob", b);
  }
  if (j->xml_path) {
    json_object_set_new(out, "xml", jstr_safe(j->xml_path));
    json_object_set_new(out, "bin", jstr_safe(j->bin_path));
  }
  if (r->ir_skipped) json_object_set_new(out, "ir_skipped", jstr_safe(r->ir_skipped));
  json_object_set_new(m, "outputs_written", out);
  json_t *t = json_object();
  json_object_set_new(t, "load_s", json_real(r->t_load));
  json_object_set_new(t, "passes_s", json_real(r->t_passes));
  json_object_set_new(t, "backend_s", json_real(r->t_backend));
  json_object_set_new(t, "total_s", json_real(j->t_total));
  if (r->mem_limit) { /* the budget depends on the machine and -j: run-dependent like the times */
    json_object_set_new(t, "memory_budget_bytes", json_integer((json_int_t)r->mem_limit));
    json_object_set_new(t, "memory_peak_bytes", json_integer((json_int_t)r->mem_peak));
  }
  json_object_set_new(m, "timings", t);
  return m;
}

json_t *report_build(const BuildJob *jobs, int n, const char *manifest) {
  json_t *root = json_object();
  json_object_set_new(root, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
  json_object_set_new(root, "tool", jstr("blobc " BLOBC_VERSION));
  json_object_set_new(root, "manifest", jstr_safe(manifest));
  int counts[JOB_STATUS_COUNT] = {0}, cached = 0;
  for (int i = 0; i < n; i++) {
    counts[jobs[i].status]++;
    cached += jobs[i].cached_report != NULL;
  }
  json_t *sum = json_object();
  json_object_set_new(sum, "models", json_integer(n));
  json_object_set_new(sum, "ok", json_integer(counts[JOB_OK]));
  json_object_set_new(sum, "unsupported", json_integer(counts[JOB_UNSUPPORTED]));
  json_object_set_new(sum, "error", json_integer(counts[JOB_ERROR]));
  json_object_set_new(sum, "skipped", json_integer(counts[JOB_SKIPPED] + counts[JOB_PENDING]));
  json_object_set_new(sum, "interrupted", json_integer(counts[JOB_INTERRUPTED]));
  json_object_set_new(sum, "cached", json_integer(cached));
  json_object_set_new(root, "summary", sum);
  json_t *models = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(models, report_model_json(&jobs[i]));
  json_object_set_new(root, "models", models);
  return root;
}

char *report_json_string(const BuildJob *jobs, int n, const char *manifest) {
  json_t *root = report_build(jobs, n, manifest);
  char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
  json_decref(root);
  return s;
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
  char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
  if (!s) return err_set(err, ERR_INTERNAL, "cannot serialise the report");
  Buf b = BUF_INIT;
  buf_put(&b, s, strlen(s));
  buf_put(&b, "\n", 1);
  free(s);
  int rc = io_write_atomic(path, b.data, b.len, err);
  buf_free(&b);
  return rc;
}

int report_json_write(const char *path, const BuildJob *jobs, int n, const char *manifest, Err *err) {
  char *s = report_json_string(jobs, n, manifest);
  if (!s) return err_set(err, ERR_INTERNAL, "cannot serialise the report");
  size_t len = strlen(s);
  s[len] = 0;
  Buf b = BUF_INIT;
  buf_put(&b, s, len);
  buf_put(&b, "\n", 1);
  free(s);
  int rc = io_write_atomic(path, b.data, b.len, err);
  buf_free(&b);
  return rc;
}
