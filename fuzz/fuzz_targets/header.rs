#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| keycellar_fuzz::header(data));
