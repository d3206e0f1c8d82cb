// course.js: the course page, at /#course/{id} (linked from the board's
// cards). One course for the people who build and review it, in words:
// its versions with what changed between them, the upload of a new version
// (drop a zip or choose it; a progress bar while it is sent), the check
// report of a version grouped by severity with the file, line and what to do,
// Submit for review, each review round per approver (asked, reminded, due,
// decided, comment), the publish status with the LMS's link, the course's
// KPIs (for its author, the requesting department's head, admins and bi) and
// the audit trail as sentences. Names come from GET /api/v1/people; no ids,
// UUIDs or epoch numbers are shown.

import { authed, upload } from './api.js';
import { dateWords, whenWords, days, courseStateWords, plural, lmsWords } from './words.js';

const $ = (id) => document.getElementById(id);

const state = {
  id: '',
  session: null,
  course: null,
  people: new Map(),   // person id -> name
  departments: new Map(),
  reportVersion: 0,    // the version whose report is shown
  busy: false,
  wired: false,
};

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

const roles = () => (state.session && state.session.roles) || [];
const canAuthor = () => roles().includes('admin') || roles().includes('author');
const isAdmin = () => roles().includes('admin');
const me = () => (state.session && state.session.person ? state.session.person.id : '');

function nameOf(id) {
  if (!id) return 'someone';
  if (id === me()) return 'you';
  return state.people.get(id) || 'a person no longer listed';
}

function actorWords(actor) {
  if (!actor || actor === 'system') return 'The gateway';
  if (actor.startsWith('key:')) return 'A program using an API key';
  const n = nameOf(actor);
  return n === 'you' ? 'You' : n;
}

const quote = (text) => `\u201c${text}\u201d`;

// ---- the check report ----

const STANDARDS = { scorm12: 'SCORM 1.2', scorm2004: 'SCORM 2004', cmi5: 'cmi5', tincan: 'Tin Can (xAPI)' };

// What the author does about a finding, by its code (else by its family).
const ACTIONS = {
  PACKAGE_NO_DESCRIPTOR: 'Export the course again from the authoring tool as a SCORM, cmi5 or xAPI package.',
  MANIFEST_NOT_AT_ROOT: 'Zip the contents of the course folder, not the folder itself.',
  DESCRIPTOR_NAME_CASE: 'Rename the file to exactly imsmanifest.xml, cmi5.xml or tincan.xml.',
  AICC_NOT_SUPPORTED: 'Export the course as SCORM, cmi5 or xAPI instead of AICC.',
  LAUNCH_FILE_MISSING: 'Add the start page to the zip, or correct its name in the manifest.',
  FILE_MISSING: 'Add the file to the zip, or remove it from the manifest.',
  METADATA_FILE_MISSING: 'Add the metadata file to the zip, or remove the reference to it.',
  DEPENDENCY_UNRESOLVED: 'Add the missing shared resource, or remove the dependency.',
  IDENTIFIERREF_UNRESOLVED: 'Point the item at a resource that exists in the manifest.',
  RESOURCE_UNREFERENCED: 'Nothing breaks; remove the resource if it is not needed.',
  FILE_UNREFERENCED: 'Nothing breaks; remove the file to make the package smaller.',
  FLASH_FILE: 'Replace the Flash content: browsers no longer run it.',
  FLASH_LAUNCH_PAGE: 'Replace the Flash content: browsers no longer run it.',
  HTML_LANG_MISSING: 'Set the page language (lang) in the authoring tool, for screen readers.',
  HTML_TITLE_MISSING: 'Give the page a title in the authoring tool.',
  HTML_IMG_ALT_MISSING: 'Add a text alternative to the image in the authoring tool.',
  HTML_CONTROL_LABEL_MISSING: 'Give the control a visible label in the authoring tool.',
  FINDINGS_TRUNCATED: 'Fix the findings listed, then upload again to see the rest.',
};
const FAMILY_ACTIONS = [
  [/^ZIP_/, 'Export the package again from the authoring tool and zip it with a standard zip program.'],
  [/^(XML_|SCORM_|SCHEMAVERSION_|DESCRIPTOR_|MULTIPLE_)/, 'Export the package again; if it persists, ask the tool\'s vendor to fix the manifest.'],
  [/^HREF_/, 'Use a relative path inside the package, with forward slashes, in the authoring tool.'],
  [/^CMI5_/, 'Correct the course structure (cmi5.xml) in the authoring tool and export again.'],
  [/^TINCAN_/, 'Correct tincan.xml in the authoring tool and export again.'],
];

