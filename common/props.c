/*
 * props.c: the ordered string map and its .properties / JSON codecs.
 */
#include "common/props.h"
#include "common/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct prop {
    char *key;
    char *value;
    uint64_t hash;
} prop;

/* Entries stay in an array in insertion order (iteration, files and JSON
 * round-trip as written); past INDEX_MIN entries an open-addressing table
 * of array positions makes get/set O(1) on average. Configs come from
 * request bodies, and a linear lookup made 20,000 keys (or a chain of
 * 2,000 transforms, each reading its own keys) cost seconds. */
#define INDEX_MIN 8

struct trib_props {
    prop *items;
    size_t n, cap;
    uint32_t *slots;  /* position + 1, 0 = empty; NULL below INDEX_MIN */
    size_t nslots;    /* power of two, at least 2n */
};

/* Keys are chosen by clients: a per-process random seed keeps them from
 * picking keys that all land in one slot. */
static uint64_t hash_seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;
static void seed_init(void) {
    if (trib_random_bytes(&hash_seed, sizeof hash_seed, NULL) < 0) hash_seed = (uint64_t)(uintptr_t)&hash_seed;
}

static uint64_t key_hash(const char *k) {
    pthread_once(&seed_once, seed_init);
    uint64_t h = 1469598103934665603ULL ^ hash_seed;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;   /* FNV's low bits mix poorly; the mask takes low bits */
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

static void index_put(trib_props *p, size_t pos) {
    size_t mask = p->nslots - 1;
    for (size_t i = p->items[pos].hash & mask;; i = (i + 1) & mask)
        if (!p->slots[i]) {
            p->slots[i] = (uint32_t)(pos + 1);
            return;
        }
}

static void index_rebuild(trib_props *p) {
    free(p->slots);
    p->slots = NULL;
    p->nslots = 0;
    if (p->n < INDEX_MIN) return;
    size_t ns = 16;
    while (ns < 2 * p->n + 2) ns *= 2;
    p->slots = trib_xcalloc(ns, sizeof *p->slots);
    p->nslots = ns;
    for (size_t i = 0; i < p->n; i++) index_put(p, i);
}

trib_props *trib_props_new(void) {
    return trib_xcalloc(1, sizeof(trib_props));
}

void trib_props_destroy(trib_props *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].key);
        free(p->items[i].value);
    }
    free(p->items);
    free(p->slots);
    free(p);
}

trib_props *trib_props_clone(const trib_props *p) {
    trib_props *c = trib_props_new();
    if (p) trib_props_merge(c, p);
    return c;
}

static prop *find_h(const trib_props *p, const char *key, uint64_t h) {
    if (!p->slots) {
        for (size_t i = 0; i < p->n; i++)
            if (p->items[i].hash == h && strcmp(p->items[i].key, key) == 0) return &p->items[i];
        return NULL;
    }
    size_t mask = p->nslots - 1;
    for (size_t i = h & mask; p->slots[i]; i = (i + 1) & mask) {
        prop *e = &p->items[p->slots[i] - 1];
        if (e->hash == h && strcmp(e->key, key) == 0) return e;
    }
    return NULL;
}

static prop *find(const trib_props *p, const char *key) { return find_h(p, key, key_hash(key)); }

void trib_props_set(trib_props *p, const char *key, const char *value) {
    uint64_t h = key_hash(key);
    prop *e = find_h(p, key, h);
    if (e) {
        char *v = trib_xstrdup(value ? value : "");
        free(e->value);
        e->value = v;
        return;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->items = trib_xrealloc(p->items, p->cap * sizeof *p->items);
    }
    p->items[p->n].key = trib_xstrdup(key);
    p->items[p->n].value = trib_xstrdup(value ? value : "");
    p->items[p->n].hash = h;
    p->n++;
    if (p->n >= INDEX_MIN && p->n * 2 + 2 > p->nslots) index_rebuild(p);   /* doubles: amortized O(1) */
    else if (p->slots) index_put(p, p->n - 1);
}

const char *trib_props_get(const trib_props *p, const char *key) {
    if (!p) return NULL;
    prop *e = find(p, key);
    return e ? e->value : NULL;
}

const char *trib_props_get_or(const trib_props *p, const char *key, const char *dflt) {
    const char *v = trib_props_get(p, key);
    return v ? v : dflt;
}

bool trib_props_has(const trib_props *p, const char *key) {
    return p && find(p, key) != NULL;
}

