use std::process::ExitCode;

// The system allocator: mimalloc was measured against it on the real corpus
// (docs/PERFORMANCE.md) and kept a third more memory resident for no gain
// in time, so the binary does without it.

fn main() -> ExitCode {
    custodia::cli::run()
}
