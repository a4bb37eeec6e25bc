#!/usr/bin/env python3
"""Parse deskbridge's /_gateway/metrics with a real Prometheus parser and check the counters.

Usage: python metrics_parse.py PORT

Sends a known set of requests (7 Zopim reads of one department, 2 of an unknown one, 3 classic
group lists), scrapes the metrics, parses them with prometheus_client's OpenMetrics parser (the
format the gateway writes), and checks each request counter against what was sent, the
histogram's count, the tenant gauges and the in-flight gauge. Exits 0 when every check passes.
"""

import sys
import urllib.error
import urllib.request

ADMIN_TOKEN = "deskbridge-admin-token"


def get(port, path, headers):
    request = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print("usage: %s PORT" % sys.argv[0], file=sys.stderr)
        return 2
    port = sys.argv[1]
    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    bearer = {"Authorization": "Bearer " + ADMIN_TOKEN}
    for _ in range(7):
        assert get(port, "/api/v2/chat/departments/1", bearer)[0] == 200
    for _ in range(2):
        assert get(port, "/api/v2/chat/departments/99", bearer)[0] == 404
    import base64

    basic = {"Authorization": "Basic " + base64.b64encode(b"admin@example.com:admin").decode()}
    for _ in range(3):
        assert get(port, "/groups.xml", basic)[0] == 200

    status, text, headers = get(port, "/_gateway/metrics", {})
    failures = []
    if status != 200:
        failures.append("status %s" % status)
    if not headers.get("Content-Type", "").startswith("application/openmetrics-text"):
        failures.append("content type %r" % headers.get("Content-Type"))
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value

    def value(name, **labels):
        return samples.get((name, tuple(sorted(labels.items()))))

    for (name, labels), want in [
        (("deskbridge_requests_total", {"facade": "zopim", "route": "GET /api/v2/chat/departments/{id}", "status": "200"}), 7),
        (("deskbridge_requests_total", {"facade": "zopim", "route": "unmatched", "status": "404"}), 2),
        (("deskbridge_requests_total", {"facade": "zendesk", "route": "GET /groups.xml", "status": "200"}), 3),
        (("deskbridge_request_duration_seconds_count", {"facade": "zopim", "route": "GET /api/v2/chat/departments/{id}"}), 7),
        (("deskbridge_requests_in_flight", {}), 1),
        (("deskbridge_tenants", {}), 1),
        (("deskbridge_departments", {"tenant": "default"}), 3),
    ]:
        got = value(name, **labels)
        if got != want:
            failures.append("%s%r: expected %r, got %r" % (name, labels, want, got))
    if failures:
        for failure in failures:
            print("FAILED: " + failure, file=sys.stderr)
        print(text, file=sys.stderr)
        return 1
    print("OK: %d samples parsed; the counters match the %d requests sent" % (len(samples), 12))
    return 0


if __name__ == "__main__":
    sys.exit(main())
