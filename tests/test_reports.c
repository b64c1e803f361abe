/* tests/test_reports.c — reports/report_html.c, report_junit.c and report.schema.json: escaping
 * of hostile names, the op x model matrix, determinism, JUnit counts, the schema against a real
 * report (when $BLOBC and $DEMO_ZOO exist) and the page in headless Chromium (when installed). */
#include "testutil.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/report_out.h"

#define HOSTILE_SCRIPT "<script>alert(1)</script>"
#define HOSTILE_QUOTES "\"quotes\" & 'apos'"
#define HOSTILE_OP     "<img src=x onerror=alert(3)>"
#define HOSTILE_REASON "</script><script>alert(2)</script>"
#define UNICODE_NODE   "ünïcødé/名前/ノード"

/* ---- a hand-built report, complete per the schema ------------------------------------- */

/* {"supported":s,"converted":c,"unsupported":u,"folded":f} */
static json_t *counts(int s, int c, int u, int f) {
  return json_pack("{s:i,s:i,s:i,s:i}", "supported", s, "converted", c, "unsupported", u, "folded",
                   f);
}

static json_t *issue(const char *verdict, const char *op, const char *node, const char *reason,
                     const char *fix) {
  return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "node", node, "op", op, "verdict", verdict,
                   "reason", reason, "fix", fix, "input_shapes", "f16 1x8x32x32");
}

/* A model with every field report_json.c writes; ops/unsupported/converted are stolen. */
static json_t *model(const char *name, const char *status, json_t *ops, json_t *uns, json_t *conv) {
  json_t *m = json_pack(
      "{s:s,s:s,s:s,s:{s:s,s:i,s:i,s:s},s:i,s:{s:i,s:i,s:i,s:i,s:i,s:i},s:o,s:i,"
      "s:[{s:s,s:s,s:s,s:s,s:{s:[f,f,f],s:[f,f,f],s:b,s:s}}],s:[{s:s,s:s,s:s,s:s}],s:o,s:o,"
      "s:{s:i,s:i},s:{},s:{s:f,s:f,s:f,s:f}}",
      "name", name, "source", "zoo/m.onnx", "status", status, "options", "data_type", "FP16",
      "shaves", 6, "cmx_slices", 6, "openvino", "2022.1", "opset", 13, "nodes", "source", 20,
      "live", 18, "folded", 2, "supported", 15, "converted", (int)json_array_size(conv),
      "unsupported", (int)json_array_size(uns), "ops", ops, "parameters", 1234567, "inputs", "name",
      "input", "shape", "1x3x224x224", "precision", "U8", "layout", "NCHW", "preprocessing",
      "mean_values", 123.675, 116.28, 103.53, "scale_values", 58.395, 57.12, 57.375,
      "reverse_input_channels", 1, "frame_layout", "NHWC", "outputs", "name", "output", "shape",
      "1x1000", "precision", "FP16", "layout", "NC", "unsupported", uns, "converted", conv, "fp16",
      "weights_saturated", 0, "weights_underflowed", 3, "outputs_written", "timings", "load_s",
      0.01, "passes_s", 0.02, "backend_s", 0.03, "total_s", 0.07);
  assert_non_null(m);
  return m;
}

