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
//!
//! [`LinkOptions`] asks for every overlapping mention, or for misspelled ones too.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::index::{AliasSource, Index};
use crate::interrupt;
use crate::kb::Entity;
use crate::normalize::function_words::is_function_word;
use crate::normalize::titles::titles_before;
use crate::normalize::{match_text, Spare, Token};
use crate::resolve::{Resolver, State};
pub use crate::rules::MAX_SPAN;
use crate::rules::{clearly_heaviest, is_small_word};
use crate::threads;

/// Aliases this short match only text written in capitals.
const SHORT_ALIAS: usize = 3;

/// Score of a mention that matches an alias whole.
const WHOLE: f64 = 1.0;
/// Score of a surname linked through an earlier full mention.
const SURNAME: f64 = 0.95;

/// The longest span tried as a misspelled name.
const MAX_FUZZY_SPAN: usize = 4;
/// The shortest first word of a misspelled name.
const MIN_FUZZY_LEN: usize = 4;

/// How [`Resolver::link_with`] links.
#[derive(Clone, Debug, Default)]
pub struct LinkOptions {
    /// Only entities of this kind.
    pub kind: Option<String>,
    /// Every mention, nested and overlapping ones included ("United Arab Emirates" and
    /// "Emirates"), instead of the leftmost-longest ones.
    pub overlapping: bool,
    /// Also mentions that are misspelled ("Kazakstan"): a capitalized span no alias matches is
    /// resolved as a name, and linked when it resolves. Slower.
    pub fuzzy: bool,
}

impl LinkOptions {
    /// The defaults: every kind, leftmost-longest mentions, no misspelled ones.
    pub fn new() -> LinkOptions {
        LinkOptions::default()
    }

    /// Links only entities of this kind.
    pub fn kind(mut self, kind: impl Into<String>) -> LinkOptions {
        self.kind = Some(kind.into());
        self
    }

    /// Links nested and overlapping mentions too (see [`LinkOptions::overlapping`]).
    pub fn overlapping(mut self, overlapping: bool) -> LinkOptions {
        self.overlapping = overlapping;
        self
    }

    /// Links misspelled mentions too (see [`LinkOptions::fuzzy`]).
    pub fn fuzzy(mut self, fuzzy: bool) -> LinkOptions {
        self.fuzzy = fuzzy;
        self
    }
}

/// A run of tokens that names an entity, before it becomes a mention.
#[derive(Clone, Copy, Debug)]
struct SpanMatch {
    /// How many tokens the span holds.
    len: usize,
    /// The position of the entity in the knowledge base.
    entity: u32,
    score: f64,
}

