// The training manager's day (issue 16's acceptance test), one continuous
// story in a real browser (Debian's chromium, headless, driven by
// playwright-core) against the real lmsgw, the real lmssim (the LMS, a
// SCORM Cloud) and an SMTP sink. What an admin set up before, through the
// API: people with roles, the department Operations with its head and
// escalate_after_days 2, an lms key. Then the manager (admin and author),
// through the web app: signs in by the mailed link; files a request on the
// intake page naming an approver of Operations, due tomorrow, and finds it
// under Requested; presses "Start building this course"; uploads a corpus
// package with an error (file chooser) and reads the error with its file, line
// and what to do, then the valid sample as version 2; submits it and reads the
// round with the approver. The board has the card In review, not flagged. The
// gateway's clock (clock_movable) is moved past the department's threshold;
// the manager's browser clock moves with it, so the board refreshes by itself:
// the card turns red and says to whom it was escalated, and the head got the
// escalation mail. The LMS refuses the upload (403 with SCORM Cloud's
// course-limit message, one attempt); the approver approves through the link
// in their mail (their own browser: the link page's confirm button); the
// board shows the failed publish with the LMS's words; the manager presses
// Retry; the card goes Live and lmssim holds the course once. The manager
// shares Operations's delivery schedule and the link opens signed out,
// showing the course live with dates in words. Learners' statements arrive as
// Moodle posts them (the corpus's, on the course's registered IRIs, with the
// lms key); the department page and the course page show the figures this
// test computes from the statements it sent. axe-core finds no WCAG 2.1 A/AA
// violations on each page in its state then, and no ids, UUIDs or epoch
// numbers are on screen.
//
// The session: a real manager's board refreshes every minute on their screen,
// so it never idles; the moved clock jumps over those refreshes, so the
// gateway runs with session_idle_minutes 10080 (a week) rather than the
// manager signing in again after the jump. Prints "N passed, N failed" last.
'use strict';

const fs = require('fs');
const path = require('path');
const { results, check, run, waitFor } = require('./support');
const { buildDir, startGateway, stopGateway, api, launchBrowser, axeCheck, finish } = require('./gateway');

const shared = path.join(process.env.GW_SOURCE_DIR || path.join(__dirname, '..', '..'), '..', 'shared', 'corpus');
const BAD = 'mutant-scorm2004-identifierref-missing-resource.zip';
const BAD_ZIP = path.join(shared, 'packages', BAD);
const GOOD_ZIP = path.join(buildDir, 'packages', 'scorm12-sample.zip');
const STATEMENTS = path.join(shared, 'statements', 'moodle-4.3-scorm-learner.json');
// what SCORM Cloud answers an application at its plan's course limit
const COURSE_LIMIT = 'Course limit reached for this application (100 of 100 courses). Delete courses that are ' +
  "no longer needed or raise the plan's course limit.";

