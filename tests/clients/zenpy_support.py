#!/usr/bin/env python3
"""Drive deskbridge's Zendesk Support API (groups, group memberships, users, job statuses)
with the real zenpy client.

Usage: python zenpy_support.py PORT [TENANT]

Points zenpy at http://127.0.0.1:PORT through ZENPY_FORCE_NETLOC / ZENPY_FORCE_SCHEME and signs
in with HTTP Basic `email/token:API_TOKEN` (Zenpy(email=, token=)). With TENANT, every request
names that tenant with the X-Deskbridge-Tenant header.
Then: creates a group, adds a membership, makes it the user's default, lists memberships by
user and by group, creates and deletes memberships in bulk and reads the job status back, pages
through 150 more groups both ways (offset and cursor), deletes what it made, checks that an
unknown id raises RecordNotFoundException, sets Maria's password with users.set_password and signs
in as her with it (HTTP Basic `email:password`, Zenpy(email=, password=)). Exits 0 when every check passes, 1 on the first
failed check (with the requests made so far), 2 on bad usage.
"""

import os
import sys
import traceback

ADMIN_EMAIL = "admin@example.com"
ADMIN_API_TOKEN = "deskbridge-admin-api-token"
MARIA_EMAIL = "maria@example.com"
EXTRA_GROUPS = 150


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

    os.environ["ZENPY_FORCE_NETLOC"] = "127.0.0.1:%s" % port
    os.environ["ZENPY_FORCE_SCHEME"] = "http"
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(
        p for p in ("127.0.0.1", "localhost", no_proxy) if p
    )

    import zenpy
    from zenpy import Zenpy

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
                " | request body " + body[:300] if body else "",
                " | response body " + response.text[:300] if response.text else "",
            )
        )
        return response

    def client(**credentials):
        made = Zenpy(subdomain="example", **credentials)
        made.disable_caching()
        session = made.groups.session
        session.hooks["response"].append(record)
        if tenant is not None:
            # The tenant by header (docs/tenants.md): the lists' absolute links need no rewriting.
            session.headers["X-Deskbridge-Tenant"] = tenant
        return made

    zc = client(email=ADMIN_EMAIL, token=ADMIN_API_TOKEN)

    try:
        count = run(zc, log, client)
    except Exception as e:  # noqa: BLE001 - any failure is reported with the traffic so far
        print("FAILED with zenpy %s: %s: %s" % (version, type(e).__name__, e), file=sys.stderr)
        if not isinstance(e, CheckFailed):
            traceback.print_exc()
        print("requests made:", file=sys.stderr)
        for line in log[-40:]:
            print("  " + line, file=sys.stderr)
        return 1

    print(
        ("in tenant %s: " % tenant if tenant else "") + "OK: zenpy %s support: group, membership, make_default, by user, by group, bulk job, "
        "%d groups offset and cursor, delete, RecordNotFound, set_password and sign-in (%d requests)"
        % (version, count, len(log))
    )
    return 0


