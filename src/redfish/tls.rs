//! TLS towards BMCs: verified by default, a self-signed certificate only by
//! its pinned SHA-256 fingerprint or an explicit per-target opt-out.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

/// Trust mode for a BMC's certificate. The scan result records which mode
/// was used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsPolicy {
    /// System roots, plus the extra CA certificates given (PEM).
    Verified { extra_roots_pem: Option<Vec<u8>> },
    /// Exactly the certificate with this SHA-256 fingerprint of its DER.
    Pinned([u8; 32]),
    /// Any certificate, with only the handshake signature checked. Used for
    /// targets marked insecure and to read a certificate's fingerprint.
    Insecure,
}

impl TlsPolicy {
    /// Returns the name of this trust mode as the results show it.
    pub fn label(&self) -> &'static str {
        match self {
            TlsPolicy::Verified { .. } => "verified",
            TlsPolicy::Pinned(_) => "pinned",
            TlsPolicy::Insecure => "insecure",
        }
    }
}

/// Parses `AA:BB:…` or plain hex (64 digits, any case, optional
/// `sha256:` prefix) into a fingerprint.
pub fn parse_fingerprint(text: &str) -> Result<[u8; 32], String> {
    let trimmed = text.trim();
    let body = trimmed.strip_prefix("sha256:").or_else(|| trimmed.strip_prefix("SHA256:")).unwrap_or(trimmed);
    let digits: String = body.chars().filter(|c| *c != ':').collect();
    if digits.len() != 64 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("{text:?} is not a SHA-256 fingerprint (64 hex digits, colons allowed)"));
    }
    let mut fingerprint = [0u8; 32];
    for (index, byte) in fingerprint.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&digits[index * 2..index * 2 + 2], 16).map_err(|e| e.to_string())?;
    }
    Ok(fingerprint)
}

/// Formats a fingerprint as upper-case hex pairs joined with colons.
pub fn format_fingerprint(fingerprint: &[u8]) -> String {
    fingerprint.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

pub fn fingerprint_of(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

/// Builds the rustls configuration for a policy.
pub fn client_config(policy: &TlsPolicy) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = match policy {
        TlsPolicy::Verified { extra_roots_pem } => {
            let mut roots = rustls::RootCertStore::empty();
            let native = rustls_native_roots();
            roots.add_parsable_certificates(native);
            if let Some(pem) = extra_roots_pem {
                let mut reader = std::io::Cursor::new(pem);
                for certificate in rustls_pemfile_certs(&mut reader)? {
                    roots.add(certificate).map_err(|e| format!("--ca-file: {e}"))?;
                }
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        TlsPolicy::Pinned(fingerprint) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(CertificateCheck { fingerprint: Some(*fingerprint), provider }))
            .with_no_client_auth(),
        TlsPolicy::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(CertificateCheck { fingerprint: None, provider }))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// Returns the system's trusted roots, read from the usual CA bundle path of
/// Debian or of Red Hat.
fn rustls_native_roots() -> Vec<CertificateDer<'static>> {
    let bundle = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]
        .iter()
        .find_map(|path| std::fs::read(path).ok());
    match bundle {
        Some(pem) => rustls_pemfile_certs(&mut std::io::Cursor::new(pem)).unwrap_or_default(),
        None => Vec::new(),
    }
}

/// Reads every CERTIFICATE block of a PEM file.
fn rustls_pemfile_certs(reader: &mut dyn std::io::BufRead) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let mut text = Vec::new();
    reader.read_to_end(&mut text).map_err(|e| e.to_string())?;
    CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("invalid PEM certificate: {e}"))
}

/// Certificate verifier for pinned and insecure targets. It accepts one leaf
/// certificate by fingerprint, or any certificate when no fingerprint is given.
/// In both cases it still verifies the handshake signature, so the server must
/// hold the key of the certificate it presents. Chain, expiry and name are not
/// checked, because BMC certificates are self-signed, often expired and named
/// after the factory host name.
#[derive(Debug)]
struct CertificateCheck {
    fingerprint: Option<[u8; 32]>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for CertificateCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.fingerprint {
            Some(pin) if fingerprint_of(end_entity.as_ref()) != pin => {
                Err(rustls::Error::InvalidCertificate(rustls::CertificateError::ApplicationVerificationFailure))
            }
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// Reason a TLS connection failed, as far as the error chain shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The certificate is not trusted, or does not match its pin.
    Rejected(String),
    /// The server offers only TLS 1.0 or 1.1, which rustls does not implement.
    Legacy,
}

/// Looks through an error's source chain for a rustls error and classifies it.
pub fn classify(error: &(dyn std::error::Error + 'static)) -> Option<TlsFailure> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = current {
        let rustls_error = error
            .downcast_ref::<rustls::Error>()
            .or_else(|| error.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).and_then(|inner| inner.downcast_ref::<rustls::Error>()));
        if let Some(rustls_error) = rustls_error {
            return Some(match rustls_error {
                rustls::Error::InvalidCertificate(rustls::CertificateError::ApplicationVerificationFailure) => pin_mismatch(),
                rustls::Error::InvalidCertificate(reason) => untrusted(&format!("{reason:?}")),
                rustls::Error::PeerIncompatible(rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13)
                | rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion) => TlsFailure::Legacy,
                other => TlsFailure::Rejected(format!("TLS handshake failed: {other}")),
            });
        }
        current = error.source();
    }
    classify_text(error)
}

/// Classifies by rustls's error text when no level of the chain can be
/// downcast to `rustls::Error`, as with reqwest 0.13, which boxes the
/// connector's error.
// NOTE: This depends on the Display strings of rustls 0.23 for these errors.
// The tests for pinned, untrusted and TLS 1.1-only peers would catch a change.
fn classify_text(error: &(dyn std::error::Error + 'static)) -> Option<TlsFailure> {
    let mut text = String::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(level) = current {
        text.push_str(&level.to_string());
        text.push('\n');
        current = level.source();
    }
    if text.contains("invalid peer certificate: ApplicationVerificationFailure") {
        Some(pin_mismatch())
    } else if let Some(position) = text.find("invalid peer certificate: ") {
        let reason = text[position + "invalid peer certificate: ".len()..].lines().next().unwrap_or("");
        Some(untrusted(reason))
    } else if text.contains("received fatal alert: ProtocolVersion") || text.contains("ServerDoesNotSupportTls12Or13") {
        Some(TlsFailure::Legacy)
    } else {
        None
    }
}

fn pin_mismatch() -> TlsFailure {
    TlsFailure::Rejected("the certificate does not match the pinned SHA-256 fingerprint".to_string())
}

fn untrusted(reason: &str) -> TlsFailure {
    TlsFailure::Rejected(format!("the certificate is not trusted ({reason}); pin its fingerprint or add its CA with --ca-file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_forms_parse() {
        let colons = "AB:".repeat(31) + "AB";
        assert_eq!(parse_fingerprint(&colons).unwrap(), [0xab; 32]);
        assert_eq!(parse_fingerprint(&format!("sha256:{}", "ab".repeat(32))).unwrap(), [0xab; 32]);
        assert!(parse_fingerprint("AB:CD").is_err());
        assert_eq!(format_fingerprint(&[0xab, 0x01]), "AB:01");
    }
}
