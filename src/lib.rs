//! pyleak-fix: finds the Python code shapes that keep memory alive longer than intended
//! and rewrites them with byte-exact, comment-preserving patches.

pub mod cache;
pub mod cli;
pub mod config;
pub mod diff;
pub mod encoding;
pub mod engine;
pub mod fix;
pub mod imports;
pub mod invariants;
pub mod noqa;
pub mod oracle;
pub mod outcome;
pub mod prefilter;
pub mod regions;
pub mod report;
pub mod rules;
pub mod run;
pub mod scan;
pub mod semantic;
pub mod settings;
pub mod source;
pub mod statistics;
pub mod walk;
pub mod work;
