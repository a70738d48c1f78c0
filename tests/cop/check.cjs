// check.cjs — independent checks of the COP documents for the C tests. Reads a document
// on stdin; prints one line per fact so the C side can compare with its own structs.
//   node check.cjs json      -> JSON.parse; prints a summary of the picture
//   node check.cjs geojson   -> @placemarkio/check-geojson, plus closure and RFC 7946
//                               counterclockwise winding of every polygon ring
//   node check.cjs strings   -> JSON.parse; prints the UTF-8 hex of the hostile strings
//   node check.cjs partners  -> JSON.parse; one line per partner product and per own alert
//   node check.cjs outline   -> check-geojson on the zone limits; every geometry a
//                               MultiLineString; prints "kind lines points" per feature
// Exit 0 when the document passes, 1 (with the reason on stderr) when it does not.
'use strict';
const path = require('path');
const { createRequire } = require('module');
const src = process.env.TL_SOURCE_DIR || path.join(__dirname, '..', '..');
const webRequire = createRequire(path.join(src, 'web', 'cop', 'package.json'));

const mode = process.argv[2];
const text = require('fs').readFileSync(0, 'utf8');
const hex = (s) => Buffer.from(s, 'utf8').toString('hex');
const fail = (msg) => { process.stderr.write(`check.cjs: ${msg}\n`); process.exit(1); };

if (mode === 'json') {
  const p = JSON.parse(text);
  if (p.schema !== 'trilink.cop/1') fail(`schema ${p.schema}`);
  console.log(`nation ${p.nation} tracks ${p.tracks.length} alerts ${p.alerts.length} links ${p.links.length}`);
  for (const t of p.tracks) {
    const psum = t.impact ? Object.values(t.impact.p_zone).reduce((a, b) => a + b, 0) : -1;
    console.log(`track ${t.id} lat ${t.lat_deg} lon ${t.lon_deg} h ${t.h_m} hist ${t.history.length} ` +
      `pred ${t.predicted.length} class ${t.class} apogee ${t.apogee_m} psum ${psum.toFixed(6)} ` +
      `verdict ${t.impact ? t.impact.verdict : 'none'} ring ${t.impact && t.impact.ellipse.ring ? t.impact.ellipse.ring.length : 0}`);
  }
  for (const a of p.alerts) console.log(`alert ${a.id} ${a.msg_type} refs ${a.references.length ? a.references.join(',') : '-'}`);
  for (const l of p.links) console.log(`link ${l.name} up ${l.up} latency ${l.latency_s} in ${l.msgs_in}`);
} else if (mode === 'geojson') {
  const { check } = webRequire('@placemarkio/check-geojson');
  let fc;
  try { fc = check(text); } catch (e) { fail(`check-geojson: ${JSON.stringify(e.issues || e.message)}`); }
  const kinds = {};
  for (const f of fc.features) {
    kinds[f.properties.kind] = (kinds[f.properties.kind] || 0) + 1;
    if (f.geometry.type !== 'Polygon') continue;
    for (const ring of f.geometry.coordinates) {
      const a = ring[0], b = ring[ring.length - 1];
      if (a[0] !== b[0] || a[1] !== b[1]) fail(`${f.properties.kind} ring not closed`);
      let area2 = 0; // shoelace in lon/lat: > 0 is counterclockwise
      for (let i = 0; i + 1 < ring.length; i++) area2 += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
      if (!(area2 > 0)) fail(`${f.properties.kind} of ${f.properties.track} wound clockwise`);
    }
  }
  console.log(Object.keys(kinds).sort().map((k) => `${k}=${kinds[k]}`).join(' '));
} else if (mode === 'partners') {
  const p = JSON.parse(text);
  for (const q of p.partners) {
    const e = q.ellipse;
    console.log(`${q.kind} ${q.origin} ${q.path.join('>')} ${q.track_id} ` +
      (q.kind === 'alert' ? `${q.alert_id} ${q.msg_type} in_force=${q.in_force}`
        : `ring=${e && e.ring ? e.ring.length : 0} ${e && e.lat_deg !== null ? e.lat_deg.toFixed(6) + ',' + e.lon_deg.toFixed(6) : '-'}` +
        ` a=${e ? e.semi_major_m : '-'} b=${e ? e.semi_minor_m : '-'} o=${e ? e.orient_deg : '-'} rx=${q.received_t_ns}`));
  }
  for (const a of p.alerts) console.log(`own ${a.id} ${a.msg_type} in_force=${a.in_force}`);
} else if (mode === 'outline') {
  const { check } = webRequire('@placemarkio/check-geojson');
  let fc;
  try { fc = check(text); } catch (e) { fail(`check-geojson: ${JSON.stringify(e.issues || e.message)}`); }
  for (const f of fc.features) {
    if (f.geometry.type !== 'MultiLineString') fail(`${f.properties.kind}: ${f.geometry.type}`);
    const pts = f.geometry.coordinates.reduce((n, l) => n + l.length, 0);
    for (const l of f.geometry.coordinates) if (l.length < 2) fail(`${f.properties.kind}: a line of ${l.length} point`);
    console.log(`${f.properties.kind} ${f.geometry.coordinates.length} ${pts}`);
  }
} else if (mode === 'strings') {
  const p = JSON.parse(text);
  const t = p.tracks[0], a = p.alerts[0], l = p.links[0];
  console.log(`id ${hex(t.id)}`);
  console.log(`contrib ${hex(t.contributors[0])}`);
  console.log(`headline ${hex(a.headline)}`);
  console.log(`area ${hex(a.area_desc)}`);
  console.log(`link ${hex(l.name)}`);
} else {
  fail(`unknown mode ${mode}`);
}
