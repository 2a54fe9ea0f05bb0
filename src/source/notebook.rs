//! Notebooks: where each cell of a Jupyter notebook (`.ipynb`, JSON) lies in the file, so
//! a finding in a cell's source or outputs is reported with the cell number as well as
//! the file line. The notebook itself is scanned like any file: its code and text
//! outputs are JSON strings, which the detector reads as written.

use std::ops::Range;

/// Whether a path names a Jupyter notebook.
pub fn is_notebook(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 6 && b[b.len() - 6..].eq_ignore_ascii_case(b".ipynb")
}

/// The byte ranges of the objects of the top-level `"cells"` array, in order. One linear
/// pass that tracks strings and nesting; a file that is not a notebook gives no cells.
pub fn cell_spans(buf: &[u8]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    let mut str_start = 0usize;
    let mut last_str: Range<usize> = 0..0;
    let mut key_is_cells = false;
    // depth of the cells array while inside it
    let mut cells: Option<usize> = None;
    let mut cell_start = 0usize;
    for (i, &b) in buf.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
                last_str = str_start..i + 1;
            }
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                str_start = i;
            }
            b':' if depth == 1 => key_is_cells = &buf[last_str.clone()] == b"\"cells\"",
            b',' if depth == 1 => key_is_cells = false,
            b'[' | b'{' => {
                depth += 1;
                if b == b'[' && depth == 2 && key_is_cells && cells.is_none() {
                    cells = Some(2);
                } else if b == b'{' && cells == Some(depth - 1) {
                    cell_start = i;
                }
            }
            b']' | b'}' => {
                if b == b'}' && cells.is_some_and(|c| c + 1 == depth) {
                    spans.push(cell_start..i + 1);
                }
                if b == b']' && cells == Some(depth) {
                    cells = None;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    spans
}

/// The 1-based number of the cell that holds byte `pos`.
pub fn cell_at(spans: &[Range<usize>], pos: usize) -> Option<usize> {
    let i = spans.partition_point(|s| s.end <= pos);
    spans.get(i).filter(|s| s.contains(&pos)).map(|_| i + 1)
}

/// The byte offset of a 1-based line and character column.
pub fn offset_of(buf: &[u8], line: usize, column: usize) -> usize {
    Locator::new(buf).offset(line, column)
}

/// Finds the byte offsets of (line, column) places in a buffer, going on from the last
/// place asked when the next one lies after it: the places of a file's findings, asked in
/// order, cost one pass over the buffer however long its lines.
pub struct Locator<'a> {
    buf: &'a [u8],
    line: usize,
    column: usize,
    pos: usize,
}

impl<'a> Locator<'a> {
    pub fn new(buf: &'a [u8]) -> Locator<'a> {
        Locator {
            buf,
            line: 1,
            column: 1,
            pos: 0,
        }
    }

    /// The byte offset of a 1-based line and character column.
    pub fn offset(&mut self, line: usize, column: usize) -> usize {
        if (line, column) < (self.line, self.column) {
            *self = Locator::new(self.buf);
        }
        let buf = self.buf;
        while self.line < line {
            match memchr::memchr(b'\n', &buf[self.pos..]) {
                Some(p) => {
                    self.pos += p + 1;
                    self.line += 1;
                    self.column = 1;
                }
                None => return buf.len(),
            }
        }
        while self.pos < buf.len() && self.column < column {
            self.pos += 1;
            while self.pos < buf.len() && (buf[self.pos] & 0xC0) == 0x80 {
                self.pos += 1;
            }
            self.column += 1;
        }
        self.pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cells() {
        let nb = br#"{"metadata": {"x": [1, {"cells": []}]}, "cells": [ {"cell_type": "code", "source": ["a = \"}]\"\n"], "outputs": [{"text": ["{"]}]}, {"cell_type": "markdown", "source": "b"} ], "nbformat": 4}"#;
        let spans = cell_spans(nb);
        assert_eq!(spans.len(), 2);
        let s = std::str::from_utf8(nb).unwrap();
        assert!(s[spans[0].clone()].starts_with("{\"cell_type\": \"code\""));
        assert!(s[spans[1].clone()].ends_with("\"b\"}"));
        let a = s.find("a = ").unwrap();
        assert_eq!(cell_at(&spans, a), Some(1));
        assert_eq!(cell_at(&spans, s.find("\"b\"").unwrap()), Some(2));
        assert_eq!(cell_at(&spans, 3), None);
        assert!(cell_spans(b"not json {[").is_empty());
    }

    #[test]
    fn notebook_names() {
        assert!(is_notebook("a/Demo.IPYNB"));
        assert!(!is_notebook("ipynb"));
        assert!(!is_notebook("naïve-日本語"));
    }

    #[test]
    fn offsets() {
        let b = "ab\nhé x\n".as_bytes();
        assert_eq!(offset_of(b, 1, 1), 0);
        assert_eq!(offset_of(b, 2, 3), 6);
        assert_eq!(&b[offset_of(b, 2, 4)..offset_of(b, 2, 5)], b"x");
    }
}
