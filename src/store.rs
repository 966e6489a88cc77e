//! Persistence: a resolver to bytes and back, and to a file written atomically.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `CANONICA` |
//! | 4 | format version ([`FORMAT_VERSION`]) |
//! | 8 | payload length |
//! | 4 | CRC-32 of the payload |
//! | n | payload: the settings, the entities, and the index |
//!
//! The header lets a truncated, corrupted or foreign file be rejected with a clear
//! [`Error`] before anything is decoded. The index is saved as it is in memory
//! (flat arrays), so loading copies arrays instead of normalizing and indexing every alias again.
//!
//! A save replaces its file atomically: the bytes go to a temporary file of an unpredictable
//! name beside it, created exclusively, synced, given the permissions of the file it replaces,
//! and renamed over it. Saves to one path from several threads or processes each leave a
//! complete file; the last one wins. A saved file is read from a regular file of at most
//! [`MAX_FILE_BYTES`](crate::MAX_FILE_BYTES).

use std::path::Path;

use crate::codec::{Reader, Writer};
use crate::error::{Error, ErrorKind, Result};
use crate::files;
use crate::index::Index;
use crate::interrupt;
use crate::kb::{Entity, EntitySlots, KnowledgeBase};
use crate::resolve::Resolver;
use crate::threads;

/// The first bytes of every saved resolver.
pub const MAGIC: &[u8; 8] = b"CANONICA";
/// The version of the saved format this build writes and reads.
pub const FORMAT_VERSION: u32 = 3;
const HEADER_LEN: usize = 8 + 4 + 8 + 4;

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidSavedFile, message)
}

fn encode_entity(w: &mut Writer, e: &Entity) {
    w.str(&e.id);
    w.str(&e.name);
    w.u32(e.aliases.len() as u32);
    for a in &e.aliases {
        w.str(a);
    }
    match &e.kind {
        Some(k) => {
            w.u8(1);
            w.str(k);
        }
        None => w.u8(0),
    }
    w.f64(e.weight);
    // Data is kept as JSON text: it is free-form and rarely large.
    if e.data.is_empty() {
        w.str("");
    } else {
        w.str(&serde_json::Value::Object(e.data.clone()).to_string());
    }
}

fn decode_entity(r: &mut Reader) -> Result<Entity> {
    let mut e = Entity::new(r.string()?, r.string()?);
    let n = r.u32()?;
    for _ in 0..n {
        e.aliases.push(r.string()?);
    }
    e.kind = match r.u8()? {
        0 => None,
        1 => Some(r.string()?),
        _ => return Err(r.invalid("kind flag")),
    };
    e.weight = r.f64()?;
    if !(e.weight.is_finite() && e.weight >= 0.0) {
        return Err(r.invalid("an entity weight that is not zero or a positive number"));
    }
    let data = r.string()?;
    if !data.is_empty() {
        match serde_json::from_str(&data) {
            Ok(serde_json::Value::Object(map)) => e.data = map,
            _ => return Err(r.invalid("entity data that is not a JSON object")),
        }
    }
    Ok(e)
}

/// Encodes a resolver to bytes; an error only when the work is interrupted (see
/// [`crate::interrupt`]).
pub(crate) fn to_bytes(resolver: &Resolver) -> Result<Vec<u8>> {
    let state = resolver.read();
    let mut w = Writer::default();
    w.f64(state.threshold);
    w.f64(state.margin);
    w.u32(state.kb.len() as u32);
    for (_, e) in state.kb.iter() {
        encode_entity(&mut w, e);
    }
    interrupt::check()?;
    // A changed index is saved as a rebuild of it, which answers the same and loads as fast as
    // one built directly (its arrays numbered in order, none of its aliases dead).
    if state.index.is_changed() {
        Index::build(&state.kb.to_knowledge_base(), &state.normalizer)?.encode(&mut w);
    } else {
        state.index.encode(&mut w);
    }
    let payload = w.into_bytes();
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Decodes a resolver from bytes made by [`to_bytes`].
pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Resolver> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(invalid(
            "not a saved canonica resolver (the magic bytes are missing)",
        ));
    }
    if bytes.len() < HEADER_LEN {
        return Err(invalid("the file is truncated (the header is incomplete)"));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(invalid(format!(
            "saved with format version {version}, but this canonica reads version \
             {FORMAT_VERSION}; save it again with a matching canonica"
        )));
    }
    let length = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let crc = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
    let payload = &bytes[HEADER_LEN..];
    if (payload.len() as u64) < length {
        return Err(invalid(format!(
            "the file is truncated: {} of {length} payload bytes",
            payload.len()
        )));
    }
    if (payload.len() as u64) > length {
        return Err(invalid("the file has trailing bytes after its payload"));
    }
    if crc32fast::hash(payload) != crc {
        return Err(invalid("the file is corrupted (checksum mismatch)"));
    }
    let mut r = Reader::new(payload);
    let threshold = r.f64()?;
    let margin = r.f64()?;
    let count = r.u32()? as usize;
    let mut entities = Vec::with_capacity(count.min(payload.len() / 16));
    for _ in 0..count {
        interrupt::check()?;
        entities.push(decode_entity(&mut r)?);
    }
    // The entities' lookup tables and the index are made side by side.
    let (kb, index) = threads::install(|| {
        rayon::join(
            || KnowledgeBase::from_saved(entities).map(EntitySlots::from),
            || Index::decode(&mut r, count),
        )
    });
    let kb = kb.map_err(|e| invalid(e.to_string()))?;
    let index = index?;
    if !r.is_at_end() {
        return Err(r.invalid("bytes after the index"));
    }
    Resolver::builder()
        .threshold(threshold)
        .margin(margin)
        .build_with_index(kb, index)
        .map_err(|e| invalid(e.to_string()))
}

