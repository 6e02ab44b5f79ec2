//! The source encodings pyleak-fix reads and writes back: UTF-8 (with or without a
//! byte-order mark), and, when a PEP 263 declaration says so, ASCII, Latin-1 and cp1252,
//! whose bytes map one to one onto characters, so that decoding and re-encoding gives
//! back the very same bytes. Any other declared encoding is refused by name.

use std::borrow::Cow;

const BOM: &str = "\u{feff}";

/// A file's text, and what its bytes say about how to write it back.
pub struct Decoded<'a> {
    /// `"\u{feff}"` when the bytes start with a UTF-8 byte-order mark, else empty.
    pub bom: &'static str,
    pub encoding: Encoding,
    /// The text after the byte-order mark.
    pub text: Cow<'a, str>,
}

/// The text of a file's bytes: UTF-8 unless a PEP 263 declaration names another this
/// crate reads (a byte-order mark says UTF-8 whatever follows). A NUL byte, an encoding
/// this crate does not know, and bytes the encoding has no character for are refused,
/// with the message the user sees.
pub fn decode_source(bytes: &[u8]) -> Result<Decoded<'_>, String> {
    let (bom, body) = match bytes.strip_prefix(BOM.as_bytes()) {
        Some(body) => (BOM, body),
        None => ("", bytes),
    };
    if let Some(at) = memchr::memchr(0, body) {
        return Err(format!(
            "contains a NUL byte (byte {}), which CPython refuses in source too; left unchanged",
            bom.len() + at
        ));
    }
    let encoding = if !bom.is_empty() {
        // CPython refuses a byte-order mark with any declaration but `utf-8` (after its
        // normalisation: lower case, `_` as `-`, `utf-8-*` as `utf-8`): `utf8` too.
        match declared_name(body) {
            None => Encoding::Utf8,
            Some(name) => {
                let normal = name.to_ascii_lowercase().replace('_', "-");
                if normal != "utf-8" && !normal.starts_with("utf-8-") {
                    return Err(format!(
                        "starts with a UTF-8 byte-order mark but declares the encoding \
                         `{name}` (PEP 263), which CPython refuses (\"{name} with BOM\"); left \
                         unchanged"
                    ));
                }
                Encoding::Utf8
            }
        }
    } else {
        match declared_encoding(body) {
            Declared::None => Encoding::Utf8,
            Declared::Supported(encoding) => encoding,
            Declared::Unsupported(name) => {
                return Err(format!(
                    "declares the encoding `{name}` (PEP 263), which pyleak-fix does not read \
                     (it reads utf-8, latin-1, cp1252 and ascii); left unchanged"
                ))
            }
        }
    };
    let text: Cow<str> = match encoding {
        Encoding::Utf8 => std::str::from_utf8(body).map(Cow::Borrowed).map_err(|error| {
            format!(
                "not valid UTF-8 (byte {}); pyleak-fix reads UTF-8 source unless a PEP 263 \
                 declaration names another encoding it knows (latin-1, cp1252, ascii)",
                bom.len() + error.valid_up_to()
            )
        })?,
        other => Cow::Owned(other.decode(body).map_err(|at| {
            format!(
                "not valid {} (byte {at}), the encoding its PEP 263 declaration names; left unchanged",
                other.name()
            )
        })?),
    };
    Ok(Decoded {
        bom,
        encoding,
        text,
    })
}

