/* compiler/compile.c — one model through frontend, passes and backends (see compile.h). */
#include "compile.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/blob_format.h"
#include "backend/blob_read.h"

#include "backend/blob_write.h"
#include "backend/irxml.h"
#include "backend/superblob.h"
#include "frontend/frontends.h"
#include "passes/passes.h"

int compile_load(IrGraph **out, Arena *a, const char *path, Err *err) {
  return fe_load(out, a, path, err);
}

static const char *verdict_name(Verdict v) {
  switch (v) {
  case VERDICT_SUPPORTED: return "supported";
  case VERDICT_CONVERTED: return "converted";
  case VERDICT_UNSUPPORTED: return "unsupported";
  case VERDICT_FOLDED: return "folded";
  case VERDICT_BLOCKED: return "blocked";
  default: return "none";
  }
}

static const char *input_shapes(Arena *a, const IrGraph *g, const IrNode *n) {
  Buf b = BUF_INIT;
  for (int k = 0; k < n->n_inputs; k++) {
    if (k) buf_put(&b, ", ", 2);
    int t = n->inputs[k];
    if (t < 0) {
      buf_printf(&b, "-");
      continue;
    }
    buf_printf(&b, "%s %s", dtype_name(g->tensors[t].dtype), ir_shape_str(a, &g->tensors[t]));
  }
  buf_put(&b, "", 1);
  const char *s = arena_strdup(a, b.data ? (char *)b.data : "");
  buf_free(&b);
  return s;
}

static void fill_io(Arena *a, CompIo *io, const IrGraph *g, int t) {
  const IrTensor *x = &g->tensors[t];
  io->name = arena_strdup(a, x->name);
  io->dtype = dtype_name(x->dtype);
  io->shape = ir_shape_str(a, x);
  io->precision = x->dtype == DT_U8    ? "U8"
                  : x->dtype == DT_F16 ? "FP16"
                  : x->dtype == DT_F32 ? "FP32"
                  : x->dtype == DT_I32 ? "I32"
                                       : dtype_name(x->dtype);
  /* as the host feeds it; planar by default */
  io->layout = layout_name(x->layout != LAYOUT_NONE ? x->layout : layout_default(x->rank));
}

static int cmp_opcount(const void *a, const void *b) {
  return strcmp(((const CompOpCount *)a)->op, ((const CompOpCount *)b)->op);
}

static void count_ops(CompileResult *res, const IrGraph *g) {
  res->ops = arena_array(res->arena, (size_t)g->n_nodes + 1, sizeof(CompOpCount));
  res->n_ops = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    CompOpCount *c = NULL;
    for (int k = 0; k < res->n_ops && !c; k++)
      if (!strcmp(res->ops[k].op, n->op_type)) c = &res->ops[k];
    if (!c) {
      c = &res->ops[res->n_ops++];
      c->op = arena_strdup(res->arena, n->op_type);
    }
    if (n->dead)
      c->folded++;
    else if (n->verdict == VERDICT_UNSUPPORTED)
      c->unsupported++;
    else if (n->verdict == VERDICT_BLOCKED)
      c->blocked++;
    else if (n->verdict == VERDICT_CONVERTED)
      c->converted++;
    else
      c->supported++;
  }
  qsort(res->ops, (size_t)res->n_ops, sizeof(CompOpCount), cmp_opcount);
}