/// One mention as [`Resolver::link_spans`] gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkedSpan {
    /// Byte offset where the mention starts in the text.
    pub start: usize,
    /// Byte offset just past the mention's end.
    pub end: usize,
    /// The slot of the entity in the resolver (see [`Resolver::entity_at`]): its position in the
    /// knowledge base until entities are removed.
    pub entity: usize,
    /// How sure the link is, in [0, 1].
    pub score: f64,
}

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
    /// Every mention of an entity in `text`, in order, leftmost-longest and without overlaps;
    /// [`Resolver::link_with`] takes options (a kind, overlapping and misspelled mentions).
    ///
    /// ```
    /// use canonica::{Entity, KnowledgeBase, Resolver};
    /// let mut kb = KnowledgeBase::new();
    /// kb.add(Entity::new("tokayev", "Kassym-Jomart Tokayev").with_kind("person"))?;
    /// kb.add(Entity::new("KZ", "Kazakhstan").with_aliases(["Kazakh"]).with_kind("country"))?;
    /// kb.add(Entity::new("US", "United States").with_aliases(["US"]).with_kind("country"))?;
    /// let r = Resolver::new(kb)?;
    /// let text = "President Kassym-Jomart Tokayev hailed US–Kazakh ties. Tokayev’s visit ...";
    /// let found = r.link(text);
    /// assert_eq!(
    ///     found.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
    ///     ["President Kassym-Jomart Tokayev", "US", "Kazakh", "Tokayev"]
    /// );
    /// assert!(found.iter().all(|m| &text[m.start..m.end] == m.text));
    /// # Ok::<(), canonica::Error>(())
    /// ```
    pub fn link(&self, text: &str) -> Vec<Mention> {
        self.link_with(text, &LinkOptions::default())
    }

    /// [`Resolver::link`] with options: every overlapping mention instead of the
    /// leftmost-longest ones, and misspelled mentions.
    ///
    /// ```
    /// use canonica::{Entity, KnowledgeBase, LinkOptions, Resolver};
    /// let mut kb = KnowledgeBase::new();
    /// kb.add(Entity::new("AE", "United Arab Emirates"))?;
    /// kb.add(Entity::new("emirates_airline", "Emirates"))?;
    /// kb.add(Entity::new("KZ", "Kazakhstan"))?;
    /// let r = Resolver::new(kb)?;
    /// let texts = |options: &LinkOptions| -> Vec<String> {
    ///     r.link_with("the United Arab Emirates", options).into_iter().map(|m| m.text).collect()
    /// };
    /// assert_eq!(texts(&LinkOptions::default()), ["United Arab Emirates"]);
    /// let all = LinkOptions { overlapping: true, ..LinkOptions::default() };
    /// assert_eq!(texts(&all), ["United Arab Emirates", "Emirates"]);
    /// let fuzzy = LinkOptions { fuzzy: true, ..LinkOptions::default() };
    /// assert_eq!(r.link_with("Kazakstan signed", &fuzzy)[0].id, "KZ");
    /// assert!(r.link("Kazakstan signed").is_empty());
    /// # Ok::<(), canonica::Error>(())
    /// ```
    pub fn link_with(&self, text: &str, options: &LinkOptions) -> Vec<Mention> {
        self.read().mentions(text, options)
    }

    /// [`Resolver::link_with`] over many texts in parallel (on [`crate::threads`]' pool): one
    /// list of mentions per text, in order. The whole batch sees one state of the resolver.
    ///
    /// ```
    /// use canonica::{Entity, KnowledgeBase, LinkOptions, Resolver};
    /// let mut kb = KnowledgeBase::new();
    /// kb.add(Entity::new("KZ", "Kazakhstan"))?;
    /// let r = Resolver::new(kb)?;
    /// let found = r.link_many(&["Kazakhstan votes", "nothing here"], &LinkOptions::default());
    /// assert_eq!((found[0][0].id.as_str(), found[1].len()), ("KZ", 0));
    /// # Ok::<(), canonica::Error>(())
    /// ```
    pub fn link_many<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        options: &LinkOptions,
    ) -> Vec<Vec<Mention>> {
        let state = self.read();
        let state = &*state;
        threads::install(|| {
            texts
                .par_iter()
                .map(|text| state.mentions(text.as_ref(), options))
                .collect()
        })
    }

    /// [`Resolver::link_with`] without copying names: each mention as its byte span, the slot of
    /// its entity (see [`Resolver::entity_at`]), and its score. For callers that link a lot of
    /// text and look entities up themselves.
    pub fn link_spans(&self, text: &str, options: &LinkOptions) -> Vec<LinkedSpan> {
        self.read().link_spans(text, options)
    }
}

impl State {
    /// See [`Resolver::link_with`].
    fn mentions(&self, text: &str, options: &LinkOptions) -> Vec<Mention> {
        let state = self;
        state
            .link_spans(text, options)
            .into_iter()
            .filter_map(|span| {
                let entity = state.kb.at(span.entity as u32)?;
                Some(Mention {
                    start: span.start,
                    end: span.end,
                    text: text[span.start..span.end].to_string(),
                    id: entity.id.clone(),
                    name: entity.name.clone(),
                    score: span.score,
                    kind: entity.kind.clone(),
                })
            })
            .collect()
    }
}

/// How many tokens after the one linking looks at are read first: the longest span, and the
/// longest title a span's words may belong to.
const AHEAD: usize = MAX_SPAN + 4;
/// How many tokens before the one linking looks at are kept: a run of titles attached to a
/// person goes back at most this far.
const BEHIND: usize = 1024;
/// The most misspelled spans remembered during one call.
const MISSPELLED_CACHE: usize = 4096;

