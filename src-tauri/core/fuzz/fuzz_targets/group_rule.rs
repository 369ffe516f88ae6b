//! Fuzzes a group's rule text (`groups::Rule::parse`), read back from its written form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = preau_fuzz::group_rule(data);
});
