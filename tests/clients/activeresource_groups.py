"""Drive the gateway's classic Zendesk XML groups with pyactiveresource, the Python ActiveResource.

Usage: python activeresource_groups.py PORT [TENANT]

Needs pyactiveresource 2.2.2 and python-dateutil (spec part B7: without dateutil, offset
timestamps fail to parse). Run by tests/api/clients.rs on a gateway with the default data; every
step checks what the client read and exits non-zero with a message on the first surprise. The
last line printed is "OK" followed by a summary the Rust test checks.

With TENANT, the site is http://127.0.0.1:PORT/t/TENANT: ActiveResource builds every path under
the site's path, and the gateway's Location keeps the /t/TENANT prefix (checked below).
"""

import sys

import dateutil  # noqa: F401  (imported for its side effect: pyactiveresource parses datetimes with it)
from pyactiveresource import connection, formats
from pyactiveresource.activeresource import ActiveResource

PORT = int(sys.argv[1])
MOUNT = "/t/" + sys.argv[2] if len(sys.argv) > 2 else ""
# The default data's administrator (README), in the URL as ActiveResource takes credentials.
SITE = "http://admin%40example.com:admin@127.0.0.1:{}{}".format(PORT, MOUNT)


class Group(ActiveResource):
    _site = SITE
    _format = formats.XMLFormat


class User(ActiveResource):
    _site = SITE
    _format = formats.XMLFormat


def check(condition, what):
    if not condition:
        print("FAILED: " + what)
        sys.exit(1)
    print("ok: " + what)


def summary(group):
    return (group.id, group.name, group.is_active)


# find(:all): <groups type="array" count="3"> with typed ids, booleans and datetimes.
groups = Group.find()
check(
    [summary(g) for g in groups]
    == [(1, "Sales", True), (2, "Support", True), (3, "Billing", True)],
    "find all lists the default groups in id order: %r" % [summary(g) for g in groups],
)
check(groups[0].created_at.year == 2024, "created_at is parsed as a datetime")

# find(id): the agents nested as <users>, each a User resource.
sales = Group.find(1)
check(
    [(u.id, u.email, u.roles) for u in sales.users]
    == [(1, "admin@example.com", 2), (2, "agent@example.com", 4)],
    "find one nests the agents as users: %r" % [(u.id, u.email) for u in sales.users],
)

# create: POST, 201, the id read from the absolute Location. ActiveResource takes the id from the
# Location's last segment and builds the next paths from the site; the Location is recorded to
# check that it names the resource where the client finds it, tenant prefix included.
locations = []
_id_from_response = Group._id_from_response


def recording_id_from_response(self, response):
    # Its headers are a plain dict, lower case here; ActiveResource itself tries both spellings.
    locations.append(response.get("Location", response.get("location")))
    return _id_from_response(self, response)


Group._id_from_response = recording_id_from_response
hardware = Group({"name": "Hardware", "agents": [2, 3]})
check(hardware.save(), "create returns true")
created_id = hardware.id
check(isinstance(created_id, int) and created_id == 4, "the new id 4 is read from Location")
check(
    locations == ["http://127.0.0.1:{}{}/groups/4.xml".format(PORT, MOUNT)],
    "the Location is the new group's URL under the site: %r" % locations,
)
again = Group.find(created_id)
check(
    (again.name, [u.id for u in again.users]) == ("Hardware", [2, 3]),
    "the created group reads back with its agents",
)

# update: PUT with the whole resource (the id and the nested users ride along and are ignored).
again.name = "Hardware and ICP"
again.agents = [3]
check(again.save(), "update returns true")
after = Group.find(created_id)
check(
    (after.name, [u.id for u in after.users]) == ("Hardware and ICP", [3]),
    "the update renamed the group and replaced its agents",
)

# An update without agents leaves them; an empty list clears them.
plain = Group.find(created_id)
plain.name = "Hardware"
del plain.attributes["users"]
check(plain.save(), "an update without agents returns true")
check([u.id for u in Group.find(created_id).users] == [3], "omitted agents stay as they were")
plain.agents = []
check(plain.save(), "an update with an empty agents list returns true")
check(Group.find(created_id).users == [], "an empty agents list removed every agent")

# The agent's groups follow the group's agents.
maria = User.find(3)
check([g.id for g in maria.groups] == [2, 3], "user 3's groups no longer include the group")

# validation: 422 <errors><error>Name can't be blank</error></errors>.
blank = Group({"name": ""})
check(not blank.save(), "saving a blank name returns false")
check(
    blank.errors.full_messages() == ["name can't be blank"]
    or blank.errors.full_messages() == ["Name can't be blank"],
    "the 422's errors are read: %r" % blank.errors.full_messages(),
)
check(blank.errors.on("name") == "can't be blank", "the message is filed under name")
check(len(Group.find()) == 4, "the failed create made nothing")

# destroy: 200, soft. Still listed and shown, is_active false, no longer assignable.
after.destroy()
gone = Group.find(created_id)
check(gone.is_active is False, "the destroyed group is kept with is_active False")
check(
    [summary(g) for g in Group.find()][-1] == (created_id, "Hardware", False),
    "the destroyed group is still listed",
)
gone.agents = [2]
check(not gone.save(), "assigning agents to a destroyed group fails")
check(
    gone.errors.full_messages()
    == ["Group is inactive and can no longer be changed or assigned"],
    "with a 422 that says why: %r" % gone.errors.full_messages(),
)

# A missing group is ResourceNotFound; wrong credentials are UnauthorizedAccess.
try:
    Group.find(404)
    check(False, "a missing group raises")
except connection.ResourceNotFound:
    check(True, "a missing group raises ResourceNotFound")


class Intruder(ActiveResource):
    _site = "http://admin%40example.com:wrong@127.0.0.1:{}{}".format(PORT, MOUNT)
    _format = formats.XMLFormat
    _singular = "group"
    _plural = "groups"


try:
    Intruder.find()
    check(False, "a wrong password raises")
except connection.UnauthorizedAccess as err:
    check(
        err.response.body in (b"<error>Couldn't authenticate you</error>", "<error>Couldn't authenticate you</error>"),
        "a wrong password raises UnauthorizedAccess with Zendesk's body",
    )

print(
    "OK pyactiveresource: find, create (Location id %d), update, destroy, 422, 404, 401%s"
    % (created_id, " in " + MOUNT if MOUNT else "")
)
