//! LK001's fixes, run: for every fixture whose fix is meant to keep behaviour, CPython
//! loads the original and the fixed module side by side (in one process, so that set
//! orders agree) and, for each call listed, checks what the fix promises. The harness
//! records the value of every parameter when the function returns (a profile hook reads
//! the frame's locals), so a default is observed even where the body does not return it.
//! For each parameter left to its default by the call:
//!   - the first call gives the same result, and the same parameter values, in both;
//!   - a second call in the fixed module gives the first call's result and values again,
//!     and each parameter the fix changed holds a new object (nothing accumulates);
//!   - in the original, the second call sees the very object the first one did (the
//!     default is shared), and where the function mutates it, the first call's change
//!     is still in the default afterwards (the bug is real); where it does not, the
//!     default is unchanged (so the list below says truly which functions mutate).
//!
//! With the arguments of the call's `passed` given, both give the same result and the
//! same parameter values, the body works on the very object passed (an empty container
//! passed is not replaced), and the caller sees the same changes to it.
//!
//! Every function the fix changes must be called, and every parameter it changes must be
//! left to its default in some call and passed in another: the harness compares the
//! functions whose defaults differ between the two modules (found with `ast`) with the
//! ones called. Coroutine functions are run with `asyncio.run`; `Class.method` calls the
//! method on a new instance; `outer()` calls `outer` once per module and tests the
//! function it returns.
//!
//! Each fixture is fixed with the settings its first line asks for (`# fixture: ...`, as
//! in `tests/fixtures.rs`). Every fixture in `tests/fixtures/lk001/` is covered except:
//!   - `ok_immutable.py`, `ok_shadowed_names.py`: look-alikes with no finding;
//!   - `declines.py`: every finding there is reported without a fix (and the module does
//!     not even load: `shadow_local` reads `SIZE` before it is bound);
//!   - `declines_body_bindings.py`, `declines_immovable.py`: no fix for any finding;
//!   - `ok_read_only_annotations.py`: no finding;
//!   - `unsafe_changing_state.py`, `unsafe_shared_with_closures.py`: their fixes are
//!     unsafe (they change what a call sees, which is why); instead, with unsafe fixes on,
//!     the fixed module must load and show exactly the change the fix's reason names
//!     (`unsafe_fixes_change_only_what_their_reason_says`).
//!
//! `extend_mutable_calls.py` imports `mylib`, which does not exist: its harness gets a
//! stand-in module first. `every_lk001_fixture_is_covered_or_skipped_with_a_reason`
//! compares these lists with the directory, so a new fixture cannot be forgotten.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use pyleak_fix::engine::fix_text;

mod common;
use common::{assert_every_fixture_listed_with, settings_for, NO_FINDING, NO_FIX, UNSAFE_OFF};

const HARNESS: &str = r#"
import ast, asyncio, copy, inspect, io, re, sys, types, weakref

PRELUDE_HERE

def load(path):
    ns = {"__name__": "fixture"}
    with open(path, "rb") as handle:
        exec(compile(handle.read(), path, "exec", dont_inherit=True), ns)
    return ns

def lookup(ns, dotted):
    """`a.b`: attributes, instantiating a class on the way with no arguments; a part
    ending in `()` is called with none (a function returning the function to test)."""
    value = None
    for index, part in enumerate(dotted.split(".")):
        name = part.removesuffix("()")
        if index == 0:
            value = ns[name]
        else:
            if isinstance(value, type):
                value = value()
            value = getattr(value, name)
        if part.endswith("()"):
            value = value()
    return value

def code_of(fn):
    return getattr(fn, "__func__", fn).__code__

def call(fn, args, kwargs):
    """Calls `fn` (running a coroutine to its end); returns the result and the locals of
    its frame when it returned."""
    code, final = code_of(fn), {}
    def profile(frame, event, arg):
        if event == "return" and frame.f_code is code:
            final.clear()
            final.update(frame.f_locals)
    sys.setprofile(profile)
    try:
        result = fn(*args, **kwargs)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
    finally:
        sys.setprofile(None)
    return result, final

MISSING = object()

