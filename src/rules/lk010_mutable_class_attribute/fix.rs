//! LK010's fix: the class attribute's value moves into `__init__`, one per instance.

use tree_sitter::Node;

use super::facts::FileFacts;
use super::{class_name, defines, Binding, Method};
use crate::fix::{Applicability, Edit, Fix};
use crate::semantic::{
    contains_kind, expression_reads, is_docstring, scope_bindings, statements, unparenthesize,
};
use crate::source::{
    line_end, line_indentation, line_start, reindent, statement_line_end, statement_line_start,
    SourceFile,
};

/// The fix, or why there is none.
pub(super) fn plan<'a>(
    file: &SourceFile<'a>,
    facts: &FileFacts<'a>,
    class: Node<'a>,
    body: Node<'a>,
    methods: &[Method<'a>],
    binding: Binding<'a>,
) -> Result<Fix, String> {
    let name = binding.name;
    let class_name = class_name(file, class).ok_or("the class has no name")?;
    let text = file.text;

    // The binding must have its line(s) to itself.
    let statement = binding.statement;
    let before = &text[line_start(text, statement.start_byte())..statement.start_byte()];
    let after = &text[statement.end_byte()..line_end(text, statement.end_byte())];
    let after = after.trim_matches([' ', '\t', '\x0c']);
    if !before.trim_matches([' ', '\t', '\x0c']).is_empty()
        || !(after.is_empty() || after.starts_with('#'))
    {
        return Err(format!(
            "`{name} = ...` shares its line with another statement"
        ));
    }
    let comment = if after.is_empty() {
        String::new()
    } else {
        format!("  {after}")
    };

    let value = binding.value;
    for (kind, what) in [
        ("named_expression", "`:=`"),
        ("await", "`await`"),
        ("yield", "`yield`"),
    ] {
        if contains_kind(value, kind) {
            return Err(format!(
                "the value holds {what}, which means something else in `__init__`"
            ));
        }
    }
    let reads = expression_reads(file, value);
    let class_names = scope_bindings(file, class);
    if let Some(read) = reads.iter().find(|read| class_names.contains(*read)) {
        return Err(format!(
            "the value reads `{read}`, a name of the class body that `__init__` cannot see"
        ));
    }

    // Whatever reads the class attribute itself would fail once it is gone.
    if let Some(read) = facts.reaching(file, class, facts.read_through_class.get(name)) {
        return Err(format!(
            "`{}` reads the class attribute, which the fix removes",
            file.node_text(read)
        ));
    }
    if reads_bare_name_in_class_body(file, body, name, binding.assignment) {
        return Err(format!(
            "the class body reads `{name}` itself, which the fix removes"
        ));
    }
    if facts.strings.contains(name) {
        return Err(format!(
            "the string \"{name}\" may name it (`getattr`, `vars`), and the fix removes the class attribute"
        ));
    }
    let subclasses = facts
        .classes
        .iter()
        .filter(|(sub, _)| facts.inherits(file, sub, class_name))
        .flat_map(|(sub, defs)| defs.iter().map(move |def| (*sub, *def)));
    for (sub, subclass) in subclasses {
        let Some(sub_body) = subclass.child_by_field_name("body") else {
            continue;
        };
        if defines(file, sub_body, name) {
            return Err(format!(
                "subclass `{sub}` binds its own `{name}`, which `__init__` would hide"
            ));
        }
        let sub_methods = super::methods(file, sub_body);
        if let Some(init) = sub_methods.iter().find(|m| m.name == "__init__") {
            let calls_base = init
                .function
                .child_by_field_name("body")
                .is_some_and(|b| file.node_text(b).contains("__init__("));
            if !calls_base {
                return Err(format!(
                    "subclass `{sub}` has an `__init__` that calls no base `__init__`"
                ));
            }
        }
    }
    if methods.iter().any(|m| m.name == "__new__")
        || file.node_text(body).contains("__new__(")
        || text.contains(&format!("{class_name}.__new__"))
    {
        return Err("instances made by `__new__` alone would lack the attribute".into());
    }

    let mut assigned = name.to_string();
    if let Some(annotation) = binding.assignment.child_by_field_name("type") {
        let annotation = file.node_text(annotation);
        if annotation.contains(['\n', '\r']) {
            return Err("the annotation spans lines".into());
        }
        assigned.push_str(&format!(": {annotation}"));
    }
    let newline = file.newline;
    let delete = deletion(file, statement);

    let inits: Vec<&Method> = methods.iter().filter(|m| m.name == "__init__").collect();
    if defines(file, body, "__init__") || inits.len() > 1 {
        return Err("`__init__` is bound more than once in the class body".into());
    }
    let title = format!(
        "Build `{name}` in `__init__`, one {} per instance (unsafe: code elsewhere reading `{class_name}.{name}` would fail)",
        binding.kind
    );
    if let Some(init) = inits.first() {
        if init.decorated {
            return Err("`__init__` is decorated".into());
        }
        let receiver = init
            .receiver
            .ok_or("`__init__` has no plain first parameter")?;
        let init_body = init
            .function
            .child_by_field_name("body")
            .ok_or("`__init__` has no body")?;
        if init_body.start_position().row == init.function.start_position().row {
            return Err("the body of `__init__` is on its `def` line".into());
        }
        let locals = scope_bindings(file, init.function);
        if let Some(read) = reads.iter().find(|read| locals.contains(*read)) {
            return Err(format!(
                "the value reads `{read}`, which `__init__` binds to something else"
            ));
        }
        let all = statements(init_body);
        let indent = line_indentation(text, init_body.start_byte()).to_string();
        let value_text = reindent(file, value, &indent);
        let line = format!("{indent}{receiver}.{assigned} = {value_text}{comment}{newline}");
        let base_call = all.iter().find(|s| is_base_init_call(file, **s));
        let insert = match base_call {
            Some(call) => after_line(file, *call, &line),
            None => {
                let rest = match all.first() {
                    Some(first) if is_docstring(file, *first) => &all[1..],
                    _ => &all[..],
                };
                match rest.first() {
                    Some(first) => {
                        Edit::insert(statement_line_start(text, first.start_byte()), line)
                    }
                    None => after_line(file, *all.last().ok_or("`__init__` has no body")?, &line),
                }
            }
        };
        return Ok(Fix::new(title, Applicability::Unsafe, vec![delete, insert]));
    }

    // No `__init__`: one is made before the first method.
    if class
        .parent()
        .is_some_and(|p| p.kind() == "decorated_definition")
    {
        return Err("a class decorator may make the `__init__` (dataclasses do)".into());
    }
    let has_bases = class
        .child_by_field_name("superclasses")
        .is_some_and(|bases| {
            let mut cursor = bases.walk();
            let any = bases
                .named_children(&mut cursor)
                .any(|base| file.node_text(base) != "object");
            any
        });
    let own = ["self", "args", "kwargs"];
    if let Some(read) = reads.iter().find(|read| own.contains(read)) {
        return Err(format!(
            "the value reads `{read}`, which the new `__init__` binds"
        ));
    }
    let first_method = statements(body)
        .into_iter()
        .find(|s| match s.kind() {
            "function_definition" => true,
            "decorated_definition" => s
                .child_by_field_name("definition")
                .is_some_and(|d| d.kind() == "function_definition"),
            _ => false,
        })
        .ok_or("the class has no method before which to put `__init__`")?;
    let anchor = statement_line_start(text, first_method.start_byte())..first_method.start_byte();
    let original = &text[anchor.clone()];
    if original.is_empty() || !original.chars().all(|c| matches!(c, ' ' | '\t' | '\x0c')) {
        return Err("the first method does not start its own line".into());
    }
    let indent = line_indentation(text, first_method.start_byte());
    let inner = format!("{indent}{}", file.indent_unit);
    let value_text = reindent(file, value, &inner);
    let (signature, super_call) = if has_bases {
        (
            "self, *args, **kwargs",
            format!("{inner}super().__init__(*args, **kwargs){newline}"),
        )
    } else {
        ("self", String::new())
    };
    // A replacement of the first method's indentation, not an insertion: two findings
    // of one class then overlap, and the second is fixed in the next pass, into the
    // `__init__` the first made.
    let content = format!(
        "{original}def __init__({signature}):{newline}{super_call}{inner}self.{assigned} = {value_text}{comment}{newline}{newline}{indent}"
    );
    Ok(Fix::new(
        title,
        Applicability::Unsafe,
        vec![delete, Edit::replace(anchor, content)],
    ))
}

