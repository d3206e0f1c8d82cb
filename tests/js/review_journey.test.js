// The approver's whole journey in a real browser (Debian's chromium, headless,
// driven by playwright-core) against the real lmsgw, the real lmssim and an
// SMTP sink: a course is submitted and the "please review" mail reaches the
// sink within seconds; its link opens the review page; the course runs in
// the page from the content origin (SCORM 1.2: our sample and a multi-SCO
// corpus package navigated by its organization; SCORM 2004, cmi5 and Tin Can
// from the corpus), and the page records what the course called on the SCORM API or
// sent to the preview LRS; the sandbox keeps the course away from the
// gateway's API and from the review page; the approver decides on the page;
// the course publishes to lmssim; the launch announcement reaches the sink
// once. axe-core checks the review page and the player. Prints
// "N passed, N failed" last.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { results, check, run, waitFor, sleep } = require('./support');
const { bin, buildDir, startGateway, stopGateway, api: gwApi, launchBrowser, withPage, axeCheck, NARROW,
  noHorizontalScroll, finish } = require('./gateway');

const corpus = path.join(__dirname, '..', '..', '..', 'shared', 'corpus', 'packages');

// lmssim as the LMS, packages up to 20 MB, the SMTP sink; serve's second line names the content origin
function startAll() {
  return startGateway({ name: 'journey', smtp: true, sim: true, lines: 2, config: { max_package_bytes: 20000000 } });
}

// the API with the admin key; a body with contentType is sent as it is
const api = (srv, method, p, body, contentType) => gwApi(srv, method, p, body, { contentType });

// A request with one approver, its course with the zip as version 1, submitted.
async function submitted(srv, title, zip, announce) {
  const business_case = { problem: `${title}: a problem`, audience: 'field sales', reach: 'LMS', mandatory: true,
    kpi: 'completion', kpi_target: '90%', deadline: '2027-03-01' };
  if (announce) business_case.announce = { recipients: announce };
  const req = await api(srv, 'POST', '/api/v1/requests', {
    department_id: 'sales', title, business_case, approvers: [{ person_id: 'ann', due_in_days: 5 }],
  });
  check(req.status === 201, `request ${req.status} ${req.text}`);
  const course = await api(srv, 'POST', '/api/v1/courses', { request_id: req.json.id, author_person_id: 'author' });
  check(course.status === 201, `course ${course.text}`);
  const pkg = await api(srv, 'POST', '/api/v1/packages', fs.readFileSync(zip), 'application/zip');
  check(pkg.status === 201 && pkg.json.valid, `package ${path.basename(zip)}: ${pkg.text.slice(0, 300)}`);
  const v = await api(srv, 'POST', `/api/v1/courses/${course.json.id}/versions`, { package_id: pkg.json.id });
  check(v.status === 201, `version ${v.text}`);
  const round = await api(srv, 'POST', `/api/v1/courses/${course.json.id}/submit`);
  check(round.status === 201, `submit ${round.text}`);
  return { course: course.json.id, round: round.json.id, title };
}