/// One call of [`State::link_spans`] as it reads the text: a window of its tokens, the
/// mentions found so far, and the persons already mentioned in full.
struct Linker<'s, 't> {
    state: &'s State,
    text: &'t str,
    options: &'s LinkOptions,
    /// The tokens read and not yet forgotten; `at` is the next one to link from.
    tokens: Vec<Token>,
    at: usize,
    mentions: Vec<LinkedSpan>,
    /// Surname -> entity position, for persons already mentioned in full.
    surnames: FxHashMap<String, u32>,
    /// One buffer for the span keys of the whole text.
    key: String,
    /// What spans already resolved to as misspelled names: a text repeats its names.
    misspelled: FxHashMap<&'t str, Option<(u32, f64)>>,
}

impl State {
    /// See [`Resolver::link_spans`]. The text's tokens are read as linking goes, and forgotten
    /// behind it, so that the memory it takes is that of the mentions found.
    pub(crate) fn link_spans(&self, text: &str, options: &LinkOptions) -> Vec<LinkedSpan> {
        let mut linker = Linker {
            state: self,
            text,
            options,
            tokens: Vec::new(),
            at: 0,
            mentions: Vec::new(),
            surnames: FxHashMap::default(),
            key: String::new(),
            misspelled: FxHashMap::default(),
        };
        // The tokens forgotten behind the window lend their texts to the ones read next, and
        // the last ones to the next call on this thread.
        let spare = Spare::of_this_thread();
        self.normalizer
            .each_token_reusing(text, &spare, |mut token| {
                // Once interrupted, the tokens still handed over are skipped.
                if interrupt::stopped() {
                    return;
                }
                if token.lossy {
                    token.text = match_text(&token);
                }
                linker.tokens.push(token);
                while linker.tokens.len() >= linker.at + AHEAD {
                    linker.step();
                }
                if linker.at > 2 * BEHIND {
                    for old in linker.tokens.drain(..linker.at - BEHIND) {
                        spare.give_back(old);
                    }
                    linker.at = BEHIND;
                }
            });
        while linker.at < linker.tokens.len() && !interrupt::stopped() {
            linker.step();
        }
        for old in linker.tokens.drain(..) {
            spare.give_back(old);
        }
        spare.keep();
        linker.mentions
    }
}

impl Linker<'_, '_> {
    /// Links from the token at `at` on, and moves past what it linked.
    fn step(&mut self) {
        let (state, text, tokens, i) = (self.state, self.text, &self.tokens, self.at);
        let kind = self.options.kind.as_deref();
        let mut spans = state.spans_at(text, tokens, i, kind, &mut self.key);
        if !self.options.overlapping {
            spans.truncate(1);
        }
        // Where the spans start: a surname may take the given name or initial before it.
        let mut from = i;
        if spans.is_empty() {
            if let Some(&entity) = self.surnames.get(&tokens[i].text) {
                if let Some(back) = state.surname_start(text, tokens, i, entity, &self.mentions) {
                    from = back;
                    spans.push(SpanMatch {
                        len: i + 1 - back,
                        entity,
                        score: SURNAME,
                    });
                }
            } else if self.options.fuzzy {
                let cache = &mut self.misspelled;
                if cache.len() >= MISSPELLED_CACHE {
                    cache.clear();
                }
                spans.extend(state.misspelled_at(text, tokens, i, kind, cache));
            }
        }
        let advance = spans.first().map_or(1, |s| s.len + from - i);
        for span in spans {
            let mention = state.mention(tokens, from, span, &self.mentions);
            let person = state.kb.at(span.entity).is_some_and(Entity::is_person);
            if person && span.score == WHOLE {
                self.surnames
                    .insert(tokens[from + span.len - 1].text.clone(), span.entity);
            }
            self.mentions.push(mention);
        }
        self.at += if self.options.overlapping { 1 } else { advance };
    }
}

