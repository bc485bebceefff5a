#!/bin/sh
# Installs Chronus as a systemd service (deploy/chronus.service). Idempotent: running it
# again updates the binary, the unit and the example files it owns, and never overwrites
# the config or patches an operator has edited.
#
#   sudo deploy/install.sh [path/to/chronus]    # default: target/release/chronus
#
# Environment (for packaging and tests): DESTDIR (a root to install into, default /),
# NO_SYSTEMCTL=1 (do not call systemctl), NO_USERADD=1 (do not create the user).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bin=${1:-$repo/target/release/chronus}
root=${DESTDIR:-}

if [ ! -x "$bin" ]; then
  echo "install.sh: $bin is not an executable (build it first: cargo build --release)" >&2
  exit 1
fi

# The service user: no login, no home, in the audio group (ALSA devices, rtprio limits).
if [ "${NO_USERADD:-0}" != 1 ]; then
  if ! getent group audio >/dev/null; then groupadd --system audio; fi
  if ! getent passwd chronus >/dev/null; then
    useradd --system --no-create-home --home-dir /var/lib/chronus \
      --shell /usr/sbin/nologin --user-group --groups audio chronus
  else
    usermod -a -G audio chronus
  fi
fi

install -D -m 0755 "$bin" "$root/usr/local/bin/chronus"
install -D -m 0644 "$here/chronus.service" "$root/etc/systemd/system/chronus.service"
install -D -m 0644 "$repo/README.md" "$root/usr/share/doc/chronus/README.md"
install -d -m 0755 "$root/etc/chronus" "$root/var/lib/chronus/patches"

# Config and patches: copied once, then the operator's.
if [ ! -e "$root/etc/chronus/config.ron" ]; then
  install -m 0644 "$here/config.ron" "$root/etc/chronus/config.ron"
fi
for p in "$repo"/patches/*.ron; do
  dest="$root/var/lib/chronus/patches/$(basename "$p")"
  [ -e "$dest" ] || install -m 0644 "$p" "$dest"
done
if [ ! -e "$root/var/lib/chronus/patches/default.ron" ]; then
  install -m 0644 "$repo/patches/generative-glass.ron" "$root/var/lib/chronus/patches/default.ron"
fi
if [ "${NO_USERADD:-0}" != 1 ]; then
  chown -R chronus:chronus "$root/var/lib/chronus"
fi

# Check what was installed before (re)starting it.
"$root/usr/local/bin/chronus" check "$root/var/lib/chronus/patches/default.ron" >/dev/null

if [ "${NO_SYSTEMCTL:-0}" != 1 ]; then
  systemctl daemon-reload
  systemctl enable chronus.service
  systemctl restart chronus.service
  echo "install.sh: chronus.service enabled and (re)started; logs: journalctl -u chronus -f"
else
  echo "install.sh: installed into ${root:-/} (systemctl not called)"
fi
