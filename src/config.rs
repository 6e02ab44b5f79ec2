//! Configuration files: `[tool.pyleak-fix]` in `pyproject.toml`, or `pyleak-fix.toml`
//! with the same keys at its top level, found by walking up from each file (the closest
//! wins, as in ruff; a `pyproject.toml` without the table does not count). The command
//! line overrides them; `--config PATH` uses one file for everything and `--isolated`
//! none.
//!
//! The Python version fixes are spelled for is the one place a project's own files speak
//! without a table: unless `--target-version` or `target-version` says, it is the oldest
//! Python the closest project declares (`project.requires-python` in a `pyproject.toml`,
//! else `python_requires` in `setup.cfg`'s `[options]`, else a literal `python_requires=`
//! in `setup.py`), table or no table.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{GlobBuilder, GlobMatcher};
use toml::{Table, Value};

use crate::settings::{
    is_known_selector, known_selectors_hint, PythonVersion, RuleSelection, Settings,
};
use crate::walk::{describe_io_error, display_path, SKIPPED_DIRECTORIES};

pub const PYPROJECT: &str = "pyproject.toml";
pub const CONFIG_FILE: &str = "pyleak-fix.toml";
pub const SETUP_CFG: &str = "setup.cfg";
pub const SETUP_PY: &str = "setup.py";

/// The keys a configuration accepts, in the order the documentation lists them.
pub const KEYS: &[&str] = &[
    "select",
    "ignore",
    "extend-select",
    "exclude",
    "extend-exclude",
    "per-file-ignores",
    "unsafe-fixes",
    "target-version",
    "large-allocation-bytes",
    "extend-mutable-calls",
    "max-file-bytes",
    "cache-dir",
];

/// A configuration file that cannot be used: which one, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// As shown to the user.
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// The keys of one configuration file, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub rules: RuleSelection,
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Vec<String>,
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    pub unsafe_fixes: Option<bool>,
    pub target_version: Option<PythonVersion>,
    pub large_allocation_bytes: Option<u64>,
    pub extend_mutable_calls: Vec<String>,
    pub max_file_bytes: Option<u64>,
    /// `cache-dir`, as written (relative to the configuration file's directory).
    pub cache_dir: Option<String>,
    /// Not a key: the oldest Python the project file holding (or beside) this
    /// configuration declares, used when no `target-version` is given.
    pub requires_python: Option<PythonVersion>,
}

/// What the command line sets; each one given wins over every configuration file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub rules: RuleSelection,
    pub unsafe_fixes: Option<bool>,
    pub target_version: Option<PythonVersion>,
    pub large_allocation_bytes: Option<u64>,
    pub max_file_bytes: Option<u64>,
    /// Turns the rules' prefilters off: every file is parsed.
    pub no_prefilter: bool,
    /// `--add-noqa`.
    pub add_noqa: bool,
}

/// A glob from `exclude`, `extend-exclude` or `per-file-ignores`. Without a `/` it
/// matches a name (`migrations`, `test_*.py`); with one it matches a path relative to
/// the directory of the file it was written in (`src/generated/*.py`, `tests/**`).
#[derive(Debug, Clone)]
struct Pattern {
    matcher: GlobMatcher,
    anchored: bool,
}

impl Pattern {
    fn new(text: &str) -> Result<Self, String> {
        let trimmed = text.strip_prefix("./").unwrap_or(text);
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let glob = GlobBuilder::new(trimmed)
            .literal_separator(true)
            .build()
            .map_err(|error| format!("`{text}` is not a valid glob: {}", error.kind()))?;
        Ok(Pattern {
            matcher: glob.compile_matcher(),
            anchored: trimmed.contains('/'),
        })
    }
}

/// The settings that govern the files under one configuration file (or none).
pub struct Config {
    /// The file the settings came from; `None` for the built-in defaults.
    pub source: Option<PathBuf>,
    /// The directory anchored patterns are relative to: the configuration file's.
    root: PathBuf,
    /// The settings for a file no per-file ignore matches.
    pub settings: Settings,
    /// The target version the command line or the file itself gives, if either does;
    /// otherwise the closest project declaration decides (see [`Resolver::settings_for`]).
    pub explicit_target_version: Option<PythonVersion>,
    exclude: Vec<Pattern>,
    per_file_ignores: Vec<(Pattern, Vec<String>)>,
    /// `cache-dir`, made absolute against [`Config::root`]. Only the configuration that
    /// governs the working directory decides where the cache is (see
    /// [`Resolver::cache_dir`]).
    pub cache_dir: Option<PathBuf>,
}

