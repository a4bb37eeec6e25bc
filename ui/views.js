// One department side by side: each facade's exact answer (from
// GET /_gateway/tenants/{t}/departments/{id}/views, made by that facade's own encoder), shown
// byte for byte. The text is never re-encoded here: it is only cut into spans at each field, so
// that a field hovered (or picked in the legend) lights up in every column, following the
// correspondence of docs/mapping.md (served as mapping.json). Edits go through the Zopim API.

import { control, vendor } from "./api.js";
import { $, $$, h, announce, fillSelect } from "./dom.js";

const TITLES = {
  zopim: "Zopim JSON",
  rocketchat: "Rocket.Chat JSON",
  zendesk: "classic XML",
  support: "Support JSON",
};
const ORDER = ["zopim", "rocketchat", "zendesk", "support"];
const EDIT_TOKEN_KEY = "deskbridge.zopimToken";
const DEPARTMENT_KEY = "deskbridge.department";

/** Where each key's member (key through value) lies in JSON `text`, as dotted paths; the
 *  elements of an array add `[]`. Reads the text as it is: positions, not a re-encoding. */
export function jsonRanges(text) {
  const ranges = [];
  let i = 0;
  const space = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
  const string = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (path) => {
    space();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      space();
      if (text[i] === close) { i++; return; }
      for (;;) {
        space();
        if (c === "{") {
          const start = i;
          const key = string();
          space();
          i++; // the colon
          const inner = path ? `${path}.${key}` : key;
          value(inner);
          ranges.push({ path: inner, start, end: i });
        } else {
          value(`${path}[]`);
        }
        space();
        if (text[i] === ",") { i++; continue; }
        i++;
        return;
      }
    }
    if (c === '"') { string(); return; }
    while (i < text.length && !",]} \t\n\r".includes(text[i])) i++;
  };
  value("");
  return ranges;
}

/** Where each element (start tag through end tag) lies in XML `text`, as dotted paths of
 *  element names from the root (`group.users.user.name`). */
export function xmlRanges(text) {
  const ranges = [];
  const open = [];
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>/g;
  let m;
  while ((m = tag.exec(text))) {
    const [whole, closing, name, selfClosing] = m;
    if (closing) {
      const top = open.pop();
      if (top) ranges.push({ path: [...open.map((o) => o.name), name].join("."), start: top.start, end: m.index + whole.length });
    } else if (selfClosing) {
      ranges.push({ path: [...open.map((o) => o.name), name].join("."), start: m.index, end: m.index + whole.length });
    } else {
      open.push({ name, start: m.index });
    }
  }
  return ranges;
}

/** `text` with a span (class `f`, `data-path`) around each range; ranges nest. */
function spans(text, ranges) {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || b.end - a.end);
  let next = 0;
  const build = (from, to) => {
    const parts = [];
    let at = from;
    while (next < sorted.length && sorted[next].start < to) {
      const r = sorted[next++];
      if (r.start > at) parts.push(text.slice(at, r.start));
      parts.push(h("span", { class: "f", "data-path": r.path }, build(r.start, r.end)));
      at = r.end;
    }
    if (at < to) parts.push(text.slice(at, to));
    return parts;
  };
  return build(0, text.length);
}

