"""The web console's checks in a real headless browser (tests/support/console_browser.py)
against a running `chronus play --host null --record`. Used by tests/programs/web_console.rs.

    web_console.py BROWSER URL OSC_PORT CHECKS [SHOTS]

BROWSER is chromium or firefox; CHECKS a comma-separated list of: page (connects, graph,
accessibility, phone viewport, OSC commit shown), sound (keyboard notes, cutoff moves,
patch load switches the sound; prints `MARK name frame` lines for the test to measure the
recording), folder (save under a name, a refused name, a bad patch's error with its
position), mode (the sequencer's mode control), follow (changes made over OSC move the
param control, tempo, swing, density and chaos lock). SHOTS: a path prefix for screenshots.
Prints one line per check and `OK` at the end; exits non-zero on a failure."""
import json, socket, struct, sys, time, urllib.request

from console_browser import start

browser_name, url, osc_port, checks = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split(",")
shots = sys.argv[5] if len(sys.argv) > 5 else None
b = start(browser_name)


def wait(cond, what, timeout=15):
    """Polls `cond` until it is true; fails naming `what` after `timeout` seconds."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            if cond():
                return
        except Exception as e:  # not there yet
            last = e
        time.sleep(0.05)
    raise SystemExit(f"FAILED: {what} (last error: {last})")


def get(path):
    return json.load(urllib.request.urlopen(url + path))


def frame():
    """Frames the player has played (and recorded) so far: its callbacks times 256."""
    text = urllib.request.urlopen(url + "/metrics").read().decode()
    return 256 * int(next(l.split()[1] for l in text.splitlines() if l.startswith("chronus_callbacks_total ")))


def mark(name):
    print("MARK", name, frame(), flush=True)


def osc(address, *args):
    """One OSC message over UDP (strings, ints and floats), as any OSC client sends it."""
    def pad(b):
        return b + b"\0" * (4 - len(b) % 4)
    tag = {str: "s", int: "i", float: "f"}
    tags = "," + "".join(tag[type(a)] for a in args)
    data = pad(address.encode()) + pad(tags.encode())
    for a in args:
        data += {str: lambda: pad(a.encode()), int: lambda: struct.pack(">i", a),
                 float: lambda: struct.pack(">f", a)}[type(a)]()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(data, ("127.0.0.1", osc_port))


def module_ids(patch):
    templates = list(patch.get("instruments", {}).values()) + ([patch["voice"]] if patch.get("voice") else [])
    return [m for t in templates for m in t["modules"]] + list(patch.get("modules", {}))


def param(patch, module, name):
    ms = dict(patch.get("modules", {}))
    for t in list(patch.get("instruments", {}).values()) + ([patch["voice"]] if patch.get("voice") else []):
        ms.update(t["modules"])
    return ms[module].get("params", {}).get(name)


def text(css):
    return b.js("return document.querySelector(arguments[0])?.textContent ?? ''", css)


def graph_has(ids):
    return b.js("const t = document.getElementById('graph').textContent;"
                "return arguments[0].split(',').every((id) => t.includes(id));", ",".join(ids))


# Every control a native input or an element with an ARIA role, each with a label (and a
# value for ARIA widgets) and reachable by the keyboard; `phone` adds: inside the viewport's
# width once scrolled to, and no horizontal overflow of the page.
A11Y = """
const phone = arguments[0] === 'phone', out = [];
const page = document.documentElement;
if (phone && page.scrollWidth > innerWidth + 1) out.push(`page is ${page.scrollWidth}px wide in ${innerWidth}px`);
const els = document.querySelectorAll('input, select, button, textarea, [role]');
const widgets = ['slider', 'spinbutton', 'meter', 'progressbar', 'scrollbar'];
for (const el of els) {
  const role = el.getAttribute('role');
  const native = /INPUT|SELECT|BUTTON|TEXTAREA/.test(el.tagName);
  if (!native && !['slider', 'button', 'spinbutton', 'checkbox', 'switch', 'meter', 'option'].includes(role)) continue;
  const name = (el.getAttribute('aria-label') || [...(el.labels || [])].map((l) => l.textContent).join(' ')
    || (el.tagName === 'BUTTON' || role === 'button' ? el.textContent : '')).trim();
  const what = `${el.tagName.toLowerCase()}#${el.id || ''}[${role || el.type || ''}] "${name}"`;
  if (!name) out.push(`${what}: no label`);
  if (widgets.includes(role) && !el.hasAttribute('aria-valuenow') && !el.hasAttribute('aria-valuetext')) out.push(`${what}: no value`);
  if (role !== 'meter' && (el.tabIndex < 0 || el.disabled)) out.push(`${what}: not reachable by the keyboard`);
  if (phone && !el.closest('#graph')) {
    el.scrollIntoView({block: 'center'});
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) out.push(`${what}: not shown`);
    else if (r.left < -1 || r.right > innerWidth + 1) out.push(`${what}: at x ${r.left}..${r.right}, outside ${innerWidth}px`);
  }
}
scrollTo(0, 0);
return {count: els.length, problems: out};
"""


def accessible(layout):
    r = b.js(A11Y, layout)
    if r["problems"]:
        raise SystemExit(f"FAILED: accessibility ({layout}): " + "; ".join(r["problems"]))
    print(f"accessible ({layout}): {r['count']} controls labelled, valued, reachable")


def check_page():
    patch = get("/api/patch.json")["patch"]
    ids = module_ids(patch)
    wait(lambda: graph_has(ids), "the graph shows every module")
    print("graph shows", ids)
    wait(lambda: b.js("return document.querySelectorAll('#params [data-param]').length") > 0,
         "a module is selected on load")
    accessible("desktop")
    if shots:
        b.screenshot(shots + "-desktop.png")
    b.viewport(390, 844)
    wait(lambda: b.js("return innerWidth") == 390, "the phone viewport applies")
    accessible("phone")
    if shots:
        b.screenshot(shots + "-phone.png")
    b.viewport(1280, 900)
    # A commit over OSC (UDP, as any client) shows in the page: the new module in the SVG.
    before = get("/api/state")["revision"]
    osc("/patch/create", "osc_added", "sine")
    osc("/patch/commit")
    t0 = time.time()
    # The issue asks for "within a second"; polled with 2 s of room on a loaded machine.
    wait(lambda: graph_has(["osc_added"]) and int(b.js("return document.getElementById('graph').dataset.revision")) > before,
         "the OSC commit shows in the graph within 2 s", timeout=2)
    print(f"OSC commit shown in the graph after {time.time() - t0:.2f} s")


def check_sound():
    """Notes from the on-screen and the computer keyboard, the cutoff moved by keyboard
    (Home/End on the focused slider), a patch loaded from the list; `MARK`s bracket each
    (a mark that starts a sound comes just before the action, so the window before it
    holds none of it)."""
    wait(lambda: b.js("return document.querySelector('#params [data-param$=\".cutoff\"]') !== null"),
         "the filter's cutoff control is there on load")
    cutoff = b.js("return document.querySelector('#params [data-param$=\".cutoff\"]').dataset.param")
    module = cutoff.split(".")[0]
    mark("silence")
    time.sleep(1.0)
    # E4 on the on-screen keyboard, held by the pointer.
    mark("onscreen_e4")
    b.hold('#keys [data-note="64"]')
    time.sleep(1.5)
    mark("onscreen_e4_end")
    b.release()
    time.sleep(1.0)
    # C5 from the computer keyboard (K), then held while the cutoff moves.
    b.js("document.activeElement?.blur()")
    mark("computer_c5")
    b.key_down("k")
    time.sleep(2.0)
    mark("cutoff_default")
    b.js("document.querySelector(arguments[0]).focus()", f'[data-param="{cutoff}"]')
    b.key_down("End")
    b.key_up("End")
    wait(lambda: param(get("/api/patch.json")["patch"], module, "cutoff") >= 19999, "cutoff to its maximum")
    shown = text(f'output[for="param-{module}-cutoff"]')
    mark("cutoff_max")
    time.sleep(2.0)
    b.key_down("Home")
    b.key_up("Home")
    wait(lambda: param(get("/api/patch.json")["patch"], module, "cutoff") <= 20.01, "cutoff to its minimum")
    mark("cutoff_min")
    time.sleep(2.5)
    mark("cutoff_min_end")
    b.js("document.activeElement?.blur()")
    b.key_up("k")
    print(f"cutoff moved by the keyboard: the control said {shown!r} at the top, /api/patch.json followed")
    time.sleep(1.5)
    # Loading a patch from the list switches the sound: the test tone plays by itself.
    b.js("const s = document.getElementById('patch-list'); s.value = 'sine-test-tone';"
         "s.dispatchEvent(new Event('change'));")
    b.js("document.getElementById('load').click()")
    wait(lambda: get("/api/state")["patch"] == "sine-test-tone", "the loaded patch runs")
    wait(lambda: text("#patch-name") == "sine-test-tone" and graph_has(["tone", "level"]),
         "the page shows the loaded patch")
    mark("loaded_tone")
    time.sleep(1.5)
    mark("loaded_tone_end")


def check_folder():
    """Saving under a name, a name out of the folder refused, a bad patch's error shown."""
    def save(name):
        b.js("document.getElementById('save-name').value = arguments[0];"
             "document.getElementById('save').click()", name)
    save("saved-from-page")
    wait(lambda: "saved-from-page" in get("/api/patches")["patches"], "the saved patch is in the folder")
    wait(lambda: b.js("return [...document.getElementById('patch-list').options].some((o) => o.value === 'saved-from-page')"),
         "the list shows the saved patch")
    print("saved as saved-from-page: in the folder and the list")
    save("../escaped")
    wait(lambda: "/patch/save" in text("#patch-error"), "the refused name's error is shown")
    print("refused name shown:", text("#patch-error"))
    for bad in ["bad-syntax", "bad-kind", "bad-loop"]:
        b.js("const s = document.getElementById('patch-list'); s.value = arguments[0];"
             "document.getElementById('load').click()", bad)
        wait(lambda: f"{bad}:" in text("#patch-error"), f"{bad}'s error with its position is shown")
        print(f"{bad} error shown:", text("#patch-error"))


