/* tests/test_ir_ops.c — the OpenVINO IR layers of the Open Model Zoo (issue 18 part 1) convert:
 * every case of tests/data/ir-ops (small IR models whose expected outputs numpy computed from the
 * OpenVINO operation specifications, see gen.py there) passes `verify` through the FP32 and FP16
 * reference executors and through the MyriadX blob run stage by stage; the IR blobc writes for
 * them reads back to the same layers and passes again; a layer over blobc's input limit is a
 * verdict naming the limit. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/irxml.h"
#include "compiler/compile.h"
#include "compiler/frontend/ir_read.h"
#include "compiler/ref/ref.h"
#include "testutil.h"

/* tests/data/ir-ops from the repo root (the working folder), or $BUILD_DIR/.. */
static const char *data_dir(void) {
  static char p[4200];
  if (io_exists("tests/data/ir-ops/gen.py")) return "tests/data/ir-ops";
  const char *bd = getenv("BUILD_DIR");
  snprintf(p, sizeof p, "%s/../tests/data/ir-ops", bd ? bd : ".");
  if (!io_exists(p)) fail_msg("tests/data/ir-ops is missing");
  return p;
}

/* The case folders (sorted, malloc'd). */
static int cases(char ***out) {
  DIR *d = opendir(data_dir());
  assert_non_null(d);
  int n = 0;
  *out = NULL;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    char model[4400];
    snprintf(model, sizeof model, "%s/%s/model.xml", data_dir(), de->d_name);
    if (de->d_name[0] == '.' || !io_exists(model)) continue;
    *out = realloc(*out, (size_t)(n + 1) * sizeof **out);
    (*out)[n++] = strdup(de->d_name);
  }
  closedir(d);
  for (int i = 0; i < n; i++) /* sorted, for stable messages */
    for (int j = i + 1; j < n; j++)
      if (strcmp((*out)[j], (*out)[i]) < 0) {
        char *t = (*out)[i];
        (*out)[i] = (*out)[j], (*out)[j] = t;
      }
  return n;
}

/* Every case of the folder passes (not unsupported, not uninformative) in mode. */
static void verify_all(const char *dir, RefMode mode) {
  char **names = NULL;
  int n = cases(&names), bad = 0;
  assert_true(n >= 27);
  for (int i = 0; i < n; i++) {
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    RefCase *rc = NULL;
    int nc = 0;
    Err err = {0};
    if (ref_verify_dir(&rc, &nc, path, mode, &err) < 0 || nc != 1) {
      fprintf(stderr, "%s: %s\n", names[i], err.msg);
      bad++;
    } else if (rc[0].status != REF_PASS) {
      fprintf(stderr, "%s (mode %d): status %d: %s\n", names[i], (int)mode, (int)rc[0].status,
              rc[0].msg);
      bad++;
    }
    free(rc);
    free(names[i]);
  }
  free(names);
  assert_int_equal(bad, 0);
}

static void ir_ops__every_case_passes_through_the_fp32_reference(void **state) {
  (void)state;
  verify_all(data_dir(), REF_FP32);
}

static void ir_ops__every_case_passes_through_the_fp16_reference(void **state) {
  (void)state;
  verify_all(data_dir(), REF_FP16);
}

static void ir_ops__every_case_passes_through_the_blob(void **state) {
  (void)state;
  verify_all(data_dir(), REF_BLOB);
}

/* Compiles src/<model> (every input FP32, no preprocessing) and writes the IR blobc writes for it
 * as dst/model.xml + model.bin beside a copy of src/test_data_set_0; returns the xml (malloc'd,
 * NUL-terminated). */