def run(zc, log, client):
    from zenpy.lib.api_objects import Group, GroupMembership, JobStatus
    from zenpy.lib.exception import APIException, RecordNotFoundException

    pid = os.getpid()

    # --- who am I, and the user the test works with ------------------------------------------
    me = zc.users.me()
    check_eq(me.email, ADMIN_EMAIL, "users.me: email")
    check_eq(me.role, "admin", "users.me: role")
    sam = zc.users(id=2)
    check_eq(sam.role, "agent", "users(id=2): role")
    sam_default = sam.default_group_id
    check(isinstance(sam_default, int), "users(id=2): default_group_id %r" % (sam_default,))

    # --- a group, and a membership in it -------------------------------------------------------
    group = zc.groups.create(Group(name="Zenpy %d" % pid, description="made by zenpy"))
    check(isinstance(group, Group), "groups.create returned %r" % (group,))
    check_eq(group.name, "Zenpy %d" % pid, "group: name")
    check_eq(group.deleted, False, "group: deleted")
    membership = zc.group_memberships.create(GroupMembership(user_id=2, group_id=group.id))
    check(isinstance(membership, GroupMembership), "group_memberships.create returned %r" % (membership,))
    check_eq((membership.user_id, membership.group_id), (2, group.id), "membership: user and group")
    check_eq(membership.default, False, "membership: default before make_default")

    # --- make it Sam's default -------------------------------------------------------------------
    made = zc.group_memberships.make_default(2, membership.id)
    defaults = [m for m in made if m.default]
    check_eq([m.id for m in defaults], [membership.id], "make_default: the default in the answer")
    check_eq(zc.users(id=2).default_group_id, group.id, "users(id=2): default_group_id after")

    # --- memberships by user and by group --------------------------------------------------------
    by_user = list(zc.users.group_memberships(2))
    check(membership.id in [m.id for m in by_user], "by user: the new membership is listed")
    check_eq([m.id for m in by_user if m.default], [membership.id], "by user: one default")
    by_group = list(zc.groups.memberships(group.id))
    check_eq([(m.id, m.user_id) for m in by_group], [(membership.id, 2)], "by group")

    # --- bulk: create_many and destroy_many answer job statuses ----------------------------------
    job = zc.group_memberships.create(
        [GroupMembership(user_id=1, group_id=group.id), GroupMembership(user_id=3, group_id=group.id)]
    )
    check(isinstance(job, JobStatus), "create_many returned %r" % (job,))
    check_eq(job.status, "completed", "create_many: status")
    check_eq(job.total, 2, "create_many: total")
    made_ids = [r.id for r in job.results]
    check(all(isinstance(i, int) for i in made_ids), "create_many: result ids %r" % (made_ids,))
    again = zc.job_status(id=job.id)
    check_eq(again.id, job.id, "job_status: id")
    check_eq(again.status, "completed", "job_status: status")
    check_eq(len(list(zc.groups.memberships(group.id))), 3, "by group after create_many")
    gone = zc.group_memberships.delete([GroupMembership(id=i) for i in made_ids])
    check(isinstance(gone, JobStatus), "destroy_many returned %r" % (gone,))
    check_eq([r.success for r in gone.results], [True, True], "destroy_many: results")

    # --- 150 more groups, paged both ways --------------------------------------------------------
    made_groups = [
        zc.groups.create(Group(name="Zenpy %d page %03d" % (pid, n))) for n in range(EXTRA_GROUPS)
    ]
    expected = sorted(g.id for g in made_groups)
    offset_ids = [g.id for g in zc.groups(cursor_pagination=False)]
    cursor_ids = [g.id for g in zc.groups(cursor_pagination=True)]
    small_pages = [g.id for g in zc.groups(cursor_pagination=40)]
    for name, ids in (("offset", offset_ids), ("cursor", cursor_ids), ("cursor of 40", small_pages)):
        check_eq(ids, sorted(ids), "%s: id order" % name)
        check_eq(len(ids), len(set(ids)), "%s: no repeats" % name)
        check(set(expected) <= set(ids), "%s: missing some of the 150 groups" % name)
    check_eq(offset_ids, cursor_ids, "offset and cursor give the same groups")
    pages = sum(1 for line in log if "GET /api/v2/groups" in line and "page" in line)
    check(pages >= 4, "paging: only %d paged requests" % pages)

    # --- delete what was made ---------------------------------------------------------------------
    response = zc.group_memberships.delete(membership)
    check_eq(getattr(response, "status_code", None), 204, "membership delete: status")
    for g in made_groups + [group]:
        zc.groups.delete(g)
    remaining = {g.id for g in zc.groups()}
    check(not (set(expected) | {group.id}) & remaining, "deleted groups are still listed")
    check_eq(zc.users(id=2).default_group_id, sam_default, "Sam's default after the delete")

    # --- an unknown id is RecordNotFound ----------------------------------------------------------
    for what, lookup in (
        ("group", lambda: zc.groups(id=987654321)),
        ("membership", lambda: zc.group_memberships(id=987654321)),
        ("user", lambda: zc.users(id=987654321)),
    ):
        try:
            ghost = lookup()
        except RecordNotFoundException:
            pass
        else:
            raise CheckFailed("unknown %s returned %r instead of raising" % (what, ghost))

    # --- an administrator sets Maria's password; she signs in with it ----------------------------
    password = "zenpy-pass-%d" % pid
    answer = zc.users.set_password(3, password)
    check_eq(getattr(answer, "status_code", None), 200, "set_password: status")
    check_eq(answer.text, "", "set_password: body")
    maria = client(email=MARIA_EMAIL, password=password)
    me = maria.users.me()
    check_eq((me.id, me.email, me.role), (3, MARIA_EMAIL, "agent"), "users.me as Maria")
    try:
        client(email=MARIA_EMAIL, password=password + "-wrong").users.me()
    except APIException as e:
        check_eq(e.response.status_code, 401, "a wrong password: status")
    else:
        raise CheckFailed("a wrong password signed in")
    return EXTRA_GROUPS


if __name__ == "__main__":
    sys.exit(main())
