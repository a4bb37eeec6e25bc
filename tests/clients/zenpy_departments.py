#!/usr/bin/env python3
"""Drive deskbridge's Zopim departments API with the real zenpy client.

Usage: python zenpy_departments.py PORT [TENANT]

Points zenpy at http://127.0.0.1:PORT through ZENPY_FORCE_NETLOC / ZENPY_FORCE_SCHEME (spec A9)
and walks one department through create, list, show by id, show by name, update, re-read and
delete. With TENANT, every request goes to that tenant: zenpy is given a requests.Session that
carries the header `X-Deskbridge-Tenant: TENANT` (Zenpy(session=...) keeps the session's headers
and adds its own Authorization), and the script checks that every request it made carried it. Works with zenpy >= 2.0.54 (/api/v2/chat/ URLs) and <= 2.0.53 (legacy /api/v2/ URLs).
Exits 0 when every check passes, 1 on the first failed check (with the requests made so far),
2 on bad usage.
"""

import os
import sys
import traceback

ADMIN_TOKEN = "deskbridge-admin-token"


class CheckFailed(Exception):
    pass


def check(condition, message):
    """An assertion that survives `python -O`."""
    if not condition:
        raise CheckFailed(message)


def check_eq(actual, expected, what):
    check(actual == expected, "%s: expected %r, got %r" % (what, expected, actual))


def main():
    if len(sys.argv) not in (2, 3) or not sys.argv[1].isdigit():
        print("usage: %s PORT [TENANT]" % sys.argv[0], file=sys.stderr)
        return 2
    port = sys.argv[1]
    tenant = sys.argv[2] if len(sys.argv) == 3 else None

    # zenpy reads these every time it builds a URL, so they may be set before or after Zenpy().
    os.environ["ZENPY_FORCE_NETLOC"] = "127.0.0.1:%s" % port
    os.environ["ZENPY_FORCE_SCHEME"] = "http"
    # A proxy set in the environment must not see loopback traffic.
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(
        p for p in ("127.0.0.1", "localhost", no_proxy) if p
    )

    import requests
    import zenpy
    from zenpy import Zenpy
    from zenpy.lib.api_objects.chat_objects import Department
    from zenpy.lib.exception import APIException

    version = zenpy.__version__
    version_tuple = tuple(int(part) for part in version.split(".")[:3])
    expect_current = version_tuple >= (2, 0, 54)

    # subdomain is mandatory since 2.0.54 (ignored once ZENPY_FORCE_NETLOC is set);
    # oauth_token -> "Authorization: Bearer <token>".
    session = None
    if tenant is not None:
        # The host form (TENANT.localhost:PORT in ZENPY_FORCE_NETLOC) needs *.localhost to
        # resolve, which not every resolver does; a session header works everywhere. Zenpy only
        # adds to a session it is given (Authorization, User-Agent), so the header stays.
        session = requests.Session()
        session.headers["X-Deskbridge-Tenant"] = tenant
    zc = Zenpy(subdomain="example", oauth_token=ADMIN_TOKEN, session=session)
    depts = zc.chats.departments

    # Every request zenpy makes, for the URL style and for the failure report.
    log = []
    # The tenant header of each request, in the order made.
    tenants_sent = []

    def record(response, *args, **kwargs):
        request = response.request
        tenants_sent.append(request.headers.get("X-Deskbridge-Tenant"))
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        text = response.text
        if len(text) > 1000:
            text = text[:1000] + "...(%d chars)" % len(text)
        log.append(
            "%s %s -> %s%s%s"
            % (
                request.method,
                request.path_url,
                response.status_code,
                " | request body " + body if body else "",
                " | response body " + text if text else "",
            )
        )
        return response

    depts.session.hooks["response"].append(record)

    try:
        style = run(zc, depts, Department, APIException, requests, version, expect_current, log)
        check_eq(set(tenants_sent), {tenant}, "the X-Deskbridge-Tenant header of every request")
    except Exception as e:  # noqa: BLE001 - any failure is reported with the traffic so far
        print("FAILED with zenpy %s: %s: %s" % (version, type(e).__name__, e), file=sys.stderr)
        if not isinstance(e, CheckFailed):
            traceback.print_exc()
        print("requests made:", file=sys.stderr)
        for line in log:
            print("  " + line, file=sys.stderr)
        return 1

    print("requests made:")
    for line in log:
        print("  " + line)
    print(
        "OK: zenpy %s, %s URLs, %d requests%s"
        % (version, style, len(log), "" if tenant is None else " in tenant %s" % tenant)
    )
    return 0


