/* review_int.h: the headers the review store files share. The verbs the use
 * cases in app/ call inside their transactions are gw/review_verbs.h's
 * (the launch announcement's queueing and new ids among them). */
#ifndef GW_REVIEW_INT_H
#define GW_REVIEW_INT_H

#include "gw/review_store.h"
#include "gw/review_verbs.h"

#endif
