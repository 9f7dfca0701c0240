// Sightline rollouts page: the fleet's rollouts, each one's steps, gates (values against thresholds, as
// the API reports them; nothing is computed here), its cohort and, after a halt or rollback, the trace.
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'sightline.token';
const $ = (id) => document.getElementById(id);
const charts = {};

async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  let response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } });
  } catch (e) {
    throw new Error(`GET ${path}: ${e.message}. Is the Sightline app running?`);
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
    } catch (ignored) { /* not a problem document */ }
    throw new Error(`GET ${path}: ${response.status} ${detail}`);
  }
  return response.json();
}

function showError(error) {
  const banner = $('error-banner');
  banner.textContent = error.message;
  banner.hidden = false;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function num(v) {
  if (v === null || v === undefined) return '—';
  return Number.isInteger(v) ? String(v) : Number(v).toPrecision(4);
}

function short(sha) {
  return sha ? sha.substring(0, 12) : '—';
}

function chart(id) {
  if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: 'svg' });
  return charts[id];
}

function renderList(rollouts) {
  const table = $('rollout-list');
  table.replaceChildren(el('tr', {}, el('th', {}, 'rollout'), el('th', {}, 'state'), el('th', {}, 'step'),
    el('th', {}, 'challenger model'), el('th', {}, 'challenger policy'), el('th', {}, 'vehicles'), el('th', {}, 'started by')));
  for (const r of rollouts) {
    const row = el('tr', { class: 'selectable', 'data-rollout': r.rolloutId },
      el('td', {}, r.rolloutId),
      el('td', { class: `state-${r.state}` }, r.rollbackConfirmation ? `${r.state} (${r.rollbackConfirmation})` : r.state),
      el('td', {}, `${r.stepIndex} of ${r.steps}`),
      el('td', {}, short(r.challengerModelSha256)), el('td', {}, short(r.challengerPolicySha256)), el('td', {}, r.vehicles),
      el('td', {}, r.startedBy));
    row.addEventListener('click', () => select(r.rolloutId).catch(showError));
    table.append(row);
  }
  if (!rollouts.length) table.append(el('tr', {}, el('td', { class: 'muted' }, 'no rollout in this fleet')));
}

async function select(rolloutId) {
  for (const row of document.querySelectorAll('#rollout-list tr')) row.classList.toggle('selected', row.dataset.rollout === rolloutId);
  const r = await api(`${API}/rollouts/${encodeURIComponent(rolloutId)}`);
  $('detail').hidden = false;
  $('detail-id').textContent = r.rolloutId;
  $('detail-state').textContent = `${r.state} · step ${r.stepIndex}`;
  $('detail-versions').textContent = `champion model ${short(r.plan.championModelSha256)} policy ${short(r.plan.championPolicySha256)}`
    + ` → challenger model ${short(r.plan.challengerModelSha256)} policy ${short(r.plan.challengerPolicySha256)}`
    + ` · on gate failure: ${r.plan.onGateFailure}`;
  renderSteps(r);
  renderGates(r);
  renderCohort(r);
  await renderTrace(r);
  $('detail').dataset.rendered = r.rolloutId;
}

function renderSteps(r) {
  const table = $('steps');
  table.replaceChildren(el('tr', {}, el('th', {}, '#'), el('th', {}, 'kind'), el('th', {}, 'share %'), el('th', {}, 'vehicles'),
    el('th', {}, 'bake s'), el('th', {}, 'status')));
  for (const s of r.steps) {
    table.append(el('tr', { class: s.index === r.stepIndex ? 'selected' : '' }, el('td', {}, s.index), el('td', {}, s.kind),
      el('td', {}, num(s.sharePercent)), el('td', {}, s.vehicles), el('td', {}, s.bakeSeconds), el('td', {}, s.status)));
  }
  chart('steps-chart').setOption({
    title: { text: 'Share of the fleet per step (vehicles in the cohort)', textStyle: { fontSize: 12 } },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: r.steps.map((s) => `${s.index} ${s.kind}`) },
    yAxis: { type: 'value', name: '%', max: 100 },
    series: [{
      type: 'bar', name: 'share %',
      data: r.steps.map((s) => ({ value: s.sharePercent, vehicles: s.vehicles,
        itemStyle: { color: s.index === r.stepIndex ? (r.state === 'ROLLED_BACK' ? '#c0392b' : '#2f6fed') : (s.index < r.stepIndex ? '#7f9cd6' : '#c8d1e0') } })),
      label: { show: true, position: 'top', formatter: (p) => `${p.data.vehicles} veh.` },
    }],
  }, true);
}

