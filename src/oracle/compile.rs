//! CPython's compile-time checks beyond the grammar: the errors its symbol table and
//! compiler raise as `SyntaxError` though the text parses (`return` or `yield` outside a
//! function, `await` outside an async function, `break` outside a loop, a name used
//! before its `global` declaration, `nonlocal` at module level, duplicate parameters, a
//! late `from __future__` import, ...).
//!
//! The checks themselves are ruff's ([`SemanticSyntaxChecker`]); what it needs from its
//! caller is where the visitor stands: which scopes enclose it, whether they are async,
//! which names they declare `global`, whether a loop encloses it. This module walks the
//! tree and keeps that, with the names each function scope binds, so that `nonlocal x`
//! finds its binding in an enclosing function or is refused as CPython refuses it.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use ruff_python_ast::visitor::{
    walk_comprehension, walk_except_handler, walk_expr, walk_pattern, walk_stmt, Visitor,
};
use ruff_python_ast::{self as ast, Expr, PythonVersion, Stmt};
use ruff_python_parser::semantic_errors::{
    LazyImportContext, SemanticSyntaxChecker, SemanticSyntaxContext, SemanticSyntaxError,
};
use ruff_text_size::{Ranged, TextRange};

/// The first compile-time error in `module` (parsed from `source`), in source order: its
/// byte offset and CPython's kind of complaint.
pub(super) fn first_error(source: &str, module: &ast::ModModule) -> Option<(usize, String)> {
    let mut walker = Walker {
        own: Vec::new(),
        checker: SemanticSyntaxChecker::new(),
        context: Context {
            source,
            scopes: vec![Scope::new(ScopeKind::Module, &module.body, Vec::new())],
            future_annotations: false,
            errors: RefCell::new(Vec::new()),
        },
    };
    walker.visit_body(&module.body);
    let ruffs = walker.context.errors.into_inner().into_iter();
    ruffs
        .map(|error: SemanticSyntaxError| (error.range.start().to_usize(), error.to_string()))
        .chain(walker.own)
        .min_by_key(|(offset, _)| *offset)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Class,
    Function { is_async: bool },
    Lambda,
    Comprehension { is_async: bool, generator: bool },
}

#[derive(Debug)]
struct Scope {
    kind: ScopeKind,
    /// Each name this scope declares `global`, with its last `global` statement: CPython
    /// checks each declaration against the uses before it, so a use before the last one
    /// is an error even after an earlier one.
    globals: HashMap<String, TextRange>,
    /// Each name this scope declares `nonlocal`, with its last `nonlocal` statement.
    nonlocals: HashMap<String, TextRange>,
    /// The names this scope's own code binds (not its nested scopes'), for `nonlocal`.
    bound: HashSet<String>,
    /// How many loop, `with` and `try` blocks of this scope enclose the visitor.
    blocks: usize,
    /// Inside an `except*` handler of this scope: the `loops` count at its start.
    except_star: Option<usize>,
    /// The parameters of a function or lambda scope.
    parameters: Vec<String>,
    /// How many `for`/`while` bodies of this scope enclose the visitor.
    loops: usize,
    /// How many `try` statements of this scope enclose the visitor.
    tries: usize,
}

impl Scope {
    fn new(kind: ScopeKind, body: &[Stmt], parameters: Vec<String>) -> Self {
        let mut globals = Globals::default();
        globals.visit_body(body);
        Scope {
            kind,
            globals: globals.names,
            nonlocals: globals.nonlocals,
            bound: globals.bound,
            blocks: 0,
            except_star: None,
            parameters,
            loops: 0,
            tries: 0,
        }
    }

    fn expression(kind: ScopeKind, parameters: Vec<String>) -> Self {
        Scope::new(kind, &[], parameters)
    }
}

/// The `global` and `nonlocal` statements of one scope's body, and the names it binds:
/// its own code only, not nested scopes' (a comprehension's `:=` target excepted, which
/// binds here).
#[derive(Debug, Default)]
struct Globals {
    names: HashMap<String, TextRange>,
    nonlocals: HashMap<String, TextRange>,
    bound: HashSet<String>,
    /// Inside a comprehension of this scope: its targets are its own.
    comprehensions: usize,
}