/// How a file's bytes become text, and the text bytes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Ascii,
    Latin1,
    Cp1252,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Ascii => "ascii",
            Encoding::Latin1 => "latin-1",
            Encoding::Cp1252 => "cp1252",
        }
    }

    /// The text of `bytes`, or the offset of the first byte this encoding has no
    /// character for.
    pub fn decode(self, bytes: &[u8]) -> Result<String, usize> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(bytes)
                .map(str::to_string)
                .map_err(|error| error.valid_up_to()),
            Encoding::Ascii => match bytes.iter().position(|byte| !byte.is_ascii()) {
                Some(at) => Err(at),
                None => Ok(bytes.iter().map(|&byte| byte as char).collect()),
            },
            Encoding::Latin1 => Ok(bytes.iter().map(|&byte| byte as char).collect()),
            Encoding::Cp1252 => bytes
                .iter()
                .enumerate()
                .map(|(at, &byte)| cp1252_char(byte).ok_or(at))
                .collect(),
        }
    }

    /// The bytes of `text`, or the first character this encoding cannot hold.
    pub fn encode(self, text: &str) -> Result<Vec<u8>, char> {
        match self {
            Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
            Encoding::Ascii => text
                .chars()
                .map(|c| if c.is_ascii() { Ok(c as u8) } else { Err(c) })
                .collect(),
            Encoding::Latin1 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).map_err(|_| c))
                .collect(),
            Encoding::Cp1252 => text.chars().map(|c| cp1252_byte(c).ok_or(c)).collect(),
        }
    }
}

/// cp1252 differs from Latin-1 in 0x80..=0x9F only; five of those bytes are undefined
/// (Python's codec refuses them, and so does this one).
const CP1252_HIGH: [Option<char>; 32] = [
    Some('\u{20AC}'),
    None,
    Some('\u{201A}'),
    Some('\u{0192}'),
    Some('\u{201E}'),
    Some('\u{2026}'),
    Some('\u{2020}'),
    Some('\u{2021}'),
    Some('\u{02C6}'),
    Some('\u{2030}'),
    Some('\u{0160}'),
    Some('\u{2039}'),
    Some('\u{0152}'),
    None,
    Some('\u{017D}'),
    None,
    None,
    Some('\u{2018}'),
    Some('\u{2019}'),
    Some('\u{201C}'),
    Some('\u{201D}'),
    Some('\u{2022}'),
    Some('\u{2013}'),
    Some('\u{2014}'),
    Some('\u{02DC}'),
    Some('\u{2122}'),
    Some('\u{0161}'),
    Some('\u{203A}'),
    Some('\u{0153}'),
    None,
    Some('\u{017E}'),
    Some('\u{0178}'),
];

fn cp1252_char(byte: u8) -> Option<char> {
    match byte {
        0x80..=0x9F => CP1252_HIGH[usize::from(byte - 0x80)],
        _ => Some(char::from(byte)),
    }
}

fn cp1252_byte(c: char) -> Option<u8> {
    match u32::from(c) {
        0x80..=0x9F => None,
        code @ 0..=0xFF => Some(code as u8),
        _ => CP1252_HIGH
            .iter()
            .position(|&high| high == Some(c))
            .map(|at| 0x80 + at as u8),
    }
}

/// What the file's first two lines declare (PEP 263), if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    None,
    Supported(Encoding),
    Unsupported(String),
}

/// Reads a PEP 263 declaration: a comment matching `coding[:=]\s*([-\w.]+)` on the first
/// line, or on the second when the first is blank or a comment.
pub fn declared_encoding(bytes: &[u8]) -> Declared {
    declared_name(bytes).map_or(Declared::None, |name| classify(&name))
}

/// The encoding name a PEP 263 declaration gives, as written.
fn declared_name(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|&byte| byte == b'\n');
    let first = lines.next().unwrap_or_default();
    if let Some(name) = declaration(first) {
        return Some(name);
    }
    let first_is_comment_or_blank = {
        let trimmed = first.trim_ascii_start();
        trimmed.is_empty() || trimmed.starts_with(b"#")
    };
    if first_is_comment_or_blank {
        return lines.next().and_then(declaration);
    }
    None
}

fn declaration(line: &[u8]) -> Option<String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let comment = line
        .trim_ascii_start()
        .strip_prefix(b"#")
        .filter(|_| line.trim_ascii_start().starts_with(b"#"))?;
    let at = comment.windows(6).position(|window| window == b"coding")?;
    let rest = comment[at + 6..]
        .strip_prefix(b":")
        .or_else(|| comment[at + 6..].strip_prefix(b"="))?;
    let rest = rest.trim_ascii_start();
    let name: Vec<u8> = rest
        .iter()
        .copied()
        .take_while(|&byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
        .collect();
    if name.is_empty() {
        return None;
    }
    Some(String::from_utf8(name).expect("ASCII"))
}

