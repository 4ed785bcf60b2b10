/*
 * java_regex.h: Java regular expressions (java.util.regex.Pattern) for
 * RegexRouter and TopicNameMatches, run on POSIX regcomp/regexec
 * (REG_EXTENDED) after a translation step.
 *
 * Both users need Matcher.matches() (the whole topic must match) and, for
 * RegexRouter, Matcher.replaceFirst() with $n group references. The
 * translator accepts the common Java syntax and refuses, with an error that
 * names the construct, everything POSIX cannot express faithfully, so a
 * pattern either behaves as in Connect or is rejected at config time:
 *
 *   supported: literals, . ^ $ | ( ) (?:...), * + ? {n} {n,} {n,m},
 *              [...] [^...] with ranges and \d \w \s inside, \d \D \w \W
 *              \s \S, \t \n \r \f \a \e \xhh \uhhhh (ASCII) \0oct \cX,
 *              \Q...\E, \A \z \Z, escaped punctuation.
 *   refused:   lazy (*?) and possessive (*+) quantifiers, lookahead and
 *              lookbehind, named groups, atomic groups, inline flags (?i),
 *              backreferences (\1, \k<n>), \b \B \G, \p{..} \P{..} \h \v
 *              \R \X, nested classes and && intersections, non-ASCII in
 *              character classes or escapes.
 *
 * One semantic difference remains for ambiguous patterns: when several
 * ways to split the input over the groups exist, POSIX reports the
 * leftmost-longest captures where Java reports backtracking order
 * (e.g. (a|ab)(c|bcd)(d*) on "abcd"). Whether a topic matches never
 * differs.
 */
#ifndef TRIB_TRANSFORMS_JAVA_REGEX_H
#define TRIB_TRANSFORMS_JAVA_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef struct trib_jregex trib_jregex;

/* NULL with err (INVALID) naming the unsupported construct or the syntax
 * error; the message does not start with "Invalid regex". */
trib_jregex *trib_jregex_compile(const char *pattern, trib_error *err);
void trib_jregex_free(trib_jregex *re);     /* NULL-safe */
size_t trib_jregex_group_count(const trib_jregex *re);

/* Matcher.matches(): does the whole subject match? */
bool trib_jregex_matches(const trib_jregex *re, const char *subject);

/* Checks a Matcher.replaceFirst replacement string against re's groups
 * ("No group 3", "Illegal group reference", ...). */
int trib_jregex_check_replacement(const trib_jregex *re, const char *replacement, trib_error *err);

/* If the whole subject matches, returns the replacement with $n expanded
 * (caller frees); NULL when it does not match. The replacement must have
 * passed trib_jregex_check_replacement. */
char *trib_jregex_replace_full(const trib_jregex *re, const char *subject, const char *replacement);

#endif
