#!/usr/bin/env python3
"""zenpy against deskbridge's Zopim throttle: its retry on 429 must wait out Retry-After.

Usage: python zenpy_throttle.py PORT

Sets a rate-limit fault on the default tenant's Zopim GETs (1 request per 2 s, through the
control plane), then lists the departments twice with zenpy. The second list is throttled: 429
with Retry-After; zenpy sleeps that long (BaseApi._call_api loops while Retry-After > 0) and
retries, and the retry is answered. The script checks the list zenpy gives back, that the call
took at least Retry-After, and, from the gateway's request journal, that the retry came no sooner
than Retry-After after the 429. Exits 0 when every check passes, 1 otherwise.
"""

import json
import os
import sys
import time
import urllib.request

ADMIN_TOKEN = "deskbridge-admin-token"


def control(port, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        "http://127.0.0.1:%s/_gateway%s" % (port, path), data=data, method=method
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        text = response.read().decode()
        return json.loads(text) if text else None


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print("usage: %s PORT" % sys.argv[0], file=sys.stderr)
        return 2
    port = sys.argv[1]
    os.environ["ZENPY_FORCE_NETLOC"] = "127.0.0.1:%s" % port
    os.environ["ZENPY_FORCE_SCHEME"] = "http"
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    from zenpy import Zenpy

    control(
        port,
        "POST",
        "/tenants/default/faults",
        {"match": {"facade": "zopim", "method": "GET"}, "action": {"rate_limit": {"limit": 1, "per_s": 2}}},
    )
    zc = Zenpy(subdomain="example", oauth_token=ADMIN_TOKEN)
    depts = zc.chats.departments
    # (when the answer came, status, Retry-After) of every response zenpy saw.
    seen = []

    def record(response, *args, **kwargs):
        seen.append((time.monotonic(), response.status_code, response.headers.get("Retry-After")))
        return response

    depts.session.hooks["response"].append(record)
    first = sorted(d.name for d in depts())
    started = time.monotonic()
    second = sorted(d.name for d in depts())
    waited = time.monotonic() - started

    failures = []
    if first != ["Billing", "Sales", "Support"] or second != first:
        failures.append("the lists: %r then %r" % (first, second))
    statuses = [status for _, status, _ in seen]
    if statuses != [200, 429, 200]:
        failures.append("the statuses zenpy saw: %r" % (statuses,))
    else:
        retry_after = int(seen[1][2])
        gap = seen[2][0] - seen[1][0]
        if retry_after < 1:
            failures.append("Retry-After %r" % (seen[1][2],))
        if gap < retry_after - 0.05:
            failures.append("the retry came %.3f s after the 429, before Retry-After %s" % (gap, retry_after))
        if waited < retry_after - 0.05:
            failures.append("zenpy's second list took %.3f s: it did not wait" % waited)
    entries = control(port, "GET", "/tenants/default/requests?facade=zopim&method=GET")["requests"]
    journaled = [e["status"] for e in entries]
    if journaled != [200, 429, 200]:
        failures.append("the statuses the gateway journaled: %r" % (journaled,))
    if failures:
        for failure in failures:
            print("FAILED: " + failure, file=sys.stderr)
        print("responses: %r" % (seen,), file=sys.stderr)
        return 1
    print("OK: zenpy waited %.2f s on 429 and its retry was answered" % waited)
    return 0


if __name__ == "__main__":
    sys.exit(main())
