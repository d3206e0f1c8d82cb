/* strmap.c: the chained hash map behind the store's per-connection caches
 * (see strmap.h). FNV-1a over the key bytes; the table doubles at load 1. */
#include "strmap.h"

#include "gw/buf.h"

#include <stdlib.h>
#include <string.h>

uint64_t gw_strmap_hash(const char *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

struct gw_strmap_entry *gw_strmap_get(const struct gw_strmap *m, const char *key, size_t len)
{
    if (!m->nbuckets)
        return NULL;
    uint64_t h = gw_strmap_hash(key, len);
    for (struct gw_strmap_entry *e = m->buckets[h & (m->nbuckets - 1)]; e; e = e->next) {
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
    return NULL;
}

static void grow(struct gw_strmap *m)
{
    size_t n = m->nbuckets ? m->nbuckets * 2 : 64;
    struct gw_strmap_entry **b = gw_xcalloc(n, sizeof *b);
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct gw_strmap_entry *next;
        for (struct gw_strmap_entry *e = m->buckets[i]; e; e = next) {
            next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
}

struct gw_strmap_entry *gw_strmap_add(struct gw_strmap *m, const char *key, size_t len)
{
    if (m->count >= m->nbuckets)
        grow(m);
    struct gw_strmap_entry *e = gw_xcalloc(1, sizeof *e + len + 1);
    e->hash = gw_strmap_hash(key, len);
    e->len = len;
    memcpy(e->key, key, len);
    struct gw_strmap_entry **head = &m->buckets[e->hash & (m->nbuckets - 1)];
    e->next = *head;
    *head = e;
    m->count++;
    return e;
}

void gw_strmap_remove(struct gw_strmap *m, struct gw_strmap_entry *e)
{
    for (struct gw_strmap_entry **p = &m->buckets[e->hash & (m->nbuckets - 1)]; *p;
         p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            free(e->sval);
            free(e);
            m->count--;
            return;
        }
    }
}

void gw_strmap_clear(struct gw_strmap *m)
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct gw_strmap_entry *next;
        for (struct gw_strmap_entry *e = m->buckets[i]; e; e = next) {
            next = e->next;
            free(e->sval);
            free(e);
        }
        m->buckets[i] = NULL;
    }
    m->count = 0;
}

void gw_strmap_free(struct gw_strmap *m)
{
    gw_strmap_clear(m);
    free(m->buckets);
    memset(m, 0, sizeof *m);
}