function actionFor(code) {
  if (ACTIONS[code]) return ACTIONS[code];
  const f = FAMILY_ACTIONS.find(([re]) => re.test(code));
  return f ? f[1] : 'Correct it in the authoring tool and export the package again.';
}

function whereWords(f) {
  if (!f.file) return 'In the package as a whole.';
  return f.line ? `In ${f.file}, line ${f.line}.` : `In ${f.file}.`;
}

const SEVERITIES = [
  { id: 'error', title: (n) => `${plural(n, 'error')}: fix before review`, cls: 'sev-error' },
  { id: 'warning', title: (n) => `${plural(n, 'warning')}: worth fixing`, cls: 'sev-warning' },
  { id: 'info', title: (n) => `${plural(n, 'note')} for your information`, cls: 'sev-info' },
];

function reportSummary(r) {
  const what = r.standard ? `A ${STANDARDS[r.standard] || r.standard} package` : 'A package of no known kind';
  const title = r.title ? ` named ${quote(r.title)}` : '';
  const files = `, with ${plural(r.file_count || 0, 'file')}.`;
  const c = r.counts || { error: 0, warning: 0, info: 0 };
  const verdict = c.error
    ? `It has ${plural(c.error, 'error')} to fix before it can go to review` +
      (c.warning ? `, and ${plural(c.warning, 'warning')}.` : '.')
    : `No errors: it can go to review${c.warning ? `; ${plural(c.warning, 'warning')} worth a look` : ''}.`;
  return `${what}${title}${files} ${verdict}`;
}

function renderReport(v, r) {
  const host = $('cv-report');
  const parts = [h('h3', { id: 'cv-report-title', tabindex: '-1' }, `The check of version ${v.number}`),
    h('p', { id: 'cv-report-summary' }, reportSummary(r))];
  for (const s of SEVERITIES) {
    const list = (r.findings || []).filter((f) => f.severity === s.id);
    if (!list.length) continue;
    const hid = `cv-sev-${s.id}`;
    parts.push(h('section', { class: `findings ${s.cls}`, 'aria-labelledby': hid },
      h('h4', { id: hid }, s.title(list.length)),
      h('ul', null, list.map((f) => h('li', { class: 'finding' },
        h('p', { class: 'finding-message' }, f.message),
        h('p', { class: 'finding-where' }, whereWords(f)),
        h('p', { class: 'finding-action' }, h('strong', null, 'What to do: '), actionFor(f.code)))))));
  }
  host.replaceChildren(...parts);
}

async function showReport(v) {
  state.reportVersion = v.number;
  const host = $('cv-report');
  host.replaceChildren(h('p', null, `Loading the check of version ${v.number}\u2026`));
  try {
    const { json } = await authed('GET', `/api/v1/packages/${encodeURIComponent(v.package_id)}/report`);
    renderReport(v, json);
  } catch (e) {
    if (e.status !== 401)
      host.replaceChildren(h('p', { class: 'error' }, `The check report could not be loaded: ${e.message}`));
  }
}

// ---- versions and what changed ----

function fileList(names) {
  const shown = names.slice(0, 8);
  const rest = names.length - shown.length;
  return shown.join(', ') + (rest > 0 ? ` and ${plural(rest, 'more file')}` : '');
}

function changeWords(ch) {
  if (!ch) return ['The first version.'];
  const out = [];
  const added = ch.added || [];
  const removed = ch.removed || [];
  const changed = (ch.changed || []).map((c) => c.name);
  if (added.length) out.push(`${plural(added.length, 'file')} added: ${fileList(added)}.`);
  if (removed.length) out.push(`${plural(removed.length, 'file')} removed: ${fileList(removed)}.`);
  if (changed.length) out.push(`${plural(changed.length, 'file')} changed: ${fileList(changed)}.`);
  if (!out.length) out.push('No file changed.');
  if (ch.unchanged) out.push(`${plural(ch.unchanged, 'file')} stayed the same.`);
  return out;
}

