// Sightline investigator UI: plain modern JS over /api/v1, no build step and no third-party code.
// Everything from the API is put into the page as text (textContent), never as markup; the one
// exception is the trace SVG, which the server escapes and which is parsed as XML and stripped of
// anything executable before it is inserted.
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'sightline.token';
const PAGE_SIZE = 50;
const VERDICT_LABELS = {
  TRUE_POSITIVE: 'true positive',
  FALSE_POSITIVE: 'false positive',
  UNSURE: 'unsure',
};

const state = {
  token: null,
  filters: {},
  nextCursor: null,
  // A link may ask for another page size (#limit=N, 1..500, as the API allows).
  pageSize: PAGE_SIZE,
  selectedId: null,
  // Object URLs of evidence images, revoked when another alert is shown.
  blobUrls: [],
  // Bumped on every selection so late answers for a previous alert are dropped.
  generation: 0,
};

const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ API

class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

/** Alert ids contain slashes, which the API expects as path separators; every segment is encoded. */
function alertPath(alertId, sub) {
  const encoded = alertId.split('/').map(encodeURIComponent).join('/');
  return `${API}/alerts/${encoded}${sub ? '/' + sub : ''}`;
}

async function api(path, { method = 'GET', body, accept = 'application/json', as = 'json' } = {}) {
  const headers = { Accept: accept };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'The server did not answer', `${method} ${path}: ${e.message}. Is the Sightline app running?`);
  }
  if (!response.ok) {
    let title = response.statusText || `HTTP ${response.status}`;
    let detail = '';
    const type = response.headers.get('Content-Type') || '';
    if (type.includes('json')) {
      try {
        const problem = await response.json();
        title = problem.title || title;
        detail = problem.detail || '';
      } catch (ignored) { /* a body that is not JSON after all: the status says enough */ }
    }
    throw new ApiError(response.status, title, detail);
  }
  if (as === 'json') return response.json();
  if (as === 'text') return response.text();
  return response.blob();
}

// ------------------------------------------------------------------ errors and token

function describe(error) {
  if (!(error instanceof ApiError)) return String(error && error.message || error);
  const what = error.detail ? `${error.title}: ${error.detail}` : error.title;
  switch (error.status) {
    case 401: return `${what} (401). The token is missing, expired or not valid here: paste a new one.`;
    case 403: return `${what} (403). This token does not have the investigator role.`;
    case 404: return `${what} (404).`;
    case 0: return `${error.title}. ${error.detail}`;
    default: return `${what} (${error.status}).`;
  }
}

function showError(error) {
  const banner = $('error-banner');
  banner.textContent = describe(error);
  banner.hidden = false;
  if (error instanceof ApiError && error.status === 401) {
    showTokenPanel();
  }
}

function clearError() {
  $('error-banner').hidden = true;
  $('error-banner').textContent = '';
}

/** The token's claims for display only: the server checks the signature, the page never trusts these. */
function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(part), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    return JSON.parse(json);
  } catch (e) {
    return null;
  }
}

function useToken(token) {
  state.token = token.trim();
  sessionStorage.setItem(TOKEN_KEY, state.token);
  const c = claims(state.token);
  const who = $('session-who');
  if (c) {
    const expires = c.exp ? `, expires ${new Date(c.exp * 1000).toISOString().replace('T', ' ').slice(0, 16)} UTC` : '';
    who.textContent = `${c.sub || 'unknown'} · fleet ${c.fleet || '?'}${expires}`;
  } else {
    who.textContent = 'token set (not a readable JWT)';
  }
  $('sign-out').hidden = false;
  $('token-panel').hidden = true;
  $('workspace').hidden = false;
}

function showTokenPanel() {
  $('token-panel').hidden = false;
  $('workspace').hidden = true;
  $('token-input').focus();
}

/** A token in the link (#token=…) wins, is kept for the tab, and is taken out of the address bar. */
function tokenFromLocation() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = params.get('token');
  if (token) {
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
  }
  return token;
}

// ------------------------------------------------------------------ formatting

function nanosToDate(nanos) {
  return new Date(Number(nanos) / 1e6);
}

function formatTime(nanos) {
  if (nanos === null || nanos === undefined) return '—';
  const d = nanosToDate(nanos);
  return d.toISOString().replace('T', ' ').replace('Z', ' UTC');
}

/** datetime-local (read as UTC) to epoch ns, exactly: BigInt, since ns do not fit a double. */
function localInputToNanos(value) {
  if (!value) return null;
  const ms = Date.parse(value + (value.length === 16 ? ':00' : '') + 'Z');
  if (Number.isNaN(ms)) return null;
  return (BigInt(ms) * 1000000n).toString();
}

