// Interop: headless Debian chromium (/usr/bin/chromium), driven by playwright-core, against
// `ssecat serve`. playwright-core never downloads a browser; this script only ever launches the
// system one.
//
//   node browser.mjs viewer BASE SCREENSHOT.png
//       BASE is a plain `ssecat serve`. Opens the viewer page (GET /), waits for #state "open",
//       publishes with the page's own form (a typed event), with fetch from the page (a typed
//       multi-line one, JSON data shown pretty-printed, markup shown as text), and from outside
//       (Node's fetch: a type the page has never seen, picked up by its /stats polling); checks
//       each entry of #events (data-type, data-id, .type, .id, .data), #count, #last-id,
//       Disconnect / Connect; saves a screenshot of the viewer.
//
//   node browser.mjs resume BASE
//       BASE is started with `--tick 50ms --tick-topic t --drop-after 5 --retry 100`. A page on
//       BASE (same origin) runs `new EventSource('/events?topic=t')` with a 'tick' listener; the
//       server ends each stream after 5 events and the browser reconnects by itself, sending
//       Last-Event-ID. Checks: ids consecutive over >= 4 connections (no gap, no duplicate), every
//       reconnect's Last-Event-ID header is the last id received, /stats says replays >= 2.
//
//   node browser.mjs cors B OPEN ONLY_B OTHER
//       A page on origin B (B/health) subscribes with `new EventSource(A + '/events?topic=c')`
//       and publishes with `fetch(A + '/events', {method: 'POST', Content-Type: JSON})` (which
//       needs a CORS preflight), for three servers A, each ticking on topic c: OPEN (default
//       `Access-Control-Allow-Origin: *`) must deliver ticks but refuse the POST (a publish
//       from another origin: its preflight gets 403); ONLY_B (`--cors-origin B`) must deliver
//       ticks and the posted event; OTHER (`--cors-origin` of another port) must fail the
//       EventSource (error, readyState CLOSED, no event) and the POST (preflight refused).
//
// On success prints one JSON line (what was checked and measured) on stdout and exits 0. On any
// mismatch prints `FAIL [browser MODE, STAGE]: …` on stderr and exits 1. Every wait is bounded;
// the whole script gives up after 25 s. The browser is always closed and its profile removed.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const STEP_MS = 5000; // the longest any single wait may take
const TOTAL_MS = 25000; // the whole script

const [mode, ...args] = process.argv.slice(2);
let stage = 'start';
let context = null; // the browser (a persistent context: see launch())
let profile = null; // its fresh --user-data-dir
const versions = { chromium: null, playwright: playwrightVersion() };
const pageErrors = []; // uncaught exceptions in any page
const consoleLines = []; // what the pages logged, for failure messages

class Failure extends Error {}

function playwrightVersion() {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    return JSON.parse(readFileSync(join(here, 'node_modules/playwright-core/package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

function fail(message) {
  throw new Failure(message);
}

const show = (v) => JSON.stringify(v);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function same(got, want, what) {
  if (show(got) !== show(want)) fail(`${what}:\n  want ${show(want)}\n  got  ${show(got)}`);
}

/**
 * Launches /usr/bin/chromium headless with a fresh profile directory.
 *
 * playwright refuses `--user-data-dir` in `args` of `chromium.launch()` ("Pass userDataDir
 * parameter to 'BrowserType.launchPersistentContext(userDataDir, options)'"); launch() would
 * make its own temporary profile, but to own the directory (and know it is fresh) this uses
 * `launchPersistentContext(dir)` with a new mkdtemp dir, which playwright passes to chromium as
 * `--user-data-dir=dir`. The rest of the flags are the issue's; playwright adds `--headless` and
 * `--no-sandbox` itself too (harmless duplicates), and `--remote-debugging-pipe` to drive it.
 */
async function launch() {
  stage = 'launch chromium';
  profile = mkdtempSync(join(tmpdir(), 'ssecat-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 15000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1000, height: 760 },
    colorScheme: 'light',
  });
  versions.chromium = context.browser()?.version() ?? null;
  context.setDefaultTimeout(STEP_MS);
  context.setDefaultNavigationTimeout(STEP_MS);
  return context;
}

/** The persistent context's first tab, with its errors and console recorded. */
async function newPage() {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(String(err && err.stack ? err.stack : err)));
  page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
  return page;
}

/** Closes the browser (at most 5 s), then removes its profile. Never throws; callers share one
 *  closing (the watchdog and the normal end may both ask). */
let closing = null;
function closeBrowser() {
  closing ??= (async () => {
    if (context) {
      let timer;
      const giveUp = new Promise((r) => {
        timer = setTimeout(r, 5000);
      });
      await Promise.race([context.close().catch(() => {}), giveUp]);
      clearTimeout(timer);
    }
    if (profile) {
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // a leftover temp dir is not worth failing for
      }
    }
  })();
  return closing;
}

/** Polls `check()` (in Node) until it returns a truthy value; fails after STEP_MS naming `what`. */
async function until(what, check, timeout = STEP_MS, detail = async () => '') {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) fail(`timed out after ${timeout} ms waiting for ${what}${await detail()}`);
    await sleep(20);
  }
}

