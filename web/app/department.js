// department.js: the department page (issue 16), at /#department/{id}, and
// the list of departments at /#departments. What a requesting department's
// courses achieved, for the dates chosen: a short table of the key figures
// (completion, pass, score, ratings, feedback response, approval time,
// stalled reviews, deployment), charts of the same (Chart.js from npm, served
// with the app at /app/chart.umd.js; each chart has a sentence and
// a table as its text), the department's courses with their figures (choosing
// one shows its figures, and links to its course page /#course/{id}), and the
// chargeback of a month with its CSV as a plain download link (the session
// cookie goes with it; the gateway names the file).
//
// Data: GET /api/v1/kpis (group_by department, course and month, filtered by
// the department and the window) and GET /api/v1/departments/{id}/chargeback.
// Who sees what is the gateway's rule (bi and admin every department, a head
// their own): the list is what GET /api/v1/kpis answers, and a page the
// gateway refuses says so.
//
// The window lives in the fragment's query, so a link shares it and a reload
// keeps it: #department/sales?window=last30 (a preset, relative to today),
// or ?from=2026-10-01&to=2026-10-31 (custom: first and last day shown, UTC
// days as the KPIs count them); &course= the course shown, &month= the
// chargeback month.

import { authed } from './api.js';
import { dateWords, days } from './words.js';

const $ = (id) => document.getElementById(id);
const DAY = 86400000;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// ---- the URL ----

export function isDepartmentsHash(hash) {
  return hash === '#departments';
}

export function isDepartmentHash(hash) {
  return /^#department\/[^?/]+/.test(hash);
}

function parseHash(hash) {
  const m = /^#department\/([^?]+)(?:\?(.*))?$/.exec(hash);
  const q = new URLSearchParams(m && m[2] ? m[2] : '');
  return { id: m ? decodeURIComponent(m[1]) : '', q };
}

function hashOf(id, q) {
  const s = q.toString();
  return `#department/${encodeURIComponent(id)}${s ? `?${s}` : ''}`;
}

// ---- days and windows (UTC days, as the KPIs count them) ----

const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (s) => Date.parse(`${s}T00:00:00Z`);
const validDay = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '') && !Number.isNaN(dayMs(s));

export const PRESETS = [
  { id: 'last30', label: 'Last 30 days' },
  { id: 'quarter', label: 'This quarter' },
  { id: 'year', label: 'This year' },
  { id: 'lastyear', label: 'Last year' },
  { id: 'all', label: 'All time' },
  { id: 'custom', label: 'Dates of my choice' },
];

// The window a preset means today: first and last day shown (null: open).
export function presetWindow(id, now = Date.now()) {
  const today = now - (now % DAY);
  const d = new Date(today);
  const y = d.getUTCFullYear();
  switch (id) {
    case 'last30': return { from: iso(today - 29 * DAY), last: iso(today) };
    case 'quarter': return { from: iso(Date.UTC(y, d.getUTCMonth() - (d.getUTCMonth() % 3), 1)), last: iso(today) };
    case 'lastyear': return { from: `${y - 1}-01-01`, last: `${y - 1}-12-31` };
    case 'all': return { from: null, last: null };
    default: return { from: `${y}-01-01`, last: iso(today) };
  }
}

function windowOf(q) {
  if (validDay(q.get('from')) || validDay(q.get('to'))) {
    const from = validDay(q.get('from')) ? q.get('from') : null;
    const last = validDay(q.get('to')) ? q.get('to') : null;
    return { preset: 'custom', from, last };
  }
  const preset = PRESETS.some((p) => p.id === q.get('window') && p.id !== 'custom') ? q.get('window') : 'year';
  return { preset, ...presetWindow(preset) };
}

// "Monday 1 December to Sunday 7 December", "since the start"
function windowWords(w) {
  if (!w.from && !w.last) return 'since the first statement';
  if (!w.from) return `up to ${dateWords(w.last)}`;
  if (!w.last) return `from ${dateWords(w.from)}`;
  return w.from === w.last ? `on ${dateWords(w.from)}` : `from ${dateWords(w.from)} to ${dateWords(w.last)}`;
}

// The API's query for a window: from inclusive, to exclusive.
function windowQuery(w) {
  const q = new URLSearchParams();
  if (w.from) q.set('from', w.from);
  if (w.last) q.set('to', iso(dayMs(w.last) + DAY));
  return q;
}

