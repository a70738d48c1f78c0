#!/usr/bin/env node
// tests/js/check-cap.js FILE... — checks CAP 1.2 documents with an independent parser,
// the npm package @dec112/cap-ts (parse, then its validate()), and with rules of the
// CAP 1.2 standard (OASIS, 2010) that the parser does not enforce: namespace, element
// order of alert/info/area, dateTime form (no "Z"), references for Update/Cancel,
// closed polygons of at least four lat,lon pairs, circles "lat,lon radius".
// Prints "ok FILE" per file, "FAIL FILE: why" on failure (exit 1). When web/node_modules
// is missing it prints a SKIP line and exits 77.
'use strict';
const fs = require('fs');
const path = require('path');

const nm = path.resolve(__dirname, '..', '..', 'web', 'node_modules');
let CAP_1_2, xml2js;
try {
    CAP_1_2 = require(path.join(nm, '@dec112', 'cap-ts')).CAP_1_2;
    xml2js = require(path.join(nm, 'xml2js'));
} catch (e) {
    console.log(`SKIP: CAP checker needs web/node_modules (run scripts/bootstrap): ${e.message.split('\n')[0]}`);
    process.exit(77);
}

const ALERT_ORDER = ['identifier', 'sender', 'sent', 'status', 'msgType', 'source', 'scope', 'restriction',
    'addresses', 'code', 'note', 'references', 'incidents', 'info'];
const INFO_ORDER = ['language', 'category', 'event', 'responseType', 'urgency', 'severity', 'certainty',
    'audience', 'eventCode', 'effective', 'onset', 'expires', 'senderName', 'headline', 'description',
    'instruction', 'web', 'contact', 'parameter', 'resource', 'area'];
const AREA_ORDER = ['areaDesc', 'polygon', 'circle', 'geocode', 'altitude', 'ceiling'];
const DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$/;
const TOKEN = /^[^\s,<&]+$/;

function checkOrder(children, order, where) {
    let last = -1;
    for (const c of children) {
        const i = order.indexOf(c['#name']);
        if (i < 0) throw new Error(`${where}: unexpected element <${c['#name']}>`);
        if (i < last) throw new Error(`${where}: <${c['#name']}> out of order`);
        last = i;
    }
}
function text(el) {
    return typeof el === 'string' ? el : el._ || '';
}
function pair(s, where) {
    const m = /^(-?\d+(\.\d+)?),(-?\d+(\.\d+)?)$/.exec(s);
    if (!m) throw new Error(`${where}: '${s}' is not lat,lon`);
    const lat = +m[1], lon = +m[3];
    if (lat < -90 || lat > 90 || lon < -180 || lon > 180) throw new Error(`${where}: ${s} out of range`);
    return [lat, lon];
}

async function strict(xml) {
    const doc = await new xml2js.Parser({ explicitChildren: true, preserveChildrenOrder: true, xmlns: false })
        .parseStringPromise(xml);
    const a = doc.alert;
    if (!a) throw new Error('root is not <alert>');
    if (a.$.xmlns !== 'urn:oasis:names:tc:emergency:cap:1.2') throw new Error(`namespace '${a.$.xmlns}'`);
    checkOrder(a.$$, ALERT_ORDER, 'alert');
    const one = (name) => (a[name] ? text(a[name][0]) : undefined);
    for (const f of ['identifier', 'sender', 'sent', 'status', 'msgType', 'scope'])
        if (one(f) === undefined) throw new Error(`missing <${f}>`);
    if (!TOKEN.test(one('identifier'))) throw new Error(`identifier '${one('identifier')}'`);
    if (!TOKEN.test(one('sender'))) throw new Error(`sender '${one('sender')}'`);
    if (!DATETIME.test(one('sent'))) throw new Error(`sent '${one('sent')}' (CAP 3.3.2 form, no Z)`);
    const type = one('msgType');
    if (type === 'Update' || type === 'Cancel') {
        const refs = one('references');
        if (!refs) throw new Error(`${type} without <references>`);
        for (const r of refs.split(/\s+/)) {
            const p = r.split(',');
            if (p.length !== 3 || !TOKEN.test(p[0]) || !TOKEN.test(p[1]) || !DATETIME.test(p[2]))
                throw new Error(`reference '${r}' is not sender,identifier,sent`);
        }
    }
    for (const info of a.info || []) {
        checkOrder(info.$$, INFO_ORDER, 'info');
        if (info.expires && !DATETIME.test(text(info.expires[0]))) throw new Error('expires form');
        for (const area of info.area || []) {
            checkOrder(area.$$, AREA_ORDER, 'area');
            for (const p of area.polygon || []) {
                const pts = text(p).trim().split(/\s+/).map((s) => pair(s, 'polygon'));
                if (pts.length < 4) throw new Error('polygon with fewer than 4 points');
                const f = pts[0], l = pts[pts.length - 1];
                if (f[0] !== l[0] || f[1] !== l[1]) throw new Error('polygon not closed');
            }
            for (const c of area.circle || []) {
                const m = /^(\S+) (\d+(\.\d+)?)$/.exec(text(c).trim());
                if (!m) throw new Error(`circle '${text(c)}'`);
                pair(m[1], 'circle');
            }
        }
    }
    return type;
}

async function main() {
    const files = process.argv.slice(2);
    if (!files.length) {
        console.error('usage: check-cap.js FILE...');
        process.exit(2);
    }
    let bad = 0;
    for (const f of files) {
        try {
            const xml = fs.readFileSync(f, 'utf8');
            const alert = await CAP_1_2.Alert.fromXML(xml);
            const err = alert.validate();
            if (err) throw new Error(`cap-ts validate: ${err.message}`);
            const type = await strict(xml);
            console.log(`ok ${f} ${type} ${alert.identifier}`);
        } catch (e) {
            bad++;
            console.log(`FAIL ${f}: ${e.message}`);
        }
    }
    process.exit(bad ? 1 : 0);
}
main();
