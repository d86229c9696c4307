// Interop: the npm `eventsource` package (v4, WHATWG EventSource over fetch) against `ssecat serve`.
//
//   node clients_eventsource.mjs BASE REPLAY_BASE
//
// BASE is a plain `ssecat serve`; REPLAY_BASE one started with
// `--drop-after 3 --retry 100 --tick 30ms --tick-topic t`. Checks, in order:
//   receive  typed events (type, data incl. multi-line, id) exactly as published
//   topics   ?topic=a gets only a's events, ?topic=a&topic=c a's and c's, ?topic=* all of them
//   replay   the client reconnects by itself after each --drop-after and sends Last-Event-ID:
//            tick ids are consecutive across >= 3 reconnects, no gap, no duplicate
//   away     events published while the client is disconnected are replayed on reconnect, exactly
// Prints one summary line; on any mismatch prints FAIL and exits 1. Stops by itself within ~20 s.

import { readFileSync } from 'node:fs';
import { EventSource } from 'eventsource';

const [base, replayBase] = process.argv.slice(2);
if (!base || !replayBase) {
  console.error('usage: node clients_eventsource.mjs BASE REPLAY_BASE');
  process.exit(2);
}

const STEP_MS = 5000; // the longest any single wait may take
let stage = 'start';
const sources = [];

function fail(message) {
  console.error(`FAIL [npm eventsource, ${stage}]: ${message}`);
  process.exit(1);
}

setTimeout(() => fail('did not finish within 20 s'), 20000).unref();
process.on('unhandledRejection', (err) => fail(`unhandled: ${err && err.stack ? err.stack : err}`));

const show = (v) => JSON.stringify(v);

function sameList(got, want, what) {
  if (show(got) !== show(want)) {
    fail(`${what}:\n  want ${show(want)}\n  got  ${show(got)}`);
  }
}

