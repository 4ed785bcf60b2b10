#!/usr/bin/env bash
# Long variant (skipped unless TRIB_LONG_TESTS=1): a CSV file of
# SPOOL_BIG_MB megabytes (default 1024) goes through SpoolDirCsvSource, and
# the worker's peak RSS stays flat in the file's size (the reader keeps a
# 64 KiB window and one row; the producer queue is bounded).
# Run it against a release build (AddressSanitizer's quarantine and shadow
# memory inflate RSS by hundreds of MB):
#   cmake -B build -S . -DCMAKE_BUILD_TYPE=Release && cmake --build build --target tributary
#   TRIB_BUILD_DIR=$PWD/build TRIB_LONG_TESTS=1 prove --exec '' tests/e2e/spooldir_big_file.t
# (measured on a shared 2-core machine: 33 MB peak RSS for an 80 MB file of
# 1M rows, 36 MB for 20 MB)
. "$(dirname "$0")/lib.sh"
[ "${TRIB_LONG_TESTS:-0}" = 1 ] || skip_all "long test: set TRIB_LONG_TESTS=1 (SPOOL_BIG_MB sets the size, default 1024)"
require_services
plan 3

MB=${SPOOL_BIG_MB:-1024}
in=$E2E_TMP/in; mkdir -p "$in" "$E2E_TMP/fin" "$E2E_TMP/err"
# ~100-byte rows with 10 typed columns
awk -v limit=$((MB * 1024 * 1024)) 'BEGIN { print "id,a,b,c,d,e,f,g,h,i"; n = 0; bytes = 0;
  while (bytes < limit) { n++; line = sprintf("%d,%d,%.3f,name-%08d,true,2024-01-%02d,%d,%.2f,text %d,%d", n, n % 1000, n / 7, n, n % 28 + 1, n * 3, n / 3, n, n % 5);
    print line; bytes += length(line) + 1 } }' > "$in/.big" && mv "$in/.big" "$in/big.csv"
rows=$(($(wc -l < "$in/big.csv") - 1))
diag "file: $(du -m "$in/big.csv" | cut -f1) MB, $rows rows"

port=$(free_port)
topic=$(uniq_name big)
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 60 || bail "worker did not start"
schema='{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"double\"},{\"name\":\"c\",\"type\":\"string\"},{\"name\":\"d\",\"type\":\"boolean\"},{\"name\":\"e\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},{\"name\":\"f\",\"type\":\"long\"},{\"name\":\"g\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":20,\"scale\":2}},{\"name\":\"h\",\"type\":\"string\"},{\"name\":\"i\",\"type\":\"int\"}]}'
r=$(rest POST "$port" /connectors "{\"name\":\"big\",\"config\":{\"connector.class\":\"SpoolDirCsvSource\",\"topic\":\"$topic\",
  \"input.path\":\"$in\",\"finished.path\":\"$E2E_TMP/fin\",\"error.path\":\"$E2E_TMP/err\",\"csv.first.row.as.header\":\"true\",
  \"value.schema\":\"$schema\",\"batch.size\":\"5000\"}}")
like "$r" '^201 ' "the connector is created"
wait_for 3600 'test -f "$E2E_TMP/fin/big.csv"'
ok $? "the whole file is read and finished"
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$WORKER_PID/status")
diag "worker peak RSS: $((hwm / 1024)) MB for a $MB MB file"
ok "$([ "$hwm" -lt $((300 * 1024)) ] && echo 0 || echo 1)" "peak RSS stays under 300 MB whatever the file size"
finish
