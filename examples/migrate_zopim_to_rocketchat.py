#!/usr/bin/env python3
"""A migration rehearsal: Zendesk Chat (Zopim) departments, agents and memberships copied to
Rocket.Chat by real clients, then proven equal by `deskbridge reconcile` (docs/migration.md).

Usage: python migrate_zopim_to_rocketchat.py [--mistake] GATEWAY_URL ZOPIM_EXPORT

GATEWAY_URL is a running gateway (http://127.0.0.1:8080); ZOPIM_EXPORT a Zopim export, a
folder or a .zip of departments.json and agents.json (examples/data/zopim-export). The
`deskbridge` binary is $DESKBRIDGE, else `deskbridge` on the PATH. Needs zenpy and
rocketchat-api (pip install zenpy rocketchat-api).

1. `deskbridge import` loads the export into tenant `source`; an export holds no secret, so
   the operator's agent is given a token there through the control plane.
2. Tenant `target` is made holding only the operator, as a fresh Rocket.Chat would.
3. zenpy reads the departments and agents of `source`; rocketchat_API creates each agent (by
   email) and each department with its members in `target`.
4. `deskbridge reconcile` compares `source` as Zopim shows it with `target` as Rocket.Chat
   shows it, and must find them equal.

With --mistake the copy skips one membership and renames one department, and reconcile must
name exactly those: the membership, and the department under its old name on one side and its
new name on the other. Exits 0 when the outcome is the expected one, 1 otherwise, 2 on bad usage.
"""

import json
import os
import re
import subprocess
import sys
import urllib.request

OPERATOR = "admin@example.com"
OPERATOR_TOKEN = "rehearsal-operator-token"
OPERATOR_PASSWORD = "admin"


def control(gateway, method, path, body=None):
    """A control-plane call; returns (status, parsed body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(gateway + "/_gateway" + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def deskbridge(*args):
    binary = os.environ.get("DESKBRIDGE", "deskbridge")
    done = subprocess.run([binary, *args], capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode, done.stdout


def prepare(gateway, export):
    """Tenant `source` from the export, with a token for the operator; `target` fresh."""
    code, _ = deskbridge("import", "--format", "zopim", export, "--gateway", gateway, "--tenant", "source")
    if code != 0:
        raise SystemExit("import failed")
    status, state = control(gateway, "GET", "/tenants/source/state")
    assert status == 200, state
    for agent in state["agents"]:
        if agent["email"] == OPERATOR:
            agent["tokens"] = {"bearer": [OPERATOR_TOKEN]}
    status, body = control(gateway, "PUT", "/tenants/source/state", state)
    assert status == 200, body
    operator = next(a for a in state["agents"] if a["email"] == OPERATOR)
    control(gateway, "DELETE", "/tenants/target")
    seed = {
        "agents": [
            {
                "username": "admin",
                "name": operator["name"],
                "email": OPERATOR,
                "roles": ["owner", "administrator", "agent"],
                "password": OPERATOR_PASSWORD,
            }
        ]
    }
    status, body = control(gateway, "POST", "/tenants", {"name": "target", "from": {"state": seed}})
    assert status == 201, body


def copy(gateway, mistake):
    """zenpy reads `source`; rocketchat_API writes `target`. Returns what the mistake changed."""
    import requests
    from rocketchat_API.rocketchat import RocketChat
    from zenpy import Zenpy

    host = gateway.split("://", 1)[1]
    os.environ["ZENPY_FORCE_NETLOC"] = host
    os.environ["ZENPY_FORCE_SCHEME"] = gateway.split("://", 1)[0]
    session = requests.Session()
    session.headers["X-Deskbridge-Tenant"] = "source"
    zopim = Zenpy(subdomain="example", oauth_token=OPERATOR_TOKEN, session=session)
    departments = list(zopim.chats.departments())
    agents = list(zopim.chats.agents())

    rocket = RocketChat("admin", OPERATOR_PASSWORD, server_url=gateway + "/t/target")
    existing = {u["emails"][0]["address"].lower(): u for u in rocket.livechat_get_users("agent")}
    users = {}
    for agent in agents:
        known = existing.get(agent.email.lower())
        if known is None:
            username = agent.email.split("@", 1)[0].lower()
            made = rocket.users_create(agent.email, agent.display_name, os.urandom(12).hex(), username)
            assert made.get("success"), made
            added = rocket.livechat_create_user("agent", username=username)
            assert added.get("success"), added
            known = {"_id": made["user"]["_id"], "username": username}
        users[agent.id] = known

    changed = {}
    api = gateway + "/t/target/api/v1/livechat/department"
    for i, department in enumerate(sorted(departments, key=lambda d: d.id)):
        name = department.name
        members = list(department.members)
        if mistake and i == 1 and members:
            changed["skipped"] = (name, next(a.email for a in agents if a.id == members[0]))
            members = members[1:]
        if mistake and i == 2:
            changed["renamed"] = (name, name + " (old)")
            name = name + " (old)"
        body = {
            "department": {
                "name": name,
                "enabled": bool(department.enabled),
                "showOnRegistration": True,
                "showOnOfflineForm": True,
                "email": OPERATOR,
            },
            "agents": [{"agentId": users[m]["_id"]} for m in members],
        }
        if department.description:
            body["department"]["description"] = department.description
        response = rocket.session.post(api, json=body, headers=rocket.headers)
        assert response.status_code == 200, response.text
    print("copied %d departments and %d agents" % (len(departments), len(agents)))
    return changed


def main():
    args = sys.argv[1:]
    mistake = "--mistake" in args
    args = [a for a in args if a != "--mistake"]
    if len(args) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    gateway, export = args[0].rstrip("/"), args[1]
    prepare(gateway, export)
    changed = copy(gateway, mistake)
    code, table = deskbridge(
        "reconcile", gateway + "/t/source", gateway + "/t/target",
        "--a-format", "zopim", "--b-format", "rocketchat",
    )
    if not mistake:
        return 0 if code == 0 else 1
    (department, email), (old, new) = changed["skipped"], changed["renamed"]
    # Rocket.Chat numbers nothing: the ids a side gives its records are left out.
    differences = [
        re.sub(r" \(id \d+\)$", "", line)
        for line in table.splitlines()
        if line.startswith(("only in", "members of", "department", "agent"))
    ]
    expected = [
        'only in A: department "%s"' % old,
        'only in B: department "%s"' % new,
        'members of "%s": %s only in A' % (department, email),
    ]
    if code == 1 and differences == expected:
        print("reconcile named exactly the two mistakes")
        return 0
    print("expected reconcile to name %r, got %r (exit %s)" % (expected, differences, code), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