/* Three models: ok, unsupported (hostile name, op, node, reason), error (hostile name, line). */
static json_t *hostile_report(void) {
  json_t *m0 = model("resnet<b>", "ok",
                     json_pack("{s:o,s:o,s:o}", "BatchNormalization", counts(0, 0, 0, 20), "Conv",
                               counts(13, 0, 0, 0), "Relu", counts(5, 0, 0, 0)),
                     json_array(), json_array());
  json_object_set_new(json_object_get(m0, "outputs_written"), "blob",
                      json_pack("{s:s,s:i,s:s,s:i,s:i,s:i,s:i}", "path", "resnet/resnet.blob",
                                "size", 7010752, "sha256", "cc27b697c275", "stages", 76, "bss_size",
                                3512320, "bss_naive", 9000000, "bss_peak", 3000000));
  json_object_set_new(json_object_get(m0, "outputs_written"), "xml",
                      json_string("resnet/resnet.xml"));
  json_object_set_new(json_object_get(m0, "outputs_written"), "bin",
                      json_string("resnet/resnet.bin"));
  json_t *m1 = model(
      HOSTILE_SCRIPT, "unsupported",
      json_pack("{s:o,s:o,s:o,s:o}", "Conv", counts(2, 0, 0, 0), "HardSigmoid", counts(0, 0, 2, 0),
                "Cast", counts(0, 1, 0, 0), HOSTILE_OP, counts(0, 0, 1, 0)),
      json_pack("[o,o,o]",
                issue("unsupported", "HardSigmoid", HOSTILE_QUOTES, HOSTILE_REASON, "<!-- x -->"),
                issue("unsupported", "HardSigmoid", UNICODE_NODE, "not on MYRIAD", "use Clip"),
                issue("unsupported", HOSTILE_OP, "n3", "unknown op", "remove it")),
      json_pack("[o]", issue("converted", "Cast", "cast_0", "input is INT64",
                             "a Convert to FP16 is inserted")));
  json_object_set_new(json_object_get(m1, "outputs_written"), "ir_skipped",
                      json_string("tensor 'x' has no shape"));
  json_t *m2 = model(HOSTILE_QUOTES, "error", json_object(), json_array(), json_array());
  json_object_set_new(m2, "error",
                      json_pack("{s:s,s:s,s:s,s:s}", "code", "parse", "node", "", "message",
                                "truncated protobuf", "line",
                                "m.onnx: model '\"quotes\"': </script> truncated protobuf"));
  json_t *r =
      json_pack("{s:i,s:s,s:s,s:{s:i,s:i,s:i,s:i,s:i},s:[o,o,o]}", "schema_version", 1, "tool",
                "blobc 0.1.0", "manifest", "zoo/<evil>.yaml", "summary", "models", 3, "ok", 1,
                "unsupported", 1, "error", 1, "skipped", 0, "models", m0, m1, m2);
  assert_non_null(r);
  return r;
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* The page as a NUL-terminated malloc'd string. */
static char *render(json_t *r) {
  Buf b = BUF_INIT;
  assert_int_equal(report_html_render(&b, r), 0);
  buf_put(&b, "", 1);
  return (char *)b.data;
}

static int count_substr(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

/* The nth (0-based) <td ...>...</td> of the matrix row whose op header is op_html (escaped
 * text), copied into out. */
static void matrix_cell(char *out, size_t size, const char *html, const char *op_html, int nth) {
  char key[256];
  snprintf(key, sizeof key, "<th class=\"op\">%s</th>", op_html);
  const char *row = strstr(strstr(html, "id=\"matrix\""), key);
  assert_non_null(row);
  const char *end = strstr(row, "</tr>"), *td = row;
  for (int i = 0; i <= nth; i++) {
    td = strstr(td + 1, "<td ");
    assert_true(td && td < end);
  }
  const char *close = strstr(td, "</td>");
  size_t n = (size_t)(close - td) + 5;
  assert_true(n < size);
  memcpy(out, td, n);
  out[n] = 0;
}

static char *slurp(const char *path) {
  uint8_t *data = NULL;
  size_t len = 0;
  Err err = {0};
  if (io_read_file(&data, &len, path, 0, &err) < 0) return NULL;
  char *s = realloc(data, len + 1);
  assert_non_null(s);
  s[len] = 0;
  return s;
}

/* ---- HTML --------------------------------------------------------------------------------- */

static void reports__html_text_escapes_five_characters(void **state) {
  (void)state;
  Buf b = BUF_INIT;
  report_html_text(&b, "a&b<c>d\"e'f\x01g\tü");
  report_html_text(&b, NULL);
  buf_put(&b, "", 1);
  assert_string_equal((char *)b.data, "a&amp;b&lt;c&gt;d&quot;e&#39;f\xEF\xBF\xBDg\tü");
  buf_free(&b);
}

static void reports__html_escapes_hostile_names(void **state) {
  (void)state;
  json_t *r = hostile_report();
  char *html = render(r);
  assert_null(strstr(html, "<script>alert"));
  assert_null(strstr(html, "<img"));
  assert_null(strstr(html, "<!--"));
  assert_null(strstr(html, "<b>"));
  assert_int_equal(count_substr(html, "<script"), 1);  // ours only
  assert_int_equal(count_substr(html, "</script"), 1); // nothing closes it early
  assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert_non_null(strstr(html, "&quot;quotes&quot; &amp; &#39;apos&#39;"));
  assert_non_null(strstr(html, "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
  assert_non_null(strstr(html, "&lt;img src=x onerror=alert(3)&gt;"));
  assert_non_null(strstr(html, "&lt;!-- x --&gt;"));
  assert_non_null(strstr(html, UNICODE_NODE)); // UTF-8 passes through unchanged
  assert_non_null(strstr(html, "<title>blobc report — zoo/&lt;evil&gt;.yaml</title>"));
  free(html);
  json_decref(r);
}

static void reports__html_matrix_cells_have_counts_and_classes(void **state) {
  (void)state;
  json_t *r = hostile_report();
  char *html = render(r), cell[1024];
  matrix_cell(cell, sizeof cell, html, "Conv", 0);
  assert_non_null(strstr(cell, "class=\"cell c-supported\" data-m=\"0\""));
  assert_non_null(strstr(cell, "<span class=\"n s\">13</span>"));
  matrix_cell(cell, sizeof cell, html, "Conv", 1);
  assert_non_null(strstr(cell, "<span class=\"n s\">2</span>"));
  matrix_cell(cell, sizeof cell, html, "Conv", 2);
  assert_string_equal(cell, "<td class=\"cell c-none\" data-m=\"2\"></td>");
  matrix_cell(cell, sizeof cell, html, "HardSigmoid", 1);
  assert_non_null(strstr(cell, "class=\"cell c-unsupported\" data-m=\"1\""));
  assert_non_null(strstr(cell, "<span class=\"n u\">2</span>"));
  assert_non_null(
      strstr(cell, "HardSigmoid in &lt;script&gt;alert(1)&lt;/script&gt;: 0 supported"));
  matrix_cell(cell, sizeof cell, html, "Cast", 1);
  assert_non_null(strstr(cell, "class=\"cell c-converted\""));
  assert_non_null(strstr(cell, "<span class=\"n c\">1</span>"));
  matrix_cell(cell, sizeof cell, html, "BatchNormalization", 0);
  assert_non_null(strstr(cell, "class=\"cell c-folded\""));
  assert_non_null(strstr(cell, "<span class=\"n f\">20</span>"));
  matrix_cell(cell, sizeof cell, html, "&lt;img src=x onerror=alert(3)&gt;", 1);
  assert_non_null(strstr(cell, "<span class=\"n u\">1</span>"));
  // problem ops first: unsupported rows, then converted, then the rest by name
  const char *hs = strstr(html, ">HardSigmoid</th>"), *img = strstr(html, ">&lt;img src=x"),
             *cast = strstr(html, ">Cast</th>"), *bn = strstr(html, ">BatchNormalization</th>"),
             *conv = strstr(html, ">Conv</th>");
  assert_true(img < hs && hs < cast && cast < bn && bn < conv);
  free(html);
  json_decref(r);
}

static void reports__html_has_summary_sections_and_filters(void **state) {
  (void)state;
  json_t *r = hostile_report();
  char *html = render(r);
  assert_non_null(strstr(html, "<div class=\"v\" data-count=\"ok\">1</div>"));
  assert_non_null(strstr(html, "<div class=\"v\" data-count=\"error\">1</div>"));
  assert_non_null(strstr(html, "<div class=\"v\" data-count=\"unsupported\">3</div>")); // nodes
  for (int i = 0; i < 3; i++) {
    char id[32];
    snprintf(id, sizeof id, "<section class=\"model st-%s\" id=\"m%d\"",
             i == 0   ? "ok"
             : i == 1 ? "unsupported"
                      : "error",
             i);
    assert_non_null(strstr(html, id));
  }
  assert_non_null(strstr(
      html, "m.onnx: model &#39;&quot;quotes&quot;&#39;: &lt;/script&gt; truncated protobuf"));
  assert_non_null(strstr(html, "123.675, 116.28, 103.53"));
  assert_non_null(strstr(html, "6.7 MiB (7,010,752 B)"));
  assert_non_null(strstr(html, "a Convert to FP16 is inserted"));
  assert_non_null(strstr(html, "IR not written: tensor &#39;x&#39; has no shape"));
  assert_non_null(strstr(html, "data-status=\"unsupported\""));
  assert_non_null(strstr(html, "<input id=\"search\""));
  assert_null(strstr(html, "http://")); // no network
  assert_null(strstr(html, "https://"));
  free(html);
  json_decref(r);
}

static void reports__html_is_deterministic(void **state) {
  (void)state;
  json_t *r = hostile_report(), *copy = json_deep_copy(r);
  char *a = render(r), *b = render(r), *c = render(copy);
  assert_string_equal(a, b);
  assert_string_equal(a, c);
  char *dir = tu_tmpdir(), path[4200];
  snprintf(path, sizeof path, "%s/report.html", dir);
  Err err = {0};
  assert_int_equal(report_html_write(path, r, &err), 0);
  char *disk = slurp(path);
  assert_non_null(disk);
  assert_string_equal(disk, a);
  free(disk), free(a), free(b), free(c);
  tu_rmrf(dir);
  free(dir);
  json_decref(copy);
  json_decref(r);
}

static void reports__html_rejects_a_non_object(void **state) {
  (void)state;
  Buf b = BUF_INIT;
  json_t *arr = json_array();
  assert_int_equal(report_html_render(&b, arr), -1);
  assert_int_equal(b.len, 0);
  Err err = {0};
  assert_int_equal(report_html_write("/nonexistent/x.html", arr, &err), -1);
  assert_int_equal(err.code, ERR_INTERNAL);
  assert_string_equal(err.msg, "cannot render the HTML report: the document is not an object");
  json_decref(arr);
}

static void reports__html_renders_a_partial_document(void **state) {
  (void)state;
  json_t *r = json_pack("{s:[{s:s},{s:i}]}", "models", "name", "x", "name", 3);
  char *html = render(r);
  assert_non_null(strstr(html, "id=\"m1\""));
  assert_non_null(strstr(html, "</html>\n"));
  free(html);
  json_decref(r);
}

/* ---- JUnit -------------------------------------------------------------------------------- */

/* Number of elements named name under node (recursive). */
static int count_elems(xmlNodePtr node, const char *name) {
  int n = 0;
  for (xmlNodePtr c = node; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0) n++;
    n += count_elems(c->children, name);
  }
  return n;
}

/* The idx-th <testcase> child of the suite. */
static xmlNodePtr testcase(xmlNodePtr suite, int idx) {
  for (xmlNodePtr c = suite->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST "testcase") == 0 && idx-- == 0)
      return c;
  fail_msg("no testcase %d", idx);
  return NULL;
}

/* Asserts attribute name of node equals want. */
static void assert_attr(xmlNodePtr node, const char *name, const char *want) {
  xmlChar *v = xmlGetProp(node, BAD_CAST name);
  assert_non_null(v);
  assert_string_equal((char *)v, want);
  xmlFree(v);
}

static xmlDocPtr parse_junit(const char *path) {
  char *s = slurp(path);
  assert_non_null(s);
  xmlDocPtr doc = xmlReadMemory(s, (int)strlen(s), "junit.xml", NULL, XML_PARSE_NONET);
  free(s);
  assert_non_null(doc);
  xmlNodePtr root = xmlDocGetRootElement(doc);
  assert_string_equal((char *)root->name, "testsuite");
  assert_attr(root, "name", "blobc");
  return doc;
}

static void reports__junit_parses_back_with_right_counts(void **state) {
  (void)state;
  json_t *r = hostile_report();
  char *dir = tu_tmpdir(), path[4200];
  snprintf(path, sizeof path, "%s/junit.xml", dir);
  Err err = {0};
  assert_int_equal(report_junit_write(path, r, &err), 0);
  xmlDocPtr doc = parse_junit(path);
  xmlNodePtr suite = xmlDocGetRootElement(doc);
  assert_attr(suite, "tests", "3");
  assert_attr(suite, "failures", "1");
  assert_attr(suite, "errors", "1");
  assert_int_equal(count_elems(suite, "testcase"), 3);
  assert_int_equal(count_elems(suite, "failure"), 1);
  assert_int_equal(count_elems(suite, "error"), 1);
  assert_null(testcase(suite, 0)->children); // ok passes: empty testcase
  xmlNodePtr t1 = testcase(suite, 1), t2 = testcase(suite, 2);
  assert_attr(t1, "classname", "blobc." HOSTILE_SCRIPT);
  assert_attr(t1, "name", "convert");
  assert_attr(t2, "classname", "blobc." HOSTILE_QUOTES);
  xmlNodePtr f = xmlFirstElementChild(t1), e = xmlFirstElementChild(t2);
  assert_attr(f, "message", "3 unsupported nodes");
  xmlChar *body = xmlNodeGetContent(f);
  assert_non_null(strstr((char *)body, "HardSigmoid " HOSTILE_QUOTES
                                       " (inputs f16 1x8x32x32)\n  reason: " HOSTILE_REASON
                                       "\n  fix: <!-- x -->\n"));
  assert_non_null(strstr((char *)body, UNICODE_NODE));
  xmlFree(body);
  assert_string_equal((char *)e->name, "error");
  assert_attr(e, "message", "m.onnx: model '\"quotes\"': </script> truncated protobuf");
  assert_attr(e, "type", "parse");
  xmlFreeDoc(doc);
  tu_rmrf(dir);
  free(dir);
  json_decref(r);
}

static void reports__junit_stays_well_formed_with_control_characters(void **state) {
  (void)state;
  json_t *r = hostile_report();
  json_t *m = json_array_get(json_object_get(r, "models"), 0);
  json_object_set_new(m, "name", json_string("bell\x07name\x1b[31m"));
  json_object_set_new(m, "status", json_string("skipped"));
  char *s = report_junit_string(r);
  assert_non_null(s);
  xmlDocPtr doc = xmlReadMemory(s, (int)strlen(s), "junit.xml", NULL, XML_PARSE_NONET);
  assert_non_null(doc);
  assert_attr(testcase(xmlDocGetRootElement(doc), 0), "classname",
              "blobc.bell\xEF\xBF\xBDname\xEF\xBF\xBD[31m");
  assert_int_equal(count_elems(xmlDocGetRootElement(doc), "skipped"), 1);
  assert_attr(xmlDocGetRootElement(doc), "skipped", "1");
  xmlFreeDoc(doc);
  free(s);
  assert_null(report_junit_string(NULL));
  Err err = {0};
  assert_int_equal(report_junit_write("/nonexistent/junit.xml", NULL, &err), -1);
  assert_string_equal(err.msg, "cannot serialise the JUnit report");
  json_decref(r);
}

static void reports__schema_accepts_the_hand_built_report(void **state) {
  (void)state;
  json_t *schema = tu_schema_load(), *r = hostile_report();
  char why[512];
  if (tu_schema_validate(schema, r, why, sizeof why) < 0) fail_msg("%s", why);
  json_decref(r);
  json_decref(schema);
}

/* Expects doc (stolen) to fail validation with exactly msg. */
static void expect_invalid(const json_t *schema, json_t *doc, const char *msg) {
  char why[512];
  assert_int_equal(tu_schema_validate(schema, doc, why, sizeof why), -1);
  assert_string_equal(why, msg);
  json_decref(doc);
}

static void reports__schema_rejects_drifted_documents(void **state) {
  (void)state;
  json_t *schema = tu_schema_load(), *r;
  r = hostile_report();
  json_object_del(json_array_get(json_object_get(r, "models"), 0), "opset");
  expect_invalid(schema, r, "/models/0: missing required opset");
  r = hostile_report();
  json_object_set_new(json_object_get(r, "summary"), "warnings", json_integer(0));
  expect_invalid(schema, r, "/summary: unexpected property warnings");
  r = hostile_report();
  json_object_set_new(json_array_get(json_object_get(r, "models"), 1), "status",
                      json_string("failed"));
  expect_invalid(schema, r, "/models/1/status: value not in enum");
  r = hostile_report();
  json_object_set_new(json_object_get(json_array_get(json_object_get(r, "models"), 0), "nodes"),
                      "live", json_integer(-1));
  expect_invalid(schema, r, "/models/0/nodes/live: below minimum");
  r = hostile_report();
  json_object_set_new(
      json_object_get(json_object_get(json_array_get(json_object_get(r, "models"), 0), "ops"),
                      "Conv"),
      "folded", json_string("0"));
  expect_invalid(schema, r, "/models/0/ops/Conv/folded: wrong type, want integer");
  r = hostile_report();
  json_object_set_new(json_object_get(r, "summary"), "ok", json_real(1.0));
  expect_invalid(schema, r, "/summary/ok: wrong type, want integer");
  json_decref(schema);
}

/* ---- a real report from $BLOBC ---------------------------------------------------------- */

/* Builds a manifest of three demo models and a corrupt one with $BLOBC into dir/out and
 * returns the parsed report.json, or NULL (test skipped) when $BLOBC or $DEMO_ZOO is absent. */
static json_t *real_report(const char *dir) {
  const char *blobc = getenv("BLOBC"), *zoo = tu_demo_zoo();
  char p[4200], zp[4200];
  snprintf(zp, sizeof zp, "%s/tiny_relu.onnx", zoo);
  if (!blobc || access(blobc, X_OK) != 0 || access(zp, R_OK) != 0) return NULL;
  char *abszoo = realpath(zoo, NULL);
  assert_non_null(abszoo);
  snprintf(p, sizeof p, "%s/broken.onnx", dir);
  tu_write(p, "\x08\x07garbage, not a protobuf\xff\xff\xff");
  char yaml[16384];
  snprintf(yaml, sizeof yaml,
           "version: 1\nmodels:\n"
           "  - name: tiny_relu\n    source: %s/tiny_relu.onnx\n"
           "  - name: unsupported_op\n    source: %s/unsupported_op.onnx\n"
           "    mean_values: [127.5, 127.5, 127.5]\n    scale_values: 255\n"
           "  - name: int64_input\n    source: %s/int64_input.onnx\n"
           "  - name: broken\n    source: broken.onnx\n",
           abszoo, abszoo, abszoo);
  free(abszoo);
  snprintf(p, sizeof p, "%s/zoo.yaml", dir);
  tu_write(p, yaml);
  char *log = NULL;
  /* --verify: the two ok models carry a check, so the schema covers its record too */
  int rc = tu_run(&log, "'%s' build '%s/zoo.yaml' -j 2 -o '%s/out' --verify --random 1", blobc, dir,
                  dir);
  if (rc != 1) fail_msg("blobc exited %d (want 1: some models fail):\n%s", rc, log);
  free(log);
  snprintf(p, sizeof p, "%s/out/report.json", dir);
  json_error_t je;
  json_t *r = json_load_file(p, 0, &je);
  if (!r) fail_msg("report.json: %s", je.text);
  return r;
}

static void reports__schema_validates_a_real_report(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  json_t *r = real_report(dir);
  if (!r) {
    tu_rmrf(dir);
    free(dir);
    skip();
  }
  json_t *schema = tu_schema_load();
  char why[512];
  if (tu_schema_validate(schema, r, why, sizeof why) < 0)
    fail_msg("real report does not match the schema: %s", why);
  const char *st[4] = {"ok", "unsupported", "ok", "error"};
  json_t *models = json_object_get(r, "models");
  for (size_t i = 0; i < 4; i += 2) /* the ok ones: checked, and the check passed */
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(models, i), "verify"), "status")),
                        "PASS");
  assert_int_equal(json_array_size(models), 4);
  for (size_t i = 0; i < 4; i++)
    assert_string_equal(json_string_value(json_object_get(json_array_get(models, i), "status")),
                        st[i]);
  // the other writers accept the real document too
  char path[4200];
  Err err = {0};
  snprintf(path, sizeof path, "%s/out/junit.xml", dir);
  assert_int_equal(report_junit_write(path, r, &err), 0);
  xmlDocPtr doc = parse_junit(path);
  assert_attr(xmlDocGetRootElement(doc), "tests", "6"); /* 4 models + 2 verify testcases */
  assert_attr(xmlDocGetRootElement(doc), "failures", "1");
  assert_attr(xmlDocGetRootElement(doc), "errors", "1");
  xmlFreeDoc(doc);
  snprintf(path, sizeof path, "%s/out/report.html", dir);
  assert_int_equal(report_html_write(path, r, &err), 0);
  json_decref(schema);
  json_decref(r);
  tu_rmrf(dir);
  free(dir);
}