def describe(value):
    """A comparable account of `value`: its repr without addresses, or the contents of
    objects whose repr does not show them."""
    if type(value) is tuple:
        return tuple(describe(item) for item in value)
    if isinstance(value, (io.StringIO, io.BytesIO)):
        return (type(value).__name__, value.getvalue())
    if isinstance(value, (weakref.WeakKeyDictionary, weakref.WeakValueDictionary)):
        return (type(value).__name__, describe(dict(value)))
    if isinstance(value, weakref.WeakSet):
        return ("WeakSet", describe(set(value)))
    if value is not MISSING and type(value).__repr__ is object.__repr__ and hasattr(value, "__dict__"):
        return (type(value).__qualname__, describe(vars(value)))
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))

ATOMIC = (type(None), bool, int, float, complex, str, bytes, frozenset, type, types.ModuleType,
          types.FunctionType, types.BuiltinFunctionType, types.MethodType)

def is_object(value):
    """Whether identity tells anything about `value` (not a number, string, class...)."""
    return not isinstance(value, ATOMIC)

def defaults(fn):
    signature = inspect.signature(fn, follow_wrapped=False)
    return signature, {name: p.default for name, p in signature.parameters.items()
                       if p.default is not p.empty}

def with_passed(signature, args, kwargs, passed):
    """The call's arguments plus `passed`: positional-only ones go at their position."""
    args, kwargs = list(args), dict(kwargs)
    names = list(signature.parameters)
    for name in sorted(passed, key=names.index):
        if signature.parameters[name].kind is inspect.Parameter.POSITIONAL_ONLY:
            assert names.index(name) == len(args), f"pass the arguments before `{name}`"
            args.append(passed[name])
        else:
            kwargs[name] = passed[name]
    return args, kwargs

def changed_functions(original_path, fixed_path):
    """Qualified names of the functions whose defaults differ between the two files."""
    def collect(path):
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read())
        found = {}
        def walk(node, prefix):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    name = prefix + child.name
                    a = child.args
                    found.setdefault(name, []).append(ast.dump(ast.Tuple(a.defaults + [d for d in a.kw_defaults if d], ast.Load())))
                    walk(child, name + ".<locals>.")
                elif isinstance(child, ast.ClassDef):
                    walk(child, prefix + child.name + ".")
                else:
                    walk(child, prefix)
        walk(tree, "")
        return found
    before, after = collect(original_path), collect(fixed_path)
    assert before.keys() == after.keys()
    return {name for name in before if before[name] != after[name]}

