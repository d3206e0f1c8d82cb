/* The pure domain part of the xAPI LRS: statement validation (1.0.3 and 2.0),
 * normalisation before storing, the immutability comparison used on id
 * conflicts, extraction of the values the store indexes (activity ids, learner
 * key, voiding target, dedup signature), the ids/exact/canonical output
 * formats, and the parsing of GET /statements parameters and of the version
 * header. No HTTP and no SQL here: api/ and store/ call these functions.
 *
 * Every refusal carries an error code from the 3000 area of gw/errors.def and
 * 'where' = the JSON Pointer of the offending member (query parameter name for
 * queries, header name for the version header). */
#ifndef GW_XAPI_H
#define GW_XAPI_H

#include "gw/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gw_xapi_version {
    GW_XAPI_V1_0 = 0, /* 1.0.x requests: xAPI 1.0.3 rules */
    GW_XAPI_V2_0 = 1, /* 2.0.x requests: IEEE 9274.1.1 rules */
};

/* ---- validation ---- */

/* Checks one statement against every rule the LRS must (or SHOULD*) enforce
 * for version v. pointer_base prefixes every 'where' ("" for a single
 * statement, "/3" for the fourth of a batch). Does not modify st. Unknown
 * properties outside extensions are refused in both versions (1.0.3's
 * "keys the spec does not allow"; 2.0 makes it explicit). */
enum gw_err gw_xapi_validate_statement(json_t *st, const char *pointer_base, enum gw_xapi_version v,
                                       struct gw_error *err);

/* Validates a POST body: one statement object, or an array of them. Any
 * invalid statement rejects the whole batch; two statements with the same id
 * give XAPI_BATCH_DUPLICATE_ID at "/N/id" (N = the later one). */
enum gw_err gw_xapi_validate_batch(json_t *body, enum gw_xapi_version v, struct gw_error *err);

/* Format checks shared by the validator and the query parser. */
bool gw_xapi_langtag_valid(const char *tag);  /* RFC 5646 well-formed */
bool gw_xapi_duration_valid(const char *dur); /* ISO 8601 duration PnYnMnWnDTnHnMnS */
bool gw_xapi_mbox_valid(const char *mbox);    /* mailto:local@domain */

/* ---- normalisation ---- */

struct gw_xapi_norm {
    char id[37];          /* the statement's id (given or generated) */
    int64_t timestamp_ms; /* the statement's timestamp as an instant */
    int64_t stored_ms;
};

/* Prepares a validated statement for storing, in place:
 * - id: id_or_null (PUT's statementId) when given; a body id must equal it
 *   (XAPI_STATEMENT_ID_MISMATCH at "/id"); a missing id becomes a new UUID v4;
 * - stored: set to stored_ms (always overwritten);
 * - timestamp: set to stored when missing; otherwise rewritten as the same
 *   instant in UTC with millisecond precision ("...Z"), so reads return UTC;
 * - authority: replaced by a copy of authority when it is not NULL;
 * - version: "1.0.0" (v = 1.0) or "2.0.0" (v = 2.0) when absent, else kept;
 * - object (and a SubStatement's object) without objectType gets "Activity";
 * - every contextActivities value that is a single object becomes an array.
 * out (optional) receives id and instants. */
enum gw_err gw_xapi_normalize(json_t *st, const char *id_or_null, int64_t stored_ms,
                              const json_t *authority, enum gw_xapi_version v,
                              struct gw_xapi_norm *out, struct gw_error *err);

/* gw_xapi_normalize's variants for a caller that stores the statement at
 * once (api/xapi_prepare.c); the resulting tree is what gw_xapi_normalize
 * followed by the stated changes gives, without the work of setting what is
 * then removed. */
enum gw_xapi_norm_flags {
    GW_XAPI_NORM_NO_STORED = 1,       /* "stored" is removed, not set */
    GW_XAPI_NORM_NO_DEFAULT_TS = 2,   /* a missing timestamp stays missing */
    GW_XAPI_NORM_SHARE_AUTHORITY = 4, /* authority goes in as a new reference,
                                       * not a copy: the caller changes neither
                                       * it nor the statement's */
};
/* gw_xapi_normalize with flags (GW_XAPI_NORM_*) for the callers that set
 * stored, timestamp or authority themselves; the same errors. */
