# Sourced by the benchmarks and by scripts/test.d/31-history-kill.sh, which start a server of their own (needs $JAVA_HOME, $jar and the
# directory $work). bench_server_start FLAGS... runs `serve --port 0` from $jar with those JVM flags,
# its data and logs in $work, and sets pid and base (its URL) once it listens; if it does not within
# 60 s, prints its output and fails. bench_server_stop stops it (for the caller's cleanup trap).
bench_server_start() {
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "$@" -jar "$jar" serve --port 0 \
    --data-dir "$work/data" --log-dir "$work/logs" >"$work/server.out" 2>&1 &
  pid=$!
  base=""
  for _ in $(seq 1 120); do
    base="$(sed -n 's/^skbscope serve: listening on \(http[^ ]*\).*/\1/p' "$work/server.out" | head -1)"
    [ -n "$base" ] && return 0
    sleep 0.5
  done
  cat "$work/server.out" >&2
  return 1
}

bench_server_stop() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
}
