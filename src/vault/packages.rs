//! Plenary packages in the vault's audit log. Packages are made by the
//! plenary layer (`crate::plenary::create_package`); the vault only records
//! that one was made or shown.

use super::{Vault, VaultError};

impl Vault {
    /// Records in this vault's audit log that a package was presented (only
    /// when the presenter asks for it: `debrief present --audit`). Names the
    /// package by its SHA-256 and its clips by id, nothing else.
    pub fn record_presentation(
        &mut self,
        package_sha256: &str,
        clip_ids: &[String],
    ) -> Result<(), VaultError> {
        let detail = format!(
            "package_sha256={package_sha256} clips={}",
            clip_ids.join(",")
        );
        self.write("package.present", None, Some(&detail), |_| Ok(()))
    }
}
