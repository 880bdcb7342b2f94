//! The `fwsweep` command: parses arguments, runs a subcommand, and maps
//! errors to exit codes (0 done, 1 findings at or above --fail-on, 2 usage
//! or input error, 3 the sweep could not run).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
