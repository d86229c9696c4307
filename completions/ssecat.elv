
use builtin;
use str;

set edit:completion:arg-completer[ssecat] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ssecat'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ssecat'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand listen 'Tail a live event stream: print events as they arrive, reconnecting with Last-Event-ID'
            cand serve 'Run a mock SSE server: topics, publish API, replay, generators, faults, a viewer page'
            cand bench 'Load-test an SSE endpoint: many concurrent streams, latency percentiles, lost events'
            cand parse 'Parse a captured event stream (a file or stdin) and print its events'
            cand demo 'See it work: a local mock server ticking, and listen printing its events. No network'
            cand generate 'Shell completions and man pages, for packagers'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssecat;listen'= {
            cand -X 'HTTP method [default: GET, or POST when a body is given]'
            cand --method 'HTTP method [default: GET, or POST when a body is given]'
            cand -H 'Add a request header, `Name: value` (repeatable)'
            cand --header 'Add a request header, `Name: value` (repeatable)'
            cand -d 'Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect'
            cand --data 'Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect'
            cand --json-body 'Request body as JSON (string, @FILE or @-); also sets Content-Type: application/json'
            cand -u 'Basic authentication, `USER:PASS`'
            cand --user 'Basic authentication, `USER:PASS`'
            cand --bearer 'Bearer token for `Authorization: Bearer TOKEN`'
            cand --cacert 'Trust the CA certificates in this PEM file, besides the built-in roots'
            cand --connect-timeout 'Give up an attempt with no response head after this long: TCP, TLS, redirects and the head itself, so a server that accepts and never answers cannot hold it [default: 10s]'
            cand --format 'Output format [default: pretty]'
            cand -e 'Print only events of this type (repeatable)'
            cand --event 'Print only events of this type (repeatable)'
            cand -n 'Exit after printing this many events'
            cand --count 'Exit after printing this many events'
            cand --until-event 'Exit after printing an event of this type'
            cand --duration 'Exit after listening this long (e.g. 30s, 5m)'
            cand --retry-delay 'Wait this long before reconnecting, unless the server sent `retry:` or `Retry-After`; failures in a row back off from there, doubling from at least 100ms [default: 3s]'
            cand --max-delay 'Longest wait between reconnects: caps the backoff, and the server''s `retry:` and `Retry-After` too [default: 30s]'
            cand --max-retries 'Give up (exit 1) after this many reconnects in a row without an event [default: never]'
            cand --last-event-id 'Send this Last-Event-ID on the first request too'
            cand --idle-timeout 'Reconnect when the stream delivers no bytes (comments count) for this long'
            cand --max-event-size 'Largest event (and line) to accept; larger ones are dropped with a warning [default: 16MiB]'
            cand --color 'When to colour the output'
            cand -k 'Accept invalid TLS certificates (self-signed, expired, wrong host)'
            cand --insecure 'Accept invalid TLS certificates (self-signed, expired, wrong host)'
            cand --json 'Shorthand for --format json'
            cand --pretty-json 'Pretty-print data that is JSON (pretty format)'
            cand --comments 'Print comments too (keep-alives are comments)'
            cand --timestamps 'Time each event: a `[+1.234s]` prefix, or a "t" field in ms with --format json'
            cand --any-content-type 'Accept a 200 response whatever its Content-Type'
            cand --no-reconnect 'Do not reconnect: exit when the stream ends'
            cand -q 'Say nothing on stderr but errors'
            cand --quiet 'Say nothing on stderr but errors'
            cand -v 'Also show response headers on stderr'
            cand --verbose 'Also show response headers on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ssecat;serve'= {
            cand --bind 'Address to listen on [default: 127.0.0.1]'
            cand -p 'Port to listen on; 0 picks a free one [default: 8080]'
            cand --port 'Port to listen on; 0 picks a free one [default: 8080]'
            cand --retry 'Send `retry: MS` at the start of every stream'
            cand --history 'Events kept for replay to clients that come back with Last-Event-ID [default: 1000]'
            cand --history-bytes 'Bytes of events kept for replay (encoded, with their IDs and a fixed cost per event) [default: 64MiB]'
            cand --history-ttl 'Forget events older than this (e.g. 10m) [default: never]'
            cand --client-queue 'Events queued per subscriber; publishers wait while it is full [default: 1024]'
            cand --client-queue-bytes 'Bytes queued (or being written) per subscriber; an empty queue still takes one larger event [default: 4MiB]'
            cand --slow-timeout 'A subscriber whose full queue does not drain to half within this is cut off as slow (publishers to its topics wait for it meanwhile) [default: 5s]'
            cand --event-memory 'Most bytes of events held at once (history, queues, writes in progress; an event shared by many subscribers counts once); over it, subscribers that write nothing are cut off, then the oldest history goes, then publishers wait [default: 256MiB]'
            cand --max-event-size 'Largest event once encoded (every line of data is a `data:` line: a body of newlines grows 7 times); larger ones get 413 [default: twice --max-body]'
            cand --keepalive 'Send a keep-alive comment this often; 0 turns it off [default: 15s]'
            cand --max-connections 'Most event streams open at once; more get 503 [default: unlimited]'
            cand --max-body 'Largest publish request body [default: 1MiB]'
            cand --body-timeout 'A publish body must arrive within this, from the request''s head; else 408 [default: 30s]'
            cand --body-memory 'Most bytes of publish bodies being read or decoded at once; more get 503 [default: 64MiB, or twice --max-body if more]'
            cand --shutdown-timeout 'On Ctrl-C or SIGTERM, how long streams get to send what is queued for them [default: 5s]'
            cand --token 'Publishing needs `Authorization: Bearer TOKEN`'
            cand --subscribe-token 'Subscribing needs `Authorization: Bearer TOKEN` or `?token=TOKEN`'
            cand --cors-origin 'Allowed CORS origin (repeatable; `*`: any): it may subscribe and publish [default: any origin may subscribe; only the server''s own page, and clients that are not browsers, may publish]'
            cand --allowed-host 'Also answer requests for this Host name (repeatable; `.example.com`: it and its subdomains; `*`: any). Bound to a loopback address, serve answers only localhost, 127.x.x.x and [::1] (so a web page cannot reach it by DNS rebinding); bound to another address, it checks the Host only when this is given'
            cand --tick 'Publish a tick event this often (e.g. 1s, 100ms)'
            cand --tick-event 'Event type of ticks [default: tick]'
            cand --tick-topic 'Topic of ticks [default: default]'
            cand --tick-data 'Tick data template, filling these names in braces: n (1, 2, …), time (RFC 3339), ts_ms, ts_us (epoch ms, µs), rand [default: JSON with n, time, ts_ms]'
            cand --topic 'Topic of events from stdin and playback [default: default]'
            cand --play 'Publish a capture: NDJSON from `listen --json --timestamps` (timed by "t") or a raw event stream (events 100ms apart)'
            cand --speed 'Playback speed factor (2 = twice as fast) [default: 1]'
            cand --drop-after 'Close each stream after N events'
            cand --fail-rate 'Fail this fraction (0 to 1) of new event streams with --fail-status'
            cand --fail-status 'Status code for --fail-rate [default: 503]'
            cand --latency 'Wait this long before answering a subscriber'
            cand --drip 'Write streams in pieces of BYTES, DELAY apart (e.g. 3:10ms)'
            cand --line-ending 'Line ending of the streams [default: lf]'
            cand --seed 'Seed for random faults and {rand}, to repeat a run exactly'
            cand --color 'When to colour the log'
            cand --stdin 'Publish each line of stdin as an event''s data'
            cand --stdin-json 'With --stdin: each line is a JSON event object {"topic"?, "event"?, "data", "id"?}'
            cand --loop 'Play the capture again and again'
            cand -q 'Say nothing on stderr but errors'
            cand --quiet 'Say nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ssecat;bench'= {
            cand -X 'HTTP method [default: GET, or POST when a body is given]'
            cand --method 'HTTP method [default: GET, or POST when a body is given]'
            cand -H 'Add a request header, `Name: value` (repeatable)'
            cand --header 'Add a request header, `Name: value` (repeatable)'
            cand -d 'Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect'
            cand --data 'Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect'
            cand --json-body 'Request body as JSON (string, @FILE or @-); also sets Content-Type: application/json'
            cand -u 'Basic authentication, `USER:PASS`'
            cand --user 'Basic authentication, `USER:PASS`'
            cand --bearer 'Bearer token for `Authorization: Bearer TOKEN`'
            cand --cacert 'Trust the CA certificates in this PEM file, besides the built-in roots'
            cand --connect-timeout 'Give up an attempt with no response head after this long: TCP, TLS, redirects and the head itself, so a server that accepts and never answers cannot hold it [default: 10s]'
            cand -c 'Concurrent streams to hold open [default: 100]'
            cand --connections 'Concurrent streams to hold open [default: 100]'
            cand --duration 'How long to run (more than 0) [default: 30s]'
            cand --ramp 'Open this many new streams per second [default: all at once]'
            cand --events 'End each stream after N events (the run ends when all have)'
            cand --retry-delay 'Wait this long before reconnecting, unless the server sent `retry:` or `Retry-After`; failures in a row back off from there, doubling from at least 100ms [default: 3s]'
            cand --max-delay 'Longest wait between reconnects: caps the backoff, and the server''s `retry:` and `Retry-After` too [default: 30s]'
            cand --max-event-size 'Largest event (and line) a stream accepts; larger ones are dropped and counted as `oversize` errors. Each stream may hold about twice this. Bytes, or with a unit: 64KiB, 1MiB (KB, MB are powers of 1000) [default: 1MiB]'
            cand --latency-field 'JSON pointer to the send timestamp in each event''s data (e.g. /ts_ms) for delivery latency'
            cand --latency-unit 'Unit of the timestamp [default: detected by magnitude]'
            cand --threshold 'Pass/fail condition, e.g. ''latency_p99<250ms'', ''errors==0'' (repeatable); exit 3 on failure'
            cand -o 'Write the JSON report to FILE (the text report still goes to stdout)'
            cand --output 'Write the JSON report to FILE (the text report still goes to stdout)'
            cand --merge 'Combine JSON reports from several runs into one, instead of running'
            cand --source-ip 'Local address(es) to connect from: 127.0.0.2 or a range 127.0.0.2-127.0.0.9 (repeatable); streams take them in turn, so more than one destination''s worth of ephemeral ports (~28,000 per source address) can be held'
            cand --color 'When to colour the report'
            cand -k 'Accept invalid TLS certificates (self-signed, expired, wrong host)'
            cand --insecure 'Accept invalid TLS certificates (self-signed, expired, wrong host)'
            cand --reconnect 'Resume a stream the server ends with Last-Event-ID, as listen does [default: reopen it after the same delay as a new client, so events sent meanwhile are lost]'
            cand --check-ids 'Count lost, duplicated and out-of-order events by their increasing integer IDs'
            cand --json 'Print the report as JSON'
            cand --no-progress 'No live progress on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ssecat;parse'= {
            cand --max-event-size 'Largest event (and line) to accept; larger ones are reported and dropped. Bytes, or with a unit: 64KiB, 16MiB, 1GiB (KB, MB, GB are powers of 1000)'
            cand --color 'When to colour the output'
            cand --json 'Print NDJSON: one {"event", "data", "id"[, "retry"]} object per event'
            cand --count 'Print only how many events there are, in all and per event type'
            cand --comments 'Print comments too (as `: text`, or {"comment": text} with --json)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ssecat;demo'= {
            cand -n 'Exit after this many events [default: run until Ctrl-C]'
            cand --count 'Exit after this many events [default: run until Ctrl-C]'
            cand --format 'Output format [default: pretty]'
            cand --every 'Time between the mock server''s events [default: 500ms]'
            cand --color 'When to colour the output'
            cand --json 'Shorthand for --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ssecat;generate'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand completions 'Print the completion script for SHELL on stdout'
            cand man 'Write the man pages (ssecat.1, ssecat-listen.1, …) into DIR; without DIR, print ssecat.1'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssecat;generate;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ssecat;generate;man'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ssecat;generate;help'= {
            cand completions 'Print the completion script for SHELL on stdout'
            cand man 'Write the man pages (ssecat.1, ssecat-listen.1, …) into DIR; without DIR, print ssecat.1'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssecat;generate;help;completions'= {
        }
        &'ssecat;generate;help;man'= {
        }
        &'ssecat;generate;help;help'= {
        }
        &'ssecat;help'= {
            cand listen 'Tail a live event stream: print events as they arrive, reconnecting with Last-Event-ID'
            cand serve 'Run a mock SSE server: topics, publish API, replay, generators, faults, a viewer page'
            cand bench 'Load-test an SSE endpoint: many concurrent streams, latency percentiles, lost events'
            cand parse 'Parse a captured event stream (a file or stdin) and print its events'
            cand demo 'See it work: a local mock server ticking, and listen printing its events. No network'
            cand generate 'Shell completions and man pages, for packagers'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssecat;help;listen'= {
        }
        &'ssecat;help;serve'= {
        }
        &'ssecat;help;bench'= {
        }
        &'ssecat;help;parse'= {
        }
        &'ssecat;help;demo'= {
        }
        &'ssecat;help;generate'= {
            cand completions 'Print the completion script for SHELL on stdout'
            cand man 'Write the man pages (ssecat.1, ssecat-listen.1, …) into DIR; without DIR, print ssecat.1'
        }
        &'ssecat;help;generate;completions'= {
        }
        &'ssecat;help;generate;man'= {
        }
        &'ssecat;help;help'= {
        }
    ]
    $completions[$command]
}
