/* review_cli: `lmsgw review ...` (gateway/cli/review.c):
 *   lmsgw review tick          one scheduler pass now (this instance must
 *                              lead; its notices are sent by the configured
 *                              mail and chat, as `serve` sends them)
 *   lmsgw review audit-verify  checks the audit log's hash chain from the
 *                              first record to the head; exit 1 names the
 *                              first record that does not chain
 *   lmsgw review link ROUND_ID APPROVER_ID [--days N]
 *                              prints a one-click link for an approver */
#ifndef GW_REVIEW_CLI_H
#define GW_REVIEW_CLI_H

int gw_cmd_review(int argc, char **argv, const char *config_path);

#endif
