#!/usr/bin/env python3
"""Opens N event streams to an SSE server and holds them (loopback only).

Usage: idle_clients.py HOST PORT N [--hold SECONDS] [--publish]

Each client sends `GET /events` over HTTP/1.1 and waits for the first bytes of the stream.
When all N are open it prints `open N` and, with --publish, POSTs one event and waits until
every client has received it, printing `delivered N in X ms`. Then it holds the streams for
--hold seconds (default: until stdin closes) and exits. Bounded: connecting gives up after 60 s.
"""
import asyncio
import sys
import time


async def client(host, port, opened, got_event, marker):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = await reader.read(4096)
        if not chunk:
            raise ConnectionError("closed before the headers")
        buf += chunk
    opened()
    while marker not in buf:
        chunk = await reader.read(4096)
        if not chunk:
            return writer
        buf = buf[-len(marker):] + chunk
    got_event()
    return writer


async def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    hold = float(sys.argv[sys.argv.index("--hold") + 1]) if "--hold" in sys.argv else None
    publish = "--publish" in sys.argv
    marker = b"ssecat-idle-probe"
    counts = {"open": 0, "event": 0}
    all_open, all_got = asyncio.Event(), asyncio.Event()

    def opened():
        counts["open"] += 1
        if counts["open"] == n:
            all_open.set()

    def got_event():
        counts["event"] += 1
        if counts["event"] == n:
            all_got.set()

    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(client(host, port, opened, got_event, marker)))
        if i % 200 == 199:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(all_open.wait(), 60)
    print(f"open {n}", flush=True)
    if publish:
        start = time.monotonic()
        reader, writer = await asyncio.open_connection(host, port)
        body = marker
        writer.write(b"POST /events HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %d\r\n\r\n%s" % (host.encode(), port, len(body), body))
        await writer.drain()
        await asyncio.wait_for(all_got.wait(), 60)
        print(f"delivered {n} in {(time.monotonic() - start) * 1000:.1f} ms", flush=True)
        writer.close()
    if hold is not None:
        await asyncio.sleep(hold)
    else:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for t in tasks:
        t.cancel()


if __name__ == "__main__":
    asyncio.run(main())
