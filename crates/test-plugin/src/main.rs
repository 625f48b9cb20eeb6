//! `age-plugin-kctest`: an age plugin for keycellar's tests, modelled on the `age-plugin`
//! crate's `age-plugin-unencrypted` example. Its stanza holds the file key in the clear, so
//! it protects nothing: it exists to drive the plugin path (enrol, open, fail, cancel)
//! without hardware. Run without arguments, it prints an identity file whose comment names
//! the recipient.
//!
//! Test hooks, from the environment the plugin inherits:
//! - `KCTEST_LOG=PATH`: one line appended per run, `recipient` or `identity`;
//! - `KCTEST_FAIL=1`: unwrapping fails with an error, as a token that is not plugged in;
//! - `KCTEST_PIN=PIN`: unwrapping asks for a PIN and fails unless it is given this one;
//! - `KCTEST_MESSAGE=TEXT`: unwrapping first shows TEXT, as a plugin repeating outside text.

use age_core::format::{FileKey, Stanza};
use age_core::secrecy::ExposeSecret;
use age_plugin::identity::{self, IdentityPluginV1};
use age_plugin::recipient::{self, RecipientPluginV1};
use age_plugin::{Callbacks, PluginHandler, print_new_identity, run_state_machine};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

const NAME: &str = "kctest";

fn log(what: &str) {
    if let Some(path) = std::env::var_os("KCTEST_LOG") {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("KCTEST_LOG opens");
        writeln!(file, "{what}").expect("KCTEST_LOG is written");
    }
}

struct Handler;

impl PluginHandler for Handler {
    type RecipientV1 = Wrap;
    type IdentityV1 = Unwrap;

    fn recipient_v1(self) -> io::Result<Wrap> {
        log("recipient");
        Ok(Wrap(0))
    }

    fn identity_v1(self) -> io::Result<Unwrap> {
        log("identity");
        Ok(Unwrap)
    }
}

/// Counts its recipients; each gets one stanza with the file key in the clear.
struct Wrap(usize);

impl RecipientPluginV1 for Wrap {
    fn add_recipient(
        &mut self,
        index: usize,
        name: &str,
        _: &[u8],
    ) -> Result<(), recipient::Error> {
        if name != NAME {
            return Err(recipient::Error::Recipient {
                index,
                message: "not a kctest recipient".into(),
            });
        }
        self.0 += 1;
        Ok(())
    }

    fn add_identity(&mut self, index: usize, _: &str, _: &[u8]) -> Result<(), recipient::Error> {
        Err(recipient::Error::Identity {
            index,
            message: "kctest encrypts to recipients only".into(),
        })
    }

    fn labels(&mut self) -> HashSet<String> {
        HashSet::new()
    }

    fn wrap_file_keys(
        &mut self,
        file_keys: Vec<FileKey>,
        _: impl Callbacks<recipient::Error>,
    ) -> io::Result<Result<Vec<Vec<Stanza>>, Vec<recipient::Error>>> {
        let stanza = |key: &FileKey| Stanza {
            tag: NAME.into(),
            args: vec![],
            body: key.expose_secret().to_vec(),
        };
        Ok(Ok(file_keys
            .iter()
            .map(|key| (0..self.0).map(|_| stanza(key)).collect())
            .collect()))
    }
}

struct Unwrap;

impl IdentityPluginV1 for Unwrap {
    fn add_identity(&mut self, index: usize, name: &str, _: &[u8]) -> Result<(), identity::Error> {
        match name == NAME {
            true => Ok(()),
            false => Err(identity::Error::Identity {
                index,
                message: "not a kctest identity".into(),
            }),
        }
    }

    fn unwrap_file_keys(
        &mut self,
        files: Vec<Vec<Stanza>>,
        mut callbacks: impl Callbacks<identity::Error>,
    ) -> io::Result<HashMap<usize, Result<FileKey, Vec<identity::Error>>>> {
        let mut keys = HashMap::new();
        for (index, stanzas) in files.into_iter().enumerate() {
            let Some(stanza) = stanzas.into_iter().find(|s| s.tag == NAME) else {
                continue;
            };
            let refused = |message: &str| {
                Err(vec![identity::Error::Identity {
                    index: 0,
                    message: message.into(),
                }])
            };
            // A message repeating outside text, as a plugin may (a key label, a stanza's).
            if let Ok(message) = std::env::var("KCTEST_MESSAGE") {
                let _ = callbacks.message(&message)?;
            }
            if std::env::var_os("KCTEST_FAIL").is_some() {
                keys.insert(index, refused("the test token is not plugged in"));
                continue;
            }
            if let Ok(pin) = std::env::var("KCTEST_PIN") {
                match callbacks.request_secret("Enter the kctest PIN")? {
                    Ok(given) if given.expose_secret() == pin => {}
                    Ok(_) => {
                        keys.insert(index, refused("wrong PIN"));
                        continue;
                    }
                    Err(_) => {
                        keys.insert(index, refused("no PIN was given"));
                        continue;
                    }
                }
            }
            let key = FileKey::try_init_with_mut(|key| {
                if stanza.body.len() != key.len() {
                    return Err(vec![identity::Error::Stanza {
                        file_index: index,
                        stanza_index: 0,
                        message: "the stanza is not a file key".into(),
                    }]);
                }
                key.copy_from_slice(&stanza.body);
                Ok(())
            });
            keys.insert(index, key);
        }
        Ok(keys)
    }
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().and_then(|a| a.strip_prefix("--age-plugin=")) {
        Some(state_machine) => run_state_machine(state_machine, Handler),
        None => {
            // Fixed bytes: the identity says nothing, as the stanza hides nothing.
            print_new_identity(NAME, &[7; 8], &[9; 8]);
            Ok(())
        }
    }
}
