/* demo_story.c: what the demo data tells, as data: three requesting
 * departments with their heads and settings, the people of the training
 * team and the approvers, and thirteen course requests, each with the steps
 * that bring it to one stage of the pipeline (requested, in development,
 * in review, stalled, changes requested, approved, publishing, publish
 * failed, live, retired). Times are relative to the day the demo runs
 * (demo_int.h, DEMO_AT / DEMO_AGO); app/demo.c runs the steps in time order.
 * Every id starts with "demo-", so demo rows are recognisable. */
#include "demo_int.h"

const char demo_training_manager[] = "demo-hannah-becker";

/* Sales reminds early and escalates after 5 days overdue; Operations sends
 * at 09:00 and escalates after a week; Customer Service chases daily and
 * escalates after 3 days, is not charged, and words its own announcement. */
const struct demo_department demo_departments[] = {
    {"demo-sales", "Sales", "CC-4100", "demo-priya-raman",
     "{\"remind_before\": true, \"remind_on_due\": true, \"overdue_every_days\": 2, "
     "\"escalate_after_days\": 5, \"send_minute_utc\": 480, \"charge\": true, "
     "\"rates\": {\"hourly\": 85, \"per_learner\": 4, \"currency\": \"EUR\"}}"},
    {"demo-operations", "Operations", "CC-5200", "demo-marcus-webb",
     "{\"remind_before\": true, \"remind_on_due\": true, \"overdue_every_days\": 3, "
     "\"escalate_after_days\": 7, \"send_minute_utc\": 540, \"charge\": true, "
     "\"rates\": {\"hourly\": 72, \"per_learner\": 3.5, \"currency\": \"EUR\"}}"},
    {"demo-customer-service", "Customer Service", "CC-6300", "demo-elena-costa",
     "{\"remind_before\": true, \"remind_on_due\": true, \"overdue_every_days\": 1, "
     "\"escalate_after_days\": 3, \"send_minute_utc\": 510, \"charge\": false, "
     "\"announcement\": {\"subject\": \"Now on the LMS: {title}\", \"body\": \"Hello team,\\n\\n"
     "{title} is now available on the LMS: {link}\\n\\nWho it is for: {audience}\\nWhy: "
     "{purpose}\\n\\nThank you,\\n{department} training\"}}"},
};
const size_t demo_n_departments = sizeof demo_departments / sizeof demo_departments[0];

const struct demo_person demo_people[] = {
    {"demo-hannah-becker", "Hannah Becker", "hannah.becker@example.org", NULL, "Training Manager",
     GW_ROLE_ADMIN | GW_ROLE_AUTHOR | GW_ROLE_APPROVER | GW_ROLE_BI},
    {"demo-tom-okafor", "Tom Okafor", "tom.okafor@example.org", NULL, "Instructional Designer",
     GW_ROLE_AUTHOR},
    {"demo-lisa-nguyen", "Lisa Nguyen", "lisa.nguyen@example.org", NULL, "eLearning Developer",
     GW_ROLE_AUTHOR},
    {"demo-jonas-weber", "Jonas Weber", "jonas.weber@example.org", NULL, "Instructional Designer",
     GW_ROLE_AUTHOR},
    {"demo-priya-raman", "Priya Raman", "priya.raman@example.org", "demo-sales", "VP Sales",
     GW_ROLE_APPROVER | GW_ROLE_BI},
    {"demo-marcus-webb", "Marcus Webb", "marcus.webb@example.org", "demo-operations",
     "Head of Operations", GW_ROLE_APPROVER | GW_ROLE_BI},
    {"demo-elena-costa", "Elena Costa", "elena.costa@example.org", "demo-customer-service",
     "Director of Customer Service", GW_ROLE_APPROVER | GW_ROLE_BI},
    {"demo-david-kim", "David Kim", "david.kim@example.org", "demo-sales", "Sales Enablement Lead",
     GW_ROLE_APPROVER},
    {"demo-ahmed-hassan", "Ahmed Hassan", "ahmed.hassan@example.org", "demo-operations",
     "Health and Safety Manager", GW_ROLE_APPROVER},
    {"demo-sarah-levy", "Sarah Levy", "sarah.levy@example.org", "demo-operations",
     "Compliance Officer", GW_ROLE_APPROVER},
    {"demo-robert-fischer", "Robert Fischer", "robert.fischer@example.org", "demo-operations",
     "Data Protection Officer", GW_ROLE_APPROVER},
    {"demo-julia-santos", "Julia Santos", "julia.santos@example.org", "demo-customer-service",
     "Quality Lead", GW_ROLE_APPROVER},
};
const size_t demo_n_people = sizeof demo_people / sizeof demo_people[0];

