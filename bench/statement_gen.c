/* statement_gen.c: the realistic ~1.5 KB statements both xAPI benchmarks
 * send (xapi_bench over HTTP, writer_bench to the writer alone): varied
 * actor (5,000 learners), verb, object (40 courses x 12 modules x 30 lessons)
 * with a definition, result, registration, context activities and
 * extensions. Each activity always comes with the same definition, as a
 * published course's content does (a changed definition costs the writer an
 * update). Deterministic: the same sequence every run. */
#include "statement_gen.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const verbs[][2] = {
    {"http://adlnet.gov/expapi/verbs/attempted", "attempted"},
    {"http://adlnet.gov/expapi/verbs/completed", "completed"},
    {"http://adlnet.gov/expapi/verbs/passed", "passed"},
    {"http://adlnet.gov/expapi/verbs/failed", "failed"},
    {"http://adlnet.gov/expapi/verbs/answered", "answered"},
    {"http://adlnet.gov/expapi/verbs/progressed", "progressed"},
};

/* xorshift64 over a state seeded from the statement's number */
static unsigned rnd(unsigned long long *state, unsigned n)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (unsigned)(*state % n);
}

/* Appends one statement (about 1.5 KB) to buf; returns the new length. */
size_t gw_bench_statement(char *buf, size_t cap, long seq)
{
    unsigned long long rs =
        0x9e3779b97f4a7c15ULL ^ ((unsigned long long)seq * 0xbf58476d1ce4e5b9ULL);
    rnd(&rs, 2);
    unsigned learner = rnd(&rs, 5000), course = rnd(&rs, 40), module = rnd(&rs, 12),
             v = rnd(&rs, 6);
    unsigned raw = rnd(&rs, 101);
    char reg[64];
    snprintf(reg, sizeof reg, "%08x-%04x-4%03x-a%03x-%012llx", learner, course, module,
             rnd(&rs, 4096) & 0xfffu, (unsigned long long)seq & 0xffffffffffffULL);
    int n = snprintf(
        buf, cap,
        "{\"actor\":{\"objectType\":\"Agent\",\"name\":\"Learner %u\",\"account\":{\"homePage\":"
        "\"https://lms.example.org\",\"name\":\"learner-%u\"}},"
        "\"verb\":{\"id\":\"%s\",\"display\":{\"en-US\":\"%s\"}},"
        "\"object\":{\"objectType\":\"Activity\",\"id\":\"https://lms.example.org/course/%u/"
        "module/%u/sco/%ld\",\"definition\":{\"type\":\"http://adlnet.gov/expapi/activities/"
        "lesson\",\"name\":{\"en-US\":\"Course %u, module %u, lesson %ld\",\"de-DE\":\"Kurs %u, "
        "Modul %u, Lektion %ld\"},\"description\":{\"en-US\":\"A lesson of the compliance "
        "curriculum that every employee completes once a year.\"},\"extensions\":{\"https://"
        "lms.example.org/xapi/ext/sco-version\":\"2026.%u\"}}},"
        "\"result\":{\"score\":{\"scaled\":%.2f,\"raw\":%u,\"min\":0,\"max\":100},\"success\":%s,"
        "\"completion\":%s,\"duration\":\"PT%uM%uS\",\"extensions\":{\"https://lms.example.org/"
        "xapi/ext/attempt\":%u}},"
        "\"context\":{\"registration\":\"%s\",\"platform\":\"Moodle\",\"language\":\"en-US\","
        "\"instructor\":{\"objectType\":\"Agent\",\"name\":\"Trainer %u\",\"mbox\":\"mailto:"
        "trainer%u@example.org\"},\"contextActivities\":{\"parent\":[{\"objectType\":"
        "\"Activity\",\"id\":\"https://lms.example.org/course/%u/module/%u\"}],\"grouping\":[{"
        "\"objectType\":\"Activity\",\"id\":\"https://lms.example.org/course/%u\"}],"
        "\"category\":[{\"objectType\":\"Activity\",\"id\":\"https://w3id.org/xapi/scorm\"}]},"
        "\"extensions\":{\"https://lms.example.org/xapi/ext/session\":\"s-%ld\",\"https://"
        "lms.example.org/xapi/ext/client\":{\"browser\":\"Firefox 140\",\"os\":\"Linux\"}}},"
        "\"timestamp\":\"2026-11-%02uT%02u:%02u:%02u.%03uZ\"}",
        learner, learner, verbs[v][0], verbs[v][1], course, module, seq % 30, course, module,
        seq % 30, course, module, seq % 30, (course + module) % 10, raw / 100.0, raw,
        raw >= 60 ? "true" : "false", v == 1 || v == 2 ? "true" : "false", rnd(&rs, 60),
        rnd(&rs, 60), rnd(&rs, 5) + 1, reg, course % 7, course % 7, course, module, course, seq,
        1 + rnd(&rs, 21), rnd(&rs, 24), rnd(&rs, 60), rnd(&rs, 60), rnd(&rs, 1000));
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "statement buffer too small\n");
        exit(2);
    }
    return (size_t)n;
}
