"""A second Ableton Link peer that nobody here wrote (the `aalink` package from PyPI),
driven by tests/link/main.rs inside the test's own network namespace (loopback only).

    peer.py session HTTP_PORT OSC_PORT   # one chronus: tempo both ways, start/stop, phase,
                                         # the OSC answers (/seq/state, /status)
    peer.py compare HTTP_PORT HTTP_PORT  # two chronus: phase agreement
    peer.py heard HTTP_PORT 0            # one chronus: 5 s of its raw block stamps
                                         # (/api/state link.block) and the peer's beats

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


def osc_message(addr, *floats):
    def pad(b):
        return b + b"\0" * (4 - len(b) % 4)

    msg = pad(addr.encode()) + pad(("," + "f" * len(floats)).encode())
    return msg + b"".join(struct.pack(">f", f) for f in floats)


def osc(port, addr, *floats):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(osc_message(addr, *floats), ("127.0.0.1", port))


def osc_arguments(data):
    """The address and arguments (i, f, s) of one OSC message."""
    def string(i):
        end = data.index(b"\0", i)
        return data[i:end].decode(), (end // 4 + 1) * 4

    addr, i = string(0)
    tags, i = string(i)
    args = []
    for t in tags[1:]:
        if t in "if":
            args.append(struct.unpack_from(">" + t, data, i)[0])
            i += 4
        elif t == "s":
            v, i = string(i)
            args.append(v)
        else:
            raise ValueError(f"{addr}: OSC type {t!r} not read here")
    return addr, args


def osc_ask(port, addr):
    """Sends `addr` (no arguments) and returns the arguments of its `.reply`, which goes
    to the sender's address and port."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(WAIT_S)
        s.sendto(osc_message(addr), ("127.0.0.1", port))
        while True:
            reply, args = osc_arguments(s.recvfrom(65536)[0])
            if reply == addr + ".reply":
                return args


def beats_apart(a, b):
    """`a - b` in beats, wrapped into -quantum/2 ..< quantum/2."""
    return (a - b + QUANTUM / 2) % QUANTUM - QUANTUM / 2


def micros(td):
    return td.days * 86_400_000_000 + td.seconds * 1_000_000 + td.microseconds


def beat_now(link):
    """(host time µs, beat) of the peer read together: aalink reads its beat at its own
    clock's now, so the beat is bracketed by two reads of the clock and taken when they
    are at most 100 µs apart (a preempted read, on a loaded machine, is read again)."""
    best = None
    for _ in range(1000):
        t1 = micros(link.time)
        beat = link.beat
        t2 = micros(link.time)
        if best is None or t2 - t1 < best[0]:
            best = (t2 - t1, (t1 + t2) / 2, beat)
        if t2 - t1 <= 100:
            break
    return best[1], best[2]