enum gw_err gw_xapi_normalize_ex(json_t *st, const char *id_or_null, int64_t stored_ms,
                                 const json_t *authority, enum gw_xapi_version v, unsigned flags,
                                 struct gw_xapi_norm *out, struct gw_error *err);

/* ---- comparison ---- */

/* True when a and b are the same statement under Comm 2.1.1's immutability
 * exceptions: id, authority, stored, version and attachments are ignored;
 * timestamps compare as instants; activity definitions and verb display are
 * ignored; group members compare as a set; mailto domains compare
 * case-insensitively; default objectTypes are implied; a single context
 * activity equals an array of one; numbers compare by value; durations compare
 * as strings truncated to 0.01 s. Neither argument is modified. */
bool gw_xapi_statements_equivalent(const json_t *a, const json_t *b);

/* ---- extraction ---- */

enum gw_xapi_activity_role {
    GW_XAPI_ROLE_OBJECT,
    GW_XAPI_ROLE_PARENT,
    GW_XAPI_ROLE_GROUPING,
    GW_XAPI_ROLE_CATEGORY,
    GW_XAPI_ROLE_OTHER,
};

struct gw_xapi_activity_ref {
    const char *id; /* borrowed from the statement */
    enum gw_xapi_activity_role role;
    bool in_substatement; /* found inside a SubStatement object */
};

/* Lists the statement's activity ids: the object when it is an Activity and
 * every context activity, then the same for a SubStatement object. Writes at
 * most cap entries and returns the total number found (call again with a
 * larger array when the result exceeds cap). Duplicates are kept. */
size_t gw_xapi_activity_ids(const json_t *st, struct gw_xapi_activity_ref *out, size_t cap);

/* A new statement id for a statement sent without one: a version 4 UUID
 * whose first 48 bits are now_ms (big-endian) and the other 74 random, so
 * ids the LRS assigns sort by time and the id index grows at its end
 * instead of at random places. False when no randomness was available. */
bool gw_xapi_new_statement_id(int64_t now_ms, char out[37]);
/* The same from random bytes the caller drew (a batch's ids from one draw:
 * one CSPRNG call per statement cost more than all the rest of its id). */
#define GW_XAPI_ID_RANDOM 10
void gw_xapi_statement_id_from(int64_t now_ms, const uint8_t random[GW_XAPI_ID_RANDOM],
                               char out[37]);

/* The role's name as stored and queried ("object", "parent", ...); static. */
const char *gw_xapi_activity_role_name(enum gw_xapi_activity_role r);

enum gw_xapi_agent_role {
    GW_XAPI_AGENT_ACTOR,
    GW_XAPI_AGENT_OBJECT,
    GW_XAPI_AGENT_AUTHORITY,
    GW_XAPI_AGENT_CONTEXT, /* instructor, team, contextAgents, contextGroups */
    GW_XAPI_AGENT_MEMBER,  /* an identified member of a Group in any of those places */
};

struct gw_xapi_agent_ref {
    char key[512]; /* gw_xapi_agent_key */
    enum gw_xapi_agent_role role;
    bool in_substatement;
};

/* Lists the agents and identified groups the statement mentions, with their
 * keys and roles (then the same inside a SubStatement object). Anonymous
 * groups contribute only their identified members. Writes at most cap
 * entries and returns the total number found. */
size_t gw_xapi_agent_refs(const json_t *st, struct gw_xapi_agent_ref *out, size_t cap);
const char *gw_xapi_agent_role_name(enum gw_xapi_agent_role r);

/* The canonical identity key of an Agent or identified Group:
 * "mbox_sha1sum:<40 hex>" (for mbox, the SHA-1 of the mailto IRI, so mbox and
 * mbox_sha1sum of one person give one key), "openid:<uri>" or
 * "account:<homePage>|<name>". False when agent has no usable IFI or out is
 * too small. Used for the learner column and the GET 'agent' filter. */
