//! A small mutator for the smoke run (no coverage feedback: that is libFuzzer's job in the long
//! run): byte flips, insertions, deletions, repeats, splices between corpus entries and tokens
//! that JSON and image parsers care about, from a seeded generator so a failure replays.

/// xorshift64*: fast, seedable, good enough to pick mutations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Tokens worth inserting whole: JSON syntax, awkward numbers and strings, field names the
/// parsers look for, image magic numbers.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"false",
    b"0",
    b"-1",
    b"1e999",
    b"-0.0",
    b"18446744073709551616",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"4294967296",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"\"\xc3\xa9\xf0\x9f\x98\x80\"",
    b"\"\"",
    b"\"   \"",
    b"\"0123456789abcdef0123456789abcdef\"",
    b"\"id\":",
    b"\"kind\":",
    b"\"op\":",
    b"\"seq\":",
    b"\"data\":",
    b"\"taskId\":",
    b"\"task_id\":",
    b"\"state\":",
    b"\"success\"",
    b"\"resultJson\":",
    b"\"resultUrls\":",
    b"\"code\":",
    b"\"eventType\":",
    b"\"object\":",
    b"\"order\":",
    b"\"amount\":",
    b"\"checkout.completed\"",
    b"\"refund.created\"",
    b"\"dispute.created\"",
    b"\"email\":",
    b"\"prompt\":",
    b"\"count\":",
    b"\"favourite\":",
    b"\"pack\":",
    b"\"title\":",
    b"\"display_name\":",
    b"\x89PNG\r\n\x1a\n",
    b"IHDR",
    b"IDAT",
    b"IEND",
    b"\xff\xd8\xff\xe0",
    b"\xff\xc0",
    b"\xff\xd9",
    b"RIFF",
    b"WEBPVP8 ",
    b"WEBPVP8L",
    b"\xff\xff\xff\x7f",
];

/// Mutates `data` in place, once to a few times, splicing from `others` now and then.
pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>], max_len: usize) {
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        match rng.below(10) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = rng.next_u64() as u8;
            }
            2 => {
                let i = rng.below(data.len() + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                data.splice(i..i, bytes);
            }
            3 if !data.is_empty() => {
                let i = rng.below(data.len());
                let n = 1 + rng.below((data.len() - i).min(16));
                data.drain(i..i + n);
            }
            4 if !data.is_empty() => {
                // Repeat a slice: nesting, long strings, many items.
                let i = rng.below(data.len());
                let n = 1 + rng.below((data.len() - i).min(32));
                let slice = data[i..i + n].to_vec();
                let times = 1 + rng.below(8);
                for _ in 0..times {
                    data.splice(i..i, slice.iter().copied());
                }
            }
            5 if !others.is_empty() => {
                let other = &others[rng.below(others.len())];
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let to = from + 1 + rng.below(other.len() - from);
                    let at = rng.below(data.len() + 1);
                    let cut = at + rng.below(data.len() - at + 1);
                    data.splice(at..cut, other[from..to].iter().copied());
                }
            }
            6 if !data.is_empty() => {
                let cut = rng.below(data.len());
                data.truncate(cut);
            }
            7 if data.len() >= 2 => {
                // An interesting integer over 1, 2 or 4 bytes.
                let width = [1, 2, 4][rng.below(3)].min(data.len());
                let i = rng.below(data.len() - width + 1);
                let value: u32 =
                    [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fff_ffff, 0xffff_ffff][rng.below(8)];
                data[i..i + width].copy_from_slice(&value.to_le_bytes()[..width]);
            }
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())];
                let i = rng.below(data.len() + 1);
                data.splice(i..i, token.iter().copied());
            }
        }
    }
    data.truncate(max_len);
}
