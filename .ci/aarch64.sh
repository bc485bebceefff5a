#!/usr/bin/env bash
# The Raspberry Pi build, checked on a PC: cross-build the release binary for
# aarch64-unknown-linux-gnu with Debian's own Rust (rustc-web 1.96 and the arm64 standard
# library from libstd-rust-web-dev:arm64; no rustup target needed) and the aarch64 GNU
# linker, then run it under qemu-user: `chronus check` on every shipped patch, and one
# render compared with the x86 render of the same patch, seed and length.
#
# The `jack` feature is off for this target (no libjack for arm64 is installed here): the
# Pi build plays ALSA, the Pi's own sound path. Run it alone with
#   .ci/aarch64.sh [path/to/x86/chronus]      # default: target/debug/chronus
# `.ci/run` calls it in two halves, `.ci/aarch64.sh build` at idle priority in the
# background from its start, and `.ci/aarch64.sh verify PATH` once the tests are done.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=aarch64-unknown-linux-gnu
# A target dir of its own: the host toolchain's artifacts and Debian rustc's never mix.
export CARGO_TARGET_DIR=${AARCH64_TARGET_DIR:-target/aarch64}
export RUSTC=/usr/bin/rustc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
# alsa-sys finds the arm64 libasound through pkg-config's multiarch directory.
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig

phase=all
case "${1:-}" in build | verify) phase=$1; shift ;; esac
x86=${1:-target/debug/chronus}
bin=$CARGO_TARGET_DIR/$TARGET/release/chronus
started=$SECONDS

if [ "$phase" != verify ]; then
  echo "aarch64: $(/usr/bin/cargo --version), $($RUSTC --version)"
  /usr/bin/cargo build --release --locked --target "$TARGET" --no-default-features --bin chronus
  echo "aarch64: built $bin in $((SECONDS - started)) s: $(file -b "$bin" | cut -d, -f1-2)"
  if [ "$phase" = build ]; then exit 0; fi
fi

qemu() { qemu-aarch64 -L /usr/aarch64-linux-gnu "$bin" "$@"; }

echo "aarch64: qemu-aarch64 chronus check patches/*.ron"
qemu check patches/*.ron

# The render: a generative piece (sequencer, random streams, reverb) for 10 s.
PATCH=patches/generative-pulse.ron
out=$CARGO_TARGET_DIR/compare
mkdir -p "$out"
qemu render "$PATCH" --seconds 10 --seed 7 --out "$out/arm64.wav"
"$x86" render "$PATCH" --seconds 10 --seed 7 --out "$out/x86.wav"
if cmp -s "$out/arm64.wav" "$out/x86.wav"; then
  echo "aarch64: render of $PATCH under qemu is bit-identical to the x86 render"
else
  # Same code, same seed: any difference comes from the C library's libm (sin, exp, pow
  # are not correctly rounded and differ between glibc's x86_64 and aarch64 builds). The
  # tolerance is 1e-4 of full scale (-80 dB), far below audibility and far above rounding.
  python3 - "$out/x86.wav" "$out/arm64.wav" <<'PY'
import struct, sys
def samples(path):
    data = open(path, "rb").read()
    i = 12
    while i < len(data):
        tag, size = data[i:i+4], struct.unpack("<I", data[i+4:i+8])[0]
        if tag == b"data":
            body = data[i+8:i+8+size]
            return struct.unpack("<%df" % (len(body) // 4), body)
        i += 8 + size + (size & 1)
    raise SystemExit("no data chunk in " + path)
a, b = samples(sys.argv[1]), samples(sys.argv[2])
if len(a) != len(b):
    raise SystemExit("aarch64: lengths differ: %d vs %d samples" % (len(a), len(b)))
diff = max(abs(x - y) for x, y in zip(a, b))
differ = sum(1 for x, y in zip(a, b) if x != y)
print("aarch64: render differs from x86 in %d of %d samples, max |diff| %.3g (tolerance 1e-4)"
      % (differ, len(a), diff))
if diff > 1e-4:
    raise SystemExit("aarch64: the render differs beyond the tolerance")
PY
fi
echo "aarch64: done in $((SECONDS - started)) s"
