//! The encrypted vault through its API: keys, roles, consent policy,
//! crypto-shredding, tamper detection, migrations, and playback straight
//! from the encrypted media.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::vault::{Fixture, fixture, grant_all, new_vault, pass};
use common::{TIMEOUT, code_of};
use debrief::media::testsrc::TestSrcSpec;
use debrief::media::{Player, PlayerConfig};
use debrief::model::{ConsentMethod, ConsentStage, ConsentStatus, Role};
use debrief::vault::{AnnotationEdit, NewAnnotation, NewCase, NewConsent, Vault, VaultError};

fn small() -> TestSrcSpec {
    TestSrcSpec {
        frames: 90,
        bframes: true,
        gop: 30,
        audio: true,
        ..Default::default()
    }
}

fn consent(
    vault: &mut Vault,
    participant: &str,
    stage: ConsentStage,
    status: ConsentStatus,
) -> Vec<String> {
    vault
        .set_consent(NewConsent {
            participant_id: participant.into(),
            stage,
            status,
            method: Some(ConsentMethod::Verbal),
            note: None,
        })
        .unwrap()
}

#[test]
fn wrong_passphrase_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_vault(dir.path()));
    let vdir = dir.path().join("vault");
    let before = common::vault::hashes(&vdir);
    let err = Vault::unlock(&vdir, "alice", &pass("mallory")).unwrap_err();
    assert!(
        matches!(err, VaultError::WrongPassphrase(ref u) if u == "alice"),
        "{err}"
    );
    assert!(err.is_bad_input());
    assert_eq!(
        common::vault::hashes(&vdir),
        before,
        "a failed unlock touches no file"
    );
    // An unknown user gets the wrong-passphrase answer: it must not tell who is a member.
    let err = Vault::unlock(&vdir, "nobody", &pass("alice")).unwrap_err();
    assert!(
        matches!(err, VaultError::WrongPassphrase(ref u) if u == "nobody"),
        "{err}"
    );
    let err = Vault::unlock(&dir.path().join("elsewhere"), "alice", &pass("alice")).unwrap_err();
    assert!(matches!(err, VaultError::NoVault(_)), "{err}");
    assert!(Vault::unlock(&vdir, "alice", &pass("alice")).is_ok());
}

#[test]
fn files_are_private_and_the_database_is_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture(dir.path(), &small(), true);
    let vdir = f.vault.dir().to_path_buf();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for path in common::vault::files(&vdir) {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
        for sub in ["", "keyring", "media"] {
            let mode = std::fs::metadata(vdir.join(sub))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o700, "{sub}");
        }
    }
    let header = std::fs::read(vdir.join("vault.db")).unwrap();
    assert_ne!(&header[..16], b"SQLite format 3\0");
    let cipher: String = f
        .vault
        .connection()
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .unwrap();
    assert!(!cipher.is_empty());
}

#[test]
fn plaintext_foreign_and_newer_databases_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let vdir = dir.path().join("vault");
    drop(new_vault(dir.path()));
    let other = tempfile::tempdir().unwrap();
    drop(new_vault(other.path()));

    // A foreign database (another vault's) under this keyring.
    let saved = std::fs::read(vdir.join("vault.db")).unwrap();
    std::fs::copy(other.path().join("vault/vault.db"), vdir.join("vault.db")).unwrap();
    let err = Vault::unlock(&vdir, "alice", &pass("alice")).unwrap_err();
    assert!(matches!(err, VaultError::ForeignDatabase(_)), "{err}");

    // A plaintext SQLite database.
    std::fs::remove_file(vdir.join("vault.db")).unwrap();
    rusqlite::Connection::open(vdir.join("vault.db"))
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let err = Vault::unlock(&vdir, "alice", &pass("alice")).unwrap_err();
    assert!(matches!(err, VaultError::PlaintextDatabase(_)), "{err}");
    assert!(vdir.join("vault.db").exists(), "never deleted");

    // A database from a newer Debrief.
    std::fs::write(vdir.join("vault.db"), &saved).unwrap();
    {
        let v = Vault::unlock(&vdir, "alice", &pass("alice")).unwrap();
        v.connection()
            .pragma_update(None, "user_version", 99)
            .unwrap();
    }
    let before = common::vault::hashes(&vdir);
    let err = Vault::unlock(&vdir, "alice", &pass("alice")).unwrap_err();
    assert!(matches!(err, VaultError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("upgrade Debrief"));
    assert_eq!(common::vault::hashes(&vdir), before);
}