/// Deletes the binding's lines, and the blank lines after them when a blank line or the
/// class header is before them, so that no double blank line is left.
fn deletion(file: &SourceFile, statement: Node) -> Edit {
    let text = file.text;
    let start = statement_line_start(text, statement.start_byte());
    let mut end = next_line_start(text, statement_line_end(text, statement.end_byte()));
    let previous_blank = start == 0 || {
        let previous = line_start(text, start - 1);
        text[previous..start].trim().is_empty()
    };
    let first_in_body = statement
        .parent()
        .and_then(|body| statements(body).first().copied())
        == Some(statement);
    if previous_blank || first_in_body {
        while end < text.len() {
            let next = next_line_start(text, line_end(text, end));
            if !text[end..next].trim().is_empty() || next == end {
                break;
            }
            end = next;
        }
    }
    Edit::delete(start..end)
}

/// The offset after the line break at `at` (`\n`, `\r\n` or `\r`), or `at` at the end.
fn next_line_start(text: &str, at: usize) -> usize {
    if text[at..].starts_with("\r\n") {
        at + 2
    } else if at < text.len() {
        at + 1
    } else {
        at
    }
}

/// Inserts `line` after the statement's last line.
fn after_line(file: &SourceFile, statement: Node, line: &str) -> Edit {
    let end = statement_line_end(file.text, statement.end_byte());
    if end == file.text.len() {
        Edit::insert(end, format!("{}{line}", file.newline))
    } else {
        Edit::insert(next_line_start(file.text, end), line.to_string())
    }
}

