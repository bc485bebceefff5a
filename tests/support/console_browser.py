"""Two real headless browsers behind one small interface, for tests/support/web_console.py:
Chromium through WebDriver (Debian chromium + chromium-driver, python3-selenium) and
Firefox ESR through its own WebDriver BiDi remote agent (no geckodriver: a WebSocket client,
python3-websockets, speaking BiDi to `firefox-esr --remote-debugging-port`).

Both offer: open(url), js(body, *args) (a function body run in the page; its return value
comes back through JSON), key_down(k) / key_up(k) (real key events to the focused
element; "Home"/"End" by name), hold(css) / release() (a real pointer pressed on an
element's centre and lifted), viewport(w, h), screenshot(path), errors() (console errors
and uncaught exceptions so far) and quit()."""
import asyncio, base64, json, os, re, shutil, subprocess, tempfile, time

# WebDriver's code points for the named keys the checks press.
KEYS = {"Home": "\ue011", "End": "\ue010"}


def wrap(body):
    """A function declaration returning JSON of `body`'s result."""
    return "function(...a){return JSON.stringify((function(){%s}).apply(null, a) ?? null);}" % body


class Chromium:
    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        opts = webdriver.ChromeOptions()
        self.profile = tempfile.mkdtemp(prefix="chronus-chromium-")
        for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--user-data-dir=" + self.profile]:
            opts.add_argument(a)
        opts.binary_location = "/usr/bin/chromium"
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.d.set_window_size(1280, 900)
        self.logged = []

    def open(self, url):
        self.d.get(url)

    def js(self, body, *args):
        return json.loads(self.d.execute_script("return (%s).apply(null, arguments)" % wrap(body), *args))

    def _actions(self):
        from selenium.webdriver.common.action_chains import ActionChains
        return ActionChains(self.d)

    def key_down(self, k):
        self._actions().key_down(KEYS.get(k, k)).perform()

    def key_up(self, k):
        self._actions().key_up(KEYS.get(k, k)).perform()

    def hold(self, css):
        from selenium.webdriver.common.by import By
        self._actions().click_and_hold(self.d.find_element(By.CSS_SELECTOR, css)).perform()

    def release(self):
        self._actions().release().perform()

    def viewport(self, w, h):
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 600})

    def screenshot(self, path):
        self.d.save_screenshot(path)

    def errors(self):
        self.logged += self.d.get_log("browser")
        return [l["message"] for l in self.logged if l["level"] == "SEVERE"]

    def quit(self):
        self.d.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


# Firefox prefs for a quiet test profile: no network of its own, no first-run pages.
FIREFOX_PREFS = {
    "app.update.disabledForTesting": True,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "messaging-system.rsexperimentloader.enabled": False,
    "services.settings.server": "data:,",
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "extensions.update.enabled": False,
}


class Firefox:
    """Firefox ESR driven over WebDriver BiDi (https://w3c.github.io/webdriver-bidi/)."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="chronus-firefox-")
        with open(os.path.join(self.profile, "user.js"), "w") as f:
            for k, v in FIREFOX_PREFS.items():
                f.write("user_pref(%s, %s);\n" % (json.dumps(k), json.dumps(v)))
        self.log = open(os.path.join(self.profile, "stderr.log"), "w+")
        self.proc = subprocess.Popen(
            ["/usr/bin/firefox-esr", "--headless", "--no-remote", "--remote-debugging-port=0",
             "--profile", self.profile, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        self.loop = asyncio.new_event_loop()
        self.next_id = 0
        self.entries = []
        self.pressed = None
        self.ws = self.loop.run_until_complete(self._connect(self._endpoint()))
        self.call("session.new", {"capabilities": {}})
        self.call("session.subscribe", {"events": ["log.entryAdded"]})
        tree = self.call("browsingContext.getTree", {})
        self.context = tree["contexts"][0]["context"]
        self.viewport(1280, 900)

    def _endpoint(self):
        end = time.time() + 60
        while time.time() < end:
            self.log.seek(0)
            m = re.search(r"WebDriver BiDi listening on (ws://\S+)", self.log.read())
            if m:
                return m.group(1) + "/session"
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.log.seek(0)
        raise SystemExit("FAILED: Firefox's remote agent did not start:\n" + self.log.read())

    async def _connect(self, url):
        import websockets
        return await websockets.connect(url, max_size=None)

    async def _call(self, method, params):
        self.next_id += 1
        me = self.next_id
        await self.ws.send(json.dumps({"id": me, "method": method, "params": params}))
        while True:
            m = json.loads(await asyncio.wait_for(self.ws.recv(), 60))
            if m.get("id") == me:
                if m.get("type") == "error":
                    raise RuntimeError(f"{method}: {m.get('error')}: {m.get('message')}")
                return m["result"]
            if m.get("method") == "log.entryAdded":
                self.entries.append(m["params"])

    def call(self, method, params):
        return self.loop.run_until_complete(self._call(method, params))

    def open(self, url):
        self.call("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def js(self, body, *args):
        r = self.call("script.callFunction", {
            "functionDeclaration": wrap(body), "awaitPromise": True,
            "arguments": [{"type": "number" if isinstance(a, (int, float)) else "string", "value": a}
                          for a in args],
            "target": {"context": self.context}})
        if r["type"] == "exception":
            raise RuntimeError("script error: " + json.dumps(r["exceptionDetails"])[:500])
        return json.loads(r["result"]["value"])

    def _act(self, source):
        self.call("input.performActions", {"context": self.context, "actions": [source]})

    def key_down(self, k):
        self._act({"type": "key", "id": "keyboard", "actions": [{"type": "keyDown", "value": KEYS.get(k, k)}]})

    def key_up(self, k):
        self._act({"type": "key", "id": "keyboard", "actions": [{"type": "keyUp", "value": KEYS.get(k, k)}]})

    def hold(self, css):
        x, y = self.js("const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                       "return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];", css)
        self._act({"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": [
            {"type": "pointerMove", "x": x, "y": y, "origin": "viewport"},
            {"type": "pointerDown", "button": 0}]})

    def release(self):
        self._act({"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
                   "actions": [{"type": "pointerUp", "button": 0}]})

    def viewport(self, w, h):
        self.call("browsingContext.setViewport", {"context": self.context, "viewport": {"width": w, "height": h}})

    def screenshot(self, path):
        data = self.call("browsingContext.captureScreenshot", {"context": self.context})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def errors(self):
        self.js("return 0")  # drains the events that arrived meanwhile
        return [f"{e.get('type')}: {e.get('text')}" for e in self.entries if e.get("level") == "error"]

    def quit(self):
        try:
            self.call("session.end", {})
        except Exception:
            pass
        try:
            self.loop.run_until_complete(self.ws.close())
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def start(name):
    return {"chromium": Chromium, "firefox": Firefox}[name]()