bool trib_props_remove(trib_props *p, const char *key) {
    if (!p) return false;
    prop *e = find(p, key);
    if (!e) return false;
    free(e->key);
    free(e->value);
    size_t i = (size_t)(e - p->items);
    memmove(&p->items[i], &p->items[i + 1], (p->n - i - 1) * sizeof *p->items);
    p->n--;
    index_rebuild(p);   /* positions moved; removals are rare (a few per config) */
    return true;
}

size_t trib_props_count(const trib_props *p) { return p ? p->n : 0; }
const char *trib_props_key_at(const trib_props *p, size_t i) { return p->items[i].key; }
const char *trib_props_value_at(const trib_props *p, size_t i) { return p->items[i].value; }

trib_props *trib_props_subset(const trib_props *p, const char *prefix) {
    trib_props *s = trib_props_new();
    size_t plen = strlen(prefix);
    for (size_t i = 0; p && i < p->n; i++)
        if (strncmp(p->items[i].key, prefix, plen) == 0 && p->items[i].key[plen])
            trib_props_set(s, p->items[i].key + plen, p->items[i].value);
    return s;
}

void trib_props_merge(trib_props *dst, const trib_props *src) {
    for (size_t i = 0; src && i < src->n; i++)
        trib_props_set(dst, src->items[i].key, src->items[i].value);
}

bool trib_props_equal(const trib_props *a, const trib_props *b) {
    if (trib_props_count(a) != trib_props_count(b)) return false;
    for (size_t i = 0; a && i < a->n; i++) {
        const char *v = trib_props_get(b, a->items[i].key);
        if (!v || strcmp(v, a->items[i].value) != 0) return false;
    }
    return true;
}

/* ---- .properties parsing ------------------------------------------------ */

/* Reads one logical line (joining backslash continuations) starting at *pos.
 * Returns a malloc'd string with escapes still in it, or NULL at the end. */
static char *logical_line(const char *t, size_t len, size_t *pos) {
    if (*pos >= len) return NULL;
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    int continuing = 0;
    while (*pos < len) {
        size_t start = *pos, end = start;
        while (end < len && t[end] != '\n' && t[end] != '\r') end++;
        *pos = end;
        if (*pos < len && t[*pos] == '\r') (*pos)++;
        if (*pos < len && t[*pos] == '\n') (*pos)++;
        if (continuing) { /* leading whitespace of a continuation line is dropped */
            while (start < end && (t[start] == ' ' || t[start] == '\t' || t[start] == '\f')) start++;
        } else {
            /* A comment line never continues, even if it ends in a backslash
             * (java.util.Properties): keep it whole and let the caller skip it. */
            size_t c = start;
            while (c < end && (t[c] == ' ' || t[c] == '\t' || t[c] == '\f')) c++;
            if (c < end && (t[c] == '#' || t[c] == '!')) {
                trib_strbuf_append(&sb, t + start, end - start);
                break;
            }
        }
        /* an odd number of trailing backslashes continues the line */
        size_t bs = 0;
        while (end - bs > start && t[end - bs - 1] == '\\') bs++;
        if (bs % 2 == 1) {
            trib_strbuf_append(&sb, t + start, end - start - 1);
            continuing = 1;
            continue;
        }
        trib_strbuf_append(&sb, t + start, end - start);
        break;
    }
    return trib_strbuf_take(&sb);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The four hex digits after the 'u' at s[at], or -1. */
static long read_u4(const char *s, size_t n, size_t at) {
    if (at + 4 >= n) return -1;
    long cp = 0;
    for (size_t k = 1; k <= 4; k++) {
        int h = hexval(s[at + k]);
        if (h < 0) return -1;
        cp = cp * 16 + h;
    }
    return cp;
}

/* Unescapes s[0..n) into sb; \uXXXX becomes UTF-8. */
static int unescape(trib_strbuf *sb, const char *s, size_t n, trib_error *err, int lineno) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) { trib_strbuf_append(sb, &s[i], 1); continue; }
        char c = s[++i];
        switch (c) {
        case 't': trib_strbuf_append(sb, "\t", 1); break;
        case 'n': trib_strbuf_append(sb, "\n", 1); break;
        case 'r': trib_strbuf_append(sb, "\r", 1); break;
        case 'f': trib_strbuf_append(sb, "\f", 1); break;
        case 'u': {
            long cp = read_u4(s, n, i);
            if (cp < 0)
                return trib_error_set(err, TRIB_ERR_INVALID, "line %d: malformed \\u escape", lineno);
            i += 4;
            /* UTF-16 surrogate pairs (\uD83D\uDE00) make one code point;
             * a lone surrogate cannot be written as UTF-8. */
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = (i + 2 < n && s[i + 1] == '\\' && s[i + 2] == 'u') ? read_u4(s, n, i + 2) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return trib_error_set(err, TRIB_ERR_INVALID, "line %d: unpaired \\u surrogate", lineno);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return trib_error_set(err, TRIB_ERR_INVALID, "line %d: unpaired \\u surrogate", lineno);
            } else if (cp == 0) {
                return trib_error_set(err, TRIB_ERR_INVALID, "line %d: \\u0000 is not allowed", lineno);
            }
            char u[4];
            size_t ul;
            if (cp < 0x80) { u[0] = (char)cp; ul = 1; }
            else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); ul = 2; }
            else if (cp < 0x10000) { u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F)); ul = 3; }
            else { u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)); u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); ul = 4; }
            trib_strbuf_append(sb, u, ul);
            break;
        }
        default: trib_strbuf_append(sb, &c, 1); break;
        }
    }
    return 0;
}