impl Config {
    fn new(
        source: Option<PathBuf>,
        root: PathBuf,
        options: &Options,
        overrides: &Overrides,
    ) -> Result<Self, String> {
        let explicit_target_version = overrides.target_version.or(options.target_version);
        let mut settings = Settings {
            unsafe_fixes: overrides
                .unsafe_fixes
                .or(options.unsafe_fixes)
                .unwrap_or(false),
            target_version: explicit_target_version
                .or(options.requires_python)
                .unwrap_or_default(),
            extend_mutable_calls: options.extend_mutable_calls.clone(),
            prefilter: !overrides.no_prefilter,
            add_noqa: overrides.add_noqa,
            ..Settings::default()
        };
        if let Some(bytes) = overrides
            .large_allocation_bytes
            .or(options.large_allocation_bytes)
        {
            settings.large_allocation_bytes = bytes;
        }
        if let Some(bytes) = overrides.max_file_bytes.or(options.max_file_bytes) {
            settings.max_file_bytes = bytes;
        }
        settings.apply_selections(&[&options.rules, &overrides.rules]);
        let default_exclude: Vec<String> =
            SKIPPED_DIRECTORIES.iter().map(|s| s.to_string()).collect();
        let exclude = options
            .exclude
            .as_ref()
            .unwrap_or(&default_exclude)
            .iter()
            .chain(&options.extend_exclude)
            .map(|text| Pattern::new(text))
            .collect::<Result<_, _>>()?;
        let per_file_ignores = options
            .per_file_ignores
            .iter()
            .map(|(glob, codes)| Ok((Pattern::new(glob)?, codes.clone())))
            .collect::<Result<_, String>>()?;
        let cache_dir = options
            .cache_dir
            .as_ref()
            .map(|dir| absolute(&root, Path::new(dir)));
        Ok(Config {
            source,
            root,
            settings,
            explicit_target_version,
            exclude,
            per_file_ignores,
            cache_dir,
        })
    }

    /// The directory anchored patterns and `cache-dir` are relative to: the
    /// configuration file's (the working directory for the built-in defaults).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `path` (absolute, normalized) is excluded: an unanchored pattern matches
    /// the name of the path or of any directory above it, up to this configuration's
    /// directory; an anchored one matches the path or a directory above it.
    pub fn is_excluded(&self, path: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(&self.root) else {
            // Outside this configuration's tree only the name itself is looked at.
            return path.file_name().is_some_and(|name| {
                self.exclude
                    .iter()
                    .any(|p| !p.anchored && p.matcher.is_match(name))
            });
        };
        let mut prefix = PathBuf::new();
        for component in relative.components() {
            prefix.push(component);
            let name = component.as_os_str();
            if self.exclude.iter().any(|pattern| {
                if pattern.anchored {
                    pattern.matcher.is_match(&prefix)
                } else {
                    pattern.matcher.is_match(name)
                }
            }) {
                return true;
            }
        }
        false
    }

    /// The settings for the file at `path` (absolute, normalized): the rules its
    /// per-file ignores name are dropped. An unanchored glob matches the file's name.
    pub fn settings_for(&self, path: &Path) -> Settings {
        let mut settings = self.settings.clone();
        let relative = path.strip_prefix(&self.root).ok();
        for (pattern, codes) in &self.per_file_ignores {
            let matches = if pattern.anchored {
                relative.is_some_and(|relative| pattern.matcher.is_match(relative))
            } else {
                path.file_name()
                    .is_some_and(|name| pattern.matcher.is_match(name))
            };
            if matches {
                settings.ignore_rules(codes);
            }
        }
        settings
    }
}

/// Where configuration comes from.
enum Discovery {
    /// The closest file above each path.
    Hierarchical,
    /// One configuration for every path: `--config PATH`, or `--isolated` (defaults).
    Fixed(Arc<Config>),
}

/// Finds and caches the configuration for each directory. Shared by the parallel walk
/// and the file workers, so the cache sits behind a mutex; a directory resolved twice
/// at once costs a second read, never a wrong answer.
pub struct Resolver {
    cwd: PathBuf,
    overrides: Overrides,
    discovery: Discovery,
    defaults: Arc<Config>,
    cache: Mutex<HashMap<PathBuf, Result<Arc<Config>, ConfigError>>>,
    /// For each directory looked at: the Python the closest project at or above it
    /// declares (`None` when that project declares none, or there is no project).
    declared_versions: Mutex<HashMap<PathBuf, Result<Option<PythonVersion>, ConfigError>>>,
}