#[test]
fn schema_upgrades_from_the_first_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let key = debrief::vault::keys::new_db_key();
    {
        // A database exactly as schema 1 left it, with data in it.
        drop(debrief::vault::fsutil::create_private_file(&path).unwrap());
        let conn = debrief::vault::db::open(&path, &key).unwrap();
        conn.execute_batch(debrief::vault::db::MIGRATIONS[0])
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute("INSERT INTO users (name, role, recipient, created_at) VALUES ('zoe', 'instructor', 'age1x', '2025-01-01T00:00:00Z')", []).unwrap();
        conn.execute("INSERT INTO codebooks (id, json, created_at) VALUES ('cb', '{}', '2025-01-01T00:00:00Z')", []).unwrap();
        conn.execute("INSERT INTO cases (id, title, codebook_id, created_at) VALUES ('c1', 'Old case', 'cb', '2025-01-01T00:00:00Z')", []).unwrap();
    }
    let conn = debrief::vault::db::open(&path, &key).unwrap();
    debrief::vault::db::migrate(&conn).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, debrief::vault::db::schema_version());
    let title: String = conn
        .query_row("SELECT title FROM cases WHERE id = 'c1'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(title, "Old case");
    // Version 2's additions exist: the new column and an index.
    conn.execute(
        "UPDATE users SET last_unlock_at = 'now' WHERE name = 'zoe'",
        [],
    )
    .unwrap();
    let idx: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'annotations_by_recording'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(idx, 1);
    // Running the ladder again is a no-op.
    debrief::vault::db::migrate(&conn).unwrap();
}

#[test]
fn vault_recordings_play_exactly_from_the_encrypted_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 150,
        bframes: true,
        gop: 60,
        audio: true,
        ..Default::default()
    };
    let mut f = fixture(dir.path(), &spec, true);
    let (source, info) = f.vault.open_media(&f.recording_id, true).unwrap();
    assert_eq!(info.frames(), 150);
    let player = Player::open(
        source,
        info,
        PlayerConfig {
            audio: false,
            ..Default::default()
        },
    )
    .unwrap();
    for target in [149, 0, 61, 60, 59, 100] {
        assert_eq!(
            code_of(&player.seek_wait(target, TIMEOUT).unwrap()),
            Some(target)
        );
    }
    assert_eq!(code_of(&player.step_wait(-1, TIMEOUT).unwrap()), Some(99));
    // The view is audited.
    let entries = f.vault.audit_recent(5).unwrap();
    assert!(entries.iter().any(|e| e.action == "recording.view"));
    // An import only reads its source: byte for byte the same afterwards.
    let backup = dir.path().join("backup.mp4");
    std::fs::copy(&f.source, &backup).unwrap();
    // (The second import of the same file into the case is refused by name.)
    let err = f
        .vault
        .import(&f.case_id, &f.source, Default::default(), &mut |_, _| true)
        .unwrap_err();
    assert!(
        matches!(&err, VaultError::AlreadyImported(id) if *id == f.recording_id),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&f.source).unwrap(),
        std::fs::read(&backup).unwrap()
    );
}

#[test]
fn a_flipped_byte_in_the_media_fails_the_integrity_check_before_any_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture(dir.path(), &small(), true);
    let media = f
        .vault
        .dir()
        .join("media")
        .join(format!("{}.age", f.recording_id));
    let mut bytes = std::fs::read(&media).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&media, &bytes).unwrap();
    let err = f.vault.open_media(&f.recording_id, true).unwrap_err();
    assert!(matches!(err, VaultError::Integrity(_)), "{err}");
    assert!(err.to_string().contains("does not match its checksum"));
    // Without the checksum, age's authenticated chunks still refuse the damaged one:
    // decoding across it fails instead of showing altered pixels.
    let (source, info) = f.vault.open_media(&f.recording_id, false).unwrap();
    let player = Player::open(
        source,
        Arc::clone(&info),
        PlayerConfig {
            audio: false,
            ..Default::default()
        },
    );
    let failed = match player {
        Err(_) => true,
        Ok(p) => (0..info.frames())
            .step_by(7)
            .any(|i| p.seek_wait(i, TIMEOUT).is_err()),
    };
    assert!(failed, "reading through a damaged chunk must fail");
}

