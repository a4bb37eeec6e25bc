// The dashboard's entry point: which tenant is open, and one poll of GET /_gateway/tenants that
// keeps every panel current (a write through any vendor API raises the tenant's version, and
// the open panels reload within the poll interval).

import { control, onUnauthorized, setAdminToken, adminToken } from "./api.js";
import { $, announce, fillSelect } from "./dom.js";
import { tenantsPanel } from "./tenants.js";
import { recordsPanel } from "./records.js";
import { viewsPanel } from "./views.js";
import { journalPanel } from "./journal.js";
import { reconcilePanel } from "./reconcile.js";

const POLL_MS = 300;
const TENANT_KEY = "deskbridge.tenant";

const app = {
  tenant: sessionStorage.getItem(TENANT_KEY) || "default",
  version: null,
  tenants: [],
  locked: false,
};

const tenants = tenantsPanel(app);
const records = recordsPanel(app);
const views = viewsPanel(app);
const journal = journalPanel(app);
const reconcile = reconcilePanel(app);

app.departmentsChanged = (list) => views.departments(list);

app.select = (name) => {
  app.tenant = name;
  app.version = null;
  sessionStorage.setItem(TENANT_KEY, name);
  for (const el of document.querySelectorAll(".tenant-name")) el.textContent = name;
  $("#tenant-select").value = name;
  tenants.selected();
  journal.start(name);
  app.refresh();
};

let refreshing = null;
app.refresh = () => {
  refreshing = refreshing || refresh().finally(() => { refreshing = null; });
  return refreshing;
};

async function refresh() {
  if (app.locked) return;
  const { tenants: list } = await control("GET", "/tenants");
  app.tenants = list;
  tenants.render(list);
  fillSelect($("#tenant-select"), list.map((t) => [t.name, t.name]));
  reconcile.tenants(list.map((t) => t.name));
  const current = list.find((t) => t.name === app.tenant);
  if (!current) {
    if (app.tenant !== "default") app.select("default");
    return;
  }
  $("#tenant-select").value = app.tenant;
  if (current.version !== app.version) {
    const changed = app.version !== null;
    app.version = current.version;
    const data = await control("GET", `/tenants/${app.tenant}/records`);
    records.show(data);
    await views.reload();
    document.body.dataset.version = String(data.version);
    if (changed) announce(`${app.tenant} changed: version ${data.version}`);
  }
}

onUnauthorized(() => {
  app.locked = true;
  $("#token-form").hidden = false;
  $("#token-input").focus();
  announce(adminToken() ? "The admin token was refused" : "This gateway needs its admin token", true);
});

$("#token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setAdminToken($("#token-input").value);
  $("#token-input").value = "";
  $("#token-form").hidden = true;
  app.locked = false;
  announce("Admin token set for this tab");
  app.select(app.tenant);
});

$("#tenant-select").addEventListener("change", (event) => app.select(event.target.value));

async function poll() {
  try {
    await app.refresh();
  } catch (e) {
    if (!app.locked) announce(`The gateway did not answer: ${e.message}`, true);
  }
  setTimeout(poll, POLL_MS);
}

app.select(app.tenant);
poll();
