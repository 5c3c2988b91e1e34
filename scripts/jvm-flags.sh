# Sourced by the launcher (and the benchmarks that stand for its commands): sets the array `jvm` to
# the JVM flags for skbscope command $1 run from jar $2, and exports what that command needs.
skbscope_jvm_flags() {
  local jar="$2" jsa
  # Short batch commands (replay, synth, packets, summary, diff) start often and run briefly: serial GC, C1 only (C2's
  # compile work costs more CPU than it saves on a few seconds of work) and an auto-created class-data
  # archive beside the jar (re-created by the JVM whenever the jar changes). top starts as fast (serial
  # GC, its own archive) but keeps C2, since --live runs the stats engine for as long as it is watched.
  # The server keeps ZGC and C2.
  # SKBSCOPE_JAVA_OPTS adds or overrides flags.
  case "$1" in
    replay|synth|packets|summary|diff|top)
      jsa="${jar%.jar}-$([ "$1" = top ] && echo top || echo batch).jsa"
      # the JVM does not always replace an archive made for an older jar: drop it ourselves
      if [ -f "$jsa" ] && [ "$jsa" -ot "$jar" ]; then rm -f "$jsa"; fi
      jvm=(-XX:+UseSerialGC -XX:+AutoCreateSharedArchive "-XX:SharedArchiveFile=$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
      [ "$1" = top ] || jvm+=(-XX:TieredStopAtLevel=1)
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
       export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
       [ "$(id -u)" = 0 ] && jvm+=(-XX:ThreadPriorityPolicy=1) ;;
  esac
  return 0
}
