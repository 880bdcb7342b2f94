//! SIP messages: the one `OPTIONS` request fwsweep sends, and reading the
//! headers of a response. Header names compare case-insensitively, and the
//! compact forms (`i` for Call-ID, `v` for Via) are understood.

use std::net::SocketAddr;

/// A parsed SIP response: status and headers in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
}

/// Reason a datagram or stream is not a SIP response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed SIP response: {0}")]
pub struct MalformedResponse(pub String);

/// Returns the lower-case long form of a header name, expanding the compact
/// forms of RFC 3261 section 7.3.3.
fn long_name(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.as_str() {
        "i" => "call-id".into(),
        "v" => "via".into(),
        "f" => "from".into(),
        "t" => "to".into(),
        "m" => "contact".into(),
        "l" => "content-length".into(),
        "c" => "content-type".into(),
        "e" => "content-encoding".into(),
        "k" => "supported".into(),
        "s" => "subject".into(),
        _ => lower,
    }
}

/// Returns the first value of the header `name`, case-insensitively.
fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let expected = long_name(name);
    headers.iter().find(|(n, _)| *n == expected).map(|(_, v)| v.as_str())
}

impl Response {
    /// Parses the status line and headers. A body, if any, is ignored.
    pub fn parse(text: &str) -> Result<Response, MalformedResponse> {
        let head = text.split("\r\n\r\n").next().unwrap_or(text);
        let head = head.split("\n\n").next().unwrap_or(head);
        let mut lines = head.lines().map(|l| l.trim_end_matches('\r'));
        let status_line = lines.next().ok_or_else(|| MalformedResponse("empty".into()))?;
        let mut parts = status_line.splitn(3, ' ');
        let (Some("SIP/2.0"), Some(code)) = (parts.next(), parts.next()) else {
            return Err(MalformedResponse(format!("status line {:?} is not SIP/2.0", truncate(status_line))));
        };
        let status = code
            .parse::<u16>()
            .ok()
            .filter(|c| (100..700).contains(c))
            .ok_or_else(|| MalformedResponse(format!("status code {:?} is not a number from 100 to 699", truncate(code))))?;
        let reason = parts.next().unwrap_or("").to_string();

        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                // A folded header continues the previous one.
                if let Some((_, value)) = headers.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(MalformedResponse(format!("header line {:?} has no colon", truncate(line))));
            };
            headers.push((long_name(name), value.trim().to_string()));
        }
        Ok(Response { status, reason, headers })
    }

    /// Returns the first value of the header `name`, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Returns the header that names the device: a non-empty `User-Agent`,
    /// else a non-empty `Server`.
    pub fn agent(&self) -> Option<&str> {
        let present = |name: &str| self.header(name).filter(|v| !v.is_empty());
        present("user-agent").or_else(|| present("server"))
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(60).collect()
}

/// Call-ID, `From` tag and `Via` branch of one request. Each attempt gets new
/// ones from [`RequestIds::fresh`].
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub call_id: String,
    pub tag: String,
    pub branch: String,
}

impl RequestIds {
    /// Returns random identifiers. The branch starts with the RFC 3261 magic
    /// cookie `z9hG4bK`.
    pub fn fresh() -> RequestIds {
        let random = || format!("{:016x}", rand::random::<u64>());
        RequestIds { call_id: random(), tag: random(), branch: format!("z9hG4bK{}", random()) }
    }
}

