//! The SSH algorithm lists offered to devices: a modern set by default, and
//! a legacy set that adds what old switches and firewalls still require.

use std::borrow::Cow;

use russh::keys::{Algorithm, EcdsaCurve, HashAlg};
use russh::Names;
use russh::{Preferred, cipher, kex, mac};

/// Key exchange methods of the legacy set that use SHA-1.
const LEGACY_KEX: [kex::Name; 3] = [kex::DH_G14_SHA1, kex::DH_GEX_SHA1, kex::DH_G1_SHA1];
/// CBC ciphers of the legacy set.
const LEGACY_CIPHERS: [cipher::Name; 4] =
    [cipher::AES_128_CBC, cipher::AES_192_CBC, cipher::AES_256_CBC, cipher::TRIPLE_DES_CBC];

/// Returns the algorithm lists for one connection. The legacy set lists the
/// modern algorithms first, because the client's order decides, so a device
/// that offers modern algorithms still gets them.
pub fn preferred(legacy: bool) -> Preferred {
    let mut kex_list = vec![
        kex::MLKEM768X25519_SHA256,
        kex::CURVE25519,
        kex::CURVE25519_PRE_RFC_8731,
        kex::DH_GEX_SHA256,
        kex::DH_G14_SHA256,
        kex::DH_G16_SHA512,
        kex::DH_G18_SHA512,
    ];
    let mut keys = vec![
        Algorithm::Ed25519,
        Algorithm::Ecdsa { curve: EcdsaCurve::NistP256 },
        Algorithm::Ecdsa { curve: EcdsaCurve::NistP384 },
        Algorithm::Ecdsa { curve: EcdsaCurve::NistP521 },
        Algorithm::Rsa { hash: Some(HashAlg::Sha512) },
        Algorithm::Rsa { hash: Some(HashAlg::Sha256) },
    ];
    let mut ciphers = vec![
        cipher::CHACHA20_POLY1305,
        cipher::AES_256_GCM,
        cipher::AES_256_CTR,
        cipher::AES_192_CTR,
        cipher::AES_128_CTR,
    ];
    let mut macs = vec![mac::HMAC_SHA512_ETM, mac::HMAC_SHA256_ETM, mac::HMAC_SHA512, mac::HMAC_SHA256];
    if legacy {
        kex_list.extend([kex::ECDH_SHA2_NISTP256, kex::ECDH_SHA2_NISTP384, kex::ECDH_SHA2_NISTP521]);
        kex_list.extend(LEGACY_KEX);
        keys.push(Algorithm::Rsa { hash: None });
        ciphers.extend(LEGACY_CIPHERS);
        macs.extend([mac::HMAC_SHA1_ETM, mac::HMAC_SHA1]);
    }
    // Without ext-info-c the server sends no server-sig-algs, and without the
    // strict-kex marker the Terrapin countermeasure is off.
    kex_list.extend([kex::EXTENSION_SUPPORT_AS_CLIENT, kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT]);
    Preferred {
        kex: Cow::Owned(kex_list),
        key: Cow::Owned(keys),
        cipher: Cow::Owned(ciphers),
        mac: Cow::Owned(macs),
        ..Preferred::DEFAULT
    }
}

/// The algorithms a connection negotiated, by their SSH names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    pub kex: String,
    pub host_key: String,
    pub cipher: String,
    pub mac: String,
}

impl Negotiated {
    pub fn from_names(names: &Names) -> Self {
        Negotiated {
            kex: names.kex.as_ref().to_string(),
            host_key: names.key.as_str().to_string(),
            cipher: names.cipher.as_ref().to_string(),
            mac: names.client_mac.as_ref().to_string(),
        }
    }

    /// Returns the negotiated algorithms that only the legacy set offers.
    pub fn legacy(&self) -> Vec<String> {
        let mut found = Vec::new();
        if LEGACY_KEX.iter().any(|name| name.as_ref() == self.kex) {
            found.push(self.kex.clone());
        }
        if self.host_key == "ssh-rsa" {
            found.push(self.host_key.clone());
        }
        if LEGACY_CIPHERS.iter().any(|name| name.as_ref() == self.cipher) {
            found.push(self.cipher.clone());
        }
        // AEAD ciphers carry their own integrity check, so the MAC name is
        // meaningful only beside the others.
        if self.mac.starts_with("hmac-sha1") && !self.cipher.contains("gcm") && !self.cipher.contains("poly1305") {
            found.push(self.mac.clone());
        }
        found
    }
}

/// The negotiated algorithms as a result row reports them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SshAlgorithms {
    pub kex: String,
    pub host_key: String,
    pub cipher: String,
    pub mac: String,
    /// The negotiated algorithms that only the legacy set offers; empty
    /// when the connection used modern algorithms only.
    pub legacy: Vec<String>,
}

impl From<&Negotiated> for SshAlgorithms {
    fn from(negotiated: &Negotiated) -> Self {
        SshAlgorithms {
            kex: negotiated.kex.clone(),
            host_key: negotiated.host_key.clone(),
            cipher: negotiated.cipher.clone(),
            mac: negotiated.mac.clone(),
            legacy: negotiated.legacy(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_set_offers_no_sha1_or_cbc() {
        let modern = preferred(false);
        assert!(!modern.kex.iter().any(|k| k.as_ref().ends_with("sha1")));
        assert!(!modern.key.contains(&Algorithm::Rsa { hash: None }));
        assert!(!modern.cipher.iter().any(|c| c.as_ref().ends_with("cbc")));
        assert!(!modern.mac.contains(&mac::HMAC_SHA1));
    }

    #[test]
    fn legacy_set_keeps_modern_algorithms_first() {
        let legacy = preferred(true);
        assert_eq!(legacy.kex[0], kex::MLKEM768X25519_SHA256);
        assert!(legacy.kex.contains(&kex::DH_G1_SHA1));
        assert!(legacy.cipher.contains(&cipher::TRIPLE_DES_CBC));
        assert_eq!(legacy.key.last(), Some(&Algorithm::Rsa { hash: None }));
    }

    #[test]
    fn legacy_names_are_listed() {
        let negotiated = Negotiated {
            kex: "diffie-hellman-group14-sha1".into(),
            host_key: "ssh-rsa".into(),
            cipher: "aes128-cbc".into(),
            mac: "hmac-sha1".into(),
        };
        assert_eq!(negotiated.legacy(), ["diffie-hellman-group14-sha1", "ssh-rsa", "aes128-cbc", "hmac-sha1"]);
    }
}
