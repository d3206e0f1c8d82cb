// The one-click approval page in a real browser (Debian's chromium, headless,
// driven by playwright-core): a whole round is set up through the API of the
// real lmsgw, a link is issued with `lmsgw review link`, the page shows the
// course, its validation findings and the buttons; opening it decides
// nothing; typing a comment and clicking Approve records the decision once;
// opening the used link again says so. Prints "N passed, N failed" last.
'use strict';

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { chromium } = require('playwright-core');

const bin = process.env.GW_LMSGW_BIN;
const buildDir = process.env.GW_BUILD_DIR;
const browserPath = process.env.GW_CHROMIUM || '/usr/bin/chromium';
let passed = 0;
let failed = 0;

function check(cond, what) {
  if (!cond) {
    console.error(`  FAIL ${what}`);
    throw new Error(what);
  }
}

async function run(name, fn) {
  try {
    await fn();
    passed++;
    console.error(`ok ${name}`);
  } catch (e) {
    failed++;
    console.error(`not ok ${name}: ${e.message}`);
  }
}

async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmsgw-link-'));
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({
    listen_address: '127.0.0.1', port: 0, data_dir: path.join(dir, 'data'), workers: 4,
  }));
  const key = JSON.parse(execFileSync(bin, ['--config', config, 'key', 'create', '--role', 'admin',
    '--name', 'js-admin', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
  const log = fs.openSync(path.join(dir, 'stderr.log'), 'w');
  const proc = spawn(bin, ['--config', config, 'serve'], { stdio: ['ignore', 'pipe', log] });
  const line = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    rl.once('line', (l) => { rl.close(); resolve(l); });
    proc.once('exit', (code) => reject(new Error(`lmsgw serve exited with ${code}`)));
  });
  const port = /listening on .*:(\d+)/.exec(line)[1];
  return { proc, dir, config, url: `http://127.0.0.1:${port}`, token: key.token };
}

async function api(srv, method, p, body, token, contentType) {
  const headers = { Authorization: `Bearer ${token || srv.token}` };
  let data = body;
  if (body !== undefined && !contentType) {
    headers['Content-Type'] = 'application/json';
    data = JSON.stringify(body);
  } else if (contentType) {
    headers['Content-Type'] = contentType;
  }
  const r = await fetch(srv.url + p, { method, headers, body: data });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
  return { status: r.status, json };
}

async function main() {
  const srv = await startServer();
  let browser;
  try {
    // a department, its approver and author, a request, a course with a real package
    const people = [['head', 'Hana Head'], ['ann', 'Ann Approver'], ['author', 'Ada Author']];
    for (const [id, name] of people)
      check((await api(srv, 'POST', '/api/v1/people', { id, name, email: `${id}@example.com` })).status === 201, `person ${id}`);
    check((await api(srv, 'POST', '/api/v1/departments', { id: 'sales', name: 'Sales', head_person_id: 'head' })).status === 201, 'department');
    const req = await api(srv, 'POST', '/api/v1/requests', {
      department_id: 'sales', title: 'Objection handling',
      business_case: { problem: 'deals lost at the objection stage', audience: 'field sales', reach: 'LMS link in the CRM',
        mandatory: false, communication_plan: 'kickoff mail', kpi: 'win rate', kpi_target: '+5%', deadline: '2027-03-01',
        effort_low_hours: 40, effort_high_hours: 90, project_code: 'SAL-7' },
      approvers: [{ person_id: 'ann', due_in_days: 5 }],
    });
    check(req.status === 201, `request ${req.status} ${JSON.stringify(req.json)}`);
    const course = await api(srv, 'POST', '/api/v1/courses', { request_id: req.json.id, author_person_id: 'author' });
    check(course.status === 201, 'course');
    const zip = fs.readFileSync(path.join(buildDir, 'packages', 'scorm12-sample.zip'));
    const pkg = await api(srv, 'POST', '/api/v1/packages', zip, undefined, 'application/zip');
    check(pkg.status === 201 && pkg.json.valid, 'package');
    check((await api(srv, 'POST', `/api/v1/courses/${course.json.id}/versions`, { package_id: pkg.json.id })).status === 201, 'version');
    const round = await api(srv, 'POST', `/api/v1/courses/${course.json.id}/submit`);
    check(round.status === 201, 'submit');
    const link = execFileSync(bin, ['--config', srv.config, 'review', 'link', round.json.id, 'ann'],
      { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const linkPath = link.slice(link.indexOf('/r/'));
    check(linkPath.startsWith('/r/'), `link ${link}`);

    browser = await chromium.launch({
      executablePath: browserPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();

    await run('the page shows the course, its findings and the buttons', async () => {
      const resp = await page.goto(srv.url + linkPath);
      check(resp.status() === 200, `status ${resp.status()}`);
      const text = await page.textContent('body');
      check(text.includes('Objection handling'), 'course title');
      check(text.includes('Ann Approver (ann)'), 'the approver by name');
      check(text.includes('Validation'), 'validation findings section');
      check(await page.isVisible('button[value="approve"]'), 'Approve button');
      check(await page.isVisible('button[value="request_changes"]'), 'Request changes button');
      await page.screenshot({ path: path.join(buildDir, 'link-page.png'), fullPage: true });
    });

    await run('opening the link decides nothing', async () => {
      await page.reload();
      const r = await api(srv, 'GET', `/api/v1/rounds/${round.json.id}`);
      check(r.status === 200 && r.json.approvals === 0, `approvals ${JSON.stringify(r.json && r.json.approvals)}`);
    });

    await run('request changes without a comment is refused, the link stays usable', async () => {
      await page.click('button[value="request_changes"]');
      const text = await page.textContent('body');
      check(/comment/i.test(text), 'asks for a comment');
      const r = await api(srv, 'GET', `/api/v1/rounds/${round.json.id}`);
      check(r.json.approvals === 0, 'no decision recorded');
    });

    await run('a comment and Approve records the decision and approves the course', async () => {
      await page.goto(srv.url + linkPath);
      await page.fill('textarea[name="comment"]', 'Looks good to me.');
      await page.click('button[value="approve"]');
      const text = await page.textContent('body');
      check(/recorded|thank/i.test(text), `confirmation: ${text.slice(0, 200)}`);
      const r = await api(srv, 'GET', `/api/v1/rounds/${round.json.id}`);
      check(r.json.approvals === 1, 'one approval');
      const c = await api(srv, 'GET', `/api/v1/courses/${course.json.id}`);
      check(c.json.state === 'approved' || c.json.state === 'publishing', `course state ${c.json.state}`);
    });

    await run('the used link says so and decides nothing more', async () => {
      const resp = await page.goto(srv.url + linkPath);
      check(resp.status() === 410, `status ${resp.status()}`);
      const r = await api(srv, 'GET', `/api/v1/rounds/${round.json.id}`);
      check(r.json.approvals === 1, 'still one approval');
    });
  } finally {
    if (browser) await browser.close();
    srv.proc.kill('SIGTERM');
    await new Promise((resolve) => srv.proc.once('exit', resolve));
    fs.rmSync(srv.dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  failed++;
  console.error(`not ok setup: ${e.message}`);
}).finally(() => {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
});
