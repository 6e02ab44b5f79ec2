use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors exit 2 from inside `parse`, as clap does.
    let args = pyleak_fix::cli::Args::parse();
    pyleak_fix::run::main(args).into()
}
