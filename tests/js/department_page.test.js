// The department page of the web app (issue 16) in a real browser (Debian's
// chromium, headless, driven by playwright-core) against the real lmsgw and an
// SMTP sink. Through the API with an admin key: two departments with heads,
// courses with registered activity IRIs, hours logged, and statements shaped
// as a real Moodle 4.3 with logstore_xapi posts them (cloned from
// ../shared/corpus/statements, or the same shape when the corpus is not
// there: a learner's viewed, launched, completed and passed with Moodle's
// score, others who failed or only launched, and ratings) posted with an lms
// key, some 3 days ago and some 60 days ago. The expected figures are computed
// here from the statements sent, by the definitions
// (../shared/kpi-definitions.md), never read back from the page. Then the
// head of Sales signs in by the mailed link and: finds the department from the
// board's department name; reads the short table of key figures for all time,
// the last 30 days (a preset) and dates of their choice (kept in the URL, and
// surviving a reload); opens a course's figures and its course page link; the
// charts have their text; the chargeback of a month matches hours and
// learners at the department's rates, and its CSV downloads by a plain link
// with the session cookie, named after the department and month; the head of
// Sales is refused Operations's figures by the gateway (403), and the page
// says so; axe-core finds no WCAG 2.1 A/AA violations; 375 px needs no
// horizontal scrolling. Prints "N passed, N failed" last.
'use strict';

const fs = require('fs');
const path = require('path');
const { results, check, run, waitFor } = require('./support');
const { buildDir, startGateway, stopGateway, api, launchBrowser, withPage, axeCheck, NARROW,
  noHorizontalScroll, finish } = require('./gateway');

const corpusFile = path.join(process.env.GW_SOURCE_DIR || path.join(__dirname, '..', '..'), '..', 'shared',
  'corpus', 'statements', 'moodle-4.3-scorm-learner.json');

// an admin key (the API's) and an lms key (srv.lms, for the statements), and the SMTP sink
async function startAll() {
  const srv = await startGateway({ name: 'dept', smtp: true,
    keys: [{ role: 'admin', name: 'js-admin' }, { role: 'lms', name: 'js-lms' }] });
  srv.lms = srv.keys[1].token;
  return srv;
}

const DAY = 86400000;
const today = Date.now() - (Date.now() % DAY);
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const RECENT = today - 3 * DAY + 9 * 3600000; // 09:00 UTC three days ago
const OLD = today - 60 * DAY + 9 * 3600000;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];

// ---- statements as Moodle posts them ----

const V = {
  viewed: 'http://id.tincanapi.com/verb/viewed', launched: 'http://adlnet.gov/expapi/verbs/launched',
  completed: 'http://adlnet.gov/expapi/verbs/completed', passed: 'http://adlnet.gov/expapi/verbs/passed',
  failed: 'http://adlnet.gov/expapi/verbs/failed', rated: 'http://id.tincanapi.com/verb/rated',
};
const MOODLE = 'https://moodle.example.org';