function num(v, digits = 3) {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  return Number(v.toPrecision(digits)).toString();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function verdictBadge(verdict, target) {
  const badge = target || el('span');
  badge.className = 'badge ' + (verdict ? 'verdict-' + verdict.toLowerCase().replace('_', '-') : 'verdict-none');
  badge.textContent = verdict ? VERDICT_LABELS[verdict] || verdict : 'unreviewed';
  badge.dataset.verdict = verdict || 'UNREVIEWED';
  return badge;
}

function levelBadge(level) {
  return el('span', { class: 'badge level-' + String(level || '').toLowerCase(), text: level || '?' });
}

function humanKind(kind) {
  return String(kind || '').toLowerCase().replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

// ------------------------------------------------------------------ alert list

function readFilters() {
  const f = {};
  const vehicle = $('filter-vehicle').value.trim();
  const kind = $('filter-kind').value.trim();
  if (vehicle) f.vehicle = vehicle;
  if (kind) f.kind = kind;
  if ($('filter-level').value) f.level = $('filter-level').value;
  if ($('filter-verdict').value) f.verdict = $('filter-verdict').value;
  const from = localInputToNanos($('filter-from').value);
  const to = localInputToNanos($('filter-to').value);
  if (from) f.fromNanos = from;
  if (to) f.toNanos = to;
  return f;
}

async function loadAlerts(append) {
  const params = new URLSearchParams({ ...state.filters, limit: String(state.pageSize) });
  if (append && state.nextCursor) params.set('cursor', state.nextCursor);
  const list = $('alert-list');
  const more = $('alert-more');
  more.disabled = true;
  try {
    const page = await api(`${API}/alerts?${params}`);
    clearError();
    if (!append) list.replaceChildren();
    for (const alert of page.items) list.append(alertRow(alert));
    state.nextCursor = page.nextCursor;
    more.hidden = !page.nextCursor;
    const shown = list.children.length;
    $('alert-count').textContent = shown === 0 ? 'No alerts match these filters.'
      : `${shown} alert${shown === 1 ? '' : 's'}${page.nextCursor ? ', more available' : ''}`;
  } catch (e) {
    showError(e);
  } finally {
    more.disabled = false;
  }
}

// ------------------------------------------------------------------ quality

function percent(v) {
  return `${Math.round(v * 100)}%`;
}

/** A rate with its interval, or a dash when nothing was reviewed: "67% (21–94%, n=3)". */
function rateText(rate) {
  return rate ? `${percent(rate.value)} (${percent(rate.low95)}–${percent(rate.high95)}, n=${rate.trials})` : '—';
}

async function loadQuality() {
  try {
    const report = await api(`${API}/quality`);
    const rows = report.rows.map((r) => el('tr', { 'data-testid': 'quality-row', 'data-kind': r.kind, 'data-policy': r.policyVersion },
      el('td', { text: `${humanKind(r.kind)} · ${r.policyVersion}` }),
      el('td', { text: String(r.raised), title: `${r.truePositives} true, ${r.falsePositives} false, ${r.unsure} unsure,`
        + ` ${r.unreviewed} unreviewed; ${r.missedReported} missed reported` }),
      el('td', { text: rateText(r.precision) }),
      el('td', { text: rateText(r.recall) })));
    $('quality-rows').replaceChildren(...rows);
  } catch (e) {
    showError(e);
  }
}

function alertRow(alert) {
  const button = el('button', {
    type: 'button',
    class: 'alert-row',
    'data-testid': 'alert-row',
    'data-alert-id': alert.alertId,
    'aria-current': alert.alertId === state.selectedId ? 'true' : null,
  },
  el('span', { class: 'row-top' },
    el('span', { class: 'row-kind', text: humanKind(alert.kind) }),
    levelBadge(alert.level)),
  el('span', { class: 'row-mid' },
    el('span', { class: 'row-vehicle', text: alert.vehicleId }),
    el('span', { class: 'row-time', text: formatTime(alert.raisedAtNanos).slice(0, 19) })),
  el('span', { class: 'row-bottom' },
    el('code', { class: 'row-id', text: alert.alertId }),
    verdictBadge(alert.verdict)));
  button.addEventListener('click', () => selectAlert(alert.alertId));
  return el('li', {}, button);
}

function markSelected(alertId) {
  for (const row of document.querySelectorAll('.alert-row')) {
    if (row.dataset.alertId === alertId) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');
  }
}

function updateRowVerdict(alertId, verdict) {
  for (const row of document.querySelectorAll('.alert-row')) {
    if (row.dataset.alertId === alertId) verdictBadge(verdict, row.querySelector('.row-bottom .badge'));
  }
}

// ------------------------------------------------------------------ alert detail

async function selectAlert(alertId) {
  const generation = ++state.generation;
  state.selectedId = alertId;
  markSelected(alertId);
  for (const url of state.blobUrls) URL.revokeObjectURL(url);
  state.blobUrls = [];
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  params.set('alert', alertId);
  history.replaceState(null, '', '#' + params.toString());

  const detail = $('detail');
  let alert;
  try {
    alert = await api(alertPath(alertId));
  } catch (e) {
    if (generation === state.generation) {
      detail.replaceChildren(el('div', { class: 'empty-state' }, el('h2', { text: 'Alert not available' }),
        el('p', { text: describe(e) })));
      showError(e);
    }
    return;
  }
  if (generation !== state.generation) return;
  clearError();
  document.title = `${humanKind(alert.kind)} ${alert.alertId} · Sightline Investigator`;
  const view = $('detail-template').content.cloneNode(true);
  const field = (name) => view.querySelector(`[data-field="${name}"]`);
  field('vehicle').textContent = `${alert.vehicleId} · session ${alert.sessionId}`;
  field('title').replaceChildren(document.createTextNode(humanKind(alert.kind) + ' '), levelBadge(alert.level));
  field('alertId').textContent = alert.alertId;
  verdictBadge(alert.verdict, field('verdict'));
  field('reviewer').textContent = reviewerText(alert);
  const facts = field('facts');
  const fact = (label, value) => facts.append(el('div', {}, el('dt', { text: label }), el('dd', { text: value })));
  fact('Raised', formatTime(alert.raisedAtNanos));
  fact('Cleared', alert.clearedAtNanos ? `${formatTime(alert.clearedAtNanos)} (${alert.clearedReason || 'cleared'})` : 'not cleared');
  fact('Track', alert.trackId || '—');
  fact('Policy', alert.policyVersion || '—');

  const zoom = view.querySelector('[data-testid="graph-zoom"]');
  zoom.addEventListener('click', () => {
    const actual = zoom.getAttribute('aria-pressed') !== 'true';
    zoom.setAttribute('aria-pressed', String(actual));
    zoom.closest('.card').querySelector('.graph').classList.toggle('actual', actual);
  });

  const reviewSection = view.querySelector('.review');
  for (const button of reviewSection.querySelectorAll('button[data-verdict]')) {
    button.addEventListener('click', () => review(alert, button.dataset.verdict, reviewSection));
  }
  detail.replaceChildren(view);
  detail.scrollTop = 0;

  const narrativeBox = detail.querySelector('[data-field="narrative"]');
  const marginsBox = detail.querySelector('[data-field="margins"]');
  const graphBox = detail.querySelector('[data-field="graph"]');
  const evidenceBox = detail.querySelector('[data-field="evidence"]');
  const guard = (box, promise) => promise.catch((e) => {
    if (generation === state.generation) box.replaceChildren(el('p', { class: 'problem', text: describe(e) }));
  });
  await Promise.all([
    guard(narrativeBox, api(alertPath(alertId, 'narrative')).then((n) => {
      if (generation !== state.generation) return;
      renderNarrative(narrativeBox, n);
      renderMargins(marginsBox, n.margins);
    }).catch((e) => {
      if (generation === state.generation) marginsBox.replaceChildren(el('p', { class: 'problem', text: describe(e) }));
      throw e;
    })),
    guard(graphBox, loadGraph(graphBox, alertId, generation)),
    guard(evidenceBox, api(alertPath(alertId, 'evidence')).then((evidence) => {
      if (generation === state.generation) return renderEvidence(evidenceBox, evidence, generation);
      return undefined;
    })),
  ]);
}

function loadGraph(box, alertId, generation) {
  return api(alertPath(alertId, 'trace') + '?format=svg', { accept: 'image/svg+xml', as: 'text' }).then((svg) => {
    if (generation === state.generation) renderGraph(box, svg);
  });
}

function reviewerText(alert) {
  if (!alert.verdict) return 'not reviewed yet';
  return `by ${alert.reviewer || '?'}${alert.reviewedAtNanos ? ' at ' + formatTime(alert.reviewedAtNanos) : ''}`;
}

function renderNarrative(box, narrative) {
  const list = el('ul', { class: 'details' });
  for (const d of narrative.details || []) list.append(el('li', { text: d }));
  box.replaceChildren(el('p', { class: 'headline', 'data-testid': 'narrative-headline', text: narrative.headline }), list);
  // Drift found later in the cloud for this alert's model, vehicle or fleet: context, never a cause.
  if ((narrative.driftInForce || []).length) {
    const drift = el('ul', { class: 'details drift', 'data-testid': 'narrative-drift' });
    for (const d of narrative.driftInForce) drift.append(el('li', { text: `Raised under drift: ${d}` }));
    box.append(drift);
  }
}

/** The counterfactual in words, on its own line under the numbers it explains. */
function statementRow(statement, columns, flips) {
  return el('tr', { class: 'statement-row' + (flips ? ' flips' : '') }, el('td', { colspan: String(columns), text: statement }));
}

function renderMargins(box, margins) {
  if (!margins) {
    box.replaceChildren(el('p', { class: 'muted', text: 'The trace holds no risk assessment, so there are no margins to show.' }));
    return;
  }
  const factors = el('table', { class: 'data', 'data-testid': 'margins-table' },
    el('caption', {
      text: `${margins.ruleName} under policy ${margins.policyVersion} decided ${margins.alerted ? 'to alert' : 'not to alert'};`
        + ' each factor with how far it was from flipping.',
    }),
    el('thead', {}, el('tr', {}, ...['Factor', 'Value', 'Condition', 'Margin', 'Flips alone']
      .map((h) => el('th', { scope: 'col', text: h })))));
  const body = el('tbody');
  for (const f of margins.factors || []) {
    body.append(el('tr', { class: 'numbers' + (f.flipsDecision ? ' flips' : ''), 'data-testid': 'margin-row' },
      el('th', { scope: 'row', text: f.label }),
      el('td', { class: 'num', text: `${num(f.value)} ${f.unit}` }),
      el('td', { class: 'num', text: `${f.comparison} ${num(f.threshold)}` }),
      el('td', { class: 'num', text: `${num(f.marginInUnit)} ${f.unit}` }),
      el('td', {}, el('span', { class: 'badge ' + (f.flipsDecision ? 'flip-yes' : 'flip-no'), text: f.flipsDecision ? 'yes' : 'no' }))),
    statementRow(f.statement, 5, f.flipsDecision));
  }
  factors.append(body);
  const parts = [factors];
  if (margins.kinematics && margins.kinematics.length) {
    const kin = el('table', { class: 'data', 'data-testid': 'kinematics-table' },
      el('caption', {
        text: 'The value each quantity would have needed, the others as recorded, for TTC to cross its threshold'
          + (margins.kinematicsMatchRecordedTtc ? '.' : ' (approximate: the recorded TTC was not from kinematics).'),
      }),
      el('thead', {}, el('tr', {}, ...['Quantity', 'Recorded', 'Boundary', 'Change']
        .map((h) => el('th', { scope: 'col', text: h })))));
    const kb = el('tbody');
    for (const k of margins.kinematics) {
      kb.append(el('tr', { class: 'numbers' },
        el('th', { scope: 'row', text: k.quantity }),
        el('td', { class: 'num', text: `${num(k.recorded)} ${k.unit}` }),
        el('td', { class: 'num', text: `${k.comparison} ${num(k.boundary)}` }),
        el('td', { class: 'num', text: `${num(k.changeNeeded)} ${k.unit}` })),
      statementRow(k.statement, 4, false));
    }
    kin.append(kb);
    // Folded: the narrative already names the closest kinematic flip; the table is for the detail.
    parts.push(el('details', { class: 'kinematics' },
      el('summary', { text: `Kinematic bounds (${margins.kinematics.length})` }), kin));
  }
  box.replaceChildren(...parts);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Parsed as XML (so stray markup cannot turn into HTML) and stripped of scripts, foreign content and handlers. */
function renderGraph(box, svgText) {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.namespaceURI !== SVG_NS || root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) {
    box.replaceChildren(el('p', { class: 'problem', text: 'The trace drawing could not be read.' }));
    return;
  }
  for (const bad of Array.from(root.querySelectorAll('script, foreignObject, iframe, image, use'))) bad.remove();
  for (const node of [root, ...root.querySelectorAll('*')]) {
    for (const attr of Array.from(node.attributes)) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on') || ((name === 'href' || name === 'xlink:href') && !attr.value.startsWith('#'))) {
        node.removeAttribute(attr.name);
      }
    }
  }
  const svg = document.importNode(root, true);
  svg.setAttribute('data-testid', 'trace-svg');
  // Fitted to the card by CSS (viewBox keeps the proportions); "Actual size" shows it 1:1 in the scroll box.
  svg.removeAttribute('height');
  const count = svg.querySelectorAll('[data-testid="trace-node"]').length;
  box.replaceChildren(svg);
  box.setAttribute('aria-label', `Causal trace graph with ${count} events`);
  box.dataset.nodes = String(count);
}

