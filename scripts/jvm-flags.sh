# Sourced by the launcher (and the benchmarks that stand for its commands): sets the array `jvm` to
# the JVM flags for skbscope command $1 run from jar $2, and exports what that command needs.
# skbscope_aot_cache makes the ahead-of-time caches those flags use.
skbscope_jvm_flags() {
  local jar="$2" jsa aot
  # Short batch commands (replay, synth, packets, summary, diff) start often and run briefly: serial GC, C1 only (C2's
  # compile work costs more CPU than it saves on a few seconds of work) and the ahead-of-time cache beside
  # the jar (classes loaded and linked, lambdas and string concatenations resolved by a training run:
  # skbscope_aot_cache); without a cache as new as the jar, an auto-created class-data archive.
  # top starts as fast (serial GC, its own archive) but keeps C2, since --live runs the stats engine for
  # as long as it is watched. The server keeps ZGC and C2, with its own ahead-of-time cache when there is one.
  # SKBSCOPE_JAVA_OPTS adds or overrides flags; SKBSCOPE_NO_AOT=1 neither makes nor uses the caches.
  case "$1" in
    replay|synth|packets|summary|diff|top)
      aot="$(skbscope_aot_path batch "$jar")"
      if [ "$1" != top ] && skbscope_aot_fresh "$aot" "$jar"; then
        jvm=(-XX:+UseSerialGC "-XX:AOTCache=$aot" "${SKBSCOPE_AOT_QUIET[@]}")
      else
        jsa="${jar%.jar}-$([ "$1" = top ] && echo top || echo batch).jsa"
        # the JVM does not always replace an archive made for an older jar: drop it ourselves
        if [ -f "$jsa" ] && [ "$jsa" -ot "$jar" ]; then rm -f "$jsa"; fi
        jvm=(-XX:+UseSerialGC -XX:+AutoCreateSharedArchive "-XX:SharedArchiveFile=$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
      fi
      [ "$1" = top ] || jvm+=(-XX:TieredStopAtLevel=1)
      # A young generation that holds a 1 M-event recording's whole index (~70 MB of journeys, ~130 MB
      # allocated in all): with the default (a third of a 384 MB initial heap) a young collection
      # copied the index into the old generation halfway through (0.1-0.25 s of CPU, and the old
      # generation's pages touched). Only pages used are committed; not on small machines, where
      # the default heap is too small for it.
      if [ "$1" != top ] && [ "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)" -ge 4194304 ]; then
        jvm+=(-Xmn256m)
      fi
      # Where the kernel gives huge pages on request (THP "madvise"), the heap asks for them: indexing a
      # recording fills ~100 MB of fresh heap, and 4 KiB page faults were a fifth of its CPU time
      # (docs/performance-packets.md). Not asked where THP is off: the JVM would print a warning.
      if grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
        jvm+=(-XX:+UseTransparentHugePages)
      fi ;;
    # ThreadPriorityPolicy=1 makes Java thread priorities nice values (root only: lowering below 0
    # needs it), so the Socket.IO emit thread is scheduled ahead of busy session threads.
    # A long-running daemon gives back what a burst took (scripts/bench/churn.sh, docs/reliability.md):
    # a ZGC cycle at least every 10 s, heap kept under 256 MiB when it can be (a soft limit: it grows
    # past it under real load), memory unused for 10 s returned to the OS (default 300 s), and two glibc
    # malloc arenas instead of one per thread that ever ran (a crowd of clients made 200 threads).
    *) jvm=(-XX:+UseZGC -XX:ZCollectionInterval=10 -XX:SoftMaxHeapSize=256m -XX:ZUncommitDelay=10)
       aot="$(skbscope_aot_path serve "$jar")"
       if skbscope_aot_fresh "$aot" "$jar"; then jvm+=("-XX:AOTCache=$aot" "${SKBSCOPE_AOT_QUIET[@]}"); fi
       export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
       [ "$(id -u)" = 0 ] && jvm+=(-XX:ThreadPriorityPolicy=1) ;;
  esac
  return 0
}

