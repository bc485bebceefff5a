"""What the web console costs the server: `chronus play`'s CPU time (user + system, from
/proc/PID/stat) over a measured window with no client, and with the console open in
headless Chromium (tests/support/console_browser.py), streaming levels at 20 Hz and state,
alternating runs. BENCHMARKS.md, "The web console's CPU cost", has the figures.

    /usr/bin/python3 benches/console_cpu.py CHRONUS PATCH [SECONDS] [RUNS]

CHRONUS is the binary (target/release/chronus for what ships), PATCH a patch file."""
import os, re, subprocess, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "support"))
from console_browser import start  # noqa: E402

chronus, patch = sys.argv[1], sys.argv[2]
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    """User + system CPU seconds of `pid` so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def play():
    p = subprocess.Popen([chronus, "play", patch, "--host", "null", "--http", "127.0.0.1:0",
                          "--osc-port", "0", "--status-interval", "3600"],
                         stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        m = re.search(r"HTTP on http://(\S+)", line)
        if m:
            threading.Thread(target=p.stderr.read, daemon=True).start()  # keep the pipe drained
            return p, m.group(1)
    raise SystemExit("no HTTP address from chronus play")


def measure(with_console):
    p, addr = play()
    browser = None
    try:
        if with_console:
            browser = start("chromium")
            browser.open(f"http://{addr}/")
            end = time.time() + 30
            while browser.js("return document.getElementById('conn').textContent") != "connected":
                if time.time() > end:
                    raise SystemExit("the console did not connect")
                time.sleep(0.1)
        time.sleep(3)  # settle: the page's first fetches, the graph drawn
        c0, t0 = cpu(p.pid), time.time()
        time.sleep(seconds)
        c1, t1 = cpu(p.pid), time.time()
        return (c1 - c0) / (t1 - t0)
    finally:
        if browser:
            browser.quit()
        p.terminate()
        p.wait()


rows = []
for run in range(1, runs + 1):
    without, with_ = measure(False), measure(True)
    rows.append((without, with_))
    print(f"run {run}: without {100 * without:.2f} %, with the console {100 * with_:.2f} % of one core",
          flush=True)
mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
print(f"mean: without {100 * mean([r[0] for r in rows]):.2f} %, "
      f"with {100 * mean([r[1] for r in rows]):.2f} %, "
      f"difference {100 * mean([r[1] - r[0] for r in rows]):.2f} % of one core")
