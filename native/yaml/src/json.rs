//! `yaml_source._json_spans` in Rust: the span of every node path of a JSON text that Python's
//! `json` has already decoded, in one forward pass. Same contract: `None` wherever the Python
//! function returns None (a carriage return, a duplicate key, a node or depth limit), and also
//! for a key holding a lone surrogate escape (a Rust string cannot hold it) or anything
//! unexpected; the caller then takes the event walk, as it does for the Python function's None.

use std::collections::HashSet;

use crate::{child_index, child_key, SpanT};

pub struct Limits {
    pub max_nodes: usize,
    pub max_depth: usize,
}

struct Cursor {
    line: usize,
    seen: usize,
    col: usize, // characters between the last line break and `seen`
}

impl Cursor {
    /// (line, column) of byte offset `pos`, columns in characters; offsets only grow.
    fn at(&mut self, bytes: &[u8], pos: usize) -> Option<(usize, usize)> {
        if pos < self.seen || pos > bytes.len() {
            return None;
        }
        for &b in &bytes[self.seen..pos] {
            if b == b'\n' {
                self.line += 1;
                self.col = 0;
            } else if b & 0xC0 != 0x80 {
                self.col += 1;
            }
        }
        self.seen = pos;
        Some((self.line, self.col + 1))
    }
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let s = std::str::from_utf8(b.get(i..i + 4)?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// The string whose body starts at `i` (after its opening quote) and the offset after its
/// closing quote, as `json.decoder.scanstring` decodes it; None for a lone surrogate.
fn string(text: &str, mut i: usize) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let mut out = String::new();
    loop {
        let start = i;
        while i < b.len() && b[i] != b'"' && b[i] != b'\\' {
            i += 1;
        }
        out.push_str(text.get(start..i)?);
        match b.get(i)? {
            b'"' => return Some((out, i + 1)),
            _ => {
                let esc = *b.get(i + 1)?;
                i += 2;
                match esc {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'/' => out.push('/'),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'u' => {
                        let mut cp = hex4(b, i)?;
                        i += 4;
                        if (0xD800..0xDC00).contains(&cp) && b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') {
                            let low = hex4(b, i + 2)?;
                            if (0xDC00..0xE000).contains(&low) {
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                                i += 6;
                            }
                        }
                        out.push(char::from_u32(cp)?); // None for a lone surrogate
                    }
                    _ => return None,
                }
            }
        }
    }
}

/// The end of the JSON number or literal starting at `i` (`_JSON_SCALAR`), or None.
fn scalar(b: &[u8], i: usize) -> Option<usize> {
    for word in [&b"true"[..], b"false", b"null"] {
        if b[i..].starts_with(word) {
            return Some(i + word.len());
        }
    }
    let digits = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let mut j = i;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    match b.get(j) {
        Some(b'0') => j += 1,
        Some(c) if c.is_ascii_digit() => j = digits(j),
        _ => return None,
    }
    if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
        j = digits(j + 1);
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if b.get(k).is_some_and(u8::is_ascii_digit) {
            j = digits(k);
        }
    }
    Some(j)
}

struct Frame {
    is_map: bool,
    path: String,
    start: (usize, usize),
    keys: HashSet<String>,
    next: usize,
    slot: usize,
}

