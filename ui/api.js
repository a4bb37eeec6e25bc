// Talking to the gateway: the control plane under /_gateway/ (with the admin token, when one is
// needed, kept in this tab's session storage only) and a vendor API of a tenant.

const TOKEN_KEY = "deskbridge.adminToken";

/** A refused request: its status and the gateway's `description`, when it gave one. */
export class HttpError extends Error {
  constructor(status, body, text) {
    super((body && (body.description || body.error)) || text || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function adminToken() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setAdminToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

let unauthorized = () => {};

/** Runs `handler` whenever the control plane answers 401 (a token is needed, or wrong). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

function adminHeaders(extra = {}) {
  const headers = { ...extra };
  const token = adminToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

async function answer(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (response.status === 401) unauthorized();
  if (!response.ok) throw new HttpError(response.status, body, text);
  return body;
}

/** A control-plane call: `path` under /_gateway, `body` sent as JSON when given. */
export async function control(method, path, body) {
  const init = { method, headers: adminHeaders() };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return answer(await fetch(`/_gateway${path}`, init));
}

/** The path prefix that puts a vendor request into `tenant`. */
export function tenantBase(tenant) {
  return tenant === "default" ? "" : `/t/${encodeURIComponent(tenant)}`;
}

/** A vendor API call in `tenant`, with that vendor's own headers; the raw response. */
export function vendor(tenant, method, path, headers, body) {
  return fetch(`${tenantBase(tenant)}${path}`, { method, headers, body });
}

/**
 * Server-sent events from a control-plane route, read with fetch so that the admin token can go
 * in a header (EventSource cannot send one). Calls `onEvent(data)` with each event's parsed data;
 * resolves when the stream ends or `signal` aborts it.
 */
export async function events(path, signal, onEvent) {
  const response = await fetch(`/_gateway${path}`, {
    headers: adminHeaders({ Accept: "text/event-stream" }),
    signal,
  });
  if (!response.ok) return answer(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return null;
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""))
        .join("\n");
      if (!data) continue;
      try {
        onEvent(JSON.parse(data));
      } catch {
        // A keep-alive or a comment: nothing to show.
      }
    }
  }
}
