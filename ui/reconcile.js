// Reconcile two tenants, or a tenant and an export (issue 18, docs/migration.md):
// POST /_gateway/reconcile {"a": SIDE, "b": SIDE, "match_ids", "fold_case", "times"}, a SIDE
// being a tenant's name, {"format": F, "files": {path: text}} or {"format": F, "zip": BASE64}. The report (the CLI's --json):
// {a: {label, departments, agents, memberships}, b: {...}, options, only_in_a: [{kind, key, id}],
// only_in_b, fields: [{kind, record, field, a, b}], memberships: [{department, only_in_a,
// only_in_b}], not_compared: [{kind, field, carried_by}], equal}. The route gives no loss report
// (that is `deskbridge convert`'s); beside the differences the panel shows `not_compared`, the
// fields only one side carries, which is what a trip between the two would lose.

import { control, HttpError } from "./api.js";
import { $, h, announce, fillSelect } from "./dom.js";

const FORMATS = [
  ["canonical", "canonical (fixture document)"], ["zopim", "Zopim"], ["rocketchat", "Rocket.Chat"],
  ["zendesk-xml", "classic Zendesk XML"], ["zendesk-support", "Zendesk Support"],
];
const KNOWN = ["a", "b", "options", "only_in_a", "only_in_b", "fields", "memberships",
  "not_compared", "equal"];

/** Where a picked file sits in an export of `format` (a folder's pick keeps its own path). */
function pathOf(file, format, count) {
  const relative = file.webkitRelativePath ? file.webkitRelativePath.split("/").slice(1).join("/") : "";
  if (relative) return relative;
  if (format === "canonical" && count === 1) return "state.json";
  if (format === "rocketchat" && !["departments.json", "agents.json"].includes(file.name)) {
    return `department_agents/${file.name}`;
  }
  return file.name;
}

/** The bytes in base64 (Uint8Array.toBase64 where the browser has it). */
function base64(bytes) {
  if (typeof bytes.toBase64 === "function") return bytes.toBase64();
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

async function side(which) {
  const picked = $(`#reconcile-${which}-file`).files;
  if (!picked.length) return $(`#reconcile-${which}`).value;
  const format = $(`#reconcile-${which}-format`).value;
  // An export's zip, as GET /_gateway/tenants/{t}/export gives it: sent unopened.
  if (picked.length === 1 && /\.zip$/i.test(picked[0].name)) {
    return { format, zip: base64(new Uint8Array(await picked[0].arrayBuffer())) };
  }
  const files = {};
  for (const file of picked) files[pathOf(file, format, picked.length)] = await file.text();
  return { format, files };
}

const text = (v) => {
  if (v === "") return "\"\"";
  if (v === null || v === undefined) return "none";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
};

function section(title, ...content) {
  const body = content.flat().filter(Boolean);
  return body.length ? h("div", { class: "part" }, h("h3", {}, title), body) : null;
}

function scrolling(label, table) {
  return h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": `${label} (scrolls)` }, table);
}

function counts(r) {
  const kinds = ["departments", "agents", "memberships"];
  return scrolling("Counts", h("table", { class: "counts" },
    h("caption", { class: "sr-only" }, "Records on each side"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "side"),
      kinds.map((k) => h("th", { scope: "col", class: "num" }, k)))),
    h("tbody", {}, ["a", "b"].map((s) => h("tr", {},
      h("th", { scope: "row" }, `${s.toUpperCase()}: ${r[s].label}`),
      kinds.map((k) => h("td", { class: `num${r.a[k] !== r.b[k] ? " differs" : ""}` }, r[s][k])))))));
}

function onlyIn(items, which) {
  if (!items || !items.length) return null;
  return h("ul", { class: `only only-${which}` }, items.map((i) =>
    h("li", {}, h("span", { class: "tag" }, i.kind), ` ${i.key} `, h("span", { class: "muted" }, `(id ${i.id})`))));
}

