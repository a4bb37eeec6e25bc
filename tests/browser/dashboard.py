#!/usr/bin/env python3
"""The dashboard (GET /_gateway/ui/, docs/dashboard.md) in a real headless Chromium, against a
running gateway started here with an admin token. Run by .ci/run as

    python tests/browser/dashboard.py --binary target/debug/deskbridge --axe PATH/axe.min.js

It checks, in one browser session:
  * the page asks for the admin token and keeps it in sessionStorage only;
  * a fork is created from the page;
  * a change made through the classic XML API (PUT /groups/{id}.xml, HTTP Basic) shows in the
    page within a second;
  * each column of the side-by-side view is byte for byte the facade's own answer, fetched
    directly; hovering a field lights the same field in the other columns; an edit saved through
    the Zopim API shows in every column;
  * the live request journal shows a classic XML PUT with the change it made, and its filters
    narrow it; reconcile of default against the changed fork (and of an uploaded fixture
    document against it) reports the differences;
  * axe-core finds no serious or critical violation, at 1280x800 and at 390x844;
  * the browser logged no Content-Security-Policy violation.
Screenshots at both sizes go to target/dashboard/.
"""

import argparse
import base64
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHOTS = os.path.join(ROOT, "target", "dashboard")
ADMIN_TOKEN = "browser-test-admin-token"
BASIC = "Basic " + base64.b64encode(b"admin@example.com:admin").decode()
ZOPIM = "Bearer deskbridge-admin-token"
SIZES = {"wide": (1280, 800), "narrow": (390, 844)}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

checks = []


def check(name, ok, detail=""):
    checks.append((name, ok))
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail else ""), flush=True)
    if not ok:
        raise SystemExit(f"dashboard check failed: {name} {detail}")