// A file's frames carry container time (seconds into it), a live source's the capture wall clock
// (nanoseconds since the epoch); beyond 1e17 ns (three years) it is a wall-clock instant (Fmt.frameTime).
function frameCaption(frame) {
  const nanos = Number(frame.captureTimeNanos);
  if (nanos >= 1e17) {
    return `Frame ${frame.frameIndex} · ${new Date(nanos / 1e6).toISOString()}`;
  }
  return `Frame ${frame.frameIndex} · ${num(nanos / 1e9, 4)} s`;
}

/**
 * The deciding frame large (the newest frame of the causal trace), every frame of the alert's
 * window as a thumbnail strip below; a thumbnail click shows that frame large. The JPEGs already
 * carry the detector's boxes, drawn by the edge.
 */
async function renderEvidence(box, evidence, generation) {
  const clips = (evidence && evidence.clips) || [];
  if (clips.length) return renderClip(box, clips[0], generation);
  const frames = ((evidence && evidence.frames) || []).slice().sort((a, b) => a.frameIndex - b.frameIndex);
  if (!frames.length) {
    box.replaceChildren(el('p', { class: 'muted', text: 'No evidence frames were uploaded for this alert\'s window.' }));
    return;
  }
  const traced = frames.filter((f) => f.inCausalTrace);
  const deciding = traced.length ? traced[traced.length - 1] : frames[0];
  const urls = new Map();

  const featuredImg = el('img', { alt: '', 'data-testid': 'evidence-image' });
  const featuredCaption = el('figcaption');
  const featured = el('figure', { class: 'featured', 'data-testid': 'evidence-featured' },
    el('div', { class: 'frame-image' }, featuredImg), featuredCaption);
  const strip = el('ul', { class: 'strip', 'aria-label': 'Frames of the alert window' });
  const thumbs = new Map();

  function show(frame) {
    featuredImg.alt = `${frameCaption(frame)}${frame.inCausalTrace ? ', in the causal trace' : ''}, detector boxes drawn`;
    featuredImg.width = frame.widthPx;
    featuredImg.height = frame.heightPx;
    if (urls.has(frame.sha256)) featuredImg.src = urls.get(frame.sha256);
    featured.dataset.frameId = frame.frameId;
    featured.classList.toggle('in-trace', Boolean(frame.inCausalTrace));
    featuredCaption.replaceChildren(
      el('strong', { text: frameCaption(frame) }),
      frame === deciding && frame.inCausalTrace ? el('span', { class: 'badge in-trace-badge', text: 'deciding frame' })
        : frame.inCausalTrace ? el('span', { class: 'badge in-trace-badge', text: 'in causal trace' }) : null,
      el('code', { class: 'sha', title: `sha256 ${frame.sha256}`, text: `sha256 ${String(frame.sha256).slice(0, 12)}…` }));
    for (const [f, thumb] of thumbs) thumb.setAttribute('aria-pressed', String(f === frame));
  }

  for (const frame of frames) {
    const img = el('img', { alt: frameCaption(frame), 'data-testid': 'evidence-image', width: frame.widthPx, height: frame.heightPx });
    const thumb = el('button', {
      type: 'button',
      class: 'thumb' + (frame.inCausalTrace ? ' in-trace' : ''),
      'data-testid': 'evidence-frame',
      'data-frame-id': frame.frameId,
      'data-in-causal-trace': String(Boolean(frame.inCausalTrace)),
      title: frame.inCausalTrace ? `${frameCaption(frame)} (in the causal trace)` : frameCaption(frame),
    }, img, el('span', { class: 'thumb-label', text: `#${frame.frameIndex}` }));
    thumb.addEventListener('click', () => show(frame));
    thumbs.set(frame, thumb);
    strip.append(el('li', {}, thumb));
  }
  const legend = el('p', { class: 'muted small strip-legend' },
    `${frames.length} frame${frames.length === 1 ? '' : 's'} around the alert; `,
    el('span', { class: 'legend-swatch', 'aria-hidden': 'true' }), ` ${traced.length} in the causal trace.`);
  box.replaceChildren(featured, strip, legend);
  show(deciding);

  // The images need the bearer token, which <img src> cannot send: fetched, then shown from blob: URLs.
  await Promise.all(frames.map((frame) => api(frame.url, { accept: 'image/jpeg', as: 'blob' }).then((blob) => {
    if (generation !== state.generation) return;
    const url = URL.createObjectURL(blob);
    state.blobUrls.push(url);
    urls.set(frame.sha256, url);
    thumbs.get(frame).querySelector('img').src = url;
    if (featured.dataset.frameId === frame.frameId) featuredImg.src = url;
  }).catch((e) => {
    const thumb = thumbs.get(frame);
    thumb.classList.add('failed');
    thumb.title = describe(e);
    if (featured.dataset.frameId === frame.frameId) featuredCaption.append(el('span', { class: 'problem small', text: describe(e) }));
  })));
}

