//! Fuzzes UDT files (`udt::read_all`): a lone `UDCal_NN.xml`, or a ZIP of NUL-separated pieces.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = preau_fuzz::udt(data);
});
