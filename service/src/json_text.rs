//! JSON strings written straight into a response or block being built by hand.

/// Appends `text` as a JSON string, as serde_json writes it: copied as it is when it
/// has nothing to escape (nearly always: ids, names, labels), through serde_json when it
/// has (control characters, quotes, backslashes).
pub fn push_str(out: &mut Vec<u8>, text: &str) {
    // A fold rather than `any`, so the scan has no early exit and is vectorised.
    if text.bytes().fold(false, |escapes, byte| escapes | (byte < 0x20) | (byte == b'"') | (byte == b'\\')) {
        serde_json::to_writer(&mut *out, text).expect("writing to memory");
    } else {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

/// Appends `texts` as a JSON array of strings, as serde_json writes it.
pub fn push_strs<'a>(out: &mut Vec<u8>, texts: impl IntoIterator<Item = &'a str>) {
    out.push(b'[');
    for (position, text) in texts.into_iter().enumerate() {
        if position > 0 {
            out.push(b',');
        }
        push_str(out, text);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for text in ["", "P000001", "吉備仮野 京子", "\"q\" \\ /", "tab\there\n\r\u{0}\u{1f} del \u{7f}", "{\"a\":1}"]
        {
            let mut out = Vec::new();
            super::push_str(&mut out, text);
            assert_eq!(String::from_utf8(out).expect("utf-8"), serde_json::to_string(text).expect("json"), "{text:?}");
        }
        for texts in [vec![], vec!["a"], vec!["a", "\"b\"", "当番"]] {
            let mut out = Vec::new();
            super::push_strs(&mut out, texts.iter().copied());
            assert_eq!(String::from_utf8(out).expect("utf-8"), serde_json::to_string(&texts).expect("json"));
        }
    }
}
