//! Fuzzes ENT directory CSV exports (`ent_directory::read_all`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = preau_fuzz::ent_directory(data);
});
