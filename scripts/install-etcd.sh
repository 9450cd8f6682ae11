#!/usr/bin/env bash
# Unpacks etcd 3.5 from Debian trixie's etcd-server package into the cache.
# Never `apt-get install`: the package's post-install starts a system daemon.
# A private apt state keeps the system's sources, lists and dpkg database untouched.
set -euo pipefail
E="${1:-${EVK_CACHE_DIR:-$HOME/.cache/evk}/etcd-3.5}"; A="$E/apt"
if [ -x "$E/root/usr/bin/etcd" ] && "$E/root/usr/bin/etcd" --version 2>/dev/null | grep -q '^etcd Version: 3\.5\.'; then exit 0; fi
command -v apt-get >/dev/null || { echo "apt-get not found: etcd 3.5 is taken from Debian trixie's etcd-server package; on another system put an etcd 3.5 binary at $E/root/usr/bin/etcd" >&2; exit 1; }
[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || { echo "debian-archive-keyring is missing: run 'apt-get install debian-archive-keyring'" >&2; exit 1; }
echo "fetching etcd 3.5 (Debian trixie etcd-server) into $E" >&2
rm -rf "$E"; mkdir -p "$A/sources" "$A/lists/partial" "$A/cache/archives/partial"
cat > "$A/sources/trixie.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
APT=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$A/sources"
     -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache" -o APT::Sandbox::User=root)
apt-get "${APT[@]}" -qq update || { echo "apt-get update against Debian trixie failed: check access to Debian's package archive" >&2; exit 1; }
(cd "$E" && apt-get "${APT[@]}" -qq download etcd-server) || { echo "apt-get download etcd-server failed" >&2; exit 1; }
dpkg -x "$E"/etcd-server_*.deb "$E/root"
rm -rf "$A/lists" "$E"/etcd-server_*.deb
"$E/root/usr/bin/etcd" --version | head -1 >&2
