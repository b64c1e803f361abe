/*
 * cmd/cmd_ops.c — `blobc ops [--json | --markdown]`: every op and layer type blobc reads (ONNX op
 * types and OpenVINO IR layer types) with how it reaches the VPU: its own stage(s), a rewrite into
 * other ops or stages, a memory view, folded at compile time, or unsupported with the reason. The
 * table is compiler/coverage.c's, generated from the code's op tables; docs/ops.md is its
 * --markdown form (tests/test_ops_table.c keeps them equal).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/coverage.h"

int cmd_ops(int argc, char **argv);

static const char *source_of(const CoverageRow *r) {
  return r->onnx && r->ir ? "ONNX, IR" : r->onnx ? "ONNX" : r->ir ? "IR" : "MYRIAD list";
}

/* A Markdown table cell: '|' escaped. */
static void md_cell(const char *s) {
  for (; *s; s++) {
    if (*s == '|') fputc('\\', stdout);
    fputc(*s, stdout);
  }
}

int cmd_ops(int argc, char **argv) {
  bool json = false, md = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json"))
      json = true;
    else if (!strcmp(argv[i], "--markdown"))
      md = true;
    else {
      fprintf(stderr, "blobc: unknown option '%s' for ops (see 'blobc --help')\n", argv[i]);
      return 2;
    }
  }
  Arena *a = arena_new();
  CoverageRow *rows = NULL;
  int n = coverage_rows(&rows, a);
  if (json) {
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
      const CoverageRow *r = &rows[i];
      json_t *o = json_object();
      json_object_set_new(o, "name", json_string(r->name));
      json_object_set_new(o, "onnx", json_boolean(r->onnx));
      json_object_set_new(o, "openvino_ir", json_boolean(r->ir));
      json_object_set_new(o, "how", json_string(coverage_how_name(r->how)));
      json_object_set_new(o, "op", json_string(r->op));
      json_object_set_new(o, "detail", json_string(r->detail));
      json_object_set_new(o, "conditional", json_boolean(r->conditional));
      json_array_append_new(arr, o);
    }
    char *s = json_dumps(arr, JSON_INDENT(2));
    if (s) puts(s);
    free(s);
    json_decref(arr);
  } else if (md) {
    puts("| name | source | how | detail |");
    puts("| --- | --- | --- | --- |");
    for (int i = 0; i < n; i++) {
      const CoverageRow *r = &rows[i];
      printf("| %s | %s | %s%s | ", r->name, source_of(r), coverage_how_name(r->how),
             r->conditional ? "*" : "");
      md_cell(r->detail);
      puts(" |");
    }
  } else {
    int counts[COV_UNSUPPORTED + 1] = {0};
    for (int i = 0; i < n; i++) {
      const CoverageRow *r = &rows[i];
      counts[r->how]++;
      printf("%-30s %-12s %-12s %s\n", r->name, source_of(r), coverage_how_name(r->how), r->detail);
    }
    printf("%d names: %d stage, %d rewrite, %d view, %d folded, %d unsupported\n", n,
           counts[COV_STAGE], counts[COV_REWRITE], counts[COV_VIEW], counts[COV_FOLDED],
           counts[COV_UNSUPPORTED]);
  }
  arena_free(a);
  return 0;
}
