/*
 * date_format.h: the subset of java.text.SimpleDateFormat that
 * TimestampConverter's "format" (and Cast's ISO strings) need, always in UTC
 * as Connect configures it.
 *
 * Supported pattern letters: y M L d H k K h m s S E u D a z Z X, quoted
 * literals ('T', '' for a quote) and any other non-letter as a literal.
 * Java letters G Y w W F are refused at compile time with an error naming
 * the letter, as is any letter Java itself rejects. Parsing is lenient the
 * way SimpleDateFormat's default is: out-of-range fields roll over
 * (month 13 is January next year), adjacent numeric fields take exactly
 * their pattern width, text after the last pattern element is ignored, and
 * a two-digit "yy" year lands within 80 years before / 20 after now. The
 * calendar is proleptic Gregorian (Java switches to Julian before 1582).
 */
#ifndef TRIB_TRANSFORMS_DATE_FORMAT_H
#define TRIB_TRANSFORMS_DATE_FORMAT_H

#include <stdint.h>

#include "common/error.h"

typedef struct trib_datefmt trib_datefmt;

/* NULL with err (INVALID) describing the problem in the pattern. */
trib_datefmt *trib_datefmt_compile(const char *pattern, trib_error *err);
void trib_datefmt_free(trib_datefmt *f);            /* NULL-safe */
const char *trib_datefmt_pattern(const trib_datefmt *f);

/* Formats milliseconds since the epoch (UTC). Caller frees. */
char *trib_datefmt_format(const trib_datefmt *f, int64_t epoch_ms);
/* Parses text; -1 with err (INVALID) when it does not match. */
int trib_datefmt_parse(const trib_datefmt *f, const char *text, int64_t *epoch_ms, trib_error *err);


#endif
