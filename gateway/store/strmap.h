/* strmap.h: a small chained hash map from byte strings to an integer and an
 * optional owned string, for the store's per-connection caches (terms.c,
 * kpi.c). Private to gateway/store/. Not thread-safe: a connection is used
 * by one thread at a time. */
#ifndef GW_STORE_STRMAP_H
#define GW_STORE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct gw_strmap_entry {
    struct gw_strmap_entry *next;
    uint64_t hash;
    size_t len;
    int64_t ival;
    char *sval; /* owned; may be NULL */
    char key[]; /* len bytes and a NUL */
};

struct gw_strmap {
    struct gw_strmap_entry **buckets;
    size_t nbuckets, count;
};

uint64_t gw_strmap_hash(const char *key, size_t len);
/* The entry for the len bytes at key, or NULL. */
struct gw_strmap_entry *gw_strmap_get(const struct gw_strmap *m, const char *key, size_t len);
/* Adds an entry for key (which must not be there yet); returns it. */
struct gw_strmap_entry *gw_strmap_add(struct gw_strmap *m, const char *key, size_t len);
/* Unlinks and frees e. */
void gw_strmap_remove(struct gw_strmap *m, struct gw_strmap_entry *e);
/* Frees every entry (the map stays usable). */
void gw_strmap_clear(struct gw_strmap *m);
void gw_strmap_free(struct gw_strmap *m);

#endif