/// CPython's own normalisation of the name (lower case, `_` as `-`), then its aliases.
fn classify(name: &str) -> Declared {
    let normal = name.to_ascii_lowercase().replace('_', "-");
    let encoding = match normal.as_str() {
        "utf-8" | "utf8" | "u8" | "utf" | "utf8-ucs2" | "utf8-ucs4" | "cp65001" => Encoding::Utf8,
        _ if normal.starts_with("utf-8-") => Encoding::Utf8,
        "ascii" | "us-ascii" | "646" | "ansi-x3.4-1968" | "us" => Encoding::Ascii,
        "latin-1" | "latin1" | "latin" | "l1" | "iso-8859-1" | "iso8859-1" | "8859" | "cp819"
        | "iso-ir-100" | "iso-latin-1" => Encoding::Latin1,
        _ if normal.starts_with("latin-1-")
            || normal.starts_with("iso-8859-1-")
            || normal.starts_with("iso-latin-1-") =>
        {
            Encoding::Latin1
        }
        "cp1252" | "windows-1252" | "1252" => Encoding::Cp1252,
        _ => return Declared::Unsupported(name.to_string()),
    };
    Declared::Supported(encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_with_another_declared_encoding_is_refused() {
        assert!(decode_source(b"\xef\xbb\xbf# coding: latin-1\nx = 1\n").is_err());
        assert!(decode_source(b"\xef\xbb\xbf# coding: utf-8\nx = 1\n").is_ok());
        assert!(decode_source(b"\xef\xbb\xbf# coding: UTF_8\nx = 1\n").is_ok());
        assert!(decode_source(b"\xef\xbb\xbf# coding: utf8\nx = 1\n").is_err());
        assert!(decode_source(b"\xef\xbb\xbfx = 1\n").is_ok());
    }

    #[test]
    fn declarations_on_the_first_two_lines() {
        let latin = Declared::Supported(Encoding::Latin1);
        assert_eq!(
            declared_encoding(b"# -*- coding: latin-1 -*-\nx = 1\n"),
            latin
        );
        assert_eq!(
            declared_encoding(b"#!/usr/bin/env python\n# coding=ISO_8859_1\n"),
            latin
        );
        assert_eq!(
            declared_encoding(b"# vim: set fileencoding=latin1 :\r\n"),
            latin
        );
        assert_eq!(
            declared_encoding(b"# coding: utf-8\n"),
            Declared::Supported(Encoding::Utf8)
        );
        assert_eq!(
            declared_encoding(b"# coding: windows-1252\n"),
            Declared::Supported(Encoding::Cp1252)
        );
        assert_eq!(
            declared_encoding(b"# -*- coding: shift_jis -*-\n"),
            Declared::Unsupported("shift_jis".into())
        );
        // Code on the first line: the second line is not looked at.
        assert_eq!(
            declared_encoding(b"x = 1\n# coding: latin-1\n"),
            Declared::None
        );
        assert_eq!(
            declared_encoding(b"x = '# coding: latin-1'\n"),
            Declared::None
        );
        assert_eq!(
            declared_encoding(b"\n\n# coding: latin-1\n"),
            Declared::None
        );
    }

    #[test]
    fn single_byte_encodings_round_trip_every_byte_they_define() {
        let every: Vec<u8> = (0..=255).collect();
        let text = Encoding::Latin1.decode(&every).unwrap();
        assert_eq!(Encoding::Latin1.encode(&text).unwrap(), every);
        let defined: Vec<u8> = every
            .iter()
            .copied()
            .filter(|byte| ![0x81, 0x8D, 0x8F, 0x90, 0x9D].contains(byte))
            .collect();
        let text = Encoding::Cp1252.decode(&defined).unwrap();
        assert!(text.contains('€') && text.contains('™'));
        assert_eq!(Encoding::Cp1252.encode(&text).unwrap(), defined);
        assert_eq!(Encoding::Cp1252.decode(b"ok \x81"), Err(3));
        assert_eq!(Encoding::Latin1.encode("€"), Err('€'));
        assert_eq!(Encoding::Ascii.decode(b"a\xe9"), Err(1));
    }
}