impl Globals {
    /// The parts of a parameter list that run in the enclosing scope: defaults and
    /// annotations.
    fn parameter_headers(&mut self, parameters: &ast::Parameters) {
        for parameter in parameters.iter() {
            if let Some(default) = parameter.default() {
                self.visit_expr(default);
            }
            if let Some(annotation) = parameter.annotation() {
                self.visit_expr(annotation);
            }
        }
    }
}

impl<'a> Visitor<'a> for Globals {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            // The body is another scope, but decorators, defaults, annotations, bases
            // and keywords run here: a `:=` in them binds in this scope.
            Stmt::FunctionDef(def) => {
                self.bound.insert(def.name.id.to_string());
                for decorator in &def.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                self.parameter_headers(&def.parameters);
                if let Some(returns) = &def.returns {
                    self.visit_expr(returns);
                }
            }
            Stmt::ClassDef(class) => {
                self.bound.insert(class.name.id.to_string());
                for decorator in &class.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                if let Some(arguments) = &class.arguments {
                    for argument in &arguments.args {
                        self.visit_expr(argument);
                    }
                    for keyword in &arguments.keywords {
                        self.visit_expr(&keyword.value);
                    }
                }
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = alias.asname.as_ref().unwrap_or(&alias.name).id.as_str();
                    let first = name.split('.').next().unwrap_or(name);
                    self.bound.insert(first.to_string());
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    let name = alias.asname.as_ref().unwrap_or(&alias.name).id.as_str();
                    if name != "*" {
                        self.bound.insert(name.to_string());
                    }
                }
            }
            Stmt::Global(global) => {
                for name in &global.names {
                    self.names.insert(name.id.to_string(), global.range);
                }
            }
            Stmt::Nonlocal(nonlocal) => {
                for name in &nonlocal.names {
                    self.nonlocals.insert(name.id.to_string(), nonlocal.range);
                }
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_except_handler(&mut self, handler: &'a ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(inner) = handler;
        if let Some(name) = &inner.name {
            self.bound.insert(name.id.to_string());
        }
        walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        match pattern {
            ast::Pattern::MatchAs(ast::PatternMatchAs {
                name: Some(name), ..
            })
            | ast::Pattern::MatchStar(ast::PatternMatchStar {
                name: Some(name), ..
            })
            | ast::Pattern::MatchMapping(ast::PatternMatchMapping {
                rest: Some(name), ..
            }) => {
                self.bound.insert(name.id.to_string());
            }
            _ => {}
        }
        walk_pattern(self, pattern);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if !matches!(name.ctx, ast::ExprContext::Load) => {
                if self.comprehensions == 0 {
                    self.bound.insert(name.id.to_string());
                }
            }
            Expr::Named(named) => {
                if let Expr::Name(target) = named.target.as_ref() {
                    self.bound.insert(target.id.to_string());
                }
                self.visit_expr(&named.value);
            }
            // A lambda's parameters and body are its own scope's; its defaults are ours.
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.parameter_headers(parameters);
                }
            }
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                self.comprehensions += 1;
                walk_expr(self, expr);
                self.comprehensions -= 1;
            }
            _ => walk_expr(self, expr),
        }
    }
}

fn parameter_names(parameters: &ast::Parameters) -> Vec<String> {
    parameters
        .iter()
        .map(|parameter| parameter.name().id.to_string())
        .collect()
}

struct Context<'s> {
    source: &'s str,
    /// Outermost (the module) first.
    scopes: Vec<Scope>,
    future_annotations: bool,
    errors: RefCell<Vec<SemanticSyntaxError>>,
}

impl Context<'_> {
    fn innermost(&self) -> &Scope {
        self.scopes.last().expect("the module scope is never left")
    }

    fn innermost_mut(&mut self) -> &mut Scope {
        self.scopes
            .last_mut()
            .expect("the module scope is never left")
    }

    /// The scopes from the innermost outwards.
    fn outwards(&self) -> impl Iterator<Item = ScopeKind> + '_ {
        self.scopes.iter().rev().map(|scope| scope.kind)
    }

    /// The comprehension scopes directly around the visitor, innermost first.
    fn comprehensions(&self) -> impl Iterator<Item = (bool, bool)> + '_ {
        self.outwards().map_while(|kind| match kind {
            ScopeKind::Comprehension {
                is_async,
                generator,
            } => Some((is_async, generator)),
            _ => None,
        })
    }
}

