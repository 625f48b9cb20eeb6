use super::*;
use crate::error::{InputError, VaultError};
use std::os::unix::fs::PermissionsExt;

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
        commit(&vault, staged, None, &lock).unwrap();
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
    assert_eq!(file_count(dir.path()), 2, "the new file has no name yet");
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
        Err(Error::Vault(VaultError::VaultExists { .. }))
    ));
    assert_eq!(fs::read(&vault).unwrap(), b"precious");
}

#[test]
fn a_held_lock_makes_the_second_writer_busy() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.kc");
    let _held = lock(&vault, Duration::ZERO).unwrap();
    let second = lock(&vault, Duration::from_millis(60));
    assert!(matches!(second, Err(Error::Vault(VaultError::Busy { .. }))));
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

#[test]
fn a_save_that_fails_before_its_rename_leaves_no_pending_generation() {
    let (dir, vault, lock) = locked_vault(b"one");
    let staged = stage(&vault, b"two", &lock, &accept).unwrap();
    commit(&vault, staged, None, &lock).unwrap();
    // A file in the way of the new vault's pending `.1` makes the save fail before the
    // vault is replaced.
    fs::write(pending_path(&vault, 1), b"in the way").unwrap();
    let staged = stage(&vault, b"thr", &lock, &accept).unwrap();
    assert!(commit(&vault, staged, None, &lock).is_err());
    assert_eq!(fs::read(&vault).unwrap(), b"two");
    assert_eq!(fs::read(generation_path(&vault, 1)).unwrap(), b"one");
    assert!(!has_pending(&vault));
    assert_eq!(file_count(dir.path()), 3, "the vault, .1 and the lock");
}

#[test]
fn pending_generations_are_finished_or_discarded_whole() {
    let (_dir, vault, lock) = locked_vault(b"new");
    fs::write(generation_path(&vault, 1), b"stale one").unwrap();
    fs::write(pending_path(&vault, 2), b"old one").unwrap();
    fs::write(pending_path(&vault, 1), b"old vault").unwrap();
    finish_generations(&vault, &lock).unwrap();
    assert_eq!(fs::read(generation_path(&vault, 2)).unwrap(), b"old one");
    assert_eq!(fs::read(generation_path(&vault, 1)).unwrap(), b"old vault");
    assert!(!has_pending(&vault));

    fs::write(pending_path(&vault, 2), b"x").unwrap();
    fs::write(pending_path(&vault, 1), b"y").unwrap();
    discard_pending(&vault, &lock).unwrap();
    assert!(!has_pending(&vault));
    assert_eq!(fs::read(generation_path(&vault, 1)).unwrap(), b"old vault");
}

#[test]
fn a_set_of_files_that_fails_part_way_puts_back_what_was_there() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    // `c` exists and may not be replaced: naming it fails after `a` and `b` were named.
    fs::write(&c, b"old c").unwrap();
    let named = Named::ByUser;
    let files: [(&Path, &[u8], Named); 3] = [
        (&a, b"new a", named),
        (&b, b"new b", named),
        (&c, b"new c", named),
    ];
    assert!(matches!(
        write_files(&files, false, Visibility::Private),
        Err(Error::Input(InputError::OutputExists { .. }))
    ));
    assert!(!a.exists() && !b.exists());
    assert_eq!(fs::read(&c).unwrap(), b"old c");
    assert_eq!(file_count(dir.path()), 1, "c only");

    write_files(&files, true, Visibility::Private).unwrap();
    for (path, bytes, _) in files {
        assert_eq!(fs::read(path).unwrap(), bytes);
    }
    assert_eq!(file_count(dir.path()), 3, "a, b and c, no kept file");
}

#[test]
fn an_output_temp_file_is_removed_only_once_no_one_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keys.age");
    let (stale, held) = (
        dir.path().join(".keys.age.tmp.dead"),
        dir.path().join(".keys.age.tmp.live"),
    );
    fs::write(&stale, b"left by a killed export").unwrap();
    fs::write(&held, b"being written").unwrap();
    let holder = File::open(&held).unwrap();
    holder.lock().unwrap();
    write_file(&out, b"export", false).unwrap();
    assert!(!stale.exists(), "the stale temp file is gone");
    assert!(held.exists(), "the one a running command holds stays");
    assert_eq!(mode(&out), 0o600);
}