CALLS = [CALLS_HERE]
fixed_params, left_to_default, passed_somewhere = {}, {}, {}
for dotted, args, kwargs, passed, mutates in CALLS:
    where = f"{dotted}(*{args!r}, **{kwargs!r})"
    # Fresh modules for each case: the first call is the first.
    original, fixed = load(sys.argv[1]), load(sys.argv[2])
    before_fn, after_fn = lookup(original, dotted), lookup(fixed, dotted)
    qualname = code_of(before_fn).co_qualname
    signature, before_defaults = defaults(before_fn)
    _, after_defaults = defaults(after_fn)
    assert before_defaults.keys() == after_defaults.keys(), where
    changed = {name for name, value in after_defaults.items()
               if value is None and before_defaults[name] is not None}
    assert changed, f"{where}: the fix changed no default of {qualname}"
    fixed_params[qualname] = changed
    bound = signature.bind(*args, **kwargs).arguments
    defaulted = [name for name in before_defaults if name not in bound]
    left_to_default.setdefault(qualname, set()).update(changed.intersection(defaulted))
    pristine = {name: describe(before_defaults[name]) for name in defaulted}

    def run(fn):
        result, final = call(fn, copy.deepcopy(args), copy.deepcopy(kwargs))
        values = {name: final.get(name, MISSING) for name in defaulted}
        return describe(result), values, {name: describe(v) for name, v in values.items()}

    before1, before_values1, before_seen1 = run(before_fn)
    after1, after_values1, after_seen1 = run(after_fn)
    assert before1 == after1, f"{where}: first call {before1} != {after1}"
    assert before_seen1 == after_seen1, f"{where}: first call's parameters {before_seen1} != {after_seen1}"
    mutated = sorted(name for name in defaulted if describe(before_defaults[name]) != pristine[name])
    if mutates:
        assert mutated, f"{where}: the original was expected to keep the call's change in its default"
    else:
        assert not mutated, f"{where}: the original changed its defaults {mutated}: list it as mutating"

    before2, before_values2, _ = run(before_fn)
    for name in defaulted:
        if is_object(before_values1[name]):
            assert before_values2[name] is before_values1[name], f"{where}: the original's `{name}` is not shared"
    after2, after_values2, after_seen2 = run(after_fn)
    assert after2 == after1, f"{where}: the fixed function's result accumulates: {after1} then {after2}"
    assert after_seen2 == after_seen1, f"{where}: the fixed defaults accumulate: {after_seen1} then {after_seen2}"
    for name in changed.intersection(defaulted):
        assert after_values1[name] is not MISSING, f"{where}: no value of `{name}` seen at return"
        assert is_object(after_values1[name]), f"{where}: `{name}` is {after_values1[name]!r}"
        assert after_values2[name] is not after_values1[name], f"{where}: the fixed `{name}` is shared"

    if passed is not None:
        passed_somewhere.setdefault(qualname, set()).update(changed.intersection(passed))
        original, fixed = load(sys.argv[1]), load(sys.argv[2])
        seen = []
        for fn in (lookup(original, dotted), lookup(fixed, dotted)):
            call_args, call_kwargs = copy.deepcopy(with_passed(signature, args, kwargs, passed))
            given = inspect.signature(fn, follow_wrapped=False).bind(*call_args, **call_kwargs).arguments
            result, final = call(fn, call_args, call_kwargs)
            for name in passed:
                assert final.get(name, MISSING) is given[name], f"{where} with {name}: the body does not use the object passed"
            seen.append((describe(result),
                         {name: describe(final.get(name, MISSING)) for name in before_defaults},
                         {name: describe(given[name]) for name in passed}))
        assert seen[0] == seen[1], f"{where} with {passed!r}: {seen[0]} != {seen[1]}"

expected = changed_functions(sys.argv[1], sys.argv[2])
assert expected == fixed_params.keys(), f"functions fixed {sorted(expected)}, called {sorted(fixed_params)}"
for name, params in fixed_params.items():
    assert left_to_default.get(name, set()) == params, f"{name}: parameters {sorted(params)} fixed, left to default {sorted(left_to_default.get(name, ()))}"
    assert passed_somewhere.get(name, set()) == params, f"{name}: parameters {sorted(params)} fixed, passed {sorted(passed_somewhere.get(name, ()))}"
print(len(CALLS))
"#;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lk001")
}

/// Fixes the fixture with its own settings, then runs the harness over `calls`, Python
/// tuples `(function, positional args, keyword args, passed, mutates)` one a line:
/// `passed` is a dict of arguments to pass instead of their defaults in a second check
/// (or `None`), `mutates` says whether the original function changes the default it
/// gets. `prelude` is Python run before the modules are loaded.
fn assert_fix_keeps_behaviour(fixture: &str, prelude: &str, calls: &str) {
    let path = fixture_dir().join(fixture);
    let original = fs::read_to_string(&path).unwrap();
    // Unsafe fixes too: most fixes are unsafe now (the body returns, stores or changes
    // the default), and the harness calls each function the way that keeps behaviour
    // comparable (see `mutates`).
    let mut settings = settings_for("lk001", &original);
    settings.unsafe_fixes = true;
    let outcome = fix_text(&original, &settings).unwrap();
    assert!(outcome.changed(&original), "{fixture}: no fix applied");
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("original.py"), dir.path().join("fixed.py"));
    fs::write(&before, &original).unwrap();
    fs::write(&after, &outcome.fixed).unwrap();
    let output = Command::new("python3")
        .arg("-c")
        .arg(
            HARNESS
                .replace("PRELUDE_HERE", prelude)
                .replace("CALLS_HERE", calls),
        )
        .arg(&before)
        .arg(&after)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{fixture}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let checked: usize = String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(checked > 0);
}