impl State {
    /// The mention `span` makes from token `i` on, with a title or role right before a person
    /// attached, unless it overlaps the previous mention.
    fn mention(
        &self,
        tokens: &[Token],
        i: usize,
        span: SpanMatch,
        before: &[LinkedSpan],
    ) -> LinkedSpan {
        let mut start = tokens[i].start;
        if self.kb.at(span.entity).is_some_and(Entity::is_person) {
            let previous_end = before.last().map_or(0, |m| m.end);
            if let Some(from) = titles_before(tokens, i) {
                if tokens[from].start >= previous_end {
                    start = tokens[from].start;
                }
            }
        }
        LinkedSpan {
            start,
            end: tokens[i + span.len - 1].end,
            entity: span.entity as usize,
            score: span.score,
        }
    }

    /// Where a mention of `entity` by its surname at token `i` starts, when the surname refers
    /// back to the person mentioned in full: at `i`, or at the person's own given name or
    /// initial right before it. `None` when another given name stands in front of the surname
    /// ("Brigitte Macron" after "Emmanuel Macron"): a word written with a capital right before
    /// it that is not a title, a function word or part of the previous mention.
    fn surname_start(
        &self,
        text: &str,
        tokens: &[Token],
        i: usize,
        entity: u32,
        before: &[LinkedSpan],
    ) -> Option<usize> {
        let Some(prev) = i.checked_sub(1).map(|p| &tokens[p]) else {
            return Some(i);
        };
        let adjacent = gap(text, prev, &tokens[i])
            .chars()
            .all(|c| c.is_whitespace() || c == '.');
        let in_previous_mention = before.last().is_some_and(|m| m.end >= prev.end);
        if !adjacent
            || in_previous_mention
            || !written_as_name(text, prev)
            || titles_before(tokens, i).is_some()
            || is_function_word(&prev.text)
        {
            return Some(i);
        }
        // The person's other words: a given name or its initial may stand before the surname.
        let person = self.kb.at(entity)?;
        let surname = &tokens[i].text;
        let normalizer = &self.normalizer;
        let given = person
            .names()
            .flat_map(|n| normalizer.tokens(n))
            .filter(|t| &t.text != surname)
            .any(|t| {
                if prev.is_initials() && prev.initials.len() == 1 {
                    t.text.starts_with(prev.text.as_str())
                } else {
                    t.text == prev.text
                }
            });
        given.then_some(i - 1)
    }

