#!/usr/bin/env python3
"""Drive deskbridge's Rocket.Chat livechat API with the real rocketchat_API client.

Usage: python rocketchat_departments.py PORT [TENANT]

Logs in with RocketChat(user, password, server_url=...) as the default admin, lists and creates
livechat agents with the package's own livechat calls, enables department removal with
settings_update, then through the client's authenticated session (its requests session and its
X-Auth-Token / X-User-Id headers) creates, updates, lists and deletes a department.
With TENANT, server_url is http://127.0.0.1:PORT/t/TENANT: the package appends /api/v1/... to
server_url, so every call, the login included, goes to that tenant.
Exits 0 when every check passes, 1 on the first failed check, 2 on bad usage.
"""

import sys
import traceback


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
    server = "http://127.0.0.1:%s" % sys.argv[1]
    if len(sys.argv) == 3:
        server += "/t/" + sys.argv[2]

    from rocketchat_API.rocketchat import RocketChat
    import rocketchat_API

    rocket = RocketChat("admin", "admin", server_url=server)
    check_eq(sorted(rocket.headers), ["X-Auth-Token", "X-User-Id"], "headers after login")
    check_eq(rocket.headers["X-User-Id"], "rbAXPnMktTFbNpwtJ", "admin user id")
    print("rocketchat_API", getattr(rocketchat_API, "__version__", "?"), "logged in")

    # Agents: the package's paginated list, then a new user made an agent.
    agents = list(rocket.livechat_get_users("agent"))
    names = sorted(a["username"] for a in agents)
    check_eq(names, ["admin", "agent", "maria"], "agents before")
    created = rocket.users_create("client@example.com", "Client Made", "s3cret", "clientmade")
    check_eq(created["success"], True, "users.create")
    user_id = created["user"]["_id"]
    added = rocket.livechat_create_user("agent", username="clientmade")
    check_eq(added, {"user": {"_id": user_id, "username": "clientmade"}, "success": True}, "agent added")
    shown = rocket.livechat_get_user("agent", user_id)
    check_eq(shown["user"]["username"], "clientmade", "agent shown")
    names = sorted(a["username"] for a in rocket.livechat_get_users("agent"))
    check_eq(names, ["admin", "agent", "clientmade", "maria"], "agents after")

    check_eq(
        rocket.settings_update("Omnichannel_enable_department_removal", True),
        {"success": True},
        "removal enabled",
    )

    # Departments through the authenticated session.
    session = rocket.session
    api = server + "/api/v1/"

    def call(method, path, body=None):
        response = session.request(method, api + path, json=body, headers=rocket.headers)
        check_eq(response.headers.get("Content-Type"), "application/json", "%s %s content type" % (method, path))
        return response.status_code, response.json()

    status, body = call(
        "POST",
        "livechat/department",
        {
            "department": {
                "name": "From the client",
                "enabled": True,
                "showOnOfflineForm": True,
                "showOnRegistration": True,
                "email": "client@example.com",
            },
            "agents": [{"agentId": user_id}],
        },
    )
    check_eq(status, 200, "create status")
    department = body["department"]
    department_id = department["_id"]
    check_eq(len(department_id), 24, "department id length")
    check_eq([a["agentId"] for a in body["agents"]], [user_id], "create agents")

    status, body = call(
        "PUT",
        "livechat/department/" + department_id,
        {
            "department": {
                "name": "Renamed by the client",
                "enabled": False,
                "showOnOfflineForm": True,
                "showOnRegistration": False,
                "email": "client@example.com",
                "description": "updated",
            }
        },
    )
    check_eq(status, 200, "update status")
    check_eq(body["department"]["name"], "Renamed by the client", "updated name")
    check_eq(body["department"]["enabled"], False, "updated enabled")
    check_eq(len(body["agents"]), 1, "agents kept by a PUT")

    status, body = call("GET", "livechat/department?text=Renamed")
    check_eq(status, 200, "list status")
    check_eq([d["_id"] for d in body["departments"]], [department_id], "listed")
    check_eq(body["total"], 1, "list total")

    status, body = call("DELETE", "livechat/department/" + department_id)
    check_eq((status, body), (200, {"success": True}), "delete")
    status, body = call("GET", "livechat/department/" + department_id)
    check_eq(body["department"], None, "gone after delete")

    removed = rocket.livechat_delete_user("agent", user_id)
    check_eq(removed, {"success": True}, "agent removed")
    rocket.users_delete(user_id)
    rocket.logout()
    print("created, updated, listed and deleted department", department_id, "at", server)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CheckFailed as failure:
        print("CHECK FAILED:", failure, file=sys.stderr)
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        sys.exit(1)
