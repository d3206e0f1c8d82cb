// The training team's web app in a real browser (Debian's chromium, headless,
// driven by playwright-core) against the real lmsgw and an SMTP sink. Through
// the API with an admin key: people with roles, two departments, a request
// without a course, a course in development, a course in review whose
// approver is 10 days overdue and escalated (the round is moved back in the
// database with sqlite3, as the API refuses a past due date, then
// `lmsgw review tick` escalates it), and a course whose publish failed (the
// targets file points at a closed port, one attempt). Then, as a person: `/`
// shows the sign-in page; a link is asked for, taken from the sink, opened
// and its Sign in pressed; the board shows every card in its stage in words
// (no ids, no epoch numbers), flags the overdue review, narrows with a filter
// that survives a reload, refreshes by itself (a fake clock) without moving
// the focus; the admin's Retry queues the failed publish again; axe-core
// finds no WCAG 2.1 A/AA violations on the sign-in page and the board; 375 px
// needs no horizontal scroll; Sign out returns to the sign-in page and the
// session is 401 after; too many links asked for say when to try again, in
// minutes; /dashboard (the old KPI dashboard) opens the departments; an admin shares a
// department's delivery schedule and stops sharing it (an author sees no such
// section). Prints "N passed, N failed"
// last.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { results, check, run, waitFor, closedPort, sleep } = require('./support');
const { bin, buildDir, startGateway, stopGateway, api, launchBrowser, withPage, axeCheck, NARROW, noHorizontalScroll,
  finish } = require('./gateway');

const sqlite3 = process.env.GW_SQLITE3 || 'sqlite3';

// a targets file at a closed port (one attempt) and the SMTP sink
async function startAll() {
  const dead = await closedPort();
  return startGateway({ name: 'webapp', smtp: true, config: { publish_max_attempts: 1 }, targets: {
    default: 'lms', poll_ms: 100, backoff_base_ms: 50, backoff_cap_ms: 200, lease_ms: 1200000,
    targets: { lms: { type: 'scormcloud', base_url: `http://127.0.0.1:${dead}/api/v2`, app_id: 'app',
      secret: 'not-a-real-secret', timeout_ms: 2000, upload_timeout_ms: 2000 } },
  } });
}

