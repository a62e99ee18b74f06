// ui.js - the dashboard's cases in headless chromium (run by test/browser/run).
//
// One `xdsd serve` on a copy of the guide's TLS origination scenario (mutual
// TLS variant), real ADS clients (build/test/e2e/sub_client), the page at
// /ui. Each case prints a TAP line; the last line is "N passed, M failed,
// K skipped". Every process and temporary directory is removed on exit.
'use strict';
const {chromium} = require('playwright-core');
const {spawn} = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const BUILD = process.env.BUILD || 'build';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(BUILD, 'browser');
const SCENARIO = 'test/data/config/guide/tls-origination-mtls';
const SIDECAR = 'sidecar~10.0.0.1~sleep.default~default.svc.cluster.local';
const GATEWAY = 'router~10.0.0.2~egress.istio-system~istio-system.svc.cluster.local';
const NACK_TEXT = 'listener rejected by the browser test: port 80 bound twice';
const WAIT = 15000; // upper bound on any wait: a slow machine, never a speed claim

let n = 0, passed = 0, failed = 0, skipped = 0;
const children = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xdsd-browser-'));

function ok(cond, what, detail) {
  n++;
  if (cond) { passed++; console.log(`ok ${n} - ${what}`); return; }
  failed++;
  console.log(`not ok ${n} - ${what}`);
  if (detail) console.log(String(detail).split('\n').map((l) => '#   ' + l).join('\n'));
}

function skip(what, why) {
  n++;
  skipped++;
  console.log(`ok ${n} - ${what} # SKIP ${why}`);
}

function cleanup() {
  for (const c of children) { try { c.kill('SIGTERM'); } catch (e) { /* gone */ } }
  fs.rmSync(tmp, {recursive: true, force: true});
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(1));

function run(cmd, args, env) {
  const c = spawn(cmd, args, {env: Object.assign({}, process.env, env || {}), stdio: ['ignore', 'pipe', 'pipe']});
  c.out = '';
  c.stdout.on('data', (d) => { c.out += d; });
  c.stderr.on('data', (d) => { c.out += d; });
  children.push(c);
  return c;
}

function until(cond, ms) {
  const end = Date.now() + ms;
  return new Promise((resolve) => {
    (function again() {
      if (cond()) return resolve(true);
      if (Date.now() > end) return resolve(false);
      setTimeout(again, 50);
    }());
  });
}

async function attempt(what, fn) {
  try { await fn(); } catch (e) { ok(false, what, e && e.stack ? e.stack : e); }
}

