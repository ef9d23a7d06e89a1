#!/usr/bin/env bash
# Fetches Lightbend Config (com.typesafe:config, the HOCON parser Canton uses) from Maven Central into a cache folder
# and compiles the test oracle test/env/lightbend/HoconToJson.java against it. Prints CLASSPATH=<jar>:<classes dir>.
# Needs Java 17+ (javac) and Maven (mvn). Used by test/env/lightbend.ts and by .ci/run before the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.4.3
CACHE="${SVKMS_CACHE_DIR:-$HOME/.cache/sv-kms-operator}/lightbend-config-$VERSION"
JAR="$CACHE/config-$VERSION.jar"
SRC=test/env/lightbend/HoconToJson.java
CLASSES="$CACHE/classes-$(sha256sum "$SRC" | cut -c1-16)"

mkdir -p "$CACHE"
if [ ! -s "$JAR" ]; then
  echo "lightbend-oracle: fetching com.typesafe:config:$VERSION with Maven" >&2
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
    -Dartifact="com.typesafe:config:$VERSION" -DoutputDirectory="$CACHE" >&2
fi
if [ ! -f "$CLASSES/HoconToJson.class" ]; then
  mkdir -p "$CLASSES.tmp"
  javac -d "$CLASSES.tmp" -cp "$JAR" "$SRC" >&2
  rm -rf "$CLASSES" && mv "$CLASSES.tmp" "$CLASSES"
fi
echo "CLASSPATH=$JAR:$CLASSES"