// The months of the window, newest first (at most 24; all time: the last 12).
function monthsOf(w, now = Date.now()) {
  const endMs = w.last ? dayMs(w.last) : now;
  const end = new Date(endMs);
  let y = end.getUTCFullYear();
  let m = end.getUTCMonth();
  const start = w.from ? new Date(dayMs(w.from)) : null;
  const out = [];
  while (out.length < (start ? 24 : 12)) {
    out.push({ value: `${y}-${String(m + 1).padStart(2, '0')}`, label: `${MONTHS[m]} ${y}` });
    if (start && y === start.getUTCFullYear() && m === start.getUTCMonth()) break;
    m -= 1;
    if (m < 0) { m = 11; y -= 1; }
  }
  return out;
}

function monthWords(value) {
  const [y, m] = value.split('-').map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}

// ---- numbers as people read them ----

const pct = (x) => `${Math.round(x * 100)}%`;
const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;

function daysWords(x) {
  if (x === null || x === undefined) return null;
  const r = Math.round(x * 10) / 10;
  return Number.isInteger(r) ? days(r) : `${r} days`;
}

function money(x, currency) {
  if (x === null || x === undefined) return 'Not charged';
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency: currency || 'EUR' }).format(x);
  } catch (e) {
    return `${x.toFixed(2)} ${currency || ''}`.trim();
  }
}

function hoursWords(x) {
  const r = Math.round((x || 0) * 10) / 10;
  return r === 1 ? '1 hour' : `${r} hours`;
}

const NONE = 'No figures yet';

// The short table's rows for a record: [measure, figure in words].
export function figureRows(r, withPipeline) {
  const rows = [
    ['Completed', r.completion_rate === null ? NONE
      : `${pct(r.completion_rate)} (${r.learners_completed} of ${count(r.learners_started, 'learner', 'learners')})`],
    ['Passed', r.pass_rate === null ? NONE
      : `${pct(r.pass_rate)} (${r.learners_passed} of ${r.learners_passed + r.learners_failed} graded)`],
    ['Average score', r.avg_score === null ? NONE : pct(r.avg_score)],
    ['Average rating', r.avg_rating === null ? NONE
      : `${Math.round(r.avg_rating * 10) / 10} out of 5 (${count(r.feedback_count, 'rating', 'ratings')})`],
    ['Gave feedback', r.feedback_response_rate === null ? NONE
      : `${pct(r.feedback_response_rate)} (${r.feedback_count} of ${count(r.learners_started, 'learner', 'learners')})`],
  ];
  if (withPipeline) {
    rows.push(
      ['Approval takes', r.median_approval_days === null || r.median_approval_days === undefined ? NONE
        : `${daysWords(r.median_approval_days)} (median)`],
      ['Stalled reviews now', r.stalled_reviews ? String(r.stalled_reviews) : 'None'],
      ['Courses live', r.deployment_rate === null || r.deployment_rate === undefined ? NONE
        : `${pct(r.deployment_rate)} (${r.courses_published} of ${count(r.courses_built, 'course', 'courses')} built)`],
    );
  }
  return rows;
}

function figuresTable(id, caption, rows) {
  return h('table', { id, class: 'figures' },
    h('caption', null, caption),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Measure'), h('th', { scope: 'col' }, 'Figure'))),
    h('tbody', null, rows.map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, v)))));
}

// ---- charts (Chart.js when it loaded; the tables and sentences always) ----

let chartLib = null;
const charts = [];

function loadChart() {
  if (chartLib) return chartLib;
  chartLib = new Promise((resolve) => {
    if (window.Chart) { resolve(window.Chart); return; }
    const s = document.createElement('script');
    s.src = '/app/chart.umd.js';
    s.onload = () => resolve(window.Chart || null);
    s.onerror = () => resolve(null);
    document.head.append(s);
  });
  return chartLib;
}

function dropCharts() {
  while (charts.length) charts.pop().destroy();
}

// A figure: the canvas (an image whose name is the summary sentence), the
// caption, and the figures as a table under a disclosure.
function chartFigure(id, title, sentence, table) {
  return h('figure', { class: 'chart-figure' },
    h('figcaption', null, h('strong', null, title), ' ', h('span', { id: `${id}-summary` }, sentence)),
    h('div', { class: 'chart-box' }, h('canvas', { id, role: 'img', 'aria-label': `${title}. ${sentence}` })),
    table ? h('details', null, h('summary', null, 'The figures as a table'), table) : null);
}

