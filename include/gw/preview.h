/* The course preview on the approver's page (issue 15): the package under
 * review runs in the approver's browser, served from the stored zip on a
 * second listener (the content origin, config content_port/content_url), so
 * the course's scripts run in another origin than the gateway's pages and API.
 *
 * Every content path starts /c/{cap}/, where cap is a short-lived capability
 * the review page mints (signed with the same key as the approval links):
 *   /c/{cap}/play            the player page: the course's launchable items
 *                            in a frame, with the SCORM run-time API
 *                            (scorm-again) for SCORM 1.2 and 2004
 *   /c/{cap}/f/{path+}       a file of the package, from the zip
 *   /c/{cap}/fetch           cmi5's fetch URL (an auth token for the AU)
 *   /c/{cap}/xapi/...        the preview LRS for cmi5 and Tin Can packages:
 *                            statements and documents are kept in their own
 *                            tables, never with learners' statements, and
 *                            never count in KPIs
 * Player assets (scorm-again, player.js) are served without a capability from
 * /_player/{file}. Nothing else is served on the content origin. */
#ifndef GW_PREVIEW_H
#define GW_PREVIEW_H

#include "gw/error.h"
#include "gw/http.h"
#include "gw/review.h"

#include <stddef.h>
#include <stdint.h>

/* How long a capability minted for a page view works. */
#define GW_PREVIEW_CAP_TTL_MS (4LL * 3600 * 1000)

struct gw_preview_cap {
    char round_id[GW_REVIEW_ID_MAX];
    char approver_id[GW_REVIEW_ID_MAX]; /* the approver whose page minted it */
    char sha256[65];                    /* the package's zip (gw/blobs.h) */
    int64_t expires_ms;
};

/* Writes the capability for c into out (GW_REVIEW_TOKEN_MAX suffices):
 * base64url("lmsgw-preview-1\n" round "\n" approver "\n" sha256 "\n"
 * expires_ms) "." base64url(HMAC-SHA256). Errors as gw_review_token_make. */
enum gw_err gw_preview_cap_make(const uint8_t *key, size_t keylen, const struct gw_preview_cap *c,
                                char *out, size_t cap, struct gw_error *err);
/* Verifies a capability at now_ms: PREVIEW_CAP_MALFORMED, _INVALID (also an
 * approval link's token, which is not a capability) or _EXPIRED. */
enum gw_err gw_preview_cap_verify(const uint8_t *key, size_t keylen, const char *token,
                                  int64_t now_ms, struct gw_preview_cap *c, struct gw_error *err);

/* For content handlers: verifies the capability in req->params[0] with the
 * store's key at the server's time. On failure fills rep with the error and
 * returns false. */
bool gw_preview_cap_from_req(struct gw_req *req, struct gw_reply *rep, struct gw_preview_cap *c);

/* Where preview statements and documents of c are kept apart: "round/approver"
 * (one reviewer's preview of one round, across page views). out: 2 *
 * GW_REVIEW_ID_MAX bytes. */
void gw_preview_scope(const struct gw_preview_cap *c, char *out, size_t cap);

#endif
