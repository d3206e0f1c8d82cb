// intake.js: the request intake page (admins; POST /api/v1/requests needs
// the admin role). A form for the business case, the communication plan
// with its announcement recipients, the approvers named at the kickoff (rows
// added and removed, each with a due date) and the policy in words. The
// server checks everything: its error names the field by a JSON Pointer
// (`where`, e.g. /business_case/kpi or /approvers/1/person_id), and the
// message is shown at that field (aria-invalid, aria-describedby) with the
// focus moved there; what was typed stays. Departments and people come from
// GET /api/v1/departments and /api/v1/people and are shown by name only.

import { authed } from './api.js';

const $ = (id) => document.getElementById(id);

const state = {
  departments: [],
  people: [],
  rows: 0,        // approver rows made so far (their ids stay unique)
  wired: false,
  onCreated: null,
};

// ---- pickers: names on screen, ids only as option values ----

function personLabel(p, all) {
  const twin = all.some((q) => q !== p && q.name === p.name);
  return twin && p.email ? `${p.name} (${p.email})` : (p.name || p.email || 'Someone without a name');
}

function fill(sel, pairs) {
  const keep = sel.value;
  while (sel.options.length > 1) sel.remove(1);
  for (const [v, t] of pairs) sel.add(new Option(t, v));
  if (pairs.some(([v]) => v === keep)) sel.value = keep;
}

function peoplePairs() {
  return state.people.map((p) => [p.id, personLabel(p, state.people)]).sort((a, b) => a[1].localeCompare(b[1]));
}

function fillPickers() {
  fill($('rq-department'), state.departments.map((d) => [d.id, d.name || 'A department without a name'])
    .sort((a, b) => a[1].localeCompare(b[1])));
  const people = peoplePairs();
  fill($('rq-sme'), people);
  fill($('rq-agreed-by'), people);
  for (const sel of document.querySelectorAll('#rq-approvers select')) fill(sel, people);
}

// ---- approver rows ----

function approverRow() {
  const n = ++state.rows;
  const li = document.createElement('li');
  li.className = 'row';
  li.innerHTML = `
    <fieldset>
      <legend></legend>
      <div class="field">
        <label for="rq-ap-${n}-person">Person</label>
        <select id="rq-ap-${n}-person" data-part="person_id" required><option value="">Choose a person</option></select>
      </div>
      <div class="field">
        <label for="rq-ap-${n}-due">Due date</label>
        <input id="rq-ap-${n}-due" type="date" data-part="due_date">
      </div>
      <button type="button" class="quiet remove">Remove</button>
    </fieldset>`;
  fill(li.querySelector('select'), peoplePairs());
  return li;
}

// Legends and Remove buttons say which approver they are about.
function numberRows() {
  const rows = Array.from($('rq-approvers').children);
  rows.forEach((li, i) => {
    li.querySelector('legend').textContent = `Approver ${i + 1}`;
    const b = li.querySelector('button.remove');
    b.textContent = `Remove approver ${i + 1}`;
  });
  policyWords();
}

function addApprover(focus) {
  const li = approverRow();
  $('rq-approvers').append(li);
  numberRows();
  if (focus) li.querySelector('select').focus();
}

function removeApprover(li) {
  const rows = Array.from($('rq-approvers').children);
  const i = rows.indexOf(li);
  li.remove();
  numberRows();
  const left = Array.from($('rq-approvers').children);
  const next = left[Math.min(i, left.length - 1)];
  (next ? next.querySelector('select') : $('rq-add-approver')).focus();
  $('intake-status').textContent = `Approver ${i + 1} removed; ${left.length} left.`;
}

// ---- the policy in words ----

function policyWords() {
  const n = $('rq-policy-n').checked;
  $('rq-required-field').hidden = !n;
  const m = $('rq-approvers').children.length;
  const req = parseInt($('rq-required').value, 10);
  $('rq-required').max = String(Math.max(1, m));
  $('rq-required-words').textContent = n
    ? (Number.isFinite(req) ? `${req} of ${m} must approve.` : `Give a number from 1 to ${m}.`)
    : '';
  $('rq-silence-agreed').hidden = !$('rq-silence').checked;
}

// The department's head is who agrees to approve on silence, as a rule.
function onDepartment() {
  const d = state.departments.find((x) => x.id === $('rq-department').value);
  if (d && d.head_person_id && !$('rq-agreed-by').dataset.touched) $('rq-agreed-by').value = d.head_person_id;
}