bool gw_xapi_agent_key(const json_t *agent, char *out, size_t cap);
/* gw_xapi_agent_key of the statement's actor when it is an Agent; false for
 * Groups and malformed actors. */
bool gw_xapi_learner_key(const json_t *st, char *out, size_t cap);

/* The id of the statement a voiding statement voids (borrowed), or NULL when
 * st is not a voiding statement. */
const char *gw_xapi_voided_target(const json_t *st);

#define GW_XAPI_VERB_VOIDED "http://adlnet.gov/expapi/verbs/voided"

/* The sha2 values of the statement's attachments (and of its SubStatement's),
 * borrowed, in order; with without_file_url only those lacking a fileUrl,
 * i.e. the ones whose content must arrive as a multipart part (Comm 1.5.2).
 * Writes at most cap and returns the total number. */
size_t gw_xapi_attachment_hashes(const json_t *st, bool without_file_url, const char **out,
                                 size_t cap);

#define GW_XAPI_ATTACHMENT_SIGNATURE "http://adlnet.gov/expapi/attachments/signature"

/* The members of an id-less statement its dedup signature can cover; a key
 * chooses them (api_keys.xapi_dedup_members, migration 0012). */
enum gw_xapi_dedup_members {
    GW_XAPI_DEDUP_ACTOR = 1u << 0,        /* the actor's key */
    GW_XAPI_DEDUP_VERB = 1u << 1,         /* the verb id */
    GW_XAPI_DEDUP_OBJECT = 1u << 2,       /* activities by id; agents by key */
    GW_XAPI_DEDUP_RESULT = 1u << 3,       /* result as sent */
    GW_XAPI_DEDUP_TIMESTAMP = 1u << 4,    /* the timestamp's instant */
    GW_XAPI_DEDUP_REGISTRATION = 1u << 5, /* context.registration */
    GW_XAPI_DEDUP_CONTEXT = 1u << 6,      /* context as sent, without registration */
};
/* What every key's signature must cover: who did what to what. */
#define GW_XAPI_DEDUP_REQUIRED (GW_XAPI_DEDUP_ACTOR | GW_XAPI_DEDUP_VERB | GW_XAPI_DEDUP_OBJECT)
/* Moodle's logstore_xapi (the default of new keys): its resends keep the
 * event's timestamp but carry another registration (derived from the
 * sending PHP session), so registration is left out. */
#define GW_XAPI_DEDUP_MOODLE                                                                       \
    (GW_XAPI_DEDUP_REQUIRED | GW_XAPI_DEDUP_RESULT | GW_XAPI_DEDUP_TIMESTAMP)
/* The signature before migration 0012 (kept by keys made before it, but lms
 * keys). */
#define GW_XAPI_DEDUP_LEGACY (GW_XAPI_DEDUP_MOODLE | GW_XAPI_DEDUP_REGISTRATION)
/* "actor,verb,object,result,timestamp,registration,context" and a NUL */
#define GW_XAPI_DEDUP_MEMBERS_TEXT 64

/* The bit of one member name (len bytes, not NUL-terminated), 0 when it
 * names none. */
unsigned gw_xapi_dedup_member(const char *name, size_t len);
/* A comma-separated list of member names ("actor,verb,object") -> bits;
 * false when empty, or a name is unknown or repeated. */
bool gw_xapi_dedup_members_parse(const char *list, unsigned *out);
/* Bits -> the comma-separated names in canonical order. */
void gw_xapi_dedup_members_format(unsigned members, char out[GW_XAPI_DEDUP_MEMBERS_TEXT]);
/* Bits -> a JSON array of the names in canonical order (new reference). */
json_t *gw_xapi_dedup_members_json(unsigned members);

