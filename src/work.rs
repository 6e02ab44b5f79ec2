//! A count of the steps taken by the stages whose cost once grew with the square of
//! their input (choosing fixes that go together, diffing, LK003's cycle search), so that
//! a test can check that 4 times the input costs about 4 times the work without timing
//! anything. Counted per thread; a relaxed add to a thread-local costs nothing measurable.

use std::cell::Cell;

thread_local! {
    static STEPS: Cell<u64> = const { Cell::new(0) };
}

/// Counts `steps` steps of work on this thread.
pub fn add(steps: usize) {
    STEPS.with(|count| count.set(count.get().saturating_add(steps as u64)));
}

/// The steps counted on this thread since the last call, and starts again from zero.
pub fn take() -> u64 {
    STEPS.with(|count| count.replace(0))
}