function renderVersions(c) {
  const host = $('cv-versions');
  const versions = (c.versions || []).slice().reverse();
  if (!versions.length) {
    host.replaceChildren(h('p', { class: 'empty' }, 'No version yet: upload the course package below.'));
    $('cv-report').replaceChildren();
    return;
  }
  host.replaceChildren(h('ol', { class: 'versions', reversed: true }, versions.map((v) => {
    const hid = `cv-version-${v.number}`;
    return h('li', { class: 'version' },
      h('article', { 'aria-labelledby': hid },
        h('h3', { id: hid }, `Version ${v.number}`, v.id === c.current_version_id ? ' (current)' : ''),
        h('p', null, `Added ${whenWords(v.created)}. `, v.valid ? 'The check found no errors.' : 'The check found errors.'),
        h('div', { class: 'changes' }, h('p', { class: 'sub' }, 'What changed'),
          h('ul', null, changeWords(v.changes).map((t) => h('li', null, t)))),
        h('button', { type: 'button', class: 'quiet', dataset: { report: String(v.number) },
          'aria-describedby': hid }, 'Show its check report')));
  })));
}

// ---- upload ----

function uploadError(text) {
  $('cv-upload-error').textContent = text;
  $('cv-drop').classList.toggle('invalid', !!text);
}

function progress(share) {
  const p = $('cv-progress');
  const pct = Math.round(share * 100);
  p.value = pct;
  $('cv-progress-text').textContent = pct < 100 ? `Sending: ${pct}%` : 'Sent. The gateway checks the package\u2026';
}

async function uploadFile(file) {
  if (state.busy || !file) return;
  uploadError('');
  $('cv-status').textContent = '';
  if (!/\.zip$/i.test(file.name)) {
    uploadError(`${quote(file.name)} is not a zip file. Export the course as a zip package (SCORM, cmi5 or xAPI) and choose that file.`);
    return;
  }
  state.busy = true;
  $('cv-file').disabled = true;
  $('cv-progress-box').hidden = false;
  $('cv-progress-name').textContent = `Uploading ${file.name}`;
  progress(0);
  try {
    const pkg = await upload('/api/v1/packages', file, progress);
    $('cv-progress-text').textContent = 'Adding it as a new version\u2026';
    const { json: v } = await authed('POST', `/api/v1/courses/${encodeURIComponent(state.id)}/versions`,
      { package_id: pkg.json.id });
    await load();
    // done: the bar goes as the sentence saying so comes
    $('cv-progress-box').hidden = true;
    const verdict = v.valid
      ? (v.warnings ? `The check found no errors and ${plural(v.warnings, 'warning')}.` : 'The check found no errors.')
      : `The check found ${plural(v.errors, 'error')}: fix them and upload the package again.`;
    $('cv-status').textContent = `Version ${v.number} is added. ${verdict}`;
    const shown = (state.course.versions || []).find((x) => x.number === v.number);
    if (shown) await showReport(shown);
  } catch (e) {
    if (e.status === 401) return;
    const why = e.status === 413 ? `The file is too large for the gateway. ${e.message}`
      : e.status === 403 ? 'Only authors and admins can add versions.'
        : e.message;
    uploadError(`${quote(file.name)} was not added: ${why}`);
  } finally {
    state.busy = false;
    $('cv-file').disabled = false;
    $('cv-file').value = '';
    $('cv-progress-box').hidden = true;
  }
}

// ---- submit ----

const SUBMIT_WHY = {
  draft: 'Upload a version without errors first: only a checked version can go to review.',
  in_review: 'The course is in review now; the approvers decide.',
  changes_requested: 'The approvers asked for changes: upload a corrected version, then submit it.',
  approved: 'The course is approved; the gateway publishes it.',
  publishing: 'The course is being published.',
  published: 'The course is live; upload a new version to change it.',
  publish_failed: 'The course was approved; publishing failed (see Publishing below).',
  retired: 'The course is retired.',
};

