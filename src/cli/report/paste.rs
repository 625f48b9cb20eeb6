//! The hints of a value given in the wrong place (`keycellar::credential::paste`): the flag
//! that does what was meant and, for secret material given as an argument, that the key is
//! to be replaced and how to take the line out of the shell's history.

use keycellar::error::paste::{Given, Looks, Misplaced, Part};

/// `$text` followed by how to take the last line out of the shell's history (bash 5 deletes
/// the line before `history -d -2` itself).
macro_rules! and_history {
    ($text:literal) => {
        concat!(
            $text,
            " Then take the line out of your shell's history: in bash run `history -d -2` \
             next (and `history -w` if it saves each line at once), in zsh delete it from \
             $HISTFILE, in fish `history delete --contains keycellar`."
        )
    };
}

const SECRET_ELSEWHERE: &str = and_history!(
    "Delete this key on the exchange and make a new one; give its public key with --key and \
     its secret with --secret-file FILE or at the hidden prompt, never as an argument."
);

/// The hint of one misplaced value.
pub fn hint(misplaced: &Misplaced) -> &'static str {
    if misplaced.exposed() {
        return exposed(misplaced.part, misplaced.looks);
    }
    match (misplaced.part, misplaced.looks, misplaced.given) {
        (Part::KrakenQr, Looks::AuthenticatorUri | Looks::AuthenticatorSeed, _) => {
            "That is an authenticator's QR code, the key's 2FA: give it with --otp-qr IMAGE. \
             --qr reads the code Kraken shows with a new key (kraken://apikey?...)."
        }
        (Part::Authenticator, Looks::KrakenUri, _) => {
            "That is Kraken's API-key code, the key itself: give it with --qr IMAGE (or \
             --kraken-uri-file). --otp-qr and --otp-file read the authenticator's code Kraken \
             shows when the key's 2FA is set to an authenticator app."
        }
        (Part::Authenticator, Looks::Secret | Looks::PublicKey, _) => {
            "That is part of the API key: the public key goes with --key, the secret with \
             --secret-file; --otp-file takes the authenticator's setup key or otpauth:// URI."
        }
        (Part::Detail(_), _, _) => {
            "Labels, notes and the other details are kept and shown in the clear: give a \
             secret only with --secret-file or at the hidden prompt."
        }
        (_, Looks::Secret, Given::VisiblePrompt) => {
            "The secret was on the screen: if anyone could see it, make a new key. Type the \
             public key at the first prompt and the secret at the hidden one."
        }
        (_, Looks::Secret, _) => {
            "That is the API secret: give it with --secret-file FILE (or at the hidden \
             prompt), and the public key with --key."
        }
        (_, Looks::PublicKey, _) => {
            "That is the public key: give it with --key, and the secret with --secret-file \
             FILE (or at the hidden prompt)."
        }
        (_, Looks::MaskedKey, _) => {
            "Give the whole public key, as the exchange's API page shows it; `keycellar show \
             LABEL` prints the one the vault holds, whole."
        }
        (_, Looks::KrakenUri, _) => {
            "Give Kraken's key URI with --kraken-uri-file FILE (or --kraken-uri-file - and \
             paste it): it holds the public key and the secret."
        }
        (_, Looks::AuthenticatorUri | Looks::AuthenticatorSeed, _) => {
            "That is the key's 2FA authenticator seed: give it with --otp-file FILE (or \
             --otp-file - and paste it), or its QR code with --otp-qr IMAGE."
        }
        (_, Looks::WebAddress, _) => {
            "Copy the value itself from the exchange's API page, not the page's address."
        }
        (_, Looks::Other, _) => "Check the input and run the command again.",
    }
}

/// Secret material given as an argument: replace what leaked, then clean the history.
fn exposed(part: Part, looks: Looks) -> &'static str {
    match (part, looks) {
        (Part::Detail(_), _) => and_history!(
            "Delete this key on the exchange and make a new one. Labels, notes and the other \
             details are kept and shown in the clear: give a secret only with --secret-file \
             or at the hidden prompt."
        ),
        (_, Looks::AuthenticatorUri | Looks::AuthenticatorSeed) => and_history!(
            "Set the key's 2FA up again on the exchange (a new seed), then give it with \
             --otp-file FILE (or --otp-file - and paste it), never as an argument."
        ),
        (_, Looks::KrakenUri) => and_history!(
            "Delete this key on the exchange and make a new one; then give its URI with \
             --kraken-uri-file FILE (or --kraken-uri-file - and paste it), never as an \
             argument."
        ),
        (_, Looks::Secret | Looks::PublicKey | Looks::MaskedKey | Looks::WebAddress)
        | (_, Looks::Other) => SECRET_ELSEWHERE,
    }
}

/// The hint of a public key and a secret given the wrong way round.
pub fn swapped_hint(key_given: Given) -> &'static str {
    match key_given {
        Given::CommandLine => SECRET_ELSEWHERE,
        Given::VisiblePrompt | Given::HiddenPrompt | Given::File | Given::QrCode => {
            "The secret was on the screen: if anyone could see it, make a new key. Type the \
             public key at the first prompt and the secret at the hidden one."
        }
    }
}
