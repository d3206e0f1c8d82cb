// Drives the real lmsgw with the real npm xAPI client library @xapi/xapi:
// send one statement and a batch, read them back by id, void one (gone from
// getStatement, present via getVoidedStatement), query with filters and
// follow `more` with getMoreStatements. Starts `lmsgw serve` on a free port
// with SQLite in a temporary directory ($GW_LMSGW_BIN is the binary).
// Prints "N passed, N failed" last, like the C tests.
'use strict';

const { spawn, execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const XAPI = require('@xapi/xapi').default;

const ATTEMPTED = { id: 'http://adlnet.gov/expapi/verbs/attempted', display: { 'en-US': 'attempted' } };

const bin = process.env.GW_LMSGW_BIN;
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
    const detail = e.response ? `${e.response.status} ${JSON.stringify(e.response.data)}` : e.message;
    console.error(`not ok ${name}: ${detail}`);
  }
}

// Starts the server; resolves to {proc, dir, url, keyId, secret}.
async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmsgw-js-'));
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({
    listen_address: '127.0.0.1', port: 0, data_dir: path.join(dir, 'data'), workers: 4,
  }));
  // only migrate and serve create the database; key create needs it
  execFileSync(bin, ['--config', config, 'migrate'], { stdio: 'ignore' });
  const out = execFileSync(bin, ['--config', config, 'key', 'create', '--role', 'lms', '--name',
    'js-client', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const key = JSON.parse(out.toString());
  const log = fs.openSync(path.join(dir, 'stderr.log'), 'w');
  const proc = spawn(bin, ['--config', config, 'serve'], { stdio: ['ignore', 'pipe', log] });
  const line = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    rl.once('line', (l) => { rl.close(); resolve(l); });
    proc.once('exit', (code) => reject(new Error(`lmsgw serve exited with ${code}`)));
  });
  const m = /listening on .*:(\d+)/.exec(line);
  if (!m) throw new Error(`unexpected first line: ${line}`);
  return { proc, dir, url: `http://127.0.0.1:${m[1]}`, keyId: key.key_id, secret: key.secret };
}

function stopServer(s) {
  return new Promise((resolve) => {
    s.proc.once('exit', (code, sig) => resolve(code === null ? 128 : code + (sig ? 128 : 0)));
    s.proc.kill('SIGTERM');
  });
}

function statement(tag, who, verb, activity, extra) {
  return {
    actor: { objectType: 'Agent', name: who, mbox: `mailto:${who}-${tag}@example.org` },
    verb,
    object: {
      objectType: 'Activity',
      id: `https://courses.example.org/${tag}/${activity}`,
      definition: { name: { 'en-US': activity } },
    },
    ...extra,
  };
}

