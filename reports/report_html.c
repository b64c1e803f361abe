/* reports/report_html.c — see report_out.h. One self-contained page: inline CSS and JS, no
 * network. Everything is rendered here as HTML; the script only shows and hides existing DOM
 * nodes (status filter, search), so no report data ever sits inside the <script> block. */
#include "report_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- escaping and document access ------------------------------------------------------ */

void report_html_text(Buf *out, const char *s) {
  if (!s) return;
  const char *run = s;
  for (const char *p = s; *p; p++) {
    const char *rep = NULL;
    unsigned char c = (unsigned char)*p;
    switch (c) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = "&quot;"; break;
    case '\'': rep = "&#39;"; break;
    default:
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        rep = "\xEF\xBF\xBD"; // U+FFFD
      else if (c == 0x7f)
        rep = "\xEF\xBF\xBD";
    }
    if (!rep) continue;
    buf_put(out, run, (size_t)(p - run));
    buf_put(out, rep, strlen(rep));
    run = p + 1;
  }
  buf_put(out, run, strlen(run));
}

/* Appends a string constant or trusted literal. */
static void put(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

/* The string member k of o, "" when absent or not a string. */
static const char *gs(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* The integer member k of o (reals truncated), 0 when absent. */
static long long gi(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  if (json_is_integer(v)) return (long long)json_integer_value(v);
  if (json_is_real(v)) return (long long)json_real_value(v);
  return 0;
}

/* The object member k of o, or NULL. */
static json_t *go(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_object(v) ? v : NULL;
}

/* The array member k of o, or NULL (json_array_size(NULL) is 0, so loops need no check). */
static json_t *ga(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_array(v) ? v : NULL;
}

/* Appends <tag class="cls">escaped text</tag>; cls may be NULL. */
static void elem(Buf *b, const char *tag, const char *cls, const char *text) {
  buf_printf(b, "<%s", tag);
  if (cls) buf_printf(b, " class=\"%s\"", cls);
  put(b, ">");
  report_html_text(b, text);
  buf_printf(b, "</%s>", tag);
}

/* Appends v with thousands separators (1234567 -> "1,234,567"). */
static void put_grouped(Buf *b, long long v) {
  char digits[32];
  int n = snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
  if (v < 0) put(b, "-");
  for (int i = 0; i < n; i++) {
    buf_put(b, &digits[i], 1);
    if ((n - i - 1) % 3 == 0 && i != n - 1) put(b, ",");
  }
}

/* Appends a byte count as "6.7 MiB (7,010,752 B)", or "512 B" below 1 KiB. */
static void put_bytes(Buf *b, long long v) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double d = (double)v;
  int u = 0;
  while (d >= 1024.0 && u < 4) d /= 1024.0, u++;
  if (u == 0) {
    buf_printf(b, "%lld B", v);
    return;
  }
  buf_printf(b, "%.1f %s (", d, units[u]);
  put_grouped(b, v);
  put(b, " B)");
}

/* Appends a JSON number array as "123.675, 116.28, 103.53", or "—" when empty. */
static void put_numbers(Buf *b, const json_t *arr) {
  if (json_array_size(arr) == 0) {
    put(b, "<span class=\"muted\">—</span>");
    return;
  }
  for (size_t i = 0; i < json_array_size(arr); i++)
    buf_printf(b, "%s%.6g", i ? ", " : "", json_number_value(json_array_get(arr, i)));
}

/* The CSS class suffix for a model status; unknown statuses map to "other". */
static const char *status_class(const char *s) {
  static const char *const known[] = {"ok",      "unsupported", "error",
                                      "skipped", "pending",     "interrupted"};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(s, known[i]) == 0) return known[i];
  return "other";
}

/* ---- static page parts ------------------------------------------------------------------ */

