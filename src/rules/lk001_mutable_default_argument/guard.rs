//! Where LK001's `if NAME is None:` guard goes in the body, and the edit that writes it.

use std::collections::HashSet;

use tree_sitter::Node;

use crate::fix::Edit;
use crate::semantic::{is_docstring, parameter_names, statements};
use crate::source::{
    line_indentation, reindent, statement_line_end, statement_line_start, SourceFile,
};

/// The edit that adds `if NAME is None: NAME = <default>` to the body.
pub(super) fn guard_edit(
    file: &SourceFile,
    function: Node,
    body: Node,
    name: &str,
    value: Node,
) -> Result<Edit, String> {
    let text = file.text;
    let newline = file.newline;
    let unit = file.indent_unit.as_str();
    let all = statements(body);
    if all.is_empty() {
        return Err("the function body is empty".into());
    }
    let earlier = earlier_parameters(file, function, name);
    let skip = leading_statements_to_keep(file, &all, &earlier);
    let colon = colon_before_body(function, body).ok_or("cannot find the `:` of the `def`")?;
    // A body on the `def`'s logical line, even one a backslash carries to the next
    // physical line (`def f(x=[]): \\` then `"""Doc"""`), is a simple statement list:
    // the guard cannot go on a line of its own after it, so the list becomes a block.
    let inline = same_logical_line(text, colon.end_byte(), body.start_byte());
    let body_indent = if inline {
        format!("{}{unit}", line_indentation(text, function.start_byte()))
    } else {
        line_indentation(text, all[0].start_byte()).to_string()
    };
    let mut default = reindent(file, value, &format!("{body_indent}{unit}"));
    if breaks_outside_brackets(file.node_text(value)) {
        // Inside the parameter list's brackets a default may break its line anywhere
        // (`dq\n(maxlen=3)`); as a statement it needs brackets of its own.
        default = format!("({default})");
    }
    let guard =
        format!("{body_indent}if {name} is None:{newline}{body_indent}{unit}{name} = {default}");

    if inline {
        // `def f(x=[]): a; return x` becomes a block, one statement a line.
        let mut block = String::new();
        for (index, statement) in all.iter().enumerate() {
            if index == skip {
                block.push_str(newline);
                block.push_str(&guard);
            }
            block.push_str(newline);
            block.push_str(&body_indent);
            block.push_str(file.node_text(*statement));
        }
        if skip == all.len() {
            block.push_str(newline);
            block.push_str(&guard);
        }
        let last = all[all.len() - 1];
        return Ok(Edit::replace(colon.end_byte()..last.end_byte(), block));
    }
    if skip == all.len() {
        let last = all[all.len() - 1];
        return Ok(Edit::insert(
            statement_line_end(text, last.end_byte()),
            format!("{newline}{guard}"),
        ));
    }
    let target = all[skip];
    // What the guard follows: the statements kept before it, else the `:`.
    let previous_end = if skip > 0 {
        all[skip - 1].end_byte()
    } else {
        colon.end_byte()
    };
    if statement_line_end(text, previous_end) >= target.start_byte() {
        // `"""doc"""; x.append(1)` on one line, or lines a backslash joins: split the
        // logical line where the guard goes.
        return Ok(Edit::replace(
            previous_end..target.start_byte(),
            format!("{newline}{guard}{newline}{body_indent}"),
        ));
    }
    Ok(Edit::insert(
        statement_line_start(text, target.start_byte()),
        format!("{guard}{newline}"),
    ))
}

/// Whether nothing but spaces, tabs, form feeds and backslash continuations lies between
/// `from` and `to`: the two are on one logical line.
fn same_logical_line(text: &str, from: usize, to: usize) -> bool {
    let mut rest = &text[from..to];
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\x0c']);
        if rest.is_empty() {
            return true;
        }
        let continuation = rest
            .strip_prefix("\\\r\n")
            .or_else(|| rest.strip_prefix("\\\n"))
            .or_else(|| rest.strip_prefix("\\\r"));
        match continuation {
            Some(after) => rest = after,
            None => return false,
        }
    }
}

/// Whether `text` has a line break outside any bracket of its own. Brackets are counted
/// naively (one in a string counts too), which can only ask for parentheses that were
/// not needed; parentheses around an expression change nothing.
fn breaks_outside_brackets(text: &str) -> bool {
    let mut depth = 0i64;
    text.bytes().any(|byte| {
        match byte {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        matches!(byte, b'\n' | b'\r') && depth <= 0
    })
}

/// Parameters declared before `name`, whose guards must stay ahead of this one.
pub(super) fn earlier_parameters<'a>(
    file: &SourceFile<'a>,
    function: Node,
    name: &str,
) -> HashSet<&'a str> {
    let Some(parameters) = function.child_by_field_name("parameters") else {
        return HashSet::new();
    };
    parameter_names(parameters)
        .into_iter()
        .map(|n| file.node_text(n))
        .take_while(|n| *n != name)
        .collect()
}

/// How many leading statements the guard goes after: the docstring, `global` and
/// `nonlocal` statements, and the guards of earlier parameters.
pub(super) fn leading_statements_to_keep(
    file: &SourceFile,
    all: &[Node],
    earlier: &HashSet<&str>,
) -> usize {
    let mut index = 0;
    if all.first().is_some_and(|first| is_docstring(file, *first)) {
        index = 1;
    }
    while index < all.len() {
        let statement = all[index];
        let keep = match statement.kind() {
            "global_statement" | "nonlocal_statement" => true,
            "if_statement" => is_guard_of(file, statement, earlier),
            _ => false,
        };
        if !keep {
            break;
        }
        index += 1;
    }
    index
}

/// `if P is None:` with no `elif`/`else`, for a parameter P in `names`.
fn is_guard_of(file: &SourceFile, statement: Node, names: &HashSet<&str>) -> bool {
    if statement.child_by_field_name("alternative").is_some() {
        return false;
    }
    let Some(condition) = statement.child_by_field_name("condition") else {
        return false;
    };
    if condition.kind() != "comparison_operator" {
        return false;
    }
    let mut cursor = condition.walk();
    let operands: Vec<Node> = condition.named_children(&mut cursor).collect();
    operands.len() == 2
        && operands[0].kind() == "identifier"
        && names.contains(file.node_text(operands[0]))
        && operands[1].kind() == "none"
        && file.text[operands[0].end_byte()..operands[1].start_byte()]
            .split_whitespace()
            .eq(["is"])
}

fn colon_before_body<'t>(function: Node<'t>, body: Node<'t>) -> Option<Node<'t>> {
    let mut cursor = function.walk();
    let children: Vec<Node<'t>> = function.children(&mut cursor).collect();
    children
        .into_iter()
        .rev()
        .find(|child| child.kind() == ":" && child.end_byte() <= body.start_byte())
}