#[test]
fn audit_chain_detects_edits_deletions_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture(dir.path(), &small(), true);
    for i in 0..5 {
        f.vault
            .add_annotation(NewAnnotation {
                recording_id: f.recording_id.clone(),
                code: "birth".into(),
                start_frame: i,
                ..Default::default()
            })
            .unwrap();
    }
    let report = f.vault.audit_verify().unwrap();
    assert!(report.ok, "{report:?}");
    let n = report.entries;
    let vdir = f.vault.dir().to_path_buf();
    // Closing checkpoints the WAL, so the snapshot below is the whole database.
    drop(f);
    let db = std::fs::read(vdir.join("vault.db")).unwrap();
    let head = std::fs::read(vdir.join("audit.head")).unwrap();
    let reopen = || Vault::unlock(&vdir, "alice", &pass("alice")).unwrap();
    // Each unlock appends an entry; tamper with older ones.
    let v = reopen();
    v.connection()
        .execute("UPDATE audit SET detail = 'forged' WHERE seq = 4", [])
        .unwrap();
    let r = v.audit_verify().unwrap();
    assert_eq!((r.ok, r.first_bad), (false, Some(4)), "{r:?}");
    drop(v);

    std::fs::write(vdir.join("vault.db"), &db).unwrap();
    std::fs::write(vdir.join("audit.head"), &head).unwrap();
    let _ = std::fs::remove_file(vdir.join("vault.db-wal"));
    let v = reopen();
    v.connection()
        .execute("DELETE FROM audit WHERE seq = 6", [])
        .unwrap();
    let r = v.audit_verify().unwrap();
    assert_eq!((r.ok, r.first_bad), (false, Some(6)), "{r:?}");
    drop(v);

    // Truncation: the last entries removed, chain intact, but audit.head knows better.
    std::fs::write(vdir.join("vault.db"), &db).unwrap();
    std::fs::write(vdir.join("audit.head"), &head).unwrap();
    let v = reopen();
    let last: i64 = v
        .connection()
        .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))
        .unwrap();
    v.connection()
        .execute("DELETE FROM audit WHERE seq > ?1", [last - 3])
        .unwrap();
    let r = v.audit_verify().unwrap();
    assert!(!r.ok && r.first_bad == Some(last as u64 - 2), "{r:?}");
    assert!(r.problem.unwrap().contains("removed from the end"));
    assert!(n > 5);
}

#[test]
fn providers_see_only_their_cases_and_not_others_private_notes() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture(dir.path(), &small(), true);
    f.vault
        .add_user("bob", Role::Provider, &pass("bob"))
        .unwrap();
    // Bob takes part in case one; case two is not his.
    f.vault
        .add_participant(&f.case_id, "Dr B", Some("airway"), Some("bob"))
        .unwrap();
    let p_bob = f
        .vault
        .participants(&f.case_id)
        .unwrap()
        .into_iter()
        .find(|p| p.user.as_deref() == Some("bob"))
        .unwrap()
        .id;
    grant_all(&mut f.vault, &p_bob);
    let other = f
        .vault
        .create_case(NewCase {
            title: "Other case".into(),
            ..Default::default()
        })
        .unwrap();
    let source2 = common::generate(dir.path(), "other.mp4", &small());
    let other_rec = f
        .vault
        .import(&other, &source2, Default::default(), &mut |_, _| true)
        .unwrap()
        .recording_id;
    let note_id = f
        .vault
        .add_annotation(NewAnnotation {
            recording_id: f.recording_id.clone(),
            code: "ppv".into(),
            start_frame: 10,
            end_frame: Some(20),
            private_note: Some("alice's own thoughts".into()),
            ..Default::default()
        })
        .unwrap();
    let vdir = f.vault.dir().to_path_buf();
    drop(f.vault);

    let mut bob = Vault::unlock(&vdir, "bob", &pass("bob")).unwrap();
    let cases: Vec<String> = bob.cases().unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(cases, vec![f.case_id.clone()]);
    for result in [
        bob.case(&other).map(|_| ()),
        bob.recordings(&other).map(|_| ()),
        bob.annotations(&other_rec).map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(VaultError::NotFound { .. })),
            "{result:?}"
        );
    }
    assert!(matches!(
        bob.open_media(&other_rec, false),
        Err(VaultError::NotFound { .. })
    ));
    assert!(
        bob.open_media(&f.recording_id, false).is_ok(),
        "his own case plays"
    );
    // Providers cannot do instructors' work.
    assert!(matches!(
        bob.create_case(NewCase {
            title: "x".into(),
            ..Default::default()
        }),
        Err(VaultError::Forbidden(_))
    ));
    assert!(matches!(
        bob.delete_recording(&f.recording_id, "x"),
        Err(VaultError::Forbidden(_))
    ));
    // Alice's private note is there but closed to Bob: age finds no matching key.
    let list = bob.annotations(&f.recording_id).unwrap();
    let a = list.iter().find(|a| a.id == note_id).unwrap();
    assert!(a.has_private_note && a.private_note.is_none());
    let err = bob.read_private_note(&note_id).unwrap_err();
    assert!(err.to_string().contains("NoMatchingKeys"), "{err}");
    drop(bob);
    let alice = Vault::unlock(&vdir, "alice", &pass("alice")).unwrap();
    assert_eq!(
        alice.read_private_note(&note_id).unwrap(),
        "alice's own thoughts"
    );
}

