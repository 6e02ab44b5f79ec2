//! pyleak-fix: finds the Python code shapes that keep memory alive longer than intended
//! and rewrites them with byte-exact, comment-preserving patches.

pub mod cli;
pub mod config;
pub mod diff;
pub mod encoding;
pub mod engine;
pub mod fix;
pub mod invariants;
pub mod noqa;
pub mod prefilter;
pub mod report;
pub mod rules;
pub mod run;
pub mod semantic;
pub mod settings;
pub mod source;
pub mod walk;
pub mod work;
