/* Hashes, HMAC, randomness and constant-time comparison (OpenSSL libcrypto).
 * Hex outputs are lowercase and NUL-terminated. */
#ifndef GW_HASH_H
#define GW_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_SHA256_HEX 65
#define GW_SHA1_HEX 41

/* Digests of data[0..len): raw, or as lowercase hex with its NUL. */
void gw_sha256(const void *data, size_t len, uint8_t out[32]);
void gw_sha256_hex(const void *data, size_t len, char out[GW_SHA256_HEX]);
void gw_sha1_hex(const void *data, size_t len, char out[GW_SHA1_HEX]);
void gw_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len, uint8_t out[32]);
void gw_hex(const uint8_t *data, size_t len, char *out);
/* Fills buf with cryptographically random bytes; returns false on failure. */
bool gw_random_bytes(void *buf, size_t len);
/* Compares a and b (same length) without data-dependent timing. */
bool gw_ct_equal(const void *a, const void *b, size_t len);
/* Random RFC 4122 version 4 UUID, lowercase, into out (37 bytes). */
bool gw_uuid_v4(char out[37]);

/* Standard base64 (with padding); the caller frees the result. Decode
 * returns NULL on malformed input and sets *out_len. */
char *gw_base64_encode(const void *data, size_t len);
unsigned char *gw_base64_decode(const char *text, size_t *out_len);
/* base64url without padding (RFC 4648 section 5), as JWS and tokens use it.
 * Decoding takes n characters, refuses '+', '/' and '=', and NUL-terminates
 * its result (one byte beyond *out_len). */
char *gw_base64url_encode(const void *data, size_t len);
unsigned char *gw_base64url_decode(const char *text, size_t n, size_t *out_len);
/* SHA-384 / SHA-512 hex digests (97 / 129 bytes with the NUL). */
void gw_sha384_hex(const void *data, size_t len, char out[97]);
void gw_sha512_hex(const void *data, size_t len, char out[129]);

/* Incremental SHA-256, for streaming uploads. */
struct gw_sha256_ctx;
struct gw_sha256_ctx *gw_sha256_begin(void);
void gw_sha256_update(struct gw_sha256_ctx *c, const void *data, size_t len);
/* Finishes, writes the hex digest and frees c. */
void gw_sha256_end(struct gw_sha256_ctx *c, char out[GW_SHA256_HEX]);

#endif