static char *write_ir_case(const char *src, const char *model_file, const char *dst) {
  char model[4600], *out = NULL;
  snprintf(model, sizeof model, "%s/%s", src, model_file);
  CompileOptions opt = {.model_name = "model",
                        .source = model,
                        .shaves = 6,
                        .cmx_slices = 6,
                        .openvino = "2022.1",
                        .want_ir = true,
                        .data_type = PREC_FP32};
  CompInput fp[8] = {{0}}; /* every input as FP32 data, no preprocessing */
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  assert_int_equal(compile_load(&g, a, model, &err), 0);
  for (int k = 0; k < g->n_inputs && k < 8; k++)
    fp[k].name = g->tensors[g->inputs[k]].name, fp[k].precision = PREC_FP32;
  opt.inputs = fp, opt.n_inputs = g->n_inputs < 8 ? g->n_inputs : 8;
  CompileResult res;
  if (compile_model(&res, &opt, &err) < 0) fail_msg("%s: %s", src, err.msg);
  ir_release(g);
  arena_free(a);
  assert_int_equal(tu_run(&out, "mkdir -p '%s' && cp -r '%s/test_data_set_0' '%s/'", dst, src, dst),
                   0);
  free(out);
  char px[4600], pb[4600];
  snprintf(px, sizeof px, "%s/model.xml", dst);
  snprintf(pb, sizeof pb, "%s/model.bin", dst);
  FILE *f = fopen(px, "wb");
  if (res.xml.len) fwrite(res.xml.data, 1, res.xml.len, f);
  fclose(f);
  f = fopen(pb, "wb");
  if (res.bin.len) fwrite(res.bin.data, 1, res.bin.len, f); /* an IR without weights: empty */
  fclose(f);
  char *xml = calloc(res.xml.len + 1, 1);
  if (res.xml.len) memcpy(xml, res.xml.data, res.xml.len);
  compile_result_free(&res);
  return xml;
}

/* The IR blobc writes (v11) for each case, read back, passes again: the emitters write what the
 * reader maps. */
static void ir_ops__written_ir_reads_back_and_passes(void **state) {
  (void)state;
  char **names = NULL;
  int n = cases(&names);
  char *tmp = tu_tmpdir();
  for (int i = 0; i < n; i++) {
    char src[4400], dst[4400];
    snprintf(src, sizeof src, "%s/%s", data_dir(), names[i]);
    snprintf(dst, sizeof dst, "%s/%s", tmp, names[i]);
    free(write_ir_case(src, "model.xml", dst));
    RefCase *rc = NULL;
    int nc = 0;
    Err err = {0};
    if (ref_verify_dir(&rc, &nc, dst, REF_FP32, &err) < 0 || nc != 1 || rc[0].status != REF_PASS)
      fail_msg("%s written and read back: %s", names[i], nc ? rc[0].msg : err.msg);
    free(rc);
    free(names[i]);
  }
  free(names);
  tu_rmrf(tmp);
  free(tmp);
}

/* ONNX ops that OpenVINO's opsets 1-8 (2022.1) do not have are written as the standard layers mo
 * writes (Softsign: Abs, Add, Divide; ThresholdedRelu: Greater, Convert, Multiply; Celu: Divide,
 * Elu, Multiply; Shrink: Less, Greater, Add, Subtract, Select; ReduceSumSquare: Multiply,
 * ReduceSum; ReduceLogSumExp: ReduceMax, Subtract, Exp, ReduceSum, Log, Add), never as a layer of
 * the ONNX type: the IR of each ONNX v1.12.0 node test of these ops (tests/data/onnx-node), read
 * back through the IR reader and run by the FP32 and FP16 reference executors, matches ONNX's
 * expected outputs (numpy's). */
static void ir_ops__onnx_rewrites_are_written_as_standard_layers(void **state) {
  (void)state;
  static const char *const prefixes[][2] = {
      {"test_softsign", "Softsign"},
      {"test_thresholdedrelu", "ThresholdedRelu"},
      {"test_celu", "Celu"},
      {"test_shrink", "Shrink"},
      {"test_reduce_sum_square", "ReduceSumSquare"},
      {"test_reduce_log_sum_exp", "ReduceLogSumExp"},
  };
  char node_dir[4200];
  snprintf(node_dir, sizeof node_dir, "%s/../onnx-node", data_dir());
  DIR *d = opendir(node_dir);
  assert_non_null(d);
  char *tmp = tu_tmpdir();
  int seen[6] = {0}, total = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    int p = -1;
    for (int k = 0; k < 6; k++)
      if (!strncmp(de->d_name, prefixes[k][0], strlen(prefixes[k][0]))) p = k;
    if (p < 0) continue;
    char src[4400], dst[4400], bad[64];
    snprintf(src, sizeof src, "%s/%s", node_dir, de->d_name);
    snprintf(dst, sizeof dst, "%s/%s", tmp, de->d_name);
    char *xml = write_ir_case(src, "model.onnx", dst);
    snprintf(bad, sizeof bad, "type=\"%s\"", prefixes[p][1]);
    if (strstr(xml, "version=\"unknown\"") || strstr(xml, bad))
      fail_msg("%s: the IR has a layer OpenVINO does not know", de->d_name);
    free(xml);
    for (int m = 0; m < 2; m++) {
      RefMode mode = m ? REF_FP16 : REF_FP32;
      RefCase *rc = NULL;
      int nc = 0;
      Err err = {0};
      if (ref_verify_dir(&rc, &nc, dst, mode, &err) < 0 || nc != 1 || rc[0].status != REF_PASS)
        fail_msg("%s (mode %d) written as IR and read back: %s", de->d_name, m,
                 nc ? rc[0].msg : err.msg);
      free(rc);
    }
    seen[p]++, total++;
  }
  closedir(d);
  for (int k = 0; k < 6; k++)
    if (!seen[k]) fail_msg("no ONNX node test of %s", prefixes[k][1]);
  assert_int_equal(total, 24); /* 2 + 3 + 1 + 2 + 8 + 8 */
  tu_rmrf(tmp);
  free(tmp);
}