async function main() {
  const cfg = path.join(tmp, 'config');
  fs.cpSync(SCENARIO, cfg, {recursive: true});
  const xdsd = run(path.join(BUILD, 'xdsd'), ['serve', '--config-dir', cfg, '--xds-listen', '127.0.0.1:0',
    '--debug-listen', '127.0.0.1:0', '--debounce', '20ms', '--mesh-certs', path.join(tmp, 'certs')]);
  const up = await until(() => /debug endpoint listening .*\(port \d+\)/.test(xdsd.out), WAIT);
  if (!up) { ok(false, 'xdsd serve starts', xdsd.out); return; }
  const dbg = xdsd.out.match(/debug endpoint listening .*\(port (\d+)\)/)[1];
  const xds = xdsd.out.match(/xds listening .*\(port (\d+)\)/)[1];
  const base = `http://127.0.0.1:${dbg}`;
  const client = (node, env) => run(path.join(BUILD, 'test/e2e/sub_client'), [`127.0.0.1:${xds}`, node], env);

  const errors = [];
  const ctx = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: CHROMIUM, headless: true, viewport: {width: 1280, height: 800},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']});
  const page = ctx.pages()[0] || await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  // the page down to the end of its content, at most 900 pixels
  const shot = async (name) => {
    const h = await page.evaluate(() => Math.ceil(document.querySelector('main').getBoundingClientRect().bottom) + 16);
    await page.screenshot({path: path.join(SHOTS, name + '.png'), fullPage: true,
      clip: {x: 0, y: 0, width: 1280, height: Math.min(h, 900)}});
  };

  await attempt('the page loads and shows the configuration served', async () => {
    const resp = await page.goto(base + '/ui');
    await page.waitForFunction(() => {
      const g = document.getElementById('generation');
      return g && g.textContent === '1';
    }, null, {timeout: WAIT});
    const reload = await page.textContent('#reload');
    ok(resp.status() === 200 && /ACCEPTED/.test(reload) && /No errors/.test(await page.textContent('#errors')),
      'the page loads and shows the configuration served: generation 1, ACCEPTED, no errors', reload);
  });

  await attempt('the page and its files weigh at most 100 kB', async () => {
    let total = 0;
    for (const p of ['/ui', '/ui/app.js', '/ui/style.css']) {
      const r = await page.request.get(base + p);
      total += (await r.body()).length;
    }
    ok(total > 0 && total <= 100 * 1024, `the page and its files weigh at most 100 kB (${total} bytes)`);
  });

  await attempt('a client that connects appears in the proxies table', async () => {
    await page.goto(base + '/ui#proxies');
    client(SIDECAR);
    const row = `#proxy-rows tr[data-id="${SIDECAR}"]`;
    await page.waitForSelector(row, {timeout: WAIT});
    await page.waitForFunction((sel) => {
      const r = document.querySelector(sel);
      // the sidecar references no secret: SDS is NOT SENT, every other type SYNCED
      return r && [...r.querySelectorAll('td[data-type]')].every((td) =>
        td.textContent === (td.getAttribute('data-type') === 'SDS' ? 'NOT SENT' : 'SYNCED'));
    }, row, {timeout: WAIT});
    const cells = await page.$$eval(row + ' td', (tds) => tds.map((t) => t.textContent));
    ok(cells[1] === 'sidecar' && cells[2] === 'default' && cells[3] === 'sotw',
      'a client that connects appears in the proxies table, CDS LDS EDS RDS SYNCED, SDS NOT SENT',
      cells.join(' | '));
  });

  await attempt('a client that NACKs turns its row NACKED, with the message', async () => {
    client(GATEWAY, {SUB_CLIENT_NACK: NACK_TEXT});
    const cell = `#proxy-rows tr[data-id="${GATEWAY}"] td[data-type="LDS"]`;
    await page.waitForFunction((sel) => {
      const c = document.querySelector(sel);
      return c && c.textContent === 'NACKED';
    }, cell, {timeout: WAIT});
    const title = await page.getAttribute(cell + ' button', 'title');
    // by keyboard: Tab to the NACKED button, Enter shows the message
    await page.focus('#filter');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement && document.activeElement.textContent === 'NACKED');
    }
    if (reached) await page.keyboard.press('Enter');
    await page.waitForSelector('#proxy-rows tr.nack', {timeout: WAIT});
    const shown = await page.textContent('#proxy-rows tr.nack');
    // the rows were redrawn: the keyboard focus is still on the button pressed
    const kept = await page.evaluate(() => document.activeElement.getAttribute('aria-expanded'));
    await shot('proxies');
    ok(title === NACK_TEXT && reached && kept === 'true' && shown.includes('LDS NACK') && shown.includes(NACK_TEXT),
      'a client that NACKs turns its row NACKED; the message on hover and, by keyboard, on Enter',
      `title=${title} keyboard=${reached} focus=${kept} shown=${shown}`);
  });

  await attempt('sorting by keyboard', async () => {
    const first = () => page.getAttribute('#proxy-rows tr[data-id]', 'data-id');
    await page.focus('[data-focus="sort|namespace"]');
    await page.keyboard.press('Enter');
    const up = await first();
    const upSort = await page.getAttribute('#proxies th:nth-child(3)', 'aria-sort');
    await page.keyboard.press('Enter');
    const down = await first();
    const downSort = await page.getAttribute('#proxies th:nth-child(3)', 'aria-sort');
    ok(up === SIDECAR && upSort === 'ascending' && down === GATEWAY && downSort === 'descending',
      'sorting by keyboard: Enter on NAMESPACE sorts up, again down, the focus staying on it',
      `${up} ${upSort} ${down} ${downSort}`);
  });

  await attempt('the filter keeps the rows that match', async () => {
    await page.fill('#filter', 'istio-system');
    await page.waitForFunction(() => document.querySelectorAll('#proxy-rows tr[data-id]').length === 1, null, {timeout: WAIT});
    const id = await page.getAttribute('#proxy-rows tr[data-id]', 'data-id');
    await page.fill('#filter', '');
    ok(id === GATEWAY, 'the filter keeps the rows that match', id);
  });

  await attempt('a node id with markup in it shows as text', async () => {
    // any xDS client picks its own node id: the page must never parse it
    const odd = 'sidecar~10.0.0.8~<b id="injected">x</b>.default~default.svc.cluster.local';
    client(odd);
    const link = '#proxy-rows tr[data-id="' + odd.replace(/"/g, '\\"') + '"] a';
    await page.waitForSelector(link, {timeout: WAIT});
    const text = await page.textContent(link);
    const injected = await page.$('#injected');
    ok(text === odd && injected === null, 'a node id with markup in it shows as text, nothing of it parsed', text);
  });

  await attempt("a proxy's page shows its proxy-config tables", async () => {
    await page.click(`#proxy-rows tr[data-id="${SIDECAR}"] a`);
    await page.waitForSelector('#table-clusters', {timeout: WAIT});
    const clusters = await page.textContent('#table-clusters');
    const routes = await page.textContent('#table-routes');
    await shot('proxy');
    ok(clusters.includes('edition.cnn.com') && clusters.includes('originate-tls-for-edition-cnn-com.default') &&
       routes.includes('direct-cnn-through-egress-gateway.default') &&
       (await page.textContent('#table-secrets')).includes('no secrets'),
    "a proxy's page shows its proxy-config tables (clusters, routes, secrets)", clusters);
  });

  await attempt('an invalid edit shows its error with file and line, then clears when fixed', async () => {
    await page.goto(base + '/ui#overview');
    await page.waitForSelector('#generation', {timeout: WAIT});
    const bad = path.join(cfg, '09-bad.yaml');
    fs.writeFileSync(bad, 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: bad\n' +
      'spec:\n  hosts: [bad.example.com]\n  resolution: NOPE\n');
    await page.waitForSelector('table#errors', {timeout: WAIT});
    const err = await page.textContent('table#errors');
    const rejected = await page.textContent('#reload');
    await shot('error');
    ok(err.includes(bad + ':7:15') && err.includes('ServiceEntry default/bad') && /REJECTED/.test(rejected),
      'an invalid edit shows its error with FILE:LINE:COL and the resource, the reload REJECTED', err);
    fs.unlinkSync(bad);
    await page.waitForSelector('p#errors', {timeout: WAIT});
    await page.waitForFunction(() => /ACCEPTED/.test(document.getElementById('reload').textContent), null, {timeout: WAIT});
    ok(/No errors/.test(await page.textContent('#errors')), 'the error clears when the file is fixed');
  });

  await attempt('the egress map of TLS origination (mutual TLS to the gateway)', async () => {
    const r = await page.request.get(base + '/debug/egressz');
    ok(r.status() === 200, '/debug/egressz answers', String(r.status()));
    await page.goto(base + '/ui#egress');
    await page.waitForSelector('#egress-edges', {timeout: WAIT});
    const data = await r.json();
    const kind = {};
    data.nodes.forEach((nd) => { kind[nd.id] = nd; });
    const edges = await page.$$eval('#egress-map g.edge', (gs) => gs.map((g) => ({
      from: g.getAttribute('data-from'), to: g.getAttribute('data-to'), text: g.textContent})));
    const toGw = edges.find((e) => kind[e.from] && kind[e.from].kind === 'sidecar' && kind[e.to] &&
      kind[e.to].kind === 'gateway' && /ISTIO_MUTUAL/.test(e.text));
    const toCnn = edges.find((e) => kind[e.from] && kind[e.from].kind === 'gateway' &&
      e.to === 'external:edition.cnn.com:443' && /443/.test(e.text) && /originated/.test(e.text));
    await shot('egress');
    ok(toGw && toCnn && toGw.to === toCnn.from,
      'the egress map: sidecar -> egress gateway (ISTIO_MUTUAL) -> edition.cnn.com:443 (originated)',
      JSON.stringify(edges));
  });

  await page.goto(base + '/ui#overview');
  await page.waitForSelector('#generation', {timeout: WAIT});
  await shot('overview');
  ok(errors.length === 0, 'no console error on any view', errors.join('\n'));
  await ctx.close();
}

main().catch((e) => ok(false, 'the browser suite ran', e && e.stack ? e.stack : e)).then(() => {
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed ? 1 : 0);
});