/* SHA-256 (hex) over the canonical JSON of the chosen members: actor key,
 * verb id, object (activities reduced to their id), result, timestamp
 * instant, context registration, context without registration (absent
 * optional members are left out). Equal signatures mean "the same event sent
 * again"; used to drop id-less resends (Moodle). Allocates no more than the
 * members chosen need. False when st is malformed, and when the members
 * include the timestamp and st has none (its instant is then the one it is
 * stored at, which a resend does not share). */
bool gw_xapi_dedup_signature_of(const json_t *st, unsigned members, char out[65]);
/* gw_xapi_dedup_signature_of with GW_XAPI_DEDUP_LEGACY. */
bool gw_xapi_dedup_signature(const json_t *st, char out[65]);

/* ---- output formats ---- */

enum gw_xapi_format {
    GW_XAPI_FORMAT_EXACT = 0,
    GW_XAPI_FORMAT_IDS,
    GW_XAPI_FORMAT_CANONICAL,
};

/* A new statement in format f (the caller owns the result):
 * EXACT: a copy; IDS: agents reduced to objectType + IFI, groups to objectType
 * + IFI + reduced members, activities to their id alone, verbs to id;
 * CANONICAL: every language map reduced to the one entry best matching langs
 * (NULL-terminated preference list from Accept-Language, may be NULL). */
json_t *gw_xapi_format(const json_t *st, enum gw_xapi_format f, const char *const *langs);

/* ---- media types sent back in headers (xapi/mediatype.c) ---- */

/* Whether ct is a media type that may become a reply header: type "/"
 * subtype, then "; name=value" parameters (token or quoted-string), printable
 * ASCII only (no CR, LF or other control byte), at most 255 bytes. */
bool gw_xapi_media_type_valid(const char *ct);

/* Whether a document of type ct may be shown inline by a browser: only
 * application/json, text/plain and application/octet-stream (any parameters);
 * every other type (text/html, image/svg+xml, XML, ...) is served as an
 * attachment, and an invalid ct is not inline either. */
bool gw_xapi_media_type_inline(const char *ct);

/* ---- the Activities resource ---- */

/* Merges the activity definition text add (from a newer statement) into
 * stored (what the LRS holds), so the Activity keeps everything any statement
 * said of it (Comm 2.5): the language maps name and description, and
 * extensions, are unions of their entries (add wins per entry); any other
 * property is add's when add has it. Returns a new text (caller frees) when
 * the merge changes stored, NULL when it adds nothing (or either text is not
 * a JSON object, when add replaces stored only if stored is not one). */
char *gw_xapi_definition_merge(const char *stored, const char *add);

/* ---- GET /statements parameters and headers ---- */

struct gw_xapi_qparam {
    const char *name;
    const char *value;
};

struct gw_xapi_query {
    const char *statement_id;        /* borrowed; NULL when absent */
    const char *voided_statement_id; /* borrowed; NULL when absent */
    bool has_agent;
    char agent_key[1024]; /* gw_xapi_agent_key of the agent parameter */
    const char *verb;     /* borrowed IRI or NULL */
    const char *activity; /* borrowed IRI or NULL */
    const char *registration;
    bool related_activities, related_agents;
    bool has_since, has_until;
    int64_t since_ms, until_ms; /* since exclusive, until inclusive */
    int64_t limit;              /* 0 = server maximum */
    enum gw_xapi_format format;
    bool attachments, ascending;
};

/* Parses the query parameters of GET /statements (names are case-sensitive;
 * a name that differs from a spec name only in case is refused like any
 * unknown name; a repeated name is refused). Errors: XAPI_QUERY_PARAM or
 * XAPI_QUERY_COMBINATION with where = the parameter name. */
enum gw_err gw_xapi_query_parse(const struct gw_xapi_qparam *params, size_t n,
                                struct gw_xapi_query *q, struct gw_error *err);

/* Parses X-Experience-API-Version: "1.0" and "1.0.x" select 1.0 rules; "2.0"
 * and "2.0.x" select 2.0. Missing (NULL) or anything else: XAPI_VERSION_HEADER
 * with where = "X-Experience-API-Version". */
enum gw_err gw_xapi_version_parse(const char *header, enum gw_xapi_version *out,
                                  struct gw_error *err);

#endif