static const char CSS[] =
    ":root{--ok:#1a7f37;--ok-bg:#dcf5e3;--cv:#9a6700;--cv-bg:#fff1cc;--un:#c0222b;--un-bg:#fde2e2;"
    "--er:#8250df;--er-bg:#efe5ff;--fd:#57606a;--fd-bg:#eef1f4;--line:#d8dee4;--muted:#57606a;"
    "--bg:#f6f8fa;--card:#fff;--ink:#1f2328;--accent:#0969da}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu "
    "Sans',sans-serif;"
    "color:var(--ink);background:var(--bg)}\n"
    "code,.mono{font-family:ui-monospace,'SFMono-Regular','DejaVu Sans Mono',Menlo,monospace;"
    "font-size:12.5px}\n"
    "[hidden]{display:none!important}\n"
    "a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}\n"
    "header.top{background:#24292f;color:#fff;padding:18px 28px}\n"
    "header.top h1{margin:0;font-size:20px;font-weight:600}\n"
    "header.top .meta{margin-top:4px;color:#c9d1d9;font-size:13px}\n"
    "main{padding:20px 28px 60px;max-width:1500px}\n"
    "h2{font-size:17px;margin:28px 0 10px}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:12px}\n"
    ".group{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px "
    "16px}\n"
    ".group h3{margin:0 0 8px;font-size:12px;text-transform:uppercase;letter-spacing:.06em;"
    "color:var(--muted)}\n"
    ".stats{display:flex;gap:22px}\n"
    ".stat .v{font-size:26px;font-weight:650;line-height:1.1}\n"
    ".stat .k{font-size:12px;color:var(--muted)}\n"
    ".stat.ok .v{color:var(--ok)}.stat.unsupported .v{color:var(--un)}"
    ".stat.error .v{color:var(--er)}.stat.converted .v{color:var(--cv)}\n"
    "#controls{position:sticky;top:0;z-index:5;display:flex;flex-wrap:wrap;gap:10px;"
    "align-items:center;background:var(--bg);padding:12px 0;border-bottom:1px solid var(--line)}\n"
    "#controls .seg{display:inline-flex;border:1px solid var(--line);border-radius:6px;"
    "overflow:hidden;background:#fff}\n"
    "#controls button{font:inherit;border:0;border-right:1px solid var(--line);background:#fff;"
    "padding:6px 12px;cursor:pointer;color:var(--ink)}\n"
    "#controls button:last-child{border-right:0}\n"
    "#controls button[aria-pressed=true]{background:var(--accent);color:#fff}\n"
    "#search{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:6px;"
    "min-width:300px}\n"
    "#shown{color:var(--muted);font-size:13px}\n"
    "table{border-collapse:collapse;background:#fff}\n"
    "th,td{text-align:left;vertical-align:top;padding:5px 9px;border-bottom:1px solid "
    "var(--line)}\n"
    "thead th{font-size:12px;color:var(--muted);font-weight:600;background:#f6f8fa}\n"
    ".scroll{overflow:auto;max-width:100%;border:1px solid var(--line);border-radius:8px;"
    "background:#fff}\n"
    ".scroll.fit{display:inline-block;vertical-align:top}\n"
    "table.matrix "
    "th.op{position:sticky;left:0;background:#fff;font-weight:500;white-space:nowrap}\n"
    "table.matrix thead th{vertical-align:bottom;white-space:nowrap}\n"
    "table.matrix thead th.mh "
    "a{writing-mode:vertical-rl;transform:rotate(180deg);display:inline-block;"
    "max-height:180px;overflow:hidden;text-overflow:ellipsis}\n"
    "table.matrix td.cell{text-align:center;min-width:46px;border-left:1px solid #fff;"
    "font-variant-numeric:tabular-nums}\n"
    "tr.has-u th.op{color:var(--un);font-weight:650}\n"
    ".c-supported{background:var(--ok-bg)}.c-converted{background:var(--cv-bg)}"
    ".c-unsupported{background:var(--un-bg)}.c-folded{background:var(--fd-bg)}"
    ".c-blocked{background:repeating-linear-gradient(135deg,#fff 0 4px,var(--fd-bg) 4px 8px)}\n"
    ".n{display:inline-block;margin:0 2px;font-weight:600}\n"
    ".n.s{color:var(--ok)}.n.c{color:var(--cv)}.n.u{color:var(--un)}.n.f{color:var(--fd);"
    "font-weight:400}.n.b{color:var(--fd);font-weight:400;font-style:italic}\n"
    ".legend{display:flex;gap:14px;flex-wrap:wrap;margin:8px "
    "0;font-size:12.5px;color:var(--muted)}\n"
    ".legend .sw{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:5px;"
    "vertical-align:-2px;border:1px solid var(--line)}\n"
    ".badge{display:inline-block;padding:1px "
    "8px;border-radius:10px;font-size:12px;font-weight:600}\n"
    ".badge.ok{background:var(--ok-bg);color:var(--ok)}"
    ".badge.unsupported{background:var(--un-bg);color:var(--un)}"
    ".badge.error{background:var(--er-bg);color:var(--er)}"
    ".badge.skipped,.badge.pending,.badge.interrupted,.badge.other{background:var(--fd-bg);color:"
    "var(--fd)}\n"
    "section.model{background:var(--card);border:1px solid var(--line);border-left:4px solid "
    "var(--fd);"
    "border-radius:8px;padding:14px 18px;margin:14px 0}\n"
    "section.model.st-ok{border-left-color:var(--ok)}"
    "section.model.st-unsupported{border-left-color:var(--un)}"
    "section.model.st-error{border-left-color:var(--er)}\n"
    "section.model h3{margin:0;font-size:17px;display:flex;gap:10px;align-items:center}\n"
    "section.model h4{margin:14px 0 6px;font-size:13px;color:var(--muted);text-transform:uppercase;"
    "letter-spacing:.05em}\n"
    ".src{color:var(--muted);margin-top:2px;word-break:break-all}\n"
    ".facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:6px 18px;"
    "margin:10px 0 0}\n"
    ".facts div{min-width:0}.facts dt{font-size:11.5px;color:var(--muted)}\n"
    ".facts dd{margin:0;font-weight:500;word-break:break-all}\n"
    ".errline{margin-top:10px;padding:8px 12px;background:var(--er-bg);border-radius:6px;"
    "color:#3d1a78;word-break:break-word}\n"
    ".note{margin-top:8px;padding:6px 12px;background:var(--fd-bg);border-radius:6px}\n"
    "table.nodes{width:100%}\n"
    "table.nodes td.fix{color:#0b5d1e}\n"
    "table.nodes tr.u td:first-child{border-left:3px solid var(--un)}\n"
    "table.nodes tr.c td:first-child{border-left:3px solid var(--cv)}\n"
    "table.nodes .blocks{color:var(--muted);font-size:12.5px;margin-top:3px}\n"
    "table.overview td.num,table.overview "
    "th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    ".muted{color:var(--muted)}\n"
    ".timings{margin-top:10px;font-size:12px;color:var(--muted)}\n"
    "#nomatch{padding:14px;color:var(--muted)}\n"
    "footer{margin-top:30px;color:var(--muted);font-size:12px}\n";

/* Filters by status (buttons, URL hash "#status=unsupported&q=text") and by a search text
 * matched against model names and sources, node rows and op names. Only toggles `hidden`. */
