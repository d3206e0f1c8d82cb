/* CSV cells (RFC 4180) for every CSV the gateway writes: the audit export,
 * the KPI records and the chargeback lines. One writer, so a cell is quoted
 * and formula-neutralised the same way everywhere. */
#ifndef GW_CSV_H
#define GW_CSV_H

#include "gw/buf.h"

#include <stdbool.h>

/* Appends the text s (NULL writes nothing: an empty cell) as one CSV cell.
 * Quoted when it holds ',', '"', CR or LF, a '"' doubled inside quotes. A
 * text starting with '=', '+', '-', '@', TAB or CR, which a spreadsheet would
 * read as a formula, is written as OWASP's CSV-injection guidance says: a
 * single quote prefixed and the whole cell quoted ("'=1+1"). Use it for text
 * (names, titles, ids, comments); numbers go through gw_csv_number, never
 * through gw_csv_cell, so a negative number stays a number. */
void gw_csv_cell(struct gw_buf *b, const char *s);

/* Appends v as a number for people (a spreadsheet, a finance team), never in
 * exponent form: an integral value as an integer ("3", "-2"); any other as
 * the decimal rounded to 6 significant digits without trailing zeros
 * ("0.65" for 0.65000000000000002, "0.333333", "83.3333"), keeping at least
 * 2 decimals at 1 or above so amounts keep their cents ("12345.68"). Not a
 * number (NaN, infinity) writes nothing: an empty cell. JSON keeps the full
 * precision; this is for CSV only. */
void gw_csv_number(struct gw_buf *b, double v);

/* Whether gw_csv_cell neutralises s (it starts like a formula). */
bool gw_csv_is_formula(const char *s);

#endif
