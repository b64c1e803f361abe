/*
 * tests/test_job.c — one model's memory budget, stop flag and recovery (base.h, Job) and how the
 * compiler uses them: charging and refunds, the checks before allocating, ERR_OOM / ERR_INTERRUPTED
 * from job_poll, a failed malloc unwinding every arena and Buf of the job (ASan checks nothing
 * leaks), arena blocks, folding that frees what nothing reads and grows a Concat chain in place,
 * and compile_model's errors naming the node. Expected values are hand-computed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compile.h"
#include "compiler/frontend/onnx.h"
#include "tests/support/onnx_build.h"
#include "testutil.h"

#define S(...) ((const char *[]){__VA_ARGS__})
#define D(...) ((int64_t[]){__VA_ARGS__})

/* A malloc of 4 TiB must fail (return NULL) under ASan too, as it does with glibc. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

static const size_t HUGE_ALLOC = (size_t)1 << 42;

/* ---- charging ---------------------------------------------------------------------------- */

static void job__arenas_and_bufs_are_charged_and_refunded(void **state) {
  (void)state;
  Job *j = calloc(1, sizeof *j);
  job_begin(j, 0, NULL, NULL);
  assert_ptr_equal(job_current(), j);
  Arena *a = arena_new();
  (void)arena_alloc(a, 1 << 20); /* its own chunk: at least 1 MiB charged */
  assert_true(j->used >= (1u << 20));
  uint64_t with_arena = j->used;
  Buf b = BUF_INIT;
  buf_put_zeros(&b, 3000); /* capacity 4096 (256 doubled) */
  assert_int_equal(j->used, with_arena + 4096);
  buf_free(&b);
  assert_int_equal(j->used, with_arena);
  arena_free(a);
  assert_int_equal(j->used, 0);
  assert_true(j->peak >= with_arena + 4096);
  job_end(j);
  assert_null(job_current());
  free(j);
}

/* A Buf that got its memory before the job is not the job's: not charged, not refunded. */
static void job__buf_from_before_the_job_is_not_charged(void **state) {
  (void)state;
  Buf b = BUF_INIT;
  buf_put_zeros(&b, 100);
  Job *j = calloc(1, sizeof *j);
  job_begin(j, 0, NULL, NULL);
  buf_put_zeros(&b, 10000);
  assert_int_equal(j->used, 0);
  buf_free(&b);
  assert_int_equal(j->used, 0);
  job_end(j);
  free(j);
}

/* Many Bufs freed in another order than they were grown: the tracking set keeps every entry
 * findable (backward-shift deletion), so all are refunded. */
static void job__many_bufs_refund_to_zero(void **state) {
  (void)state;
  enum { N = 1000 };
  Buf *bs = calloc(N, sizeof *bs);
  Job *j = calloc(1, sizeof *j);
  job_begin(j, 0, NULL, NULL);
  for (int i = 0; i < N; i++) buf_put_zeros(&bs[i], (size_t)(i % 7 + 1) * 100);
  assert_true(j->used > 0);
  for (int i = 0; i < N; i++) buf_free(&bs[(i * 389) % N]); /* 389 is prime to 1000: each once */
  assert_int_equal(j->used, 0);
  job_end(j);
  free(j);
  free(bs);
}

/* ---- checks and polls --------------------------------------------------------------------- */

static void job__fits_then_poll_reports_the_overrun(void **state) {
  (void)state;
  Job *j = calloc(1, sizeof *j);
  job_begin(j, 1 << 20, NULL, NULL);
  Err err = {0};
  assert_true(job_fits(1000));
  assert_int_equal(job_poll(&err), 0);
  job_set_node("conv7");
  assert_false(job_fits(2 << 20)); /* nothing allocated: refused before */
  assert_int_equal(j->used, 0);
  assert_int_equal(job_poll(&err), -1);
  assert_int_equal(err.code, ERR_OOM);
  assert_string_equal(err.node, "conv7");
  assert_string_equal(err.msg, "needs 2097152 bytes more with 0 held, over the model's memory "
                               "limit of 1048576 (--max-model-mb)");
  job_end(j);
  free(j);
}

/* An allocation past the limit still happens (it cannot fail there) and the next poll says so,
 * naming the stage when no node is being worked on. */
