//! A value given as one part of a key that is another thing: the API secret given as the
//! public key, Kraken's key URI in the secret's file, a shortened key from a listing, an
//! authenticator's QR code where the key's was expected. What was expected, what the value
//! looks like and where it was given are facts the command line turns into advice (the flag
//! that does what was meant); `credential/paste` recognises them. No message repeats the
//! value.

use std::fmt;

/// The part of a key, or the place, a value was given as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    PublicKey,
    Secret,
    /// The text of Kraken's key URI (`kraken://apikey?...`).
    KrakenUri,
    /// A screenshot of Kraken's API-key QR code.
    KrakenQr,
    /// An authenticator's seed (2FA), or its `otpauth://` URI.
    Authenticator,
    /// The path of a file to read a part from: the value itself was given instead.
    Path,
    /// A detail of an entry that is not secret (its name in messages: "note", "label").
    Detail(&'static str),
}

/// What a value looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Looks {
    /// The exchange's API secret (or a private key block).
    Secret,
    /// A public API key of the exchange.
    PublicKey,
    /// A public key shortened as a listing shows it (`CJbfPw...I3y`).
    MaskedKey,
    /// Kraken's `kraken://apikey?key=...&secret=...`, which holds the secret.
    KrakenUri,
    /// An authenticator's `otpauth://` URI, which holds a 2FA seed.
    AuthenticatorUri,
    /// A bare authenticator seed (base32, as an app's "enter a setup key" shows it).
    AuthenticatorSeed,
    /// A web address (`https://...`).
    WebAddress,
    /// Nothing keycellar recognises.
    Other,
}

impl Looks {
    /// True when the value is, or holds, secret material (a secret, a 2FA seed).
    pub fn holds_secret(self) -> bool {
        matches!(
            self,
            Looks::Secret | Looks::KrakenUri | Looks::AuthenticatorUri | Looks::AuthenticatorSeed
        )
    }

    fn phrase(self) -> &'static str {
        match self {
            Looks::Secret => "this looks like the API secret",
            Looks::PublicKey => "this looks like the public API key",
            Looks::MaskedKey => {
                "this is a public key shortened as `keycellar list` shows it (its first 6 and \
                 last 3 characters), not the whole key"
            }
            Looks::KrakenUri => "this is Kraken's key URI (kraken://...), which holds the secret",
            Looks::AuthenticatorUri => {
                "this is an authenticator's URI (otpauth://...), which holds a 2FA seed"
            }
            Looks::AuthenticatorSeed => "this looks like an authenticator's 2FA seed (base32)",
            Looks::WebAddress => "this is a web address",
            Looks::Other => "keycellar does not recognise it",
        }
    }
}

/// Where a value was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Given {
    /// As an argument: it is in the shell's history and was visible to `ps`.
    CommandLine,
    /// At a prompt that shows what is typed.
    VisiblePrompt,
    /// At a hidden prompt.
    HiddenPrompt,
    /// In a file, a descriptor or standard input.
    File,
    /// In a QR code read from an image.
    QrCode,
}

/// A value given as `part` that looks like something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Misplaced {
    pub part: Part,
    pub looks: Looks,
    pub given: Given,
}

impl Misplaced {
    /// True when secret material was given where it stays: on the command line.
    pub fn exposed(&self) -> bool {
        self.given == Given::CommandLine && self.looks.holds_secret()
    }
}

/// What follows a message about secret material given on the command line or shown on the
/// screen.
fn exposure(looks: Looks, given: Given) -> &'static str {
    match (looks.holds_secret(), given) {
        (true, Given::CommandLine) if is_authenticator(looks) => {
            "; it is now in your shell history: set up the key's 2FA again"
        }
        (true, Given::CommandLine) => "; it is now in your shell history: rotate the key",
        (true, Given::VisiblePrompt) => "; it was shown on the screen as it was typed",
        (true, Given::HiddenPrompt | Given::File | Given::QrCode) | (false, _) => "",
    }
}

fn is_authenticator(looks: Looks) -> bool {
    matches!(looks, Looks::AuthenticatorUri | Looks::AuthenticatorSeed)
}

impl fmt::Display for Misplaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = match self.part {
            Part::PublicKey => "the public key given is not one",
            Part::Secret => "the API secret given is not one",
            Part::KrakenUri => "the text given as Kraken's key URI is not one",
            Part::KrakenQr => "the QR code read is not Kraken's API-key code",
            Part::Authenticator => "the authenticator seed given is not one",
            Part::Path => "the path given for a file is not a path",
            Part::Detail(name) => {
                return write!(
                    f,
                    "the {name} given is not kept: {}{}",
                    self.looks.phrase(),
                    exposure(self.looks, self.given)
                );
            }
        };
        write!(
            f,
            "{part}: {}{}",
            self.looks.phrase(),
            exposure(self.looks, self.given)
        )
    }
}

/// The message of a public key and a secret given the wrong way round.
pub(super) fn swapped(key_given: Given) -> String {
    let exposed = match key_given {
        Given::CommandLine => "; the secret is now in your shell history: rotate the key",
        Given::VisiblePrompt => "; the secret was shown on the screen as it was typed",
        Given::HiddenPrompt | Given::File | Given::QrCode => "",
    };
    format!(
        "the public key and the API secret are swapped: the public key given looks like the \
         API secret, and the secret like a public key{exposed}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_on_the_command_line_says_to_rotate() {
        let m = Misplaced {
            part: Part::PublicKey,
            looks: Looks::Secret,
            given: Given::CommandLine,
        };
        assert!(m.to_string().contains(
            "this looks like the API secret; it is now in your shell history: rotate the key"
        ));
        assert!(m.exposed());
        let at_prompt = Misplaced {
            given: Given::VisiblePrompt,
            ..m
        };
        assert!(!at_prompt.exposed());
        assert!(at_prompt.to_string().contains("shown on the screen"));
    }
}