static const char JS[] =
    "(function(){'use strict';\n"
    "var $$=function(s,r){return Array.prototype.slice.call((r||document).querySelectorAll(s));};\n"
    "var models=$$('section.model'),rows=$$('#matrix tbody tr'),cols=$$('#matrix [data-m]');\n"
    "var ovr=$$('#overview tbody tr'),btns=$$('#controls button[data-status]');\n"
    "var search=document.getElementById('search'),shown=document.getElementById('shown');\n"
    "var st={status:'all',q:''};\n"
    "function txt(e){return e?e.textContent.toLowerCase():'';}\n"
    "function readHash(){var h=location.hash.replace(/^#/,'');\n"
    " if(!/(^|&)(status|q)=/.test(h))return;\n"
    " h.split('&').forEach(function(kv){var i=kv.indexOf('=');if(i<0)return;var "
    "k=kv.slice(0,i),v;\n"
    "  try{v=decodeURIComponent(kv.slice(i+1).replace(/\\+/g,' '));}catch(e){return;}\n"
    "  if(k==='status'&&/^(all|ok|unsupported|error|skipped)$/.test(v))st.status=v;else "
    "if(k==='q')st.q=v;});}\n"
    "function writeHash(){var h='#status='+st.status+(st.q?'&q='+encodeURIComponent(st.q):'');\n"
    " try{history.replaceState(null,'',h);}catch(e){}}\n"
    "function apply(){var q=st.q.trim().toLowerCase(),vis={},opHit={},anyOp=false,n=0;\n"
    " if(q)rows.forEach(function(r){if(txt(r.querySelector('th.op')).indexOf(q)<0)return;anyOp="
    "true;\n"
    "  $$('td.cell:not(.c-none)',r).forEach(function(c){opHit[c.getAttribute('data-m')]=1;});});\n"
    " models.forEach(function(m){var id=m.getAttribute('data-m');\n"
    "  var okSt=st.status==='all'||m.getAttribute('data-status')===st.status;\n"
    "  var self=!q||txt(m.querySelector('.head')).indexOf(q)>=0,nodeHit=false;\n"
    "  $$('tr.node',m).forEach(function(r){var "
    "hit=!q||txt(r).indexOf(q)>=0;nodeHit=nodeHit||(q&&hit);\n"
    "   r.hidden=!(self||hit);});\n"
    "  "
    "$$('.nodeblock',m).forEach(function(b){b.hidden=!!q&&!self&&!$$('tr.node:not([hidden])',b)."
    "length;});\n"
    "  var show=okSt&&(self||nodeHit||!!opHit[id]);m.hidden=!show;if(show){vis[id]=1;n++;}});\n"
    " cols.forEach(function(c){c.hidden=!vis[c.getAttribute('data-m')];});\n"
    " ovr.forEach(function(r){r.hidden=!vis[r.getAttribute('data-m')];});\n"
    " rows.forEach(function(r){var live=$$('td.cell:not(.c-none):not([hidden])',r).length>0;\n"
    "  var opOk=!anyOp||txt(r.querySelector('th.op')).indexOf(q)>=0;r.hidden=!(live&&opOk);});\n"
    " btns.forEach(function(b){b.setAttribute('aria-pressed',b.getAttribute('data-status')===st."
    "status?'true':'false');});\n"
    " if(search.value!==st.q)search.value=st.q;\n"
    " shown.textContent=n+' of '+models.length+' models shown';\n"
    " document.getElementById('nomatch').hidden=n>0;\n"
    " document.body.setAttribute('data-filter',st.status);}\n"
    "btns.forEach(function(b){b.addEventListener('click',function(){st.status=b.getAttribute('data-"
    "status');"
    "writeHash();apply();});});\n"
    "search.addEventListener('input',function(){st.q=search.value;writeHash();apply();});\n"
    "window.addEventListener('hashchange',function(){readHash();apply();});\n"
    "readHash();apply();})();\n";

/* ---- page sections ---------------------------------------------------------------------- */

static void render_head(Buf *b, const json_t *r) {
  put(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
         "<meta name=\"generator\" content=\"");
  report_html_text(b, gs(r, "tool"));
  put(b, "\">\n<title>blobc report — ");
  report_html_text(b, gs(r, "manifest"));
  put(b, "</title>\n<style>\n");
  put(b, CSS);
  put(b, "</style>\n</head>\n<body>\n<header class=\"top\"><h1>blobc compatibility report</h1>"
         "<div class=\"meta\">manifest <code>");
  report_html_text(b, gs(r, "manifest"));
  put(b, "</code> · ");
  report_html_text(b, gs(r, "tool"));
  buf_printf(b, " · schema %lld</div></header>\n<main>\n", gi(r, "schema_version"));
}

/* One summary figure. */
static void stat_fig(Buf *b, const char *cls, long long v, const char *label) {
  buf_printf(b,
             "<div class=\"stat %s\"><div class=\"v\" data-count=\"%s\">%lld</div>"
             "<div class=\"k\">%s</div></div>",
             cls, cls, v, label);
}

static void render_summary(Buf *b, const json_t *r) {
  const json_t *s = go(r, "summary");
  long long ns = 0, nc = 0, nu = 0, nf = 0, nb = 0;
  json_t *models = ga(r, "models");
  for (size_t i = 0; i < json_array_size(models); i++) {
    const json_t *n = go(json_array_get(models, i), "nodes");
    ns += gi(n, "supported"), nc += gi(n, "converted"), nu += gi(n, "unsupported"),
        nf += gi(n, "folded");
    nb += gi(n, "blocked");
  }
  put(b, "<section id=\"summary\" class=\"cards\">\n<div class=\"group\"><h3>Models</h3><div "
         "class=\"stats\">");
  stat_fig(b, "models", gi(s, "models"), "total");
  stat_fig(b, "ok", gi(s, "ok"), "ok");
  stat_fig(b, "unsupported", gi(s, "unsupported"), "unsupported");
  stat_fig(b, "error", gi(s, "error"), "error");
  if (gi(s, "skipped"))
    stat_fig(b, "skipped", gi(s, "skipped"),
             json_is_true(json_object_get(s, "interrupted")) ? "skipped (interrupted)" : "skipped");
  put(b, "</div></div>\n<div class=\"group\"><h3>Nodes</h3><div class=\"stats\">");
  stat_fig(b, "supported", ns, "supported");
  stat_fig(b, "converted", nc, "converted");
  stat_fig(b, "unsupported", nu, "unsupported (root causes)");
  if (nb) stat_fig(b, "blocked", nb, "blocked by them");
  stat_fig(b, "folded", nf, "folded into constants");
  put(b, "</div></div>\n</section>\n");
}

