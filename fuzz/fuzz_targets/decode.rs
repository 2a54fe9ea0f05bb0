//! UTF-16 sniffing and decoding and the chunked reader on arbitrary bytes.
#![no_main]
use akscan::source::decode::{self, TextEncoding};
use akscan::source::read::ChunkReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (_, bom) = decode::sniff(data);
    let mut out = Vec::new();
    decode::decode_utf16(&data[bom..], TextEncoding::Utf16Le, &mut out);
    assert!(std::str::from_utf8(&out).is_ok());
    out.clear();
    decode::decode_utf16(&data[bom..], TextEncoding::Utf16Be, &mut out);
    assert!(std::str::from_utf8(&out).is_ok());
    let mut covered = 0usize;
    let mut r = ChunkReader::new(256, 32);
    r.read(data, u64::MAX, true, |c| covered += c.report.len()).unwrap();
});