/**
 * The alert window as the camera recorded it (ADR-0037): the clip plays in a <video>, and a canvas
 * over it draws the detector's boxes of the frame on screen, from the detection events, so the
 * pixels stay the camera's own. It opens paused on the deciding frame (the newest frame of the
 * causal trace). The clip's frame k is the window's frame firstFrameIndex + k; the server gives
 * each frame's offset and the time to seek to.
 */
async function renderClip(box, clip, generation) {
  const frames = (clip.frames || []).slice().sort((a, b) => a.offset - b.offset);
  const byOffset = new Map(frames.map((f) => [Number(f.offset), f]));
  const fps = Number(clip.frameRateHz) > 0 ? Number(clip.frameRateHz) : 25;
  const deciding = frames.find((f) => Number(f.frameIndex) === Number(clip.alertFrameIndex)) || frames[frames.length - 1];
  const video = el('video', { 'data-testid': 'evidence-video', muted: true, playsinline: true, controls: true, preload: 'auto',
    width: clip.widthPx, height: clip.heightPx });
  video.muted = true;
  const canvas = el('canvas', { class: 'clip-overlay', 'data-testid': 'evidence-overlay', width: clip.widthPx, height: clip.heightPx,
    'aria-hidden': 'true' });
  const caption = el('figcaption');
  const figure = el('figure', { class: 'featured clip', 'data-testid': 'evidence-clip', 'data-sha256': clip.sha256 },
    el('div', { class: 'clip-frame' }, video, canvas), caption);
  const step = (delta) => () => {
    video.pause();
    const k = Math.min(Math.max(currentOffset() + delta, 0), Number(clip.frameCount) - 1);
    video.currentTime = (k + 0.5) / fps;
  };
  const controls = el('p', { class: 'clip-controls' },
    el('button', { type: 'button', 'data-testid': 'clip-previous', text: '◀ frame' }),
    el('button', { type: 'button', 'data-testid': 'clip-deciding', text: 'deciding frame' }),
    el('button', { type: 'button', 'data-testid': 'clip-next', text: 'frame ▶' }),
    el('span', { class: 'muted small', text: ` ${frames.length} frames of the alert window in a ${clip.frameCount}-frame clip of`
      + ` the camera's own video; boxes drawn from the detection events.` }));
  const [prev, decide, next] = controls.querySelectorAll('button');
  prev.addEventListener('click', step(-1));
  next.addEventListener('click', step(1));
  decide.addEventListener('click', () => { video.pause(); if (deciding) video.currentTime = Number(deciding.timeS); });
  box.replaceChildren(figure, controls);
  const still = renderStill(box, clip, deciding, generation);

  let mediaTime = 0;
  function currentOffset() {
    return Math.min(Math.max(Math.floor(mediaTime * fps + 1e-6), 0), Number(clip.frameCount) - 1);
  }
  function draw() {
    const k = currentOffset();
    const frame = byOffset.get(k);
    const drawn = [];
    drawBoxes(canvas, frame, drawn);
    // What is on screen, for the browser test and anyone inspecting the page.
    canvas.dataset.offset = String(k);
    canvas.dataset.frameIndex = frame ? String(frame.frameIndex) : '';
    canvas.dataset.boxes = JSON.stringify(drawn);
    figure.classList.toggle('in-trace', Boolean(frame && frame.inCausalTrace));
    caption.replaceChildren(
      el('strong', { text: frame ? `Frame ${frame.frameIndex}` : `Clip frame ${k} (outside the alert window)` }),
      frame && deciding && frame.frameIndex === deciding.frameIndex ? el('span', { class: 'badge in-trace-badge', text: 'deciding frame' })
        : frame && frame.inCausalTrace ? el('span', { class: 'badge in-trace-badge', text: 'in causal trace' }) : null,
      el('span', { class: 'muted small', text: `${drawn.length} box${drawn.length === 1 ? '' : 'es'}` }),
      el('code', { class: 'sha', title: `sha256 ${clip.sha256}`, text: `clip sha256 ${String(clip.sha256).slice(0, 12)}…` }));
  }
  // The exact presented frame where the browser tells it (requestVideoFrameCallback), the clock otherwise.
  function onFrame(now, meta) {
    mediaTime = meta.mediaTime;
    draw();
    video.requestVideoFrameCallback(onFrame);
  }
  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) video.requestVideoFrameCallback(onFrame);
  for (const type of ['seeked', 'timeupdate']) {
    video.addEventListener(type, () => { mediaTime = video.currentTime; draw(); });
  }
  // Paused between two frames' times, the clock and the picture may name neighbours: settle on the middle of the
  // clock's frame, so the picture, the overlay and the clock agree.
  video.addEventListener('pause', () => {
    const k = Math.min(Math.max(Math.floor(video.currentTime * fps + 1e-6), 0), Number(clip.frameCount) - 1);
    video.currentTime = (k + 0.5) / fps;
  });
  video.addEventListener('loadedmetadata', () => { if (deciding) video.currentTime = Number(deciding.timeS); }, { once: true });

  // <video src> cannot send the bearer token: the clip is fetched, then played from a blob: URL.
  await showBlob(clip.url, clip.contentType || 'video/mp4', video, figure, caption, generation);
  await still;
}