static bool same(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

/* The issue group of node n: an existing one with its op, verdict, reason and fix, or a new one. */
static CompIssue *issue_of(CompileResult *res, const IrGraph *g, const IrNode *n) {
  Arena *a = res->arena;
  const char *verdict = verdict_name(n->verdict);
  for (int k = 0; k < res->n_issues; k++) {
    CompIssue *is = &res->issues[k];
    if (same(is->op, n->op_type) && same(is->verdict, verdict) && same(is->reason, n->reason) &&
        same(is->fix, n->fix))
      return is;
  }
  CompIssue *is = &res->issues[res->n_issues++];
  is->node = arena_strdup(a, n->name);
  is->op = arena_strdup(a, n->op_type);
  is->verdict = verdict;
  is->reason = arena_strdup(a, n->reason ? n->reason : "");
  is->fix = arena_strdup(a, n->fix ? n->fix : "");
  is->input_shapes = input_shapes(a, g, n);
  is->nodes = arena_array(a, (size_t)g->n_nodes + 1, sizeof(char *));
  return is;
}

/* Counts verdicts, groups the converted and unsupported nodes into issues and files every
 * blocked node under the issue of its root cause. */
static void summarize_verdicts(CompileResult *res, const IrGraph *g) {
  Arena *a = res->arena;
  res->n_issues = 0;
  res->issues = arena_array(a, (size_t)g->n_nodes + 1, sizeof(CompIssue));
  res->n_supported = res->n_converted = res->n_unsupported = res->n_folded = res->n_blocked = 0;
  int *group = arena_array(a, (size_t)g->n_nodes + 1, sizeof(int)); /* issue of each root */
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    group[i] = -1;
    if (n->dead) {
      res->n_folded++;
      /* a fold that is a rewrite (QDQ weights into FP16 ones): counted folded, listed converted */
      if (n->verdict == VERDICT_CONVERTED) {
        CompIssue *is = issue_of(res, g, n);
        is->nodes[is->count++] = arena_strdup(a, n->name);
      }
      continue;
    }
    if (n->verdict == VERDICT_SUPPORTED) res->n_supported++;
    if (n->verdict == VERDICT_CONVERTED) res->n_converted++;
    if (n->verdict == VERDICT_UNSUPPORTED) res->n_unsupported++;
    if (n->verdict == VERDICT_BLOCKED) res->n_blocked++;
    if (n->verdict == VERDICT_CONVERTED || n->verdict == VERDICT_UNSUPPORTED) {
      CompIssue *is = issue_of(res, g, n);
      is->nodes[is->count++] = arena_strdup(a, n->name);
      group[i] = (int)(is - res->issues);
    }
  }
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead || n->verdict != VERDICT_BLOCKED || n->blocked_by < 0 ||
        n->blocked_by >= g->n_nodes)
      continue;
    int k = group[n->blocked_by];
    if (k < 0) continue;
    CompIssue *is = &res->issues[k];
    if (!is->blocked) {
      is->blocked = arena_array(a, COMP_BLOCKED_LISTED, sizeof(char *));
      is->blocked_ops = arena_array(a, COMP_BLOCKED_LISTED, sizeof(char *));
    }
    if (is->n_blocked_listed < COMP_BLOCKED_LISTED) {
      is->blocked[is->n_blocked_listed] = arena_strdup(a, n->name);
      is->blocked_ops[is->n_blocked_listed++] = arena_strdup(a, n->op_type);
    }
    is->n_blocked++;
  }
}

char *compile_issue_line(char *buf, size_t size, const char *model, const CompIssue *is,
                         bool with_fix) {
  size_t k = 0;
  int w;
  if (is->count > 1)
    w = snprintf(buf, size, "%s: %d\u00d7 %s (first '%s'): %s: %s", model, is->count, is->op,
                 is->node, is->verdict, is->reason);
  else
    w = snprintf(buf, size, "%s: node '%s' (%s): %s: %s", model, is->node, is->op, is->verdict,
                 is->reason);
  k = w < 0 ? 0 : (size_t)w < size ? (size_t)w : size - 1;
  if (with_fix && is->fix && is->fix[0] && k < size) {
    w = snprintf(buf + k, size - k, "; fix: %s", is->fix);
    k = w < 0 ? k : k + (size_t)w < size ? k + (size_t)w : size - 1;
  }
  if (is->n_blocked && k < size)
    snprintf(buf + k, size - k, "; blocks %d node%s below %s", is->n_blocked,
             is->n_blocked == 1 ? "" : "s", is->count > 1 ? "them" : "it");
  return buf;
}

static void summarize(CompileResult *res, const IrGraph *g, const CompileOptions *opt) {
  Arena *a = res->arena;
  res->opset = (int)g->opset;
  summarize_verdicts(res, g);
  res->n_nodes_live = ir_count_live(g);
  count_ops(res, g);
  res->n_inputs = g->n_inputs;
  res->inputs = arena_array(a, (size_t)g->n_inputs + 1, sizeof(CompIo));
  for (int i = 0; i < g->n_inputs; i++) {
    CompIo *io = &res->inputs[i];
    fill_io(a, io, g, g->inputs[i]);
    for (int k = 0; k < opt->n_inputs; k++) {
      const CompInput *s = &opt->inputs[k];
      bool match = s->name ? strcmp(s->name, io->name) == 0 : i == 0;
      if (!match) continue;
      io->n_mean = s->n_mean;
      io->n_scale = s->n_scale;
      memcpy(io->mean, s->mean, sizeof io->mean);
      memcpy(io->scale, s->scale, sizeof io->scale);
      io->reverse_input_channels = s->reverse_input_channels;
      if (s->frame_layout) io->layout = layout_name(s->frame_layout);
      io->frame_layout = layout_name(s->frame_layout ? s->frame_layout : s->layout);
    }
  }
  res->n_outputs = g->n_outputs;
  res->outputs = arena_array(a, (size_t)g->n_outputs + 1, sizeof(CompIo));
  for (int i = 0; i < g->n_outputs; i++) fill_io(a, &res->outputs[i], g, g->outputs[i]);
  /* parameters: constant float elements read by live nodes */
  uint8_t *seen = arena_alloc(g->arena, (size_t)g->n_tensors + 1);
  res->n_params = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs; k++) {
      int t = n->inputs[k];
      if (t < 0 || seen[t] || !g->tensors[t].data || !dtype_is_float(g->tensors[t].dtype)) continue;
      seen[t] = 1;
      res->n_params += ir_numel(&g->tensors[t]);
    }
  }
}