#[test]
fn removing_a_user_locks_them_out_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = new_vault(dir.path());
    v.add_user("carol", Role::Instructor, &pass("carol"))
        .unwrap();
    let vdir = v.dir().to_path_buf();
    assert!(Vault::unlock(&vdir, "carol", &pass("carol")).is_ok());
    let key_file = debrief::vault::keys::user_key_path(&vdir, "carol");
    let carols_key = std::fs::read(&key_file).unwrap();
    v.remove_user("carol").unwrap();
    assert!(!key_file.exists());
    // Even with her old key file put back, the re-sealed vault key no longer opens for her.
    std::fs::write(&key_file, &carols_key).unwrap();
    let err = Vault::unlock(&vdir, "carol", &pass("carol")).unwrap_err();
    assert!(matches!(err, VaultError::Removed(_)), "{err}");
    assert!(Vault::unlock(&vdir, "alice", &pass("alice")).is_ok());
    assert!(v.remove_user("alice").is_err(), "the last instructor stays");
}

#[test]
fn recovery_key_opens_the_vault_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    debrief::vault::keys::set_test_work_factor(10);
    let recovery = age::x25519::Identity::generate();
    let vdir = dir.path().join("vault");
    drop(
        Vault::init(
            &vdir,
            "alice",
            &pass("alice"),
            Some(&recovery.to_public().to_string()),
        )
        .unwrap(),
    );
    use age::secrecy::ExposeSecret as _;
    let v = Vault::unlock_with_recovery(
        &vdir,
        &recovery.to_string().expose_secret().to_owned().into(),
    )
    .unwrap();
    assert_eq!(v.user().name, debrief::vault::RECOVERY_USER);
    assert!(
        v.audit_recent(3)
            .unwrap()
            .iter()
            .any(|e| e.action == "recovery.unlock")
    );
    let stranger = age::x25519::Identity::generate();
    assert!(
        Vault::unlock_with_recovery(
            &vdir,
            &stranger.to_string().expose_secret().to_owned().into()
        )
        .is_err()
    );
}

/// AES-256-CBC-decrypts every page of a SQLCipher 4 database opened with a raw key
/// (4096-byte pages, 80 reserved bytes: IV then HMAC), so a test can search the plaintext.
fn decrypted_pages(path: &Path, key: &[u8; 32]) -> Vec<u8> {
    use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::NoPadding};
    let bytes = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    for (n, page) in bytes.chunks(4096).enumerate() {
        if page.len() < 4096 {
            break;
        }
        let start = if n == 0 { 16 } else { 0 };
        let iv = &page[4096 - 80..4096 - 64];
        let mut data = page[start..4096 - 80].to_vec();
        let dec = cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.into());
        let plain = dec.decrypt_padded_mut::<NoPadding>(&mut data).unwrap();
        out.extend_from_slice(plain);
    }
    out
}

