"""Drives headless Chromium (Debian chromium + chromium-driver, python3-selenium) against a
running `chronus play`: URL in argv[1]. Prints one line per check; exits 1 on a failure."""
import json, sys, tempfile, time, urllib.request
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

url = sys.argv[1]
shots = sys.argv[2] if len(sys.argv) > 2 else None
opts = webdriver.ChromeOptions()
for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run",
          "--user-data-dir=" + tempfile.mkdtemp(prefix="chronus-chromium-")]:
    opts.add_argument(a)
opts.binary_location = "/usr/bin/chromium"
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
d.set_window_size(1280, 900)

def wait(cond, what, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if cond():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise SystemExit(f"FAILED: {what}")

def get(path):
    return json.load(urllib.request.urlopen(url + path))

try:
    d.get(url + "/")
    wait(lambda: d.find_element(By.ID, "conn").text == "connected", "page connects")
    patch = get("/api/patch.json")["patch"]
    templates = list(patch.get("instruments", {}).values()) + ([patch["voice"]] if patch.get("voice") else [])
    ids = [m for i in templates for m in i["modules"]] + list(patch.get("modules", {}))
    wait(lambda: all(t in d.find_element(By.ID, "graph").text for t in ids), "graph shows every module")
    print("graph shows", ids)
    wait(lambda: d.find_elements(By.CSS_SELECTOR, "#params input[data-param$='.cutoff']"), "a cutoff control is selected on load")
    ctl = d.find_element(By.CSS_SELECTOR, "#params input[data-param$='.cutoff']")
    mod, _ = ctl.get_attribute("data-param").split(".")
    d.execute_script("arguments[0].value = 100; arguments[0].dispatchEvent(new Event('input'))", ctl)
    def cutoff():
        p = get("/api/patch.json")["patch"]
        ms = dict(p.get("modules", {}))
        for i in list(p.get("instruments", {}).values()) + ([p["voice"]] if p.get("voice") else []):
            ms.update(i["modules"])
        return ms[mod]["params"]["cutoff"]
    wait(lambda: cutoff() < 100, "cutoff moves down")
    print("cutoff now", cutoff())
    if shots:
        d.save_screenshot(shots + "-desktop.png")
        d.set_window_size(390, 844)
        time.sleep(0.5)
        d.save_screenshot(shots + "-phone.png")
    errors = [l for l in d.get_log("browser") if l["level"] == "SEVERE"]
    if errors:
        raise SystemExit(f"FAILED: console errors {errors}")
    print("no console errors")
    print("OK")
finally:
    d.quit()