/* ---- the page in headless Chromium ------------------------------------------------------- */

#define CHROMIUM "/usr/bin/chromium"
#define CHROMIUM_FLAGS                                                   \
  "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run " \
  "--disable-background-networking "                                     \
  "--disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars"

/* Runs Chromium on url with extra args (e.g. --dump-dom), files named after run (a fresh profile
 * each time); returns its stdout (malloc'd). */
static char *chromium(const char *dir, const char *run, const char *args, const char *url) {
  char out[4200], prof[4200];
  snprintf(out, sizeof out, "%s/chromium-%s.out", dir, run);
  snprintf(prof, sizeof prof, "%s/profile-%s", dir, run);
  int rc = tu_run(NULL,
                  "timeout 120 " CHROMIUM " " CHROMIUM_FLAGS
                  " --user-data-dir='%s' %s '%s' >'%s' 2>'%s.err'",
                  prof, args, url, out, out);
  if (rc != 0) fail_msg("chromium exited %d (see %s.err)", rc, out);
  char *s = slurp(out);
  assert_non_null(s);
  return s;
}

/* The opening tag of the element with id, copied into out. */
static void open_tag(char *out, size_t size, const char *dom, const char *id) {
  char key[64];
  snprintf(key, sizeof key, "id=\"%s\"", id);
  const char *p = strstr(dom, key);
  assert_non_null(p);
  while (p > dom && *p != '<') p--;
  const char *end = strchr(p, '>');
  size_t n = (size_t)(end - p) + 1;
  assert_true(n < size);
  memcpy(out, p, n);
  out[n] = 0;
}