/// One test per fixture, and `COVERED`, the list of fixtures they cover.
macro_rules! behaviour_tests {
    ($($test:ident: $fixture:literal $(prelude $prelude:literal)? => $calls:literal)*) => {
        const COVERED: &[&str] = &[$($fixture),*];
        $(
            #[test]
            fn $test() {
                assert_fix_keeps_behaviour($fixture, concat!("" $(, $prelude)?), $calls);
            }
        )*
    };
}

/// Fixtures not covered, and why; checked by
/// `every_lk001_fixture_is_covered_or_skipped_with_a_reason`.
const SKIPPED: &[(&str, &str)] = &[
    ("ok_immutable.py", NO_FINDING),
    ("ok_shadowed_names.py", NO_FINDING),
    ("ok_read_only_annotations.py", NO_FINDING),
    ("declines.py", NO_FIX),
    ("declines_body_bindings.py", NO_FIX),
    ("declines_immovable.py", NO_FIX),
    ("unsafe_changing_state.py", UNSAFE_OFF),
    ("unsafe_body_uses.py", UNSAFE_OFF),
    ("unsafe_shared_with_closures.py", UNSAFE_OFF),
    ("ok_regions_binding_after_backslash.py", NO_FINDING),
    ("ok_regions_import_after_backslash.py", NO_FINDING),
    ("ok_regions_walrus_in_raw_fstring_field.py", NO_FINDING),
    ("prefilter_crlf_continuation_in_lambda.py", NO_FIX),
    ("unsafe_non_ascii_names.py", UNSAFE_OFF),
    ("declines_lone_backslash_indentation.py", NO_FIX),
];

