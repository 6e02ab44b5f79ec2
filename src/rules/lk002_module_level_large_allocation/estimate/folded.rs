//! Integer constant folding that never wraps: Python's integers have no bound, so a value
//! beyond `i128` is kept as "huge" with its sign, and every operation either gives the
//! exact result, a huge one whose sign is certain, or nothing (not folded).

/// A folded integer constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Int {
    Exact(i128),
    /// Beyond `i128` (its magnitude is at least 2**127), with this sign.
    Huge {
        negative: bool,
    },
}

use Int::{Exact, Huge};

impl Int {
    fn huge(negative: bool) -> Int {
        Huge { negative }
    }

    fn is_negative(self) -> bool {
        match self {
            Exact(value) => value < 0,
            Huge { negative } => negative,
        }
    }

    /// How many items a count of this value gives (`[0] * n`): none when negative, and
    /// `u128::MAX` (saturated) when huge.
    pub(super) fn count(self) -> u128 {
        match self {
            Exact(value) => u128::try_from(value).unwrap_or(0),
            Huge { negative } => {
                if negative {
                    0
                } else {
                    u128::MAX
                }
            }
        }
    }

    /// A Python integer literal: `1_000`, `0x10`, `0o7`, `0b1`, of any length.
    pub(super) fn parse(text: &str) -> Option<Int> {
        let digits: String = text.chars().filter(|c| *c != '_').collect();
        let lower = digits.to_ascii_lowercase();
        let (radix, body) = match lower.get(..2) {
            Some("0x") => (16, &lower[2..]),
            Some("0o") => (8, &lower[2..]),
            Some("0b") => (2, &lower[2..]),
            _ => (10, lower.as_str()),
        };
        if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        Some(match i128::from_str_radix(body, radix) {
            Ok(value) => Exact(value),
            // Only digits, so the only failure left is a value too large.
            Err(_) => Int::huge(false),
        })
    }

    pub(super) fn neg(self) -> Int {
        match self {
            Exact(value) => value.checked_neg().map_or(Int::huge(false), Exact),
            Huge { negative } => Int::huge(!negative),
        }
    }

    /// `~x`, which is `-x - 1`.
    pub(super) fn invert(self) -> Int {
        match self {
            Exact(value) => Exact(!value),
            Huge { negative } => Int::huge(!negative),
        }
    }

    pub(super) fn add(self, other: Int) -> Option<Int> {
        match (self, other) {
            (Exact(a), Exact(b)) => Some(a.checked_add(b).map_or(Int::huge(a < 0), Exact)),
            // A huge value moved towards zero by another may end anywhere.
            (Huge { negative }, other) | (other, Huge { negative }) => {
                let same_direction = match other {
                    Exact(value) => value == 0 || (value < 0) == negative,
                    Huge { negative: other } => other == negative,
                };
                same_direction.then_some(Int::huge(negative))
            }
        }
    }

    pub(super) fn sub(self, other: Int) -> Option<Int> {
        self.add(other.neg())
    }

    pub(super) fn mul(self, other: Int) -> Int {
        match (self, other) {
            (Exact(a), Exact(b)) => a
                .checked_mul(b)
                .map_or(Int::huge((a < 0) != (b < 0)), Exact),
            (Exact(0), Huge { .. }) | (Huge { .. }, Exact(0)) => Exact(0),
            (a, b) => Int::huge(a.is_negative() != b.is_negative()),
        }
    }

    /// `self ** exponent`; a negative exponent makes a float, which is not folded.
    pub(super) fn pow(self, exponent: Int) -> Option<Int> {
        if exponent.is_negative() {
            return None;
        }
        let Exact(exponent) = exponent else {
            // A huge exponent: only the bases that stay small are known.
            return match self {
                Exact(0 | 1) => Some(self),
                Exact(value) if value >= 2 => Some(Int::huge(false)),
                _ => None,
            };
        };
        let odd = exponent % 2 == 1;
        match self {
            Exact(base) => {
                let result = u32::try_from(exponent)
                    .ok()
                    .and_then(|exponent| base.checked_pow(exponent));
                Some(match result {
                    Some(value) => Exact(value),
                    None => match base {
                        0 | 1 => Exact(base),
                        -1 => Exact(if odd { -1 } else { 1 }),
                        _ => Int::huge(base < 0 && odd),
                    },
                })
            }
            Huge { negative } => Some(match exponent {
                0 => Exact(1),
                _ => Int::huge(negative && odd),
            }),
        }
    }

