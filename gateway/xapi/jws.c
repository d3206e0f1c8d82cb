/* jws.c: checking the JWS of a signed xAPI statement (see gw/jws.h), with
 * OpenSSL for the certificate and the RSA signature. */
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/jws.h"
#include "gw/xapi.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static const EVP_MD *digest_for(const char *alg)
{
    if (strcmp(alg, "RS256") == 0)
        return EVP_sha256();
    if (strcmp(alg, "RS384") == 0)
        return EVP_sha384();
    if (strcmp(alg, "RS512") == 0)
        return EVP_sha512();
    return NULL;
}

/* Verifies sig over signing_input with the public key of the DER
 * certificate in x5c[0] (standard base64). */
static bool verify_x5c(const json_t *x5c, const EVP_MD *md, const char *signing_input,
                       size_t input_len, const unsigned char *sig, size_t sig_len)
{
    const char *cert_b64 = json_string_value(json_array_get(x5c, 0));
    if (!cert_b64)
        return false;
    size_t der_len = 0;
    unsigned char *der = gw_base64_decode(cert_b64, &der_len);
    if (!der)
        return false;
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)der_len);
    free(der);
    if (!cert)
        return false;
    EVP_PKEY *key = X509_get_pubkey(cert);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok =
        key && ctx && EVP_PKEY_base_id(key) == EVP_PKEY_RSA &&
        EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
        EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)signing_input, input_len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ok;
}

enum gw_err gw_jws_check_statement(const char *jws, size_t len, const json_t *statement,
                                   const char *where, struct gw_error *err)
{
    const char *d1 = memchr(jws, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jws)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jws)))
        return gw_error_set(err, GW_E_XAPI_SIGNATURE_INVALID, where,
                            "the signature is not a JWS in compact serialization "
                            "(header.payload.signature)");
    size_t hlen = 0, plen = 0, slen = 0;
    unsigned char *hraw = gw_base64url_decode(jws, (size_t)(d1 - jws), &hlen);
    unsigned char *praw = gw_base64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &plen);
    unsigned char *sraw = gw_base64url_decode(d2 + 1, len - (size_t)(d2 + 1 - jws), &slen);
    json_t *header = hraw ? json_loadb((const char *)hraw, hlen, 0, NULL) : NULL;
    json_t *payload = praw ? json_loadb((const char *)praw, plen, 0, NULL) : NULL;
    enum gw_err rc = GW_OK;
    const char *alg = json_string_value(json_object_get(header, "alg"));
    const EVP_MD *md = alg ? digest_for(alg) : NULL;
    if (!header || !payload || !sraw || slen == 0) {
        rc = gw_error_set(err, GW_E_XAPI_SIGNATURE_INVALID, where,
                          "the signature's header, payload or signature is not valid base64url "
                          "JSON");
    } else if (!md) {
        rc = gw_error_set(err, GW_E_XAPI_SIGNATURE_INVALID, where,
                          "the signature's alg must be RS256, RS384 or RS512");
    } else if (!json_is_object(payload) || !gw_xapi_statements_equivalent(payload, statement)) {
        rc = gw_error_set(err, GW_E_XAPI_SIGNATURE_INVALID, where,
                          "the signed payload is not the statement it is attached to");
    } else if (json_object_get(header, "x5c") && !verify_x5c(json_object_get(header, "x5c"), md,
                                                             jws, (size_t)(d2 - jws), sraw, slen)) {
        rc = gw_error_set(err, GW_E_XAPI_SIGNATURE_INVALID, where,
                          "the signature does not verify with the certificate in x5c");
    }
    json_decref(header);
    json_decref(payload);
    free(hraw);
    free(praw);
    free(sraw);
    return rc;
}
