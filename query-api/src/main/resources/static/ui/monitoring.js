// Sightline monitoring page: drift, latency change points, alert quality over time and camera health,
// from /api/v1 with the investigator page's token. Numbers are plotted with ECharts (the project's WebJar)
// exactly as the API gives them; nothing here computes a statistic. Text from the API goes in as text.
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'sightline.token';
const QUALITY_PERIODS = 4;
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
    const error = new Error(`GET ${path}: ${response.status} ${detail}`);
    error.status = response.status;
    throw error;
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

function num(v, digits = 3) {
  if (v === null || v === undefined) return '—';
  return Math.abs(v) >= 1e-3 || v === 0 ? Number(v).toPrecision(digits) : Number(v).toExponential(2);
}

function time(nanos) {
  return new Date(Number(BigInt(nanos) / 1000000n)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function alertLink(alertId) {
  return el('a', { href: `./#alert=${encodeURIComponent(alertId)}`, 'data-alert': alertId }, `trace of ${alertId}`);
}

function chart(id) {
  if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: 'svg' });
  return charts[id];
}

// ------------------------------------------------------------------ drift

function showHistogram(status) {
  const h = status.histogram;
  const c = chart('drift-histogram');
  if (!h) {
    c.clear();
    c.setOption({ title: { text: `${status.feature}: ${status.reason}`, textStyle: { fontSize: 12 } } });
    return;
  }
  c.setOption({
    title: { text: `${status.scope} ${status.scopeKey} · ${status.feature} (${status.verdict})`, textStyle: { fontSize: 12 } },
    tooltip: { trigger: 'axis' },
    legend: { top: 24, data: ['reference', 'current'] },
    grid: { top: 60, left: 50, right: 20, bottom: 60 },
    xAxis: { type: 'category', data: h.labels, axisLabel: { rotate: 30, fontSize: 10 } },
    yAxis: { type: 'value', name: 'share' },
    series: [
      { name: 'reference', type: 'bar', data: h.referenceShares },
      { name: 'current', type: 'bar', data: h.currentShares },
    ],
  }, true);
}

function renderDrift(report) {
  $('drift-policy').textContent = `policy ${report.policy.version}: reference ${report.policy.referenceSessions} sessions,`
      + ` current ${report.policy.currentSessions}, alpha ${report.policy.alpha}`;
  const table = $('drift-status');
  table.replaceChildren(el('tr', {}, ...['scope', 'key', 'feature', 'verdict', 'statistic', 'value', 'threshold', 'session p',
    'Holm level', 'PSI', 'why'].map((h) => el('th', {}, h))));
  let first = null;
  for (const s of report.status) {
    const m = s.measurement;
    const row = el('tr', { class: 'selectable', 'data-feature': s.feature, 'data-scope': s.scope },
      el('td', {}, s.scope), el('td', {}, s.scopeKey), el('td', {}, s.feature),
      el('td', { class: `verdict-${s.verdict}` }, s.verdict),
      el('td', {}, m ? m.statistic : '—'), el('td', {}, m ? num(m.statisticValue) : '—'), el('td', {}, m ? num(m.statisticThreshold) : '—'),
      el('td', {}, m ? num(m.sessionPValue) : '—'), el('td', {}, m ? num(m.sessionPValueThreshold) : '—'), el('td', {}, m ? num(m.psi) : '—'),
      el('td', { class: 'muted' }, s.reason));
    row.addEventListener('click', () => {
      table.querySelectorAll('tr.selected').forEach((r) => r.classList.remove('selected'));
      row.classList.add('selected');
      showHistogram(s);
    });
    table.append(row);
    if (!first || (s.verdict === 'DRIFTED' && first.verdict !== 'DRIFTED')) first = s;
  }
  if (first) showHistogram(first);
  const list = $('drift-findings');
  list.replaceChildren();
  for (const view of report.findings) {
    const f = view.finding;
    const m = f.measurement;
    const item = el('li', { 'data-finding': f.findingId },
      `${time(f.detectedAtNanos)} · ${f.scope} ${f.scopeKey} · ${f.feature} drifted (${m.statistic} ${num(m.statisticValue)},`
      + ` session-level p ${num(m.sessionPValue)})${f.clearedAtNanos ? ' · cleared ' + time(f.clearedAtNanos) : ' · open'}`);
    for (const a of view.alertIds) item.append(alertLink(a));
    list.append(item);
  }
  if (!report.findings.length) list.append(el('li', { class: 'muted' }, 'no drift found'));
}

// ------------------------------------------------------------------ latency

