// api.js: the gateway's API as the app uses it. The session is an HttpOnly
// cookie the browser sends by itself (same origin); every change (any method
// but GET) carries the session's CSRF token in X-CSRF-Token. A 401 means the
// session ended: whoever listens to onSignedOut shows the sign-in page.

let csrf = '';
let signedOut = () => {};

export function onSignedOut(fn) {
  signedOut = fn;
}

// An API error: the gateway's sentence (detail, else hint) and its status.
export class ApiError extends Error {
  constructor(status, body, headers) {
    super((body && (body.detail || body.hint)) || `The gateway answered ${status}.`);
    this.status = status;
    this.body = body || {};
    this.headers = headers;
  }
}

export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { detail: 'The gateway cannot be reached. Check the network; the page tries again.' });
  }
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
  if (!r.ok) throw new ApiError(r.status, json, r.headers);
  return { status: r.status, json, headers: r.headers };
}

// The signed-in person's session, or null when nobody is signed in.
export async function session() {
  try {
    const { json } = await call('GET', '/api/v1/session');
    if (!json || json.kind !== 'session') return null;
    csrf = json.csrf_token;
    return json;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

// Calls that end the app when the session has ended meanwhile.
export async function authed(method, path, body) {
  try {
    return await call(method, path, body);
  } catch (e) {
    if (e.status === 401) {
      csrf = '';
      signedOut();
    }
    throw e;
  }
}

export async function signOut() {
  try {
    await call('DELETE', '/api/v1/session');
  } finally {
    csrf = '';
  }
}

// Uploads a file with XHR (fetch reports no upload progress): the zip as the
// body with its name in X-Filename, or, for a name that is not plain ASCII
// (a header cannot carry it), as the "file" part of a form. onProgress gets
// the share sent, 0 to 1. Resolves like call(); rejects with an ApiError.
export function upload(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    let body = file;
    if (/^[\x20-\x7e]+$/.test(file.name)) {
      xhr.setRequestHeader('Content-Type', 'application/zip');
      xhr.setRequestHeader('X-Filename', file.name);
    } else {
      body = new FormData();
      body.append('file', file, file.name);
    }
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable && onProgress) onProgress(ev.loaded / ev.total);
    };
    xhr.onload = () => {
      let json = null;
      try { json = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch (e) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve({ status: xhr.status, json });
        return;
      }
      if (xhr.status === 401) {
        csrf = '';
        signedOut();
      }
      reject(new ApiError(xhr.status, json, null));
    };
    xhr.onerror = () => reject(new ApiError(0, {
      detail: 'The upload was cut off: the gateway could not be reached. Check the network and try again.',
    }));
    xhr.send(body);
  });
}
