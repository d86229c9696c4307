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
complete -c ssecat -n "__fish_ssecat_needs_command" -f -a "parse" -d 'Parse a captured event stream (a file or stdin) and print its events'
complete -c ssecat -n "__fish_ssecat_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -l max-event-size -d 'Largest event (and line) to accept; larger ones are reported and dropped. Bytes, or with a unit: 64KiB, 16MiB, 1GiB (KB, MB, GB are powers of 1000)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -l color -d 'When to colour the output' -r -f -a "auto\t'When stdout is a terminal and `NO_COLOR` is not set'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -l json -d 'Print NDJSON: one {"event", "data", "id"[, "retry"]} object per event'
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -l count -d 'Print only how many events there are, in all and per event type'
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -l comments -d 'Print comments too (as `: text`, or {"comment": text} with --json)'
complete -c ssecat -n "__fish_ssecat_using_subcommand parse" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and not __fish_seen_subcommand_from parse help" -f -a "parse" -d 'Parse a captured event stream (a file or stdin) and print its events'
complete -c ssecat -n "__fish_ssecat_using_subcommand help; and not __fish_seen_subcommand_from parse help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
