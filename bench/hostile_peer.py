#!/usr/bin/env python3
"""A hostile SSE server on 127.0.0.1 for bench/listen-hostile.sh. Prints its port, then answers
every connection by MODE, and rewrites COUNT_FILE with the number of connections accepted.

Modes:
  gzip-bomb GIB    200, Content-Encoding: gzip: `data: ` then GIB GiB of `a` (one line that never
                   ends), then `data: end`; about 1 MiB on the wire per GiB inflated
  retry0-event     200, `retry: 0`, one event, close (every time)
  ra0-503          503 with Retry-After: 0 (every time)
"""
import socket, sys, threading, zlib

mode, count_file = sys.argv[1], sys.argv[2]
arg = float(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else 1


def gzip_bomb(gib):
    # After a sync flush, deflate blocks look back 32 KiB, all `a`: one block of 1 MiB of `a`
    # can be repeated.
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    prefix = co.compress(b"data: " + b"a" * 65536) + co.flush(zlib.Z_SYNC_FLUSH)
    block = co.compress(b"a" * (1 << 20)) + co.flush(zlib.Z_SYNC_FLUSH)
    end = co.compress(b"\n\ndata: end\n\n") + co.flush(zlib.Z_SYNC_FLUSH)
    return head, prefix, block, int(gib * 1024), end


def answer(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(65536)
        if not more:
            return
        data += more
    if mode == "gzip-bomb":
        head, prefix, block, n, end = gzip_bomb(arg)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     b"Content-Encoding: gzip\r\n\r\n" + head + prefix)
        for _ in range(n):
            conn.sendall(block)
        conn.sendall(end)
        conn.recv(1)  # until the client leaves
    elif mode == "retry0-event":
        body = b"retry: 0\ndata: x\n\n"
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body)
    elif mode == "ra0-503":
        conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n"
                     b"Content-Length: 0\r\n\r\n")


def serve(conn):
    try:
        answer(conn)
    except OSError:
        pass
    finally:
        conn.close()


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1024)
print(listener.getsockname()[1], flush=True)
accepted = 0
while True:
    conn, _ = listener.accept()
    accepted += 1
    with open(count_file, "w") as f:
        f.write(str(accepted))
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
