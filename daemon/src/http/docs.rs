//! The `/docs` page: a self-contained renderer of `/openapi.json` (a later issue replaces it
//! with Swagger UI).

/// The `/docs` page: renders `/openapi.json` with inline script and style only (the page's
/// Content-Security-Policy allows nothing else).
pub const DOCS_HTML: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CityPulse Live API</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 1000px; padding: 1em; color: #1d2430; }
h1 { margin-bottom: 0; } h2 { border-bottom: 1px solid #ccd; margin-top: 2em; }
.ver { color: #667; }
.desc { white-space: pre-wrap; }
code, pre { font: 13px/1.4 ui-monospace, monospace; }
pre { background: #f4f5f8; padding: .6em; overflow-x: auto; margin: .3em 0; }
details { border: 1px solid #d6d9e0; border-radius: 6px; margin: .4em 0; background: #fff; }
details > summary { cursor: pointer; padding: .45em .7em; list-style: none; }
details[open] > summary { border-bottom: 1px solid #e3e5ea; }
details > div { padding: .5em .9em; }
.m { display: inline-block; width: 4.2em; text-align: center; font-weight: 700; color: #fff; border-radius: 4px; font-size: 12px; padding: 2px 0; margin-right: .6em; }
.get { background: #2f7fd8; } .post { background: #23a061; } .put, .patch { background: #d59a1a; } .delete { background: #d24a43; }
.path { font-weight: 600; }
.sum { color: #556; margin-left: .6em; }
.lock { margin-left: .5em; font-size: 12px; color: #8a5a00; }
table { border-collapse: collapse; width: 100%; margin: .3em 0; }
th, td { text-align: left; border-bottom: 1px solid #e3e5ea; padding: .25em .5em; vertical-align: top; }
.st { font-weight: 700; } .s2 { color: #23a061; } .s4 { color: #c0392b; } .s5 { color: #8e44ad; }
#err { color: #c0392b; }
button { margin-right: .5em; }
</style>
</head>
<body>
<h1 id="title">CityPulse Live API</h1>
<div class="ver" id="ver"></div>
<p id="err"></p>
<div class="desc" id="desc"></div>
<p><button id="open">Expand all</button><button id="close">Collapse all</button> Raw document: <a href="openapi.json">openapi.json</a></p>
<div id="ops"></div>
<h2>Schemas</h2>
<div id="schemas"></div>
<h2>WebSockets</h2>
<div id="ws"></div>
<script>
"use strict";
var doc = null;
function el(tag, attrs, kids) {
  var e = document.createElement(tag);
  if (attrs) for (var k in attrs) { if (k === "text") e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); }
  (kids || []).forEach(function (c) { if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
  return e;
}
function refName(r) { return r.split("/").pop(); }
function deref(s) {
  var seen = 0;
  while (s && s.$ref && seen++ < 20) {
    var parts = s.$ref.replace(/^#\//, "").split("/"), cur = doc;
    parts.forEach(function (p) { cur = cur ? cur[p] : undefined; });
    s = cur;
  }
  return s || {};
}
function constraints(s) {
  var c = [];
  if (s.format) c.push(s.format);
  if (s.enum) c.push("one of " + s.enum.map(function (v) { return JSON.stringify(v); }).join(", "));
  if (s.minimum !== undefined || s.maximum !== undefined) c.push("range " + (s.minimum !== undefined ? s.minimum : "") + ".." + (s.maximum !== undefined ? s.maximum : ""));
  if (s.minLength !== undefined || s.maxLength !== undefined) c.push("length " + (s.minLength || 0) + ".." + (s.maxLength !== undefined ? s.maxLength : ""));
  if (s.minItems !== undefined) c.push(s.minItems + (s.maxItems !== undefined && s.maxItems !== s.minItems ? ".." + s.maxItems : "") + " items");
  if (s.pattern && s.pattern.length < 30) c.push("pattern " + s.pattern);
  if (s.default !== undefined) c.push("default " + JSON.stringify(s.default));
  if (s.nullable) c.push("nullable");
  return c.length ? " (" + c.join("; ") + ")" : "";
}
// A schema as indented text; named schemas are shown by name except at the top.
function fmt(s, ind, top) {
  ind = ind || "";
  if (!s) return "any";
  if (s.$ref && !top) return refName(s.$ref);
  if (s.$ref) return fmt(deref(s), ind, false);
  if (s.allOf) return s.allOf.map(function (x) { return fmt(x, ind); }).join(" & ");
  if (s.oneOf || s.anyOf) return (s.oneOf || s.anyOf).map(function (x) { return fmt(x, ind); }).join(" | ");
  if (Array.isArray(s.type)) return s.type.map(function (t) { return t === "null" ? "null" : fmt(Object.assign({}, s, { type: t }), ind); }).join(" | ");
  if (s.type === "array" && s.prefixItems) return "[" + s.prefixItems.map(function (x) { return fmt(x, ind); }).join(", ") + "]" + constraints(s);
  if (s.type === "array") return "array of " + fmt(s.items, ind) + constraints(s);
  if (s.type === "object" || s.properties) {
    var props = s.properties || {}, req = s.required || [], keys = Object.keys(props);
    if (!keys.length) return "object" + constraints(s);
    var lines = keys.map(function (k) {
      var p = props[k];
      var d = p.description ? "  // " + p.description : "";
      return ind + "  " + k + (req.indexOf(k) >= 0 ? "" : "?") + ": " + fmt(p, ind + "  ") + d;
    });
    return "{" + (s.nullable ? " // nullable" : "") + "\n" + lines.join("\n") + "\n" + ind + "}";
  }
  return (s.type === "null" ? "null" : (s.type || "any") + constraints(s));
}
function schemaBlock(s) { return el("pre", { text: fmt(s, "", true) }); }
function securityText(sec) {
  if (!sec || !sec.length) return "none";
  return sec.map(function (r) { var k = Object.keys(r); return k.length ? k.join(" + ") : "anonymous"; }).join(" or ");
}
function renderOp(path, method, op) {
  var body = el("div");
  if (op.description) body.appendChild(el("p", { text: op.description }));
  body.appendChild(el("p", {}, [el("b", { text: "Auth: " }), securityText(op.security)]));
  if (op.parameters && op.parameters.length) {
    var t = el("table", {}, [el("tr", {}, ["Parameter", "In", "Required", "Schema", "Description"].map(function (h) { return el("th", { text: h }); }))]);
    op.parameters.forEach(function (p) {
      p = deref(p);
      t.appendChild(el("tr", {}, [el("td", {}, [el("code", { text: p.name })]), el("td", { text: p.in }), el("td", { text: p.required ? "yes" : "no" }),
        el("td", {}, [el("code", { text: fmt(p.schema) })]), el("td", { text: p.description || "" })]));
    });
    body.appendChild(el("h4", { text: "Parameters" }));
    body.appendChild(t);
  }
  if (op.requestBody) {
    var rb = deref(op.requestBody);
    body.appendChild(el("h4", { text: "Request body" + (rb.required ? "" : " (optional)") }));
    if (rb.description) body.appendChild(el("p", { text: rb.description }));
    Object.keys(rb.content || {}).forEach(function (ct) {
      body.appendChild(el("div", {}, [el("code", { text: ct })]));
      body.appendChild(schemaBlock(rb.content[ct].schema));
    });
  }
  body.appendChild(el("h4", { text: "Responses" }));
  var rt = el("table", {}, [el("tr", {}, ["Status", "Description", "Body"].map(function (h) { return el("th", { text: h }); }))]);
  Object.keys(op.responses || {}).forEach(function (st) {
    var r = deref(op.responses[st]), cell = el("td");
    Object.keys(r.content || {}).forEach(function (ct) {
      var s = r.content[ct].schema;
      cell.appendChild(el("code", { text: ct + ": " + (s && s.$ref ? refName(s.$ref) : fmt(s)) }));
    });
    Object.keys(r.headers || {}).forEach(function (h) { cell.appendChild(el("div", { text: "header " + h + ": " + (r.headers[h].description || "") })); });
    rt.appendChild(el("tr", {}, [el("td", { class: "st s" + st.charAt(0), text: st }), el("td", { text: r.description || "" }), cell]));
  });
  body.appendChild(rt);
  var sum = el("summary", {}, [el("span", { class: "m " + method, text: method.toUpperCase() }), el("span", { class: "path", text: path }),
    el("span", { class: "sum", text: op.summary || "" }), op.security && op.security.length && Object.keys(op.security[0]).length ? el("span", { class: "lock", text: "[" + securityText(op.security) + "]" }) : null]);
  return el("details", { id: op.operationId || (method + path) }, [sum, body]);
}
function render() {
  document.getElementById("title").textContent = doc.info.title + " API";
  document.getElementById("ver").textContent = "version " + doc.info.version + " \u00b7 OpenAPI " + doc.openapi;
  document.getElementById("desc").textContent = doc.info.description || "";
  var ops = document.getElementById("ops"), tags = {};
  Object.keys(doc.paths).forEach(function (path) {
    ["get", "put", "post", "delete", "patch", "head", "options"].forEach(function (m) {
      var op = doc.paths[path][m];
      if (!op) return;
      var tag = (op.tags && op.tags[0]) || "other";
      (tags[tag] = tags[tag] || []).push(renderOp(path, m, op));
    });
  });
  Object.keys(tags).forEach(function (t) {
    ops.appendChild(el("h2", { text: t }));
    tags[t].forEach(function (d) { ops.appendChild(d); });
  });
  var sc = document.getElementById("schemas"), all = (doc.components || {}).schemas || {};
  Object.keys(all).forEach(function (n) {
    sc.appendChild(el("details", { id: "schema-" + n }, [el("summary", {}, [el("span", { class: "path", text: n }),
      el("span", { class: "sum", text: all[n].description || "" })]), el("div", {}, [schemaBlock(all[n])])]));
  });
  var ws = document.getElementById("ws"), x = doc["x-websocket"] || {};
  Object.keys(x).forEach(function (p) {
    var d = x[p], div = el("div");
    div.appendChild(el("p", { text: d.description || "" }));
    if (d.query) div.appendChild(el("pre", { text: Object.keys(d.query).map(function (k) { return "?" + k + "  " + d.query[k]; }).join("\n") }));
    [["client_messages", "Client to server"], ["server_messages", "Server to client"]].forEach(function (pair) {
      var msgs = d[pair[0]];
      if (!msgs) return;
      div.appendChild(el("h4", { text: pair[1] }));
      div.appendChild(el("pre", { text: Object.keys(msgs).map(function (t) {
        var m = msgs[t];
        var shape = m.example ? JSON.stringify(m.example) : t + " " + fmt({ type: "object", properties: m.fields && !m.fields.$ref ? m.fields : {} }, "").replace(/\n/g, "\n    ") + (m.fields && m.fields.$ref ? " + fields of " + refName(m.fields.$ref) : "");
        return shape + (m.description ? "\n    // " + m.description : "");
      }).join("\n") }));
    });
    ["error_codes", "close_codes"].forEach(function (k) {
      if (!d[k]) return;
      div.appendChild(el("h4", { text: k.replace("_", " ") }));
      div.appendChild(el("pre", { text: Object.keys(d[k]).map(function (c) { return c + ": " + d[k][c]; }).join("\n") }));
    });
    ws.appendChild(el("details", {}, [el("summary", {}, [el("span", { class: "m get", text: "WS" }), el("span", { class: "path", text: p })]), div]));
  });
  if (location.hash) { var t = document.getElementById(location.hash.slice(1)); if (t) { t.open = true; t.scrollIntoView(); } }
}
function setAll(open) { Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = open; }); }
document.getElementById("open").addEventListener("click", function () { setAll(true); });
document.getElementById("close").addEventListener("click", function () { setAll(false); });
fetch("openapi.json", { headers: { Accept: "application/json" } })
  .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
  .then(function (d) { doc = d; render(); })
  .catch(function (e) { document.getElementById("err").textContent = "Could not load openapi.json: " + e.message; });
</script>
</body>
</html>
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_page_is_self_contained() {
        let page = DOCS_HTML.to_ascii_lowercase();
        assert!(page.contains("openapi.json"));
        for banned in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "@import",
            "<link",
            "<iframe",
            "innerhtml",
        ] {
            assert!(!page.contains(banned), "{banned}");
        }
        assert!(DOCS_HTML.lines().count() < 300);
    }
}
