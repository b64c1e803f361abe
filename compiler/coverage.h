/*
 * compiler/coverage.h — one table of what blobc takes and how it reaches the VPU, generated from
 * the code's own tables: the ops of compiler/graph/ops.def (ONNX names), the layer types the
 * OpenVINO IR reader maps (compiler/frontend/ir_read.c), the verdict rules
 * (compiler/passes/vpu_rules.c), the blob writer's lowerings (compiler/backend/blob/lower_sw.c)
 * and the MYRIAD layer list of the rules. `blobc ops` prints it; docs/ops.md holds its Markdown
 * form and tests/test_ops_table.c checks the two agree.
 *
 *   Arena *a = arena_new();
 *   CoverageRow *rows; int n = coverage_rows(&rows, a);
 *   for (int i = 0; i < n; i++) printf("%s %s %s\n", rows[i].name, coverage_how_name(rows[i].how), rows[i].detail);
 *   arena_free(a);
 */
#ifndef COMPILER_COVERAGE_H
#define COMPILER_COVERAGE_H

#include "base/base.h"

typedef enum {
  COV_STAGE,       /* written as MyriadX stage(s) of its own */
  COV_REWRITE,     /* written as other ops or stages (a layer mapped onto others, a rewrite) */
  COV_VIEW,        /* no stage: a view of its input's memory */
  COV_FOLDED,      /* no stage: computed at compile time (with static shapes) */
  COV_UNSUPPORTED, /* a verdict says why */
} CoverageHow;

typedef struct {
  const char *name; /* "Conv", "Convolution", ... */
  bool onnx, ir;    /* an ONNX op type / an OpenVINO IR layer type (both for shared names;
                          neither: a name of the MYRIAD layer list blobc has no op for) */
  CoverageHow how;
  const char *op;     /* the ONNX op it becomes ("" when none) */
  const char *detail; /* the stages, the ops it becomes, or why it is unsupported */
  bool conditional;   /* its verdict also depends on attributes or shapes (see the verdict) */
} CoverageRow;

/* Every row, sorted by name (bytewise), allocated in a; returns the count. */
int coverage_rows(CoverageRow **rows, Arena *a);
/* "stage", "rewrite", "view", "folded", "unsupported". */
const char *coverage_how_name(CoverageHow h);

#endif