    /// `self << shift`; a negative shift raises in Python.
    pub(super) fn shl(self, shift: Int) -> Option<Int> {
        if shift.is_negative() {
            return None;
        }
        Some(match (self, shift) {
            (Exact(0), _) => Exact(0),
            (Exact(value), Exact(shift)) => {
                let factor = u32::try_from(shift)
                    .ok()
                    .filter(|&shift| shift < 127)
                    .map(|shift| 1i128 << shift);
                match factor.and_then(|factor| value.checked_mul(factor)) {
                    Some(shifted) => Exact(shifted),
                    None => Int::huge(value < 0),
                }
            }
            (value, _) => Int::huge(value.is_negative()),
        })
    }

    /// `self >> shift`; a negative shift raises in Python.
    pub(super) fn shr(self, shift: Int) -> Option<Int> {
        if shift.is_negative() {
            return None;
        }
        match (self, shift) {
            (Exact(value), Exact(shift)) => {
                Some(Exact(value >> u32::try_from(shift).unwrap_or(127).min(127)))
            }
            (Exact(value), Huge { .. }) => Some(Exact(if value < 0 { -1 } else { 0 })),
            // A huge value shifted right may be small again.
            (Huge { .. }, _) => None,
        }
    }

    /// Python's floor division; by zero it raises.
    pub(super) fn floor_div(self, divisor: Int) -> Option<Int> {
        match (self, divisor) {
            (_, Exact(0)) => None,
            (Exact(a), Exact(b)) => {
                let Some(quotient) = a.checked_div(b) else {
                    // i128::MIN // -1
                    return Some(Int::huge(false));
                };
                let inexact = a.checked_rem(b).is_some_and(|r| r != 0);
                Some(Exact(if inexact && (a < 0) != (b < 0) {
                    quotient - 1
                } else {
                    quotient
                }))
            }
            // |a| < 2**127 <= |b|: the quotient is 0, or -1 when the signs differ.
            (Exact(a), Huge { negative }) => {
                Some(Exact(if a != 0 && (a < 0) != negative { -1 } else { 0 }))
            }
            (Huge { .. }, _) => None,
        }
    }

    /// `range(start, stop, step)`'s length, saturated at `u128::MAX`; `None` when a huge
    /// bound leaves it unclear.
    pub(super) fn range_length(start: Int, stop: Int, step: Int) -> Option<u128> {
        match (start, stop, step) {
            (Exact(start), Exact(stop), Exact(step)) if step != 0 => {
                Some(exact_range_length(start, stop, step))
            }
            // From a start no farther than 2**126 from zero to a huge stop one at a time:
            // at least 2**126 items, which counts as saturated.
            (Exact(start), Huge { negative }, Exact(step))
                if start.unsigned_abs() <= 1 << 126 && step.unsigned_abs() == 1 =>
            {
                Some(if negative == (step < 0) { u128::MAX } else { 0 })
            }
            _ => None,
        }
    }
}

