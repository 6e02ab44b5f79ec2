//! The syntax oracle: whether CPython would accept a text, decided by a parser that
//! follows CPython's grammar exactly (ruff's, `ruff_python_parser`), plus the tokenizer
//! limits CPython enforces and that parser does not.
//!
//! tree-sitter-python locates what the rules report, but it is lenient: it recovers from
//! text CPython rejects (`def f(x=[]): \` followed by an indented docstring, Python 2's
//! `print "x"`, inconsistent tabs) without an error node. So the engine asks this oracle
//! before it fixes a file and before it writes or shows a fixed text. It is only asked
//! about files with findings, so a run over clean code pays nothing for it.

mod compile;

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

/// CPython's tokenizer refuses more indentation levels than this (`MAXINDENT` in
/// `Parser/tokenizer.h`: "too many levels of indentation").
pub const MAX_INDENT_LEVELS: usize = 100;

/// CPython's tokenizer refuses brackets nested this deep (`MAXLEVEL` in
/// `Parser/tokenizer.h`: "too many nested parentheses").
pub const MAX_BRACKET_LEVELS: usize = 200;

/// The deepest nesting of statements and expressions the oracle accepts. CPython 3.11's
/// compiler refuses about 2,980 to 2,995 levels with `RecursionError` (its limit is three
/// times the interpreter's recursion limit of 1,000, and what counts as a level varies a
/// little by node kind); refusing from 2,951 on errs on the side of leaving a file alone.
pub const MAX_SYNTAX_DEPTH: usize = 2_950;

/// Why the oracle rejects a text: where (a byte offset into it) and CPython's kind of
/// complaint, in the parser's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Byte offset of the first error.
    pub offset: usize,
    pub message: String,
}

/// `Ok` when CPython's grammar accepts `text` as a module, else the first error.
///
/// The parser knows the newest Python grammar, so syntax newer than the interpreter that
/// will run the file (a `type` statement, PEP 701 f-strings) is accepted: the oracle
/// judges whether a fix broke the text, not which Python the project targets.
pub fn check(text: &str) -> Result<(), Rejection> {
    let parsed = match ruff_python_parser::parse_module(text) {
        Ok(parsed) => parsed,
        Err(error) => {
            return Err(Rejection {
                offset: error.location.start().to_usize(),
                message: error.error.to_string(),
            })
        }
    };
    let mut indent = 0usize;
    let mut brackets = 0usize;
    let mut columns = IndentColumns::default();
    let mut at_line_start = true;
    for token in parsed.tokens().iter() {
        let kind = token.kind();
        if at_line_start && !is_layout(kind) {
            at_line_start = false;
            let start = token.start().to_usize();
            if columns.tab_error(text, start) {
                return Err(Rejection {
                    offset: start,
                    message: "inconsistent use of tabs and spaces in indentation".into(),
                });
            }
        }
        match kind {
            TokenKind::Newline => at_line_start = true,
            TokenKind::Indent => {
                indent += 1;
                if indent > MAX_INDENT_LEVELS {
                    return Err(Rejection {
                        offset: token.start().to_usize(),
                        message: "too many levels of indentation".into(),
                    });
                }
            }
            TokenKind::Dedent => indent = indent.saturating_sub(1),
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => {
                brackets += 1;
                if brackets >= MAX_BRACKET_LEVELS {
                    return Err(Rejection {
                        offset: token.start().to_usize(),
                        message: "too many nested parentheses".into(),
                    });
                }
            }
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                brackets = brackets.saturating_sub(1)
            }
            _ => {}
        }
    }
    // CPython's tokenizer complains before its compiler does.
    if let Some(error) = compile::first_error(text, parsed.syntax()) {
        return Err(Rejection {
            offset: error.range.start().to_usize(),
            message: error.to_string(),
        });
    }
    let mut depth = SyntaxDepth::default();
    depth.visit_body(parsed.syntax().body.as_slice());
    if let Some(offset) = depth.too_deep_at {
        return Err(Rejection {
            offset,
            message: "nested too deeply for CPython's compiler (RecursionError)".into(),
        });
    }
    Ok(())
}

/// Finds where statements and expressions first nest deeper than [`MAX_SYNTAX_DEPTH`].
#[derive(Debug, Default)]
struct SyntaxDepth {
    depth: usize,
    too_deep_at: Option<usize>,
}

