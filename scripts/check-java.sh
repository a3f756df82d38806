#!/bin/sh
# Checks that Java 17 or newer is installed: DynamoDB Local (the official AWS
# jar the local stack runs) needs it. Prints how to install it otherwise.
set -eu
min=17
hint="Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17; or set JAVA_HOME"
java=java
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  java="$JAVA_HOME/bin/java"
fi
if ! command -v "$java" >/dev/null 2>&1; then
  echo "Java is not installed: DynamoDB Local needs Java $min or newer ($hint)." >&2
  exit 1
fi
# `java -version` prints e.g.: openjdk version "17.0.15" 2025-04-15 (Java 8: "1.8.0_391")
version=$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9.]*\).*/\1/p' | head -n 1)
major=${version%%.*}
if [ "$major" = "1" ]; then
  major=$(echo "$version" | cut -d. -f2)
fi
if [ -z "$major" ] || [ "$major" -lt "$min" ]; then
  echo "Java ${version:-of unknown version} found ($java): DynamoDB Local needs Java $min or newer ($hint)." >&2
  exit 1
fi
echo "Java $version: ok"