const DAY = 86400000;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];
// the board's words for the UTC day of ms: "Monday 7 December", the year only when not this year's
function dayWords(ms) {
  const d = new Date(ms);
  const text = `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  return d.getUTCFullYear() === new Date().getFullYear() ? text : `${text} ${d.getUTCFullYear()}`;
}
const midnight = (ms) => ms - (ms % DAY);

const BC = { problem: 'p', audience: 'a', reach: 'LMS', mandatory: false, communication_plan: 'mail',
  kpi: 'k', kpi_target: 't', deadline: '2027-06-01', effort_low_hours: 1, effort_high_hours: 2, project_code: 'P-1' };

async function request(srv, dept, title) {
  const r = await api(srv, 'POST', '/api/v1/requests', {
    department_id: dept, title, business_case: BC, approvers: [{ person_id: 'ann', due_in_days: 1 }],
  });
  check(r.status === 201, `request ${title}: ${r.text}`);
  return r.json.id;
}

async function course(srv, requestId, author) {
  const c = await api(srv, 'POST', '/api/v1/courses', { request_id: requestId, author_person_id: author });
  check(c.status === 201, `course: ${c.text}`);
  return c.json.id;
}

// a course with the sample package as version 1, submitted for review
async function submitted(srv, requestId) {
  const id = await course(srv, requestId, 'alex');
  const zip = fs.readFileSync(path.join(buildDir, 'packages', 'scorm12-sample.zip'));
  const pkg = await api(srv, 'POST', '/api/v1/packages', zip, { contentType: 'application/zip' });
  check(pkg.status === 201 && pkg.json.valid, `package ${pkg.text.slice(0, 200)}`);
  check((await api(srv, 'POST', `/api/v1/courses/${id}/versions`, { package_id: pkg.json.id })).status === 201, 'version');
  const round = await api(srv, 'POST', `/api/v1/courses/${id}/submit`);
  check(round.status === 201, `submit ${round.text}`);
  return { id, round: round.json.id };
}

async function auditActions(srv, courseId) {
  const r = await api(srv, 'GET', `/api/v1/audit?course_id=${courseId}`);
  return (r.json.records || []).map((l) => (typeof l === 'string' ? JSON.parse(l) : l).action);
}

async function main() {
  const srv = await startAll();
  let browser;
  try {
    // escalations go to the head of the approver's department
    const person = async (id, name, roles, department_id) => {
      const r = await api(srv, 'POST', '/api/v1/people', { id, name, email: `${id}@example.com`, roles, department_id });
      check(r.status === 201, `person ${id}: ${r.text}`);
    };
    await person('hana', 'Hana Head', ['approver']);
    check((await api(srv, 'POST', '/api/v1/departments', { id: 'sales', name: 'Sales', head_person_id: 'hana',
      settings: { escalate_after_days: 7 } })).status === 201, 'department sales');
    check((await api(srv, 'POST', '/api/v1/departments', { id: 'ops', name: 'Operations', head_person_id: 'hana',
      settings: { escalate_after_days: 7 } })).status === 201, 'department ops');
    await person('ada', 'Ada Admin', ['admin', 'author']);
    await person('ann', 'Ann Approver', ['approver'], 'ops');
    await person('alex', 'Alex Author', ['author']);

    const waiting = await request(srv, 'ops', 'Shift handover');
    const draft = await course(srv, await request(srv, 'sales', 'Objection handling'), 'alex');
    const review = await submitted(srv, await request(srv, 'ops', 'Forklift safety'));
    const failing = await submitted(srv, await request(srv, 'sales', 'Data protection basics'));
    const ids = [waiting, draft, review.id, review.round, failing.id, failing.round];

    // ann was due 10 days ago, the course in review for 11 days; the scheduler escalates to hana
    const due = midnight(Date.now()) - 10 * DAY;
    execFileSync(sqlite3, ['-cmd', '.timeout 10000', srv.db,
      `UPDATE round_approvers SET due_ms = ${due} WHERE round_id = '${review.round}';` +
      ` UPDATE courses SET state_since_ms = ${due - DAY} WHERE id = '${review.id}';`]);
    execFileSync(bin, ['--config', srv.config, 'review', 'tick'], { stdio: 'ignore' });

    // ann approves the other; its publish fails (nobody listens at the LMS's port)
    const d = await api(srv, 'POST', `/api/v1/rounds/${failing.round}/decisions`,
      { decision: 'approve', approver_id: 'ann', on_behalf_reason: 'approved at the kickoff meeting' });
    check(d.status === 201 && d.json.publish_job_queued, `decision ${d.text}`);
    const pub = await waitFor('the failed publish', async () => {
      const r = await api(srv, 'GET', `/api/v1/courses/${failing.id}/publish`);
      return r.json && r.json.state === 'publish_failed' ? r.json : null;
    }, 30000);
    check(pub.last_error, 'the LMS\'s message is kept');
    await waitFor('the escalation', async () => {
      const pl = await api(srv, 'GET', '/api/v1/pipeline');
      return pl.json.courses.find((c) => c.id === review.id).held_by[0].escalated_to === 'Hana Head';
    });

    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));

    // the page's CSP (rightly) refuses injected scripts: axe runs in a context that bypasses it
    async function axe(url, cookies, what) {
      await withPage(browser, { bypassCSP: true, cookies }, async (p) => {
        check((await p.goto(url)).status() === 200, `${what}: page`);
        await p.waitForSelector('body[data-loaded="true"]');
        await axeCheck(p, what);
      });
    }

    async function narrow(url, cookies, what, shot) {
      await withPage(browser, { viewport: NARROW, cookies }, async (p) => {
        check((await p.goto(url)).status() === 200, `${what}: page`);
        await p.waitForSelector('body[data-loaded="true"]');
        await noHorizontalScroll(p, what, shot);
      });
    }

    await run('/ shows the sign-in page: one labelled e-mail field and a button', async () => {
      const resp = await page.goto(srv.url + '/');
      check(resp.status() === 200, `status ${resp.status()}`);
      const csp = resp.headers()['content-security-policy'] || '';
      check(csp.includes("default-src 'self'") && !csp.includes('unsafe-inline'), `CSP ${csp}`);
      await page.waitForSelector('body[data-view="signin"]');
      check(await page.isVisible('h1:has-text("Sign in")'), 'a Sign in heading');
      check(await page.isVisible('label[for="email"]'), 'the field has its label');
      check(await page.getAttribute('#email', 'type') === 'email', 'an e-mail field');
      check(!(await page.isVisible('#board')), 'no board');
      check(!(await page.isVisible('#signout')), 'no Sign out');
      await page.screenshot({ path: path.join(buildDir, 'webapp-signin.png'), fullPage: true });
    });

    await run('axe-core: the sign-in page has no WCAG 2.1 A/AA violations', async () => {
      await axe(srv.url + '/', null, 'sign-in page');
    });

    await run('375 px: the sign-in page needs no horizontal scrolling', async () => {
      await narrow(srv.url + '/', null, 'sign-in page', 'webapp-signin-375.png');
    });

    await run('an unknown address gets the same answer and no mail', async () => {
      await page.fill('#email', 'nobody@example.com');
      await page.click('button:has-text("Mail me a sign-in link")');
      await page.waitForSelector('#signin-sent:not([hidden])');
      const text = await page.textContent('#signin-sent');
      check(/Check your mail/.test(text) && /sign-in link/.test(text), `says check your mail: ${text}`);
      await sleep(500);
      check(!srv.sink.messages.some((m) => m.to.includes('nobody@example.com')), 'no mail to an unknown address');
      await page.click('button:has-text("Use another address")');
      check(await page.isVisible('#email'), 'the field again');
    });

    let cookies;
    await run('a link is asked for, taken from the mail, opened, and Sign in lands on the board', async () => {
      await page.fill('#email', 'ada@example.com');
      await page.press('#email', 'Enter'); // the keyboard sends the form
      await page.waitForSelector('#signin-sent:not([hidden])');
      const focused = await page.evaluate(() => document.activeElement.id);
      check(focused === 'sent-title', `focus moves to the answer (${focused})`);
      const mail = await waitFor('the sign-in mail', () => srv.sink.messages.find((m) => m.to.includes('ada@example.com') && /\/signin\//.test(m.text)), 15000);
      const m = /(\/signin\/[0-9a-f]{64})/.exec(mail.text);
      check(m, `a link in the mail: ${mail.text.slice(0, 400)}`);
      await page.goto(srv.url + m[1]);
      await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
      await page.waitForSelector('body[data-view="board"][data-loaded="true"]');
      check(new URL(page.url()).pathname === '/', `back at / (${page.url()})`);
      check((await page.textContent('#who')).includes('Signed in as Ada Admin'), 'the header names the person');
      check(await page.isVisible('nav a:has-text("Pipeline")'), 'navigation: Pipeline');
      check(await page.isVisible('nav a[href="/#departments"]'), 'navigation: Departments (Ada is an admin)');
      cookies = await ctx.cookies();
      check(cookies.some((c) => c.name === 'lmsgw_session' && c.httpOnly), 'the session cookie is HttpOnly');
    });

    // the card titled title, inside the stage section labelled stage
    // a course's title is a link to its page: the heading's whole text is the title
    const cardIn = (stage, title) => page.locator(`section[aria-labelledby="stage-${stage}"] article`)
      .filter({ has: page.locator('h3', { hasText: new RegExp(`^${title}$`) }) });

    await run('the cards are in their stages, in words', async () => {
      check(await cardIn('requested', 'Shift handover').count() === 1, 'the request without a course is Requested');
      check(await cardIn('in_development', 'Objection handling').count() === 1, 'the draft is In development');
      check(await cardIn('in_review', 'Forklift safety').count() === 1, 'the review is In review');
      check(await cardIn('publish_failed', 'Data protection basics').count() === 1, 'the failed publish is Publish failed');
      const req = (await cardIn('requested', 'Shift handover').textContent()).replace(/\s+/g, ' ');
      check(req.includes('Operations') && req.includes('The training team: no course yet'), `request card: ${req}`);
      check(req.includes(`Since${dayWords(Date.now())} (today)`), `request since: ${req}`);
      check(req.includes('Deadline') && req.includes('1 June 2027'), `request deadline: ${req}`);
      const dev = (await cardIn('in_development', 'Objection handling').textContent()).replace(/\s+/g, ' ');
      check(dev.includes('Sales') && dev.includes('Held byAlex Author'), `draft card: ${dev}`);
      const rev = (await cardIn('in_review', 'Forklift safety').textContent()).replace(/\s+/g, ' ');
      check(rev.includes(`Since${dayWords(due - DAY)} (11 days)`), `review since: ${rev}`);
      check(rev.includes(`Ann Approver: due ${dayWords(due)}, 10 days overdue, escalated to Hana Head on `), `review approver: ${rev}`);
      const fail = (await cardIn('publish_failed', 'Data protection basics').textContent()).replace(/\s+/g, ' ');
      check(fail.includes('Publishing failed. The LMS could not be reached. The LMS said: ') && fail.includes('An LMS admin'), `failed card: ${fail}`);
      check(fail.includes("Couldn't connect to server"), `the LMS's own words: ${fail}`);
      const main = (await page.textContent('main')).replace(/\s+/g, ' ');
      for (const id of ids) check(!main.includes(id), `no id on screen (${id})`);
      check(!/\d{6,}/.test(main), `no epoch numbers on screen: ${/\d{6,}/.exec(main)}`);
      check(!/\b(in_review|publish_failed|changes_requested|training_team|lms_admin)\b/.test(main), 'no machine names on screen');
      await page.screenshot({ path: path.join(buildDir, 'webapp-board.png'), fullPage: true });
    });

    await run('the overdue review carries the red flag, the others do not', async () => {
      const card = cardIn('in_review', 'Forklift safety');
      check(await card.evaluate((e) => e.classList.contains('flagged')), 'flagged');
      const flag = await card.locator('.flag').textContent();
      check(flag.includes("Stalled: Ann Approver's review is 10 days overdue."), `flag: ${flag}`);
      check(await page.locator('article.flagged').count() === 1, 'one flag on the board');
    });

    await run('a filter narrows the board, is kept in the URL and survives a reload', async () => {
      await page.selectOption('#f-department', 'ops');
      check(new URL(page.url()).searchParams.get('department') === 'ops', `URL ${page.url()}`);
      const titles = async () => page.$$eval('#stages article h3', (els) => els.map((e) => e.textContent).sort());
      let t = await titles();
      check(JSON.stringify(t) === JSON.stringify(['Forklift safety', 'Shift handover']), `filtered: ${t}`);
      check((await page.textContent('#board-status')).includes('Showing 2 of 4'), 'the count is announced');
      await page.reload();
      await page.waitForSelector('body[data-view="board"][data-loaded="true"]');
      t = await titles();
      check(JSON.stringify(t) === JSON.stringify(['Forklift safety', 'Shift handover']), `after reload: ${t}`);
      check(await page.inputValue('#f-department') === 'ops', 'the select shows the filter');
      await page.selectOption('#f-stage', 'in_review');
      t = await titles();
      check(JSON.stringify(t) === JSON.stringify(['Forklift safety']), `two filters: ${t}`);
      check(await page.locator('section.stage').count() === 1, 'only the chosen stage');
      await page.click('button:has-text("Show everything")');
      check((await titles()).length === 4, 'everything again');
      check(new URL(page.url()).search === '', `URL without filters: ${page.url()}`);
      await page.selectOption('#f-person', 'alex');
      t = await titles();
      check(JSON.stringify(t) === JSON.stringify(['Objection handling']), `by person: ${t}`);
      await page.click('button:has-text("Show everything")');
    });

    await run('keyboard: Tab reaches the filters and Sign out, with a visible focus', async () => {
      await page.evaluate(() => document.activeElement && document.activeElement.blur());
      const seen = [];
      // the cards' title links and department names come first
      for (let i = 0; i < 30; i++) {
        await page.keyboard.press('Tab');
        const a = await page.evaluate(() => ({
          id: document.activeElement.id, text: document.activeElement.textContent.trim(),
          outline: getComputedStyle(document.activeElement).outlineStyle,
        }));
        seen.push(a);
      }
      const signout = seen.find((a) => a.id === 'signout');
      check(signout && signout.outline !== 'none', `Sign out reached with a visible focus: ${JSON.stringify(seen)}`);
      const sel = seen.find((a) => a.id === 'f-department');
      check(sel && sel.outline !== 'none', 'the department filter reached with a visible focus');
    });

    await run('the board refreshes by itself every minute, keeping the focus and the filters', async () => {
      const c = await browser.newContext();
      try {
        await c.addCookies(cookies);
        const p = await c.newPage();
        await p.clock.install({ time: new Date() });
        await p.goto(`${srv.url}/?department=ops`);
        await p.waitForSelector('body[data-view="board"][data-loaded="true"]');
        await p.focus('#f-stage');
        await request(srv, 'ops', 'Ladder safety');
        await p.clock.fastForward(30000);
        await sleep(300);
        check(await p.locator('article h3:text-is("Ladder safety")').count() === 0, 'not before the minute');
        await p.clock.fastForward(31000);
        await p.waitForSelector('article h3:text-is("Ladder safety")', { timeout: 5000 });
        check(await p.evaluate(() => document.activeElement.id) === 'f-stage', 'the focus stayed');
        check(await p.inputValue('#f-department') === 'ops', 'the filter stayed');
        check(await p.locator('article h3:text-is("Objection handling")').count() === 0, 'still filtered');
      } finally {
        await c.close();
      }
    });

    await run('the old KPI dashboard\'s address opens the departments', async () => {
      const p = await ctx.newPage();
      try {
        const r = await fetch(`${srv.url}/dashboard`, { redirect: 'manual' });
        check(r.status === 301 && r.headers.get('location') === '/#departments', `301 to the departments: ${r.status}`);
        await p.goto(`${srv.url}/dashboard`);
        await p.waitForSelector('body[data-view="departments"][data-loaded="true"]');
        check(new URL(p.url()).hash === '#departments', `at ${p.url()}`);
        check(await p.locator('#departments-list li').count() === 2, 'both departments listed');
      } finally {
        await p.close();
      }
    });

    await run('axe-core: the board has no WCAG 2.1 A/AA violations', async () => {
      await axe(srv.url + '/', cookies, 'board');
    });

    await run('375 px: the board needs no horizontal scrolling', async () => {
      await narrow(srv.url + '/', cookies, 'board', 'webapp-board-375.png');
    });

    await run('an admin shares a department\'s schedule, and stops sharing it', async () => {
      await page.waitForSelector('#share:not([hidden])');
      const item = page.locator('.share-item', { has: page.locator('h3', { hasText: /^Sales$/ }) });
      check(await item.count() === 1, 'a Sales row');
      await item.locator('button:has-text("Share the schedule")').click();
      const input = item.locator('input[readonly]');
      await input.waitFor();
      const url = await input.inputValue();
      check(/^http:\/\/127\.0\.0\.1:\d+\/s\/[0-9a-f]{64}$/.test(url), `the link: ${url}`);
      check(await page.evaluate(() => document.activeElement && document.activeElement.readOnly === true),
        'the focus is on the link, to copy it');
      const shown = await fetch(url);
      const text = await shown.text();
      check(shown.status === 200 && text.includes('Delivery schedule: Sales'), `the page: ${shown.status}`);
      check(text.includes('Objection handling') && !text.includes('Forklift safety'), 'only Sales\'s deliveries');
      await item.locator('button:has-text("Stop sharing")').click();
      await page.waitForFunction(() => /no longer shared/.test(document.getElementById('share-status').textContent));
      check((await fetch(url)).status === 404, 'the old link answers 404');
    });

    await run("the admin's Retry on a failed publish queues the job again", async () => {
      const card = cardIn('publish_failed', 'Data protection basics');
      const button = card.locator('button:has-text("Retry publishing")');
      check(await button.count() === 1, 'a Retry button');
      const before = (await auditActions(srv, failing.id)).filter((a) => a === 'publish.failed').length;
      await button.click();
      await page.waitForFunction(() => /again/.test(document.getElementById('board-status').textContent));
      const status = await page.textContent('#board-status');
      check(status.includes('Publishing \u201cData protection basics\u201d again'), `status: ${status}`);
      const actions = await auditActions(srv, failing.id);
      check(actions.includes('publish.retry'), `audited: ${actions}`);
      // the outbox runs the job again (and, the port still closed, it fails again)
      await waitFor('the second attempt', async () =>
        (await auditActions(srv, failing.id)).filter((a) => a === 'publish.failed').length > before, 30000);
    });

    await run('an author sees no Retry button', async () => {
      // alex signs in through the API, as the page would
      check((await fetch(`${srv.url}/api/v1/signin`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'alex@example.com' }) })).status === 202, 'link asked for');
      const mail = await waitFor('alex\'s mail', () => srv.sink.messages.find((m) => m.to.includes('alex@example.com') && /\/signin\//.test(m.text)), 15000);
      const link = /(\/signin\/[0-9a-f]{64})/.exec(mail.text)[1];
      const c = await browser.newContext();
      try {
        const p = await c.newPage();
        await p.goto(srv.url + link);
        await Promise.all([p.waitForNavigation(), p.click('button:has-text("Sign in")')]);
        await p.waitForSelector('body[data-view="board"][data-loaded="true"]');
        await p.waitForSelector('section[aria-labelledby="stage-publish_failed"] article, section[aria-labelledby="stage-publishing"] article');
        check(await p.locator('button:has-text("Retry publishing")').count() === 0, 'no Retry for an author');
        check(!(await p.isVisible('nav a[href="/#departments"]')), 'no Departments for an author who heads nothing');
        check(!(await p.isVisible('#share')), 'no Share the schedule for an author who heads nothing');
      } finally {
        await c.close();
      }
    });

    await run('the waiting approver finds "Open your review" on the card and decides on the review page', async () => {
      check((await fetch(`${srv.url}/api/v1/signin`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'ann@example.com' }) })).status === 202, 'link asked for');
      const mail = await waitFor('ann\'s mail', () => srv.sink.messages.slice().reverse()
        .find((m) => m.to.includes('ann@example.com') && /\/signin\//.test(m.text)), 15000);
      const link = /(\/signin\/[0-9a-f]{64})/.exec(mail.text)[1];
      const c = await browser.newContext();
      try {
        const p = await c.newPage();
        await p.goto(srv.url + link);
        await Promise.all([p.waitForNavigation(), p.click('button:has-text("Sign in")')]);
        await p.waitForSelector('body[data-view="board"][data-loaded="true"]');
        const a = p.locator('section[aria-labelledby="stage-in_review"] a.review-link').first();
        check(await a.count() === 1, 'a review link on the card ann waits on');
        await Promise.all([p.waitForNavigation(), a.click()]);
        check(/\/review\//.test(p.url()), `the review page: ${p.url()}`);
        check(/Review: /.test(await p.textContent('h1')), 'its title');
        check(await p.locator('iframe#course').count() === 1, 'the course in it');
        check(await p.locator('button[value="approve"]').count() === 1, 'the decision buttons');
      } finally {
        await c.close();
      }
    });

    await run('Sign out returns to the sign-in page, and the session is 401 after', async () => {
      const sid = cookies.find((c) => c.name === 'lmsgw_session').value;
      await page.click('#signout');
      await page.waitForSelector('body[data-view="signin"]');
      check(await page.isVisible('h1:has-text("Sign in")'), 'the sign-in page');
      check(!(await page.isVisible('#stages article')), 'no cards left');
      const inPage = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
      check(inPage === 401, `the page's session: ${inPage}`);
      const r = await fetch(`${srv.url}/api/v1/session`, { headers: { Cookie: `lmsgw_session=${sid}` } });
      check(r.status === 401, `the old cookie: ${r.status}`);
      await page.reload();
      await page.waitForSelector('body[data-view="signin"]');
    });

    await run('too many links asked for: the page says when to try again, in minutes', async () => {
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${srv.url}/api/v1/signin`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: 'hana@example.com' }) });
        check(r.status === 202, `link ${i + 1}: ${r.status}`);
      }
      await page.fill('#email', 'hana@example.com');
      await page.click('button:has-text("Mail me a sign-in link")');
      await page.waitForFunction(() => document.getElementById('signin-error').textContent !== '');
      const text = await page.textContent('#signin-error');
      check(/^Too many sign-in links were asked for\. Try again in \d+ minutes?\.$/.test(text), `says when: ${text}`);
      check(await page.isVisible('#email'), 'the field stays');
    });

    await run('no script errors in the page', async () => {
      // the 401 of GET /api/v1/session and the 429 are the browser's own log lines, not the app's
      const errs = consoleErrors.filter((e) => !/status of (401|429)/.test(e));
      check(errs.length === 0, `errors: ${errs.join(' | ')}`);
    });
  } finally {
    if (browser) await browser.close();
    await stopGateway(srv);
  }
}

finish(main);
