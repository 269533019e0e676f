//! The `cnkg` binary: a thin shell over the library.

use std::process::ExitCode;

use clap::Parser;
use cnkg::cli::{run, Cli, Status};

// mimalloc: graphs are millions of small strings and maps; it allocates and
// frees them several times faster than the system allocator. Built without
// transparent huge pages (feature `no_thp`): with them, each fresh or purged
// region is faulted in and zeroed 2 MB at a time, which cost about a tenth
// of a build's processor time and 50 MB of peak memory.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ctrl-C while an output is being written removes its temporary file
    let _ = cnkg::export::clean_up_on_interrupt();
    match run(cli) {
        Ok(status) => status.into(),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            Status::Error.into()
        }
    }
}
