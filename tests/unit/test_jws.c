/* Signed statements: a JWS made here with a fresh RSA key and self-signed
 * certificate (OpenSSL) is accepted; a different payload, a wrong algorithm, a
 * tampered signature, a foreign certificate or a malformed token are refused. */
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/jws.h"
#include "gwtest.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

static EVP_PKEY *key, *other_key;

static char *b64url(const void *data, size_t len)
{
    char *s = gw_base64_encode(data, len);
    size_t o = 0;
    for (size_t i = 0; s[i] && s[i] != '='; i++)
        s[o++] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
    s[o] = '\0';
    return s;
}

static char *cert_b64(EVP_PKEY *k)
{
    X509 *x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, k);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"lmsgw test", -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, k, EVP_sha256());
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    char *out = gw_base64_encode(der, (size_t)n);
    OPENSSL_free(der);
    X509_free(x);
    return out;
}

/* header.payload.signature, signed with sign_key; the header names alg and
 * carries the certificate of cert_key. */
static char *make_jws(const char *alg, const char *payload, EVP_PKEY *sign_key, EVP_PKEY *cert_key)
{
    char *cert = cert_b64(cert_key);
    struct gw_buf h = {0};
    gw_buf_printf(&h, "{\"alg\":\"%s\",\"x5c\":[\"%s\"]}", alg, cert);
    free(cert);
    char *h64 = b64url(h.data, h.len);
    char *p64 = b64url(payload, strlen(payload));
    struct gw_buf in = {0};
    gw_buf_printf(&in, "%s.%s", h64, p64);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[1024];
    size_t slen = sizeof sig;
    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, sign_key);
    EVP_DigestSign(ctx, sig, &slen, (const unsigned char *)in.data, in.len);
    EVP_MD_CTX_free(ctx);
    char *s64 = b64url(sig, slen);
    gw_buf_printf(&in, ".%s", s64);
    char *out = gw_xstrdup(in.data);
    free(h64);
    free(p64);
    free(s64);
    gw_buf_free(&h);
    gw_buf_free(&in);
    return out;
}

static const char *statement =
    "{\"actor\":{\"mbox\":\"mailto:ada@example.org\"},\"verb\":{\"id\":"
    "\"http://adlnet.gov/expapi/verbs/completed\"},\"object\":{\"id\":\"https://x.example/c\"}}";

static void test_valid_signature(void)
{
    json_t *st = json_loads(statement, 0, NULL);
    char *jws = make_jws("RS256", statement, key, key);
    struct gw_error e;
    CHECK_INT(gw_jws_check_statement(jws, strlen(jws), st, "/attachments/0", &e), GW_OK);
    free(jws);
    json_decref(st);
}

static void test_refusals(void)
{
    json_t *st = json_loads(statement, 0, NULL);
    struct gw_error e;
    /* a different statement signed */
    const char *other = "{\"actor\":{\"mbox\":\"mailto:bob@example.org\"},\"verb\":{\"id\":"
                        "\"http://adlnet.gov/expapi/verbs/completed\"},\"object\":{\"id\":"
                        "\"https://x.example/c\"}}";
    char *jws = make_jws("RS256", other, key, key);
    CHECK_INT(gw_jws_check_statement(jws, strlen(jws), st, "/attachments/0", &e),
              GW_E_XAPI_SIGNATURE_INVALID);
    CHECK_STR(e.where, "/attachments/0");
    CHECK(strstr(e.detail, "not the statement") != NULL);
    free(jws);
    /* an algorithm the spec does not allow */
    jws = make_jws("HS256", statement, key, key);
    CHECK_INT(gw_jws_check_statement(jws, strlen(jws), st, "", &e), GW_E_XAPI_SIGNATURE_INVALID);
    CHECK(strstr(e.detail, "RS256") != NULL);
    free(jws);
    /* signed with one key, another key's certificate */
    jws = make_jws("RS256", statement, other_key, key);
    CHECK_INT(gw_jws_check_statement(jws, strlen(jws), st, "", &e), GW_E_XAPI_SIGNATURE_INVALID);
    CHECK(strstr(e.detail, "x5c") != NULL);
    free(jws);
    /* a flipped signature byte */
    jws = make_jws("RS256", statement, key, key);
    size_t n = strlen(jws);
    jws[n - 5] = jws[n - 5] == 'A' ? 'B' : 'A';
    CHECK_INT(gw_jws_check_statement(jws, n, st, "", &e), GW_E_XAPI_SIGNATURE_INVALID);
    free(jws);
    /* malformed */
    CHECK_INT(gw_jws_check_statement("abc", 3, st, "", &e), GW_E_XAPI_SIGNATURE_INVALID);
    CHECK_INT(gw_jws_check_statement("a.b.c.d", 7, st, "", &e), GW_E_XAPI_SIGNATURE_INVALID);
    CHECK_INT(gw_jws_check_statement("!!.??.**", 8, st, "", &e), GW_E_XAPI_SIGNATURE_INVALID);
    json_decref(st);
}

int main(void)
{
    key = EVP_RSA_gen(2048);
    other_key = EVP_RSA_gen(2048);
    GW_RUN(test_valid_signature);
    GW_RUN(test_refusals);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other_key);
    return gw_test_summary();
}