// --- viewer -------------------------------------------------------------------------------------

async function viewer(base, screenshot) {
  if (!base || !screenshot) usage();
  await launch();
  const page = await newPage();

  stage = 'open the viewer';
  const resp = await page.goto(`${base}/`);
  if (resp.status() !== 200) fail(`GET / answered ${resp.status()}`);
  const ctype = resp.headers()['content-type'] || '';
  if (!ctype.startsWith('text/html')) fail(`GET / has content-type ${ctype}`);
  const title = await page.title();

  // What the page shows, for checks and for failure messages.
  const shown = () =>
    page.evaluate(() => ({
      state: document.getElementById('state').textContent,
      dot: document.getElementById('state-dot').dataset.state,
      reconnects: document.getElementById('reconnects').textContent,
      lastId: document.getElementById('last-id').textContent,
      count: document.getElementById('count').textContent,
      pubResult: document.getElementById('pub-result').textContent,
      pubResultClass: document.getElementById('pub-result').className,
      // newest first, as the page lists them
      events: [...document.querySelectorAll('#events .event')].map((e) => ({
        type: e.dataset.type,
        id: e.dataset.id,
        typeText: e.querySelector('.type').textContent,
        idText: e.querySelector('.id').textContent,
        data: e.querySelector('.data').textContent,
      })),
    }));
  const detail = async () => `; the page shows ${show(await shown())}; console ${show(consoleLines)}`;
  const waitFor = (what, pred) => until(what, async () => pred(await shown()), STEP_MS, detail);
  const entries = async () => (await shown()).events;

  await waitFor('#state "open"', (s) => s.state === 'open' && s.dot === 'open');
  const want = []; // what #events must list, oldest first

  // 1. The page's own publish form: a typed event the page has never seen before.
  stage = 'publish with the form';
  await page.fill('#pub-topic', 'default');
  await page.fill('#pub-event', 'greet');
  await page.fill('#pub-id', 'g-1');
  await page.fill('#pub-data', 'hello');
  await page.click('#publish');
  await waitFor('#pub-result to report the publish', (s) => s.pubResult.startsWith('published') || s.pubResult.startsWith('error'));
  const afterForm = await shown();
  same(
    [afterForm.pubResult, afterForm.pubResultClass],
    ['published id g-1 to 1 subscriber', 'ok'],
    '#pub-result after publishing with the form',
  );
  want.push({ type: 'greet', id: 'g-1', data: 'hello' });
  await waitFor('the form\'s "greet" event in #events', (s) => s.events.length >= want.length);

  // 2. fetch from the page (same origin): a known type with two lines, JSON data (shown
  //    pretty-printed), markup (shown as text, never parsed), and an untyped one with an
  //    automatic id.
  stage = 'publish with fetch from the page';
  const markup = '<img src=x onerror="window.__pwned = 1"><b>not bold</b>';
  // Keys in order: the server re-serialises JSON data compactly, with sorted keys.
  const json = { nested: { ok: true }, tags: ['a', 'b'], temp: 21.5 };
  const reply = await page.evaluate(async (body) => {
    const r = await fetch('/events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    return { status: r.status, json: await r.json() };
  }, show([
    { event: 'greet', id: 'g-2', data: 'hello again\nsecond line' },
    { topic: 'sensors', id: 'r-1', data: json }, // the viewer follows topic *
    { event: 'greet', id: 'g-3', data: markup },
    { data: 'plain message' },
  ]));
  if (reply.status !== 200) fail(`POST /events from the page answered ${show(reply)}`);
  const autoId = String(reply.json.id);
  want.push(
    { type: 'greet', id: 'g-2', data: 'hello again\nsecond line' },
    { type: 'message', id: 'r-1', data: JSON.stringify(json, null, 2) },
    { type: 'greet', id: 'g-3', data: markup },
    { type: 'message', id: autoId, data: 'plain message' },
  );
  await waitFor(`${want.length} events in #events`, (s) => s.events.some((e) => e.id === autoId));

  // 3. From outside the page (Node's fetch): a type the page has never seen. An EventSource has
  //    no catch-all listener for named events, so the viewer learns types from /stats (every
  //    2 s) and misses events of a new type until then. Its polling must pick the type up:
  //    publish one every 250 ms until the viewer shows one, then all later ones must show.
  stage = 'a new event type published elsewhere';
  let n = 0;
  const newsSent = [];
  await until(
    'a "news" event in #events (the viewer learns new types from /stats every 2 s)',
    async () => {
      if ((await entries()).some((e) => e.type === 'news')) return true;
      n += 1;
      const id = `n-${n}`;
      const r = await fetch(`${base}/events?topic=default&event=news&id=${id}`, {
        method: 'POST',
        body: `news ${n}`,
        signal: AbortSignal.timeout(STEP_MS),
      });
      if (r.status !== 200) fail(`POST news answered ${r.status}: ${await r.text()}`);
      newsSent.push(id);
      await sleep(250);
      return false;
    },
    8000, // two of the viewer's 2 s polls, with room for a loaded machine
    detail,
  );
  const newsShown = (await entries()).filter((e) => e.type === 'news').map((e) => e.id);
  const firstNews = Number(newsShown[newsShown.length - 1].slice(2)); // oldest shown
  for (let k = firstNews; k <= n; k++) want.push({ type: 'news', id: `n-${k}`, data: `news ${k}` });
  await waitFor(`news n-${n} in #events`, (s) => s.events.some((e) => e.id === `n-${n}`));

  // 4. Disconnect, Connect, and one more event.
  stage = 'disconnect and connect';
  await page.click('#disconnect');
  await waitFor('#state "closed" after Disconnect', (s) => s.state === 'closed' && s.dot === 'closed');
  await page.click('#connect');
  await waitFor('#state "open" after Connect', (s) => s.state === 'open');
  await page.fill('#pub-id', 'g-4');
  await page.fill('#pub-data', '{"after":"reconnect","list":[1,2,3]}');
  await page.press('#pub-data', 'Control+Enter'); // the textarea's shortcut submits the form
  want.push({ type: 'greet', id: 'g-4', data: JSON.stringify({ after: 'reconnect', list: [1, 2, 3] }, null, 2) });
  await waitFor('g-4 in #events', (s) => s.events.some((e) => e.id === 'g-4'));

  stage = 'check #events';
  await sleep(200); // nothing more may arrive
  const final = await shown();
  const got = final.events.slice().reverse(); // oldest first
  for (const e of got) {
    if (e.typeText !== e.type || e.idText !== e.id) fail(`an entry's .type/.id disagree with its data-type/data-id: ${show(e)}`);
  }
  same(
    got.map(({ type, id, data }) => ({ type, id, data })),
    want,
    '#events (oldest first)',
  );
  same(
    { count: final.count, lastId: final.lastId, reconnects: final.reconnects, state: final.state },
    { count: String(want.length), lastId: 'g-4', reconnects: '0', state: 'open' },
    '#count, #last-id, #reconnects, #state',
  );
  const xss = await page.evaluate(() => ({
    pwned: window.__pwned ?? null,
    imgs: document.querySelectorAll('#events img, #events b').length,
  }));
  same(xss, { pwned: null, imgs: 0 }, 'markup in event data must stay text');
  if (pageErrors.length) fail(`uncaught errors in the page: ${show(pageErrors)}`);
  const consoleErrors = consoleLines.filter((l) => l.startsWith('error'));
  if (consoleErrors.length) fail(`the viewer logged errors: ${show(consoleErrors)}`);

  stage = 'screenshot';
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.screenshot({ path: screenshot, fullPage: true, timeout: STEP_MS });
  const bytes = statSync(screenshot).size;
  if (bytes === 0) fail(`the screenshot ${screenshot} is empty`);
  return {
    title,
    events: got.length,
    news: { sent: newsSent, lost_before_the_type_was_known: firstNews - 1 },
    screenshot: { path: screenshot, bytes },
  };
}

// --- resume -------------------------------------------------------------------------------------

async function resume(base) {
  if (!base) usage();
  await launch();
  const page = await newPage();

  stage = 'open a page on the server';
  const resp = await page.goto(`${base}/health`);
  if (resp.status() !== 200) fail(`GET /health answered ${resp.status()}`);

  // Every request the page makes for /events, with the Last-Event-ID header chromium sent.
  const requests = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname !== '/events') return;
    const entry = { lastEventId: null };
    requests.push(entry);
    entry.pending = req.allHeaders().then(
      (h) => {
        entry.lastEventId = h['last-event-id'] ?? null;
      },
      () => {},
    );
  });

  stage = 'EventSource with --drop-after';
  const WANT_EVENTS = 25; // 5 per stream: at least 5 connections
  const WANT_OPENS = 4; // at least 3 reconnects
  const r = await page.evaluate(
    async ({ wantEvents, wantOpens, maxMs }) => {
      const ticks = [];
      const untyped = [];
      const log = []; // 'open', 'error(readyState)', and 'tick ID', in order
      const es = new EventSource('/events?topic=t');
      es.addEventListener('tick', (e) => {
        ticks.push({ id: e.lastEventId, data: e.data, origin: e.origin });
        log.push(`tick ${e.lastEventId}`);
      });
      es.onmessage = (e) => untyped.push(e.data); // typed events must never land here
      es.onopen = () => log.push('open');
      es.onerror = () => log.push(`error(${es.readyState})`);
      const t0 = performance.now();
      const opens = () => log.filter((l) => l === 'open').length;
      while (performance.now() - t0 < maxMs && (ticks.length < wantEvents || opens() < wantOpens)) {
        await new Promise((res) => setTimeout(res, 20));
      }
      es.close();
      const stats = await (await fetch('/stats', { cache: 'no-store' })).json();
      return { ticks, untyped, log, opens: opens(), ms: Math.round(performance.now() - t0), stats, url: es.url };
    },
    { wantEvents: WANT_EVENTS, wantOpens: WANT_OPENS, maxMs: 8000 },
  );
  await Promise.all(requests.map((q) => q.pending));

  stage = 'check the ids';
  const ctx = () => `\n  log ${show(r.log)}\n  stats ${show(r.stats)}`;
  if (r.ticks.length < WANT_EVENTS || r.opens < WANT_OPENS) {
    fail(`after ${r.ms} ms only ${r.ticks.length} ticks over ${r.opens} connections (want ${WANT_EVENTS} over ${WANT_OPENS})${ctx()}`);
  }
  if (r.untyped.length) fail(`typed events reached onmessage: ${show(r.untyped)}`);
  const ids = r.ticks.map((t) => t.id);
  const first = Number(ids[0]);
  if (!ids.every((id) => /^[0-9]+$/.test(id))) fail(`ids are not integers: ${show(ids)}`);
  const expected = ids.map((_, i) => String(first + i));
  same(ids, expected, `tick ids must be consecutive across reconnects (no gap, no duplicate)${ctx()}`);
  const ns = r.ticks.map((t) => JSON.parse(t.data).n);
  same(ns, ns.map((_, i) => ns[0] + i), 'the ticks\' data "n" must be consecutive');
  const origin = new URL(base).origin;
  if (!r.ticks.every((t) => t.origin === origin)) fail(`MessageEvent.origin is not ${origin}: ${show(r.ticks[0])}`);
  // Every error was a drop the browser recovers from (CONNECTING, 0), never a failure (CLOSED, 2).
  const errors = r.log.filter((l) => l.startsWith('error'));
  if (errors.some((e) => e !== 'error(0)')) fail(`an EventSource error closed it${ctx()}`);

  stage = 'check Last-Event-ID';
  // Replay the log: each connection after the first must have sent the last id received before.
  const sent = requests.map((q) => q.lastEventId);
  const expectSent = [null];
  let last = null;
  for (const l of r.log) {
    if (l.startsWith('tick ')) last = l.slice(5);
    if (l.startsWith('error')) expectSent.push(last);
  }
  // The page may have closed the EventSource while a reconnect was pending or just sent.
  same(sent.slice(0, r.opens), expectSent.slice(0, r.opens), `Last-Event-ID of each request for /events${ctx()}`);

  stage = 'check /stats';
  const replays = r.stats.replays;
  if (!(replays >= 2)) fail(`/stats says replays = ${replays}, want >= 2${ctx()}`);
  if (r.stats.event_types.join() !== 'tick') fail(`/stats event_types ${show(r.stats.event_types)}`);
  if (pageErrors.length) fail(`uncaught errors in the page: ${show(pageErrors)}`);
  return {
    ms: r.ms,
    connections: r.opens,
    ticks: ids.length,
    first_id: ids[0],
    last_id: ids[ids.length - 1],
    last_event_ids_sent: sent.slice(1, r.opens),
    replays,
    events_replayed: r.stats.events_replayed,
  };
}