function renderSubmit(c) {
  const b = $('cv-submit');
  const ok = c.state === 'validated' && canAuthor();
  b.disabled = !ok;
  $('cv-submit-why').textContent = ok
    ? 'The approvers are asked by mail and each gets a due date.'
    : !canAuthor() ? 'Only the course\'s author or an admin submits it.' : (SUBMIT_WHY[c.state] || '');
  $('cv-submit-error').textContent = '';
}

async function submit() {
  const b = $('cv-submit');
  b.disabled = true;
  $('cv-submit-error').textContent = '';
  try {
    await authed('POST', `/api/v1/courses/${encodeURIComponent(state.id)}/submit`);
    await load();
    $('cv-status').textContent = 'Submitted for review: the approvers are asked.';
    $('cv-rounds-title').focus();
  } catch (e) {
    if (e.status === 401) return;
    b.disabled = false;
    $('cv-submit-error').textContent = `Not submitted: ${e.message}`;
    b.focus();
  }
}

// ---- rounds ----

const DECISIONS = {
  approve: 'Approved', request_changes: 'Asked for changes', reject: 'Rejected',
  approve_on_silence: 'Counted as approving (no answer by the due date)', pending: 'Not decided yet',
};

const ROUND_STATES = {
  open: 'open: the approvers decide', approved: 'approved', changes_requested: 'closed: changes were asked for',
  rejected: 'closed: rejected', superseded: 'closed: a newer version replaced it',
};

function approverItem(a) {
  const who = a.delegate_id ? `${a.delegate_name || nameOf(a.delegate_id)} (for ${a.name || nameOf(a.person_id)})`
    : (a.name || nameOf(a.person_id));
  const facts = [
    ['Asked', a.asked_at ? whenWords(a.asked_at) : 'Not yet'],
    ['Reminded', a.reminders ? `${plural(a.reminders, 'time')}, last ${whenWords(a.reminded_at)}` : 'Not reminded'],
    ['Due', a.due_date ? dateWords(a.due_date) : 'No due date'],
    ['Decision', a.status === 'pending' ? DECISIONS.pending
      : `${DECISIONS[a.status] || a.status}${a.decided_at ? ` on ${whenWords(a.decided_at)}` : ''}`],
  ];
  if (a.comment) facts.push(['Comment', h('q', null, a.comment)]);
  return h('li', { class: `approver-card status-${a.status}` }, h('p', { class: 'approver-name' }, who),
    h('dl', { class: 'facts' }, facts.map(([t, d]) => [h('dt', null, t), h('dd', null, d)]).flat()));
}

function renderRounds(c) {
  const host = $('cv-rounds');
  const rounds = (c.rounds || []).slice().reverse();
  if (!rounds.length) {
    host.replaceChildren(h('p', { class: 'empty' }, 'Not submitted for review yet.'));
    return;
  }
  host.replaceChildren(...rounds.map((r) => {
    const hid = `cv-round-${r.number}`;
    const st = ROUND_STATES[r.round_state] || r.round_state;
    const need = r.policy && r.policy.kind === 'n_of_m'
      ? `${r.policy.required} of ${r.approvers.length} approvers must approve`
      : 'every approver must approve';
    return h('section', { class: 'round', 'aria-labelledby': hid },
      h('h4', { id: hid }, `Review round ${r.number}`),
      h('p', null, `Opened ${whenWords(r.opened_at)}; ${st}. ${need[0].toUpperCase()}${need.slice(1)}` +
        ` (${plural(r.approvals, 'approval')} so far).`),
      h('ul', { class: 'approver-cards' }, r.approvers.map(approverItem)));
  }));
}

// ---- publishing ----

const WAITING = {
  validated: 'It waits for the author to submit it for review.',
  in_review: 'It waits for the approvers\' decisions (see Review).',
  approved: 'It waits for the gateway to start publishing it.',
  publishing: 'It waits for the LMS to take the course; the gateway tries again when it must.',
  publish_failed: 'It waits for an admin to fix the cause and retry.',
  changes_requested: 'It waits for a new version with the changes the approvers asked for.',
  published: 'It waits for the LMS to take the course off.', // only while a retirement is queued
};

