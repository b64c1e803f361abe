/* pipeline/record.c — one model's record in report.json, from its BuildJob (see record.h). */
#include "record.h"

#include <string.h>

static json_t *io_json(const CompIo *io, bool is_input) {
  json_t *o = json_object();
  json_object_set_new(o, "name", report_str(io->name));
  json_object_set_new(o, "shape", report_str(io->shape));
  json_object_set_new(o, "precision", report_str(io->precision));
  json_object_set_new(o, "layout", report_str(io->layout));
  if (is_input) {
    json_t *pp = json_object();
    json_t *mean = json_array(), *scale = json_array();
    for (int i = 0; i < io->n_mean; i++) json_array_append_new(mean, json_real(io->mean[i]));
    for (int i = 0; i < io->n_scale; i++) json_array_append_new(scale, json_real(io->scale[i]));
    json_object_set_new(pp, "mean_values", mean);
    json_object_set_new(pp, "scale_values", scale);
    json_object_set_new(pp, "reverse_input_channels", json_boolean(io->reverse_input_channels));
    json_object_set_new(pp, "frame_layout", report_str(io->frame_layout));
    json_object_set_new(o, "preprocessing", pp);
  }
  return o;
}

static json_t *issue_json(const CompIssue *is) {
  json_t *o = json_object();
  json_object_set_new(o, "node", report_str(is->node));
  json_object_set_new(o, "op", report_str(is->op));
  json_object_set_new(o, "verdict", report_str(is->verdict));
  json_object_set_new(o, "reason", report_str(is->reason));
  json_object_set_new(o, "fix", report_str(is->fix));
  json_object_set_new(o, "input_shapes", report_str(is->input_shapes));
  json_object_set_new(o, "count", json_integer(is->count));
  json_t *nodes = json_array();
  for (int i = 0; i < is->count; i++) json_array_append_new(nodes, report_str(is->nodes[i]));
  json_object_set_new(o, "nodes", nodes);
  json_object_set_new(o, "blocked", json_integer(is->n_blocked));
  json_t *bl = json_array();
  for (int i = 0; i < is->n_blocked_listed; i++) {
    json_t *b = json_object();
    json_object_set_new(b, "node", report_str(is->blocked[i]));
    json_object_set_new(b, "op", report_str(is->blocked_ops[i]));
    json_array_append_new(bl, b);
  }
  json_object_set_new(o, "blocked_nodes", bl);
  return o;
}

/* Where the layers the NCE could take run: the MAC share on the NCE, the counts, and each
 * layer left on SHAVEs with the reason. */
static json_t *nce_json(const CompileResult *r) {
  json_t *o = json_object(), *sh = json_array();
  int on = 0;
  for (int i = 0; i < r->n_hw_layers; i++) {
    const CompHwLayer *l = &r->hw_layers[i];
    if (l->nce) {
      on++;
      continue;
    }
    json_t *e = json_object();
    json_object_set_new(e, "node", report_str(l->node));
    json_object_set_new(e, "op", report_str(l->op));
    json_object_set_new(e, "kind", report_str(l->kind));
    json_object_set_new(e, "reason", report_str(l->reason));
    json_object_set_new(e, "macs", json_integer((json_int_t)l->macs));
    json_array_append_new(sh, e);
  }
  json_object_set_new(o, "hw_stages", json_integer(r->n_hw_stages));
  json_object_set_new(o, "shave_stages", json_integer(r->n_shave_stages));
  json_object_set_new(o, "macs", json_integer((json_int_t)r->macs));
  json_object_set_new(o, "macs_nce", json_integer((json_int_t)r->macs_nce));
  json_object_set_new(o, "mac_share",
                      json_real(r->macs ? (double)r->macs_nce / (double)r->macs : 0.0));
  json_object_set_new(o, "layers", json_integer(r->n_hw_layers));
  json_object_set_new(o, "layers_nce", json_integer(on));
  json_object_set_new(o, "on_shaves", sh);
  return o;
}

