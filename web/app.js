/* lmsgw dashboard: reads the KPI and pipeline APIs as the person signed in
 * to the web app (the session cookie), or else with the key the user gives
 * (kept in sessionStorage, or passed once as #key=... for kiosks), and
 * renders tables, plus a chart when Chart.js loaded. No framework. */
(function () {
  'use strict';

  var KPI_ORDER = ['department', 'department_name', 'course', 'course_title', 'month',
    'learners_started', 'learners_completed', 'completion_rate', 'learners_passed',
    'learners_failed', 'pass_rate', 'avg_score', 'median_time_to_complete_s',
    'feedback_count', 'avg_rating', 'feedback_response_rate', 'comments', 'statements'];
  var PIPELINE_ORDER = ['title', 'department', 'state', 'days_in_state', 'held_by', 'stalled'];
  /* ids are for machines, not for the page */
  var HIDDEN = { id: 1, course_id: 1, department_id: 1, request_id: 1 };
  var RATES = { completion_rate: 1, pass_rate: 1, feedback_response_rate: 1, deployment_rate: 1 };

  function $(id) { return document.getElementById(id); }

  function key() {
    var m = /(?:^|[#&])key=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem('lmsgw-key', decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname);
    }
    return sessionStorage.getItem('lmsgw-key');
  }

  function status(text, isError) {
    var s = $('status');
    s.textContent = text;
    s.className = isError ? 'error' : '';
  }

  function get(path) {
    var headers = { Accept: 'application/json' };
    if (key()) headers.Authorization = 'Bearer ' + key(); /* else the session cookie, if any */
    return fetch(path, { headers: headers, credentials: 'same-origin' })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) {
            var e = new Error(body.detail || ('HTTP ' + r.status));
            e.status = r.status;
            throw e;
          }
          return body;
        });
      });
  }

  function label(name) {
    return name.replace(/_s$/, ' (s)').replace(/_/g, ' ');
  }

  function cell(name, value) {
    if (value === null || value === undefined) return '\u2014'; /* absent is not 0 */
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    if (typeof value === 'number') {
      if (RATES[name]) return (100 * value).toFixed(1) + ' %';
      if (Math.round(value) !== value) return value.toFixed(2);
      return String(value);
    }
    if (Array.isArray(value)) {
      if (!value.length) return '\u2014';
      return value.map(function (x) {
        return x && typeof x === 'object' ? (x.name || x.person_id || x.id || JSON.stringify(x)) : String(x);
      }).join(', ');
    }
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  /* Known columns first, then whatever else the records carry. */
  function columns(records, order) {
    var seen = {}, cols = [];
    order.forEach(function (c) {
      if (records.some(function (r) { return c in r; })) { cols.push(c); seen[c] = 1; }
    });
    records.forEach(function (r) {
      Object.keys(r).forEach(function (c) {
        if (!seen[c] && !HIDDEN[c] && (typeof r[c] !== 'object' || Array.isArray(r[c]) || r[c] === null)) {
          cols.push(c); seen[c] = 1;
        }
      });
    });
    return cols;
  }

  function table(el, records, order, rowClass) {
    el.textContent = '';
    if (!records.length) {
      var cap = el.createCaption();
      cap.textContent = 'Nothing yet.';
      return;
    }
    var cols = columns(records, order);
    var head = el.createTHead().insertRow();
    cols.forEach(function (c) {
      var th = document.createElement('th');
      th.scope = 'col';
      th.textContent = label(c);
      head.appendChild(th);
    });
    var body = el.createTBody();
    records.forEach(function (r) {
      var tr = body.insertRow();
      if (rowClass) tr.className = rowClass(r);
      cols.forEach(function (c) {
        var td = tr.insertCell();
        td.textContent = cell(c, r[c]);
        if (typeof r[c] === 'number') td.className = 'num';
      });
    });
  }

  function chart(records) {
    if (typeof Chart === 'undefined' || !records.length) return;
    var names = records.map(function (r) {
      return r.department_name || r.department || r.course_title || r.course || '?';
    });
    new Chart($('completion-chart'), {
      type: 'bar',
      data: {
        labels: names,
        datasets: [{
          label: 'completion rate (%)',
          data: records.map(function (r) {
            return r.completion_rate === null || r.completion_rate === undefined
              ? null : Math.round(1000 * r.completion_rate) / 10;
          }),
          backgroundColor: '#2b6cb0'
        }]
      },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } }
    });
  }

  function records(body) {
    if (Array.isArray(body)) return body;
    return body.records || body.courses || body.items || [];
  }

  function signIn(message) {
    sessionStorage.removeItem('lmsgw-key');
    $('login').hidden = false;
    status(message, true);
    document.body.setAttribute('data-loaded', 'true');
  }

  /* The key first: a wrong one asks again, before any figure is fetched. */
  function load() {
    $('login').hidden = true;
    status('Loading\u2026');
    get('/api/v1/whoami').then(function (who) {
      $('who').textContent = 'Signed in as ' + who.name + ' (' + who.role + ').';
      figures();
    }, function (e) {
      if (e.status === 401) signIn('That key is not valid; enter a bi or admin key.');
      else signIn('The gateway did not answer: ' + e.message);
    });
  }

  function figures() {
    var kpis = get('/api/v1/kpis?group_by=department').then(function (body) {
      var rows = records(body);
      table($('departments-table'), rows, KPI_ORDER);
      chart(rows);
      if ('unattributed_statements' in body)
        $('unattributed').textContent = body.unattributed_statements +
          ' statements matched no course (kept, counted here).';
      $('departments').hidden = false;
    });
    var pipeline = get('/api/v1/pipeline').then(function (body) {
      table($('pipeline-table'), records(body), PIPELINE_ORDER, function (r) {
        return r.stalled ? 'stalled' : '';
      });
      $('pipeline').hidden = false;
    });
    Promise.allSettled([kpis, pipeline]).then(function (results) {
      var failed = results.filter(function (r) { return r.status === 'rejected'; });
      if (failed.some(function (r) { return r.reason.status === 403; })) {
        status('This key may not read the figures; use a bi or admin key.', true);
      } else if (failed.length) {
        status('Some figures could not be loaded: ' + failed.map(function (r) {
          return r.reason.message;
        }).join('; '), true);
      } else {
        status('Updated ' + new Date().toLocaleString() + '.');
      }
      document.body.setAttribute('data-loaded', 'true');
    });
  }

  $('key-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    sessionStorage.setItem('lmsgw-key', $('key').value);
    load();
  });

  /* A key given here wins; else the web app's session; else ask for a key. */
  function start() {
    if (key()) { load(); return; }
    get('/api/v1/session').then(function (s) {
      if (s.kind !== 'session') throw new Error('not a session');
      $('who').textContent = 'Signed in as ' + s.person.name + ' (' + s.roles.join(', ') + ').';
      figures();
    }).catch(function () {
      $('login').hidden = false;
      document.body.setAttribute('data-loaded', 'true');
    });
  }

  start();
})();
