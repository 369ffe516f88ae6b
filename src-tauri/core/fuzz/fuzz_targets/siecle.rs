//! Fuzzes SIECLE BEE exports (`siecle::read_all`), plain or in a one-entry ZIP.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = preau_fuzz::siecle(data);
});
