/* player.js: runs the package under review in the approver's page (served
 * from the content origin, /c/{cap}/play; see include/gw/preview.h).
 *
 * SCORM 1.2 and 2004: a fresh scorm-again API (window.API or
 * window.API_1484_11) per item, so the SCO finds it in its parent as in an
 * LMS; nothing is committed anywhere. cmi5 and Tin Can: the AU is launched
 * with the launch parameters it expects, against the preview LRS on this
 * origin, whose statements never count in KPIs. What the course reports is
 * posted to the review page (the parent, on the gateway's origin) to show
 * the approver; this page itself holds no credential of the gateway. */
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('lmsgw-course').textContent);
  var frame = document.getElementById('sco');
  var statusLine = document.getElementById('status');
  var toc = document.getElementById('toc');
  var embedded = window.parent !== window;
  var items = cfg.items || [];
  var launchable = items.filter(function (it) { return it.launchable; });
  var current = null;
  var pollTimer = null;
  var since = cfg.since_ms || 0;
  var authToken = null;

  function tell(kind, detail) {
    if (!embedded) return;
    var msg = { source: 'lmsgw-player', kind: kind, item: current ? current.title : '' };
    Object.keys(detail || {}).forEach(function (k) { msg[k] = detail[k]; });
    window.parent.postMessage(msg, cfg.parent_origin);
  }

  /* ---- SCORM: the run-time API in this window ---- */

  function scormApi() {
    var settings = { autocommit: false, lmsCommitUrl: false, logLevel: 5 };
    delete window.API;
    delete window.API_1484_11;
    if (cfg.standard === 'scorm12' && window.Scorm12API) {
      var a = new window.Scorm12API(settings);
      try {
        a.loadFromJSON({ core: { student_id: cfg.learner.id, student_name: cfg.learner.name } });
      } catch (e) { /* the SCO then sees empty learner fields */ }
      a.on('LMSInitialize', function () { tell('initialize', { call: 'LMSInitialize' }); });
      a.on('LMSSetValue.cmi.*', function (el, v) {
        tell('set', { call: 'LMSSetValue', element: el, value: String(v) });
      });
      a.on('LMSCommit', function () { tell('commit', { call: 'LMSCommit' }); });
      a.on('LMSFinish', function () { tell('finish', { call: 'LMSFinish' }); });
      window.API = a;
      return;
    }
    if (cfg.standard === 'scorm2004' && window.Scorm2004API) {
      var b = new window.Scorm2004API(settings);
      try {
        b.loadFromJSON({ learner_id: cfg.learner.id, learner_name: cfg.learner.name });
      } catch (e) { /* as above */ }
      b.on('Initialize', function () { tell('initialize', { call: 'Initialize' }); });
      b.on('SetValue.cmi.*', function (el, v) {
        tell('set', { call: 'SetValue', element: el, value: String(v) });
      });
      b.on('Commit', function () { tell('commit', { call: 'Commit' }); });
      b.on('Terminate', function () { tell('finish', { call: 'Terminate' }); });
      window.API_1484_11 = b;
    }
  }

  /* ---- cmi5 and Tin Can: launch parameters and the preview LRS ---- */

  function fetchToken() {
    if (authToken) return Promise.resolve(authToken);
    return fetch(cfg.xapi.fetch, { method: 'POST' })
      .then(function (r) { return r.json(); })
      .then(function (j) { authToken = j['auth-token']; return authToken; });
  }

  function xapiUrl(item) {
    var u = new URL(item.url, location.href);
    var p = u.searchParams;
    var actor = JSON.stringify(cfg.xapi.actor);
    if (cfg.standard === 'cmi5') {
      p.set('endpoint', cfg.xapi.endpoint);
      p.set('fetch', cfg.xapi.fetch);
      p.set('actor', actor);
      p.set('registration', cfg.xapi.registration);
      p.set('activityId', item.id);
      return Promise.resolve(u.href);
    }
    return fetchToken().then(function (token) {
      p.set('endpoint', cfg.xapi.endpoint);
      p.set('auth', 'Basic ' + token);
      p.set('actor', actor);
      p.set('registration', cfg.xapi.registration);
      if (item.id) p.set('activity_id', item.id);
      return u.href;
    });
  }

  /* the preview LRS lists the newest first; the page is told oldest first */
  function poll() {
    fetch('preview/reported?since=' + since).then(function (r) {
      return r.ok ? r.json() : [];
    }).then(function (list) {
      (list || []).slice().reverse().forEach(function (s) {
        if (s.stored_ms > since) since = s.stored_ms;
        tell('statement', { verb: s.verb, object: s.object, result: s.result || null });
      });
    }).catch(function () { /* the next poll tries again */ });
  }

  /* ---- navigation between the items of the organization ---- */

  function select(item) {
    current = item;
    var n = launchable.indexOf(item) + 1;
    statusLine.textContent = 'Showing ' + (item.title || 'the course') +
      (launchable.length > 1 ? ' (' + n + ' of ' + launchable.length + ')' : '') + '.';
    toc.querySelectorAll('button').forEach(function (b) {
      b.setAttribute('aria-current', b.dataset.index === String(items.indexOf(item)));
    });
    tell('launch', { title: item.title || '' });
    var scorm = cfg.standard === 'scorm12' || cfg.standard === 'scorm2004';
    /* the previous SCO unloads (and finishes) against its own API first */
    frame.addEventListener('load', function once() {
      frame.removeEventListener('load', once);
      if (scorm) {
        scormApi();
        frame.src = item.url;
        return;
      }
      xapiUrl(item).then(function (u) { frame.src = u; }).catch(function () {
        statusLine.textContent = 'The course could not be started: the preview is not ' +
          'available. Reload the review page.';
      });
      if (!pollTimer) pollTimer = setInterval(poll, 2000);
    });
    frame.src = 'about:blank';
  }

  function buildToc() {
    var ol = document.createElement('ol');
    items.forEach(function (it, i) {
      var li = document.createElement('li');
      li.style.paddingLeft = (it.depth || 0) + 'em';
      if (it.launchable) {
        var b = document.createElement('button');
        b.type = 'button';
        b.textContent = it.title || ('Part ' + (i + 1));
        b.dataset.index = String(i);
        b.addEventListener('click', function () { select(it); });
        li.appendChild(b);
      } else {
        li.className = 'group';
        li.textContent = it.title || '';
      }
      ol.appendChild(li);
    });
    var h = document.createElement('h2');
    h.textContent = 'Contents';
    h.style.fontSize = '1em';
    toc.appendChild(h);
    toc.appendChild(ol);
  }

  buildToc();
  if (launchable.length) {
    select(launchable[0]);
  } else {
    statusLine.textContent = 'This package has nothing a learner can launch.';
  }
})();