/**
 * Fetches evidence with the bearer token (which <img src> and <video src> cannot send) and shows
 * it in media from a blob: URL, revoked when another alert is shown; a failure marks the figure.
 */
async function showBlob(path, accept, media, figure, caption, generation) {
  try {
    const blob = await api(path, { accept, as: 'blob' });
    if (generation !== state.generation) return;
    const url = URL.createObjectURL(blob);
    state.blobUrls.push(url);
    media.src = url;
  } catch (e) {
    figure.classList.add('failed');
    caption.append(el('span', { class: 'problem small', text: describe(e) }));
  }
}

/**
 * Draws a frame's detection boxes (in the frame's own pixels, frame.widthPx wide) on a canvas over
 * a picture of canvas.width pixels: an encoded clip or a still may be smaller than the frame (ADR-0041).
 * Appends each drawn box, in the frame's pixels, to drawn.
 */
function drawBoxes(canvas, frame, drawn) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const scale = frame && Number(frame.widthPx) > 0 ? canvas.width / Number(frame.widthPx) : 1;
  const thickness = Math.max(2, Math.round(canvas.width / 480));
  ctx.font = '13px sans-serif';
  for (const b of (frame && frame.boxes) || []) {
    const colour = BOX_COLOURS[((b.classId % BOX_COLOURS.length) + BOX_COLOURS.length) % BOX_COLOURS.length];
    const [x1, y1, x2, y2] = [b.x1 * scale, b.y1 * scale, b.x2 * scale, b.y2 * scale];
    ctx.strokeStyle = colour;
    ctx.lineWidth = thickness;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    const label = `${b.className} ${Number(b.score).toFixed(2)}`;
    const w = ctx.measureText(label).width + 6;
    ctx.fillStyle = colour;
    ctx.fillRect(x1, Math.max(0, y1 - 17), w, 17);
    ctx.fillStyle = '#000';
    ctx.fillText(label, x1 + 3, Math.max(13, y1 - 4));
    drawn.push([b.x1, b.y1, b.x2, b.y2]);
  }
}

