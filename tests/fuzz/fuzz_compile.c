/*
 * tests/fuzz/fuzz_compile.c — libFuzzer harness: `blobc convert` without the file writing.
 * The first two bytes choose the options (preprocessing, layouts, precisions, shaves, OpenVINO
 * version); the rest is an ONNX model. compile_model runs every pass and both backends. Oracles:
 * the IR .xml must be well-formed XML, and every blob we write must parse and pass blob_check.
 * Each unit has a 64 MiB model budget (CompileLimits.max_model_bytes) and 16 MiB per tensor:
 * an amplifier is a clean ERR_OOM, not a slow unit; anything that still grows past them trips
 * libFuzzer's -rss_limit_mb / -malloc_limit_mb (fuzz.mk) and is a finding.
 */
#include <libxml/parser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/backend/blob_read.h"
#include "compiler/compile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmp_path[4096];
static int tmp_fd = -1;

static void remove_tmp(void) {
  if (tmp_fd >= 0) unlink(tmp_path);
}

/* libxml2 would otherwise print every parse error of a broken .xml to stderr. */
static void quiet_xml(void *ctx, const char *msg, ...) {
  (void)ctx;
  (void)msg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *dir = getenv("TMPDIR");
  snprintf(tmp_path, sizeof tmp_path, "%s/blobc-fuzz-compile-XXXXXX.onnx", dir ? dir : "/tmp");
  tmp_fd = mkstemps(tmp_path, 5);
  if (tmp_fd < 0) {
    perror(tmp_path);
    abort();
  }
  atexit(remove_tmp);
  xmlInitParser();
  xmlSetGenericErrorFunc(NULL, quiet_xml);
  return 0;
}

/* Options from two bytes: every combination the CLI and the manifest can express. */
static void pick_options(CompileOptions *opt, CompInput *in, uint8_t b0, uint8_t b1) {
  static const double mean[3] = {123.675, 116.28, 103.53}, scale[3] = {58.395, 57.12, 57.375};
  static const Layout lay[4][2] = {{LAYOUT_NONE, LAYOUT_NONE},
                                   {LAYOUT_NCHW, LAYOUT_NCHW},
                                   {LAYOUT_NHWC, LAYOUT_NHWC},
                                   {LAYOUT_NCHW, LAYOUT_NHWC}};
  memset(in, 0, sizeof *in);
  in->reverse_input_channels = b0 & 1;
  if (b0 & 2) {
    in->n_mean = (b1 & 0x40) ? 1 : 3;
    memcpy(in->mean, mean, sizeof mean);
  }
  if (b0 & 4) {
    in->n_scale = (b1 & 0x40) ? 1 : 3;
    memcpy(in->scale, scale, sizeof scale);
  }
  in->layout = lay[(b0 >> 3) & 3][0];
  in->frame_layout = lay[(b0 >> 3) & 3][1];
  in->precision = (Precision)((b0 >> 5) & 3);
  opt->openvino = (b0 & 0x80) ? "2021.4" : "2022.1";
  opt->shaves = 1 + (b1 & 15);
  opt->cmx_slices = opt->shaves;
  opt->data_type = (b1 & 0x10) ? PREC_FP32 : PREC_FP16;
  opt->output_precision = (b1 & 0x20) ? PREC_FP32 : PREC_FP16;
  opt->inputs = in;
  opt->n_inputs = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  if (ftruncate(tmp_fd, 0) < 0 ||
      (size > 2 && pwrite(tmp_fd, data + 2, size - 2, 0) != (ssize_t)(size - 2)))
    abort();
  CompInput in;
  CompileOptions opt = {
      .model_name = "fuzz",
      .source = tmp_path,
      .want_blob = true,
      .want_ir = true,
      .limits = {.max_model_bytes = (uint64_t)64 << 20, .max_tensor_bytes = (uint64_t)16 << 20}};
  pick_options(&opt, &in, data[0], data[1]);
  CompileResult res;
  Err err = {0};
  if (compile_model(&res, &opt, &err) < 0) {
    ASSERT(err.code != ERR_OK && err.msg[0]);
    ASSERT(err.code != ERR_INTERNAL);
  } else {
    if (res.xml.len) {
      xmlDocPtr doc = xmlReadMemory((const char *)res.xml.data, (int)res.xml.len, "fuzz.xml", NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
      if (!doc) {
        fprintf(stderr, "fuzz_compile: the IR .xml we wrote is not well-formed XML\n");
        abort();
      }
      xmlFreeDoc(doc);
    }
    if (res.blob.len) {
      Arena *a = arena_new();
      BlobInfo *b = NULL;
      Err berr = {0};
      if (blob_parse(&b, a, res.blob.data, res.blob.len, "ours.blob", &berr) < 0) {
        fprintf(stderr, "fuzz_compile: our blob does not parse: %s\n", berr.msg);
        abort();
      }
      Buf report = BUF_INIT;
      if (blob_check(b, &report, &berr) != 0) {
        fprintf(stderr, "fuzz_compile: our blob fails blob_check:\n%.*s", (int)report.len,
                (const char *)report.data);
        abort();
      }
      buf_free(&report);
      arena_free(a);
    }
  }
  compile_result_free(&res);
  return 0;
}