/* ---- backends: what a compiled graph is written as ---- */

/* Where the NCE candidates run (the blob writer's BlobStats), copied into the result's arena. */
static void hw_summary(CompileResult *res, const BlobStats *bs) {
  res->n_hw_stages = bs->n_hw_stages;
  res->n_shave_stages = bs->n_shave_stages;
  res->macs = bs->macs;
  res->macs_nce = bs->macs_nce;
  res->n_hw_layers = bs->n_hw_layers;
  res->hw_layers = arena_array(res->arena, (size_t)bs->n_hw_layers + 1, sizeof(CompHwLayer));
  for (int i = 0; i < bs->n_hw_layers; i++) {
    const BlobHwLayer *l = &bs->hw_layers[i];
    CompHwLayer *o = &res->hw_layers[i];
    o->node = arena_strdup(res->arena, l->node);
    o->op = arena_strdup(res->arena, l->op);
    o->kind = arena_strdup(res->arena, l->kind);
    o->nce = l->nce;
    o->reason = l->reason ? arena_strdup(res->arena, l->reason) : NULL;
    o->macs = l->macs;
    o->n_stages = l->n_stages;
    o->first_stage = l->first_stage;
    o->last_stage = l->last_stage;
  }
}

typedef struct {
  Job job;
  Arena *a; /* the graph: freed when this model is done */
  IrGraph *g;
  int64_t model_held; /* the decoded model file, charged until ir_detach releases it */
} CompileState;

/* Bytes of constant data read by live nodes: about what the IR .bin and the blob's constant
 * section will hold. */
static uint64_t live_const_bytes(const IrGraph *g) {
  uint64_t sum = 0;
  uint8_t *seen = arena_alloc(g->arena, (size_t)g->n_tensors + 1);
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs; k++) {
      int t = n->inputs[k];
      if (t < 0 || seen[t] || !g->tensors[t].data) continue;
      seen[t] = 1;
      sum += g->tensors[t].nbytes;
    }
  }
  return sum;
}

/* ERR_OOM before a backend allocates need bytes that do not fit the budget; 0 when they do. */
static int backend_fits(uint64_t need, Err *err) {
  job_set_node(NULL);
  return job_fits(need) ? 0 : job_poll(err);
}

static bool want_ir(const CompileOptions *opt, const CompileResult *res) {
  (void)res;
  return opt->want_ir;
}
static bool want_blob(const CompileOptions *opt, const CompileResult *res) {
  return opt->want_blob && res->n_unsupported == 0 && !opt->superblob;
}
static bool want_superblob(const CompileOptions *opt, const CompileResult *res) {
  return opt->want_blob && res->n_unsupported == 0 && opt->superblob;
}

/* OpenVINO IR v11 (.xml + .bin), handed to opt->emit_ir as soon as it exists. */
static int run_ir(IrGraph *g, const CompileOptions *opt, CompileResult *res, Err *err) {
  job_set_stage("writing the IR");
  /* the .bin holds the constants, the .xml about 1 KB per node */
  if (backend_fits(live_const_bytes(g) + ((uint64_t)g->n_nodes << 10), err) < 0) return -1;
  if (be_irxml_write(g, opt->model_name, &res->xml, &res->bin, err) < 0) {
    /* a model with unsupported nodes may have no static shapes past them: no IR then, but
     * the verdicts are the result */
    if (res->n_unsupported == 0 || err->code == ERR_INTERRUPTED || err->code == ERR_OOM) return -1;
    res->ir_skipped = arena_strdup(res->arena, err->msg);
    memset(err, 0, sizeof *err);
    buf_free(&res->xml);
    buf_free(&res->bin);
  }
  if (job_poll(err) < 0) return -1;
  if (opt->emit_ir && res->xml.len) {
    job_hold(); /* files are being created: a failed allocation must not skip their cleanup */
    int erc = opt->emit_ir(opt->emit_ctx, &res->xml, &res->bin, err);
    job_release();
    if (erc < 0) return -1;
    buf_free(&res->xml); /* stored: do not hold the weights twice while the blob is built */
    buf_free(&res->bin);
  }
  return 0;
}

