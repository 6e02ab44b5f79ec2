//! LK001 mutable-default-argument (work in progress).

use std::sync::LazyLock;

use tree_sitter::Query;

use super::{compile_query, for_each_match, Finding, FixAvailability, Rule};
use crate::settings::Settings;
use crate::source::SourceFile;

static QUERY: LazyLock<Query> = LazyLock::new(|| {
    compile_query(include_str!(
        "../../queries/lk001_mutable_default_argument.scm"
    ))
});

pub struct MutableDefaultArgument;

impl Rule for MutableDefaultArgument {
    fn code(&self) -> &'static str {
        "LK001"
    }
    fn name(&self) -> &'static str {
        "mutable-default-argument"
    }
    fn doc(&self) -> &'static str {
        "TODO"
    }
    fn fix_availability(&self) -> FixAvailability {
        FixAvailability::Sometimes
    }
    fn might_match(&self, text: &[u8]) -> bool {
        text.windows(1).any(|w| w[0] == b'=')
    }
    fn check(&self, file: &SourceFile, _settings: &Settings, findings: &mut Vec<Finding>) {
        let value_index = QUERY.capture_index_for_name("value").unwrap();
        for_each_match(
            &QUERY,
            file.tree.root_node(),
            file.text.as_bytes(),
            |captures| {
                for &(index, node) in captures {
                    if index == value_index && matches!(node.kind(), "list" | "dictionary" | "set")
                    {
                        findings.push(Finding {
                            code: "LK001",
                            range: node.byte_range(),
                            message: "mutable default".into(),
                            fix: None,
                        });
                    }
                }
            },
        );
    }
}