def http(base, method, path, headers=None, body=None, raw=False):
    """(status, headers, body text, or bytes when raw) of one request; never raises on an HTTP
    status."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            content = r.read()
            return r.status, {k.lower(): v for k, v in r.headers.items()}, content if raw else content.decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(binary):
    port = free_port()
    log = open(os.path.join(SHOTS, "gateway.log"), "w")
    proc = subprocess.Popen(
        [binary, "--listen", f"127.0.0.1:{port}", "--admin-token", ADMIN_TOKEN],
        stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if http(base, "GET", "/_gateway/health")[0] == 200:
                return proc, base
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the gateway did not start; see target/dashboard/gateway.log")


def browser(profile):
    options = webdriver.ChromeOptions()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options,
                              service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"))
    driver.set_script_timeout(60)
    return driver


def size(driver, name):
    width, height = SIZES[name]
    # The window's inner size, as a phone or a laptop screen shows the page.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": name == "narrow"})


def shot(driver, name, anchor=None):
    if anchor:
        driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", anchor)
        time.sleep(0.2)
    else:
        driver.execute_script("window.scrollTo(0, 0)")
    path = os.path.join(SHOTS, f"{name}.png")
    driver.save_screenshot(path)
    print(f"     screenshot {os.path.relpath(path, ROOT)}")


def wait(driver, condition, what, timeout=5):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.02).until(lambda d: condition(d))
    except Exception:
        shot(driver, "failure")
        check(what, False, f"not within {timeout}s")


def click(driver, selector):
    """Clicks the element, scrolled to the middle of the window (clear of the sticky header)."""
    element = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def text_of(driver, selector):
    return driver.execute_script(
        "const el = document.querySelector(arguments[0]); return el ? el.textContent : null", selector)


def axe(driver, source, label):
    driver.execute_script(source)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations),"
        " e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
    serious = [v for v in result if v.get("impact") in ("serious", "critical")]
    for v in result:
        print(f"     axe {label}: {v['impact']} {v['id']}: {v['help']} "
              f"({len(v['nodes'])} nodes: {[n['target'] for n in v['nodes'][:3]]})")
    check(f"axe-core at {label}: no serious or critical violation", not serious,
          ", ".join(v["id"] for v in serious))


def run(args):
    os.makedirs(SHOTS, exist_ok=True)
    axe_source = open(args.axe).read()
    proc, base = start_gateway(args.binary)
    profile = tempfile.mkdtemp(prefix="deskbridge-chromium-")
    driver = browser(profile)
    try:
        scenario(driver, base, axe_source)
    finally:
        driver.quit()
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    print(f"dashboard: {len(checks)} checks passed")


def scenario(driver, base, axe_source):
    # The page and its files are open; their answers carry the strict policy.
    status, headers, _ = http(base, "GET", "/_gateway/ui/")
    policy = headers.get("content-security-policy", "")
    check("the page is served with a strict CSP", status == 200 and "script-src 'self'" in policy
          and "unsafe-inline" not in policy and "default-src 'none'" in policy, policy)

    size(driver, "wide")
    driver.get(base + "/_gateway/ui/")
    wait(driver, lambda d: d.find_element(By.ID, "token-form").is_displayed(),
         "the page asks for the admin token")
    shot(driver, "wide-token")
    token = driver.find_element(By.ID, "token-input")
    token.send_keys(ADMIN_TOKEN)
    driver.find_element(By.CSS_SELECTOR, "#token-form button[type=submit]").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#tenant-table tr[data-tenant="default"]'),
         "the tenants load with the token")
    stored = driver.execute_script(
        "return [sessionStorage.getItem('deskbridge.adminToken'), JSON.stringify(localStorage)]")
    check("the token is in sessionStorage only", stored == [ADMIN_TOKEN, "{}"], str(stored))

    # Create a fork from the page.
    driver.find_element(By.ID, "create-name").send_keys("fork1")
    Select(driver.find_element(By.ID, "create-from")).select_by_value("tenant")
    Select(driver.find_element(By.ID, "create-source")).select_by_value("default")
    click(driver, "#create-form button[type=submit]")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#tenant-table tr[data-tenant="fork1"]'),
         "the fork is listed")
    wait(driver, lambda d: text_of(d, "#records-title") == "Data of fork1", "the fork is opened")
    status, _, body = http(base, "GET", "/_gateway/tenants/fork1",
                           {"Authorization": f"Bearer {ADMIN_TOKEN}"})
    check("the gateway has the fork", status == 200 and json.loads(body)["origin"].get("tenant") == "default", body[:80])
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#department-table tr[data-id="2"]'),
         "the fork's departments are shown")
    shot(driver, "wide-tenants")

    # A change through the classic XML API shows within a second.
    status, _, body = http(base, "PUT", "/t/fork1/groups/2.xml",
                           {"Authorization": BASIC, "Content-Type": "application/xml"},
                           "<group><name>Support EU</name></group>")
    check("the classic API takes the PUT", status == 200, f"{status} {body[:80]!r}")
    started = time.monotonic()
    wait(driver, lambda d: "Support EU" in (text_of(d, '#department-table tr[data-id="2"]') or ""),
         "the classic XML change shows within a second", timeout=1.0)
    print(f"     shown after {(time.monotonic() - started) * 1000:.0f} ms")
    check("the classic XML change shows within a second", True)

    # Sorting and searching the tables.
    driver.find_element(By.CSS_SELECTOR, '#department-table button[data-key="name"]').click()
    names = driver.execute_script(
        "return [...document.querySelectorAll('#department-table tbody tr')].map(r => r.cells[2].textContent)")
    check("the departments sort by name", names == sorted(names), str(names))
    search = driver.find_element(By.ID, "records-search")
    search.send_keys("billing")
    rows = driver.find_elements(By.CSS_SELECTOR, "#department-table tbody tr")
    check("the search filters the departments", len(rows) == 1 and "Billing" in rows[0].text)
    search.clear()
    search.send_keys(" ")
    search.clear()
    driver.execute_script("document.querySelector('#records-search').dispatchEvent(new Event('input'))")

    # The side-by-side view of department 2, each column against the facade's own answer.
    Select(driver.find_element(By.ID, "department-select")).select_by_value("2")
    wait(driver, lambda d: "Support EU" in (text_of(d, 'pre[data-body="zopim"]') or ""),
         "the side-by-side view shows department 2")
    compare_columns(driver, base, "the columns are the facades' own answers")
    # Fetching the direct answers logs in to Rocket.Chat (a token issued: a new version), and the
    # page redraws the columns for it: hover only once it has.
    settled(driver, base, "fork1")

    # Hovering a field lights it in every column.
    legend = driver.find_element(By.CSS_SELECTOR, '#field-legend button[data-field="name"]')
    name_span = driver.find_element(By.CSS_SELECTOR, '.column[data-facade="zopim"] .f[data-path="name"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", name_span)
    ActionChains(driver).move_to_element(name_span).perform()
    lit = lambda d: d.execute_script(
        "return [...document.querySelectorAll('.column')].map(c => [c.dataset.facade,"
        " [...c.querySelectorAll('.f.hl')].map(s => s.dataset.path)])")
    wait(driver, lambda d: all(paths for _, paths in lit(d)), "hovering name lights every column")
    check("hovering name lights the name in each column",
          dict(lit(driver)) == {"zopim": ["name"], "rocketchat": ["department.name"],
                                "zendesk": ["group.name"], "support": ["group.name"]}, str(lit(driver)))
    check("the legend marks the field", legend.get_attribute("aria-pressed") == "true")
    # For the picture: the mouse off the bodies, the name field picked by keyboard focus.
    ActionChains(driver).move_to_element(driver.find_element(By.CSS_SELECTOR, ".top h1")).perform()
    driver.execute_script("document.querySelector('#field-legend button[data-field=\"name\"]').focus()")
    shot(driver, "wide-side-by-side", "#views")

    # An edit through the Zopim API shows in every column.
    Select(driver.find_element(By.ID, "edit-field")).select_by_value("name")
    driver.find_element(By.ID, "edit-value").send_keys("Support World")
    driver.find_element(By.ID, "edit-token").send_keys("deskbridge-admin-token")
    driver.find_element(By.CSS_SELECTOR, "#edit-form button[type=submit]").click()
    wait(driver, lambda d: all("Support World" in (text_of(d, f'pre[data-body="{f}"]') or "")
                               for f in ("zopim", "rocketchat", "zendesk", "support")),
         "the edit shows in every column")
    compare_columns(driver, base, "after the edit, the columns are the facades' own answers")

    journal(driver, base)
    reconcile(driver, base)
    tenant_operations(driver, base)

    # Keyboard: the skip link is the first stop, and the panels' controls are reachable.
    driver.refresh()
    wait(driver, lambda d: text_of(d, "#records-title") == "Data of fork1"
         and d.find_elements(By.CSS_SELECTOR, 'pre[data-body="zopim"]'),
         "the page comes back on the fork after a reload (the tenant is kept in sessionStorage)")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    first = driver.execute_script("return document.activeElement.textContent")
    check("the first Tab stop is the skip link", first == "Skip to content", first)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    for _ in range(30):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.execute_script("return document.activeElement.id") == "create-name":
            break
    check("Tab reaches the create form from the skip link",
          driver.execute_script("return document.activeElement.id") == "create-name")
    unlabelled = driver.execute_script(
        "return [...document.querySelectorAll('input, select, button')].filter(e =>"
        " !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())"
        ".map(e => e.outerHTML.slice(0, 80))")
    check("every control is labelled", not unlabelled, str(unlabelled))

    shot(driver, "wide-top")
    # axe sees the journal's entries and a reconcile report too.
    Select(driver.find_element(By.ID, "reconcile-a")).select_by_value("default")
    Select(driver.find_element(By.ID, "reconcile-b")).select_by_value("fork1")
    driver.find_element(By.ID, "reconcile-match-ids").click()
    click(driver, "#reconcile-form button[type=submit]")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#reconcile-report table.diffs"),
         "a reconcile report is shown for axe")
    axe(driver, axe_source, "1280x800")

    size(driver, "narrow")
    driver.refresh()
    wait(driver, lambda d: "<name>" in (text_of(d, 'pre[data-body="zendesk"]') or ""),
         "the narrow page shows the side-by-side view")
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    check("nothing overflows the 390px width", overflow <= 0, f"{overflow}px")
    shot(driver, "narrow-top")
    shot(driver, "narrow-records", "#records")
    shot(driver, "narrow-side-by-side", "#views")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#journal-table tbody tr.wrote"),
         "the narrow page lists the journal")
    shot(driver, "narrow-journal", "#journal")
    Select(driver.find_element(By.ID, "reconcile-a")).select_by_value("default")
    Select(driver.find_element(By.ID, "reconcile-b")).select_by_value("fork1")
    click(driver, "#reconcile-form button[type=submit]")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#reconcile-report .badge"),
         "the narrow page shows a reconcile report")
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    check("with the journal and a report, nothing overflows the 390px width", overflow <= 0, f"{overflow}px")
    shot(driver, "narrow-reconcile", "#reconcile")
    shot(driver, "narrow-reconcile-report", "#reconcile-report")
    axe(driver, axe_source, "390x844")

    violations = [e["message"] for e in driver.get_log("browser")
                  if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]
    check("the browser logged no CSP violation", not violations, str(violations))


def settled(driver, base, tenant):
    """Waits until the page shows the tenant's current version."""
    _, _, body = http(base, "GET", f"/_gateway/tenants/{tenant}", {"Authorization": f"Bearer {ADMIN_TOKEN}"})
    version = str(json.loads(body)["version"])
    wait(driver, lambda d: d.execute_script("return document.body.dataset.version") == version,
         f"the page shows {tenant}'s version {version}")
    time.sleep(0.1)