def run(zc, depts, Department, APIException, requests, version, expect_current, log):
    name = "Zenpy %s Desk %d" % (version, os.getpid())  # a space, so the name is percent-encoded
    print("zenpy %s; department name %r" % (version, name))

    # --- create -------------------------------------------------------------------------------
    created = depts.create(
        Department(name=name, description="Made by zenpy", enabled=1, members=[1, 2])
    )
    check(isinstance(created, Department), "create returned %r, not a Department" % (created,))
    dept_id = created.id
    check(
        isinstance(dept_id, int) and not isinstance(dept_id, bool) and dept_id > 0,
        "create: id should be a positive integer, got %r" % (dept_id,),
    )
    check_eq(created.name, name, "create: name")
    check_eq(created.description, "Made by zenpy", "create: description")
    check_eq(sorted(created.members or []), [1, 2], "create: members")
    check(created.enabled in (1, True), "create: enabled should be 1/true, got %r" % (created.enabled,))

    # Which URL generation was used (spec A1): told by the path zenpy actually requested.
    first = log[0].split(" ")[1]
    if first.startswith("/api/v2/chat/departments"):
        style = "current /api/v2/chat/"
    elif first.startswith("/api/v2/departments"):
        style = "legacy /api/v2/"
    else:
        raise CheckFailed("create went to an unexpected path %r" % first)
    print("URL style: %s (first request %s)" % (style, log[0].split(" |")[0]))
    check_eq(
        style.startswith("current"),
        expect_current,
        "zenpy %s should use the %s URLs" % (version, "current" if expect_current else "legacy"),
    )

    # Membership is owned by the department: its members see it on their agent record (spec A4).
    agent = zc.chats.agents(id=1)
    check(
        dept_id in (agent.departments or []),
        "agent 1 should list department %d after the create, has %r" % (dept_id, agent.departments),
    )

    # --- list ---------------------------------------------------------------------------------
    listed = list(depts())
    check(len(listed) >= 1, "list: empty")
    check(
        all(isinstance(d, Department) for d in listed),
        "list: not all Departments (is the body a bare JSON array?): %r" % (listed,),
    )
    mine = [d for d in listed if d.id == dept_id]
    check_eq(len(mine), 1, "list: entries with id %d" % dept_id)
    check_eq(mine[0].name, name, "list: name")

    # --- show by id and by name -----------------------------------------------------------------
    got = depts(id=dept_id)
    check(isinstance(got, Department), "show by id returned %r" % (got,))
    check_eq(got.id, dept_id, "show by id: id")
    check_eq(got.name, name, "show by id: name")
    check_eq(got.description, "Made by zenpy", "show by id: description")
    check_eq(sorted(got.members or []), [1, 2], "show by id: members")

    by_name = depts(name=name)  # GET .../departments/name/Zenpy%202.0.57%20Desk%20NNN
    check(isinstance(by_name, Department), "show by name returned %r" % (by_name,))
    check_eq(by_name.id, dept_id, "show by name: id")
    check_eq(by_name.name, name, "show by name: name")
    check(
        any("/departments/name/" in line and "%20" in line for line in log),
        "show by name: the name should have been sent percent-encoded",
    )

    # --- update ---------------------------------------------------------------------------------
    # zenpy PUTs only the dirty attributes, strips the id (setting got.id to None) and flattens
    # nested objects: {"description": "...", "settings.chat_enabled": true}.
    got.description = "Changed by zenpy"
    got.settings = {"chat_enabled": True}
    updated = depts.update(got)
    put = [line for line in log if line.startswith("PUT ")]
    check_eq(len(put), 1, "update: PUT requests")
    check(
        '"settings.chat_enabled": true' in put[0],
        "update: zenpy should have sent the flattened settings key: %s" % put[0],
    )
    check(isinstance(updated, Department), "update returned %r" % (updated,))
    check_eq(updated.id, dept_id, "update: id")
    check_eq(updated.description, "Changed by zenpy", "update: description")
    check(
        isinstance(updated.settings, dict) and updated.settings.get("chat_enabled") is True,
        "update: settings.chat_enabled should be true, settings are %r" % (updated.settings,),
    )
    check_eq(updated.name, name, "update: name (not sent, so unchanged)")
    check_eq(sorted(updated.members or []), [1, 2], "update: members (not sent, so unchanged)")

    # --- re-read ------------------------------------------------------------------------------
    again = depts(id=dept_id)
    check_eq(again.description, "Changed by zenpy", "re-read: description")
    check(
        isinstance(again.settings, dict) and again.settings.get("chat_enabled") is True,
        "re-read: settings.chat_enabled should be true, settings are %r" % (again.settings,),
    )
    check_eq(again.name, name, "re-read: name")
    check_eq(sorted(again.members or []), [1, 2], "re-read: members")
    check(again.enabled in (1, True), "re-read: enabled should still be 1/true, got %r" % (again.enabled,))

    # --- delete ---------------------------------------------------------------------------------
    response = depts.delete(again)
    # zenpy hands back the raw response only for a 204; anything else it tries to parse.
    check(
        isinstance(response, requests.Response),
        "delete: zenpy did not get a 204 (it returned %r)" % (response,),
    )
    check_eq(response.status_code, 204, "delete: status")
    check_eq(response.content, b"", "delete: body")

    # --- gone -----------------------------------------------------------------------------------
    check(
        dept_id not in [d.id for d in depts()],
        "after delete: department %d is still listed" % dept_id,
    )
    agent = zc.chats.agents(id=1)
    check(
        dept_id not in (agent.departments or []),
        "after delete: agent 1 still lists department %d: %r" % (dept_id, agent.departments),
    )
    for what, lookup in (("id", {"id": dept_id}), ("name", {"name": name})):
        try:
            ghost = depts(**lookup)
        except APIException as e:
            status = e.response.status_code if e.response is not None else None
            check_eq(status, 404, "show by %s after delete: status" % what)
        except requests.HTTPError as e:
            raise CheckFailed(
                "show by %s after delete: the error body is not JSON (HTTP %s: %r)"
                % (what, e.response.status_code, e.response.text)
            )
        else:
            raise CheckFailed("show by %s after delete returned %r instead of raising" % (what, ghost))

    return style


if __name__ == "__main__":
    sys.exit(main())
