//! A minimal binary codec: little-endian numbers, and arrays written as a length followed by
//! their raw elements, so that large arrays load at memory speed. Every read is bounds-checked;
//! a short or damaged buffer gives an error, never a panic.

use rayon::prelude::*;

use crate::error::{Error, ErrorKind, Result};

/// Appends values to a byte buffer.
#[derive(Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    fn len(&mut self, n: usize) {
        self.buf.extend_from_slice(&(n as u64).to_le_bytes());
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn bytes(&mut self, v: &[u8]) {
        self.len(v.len());
        self.buf.extend_from_slice(v);
    }

    pub fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    pub fn u32s(&mut self, v: &[u32]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }

    pub fn f32s(&mut self, v: &[f32]) {
        self.len(v.len());
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }

    pub fn pairs(&mut self, v: &[(u64, u32)]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 12);
        for (a, b) in v {
            self.buf.extend_from_slice(&a.to_le_bytes());
            self.buf.extend_from_slice(&b.to_le_bytes());
        }
    }
}

/// An error saying the payload is damaged at byte `pos`, with what was being read.
fn invalid_at(pos: usize, what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidSavedFile,
        format!("the saved data is damaged ({what} at byte {pos})"),
    )
}

/// Reads values back from a byte buffer.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    /// An error saying the payload is damaged, with what was being read.
    pub fn invalid(&self, what: &str) -> Error {
        invalid_at(self.pos, what)
    }

    pub fn is_at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| self.invalid("unexpected end"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// A length prefix, checked against what is left so that no huge allocation is attempted.
    fn len(&mut self, element_size: usize) -> Result<usize> {
        let n = u64::from_le_bytes(self.array()?);
        let left = (self.bytes.len() - self.pos) as u64;
        if n.saturating_mul(element_size as u64) > left {
            return Err(self.invalid("length past the end"));
        }
        Ok(n as usize)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    pub fn bytes(&mut self) -> Result<Vec<u8>> {
        let n = self.len(1)?;
        Ok(self.take(n)?.to_vec())
    }

    pub fn string(&mut self) -> Result<String> {
        let n = self.len(1)?;
        let raw = self.take(n)?;
        std::str::from_utf8(raw)
            .map(str::to_string)
            .map_err(|_| self.invalid("text that is not UTF-8"))
    }

    pub fn u32s(&mut self) -> Result<Vec<u32>> {
        let n = self.len(4)?;
        let raw = self.take(n * 4)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    pub fn f32s(&mut self) -> Result<Vec<f32>> {
        let n = self.len(4)?;
        let raw = self.take(n * 4)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// The next list of pairs, taken as it is written and decoded later: the large tables of a
    /// saved index are decoded side by side (see [`PairsSection::decode`]).
    pub fn pairs_section(&mut self) -> Result<PairsSection<'a>> {
        let n = self.len(12)?;
        let raw = self.take(n * 12)?;
        Ok(PairsSection { raw, end: self.pos })
    }
}

/// A list of (hash, id) pairs not yet decoded (see [`Reader::pairs_section`]).
pub(crate) struct PairsSection<'a> {
    raw: &'a [u8],
    /// Where the reader stood once past it, for errors found while decoding it.
    end: usize,
}

impl PairsSection<'_> {
    /// The pairs, decoded on every thread of the pool it runs on: most of loading a large index
    /// is these lists, and writing a fresh one is bound by the memory it touches.
    pub fn decode(&self) -> Vec<(u64, u32)> {
        self.raw
            .par_chunks_exact(12)
            .map(|c| {
                let mut h = [0u8; 8];
                h.copy_from_slice(&c[..8]);
                (
                    u64::from_le_bytes(h),
                    u32::from_le_bytes([c[8], c[9], c[10], c[11]]),
                )
            })
            .collect()
    }

    /// An error saying the pairs are damaged, as [`Reader::invalid`] would have said it just
    /// past them.
    pub fn invalid(&self, what: &str) -> Error {
        invalid_at(self.end, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_short_reads() {
        let mut w = Writer::default();
        w.u32(7);
        w.str("Қазақстан");
        w.u32s(&[1, 2, 3]);
        w.pairs(&[(u64::MAX, 9)]);
        w.f64(0.5);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u32().unwrap(), 7);
        assert_eq!(r.string().unwrap(), "Қазақстан");
        assert_eq!(r.u32s().unwrap(), vec![1, 2, 3]);
        assert_eq!(r.pairs_section().unwrap().decode(), vec![(u64::MAX, 9)]);
        assert_eq!(r.f64().unwrap(), 0.5);
        assert!(r.is_at_end());
        for n in 0..bytes.len() {
            let mut r = Reader::new(&bytes[..n]);
            let all = (|| -> Result<()> {
                r.u32()?;
                r.string()?;
                r.u32s()?;
                r.pairs_section()?;
                r.f64()?;
                Ok(())
            })();
            assert!(all.is_err(), "{n} bytes");
        }
    }

    #[test]
    fn huge_lengths_are_refused() {
        let mut w = Writer::default();
        w.u32s(&[]);
        let mut bytes = w.into_bytes();
        bytes[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Reader::new(&bytes).u32s().is_err());
    }
}
