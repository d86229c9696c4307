
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ssecat' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ssecat'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ssecat' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Tail a live event stream: print events as they arrive, reconnecting with Last-Event-ID')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run a mock SSE server: topics, publish API, replay, generators, faults, a viewer page')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test an SSE endpoint: many concurrent streams, latency percentiles, lost events')
            [CompletionResult]::new('parse', 'parse', [CompletionResultType]::ParameterValue, 'Parse a captured event stream (a file or stdin) and print its events')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'See it work: a local mock server ticking, and listen printing its events. No network')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Shell completions and man pages, for packagers')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssecat;listen' {
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'HTTP method [default: GET, or POST when a body is given]')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP method [default: GET, or POST when a body is given]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a request header, `Name: value` (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a request header, `Name: value` (repeatable)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect')
            [CompletionResult]::new('--json-body', '--json-body', [CompletionResultType]::ParameterName, 'Request body as JSON (string, @FILE or @-); also sets Content-Type: application/json')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Basic authentication, `USER:PASS`')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Basic authentication, `USER:PASS`')
            [CompletionResult]::new('--bearer', '--bearer', [CompletionResultType]::ParameterName, 'Bearer token for `Authorization: Bearer TOKEN`')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file, besides the built-in roots')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up an attempt with no response head after this long: TCP, TLS, redirects and the head itself, so a server that accepts and never answers cannot hold it [default: 10s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: pretty]')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Print only events of this type (repeatable)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Print only events of this type (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit after printing this many events')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after printing this many events')
            [CompletionResult]::new('--until-event', '--until-event', [CompletionResultType]::ParameterName, 'Exit after printing an event of this type')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Exit after listening this long (e.g. 30s, 5m)')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'Wait this long before reconnecting, unless the server sent `retry:` or `Retry-After`; failures in a row back off from there, doubling from at least 100ms [default: 3s]')
            [CompletionResult]::new('--max-delay', '--max-delay', [CompletionResultType]::ParameterName, 'Longest wait between reconnects: caps the backoff, and the server''s `retry:` and `Retry-After` too [default: 30s]')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Give up (exit 1) after this many reconnects in a row without an event [default: never]')
            [CompletionResult]::new('--last-event-id', '--last-event-id', [CompletionResultType]::ParameterName, 'Send this Last-Event-ID on the first request too')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Reconnect when the stream delivers no bytes (comments count) for this long')
            [CompletionResult]::new('--max-event-size', '--max-event-size', [CompletionResultType]::ParameterName, 'Largest event (and line) to accept; larger ones are dropped with a warning [default: 16MiB]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Accept invalid TLS certificates (self-signed, expired, wrong host)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept invalid TLS certificates (self-signed, expired, wrong host)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json')
            [CompletionResult]::new('--pretty-json', '--pretty-json', [CompletionResultType]::ParameterName, 'Pretty-print data that is JSON (pretty format)')
            [CompletionResult]::new('--comments', '--comments', [CompletionResultType]::ParameterName, 'Print comments too (keep-alives are comments)')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Time each event: a `[+1.234s]` prefix, or a "t" field in ms with --format json')
            [CompletionResult]::new('--any-content-type', '--any-content-type', [CompletionResultType]::ParameterName, 'Accept a 200 response whatever its Content-Type')
            [CompletionResult]::new('--no-reconnect', '--no-reconnect', [CompletionResultType]::ParameterName, 'Do not reconnect: exit when the stream ends')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show response headers on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show response headers on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ssecat;serve' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to listen on [default: 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port to listen on; 0 picks a free one [default: 8080]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on; 0 picks a free one [default: 8080]')
            [CompletionResult]::new('--retry', '--retry', [CompletionResultType]::ParameterName, 'Send `retry: MS` at the start of every stream')
            [CompletionResult]::new('--history', '--history', [CompletionResultType]::ParameterName, 'Events kept for replay to clients that come back with Last-Event-ID [default: 1000]')
            [CompletionResult]::new('--history-bytes', '--history-bytes', [CompletionResultType]::ParameterName, 'Bytes of events kept for replay (encoded, with their IDs and a fixed cost per event) [default: 64MiB]')
            [CompletionResult]::new('--history-ttl', '--history-ttl', [CompletionResultType]::ParameterName, 'Forget events older than this (e.g. 10m) [default: never]')
            [CompletionResult]::new('--client-queue', '--client-queue', [CompletionResultType]::ParameterName, 'Events queued per subscriber; publishers wait while it is full [default: 1024]')
            [CompletionResult]::new('--client-queue-bytes', '--client-queue-bytes', [CompletionResultType]::ParameterName, 'Bytes queued (or being written) per subscriber; an empty queue still takes one larger event [default: 4MiB]')
            [CompletionResult]::new('--slow-timeout', '--slow-timeout', [CompletionResultType]::ParameterName, 'A subscriber whose full queue does not drain to half within this is cut off as slow (publishers to its topics wait for it meanwhile) [default: 5s]')
            [CompletionResult]::new('--event-memory', '--event-memory', [CompletionResultType]::ParameterName, 'Most bytes of events held at once (history, queues, writes in progress; an event shared by many subscribers counts once); over it, subscribers that write nothing are cut off, then the oldest history goes, then publishers wait [default: 256MiB]')
            [CompletionResult]::new('--max-event-size', '--max-event-size', [CompletionResultType]::ParameterName, 'Largest event once encoded (every line of data is a `data:` line: a body of newlines grows 7 times); larger ones get 413 [default: twice --max-body]')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'Send a keep-alive comment this often; 0 turns it off [default: 15s]')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Most event streams open at once; more get 503 [default: unlimited]')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'Largest publish request body [default: 1MiB]')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'A publish body must arrive within this, from the request''s head; else 408 [default: 30s]')
            [CompletionResult]::new('--body-memory', '--body-memory', [CompletionResultType]::ParameterName, 'Most bytes of publish bodies being read or decoded at once; more get 503 [default: 64MiB, or twice --max-body if more]')
            [CompletionResult]::new('--shutdown-timeout', '--shutdown-timeout', [CompletionResultType]::ParameterName, 'On Ctrl-C or SIGTERM, how long streams get to send what is queued for them [default: 5s]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Publishing needs `Authorization: Bearer TOKEN`')
            [CompletionResult]::new('--subscribe-token', '--subscribe-token', [CompletionResultType]::ParameterName, 'Subscribing needs `Authorization: Bearer TOKEN` or `?token=TOKEN`')
            [CompletionResult]::new('--cors-origin', '--cors-origin', [CompletionResultType]::ParameterName, 'Allowed CORS origin (repeatable; `*`: any): it may subscribe and publish [default: any origin may subscribe; only the server''s own page, and clients that are not browsers, may publish]')
            [CompletionResult]::new('--allowed-host', '--allowed-host', [CompletionResultType]::ParameterName, 'Also answer requests for this Host name (repeatable; `.example.com`: it and its subdomains; `*`: any). Bound to a loopback address, serve answers only localhost, 127.x.x.x and [::1] (so a web page cannot reach it by DNS rebinding); bound to another address, it checks the Host only when this is given')
            [CompletionResult]::new('--tick', '--tick', [CompletionResultType]::ParameterName, 'Publish a tick event this often (e.g. 1s, 100ms)')
            [CompletionResult]::new('--tick-event', '--tick-event', [CompletionResultType]::ParameterName, 'Event type of ticks [default: tick]')
            [CompletionResult]::new('--tick-topic', '--tick-topic', [CompletionResultType]::ParameterName, 'Topic of ticks [default: default]')
            [CompletionResult]::new('--tick-data', '--tick-data', [CompletionResultType]::ParameterName, 'Tick data template, filling these names in braces: n (1, 2, …), time (RFC 3339), ts_ms, ts_us (epoch ms, µs), rand [default: JSON with n, time, ts_ms]')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic of events from stdin and playback [default: default]')
            [CompletionResult]::new('--play', '--play', [CompletionResultType]::ParameterName, 'Publish a capture: NDJSON from `listen --json --timestamps` (timed by "t") or a raw event stream (events 100ms apart)')
            [CompletionResult]::new('--speed', '--speed', [CompletionResultType]::ParameterName, 'Playback speed factor (2 = twice as fast) [default: 1]')
            [CompletionResult]::new('--drop-after', '--drop-after', [CompletionResultType]::ParameterName, 'Close each stream after N events')
            [CompletionResult]::new('--fail-rate', '--fail-rate', [CompletionResultType]::ParameterName, 'Fail this fraction (0 to 1) of new event streams with --fail-status')
            [CompletionResult]::new('--fail-status', '--fail-status', [CompletionResultType]::ParameterName, 'Status code for --fail-rate [default: 503]')
            [CompletionResult]::new('--latency', '--latency', [CompletionResultType]::ParameterName, 'Wait this long before answering a subscriber')
            [CompletionResult]::new('--drip', '--drip', [CompletionResultType]::ParameterName, 'Write streams in pieces of BYTES, DELAY apart (e.g. 3:10ms)')
            [CompletionResult]::new('--line-ending', '--line-ending', [CompletionResultType]::ParameterName, 'Line ending of the streams [default: lf]')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed for random faults and {rand}, to repeat a run exactly')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the log')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Publish each line of stdin as an event''s data')
            [CompletionResult]::new('--stdin-json', '--stdin-json', [CompletionResultType]::ParameterName, 'With --stdin: each line is a JSON event object {"topic"?, "event"?, "data", "id"?}')
            [CompletionResult]::new('--loop', '--loop', [CompletionResultType]::ParameterName, 'Play the capture again and again')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ssecat;bench' {
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'HTTP method [default: GET, or POST when a body is given]')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP method [default: GET, or POST when a body is given]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a request header, `Name: value` (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a request header, `Name: value` (repeatable)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect')
            [CompletionResult]::new('--json-body', '--json-body', [CompletionResultType]::ParameterName, 'Request body as JSON (string, @FILE or @-); also sets Content-Type: application/json')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Basic authentication, `USER:PASS`')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Basic authentication, `USER:PASS`')
            [CompletionResult]::new('--bearer', '--bearer', [CompletionResultType]::ParameterName, 'Bearer token for `Authorization: Bearer TOKEN`')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file, besides the built-in roots')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up an attempt with no response head after this long: TCP, TLS, redirects and the head itself, so a server that accepts and never answers cannot hold it [default: 10s]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Concurrent streams to hold open [default: 100]')
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'Concurrent streams to hold open [default: 100]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long to run (more than 0) [default: 30s]')
            [CompletionResult]::new('--ramp', '--ramp', [CompletionResultType]::ParameterName, 'Open this many new streams per second [default: all at once]')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'End each stream after N events (the run ends when all have)')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'Wait this long before reconnecting, unless the server sent `retry:` or `Retry-After`; failures in a row back off from there, doubling from at least 100ms [default: 3s]')
            [CompletionResult]::new('--max-delay', '--max-delay', [CompletionResultType]::ParameterName, 'Longest wait between reconnects: caps the backoff, and the server''s `retry:` and `Retry-After` too [default: 30s]')
            [CompletionResult]::new('--max-event-size', '--max-event-size', [CompletionResultType]::ParameterName, 'Largest event (and line) a stream accepts; larger ones are dropped and counted as `oversize` errors. Each stream may hold about twice this. Bytes, or with a unit: 64KiB, 1MiB (KB, MB are powers of 1000) [default: 1MiB]')
            [CompletionResult]::new('--latency-field', '--latency-field', [CompletionResultType]::ParameterName, 'JSON pointer to the send timestamp in each event''s data (e.g. /ts_ms) for delivery latency')
            [CompletionResult]::new('--latency-unit', '--latency-unit', [CompletionResultType]::ParameterName, 'Unit of the timestamp [default: detected by magnitude]')
            [CompletionResult]::new('--threshold', '--threshold', [CompletionResultType]::ParameterName, 'Pass/fail condition, e.g. ''latency_p99<250ms'', ''errors==0'' (repeatable); exit 3 on failure')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the JSON report to FILE (the text report still goes to stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the JSON report to FILE (the text report still goes to stdout)')
            [CompletionResult]::new('--merge', '--merge', [CompletionResultType]::ParameterName, 'Combine JSON reports from several runs into one, instead of running')
            [CompletionResult]::new('--source-ip', '--source-ip', [CompletionResultType]::ParameterName, 'Local address(es) to connect from: 127.0.0.2 or a range 127.0.0.2-127.0.0.9 (repeatable); streams take them in turn, so more than one destination''s worth of ephemeral ports (~28,000 per source address) can be held')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the report')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Accept invalid TLS certificates (self-signed, expired, wrong host)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept invalid TLS certificates (self-signed, expired, wrong host)')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Resume a stream the server ends with Last-Event-ID, as listen does [default: reopen it after the same delay as a new client, so events sent meanwhile are lost]')
            [CompletionResult]::new('--check-ids', '--check-ids', [CompletionResultType]::ParameterName, 'Count lost, duplicated and out-of-order events by their increasing integer IDs')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'No live progress on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ssecat;parse' {
            [CompletionResult]::new('--max-event-size', '--max-event-size', [CompletionResultType]::ParameterName, 'Largest event (and line) to accept; larger ones are reported and dropped. Bytes, or with a unit: 64KiB, 16MiB, 1GiB (KB, MB, GB are powers of 1000)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print NDJSON: one {"event", "data", "id"[, "retry"]} object per event')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Print only how many events there are, in all and per event type')
            [CompletionResult]::new('--comments', '--comments', [CompletionResultType]::ParameterName, 'Print comments too (as `: text`, or {"comment": text} with --json)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ssecat;demo' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit after this many events [default: run until Ctrl-C]')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after this many events [default: run until Ctrl-C]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: pretty]')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Time between the mock server''s events [default: 500ms]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ssecat;generate' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for SHELL on stdout')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (ssecat.1, ssecat-listen.1, …) into DIR; without DIR, print ssecat.1')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssecat;generate;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ssecat;generate;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ssecat;generate;help' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for SHELL on stdout')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (ssecat.1, ssecat-listen.1, …) into DIR; without DIR, print ssecat.1')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssecat;generate;help;completions' {
            break
        }
        'ssecat;generate;help;man' {
            break
        }
        'ssecat;generate;help;help' {
            break
        }
        'ssecat;help' {
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Tail a live event stream: print events as they arrive, reconnecting with Last-Event-ID')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run a mock SSE server: topics, publish API, replay, generators, faults, a viewer page')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test an SSE endpoint: many concurrent streams, latency percentiles, lost events')
            [CompletionResult]::new('parse', 'parse', [CompletionResultType]::ParameterValue, 'Parse a captured event stream (a file or stdin) and print its events')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'See it work: a local mock server ticking, and listen printing its events. No network')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Shell completions and man pages, for packagers')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssecat;help;listen' {
            break
        }
        'ssecat;help;serve' {
            break
        }
        'ssecat;help;bench' {
            break
        }
        'ssecat;help;parse' {
            break
        }
        'ssecat;help;demo' {
            break
        }
        'ssecat;help;generate' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for SHELL on stdout')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (ssecat.1, ssecat-listen.1, …) into DIR; without DIR, print ssecat.1')
            break
        }
        'ssecat;help;generate;completions' {
            break
        }
        'ssecat;help;generate;man' {
            break
        }
        'ssecat;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
