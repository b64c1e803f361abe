/*
 * pipeline/probe.h — a build step after compilation: run the blob a model compiled to on a
 * deterministic probe input through the CPU blob executor and report its largest activation
 * and the values that overflowed FP16 (`blobc build --activation-stats`).
 */
#ifndef PIPELINE_PROBE_H
#define PIPELINE_PROBE_H

#include "compiler/base/base.h"

typedef struct {
  bool have;            /* the probe ran */
  float max_activation; /* largest |value| any stage wrote */
  uint64_t overflows;   /* values that became inf in FP16 */
  const char *note;     /* why it did not run (a stage without a CPU kernel), or NULL */
} ProbeStats;

/* Fills *ps from a MyriadX blob; `owner` holds the note's text. Never fails: a blob the executor
 * cannot run leaves have false with a note. */
void probe_activations(ProbeStats *ps, const Buf *blob, Arena *owner);

#endif
