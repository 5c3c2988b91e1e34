#!/usr/bin/env bash
# `./skbscope install` / `./skbscope uninstall`: skbscope as a systemd service on this host.
#
#   ./skbscope install [--namespaces] [--no-start] [--root DIR]
#   ./skbscope uninstall [--purge] [--root DIR]
#
# install puts in place (as root; nothing outside these paths):
#   /opt/skbscope/{bin/skbscope, lib/skbscope.jar, runtime/}   the jar and a Java runtime made by jlink
#   /etc/systemd/system/skbscope.service                        the hardened unit (deploy/systemd)
#   /etc/skbscope/skbscope.toml, /etc/skbscope/token             settings and access token (kept if present)
#   /var/lib/skbscope, /var/log/skbscope                         data and logs
# then, where systemd runs, enables and starts the service and waits until it answers.
# --namespaces adds the drop-in that lets live tracing reach other network namespaces.
# --root DIR installs under DIR instead of / (for tests and image builds) and starts nothing.
# uninstall stops and removes the service and /opt/skbscope; --purge also removes settings, data and logs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
action="${1:?usage: install.sh install|uninstall [options]}"; shift
root=/ namespaces=0 start=1 purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    --namespaces) namespaces=1; shift ;;
    --no-start) start=0; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "skbscope $action: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
root="$(cd "$root" 2>/dev/null && pwd)" || { echo "skbscope $action: --root $root is not a directory" >&2; exit 2; }
r="${root%/}"
opt="$r/opt/skbscope" etc="$r/etc/skbscope" unit="$r/etc/systemd/system/skbscope.service"
dropin="$r/etc/systemd/system/skbscope.service.d/namespaces.conf"
systemd_here() { [ "$root" = / ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; }
if [ "$root" = / ] && [ "$(id -u)" != 0 ]; then
  echo "skbscope $action: run as root (sudo ./skbscope $action)" >&2; exit 1
fi

# The modules the jar uses (jdeps --print-module-deps, less java.desktop/java.rmi/java.compiler/
# java.instrument/java.security.jgss, which nothing on the server's paths loads), plus the crypto
# and zip providers; docs/operations.md has the sizes.
MODULES=java.base,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.zipfs

install_files() {
  source "$here/scripts/jdk.sh"
  # builds the jar when missing or stale (the launcher's own rule), then prints the version
  version="$("$here/skbscope" --version)"
  jar="$here/skbscope-cli/target/skbscope.jar"
  echo "skbscope install: $version into $root" >&2
  install -d -m 755 "$opt/bin" "$opt/lib"
  # the runtime: made again only when the JDK or the module list changed
  stamp="$("$JAVA_HOME/bin/java" -version 2>&1 | head -1) $MODULES"
  if [ ! -x "$opt/runtime/bin/java" ] || [ "$(cat "$opt/runtime/.skbscope-stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "skbscope install: making the Java runtime (jlink)..." >&2
    rm -rf "$opt/runtime"
    "$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
      --compress=zip-6 --output "$opt/runtime"
    echo "$stamp" > "$opt/runtime/.skbscope-stamp"
  fi
  install -m 644 "$jar" "$opt/lib/skbscope.jar"
  install -m 755 "$here/deploy/bin/skbscope" "$opt/bin/skbscope"
  install -D -m 644 "$here/deploy/systemd/skbscope.service" "$unit"
  if [ "$namespaces" = 1 ]; then install -D -m 644 "$here/deploy/systemd/skbscope-namespaces.conf" "$dropin"; fi
  install -d -m 755 "$etc"
  if [ -e "$etc/skbscope.toml" ]; then
    echo "skbscope install: kept $etc/skbscope.toml (the shipped one: $here/deploy/skbscope.toml)" >&2
  else
    install -m 644 "$here/deploy/skbscope.toml" "$etc/skbscope.toml"
  fi
  if [ ! -s "$etc/token" ]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > "$etc/token"; echo >> "$etc/token")
  fi
  chmod 600 "$etc/token"
  install -d -m 700 "$r/var/lib/skbscope" "$r/var/log/skbscope"
}

case "$action" in
  install)
    install_files
    # what live tracing loads from the host at run time (the jar binds libbpf through FFM, nft mode runs nft)
    if [ "$root" = / ]; then
      ldconfig -p 2>/dev/null | grep -q 'libbpf\.so\.1 ' || echo "skbscope install: libbpf1 is missing: live eBPF tracing will be unavailable (apt-get install libbpf1)" >&2
      command -v nft >/dev/null || echo "skbscope install: nft is missing: mode nft will be unavailable (apt-get install nftables)" >&2
    fi
    if ! systemd_here; then
      [ "$root" = / ] && echo "skbscope install: systemd is not running on this machine: files installed, nothing started." >&2
      echo "skbscope install: start it with: $opt/bin/skbscope serve --config $etc/skbscope.toml" >&2
      exit 0
    fi
    systemctl daemon-reload
    if [ "$start" = 0 ]; then systemctl enable skbscope.service; exit 0; fi
    systemctl enable skbscope.service
    systemctl restart skbscope.service
    port="$(sed -n 's/^port *= *\([0-9]*\).*/\1/p' "$etc/skbscope.toml" | head -1)"; port="${port:-5000}"
    for _ in $(seq 120); do
      if curl -sf -H "Authorization: Bearer $(head -1 "$etc/token")" "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then
        echo "skbscope install: running: http://127.0.0.1:$port/?token=\$(sudo cat $etc/token)   (journalctl -u skbscope)" >&2
        exit 0
      fi
      sleep 0.5
    done
    echo "skbscope install: the service did not answer within 60 s; see: journalctl -u skbscope" >&2
    exit 1
    ;;
  uninstall)
    if systemd_here; then
      systemctl disable --now skbscope.service 2>/dev/null || true
    fi
    rm -f "$unit" "$dropin"
    rmdir "$(dirname "$dropin")" 2>/dev/null || true
    rm -rf "$opt"
    if systemd_here; then systemctl daemon-reload; fi
    if [ "$purge" = 1 ]; then
      rm -rf "$etc" "$r/var/lib/skbscope" "$r/var/log/skbscope"
      echo "skbscope uninstall: removed, with settings, data and logs" >&2
    else
      echo "skbscope uninstall: removed; kept $etc, $r/var/lib/skbscope and $r/var/log/skbscope (--purge removes them)" >&2
    fi
    ;;
  *) echo "usage: install.sh install|uninstall [options]" >&2; exit 2 ;;
esac
