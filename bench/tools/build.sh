#!/usr/bin/env bash
# bench/tools/build.sh: compile the benchmark's C tools (gen_orders, raw_produce,
# ktool, mongo_bulk) into $TRIB_BENCH_TOOLS (default <repo>/build-bench/tools) with the
# system libraries (librdkafka, avro-c, libcurl, jansson, libmongoc). Rebuilds only when a
# source is newer than its binary. Prints the output directory.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${TRIB_BENCH_TOOLS:-$(cd "$HERE/../.." && pwd)/build-bench/tools}
mkdir -p "$OUT"
CC=${CC:-cc}
CFLAGS=(-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror)
build() { # build NAME PKG...
    local name=$1; shift
    if [ ! -x "$OUT/$name" ] || [ "$HERE/$name.c" -nt "$OUT/$name" ]; then
        # shellcheck disable=SC2046
        "$CC" "${CFLAGS[@]}" -o "$OUT/$name.tmp" "$HERE/$name.c" $(pkg-config --cflags --libs "$@") \
            || { echo "bench/tools/build.sh: building $name failed" >&2; exit 1; }
        mv "$OUT/$name.tmp" "$OUT/$name"
    fi
}
build gen_orders rdkafka avro-c libcurl jansson
build raw_produce rdkafka
build ktool rdkafka
build mongo_bulk libmongoc-1.0
echo "$OUT"
