//! Fuzzes Pronote identifier CSV tables (`pronote_ids::read_all`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = preau_fuzz::pronote_ids(data);
});
