//! The keyring: who can open the vault, and with what.
//!
//! ```text
//! passphrase ──scrypt──► keyring/user-<h>.age ──► user's X25519 identity
//!                                                   │
//!                         keyring/vault.key.age ◄───┘ (encrypted to every member + recovery)
//!                                 │
//!                                 ▼
//!                    256-bit SQLCipher key ──► vault.db ──► each recording's identity
//! ```
//!
//! A keyring file is named by a hash of the user name, so the folder lists
//! no names. The scrypt work factor is pinned (age calibrates it to the
//! machine otherwise, and a file written on a fast machine may then be
//! refused on a slow one) and a maximum is set so a hostile file cannot
//! make unlocking take minutes.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use secrecy::SecretBox;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{VaultError, fsutil};

/// scrypt work factor for passphrase-sealed identities (2^18: ~0.6 s here).
pub const WORK_FACTOR: u8 = 18;
/// Largest work factor accepted when unsealing.
pub const MAX_WORK_FACTOR: u8 = 20;

/// A lower work factor for test suites (0: none). Only debug builds honour it.
static TEST_WORK_FACTOR: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Lets a test suite seal keys cheaply (debug builds only; release builds ignore it).
#[doc(hidden)]
pub fn set_test_work_factor(log_n: u8) {
    TEST_WORK_FACTOR.store(
        log_n.min(MAX_WORK_FACTOR),
        std::sync::atomic::Ordering::Relaxed,
    );
}

/// The work factor in force. Debug builds (tests) may lower it, with
/// [`set_test_work_factor`] or `DEBRIEF_TEST_SCRYPT_LOG_N` for the CLI, so a
/// test suite can unlock hundreds of times; release builds always use 18.
fn work_factor() -> u8 {
    #[cfg(debug_assertions)]
    {
        let set = TEST_WORK_FACTOR.load(std::sync::atomic::Ordering::Relaxed);
        if set > 0 {
            return set;
        }
        if let Some(n) = std::env::var("DEBRIEF_TEST_SCRYPT_LOG_N")
            .ok()
            .and_then(|v| v.parse::<u8>().ok())
        {
            return n.clamp(1, MAX_WORK_FACTOR);
        }
    }
    WORK_FACTOR
}

/// The 256-bit database key.
pub type DbKey = SecretBox<[u8; 32]>;

/// A fresh random database key.
pub fn new_db_key() -> DbKey {
    let mut key = Box::new([0u8; 32]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, key.as_mut_slice());
    SecretBox::new(key)
}

/// Path of `user`'s sealed identity.
pub fn user_key_path(dir: &Path, user: &str) -> PathBuf {
    let digest = Sha256::digest(user.as_bytes());
    dir.join("keyring").join(format!(
        "user-{}.age",
        hex::encode(digest.get(..8).unwrap_or_default())
    ))
}

/// Path of the sealed database key.
pub fn db_key_path(dir: &Path) -> PathBuf {
    dir.join("keyring").join("vault.key.age")
}

/// Seals `identity` with `passphrase` into `path` (0600, atomic).
pub fn seal_identity(
    path: &Path,
    identity: &age::x25519::Identity,
    passphrase: &SecretString,
) -> Result<(), VaultError> {
    let out = seal_identity_bytes(identity, passphrase)?;
    fsutil::write_private(path, &out)
}

/// `identity` sealed with `passphrase` at the pinned scrypt work factor.
fn seal_identity_bytes(
    identity: &age::x25519::Identity,
    passphrase: &SecretString,
) -> Result<Vec<u8>, VaultError> {
    let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
    recipient.set_work_factor(work_factor());
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| VaultError::Crypto(e.to_string()))?;
    let secret = identity.to_string();
    let mut out = Vec::new();
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| VaultError::Crypto(e.to_string()))?;
    writer
        .write_all(secret.expose_secret().as_bytes())
        .map_err(VaultError::io("sealing a key"))?;
    writer.finish().map_err(VaultError::io("sealing a key"))?;
    Ok(out)
}

