//! HTTP Digest access authentication (RFC 7616) with MD5 or SHA-256 and
//! `qop=auth`, or no qop for RFC 2069 servers. The client computes the
//! response to a challenge, and the simulator checks it with the same arithmetic.

use md5::Md5;
use sha2::Sha256;

/// Hash algorithm of a challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    fn hash(self, text: &str) -> String {
        match self {
            Algorithm::Md5 => hex(&<Md5 as md5::Digest>::digest(text.as_bytes())),
            Algorithm::Sha256 => hex(&<Sha256 as sha2::Digest>::digest(text.as_bytes())),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A parsed `WWW-Authenticate: Digest …` challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// Whether the server offers `qop=auth`. Without it the RFC 2069 form is used.
    pub qop_auth: bool,
}

/// Reason the client cannot compute a response to a challenge.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChallengeError {
    #[error("the Digest challenge has no {0}")]
    Missing(&'static str),
    #[error("the Digest challenge asks for algorithm {0:?}; only MD5 and SHA-256 are supported")]
    Algorithm(String),
    #[error("the Digest challenge offers qop {0:?}; only auth is supported")]
    Qop(String),
}

impl Challenge {
    /// Parses the value of a `WWW-Authenticate` header that starts with `Digest`.
    pub fn parse(header: &str) -> Result<Challenge, ChallengeError> {
        let parameters = parse_parameters(header.trim().get(6..).unwrap_or_default());
        let get = |name: &str| parameters.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let algorithm = match get("algorithm").as_deref() {
            None => Algorithm::Md5,
            Some(name) if name.eq_ignore_ascii_case("MD5") => Algorithm::Md5,
            Some(name) if name.eq_ignore_ascii_case("SHA-256") => Algorithm::Sha256,
            Some(other) => return Err(ChallengeError::Algorithm(other.to_string())),
        };
        let qop_auth = match get("qop") {
            None => false,
            Some(qop) if qop.split(',').any(|q| q.trim() == "auth") => true,
            Some(qop) => return Err(ChallengeError::Qop(qop)),
        };
        Ok(Challenge {
            realm: get("realm").ok_or(ChallengeError::Missing("realm"))?,
            nonce: get("nonce").ok_or(ChallengeError::Missing("nonce"))?,
            opaque: get("opaque"),
            algorithm,
            qop_auth,
        })
    }

    /// Builds the `Authorization` header value for a request.
    pub fn authorization(&self, user: &str, password: &str, method: &str, uri: &str, nc: u32, cnonce: &str) -> String {
        let nc_text = format!("{nc:08x}");
        let response = response_digest(self.algorithm, &DigestInput {
            user,
            realm: &self.realm,
            password,
            method,
            uri,
            nonce: &self.nonce,
            qop: self.qop_auth.then_some(("auth", nc_text.as_str(), cnonce)),
        });
        let mut header = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm={}, response=\"{response}\"",
            quote(user),
            quote(&self.realm),
            quote(&self.nonce),
            self.algorithm.name()
        );
        if self.qop_auth {
            header.push_str(&format!(", qop=auth, nc={nc_text}, cnonce=\"{cnonce}\""));
        }
        if let Some(opaque) = &self.opaque {
            header.push_str(&format!(", opaque=\"{}\"", quote(opaque)));
        }
        header
    }
}

/// The inputs of one digest computation.
pub struct DigestInput<'a> {
    pub user: &'a str,
    pub realm: &'a str,
    pub password: &'a str,
    pub method: &'a str,
    pub uri: &'a str,
    pub nonce: &'a str,
    /// `(qop, nc, cnonce)` when the server offered a qop.
    pub qop: Option<(&'a str, &'a str, &'a str)>,
}

/// Computes the `response` value of RFC 7616 section 3.4.1.
pub fn response_digest(algorithm: Algorithm, input: &DigestInput<'_>) -> String {
    let ha1 = algorithm.hash(&format!("{}:{}:{}", input.user, input.realm, input.password));
    let ha2 = algorithm.hash(&format!("{}:{}", input.method, input.uri));
    match input.qop {
        Some((qop, nc, cnonce)) => algorithm.hash(&format!("{ha1}:{}:{nc}:{cnonce}:{qop}:{ha2}", input.nonce)),
        None => algorithm.hash(&format!("{ha1}:{}:{ha2}", input.nonce)),
    }
}

/// Escapes a value for a quoted-string.
fn quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Splits `name=value, name="quoted, value"` into pairs, unquoting values.
pub fn parse_parameters(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let name: String = chars.by_ref().take_while(|c| *c != '=').collect::<String>().trim().to_string();
        if name.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    other => value.push(other),
                }
            }
        } else {
            while let Some(c) = chars.peek().copied() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
            value = value.trim().to_string();
        }
        pairs.push((name, value));
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of RFC 7616 section 3.9.1 (user Mufasa, password "Circle of Life").
    #[test]
    fn rfc_7616_example_md5_and_sha256() {
        let input = DigestInput {
            user: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            qop: Some(("auth", "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")),
        };
        assert_eq!(response_digest(Algorithm::Md5, &input), "8ca523f5e9506fed4657c9700eebdbec");
        assert_eq!(
            response_digest(Algorithm::Sha256, &input),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn challenge_parses_quoted_parameters() {
        let header = r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="abc", opaque="x,y""#;
        let challenge = Challenge::parse(header).unwrap();
        assert_eq!(challenge.realm, "http-auth@example.org");
        assert_eq!(challenge.algorithm, Algorithm::Sha256);
        assert!(challenge.qop_auth);
        assert_eq!(challenge.opaque.as_deref(), Some("x,y"));
    }

    #[test]
    fn challenge_without_nonce_is_rejected() {
        assert_eq!(Challenge::parse(r#"Digest realm="r""#), Err(ChallengeError::Missing("nonce")));
        assert!(matches!(Challenge::parse(r#"Digest realm="r", nonce="n", algorithm=SHA-512-256"#), Err(ChallengeError::Algorithm(_))));
    }
}
