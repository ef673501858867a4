// Writes one wrapper instantiation per builtin slot (see `guard` in src/lib.rs): a builtin is a
// plain function pointer, so each wrapped builtin needs a function of its own.
use std::fmt::Write as _;

const SLOTS: usize = 1024;

fn main() {
    let mut s = String::new();
    writeln!(s, "pub(crate) const SLOTS: usize = {SLOTS};").unwrap();
    writeln!(s, "pub(crate) static WRAPPERS: [BuiltinFn; SLOTS] = [").unwrap();
    for i in 0..SLOTS {
        writeln!(s, "    guarded::<{i}>,").unwrap();
    }
    writeln!(s, "];").unwrap();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("wrappers.rs");
    std::fs::write(out, s).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
