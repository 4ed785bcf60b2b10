/*
 * tenant_log_store.h: the tenant registry's storage in distributed mode:
 * "tenant-<name>" records in the config topic, so every worker knows every
 * tenant, its keys' HMACs and quotas (see docs/tenants.md).
 */
#ifndef TRIB_WORKER_TENANT_LOG_STORE_H
#define TRIB_WORKER_TENANT_LOG_STORE_H

#include "tenants/tenant.h"
#include "worker/herder.h"

/* A store that persists through the herder's config log (borrows h, which
 * must outlive it). Its replay subscribes the registry to the log. */
trib_tenant_store *trib_tenant_store_log_new(trib_herder *h);

#endif