static json_t *model_json_fresh(const BuildJob *j) {
  const CompileResult *r = &j->res;
  json_t *m = json_object();
  json_object_set_new(m, "name", report_str(j->name));
  json_object_set_new(m, "source", report_str(j->opt.source));
  json_object_set_new(m, "status", report_str(job_status_name(j->status)));
  if (j->status == JOB_ERROR || j->status == JOB_INTERRUPTED) {
    json_t *e = json_object();
    char line[1400];
    json_object_set_new(e, "code", report_str(err_code_name(j->err.code)));
    json_object_set_new(e, "node", report_str(j->err.node));
    json_object_set_new(e, "message", report_str(j->err.msg));
    json_object_set_new(e, "line", report_str(err_line(&j->err, line, sizeof line)));
    json_object_set_new(m, "error", e);
  }
  json_t *opt = json_object();
  json_object_set_new(opt, "data_type",
                      report_str(j->opt.data_type == PREC_FP32 ? "FP32" : "FP16"));
  json_object_set_new(opt, "shaves", json_integer(j->opt.shaves));
  json_object_set_new(opt, "cmx_slices", json_integer(j->opt.cmx_slices));
  json_object_set_new(opt, "openvino", report_str(j->opt.openvino));
  json_object_set_new(opt, "hw", report_str(j->opt.hw_off ? "off" : "auto"));
  json_object_set_new(m, "options", opt);
  json_object_set_new(m, "opset", json_integer(r->opset));
  json_t *nodes = json_object();
  json_object_set_new(nodes, "source", json_integer(r->n_nodes_source));
  json_object_set_new(nodes, "live", json_integer(r->n_nodes_live));
  json_object_set_new(nodes, "folded", json_integer(r->n_folded));
  json_object_set_new(nodes, "supported", json_integer(r->n_supported));
  json_object_set_new(nodes, "converted", json_integer(r->n_converted));
  json_object_set_new(nodes, "unsupported", json_integer(r->n_unsupported));
  json_object_set_new(nodes, "blocked", json_integer(r->n_blocked));
  json_object_set_new(m, "nodes", nodes);
  json_t *ops = json_object();
  for (int i = 0; i < r->n_ops; i++) {
    json_t *c = json_object();
    json_object_set_new(c, "supported", json_integer(r->ops[i].supported));
    json_object_set_new(c, "converted", json_integer(r->ops[i].converted));
    json_object_set_new(c, "unsupported", json_integer(r->ops[i].unsupported));
    json_object_set_new(c, "folded", json_integer(r->ops[i].folded));
    json_object_set_new(c, "blocked", json_integer(r->ops[i].blocked));
    json_object_set_new(ops, r->ops[i].op, c);
  }
  json_object_set_new(m, "ops", ops);
  json_object_set_new(m, "parameters", json_integer(r->n_params));
  json_t *ins = json_array(), *outs = json_array();
  for (int i = 0; i < r->n_inputs; i++) json_array_append_new(ins, io_json(&r->inputs[i], true));
  for (int i = 0; i < r->n_outputs; i++)
    json_array_append_new(outs, io_json(&r->outputs[i], false));
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
  if (j->probe.have) {
    json_object_set_new(fp, "max_activation", json_real(j->probe.max_activation));
    json_object_set_new(fp, "activation_overflows", json_integer((json_int_t)j->probe.overflows));
    json_object_set_new(
        fp, "probe_input",
        report_str("deterministic pseudo-random frame, run on the CPU through the blob's stages"));
  } else if (j->probe.note) {
    json_object_set_new(fp, "activation_stats_skipped", report_str(j->probe.note));
  }
  json_object_set_new(m, "fp16", fp);
  if (j->verify_record) json_object_set(m, "verify", j->verify_record);
  json_t *out = json_object();
  if (j->blob_path) {
    json_t *b = json_object();
    json_object_set_new(b, "path", report_str(j->blob_path));
    json_object_set_new(b, "size", json_integer((json_int_t)j->blob_size));
    json_object_set_new(b, "sha256", report_str(j->blob_sha256));
    json_object_set_new(b, "stages", json_integer(r->n_stages));
    json_object_set_new(b, "bss_size", json_integer(r->bss_size));
    json_object_set_new(b, "bss_naive", json_integer((json_int_t)r->bss_naive));
    json_object_set_new(b, "bss_peak", json_integer((json_int_t)r->bss_peak));
    json_object_set_new(b, "hw_stages", json_integer(r->n_hw_stages));
    json_object_set_new(b, "shave_stages", json_integer(r->n_shave_stages));
    json_object_set_new(out, "blob", b);
    json_object_set_new(m, "nce", nce_json(r));
  }
  if (j->xml_path) {
    json_object_set_new(out, "xml", report_str(j->xml_path));
    json_object_set_new(out, "bin", report_str(j->bin_path));
  }
  if (r->ir_skipped) json_object_set_new(out, "ir_skipped", report_str(r->ir_skipped));
  if (j->nn_archive_path) json_object_set_new(out, "nn_archive", report_str(j->nn_archive_path));
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

json_t *job_record(const BuildJob *j) {
  if (j->cached_record) { /* unchanged since the run that built it: that run's record */
    json_t *m = json_deep_copy(j->cached_record);
    json_object_set_new(m, "cached", json_true());
    if (j->verify_record) json_object_set(m, "verify", j->verify_record);
    json_t *t = json_object();
    json_object_set_new(t, "total_s", json_real(j->t_total));
    json_object_set_new(m, "timings", t);
    return m;
  }
  return model_json_fresh(j);
}

/* The report document of a batch (reports/report.h) from each job's record. */
json_t *jobs_report(const BuildJob *jobs, int n, const char *manifest) {
  json_t *models = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(models, job_record(&jobs[i]));
  return report_build(models, manifest);
}
