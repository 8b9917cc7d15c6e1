
use builtin;
use str;

set edit:completion:arg-completer[cpl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'cpl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'cpl'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand health 'Check that the daemon is up: store, version, video and transcription'
            cand register 'Register a user and save their token under the profile'
            cand login 'Sign in with a code texted to your phone and save the token under the profile'
            cand logout 'Sign this profile''s device out: revoke its token and forget it'
            cand sessions 'List the devices signed in as you, or sign one out'
            cand whoami 'Show the profile''s user'
            cand users 'Look up users, their collectibles; list users and reset tokens (admin)'
            cand events 'Create, find, join, leave and end events; list participants and messages'
            cand collectibles 'List, claim and (admin) drop collectibles'
            cand watch 'Connect the WebSocket and print every server message as it arrives'
            cand chat 'Chat in an event''s room: interactive, or one message with --message'
            cand location 'Send one location update and print the events nearby'
            cand simulate 'Simulate a crowd: N users walking around a centre, sending location updates'
            cand race 'Race N users for one collectible and check that exactly one wins'
            cand report 'Render a saved scenario run as an HTML page with charts and/or a PNG of its main chart'
            cand transcribe 'Stream speech to an event''s live captions: the microphone, or a WAV file with --file'
            cand config 'Show and change cpl''s configuration and saved profiles'
            cand completions 'Print a shell completion script'
            cand man 'Write man pages (cpl.1 and one per subcommand), or print cpl.1'
            cand gen-docs 'Regenerate the committed completions/ and man/ (for maintainers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;health'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;register'= {
            cand --phone 'Phone number in international form, e.g. +573001234567 (spaces and dashes are fine)'
            cand --name 'Display name, 1 to 80 characters'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --no-save 'Do not save the token (print it with --json only)'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;login'= {
            cand --phone 'Phone number in international form, e.g. +573001234567; a code is texted to it'
            cand --code 'The code from the SMS, for scripts (else it is asked for on the terminal)'
            cand --name 'Display name, needed only when the phone has no account yet'
            cand --label 'What to call this device in the session list [default: cpl''s User-Agent]'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --no-save 'Do not save the token (print it with --json only)'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;logout'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;sessions'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the devices signed in as the profile''s user, oldest first'
            cand revoke 'Sign one device out: its token stops working and its sockets close'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;sessions;list'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;sessions;revoke'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;sessions;help'= {
            cand list 'List the devices signed in as the profile''s user, oldest first'
            cand revoke 'Sign one device out: its token stops working and its sockets close'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;sessions;help;list'= {
        }
        &'cpl;sessions;help;revoke'= {
        }
        &'cpl;sessions;help;help'= {
        }
        &'cpl;whoami'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;users'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Show a user''s public profile (the phone too for yourself or with the admin token)'
            cand collectibles 'List the collectibles a user won, newest first [default: yours]'
            cand list 'List users, newest first, a page at a time (admin token)'
            cand reset-token 'Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]'
            cand delete 'Erase users: phone and name gone, token revoked, sockets closed; their messages stay as "deleted user" unless --purge (admin token, or your own user)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;users;show'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;users;collectibles'= {
            cand --limit 'Collectibles per page, 1 to 1000'
            cand --cursor 'Start at this page: the cursor a previous listing printed'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --all 'Follow the cursors: every page, from the first (or from --cursor) to the last'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;users;list'= {
            cand --limit 'Users per page, 1 to 1000'
            cand --cursor 'Start at this page: the cursor a previous listing printed'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --all 'Follow the cursors: every page, from the first (or from --cursor) to the last'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;users;reset-token'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;users;delete'= {
            cand --created-by-run 'Erase the users listed in this run file (written by `cpl race` / `cpl simulate`)'
            cand --concurrency 'Erasures in flight at once'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --purge 'Also remove their chat messages and transcript segments'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;users;help'= {
            cand show 'Show a user''s public profile (the phone too for yourself or with the admin token)'
            cand collectibles 'List the collectibles a user won, newest first [default: yours]'
            cand list 'List users, newest first, a page at a time (admin token)'
            cand reset-token 'Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]'
            cand delete 'Erase users: phone and name gone, token revoked, sockets closed; their messages stay as "deleted user" unless --purge (admin token, or your own user)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;users;help;show'= {
        }
        &'cpl;users;help;collectibles'= {
        }
        &'cpl;users;help;list'= {
        }
        &'cpl;users;help;reset-token'= {
        }
        &'cpl;users;help;delete'= {
        }
        &'cpl;users;help;help'= {
        }
        &'cpl;events'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Create an event at a position (you become its creator, not a participant)'
            cand show 'Show an event'
            cand list 'List events newest first, filtered, a page at a time (ended or every status: admin token)'
            cand nearby 'List active events near a position, nearest first'
            cand join 'Join an event''s room; prints the video room URL and meeting token when video is on'
            cand leave 'Leave an event''s room'
            cand end 'End an event you created, or any event with --admin; its room hears `event_ended`'
            cand participants 'List who is in an event''s room now'
            cand messages 'Show an event''s chat history, newest first; `messages delete` removes one'
            cand transcripts 'Show an event''s stored transcript (final captions), newest first'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;events;create'= {
            cand --title 'Title, 1 to 120 characters'
            cand --category 'Category, e.g. culture, sports, protest (stored lower-case)'
            cand --lng 'Longitude, -180 to 180'
            cand --lat 'Latitude, -90 to 90'
            cand --address 'Street address, free text'
            cand --description 'Description, up to 2000 characters'
            cand --starts-at 'Planned start (RFC 3339)'
            cand --ends-at 'Planned end (RFC 3339)'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;events;show'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;events;list'= {
            cand --status 'Which events: ended and all need the admin token'
            cand --category 'Only this category'
            cand --creator 'Only events this user created'
            cand --bbox 'Only events inside this box: minLng,minLat,maxLng,maxLat'
            cand --created-after 'Only events created after this time (RFC 3339)'
            cand --created-before 'Only events created before this time (RFC 3339)'
            cand --limit 'Events per page, 1 to 100'
            cand --cursor 'Start at this page: the cursor a previous listing printed'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --all 'Follow the cursors: every page, from the first (or from --cursor) to the last'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;events;nearby'= {
            cand --lng 'Longitude of the centre'
            cand --lat 'Latitude of the centre'
            cand --radius 'Radius in metres, 1 to 50000 [default: 5000]'
            cand --limit 'At most this many events, 1 to 100 [default: 20]'
            cand --category 'Only this category'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;events;join'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;events;leave'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;events;end'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --admin 'End it as a moderator with the daemon''s admin token (CPL_ADMIN_TOKEN or `admin_token` in the config): any event, whoever created it'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;events;participants'= {
            cand --limit 'Participants per page, 1 to 1000'
            cand --cursor 'Start at this page: the cursor a previous listing printed'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --all 'Follow the cursors: every page, from the first (or from --cursor) to the last'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;events;messages'= {
            cand --limit 'At most this many entries (1 to 200)'
            cand --before 'Only entries older than this time (RFC 3339, e.g. 2026-11-25T14:03:00Z): the previous page''s last timestamp'
            cand --before-id 'With --before, the previous page''s last id: the page starts right after it, so entries sharing its millisecond are not skipped'
            cand --cursor 'Start at this page: the cursor a previous listing printed'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --all 'Follow the cursors: every page, from the first (or from --cursor) to the last'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand delete 'Remove a message from an event''s history (yours, or anyone''s with --admin); the room hears `message_deleted`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;events;messages;delete'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --admin 'Remove it as a moderator with the daemon''s admin token: any message, whoever wrote it'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;events;messages;help'= {
            cand delete 'Remove a message from an event''s history (yours, or anyone''s with --admin); the room hears `message_deleted`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;events;messages;help;delete'= {
        }
        &'cpl;events;messages;help;help'= {
        }
        &'cpl;events;transcripts'= {
            cand --query 'Only segments whose text contains this (case-insensitive, 1 to 200 characters)'
            cand --limit 'At most this many entries (1 to 200)'
            cand --before 'Only entries older than this time (RFC 3339, e.g. 2026-11-25T14:03:00Z): the previous page''s last timestamp'
            cand --before-id 'With --before, the previous page''s last id: the page starts right after it, so entries sharing its millisecond are not skipped'
            cand --cursor 'Start at this page: the cursor a previous listing printed'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --all 'Follow the cursors: every page, from the first (or from --cursor) to the last'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;events;help'= {
            cand create 'Create an event at a position (you become its creator, not a participant)'
            cand show 'Show an event'
            cand list 'List events newest first, filtered, a page at a time (ended or every status: admin token)'
            cand nearby 'List active events near a position, nearest first'
            cand join 'Join an event''s room; prints the video room URL and meeting token when video is on'
            cand leave 'Leave an event''s room'
            cand end 'End an event you created, or any event with --admin; its room hears `event_ended`'
            cand participants 'List who is in an event''s room now'
            cand messages 'Show an event''s chat history, newest first; `messages delete` removes one'
            cand transcripts 'Show an event''s stored transcript (final captions), newest first'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;events;help;create'= {
        }
        &'cpl;events;help;show'= {
        }
        &'cpl;events;help;list'= {
        }
        &'cpl;events;help;nearby'= {
        }
        &'cpl;events;help;join'= {
        }
        &'cpl;events;help;leave'= {
        }
        &'cpl;events;help;end'= {
        }
        &'cpl;events;help;participants'= {
        }
        &'cpl;events;help;messages'= {
            cand delete 'Remove a message from an event''s history (yours, or anyone''s with --admin); the room hears `message_deleted`'
        }
        &'cpl;events;help;messages;delete'= {
        }
        &'cpl;events;help;transcripts'= {
        }
        &'cpl;events;help;help'= {
        }
        &'cpl;collectibles'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand active 'List an event''s unclaimed, unexpired collectibles'
            cand claim 'Try to win a collectible (you must be in its event''s room); exit 1 when lost'
            cand drop 'Drop a collectible into an event now (admin token); its room hears `collectible_drop`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;collectibles;active'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;collectibles;claim'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;collectibles;drop'= {
            cand --name 'Name, 1 to 80 characters [default: one from the catalogue]'
            cand --rarity 'Rarity [default: drawn from the catalogue''s odds]'
            cand --points 'Points, 1 to 10000 [default: the rarity''s]'
            cand --expires-in 'Seconds it stays claimable, 1 to 86400 [default: the daemon''s CPL_DROP_TTL]'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;collectibles;help'= {
            cand active 'List an event''s unclaimed, unexpired collectibles'
            cand claim 'Try to win a collectible (you must be in its event''s room); exit 1 when lost'
            cand drop 'Drop a collectible into an event now (admin token); its room hears `collectible_drop`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;collectibles;help;active'= {
        }
        &'cpl;collectibles;help;claim'= {
        }
        &'cpl;collectibles;help;drop'= {
        }
        &'cpl;collectibles;help;help'= {
        }
        &'cpl;watch'= {
            cand --event 'Join this event''s room first (its chat, drops and claims are then printed too)'
            cand -n 'Stop after this many messages'
            cand --count 'Stop after this many messages'
            cand --timeout 'Stop after this long (30s, 5m, ...)'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;chat'= {
            cand -m 'Send this one message, print it as the room received it, and exit'
            cand --message 'Send this one message, print it as the room received it, and exit'
            cand --timeout 'How long to wait for the echo of a sent message'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;location'= {
            cand --lng 'Longitude, -180 to 180'
            cand --lat 'Latitude, -90 to 90'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;simulate'= {
            cand --users 'Virtual users to register for the run [default: 10; with --scenario, the scenario''s]'
            cand --users-file 'Act as the users saved in this file by --save-users instead of registering new ones'
            cand --save-users 'Save the users (id, name, token) to this file, mode 0600, for a later --users-file'
            cand --events 'Create this many events around the centre; every user joins each [default: 1; with --scenario, the events created over the day, the scenario''s by default]'
            cand --event-ids 'Join these existing events instead of creating some (comma-separated ids)'
            cand --rate 'Location updates per user per second (0.01 to 50)'
            cand --duration 'Stop after this long [default: 10s, or long enough for --count; with --scenario, the length of the day, the scenario''s by default]'
            cand --count 'Stop after this many updates per user (or at --duration, whichever comes first)'
            cand --lng 'Longitude of the centre [default: Plaza de Bolívar, Bogotá]'
            cand --lat 'Latitude of the centre'
            cand --radius 'Users stay within this many metres of the centre'
            cand --speed 'Walking speed, metres per second'
            cand --concurrency 'Registrations, joins, connections and (with --cleanup) erasures in flight at once'
            cand --run-file 'Write the ids of the users this run registers here [default: a new file under cpl''s data directory, e.g. ~/.local/share/citypulse/runs/]'
            cand --seed 'Seed of the random walks (the same seed walks the same paths; with --scenario, the same day)'
            cand --scenario 'Play a synthetic day instead: a built-in scenario''s name (city-day) or a scenario file (TOML; see --print-scenario). --users, --events, --duration and --seed override its bounds'
            cand --print-scenario 'Print a built-in scenario''s file (a template to copy and edit) and exit'
            cand --source-addresses 'Spread the sockets over N local source addresses, 127.0.0.1 to 127.0.0.N, round-robin (each has its own ephemeral ports, about 28,000 towards one daemon address); the daemon must be at an IPv4 loopback address'
            cand --report 'With --scenario: write the run''s report as one self-contained HTML page (charts of throughput, latency, errors, connections, daemon memory and CPU, client CPU)'
            cand --report-png 'With --scenario: write the report''s main chart (throughput and p99 latency per operation) as a 1200x600 PNG, for READMEs and issues'
            cand --report-json 'With --scenario: also save the run''s report as JSON in this file (`cpl report FILE` renders it again)'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --cleanup 'Erase the users this run registered once it is over (admin token); the run file is removed when all are gone'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;race'= {
            cand --event 'The event to race in [default: a new event created by the first racer]'
            cand --users 'How many users race (each registered for the run)'
            cand --wait-timeout 'With --wait, how long to wait for the drop'
            cand --timeout 'How long to wait for every claim''s answer once the drop is out'
            cand --rarity 'Rarity of the dropped collectible [default: drawn from the catalogue''s odds]'
            cand --expires-in 'Seconds the dropped collectible stays claimable'
            cand --concurrency 'Registrations, joins, connections and (with --cleanup) erasures in flight at once'
            cand --run-file 'Write the ids of the users this run registers here [default: a new file under cpl''s data directory, e.g. ~/.local/share/citypulse/runs/]'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --wait 'Wait for the daemon''s next scheduled drop in the event instead of dropping one (no admin token needed)'
            cand --cleanup 'Erase the users this run registered once it is over (admin token); the run file is removed when all are gone'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;report'= {
            cand --html 'Write the HTML page here [default: FILE with .html, when --png is not given either]'
            cand --png 'Write the PNG of the main chart (1200x600: throughput and p99 latency) here'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;transcribe'= {
            cand --event 'The event whose room gets the captions'
            cand --file 'Stream this WAV file (any rate, channels, 8 to 32-bit) instead of the microphone'
            cand --device 'Capture from this input device: a name, or a unique part of one (see --list-devices)'
            cand --language 'Language spoken, e.g. es, es-419, en-US [default: the daemon''s, es]'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --fast 'With --file: send as fast as possible instead of in real time (Deepgram itself accepts at most 1.25x real time)'
            cand --list-devices 'List the audio input devices and exit'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;config'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand path 'Print the config file''s path'
            cand show 'Show the settings and saved profiles (tokens masked)'
            cand set 'Set a key: url, profile or admin_token'
            cand unset 'Remove a key (url, profile or admin_token), or a saved profile with --profile-name'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;config;path'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;config;show'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;config;set'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;config;unset'= {
            cand --profile-name 'Forget this saved profile instead'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;config;help'= {
            cand path 'Print the config file''s path'
            cand show 'Show the settings and saved profiles (tokens masked)'
            cand set 'Set a key: url, profile or admin_token'
            cand unset 'Remove a key (url, profile or admin_token), or a saved profile with --profile-name'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;config;help;path'= {
        }
        &'cpl;config;help;show'= {
        }
        &'cpl;config;help;set'= {
        }
        &'cpl;config;help;unset'= {
        }
        &'cpl;config;help;help'= {
        }
        &'cpl;completions'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;man'= {
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;gen-docs'= {
            cand --root 'The repository root holding completions/ and man/'
            cand --url 'Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]'
            cand --profile 'Saved user to act as [default: `profile` in the config file, else "default"]'
            cand --format 'Output format; auto is a table on a terminal and plain tab-separated text otherwise'
            cand --check 'Change nothing; fail if any file differs from what would be generated'
            cand --json 'Print JSON (the contract''s types; JSON lines for streams); same as --format json'
            cand -q 'Print only the data: no notes, no progress bars'
            cand --quiet 'Print only the data: no notes, no progress bars'
            cand -v 'Say more on stderr: the daemon, the profile, timings'
            cand --verbose 'Say more on stderr: the daemon, the profile, timings'
            cand --no-color 'No colours (also when NO_COLOR is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpl;help'= {
            cand health 'Check that the daemon is up: store, version, video and transcription'
            cand register 'Register a user and save their token under the profile'
            cand login 'Sign in with a code texted to your phone and save the token under the profile'
            cand logout 'Sign this profile''s device out: revoke its token and forget it'
            cand sessions 'List the devices signed in as you, or sign one out'
            cand whoami 'Show the profile''s user'
            cand users 'Look up users, their collectibles; list users and reset tokens (admin)'
            cand events 'Create, find, join, leave and end events; list participants and messages'
            cand collectibles 'List, claim and (admin) drop collectibles'
            cand watch 'Connect the WebSocket and print every server message as it arrives'
            cand chat 'Chat in an event''s room: interactive, or one message with --message'
            cand location 'Send one location update and print the events nearby'
            cand simulate 'Simulate a crowd: N users walking around a centre, sending location updates'
            cand race 'Race N users for one collectible and check that exactly one wins'
            cand report 'Render a saved scenario run as an HTML page with charts and/or a PNG of its main chart'
            cand transcribe 'Stream speech to an event''s live captions: the microphone, or a WAV file with --file'
            cand config 'Show and change cpl''s configuration and saved profiles'
            cand completions 'Print a shell completion script'
            cand man 'Write man pages (cpl.1 and one per subcommand), or print cpl.1'
            cand gen-docs 'Regenerate the committed completions/ and man/ (for maintainers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpl;help;health'= {
        }
        &'cpl;help;register'= {
        }
        &'cpl;help;login'= {
        }
        &'cpl;help;logout'= {
        }
        &'cpl;help;sessions'= {
            cand list 'List the devices signed in as the profile''s user, oldest first'
            cand revoke 'Sign one device out: its token stops working and its sockets close'
        }
        &'cpl;help;sessions;list'= {
        }
        &'cpl;help;sessions;revoke'= {
        }
        &'cpl;help;whoami'= {
        }
        &'cpl;help;users'= {
            cand show 'Show a user''s public profile (the phone too for yourself or with the admin token)'
            cand collectibles 'List the collectibles a user won, newest first [default: yours]'
            cand list 'List users, newest first, a page at a time (admin token)'
            cand reset-token 'Give a user a new token, revoking the old one (admin token, or your own user) [default: yours]'
            cand delete 'Erase users: phone and name gone, token revoked, sockets closed; their messages stay as "deleted user" unless --purge (admin token, or your own user)'
        }
        &'cpl;help;users;show'= {
        }
        &'cpl;help;users;collectibles'= {
        }
        &'cpl;help;users;list'= {
        }
        &'cpl;help;users;reset-token'= {
        }
        &'cpl;help;users;delete'= {
        }
        &'cpl;help;events'= {
            cand create 'Create an event at a position (you become its creator, not a participant)'
            cand show 'Show an event'
            cand list 'List events newest first, filtered, a page at a time (ended or every status: admin token)'
            cand nearby 'List active events near a position, nearest first'
            cand join 'Join an event''s room; prints the video room URL and meeting token when video is on'
            cand leave 'Leave an event''s room'
            cand end 'End an event you created, or any event with --admin; its room hears `event_ended`'
            cand participants 'List who is in an event''s room now'
            cand messages 'Show an event''s chat history, newest first; `messages delete` removes one'
            cand transcripts 'Show an event''s stored transcript (final captions), newest first'
        }
        &'cpl;help;events;create'= {
        }
        &'cpl;help;events;show'= {
        }
        &'cpl;help;events;list'= {
        }
        &'cpl;help;events;nearby'= {
        }
        &'cpl;help;events;join'= {
        }
        &'cpl;help;events;leave'= {
        }
        &'cpl;help;events;end'= {
        }
        &'cpl;help;events;participants'= {
        }
        &'cpl;help;events;messages'= {
            cand delete 'Remove a message from an event''s history (yours, or anyone''s with --admin); the room hears `message_deleted`'
        }
        &'cpl;help;events;messages;delete'= {
        }
        &'cpl;help;events;transcripts'= {
        }
        &'cpl;help;collectibles'= {
            cand active 'List an event''s unclaimed, unexpired collectibles'
            cand claim 'Try to win a collectible (you must be in its event''s room); exit 1 when lost'
            cand drop 'Drop a collectible into an event now (admin token); its room hears `collectible_drop`'
        }
        &'cpl;help;collectibles;active'= {
        }
        &'cpl;help;collectibles;claim'= {
        }
        &'cpl;help;collectibles;drop'= {
        }
        &'cpl;help;watch'= {
        }
        &'cpl;help;chat'= {
        }
        &'cpl;help;location'= {
        }
        &'cpl;help;simulate'= {
        }
        &'cpl;help;race'= {
        }
        &'cpl;help;report'= {
        }
        &'cpl;help;transcribe'= {
        }
        &'cpl;help;config'= {
            cand path 'Print the config file''s path'
            cand show 'Show the settings and saved profiles (tokens masked)'
            cand set 'Set a key: url, profile or admin_token'
            cand unset 'Remove a key (url, profile or admin_token), or a saved profile with --profile-name'
        }
        &'cpl;help;config;path'= {
        }
        &'cpl;help;config;show'= {
        }
        &'cpl;help;config;set'= {
        }
        &'cpl;help;config;unset'= {
        }
        &'cpl;help;completions'= {
        }
        &'cpl;help;man'= {
        }
        &'cpl;help;gen-docs'= {
        }
        &'cpl;help;help'= {
        }
    ]
    $completions[$command]
}