/* A Concat of 70 inputs (SSD heads concatenate 90): blobc takes it (a node holds up to
 * IR_NODE_MAX_INPUTS inputs); never a parse error asking to re-export the model. */
static void ir_ops__over_the_input_limit_is_a_verdict_naming_blobcs_limit(void **state) {
  (void)state;
  Buf x = BUF_INIT;
  buf_printf(&x, "<?xml version=\"1.0\"?>\n<net name=\"t\" version=\"10\"><layers>");
  buf_printf(
      &x,
      "<layer id=\"0\" name=\"x\" type=\"Parameter\" version=\"opset1\"><data element_type=\"f32\" "
      "shape=\"1,1,4,4\"/><output><port id=\"0\" "
      "precision=\"FP32\"><dim>1</dim><dim>1</dim><dim>4</dim>"
      "<dim>4</dim></port></output></layer>");
  buf_printf(
      &x,
      "<layer id=\"1\" name=\"cat\" type=\"Concat\" version=\"opset1\"><data axis=\"1\"/><input>");
  for (int k = 0; k < 70; k++)
    buf_printf(&x, "<port id=\"%d\"><dim>1</dim><dim>1</dim><dim>4</dim><dim>4</dim></port>", k);
  buf_printf(&x, "</input><output><port id=\"70\" "
                 "precision=\"FP32\"><dim>1</dim><dim>70</dim><dim>4</dim><dim>4</dim>"
                 "</port></output></layer>");
  buf_printf(&x, "<layer id=\"2\" name=\"out\" type=\"Result\" version=\"opset1\"><input><port "
                 "id=\"0\"><dim>1</dim>"
                 "<dim>70</dim><dim>4</dim><dim>4</dim></port></input></layer></layers><edges>");
  for (int k = 0; k < 70; k++)
    buf_printf(&x, "<edge from-layer=\"0\" from-port=\"0\" to-layer=\"1\" to-port=\"%d\"/>", k);
  buf_printf(
      &x, "<edge from-layer=\"1\" from-port=\"70\" to-layer=\"2\" to-port=\"0\"/></edges></net>");
  char *dir = tu_tmpdir(), path[4200], *out = NULL;
  snprintf(path, sizeof path, "%s/cat.xml", dir);
  FILE *f = fopen(path, "wb");
  fwrite(x.data, 1, x.len, f);
  fclose(f);
  buf_free(&x);
  snprintf(path, sizeof path, "%s/cat.bin", dir); /* no weights */
  fclose(fopen(path, "wb"));
  snprintf(path, sizeof path, "%s/cat.xml", dir);
  if (tu_run(&out, "'%s' check '%s' 2>&1", tu_blobc(), path) != 0 || !strstr(out, "cat.xml ok"))
    fail_msg("%s", out);
  assert_null(strstr(out, "re-export"));
  free(out);
  tu_rmrf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ir_ops__every_case_passes_through_the_fp32_reference),
      cmocka_unit_test(ir_ops__every_case_passes_through_the_fp16_reference),
      cmocka_unit_test(ir_ops__every_case_passes_through_the_blob),
      cmocka_unit_test(ir_ops__written_ir_reads_back_and_passes),
      cmocka_unit_test(ir_ops__onnx_rewrites_are_written_as_standard_layers),
      cmocka_unit_test(ir_ops__over_the_input_limit_is_a_verdict_naming_blobcs_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