/* "Changes since baseline": what a maintainer must look at first. */
static void render_changes(Buf *b, const char *title, const char *cls, const json_t *arr,
                           bool show_states) {
  if (!json_array_size(arr)) return;
  buf_printf(b, "<div class=\"group\"><h3>%s (%zu)</h3><ul class=\"changes %s\">", title,
             json_array_size(arr), cls);
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const json_t *c = json_array_get(arr, i);
    put(b, "<li>");
    report_html_text(b, json_is_string(c) ? json_string_value(c) : gs(c, "name"));
    if (show_states && !json_is_string(c)) {
      put(b, ": ");
      report_html_text(b, gs(c, "before"));
      put(b, " → ");
      report_html_text(b, gs(c, "after"));
    }
    put(b, "</li>");
  }
  put(b, "</ul></div>\n");
}

static void render_baseline(Buf *b, const json_t *r) {
  const json_t *bl = go(r, "baseline");
  if (!bl) return;
  put(b, "<section id=\"baseline\" class=\"cards\"><h2>Changes since baseline <code>");
  report_html_text(b, gs(bl, "path"));
  put(b, "</code></h2>\n");
  size_t total = 0;
  const char *keys[] = {"newly_failing", "newly_passing", "changed_output", "added", "removed"};
  for (int k = 0; k < 5; k++) total += json_array_size(ga(bl, keys[k]));
  if (!total) put(b, "<p>No change.</p>\n");
  render_changes(b, "Newly failing", "c-unsupported", ga(bl, "newly_failing"), true);
  render_changes(b, "Newly passing", "c-supported", ga(bl, "newly_passing"), true);
  render_changes(b, "Changed blob", "c-converted", ga(bl, "changed_output"), false);
  render_changes(b, "Added models", "c-none", ga(bl, "added"), false);
  render_changes(b, "Removed models", "c-none", ga(bl, "removed"), false);
  put(b, "</section>\n");
}

static void render_controls(Buf *b, const json_t *r) {
  static const char *const sts[] = {"all", "ok", "unsupported", "error", "skipped"};
  const json_t *s = go(r, "summary");
  put(b, "<nav id=\"controls\" aria-label=\"filters\"><div class=\"seg\" role=\"group\">");
  for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++)
    buf_printf(b,
               "<button type=\"button\" data-status=\"%s\" aria-pressed=\"%s\">%s (%lld)</button>",
               sts[i], i == 0 ? "true" : "false", sts[i], i == 0 ? gi(s, "models") : gi(s, sts[i]));
  put(b, "</div><input id=\"search\" type=\"search\" placeholder=\"search models, nodes, ops, "
         "reasons…\" "
         "aria-label=\"search\" autocomplete=\"off\"><span id=\"shown\"></span></nav>\n");
}

/* ---- op x model matrix ---------------------------------------------------------------------- */

typedef struct {
  const char *name; /* key inside some model's "ops" (owned by the document) */
  int rank; /* 0: a root cause (unsupported) somewhere, 1: converted somewhere, 2: only blocked
                       by another op somewhere, 3: otherwise */
} OpRow;

/* Orders root-cause ops first, then converted, then blocked ones, then by name (bytewise, so the order is locale-independent). */
static int oprow_cmp(const void *pa, const void *pb) {
  const OpRow *a = pa, *b = pb;
  if (a->rank != b->rank) return a->rank - b->rank;
  return strcmp(a->name, b->name);
}

/* The union of every model's op names with their ranks; *n gets the count. Caller frees. */
static OpRow *collect_ops(const json_t *models, size_t *n) {
  OpRow *rows = NULL;
  size_t len = 0, cap = 0;
  for (size_t i = 0; i < json_array_size(models); i++) {
    const char *key;
    json_t *c;
    json_object_foreach(go(json_array_get(models, i), "ops"), key, c) {
      size_t k = 0;
      while (k < len && strcmp(rows[k].name, key) != 0) k++;
      if (k == len) {
        if (len == cap) {
          cap = cap ? cap * 2 : 64;
          rows = realloc(rows, cap * sizeof *rows);
          ASSERT(rows);
        }
        rows[len++] = (OpRow){key, 3};
      }
      int rank = gi(c, "unsupported") > 0 ? 0
                 : gi(c, "converted") > 0 ? 1
                 : gi(c, "blocked") > 0   ? 2
                                          : 3;
      if (rank < rows[k].rank) rows[k].rank = rank;
    }
  }
  if (len) qsort(rows, len, sizeof *rows, oprow_cmp);
  *n = len;
  return rows;
}

