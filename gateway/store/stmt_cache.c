/* stmt_cache.c: per-connection map from SQL text to prepared statement
 * (open addressing on a 64-bit FNV-1a hash of the text). */
#include "driver.h"
#include "gw/buf.h"

#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void *gw_stmt_cache_get(struct gw_stmt_cache *c, const char *sql)
{
    if (!c->cap)
        return NULL;
    uint64_t h = fnv1a(sql);
    for (size_t i = h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        struct gw_stmt_cache_entry *e = &c->slots[i];
        if (!e->sql)
            return NULL;
        if (e->hash == h && strcmp(e->sql, sql) == 0)
            return e->handle;
    }
}

static void insert(struct gw_stmt_cache *c, char *sql, uint64_t h, void *handle)
{
    for (size_t i = h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        if (!c->slots[i].sql) {
            c->slots[i] = (struct gw_stmt_cache_entry){sql, h, handle};
            c->count++;
            return;
        }
    }
}

void gw_stmt_cache_put(struct gw_stmt_cache *c, const char *sql, void *handle)
{
    if ((c->count + 1) * 2 > c->cap) {
        struct gw_stmt_cache old = *c;
        c->cap = old.cap ? old.cap * 2 : 64;
        c->slots = gw_xcalloc(c->cap, sizeof *c->slots);
        c->count = 0;
        for (size_t i = 0; i < old.cap; i++) {
            if (old.slots[i].sql)
                insert(c, old.slots[i].sql, old.slots[i].hash, old.slots[i].handle);
        }
        free(old.slots);
    }
    insert(c, gw_xstrdup(sql), fnv1a(sql), handle);
}

void gw_stmt_cache_clear(struct gw_stmt_cache *c, void (*release)(void *handle))
{
    for (size_t i = 0; i < c->cap; i++) {
        if (c->slots[i].sql) {
            release(c->slots[i].handle);
            free(c->slots[i].sql);
        }
    }
    free(c->slots);
    c->slots = NULL;
    c->cap = c->count = 0;
}
