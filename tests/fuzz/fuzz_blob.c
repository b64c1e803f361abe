/*
 * tests/fuzz/fuzz_blob.c — libFuzzer harness: arbitrary bytes as a MyriadX .blob / SuperBlob.
 * blob_parse must never read past the input or allocate more than the input can describe;
 * blob_check must run on whatever blob_parse accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* a private copy of exactly `size` bytes, so ASan flags any read past the end */
  uint8_t *copy = malloc(size ? size : 1);
  if (size) memcpy(copy, data, size);
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err err = {0};
  if (blob_parse(&b, a, copy, size, "fuzz.blob", &err) < 0) {
    ASSERT(b == NULL);
    ASSERT(err.code == ERR_PARSE && !strncmp(err.msg, "offset ", 7));
  } else {
    ASSERT(b != NULL);
    free(copy); /* the BlobInfo must not point into the input */
    copy = NULL;
    Buf report = BUF_INIT;
    Err cerr = {0};
    int v = blob_check(b, &report, &cerr);
    ASSERT(v >= 0);
    ASSERT((v == 0) == (report.len == 0));
    buf_free(&report);
    char name[16];
    blob_order_str(b->hdr.magic, name);
  }
  free(copy);
  arena_free(a);
  return 0;
}
