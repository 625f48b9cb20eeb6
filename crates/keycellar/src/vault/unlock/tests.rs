use super::*;
use crate::error::{InputError, VaultError};
use crate::passphrase::{NewPassphrase, Purpose};
use crate::vault::backup_log::BackupKind;
use crate::vault::{LockedVault, Vault};
use std::time::Duration;
use zeroize::Zeroizing;
const CHEAP: KdfParams = KdfParams {
    memory_kib: 8,
    time: 1,
    parallelism: 1,
};

fn secret(text: &str) -> Secret {
    Secret::new(text.into())
}

/// `text` as a new vault passphrase, taken whatever it costs to guess (the KDF is cheap).
fn new_passphrase(text: &str) -> NewPassphrase {
    NewPassphrase::typed(secret(text), Purpose::Vault).accepting_weak(true)
}

fn new_vault(passphrase: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.kc");
    Vault::create(&path, &new_passphrase(passphrase), CHEAP, Vec::new()).unwrap();
    (dir, path)
}

/// The floor is the library's: a vault is not made with a passphrase below it, whichever
/// front end asks, unless the person accepted it so.
#[test]
fn a_vault_is_not_created_with_a_passphrase_below_the_floor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.kc");
    let weak = NewPassphrase::typed(secret("password1"), Purpose::Vault);
    let refused = Vault::create(&path, &weak, CHEAP, Vec::new()).unwrap_err();
    assert!(
        matches!(refused, Error::Input(InputError::WeakPassphrase { .. })),
        "{refused}"
    );
    assert!(!path.exists());
    let (_dir, path) = new_vault("first passphrase");
    let mut vault = open_for_change(&path, &mut Passphrase(&secret("first passphrase"))).unwrap();
    let refused = vault.change_passphrase(Some(&secret("first passphrase")), &weak, CHEAP);
    assert!(refused.is_err());
}

fn open_for_change(path: &Path, unlock: &mut dyn Unlock) -> Result<LockedVault> {
    Vault::open_for_change(path, unlock, Duration::ZERO)
}

fn change_passphrase(path: &Path, old: &str, new: &str) {
    let mut vault = open_for_change(path, &mut Passphrase(&secret(old))).unwrap();
    vault
        .change_passphrase(Some(&secret(old)), &new_passphrase(new), CHEAP)
        .unwrap();
    vault.save().unwrap();
}

/// The key and keyslot a front end keeps (an agent's cache), taken apart and put together.
struct Cached {
    key: [u8; 32],
    keyslot: Vec<u8>,
}

impl Cached {
    fn from_passphrase(path: &Path, passphrase: &str) -> Cached {
        let header = VaultHeader::read(path).unwrap();
        let key = header
            .unlock_with_passphrase(path, &secret(passphrase))
            .unwrap();
        assert!(header.holds_keyslot(&key.keyslot()));
        Cached {
            key: *key.expose(),
            keyslot: key.keyslot(),
        }
    }
}

impl Unlock for Cached {
    fn unlock(&mut self, _: &Path, _: &VaultHeader) -> Result<VaultKey> {
        Ok(VaultKey::from_parts(Zeroizing::new(self.key), &self.keyslot).unwrap())
    }
}

#[test]
fn a_kept_key_opens_reads_and_saves_until_the_passphrase_changes() {
    let (_dir, path) = new_vault("first passphrase");
    let mut cached = Cached::from_passphrase(&path, "first passphrase");
    let generation = Vault::open(&path, &mut cached).unwrap().generation();
    let mut locked = open_for_change(&path, &mut cached).unwrap();
    locked.record_backup(BackupKind::Print, Vec::new(), Vec::new());
    locked.save().unwrap();
    drop(locked);
    assert_eq!(
        Vault::open(&path, &mut cached).unwrap().generation(),
        generation + 1
    );

    change_passphrase(&path, "first passphrase", "second passphrase");
    for refused in [
        Vault::open(&path, &mut cached).err(),
        open_for_change(&path, &mut cached).err(),
    ] {
        assert!(
            matches!(
                refused,
                Some(Error::Vault(VaultError::KeyNotInVault { .. }))
            ),
            "{refused:?}"
        );
    }
}

#[test]
fn keyslot_bytes_that_are_not_one_keyslot_make_no_key() {
    let (_dir, path) = new_vault("a passphrase");
    let cached = Cached::from_passphrase(&path, "a passphrase");
    let key = || Zeroizing::new(cached.key);
    assert!(VaultKey::from_parts(key(), &cached.keyslot[..cached.keyslot.len() - 1]).is_none());
    let mut longer = cached.keyslot.clone();
    longer.push(0);
    assert!(VaultKey::from_parts(key(), &longer).is_none());
    assert!(VaultKey::from_parts(key(), &cached.keyslot).is_some());
}

/// Changes the vault's passphrase while it answers, as a `passwd` running between another
/// command's key derivation and its lock would; then answers with the new passphrase.
struct PasswdMeanwhile {
    asked: usize,
}

impl Unlock for PasswdMeanwhile {
    fn unlock(&mut self, path: &Path, header: &VaultHeader) -> Result<VaultKey> {
        self.asked += 1;
        if self.asked == 1 {
            let key = header.unlock_with_passphrase(path, &secret("old passphrase"))?;
            change_passphrase(path, "old passphrase", "new passphrase");
            return Ok(key);
        }
        header.unlock_with_passphrase(path, &secret("new passphrase"))
    }
}

#[test]
fn a_key_from_before_the_lock_is_used_only_if_its_keyslot_is_still_there() {
    let (_dir, path) = new_vault("old passphrase");
    let mut unlock = PasswdMeanwhile { asked: 0 };
    let mut locked = open_for_change(&path, &mut unlock).unwrap();
    assert_eq!(
        unlock.asked, 2,
        "the vault changed, so it is unlocked again"
    );
    locked.record_backup(BackupKind::Print, Vec::new(), Vec::new());
    locked.save().unwrap();
    drop(locked);
    Vault::open(&path, &mut Passphrase(&secret("new passphrase"))).unwrap();

    // Unchanged under the lock: the key derived before it is used, once.
    let mut asked = 0;
    struct Counting<'a>(&'a mut usize);
    impl Unlock for Counting<'_> {
        fn unlock(&mut self, path: &Path, header: &VaultHeader) -> Result<VaultKey> {
            *self.0 += 1;
            header.unlock_with_passphrase(path, &secret("new passphrase"))
        }
    }
    open_for_change(&path, &mut Counting(&mut asked)).unwrap();
    assert_eq!(asked, 1);
}