/// Writes a resolver to `path` atomically (see the module docs).
pub(crate) fn save(resolver: &Resolver, path: &Path) -> Result<()> {
    let bytes = to_bytes(resolver)?;
    files::replace(path, &bytes)
}

/// Reads a resolver saved with [`save`].
pub(crate) fn load(path: &Path) -> Result<Resolver> {
    let bytes = files::read(path)?;
    from_bytes(&bytes).map_err(|e| e.in_file(path))
}

impl Resolver {
    /// The resolver as bytes (see the [module docs](crate::store) for the layout). Work run
    /// through an [`Interrupt`](crate::interrupt::Interrupt) that stops early gives no bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(self).unwrap_or_default()
    }

    /// A resolver from bytes made by [`Resolver::to_bytes`]. Truncated, corrupted or foreign
    /// bytes are an error of kind [`ErrorKind::InvalidSavedFile`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Resolver> {
        from_bytes(bytes)
    }

    /// Saves the resolver to `path`, atomically (see the [module docs](crate::store)); `path`
    /// must be a new file or a regular one.
    ///
    /// ```
    /// # use canonica::{Entity, KnowledgeBase, Resolver};
    /// # let mut kb = KnowledgeBase::new();
    /// # kb.add(Entity::new("KZ", "Kazakhstan")).unwrap();
    /// let resolver = Resolver::new(kb)?;
    /// let path = std::env::temp_dir().join("canonica-doc-example.bin");
    /// resolver.save(&path)?;
    /// let loaded = Resolver::load(&path)?;
    /// assert_eq!(loaded.resolve("kazakhstan").unwrap().id, "KZ");
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), canonica::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        save(self, path.as_ref())
    }

    /// Loads a resolver saved with [`Resolver::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Resolver> {
        load(path.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver() -> Resolver {
        let mut kb = KnowledgeBase::new();
        let mut e = Entity::new("KZ", "Kazakhstan").with_aliases(["Qazaqstan"]);
        e.data.insert("iso3".into(), "KAZ".into());
        kb.add(e).unwrap();
        Resolver::builder().threshold(0.8).build(kb).unwrap()
    }

    #[test]
    fn round_trip() {
        let r = resolver();
        let back = from_bytes(&to_bytes(&r).unwrap()).unwrap();
        assert_eq!(back.threshold(), 0.8);
        assert_eq!(
            back.knowledge_base().entities(),
            r.knowledge_base().entities()
        );
        assert_eq!(back.resolve("qazaqstan"), r.resolve("qazaqstan"));
    }

    #[test]
    fn bad_bytes_are_errors() {
        let bytes = to_bytes(&resolver()).unwrap();
        for n in 0..bytes.len() {
            let err = from_bytes(&bytes[..n]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidSavedFile);
        }
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 0x55;
        assert!(from_bytes(&flipped)
            .unwrap_err()
            .to_string()
            .contains("corrupted"));
        let mut version = bytes.clone();
        version[8] = 99;
        assert!(from_bytes(&version)
            .unwrap_err()
            .to_string()
            .contains("version 99"));
        assert!(from_bytes(b"{\"json\": true}").is_err());
    }
}
