#!/usr/bin/env python3
"""N mutated patch files through `chronus check` and `/patch/load` (issue 14's proof).

Mutates the shipped patches (patches/**/*.ron): byte flips, token swaps, truncations,
numeric extremes, deleted/duplicated lines and spans, swapped identifiers, non-UTF-8 and
control bytes. Then:

1. `chronus check FILE` for each: the exit status is 0 (valid) or 1 (refused), never a
   signal or Rust's panic status 101; stdout is `FILE: ok` when 0; every stderr line
   starts with `FILE:` (one refusal per line, placed in the file: `FILE:line:col: ...`, or
   `FILE: ...` for errors without a position such as unreadable UTF-8), and a refusal
   has at least one line.
2. `chronus play --host null` with the mutated files as its patch folder; each gets
   `/patch/load NAME` over OSC and must answer `/patch/committed i` or one `/error s s`
   whose message is one line; afterwards `/status` still answers and the player is
   still running.

    python3 fuzz/mutate_patches.py --count 10000 --chronus target/debug/chronus

Exits 0 when every file passes, 1 with the failures listed (and their files kept in
--out). Deterministic for a given --seed.
"""

import argparse
import os
import pathlib
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parent.parent

EXTREMES = [
    "0", "-0", "1e308", "-1e308", "1e309", "NaN", "inf", "-inf", "4294967296",
    "18446744073709551616", "-9223372036854775809", "0.000000000000000000001", "255", "256",
    "-1", "65536", "1e-320", "0x7fffffff", "99999999999999999999999999", "1_000", "1.", ".5",
    "2147483648", "-2147483649", "1e38", "3.5e38", "false", "true", '""', "()", "[]", "{}",
]
TOKENS = ["(", ")", "[", "]", "{", "}", ",", ":", '"', "'", "//", "/*", "*/", "Some(", "None",
          "\\", "\\u{0}", "r#\"", "#", ".", "..", "\n", "\t", "\x00", "\u00e9", "\U0001F3B9"]
