//! Organisation legal forms ("LLC", "Ltd", "AG", "Aktiengesellschaft", "ООО", "ТОО"), folded to
//! one token per family so that "Siemens AG" meets "Siemens Aktiengesellschaft" and "ТОО
//! Казахмыс" meets "Kazakhmys LLP", and weighted lightly so that a missing form costs little.
//!
//! Forms are written in normalized form: "ООО" is `ooo`, "ТОО" is `too`, "S.A." is `sa`.
//! Families group forms that mean the same kind of company across languages: an AG, a JSC, an
//! АО and a société anonyme are all stock companies; an LLC, a GmbH, an ООО and a ТОО are all
//! limited-liability companies.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// (family, forms): a folded form is written as [`MARK`] followed by its family.
const FAMILIES: &[(&str, &[&str])] = &[
    (
        "llc",
        &[
            "llc",
            "l l c",
            "limited liability company",
            "ltd liability co",
            "gmbh",
            "gesellschaft mit beschrankter haftung",
            "ooo",
            "obshchestvo s ogranichennoy otvetstvennostyu",
            "too",
            "tovarishchestvo s ogranichennoy otvetstvennostyu",
            "llp",
            "sarl",
            "srl",
            "sp z o o",
            "spzoo",
            "kft",
            "doo",
            "ltda",
            "bv",
            "sro",
        ],
    ),
    (
        "jsc",
        &[
            "jsc",
            "joint stock company",
            "ojsc",
            "cjsc",
            "pjsc",
            "ao",
            "oao",
            "zao",
            "pao",
            "aktsionernoe obshchestvo",
            "ag",
            "aktiengesellschaft",
            "sa",
            "societe anonyme",
            "sociedad anonima",
            "spa",
            "nv",
            "ab",
            "asa",
            "oyj",
            "as",
            "a s",
            "se",
            "societas europaea",
            "naamloze vennootschap",
            "public joint stock company",
            "open joint stock company",
            "closed joint stock company",
            "societa per azioni",
            "anonim sirketi",
            "spolka akcyjna",
            "aktiebolag",
            "aktieselskab",
            "allmennaksjeselskap",
            "osakeyhtio",
        ],
    ),
    (
        "lp",
        &[
            "lp",
            "limited partnership",
            "kg",
            "kommanditgesellschaft",
            "sca",
            "scs",
        ],
    ),
    (
        "ltd",
        &[
            "ltd", "limited", "pte ltd", "pty ltd", "pvt ltd", "pte", "pty", "pvt",
        ],
    ),
    ("inc", &["inc", "incorporated", "corp", "corporation"]),
    ("plc", &["plc", "public limited company"]),
    ("co", &["co", "company", "and co", "cie", "cia"]),
    ("group", &["group", "holding", "holdings"]),
];

/// A legal form split into words, with its family.
type Form = (&'static str, Vec<&'static str>);

/// Every form by its first word, longest first; made once.
fn forms() -> &'static FxHashMap<&'static str, Vec<Form>> {
    static FORMS: OnceLock<FxHashMap<&'static str, Vec<Form>>> = OnceLock::new();
    FORMS.get_or_init(|| {
        let mut all: Vec<Form> = FAMILIES
            .iter()
            .flat_map(|(family, forms)| {
                forms.iter().map(move |f| (*family, f.split(' ').collect()))
            })
            .collect();
        all.sort_by_key(|(_, words)| std::cmp::Reverse(words.len()));
        let mut by_first: FxHashMap<&'static str, Vec<Form>> = FxHashMap::default();
        for form in all {
            by_first.entry(form.1[0]).or_default().push(form);
        }
        by_first
    })
}

/// The family token and length of the longest legal form starting at `at`.
fn form_at(tokens: &[String], at: usize) -> Option<(&'static str, usize)> {
    let rest = &tokens[at..];
    forms()
        .get(rest.first()?.as_str())?
        .iter()
        .find(|(_, words)| words.len() <= rest.len() && words.iter().zip(rest).all(|(w, t)| w == t))
        .map(|(family, words)| (*family, words.len()))
}

