//! Normalization: text to comparable keys, with token spans back to the original text.
//!
//! The same steps apply to knowledge-base aliases and to queries, so that two spellings meet when
//! their keys are equal:
//!
//! 1. Unicode compatibility folding (NFKC) and full case folding; diacritics removed; soft hyphens
//!    and zero-width characters dropped; curly quotes and dashes unified.
//! 2. Non-Latin scripts transliterated to Latin with [`any_ascii`], a maintained table that covers
//!    every script (Cyrillic with its Kazakh, Kyrgyz and Uzbek letters, Greek, Arabic, CJK, ...),
//!    has no dependencies and works one character at a time, which keeps offsets exact.
//! 3. Tokenization on white space, punctuation, hyphens and dashes. An apostrophe inside a word
//!    joins ("O'Brien" is `obrien`); a possessive "’s" is dropped ("Trump’s" is `trump`); dotted
//!    initials join ("U.A.E." is `uae`).
//!
//! The result holds only lowercase ASCII letters and digits in tokens separated by one space, so
//! normalizing twice changes nothing.
//!
//! ```
//! assert_eq!(canonica::normalize("  Kassym-Jomart  TOKAYEV’s "), "kassym jomart tokayev");
//! assert_eq!(canonica::normalize("U.A.E."), "uae");
//! assert_eq!(canonica::normalize("Токаев"), "tokaev");
//! ```

pub(crate) mod abbreviations;
pub(crate) mod drift;
mod fold;
pub(crate) use fold::{is_han, is_han_or_kana};
pub(crate) mod function_words;
pub(crate) mod legal;
pub(crate) mod nicknames;
pub(crate) mod titles;

use fold::{fold_char, Piece};
use unicode_normalization::char::is_combining_mark;

use crate::interrupt;

/// One token of normalized text and the span of original text it came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Token {
    /// The normalized token: lowercase ASCII letters and digits.
    pub text: String,
    /// Byte offset in the original text where the token starts.
    pub start: usize,
    /// Byte offset in the original text just past the token's end.
    pub end: usize,
    /// For an initial ("K.") or dotted initials joined into one token ("U.A.E.", "К.-Ж."), the
    /// transliterated letters it was made of; empty for other tokens.
    pub(crate) initials: Vec<String>,
    /// True when a hyphen or dash joined this token to the next one ("Kassym-Jomart").
    pub(crate) hyphen_after: bool,
    /// True when the token was read from a script whose transliteration is lossy (see
    /// [`fold::is_lossy_script`]); such tokens are matched only against their own kind.
    pub(crate) lossy: bool,
    /// True when the token was written without lowercase letters ("UAE", "KSA"), as acronyms
    /// are.
    pub(crate) capitals: bool,
    /// True when at least one letter of the token is a capital: together with `capitals`, the
    /// token is written in capitals of a script that has them ("UAE", "США", not "조").
    pub(crate) has_capital: bool,
}

impl Token {
    /// True when the token is an initial or dotted initials ("K.", "U.A.E.").
    pub fn is_initials(&self) -> bool {
        !self.initials.is_empty()
    }

    /// True when the token is written in capitals, as acronyms are: no lowercase letter and at
    /// least one capital ("UAE", "США"; not "Uae", nor "조", whose script has no capitals).
    pub fn is_in_capitals(&self) -> bool {
        self.capitals && self.has_capital
    }

    /// True when a hyphen or dash joins this token to the next ("Kassym-Jomart", "US–Kazakh").
    pub fn hyphen_after(&self) -> bool {
        self.hyphen_after
    }
}

/// Turns text into normalized tokens and keys.
///
/// A `Normalizer` holds no state today; it is a type so that options can be added without
/// changing call sites. It is cheap to create and `Send + Sync`.
#[derive(Clone, Debug, Default)]
pub struct Normalizer {
    _private: (),
}

/// A token while it is being built, with what followed it.
struct Pending {
    token: Token,
    /// How many characters of the original text it came from.
    source_chars: usize,
    /// The last apostrophe inside the token, for a possessive "’s" to be dropped.
    apostrophe: Option<Apostrophe>,
    period_after: bool,
}

