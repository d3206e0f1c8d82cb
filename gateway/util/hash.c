/* hash.c: SHA-1/SHA-256/HMAC, randomness and constant-time compare over
 * OpenSSL's libcrypto (see gw/hash.h). */
#include "gw/hash.h"
#include "gw/buf.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_hex(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

void gw_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void gw_sha256_hex(const void *data, size_t len, char out[GW_SHA256_HEX])
{
    uint8_t md[32];
    gw_sha256(data, len, md);
    gw_hex(md, 32, out);
}

/* SHA-1 fetched from the provider once: EVP_sha1() makes every digest look
 * the implementation up again (agent keys hash an mbox per statement). */
static EVP_MD *sha1_md;
static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;

static void fetch_sha1(void)
{
    sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
}

void gw_sha1_hex(const void *data, size_t len, char out[GW_SHA1_HEX])
{
    uint8_t md[20];
    unsigned int n = 20;
    pthread_once(&sha1_once, fetch_sha1);
    EVP_Digest(data, len, md, &n, sha1_md ? sha1_md : EVP_sha1(), NULL);
    gw_hex(md, 20, out);
}

void gw_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &n);
}

bool gw_random_bytes(void *buf, size_t len)
{
    return RAND_bytes(buf, (int)len) == 1;
}

bool gw_ct_equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}

bool gw_uuid_v4(char out[37])
{
    uint8_t r[16];
    if (!gw_random_bytes(r, sizeof r))
        return false;
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[r[i] >> 4];
        *o++ = hex[r[i] & 15];
    }
    *o = '\0';
    return true;
}

struct gw_sha256_ctx {
    EVP_MD_CTX *md;
};

struct gw_sha256_ctx *gw_sha256_begin(void)
{
    struct gw_sha256_ctx *c = gw_xmalloc(sizeof *c);
    c->md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
    return c;
}

void gw_sha256_update(struct gw_sha256_ctx *c, const void *data, size_t len)
{
    EVP_DigestUpdate(c->md, data, len);
}

void gw_sha256_end(struct gw_sha256_ctx *c, char out[GW_SHA256_HEX])
{
    uint8_t md[32];
    unsigned int n = 32;
    EVP_DigestFinal_ex(c->md, md, &n);
    EVP_MD_CTX_free(c->md);
    free(c);
    gw_hex(md, 32, out);
}

char *gw_base64_encode(const void *data, size_t len)
{
    char *out = gw_xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

unsigned char *gw_base64_decode(const char *text, size_t *out_len)
{
    size_t n = strlen(text);
    if (n % 4 != 0)
        return NULL;
    unsigned char *out = gw_xmalloc(3 * (n / 4) + 1);
    int m = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
    if (m < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts padding as zero bytes */
    if (n >= 1 && text[n - 1] == '=')
        m--;
    if (n >= 2 && text[n - 2] == '=')
        m--;
    out[m] = '\0'; /* text callers may read the result as a string */
    *out_len = (size_t)m;
    return out;
}

char *gw_base64url_encode(const void *data, size_t len)
{
    char *s = gw_base64_encode(data, len);
    size_t o = 0;
    for (size_t i = 0; s[i] && s[i] != '='; i++)
        s[o++] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
    s[o] = '\0';
    return s;
}

unsigned char *gw_base64url_decode(const char *text, size_t n, size_t *out_len)
{
    char *t = gw_xmalloc(n + 4);
    size_t i = 0;
    for (; i < n; i++) {
        char c = text[i];
        if (c == '+' || c == '/' || c == '=' || c == '\0') {
            free(t);
            return NULL;
        }
        t[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (i % 4)
        t[i++] = '=';
    t[i] = '\0';
    unsigned char *out = gw_base64_decode(t, out_len);
    free(t);
    return out;
}

void gw_sha384_hex(const void *data, size_t len, char out[97])
{
    uint8_t md[48];
    unsigned int n = 48;
    EVP_Digest(data, len, md, &n, EVP_sha384(), NULL);
    gw_hex(md, 48, out);
}

void gw_sha512_hex(const void *data, size_t len, char out[129])
{
    uint8_t md[64];
    unsigned int n = 64;
    EVP_Digest(data, len, md, &n, EVP_sha512(), NULL);
    gw_hex(md, 64, out);
}
