/* compiler/compile.c — one model through frontend, passes and backends (see compile.h). */
#include "compile.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/blob_format.h"
#include "backend/blob_read.h"

#include "backend/blob_write.h"
#include "backend/irxml.h"
#include "backend/superblob.h"
#include "frontend/caffe.h"
#include "frontend/ir_read.h"
#include "frontend/onnx.h"
#include "frontend/tf.h"
#include "passes/passes.h"
#include "ref/blob_exec.h"

/* Runs the blob on a deterministic probe input (pseudo-random frame bytes / values in [-1, 1]) and
 * records the largest activation and FP16 overflows (blob_exec.h). */
static void activation_stats(CompileResult *res) {
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err e = {0};
  if (blob_parse(&b, a, res->blob.data, res->blob.len, "probe", &e) < 0) {
    arena_free(a);
    return;
  }
  void **ins = calloc((size_t)b->hdr.inputs_count + 1, sizeof *ins);
  uint64_t r = 0x2545F4914F6CDD1Dull;
  for (uint32_t i = 0; i < b->hdr.inputs_count && ins; i++) {
    const BlobIo *io = &b->inputs[i];
    uint8_t *p = ins[i] = calloc((size_t)io->byte_size + 1, 1);
    uint32_t es = blob_dtype_size(io->shape.data_type);
    for (uint64_t k = 0; p && es && k < io->byte_size / es; k++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      if (io->shape.data_type == BLOB_DT_FP16) {
        uint16_t h = fp16_from_f32((float)(r >> 40) / (float)(1 << 23) - 1.0f);
        memcpy(p + 2 * k, &h, 2);
      } else if (io->shape.data_type == BLOB_DT_S32) {
        int32_t v = (int32_t)(r >> 60);
        memcpy(p + 4 * k, &v, 4);
      } else if (es == 1) {
        p[k] = (uint8_t)(r >> 56);
      }
    }
  }
  BlobRun run;
  if (blob_exec(&run, b, res->blob.data, res->blob.len, (const void *const *)ins, &e) == 0) {
    res->have_activation_stats = true;
    res->max_activation = run.max_abs;
    res->activation_overflows = run.n_overflow;
    blob_run_free(&run);
  } else {
    res->activation_note = arena_strdup(res->arena, e.msg);
  }
  for (uint32_t i = 0; ins && i < b->hdr.inputs_count; i++) free(ins[i]);
  free(ins);
  arena_free(a);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

int compile_load(IrGraph **out, Arena *a, const char *path, Err *err) {
  if (ends_with(path, ".onnx")) return fe_onnx_load(out, a, path, err);
  if (ends_with(path, ".xml")) return fe_ir_load(out, a, path, err);
  if (ends_with(path, ".prototxt")) return fe_caffe_load(out, a, path, err);
  if (ends_with(path, ".pb")) return fe_tf_load(out, a, path, err);
  err_where(err, path, 0, NULL, NULL);
  return err_set(err, ERR_PARSE, "unknown model format (expected .onnx, .xml with .bin beside it, .prototxt with .caffemodel, or a .pb TensorFlow frozen graph)");
}

static const char *verdict_name(Verdict v) {
  switch (v) {
  case VERDICT_SUPPORTED: return "supported";
  case VERDICT_CONVERTED: return "converted";
  case VERDICT_UNSUPPORTED: return "unsupported";
  case VERDICT_FOLDED: return "folded";
  default: return "none";
  }
}

static const char *input_shapes(Arena *a, const IrGraph *g, const IrNode *n) {
  Buf b = BUF_INIT;
  for (int k = 0; k < n->n_inputs; k++) {
    if (k) buf_put(&b, ", ", 2);
    int t = n->inputs[k];
    if (t < 0) { buf_printf(&b, "-"); continue; }
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
  io->precision = x->dtype == DT_U8 ? "U8" : x->dtype == DT_F16 ? "FP16" : x->dtype == DT_F32 ? "FP32"
                : x->dtype == DT_I32 ? "I32" : dtype_name(x->dtype);
  static const char *const L[] = {"", "NCHW", "NHWC", "CHW", "HWC", "NC", "C"};
  if (x->layout > 0 && x->layout < 7) io->layout = L[x->layout]; /* as the host feeds it */
  else io->layout = x->rank == 4 ? "NCHW" : x->rank == 3 ? "CHW" : x->rank == 2 ? "NC" : x->rank == 1 ? "C" : "";
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
    if (n->dead) c->folded++;
    else if (n->verdict == VERDICT_UNSUPPORTED) c->unsupported++;
    else if (n->verdict == VERDICT_CONVERTED) c->converted++;
    else c->supported++;
  }
  qsort(res->ops, (size_t)res->n_ops, sizeof(CompOpCount), cmp_opcount);
}

static void summarize(CompileResult *res, const IrGraph *g, const CompileOptions *opt) {
  Arena *a = res->arena;
  res->opset = (int)g->opset;
  res->n_issues = 0;
  res->issues = arena_array(a, (size_t)g->n_nodes + 1, sizeof(CompIssue));
  res->n_supported = res->n_converted = res->n_unsupported = res->n_folded = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead) { res->n_folded++; continue; }
    if (n->verdict == VERDICT_SUPPORTED) res->n_supported++;
    if (n->verdict == VERDICT_CONVERTED) res->n_converted++;
    if (n->verdict == VERDICT_UNSUPPORTED) res->n_unsupported++;
    if (n->verdict == VERDICT_CONVERTED || n->verdict == VERDICT_UNSUPPORTED) {
      CompIssue *is = &res->issues[res->n_issues++];
      is->node = arena_strdup(a, n->name);
      is->op = arena_strdup(a, n->op_type);
      is->verdict = verdict_name(n->verdict);
      is->reason = arena_strdup(a, n->reason ? n->reason : "");
      is->fix = arena_strdup(a, n->fix ? n->fix : "");
      is->input_shapes = input_shapes(a, g, n);
    }
  }
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
      static const char *const L[] = {"", "NCHW", "NHWC", "CHW", "HWC", "NC", "C"};
      if (s->frame_layout) io->layout = L[s->frame_layout];
      io->frame_layout = L[s->frame_layout ? s->frame_layout : s->layout];
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

