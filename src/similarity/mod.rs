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

mod batch;
mod quick;
mod recent;

use std::sync::OnceLock;

pub use batch::{similarity_matrix, similarity_pairs};
use quick::{may_meet, read_alike, Words};

use crate::index::Index;
use crate::kb::{Entity, EntitySlots, KnowledgeBase};
use crate::normalize::{Normalizer, Token};
use crate::query::Query;
use crate::resolve::{State, DEFAULT_MARGIN, DEFAULT_THRESHOLD, REBUILD_SHARE};

/// A name made ready to be compared: its tokens, made once, and the words the quick check reads.
/// What a full comparison needs besides (the name as a query, and a resolver of the name) is
/// made when first needed, once.
pub(crate) struct Name {
    text: Box<str>,
    tokens: Vec<Token>,
    words: Words,
    query: OnceLock<Option<Query>>,
    state: OnceLock<Option<State>>,
}

impl Name {
    pub(crate) fn new(text: &str, normalizer: &Normalizer) -> Name {
        let tokens = normalizer.tokens(text);
        Name {
            text: text.into(),
            words: Words::of(&tokens),
            tokens,
            query: OnceLock::new(),
            state: OnceLock::new(),
        }
    }

    /// The name analyzed as a query; `None` when it has no letters or digits.
    fn query(&self) -> Option<&Query> {
        self.query
            .get_or_init(|| Query::from_tokens(&self.text, self.tokens.clone()))
            .as_ref()
    }

    /// A resolver of two entities of this name, one read as a person's name (a surname alone may
    /// match) and one as another kind of name (legal forms fold), made without the locks and
    /// checks a shared one needs.
    fn state(&self, normalizer: &Normalizer) -> Option<&State> {
        self.state
            .get_or_init(|| {
                let person = Entity::new("person", &*self.text).with_kind("person");
                let other = Entity::new("other", &*self.text);
                let kb = KnowledgeBase::from_saved(vec![person, other]).ok()?;
                let tokenize = |text: &str| {
                    if text == &*self.text {
                        self.tokens.clone()
                    } else {
                        normalizer.tokens(text)
                    }
                };
                Some(State {
                    index: Index::build_with(&kb, normalizer, &tokenize).ok()?,
                    kb: EntitySlots::from(kb),
                    normalizer: normalizer.clone(),
                    threshold: DEFAULT_THRESHOLD,
                    margin: DEFAULT_MARGIN,
                    rebuild_share: REBUILD_SHARE,
                })
            })
            .as_ref()
    }

    /// The best score of this name, as a query, against `other` read either as a person's name
    /// or as another kind of name. A name with no letters or digits is like nothing.
    fn directed_to(&self, other: &Name, normalizer: &Normalizer) -> f64 {
        let (Some(query), Some(state)) = (self.query(), other.state(normalizer)) else {
            return 0.0;
        };
        state.best_score(query.clone()).unwrap_or(0.0)
    }

    /// [`similarity`] of two prepared names.
    fn similarity(&self, other: &Name, normalizer: &Normalizer) -> f64 {
        if !may_meet(&self.words, &other.words) {
            return 0.0;
        }
        if read_alike(&self.words, &other.words) {
            return 1.0;
        }
        let there = self.directed_to(other, normalizer);
        // No score is above 1: the way back cannot beat it.
        if there >= 1.0 {
            return there;
        }
        there.max(other.directed_to(self, normalizer))
    }
}

/// How alike two names are, in [0, 1]: 1 for two spellings of one name, 0 for unrelated names.
/// Symmetric: `similarity(a, b) == similarity(b, a)`. A name contained in the other (a surname, a
/// name without its legal form) scores as high as resolution would score it.
///
/// A name compared again on the same thread soon after (one name against a column, a column
/// against a few names) is not prepared again: the thread keeps the last 64 to 128 names it
/// prepared.
pub fn similarity(a: &str, b: &str) -> f64 {
    let normalizer = Normalizer::new();
    let (a, b) = recent::prepared(a, b, &normalizer);
    a.similarity(&b, &normalizer)
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
