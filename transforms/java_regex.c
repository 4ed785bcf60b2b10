/*
 * java_regex.c: translates a Java regex to a POSIX extended regex and runs
 * it anchored (see java_regex.h for what is supported and why).
 *
 * The translation wraps the pattern as ^( ... )$ so regexec can only report
 * a match of the whole subject, emits every character class as an explicit
 * list of ASCII characters (no ranges, so the locale's collation order
 * never matters), and keeps a map from Java group numbers to POSIX ones
 * because (?:...) becomes a plain POSIX group.
 */
#include "transforms/java_regex.h"

#include "common/util.h"

#include <ctype.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct trib_jregex {
    regex_t re;
    size_t java_groups;
    size_t *posix_of;  /* posix_of[k] = POSIX group of Java group k (k >= 1) */
    size_t nsub;       /* POSIX groups, including the ^( )$ wrapper */
};

typedef struct xlate {
    const char *pat;
    size_t i;
    trib_strbuf out;
    size_t java_groups, posix_groups;
    size_t *posix_of;
    size_t cap;
    int depth;  /* open groups, so ')' cannot close the ^( )$ wrapper */
    bool atom;  /* something a quantifier may follow was just emitted */
    trib_error *err;
} xlate;

typedef struct cset {
    uint8_t bits[16];  /* ASCII 1..127 */
} cset;

static void cset_add(cset *s, int c) { s->bits[c >> 3] |= (uint8_t)(1u << (c & 7)); }
static bool cset_has(const cset *s, int c) { return s->bits[c >> 3] & (1u << (c & 7)); }
static void cset_range(cset *s, int lo, int hi) { for (int c = lo; c <= hi; c++) cset_add(s, c); }

static void cset_digit(cset *s) { cset_range(s, '0', '9'); }
static void cset_word(cset *s) {
    cset_range(s, 'a', 'z');
    cset_range(s, 'A', 'Z');
    cset_range(s, '0', '9');
    cset_add(s, '_');
}
static void cset_space(cset *s) {
    const char *ws = " \t\n\v\f\r";
    for (const char *p = ws; *p; p++) cset_add(s, *p);
}

/* A POSIX bracket expression listing every member; ']' first, '-' last,
 * '^' never first, '[' just before '-' so it cannot start [: [. [=. */
static void emit_cset(trib_strbuf *out, const cset *s, bool negate) {
    bool has_rbr = cset_has(s, ']'), has_dash = cset_has(s, '-'), has_caret = cset_has(s, '^'),
         has_lbr = cset_has(s, '[');
    size_t others = 0;
    for (int c = 1; c < 128; c++)
        if (cset_has(s, c) && c != ']' && c != '-' && c != '^' && c != '[') others++;
    if (!negate && !has_rbr && !others && !has_lbr && has_caret && !has_dash) {
        trib_strbuf_puts(out, "\\^");  /* the set is just '^' */
        return;
    }
    trib_strbuf_putc(out, '[');
    if (negate) trib_strbuf_putc(out, '^');
    if (!negate && !has_rbr && !others && has_caret) {
        /* '^' would come first: lead with '-' or '[' instead. */
        if (has_dash) { trib_strbuf_putc(out, '-'); has_dash = false; }
        else { trib_strbuf_putc(out, '['); has_lbr = false; }
    }
    if (has_rbr) trib_strbuf_putc(out, ']');
    for (int c = 1; c < 128; c++)
        if (cset_has(s, c) && c != ']' && c != '-' && c != '^' && c != '[') trib_strbuf_putc(out, (char)c);
    if (has_caret) trib_strbuf_putc(out, '^');
    if (has_lbr) trib_strbuf_putc(out, '[');
    if (has_dash) trib_strbuf_putc(out, '-');
    trib_strbuf_putc(out, ']');
}

static void emit_literal(trib_strbuf *out, int c) {
    if (c == '^') trib_strbuf_puts(out, "\\^");
    else if (strchr(".[]()*+?{}|$\\", c)) {
        cset s = {{0}};
        cset_add(&s, c);
        emit_cset(out, &s, false);
    } else trib_strbuf_putc(out, (char)c);
}

