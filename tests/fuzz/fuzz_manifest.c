/*
 * tests/fuzz/fuzz_manifest.c — libFuzzer harness: arbitrary bytes as a YAML manifest.
 * manifest_parse_str must return 0 or -1 with one ERR_MANIFEST/ERR_IO error, never crash, leak
 * or allocate without bound; on success the jobs built from it must be consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/build.h"
#include "pipeline/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Manifest *m = NULL;
  Err err = {0};
  if (manifest_parse_str(&m, (const char *)data, size, "fuzz/zoo.yaml", &err) < 0) {
    ASSERT(m == NULL);
    ASSERT(err.code == ERR_MANIFEST || err.code == ERR_IO);
    ASSERT(err.msg[0] != 0);
    char line[1400];
    ASSERT(err_line(&err, line, sizeof line)[0] != 0);
    return 0;
  }
  ASSERT(m != NULL && m->n_models >= 1);
  Arena *a = arena_new();
  BuildJob *jobs = NULL;
  int n = 0;
  build_jobs_from_manifest(&jobs, &n, m, a, &err);
  for (int i = 0; i < n; i++) {
    const ManifestModel *mm = &m->models[i];
    ASSERT(mm->name && mm->name[0] && mm->name[0] != '.' && !strchr(mm->name, '/'));
    ASSERT(strlen(mm->name) <= MANIFEST_MAX_NAME);
    ASSERT(mm->n_inputs >= 1 && mm->shaves >= 1 && mm->shaves <= 16);
    for (int k = 0; k < mm->n_inputs; k++) {
      const ManifestInput *in = &mm->inputs[k];
      ASSERT(in->rank >= 0 && in->rank <= MANIFEST_MAX_DIMS);
      ASSERT(in->n_mean >= 0 && in->n_mean <= MANIFEST_MAX_DIMS);
      ASSERT(in->n_scale >= 0 && in->n_scale <= MANIFEST_MAX_DIMS);
      for (int d = 0; d < in->n_scale; d++) ASSERT(in->scale[d] > 0);
    }
  }
  build_jobs_free(jobs, n);
  arena_free(a);
  manifest_free(m);
  return 0;
}