impl SyntaxDepth {
    /// Enters one level at `offset` (the caller leaves it by decrementing `depth`):
    /// `false` when that is too deep, or something already was, so the walk stops.
    fn enter(&mut self, offset: usize) -> bool {
        self.depth += 1;
        if self.too_deep_at.is_some() {
            return false;
        }
        if self.depth > MAX_SYNTAX_DEPTH {
            self.too_deep_at = Some(offset);
            return false;
        }
        true
    }
}

impl<'a> Visitor<'a> for SyntaxDepth {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.enter(stmt.start().to_usize()) {
            walk_stmt(self, stmt);
        }
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.enter(expr.start().to_usize()) {
            walk_expr(self, expr);
        }
        self.depth -= 1;
    }
}

/// Tokens that come between logical lines rather than start one.
fn is_layout(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Indent
            | TokenKind::Dedent
            | TokenKind::Comment
            | TokenKind::NonLogicalNewline
            | TokenKind::Newline
            | TokenKind::EndOfFile
    )
}

/// CPython's check for ambiguous indentation (`TabError`): each logical line's
/// indentation is measured twice, with tabs to the next multiple of 8 and with tabs as
/// one column, and both measures must order the line against the enclosing indentation
/// levels the same way. A form feed resets both columns, as in CPython's tokenizer. The
/// parser itself compares indentation one way only, so it misses this.
#[derive(Debug)]
struct IndentColumns {
    /// (tabs to 8, tabs as 1) for each open indentation level, outermost first.
    levels: Vec<(usize, usize)>,
}

impl Default for IndentColumns {
    fn default() -> Self {
        IndentColumns {
            levels: vec![(0, 0)],
        }
    }
}

impl IndentColumns {
    /// Whether the logical line whose first token starts at byte `start` is indented
    /// ambiguously. A line whose first token does not follow only whitespace on its
    /// physical line (a backslash continuation) is not measured.
    fn tab_error(&mut self, text: &str, start: usize) -> bool {
        let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |at| at + 1);
        let mut column = 0;
        let mut alternative = 0;
        for byte in text[line_start..start].bytes() {
            match byte {
                b' ' => {
                    column += 1;
                    alternative += 1;
                }
                b'\t' => {
                    column = (column / 8 + 1) * 8;
                    alternative += 1;
                }
                b'\x0c' => {
                    column = 0;
                    alternative = 0;
                }
                _ => return false,
            }
        }
        let &(top, top_alternative) = self.levels.last().expect("level 0 is never popped");
        if column == top {
            return alternative != top_alternative;
        }
        if column > top {
            self.levels.push((column, alternative));
            return alternative <= top_alternative;
        }
        while self.levels.len() > 1 && column < self.levels.last().expect("non-empty").0 {
            self.levels.pop();
        }
        let &(top, top_alternative) = self.levels.last().expect("level 0 is never popped");
        // A dedent to no enclosing level is the parser's IndentationError, found before.
        column == top && alternative != top_alternative
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejects(text: &str) -> bool {
        check(text).is_err()
    }

    #[test]
    fn accepts_ordinary_and_newest_python() {
        assert_eq!(check("def f(x=None):\n    return x\n"), Ok(()));
        assert_eq!(check("type Alias = list[int]\n"), Ok(()));
        assert_eq!(check("x = f'{\"a\"}'\n"), Ok(()));
        assert_eq!(check(""), Ok(()));
    }

    /// Each of these tree-sitter-python parses without an error node.
    #[test]
    fn rejects_what_cpython_rejects() {
        // What LK001 0.1 made of `def b(x=[]): \` and a docstring on the next line.
        assert!(rejects(
            "def b(x=None): \\\n    \"\"\"Doc\"\"\"\n    if x is None:\n        x = []\n"
        ));
        assert_eq!(check("def b(x=None): \\\n    \"\"\"Doc\"\"\"\n"), Ok(()));
        // TabError: a tab and eight spaces are one column to tree-sitter.
        assert!(rejects("if x:\n\tif y:\n        pass\n"));
        assert!(rejects("if x:\n        a = 1\n\tb = 2\n"));
        assert_eq!(check("if x:\n\ta = 1\n\tif y:\n\t\tb = 2\n"), Ok(()));
        assert_eq!(
            check("if x:\n  a = (1,\n\t2)\n  # \tc\n\n  b = 1\n"),
            Ok(())
        );
        assert_eq!(check("if x:\n    a = 1\n\x0c    b = 2\n"), Ok(()));
        assert!(rejects("print 'x'\n"));
        assert!(rejects("print \"x\"\n"));
        assert!(rejects("if x:\n        a = 1\n    b = 2\n"));
    }

