// board.js: the pipeline board, the app's home. Every request and course
// from GET /api/v1/pipeline in its stage, as cards that say in words who
// holds it and since when, the approvers' due dates, how late they are and
// to whom a late review was escalated; a red flag on a stalled review; the
// LMS's message on a failed publish, with a Retry button for admins; a
// requested course's Start button for authors and admins. A course's title
// links to its page (course.js, /#course/{id}).
// Filters (department, stage, person) live in the URL's query, so a link
// shares them and a reload keeps them. Refreshes every 60 s for a wall
// screen, without moving the focus or losing the filters.

import { authed } from './api.js';
import { STAGES, stageOf, dateWords, days, howLong, clockWords, holderWords, flagWords, lmsWords }
  from './words.js';

const REFRESH_MS = 60000;
const $ = (id) => document.getElementById(id);

const state = {
  data: null,     // the last pipeline reply
  text: '',       // ... as text, to skip a refresh that changed nothing
  items: [],
  admin: false,
  author: false,  // may start building a requested course (author or admin)
  depLinks: new Set(), // departments whose page the person may open
  timer: 0,
  loadedAt: 0,
};

// h('p', {class: 'x'}, 'text', child): an element with attributes and children
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// ---- filters, kept in the URL's query ----

function filters() {
  const q = new URLSearchParams(location.search);
  return { department: q.get('department') || '', stage: q.get('stage') || '', person: q.get('person') || '' };
}

function setFilters(f) {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(f)) {
    if (v) q.set(k, v); else q.delete(k);
  }
  const s = q.toString();
  history.replaceState(null, '', location.pathname + (s ? `?${s}` : '') + location.hash);
}

function matches(item, f) {
  if (f.department && item.department_id !== f.department) return false;
  if (f.stage && item.stage !== f.stage) return false;
  if (f.person && !(item.held_by || []).some((x) => x.person_id === f.person || x.delegate_id === f.person))
    return false;
  return true;
}

// Fills a select with [value, text] pairs after its first option, keeping
// its value; a value from the URL that the board no longer knows stays
// selectable, so the filter is not silently dropped.
function fillSelect(sel, pairs, value, unknownText) {
  const want = pairs.slice();
  if (value && !want.some(([v]) => v === value)) want.push([value, unknownText]);
  const now = Array.from(sel.options).slice(1).map((o) => [o.value, o.textContent]);
  if (JSON.stringify(now) !== JSON.stringify(want)) {
    while (sel.options.length > 1) sel.remove(1);
    for (const [v, t] of want) sel.add(new Option(t, v));
  }
  sel.value = value;
}

function fillFilters(f) {
  const depts = new Map();
  const people = new Map();
  for (const it of state.items) {
    if (it.department_id) depts.set(it.department_id, it.department || 'A department without a name');
    for (const x of it.held_by || []) {
      if (x.person_id && x.name) people.set(x.person_id, x.name);
      if (x.delegate_id && x.delegate) people.set(x.delegate_id, x.delegate);
    }
  }
  const byName = (a, b) => a[1].localeCompare(b[1]);
  fillSelect($('f-department'), Array.from(depts).sort(byName), f.department, 'A department with nothing on the board');
  fillSelect($('f-stage'), STAGES.map((s) => [s.id, s.label]), f.stage, 'An unknown stage');
  fillSelect($('f-person'), Array.from(people).sort(byName), f.person, 'Someone holding nothing now');
}

// ---- cards ----

function approverLine(x) {
  const who = x.delegate ? `${x.delegate} (for ${x.name})` : x.name;
  const parts = [];
  if (x.due) {
    parts.push(`due ${dateWords(x.due)}`);
    parts.push(x.days_overdue > 0 ? `${days(x.days_overdue)} overdue` : 'not overdue');
  } else {
    parts.push('no due date');
  }
  if (x.escalated_to)
    parts.push(`escalated to ${x.escalated_to}` + (x.escalated_at ? ` on ${dateWords(x.escalated_at)}` : ''));
  return h('li', { class: x.days_overdue > 0 ? 'overdue' : null }, h('strong', null, who), `: ${parts.join(', ')}.`);
}

function fact(term, ...value) {
  return [h('dt', null, term), h('dd', null, ...value)];
}