static int refuse(xlate *x, const char *what) {
    return trib_error_set(x->err, TRIB_ERR_INVALID, "%s is not supported (Tributary runs Java regexes on POSIX extended regular expressions) near index %zu",
                          what, x->i);
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* An escape denoting one character (\t, \x41, \. ...); x->i is just past
 * the backslash, and is advanced past the escape. Returns the character,
 * -1 after setting an error, or -2 when it is not a single-character
 * escape (class escapes, assertions) so the caller decides. */
static int single_char_escape(xlate *x) {
    const char *p = x->pat;
    int c = (unsigned char)p[x->i];
    switch (c) {
    case 't': x->i++; return '\t';
    case 'n': x->i++; return '\n';
    case 'r': x->i++; return '\r';
    case 'f': x->i++; return '\f';
    case 'a': x->i++; return '\a';
    case 'e': x->i++; return 0x1b;
    case 'c':
        if (!p[x->i + 1]) { refuse(x, "\\c without a control letter"); return -1; }
        x->i += 2;
        return (unsigned char)p[x->i - 1] ^ 64;
    case 'x': {
        int h1 = hexval((unsigned char)p[x->i + 1]), h2 = h1 >= 0 ? hexval((unsigned char)p[x->i + 2]) : -1;
        if (h1 < 0 || h2 < 0) {
            if (p[x->i + 1] == '{') { refuse(x, "\\x{...} escapes"); return -1; }
            trib_error_set(x->err, TRIB_ERR_INVALID, "Illegal hexadecimal escape sequence near index %zu", x->i);
            return -1;
        }
        x->i += 3;
        int v = h1 * 16 + h2;
        if (v == 0 || v > 127) { refuse(x, "an escape for a NUL or non-ASCII character"); return -1; }
        return v;
    }
    case 'u': {
        int v = 0;
        for (int k = 1; k <= 4; k++) {
            int h = hexval((unsigned char)p[x->i + k]);
            if (h < 0) {
                trib_error_set(x->err, TRIB_ERR_INVALID, "Illegal Unicode escape sequence near index %zu", x->i);
                return -1;
            }
            v = v * 16 + h;
        }
        x->i += 5;
        if (v == 0 || v > 127) { refuse(x, "an escape for a NUL or non-ASCII character"); return -1; }
        return v;
    }
    case '0': {
        int v = 0, n = 0;
        x->i++;
        while (n < 3 && p[x->i] >= '0' && p[x->i] <= '7' && (n < 2 || v <= 037)) {
            v = v * 8 + (p[x->i] - '0');
            x->i++;
            n++;
        }
        if (n == 0) {
            trib_error_set(x->err, TRIB_ERR_INVALID, "Illegal octal escape sequence near index %zu", x->i);
            return -1;
        }
        if (v == 0 || v > 127) { refuse(x, "an escape for a NUL or non-ASCII character"); return -1; }
        return v;
    }
    default:
        if (c == 0) {
            trib_error_set(x->err, TRIB_ERR_INVALID, "Unexpected internal error near index %zu", x->i);
            return -1;
        }
        if (!isalnum(c)) {
            if (c > 127) { refuse(x, "an escaped non-ASCII character"); return -1; }
            x->i++;
            return c;
        }
        return -2;
    }
}

/* Refusal text for an alphanumeric escape that is not a character. */
static const char *escape_feature(int c) {
    switch (c) {
    case 'b': return "\\b (word boundary)";
    case 'B': return "\\B (non-word boundary)";
    case 'G': return "\\G (end of previous match)";
    case 'p': case 'P': return "\\p{...} / \\P{...} (Unicode and POSIX property classes)";
    case 'k': return "\\k<name> (named backreference)";
    case 'h': case 'H': return "\\h / \\H (horizontal whitespace)";
    case 'v': case 'V': return "\\v / \\V (vertical whitespace)";
    case 'R': return "\\R (linebreak matcher)";
    case 'X': return "\\X (grapheme cluster)";
    case 'N': return "\\N{name} (named character)";
    default:
        if (c >= '1' && c <= '9') return "a backreference (\\1 ... \\9)";
        return NULL;
    }
}

static int xlate_class(xlate *x) {
    const char *p = x->pat;
    size_t start = x->i;
    x->i++; /* '[' */
    bool negate = false;
    if (p[x->i] == '^') { negate = true; x->i++; }
    cset s = {{0}};
    bool first = true;
    for (;;) {
        int c = (unsigned char)p[x->i];
        if (c == 0)
            return trib_error_set(x->err, TRIB_ERR_INVALID, "Unclosed character class near index %zu", start);
        if (c == ']' && !first) { x->i++; break; }
        first = false;
        if (c == '[') return refuse(x, "a nested character class or union ([a[b]])");
        if (c == '&' && p[x->i + 1] == '&') return refuse(x, "a character class intersection (&&)");
        int lo;
        if (c == '\\') {
            x->i++;
            int e = (unsigned char)p[x->i];
            if (e == 'd' || e == 'w' || e == 's') {
                if (e == 'd') cset_digit(&s);
                else if (e == 'w') cset_word(&s);
                else cset_space(&s);
                x->i++;
                continue;
            }
            if (e == 'D' || e == 'W' || e == 'S') return refuse(x, "a negated class escape (\\D \\W \\S) inside [...]");
            if (e == 'Q') return refuse(x, "\\Q...\\E inside [...]");
            lo = single_char_escape(x);
            if (lo == -1) return -1;
            if (lo == -2) {
                const char *what = escape_feature(e);
                if (what) return refuse(x, what);
                return trib_error_set(x->err, TRIB_ERR_INVALID, "Illegal/unsupported escape sequence near index %zu", x->i);
            }
        } else {
            if (c > 127) return refuse(x, "a non-ASCII character inside [...]");
            lo = c;
            x->i++;
        }
        /* A range lo-hi, unless '-' is the last thing before ']'. */
        if (p[x->i] == '-' && p[x->i + 1] && p[x->i + 1] != ']') {
            x->i++;
            int hi, h = (unsigned char)p[x->i];
            if (h == '[') return refuse(x, "a nested character class or union ([a[b]])");
            if (h == '\\') {
                x->i++;
                hi = single_char_escape(x);
                if (hi == -1) return -1;
                if (hi == -2) return trib_error_set(x->err, TRIB_ERR_INVALID, "Illegal character range near index %zu", x->i);
            } else {
                if (h > 127) return refuse(x, "a non-ASCII character inside [...]");
                hi = h;
                x->i++;
            }
            if (hi < lo) return trib_error_set(x->err, TRIB_ERR_INVALID, "Illegal character range near index %zu", x->i);
            cset_range(&s, lo, hi);
        } else {
            cset_add(&s, lo);
        }
    }
    emit_cset(&x->out, &s, negate);
    return 0;
}

/* After a quantifier: Java's lazy (?) and possessive (+) suffixes. */
static int check_quantifier_suffix(xlate *x) {
    char c = x->pat[x->i];
    if (c == '?') return refuse(x, "a lazy quantifier (*? +? ?? {n,m}?)");
    if (c == '+') return refuse(x, "a possessive quantifier (*+ ++ ?+ {n,m}+)");
    return 0;
}

static int xlate_all(xlate *x) {
    const char *p = x->pat;
    trib_strbuf_puts(&x->out, "^(");
    x->posix_groups = 1;
    while (p[x->i]) {
        int c = (unsigned char)p[x->i];
        bool quant = c == '*' || c == '+' || c == '?' || c == '{';
        if (quant && !x->atom)
            return trib_error_set(x->err, TRIB_ERR_INVALID, "Dangling meta character '%c' near index %zu", c, x->i);
        /* What follows this token may be quantified unless it opens a
         * group, alternates, anchors, or is itself a quantifier. */
        x->atom = !(quant || c == '(' || c == '|' || c == '^' || c == '$' ||
                    (c == '\\' && (p[x->i + 1] == 'A' || p[x->i + 1] == 'z' || p[x->i + 1] == 'Z')));
        switch (c) {
        case '\\': {
            x->i++;
            int e = (unsigned char)p[x->i];
            if (e == 0)
                return trib_error_set(x->err, TRIB_ERR_INVALID, "Unexpected internal error near index %zu", x->i);
            cset s = {{0}};
            switch (e) {
            case 'd': case 'D': cset_digit(&s); emit_cset(&x->out, &s, e == 'D'); x->i++; continue;
            case 'w': case 'W': cset_word(&s); emit_cset(&x->out, &s, e == 'W'); x->i++; continue;
            case 's': case 'S': cset_space(&s); emit_cset(&x->out, &s, e == 'S'); x->i++; continue;
            case 'A': trib_strbuf_putc(&x->out, '^'); x->i++; continue;
            case 'z': case 'Z': trib_strbuf_putc(&x->out, '$'); x->i++; continue;
            case 'Q': {
                x->i++;
                const char *end = strstr(p + x->i, "\\E");
                size_t stop = end ? (size_t)(end - p) : strlen(p);
                if (stop == x->i) x->atom = false;  /* \Q\E quotes nothing */
                for (; x->i < stop; x->i++) {
                    if ((unsigned char)p[x->i] > 127) return refuse(x, "a non-ASCII character inside \\Q...\\E");
                    emit_literal(&x->out, (unsigned char)p[x->i]);
                }
                if (end) x->i += 2;
                continue;
            }
            default: break;
            }
            int ch = single_char_escape(x);
            if (ch == -1) return -1;
            if (ch == -2) {
                const char *what = escape_feature(e);
                if (what) return refuse(x, what);
                return trib_error_set(x->err, TRIB_ERR_INVALID, "Illegal/unsupported escape sequence near index %zu", x->i);
            }
            emit_literal(&x->out, ch);
            continue;
        }
        case '[':
            if (xlate_class(x) < 0) return -1;
            continue;
        case '(':
            if (p[x->i + 1] == '?') {
                char k = p[x->i + 2];
                if (k == ':') {
                    trib_strbuf_putc(&x->out, '(');
                    x->posix_groups++;
                    x->depth++;
                    x->i += 3;
                    continue;
                }
                if (k == '=') return refuse(x, "lookahead (?=...)");
                if (k == '!') return refuse(x, "negative lookahead (?!...)");
                if (k == '<' && (p[x->i + 3] == '=' || p[x->i + 3] == '!')) return refuse(x, "lookbehind (?<=...) / (?<!...)");
                if (k == '<') return refuse(x, "a named group (?<name>...)");
                if (k == '>') return refuse(x, "an atomic group (?>...)");
                return refuse(x, "inline flags such as (?i)");
            }
            if (x->java_groups + 2 > x->cap) x->posix_of = trib_xrealloc(x->posix_of, (x->cap = x->cap * 2 + 8) * sizeof(size_t));
            x->posix_of[++x->java_groups] = ++x->posix_groups;
            trib_strbuf_putc(&x->out, '(');
            x->depth++;
            x->i++;
            continue;
        case ')':
            if (x->depth == 0)
                return trib_error_set(x->err, TRIB_ERR_INVALID, "Unmatched closing ')' near index %zu", x->i);
            x->depth--;
            trib_strbuf_putc(&x->out, ')');
            x->i++;
            continue;
        case '*':
        case '+':
        case '?':
            trib_strbuf_putc(&x->out, (char)c);
            x->i++;
            if (check_quantifier_suffix(x) < 0) return -1;
            continue;
        case '{': {
            /* {n}, {n,} or {n,m}; anything else is Java's "Illegal repetition". */
            size_t j = x->i + 1;
            size_t d1 = 0, d2 = 0;
            while (isdigit((unsigned char)p[j])) { j++; d1++; }
            bool comma = p[j] == ',';
            if (comma) {
                j++;
                while (isdigit((unsigned char)p[j])) { j++; d2++; }
            }
            if (!d1 || p[j] != '}')
                return trib_error_set(x->err, TRIB_ERR_INVALID, "Illegal repetition near index %zu", x->i);
            if (d1 > 3 || d2 > 3 || atoi(p + x->i + 1) > 255 || (d2 && atoi(p + x->i + 2 + d1) > 255))
                return refuse(x, "a repetition count above 255");
            trib_strbuf_append(&x->out, p + x->i, j + 1 - x->i);
            x->i = j + 1;
            if (check_quantifier_suffix(x) < 0) return -1;
            continue;
        }
        case '.':
            trib_strbuf_puts(&x->out, "[^\n\r]");
            x->i++;
            continue;
        case '^':
        case '$':
        case '|':
            trib_strbuf_putc(&x->out, (char)c);
            x->i++;
            continue;
        default:
            emit_literal(&x->out, c);  /* includes ']' and '}' */
            x->i++;
            continue;
        }
    }
    if (x->depth > 0) return trib_error_set(x->err, TRIB_ERR_INVALID, "Unclosed group near index %zu", x->i);
    trib_strbuf_puts(&x->out, ")$");
    return 0;
}

trib_jregex *trib_jregex_compile(const char *pattern, trib_error *err) {
    xlate x = {.pat = pattern, .err = err};
    trib_strbuf_init(&x.out);
    if (xlate_all(&x) < 0) {
        trib_strbuf_free(&x.out);
        free(x.posix_of);
        return NULL;
    }
    trib_jregex *re = trib_xcalloc(1, sizeof *re);
    int rc = regcomp(&re->re, x.out.data, REG_EXTENDED);
    trib_strbuf_free(&x.out);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &re->re, msg, sizeof msg);
        trib_error_set(err, TRIB_ERR_INVALID, "%s", msg);
        free(x.posix_of);
        free(re);
        return NULL;
    }
    re->java_groups = x.java_groups;
    re->posix_of = x.posix_of;
    re->nsub = re->re.re_nsub;
    return re;
}

