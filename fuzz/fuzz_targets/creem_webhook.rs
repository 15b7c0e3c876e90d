#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| atelier_fuzz::targets::creem_webhook::run(data));
