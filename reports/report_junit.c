/* reports/report_junit.c — see report_out.h. Written with libxml2's xmlTextWriter, which escapes
 * text and attributes; characters XML 1.0 cannot carry at all (C0 controls) are replaced first. */
#include "report_out.h"

#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The string member k of o, "" when absent or not a string. */
static const char *gs(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* s with the bytes XML 1.0 forbids (C0 controls but tab/LF/CR, and DEL for readability) replaced
 * by U+FFFD, NUL-terminated in tmp; returns tmp's data as an xmlChar string. */
static const xmlChar *xml_safe(Buf *tmp, const char *s) {
  tmp->len = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
      buf_put(tmp, "\xEF\xBF\xBD", 3);
    else
      buf_put(tmp, p, 1);
  }
  buf_put(tmp, "", 1);
  return (const xmlChar *)tmp->data;
}

/* Writes attribute name="value" with value made XML-safe. */
static int attr(xmlTextWriterPtr w, Buf *tmp, const char *name, const char *value) {
  return xmlTextWriterWriteAttribute(w, BAD_CAST name, xml_safe(tmp, value)) < 0 ? -1 : 0;
}

/* Counts of the models with a status; unknown statuses count nowhere. */
typedef struct {
  int tests, failures, errors, skipped;
  double time;
} SuiteCounts;

static SuiteCounts suite_counts(const json_t *models) {
  SuiteCounts c = {0};
  for (size_t i = 0; i < json_array_size(models); i++) {
    const json_t *m = json_array_get(models, i);
    const char *st = gs(m, "status");
    c.tests++;
    if (strcmp(st, "unsupported") == 0)
      c.failures++;
    else if (strcmp(st, "error") == 0 || strcmp(st, "interrupted") == 0)
      c.errors++;
    else if (strcmp(st, "skipped") == 0 || strcmp(st, "pending") == 0)
      c.skipped++;
    c.time += json_number_value(json_object_get(json_object_get(m, "timings"), "total_s"));
    const char *vs = gs(json_object_get(m, "verify"), "status");
    if (!*vs) continue; /* build --verify: a second testcase, "verify" */
    c.tests++;
    c.failures += strcmp(vs, "FAIL") == 0;
    c.errors += strcmp(vs, "ERROR") == 0;
    c.skipped += strcmp(vs, "UNSUPPORTED") == 0 || strcmp(vs, "UNINFORMATIVE") == 0;
  }
  return c;
}

/* Nodes of an issue group ("count", 1 in reports written before grouping). */
static long long issue_count(const json_t *is) {
  json_t *c = json_object_get(is, "count");
  return json_is_integer(c) && json_integer_value(c) > 0 ? (long long)json_integer_value(c) : 1;
}

/* The <failure> body: one block per unsupported verdict (a group of nodes with the same op,
 * reason and fix) with op, first node, shapes, reason, fix and the nodes it blocks. */
static void failure_body(Buf *out, const json_t *uns) {
  for (size_t i = 0; i < json_array_size(uns); i++) {
    const json_t *is = json_array_get(uns, i);
    if (issue_count(is) > 1)
      buf_printf(out, "%lld\u00d7 %s (first %s)", issue_count(is), gs(is, "op"), gs(is, "node"));
    else
      buf_printf(out, "%s %s", gs(is, "op"), gs(is, "node"));
    if (*gs(is, "input_shapes")) buf_printf(out, " (inputs %s)", gs(is, "input_shapes"));
    buf_printf(out, "\n  reason: %s\n  fix: %s\n", gs(is, "reason"), gs(is, "fix"));
    json_t *bl = json_object_get(is, "blocked");
    if (json_is_integer(bl) && json_integer_value(bl) > 0)
      buf_printf(out, "  blocks: %lld nodes below\n", (long long)json_integer_value(bl));
  }
  buf_put(out, "", 1);
}