const DAY = 86400000;
const HOUR = 3600000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];
// the app's words for the UTC day of ms: "Monday 7 December", the year when not the reader's (now's)
function dayWords(ms, now) {
  const d = new Date(ms);
  const text = `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  return d.getUTCFullYear() === new Date(now).getUTCFullYear() ? text : `${text} ${d.getUTCFullYear()}`;
}

// lmssim as the LMS, one publish attempt, the movable clock, a week's session, the SMTP sink
function startAll() {
  return startGateway({ name: 'managerday', smtp: true, sim: true, keys: [{ role: 'admin', name: 'setup-admin' }],
    config: { publish_max_attempts: 1, clock_movable: true, session_idle_minutes: 10080 } });
}

async function sim(srv, method, p, body) {
  const r = await fetch(srv.simUrl + p, { method, headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, json: await r.json().catch(() => null) };
}

// ---- the escalation rule, for the clock: the first business day on or
// after the due day + escalate_after_days, at the send minute (09:00 UTC)

function escalationAt(dueMs, afterDays) {
  let day = Math.floor(dueMs / DAY) + afterDays;
  while ([0, 6].includes(new Date(day * DAY).getUTCDay())) day++;
  return day * DAY + 9 * HOUR;
}

// ---- statements as Moodle posts them, and the figures they make ----

const V = {
  launched: 'http://adlnet.gov/expapi/verbs/launched', completed: 'http://adlnet.gov/expapi/verbs/completed',
  passed: 'http://adlnet.gov/expapi/verbs/passed', failed: 'http://adlnet.gov/expapi/verbs/failed',
  viewed: 'http://id.tincanapi.com/verb/viewed', rated: 'http://id.tincanapi.com/verb/rated',
};
const MOODLE = 'https://moodle.example.org';

// One learner's statements: the corpus's statements on Moodle's SCORM
// activity (viewed, launched, completed, passed with a score, Moodle's
// duplicates included) moved onto the course's IRI, with the learner, the
// time (a statement every 7 minutes) and the score replaced; cut to path
// ('full', 'failed', 'launched').
function learnerStatements(corpus, iri, learner, pathKind, at, raw) {
  const out = [];
  let t = at;
  for (const s0 of corpus.filter((s) => /\/mod\/scorm\//.test(s.object.id))) {
    const verb = s0.verb.id;
    if (pathKind === 'launched' && verb !== V.viewed && verb !== V.launched) continue;
    if (pathKind === 'failed' && verb === V.completed) continue;
    if (pathKind === 'failed' && verb === V.passed && !(s0.result && s0.result.score)) continue;
    const s = JSON.parse(JSON.stringify(s0).split('http://127.0.0.1:8081/mod/scorm/view.php?id=1').join(iri)
      .split('http://127.0.0.1:8081').join(MOODLE));
    delete s.id;
    s.actor = { name: `Learner ${learner}`, account: { homePage: MOODLE, name: String(learner) } };
    s.timestamp = new Date(t).toISOString();
    t += 7 * 60000;
    if (s.result && s.result.score) {
      if (pathKind === 'failed') s.verb = { id: V.failed, display: { en: 'Failed' } };
      s.result.score = { raw, min: 0, max: 100, scaled: raw / 100 };
    }
    out.push(s);
  }
  return out;
}

function rating(iri, learner, stars, at) {
  return { actor: { name: `Learner ${learner}`, account: { homePage: MOODLE, name: String(learner) } },
    verb: { id: V.rated, display: { en: 'rated' } }, object: { objectType: 'Activity', id: iri },
    result: { score: { raw: stars, min: 1, max: 5 } }, context: { platform: 'Moodle' },
    timestamp: new Date(at).toISOString() };
}

// The figures by ../shared/kpi-definitions.md, from the statements sent: a
// learner started with any statement; completed with completed, passed or
// completion true; passed / failed (failed only when never passed); the best
// score per learner; the latest rating per learner on 1..5; the median time
// from a completer's first statement to their first completing one.
function figures(stmts) {
  const started = new Set();
  const completed = new Set();
  const passed = new Set();
  const failed = new Set();
  const best = {};
  const rated = {};
  const first = {};
  const done = {};
  for (const s of stmts) {
    const k = s.actor.account.name;
    const r = s.result || {};
    const ts = Date.parse(s.timestamp);
    started.add(k);
    if (first[k] === undefined || ts < first[k]) first[k] = ts;
    if (s.verb.id === V.completed || s.verb.id === V.passed || r.completion === true) {
      completed.add(k);
      if (done[k] === undefined || ts < done[k]) done[k] = ts;
    }
    if (s.verb.id === V.passed || r.success === true) passed.add(k);
    if (s.verb.id === V.failed || r.success === false) failed.add(k);
    if (s.verb.id === V.rated) {
      if (!rated[k] || rated[k].ts <= s.timestamp) rated[k] = { ts: s.timestamp, v: 1 + 4 * (r.score.raw - 1) / 4 };
    } else if (r.score) {
      const v = (r.score.raw - r.score.min) / (r.score.max - r.score.min);
      if (best[k] === undefined || v > best[k]) best[k] = v;
    }
  }
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const failedOnly = [...failed].filter((k) => !passed.has(k)).length;
  const times = [...completed].map((k) => (done[k] - first[k]) / 1000).sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { started: started.size, completed: completed.size, passed: passed.size, graded: passed.size + failedOnly,
    score: mean(Object.values(best)), ratings: Object.values(rated).map((x) => x.v), median };
}

const pct = (x) => `${Math.round(x * 100)}%`;
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

async function main() {
  const srv = await startAll();
  let browser;
  try {
    // ---- what an admin set up before the day ----
    const person = async (id, name, roles, department_id) => {
      const r = await api(srv, 'POST', '/api/v1/people', { id, name, email: `${id}@example.com`, roles, department_id });
      check(r.status === 201, `person ${id}: ${r.text}`);
    };
    await person('hana', 'Hana Head', ['approver']);
    check((await api(srv, 'POST', '/api/v1/departments', { id: 'ops', name: 'Operations', head_person_id: 'hana',
      settings: { escalate_after_days: 2 } })).status === 201, 'department ops');
    await person('mia', 'Mia Manager', ['admin', 'author']);
    await person('ann', 'Ann Approver', ['approver'], 'ops');
    await person('sam', 'Sam Expert', ['author'], 'ops');
    const lmsKey = await api(srv, 'POST', '/api/v1/keys', { name: 'moodle', role: 'lms' });
    check(lmsKey.status === 201, `lms key: ${lmsKey.text}`);
    const corpus = JSON.parse(fs.readFileSync(STATEMENTS, 'utf8'));
    const expectedCsv = fs.readFileSync(path.join(shared, 'packages', 'expected.csv'), 'utf8');
    check(expectedCsv.split('\n').some((l) => l.startsWith(`${BAD},`) && l.includes(',invalid,')), `${BAD} is invalid in expected.csv`);

    browser = await launchBrowser();
    // the manager's browser: bypassCSP so axe-core can be injected into the
    // page as it is (test_webapp checks the CSP); a clock the test moves with
    // the gateway's, so the board's minute refresh comes when the test says
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    await ctx.clock.install();
    const page = await ctx.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const badAnswers = [];
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (r.status() < 400) return;
      if (r.status() === 401 && u.pathname === '/api/v1/session') return; // before signing in
      if (u.pathname === '/favicon.ico') return;
      badAnswers.push(`${r.status()} ${u.pathname}`);
    });

    const axe = (p, what) => axeCheck(p, what, { minPasses: 5 });

    const ids = new Set(); // every id the story makes: none may show
    async function noIds(p, what, selector = 'main') {
      const text = await p.evaluate((sel) => document.querySelector(sel).innerText, selector);
      for (const id of ids) check(!text.includes(id), `${what}: an id on screen (${id})`);
      check(!UUID.test(text), `${what}: a UUID on screen: ${UUID.exec(text)}`);
      check(!/\b1\d{9,12}\b/.test(text), `${what}: an epoch number on screen: ${/\b1\d{9,12}\b/.exec(text)}`);
      check(!/\b[0-9a-f]{40,64}\b/.test(text), `${what}: a hash on screen`);
    }

    // a course's title is a link in its heading: the card is matched by the heading's text
    const cardIn = (stage, title) => page.locator(`section[aria-labelledby="stage-${stage}"] article`)
      .filter({ has: page.locator('h3', { hasText: new RegExp(`^${title}$`) }) });
    // waits for the card in its stage; says where the board has it otherwise
    const waitCard = async (stage, title, timeout = 20000) => {
      try {
        await cardIn(stage, title).waitFor({ timeout });
      } catch (e) {
        const where = await page.$$eval('section.stage', (ss) => ss.map((x) => `${x.getAttribute('aria-labelledby')}: ` +
          [...x.querySelectorAll('article')].map((a) => a.innerText.replace(/\s+/g, ' ')).join(' | ')).join('\n'));
        throw new Error(`no card "${title}" under ${stage}:\n${where}`);
      }
    };
    const cardText = async (stage, title) => (await cardIn(stage, title).innerText()).replace(/\s+/g, ' ');
    const toBoard = async () => {
      await page.click('#nav-board');
      await page.waitForSelector('body[data-view="board"][data-loaded="true"]');
    };
    const serverNow = async () => Date.parse((await api(srv, 'GET', '/api/v1/clock')).json.now);

    const TITLE = 'Forklift safety refresher';
    let courseId = '';
    let course = null; // GET /api/v1/courses/{id}, as last read

    await run('1. the manager signs in by the mailed link and lands on the board', async () => {
      await page.goto(srv.url + '/');
      await page.waitForSelector('body[data-view="signin"]');
      await page.fill('#email', 'mia@example.com');
      await page.press('#email', 'Enter');
      await page.waitForSelector('#signin-sent:not([hidden])');
      const mail = await waitFor('the sign-in mail', () => srv.sink.messages.find((m) => m.to.includes('mia@example.com') && /\/signin\//.test(m.text)), 15000);
      await page.goto(srv.url + /(\/signin\/[0-9a-f]{64})/.exec(mail.text)[1]);
      await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
      await page.waitForSelector('body[data-view="board"][data-loaded="true"]');
      check((await page.textContent('#who')).includes('Mia Manager'), 'signed in as Mia Manager');
    });

    await run('2. a request filed on the intake page appears under Requested', async () => {
      await page.click('nav a:has-text("New request")');
      await page.waitForSelector('body[data-view="intake"]');
      await page.fill('#rq-title', TITLE);
      await page.selectOption('#rq-department', { label: 'Operations' });
      await page.fill('#rq-problem', 'Near misses with forklifts doubled since the new warehouse opened.');
      await page.fill('#rq-audience', 'Forklift drivers, about 80 people.');
      await page.check('#rq-mandatory-yes');
      await page.fill('#rq-kpi', 'Near misses per month');
      await page.fill('#rq-kpi-target', 'Back to last year\'s level');
      await page.fill('#rq-deadline', isoDay(Date.now() + 60 * DAY));
      const row = page.locator('#rq-approvers > li').first();
      await row.locator('select').selectOption({ label: 'Ann Approver' });
      await row.locator('input[type="date"]').fill(isoDay(Date.now() + DAY)); // due tomorrow
      await page.click('#rq-send');
      await page.waitForSelector('body[data-view="board"][data-loaded="true"]', { timeout: 10000 });
      await waitCard('requested', TITLE);
      const status = await page.textContent('#board-status');
      check(status.includes(`\u201c${TITLE}\u201d was created`), `status: ${status}`);
      const card = await cardText('requested', TITLE);
      check(card.includes('Operations') && card.includes('The training team: no course yet'), `card: ${card}`);
    });

    await run('3. "Start building this course" opens its course page, the manager its author', async () => {
      const b = cardIn('requested', TITLE).locator('button:has-text("Start building this course")');
      check(await b.count() === 1, 'the Start button on the card');
      await b.click();
      await page.waitForFunction(() => /^#course\//.test(location.hash));
      await page.waitForSelector('body[data-view="course"][data-loaded="true"]');
      await page.waitForFunction((t) => document.getElementById('course-title').textContent === t, TITLE);
      courseId = decodeURIComponent(/^#course\/(.+)$/.exec(new URL(page.url()).hash)[1]);
      ids.add(courseId);
      course = (await api(srv, 'GET', `/api/v1/courses/${courseId}`)).json;
      ids.add(course.request_id);
      check(course.author_person_id === 'mia', `authored by the signed-in person: ${course.author_person_id}`);
      const lede = await page.textContent('#cv-lede');
      check(/Requested by Operations\. You are its author\./.test(lede), `lede: ${lede}`);
    });

    await run('4. a package with an error: the report names the file, the line and what to do', async () => {
      await page.setInputFiles('#cv-file', BAD_ZIP);
      await page.waitForFunction(() => /Version 1 is added/.test(document.getElementById('cv-status').textContent), null, { timeout: 30000 });
      check(/error/.test(await page.textContent('#cv-status')), 'the status says errors');
      await page.waitForSelector('#cv-report .sev-error .finding');
      const finding = (await page.innerText('#cv-report .sev-error .finding')).replace(/\s+/g, ' ');
      check(/resource_does_not_exist/.test(finding), `what is wrong: ${finding}`);
      check(/In imsmanifest\.xml, line \d+\./.test(finding), `file and line: ${finding}`);
      check(/What to do: \S/.test(finding), `what to do: ${finding}`);
      check(await page.isDisabled('#cv-submit'), 'Submit is disabled');
      await noIds(page, 'course page with the report', '#course');
    });

    await run('axe-core: the course page with the error report', async () => {
      await axe(page, 'course page with the report');
    });

    await run('5. the valid package as version 2, submitted: the round names the approver', async () => {
      await page.setInputFiles('#cv-file', GOOD_ZIP);
      await page.waitForFunction(() => /Version 2 is added/.test(document.getElementById('cv-status').textContent), null, { timeout: 30000 });
      check(/no errors/.test(await page.textContent('#cv-status')), 'no errors');
      check(!(await page.isDisabled('#cv-submit')), 'Submit is enabled');
      await page.click('#cv-submit');
      await page.waitForFunction(() => /Submitted for review/.test(document.getElementById('cv-status').textContent));
      const cards = await page.$$eval('#cv-rounds .approver-card', (l) => l.map((x) => x.innerText.replace(/\s+/g, ' ')));
      check(cards.length === 1 && /Ann Approver/.test(cards[0]), `the approver: ${cards}`);
      check(/Due \w+day \d+ \w+/.test(cards[0]) && /Not decided yet/.test(cards[0]), `due and undecided: ${cards[0]}`);
      course = (await api(srv, 'GET', `/api/v1/courses/${courseId}`)).json;
      for (const r of course.rounds) ids.add(r.id);
      for (const v of course.versions || []) { ids.add(v.id); ids.add(v.package_id); }
      await noIds(page, 'course page in review', '#course');
    });

    let round;
    await run('6. the board: In review, not flagged', async () => {
      await toBoard();
      await waitCard('in_review', TITLE);
      const card = await cardText('in_review', TITLE);
      round = course.rounds[course.rounds.length - 1];
      const due = Date.parse(round.approvers[0].due_date.length === 10 ? `${round.approvers[0].due_date}T00:00:00Z` : round.approvers[0].due_date);
      check(card.includes(`Ann Approver: due ${dayWords(due, Date.now())}, not overdue.`), `card: ${card}`);
      check(!(await cardIn('in_review', TITLE).evaluate((e) => e.classList.contains('flagged'))), 'not flagged');
      round.dueMs = due;
    });

    let moved = 0;
    await run('7. past the threshold the card turns red and says to whom it was escalated', async () => {
      const now = await serverNow();
      const at = escalationAt(round.dueMs, 2);
      const hours = Math.ceil((at - now) / HOUR) + 1;
      const r = await api(srv, 'POST', '/api/v1/clock', { advance_hours: hours });
      check(r.status === 200, `the clock: ${r.text}`);
      moved = hours * HOUR;
      // the manager's screen lives through the same hours: its minute refresh comes once
      await page.clock.fastForward(moved);
      const flagged = cardIn('in_review', TITLE).and(page.locator('article.flagged'));
      await flagged.waitFor({ timeout: 20000 });
      // the scheduler sends the escalation right after the move; a refresh may come first
      await waitFor('the escalation on the card', async () => {
        if ((await cardText('in_review', TITLE)).includes('escalated to')) return true;
        await page.clock.fastForward(61000);
        return false;
      }, 20000);
      const card = await cardText('in_review', TITLE);
      const late = Math.floor((now + moved) / DAY) - Math.floor(round.dueMs / DAY);
      check(card.includes(`Stalled: Ann Approver's review is ${plural(late, 'day', 'days')} overdue.`), `flag: ${card}`);
      check(card.includes('escalated to Hana Head on '), `to whom: ${card}`);
      check(await page.locator('article.flagged').count() === 1, 'one flag on the board');
      const mail = await waitFor('the escalation mail', () => srv.sink.messages.find((m) => m.to.includes('hana@example.com') &&
        /Stalled: Ann Approver's review of/.test(m.text)), 15000);
      check(mail.text.includes(TITLE) && mail.text.includes('Operations'), 'the mail names the course and the department');
      await noIds(page, 'board with the flag');
    });

    await run('axe-core: the board with the red flag', async () => {
      await axe(page, 'board with the flag');
    });

    await run('8. the LMS refuses the upload; the approver approves from the mail; the board shows why', async () => {
      const f = await sim(srv, 'POST', '/_sim/faults', { match: '/api/v2/courses/importJobs/upload', method: 'POST',
        mode: 'answer', status: 403, body: { message: COURSE_LIMIT }, count: 1 });
      check(f.status === 201, 'the fault is set');
      // ann's latest mail about the course (the review request, or a reminder since) has her links
      const mail = [...srv.sink.messages].reverse().find((m) => m.to.includes('ann@example.com') && /Approve: +http/.test(m.text));
      check(mail, 'a mail to the approver with an Approve link');
      const link = /Approve: +(http\S+)/.exec(mail.text)[1];
      const actx = await browser.newContext({ bypassCSP: true }); // bypassCSP: for axe-core
      try {
        const a = await actx.newPage();
        check((await a.goto(link)).status() === 200, 'the link page');
        check((await a.textContent('h1')).includes(TITLE), 'it names the course');
        await noIds(a, 'link page');
        await axe(a, 'link page');
        await a.click('button[value="approve"]');
        check(/recorded/i.test(await a.textContent('body')), 'the decision is confirmed');
      } finally {
        await actx.close();
      }
      await waitFor('the failed publish', async () => {
        const r = await api(srv, 'GET', `/api/v1/courses/${courseId}/publish`);
        return r.json && r.json.state === 'publish_failed';
      }, 30000);
      await page.clock.fastForward(61000); // the board's next refresh
      await waitCard('publish_failed', TITLE, 10000);
      const card = await cardText('publish_failed', TITLE);
      check(card.includes('Publishing failed. The LMS refused the course. The LMS said: '), `what happened: ${card}`);
      const said = await cardIn('publish_failed', TITLE).locator('.lms-error q').textContent();
      check(said === COURSE_LIMIT, `the LMS's own words, quoted: ${said}`);
      check(card.includes('Held by An LMS admin'), `who holds it: ${card}`);
      check(!/credentials/i.test(card), `no talk of credentials for a course limit: ${card}`);
    });

    await run('9. Retry: the card goes Live, and the LMS has the course once', async () => {
      await cardIn('publish_failed', TITLE).locator('button:has-text("Retry publishing")').click();
      await page.waitForFunction(() => /again/.test(document.getElementById('board-status').textContent));
      await waitFor('the card under Live', async () => {
        if (await cardIn('live', TITLE).count()) return true;
        await page.clock.fastForward(61000);
        return false;
      }, 30000);
      const st = await sim(srv, 'GET', '/_sim/state');
      const courses = Object.keys(st.json.scormcloud.courses);
      check(courses.length === 1, `one course on the LMS: ${courses}`);
      const uploads = st.json.calls['POST /api/v2/courses/importJobs/upload'];
      check(uploads === 2, `two uploads, the refused one and the retry: ${uploads}`);
      check(!(await cardIn('live', TITLE).evaluate((e) => e.classList.contains('flagged'))), 'no flag once live');
    });

    let shareUrl = '';
    await run('10. the manager shares Operations\'s schedule; the link opens signed out', async () => {
      await page.waitForSelector('#share:not([hidden])');
      const item = page.locator('.share-item', { has: page.locator('h3', { hasText: /^Operations$/ }) });
      await item.locator('button:has-text("Share the schedule")').click();
      const input = item.locator('input[readonly]');
      await input.waitFor();
      shareUrl = await input.inputValue();
      const c = await browser.newContext({ bypassCSP: true });
      try {
        const p = await c.newPage();
        check((await p.goto(shareUrl)).status() === 200, 'the schedule page');
        check((await p.textContent('h1')) === 'Delivery schedule: Operations', 'its title');
        const text = (await p.innerText('main')).replace(/\s+/g, ' ');
        check(text.includes(TITLE), `the course: ${text}`);
        const live = Date.parse((await api(srv, 'GET', `/api/v1/courses/${courseId}/publish`)).json.lms[0].published_at);
        check(text.includes(`Live since ${dayWords(live, live)}`) || text.includes(`Live since${dayWords(live, live)}`),
          `live, with the day in words: ${text}`);
        await noIds(p, 'schedule page');
        await axe(p, 'schedule page');
      } finally {
        await c.close();
      }
    });

    let stmts = [];
    let deptWant = {}; // the department page's rows, as computed here
    await run('11. learners\' statements arrive from Moodle with the lms key', async () => {
      course = (await api(srv, 'GET', `/api/v1/courses/${courseId}`)).json;
      const iris = course.iris || [];
      check(iris.length > 0, `the course has registered IRIs: ${JSON.stringify(course).slice(0, 300)}`);
      const iri = typeof iris[0] === 'string' ? iris[0] : iris[0].iri;
      const at = (await serverNow()) - 2 * HOUR;
      stmts = [
        ...learnerStatements(corpus, iri, 101, 'full', at, 90),
        ...learnerStatements(corpus, iri, 102, 'failed', at + 60000, 40),
        ...learnerStatements(corpus, iri, 103, 'launched', at + 120000),
        rating(iri, 101, 4, at + 600000),
      ];
      const r = await fetch(`${srv.url}/xapi/statements`, { method: 'POST', body: JSON.stringify(stmts), headers: {
        Authorization: `Bearer ${lmsKey.json.token}`, 'Content-Type': 'application/json', 'X-Experience-API-Version': '1.0.3' } });
      check(r.status === 200, `statements: ${r.status} ${await r.text()}`);
    });

    await run('12. the department page shows the figures of the statements sent', async () => {
      const f = figures(stmts);
      check(f.started === 3 && f.completed === 1 && f.passed === 1 && f.graded === 2 && f.median > 60 && f.median < 3600,
        `the data set: ${JSON.stringify(f)}`);
      await toBoard();
      await cardIn('live', TITLE).locator('a:text-is("Operations")').click();
      await page.waitForSelector('body[data-view="department"][data-loaded="true"]');
      await page.waitForSelector('#dept-figures');
      await page.selectOption('#dept-window', 'all');
      const want = deptWant = {
        Completed: `${pct(f.completed / f.started)} (${f.completed} of ${plural(f.started, 'learner', 'learners')})`,
        Passed: `${pct(f.passed / f.graded)} (${f.passed} of ${f.graded} graded)`,
        'Average score': pct(f.score),
        'Average rating': `${Math.round((f.ratings.reduce((a, b) => a + b, 0) / f.ratings.length) * 10) / 10} out of 5 (${plural(f.ratings.length, 'rating', 'ratings')})`,
        'Gave feedback': `${pct(f.ratings.length / f.started)} (${f.ratings.length} of ${plural(f.started, 'learner', 'learners')})`,
        // the pipeline: the one course built is live, its review decided
        'Courses live': '100% (1 of 1 course built)',
        'Stalled reviews now': 'None',
      };
      await page.waitForFunction((w) => {
        const tr = [...document.querySelectorAll('#dept-figures tbody tr')].find((r) => r.querySelector('th').textContent === 'Completed');
        return tr && tr.querySelector('td').textContent === w;
      }, want.Completed, { timeout: 15000 });
      const got = await page.$$eval('#dept-figures tbody tr', (trs) => Object.fromEntries(trs.map((tr) =>
        [tr.querySelector('th').textContent.trim(), tr.querySelector('td').textContent.trim()])));
      for (const [k, v] of Object.entries(want)) check(got[k] === v, `${k} is "${got[k]}", expected "${v}"`);
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      await noIds(page, 'department page');
      await axe(page, 'department page');
    });

    await run('13. the course page\'s KPIs show the same learners', async () => {
      const f = figures(stmts);
      // from the department page: the course's figures, then its course page
      await page.click(`#dept-courses a:text-is("${TITLE}")`);
      await page.waitForSelector('#dept-course-figures');
      const mine = await page.$$eval('#dept-course-figures tbody tr', (trs) => Object.fromEntries(trs.map((tr) =>
        [tr.querySelector('th').textContent.trim(), tr.querySelector('td').textContent.trim()])));
      check(mine.Completed === deptWant.Completed && mine.Passed === deptWant.Passed, `the course's row: ${JSON.stringify(mine)}`);
      await page.click('#dept-course a[href^="/#course/"]');
      await page.waitForSelector('body[data-view="course"][data-loaded="true"]');
      await page.waitForFunction((t) => document.getElementById('course-title').textContent === t, TITLE);
      await page.waitForSelector('#cv-kpis dl');
      const got = await page.$$eval('#cv-kpis dt', (dts) => Object.fromEntries(dts.map((dt) =>
        [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()])));
      const want = {
        'Learners who started': String(f.started),
        Completed: `${f.completed} (${pct(f.completed / f.started)})`,
        Passed: `${f.passed} (${pct(f.passed / f.graded)} of those tested)`,
        'Average score': pct(f.score),
        'Average rating': `${(f.ratings.reduce((a, b) => a + b, 0) / f.ratings.length).toFixed(1)} of 5, from ${plural(f.ratings.length, 'learner', 'learners')}`,
        'Typical time to complete': plural(Math.round(f.median / 60), 'minute', 'minutes'), // under an hour here
      };
      for (const [k, v] of Object.entries(want)) check(got[k] === v, `${k} is "${got[k]}", expected "${v}"`);
      const pub = await page.textContent('#cv-publish');
      check(/The course is live on the LMS\./.test(pub), `live: ${pub}`);
      await noIds(page, 'course page with KPIs', '#course');
      await axe(page, 'course page with KPIs');
    });

    await run('no script errors, no unexpected answers', async () => {
      const errs = consoleErrors.filter((e) => !/^Failed to load resource/.test(e));
      check(errs.length === 0, `errors: ${errs.join(' | ')}`);
      check(badAnswers.length === 0, `unexpected answers: ${badAnswers.join(', ')}`);
    });
  } finally {
    if (browser) await browser.close();
    await stopGateway(srv);
  }
}

finish(main);
