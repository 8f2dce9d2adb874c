//! CSV quoting (RFC 4180) for every sink that writes events or findings as
//! CSV: the census tables and the server's exports.

/// Appends `s` as one CSV field: quoted (with quotes doubled) when it holds
/// a comma, a quote or a line break, as it is otherwise.
pub fn csv_field(s: &str, out: &mut String) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push('"');
        for c in s.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoting() {
        let mut o = String::new();
        super::csv_field("plain", &mut o);
        o.push(',');
        super::csv_field("a,\"b\"\nc", &mut o);
        assert_eq!(o, "plain,\"a,\"\"b\"\"\nc\"");
    }
}