#[test]
fn a_secret_file_is_created_whole_and_never_replaces_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id.txt");
    create_secret_file(&path, b"AGE-SECRET-KEY-1X\n").unwrap();
    assert_eq!(mode(&path), 0o600);
    assert!(matches!(
        create_secret_file(&path, b"other"),
        Err(Error::Input(InputError::OutputExists { .. }))
    ));
    assert_eq!(fs::read(&path).unwrap(), b"AGE-SECRET-KEY-1X\n");
    assert_eq!(file_count(dir.path()), 1);
}

#[test]
fn without_unnamed_files_saves_and_outputs_go_through_named_temp_files() {
    super::new_file::WITHOUT_UNNAMED_FILES.set(true);
    let (dir, vault, lock) = locked_vault(b"one");
    for content in [b"two", b"thr"] {
        let before = file_count(dir.path());
        let staged = stage(&vault, content, &lock, &accept).unwrap();
        assert_eq!(
            file_count(dir.path()),
            before + 1,
            "the named temp file is there"
        );
        commit(&vault, staged, None, &lock).unwrap();
    }
    assert_eq!(fs::read(&vault).unwrap(), b"thr");
    assert_eq!(fs::read(generation_path(&vault, 2)).unwrap(), b"one");
    let out = dir.path().join("out");
    write_file(&out, b"a", false).unwrap();
    write_file(&out, b"b", true).unwrap();
    create_secret_file(&dir.path().join("id.txt"), b"secret").unwrap();
    assert_eq!(fs::read(&out).unwrap(), b"b");
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp.") || n.ends_with(".pending"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn a_link_planted_at_a_made_up_name_after_its_check_is_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.kc");
    fs::write(&vault, b"the vault").unwrap();
    let share = dir.path().join("sheet.share-1.pdf");
    for overwrite in [false, true] {
        check_named_output(&share, overwrite).unwrap();
        // Planted between the early check and the write.
        std::os::unix::fs::symlink(&vault, &share).unwrap();
        let files = [(share.as_path(), &b"a share"[..], Named::ByKeycellar)];
        assert!(matches!(
            write_files(&files, overwrite, Visibility::Private),
            Err(Error::Input(InputError::NotAPlainFile { .. }))
        ));
        assert_eq!(fs::read(&vault).unwrap(), b"the vault");
        assert!(fs::symlink_metadata(&share).unwrap().is_symlink());
        fs::remove_file(&share).unwrap();
    }
    // A name the user typed is theirs: the link is followed, as `-o` documents.
    let typed = dir.path().join("typed.pdf");
    std::os::unix::fs::symlink(&vault, &typed).unwrap();
    let files = [(typed.as_path(), &b"a sheet"[..], Named::ByUser)];
    write_files(&files, true, Visibility::Private).unwrap();
    assert_eq!(fs::read(&vault).unwrap(), b"a sheet");
}

#[test]
fn a_backup_is_refused_over_the_files_beside_a_vault_given_through_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    fs::create_dir(&real).unwrap();
    fs::write(real.join("v.kc"), b"vault").unwrap();
    let link = dir.path().join("lnk.kc");
    std::os::unix::fs::symlink(real.join("v.kc"), &link).unwrap();
    for kept in ["v.kc", "v.kc.lock", "v.kc.1", "v.kc.2", ".v.kc.1.pending"] {
        let refused = check_not_vault(&real.join(kept), &link);
        assert!(
            matches!(refused, Err(Error::Input(InputError::OutputIsVault { .. }))),
            "{kept}"
        );
    }
    check_not_vault(&real.join("keys.age"), &link).unwrap();
    check_not_vault(&dir.path().join("lnk.kc.1"), &link).unwrap();
}