#define TOM "demo-tom-okafor"
#define LISA "demo-lisa-nguyen"
#define JONAS "demo-jonas-weber"
#define PRIYA "demo-priya-raman"
#define MARCUS "demo-marcus-webb"
#define ELENA "demo-elena-costa"
#define DAVID "demo-david-kim"
#define AHMED "demo-ahmed-hassan"
#define SARAH "demo-sarah-levy"
#define ROBERT "demo-robert-fischer"
#define JULIA "demo-julia-santos"

#define COURSE(at)                                                                                 \
    {                                                                                              \
        DEMO_STEP_COURSE, at, NULL, NULL, NULL, 0                                                  \
    }
#define VERSION(at)                                                                                \
    {                                                                                              \
        DEMO_STEP_VERSION, at, NULL, NULL, NULL, 0                                                 \
    }
#define SUBMIT(at)                                                                                 \
    {                                                                                              \
        DEMO_STEP_SUBMIT, at, NULL, NULL, NULL, 0                                                  \
    }
#define DECIDE(at, who, what, comment)                                                             \
    {                                                                                              \
        DEMO_STEP_DECIDE, at, who, what, comment, 0                                                \
    }
#define PUBLISH(at)                                                                                \
    {                                                                                              \
        DEMO_STEP_PUBLISH, at, NULL, NULL, NULL, 0                                                 \
    }
#define EFFORT(at, who, hours, note)                                                               \
    {                                                                                              \
        DEMO_STEP_EFFORT, at, who, NULL, note, hours                                               \
    }

