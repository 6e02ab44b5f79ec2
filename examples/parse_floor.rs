//! The least parsing a run must do: the wall time of tree-sitter parsing a list of files
//! (paths on standard input, one a line) and nothing else, on the same worker threads
//! pyleak-fix uses. `benches/compare.py --floor` feeds it the files that get a fix and
//! the files with findings, to set beside ruff's whole run.
//!
//!     find DIR -name '*.py' | cargo run --release --example parse_floor

use std::io::BufRead;
use std::time::Instant;

use rayon::prelude::*;

fn main() {
    let paths: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .filter(|line| !line.is_empty())
        .collect();
    let texts: Vec<Vec<u8>> = paths
        .iter()
        .map(|path| std::fs::read(path).unwrap_or_else(|error| panic!("{path}: {error}")))
        .collect();
    let bytes: usize = texts.iter().map(Vec::len).sum();
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    texts.par_iter().for_each(|text| {
        thread_local! {
            static PARSER: std::cell::RefCell<tree_sitter::Parser> = std::cell::RefCell::new({
                let mut parser = tree_sitter::Parser::new();
                parser
                    .set_language(&tree_sitter_python::LANGUAGE.into())
                    .expect("tree-sitter-python matches tree-sitter");
                parser
            });
        }
        PARSER.with(|parser| {
            let tree = parser
                .borrow_mut()
                .parse(text, None)
                .expect("no timeout is set");
            std::hint::black_box(tree.root_node().has_error());
        });
    });
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    println!(
        "{} files, {:.1} MB: parse only {wall:.3} s wall, {cpu:.3} s CPU ({:.1} MB/s per CPU second)",
        texts.len(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / cpu
    );
}

/// User plus system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