impl SemanticSyntaxContext for Context<'_> {
    fn future_annotations_or_stub(&self) -> bool {
        self.future_annotations
    }

    fn lazy_import_context(&self) -> Option<LazyImportContext> {
        match self.innermost().kind {
            ScopeKind::Function { .. } | ScopeKind::Lambda => Some(LazyImportContext::Function),
            ScopeKind::Class => Some(LazyImportContext::Class),
            _ if self.innermost().tries > 0 => Some(LazyImportContext::TryExceptBlocks),
            _ => None,
        }
    }

    fn python_version(&self) -> PythonVersion {
        // The oracle judges breakage, not the project's target, so the most permissive
        // rules: 3.13's. 3.14 forbids `yield`, `await` and `:=` in annotations, which
        // every earlier version compiles; the checks for older versions only forbid
        // what was added later.
        PythonVersion::PY313
    }

    fn source(&self) -> &str {
        self.source
    }

    fn global(&self, name: &str) -> Option<TextRange> {
        self.innermost().globals.get(name).copied()
    }

    fn has_nonlocal_binding(&self, name: &str) -> bool {
        let enclosing = &self.scopes[..self.scopes.len() - 1];
        // A class body gives the functions in it an implicit `__class__` cell.
        if name == "__class__" && enclosing.iter().any(|scope| scope.kind == ScopeKind::Class) {
            return true;
        }
        // The nearest enclosing function that binds it, declares it `nonlocal` or has it as
        // a parameter; class bodies and comprehensions are skipped, a `global` there or
        // reaching the module means there is none.
        for scope in enclosing.iter().rev() {
            match scope.kind {
                ScopeKind::Function { .. } | ScopeKind::Lambda => {
                    if scope.globals.contains_key(name) {
                        return false;
                    }
                    if scope.nonlocals.contains_key(name)
                        || scope.bound.contains(name)
                        || scope.parameters.iter().any(|parameter| parameter == name)
                    {
                        return true;
                    }
                }
                ScopeKind::Module => return false,
                ScopeKind::Class | ScopeKind::Comprehension { .. } => {}
            }
        }
        false
    }

    fn in_async_context(&self) -> bool {
        for kind in self.outwards() {
            match kind {
                ScopeKind::Comprehension { .. } => continue,
                ScopeKind::Function { is_async } => return is_async,
                _ => return false,
            }
        }
        false
    }

    fn in_await_allowed_context(&self) -> bool {
        for kind in self.outwards() {
            match kind {
                // `await` makes a generator expression asynchronous, anywhere.
                ScopeKind::Comprehension {
                    generator: true, ..
                } => return true,
                ScopeKind::Comprehension { .. } => continue,
                ScopeKind::Function { .. } | ScopeKind::Lambda => return true,
                _ => return false,
            }
        }
        false
    }

    fn in_yield_allowed_context(&self) -> bool {
        matches!(
            self.innermost().kind,
            ScopeKind::Function { .. } | ScopeKind::Lambda
        )
    }

    fn in_sync_comprehension(&self) -> bool {
        self.comprehensions().any(|(is_async, _)| !is_async)
    }

    fn in_class_body_comprehension(&self) -> bool {
        self.outwards()
            .find(|kind| !matches!(kind, ScopeKind::Comprehension { .. }))
            == Some(ScopeKind::Class)
    }

    fn in_module_scope(&self) -> bool {
        self.innermost().kind == ScopeKind::Module
    }

    fn in_function_scope(&self) -> bool {
        matches!(self.innermost().kind, ScopeKind::Function { .. })
    }

    fn in_generator_context(&self) -> bool {
        self.comprehensions().any(|(_, generator)| generator)
    }

    fn in_notebook(&self) -> bool {
        false
    }

    fn report_semantic_error(&self, error: SemanticSyntaxError) {
        self.errors.borrow_mut().push(error);
    }

    fn in_loop_context(&self) -> bool {
        self.innermost().loops > 0
    }

    fn is_bound_parameter(&self, name: &str) -> bool {
        let scope = self.innermost();
        matches!(scope.kind, ScopeKind::Function { .. } | ScopeKind::Lambda)
            && scope.parameters.iter().any(|parameter| parameter == name)
    }
}

/// Walks the tree as CPython's symbol table does: decorators, defaults, annotations,
/// class bases and a comprehension's first iterable belong to the enclosing scope; only
/// bodies open a new one.
struct Walker<'s> {
    checker: SemanticSyntaxChecker,
    context: Context<'s>,
    /// Errors CPython's compiler raises that ruff's checks leave out: (offset, message).
    own: Vec<(usize, String)>,
}