/**
 * The still JPEG of the deciding frame kept with the clip (ADR-0041): the picture an investigator
 * or auditor reads without a video player, with that frame's boxes drawn over it as over the clip.
 */
async function renderStill(box, clip, deciding, generation) {
  const still = clip.decidingStill;
  if (!still) return;
  const img = el('img', { 'data-testid': 'evidence-still', width: still.widthPx, height: still.heightPx,
    alt: `Deciding frame ${still.frameIndex}, still JPEG from the edge, detector boxes drawn over it` });
  const canvas = el('canvas', { class: 'clip-overlay', 'data-testid': 'evidence-still-overlay', width: still.widthPx,
    height: still.heightPx, 'aria-hidden': 'true' });
  const frame = (clip.frames || []).find((f) => Number(f.frameIndex) === Number(still.frameIndex)) || deciding;
  const drawn = [];
  drawBoxes(canvas, frame, drawn);
  canvas.dataset.boxes = JSON.stringify(drawn);
  const caption = el('figcaption', {},
    el('strong', { text: `Frame ${still.frameIndex}` }), el('span', { class: 'badge in-trace-badge', text: 'deciding frame' }),
    el('span', { class: 'muted small', text: 'still JPEG' }),
    el('code', { class: 'sha', title: `sha256 ${still.sha256}`, text: `sha256 ${String(still.sha256).slice(0, 12)}…` }));
  const figure = el('figure', { class: 'featured still', 'data-testid': 'evidence-still-figure', 'data-sha256': still.sha256 },
    el('div', { class: 'clip-frame' }, img, canvas), caption);
  box.append(figure);
  await showBlob(still.url, 'image/jpeg', img, figure, caption, generation);
}