void trib_jregex_free(trib_jregex *re) {
    if (!re) return;
    regfree(&re->re);
    free(re->posix_of);
    free(re);
}

size_t trib_jregex_group_count(const trib_jregex *re) {
    return re->java_groups;
}

bool trib_jregex_matches(const trib_jregex *re, const char *subject) {
    return regexec(&re->re, subject, 0, NULL, 0) == 0;
}

/* Walks a replacement string as Matcher.appendReplacement does. With
 * sb == NULL it only validates. */
static int expand(const trib_jregex *re, const char *repl, const char *subject, const regmatch_t *m,
                  trib_strbuf *sb, trib_error *err) {
    for (size_t i = 0; repl[i];) {
        char c = repl[i];
        if (c == '\\') {
            if (!repl[i + 1])
                return trib_error_set(err, TRIB_ERR_INVALID, "character to be escaped is missing");
            if (sb) trib_strbuf_putc(sb, repl[i + 1]);
            i += 2;
            continue;
        }
        if (c != '$') {
            if (sb) trib_strbuf_putc(sb, c);
            i++;
            continue;
        }
        i++;
        if (!repl[i])
            return trib_error_set(err, TRIB_ERR_INVALID, "Illegal group reference: group index is missing");
        if (repl[i] == '{') {
            const char *close = strchr(repl + i, '}');
            if (!close)
                return trib_error_set(err, TRIB_ERR_INVALID, "named capturing group is missing trailing '}'");
            return trib_error_set(err, TRIB_ERR_INVALID, "No group with name {%.*s}", (int)(close - repl - i - 1),
                                  repl + i + 1);
        }
        if (!isdigit((unsigned char)repl[i]))
            return trib_error_set(err, TRIB_ERR_INVALID, "Illegal group reference");
        size_t ref = (size_t)(repl[i++] - '0');
        /* Take more digits while the number stays a valid group. */
        while (isdigit((unsigned char)repl[i])) {
            size_t next = ref * 10 + (size_t)(repl[i] - '0');
            if (next > re->java_groups) break;
            ref = next;
            i++;
        }
        if (ref > re->java_groups) return trib_error_set(err, TRIB_ERR_INVALID, "No group %zu", ref);
        if (sb) {
            const regmatch_t *g = ref == 0 ? &m[0] : &m[re->posix_of[ref]];
            if (g->rm_so >= 0) trib_strbuf_append(sb, subject + g->rm_so, (size_t)(g->rm_eo - g->rm_so));
        }
    }
    return 0;
}

int trib_jregex_check_replacement(const trib_jregex *re, const char *replacement, trib_error *err) {
    return expand(re, replacement, NULL, NULL, NULL, err);
}

char *trib_jregex_replace_full(const trib_jregex *re, const char *subject, const char *replacement) {
    size_t n = re->nsub + 1;
    regmatch_t stackm[16];
    regmatch_t *m = n <= 16 ? stackm : trib_xmalloc(n * sizeof *m);
    char *result = NULL;
    if (regexec(&re->re, subject, n, m, 0) == 0) {
        trib_strbuf sb;
        trib_strbuf_init(&sb);
        if (expand(re, replacement, subject, m, &sb, NULL) == 0)
            result = trib_strbuf_take(&sb);
        else
            trib_strbuf_free(&sb);
    }
    if (m != stackm) free(m);
    return result;
}