impl Resolver {
    /// `config`: the file `--config` names; `isolated`: `--isolated`.
    pub fn new(
        cwd: &Path,
        overrides: Overrides,
        config: Option<&Path>,
        isolated: bool,
    ) -> Result<Self, ConfigError> {
        let defaults = Arc::new(
            Config::new(None, cwd.to_path_buf(), &Options::default(), &overrides).map_err(
                |message| ConfigError {
                    path: PathBuf::from("<command line>"),
                    message,
                },
            )?,
        );
        let discovery = match (config, isolated) {
            (Some(path), _) => {
                let path = absolute(cwd, path);
                let shown = display_path(&path, cwd);
                // `--config pyproject.toml` without the table: nothing configured.
                let loaded = read_config(&path, &shown, cwd)?.unwrap_or_default();
                let root = path
                    .parent()
                    .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
                Discovery::Fixed(Arc::new(
                    Config::new(Some(shown.clone()), root, &loaded, &overrides).map_err(
                        |message| ConfigError {
                            path: shown,
                            message,
                        },
                    )?,
                ))
            }
            (None, true) => Discovery::Fixed(defaults.clone()),
            (None, false) => Discovery::Hierarchical,
        };
        Ok(Resolver {
            cwd: cwd.to_path_buf(),
            overrides,
            discovery,
            defaults,
            cache: Mutex::new(HashMap::new()),
            declared_versions: Mutex::new(HashMap::new()),
        })
    }

    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// `path` made absolute against the working directory and normalized.
    pub fn absolute(&self, path: &Path) -> PathBuf {
        absolute(&self.cwd, path)
    }

    /// The configuration governing a file or directory at `path`: that of the directory
    /// holding it.
    pub fn config_for(&self, path: &Path) -> Result<Arc<Config>, ConfigError> {
        let path = self.absolute(path);
        match path.parent() {
            Some(parent) => self.config_for_directory(parent),
            None => Ok(self.fixed_or_defaults()),
        }
    }

    /// The settings for the file at `path`: its configuration's, with the target version
    /// the closest project declares when neither the command line nor the configuration
    /// names one. `--isolated` reads no project file; `--config PATH` takes the version
    /// from that file (or the `pyproject.toml` beside it) alone.
    pub fn settings_for(&self, path: &Path) -> Result<Settings, ConfigError> {
        let config = self.config_for(path)?;
        let absolute = self.absolute(path);
        let mut settings = config.settings_for(&absolute);
        if config.explicit_target_version.is_none()
            && matches!(self.discovery, Discovery::Hierarchical)
        {
            if let Some(version) = match absolute.parent() {
                Some(parent) => self.declared_version(parent)?,
                None => None,
            } {
                settings.target_version = version;
            }
        }
        Ok(settings)
    }

    /// The Python the closest project at or above `directory` (absolute, normalized)
    /// declares. A project is the closest directory with a `pyproject.toml`, a `setup.cfg`
    /// or a `setup.py`; the search stops there even when it declares nothing, so that a
    /// project never takes its Python from another one that happens to enclose it.
    fn declared_version(&self, directory: &Path) -> Result<Option<PythonVersion>, ConfigError> {
        if let Some(known) = self.declared_versions.lock().unwrap().get(directory) {
            return known.clone();
        }
        let found = match declared_python(directory, &self.cwd) {
            Ok(Some(declared)) => Ok(declared),
            Ok(None) => match directory.parent() {
                Some(parent) => self.declared_version(parent),
                None => Ok(None),
            },
            Err(error) => Err(error),
        };
        self.declared_versions
            .lock()
            .unwrap()
            .insert(directory.to_path_buf(), found.clone());
        found
    }

    fn fixed_or_defaults(&self) -> Arc<Config> {
        match &self.discovery {
            Discovery::Fixed(config) => config.clone(),
            Discovery::Hierarchical => self.defaults.clone(),
        }
    }

