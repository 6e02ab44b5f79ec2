//! CPython's compile-time checks beyond the grammar: the errors its symbol table and
//! compiler raise as `SyntaxError` though the text parses (`return` or `yield` outside a
//! function, `await` outside an async function, `break` outside a loop, a name used
//! before its `global` declaration, `nonlocal` at module level, duplicate parameters, a
//! late `from __future__` import, ...).
//!
//! The checks themselves are ruff's ([`SemanticSyntaxChecker`]); what it needs from its
//! caller is where the visitor stands: which scopes enclose it, whether they are async,
//! which names they declare `global`, whether a loop encloses it. This module walks the
//! tree and keeps that. It never asks what a name is bound to, so one check is answered
//! leniently: `nonlocal x` inside a nested function is taken to find its binding.

use std::cell::RefCell;
use std::collections::HashMap;

use ruff_python_ast::visitor::{walk_comprehension, walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, PythonVersion, Stmt};
use ruff_python_parser::semantic_errors::{
    LazyImportContext, SemanticSyntaxChecker, SemanticSyntaxContext, SemanticSyntaxError,
};
use ruff_text_size::TextRange;

/// The first compile-time error in `module` (parsed from `source`), in source order.
pub(super) fn first_error(source: &str, module: &ast::ModModule) -> Option<SemanticSyntaxError> {
    let mut walker = Walker {
        checker: SemanticSyntaxChecker::new(),
        context: Context {
            source,
            scopes: vec![Scope::new(ScopeKind::Module, &module.body, Vec::new())],
            future_annotations: false,
            errors: RefCell::new(Vec::new()),
        },
    };
    walker.visit_body(&module.body);
    let mut errors = walker.context.errors.into_inner();
    errors.sort_by_key(|error| error.range.start());
    errors.into_iter().next()
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
    /// Each name this scope declares `global`, with its first `global` statement.
    globals: HashMap<String, TextRange>,
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
            parameters,
            loops: 0,
            tries: 0,
        }
    }

    fn expression(kind: ScopeKind, parameters: Vec<String>) -> Self {
        Scope::new(kind, &[], parameters)
    }
}

/// The `global` statements of one scope's body: statements only, not nested scopes.
#[derive(Debug, Default)]
struct Globals {
    names: HashMap<String, TextRange>,
}

impl<'a> Visitor<'a> for Globals {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::Global(global) => {
                for name in &global.names {
                    self.names
                        .entry(name.id.to_string())
                        .or_insert(global.range);
                }
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, _expr: &'a Expr) {}
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
        // The newest grammar: the oracle judges breakage, not the project's target.
        PythonVersion::latest()
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
        // Lenient (see the module doc): any enclosing function may bind it.
        enclosing
            .iter()
            .any(|scope| matches!(scope.kind, ScopeKind::Function { .. } | ScopeKind::Lambda))
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
}

impl Walker<'_> {
    fn in_scope(&mut self, scope: Scope, visit: impl FnOnce(&mut Self)) {
        self.context.scopes.push(scope);
        visit(self);
        self.context.scopes.pop();
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
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.checker.visit_stmt(stmt, &self.context);
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
                self.visit_body(body);
                self.context.innermost_mut().loops -= 1;
                self.visit_body(orelse);
            }
            Stmt::While(ast::StmtWhile {
                test, body, orelse, ..
            }) => {
                self.visit_expr(test);
                self.context.innermost_mut().loops += 1;
                self.visit_body(body);
                self.context.innermost_mut().loops -= 1;
                self.visit_body(orelse);
            }
            Stmt::Try(_) => {
                self.context.innermost_mut().tries += 1;
                walk_stmt(self, stmt);
                self.context.innermost_mut().tries -= 1;
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