export function viewsPanel(app) {
  const columns = $("#view-columns");
  const select = $("#department-select");
  let mapping = { fields: [] };
  let pathToField = new Map();
  let department = null;
  let loading = null;

  const token = $("#edit-token");
  token.value = sessionStorage.getItem(EDIT_TOKEN_KEY) || "";
  token.addEventListener("change", () => sessionStorage.setItem(EDIT_TOKEN_KEY, token.value));

  function highlight(field) {
    for (const el of $$(".f.hl", columns)) el.classList.remove("hl");
    for (const b of $$("#field-legend button")) {
      const on = b.dataset.field === field;
      b.classList.toggle("active", on);
      b.setAttribute("aria-pressed", String(on));
    }
    if (!field) return;
    const entry = mapping.fields.find((f) => f.field === field);
    for (const facade of ORDER) {
      for (const path of (entry && entry[facade]) || []) {
        for (const el of $$(`.column[data-facade="${facade}"] .f[data-path="${CSS.escape(path)}"]`, columns)) {
          el.classList.add("hl");
        }
      }
    }
  }

  function legend() {
    $("#field-legend").replaceChildren(...mapping.fields.map((f) =>
      h("button", { type: "button", "data-field": f.field, "aria-pressed": "false",
        title: f.note || null,
        onmouseenter: () => highlight(f.field), onfocus: () => highlight(f.field),
        onclick: () => highlight(f.field) }, f.field)));
  }

  function column(view) {
    const xml = view.content_type.includes("xml");
    const ranges = xml ? xmlRanges(view.body) : jsonRanges(view.body);
    // XML keeps its own line breaks and scrolls sideways; one-line JSON wraps.
    const pre = h("pre", { tabindex: "0", "aria-label": `${TITLES[view.facade] || view.facade} body`,
      "data-body": view.facade, class: xml ? "lines" : null }, spans(view.body, ranges));
    return h("div", { class: "column", "data-facade": view.facade },
      h("h3", {}, TITLES[view.facade] || view.facade),
      h("div", { class: "meta" }, `${view.status} \u00B7 ${view.content_type}`, h("br"), h("code", {}, view.url)),
      pre);
  }

  columns.addEventListener("mouseover", (event) => {
    const span = event.target.closest(".f");
    if (!span) return;
    const facade = span.closest(".column").dataset.facade;
    // The innermost span with a mapped path names the field.
    for (let el = span; el && el.classList.contains("f"); el = el.parentElement.closest(".f")) {
      const field = pathToField.get(`${facade} ${el.dataset.path}`);
      if (field) { highlight(field); return; }
    }
  });

  async function load() {
    const id = select.value;
    if (!id) { columns.replaceChildren(); return; }
    const tenant = app.tenant;
    const request = control("GET", `/tenants/${tenant}/departments/${id}/views`);
    loading = request;
    try {
      const answer = await request;
      if (loading !== request) return;
      department = answer;
      const views = [...answer.views].sort((a, b) => ORDER.indexOf(a.facade) - ORDER.indexOf(b.facade));
      columns.replaceChildren(...views.map(column));
      columns.dataset.version = answer.version;
      const active = $("#field-legend button.active");
      if (active) highlight(active.dataset.field);
    } catch (e) {
      if (loading === request) announce(`Side by side: ${e.message}`, true);
    }
  }

  select.addEventListener("change", () => {
    sessionStorage.setItem(DEPARTMENT_KEY, select.value);
    load();
  });

  $("#edit-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!department) return;
    const field = $("#edit-field").value;
    let value = $("#edit-value").value;
    if (field === "enabled") value = ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
    const response = await vendor(app.tenant, "PUT", `/api/v2/chat/departments/${department.department}`,
      { "Content-Type": "application/json", Authorization: `Bearer ${token.value}` },
      JSON.stringify({ [field]: value }));
    const text = await response.text();
    if (response.ok) {
      announce(`Saved ${field} through the Zopim API (${response.status})`);
      await app.refresh();
      await load();
    } else {
      announce(`The Zopim API refused it: ${response.status} ${text}`, true);
    }
  });

  fetch("mapping.json").then((r) => r.json()).then((m) => {
    mapping = m;
    pathToField = new Map();
    for (const f of m.fields) for (const facade of ORDER) for (const p of f[facade] || []) pathToField.set(`${facade} ${p}`, f.field);
    legend();
  }).catch((e) => announce(`mapping.json: ${e.message}`, true));

  return {
    departments(list) {
      const options = list.map((d) => [String(d.id), `${d.name} (${d.id})${d.active ? "" : ", inactive"}`]);
      const had = select.value;
      fillSelect(select, options);
      if (!had && options.length) {
        const kept = sessionStorage.getItem(DEPARTMENT_KEY);
        select.value = options.some(([v]) => v === kept) ? kept : options[0][0];
      }
      if (select.value !== had) load();
    },
    reload: load,
  };
}
