#!/usr/bin/env python3
"""Holds N event streams with httpx + httpx-sse in one asyncio process, counting what arrives;
for bench/clients-compare.sh.

Usage: httpx_sse_hold.py URL N [CLIENTS]

One httpx.AsyncClient (or CLIENTS of them, streams spread evenly) with no connection limit and
no read timeout; each stream is `aconnect_sse(...)` + `aiter_sse()`, opened again a second
after it ends or fails (as EventSource would).
Prints {"connected", "opens", "events", "errors", "first_error"} as JSON (connected: streams open
now; opens: successful opens so far, reconnects included) on SIGUSR2 and once more on SIGTERM,
then exits without closing the streams one by one. Bounded: it exits by itself after 10 minutes.
"""
import asyncio
import json
import os
import signal
import sys

import httpx
from httpx_sse import aconnect_sse

stats = {"connected": 0, "opens": 0, "events": 0, "errors": 0, "first_error": None}


async def hold(client, url):
    while True:
        try:
            async with aconnect_sse(client, "GET", url) as source:
                source.response.raise_for_status()
                stats["connected"] += 1
                stats["opens"] += 1
                try:
                    async for _ in source.aiter_sse():
                        stats["events"] += 1
                finally:
                    stats["connected"] -= 1
        except Exception as e:  # count it, wait, open again
            stats["errors"] += 1
            stats["first_error"] = stats["first_error"] or f"{type(e).__name__}: {e}"
        await asyncio.sleep(1)


async def main():
    url, n = sys.argv[1], int(sys.argv[2])
    pools = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    # Plain signal handlers, not the loop's: they run at once even when the loop is swamped.
    report = lambda *_: print(json.dumps(stats), flush=True)  # noqa: E731
    signal.signal(signal.SIGUSR2, report)
    signal.signal(signal.SIGTERM, lambda *_: (report(), os._exit(0)))
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    timeout = httpx.Timeout(None, connect=60)
    clients = [httpx.AsyncClient(limits=limits, timeout=timeout) for _ in range(pools)]
    tasks = [asyncio.create_task(hold(clients[i % pools], url)) for i in range(n)]  # kept: the loop holds tasks weakly
    await asyncio.sleep(600)
    report()
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main())
