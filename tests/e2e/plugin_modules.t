#!/usr/bin/env bash
# Plugin modules (common/module.h): an idle worker maps none of libpq,
# avro-c and libmongoc (libcurl: see LIBS); the first connector that needs one loads its module
# (build/plugins/*.so next to the binary) and runs: DataGen -> Avro ->
# Kafka -> PostgresSink. Every undefined symbol of a module resolves against
# the binary's exports or the libraries loaded with it. A binary without its
# modules (copied alone to another directory, plugin.path naming a directory
# without them) lists the plugins, refuses to create or validate them with
# an error naming the class and the paths searched, fails a task whose
# worker-level converter is missing with that trace, reports a broken .so
# with the loader's message, and keeps serving; plugin.path pointing at the
# modules makes the same copy work.
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${PG_URL:-}" ] || bail "PG_URL is not set"
[ -n "${SCHEMA_REGISTRY_URL:-}" ] || bail "SCHEMA_REGISTRY_URL is not set"
command -v jq >/dev/null || bail "jq is missing (scripts/deps installs it)"

BUILD=$(dirname "$TRIB_BIN")
PG_CLASS=io.tributary.connect.postgres.PostgresSinkConnector
maps_has() { grep -qE "$2" "/proc/$1/maps"; } # maps_has <pid> <regex>
# libcurl is not in the list: librdkafka 2.8 itself links it (OAUTHBEARER
# OIDC token requests), so every worker maps it since the move to 2.8.
LIBS='/libpq\.so|/libavro\.so|/libmongoc'

# ---- the modules: built next to the binary, no unresolved symbol ----------------
[ -f "$BUILD/plugins/postgres.so" ] && [ -f "$BUILD/plugins/avro.so" ]
ok $? "the build has plugins/postgres.so and plugins/avro.so next to tributary"
miss=""
for so in "$BUILD"/plugins/*.so; do
  defs=$( (nm -D --defined-only "$TRIB_BIN"
           for l in $(ldd "$so" "$TRIB_BIN" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u); do
             nm -D --defined-only "$l"; done) 2>/dev/null | awk '{print $3}' | sed 's/@.*//' | sort -u)
  und=$(nm -D --undefined-only "$so" | awk '$1 == "U" {print $2}' | sed 's/@.*//' | sort -u)
  left=$(comm -23 <(echo "$und") <(echo "$defs"))
  [ -z "$left" ] || miss+=" $(basename "$so"):$(echo $left | tr ' ' ',')"
