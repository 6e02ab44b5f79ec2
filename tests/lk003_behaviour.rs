//! LK003's fixes, run: for each fixture with a fix, CPython runs the original and the
//! fixed text, checks the structure still works (`leaf.parent is tree`,
//! `node2.next.value`), then, with the cyclic collector disabled, deletes the last names
//! of the objects and asks weak references whether reference counting alone freed them.
//! It must not have in the original (they wait for the collector), and must have in the
//! fixed version.

use std::fs;
use std::path::Path;
use std::process::Command;

use pyleak_fix::engine::fix_text;
use pyleak_fix::settings::Settings;

/// Runs the fixture as a module in a namespace of its own, then `check`, which must
/// put the weak references to the objects it created, names deleted, in `refs`.
const HARNESS: &str = r#"
import gc, sys, weakref
gc.disable()
path = sys.argv[1]
ns = {"__name__": "fixture"}
with open(path, encoding="utf-8") as handle:
    exec(compile(handle.read(), path, "exec"), ns)
refs = []
CHECK
freed = all(ref() is None for ref in refs)
gc.collect()
assert all(ref() is None for ref in refs), "the cyclic collector frees them in any case"
print("freed" if freed else "kept")
"#;

fn settings() -> Settings {
    let mut settings = Settings::default();
    settings.select_rules(&["LK003".to_string()], &[]).unwrap();
    settings.unsafe_fixes = true;
    settings
}

/// What happens to the objects once their names are deleted, with `gc` disabled.
fn run(dir: &Path, name: &str, text: &str, check: &str) -> String {
    let module = dir.join(name);
    fs::write(&module, text).unwrap();
    let script = HARNESS.replace("CHECK", check);
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&module)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn assert_fix_frees(fixture: &str, check: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lk003")
        .join(fixture);
    let original = fs::read_to_string(&path).unwrap();
    let outcome = fix_text(&original, &settings()).unwrap();
    assert!(outcome.changed(&original), "{fixture}: no fix applied");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        run(dir.path(), "original.py", &original, check),
        "kept",
        "{fixture}: the original should wait for the cyclic collector"
    );
    assert_eq!(
        run(dir.path(), "fixed.py", &outcome.fixed, check),
        "freed",
        "{fixture}: the fixed version should be freed by reference counting"
    );
}

#[test]
fn mutual_links_proxy_keeps_the_links_navigable_and_breaks_the_cycle() {
    assert_fix_frees(
        "mutual_links.py",
        r#"
node1, node2 = ns.pop("node1"), ns.pop("node2")
assert node1.next.value == 2 and node2.next.value == 1
assert node2.next.next.value == 2
refs += [weakref.ref(node1), weakref.ref(node2)]
del node1, node2
"#,
    );
}

#[test]
fn back_reference_property_keeps_identity_and_breaks_the_cycle() {
    assert_fix_frees(
        "back_reference.py",
        r#"
tree = ns["Tree"]()
leaf = ns["Leaf"](tree)
assert leaf.parent is tree and tree.children == [leaf]
leaf.reparent(tree)
assert leaf.parent is tree and tree.children == [leaf, leaf]

class Group:
    def __init__(self):
        self.members = {}

group = Group()
member = ns["Member"]()
member.join(group)
assert member.group is group and group.members[id(member)] is member

a, b = ns["Peer"](), ns["Peer"]()
a.pair(b)
assert a.peer is b and b.peer is a

refs += [weakref.ref(o) for o in (tree, leaf, group, member, a, b)]
del tree, leaf, group, member, a, b
"#,
    );
}

#[test]
fn back_reference_property_reads_none_once_the_parent_is_gone() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lk003/back_reference.py");
    let original = fs::read_to_string(&path).unwrap();
    let fixed = fix_text(&original, &settings()).unwrap().fixed;
    let dir = tempfile::tempdir().unwrap();
    let check = r#"
tree = ns["Tree"]()
leaf = ns["Leaf"](tree)
del tree
assert leaf.parent is None
leaf.parent = None
assert leaf.parent is None
"#;
    assert_eq!(run(dir.path(), "fixed.py", &fixed, check), "freed");
}

#[test]
fn child_link_proxy_to_self_keeps_the_tree_navigable_and_breaks_the_cycle() {
    assert_fix_frees(
        "back_reference_child.py",
        r#"
parent = ns["Parent"]()
child = parent.add_then_link()
assert child.parent.children[0] is child
refs += [weakref.ref(parent), weakref.ref(child)]
del parent, child
"#,
    );
}

#[test]
fn stored_exception_without_traceback_keeps_the_exception_and_frees_the_object() {
    assert_fix_frees(
        "exception_traceback.py",
        r#"
job = ns["Job"]()
job.run()
assert isinstance(job.error, ValueError) and job.error.args == ("no",)
refs.append(weakref.ref(job))
del job
"#,
    );
}

#[test]
fn weakref_alias_and_crlf_tab_fixes_run_too() {
    for fixture in ["weakref_alias.py", "crlf_tabs.py"] {
        assert_fix_frees(
            fixture,
            r#"
class Tree:
    def __init__(self):
        self.children = _Children()

class _Children(list):
    def add(self, item):
        self.append(item)

tree = Tree()
leaf = ns["Leaf"](tree)
assert leaf.parent is tree and list(tree.children) == [leaf]
refs += [weakref.ref(tree), weakref.ref(leaf)]
del tree, leaf
"#,
        );
    }
}
