#!/usr/bin/env python3
"""A migration rehearsal: classic Zendesk (XML) groups, users and memberships copied to the
Zendesk Support API v2 with plain HTTP, then proven equal by `deskbridge reconcile`
(docs/migration.md).

Usage: python migrate_classic_to_support.py GATEWAY_URL CLASSIC_EXPORT

CLASSIC_EXPORT is a folder or a .zip of groups.xml and users.xml
(examples/data/classic-export). The `deskbridge` binary is $DESKBRIDGE, else `deskbridge` on
the PATH. Only the standard library: no Zendesk client speaks both APIs.

1. `deskbridge import --format zendesk-xml` loads the export into tenant `old`, and the
   operator gets an API token there (an export holds no secret).
2. Tenant `new` is made holding only the operator, with a password.
3. The groups and users are read from `old` (GET /groups.xml, /users.xml, HTTP Basic with the
   API token). Each group is created in `new` through the Support API
   (POST /api/v2/groups.json), each user not there yet (matched by email among
   GET /api/v2/users.json's pages) with POST /api/v2/users.json, its classic role number
   (0, 2, 4) as the Support role name (end-user, admin, agent), and each of its groups with
   POST /api/v2/group_memberships.json.
4. `deskbridge reconcile` compares `old` as classic Zendesk shows it with `new` as the Support
   API shows it, and must find them equal. Exits 0 when equal, 1 otherwise, 2 on bad usage.
"""

import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

OPERATOR = "admin@example.com"
API_TOKEN = "rehearsal-api-token"
PASSWORD = "admin"
# The classic API's role numbers as the Support API names them.
ROLES = {0: "end-user", 2: "admin", 4: "agent"}


def call(url, method="GET", body=None, content_type="application/json", auth=None):
    data = None if body is None else body.encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", content_type)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def deskbridge(*args):
    done = subprocess.run([os.environ.get("DESKBRIDGE", "deskbridge"), *args], capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode


def prepare(gateway, export):
    if deskbridge("import", "--format", "zendesk-xml", export, "--gateway", gateway, "--tenant", "old") != 0:
        raise SystemExit("import failed")
    status, text = call(gateway + "/_gateway/tenants/old/state")
    assert status == 200, text
    state = json.loads(text)
    for agent in state["agents"]:
        if agent["email"] == OPERATOR:
            agent["tokens"] = {"api": [API_TOKEN]}
            operator = agent
    status, text = call(gateway + "/_gateway/tenants/old/state", "PUT", json.dumps(state))
    assert status == 200, text
    call(gateway + "/_gateway/tenants/new", "DELETE")
    seed = {"agents": [{"username": "admin", "name": operator["name"], "email": OPERATOR,
                        "roles": ["owner", "administrator", "agent"], "password": PASSWORD,
                        **({"time_zone": operator["time_zone"]} if operator.get("time_zone") else {})}]}
    status, text = call(gateway + "/_gateway/tenants", "POST", json.dumps({"name": "new", "from": {"state": seed}}))
    assert status == 201, text


def copy(gateway):
    old = gateway + "/t/old"
    new = gateway + "/t/new"
    old_auth = OPERATOR + "/token:" + API_TOKEN
    new_auth = OPERATOR + ":" + PASSWORD

    status, text = call(old + "/groups.xml", auth=old_auth)
    assert status == 200, text
    groups = [(int(g.findtext("id")), g.findtext("name")) for g in ET.fromstring(text)]
    users, page = [], 1
    while True:
        status, text = call(old + "/users.xml?page=%d" % page, auth=old_auth)
        assert status == 200, text
        found = list(ET.fromstring(text))
        users.extend(found)
        if len(found) < 100:
            break
        page += 1

    new_group = {}
    for group_id, name in groups:
        status, text = call(new + "/api/v2/groups.json", "POST", json.dumps({"group": {"name": name}}), auth=new_auth)
        assert status == 201, text
        new_group[group_id] = json.loads(text)["group"]["id"]

    existing = {}
    url = new + "/api/v2/users.json"
    while url:
        status, text = call(url, auth=new_auth)
        assert status == 200, text
        body = json.loads(text)
        existing.update({u["email"].lower(): u["id"] for u in body["users"]})
        url = body["next_page"]
    memberships = 0
    for user in users:
        email = user.findtext("email")
        user_id = existing.get(email.lower())
        if user_id is None:
            fields = {"name": user.findtext("name"), "email": email,
                      "role": ROLES[int(user.findtext("roles"))]}
            if user.findtext("time-zone"):
                fields["time_zone"] = user.findtext("time-zone")
            status, text = call(new + "/api/v2/users.json", "POST", json.dumps({"user": fields}), auth=new_auth)
            assert status == 201, text
            user_id = json.loads(text)["user"]["id"]
        for group in user.find("groups") or []:
            link = {"user_id": user_id, "group_id": new_group[int(group.findtext("id"))]}
            status, text = call(new + "/api/v2/group_memberships.json", "POST",
                                json.dumps({"group_membership": link}), auth=new_auth)
            assert status == 201, text
            memberships += 1
    print("copied %d groups and %d users" % (len(groups), len(users)))
    print("made %d group memberships" % memberships)


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    gateway, export = sys.argv[1].rstrip("/"), sys.argv[2]
    prepare(gateway, export)
    copy(gateway)
    code = deskbridge("reconcile", gateway + "/t/old", gateway + "/t/new",
                      "--a-format", "zendesk-xml", "--b-format", "zendesk-support")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