function card(it) {
  const flag = flagWords(it);
  const key = `${it.kind}:${it.id}`;
  const titleId = `t-${it.kind}-${it.id}`;
  const since = `${dateWords(it.state_since)} (${howLong(it.days_in_state)})`;
  const facts = [
    fact('Department', state.depLinks.has(it.department_id)
      ? h('a', { href: `#department/${encodeURIComponent(it.department_id)}` }, it.department || 'A department')
      : it.department || 'No department'),
    fact('Held by', holderWords(it)),
    fact('Since', since),
  ];
  if (it.state === 'changes_requested') facts.push(fact('Status', 'Changes requested by the approvers'));
  if (it.deadline)
    facts.push(fact('Deadline', dateWords(it.deadline), it.late ? h('span', { class: 'late' }, ' (passed)') : null));
  const body = [
    h('h3', { id: titleId }, it.kind === 'course'
      ? h('a', { href: `#course/${encodeURIComponent(it.id)}`, dataset: { key: `open:${it.id}` } }, it.title || 'Untitled')
      : (it.title || 'Untitled')),
    flag ? h('p', { class: 'flag' }, h('span', { 'aria-hidden': 'true' }, '\u2691 '), flag) : null,
    h('dl', { class: 'facts' }, ...facts.flat()),
  ];
  const approvers = (it.held_by || []).filter((x) => it.state === 'in_review' && x.person_id);
  if (approvers.length)
    body.push(h('p', { class: 'sub' }, 'Waiting for'), h('ul', { class: 'approvers' }, approvers.map(approverLine)));
  // the signed-in approver (or their delegate) decides on the review page
  if (it.round_id && approvers.some((x) => x.person_id === state.me || x.delegate_id === state.me))
    body.push(h('p', null, h('a', { class: 'review-link', href: `/review/${encodeURIComponent(it.round_id)}`,
      'aria-describedby': titleId }, 'Open your review')));
  if (it.publish_error) {
    const w = lmsWords(it.publish_error);
    const lead = it.state === 'publish_failed' ? 'Publishing failed.'
      : `Attempt ${it.publish_attempts} failed; the gateway tries again.`;
    body.push(h('p', { class: it.state === 'publish_failed' ? 'lms-error' : 'sub' },
      `${lead} ${w.lead} The LMS said: `, h('q', null, w.message)));
  }
  if (it.kind === 'request' && it.state === 'requested' && state.author)
    body.push(h('button', { type: 'button', class: 'start', dataset: { start: it.id, key: `start:${it.id}` },
      'aria-describedby': titleId }, 'Start building this course'));
  if (it.state === 'publish_failed' && state.admin)
    body.push(h('button', { type: 'button', class: 'retry', dataset: { retry: it.id, key: `retry:${it.id}` },
      'aria-describedby': titleId }, 'Retry publishing'));
  return h('li', { dataset: { key } }, h('article', { class: flag ? 'card flagged' : 'card', 'aria-labelledby': titleId }, ...body));
}

function stageSection(stage, items) {
  const id = `stage-${stage.id}`;
  return h('section', { class: `stage stage-${stage.id}`, 'aria-labelledby': id },
    h('h2', { id }, stage.label, h('span', { class: 'count' }, ` (${items.length})`)),
    h('p', { class: 'hint' }, stage.hint),
    items.length ? h('ul', { class: 'cards' }, items.map(card)) : h('p', { class: 'empty' }, 'Nothing here.'));
}

function countWords(shown, total) {
  const what = (n) => (n === 1 ? '1 request or course' : `${n} requests and courses`);
  return shown === total ? `Showing all ${what(total)}.` : `Showing ${shown} of ${what(total)}.`;
}