def check_mode():
    """The sequencer's mode control sets who decides active/ambient (`/seq/mode`), and a
    change made elsewhere (OSC) moves it."""
    b.js("const s = document.getElementById('seq-policy'); s.value = 'ambient';"
         "s.dispatchEvent(new Event('change'));")
    wait(lambda: get("/api/state")["mode_policy"] == "ambient", "mode_policy ambient after the control moved")
    wait(lambda: get("/api/state")["mode"] == "ambient", "the ambient profile plays")
    wait(lambda: text("#seq-mode") == "ambient", "the page shows ambient")
    osc("/seq/mode", "active")
    wait(lambda: b.js("return document.getElementById('seq-policy').value") == "active",
         "the control follows a change made over OSC")
    wait(lambda: text("#seq-mode") == "active", "the page shows active")
    print("mode control: ambient from the page, active from OSC shown")


def check_follow():
    """Values changed elsewhere (OSC, as any client) move the controls: the selected
    module's cutoff (its slider and its output), the BPM field, swing, density and the
    chaos lock (set first, so that no mutation moves the cutoff meanwhile)."""
    b.js("document.activeElement?.blur()")
    osc("/seq/lock", 1)
    wait(lambda: b.js("return document.getElementById('seq-lock').checked"), "the chaos lock box follows OSC")
    cutoff = b.js("return document.querySelector('#params [data-param$=\".cutoff\"]').dataset.param")
    module, control = cutoff.split(".")[0], f'[data-param="{cutoff}"]'
    before = b.js("return document.querySelector(arguments[0]).value", control)
    osc(f"/mod/{module}/cutoff", 3000.0)
    wait(lambda: param(get("/api/patch.json")["patch"], module, "cutoff") == 3000, "cutoff 3000 over OSC")
    wait(lambda: text(f'output[for="param-{module}-cutoff"]').startswith("3000 ")
         and b.js("return document.querySelector(arguments[0]).value", control) != before,
         "the cutoff control follows /mod over OSC (after overload throttling, if the machine's load started it)",
         timeout=30)
    after = b.js("return document.querySelector(arguments[0]).value", control)
    shown = text(f'output[for="param-{module}-cutoff"]')
    print(f"cutoff control followed /mod/{module}/cutoff 3000: slider {before} -> {after}, shows {shown!r}")
    osc("/seq/drift", 0.0)
    osc("/seq/bpm", 60.0)
    wait(lambda: get("/api/state")["tempo"] == 60, "tempo 60 over OSC")
    wait(lambda: b.js("return document.getElementById('seq-bpm').value") == "60", "the BPM field follows /seq/bpm")
    osc("/seq/swing", 0.5)
    osc("/seq/density", 0.25)
    wait(lambda: float(b.js("return document.getElementById('seq-swing').value")) == 0.5, "swing follows OSC")
    wait(lambda: float(b.js("return document.getElementById('seq-density').value")) == 0.25, "density follows OSC")
    osc("/seq/lock", 0)
    wait(lambda: not b.js("return document.getElementById('seq-lock').checked"), "the chaos lock box follows OSC off")
    print("sequencer controls followed OSC: BPM 60, swing 0.5, density 0.25, chaos lock on and off")


try:
    b.open(url + "/")
    wait(lambda: text("#conn") == "connected", "the page connects")
    print(f"{browser_name}: connected")
    for c in checks:
        {"page": check_page, "sound": check_sound, "folder": check_folder, "mode": check_mode,
         "follow": check_follow}[c]()
    errors = b.errors()
    if errors:
        raise SystemExit(f"FAILED: console errors {errors}")
    print("no console errors")
    print("OK")
finally:
    b.quit()
