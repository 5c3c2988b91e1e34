# Sourced by the project's scripts: exports JAVA_HOME pointing at a JDK 25 (the default java here is 17).
# A JDK's version is read from its `release` file (starting a JVM to ask it took 0.1-0.2 s of every
# command); `java -version` only for a JDK without one.
skbscope_is_jdk25() {
  [ -x "$1/bin/java" ] || return 1
  if [ -f "$1/release" ]; then grep -q '^JAVA_VERSION="25' "$1/release"
  else "$1/bin/java" -version 2>&1 | grep -q '"25'; fi
}
if [ -z "${JAVA_HOME:-}" ] || ! skbscope_is_jdk25 "$JAVA_HOME"; then
  for d in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25*; do
    if skbscope_is_jdk25 "$d"; then export JAVA_HOME="$d"; break; fi
  done
fi
if [ -z "${JAVA_HOME:-}" ] || ! skbscope_is_jdk25 "$JAVA_HOME"; then
  echo "skbscope needs JDK 25 (Temurin expected at /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  exit 1
fi
export PATH="$JAVA_HOME/bin:$PATH"