// The corpus's statements of the SCORM activity (viewed, launched, completed,
// passed with Moodle's score), or the same shape written here.
function templates() {
  let list = null;
  try {
    list = JSON.parse(fs.readFileSync(corpusFile, 'utf8')).filter((s) => /\/mod\/scorm\//.test(s.object.id));
  } catch (e) {
    console.error(`  (no corpus at ${corpusFile}: Moodle-shaped statements written here)`);
  }
  if (list && list.length) return list;
  const ctx = { platform: 'Moodle', language: 'en', contextActivities: { category: [{ objectType: 'Activity', id: 'http://127.0.0.1:8081' }] } };
  const mk = (verb, sco, result) => ({ actor: { name: 'Lena Learner', account: { homePage: 'http://127.0.0.1:8081', name: '3' } },
    verb: { id: verb, display: { en: verb.split('/').pop() } }, object: { objectType: 'Activity', id: `http://127.0.0.1:8081/mod/scorm/view.php?id=1${sco ? '#sco' : ''}` },
    context: ctx, timestamp: '2026-12-07T04:51:56.000Z', ...(result ? { result } : {}) });
  return [mk(V.viewed, false), mk(V.launched, true), mk(V.completed, false, { completion: true }),
    mk(V.passed, true, { score: { raw: 85, min: 0, max: 100, scaled: 0.7 } })];
}

// One learner's statements on the SCORM activity cmid: the template's
// statements (their ids, hosts, learner and times replaced) cut to path.
function learnerStatements(tpl, cmid, learner, path, at, raw) {
  let t = at;
  const out = [];
  for (const s0 of tpl) {
    const verb = s0.verb.id;
    if (path === 'launched' && verb !== V.viewed && verb !== V.launched) continue;
    if (path === 'failed' && verb === V.completed) continue;
    let text = JSON.stringify(s0).split('http://127.0.0.1:8081').join(MOODLE)
      .split(`${MOODLE}/mod/scorm/view.php?id=1`).join(`${MOODLE}/mod/scorm/view.php?id=${cmid}`);
    const s = JSON.parse(text);
    delete s.id;
    s.actor = { name: `Learner ${learner}`, account: { homePage: MOODLE, name: String(learner) } };
    s.timestamp = new Date(t).toISOString();
    t += 1000;
    if (verb === V.passed && s.result && s.result.score) {
      if (path === 'failed') {
        s.verb = { id: V.failed, display: { en: 'Failed' } };
      }
      s.result.score = { raw, min: 0, max: 100, scaled: (raw - 50) / 50 };
    } else if (verb === V.passed) {
      if (path === 'failed') continue; // the status event without a score: Moodle's pair
    }
    out.push(s);
  }
  return out;
}

function rating(cmid, learner, stars, at) {
  return { actor: { name: `Learner ${learner}`, account: { homePage: MOODLE, name: String(learner) } },
    verb: { id: V.rated, display: { en: 'rated' } },
    object: { objectType: 'Activity', id: `${MOODLE}/mod/scorm/view.php?id=${cmid}` },
    result: { score: { raw: stars, min: 1, max: 5 } }, context: { platform: 'Moodle' },
    timestamp: new Date(at).toISOString() };
}

// ---- the definitions, for the statements sent ----

function courseOf(id, iris) {
  let best = null;
  for (const [iri, course] of Object.entries(iris)) {
    if (id === iri || (id.startsWith(iri) && '/?#'.includes(id[iri.length]))) {
      if (!best || iri.length > best.iri.length) best = { iri, course };
    }
  }
  return best ? best.course : null;
}

function scoreOf(r) {
  const sc = r && r.score;
  if (!sc) return null;
  if ('raw' in sc && 'min' in sc && 'max' in sc && sc.max > sc.min) return (sc.raw - sc.min) / (sc.max - sc.min);
  if ('scaled' in sc) return sc.scaled;
  return null;
}

// Figures per course and pooled for the given courses, over statements whose
// UTC day lies in [from, last] (null: open).
function expected(stmts, iris, courses, from, last) {
  const per = {};
  for (const c of courses) per[c] = { started: new Set(), completed: new Set(), passed: new Set(), failed: new Set(), best: {}, rating: {} };
  for (const s of stmts) {
    const day = s.timestamp.slice(0, 10);
    if ((from && day < from) || (last && day > last)) continue;
    const c = courseOf(s.object.id, iris);
    if (!c || !per[c]) continue;
    const k = `${s.actor.account.homePage}|${s.actor.account.name}`;
    const p = per[c];
    const r = s.result || {};
    p.started.add(k);
    if (s.verb.id === V.completed || s.verb.id === V.passed || r.completion === true) p.completed.add(k);
    if (s.verb.id === V.passed || r.success === true) p.passed.add(k);
    if (s.verb.id === V.failed || r.success === false) p.failed.add(k);
    if (s.verb.id === V.rated) {
      const sc = r.score;
      const v = 1 + 4 * (sc.raw - (sc.min ?? 1)) / ((sc.max ?? 5) - (sc.min ?? 1));
      if (!p.rating[k] || p.rating[k].ts <= s.timestamp) p.rating[k] = { ts: s.timestamp, v };
    } else {
      const v = scoreOf(r);
      if (v !== null && (p.best[k] === undefined || v > p.best[k])) p.best[k] = v;
    }
  }
  const figures = (ps) => {
    const started = ps.reduce((n, p) => n + p.started.size, 0);
    const completed = ps.reduce((n, p) => n + p.completed.size, 0);
    const passed = ps.reduce((n, p) => n + p.passed.size, 0);
    const failed = ps.reduce((n, p) => n + [...p.failed].filter((k) => !p.passed.has(k)).length, 0);
    const scores = ps.flatMap((p) => Object.values(p.best));
    const ratings = ps.flatMap((p) => Object.values(p.rating).map((x) => x.v));
    return { started, completed, passed, failed, scores, ratings,
      dist: [1, 2, 3, 4, 5].map((i) => ratings.filter((v) => Math.floor(v + 0.5) === i).length) };
  };
  const out = { dept: figures(Object.values(per)) };
  for (const c of courses) out[c] = figures([per[c]]);
  return out;
}

// The short table's words for figures f (the page's documented format).
const pct = (x) => `${Math.round(x * 100)}%`;
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
function rows(f) {
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  return {
    Completed: f.started ? `${pct(f.completed / f.started)} (${f.completed} of ${plural(f.started, 'learner', 'learners')})` : 'No figures yet',
    Passed: f.passed + f.failed ? `${pct(f.passed / (f.passed + f.failed))} (${f.passed} of ${f.passed + f.failed} graded)` : 'No figures yet',
    'Average score': f.scores.length ? pct(mean(f.scores)) : 'No figures yet',
    'Average rating': f.ratings.length ? `${Math.round(mean(f.ratings) * 10) / 10} out of 5 (${plural(f.ratings.length, 'rating', 'ratings')})` : 'No figures yet',
    'Gave feedback': f.started ? `${pct(f.ratings.length / f.started)} (${f.ratings.length} of ${plural(f.started, 'learner', 'learners')})` : 'No figures yet',
  };
}

async function tableRows(page, id) {
  return page.$$eval(`#${id} tbody tr`, (trs) => Object.fromEntries(trs.map((tr) =>
    [tr.querySelector('th').textContent.trim(), tr.querySelector('td').textContent.trim()])));
}

function checkRows(got, want, what) {
  for (const [k, v] of Object.entries(want)) check(got[k] === v, `${what}: ${k} is "${got[k]}", expected "${v}"`);
}

async function main() {
  const srv = await startAll();
  let browser;
  try {
    const person = async (id, name, roles) => {
      const r = await api(srv, 'POST', '/api/v1/people', { id, name, email: `${id}@example.com`, roles });
      check(r.status === 201, `person ${id}: ${r.text}`);
    };
    await person('hana', 'Hana Head', ['approver']);
    await person('otto', 'Otto Ops', ['approver']);
    await person('alex', 'Alex Author', ['author']);
    check((await api(srv, 'POST', '/api/v1/departments', { id: 'sales', name: 'Sales', head_person_id: 'hana',
      settings: { charge: true, rates: { hourly: 80, per_learner: 3, currency: 'EUR' } } })).status === 201, 'sales');
    check((await api(srv, 'POST', '/api/v1/departments', { id: 'ops', name: 'Operations', head_person_id: 'otto' })).status === 201, 'ops');
    const BC = { problem: 'p', audience: 'a', reach: 'LMS', mandatory: false, communication_plan: 'mail', kpi: 'k',
      kpi_target: 't', deadline: '2027-06-01', effort_low_hours: 1, effort_high_hours: 2, project_code: 'P-1' };
    const iris = {};
    const course = async (dept, title, cmid) => {
      const rq = await api(srv, 'POST', '/api/v1/requests', { department_id: dept, title, business_case: BC,
        approvers: [{ person_id: 'otto', due_in_days: 1 }] });
      check(rq.status === 201, `request ${title}: ${rq.text}`);
      const c = await api(srv, 'POST', '/api/v1/courses', { request_id: rq.json.id, author_person_id: 'alex' });
      check(c.status === 201, `course ${title}: ${c.text}`);
      const iri = `${MOODLE}/mod/scorm/view.php?id=${cmid}`;
      check((await api(srv, 'POST', `/api/v1/courses/${c.json.id}/iris`, { iris: [iri] })).status < 300, `iris ${title}`);
      iris[iri] = c.json.id;
      return c.json.id;
    };
    const nego = await course('sales', 'Negotiation', 11);
    const calls = await course('sales', 'Cold calling', 12);
    const fork = await course('ops', 'Forklift safety', 21);
    const effort = async (id, hours, at) => check((await api(srv, 'POST', `/api/v1/courses/${id}/effort`,
      { person_id: 'alex', hours, day: isoDay(at) })).status === 201, 'effort');
    await effort(nego, 6, RECENT);
    await effort(calls, 2.5, RECENT);
    await effort(nego, 10, OLD);

    // learners and their paths; ratings of 1..5 stars
    const tpl = templates();
    const stmts = [
      ...learnerStatements(tpl, 11, 101, 'full', RECENT, 85), ...learnerStatements(tpl, 11, 102, 'failed', RECENT, 40),
      ...learnerStatements(tpl, 11, 103, 'launched', RECENT), ...learnerStatements(tpl, 11, 104, 'full', OLD, 70),
      ...learnerStatements(tpl, 11, 105, 'full', OLD, 95), ...learnerStatements(tpl, 12, 101, 'full', RECENT, 60),
      ...learnerStatements(tpl, 12, 106, 'launched', OLD), ...learnerStatements(tpl, 21, 201, 'full', RECENT, 90),
      ...learnerStatements(tpl, 21, 202, 'launched', RECENT),
      rating(11, 101, 5, RECENT + 60000), rating(11, 102, 2, RECENT + 60000), rating(11, 104, 4, OLD + 60000),
      rating(12, 101, 4, RECENT + 60000),
    ];
    const posted = await fetch(`${srv.url}/xapi/statements`, { method: 'POST', body: JSON.stringify(stmts), headers: {
      Authorization: `Bearer ${srv.lms}`, 'Content-Type': 'application/json', 'X-Experience-API-Version': '1.0.3' } });
    check(posted.status === 200, `statements: ${posted.status} ${await posted.text()}`);
    const sales = [nego, calls];
    const all = expected(stmts, iris, sales, null, null);
    const last30 = expected(stmts, iris, sales, isoDay(today - 29 * DAY), isoDay(today));
    const oldWin = { from: isoDay(OLD - 5 * DAY), last: isoDay(OLD + 5 * DAY) };
    const old = expected(stmts, iris, sales, oldWin.from, oldWin.last);
    check(all.dept.started === 7 && last30.dept.started === 4 && old.dept.started === 3,
      `the data set spans both windows (${all.dept.started}, ${last30.dept.started}, ${old.dept.started})`);

    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await ctx.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const loaded = async (p) => {
      await p.waitForSelector('body[data-view="department"][data-loaded="true"]');
      await p.waitForSelector('#dept-figures');
    };

    let cookies;
    await run('the head of Sales signs in by the mailed link and finds the department from the board', async () => {
      await page.goto(srv.url + '/');
      await page.waitForSelector('body[data-view="signin"]');
      await page.fill('#email', 'hana@example.com');
      await page.press('#email', 'Enter');
      await page.waitForSelector('#signin-sent:not([hidden])');
      const mail = await waitFor('the sign-in mail', () => srv.sink.messages.find((m) => m.to.includes('hana@example.com') && /\/signin\//.test(m.text)), 15000);
      await page.goto(srv.url + /(\/signin\/[0-9a-f]{64})/.exec(mail.text)[1]);
      await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
      await page.waitForSelector('body[data-view="board"][data-loaded="true"]');
      cookies = await ctx.cookies();
      check(await page.isVisible('nav a[href="/#departments"]'), 'navigation: Departments');
      const links = await page.$$eval('#stages a[href^="#department/"]', (as) => as.map((a) => a.textContent));
      check(links.length === 2 && links.every((t) => t === 'Sales'), `Sales's names link to its page: ${links}`);
      const opsCard = (await page.locator('article:has(h3:has-text("Forklift safety"))').textContent());
      check(opsCard.includes('Operations'), 'the Operations card is on the board');
      check(await page.locator('article:has(h3:has-text("Forklift safety")) a[href^="#department/"]').count() === 0,
        'no link to a department hana does not head');
      await page.locator('#stages a[href^="#department/"]').first().click();
      await loaded(page);
      check((await page.textContent('#dept-title')) === 'Sales', 'the Sales page');
      check(await page.evaluate(() => document.activeElement.id) === 'dept-title', 'the focus moves to its title');
    });

    await run('all time: the key figures match the statements', async () => {
      await page.goto(`${srv.url}/#department/sales?window=all`);
      await loaded(page);
      await page.waitForFunction(() => /since the first statement/.test(document.getElementById('dept-window-words').textContent));
      checkRows(await tableRows(page, 'dept-figures'), rows(all.dept), 'all time');
      const t = await tableRows(page, 'dept-figures');
      check(t['Courses live'] === 'No figures yet' && t['Stalled reviews now'] === 'None', `pipeline rows: ${JSON.stringify(t)}`);
      check(t['Approval takes'] === 'No figures yet', 'no approval yet');
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      const main = (await page.innerText('main')).replace(/\s+/g, ' '); // what is on screen, cells apart
      for (const id of [nego, calls, fork]) check(!main.includes(id), `no id on screen (${id})`);
      check(!/\d{6,}/.test(main), `no epoch numbers: ${/\d{6,}/.exec(main)}`);
      check(!/0\.\d{3,}/.test(main), 'no raw fractions');
    });

    await run('the charts are drawn and carry their text', async () => {
      await page.waitForFunction(() => window.Chart && document.getElementById('dept-chart-ratings').width > 0);
      const labels = await page.$$eval('#dept-charts canvas', (cs) => cs.map((c) => [c.getAttribute('role'), c.getAttribute('aria-label')]));
      check(labels.length === 3 && labels.every(([r, l]) => r === 'img' && l && l.length > 20), `named images: ${JSON.stringify(labels)}`);
      const d = all.dept.dist;
      const n = d.reduce((a, b) => a + b, 0);
      const ratingText = await page.textContent('#dept-chart-ratings-summary');
      check(ratingText.startsWith(`${n} learners rated the courses:`) && ratingText.includes(`${d[4]} gave 5 stars`),
        `ratings sentence: ${ratingText}`);
      const ratingRows = await page.$$eval('#dept-charts details table tbody tr', (trs) => trs.map((tr) => tr.textContent));
      check(ratingRows.includes(`5 stars${d[4]}`) && ratingRows.includes(`4 stars${d[3]}`) && ratingRows.includes(`2 stars${d[1]}`),
        `ratings table: ${ratingRows}`);
    });

    await run('the last 30 days (a preset) change the figures, and the URL keeps them', async () => {
      await page.selectOption('#dept-window', 'last30');
      await page.waitForFunction(() => /window=last30/.test(location.hash));
      await page.waitForFunction((want) => {
        const tr = [...document.querySelectorAll('#dept-figures tbody tr')].find((r) => r.querySelector('th').textContent === 'Completed');
        return tr && tr.querySelector('td').textContent === want;
      }, rows(last30.dept).Completed);
      checkRows(await tableRows(page, 'dept-figures'), rows(last30.dept), 'last 30 days');
      check(rows(last30.dept).Completed !== rows(all.dept).Completed, 'the window matters');
      check((await page.textContent('#dept-status')).startsWith('Showing from '), 'the change is announced');
      await page.reload();
      await loaded(page);
      check(await page.inputValue('#dept-window') === 'last30', 'the preset survives a reload');
      checkRows(await tableRows(page, 'dept-figures'), rows(last30.dept), 'after reload');
    });

    await run('dates of one\'s choice', async () => {
      await page.selectOption('#dept-window', 'custom');
      check(await page.evaluate(() => document.activeElement.id) === 'dept-from', 'the focus goes to the first day');
      await page.fill('#dept-from', oldWin.from);
      await page.fill('#dept-to', oldWin.last);
      await page.click('button:has-text("Show these dates")');
      await page.waitForFunction((f) => location.hash.includes(`from=${f}`), oldWin.from);
      await page.waitForFunction((want) => {
        const tr = [...document.querySelectorAll('#dept-figures tbody tr')].find((r) => r.querySelector('th').textContent === 'Completed');
        return tr && tr.querySelector('td').textContent === want;
      }, rows(old.dept).Completed);
      checkRows(await tableRows(page, 'dept-figures'), rows(old.dept), 'custom dates');
      const words = await page.textContent('#dept-window-words');
      check(/^Showing from \w+day \d+ \w+( \d{4})? to \w+day \d+ \w+( \d{4})?\.$/.test(words), `the dates in words: ${words}`);
    });

    await run('drill-down: a course\'s figures, and the link to its course page', async () => {
      await page.goto(`${srv.url}/#department/sales?window=all`);
      await loaded(page);
      const names = await page.$$eval('#dept-courses a', (as) => as.map((a) => a.textContent));
      check(JSON.stringify(names) === JSON.stringify(['Cold calling', 'Negotiation']), `the department's courses: ${names}`);
      await page.click('#dept-courses a:text-is("Negotiation")');
      await page.waitForSelector('#dept-course-figures');
      check(await page.evaluate(() => document.activeElement.id) === 'dept-course-title', 'the focus moves to the course');
      checkRows(await tableRows(page, 'dept-course-figures'), rows(all[nego]), 'Negotiation');
      check(rows(all[nego]).Completed !== rows(all[calls]).Completed || rows(all[nego]).Passed !== rows(all[calls]).Passed, 'course figures differ');
      const href = await page.getAttribute('#dept-course a[href^="/#course/"]', 'href');
      check(href === `/#course/${nego}`, `the course page link: ${href}`);
      await page.click('#dept-courses a:text-is("Cold calling")');
      await page.waitForFunction(() => document.getElementById('dept-course-title') && document.getElementById('dept-course-title').textContent === 'Cold calling');
      checkRows(await tableRows(page, 'dept-course-figures'), rows(all[calls]), 'Cold calling');
    });

    await run('chargeback of a month, and its CSV downloaded with the session', async () => {
      const month = isoDay(RECENT).slice(0, 7);
      await page.selectOption('#dept-month', month);
      await page.waitForFunction((m) => location.hash.includes(`month=${m}`), month);
      const [y, m] = month.split('-').map(Number);
      const monthName = `${MONTHS[m - 1]} ${y}`;
      await page.waitForFunction((n) => document.querySelector('#dept-chargeback caption') &&
        document.querySelector('#dept-chargeback caption').textContent.includes(n), monthName);
      // learners with a statement in the month, per course; hours logged that month
      const inMonth = (c) => new Set(stmts.filter((s) => s.timestamp.slice(0, 7) === month && courseOf(s.object.id, iris) === c)
        .map((s) => s.actor.account.name)).size;
      const hours = { [nego]: 6 + (isoDay(OLD).slice(0, 7) === month ? 10 : 0), [calls]: 2.5 };
      const amount = (c) => hours[c] * 80 + inMonth(c) * 3;
      const total = amount(nego) + amount(calls);
      const eur = (x) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(x);
      check((await page.textContent('#dept-total')) === eur(total), `total ${await page.textContent('#dept-total')} = ${eur(total)}`);
      const lines = await page.$$eval('#dept-chargeback tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      const nl = lines.find((l) => l[0] === 'Negotiation');
      check(nl && nl[2] === String(inMonth(nego)) && nl[3] === eur(amount(nego)), `Negotiation's line: ${nl}`);
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dept-csv')]);
      check(dl.suggestedFilename() === `chargeback-sales-${month}.csv`, `file name: ${dl.suggestedFilename()}`);
      const csv = fs.readFileSync(await dl.path(), 'utf8').trim().split(/\r?\n/);
      const head = csv[0].split(',');
      check(head.includes('course_title') && head.includes('amount') && head.includes('learners_started'), `header: ${csv[0]}`);
      const rowOf = (title) => {
        const cells = csv.find((l) => l.split(',')[head.indexOf('course_title')] === title).split(',');
        return Object.fromEntries(head.map((k, i) => [k, cells[i]]));
      };
      const cn = rowOf('Negotiation');
      check(Number(cn.hours) === hours[nego] && Number(cn.learners_started) === inMonth(nego) && Number(cn.amount) === amount(nego),
        `CSV Negotiation: ${JSON.stringify(cn)}`);
      const cc = rowOf('Cold calling');
      check(Number(cc.hours) === 2.5 && Number(cc.amount) === amount(calls), `CSV Cold calling: ${JSON.stringify(cc)}`);
      check(csv.length === 3, `two courses in the CSV: ${csv.length - 1}`);
    });

    await run('the head of Sales is refused Operations, by the gateway and on the page', async () => {
      const sid = cookies.find((c) => c.name === 'lmsgw_session').value;
      const as = { Cookie: `lmsgw_session=${sid}` };
      const k = await fetch(`${srv.url}/api/v1/kpis?department=ops`, { headers: as });
      check(k.status === 403 && (await k.json()).name === 'KPI_NOT_HEAD', `KPIs of ops: ${k.status}`);
      const cb = await fetch(`${srv.url}/api/v1/departments/ops/chargeback?month=2026-01&format=csv`, { headers: as });
      check(cb.status === 403, `chargeback of ops: ${cb.status}`);
      const own = await fetch(`${srv.url}/api/v1/kpis?department=sales`, { headers: as });
      check(own.status === 200, `own KPIs: ${own.status}`);
      await page.goto(`${srv.url}/#department/ops`);
      await page.waitForFunction(() => /for its head/.test(document.getElementById('dept-error').textContent));
      check(!(await page.isVisible('#dept-body')), 'no figures shown');
      check(!(await page.textContent('main')).includes('Forklift'), 'nothing of Operations on the page');
      await page.goto(`${srv.url}/#departments`);
      await page.waitForSelector('body[data-view="departments"]');
      const listed = await page.$$eval('#departments-list h2', (hs) => hs.map((x) => x.textContent));
      check(JSON.stringify(listed) === '["Sales"]', `the list has Sales only: ${listed}`);
    });

    await run('an admin sees every department in the list', async () => {
      const r = await api(srv, 'GET', '/api/v1/kpis?department=ops');
      check(r.status === 200 && r.json.records[0].learners_started === 2, `admin reads ops: ${r.text.slice(0, 200)}`);
    });

    const deptUrl = `${srv.url}/#department/sales?window=all&course=${encodeURIComponent(nego)}`;
    await run('axe-core: the department page has no WCAG 2.1 A/AA violations', async () => {
      await withPage(browser, { bypassCSP: true, cookies }, async (p) => {
        await p.goto(deptUrl);
        await loaded(p);
        await p.waitForSelector('#dept-course-figures');
        await p.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
        await axeCheck(p, '');
      });
    });

    await run('375 px: the department page needs no horizontal scrolling', async () => {
      await withPage(browser, { viewport: NARROW, cookies }, async (p) => {
        await p.goto(deptUrl);
        await loaded(p);
        await p.waitForSelector('#dept-course-figures');
        await p.waitForSelector('#dept-chargeback table');
        await p.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
        await noHorizontalScroll(p, '');
        const tw = await p.evaluate(() => document.getElementById('dept-figures').getBoundingClientRect().right);
        check(tw <= 375, `the short table fits: right edge ${tw}`);
        await p.screenshot({ path: path.join(buildDir, 'department-375.png'), fullPage: true });
      });
    });

    await run('no script errors in the page', async () => {
      const errs = consoleErrors.filter((e) => !/status of (401|403)/.test(e));
      check(errs.length === 0, `errors: ${errs.join(' | ')}`);
    });
  } finally {
    if (browser) await browser.close();
    await stopGateway(srv);
  }
}

finish(main);
