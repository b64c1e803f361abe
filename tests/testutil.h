/* tests/testutil.h — helpers shared by the cmocka suites. */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "compiler/base/base.h"

/* ../shared/data (or $BLOBC_SHARED_DATA) when it exists, else NULL: tests then skip(). */
const char *tu_shared_data(void);
/* A fresh empty temporary folder (mkdtemp under $TMPDIR); removed by tu_rmrf. */
char *tu_tmpdir(void);
void tu_rmrf(const char *path);
/* Writes a text file; returns its path (static buffer per call is NOT used: caller's buf). */
void tu_write(const char *path, const char *text);
/* Runs a shell command, captures stdout+stderr (malloc'd, caller frees) and the exit code. */
int tu_run(char **output, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The blobc binary under test ($BLOBC, default build/blobc). */
const char *tu_blobc(void);
/* The generated demo zoo ($DEMO_ZOO, default build/demo-zoo). */
const char *tu_demo_zoo(void);
/* reports/report.schema.json (from the repo root, or $BUILD_DIR/..); fails the test if absent. */
json_t *tu_schema_load(void);
/* Validates doc against schema with the keyword subset the schema uses (type, required,
 * properties, additionalProperties, items, enum, minimum, $ref); 0, or -1 with the first
 * violation ("path: what") in why. */
int tu_schema_validate(const json_t *schema, const json_t *doc, char *why, size_t size);
#endif
