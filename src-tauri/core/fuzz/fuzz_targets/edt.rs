//! Fuzzes EDT exports (`edt::read_all`), plain or in a one-entry ZIP.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = preau_fuzz::edt(data);
});
