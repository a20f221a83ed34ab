//! `edgesh`: the router shell. `edgesh golden ...` runs golden transcripts.

/// mimalloc: loading a large configuration is mostly small allocations
/// (names, keys, parse paths); it halves their cost against glibc malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = if args.first().map(String::as_str) == Some("golden") {
        edgesh_golden::cli(&args[1..])
    } else {
        edgesh_shell::cli::run(&args)
    };
    std::process::exit(code);
}