    /// The configuration of the closest directory at or above `directory` (absolute,
    /// normalized) that has one; the defaults when none has.
    pub fn config_for_directory(&self, directory: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Discovery::Fixed(config) = &self.discovery {
            return Ok(config.clone());
        }
        if let Some(known) = self.cache.lock().unwrap().get(directory) {
            return known.clone();
        }
        let found = match self.read_directory(directory) {
            Ok(Some(config)) => Ok(Arc::new(config)),
            Ok(None) => match directory.parent() {
                Some(parent) => self.config_for_directory(parent),
                None => Ok(self.defaults.clone()),
            },
            Err(error) => Err(error),
        };
        self.cache
            .lock()
            .unwrap()
            .insert(directory.to_path_buf(), found.clone());
        found
    }

    /// The configuration file in `directory` itself, if it has one: `pyleak-fix.toml`
    /// first, then a `pyproject.toml` with a `[tool.pyleak-fix]` table.
    fn read_directory(&self, directory: &Path) -> Result<Option<Config>, ConfigError> {
        for name in [CONFIG_FILE, PYPROJECT] {
            let path = directory.join(name);
            if !path.is_file() {
                continue;
            }
            let shown = display_path(&path, &self.cwd);
            if let Some(options) = read_config(&path, &shown, &self.cwd)? {
                let config = Config::new(
                    Some(shown.clone()),
                    directory.to_path_buf(),
                    &options,
                    &self.overrides,
                )
                .map_err(|message| ConfigError {
                    path: shown,
                    message,
                })?;
                return Ok(Some(config));
            }
        }
        Ok(None)
    }

    /// Where the cache lives when neither `--cache-dir` nor `PYLEAK_FIX_CACHE_DIR` says:
    /// the `cache-dir` of the configuration that governs the working directory (or of
    /// `--config`), else `.pyleak_fix_cache` in that configuration's directory, the
    /// project root; with no configuration, in the working directory. As ruff does, a
    /// `cache-dir` in a configuration further down is not read.
    pub fn cache_dir(&self) -> Result<PathBuf, ConfigError> {
        let config = self.config_for_directory(&self.cwd)?;
        Ok(match (&config.cache_dir, &config.source) {
            (Some(dir), _) => dir.clone(),
            (None, Some(_)) => config.root.join(crate::cache::DEFAULT_DIR_NAME),
            (None, None) => self.cwd.join(crate::cache::DEFAULT_DIR_NAME),
        })
    }

    /// Every configuration error met so far, once each, sorted by file.
    pub fn errors(&self) -> Vec<ConfigError> {
        let cache = self.cache.lock().unwrap();
        let declared = self.declared_versions.lock().unwrap();
        let mut errors: Vec<ConfigError> = cache
            .values()
            .filter_map(|found| found.as_ref().err().cloned())
            .chain(
                declared
                    .values()
                    .filter_map(|found| found.as_ref().err().cloned()),
            )
            .collect();
        errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
        errors.dedup();
        errors
    }
}

/// `path` joined to `cwd` when relative, with `.` and `..` resolved lexically (symbolic
/// links are not followed: the configuration of the directory a path is written under
/// applies, as in ruff).
pub fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = cwd.join(path);
    let mut normalized = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normalized.pop();
            }
            other => normalized.push(other),
        }
    }
    normalized
}

/// Reads the options of the configuration file at `path`: `None` for a `pyproject.toml`
/// without a `[tool.pyleak-fix]` table.
fn read_config(path: &Path, shown: &Path, cwd: &Path) -> Result<Option<Options>, ConfigError> {
    let error = |message: String| ConfigError {
        path: shown.to_path_buf(),
        message,
    };
    let document = read_toml(path, shown)?;
    let is_pyproject = path.file_name().is_some_and(|name| name == PYPROJECT);
    let (table, prefix, requires_python) = if is_pyproject {
        let Some(tool) = document.get("tool") else {
            return Ok(None);
        };
        let Some(table) = tool.get("pyleak-fix") else {
            return Ok(None);
        };
        let Some(table) = table.as_table() else {
            return Err(error(format!(
                "`tool.pyleak-fix` must be a table ([tool.pyleak-fix]), not {}",
                describe(table)
            )));
        };
        let requires_python = requires_python(&document).map_err(error)?;
        (table.clone(), "tool.pyleak-fix.", requires_python)
    } else {
        // A `pyleak-fix.toml` takes the project's Python from the `pyproject.toml` beside it.
        let sibling = path.with_file_name(PYPROJECT);
        let requires_python = if sibling.is_file() {
            let sibling_shown = display_path(&sibling, cwd);
            let project = read_toml(&sibling, &sibling_shown)?;
            requires_python(&project).map_err(|message| ConfigError {
                path: sibling_shown,
                message,
            })?
        } else {
            None
        };
        (document, "", requires_python)
    };
    let mut options = parse_options(&table, prefix).map_err(error)?;
    options.requires_python = requires_python;
    Ok(Some(options))
}