behaviour_tests! {
    an_import_after_a_semicolon_is_extended: "regions_from_import_after_semicolon.py" => r#"
("f", [], {}, {"x": [1]}, False),
"#
    an_import_after_a_form_feed_is_extended: "regions_import_after_form_feed.py" => r#"
("f", [], {}, {"x": [1]}, False),
"#
    a_module_import_after_a_semicolon_is_used: "regions_module_import_after_semicolon.py" => r#"
("f", [], {}, {"x": [1]}, False),
"#
    the_indentation_unit_after_a_form_feed_keeps_behaviour: "regions_indent_unit_after_form_feed.py" => r#"
("f", [], {}, {"x": [1]}, False),
"#
    a_crlf_continuation_in_a_signature_keeps_behaviour: "prefilter_crlf_continuation_in_signature.py" => r#"
("f", [], {}, {"x": [1]}, False),
"#
    a_star_import_after_a_semicolon_keeps_behaviour: "regions_star_import_after_semicolon.py" => r#"
("f", [], {}, {"x": [1]}, False),
"#
    a_lone_backslash_line_keeps_the_body_whole: "regions_lone_backslash_line.py" => r#"
("f", [], {}, {"a": [1]}, False),
("C.f", [], {}, {"a": [1]}, False),
("g", [], {}, {"a": [1]}, False),
"#
    the_indentation_unit_after_a_lone_backslash_keeps_behaviour: "regions_indent_unit_after_lone_backslash.py" => r#"
("f", [], {}, {"a": []}, True),
"#
    a_keyword_before_a_quote_keeps_behaviour: "prefilter_keyword_before_quote_is_no_prefix.py" => r#"
("f", [], {}, {"x": [1]}, False),
"#
    annotated_parameters_get_a_fresh_default_per_call: "annotations_py310.py" => r#"
("annotated", [], {}, {"a": [], "b": {"x": 1}, "d": set()}, False),
("admits_none", [], {}, {"a": [1], "b": [], "d": [2], "e": [], "g": [3]}, False),
("forward", [], {}, {"a": {}, "b": [4]}, False),
("loose", [], {}, {"a": [5]}, False),
"#
    optional_annotations_before_3_10_get_a_fresh_default_per_call: "annotations_py38.py" => r#"
("annotated", [], {}, {"a": [1], "b": {}}, False),
"#
    a_new_typing_import_keeps_behaviour: "annotations_py38_new_import.py" => r#"
("annotated", [], {}, {"a": []}, False),
"#
    an_import_only_under_type_checking_gets_a_module_level_one: "annotations_py39_type_checking_import.py" => r#"
("annotated", [], {}, {"a": []}, False),
"#
    an_import_below_a_docstring_keeps_behaviour: "annotations_py38_docstring_then_def.py" => r#"
("annotated", [], {}, {"a": []}, False),
"#
    an_import_after_future_and_dunders_keeps_behaviour: "annotations_py38_future_and_dunders.py" => r#"
("annotated", [], {}, {"a": []}, False),
"#
    typing_module_annotations_get_a_fresh_default_per_call: "annotations_typing_module.py" => r#"
("annotated", [], {}, {"a": [1]}, False),
"#
    future_annotations_get_a_fresh_default_per_call: "future_annotations.py" => r#"
("annotated", [], {}, {"a": []}, False),
("evaluated", [], {}, {"a": [1]}, False),
"#
    future_annotations_from_3_10_get_a_fresh_default_per_call: "future_annotations_py310.py" => r#"
("annotated", [], {}, {"a": []}, False),
"#
    coroutines_methods_and_nested_functions_get_a_fresh_default_per_call: "async_methods_nested.py" => r#"
("gather", [], {}, {"tasks": ["t"]}, False),
("Store.put", [1], {}, {"items": [0]}, True),
("Store.static", ["k"], {}, {"items": {}}, True),
("Store.build", [], {}, {"parts": {1}}, False),
("outer()", [2], {}, {"acc": []}, True),
"#
    constructor_calls_get_a_fresh_default_per_call: "calls.py" => r#"
("builtins_", [], {}, {"a": [1], "b": {}, "e": {2}, "f": bytearray(2)}, False),
("from_collections", [], {}, {"a": {}, "b": {"x": 1}, "d": [], "e": {}}, False),
("more_collections", [], {}, {"a": {}, "b": {}, "d": [], "e": []}, False),
("weak", [], {}, {"a": {}, "b": {1: 2}, "d": set()}, False),
("buffers", [], {}, {"a": [1, 2], "b": "text", "d": b""}, False),
"#
    crlf_line_endings_keep_behaviour: "crlf.py" => r#"
("add", [1], {}, {"my_list": []}, True),
("inline", [], {}, {"acc": {"k": 1}}, False),
"#
    decorated_functions_get_a_fresh_default_per_call: "decorated.py" => r#"
("decorated", [], {}, {"acc": [1]}, False),
"#
    unions_that_admit_none_keep_their_annotation: "annotations_union_admits_none.py" => r#"
("total", [], {}, {"values": [1, 2]}, False),
("quoted", [], {}, {"values": [3]}, False),
"#
    read_only_uses_keep_behaviour_with_safe_fixes: "safe_read_only_uses.py" => r#"
("count", [], {}, {"items": [1, 2]}, False),
("names", [], {}, {"table": {"b": 1, "a": 2}}, False),
("has", [2], {}, {"known": {5}}, False),
("first", [], {}, {"options": ["z"]}, False),
("lookup", ["a"], {}, {"table": {"a": 7}}, False),
("text", [], {}, {"values": [3]}, False),
"#
    displays_get_a_fresh_default_per_call: "displays.py" => r#"
("add_to_list", [1], {}, {"my_list": [0]}, True),
("add_to_list", [2], {}, {"my_list": []}, True),
("register", ["k", "v"], {}, {"registry": {"a": 1}}, True),
("register", ["k2", "v"], {}, None, True),
("remember", [3], {}, {"seen": {9}}, True),
("remember", [5], {}, None, True),
("squares", [4], {}, {"table": [7]}, True),
("index", [["x"]], {}, {"by_len": {}}, False),
("unique", ["z"], {}, {"pool": set()}, True),
("parenthesized", [1], {}, {"acc": [2]}, True),
"#
    configured_mutable_calls_get_a_fresh_default_per_call: "extend_mutable_calls.py"
        prelude r#"
class Registry:
    def __init__(self):
        self.entries = {}

sys.modules["mylib"] = types.SimpleNamespace(Registry=Registry)
"#
        => r#"
("f", [], {}, {"r": Registry()}, False),
"#
    defaults_reading_globals_and_builtins_get_a_fresh_default_per_call: "globals_and_builtins.py" => r#"
("reads_global", [], {}, {"x": [], "y": []}, False),
("reads_builtin", [], {}, {"x": [9], "y": {}}, False),
("reads_import", [], {}, {"q": []}, False),
("reads_class", [], {}, {"groups": {"a": types.SimpleNamespace(count=0)}}, True),
"#
    guards_after_docstrings_and_global_statements_keep_behaviour: "guard_placement.py" => r#"
("documented", [1], {}, {"acc": []}, True),
("with_global", [1], {}, {"acc": [0]}, True),
("outer()", [1], {}, {"acc": []}, True),
("only_docstring", [], {}, {"acc": [1]}, False),
("comment_first", [], {}, {"acc": []}, False),
"#
    multiline_defaults_keep_their_value: "multiline_default.py" => r#"
("configure", ["n"], {}, {"options": {}}, False),
("templates", [], {}, {"pages": ["p"]}, False),
"#
    a_multiline_default_with_a_shallow_line_keeps_its_value: "multiline_default_shallow_line.py" => r#"
("configure", ["n"], {}, {"options": {}}, False),
"#
    a_file_without_a_final_newline_keeps_behaviour: "no_final_newline.py" => r#"
("add", [1], {}, {"my_list": []}, True),
"#
    a_docstring_only_body_without_a_final_newline_keeps_behaviour: "no_final_newline_docstring.py" => r#"
("only_doc", [], {}, {"acc": [1]}, False),
"#
    a_body_ending_in_a_backslash_continuation_keeps_behaviour: "backslash_continuation.py" => r#"
("only_doc", [], {}, {"acc": [1]}, False),
"#
    a_default_broken_outside_brackets_keeps_behaviour: "default_broken_outside_brackets.py" => r#"
("recent", [1], {}, {"window": __import__("collections").deque([0], maxlen=3)}, True),
"#
    statements_joined_by_a_backslash_keep_behaviour: "backslash_joined_statements.py" => r#"
("after_docstring", [], {}, {"acc": [0]}, True),
("after_colon", [], {}, {"acc": [2]}, False),
"#
    a_docstring_joined_to_a_semicolon_keeps_behaviour: "backslash_semicolon.py" => r#"
("only_doc", [], {}, {"acc": [1]}, False),
"#
    a_one_line_body_without_a_final_newline_keeps_behaviour: "no_final_newline_inline.py" => r#"
("inline", [], {}, {"acc": {}}, False),
"#
    one_line_bodies_get_a_fresh_default_per_call: "one_liners.py" => r#"
("simple", [], {}, {"x": [1]}, False),
("several", [1], {}, {"acc": [0]}, True),
("with_docstring", [], {}, {"acc": {1: 2}}, False),
("later", [], {}, {"acc": []}, False),
("C.method", [], {}, {"acc": [3]}, False),
"#
    every_parameter_kind_gets_a_fresh_default_per_call: "parameter_kinds.py" => r#"
("positional_only", [1], {}, {"b": []}, False),
("keyword_only", [1], {}, {"b": {"x": 1}}, False),
("mixed", [], {}, {"a": [], "b": {}, "d": {1}}, False),
("mixed", [[1], {2: 3}, 4, 5], {"e": 6}, None, False),
"#
    several_guards_keep_behaviour: "several_parameters.py" => r#"
("two", [], {}, {"a": [1], "b": {}}, False),
("two", [], {"b": {2: 3}}, None, False),
("two_inline", [], {}, {"a": [], "b": {"k": 0}}, False),
("two_inline", [[5]], {}, None, False),
("three", [0], {}, {"a": [], "b": set(), "c": {}}, False),
("three", [0], {"c": {"k": 1}}, None, False),
"#
    docstrings_as_cpython_sees_them_stay_docstrings: "docstrings_exact.py" => r#"
("parenthesized", [], {}, {"x": [1]}, False),
("concatenated", [], {}, {"x": [1]}, False),
("parenthesized_concatenation", [], {}, {"x": []}, False),
("fstring_first", [], {}, {"x": [2]}, True),
("bytes_first", [], {}, {"x": []}, False),
"#
    form_feeds_in_indentation_keep_behaviour: "form_feeds.py" => r#"
("f", [], {}, {"x": [1]}, False),
("g", [], {}, {"acc": []}, True),
("C.m", [], {}, {"acc": [0]}, True),
("h", [], {}, {"acc": []}, True),
"#
    a_body_continued_onto_the_next_line_becomes_a_block: "logical_line_continued.py" => r#"
("b", [], {}, {"x": [1]}, False),
("c", [], {}, {"x": []}, False),
("d", [], {}, {"x": [0]}, True),
"#
    subscripted_constructors_get_a_fresh_default_per_call: "subscripted_constructors.py" => r#"
("order", ["k"], {}, {"table": __import__("collections").OrderedDict(a=1)}, True),
("generic_builtins", [], {}, {"a": {}, "b": [1], "c": __import__("collections").deque([1], maxlen=2)}, False),
"#
    tab_indented_methods_keep_behaviour: "tabs.py" => r#"
("Queue.push", [1], {}, {"items": []}, True),
"#
    two_space_indented_methods_keep_behaviour: "two_space_indent.py" => r#"
("Queue.push", [1], {}, {"items": []}, True),
("Queue.inline", [], {}, {"items": [2]}, False),
"#
}

