//! The command-line definition: global flags and one subcommand per module of
//! [`crate::commands`]. Help, man pages and completions are all generated from this.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::{
    chat, collectibles, completions, config, events, gen_docs, location, login, man, race,
    register, report, simulate, users, watch,
};

/// The CityPulse Live command line: drive a `cpld` daemon as a user, an admin or a crowd.
#[derive(Parser, Debug)]
#[command(
    name = "cpl",
    version,
    propagate_version = true,
    max_term_width = 100,
    long_about = "The CityPulse Live command line: drive a `cpld` daemon as a user, an admin or a crowd.\n\n\
Register and save users under profiles, create, join and end civic events, chat in event rooms, \
watch live messages, claim and drop collectibles, and script load (`cpl simulate`) and claim \
races (`cpl race`). Every command that prints data takes --json and then prints the \
CityPulse contract's own JSON shapes.",
    after_long_help = "Exit status: 0 success, 1 the daemon said no (its sentence is printed), \
2 usage error, 3 the daemon cannot be reached.\n\n\
Environment: CPL_URL (daemon URL), CPL_PROFILE (profile), CPL_TOKEN (a user token, overriding the \
profile's), CPL_ADMIN_TOKEN (the daemon's admin token), CPL_CONFIG_DIR (config directory), NO_COLOR."
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Global options", next_display_order = 900)]
pub struct GlobalArgs {
    /// Daemon to talk to [default: `url` in the config file, else http://127.0.0.1:8000]
    #[arg(
        long,
        global = true,
        env = "CPL_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub url: Option<String>,
    /// Saved user to act as [default: `profile` in the config file, else "default"]
    #[arg(
        long,
        global = true,
        env = "CPL_PROFILE",
        hide_env_values = true,
        value_name = "NAME"
    )]
    pub profile: Option<String>,
    /// Print JSON (the contract's types; JSON lines for streams); same as --format json
    #[arg(long, global = true)]
    pub json: bool,
    /// Output format; auto is a table on a terminal and plain tab-separated text otherwise
    #[arg(long, global = true, value_enum, default_value_t = Format::Auto, value_name = "FORMAT")]
    pub format: Format,
    /// Print only the data: no notes, no progress bars
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more on stderr: the daemon, the profile, timings
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// No colours (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// How data is printed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A table on a terminal, plain text when piped.
    Auto,
    /// Tables.
    Table,
    /// Tab-separated lines.
    Plain,
    /// JSON.
    Json,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check that the daemon is up: store, version, video and transcription
    Health,
    /// Register a user and save their token under the profile
    Register(register::Args),
    /// Sign in with a code texted to your phone and save the token under the profile
    Login(login::LoginArgs),
    /// Sign this profile's device out: revoke its token and forget it
    Logout,
    /// List the devices signed in as you, or sign one out
    #[command(subcommand)]
    Sessions(login::SessionsCommand),
    /// Show the profile's user
    Whoami,
    /// Look up users, their collectibles; list users and reset tokens (admin)
    #[command(subcommand)]
    Users(users::Command),
    /// Create, find, join, leave and end events; list participants and messages
    #[command(subcommand)]
    Events(events::Command),
    /// List, claim and (admin) drop collectibles
    #[command(subcommand)]
    Collectibles(collectibles::Command),
    /// Connect the WebSocket and print every server message as it arrives
    Watch(watch::Args),
    /// Chat in an event's room: interactive, or one message with --message
    Chat(chat::Args),
    /// Send one location update and print the events nearby
    Location(location::Args),
    /// Simulate a crowd: N users walking around a centre, sending location updates
    Simulate(simulate::Args),
    /// Race N users for one collectible and check that exactly one wins
    Race(race::Args),
    /// Render a saved scenario run as an HTML page with charts and/or a PNG of its main chart
    Report(report::Args),
    /// Stream speech to an event's live captions: the microphone, or a WAV file with --file
    Transcribe(crate::transcribe::TranscribeArgs),
    /// Show and change cpl's configuration and saved profiles
    #[command(subcommand)]
    Config(config::Command),
    /// Print a shell completion script
    Completions(completions::Args),
    /// Write man pages (cpl.1 and one per subcommand), or print cpl.1
    Man(man::Args),
    /// Regenerate the committed completions/ and man/ (for maintainers)
    #[command(hide = true)]
    GenDocs(gen_docs::Args),
}

#[cfg(test)]
mod tests {
    /// clap's own checks of the definition (unique short options, valid relations between
    /// arguments), which otherwise only run when a command is parsed.
    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