const struct demo_story demo_stories[] = {
    /* live since seven weeks, with learners */
    {"demo-req-safe-lifting",
     "demo-operations",
     "Safe Lifting at Work",
     TOM,
     AHMED,
     "Back injuries from manual handling are the most frequent lost-time incident in the "
     "warehouses (14 last year).",
     "All warehouse and logistics staff",
     "About 220 people on three sites",
     "Toolbox talk in every shift briefing in the launch week; posters at the loading bays.",
     "Lost-time incidents from manual handling",
     "Down by a third within twelve months",
     "OPS-2025-014",
     true,
     -45,
     12,
     18,
     "warehouse-team@example.org",
     DEMO_AT(80, 9, 30),
     {{AHMED, 5}, {MARCUS, 7}},
     45,
     {COURSE(DEMO_AT(76, 10, 15)),
      EFFORT(DEMO_AT(70, 16, 30), TOM, 6, "Storyboard and scenario scripts with Ahmed"),
      EFFORT(DEMO_AT(64, 17, 0), TOM, 7.5, "Build and first review"), VERSION(DEMO_AT(58, 11, 20)),
      SUBMIT(DEMO_AT(57, 9, 5)),
      DECIDE(DEMO_AT(55, 14, 40), AHMED, "approve",
             "Matches the revised manual-handling risk assessment."),
      DECIDE(DEMO_AT(53, 8, 50), MARCUS, "approve", NULL), PUBLISH(DEMO_AT(53, 8, 52))}},
    /* live since six weeks, mandatory onboarding */
    {"demo-req-cs-welcome",
     "demo-customer-service",
     "Welcome to Customer Service",
     LISA,
     JULIA,
     "New agents take three weeks to handle calls on their own; the classroom onboarding "
     "covers the tools but not our service standards.",
     "New customer service agents in their first week",
     "About 15 new agents a month",
     "Part of the onboarding checklist; team leads assign it on day one.",
     "Time until a new agent handles calls alone",
     "Two weeks instead of three",
     "CS-2025-003",
     true,
     -30,
     10,
     14,
     "cs-team-leads@example.org",
     DEMO_AT(70, 11, 0),
     {{JULIA, 5}, {ELENA, 7}},
     35,
     {COURSE(DEMO_AT(66, 9, 40)),
      EFFORT(DEMO_AT(60, 15, 0), LISA, 5, "Interviews with team leads, outline"),
      EFFORT(DEMO_AT(52, 16, 0), LISA, 8, "Build, call-flow quiz"), VERSION(DEMO_AT(45, 10, 10)),
      SUBMIT(DEMO_AT(44, 9, 30)),
      DECIDE(DEMO_AT(43, 16, 5), JULIA, "approve",
             "Clear and friendly; the call-flow quiz works well."),
      DECIDE(DEMO_AT(41, 10, 20), ELENA, "approve", NULL), PUBLISH(DEMO_AT(41, 10, 22))}},
    /* live since four weeks; one approver needed a reminder */
    {"demo-req-consultative-selling",
     "demo-sales",
     "Consultative Selling Fundamentals",
     JONAS,
     DAVID,
     "Win rates on new accounts fell from 31% to 24%; deal reviews show discovery calls "
     "that skip the customer's business goals.",
     "Account executives and inside sales",
     "About 60 people",
     "Announced in the monthly sales call; completion tracked in pipeline reviews.",
     "Win rate on new accounts",
     "Back to 30% in two quarters",
     "SAL-2025-007",
     false,
     -20,
     14,
     20,
     NULL,
     DEMO_AT(60, 13, 15),
     {{DAVID, 5}, {PRIYA, 5}},
     30,
     {COURSE(DEMO_AT(55, 9, 0)),
      EFFORT(DEMO_AT(48, 16, 0), JONAS, 8, "Role-play scripts and video shoot"),
      EFFORT(DEMO_AT(40, 15, 30), JONAS, 6.5, "Build and interactions"),
      VERSION(DEMO_AT(34, 14, 45)), SUBMIT(DEMO_AT(33, 9, 10)),
      DECIDE(DEMO_AT(31, 11, 30), DAVID, "approve", "Good use of the discovery-call examples."),
      DECIDE(DEMO_AT(27, 18, 5), PRIYA, "approve", "Approved. Sorry for the delay, quarter-end."),
      PUBLISH(DEMO_AT(27, 18, 7))}},
    /* was live for ten weeks, retired two weeks ago */
    {"demo-req-fire-evacuation",
     "demo-operations",
     "Fire Evacuation Procedure 2023",
     TOM,
     AHMED,
     "The fire authority's audit asks for documented yearly evacuation training for every "
     "employee on site.",
     "Everyone working at the main site",
     "About 400 people",
     "Mandatory; site managers follow up with their teams.",
     "Share of employees trained this year",
     "100% before the fire drill",
     "OPS-2024-031",
     true,
     -80,
     6,
     10,
     NULL,
     DEMO_AT(100, 9, 0),
     {{AHMED, 5}, {MARCUS, 5}},
     40,
     {COURSE(DEMO_AT(97, 10, 0)),
      EFFORT(DEMO_AT(92, 16, 0), TOM, 5, "Floor plans and evacuation routes"),
      VERSION(DEMO_AT(88, 15, 30)),
      SUBMIT(DEMO_AT(87, 9, 0)),
      DECIDE(DEMO_AT(86, 11, 0), AHMED, "approve", NULL),
      DECIDE(DEMO_AT(85, 9, 15), MARCUS, "approve", NULL),
      PUBLISH(DEMO_AT(85, 9, 17)),
      {DEMO_STEP_RETIRE, DEMO_AT(14, 10, 0), "demo-hannah-becker", NULL,
       "Replaced by the new procedure after the emergency exits in hall B were rebuilt.", 0}}},
    /* approved, but the LMS refused the upload */
    {"demo-req-returns-policy",
     "demo-customer-service",
     "Returns and Refunds Policy",
     LISA,
     JULIA,
     "The returns policy changes on the first of next month (30 instead of 14 days, refunds "
     "to the original payment method only).",
     "All customer service agents",
     "About 120 agents",
     "Team leads brief their teams; the course is the reference afterwards.",
     "Escalations about returns",
     "No rise after the policy change",
     "CS-2025-011",
     true,
     10,
     4,
     6,
     NULL,
     DEMO_AT(30, 10, 30),
     {{JULIA, 3}, {ELENA, 3}},
     0,
     {COURSE(DEMO_AT(27, 9, 0)),
      EFFORT(DEMO_AT(15, 15, 0), LISA, 4.5, "Policy walkthrough and quiz"),
      VERSION(DEMO_AT(11, 16, 0)),
      SUBMIT(DEMO_AT(10, 9, 20)),
      DECIDE(DEMO_AT(9, 14, 0), JULIA, "approve", NULL),
      DECIDE(DEMO_AT(8, 11, 45), ELENA, "approve",
             "Approved. It must be live before the policy changes."),
      {DEMO_STEP_PUBLISH_FAILS, DEMO_AT(8, 11, 47), NULL, NULL,
       "LMS_REJECTED: POST importJobs/upload: the LMS answered 403: Course limit reached for "
       "this application (100 of 100 courses). Delete courses that are no longer needed or "
       "raise the plan's course limit.",
       0}}},
    /* approved less than an hour ago; the LMS is in maintenance, retry pending */
    {"demo-req-upselling",
     "demo-sales",
     "Upselling Service Plans",
     JONAS,
     DAVID,
     "Only 12% of hardware customers buy a service plan; the sales team says it lacks "
     "arguments beyond the price.",
     "Account executives and inside sales",
     "About 60 people",
     "Introduced at the sales kick-off; short follow-up in the team meetings.",
     "Service plan attach rate",
     "20% by the end of the year",
     "SAL-2025-012",
     false,
     14,
     8,
     12,
     NULL,
     DEMO_AT(35, 14, 0),
     {{DAVID, 5}, {PRIYA, 5}},
     0,
     {COURSE(DEMO_AT(32, 9, 30)),
      EFFORT(DEMO_AT(20, 17, 0), JONAS, 6, "Objection handling scenarios"),
      VERSION(DEMO_AT(8, 10, 0)),
      SUBMIT(DEMO_AT(7, 9, 0)),
      DECIDE(DEMO_AT(5, 15, 30), DAVID, "approve", NULL),
      DECIDE(DEMO_AGO(42), PRIYA, "approve", NULL),
      {DEMO_STEP_PUBLISH_RETRYING, DEMO_AGO(40), NULL, NULL,
       "LMS_BUSY: POST importJobs/upload: the LMS answered 503, retry after 3600000 ms: "
       "Service Unavailable: scheduled maintenance, please try again later.",
       0}}},
    /* approved minutes ago: the publish job waits for the outbox */
    {"demo-req-warehouse-picking",
     "demo-operations",
     "Warehouse Picking Process",
     TOM,
     NULL,
     "The new scanner-guided picking process starts before the peak season; picking errors "
     "cost about 40,000 EUR a quarter.",
     "Pickers and shift leads in the warehouses",
     "About 180 people",
     "Shift leads walk their teams through it at the scanners.",
     "Picking error rate",
     "Below 0.5%",
     "OPS-2025-019",
     true,
     21,
     10,
     16,
     NULL,
     DEMO_AT(25, 9, 0),
     {{AHMED, 5}, {MARCUS, 5}},
     0,
     {COURSE(DEMO_AT(22, 10, 0)),
      EFFORT(DEMO_AT(12, 16, 0), TOM, 7, "Screen recordings of the scanner app"),
      VERSION(DEMO_AT(7, 14, 0)), SUBMIT(DEMO_AT(6, 9, 30)),
      DECIDE(DEMO_AT(3, 10, 0), AHMED, "approve", NULL),
      DECIDE(DEMO_AGO(18), MARCUS, "approve",
             "Approved; please have it live before the peak season starts.")}},
    /* in review since three weeks: one approver is silent, escalated, stalled */
    {"demo-req-forklift",
     "demo-operations",
     "Forklift Safety Refresher",
     TOM,
     NULL,
     "Forklift licences must be refreshed every two years; 35 drivers are due this quarter.",
     "Forklift drivers",
     "About 35 drivers",
     "Drivers get the link with their licence renewal letter.",
     "Drivers refreshed before their licence expires",
     "All of them",
     "OPS-2025-022",
     true,
     -5,
     5,
     8,
     NULL,
     DEMO_AT(40, 9, 0),
     {{AHMED, 5}, {SARAH, 5}},
     0,
     {COURSE(DEMO_AT(36, 10, 0)), VERSION(DEMO_AT(23, 15, 0)), SUBMIT(DEMO_AT(22, 9, 40)),
      DECIDE(DEMO_AT(21, 13, 20), SARAH, "approve", "Fine from the compliance side.")}},
    /* in review since four days: one approval in, one pending */
    {"demo-req-difficult-calls",
     "demo-customer-service",
     "Handling Difficult Customer Calls",
     LISA,
     JULIA,
     "Complaints about agents' tone rose after the price change; agents ask for help with "
     "angry callers.",
     "Customer service agents and team leads",
     "About 120 agents",
     "Recommended by team leads in one-to-ones.",
     "Complaints about agents' conduct",
     "Down by 25% in six months",
     "CS-2025-014",
     false,
     30,
     8,
     12,
     NULL,
     DEMO_AT(28, 13, 0),
     {{JULIA, 7}, {ELENA, 7}},
     0,
     {COURSE(DEMO_AT(25, 9, 15)),
      EFFORT(DEMO_AT(14, 15, 30), LISA, 6, "Call recordings turned into scenarios"),
      VERSION(DEMO_AT(5, 16, 20)), SUBMIT(DEMO_AT(4, 9, 0)),
      DECIDE(DEMO_AT(2, 11, 10), JULIA, "approve",
             "Good scenarios; the escalation path matches our process.")}},
    /* the data protection officer asked for changes */
    {"demo-req-gdpr-basics",
     "demo-operations",
     "Data Protection Basics (GDPR)",
     JONAS,
     NULL,
     "The yearly data protection training is due; last year's course cites the old retention "
     "rules.",
     "Everyone who handles customer or employee data",
     "About 300 people",
     "Mandatory; reminders from the data protection office.",
     "Share of staff trained",
     "95% by the end of the quarter",
     "OPS-2025-025",
     true,
     20,
     6,
     9,
     NULL,
     DEMO_AT(45, 10, 0),
     {{SARAH, 7}, {ROBERT, 7}},
     0,
     {COURSE(DEMO_AT(42, 9, 0)), VERSION(DEMO_AT(16, 14, 30)), SUBMIT(DEMO_AT(15, 9, 0)),
      DECIDE(DEMO_AT(14, 10, 30), SARAH, "approve", NULL),
      DECIDE(DEMO_AT(12, 16, 45), ROBERT, "request_changes",
             "Module 2 still gives the old retention period for customer records (5 years); it "
             "is 3 years since the policy update. Please also name the contact for data subject "
             "requests on the summary page.")}},
    /* in development: a validated version, not submitted yet */
    {"demo-req-pricing-tiers",
     "demo-sales",
     "Product Update: New Pricing Tiers",
     JONAS,
     DAVID,
     "Three new pricing tiers start next month; the sales team must explain them consistently.",
     "Everyone in sales and pre-sales",
     "About 75 people",
     "Sales call announcement; quick check in team meetings.",
     "Deals quoted with the right tier",
     "No pricing escalations in the first month",
     "SAL-2025-015",
     false,
     25,
     3,
     5,
     NULL,
     DEMO_AT(20, 11, 0),
     {{DAVID, 5}, {PRIYA, 5}},
     0,
     {COURSE(DEMO_AT(16, 9, 45)),
      EFFORT(DEMO_AT(9, 16, 0), JONAS, 4, "Pricing examples with product management"),
      VERSION(DEMO_AT(2, 15, 10))}},
    /* in development: the course exists, no version yet */
    {"demo-req-crm-calls",
     "demo-customer-service",
     "New CRM: Logging Customer Calls",
     LISA,
     JULIA,
     "The new CRM goes live next quarter; every call must be logged with its reason and "
     "outcome from day one.",
     "All customer service agents",
     "About 120 agents",
     "Part of the CRM go-live plan.",
     "Calls logged with a reason",
     "98% in the first month",
     "CS-2025-017",
     true,
     45,
     8,
     14,
     NULL,
     DEMO_AT(12, 10, 0),
     {{JULIA, 5}},
     0,
     {COURSE(DEMO_AT(9, 11, 30)),
      EFFORT(DEMO_AT(6, 16, 0), LISA, 3, "Kick-off with the CRM project team")}},
    /* requested three days ago; nobody has started a course yet */
    {"demo-req-negotiation",
     "demo-sales",
     "Negotiation Skills for Account Managers",
     NULL,
     PRIYA,
     "Discounts on renewals grew to 18% on average; account managers concede too early.",
     "Account managers",
     "About 25 people",
     "Introduced by the sales directors.",
     "Average renewal discount",
     "Below 10%",
     "SAL-2025-018",
     false,
     60,
     10,
     16,
     NULL,
     DEMO_AT(3, 14, 20),
     {{DAVID, 5}, {PRIYA, 5}},
     0,
     {{DEMO_STEP_END, {0, 0}, NULL, NULL, NULL, 0}}},
};
const size_t demo_n_stories = sizeof demo_stories / sizeof demo_stories[0];
