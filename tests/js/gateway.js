// gateway.js: the plumbing the browser tests share around support.js: start
// the real lmsgw (a config file in a temporary directory, migrate, keys made
// with `lmsgw key create --json`, `serve` on a free port read from its first
// stdout line), with an SMTP sink and the real lmssim as its LMS when asked;
// stop it all; the API with a key; sign a person in through the mailed link;
// chromium (Debian's, headless, through playwright-core); axe-core's WCAG 2.1
// A/AA rules on a page; the 375 px no-horizontal-scroll check; and the end of
// every test ("N passed, N failed" last, exit status). Binaries and
// directories come from the environment CTest sets: GW_LMSGW_BIN,
// GW_LMSSIM_BIN, GW_BUILD_DIR, GW_CHROMIUM.
'use strict';

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { results, check, waitFor, smtpSink } = require('./support');

const bin = process.env.GW_LMSGW_BIN;
const simBin = process.env.GW_LMSSIM_BIN;
const buildDir = process.env.GW_BUILD_DIR;
const browserPath = process.env.GW_CHROMIUM || '/usr/bin/chromium';

// The first n lines proc writes on stdout (rejects if it exits before).
function firstLines(proc, n = 1, what = 'the process') {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    const got = [];
    rl.on('line', (l) => {
      got.push(l);
      if (got.length === n) { rl.close(); resolve(got); }
    });
    proc.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

// lmssim's targets file entry: a SCORM Cloud at simUrl, quick polls.
function simTargets(simUrl) {
  return {
    default: 'sim', poll_ms: 50, backoff_base_ms: 50, backoff_cap_ms: 200, lease_ms: 1200000,
    targets: { sim: { type: 'scormcloud', base_url: `${simUrl}/api/v2`, app_id: 'lmssim-app', secret: 'lmssim-secret',
      import_poll_interval_ms: 10, timeout_ms: 10000, upload_timeout_ms: 30000 } },
  };
}

// `lmsgw key create` for config: the key's JSON (token, key_id, secret).
function createKey(config, role, name) {
  return JSON.parse(execFileSync(bin, ['--config', config, 'key', 'create', '--role', role, '--name', name, '--json'],
    { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
}

// Starts lmsgw in a new temporary directory (named lmsgw-<name>-...).
// Options:
//   config:  extra members of the config file (they win over the defaults)
//   smtp:    true: an SMTP sink (support.smtpSink) the gateway mails to
//   sim:     true: the real lmssim ($GW_LMSSIM_BIN) as the LMS, its targets
//            file made by simTargets unless targets says otherwise
//   targets: the targets file's object, or a function of lmssim's URL
//            (null) returning it; written as targets.json and named by
//            lms_targets_file
//   keys:    [{ role, name }] made before serving; the first is the one api()
//            uses (default: one admin key named js-admin)
//   lines:   stdout lines of serve to read (2: the content origin's too)
// Resolves to { proc, dir, config, db, url, token, keys, content, sink,
// sim, simUrl }.
async function startGateway(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lmsgw-${opts.name || 'js'}-`));
  const srv = { dir, keys: [] };
  const config = { listen_address: '127.0.0.1', port: 0, data_dir: path.join(dir, 'data'), workers: 4 };
  if (opts.smtp) {
    srv.sink = await smtpSink();
    Object.assign(config, { smtp_url: `smtp://127.0.0.1:${srv.sink.port}`, smtp_from: 'lmsgw@example.org',
      smtp_starttls: 'none' });
  }
  if (opts.sim) {
    srv.sim = spawn(simBin, ['--port', '0', '--import-polls', '1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    srv.simUrl = /(http:\/\/\S+)/.exec((await firstLines(srv.sim, 1, 'lmssim'))[0])[1];
  }
  let targets = opts.targets;
  if (typeof targets === 'function') targets = targets(srv.simUrl || null);
  if (!targets && opts.sim) targets = simTargets(srv.simUrl);
  if (targets) {
    config.lms_targets_file = path.join(dir, 'targets.json');
    fs.writeFileSync(config.lms_targets_file, JSON.stringify(targets));
  }
  Object.assign(config, opts.config || {});
  srv.config = path.join(dir, 'config.json');
  srv.db = path.join(dir, 'data', 'lmsgw.db');
  fs.writeFileSync(srv.config, JSON.stringify(config));
  // only migrate and serve create the database; key create needs it
  execFileSync(bin, ['--config', srv.config, 'migrate'], { stdio: 'ignore' });
  for (const k of opts.keys || [{ role: 'admin', name: 'js-admin' }]) srv.keys.push(createKey(srv.config, k.role, k.name));
  srv.token = srv.keys[0].token;
  const log = fs.openSync(path.join(dir, 'stderr.log'), 'w');
  srv.proc = spawn(bin, ['--config', srv.config, 'serve'], { stdio: ['ignore', 'pipe', log] });
  const lines = await firstLines(srv.proc, opts.lines || 1, 'lmsgw serve');
  const m = /listening on .*:(\d+)/.exec(lines[0]);
  if (!m) throw new Error(`unexpected first line: ${lines[0]}`);
  srv.url = `http://127.0.0.1:${m[1]}`;
  if (lines[1]) srv.content = /on (http:\/\/\S+)/.exec(lines[1])[1];
  return srv;
}

// Stops what startGateway started. The directory goes when no test failed;
// otherwise it stays (named on stderr), after the last tail lines of the
// gateway's stderr.log when tail is given.
async function stopGateway(srv, { tail = 0 } = {}) {
  if (srv.sim) srv.sim.kill('SIGTERM');
  if (srv.proc.exitCode === null && srv.proc.signalCode === null) {
    const exited = new Promise((resolve) => srv.proc.once('exit', resolve));
    srv.proc.kill('SIGTERM');
    await exited;
  }
  if (srv.sink) srv.sink.server.close();
  if (results.failed === 0) {
    fs.rmSync(srv.dir, { recursive: true, force: true });
    return;
  }
  if (tail) console.error(fs.readFileSync(path.join(srv.dir, 'stderr.log'), 'utf8').split('\n').slice(-tail).join('\n'));
  console.error(`  kept ${srv.dir} (stderr.log)`);
}

// The gateway's API: body as JSON, or as it is with contentType. Options:
// token (another key's), contentType, headers (more). Resolves to
// { status, json (null when not JSON), text, headers }.
async function api(srv, method, p, body, { token, contentType, headers: more } = {}) {
  const headers = { Authorization: `Bearer ${token || srv.token}`, ...(more || {}) };
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
  return { status: r.status, json, text, headers: r.headers };
}

// Signs email in through the mailed link in page (the sink must be on);
// lands on the board.
async function signIn(srv, page, email) {
  await page.goto(srv.url + '/');
  await page.waitForSelector('body[data-view="signin"]');
  await page.fill('#email', email);
  await page.press('#email', 'Enter');
  await page.waitForSelector('#signin-sent:not([hidden])');
  const mail = await waitFor(`the sign-in mail to ${email}`,
    () => srv.sink.messages.find((m) => m.to.includes(email) && /\/signin\//.test(m.text)), 15000);
  const link = /(\/signin\/[0-9a-f]{64})/.exec(mail.text)[1];
  await page.goto(srv.url + link);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
  await page.waitForSelector('body[data-view="board"][data-loaded="true"]');
}

// Debian's chromium, headless; args are added to the usual ones.
function launchBrowser(args = []) {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: browserPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...args],
  });
}

// Runs fn(page) in a new context of browser (options: newContext's, and
// cookies to add), closed after.
async function withPage(browser, { cookies, ...options } = {}, fn) {
  const c = await browser.newContext(options);
  try {
    if (cookies) await c.addCookies(cookies);
    return await fn(await c.newPage(), c);
  } finally {
    await c.close();
  }
}

// axe-core's WCAG 2.1 A/AA rules on page, as it is: its context must bypass
// the page's CSP (the CSP rightly refuses injected scripts; test_webapp
// checks it). No violations, and more than minPasses rules passed (unless
// minPasses is null). what (may be empty) starts the messages; iframes: false
// leaves frames out.
async function axeCheck(page, what, { minPasses = 10, iframes } = {}) {
  const pre = what ? `${what}: ` : '';
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate((opts) => window.axe.run(document, {
    ...opts, runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }), iframes === undefined ? {} : { iframes });
  const v = result.violations.map((x) => `${x.id} (${x.impact}): ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  check(v.length === 0, `${pre}violations:\n    ${v.join('\n    ')}`);
  if (minPasses !== null) check(result.passes.length > minPasses, `${pre}axe ran (${result.passes.length} rules passed)`);
}

// A 375 px wide viewport, for withPage.
const NARROW = { width: 375, height: 800 };

// page (375 px wide) needs no horizontal scrolling; its full-page screenshot
// goes to shot in the build directory.
async function noHorizontalScroll(page, what, shot) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= 375, `${what ? `${what}: ` : ''}scrollWidth ${w}`);
  if (shot) await page.screenshot({ path: path.join(buildDir, shot), fullPage: true });
}

// Runs main, counts a throw as a failed "setup", prints "N passed, N failed"
// last and exits 0 only when something passed and nothing failed.
function finish(main) {
  main().catch((e) => {
    results.failed++;
    console.error(`not ok setup: ${e.message}`);
  }).finally(() => {
    console.log(`${results.passed} passed, ${results.failed} failed`);
    process.exit(results.failed === 0 && results.passed > 0 ? 0 : 1);
  });
}

module.exports = { bin, buildDir, browserPath, firstLines, simTargets, createKey, startGateway, stopGateway, api,
  signIn, launchBrowser, withPage, axeCheck, NARROW, noHorizontalScroll, finish };
