"""Drive the classic Zendesk API in JSON and by Accept with pyactiveresource, as the clients that
left XML around 2011 did (issue 16).

Usage: python activeresource_json.py PORT

Needs pyactiveresource 2.2.2 and python-dateutil (the same interpreter as
activeresource_groups.py). Run by tests/api/clients.rs on a gateway with the default data; every
step checks what the client read and exits non-zero with a message on the first surprise. The
last line printed is "OK" followed by a summary the Rust test checks.

1. `.json` routes: pyactiveresource's JSONFormat finds, creates (the id from the Location),
   updates (rooted bodies, `{"group": {...}}`, the whole resource sent back), destroys, and reads
   a 422's `{"errors": [...]}`.
2. Paths without an extension, asked for with the Accept header the 2010-era gems sent
   (`*/*; q=0.5, application/xml`, rest-client 1.x's default, used by jg-zendesk/zendesk), read
   through pyactiveresource's own connection and XML decoder.
"""

import sys

import dateutil  # noqa: F401  (pyactiveresource parses datetimes with it)
from pyactiveresource import connection, formats
from pyactiveresource.activeresource import ActiveResource

PORT = int(sys.argv[1])
SITE = "http://admin%40example.com:admin@127.0.0.1:{}".format(PORT)
OLD_GEM_ACCEPT = "*/*; q=0.5, application/xml"


class Group(ActiveResource):
    _site = SITE
    _format = formats.JSONFormat


class User(ActiveResource):
    _site = SITE
    _format = formats.JSONFormat


def check(condition, what):
    if not condition:
        print("FAILED: " + what)
        sys.exit(1)
    print("ok: " + what)


# 1. JSON. find(:all): GET /groups.json, a bare array of records without a root.
groups = Group.find()
check(
    [(g.id, g.name, g.is_active) for g in groups]
    == [(1, "Sales", True), (2, "Support", True), (3, "Billing", True)],
    "find all reads /groups.json: %r" % [(g.id, g.name) for g in groups],
)
sales = Group.find(1)
check([u.id for u in sales.users] == [1, 2], "find one nests the agents as users")
me = User.find("current")
check((me.id, me.email, me.roles) == (1, "admin@example.com", 2), "users/current.json is the caller")

locations = []
_id_from_response = Group._id_from_response


def recording_id_from_response(self, response):
    locations.append(response.get("Location", response.get("location")))
    return _id_from_response(self, response)


Group._id_from_response = recording_id_from_response
hardware = Group({"name": "Hardware", "agents": [2, 3]})
check(hardware.save(), "create returns true")
check(hardware.id == 4, "the new id 4 is read from Location")
check(
    locations == ["http://127.0.0.1:{}/groups/4.json".format(PORT)],
    "the Location keeps .json: %r" % locations,
)
again = Group.find(4)
check(
    (again.name, [u.id for u in again.users]) == ("Hardware", [2, 3]),
    "the created group reads back with its agents",
)
# The whole resource goes back, under its root, with the nested users; only name and agents count.
again.name = "Hardware and ICP"
again.agents = [3]
check(again.save(), "update returns true")
after = Group.find(4)
check(
    (after.name, [u.id for u in after.users]) == ("Hardware and ICP", [3]),
    "the update renamed the group and replaced its agents",
)

blank = Group({"name": ""})
check(not blank.save(), "saving a blank name returns false")
check(
    blank.errors.on("name") == "can't be blank",
    "the 422's {\"errors\": [...]} is filed under name: %r" % blank.errors.full_messages(),
)

after.destroy()
check(Group.find(4).is_active is False, "destroy keeps the group, inactive")

# 2. No extension: the format comes from Accept.
plain = connection.Connection(
    "http://127.0.0.1:{}".format(PORT), "admin@example.com", "admin", format=formats.XMLFormat
)
user = plain.get_formatted("/users/2", {"Accept": OLD_GEM_ACCEPT})
check(
    (user["id"], user["email"], [g["id"] for g in user["groups"]]) == (2, "agent@example.com", [1, 2]),
    "GET /users/2 with the old gems' Accept is the user in XML: %r" % user,
)
members = plain.get_formatted("/groups/1/users", {"Accept": OLD_GEM_ACCEPT})
check([u["id"] for u in members] == [1, 2], "GET /groups/1/users lists Sales' agents in XML")
current = plain.get_formatted("/users/current", {"Accept": OLD_GEM_ACCEPT})
check(current["email"] == "admin@example.com", "GET /users/current is the caller in XML")
raw = plain.get("/users/current", {"Accept": "application/json"})
check(raw.body.startswith(b'{"created_at"'), "the same path with Accept: application/json is JSON")
try:
    plain.get("/users/2", {"Accept": "text/html"})
    check(False, "an Accept naming neither format fails")
except connection.ClientError as err:
    check(err.response.code == 406, "an Accept naming neither format is 406")

print("OK pyactiveresource JSON: find, create (Location id 4, .json), update, 422, destroy; Accept: xml, json, 406")