/// Every LK001 fixture is covered above or skipped for a reason that holds.
#[test]
fn every_lk001_fixture_is_covered_or_skipped_with_a_reason() {
    assert_every_fixture_listed_with("lk001", COVERED, SKIPPED, true);
}

/// Python run with the original module loaded as `original` and the fixed one (unsafe
/// fixes on) as `fixed`.
fn assert_unsafe_fix(fixture: &str, check: &str) {
    let path = fixture_dir().join(fixture);
    let original = fs::read_to_string(&path).unwrap();
    let mut settings = settings_for("lk001", &original);
    assert!(
        !fix_text(&original, &settings).unwrap().changed(&original),
        "{fixture}: a fix is safe"
    );
    settings.unsafe_fixes = true;
    let outcome = fix_text(&original, &settings).unwrap();
    assert!(
        outcome.changed(&original),
        "{fixture}: no unsafe fix applied"
    );
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("original.py"), dir.path().join("fixed.py"));
    fs::write(&before, &original).unwrap();
    fs::write(&after, &outcome.fixed).unwrap();
    let script = format!(
        r#"
import sys
def load(path):
    ns = {{"__name__": "fixture"}}
    with open(path, "rb") as handle:
        exec(compile(handle.read(), path, "exec", dont_inherit=True), ns)
    return ns
original, fixed = load(sys.argv[1]), load(sys.argv[2])
{check}
print("ok")
"#
    );
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&before)
        .arg(&after)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{fixture}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The issue's examples: a default reading a name rebound later gives another value after
