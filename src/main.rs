//! Entry point of the `fwsweep` command. It parses arguments, runs a
//! subcommand and maps the result to an exit code: 0 done, 1 findings at or
//! above --fail-on or unread targets with --strict, 2 usage or input error,
//! 3 the sweep could not run.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
