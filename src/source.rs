//! A Python file's text and the facts about its layout that edits must respect.

use std::any::Any;
use std::cell::{OnceCell, RefCell};

use tree_sitter::{Node, Tree};

use crate::regions::Regions;
use crate::semantic::FileBindings;

/// 1-based line and column; the column counts characters, as editors and ruff do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// Byte offsets of line starts, for turning offsets into locations.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    pub fn location(&self, text: &str, offset: usize) -> Location {
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let column = text[start..offset.min(text.len())].chars().count() + 1;
        Location {
            line: line + 1,
            column,
        }
    }

    pub fn line_start(&self, line_index0: usize) -> usize {
        self.starts[line_index0]
    }

    /// The byte offset where the 0-based line `line_index0` starts, if the text has it.
    pub fn try_line_start(&self, line_index0: usize) -> Option<usize> {
        self.starts.get(line_index0).copied()
    }
}

/// The file's line ending, taken from its first line break (LF when it has none).
pub fn detect_newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Byte offset where the line holding `offset` starts. A lone `\r` breaks lines too, as
/// it does for CPython and tree-sitter.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// Byte offset where the line before the one starting at `start` starts (its break may
/// be `\n`, `\r\n` or a lone `\r`); `None` on the first line.
pub fn previous_line_start(text: &str, start: usize) -> Option<usize> {
    if start == 0 {
        return None;
    }
    let mut end = start - 1;
    if text.as_bytes()[end] == b'\n' && end > 0 && text.as_bytes()[end - 1] == b'\r' {
        end -= 1;
    }
    Some(line_start(text, end))
}

/// Where to add a line before a statement that starts at `offset`: the start of its
/// line, or, when backslash continuations join that line to the ones before, the start
/// of the first of them. Text inserted in between would join the statement.
pub fn statement_line_start(text: &str, offset: usize) -> usize {
    let mut start = line_start(text, offset);
    while start > 0 {
        // The line before: up to its line break (`\n`, `\r\n` or a lone `\r`).
        let mut end = start - 1;
        if text.as_bytes()[end] == b'\n' && end > 0 && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        let previous_start = line_start(text, end);
        if !continues_with_backslash(&text[previous_start..end]) {
            break;
        }
        start = previous_start;
    }
    start
}

/// Byte offset of the end of the line holding `offset`: its line break (`\n`, `\r\n` or
/// a lone `\r`), or the end of text.
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i)
}

/// Whether a line (or its rest after a statement) ends in a backslash that joins the
/// next line on: no comment, only spaces after it.
fn continues_with_backslash(line: &str) -> bool {
    !line.contains('#') && line.trim_end_matches([' ', '\t', '\x0c']).ends_with('\\')
}

/// Where to add a line after a statement that ends at `offset`: the end of its line
/// ([`line_end`]), or, when the rest of that line is a backslash continuation (no
/// comment; CPython then joins the next line on, even a blank one), the end of the
/// last line it joins. Text inserted after a continuation would join the statement.
pub fn statement_line_end(text: &str, offset: usize) -> usize {
    let mut start = offset;
    loop {
        let end = line_end(text, start);
        if end == text.len() || !continues_with_backslash(&text[start..end]) {
            return end;
        }
        start = end
            + if text[end..].starts_with("\r\n") {
                2
            } else {
                1
            };
    }
}

/// The indentation of the line holding `offset`, as CPython counts it: the spaces and
/// tabs that begin the line, after the last form feed among them (a form feed resets
/// the column to 0), so that `\x0c    x` is indented by four spaces.
pub fn line_indentation(text: &str, offset: usize) -> &str {
    let start = line_start(text, offset);
    let rest = &text[start..];
    let width = rest.len() - rest.trim_start_matches([' ', '\t', '\x0c']).len();
    let leading = &rest[..width];
    leading
        .rfind('\x0c')
        .map_or(leading, |at| &leading[at + 1..])
}