done
is "$miss" "" "every undefined symbol of each module is exported by tributary or a library it loads"
bad=""
for so in "$BUILD"/plugins/*.so; do
  ldd "$so" | grep -qE 'libtrib|not found' && bad+=" $(basename "$so")"
  n=$(nm -D --defined-only "$so" | awk '$3 ~ /^trib_/' | wc -l)
  [ "$n" = 1 ] || bad+=" $(basename "$so")(exports $n trib_ symbols)"
done
is "$bad" "" "each module exports only its trib_module_<name> descriptor and links no core library"
nm -D --defined-only "$TRIB_BIN" | grep -qw trib_error_set
ok $? "the binary exports its core symbols (trib_error_set) for the modules"

# ---- idle, then DataGen -> Avro -> Kafka -> PostgresSink ------------------------
port=$(free_port)
topic=$(uniq_name plugmod)
table=$(echo "$topic" | tr '-' '_')
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/w.offsets"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 60 || bail "the worker did not answer GET /"
pid=$WORKER_PID
sleep 1
maps_has "$pid" "$LIBS"; st=$?
is "$st" 1 "an idle worker maps none of libpq, libavro, libmongoc"
[ "$st" = 1 ] || diag "$(grep -E "$LIBS" "/proc/$pid/maps" | awk '{print $6}' | sort -u)"
r=$(rest GET "$port" /connector-plugins)
like "$r" "^200 .*\"$PG_CLASS\"" "GET /connector-plugins lists PostgresSink"
maps_has "$pid" "$LIBS|/plugins/[a-z]+\.so"; is "$?" 1 "listing the plugins loads no module"
r=$(rest GET "$port" /connector-plugins/PostgresSink/config)
like "$r" '^200 .*"connection.url"' "the config definition of PostgresSink comes from its module"
maps_has "$pid" '/libpq\.so'; ok $? "... which maps libpq"

conv="\"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"$SCHEMA_REGISTRY_URL\",\"key.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"key.converter.schemas.enable\":\"false\""
r=$(rest POST "$port" /connectors "{\"name\":\"gen\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"value.shape\":\"orders\",\"key.shape\":\"sequence\",\"count\":\"200\",\"tasks.max\":\"1\",$conv}}")
like "$r" '^201 ' "a DataGen connector with the Avro converter is created"
wait_for 60 'test "$(topic_count "$topic")" -ge 200'
is "$(topic_count "$topic")" 200 "DataGen wrote 200 Avro records"
maps_has "$pid" '/libavro\.so'
ok $? "the Avro converter's module mapped avro-c"
r=$(rest POST "$port" /connectors "{\"name\":\"pg\",\"config\":{\"connector.class\":\"PostgresSink\",\"topics\":\"$topic\",\"connection.url\":\"$PG_URL\",\"table.name.format\":\"$table\",\"auto.create\":\"true\",\"insert.mode\":\"insert\",\"tasks.max\":\"1\",$conv}}")
like "$r" '^201 ' "a PostgresSink connector is created"
rows() { psql "$PG_URL" -Atc "SELECT count(*) FROM \"$table\"" 2>/dev/null || echo 0; }
wait_for 60 'test "$(rows)" -ge 200'
is "$(rows)" 200 "the PostgresSink connector wrote the 200 records to PostgreSQL"
st=$(curl -s "http://127.0.0.1:$port/connectors/pg/status" | jq -r '[.connector.state, .tasks[0].state] | join(" ")')
is "$st" "RUNNING RUNNING" "the PostgresSink connector and its task are RUNNING"
grep -q "loaded plugin module postgres from $BUILD/plugins/postgres.so" "$E2E_TMP/w.log"
ok $? "the log says which module file was loaded"
kill -TERM "$pid"; wait "$pid" 2>/dev/null
is "$?" 0 "the worker stops cleanly with modules loaded"
psql "$PG_URL" -qc "DROP TABLE IF EXISTS \"$table\"" >/dev/null 2>&1

# ---- a binary without its modules --------------------------------------------------
mkdir -p "$E2E_TMP/alone" "$E2E_TMP/empty" "$E2E_TMP/broken"
cp "$TRIB_BIN" "$E2E_TMP/alone/tributary"
port=$(free_port)
write_worker_props "$E2E_TMP/alone.properties" "$port" "$E2E_TMP/alone.offsets" "plugin.path=$E2E_TMP/empty"
sed -i 's/^value.converter=.*/value.converter=AvroConverter/' "$E2E_TMP/alone.properties"
echo "value.converter.schema.registry.url=$SCHEMA_REGISTRY_URL" >> "$E2E_TMP/alone.properties"
TRIB_BIN=$E2E_TMP/alone/tributary start_worker "$E2E_TMP/alone.properties" "$E2E_TMP/alone.log"
wait_rest "$port" 60 || bail "the copied worker did not answer GET /"
pid=$WORKER_PID
r=$(rest GET "$port" /connector-plugins)
like "$r" '^200 .*FileStreamSinkConnector' "without modules, GET /connector-plugins lists the built-in plugins"
unlike "$r" "\"$PG_CLASS\"" "but not PostgresSink, whose module is not installed (Connect lists what plugin.path holds)"
unlike "$(rest GET "$port" '/connector-plugins?connectorsOnly=false')" '"io.confluent.connect.avro.AvroConverter"' \
  "nor the AvroConverter among all plugins"
