// Holds N event streams with the npm `eventsource` package (v4: WHATWG EventSource over fetch)
// in one Node process, counting what arrives; for bench/clients-compare.sh.
//
//   node bench/clients/eventsource-hold.mjs URL N
//
// The package is resolved from tests/interop/node/node_modules (`npm ci --prefix tests/interop/node`).
// Prints `{"connected":…,"opens":…,"events":…,"errors":…,"first_error":…}` (connected: streams
// open now; opens: successful opens so far, reconnects included) on SIGUSR2 (SIGUSR1 is Node's
// inspector) and once more on SIGTERM, then exits. Bounded: it exits by itself after 10 minutes.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/interop/node/package.json', import.meta.url));
const { EventSource } = await import(require.resolve('eventsource'));

const [url, n] = [process.argv[2], Number(process.argv[3])];
if (!url || !(n > 0)) {
  console.error('usage: node eventsource-hold.mjs URL N');
  process.exit(2);
}
const stats = { connected: 0, opens: 0, events: 0, errors: 0, first_error: null };
const sources = [];
for (let i = 0; i < n; i++) {
  const es = new EventSource(url);
  es.onopen = () => { stats.opens++; };
  es.onmessage = () => { stats.events++; };
  es.addEventListener('tick', () => { stats.events++; });
  es.onerror = (e) => {
    stats.errors++;
    stats.first_error ??= String(e.message ?? e.code ?? e.type);
  };
  sources.push(es);
}
const report = () => {
  stats.connected = sources.filter((es) => es.readyState === EventSource.OPEN).length;
  console.log(JSON.stringify(stats));
};
process.on('SIGUSR2', report);
process.on('SIGTERM', () => { report(); process.exit(0); });
setTimeout(() => process.exit(1), 600_000).unref();
setInterval(() => {}, 1 << 30);
