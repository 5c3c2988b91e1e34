# Sourced by the project's scripts: exports JAVA_HOME pointing at a JDK 25 (the default java here is 17).
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q '"25'; then
  for d in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25*; do
    if [ -x "$d/bin/java" ]; then export JAVA_HOME="$d"; break; fi
  done
fi
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q '"25'; then
  echo "skbscope needs JDK 25 (Temurin expected at /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  exit 1
fi
export PATH="$JAVA_HOME/bin:$PATH"