async function drawCharts(courses, months, dept) {
  const Chart = await loadChart();
  dropCharts();
  if (!Chart) return;
  const colors = { a: '#1a4fb4', b: '#0f766e', c: '#7c3aed' };
  const base = { responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { position: 'bottom' } } };
  const c1 = $('dept-chart-courses');
  if (c1 && courses.length) {
    charts.push(new Chart(c1, { type: 'bar', data: {
      labels: courses.map((c) => c.course_title),
      datasets: [
        { label: 'Completed (%)', data: courses.map((c) => (c.completion_rate === null ? null : Math.round(c.completion_rate * 100))), backgroundColor: colors.a },
        { label: 'Passed (%)', data: courses.map((c) => (c.pass_rate === null ? null : Math.round(c.pass_rate * 100))), backgroundColor: colors.b },
        { label: 'Average score (%)', data: courses.map((c) => (c.avg_score === null ? null : Math.round(c.avg_score * 100))), backgroundColor: colors.c },
      ] }, options: { ...base, indexAxis: 'y', scales: { x: { min: 0, max: 100 } } } }));
  }
  const c2 = $('dept-chart-ratings');
  if (c2) {
    charts.push(new Chart(c2, { type: 'bar', data: {
      labels: ['1 star', '2 stars', '3 stars', '4 stars', '5 stars'],
      datasets: [{ label: 'Learners', data: [1, 2, 3, 4, 5].map((i) => dept[`rating_${i}`] || 0), backgroundColor: colors.a }],
    }, options: { ...base, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } }));
  }
  const c3 = $('dept-chart-months');
  if (c3 && months.length) {
    charts.push(new Chart(c3, { type: 'bar', data: {
      labels: months.map((m) => monthWords(m.month)),
      datasets: [
        { label: 'Started', data: months.map((m) => m.learners_started), backgroundColor: colors.a },
        { label: 'Completed', data: months.map((m) => m.learners_completed), backgroundColor: colors.b },
      ] }, options: { ...base, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } }));
  }
}

function ratingSentence(r) {
  const n = [1, 2, 3, 4, 5].reduce((s, i) => s + (r[`rating_${i}`] || 0), 0);
  if (!n) return 'Nobody has rated these courses in these dates.';
  const parts = [5, 4, 3, 2, 1].filter((i) => r[`rating_${i}`])
    .map((i) => `${r[`rating_${i}`]} gave ${count(i, 'star', 'stars')}`);
  return `${count(n, 'learner rated', 'learners rated')} the courses: ${parts.join(', ')}.`;
}

function coursesSentence(courses) {
  const rated = courses.filter((c) => c.completion_rate !== null);
  if (!rated.length) return 'No learner has started these courses in these dates.';
  const best = rated.reduce((a, b) => (b.completion_rate > a.completion_rate ? b : a));
  return `${count(rated.length, 'course has', 'courses have')} learners; the highest completion is ` +
    `${pct(best.completion_rate)}, in \u201c${best.course_title}\u201d.`;
}

function monthsSentence(months) {
  if (!months.length) return 'No learner activity in these dates.';
  const started = months.reduce((s, m) => s + m.learners_started, 0);
  const done = months.reduce((s, m) => s + m.learners_completed, 0);
  return `Over ${count(months.length, 'month', 'months')}, ${started} learner starts and ${done} completions (counted per month).`;
}

function simpleTable(caption, head, body) {
  return h('table', { class: 'figures' }, h('caption', null, caption),
    h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, body.map(([k, ...v]) => h('tr', null, h('th', { scope: 'row' }, k), v.map((x) => h('td', null, String(x)))))));
}

function ratingTable(r) {
  return simpleTable('Latest rating of each learner', ['Rating', 'Learners'],
    [5, 4, 3, 2, 1].map((i) => [count(i, 'star', 'stars'), r[`rating_${i}`] || 0]));
}

function monthsTable(months) {
  return simpleTable('Learners who started and completed, per month', ['Month', 'Started', 'Completed'],
    months.map((m) => [monthWords(m.month), m.learners_started, m.learners_completed]));
}

// ---- state ----

const state = { id: '', name: '', session: null, seq: 0 };

function say(status, error) {
  $('dept-status').textContent = status || '';
  $('dept-error').textContent = error || '';
}

function setQuery(mutate) {
  const { id, q } = parseHash(location.hash);
  mutate(q);
  history.replaceState(null, '', location.pathname + location.search + hashOf(id, q));
}

// ---- the list of departments ----