/// Opens `user`'s sealed identity with `passphrase`.
pub fn unseal_identity(
    path: &Path,
    user: &str,
    passphrase: &SecretString,
) -> Result<age::x25519::Identity, VaultError> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // No such member. Say the same as for a wrong passphrase, after the
            // same scrypt work, so neither the message nor the time tells which
            // user names exist.
            let _ = seal_identity_bytes(&age::x25519::Identity::generate(), passphrase);
            return Err(VaultError::WrongPassphrase(user.to_owned()));
        }
        Err(e) => {
            return Err(VaultError::Io {
                what: format!("reading {}", path.display()),
                cause: e,
            });
        }
    };
    let decryptor = age::Decryptor::new(std::io::BufReader::new(file))
        .map_err(|e| VaultError::Integrity(format!("the key file is unreadable ({e})")))?;
    if !decryptor.is_scrypt() {
        return Err(VaultError::Integrity(
            "the key file is not sealed with a passphrase".into(),
        ));
    }
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                VaultError::WrongPassphrase(user.to_owned())
            }
            age::DecryptError::ExcessiveWork { .. } => {
                VaultError::Integrity("the key file demands too much work to open".into())
            }
            other => VaultError::Crypto(other.to_string()),
        })?;
    let mut text = Zeroizing::new(String::new());
    reader
        .read_to_string(&mut text)
        .map_err(|_| VaultError::WrongPassphrase(user.to_owned()))?;
    text.trim()
        .parse::<age::x25519::Identity>()
        .map_err(|_| VaultError::Integrity("the key file holds no identity".into()))
}

/// Seals the database key to every recipient (members and the recovery key).
pub fn seal_db_key(
    dir: &Path,
    key: &DbKey,
    recipients: &[age::x25519::Recipient],
) -> Result<(), VaultError> {
    if recipients.is_empty() {
        return Err(VaultError::Invalid(
            "the vault would have no member left who can open it".into(),
        ));
    }
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| VaultError::Crypto(e.to_string()))?;
    let mut out = Vec::new();
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| VaultError::Crypto(e.to_string()))?;
    writer
        .write_all(key.expose_secret())
        .map_err(VaultError::io("sealing the vault key"))?;
    writer
        .finish()
        .map_err(VaultError::io("sealing the vault key"))?;
    fsutil::write_private(&db_key_path(dir), &out)
}

/// Opens the database key with a member's (or the recovery) identity.
pub fn unseal_db_key(
    dir: &Path,
    user: &str,
    identity: &dyn age::Identity,
) -> Result<DbKey, VaultError> {
    let path = db_key_path(dir);
    let file = std::fs::File::open(&path).map_err(|e| VaultError::Io {
        what: format!("reading {}", path.display()),
        cause: e,
    })?;
    let decryptor = age::Decryptor::new(std::io::BufReader::new(file))
        .map_err(|e| VaultError::Integrity(format!("the vault key file is unreadable ({e})")))?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => VaultError::Removed(user.to_owned()),
            other => {
                VaultError::Integrity(format!("the vault key file does not decrypt ({other})"))
            }
        })?;
    let mut key = Box::new([0u8; 32]);
    reader
        .read_exact(key.as_mut_slice())
        .map_err(|_| VaultError::Integrity("the vault key file is truncated".into()))?;
    Ok(SecretBox::new(key))
}

/// A key for the audit chain's MACs, derived from the database key (never stored).
pub fn audit_key(db_key: &DbKey) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    Ok(Zeroizing::new(hmac_sha256(
        db_key.expose_secret(),
        &[b"debrief audit chain v1"],
    )?))
}

/// HMAC-SHA256 of the concatenated `parts`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Result<[u8; 32], VaultError> {
    use hmac::Mac as _;
    let mut mac =
        hmac::Hmac::<Sha256>::new_from_slice(key).map_err(|e| VaultError::Crypto(e.to_string()))?;
    for part in parts {
        mac.update(part);
    }
    Ok(mac.finalize().into_bytes().into())
}

/// Checks a user name: 1–64 of letters, digits, `.`, `_`, `-`, `@`.
/// The fewest characters a new passphrase may have (NIST SP 800-63B's minimum
/// for a chosen secret; a few random words are far longer).
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Refuses a new passphrase that guards PHI too weakly: shorter than
/// [`MIN_PASSPHRASE_CHARS`], one character repeated, or the user's own name.
pub fn check_new_passphrase(user: &str, passphrase: &SecretString) -> Result<(), VaultError> {
    let text = passphrase.expose_secret();
    let chars = text.chars().count();
    let advice = "choose a longer one, for example four random words";
    if chars < MIN_PASSPHRASE_CHARS {
        return Err(VaultError::Invalid(format!(
            "the passphrase is too short ({chars} characters, at least {MIN_PASSPHRASE_CHARS} \
             needed): {advice}"
        )));
    }
    let mut distinct = text.chars().collect::<Vec<_>>();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(VaultError::Invalid(format!(
            "the passphrase repeats one or two characters: {advice}"
        )));
    }
    if text.trim().eq_ignore_ascii_case(user) {
        return Err(VaultError::Invalid(format!(
            "the passphrase is the user name: {advice}"
        )));
    }
    Ok(())
}

/// Refuses a user name outside the allowed characters.
pub fn check_user_name(name: &str) -> Result<(), VaultError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(VaultError::Invalid(format!(
            "'{name}' is not a valid user name: use 1 to 64 letters, digits, '.', '_', '-' or '@'"
        )))
    }
}
