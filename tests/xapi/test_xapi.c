/* placeholder */
#include "gwtest.h"
static void test_none(void)
{
    CHECK(1);
}
int main(void)
{
    GW_RUN(test_none);
    return gw_test_summary();
}
