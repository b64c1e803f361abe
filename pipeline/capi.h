/*
 * pipeline/capi.h — the in-process API of libblobc.so, for the Python package (python/blobc, by
 * ctypes: one call per command, no subprocess per model).
 *
 *   char result[4096], err[2048];
 *   const char *argv[] = {"model.onnx", "--shaves", "6", "-o", "out/model.blob"};
 *   int rc = blobc_api_run("convert", 5, argv, 0, result, sizeof result, err, sizeof err);
 *   // rc as the command line's exit code; result: the blob (convert), report.json (build),
 *   // the manifest (import-omz); err: the first error line when rc != 0
 *
 * Commands: build, check, convert (pipeline/run.h) and import-omz. Flags are the command line's,
 * read with the option table. show != 0 prints progress and diagnostics on stderr; nothing is
 * ever printed on stdout.
 */
#ifndef PIPELINE_CAPI_H
#define PIPELINE_CAPI_H

#include <stddef.h>

int blobc_api_run(const char *cmd, int argc, const char *const *argv, int show, char *result,
                  size_t result_size, char *err, size_t err_size);
/* "0.1.0" */
const char *blobc_api_version(void);

#endif
