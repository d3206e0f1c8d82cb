// words.js: what the board says, in words. Dates read "Monday 7 December"
// (with the year when it is not this year), never as numbers; the API's
// machine names (states, holders) become sentences. No DOM here.

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];

// The stages of the board, in order, and the course states each holds.
export const STAGES = [
  { id: 'requested', label: 'Requested', states: ['requested'],
    hint: 'Asked for; no course made yet.' },
  { id: 'in_development', label: 'In development', states: ['draft', 'changes_requested'],
    hint: 'The author builds it, or reworks it after a review.' },
  { id: 'in_review', label: 'In review', states: ['in_review'],
    hint: 'The approvers decide.' },
  { id: 'approved', label: 'Approved', states: ['approved'],
    hint: 'Waiting for the gateway to publish it.' },
  { id: 'publishing', label: 'Publishing', states: ['publishing'],
    hint: 'On its way to the LMS.' },
  { id: 'live', label: 'Live', states: ['published'], hint: 'Learners can take it.' },
  { id: 'publish_failed', label: 'Publish failed', states: ['publish_failed'],
    hint: 'The LMS refused it; an admin retries.' },
  { id: 'retired', label: 'Retired', states: ['retired'], hint: 'Taken off the LMS.' },
];

export function stageOf(state) {
  const s = STAGES.find((x) => x.states.includes(state));
  return s ? s.id : 'in_development';
}

// "2027-06-01" is a calendar day; a time with "T" is an instant. Days (due
// dates, deadlines: midnight UTC) are named by their UTC date, instants by
// the reader's own.
function parts(iso) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00Z';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const utc = /T00:00:00(\.000)?Z$/.test(iso);
  return utc
    ? { y: d.getUTCFullYear(), m: d.getUTCMonth(), day: d.getUTCDate(), wd: d.getUTCDay() }
    : { y: d.getFullYear(), m: d.getMonth(), day: d.getDate(), wd: d.getDay() };
}

// "Monday 7 December", or "Tuesday 1 June 2027" in another year.
export function dateWords(iso, now = new Date()) {
  const p = iso ? parts(iso) : null;
  if (!p) return 'an unknown day';
  const text = `${WEEKDAYS[p.wd]} ${p.day} ${MONTHS[p.m]}`;
  return p.y === now.getFullYear() ? text : `${text} ${p.y}`;
}

export function days(n) {
  return n === 1 ? '1 day' : `${n} days`;
}

// "(3 days)", "(today)"
export function howLong(n) {
  return n > 0 ? `${days(n)}` : 'today';
}

// "14:05", the time of the last refresh
export function clockWords(d) {
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function minutes(seconds) {
  const m = Math.max(1, Math.ceil(seconds / 60));
  return m === 1 ? '1 minute' : `${m} minutes`;
}

// Who holds an item, in words, for its holder kind and held_by entries.
export function holderWords(item) {
  const names = (item.held_by || []).map((h) => (h.delegate ? `${h.delegate} (for ${h.name})` : h.name))
    .filter(Boolean);
  switch (item.holder) {
    case 'training_team': return 'The training team: no course yet';
    case 'author': return names.length ? names.join(', ') : 'The author (none named yet)';
    case 'approvers': return names.length ? names.join(', ') : 'The approvers';
    case 'gateway': return 'The gateway, publishing to the LMS';
    case 'lms_admin': return 'An LMS admin';
    case 'nobody': return 'Nobody';
    default: return names.join(', ') || 'Nobody';
  }
}

// Why an item carries the red flag, or '' when it does not. Flagged: an
// approver is stall_after_days (the department's threshold) or more past
// their due date, or was escalated; or the course has been in review that
// many days.
export function flagWords(item) {
  if (item.state !== 'in_review') return '';
  const limit = item.stall_after_days || 0;
  const late = (item.held_by || []).filter((h) => h.stalled);
  if (late.length) {
    const h = late[0];
    const who = h.delegate || h.name;
    return `Stalled: ${who}'s review is ${days(h.days_overdue)} overdue` +
      (late.length > 1 ? `, and ${late.length - 1} more` : '') + '.';
  }
  if (limit > 0 && item.days_in_state >= limit)
    return `Stalled: in review for ${days(item.days_in_state)} (the department's limit is ${days(limit)}).`;
  return '';
}

// The LMS's message on a failed publish, for people: the gateway's error
// code as a sentence, the request line the connector adds (a method and a
// URL with the course's id) left out, and ids in the LMS's own words named
// "this course". The full text stays in GET /api/v1/courses/{id}/publish.
const LMS_CODES = {
  LMS_UNREACHABLE: 'The LMS could not be reached.',
  LMS_TIMEOUT: 'The LMS did not answer in time.',
  LMS_REJECTED: 'The LMS refused the course.',
  LMS_AUTH_FAILED: "The LMS refused the gateway's credentials: an admin fixes them in the LMS target.",
  LMS_IMPORT_FAILED: 'The LMS could not import the package.',
  LMS_BUSY: 'The LMS was overloaded.',
  LMS_BAD_RESPONSE: 'The LMS answered something the gateway cannot read.',
  LMS_TARGET_INVALID: 'The LMS target is configured wrongly.',
  LMS_IMPORT_PENDING: 'The LMS was still importing the package.',
};
const UUID = /(lmsgw-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export function lmsWords(text) {
  let rest = String(text || '').trim();
  let lead = '';
  const code = /^([A-Z][A-Z0-9_]+)(?: \d+)?: /.exec(rest);
  if (code) {
    lead = LMS_CODES[code[1]] || '';
    rest = rest.slice(code[0].length);
  }
  rest = rest.replace(/^(GET|POST|PUT|PATCH|DELETE|HEAD) \S+: /, '').replace(UUID, 'this course');
  return { lead, message: rest };
}

// "Monday 7 December at 14:05": an instant, in the reader's time.
export function whenWords(iso, now = new Date()) {
  const d = iso ? new Date(iso) : null;
  if (!d || Number.isNaN(d.getTime())) return 'at an unknown time';
  return `${dateWords(d.toISOString().replace('Z', '+00:00'), now)} at ${clockWords(d)}`;
}

// A course's state as a sentence's end: "The course is <words>."
export const COURSE_STATES = {
  draft: 'in development: no version passed the check yet',
  validated: 'checked and ready to submit for review',
  in_review: 'in review with the approvers',
  changes_requested: 'back with the author: the approvers asked for changes',
  approved: 'approved, waiting to be published',
  publishing: 'on its way to the LMS',
  published: 'live on the LMS',
  publish_failed: 'not published: the LMS refused it',
  retired: 'retired from the LMS',
};

export function courseStateWords(state) {
  return COURSE_STATES[state] || 'in development';
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many || `${one}s`}`;
}
