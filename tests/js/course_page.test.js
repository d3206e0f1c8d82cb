// The course page of the web app (issue 16) in a real browser (Debian's
// chromium, headless, driven by playwright-core) against the real lmsgw, the
// real lmssim (the LMS it publishes to) and an SMTP sink. Through the API
// with an admin key: a department with its head, an author, two approvers
// with keys bound to them, a request naming both and a course for it. Then,
// signed in through the mailed link as the author: the board's card opens
// the course page; a corpus package with an error (its launch file missing)
// is dropped on the page (a real drop event carrying a DataTransfer) and
// sent with a progress bar (the upload throttled through the DevTools
// protocol so the bar moves), and its report shows the error with its file,
// line and what to do; Submit is disabled and says why; the valid package is
// chosen with the file input as version 2, which says in words what changed
// (the launch file added); a submit the server refuses (409: submitted
// meanwhile through the API) shows the server's words at the button; the
// round lists each approver by name with asked, due and decision; both
// approve through the API with a comment, the course is published on
// lmssim, and the page shows the comments, "live on the LMS" with the LMS's
// link, the author's KPIs and the history as sentences with dates; no ids,
// UUIDs or epoch numbers on screen; axe-core finds no WCAG 2.1 A/AA
// violations; 375 px needs no horizontal scroll; an approver who is neither
// author nor head is told who sees the figures. Prints "N passed, N failed"
// last.
'use strict';

const fs = require('fs');
const path = require('path');
const { results, check, run, waitFor } = require('./support');
const { buildDir, startGateway, stopGateway, api: gwApi, signIn, launchBrowser, withPage, axeCheck, NARROW,
  noHorizontalScroll, finish } = require('./gateway');

const corpus = path.join(__dirname, '..', '..', '..', 'shared', 'corpus', 'packages');
const BAD_ZIP = path.join(corpus, 'mutant-scorm12-missing-launch-file.zip');
const GOOD_ZIP = path.join(corpus, 'moodle-singlesco_scorm12.zip');

// the API with the admin key, or with token (an approver's)
const api = (srv, method, p, body, token) => gwApi(srv, method, p, body, { token });

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

