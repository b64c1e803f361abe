/*
 * compiler/graph/optable.h — per-op tables that the compiler checks complete.
 *
 * Every module that does something per op (attribute decoding, shape inference, folding, VPU
 * verdicts, the OpenVINO IR writer, the blob lowering, the reference kernels) keeps its table
 * beside its code as a list macro with one entry per op of ops.def, in any order:
 *
 *   #define REF_KERNELS(Y)            \
 *     Y(CONV, ref__k_conv)            \
 *     Y(NON_MAX_SUPPRESSION, NULL)    \   <- an op the module does not handle: an explicit NULL
 *     ...
 *   OPTABLE(static const RefKernel, KERNELS, REF_KERNELS);
 *
 * OPTABLE defines `KERNELS[IR_OP_COUNT]`, a designated-initializer array indexed by IrOp, and
 * rejects at compile time a list that misses an op (static assertion on the entry count), names
 * one twice (duplicate member) or names one that ops.def does not have (undeclared IR_OP_x).
 * So a line added to ops.def does not compile until every table has decided what to do with it.
 * An entry is one initializer (Y(OP, value)) or the fields of a struct (Y(OP, a, b, c)).
 */
#ifndef COMPILER_GRAPH_OPTABLE_H
#define COMPILER_GRAPH_OPTABLE_H

#include "compiler/graph/ir.h"

#define OPTABLE_MEMBER_(e, ...) char e;
#define OPTABLE_ENTRY_(e, ...)  [IR_OP_##e] = {__VA_ARGS__},
#define OPTABLE_SCALAR_(e, v)   [IR_OP_##e] = v,

/* A table of structs (or of scalars, with OPTABLE_SCALARS). The struct of one char per entry
 * counts the list and catches duplicates; with every name checked against IrOp by the
 * initializer, count == IR_OP_COUNT means complete. */
#define OPTABLE_CHECK_(name, LIST)                                    \
  struct name##_entries_ {                                            \
    LIST(OPTABLE_MEMBER_)                                             \
  };                                                                  \
  _Static_assert(sizeof(struct name##_entries_) == IR_OP_COUNT, #name \
                 ": every op of compiler/graph/ops.def needs exactly one entry (NULL if none)")

#define OPTABLE(qual_type, name, LIST) \
  OPTABLE_CHECK_(name, LIST);          \
  qual_type name[IR_OP_COUNT] = {LIST(OPTABLE_ENTRY_)}

#define OPTABLE_SCALARS(qual_type, name, LIST) \
  OPTABLE_CHECK_(name, LIST);                  \
  qual_type name[IR_OP_COUNT] = {LIST(OPTABLE_SCALAR_)}

#endif
