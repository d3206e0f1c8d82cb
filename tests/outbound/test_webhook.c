#include "gwtest.h"
static void t(void)
{
    CHECK(1);
}
int main(void)
{
    GW_RUN(t);
    return gw_test_summary();
}
