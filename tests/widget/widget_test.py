"""The real Rocket.Chat livechat widget, in a real headless Chromium, against the gateway.

A host page on another origin (a small static server on its own port, reached as `localhost`)
embeds the widget with its embed script, pointed at the gateway (reached as `127.0.0.1`). The
test then checks, through the widget's own forms:

1. the registration form offers exactly the departments Rocket.Chat would offer, in its order;
2. a department that loses its agents through the classic XML API is gone after a reload;
3. a visitor registered in a department is found through `GET /api/v1/livechat/visitor/{token}`,
   and is still registered after a reload;
4. with no agent available the widget shows the offline form, and a message sent with it is
   recorded (`GET /_gateway/tenants/default/contacts`);
5. the browser's console has no error, no request the widget made failed, and the widget opened
   its realtime connection (DDP over `/websocket`).

Run by `.ci/run`; by hand: `python3 tests/widget/widget_test.py` with DESKBRIDGE_BIN (the built
gateway) and DESKBRIDGE_LIVECHAT_DIR (the widget's build folder) set. Screenshots go to
target/widget/. Prints `N passed, N failed` last.
"""

import base64
import functools
import http.server
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("DESKBRIDGE_BIN", str(ROOT / "target/debug/deskbridge"))
WIDGET = os.environ["DESKBRIDGE_LIVECHAT_DIR"]
SHOTS = ROOT / "target/widget"
FIXTURES = ROOT / "tests/widget/fixtures.json"
ADMIN = {"X-Auth-Token": "widget-test-admin-session", "X-User-Id": "rbAXPnMktTFbNpwtJ"}
ANA, BO = "Ha7kS4XbQ9mZtCfPe", "Kq3WzYd8NfR2sTgHx"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


GATEWAY_PORT, HOST_PORT = free_port(), free_port()
GATEWAY = "http://127.0.0.1:%d" % GATEWAY_PORT
HOST_PAGE = "http://localhost:%d/host.html" % HOST_PORT

