//! Linking: every mention of a knowledge-base entity in running text, with its offsets.
//!
//! The text is tokenized with the same normalization as names, so mentions match aliases whatever
//! their case, accents, punctuation or possessive ("Trump’s"). Spans of up to [`MAX_SPAN`]
//! tokens are looked up whole in the index, leftmost-longest and without overlaps; a hyphen or
//! dash separates tokens, so "US–Kazakh" is two mentions. Then:
//! - a title or role right before a person attaches to the mention ("President Tokayev");
//! - a surname alone after a full mention of a person in the same text links to that person;
//! - a short alias (three letters or fewer, like "US" or "UAE") matches only when written in
//!   capitals, so the pronoun "us" is not the United States;
//! - a span that several entities share is skipped unless one of them has at least twice the
//!   weight of every other.

use rustc_hash::FxHashMap;

use crate::index::AliasSource;
use crate::normalize::titles::titles_before;
use crate::normalize::{match_text, Token};
use crate::resolve::Resolver;

/// The longest span of tokens looked up as one name.
pub const MAX_SPAN: usize = 8;

/// Aliases this short match only text written in capitals.
const SHORT_ALIAS: usize = 3;

/// Score of a mention that matches an alias whole.
const WHOLE: f64 = 1.0;
/// Score of a surname linked through an earlier full mention.
const SURNAME: f64 = 0.95;

/// How many times the weight of every other entity sharing a span one needs to be linked.
const WEIGHT_TIE_BREAK: f64 = 2.0;

/// One mention of an entity in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct Mention {
    /// Byte offset where the mention starts in the text.
    pub start: usize,
    /// Byte offset just past the mention's end.
    pub end: usize,
    /// The mention as written: `&text[start..end]`.
    pub text: String,
    /// The entity's canonical id.
    pub id: String,
    /// The entity's display name.
    pub name: String,
    /// How sure the link is, in [0, 1].
    pub score: f64,
    /// The entity's kind.
    pub kind: Option<String>,
}

impl Resolver {
    /// Every mention of an entity in `text`, in order, leftmost-longest and without overlaps.
    /// `kind`, when given, keeps only entities of that kind.
    ///
    /// ```
    /// use canonica::{Entity, KnowledgeBase, Resolver};
    /// let mut kb = KnowledgeBase::new();
    /// kb.add(Entity::new("tokayev", "Kassym-Jomart Tokayev").with_kind("person"))?;
    /// kb.add(Entity::new("KZ", "Kazakhstan").with_aliases(["Kazakh"]).with_kind("country"))?;
    /// kb.add(Entity::new("US", "United States").with_aliases(["US"]).with_kind("country"))?;
    /// let r = Resolver::new(kb)?;
    /// let text = "President Kassym-Jomart Tokayev hailed US–Kazakh ties. Tokayev’s visit ...";
    /// let found = r.link(text, None);
    /// assert_eq!(
    ///     found.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
    ///     ["President Kassym-Jomart Tokayev", "US", "Kazakh", "Tokayev"]
    /// );
    /// assert!(found.iter().all(|m| &text[m.start..m.end] == m.text));
    /// # Ok::<(), canonica::Error>(())
    /// ```
    pub fn link(&self, text: &str, kind: Option<&str>) -> Vec<Mention> {
        let mut tokens = self.normalizer().tokens(text);
        for t in tokens.iter_mut().filter(|t| t.lossy) {
            t.text = match_text(t);
        }
        let mut mentions: Vec<Mention> = Vec::new();
        // Surname -> entity position, for persons already mentioned in full.
        let mut surnames: FxHashMap<String, u32> = FxHashMap::default();
        let mut i = 0;
        while i < tokens.len() {
            let longest = self.longest_at(&tokens, i, kind);
            let (len, entity, score) = match longest {
                Some((len, e)) => (len, e, WHOLE),
                None => match surnames.get(&tokens[i].text) {
                    Some(&e) => (1, e, SURNAME),
                    None => {
                        i += 1;
                        continue;
                    }
                },
            };
            let entity_ref = &self.knowledge_base().entities()[entity as usize];
            let mut start = tokens[i].start;
            if entity_ref.is_person() {
                // A title or role before a person belongs to the mention.
                let previous_end = mentions.last().map_or(0, |m| m.end);
                if let Some(from) = titles_before(&tokens, i) {
                    if tokens[from].start >= previous_end {
                        start = tokens[from].start;
                    }
                }
                if score == WHOLE {
                    if let Some(last) = tokens[i..i + len].last() {
                        surnames.insert(last.text.clone(), entity);
                    }
                }
            }
            let end = tokens[i + len - 1].end;
            mentions.push(Mention {
                start,
                end,
                text: text[start..end].to_string(),
                id: entity_ref.id.clone(),
                name: entity_ref.name.clone(),
                score,
                kind: entity_ref.kind.clone(),
            });
            i += len;
        }
        mentions
    }