/// True when `word` alone is a legal form ("ao", "gmbh", "limited").
pub(crate) fn is_form(word: &str) -> bool {
    forms()
        .get(word)
        .is_some_and(|forms| forms.iter().any(|(_, words)| words.len() == 1))
}

/// Prefix that marks a folded legal form, so that it never equals an ordinary word.
pub(crate) const MARK: &str = "~";

/// True for a token produced by [`fold`].
pub(crate) fn is_legal_form(token: &str) -> bool {
    token.starts_with(MARK)
}

/// Folds the legal forms at the end of a name (and one at its start, as in "ТОО Казахмыс") to
/// their family tokens. A name made only of legal forms is left as it is, so "AG" alone stays a
/// name.
pub(crate) fn fold(tokens: &[String]) -> Vec<String> {
    // Most names hold no word a legal form begins with: nothing to fold.
    if !tokens.iter().any(|t| forms().contains_key(t.as_str())) {
        return tokens.to_vec();
    }
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut start = 0;
    if let Some((family, n)) = form_at(tokens, 0) {
        if n < tokens.len() {
            out.push(format!("{MARK}{family}"));
            start = n;
        }
    }
    // Find where a run of legal forms reaching the end of the name begins: the first position
    // from which form after form leads to the end. Worked out backwards in one pass, so that a
    // long run of forms followed by a word costs no more than the words themselves.
    let mut forms_at: Vec<Option<(&'static str, usize)>> = vec![None; tokens.len()];
    let mut reaches_end = vec![false; tokens.len() + 1];
    reaches_end[tokens.len()] = true;
    for j in (start..tokens.len()).rev() {
        forms_at[j] = form_at(tokens, j);
        reaches_end[j] = forms_at[j].is_some_and(|(_, n)| reaches_end[j + n]);
    }
    let mut tail: Vec<(usize, &'static str, usize)> = Vec::new();
    if let Some(mut j) = (start..tokens.len()).find(|&at| reaches_end[at]) {
        while let Some((family, n)) = forms_at.get(j).copied().flatten() {
            tail.push((j, family, n));
            j += n;
        }
    }
    let body_end = tail.first().map_or(tokens.len(), |&(j, _, _)| j);
    if body_end == start {
        // Nothing but legal forms: keep the words.
        return tokens.to_vec();
    }
    out.extend(tokens[start..body_end].iter().cloned());
    for (_, family, _) in tail {
        out.push(format!("{MARK}{family}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn folded(name: &str) -> String {
        let tokens: Vec<String> = normalize(name).split(' ').map(String::from).collect();
        fold(&tokens).join(" ")
    }

    #[test]
    fn families_meet_across_languages() {
        assert_eq!(folded("Siemens AG"), folded("Siemens Aktiengesellschaft"));
        assert_eq!(folded("Kazakhmys LLC"), folded("Kazakhmys ООО"));
        assert_eq!(folded("ТОО Казахмыс"), "~llc kazakhmys");
        assert_eq!(folded("KazMunayGas JSC"), "kazmunaygas ~jsc");
        assert_eq!(folded("АО KazMunayGas"), "~jsc kazmunaygas");
        assert_eq!(folded("Acme Holdings Pte. Ltd."), "acme ~group ~ltd");
        assert_eq!(folded("Acme Inc."), folded("Acme Incorporated"));
    }

    #[test]
    fn never_empties_a_name() {
        assert_eq!(folded("AG"), "ag");
        assert_eq!(folded("Limited Company"), "limited company");
        assert_eq!(folded("The Company Store"), "the company store");
    }

    #[test]
    fn marks_folded_tokens() {
        assert!(is_legal_form("~llc"));
        assert!(!is_legal_form("llc"));
    }
}
