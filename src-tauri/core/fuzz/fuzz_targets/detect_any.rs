//! Fuzzes Any bytes: `detect::detect`, then `any::read_any`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = preau_fuzz::detect_any(data);
});