    /// The longest span starting at token `at` that names an entity whole, and the entity.
    /// The span grows while some multi-word name starts with it.
    fn longest_at(&self, tokens: &[Token], at: usize, kind: Option<&str>) -> Option<(usize, u32)> {
        let index = self.index();
        let mut key = String::new();
        let mut found = None;
        for len in 1..=MAX_SPAN.min(tokens.len() - at) {
            if len > 1 {
                key.push(' ');
            }
            key.push_str(&tokens[at + len - 1].text);
            if let Some(e) = self.entity_for_span(&tokens[at..at + len], &key, kind) {
                found = Some((len, e));
            }
            if !index.is_prefix(&key) {
                break;
            }
        }
        found
    }

    /// The entity a span of tokens names whole, if exactly one does (or one outweighs the rest).
    fn entity_for_span(&self, span: &[Token], key: &str, kind: Option<&str>) -> Option<u32> {
        let capitals = span.iter().all(|t| t.capitals);
        let letters = key.chars().filter(|c| c.is_ascii_alphanumeric()).count();
        if letters <= SHORT_ALIAS && !capitals {
            return None;
        }
        let index = self.index();
        let entities = self.knowledge_base().entities();
        let mut found: Vec<u32> = index
            .exact_iter(key)
            .filter_map(|a| {
                let alias = index.alias(a);
                let acronym = alias.source == AliasSource::Acronym;
                let entity = &entities[alias.entity as usize];
                let kind_ok = kind.is_none_or(|k| entity.kind.as_deref() == Some(k));
                (kind_ok && (!acronym || capitals)).then_some(alias.entity)
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        match found.as_slice() {
            [] => None,
            [one] => Some(*one),
            many => {
                let weight = |e: u32| entities[e as usize].weight;
                let heaviest = *many
                    .iter()
                    .max_by(|a, b| weight(**a).total_cmp(&weight(**b)))?;
                many.iter()
                    .all(|&e| e == heaviest || weight(heaviest) >= WEIGHT_TIE_BREAK * weight(e))
                    .then_some(heaviest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::kb::{Entity, KnowledgeBase};
    use crate::resolve::Resolver;

    fn resolver() -> Resolver {
        let mut kb = KnowledgeBase::new();
        kb.add(Entity::new("trump", "Donald Trump").with_kind("person"))
            .unwrap();
        kb.add(Entity::new("US", "United States").with_aliases(["US", "USA"]))
            .unwrap();
        kb.add(Entity::new("TR", "Türkiye").with_aliases(["Istanbul Province"]))
            .unwrap();
        Resolver::new(kb).unwrap()
    }

    #[test]
    fn offsets_slice_the_original_text() {
        let r = resolver();
        let text = "İSTANBUL PROVINCE and President Donald Trump’s team; Trump’s US visit";
        let found = r.link(text, None);
        for m in &found {
            assert_eq!(&text[m.start..m.end], m.text);
        }
        let texts: Vec<&str> = found.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            ["İSTANBUL PROVINCE", "President Donald Trump", "Trump", "US"]
        );
        assert_eq!(found[2].score, 0.95);
    }

    #[test]
    fn short_aliases_need_capitals() {
        let r = resolver();
        assert!(r.link("tell us more", None).is_empty());
        assert_eq!(r.link("tell US more", None).len(), 1);
    }

    #[test]
    fn kind_filter_and_surname_needs_a_full_mention() {
        let r = resolver();
        assert!(r.link("Trump spoke", None).is_empty());
        assert!(r.link("Donald Trump spoke", Some("country")).is_empty());
    }
}
