#!/usr/bin/env python3
"""Hostile clients against `ssecat serve` (loopback only), for bench/serve-hostile-memory.sh.

Usage:
  hostile_serve.py stall HOST PORT N SIZE     N POSTs declaring SIZE bytes that send all but the
                                              last byte, then stall; prints how each ended
  flood HOST PORT N SIZE [--tiny] [--topics]  N POSTs, one after another, of SIZE bytes of
                                              newlines (the worst case for encoding: each line
                                              becomes a `data:` line); --tiny: a JSON array of
                                              {"data":""} events instead (the worst case for
                                              decoding); --topics: each to its own topic
  deaf HOST PORT N [--topics]                 N subscribers (each to its own topic with --topics)
                                              that never read a byte, held until stdin closes

Every wait is bounded (connecting: 10 s; a stalled POST: 120 s).
"""
import asyncio
import json
import sys
import time


async def stall_one(host, port, size, results, i):
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
    head = (f"POST /events HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Length: {size}\r\n\r\n").encode()
    writer.write(head)
    chunk = b"x" * 65536
    left = size - 1
    try:
        while left > 0:
            writer.write(chunk[:min(left, len(chunk))])
            left -= min(left, len(chunk))
            await writer.drain()
    except ConnectionError:
        results[i] = "reset while sending"
        return
    started = time.monotonic()
    try:
        answer = await asyncio.wait_for(reader.read(4096), 120)
        took = time.monotonic() - started
        status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "closed (EOF)"
        results[i] = f"{status} after {took:.0f}s"
    except asyncio.TimeoutError:
        results[i] = "still open after 120s"
    except ConnectionError:
        results[i] = "reset"
    writer.close()


async def stall(host, port, n, size):
    results = [None] * n
    await asyncio.gather(*(stall_one(host, port, size, results, i) for i in range(n)))
    summary = {}
    for r in results:
        key = r.split(" after ")[0]
        summary[key] = summary.get(key, 0) + 1
    print("stalled POSTs ended:", json.dumps(summary))


def flood(host, port, n, size, tiny, topics):
    import http.client
    if tiny:
        event = '{"data":""}'
        count = max(1, size // (len(event) + 1))
        body = ("[" + ",".join([event] * count) + "]").encode()
        ctype = "application/json"
    else:
        body = b"\n" * size
        ctype = "text/plain"
    statuses = {}
    for i in range(n):
        conn = http.client.HTTPConnection(host, port, timeout=60)
        path = f"/events?topic=t{i}" if topics else "/events"
        conn.request("POST", path, body=body, headers={"Content-Type": ctype})
        resp = conn.getresponse()
        text = resp.read().decode(errors="replace").strip()
        key = f"{resp.status} {text[:120]}" if resp.status != 200 else "200"
        statuses[key] = statuses.get(key, 0) + 1
        conn.close()
    print(f"flood of {n} bodies of {len(body)} bytes:", json.dumps(statuses))


async def deaf(host, port, n, topics):
    writers = []
    for i in range(n):
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        path = f"/events?topic=t{i}" if topics else "/events?topic=*"
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        await writer.drain()
        writers.append((reader, writer))
    print(f"deaf subscribers: {n}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    flags = set(a for a in sys.argv[4:] if a.startswith("--"))
    args = [int(a) for a in sys.argv[4:] if not a.startswith("--")]
    if mode == "stall":
        asyncio.run(stall(host, port, args[0], args[1]))
    elif mode == "flood":
        flood(host, port, args[0], args[1], "--tiny" in flags, "--topics" in flags)
    elif mode == "deaf":
        asyncio.run(deaf(host, port, args[0], "--topics" in flags))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