const BOX_COLOURS = ['#ffc800', '#00a0ff', '#50dc50', '#e650e6', '#ff3c3c', '#50ffff', '#ff6450', '#a0ff00'];

/**
 * The review is now a consequence in the trace: redraw the graph once it shows it (the trace
 * edges are projected on their own, a moment after the alert list). A failure keeps the old drawing.
 */
async function redrawWithReview(alertId, reviewEventId, generation) {
  const deadline = Date.now() + 15000;
  while (generation === state.generation) {
    let svg;
    try {
      svg = await api(alertPath(alertId, 'trace') + '?format=svg', { accept: 'image/svg+xml', as: 'text' });
    } catch (e) {
      return;
    }
    const found = svg.includes(`data-event-id="${reviewEventId}"`);
    if ((found || Date.now() > deadline) && generation === state.generation) {
      renderGraph(document.querySelector('[data-field="graph"]'), svg);
      return;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function review(alert, verdict, section) {
  const status = section.querySelector('.review-status');
  const buttons = section.querySelectorAll('button[data-verdict]');
  const note = section.querySelector('input').value.trim();
  buttons.forEach((b) => { b.disabled = true; });
  status.className = 'review-status muted small';
  status.textContent = `Recording ${VERDICT_LABELS[verdict]}…`;
  try {
    const accepted = await api(alertPath(alert.alertId, 'review'), { method: 'POST', body: note ? { verdict, note } : { verdict } });
    status.textContent = `Recorded ${VERDICT_LABELS[verdict]} by ${accepted.reviewer}; waiting for the alert list to show it…`;
    // The verdict reaches GET /alerts through the projection, normally well under a second.
    const deadline = Date.now() + 15000;
    let current = alert;
    while (Date.now() < deadline) {
      current = await api(alertPath(alert.alertId));
      if (current.verdict === verdict && current.reviewedAtNanos >= accepted.reviewedAtNanos - 1e6) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (state.selectedId === alert.alertId) {
      const badge = document.querySelector('[data-testid="alert-verdict"]');
      verdictBadge(current.verdict, badge);
      document.querySelector('[data-field="reviewer"]').textContent = reviewerText(current);
    }
    updateRowVerdict(alert.alertId, current.verdict);
    redrawWithReview(alert.alertId, accepted.eventId, state.generation);
    loadQuality();
    status.className = 'review-status ok small';
    status.textContent = current.verdict === verdict
      ? `Saved: ${VERDICT_LABELS[verdict]} by ${accepted.reviewer}.`
      : `Recorded (event ${accepted.eventId}), but the alert does not show it yet; reload in a moment.`;
  } catch (e) {
    status.className = 'review-status problem small';
    status.textContent = describe(e);
    if (e instanceof ApiError && e.status === 401) showError(e);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// ------------------------------------------------------------------ start

function start() {
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token-input').value.trim();
    if (!token) return;
    useToken(token);
    clearError();
    loadAlerts(false);
    loadQuality();
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    $('sign-out').hidden = true;
    $('session-who').textContent = 'not signed in';
    $('token-input').value = '';
    showTokenPanel();
  });
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    state.filters = readFilters();
    state.nextCursor = null;
    loadAlerts(false);
  });
  $('filters').addEventListener('reset', () => {
    // After the browser has cleared the fields.
    setTimeout(() => {
      state.filters = {};
      state.nextCursor = null;
      loadAlerts(false);
    });
  });
  $('alert-more').addEventListener('click', () => loadAlerts(true));

  const token = tokenFromLocation() || sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    showTokenPanel();
    return;
  }
  useToken(token);
  const linkParams = new URLSearchParams(location.hash.replace(/^#/, ''));
  const limit = Number(linkParams.get('limit'));
  if (Number.isInteger(limit) && limit >= 1 && limit <= 500) state.pageSize = limit;
  const linked = linkParams.get('alert');
  loadAlerts(false).then(() => {
    if (linked) selectAlert(linked);
  });
  loadQuality();
}

document.addEventListener('DOMContentLoaded', start);
