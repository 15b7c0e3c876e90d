#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| atelier_fuzz::targets::upload::run(data));