// --- cors ---------------------------------------------------------------------------------------

async function cors(b, open, onlyB, other) {
  if (!b || !open || !onlyB || !other) usage();
  await launch();
  const page = await newPage();

  stage = 'open a page on origin B';
  const resp = await page.goto(`${b}/health`);
  if (resp.status() !== 200) fail(`GET B/health answered ${resp.status()}`);
  const origin = await page.evaluate(() => location.origin);
  if (origin !== new URL(b).origin) fail(`the page's origin is ${origin}, not B's`);

  /** From the page on B: EventSource on A, then a JSON POST to A, then wait for its event. */
  const tryServer = (a, waitMs) =>
    page.evaluate(
      async ({ a, waitMs }) => {
        const events = [];
        const log = [];
        const es = new EventSource(`${a}/events?topic=c`);
        for (const type of ['tick', 'cors']) {
          es.addEventListener(type, (e) => events.push({ type: e.type, id: e.lastEventId, data: e.data, origin: e.origin }));
        }
        es.onopen = () => log.push('open');
        es.onerror = () => log.push(`error(${es.readyState})`);
        const t0 = performance.now();
        const wait = async (pred) => {
          const end = performance.now() + waitMs;
          while (!pred() && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
        };
        await wait(() => log.length > 0);
        let post;
        try {
          const r = await fetch(`${a}/events`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ topic: 'c', event: 'cors', id: 'cors-1', data: `from ${location.origin}` }),
          });
          post = { status: r.status, json: await r.json() };
        } catch (err) {
          post = { error: `${err.name}: ${err.message}` };
        }
        // Until both the posted event and a tick are in (or, refused, waitMs for nothing).
        await wait(() => events.some((e) => e.type === 'cors') && events.some((e) => e.type === 'tick'));
        const readyState = es.readyState;
        es.close();
        return { events, log, post, readyState, ms: Math.round(performance.now() - t0) };
      },
      { a, waitMs },
    );

  const summary = {};
  {
    stage = 'subscribe only: open';
    const r = await tryServer(open, 1500);
    const ctx = `\n  ${show(r)}\n  console ${show(consoleLines)}`;
    if (r.log[0] !== 'open') fail(`the EventSource to ${open} did not open${ctx}`);
    const ticks = r.events.filter((e) => e.type === 'tick').length;
    if (ticks < 1) fail(`no tick arrived from ${open}${ctx}`);
    if (r.events.some((e) => e.type === 'cors')) fail(`a POST from ${origin} reached ${open}, which takes publishes from its own origin only${ctx}`);
    if (!r.post.error || !r.post.error.startsWith('TypeError')) fail(`the POST to ${open} from another origin should be refused by its preflight${ctx}`);
    summary.open = { ticks, post: r.post.error, ms: r.ms };
  }
  for (const [name, a] of [['only_b', onlyB]]) {
    stage = `allowed: ${name}`;
    const r = await tryServer(a, 3000);
    const ctx = `\n  ${show(r)}\n  console ${show(consoleLines)}`;
    if (r.log[0] !== 'open') fail(`the EventSource to ${a} did not open${ctx}`);
    if (r.post.status !== 200 || r.post.json.id !== 'cors-1') fail(`the POST to ${a} from ${origin} failed${ctx}`);
    const posted = r.events.filter((e) => e.type === 'cors');
    same(
      posted.map(({ id, data, origin: o }) => ({ id, data, origin: o })),
      [{ id: 'cors-1', data: `from ${origin}`, origin: new URL(a).origin }],
      `the posted event, received by the EventSource on ${a}${ctx}`,
    );
    const ticks = r.events.filter((e) => e.type === 'tick').length;
    if (ticks < 1) fail(`no tick arrived from ${a}${ctx}`);
    summary[name] = { ticks, post_delivered: r.post.json.delivered, ms: r.ms };
  }

  stage = 'refused: other';
  const r = await tryServer(other, 1500);
  const ctx = `\n  ${show(r)}`;
  if (r.events.length) fail(`the page on ${origin} received events from ${other}, which allows only another origin${ctx}`);
  if (r.log.includes('open')) fail(`the EventSource to ${other} opened${ctx}`);
  if (r.log[0] !== 'error(2)' || r.readyState !== 2) fail(`the EventSource to ${other} should fail for good (error, CLOSED)${ctx}`);
  if (!r.post.error || !r.post.error.startsWith('TypeError')) fail(`the POST to ${other} should be refused by its preflight${ctx}`);
  summary.other = { log: r.log, post: r.post.error };
  // chromium says why on the console: "… has been blocked by CORS policy: …".
  summary.other.console = consoleLines.filter((l) => l.includes('CORS policy'));
  if (!summary.other.console.length) fail(`chromium logged no CORS error; console ${show(consoleLines)}`);
  if (pageErrors.length) fail(`uncaught errors in the page: ${show(pageErrors)}`);
  return { page_origin: origin, ...summary };
}

