/*
 * module.c: finds, loads and remembers plugin modules (module.h).
 *
 * One mutex guards the small table of modules known so far (registered
 * statically or loaded); a load happens with it held, so two threads asking
 * for the same module load it once. The table never shrinks: modules are
 * never closed.
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/module.h"
#include "common/util.h"

#define MAX_MODULES 16

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static const trib_module *g_modules[MAX_MODULES];
static size_t g_nmodules;
static char *g_path; /* plugin.path as given, or NULL */

/* Frees g_path at exit so leak checkers see a clean heap. */
static void free_path(void) { free(g_path); g_path = NULL; }

void trib_module_set_path(const char *plugin_path) {
    static bool registered;
    pthread_mutex_lock(&g_lock);
    free(g_path);
    g_path = plugin_path && *plugin_path ? trib_xstrdup(plugin_path) : NULL;
    if (!registered) {
        atexit(free_path);
        registered = true;
    }
    pthread_mutex_unlock(&g_lock);
}

static const trib_module *known(const char *name) {
    for (size_t i = 0; i < g_nmodules; i++)
        if (strcmp(g_modules[i]->name, name) == 0) return g_modules[i];
    return NULL;
}

static void remember(const trib_module *m) {
    if (g_nmodules < MAX_MODULES) g_modules[g_nmodules++] = m;
}

void trib_module_register_static(const trib_module *m) {
    pthread_mutex_lock(&g_lock);
    if (!known(m->name)) remember(m);
    pthread_mutex_unlock(&g_lock);
}

/* The search directories, in order: plugin.path's entries, then the two
 * defaults next to the executable. A NULL-terminated list the caller frees. */
static char **search_dirs(void) {
    size_t n = 0;
    char **path = g_path ? trib_split_list(g_path, &n) : NULL;
    char **dirs = trib_xcalloc(n + 3, sizeof *dirs);
    for (size_t i = 0; i < n; i++) dirs[i] = trib_xstrdup(path[i]);
    trib_strv_free(path);
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            dirs[n++] = trib_xasprintf("%s/plugins", exe);
            dirs[n++] = trib_xasprintf("%s/../lib/tributary/plugins", exe);
        }
    }
    return dirs;
}

/* Opens file and checks what it exports. Called with g_lock held. */
static const trib_module *open_module(const char *name, const char *file, trib_error *err) {
    void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        trib_error_set(err, TRIB_ERR_FATAL, "plugin module '%s' at %s could not be loaded: %s", name, file,
                       why ? why : "unknown error");
        return NULL;
    }
    char sym[128];
    snprintf(sym, sizeof sym, "trib_module_%s", name);
    const trib_module *m = dlsym(h, sym);
    const char *problem = NULL;
    if (!m)
        problem = "it does not export";
    else if (m->abi != TRIB_MODULE_ABI)
        problem = "it was built for another version of tributary (module ABI mismatch) in";
    else if (!m->name || strcmp(m->name, name) != 0)
        problem = "it names another module in";
    if (problem) {
        trib_error_set(err, TRIB_ERR_FATAL, "plugin module '%s' at %s could not be used: %s %s", name, file, problem,
                       sym);
        /* not closed: a library's constructors may have run; unloading
         * gains nothing */
        return NULL;
    }
    return m;
}

/* The first <dir>/<name>.so that exists on the search path (caller frees),
 * or NULL; the paths tried before it are appended to searched (may be
 * NULL), comma-separated. */
static char *find_module_file(const char *name, trib_strbuf *searched) {
    char **dirs = search_dirs();
    char *found = NULL;
    for (size_t i = 0; dirs[i] && !found; i++) {
        char *file = trib_xasprintf("%s/%s.so", dirs[i], name);
        if (access(file, F_OK) == 0) {
            found = file;
        } else {
            if (searched) trib_strbuf_printf(searched, "%s%s", searched->len ? ", " : "", file);
            free(file);
        }
    }
    trib_strv_free(dirs);
    return found;
}

bool trib_module_available(const char *name) {
    pthread_mutex_lock(&g_lock);
    bool found = known(name) != NULL;
    pthread_mutex_unlock(&g_lock);
    if (found) return true;
    char *file = find_module_file(name, NULL);
    found = file != NULL;
    free(file);
    return found;
}

const trib_module *trib_module_load(const char *name, trib_error *err) {
    pthread_mutex_lock(&g_lock);
    const trib_module *m = known(name);
    if (m) {
        pthread_mutex_unlock(&g_lock);
        return m;
    }
    trib_strbuf searched;
    trib_strbuf_init(&searched);
    char *file = find_module_file(name, &searched);
    if (file) {
        m = open_module(name, file, err);
        if (m) {
            remember(m);
            TRIB_INFO("plugins", "loaded plugin module %s from %s", name, file);
        }
        free(file);
    } else {
        trib_error_set(err, TRIB_ERR_FATAL,
                       "plugin module '%s' not found: searched %s (install %s.so there or list its directory in "
                       "the worker's plugin.path)",
                       name, searched.len ? searched.data : "nothing", name);
    }
    trib_strbuf_free(&searched);
    pthread_mutex_unlock(&g_lock);
    return m;
}
