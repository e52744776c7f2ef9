//! Byte offsets in a source and the line/character positions of the
//! protocol (counted in UTF-16 code units unless the editor agreed to
//! UTF-8).

use lsp_types::{Position, Range};

pub struct Lines<'s> {
    src: &'s str,
    starts: Vec<usize>,
    utf8: bool,
}

impl<'s> Lines<'s> {
    pub fn new(src: &'s str, utf8: bool) -> Lines<'s> {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines { src, starts, utf8 }
    }

    /// Whether positions count UTF-8 bytes.
    pub fn utf8(&self) -> bool {
        self.utf8
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_char(self.src, offset.min(self.src.len()));
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let text = &self.src[self.starts[line]..offset];
        let character = if self.utf8 {
            text.len()
        } else {
            text.encode_utf16().count()
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, span: std::ops::Range<usize>) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of a position (clamped to its line and the text).
    pub fn offset(&self, p: Position) -> usize {
        let Some(&start) = self.starts.get(p.line as usize) else {
            return self.src.len();
        };
        let end = self
            .starts
            .get(p.line as usize + 1)
            .map_or(self.src.len(), |&e| e - 1);
        let line = &self.src[start..end.max(start)];
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= p.character as usize {
                return start + i;
            }
            units += if self.utf8 {
                c.len_utf8()
            } else {
                c.len_utf16()
            };
        }
        start + line.len()
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let src = "a\né𝄞x\n";
        let l = Lines::new(src, false);
        let x = src.find('x').unwrap();
        assert_eq!(l.position(x), Position::new(1, 3));
        assert_eq!(l.offset(Position::new(1, 3)), x);
        assert_eq!(l.offset(Position::new(9, 0)), src.len());
        let l8 = Lines::new(src, true);
        assert_eq!(l8.position(x), Position::new(1, 6));
    }
}