async function main() {
  const srv = await startGateway({ name: 'course', smtp: true, sim: true });
  let browser;
  try {
    const person = async (id, name, roles, department_id) => {
      const r = await api(srv, 'POST', '/api/v1/people', { id, name, email: `${id}@example.com`, roles, department_id });
      check(r.status === 201, `person ${id}: ${r.text}`);
    };
    await person('hana', 'Hana Head', ['approver']);
    check((await api(srv, 'POST', '/api/v1/departments', { id: 'ops', name: 'Operations', head_person_id: 'hana' }))
      .status === 201, 'department');
    await person('alex', 'Alex Author', ['author'], 'ops');
    await person('ann', 'Ann Approver', ['approver'], 'ops');
    await person('bob', 'Bob Builder', ['approver'], 'ops');
    const keyOf = async (who) => {
      const r = await api(srv, 'POST', '/api/v1/keys', { name: `${who}-key`, role: 'approver', person_id: who });
      check(r.status === 201, `key ${who}: ${r.text}`);
      return r.json.token;
    };
    const annKey = await keyOf('ann');
    const bobKey = await keyOf('bob');
    const rq = await api(srv, 'POST', '/api/v1/requests', {
      department_id: 'ops', title: 'Forklift safety',
      business_case: { problem: 'Near misses in the warehouse.', audience: 'Drivers', reach: 'LMS', mandatory: true,
        communication_plan: 'Team briefings', kpi: 'Fewer incidents', kpi_target: 'Half', deadline: '2027-06-01',
        effort_low_hours: 4, effort_high_hours: 8, project_code: 'OPS-7' },
      approvers: [{ person_id: 'ann', due_in_days: 5 }, { person_id: 'bob', due_in_days: 7 }],
    });
    check(rq.status === 201, `request: ${rq.text}`);
    const made = await api(srv, 'POST', '/api/v1/courses', { request_id: rq.json.id, author_person_id: 'alex' });
    check(made.status === 201, `course: ${made.text}`);
    const courseId = made.json.id;

    browser = await launchBrowser();
    // bypassCSP so axe-core can be injected (test_webapp checks the CSP itself)
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await ctx.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const badAnswers = [];
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (r.status() < 400) return;
      if (r.status() === 401 && u.pathname === '/api/v1/session') return;
      if (u.pathname === '/favicon.ico') return;
      if (r.status() === 409 && u.pathname.endsWith('/submit')) return; // asked for below
      badAnswers.push(`${r.status()} ${u.pathname}`);
    });

    const axe = (what) => axeCheck(page, what);

    // what a person reads: no ids, UUIDs or epoch numbers
    async function noIds(what) {
      const text = await page.evaluate(() => document.getElementById('course').innerText);
      check(!UUID.test(text), `${what}: a UUID on screen: ${UUID.exec(text)}`);
      check(!text.includes(courseId), `${what}: the course id on screen`);
      check(!/\b1\d{9,12}\b/.test(text), `${what}: an epoch number on screen: ${/\b1\d{9,12}\b/.exec(text)}`);
      check(!/\b[0-9a-f]{40,64}\b/.test(text), `${what}: a hash on screen`);
    }

    const courseText = () => page.evaluate(() => document.getElementById('course').innerText);

    let cookies;
    await run('the board\'s card opens the course page', async () => {
      await signIn(srv, page, 'alex@example.com');
      cookies = await ctx.cookies();
      const link = page.locator('#stages a:has-text("Forklift safety")');
      check(await link.count() === 1, 'a link on the card');
      await link.click();
      await page.waitForSelector('body[data-view="course"][data-loaded="true"]');
      await page.waitForSelector('#cv-audit li');
      check(new URL(page.url()).hash === `#course/${courseId}`, `URL ${page.url()}`);
      check((await page.textContent('#course-title')) === 'Forklift safety', 'the title');
      check(!(await page.isVisible('#board')), 'the board is hidden');
      const lede = await page.textContent('#cv-lede');
      check(/Requested by Operations\. You are its author\./.test(lede), `department and author in words: ${lede}`);
      check(/in development/.test(lede), `the state in words: ${lede}`);
      check(/No version yet/.test(await page.textContent('#cv-versions')), 'no version yet');
      check(await page.isDisabled('#cv-submit'), 'Submit is disabled without a version');
      check(/Upload a version without errors/.test(await page.textContent('#cv-submit-why')), 'and says why');
      check((await page.evaluate(() => document.activeElement.id)) === 'course-title', 'the focus is on the heading');
    });

    await run('a dropped zip is sent with a progress bar and its report shows the error, file and line', async () => {
      // slow the upload (about 120 KB/s) so the bar has steps to show
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 120 * 1024 });
      await page.evaluate(() => {
        window.progressSeen = [];
        const p = document.getElementById('cv-progress');
        new MutationObserver(() => window.progressSeen.push(Number(p.getAttribute('value'))))
          .observe(p, { attributes: true, attributeFilter: ['value'] });
        window.boxSeen = false;
        new MutationObserver(() => { if (!document.getElementById('cv-progress-box').hidden) window.boxSeen = true; })
          .observe(document.getElementById('cv-progress-box'), { attributes: true });
      });
      const b64 = fs.readFileSync(BAD_ZIP).toString('base64');
      await page.evaluate(({ data, name }) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: 'application/zip' }));
        const zone = document.getElementById('cv-drop');
        for (const type of ['dragenter', 'dragover', 'drop'])
          zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, { data: b64, name: path.basename(BAD_ZIP) });
      await page.waitForSelector('#cv-progress-box:not([hidden])', { timeout: 5000 });
      check(/Uploading mutant-scorm12-missing-launch-file\.zip/.test(await page.textContent('#cv-progress-name')), 'the file is named');
      await page.waitForFunction(() => /Version 1 is added/.test(document.getElementById('cv-status').textContent), null, { timeout: 30000 });
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      const seen = await page.evaluate(() => window.progressSeen);
      check(seen.some((v) => v > 0 && v < 100), `the bar moved between 0 and 100: ${seen.join(',')}`);
      check(seen.includes(100), `the bar reached 100: ${seen.join(',')}`);
      check(await page.isHidden('#cv-progress-box'), 'the bar is gone when done');
      const status = await page.textContent('#cv-status');
      check(/found 1 error|found \d+ errors/.test(status), `the status says errors: ${status}`);
      await page.waitForSelector('#cv-report .sev-error .finding');
      const report = await page.textContent('#cv-report');
      check(/The check of version 1/.test(report), 'the report heading');
      check(/SCORM 1\.2 package/.test(report), `the kind of package in words: ${report.slice(0, 200)}`);
      check(/error: fix before review|errors: fix before review/.test(report), 'grouped by severity');
      const finding = await page.textContent('#cv-report .sev-error .finding');
      check(/shared\/launchpage\.html/.test(finding), `the missing file named: ${finding}`);
      check(/In imsmanifest\.xml, line \d+\./.test(finding), `file and line: ${finding}`);
      check(/What to do: /.test(finding), `the action: ${finding}`);
      check(!/LAUNCH_FILE_MISSING|FILE_MISSING/.test(report), 'no codes for programmers');
      check(await page.isDisabled('#cv-submit'), 'Submit is disabled');
      check(/Upload a version without errors/.test(await page.textContent('#cv-submit-why')), 'and says why');
      await noIds('after version 1');
    });

    await run('axe-core: the course page with an error report has no WCAG 2.1 A/AA violations', async () => {
      await axe('course page with errors');
    });

    await run('the file input adds version 2, which says in words what changed', async () => {
      await page.setInputFiles('#cv-file', GOOD_ZIP);
      await page.waitForFunction(() => /Version 2 is added/.test(document.getElementById('cv-status').textContent), null, { timeout: 30000 });
      check(/no errors/.test(await page.textContent('#cv-status')), 'no errors');
      await page.waitForSelector('#cv-report-title:has-text("version 2")');
      check(await page.locator('#cv-report .sev-error').count() === 0, 'no error group');
      const v2 = await page.textContent('#cv-versions li.version:first-child');
      check(/Version 2 \(current\)/.test(v2), `version 2 first and current: ${v2}`);
      check(/1 file added: shared\/launchpage\.html\./.test(v2), `what changed: ${v2}`);
      check(/stayed the same/.test(v2), 'the unchanged files counted');
      check(/The first version\./.test(await page.textContent('#cv-versions li.version:last-child')), 'version 1 is the first');
      check(!(await page.isDisabled('#cv-submit')), 'Submit is enabled');
      // the report of version 1 stays one step away
      await page.click('#cv-versions li.version:last-child button:has-text("Show its check report")');
      await page.waitForSelector('#cv-report-title:has-text("version 1")');
      check((await page.evaluate(() => document.activeElement.id)) === 'cv-report-title', 'the focus moves to the report');
      await noIds('after version 2');
    });

    await run('a submit the server refuses shows its words at the button', async () => {
      // submitted meanwhile (another tab, another person): the page's button is stale
      const other = await api(srv, 'POST', `/api/v1/courses/${courseId}/submit`);
      check(other.status === 201, `submit through the API: ${other.text}`);
      await page.click('#cv-submit');
      await page.waitForFunction(() => document.getElementById('cv-submit-error').textContent !== '');
      const err = await page.textContent('#cv-submit-error');
      check(/^Not submitted: /.test(err) && err.length > 30, `the server's words: ${err}`);
      check((await page.evaluate(() => document.activeElement.id)) === 'cv-submit', 'the focus stays at the button');
    });

    await run('the round per approver: names, asked, due, not decided', async () => {
      await page.reload();
      await page.waitForSelector('body[data-view="course"][data-loaded="true"]');
      await page.waitForSelector('#cv-rounds .approver-card');
      const cards = await page.$$eval('#cv-rounds .approver-card', (l) => l.map((x) => x.innerText));
      check(cards.length === 2, `two approvers: ${cards.length}`);
      check(/Ann Approver/.test(cards[0]) && /Bob Builder/.test(cards[1]), `by name: ${cards.join(' | ')}`);
      for (const c of cards) {
        check(/Asked\s+\w+day \d+ \w+( \d{4})? at \d\d:\d\d/.test(c), `asked, in words: ${c}`);
        check(/Due\s+\w+day \d+ \w+/.test(c), `due, in words: ${c}`);
        check(/Not decided yet/.test(c), `undecided: ${c}`);
        check(/Not reminded/.test(c), `not reminded: ${c}`);
      }
      check(/Review round 1/.test(await page.textContent('#cv-rounds')), 'the round');
      check(/every approver must approve/i.test(await page.textContent('#cv-rounds')), 'the policy in words');
      check(await page.isDisabled('#cv-submit'), 'Submit is disabled in review');
      check(/in review/.test(await page.textContent('#cv-submit-why')), 'and says why');
      const pub = await page.textContent('#cv-publish');
      check(/in review with the approvers\. *It waits for the approvers' decisions/.test(pub), `what it waits for, in words: ${pub}`);
      check(!/\/api\/|POST|outbox/.test(pub), `no API words: ${pub}`);
    });

    await run('decisions, publishing to the LMS and the link on the page', async () => {
      const round = (await api(srv, 'GET', `/api/v1/courses/${courseId}`)).json.rounds[0].id;
      const a = await api(srv, 'POST', `/api/v1/rounds/${round}/decisions`, { decision: 'approve', approver_id: 'ann', comment: 'Clear and short.' }, annKey);
      check(a.status === 201, `ann: ${a.text}`);
      const b = await api(srv, 'POST', `/api/v1/rounds/${round}/decisions`, { decision: 'approve', approver_id: 'bob', comment: 'Good to go.' }, bobKey);
      check(b.status === 201, `bob: ${b.text}`);
      await waitFor('the publish', async () => {
        const r = await api(srv, 'GET', `/api/v1/courses/${courseId}/publish`);
        return r.json && r.json.state === 'published';
      }, 30000);
      await page.reload();
      await page.waitForSelector('body[data-view="course"][data-loaded="true"]');
      await page.waitForSelector('#cv-publish .lms-link');
      const pub = await page.textContent('#cv-publish');
      check(/The course is live on the LMS\./.test(pub), `live: ${pub}`);
      const href = await page.getAttribute('#cv-publish .lms-link', 'href');
      check(/^https?:\/\//.test(href), `the LMS's address: ${href}`);
      const cards = await page.$$eval('#cv-rounds .approver-card', (l) => l.map((x) => x.innerText));
      check(/Approved on \w+day/.test(cards[0]) && /Clear and short\./.test(cards[0]), `Ann's decision and comment: ${cards[0]}`);
      check(/Good to go\./.test(cards[1]), `Bob's comment: ${cards[1]}`);
      check(/approved/.test(await page.textContent('#cv-rounds h4 + p')), 'the round is approved');
      await noIds('after publishing');
    });

    await run('the history reads as sentences with dates', async () => {
      const items = await page.$$eval('#cv-audit li', (l) => l.map((x) => x.innerText));
      check(items.length >= 8, `entries: ${items.length}`);
      for (const it of items) check(/^\w+day \d+ \w+( \d{4})? at \d\d:\d\d: [A-Z]/.test(it), `a date, then a sentence: ${it}`);
      const all = items.join('\n');
      for (const want of [/Alex Author created the course\.|The gateway created the course\.|A program using an API key created the course\./,
        /You added version 1\./, /You added version 2\./, /submitted the course for review/, /Ann Approver approved/,
        /Bob Builder approved/, /Good to go\./, /The course went live on the LMS\./, /The course is now live on the LMS\./])
        check(want.test(all), `${want} in:\n${all}`);
      check(!/decision\.|version\.added|round\.opened|"action"/.test(all), 'no raw actions');
    });

    await run('the author sees the course\'s KPIs', async () => {
      const k = await page.textContent('#cv-kpis');
      check(/No learner has started the course yet\./.test(k), `the figures: ${k}`);
    });

    await run('axe-core: the course page after publishing has no WCAG 2.1 A/AA violations', async () => {
      await axe('course page, published');
    });

    await run('375 px: the course page needs no horizontal scrolling', async () => {
      await withPage(browser, { viewport: NARROW, cookies }, async (p) => {
        await p.goto(`${srv.url}/#course/${encodeURIComponent(courseId)}`);
        await p.waitForSelector('body[data-view="course"][data-loaded="true"]');
        await p.waitForSelector('#cv-report .finding, #cv-report-summary');
        await noHorizontalScroll(p, '', 'course-375.png');
      });
    });

    await run('an approver who is neither author nor head is told who sees the figures', async () => {
      await withPage(browser, {}, async (p) => {
        await signIn(srv, p, 'ann@example.com');
        await p.goto(`${srv.url}/#course/${encodeURIComponent(courseId)}`);
        await p.waitForSelector('body[data-view="course"][data-loaded="true"]');
        const k = await p.textContent('#cv-kpis');
        check(/shown to its author, the requesting department's head, admins and BI/.test(k), `the KPI section: ${k}`);
        check(await p.isHidden('#cv-upload'), 'no upload for an approver');
      });
    });

    await run('no script errors in the page', async () => {
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
