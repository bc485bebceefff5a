"""A second Ableton Link peer that nobody here wrote (the `aalink` package from PyPI),
driven by tests/link/main.rs inside the test's own network namespace (loopback only).

    peer.py session HTTP_PORT OSC_PORT   # one chronus: tempo both ways, start/stop, phase
    peer.py compare HTTP_PORT HTTP_PORT  # two chronus: phase agreement

Prints one JSON object on its last line; exits 1 with a message on a failed wait.
"""

import asyncio
import json
import socket
import struct
import sys
import urllib.request

from aalink import Link

QUANTUM = 4.0
WAIT_S = 15.0


def state(http):
    with urllib.request.urlopen(f"http://127.0.0.1:{http}/api/state", timeout=5) as r:
        return json.load(r)


def osc(port, addr, *floats):
    def pad(b):
        return b + b"\0" * (4 - len(b) % 4)

    msg = pad(addr.encode()) + pad(("," + "f" * len(floats)).encode())
    msg += b"".join(struct.pack(">f", f) for f in floats)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(msg, ("127.0.0.1", port))


def micros(td):
    return td.days * 86_400_000_000 + td.seconds * 1_000_000 + td.microseconds


def phase_ms(phase_a, time_a, phase_b, time_b, tempo):
    """Phase difference (ms) of two (phase, host time) readings, moved to one time."""
    moved = phase_b + (time_a - time_b) / 60e6 * tempo
    beats = (phase_a - moved + QUANTUM / 2) % QUANTUM - QUANTUM / 2
    return beats * 60_000.0 / tempo


async def until(what, cond):
    loop = asyncio.get_running_loop()
    end = loop.time() + WAIT_S
    while True:
        value = cond()
        if value:
            return value
        if loop.time() > end:
            print(f"timed out waiting for {what}", flush=True)
            sys.exit(1)
        await asyncio.sleep(0.002)


async def session(http, osc_port):
    link = Link(120)
    link.quantum = QUANTUM
    link.start_stop_sync_enabled = True
    link.enabled = True
    await until("chronus as a peer", lambda: link.num_peers >= 1)
    out = {"peers_seen_by_peer": link.num_peers}
    await until("chronus's state", lambda: state(http)["link"]["peers"] >= 1)
    # The peer sets 97 BPM: how long (in beats) until chronus's sequencer has it.
    t0 = link.time
    link.tempo = 97.0
    await until("chronus at 97 BPM", lambda: abs(state(http)["tempo"] - 97.0) < 0.01)
    out["follow_beats"] = micros(link.time - t0) / 60e6 * 97.0
    # Chronus sets 128 (OSC): the peer sees it.
    osc(osc_port, "/seq/bpm", 128.0)
    await until("the peer at 128 BPM", lambda: abs(link.tempo - 128.0) < 0.01)
    out["peer_tempo"] = link.tempo
    # Start/stop both ways.
    link.playing = False
    await until("chronus stopped by the peer", lambda: state(http)["playing"] is False)
    osc(osc_port, "/seq/start")
    await until("the peer started by chronus", lambda: link.playing)
    await until("chronus playing", lambda: state(http)["playing"] is True)
    out["start_stop"] = "both ways"
    # Beat phase at the quantum, at the same host time.
    diffs = []
    for _ in range(20):
        s = state(http)["link"]
        t, beat = micros(link.time), link.beat
        diffs.append(phase_ms(s["phase"], s["time_us"], beat % QUANTUM, t, link.tempo))
        await asyncio.sleep(0.05)
    out["phase_ms"] = diffs
    print(json.dumps(out), flush=True)


async def compare(http_a, http_b):
    await until("both chronus joined", lambda: state(http_a)["link"]["peers"] >= 1
                and state(http_b)["link"]["peers"] >= 1)
    diffs = []
    for _ in range(20):
        a, b = state(http_a), state(http_b)
        tempo = a["tempo"]
        diffs.append(phase_ms(a["link"]["phase"], a["link"]["time_us"],
                              b["link"]["phase"], b["link"]["time_us"], tempo))
        await asyncio.sleep(0.05)
    out = {"phase_ms": diffs, "tempos": [a["tempo"], b["tempo"]]}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    mode, x, y = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    asyncio.run(session(x, y) if mode == "session" else compare(x, y))