/// The file's unit of indentation, read from the first block that starts on its own
/// line: what that block adds to its parent's indentation. Four spaces when no block does.
pub fn detect_indent_unit(text: &str, tree: &Tree) -> String {
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "block" {
            if let Some(unit) = block_indent_unit(text, node) {
                return unit;
            }
        }
        // Visit children in source order: the first block in the file decides.
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    "    ".to_string()
}

fn block_indent_unit(text: &str, block: Node) -> Option<String> {
    let parent = block.parent()?;
    if block.start_position().row == parent.start_position().row {
        return None;
    }
    let outer = line_indentation(text, parent.start_byte());
    let inner = line_indentation(text, block.start_byte());
    inner
        .strip_prefix(outer)
        .filter(|unit| !unit.is_empty())
        .map(str::to_string)
}

/// A parsed Python file, as the rules see it: the text without a byte-order mark.
pub struct SourceFile<'a> {
    pub text: &'a str,
    pub tree: &'a Tree,
    pub newline: &'static str,
    pub indent_unit: String,
    pub lines: LineIndex,
    /// What tree-sitter parsed of the text, when the engine chose: the rules' name
    /// lookups tell it ([`FileBindings`]), and its scan gives [`SourceFile::code`].
    pub regions: Option<&'a Regions>,
    /// The text blanked, when no scan came with the regions.
    code: OnceCell<String>,
    /// The file's bindings, collected on first use and shared by every rule.
    bindings: OnceCell<FileBindings<'a>>,
    /// What a group of rules computes once per file and shares ([`SourceFile::shared`]),
    /// one value per type.
    shared: RefCell<Vec<Box<dyn Any>>>,
}

impl<'a> SourceFile<'a> {
    pub fn new(text: &'a str, tree: &'a Tree) -> Self {
        SourceFile {
            text,
            tree,
            newline: detect_newline(text),
            indent_unit: detect_indent_unit(text, tree),
            lines: LineIndex::new(text),
            regions: None,
            code: OnceCell::new(),
            bindings: OnceCell::new(),
            shared: RefCell::new(Vec::new()),
        }
    }

    /// A file of which tree-sitter parsed what `regions` says (see `crate::regions`).
    pub fn with_regions(text: &'a str, tree: &'a Tree, regions: &'a Regions) -> Self {
        SourceFile {
            regions: Some(regions),
            ..SourceFile::new(text, tree)
        }
    }

    /// Tells the regions (when only some statements are parsed) that a rule asks about
    /// `name` outside [`FileBindings`] (what a `del` removes, say): the statements that
    /// may bind or delete it are parsed before the rules' findings count.
    pub fn look_up(&self, name: &str) {
        if let Some(regions) = self.regions {
            regions.look_up(name);
        }
    }

    /// The text with comments and string literals blanked, as the prefilters read it
    /// ([`crate::scan::Scan::code`]): the engine's scan when it gave one, else made once.
    pub fn code(&self) -> &str {
        match self.regions {
            Some(regions) => &regions.scan.code,
            None => self.code.get_or_init(|| crate::scan::blank(self.text).0),
        }
    }

    /// Every binding in the file ([`FileBindings::collect`]), computed once per file
    /// whichever rules ask.
    pub fn bindings(&self) -> &FileBindings<'a> {
        self.bindings.get_or_init(|| FileBindings::collect(self))
    }

    /// Calls `use_it` with this file's value of type `T` (its `Default` on first use):
    /// how several rules share an analysis they run once per file. `use_it` must not
    /// ask for a shared value itself.
    pub fn shared<T: Any + Default, R>(&self, use_it: impl FnOnce(&mut T) -> R) -> R {
        let mut shared = self.shared.borrow_mut();
        let index = match shared.iter().position(|value| value.is::<T>()) {
            Some(index) => index,
            None => {
                shared.push(Box::new(T::default()));
                shared.len() - 1
            }
        };
        let value = shared[index]
            .downcast_mut::<T>()
            .expect("the value found is of type T");
        use_it(value)
    }

    pub fn node_text(&self, node: Node) -> &'a str {
        &self.text[node.byte_range()]
    }

    pub fn location(&self, offset: usize) -> Location {
        self.lines.location(self.text, offset)
    }
}

