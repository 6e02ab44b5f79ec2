//! Shared by the test files that run fixtures: the settings a fixture asks for.

use pyleak_fix::settings::Settings;

/// The settings for a fixture of `rule_dir` (`lk001`, ...): that rule alone, plus the
/// options of a first line of the form `# fixture: unsafe-fixes target-version=py38`.
pub fn settings_for(rule_dir: &str, text: &str) -> Settings {
    let code = rule_dir.to_ascii_uppercase();
    let mut settings = Settings::default();
    settings
        .select_rules(&[code], &[])
        .expect("fixture directory names a rule");
    if let Some(options) = text
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# fixture:"))
    {
        for option in options.split_whitespace() {
            match option.split_once('=') {
                None if option == "unsafe-fixes" => settings.unsafe_fixes = true,
                Some(("target-version", version)) => {
                    settings.target_version = version.parse().unwrap()
                }
                Some(("large-allocation-bytes", bytes)) => {
                    settings.large_allocation_bytes = bytes.parse().unwrap()
                }
                Some(("extend-mutable-calls", calls)) => {
                    settings.extend_mutable_calls = calls.split(',').map(str::to_string).collect()
                }
                _ => panic!("unknown fixture option `{option}`"),
            }
        }
    }
    settings
}
