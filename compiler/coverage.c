/* compiler/coverage.c — the op coverage table (see coverage.h). */
#include "coverage.h"

#include <stdlib.h>
#include <string.h>

#include "backend/blob_write.h"
#include "frontend/ir_read.h"
#include "passes/passes.h"

const char *coverage_how_name(CoverageHow h) {
  switch (h) {
  case COV_STAGE: return "stage";
  case COV_REWRITE: return "rewrite";
  case COV_VIEW: return "view";
  case COV_FOLDED: return "folded";
  default: return "unsupported";
  }
}

/* Ops of ops.def that are OpenVINO layer types with no ONNX op of the name (the ONNX reader never
 * makes them from a standard-domain node of that type in a real model). */
static const char *const IR_ONLY[] = {"SquaredDifference",
                                      "GRN",
                                      "NormalizeL2",
                                      "RegionYolo",
                                      "ReorgYolo",
                                      "PriorBox",
                                      "PriorBoxClustered",
                                      "DetectionOutput",
                                      "CTCGreedyDecoder",
                                      "ScatterUpdate",
                                      "ROIPooling",
                                      "PSROIPooling",
                                      "Swish",
                                      "LSTMCell",
                                      "Proposal"};

static bool ir_only(const char *name) {
  for (size_t i = 0; i < sizeof IR_ONLY / sizeof IR_ONLY[0]; i++)
    if (!strcmp(IR_ONLY[i], name)) return true;
  return false;
}

/* The row of an op of ops.def: its rule's static verdict and the writer's lowering. */
static CoverageRow op_row(IrOp op, Arena *a) {
  CoverageRow r = {.name = ir_op_name(op), .onnx = !ir_only(ir_op_name(op)), .op = ir_op_name(op)};
  const char *reason = NULL, *stages = NULL;
  Verdict v = vpu_rule_static(op, a, &reason);
  bool lowered = be_blob_lowering(op, &stages);
  r.conditional = v == VERDICT_NONE;
  if (v == VERDICT_UNSUPPORTED)
    r.how = COV_UNSUPPORTED, r.detail = reason;
  else if (v == VERDICT_CONVERTED)
    r.how = COV_REWRITE, r.detail = arena_printf(a, "%s", stages ? stages : reason);
  else if (lowered)
    r.how = COV_STAGE, r.detail = stages;
  else if (v == VERDICT_FOLDED)
    r.how = COV_FOLDED, r.detail = reason;
  else if (be_blob_view_op(op))
    r.how = COV_VIEW, r.detail = "no stage: a view of its input's memory";
  else
    r.how = COV_FOLDED, r.detail = "computed at compile time";
  return r;
}

static int by_name(const void *p, const void *q) {
  const CoverageRow *a = p, *b = q;
  int c = strcmp(a->name, b->name);
  return c ? c : (int)a->ir - (int)b->ir;
}

/* The row named name among rows[0..n), or NULL. */
static CoverageRow *find(CoverageRow *rows, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (!strcmp(rows[i].name, name)) return &rows[i];
  return NULL;
}

int coverage_rows(CoverageRow **out, Arena *a) {
  int cap = IR_OP_COUNT + vpu_listed_count() + 256, n = 0;
  CoverageRow *rows = arena_array(a, (size_t)cap, sizeof *rows);
  for (int op = 0; op < IR_OP_COUNT; op++) rows[n++] = op_row((IrOp)op, a);
  const char *type, *exp;
  IrOp op;
  for (int i = 0; fe_ir_layer(i, &type, &op, &exp) && n < cap; i++) {
    CoverageRow *same = find(rows, n, type);
    if (same) { /* the ONNX op of the same name, or a type listed twice (its first mapping) */
      if (!same->ir && exp)
        same->detail = arena_printf(a, "%s; the IR layer: as %s", same->detail, exp);
      same->ir = true;
      continue;
    }
    CoverageRow t = op_row(op, a);
    CoverageRow r = {.name = type, .ir = true, .op = ir_op_name(op), .conditional = true};
    r.how = exp && (t.how == COV_STAGE || t.how == COV_VIEW) ? COV_REWRITE : t.how;
    r.detail = t.how == COV_UNSUPPORTED
                   ? t.detail
                   : arena_printf(a, "as %s: %s", exp ? exp : ir_op_name(op), t.detail);
    rows[n++] = r;
  }
  for (int i = 0; i < vpu_listed_count() && n < cap; i++) {
    const char *name = vpu_listed_name(i);
    if (find(rows, n, name)) continue;
    rows[n++] =
        (CoverageRow){.name = name,
                      .how = COV_UNSUPPORTED,
                      .op = "",
                      .detail = "on the MYRIAD layer list, but blobc cannot write its stage yet"};
  }
  qsort(rows, (size_t)n, sizeof *rows, by_name);
  *out = rows;
  return n;
}
