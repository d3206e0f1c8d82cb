// The training team's web app (issue 16), served by the gateway at / (this
// folder is copied to the web root's app/ by scripts/build-web.sh and served
// at /app/{file} under a strict Content-Security-Policy: scripts only from
// this origin, no inline script or style).
//
// The stack, and why: no framework and no build step. Plain ES modules
// (index.html loads this file with <script type="module">) and the DOM, so
// the code the browser runs is the code in this folder: nothing to
// transpile, bundle or upgrade, and it keeps working as long as browsers do
// (a framework's major versions would outlive nobody here). Front-end
// libraries come from npm only (web/package.json): Chart.js for the
// department page's charts. The modules:
//   app.js     this file: the shell (header, navigation, sign out) and which
//              page shows: the sign-in page when GET /api/v1/session is 401,
//              else the board, or the intake page when the URL's fragment is
//              #new-request and the person is an admin
//   api.js     fetch with the session cookie and the CSRF header
//   signin.js  the sign-in page
//   board.js   the pipeline board
//   intake.js  the request intake page (admins), at /#new-request
//   course.js  the course page, at /#course/{id}
//   share.js   "Share the schedule" for department heads and admins
//   department.js  the department page (#department/{id}: figures, charts,
//              courses, chargeback) and the list of departments (#departments)
//   words.js   dates and states in words
//   app.css    the style (contrast >= 4.5:1, visible focus, 375 px wide)

import { session, signOut, onSignedOut } from './api.js';
import { showSignIn, hideSignIn } from './signin.js';
import { showBoard, hideBoard, boardStatus } from './board.js';
import { showIntake, hideIntake } from './intake.js';
import { showShare, hideShare } from './share.js';
import { showCourse, hideCourse } from './course.js';
import {
  showDepartment, hideDepartment, isDepartmentHash, showDepartments, hideDepartments, isDepartmentsHash,
  visibleDepartments,
} from './department.js';
import { setDepartmentLinks } from './board.js';

const $ = (id) => document.getElementById(id);

const INTAKE = '#new-request';
let current = null; // the signed-in session

function signedOutView() {
  current = null;
  hideBoard();
  hideIntake();
  hideShare();
  hideCourse();
  hideDepartment();
  hideDepartments();
  $('nav').hidden = true;
  $('who').hidden = true;
  $('who-name').textContent = '';
  showSignIn();
  document.title = 'Sign in: Training pipeline';
  document.body.dataset.view = 'signin';
}

function isAdmin(s) {
  return (s.roles || []).includes('admin');
}

function markCurrent(view) {
  for (const [id, v] of [['nav-board', 'board'], ['nav-intake', 'intake'], ['nav-departments', 'departments']]) {
    const a = id === 'nav-board' ? $(id) : $(id).querySelector('a');
    if (v === view) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

// The page the URL's fragment asks for: a course (#course/{id}), the
// departments (#departments, #department/{id}), the intake page for admins
// (#new-request), else the board. body[data-loaded] is "false" until it has
// loaded (tests and wall screens wait for "true").
async function route(moveFocus) {
  if (!current) return;
  // until the page asked for has loaded (a new fragment is no new document)
  document.body.dataset.loaded = 'false';
  try {
    await showRoute(moveFocus);
  } finally {
    document.body.dataset.loaded = 'true';
  }
}

async function showRoute(moveFocus) {
  const course = /^#course\/(.+)$/.exec(location.hash);
  if (course) {
    hideBoard();
    hideShare();
    hideIntake();
    hideDepartment();
    hideDepartments();
    markCurrent('course');
    document.body.dataset.view = 'course';
    await showCourse(decodeURIComponent(course[1]), current);
    if (moveFocus) $('course-title').focus();
    return;
  }
  hideCourse();
  if (!isDepartmentHash(location.hash)) hideDepartment();
  if (!isDepartmentsHash(location.hash)) hideDepartments();
  if (isDepartmentHash(location.hash) || isDepartmentsHash(location.hash)) {
    hideBoard();
    hideShare();
    hideIntake();
    markCurrent('departments');
    document.title = 'Departments: Training pipeline';
    document.body.dataset.view = isDepartmentHash(location.hash) ? 'department' : 'departments';
    if (isDepartmentsHash(location.hash)) {
      await showDepartments();
      if (moveFocus) $('departments-title').focus();
    } else {
      const focus = await showDepartment(current);
      if (moveFocus) focus.focus();
    }
  } else if (location.hash === INTAKE && isAdmin(current)) {
    hideBoard();
    hideShare();
    markCurrent('intake');
    document.title = 'New request: Training pipeline';
    document.body.dataset.view = 'intake';
    await showIntake(created);
    if (moveFocus) $('intake-title').focus();
  } else {
    hideIntake();
    markCurrent('board');
    document.title = 'Pipeline: Training pipeline';
    document.body.dataset.view = 'board';
    await showBoard(current);
    await showShare(current);
    if (moveFocus) $('board-title').focus();
  }
}

// After a request is made: the board, where it is listed as requested.
async function created(request, message) {
  history.pushState(null, '', '/');
  await route(false);
  boardStatus(message);
  $('board-title').focus();
}

async function signedInView(s) {
  current = s;
  hideSignIn();
  $('who-name').textContent = s.person.name;
  $('who').hidden = false;
  $('nav').hidden = false;
  $('nav-intake').hidden = !isAdmin(s);
  // departments whose page this person may see (the gateway decides)
  const deps = await visibleDepartments();
  $('nav-departments').hidden = deps.length === 0;
  setDepartmentLinks(deps.map((d) => d.id));
  await route(false);
}

async function start() {
  onSignedOut(signedOutView);
  window.addEventListener('hashchange', () => route(true));
  $('signout').addEventListener('click', async () => {
    $('signout').disabled = true;
    try {
      await signOut();
    } catch (e) {
      // an ended session is signed out all the same
    } finally {
      $('signout').disabled = false;
    }
    signedOutView();
    $('main').focus();
  });
  let s = null;
  try {
    s = await session();
  } catch (e) {
    $('loading').textContent = `The gateway did not answer: ${e.message} Reload the page to try again.`;
    return;
  }
  $('loading').hidden = true;
  if (s) await signedInView(s);
  else signedOutView();
  document.body.dataset.loaded = 'true';
}

start();
