// The review page in a real browser (Debian's chromium, headless, driven by
// playwright-core): a round is set up through the API of the real lmsgw (a
// 2-of-3 request that approves on silence, a second version with a changed
// package and a warning, one approver delegated, one decided), links are
// issued with `lmsgw review link`, and the page must say what is asked and
// why in words (business case, due date and days left, the other approvers'
// status, the policy sentence, what changed, the warnings), pass axe-core's
// WCAG 2.1 A/AA rules, fit a 375 px wide screen, and decide only on a POST:
// approve with a comment records once; request changes and reject without a
// comment are refused with the reason; reject with a comment, by keyboard
// only, ends the round; a used link says so. Prints "N passed, N failed" last.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { results, check, run } = require('./support');
const { bin, buildDir, startGateway, stopGateway, api, launchBrowser, withPage, axeCheck, NARROW, noHorizontalScroll,
  finish } = require('./gateway');

const DAY = 86400000;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];
// "Friday 12 March 2027" for the UTC day of ms, as the page writes dates
function dateWords(ms) {
  const d = new Date(ms);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
// midnight UTC of today + days
function dayAfter(days) {
  const now = Date.now();
  return now - (now % DAY) + days * DAY;
}

// a copy of the SCORM 1.2 sample with a changed launch page (no lang: a
// warning) and an added file, zipped as the build zips the samples
function changedPackage(dir) {
  const src = path.join(__dirname, '..', '..', 'packages', 'scorm12-sample');
  const dst = path.join(dir, 'scorm12-v2');
  fs.cpSync(src, dst, { recursive: true });
  const index = path.join(dst, 'index.html');
  fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('<html lang="en">', '<html>'));
  fs.writeFileSync(path.join(dst, 'notes.txt'), 'Speaker notes for the trainers.\n');
  const zip = path.join(dir, 'scorm12-v2.zip');
  execFileSync(process.env.GW_CMAKE || 'cmake', ['-E', 'tar', 'cf', zip, '--format=zip', '.'], { cwd: dst });
  return fs.readFileSync(zip);
}