#[test]
fn crypto_shredding_removes_the_key_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture(dir.path(), &small(), true);
    let vdir = f.vault.dir().to_path_buf();
    let identity: String = f
        .vault
        .connection()
        .query_row(
            "SELECT identity FROM recording_keys WHERE recording_id = ?1",
            [&f.recording_id],
            |r| r.get(0),
        )
        .unwrap();
    let media = vdir.join("media").join(format!("{}.age", f.recording_id));
    let copy = dir.path().join("leftover.age");
    std::fs::copy(&media, &copy).unwrap();
    // The raw key, recovered from the keyring the way the vault does.
    let user_identity = debrief::vault::keys::unseal_identity(
        &debrief::vault::keys::user_key_path(&vdir, "alice"),
        "alice",
        &pass("alice"),
    )
    .unwrap();
    let db_key = debrief::vault::keys::unseal_db_key(&vdir, "alice", &user_identity).unwrap();
    use secrecy::ExposeSecret as _;
    let key: [u8; 32] = *db_key.expose_secret();
    f.vault
        .connection()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let before = decrypted_pages(&vdir.join("vault.db"), &key);
    assert!(
        before
            .windows(identity.len())
            .any(|w| w == identity.as_bytes()),
        "the page decryption works: the key is found before"
    );

    f.vault.delete_recording(&f.recording_id, "test").unwrap();
    assert!(!media.exists());
    let wal = vdir.join("vault.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "the WAL was checkpointed and truncated"
    );
    let after = decrypted_pages(&vdir.join("vault.db"), &key);
    assert!(
        !after
            .windows(identity.len())
            .any(|w| w == identity.as_bytes()),
        "the key's bytes are gone from every page"
    );
    // The copy is only as safe as its key: the recording's own key, kept from
    // before the shred, still opens it (so the check below can fail)…
    let own: age::x25519::Identity = identity.parse().unwrap();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut debrief::vault::media_store::open_decrypting(&copy, &own)
            .expect("the own key opens it"),
        &mut plain,
    )
    .unwrap();
    assert_eq!(&plain[4..8], b"ftyp", "the plaintext is the recording");
    // …and no key left in the vault does.
    let mut keys: Vec<age::x25519::Identity> = {
        let mut stmt = f
            .vault
            .connection()
            .prepare("SELECT identity FROM recording_keys")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|s| s.unwrap().parse().unwrap())
            .collect()
    };
    keys.push(user_identity);
    for k in &keys {
        let err = debrief::vault::media_store::open_decrypting(&copy, k)
            .err()
            .expect("must not decrypt");
        assert!(
            err.to_string().to_lowercase().contains("no matching keys")
                || err.to_string().contains("NoMatchingKeys"),
            "{err}"
        );
    }
    // Deleting again says so; the recording is marked, with its reason.
    assert!(f.vault.delete_recording(&f.recording_id, "again").is_err());
    assert_eq!(
        f.vault
            .recording(&f.recording_id)
            .unwrap()
            .shredded
            .unwrap()
            .1,
        "test"
    );
}