static void job__charge_past_the_limit_is_reported_with_the_stage(void **state) {
  (void)state;
  Job *j = calloc(1, sizeof *j);
  job_begin(j, 1 << 20, NULL, NULL);
  job_set_stage("writing the blob");
  Buf b = BUF_INIT;
  buf_reserve(&b, 3 << 20);
  Err err = {0};
  assert_int_equal(job_poll(&err), -1);
  assert_int_equal(err.code, ERR_OOM);
  assert_string_equal(err.node, "");
  assert_string_equal(
      err.msg,
      "while writing the blob: needs 4194304 bytes more with 0 held, over the model's memory limit "
      "of 1048576 (--max-model-mb)");
  buf_free(&b);
  job_end(j);
  free(j);
}

static void job__stop_flag_interrupts(void **state) {
  (void)state;
  volatile sig_atomic_t stop = 0;
  Job *j = calloc(1, sizeof *j);
  job_begin(j, 0, &stop, NULL);
  Err err = {0};
  assert_int_equal(job_poll(&err), 0);
  stop = 1;
  job_set_node("relu_5");
  assert_int_equal(job_poll(&err), -1);
  assert_int_equal(err.code, ERR_INTERRUPTED);
  assert_string_equal(err.node, "relu_5");
  assert_string_equal(err.msg, "interrupted");
  assert_string_equal(err_code_name(ERR_INTERRUPTED), "interrupted");
  job_end(j);
  free(j);
}

/* Outside a job nothing is charged and polls always pass. */
static void job__no_job_no_limits(void **state) {
  (void)state;
  Err err = {0};
  assert_null(job_current());
  assert_true(job_fits(HUGE_ALLOC));
  assert_int_equal(job_poll(&err), 0);
  void *p = job_malloc(64);
  assert_non_null(p);
  job_free(p);
}

static void job__default_budget_halves_per_job(void **state) {
  (void)state;
  uint64_t one = job_default_budget(1), two = job_default_budget(2);
  assert_true(one >= (1u << 20));
  assert_int_equal(one % (1u << 20), 0);
  assert_true(two <= one / 2 && two + (1u << 20) >= one / 2);
  assert_int_equal(job_default_budget(0), one);
}

/* ---- recovery ----------------------------------------------------------------------------- */

/* What the test keeps across the longjmp: on the heap. */
typedef struct {
  Job job;
  Arena *a;
  Buf b;
  void *m;
  int reached;
} Unit;

/* A malloc that fails inside a job lands at the recovery point; job_unwind frees the job's
 * arenas, Bufs and job_malloc blocks (ASan's leak check would see any left). */
static void job__failed_allocation_unwinds_everything(void **state) {
  (void)state;
  Unit *u = calloc(1, sizeof *u);
  job_begin(&u->job, 0, NULL, &u->job.jb);
  if (setjmp(u->job.jb) == 0) {
    u->a = arena_new();
    (void)arena_strdup(u->a, "kept until the unwind");
    (void)arena_block_alloc(u->a, 5000);
    buf_put_zeros(&u->b, 70000);
    u->m = job_malloc(1000);
    job_set_node("concat_9");
    (void)arena_alloc(u->a, HUGE_ALLOC); /* malloc returns NULL: does not come back */
    u->reached = 1;
  } else {
    job_unwind(&u->job);
    u->a = NULL; /* all freed by the unwind */
    u->b = (Buf)BUF_INIT;
    u->m = NULL;
    Err err = {0};
    assert_int_equal(job_error(&u->job, &err), -1);
    assert_int_equal(err.code, ERR_OOM);
    assert_string_equal(err.node, "concat_9");
    char want[200]; /* the chunk asked for: the block and the chunk header (32 bytes) */
    snprintf(want, sizeof want,
             "out of memory: an allocation of %zu bytes failed (base.c:", HUGE_ALLOC + 32);
    assert_true(strncmp(err.msg, want, strlen(want)) == 0);
  }
  assert_int_equal(u->reached, 0);
  job_end(&u->job);
  assert_null(job_current());
  free(u);
}

/* Outside the recovery section (job_hold) or outside a job a failed malloc would abort: not
 * tested here. But job_malloc never unwinds: it returns NULL and records nothing on failure. */
static void job__job_malloc_refuses_past_the_budget(void **state) {
  (void)state;
  Job *j = calloc(1, sizeof *j);
  job_begin(j, 1 << 20, NULL, NULL);
  void *p = job_malloc(1000);
  assert_non_null(p);
  assert_null(job_malloc(2 << 20));
  Err err = {0};
  assert_int_equal(job_poll(&err), -1);
  assert_int_equal(err.code, ERR_OOM);
  job_free(p);
  assert_int_equal(j->used, 0);
  void *q = job_malloc(100); /* freed after the job ended: a plain free */
  job_end(j);
  job_free(q);
  free(j);
}

/* ---- arena blocks ------------------------------------------------------------------------- */

