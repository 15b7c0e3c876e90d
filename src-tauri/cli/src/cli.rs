//! The arguments: one subcommand per thing a script does, global options for where the service
//! and the library are, and `--json` for machines.

use std::path::PathBuf;

use atelier_client::DEFAULT_API_URL;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::EXIT_STATUSES;

const ABOUT: &str = "Make AI images with Atelier from the command line";

const LONG_ABOUT: &str = "\
Make AI images with Atelier from the command line.

`atelier` is the desktop app's account, library and cache without the window: it signs in to
the same keychain entry, keeps its images in the same data folder, and what it makes shows up
in the desktop gallery (and the other way round). Results go to stdout, one per line (or one
JSON document with --json); progress and errors go to stderr.";

const AFTER_LONG_HELP: &str = "\
Examples:
  atelier login ada@example.com
  atelier generate \"a lighthouse in the fog, oil painting\" -n 4 -o out/
  atelier batch prompts.txt --concurrency 3 -o out/
  atelier search lighthouse --json | jq -r '.items[].image_id'
  atelier completions zsh > ~/.zfunc/_atelier";

#[derive(Debug, Parser)]
#[command(
    name = "atelier",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXIT_STATUSES,
    after_long_help = format!("{AFTER_LONG_HELP}\n\n{EXIT_STATUSES}"),
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The Atelier service (the desktop app's setting)
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "ATELIER_API_URL",
        hide_env_values = true,
        default_value = DEFAULT_API_URL
    )]
    pub server: String,

    /// The library folder shared with the desktop app [default: the OS data folder + Atelier]
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "ATELIER_DATA_DIR",
        hide_env_values = true
    )]
    pub data_dir: Option<PathBuf>,

    /// Print results as one JSON document
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in by email: type the code from the email (or paste its link) at the prompt
    Login(LoginArgs),
    /// Sign out of this computer (the desktop app too: they share the session)
    Logout(LogoutArgs),
    /// Print the signed-in account's email
    Whoami,
    /// Print the credit balance (offline: as last synced)
    Credits(CreditsArgs),
    /// Make images from a prompt, wait for them, and write them as PNGs
    #[command(after_help = "Prints the path of each PNG written, one a line.")]
    Generate(GenerateArgs),
    /// Make images for every line of a file; re-running it skips the lines already done
    #[command(after_long_help = BATCH_HELP)]
    Batch(BatchArgs),
    /// Search the library by prompt (offline: the library on this computer)
    Search(SearchArgs),
    /// Bring the library up to date with the service
    Sync,
    /// Export all of the account's data as one zip (as Settings → Export my data does)
    Export(ExportArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Your email address (asked for when left out)
    pub email: Option<String>,
    /// The language of the sign-in email [default: from LANG]
    #[arg(long, value_enum)]
    pub language: Option<LanguageArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LanguageArg {
    #[value(name = "en")]
    English,
    #[value(name = "zh-CN")]
    SimplifiedChinese,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// End every session of the account, on every device
    #[arg(long)]
    pub everywhere: bool,
}

#[derive(Debug, Args)]
pub struct CreditsArgs {
    /// Also print the ledger, newest first: time, amount, kind, reference
    #[arg(long)]
    pub ledger: bool,
}

/// What every image request may choose.
#[derive(Debug, Clone, Args)]
pub struct ImageOptions {
    /// The model [default: the service's first]
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// The aspect ratio, like 1:1 or 16:9 [default: the model's first]
    #[arg(long, value_name = "RATIO")]
    pub ratio: Option<String>,
    /// How many images [default: 1]
    #[arg(short = 'n', long = "count", value_name = "1..4",
          value_parser = clap::value_parser!(u32).range(1..=4))]
    pub count: Option<u32>,
    /// Where the PNGs go
    #[arg(short = 'o', long = "output", value_name = "DIR", default_value = ".")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to make
    pub prompt: String,
    #[command(flatten)]
    pub options: ImageOptions,
    /// An image to start from (repeat for several): a PNG, JPEG or WebP file, uploaded, or the id
    /// of an upload or an image of the account. Without --model: the first model that takes them
    #[arg(long = "input", value_name = "FILE_OR_IMAGE_ID")]
    pub inputs: Vec<String>,
}

const BATCH_HELP: &str = "\
The file holds one prompt a line; blank lines and lines starting with # are skipped. A line that
starts with { is a JSON object with the prompt and its own options (the others are the flags'):
  {\"prompt\": \"a red fox\", \"model\": \"seedream-4\", \"ratio\": \"16:9\", \"n\": 2, \"name\": \"fox\"}
With a name the PNGs are NAME.png (NAME-1.png, NAME-2.png… for several), else <image id>.png.
Every line is checked before anything is sent: a mistake changes nothing (exit 2).

Progress is kept in DIR/FILE.atelier-batch.json (DIR is --output, FILE the batch file's name),
written before each request is sent and as each line moves on. Running the same batch again skips
the lines done, waits for generations already made and tries the failed lines again: a line that
was sent is sent again under the same idempotency key, so it is never charged twice, even after a
crash. Prints the path of each PNG written in this run, one a line, as each line finishes (with
--json, one document at the end); a summary goes to stderr. Exits 6 when some lines failed; when
the batch cannot go on (not signed in, out of credits, offline, nowhere to write) it stops with
that error's status, and the lines not made wait for the next run.";

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The file of prompts (one a line, or JSON lines)
    pub file: PathBuf,
    #[command(flatten)]
    pub options: ImageOptions,
    /// How many lines are made at once
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=8))]
    pub concurrency: u32,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words anywhere in the prompt; none lists every image
    pub terms: Vec<String>,
    /// Only favourites
    #[arg(long, visible_alias = "favorites")]
    pub favourites: bool,
    /// At most this many results, newest first
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write the zip
    #[arg(value_name = "FILE.zip")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn counts_outside_one_to_four_are_usage_errors() {
        let parsed = Cli::try_parse_from(["atelier", "generate", "x", "-n", "5"]);
        let e = parsed.err().map(|e| e.exit_code());
        assert_eq!(e, Some(2));
        let ok = Cli::try_parse_from(["atelier", "generate", "x", "-n", "4", "--json"]);
        assert!(ok.is_ok());
    }
}
