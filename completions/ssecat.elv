
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
            cand parse 'Parse a captured event stream (a file or stdin) and print its events'
            cand help 'Print this message or the help of the given subcommand(s)'
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
        &'ssecat;help'= {
            cand parse 'Parse a captured event stream (a file or stdin) and print its events'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssecat;help;parse'= {
        }
        &'ssecat;help;help'= {
        }
    ]
    $completions[$command]
}
