//! The output URLs: `scheme://[user[:password]@]host[:port][/path][?k=v&...]`.

/// A parsed output URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Url {
    /// Lower-case scheme.
    pub scheme: String,
    /// User name, if any.
    pub user: Option<String>,
    /// Password, if any.
    pub password: Option<String>,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port, if given.
    pub port: Option<u16>,
    /// Path, `/` when none.
    pub path: String,
    /// Query parameters in order, percent-decoded.
    pub query: Vec<(String, String)>,
}

impl Url {
    /// Parses; the error says what is missing or malformed.
    pub fn parse(s: &str) -> Result<Url, String> {
        let (scheme, rest) = s
            .split_once("://")
            .ok_or("give a URL such as mqtt://127.0.0.1:1883/finisterra")?;
        if scheme.is_empty() {
            return Err("no scheme".into());
        }
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((a, b)) => (Some(decode(a)?), Some(decode(b)?)),
                None => (Some(decode(u)?), None),
            },
            None => (None, None),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or("unclosed [ in the host")?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err("no host".into());
        }
        let port = match port {
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|&p| p > 0)
                    .ok_or_else(|| format!("port {p:?} is not 1-65535"))?,
            ),
            None => None,
        };
        let mut pairs = Vec::new();
        for kv in query.unwrap_or("").split('&').filter(|x| !x.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            pairs.push((decode(k)?, decode(v)?));
        }
        Ok(Url {
            scheme: scheme.to_ascii_lowercase(),
            user,
            password,
            host,
            port,
            path: decode(path)?,
            query: pairs,
        })
    }

    /// `host:port` to connect to (IPv6 in brackets), with `default_port`
    /// when none is given.
    pub fn host_port(&self, default_port: u16) -> String {
        let port = self.port.unwrap_or(default_port);
        if self.host.contains(':') {
            format!("[{}]:{port}", self.host)
        } else {
            format!("{}:{port}", self.host)
        }
    }

    /// The URL without user, password or query: safe for logs and labels.
    pub fn display(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        let path = if self.path == "/" { "" } else { &self.path };
        format!("{}://{host}{port}{path}", self.scheme)
    }

    /// The value of query parameter `k`, if given.
    pub fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Percent-decoding (`%2F`, and `+` kept as is).
fn decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent escape in {s:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{s:?} is not UTF-8 once decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let u =
            Url::parse("mqtt://me:p%40ss@broker.local:1883/fin/ais?kinds=risk.*&mmsi=1,2").unwrap();
        assert_eq!(u.scheme, "mqtt");
        assert_eq!(u.user.as_deref(), Some("me"));
        assert_eq!(u.password.as_deref(), Some("p@ss"));
        assert_eq!(u.host, "broker.local");
        assert_eq!(u.port, Some(1883));
        assert_eq!(u.path, "/fin/ais");
        assert_eq!(u.param("mmsi"), Some("1,2"));
        assert_eq!(u.display(), "mqtt://broker.local:1883/fin/ais");
        let v6 = Url::parse("udp://[::1]:10110").unwrap();
        assert_eq!(v6.host_port(0), "[::1]:10110");
        assert!(Url::parse("udp://host:99999")
            .unwrap_err()
            .contains("99999"));
        assert!(Url::parse("127.0.0.1:5").is_err());
    }
}
