/* review_cli: `lmsgw review ...` (gateway/cli/review.c), for the lead to wire
 * into main.c:
 *   lmsgw review tick          one scheduler pass now (this instance must
 *                              lead; notices are logged, not mailed, until an
 *                              outbound notifier is plugged in)
 *   lmsgw review audit-verify  checks the audit log's hash chain from the
 *                              first record to the head; exit 1 names the
 *                              first record that does not chain */
#ifndef GW_REVIEW_CLI_H
#define GW_REVIEW_CLI_H

int gw_cmd_review(int argc, char **argv, const char *config_path);

#endif