fn read_toml(path: &Path, shown: &Path) -> Result<Table, ConfigError> {
    let error = |message: String| ConfigError {
        path: shown.to_path_buf(),
        message,
    };
    let text = fs::read_to_string(path)
        .map_err(|e| error(format!("cannot read: {}", describe_io_error(&e))))?;
    text.parse::<Table>()
        .map_err(|e| error(format!("not valid TOML: {}", e.to_string().trim_end())))
}

/// What the project files in `directory` itself say about Python: `None` when it holds
/// no `pyproject.toml`, `setup.cfg` or `setup.py`; `Some(None)` when they declare nothing.
/// `project.requires-python` is read first, then `setup.cfg`'s `options.python_requires`,
/// then a literal `python_requires=` in `setup.py`.
fn declared_python(
    directory: &Path,
    cwd: &Path,
) -> Result<Option<Option<PythonVersion>>, ConfigError> {
    let pyproject = directory.join(PYPROJECT);
    let setup_cfg = directory.join(SETUP_CFG);
    let setup_py = directory.join(SETUP_PY);
    let (has_pyproject, has_setup_cfg, has_setup_py) =
        (pyproject.is_file(), setup_cfg.is_file(), setup_py.is_file());
    if !has_pyproject && !has_setup_cfg && !has_setup_py {
        return Ok(None);
    }
    if has_pyproject {
        let shown = display_path(&pyproject, cwd);
        let document = read_toml(&pyproject, &shown)?;
        let version = requires_python(&document).map_err(|message| ConfigError {
            path: shown,
            message,
        })?;
        if version.is_some() {
            return Ok(Some(version));
        }
    }
    if has_setup_cfg {
        let shown = display_path(&setup_cfg, cwd);
        let error = |message: String| ConfigError {
            path: shown.clone(),
            message,
        };
        let text = fs::read_to_string(&setup_cfg)
            .map_err(|e| error(format!("cannot read: {}", describe_io_error(&e))))?;
        if let Some(specifier) = setup_cfg_python_requires(&text) {
            let version = PythonVersion::from_requires_python(&specifier)
                .map_err(|message| error(format!("`options.python_requires`: {message}")))?;
            return Ok(Some(Some(version)));
        }
    }
    if has_setup_py {
        // setup.py is a program, not a declaration: a value that cannot be read is not an
        // error, only no answer.
        let version = fs::read_to_string(&setup_py)
            .ok()
            .and_then(|text| setup_py_python_requires(&text))
            .and_then(|specifier| PythonVersion::from_requires_python(&specifier).ok());
        return Ok(Some(version));
    }
    Ok(Some(None))
}

/// The string literal passed as `python_requires=` in a `setup.py`, when there is exactly
/// one such value (`setup(..., python_requires=">=3.6")`, the only place setuptools reads
/// it). A value built any other way (a variable, a concatenation) is not guessed at.
fn setup_py_python_requires(text: &str) -> Option<String> {
    const KEY: &str = "python_requires";
    let mut found: Option<String> = None;
    for (at, _) in text.match_indices(KEY) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c == '_' || c.is_alphanumeric() || c == '.') {
            continue;
        }
        let rest = text[at + KEY.len()..].trim_start_matches([' ', '\t']);
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        if rest.starts_with('=') {
            continue;
        }
        let rest = rest.trim_start_matches([' ', '\t']);
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let body = &rest[1..];
        let value = &body[..body.find([quote, '\n', '\\'])?];
        let after = body[value.len() + 1..].trim_start_matches([' ', '\t']);
        let ends_argument = after.is_empty() || after.starts_with([',', ')', '\n', '\r', '#']);
        if body[value.len()..].starts_with(quote)
            && ends_argument
            && !rest.starts_with(&format!("{quote}{quote}{quote}"))
        {
            if found.as_deref().is_some_and(|seen| seen != value) {
                return None;
            }
            found = Some(value.to_string());
        } else {
            return None;
        }
    }
    found
}