trib_props *trib_props_parse(const char *text, size_t len, trib_error *err) {
    trib_props *p = trib_props_new();
    size_t pos = 0;
    int lineno = 0;
    char *line;
    while ((line = logical_line(text, len, &pos)) != NULL) {
        lineno++;
        char *s = line;
        while (*s == ' ' || *s == '\t' || *s == '\f') s++;
        if (*s == '\0' || *s == '#' || *s == '!') { free(line); continue; }
        /* key ends at the first unescaped '=', ':' or whitespace */
        size_t k = 0, n = strlen(s);
        while (k < n) {
            if (s[k] == '\\') { k += 2; continue; }
            if (s[k] == '=' || s[k] == ':' || s[k] == ' ' || s[k] == '\t' || s[k] == '\f') break;
            k++;
        }
        if (k > n) k = n;
        size_t v = k;
        while (v < n && (s[v] == ' ' || s[v] == '\t' || s[v] == '\f')) v++;
        if (v < n && (s[v] == '=' || s[v] == ':')) v++;
        while (v < n && (s[v] == ' ' || s[v] == '\t' || s[v] == '\f')) v++;
        trib_strbuf kb, vb;
        trib_strbuf_init(&kb);
        trib_strbuf_init(&vb);
        if (unescape(&kb, s, k, err, lineno) < 0 || unescape(&vb, s + v, n - v, err, lineno) < 0) {
            trib_strbuf_free(&kb);
            trib_strbuf_free(&vb);
            free(line);
            trib_props_destroy(p);
            return NULL;
        }
        trib_props_set(p, kb.data ? kb.data : "", vb.data ? vb.data : "");
        trib_strbuf_free(&kb);
        trib_strbuf_free(&vb);
        free(line);
    }
    return p;
}

trib_props *trib_props_load_file(const char *path, trib_error *err) {
    size_t len;
    char *text = trib_read_file(path, &len, err);
    if (!text) return NULL;
    trib_props *p = trib_props_parse(text, len, err);
    free(text);
    if (!p) trib_error_prefix(err, "%s", path);
    return p;
}

/* ---- JSON ---------------------------------------------------------------- */

/* The shortest text that reads back as v, as a Java double prints ("0.1",
 * "1.5", "2.0"), rather than %.17g's "0.10000000000000001". */
static void format_real(char *buf, size_t n, double v) {
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (strtod(buf, NULL) == v) break;
    }
    if (!strpbrk(buf, ".eEni")) strncat(buf, ".0", n - strlen(buf) - 1);
}

trib_props *trib_props_from_json(const json_t *obj, trib_error *err) {
    if (!json_is_object(obj)) {
        trib_error_set(err, TRIB_ERR_INVALID, "config must be a JSON object of string values");
        return NULL;
    }
    trib_props *p = trib_props_new();
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        char buf[64];
        switch (json_typeof(val)) {
        case JSON_STRING: trib_props_set(p, key, json_string_value(val)); break;
        case JSON_INTEGER:
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(val));
            trib_props_set(p, key, buf);
            break;
        case JSON_REAL:
            format_real(buf, sizeof buf, json_real_value(val));
            trib_props_set(p, key, buf);
            break;
        case JSON_TRUE: trib_props_set(p, key, "true"); break;
        case JSON_FALSE: trib_props_set(p, key, "false"); break;
        default:
            trib_error_set(err, TRIB_ERR_INVALID,
                           "config value for '%s' must be a string, number or boolean", key);
            trib_props_destroy(p);
            return NULL;
        }
    }
    return p;
}

json_t *trib_props_to_json(const trib_props *p) {
    json_t *o = json_object();
    for (size_t i = 0; p && i < p->n; i++)
        json_object_set_new(o, p->items[i].key, json_string(p->items[i].value));
    return o;
}