async function renderPublish() {
  const host = $('cv-publish');
  let p;
  try {
    ({ json: p } = await authed('GET', `/api/v1/courses/${encodeURIComponent(state.id)}/publish`));
  } catch (e) {
    if (e.status !== 401) host.replaceChildren(h('p', { class: 'error' }, `The publish status could not be loaded: ${e.message}`));
    return;
  }
  const parts = [h('p', null, `The course is ${courseStateWords(p.state)}.`)];
  // the API's waiting_for names API routes; the page says it for people
  const waiting = WAITING[p.state];
  if (waiting && p.waiting_for) parts.push(h('p', { class: 'muted' }, waiting));
  const live = (p.lms || []).filter((l) => !l.retired_at);
  for (const l of live) {
    parts.push(h('p', null, `On the LMS since ${whenWords(l.published_at)}. `,
      l.course_url ? h('a', { href: l.course_url, class: 'lms-link' }, 'Open the course on the LMS') : 'The LMS gave no address for it.'));
  }
  if (p.last_error && ['publishing', 'publish_failed', 'approved'].includes(p.state)) {
    const w = lmsWords(p.last_error);
    const attempts = (p.jobs || []).filter((j) => j.action === 'publish').reduce((n, j) => n + j.attempts, 0);
    parts.push(h('p', { class: 'lms-error' }, p.state === 'publish_failed' ? 'Publishing failed. ' : `Attempt ${attempts} failed; the gateway tries again. `,
      `${w.lead} The LMS said: `, h('q', null, w.message)));
  }
  if (p.state === 'publish_failed' && isAdmin())
    parts.push(h('button', { type: 'button', id: 'cv-retry' }, 'Retry publishing'),
      h('p', { id: 'cv-retry-error', class: 'error', role: 'alert' }));
  host.replaceChildren(...parts);
}

async function retry() {
  const b = $('cv-retry');
  b.disabled = true;
  try {
    await authed('POST', `/api/v1/courses/${encodeURIComponent(state.id)}/publish/retry`);
    $('cv-status').textContent = 'Publishing again: the course is queued for the LMS.';
    await load();
  } catch (e) {
    if (e.status === 401) return;
    b.disabled = false;
    $('cv-retry-error').textContent = `Not retried: ${e.message}`;
  }
}

// ---- KPIs ----

const pct = (x) => `${Math.round(x * 100)}%`;

function durationWords(s) {
  if (s < 3600) return plural(Math.max(1, Math.round(s / 60)), 'minute');
  if (s < 2 * 86400) return plural(Math.round(s / 360) / 10, 'hour');
  return days(Math.round(s / 86400));
}

async function renderKpis() {
  const host = $('cv-kpis');
  let k;
  try {
    ({ json: k } = await authed('GET', `/api/v1/courses/${encodeURIComponent(state.id)}/kpis`));
  } catch (e) {
    if (e.status === 401) return;
    host.replaceChildren(h('p', { class: 'muted' }, e.status === 403
      ? 'The course\'s figures are shown to its author, the requesting department\'s head, admins and BI.'
      : `The figures could not be loaded: ${e.message}`));
    return;
  }
  if (!k.learners_started) {
    host.replaceChildren(h('p', { class: 'empty' }, 'No learner has started the course yet.'));
    return;
  }
  const rows = [['Learners who started', String(k.learners_started)],
    ['Completed', `${k.learners_completed}${k.completion_rate !== null ? ` (${pct(k.completion_rate)})` : ''}`]];
  if (k.pass_rate !== null) rows.push(['Passed', `${k.learners_passed} (${pct(k.pass_rate)} of those tested)`]);
  if (k.avg_score !== null) rows.push(['Average score', pct(k.avg_score)]);
  if (k.median_time_to_complete_s !== null) rows.push(['Typical time to complete', durationWords(k.median_time_to_complete_s)]);
  if (k.avg_rating !== null) rows.push(['Average rating', `${k.avg_rating.toFixed(1)} of 5, from ${plural(k.feedback_count, 'learner')}`]);
  host.replaceChildren(h('dl', { class: 'facts kpis' }, rows.map(([t, d]) => [h('dt', null, t), h('dd', null, d)]).flat()));
}