/// Spans in the order the Python function inserts them (a collection's place taken when it opens).
pub fn spans(text: &str, limits: &Limits) -> Option<Vec<(String, SpanT)>> {
    if text.contains('\r') {
        return None;
    }
    let b = text.as_bytes();
    let mut cur = Cursor { line: 1, seen: 0, col: 0 };
    let mut out: Vec<(String, Option<SpanT>)> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut nodes = 0usize;
    let mut i = ws(b, 0);
    let mut path = String::new();
    let mut start = cur.at(b, i)?;
    loop {
        nodes += 1;
        if nodes > limits.max_nodes {
            return None;
        }
        let c = *b.get(i)?;
        if c == b'{' || c == b'[' {
            if stack.len() >= limits.max_depth {
                return None;
            }
            let j = ws(b, i + 1);
            if matches!(b.get(j)?, b'}' | b']') {
                i = j + 1; // an empty collection ends here
            } else {
                let slot = out.len();
                out.push((path.clone(), None));
                if c == b'{' {
                    let (key, k) = string(text, j + 1)?;
                    let child = child_key(&path, &key);
                    let mut keys = HashSet::new();
                    keys.insert(key);
                    stack.push(Frame { is_map: true, path, start, keys, next: 0, slot });
                    path = child;
                    start = cur.at(b, j)?;
                    i = ws(b, ws(b, k) + 1); // past the ':'
                } else {
                    let child = child_index(&path, 0);
                    stack.push(Frame { is_map: false, path, start, keys: HashSet::new(), next: 1, slot });
                    path = child;
                    start = cur.at(b, j)?;
                    i = j;
                }
                continue;
            }
        } else if c == b'"' {
            i = string(text, i + 1)?.1;
        } else {
            i = scalar(b, i)?;
        }
        // the value that started at `start` ends at i; close what ends with it
        let end = cur.at(b, i)?;
        out.push((std::mem::take(&mut path), Some((start.0, start.1, end.0, end.1))));
        loop {
            let Some(frame) = stack.last_mut() else {
                return out.into_iter().map(|(p, s)| s.map(|s| (p, s))).collect();
            };
            i = ws(b, i);
            if *b.get(i)? == b',' {
                i = ws(b, i + 1);
                if frame.is_map {
                    let (key, j) = string(text, i + 1)?;
                    if !frame.keys.insert(key.clone()) {
                        return None;
                    }
                    path = child_key(&frame.path, &key);
                    start = cur.at(b, i)?;
                    i = ws(b, ws(b, j) + 1);
                } else {
                    path = child_index(&frame.path, frame.next);
                    start = cur.at(b, i)?;
                    frame.next += 1;
                }
                break;
            }
            let frame = stack.pop()?; // "}" or "]"
            i += 1;
            let end = cur.at(b, i)?;
            out[frame.slot].1 = Some((frame.start.0, frame.start.1, end.0, end.1));
        }
    }
}

/// `limits.json_too_deep`: (line, column in characters) of the bracket that opens level
/// `max_depth + 1` outside strings, or None. The same two steps as the Python function, so the
/// same answer on any text, valid JSON or not: the running sum of the brackets (not floored at
/// zero) decides whether to look, the walk (floored) finds the place. A string runs from a quote
/// to the next unescaped quote or to the end; an escape is a backslash and any character but a
/// line feed (the Python pattern's `\\.`).
pub fn too_deep(text: &str, max_depth: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let max = max_depth as i64;
    let walk = |floor: bool| -> Option<usize> {
        let (mut i, mut depth) = (0usize, 0i64);
        while i < b.len() {
            match b[i] {
                b'"' => {
                    i += 1;
                    while i < b.len() {
                        match b[i] {
                            b'"' => {
                                i += 1;
                                break;
                            }
                            b'\\' if b.get(i + 1).is_some_and(|c| *c != b'\n') => {
                                // the escaped character, whole (a continuation byte is never special)
                                i += 2;
                            }
                            b'\\' => break,
                            _ => i += 1,
                        }
                    }
                    continue;
                }
                b'[' | b'{' => {
                    depth += 1;
                    if depth > max {
                        return Some(i);
                    }
                }
                b']' | b'}' => depth = if floor { (depth - 1).max(0) } else { depth - 1 },
                _ => {}
            }
            i += 1;
        }
        None
    };
    walk(false)?;
    let pos = walk(true)?;
    let line = b[..pos].iter().filter(|c| **c == b'\n').count() + 1;
    let start = b[..pos].iter().rposition(|c| *c == b'\n').map_or(0, |n| n + 1);
    Some((line, text[start..pos].chars().count() + 1))
}
