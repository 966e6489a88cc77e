//! Pairwise name similarity: how alike two names are, in [0, 1], under the same normalization and
//! rules as resolution (titles, initials, legal forms, transliteration, romanization drift,
//! nicknames, typos).
//!
//! ```
//! use canonica::similarity;
//! assert!(similarity("Siemens AG", "Siemens Aktiengesellschaft") > 0.95);
//! assert!(similarity("Bibi Netanyahu", "Benjamin Netanyahu") > 0.9);
//! assert!(similarity("Tokayev, Kassym-Jomart", "Kassym-Jomart Tokayev") > 0.9);
//! assert!(similarity("Токаев", "Tokayev") > 0.9);
//! assert!(similarity("John Smith", "Jane Smith") < 0.5);
//! assert_eq!(similarity("Washington Post", "Kazakhstan"), 0.0);
//! ```

use crate::kb::{Entity, KnowledgeBase};
use crate::resolve::Resolver;

/// The best score of `query` against `name`, read either as a person's name (a surname alone may
/// match) or as another kind of name (legal forms fold).
fn directed(query: &str, name: &str) -> f64 {
    let mut kb = KnowledgeBase::new();
    let person = Entity::new("person", name).with_kind("person");
    let other = Entity::new("other", name);
    if kb.add(person).and_then(|_| kb.add(other)).is_err() {
        // A name with no letters or digits is like nothing.
        return 0.0;
    }
    let Ok(resolver) = Resolver::new(kb) else {
        return 0.0;
    };
    resolver
        .candidates(query, 2)
        .first()
        .map_or(0.0, |m| m.score)
}

/// How alike two names are, in [0, 1]: 1 for two spellings of one name, 0 for unrelated names.
/// Symmetric: `similarity(a, b) == similarity(b, a)`. A name contained in the other (a surname, a
/// name without its legal form) scores as high as resolution would score it.
pub fn similarity(a: &str, b: &str) -> f64 {
    directed(a, b).max(directed(b, a))
}

#[cfg(test)]
mod tests {
    use super::similarity;

    #[test]
    fn symmetric_and_bounded() {
        let pairs = [
            ("Tokayev", "Kassym-Jomart Tokayev"),
            ("J.-C. Juncker", "Jean-Claude Juncker"),
            ("Kazakhmys LLP", "ТОО Казахмыс"),
            ("", "Tokayev"),
            ("President", "Tokayev"),
        ];
        for (a, b) in pairs {
            let s = similarity(a, b);
            assert_eq!(s, similarity(b, a), "{a} / {b}");
            assert!((0.0..=1.0).contains(&s), "{a} / {b}: {s}");
        }
    }

    #[test]
    fn orders_variants_above_strangers() {
        let same = similarity("President Tokayev", "Kassym-Jomart Tokayev");
        let typo = similarity("Tokaev", "Tokayev");
        let other = similarity("Tokarev", "Tokayev");
        let stranger = similarity("Nazarbayev", "Tokayev");
        assert!(same > 0.85 && typo > 0.85, "{same} {typo}");
        assert!(other < typo, "{other} {typo}");
        assert!(stranger < 0.3, "{stranger}");
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(similarity("UAE", "U.A.E."), 1.0);
    }
}