function reviewLink(srv, roundId) {
  const link = execFileSync(bin, ['--config', srv.config, 'review', 'link', roundId, 'ann'],
    { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  return link.slice(link.indexOf('/r/'));
}

// what the review page recorded from the course
async function reported(page) {
  return page.$$eval('#reported li[data-kind]', (els) => els.map((e) => ({
    kind: e.dataset.kind, call: e.dataset.call, element: e.dataset.element, value: e.dataset.value,
    verb: e.dataset.verb, text: e.textContent,
  })));
}

async function waitReported(page, what, pred, ms = 20000) {
  return waitFor(what, async () => (await reported(page)).find(pred), ms);
}

function contentFrame(page, part) {
  return page.frames().find((f) => f.url().includes(part));
}

async function main() {
  const srv = await startAll();
  let browser;
  try {
    for (const [id, name] of [['ann', 'Ann Approver'], ['author', 'Ada Author'], ['head', 'Hana Head']])
      check((await api(srv, 'POST', '/api/v1/people', { id, name, email: `${id}@example.com` })).status === 201, `person ${id}`);
    check((await api(srv, 'POST', '/api/v1/departments', { id: 'sales', name: 'Sales', head_person_id: 'head' })).status === 201, 'department');

    browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
    const page = await browser.newPage();
    page.on('dialog', (d) => d.dismiss());

    const s12 = await submitted(srv, 'Working safely', path.join(buildDir, 'packages', 'scorm12-sample.zip'),
      ['all-sales@corp.example']);
    let link;

    await run('the "please review" mail reaches the SMTP sink within seconds, with the link', async () => {
      const mail = await waitFor('the review mail', () => srv.sink.messages.find((m) => m.to.includes('ann@example.com') && /\/r\//.test(m.text)), 15000);
      const m = /(http:\/\/\S+\/r\/[A-Za-z0-9_.-]+)/.exec(mail.text);
      check(m, `a link in the mail:\n${mail.text.slice(0, 600)}`);
      link = m[1];
      check(link.startsWith(srv.url + '/r/'), `the link points at the gateway: ${link}`);
    });
    if (!link) link = srv.url + reviewLink(srv, s12.round);

    await run('SCORM 1.2: the course runs in the page and finds the API; the page records its calls', async () => {
      const resp = await page.goto(link);
      check(resp.status() === 200, `status ${resp.status()}`);
      check(await page.$('iframe#course') !== null, 'the course frame is on the page');
      const src = await page.$eval('iframe#course', (f) => f.src);
      check(src.startsWith(srv.content + '/c/'), `the frame comes from the content origin: ${src}`);
      await waitReported(page, 'LMSInitialize', (r) => r.call === 'LMSInitialize');
      await waitReported(page, 'lesson_status incomplete',
        (r) => r.call === 'LMSSetValue' && r.element === 'cmi.core.lesson_status' && r.value === 'incomplete');
      const sco = contentFrame(page, '/f/index.html');
      check(sco, 'the SCO frame');
      await sco.fill('#answer', 'my supervisor');
      await sco.click('button[type="submit"]');
      await waitReported(page, 'score 100', (r) => r.element === 'cmi.core.score.raw' && r.value === '100');
      await waitReported(page, 'passed', (r) => r.element === 'cmi.core.lesson_status' && r.value === 'passed');
      const words = await page.textContent('#reported');
      check(/Status: passed/.test(words) && /Score: 100/.test(words), `in words: ${words}`);
    });

    await run('the sandbox: the course cannot call the gateway API, read the page around it, or find an API on its origin', async () => {
      const sco = contentFrame(page, '/f/index.html');
      check(sco, 'the SCO frame');
      const res = await sco.evaluate(async (gateway) => {
        const out = {};
        try {
          await fetch(gateway + '/api/v1/courses', { credentials: 'include' });
          out.crossFetch = 'allowed';
        } catch (e) { out.crossFetch = 'blocked'; }
        try {
          const r = await fetch('/api/v1/courses');
          out.ownApi = r.status;
        } catch (e) { out.ownApi = 'blocked'; }
        try { out.top = window.top.document.title; } catch (e) { out.top = 'denied'; }
        try { out.topUrl = String(window.top.location.href); } catch (e) { out.topUrl = 'denied'; }
        out.origin = location.origin;
        return out;
      }, srv.url);
      check(res.crossFetch === 'blocked', `fetch to the gateway's API: ${res.crossFetch}`);
      check(res.ownApi === 404, `the content origin serves no API: ${res.ownApi}`);
      check(res.top === 'denied' && res.topUrl === 'denied', `the review page is out of reach: ${JSON.stringify(res)}`);
      check(res.origin === srv.content, `the course runs in the content origin: ${res.origin}`);
      const direct = await fetch(srv.url + new URL(await page.$eval('iframe#course', (f) => f.src)).pathname);
      check(direct.status === 404, `the gateway's own origin serves no course file: ${direct.status}`);
    });

    await run('the review page and the player pass axe-core (WCAG 2.1 A/AA)', async () => {
      await withPage(browser, { bypassCSP: true }, async (p, ctx) => {
        check((await p.goto(link)).status() === 200, 'page');
        for (const [where, target] of [['review page', p], ['player', null]]) {
          let t = target;
          if (!t) {
            t = await ctx.newPage();
            check((await t.goto(await p.$eval('iframe#course', (f) => f.src))).status() === 200, 'player');
          }
          await axeCheck(t, where, { iframes: false, minPasses: null });
        }
      });
    });

    await run('a phone-sized screen: the page with the course needs no horizontal scrolling', async () => {
      await withPage(browser, { viewport: NARROW }, async (p) => {
        check((await p.goto(link)).status() === 200, 'page');
        await noHorizontalScroll(p, '', 'review-journey-375.png');
      });
    });

    await run('SCORM 1.2 multi-SCO (corpus): items from the organization, each launching with a fresh API', async () => {
      const c = await submitted(srv, 'Golf (runtime minimum calls)', path.join(corpus, 'moodle-RuntimeMinimumCalls_SCORM12.zip'));
      const p = await browser.newPage();
      p.on('dialog', (d) => d.dismiss());
      try {
        check((await p.goto(srv.url + reviewLink(srv, c.round))).status() === 200, 'page');
        await waitReported(p, 'the first SCO initializes', (r) => r.call === 'LMSInitialize');
        const player = contentFrame(p, '/play');
        const buttons = await player.$$eval('#toc button', (b) => b.map((x) => x.textContent));
        check(buttons.length >= 3, `the organization's items: ${buttons.join(', ')}`);
        await player.click(`#toc button >> nth=1`);
        await waitReported(p, 'the second SCO opens', (r) => r.kind === 'launch' && r.text.includes(buttons[1]));
        await waitFor('the second SCO initializes', async () =>
          (await reported(p)).filter((r) => r.call === 'LMSInitialize').length >= 2);
        check(await player.$eval('#toc button[aria-current="true"]', (b) => b.textContent) === buttons[1], 'the current item is marked');
      } finally {
        await p.close();
      }
    });

    await run('SCORM 2004 (corpus): Initialize and SetValue on API_1484_11 are recorded', async () => {
      const c = await submitted(srv, 'Golf (runtime basic calls, 2004)', path.join(corpus, 'moodle-RuntimeBasicCalls_SCORM20043rdEdition.zip'));
      const p = await browser.newPage();
      p.on('dialog', (d) => d.dismiss());
      try {
        check((await p.goto(srv.url + reviewLink(srv, c.round))).status() === 200, 'page');
        await waitReported(p, 'Initialize', (r) => r.call === 'Initialize');
        await waitReported(p, 'completion_status incomplete',
          (r) => r.call === 'SetValue' && r.element === 'cmi.completion_status' && r.value === 'incomplete');
        await waitReported(p, 'a bookmark', (r) => r.call === 'SetValue' && r.element === 'cmi.location');
      } finally {
        await p.close();
      }
    });

    await run('cmi5 (corpus): the AU launches against the preview LRS; its statements are shown and kept apart', async () => {
      const c = await submitted(srv, 'Geology (cmi5)', path.join(corpus, 'catapult-example-single_au_basic_responsive.zip'));
      const p = await browser.newPage();
      try {
        check((await p.goto(srv.url + reviewLink(srv, c.round))).status() === 200, 'page');
        const launched = await waitReported(p, 'the AU sends initialized', (r) => r.kind === 'statement' && /initialized/i.test(r.verb), 30000);
        check(/The course sent: initialized/.test(launched.text), `in words: ${launched.text}`);
        // the learner LRS never saw it
        const r = await fetch(`${srv.url}/xapi/statements?limit=50`, {
          headers: { Authorization: `Bearer ${srv.token}`, 'X-Experience-API-Version': '1.0.3' },
        });
        check(r.status === 200, `the learner LRS answers: ${r.status}`);
        const got = await r.json();
        check(got.statements.length === 0, `no preview statement among learners': ${JSON.stringify(got.statements).slice(0, 300)}`);
      } finally {
        await p.close();
      }
    });

    // a real Articulate Storyline xAPI publish (the corpus's Tin Can golf
    // example lacks its TinCanJS file and runs nowhere)
    await run('Tin Can (corpus, Storyline): the package launches with endpoint, auth and actor; its statements are shown', async () => {
      const c = await submitted(srv, 'Learning styles (Tin Can)', path.join(corpus, 'storyline-learning-styles-tincan.zip'));
      const p = await browser.newPage();
      try {
        check((await p.goto(srv.url + reviewLink(srv, c.round))).status() === 200, 'page');
        const got = await waitReported(p, 'the package sends attempted', (r) => r.kind === 'statement' && /attempted/i.test(r.verb), 30000);
        check(/The course sent: attempted/.test(got.text), `in words: ${got.text}`);
      } finally {
        await p.close();
      }
    });

    await run('the decision on the page publishes the course to lmssim and announces it once', async () => {
      check((await page.goto(link)).status() === 200, 'page');
      await page.fill('textarea[name="comment"]', 'Runs well; approved.');
      await page.click('button[value="approve"]');
      check(/recorded/i.test(await page.textContent('body')), 'the decision is confirmed');
      const pub = await waitFor('the publish', async () => {
        const r = await api(srv, 'GET', `/api/v1/courses/${s12.course}/publish`);
        return r.json && JSON.stringify(r.json).includes('"done"') ? r.json : null;
      }, 30000);
      check(pub, 'published');
      const isAnnouncement = (m) => m.to.includes('all-sales@corp.example');
      await waitFor('the announcement', () => srv.sink.messages.find(isAnnouncement), 15000);
      await sleep(2500);
      const n = srv.sink.messages.filter(isAnnouncement).length;
      check(n === 1, `one announcement, not ${n}`);
      const text = srv.sink.messages.find(isAnnouncement).text;
      check(/Working safely/.test(text), 'the announcement names the course');
    });
  } finally {
    if (browser) await browser.close();
    await stopGateway(srv, { tail: 40 });
  }
}

finish(main);
