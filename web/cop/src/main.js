// main.js — the trilink common operating picture page. Polls /api/picture (schema
// trilink.cop/1, docs/cop.md) once a second and draws it on an SVG map of the region
// (d3-geo; land from Natural Earth 50m via world-atlas, bundled: no network but the node).
// Every string from the picture goes through textContent, never innerHTML.
// Partners' products (their launch and impact estimates and alerts, received over the
// link) are drawn dashed in the partner's colour, labelled origin and path (KR>US) and age,
// apart from the own fused picture. The outer limits of JP's and KR's territorial sea and
// EEZ come once from /api/zones.geojson (traced from the node's zones module).
import { geoConicConformal, geoPath, geoGraticule, geoCircle } from 'd3-geo';
import { feature, mesh } from 'topojson-client';
import world from 'world-atlas/countries-50m.json';

const SVGNS = 'http://www.w3.org/2000/svg';
const JAPAN = '392'; // ISO 3166-1 numeric, the id world-atlas uses
const PHASE_COLOR = { boost: '#ffb020', midcourse: '#4cc9f0', terminal: '#ff4d6d', orbit: '#c77dff',
  debris: '#9aa5b1', impacted: '#9aa5b1', unknown: '#9aa5b1' };
// Zone classes of zones.h (tl_zone_class_name), in display order.
const ZONES = [
  ['jp_territory', 'JP territory', '#ff3b30'], ['jp_eez', 'JP EEZ', '#ff9f0a'],
  ['kr_territory', 'KR territory', '#ffd60a'], ['kr_waters', 'KR waters', '#e0c341'],
  ['kp_land', 'DPRK land', '#bf5af2'], ['other_land', 'Other land', '#9d7be0'],
  ['open_sea', 'Open sea', '#5e8fb8'], ['elsewhere', 'Outside region', '#8e9aab']];
const ZONE_COLOR = Object.fromEntries(ZONES.map(([k, , c]) => [k, c]));
// Partners' products in the colour of their origin nation (own products keep the zone colours).
const NATION_COLOR = { JP: '#7fa7d9', US: '#9bb7ff', KR: '#5fd3a8' };
const nationColor = (n) => NATION_COLOR[n] || '#e0a0ff';
const LIMITS = { jp_eez: 'JP EEZ limit', jp_territorial_sea: 'JP 12 nmi', kr_waters: 'KR waters limit',
  kr_territorial_sea: 'KR 12 nmi' };
const REGION = { type: 'MultiPoint', coordinates: [[122.5, 32], [146, 46], [122.5, 46], [146, 32]] };
const CITIES = [['Pyongyang', 125.75, 39.03], ['Seoul', 126.98, 37.57], ['Tokyo', 139.69, 35.69],
  ['Sapporo', 141.35, 43.06], ['Busan', 129.08, 35.18], ['Vladivostok', 131.89, 43.12]];
const SEAS = [['SEA OF JAPAN', 134.2, 40.4], ['YELLOW SEA', 123.6, 35.8], ['PACIFIC OCEAN', 143.5, 33.0],
  ['EAST CHINA SEA', 125.5, 31.8]];

const $ = (id) => document.getElementById(id);
function el(tag, attrs, parent, ns) {
  const e = ns === 'html' ? document.createElement(tag) : document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  if (parent) parent.appendChild(e);
  return e;
}
const h = (tag, cls, parent, text) => {
  const e = el(tag, cls ? { class: cls } : {}, parent, 'html');
  if (text !== undefined) e.textContent = text;
  return e;
};

const state = { picture: null, fetchedAt: 0, selected: null, lastOk: 0, zones: null };

// ---------------------------------------------------------------- map
const svg = $('map');
let projection, path, layers;