/* One matrix cell: class by the worst verdict, one colored count per nonzero verdict. */
static void render_cell(Buf *b, const char *op, const json_t *model, size_t mi) {
  const json_t *c = go(go(model, "ops"), op);
  long long s = gi(c, "supported"), cv = gi(c, "converted"), u = gi(c, "unsupported"),
            f = gi(c, "folded");
  long long bl = gi(c, "blocked");
  const char *cls = u    ? "c-unsupported"
                    : cv ? "c-converted"
                    : bl ? "c-blocked"
                    : s  ? "c-supported"
                    : f  ? "c-folded"
                         : "c-none";
  buf_printf(b, "<td class=\"cell %s\" data-m=\"%zu\"", cls, mi);
  if (c) {
    put(b, " title=\"");
    report_html_text(b, op);
    put(b, " in ");
    report_html_text(b, gs(model, "name"));
    buf_printf(b,
               ": %lld supported, %lld converted, %lld unsupported, %lld blocked by another op, "
               "%lld folded\"",
               s, cv, u, bl, f);
  }
  put(b, ">");
  if (s) buf_printf(b, "<span class=\"n s\">%lld</span>", s);
  if (cv) buf_printf(b, "<span class=\"n c\">%lld</span>", cv);
  if (u) buf_printf(b, "<span class=\"n u\">%lld</span>", u);
  if (bl) buf_printf(b, "<span class=\"n b\">%lld</span>", bl);
  if (f) buf_printf(b, "<span class=\"n f\">%lld</span>", f);
  put(b, "</td>");
}

static void render_matrix(Buf *b, const json_t *r) {
  json_t *models = ga(r, "models");
  size_t n_ops = 0;
  OpRow *ops = collect_ops(models, &n_ops);
  put(b, "<h2>Op × model matrix</h2>\n<div class=\"legend\">"
         "<span><span class=\"sw c-supported\"></span>supported (count)</span>"
         "<span><span class=\"sw c-converted\"></span>converted by blobc</span>"
         "<span><span class=\"sw c-unsupported\"></span>unsupported on the VPU (root cause)</span>"
         "<span><span class=\"sw c-blocked\"></span>blocked by an unsupported op upstream</span>"
         "<span><span class=\"sw c-folded\"></span>folded into constants</span>"
         "<span>root-cause ops are listed first</span></div>\n");
  put(b, "<div class=\"scroll fit\"><table id=\"matrix\" class=\"matrix\">\n<thead><tr><th "
         "class=\"op\">op</th>");
  for (size_t i = 0; i < json_array_size(models); i++) {
    const json_t *m = json_array_get(models, i);
    buf_printf(b, "<th class=\"mh\" data-m=\"%zu\"><a href=\"#m%zu\" title=\"", i, i);
    report_html_text(b, gs(m, "name"));
    put(b, "\">");
    report_html_text(b, gs(m, "name"));
    put(b, "</a></th>");
  }
  put(b, "</tr></thead>\n<tbody>\n");
  for (size_t k = 0; k < n_ops; k++) {
    put(b, ops[k].rank == 0   ? "<tr class=\"has-u\">"
           : ops[k].rank == 1 ? "<tr class=\"has-c\">"
           : ops[k].rank == 2 ? "<tr class=\"has-b\">"
                              : "<tr>");
    elem(b, "th", "op", ops[k].name);
    for (size_t i = 0; i < json_array_size(models); i++)
      render_cell(b, ops[k].name, json_array_get(models, i), i);
    put(b, "</tr>\n");
  }
  put(b, "</tbody></table></div>\n");
  free(ops);
}

/* ---- overview and per-model sections -------------------------------------------------- */

/* The node count of an issue group ("count"; 1 in reports written before grouping). */
static long long issue_count(const json_t *is) {
  long long n = gi(is, "count");
  return n > 0 ? n : 1;
}

/* "16× Sum" for a group, "Sum" for one node. */
static void put_issue_op(Buf *b, const json_t *is) {
  if (issue_count(is) > 1) buf_printf(b, "%lld× ", issue_count(is));
  report_html_text(b, gs(is, "op"));
}

/* The one-line "why" of a model for the overview: its error line or first unsupported verdict. */
static void put_problem(Buf *b, const json_t *m) {
  const json_t *e = go(m, "error");
  json_t *u = ga(m, "unsupported");
  if (e) {
    report_html_text(b, gs(e, "line"));
  } else if (json_array_size(u)) {
    const json_t *is = json_array_get(u, 0);
    put_issue_op(b, is);
    put(b, issue_count(is) > 1 ? " (first <code>" : " <code>");
    report_html_text(b, gs(is, "node"));
    put(b, issue_count(is) > 1 ? "</code>): " : "</code>: ");
    report_html_text(b, gs(is, "reason"));
    if (json_array_size(u) > 1)
      buf_printf(b, " <span class=\"muted\">(+%zu more)</span>", json_array_size(u) - 1);
  }
}

static void put_fig(Buf *b, const json_t *o, const char *k);

/* The badge class of a verify status (build --verify). */
static const char *verify_class(const char *st) {
  return !strcmp(st, "PASS")    ? "ok"
         : !strcmp(st, "FAIL")  ? "unsupported"
         : !strcmp(st, "ERROR") ? "error"
                                : "other";
}