function renderGates(r) {
  $('gates-note').textContent = r.active === false ? '' : (r.evidence
    ? `as they stand now: ${r.evidence.canarySessions} canary and ${r.evidence.controlSessions} control sessions`
    : 'as the last decision recorded them');
  const table = $('gates');
  table.replaceChildren(el('tr', {}, el('th', {}, 'gate'), el('th', {}, 'verdict'), el('th', {}, 'values'), el('th', {}, 'thresholds'),
    el('th', {}, 'detail')));
  for (const g of r.gates) {
    const values = Object.entries(g.values).map(([k, v]) => `${k} ${num(v)}`).join(' · ');
    const thresholds = Object.entries(g.thresholds).map(([k, v]) => `${k} ${num(v)}`).join(' · ');
    table.append(el('tr', { 'data-gate': g.gate }, el('td', {}, `${g.gate} v${g.version}`),
      el('td', { class: `gate-${g.verdict}` }, g.verdict), el('td', { 'data-values': '' }, values),
      el('td', { 'data-thresholds': '' }, thresholds), el('td', {}, g.detail)));
  }
  if (!r.gates.length) table.append(el('tr', {}, el('td', { class: 'muted' }, 'no gate checked yet (the first step has not begun)')));
}

function renderCohort(r) {
  const inCohort = r.vehicles.filter((v) => v.inCohort).length;
  $('cohort-note').textContent = `${inCohort} of ${r.vehicles.length} vehicles, in cohort order (sha256 of the vehicle id)`;
  const table = $('cohort');
  table.replaceChildren(el('tr', {}, el('th', {}, 'order'), el('th', {}, 'vehicle'), el('th', {}, 'hash'), el('th', {}, 'in the step\'s cohort')));
  r.vehicles.forEach((v, i) => table.append(el('tr', { class: v.inCohort ? 'selected' : '', 'data-vehicle': v.vehicleId },
    el('td', {}, i), el('td', {}, v.vehicleId), el('td', {}, v.cohortHash), el('td', {}, v.inCohort ? 'yes' : 'no'))));
}

async function renderTrace(r) {
  const stopped = r.events.some((e) => e.type === 'RolloutHalted' || e.type === 'RolloutRolledBack');
  $('trace').hidden = !stopped;
  if (!stopped) return;
  const t = await api(`${API}/rollouts/${encodeURIComponent(r.rolloutId)}/trace`);
  $('trace-narrative').textContent = t.narrative;
  const list = $('trace-causes');
  list.replaceChildren();
  for (const c of t.causes) {
    const item = el('li', { 'data-cause': c.eventId }, `${c.type} ${c.eventId} in ${c.aggregateId || '—'}`);
    if (c.type === 'AlertRaised' && c.payload && c.payload.alertId) {
      item.append(el('a', { href: `./#alert=${encodeURIComponent(c.payload.alertId)}` }, ` trace of ${c.payload.alertId}`));
    }
    list.append(item);
  }
  if (!t.causes.length) list.append(el('li', { class: 'muted' }, 'no event: an administrator decided'));
  // A rollback's confirmation by the vehicles it restored (ADR-0044), as the API states it.
  const rc = t.rollbackConfirmation;
  $('rollback-confirmation').textContent = rc ? rc.status : '';
  $('rollback-confirmation').className = rc ? `confirmation-${rc.status}` : '';
  $('rollback-confirmation').dataset.status = rc ? rc.status : '';
  $('rollback-confirmation-note').textContent = rc
    ? `${rc.confirmedVehicles} of ${rc.restoredVehicles} restored vehicles confirmed the champion; deadline ${rc.deadlineSeconds} s after the rollback`
      + (rc.unconfirmedVehicleIds.length ? `; not confirmed: ${rc.unconfirmedVehicleIds.join(', ')}` : '')
      + (rc.refusedVehicleIds.length ? `; refused the champion: ${rc.refusedVehicleIds.join(', ')}` : '')
      + (rc.unconfirmedTrigger === 'REFUSED' ? '; alarm raised before the deadline: every unconfirmed vehicle refused the champion' : '')
    : '';
  const confirmations = $('trace-confirmations');
  confirmations.replaceChildren();
  for (const c of t.confirmations) {
    const refused = (c.refusals || []).map((x) => `${x.kind} ${x.eventId}: ${x.reason}`).join('; ');
    confirmations.append(el('li', { 'data-vehicle': c.vehicleId, 'data-status': c.status || '', class: c.modelActivatedEventId ? '' : 'muted' },
      c.modelActivatedEventId ? `${c.vehicleId} runs the champion again (ModelActivated ${c.modelActivatedEventId})`
        : c.status === 'REFUSED' ? `${c.vehicleId} refused the champion (${refused})`
          : `${c.vehicleId}: not confirmed yet (no session on the champion since the rollback)`));
  }
}

async function start() {
  const linked = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  const wanted = new URLSearchParams(location.hash.replace(/^#/, '')).get('rollout');
  if (linked) {
    sessionStorage.setItem(TOKEN_KEY, linked);
    history.replaceState(null, '', location.pathname);
  }
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    $('token-panel').hidden = false;
    return;
  }
  $('rollouts').hidden = false;
  try {
    const list = await api(`${API}/rollouts`);
    renderList(list);
    const first = wanted || (list.length ? list[0].rolloutId : null);
    if (first) await select(first);
  } catch (e) {
    showError(e);
  }
  document.body.dataset.loaded = 'true';
  window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
}

document.addEventListener('DOMContentLoaded', start);
