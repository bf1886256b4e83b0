//! `mesh`: the Atomic Mesh relayer, operator, bundle, dispute, devnet and demo commands.
mod cli;
mod commands;
mod hub;
mod report;

fn main() -> std::process::ExitCode {
    match cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // one message: the chain of causes on one line, each said once, no backtrace
            eprintln!("error: {}", report::one_line(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