function fieldTable(rows) {
  if (!rows || !rows.length) return null;
  return scrolling("Field differences", h("table", { class: "diffs" },
    h("caption", { class: "sr-only" }, "Fields whose values differ, A against B"),
    h("thead", {}, h("tr", {}, ["record", "field", "A", "B"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((d) => h("tr", {},
      h("th", { scope: "row" }, h("span", { class: "tag" }, d.kind), ` ${d.record}`),
      h("td", {}, h("code", {}, d.field)),
      h("td", { class: "diff-a" }, h("del", {}, text(d.a))),
      h("td", { class: "diff-b" }, h("ins", {}, text(d.b))))))));
}

function memberTable(rows) {
  if (!rows || !rows.length) return null;
  return scrolling("Membership differences", h("table", { class: "diffs" },
    h("caption", { class: "sr-only" }, "Members linked on one side only, per department"),
    h("thead", {}, h("tr", {}, ["department", "only in A", "only in B"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((m) => h("tr", {},
      h("th", { scope: "row" }, m.department),
      h("td", { class: "diff-a" }, m.only_in_a.length ? h("del", {}, m.only_in_a.join(", ")) : ""),
      h("td", { class: "diff-b" }, m.only_in_b.length ? h("ins", {}, m.only_in_b.join(", ")) : ""))))));
}

function notCompared(r) {
  const rows = r.not_compared || [];
  return h("aside", { class: "loss", "aria-labelledby": "reconcile-loss-title" },
    h("h3", { id: "reconcile-loss-title" }, "Not compared: carried by one side only"),
    h("p", { class: "hint" }, "What a trip between the two would lose. The route gives no loss " +
      "report of its own; ", h("code", {}, "deskbridge convert"), " prints one for a conversion."),
    rows.length
      ? h("ul", {}, rows.map((n) => h("li", {}, h("code", {}, `${n.kind}.${n.field}`),
        ` only ${n.carried_by.toUpperCase()} carries it`)))
      : h("p", {}, "Nothing: both sides carry the same fields."));
}

function report(r) {
  const differences = (r.only_in_a || []).length + (r.only_in_b || []).length +
    (r.fields || []).length + (r.memberships || []).length;
  const main = h("div", { class: "differences" },
    h("p", {}, h("span", { class: `badge ${r.equal ? "equal" : "differ"}` }, r.equal ? "equal" : "different"),
      ` ${differences} difference(s)`),
    counts(r),
    section("Only in A", onlyIn(r.only_in_a, "a")),
    section("Only in B", onlyIn(r.only_in_b, "b")),
    section("Field differences", fieldTable(r.fields)),
    section("Membership differences", memberTable(r.memberships)),
    Object.entries(r).filter(([k]) => !KNOWN.includes(k)).map(([k, v]) =>
      section(k, h("pre", {}, JSON.stringify(v, null, 2)))));
  return [main, notCompared(r)];
}

export function reconcilePanel() {
  const out = $("#reconcile-report");
  const note = $("#reconcile-note");
  for (const which of ["a", "b"]) fillSelect($(`#reconcile-${which}-format`), FORMATS);
  $("#reconcile-form").addEventListener("reset", () => out.replaceChildren());
  $("#reconcile-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = {
        a: await side("a"),
        b: await side("b"),
        match_ids: $("#reconcile-match-ids").checked,
        fold_case: $("#reconcile-fold-case").checked,
        times: $("#reconcile-times").checked,
      };
      const r = await control("POST", "/reconcile", body);
      note.hidden = true;
      out.replaceChildren(...report(r));
      announce(r.equal ? "Reconcile: the two sides are equal" : "Reconcile: the two sides differ");
    } catch (e) {
      out.replaceChildren();
      note.hidden = false;
      note.textContent = e instanceof HttpError && e.status === 404
        ? "This gateway has no reconcile route (POST /_gateway/reconcile answered 404)."
        : `Reconcile refused: ${e.message}`;
      announce(`Reconcile failed: ${e.message}`, true);
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