function renderLatency(report) {
  const series = [];
  for (const s of report.series) {
    const changes = new Set(s.changePointSessionIds);
    const name = `${s.stage} · ${s.modelSha256.slice(0, 8)} · ${s.softwareVersion}`;
    series.push({
      name,
      type: 'line',
      showSymbol: true,
      data: s.sessions.map((p) => [Number(BigInt(p.endedAtNanos) / 1000000n), p.p95Micros / 1000]),
      markPoint: {
        symbol: 'pin',
        data: s.sessions.filter((p) => changes.has(p.sessionId))
          .map((p) => ({ name: 'change point', coord: [Number(BigInt(p.endedAtNanos) / 1000000n), p.p95Micros / 1000], value: 'Δ' })),
      },
      markLine: s.referenceP95Micros == null ? undefined
        : { symbol: 'none', lineStyle: { type: 'dashed' }, data: [{ yAxis: s.referenceP95Micros / 1000, name: 'reference' }] },
    });
  }
  chart('latency-chart').setOption({
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', top: 0 },
    grid: { top: 40, left: 60, right: 20, bottom: 40 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: 'p95 ms' },
    series,
  }, true);
  const list = $('latency-findings');
  list.replaceChildren();
  for (const f of report.findings) {
    list.append(el('li', { 'data-finding': f.findingId }, `${time(f.detectedAtNanos)} · ${f.stage} p95 ${num(f.currentP95Micros / 1000)} ms against`
      + ` ${num(f.referenceP95Micros / 1000)} ms (CUSUM ${num(f.statistic)} ≥ ${num(f.thresholdSigmas)} spreads) · sessions`
      + ` ${f.sessionIds.join(', ')} · event ${f.eventId}`));
  }
  if (!report.findings.length) list.append(el('li', { class: 'muted' }, 'no latency regression found'));
}

// ------------------------------------------------------------------ quality

async function loadQuality() {
  const alerts = await api(`${API}/alerts?limit=500`);
  if (!alerts.items.length) {
    chart('quality-chart').setOption({ title: { text: 'no alerts yet', textStyle: { fontSize: 12 } } });
    return;
  }
  const times = alerts.items.map((a) => BigInt(a.raisedAtNanos));
  const from = times.reduce((a, b) => (a < b ? a : b));
  const to = times.reduce((a, b) => (a > b ? a : b)) + 1n;
  const step = (to - from + BigInt(QUALITY_PERIODS) - 1n) / BigInt(QUALITY_PERIODS);
  const periods = [];
  for (let i = 0; i < QUALITY_PERIODS; i++) {
    const start = from + step * BigInt(i);
    const report = await api(`${API}/quality?fromNanos=${start}&toNanos=${start + step}`);
    periods.push({ start, report });
  }
  const keys = [...new Set(periods.flatMap((p) => p.report.rows.map((r) => `${r.kind} ${r.policyVersion}`)))];
  const x = periods.map((p) => Number(p.start / 1000000n));
  const series = [];
  for (const key of keys) {
    for (const measure of ['precision', 'recall']) {
      const points = periods.map((p, i) => {
        const row = p.report.rows.find((r) => `${r.kind} ${r.policyVersion}` === key);
        const rate = row && row[measure];
        return rate && rate.trials > 0 ? { value: [x[i], rate.value], low95: rate.low95, high95: rate.high95, trials: rate.trials } : null;
      });
      series.push({ name: `${measure} · ${key}`, type: 'line', connectNulls: false, data: points.map((p) => (p ? p.value : [null, null])) });
      // The interval as a band: a transparent low line and the high-low difference stacked on it.
      series.push({ name: `${measure} · ${key} 95 %`, type: 'line', stack: `${measure}${key}`, symbol: 'none', lineStyle: { opacity: 0 },
        data: points.map((p, i) => [x[i], p ? p.low95 : null]) });
      series.push({ name: `${measure} · ${key} 95 %`, type: 'line', stack: `${measure}${key}`, symbol: 'none', lineStyle: { opacity: 0 },
        areaStyle: { opacity: 0.15 }, data: points.map((p, i) => [x[i], p ? p.high95 - p.low95 : null]) });
    }
  }
  chart('quality-chart').setOption({
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', top: 0, data: series.filter((s, i) => i % 3 === 0).map((s) => s.name) },
    grid: { top: 40, left: 50, right: 20, bottom: 40 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', min: 0, max: 1 },
    series,
  }, true);
}

// ------------------------------------------------------------------ camera health

function renderCamera(episodes) {
  const list = $('camera-episodes');
  list.replaceChildren();
  for (const view of episodes) {
    const e = view.episode;
    const item = el('li', { 'data-obstruction': e.obstructionId },
      `${time(e.obstructedAtNanos)} · ${e.vehicleId} · ${e.condition}: ${e.statistic} ${num(e.statisticValue)} below ${num(e.thresholdValue)}`
      + ` (margin ${num(e.margin)}, ${e.policyVersion}) since frame ${e.sinceFrameIndex}`
      + (e.restoredAtNanos ? ` · restored after ${num(e.obstructedForNanos / 1e9)} s` : ' · still obstructed'));
    for (const a of view.alertIds) item.append(alertLink(a));
    list.append(item);
  }
  if (!episodes.length) list.append(el('li', { class: 'muted' }, 'no camera-health episode'));
}

// ------------------------------------------------------------------ start

async function start() {
  // A link may carry the token (#token=...), as the investigator page's do.
  const linked = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  if (linked) {
    sessionStorage.setItem(TOKEN_KEY, linked);
    history.replaceState(null, '', location.pathname);
  }
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    $('token-panel').hidden = false;
    return;
  }
  $('monitoring').hidden = false;
  const tasks = [
    api(`${API}/monitoring/drift`).then(renderDrift),
    api(`${API}/monitoring/latency`).then(renderLatency),
    loadQuality(),
    api(`${API}/monitoring/camera`).then(renderCamera),
  ];
  const results = await Promise.allSettled(tasks);
  for (const r of results) if (r.status === 'rejected') showError(r.reason);
  document.body.dataset.loaded = 'true';
  window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
}

document.addEventListener('DOMContentLoaded', start);