/* The blob's constant section, and the blob that holds it, must fit the budget. */
static int blob_fits(IrGraph *g, Err *err) {
  job_set_stage("writing the blob");
  return backend_fits(2 * live_const_bytes(g) + ((uint64_t)g->n_nodes << 10), err);
}

/* One MyriadX blob for opt->shaves. */
static int run_blob(IrGraph *g, const CompileOptions *opt, CompileResult *res, Err *err) {
  BlobStats bs = {0};
  if (blob_fits(g, err) < 0 || be_blob_write(g, opt, &res->blob, &bs, err) < 0) return -1;
  hw_summary(res, &bs);
  res->n_stages = bs.n_stages;
  res->bss_size = bs.bss_size;
  res->bss_naive = bs.bss_naive;
  res->bss_peak = bs.bss_peak;
  return job_poll(err);
}

/* depthai's superblob: blobs for 1..16 SHAVEs as one base and patches. */
static int run_superblob(IrGraph *g, const CompileOptions *opt, CompileResult *res, Err *err) {
  if (blob_fits(g, err) < 0) return -1;
  Buf blobs[SUPERBLOB_N];
  memset(blobs, 0, sizeof blobs);
  int src = 0;
  for (int n = 1; n <= SUPERBLOB_N && src == 0; n++) {
    CompileOptions o = *opt;
    o.shaves = o.cmx_slices = n;
    BlobStats bs = {0};
    src = be_blob_write(g, &o, &blobs[n - 1], &bs, err);
    if (src == 0) src = job_poll(err);
    if (n == SUPERBLOB_BASE_SHAVES) {
      hw_summary(res, &bs);
      res->n_stages = bs.n_stages;
      res->bss_size = bs.bss_size;
    }
  }
  if (src == 0) src = be_superblob_write(&res->blob, blobs, err);
  for (int n = 0; n < SUPERBLOB_N; n++) buf_free(&blobs[n]);
  return src;
}

/* In order: the IR is written (and stored by the caller) before the blob is built. */
static const struct {
  const char *name;
  bool (*wanted)(const CompileOptions *opt, const CompileResult *res);
  int (*run)(IrGraph *g, const CompileOptions *opt, CompileResult *res, Err *err);
} BACKENDS[] = {
    {"OpenVINO IR", want_ir, run_ir},
    {"MyriadX blob", want_blob, run_blob},
    {"depthai superblob", want_superblob, run_superblob},
};
#define N_BACKENDS ((int)(sizeof BACKENDS / sizeof BACKENDS[0]))