static void job__arena_blocks_grow_and_free(void **state) {
  (void)state;
  Job *j = calloc(1, sizeof *j);
  job_begin(j, 0, NULL, NULL);
  Arena *a = arena_new();
  uint64_t base = j->used;
  unsigned char *p = arena_block_alloc(a, 100);
  for (int i = 0; i < 100; i++) assert_int_equal(p[i], 0), p[i] = (unsigned char)i;
  p = arena_block_grow(a, p, 1000);
  for (int i = 0; i < 100; i++) assert_int_equal(p[i], i);
  for (int i = 100; i < 1000; i++) assert_int_equal(p[i], 0);
  p = arena_block_grow(a, p, 1200); /* within the capacity of the last growth, or regrown */
  for (int i = 0; i < 100; i++) assert_int_equal(p[i], i);
  for (int i = 1000; i < 1200; i++) assert_int_equal(p[i], 0);
  unsigned char *q = arena_block_alloc(a, 10);
  arena_block_free(a, p);
  arena_block_free(a, NULL);
  assert_true(j->used > base);
  arena_block_free(a, q);
  assert_int_equal(j->used, base);
  (void)arena_block_alloc(a, 77); /* left for arena_free */
  arena_free(a);
  assert_int_equal(j->used, 0);
  job_end(j);
  free(j);
}

/* ---- folding --------------------------------------------------------------------------------- */