// --- main ---------------------------------------------------------------------------------------

function usage() {
  console.error('usage: node browser.mjs viewer BASE SCREENSHOT | resume BASE | cors B OPEN ONLY_B OTHER');
  process.exit(2);
}

const modes = { viewer, resume, cors };
if (!modes[mode]) usage();

let timedOut = false;
const watchdog = setTimeout(async () => {
  timedOut = true;
  console.error(`FAIL [browser ${mode}, ${stage}]: did not finish within ${TOTAL_MS / 1000} s`);
  setTimeout(() => process.exit(1), 6000).unref();
  await closeBrowser();
  process.exit(1);
}, TOTAL_MS);

let result = null;
let failure = null;
try {
  result = await modes[mode](...args);
} catch (err) {
  failure = err;
} finally {
  await closeBrowser();
  clearTimeout(watchdog);
}
if (timedOut) {
  // The watchdog reports and exits; what failed here is only its closing of the browser.
  await new Promise(() => {});
}
if (failure) {
  const msg = failure instanceof Failure ? failure.message : failure && failure.stack ? failure.stack : String(failure);
  console.error(`FAIL [browser ${mode}, ${stage}]: ${msg}`);
  if (consoleLines.length) console.error(`page console:\n  ${consoleLines.join('\n  ')}`);
  process.exit(1);
}
console.log(show({ ok: mode, ...versions, ...result }));