function reviewLink(srv, roundId, who) {
  const link = execFileSync(bin, ['--config', srv.config, 'review', 'link', roundId, who],
    { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  const p = link.slice(link.indexOf('/r/'));
  check(p.startsWith('/r/'), `link ${link}`);
  return p;
}

async function main() {
  const srv = await startGateway({ name: 'link' });
  let browser;
  try {
    // a department, three approvers, a delegate and an author; a 2-of-3 request that approves on silence
    const people = [['head', 'Hana Head'], ['ann', 'Ann Approver'], ['bob', 'Bob Builder'], ['cat', 'Cat Checker'],
      ['dan', 'Dan Delegate'], ['author', 'Ada Author']];
    for (const [id, name] of people)
      check((await api(srv, 'POST', '/api/v1/people', { id, name, email: `${id}@example.com` })).status === 201, `person ${id}`);
    check((await api(srv, 'POST', '/api/v1/departments', { id: 'sales', name: 'Sales', head_person_id: 'head' })).status === 201, 'department');
    const req = await api(srv, 'POST', '/api/v1/requests', {
      department_id: 'sales', title: 'Objection handling',
      business_case: { problem: 'deals lost at the objection stage', audience: 'field sales', reach: 'LMS link in the CRM',
        mandatory: true, communication_plan: 'kickoff mail', kpi: 'win rate', kpi_target: '+5%', deadline: '2027-03-01',
        effort_low_hours: 40, effort_high_hours: 90, project_code: 'SAL-7' },
      policy: 'n_of_m', required: 2, approve_on_silence: true, silence_agreed_by: 'head',
      silence_agreed_at: new Date().toISOString(),
      approvers: [{ person_id: 'ann', due_in_days: 5 }, { person_id: 'bob', due_in_days: 3 }, { person_id: 'cat', due_in_days: 7 }],
    });
    check(req.status === 201, `request ${req.status} ${JSON.stringify(req.json)}`);
    const course = await api(srv, 'POST', '/api/v1/courses', { request_id: req.json.id, author_person_id: 'author' });
    check(course.status === 201, 'course');
    const zip = fs.readFileSync(path.join(buildDir, 'packages', 'scorm12-sample.zip'));
    const pkg = await api(srv, 'POST', '/api/v1/packages', zip, { contentType: 'application/zip' });
    check(pkg.status === 201 && pkg.json.valid, 'package');
    check((await api(srv, 'POST', `/api/v1/courses/${course.json.id}/versions`, { package_id: pkg.json.id })).status === 201, 'version');
    const round1 = await api(srv, 'POST', `/api/v1/courses/${course.json.id}/submit`);
    check(round1.status === 201, 'submit');
    const link1 = reviewLink(srv, round1.json.id, 'ann');

    browser = await launchBrowser();
    const page = await browser.newPage();

    await run('opening the link decides nothing; a comment and Approve records the decision once', async () => {
      const resp = await page.goto(srv.url + link1);
      check(resp.status() === 200, `status ${resp.status()}`);
      await page.reload();
      let r = await api(srv, 'GET', `/api/v1/rounds/${round1.json.id}`);
      check(r.status === 200 && r.json.approvals === 0, `approvals ${JSON.stringify(r.json && r.json.approvals)}`);
      await page.fill('textarea[name="comment"]', 'Looks good to me.');
      await page.click('button[value="approve"]');
      const text = await page.textContent('body');
      check(/recorded/i.test(text), `confirmation: ${text.slice(0, 200)}`);
      r = await api(srv, 'GET', `/api/v1/rounds/${round1.json.id}`);
      check(r.json.approvals === 1, 'one approval (2 of 3 needed: the round stays open)');
      check(r.json.approvers[0].via === 'link' && r.json.approvers[0].comment === 'Looks good to me.', 'via the link, with the comment');
    });

    // a second version (a changed page without lang, an added file) replaces
    // the round; cat approves by link, bob delegates to dan
    const pkg2 = await api(srv, 'POST', '/api/v1/packages', changedPackage(srv.dir), { contentType: 'application/zip' });
    check(pkg2.status === 201 && pkg2.json.valid, `package 2 ${JSON.stringify(pkg2.json)}`);
    check((await api(srv, 'POST', `/api/v1/courses/${course.json.id}/versions`, { package_id: pkg2.json.id })).status === 201, 'version 2');
    const round = await api(srv, 'POST', `/api/v1/courses/${course.json.id}/submit`);
    check(round.status === 201, `submit 2 ${JSON.stringify(round.json)}`);
    const catLink = reviewLink(srv, round.json.id, 'cat');
    const catPost = await fetch(srv.url + catLink, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'decision=approve&comment=Fine+by+me%2C+ship+it.',
    });
    check(catPost.status === 200, `cat decides ${catPost.status}`);
    check((await api(srv, 'POST', `/api/v1/rounds/${round.json.id}/delegate`, { approver_id: 'bob', delegate_id: 'dan' })).status < 300, 'bob delegates to dan');
    const linkPath = reviewLink(srv, round.json.id, 'ann');
    const today = dateWords(Date.now());

    await run('the page says what is asked and why, in words', async () => {
      const resp = await page.goto(srv.url + linkPath);
      check(resp.status() === 200, `status ${resp.status()}`);
      const text = (await page.textContent('main')).replace(/\s+/g, ' ');
      const want = [
        'Review: Objection handling',
        'Sales asks for approval of this course (version 2, SCORM 1.2)',
        'You decide as Ann Approver.',
        `Your decision is due ${dateWords(dayAfter(5))} (5 days left).`,
        'Problem it solves', 'deals lost at the objection stage',
        'Audience', 'field sales',
        'How they reach the LMS', 'LMS link in the CRM',
        'Mandatory for the audience',
        'KPI', 'win rate', 'KPI target', '+5%',
        'Deadline', 'Monday 1 March 2027',
        'Effort', '40 to 90 hours',
        'Project code', 'SAL-7',
        // bob is silent from the day after his due date: with cat's approval that makes 2 of 3
        `2 of 3 approvers must approve. Approves itself on ${dateWords(dayAfter(4))} unless someone objects.`,
        `Ann Approver (you), due ${dateWords(dayAfter(5))} (5 days left): Asked on ${today}; not decided yet.`,
        `Bob Builder, due ${dateWords(dayAfter(3))} (3 days left): Delegated to Dan Delegate on ${today}`,
        `Cat Checker: Approved on ${today}.`, 'Fine by me, ship it.',
        'What changed since the last round', '1 file added, 1 changed.',
        'Files added', 'notes.txt', 'Files changed', 'index.html',
        'Validation', 'The package passed validation with no errors and 1 warning.',
        'Warning: ', 'lang',
        'Comment (required to request changes or reject; optional to approve)',
      ];
      for (const w of want) check(text.includes(w), `page says "${w}"\n--- page: ${text}`);
      check(!text.includes(round.json.id) && !text.includes(course.json.id) && !/\d{6,}/.test(text),
        'no ids or epoch numbers on screen');
      for (const v of ['approve', 'request_changes', 'reject'])
        check(await page.isVisible(`button[value="${v}"]`), `${v} button`);
      check(await page.getAttribute('html', 'lang') === 'en', 'lang attribute');
      check(await page.locator('main').count() === 1 && await page.locator('h1').count() === 1, 'one main, one h1');
      check(await page.getAttribute('textarea', 'id') === 'comment' && await page.locator('label[for="comment"]').count() === 1,
        'the comment box has its label');
      await page.screenshot({ path: path.join(buildDir, 'link-page.png'), fullPage: true });
    });

    await run('axe-core finds no WCAG 2.1 A/AA violations', async () => {
      // the page's CSP (rightly) refuses scripts: a context that bypasses it injects axe
      await withPage(browser, { bypassCSP: true }, async (p) => {
        check((await p.goto(srv.url + linkPath)).status() === 200, 'page');
        await axeCheck(p, '');
      });
    });

    await run('a 375 px wide screen needs no horizontal scrolling', async () => {
      await withPage(browser, { viewport: NARROW }, async (p) => {
        check((await p.goto(srv.url + linkPath)).status() === 200, 'page');
        await noHorizontalScroll(p, '', 'link-page-375.png');
      });
    });

    await run('request changes and reject without a comment are refused, the link stays usable', async () => {
      for (const v of ['request_changes', 'reject']) {
        await page.goto(srv.url + linkPath);
        await page.click(`button[value="${v}"]`);
        const text = await page.textContent('body');
        check(/comment/i.test(text) && text.includes('REVIEW_COMMENT_REQUIRED'), `${v}: asks for a comment: ${text.slice(0, 300)}`);
        check(await page.isVisible('a:has-text("Back to the review page")'), 'a way back');
      }
      await page.click('a:has-text("Back to the review page")');
      check(await page.isVisible('button[value="reject"]'), 'back on the page');
      const r = await api(srv, 'GET', `/api/v1/rounds/${round.json.id}`);
      check(r.json.approvals === 1 && r.json.approvers[0].status === 'pending', 'no decision recorded');
    });

    await run('keyboard only: a comment and Reject record the decision and send the course back', async () => {
      await page.goto(srv.url + linkPath);
      // Tab from the top of the page to the comment box, type, Tab to Reject, press Enter
      let tag = '';
      for (let i = 0; i < 20 && tag !== 'TEXTAREA'; i++) {
        await page.keyboard.press('Tab');
        tag = await page.evaluate(() => document.activeElement.tagName);
      }
      check(tag === 'TEXTAREA', 'Tab reaches the comment box');
      await page.keyboard.type('Not for this audience: the CRM cannot link to it.');
      let value = '';
      for (let i = 0; i < 5 && value !== 'reject'; i++) {
        await page.keyboard.press('Tab');
        value = await page.evaluate(() => document.activeElement.value);
      }
      check(value === 'reject', 'Tab reaches Reject');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      check(outline !== 'none', `focus is visible (outline ${outline})`);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      const text = await page.textContent('body');
      check(/recorded/i.test(text) && text.includes('reject'), `confirmation: ${text.slice(0, 300)}`);
      const r = await api(srv, 'GET', `/api/v1/rounds/${round.json.id}`);
      check(r.json.approvers[0].status === 'reject' && r.json.approvers[0].via === 'link', `ann rejected by link ${JSON.stringify(r.json.approvers[0])}`);
      check(r.json.approvers[0].comment === 'Not for this audience: the CRM cannot link to it.', 'the comment kept');
      const c = await api(srv, 'GET', `/api/v1/courses/${course.json.id}`);
      check(c.json.state === 'changes_requested', `course state ${c.json.state}`);
    });

    await run('the used link says so and decides nothing more', async () => {
      const resp = await page.goto(srv.url + linkPath);
      check(resp.status() === 410, `status ${resp.status()}`);
      const post = await fetch(srv.url + linkPath, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'decision=approve',
      });
      check(post.status === 410, `replay ${post.status}`);
      const r = await api(srv, 'GET', `/api/v1/rounds/${round.json.id}`);
      check(r.json.approvers[0].status === 'reject', 'still rejected');
    });
  } finally {
    if (browser) await browser.close();
    await stopGateway(srv);
  }
}

finish(main);
