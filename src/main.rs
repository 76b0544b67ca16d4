use std::process::ExitCode;

// Each file's syntax tree and IR are built and dropped in turn: many small,
// short-lived allocations. mimalloc serves them from thread-local pages, for
// Rust and (below) for tree-sitter's C code alike.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    use_mimalloc_for_tree_sitter();
    custodia::cli::run()
}

fn use_mimalloc_for_tree_sitter() {
    use libmimalloc_sys::{mi_calloc, mi_free, mi_malloc, mi_realloc};
    // SAFETY: called once, before any tree-sitter object exists, with
    // functions that have the C allocator's signatures and semantics.
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: mi_malloc,
            calloc: mi_calloc,
            realloc: mi_realloc,
            free: mi_free,
        }));
    }
}