// ---- the body ----

const text = (id) => $(id).value.trim();

// the announcement's addresses: one a line, or separated by commas or semicolons
const recipientList = () => $('rq-recipients').value.split(/[\s,;]+/).filter(Boolean);

function body() {
  const bc = {
    problem: text('rq-problem'),
    audience: text('rq-audience'),
    mandatory: $('rq-mandatory-yes').checked,
    kpi: text('rq-kpi'),
  };
  const optional = [['reach', 'rq-reach'], ['communication_plan', 'rq-comms'], ['kpi_target', 'rq-kpi-target'],
    ['deadline', 'rq-deadline'], ['project_code', 'rq-project']];
  for (const [k, id] of optional) if (text(id)) bc[k] = text(id);
  // a number field holds what the browser could read; a typed non-number is sent as text for the server to name
  for (const [k, id] of [['effort_low_hours', 'rq-effort-low'], ['effort_high_hours', 'rq-effort-high']]) {
    const el = $(id);
    if (el.value !== '') bc[k] = Number(el.value);
    else if (el.validity && el.validity.badInput) bc[k] = 'not a number';
  }
  const recipients = recipientList();
  if (recipients.length || $('rq-chat').checked) bc.announce = { recipients, chat: $('rq-chat').checked };

  const b = { department_id: $('rq-department').value, title: text('rq-title'), business_case: bc };
  if ($('rq-sme').value) b.sme_person_id = $('rq-sme').value;
  b.approvers = Array.from($('rq-approvers').children).map((li) => {
    const a = { person_id: li.querySelector('[data-part="person_id"]').value };
    const due = li.querySelector('[data-part="due_date"]').value;
    if (due) a.due_date = due; // a date input's value is already YYYY-MM-DD
    return a;
  });
  if ($('rq-policy-n').checked) {
    b.policy = 'n_of_m';
    const req = $('rq-required').value;
    if (req !== '') b.required = Number(req);
  } else {
    b.policy = 'all';
  }
  if ($('rq-silence').checked) {
    b.approve_on_silence = true;
    if ($('rq-agreed-by').value) b.silence_agreed_by = $('rq-agreed-by').value;
    if ($('rq-agreed-at').value) b.silence_agreed_at = `${$('rq-agreed-at').value}T00:00:00Z`;
  }
  return b;
}

// ---- errors at their fields ----

// The control a JSON Pointer names: an exact data-where, an approver row's
// part, else the nearest enclosing pointer that names one (/business_case/
// announce/recipients/3 is the recipients box).
function controlFor(where) {
  const aliases = { '/policy/required': '/required', '/policy/kind': '/policy' };
  let w = aliases[where] || where || '';
  // approve on silence is refused for want of the agreement: the part that is missing
  if (w === '/policy/approve_on_silence')
    w = !$('rq-agreed-by').value ? '/silence_agreed_by' : !$('rq-agreed-at').value ? '/silence_agreed_at' : '/approve_on_silence';
  const ap = /^\/approvers\/(\d+)(?:\/(\w+))?/.exec(w);
  if (ap) {
    const li = $('rq-approvers').children[Number(ap[1])];
    if (li) {
      const part = ap[2] === 'due_in_days' ? 'due_date' : ap[2];
      return li.querySelector(`[data-part="${part}"]`) || li.querySelector('select');
    }
    w = '/approvers';
  }
  const form = $('intake-form');
  for (;;) {
    const el = form.querySelector(`[data-where="${CSS.escape(w)}"]`);
    if (el) return el;
    if (!w) return null;
    w = w.slice(0, w.lastIndexOf('/'));
  }
}

function labelOf(el) {
  if (el.tagName === 'FIELDSET') return el.querySelector('legend').textContent.trim();
  const l = el.labels && el.labels[0];
  return l ? l.textContent.replace(/\(required\)/, '').trim() : '';
}

// The server's sentence, with ids named by the people's names; a missing or
// empty field says which one.
function messageFor(err, el) {
  const b = err.body || {};
  const label = el ? labelOf(el) : '';
  if (el && (b.name === 'JSON_FIELD_MISSING' || /non-empty string/.test(b.detail || ''))) {
    return el.tagName === 'SELECT' ? `\u201c${label}\u201d is required: choose one.`
      : `\u201c${label}\u201d is required: fill it in.`;
  }
  let msg = err.message;
  for (const p of state.people) msg = msg.split(`'${p.id}'`).join(p.name);
  for (const d of state.departments) msg = msg.split(`'${d.id}'`).join(d.name);
  return /[.!?]$/.test(msg) ? msg : `${msg}.`;
}

