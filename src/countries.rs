//! The built-in knowledge base of countries: every ISO 3166-1 country, id = alpha-2, with its
//! alpha-3 and numeric codes as data; aliases for official and common names, former names,
//! demonyms and adjectives, usual acronyms, and names in the major languages and scripts.
//!
//! The data is `data/countries.jsonl`, embedded at build time; `data/README.md` says where it
//! comes from and how to regenerate it. Names that mean several countries ("Congo", "Korea",
//! "Guinea") are aliases of each of them, so that a resolver sees the tie and does not guess.
//!
//! ```
//! let resolver = canonica::Resolver::new(canonica::countries())?;
//! for name in ["U.A.E.", "Kazakh", "Republic of Kazakhstan", "Қазақстан"] {
//!     assert!(resolver.resolve(name).is_some(), "{name}");
//! }
//! assert_eq!(resolver.resolve("Emirati").unwrap().id, "AE");
//! assert!(resolver.resolve("Congo").is_none());
//! # Ok::<(), canonica::Error>(())
//! ```

use std::sync::OnceLock;

use crate::kb::KnowledgeBase;

const COUNTRIES_JSONL: &str = include_str!("../data/countries.jsonl");

/// The built-in countries knowledge base (parsed once, then cloned).
pub fn countries() -> KnowledgeBase {
    parsed().clone()
}

/// The built-in countries, parsed on first use.
pub(crate) fn parsed() -> &'static KnowledgeBase {
    static PARSED: OnceLock<KnowledgeBase> = OnceLock::new();
    PARSED.get_or_init(|| {
        KnowledgeBase::read_jsonl(COUNTRIES_JSONL.as_bytes())
            .expect("the embedded countries data is validated by the test suite")
    })
}

#[cfg(test)]
mod tests {
    use super::countries;

    #[test]
    fn every_iso_country_with_codes() {
        let kb = countries();
        assert_eq!(kb.len(), 249);
        for e in kb.entities() {
            assert_eq!(e.id.len(), 2, "{}", e.id);
            assert!(
                e.data["alpha3"].as_str().is_some_and(|a| a.len() == 3),
                "{}",
                e.id
            );
            assert!(e.data["numeric"].as_str().is_some(), "{}", e.id);
            assert_eq!(e.kind.as_deref(), Some("country"));
        }
        assert_eq!(kb.get("KZ").unwrap().data["alpha3"], "KAZ");
    }
}