/** POST /events; returns the reply's JSON ({id, delivered}). */
async function publish(baseUrl, { query = '', body, json = false }) {
  const res = await fetch(`${baseUrl}/events${query}`, {
    method: 'POST',
    headers: json ? { 'content-type': 'application/json' } : {},
    body: json ? JSON.stringify(body) : body,
    signal: AbortSignal.timeout(STEP_MS),
  });
  const text = await res.text();
  if (res.status !== 200) fail(`publish ${query} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function stats(baseUrl) {
  const res = await fetch(`${baseUrl}/stats`, { signal: AbortSignal.timeout(STEP_MS) });
  return res.json();
}

/** Resolves when `check()` is true, polling; fails after STEP_MS saying `what`. */
async function until(what, check) {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * An EventSource listening to `types`, recording every event as {type, data, id} and every
 * request it makes (the Last-Event-ID header it sent, when, what it had received by then).
 * `gate(n)` (optional) is awaited before the n-th request (0-based) goes out.
 */
class Client {
  constructor(url, types, gate = async () => {}) {
    this.events = [];
    this.requests = [];
    this.errors = [];
    this.opens = 0;
    const recording = async (input, init) => {
      const n = this.requests.length;
      const lastEventId = (init && init.headers && init.headers['Last-Event-ID']) || null;
      this.requests.push({ at: Date.now(), lastEventId, received: this.events.length });
      await gate(n, lastEventId);
      return fetch(input, init);
    };
    this.es = new EventSource(url, { fetch: recording });
    sources.push(this.es);
    this.es.addEventListener('open', () => this.opens++);
    this.es.addEventListener('error', (e) => this.errors.push({ at: Date.now(), message: e.message }));
    for (const type of types) {
      this.es.addEventListener(type, (e) => this.events.push({ type: e.type, data: e.data, id: e.lastEventId }));
    }
  }

  /** Waits for the n-th open (1-based). */
  opened(n = 1) {
    return until(`open #${n} of ${this.es.url} (errors: ${show(this.errors)})`, () => this.opens >= n);
  }

  /** Waits until `pred(events)` holds. */
  async received(what, pred) {
    const deadline = Date.now() + STEP_MS;
    while (!pred(this.events)) {
      if (Date.now() > deadline) {
        fail(`timed out waiting for ${what} on ${this.es.url}; got ${show(this.events)}; errors ${show(this.errors)}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close() {
    this.es.close();
  }
}

const summary = [];

// --- receive: typed events, multi-line data, ids -----------------------------------------------
{
  stage = 'receive';
  const types = ['message', 'update', 'ünïcode.v2'];
  const c = new Client(`${base}/events?topic=recv`, types);
  await c.opened();
  const want = [];
  let r = await publish(base, { query: '?topic=recv', body: 'hello' });
  want.push({ type: 'message', data: 'hello', id: r.id });
  r = await publish(base, { query: '?topic=recv&event=update&id=u-1', body: 'line 1\nline 2\n\nline 4' });
  if (r.id !== 'u-1') fail(`publish with ?id=u-1 answered id ${r.id}`);
  want.push({ type: 'update', data: 'line 1\nline 2\n\nline 4', id: 'u-1' });
  const batch = [
    { topic: 'recv', event: 'update', data: '  two leading spaces\ntrailing newline\n', id: 'b-1' },
    { topic: 'recv', data: { a: [1, 2], s: 'x' }, id: 42 },
    { topic: 'recv', event: 'ünïcode.v2', data: 'héllo ✓ 日本 🎉', id: 'b-3' },
    { topic: 'recv', data: '', id: 'b-4' },
    { topic: 'recv', event: 'update', data: 'a: b\r\nc\rd: e' },
  ];
  r = await publish(base, { body: batch, json: true });
  want.push(
    { type: 'update', data: '  two leading spaces\ntrailing newline\n', id: 'b-1' },
    { type: 'message', data: '{"a":[1,2],"s":"x"}', id: '42' },
    { type: 'ünïcode.v2', data: 'héllo ✓ 日本 🎉', id: 'b-3' },
    { type: 'message', data: '', id: 'b-4' },
    // CRLF and CR are line breaks in the event-stream format: they arrive as LF.
    { type: 'update', data: 'a: b\nc\nd: e', id: r.id },
  );
  r = await publish(base, { query: '?topic=recv&event=update', body: 'end' });
  want.push({ type: 'update', data: 'end', id: r.id });
  await c.received('the "end" event', (evs) => evs.some((e) => e.data === 'end'));
  sameList(c.events, want, 'events received');
  c.close();
  summary.push(`receive ${want.length} events`);
}

// --- topics: ?topic=a, ?topic=b, ?topic=a&topic=c, ?topic=* ---------------------------------------
{
  stage = 'topics';
  const types = ['message', 'end'];
  const clients = {
    a: new Client(`${base}/events?topic=a`, types),
    b: new Client(`${base}/events?topic=b`, types),
    ac: new Client(`${base}/events?topic=a&topic=c`, types),
    all: new Client(`${base}/events?topic=*`, types),
  };
  for (const c of Object.values(clients)) await c.opened();
  const published = [];
  for (let i = 1; i <= 3; i++) {
    for (const topic of ['a', 'b', 'c']) {
      const data = `${topic}${i}`;
      const r = await publish(base, { query: `?topic=${topic}`, body: data });
      published.push({ topic, type: 'message', data, id: r.id });
    }
  }
  // One "end" per topic, after everything else: once a client has its ends, anything of another
  // topic would already have arrived (a stream is delivered in publish order).
  const ends = ['a', 'b', 'c'].map((topic) => ({ topic, event: 'end', data: `end ${topic}` }));
  const r = await publish(base, { body: ends, json: true });
  const last = Number(r.id);
  ends.forEach((e, i) => published.push({ topic: e.topic, type: 'end', data: e.data, id: String(last - 2 + i) }));
  const expect = (topics) => published.filter((e) => topics.includes(e.topic)).map(({ topic, ...e }) => e);
  const wanted = { a: ['a'], b: ['b'], ac: ['a', 'c'], all: ['a', 'b', 'c'] };
  for (const [name, c] of Object.entries(clients)) {
    const want = expect(wanted[name]);
    await c.received(`${want.filter((e) => e.type === 'end').length} end events`, (evs) => {
      return evs.filter((e) => e.type === 'end').length >= wanted[name].length;
    });
    sameList(c.events, want, `events on ?topic=${wanted[name].join('&topic=')}${name === 'all' ? ' (as *)' : ''}`);
    c.close();
  }
  summary.push('topics a, b, a+c, * exact');
}

// --- replay: automatic reconnects after --drop-after 3, with Last-Event-ID ---------------------
{
  stage = 'replay';
  const c = new Client(`${replayBase}/events?topic=t`, ['tick']);
  const WANT = 12; // 4 connections of 3 events: 3 reconnects
  await c.received(`${WANT} ticks`, (evs) => evs.length >= WANT);
  c.close();
  const ticks = c.events.slice(0, WANT);
  const first = Number(ticks[0].id);
  if (!Number.isInteger(first)) fail(`tick id ${show(ticks[0].id)} is not a number`);
  const firstN = JSON.parse(ticks[0].data).n;
  ticks.forEach((t, i) => {
    const n = JSON.parse(t.data).n;
    if (t.id !== String(first + i) || n !== firstN + i) {
      fail(`tick ${i} is id ${t.id} n ${n}, want id ${first + i} n ${firstN + i} (gap or duplicate): ${show(ticks.map((x) => x.id))}`);
    }
  });
  const reconnects = c.requests.slice(1).filter((q) => q.received <= WANT);
  if (reconnects.length < 3) fail(`only ${reconnects.length} reconnects while receiving ${WANT} ticks: ${show(c.requests)}`);
  for (const q of reconnects) {
    const want = q.received > 0 ? c.events[q.received - 1].id : null;
    if (q.lastEventId !== want) {
      fail(`a reconnect sent Last-Event-ID ${show(q.lastEventId)}, want ${show(want)} (the last id received): ${show(c.requests)}`);
    }
    // `retry: 100` from the server replaces the client's default of 3 s.
    const drop = c.errors.filter((e) => e.at <= q.at).pop();
    if (!drop || q.at - drop.at > 2000) fail(`a reconnect came ${drop ? q.at - drop.at : '?'} ms after the drop; retry: 100 ignored?`);
  }
  summary.push(`replay ${WANT} consecutive ticks over ${reconnects.length} reconnects (ids ${first}..${first + WANT - 1})`);
}

// --- away: dropped, 3 events published while away, reconnect gets exactly those 3 ----------------
{
  stage = 'away';
  const away = [];
  // The client's own reconnect (after the server's --drop-after) is held until the 3 events are
  // published, so they can only arrive by replay (the replies say they reached no subscriber).
  const gate = async (n) => {
    if (n !== 1) return;
    await until('the dropped stream to leave the server', async () => {
      const s = await stats(replayBase);
      return !('away' in s.subscribers_per_topic);
    });
    for (const data of ['away 1', 'away 2\nsecond line', 'away 3']) {
      const r = await publish(replayBase, { query: '?topic=away&event=note', body: data });
      if (r.delivered !== 0) fail(`published while away but delivered to ${r.delivered} subscribers`);
      away.push({ type: 'note', data, id: r.id });
    }
  };
  const c = new Client(`${replayBase}/events?topic=away`, ['message', 'note'], gate);
  await c.opened();
  const want = [];
  for (let i = 1; i <= 3; i++) {
    const r = await publish(replayBase, { query: '?topic=away', body: `before ${i}` });
    want.push({ type: 'message', data: `before ${i}`, id: r.id });
  }
  await c.received('the 3 events before the drop and the 3 published while away', (evs) => evs.length >= 6);
  const q = c.requests[1];
  if (q.lastEventId !== want[2].id) fail(`the reconnect sent Last-Event-ID ${show(q.lastEventId)}, want ${show(want[2].id)}`);
  want.push(...away);
  // Then live again: the next event after the replay is the next one published, nothing between.
  await c.opened(3);
  const q3 = c.requests[2];
  if (q3.lastEventId !== away[2].id) fail(`the 2nd reconnect sent Last-Event-ID ${show(q3.lastEventId)}, want ${show(away[2].id)}`);
  const r = await publish(replayBase, { query: '?topic=away', body: 'live' });
  want.push({ type: 'message', data: 'live', id: r.id });
  await c.received('the live event after the replay', (evs) => evs.length >= 7);
  c.close();
  sameList(c.events, want, 'events around the disconnection');
  summary.push('away 3 replayed exactly');
}

const version = JSON.parse(
  readFileSync(new URL('./node_modules/eventsource/package.json', import.meta.url), 'utf8'),
).version;
console.log(`npm eventsource ${version} (node ${process.version}): ok: ${summary.join('; ')}`);
for (const es of sources) es.close();
process.exit(0);
