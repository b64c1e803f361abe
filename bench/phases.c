/*
 * bench/phases.c — where one conversion spends its time and memory:
 *   `phases [-n RUNS] [-o TMPDIR] [-j JSON] MODEL.onnx...`
 *
 * Replays compile_model()'s sequence (compiler/compile.c) step by step with a clock around each
 * step, plus the pipeline's writes (pipeline/build.c: io_write_atomic of .xml, .bin, .blob and
 * sha256 of the blob), and prints the median of RUNS runs per step, and the resident set after
 * each step (from /proc/self/statm, so you see which step holds which copy of the weights).
 * Steps:
 *   read          io_read_file of the model
 *   pb_unpack     onnx__model_proto__unpack alone (protobuf-c), then pb_free its free_unpacked
 *   load          fe_onnx_load_mem: depth check + unpack + ONNX -> IR (the frontend as a whole)
 *   <pass>        each PASS_LIST entry (infer: shape inference + folding)
 *   irxml         be_irxml_write (IR v11 .xml + .bin)
 *   blob          be_blob_write
 *   write_*       io_write_atomic of each output (tmp + fsync + rename), sha256 of the blob
 *   free          ir_release + arena_free + buffers
 * and measures fp16_convert throughput on 64 M He-uniform floats (GB/s of FP32 input) against
 * memcpy of the same bytes.
 * The options are `blobc convert`'s with the zoo's mean/scale (U8 input, FP16, 6 shaves, 2022.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/backend/blob_write.h"
#include "compiler/backend/irxml.h"
#include "compiler/compile.h"
#include "compiler/frontend/onnx.h"
#include "tests/support/onnx_build.h"
#include "compiler/passes/passes.h"

#define MAX_STEPS 24
#define MAX_RUNS  32

typedef struct {
  const char *name;
  double t[MAX_RUNS];
  double rss_mb; /* resident after the step (first run) */
} Step;

typedef struct {
  Step s[MAX_STEPS];
  int n;
} Steps;

