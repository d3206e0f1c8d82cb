/* Signed xAPI statements (Data 2.6): a statement's signature attachment is a
 * JWS in compact serialization. This module checks one: the header names
 * RS256, RS384 or RS512; the payload is a JSON statement equivalent to the one
 * it is attached to; and when the header carries an x5c certificate chain, the
 * signature verifies with the first certificate's public key. */
#ifndef GW_JWS_H
#define GW_JWS_H

#include "gw/error.h"

#include <jansson.h>
#include <stddef.h>

/* Checks the JWS (len bytes) against statement. Errors are
 * GW_E_XAPI_SIGNATURE_INVALID at `where`, with a detail saying what is wrong. */
enum gw_err gw_jws_check_statement(const char *jws, size_t len, const json_t *statement,
                                   const char *where, struct gw_error *err);

#endif