static void reports__browser_renders_matrix_and_filters(void **state) {
  (void)state;
  if (access(CHROMIUM, X_OK) != 0) skip();
  char *dir = tu_tmpdir(), path[4200], url[4300], tag[1024];
  json_t *r = real_report(dir);
  if (!r) r = hostile_report();
  snprintf(path, sizeof path, "%s/report.html", dir);
  Err err = {0};
  assert_int_equal(report_html_write(path, r, &err), 0);
  snprintf(url, sizeof url, "file://%s", path);
  char *dom = chromium(dir, "plain", "--dump-dom", url);
  assert_non_null(strstr(dom, "<table id=\"matrix\" class=\"matrix\">"));
  assert_non_null(strstr(dom, "class=\"cell c-unsupported\""));
  assert_non_null(strstr(dom, "<section class=\"model st-ok\" id=\"m0\""));
  assert_non_null(strstr(dom, "models shown</span>")); // the script ran
  open_tag(tag, sizeof tag, dom, "m0");
  assert_null(strstr(tag, "hidden"));
  free(dom);
  // #status=unsupported applies the filter on load: ok and error models are hidden
  snprintf(url, sizeof url, "file://%s#status=unsupported", path);
  dom = chromium(dir, "filtered", "--dump-dom", url);
  json_t *models = json_object_get(r, "models");
  for (size_t i = 0; i < json_array_size(models); i++) {
    char id[16];
    snprintf(id, sizeof id, "m%zu", i);
    open_tag(tag, sizeof tag, dom, id);
    bool want_hidden =
        strcmp(json_string_value(json_object_get(json_array_get(models, i), "status")),
               "unsupported") != 0;
    if ((strstr(tag, " hidden") != NULL) != want_hidden) fail_msg("model %zu: %s", i, tag);
  }
  assert_non_null(strstr(dom, "data-status=\"unsupported\" aria-pressed=\"true\""));
  free(dom);
  const char *bd = getenv("BUILD_DIR");
  char shot[4200], arg[4300];
  snprintf(shot, sizeof shot, "%s/report-screenshot.png", bd ? bd : dir);
  snprintf(arg, sizeof arg, "--screenshot='%s' --window-size=1280,2000", shot);
  snprintf(url, sizeof url, "file://%s", path);
  free(chromium(dir, "screenshot", arg, url));
  char *png = slurp(shot);
  assert_non_null(png);
  assert_memory_equal(png, "\x89PNG", 4);
  free(png);
  json_decref(r);
  tu_rmrf(dir);
  free(dir);
}

