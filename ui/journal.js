// The live request journal of the selected tenant (issue 19): the last entries from
// GET /_gateway/tenants/{t}/requests?limit=N, then each new one from the server-sent events of
// GET /_gateway/tenants/{t}/requests/stream. A gateway without the journal answers 404, and the
// panel says so. Assumed entry shape: {seq, time, facade, route, method, path, status,
// duration_ms (or duration), changes: [string | object]}.

import { control, events, HttpError } from "./api.js";
import { $, h } from "./dom.js";

const KEEP = 200;

function entriesOf(body) {
  if (Array.isArray(body)) return body;
  return (body && (body.requests || body.entries)) || [];
}

function changeText(change) {
  if (typeof change === "string") return change;
  return change.text || change.description || JSON.stringify(change);
}

export function journalPanel(app) {
  const body = $("#journal-table tbody");
  const note = $("#journal-note");
  const pause = $("#journal-pause");
  let entries = [];
  let stream = null;
  let paused = false;

  const filters = () => ({
    facade: $("#journal-facade").value,
    method: $("#journal-method").value,
    path: $("#journal-path").value.trim(),
    status: $("#journal-status").value.trim(),
  });

  function matches(e, f) {
    return (!f.facade || e.facade === f.facade) &&
      (!f.method || e.method === f.method) &&
      (!f.path || String(e.path).includes(f.path)) &&
      (!f.status || String(e.status).startsWith(f.status));
  }

  function render() {
    if (paused) return;
    const f = filters();
    body.replaceChildren(...entries.filter((e) => matches(e, f)).map((e) =>
      h("tr", { "data-seq": e.seq },
        h("th", { scope: "row", class: "num" }, e.seq),
        h("td", {}, String(e.time || "").replace("T", " ").replace("Z", "")),
        h("td", {}, e.facade),
        h("td", {}, e.method),
        h("td", {}, h("code", {}, e.path)),
        h("td", { class: "num" }, e.status),
        h("td", { class: "num" }, e.duration_ms ?? e.duration ?? ""),
        h("td", {}, (e.changes || []).length
          ? h("ul", {}, e.changes.map((c) => h("li", {}, changeText(c))))
          : ""))));
  }

  function add(entry) {
    if (entries.some((e) => e.seq === entry.seq)) return;
    entries.unshift(entry);
    entries.sort((a, b) => b.seq - a.seq);
    entries.length = Math.min(entries.length, KEEP);
    render();
  }

  function missing(e) {
    note.hidden = false;
    note.textContent = e instanceof HttpError && e.status === 404
      ? "This gateway has no request journal yet (GET /_gateway/tenants/{t}/requests answered 404): " +
        "the live requests appear here once it does."
      : `The request journal could not be read: ${e.message}`;
  }

  async function start(tenant) {
    if (stream) stream.abort();
    stream = new AbortController();
    const signal = stream.signal;
    entries = [];
    render();
    try {
      const listed = entriesOf(await control("GET", `/tenants/${tenant}/requests?limit=${KEEP}`));
      note.hidden = true;
      for (const e of listed) add(e);
      const since = entries.length ? entries[0].seq : 0;
      await events(`/tenants/${tenant}/requests/stream?since=${since}`, signal, add);
    } catch (e) {
      if (signal.aborted) return;
      missing(e);
    }
  }

  for (const id of ["#journal-facade", "#journal-method", "#journal-path", "#journal-status"]) {
    $(id).addEventListener("input", render);
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
