/*
 * test_tasks_max_enforce.c: tasks.max.enforce (KIP-1004) in the herder's
 * task generation (herder_generate_task_configs, worker/herder.c). No
 * shipped connector, Connect's or Tributary's, returns more task configs
 * than tasks.max, so the connector here does on purpose: with the default
 * (true) the connector fails with Connect 3.9's TooManyTasksException text
 * (taken from the 3.9.2 runtime jar) and gets no tasks; with false every
 * task config is used, each with task.class, as Connect runs them all.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/tap.h"
#include "worker/herder_internal.h"

/* Always three task configs, whatever tasks.max says. */
static int three_tasks(void *ctx, const trib_props *config, int max_tasks, trib_props ***out, size_t *n,
                       trib_error *err) {
    (void)ctx, (void)config, (void)max_tasks, (void)err;
    *out = trib_xcalloc(3, sizeof **out);
    for (int i = 0; i < 3; i++) {
        (*out)[i] = trib_props_new();
        char id[8];
        snprintf(id, sizeof id, "%d", i);
        trib_props_set((*out)[i], "task.id", id);
    }
    *n = 3;
    return 0;
}

static const trib_connector_plugin greedy = {
    .class_name = "com.example.GreedySourceConnector",
    .kind = TRIB_CONNECTOR_SOURCE,
    .task_configs = three_tasks,
};

static conn *conn_with(const char *enforce) {
    conn *c = trib_xcalloc(1, sizeof *c);
    c->name = trib_xstrdup("greedy");
    c->plugin = &greedy;
    c->config = trib_props_new();
    trib_props_set(c->config, "tasks.max", "2");
    if (enforce) trib_props_set(c->config, "tasks.max.enforce", enforce);
    return c;
}

static void conn_free(conn *c) {
    trib_props_destroy(c->config);
    free(c->name);
    free(c->trace);
    free(c);
}

int main(void) {
    plan(8);
    trib_props **cfgs = NULL;
    size_t n = 0;

    conn *c = conn_with(NULL);
    is_int(herder_generate_task_configs(c, &cfgs, &n), -1, "by default, 3 task configs for tasks.max=2 fail");
    ok(c->failed, "the connector is FAILED");
    is_str(c->trace,
           "The connector greedy has generated 3 tasks, which is greater than 2, the maximum number of tasks it is "
           "configured to create. This behaviour should be considered a bug and is disallowed. If necessary, it can "
           "be permitted by reconfiguring the connector with 'tasks.max.enforce' set to false; however, this option "
           "will be removed in a future release of Kafka Connect.",
           "with Connect's TooManyTasksException text");
    conn_free(c);

    c = conn_with("true");
    ok(herder_generate_task_configs(c, &cfgs, &n) < 0 && c->failed, "tasks.max.enforce=true: the same");
    conn_free(c);

    c = conn_with("false");
    is_int(herder_generate_task_configs(c, &cfgs, &n), 0, "tasks.max.enforce=false: accepted");
    is_int((int)n, 3, "every task config is used, beyond tasks.max");
    ok(!c->failed, "the connector is not failed");
    ok(n == 3 && strcmp(trib_props_get_or(cfgs[2], "task.id", ""), "2") == 0 &&
           strcmp(trib_props_get_or(cfgs[2], "task.class", ""), "com.example.GreedySourceTask") == 0 &&
           strcmp(trib_props_get_or(cfgs[2], "tasks.max", ""), "2") == 0,
       "the third carries its own keys over the connector's, and task.class");
    for (size_t i = 0; i < n; i++) trib_props_destroy(cfgs[i]);
    free(cfgs);
    conn_free(c);
    return exit_status();
}