// ---- the audit trail ----

// Who decided, for a decision made with an API key: the round's approver
// whose decision was recorded at that instant (the same transaction).
function deciderOf(r) {
  const round = ((state.course && state.course.rounds) || []).find((x) => x.id === r.round_id);
  const a = round && round.approvers.find((x) => x.decided_at === r.at);
  return a ? (a.name || nameOf(a.person_id)) : '';
}

// "… approved: “Looks good.”" with the sentence's end after the quote
// unless the comment ends one.
function withComment(lead, comment) {
  if (!comment) return [`${lead}.`];
  const text = comment.replace(/\s*\[on behalf: .*\]$/, '');
  return [`${lead}: `, h('q', null, text), /[.!?]$/.test(text) ? '' : '.'];
}

function auditSentence(r) {
  let who = actorWords(r.actor);
  if (r.actor && r.actor.startsWith('key:') && r.action.startsWith('decision.')) who = deciderOf(r) || who;
  const forWhom = r.on_behalf_of ? ` for ${nameOf(r.on_behalf_of)}` : '';
  const version = /^version (\d+)/.exec(r.comment || '');
  switch (r.action) {
    case 'course.created': return [`${who} created the course.`];
    case 'version.added': return [`${who} added ${version ? `version ${version[1]}` : 'a new version'}.`];
    case 'round.opened': return [`${who} submitted the course for review; the approvers were asked.`];
    case 'round.closed': return ['The review round closed.'];
    case 'round.delegated': return [`${who} handed a review to a colleague${forWhom}.`];
    case 'transition':
      return r.from_state === r.to_state ? null : [`The course is now ${courseStateWords(r.to_state)}.`];
    case 'decision.approve': return withComment(`${who} approved${forWhom}`, r.comment);
    case 'decision.request_changes': return withComment(`${who} asked for changes${forWhom}`, r.comment);
    case 'decision.reject': return withComment(`${who} rejected the course${forWhom}`, r.comment);
    case 'decision.approve_on_silence':
      return [`${r.on_behalf_of ? nameOf(r.on_behalf_of) : 'An approver'} counted as approving: no answer by the due date.`];
    case 'notice.escalation': {
      const late = /^(\d+) days? overdue/.exec(r.comment || '');
      return [`${r.on_behalf_of ? `${nameOf(r.on_behalf_of)}'s` : 'A'} review was ` +
        `${late ? `${days(Number(late[1]))} ` : ''}overdue and was escalated to the department's head.`];
    }
    case 'notice.approve_on_silence':
      return [`${r.on_behalf_of ? nameOf(r.on_behalf_of) : 'An approver'} was told that silence counts as approving.`];
    case 'publish.queued': return ['The course was queued for publishing to the LMS.'];
    case 'publish.succeeded': return ['The course went live on the LMS.'];
    case 'publish.failed': return [`Publishing failed. ${lmsWords(r.comment).lead}`];
    case 'publish.retry': return [`${who} tried publishing again.`];
    case 'retire.queued': return [`${who} asked to retire the course from the LMS.`];
    case 'retire.succeeded': return ['The course was retired from the LMS.'];
    case 'retire.failed': return ['Retiring the course from the LMS failed.'];
    case 'announcement.sent': return ['The launch announcement was sent.'];
    default: return [`${who}: ${String(r.action || 'a step').replace(/[._]/g, ' ')}.`];
  }
}

