use std::process::ExitCode;

fn main() -> ExitCode {
    // Usage errors exit 2 from inside `parse`, as clap does.
    let command = pyleak_fix::cli::parse();
    pyleak_fix::run::run(command).into()
}
