
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
            [CompletionResult]::new('parse', 'parse', [CompletionResultType]::ParameterValue, 'Parse a captured event stream (a file or stdin) and print its events')
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
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up a connection attempt after this long [default: 10s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: pretty]')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Print only events of this type (repeatable)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Print only events of this type (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit after printing this many events')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after printing this many events')
            [CompletionResult]::new('--until-event', '--until-event', [CompletionResultType]::ParameterName, 'Exit after printing an event of this type')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Exit after listening this long (e.g. 30s, 5m)')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'Wait this long before reconnecting, unless the server sent `retry:` [default: 3s]')
            [CompletionResult]::new('--max-delay', '--max-delay', [CompletionResultType]::ParameterName, 'Longest wait between reconnects while backing off [default: 30s]')
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
        'ssecat;help' {
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Tail a live event stream: print events as they arrive, reconnecting with Last-Event-ID')
            [CompletionResult]::new('parse', 'parse', [CompletionResultType]::ParameterValue, 'Parse a captured event stream (a file or stdin) and print its events')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssecat;help;listen' {
            break
        }
        'ssecat;help;parse' {
            break
        }
        'ssecat;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
