#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/seed-*): OSC packets
encoded from the messages the tests send, the shipped patches and config, small MIDI byte
strings and `--notes` lists, HTTP API JSON bodies, SynthDef files and scsynth's replies. Run from anywhere: `python3 fuzz/seeds.py`. Idempotent; the
files libFuzzer adds beside the seeds are left alone."""

import pathlib
import shutil
import struct

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
CORPUS = FUZZ / "corpus"


def pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def osc_string(s):
    return pad(s.encode())


def message(addr, *args):
    tags, data = ",", b""
    for a in args:
        if isinstance(a, bool):
            tags += "T" if a else "F"
        elif isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        elif isinstance(a, float):
            tags += "f"
            data += struct.pack(">f", a)
        elif isinstance(a, bytes):
            tags += "b"
            data += struct.pack(">i", len(a)) + pad(a) if len(a) % 4 else struct.pack(">i", len(a)) + a
        else:
            tags += "s"
            data += osc_string(a)
    return osc_string(addr) + osc_string(tags) + data


def bundle(seconds, fraction, *elements):
    out = osc_string("#bundle") + struct.pack(">II", seconds, fraction)
    for e in elements:
        out += struct.pack(">i", len(e)) + e
    return out


# 2026-01-01 in NTP seconds (the osc_packet target's anchor), and a little after it.
NTP_2026 = 1_767_225_600 + 2_208_988_800

OSC = {
    "status": message("/status"),
    "note-on": message("/note/on", 60, 0.7),
    "note-on-int-vel": message("/note/on", 64, 100),
    "note-on-instrument": message("/note/on", 40, 0.5, "bass"),
    "note-on-channel": message("/note/on", 40, 0.5, 2),
    "note-off": message("/note/off", 60),
    "note-panic": message("/note/panic"),
    "mod-set": message("/mod/vcf/cutoff", 800.0),
    "mod-tone": message("/mod/tone/freq", 440.0),
    "mod-volume": message("/mod/output/volume", 0.3),
    "create": message("/patch/create", "lfo", "sine", "freq", 2.0),
    "connect": message("/patch/connect", "tone.out", "output.left"),
    "disconnect": message("/patch/disconnect", "tone.out", "mix.in"),
    "set": message("/patch/set", "echo", "feedback", 0.5),
    "delete": message("/patch/delete", "echo"),
    "commit": message("/patch/commit"),
    "abort": message("/patch/abort"),
    "dump": message("/patch/dump"),
    "load": message("/patch/load", "poly-subtractive"),
    "load-ron": message("/patch/load", "sine-test-tone.ron"),
    "save": message("/patch/save", "mine"),
    "seq-start": message("/seq/start"),
    "seq-stop": message("/seq/stop"),
    "seq-bpm": message("/seq/bpm", 140.0),
    "seq-swing": message("/seq/swing", 0.2),
    "seq-scale": message("/seq/scale", "minor"),
    "seq-root": message("/seq/root", 60),
    "seq-length": message("/seq/length", 12),
    "seq-step": message("/seq/step", 3, 2, 0.8, 1.0, 1),
    "seq-euclid": message("/seq/euclid", 5, 8, 1),
    "seq-drift": message("/seq/drift", 0.1),
    "seq-cue": message("/seq/cue", "melody"),
    "seq-state": message("/seq/state"),
    "midi-cc": message("/midi/cc", 1, 74, 100),
    "midi-bend": message("/note/bend", 1, 0.5),
    "midi-ports": message("/midi/ports"),
    "reply": message("/reply", 9001),
    "unknown": message("/nope", 1),
    "blob": message("/mod/vcf/cutoff", b"\x01\x02\x03"),
    "edit-bundle": bundle(
        0, 1,
        message("/patch/create", "lfo", "sine", "freq", 3.0),
        message("/patch/create", "amp", "vca", "gain", 0.2),
        message("/patch/connect", "lfo.out", "amp.in"),
        message("/patch/connect", "amp.out", "output.left"),
        message("/patch/commit"),
    ),
    "voice-edit-bundle": bundle(
        0, 1,
        message("/patch/create", "voices/sub", "square"),
        message("/patch/connect", "voices/note.freq", "voices/sub.freq"),
        message("/patch/connect", "voices/sub.out", "voices/vca.in"),
        message("/patch/commit"),
        message("/note/on", 48, 0.9, "voices"),
    ),
    "timed-bundle": bundle(
        NTP_2026 + 1, 1 << 31,
        message("/note/on", 60, 0.7),
        message("/mod/vcf/cutoff", 500.0),
    ),
    "nested-bundle": bundle(
        NTP_2026, 0,
        bundle(NTP_2026 + 2, 0, message("/note/off", 60)),
        bundle(0, 1, message("/status")),
    ),
    "empty-bundle": bundle(0, 1),
}

MIDI = {
    "note-on-off": bytes([0x90, 60, 100, 0x80, 60, 0]),
    "running-status": bytes([0x90, 60, 100, 64, 90, 60, 0, 64, 0]),
    "realtime-inside": bytes([0x90, 0xF8, 60, 0xFA, 100, 0xFC]),
    "sysex": bytes([0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7, 0x90, 62, 80]),
    "cc-routes": bytes([0xB0, 74, 10, 0xB0, 20, 64, 0xB0, 21, 100, 0xB0, 22, 30, 0xB0, 30, 127, 0xB3, 7, 90]),
    "sustain": bytes([0x90, 60, 100, 0xB0, 64, 127, 0x80, 60, 0, 0xB0, 64, 0]),
    "bend-pressure": bytes([0xE0, 0x00, 0x60, 0xD0, 90, 0xA0, 60, 50]),
    "program": bytes([0xC0, 5, 0xC1, 200 & 0x7F]),
    "rpn-bend-range": bytes([0xB0, 101, 0, 0xB0, 100, 0, 0xB0, 6, 12, 0xB0, 38, 0]),
    "trigger-steps": bytes([0x90, 24, 100, 0x90, 30, 90, 0x80, 24, 0]),
    "channels": bytes([0x91, 40, 100, 0x92, 50, 100, 0x81, 40, 0]),
    "all-notes-off": bytes([0x90, 60, 100, 0xB0, 123, 0, 0xB0, 120, 0]),
    "truncated": bytes([0x90, 60]),
    "garbage": bytes([0xF7, 0xF4, 0x00, 0xFF, 0x90]),
}

NOTES = {
    "doc": "60@0:1,bass/36@0.5:1:0.5",
    "one": "60@0:1",
    "velocity": "72@1.5:0.25:1",
    "many": "60@0:1,62@1:1,64@2:1:0.3,lead/67@3:2",
    "bad-note": "128@0:1",
    "empty-item": "60@0:1,,62@1:1",
    "exp": "60@1e3:1e-3",
}

CONFIGS = {
    "empty": "()",
    "tuning": "(tuning: (a4: 432.0))",
    "midi": '(midi: (input: "all", host: "jack", channel: 3))',
    "routes": """(router: (
    notes: [(notes: (24, 35), action: trigger_step), (notes: (36, 127), action: play(instrument: "voices"))],
    ccs: [(cc: 20, action: tempo), (cc: 74, action: filter_cutoff), (cc: 30, channel: 2, action: param(target: "echo.mix", curve: exp))],
))""",
}


# `POST /api/osc` bodies (tests/programs/http_api.rs and edge cases).
HTTP = {
    "status": '{"address": "/status"}',
    "note-and-mod": '[{"address": "/note/on", "args": [60, 100, "voices"]}, '
                    '{"address": "/mod/vcf/cutoff", "args": [900]}]',
    "edit": '[{"address": "/patch/create", "args": ["osc2", "sine", "freq", 440]}, '
            '{"address": "/patch/create", "args": ["amp", "vca", "gain", 0.25]}, '
            '{"address": "/patch/connect", "args": ["osc2.out", "amp.in"]}, '
            '{"address": "/patch/connect", "args": ["amp.out", "output.left"]}, '
            '{"address": "/patch/commit"}]',
    "mod-float": '{"address": "/mod/tone/freq", "args": [220.5]}',
    "mod-bad-type": '{"address": "/mod/vcf/cutoff", "args": ["high"]}',
    "mod-negative": '{"address": "/mod/tone/freq", "args": [-5]}',
    "patch-load": '{"address": "/patch/load", "args": ["poly-subtractive"]}',
    "patch-save": '{"address": "/patch/save", "args": ["mine"]}',
    "patch-dump": '{"address": "/patch/dump", "args": null}',
    "seq": '[{"address": "/seq/bpm", "args": [140.0]}, {"address": "/seq/start"}, '
           '{"address": "/seq/step", "args": [3, 2, 0.8, 1.0, 1]}]',
    "midi": '{"address": "/midi/cc", "args": [1, 74, true]}',
    "unknown": '{"address": "/no/such/thing"}',
    "no-slash": '{"address": "mod", "args": []}',
    "extra-field": '{"address": "/status", "tag": 1}',
    "args-object": '{"address": "/status", "args": {"a": 1}}',
    "nested-args": '{"address": "/status", "args": [[1], {"x": null}]}',
    "numbers": '{"address": "/mod/tone/freq", "args": [2147483648, -2147483649, 1e39, -0.0, 1e-50, 3.0]}',
    "escapes": '{"address": "/mod/t\\u0000e/x\\n", "args": ["\\ud83c\\udfb5", "a\\"b"]}',
    "empty-list": "[]",
    "not-object": "[1, \"two\"]",
    "cut": '{"address": "/mod/vcf/cutoff", ',
    "too-many": "[" + ",".join(['{"address": "/status"}'] * 257) + "]",
    "deep": "[" * 200 + "]" * 200,
}


def synthdef(name, constants, controls, names, ugens, version=2, variants=()):
    """A SynthDef file (SCgf) of one def: `ugens` as (class, rate, [(ugen, output)],
    [output rates], special); `variants` as (name, values)."""
    wide = version == 2
    def count(n):
        return struct.pack(">i" if wide else ">h", n)
    def pstr(t):
        b = t.encode()
        return bytes([len(b)]) + b
    out = pstr(name) + count(len(constants)) + b"".join(struct.pack(">f", c) for c in constants)
    out += count(len(controls)) + b"".join(struct.pack(">f", c) for c in controls)
    out += count(len(names)) + b"".join(pstr(n) + count(i) for n, i in names)
    out += count(len(ugens))
    for cls, rate, inputs, outputs, special in ugens:
        out += pstr(cls) + bytes([rate]) + count(len(inputs)) + count(len(outputs))
        out += struct.pack(">h", special)
        out += b"".join(count(u) + count(o) for u, o in inputs) + bytes(outputs)
    out += struct.pack(">h", len(variants))
    for vname, values in variants:
        out += pstr(vname) + b"".join(struct.pack(">f", v) for v in values)
    return out


def scgf(*defs, version=2):
    return b"SCgf" + struct.pack(">ih", version, len(defs)) + b"".join(defs)


# `SynthDef(\mypad, { |freq = 440, amp = 0.1, gate = 1, cutoff = 1200| ... })` as sclang
# writes it: Control, saw, filter, envelope, Out.
MYPAD_UGENS = [
    ("Control", 1, [], [1, 1, 1, 1], 0),
    ("Saw", 2, [(0, 0)], [2], 0),
    ("RLPF", 2, [(1, 0), (0, 3), (-1, 0)], [2], 0),
    ("EnvGen", 1, [(0, 2), (-1, 1), (-1, 2), (-1, 1), (-1, 2)], [1], 0),
    ("BinaryOpUGen", 2, [(2, 0), (3, 0)], [2], 2),
    ("BinaryOpUGen", 2, [(4, 0), (0, 1)], [2], 2),
    ("Out", 2, [(-1, 2), (5, 0), (5, 0)], [], 0),
]
MYPAD = ("mypad", [0.3, 1.0, 0.0], [440.0, 0.1, 1.0, 1200.0],
         [("cutoff", 3), ("freq", 0), ("amp", 1), ("gate", 2)], MYPAD_UGENS)

SCSYNDEF = {
    "mypad": scgf(synthdef(*MYPAD)),
    "mypad-v1": scgf(synthdef(*MYPAD, version=1), version=1),
    "mypad-variants": scgf(synthdef(*MYPAD, variants=[("soft", [440.0, 0.05, 1.0, 600.0])])),
    "two-defs": scgf(synthdef("other", [], [0.5], [("x", 0)], []), synthdef(*MYPAD)),
    "two-defs-unnamed": scgf(synthdef("a", [], [], [], []), synthdef("b", [], [1.0], [("q", 0)], [])),
    "sine": scgf(synthdef("t", [0.0], [440.0], [("freq", 0)], [
        ("Control", 1, [], [1], 0),
        ("SinOsc", 2, [(0, 0), (-1, 0)], [2], 0),
        ("Out", 2, [(-1, 0), (1, 0)], [], 0),
    ])),
    "no-defs": scgf(),
    "empty-def": scgf(synthdef("mypad", [], [], [], [])),
    "odd-names": scgf(synthdef("mypad", [], [0.0, 0.0], [("a\nb", 0), ("\u00e9\x07", 1)], [])),
    "huge-count": b"SCgf" + struct.pack(">ih", 2, 1) + b"\x05mypad" + struct.pack(">i", 0x7FFFFFFF),
    "negative-count": b"SCgf" + struct.pack(">ih", 2, 1) + b"\x05mypad" + struct.pack(">i", -1),
    "cut": scgf(synthdef(*MYPAD))[:60],
    "version-3": b"SCgf" + struct.pack(">ih", 3, 0),
    "riff": b"RIFF....WAVEfmt ",
}


def osc_double(addr, *args):
    """A message of ints, floats (`f`), doubles (given as ("d", x)) and strings."""
    tags, data = ",", b""
    for a in args:
        if isinstance(a, tuple):
            tags += "d"
            data += struct.pack(">d", a[1])
        elif isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        elif isinstance(a, float):
            tags += "f"
            data += struct.pack(">f", a)
        else:
            tags += "s"
            data += osc_string(a)
    return osc_string(addr) + osc_string(tags) + data


# scsynth's replies (SuperCollider's Server Command Reference); `status-reply`,
# `done-notify` and `fail-duplicate` are the bytes scsynth 3 sent (captured on a JACK
# dummy server), the others are encoded here alike.
SCSYNTH = {
    "status-reply": b"/status.reply\0\0\0,iiiiiffdd\0\0\0\0\0\x01\0\0\0\0\0\0\0\0\0\0"
                    b"\0\x01\0\0\0\0?\x94e\xee?\xb2\x10\xd2@\xe7p\0\0\0\0\0@\xe7p\x08T\xd2\xf6'",
    "status-reply-encoded": osc_double("/status.reply", 1, 0, 0, 2, 3, 0.5, 1.2, ("d", 48000.0), ("d", 47999.98)),
    "done-notify": b"/done\0\0\0,sii\0\0\0\0/notify\0\0\0\0\0\0\0\0@",
    "fail-duplicate": b"/fail\0\0\0,ss\0/s_new\0\0duplicate node ID\0\0\0",
    "done-d-recv": message("/done", "/d_recv"),
    "done-d-loaddir": message("/done", "/d_loadDir"),
    "late": message("/late", 0.01),
    "fail-s-new": message("/fail", "/s_new", "SynthDef not found"),
    "fail-n-set": message("/fail", "/n_set", "Node 1005 not found"),
    "fail-n-free": message("/fail", "/n_free", "Node 31000 not found"),
    "fail-no-args": message("/fail"),
    "fail-int": message("/fail", 5, "odd"),
    "fail-newline": message("/fail", "/s_new", "bad\nname"),
    "fail-blob": message("/fail", "/d_recv", b"\x00" * 300),
    "n-go": message("/n_go", 1000, 31001, -1, -1, 0),
    "bundle": bundle(0, 1, message("/status.reply", 1)),
    "nested-bundle": bundle(0, 1, bundle(0, 1, message("/late"))),
    "junk": b"/fail\0\0\0,s\0",
}


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}").write_bytes(data if isinstance(data, bytes) else data.encode())


def main():
    for name, data in OSC.items():
        write("osc_packet", name, data)
    for name, data in MIDI.items():
        # First byte: chunk size - 1; second: < 128 picks the example-shaped routes.
        write("midi_stream", name, bytes([3, 0]) + data)
        write("midi_stream", name + "-bytewise-default", bytes([0, 200]) + data)
    for name, data in NOTES.items():
        write("notes_spec", name, data)
    patches = sorted((ROOT / "patches").glob("**/*.ron"))
    for p in patches:
        write("patch_load", p.stem, p.read_bytes())
    small = "(modules: {\"osc\": (kind: \"sine\")}, connections: [(\"osc.out\", \"output.left\")])"
    write("patch_load", "small", small)
    write("patch_load", "cycle", "(modules: {\"a\": (kind: \"vca\"), \"b\": (kind: \"vca\")}, "
          "connections: [(\"a.out\", \"b.in\"), (\"b.out\", \"a.in\")])")
    for name, data in CONFIGS.items():
        write("config_load", name, data)
    write("config_load", "example", (ROOT / "config" / "example.ron").read_bytes())
    for name, data in HTTP.items():
        write("http_body", name, data)
    for name, data in SCSYNDEF.items():
        write("scsyndef", name, data)
    for name, data in SCSYNTH.items():
        write("scsynth_reply", name, data)


if __name__ == "__main__":
    main()