/// A node's source text with its continuation lines moved from the indentation of the
/// line it starts on to `new_base`, for text that moves to another block. Lines that begin
/// inside a string literal are left alone: their leading spaces are part of the string.
/// A line indented less than the first one also starts at `new_base`: inside brackets
/// CPython ignores indentation, but tree-sitter still wants a continuation line no
/// shallower than the block around it. Lines break at `\n`, `\r\n` and a lone `\r`, as
/// they do for Python.
pub fn reindent(file: &SourceFile, node: Node, new_base: &str) -> String {
    let source = file.node_text(node);
    if !source.contains(['\n', '\r']) {
        return source.to_string();
    }
    let old_base = line_indentation(file.text, node.start_byte());
    let strings = string_ranges(node);
    let mut out = String::with_capacity(source.len() + 16);
    let mut rest = source;
    let mut offset = node.start_byte();
    let mut first = true;
    loop {
        let (line, separator) = match rest.find(['\n', '\r']) {
            Some(at) if rest[at..].starts_with("\r\n") => (&rest[..at], "\r\n"),
            Some(at) => (&rest[..at], &rest[at..at + 1]),
            None => (rest, ""),
        };
        let inside_string = strings
            .iter()
            .any(|range| range.start < offset && offset < range.end);
        if first || inside_string || line.trim().is_empty() {
            out.push_str(line);
        } else {
            out.push_str(new_base);
            out.push_str(
                line.strip_prefix(old_base)
                    .unwrap_or_else(|| line.trim_start_matches([' ', '\t', '\x0c'])),
            );
        }
        out.push_str(separator);
        if separator.is_empty() {
            return out;
        }
        first = false;
        offset += line.len() + separator.len();
        rest = &rest[line.len() + separator.len()..];
    }
}

fn string_ranges(node: Node) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        if current.kind() == "string" {
            ranges.push(current.byte_range());
            continue;
        }
        let mut cursor = current.walk();
        stack.extend(current.named_children(&mut cursor));
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Tree {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        parser.parse(text, None).unwrap()
    }

    #[test]
    fn columns_count_characters() {
        let text = "x = 'é'; y = []\n";
        let index = LineIndex::new(text);
        let offset = text.find("[]").unwrap();
        assert_eq!(
            index.location(text, offset),
            Location {
                line: 1,
                column: 14
            }
        );
    }

    #[test]
    fn newline_and_indent_are_the_files_own() {
        let text = "def f():\r\n\tif x:\r\n\t\treturn 1\r\n";
        assert_eq!(detect_newline(text), "\r\n");
        assert_eq!(detect_indent_unit(text, &parse(text)), "\t");
        let two = "class A:\n  def f(self):\n    pass\n";
        assert_eq!(detect_indent_unit(two, &parse(two)), "  ");
        assert_eq!(detect_indent_unit("x = 1\n", &parse("x = 1\n")), "    ");
    }

    #[test]
    fn statement_line_end_follows_backslash_continuations() {
        let text = "import os  \\\n\nx = 1\n";
        assert_eq!(
            statement_line_end(text, "import os".len()),
            text.find("\nx").unwrap()
        );
        let crlf = "import os \\\r\n  \\\r\n\r\nx = 1\r\n";
        assert_eq!(
            statement_line_end(crlf, "import os".len()),
            crlf.find("\r\n\r\nx").unwrap() + 2
        );
        // A backslash in a comment continues nothing.
        let comment = "import os  # a \\\nx = 1\n";
        assert_eq!(
            statement_line_end(comment, "import os".len()),
            comment.find("\nx").unwrap()
        );
        let plain = "import os\nx = 1\n";
        assert_eq!(
            statement_line_end(plain, "import os".len()),
            "import os".len()
        );
    }

    #[test]
    fn line_end_stops_before_crlf() {
        let text = "ab\r\ncd";
        assert_eq!(line_end(text, 0), 2);
        assert_eq!(line_end(text, 4), 6);
        assert_eq!(line_start(text, 5), 4);
    }
}