fn exact_range_length(start: i128, stop: i128, step: i128) -> u128 {
    let span = if step > 0 {
        stop.checked_sub(start)
    } else {
        start.checked_sub(stop)
    };
    match span {
        Some(span) if span <= 0 => 0,
        Some(span) => (span as u128).div_ceil(step.unsigned_abs()),
        // The span itself is beyond i128, so positive: compute it unsigned.
        None => {
            let (high, low) = if step > 0 {
                (stop, start)
            } else {
                (start, stop)
            };
            high.abs_diff(low).div_ceil(step.unsigned_abs())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUGE: Int = Huge { negative: false };
    const MINUS_HUGE: Int = Huge { negative: true };

    #[test]
    fn literals_of_any_length() {
        assert_eq!(Int::parse("1_000_000"), Some(Exact(1_000_000)));
        assert_eq!(Int::parse("0x10_00"), Some(Exact(4096)));
        assert_eq!(Int::parse("0o17"), Some(Exact(15)));
        assert_eq!(Int::parse("0B101"), Some(Exact(5)));
        assert_eq!(Int::parse(&"9".repeat(100)), Some(HUGE));
        assert_eq!(Int::parse(&format!("0x{}", "f".repeat(40))), Some(HUGE));
        assert_eq!(Int::parse("0x"), None);
    }

    #[test]
    fn overflow_becomes_huge_never_wraps() {
        let ten = Exact(10);
        assert_eq!(ten.pow(Exact(100)), Some(HUGE));
        assert_eq!(Exact(-10).pow(Exact(101)), Some(MINUS_HUGE));
        assert_eq!(Exact(-1).pow(Exact(1 << 40)), Some(Exact(1)));
        assert_eq!(Exact(2).pow(HUGE), Some(HUGE));
        assert_eq!(Exact(2).pow(Exact(-1)), None);
        assert_eq!(Exact(1).shl(Exact(127)), Some(HUGE));
        assert_eq!(Exact(-1).shl(Exact(1000)), Some(MINUS_HUGE));
        assert_eq!(Exact(1).shl(Exact(126)), Some(Exact(1 << 126)));
        assert_eq!(Exact(i128::MAX).add(Exact(1)), Some(HUGE));
        assert_eq!(Exact(i128::MIN).sub(Exact(1)), Some(MINUS_HUGE));
        assert_eq!(Exact(i128::MIN).neg(), HUGE);
        assert_eq!(Exact(i128::MAX).mul(Exact(-2)), MINUS_HUGE);
        assert_eq!(HUGE.mul(Exact(0)), Exact(0));
        assert_eq!(HUGE.mul(MINUS_HUGE), MINUS_HUGE);
        assert_eq!(Exact(i128::MIN).floor_div(Exact(-1)), Some(HUGE));
        assert_eq!(Exact(-7).floor_div(Exact(2)), Some(Exact(-4)));
        assert_eq!(Exact(7).floor_div(MINUS_HUGE), Some(Exact(-1)));
        assert_eq!(Exact(7).floor_div(Exact(0)), None);
    }

    #[test]
    fn a_huge_value_moved_towards_zero_is_not_folded() {
        assert_eq!(HUGE.sub(HUGE), None);
        assert_eq!(HUGE.add(Exact(-1)), None);
        assert_eq!(HUGE.add(Exact(1)), Some(HUGE));
        assert_eq!(HUGE.shr(Exact(1)), None);
        assert_eq!(HUGE.floor_div(Exact(2)), None);
    }

    #[test]
    fn counts_and_ranges_saturate() {
        assert_eq!(HUGE.count(), u128::MAX);
        assert_eq!(MINUS_HUGE.count(), 0);
        assert_eq!(Exact(-5).count(), 0);
        assert_eq!(Int::range_length(Exact(0), Exact(10), Exact(3)), Some(4));
        assert_eq!(Int::range_length(Exact(10), Exact(0), Exact(-2)), Some(5));
        assert_eq!(Int::range_length(Exact(5), Exact(0), Exact(1)), Some(0));
        assert_eq!(
            Int::range_length(Exact(i128::MIN), Exact(i128::MAX), Exact(1)),
            Some(u128::MAX)
        );
        assert_eq!(Int::range_length(Exact(0), HUGE, Exact(1)), Some(u128::MAX));
        assert_eq!(Int::range_length(Exact(0), HUGE, Exact(-1)), Some(0));
        assert_eq!(Int::range_length(Exact(0), HUGE, Exact(7)), None);
        assert_eq!(Int::range_length(Exact(0), Exact(1), Exact(0)), None);
    }
}