// The departments the signed-in person may see, by name: the records GET
// /api/v1/kpis answers them (all for bi and admin, the ones they head for a
// head, none for anyone else).
export async function visibleDepartments() {
  try {
    const { json } = await authed('GET', '/api/v1/kpis?group_by=department');
    return (json.records || []).map((r) => ({ ...r, id: r.department_id, name: r.department_name || 'A department without a name' }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch (e) {
    return [];
  }
}

export async function showDepartments() {
  $('departments').hidden = false;
  const list = $('departments-list');
  list.replaceChildren();
  $('departments-error').textContent = '';
  const deps = await visibleDepartments();
  if (!deps.length) {
    $('departments-error').textContent = 'You have no department to see: department pages are for the department\'s head, and for the bi and admin roles.';
  }
  list.replaceChildren(...deps.map((d) => h('li', { class: 'dept-item' },
    h('h2', null, h('a', { href: `#department/${encodeURIComponent(d.id)}` }, d.name)),
    h('p', { class: 'muted' }, d.completion_rate === null
      ? 'No learner has started its courses yet.'
      : `${pct(d.completion_rate)} of ${count(d.learners_started, 'learner', 'learners')} completed, since the first statement.`))));
  document.body.dataset.loaded = 'true';
}

export function hideDepartments() {
  $('departments').hidden = true;
  $('departments-list').replaceChildren();
}

// ---- the page ----

function fillWindowForm(w) {
  const sel = $('dept-window');
  if (!sel.options.length) for (const p of PRESETS) sel.add(new Option(p.label, p.id));
  sel.value = w.preset;
  $('dept-custom').hidden = w.preset !== 'custom';
  $('dept-from').value = w.from || '';
  $('dept-to').value = w.last || '';
}

async function load() {
  const seq = ++state.seq;
  const { id, q } = parseHash(location.hash);
  const w = windowOf(q);
  fillWindowForm(w);
  const wq = windowQuery(w);
  wq.set('department', id);
  const get = (group) => authed('GET', `/api/v1/kpis?group_by=${group}&${wq.toString()}`);
  let dep;
  let courses;
  let months;
  try {
    const [a, b, c] = await Promise.all([get('department'), get('course'), get('month')]);
    dep = (a.json.records || [])[0];
    courses = (b.json.records || []).slice().sort((x, y) => x.course_title.localeCompare(y.course_title));
    months = c.json.records || [];
  } catch (e) {
    if (seq !== state.seq) return null;
    $('dept-body').hidden = true;
    if (e.status === 403) {
      $('dept-title').textContent = 'Department';
      say('', 'This department\'s figures are for its head, and for the bi and admin roles. Ask the training team if you need them.');
    } else if (e.status !== 401) {
      say('', `The figures could not be loaded: ${e.message}`);
    }
    return $('dept-title');
  }
  if (seq !== state.seq) return null;
  if (!dep) {
    $('dept-body').hidden = true;
    say('', 'There is no such department.');
    return $('dept-title');
  }
  state.id = id;
  state.name = dep.department_name || 'A department without a name';
  $('dept-title').textContent = state.name;
  document.title = `${state.name}: Training pipeline`;
  const when = windowWords(w);
  $('dept-window-words').textContent = `Showing ${when}.`;
  $('dept-body').hidden = false;
  $('dept-key').replaceChildren(figuresTable('dept-figures', `Key figures, ${when}`, figureRows(dep, true)));
  $('dept-charts').replaceChildren(
    chartFigure('dept-chart-courses', 'Completion, pass and score by course', coursesSentence(courses), null),
    chartFigure('dept-chart-ratings', 'Ratings', ratingSentence(dep), ratingTable(dep)),
    chartFigure('dept-chart-months', 'Learners by month', monthsSentence(months), monthsTable(months)),
  );
  renderCourses(courses, q);
  const focus = renderCourse(courses, q, when);
  await loadChargeback(w, q);
  drawCharts(courses, months, dep); // after the text, which never waits for the library
  say('', '');
  return focus;
}

function renderCourses(courses, q) {
  const list = $('dept-courses');
  if (!courses.length) {
    list.replaceChildren(h('li', { class: 'empty' }, 'This department has no course yet.'));
    return;
  }
  list.replaceChildren(...courses.map((c) => {
    const qq = new URLSearchParams(q);
    qq.set('course', c.course_id);
    const line = c.completion_rate === null ? 'No learner in these dates.'
      : `Completed ${pct(c.completion_rate)} of ${count(c.learners_started, 'learner', 'learners')}` +
        (c.pass_rate === null ? '' : `, passed ${pct(c.pass_rate)}`) + '.';
    return h('li', { class: 'dept-course' },
      h('a', { href: hashOf(state.id, qq), 'aria-current': q.get('course') === c.course_id ? 'true' : null }, c.course_title),
      h('span', { class: 'muted' }, ` ${line}`));
  }));
}

// The chosen course's figures, or nothing; returns what to focus.
function renderCourse(courses, q, when) {
  const box = $('dept-course');
  const c = courses.find((x) => x.course_id === q.get('course'));
  if (!c) {
    box.hidden = true;
    box.replaceChildren();
    return $('dept-title');
  }
  const back = new URLSearchParams(q);
  back.delete('course');
  box.replaceChildren(
    h('h3', { id: 'dept-course-title', tabindex: '-1' }, c.course_title),
    figuresTable('dept-course-figures', `${c.course_title}, ${when}`, figureRows(c, false)),
    h('p', { class: 'actions' },
      h('a', { href: `/#course/${encodeURIComponent(c.course_id)}` }, `Open the course page of \u201c${c.course_title}\u201d`),
      h('a', { href: hashOf(state.id, back) }, 'Close this course')));
  box.hidden = false;
  return $('dept-course-title');
}

async function loadChargeback(w, q) {
  const months = monthsOf(w);
  const sel = $('dept-month');
  sel.replaceChildren(...months.map((m) => new Option(m.label, m.value)));
  const want = q.get('month');
  sel.value = months.some((m) => m.value === want) ? want : months[0].value;
  const month = sel.value;
  const base = `/api/v1/departments/${encodeURIComponent(state.id)}/chargeback?month=${month}`;
  const link = $('dept-csv');
  link.href = `${base}&format=csv`;
  link.textContent = `Download ${monthWords(month)} as a spreadsheet (CSV)`;
  const out = $('dept-chargeback');
  try {
    const { json } = await authed('GET', base);
    const lines = json.lines || [];
    const cur = json.currency;
    const rows = lines.map((l) => h('tr', null, h('th', { scope: 'row' }, l.course_title),
      h('td', null, hoursWords(l.hours)), h('td', null, String(l.learners_started)),
      h('td', null, json.enabled ? money(l.amount, cur) : 'Not charged')));
    out.replaceChildren(
      json.enabled ? h('p', null, `Total for ${monthWords(month)}: `, h('strong', { id: 'dept-total' }, money(json.total_amount, cur)), '.')
        : h('p', null, `${state.name} is not charged for its courses: hours and learners only.`),
      lines.length ? h('table', { class: 'figures chargeback' },
        h('caption', null, `Chargeback, ${monthWords(month)}`),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Course'), h('th', { scope: 'col' }, 'Hours'),
          h('th', { scope: 'col' }, 'Learners'), h('th', { scope: 'col' }, 'Amount'))),
        h('tbody', null, rows)) : h('p', { class: 'empty' }, 'No course to charge.'));
  } catch (e) {
    if (e.status !== 401) out.replaceChildren(h('p', { class: 'error' }, `The chargeback could not be loaded: ${e.message}`));
  }
}

let wired = false;

function wire() {
  $('dept-window').addEventListener('change', async () => {
    const v = $('dept-window').value;
    if (v === 'custom') {
      $('dept-custom').hidden = false;
      $('dept-from').focus();
      return;
    }
    setQuery((q) => { q.set('window', v); q.delete('from'); q.delete('to'); q.delete('month'); });
    await load();
    say(`Showing ${windowWords(windowOf(parseHash(location.hash).q))}.`);
  });
  $('dept-window-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const from = $('dept-from').value;
    const last = $('dept-to').value;
    if (!validDay(from) || !validDay(last) || from > last) {
      say('', 'Choose a first day and a last day, the last on or after the first.');
      (validDay(from) ? $('dept-to') : $('dept-from')).focus();
      return;
    }
    setQuery((q) => { q.delete('window'); q.set('from', from); q.set('to', last); q.delete('month'); });
    await load();
    say(`Showing ${windowWords({ from, last })}.`);
  });
  $('dept-month').addEventListener('change', async () => {
    setQuery((q) => q.set('month', $('dept-month').value));
    const { q } = parseHash(location.hash);
    await loadChargeback(windowOf(q), q);
    say(`The chargeback of ${monthWords($('dept-month').value)}.`);
  });
  wired = true;
}

// Shows the page the fragment names; returns the element to focus.
export async function showDepartment(session) {
  if (!wired) wire();
  state.session = session;
  $('department').hidden = false;
  say('', '');
  try {
    return (await load()) || $('dept-title');
  } finally {
    document.body.dataset.loaded = 'true';
  }
}

export function hideDepartment() {
  state.seq++;
  dropCharts();
  $('department').hidden = true;
  $('dept-key').replaceChildren();
  $('dept-charts').replaceChildren();
  say('', '');
}