async function main() {
  if (!bin) {
    console.error('GW_LMSGW_BIN is not set');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const srv = await startServer();
  const tag = crypto.randomUUID().slice(0, 8);
  const xapi = new XAPI({
    endpoint: `${srv.url}/xapi`, // the library appends the '/'
    auth: XAPI.toBasicAuth(srv.keyId, srv.secret),
    version: '1.0.3',
  });
  const ids = {};
  const registration = crypto.randomUUID();

  await run('about', async () => {
    const r = await xapi.getAbout();
    check(r.data.version.includes('1.0.3'), 'about lists 1.0.3');
    check(r.data.version.includes('2.0.0'), 'about lists 2.0.0');
  });

  await run('sendStatement', async () => {
    const st = statement(tag, 'ada', XAPI.Verbs.COMPLETED, 'safety-101', {
      result: { completion: true, success: true, score: { scaled: 0.92 } },
      context: { registration },
    });
    const r = await xapi.sendStatement({ statement: st });
    check(r.status === 200, 'status 200');
    check(Array.isArray(r.data) && r.data.length === 1, 'one id');
    ids.single = r.data[0];
    check(r.headers['x-experience-api-version'] === '1.0.3', 'version header');
    check(!!r.headers['x-experience-api-consistent-through'], 'consistent-through header');
  });

  await run('sendStatements batch', async () => {
    const given = crypto.randomUUID();
    const batch = [
      statement(tag, 'bob', ATTEMPTED, 'safety-101', { context: { registration } }),
      { id: given, ...statement(tag, 'bob', XAPI.Verbs.PASSED, 'safety-101', { context: { registration } }) },
      statement(tag, 'cy', ATTEMPTED, 'fire-201'),
      statement(tag, 'cy', XAPI.Verbs.FAILED, 'fire-201', { result: { success: false } }),
      statement(tag, 'dee', ATTEMPTED, 'safety-101', { context: { registration } }),
    ];
    const r = await xapi.sendStatements({ statements: batch });
    check(r.status === 200, 'status 200');
    check(r.data.length === 5, 'five ids');
    check(r.data[1] === given, 'ids in order, the given id kept');
    check(new Set(r.data).size === 5, 'distinct ids');
    ids.batch = r.data;
  });

  await run('getStatement', async () => {
    const r = await xapi.getStatement({ statementId: ids.single });
    check(r.status === 200, 'status 200');
    check(r.data.id === ids.single, 'same id');
    check(r.data.verb.id === XAPI.Verbs.COMPLETED.id, 'verb kept');
    check(r.data.result.score.scaled === 0.92, 'score kept');
    check(typeof r.data.stored === 'string' && r.data.stored.endsWith('Z'), 'stored in UTC');
    check(r.data.authority && r.data.authority.account.name === srv.keyId, 'authority is the key');
    check(!!r.headers['last-modified'], 'Last-Modified');
    const b = await xapi.getStatement({ statementId: ids.batch[3], format: 'ids' });
    check(b.data.id === ids.batch[3] && b.data.object.definition === undefined, 'format=ids');
  });

  await run('voidStatement', async () => {
    const target = ids.batch[0];
    const r = await xapi.voidStatement({
      actor: { objectType: 'Agent', name: 'admin', mbox: `mailto:admin-${tag}@example.org` },
      statementId: target,
    });
    check(r.status === 200 && r.data.length === 1, 'voiding stored');
    ids.voiding = r.data[0];
    let status = 0;
    try {
      await xapi.getStatement({ statementId: target });
    } catch (e) {
      status = e.response ? e.response.status : -1;
    }
    check(status === 404, `voided statement by statementId is 404 (got ${status})`);
    const v = await xapi.getVoidedStatement({ voidedStatementId: target });
    check(v.status === 200 && v.data.id === target, 'found via voidedStatementId');
    const list = await xapi.getStatements({ registration });
    const got = list.data.statements.map((s) => s.id);
    check(!got.includes(target), 'voided statement left out of lists');
  });

  await run('getStatements filters', async () => {
    const safety = `https://courses.example.org/${tag}/safety-101`;
    const byActivity = await xapi.getStatements({ activity: safety });
    const got = byActivity.data.statements.map((s) => s.id);
    // ada (single), bob passed, dee; bob attempted is voided, and the voiding
    // statement matches because it targets a matching statement (Comm 2.1.3)
    check(got.length === 4, `four on safety-101 (got ${got.length})`);
    check(got.includes(ids.single) && got.includes(ids.batch[1]) && got.includes(ids.batch[4]) &&
      got.includes(ids.voiding), 'the right four');
    check(!got.includes(ids.batch[0]), 'not the voided one');
    const byVerb = await xapi.getStatements({ activity: safety, verb: XAPI.Verbs.PASSED.id });
    check(byVerb.data.statements.length === 1 && byVerb.data.statements[0].id === ids.batch[1],
      'verb filter');
    const byAgent = await xapi.getStatements({
      agent: { mbox: `mailto:cy-${tag}@example.org` }, ascending: true,
    });
    const cy = byAgent.data.statements.map((s) => s.id);
    check(cy.length === 2 && cy[0] === ids.batch[2] && cy[1] === ids.batch[3],
      'agent filter, ascending');
    const sha = crypto.createHash('sha1').update(`mailto:cy-${tag}@example.org`).digest('hex');
    const bySha = await xapi.getStatements({ agent: { mbox_sha1sum: sha } });
    check(bySha.data.statements.length === 2, 'mbox_sha1sum finds the mbox statements');
    const related = await xapi.getStatements({
      agent: { mbox: `mailto:admin-${tag}@example.org` }, verb: XAPI.Verbs.VOIDED.id,
    });
    check(related.data.statements.length === 1 && related.data.statements[0].id === ids.voiding,
      'the voiding statement is listed');
  });

  await run('getMoreStatements', async () => {
    const many = [];
    for (let i = 0; i < 11; i++) {
      many.push(statement(tag, `p${i}`, XAPI.Verbs.PROGRESSED, 'paging', {
        result: { extensions: { 'https://example.org/ext/step': i } },
      }));
    }
    const sent = (await xapi.sendStatements({ statements: many })).data;
    const activity = `https://courses.example.org/${tag}/paging`;
    let page = await xapi.getStatements({ activity, limit: 4 });
    const seen = [];
    let pages = 0;
    for (;;) {
      pages++;
      for (const s of page.data.statements) seen.push(s.id);
      const more = page.data.more;
      if (!more) break;
      check(more.startsWith('/xapi/statements?more='), `more is a path (${more})`);
      check(pages < 10, 'paging ends');
      page = await xapi.getMoreStatements({ more });
    }
    check(pages === 3, `three pages (got ${pages})`);
    check(seen.length === 11 && new Set(seen).size === 11, 'no overlap');
    check(sent.every((id) => seen.includes(id)), 'no gap');
  });

  await run('errors reach the client', async () => {
    let status = 0;
    let body = null;
    try {
      await xapi.sendStatement({ statement: { actor: { name: 'no ifi' }, verb: ATTEMPTED,
        object: { id: 'https://courses.example.org/x' } } });
    } catch (e) {
      status = e.response ? e.response.status : -1;
      body = e.response ? e.response.data : null;
    }
    check(status === 400, `invalid statement is 400 (got ${status})`);
    check(body && typeof body.where === 'string' && body.where.startsWith('/actor'),
      `where names the actor (${JSON.stringify(body)})`);
  });

  const rc = await stopServer(srv);
  await run('server stops cleanly', async () => check(rc === 0, `exit status ${rc}`));
  fs.rmSync(srv.dir, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