static void render_overview(Buf *b, const json_t *r) {
  json_t *models = ga(r, "models");
  bool checked = false; /* a column for build --verify when any model has a check */
  for (size_t i = 0; i < json_array_size(models); i++)
    checked |= go(json_array_get(models, i), "verify") != NULL;
  put(b,
      "<h2>Models</h2>\n<div class=\"scroll\"><table id=\"overview\" "
      "class=\"overview\">\n<thead><tr>"
      "<th>model</th><th>status</th><th class=\"num\">nodes</th><th class=\"num\">unsupported</th>"
      "<th class=\"num\">converted</th><th class=\"num\">parameters</th><th "
      "class=\"num\">blob</th>");
  if (checked) put(b, "<th>checked against the model</th>");
  put(b, "<th>problem</th></tr></thead>\n<tbody>\n");
  for (size_t i = 0; i < json_array_size(models); i++) {
    const json_t *m = json_array_get(models, i), *n = go(m, "nodes");
    const json_t *blob = go(go(m, "outputs_written"), "blob");
    const char *st = gs(m, "status");
    buf_printf(b, "<tr data-m=\"%zu\"><td><a href=\"#m%zu\">", i, i);
    report_html_text(b, gs(m, "name"));
    buf_printf(b, "</a></td><td><span class=\"badge %s\">", status_class(st));
    report_html_text(b, st);
    buf_printf(b,
               "</span></td><td class=\"num\">%lld</td><td class=\"num\">%lld</td><td "
               "class=\"num\">%lld</td>"
               "<td class=\"num\">",
               gi(n, "live"), gi(n, "unsupported"), gi(n, "converted"));
    put_grouped(b, gi(m, "parameters"));
    put(b, "</td><td class=\"num\">");
    if (blob) put_bytes(b, gi(blob, "size"));
    put(b, "</td><td>");
    const json_t *v = go(m, "verify");
    if (checked && v) {
      buf_printf(b, "<span class=\"badge %s\">", verify_class(gs(v, "status")));
      report_html_text(b, gs(v, "status"));
      put(b, "</span>");
      if (json_is_number(json_object_get(v, "rel_err"))) {
        put(b, " <span class=\"muted\">error ");
        put_fig(b, v, "rel_err");
        put(b, " of scale</span>");
      }
    }
    if (checked) put(b, "</td><td>");
    put_problem(b, m);
    put(b, "</td></tr>\n");
  }
  put(b, "</tbody></table></div>\n");
}

/* One <div><dt>k</dt><dd>escaped v</dd></div> of a facts list. */
static void fact(Buf *b, const char *k, const char *v) {
  buf_printf(b, "<div><dt>%s</dt><dd>", k);
  report_html_text(b, v);
  put(b, "</dd></div>");
}

/* A fact whose value is a number. */
static void fact_num(Buf *b, const char *k, long long v) {
  buf_printf(b, "<div><dt>%s</dt><dd>", k);
  put_grouped(b, v);
  put(b, "</dd></div>");
}

static void render_model_head(Buf *b, const json_t *m) {
  const char *st = gs(m, "status");
  const json_t *o = go(m, "options"), *n = go(m, "nodes"), *fp = go(m, "fp16"), *e = go(m, "error");
  put(b, "<div class=\"head\"><h3><span class=\"model-name\">");
  report_html_text(b, gs(m, "name"));
  buf_printf(b, "</span><span class=\"badge %s\">", status_class(st));
  report_html_text(b, st);
  put(b, "</span></h3><div class=\"src mono\">");
  report_html_text(b, gs(m, "source"));
  put(b, "</div></div>\n");
  if (e) {
    put(b, "<div class=\"errline\"><strong>");
    report_html_text(b, gs(e, "code"));
    put(b, "</strong> <span class=\"mono\">");
    report_html_text(b, gs(e, "line"));
    put(b, "</span></div>\n");
  }
  put(b, "<dl class=\"facts\">");
  fact(b, "data type", gs(o, "data_type"));
  fact_num(b, "shaves", gi(o, "shaves"));
  fact_num(b, "CMX slices", gi(o, "cmx_slices"));
  fact(b, "OpenVINO", gs(o, "openvino"));
  fact_num(b, "opset", gi(m, "opset"));
  fact_num(b, "parameters", gi(m, "parameters"));
  buf_printf(b, "<div><dt>nodes (source / live / folded)</dt><dd>%lld / %lld / %lld</dd></div>",
             gi(n, "source"), gi(n, "live"), gi(n, "folded"));
  buf_printf(b,
             "<div><dt>supported / converted / unsupported</dt><dd>%lld / %lld / %lld</dd></div>",
             gi(n, "supported"), gi(n, "converted"), gi(n, "unsupported"));
  buf_printf(b, "<div><dt>FP16 weights saturated / underflowed</dt><dd>%lld / %lld</dd></div>",
             gi(fp, "weights_saturated"), gi(fp, "weights_underflowed"));
  put(b, "</dl>\n");
}

/* Inputs (with preprocessing) or outputs. */
static void render_io(Buf *b, const json_t *arr, bool inputs) {
  buf_printf(b, "<h4>%s</h4>", inputs ? "Inputs" : "Outputs");
  if (json_array_size(arr) == 0) {
    put(b, "<p class=\"muted\">none</p>\n");
    return;
  }
  put(b, "<table "
         "class=\"io\"><thead><tr><th>name</th><th>shape</th><th>precision</th><th>layout</th>");
  if (inputs) put(b, "<th>frame layout</th><th>mean</th><th>scale</th><th>reverse channels</th>");
  put(b, "</tr></thead><tbody>\n");
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const json_t *io = json_array_get(arr, i), *pp = go(io, "preprocessing");
    put(b, "<tr>");
    elem(b, "td", "mono", gs(io, "name"));
    elem(b, "td", "mono", gs(io, "shape"));
    elem(b, "td", NULL, gs(io, "precision"));
    elem(b, "td", NULL, gs(io, "layout"));
    if (inputs) {
      const char *fl = gs(pp, "frame_layout");
      elem(b, "td", NULL, *fl ? fl : "same as model");
      put(b, "<td>");
      put_numbers(b, ga(pp, "mean_values"));
      put(b, "</td><td>");
      put_numbers(b, ga(pp, "scale_values"));
      buf_printf(b, "</td><td>%s</td>",
                 json_is_true(json_object_get(pp, "reverse_input_channels")) ? "yes (BGR→RGB)"
                                                                             : "no");
    }
    put(b, "</tr>\n");
  }
  put(b, "</tbody></table>\n");
}