function clearErrors() {
  for (const el of document.querySelectorAll('#intake-form [aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  for (const p of document.querySelectorAll('#intake-form p.error')) {
    const owner = document.querySelector(`[aria-describedby~="${p.id}"]`);
    if (owner) {
      const rest = owner.getAttribute('aria-describedby').split(/\s+/).filter((x) => x && x !== p.id);
      if (rest.length) owner.setAttribute('aria-describedby', rest.join(' '));
      else owner.removeAttribute('aria-describedby');
    }
    p.remove();
  }
  $('intake-error').textContent = '';
}

function showFieldError(el, msg) {
  const group = el.tagName === 'FIELDSET';
  const id = `${el.id || `rq-err-${Date.now()}`}-error`;
  if (!el.id) el.id = id.replace(/-error$/, '');
  const p = document.createElement('p');
  p.className = 'error';
  p.id = id;
  p.textContent = msg;
  if (group) el.querySelector('legend').after(p);
  else (el.closest('.field') || el.parentElement).append(p);
  el.setAttribute('aria-describedby', [el.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
  if (!group) el.setAttribute('aria-invalid', 'true');
  const target = group ? (el.querySelector('input, select, textarea') || el.querySelector('button')) : el;
  target.focus();
}

function showError(err) {
  const el = err.status === 400 || err.body.where ? controlFor(err.body.where) : null;
  if (el) {
    let msg = messageFor(err, el);
    const r = /^\/business_case\/announce\/recipients\/(\d+)$/.exec(err.body.where);
    const list = recipientList();
    if (r && list[Number(r[1])]) msg += ` \u201c${list[Number(r[1])]}\u201d is not one.`;
    showFieldError(el, msg);
    $('intake-error').textContent = 'The request was not created: one field needs a change.';
  } else {
    $('intake-error').textContent = err.status === 403
      ? 'Only admins create requests. Ask an admin for the role.'
      : `The request was not created: ${err.message}`;
    $('intake-title').focus();
  }
}

// ---- submit ----

async function submit(ev) {
  ev.preventDefault();
  const send = $('rq-send');
  if (send.disabled) return;
  clearErrors();
  $('intake-status').textContent = '';
  send.disabled = true;
  try {
    const { json } = await authed('POST', '/api/v1/requests', body());
    const title = json.title || text('rq-title');
    reset();
    if (state.onCreated) await state.onCreated(json, `The request \u201c${title}\u201d was created; it is under Requested.`);
  } catch (e) {
    if (e.status !== 401) showError(e);
  } finally {
    send.disabled = false;
  }
}

function reset() {
  $('intake-form').reset();
  clearErrors();
  $('rq-approvers').replaceChildren();
  delete $('rq-agreed-by').dataset.touched;
  addApprover(false);
  policyWords();
}

function wire() {
  const form = $('intake-form');
  form.addEventListener('submit', submit);
  form.addEventListener('change', (ev) => {
    if (ev.target.id === 'rq-department') onDepartment();
    if (ev.target.id === 'rq-agreed-by') $('rq-agreed-by').dataset.touched = '1';
    policyWords();
  });
  form.addEventListener('input', (ev) => {
    if (ev.target.id === 'rq-required') policyWords();
  });
  $('rq-add-approver').addEventListener('click', () => addApprover(true));
  $('rq-approvers').addEventListener('click', (ev) => {
    const b = ev.target.closest('button.remove');
    if (b) removeApprover(b.closest('li'));
  });
  state.wired = true;
}

// Shows the page; onCreated(request, message) runs after a request is made.
export async function showIntake(onCreated) {
  if (!state.wired) {
    wire();
    addApprover(false);
  }
  state.onCreated = onCreated;
  $('intake').hidden = false;
  $('intake-error').textContent = '';
  try {
    const [d, p] = await Promise.all([authed('GET', '/api/v1/departments'), authed('GET', '/api/v1/people')]);
    state.departments = d.json.departments || [];
    state.people = p.json.people || [];
    fillPickers();
    onDepartment();
  } catch (e) {
    if (e.status !== 401) $('intake-error').textContent = `The departments and people could not be read: ${e.message}`;
  }
  policyWords();
  document.body.dataset.loaded = 'true';
}

export function hideIntake() {
  $('intake').hidden = true;
}
