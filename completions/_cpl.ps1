
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'cpl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'cpl'
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
        'cpl' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Check that the daemon is up: store, version, video and transcription')
            [CompletionResult]::new('register', 'register', [CompletionResultType]::ParameterValue, 'Register a user and save their token under the profile')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in with a code texted to your phone and save the token under the profile')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Sign this profile''s device out: revoke its token and forget it')
            [CompletionResult]::new('sessions', 'sessions', [CompletionResultType]::ParameterValue, 'List the devices signed in as you, or sign one out')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show the profile''s user')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Look up users, their collectibles; list users and reset tokens (admin)')
            [CompletionResult]::new('events', 'events', [CompletionResultType]::ParameterValue, 'Create, find, join, leave and end events; list participants and messages')
            [CompletionResult]::new('collectibles', 'collectibles', [CompletionResultType]::ParameterValue, 'List, claim and (admin) drop collectibles')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Connect the WebSocket and print every server message as it arrives')
            [CompletionResult]::new('chat', 'chat', [CompletionResultType]::ParameterValue, 'Chat in an event''s room: interactive, or one message with --message')
            [CompletionResult]::new('location', 'location', [CompletionResultType]::ParameterValue, 'Send one location update and print the events nearby')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Simulate a crowd: N users walking around a centre, sending location updates')
            [CompletionResult]::new('race', 'race', [CompletionResultType]::ParameterValue, 'Race N users for one collectible and check that exactly one wins')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render a saved scenario run as an HTML page with charts and/or a PNG of its main chart')
            [CompletionResult]::new('transcribe', 'transcribe', [CompletionResultType]::ParameterValue, 'Stream speech to an event''s live captions: the microphone, or a WAV file with --file')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show and change cpl''s configuration and saved profiles')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages (cpl.1 and one per subcommand), or print cpl.1')
            [CompletionResult]::new('gen-docs', 'gen-docs', [CompletionResultType]::ParameterValue, 'Regenerate the committed completions/ and man/ (for maintainers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;health' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;register' {
            [CompletionResult]::new('--phone', '--phone', [CompletionResultType]::ParameterName, 'Phone number in international form, e.g. +573001234567 (spaces and dashes are fine)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name, 1 to 80 characters')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the token (print it with --json only)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;login' {
            [CompletionResult]::new('--phone', '--phone', [CompletionResultType]::ParameterName, 'Phone number in international form, e.g. +573001234567; a code is texted to it')
            [CompletionResult]::new('--code', '--code', [CompletionResultType]::ParameterName, 'The code from the SMS, for scripts (else it is asked for on the terminal)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name, needed only when the phone has no account yet')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'What to call this device in the session list [default: cpl''s User-Agent]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not save the token (print it with --json only)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;logout' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;sessions' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the devices signed in as the profile''s user, oldest first')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Sign one device out: its token stops working and its sockets close')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;sessions;list' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;sessions;revoke' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;sessions;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the devices signed in as the profile''s user, oldest first')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Sign one device out: its token stops working and its sockets close')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;sessions;help;list' {
            break
        }
        'cpl;sessions;help;revoke' {
            break
        }
        'cpl;sessions;help;help' {
            break
        }
        'cpl;whoami' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;users' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a user''s public profile (the phone too for yourself or with the admin token)')
            [CompletionResult]::new('collectibles', 'collectibles', [CompletionResultType]::ParameterValue, 'List the collectibles a user won, newest first [default: yours]')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List users, newest first, a page at a time (admin token)')
            [CompletionResult]::new('reset-token', 'reset-token', [CompletionResultType]::ParameterValue, 'Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Erase users: phone and name gone, token revoked, sockets closed; their messages stay as "deleted user" unless --purge (admin token, or your own user)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;users;show' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;users;collectibles' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Collectibles per page, 1 to 1000')
            [CompletionResult]::new('--cursor', '--cursor', [CompletionResultType]::ParameterName, 'Start at this page: the cursor a previous listing printed')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Follow the cursors: every page, from the first (or from --cursor) to the last')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;users;list' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Users per page, 1 to 1000')
            [CompletionResult]::new('--cursor', '--cursor', [CompletionResultType]::ParameterName, 'Start at this page: the cursor a previous listing printed')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Follow the cursors: every page, from the first (or from --cursor) to the last')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;users;reset-token' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;users;delete' {
            [CompletionResult]::new('--created-by-run', '--created-by-run', [CompletionResultType]::ParameterName, 'Erase the users listed in this run file (written by `cpl race` / `cpl simulate`)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Erasures in flight at once')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--purge', '--purge', [CompletionResultType]::ParameterName, 'Also remove their chat messages and transcript segments')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;users;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a user''s public profile (the phone too for yourself or with the admin token)')
            [CompletionResult]::new('collectibles', 'collectibles', [CompletionResultType]::ParameterValue, 'List the collectibles a user won, newest first [default: yours]')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List users, newest first, a page at a time (admin token)')
            [CompletionResult]::new('reset-token', 'reset-token', [CompletionResultType]::ParameterValue, 'Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Erase users: phone and name gone, token revoked, sockets closed; their messages stay as "deleted user" unless --purge (admin token, or your own user)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;users;help;show' {
            break
        }
        'cpl;users;help;collectibles' {
            break
        }
        'cpl;users;help;list' {
            break
        }
        'cpl;users;help;reset-token' {
            break
        }
        'cpl;users;help;delete' {
            break
        }
        'cpl;users;help;help' {
            break
        }
        'cpl;events' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an event at a position (you become its creator, not a participant)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an event')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List events newest first, filtered, a page at a time (ended or every status: admin token)')
            [CompletionResult]::new('nearby', 'nearby', [CompletionResultType]::ParameterValue, 'List active events near a position, nearest first')
            [CompletionResult]::new('join', 'join', [CompletionResultType]::ParameterValue, 'Join an event''s room; prints the video room URL and meeting token when video is on')
            [CompletionResult]::new('leave', 'leave', [CompletionResultType]::ParameterValue, 'Leave an event''s room')
            [CompletionResult]::new('end', 'end', [CompletionResultType]::ParameterValue, 'End an event you created, or any event with --admin; its room hears `event_ended`')
            [CompletionResult]::new('participants', 'participants', [CompletionResultType]::ParameterValue, 'List who is in an event''s room now')
            [CompletionResult]::new('messages', 'messages', [CompletionResultType]::ParameterValue, 'Show an event''s chat history, newest first; `messages delete` removes one')
            [CompletionResult]::new('transcripts', 'transcripts', [CompletionResultType]::ParameterValue, 'Show an event''s stored transcript (final captions), newest first')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;events;create' {
            [CompletionResult]::new('--title', '--title', [CompletionResultType]::ParameterName, 'Title, 1 to 120 characters')
            [CompletionResult]::new('--category', '--category', [CompletionResultType]::ParameterName, 'Category, e.g. culture, sports, protest (stored lower-case)')
            [CompletionResult]::new('--lng', '--lng', [CompletionResultType]::ParameterName, 'Longitude, -180 to 180')
            [CompletionResult]::new('--lat', '--lat', [CompletionResultType]::ParameterName, 'Latitude, -90 to 90')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Street address, free text')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Description, up to 2000 characters')
            [CompletionResult]::new('--starts-at', '--starts-at', [CompletionResultType]::ParameterName, 'Planned start (RFC 3339)')
            [CompletionResult]::new('--ends-at', '--ends-at', [CompletionResultType]::ParameterName, 'Planned end (RFC 3339)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;events;show' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;events;list' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Which events: ended and all need the admin token')
            [CompletionResult]::new('--category', '--category', [CompletionResultType]::ParameterName, 'Only this category')
            [CompletionResult]::new('--creator', '--creator', [CompletionResultType]::ParameterName, 'Only events this user created')
            [CompletionResult]::new('--bbox', '--bbox', [CompletionResultType]::ParameterName, 'Only events inside this box: minLng,minLat,maxLng,maxLat')
            [CompletionResult]::new('--created-after', '--created-after', [CompletionResultType]::ParameterName, 'Only events created after this time (RFC 3339)')
            [CompletionResult]::new('--created-before', '--created-before', [CompletionResultType]::ParameterName, 'Only events created before this time (RFC 3339)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Events per page, 1 to 100')
            [CompletionResult]::new('--cursor', '--cursor', [CompletionResultType]::ParameterName, 'Start at this page: the cursor a previous listing printed')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Follow the cursors: every page, from the first (or from --cursor) to the last')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;events;nearby' {
            [CompletionResult]::new('--lng', '--lng', [CompletionResultType]::ParameterName, 'Longitude of the centre')
            [CompletionResult]::new('--lat', '--lat', [CompletionResultType]::ParameterName, 'Latitude of the centre')
            [CompletionResult]::new('--radius', '--radius', [CompletionResultType]::ParameterName, 'Radius in metres, 1 to 50000 [default: 5000]')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many events, 1 to 100 [default: 20]')
            [CompletionResult]::new('--category', '--category', [CompletionResultType]::ParameterName, 'Only this category')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;events;join' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;events;leave' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;events;end' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'End it as a moderator with the daemon''s admin token (CPL_ADMIN_TOKEN or `admin_token` in the config): any event, whoever created it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;events;participants' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Participants per page, 1 to 1000')
            [CompletionResult]::new('--cursor', '--cursor', [CompletionResultType]::ParameterName, 'Start at this page: the cursor a previous listing printed')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Follow the cursors: every page, from the first (or from --cursor) to the last')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;events;messages' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many entries (1 to 200)')
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Only entries older than this time (RFC 3339, e.g. 2026-11-25T14:03:00Z): the previous page''s last timestamp')
            [CompletionResult]::new('--before-id', '--before-id', [CompletionResultType]::ParameterName, 'With --before, the previous page''s last id: the page starts right after it, so entries sharing its millisecond are not skipped')
            [CompletionResult]::new('--cursor', '--cursor', [CompletionResultType]::ParameterName, 'Start at this page: the cursor a previous listing printed')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Follow the cursors: every page, from the first (or from --cursor) to the last')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove a message from an event''s history (yours, or anyone''s with --admin); the room hears `message_deleted`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;events;messages;delete' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Remove it as a moderator with the daemon''s admin token: any message, whoever wrote it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;events;messages;help' {
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove a message from an event''s history (yours, or anyone''s with --admin); the room hears `message_deleted`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;events;messages;help;delete' {
            break
        }
        'cpl;events;messages;help;help' {
            break
        }
        'cpl;events;transcripts' {
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'Only segments whose text contains this (case-insensitive, 1 to 200 characters)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many entries (1 to 200)')
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Only entries older than this time (RFC 3339, e.g. 2026-11-25T14:03:00Z): the previous page''s last timestamp')
            [CompletionResult]::new('--before-id', '--before-id', [CompletionResultType]::ParameterName, 'With --before, the previous page''s last id: the page starts right after it, so entries sharing its millisecond are not skipped')
            [CompletionResult]::new('--cursor', '--cursor', [CompletionResultType]::ParameterName, 'Start at this page: the cursor a previous listing printed')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Follow the cursors: every page, from the first (or from --cursor) to the last')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;events;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an event at a position (you become its creator, not a participant)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an event')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List events newest first, filtered, a page at a time (ended or every status: admin token)')
            [CompletionResult]::new('nearby', 'nearby', [CompletionResultType]::ParameterValue, 'List active events near a position, nearest first')
            [CompletionResult]::new('join', 'join', [CompletionResultType]::ParameterValue, 'Join an event''s room; prints the video room URL and meeting token when video is on')
            [CompletionResult]::new('leave', 'leave', [CompletionResultType]::ParameterValue, 'Leave an event''s room')
            [CompletionResult]::new('end', 'end', [CompletionResultType]::ParameterValue, 'End an event you created, or any event with --admin; its room hears `event_ended`')
            [CompletionResult]::new('participants', 'participants', [CompletionResultType]::ParameterValue, 'List who is in an event''s room now')
            [CompletionResult]::new('messages', 'messages', [CompletionResultType]::ParameterValue, 'Show an event''s chat history, newest first; `messages delete` removes one')
            [CompletionResult]::new('transcripts', 'transcripts', [CompletionResultType]::ParameterValue, 'Show an event''s stored transcript (final captions), newest first')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;events;help;create' {
            break
        }
        'cpl;events;help;show' {
            break
        }
        'cpl;events;help;list' {
            break
        }
        'cpl;events;help;nearby' {
            break
        }
        'cpl;events;help;join' {
            break
        }
        'cpl;events;help;leave' {
            break
        }
        'cpl;events;help;end' {
            break
        }
        'cpl;events;help;participants' {
            break
        }
        'cpl;events;help;messages' {
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove a message from an event''s history (yours, or anyone''s with --admin); the room hears `message_deleted`')
            break
        }
        'cpl;events;help;messages;delete' {
            break
        }
        'cpl;events;help;transcripts' {
            break
        }
        'cpl;events;help;help' {
            break
        }
        'cpl;collectibles' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('active', 'active', [CompletionResultType]::ParameterValue, 'List an event''s unclaimed, unexpired collectibles')
            [CompletionResult]::new('claim', 'claim', [CompletionResultType]::ParameterValue, 'Try to win a collectible (you must be in its event''s room); exit 1 when lost')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Drop a collectible into an event now (admin token); its room hears `collectible_drop`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;collectibles;active' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;collectibles;claim' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;collectibles;drop' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name, 1 to 80 characters [default: one from the catalogue]')
            [CompletionResult]::new('--rarity', '--rarity', [CompletionResultType]::ParameterName, 'Rarity [default: drawn from the catalogue''s odds]')
            [CompletionResult]::new('--points', '--points', [CompletionResultType]::ParameterName, 'Points, 1 to 10000 [default: the rarity''s]')
            [CompletionResult]::new('--expires-in', '--expires-in', [CompletionResultType]::ParameterName, 'Seconds it stays claimable, 1 to 86400 [default: the daemon''s CPL_DROP_TTL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;collectibles;help' {
            [CompletionResult]::new('active', 'active', [CompletionResultType]::ParameterValue, 'List an event''s unclaimed, unexpired collectibles')
            [CompletionResult]::new('claim', 'claim', [CompletionResultType]::ParameterValue, 'Try to win a collectible (you must be in its event''s room); exit 1 when lost')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Drop a collectible into an event now (admin token); its room hears `collectible_drop`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;collectibles;help;active' {
            break
        }
        'cpl;collectibles;help;claim' {
            break
        }
        'cpl;collectibles;help;drop' {
            break
        }
        'cpl;collectibles;help;help' {
            break
        }
        'cpl;watch' {
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Join this event''s room first (its chat, drops and claims are then printed too)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Stop after this many messages')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after this many messages')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop after this long (30s, 5m, ...)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;chat' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Send this one message, print it as the room received it, and exit')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Send this one message, print it as the room received it, and exit')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the echo of a sent message')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;location' {
            [CompletionResult]::new('--lng', '--lng', [CompletionResultType]::ParameterName, 'Longitude, -180 to 180')
            [CompletionResult]::new('--lat', '--lat', [CompletionResultType]::ParameterName, 'Latitude, -90 to 90')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;simulate' {
            [CompletionResult]::new('--users', '--users', [CompletionResultType]::ParameterName, 'Virtual users to register for the run [default: 10; with --scenario, the scenario''s]')
            [CompletionResult]::new('--users-file', '--users-file', [CompletionResultType]::ParameterName, 'Act as the users saved in this file by --save-users instead of registering new ones')
            [CompletionResult]::new('--save-users', '--save-users', [CompletionResultType]::ParameterName, 'Save the users (id, name, token) to this file, mode 0600, for a later --users-file')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Create this many events around the centre; every user joins each [default: 1; with --scenario, the events created over the day, the scenario''s by default]')
            [CompletionResult]::new('--event-ids', '--event-ids', [CompletionResultType]::ParameterName, 'Join these existing events instead of creating some (comma-separated ids)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Location updates per user per second (0.01 to 50)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop after this long [default: 10s, or long enough for --count; with --scenario, the length of the day, the scenario''s by default]')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after this many updates per user (or at --duration, whichever comes first)')
            [CompletionResult]::new('--lng', '--lng', [CompletionResultType]::ParameterName, 'Longitude of the centre [default: Plaza de Bolívar, Bogotá]')
            [CompletionResult]::new('--lat', '--lat', [CompletionResultType]::ParameterName, 'Latitude of the centre')
            [CompletionResult]::new('--radius', '--radius', [CompletionResultType]::ParameterName, 'Users stay within this many metres of the centre')
            [CompletionResult]::new('--speed', '--speed', [CompletionResultType]::ParameterName, 'Walking speed, metres per second')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Registrations, joins, connections and (with --cleanup) erasures in flight at once')
            [CompletionResult]::new('--run-file', '--run-file', [CompletionResultType]::ParameterName, 'Write the ids of the users this run registers here [default: a new file under cpl''s data directory, e.g. ~/.local/share/citypulse/runs/]')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the random walks (the same seed walks the same paths; with --scenario, the same day)')
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'Play a synthetic day instead: a built-in scenario''s name (city-day) or a scenario file (TOML; see --print-scenario). --users, --events, --duration and --seed override its bounds')
            [CompletionResult]::new('--print-scenario', '--print-scenario', [CompletionResultType]::ParameterName, 'Print a built-in scenario''s file (a template to copy and edit) and exit')
            [CompletionResult]::new('--source-addresses', '--source-addresses', [CompletionResultType]::ParameterName, 'Spread the sockets over N local source addresses, 127.0.0.1 to 127.0.0.N, round-robin (each has its own ephemeral ports, about 28,000 towards one daemon address); the daemon must be at an IPv4 loopback address')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'With --scenario: write the run''s report as one self-contained HTML page (charts of throughput, latency, errors, connections, daemon memory and CPU, client CPU)')
            [CompletionResult]::new('--report-png', '--report-png', [CompletionResultType]::ParameterName, 'With --scenario: write the report''s main chart (throughput and p99 latency per operation) as a 1200x600 PNG, for READMEs and issues')
            [CompletionResult]::new('--report-json', '--report-json', [CompletionResultType]::ParameterName, 'With --scenario: also save the run''s report as JSON in this file (`cpl report FILE` renders it again)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--cleanup', '--cleanup', [CompletionResultType]::ParameterName, 'Erase the users this run registered once it is over (admin token); the run file is removed when all are gone')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;race' {
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'The event to race in [default: a new event created by the first racer]')
            [CompletionResult]::new('--users', '--users', [CompletionResultType]::ParameterName, 'How many users race (each registered for the run)')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'With --wait, how long to wait for the drop')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for every claim''s answer once the drop is out')
            [CompletionResult]::new('--rarity', '--rarity', [CompletionResultType]::ParameterName, 'Rarity of the dropped collectible [default: drawn from the catalogue''s odds]')
            [CompletionResult]::new('--expires-in', '--expires-in', [CompletionResultType]::ParameterName, 'Seconds the dropped collectible stays claimable')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Registrations, joins, connections and (with --cleanup) erasures in flight at once')
            [CompletionResult]::new('--run-file', '--run-file', [CompletionResultType]::ParameterName, 'Write the ids of the users this run registers here [default: a new file under cpl''s data directory, e.g. ~/.local/share/citypulse/runs/]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait for the daemon''s next scheduled drop in the event instead of dropping one (no admin token needed)')
            [CompletionResult]::new('--cleanup', '--cleanup', [CompletionResultType]::ParameterName, 'Erase the users this run registered once it is over (admin token); the run file is removed when all are gone')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;report' {
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Write the HTML page here [default: FILE with .html, when --png is not given either]')
            [CompletionResult]::new('--png', '--png', [CompletionResultType]::ParameterName, 'Write the PNG of the main chart (1200x600: throughput and p99 latency) here')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;transcribe' {
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'The event whose room gets the captions')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Stream this WAV file (any rate, channels, 8 to 32-bit) instead of the microphone')
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Capture from this input device: a name, or a unique part of one (see --list-devices)')
            [CompletionResult]::new('--language', '--language', [CompletionResultType]::ParameterName, 'Language spoken, e.g. es, es-419, en-US [default: the daemon''s, es]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--fast', '--fast', [CompletionResultType]::ParameterName, 'With --file: send as fast as possible instead of in real time (Deepgram itself accepts at most 1.25x real time)')
            [CompletionResult]::new('--list-devices', '--list-devices', [CompletionResultType]::ParameterName, 'List the audio input devices and exit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;config' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the settings and saved profiles (tokens masked)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a key: url, profile or admin_token')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove a key (url, profile or admin_token), or a saved profile with --profile-name')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;config;path' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;config;show' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;config;set' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;config;unset' {
            [CompletionResult]::new('--profile-name', '--profile-name', [CompletionResultType]::ParameterName, 'Forget this saved profile instead')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;config;help' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the settings and saved profiles (tokens masked)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a key: url, profile or admin_token')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove a key (url, profile or admin_token), or a saved profile with --profile-name')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;config;help;path' {
            break
        }
        'cpl;config;help;show' {
            break
        }
        'cpl;config;help;set' {
            break
        }
        'cpl;config;help;unset' {
            break
        }
        'cpl;config;help;help' {
            break
        }
        'cpl;completions' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;man' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;gen-docs' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The repository root holding completions/ and man/')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Saved user to act as [default: `profile` in the config file, else "default"]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; auto is a table on a terminal and plain tab-separated text otherwise')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Change nothing; fail if any file differs from what would be generated')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (the contract''s types; JSON lines for streams); same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the data: no notes, no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr: the daemon, the profile, timings')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpl;help' {
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Check that the daemon is up: store, version, video and transcription')
            [CompletionResult]::new('register', 'register', [CompletionResultType]::ParameterValue, 'Register a user and save their token under the profile')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in with a code texted to your phone and save the token under the profile')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Sign this profile''s device out: revoke its token and forget it')
            [CompletionResult]::new('sessions', 'sessions', [CompletionResultType]::ParameterValue, 'List the devices signed in as you, or sign one out')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show the profile''s user')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Look up users, their collectibles; list users and reset tokens (admin)')
            [CompletionResult]::new('events', 'events', [CompletionResultType]::ParameterValue, 'Create, find, join, leave and end events; list participants and messages')
            [CompletionResult]::new('collectibles', 'collectibles', [CompletionResultType]::ParameterValue, 'List, claim and (admin) drop collectibles')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Connect the WebSocket and print every server message as it arrives')
            [CompletionResult]::new('chat', 'chat', [CompletionResultType]::ParameterValue, 'Chat in an event''s room: interactive, or one message with --message')
            [CompletionResult]::new('location', 'location', [CompletionResultType]::ParameterValue, 'Send one location update and print the events nearby')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Simulate a crowd: N users walking around a centre, sending location updates')
            [CompletionResult]::new('race', 'race', [CompletionResultType]::ParameterValue, 'Race N users for one collectible and check that exactly one wins')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render a saved scenario run as an HTML page with charts and/or a PNG of its main chart')
            [CompletionResult]::new('transcribe', 'transcribe', [CompletionResultType]::ParameterValue, 'Stream speech to an event''s live captions: the microphone, or a WAV file with --file')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show and change cpl''s configuration and saved profiles')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages (cpl.1 and one per subcommand), or print cpl.1')
            [CompletionResult]::new('gen-docs', 'gen-docs', [CompletionResultType]::ParameterValue, 'Regenerate the committed completions/ and man/ (for maintainers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpl;help;health' {
            break
        }
        'cpl;help;register' {
            break
        }
        'cpl;help;login' {
            break
        }
        'cpl;help;logout' {
            break
        }
        'cpl;help;sessions' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the devices signed in as the profile''s user, oldest first')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Sign one device out: its token stops working and its sockets close')
            break
        }
        'cpl;help;sessions;list' {
            break
        }
        'cpl;help;sessions;revoke' {
            break
        }
        'cpl;help;whoami' {
            break
        }
        'cpl;help;users' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a user''s public profile (the phone too for yourself or with the admin token)')
            [CompletionResult]::new('collectibles', 'collectibles', [CompletionResultType]::ParameterValue, 'List the collectibles a user won, newest first [default: yours]')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List users, newest first, a page at a time (admin token)')
            [CompletionResult]::new('reset-token', 'reset-token', [CompletionResultType]::ParameterValue, 'Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Erase users: phone and name gone, token revoked, sockets closed; their messages stay as "deleted user" unless --purge (admin token, or your own user)')
            break
        }
        'cpl;help;users;show' {
            break
        }
        'cpl;help;users;collectibles' {
            break
        }
        'cpl;help;users;list' {
            break
        }
        'cpl;help;users;reset-token' {
            break
        }
        'cpl;help;users;delete' {
            break
        }
        'cpl;help;events' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an event at a position (you become its creator, not a participant)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an event')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List events newest first, filtered, a page at a time (ended or every status: admin token)')
            [CompletionResult]::new('nearby', 'nearby', [CompletionResultType]::ParameterValue, 'List active events near a position, nearest first')
            [CompletionResult]::new('join', 'join', [CompletionResultType]::ParameterValue, 'Join an event''s room; prints the video room URL and meeting token when video is on')
            [CompletionResult]::new('leave', 'leave', [CompletionResultType]::ParameterValue, 'Leave an event''s room')
            [CompletionResult]::new('end', 'end', [CompletionResultType]::ParameterValue, 'End an event you created, or any event with --admin; its room hears `event_ended`')
            [CompletionResult]::new('participants', 'participants', [CompletionResultType]::ParameterValue, 'List who is in an event''s room now')
            [CompletionResult]::new('messages', 'messages', [CompletionResultType]::ParameterValue, 'Show an event''s chat history, newest first; `messages delete` removes one')
            [CompletionResult]::new('transcripts', 'transcripts', [CompletionResultType]::ParameterValue, 'Show an event''s stored transcript (final captions), newest first')
            break
        }
        'cpl;help;events;create' {
            break
        }
        'cpl;help;events;show' {
            break
        }
        'cpl;help;events;list' {
            break
        }
        'cpl;help;events;nearby' {
            break
        }
        'cpl;help;events;join' {
            break
        }
        'cpl;help;events;leave' {
            break
        }
        'cpl;help;events;end' {
            break
        }
        'cpl;help;events;participants' {
            break
        }
        'cpl;help;events;messages' {
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove a message from an event''s history (yours, or anyone''s with --admin); the room hears `message_deleted`')
            break
        }
        'cpl;help;events;messages;delete' {
            break
        }
        'cpl;help;events;transcripts' {
            break
        }
        'cpl;help;collectibles' {
            [CompletionResult]::new('active', 'active', [CompletionResultType]::ParameterValue, 'List an event''s unclaimed, unexpired collectibles')
            [CompletionResult]::new('claim', 'claim', [CompletionResultType]::ParameterValue, 'Try to win a collectible (you must be in its event''s room); exit 1 when lost')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Drop a collectible into an event now (admin token); its room hears `collectible_drop`')
            break
        }
        'cpl;help;collectibles;active' {
            break
        }
        'cpl;help;collectibles;claim' {
            break
        }
        'cpl;help;collectibles;drop' {
            break
        }
        'cpl;help;watch' {
            break
        }
        'cpl;help;chat' {
            break
        }
        'cpl;help;location' {
            break
        }
        'cpl;help;simulate' {
            break
        }
        'cpl;help;race' {
            break
        }
        'cpl;help;report' {
            break
        }
        'cpl;help;transcribe' {
            break
        }
        'cpl;help;config' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the settings and saved profiles (tokens masked)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a key: url, profile or admin_token')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove a key (url, profile or admin_token), or a saved profile with --profile-name')
            break
        }
        'cpl;help;config;path' {
            break
        }
        'cpl;help;config;show' {
            break
        }
        'cpl;help;config;set' {
            break
        }
        'cpl;help;config;unset' {
            break
        }
        'cpl;help;completions' {
            break
        }
        'cpl;help;man' {
            break
        }
        'cpl;help;gen-docs' {
            break
        }
        'cpl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