    /// A misspelled name starting at token `i`: a span of up to [`MAX_FUZZY_SPAN`] tokens,
    /// written as a name is (see [`name_like`]), that resolves (see [`Resolver::resolve`]) to
    /// one entity.
    fn misspelled_at<'t>(
        &self,
        text: &'t str,
        tokens: &[Token],
        i: usize,
        kind: Option<&str>,
        cache: &mut FxHashMap<&'t str, Option<(u32, f64)>>,
    ) -> Option<SpanMatch> {
        let first = text[tokens[i].start..].chars().next()?;
        if !first.is_uppercase() || tokens[i].text.len() < MIN_FUZZY_LEN {
            return None;
        }
        (1..=MAX_FUZZY_SPAN.min(tokens.len() - i))
            .rev()
            .filter(|&len| name_like(text, &tokens[i..i + len]))
            .find_map(|len| {
                let span = &text[tokens[i].start..tokens[i + len - 1].end];
                let (entity, score) = (*cache.entry(span).or_insert_with(|| {
                    let found = self.resolve(span, kind)?;
                    Some((self.kb.slot_of(&found.id)?, found.score))
                }))?;
                Some(SpanMatch { len, entity, score })
            })
    }

    /// The spans starting at token `at` that name an entity whole, longest first, with the
    /// entity and score. A span grows while some multi-word name starts with it.
    fn spans_at(
        &self,
        text: &str,
        tokens: &[Token],
        at: usize,
        kind: Option<&str>,
        key: &mut String,
    ) -> Vec<SpanMatch> {
        let index = &self.index;
        key.clear();
        let mut found = Vec::new();
        for len in 1..=MAX_SPAN.min(tokens.len() - at) {
            if len > 1 {
                key.push(' ');
            }
            key.push_str(&tokens[at + len - 1].text);
            // A span that is neither a name nor the start of one ends the search.
            let Some(candidates) = index.span_candidates(Index::key_hash(key)) else {
                break;
            };
            let span = &tokens[at..at + len];
            if candidates.whole && may_name(span, key) {
                let mut named = self.entities_named(span, candidates.aliases(), kind);
                // A name written without the legal form the knowledge base gives it ("Deutsche
                // Bank" for "Deutsche Bank AG"), when no name matches whole and every word is
                // written as a name is: "apple" is a word, "Apple" may be the company.
                if named.is_empty() && span.iter().all(|t| written_as_name(text, t)) {
                    named = self.entities_named(span, candidates.without_legal_form(), kind);
                }
                if let Some(entity) = self.one_entity(&named) {
                    found.push(SpanMatch {
                        len,
                        entity,
                        score: WHOLE,
                    });
                }
            }
            if !candidates.longer {
                break;
            }
        }
        found.reverse();
        found
    }

    /// The entities `aliases` belong to, of the right kind, when the span (which
    /// [`may_name`] them) is written as they need: a generated acronym only in capitals.
    fn entities_named(
        &self,
        span: &[Token],
        aliases: impl Iterator<Item = u32>,
        kind: Option<&str>,
    ) -> Vec<u32> {
        // A generated acronym needs capitals of a script that has them.
        let acronym_ok = span.iter().all(Token::is_in_capitals);
        let index = &self.index;
        let mut found: Vec<u32> = aliases
            .filter_map(|a| {
                let alias = index.alias(a);
                let acronym = alias.source == AliasSource::Acronym;
                let entity = self.kb.at(alias.entity)?;
                let kind_ok = kind.is_none_or(|k| entity.kind.as_deref() == Some(k));
                (kind_ok && (!acronym || acronym_ok)).then_some(alias.entity)
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The one entity of `found`, or the one that outweighs the rest.
    fn one_entity(&self, found: &[u32]) -> Option<u32> {
        match found {
            [] => None,
            [one] => Some(*one),
            many => {
                let weights: Vec<f64> = many
                    .iter()
                    .map(|&e| self.kb.at(e).map_or(0.0, |e| e.weight))
                    .collect();
                clearly_heaviest(&weights).map(|i| many[i])
            }
        }
    }
}

/// True when a span with this key may name an entity at all: a short alias (three letters or
/// fewer) only when written in capitals, so the pronoun "us" is not the United States. Checked
/// before any alias is looked up: most short words of a text are not names.
fn may_name(span: &[Token], key: &str) -> bool {
    let letters = key.bytes().filter(u8::is_ascii_alphanumeric).count();
    letters > SHORT_ALIAS || span.iter().all(|t| t.capitals)
}

/// The text between two tokens; empty when they come from one character of the text (an emoji
/// read as two words).
fn gap<'t>(text: &'t str, before: &Token, after: &Token) -> &'t str {
    text.get(before.end..after.start).unwrap_or("")
}

/// True when `token` is written as a name is: starting with a capital, or in a script without
/// capitals.
fn written_as_name(text: &str, token: &Token) -> bool {
    text[token.start..token.end]
        .chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(|c| !c.is_lowercase())
}

/// True when a span of tokens may be one misspelled name: it ends on a word written as a name,
/// the words inside it are too unless they are small words ("Bank of Amerika"), and no
/// punctuation but a hyphen, an apostrophe or the full stop of an initial parts two words.
fn name_like(text: &str, span: &[Token]) -> bool {
    let Some((last, inner)) = span.split_last() else {
        return false;
    };
    let words_ok = written_as_name(text, last)
        && inner
            .iter()
            .all(|t| written_as_name(text, t) || is_small_word(&t.text));
    let gaps_ok = span.windows(2).all(|pair| {
        gap(text, &pair[0], &pair[1]).chars().all(|c| {
            c.is_whitespace()
                || matches!(c, '-' | '\u{2010}'..='\u{2014}' | '\'' | '\u{2019}')
                || (c == '.' && pair[0].is_initials())
        })
    });
    words_ok && gaps_ok
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
        let found = r.link(text);
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
        assert!(r.link("tell us more").is_empty());
        assert_eq!(r.link("tell US more").len(), 1);
    }

    #[test]
    fn kind_filter_and_surname_needs_a_full_mention() {
        let r = resolver();
        assert!(r.link("Trump spoke").is_empty());
        let countries = super::LinkOptions::default().kind("country");
        assert!(r.link_with("Donald Trump spoke", &countries).is_empty());
    }
}