/// Builds the `OPTIONS` request that queries capabilities (RFC 3261 section
/// 11), with no body, no authentication and `Max-Forwards: 70`.
pub fn options_request(target: SocketAddr, local: SocketAddr, transport: &str, ids: &RequestIds) -> String {
    let host = |address: SocketAddr| match address {
        SocketAddr::V4(v4) => format!("{}:{}", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
    };
    let target_host = match target {
        SocketAddr::V4(v4) => v4.ip().to_string(),
        SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
    };
    format!(
        "OPTIONS sip:{target_host} SIP/2.0\r\n\
         Via: SIP/2.0/{transport} {local};branch={branch};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:fwsweep@{local}>;tag={tag}\r\n\
         To: <sip:{target_host}>\r\n\
         Call-ID: {call_id}@{local}\r\n\
         CSeq: 1 OPTIONS\r\n\
         Contact: <sip:fwsweep@{local}>\r\n\
         Accept: application/sdp\r\n\
         User-Agent: fwsweep/{version}\r\n\
         Content-Length: 0\r\n\r\n",
        local = host(local),
        branch = ids.branch,
        tag = ids.tag,
        call_id = ids.call_id,
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// A parsed request, as the simulator reads it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// Parses the request line and headers, or returns `None` when the text
    /// is not a SIP/2.0 request.
    pub fn parse(text: &str) -> Option<Request> {
        let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
        let request_line = lines.next()?;
        let mut parts = request_line.split(' ');
        let method = parts.next()?.to_string();
        let _uri = parts.next()?;
        if parts.next()? != "SIP/2.0" {
            return None;
        }
        let mut headers = Vec::new();
        for line in lines {
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':')?;
            headers.push((long_name(name), value.trim().to_string()));
        }
        Some(Request { method, headers })
    }

    /// Returns the first value of the header `name`, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// Builds the response a recorded phone gives to `request`: the recording's
/// status line and headers, with `Via`, `From`, `To`, `Call-ID` and `CSeq`
/// taken from the request as RFC 3261 requires.
pub fn recorded_response(recording: &Response, request: &Request) -> String {
    let echoed = ["via", "from", "to", "call-id", "cseq"];
    let mut out = format!("SIP/2.0 {} {}\r\n", recording.status, recording.reason);
    for name in echoed {
        if let Some(value) = request.header(name) {
            let value = if name == "to" && !value.contains(";tag=") {
                let tag = recording.header("to").and_then(|t| t.split(";tag=").nth(1)).unwrap_or("recorded");
                format!("{value};tag={tag}")
            } else {
                value.to_string()
            };
            out.push_str(&format!("{}: {value}\r\n", canonical(name)));
        }
    }
    for (name, value) in &recording.headers {
        if !echoed.contains(&name.as_str()) && name != "content-length" {
            out.push_str(&format!("{}: {value}\r\n", canonical(name)));
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

fn canonical(name: &str) -> String {
    match name {
        "call-id" => "Call-ID".into(),
        "cseq" => "CSeq".into(),
        "www-authenticate" => "WWW-Authenticate".into(),
        _ => name
            .split('-')
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_parses_compact_and_folded_headers() {
        let text = "SIP/2.0 200 OK\r\ni: abc@192.0.2.1\r\nUser-Agent: Yealink SIP-T46U\r\n 108.86.0.45\r\nl: 0\r\n\r\n";
        let response = Response::parse(text).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.header("Call-ID"), Some("abc@192.0.2.1"));
        assert_eq!(response.agent(), Some("Yealink SIP-T46U 108.86.0.45"));
    }

    #[test]
    fn agent_falls_back_to_server() {
        let response = Response::parse("SIP/2.0 404 Not Found\nServer: snom D785/10.1.141.13\n\n").unwrap();
        assert_eq!(response.agent(), Some("snom D785/10.1.141.13"));
    }

    #[test]
    fn agent_skips_empty_user_agent() {
        let response = Response::parse("SIP/2.0 200 OK\r\nUser-Agent:\r\nServer: snom D785/10.1.141.13\r\n\r\n").unwrap();
        assert_eq!(response.agent(), Some("snom D785/10.1.141.13"));
        let empty = Response::parse("SIP/2.0 200 OK\r\nUser-Agent: \r\n\r\n").unwrap();
        assert_eq!(empty.agent(), None);
    }

    #[test]
    fn malformed_responses_are_named() {
        assert!(Response::parse("HTTP/1.1 200 OK\r\n\r\n").unwrap_err().0.contains("not SIP/2.0"));
        assert!(Response::parse("SIP/2.0 abc OK\r\n\r\n").is_err());
        assert!(Response::parse("SIP/2.0 200 OK\r\nno colon here\r\n\r\n").is_err());
    }

    #[test]
    fn request_has_fresh_ids_and_no_body() {
        let target: SocketAddr = "192.0.2.7:5060".parse().unwrap();
        let local: SocketAddr = "192.0.2.1:40000".parse().unwrap();
        let (a, b) = (RequestIds::fresh(), RequestIds::fresh());
        assert_ne!(a.call_id, b.call_id);
        let request = options_request(target, local, "UDP", &a);
        assert!(request.starts_with("OPTIONS sip:192.0.2.7 SIP/2.0\r\n"));
        assert!(request.contains(&format!("branch={};rport", a.branch)));
        assert!(request.ends_with("Content-Length: 0\r\n\r\n"));
        let parsed = Request::parse(&request).unwrap();
        assert_eq!(parsed.method, "OPTIONS");
        assert_eq!(parsed.header("cseq"), Some("1 OPTIONS"));
    }

    #[test]
    fn recorded_response_echoes_request_ids() {
        let recording = Response::parse("SIP/2.0 200 OK\r\nCall-ID: old\r\nTo: <sip:x>;tag=42\r\nUser-Agent: snom D785/10.1.141.13\r\n\r\n").unwrap();
        let request = Request::parse("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKn\r\nCall-ID: new\r\nTo: <sip:x>\r\nCSeq: 1 OPTIONS\r\n\r\n").unwrap();
        let response = Response::parse(&recorded_response(&recording, &request)).unwrap();
        assert_eq!(response.header("call-id"), Some("new"));
        assert_eq!(response.header("to"), Some("<sip:x>;tag=42"));
        assert_eq!(response.agent(), Some("snom D785/10.1.141.13"));
    }
}
