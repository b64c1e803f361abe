/*
 * reports/report_out.h — the human and CI renderings of the report document that
 * report_build() (report.h) returns: one self-contained HTML page and a JUnit XML file.
 * Both read only the json_t document, never the jobs, so `blobc report` can re-render a
 * stored report.json.
 *
 * Usage:
 *   json_t *doc = report_build(jobs, n, manifest);
 *   if (report_html_write("out/report.html", doc, &err) < 0 ||
 *       report_junit_write("out/junit.xml", doc, &err) < 0)
 *     fprintf(stderr, "%s\n", err_line(&err, line, sizeof line));
 *   json_decref(doc);
 *
 * Every string taken from the document (model, node and op names, reasons, paths) is untrusted:
 * HTML goes through report_html_text(), XML through libxml2's writer. Output is deterministic
 * for the same document; the only run-dependent values are the "timings", which the HTML keeps
 * in elements of class "timings" and JUnit in the `time` attributes.
 */
#ifndef REPORTS_REPORT_OUT_H
#define REPORTS_REPORT_OUT_H

#include <jansson.h>

#include "compiler/base/base.h"

/* report_html.c */

/* Appends s to out HTML-escaped for text and quoted attribute values: & < > " ' become
 * entities, C0 control characters other than tab/newline/CR become U+FFFD. NULL appends
 * nothing. The only place the HTML writer escapes. */
void report_html_text(Buf *out, const char *s);
/* Appends the whole page (no NUL terminator) for report to out. Missing or mistyped fields
 * render as empty/zero, so a partial document still renders. Returns 0, or -1 when report is
 * not a JSON object (out is left unchanged then). */
int report_html_render(Buf *out, json_t *report);
/* Renders report and writes it to path atomically (io_write_atomic). 0 / -1 with err filled. */
int report_html_write(const char *path, json_t *report, Err *err);

/* report_junit.c */

/* Writes a JUnit XML file to path atomically: <testsuite name="blobc"> with one
 * <testcase classname="blobc.<model>" name="convert"> per model; status "error" gives an
 * <error>, "unsupported" a <failure message="N unsupported nodes"> listing each node,
 * "skipped"/"pending" a <skipped/>, "ok" an empty testcase. 0 / -1 with err filled. */
int report_junit_write(const char *path, json_t *report, Err *err);
/* The same XML as a malloc'd NUL-terminated string (caller frees with free()); NULL when
 * report is not an object or on allocation failure. */
char *report_junit_string(json_t *report);

#endif
