// Reconcile two tenants, or a tenant and an uploaded canonical export (issue 18):
// POST /_gateway/reconcile {"a": SIDE, "b": SIDE}, a SIDE being {"tenant": NAME} or
// {"state": <fixture document>}. Assumed report shape (the CLI's --json): {equal, counts: {a, b},
// only_in_a, only_in_b, field_differences: [{kind, key, field, a, b}], membership_differences:
// [{department, only_in_a, only_in_b}], not_compared: [...], loss?: [...]}. Whatever else it
// holds is shown as JSON. A gateway without the route answers 404, and the panel says so.

import { control, HttpError } from "./api.js";
import { $, h, announce, fillSelect } from "./dom.js";

const KNOWN = ["equal", "counts", "only_in_a", "only_in_b", "field_differences",
  "membership_differences", "not_compared", "loss"];

async function side(select, file) {
  if (file.files.length) return { state: JSON.parse(await file.files[0].text()) };
  return { tenant: select.value };
}

const text = (v) => {
  if (v === "") return "\"\"";
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.join(", ");
  return JSON.stringify(v);
};

function list(title, items) {
  if (!items || (Array.isArray(items) && !items.length)) return null;
  if (!Array.isArray(items)) {
    return h("div", {}, Object.entries(items).map(([kind, v]) => list(`${title}: ${kind}`, v)));
  }
  return h("div", {}, h("h3", {}, title), h("ul", {}, items.map((i) => h("li", {}, text(i)))));
}

function table(title, columns, rows, cls = {}) {
  if (!rows || !rows.length) return null;
  return h("div", {}, h("h3", {}, title), h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": `${title} (scrolls)` }, h("table", {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) =>
      h("td", { class: cls[c] || null }, r[c] === undefined ? "" : text(r[c])))))))));
}

function report(r) {
  const counts = r.counts || {};
  const kinds = [...new Set([...Object.keys(counts.a || {}), ...Object.keys(counts.b || {})])];
  return [
    h("p", {}, h("span", { class: `badge ${r.equal ? "equal" : "differ"}` },
      r.equal ? "equal" : "different")),
    kinds.length ? table("Counts", ["record", "a", "b"],
      kinds.map((k) => ({ record: k, a: (counts.a || {})[k], b: (counts.b || {})[k] }))) : null,
    list("Only in A", r.only_in_a),
    list("Only in B", r.only_in_b),
    table("Field differences", ["kind", "key", "field", "a", "b"], r.field_differences,
      { a: "diff-a", b: "diff-b" }),
    table("Membership differences", ["department", "only_in_a", "only_in_b"], r.membership_differences,
      { only_in_a: "diff-a", only_in_b: "diff-b" }),
    list("Not compared", r.not_compared),
    list("Loss report", r.loss),
    ...Object.entries(r).filter(([k]) => !KNOWN.includes(k)).map(([k, v]) =>
      h("div", {}, h("h3", {}, k), h("pre", {}, JSON.stringify(v, null, 2)))),
  ];
}

export function reconcilePanel() {
  const out = $("#reconcile-report");
  const note = $("#reconcile-note");
  $("#reconcile-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const a = await side($("#reconcile-a"), $("#reconcile-a-file"));
      const b = await side($("#reconcile-b"), $("#reconcile-b-file"));
      const r = await control("POST", "/reconcile", { a, b });
      note.hidden = true;
      out.replaceChildren(...report(r).filter(Boolean));
      announce(r.equal ? "Reconcile: the two sides are equal" : "Reconcile: the two sides differ");
    } catch (e) {
      if (e instanceof HttpError && e.status === 404 && /route/i.test(e.message)) {
        note.hidden = false;
        note.textContent = "This gateway has no reconcile route yet (POST /_gateway/reconcile answered 404).";
        out.replaceChildren();
      } else {
        announce(`Reconcile failed: ${e.message}`, true);
      }
    }
  });
  return {
    tenants(names) {
      const options = names.map((n) => [n, n]);
      fillSelect($("#reconcile-a"), options);
      fillSelect($("#reconcile-b"), options);
    },
  };
}