/* The blob, IR files, or why no IR was written. */
static void render_written(Buf *b, const json_t *m) {
  const json_t *w = go(m, "outputs_written"), *blob = go(w, "blob");
  put(b, "<h4>Files written</h4>");
  if (!blob && !json_object_get(w, "xml") && !json_object_get(w, "ir_skipped")) {
    put(b, "<p class=\"muted\">none</p>\n");
    return;
  }
  put(b, "<dl class=\"facts\">");
  if (blob) {
    fact(b, "blob", gs(blob, "path"));
    put(b, "<div><dt>blob size</dt><dd>");
    put_bytes(b, gi(blob, "size"));
    put(b, "</dd></div>");
    fact_num(b, "stages", gi(blob, "stages"));
    if (json_object_get(blob, "hw_stages")) {
      fact_num(b, "NCE (MyriadXHwOp) stages", gi(blob, "hw_stages"));
      fact_num(b, "SHAVE stages", gi(blob, "shave_stages"));
    }
    put(b, "<div><dt>BSS (scratch) size</dt><dd>");
    put_bytes(b, gi(blob, "bss_size"));
    put(b, "</dd></div>");
    if (json_object_get(blob, "bss_peak")) {
      put(b, "<div><dt>BSS lower bound / without reuse</dt><dd>");
      put_bytes(b, gi(blob, "bss_peak"));
      put(b, " / ");
      put_bytes(b, gi(blob, "bss_naive"));
      put(b, "</dd></div>");
    }
    put(b, "<div><dt>sha256</dt><dd class=\"mono\">");
    report_html_text(b, gs(blob, "sha256"));
    put(b, "</dd></div>");
  }
  if (json_object_get(w, "xml")) {
    fact(b, "IR xml", gs(w, "xml"));
    fact(b, "IR bin", gs(w, "bin"));
  }
  put(b, "</dl>\n");
  if (json_object_get(w, "ir_skipped")) {
    put(b, "<div class=\"note\">IR not written: ");
    report_html_text(b, gs(w, "ir_skipped"));
    put(b, "</div>\n");
  }
}

/* The share of convolution MACs on the NCE and the layers left on SHAVEs with the reason. */
static void render_nce(Buf *b, const json_t *m) {
  const json_t *n = go(m, "nce"), *sh = ga(n, "on_shaves");
  if (!n) return;
  put(b, "<h4>NCE (neural compute engine)</h4><dl class=\"facts\">");
  if (gi(n, "macs") > 0)
    buf_printf(b, "<div><dt>convolution MACs on the NCE</dt><dd>%.1f%%</dd></div>",
               100.0 * json_number_value(json_object_get(n, "mac_share")));
  buf_printf(b, "<div><dt>layers on the NCE</dt><dd>%lld of %lld</dd></div>", gi(n, "layers_nce"),
             gi(n, "layers"));
  fact_num(b, "NCE stages", gi(n, "hw_stages"));
  fact_num(b, "SHAVE stages", gi(n, "shave_stages"));
  put(b, "</dl>\n");
  if (json_array_size(sh) == 0) return;
  buf_printf(b,
             "<table class=\"nodes\"><thead><tr><th>op</th><th>layer on SHAVEs "
             "(%zu)</th><th>kind</th><th>why</th></tr>"
             "</thead><tbody>\n",
             json_array_size(sh));
  for (size_t i = 0; i < json_array_size(sh); i++) {
    const json_t *l = json_array_get(sh, i);
    put(b, "<tr>");
    elem(b, "td", NULL, gs(l, "op"));
    elem(b, "td", "mono", gs(l, "node"));
    elem(b, "td", NULL, gs(l, "kind"));
    elem(b, "td", NULL, gs(l, "reason"));
    put(b, "</tr>\n");
  }
  put(b, "</tbody></table>\n");
}

/* "blocks 48 nodes: conv1 (Conv), relu1 (Relu), …" of an issue group, or nothing. */
static void put_blocked(Buf *b, const json_t *is) {
  long long n = gi(is, "blocked");
  if (n <= 0) return;
  json_t *arr = ga(is, "blocked_nodes");
  buf_printf(b, "blocks %lld node%s: ", n, n == 1 ? "" : "s");
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const json_t *x = json_array_get(arr, i);
    if (i) put(b, ", ");
    put(b, "<code>");
    report_html_text(b, gs(x, "node"));
    put(b, "</code> (");
    report_html_text(b, gs(x, "op"));
    put(b, ")");
  }
  if ((long long)json_array_size(arr) < n) put(b, ", …");
}

/* Unsupported or converted verdicts, one row per group of nodes with the same op, reason and fix;
 * rows are what the search matches. */
static void render_nodes(Buf *b, const json_t *arr, bool unsupported) {
  if (json_array_size(arr) == 0) return;
  long long nodes = 0, blocked = 0;
  for (size_t i = 0; i < json_array_size(arr); i++)
    nodes += issue_count(json_array_get(arr, i)), blocked += gi(json_array_get(arr, i), "blocked");
  buf_printf(b, "<div class=\"nodeblock\"><h4>%s nodes (%lld)",
             unsupported ? "Unsupported" : "Converted", nodes);
  if (blocked) buf_printf(b, " <span class=\"muted\">blocking %lld more</span>", blocked);
  put(b, "</h4><table class=\"nodes\"><thead><tr><th>op</th><th>node</th><th>input "
         "shapes</th><th>reason</th>"
         "<th>fix</th></tr></thead><tbody>\n");
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const json_t *is = json_array_get(arr, i);
    buf_printf(b, "<tr class=\"node %s\"><td>", unsupported ? "u" : "c");
    put_issue_op(b, is);
    put(b, "</td><td class=\"mono\">");
    if (issue_count(is) > 1) put(b, "first ");
    report_html_text(b, gs(is, "node"));
    put(b, "</td>");
    elem(b, "td", "mono", gs(is, "input_shapes"));
    put(b, "<td>");
    report_html_text(b, gs(is, "reason"));
    if (gi(is, "blocked") > 0) {
      put(b, "<div class=\"blocks\">");
      put_blocked(b, is);
      put(b, "</div>");
    }
    put(b, "</td>");
    elem(b, "td", "fix", gs(is, "fix"));
    put(b, "</tr>\n");
  }
  put(b, "</tbody></table></div>\n");
}