def tenant_operations(driver, base):
    """Snapshot, restore, reset, create from a snapshot and delete, each from the page."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    zopim_name = lambda d: json.loads(text_of(d, 'pre[data-body="zopim"]') or "{}").get("name")
    driver.execute_script("document.querySelector('#snapshot-form').scrollIntoView()")
    driver.find_element(By.ID, "snapshot-name").send_keys("edited")
    click(driver, "#snapshot-form button[type=submit]")
    wait(driver, lambda d: "edited" in [o.get_attribute("value") for o in
                                        d.find_elements(By.CSS_SELECTOR, "#restore-select option")],
         "the snapshot is offered for restore")
    status, _, body = http(base, "GET", "/_gateway/tenants/fork1/snapshots", admin)
    check("the gateway has the snapshot", [x["name"] for x in json.loads(body)["snapshots"]] == ["edited"], body)

    # Reset goes back to the fork point; restore to the snapshot. The page follows each.
    click(driver, '#tenant-table button[aria-label="Reset fork1"]')
    wait(driver, lambda d: zopim_name(d) == "Support", "a reset shows the fork point's name")
    check("a reset from the page shows the fork point", True)
    Select(driver.find_element(By.ID, "restore-select")).select_by_value("edited")
    click(driver, "#restore-button")
    wait(driver, lambda d: zopim_name(d) == "Support World", "a restore shows the snapshot's name")
    check("a restore from the page shows the snapshot", True)

    # A tenant made from the snapshot, then deleted.
    driver.find_element(By.ID, "create-name").send_keys("fromsnap")
    Select(driver.find_element(By.ID, "create-from")).select_by_value("snapshot")
    Select(driver.find_element(By.ID, "create-source")).select_by_value("fork1")
    wait(driver, lambda d: [o.get_attribute("value") for o in
                            d.find_elements(By.CSS_SELECTOR, "#create-snapshot option")] == ["edited"],
         "the source's snapshots are offered")
    click(driver, "#create-form button[type=submit]")
    wait(driver, lambda d: text_of(d, "#records-title") == "Data of fromsnap" and zopim_name(d) == "Support World",
         "the tenant made from the snapshot opens with the snapshot's data")
    check("a tenant from a snapshot is created from the page", True)
    matrix = driver.execute_script(
        "return [...document.querySelectorAll('#matrix-table tbody tr')].map(r =>"
        " [r.cells[0].textContent, [...r.cells].slice(1).map(c => c.querySelector('.yes') ? 1 : 0)])")
    check("the membership matrix shows the memberships",
          matrix == [["Sales (1)", [1, 1, 0]], ["Support World (2)", [0, 1, 1]], ["Billing EU (3)", [0, 0, 1]]],
          str(matrix))
    click(driver, '#tenant-table button[aria-label="Delete fromsnap"]')
    driver.switch_to.alert.accept()
    wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, '#tenant-table tr[data-tenant="fromsnap"]'),
         "the deleted tenant leaves the list")
    check("a tenant is deleted from the page", http(base, "GET", "/_gateway/tenants/fromsnap", admin)[0] == 404)
    Select(driver.find_element(By.ID, "tenant-select")).select_by_value("fork1")
    wait(driver, lambda d: text_of(d, "#records-title") == "Data of fork1", "the fork is opened again")


def direct_answers(base, tenant, department):
    """Each facade's own answer to a read of `department`, fetched with its vendor's credentials."""
    prefix = f"/t/{tenant}"
    _, _, body = http(base, "POST", f"{prefix}/api/v1/login", {"Content-Type": "application/json"},
                      json.dumps({"user": "admin", "password": "admin"}))
    login = json.loads(body)["data"]
    rc = {"X-Auth-Token": login["authToken"], "X-User-Id": login["userId"]}
    uid = json.loads(http(base, "GET", f"/_gateway/tenants/{tenant}/records",
                          {"Authorization": f"Bearer {ADMIN_TOKEN}"})[2])
    uid = next(d["uid"] for d in uid["departments"] if d["id"] == department)
    return {
        "zopim": http(base, "GET", f"{prefix}/api/v2/chat/departments/{department}", {"Authorization": ZOPIM}),
        "rocketchat": http(base, "GET", f"{prefix}/api/v1/livechat/department/{uid}", rc),
        "zendesk": http(base, "GET", f"{prefix}/groups/{department}.xml", {"Authorization": BASIC}),
        "support": http(base, "GET", f"{prefix}/api/v2/groups/{department}.json", {"Authorization": BASIC}),
    }


def compare_columns(driver, base, what):
    department = int(Select(driver.find_element(By.ID, "department-select")).first_selected_option
                     .get_attribute("value"))
    expected = direct_answers(base, "fork1", department)
    # The page may be a poll behind the direct reads: wait until it shows the same bytes.
    def same(d):
        return all(text_of(d, f'pre[data-body="{facade}"]') == body
                   for facade, (_, _, body) in expected.items())
    wait(driver, same, what, timeout=3)
    for facade, (status, headers, body) in expected.items():
        meta = text_of(driver, f'.column[data-facade="{facade}"] .meta')
        check(f"{what}: {facade} ({len(body)} bytes, {status})",
              meta.startswith(f"{status} \u00b7 {headers.get('content-type')}"), meta)


def journal(driver, base):
    """A classic XML PUT shows in the live journal (the stream route) with its change; the filters
    narrow the table."""
    driver.execute_script("document.querySelector('#journal').scrollIntoView()")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#journal-table tbody tr"),
         "the live journal lists the tenant's earlier requests")
    check("the journal panel has no error note",
          not driver.find_element(By.ID, "journal-note").is_displayed(), text_of(driver, "#journal-note"))
    status, _, body = http(base, "PUT", "/t/fork1/groups/3.xml",
                           {"Authorization": BASIC, "Content-Type": "application/xml"},
                           "<group><name>Billing EU</name></group>")
    check("the classic API takes the second PUT", status == 200, f"{status} {body[:80]!r}")
    # Read in one script: the table is redrawn as entries arrive.
    rows = lambda d: d.execute_script(
        "return [...document.querySelectorAll('#journal-table tbody tr')].map(r =>"
        " [...r.cells].map(c => c.textContent))")
    started = time.monotonic()
    put = lambda d: [r for r in rows(d) if r[3] == "PUT" and r[4] == "/t/fork1/groups/3.xml"]
    wait(driver, put, "the live journal shows the PUT", timeout=3)
    print(f"     in the journal after {(time.monotonic() - started) * 1000:.0f} ms")
    entry = put(driver)[0]
    check("the journal entry is the classic PUT with the change it made",
          entry[2] == "zendesk" and entry[5] == "200"
          and entry[7] == "department 3: name Billing → Billing EU", str(entry))
    everything = len(rows(driver))
    Select(driver.find_element(By.ID, "journal-method")).select_by_visible_text("GET")
    got = rows(driver)
    check("the method filter keeps only GETs", got and all(r[3] == "GET" for r in got)
          and len(got) < everything, str([r[3] for r in got]))
    Select(driver.find_element(By.ID, "journal-method")).select_by_value("")
    driver.find_element(By.ID, "journal-writes").click()
    got = rows(driver)
    # The writes: the three renames, and the two Rocket.Chat logins of direct_answers (a session
    # began), newest first.
    check("'only requests that changed something' keeps the writes, each with its change",
          [(r[4], r[7]) for r in got] == [
              ("/t/fork1/groups/3.xml", "department 3: name Billing \u2192 Billing EU"),
              ("/t/fork1/api/v1/login", "agent 1: a login session began"),
              ("/t/fork1/api/v2/chat/departments/2", "department 2: name Support EU \u2192 Support World"),
              ("/t/fork1/api/v1/login", "agent 1: a login session began"),
              ("/t/fork1/groups/2.xml", "department 2: name Support \u2192 Support EU")],
          str([(r[4], r[7]) for r in got]))
    driver.find_element(By.ID, "journal-changes").send_keys("billing eu")
    got = rows(driver)
    check("the change filter finds the entry by its change", [r[0] for r in got] == [entry[0]],
          str([r[0] for r in got]))
    shot(driver, "wide-journal", "#journal")
    driver.find_element(By.ID, "journal-changes").clear()
    driver.find_element(By.ID, "journal-writes").click()
    wait(driver, lambda d: len(rows(d)) >= everything, "clearing the filters shows every entry again")


def reconcile(driver, base):
    """default against the changed fork, then a fixture document (default's state) uploaded as A."""
    driver.execute_script("document.querySelector('#reconcile').scrollIntoView()")
    Select(driver.find_element(By.ID, "reconcile-a")).select_by_value("default")
    Select(driver.find_element(By.ID, "reconcile-b")).select_by_value("fork1")
    click(driver, "#reconcile-form button[type=submit]")
    wait(driver, lambda d: "Support World" in (text_of(d, "#reconcile-report") or ""),
         "the reconcile report names the renamed department", timeout=5)
    report = lambda d: d.execute_script("""
        const all = (s) => [...document.querySelectorAll(s)].map(e => e.textContent.trim());
        return {badge: all('#reconcile-report .badge'), only_a: all('#reconcile-report .only-a li'),
                only_b: all('#reconcile-report .only-b li'), loss: all('#reconcile-report .loss li'),
                loss_title: all('#reconcile-report .loss h3')}""")
    r = report(driver)
    check("reconcile says the two differ", r["badge"] == ["different"], str(r["badge"]))
    check("the renamed departments are on one side each",
          r["only_a"] == ["department Support (id 2)", "department Billing (id 3)"]
          and r["only_b"] == ["department Support World (id 2)", "department Billing EU (id 3)"], str(r))
    check("the not-compared list stands beside the report (two tenants carry every field)",
          r["loss_title"] == ["Not compared: carried by one side only"] and r["loss"] == [], str(r))
    shot(driver, "wide-reconcile", "#reconcile")

    # Matched by id, the renames are field differences, A's value struck out beside B's.
    driver.find_element(By.ID, "reconcile-match-ids").click()
    click(driver, "#reconcile-form button[type=submit]")
    fields = lambda d: d.execute_script(
        "return [...document.querySelectorAll('#reconcile-report table.diffs tbody tr')].map(r =>"
        " [...r.cells].slice(1).map(c => c.textContent + (c.querySelector('del') ? '|del' : '')"
        " + (c.querySelector('ins') ? '|ins' : '')))")
    wait(driver, fields, "matched by id, the report lists field differences")
    check("matched by id, the renames are field differences with A struck out and B inserted",
          fields(driver) == [["name", "Support|del", "Support World|ins"],
                             ["name", "Billing|del", "Billing EU|ins"]], str(fields(driver)))
    shot(driver, "wide-reconcile-fields", "#reconcile-report")
    driver.find_element(By.ID, "reconcile-match-ids").click()

    # A fixture document for A: default's state, as GET /_gateway/tenants/default/state gives it.
    status, _, body = http(base, "GET", "/_gateway/tenants/default/state",
                           {"Authorization": f"Bearer {ADMIN_TOKEN}"})
    folder = tempfile.mkdtemp(prefix="deskbridge-export-")
    path = os.path.join(folder, "default-state.json")
    with open(path, "w") as f:
        f.write(body)
    driver.find_element(By.ID, "reconcile-a-file").send_keys(path)
    Select(driver.find_element(By.ID, "reconcile-a-format")).select_by_value("canonical")
    click(driver, "#reconcile-form button[type=submit]")
    wait(driver, lambda d: "A: canonical export" in (text_of(d, "#reconcile-report") or ""),
         "the uploaded fixture stands for side A")
    r2 = report(driver)
    check("the uploaded fixture reconciles like the tenant", r2["only_a"] == r["only_a"]
          and r2["only_b"] == r["only_b"] and r2["badge"] == ["different"], str(r2))

    # A Zopim export of default (GET .../export?format=zopim, unpacked) against the fork: the
    # fields Zopim does not carry stand beside the report as not compared.
    status, _, zipped = http(base, "GET", "/_gateway/tenants/default/export?format=zopim",
                             {"Authorization": f"Bearer {ADMIN_TOKEN}"}, raw=True)
    check("the gateway exports default as Zopim", status == 200, str(status))
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        names = [n for n in z.namelist() if not n.endswith("/")]
        z.extractall(folder)
    paths = [os.path.join(folder, n) for n in names]
    click(driver, "#reconcile-form button[type=reset]")
    Select(driver.find_element(By.ID, "reconcile-b")).select_by_value("fork1")
    driver.find_element(By.ID, "reconcile-a-file").send_keys("\n".join(paths))
    Select(driver.find_element(By.ID, "reconcile-a-format")).select_by_value("zopim")
    click(driver, "#reconcile-form button[type=submit]")
    wait(driver, lambda d: "A: zopim export" in (text_of(d, "#reconcile-report") or ""),
         "the uploaded Zopim export stands for side A")
    r3 = report(driver)
    check("a Zopim export against the fork: the same renames, and what only the fork carries beside",
          r3["only_a"] == r["only_a"] and r3["only_b"] == r["only_b"]
          and "department.uid only B carries it" in r3["loss"], str(r3))
    shot(driver, "wide-reconcile-upload", "#reconcile-report")

    # The same export as its zip, sent unopened ({"format": "zopim", "zip": BASE64}).
    zip_path = os.path.join(folder, "default-zopim.zip")
    with open(zip_path, "wb") as f:
        f.write(zipped)
    click(driver, "#reconcile-form button[type=reset]")
    Select(driver.find_element(By.ID, "reconcile-b")).select_by_value("fork1")
    driver.find_element(By.ID, "reconcile-a-file").send_keys(zip_path)
    Select(driver.find_element(By.ID, "reconcile-a-format")).select_by_value("zopim")
    click(driver, "#reconcile-form button[type=submit]")
    wait(driver, lambda d: "A: zopim export" in (text_of(d, "#reconcile-report") or ""),
         "the uploaded zip stands for side A")
    check("the export's zip uploaded as it is gives the same report as its files", report(driver) == r3,
          str(report(driver)))
    click(driver, "#reconcile-form button[type=reset]")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "debug", "deskbridge"))
    parser.add_argument("--axe", required=True, help="axe.min.js from the axe-core npm package")
    run(parser.parse_args())
    sys.exit(0)
