/*
 * assets.h: the console's static files (ui/assets/), compiled into the
 * binary by cmake/embed_assets.cmake as one table.
 */
#ifndef TRIB_UI_ASSETS_H
#define TRIB_UI_ASSETS_H

#include <stddef.h>

typedef struct trib_ui_asset {
    const char *name;           /* file name, e.g. "app.js"; NULL ends the table */
    const unsigned char *data;  /* NUL-terminated, len bytes before the NUL */
    size_t len;
} trib_ui_asset;

extern const trib_ui_asset trib_ui_assets[];

#endif
