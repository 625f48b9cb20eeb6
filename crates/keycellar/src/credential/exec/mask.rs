//! Replaces every occurrence of a secret in a stream of output with `****`, across the
//! boundaries of the reads that bring it, holding back only what could still become a
//! secret: the longest tail of the output read so far that begins some secret. Anything
//! else, and every line end, passes on at once.

/// What stands for a secret in masked output.
pub const MASK: &[u8] = b"****";

/// Shorter values are not masked: masking a one- or two-character API passphrase would
/// star out ordinary output, and would tell its length and letters to whoever reads it.
pub const MIN_MASKED_LEN: usize = 4;

/// A masking filter for one stream.
pub struct Masker {
    secrets: Vec<Vec<u8>>,
    held: Vec<u8>,
}

impl Masker {
    /// A filter for these values (those shorter than [`MIN_MASKED_LEN`] are left out).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Masker {
        let mut secrets: Vec<Vec<u8>> = secrets
            .into_iter()
            .filter(|s| s.len() >= MIN_MASKED_LEN)
            .map(|s| s.as_bytes().to_vec())
            .collect();
        // The longest first, so that a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Masker {
            secrets,
            held: Vec::new(),
        }
    }

    /// Takes the next bytes of the stream and returns what can be passed on now.
    pub fn push(&mut self, input: &[u8]) -> Vec<u8> {
        self.held.extend_from_slice(input);
        let mut out = Vec::with_capacity(self.held.len());
        let mut at = 0;
        while at < self.held.len() {
            let rest = &self.held[at..];
            if let Some(secret) = self.secrets.iter().find(|s| rest.starts_with(s)) {
                out.extend_from_slice(MASK);
                at += secret.len();
            } else if self.secrets.iter().any(|s| s.starts_with(rest)) {
                break;
            } else {
                out.push(rest[0]);
                at += 1;
            }
        }
        self.held.drain(..at);
        out
    }

    /// The end of the stream: what was held back is passed on (it never became a secret).
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(secrets: &[&str], chunks: &[&[u8]]) -> Vec<u8> {
        let mut masker = Masker::new(secrets.iter().copied());
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(masker.push(chunk));
        }
        out.extend(masker.finish());
        out
    }

    #[test]
    fn a_secret_is_masked_however_the_output_is_cut() {
        let text = b"key=SECRETVALUE and again SECRETVALUE.\n";
        for cut in 0..text.len() {
            for second in cut..text.len() {
                let chunks: [&[u8]; 3] = [&text[..cut], &text[cut..second], &text[second..]];
                assert_eq!(
                    run(&["SECRETVALUE"], &chunks),
                    b"key=**** and again ****.\n",
                    "cut at {cut} and {second}"
                );
            }
        }
    }

    #[test]
    fn only_a_possible_secret_start_is_held_back() {
        let mut masker = Masker::new(["SECRETVALUE"]);
        assert_eq!(masker.push(b"line one\n"), b"line one\n");
        assert_eq!(masker.push(b"ends with SEC"), b"ends with ");
        assert_eq!(masker.push(b"OND\n"), b"SECOND\n");
        assert_eq!(
            masker.push(b"SS"),
            b"S",
            "the first S cannot start the secret"
        );
        assert_eq!(masker.finish(), b"S");
    }

    #[test]
    fn overlapping_and_short_values() {
        assert_eq!(
            run(&["abcd", "abcdef"], &[b"xabcdefx abcdx"]),
            b"x****x ****x"
        );
        assert_eq!(run(&["ab"], &[b"abab"]), b"abab", "too short to mask");
        assert_eq!(run(&["aaab"], &[b"aaaab"]), b"a****");
    }
}