/// An apostrophe inside a token being built.
#[derive(Clone, Copy)]
struct Apostrophe {
    /// Byte length of the token's text when the apostrophe came.
    text_len: usize,
    /// Where the apostrophe starts in the original text.
    start: usize,
    /// Whether the token had been written without lowercase letters up to the apostrophe: a
    /// dropped possessive leaves "VW’s" written in capitals.
    capitals: bool,
}

impl Normalizer {
    /// A normalizer with the default rules.
    pub fn new() -> Normalizer {
        Normalizer::default()
    }

    /// The normalized form of `text`: its tokens joined by single spaces. Its tokens are not
    /// all held at once: the memory it takes is the output's.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let spare = Spare::of_this_thread();
        self.each_token_reusing(text, &spare, |t| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&t.text);
            spare.give_back(t);
        });
        spare.keep();
        out
    }

    /// The normalized tokens of `text`, each with its byte span in `text`.
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.each_token(text, |t| out.push(t));
        out
    }

    /// Calls `f` with each token of `text`, in order, as [`Normalizer::tokens`] gives them, a
    /// few hundred at a time, so that a long text's tokens are never all held at once. In work
    /// that is interrupted (see [`crate::interrupt`]) the tokens may stop early.
    pub(crate) fn each_token(&self, text: &str, f: impl FnMut(Token)) {
        self.each_token_reusing(text, &Spare::default(), f);
    }

    /// [`Normalizer::each_token`], building each token's text in a buffer taken from `spare`
    /// when it has one: a caller that hands its tokens back once done with them
    /// ([`Spare::give_back`]) makes the tokenizer allocate nothing per token.
    pub(crate) fn each_token_reusing(&self, text: &str, spare: &Spare, mut f: impl FnMut(Token)) {
        let mut raw: Vec<Pending> = Vec::new();
        let mut current: Option<Pending> = None;
        // Hands the gathered tokens on; false once the work is interrupted.
        let mut flush = |raw: &mut Vec<Pending>| {
            if interrupt::stopped() {
                return false;
            }
            join_initials(raw, &mut f);
            true
        };
        let mut going = true;
        let bytes = text.as_bytes();
        let mut at = 0;
        while let Some(c) = text[at..].chars().next() {
            if !going {
                return;
            }
            // The rest of a word in ASCII letters and digits, most of most texts, goes into the
            // token in one go: each such byte is one letter, folded by lowering it.
            if let Some(p) = current.as_mut() {
                let run = bytes[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count();
                if run > 0 {
                    let letters = &bytes[at..at + run];
                    p.token
                        .text
                        .extend(letters.iter().map(|b| b.to_ascii_lowercase() as char));
                    p.token.capitals &= !letters.iter().any(u8::is_ascii_lowercase);
                    p.token.has_capital |= letters.iter().any(u8::is_ascii_uppercase);
                    p.source_chars += run;
                    at += run;
                    p.token.end = at;
                    continue;
                }
            }
            let start = at;
            let end = start + c.len_utf8();
            at = end;
            let lossy = !c.is_ascii() && fold::is_lossy_script(c);
            let lower = c.is_lowercase();
            let upper = c.is_uppercase();
            let mut wrote_letters = false;
            fold_char(c, &mut |piece| match piece {
                Piece::Word(b) => {
                    wrote_letters = true;
                    // A token starts: the ones before it are final, and may go out unless the
                    // last is a dotted letter, which the new token could join ("U.S.").
                    if current.is_none()
                        && raw.len() >= FLUSH_TOKENS
                        && !raw.last().is_some_and(is_dotted_letter)
                    {
                        going = flush(&mut raw);
                    }
                    let pending = current.get_or_insert_with(|| Pending {
                        token: Token {
                            text: spare.take(),
                            start,
                            end,
                            initials: Vec::new(),
                            hyphen_after: false,
                            lossy: false,
                            capitals: true,
                            has_capital: false,
                        },
                        source_chars: 0,
                        apostrophe: None,
                        period_after: false,
                    });
                    pending.token.text.push(b as char);
                    pending.token.lossy |= lossy;
                    pending.token.capitals &= !lower;
                    pending.token.has_capital |= upper;
                    if pending.token.end != end || pending.source_chars == 0 {
                        pending.source_chars += 1;
                    }
                    pending.token.end = end;
                }
                Piece::Apostrophe => {
                    if let Some(p) = current.as_mut() {
                        p.apostrophe = Some(Apostrophe {
                            text_len: p.token.text.len(),
                            start,
                            capitals: p.token.capitals,
                        });
                    }
                }
                Piece::Period | Piece::Hyphen | Piece::Separator => {
                    if let Some(p) = current.take() {
                        raw.push(finish(p));
                    }
                    if let Some(last) = raw.last_mut() {
                        // Only the first separator after a token says how it was joined.
                        if last.token.end == start || last.period_after {
                            match piece {
                                Piece::Period if last.token.end == start => {
                                    last.period_after = true
                                }
                                Piece::Hyphen => last.token.hyphen_after = true,
                                _ => {}
                            }
                        }
                    }
                }
            });
            // A letter or mark the Latin key drops (a soft sign, a combining accent, a modifier
            // apostrophe) at the end of a word still belongs to the word as written.
            if !wrote_letters && !c.is_ascii() && (c.is_alphabetic() || is_combining_mark(c)) {
                if let Some(p) = current.as_mut().filter(|p| p.token.end == start) {
                    p.token.end = end;
                }
            }
        }
        if let Some(p) = current.take() {
            raw.push(finish(p));
        }
        flush(&mut raw);
    }
}