/* The testcase child for a non-passing status; nothing for ok. */
static int write_verdict(xmlTextWriterPtr w, Buf *tmp, const json_t *m) {
  const char *st = gs(m, "status");
  int rc = 0;
  if (strcmp(st, "unsupported") == 0) {
    const json_t *uns = json_object_get(m, "unsupported");
    char msg[64];
    Buf body = BUF_INIT;
    long long nodes = 0;
    for (size_t i = 0; i < json_array_size(uns); i++) nodes += issue_count(json_array_get(uns, i));
    snprintf(msg, sizeof msg, "%lld unsupported node%s", nodes, nodes == 1 ? "" : "s");
    failure_body(&body, uns);
    rc |= xmlTextWriterStartElement(w, BAD_CAST "failure") < 0 ? -1 : 0;
    rc |= attr(w, tmp, "message", msg);
    rc |= attr(w, tmp, "type", "unsupported");
    rc |= xmlTextWriterWriteString(w, xml_safe(tmp, (const char *)body.data)) < 0 ? -1 : 0;
    rc |= xmlTextWriterEndElement(w) < 0 ? -1 : 0;
    buf_free(&body);
  } else if (strcmp(st, "error") == 0 || strcmp(st, "interrupted") == 0) {
    const json_t *e = json_object_get(m, "error");
    rc |= xmlTextWriterStartElement(w, BAD_CAST "error") < 0 ? -1 : 0;
    rc |= attr(w, tmp, "message", *gs(e, "line") ? gs(e, "line") : gs(e, "message"));
    rc |= attr(w, tmp, "type", *gs(e, "code") ? gs(e, "code") : "error");
    rc |= xmlTextWriterWriteString(w, xml_safe(tmp, gs(e, "line"))) < 0 ? -1 : 0;
    rc |= xmlTextWriterEndElement(w) < 0 ? -1 : 0;
  } else if (strcmp(st, "ok") != 0) {
    rc |= xmlTextWriterStartElement(w, BAD_CAST "skipped") < 0 ? -1 : 0;
    rc |= attr(w, tmp, "message", st);
    rc |= xmlTextWriterEndElement(w) < 0 ? -1 : 0;
  }
  return rc;
}

static int write_testcase(xmlTextWriterPtr w, Buf *tmp, const json_t *m) {
  char cls[1024], tm[32];
  int rc = 0;
  snprintf(cls, sizeof cls, "blobc.%s", gs(m, "name"));
  snprintf(tm, sizeof tm, "%.3f",
           json_number_value(json_object_get(json_object_get(m, "timings"), "total_s")));
  rc |= xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ? -1 : 0;
  rc |= attr(w, tmp, "classname", cls);
  rc |= attr(w, tmp, "name", "convert");
  rc |= attr(w, tmp, "file", gs(m, "source"));
  rc |= attr(w, tmp, "time", tm);
  rc |= write_verdict(w, tmp, m);
  rc |= xmlTextWriterEndElement(w) < 0 ? -1 : 0;
  const json_t *v = json_object_get(m, "verify");
  const char *vs = gs(v, "status");
  if (!*vs) return rc;
  /* build --verify: the written blob against its source model */
  rc |= xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ? -1 : 0;
  rc |= attr(w, tmp, "classname", cls);
  rc |= attr(w, tmp, "name", "verify");
  rc |= attr(w, tmp, "file", gs(m, "source"));
  const char *child = !strcmp(vs, "FAIL")    ? "failure"
                      : !strcmp(vs, "ERROR") ? "error"
                      : strcmp(vs, "PASS")   ? "skipped"
                                             : NULL;
  if (child) {
    rc |= xmlTextWriterStartElement(w, BAD_CAST child) < 0 ? -1 : 0;
    rc |= attr(w, tmp, "message", gs(v, "message"));
    rc |= attr(w, tmp, "type", vs);
    rc |= xmlTextWriterEndElement(w) < 0 ? -1 : 0;
  } else {
    char out[256];
    double rel = json_number_value(json_object_get(v, "rel_err"));
    snprintf(out, sizeof out, "max error %.3g of the output's scale, %.3g/%.3g FP16 roundings", rel,
             json_number_value(json_object_get(v, "fp16_roundings")),
             json_number_value(json_object_get(v, "tolerance")));
    rc |= xmlTextWriterStartElement(w, BAD_CAST "system-out") < 0 ? -1 : 0;
    rc |= xmlTextWriterWriteString(w, xml_safe(tmp, out)) < 0 ? -1 : 0;
    rc |= xmlTextWriterEndElement(w) < 0 ? -1 : 0;
  }
  rc |= xmlTextWriterEndElement(w) < 0 ? -1 : 0;
  return rc;
}