#[test]
fn refusal_and_withdrawal_apply_the_policy_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // Policy "delete" (the default): a refusal shreds.
    let Fixture {
        mut vault,
        participant_id,
        recording_id,
        ..
    } = fixture(dir.path(), &small(), false);
    let shredded = consent(
        &mut vault,
        &participant_id,
        ConsentStage::AfterRecording,
        ConsentStatus::Refused,
    );
    assert_eq!(shredded, vec![recording_id.clone()]);
    assert!(vault.recording(&recording_id).unwrap().shredded.is_some());

    // Withdrawing review use keeps it (the default), for individual review only;
    // instructor and plenary use are refused naming who and which stage.
    let dir2 = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault,
        participant_id,
        recording_id,
        ..
    } = fixture(dir2.path(), &small(), true);
    assert!(vault.permissions(&recording_id).unwrap().plenary);
    let shredded = consent(
        &mut vault,
        &participant_id,
        ConsentStage::BeforeReviewUse,
        ConsentStatus::Withdrawn,
    );
    assert!(shredded.is_empty(), "kept");
    let p = vault.permissions(&recording_id).unwrap();
    assert!(p.private_review && !p.instructor_review && !p.plenary && !p.must_delete);
    let err = vault.open_media(&recording_id, false).unwrap_err();
    assert!(
        err.to_string()
            .contains("Parent (before-review-use: withdrawn)"),
        "{err}"
    );
    // A withdrawal after recording deletes it; using it then says when and why.
    let shredded = consent(
        &mut vault,
        &participant_id,
        ConsentStage::AfterRecording,
        ConsentStatus::Withdrawn,
    );
    assert_eq!(shredded, vec![recording_id.clone()]);
    let err = vault.open_media(&recording_id, false).unwrap_err();
    assert!(matches!(err, VaultError::Shredded { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("was deleted (crypto-shredded) on ")
            && err
                .to_string()
                .contains("consent withdrawn at after-recording"),
        "{err}"
    );

    // A version-1 policy with "individual-review-only" (read as that action at every
    // stage): kept, but no instructor review.
    let dir3 = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault,
        participant_id,
        recording_id,
        ..
    } = fixture(dir3.path(), &small(), false);
    // Version 1 predates the recording rules.
    let default = &debrief::model::policy::DEFAULT[..debrief::model::policy::DEFAULT
        .find(",\n  \"recording\"")
        .unwrap()];
    let default = format!("{default}\n}}\n");
    let (start, end) = (
        default.find("\"on_refusal\": {").unwrap(),
        default.find("\"purposes\"").unwrap(),
    );
    let policy = format!(
        "{}\"on_refusal\": \"individual-review-only\",\n  {}",
        &default[..start],
        &default[end..]
    )
    .replace("\"version\": 2", "\"version\": 1");
    vault.set_policy(&policy, "policy.json").unwrap();
    assert_eq!(vault.policy().version, 2, "upgraded");
    assert!(
        consent(
            &mut vault,
            &participant_id,
            ConsentStage::AfterRecording,
            ConsentStatus::Refused
        )
        .is_empty()
    );
    let p = vault.permissions(&recording_id).unwrap();
    assert!(p.private_review && !p.instructor_review && !p.plenary && !p.must_delete);
    let err = vault.open_media(&recording_id, false).unwrap_err();
    assert!(matches!(err, VaultError::Consent(_)), "{err}");
    assert!(
        err.to_string()
            .contains("Parent (after-recording: refused)"),
        "{err}"
    );
}

#[test]
fn retention_shreds_what_is_due() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture(dir.path(), &small(), true);
    assert!(f.vault.run_retention().unwrap().is_empty());
    let rec = f.vault.recording(&f.recording_id).unwrap();
    assert_eq!(f.vault.days_until_deletion(&rec), Some(30));
    f.vault
        .set_clock(Arc::new(|| chrono::Utc::now() + chrono::Duration::days(31)));
    assert_eq!(
        f.vault.run_retention().unwrap(),
        vec![f.recording_id.clone()]
    );
    assert_eq!(
        f.vault
            .recording(&f.recording_id)
            .unwrap()
            .shredded
            .unwrap()
            .1,
        "retention period over"
    );
    assert!(f.vault.audit_verify().unwrap().ok);
}