def phase_ms(phase_a, time_a, phase_b, time_b, tempo):
    """Phase difference (ms) of two (phase, host time) readings, moved to one time."""
    moved = phase_b + (time_a - time_b) / 60e6 * tempo
    return beats_apart(phase_a, moved) * 60_000.0 / tempo


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
    # One session: the peer and chronus at one tempo (Link has merged their sessions).
    await until("one session tempo", lambda: abs(state(http)["tempo"] - link.tempo) < 0.01)
    # The peer sets 97 BPM: how long (in beats) until chronus's sequencer has it.
    t0 = link.time
    link.tempo = 97.0
    await until("chronus at 97 BPM", lambda: abs(state(http)["tempo"] - 97.0) < 0.01)
    out["follow_beats"] = micros(link.time - t0) / 60e6 * 97.0
    # Past chronus's echo guard (1 s): the session keeps 97 (chronus published nothing
    # stale back) and so does chronus.
    await asyncio.sleep(1.5)
    out["held_playing"] = [link.tempo, state(http)["tempo"]]
    # Chronus sets 128 (OSC): the peer sees it.
    osc(osc_port, "/seq/bpm", 128.0)
    await until("the peer at 128 BPM", lambda: abs(link.tempo - 128.0) < 0.01)
    out["peer_tempo"] = link.tempo
    # Start/stop both ways.
    link.playing = False
    await until("chronus stopped by the peer", lambda: state(http)["playing"] is False)
    # A stopped chronus takes the peer's tempo too (its state says so at once), and
    # pushes no stale tempo back after its echo guard (1 s).
    link.tempo = 90.0
    await until("stopped chronus at 90 BPM", lambda: abs(state(http)["tempo"] - 90.0) < 0.01)
    await asyncio.sleep(1.5)
    out["held_stopped"] = [link.tempo, state(http)["tempo"]]
    link.tempo = 128.0
    await until("stopped chronus back at 128 BPM",
                lambda: abs(state(http)["tempo"] - 128.0) < 0.01)
    osc(osc_port, "/seq/start")
    await until("the peer started by chronus", lambda: link.playing)
    await until("chronus playing", lambda: state(http)["playing"] is True)
    out["start_stop"] = "both ways"
    # Beat phase at the quantum, at the same host time.
    diffs = []
    for _ in range(20):
        s = state(http)["link"]
        t, beat = beat_now(link)
        diffs.append(phase_ms(s["phase"], s["time_us"], beat % QUANTUM, t, link.tempo))
        await asyncio.sleep(0.05)
    out["phase_ms"] = diffs
    # The OSC answers while the peer is there: the clock's tail of /seq/state.reply
    # (s clock, i external, i peers, f phase) and of /status.reply (fields 8-12: s clock,
    # f tempo, i external, i peers, f phase), and how far each phase is from the peer's
    # own at the answer (beats; the phase is chronus's last look, up to 10 ms old).
    seq_state = osc_ask(osc_port, "/seq/state")
    out["seq_state_phase_off"] = beats_apart(seq_state[10], link.beat % QUANTUM)
    out["seq_state_clock"] = seq_state[7:11]
    status = osc_ask(osc_port, "/status")
    out["status_phase_off"] = beats_apart(status[11], link.beat % QUANTUM)
    out["status_clock"] = status[7:12]
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


async def heard(http):
    link = Link(120)
    link.quantum = QUANTUM
    link.start_stop_sync_enabled = True
    link.enabled = True
    await until("chronus as a peer", lambda: link.num_peers >= 1)
    await until("chronus's state", lambda: state(http)["link"]["peers"] >= 1)
    await until("one session tempo", lambda: abs(state(http)["tempo"] - link.tempo) < 0.01)
    await until("chronus playing", lambda: state(http)["playing"] is True)
    # Past the join: the bars chronus placed before the sessions merged (and before
    # Link's clock measurement against the peer settled) have sounded.
    loop = asyncio.get_running_loop()
    xruns = state(http)["xruns"]
    calm_since = loop.time()
    await asyncio.sleep(3.0)
    # A window of 5 s with no xrun in it nor in the 3 s before (an xrun moves the
    # stream's schedule; chronus's host-time fit remembers 512 blocks, 2.7 s): windows
    # with one are counted and another is taken, 8 at most.
    retried = 0
    while True:
        start = loop.time()
        stamps, beats = [], []
        while loop.time() < start + 5.0:
            s = state(http)
            if s["xruns"] != xruns:
                xruns, calm_since = s["xruns"], loop.time()
            block = s["link"]["block"]
            if block is not None:
                stamps.append((block["sample"], block["host_us"]))
            beats.append(beat_now(link))
            await asyncio.sleep(0.005)
        if calm_since <= start - 3.0 or retried >= 8:
            break
        retried += 1
    print(json.dumps({"stamps": stamps, "beats": beats, "tempo": link.tempo,
                      "xruns": xruns, "calm": calm_since <= start - 3.0,
                      "windows_with_xruns": retried}), flush=True)


if __name__ == "__main__":
    mode, x, y = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if mode == "heard":
        asyncio.run(heard(x))
    else:
        asyncio.run(session(x, y) if mode == "session" else compare(x, y))
