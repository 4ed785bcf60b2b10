/*
 * RecordJsonVectors: records what Apache Kafka Connect's real JsonConverter
 * (and StringConverter) produce, so Tributary's C converters can be checked
 * byte for byte (tests/unit/test_json_converter.c).
 *
 * Run through record.sh, which fetches connect-json/connect-api from Maven
 * Central. Writes into the directory given as the first argument:
 *   from_connect.json  Connect data -> bytes, one entry per case:
 *                      {name, config, description, output_base64, output_text}
 *                      or {name, config, description, error} when Connect throws.
 *   to_connect.json    bytes -> Connect data -> bytes again (re-serialized with
 *                      the same config but schemas.enable=true), or the error
 *                      Connect raised:
 *                      {name, config, input_text, output_text|null, error|null}
 *   string_converter.json  StringConverter.fromConnectData for primitives.
 *   numbers.json       Double.toString / Float.toString of ~10,000 values
 *                      (every power of two, random bit patterns, short
 *                      decimals): {"doubles": [[hexbits, text]...], "floats": ...}
 *
 * Every case name is mirrored by a builder in the C test; the description
 * says in words what the record is. Maps use LinkedHashMap so that entry
 * order is the insertion order the C side uses.
 */
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.StringConverter;

import java.io.File;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class RecordJsonVectors {
    static final ObjectMapper OUT = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static ArrayNode fromConnect = OUT.createArrayNode();
    static ArrayNode toConnect = OUT.createArrayNode();
    static ArrayNode stringConv = OUT.createArrayNode();

    static Map<String, String> cfg(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    static final Map<String, String> DEFAULT = cfg();
    static final Map<String, String> NOSCHEMA = cfg("schemas.enable", "false");
    static final Map<String, String> NUMERIC = cfg("decimal.format", "NUMERIC");
    static final Map<String, String> NOREPLACE = cfg("replace.null.with.default", "false");

    static JsonConverter converter(Map<String, String> config) {
        JsonConverter c = new JsonConverter();
        c.configure(config, false);
        return c;
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static void from(String name, Map<String, String> config, String desc, Schema schema, Object value) {
        ObjectNode n = fromConnect.addObject();
        n.put("name", name);
        n.set("config", OUT.valueToTree(config));
        n.put("description", desc);
        try {
            byte[] out = converter(config).fromConnectData("topic", schema, value);
            if (out == null) {
                n.putNull("output_base64");
                n.putNull("output_text");
            } else {
                n.put("output_base64", Base64.getEncoder().encodeToString(out));
                n.put("output_text", text(out));
            }
        } catch (Exception e) {
            n.put("error", e.getMessage());
        }
    }

    static void to(String name, Map<String, String> config, String input) {
        ObjectNode n = toConnect.addObject();
        n.put("name", name);
        n.set("config", OUT.valueToTree(config));
        n.put("input_text", input);
        try {
            SchemaAndValue sv = converter(config).toConnectData("topic", input == null ? null : input.getBytes(StandardCharsets.UTF_8));
            Map<String, String> back = new LinkedHashMap<>(config);
            back.put("schemas.enable", "true");
            byte[] out = converter(back).fromConnectData("topic", sv.schema(), sv.value());
            if (out == null) n.putNull("output_text"); else n.put("output_text", text(out));
            n.putNull("error");
        } catch (Exception e) {
            n.putNull("output_text");
            String msg = e.getMessage();
            if (e.getCause() != null && msg != null && msg.endsWith(": ")) msg = msg + e.getCause().getMessage();
            n.put("error", msg);
        }
    }

    static void str(String name, String desc, Schema schema, Object value) {
        ObjectNode n = stringConv.addObject();
        n.put("name", name);
        n.put("description", desc);
        StringConverter c = new StringConverter();
        c.configure(cfg(), false);
        byte[] out = c.fromConnectData("topic", schema, value);
        if (out == null) n.putNull("output_text"); else n.put("output_text", text(out));
    }

    static BigDecimal dec(String unscaled, int scale) {
        return new BigDecimal(new BigInteger(unscaled), scale);
    }

    public static void main(String[] args) throws Exception {
        File dir = new File(args.length > 0 ? args[0] : ".");

        // ---- primitives, schemas.enable=true -----------------------------------------
        from("int8_min", DEFAULT, "INT8 schema, value -128", Schema.INT8_SCHEMA, (byte) -128);
        from("int16_max", DEFAULT, "INT16 schema, value 32767", Schema.INT16_SCHEMA, (short) 32767);
        from("int32", DEFAULT, "INT32 schema, value 42", Schema.INT32_SCHEMA, 42);
        from("int32_min", DEFAULT, "INT32 schema, value -2147483648", Schema.INT32_SCHEMA, Integer.MIN_VALUE);
        from("int64_max", DEFAULT, "INT64 schema, Long.MAX_VALUE", Schema.INT64_SCHEMA, Long.MAX_VALUE);
        from("int64_min", DEFAULT, "INT64 schema, Long.MIN_VALUE", Schema.INT64_SCHEMA, Long.MIN_VALUE);
        from("bool_true", DEFAULT, "BOOLEAN schema, true", Schema.BOOLEAN_SCHEMA, true);
        from("bool_false_optional", DEFAULT, "optional BOOLEAN schema, false", Schema.OPTIONAL_BOOLEAN_SCHEMA, false);

        float[] floats = {0.1f, 1.0f, -0.0f, 3.4028235E38f, 1.4E-45f, 1.17549435E-38f, 1.0E10f, 123456.79f,
                          1.0E7f, 9999999.0f, 0.001f, 1.0E-4f, 16777216.0f, 3.14159265f, -2.5f, 100.0f, 0.3f,
                          Float.NaN, Float.POSITIVE_INFINITY};
        for (int i = 0; i < floats.length; i++)
            from("float32_" + i, DEFAULT, "FLOAT32 schema, value " + Float.toString(floats[i])
                 + " (bits " + Integer.toHexString(Float.floatToRawIntBits(floats[i])) + ")", Schema.FLOAT32_SCHEMA, floats[i]);

        double[] doubles = {0.1, 1.0, -0.0, 0.0, 1e20, 1e7, 9999999.0, 9999999.999, 0.001, 0.00099, 1.0E-4, 1.5e-5,
                            Double.MAX_VALUE, Double.MIN_VALUE, Double.MIN_NORMAL, 123456789.123, 1.0 / 3, 2.0 / 3,
                            9007199254740992.0, 100.0, 1e-300, 1e23, 5e-324, 2.2250738585072014E-308,
                            -1.7976931348623157E308, 12345678.9, 4.35, 0.3, 1e22, 1e21, 123e18,
                            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int i = 0; i < doubles.length; i++)
            from("float64_" + i, DEFAULT, "FLOAT64 schema, value " + Double.toString(doubles[i])
                 + " (bits " + Long.toHexString(Double.doubleToRawLongBits(doubles[i])) + ")", Schema.FLOAT64_SCHEMA, doubles[i]);

        from("string_plain", DEFAULT, "STRING schema, \"hello\"", Schema.STRING_SCHEMA, "hello");
        from("string_empty", DEFAULT, "STRING schema, empty string", Schema.STRING_SCHEMA, "");
        from("string_unicode", DEFAULT, "STRING schema, \"h\\u00e9llo w\\u00f6rld \\u2713 \\ud83d\\ude00 \\u4e2d\\u6587\"",
             Schema.STRING_SCHEMA, "h\u00e9llo w\u00f6rld \u2713 \ud83d\ude00 \u4e2d\u6587");
        from("string_controls", DEFAULT, "STRING schema, every control char 0x00..0x1f then 0x7f",
             Schema.STRING_SCHEMA, controls());
        from("string_escapes", DEFAULT, "STRING schema, a\"b\\c/d</script>\\u2028\\u2029",
             Schema.STRING_SCHEMA, "a\"b\\c/d</script>\u2028\u2029");
        from("bytes_empty", DEFAULT, "BYTES schema, empty array", Schema.BYTES_SCHEMA, new byte[0]);
        from("bytes_binary", DEFAULT, "BYTES schema, bytes 00 01 02 ff fe", Schema.BYTES_SCHEMA,
             new byte[] {0, 1, 2, (byte) 0xff, (byte) 0xfe});
        from("bytes_hello", DEFAULT, "BYTES schema, the bytes of \"hello!\"", Schema.BYTES_SCHEMA,
             "hello!".getBytes(StandardCharsets.UTF_8));

        // ---- nulls and defaults ----------------------------------------------------------
        from("null_optional", DEFAULT, "optional STRING schema, null value", Schema.OPTIONAL_STRING_SCHEMA, null);
        from("null_no_schema", DEFAULT, "no schema, null value", null, null);
        from("null_required", DEFAULT, "required STRING schema, null value", Schema.STRING_SCHEMA, null);
        Schema int32Default = SchemaBuilder.int32().defaultValue(7).build();
        from("null_default", DEFAULT, "INT32 schema with default 7, null value", int32Default, null);
        from("null_default_noreplace", NOREPLACE, "INT32 schema with default 7 (required), null value, replace.null.with.default=false",
             int32Default, null);
        Schema optInt32Default = SchemaBuilder.int32().optional().defaultValue(7).build();
        from("null_optdefault_noreplace", NOREPLACE, "optional INT32 schema with default 7, null value, replace.null.with.default=false",
             optInt32Default, null);
        from("default_float64", DEFAULT, "FLOAT64 schema with default 2.5, value 1.0",
             SchemaBuilder.float64().defaultValue(2.5).build(), 1.0);
        from("default_string_doc", DEFAULT, "optional STRING schema named my.Str version 3 doc \"docs here\" parameters {a=1,b=two} default \"dflt\", value \"x\"",
             SchemaBuilder.string().optional().name("my.Str").version(3).doc("docs here").parameter("a", "1").parameter("b", "two")
                 .defaultValue("dflt").build(), "x");
        from("default_bytes", DEFAULT, "BYTES schema with default bytes 01 02, value bytes 03",
             SchemaBuilder.bytes().defaultValue(new byte[] {1, 2}).build(), new byte[] {3});
        from("default_array", DEFAULT, "ARRAY of INT32 with default [1,2], value [3]",
             SchemaBuilder.array(Schema.INT32_SCHEMA).defaultValue(Arrays.asList(1, 2)).build(), Arrays.asList(3));

        // ---- arrays and maps ----------------------------------------------------------------
        from("array_int32", DEFAULT, "ARRAY of INT32, [1,2,3]", SchemaBuilder.array(Schema.INT32_SCHEMA).build(), Arrays.asList(1, 2, 3));
        from("array_empty", DEFAULT, "ARRAY of STRING, []", SchemaBuilder.array(Schema.STRING_SCHEMA).build(), new ArrayList<>());
        from("array_optional_items", DEFAULT, "optional ARRAY of optional STRING, [\"a\", null, \"c\"]",
             SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build(), Arrays.asList("a", null, "c"));
        from("array_nested", DEFAULT, "ARRAY of ARRAY of FLOAT64, [[1.5],[],[2.0,-3.25]]",
             SchemaBuilder.array(SchemaBuilder.array(Schema.FLOAT64_SCHEMA).build()).build(),
             Arrays.asList(Arrays.asList(1.5), new ArrayList<>(), Arrays.asList(2.0, -3.25)));
        Map<String, Long> sm = new LinkedHashMap<>();
        sm.put("a", 1L);
        sm.put("b\u00e9", -2L);
        from("map_string_keys", DEFAULT, "MAP STRING->INT64, {a:1, b\\u00e9:-2} in that order",
             SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build(), sm);
        Map<Integer, String> im = new LinkedHashMap<>();
        im.put(1, "one");
        im.put(-2, "minus two");
        from("map_int_keys", DEFAULT, "MAP INT32->STRING, {1:one, -2:minus two} in that order",
             SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build(), im);
        from("map_empty_string_keys", DEFAULT, "MAP STRING->STRING, {}",
             SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build(), new LinkedHashMap<>());
        from("map_empty_int_keys", DEFAULT, "MAP INT64->STRING, {}",
             SchemaBuilder.map(Schema.INT64_SCHEMA, Schema.STRING_SCHEMA).build(), new LinkedHashMap<>());
        Map<String, String> nm = new LinkedHashMap<>();
        nm.put("k", null);
        from("map_null_value", DEFAULT, "MAP STRING->optional STRING, {k:null}",
             SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).build(), nm);

        // ---- structs ------------------------------------------------------------------------
        Schema address = SchemaBuilder.struct().name("com.example.Address").doc("where").optional()
            .field("street", Schema.STRING_SCHEMA)
            .field("zip", Schema.OPTIONAL_INT32_SCHEMA)
            .build();
        Schema person = SchemaBuilder.struct().name("com.example.Person").version(2)
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("score", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("active", SchemaBuilder.bool().defaultValue(true).build())
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
            .field("address", address)
            .field("ratio", Schema.FLOAT32_SCHEMA)
            .field("small", Schema.INT8_SCHEMA)
            .field("mid", Schema.INT16_SCHEMA)
            .field("raw", Schema.OPTIONAL_BYTES_SCHEMA)
            .build();
        Struct addr = new Struct(address).put("street", "1 Main St").put("zip", 12345);
        Struct p1 = new Struct(person).put("id", 1L).put("name", "Ada").put("score", 99.5).put("active", false)
            .put("tags", Arrays.asList("x", "y")).put("address", addr).put("ratio", 0.25f).put("small", (byte) 1)
            .put("mid", (short) -300).put("raw", new byte[] {(byte) 0xde, (byte) 0xad});
        from("struct_full", DEFAULT, "struct com.example.Person v2 with every field set (id 1, name Ada, score 99.5, active false, tags [x,y], address {1 Main St, 12345}, ratio 0.25f, small 1, mid -300, raw dead)",
             person, p1);
        Struct p2 = new Struct(person).put("id", 2L).put("name", "Bob").put("ratio", 1.5f).put("small", (byte) 0).put("mid", (short) 0);
        from("struct_nulls", DEFAULT, "struct com.example.Person with only id 2, name Bob, ratio 1.5f, small 0, mid 0 set (active falls back to default true)",
             person, p2);
        from("struct_nulls_noreplace", NOREPLACE, "as struct_nulls with replace.null.with.default=false (active is then null though required)",
             person, p2);
        from("struct_schemaless_off", NOSCHEMA, "struct_full with schemas.enable=false", person, p1);
        Schema empty = SchemaBuilder.struct().build();
        from("struct_empty", DEFAULT, "unnamed struct with no fields", empty, new Struct(empty));
        Schema other = SchemaBuilder.struct().name("Other").field("a", Schema.INT32_SCHEMA).build();
        from("struct_mismatch", DEFAULT, "struct value of schema Other{a:int32} under schema com.example.Address", address,
             new Struct(other).put("a", 1));

        // ---- logical types --------------------------------------------------------------------
        from("decimal_base64", DEFAULT, "Decimal scale 2, value 123.45", Decimal.schema(2), dec("12345", 2));
        from("decimal_negative", DEFAULT, "Decimal scale 2, value -1.50", Decimal.schema(2), dec("-150", 2));
        from("decimal_zero", DEFAULT, "Decimal scale 0, value 0", Decimal.schema(0), dec("0", 0));
        from("decimal_big", DEFAULT, "Decimal scale 9, value 123456789012345678901234567890.123456789",
             Decimal.schema(9), dec("123456789012345678901234567890123456789", 9));
        from("decimal_numeric", NUMERIC, "Decimal scale 2, value 123.45, decimal.format=NUMERIC", Decimal.schema(2), dec("12345", 2));
        from("decimal_numeric_negative", NUMERIC, "Decimal scale 2, value -1.50, NUMERIC", Decimal.schema(2), dec("-150", 2));
        from("decimal_numeric_zero_scale2", NUMERIC, "Decimal scale 2, value 0.00, NUMERIC", Decimal.schema(2), dec("0", 2));
        from("decimal_numeric_tiny", NUMERIC, "Decimal scale 10, value 1E-10 (unscaled 1), NUMERIC", Decimal.schema(10), dec("1", 10));
        from("decimal_numeric_small", NUMERIC, "Decimal scale 7, value 0.0000123 (unscaled 123), NUMERIC", Decimal.schema(7), dec("123", 7));
        from("decimal_numeric_negscale", NUMERIC, "Decimal scale -2, value 12300 (unscaled 123), NUMERIC", Decimal.schema(-2), dec("123", -2));
        from("decimal_numeric_big", NUMERIC, "Decimal scale 9, value 123456789012345678901234567890.123456789, NUMERIC",
             Decimal.schema(9), dec("123456789012345678901234567890123456789", 9));
        from("decimal_numeric_default", NUMERIC, "optional Decimal scale 1 with default 2.5, null value, NUMERIC",
             Decimal.builder(1).optional().defaultValue(dec("25", 1)).build(), null);
        from("decimal_base64_default", DEFAULT, "optional Decimal scale 1 with default 2.5, value 3.0",
             Decimal.builder(1).optional().defaultValue(dec("25", 1)).build(), dec("30", 1));
        from("date", DEFAULT, "Date, day 19000 since epoch", Date.SCHEMA, new java.util.Date(19000L * 86400000L));
        from("time", DEFAULT, "Time, 3723004 ms after midnight", Time.SCHEMA, new java.util.Date(3723004L));
        from("timestamp", DEFAULT, "Timestamp, 1700000000123 ms", Timestamp.SCHEMA, new java.util.Date(1700000000123L));
        from("timestamp_negative", DEFAULT, "Timestamp, -1 ms", Timestamp.SCHEMA, new java.util.Date(-1L));
        from("date_optional_null", DEFAULT, "optional Date, null", Date.builder().optional().build(), null);
        Schema logicalStruct = SchemaBuilder.struct().name("L")
            .field("d", Date.SCHEMA).field("t", Time.SCHEMA).field("ts", Timestamp.SCHEMA).field("dec", Decimal.schema(3))
            .build();
        from("struct_logical", DEFAULT, "struct L {d: Date 1, t: Time 1000, ts: Timestamp 0, dec: Decimal(3) -0.001}", logicalStruct,
             new Struct(logicalStruct).put("d", new java.util.Date(86400000L)).put("t", new java.util.Date(1000L))
                 .put("ts", new java.util.Date(0L)).put("dec", dec("-1", 3)));
        from("struct_logical_numeric", NUMERIC, "struct_logical with decimal.format=NUMERIC", logicalStruct,
             new Struct(logicalStruct).put("d", new java.util.Date(86400000L)).put("t", new java.util.Date(1000L))
                 .put("ts", new java.util.Date(0L)).put("dec", dec("-1", 3)));

        // ---- schemaless values (schema null) -----------------------------------------------------
        Map<String, Object> free = new LinkedHashMap<>();
        free.put("n", 1L);
        free.put("f", 2.5);
        free.put("s", "x");
        free.put("b", true);
        free.put("l", Arrays.asList(1L, "two", null));
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", null);
        free.put("m", inner);
        from("schemaless_map_envelope", DEFAULT, "no schema, map {n:1L, f:2.5, s:x, b:true, l:[1L,two,null], m:{z:null}}", null, free);
        from("schemaless_map", NOSCHEMA, "as schemaless_map_envelope with schemas.enable=false", null, free);
        Map<Object, Object> mixed = new LinkedHashMap<>();
        mixed.put(1L, "a");
        mixed.put("k", 2L);
        from("schemaless_mixed_keys", NOSCHEMA, "no schema, map {1L:a, k:2L} (not all keys strings), schemas.enable=false", null, mixed);
        from("schemaless_string", NOSCHEMA, "no schema, string \"hi\", schemas.enable=false", null, "hi");
        from("schemaless_int32", NOSCHEMA, "no schema, Integer 5, schemas.enable=false", null, 5);
        from("schemaless_float32", NOSCHEMA, "no schema, Float 0.1f, schemas.enable=false", null, 0.1f);
        from("schemaless_bytes", NOSCHEMA, "no schema, bytes 01 02 03, schemas.enable=false", null, new byte[] {1, 2, 3});
        from("noschema_int32", NOSCHEMA, "INT32 schema, 42, schemas.enable=false", Schema.INT32_SCHEMA, 42);
        from("noschema_null_optional", NOSCHEMA, "optional STRING schema, null, schemas.enable=false", Schema.OPTIONAL_STRING_SCHEMA, null);
        from("noschema_null_default", NOSCHEMA, "INT32 schema with default 7, null, schemas.enable=false", int32Default, null);
        from("noschema_map_int_keys", NOSCHEMA, "MAP INT32->STRING {1:one, -2:minus two}, schemas.enable=false",
             SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build(), im);
        from("noschema_decimal_numeric", cfg("schemas.enable", "false", "decimal.format", "numeric"),
             "Decimal scale 2 value 123.45, schemas.enable=false, decimal.format=numeric (lower case)", Decimal.schema(2), dec("12345", 2));

        // ---- bytes -> Connect -> bytes ---------------------------------------------------------------
        to("rt_int32", DEFAULT, "{\"schema\":{\"type\":\"int32\"},\"payload\":5}");
        to("rt_schema_null", DEFAULT, "{\"schema\":null,\"payload\":{\"a\":[1,2.5,\"x\",null,true]}}");
        to("rt_payload_order", DEFAULT, "{\"payload\":\"v\",\"schema\":{\"type\":\"string\",\"optional\":true}}");
        to("rt_float_from_int", DEFAULT, "{\"schema\":{\"type\":\"double\"},\"payload\":3}");
        to("rt_float32", DEFAULT, "{\"schema\":{\"type\":\"float\"},\"payload\":0.1}");
        to("rt_bytes", DEFAULT, "{\"schema\":{\"type\":\"bytes\"},\"payload\":\"AAEC/w==\"}");
        to("rt_struct_missing_field_default", DEFAULT,
           "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"a\",\"type\":\"int32\",\"default\":4},{\"field\":\"b\",\"type\":\"string\",\"optional\":true}]},\"payload\":{}}");
        to("rt_struct_extra_field", DEFAULT,
           "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"a\",\"type\":\"int32\"}]},\"payload\":{\"a\":1,\"zzz\":2}}");
        to("rt_null_with_default", DEFAULT, "{\"schema\":{\"type\":\"int64\",\"default\":9},\"payload\":null}");
        to("rt_null_with_default_noreplace", NOREPLACE, "{\"schema\":{\"type\":\"int64\",\"optional\":true,\"default\":9},\"payload\":null}");
        to("rt_decimal_base64", DEFAULT,
           "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":\"MDk=\"}");
        to("rt_decimal_numeric_in", DEFAULT,
           "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":123.45}");
        to("rt_map_pairs", DEFAULT,
           "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":\"string\"}},\"payload\":[[1,\"a\"]]}");
        to("rt_schema_fields_all", DEFAULT,
           "{\"schema\":{\"type\":\"string\",\"optional\":true,\"name\":\"n\",\"version\":4,\"doc\":\"d\",\"parameters\":{\"p\":\"q\"},\"default\":\"z\"},\"payload\":\"s\"}");
        to("rt_plain_number", NOSCHEMA, "12.5");
        to("rt_plain_string", NOSCHEMA, "\"str\"");
        to("rt_plain_object", NOSCHEMA, "{\"k\":[1,{\"n\":null}]}");
        to("rt_plain_empty", NOSCHEMA, "");
        to("rt_plain_null", NOSCHEMA, "null");
        to("rt_tombstone", DEFAULT, null);
        to("rt_envelope_ignored_noschema", NOSCHEMA, "{\"schema\":{\"type\":\"int32\"},\"payload\":5}");

        // ---- errors -----------------------------------------------------------------------------------
        to("err_not_json", DEFAULT, "not json");
        to("err_no_envelope", DEFAULT, "{\"payload\":1}");
        to("err_extra_field", DEFAULT, "{\"schema\":{\"type\":\"int32\"},\"payload\":1,\"extra\":1}");
        to("err_not_object", DEFAULT, "[1,2]");
        to("err_empty", DEFAULT, "");
        to("err_unknown_type", DEFAULT, "{\"schema\":{\"type\":\"uuid\"},\"payload\":1}");
        to("err_upper_type", DEFAULT, "{\"schema\":{\"type\":\"INT32\"},\"payload\":1}");
        to("err_no_type", DEFAULT, "{\"schema\":{\"optional\":false},\"payload\":1}");
        to("err_array_no_items", DEFAULT, "{\"schema\":{\"type\":\"array\"},\"payload\":[]}");
        to("err_map_no_keys", DEFAULT, "{\"schema\":{\"type\":\"map\",\"values\":{\"type\":\"string\"}},\"payload\":{}}");
        to("err_map_no_values", DEFAULT, "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"}},\"payload\":{}}");
        to("err_struct_fields_not_array", DEFAULT, "{\"schema\":{\"type\":\"struct\",\"fields\":{}},\"payload\":{}}");
        to("err_struct_field_no_name", DEFAULT, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\"}]},\"payload\":{}}");
        to("err_param_not_string", DEFAULT, "{\"schema\":{\"type\":\"int32\",\"parameters\":{\"a\":1}},\"payload\":1}");
        to("err_required_null", DEFAULT, "{\"schema\":{\"type\":\"int32\"},\"payload\":null}");
        to("err_struct_required_missing", DEFAULT,
           "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"a\",\"type\":\"int32\"}]},\"payload\":{}}");
        to("err_map_object_for_pairs", DEFAULT,
           "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":\"string\"}},\"payload\":{\"a\":\"b\"}}");
        to("err_map_array_for_object", DEFAULT,
           "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"},\"values\":{\"type\":\"string\"}},\"payload\":[]}");
        to("err_map_short_pair", DEFAULT,
           "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":\"string\"}},\"payload\":[[1]]}");
        to("err_map_pair_not_array", DEFAULT,
           "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":\"string\"}},\"payload\":[1]}");
        to("err_struct_not_object", DEFAULT, "{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":[]}");
        to("err_date_string", DEFAULT,
           "{\"schema\":{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Date\"},\"payload\":\"x\"}");
        to("err_timestamp_float", DEFAULT,
           "{\"schema\":{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\"},\"payload\":1.5}");
        to("err_decimal_bool", DEFAULT,
           "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"2\"}},\"payload\":true}");

        // ---- StringConverter -----------------------------------------------------------------------------
        str("s_string", "STRING \"abc\"", Schema.STRING_SCHEMA, "abc");
        str("s_int32", "INT32 -5", Schema.INT32_SCHEMA, -5);
        str("s_int64", "INT64 Long.MIN_VALUE", Schema.INT64_SCHEMA, Long.MIN_VALUE);
        str("s_bool", "BOOLEAN true", Schema.BOOLEAN_SCHEMA, true);
        str("s_float32", "FLOAT32 0.1f", Schema.FLOAT32_SCHEMA, 0.1f);
        str("s_float32_big", "FLOAT32 1.0E10f", Schema.FLOAT32_SCHEMA, 1.0E10f);
        str("s_float64", "FLOAT64 1e-5", Schema.FLOAT64_SCHEMA, 1e-5);
        str("s_float64_int", "FLOAT64 100.0", Schema.FLOAT64_SCHEMA, 100.0);
        str("s_float64_nan", "FLOAT64 NaN", Schema.FLOAT64_SCHEMA, Double.NaN);
        str("s_null", "optional STRING null", Schema.OPTIONAL_STRING_SCHEMA, null);
        str("s_array", "ARRAY of INT32 [1,2,3]", SchemaBuilder.array(Schema.INT32_SCHEMA).build(), Arrays.asList(1, 2, 3));
        Map<String, Object> smap = new LinkedHashMap<>();
        smap.put("a", 1);
        smap.put("b", null);
        str("s_map", "MAP {a:1, b:null}", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_INT32_SCHEMA).build(), smap);
        Schema ss = SchemaBuilder.struct().name("S").field("a", Schema.INT32_SCHEMA).field("b", Schema.OPTIONAL_STRING_SCHEMA)
            .field("c", SchemaBuilder.array(Schema.FLOAT64_SCHEMA).build()).build();
        str("s_struct", "struct S {a:1, b:null, c:[1.5]}", ss, new Struct(ss).put("a", 1).put("c", Arrays.asList(1.5)));

        // ---- Double.toString / Float.toString corpus -------------------------------------------------
        ObjectNode numbers = OUT.createObjectNode();
        ArrayNode ds = numbers.putArray("doubles");
        ArrayNode fs = numbers.putArray("floats");
        java.util.Random rnd = new java.util.Random(20240601L);
        List<Double> dl = new ArrayList<>();
        for (int e = -1074; e <= 1023; e++) dl.add(Math.scalb(1.0, e));
        for (int i = 0; i < 3000; i++) dl.add(Double.longBitsToDouble(rnd.nextLong()));
        for (int i = 0; i < 1500; i++) dl.add(rnd.nextInt(2000000) / Math.pow(10, rnd.nextInt(30) - 10));
        for (int i = 0; i < 500; i++) dl.add(Math.nextUp(Math.pow(10, rnd.nextInt(600) - 300)));
        for (double d : dl) {
            if (Double.isNaN(d)) continue;
            ds.addArray().add(Long.toHexString(Double.doubleToRawLongBits(d))).add(Double.toString(d));
        }
        List<Float> fl = new ArrayList<>();
        for (int e = -149; e <= 127; e++) fl.add(Math.scalb(1.0f, e));
        for (int i = 0; i < 2000; i++) fl.add(Float.intBitsToFloat(rnd.nextInt()));
        for (int i = 0; i < 1000; i++) fl.add((float) (rnd.nextInt(200000) / Math.pow(10, rnd.nextInt(20) - 8)));
        for (float f : fl) {
            if (Float.isNaN(f)) continue;
            fs.addArray().add(Integer.toHexString(Float.floatToRawIntBits(f))).add(Float.toString(f));
        }
        new ObjectMapper().writeValue(new File(dir, "numbers.json"), numbers);

        OUT.writeValue(new File(dir, "from_connect.json"), fromConnect);
        OUT.writeValue(new File(dir, "to_connect.json"), toConnect);
        OUT.writeValue(new File(dir, "string_converter.json"), stringConv);
        System.out.println("wrote " + fromConnect.size() + " from_connect, " + toConnect.size() + " to_connect, "
                           + stringConv.size() + " string_converter vectors to " + dir);
    }

    static String controls() {
        StringBuilder sb = new StringBuilder();
        for (char c = 0; c < 0x20; c++) sb.append(c);
        sb.append((char) 0x7f);
        return sb.toString();
    }
}
