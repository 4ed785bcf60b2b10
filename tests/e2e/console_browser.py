#!/usr/bin/python3
# console_browser.py: drives Debian's headless Chromium over its DevTools
# protocol (python3-websocket; no other driver) through the console at
# /ui, for tests/e2e/console.t. Prints "RESULT <0|1> <description>" lines
# that the .t file turns into TAP, and saves a screenshot per page in
# $ARTIFACTS. Every wait is bounded.
#
# Environment: BASE (http://127.0.0.1:port), ADMIN_TOKEN, TENANT, TENANT_KEY,
# OTHER_CONNECTOR (a connector of another tenant that must never show),
# FAILED_CONNECTOR (an admin connector whose task failed), ARTIFACTS.
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

BASE = os.environ["BASE"]
ART = os.environ["ARTIFACTS"]
OTHER = os.environ["OTHER_CONNECTOR"]
os.makedirs(ART, exist_ok=True)


def result(good, desc):
    print("RESULT %d %s" % (0 if good else 1, desc), flush=True)


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="trib-chromium-")
        self.proc = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             "--user-data-dir=" + self.profile, "--window-size=1200,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        for _ in range(300):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        pages = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=10))
        url = [p for p in pages if p["type"] == "page"][0]["webSocketDebuggerUrl"]
        self.ws = websocket.create_connection(url, timeout=30)
        self.n = 0
        self.problems = []   # exceptions and CSP reports seen in the page
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Log.enable")

    def call(self, method, **params):
        self.n += 1
        my = self.n
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == my:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.event(m)

    def event(self, m):
        meth = m.get("method")
        if meth == "Runtime.exceptionThrown":
            self.problems.append(m["params"]["exceptionDetails"].get("text", "exception"))
        elif meth == "Log.entryAdded":
            e = m["params"]["entry"]
            if e.get("level") == "error" and "favicon" not in e.get("url", ""):
                self.problems.append(e.get("text", ""))

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError("js: %s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, expr, secs=20):
        end = time.time() + secs
        while time.time() < end:
            try:
                if self.js(expr):
                    return True
            except RuntimeError:
                pass
            time.sleep(0.2)
        return False

    def goto(self, url):
        self.call("Page.navigate", url=url)
        self.wait("document.readyState === 'complete'")

    def type_into(self, element_id, text):
        self.js("(() => { const e = document.getElementById(%s); e.focus(); e.value = ''; })()" % json.dumps(element_id))
        self.call("Input.insertText", text=text)

    def click(self, selector):
        return self.js("(() => { const e = document.querySelector(%s); if (!e) return false; e.click(); return true; })()"
                       % json.dumps(selector))

    def shot(self, name):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(os.path.join(ART, name), "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.kill()
            self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


def rest(method, path, token, body=None):
    req = urllib.request.Request(BASE + path, method=method, headers={"Authorization": "Bearer " + token})
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r) if r.status != 204 else None


def text(b):
    return b.js("document.body.innerText")


def main():
    b = Browser()
    tenant, key = os.environ["TENANT"], os.environ["TENANT_KEY"]
    try:
        b.goto(BASE + "/ui")
        result(b.wait("!document.getElementById('login').hidden"), "the console opens on its log-in form")
        b.shot("01-login.png")

        b.type_into("login-tenant", tenant)
        b.type_into("login-key", key)
        b.click("#login-form button[type=submit]")
        ok = b.wait("document.querySelector('tr[data-connector=\"existing\"]') !== null")
        result(ok, "the tenant logs in and sees its connector")
        result(OTHER not in text(b), "another tenant's connector does not appear in the list")
        ok = b.wait("Number((document.querySelector('tr[data-connector=\"existing\"] td:nth-child(5)') || {}).textContent) > 0", 20)
        result(ok, "the tenant sees live rates from its own metrics")
        result(b.js("document.cookie") == "", "no cookie is set")
        b.shot("02-connectors-tenant.png")

        # Validate's rule counters: 100 orders, ids 0..79 pass, 80..99 fail
        b.wait("document.querySelector(\"button[data-action='quality:checked']\") !== null", 20)
        b.click("button[data-action='quality:checked']")
        ok = b.wait("(() => { const r = document.querySelector('#quality-check tr[data-rule=\"id_range\"]'); "
                    "return r && r.cells[4].textContent === '80' && r.cells[5].textContent === '20'; })()", 20)
        result(ok, "the quality view shows rule id_range passed 80, failed 20")
        b.shot("08-quality.png")

        # the same connector's dead letter queue: the 20 failures with their rule headers
        b.click("button[data-action='dlq:checked']")
        ok = b.wait("document.querySelectorAll('#dlq-records tbody tr').length === 20 && "
                    "[...document.querySelectorAll('#dlq-records dd[data-header=\"__validate.rule.id\"]')].every(d => d.textContent === 'id_range')", 30)
        result(ok, "the dead letter view shows the 20 failed records, each with rule id_range: %r"
               % (b.js("(document.getElementById('dlq-summary') || {}).textContent") or ""))
        b.shot("10-dlq.png")

        # a SpoolDir connector's files: upload one through the page and watch it finish
        csv_path = os.environ["UPLOAD_FILE"]
        b.wait("document.querySelector(\"button[data-action='files:csv']\") !== null", 20)
        b.click("button[data-action='files:csv']")
        b.wait("document.getElementById('file-input') !== null")
        root = b.call("DOM.getDocument")["root"]["nodeId"]
        node = b.call("DOM.querySelector", nodeId=root, selector="#file-input")["nodeId"]
        b.call("DOM.setFileInputFiles", files=[csv_path], nodeId=node)
        b.click("#upload-button")
        ok = b.wait("document.getElementById('upload-progress').value === 100 && "
                    "/uploaded/.test(document.getElementById('upload-status').textContent)", 20)
        result(ok, "the upload's progress bar reaches 100%%: %r" % b.js("document.getElementById('upload-status').textContent"))
        name = os.path.basename(csv_path)
        ok = b.wait("(() => { const r = document.querySelector('#files-list tr[data-file=\"%s\"]'); "
                    "return r && r.cells[1].textContent === 'FINISHED' && r.cells[3].textContent === '3'; })()" % name, 40)
        result(ok, "the file's row turns FINISHED with its 3 rows")
        b.shot("09-files.png")

        # create through the form: first without the required topic
        b.click("#nav-create")
        b.wait("document.getElementById('plugin').options.length > 0")
        b.js("(() => { const s = document.getElementById('plugin'); s.value = [...s.options].find(o => o.value.includes('DataGen')).value; s.dispatchEvent(new Event('change')); })()")
        b.wait("document.getElementById('f-topic') !== null")
        b.type_into("cname", "made-in-browser")
        b.click("#create-form button[type=submit]")
        ok = b.wait("document.getElementById('f-topic-err').textContent.length > 0")
        result(ok, "a missing topic is shown inline under its field: %r" % b.js("document.getElementById('f-topic-err').textContent"))
        b.shot("03-create-validation-error.png")
        b.type_into("f-topic", tenant + ".browser")
        b.type_into("f-rate", "5")
        b.type_into("f-value.shape", "string")
        b.click("#create-form button[type=submit]")
        ok = b.wait("document.querySelector('tr[data-connector=\"made-in-browser\"] .state-RUNNING') !== null", 30)
        result(ok, "after fixing it the connector is created and shows RUNNING")
        cfg = rest("GET", "/tenants/%s/connectors/made-in-browser/config" % tenant, key)
        result(cfg.get("topic") == tenant + ".browser" and cfg.get("rate") == "5", "the REST API has the config the form sent")
        b.shot("04-created.png")

        b.click("button[data-action='pause:made-in-browser']")
        ok = b.wait("document.querySelector('tr[data-connector=\"made-in-browser\"] td:nth-child(3) .state-PAUSED') !== null && "
                    "document.querySelector('tr[data-connector=\"made-in-browser\"] td:nth-child(4) .state-PAUSED') !== null", 20)
        st = rest("GET", "/tenants/%s/connectors/made-in-browser/status" % tenant, key)
        result(ok and st["connector"]["state"] == "PAUSED", "pause: the page (connector and task) and the REST API say PAUSED")
        b.shot("05-paused.png")
        b.click("button[data-action='resume:made-in-browser']")
        ok = b.wait("document.querySelector('tr[data-connector=\"made-in-browser\"] td:nth-child(3) .state-RUNNING') !== null", 20)
        st = rest("GET", "/tenants/%s/connectors/made-in-browser/status" % tenant, key)
        result(ok and st["connector"]["state"] == "RUNNING", "resume: RUNNING again")
        result(OTHER not in text(b), "the other tenant's connector never appeared")

        # the administrator: everyone's connectors, live rates, a FAILED task's trace, offsets when STOPPED
        b.click("#logout")
        b.wait("!document.getElementById('login').hidden")
        result(b.js("document.getElementById('detail').textContent === '' && "
                    "document.querySelectorAll('tr[data-connector]').length === 0"),
               "log-out leaves nothing of the tenant's session on the page")
        b.type_into("login-tenant", "")
        b.type_into("login-key", os.environ["ADMIN_TOKEN"])
        b.click("#login-form button[type=submit]")
        ok = b.wait("[...document.querySelectorAll('tr[data-connector]')].some(r => r.dataset.connector === %s)" % json.dumps(OTHER), 20)
        result(ok and ("%s/made-in-browser" % tenant) in text(b), "the admin sees every tenant's connectors")
        ok = b.wait("[...document.querySelectorAll('tr[data-connector] td:nth-child(5)')].some(td => Number(td.textContent) > 0)", 20)
        result(ok, "live rates from /metrics show a moving connector")
        # the admin acts on a tenant's connector: pause, then edit its rate through the form
        full = tenant + "/existing"
        b.click("button[data-action='pause:%s']" % full)
        ok = b.wait("document.querySelector('tr[data-connector=\"%s\"] td:nth-child(3) .state-PAUSED') !== null" % full, 20)
        st = rest("GET", "/tenants/%s/connectors/existing/status" % tenant, key)
        result(ok and st["connector"]["state"] == "PAUSED", "the admin pauses a tenant's connector")
        b.js("[...document.querySelectorAll('tr[data-connector=\"%s\"] button')].find(x => x.textContent === 'edit').click()" % full)
        b.wait("document.getElementById('f-rate') !== null && document.getElementById('f-rate').value === '20'", 20)
        b.type_into("f-rate", "7")
        b.click("#create-form button[type=submit]")
        b.wait("location.hash === '#connectors'", 20)
        cfg = rest("GET", "/tenants/%s/connectors/existing/config" % tenant, key)
        result(cfg.get("rate") == "7", "the admin edits it through the form (rate 20 -> %s)" % cfg.get("rate"))
        b.wait("document.querySelector('tr[data-connector=\"broken\"]') !== null", 20)
        failed = os.environ["FAILED_CONNECTOR"]
        b.js("document.querySelectorAll('details').forEach(d => d.open = true)")
        trace = b.js("(document.querySelector('tr[data-connector=\"%s\"] details pre') || {}).textContent || ''" % failed)
        result("Tolerance exceeded" in trace, "a FAILED task's trace is shown: %r" % trace[:80])
        b.shot("06-admin-failed-trace.png")
        b.click("button[data-action='stop:%s']" % failed)
        b.wait("document.querySelector('tr[data-connector=\"%s\"] td:nth-child(3) .state-STOPPED') !== null" % failed, 20)
        b.js("[...document.querySelectorAll('tr[data-connector=\"%s\"] button')].find(x => x.textContent === 'offsets').click()" % failed)
        ok = b.wait("document.getElementById('offsets') !== null", 20)
        result(ok, "offsets of the STOPPED connector are shown: %r" % (b.js("(document.getElementById('offsets')||{}).textContent") or "")[:80])
        b.shot("07-offsets.png")
        result(not b.problems, "no script error or CSP violation in the page: %r" % b.problems[:3])
    except Exception as e:   # report, never hang
        result(False, "browser session: %s" % e)
    finally:
        b.close()


main()
