// The live request journal of the selected tenant (issue 19, docs/journal.md): the newest
// entries from GET /_gateway/tenants/{t}/requests?limit=N ({"requests": [entry, ...]}, oldest
// first), then each new one from the server-sent events of
// GET /_gateway/tenants/{t}/requests/stream?since=SEQ (`event: request`, `data: <entry>`). An
// entry is {seq, time, tenant, facade, route, method, path, status, duration_us, request_headers,
// request_body, response_body, changes: ["department 1: name Sales → Sales EU", ...]}. The
// filters apply here, to the entries kept, so that changing one is instant and loses nothing.

import { control, events, HttpError } from "./api.js";
import { $, h } from "./dom.js";

const KEEP = 200;
const RETRY_MS = 1000;

const filters = () => ({
  facade: $("#journal-facade").value,
  method: $("#journal-method").value,
  path: $("#journal-path").value.trim().toLowerCase(),
  status: $("#journal-status").value.trim().toLowerCase(),
  changes: $("#journal-changes").value.trim().toLowerCase(),
  writes: $("#journal-writes").checked,
});

/** The status criterion as the route takes it: a status (404) or a class (4xx); a prefix here. */
function statusMatches(status, wanted) {
  if (!wanted) return true;
  const prefix = wanted.replace(/x+$/, "");
  return String(status).startsWith(prefix);
}

function matches(e, f) {
  const changes = e.changes || [];
  return (!f.facade || e.facade === f.facade) &&
    (!f.method || e.method === f.method) &&
    (!f.path || String(e.path).toLowerCase().includes(f.path)) &&
    statusMatches(e.status, f.status) &&
    (!f.writes || changes.length > 0) &&
    (!f.changes || changes.some((c) => c.toLowerCase().includes(f.changes)));
}

const when = (time) => String(time || "").replace("T", " ").replace("Z", "");
const ms = (us) => (typeof us === "number" ? (us / 1000).toFixed(us < 10000 ? 2 : 0) : "");
const statusClass = (s) => (s >= 500 ? "bad" : s >= 400 ? "warn" : "good");

function row(e) {
  const changes = e.changes || [];
  return h("tr", { "data-seq": e.seq, class: changes.length ? "wrote" : null },
    h("th", { scope: "row", class: "num" }, e.seq),
    h("td", { class: "nowrap", "data-label": "time" }, when(e.time)),
    h("td", { "data-label": "facade" }, e.facade),
    h("td", { class: "method" }, e.method),
    h("td", { class: "path" }, h("code", { title: e.route }, e.path)),
    h("td", { class: "num", "data-label": "status" }, h("span", { class: `code ${statusClass(e.status)}` }, e.status)),
    h("td", { class: "num", "data-label": "ms" }, ms(e.duration_us)),
    h("td", { class: "changes" }, changes.length
      ? h("ul", {}, changes.map((c) => h("li", {}, c)))
      : h("span", { class: "muted" }, "no change")));
}

export function journalPanel() {
  const body = $("#journal-table tbody");
  const note = $("#journal-note");
  const pause = $("#journal-pause");
  const shown = $("#journal-shown");
  let entries = [];
  let stream = null;
  let paused = false;
  let drawn = "";

  function render() {
    if (paused) return;
    const f = filters();
    const kept = entries.filter((e) => matches(e, f));
    // Redrawn only when what is shown changed, so that focus and selection survive.
    const key = JSON.stringify([kept.map((e) => e.seq), f]);
    shown.textContent = `${kept.length} of ${entries.length} kept entries shown`;
    if (key === drawn) return;
    drawn = key;
    body.replaceChildren(...kept.map(row));
  }

  function add(entry) {
    if (!entry || typeof entry.seq !== "number") return;
    if (entries.some((e) => e.seq === entry.seq)) return;
    entries.push(entry);
    entries.sort((a, b) => b.seq - a.seq);
    entries.length = Math.min(entries.length, KEEP);
    render();
  }

  function trouble(e) {
    // A 401 is the token form's to ask; the panel starts again once the token is given.
    if (e instanceof HttpError && e.status === 401) return;
    note.hidden = false;
    note.textContent = e instanceof HttpError && e.status === 404 && !/tenant/i.test(e.message)
      ? "This gateway has no request journal (GET /_gateway/tenants/{t}/requests answered 404)."
      : `The request journal could not be read: ${e.message}`;
  }

  async function follow(tenant, signal) {
    const listed = await control("GET", `/tenants/${encodeURIComponent(tenant)}/requests?limit=${KEEP}`);
    note.hidden = true;
    for (const e of listed.requests || []) add(e);
    // The stream ends when the gateway closes it (a restart, a deleted tenant): take it up again
    // from the last entry seen, so that nothing in between is missed.
    while (!signal.aborted) {
      const since = entries.length ? entries[0].seq : 0;
      await events(`/tenants/${encodeURIComponent(tenant)}/requests/stream?since=${since}`, signal, add);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  async function start(tenant) {
    if (stream) stream.abort();
    stream = new AbortController();
    const signal = stream.signal;
    entries = [];
    drawn = "";
    render();
    try {
      await follow(tenant, signal);
    } catch (e) {
      if (!signal.aborted) trouble(e);
    }
  }

  for (const id of ["#journal-facade", "#journal-method", "#journal-path", "#journal-status",
    "#journal-changes", "#journal-writes"]) {
    $(id).addEventListener("input", render);
    $(id).addEventListener("change", render);
  }
  $("#journal-filter").addEventListener("submit", (e) => e.preventDefault());
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? "Resume" : "Pause";
    render();
  });

  return { start };
}
