/*
 * static_modules.c: linked into every test and benchmark program, which
 * carry the plugin modules' code statically (CMakeLists.txt): registers
 * those modules with the loader (common/module.h) before main, so plugin
 * lookups find them without searching for or dlopen'ing a .so.
 */
#include "common/module.h"

extern const trib_module trib_module_postgres;
extern const trib_module trib_module_avro;
extern const trib_module trib_module_mongo;

__attribute__((constructor)) static void register_static_modules(void) {
    trib_module_register_static(&trib_module_postgres);
    trib_module_register_static(&trib_module_avro);
    trib_module_register_static(&trib_module_mongo);
}
