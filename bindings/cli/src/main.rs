//! `vqueue`: the command line face of the v-queue engine (see the library).

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(vqueue_cli::main(std::env::args_os().skip(1)))
}
