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
   (POST /api/v2/groups.json). The Support API's users and group memberships routes are not in
   this gateway yet, so users and memberships are written through `new`'s classic routes
   (POST /users.xml, PUT /groups/{id}.xml with <agents>); once they are, they become
   POST /api/v2/users.json and POST /api/v2/group_memberships.json.
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
from xml.sax.saxutils import escape

OPERATOR = "admin@example.com"
API_TOKEN = "rehearsal-api-token"
PASSWORD = "admin"


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

    status, text = call(new + "/users.xml", auth=new_auth)
    existing = {u.findtext("email").lower(): int(u.findtext("id")) for u in ET.fromstring(text)}
    members = {}
    for user in users:
        email = user.findtext("email")
        user_id = existing.get(email.lower())
        if user_id is None:
            fields = "<name>%s</name><email>%s</email><roles>%s</roles>" % (
                escape(user.findtext("name")), escape(email), user.findtext("roles"))
            if user.findtext("time-zone"):
                fields += "<time-zone>%s</time-zone>" % escape(user.findtext("time-zone"))
            status, text = call(new + "/users.xml", "POST", "<user>%s</user>" % fields, "application/xml", new_auth)
            assert status == 201, text
            user_id = int(ET.fromstring(text).findtext("id"))
        for group in user.find("groups") or []:
            members.setdefault(new_group[int(group.findtext("id"))], []).append(user_id)
    for group_id, agents in members.items():
        body = "<group><agents type=\"array\">%s</agents></group>" % "".join(
            "<agent type=\"integer\">%d</agent>" % a for a in agents)
        status, text = call(new + "/groups/%d.xml" % group_id, "PUT", body, "application/xml", new_auth)
        assert status == 200, text
    print("copied %d groups and %d users" % (len(groups), len(users)))


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
