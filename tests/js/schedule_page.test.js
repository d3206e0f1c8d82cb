// The public delivery schedule page (issue 16) in a real browser (Debian's
// chromium, headless, driven by playwright-core) against the real lmsgw: a
// department with a request, a course in review (approvers shown, a long
// title), its share link made through the API; the page at /s/{token} must
// pass axe-core's WCAG 2.1 A/AA rules, fit a 375 px wide screen without
// horizontal scrolling, have its headings in order and no links or controls,
// and a revoked link must show the "not in use" page with 404. Prints "N
// passed, N failed" last.
'use strict';

const fs = require('fs');
const path = require('path');
const { results, check, run } = require('./support');
const { buildDir, startGateway, stopGateway, api, launchBrowser, withPage, axeCheck, NARROW, noHorizontalScroll,
  finish } = require('./gateway');

const BC = { problem: 'p', audience: 'a', mandatory: false, kpi: 'k', deadline: '2027-03-01' };

async function main() {
  const srv = await startGateway({ name: 'schedule' });
  let browser;
  try {
    const ok = async (what, p, body) => {
      const r = await api(srv, 'POST', p, body);
      check(r.status === 201, `${what}: ${r.text}`);
      return r.json;
    };
    await ok('head', '/api/v1/people', { id: 'hana', name: 'Hana Head', email: 'hana@example.com' });
    await ok('approver', '/api/v1/people', { id: 'ann', name: 'Ann Approver', email: 'ann@example.com' });
    await ok('author', '/api/v1/people', { id: 'alex', name: 'Alex Author', email: 'alex@example.com' });
    await ok('department', '/api/v1/departments', { id: 'sales', name: 'Sales', head_person_id: 'hana',
      settings: { schedule_shows_approvers: true } });
    await ok('request', '/api/v1/requests', { department_id: 'sales', title: 'Shift handover',
      business_case: BC, approvers: [{ person_id: 'ann' }] });
    const long = 'Customer-data-protection-and-information-security-essentials-for-field-sales';
    const rq = await ok('request', '/api/v1/requests', { department_id: 'sales', title: long,
      business_case: BC, approvers: [{ person_id: 'ann' }, { person_id: 'hana' }] });
    const c = await ok('course', '/api/v1/courses', { request_id: rq.id, author_person_id: 'alex' });
    const zip = fs.readFileSync(path.join(buildDir, 'packages', 'scorm12-sample.zip'));
    const pkg = await api(srv, 'POST', '/api/v1/packages', zip, { contentType: 'application/zip' });
    check(pkg.status === 201, `package ${pkg.text.slice(0, 200)}`);
    await ok('version', `/api/v1/courses/${c.id}/versions`, { package_id: pkg.json.id });
    await ok('submit', `/api/v1/courses/${c.id}/submit`);
    const link = await ok('link', '/api/v1/departments/sales/schedule-link');
    check(/\/s\/[0-9a-f]{64}$/.test(link.url), `url ${link.url}`);

    browser = await launchBrowser();

    await run('the page: headings, the deliveries in words, no links or controls', async () => {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      const resp = await p.goto(link.url);
      check(resp.status() === 200, `status ${resp.status()}`);
      const csp = resp.headers()['content-security-policy'] || '';
      check(csp.includes("default-src 'none'") && csp.includes("frame-ancestors 'none'"), `CSP ${csp}`);
      check((await p.textContent('h1')) === 'Delivery schedule: Sales', 'h1');
      const h2 = await p.$$eval('h2', (hs) => hs.map((h) => h.textContent));
      check(h2.join('|') === 'Coming up|Recently delivered', `h2 ${h2}`);
      const text = await p.textContent('main');
      check(text.includes('In review') && text.includes('Requested') && text.includes('Monday 1 March 2027'), 'words');
      check(text.includes('Ann Approver, Hana Head'), 'approvers (the department allows it)');
      check(!text.includes(c.id) && !text.includes(rq.id), 'no ids');
      check((await p.$$('a, button, input, form, script')).length === 0, 'no links, controls or scripts');
      await ctx.close();
    });

    await run('axe-core: the schedule page has no WCAG 2.1 A/AA violations', async () => {
      // the page's CSP (rightly) refuses injected scripts: axe runs in a context that bypasses it
      await withPage(browser, { bypassCSP: true }, async (p) => {
        check((await p.goto(link.url)).status() === 200, 'page');
        await axeCheck(p, '', { minPasses: 5 });
      });
    });

    await run('375 px: the schedule page needs no horizontal scrolling', async () => {
      await withPage(browser, { viewport: NARROW }, async (p) => {
        check((await p.goto(link.url)).status() === 200, 'page');
        await noHorizontalScroll(p, '', 'schedule-375.png');
      });
    });

    await run('a revoked link shows the "not in use" page with 404', async () => {
      const r = await api(srv, 'DELETE', '/api/v1/departments/sales/schedule-link');
      check(r.status === 204, `revoke ${r.status}`);
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      const resp = await p.goto(link.url);
      check(resp.status() === 404, `status ${resp.status()}`);
      check((await p.textContent('h1')).includes('not in use'), 'says so');
      await ctx.close();
    });
  } finally {
    if (browser) await browser.close();
    await stopGateway(srv);
  }
}

finish(main);