static int compile_steps(CompileState *s, CompileResult *res, const CompileOptions *opt, Err *err) {
  int rc = -1;
  PassStats st = {0};
  double t0 = io_now();
  uint64_t max_file =
      opt->limits.max_file_bytes ? opt->limits.max_file_bytes : LIMIT_DEFAULT_FILE_BYTES;
  int64_t max_nodes = opt->limits.max_nodes ? opt->limits.max_nodes : LIMIT_DEFAULT_NODES;
  struct stat sb;
  IrGraph *g = NULL;
  if (stat(opt->source, &sb) == 0 && (uint64_t)sb.st_size > max_file) { /* before reading a byte */
    err_where(err, opt->source, 0, NULL, NULL);
    err_set(err, ERR_OOM, "model file is %llu bytes, over the limit of %llu (--max-file-mb)",
            (unsigned long long)sb.st_size, (unsigned long long)max_file);
    goto done;
  }
  /* the decoded model takes about the file's size: charged for as long as it is kept */
  s->model_held = stat(opt->source, &sb) == 0 ? (int64_t)sb.st_size : 0;
  job_set_stage("loading the model");
  (void)job_fits((uint64_t)s->model_held); /* a refusal is reported by job_poll */
  if (job_poll(err) < 0) goto done;
  job_account(s->model_held);
  if (compile_load(&s->g, s->a, opt->source, err) < 0) goto done;
  g = s->g;
  ir_collect(g); /* the arrays loading outgrew */
  g->max_tensor_bytes =
      opt->limits.max_tensor_bytes ? opt->limits.max_tensor_bytes : LIMIT_DEFAULT_TENSOR_BYTES;
  g->drop_dead_consts = true; /* nothing here looks at folded intermediates */
  if (g->n_nodes > max_nodes) {
    err_where(err, opt->source, 0, NULL, NULL);
    err_set(err, ERR_OOM, "the model has %d nodes, over the limit of %lld (--max-nodes)",
            g->n_nodes, (long long)max_nodes);
    goto done;
  }
  if (g->n_outputs == 0) {
    err_where(err, opt->source, 0, NULL, NULL);
    err_set(err, ERR_PARSE, "the model has no outputs");
    goto done;
  }
  res->n_nodes_source = g->n_nodes;
  double t1 = io_now();
  res->t_load = t1 - t0;
  bool verify = ir_verify_enabled();
  if (verify && ir_verify(g, "loading", err) < 0) goto done;
  static const struct {
    const char *pass, *stage;
  } STAGE[] = {
      {"preprocess", "preprocessing"},
      {"int_inputs", "converting integer inputs"},
      {"infer", "inferring shapes"},
      {"fuse_bn", "fusing BatchNorm"},
      {"fold_preprocess", "folding preprocessing"},
      {"verdicts", "judging VPU support"},
      {"fp16", "converting to FP16"},
      {"output_precision", "converting outputs to FP32"},
  };
  for (int p = 0; p < PASS_COUNT; p++) {
    const char *stage = PASS_LIST[p].name;
    for (size_t k = 0; k < sizeof STAGE / sizeof STAGE[0]; k++)
      if (!strcmp(STAGE[k].pass, PASS_LIST[p].name)) stage = STAGE[k].stage;
    job_set_stage(stage);
    if (job_poll(err) < 0 || PASS_LIST[p].fn(g, opt, &st, err) < 0) goto done;
    job_set_node(NULL);
    if (verify && ir_verify(g, PASS_LIST[p].name, err) < 0) goto done;
    ir_collect(g); /* between passes nothing points into the graph's arrays */
  }
  if (job_poll(err) < 0) goto done;
  ir_detach(g); /* weights are FP16 now: keep half their bytes, free the decoded file */
  job_account(-s->model_held);
  s->model_held = 0;
  res->weights_saturated = st.fp16_saturated;
  res->weights_underflowed = st.fp16_underflowed;
  summarize(res, g, opt);
  double t2 = io_now();
  res->t_passes = t2 - t1;
  for (int b = 0; b < N_BACKENDS; b++)
    if (BACKENDS[b].wanted(opt, res) && BACKENDS[b].run(g, opt, res, err) < 0) goto done;
  if (job_poll(err) < 0) goto done;
  res->t_backend = io_now() - t2;
  rc = 0;
done:
  if (rc < 0 && g && res->n_issues == 0 && g->n_nodes && res->inputs == NULL &&
      err->code != ERR_INTERRUPTED && err->code != ERR_OOM) {
    /* keep whatever verdicts exist for the report */
    summarize(res, g, opt);
  }
  return rc;
}

int compile_model(CompileResult *res, const CompileOptions *opt, Err *err) {
  memset(res, 0, sizeof *res);
  res->arena =
      arena_new(); /* the summary: small, lives as long as the result (made outside the job) */
  CompileState *s = calloc(1, sizeof *s);
  if (!s) {
    err_where(err, opt->source, 0, NULL, NULL);
    return err_set(err, ERR_OOM, "out of memory");
  }
  uint64_t limit =
      opt->limits.max_model_bytes ? opt->limits.max_model_bytes : job_default_budget(1);
  res->mem_limit = limit;
  job_begin(&s->job, limit, opt->stop, &s->job.jb);
  int rc;
  if (setjmp(s->job.jb) == 0) {
    s->a = arena_new();
    rc = compile_steps(s, res, opt, err);
  } else {            /* an allocation failed: everything made under the job goes */
    ir_release(s->g); /* the decoded model is not in an arena */
    s->g = NULL;
    job_unwind(&s->job);
    s->a = NULL;
    res->blob = (Buf)BUF_INIT; /* grown under the job: freed by the unwind */
    res->xml = (Buf)BUF_INIT;
    res->bin = (Buf)BUF_INIT;
    rc = job_error(&s->job, err);
  }
  res->mem_peak = s->job.peak;
  job_end(&s->job);
  if (rc < 0 && !err->file[0]) err_where(err, opt->source, 0, NULL, NULL);
  ir_release(s->g);
  arena_free(s->a);
  free(s);
  return rc;
}

void compile_result_free(CompileResult *res) {
  if (!res) return;
  buf_free(&res->blob);
  buf_free(&res->xml);
  buf_free(&res->bin);
  arena_free(res->arena);
  res->arena = NULL;
}