static double rss_mb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long size = 0, res = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &size, &res) != 2) res = 0;
    fclose(f);
  }
  return (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static void rec(Steps *st, const char *name, int run, double *t0) {
  double t = io_now();
  int i = 0;
  while (i < st->n && strcmp(st->s[i].name, name)) i++;
  if (i == st->n) {
    if (st->n == MAX_STEPS) return;
    st->s[st->n++].name = name;
  }
  st->s[i].t[run] = t - *t0;
  if (run == 0) st->s[i].rss_mb = rss_mb(); /* the first run: nothing retained from earlier runs */
  *t0 = io_now();                           /* not counting the statm read */
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(const double *v, int n) {
  double tmp[MAX_RUNS];
  memcpy(tmp, v, (size_t)n * sizeof *v);
  qsort(tmp, (size_t)n, sizeof *tmp, cmp_d);
  return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static int one_run(Steps *st, int run, const char *path, const char *tmpdir, Err *err) {
  CompInput in = {.n_mean = 3,
                  .n_scale = 3,
                  .mean = {123.675, 116.28, 103.53},
                  .scale = {58.395, 57.12, 57.375}};
  CompileOptions opt = {.model_name = "phases",
                        .source = path,
                        .inputs = &in,
                        .n_inputs = 1,
                        .data_type = PREC_FP16,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = "2022.1",
                        .want_blob = true,
                        .want_ir = true};
  double t0 = io_now();
  uint8_t *raw = NULL;
  size_t len = 0;
  if (io_read_file(&raw, &len, path, 0, err) < 0) return -1;
  rec(st, "read", run, &t0);
  Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, raw);
  rec(st, "pb_unpack", run, &t0);
  if (!m) return err_set(err, ERR_PARSE, "protobuf decoding failed");
  onnx__model_proto__free_unpacked(m, NULL);
  rec(st, "pb_free", run, &t0);
  Arena *a = arena_new();
  IrGraph *g = NULL;
  int rc = fe_onnx_load_mem(&g, a, raw, len, path, err);
  free(raw);
  rec(st, "load (incl. unpack)", run, &t0);
  PassStats ps = {0};
  Buf xml = BUF_INIT, bin = BUF_INIT, blob = BUF_INIT;
  for (int p = 0; rc == 0 && p < PASS_COUNT; p++) {
    if ((rc = PASS_LIST[p].fn(g, &opt, &ps, err)) < 0) break;
    rec(st, PASS_LIST[p].name, run, &t0);
  }
  if (rc == 0) rc = be_irxml_write(g, "phases", &xml, &bin, err);
  rec(st, "irxml", run, &t0);
  BlobStats bs = {0};
  if (rc == 0) rc = be_blob_write(g, &opt, &blob, &bs, err);
  rec(st, "blob", run, &t0);
  char p1[4096];
  if (rc == 0) {
    snprintf(p1, sizeof p1, "%s/phases.xml", tmpdir);
    rc = io_write_atomic(p1, xml.data, xml.len, err);
    rec(st, "write_xml", run, &t0);
  }
  if (rc == 0) {
    snprintf(p1, sizeof p1, "%s/phases.bin", tmpdir);
    rc = io_write_atomic(p1, bin.data, bin.len, err);
    rec(st, "write_bin", run, &t0);
  }
  if (rc == 0) {
    snprintf(p1, sizeof p1, "%s/phases.blob", tmpdir);
    rc = io_write_atomic(p1, blob.data, blob.len, err);
    rec(st, "write_blob", run, &t0);
    char sha[65];
    sha256_hex(sha, blob.data, blob.len);
    rec(st, "sha256_blob", run, &t0);
  }
  ir_release(g);
  arena_free(a);
  buf_free(&xml);
  buf_free(&bin);
  buf_free(&blob);
  rec(st, "free", run, &t0);
  return rc;
}

static void fp16_throughput(FILE *json) {
  size_t n = (size_t)64 << 20; /* 64 M floats = 256 MB */
  float *src = malloc(n * 4);
  uint16_t *dst = malloc(n * 2);
  float *cpy = malloc(n * 4);
  if (!src || !dst || !cpy) return;
  ObRng r;
  ob_rng_seed(&r, 42);
  ob_rng_fill(&r, src, n, 0.1f);
  memset(dst, 0, n * 2);
  memset(cpy, 0, n * 4);
  double best_c = 1e9, best_m = 1e9;
  size_t sat = 0, under = 0;
  for (int i = 0; i < 3; i++) {
    double t = io_now();
    fp16_convert(dst, src, n, &sat, &under);
    t = io_now() - t;
    if (t < best_c) best_c = t;
    t = io_now();
    memcpy(cpy, src, n * 4);
    t = io_now() - t;
    if (t < best_m) best_m = t;
  }
  double gbs = (double)n * 4 / best_c / 1e9, mgbs = (double)n * 4 / best_m / 1e9;
  printf("fp16_convert: %.3f GB/s of FP32 input (%.2f ns/float, %.0f ms per 100 MB model); "
         "memcpy of the same bytes: %.2f GB/s\n",
         gbs, best_c / (double)n * 1e9, 0.1e9 / 4 * best_c / (double)n * 1e3, mgbs);
  if (json) fprintf(json, "  \"fp16_convert_gbps\": %.4f,\n  \"memcpy_gbps\": %.4f,\n", gbs, mgbs);
  free(src);
  free(dst);
  free(cpy);
}

int main(int argc, char **argv) {
  int runs = 5, first = 1;
  const char *tmpdir = "/tmp", *json_path = NULL;
  while (first < argc && argv[first][0] == '-') {
    if (!strcmp(argv[first], "-n") && first + 1 < argc)
      runs = atoi(argv[first + 1]);
    else if (!strcmp(argv[first], "-o") && first + 1 < argc)
      tmpdir = argv[first + 1];
    else if (!strcmp(argv[first], "-j") && first + 1 < argc)
      json_path = argv[first + 1];
    else {
      fprintf(stderr, "usage: phases [-n RUNS] [-o TMPDIR] [-j JSON] MODEL.onnx...\n");
      return 2;
    }
    first += 2;
  }
  if (runs < 1) runs = 1;
  if (runs > MAX_RUNS) runs = MAX_RUNS;
  Err err = {0};
  char line[1400];
  if (io_mkdirs(tmpdir, &err) < 0) {
    fprintf(stderr, "phases: %s\n", err_line(&err, line, sizeof line));
    return 1;
  }
  FILE *json = json_path ? fopen(json_path, "w") : NULL;
  if (json) fprintf(json, "{\n");
  if (json) fprintf(json, "  \"models\": [\n");
  for (int mi = first; mi < argc; mi++) {
    Steps *st = calloc(1, sizeof *st);
    for (int r = 0; r < runs; r++) {
      if (one_run(st, r, argv[mi], tmpdir, &err) < 0) {
        fprintf(stderr, "phases: %s\n", err_line(&err, line, sizeof line));
        return 1;
      }
    }
    double total = 0, med[MAX_STEPS];
    for (int i = 0; i < st->n; i++) {
      med[i] = median(st->s[i].t, runs);
      /* pb_unpack / pb_free are a separate measurement of what load does inside */
      if (strncmp(st->s[i].name, "pb_", 3)) total += med[i];
    }
    printf("\n%s — median of %d runs (sum of steps %.1f ms)\n", argv[mi], runs, total * 1e3);
    printf("  %-22s %9s %7s %10s\n", "step", "ms", "share", "RSS after");
    if (json)
      fprintf(json, "    {\"model\": \"%s\", \"runs\": %d, \"total_ms\": %.3f, \"steps\": [\n",
              argv[mi], runs, total * 1e3);
    for (int i = 0; i < st->n; i++) {
      bool sep = !strncmp(st->s[i].name, "pb_", 3);
      printf("  %-22s %9.1f %6.1f%% %7.0f MB%s\n", st->s[i].name, med[i] * 1e3,
             100 * med[i] / total, st->s[i].rss_mb, sep ? "  (separate, not in the sum)" : "");
      if (json)
        fprintf(
            json,
            "      {\"step\": \"%s\", \"ms\": %.3f, \"rss_after_mb\": %.1f, \"in_sum\": %s}%s\n",
            st->s[i].name, med[i] * 1e3, st->s[i].rss_mb, sep ? "false" : "true",
            i + 1 < st->n ? "," : "");
    }
    if (json) fprintf(json, "    ]}%s\n", mi + 1 < argc ? "," : "");
    free(st);
  }
  if (json) fprintf(json, "  ],\n");
  printf("\n");
  fp16_throughput(json); /* last: its 640 MB of buffers must not inflate the RSS figures above */
  if (json) {
    fprintf(json, "  \"runs\": %d\n}\n", runs);
    fclose(json);
  }
  return 0;
}
