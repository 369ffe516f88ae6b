//! Fuzzes a members CSV (`groups::csv::people_from_csv`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = preau_fuzz::group_csv(data);
});