async function renderAudit() {
  const host = $('cv-audit');
  let recs;
  try {
    const { json } = await authed('GET', `/api/v1/audit?course_id=${encodeURIComponent(state.id)}`);
    recs = (json.records || []).map((l) => (typeof l === 'string' ? JSON.parse(l) : l));
  } catch (e) {
    if (e.status !== 401) host.replaceChildren(h('p', { class: 'error' }, `The history could not be loaded: ${e.message}`));
    return;
  }
  if (!recs.length) {
    host.replaceChildren(h('p', { class: 'empty' }, 'Nothing has happened yet.'));
    return;
  }
  recs.sort((a, b) => b.seq - a.seq);
  const lines = recs.map((r) => [r, auditSentence(r)]).filter(([, words]) => words);
  host.replaceChildren(h('ul', { class: 'audit' }, lines.map(([r, words]) => h('li', null,
    h('span', { class: 'when' }, `${whenWords(r.at)}: `), ...words))));
}

// ---- the page ----

async function names() {
  if (state.people.size) return;
  try {
    const [{ json: p }, { json: d }] = await Promise.all([authed('GET', '/api/v1/people'), authed('GET', '/api/v1/departments')]);
    for (const x of (p.people || p || [])) state.people.set(x.id, x.name || x.email);
    for (const x of (d.departments || d || [])) state.departments.set(x.id, x.name);
  } catch (e) {
    // names are a nicety: the page works without them
  }
}

function renderHead(c) {
  $('course-title').textContent = c.title || 'Untitled course';
  document.title = `${c.title || 'Course'}: Training pipeline`;
  const dept = state.departments.get(c.department_id);
  const author = !c.author_person_id ? 'No author is named yet. '
    : c.author_person_id === me() ? 'You are its author. ' : `Its author is ${nameOf(c.author_person_id)}. `;
  $('cv-lede').textContent = `${dept ? `Requested by ${dept}. ` : ''}${author}` +
    `The course is ${courseStateWords(c.state)}${c.state_since ? ` (since ${dateWords(c.state_since)})` : ''}.`;
  $('cv-upload').hidden = !canAuthor();
}

async function load() {
  let c;
  try {
    ({ json: c } = await authed('GET', `/api/v1/courses/${encodeURIComponent(state.id)}`));
  } catch (e) {
    if (e.status === 401) return;
    $('course-title').textContent = 'Course';
    $('cv-body').hidden = true;
    $('cv-error').textContent = e.status === 404
      ? 'There is no such course: it may have been removed. Go back to the pipeline.'
      : e.status === 403 ? 'Your roles do not let you open a course. Ask an admin for the author or approver role.'
        : `The course could not be loaded: ${e.message}`;
    return;
  }
  state.course = c;
  $('cv-error').textContent = '';
  $('cv-body').hidden = false;
  renderHead(c);
  renderVersions(c);
  renderSubmit(c);
  renderRounds(c);
  await Promise.all([renderPublish(), renderKpis(), renderAudit()]);
  const versions = c.versions || [];
  const shown = versions.find((v) => v.number === state.reportVersion) || versions[versions.length - 1];
  if (shown) await showReport(shown);
}

function wire() {
  const drop = $('cv-drop');
  drop.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragenter', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    const files = ev.dataTransfer ? ev.dataTransfer.files : null;
    if (!files || !files.length) {
      uploadError('Nothing was dropped: drop one zip file.');
      return;
    }
    if (files.length > 1) {
      uploadError('Drop one zip file at a time.');
      return;
    }
    uploadFile(files[0]);
  });
  $('cv-file').addEventListener('change', () => uploadFile($('cv-file').files[0]));
  $('cv-submit').addEventListener('click', submit);
  $('cv-versions').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-report]');
    if (!b) return;
    const v = (state.course.versions || []).find((x) => String(x.number) === b.dataset.report);
    if (v) {
      await showReport(v);
      $('cv-report-title').focus();
    }
  });
  $('cv-publish').addEventListener('click', (ev) => {
    if (ev.target.closest('#cv-retry')) retry();
  });
  state.wired = true;
}

export async function showCourse(id, session) {
  if (!state.wired) wire();
  if (state.id !== id) {
    state.reportVersion = 0;
    $('cv-status').textContent = '';
    uploadError('');
  }
  state.id = id;
  state.session = session;
  $('course').hidden = false;
  await names();
  await load();
  document.body.dataset.loaded = 'true';
}

export function hideCourse() {
  $('course').hidden = true;
  state.course = null;
}