/// Token texts that their users are done with, for the tokenizer to build new tokens in (see
/// [`Normalizer::each_token_reusing`]). Each thread keeps one set between calls
/// ([`Spare::of_this_thread`], [`Spare::keep`]), so that normalizing or linking many short texts
/// allocates no token texts once warm.
#[derive(Default)]
pub(crate) struct Spare(std::cell::RefCell<Vec<String>>);

thread_local! {
    static KEPT: std::cell::Cell<Vec<String>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Spare {
    /// The most texts kept.
    const MOST: usize = 4096;
    /// The largest text kept: a long one would hold its memory for every later token.
    const LONGEST: usize = 64;

    /// The texts this thread kept at the end of its last call (none inside a call that another
    /// call on this thread is running).
    pub(crate) fn of_this_thread() -> Spare {
        Spare(std::cell::RefCell::new(KEPT.with(std::cell::Cell::take)))
    }

    /// Keeps the texts for this thread's next call.
    pub(crate) fn keep(self) {
        let texts = self.0.into_inner();
        KEPT.with(|kept| kept.set(texts));
    }

    /// An empty text with room for most words, reused when there is one.
    fn take(&self) -> String {
        match self.0.borrow_mut().pop() {
            Some(mut text) => {
                text.clear();
                text
            }
            None => String::with_capacity(16),
        }
    }

    /// Takes back the text of a token its user is done with.
    pub(crate) fn give_back(&self, token: Token) {
        let mut texts = self.0.borrow_mut();
        if texts.len() < Self::MOST && token.text.capacity() <= Self::LONGEST {
            texts.push(token.text);
        }
    }
}

/// How many tokens [`Normalizer::each_token`] gathers before it hands them on.
const FLUSH_TOKENS: usize = 256;

/// Closes a token: drops a possessive "’s" at its end.
fn finish(mut p: Pending) -> Pending {
    if let Some(a) = p.apostrophe {
        if a.text_len > 0 && &p.token.text[a.text_len..] == "s" {
            p.token.text.truncate(a.text_len);
            p.token.end = a.start;
            p.token.capitals = a.capitals;
        }
    }
    p
}

/// True for a token written as one letter followed by a full stop: "K.", "Ж." (which
/// transliterates to two letters, `zh`).
fn is_dotted_letter(p: &Pending) -> bool {
    p.period_after && p.source_chars == 1 && p.token.text.as_bytes()[0].is_ascii_alphabetic()
}

/// True for a two-letter initial written with a full stop, as transliterated initials are
/// ("Zh.", "Sh.").
fn is_dotted_digraph(p: &Pending) -> bool {
    p.period_after
        && p.source_chars == 2
        && p.token.text.len() == 2
        && p.token.text.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Marks dotted initials and joins runs of them ("U.A.E.", "J.-C.") into one token, and hands
/// the tokens of `raw` to `f`, leaving it empty (with its room kept for the next ones). A single
/// letter without a dot joins nothing but still counts as an initial.
fn join_initials(raw: &mut Vec<Pending>, f: &mut impl FnMut(Token)) {
    let single_letter = |p: &Pending| p.source_chars == 1 && p.token.text.len() == 1;
    let mut i = 0;
    while i < raw.len() {
        let mut j = i;
        while j + 1 < raw.len()
            && is_dotted_letter(&raw[j])
            && (is_dotted_letter(&raw[j + 1])
                // "U.S" without its last dot, but not "U.S. A new ..."
                || (single_letter(&raw[j + 1]) && raw[j + 1].token.start == raw[j].token.end + 1))
        {
            j += 1;
        }
        let initial_alone =
            is_dotted_letter(&raw[i]) || single_letter(&raw[i]) || is_dotted_digraph(&raw[i]);
        // Taken out of `raw` rather than cloned: most tokens are not initials.
        let mut token = std::mem::take(&mut raw[i].token);
        if j > i {
            token.initials = std::iter::once(token.text.clone())
                .chain(raw[i + 1..=j].iter().map(|p| p.token.text.clone()))
                .collect();
            token.text = token.initials.concat();
            token.end = raw[j].token.end;
            token.hyphen_after = raw[j].token.hyphen_after;
        } else if initial_alone {
            token.initials = vec![token.text.clone()];
        }
        f(token);
        i = j + 1;
    }
    raw.clear();
}

/// The normalized form of `text` with the default rules; see [`Normalizer`].
///
/// ```
/// assert_eq!(canonica::normalize("O'Brien"), "obrien");
/// assert_eq!(canonica::normalize("Washington’s"), "washington");
/// ```
pub fn normalize(text: &str) -> String {
    Normalizer::new().normalize(text)
}

/// Marks the text of a token from a lossy script, so that it only meets tokens of its kind.
const LOSSY_MARK: char = '^';

/// The text a token is matched by: its normalized text, marked when it comes from a lossy script
/// ("盧安達" is `^luanda`, which the Latin "Luanda" never meets).
pub(crate) fn match_text(token: &Token) -> String {
    if token.lossy {
        format!("{LOSSY_MARK}{}", token.text)
    } else {
        token.text.clone()
    }
}

/// A token text made by [`match_text`] without its mark: the romanization alone.
pub(crate) fn unmarked(text: &str) -> &str {
    text.strip_prefix(LOSSY_MARK).unwrap_or(text)
}

/// True for a token text made by [`match_text`] from a lossy script.
pub(crate) fn is_lossy_text(text: &str) -> bool {
    text.starts_with(LOSSY_MARK)
}

/// The key with every space removed: "Kassym Jomart" and "Kassymjomart" share it, as do "U A E"
/// and "UAE".
pub(crate) fn compact(key: &str) -> String {
    key.chars().filter(|c| *c != ' ').collect()
}

/// The words a name is matched by: its normalized tokens, those read from a lossy script (Han,
/// kana, Arabic, Hebrew) marked with `^`, since they only ever meet words of their own kind.
/// The index keys a name by these words; without the marks and spaces they are the letters of
/// [`normalize`].
///
/// ```
/// use canonica::normalize::match_words;
/// assert_eq!(match_words("盧安達 Luanda"), ["^luanda", "luanda"]);
/// assert_eq!(match_words("U.A.E. and the UK"), ["uae", "and", "the", "uk"]);
/// ```
pub fn match_words(text: &str) -> Vec<String> {
    Normalizer::new()
        .tokens(text)
        .iter()
        .map(match_text)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(&str, String)> {
        Normalizer::new()
            .tokens(text)
            .into_iter()
            .map(|t| (&text[t.start..t.end], t.text))
            .collect()
    }

    #[test]
    fn punctuation_rules() {
        assert_eq!(normalize("U.A.E."), "uae");
        assert_eq!(normalize("U. A. E."), "uae");
        assert_eq!(normalize("UAE"), "uae");
        assert_eq!(normalize("O'Brien"), "obrien");
        assert_eq!(normalize("OBrien"), "obrien");
        assert_eq!(normalize("Trump’s"), "trump");
        assert_eq!(normalize("Trump's second term"), "trump second term");
        assert_eq!(normalize("Kassym-Jomart"), "kassym jomart");
        assert_eq!(normalize("K. Tokayev"), "k tokayev");
        assert_eq!(normalize("J.-C. Juncker"), "jc juncker");
        assert_eq!(normalize("Токаев К.-Ж."), "tokaev kzh");
        assert_eq!(normalize("U.S"), "us");
        assert_eq!(normalize("a b c"), "a b c");
        assert_eq!(normalize("the U.S. A new"), "the us a new");
        assert_eq!(normalize("Tokayev, Kassym-Jomart"), "tokayev kassym jomart");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("  ...  "), "");
    }

    #[test]
    fn idempotent_on_examples() {
        for s in [
            "U.A.E.",
            "Côte d’Ivoire",
            "Токаев",
            "a b c",
            "Trump’s",
            "北京",
            "İstanbul",
        ] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s}");
        }
    }

    #[test]
    fn spans_point_into_the_original() {
        assert_eq!(
            spans("President Trump’s plan"),
            vec![
                ("President", "president".to_string()),
                ("Trump", "trump".to_string()),
                ("plan", "plan".to_string())
            ]
        );
        assert_eq!(
            spans("İstanbul"),
            vec![("İstanbul", "istanbul".to_string())]
        );
        assert_eq!(
            spans("the U.A.E. said"),
            vec![
                ("the", "the".to_string()),
                ("U.A.E", "uae".to_string()),
                ("said", "said".to_string())
            ]
        );
    }

    #[test]
    fn initials_keep_their_letters() {
        let t = Normalizer::new().tokens("Токаев К.-Ж. and K Smith");
        assert!(!t[0].is_initials());
        assert_eq!(t[1].initials, vec!["k", "zh"]);
        assert!(!t[2].is_initials());
        assert_eq!(t[3].initials, vec!["k"]);
    }

    #[test]
    fn lossy_scripts_are_marked() {
        let t = Normalizer::new().tokens("盧安達 Luanda");
        assert_eq!(t[0].text, "luanda");
        assert!(t[0].lossy && !t[1].lossy);
        assert_eq!(match_text(&t[0]), "^luanda");
        assert_eq!(match_text(&t[1]), "luanda");
        assert!(!Normalizer::new().tokens("Токаев")[0].lossy);
    }

    #[test]
    fn spans_keep_letters_the_key_drops() {
        // Soft and hard signs, a modifier apostrophe, a combining accent: the key drops them,
        // the span keeps them.
        for word in ["Меркель", "Подъ", "Kyivʼ", "Zoe\u{0308}"] {
            let text = format!("{word} spoke");
            let t = Normalizer::new().tokens(&text);
            assert_eq!(&text[t[0].start..t[0].end], word);
        }
        assert_eq!(spans("Jones' car")[0].0, "Jones");
    }

    #[test]
    fn a_possessive_keeps_capitals() {
        for text in ["VW's", "VW’s", "IBM`s"] {
            let t = Normalizer::new().tokens(text);
            assert!(t[0].capitals, "{text}");
            assert_eq!(t[0].end, text.find(['\'', '’', '`']).unwrap());
        }
        assert!(!Normalizer::new().tokens("Vw's")[0].capitals);
    }

    #[test]
    fn capitals_are_noted() {
        let t = Normalizer::new().tokens("UAE Amaj K.S.A. ОАЭ");
        assert!(t[0].capitals && !t[1].capitals && t[2].capitals && t[3].capitals);
        let in_capitals: Vec<bool> = Normalizer::new()
            .tokens("UAE Uae США 조 K.S.A.")
            .iter()
            .map(Token::is_in_capitals)
            .collect();
        assert_eq!(in_capitals, [true, false, true, false, true]);
    }

    #[test]
    fn hyphen_flags() {
        let t = Normalizer::new().tokens("US–Kazakh ties");
        assert!(t[0].hyphen_after);
        assert!(!t[1].hyphen_after);
    }

    #[test]
    fn compact_removes_spaces() {
        assert_eq!(compact("kassym jomart tokayev"), "kassymjomarttokayev");
    }
}
