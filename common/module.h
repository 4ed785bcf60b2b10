/*
 * module.h: plugin modules, shared objects holding plugins that need large
 * libraries (the PostgreSQL connectors need libpq; the Avro converter needs
 * avro-c and libcurl), loaded the first time one of their plugins is used,
 * as Kafka Connect loads plugins from plugin.path.
 *
 * The core binary lists every plugin in small static catalogs
 * (connectors/registry.c, proto/converters.c) naming the module that holds
 * it, so listing plugins loads nothing. A module is a shared object
 * <dir>/<name>.so exporting one `const trib_module trib_module_<name>`. It
 * is linked against its own libraries only; every core function and global
 * it uses (errors, logging, the config engine, the data model) resolves at
 * dlopen time to the executable's single copy, which the executable exports
 * (CMake ENABLE_EXPORTS). Modules are opened with RTLD_NOW | RTLD_LOCAL, so
 * a missing symbol is an error at load rather than a crash later, and are
 * never closed: plugin pointers stay valid for the life of the process.
 *
 * Search order for <name>.so: each directory of the worker's plugin.path
 * (trib_module_set_path), then <directory of the executable>/plugins (the
 * build tree: build/plugins), then <directory of the executable>/../lib/
 * tributary/plugins (an installed layout: /usr/local/bin/tributary and
 * /usr/local/lib/tributary/plugins). The first file that exists is loaded;
 * if it cannot be, that is the error (a later directory is not tried).
 *
 * Programs linked statically with a module's code (the tests) register it
 * with trib_module_register_static instead; nothing is loaded then.
 *
 * Thread-safe.
 */
#ifndef TRIB_COMMON_MODULE_H
#define TRIB_COMMON_MODULE_H

#include <stdbool.h>

#include "common/error.h"

/* Bumped whenever a struct shared with modules changes layout: a module
 * built for another ABI is refused. */
#define TRIB_MODULE_ABI 1

/* Marks a module's trib_module_<name> as its one exported symbol (modules
 * are compiled with hidden visibility). */
#define TRIB_MODULE_EXPORT __attribute__((visibility("default")))

struct trib_connector_plugin;  /* worker/connector.h */
struct trib_converter_plugin;  /* proto/converter.h */

typedef struct trib_module {
    int abi;                  /* TRIB_MODULE_ABI when the module was built */
    const char *name;         /* "postgres": the file is postgres.so */
    /* NULL-terminated lists (either may be NULL) */
    const struct trib_connector_plugin *const *connectors;
    const struct trib_converter_plugin *const *converters;
} trib_module;

/* Sets the directories searched before the defaults: a comma-separated list
 * (the worker's plugin.path), or NULL/"" for none. Copied. Affects later
 * loads only. */
void trib_module_set_path(const char *plugin_path);

/* The module called name, loading it on first use. Returns NULL with err
 * (FATAL) naming the module and either every path searched or the loader's
 * message (dlerror) for a file that exists but cannot be loaded. A failed
 * load is not remembered: it is retried on the next call. The module is
 * borrowed for the life of the process. */
const trib_module *trib_module_load(const char *name, trib_error *err);

/* Whether the module called name is loaded, registered, or found as a file
 * on the search path (nothing is loaded: a file that exists but cannot be
 * loaded still counts, and trib_module_load then says why). For listing
 * plugins as Connect lists what is installed. */
bool trib_module_available(const char *name);

/* Makes a module linked into the program available under its name (no file
 * is searched). m is borrowed and must outlive every use (a static). */
void trib_module_register_static(const trib_module *m);

#endif
