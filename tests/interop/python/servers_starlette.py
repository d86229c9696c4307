"""An sse-starlette app for tests/interop/servers.rs: `ssecat listen` and `ssecat bench` against
a third-party SSE server. Run it under uvicorn, from this directory:

    python3 -m uvicorn servers_starlette:app --host 127.0.0.1 --port 8000

GET /events/script   five typed events with ids 1 to 5 (see SCRIPT)
GET /events/numbers  `count` events of type `n`, ids 1 to count, data {"n": ID}
GET /seen            JSON: the Last-Event-ID header of every /events request so far (null when
                     absent), in order

Both streams resume after the request's Last-Event-ID (an integer), and take these query
parameters:

    count=N      /events/numbers only: how many events in all [default: 10]
    per_conn=N   end the response after N events (the client reconnects to get the rest)
    gap=SECS     pause before each event [default: 0.05]
    ping=SECS    sse-starlette's keep-alive ping interval: a `: ping - <UTC time>` comment;
                 0 turns it off [default: 0]
    retry=MS     a `retry:` field on the first event of each response
    hold=1       after the last event, keep the response open (until the client goes away)

The stream is sse-starlette's own encoding: CRLF line endings, `id`, `event`, `data` (one line
per line of data) and `retry` fields.
"""

import anyio
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

# (event type or None for the default `message`, data) of /events/script, ids 1, 2, …
SCRIPT = [
    ("status", "starting"),
    ("update", '{"n":2}'),
    ("update", "line one\nline two"),
    (None, " indented ✓"),
    ("done", "bye"),
]

SEEN = []


def number(request: Request, name: str, default, kind=int):
    value = request.query_params.get(name)
    return default if value is None else kind(value)


async def events(request: Request):
    kind = request.path_params["kind"]
    if kind == "script":
        items = SCRIPT
    elif kind == "numbers":
        count = number(request, "count", 10)
        items = [("n", '{"n":%d}' % i) for i in range(1, count + 1)]
    else:
        return PlainTextResponse("no such stream\n", status_code=404)

    last_id = request.headers.get("last-event-id")
    SEEN.append(last_id)
    start = int(last_id) if last_id else 0
    per_conn = number(request, "per_conn", None)
    gap = number(request, "gap", 0.05, float)
    ping = number(request, "ping", 0, float)
    retry = number(request, "retry", None)
    hold = request.query_params.get("hold") == "1"

    async def stream():
        sent = 0
        for index in range(start, len(items)):
            if per_conn is not None and sent == per_conn:
                return
            await anyio.sleep(gap)
            event, data = items[index]
            yield ServerSentEvent(
                data,
                event=event,
                id=str(index + 1),
                retry=retry if sent == 0 else None,
            )
            sent += 1
        if hold:
            await anyio.sleep_forever()

    return EventSourceResponse(stream(), ping=ping)


async def seen(_request: Request):
    return JSONResponse(SEEN)


app = Starlette(
    routes=[
        Route("/events/{kind}", events),
        Route("/seen", seen),
    ]
)