/* "3/3" of an agreement object, "–" when there is none. */
static void put_agree(Buf *b, const json_t *a) {
  if (json_is_object(a))
    buf_printf(b, "%lld/%lld", gi(a, "agree"), gi(a, "of"));
  else
    put(b, "\u2013");
}

static void put_fig(Buf *b, const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  if (json_is_number(v))
    buf_printf(b, "%.3g", json_number_value(v));
  else
    put(b, "\u2013");
}

/* build --verify: the written blob run against its source model (pipeline/verify.h). */
static void render_verify(Buf *b, const json_t *m) {
  const json_t *v = go(m, "verify"), *f = go(v, "frames");
  if (!v) return;
  const char *st = gs(v, "status");
  buf_printf(b, "<h4>Checked against the source model <span class=\"badge %s\">", verify_class(st));
  report_html_text(b, st);
  buf_printf(b, "</span></h4><p class=\"muted\">%lld frame%s (", gi(f, "count"),
             gi(f, "count") == 1 ? "" : "s");
  report_html_text(b, gs(f, "source"));
  put(b, ") through the blob's stages on the CPU and through the model in FP32 with the "
         "manifest's preprocessing; error = max |blob − model| / RMS(model output)</p>\n");
  if (*gs(v, "message")) {
    put(b, "<div class=\"note\">");
    report_html_text(b, gs(v, "message"));
    put(b, "</div>\n");
  }
  const json_t *outs = json_object_get(v, "outputs");
  if (!json_array_size(outs)) return;
  put(b, "<table class=\"io\"><thead><tr><th>output</th><th>status</th><th>max error / scale</th>"
         "<th>RMS error / scale</th><th>FP16 roundings / tolerance</th><th>top-1</th>"
         "<th>top-5</th></tr></thead><tbody>\n");
  for (size_t i = 0; i < json_array_size(outs); i++) {
    const json_t *o = json_array_get(outs, i);
    put(b, "<tr>");
    elem(b, "td", "mono", gs(o, "name"));
    elem(b, "td", NULL, gs(o, "status"));
    put(b, "<td>");
    put_fig(b, o, "rel_err");
    put(b, "</td><td>");
    put_fig(b, o, "rms_rel_err");
    put(b, "</td><td>");
    put_fig(b, o, "fp16_roundings");
    put(b, " / ");
    put_fig(b, o, "tolerance");
    put(b, "</td><td>");
    put_agree(b, json_object_get(o, "top1"));
    put(b, "</td><td>");
    put_agree(b, json_object_get(o, "top5"));
    put(b, "</td></tr>\n");
  }
  put(b, "</tbody></table>\n");
}

static void render_model(Buf *b, const json_t *m, size_t i) {
  const char *st = gs(m, "status");
  const json_t *t = go(m, "timings");
  buf_printf(b, "<section class=\"model st-%s\" id=\"m%zu\" data-m=\"%zu\" data-status=\"",
             status_class(st), i, i);
  report_html_text(b, st && !strcmp(st, "pending") ? "skipped" : st); /* never started = skipped */
  put(b, "\">\n");
  render_model_head(b, m);
  render_nodes(b, ga(m, "unsupported"), true);
  render_nodes(b, ga(m, "converted"), false);
  render_io(b, ga(m, "inputs"), true);
  render_io(b, ga(m, "outputs"), false);
  render_written(b, m);
  render_verify(b, m);
  render_nce(b, m);
  if (t) { // run-dependent: kept in its own element so diffs can ignore it
    buf_printf(b,
               "<div class=\"timings\">timings: load %.3f s · passes %.3f s · backend %.3f s · "
               "total %.3f s",
               json_number_value(json_object_get(t, "load_s")),
               json_number_value(json_object_get(t, "passes_s")),
               json_number_value(json_object_get(t, "backend_s")),
               json_number_value(json_object_get(t, "total_s")));
    if (json_object_get(t, "memory_budget_bytes"))
      buf_printf(b, " · memory %.1f MB of a %.0f MB budget",
                 json_number_value(json_object_get(t, "memory_peak_bytes")) / 1048576.0,
                 json_number_value(json_object_get(t, "memory_budget_bytes")) / 1048576.0);
    put(b, "</div>\n");
  }
  put(b, "</section>\n");
}

/* ---- public --------------------------------------------------------------------------------- */

int report_html_render(Buf *out, json_t *report) {
  if (!json_is_object(report)) return -1;
  json_t *models = ga(report, "models");
  render_head(out, report);
  render_summary(out, report);
  render_baseline(out, report);
  render_controls(out, report);
  render_matrix(out, report);
  render_overview(out, report);
  put(out, "<h2>Per model</h2>\n");
  for (size_t i = 0; i < json_array_size(models); i++)
    render_model(out, json_array_get(models, i), i);
  put(out, "<div id=\"nomatch\" hidden>No model matches the filter.</div>\n"
           "<footer>Generated by ");
  report_html_text(out, gs(report, "tool"));
  put(out,
      " from report.json. Self-contained: no network access needed.</footer>\n</main>\n<script>\n");
  put(out, JS);
  put(out, "</script>\n</body>\n</html>\n");
  return 0;
}

int report_html_write(const char *path, json_t *report, Err *err) {
  Buf b = BUF_INIT;
  int rc = report_html_render(&b, report);
  if (rc < 0) {
    rc = err_set(err, ERR_INTERNAL, "cannot render the HTML report: the document is not an object");
    goto done;
  }
  rc = io_write_atomic(path, b.data, b.len, err);
done:
  buf_free(&b);
  return rc;
}