// Renders the board for the current filters; the focused control, if it
// was on the board, is focused again without scrolling.
function render() {
  const f = filters();
  fillFilters(f);
  const active = document.activeElement;
  const host = $('stages');
  const focusKey = active && host.contains(active) && active.dataset ? active.dataset.key : '';
  const shown = state.items.filter((it) => matches(it, f));
  const sections = STAGES.filter((s) => !f.stage || s.id === f.stage)
    .map((s) => stageSection(s, shown.filter((it) => it.stage === s.id)));
  host.replaceChildren(...sections);
  $('board-count').textContent = countWords(shown.length, state.items.length);
  if (focusKey) {
    const again = host.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
  return countWords(shown.length, state.items.length);
}

// ---- loading ----

async function load() {
  try {
    const { json } = await authed('GET', '/api/v1/pipeline');
    const text = JSON.stringify(json);
    state.loadedAt = Date.now();
    $('board-updated').textContent = `Updated at ${clockWords(new Date())}; refreshes every minute.`;
    $('board-error').textContent = '';
    if (text === state.text) return;
    state.text = text;
    state.data = json;
    state.items = [
      ...(json.requests || []).map((x) => ({ ...x, kind: 'request' })),
      ...(json.courses || []).map((x) => ({ ...x, kind: 'course' })),
    ].map((x) => ({ ...x, stage: stageOf(x.state) }));
    render();
  } catch (e) {
    if (e.status === 401) return; // the sign-in page takes over
    $('board-error').textContent = e.status === 403
      ? 'Your roles do not let you see the pipeline. Ask an admin for the author, approver or bi role.'
      : `The board could not be updated: ${e.message}`;
  } finally {
    document.body.dataset.loaded = 'true';
  }
}

async function retry(button) {
  const id = button.dataset.retry;
  const title = (state.items.find((x) => x.kind === 'course' && x.id === id) || {}).title || 'the course';
  button.disabled = true;
  $('board-error').textContent = '';
  try {
    await authed('POST', `/api/v1/courses/${encodeURIComponent(id)}/publish/retry`);
    $('board-status').textContent = `Publishing \u201c${title}\u201d again: it is queued for the LMS.`;
    await load();
  } catch (e) {
    button.disabled = false;
    if (e.status !== 401) $('board-error').textContent = `\u201c${title}\u201d was not retried: ${e.message}`;
  }
}

// A requested course gets its course record, authored by the signed-in
// person; their course page opens, ready for the first upload.
async function start(button) {
  const id = button.dataset.start;
  const title = (state.items.find((x) => x.kind === 'request' && x.id === id) || {}).title || 'the course';
  button.disabled = true;
  $('board-error').textContent = '';
  try {
    const body = { request_id: id };
    if (state.me) body.author_person_id = state.me;
    const { json } = await authed('POST', '/api/v1/courses', body);
    location.hash = `#course/${encodeURIComponent(json.id)}`;
  } catch (e) {
    button.disabled = false;
    if (e.status !== 401) $('board-error').textContent = `\u201c${title}\u201d was not started: ${e.message}`;
  }
}

function onFilter() {
  const f = {
    department: $('f-department').value, stage: $('f-stage').value, person: $('f-person').value,
  };
  setFilters(f);
  $('board-status').textContent = render();
}

let wired = false;

function wire() {
  const form = $('filters');
  form.addEventListener('change', onFilter);
  form.addEventListener('submit', (ev) => ev.preventDefault());
  form.addEventListener('reset', (ev) => {
    ev.preventDefault();
    setFilters({ department: '', stage: '', person: '' });
    $('board-status').textContent = render();
  });
  $('stages').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-retry]');
    if (b) retry(b);
    const s = ev.target.closest('button[data-start]');
    if (s) start(s);
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state.timer && Date.now() - state.loadedAt >= REFRESH_MS) load();
  });
  wired = true;
}

export async function showBoard(session) {
  if (!wired) wire();
  state.admin = (session.roles || []).includes('admin');
  state.author = state.admin || (session.roles || []).includes('author');
  state.me = session.person ? session.person.id : '';
  state.text = '';
  $('board').hidden = false;
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    if (document.visibilityState !== 'hidden') load();
  }, REFRESH_MS);
  await load();
}

// The departments whose names on the cards link to their department page.
export function setDepartmentLinks(ids) {
  state.depLinks = new Set(ids);
}

// A sentence in the board's status line (announced by screen readers).
export function boardStatus(text) {
  $('board-status').textContent = text;
}

export function hideBoard() {
  clearInterval(state.timer);
  state.timer = 0;
  state.items = [];
  state.text = '';
  $('stages').replaceChildren();
  $('board-status').textContent = '';
  $('board').hidden = true;
}
