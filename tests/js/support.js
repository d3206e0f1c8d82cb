// support.js: what the browser tests share: the assertion harness ("ok" /
// "not ok" lines, then "N passed, N failed"), waiting for a condition, an SMTP
// sink that keeps every message (envelope and decoded text), and a port
// nobody listens on. Starting lmsgw, the API, sign-in, chromium, axe-core and
// the 375 px check are in gateway.js beside it.
'use strict';

const net = require('net');

// Counted by run(); each test prints them last.
const results = { passed: 0, failed: 0 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function check(cond, what) {
  if (!cond) {
    console.error(`  FAIL ${what}`);
    throw new Error(what);
  }
}

async function run(name, fn) {
  try {
    await fn();
    results.passed++;
    console.error(`ok ${name}`);
  } catch (e) {
    results.failed++;
    console.error(`not ok ${name}: ${e.message}`);
  }
}

async function waitFor(what, fn, ms = 20000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function smtpSink() {
  const messages = [];
  const server = net.createServer((sock) => {
    let buf = '';
    let data = null;
    let env = { from: '', to: [] };
    sock.write('220 sink ESMTP\r\n');
    sock.on('error', () => {});
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data !== null) {
          if (line === '.') {
            messages.push({ ...env, raw: data, text: decode(data) });
            data = null;
            env = { from: '', to: [] };
            sock.write('250 queued\r\n');
          } else {
            data += (line.startsWith('..') ? line.slice(1) : line) + '\n';
          }
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO') sock.write('250-sink\r\n250 8BITMIME\r\n');
        else if (cmd === 'MAIL') { env.from = line; sock.write('250 ok\r\n'); }
        else if (cmd === 'RCPT') { env.to.push(line.replace(/^RCPT TO:\s*<?|>.*$/gi, '')); sock.write('250 ok\r\n'); }
        else if (cmd === 'DATA') { data = ''; sock.write('354 go on\r\n'); }
        else if (cmd === 'QUIT') { sock.write('221 bye\r\n'); sock.end(); }
        else sock.write('250 ok\r\n');
      }
    });
  });
  function decode(raw) {
    const split = raw.indexOf('\n\n');
    const head = raw.slice(0, split);
    const body = raw.slice(split + 2);
    return /Content-Transfer-Encoding:\s*base64/i.test(head)
      ? head + '\n\n' + Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : raw;
  }
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, messages, port: server.address().port })));
}

function closedPort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

module.exports = { results, check, run, sleep, waitFor, smtpSink, closedPort };