    #[test]
    fn enforces_cpythons_tokenizer_limits() {
        let nested = |levels: usize| {
            let mut text = String::new();
            for level in 0..levels {
                text.push_str(&" ".repeat(level));
                text.push_str("if x:\n");
            }
            text.push_str(&" ".repeat(levels));
            text.push_str("pass\n");
            text
        };
        assert_eq!(check(&nested(MAX_INDENT_LEVELS)), Ok(()));
        assert!(rejects(&nested(MAX_INDENT_LEVELS + 1)));
        let brackets =
            |levels: usize| format!("x = {}1{}\n", "(".repeat(levels), ")".repeat(levels));
        assert_eq!(check(&brackets(MAX_BRACKET_LEVELS - 1)), Ok(()));
        assert!(rejects(&brackets(MAX_BRACKET_LEVELS)));
        assert!(rejects(&brackets(5_000)));
    }

    /// CPython 3.11's verdicts (`compile(text, "t", "exec")`) on text that parses: its
    /// compiler and symbol table reject the first list, accept the second.
    #[test]
    fn agrees_with_cpythons_compile_time_checks() {
        let rejected = [
            "return 1\n",
            "yield 1\n",
            "await x\n",
            "def f():\n    await x\n",
            "async def f():\n    yield from x\n",
            "break\n",
            "for x in y:\n    def f():\n        break\n",
            "def f():\n    print(G)\n    global G\n",
            "def f(x):\n    global x\n",
            "nonlocal x\n",
            "def f():\n    nonlocal x\n",
            "def f(a, a):\n    pass\n",
            "import os\nfrom __future__ import annotations\n",
            "class C:\n    yield 1\n",
            "def f():\n    [(yield) for x in y]\n",
            "f(a=1, a=2)\n",
            "def f():\n    class C:\n        await x\n",
            "async def f():\n    lambda: await x\n",
            "x = 1\nglobal x\n",
            "def f():\n    async with a:\n        pass\n",
            "def f():\n    async for x in y:\n        pass\n",
        ];
        let accepted = [
            "def f():\n    (await x for x in y)\n",
            "async def f():\n    [await x for x in y]\n",
            "async def g():\n    def f(x=await y):\n        pass\n",
            "for x in y:\n    try:\n        pass\n    finally:\n        break\n",
            "def f():\n    x = 1\n    def g():\n        nonlocal x\n",
            // From the standard library's test_super.py.
            "class X:\n    def f(self):\n        nonlocal __class__\n",
            "def f():\n    lambda: (yield)\n",
            "while x:\n    if y:\n        continue\n",
            "from __future__ import annotations\nimport os\n",
            "'''doc'''\nfrom __future__ import annotations\n",
            "class C:\n    x = [y for y in range(3)]\n",
            "def f():\n    global G\n    G = 1\n",
            "async def f():\n    async with a:\n        pass\n",
        ];
        for text in rejected {
            assert!(rejects(text), "accepted {text:?}");
        }
        for text in accepted {
            assert_eq!(check(text), Ok(()), "{text:?}");
        }
    }

    /// The limits measured on CPython 3.11: it compiles the first of each pair and refuses
    /// the second with `RecursionError`.
    #[test]
    fn refuses_nesting_cpythons_compiler_refuses() {
        let negations = |n: usize| format!("x = {}1\n", "-".repeat(n));
        let lambdas = |n: usize| {
            format!(
                "class A:\n    def __init__(self):\n        self.f = {}self\n",
                "lambda: ".repeat(n)
            )
        };
        let union = |n: usize| {
            format!(
                "def f(x: {} = {{}}):\n    return x\n",
                vec!["int"; n].join(" | ")
            )
        };
        // The parser and the walk recurse once per level, as the engine's worker threads
        // allow for (see `run`); a test thread's default stack is smaller.
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || {
                assert_eq!(check(&negations(2_900)), Ok(()));
                assert!(rejects(&negations(2_993)));
                assert!(rejects(&lambdas(2_977)));
                assert!(rejects(&union(2_994)));
                assert!(rejects(&union(5_000)));
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