/// CPython's limit on statically nested blocks (`CO_MAXBLOCKS`).
const MAX_BLOCKS: usize = 20;

impl Walker<'_> {
    fn error(&mut self, at: TextRange, message: String) {
        self.own.push((at.start().to_usize(), message));
    }

    /// `name` is bound at `at` in the scope the binding belongs to (a comprehension's
    /// `:=` binds in the scope around it): it must not come before that scope's
    /// `global` or `nonlocal` declaration of the name.
    fn binding(&mut self, name: &str, at: TextRange, walrus: bool) {
        let scope = if walrus {
            self.context
                .scopes
                .iter()
                .rev()
                .find(|scope| !matches!(scope.kind, ScopeKind::Comprehension { .. }))
                .expect("the module scope is never left")
        } else {
            self.context.innermost()
        };
        let declared_later = |declarations: &HashMap<String, TextRange>| {
            declarations
                .get(name)
                .is_some_and(|declaration| declaration.start() > at.start())
        };
        let what = if declared_later(&scope.globals) {
            "global"
        } else if declared_later(&scope.nonlocals) {
            "nonlocal"
        } else {
            return;
        };
        self.error(
            at,
            format!("name '{name}' is assigned to before {what} declaration"),
        );
    }

    fn nested_block(&mut self, at: TextRange, visit: impl FnOnce(&mut Self)) {
        let scope = self.context.innermost_mut();
        scope.blocks += 1;
        if scope.blocks > MAX_BLOCKS {
            self.error(at, "too many statically nested blocks".into());
        }
        visit(self);
        self.context.innermost_mut().blocks -= 1;
    }

    fn debug_keyword(&mut self, keywords: &[ast::Keyword]) {
        for keyword in keywords {
            if keyword
                .arg
                .as_ref()
                .is_some_and(|arg| arg.id == "__debug__")
            {
                self.error(keyword.range, "cannot assign to __debug__".into());
            }
        }
    }
    fn in_scope(&mut self, scope: Scope, visit: impl FnOnce(&mut Self)) {
        self.context.scopes.push(scope);
        visit(self);
        self.context.scopes.pop();
    }

    /// CPython's compile-time errors about one statement that ruff's checks leave out.
    fn statement_checks(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => self.binding(&def.name.id, def.name.range, false),
            Stmt::ClassDef(class) => {
                self.binding(&class.name.id, class.name.range, false);
                if let Some(arguments) = &class.arguments {
                    self.debug_keyword(&arguments.keywords);
                }
            }
            Stmt::Expr(expression) if expression.value.is_starred_expr() => {
                self.error(stmt.range(), "can't use starred expression here".into());
            }
            Stmt::With(with) => {
                for item in &with.items {
                    if item
                        .optional_vars
                        .as_deref()
                        .is_some_and(Expr::is_starred_expr)
                    {
                        let message = "starred assignment target must be in a list or tuple";
                        self.error(item.range, message.into());
                    }
                }
            }
            Stmt::Try(try_stmt) => {
                let last = try_stmt.handlers.len().saturating_sub(1);
                for (index, handler) in try_stmt.handlers.iter().enumerate() {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if handler.type_.is_none() && index != last {
                        self.error(handler.range, "default 'except:' must be last".into());
                    }
                }
            }
            Stmt::Break(_) | Stmt::Continue(_) | Stmt::Return(_) => {
                let scope = self.context.innermost();
                let in_handler = match (stmt, scope.except_star) {
                    (Stmt::Return(_), Some(_)) => true,
                    (_, Some(loops)) => scope.loops == loops,
                    (_, None) => false,
                };
                if in_handler {
                    let message =
                        "'break', 'continue' and 'return' cannot appear in an except* block";
                    self.error(stmt.range(), message.into());
                }
            }
            Stmt::Global(global) => {
                for name in &global.names {
                    if self
                        .context
                        .innermost()
                        .nonlocals
                        .contains_key(name.id.as_str())
                    {
                        self.error(
                            name.range,
                            format!("name '{}' is nonlocal and global", name.id),
                        );
                    }
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Expr::Name(name) = assign.target.as_ref() {
                    if self
                        .context
                        .innermost()
                        .nonlocals
                        .contains_key(name.id.as_str())
                    {
                        let message = format!("annotated name '{}' can't be nonlocal", name.id);
                        self.error(name.range, message);
                    }
                }
            }
            _ => {}
        }
    }

    /// CPython's compile-time errors about one expression that ruff's checks leave out.
    fn expression_checks(&mut self, expr: &Expr) {
        match expr {
            Expr::Name(name) => {
                let declared = self.context.innermost().nonlocals.get(name.id.as_str());
                if declared.is_some_and(|declaration| declaration.start() > name.range.start()) {
                    let message = match name.ctx {
                        ast::ExprContext::Load => {
                            format!("name '{}' is used prior to nonlocal declaration", name.id)
                        }
                        _ => format!(
                            "name '{}' is assigned to before nonlocal declaration",
                            name.id
                        ),
                    };
                    self.error(name.range, message);
                }
            }
            Expr::Named(named) => {
                if let Expr::Name(target) = named.target.as_ref() {
                    let in_comprehension = matches!(
                        self.context.innermost().kind,
                        ScopeKind::Comprehension { .. }
                    );
                    self.binding(&target.id, target.range, in_comprehension);
                }
            }
            Expr::Call(call) => self.debug_keyword(&call.arguments.keywords),
            Expr::Attribute(attribute)
                if attribute.attr.id == "__debug__"
                    && !matches!(attribute.ctx, ast::ExprContext::Load) =>
            {
                self.error(attribute.range, "cannot assign to __debug__".into());
            }
            Expr::ListComp(ast::ExprListComp { elt, .. })
            | Expr::SetComp(ast::ExprSetComp { elt, .. })
            | Expr::Generator(ast::ExprGenerator { elt, .. })
                if elt.is_starred_expr() =>
            {
                let message = "iterable unpacking cannot be used in comprehension";
                self.error(elt.range(), message.into());
            }
            _ => {}
        }
    }

    fn comprehension(
        &mut self,
        generators: &[ast::Comprehension],
        generator: bool,
        elements: &[&Expr],
    ) {
        let Some((first, rest)) = generators.split_first() else {
            return;
        };
        self.visit_expr(&first.iter);
        let kind = ScopeKind::Comprehension {
            is_async: generators.iter().any(|g| g.is_async),
            generator,
        };
        self.in_scope(Scope::expression(kind, Vec::new()), |walker| {
            walker.visit_expr(&first.target);
            for condition in &first.ifs {
                walker.visit_expr(condition);
            }
            for comprehension in rest {
                walk_comprehension(walker, comprehension);
            }
            for element in elements {
                walker.visit_expr(element);
            }
        });
    }
}

