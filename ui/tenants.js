// The tenants panel: every tenant with its counts; create (from the fixtures, a fork, a
// snapshot, or nothing), reset, snapshot, restore and delete, each through its control-plane
// route (docs/tenants.md).

import { control } from "./api.js";
import { $, h, announce, fillSelect } from "./dom.js";

export function tenantsPanel(app) {
  const body = $("#tenant-table tbody");
  const from = $("#create-from");

  function sourceFields() {
    $("#create-source-field").hidden = !["tenant", "snapshot"].includes(from.value);
    $("#create-snapshot-field").hidden = from.value !== "snapshot";
    if (from.value === "snapshot") loadSourceSnapshots();
  }

  async function loadSourceSnapshots() {
    const tenant = $("#create-source").value;
    if (!tenant) return;
    try {
      const { snapshots } = await control("GET", `/tenants/${tenant}/snapshots`);
      fillSelect($("#create-snapshot"), snapshots.map((s) => [s.name, s.name]));
    } catch (e) {
      announce(`Snapshots of ${tenant}: ${e.message}`, true);
    }
  }

  async function act(label, work) {
    try {
      await work();
      announce(label);
      await app.refresh();
    } catch (e) {
      announce(`${label} failed: ${e.message}`, true);
    }
  }

  function row(t) {
    const origin = t.origin ? describeOrigin(t.origin) : "";
    const selected = t.name === app.tenant;
    return h(
      "tr",
      { class: selected ? "selected" : null, "data-tenant": t.name },
      h("th", { scope: "row" }, t.name),
      h("td", { "data-label": "Origin" }, origin),
      h("td", { class: "num", "data-label": "Version" }, t.version),
      h("td", { class: "num", "data-label": "Departments", "data-count": "departments" }, t.counts.departments),
      h("td", { class: "num", "data-label": "Agents", "data-count": "agents" }, t.counts.agents),
      h("td", { class: "num", "data-label": "Memberships", "data-count": "memberships" }, t.counts.memberships),
      h(
        "td",
        {},
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "secondary", "aria-pressed": String(selected),
            "aria-label": `Open ${t.name}`, onclick: () => app.select(t.name) }, "Open"),
          h("button", { type: "button", class: "secondary", "aria-label": `Reset ${t.name}`,
            onclick: () => act(`Reset ${t.name}`, () => control("POST", `/tenants/${t.name}/reset`)) }, "Reset"),
          t.name === "default"
            ? null
            : h("button", { type: "button", class: "danger", "aria-label": `Delete ${t.name}`,
                onclick: () => {
                  if (!window.confirm(`Delete the tenant ${t.name} and its snapshots?`)) return;
                  act(`Deleted ${t.name}`, async () => {
                    await control("DELETE", `/tenants/${t.name}`);
                    if (app.tenant === t.name) app.select("default");
                  });
                } }, "Delete"),
        ),
      ),
    );
  }

  async function loadSnapshots() {
    try {
      const { snapshots } = await control("GET", `/tenants/${app.tenant}/snapshots`);
      fillSelect($("#restore-select"), snapshots.map((s) => [s.name, `${s.name} (version ${s.version})`]));
      $("#restore-button").disabled = snapshots.length === 0;
    } catch (e) {
      announce(`Snapshots: ${e.message}`, true);
    }
  }

  from.addEventListener("change", sourceFields);
  $("#create-source").addEventListener("change", () => from.value === "snapshot" && loadSourceSnapshots());
  $("#create-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("#create-name").value.trim();
    const source = $("#create-source").value;
    const origin = {
      fixtures: { fixtures: true },
      tenant: { tenant: source },
      snapshot: { snapshot: { tenant: source, name: $("#create-snapshot").value } },
      empty: { empty: true },
    }[from.value];
    act(`Created ${name}`, async () => {
      await control("POST", "/tenants", { name, from: origin });
      $("#create-name").value = "";
      app.select(name);
    });
  });
  $("#snapshot-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("#snapshot-name").value.trim();
    act(`Took snapshot ${name} of ${app.tenant}`, async () => {
      await control("POST", `/tenants/${app.tenant}/snapshots`, { name });
      $("#snapshot-name").value = "";
      await loadSnapshots();
    });
  });
  $("#restore-button").addEventListener("click", () => {
    const snapshot = $("#restore-select").value;
    if (!snapshot) return;
    act(`Restored ${app.tenant} to ${snapshot}`, () =>
      control("POST", `/tenants/${app.tenant}/restore`, { snapshot }));
  });
  sourceFields();

  let shown = "";
  return {
    render(tenants) {
      // Rebuilt only when something in it changed, so that a poll never takes the focus away.
      const key = JSON.stringify([app.tenant, tenants.map((t) => [t.name, t.version, t.counts, t.origin])]);
      if (key === shown) return;
      shown = key;
      body.replaceChildren(...tenants.map(row));
      fillSelect($("#create-source"), tenants.map((t) => [t.name, t.name]));
    },
    selected: loadSnapshots,
  };
}

function describeOrigin(origin) {
  if (origin.tenant) return `fork of ${origin.tenant}`;
  if (origin.snapshot) return `snapshot ${origin.snapshot.tenant}/${origin.snapshot.name}`;
  if (origin.empty) return "empty";
  if (origin.state) return "a given state";
  return "fixtures";
}
