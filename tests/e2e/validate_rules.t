#!/usr/bin/env bash
# Data-quality rules in a real pipeline: DataGen (orders, ids 0..99) ->
# HoistField (nests the order under "order") -> Validate -> Kafka. The rule
# on order.order_id (max 79) sends ids 80..99 to the dead letter queue with
# __validate.* headers, even with errors.tolerance=none; a warning rule
# marks records with a header; the clean records reach the target topic;
# GET /connectors/{c}/quality reports the counters. on.failure=fail fails
# the task with the rule in its trace, and bad rule configs are refused at
# create time naming the rule and parameter. On the sink side (Kafka ->
# FileStreamSink) the DLQ copy keeps the record's bytes and headers, and
# on.failure=drop skips and counts.
. "$(dirname "$0")/lib.sh"
require_services
plan 25

port=$(free_port)
out=$(uniq_name vr-out)
dlq=$(uniq_name vr-dlq)
write_worker_props "$E2E_TMP/worker.properties" "$port" "$E2E_TMP/offsets" "tributary.task.auto.restart=false"
start_worker "$E2E_TMP/worker.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 30; ok $? "worker is ready"

rules='[{"rule_id":"id_range","name":"Known ids","rule_type":"range","column":"order.order_id","parameters":{"min":0,"max":79},"severity":"error"},{"rule_id":"qty","rule_type":"range","column":"order.quantity","parameters":{"min":1,"max":10}},{"rule_id":"product","rule_type":"allowed_values","column":"order.product","parameters":{"values":["keyboard","mouse","monitor","laptop","headphones","webcam","usb-cable","desk-lamp","notebook","backpack","phone-case","charger"]}},{"rule_id":"one_each","rule_type":"unique","column":"order.order_id"},{"rule_id":"small_qty","rule_type":"range","column":"order.quantity","parameters":{"max":5},"severity":"warning"}]'
rules_json=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$rules")

connector() { # connector <name> <topic> <on.failure> [extra json members]
  echo "{\"name\":\"$1\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$2\",\"count\":\"100\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",\"transforms\":\"nest,check\",\"transforms.nest.type\":\"org.apache.kafka.connect.transforms.HoistField\$Value\",\"transforms.nest.field\":\"order\",\"transforms.check.type\":\"Validate\",\"transforms.check.rules\":$rules_json,\"transforms.check.on.failure\":\"$3\"${4:-}}}"
}

r=$(rest POST "$port" /connectors "$(connector vr "$out" dlq ",\"errors.deadletterqueue.topic.name\":\"$dlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\"")")
like "$r" '^201 ' "DataGen -> Validate with on.failure=dlq is created (errors.tolerance left at none)"

wait_for 60 'test "$(topic_count "$out")" -ge 80 && test "$(topic_count "$dlq")" -ge 20'
is "$(topic_count "$out")" 80 "the 80 clean records reach the target topic"
is "$(topic_count "$dlq")" 20 "the 20 records failing id_range are in the DLQ"
max_id=$(topic_values "$out" | python3 -c 'import json,sys; print(max(json.loads(l)["order"]["order_id"] for l in sys.stdin if l.strip()))')
is "$max_id" 79 "no record failing the rule reaches the target topic"
dlq_ids=$(topic_values "$dlq" | python3 -c 'import json,sys; print(",".join(str(i) for i in sorted(json.loads(l)["payload"]["order"]["order_id"] for l in sys.stdin if l.strip())))')
is "$dlq_ids" "$(seq -s, 80 99)" "the DLQ holds exactly the records of ids 80..99, as Connect JSON"
hdrs=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$dlq" -e -q -c 1 -f '%h\n' 2>/dev/null)
like "$hdrs" "__validate.rule.id=id_range" "a DLQ record names the rule id"
like "$hdrs" "__validate.field=order.order_id" "a DLQ record names the field"
like "$hdrs" "__validate.value=(8|9)[0-9]" "a DLQ record carries the value"
like "$hdrs" "__validate.reason=is above the maximum 79" "a DLQ record says why"

q=$(rest GET "$port" /connectors/vr/quality)
summary=$(echo "${q#* }" | python3 -c '
import json,sys
d=json.load(sys.stdin); t=d["transforms"][0]; r={x["rule_id"]:x for x in t["rules"]}
print(t["alias"], r["id_range"]["passed"], r["id_range"]["failed"], r["qty"]["passed"], t["records"]["dlq"], t["records"]["total"])')
is "$summary" "check 80 20 100 20 100" "GET /connectors/vr/quality: id_range 80 passed / 20 failed, qty 100 passed, 20 to the DLQ of 100"
warned=$(echo "${q#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin)["transforms"][0]["records"]["warned"])')
marked=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$out" -e -q -f '%h\n' 2>/dev/null | grep -c "__validate.warning=small_qty")
is "$marked $([ "$warned" -gt 0 ] && echo some)" "$warned some" "every record counted as warned (quantity over 5) carries a __validate.warning header in the target ($warned)"
like "$(rest GET "$port" /connectors/nope/quality)" '^404 ' "quality of an unknown connector is 404"

# on.failure=fail: the task fails with the rule in its trace
r=$(rest POST "$port" /connectors "$(connector vrfail "$(uniq_name vr-fail)" fail ",\"errors.tolerance\":\"all\"")")
wait_for 60 "curl -s http://127.0.0.1:$port/connectors/vrfail/status | grep -q FAILED"
st=$(rest GET "$port" /connectors/vrfail/tasks/0/status)
like "$st" '"state": ?"FAILED"' "on.failure=fail fails the task even with errors.tolerance=all"
like "$st" 'rule id_range \(range\) failed on order.order_id' "the FAILED task's trace names the rule and field"

# bad configs are refused at create, naming the rule and the parameter
bad='[{"rule_id":"age","rule_type":"range","column":"age","parameters":{"min":"young"}}]'
r=$(rest POST "$port" /connectors "{\"name\":\"vrbad\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"x\",\"transforms\":\"v\",\"transforms.v.type\":\"Validate\",\"transforms.v.rules\":$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$bad")}}")
like "$r" "^400 .*rule 'age': Invalid value young for configuration min" "a bad parameter is a 400 naming rule and parameter"
r=$(rest POST "$port" /connectors "$(connector vrnodlq x dlq)")
like "$r" '^400 .*errors.deadletterqueue.topic.name' "on.failure=dlq without a DLQ topic is a 400"

