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

/// CPython's tokenizer refuses this many indentation levels (`MAXINDENT` in
/// `Parser/tokenizer.h`, which counts the module's level 0: "too many levels of
/// indentation"); 99 are accepted.
pub const MAX_INDENT_LEVELS: usize = 100;

/// The most brackets CPython's tokenizer lets nest (`MAXLEVEL` in
/// `Parser/tokenizer.h`); one more is "too many nested parentheses".
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
    let mut brackets = 0usize;
    let mut columns = IndentColumns::default();
    let mut at_line_start = true;
    let mut previous_end = 0;
    for token in parsed.tokens().iter() {
        let kind = token.kind();
        let start = token.start().to_usize();
        stray_character(text, previous_end, start)?;
        previous_end = previous_end.max(token.end().to_usize());
        if at_line_start && !is_layout(kind) {
            at_line_start = false;
            if let Some(message) = columns.indentation_error(text, start) {
                return Err(Rejection {
                    offset: start,
                    message: message.into(),
                });
            }
        }
        match kind {
            TokenKind::Newline => at_line_start = true,
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => {
                brackets += 1;
                if brackets > MAX_BRACKET_LEVELS {
                    return Err(Rejection {
                        offset: start,
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
    stray_character(text, previous_end, text.len())?;
    // CPython's tokenizer complains before its compiler does.
    if let Some((offset, message)) = compile::first_error(text, parsed.syntax()) {
        return Err(Rejection { offset, message });
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

/// What may stand between two tokens: the parser skips more (a byte-order mark), which
/// CPython's tokenizer calls an "invalid non-printable character".
fn stray_character(text: &str, from: usize, to: usize) -> Result<(), Rejection> {
    let gap = text.get(from..to).unwrap_or("");
    match gap
        .char_indices()
        .find(|(_, c)| !matches!(c, ' ' | '\t' | '\x0c' | '\\' | '\r' | '\n'))
    {
        Some((at, c)) => Err(Rejection {
            offset: from + at,
            message: format!("invalid non-printable character U+{:04X}", c as u32),
        }),
        None => Ok(()),
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
    /// What CPython's tokenizer says of the indentation of the logical line whose first
    /// token starts at byte `start`, if it refuses it: ambiguous tabs (`TabError`), a
    /// dedent to no enclosing level, or too many levels. The parser compares
    /// indentation one way only, so it misses the first two where tabs are involved. A
    /// line whose first token does not follow only whitespace on its physical line (a
    /// backslash continuation) is not measured.
    fn indentation_error(&mut self, text: &str, start: usize) -> Option<&'static str> {
        const TAB_ERROR: &str = "inconsistent use of tabs and spaces in indentation";
        let mut line_start = text[..start].rfind(['\n', '\r']).map_or(0, |at| at + 1);
        // Lines holding only whitespace and a `\` before it belong to this logical line:
        // CPython counts its indentation from the first of them.
        while let Some(previous) = crate::source::previous_line_start(text, line_start) {
            let body = text[previous..line_start].trim_end_matches(['\n', '\r']);
            let lone = body
                .strip_suffix('\\')
                .is_some_and(|before| before.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\x0c')));
            if !lone {
                break;
            }
            line_start = previous;
        }
        let mut column = 0;
        let mut alternative = 0;
        // The column of the first `\` met at a non-zero column (CPython 3.11's
        // `cont_line_col`): "indentation cannot be split over physical lines", so that
        // column is the line's indentation, tabs counted to 8 in both measures.
        let mut continuation = 0;
        let mut bytes = text[line_start..start].bytes();
        while let Some(byte) = bytes.next() {
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
                b'\\' => {
                    if continuation == 0 {
                        continuation = column;
                    }
                    // The line break after it.
                    if bytes.next() == Some(b'\r') {
                        bytes.next();
                    }
                }
                _ => return None,
            }
        }
        if continuation != 0 {
            column = continuation;
            alternative = continuation;
        }
        let &(top, top_alternative) = self.levels.last().expect("level 0 is never popped");
        if column == top {
            return (alternative != top_alternative).then_some(TAB_ERROR);
        }
        if column > top {
            if self.levels.len() >= MAX_INDENT_LEVELS {
                return Some("too many levels of indentation");
            }
            self.levels.push((column, alternative));
            return (alternative <= top_alternative).then_some(TAB_ERROR);
        }
        while self.levels.len() > 1 && column < self.levels.last().expect("non-empty").0 {
            self.levels.pop();
        }
        let &(top, top_alternative) = self.levels.last().expect("level 0 is never popped");
        if column != top {
            return Some("unindent does not match any outer indentation level");
        }
        (alternative != top_alternative).then_some(TAB_ERROR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indentation_after_a_lone_backslash_is_counted_as_cpython_counts_it() {
        // CPython 3.11: the column of the first `\\` at a non-zero column is the line's
        // indentation in both measures, so a tab there is 8 wide both ways.
        assert!(rejects(
            "def f(x=None):\n\tif x is None:\n\t\tx = []\n\t\\\n\treturn x\n"
        ));
        assert_eq!(check("def f(x=[]):\n\t\\\n\treturn x\n"), Ok(()));
        assert_eq!(check("def f(a=[]):\n    x = 1\n\\\n    return a\n"), Ok(()));
        assert_eq!(check("if 1:\n    \\\npass\n"), Ok(()));
    }

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
        // Found by an adversarial tester: a tab is 8 columns, so 6 spaces dedent to no
        // level; the parser took them for an indent.
        assert!(rejects("if x:\n\tif y:\n      z\n"));
        assert!(rejects("def f():\n\twhile y:\n      z\n"));
        // A second byte-order mark, or one anywhere in code.
        assert!(rejects("\u{feff}x = 1\n"));
        assert!(rejects("x = 1 \u{feff}\n"));
        assert_eq!(check("x = '\u{feff}'  # \u{feff}\n"), Ok(()));
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
        assert_eq!(check(&nested(MAX_INDENT_LEVELS - 1)), Ok(()));
        assert!(rejects(&nested(MAX_INDENT_LEVELS)));
        let brackets =
            |levels: usize| format!("x = {}1{}\n", "(".repeat(levels), ")".repeat(levels));
        assert_eq!(check(&brackets(MAX_BRACKET_LEVELS)), Ok(()));
        assert!(rejects(&brackets(MAX_BRACKET_LEVELS + 1)));
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

    /// More of CPython 3.11's verdicts, each a class an adversarial tester found the
    /// oracle got wrong at first: binding forms before `global`, `nonlocal` misuse,
    /// `__debug__` as a keyword or attribute, misplaced starred expressions, `except*`
    /// with `break`/`return`, a bare `except:` not last, 21 nested blocks; and valid code
    /// (200 brackets, `await` in a generator expression, `yield` in an annotation).
    #[test]
    fn agrees_with_cpython_where_a_tester_found_it_did_not() {
        let rejected = [
            "def h():\n    global q\n    q = 1\n    global q\n",
            "def h():\n    global q\n    print(q)\n    global q\n",
            "def o():\n    q = 0\n    def h():\n        nonlocal q\n        q = 1\n        nonlocal q\n",
            "def g():\n    class C:\n        nonlocal q\n",
            "def g():\n    def h():\n        nonlocal q\n",
            "def g():\n    global q\n    def h():\n        nonlocal q\n",
            "def g():\n    class C:\n        q = 1\n        def m(self):\n            nonlocal q\n",
            "match x:\n    case _ | 1: pass\n",
            "match x:\n    case f'{x}': pass\n",
            "if x:\n\tif y:\n      z\n",
            "def g():\n    def x(): pass\n    global x\n",
            "def g():\n    class x: pass\n    global x\n",
            "def g():\n    try:\n        pass\n    except E as x:\n        pass\n    global x\n",
            "def g():\n    match y:\n        case x:\n            pass\n    global x\n",
            "def g():\n    [x := 1 for y in z]\n    global x\n",
            "def o():\n    x = 1\n    def g():\n        global x\n        nonlocal x\n",
            "def o():\n    x = 1\n    def g():\n        print(x)\n        nonlocal x\n",
            "def o():\n    x = 1\n    def g():\n        x = 2\n        nonlocal x\n",
            "def o():\n    x = 1\n    def g():\n        nonlocal x\n        x: int = 2\n",
            "g(__debug__=1)\n",
            "class C(__debug__=1): pass\n",
            "match x:\n    case C(__debug__=1):\n        pass\n",
            "x.__debug__ = 1\n",
            "for x.__debug__ in y: pass\n",
            "*a\n",
            "[*a for a in b]\n",
            "with a as *b:\n    pass\n",
            "for x in y:\n    try:\n        pass\n    except* E:\n        break\n",
            "def f():\n    try:\n        pass\n    except* E:\n        return\n",
            "try:\n    pass\nexcept:\n    pass\nexcept E:\n    pass\n",
            "while x:\n    while x:\n        while x:\n            while x:\n                while x:\n                    while x:\n                        while x:\n                            while x:\n                                while x:\n                                    while x:\n                                        while x:\n                                            while x:\n                                                while x:\n                                                    while x:\n                                                        while x:\n                                                            while x:\n                                                                while x:\n                                                                    while x:\n                                                                        while x:\n                                                                            while x:\n                                                                                while x:\n                                                                                    pass\n",
        ];
        let accepted = [
            "def f():\n    def g(a=(y := 1)):\n        pass\n    def h():\n        nonlocal y\n",
            "def f():\n    @(d := (lambda fn: fn))\n    def g():\n        pass\n    def h():\n        nonlocal d\n",
            "def f():\n    class C(metaclass=(m := type)):\n        pass\n    def h():\n        nonlocal m\n",
            "def f():\n    def g(a: (t := int)) -> (r := int):\n        pass\n    def h():\n        nonlocal t, r\n",
            "def f():\n    g = lambda a=(y := 1): a\n    def h():\n        nonlocal y\n",
            "def f():\n    def g(a=[(y := 1) for _ in [1]]):\n        pass\n    def h():\n        nonlocal y\n",
            "def g():\n    q = 1\n    def h():\n        nonlocal q\n",
            "def g():\n    q: int\n    def h():\n        nonlocal q\n",
            "def a():\n    x = 1\n    def b():\n        nonlocal x\n        def c():\n            nonlocal x\n",
            "def g():\n    for q in []: pass\n    def h():\n        nonlocal q\n",
            "def g():\n    import os.path\n    def h():\n        nonlocal os\n",
            "def g():\n    [(q := 1) for _ in []]\n    def h():\n        nonlocal q\n",
            "def g():\n    del q\n    def h():\n        nonlocal q\n",
            "def g(q):\n    def h():\n        nonlocal q\n",
            "def g():\n    q = 1\n    class C:\n        def m(self):\n            nonlocal q\n",
            "def g(v):\n    match v:\n        case [q]: pass\n    def h():\n        nonlocal q\n",
            "def g():\n    try: pass\n    except E as q: pass\n    def h():\n        nonlocal q\n",
            "def g():\n    with a as (q, r): pass\n    def h():\n        nonlocal q\n",
            "def g():\n    def q(): pass\n    def h():\n        nonlocal q\n",
            "match x:\n    case _ if c: pass\n    case 1: pass\n",
            "while x:\n    while x:\n        while x:\n            while x:\n                while x:\n                    while x:\n                        while x:\n                            while x:\n                                while x:\n                                    while x:\n                                        while x:\n                                            while x:\n                                                while x:\n                                                    while x:\n                                                        while x:\n                                                            while x:\n                                                                while x:\n                                                                    while x:\n                                                                        while x:\n                                                                            while x:\n                                                                                pass\n",
            "x = ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))\n",
            "(await x for x in y)\n",
            "class C:\n    g = (await x for x in y)\n",
            "def g():\n    x: (yield) = 1\n",
            "async def g():\n    x: await y = 1\n",
            "x: (y := 1) = 1\n",
            "for x in y:\n    try:\n        pass\n    except* E:\n        for z in w:\n            break\n",
            "try:\n    pass\nexcept E:\n    pass\nexcept:\n    pass\n",
            "def g():\n    global x\n    def x(): pass\n",
            "x.__debug__\n",
            "f(*a)\n",
            "[*a, *b]\n",
            "def o():\n    x = 1\n    def g():\n        nonlocal x\n        x = 3\n",
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