function drawBase() {
  const w = svg.clientWidth || 900, ht = svg.clientHeight || 700;
  svg.setAttribute('viewBox', `0 0 ${w} ${ht}`);
  svg.textContent = '';
  projection = geoConicConformal().parallels([32, 44]).rotate([-134, 0]).fitExtent([[10, 10], [w - 10, ht - 10]], REGION)
    .clipExtent([[0, 0], [w, ht]]); // keeps the SVG small: nothing drawn off screen
  path = geoPath(projection);
  const base = el('g', { class: 'base' }, svg);
  el('path', { class: 'graticule', d: path(geoGraticule().step([5, 5])()) }, base);
  const countries = feature(world, world.objects.countries).features;
  for (const c of countries) {
    const d = path(c);
    if (d) el('path', { class: c.id === JAPAN ? 'land jp' : 'land', d }, base);
  }
  el('path', { class: 'border', d: path(mesh(world, world.objects.countries, (a, b) => a !== b)) }, base);
  for (const [name, lon, lat] of SEAS) {
    const [x, y] = projection([lon, lat]);
    el('text', { class: 'sea-label', x, y, text: name }, base);
  }
  for (const [name, lon, lat] of CITIES) {
    const [x, y] = projection([lon, lat]);
    el('circle', { class: 'city', cx: x, cy: y, r: 2.2 }, base);
    el('text', { class: 'city-label', x: x + 5, y: y - 4, text: name }, base);
  }
  layers = { zones: el('g', { id: 'zone-limits' }, svg), areas: el('g', {}, svg), pell: el('g', { id: 'partners' }, svg),
    ell: el('g', {}, svg), paths: el('g', {}, svg), marks: el('g', {}, svg), pmarks: el('g', {}, svg) };
  drawZones();
  if (state.picture) drawDynamic(state.picture);
}

// The outer limits of the zones, as lines (no polygon winding to get wrong).
function drawZones() {
  if (!layers || !state.zones) return;
  layers.zones.textContent = '';
  for (const f of state.zones.features || []) {
    const kind = f.properties && f.properties.kind;
    if (!LIMITS[kind] || !f.geometry) continue;
    const d = path(f.geometry);
    if (d) el('path', { class: `zone-limit ${kind}`, 'data-kind': kind, d }, layers.zones);
  }
}

async function loadZones() {
  for (let attempt = 0; attempt < 5 && !state.zones; attempt++) {
    try {
      const r = await fetch('api/zones.geojson');
      if (r.ok) state.zones = await r.json();
    } catch (e) { /* retried below */ }
    if (!state.zones) await new Promise((res) => setTimeout(res, 2000));
  }
  drawZones();
}

const hasPoint = (o) => o.lat_deg !== null && o.lon_deg !== null;

// RFC 7946 rings are counterclockwise; d3-geo wants clockwise exteriors (spherical winding).
const d3Polygon = (ring) => ({ type: 'Polygon', coordinates: [ring.slice().reverse()] });

function drawDynamic(pic) {
  for (const [k, g] of Object.entries(layers)) if (k !== 'zones') g.textContent = ''; // limits stay
  const labels = [];
  for (const a of activeAlerts(pic.alerts)) {
    if (!a.area_circle) continue;
    const c = geoCircle().center([a.area_circle.lon_deg, a.area_circle.lat_deg]).radius(a.area_circle.radius_m / 111195)();
    el('path', { class: `alert-area ${a.msg_type}`, d: path(c) }, layers.areas);
  }
  for (const t of pic.tracks) {
    const sel = t.id === state.selected;
    if (t.launch && t.launch.ellipse.ring)
      el('path', { class: 'ell launch', d: path(d3Polygon(t.launch.ellipse.ring)) }, layers.ell);
    if (t.impact && t.impact.ellipse.ring) {
      const col = ZONE_COLOR[t.impact.verdict] || '#fff';
      el('path', { class: 'ell', d: path(d3Polygon(t.impact.ellipse.ring)), stroke: col, fill: col }, layers.ell);
    }
    // flight path in runs of one phase each
    const hist = t.history;
    for (let i = 0; i + 1 < hist.length;) {
      let j = i + 1;
      while (j + 1 < hist.length && hist[j][4] === hist[i][4]) j++;
      const line = { type: 'LineString', coordinates: hist.slice(i, j + 1).filter((p) => p[0] !== null && p[1] !== null).map((p) => [p[0], p[1]]) };
      el('path', { class: 'path-seg', d: path(line), stroke: PHASE_COLOR[hist[i][4]] || '#fff' }, layers.paths);
      i = j;
    }
    if (t.predicted.length > 1) {
      const line = { type: 'LineString', coordinates: t.predicted.filter((p) => p[0] !== null && p[1] !== null).map((p) => [p[0], p[1]]) };
      el('path', { class: 'pred', d: path(line), stroke: PHASE_COLOR[t.phase] }, layers.paths);
    }
    if (t.launch && hasPoint(t.launch.ellipse)) {
      const [x, y] = projection([t.launch.ellipse.lon_deg, t.launch.ellipse.lat_deg]);
      el('path', { class: 'mk-launch', d: `M${x},${y - 6}L${x + 5},${y + 4}L${x - 5},${y + 4}Z` }, layers.marks);
    }
    if (t.impact && hasPoint(t.impact.ellipse)) {
      const [x, y] = projection([t.impact.ellipse.lon_deg, t.impact.ellipse.lat_deg]);
      const cross = `M${x - 5},${y - 5}L${x + 5},${y + 5}M${x - 5},${y + 5}L${x + 5},${y - 5}`;
      el('path', { class: 'mk-impact-halo', d: cross }, layers.marks);
      el('path', { class: 'mk-impact', stroke: ZONE_COLOR[t.impact.verdict] || '#fff',
        d: cross }, layers.marks);
    }
    if (hasPoint(t) && t.phase !== 'impacted') {
      const [x, y] = projection([t.lon_deg, t.lat_deg]);
      const g = el('g', { class: 'trk-g', cursor: 'pointer' }, layers.marks);
      el('circle', { class: sel ? 'trk sel' : 'trk', cx: x, cy: y, r: sel ? 7 : 6, fill: PHASE_COLOR[t.phase] }, g);
      labels.push({ x: x + 9, y: y - 8, text: `${t.id}  ${fmtKm(t.h_m)} km`, g });
      g.addEventListener('click', () => select(t.id));
    }
  }
  drawPartners(pic, labels);
  placeLabels(labels);
}

