#!/usr/bin/env bash
# The launcher's ahead-of-time caches (scripts/jvm-flags.sh): made by a training run, used by the
# batch commands and the server, and a cache the JVM cannot use (made for another jar, damaged)
# changes neither a command's output nor its silence: it only costs speed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
source scripts/jdk.sh
source scripts/jvm-flags.sh
fail() { echo "05-startup-cache: $*" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/skbscope-aot-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# a copy of the jar, so the caches made and damaged here are not the launcher's
cp skbscope-cli/target/skbscope.jar "$work/skbscope.jar"
jar="$work/skbscope.jar"
skbscope_aot_cache "$jar" - --enable-native-access=ALL-UNNAMED -jar "$jar" packets 2>"$work/make.err"
[ ! -s "$work/make.err" ] || fail "making the caches said: $(cat "$work/make.err")"
for set in batch serve; do
  skbscope_aot_fresh "$(skbscope_aot_path "$set" "$jar")" "$jar" || fail "no $set cache made"
done
"$JAVA_HOME/bin/java" -jar "$jar" synth --rate 2000 --seconds 1 --seed 3 --out "$work/rec.jsonl" >/dev/null 2>&1
run() {   # command $1 with the flags the launcher gives it; output in $work/$2.out/.err
  skbscope_jvm_flags "$1" "$jar"; shift
  local name="$1"; shift
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "${jvm[@]}" -jar "$jar" "$@" >"$work/$name.out" 2>"$work/$name.err" \
    || fail "$name: exit $?: $(cat "$work/$name.err")"
}
skbscope_jvm_flags packets "$jar"
[[ " ${jvm[*]} " == *" -XX:AOTCache=$(skbscope_aot_path batch "$jar") "* ]] || fail "packets does not use the batch cache: ${jvm[*]}"
SKBSCOPE_NO_AOT=1 run packets plain packets "$work/rec.jsonl" --node conntrack --limit 30 --json
run packets cached packets "$work/rec.jsonl" --node conntrack --limit 30 --json
[ -s "$work/plain.out" ] || fail "no packets listed"
cmp -s "$work/plain.out" "$work/cached.out" || fail "the cache changed the answer"
[ ! -s "$work/cached.err" ] || fail "packets with its cache said: $(cat "$work/cached.err")"
# a jar rebuilt after its cache was made: the launcher does not give the JVM that cache (the JVM would
# load the old jar's classes from it); the same answer, nothing said
cp "$jar" "$work/other.jar"; echo other > "$work/other.txt"
"$JAVA_HOME/bin/jar" --update --file "$work/other.jar" -C "$work" other.txt
cp "$work/other.jar" "$jar"
skbscope_jvm_flags packets "$jar"
[[ " ${jvm[*]} " != *"-XX:AOTCache="* ]] || fail "a cache made for another jar is used: ${jvm[*]}"
run packets stale packets "$work/rec.jsonl" --node conntrack --limit 30 --json
cmp -s "$work/plain.out" "$work/stale.out" || fail "a stale cache changed the answer"
[ ! -s "$work/stale.err" ] || fail "a stale cache was reported: $(cat "$work/stale.err")"
# a damaged cache (its stamp says it is this jar's): the JVM runs without it; the same answer, nothing said
cp "$jar" "$work/made.jar" && mv "$work/made.jar" "$jar"
for set in batch serve; do skbscope_aot_stamp "$jar" > "$(skbscope_aot_path "$set" "$jar").stamp"; done
head -c 100000 "$(skbscope_aot_path batch "$jar")" > "$work/cut" && mv "$work/cut" "$(skbscope_aot_path batch "$jar")"
run packets damaged packets "$work/rec.jsonl" --node conntrack --limit 30 --json
cmp -s "$work/plain.out" "$work/damaged.out" || fail "a damaged cache changed the answer"
[ ! -s "$work/damaged.err" ] || fail "a damaged cache was reported: $(cat "$work/damaged.err")"
run serve serve --version
[ ! -s "$work/serve.err" ] || fail "the server flags with a cache said: $(cat "$work/serve.err")"
echo "05-startup-cache: caches made; the same answer with, without, a stale and a damaged cache; nothing said"