# The embed snippet a Rocket.Chat server shows its admins (Omnichannel > Livechat installation).
HOST_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>A team's site</title><link rel="icon" href="data:,"></head>
<body><h1>A team's own site</h1><p>The chat widget sits in the corner.</p>
<script type="text/javascript">
(function(w, d, s, u) {
    w.RocketChat = function(c) { w.RocketChat._.push(c) }; w.RocketChat._ = []; w.RocketChat.url = u;
    var h = d.getElementsByTagName(s)[0], j = d.createElement(s);
    j.async = true; j.src = '%(gw)s/livechat/rocketchat-livechat.min.js?_=201903270000';
    h.parentNode.insertBefore(j, h);
})(window, document, 'script', '%(gw)s/livechat');
</script>
</body></html>
""" % {"gw": GATEWAY}


def call(method, path, body=None, headers=None, content_type="application/json"):
    """One request to the gateway: (status, parsed JSON body or text)."""
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(GATEWAY + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


class Run:
    def __init__(self):
        self.passed, self.failed = 0, 0

    def check(self, name, fn):
        try:
            fn()
            self.passed += 1
            print("ok   %s" % name, flush=True)
        except Exception:  # noqa: BLE001 - report every failure and go on
            self.failed += 1
            print("FAIL %s" % name, flush=True)
            traceback.print_exc()


def start_gateway(data_dir):
    log = open(SHOTS / "gateway.log", "w")
    process = subprocess.Popen(
        [BIN, "--listen", "127.0.0.1:%d" % GATEWAY_PORT, "--fixtures", str(FIXTURES),
         "--livechat-dir", WIDGET, "--data-dir", data_dir, "--fsync", "never", "--log", "info,deskbridge::http::layer::trace=debug,"
         "deskbridge::facades::rocketchat::livechat::ddp=debug"],
        stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            if call("GET", "/_gateway/health")[0] == 200:
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the gateway did not start; see target/widget/gateway.log")


def start_host_page(folder):
    os.makedirs(folder, exist_ok=True)
    (pathlib.Path(folder) / "host.html").write_text(HOST_HTML)
    handler = functools.partial(QuietHandler, directory=folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", HOST_PORT), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def browser(profile):
    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--window-size=1200,900",
                 # The widget's iframe in the page's own process, so that the browser and
                 # network logs include what the widget logged and requested.
                 "--disable-site-isolation-trials",
                 "--disable-features=IsolateOrigins,site-per-process",
                 "--user-data-dir=" + profile):
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    return webdriver.Chrome(options=options, service=service)


class Widget:
    """The host page with the widget open, and the logs the browser kept."""

    def __init__(self, driver):
        self.driver = driver
        self.console = []
        self.requests = {}  # requestId -> url
        self.failures = []  # (url, status or error)

    def open(self):
        d = self.driver
        d.switch_to.default_content()
        d.get(HOST_PAGE)
        WebDriverWait(d, 20).until(EC.presence_of_element_located((By.ID, "rocketchat-iframe")))
        # The embed API, as a team's page would call it.
        d.execute_script("RocketChat(function() { this.maximizeWidget(); });")
        WebDriverWait(d, 20).until(
            EC.frame_to_be_available_and_switch_to_it((By.ID, "rocketchat-iframe")))

    def wait_for(self, css, timeout=20):
        return WebDriverWait(self.driver, timeout).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def shot(self, name):
        self.driver.switch_to.default_content()
        path = SHOTS / ("%s.png" % name)
        self.driver.save_screenshot(str(path))
        WebDriverWait(self.driver, 5).until(
            EC.frame_to_be_available_and_switch_to_it((By.ID, "rocketchat-iframe")))
        return path

    def iframe_shot(self, name):
        """The widget alone, as the docs show it."""
        self.driver.switch_to.default_content()
        frame = self.driver.find_element(By.ID, "rocketchat-iframe")
        path = SHOTS / ("%s.png" % name)
        path.write_bytes(base64.b64decode(frame.screenshot_as_base64))
        self.driver.switch_to.frame(frame)
        return path

    def department_options(self):
        select = Select(self.wait_for("select[name=department]"))
        return [(o.get_attribute("value"), o.text) for o in select.options
                if o.get_attribute("value")]

    def collect_logs(self):
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE":
                self.console.append(entry["message"])
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent":
                self.requests[params["requestId"]] = params["request"]["url"]
            elif message["method"] == "Network.responseReceived":
                status = params["response"]["status"]
                if status >= 400:
                    self.failures.append((params["response"]["url"], status))
            elif message["method"] == "Network.loadingFailed" and not params.get("canceled"):
                # Only the pages' own requests: Chromium's start-up page fails to resolve here.
                url = self.requests.get(params["requestId"], "")
                if url.startswith((GATEWAY, HOST_PAGE.rsplit("/", 1)[0])):
                    self.failures.append((url, params.get("errorText")))


def main():
    SHOTS.mkdir(parents=True, exist_ok=True)
    run = Run()
    work = tempfile.mkdtemp(prefix="deskbridge-widget-")
    gateway = start_gateway(os.path.join(work, "data"))
    host = driver = None
    try:
        host = start_host_page(os.path.join(work, "site"))
        driver = browser(os.path.join(work, "profile"))
        widget = Widget(driver)
        scenario(run, widget)
        widget.collect_logs()
    finally:
        if driver is not None:
            driver.quit()
        if host is not None:
            host.shutdown()
        gateway.terminate()
        gateway.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    calls = sorted({u.split("?")[0] for u in widget.requests.values() if u.startswith(GATEWAY)})
    (SHOTS / "requests.txt").write_text("\n".join(calls) + "\n")
    print("the widget called:\n  " + "\n  ".join(calls))

    def console_is_clean():
        assert widget.console == [], widget.console

    def no_request_failed():
        assert widget.failures == [], widget.failures

    def realtime_connection_opened():
        # Chromium's network log leaves websockets out; the gateway's request log has them.
        log = (SHOTS / "gateway.log").read_text()
        opened = log.count("path=/websocket}: answered status=101")
        assert opened >= 1, "no websocket upgrade in target/widget/gateway.log"
        # The widget calls this method once DDP's `connect` was answered `connected`.
        set_up = log.count('method="livechat:setUpConnection"')
        assert set_up >= opened, "%d connections, %d set up" % (opened, set_up)

    run.check("the console shows no error", console_is_clean)
    run.check("the widget opened its realtime connection", realtime_connection_opened)
    run.check("no request the widget made failed", no_request_failed)
    print("%d passed, %d failed" % (run.passed, run.failed))
    return 0 if run.failed == 0 else 1


def choose(widget, label):
    """Picks a department, and waits until the form holds it (the form takes a new value from
    its props when they change, so it is checked before going on)."""
    # Typed, as a visitor using the keyboard would: Chromium fires the `input` event the form
    # listens to (a click on an option in headless mode does not).
    widget.wait_for("select[name=department]").send_keys(label)
    WebDriverWait(widget.driver, 5).until(
        lambda d: Select(d.find_element(By.CSS_SELECTOR, "select[name=department]"))
        .first_selected_option.text == label)


def scenario(run, widget):
    names = lambda options: [label for _, label in options]  # noqa: E731
    seen = {}

    def registration_lists_what_rocket_chat_offers():
        widget.open()
        options = widget.department_options()
        # Enabled, shown on registration, with agents: Billing is hidden from registration,
        # Archive is disabled, Empty has no agent. The widget sorts by name.
        assert names(options) == ["Accounts", "Sales", "Support"], options
        assert dict(options)["65a4f0c2e4b0a1b2c3d4e5f1"] == "Sales", options
        widget.iframe_shot("registration")
        widget.shot("host-page-registration")
        widget.collect_logs()

    run.check("the registration form offers Rocket.Chat's departments, in its order",
              registration_lists_what_rocket_chat_offers)

    def a_department_without_agents_is_gone_after_a_reload():
        xml = b'<group><name>Support</name><agents type="array"></agents></group>'
        basic = base64.b64encode(b"admin@example.com:admin").decode()
        status, _ = call("PUT", "/groups/2.xml", xml, {"Authorization": "Basic " + basic},
                         content_type="application/xml")
        assert status == 200, status
        widget.collect_logs()
        widget.open()
        options = widget.department_options()
        assert names(options) == ["Accounts", "Sales"], options
        widget.iframe_shot("registration-after-xml-put")

    run.check("a department that lost its agents through the classic XML API is gone",
              a_department_without_agents_is_gone_after_a_reload)

    def registering_keeps_the_visitor_in_its_department():
        widget.wait_for("input[name=name]").send_keys("Ada Visitor")
        widget.wait_for("input[name=email]").send_keys("Ada@Example.com")
        choose(widget, "Sales")
        widget.iframe_shot("registration-filled")
        widget.wait_for("button[type=submit]").click()
        # The chat screen follows registration: its message composer.
        widget.wait_for("[contenteditable=true]")
        token = widget.driver.execute_script(
            "return JSON.parse(localStorage.getItem('store')).token")
        seen["token"] = token
        status, body = call("GET", "/api/v1/livechat/visitor/" + token)
        assert status == 200, (status, body)
        visitor = body["visitor"]
        assert list(body) == ["visitor", "success"], body
        assert (visitor["token"], visitor["name"], visitor["department"]) == (
            token, "Ada Visitor", "65a4f0c2e4b0a1b2c3d4e5f1"), visitor
        assert visitor["visitorEmails"] == [{"address": "ada@example.com"}], visitor
        assert visitor["username"] == "guest-1", visitor
        widget.iframe_shot("registered")
        # A reload finds the visitor registered (`livechat/config?token=` gives its `guest`):
        # the chat screen again, not the form.
        widget.collect_logs()
        widget.open()
        widget.wait_for("[contenteditable=true]")
        assert widget.driver.find_elements(By.CSS_SELECTOR, "input[name=name]") == []

    run.check("a registered visitor is found through the API, in its department",
              registering_keeps_the_visitor_in_its_department)

    def offline_form_is_recorded():
        # No agent available: Ana goes offline (Bo already is).
        status, body = call("POST", "/api/v1/users.setStatus",
                            {"status": "offline", "userId": ANA}, ADMIN)
        assert status == 200, (status, body)
        # A new visitor: the widget forgets the registered one.
        widget.driver.execute_script("localStorage.clear()")
        widget.collect_logs()
        widget.open()
        widget.wait_for("textarea[name=message]")
        options = widget.department_options()
        # The offline form lists showOnOfflineForm departments that have agents.
        assert names(options) == ["Billing", "Sales"], options
        widget.wait_for("input[name=name]").send_keys("Bea Late")
        widget.wait_for("input[name=email]").send_keys("bea@example.com")
        widget.wait_for("textarea[name=message]").send_keys("Please call me back.")
        choose(widget, "Billing")
        widget.iframe_shot("offline-form")
        widget.wait_for("button[type=submit]").click()
        deadline = time.time() + 10
        while True:
            status, body = call("GET", "/_gateway/tenants/default/contacts")
            if body["offline_messages"] or time.time() > deadline:
                break
            time.sleep(0.2)
        assert status == 200, (status, body)
        [message] = body["offline_messages"]
        assert (message["name"], message["email"], message["message"], message["department"]) == (
            "Bea Late", "bea@example.com", "Please call me back.", 3), message
        # The widget sends its own page's origin, the gateway's.
        assert message["host"] == GATEWAY, message
        time.sleep(0.5)
        widget.iframe_shot("offline-sent")

    run.check("the offline form, with no agent available, is recorded", offline_form_is_recorded)


if __name__ == "__main__":
    sys.exit(main())