const pathText = (q) => (q.path.length ? q.path.join('>') : q.origin);
// Age of a partner product: node clock now minus the origin's publication time.
const ageS = (q) => (Number(state.picture.node_t_ns) + (performance.now() - state.fetchedAt) * NS_PER_MS - Number(q.origin_t_ns)) / 1e9;
const fmtAge = (s) => (s < 0 ? '0 s' : s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(0)} min`);

// Partners' launch and impact estimates (dashed, nation colour, hollow markers) and a ring
// around the impact estimate of every partner alert in force. Labels name path, kind, the
// origin's track and age ("KR>US impact KR-S2 · 4 s"); estimates of one path and kind
// within 30 px share one label ("KR>US launch ×2 · 4 s"), each marker keeping its details
// in a tooltip.
function drawPartners(pic, labels) {
  const alerting = new Set(pic.partners.filter((q) => q.kind === 'alert' && q.in_force).map((q) => `${q.origin}|${q.track_id}`));
  const clusters = [];
  for (const q of pic.partners) {
    if (q.kind === 'alert' || !q.ellipse || q.ellipse.lat_deg === null || q.ellipse.lon_deg === null) continue;
    const col = nationColor(q.origin);
    const data = { 'data-origin': q.origin, 'data-path': pathText(q), 'data-track': q.track_id, 'data-kind': q.kind };
    const old = ageS(q) > 30 ? ' old' : '';
    if (q.ellipse.ring)
      el('path', { class: `pell ${q.kind}`, d: path(d3Polygon(q.ellipse.ring)), stroke: col, ...data }, layers.pell);
    const [x, y] = projection([q.ellipse.lon_deg, q.ellipse.lat_deg]);
    const g = el('g', { class: `pmark ${q.kind}${old}`, ...data }, layers.pmarks);
    const e = q.ellipse;
    el('title', { text: `${pathText(q)} ${q.kind} estimate ${q.track_id}: ${q.kind === 'launch' ? 'launch' : 'impact'} ` +
      `${fmtClock(q.t_ns)}` + (e.semi_major_m !== null ? `, 95% ${fmtKm(e.semi_major_m)}×${fmtKm(e.semi_minor_m)} km` : '') +
      (q.kind === 'impact' ? `, ${q.zone_name || q.zone_verdict}` : '') }, g);
    if (q.kind === 'launch')
      el('path', { class: 'pmk', stroke: col, d: `M${x},${y - 6}L${x + 5},${y + 4}L${x - 5},${y + 4}Z` }, g);
    else
      el('path', { class: 'pmk', stroke: col, d: `M${x},${y - 6}L${x + 6},${y}L${x},${y + 6}L${x - 6},${y}Z` }, g);
    if (q.kind === 'impact' && alerting.has(`${q.origin}|${q.track_id}`)) {
      el('circle', { class: 'palert-ring', cx: x, cy: y, r: 13, 'data-origin': q.origin, 'data-track': q.track_id }, g);
      labels.push({ x: x + 9, y: y - 14, text: `${q.origin} ALERT`, g, cls: 'palert-label' });
    }
    const c = clusters.find((k) => k.path === pathText(q) && k.kind === q.kind && Math.hypot(k.x - x, k.y - y) < 30);
    if (c) { c.n++; if (Number(q.origin_t_ns) > Number(c.newest)) c.newest = q.origin_t_ns; }
    else clusters.push({ path: pathText(q), kind: q.kind, track: q.track_id, x, y, n: 1, newest: q.origin_t_ns, g, col, old });
  }
  for (const c of clusters) {
    const prefix = `${c.path} ${c.kind} ${c.n > 1 ? `×${c.n}` : c.track} · `;
    labels.push({ x: c.x + 9, y: c.y + 14, text: prefix + fmtAge(ageS({ origin_t_ns: c.newest })), g: c.g,
      cls: 'plabel' + (c.n > 1 ? '' : c.old), fill: c.col, data: { originNs: c.newest, prefix } });
  }
}

// Track labels: top to bottom, each pushed below any earlier one it would overlap.
function placeLabels(labels) {
  labels.sort((a, b) => a.y - b.y);
  const placed = [];
  for (const l of labels) {
    const w = 7 * l.text.length;
    for (const p of placed)
      if (Math.abs(p.x - l.x) < Math.max(p.w, w) && Math.abs(p.y - l.y) < 14) l.y = p.y + 14;
    placed.push({ x: l.x, y: l.y, w });
    const t = el('text', { class: l.cls || 'trk-label', x: l.x, y: l.y, text: l.text, ...(l.fill ? { fill: l.fill } : {}) }, l.g);
    Object.assign(t.dataset, l.data || {});
  }
}

// ---------------------------------------------------------------- formatting
const NS_PER_MS = 1e6;
const fmtKm = (m) => (m === null || m === undefined ? '—' : (m / 1000).toLocaleString('en-US', { maximumFractionDigits: m < 1e5 ? 1 : 0 }));
const fmtClock = (ns) => (ns ? new Date(Number(ns) / NS_PER_MS).toISOString().slice(11, 19) + 'Z' : '--:--:--Z');
function fmtDur(s) {
  const neg = s < 0; s = Math.abs(Math.round(s));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const body = (hh ? `${hh}:` : '') + `${String(mm).padStart(hh ? 2 : 1, '0')}:${String(ss).padStart(2, '0')}`;
  return (neg ? '+' : '') + body;
}
const pct = (p) => (p === null ? '—' : `${(p * 100).toFixed(p > 0 && p < 0.01 ? 1 : 0)}%`);

// Scenario time now, advanced locally between polls at the picture's clock rate.
function scenarioNowNs() {
  const p = state.picture;
  if (!p) return 0;
  return Number(p.scenario_t_ns) + (performance.now() - state.fetchedAt) * NS_PER_MS * (p.clock_rate || 1);
}

// In force: Alerts and Updates that no later Update or Cancel references (CAP 1.2).
function activeAlerts(alerts) {
  const superseded = new Set(alerts.flatMap((a) => a.references));
  return alerts.filter((a) => a.msg_type !== 'Cancel' && !superseded.has(a.id));
}

// ---------------------------------------------------------------- panel
// Most urgent first: in flight before impacted, then by predicted time of impact.
function byUrgency(a, b) {
  const done = (t) => (t.phase === 'impacted' ? 1 : 0);
  const tImp = (t) => (t.impact ? Number(t.impact.t_ns) : Infinity);
  return done(a) - done(b) || tImp(a) - tImp(b) || (a.id < b.id ? -1 : 1);
}

function select(id) {
  state.selected = state.selected === id ? null : id;
  render();
}

function trackCard(t, parent) {
  const card = h('div', 'track' + (t.id === state.selected ? ' sel' : ''), parent);
  card.style.borderLeftColor = PHASE_COLOR[t.phase];
  card.addEventListener('click', () => select(t.id));
  const top = h('div', 'top', card);
  h('span', 'id', top, t.id);
  h('span', 'cls', top, t.class ? t.class.toUpperCase() + (t.loft === 'lofted' || t.loft === 'depressed' ? ` · ${t.loft}` : '') : 'UNCLASSIFIED');
  if (t.overflies_jp) h('span', 'flag', top, 'OVERFLIGHT JP');
  if (t.coasting) h('span', 'flag', top, 'COASTING \u00b7 PREDICTED');
  const ph = h('span', 'phase', top, t.phase.toUpperCase());
  ph.style.background = PHASE_COLOR[t.phase];

  const g = h('div', 'grid', card);
  const kv = (k, v) => { const d = h('div', '', g); h('div', 'k', d, k); h('div', 'v', d, v); };
  kv('Altitude', `${fmtKm(t.h_m)} km`);
  kv('Speed', t.speed_mps === null ? '—' : `${(t.speed_mps / 1000).toFixed(2)} km/s`);
  kv('Quality σ', t.pos_sigma_m === null ? '—' : `${Math.round(t.pos_sigma_m)} m`);
  kv('Apogee', t.apogee_m === null ? '—' : `${fmtKm(t.apogee_m)} km`);
  kv('Range', t.range_m === null ? '—' : `${fmtKm(t.range_m)} km`);
  kv('Position', t.lat_deg === null || t.lon_deg === null ? '—' : `${t.lat_deg.toFixed(2)} ${t.lon_deg.toFixed(2)}`);

  if (t.impact) {
    const tti = h('div', 'tti', card);
    h('span', 'lbl', tti, t.phase === 'impacted' ? 'IMPACTED' : 'IMPACT IN');
    const big = h('span', 'big', tti, '');
    big.dataset.impactNs = t.impact.t_ns;
    h('span', 'at', tti, `at ${fmtClock(t.impact.t_ns)} · 95% ${fmtKm(t.impact.ellipse.semi_major_m)}×${fmtKm(t.impact.ellipse.semi_minor_m)} km`);
    const v = h('div', 'verdict', card);
    for (const [key, label, col] of ZONES) {
      const p = t.impact.p_zone[key];
      if (key !== t.impact.verdict && !(p >= 0.005)) continue; // keep the card short
      const row = h('div', 'vrow' + (key === t.impact.verdict ? ' best' : ''), v);
      h('span', '', row, label);
      const bar = h('div', 'vbar', row);
      const b = h('b', '', bar);
      b.style.width = `${Math.max(0, Math.min(1, p || 0)) * 100}%`;
      b.style.background = col;
      h('span', 'p', row, pct(p));
    }
  }
  const n = h('div', 'nations', card);
  h('span', 'lbl', n, 'SOURCES');
  for (const c of t.contributors) h('span', 'nat' + (c === t.best_nation ? ' best' : ''), n, c);
  if (t.best_nation) h('span', 'lbl', n, `best track: ${t.best_nation}`);
  if (t.launch) h('div', 'lbl', card, `LAUNCH ${fmtClock(t.launch.t_ns)} · 95% ${fmtKm(t.launch.ellipse.semi_major_m)}×${fmtKm(t.launch.ellipse.semi_minor_m)} km`);
}

function alertRow(a, superseded, parent) {
  const r = h('div', `alert ${a.msg_type}` + (superseded ? ' superseded' : ''), parent);
  const top = h('div', 'top', r);
  h('span', `mt ${a.msg_type}`, top, a.msg_type.toUpperCase());
  h('span', 'lbl', top, `${a.status} · ${a.track_id}`);
  h('span', 'when', top, fmtClock(a.sent_ns));
  h('div', 'headline', r, a.headline);
  h('div', 'area', r, `${a.area_desc} · ${a.id}` + (a.references.length ? ` → ${a.references.join(', ')}` : ''));
}

// Alerts in force, own and partners', in one table (newest first).
function renderActive(p) {
  const box = $('active');
  box.textContent = '';
  const rows = [];
  for (const a of p.alerts) if (a.in_force) rows.push({ origin: p.nation, path: 'own', type: a.msg_type, track: a.track_id,
    impact: Number(a.impact_t_ns), text: a.headline, sent: Number(a.sent_ns), q: null });
  for (const q of p.partners) if (q.kind === 'alert' && q.in_force) rows.push({ origin: q.origin, path: pathText(q),
    type: q.msg_type, track: q.track_id, impact: Number(q.t_ns), text: q.text, sent: Number(q.origin_t_ns), q });
  $('nactive').textContent = String(rows.length);
  if (!rows.length) { h('div', 'empty', box, 'No alert in force.'); return; }
  const tab = h('table', 'aa', box);
  const hr = h('tr', '', tab);
  for (const c of ['From', 'Path', 'Type', 'Track', 'Impact in', 'Age']) h('th', '', hr, c);
  rows.sort((a, b) => b.sent - a.sent);
  for (const r of rows) {
    const tr = h('tr', 'aa-row' + (r.q ? ' partner' : ' own'), tab);
    tr.dataset.origin = r.origin;
    const o = h('td', 'nat-cell', tr, r.origin);
    o.style.color = r.q ? nationColor(r.origin) : '';
    h('td', 'mono', tr, r.path);
    h('td', `ty ${r.type}`, tr, r.type.toUpperCase());
    h('td', 'mono', tr, r.track);
    const ti = h('td', 'mono', tr, '—');
    if (r.impact) ti.dataset.impactNs = r.impact;
    const age = h('td', 'mono', tr, '');
    if (r.q) { age.dataset.originNs = r.q.origin_t_ns; age.dataset.prefix = ''; age.textContent = fmtAge(ageS(r.q)); }
    else age.textContent = fmtAge((Number(p.scenario_t_ns) - r.sent) / 1e9);
    const tx = h('tr', 'aa-text', tab);
    h('td', '', tx, r.text).colSpan = 6;
  }
}

// Partners' launch and impact estimates as received.
function renderPartners(p) {
  const box = $('partners-list');
  box.textContent = '';
  const prods = p.partners.filter((q) => q.kind !== 'alert');
  $('npartners').textContent = String(prods.length);
  if (!prods.length) { h('div', 'empty', box, 'Nothing received from partners.'); return; }
  for (const q of prods.slice().sort((a, b) => (a.origin + a.track_id < b.origin + b.track_id ? -1 : 1))) {
    const r = h('div', `pprod ${q.kind}`, box);
    r.dataset.origin = q.origin;
    r.style.borderLeftColor = nationColor(q.origin);
    const top = h('div', 'top', r);
    const n = h('b', '', top, q.origin);
    n.style.color = nationColor(q.origin);
    h('span', 'mono', top, pathText(q));
    h('span', '', top, q.kind === 'launch' ? 'LAUNCH' : 'IMPACT');
    h('span', 'mono', top, q.track_id);
    const age = h('span', 'when mono', top, fmtAge(ageS(q)));
    age.dataset.originNs = q.origin_t_ns;
    age.dataset.prefix = '';
    const e = q.ellipse;
    const where = e && e.lat_deg !== null ? `${e.lat_deg.toFixed(2)} ${e.lon_deg.toFixed(2)}` : '—';
    const size = e && e.semi_major_m !== null ? ` · 95% ${fmtKm(e.semi_major_m)}×${fmtKm(e.semi_minor_m)} km` : '';
    const verdict = q.kind === 'impact' ? ` · ${q.zone_name || q.zone_verdict}` : '';
    h('div', 'lbl', r, `${q.kind === 'launch' ? 'launch' : 'impact'} ${fmtClock(q.t_ns)} at ${where}${size}${verdict}`);
  }
}

// Link health, one row per link.
function renderLinkTable(links) {
  const box = $('linktab');
  box.textContent = '';
  if (!links.length) { h('div', 'empty', box, 'No links.'); return; }
  const tab = h('table', 'lt', box);
  const hr = h('tr', '', tab);
  for (const c of ['Link', 'State', 'Latency', 'In', 'Out', 'Rejected', 'Gaps', 'Dups', 'Auth failures']) h('th', '', hr, c);
  for (const l of links) {
    const tr = h('tr', 'lt-row ' + (l.up ? 'up' : 'down'), tab);
    h('td', '', tr, l.name);
    h('td', 'st', tr, l.up ? 'UP' : 'DOWN');
    h('td', 'mono', tr, l.latency_s === null ? '—' : `${(l.latency_s * 1000).toFixed(1)} ms`);
    for (const v of [l.msgs_in, l.msgs_out, l.rejects, l.gaps, l.dups]) h('td', 'mono', tr, String(v));
    // failed DDS Security handshakes: someone without a valid certificate tried to join the link
    h('td', 'mono' + (l.auth_failures ? ' warn' : ''), tr, String(l.auth_failures ?? 0));
  }
}

function renderLinks(links) {
  const box = $('links');
  box.textContent = '';
  for (const l of links) {
    const b = h('div', 'link ' + (l.up ? 'up' : 'down'), box);
    h('span', 'dot', b);
    h('b', '', b, l.name);
    h('span', 'stats mono', b, l.up
      ? `${l.latency_s === null ? '—' : (l.latency_s * 1000).toFixed(1) + ' ms'} ↓${l.msgs_in} ↑${l.msgs_out} gap ${l.gaps} dup ${l.dups} rej ${l.rejects}${l.auth_failures ? ` · auth fail ${l.auth_failures}` : ''}`
      : `DOWN · gap ${l.gaps} rej ${l.rejects}${l.auth_failures ? ` · auth fail ${l.auth_failures}` : ''}`);
  }
}

function render() {
  const p = state.picture;
  if (!p) return;
  $('nation').textContent = p.nation || '—';
  renderLinks(p.links);
  p.partners = p.partners || [];
  renderActive(p);
  renderPartners(p);
  renderLinkTable(p.links);
  const tracks = $('tracks');
  tracks.textContent = '';
  $('ntracks').textContent = String(p.tracks.length);
  if (!p.tracks.length) h('div', 'empty', tracks, 'No system tracks.');
  for (const t of p.tracks.slice().sort(byUrgency)) trackCard(t, tracks);
  const alerts = $('alerts');
  alerts.textContent = '';
  $('nalerts').textContent = String(p.alerts.length);
  if (!p.alerts.length) h('div', 'empty', alerts, 'No alerts.');
  const active = new Set(activeAlerts(p.alerts));
  for (const a of p.alerts.slice().reverse()) alertRow(a, a.msg_type !== 'Cancel' && !active.has(a), alerts);
  drawDynamic(p);
  tick();
}

// Clocks and countdowns, between polls too.
function tick() {
  const p = state.picture;
  const now = scenarioNowNs();
  if (p) {
    $('clock-scn').textContent = fmtClock(now);
    $('clock-node').textContent = fmtClock(Number(p.node_t_ns) + (performance.now() - state.fetchedAt) * NS_PER_MS);
  }
  for (const e of document.querySelectorAll('[data-impact-ns]')) e.textContent = fmtDur((Number(e.dataset.impactNs) - now) / 1e9);
  if (p) for (const e of document.querySelectorAll('[data-origin-ns]')) e.textContent = e.dataset.prefix + fmtAge(ageS({ origin_t_ns: e.dataset.originNs }));
  const feed = $('feed');
  const age = performance.now() - state.lastOk;
  feed.className = 'feed ' + (!state.lastOk ? 'feed-wait' : age < 3000 ? 'feed-live' : 'feed-stale');
  feed.textContent = !state.lastOk ? 'WAITING' : age < 3000 ? 'LIVE' : `STALE ${Math.round(age / 1000)} s`;
}

async function poll() {
  try {
    const r = await fetch('api/picture', { cache: 'no-store' });
    if (r.ok) {
      state.picture = await r.json();
      state.fetchedAt = state.lastOk = performance.now();
      render();
    }
  } catch (e) { /* the feed badge turns STALE */ }
}

function legend() {
  const box = $('legend');
  const item = (cls, color, text) => {
    const d = h('div', '', box);
    const i = h('i', cls, d);
    i.style.background = cls ? 'transparent' : color;
    i.style.borderColor = color;
    d.appendChild(document.createTextNode(text));
  };
  for (const ph of ['boost', 'midcourse', 'terminal']) item('', PHASE_COLOR[ph], ph);
  item('dash', '#9aa5b1', 'predicted path');
  item('ring', '#ffd166', 'launch 95%');
  item('ring', ZONE_COLOR.jp_eez, 'impact 95%');
  item('dash', '#ff3b30', 'alert area');
  item('', '#7fa7d9', 'Japan territory');
  item('dash', nationColor('KR'), 'KR product (dashed)');
  item('dash', nationColor('US'), 'US product (dashed)');
  item('', '#ff6b8b', 'JP EEZ limit');
  item('', '#ffb3c1', 'JP 12 nmi limit');
  item('', '#d9c36a', 'KR waters limit');
}

legend();
drawBase();
window.addEventListener('resize', drawBase);
loadZones();
poll();
setInterval(poll, 1000);
setInterval(tick, 250);
