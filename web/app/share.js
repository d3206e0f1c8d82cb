// share.js: "Share the schedule" for department heads and admins (issue 16).
// Lists the departments the signed-in person heads (every department for an
// admin) from GET /api/v1/departments; per department a button makes a new
// share link for its public delivery schedule (POST .../schedule-link; the
// link is shown once, here, to copy; it replaces the previous one) and
// another revokes it (DELETE; the old link stops working at once). Hidden for
// everyone else.

import { authed } from './api.js';

const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) el.append(c instanceof Node ? c : String(c));
  return el;
}

function say(status, error) {
  $('share-status').textContent = status || '';
  $('share-error').textContent = error || '';
}

function row(dep) {
  const out = h('div', { class: 'share-link', hidden: true });
  const make = h('button', { type: 'button' }, 'Share the schedule');
  const stop = h('button', { type: 'button', class: 'quiet' }, 'Stop sharing');
  const path = `/api/v1/departments/${encodeURIComponent(dep.id)}/schedule-link`;
  make.addEventListener('click', async () => {
    make.disabled = true;
    say('', '');
    try {
      const { json } = await authed('POST', path);
      const id = `share-url-${dep.id}`;
      const input = h('input', { id, type: 'text', readonly: true, value: json.url, spellcheck: 'false' });
      out.replaceChildren(
        h('label', { for: id }, `Link to the ${dep.name} schedule (shown once: copy it now)`), input);
      out.hidden = false;
      input.focus();
      input.select();
      say(`A new link to the ${dep.name} schedule is ready; an earlier link no longer works.`);
    } catch (e) {
      say('', `The link was not made: ${e.message}`);
    } finally {
      make.disabled = false;
    }
  });
  stop.addEventListener('click', async () => {
    stop.disabled = true;
    say('', '');
    try {
      await authed('DELETE', path);
      out.replaceChildren();
      out.hidden = true;
      say(`The ${dep.name} schedule is no longer shared: its link stopped working.`);
    } catch (e) {
      say('', `Sharing did not stop: ${e.message}`);
    } finally {
      stop.disabled = false;
    }
  });
  return h('li', { class: 'share-item' }, h('h3', {}, dep.name), h('div', { class: 'share-buttons' }, make, stop), out);
}

export async function showShare(session) {
  const roles = session.roles || [];
  const admin = roles.includes('admin');
  let deps = [];
  try {
    const { json } = await authed('GET', '/api/v1/departments');
    deps = (json.departments || []).filter((d) => admin || (d.head_person_id && d.head_person_id === session.person.id));
  } catch (e) {
    deps = []; // a role that may not list departments heads none here
  }
  $('share-list').replaceChildren(...deps.map(row));
  say('', '');
  $('share').hidden = deps.length === 0;
}

export function hideShare() {
  $('share').hidden = true;
  $('share-list').replaceChildren();
  say('', '');
}
