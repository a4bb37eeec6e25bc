#!/usr/bin/env python3
"""Drive deskbridge's Zopim agents API, account and HTTP Basic with the real zenpy client.

Usage: python zenpy_agents.py PORT

Points zenpy at http://127.0.0.1:PORT through ZENPY_FORCE_NETLOC / ZENPY_FORCE_SCHEME (spec A9),
then: reads the account; creates an agent (AgentRequest.post, a bare nested JSON object with the
attributes set), reads it back, updates it (AgentRequest.put: the dirty attributes, id
stripped), signs in as it with HTTP Basic (Zenpy(email=, password=)) and reads `me`, and deletes
it (a 204). Exits 0 when every check passes, 1 on the first failed check (with the requests made
so far), 2 on bad usage.
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
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print("usage: %s PORT" % sys.argv[0], file=sys.stderr)
        return 2
    port = sys.argv[1]

    os.environ["ZENPY_FORCE_NETLOC"] = "127.0.0.1:%s" % port
    os.environ["ZENPY_FORCE_SCHEME"] = "http"
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(
        p for p in ("127.0.0.1", "localhost", no_proxy) if p
    )

    import requests
    import zenpy
    from zenpy import Zenpy
    from zenpy.lib.api_objects.chat_objects import Agent
    from zenpy.lib.exception import APIException

    version = zenpy.__version__
    log = []

    def record(response, *args, **kwargs):
        request = response.request
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        log.append(
            "%s %s -> %s%s%s"
            % (
                request.method,
                request.path_url,
                response.status_code,
                " | request body " + body if body else "",
                " | response body " + response.text[:600] if response.text else "",
            )
        )
        return response

    zc = Zenpy(subdomain="example", oauth_token=ADMIN_TOKEN)
    zc.chats.agents.session.hooks["response"].append(record)

    try:
        run(zc, Zenpy, Agent, APIException, requests, version, log, record)
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
    print("OK: zenpy %s agents: account, create, show, update, Basic me, delete (%d requests)" % (version, len(log)))
    return 0


def run(zc, Zenpy, Agent, APIException, requests, version, log, record):
    email = "zenpy.%d@example.com" % os.getpid()

    # --- account (the exporters' discovery call) --------------------------------------------------
    account = zc.chats.accounts()
    check_eq(account.status, "active", "account: status")
    check(bool(account.account_key), "account: account_key is empty")

    # --- create -----------------------------------------------------------------------------------
    created = zc.chats.agents.create(
        Agent(display_name="Zenpy Agent", first_name="Zenpy", last_name="Agent", email=email,
              password="zenpy-s3cret", role_id=2, enabled=1)
    )
    check(isinstance(created, Agent), "create returned %r, not an Agent" % (created,))
    agent_id = created.id
    check(isinstance(agent_id, int) and agent_id > 0, "create: id %r" % (agent_id,))
    check_eq(created.email, email, "create: email")
    check_eq(created.display_name, "Zenpy Agent", "create: display_name")
    check_eq(created.role_id, 2, "create: role_id")
    check(created.enabled in (1, True), "create: enabled %r" % (created.enabled,))
    check_eq(created.departments, [], "create: departments")

    # --- show ---------------------------------------------------------------------------------------
    got = zc.chats.agents(id=agent_id)
    check_eq(got.email, email, "show: email")
    by_email = zc.chats.agents(email=email)
    check_eq(by_email.id, agent_id, "show by email: id")

    # --- update: only the dirty attributes, id stripped (PersonRequest.put) --------------------------
    got.display_name = "Zenpy Renamed"
    got.role_id = 1
    updated = zc.chats.agents.update(got)
    put = [line for line in log if line.startswith("PUT ")]
    check_eq(len(put), 1, "update: PUT requests")
    check('"id"' not in put[0].split(" | response body")[0], "update: zenpy sent the id: %s" % put[0])
    check_eq(updated.id, agent_id, "update: id")
    check_eq(updated.display_name, "Zenpy Renamed", "update: display_name")
    check_eq(updated.role_id, 1, "update: role_id")
    check_eq(updated.email, email, "update: email (not sent, so unchanged)")

    # --- HTTP Basic: the new agent signs in with its password (Zenpy(email=, password=)) ------------
    basic = Zenpy(subdomain="example", email=email, password="zenpy-s3cret")
    basic.chats.agents.session.hooks["response"].append(record)
    me = basic.chats.agents.me()
    check_eq(me.id, agent_id, "Basic me: id")
    listed = list(basic.chats.departments())  # an administrator now, after the update
    check(len(listed) >= 1, "Basic: departments as the new administrator")

    # --- delete: a 204 --------------------------------------------------------------------------------
    response = zc.chats.agents.delete(updated)
    check(isinstance(response, requests.Response), "delete: zenpy did not get a 204 (%r)" % (response,))
    check_eq(response.status_code, 204, "delete: status")
    try:
        ghost = zc.chats.agents(id=agent_id)
    except APIException as e:
        check_eq(e.response.status_code, 404, "show after delete: status")
    else:
        raise CheckFailed("show after delete returned %r instead of raising" % (ghost,))


if __name__ == "__main__":
    sys.exit(main())