/// The value of `python_requires` in the `[options]` section of a `setup.cfg`, read as
/// setuptools' configparser reads it: section names are exact, keys ignore case (and
/// setuptools takes `python-requires` too), `#` and `;` start a comment line, and an
/// indented line continues the value. Only this one key is wanted, so this is no
/// general INI reader.
fn setup_cfg_python_requires(text: &str) -> Option<String> {
    let mut in_options = false;
    let mut value: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        let indented = line.starts_with([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if let Some(current) = value.as_mut().filter(|_| indented) {
            current.push(' ');
            current.push_str(trimmed);
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some(section) = trimmed.strip_prefix('[') {
            in_options = section.strip_suffix(']').map(str::trim) == Some("options");
            continue;
        }
        if !in_options {
            continue;
        }
        let Some(separator) = trimmed.find(['=', ':']) else {
            continue;
        };
        let key = trimmed[..separator].trim().to_ascii_lowercase();
        if key == "python_requires" || key == "python-requires" {
            value = Some(trimmed[separator + 1..].trim().to_string());
        }
    }
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The oldest Python `project.requires-python` admits, if the file says.
fn requires_python(document: &Table) -> Result<Option<PythonVersion>, String> {
    let Some(value) = document
        .get("project")
        .and_then(|project| project.get("requires-python"))
    else {
        return Ok(None);
    };
    let Some(text) = value.as_str() else {
        return Err(format!(
            "`project.requires-python` must be a string such as \">=3.9\", not {}",
            describe(value)
        ));
    };
    PythonVersion::from_requires_python(text)
        .map(Some)
        .map_err(|message| format!("`project.requires-python`: {message}"))
}

/// Checks every key of the table; `prefix` is how keys are named in messages
/// (`tool.pyleak-fix.` in a `pyproject.toml`).
pub fn parse_options(table: &Table, prefix: &str) -> Result<Options, String> {
    let mut options = Options::default();
    for (key, value) in table {
        let name = format!("`{prefix}{key}`");
        match key.as_str() {
            "select" => options.rules.select = Some(rule_codes(&name, value)?),
            "ignore" => options.rules.ignore = rule_codes(&name, value)?,
            "extend-select" => options.rules.extend_select = rule_codes(&name, value)?,
            "exclude" => options.exclude = Some(globs(&name, value)?),
            "extend-exclude" => options.extend_exclude = globs(&name, value)?,
            "per-file-ignores" => options.per_file_ignores = per_file_ignores(&name, value)?,
            "unsafe-fixes" => {
                options.unsafe_fixes = Some(value.as_bool().ok_or_else(|| {
                    format!("{name} must be true or false, not {}", describe(value))
                })?)
            }
            "target-version" => {
                let text = value.as_str().ok_or_else(|| {
                    format!(
                        "{name} must be a string, one of {}; not {}",
                        PythonVersion::KNOWN.join(", "),
                        describe(value)
                    )
                })?;
                options.target_version = Some(text.parse().map_err(|e| format!("{name}: {e}"))?);
            }
            "large-allocation-bytes" => {
                options.large_allocation_bytes = Some(positive_bytes(&name, value)?);
            }
            "max-file-bytes" => options.max_file_bytes = Some(positive_bytes(&name, value)?),
            "cache-dir" => match value.as_str() {
                Some(dir) if !dir.is_empty() => options.cache_dir = Some(dir.to_string()),
                _ => {
                    return Err(format!(
                        "{name} must be a directory's path as a non-empty string, not {}",
                        describe(value)
                    ))
                }
            },
            "extend-mutable-calls" => {
                options.extend_mutable_calls = strings(
                    &name,
                    value,
                    "qualified names, such as [\"mypkg.Registry\"]",
                )?;
                if let Some(bad) = options
                    .extend_mutable_calls
                    .iter()
                    .find(|call| !is_qualified_name(call))
                {
                    return Err(format!(
                        "{name}: `{bad}` is not a qualified name; expected dotted Python names such as \"mypkg.Registry\""
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "unknown key {name}; allowed keys: {}",
                    KEYS.join(", ")
                ))
            }
        }
    }
    Ok(options)
}

/// `a string`, `an integer 3`, for messages about a value of the wrong type.
/// A setting given in bytes: a whole number above 0.
fn positive_bytes(name: &str, value: &Value) -> Result<u64, String> {
    value
        .as_integer()
        .and_then(|n| u64::try_from(n).ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            format!(
                "{name} must be a positive whole number of bytes, not {}",
                describe(value)
            )
        })
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string \"{s}\""),
        Value::Integer(n) => format!("the integer {n}"),
        Value::Float(n) => format!("the number {n}"),
        Value::Boolean(b) => format!("{b}"),
        Value::Datetime(_) => "a date".to_string(),
        Value::Array(_) => "a list".to_string(),
        Value::Table(_) => "a table".to_string(),
    }
}

fn strings(name: &str, value: &Value, what: &str) -> Result<Vec<String>, String> {
    let not_a_list = || format!("{name} must be a list of {what}; not {}", describe(value));
    let items = value.as_array().ok_or_else(not_a_list)?;
    items
        .iter()
        .map(|item| item.as_str().map(str::to_string).ok_or_else(not_a_list))
        .collect()
}

fn rule_codes(name: &str, value: &Value) -> Result<Vec<String>, String> {
    let codes = strings(name, value, "rule codes, such as [\"LK001\"]")?;
    check_codes(name, &codes)?;
    Ok(codes)
}

fn check_codes(name: &str, codes: &[String]) -> Result<(), String> {
    match codes.iter().find(|code| !is_known_selector(code)) {
        Some(unknown) => Err(format!(
            "{name}: unknown rule selector `{unknown}`; {}",
            known_selectors_hint()
        )),
        None => Ok(()),
    }
}

fn globs(name: &str, value: &Value) -> Result<Vec<String>, String> {
    let globs = strings(
        name,
        value,
        "globs, such as [\"migrations\", \"src/gen/*.py\"]",
    )?;
    for glob in &globs {
        Pattern::new(glob).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(globs)
}

fn per_file_ignores(name: &str, value: &Value) -> Result<Vec<(String, Vec<String>)>, String> {
    let table = value.as_table().ok_or_else(|| {
        format!(
            "{name} must be a table of glob = [rule codes], such as {{ \"tests/**\" = [\"LK001\"] }}; not {}",
            describe(value)
        )
    })?;
    table
        .iter()
        .map(|(glob, codes)| {
            Pattern::new(glob).map_err(|e| format!("{name}: {e}"))?;
            let entry = format!("{name} entry `{glob}`");
            Ok((glob.clone(), rule_codes(&entry, codes)?))
        })
        .collect()
}

/// `mypkg.Registry`, `Registry`: identifiers joined by dots.
fn is_qualified_name(text: &str) -> bool {
    text.split('.').all(|part| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|first| first == '_' || first.is_alphabetic())
            && chars.all(|c| c == '_' || c.is_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(text: &str) -> Result<Options, String> {
        parse_options(&text.parse::<Table>().unwrap(), "tool.pyleak-fix.")
    }

    #[test]
    fn every_key_is_read() {
        let read = options(
            r#"
            select = ["LK"]
            ignore = ["LK001"]
            extend-select = ["LK001"]
            exclude = ["gen"]
            extend-exclude = ["src/old/*.py"]
            per-file-ignores = { "tests/**" = ["LK001"] }
            unsafe-fixes = true
            target-version = "py38"
            large-allocation-bytes = 1024
            extend-mutable-calls = ["mypkg.Registry"]
            "#,
        )
        .unwrap();
        assert_eq!(read.rules.select, Some(vec!["LK".to_string()]));
        assert_eq!(read.per_file_ignores[0].0, "tests/**");
        assert_eq!(read.target_version, Some("py38".parse().unwrap()));
        assert_eq!(read.large_allocation_bytes, Some(1024));
        assert_eq!(read.unsafe_fixes, Some(true));
    }

    #[test]
    fn bad_keys_and_values_name_the_key_and_what_is_allowed() {
        let cases = [
            (
                "selec = []",
                "unknown key `tool.pyleak-fix.selec`; allowed keys: select, ignore",
            ),
            (
                "select = \"LK001\"",
                "`tool.pyleak-fix.select` must be a list of rule codes",
            ),
            (
                "select = [\"LK999\"]",
                "`tool.pyleak-fix.select`: unknown rule selector `LK999`; known rules: LK001",
            ),
            (
                "unsafe-fixes = \"yes\"",
                "must be true or false, not the string \"yes\"",
            ),
            (
                "target-version = \"py27\"",
                "unknown Python version `py27`; expected one of py37",
            ),
            (
                "large-allocation-bytes = -1",
                "must be a positive whole number of bytes, not the integer -1",
            ),
            (
                "extend-mutable-calls = [\"a b\"]",
                "`a b` is not a qualified name",
            ),
            ("exclude = [\"[\"]", "`[` is not a valid glob"),
            (
                "per-file-ignores = [\"x\"]",
                "must be a table of glob = [rule codes]",
            ),
            (
                "per-file-ignores = { \"x\" = [\"NOPE1\"] }",
                "entry `x`: unknown rule selector `NOPE1`",
            ),
        ];
        for (text, expected) in cases {
            let message = options(text).unwrap_err();
            assert!(message.contains(expected), "{text}: {message}");
        }
    }

    #[test]
    fn patterns_match_names_or_anchored_paths() {
        let overrides = Overrides::default();
        let read = options(
            r#"
            exclude = ["gen", "src/legacy/*.py"]
            per-file-ignores = { "test_*.py" = ["LK001"], "scripts/**" = ["LK"] }
            "#,
        )
        .unwrap();
        let config = Config::new(None, PathBuf::from("/p"), &read, &overrides).unwrap();
        assert!(config.is_excluded(Path::new("/p/a/gen/x.py")));
        assert!(config.is_excluded(Path::new("/p/src/legacy/x.py")));
        assert!(!config.is_excluded(Path::new("/p/src/legacy/deeper/x.py")));
        assert!(
            !config.is_excluded(Path::new("/p/a/build/x.py")),
            "exclude replaces the defaults"
        );
        assert!(!config.is_excluded(Path::new("/gen/p2/x.py")));
        let test_rules: Vec<&str> = config
            .settings_for(Path::new("/p/t/test_a.py"))
            .rules
            .iter()
            .map(|rule| rule.code())
            .collect();
        assert!(!test_rules.contains(&"LK001"), "{test_rules:?}");
        let on_by_default = crate::rules::ALL
            .iter()
            .filter(|rule| rule.default_enabled())
            .count();
        assert_eq!(test_rules.len(), on_by_default - 1);
        assert!(config
            .settings_for(Path::new("/p/scripts/a/b.py"))
            .rules
            .is_empty());
        assert!(!config.settings_for(Path::new("/p/a.py")).rules.is_empty());
    }

    #[test]
    fn setup_cfg_and_setup_py_give_python_requires() {
        let cfg = |text: &str| setup_cfg_python_requires(text);
        assert_eq!(
            cfg("[options]\npython_requires = >=3.7\n").as_deref(),
            Some(">=3.7")
        );
        assert_eq!(
            cfg("[options]\nPython-Requires:\n  >=3.8,\n  <4\n[x]\n").as_deref(),
            Some(">=3.8, <4")
        );
        assert_eq!(cfg("[options.extras]\npython_requires = >=3.7\n"), None);
        assert_eq!(cfg("[metadata]\npython_requires = >=3.7\n"), None);
        assert_eq!(cfg("[options]\n; python_requires = >=3.7\n"), None);

        let py = |text: &str| setup_py_python_requires(text);
        assert_eq!(
            py("setup(\n    name='a',\n    python_requires='>=3.6',\n)\n").as_deref(),
            Some(">=3.6")
        );
        assert_eq!(
            py("setup(python_requires = \">=3.8, <4\")").as_deref(),
            Some(">=3.8, <4")
        );
        // Not a literal, two different literals, or not the keyword: no answer.
        assert_eq!(py("setup(python_requires=REQUIRES)"), None);
        assert_eq!(
            py("setup(python_requires=\">=3.\" + \"6\")").as_deref(),
            None
        );
        assert_eq!(
            py("if x:\n    setup(python_requires='>=3.6')\nelse:\n    setup(python_requires='>=3.8')\n"),
            None
        );
        assert_eq!(py("my_python_requires='>=3.6'\nsetup()"), None);
        assert_eq!(py("setup(python_requires=\"\"\">=3.6\"\"\")"), None);
    }

    #[test]
    fn absolute_paths_are_normalized_lexically() {
        assert_eq!(
            absolute(Path::new("/w/p"), Path::new("./a/../b/./c.py")),
            Path::new("/w/p/b/c.py")
        );
        assert_eq!(
            absolute(Path::new("/w"), Path::new("/x/y")),
            Path::new("/x/y")
        );
    }
}
