"""Interop: Python httpx-sse (over httpx) against `ssecat serve`.

    python3 clients_httpx_sse.py BASE REPLAY_BASE

BASE is a plain `ssecat serve`; REPLAY_BASE one started with
`--drop-after 3 --retry 100 --tick 30ms --tick-topic t`. Checks, in order:
  receive  typed events (type, data incl. multi-line, id) exactly as published (connect_sse)
  topics   ?topic=a gets only a's events, ?topic=a&topic=c a's and c's, ?topic=* all of them
           (aconnect_sse, four clients at once)
  replay   httpx-sse does not reconnect by itself: the loop below does it the way its README
           shows ("Handling reconnections"): remember the last id and the server's retry, and
           reconnect with a Last-Event-ID header. Tick ids must be consecutive across >= 3
           reconnects (--drop-after 3): no gap, no duplicate
  away     disconnect, publish 3 events, reconnect with Last-Event-ID: exactly those 3
Prints one summary line; on any mismatch prints FAIL and exits 1. Stops by itself within ~20 s.
"""

import asyncio
import faulthandler
import json
import os
import sys
import threading
import time
from importlib.metadata import version

import httpx
from httpx_sse import aconnect_sse, connect_sse

STEP = 5.0  # the longest any single network wait may take, in seconds
TIMEOUT = httpx.Timeout(STEP)
stage = "start"