/// the fix; a closure relying on the shared default loses it.
#[test]
fn unsafe_fixes_change_only_what_their_reason_says() {
    assert_unsafe_fix(
        "unsafe_changing_state.py",
        r#"
assert original["choose"]() == ["low", "high", "custom"]
assert fixed["choose"]() == ["only", "custom"]
assert original["limits"]() == {"low": 1, "custom": 0}
assert fixed["limits"]() == {"low": 1, "high": 9, "custom": 0}
assert original["counted"]() == fixed["counted"]() == [0, 1]
fixed["bump"]()
assert fixed["counted"]() == [1, 1]
for name in ("environment", "first_limit", "named"):
    assert original[name]() == fixed[name](), name
"#,
    );
    assert_unsafe_fix(
        "unsafe_shared_with_closures.py",
        r#"
def blocks(ns):
    first, second = [1], [2]
    ok1, fail1 = ns["make_block"](first)
    ns["make_block"](second)
    ok1()
    first[:] = []
    fail1()
    return first
assert blocks(original) == [1]
try:
    blocks(fixed)
except IndexError:
    pass
else:
    raise AssertionError("the fixed make_block kept its backups")
a, b = original["make_counter"](), original["make_counter"]()
assert (a("x"), b("y")) == (0, 1)
a, b = fixed["make_counter"](), fixed["make_counter"]()
assert (a("x"), b("y")) == (0, 0)
# The first call's generator sees what the second call appends only while shared.
first = original["lazy_items"](); original["lazy_items"]()
assert list(first) == [0, 2]
first = fixed["lazy_items"](); fixed["lazy_items"]()
assert list(first) == [0]
"#,
    );
}
