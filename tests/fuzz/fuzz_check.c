/*
 * tests/fuzz/fuzz_check.c — libFuzzer harness: the whole `blobc check` path on an ONNX model:
 * compile_model with want_blob = want_ir = false (load, preprocessing, integer inputs, shape
 * inference, BN fusion, verdicts, FP16, summary). compile_model reads a file, so each input is
 * written to one private temp file (removed at exit).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/compile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmp_path[4096];
static int tmp_fd = -1;

static void remove_tmp(void) {
  if (tmp_fd >= 0) unlink(tmp_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *dir = getenv("TMPDIR");
  snprintf(tmp_path, sizeof tmp_path, "%s/blobc-fuzz-check-XXXXXX.onnx", dir ? dir : "/tmp");
  tmp_fd = mkstemps(tmp_path, 5);
  if (tmp_fd < 0) {
    perror(tmp_path);
    abort();
  }
  atexit(remove_tmp);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (ftruncate(tmp_fd, 0) < 0 || (size && pwrite(tmp_fd, data, size, 0) != (ssize_t)size)) abort();
  CompInput in = {.precision = PREC_DEFAULT};
  CompileOptions opt = {
      .model_name = "fuzz",
      .source = tmp_path,
      .inputs = &in,
      .n_inputs = 1,
      .data_type = PREC_FP16,
      .output_precision = PREC_FP16,
      .shaves = 6,
      .cmx_slices = 6,
      .openvino = "2022.1",
      .want_blob = false,
      .want_ir = false,
      /* as fuzz_compile: amplifiers are clean oom errors, not slow units */
      .limits = {.max_model_bytes = (uint64_t)64 << 20, .max_tensor_bytes = (uint64_t)16 << 20}};
  CompileResult res;
  Err err = {0};
  if (compile_model(&res, &opt, &err) < 0) {
    ASSERT(err.code != ERR_OK && err.msg[0]);
    ASSERT(err.code != ERR_INTERNAL);
  } else {
    ASSERT(res.n_supported + res.n_converted + res.n_unsupported + res.n_blocked ==
           res.n_nodes_live);
    for (int i = 0; i < res.n_issues; i++) ASSERT(res.issues[i].node && res.issues[i].reason);
  }
  compile_result_free(&res);
  return 0;
}