def fail(message):
    print(f"FAIL [httpx-sse, {stage}]: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def give_up():
    print(f"FAIL [httpx-sse, {stage}]: did not finish within 20 s", file=sys.stderr, flush=True)
    faulthandler.dump_traceback(all_threads=True)
    os._exit(1)


def same_list(got, want, what):
    if got != want:
        fail(f"{what}:\n  want {want!r}\n  got  {got!r}")


def publish(base, query="", body=None, json_body=None):
    """POST /events; the reply's JSON ({id, delivered})."""
    with httpx.Client(timeout=TIMEOUT) as client:
        if json_body is not None:
            r = client.post(f"{base}/events{query}", json=json_body)
        else:
            r = client.post(f"{base}/events{query}", content=body.encode())
    if r.status_code != 200:
        fail(f"publish {query} answered {r.status_code}: {r.text}")
    return r.json()


def stats(base):
    return httpx.get(f"{base}/stats", timeout=TIMEOUT).json()


def until(what, check):
    deadline = time.monotonic() + STEP
    while not check():
        if time.monotonic() > deadline:
            fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def record(sse):
    return (sse.event, sse.data, sse.id)


def take(events, what, stop):
    """Reads `events` (an iter_sse()) until `stop(got)` is true; the events as tuples."""
    got = []
    deadline = time.monotonic() + STEP
    try:
        for sse in events:
            got.append(record(sse))
            if stop(got):
                return got
            if time.monotonic() > deadline:
                break
    except httpx.TimeoutException as e:
        fail(f"nothing for {STEP} s ({e!r}) before {what}; got {got!r}")
    fail(f"the stream ended or stalled before {what}; got {got!r}")


# --- receive: typed events, multi-line data, ids ---------------------------------------------------
def check_receive(base):
    want = []
    with httpx.Client(timeout=TIMEOUT) as client:
        with connect_sse(client, "GET", f"{base}/events?topic=recv") as source:
            # connect_sse returns once the response headers are in: subscribed.
            r = publish(base, "?topic=recv", "hello")
            want.append(("message", "hello", r["id"]))
            r = publish(base, "?topic=recv&event=update&id=u-1", "line 1\nline 2\n\nline 4")
            if r["id"] != "u-1":
                fail(f"publish with ?id=u-1 answered id {r['id']}")
            want.append(("update", "line 1\nline 2\n\nline 4", "u-1"))
            batch = [
                {"topic": "recv", "event": "update", "data": "  two leading spaces\ntrailing newline\n", "id": "b-1"},
                {"topic": "recv", "data": {"a": [1, 2], "s": "x"}, "id": 42},
                {"topic": "recv", "event": "ünïcode.v2", "data": "héllo ✓ 日本 🎉", "id": "b-3"},
                {"topic": "recv", "data": "", "id": "b-4"},
                {"topic": "recv", "event": "update", "data": "a: b\r\nc\rd: e"},
            ]
            r = publish(base, json_body=batch)
            want += [
                ("update", "  two leading spaces\ntrailing newline\n", "b-1"),
                ("message", '{"a":[1,2],"s":"x"}', "42"),
                ("ünïcode.v2", "héllo ✓ 日本 🎉", "b-3"),
                ("message", "", "b-4"),
                # CRLF and CR are line breaks in the event-stream format: they arrive as LF.
                ("update", "a: b\nc\nd: e", r["id"]),
            ]
            r = publish(base, "?topic=recv&event=update", "end")
            want.append(("update", "end", r["id"]))
            got = take(source.iter_sse(), 'the "end" event', lambda g: g[-1][1] == "end")
    same_list(got, want, "events received")
    return f"receive {len(want)} events"


# --- topics: ?topic=a, ?topic=b, ?topic=a&topic=c, ?topic=* -------------------------------------------
async def check_topics(base):
    wanted = {"a": ["a"], "b": ["b"], "a&topic=c": ["a", "c"], "*": ["a", "b", "c"]}
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        opened = {}
        contexts = []
        try:
            for query in wanted:
                ctx = aconnect_sse(client, "GET", f"{base}/events?topic={query}")
                contexts.append(ctx)
                opened[query] = await ctx.__aenter__()
            async def post(query, data):
                r = await client.post(f"{base}/events{query}", content=data)
                if r.status_code != 200:
                    fail(f"publish {query} answered {r.status_code}: {r.text}")
                return r.json()["id"]

            published = []
            for i in range(1, 4):
                for topic in "abc":
                    id_ = await post(f"?topic={topic}", f"{topic}{i}")
                    published.append((topic, ("message", f"{topic}{i}", id_)))
            # One "end" per topic, after everything else: once a client has its ends, anything of
            # another topic would already have arrived (a stream is delivered in publish order).
            for topic in "abc":
                id_ = await post(f"?topic={topic}&event=end", f"end {topic}")
                published.append((topic, ("end", f"end {topic}", id_)))

            async def collect(query, source):
                got = []
                async for sse in source.aiter_sse():
                    got.append(record(sse))
                    if sum(1 for e in got if e[0] == "end") == len(wanted[query]):
                        return got
                return got

            results = await asyncio.wait_for(
                asyncio.gather(*(collect(q, s) for q, s in opened.items())), STEP
            )
        except asyncio.TimeoutError:
            fail("timed out waiting for the end events")
        finally:
            for ctx in reversed(contexts):
                await ctx.__aexit__(None, None, None)
    for (query, topics), got in zip(wanted.items(), results):
        want = [e for t, e in published if t in topics]
        same_list(got, want, f"events on ?topic={query}")
    return "topics a, b, a+c, * exact"


# --- replay: a reconnect loop the way httpx-sse documents it ------------------------------------------
def iter_sse_retrying(client, url, connections):
    """Yields events forever, reconnecting whenever the stream ends or breaks.

    httpx-sse has no reconnection of its own; its README ("Handling reconnections") shows this
    loop: keep the last event id (`sse.id`) and the server's reconnection time (`sse.retry`),
    sleep that long, reconnect with a `Last-Event-ID` header. Two differences from the README's
    sketch: the stream ending cleanly (ssecat's --drop-after) is also a reason to reconnect, and
    the last id is only updated from events that carry one. httpx-sse yields a block holding only
    `retry:` as an event with empty data and id "" (ssecat sends `retry: 100` alone at the start
    of each stream), and taking its id "" would lose the position.
    `connections` records, per connection, the Last-Event-ID sent, the number of events seen
    before it and the delay slept before it (seconds).
    """
    last_event_id = ""
    delay = 0.0
    seen = 0
    while True:
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        connections.append((last_event_id or None, seen, delay))
        try:
            with connect_sse(client, "GET", url, headers=headers) as source:
                for sse in source.iter_sse():
                    if sse.retry is not None:
                        delay = sse.retry / 1000
                    if not sse.id:
                        continue  # a retry-only block, not an event (see above)
                    last_event_id = sse.id
                    seen += 1
                    yield sse
        except (httpx.ReadError, httpx.RemoteProtocolError):
            pass
        time.sleep(delay)


def check_replay(replay_base):
    want = 12  # 4 connections of 3 events: 3 reconnects
    connections = []
    with httpx.Client(timeout=TIMEOUT) as client:
        events = iter_sse_retrying(client, f"{replay_base}/events?topic=t", connections)
        got = take(events, f"{want} ticks", lambda g: len(g) >= want)
        events.close()
    first = int(got[0][2])
    first_n = json.loads(got[0][1])["n"]
    for i, (event, data, id_) in enumerate(got):
        n = json.loads(data)["n"]
        if event != "tick" or id_ != str(first + i) or n != first_n + i:
            fail(
                f"tick {i} is {event} id {id_} n {n}, want tick id {first + i} n {first_n + i}"
                f" (gap or duplicate): {[g[2] for g in got]}"
            )
    reconnects = connections[1:]
    if len(reconnects) < 3:
        fail(f"only {len(reconnects)} reconnects while receiving {want} ticks: {connections}")
    for sent, seen, delay in reconnects:
        if seen == 0 or sent != got[seen - 1][2]:
            fail(f"a reconnect sent Last-Event-ID {sent!r} after {seen} events: {connections}")
        if delay != 0.1:
            fail(f"a reconnect waited {delay} s, not the server's retry: 100: {connections}")
    return f"replay {want} consecutive ticks over {len(reconnects)} reconnects (ids {first}..{first + want - 1})"


# --- away: disconnect, publish 3, reconnect with Last-Event-ID --------------------------------------
def check_away(base):
    url = f"{base}/events?topic=away"
    want = []
    with httpx.Client(timeout=TIMEOUT) as client:
        with connect_sse(client, "GET", url) as source:
            for i in range(1, 4):
                r = publish(base, "?topic=away", f"before {i}")
                want.append(("message", f"before {i}", r["id"]))
            got = take(source.iter_sse(), "3 events", lambda g: len(g) == 3)
        same_list(got, want, "events before the disconnection")
        last_id = got[-1][2]
        # Disconnected: wait until the server has let the stream go, then publish while away.
        until("the closed stream to leave the server", lambda: "away" not in stats(base)["subscribers_per_topic"])
        away = []
        for data in ["away 1", "away 2\nsecond line", "away 3"]:
            r = publish(base, "?topic=away&event=note", data)
            if r["delivered"] != 0:
                fail(f"published while away but delivered to {r['delivered']} subscribers")
            away.append(("note", data, r["id"]))
        with connect_sse(client, "GET", url, headers={"Last-Event-ID": last_id}) as source:
            events = source.iter_sse()
            got = take(events, "the 3 events published while away", lambda g: len(g) == 3)
            same_list(got, away, f"events replayed after Last-Event-ID {last_id}")
            # Then live again: the next event is the next one published, nothing between.
            r = publish(base, "?topic=away", "live")
            got = take(events, "the live event after the replay", lambda g: len(g) == 1)
            same_list(got, [("message", "live", r["id"])], "the event after the replay")
    return "away 3 replayed exactly"


def main():
    global stage
    if len(sys.argv) != 3:
        print("usage: python3 clients_httpx_sse.py BASE REPLAY_BASE", file=sys.stderr)
        sys.exit(2)
    base, replay_base = sys.argv[1:]
    timer = threading.Timer(20, give_up)
    timer.daemon = True
    timer.start()
    summary = []
    stage = "receive"
    summary.append(check_receive(base))
    stage = "topics"
    summary.append(asyncio.run(check_topics(base)))
    stage = "replay"
    summary.append(check_replay(replay_base))
    stage = "away"
    summary.append(check_away(base))
    print(
        f"httpx-sse {version('httpx-sse')} (httpx {version('httpx')}, python {sys.version.split()[0]}):"
        f" ok: {'; '.join(summary)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