/// `super().__init__(...)`, `super(C, self).__init__(...)`, `Base.__init__(self, ...)`
/// as a statement of its own.
fn is_base_init_call(file: &SourceFile, statement: Node) -> bool {
    if statement.kind() != "expression_statement" || statement.named_child_count() != 1 {
        return false;
    }
    let Some(call) = statement
        .named_child(0)
        .map(unparenthesize)
        .filter(|n| n.kind() == "call")
    else {
        return false;
    };
    call.child_by_field_name("function")
        .is_some_and(|function| {
            function.kind() == "attribute"
                && function
                    .child_by_field_name("attribute")
                    .is_some_and(|a| file.node_text(a) == "__init__")
        })
}

/// Whether the class body (not its methods' bodies) reads the bare name.
fn reads_bare_name_in_class_body(file: &SourceFile, body: Node, name: &str, own: Node) -> bool {
    let own_target = own.child_by_field_name("left");
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "class_definition" => continue,
            "identifier" if Some(node) != own_target && file.node_text(node) == name => {
                // A keyword argument's name or an attribute's name is no read.
                let parent = node.parent();
                let is_attribute_name = parent.is_some_and(|p| {
                    p.kind() == "attribute" && p.child_by_field_name("attribute") == Some(node)
                });
                let is_keyword = parent.is_some_and(|p| {
                    p.kind() == "keyword_argument" && p.child_by_field_name("name") == Some(node)
                });
                let is_def_name = parent.is_some_and(|p| {
                    p.kind() == "function_definition" && p.child_by_field_name("name") == Some(node)
                });
                if !is_attribute_name && !is_keyword && !is_def_name {
                    return true;
                }
            }
            "function_definition" => {
                // Its decorators, defaults and annotations run in the class body; its
                // body does not.
                let mut cursor = node.walk();
                let parts: Vec<Node> = node
                    .named_children(&mut cursor)
                    .filter(|child| Some(*child) != node.child_by_field_name("body"))
                    .collect();
                stack.extend(parts);
                continue;
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}
