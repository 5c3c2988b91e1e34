# A server of the test's or bench's own, started from the jar and waited for. Sourced by the test.d
# scripts and the benches; needs $JAVA_HOME and $here (the checkout). One copy of the set-up, the
# start-and-wait loop and the clean-up, so every caller gets the same checks: the JVM flags the
# benches need (native access), a deadline, an early failure when the server dies, and nothing left
# behind.
#
# server_workspace NAME
#   the jar ($jar; missing: says so under NAME and exits 1), a fresh directory $work for the server's
#   data, logs and output, and an EXIT trap that stops the server, runs the caller's own on_exit
#   function if it defines one (its other processes), and removes $work.
# server_start [JVM_FLAG...] [-- SERVE_ARG...]
#   runs `serve` (on port 0 unless the SERVE_ARGs name one), output in $work/server.out; sets pid and
#   base (its URL) once it listens. If it exits first, or does not listen within
#   ${SERVER_START_SECS:-60} s, prints its output and returns 1.
# server_stop
#   stops it (SIGTERM, then waits for it), for the caller's cleanup trap; clears pid.
server_start() {
  local jvm=() serve=() port=(--port 0) a
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do jvm+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  serve=("$@")
  for a in "${serve[@]}"; do case "$a" in --port|--port=*) port=() ;; esac; done
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "${jvm[@]}" -jar "$jar" serve "${port[@]}" \
    --data-dir "$work/data" --log-dir "$work/logs" "${serve[@]}" >"$work/server.out" 2>&1 &
  pid=$!
  base=""
  local end=$((SECONDS + ${SERVER_START_SECS:-60}))
  while [ "$SECONDS" -lt "$end" ]; do
    base="$(sed -n 's/^skbscope serve: listening on \(http[^ ]*\).*/\1/p' "$work/server.out" | head -1)"
    [ -n "$base" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  cat "$work/server.out" >&2
  if kill -0 "$pid" 2>/dev/null; then
    echo "server_start: no 'listening on' within ${SERVER_START_SECS:-60} s" >&2
  else
    echo "server_start: the server exited before it listened" >&2
  fi
  return 1
}

server_stop() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  pid=""
}

server_workspace() {
  jar="$here/skbscope-cli/target/skbscope.jar"
  [ -f "$jar" ] || { echo "$1: $jar missing (mvn package first)" >&2; exit 1; }
  work="$(mktemp -d "/tmp/skbscope-$1.XXXXXX")"
  pid=""
  trap server_workspace_exit EXIT
}

server_workspace_exit() {
  server_stop
  if declare -F on_exit >/dev/null; then on_exit || true; fi
  rm -rf "$work"
}
