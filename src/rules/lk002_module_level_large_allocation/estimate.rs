//! LK002's size estimates.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

mod folded;

use super::module::{string_value, Module};
use super::named_children;
use crate::semantic::{
    expression_reads, for_each_target, parameter_names, scope_bindings, statements, unparenthesize,
};
use folded::Int;

/// How deep constant folding and nested shapes may go: enough for real code, and a stop
/// for names defined in terms of each other.
const MAX_DEPTH: usize = 12;

/// 64-bit CPython sizes, in bytes (what `sys.getsizeof` reports, rounded to the allocator).
const SLOT: u128 = 8;
const LIST_HEADER: u128 = 56;
const TUPLE_HEADER: u128 = 40;
const INT_OBJECT: u128 = 32;
const FLOAT_OBJECT: u128 = 24;
const SHORT_STR_OBJECT: u128 = 55;
/// A set's hash table per element, at its usual load.
const SET_ENTRY: u128 = 33;
/// A dict's index and entry tables per entry, at their usual load.
const DICT_ENTRY: u128 = 42;

/// Which way an estimate may be off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    About,
    /// Some part could not be sized and counts as nothing but its slot.
    AtLeast,
    /// An `if` clause may drop elements.
    AtMost,
}

impl Bound {
    fn and(self, other: Bound) -> Bound {
        match (self, other) {
            (a, b) if a == b => a,
            (Bound::About, x) | (x, Bound::About) => x,
            _ => Bound::About,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Estimate {
    pub(super) bytes: u128,
    /// What was sized: "a list comprehension of 1,000,000 ints".
    pub(super) shape: String,
    bound: Bound,
}

impl Estimate {
    pub(super) fn size_text(&self) -> String {
        let size = format_size(self.bytes);
        if self.bytes >= EXABYTE {
            // No machine holds it: how far beyond does not matter, and is not "about".
            return match self.bound {
                Bound::AtMost => format!("possibly {size}"),
                Bound::About | Bound::AtLeast => size,
            };
        }
        match self.bound {
            Bound::About => format!("~{size}"),
            Bound::AtLeast => format!("at least ~{size}"),
            Bound::AtMost => format!("up to ~{size}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Str,
    /// The same object in every slot: a constant, or a name bound outside.
    Shared,
    Other,
}

/// What each element of a container costs beyond its slot.
#[derive(Debug, Clone)]
struct Element {
    bytes: u128,
    plural: String,
    bound: Bound,
    kind: Kind,
}

impl Element {
    fn new(bytes: u128, plural: impl Into<String>, kind: Kind) -> Self {
        Element {
            bytes,
            plural: plural.into(),
            bound: Bound::About,
            kind,
        }
    }
    fn int() -> Self {
        Self::new(INT_OBJECT, "ints", Kind::Int)
    }
    fn float() -> Self {
        Self::new(FLOAT_OBJECT, "floats", Kind::Float)
    }
    fn short_str() -> Self {
        Self::new(SHORT_STR_OBJECT, "short strings", Kind::Str)
    }
    fn shared() -> Self {
        Self::new(0, "references to one shared object", Kind::Shared)
    }
    fn unknown() -> Self {
        Element {
            bound: Bound::AtLeast,
            ..Self::new(0, "items", Kind::Other)
        }
    }
}

/// Loop variables of the comprehensions being sized, and what each takes.
type Vars<'a> = HashMap<&'a str, Element>;

/// A sequence built by a display or a repetition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SequenceKind {
    List,
    Tuple,
    Str,
    Bytes,
}

struct Sequence {
    kind: SequenceKind,
    items: u128,
    /// Bytes per item: a slot, or the width of one character.
    item_bytes: u128,
}

impl Sequence {
    fn bytes(&self) -> u128 {
        let header = match self.kind {
            SequenceKind::List => LIST_HEADER,
            SequenceKind::Tuple => TUPLE_HEADER,
            SequenceKind::Str => 49,
            SequenceKind::Bytes => 33,
        };
        header.saturating_add(self.items.saturating_mul(self.item_bytes))
    }

    fn shape(&self) -> String {
        let items = thousands(self.items);
        match self.kind {
            SequenceKind::List => format!("a list of {items} slots"),
            SequenceKind::Tuple => format!("a tuple of {items} slots"),
            SequenceKind::Str => format!("a str of {items} characters"),
            SequenceKind::Bytes => format!("a bytes object of {items} bytes"),
        }
    }
}

/// Sizes values, in one scope: names that scope binds hide module constants.
pub(super) struct Sizer<'m, 'f, 'a> {
    module: &'m Module<'f, 'a>,
    shadowed: HashSet<&'a str>,
}

impl<'m, 'f, 'a> Sizer<'m, 'f, 'a> {
    pub(super) fn new(module: &'m Module<'f, 'a>, shadowed: HashSet<&'a str>) -> Self {
        Sizer { module, shadowed }
    }

    fn text(&self, node: Node) -> &'a str {
        self.module.file.node_text(node)
    }

    /// The qualified name a callee refers to, unless this scope hides its first name.
    fn resolve(&self, node: Node<'a>) -> Option<String> {
        let mut head = node;
        while head.kind() == "attribute" {
            head = head.child_by_field_name("object")?;
        }
        if self.shadowed.contains(self.text(head)) {
            return None;
        }
        self.module.bindings.resolve(self.module.file, node)
    }

    pub(super) fn estimate(&self, value: Node<'a>, depth: usize) -> Option<Estimate> {
        if depth > MAX_DEPTH {
            return None;
        }
        let value = unparenthesize(value);
        match value.kind() {
            "list_comprehension" | "set_comprehension" | "dictionary_comprehension" => {
                self.comprehension_estimate(value, &Vars::new(), depth)
            }
            "binary_operator" => {
                let sequence = self.sequence(value, depth)?;
                Some(Estimate {
                    bytes: sequence.bytes(),
                    shape: sequence.shape(),
                    bound: Bound::About,
                })
            }
            "call" => self.call_estimate(value, depth),
            _ => None,
        }
    }

    /// Folds an integer constant expression, without ever wrapping (see [`Int`]).
    fn fold_int(&self, node: Node<'a>, depth: usize) -> Option<Int> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = unparenthesize(node);
        match node.kind() {
            "integer" => Int::parse(self.text(node)),
            "unary_operator" => {
                let value = self.fold_int(node.child_by_field_name("argument")?, depth + 1)?;
                match self.text(node.child_by_field_name("operator")?) {
                    "-" => Some(value.neg()),
                    "+" => Some(value),
                    "~" => Some(value.invert()),
                    _ => None,
                }
            }
            "binary_operator" => {
                let left = self.fold_int(node.child_by_field_name("left")?, depth + 1)?;
                let right = self.fold_int(node.child_by_field_name("right")?, depth + 1)?;
                match self.text(node.child_by_field_name("operator")?) {
                    "+" => left.add(right),
                    "-" => left.sub(right),
                    "*" => Some(left.mul(right)),
                    "**" => left.pow(right),
                    "<<" => left.shl(right),
                    ">>" => left.shr(right),
                    "//" => left.floor_div(right),
                    _ => None,
                }
            }
            "call" => {
                let function = node.child_by_field_name("function")?;
                if self.resolve(function).as_deref() != Some("int") {
                    return None;
                }
                let argument = single_positional(node)?;
                let argument = unparenthesize(argument);
                if argument.kind() == "float" {
                    let value = parse_float(self.text(argument))?;
                    (value.is_finite() && value.fract() == 0.0 && value.abs() < 1e30)
                        .then_some(Int::Exact(value as i128))
                } else {
                    self.fold_int(argument, depth + 1)
                }
            }
            "identifier" => {
                let name = self.text(node);
                if self.shadowed.contains(name) {
                    return None;
                }
                let value = *self.module.constants.get(name)?;
                // A constant's own value is read in the module scope.
                Sizer::new(self.module, HashSet::new()).fold_int(value, depth + 1)
            }
            _ => None,
        }
    }

    fn fold_count(&self, node: Node<'a>, depth: usize) -> Option<u128> {
        Some(self.fold_int(node, depth)?.count())
    }

    /// A list, tuple, str or bytes literal, or a repetition of one (`[0] * N`).
    fn sequence(&self, node: Node<'a>, depth: usize) -> Option<Sequence> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = unparenthesize(node);
        match node.kind() {
            "list" | "tuple" => {
                let items = named_children(node);
                if items
                    .iter()
                    .any(|i| matches!(i.kind(), "list_splat" | "parenthesized_list_splat"))
                {
                    return None;
                }
                Some(Sequence {
                    kind: if node.kind() == "list" {
                        SequenceKind::List
                    } else {
                        SequenceKind::Tuple
                    },
                    items: items.len() as u128,
                    item_bytes: SLOT,
                })
            }
            "string" => string_literal(self.text(node)),
            "binary_operator" => {
                if self.text(node.child_by_field_name("operator")?) != "*" {
                    return None;
                }
                let left = node.child_by_field_name("left")?;
                let right = node.child_by_field_name("right")?;
                let (sequence, times) = match self.sequence(left, depth + 1) {
                    Some(sequence) => (sequence, self.fold_count(right, depth + 1)?),
                    None => (
                        self.sequence(right, depth + 1)?,
                        self.fold_count(left, depth + 1)?,
                    ),
                };
                Some(Sequence {
                    items: sequence.items.saturating_mul(times),
                    ..sequence
                })
            }
            _ => None,
        }
    }

    /// How many elements an iterable yields, and what each is.
    fn iterable(&self, node: Node<'a>, vars: &Vars<'a>, depth: usize) -> Option<(u128, Element)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = unparenthesize(node);
        match node.kind() {
            "call" => {
                let function = self.resolve(node.child_by_field_name("function")?)?;
                let arguments = positional_arguments(node)?;
                match function.as_str() {
                    "range" => {
                        let values: Vec<Int> = arguments
                            .iter()
                            .map(|a| self.fold_int(*a, depth + 1))
                            .collect::<Option<_>>()?;
                        Some((range_length(&values)?, Element::int()))
                    }
                    "map" if arguments.len() == 2 => {
                        let (count, _) = self.iterable(arguments[1], vars, depth + 1)?;
                        Some((count, Element::unknown()))
                    }
                    _ => None,
                }
            }
            "list" | "tuple" | "set" => {
                let items = named_children(node);
                if items
                    .iter()
                    .any(|i| matches!(i.kind(), "list_splat" | "parenthesized_list_splat"))
                {
                    return None;
                }
                // The display's own items: built once, whatever iterates them.
                Some((
                    items.len() as u128,
                    Element {
                        plural: "items".into(),
                        ..Element::shared()
                    },
                ))
            }
            "generator_expression" | "list_comprehension" | "set_comprehension" => {
                let (count, bound, inner) = self.comprehension(node, vars, depth + 1)?;
                let mut element = self.element(node.child_by_field_name("body")?, &inner, depth);
                element.bound = element.bound.and(bound);
                Some((count, element))
            }
            _ => None,
        }
    }

    /// A comprehension's element count (the product of its `for` clauses), whether an
    /// `if` clause makes it an upper bound, and its loop variables.
    fn comprehension(
        &self,
        node: Node<'a>,
        outer: &Vars<'a>,
        depth: usize,
    ) -> Option<(u128, Bound, Vars<'a>)> {
        let mut vars = outer.clone();
        let mut count: u128 = 1;
        let mut bound = Bound::About;
        for clause in named_children(node) {
            match clause.kind() {
                "for_in_clause" => {
                    let rights: Vec<Node> = {
                        let mut cursor = clause.walk();
                        clause
                            .children_by_field_name("right", &mut cursor)
                            .filter(|n| n.is_named())
                            .collect()
                    };
                    let [right] = rights[..] else { return None };
                    let (n, element) = self.iterable(right, &vars, depth + 1)?;
                    count = count.saturating_mul(n);
                    let left = clause.child_by_field_name("left")?;
                    if left.kind() == "identifier" {
                        vars.insert(self.text(left), element);
                    } else {
                        for_each_target(left, &mut |name| {
                            vars.insert(self.module.file.node_text(name), Element::unknown());
                        });
                    }
                }
                "if_clause" => bound = Bound::AtMost,
                _ => {}
            }
        }
        Some((count, bound, vars))
    }

    fn comprehension_estimate(
        &self,
        node: Node<'a>,
        outer: &Vars<'a>,
        depth: usize,
    ) -> Option<Estimate> {
        let (count, bound, vars) = self.comprehension(node, outer, depth + 1)?;
        let up_to = if bound == Bound::AtMost { "up to " } else { "" };
        let n = thousands(count);
        let body = node.child_by_field_name("body")?;
        let (bytes, shape, element_bound) = match node.kind() {
            "list_comprehension" => {
                let e = self.element(body, &vars, depth + 1);
                (
                    LIST_HEADER.saturating_add(count.saturating_mul(SLOT.saturating_add(e.bytes))),
                    format!("a list comprehension of {up_to}{n} {}", e.plural),
                    e.bound,
                )
            }
            "set_comprehension" => {
                let e = self.element(body, &vars, depth + 1);
                (
                    count.saturating_mul(SET_ENTRY.saturating_add(e.bytes)),
                    format!("a set comprehension of {up_to}{n} {}", e.plural),
                    e.bound,
                )
            }
            _ => {
                let key = body.child_by_field_name("key")?;
                let value = body.child_by_field_name("value")?;
                let k = self.element(key, &vars, depth + 1);
                let v = if self.text(key) == self.text(value) {
                    Element::shared()
                } else {
                    self.element(value, &vars, depth + 1)
                };
                (
                    count
                        .saturating_mul(DICT_ENTRY.saturating_add(k.bytes).saturating_add(v.bytes)),
                    format!("a dict comprehension of {up_to}{n} entries"),
                    k.bound.and(v.bound),
                )
            }
        };
        Some(Estimate {
            bytes,
            shape,
            bound: bound.and(element_bound),
        })
    }

    /// What one element built by `expression` costs, beyond its slot.
    fn element(&self, expression: Node<'a>, vars: &Vars<'a>, depth: usize) -> Element {
        if depth > MAX_DEPTH {
            return Element::unknown();
        }
        let expression = unparenthesize(expression);
        let depends = || {
            expression_reads(self.module.file, expression)
                .iter()
                .any(|name| vars.contains_key(name))
        };
        match expression.kind() {
            "identifier" => vars
                .get(self.text(expression))
                .cloned()
                .unwrap_or_else(Element::shared),
            "integer"
            | "float"
            | "true"
            | "false"
            | "none"
            | "ellipsis"
            | "concatenated_string" => Element::shared(),
            "string" => {
                if named_children(expression)
                    .iter()
                    .any(|p| p.kind() == "interpolation")
                {
                    Element::short_str()
                } else {
                    Element::shared()
                }
            }
            // `True` and `False` are singletons.
            "comparison_operator" | "not_operator" => Element {
                plural: "bools".into(),
                ..Element::shared()
            },
            "binary_operator" | "unary_operator" => {
                if let Some(sequence) = self.sequence(expression, depth + 1) {
                    return self.sequence_element(&sequence);
                }
                let formats_a_literal = expression.kind() == "binary_operator"
                    && expression
                        .child_by_field_name("operator")
                        .is_some_and(|o| self.text(o) == "%")
                    && expression
                        .child_by_field_name("left")
                        .is_some_and(|l| unparenthesize(l).kind() == "string");
                if formats_a_literal && depends() {
                    return Element::short_str();
                }
                if !depends() && is_literal_arithmetic(expression) {
                    // CPython folds constant arithmetic into one constant.
                    return Element::shared();
                }
                match self.number_kind(expression, vars) {
                    Some(Kind::Int) => Element::int(),
                    Some(Kind::Float) => Element::float(),
                    Some(Kind::Str) => Element::short_str(),
                    _ => Element::unknown(),
                }
            }
            "call" => {
                let callee = expression.child_by_field_name("function");
                let formats_a_literal = callee.is_some_and(|f| {
                    f.kind() == "attribute"
                        && f.child_by_field_name("attribute")
                            .is_some_and(|a| self.text(a) == "format")
                        && f.child_by_field_name("object")
                            .is_some_and(|o| unparenthesize(o).kind() == "string")
                });
                if formats_a_literal {
                    return Element::short_str();
                }
                let function = callee.and_then(|f| self.resolve(f));
                match function.as_deref() {
                    Some("float") => Element::float(),
                    Some("int" | "len" | "abs" | "ord" | "hash") => Element::int(),
                    Some("str" | "repr" | "hex" | "oct" | "bin" | "chr" | "ascii" | "format") => {
                        Element::short_str()
                    }
                    _ => match self.estimate(expression, depth + 1) {
                        Some(estimate) => Element {
                            bytes: estimate.bytes,
                            plural: format!("objects of {}", estimate.size_text()),
                            bound: estimate.bound,
                            kind: Kind::Other,
                        },
                        None => Element::unknown(),
                    },
                }
            }
            "list" | "tuple" => {
                let items = named_children(expression);
                let Some(sequence) = self.sequence(expression, depth + 1) else {
                    return Element::unknown();
                };
                let mut element = self.sequence_element(&sequence);
                for item in items {
                    let inner = self.element(item, vars, depth + 1);
                    element.bytes = element.bytes.saturating_add(inner.bytes);
                    element.bound = element.bound.and(inner.bound);
                }
                element
            }
            "list_comprehension" | "set_comprehension" | "dictionary_comprehension" => {
                match self.comprehension_estimate(expression, vars, depth + 1) {
                    Some(estimate) => Element {
                        bytes: estimate.bytes,
                        plural: match expression.kind() {
                            "list_comprehension" => "lists".to_string(),
                            "set_comprehension" => "sets".to_string(),
                            _ => "dicts".to_string(),
                        } + &format!(" of {} each", estimate.size_text()),
                        bound: estimate.bound,
                        kind: Kind::Other,
                    },
                    None => Element::unknown(),
                }
            }
            _ => Element::unknown(),
        }
    }

    /// A fresh sequence as the element of a container: "lists of 1,000 slots".
    fn sequence_element(&self, sequence: &Sequence) -> Element {
        let items = thousands(sequence.items);
        let plural = match sequence.kind {
            SequenceKind::List => format!("lists of {items} slots"),
            SequenceKind::Tuple => format!("tuples of {items} items"),
            SequenceKind::Str => format!("strings of {items} characters"),
            SequenceKind::Bytes => format!("bytes objects of {items} bytes"),
        };
        Element::new(sequence.bytes(), plural, Kind::Other)
    }

    /// The type of a numeric or string expression over loop variables and literals.
    fn number_kind(&self, node: Node<'a>, vars: &Vars<'a>) -> Option<Kind> {
        let node = unparenthesize(node);
        match node.kind() {
            "integer" => Some(Kind::Int),
            "float" => Some(Kind::Float),
            "string" => Some(Kind::Str),
            "identifier" => vars.get(self.text(node)).map(|e| e.kind),
            "unary_operator" => self.number_kind(node.child_by_field_name("argument")?, vars),
            "call" => match self
                .resolve(node.child_by_field_name("function")?)?
                .as_str()
            {
                "float" => Some(Kind::Float),
                "int" | "len" | "abs" | "ord" | "hash" => Some(Kind::Int),
                _ => None,
            },
            "binary_operator" => {
                let left = self.number_kind(node.child_by_field_name("left")?, vars)?;
                let right = self.number_kind(node.child_by_field_name("right")?, vars)?;
                let operator = self.text(node.child_by_field_name("operator")?);
                match (left, right) {
                    (Kind::Str, _) | (_, Kind::Str) => {
                        matches!(operator, "%" | "+").then_some(Kind::Str)
                    }
                    (Kind::Int | Kind::Float, Kind::Int | Kind::Float) => {
                        if operator == "/" || left == Kind::Float || right == Kind::Float {
                            Some(Kind::Float)
                        } else {
                            Some(Kind::Int)
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn call_estimate(&self, call: Node<'a>, depth: usize) -> Option<Estimate> {
        let function = call.child_by_field_name("function")?;
        let Some(qualified) = self.resolve(function) else {
            return self.instance_estimate(function, depth);
        };
        match qualified.as_str() {
            "list" | "tuple" | "set" | "frozenset" | "sorted" => {
                let argument = single_positional(call)?;
                let (count, element) = self.iterable(argument, &Vars::new(), depth + 1)?;
                let n = thousands(count);
                let (bytes, container) = match qualified.as_str() {
                    "tuple" => (
                        TUPLE_HEADER.saturating_add(
                            count.saturating_mul(SLOT.saturating_add(element.bytes)),
                        ),
                        "a tuple",
                    ),
                    "set" | "frozenset" => (
                        count.saturating_mul(SET_ENTRY.saturating_add(element.bytes)),
                        if qualified == "set" {
                            "a set"
                        } else {
                            "a frozenset"
                        },
                    ),
                    _ => (
                        LIST_HEADER.saturating_add(
                            count.saturating_mul(SLOT.saturating_add(element.bytes)),
                        ),
                        "a list",
                    ),
                };
                Some(Estimate {
                    bytes,
                    shape: format!("{container} of {n} {}", element.plural),
                    bound: element.bound,
                })
            }
            "bytearray" | "bytes" => {
                let argument = single_positional(call)?;
                let count = self.fold_count(argument, depth + 1)?;
                Some(Estimate {
                    bytes: count,
                    shape: format!(
                        "{} of {} zero bytes",
                        if qualified == "bytes" {
                            "a bytes object"
                        } else {
                            "a bytearray"
                        },
                        thousands(count)
                    ),
                    bound: Bound::About,
                })
            }
            "dict.fromkeys" => {
                let arguments = positional_arguments(call)?;
                let (count, key) = self.iterable(*arguments.first()?, &Vars::new(), depth + 1)?;
                Some(Estimate {
                    bytes: count.saturating_mul(DICT_ENTRY.saturating_add(key.bytes)),
                    shape: format!("a dict of {} entries", thousands(count)),
                    bound: key.bound,
                })
            }
            numpy if numpy.starts_with("numpy.") => self.numpy_estimate(call, &numpy[6..], depth),
            _ => self.instance_estimate(function, depth),
        }
    }

    /// `numpy.zeros/ones/empty/full/arange`: items times the dtype's item size.
    fn numpy_estimate(&self, call: Node<'a>, function: &str, depth: usize) -> Option<Estimate> {
        let arguments = call.child_by_field_name("arguments")?;
        let mut positional = Vec::new();
        let mut keywords = HashMap::new();
        for argument in named_children(arguments) {
            match argument.kind() {
                "keyword_argument" => {
                    keywords.insert(
                        self.text(argument.child_by_field_name("name")?),
                        argument.child_by_field_name("value")?,
                    );
                }
                "list_splat" | "dictionary_splat" => return None,
                _ => positional.push(argument),
            }
        }
        let argument = |keyword: &str, index: usize| {
            keywords
                .get(keyword)
                .copied()
                .or_else(|| positional.get(index).copied())
        };
        let (dimensions, dtype_index, default) = match function {
            "zeros" | "ones" | "empty" | "full" => {
                let shape = argument("shape", 0)?;
                let dimensions = self.shape(shape, depth + 1)?;
                let default = if function == "full" {
                    match argument("fill_value", 1).map(|v| unparenthesize(v).kind()) {
                        Some("true" | "false") => (1, "bool".to_string()),
                        Some("integer") => (8, "int64".to_string()),
                        _ => (8, "float64".to_string()),
                    }
                } else {
                    (8, "float64".to_string())
                };
                (dimensions, if function == "full" { 2 } else { 1 }, default)
            }
            "arange" => {
                let values: Vec<Int> = positional
                    .iter()
                    .take(3)
                    .map(|a| self.fold_int(*a, depth + 1))
                    .collect::<Option<_>>()?;
                (vec![range_length(&values)?], 3, (8, "int64".to_string()))
            }
            _ => return None,
        };
        let (item_bytes, dtype, bound) = match argument("dtype", dtype_index) {
            None => (default.0, default.1, Bound::About),
            Some(dtype) => match self.dtype(dtype) {
                Some((bytes, name)) => (bytes, name, Bound::About),
                None => (1, "items of an unknown dtype".to_string(), Bound::AtLeast),
            },
        };
        let items = dimensions
            .iter()
            .fold(1u128, |product, d| product.saturating_mul(*d));
        let mut shape = format!("a numpy array of {} {dtype}", thousands(items));
        if !dtype.starts_with("items") {
            shape.push_str(" items");
        }
        if dimensions.len() > 1 {
            let parts: Vec<String> = dimensions.iter().map(|d| thousands(*d)).collect();
            shape.push_str(&format!(", shape {}", parts.join(" x ")));
        }
        Some(Estimate {
            bytes: items.saturating_mul(item_bytes),
            shape,
            bound,
        })
    }

    /// An array shape: `N` or a tuple or list of integers.
    fn shape(&self, node: Node<'a>, depth: usize) -> Option<Vec<u128>> {
        let node = unparenthesize(node);
        match node.kind() {
            "tuple" | "list" => named_children(node)
                .into_iter()
                .map(|d| self.fold_count(d, depth + 1))
                .collect(),
            _ => Some(vec![self.fold_count(node, depth + 1)?]),
        }
    }

    /// A numpy dtype's item size and name: `np.float32`, `"f4"`, `int`, `"U10"`.
    fn dtype(&self, node: Node<'a>) -> Option<(u128, String)> {
        let node = unparenthesize(node);
        let name = match node.kind() {
            "string" => {
                let value = string_value(self.module.file, node)?;
                value.trim_start_matches(['<', '>', '=', '|']).to_string()
            }
            "identifier" | "attribute" => {
                let qualified = self.resolve(node)?;
                match qualified.strip_prefix("numpy.") {
                    Some(member) => member.to_string(),
                    None if !qualified.contains('.') => qualified,
                    None => return None,
                }
            }
            _ => return None,
        };
        let base = name.split('[').next().unwrap_or(&name);
        let bytes = match base {
            "bool" | "bool_" | "bool8" | "?" | "b1" | "int8" | "byte" | "i1" | "b" | "uint8"
            | "ubyte" | "u1" | "B" => 1,
            "int16" | "short" | "i2" | "h" | "uint16" | "ushort" | "u2" | "H" | "float16"
            | "half" | "f2" | "e" => 2,
            "int32" | "intc" | "i4" | "i" | "uint32" | "uintc" | "u4" | "I" | "float32"
            | "single" | "f4" | "f" => 4,
            "int64" | "int" | "int_" | "intp" | "i8" | "l" | "q" | "longlong" | "uint64"
            | "uint" | "uintp" | "u8" | "L" | "Q" | "ulonglong" | "float64" | "float"
            | "double" | "float_" | "f8" | "d" | "complex64" | "csingle" | "c8" | "F"
            | "object" | "object_" | "O" | "datetime64" | "timedelta64" | "M8" | "m8" | "M"
            | "m" => 8,
            "complex128" | "complex" | "cdouble" | "complex_" | "c16" | "D" | "longdouble"
            | "float128" | "f16" | "g" => 16,
            "complex256" | "clongdouble" | "c32" | "G" => 32,
            other => {
                // Fixed-width strings: `S10`/`a10` are bytes, `U10` is 4 bytes a character.
                let (width, digits) = match other.split_at_checked(1)? {
                    ("S" | "a", digits) => (1, digits),
                    ("U", digits) => (4, digits),
                    _ => return None,
                };
                digits.parse::<u128>().ok()?.saturating_mul(width)
            }
        };
        Some((bytes, name))
    }

    /// An instance of a class defined in this file: what its `__init__` stores on `self`.
    fn instance_estimate(&self, function: Node<'a>, depth: usize) -> Option<Estimate> {
        if function.kind() != "identifier" || depth > MAX_DEPTH {
            return None;
        }
        let class_name = self.text(function);
        if self.shadowed.contains(class_name) {
            return None;
        }
        let class = *self.module.classes.get(class_name)?;
        let init = statements(class.child_by_field_name("body")?)
            .into_iter()
            .map(|statement| match statement.kind() {
                "decorated_definition" => statement.child_by_field_name("definition"),
                _ => Some(statement),
            })
            .find_map(|definition| {
                definition.filter(|d| {
                    d.kind() == "function_definition"
                        && d.child_by_field_name("name")
                            .is_some_and(|n| self.text(n) == "__init__")
                })
            })?;
        let self_name =
            self.text(*parameter_names(init.child_by_field_name("parameters")?).first()?);
        let sizer = Sizer::new(self.module, scope_bindings(self.module.file, init));
        let mut stored: Vec<(&str, Estimate)> = Vec::new();
        let mut stack = vec![init.child_by_field_name("body")?];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "function_definition" | "class_definition" | "lambda" => continue,
                "assignment" => {
                    if let (Some(left), Some(right)) = (
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                    ) {
                        let on_self = left.kind() == "attribute"
                            && left
                                .child_by_field_name("object")
                                .is_some_and(|o| self.text(o) == self_name);
                        if on_self {
                            if let Some(estimate) = sizer.estimate(right, depth + 1) {
                                stored.push((self.text(left), estimate));
                            }
                        }
                    }
                }
                _ => {}
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        if stored.is_empty() {
            return None;
        }
        stored.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(b.0)));
        let bytes = stored
            .iter()
            .fold(0u128, |sum, (_, e)| sum.saturating_add(e.bytes));
        let bound = stored
            .iter()
            .fold(Bound::About, |bound, (_, e)| bound.and(e.bound));
        // The two largest by name; a nested instance by its class alone.
        let mut parts: Vec<String> = stored
            .iter()
            .take(2)
            .map(|(target, e)| {
                let shape = e
                    .shape
                    .split(", whose `__init__`")
                    .next()
                    .unwrap_or(&e.shape);
                format!("{shape} in `{target}`")
            })
            .collect();
        match stored.len() {
            0..=2 => {}
            3 => parts.push("1 smaller object".to_string()),
            n => parts.push(format!("{} smaller objects", n - 2)),
        }
        let listed = match parts.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => return None,
        };
        Some(Estimate {
            bytes,
            shape: format!("an instance of `{class_name}`, whose `__init__` stores {listed}"),
            bound,
        })
    }
}

/// A call's arguments when all are positional.
fn positional_arguments(call: Node) -> Option<Vec<Node>> {
    let arguments = call.child_by_field_name("arguments")?;
    if arguments.kind() == "generator_expression" {
        return Some(vec![arguments]);
    }
    let all = named_children(arguments);
    all.iter()
        .all(|a| {
            !matches!(
                a.kind(),
                "keyword_argument" | "list_splat" | "dictionary_splat"
            )
        })
        .then_some(all)
}

/// The one positional argument of a call like `list(x)` or `list(x for x in y)`.
fn single_positional(call: Node) -> Option<Node> {
    match positional_arguments(call)?[..] {
        [argument] => Some(argument),
        _ => None,
    }
}

/// Whether an operator expression has only literals at its leaves.
fn is_literal_arithmetic(node: Node) -> bool {
    match node.kind() {
        "integer" | "float" | "string" | "true" | "false" | "none" => true,
        "binary_operator" | "unary_operator" | "parenthesized_expression" => {
            named_children(node).into_iter().all(|child| {
                child.kind().starts_with(|c: char| !c.is_alphanumeric())
                    || is_literal_arithmetic(child)
            })
        }
        _ => false,
    }
}

/// The length of `range(...)` with these folded arguments (saturated at `u128::MAX`).
fn range_length(arguments: &[Int]) -> Option<u128> {
    let (start, stop, step) = match *arguments {
        [stop] => (Int::Exact(0), stop, Int::Exact(1)),
        [start, stop] => (start, stop, Int::Exact(1)),
        [start, stop, step] => (start, stop, step),
        _ => return None,
    };
    Int::range_length(start, stop, step)
}

fn parse_float(text: &str) -> Option<f64> {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    if digits.ends_with(['j', 'J']) {
        return None;
    }
    digits.parse().ok()
}

/// A plain str or bytes literal as a sequence: its length, counting each escape as one
/// character, and its bytes per character (the widest character decides, as in CPython).
fn string_literal(text: &str) -> Option<Sequence> {
    let quote = text.find(['"', '\''])?;
    let prefix = text[..quote].to_ascii_lowercase();
    if prefix.contains('f') || prefix.contains('t') {
        return None;
    }
    let body = &text[quote..];
    let delimiter = if body.starts_with("\"\"\"") || body.starts_with("'''") {
        3
    } else {
        1
    };
    let inner = body.get(delimiter..body.len().checked_sub(delimiter)?)?;
    let raw = prefix.contains('r');
    let mut items: u128 = 0;
    let mut width: u128 = 1;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && !raw {
            match chars.next() {
                Some('\n') => continue,
                Some('x') => {
                    chars.nth(1);
                }
                Some('u') => {
                    chars.nth(3);
                    width = width.max(2);
                }
                Some('U') => {
                    chars.nth(7);
                    width = width.max(4);
                }
                Some('N') => {
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                    }
                    width = width.max(2);
                }
                Some('0'..='7') => {
                    for _ in 0..2 {
                        if chars.peek().is_some_and(|c| ('0'..='7').contains(c)) {
                            chars.next();
                        }
                    }
                }
                _ => {}
            }
        } else {
            width = width.max(match c as u32 {
                0..=0xFF => 1,
                0x100..=0xFFFF => 2,
                _ => 4,
            });
        }
        items += 1;
    }
    Some(if prefix.contains('b') {
        Sequence {
            kind: SequenceKind::Bytes,
            items,
            item_bytes: 1,
        }
    } else {
        Sequence {
            kind: SequenceKind::Str,
            items,
            item_bytes: width,
        }
    })
}

/// `1234567` as `1,234,567`; a saturated count (`u128::MAX`) as `more than 10**38`.
fn thousands(n: u128) -> String {
    if n == u128::MAX {
        return "more than 10**38".to_string();
    }
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// 10**18 bytes: every size from here on (including the saturated `u128::MAX`) reads
/// `more than 1 EB`.
const EXABYTE: u128 = 1_000_000_000_000_000_000;

/// Decimal units, one or two significant digits: `40 MB`, `8.1 MB`, `1.5 GB`; from an
/// exabyte on, `more than 1 EB`.
fn format_size(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if bytes >= EXABYTE {
        return "more than 1 EB".to_string();
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let mut rounded = if value >= 100.0 {
        (value / 10.0).round() * 10.0
    } else if value >= 10.0 {
        value.round()
    } else {
        (value * 10.0).round() / 10.0
    };
    if rounded >= 1000.0 && unit < UNITS.len() - 1 {
        rounded = 1.0;
        unit += 1;
    }
    let number = if rounded >= 10.0 || rounded.fract() == 0.0 {
        format!("{}", rounded as u64)
    } else {
        format!("{rounded:.1}")
    };
    format!("{number} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_ruff_would_print_them() {
        assert_eq!(format_size(40_000_056), "40 MB");
        assert_eq!(format_size(8_064_000), "8.1 MB");
        assert_eq!(format_size(123_456_789), "120 MB");
        assert_eq!(format_size(999_700_000), "1 GB");
        assert_eq!(format_size(1_500_000_000), "1.5 GB");
        assert_eq!(format_size(10_000_000), "10 MB");
        assert_eq!(format_size(65_000), "65 kB");
        assert_eq!(format_size(12), "12 B");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(12_345), "12,345");
    }

    #[test]
    fn float_literals() {
        assert_eq!(parse_float("1e6"), Some(1e6));
        assert_eq!(parse_float("2j"), None);
    }

    #[test]
    fn sizes_and_counts_beyond_any_machine_saturate_and_say_so() {
        assert_eq!(format_size(999_000_000_000_000_000), "1 EB");
        assert_eq!(format_size(1_000_000_000_000_000_000), "more than 1 EB");
        assert_eq!(format_size(u128::MAX), "more than 1 EB");
        assert_eq!(thousands(u128::MAX), "more than 10**38");
        let estimate = |bound| Estimate {
            bytes: u128::MAX,
            shape: String::new(),
            bound,
        };
        assert_eq!(estimate(Bound::About).size_text(), "more than 1 EB");
        assert_eq!(estimate(Bound::AtLeast).size_text(), "more than 1 EB");
        assert_eq!(
            estimate(Bound::AtMost).size_text(),
            "possibly more than 1 EB"
        );
    }

    #[test]
    fn string_literals_count_characters_and_width() {
        let s = string_literal("'ab'").unwrap();
        assert_eq!((s.items, s.item_bytes), (2, 1));
        let s = string_literal("b'\\x00\\n'").unwrap();
        assert_eq!((s.kind, s.items), (SequenceKind::Bytes, 2));
        let s = string_literal("'é€'").unwrap();
        assert_eq!((s.items, s.item_bytes), (2, 2));
        let s = string_literal("r'\\n'").unwrap();
        assert_eq!(s.items, 2);
        assert!(string_literal("f'{x}'").is_none());
    }
}