impl<'a> Visitor<'a> for Walker<'_> {
    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        match pattern {
            ast::Pattern::MatchAs(ast::PatternMatchAs {
                name: Some(name), ..
            })
            | ast::Pattern::MatchStar(ast::PatternMatchStar {
                name: Some(name), ..
            })
            | ast::Pattern::MatchMapping(ast::PatternMatchMapping {
                rest: Some(name), ..
            }) => self.binding(&name.id, name.range, false),
            ast::Pattern::MatchOr(or) => {
                // `case _ | 1:` and `case x | 1:`: an alternative that always matches
                // must be the last.
                let (_, earlier) = or.patterns.split_last().expect("an or-pattern has two");
                for alternative in earlier {
                    if let ast::Pattern::MatchAs(ast::PatternMatchAs {
                        pattern: None,
                        name,
                        ..
                    }) = alternative
                    {
                        let message = match name {
                            Some(name) => {
                                format!(
                                    "name capture '{}' makes remaining patterns unreachable",
                                    name.id
                                )
                            }
                            None => "wildcard makes remaining patterns unreachable".to_string(),
                        };
                        self.error(alternative.range(), message);
                    }
                }
            }
            ast::Pattern::MatchValue(ast::PatternMatchValue { value, .. })
                if value.is_f_string_expr() =>
            {
                let message = "patterns may only match literals and attribute lookups";
                self.error(value.range(), message.into());
            }
            ast::Pattern::MatchMapping(mapping)
                if mapping.keys.iter().any(Expr::is_f_string_expr) =>
            {
                let message = "patterns may only match literals and attribute lookups";
                self.error(mapping.range, message.into());
            }
            ast::Pattern::MatchClass(class) => {
                for keyword in &class.arguments.keywords {
                    if keyword.attr.id == "__debug__" {
                        self.error(keyword.range, "cannot assign to __debug__".into());
                    }
                }
            }
            _ => {}
        }
        walk_pattern(self, pattern);
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.checker.visit_stmt(stmt, &self.context);
        self.statement_checks(stmt);
        match stmt {
            Stmt::FunctionDef(def) => {
                for decorator in &def.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(type_params) = &def.type_params {
                    self.visit_type_params(type_params);
                }
                self.visit_parameters(&def.parameters);
                if let Some(returns) = &def.returns {
                    self.visit_annotation(returns);
                }
                let kind = ScopeKind::Function {
                    is_async: def.is_async,
                };
                let scope = Scope::new(kind, &def.body, parameter_names(&def.parameters));
                self.in_scope(scope, |walker| walker.visit_body(&def.body));
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(type_params) = &class.type_params {
                    self.visit_type_params(type_params);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                let scope = Scope::new(ScopeKind::Class, &class.body, Vec::new());
                self.in_scope(scope, |walker| walker.visit_body(&class.body));
            }
            Stmt::For(ast::StmtFor {
                target,
                iter,
                body,
                orelse,
                ..
            }) => {
                self.visit_expr(iter);
                self.visit_expr(target);
                self.context.innermost_mut().loops += 1;
                self.nested_block(stmt.range(), |walker| walker.visit_body(body));
                self.context.innermost_mut().loops -= 1;
                self.visit_body(orelse);
            }
            Stmt::While(ast::StmtWhile {
                test, body, orelse, ..
            }) => {
                self.visit_expr(test);
                self.context.innermost_mut().loops += 1;
                self.nested_block(stmt.range(), |walker| walker.visit_body(body));
                self.context.innermost_mut().loops -= 1;
                self.visit_body(orelse);
            }
            Stmt::Try(try_stmt) => {
                self.context.innermost_mut().tries += 1;
                self.nested_block(stmt.range(), |walker| {
                    walker.visit_body(&try_stmt.body);
                    for handler in &try_stmt.handlers {
                        let ast::ExceptHandler::ExceptHandler(handler) = handler;
                        if let Some(type_) = &handler.type_ {
                            walker.visit_expr(type_);
                        }
                        if let Some(name) = &handler.name {
                            walker.binding(&name.id, name.range, false);
                        }
                        let scope = walker.context.innermost_mut();
                        let outer = scope.except_star;
                        if try_stmt.is_star {
                            scope.except_star = Some(scope.loops);
                        }
                        walker.visit_body(&handler.body);
                        walker.context.innermost_mut().except_star = outer;
                    }
                    walker.visit_body(&try_stmt.orelse);
                    walker.visit_body(&try_stmt.finalbody);
                });
                self.context.innermost_mut().tries -= 1;
            }
            Stmt::With(with) => {
                for item in &with.items {
                    self.visit_with_item(item);
                }
                self.nested_block(stmt.range(), |walker| walker.visit_body(&with.body));
            }
            Stmt::ImportFrom(import) => {
                if import.module.as_deref() == Some("__future__")
                    && import
                        .names
                        .iter()
                        .any(|alias| &alias.name == "annotations")
                {
                    self.context.future_annotations = true;
                }
                walk_stmt(self, stmt);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.checker.visit_expr(expr, &self.context);
        self.expression_checks(expr);
        match expr {
            Expr::Lambda(lambda) => {
                let mut names = Vec::new();
                if let Some(parameters) = &lambda.parameters {
                    self.visit_parameters(parameters);
                    names = parameter_names(parameters);
                }
                let scope = Scope::expression(ScopeKind::Lambda, names);
                self.in_scope(scope, |walker| walker.visit_expr(&lambda.body));
            }
            Expr::ListComp(comp) => self.comprehension(&comp.generators, false, &[&comp.elt]),
            Expr::SetComp(comp) => self.comprehension(&comp.generators, false, &[&comp.elt]),
            Expr::Generator(comp) => self.comprehension(&comp.generators, true, &[&comp.elt]),
            Expr::DictComp(comp) => {
                let mut elements: Vec<&Expr> = comp.key.as_deref().into_iter().collect();
                elements.push(&comp.value);
                self.comprehension(&comp.generators, false, &elements)
            }
            _ => walk_expr(self, expr),
        }
    }
}
