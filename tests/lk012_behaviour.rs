//! LK012 offers no fix, so there is no fixed text to run. What runs instead is the rule's
//! claim: CPython loads each fixture and checks that every function the rule reports
//! leaves one more logger in the logging manager for each distinct value it is called
//! with, and that the look-alikes it leaves alone, called again and again, leave none.
//!
//! `every_lk012_fixture_is_checked_or_skipped_with_a_reason` compares the fixtures the
//! checks load with `tests/fixtures/lk012/`, and checks that no fixture gets a fix.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{assert_every_fixture_listed, NO_FINDING, NO_FIX};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lk012")
}

/// `load(name)` runs a fixture in a namespace of its own; `grows(call)` calls `call(i)`
/// for 20 values of `i` and gives how many loggers the manager gained.
const PRELUDE: &str = r#"
import logging, os, sys, types
directory = sys.argv[1]
loaded = []

def load(name):
    loaded.append(name)
    ns = {"__name__": "fixture"}
    with open(os.path.join(directory, name), encoding="utf-8") as handle:
        exec(compile(handle.read(), name, "exec"), ns)
    return ns

def loggers():
    return len(logging.Logger.manager.loggerDict)

def grows(call):
    before = loggers()
    for i in range(20):
        call(i)
    return loggers() - before
"#;

const CHECKS: &str = r#"
d = load("dynamic_names.py")
reported = {
    "handle": lambda i: d["handle"](types.SimpleNamespace(id=i)),
    "by_percent": lambda i: d["by_percent"](f"u{i}"),
    "by_plus": lambda i: d["by_plus"](f"p{i}"),
    "by_format": lambda i: d["by_format"]("host", i),
    "by_join": lambda i: d["by_join"](["j", str(i)]),
    "get_logger": lambda i: d["get_logger"](f"g{i}"),
    "by_keyword": lambda i: d["by_keyword"](f"k{i}"),
    "by_local": lambda i: d["by_local"](i),
    "per_call": lambda i: d["per_call"](),
    "in_loop": lambda i: d["in_loop"]([f"l{i}"]),
    "in_comprehension": lambda i: d["in_comprehension"]([f"c{i}"]),
    "closure": lambda i: d["closure"](f"cl{i}")(),
    "Connection": lambda i: d["Connection"](f"conn{i}"),
    "on_the_fly": lambda i: d["on_the_fly"](f"f{i}"),
    "fallback": lambda i: d["fallback"](f"fb{i}"),
    "formatted_spec": lambda i: d["formatted_spec"](i + 2),
}
sessions = []
before = loggers()
for i in range(20):
    sessions.append(d["Session"]())
assert loggers() - before >= 20, "Session: a logger per instance"
for name, call in reported.items():
    assert grows(call) >= 20, f"{name}: no logger per distinct value"
    assert grows(call) == 0 or name == "per_call", f"{name}: the same values make new loggers"

a = load("aliases.py")
for name in ("plain", "aliased_module", "aliased_function", "through_the_manager"):
    assert grows(lambda i: a[name](f"{name}{i}")) >= 20, name

n = load("noqa.py")
for name in ("silenced", "reported"):
    assert grows(lambda i: n[name](f"{name}{i}")) >= 20, name

o = load("ok_lookalikes.py")
class Factory:
    def getLogger(self, name):
        return name
silent = {
    "constants": lambda i: o["constants"](),
    "Service": lambda i: o["Service"](Factory()).use(f"s{i}"),
    "defaults": lambda i: o["defaults"](f"d{i}"),
    "decorated": lambda i: o["decorated"].__func__(),
    "class_based": lambda i: o["class_based"](Factory),
}
for name, call in silent.items():
    call(0)
    assert grows(call) == 0, f"{name}: makes a logger per call"

b = load("ok_bounded_names.py")
class Widget:
    def getChild(self, key):
        return key
bounded = {
    "setup_logging": lambda i: b["setup_logging"](i % 2 == 0),
    "silence_all": lambda i: b["silence_all"](),
    "configure": lambda i: (b["configure"](True), b["configure"](False)),
    "Plugin": lambda i: (b["Plugin"](), b["Plugin"].make()),
    "get_logger": lambda i: (
        b["get_logger"]("fixed"),
        b["get_logger_documented"]("fixed"),
        b["get_logger_lambda"]("fixed"),
    ),
    "child": lambda i: b["child"](),
    "widget_child": lambda i: b["widget_child"](Widget(), f"w{i}"),
    "factory_parameter": lambda i: b["factory_parameter"](str, i),
    "handlers": lambda i: (b["JsonHandler"](), b["XmlHandler"]()),
}
for name, call in bounded.items():
    call(0)
    assert grows(call) == 0, f"{name}: makes a logger per call"

r = load("bounded_names_lookalikes.py")
run_time = {
    "per_peer": lambda i: r["per_peer"]([f"bp{i}"]),
    "rebound": lambda i: r["rebound"](f"be{i}"),
    "outer_loop": lambda i: r["outer_loop"]([f"bu{i}"]),
    "unpacked": lambda i: r["unpacked"]([f"bx{i}"], {f"by{i}": 1}),
    "conditional": lambda i: r["conditional"](True, f"bc{i}"),
    "Plugin": lambda i: r["Plugin"](f"bpl{i}"),
    "Other": lambda i: r["Other"](f"bo{i}").log(),
    "Sub": lambda i: r["Sub"](f"bt{i}").log(),
    "not_only_return": lambda i: r["not_only_return"](f"bn{i}"),
    "returns_built": lambda i: r["returns_built"](f"br{i}"),
}
g = load("get_child_and_alias.py")
run_time["Session"] = lambda i: g["Session"]().per_peer(f"gs{i}")
run_time["per_request"] = lambda i: g["per_request"](f"gq{i}", f"grt{i}")
for name, call in run_time.items():
    assert grows(call) >= 20, f"{name}: no logger per distinct value"

x = load("ok_not_logging.py")
assert grows(lambda i: x["local_function"](f"x{i}")) == 0
print("\n".join("LOADED " + name for name in sorted(set(loaded))))
"#;

#[test]
fn reported_calls_keep_a_logger_per_name_and_look_alikes_do_not() {
    // `ok_not_logging.py` imports structlog, which need not be installed: a stand-in.
    let output = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sys, types\nsys.modules.setdefault('structlog', types.ModuleType('structlog'))\n{PRELUDE}{CHECKS}"
        ))
        .arg(fixture_dir())
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let loaded: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("LOADED "))
        .map(str::to_string)
        .collect();
    let mut listed: Vec<String> = SKIPPED.iter().map(|(name, _)| name.to_string()).collect();
    listed.sort();
    assert_eq!(loaded, listed, "the checks load every fixture");
}

/// No fixture gets a fix (the rule offers none): each is listed with why it has no
/// behaviour test of a fix. The checks above load every one of them.
const SKIPPED: &[(&str, &str)] = &[
    ("aliases.py", NO_FIX),
    ("bounded_names_lookalikes.py", NO_FIX),
    ("dynamic_names.py", NO_FIX),
    ("get_child_and_alias.py", NO_FIX),
    ("noqa.py", NO_FIX),
    ("ok_bounded_names.py", NO_FINDING),
    ("ok_lookalikes.py", NO_FINDING),
    ("ok_not_logging.py", NO_FINDING),
];

#[test]
fn every_lk012_fixture_is_checked_or_skipped_with_a_reason() {
    assert_every_fixture_listed("lk012", &[], SKIPPED);
}
