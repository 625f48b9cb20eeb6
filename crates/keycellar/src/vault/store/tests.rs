use super::*;

fn accept(_: &[u8]) -> Result<()> {
    Ok(())
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A vault holding `content` in a new directory, with its lock taken.
fn locked_vault(content: &[u8]) -> (tempfile::TempDir, PathBuf, VaultLock) {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.kc");
    create(&vault, content, &accept).unwrap();
    let lock = lock(&vault, Duration::ZERO).unwrap();
    (dir, vault, lock)
}

fn file_count(dir: &Path) -> usize {
    fs::read_dir(dir).unwrap().count()
}

#[test]
fn saves_keep_two_generations_all_private() {
    let (_dir, vault, lock) = locked_vault(b"one");
    for content in [b"two", b"thr", b"fou"] {
        let staged = stage(&vault, content, &lock, &accept).unwrap();
        commit(&vault, staged, &lock).unwrap();
    }
    assert_eq!(fs::read(&vault).unwrap(), b"fou");
    assert_eq!(fs::read(generation_path(&vault, 1)).unwrap(), b"thr");
    assert_eq!(fs::read(generation_path(&vault, 2)).unwrap(), b"two");
    assert!(!generation_path(&vault, 3).exists());
    for path in [vault.clone(), generation_path(&vault, 1), lock_path(&vault)] {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}

#[test]
fn a_failed_verification_changes_nothing_and_leaves_no_temp() {
    let (dir, vault, lock) = locked_vault(b"old");
    let refuse = |_: &[u8]| Err(Error::Internal("no".into()));
    assert!(stage(&vault, b"new", &lock, &refuse).is_err());
    assert_eq!(fs::read(&vault).unwrap(), b"old");
    assert_eq!(file_count(dir.path()), 2, "the vault and its lock only");
}

#[test]
fn a_staged_save_given_up_changes_nothing_and_leaves_no_temp() {
    let (dir, vault, lock) = locked_vault(b"old");
    let staged = stage(&vault, b"new", &lock, &accept).unwrap();
    assert_eq!(file_count(dir.path()), 3, "the temp file exists");
    drop(staged);
    assert_eq!(fs::read(&vault).unwrap(), b"old");
    assert_eq!(file_count(dir.path()), 2, "the temp file is gone");
}

#[test]
fn create_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.kc");
    fs::write(&vault, b"precious").unwrap();
    assert!(matches!(
        create(&vault, b"x", &accept),
        Err(Error::VaultExists { .. })
    ));
    assert_eq!(fs::read(&vault).unwrap(), b"precious");
}

#[test]
fn a_held_lock_makes_the_second_writer_busy() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.kc");
    let _held = lock(&vault, Duration::ZERO).unwrap();
    let second = lock(&vault, Duration::from_millis(60));
    assert!(matches!(second, Err(Error::Busy { .. })));
}

#[test]
fn stale_temps_are_removed_and_others_kept() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.kc");
    fs::write(dir.path().join(".v.kc.tmp.abc123"), b"x").unwrap();
    fs::write(dir.path().join("unrelated"), b"y").unwrap();
    let lock = lock(&vault, Duration::ZERO).unwrap();
    assert_eq!(remove_stale_temps(&vault, &lock).unwrap(), 1);
    assert!(dir.path().join("unrelated").exists());
}

#[test]
fn write_file_is_private_and_refuses_to_clobber_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.age");
    write_file(&path, b"one", false).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert!(write_file(&path, b"two", false).is_err());
    assert_eq!(fs::read(&path).unwrap(), b"one");
    write_file(&path, b"two", true).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"two");
}