/* <properties> with the manifest and tool, so a CI page shows what was built. */
static int write_properties(xmlTextWriterPtr w, Buf *tmp, const json_t *r) {
  static const char *const keys[] = {"manifest", "tool"};
  int rc = xmlTextWriterStartElement(w, BAD_CAST "properties") < 0 ? -1 : 0;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    rc |= xmlTextWriterStartElement(w, BAD_CAST "property") < 0 ? -1 : 0;
    rc |= attr(w, tmp, "name", keys[i]);
    rc |= attr(w, tmp, "value", gs(r, keys[i]));
    rc |= xmlTextWriterEndElement(w) < 0 ? -1 : 0;
  }
  rc |= xmlTextWriterEndElement(w) < 0 ? -1 : 0;
  return rc;
}

static int write_suite(xmlTextWriterPtr w, Buf *tmp, const json_t *r) {
  const json_t *models = json_object_get(r, "models");
  SuiteCounts c = suite_counts(models);
  char n[4][16], tm[32];
  snprintf(n[0], sizeof n[0], "%d", c.tests);
  snprintf(n[1], sizeof n[1], "%d", c.failures);
  snprintf(n[2], sizeof n[2], "%d", c.errors);
  snprintf(n[3], sizeof n[3], "%d", c.skipped);
  snprintf(tm, sizeof tm, "%.3f", c.time);
  int rc = xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ? -1 : 0;
  rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 ? -1 : 0;
  rc |= attr(w, tmp, "name", "blobc");
  rc |= attr(w, tmp, "tests", n[0]);
  rc |= attr(w, tmp, "failures", n[1]);
  rc |= attr(w, tmp, "errors", n[2]);
  rc |= attr(w, tmp, "skipped", n[3]);
  rc |= attr(w, tmp, "time", tm);
  rc |= write_properties(w, tmp, r);
  for (size_t i = 0; i < json_array_size(models); i++)
    rc |= write_testcase(w, tmp, json_array_get(models, i));
  rc |= xmlTextWriterEndElement(w) < 0 ? -1 : 0;
  rc |= xmlTextWriterEndDocument(w) < 0 ? -1 : 0;
  return rc;
}

char *report_junit_string(json_t *report) {
  if (!json_is_object(report)) return NULL;
  xmlBufferPtr xb = xmlBufferCreate();
  xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
  Buf tmp = BUF_INIT;
  char *out = NULL;
  if (!w) goto done;
  xmlTextWriterSetIndent(w, 1);
  xmlTextWriterSetIndentString(w, BAD_CAST "  ");
  int rc = write_suite(w, &tmp, report);
  xmlFreeTextWriter(w); // flushes into xb
  w = NULL;
  if (rc == 0) out = strdup((const char *)xmlBufferContent(xb));
done:
  xmlFreeTextWriter(w);
  if (xb) xmlBufferFree(xb);
  buf_free(&tmp);
  return out;
}

int report_junit_write(const char *path, json_t *report, Err *err) {
  char *s = report_junit_string(report);
  if (!s) return err_set(err, ERR_INTERNAL, "cannot serialise the JUnit report");
  int rc = io_write_atomic(path, s, strlen(s), err);
  free(s);
  return rc;
}
