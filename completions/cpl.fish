# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cpl_global_optspecs
    string join \n url= profile= json format= q/quiet v/verbose no-color h/help V/version
end

function __fish_cpl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cpl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cpl_using_subcommand
    set -l cmd (__fish_cpl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cpl -n "__fish_cpl_needs_command" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_needs_command" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_needs_command" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_needs_command" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_needs_command" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_needs_command" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_needs_command" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_needs_command" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "health" -d 'Check that the daemon is up: store, version, video and transcription'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "register" -d 'Register a user and save their token under the profile'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "login" -d 'Sign in with a code texted to your phone and save the token under the profile'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "logout" -d 'Sign this profile\'s device out: revoke its token and forget it'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "sessions" -d 'List the devices signed in as you, or sign one out'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "whoami" -d 'Show the profile\'s user'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "users" -d 'Look up users, their collectibles; list users and reset tokens (admin)'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "events" -d 'Create, find, join, leave and end events; list participants and messages'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "collectibles" -d 'List, claim and (admin) drop collectibles'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "watch" -d 'Connect the WebSocket and print every server message as it arrives'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "chat" -d 'Chat in an event\'s room: interactive, or one message with --message'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "location" -d 'Send one location update and print the events nearby'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "simulate" -d 'Simulate a crowd: N users walking around a centre, sending location updates'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "race" -d 'Race N users for one collectible and check that exactly one wins'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "report" -d 'Render a saved scenario run as an HTML page with charts and/or a PNG of its main chart'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "transcribe" -d 'Stream speech to an event\'s live captions: the microphone, or a WAV file with --file'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "config" -d 'Show and change cpl\'s configuration and saved profiles'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "man" -d 'Write man pages (cpl.1 and one per subcommand), or print cpl.1'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "gen-docs" -d 'Regenerate the committed completions/ and man/ (for maintainers)'
complete -c cpl -n "__fish_cpl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand health" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand health" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand health" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand health" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand health" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand health" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand health" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand health" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand register" -l phone -d 'Phone number in international form, e.g. +573001234567 (spaces and dashes are fine)' -r
complete -c cpl -n "__fish_cpl_using_subcommand register" -l name -d 'Display name, 1 to 80 characters' -r
complete -c cpl -n "__fish_cpl_using_subcommand register" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand register" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand register" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand register" -l no-save -d 'Do not save the token (print it with --json only)'
complete -c cpl -n "__fish_cpl_using_subcommand register" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand register" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand register" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand register" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand register" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand register" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand login" -l phone -d 'Phone number in international form, e.g. +573001234567; a code is texted to it' -r
complete -c cpl -n "__fish_cpl_using_subcommand login" -l code -d 'The code from the SMS, for scripts (else it is asked for on the terminal)' -r
complete -c cpl -n "__fish_cpl_using_subcommand login" -l name -d 'Display name, needed only when the phone has no account yet' -r
complete -c cpl -n "__fish_cpl_using_subcommand login" -l label -d 'What to call this device in the session list [default: cpl\'s User-Agent]' -r
complete -c cpl -n "__fish_cpl_using_subcommand login" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand login" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand login" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand login" -l no-save -d 'Do not save the token (print it with --json only)'
complete -c cpl -n "__fish_cpl_using_subcommand login" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand login" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand login" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand login" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand login" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand logout" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand logout" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand logout" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand logout" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand logout" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand logout" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand logout" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand logout" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -f -a "list" -d 'List the devices signed in as the profile\'s user, oldest first'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -f -a "revoke" -d 'Sign one device out: its token stops working and its sockets close'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from list" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from list" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from list" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from list" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from list" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the devices signed in as the profile\'s user, oldest first'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Sign one device out: its token stops working and its sockets close'
complete -c cpl -n "__fish_cpl_using_subcommand sessions; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand whoami" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand whoami" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand whoami" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand whoami" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand whoami" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand whoami" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand whoami" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand whoami" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -f -a "show" -d 'Show a user\'s public profile (the phone too for yourself or with the admin token)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -f -a "collectibles" -d 'List the collectibles a user won, newest first [default: yours]'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -f -a "list" -d 'List users, newest first, a page at a time (admin token)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -f -a "reset-token" -d 'Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -f -a "delete" -d 'Erase users: phone and name gone, token revoked, sockets closed; their messages stay as "deleted user" unless --purge (admin token, or your own user)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and not __fish_seen_subcommand_from show collectibles list reset-token delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from show" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from show" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from show" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from show" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from show" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -l limit -d 'Collectibles per page, 1 to 1000' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -l cursor -d 'Start at this page: the cursor a previous listing printed' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -l all -d 'Follow the cursors: every page, from the first (or from --cursor) to the last'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from collectibles" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -l limit -d 'Users per page, 1 to 1000' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -l cursor -d 'Start at this page: the cursor a previous listing printed' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -l all -d 'Follow the cursors: every page, from the first (or from --cursor) to the last'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from reset-token" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from reset-token" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from reset-token" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from reset-token" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from reset-token" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from reset-token" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from reset-token" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from reset-token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from reset-token" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -l created-by-run -d 'Erase the users listed in this run file (written by `cpl race` / `cpl simulate`)' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -l concurrency -d 'Erasures in flight at once' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -l purge -d 'Also remove their chat messages and transcript segments'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a user\'s public profile (the phone too for yourself or with the admin token)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "collectibles" -d 'List the collectibles a user won, newest first [default: yours]'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "list" -d 'List users, newest first, a page at a time (admin token)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "reset-token" -d 'Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Erase users: phone and name gone, token revoked, sockets closed; their messages stay as "deleted user" unless --purge (admin token, or your own user)'
complete -c cpl -n "__fish_cpl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "create" -d 'Create an event at a position (you become its creator, not a participant)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "show" -d 'Show an event'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "list" -d 'List events newest first, filtered, a page at a time (ended or every status: admin token)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "nearby" -d 'List active events near a position, nearest first'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "join" -d 'Join an event\'s room; prints the video room URL and meeting token when video is on'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "leave" -d 'Leave an event\'s room'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "end" -d 'End an event you created, or any event with --admin; its room hears `event_ended`'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "participants" -d 'List who is in an event\'s room now'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "messages" -d 'Show an event\'s chat history, newest first; `messages delete` removes one'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "transcripts" -d 'Show an event\'s stored transcript (final captions), newest first'
complete -c cpl -n "__fish_cpl_using_subcommand events; and not __fish_seen_subcommand_from create show list nearby join leave end participants messages transcripts help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l title -d 'Title, 1 to 120 characters' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l category -d 'Category, e.g. culture, sports, protest (stored lower-case)' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l lng -d 'Longitude, -180 to 180' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l lat -d 'Latitude, -90 to 90' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l address -d 'Street address, free text' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l description -d 'Description, up to 2000 characters' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l starts-at -d 'Planned start (RFC 3339)' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l ends-at -d 'Planned end (RFC 3339)' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from show" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from show" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from show" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from show" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from show" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l status -d 'Which events: ended and all need the admin token' -r -f -a "active\t'Running events (anyone may list them)'
ended\t'Ended events (admin token)'
all\t'Both (admin token)'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l category -d 'Only this category' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l creator -d 'Only events this user created' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l bbox -d 'Only events inside this box: minLng,minLat,maxLng,maxLat' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l created-after -d 'Only events created after this time (RFC 3339)' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l created-before -d 'Only events created before this time (RFC 3339)' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l limit -d 'Events per page, 1 to 100' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l cursor -d 'Start at this page: the cursor a previous listing printed' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l all -d 'Follow the cursors: every page, from the first (or from --cursor) to the last'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -l lng -d 'Longitude of the centre' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -l lat -d 'Latitude of the centre' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -l radius -d 'Radius in metres, 1 to 50000 [default: 5000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -l limit -d 'At most this many events, 1 to 100 [default: 20]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -l category -d 'Only this category' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from nearby" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from join" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from join" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from join" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from join" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from join" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from join" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from join" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from join" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from join" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from leave" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from leave" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from leave" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from leave" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from leave" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from leave" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from leave" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from leave" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from leave" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from end" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from end" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from end" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from end" -l admin -d 'End it as a moderator with the daemon\'s admin token (CPL_ADMIN_TOKEN or `admin_token` in the config): any event, whoever created it'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from end" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from end" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from end" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from end" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from end" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from end" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -l limit -d 'Participants per page, 1 to 1000' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -l cursor -d 'Start at this page: the cursor a previous listing printed' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -l all -d 'Follow the cursors: every page, from the first (or from --cursor) to the last'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from participants" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -l limit -d 'At most this many entries (1 to 200)' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -l before -d 'Only entries older than this time (RFC 3339, e.g. 2026-11-25T14:03:00Z): the previous page\'s last timestamp' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -l before-id -d 'With --before, the previous page\'s last id: the page starts right after it, so entries sharing its millisecond are not skipped' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -l cursor -d 'Start at this page: the cursor a previous listing printed' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -l all -d 'Follow the cursors: every page, from the first (or from --cursor) to the last'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -a "delete" -d 'Remove a message from an event\'s history (yours, or anyone\'s with --admin); the room hears `message_deleted`'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from messages" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l query -d 'Only segments whose text contains this (case-insensitive, 1 to 200 characters)' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l limit -d 'At most this many entries (1 to 200)' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l before -d 'Only entries older than this time (RFC 3339, e.g. 2026-11-25T14:03:00Z): the previous page\'s last timestamp' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l before-id -d 'With --before, the previous page\'s last id: the page starts right after it, so entries sharing its millisecond are not skipped' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l cursor -d 'Start at this page: the cursor a previous listing printed' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l all -d 'Follow the cursors: every page, from the first (or from --cursor) to the last'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from transcripts" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create an event at a position (you become its creator, not a participant)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show an event'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "list" -d 'List events newest first, filtered, a page at a time (ended or every status: admin token)'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "nearby" -d 'List active events near a position, nearest first'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "join" -d 'Join an event\'s room; prints the video room URL and meeting token when video is on'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "leave" -d 'Leave an event\'s room'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "end" -d 'End an event you created, or any event with --admin; its room hears `event_ended`'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "participants" -d 'List who is in an event\'s room now'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "messages" -d 'Show an event\'s chat history, newest first; `messages delete` removes one'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "transcripts" -d 'Show an event\'s stored transcript (final captions), newest first'
complete -c cpl -n "__fish_cpl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -f -a "active" -d 'List an event\'s unclaimed, unexpired collectibles'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -f -a "claim" -d 'Try to win a collectible (you must be in its event\'s room); exit 1 when lost'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -f -a "drop" -d 'Drop a collectible into an event now (admin token); its room hears `collectible_drop`'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and not __fish_seen_subcommand_from active claim drop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from active" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from active" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from active" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from active" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from active" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from active" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from active" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from active" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from active" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from claim" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from claim" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from claim" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from claim" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from claim" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from claim" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from claim" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from claim" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from claim" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -l name -d 'Name, 1 to 80 characters [default: one from the catalogue]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -l rarity -d 'Rarity [default: drawn from the catalogue\'s odds]' -r -f -a "common\t''
rare\t''
epic\t''
legendary\t''"
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -l points -d 'Points, 1 to 10000 [default: the rarity\'s]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -l expires-in -d 'Seconds it stays claimable, 1 to 86400 [default: the daemon\'s CPL_DROP_TTL]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from drop" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from help" -f -a "active" -d 'List an event\'s unclaimed, unexpired collectibles'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from help" -f -a "claim" -d 'Try to win a collectible (you must be in its event\'s room); exit 1 when lost'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from help" -f -a "drop" -d 'Drop a collectible into an event now (admin token); its room hears `collectible_drop`'
complete -c cpl -n "__fish_cpl_using_subcommand collectibles; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand watch" -l event -d 'Join this event\'s room first (its chat, drops and claims are then printed too)' -r
complete -c cpl -n "__fish_cpl_using_subcommand watch" -s n -l count -d 'Stop after this many messages' -r
complete -c cpl -n "__fish_cpl_using_subcommand watch" -l timeout -d 'Stop after this long (30s, 5m, ...)' -r
complete -c cpl -n "__fish_cpl_using_subcommand watch" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand watch" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand watch" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand watch" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand watch" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand watch" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand watch" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand watch" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand chat" -s m -l message -d 'Send this one message, print it as the room received it, and exit' -r
complete -c cpl -n "__fish_cpl_using_subcommand chat" -l timeout -d 'How long to wait for the echo of a sent message' -r
complete -c cpl -n "__fish_cpl_using_subcommand chat" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand chat" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand chat" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand chat" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand chat" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand chat" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand chat" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand chat" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand chat" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand location" -l lng -d 'Longitude, -180 to 180' -r
complete -c cpl -n "__fish_cpl_using_subcommand location" -l lat -d 'Latitude, -90 to 90' -r
complete -c cpl -n "__fish_cpl_using_subcommand location" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand location" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand location" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand location" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand location" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand location" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand location" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand location" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand location" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l users -d 'Virtual users to register for the run [default: 10; with --scenario, the scenario\'s]' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l users-file -d 'Act as the users saved in this file by --save-users instead of registering new ones' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l save-users -d 'Save the users (id, name, token) to this file, mode 0600, for a later --users-file' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l events -d 'Create this many events around the centre; every user joins each [default: 1; with --scenario, the events created over the day, the scenario\'s by default]' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l event-ids -d 'Join these existing events instead of creating some (comma-separated ids)' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l rate -d 'Location updates per user per second (0.01 to 50)' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l duration -d 'Stop after this long [default: 10s, or long enough for --count; with --scenario, the length of the day, the scenario\'s by default]' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l count -d 'Stop after this many updates per user (or at --duration, whichever comes first)' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l lng -d 'Longitude of the centre [default: Plaza de Bolívar, Bogotá]' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l lat -d 'Latitude of the centre' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l radius -d 'Users stay within this many metres of the centre' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l speed -d 'Walking speed, metres per second' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l concurrency -d 'Registrations, joins, connections and (with --cleanup) erasures in flight at once' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l run-file -d 'Write the ids of the users this run registers here [default: a new file under cpl\'s data directory, e.g. ~/.local/share/citypulse/runs/]' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l seed -d 'Seed of the random walks (the same seed walks the same paths; with --scenario, the same day)' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l scenario -d 'Play a synthetic day instead: a built-in scenario\'s name (city-day) or a scenario file (TOML; see --print-scenario). --users, --events, --duration and --seed override its bounds' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l print-scenario -d 'Print a built-in scenario\'s file (a template to copy and edit) and exit' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l source-addresses -d 'Spread the sockets over N local source addresses, 127.0.0.1 to 127.0.0.N, round-robin (each has its own ephemeral ports, about 28,000 towards one daemon address); the daemon must be at an IPv4 loopback address' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l report -d 'With --scenario: write the run\'s report as one self-contained HTML page (charts of throughput, latency, errors, connections, daemon memory and CPU, client CPU)' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l report-png -d 'With --scenario: write the report\'s main chart (throughput and p99 latency per operation) as a 1200x600 PNG, for READMEs and issues' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l report-json -d 'With --scenario: also save the run\'s report as JSON in this file (`cpl report FILE` renders it again)' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l cleanup -d 'Erase the users this run registered once it is over (admin token); the run file is removed when all are gone'
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand simulate" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand race" -l event -d 'The event to race in [default: a new event created by the first racer]' -r
complete -c cpl -n "__fish_cpl_using_subcommand race" -l users -d 'How many users race (each registered for the run)' -r
complete -c cpl -n "__fish_cpl_using_subcommand race" -l wait-timeout -d 'With --wait, how long to wait for the drop' -r
complete -c cpl -n "__fish_cpl_using_subcommand race" -l timeout -d 'How long to wait for every claim\'s answer once the drop is out' -r
complete -c cpl -n "__fish_cpl_using_subcommand race" -l rarity -d 'Rarity of the dropped collectible [default: drawn from the catalogue\'s odds]' -r -f -a "common\t''
rare\t''
epic\t''
legendary\t''"
complete -c cpl -n "__fish_cpl_using_subcommand race" -l expires-in -d 'Seconds the dropped collectible stays claimable' -r
complete -c cpl -n "__fish_cpl_using_subcommand race" -l concurrency -d 'Registrations, joins, connections and (with --cleanup) erasures in flight at once' -r
complete -c cpl -n "__fish_cpl_using_subcommand race" -l run-file -d 'Write the ids of the users this run registers here [default: a new file under cpl\'s data directory, e.g. ~/.local/share/citypulse/runs/]' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand race" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand race" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand race" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand race" -l wait -d 'Wait for the daemon\'s next scheduled drop in the event instead of dropping one (no admin token needed)'
complete -c cpl -n "__fish_cpl_using_subcommand race" -l cleanup -d 'Erase the users this run registered once it is over (admin token); the run file is removed when all are gone'
complete -c cpl -n "__fish_cpl_using_subcommand race" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand race" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand race" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand race" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand race" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand race" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand report" -l html -d 'Write the HTML page here [default: FILE with .html, when --png is not given either]' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand report" -l png -d 'Write the PNG of the main chart (1200x600: throughput and p99 latency) here' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand report" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand report" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand report" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand report" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand report" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand report" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand report" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand report" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l event -d 'The event whose room gets the captions' -r
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l file -d 'Stream this WAV file (any rate, channels, 8 to 32-bit) instead of the microphone' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l device -d 'Capture from this input device: a name, or a unique part of one (see --list-devices)' -r
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l language -d 'Language spoken, e.g. es, es-419, en-US [default: the daemon\'s, es]' -r
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l fast -d 'With --file: send as fast as possible instead of in real time (Deepgram itself accepts at most 1.25x real time)'
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l list-devices -d 'List the audio input devices and exit'
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand transcribe" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -f -a "path" -d 'Print the config file\'s path'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -f -a "show" -d 'Show the settings and saved profiles (tokens masked)'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -f -a "set" -d 'Set a key: url, profile or admin_token'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -f -a "unset" -d 'Remove a key (url, profile or admin_token), or a saved profile with --profile-name'
complete -c cpl -n "__fish_cpl_using_subcommand config; and not __fish_seen_subcommand_from path show set unset help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from path" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from path" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from path" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from path" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from path" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from show" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from show" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from show" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from show" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from set" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from set" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from set" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from set" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from set" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from unset" -l profile-name -d 'Forget this saved profile instead' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from unset" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from unset" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from unset" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from unset" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from unset" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from unset" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from unset" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from unset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from unset" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the config file\'s path'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show the settings and saved profiles (tokens masked)'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set a key: url, profile or admin_token'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "unset" -d 'Remove a key (url, profile or admin_token), or a saved profile with --profile-name'
complete -c cpl -n "__fish_cpl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand completions" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand completions" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand completions" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand completions" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand completions" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand completions" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand completions" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand man" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand man" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand man" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand man" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand man" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand man" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand man" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand man" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -l root -d 'The repository root holding completions/ and man/' -r -F
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -l url -d 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]' -r
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -l profile -d 'Saved user to act as [default: `profile` in the config file, else "default"]' -r
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -l format -d 'Output format; auto is a table on a terminal and plain tab-separated text otherwise' -r -f -a "auto\t'A table on a terminal, plain text when piped'
table\t'Tables'
plain\t'Tab-separated lines'
json\t'JSON'"
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -l check -d 'Change nothing; fail if any file differs from what would be generated'
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -l json -d 'Print JSON (the contract\'s types; JSON lines for streams); same as --format json'
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -s q -l quiet -d 'Print only the data: no notes, no progress bars'
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -s v -l verbose -d 'Say more on stderr: the daemon, the profile, timings'
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -l no-color -d 'No colours (also when NO_COLOR is set)'
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpl -n "__fish_cpl_using_subcommand gen-docs" -s V -l version -d 'Print version'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "health" -d 'Check that the daemon is up: store, version, video and transcription'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "register" -d 'Register a user and save their token under the profile'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "login" -d 'Sign in with a code texted to your phone and save the token under the profile'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "logout" -d 'Sign this profile\'s device out: revoke its token and forget it'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "sessions" -d 'List the devices signed in as you, or sign one out'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "whoami" -d 'Show the profile\'s user'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "users" -d 'Look up users, their collectibles; list users and reset tokens (admin)'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "events" -d 'Create, find, join, leave and end events; list participants and messages'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "collectibles" -d 'List, claim and (admin) drop collectibles'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "watch" -d 'Connect the WebSocket and print every server message as it arrives'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "chat" -d 'Chat in an event\'s room: interactive, or one message with --message'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "location" -d 'Send one location update and print the events nearby'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "simulate" -d 'Simulate a crowd: N users walking around a centre, sending location updates'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "race" -d 'Race N users for one collectible and check that exactly one wins'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "report" -d 'Render a saved scenario run as an HTML page with charts and/or a PNG of its main chart'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "transcribe" -d 'Stream speech to an event\'s live captions: the microphone, or a WAV file with --file'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "config" -d 'Show and change cpl\'s configuration and saved profiles'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "completions" -d 'Print a shell completion script'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "man" -d 'Write man pages (cpl.1 and one per subcommand), or print cpl.1'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "gen-docs" -d 'Regenerate the committed completions/ and man/ (for maintainers)'
complete -c cpl -n "__fish_cpl_using_subcommand help; and not __fish_seen_subcommand_from health register login logout sessions whoami users events collectibles watch chat location simulate race report transcribe config completions man gen-docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from sessions" -f -a "list" -d 'List the devices signed in as the profile\'s user, oldest first'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from sessions" -f -a "revoke" -d 'Sign one device out: its token stops working and its sockets close'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "show" -d 'Show a user\'s public profile (the phone too for yourself or with the admin token)'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "collectibles" -d 'List the collectibles a user won, newest first [default: yours]'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "list" -d 'List users, newest first, a page at a time (admin token)'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "reset-token" -d 'Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "delete" -d 'Erase users: phone and name gone, token revoked, sockets closed; their messages stay as "deleted user" unless --purge (admin token, or your own user)'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "create" -d 'Create an event at a position (you become its creator, not a participant)'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "show" -d 'Show an event'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "list" -d 'List events newest first, filtered, a page at a time (ended or every status: admin token)'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "nearby" -d 'List active events near a position, nearest first'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "join" -d 'Join an event\'s room; prints the video room URL and meeting token when video is on'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "leave" -d 'Leave an event\'s room'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "end" -d 'End an event you created, or any event with --admin; its room hears `event_ended`'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "participants" -d 'List who is in an event\'s room now'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "messages" -d 'Show an event\'s chat history, newest first; `messages delete` removes one'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "transcripts" -d 'Show an event\'s stored transcript (final captions), newest first'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from collectibles" -f -a "active" -d 'List an event\'s unclaimed, unexpired collectibles'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from collectibles" -f -a "claim" -d 'Try to win a collectible (you must be in its event\'s room); exit 1 when lost'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from collectibles" -f -a "drop" -d 'Drop a collectible into an event now (admin token); its room hears `collectible_drop`'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the config file\'s path'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Show the settings and saved profiles (tokens masked)'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "set" -d 'Set a key: url, profile or admin_token'
complete -c cpl -n "__fish_cpl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "unset" -d 'Remove a key (url, profile or admin_token), or a saved profile with --profile-name'
