# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ssecat_global_optspecs
    string join \n h/help V/version
end

function __fish_ssecat_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ssecat_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ssecat_using_subcommand
    set -l cmd (__fish_ssecat_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ssecat -n "__fish_ssecat_needs_command" -s h -l help -d 'Print help'
complete -c ssecat -n "__fish_ssecat_needs_command" -s V -l version -d 'Print version'
complete -c ssecat -n "__fish_ssecat_needs_command" -f -a "listen" -d 'Tail a live event stream: print events as they arrive, reconnecting with Last-Event-ID'
complete -c ssecat -n "__fish_ssecat_needs_command" -f -a "serve" -d 'Run a mock SSE server: topics, publish API, replay, generators, faults, a viewer page'
complete -c ssecat -n "__fish_ssecat_needs_command" -f -a "bench" -d 'Load-test an SSE endpoint: many concurrent streams, latency percentiles, lost events'
complete -c ssecat -n "__fish_ssecat_needs_command" -f -a "parse" -d 'Parse a captured event stream (a file or stdin) and print its events'
complete -c ssecat -n "__fish_ssecat_needs_command" -f -a "demo" -d 'See it work: a local mock server ticking, and listen printing its events. No network'
complete -c ssecat -n "__fish_ssecat_needs_command" -f -a "generate" -d 'Shell completions and man pages, for packagers'
complete -c ssecat -n "__fish_ssecat_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -s X -l method -d 'HTTP method [default: GET, or POST when a body is given]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -s H -l header -d 'Add a request header, `Name: value` (repeatable)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -s d -l data -d 'Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l json-body -d 'Request body as JSON (string, @FILE or @-); also sets Content-Type: application/json' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -s u -l user -d 'Basic authentication, `USER:PASS`' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l bearer -d 'Bearer token for `Authorization: Bearer TOKEN`' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l cacert -d 'Trust the CA certificates in this PEM file, besides the built-in roots' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l connect-timeout -d 'Give up an attempt with no response head after this long: TCP, TLS, redirects and the head itself, so a server that accepts and never answers cannot hold it [default: 10s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l format -d 'Output format [default: pretty]' -r -f -a "pretty\t'Event type, id and data, coloured on a terminal'
json\t'NDJSON: one {"event", "data", "id"} object per event'
data\t'Only the data of each event, one per line (for jq)'
raw\t'The response body exactly as received'"
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -s e -l event -d 'Print only events of this type (repeatable)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -s n -l count -d 'Exit after printing this many events' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l until-event -d 'Exit after printing an event of this type' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l duration -d 'Exit after listening this long (e.g. 30s, 5m)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l retry-delay -d 'Wait this long before reconnecting, unless the server sent `retry:` or `Retry-After`; failures in a row back off from there, doubling from at least 100ms [default: 3s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l max-delay -d 'Longest wait between reconnects: caps the backoff, and the server\'s `retry:` and `Retry-After` too [default: 30s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l max-retries -d 'Give up (exit 1) after this many reconnects in a row without an event [default: never]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l last-event-id -d 'Send this Last-Event-ID on the first request too' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l idle-timeout -d 'Reconnect when the stream delivers no bytes (comments count) for this long' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l max-event-size -d 'Largest event (and line) to accept; larger ones are dropped with a warning [default: 16MiB]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l color -d 'When to colour the output' -r -f -a "auto\t'When writing to a terminal and `NO_COLOR` is not set'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -s k -l insecure -d 'Accept invalid TLS certificates (self-signed, expired, wrong host)'
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l json -d 'Shorthand for --format json'
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l pretty-json -d 'Pretty-print data that is JSON (pretty format)'
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l comments -d 'Print comments too (keep-alives are comments)'
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l timestamps -d 'Time each event: a `[+1.234s]` prefix, or a "t" field in ms with --format json'
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l any-content-type -d 'Accept a 200 response whatever its Content-Type'
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -l no-reconnect -d 'Do not reconnect: exit when the stream ends'
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -s q -l quiet -d 'Say nothing on stderr but errors'
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -s v -l verbose -d 'Also show response headers on stderr'
complete -c ssecat -n "__fish_ssecat_using_subcommand listen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l bind -d 'Address to listen on [default: 127.0.0.1]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -s p -l port -d 'Port to listen on; 0 picks a free one [default: 8080]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l retry -d 'Send `retry: MS` at the start of every stream' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l history -d 'Events kept for replay to clients that come back with Last-Event-ID [default: 1000]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l history-bytes -d 'Bytes of events kept for replay (encoded, with their IDs and a fixed cost per event) [default: 64MiB]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l history-ttl -d 'Forget events older than this (e.g. 10m) [default: never]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l client-queue -d 'Events queued per subscriber; publishers wait while it is full [default: 1024]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l client-queue-bytes -d 'Bytes queued (or being written) per subscriber; an empty queue still takes one larger event [default: 4MiB]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l slow-timeout -d 'A subscriber whose full queue does not drain to half within this is cut off as slow (publishers to its topics wait for it meanwhile) [default: 5s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l event-memory -d 'Most bytes of events held at once (history, queues, writes in progress; an event shared by many subscribers counts once); over it, subscribers that write nothing are cut off, then the oldest history goes, then publishers wait [default: 256MiB]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l max-event-size -d 'Largest event once encoded (every line of data is a `data:` line: a body of newlines grows 7 times); larger ones get 413 [default: twice --max-body]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l keepalive -d 'Send a keep-alive comment this often; 0 turns it off [default: 15s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l max-connections -d 'Most event streams open at once; more get 503 [default: unlimited]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l max-body -d 'Largest publish request body [default: 1MiB]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l body-timeout -d 'A publish body must arrive within this, from the request\'s head; else 408 [default: 30s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l body-memory -d 'Most bytes of publish bodies being read or decoded at once; more get 503 [default: 64MiB, or twice --max-body if more]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l shutdown-timeout -d 'On Ctrl-C or SIGTERM, how long streams get to send what is queued for them [default: 5s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l token -d 'Publishing needs `Authorization: Bearer TOKEN`' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l subscribe-token -d 'Subscribing needs `Authorization: Bearer TOKEN` or `?token=TOKEN`' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l cors-origin -d 'Allowed CORS origin (repeatable; `*`: any): it may subscribe and publish [default: any origin may subscribe; only the server\'s own page, and clients that are not browsers, may publish]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l allowed-host -d 'Also answer requests for this Host name (repeatable; `.example.com`: it and its subdomains; `*`: any). Bound to a loopback address, serve answers only localhost, 127.x.x.x and [::1] (so a web page cannot reach it by DNS rebinding); bound to another address, it checks the Host only when this is given' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l tick -d 'Publish a tick event this often (e.g. 1s, 100ms)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l tick-event -d 'Event type of ticks [default: tick]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l tick-topic -d 'Topic of ticks [default: default]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l tick-data -d 'Tick data template, filling these names in braces: n (1, 2, …), time (RFC 3339), ts_ms, ts_us (epoch ms, µs), rand [default: JSON with n, time, ts_ms]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l topic -d 'Topic of events from stdin and playback [default: default]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l play -d 'Publish a capture: NDJSON from `listen --json --timestamps` (timed by "t") or a raw event stream (events 100ms apart)' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l speed -d 'Playback speed factor (2 = twice as fast) [default: 1]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l drop-after -d 'Close each stream after N events' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l fail-rate -d 'Fail this fraction (0 to 1) of new event streams with --fail-status' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l fail-status -d 'Status code for --fail-rate [default: 503]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l latency -d 'Wait this long before answering a subscriber' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l drip -d 'Write streams in pieces of BYTES, DELAY apart (e.g. 3:10ms)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l line-ending -d 'Line ending of the streams [default: lf]' -r -f -a "lf\t'`\\n`'
crlf\t'`\\r\\n`'
cr\t'`\\r`'"
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l seed -d 'Seed for random faults and {rand}, to repeat a run exactly' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l color -d 'When to colour the log' -r -f -a "auto\t'When writing to a terminal and `NO_COLOR` is not set'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l stdin -d 'Publish each line of stdin as an event\'s data'
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l stdin-json -d 'With --stdin: each line is a JSON event object {"topic"?, "event"?, "data", "id"?}'
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l loop -d 'Play the capture again and again'
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -s q -l quiet -d 'Say nothing on stderr but errors'
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s X -l method -d 'HTTP method [default: GET, or POST when a body is given]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s H -l header -d 'Add a request header, `Name: value` (repeatable)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s d -l data -d 'Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l json-body -d 'Request body as JSON (string, @FILE or @-); also sets Content-Type: application/json' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s u -l user -d 'Basic authentication, `USER:PASS`' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l bearer -d 'Bearer token for `Authorization: Bearer TOKEN`' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l cacert -d 'Trust the CA certificates in this PEM file, besides the built-in roots' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l connect-timeout -d 'Give up an attempt with no response head after this long: TCP, TLS, redirects and the head itself, so a server that accepts and never answers cannot hold it [default: 10s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s c -l connections -d 'Concurrent streams to hold open [default: 100]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l duration -d 'How long to run (more than 0) [default: 30s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l ramp -d 'Open this many new streams per second [default: all at once]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l events -d 'End each stream after N events (the run ends when all have)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l retry-delay -d 'Wait this long before reconnecting, unless the server sent `retry:` or `Retry-After`; failures in a row back off from there, doubling from at least 100ms [default: 3s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l max-delay -d 'Longest wait between reconnects: caps the backoff, and the server\'s `retry:` and `Retry-After` too [default: 30s]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l max-event-size -d 'Largest event (and line) a stream accepts; larger ones are dropped and counted as `oversize` errors. Each stream may hold about twice this. Bytes, or with a unit: 64KiB, 1MiB (KB, MB are powers of 1000) [default: 1MiB]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l latency-field -d 'JSON pointer to the send timestamp in each event\'s data (e.g. /ts_ms) for delivery latency' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l latency-unit -d 'Unit of the timestamp [default: detected by magnitude]' -r -f -a "ms\t'Epoch milliseconds'
us\t'Epoch microseconds'"
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l threshold -d 'Pass/fail condition, e.g. \'latency_p99<250ms\', \'errors==0\' (repeatable); exit 3 on failure' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s o -l output -d 'Write the JSON report to FILE (the text report still goes to stdout)' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l merge -d 'Combine JSON reports from several runs into one, instead of running' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l source-ip -d 'Local address(es) to connect from: 127.0.0.2 or a range 127.0.0.2-127.0.0.9 (repeatable); streams take them in turn, so more than one destination\'s worth of ephemeral ports (~28,000 per source address) can be held' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l color -d 'When to colour the report' -r -f -a "auto\t'When writing to a terminal and `NO_COLOR` is not set'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s k -l insecure -d 'Accept invalid TLS certificates (self-signed, expired, wrong host)'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l reconnect -d 'Resume a stream the server ends with Last-Event-ID, as listen does [default: reopen it after the same delay as a new client, so events sent meanwhile are lost]'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l check-ids -d 'Count lost, duplicated and out-of-order events by their increasing integer IDs'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l json -d 'Print the report as JSON'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l no-progress -d 'No live progress on stderr'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -l max-event-size -d 'Largest event (and line) to accept; larger ones are reported and dropped. Bytes, or with a unit: 64KiB, 16MiB, 1GiB (KB, MB, GB are powers of 1000)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -l color -d 'When to colour the output' -r -f -a "auto\t'When writing to a terminal and `NO_COLOR` is not set'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -l json -d 'Print NDJSON: one {"event", "data", "id"[, "retry"]} object per event'
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -l count -d 'Print only how many events there are, in all and per event type'
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -l comments -d 'Print comments too (as `: text`, or {"comment": text} with --json)'
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -n "__fish_ssecat_using_subcommand demo" -s n -l count -d 'Exit after this many events [default: run until Ctrl-C]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand demo" -l format -d 'Output format [default: pretty]' -r -f -a "pretty\t'Event type, id and data, coloured on a terminal'
json\t'NDJSON: one {"event", "data", "id"} object per event'
data\t'Only the data of each event, one per line (for jq)'
raw\t'The response body exactly as received'"
complete -c ssecat -n "__fish_ssecat_using_subcommand demo" -l every -d 'Time between the mock server\'s events [default: 500ms]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand demo" -l color -d 'When to colour the output' -r -f -a "auto\t'When writing to a terminal and `NO_COLOR` is not set'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c ssecat -n "__fish_ssecat_using_subcommand demo" -l json -d 'Shorthand for --format json'
complete -c ssecat -n "__fish_ssecat_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -n "__fish_ssecat_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -n "__fish_ssecat_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "completions" -d 'Print the completion script for SHELL on stdout'
complete -c ssecat -n "__fish_ssecat_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "man" -d 'Write the man pages (ssecat.1, ssecat-listen.1, …) into DIR; without DIR, print ssecat.1'
complete -c ssecat -n "__fish_ssecat_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ssecat -n "__fish_ssecat_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help'
complete -c ssecat -n "__fish_ssecat_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help'
complete -c ssecat -n "__fish_ssecat_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Print the completion script for SHELL on stdout'
complete -c ssecat -n "__fish_ssecat_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "man" -d 'Write the man pages (ssecat.1, ssecat-listen.1, …) into DIR; without DIR, print ssecat.1'
complete -c ssecat -n "__fish_ssecat_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and not __fish_seen_subcommand_from listen serve bench parse demo generate help" -f -a "listen" -d 'Tail a live event stream: print events as they arrive, reconnecting with Last-Event-ID'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and not __fish_seen_subcommand_from listen serve bench parse demo generate help" -f -a "serve" -d 'Run a mock SSE server: topics, publish API, replay, generators, faults, a viewer page'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and not __fish_seen_subcommand_from listen serve bench parse demo generate help" -f -a "bench" -d 'Load-test an SSE endpoint: many concurrent streams, latency percentiles, lost events'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and not __fish_seen_subcommand_from listen serve bench parse demo generate help" -f -a "parse" -d 'Parse a captured event stream (a file or stdin) and print its events'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and not __fish_seen_subcommand_from listen serve bench parse demo generate help" -f -a "demo" -d 'See it work: a local mock server ticking, and listen printing its events. No network'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and not __fish_seen_subcommand_from listen serve bench parse demo generate help" -f -a "generate" -d 'Shell completions and man pages, for packagers'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and not __fish_seen_subcommand_from listen serve bench parse demo generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Print the completion script for SHELL on stdout'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Write the man pages (ssecat.1, ssecat-listen.1, …) into DIR; without DIR, print ssecat.1'
