// signin.js: the sign-in page, shown when nobody is signed in. One e-mail
// field and a button; POST /api/v1/signin answers 202 whether or not the
// address is someone's, so the page says "check your mail" in the gateway's
// own words either way; 429 says when to try again (Retry-After, in minutes).

import { call } from './api.js';
import { minutes } from './words.js';

const $ = (id) => document.getElementById(id);

function showAsk() {
  $('signin-ask').hidden = false;
  $('signin-sent').hidden = true;
}

async function send(ev) {
  ev.preventDefault();
  const input = $('email');
  const email = input.value.trim();
  const error = $('signin-error');
  error.textContent = '';
  input.removeAttribute('aria-invalid');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    error.textContent = 'Enter an e-mail address, such as name@example.org.';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  const button = $('signin-send');
  button.disabled = true;
  try {
    const { json } = await call('POST', '/api/v1/signin', { email });
    $('sent-text').textContent = (json && json.message) ||
      'If this address belongs to someone here, a sign-in link is on its way to it.';
    $('signin-ask').hidden = true;
    $('signin-sent').hidden = false;
    $('sent-title').focus();
  } catch (e) {
    if (e.status === 429) {
      const after = Number(e.headers && e.headers.get('Retry-After')) || 3600;
      error.textContent = `Too many sign-in links were asked for. Try again in ${minutes(after)}.`;
    } else if (e.status === 400) {
      error.textContent = e.message;
      input.setAttribute('aria-invalid', 'true');
    } else {
      error.textContent = `No link was sent: ${e.message}`;
    }
    input.focus();
  } finally {
    button.disabled = false;
  }
}

let wired = false;

export function showSignIn() {
  if (!wired) {
    $('signin-form').addEventListener('submit', send);
    $('signin-again').addEventListener('click', () => {
      showAsk();
      $('email').focus();
    });
    wired = true;
  }
  showAsk();
  $('signin').hidden = false;
}

export function hideSignIn() {
  $('signin').hidden = true;
}