# A cache the JVM cannot use (made for another jar or other flags, damaged) only costs speed: the JVM
# runs without it; these flags keep it from saying so on every command.
SKBSCOPE_AOT_QUIET=(-Xlog:aot*=off -Xlog:cds*=off)

# The ahead-of-time cache of flag set $1 (batch or serve) for jar $2: beside the jar.
skbscope_aot_path() { echo "${2%.jar}-$1.aot"; }

# The identity of jar $1 a cache is made for: size, modification time (ns) and inode.
skbscope_aot_stamp() { stat -c '%s %.9Y %i' "$1" 2>/dev/null; }

# True when cache $1 exists and was made for jar $2 as it is now (its stamp beside it). The JVM (25.0.3)
# does not check that itself: given a cache made for an older jar at the same path, it loaded the old
# jar's classes from the cache (tried: docs/performance-packets.md), so a cache is only ever used for
# the very jar it was made from.
skbscope_aot_fresh() {
  [ "${SKBSCOPE_NO_AOT:-}" != 1 ] && [ -s "$1" ] && [ -f "$1.stamp" ] && [ "$(cat "$1.stamp")" = "$(skbscope_aot_stamp "$2")" ]
}

# Makes the ahead-of-time caches (JEP 483/514/515) for jar $1 when they are missing or made for another jar,
# by a training run of each flag set: the training recording $2 ("-": a small synthetic one made by
# the jar's synth, ~60,000 events) indexed and queried by `$3... RECORDING` (the jar's `packets`, or
# the benchmark's indexer). Takes a few seconds, once per build; prints nothing unless it fails, and
# a failure only leaves the commands without a cache. One maker at a time (a lock beside the jar);
# the others run without waiting.
skbscope_aot_cache() {
  local jar="$1" training="$2"; shift 2
  local set aot tmp dir ok=0 flags stamp
  for set in batch serve; do
    skbscope_aot_fresh "$(skbscope_aot_path "$set" "$jar")" "$jar" || ok=1
  done
  [ "$ok" = 1 ] && [ "${SKBSCOPE_NO_AOT:-}" != 1 ] || return 0
  { exec 9>"${jar%.jar}.aot.lock"; } 2>/dev/null || return 0   # a jar where we cannot write: no cache
  flock -n 9 || { exec 9>&-; return 0; }
  dir="$(mktemp -d "${TMPDIR:-/tmp}/skbscope-aot.XXXXXX")" || { exec 9>&-; return 0; }
  if [ "$training" != - ]; then cp "$training" "$dir/train.jsonl" 2>"$dir/log"
  else "$JAVA_HOME/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$jar" synth --rate 5000 --seconds 1 \
         --seed 1 --out "$dir/train.jsonl" >"$dir/log" 2>&1
  fi && {
    for set in batch serve; do
      aot="$(skbscope_aot_path "$set" "$jar")"
      skbscope_aot_fresh "$aot" "$jar" && continue
      skbscope_jvm_flags "$([ "$set" = batch ] && echo packets || echo serve)" "$jar"
      # the training run's flags: the command's, without a cache or archive to use
      flags=()
      local f; for f in "${jvm[@]}"; do
        case "$f" in -XX:AOTCache=*|-XX:SharedArchiveFile=*|-XX:+AutoCreateSharedArchive|-Xlog:*) ;; *) flags+=("$f") ;; esac
      done
      tmp="$aot.$$.tmp"
      stamp="$(skbscope_aot_stamp "$jar")"
      rm -f "$aot.stamp"
      if "$JAVA_HOME/bin/java" "${flags[@]}" "-XX:AOTCacheOutput=$tmp" "$@" "$dir/train.jsonl" >>"$dir/log" 2>&1 \
          && [ -s "$tmp" ] && [ "$stamp" = "$(skbscope_aot_stamp "$jar")" ]; then
        mv -f "$tmp" "$aot" && echo "$stamp" > "$aot.stamp"
      else
        rm -f "$tmp" "$tmp.config"
        echo "skbscope: could not make the start-up cache $aot (commands run without it): $(tail -n 3 "$dir/log" | tr '\n' ' ')" >&2
      fi
    done
  }
  rm -rf "$dir"
  exec 9>&-
  return 0
}
