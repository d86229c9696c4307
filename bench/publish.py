#!/usr/bin/env python3
"""Publishes RATE events per second for SECONDS to an SSE server over one keep-alive connection.

Usage: publish.py URL RATE SECONDS

Each event's data is ~100 bytes of JSON carrying the send time: {"ts_ms": …, "seq": …, "pad": "…"},
so `ssecat bench --latency-field /ts_ms` measures delivery latency. The body is POSTed raw
(ssecat serve takes it as the data; nchan publishes it as the message). Paced against a clock,
so a slow server makes the publisher fall behind rather than burst. Prints how many it sent.
"""
import http.client
import sys
import time
import urllib.parse


def main():
    url, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    parts = urllib.parse.urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    start = time.monotonic()
    sent = 0
    while True:
        due = start + sent / rate
        now = time.monotonic()
        if now - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        body = '{"ts_ms":%d,"seq":%d,"pad":"%s"}' % (time.time() * 1000, sent + 1, "x" * 56)
        conn.request("POST", path, body=body, headers={"Content-Type": "text/plain"})
        resp = conn.getresponse()
        resp.read()
        if resp.status >= 300:
            sys.exit(f"publish failed: HTTP {resp.status}")
        sent += 1
    print(f"published {sent} events in {time.monotonic() - start:.2f} s", flush=True)


if __name__ == "__main__":
    main()
