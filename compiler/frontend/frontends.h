/*
 * compiler/frontend/frontends.h — the table of model formats blobc reads.
 *
 * Each frontend is {name, extension, sniff, load}. A model file is given to the frontend whose
 * extension it has (case-insensitive); a file with none of them (model.bin, a download without
 * an extension) is given to the frontend whose sniff recognises its first bytes. Adding a format
 * is one row in frontends.c plus its loader.
 *
 *   IrGraph *g;
 *   if (fe_load(&g, arena, "zoo/model.onnx", &err) < 0) ...   // ERR_PARSE for an unknown format
 */
#ifndef COMPILER_FRONTEND_FRONTENDS_H
#define COMPILER_FRONTEND_FRONTENDS_H

#include "compiler/graph/ir.h"

typedef struct {
  const char *name;      /* "ONNX" */
  const char *extension; /* ".onnx" */
  const char *needs;     /* how the format is given, for messages: ".xml with .bin beside it" */
  /* True when the first n bytes of a file look like this format (n may be small) */
  bool (*sniff)(const uint8_t *head, size_t n);
  int (*load)(IrGraph **out, Arena *a, const char *path, Err *err);
} Frontend;

extern const Frontend FRONTENDS[];
extern const int N_FRONTENDS;

/* The frontend for a path: by extension, else by sniffing the file's first bytes; NULL when
 * none matches (or the file cannot be read). */
const Frontend *fe_for_path(const char *path);
/* Loads a model with fe_for_path's frontend; ERR_PARSE "unknown model format (...)" naming every
 * format when none matches. */
int fe_load(IrGraph **out, Arena *a, const char *path, Err *err);

#endif