/* y = Concat(...Concat(Concat(c, c), c)..., c) over n nodes, then + x: every element 0.5. */
static IrGraph *concat_chain(Arena *a, int n, Err *err) {
  OnnxBuilder *ob = ob_new("chain", 13);
  ob_input(ob, "x", OB_FLOAT, 1, D(1));
  ob_init_f32(ob, "c", 1, D(1), (float[]){0.5f});
  char prev[32] = "c", out[32];
  for (int i = 1; i <= n; i++) {
    snprintf(out, sizeof out, "n%d", i);
    ob_node(ob, "Concat", out, 2, S(prev, "c"), 1, S(out));
    ob_attr_int(ob, "axis", 0);
    memcpy(prev, out, sizeof prev);
  }
  ob_node(ob, "Add", "add", 2, S(prev, "x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 1, D(n + 1));
  uint8_t *bytes = NULL;
  size_t len = 0;
  ob_pack(ob, &bytes, &len);
  ob_free(ob);
  IrGraph *g = NULL;
  assert_int_equal(fe_onnx_load_mem(&g, a, bytes, len, "chain.onnx", err), 0);
  free(bytes);
  return g;
}

/* With drop_dead_consts (compile_model's setting) only the last step of the chain is held: its
 * values are right and every earlier step was freed; without it every step is kept. */
static void job__folding_frees_what_nothing_reads(void **state) {
  (void)state;
  enum { N = 300 };
  uint64_t peak[2] = {0, 0};
  for (int drop = 0; drop <= 1; drop++) {
    Job *j = calloc(1, sizeof *j);
    job_begin(j, 0, NULL, NULL);
    Arena *a = arena_new();
    Err err = {0};
    IrGraph *g = concat_chain(a, N, &err);
    g->drop_dead_consts = drop;
    assert_int_equal(ir_infer(g, &err), 0);
    int last = ir_find_tensor(g, "n300"), mid = ir_find_tensor(g, "n150");
    assert_true(last >= 0 && mid >= 0);
    const IrTensor *t = &g->tensors[last];
    assert_int_equal(ir_numel(t), N + 1);
    assert_non_null(t->data);
    for (int64_t i = 0; i < N + 1; i++) assert_true(ir_const_f64(t, i) == 0.5);
    if (drop)
      assert_null(g->tensors[mid].data);
    else
      assert_int_equal(ir_numel(&g->tensors[mid]), 151), assert_non_null(g->tensors[mid].data);
    peak[drop] = j->peak;
    ir_release(g);
    arena_free(a);
    job_end(j);
    free(j);
  }
  /* kept: every step, 4 * (i + 1) bytes for i = 1..300 = 181,800 bytes; dropped: one block of
   * at most 1.5 x 1,204 bytes */
  assert_true(peak[1] + 150000 < peak[0]);
}

/* ---- compile_model -------------------------------------------------------------------------- */

static char *save_model(OnnxBuilder *ob, const char *dir, const char *name) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  Err err = {0};
  assert_int_equal(ob_save(ob, path, &err), 0);
  ob_free(ob);
  return path;
}

/* r = Range(0, 1000000, 1) (4 MB of f32), y = r * x: over a 2 MiB budget at node 'range'. */
static void job__compile_budget_names_the_node(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  OnnxBuilder *ob = ob_new("amp", 13);
  ob_input(ob, "x", OB_FLOAT, 1, D(1));
  ob_init_f32(ob, "start", 0, NULL, (float[]){0});
  ob_init_f32(ob, "limit", 0, NULL, (float[]){1000000});
  ob_init_f32(ob, "delta", 0, NULL, (float[]){1});
  ob_node(ob, "Range", "range", 3, S("start", "limit", "delta"), 1, S("r"));
  ob_node(ob, "Mul", "mul", 2, S("r", "x"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 1, D(1000000));
  const char *path = save_model(ob, dir, "amp.onnx");
  CompInput in = {0};
  CompileOptions opt = {.model_name = "amp",
                        .source = path,
                        .inputs = &in,
                        .n_inputs = 1,
                        .shaves = 4,
                        .cmx_slices = 4,
                        .openvino = "2022.1",
                        .want_ir = true,
                        .want_blob = true,
                        .limits = {.max_model_bytes = 2 << 20}};
  CompileResult res;
  Err err = {0};
  assert_int_equal(compile_model(&res, &opt, &err), -1);
  assert_int_equal(err.code, ERR_OOM);
  assert_string_equal(err.node, "range");
  assert_non_null(strstr(err.msg, "needs 4000000 bytes more with "));
  assert_non_null(strstr(err.msg, "over the model's memory limit of 2097152 (--max-model-mb)"));
  assert_int_equal(res.mem_limit, 2 << 20);
  assert_null(res.blob.data);
  compile_result_free(&res);
  /* with room it compiles, and the peak is reported */
  opt.limits.max_model_bytes = 64 << 20;
  memset(&err, 0, sizeof err);
  assert_int_equal(compile_model(&res, &opt, &err), 0);
  assert_true(res.mem_peak >= 4000000 && res.mem_peak <= 64 << 20);
  assert_null(job_current());
  compile_result_free(&res);
  tu_rmrf(dir);
  free(dir);
}

/* A stop request makes compile_model return ERR_INTERRUPTED, and the thread has no job after. */
static void job__compile_stops_when_asked(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  OnnxBuilder *ob = ob_new("chain", 13);
  ob_input(ob, "x", OB_FLOAT, 4, D(1, 3, 8, 8));
  ob_node(ob, "Relu", "r1", 1, S("x"), 1, S("a"));
  ob_node(ob, "Relu", "r2", 1, S("a"), 1, S("y"));
  ob_output(ob, "y", OB_FLOAT, 4, D(1, 3, 8, 8));
  const char *path = save_model(ob, dir, "c.onnx");
  volatile sig_atomic_t stop = 1;
  CompInput in = {0};
  CompileOptions opt = {.model_name = "c",
                        .source = path,
                        .inputs = &in,
                        .n_inputs = 1,
                        .shaves = 4,
                        .cmx_slices = 4,
                        .openvino = "2022.1",
                        .want_ir = true,
                        .want_blob = true,
                        .stop = &stop};
  CompileResult res;
  Err err = {0};
  assert_int_equal(compile_model(&res, &opt, &err), -1);
  assert_int_equal(err.code, ERR_INTERRUPTED);
  assert_string_equal(err.msg, "interrupted");
  assert_null(job_current());
  compile_result_free(&res);
  stop = 0;
  memset(&err, 0, sizeof err);
  assert_int_equal(compile_model(&res, &opt, &err), 0);
  assert_non_null(res.blob.data);
  compile_result_free(&res);
  tu_rmrf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(job__arenas_and_bufs_are_charged_and_refunded),
      cmocka_unit_test(job__buf_from_before_the_job_is_not_charged),
      cmocka_unit_test(job__many_bufs_refund_to_zero),
      cmocka_unit_test(job__fits_then_poll_reports_the_overrun),
      cmocka_unit_test(job__charge_past_the_limit_is_reported_with_the_stage),
      cmocka_unit_test(job__stop_flag_interrupts),
      cmocka_unit_test(job__no_job_no_limits),
      cmocka_unit_test(job__default_budget_halves_per_job),
      cmocka_unit_test(job__failed_allocation_unwinds_everything),
      cmocka_unit_test(job__job_malloc_refuses_past_the_budget),
      cmocka_unit_test(job__arena_blocks_grow_and_free),
      cmocka_unit_test(job__folding_frees_what_nothing_reads),
      cmocka_unit_test(job__compile_budget_names_the_node),
      cmocka_unit_test(job__compile_stops_when_asked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