pgcfg="{\"name\":\"pg\",\"connector.class\":\"PostgresSink\",\"topics\":\"t\",\"connection.url\":\"$PG_URL\",\"value.converter\":\"JsonConverter\"}"
r=$(rest POST "$port" /connectors "{\"name\":\"pg\",\"config\":$pgcfg}")
like "$r" '^400 ' "creating a PostgresSink connector without its module is refused (400)"
like "$r" "$PG_CLASS" "the error names the class"
like "$r" "plugin module 'postgres' not found: searched $E2E_TMP/empty/postgres.so, $E2E_TMP/alone/plugins/postgres.so, $E2E_TMP/alone/../lib/tributary/plugins/postgres.so" \
  "the error names every path searched: plugin.path, then plugins/ and ../lib/tributary/plugins/ next to the binary"
r=$(rest PUT "$port" /connector-plugins/PostgresSink/config/validate "$pgcfg")
like "$r" "^500 .*$PG_CLASS.*not found: searched $E2E_TMP/empty/postgres.so" "validating it is a 500 with the same explanation"
r=$(rest GET "$port" /connector-plugins/AvroConverter/config)
like "$r" "^500 .*AvroConverter.*plugin module 'avro' not found" "the Avro converter's config definition is a 500 naming the module"
r=$(rest POST "$port" /connectors "{\"name\":\"gen\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"t-$topic\",\"count\":\"10\",\"tasks.max\":\"1\"}}")
like "$r" '^201 ' "a DataGen connector using the worker's Avro converter is created"
wait_for 30 'curl -s http://127.0.0.1:$port/connectors/gen/status | grep -q FAILED'
trace=$(curl -s "http://127.0.0.1:$port/connectors/gen/status" | jq -r '.tasks[0].state + " " + .tasks[0].trace')
like "$trace" "^FAILED .*value.converter.*plugin module 'avro' not found: searched $E2E_TMP/empty/avro.so" \
  "its task is FAILED with a trace naming the converter, the module and the paths"
is "$(rest GET "$port" / | cut -c1-3)" 200 "the worker keeps serving"
maps_has "$pid" "$LIBS"; is "$?" 1 "and still maps none of libpq, libavro, libmongoc"
kill -TERM "$pid"; wait "$pid" 2>/dev/null

# a file that is not a loadable module, first in plugin.path
printf 'not an ELF object\n' > "$E2E_TMP/broken/postgres.so"
port=$(free_port)
write_worker_props "$E2E_TMP/broken.properties" "$port" "$E2E_TMP/broken.offsets" \
  "plugin.path=$E2E_TMP/empty, $E2E_TMP/broken,$BUILD/plugins"
TRIB_BIN=$E2E_TMP/alone/tributary start_worker "$E2E_TMP/broken.properties" "$E2E_TMP/broken.log"
wait_rest "$port" 60 || bail "the copied worker did not answer GET /"
pid=$WORKER_PID
r=$(rest PUT "$port" /connector-plugins/PostgresSink/config/validate "$pgcfg")
like "$r" "^500 .*plugin module 'postgres' at $E2E_TMP/broken/postgres.so could not be loaded: " \
  "a broken module is reported with its path and the loader's message (the next directory is not tried)"
kill -TERM "$pid"; wait "$pid" 2>/dev/null

# plugin.path naming the build's plugins directory: the copy works
port=$(free_port)
write_worker_props "$E2E_TMP/path.properties" "$port" "$E2E_TMP/path.offsets" "plugin.path=$E2E_TMP/empty,$BUILD/plugins"
TRIB_BIN=$E2E_TMP/alone/tributary start_worker "$E2E_TMP/path.properties" "$E2E_TMP/path.log"
wait_rest "$port" 60 || bail "the copied worker did not answer GET /"
pid=$WORKER_PID
r=$(rest PUT "$port" /connector-plugins/PostgresSink/config/validate "$pgcfg")
like "$r" '^200 .*"error_count":0' "with plugin.path naming the modules' directory, PostgresSink validates"
maps_has "$pid" '/libpq\.so'; ok $? "and its module (with libpq) is loaded from plugin.path"
kill -TERM "$pid"; wait "$pid" 2>/dev/null

plan "$_tap_n"
finish