NUMBER = re.compile(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?")
STRING = re.compile(rb'"[^"\n]*"')


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four mutations of `data`."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not b:
            b = bytearray(rng.choice(TOKENS).encode())
            continue
        op = rng.randrange(11)
        i = rng.randrange(len(b))
        if op == 0:  # flip a bit
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # a random byte (control, non-ASCII, invalid UTF-8)
            b[i] = rng.randrange(256)
        elif op == 2:  # truncate
            b = b[: rng.randrange(len(b))]
        elif op == 3:  # delete a span
            j = min(len(b), i + rng.randint(1, 40))
            del b[i:j]
        elif op == 4:  # duplicate a span
            j = min(len(b), i + rng.randint(1, 80))
            b[i:i] = b[i:j]
        elif op == 5:  # insert a token
            b[i:i] = rng.choice(TOKENS).encode()
        elif op in (6, 7):  # a number becomes an extreme
            nums = list(NUMBER.finditer(bytes(b)))
            if nums:
                m = rng.choice(nums)
                b[m.start() : m.end()] = rng.choice(EXTREMES).encode()
        elif op == 8:  # swap two quoted strings (ids, kinds, ports, params)
            strs = list(STRING.finditer(bytes(b)))
            if len(strs) >= 2:
                m1, m2 = sorted(rng.sample(strs, 2), key=lambda m: m.start())
                s1, s2 = bytes(b[m1.start() : m1.end()]), bytes(b[m2.start() : m2.end()])
                if m1.end() <= m2.start():
                    b[m2.start() : m2.end()] = s1
                    b[m1.start() : m1.end()] = s2
        elif op == 9:  # delete or duplicate a whole line
            lines = bytes(b).split(b"\n")
            k = rng.randrange(len(lines))
            if rng.random() < 0.5:
                del lines[k]
            else:
                lines.insert(k, lines[k])
            b = bytearray(b"\n".join(lines))
        else:  # a quoted string gets a neighbour's text or an odd one
            strs = list(STRING.finditer(bytes(b)))
            if strs:
                m = rng.choice(strs)
                odd = rng.choice(['""', '"output"', '"voices"', '"note"', '"a.b.c"', '"\\n"',
                                  '"x" "y"', '"\u00e9\u00e9"', '"' + "a" * 300 + '"',
                                  '"saw"', '"out"', '"in"', '"freq"', '"output.left"'])
                b[m.start() : m.end()] = odd.encode()
    return bytes(b)


def generate(count: int, seed: int, out: pathlib.Path) -> list:
    rng = random.Random(seed)
    sources = sorted((ROOT / "patches").glob("**/*.ron"))
    texts = [p.read_bytes() for p in sources]
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for n in range(count):
        src = rng.randrange(len(texts))
        path = out / f"m{n:05d}-{sources[src].stem}.ron"
        path.write_bytes(mutate(texts[src], rng))
        files.append(path)
    return files


def check_one(chronus: str, path: pathlib.Path) -> tuple:
    """(path, None) when `chronus check path` behaved, else (path, why)."""
    p = subprocess.run([chronus, "check", str(path)], capture_output=True, timeout=60)
    name = str(path)
    err = p.stderr.decode("utf-8", "replace")
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode < 0:
        return path, f"killed by signal {-p.returncode}: {err[-500:]}"
    if p.returncode not in (0, 1):
        return path, f"exit status {p.returncode}: {err[-500:]}"
    for line in err.splitlines():
        if not line.startswith(name + ":") or len(line) <= len(name) + 1:
            return path, f"a stderr line not placed in the file: {line!r}"
    if p.returncode == 0 and out.strip() != f"{name}: ok":
        return path, f"exit 0 without `ok`: {out!r}"
    if p.returncode == 1 and not err.strip():
        return path, "exit 1 with nothing on stderr"
    return path, ("ok" if p.returncode == 0 else "refused")


def osc_message(addr: str, *args) -> bytes:
    def pad(s: bytes) -> bytes:
        return s + b"\0" * (4 - len(s) % 4)

    tags, data = ",", b""
    for a in args:
        if isinstance(a, int):
            tags, data = tags + "i", data + struct.pack(">i", a)
        else:
            tags, data = tags + "s", data + pad(a.encode())
    return pad(addr.encode()) + pad(tags.encode()) + data


def osc_decode(data: bytes):
    """(address, [args]) of a message with i/f/s arguments."""

    def string(pos):
        end = data.index(b"\0", pos)
        s = data[pos:end].decode("utf-8", "replace")
        return s, (end + 4) & ~3

    addr, pos = string(0)
    tags, pos = string(pos)
    args = []
    for t in tags[1:]:
        if t == "i":
            args.append(struct.unpack(">i", data[pos : pos + 4])[0])
            pos += 4
        elif t == "f":
            args.append(struct.unpack(">f", data[pos : pos + 4])[0])
            pos += 4
        elif t == "s":
            s, pos = string(pos)
            args.append(s)
    return addr, args


def free_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def load_all(chronus: str, folder: pathlib.Path, files: list, verdicts: dict) -> tuple:
    """Sends /patch/load for every file to one `chronus play --host null`. A load refused
    because the engine is still fading earlier graphs out ("wait for swaps to finish", the
    back-pressure of loading faster than crossfades end) is retried; then a file must be
    committed exactly when `chronus check` found it valid (`verdicts`)."""
    port = free_port()
    log = open(folder.parent / "play.log", "wb")
    player = subprocess.Popen(
        [chronus, "play", "--host", "null", "--quiet", "--osc-port", str(port),
         "--patch-dir", str(folder), str(ROOT / "patches" / "sine-test-tone.ron")],
        stdout=log, stderr=subprocess.STDOUT)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10.0)
    target = ("127.0.0.1", port)
    failures, committed, refused, retries = [], 0, 0, 0

    def ask(packet: bytes):
        sock.sendto(packet, target)
        data, _ = sock.recvfrom(65_536)
        return osc_decode(data)

    # Wait for the server.
    for _ in range(200):
        try:
            sock.settimeout(0.1)
            if ask(osc_message("/status"))[0] == "/status.reply":
                break
        except (socket.timeout, ConnectionRefusedError):
            time.sleep(0.05)
    else:
        player.kill()
        return [("player", "the OSC server never answered /status")], 0, 0
    sock.settimeout(10.0)
    for path in files:
        try:
            for _ in range(100):
                addr, args = ask(osc_message("/patch/load", path.name))
                if not (addr == "/error" and len(args) == 2
                        and "wait for swaps to finish" in str(args[1])):
                    break
                retries += 1
                time.sleep(0.05)
        except socket.timeout:
            failures.append((path, "no answer to /patch/load within 10 s"))
            if player.poll() is not None:
                failures.append(("player", f"exited with {player.returncode}"))
                break
            continue
        if verdicts.get(path) != ("ok" if addr == "/patch/committed" else "refused"):
            failures.append((path, f"`chronus check` said {verdicts.get(path)}, "
                                   f"/patch/load answered {addr} {args!r}"))
        if addr == "/patch/committed" and len(args) == 1 and isinstance(args[0], int):
            committed += 1
        elif (addr == "/error" and len(args) == 2 and args[0] == "/patch/load"
              and isinstance(args[1], str) and args[1] and "\n" not in args[1]):
            refused += 1
        else:
            failures.append((path, f"answer {addr} {args!r}"))
    try:
        sock.settimeout(2.0)
        addr, _ = ask(osc_message("/status"))
        if addr != "/status.reply":
            failures.append(("player", f"/status answered {addr}"))
    except socket.timeout:
        failures.append(("player", "/status unanswered after the loads"))
    if player.poll() is not None:
        failures.append(("player", f"exited with {player.returncode} during the loads"))
    player.send_signal(signal.SIGTERM)
    try:
        status = player.wait(timeout=10)
        if status != 0:
            failures.append(("player", f"exit status {status} after SIGTERM"))
    except subprocess.TimeoutExpired:
        player.kill()
        failures.append(("player", "did not stop on SIGTERM"))
    print(f"/patch/load: {retries} retries of loads refused while earlier graphs faded out")
    return failures, committed, refused


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--chronus", default=str(ROOT / "target" / "debug" / "chronus"))
    ap.add_argument("--out", help="folder for the mutated files (default: a temp folder, "
                    "removed when everything passes)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-osc", action="store_true", help="only `chronus check`")
    a = ap.parse_args()

    work = pathlib.Path(a.out) if a.out else pathlib.Path(tempfile.mkdtemp(prefix="chronus-mut-"))
    folder = work / "patches"
    if folder.exists():
        shutil.rmtree(folder)
    t0 = time.time()
    files = generate(a.count, a.seed, folder)
    print(f"{len(files)} mutated patches in {folder} ({time.time() - t0:.1f} s)")

    t0 = time.time()
    with ThreadPoolExecutor(max_workers=a.jobs) as pool:
        results = list(pool.map(lambda f: check_one(a.chronus, f), files))
    failures = [(p, why) for p, why in results if why not in ("ok", "refused")]
    ok = sum(1 for _, why in results if why == "ok")
    refused = sum(1 for _, why in results if why == "refused")
    print(f"chronus check: {ok} valid, {refused} refused (one line each), "
          f"{len(failures)} failures, {time.time() - t0:.1f} s")

    if not a.no_osc:
        t0 = time.time()
        verdicts = dict(results)
        osc_failures, committed, osc_refused = load_all(a.chronus, folder, files, verdicts)
        print(f"/patch/load: {committed} committed, {osc_refused} refused with a one-line "
              f"/error, {len(osc_failures)} failures, {time.time() - t0:.1f} s")
        failures += osc_failures

    for path, why in failures[:50]:
        print(f"FAIL {path}: {why}")
    if failures:
        print(f"{len(failures)} failures; the files are in {folder}")
        return 1
    if not a.out:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