# sink side: the DLQ copy keeps the record's bytes and headers, plus the rule's
in=$(uniq_name vr-in)
sdlq=$(uniq_name vr-sdlq)
printf '%s\n' '{"user_id":1,"email":"a@example.org"}' '{"user_id":2,"email":"nope"}' '{"user_id":3,"email":"b@example.org"}' '{"email":"c@example.org"}' |
  kcat -b "$KAFKA_BOOTSTRAP" -P -t "$in" -H origin=e2e 2>/dev/null
srules='[{"rule_id":"email_format","rule_type":"email","column":"email"},{"rule_id":"required_fields","rule_type":"not_null","column":"user_id"}]'
sink() { # sink <name> <file> <on.failure> [extra json members]
  echo "{\"name\":\"$1\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$2\",\"topics\":\"$in\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",\"transforms\":\"v\",\"transforms.v.type\":\"Validate\",\"transforms.v.rules\":$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$srules"),\"transforms.v.on.failure\":\"$3\"${4:-}}}"
}
rest POST "$port" /connectors "$(sink vrsink "$E2E_TMP/sink.txt" dlq ",\"errors.deadletterqueue.topic.name\":\"$sdlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\"")" >/dev/null
rest POST "$port" /connectors "$(sink vrdrop "$E2E_TMP/drop.txt" drop)" >/dev/null
wait_for 60 'test "$(topic_count "$sdlq")" -ge 2 && test "$(lines_in "$E2E_TMP/sink.txt")" -ge 2 && test "$(lines_in "$E2E_TMP/drop.txt")" -ge 2'
is "$(cat "$E2E_TMP/sink.txt" 2>/dev/null | tr '\n' ' ')" "{user_id=1, email=a@example.org} {user_id=3, email=b@example.org} " "sink: the two clean records reach the file"
is "$(topic_values "$sdlq" | tr '\n' '|')" '{"user_id":2,"email":"nope"}|{"email":"c@example.org"}|' "sink: the failing records are in the DLQ, bytes unchanged"
shdrs=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$sdlq" -e -q -f '%h\n' 2>/dev/null | tr '\n' '|')
like "$shdrs" "origin=e2e,.*__validate.rule.id=email_format.*[|]origin=e2e,.*__validate.rule.id=required_fields" "sink: DLQ records keep their headers and name the failed rule"
is "$(cat "$E2E_TMP/drop.txt" 2>/dev/null | wc -l)" 2 "on.failure=drop: only the clean records reach the file"
dropped=$(rest GET "$port" /connectors/vrdrop/quality)
like "$dropped" '"dropped": ?2' "on.failure=drop: the two dropped records are counted"

kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null

# tenants: Validate is on their allow-list, and the quality endpoint has a twin
tport=$(free_port)
echo "admin-$RANDOM-$RANDOM-secret-token" > "$E2E_TMP/admin.token"
write_worker_props "$E2E_TMP/tw.properties" "$tport" "$E2E_TMP/toffsets" \
  "admin.token.file=$E2E_TMP/admin.token" "tenant.key.secret.file=$E2E_TMP/key.secret"
start_worker "$E2E_TMP/tw.properties" "$E2E_TMP/tenant-worker.log"
wait_rest "$tport" 30
admin=(-H "Authorization: Bearer $(cat "$E2E_TMP/admin.token")")
tn=vr$RANDOM
for t in "$tn" "${tn}x"; do
  curl -s -o /dev/null -X POST "${admin[@]}" -H 'Content-Type: application/json' --data "{\"name\":\"$t\",\"topic_prefix\":\"$t-\"}" "http://127.0.0.1:$tport/tenants"
done
key=$(curl -s -X POST "${admin[@]}" "http://127.0.0.1:$tport/tenants/$tn/keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
other=$(curl -s -X POST "${admin[@]}" "http://127.0.0.1:$tport/tenants/${tn}x/keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data "$(connector gen "$tn-orders" drop)" "http://127.0.0.1:$tport/tenants/$tn/connectors")
is "$code" 201 "a tenant creates a connector with Validate"
wait_for 60 "curl -s -H 'Authorization: Bearer $key' http://127.0.0.1:$tport/tenants/$tn/connectors/gen/quality | grep -q '\"total\": *100'"
tq=$(curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$tport/tenants/$tn/connectors/gen/quality")
like "$tq" '"name": ?"gen".*"dropped": ?20' "GET /tenants/{t}/connectors/gen/quality: local name, 20 dropped of 100"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $other" "http://127.0.0.1:$tport/tenants/$tn/connectors/gen/quality")
is "$code" 403 "another tenant's key cannot read the counters"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
finish