static void reports__browser_does_not_run_hostile_markup(void **state) {
  (void)state;
  if (access(CHROMIUM, X_OK) != 0) skip();
  char *dir = tu_tmpdir(), path[4200], url[4300];
  json_t *r = hostile_report();
  snprintf(path, sizeof path, "%s/report.html", dir);
  Err err = {0};
  assert_int_equal(report_html_write(path, r, &err), 0);
  snprintf(url, sizeof url, "file://%s#status=all&q=%%3Cscript", path);
  char *dom = chromium(dir, "hostile", "--dump-dom", url);
  assert_null(strstr(dom, "<img"));
  assert_null(strstr(dom, "<b>"));
  assert_int_equal(count_substr(dom, "<script"), 1);
  assert_non_null(strstr(dom, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert_non_null(strstr(dom, "1 of 3 models shown")); // the search matched only the hostile name
  free(dom);
  json_decref(r);
  tu_rmrf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reports__html_text_escapes_five_characters),
      cmocka_unit_test(reports__html_escapes_hostile_names),
      cmocka_unit_test(reports__html_matrix_cells_have_counts_and_classes),
      cmocka_unit_test(reports__html_has_summary_sections_and_filters),
      cmocka_unit_test(reports__html_is_deterministic),
      cmocka_unit_test(reports__html_rejects_a_non_object),
      cmocka_unit_test(reports__html_renders_a_partial_document),
      cmocka_unit_test(reports__junit_parses_back_with_right_counts),
      cmocka_unit_test(reports__junit_stays_well_formed_with_control_characters),
      cmocka_unit_test(reports__schema_accepts_the_hand_built_report),
      cmocka_unit_test(reports__schema_rejects_drifted_documents),
      cmocka_unit_test(reports__schema_validates_a_real_report),
      cmocka_unit_test(reports__browser_renders_matrix_and_filters),
      cmocka_unit_test(reports__browser_does_not_run_hostile_markup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