/* What compile_model holds, on the heap: a failed allocation longjmps back into compile_model,
 * and only objects outside its stack frame are sure to keep the values they had. */
typedef struct {
  Job job;
  Arena *a;           /* the graph: freed when this model is done */
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

static int compile_steps(CompileState *s, CompileResult *res, const CompileOptions *opt, Err *err) {
  int rc = -1;
  PassStats st = {0};
  double t0 = io_now();
  uint64_t max_file = opt->limits.max_file_bytes ? opt->limits.max_file_bytes : LIMIT_DEFAULT_FILE_BYTES;
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
  g->max_tensor_bytes = opt->limits.max_tensor_bytes ? opt->limits.max_tensor_bytes : LIMIT_DEFAULT_TENSOR_BYTES;
  g->drop_dead_consts = true; /* nothing here looks at folded intermediates */
  if (g->n_nodes > max_nodes) {
    err_where(err, opt->source, 0, NULL, NULL);
    err_set(err, ERR_OOM, "the model has %d nodes, over the limit of %lld (--max-nodes)", g->n_nodes, (long long)max_nodes);
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
  static const char *const STAGE[] = {"preprocessing", "converting integer inputs", "fusing BatchNorm",
                                      "folding preprocessing", "judging VPU support", "converting to FP16"};
  for (int p = 0; p < PASS_COUNT; p++) {
    job_set_stage(p < (int)(sizeof STAGE / sizeof STAGE[0]) ? STAGE[p] : PASS_LIST[p].name);
    if (job_poll(err) < 0 || PASS_LIST[p].fn(g, opt, &st, err) < 0) goto done;
    if (p == 1) job_set_stage("inferring shapes");
    if (p == 1 && ir_infer(g, err) < 0) goto done; /* shapes after inputs are fixed */
    job_set_node(NULL);
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
  uint64_t consts = live_const_bytes(g);
  /* the .bin holds the constants, the .xml about 1 KB per node */
  job_set_stage("writing the IR");
  if (opt->want_ir && backend_fits(consts + ((uint64_t)g->n_nodes << 10), err) < 0) goto done;
  if (opt->want_ir && be_irxml_write(g, opt->model_name, &res->xml, &res->bin, err) < 0) {
    /* a model with unsupported nodes may have no static shapes past them: no IR then, but
     * the verdicts are the result */
    if (res->n_unsupported == 0 || err->code == ERR_INTERRUPTED || err->code == ERR_OOM) goto done;
    res->ir_skipped = arena_strdup(res->arena, err->msg);
    memset(err, 0, sizeof *err);
    buf_free(&res->xml);
    buf_free(&res->bin);
  }
  if (job_poll(err) < 0) goto done;
  if (opt->emit_ir && res->xml.len) {
    job_hold(); /* files are being created: a failed allocation must not skip their cleanup */
    int erc = opt->emit_ir(opt->emit_ctx, &res->xml, &res->bin, err);
    job_release();
    if (erc < 0) goto done;
    buf_free(&res->xml); /* stored: do not hold the weights twice while the blob is built */
    buf_free(&res->bin);
  }
  /* the blob's constant section, and the blob that holds it */
  bool want_blob = opt->want_blob && res->n_unsupported == 0;
  job_set_stage("writing the blob");
  if (want_blob && backend_fits(2 * consts + ((uint64_t)g->n_nodes << 10), err) < 0) goto done;
  if (want_blob && opt->superblob) {
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
        res->n_stages = bs.n_stages;
        res->bss_size = bs.bss_size;
      }
    }
    if (src == 0) src = be_superblob_write(&res->blob, blobs, err);
    for (int n = 0; n < SUPERBLOB_N; n++) buf_free(&blobs[n]);
    if (src < 0) goto done;
  } else if (want_blob) {
    BlobStats bs = {0};
    if (be_blob_write(g, opt, &res->blob, &bs, err) < 0) goto done;
    res->n_stages = bs.n_stages;
    res->bss_size = bs.bss_size;
    res->bss_naive = bs.bss_naive;
    res->bss_peak = bs.bss_peak;
  }
  if (job_poll(err) < 0) goto done;
  if (opt->activation_stats && res->blob.len && !opt->superblob) activation_stats(res);
  res->t_backend = io_now() - t2;
  rc = 0;
done:
  if (rc < 0 && g && res->n_issues == 0 && g->n_nodes && res->inputs == NULL && err->code != ERR_INTERRUPTED &&
      err->code != ERR_OOM) {
    /* keep whatever verdicts exist for the report */
    summarize(res, g, opt);
  }
  return rc;
}

int compile_model(CompileResult *res, const CompileOptions *opt, Err *err) {
  memset(res, 0, sizeof *res);
  res->arena = arena_new(); /* the summary: small, lives as long as the result (made outside the job) */
  CompileState *s = calloc(1, sizeof *s);
  if (!s) {
    err_where(err, opt->source, 0, NULL, NULL);
    return err_set(err, ERR_OOM, "out of memory");
  }
  uint64_t limit = opt->limits.max_model_bytes ? opt->limits.max_model_bytes : job_default_budget(1);
  res->mem_limit = limit;
  job_begin(&s->job, limit, opt->stop, &s->job.jb);
  int rc;
  if (setjmp(s->job.jb) == 0) {
    s->a = arena_new();
    rc = compile_steps(s, res, opt, err);
  } else { /* an allocation failed: everything made under the job goes */
    ir_release(s->g);           /* the decoded model is not in an arena */
    s->g = NULL;
    job_unwind(&s->job);
    s->a = NULL;
    res->blob = (Buf)BUF_INIT;  /* grown under the job: freed by the unwind */
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