#[test]
fn annotations_are_frame_exact_checked_and_undoable() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture(dir.path(), &small(), true);
    let rec = f.recording_id.clone();
    let add = |v: &mut Vault, code: &str, start: u64, end: Option<u64>| {
        v.add_annotation(NewAnnotation {
            recording_id: rec.clone(),
            code: code.into(),
            start_frame: start,
            end_frame: end,
            ..Default::default()
        })
    };
    let birth = add(&mut f.vault, "birth", 12, None).unwrap();
    let ppv = add(&mut f.vault, "ppv", 20, None).unwrap(); // an open duration
    assert!(
        matches!(add(&mut f.vault, "birth", 12, Some(15)), Err(VaultError::Invalid(ref m)) if m.contains("point event"))
    );
    assert!(matches!(
        add(&mut f.vault, "nonsense", 1, None),
        Err(VaultError::Invalid(_))
    ));
    assert!(
        matches!(add(&mut f.vault, "ppv", 80, Some(90)), Err(VaultError::Invalid(ref m)) if m.contains("frame 90 does not exist"))
    );
    assert!(matches!(
        add(&mut f.vault, "ppv", 50, Some(40)),
        Err(VaultError::Invalid(_))
    ));
    let info = f.vault.media_info(&rec).unwrap();
    let list = f.vault.annotations(&rec).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        (list[0].start_frame, list[0].start_pts_ns),
        (12, info.table.pts(12).unwrap())
    );
    assert_eq!(list[1].end_frame, None, "open until closed");

    // Close the duration, then undo, undo, redo.
    f.vault
        .update_annotation(
            &ppv,
            AnnotationEdit {
                end_frame: Some(Some(45)),
                ..Default::default()
            },
        )
        .unwrap();
    let ppv_now = |v: &Vault| {
        v.annotations(&rec)
            .unwrap()
            .into_iter()
            .find(|a| a.id == ppv)
            .map(|a| a.end_frame)
    };
    assert_eq!(ppv_now(&f.vault), Some(Some(45)));
    f.vault.delete_annotation(&birth).unwrap();
    assert_eq!(f.vault.annotations(&rec).unwrap().len(), 1);
    assert_eq!(f.vault.undo(&rec).unwrap(), Some(birth.clone()));
    assert_eq!(
        f.vault.annotations(&rec).unwrap().len(),
        2,
        "undo brings the deleted one back"
    );
    assert_eq!(f.vault.undo(&rec).unwrap(), Some(ppv.clone()));
    assert_eq!(ppv_now(&f.vault), Some(None), "undo reopens the duration");
    assert_eq!(f.vault.redo(&rec).unwrap(), Some(ppv.clone()));
    assert_eq!(ppv_now(&f.vault), Some(Some(45)));
    // A new change discards what could be redone.
    f.vault
        .update_annotation(
            &ppv,
            AnnotationEdit {
                note: Some(Some("reviewed".into())),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(f.vault.redo(&rec).unwrap(), None);
    let history: Vec<String> = f
        .vault
        .annotation_history(&ppv)
        .unwrap()
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(history, ["create", "update", "update"]);
}

/// The whole-file check runs once a session: opening, the redaction preview and
/// the export reuse it (they used to hash the recording three times, on the UI
/// thread), and a new session checks again.
#[test]
fn a_recording_is_verified_once_per_session() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture(dir.path(), &small(), true);
    let id = f.recording_id.clone();
    assert!(!f.vault.is_verified(&id));
    let mut reported = (0, 0);
    f.vault
        .verify_media_with(&id, &mut |done, total| {
            reported = (done, total);
            true
        })
        .unwrap();
    assert!(reported.0 > 0 && reported.0 == reported.1, "{reported:?}");
    assert!(f.vault.is_verified(&id));
    // Every handle of the session knows (the app's background jobs use a second one).
    assert!(f.vault.reopen().unwrap().is_verified(&id));
    // Damage after the check is not re-read this session…
    let media = f.vault.dir().join("media").join(format!("{id}.age"));
    let mut bytes = std::fs::read(&media).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&media, &bytes).unwrap();
    f.vault.open_media(&id, true).unwrap();
    f.vault.source_for_clip(&id).unwrap();
    // …but the next session checks again and refuses it.
    let vdir = f.vault.dir().to_path_buf();
    drop(f.vault);
    let mut again = Vault::unlock(&vdir, "alice", &pass("alice")).unwrap();
    assert!(!again.is_verified(&id));
    let err = again.open_media(&id, true).unwrap_err();
    assert!(matches!(err, VaultError::Integrity(_)), "{err}");
    // A cancelled check says so and remembers nothing.
    let err = again
        .verify_media_with(&id, &mut |_, _| false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cancelled"), "{err}");
    assert!(!again.is_verified(&id));
}

/// The first vaults a process opens may be opened on several threads at once
/// (parallel tests, the app's background jobs). Each round runs in a fresh
/// copy of this test binary, so SQLCipher starts up during the race.
#[test]
fn vaults_opened_on_many_threads_at_once_in_a_fresh_process_all_open() {
    if std::env::var_os("DEBRIEF_FIRST_OPEN_CHILD").is_some() {
        let dir = tempfile::tempdir().unwrap();
        let barrier = Arc::new(std::sync::Barrier::new(16));
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let root = dir.path().join(format!("v{i}"));
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    std::fs::create_dir_all(&root).unwrap();
                    barrier.wait();
                    debrief::vault::keys::set_test_work_factor(10);
                    Vault::init(&root.join("vault"), "alice", &pass("alice"), None).map(drop)
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap().expect("every vault opens");
        }
        return;
    }
    let exe = std::env::current_exe().unwrap();
    for round in 0..20 {
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "vaults_opened_on_many_threads_at_once_in_a_fresh_process_all_open",
                "--nocapture",
            ])
            .env("DEBRIEF_FIRST_OPEN_CHILD", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "round {round}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
