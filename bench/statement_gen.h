/* statement_gen.h: realistic xAPI statements for the benchmarks. */
#ifndef GW_BENCH_STATEMENT_GEN_H
#define GW_BENCH_STATEMENT_GEN_H

#include <stddef.h>

/* Writes statement number seq (about 1.5 KB of JSON, no id) to buf; returns
 * its length. Exits when cap is too small. */
size_t gw_bench_statement(char *buf, size_t cap, long seq);

#endif
