//! Stable fingerprints of findings: the same finding gets the same value
//! after lines are added above it, in every custodia version and on every
//! machine (so a hash the standard library may change between releases is
//! not used).

/// FNV-1a, 64 bits.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A finding's fingerprint: its rule, its file, the text of its line
/// (trimmed) and which of the identical lines of that file it is on.
pub fn finding(rule: &str, path: &str, line_text: &str, occurrence: usize) -> String {
    format!("{:016x}:{occurrence}", fnv1a(&[rule, path, line_text.trim()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_values() {
        // Fixed values: a change here changes every recorded fingerprint.
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            finding("missing-token-cap", "lib/ai.ts", "  const r = await openai.chat.completions.create({", 1),
            finding("missing-token-cap", "lib/ai.ts", "const r = await openai.chat.completions.create({", 1)
        );
        assert_ne!(finding("a", "b", "c", 1), finding("a", "b", "c", 2));
        assert_ne!(finding("ab", "c", "", 1), finding("a", "bc", "", 1));
    }
}
