// A tenant's data: searchable, sortable tables of its departments and agents, and the
// membership matrix, from GET /_gateway/tenants/{t}/records (one consistent state version).

import { $, h } from "./dom.js";

const DEPARTMENT_COLUMNS = [
  { key: "id", label: "id", num: true },
  { key: "uid", label: "Rocket.Chat _id" },
  { key: "name", label: "name" },
  { key: "enabled", label: "enabled" },
  { key: "active", label: "active" },
  { key: "members", label: "members", num: true, value: (d) => d.members.length },
];

const AGENT_COLUMNS = [
  { key: "id", label: "id", num: true },
  { key: "uid", label: "Rocket.Chat _id" },
  { key: "username", label: "username" },
  { key: "display_name", label: "name" },
  { key: "email", label: "email" },
  { key: "roles", label: "roles", value: (a) => a.roles.join(", ") },
  { key: "active", label: "active" },
  { key: "departments", label: "departments", num: true },
];

/** A table whose column headers sort it (aria-sort says how), filtered by a search string. */
function sortableTable(table, columns, onRow) {
  let sort = { key: "id", dir: 1 };
  let rows = [];
  let query = "";
  const cell = (column, row) => (column.value ? column.value(row) : row[column.key]);

  function header() {
    return h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((c) =>
          h(
            "th",
            {
              scope: "col",
              class: c.num ? "num" : null,
              "aria-sort": sort.key === c.key ? (sort.dir > 0 ? "ascending" : "descending") : "none",
            },
            h("button", { type: "button", class: "sort", "data-key": c.key,
              onclick: () => {
                sort = { key: c.key, dir: sort.key === c.key ? -sort.dir : 1 };
                render();
                table.querySelector(`button[data-key="${c.key}"]`).focus();
              } }, c.label),
          ),
        ),
      ),
    );
  }

  function render() {
    const q = query.toLowerCase();
    const shown = rows
      .filter((r) => !q || columns.some((c) => String(cell(c, r)).toLowerCase().includes(q)))
      .sort((a, b) => {
        const x = cell(columns.find((c) => c.key === sort.key), a);
        const y = cell(columns.find((c) => c.key === sort.key), b);
        return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
      });
    table.replaceChildren(
      header(),
      h(
        "tbody",
        {},
        shown.map((r) =>
          onRow(
            r,
            columns.map((c, i) => {
              const v = cell(c, r);
              const text = typeof v === "boolean" ? (v ? "yes" : "no") : v;
              return i === 0
                ? h("th", { scope: "row", class: c.num ? "num" : null }, text)
                : h("td", { class: c.num ? "num" : null, "data-col": c.key }, text);
            }),
          ),
        ),
      ),
    );
  }

  return {
    set(newRows) {
      rows = newRows;
      render();
    },
    search(q) {
      query = q;
      render();
    },
  };
}

export function recordsPanel(app) {
  const departments = sortableTable($("#department-table"), DEPARTMENT_COLUMNS, (d, cells) =>
    h("tr", { "data-id": d.id }, cells));
  const agents = sortableTable($("#agent-table"), AGENT_COLUMNS, (a, cells) =>
    h("tr", { "data-id": a.id }, cells));
  let last = null;

  function matrix(records) {
    const q = $("#records-search").value.toLowerCase();
    const shownAgents = records.agents;
    const shownDepartments = records.departments.filter(
      (d) => !q || d.name.toLowerCase().includes(q) || String(d.id) === q);
    const members = new Map(records.departments.map((d) => [d.id, new Set(d.members)]));
    $("#matrix-table").replaceChildren(
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "department \\ agent"),
        shownAgents.map((a) => h("th", { scope: "col", title: a.email }, a.username)))),
      h("tbody", {}, shownDepartments.map((d) =>
        h("tr", {},
          h("th", { scope: "row" }, `${d.name} (${d.id})`),
          shownAgents.map((a) => {
            const member = members.get(d.id).has(a.id);
            return h("td", {},
              member ? h("span", { class: "yes", "aria-hidden": "true" }, "\u25CF") : "",
              h("span", { class: "sr-only" }, member ? `${a.username} is a member` : "not a member"));
          })))),
    );
  }

  $("#records-search").addEventListener("input", (event) => {
    departments.search(event.target.value);
    agents.search(event.target.value);
    if (last) matrix(last);
  });

  return {
    show(records) {
      last = records;
      const of = new Map();
      for (const d of records.departments) for (const a of d.members) of.set(a, (of.get(a) || 0) + 1);
      departments.set(records.departments);
      agents.set(records.agents.map((a) => ({ ...a, departments: of.get(a.id) || 0 })));
      matrix(records);
      app.departmentsChanged(records.departments);
    },
  };
}
