//! Opening what the user gave: a file on disk or bytes in memory, plain or a
//! ZIP entry, decoded to UTF-8 from the encoding it declares, streamed with
//! progress, cancel and a cap on any single line or element — so a hostile
//! or broken file costs bounded memory and ends in a clear error.

use std::cell::Cell;
use std::io::{BufRead, BufReader, Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use encoding_rs::{DecoderResult, Encoding};
use sha2::{Digest, Sha256};

use super::FormatError;
use crate::progress::{CancelToken, Progress};

/// The most one line (CSV) or one element or text node (XML) may hold.
pub const MAX_EVENT_BYTES: u64 = 64 * 1024 * 1024;
/// The deepest XML nesting accepted (real exports stay under 10).
pub const MAX_DEPTH: usize = 256;
const PROGRESS_STEP: u64 = 256 * 1024;

/// What a reader is given to read.
#[derive(Debug, Clone)]
pub enum Input {
    File(PathBuf),
    Bytes { name: String, data: Arc<Vec<u8>> },
}

/// One file inside a ZIP archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    pub index: usize,
    pub name: String,
    pub size: u64,
}

/// Progress and cancel for one read.
pub struct Ctl<'a> {
    pub cancel: &'a CancelToken,
    pub progress: &'a mut dyn Progress,
}

trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Markers carried inside `io::Error`s so that the wrappers' verdicts survive
/// the parsers' error types.
#[derive(Debug)]
enum Stop {
    Cancelled,
    TooLarge,
    Malformed { encoding: &'static str, offset: u64 },
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Stop {}

impl Input {
    pub fn file(path: impl AsRef<Path>) -> Input {
        Input::File(path.as_ref().to_path_buf())
    }

    pub fn bytes(name: &str, data: Vec<u8>) -> Input {
        Input::Bytes { name: name.to_string(), data: Arc::new(data) }
    }

    /// The file name as the user knows it.
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            Input::Bytes { name, .. } => name.clone(),
        }
    }

    fn io_err(&self, e: std::io::Error) -> FormatError {
        FormatError::Io { file: self.name(), message: e.to_string() }
    }

    fn open_raw(&self) -> Result<Box<dyn ReadSeek>, FormatError> {
        match self {
            Input::File(p) => Ok(Box::new(std::fs::File::open(p).map_err(|e| self.io_err(e))?)),
            Input::Bytes { data, .. } => Ok(Box::new(Cursor::new(ArcBytes(data.clone())))),
        }
    }

    pub fn len(&self) -> Result<u64, FormatError> {
        match self {
            Input::File(p) => Ok(std::fs::metadata(p).map_err(|e| self.io_err(e))?.len()),
            Input::Bytes { data, .. } => Ok(data.len() as u64),
        }
    }

    pub fn is_empty(&self) -> Result<bool, FormatError> {
        Ok(self.len()? == 0)
    }

    /// SHA-256 of the file's bytes, as stored in the import batches.
    pub fn sha256(&self, cancel: &CancelToken) -> Result<String, FormatError> {
        let mut hasher = Sha256::new();
        self.for_each_chunk(cancel, 1 << 16, &mut |chunk| {
            hasher.update(chunk);
            Ok(())
        })?;
        Ok(hex::encode(hasher.finalize()))
    }

    /// Hands the file's raw bytes (the archive itself for a ZIP) to `f` in
    /// chunks of at most `size` bytes; `f` may stop the walk with an error.
    pub fn for_each_chunk(
        &self,
        cancel: &CancelToken,
        size: usize,
        f: &mut dyn FnMut(&[u8]) -> Result<(), FormatError>,
    ) -> Result<(), FormatError> {
        let mut raw = self.open_raw()?;
        let mut buf = vec![0u8; size.max(1)];
        loop {
            if cancel.is_cancelled() {
                return Err(FormatError::Cancelled);
            }
            // Fill the chunk so that chunks are full-sized except the last.
            let mut filled = 0;
            while filled < buf.len() {
                let n = raw.read(&mut buf[filled..]).map_err(|e| self.io_err(e))?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            if filled == 0 {
                return Ok(());
            }
            f(&buf[..filled])?;
            if filled < buf.len() {
                return Ok(());
            }
        }
    }

    /// The first bytes of the file (of the entry when given), not decoded.
    pub fn head(&self, entry: Option<usize>, n: usize) -> Result<Vec<u8>, FormatError> {
        let mut out = Vec::with_capacity(n);
        let mut read_head = |r: &mut dyn Read| r.take(n as u64).read_to_end(&mut out).map(|_| ());
        match entry {
            None => read_head(&mut self.open_raw()?).map_err(|e| self.io_err(e))?,
            Some(i) => {
                let mut zip = self.zip()?;
                let mut file = zip.by_index(i).map_err(|e| self.zip_err(e))?;
                read_head(&mut file).map_err(|e| self.io_err(e))?;
            }
        }
        Ok(out)
    }

    pub fn is_zip(&self) -> Result<bool, FormatError> {
        let head = self.head(None, 4)?;
        Ok(head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06"))
    }

    fn zip_err(&self, e: zip::result::ZipError) -> FormatError {
        FormatError::Zip { file: self.name(), message: e.to_string() }
    }

    fn zip(&self) -> Result<zip::ZipArchive<Box<dyn ReadSeek>>, FormatError> {
        zip::ZipArchive::new(self.open_raw()?).map_err(|e| self.zip_err(e))
    }

    /// The files of a ZIP archive (directories left out), in archive order.
    pub fn zip_entries(&self) -> Result<Vec<ZipEntry>, FormatError> {
        let mut zip = self.zip()?;
        let mut out = Vec::new();
        for index in 0..zip.len() {
            let file = zip.by_index(index).map_err(|e| self.zip_err(e))?;
            if file.is_dir() {
                continue;
            }
            let name = file.name().map_err(|e| self.zip_err(e))?.into_owned();
            out.push(ZipEntry { index, name, size: file.size() });
        }
        Ok(out)
    }

    /// Runs `f` over the raw content (the entry's, decompressed, when given),
    /// counting bytes for progress and honouring cancel.
    pub fn with_raw<T>(
        &self,
        entry: Option<usize>,
        ctl: &mut Ctl<'_>,
        f: impl FnOnce(&mut dyn Read, u64) -> Result<T, FormatError>,
    ) -> Result<T, FormatError> {
        match entry {
            None => {
                let total = self.len()?;
                let mut counted = Counted::new(self.open_raw()?, ctl, total);
                f(&mut counted, total)
            }
            Some(i) => {
                let mut zip = self.zip()?;
                let file = zip.by_index(i).map_err(|e| self.zip_err(e))?;
                let total = file.size();
                let mut counted = Counted::new(file, ctl, total);
                f(&mut counted, total)
            }
        }
    }

    /// Runs `f` over the content decoded to UTF-8 (from `encoding`), with the
    /// size cap: call `TextStream::refill` after each line or XML event.
    pub fn with_text<T>(
        &self,
        entry: Option<usize>,
        encoding: &'static Encoding,
        ctl: &mut Ctl<'_>,
        f: impl FnOnce(&mut TextStream<'_>) -> Result<T, FormatError>,
    ) -> Result<T, FormatError> {
        self.with_raw(entry, ctl, |raw, _| {
            let mut text = TextStream::new(raw, encoding);
            f(&mut text)
        })
    }

    /// Translates an I/O error raised while reading this input (possibly a
    /// wrapper's verdict) into the format error it stands for.
    pub fn read_error(&self, e: &std::io::Error, location: &str) -> FormatError {
        match e.get_ref().and_then(|inner| inner.downcast_ref::<Stop>()) {
            Some(Stop::Cancelled) => FormatError::Cancelled,
            Some(Stop::TooLarge) => {
                FormatError::TooLarge { file: self.name(), location: location.to_string(), limit: MAX_EVENT_BYTES }
            }
            Some(Stop::Malformed { encoding, offset }) => FormatError::BadEncoding {
                file: self.name(),
                encoding: encoding.to_string(),
                location: format!("{location}, octet {offset}"),
            },
            None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                FormatError::Truncated { file: self.name(), location: location.to_string() }
            }
            None => self.io_err(std::io::Error::new(e.kind(), e.to_string())),
        }
    }
}

/// `Arc<Vec<u8>>` as `AsRef<[u8]>` for a cursor.
struct ArcBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Raw bytes with progress and cancel.
struct Counted<'a, 'c, R> {
    inner: R,
    ctl: &'a mut Ctl<'c>,
    total: u64,
    done: u64,
    reported: u64,
}

impl<'a, 'c, R: Read> Counted<'a, 'c, R> {
    fn new(inner: R, ctl: &'a mut Ctl<'c>, total: u64) -> Self {
        ctl.progress.update(0, total);
        Counted { inner, ctl, total, done: 0, reported: 0 }
    }
}

impl<R: Read> Read for Counted<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ctl.cancel.is_cancelled() {
            return Err(std::io::Error::other(Stop::Cancelled));
        }
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        if n == 0 || self.done - self.reported >= PROGRESS_STEP {
            self.reported = self.done;
            self.ctl.progress.update(self.done, self.total.max(self.done));
        }
        Ok(n)
    }
}

/// UTF-8 text decoded strictly from a declared encoding (a malformed byte is
/// an error, never a silent replacement), with a budget of bytes between two
/// `refill`s. Implements `BufRead` for quick-xml and csv.
pub struct TextStream<'r> {
    raw: &'r mut dyn Read,
    decoder: encoding_rs::Decoder,
    encoding: &'static Encoding,
    raw_buf: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    raw_offset: u64,
    raw_eof: bool,
    /// The decoder has seen the end; it must not be called again.
    finished: bool,
    /// Decoded text is `out[out_pos..out_len]`; `out` keeps its size so
    /// that it is not zeroed again for every block.
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    budget: Rc<Cell<u64>>,
}

/// Handle to reset a `TextStream`'s budget from inside a parser that owns it.
#[derive(Clone)]
pub struct Budget(Rc<Cell<u64>>);

impl Budget {
    pub fn refill(&self) {
        self.0.set(MAX_EVENT_BYTES);
    }
}

impl<'r> TextStream<'r> {
    fn new(raw: &'r mut dyn Read, encoding: &'static Encoding) -> Self {
        TextStream {
            raw,
            decoder: encoding.new_decoder_with_bom_removal(),
            encoding,
            raw_buf: vec![0; 64 * 1024],
            raw_start: 0,
            raw_end: 0,
            raw_offset: 0,
            raw_eof: false,
            finished: false,
            out: Vec::new(),
            out_pos: 0,
            out_len: 0,
            budget: Rc::new(Cell::new(MAX_EVENT_BYTES)),
        }
    }

    pub fn budget(&self) -> Budget {
        Budget(self.budget.clone())
    }

    pub fn refill(&self) {
        self.budget.set(MAX_EVENT_BYTES);
    }

    pub fn encoding(&self) -> &'static Encoding {
        self.encoding
    }

    fn decode_more(&mut self) -> std::io::Result<()> {
        self.out_pos = 0;
        self.out_len = 0;
        while self.out_len == 0 && !self.finished {
            if self.raw_start == self.raw_end && !self.raw_eof {
                let n = self.raw.read(&mut self.raw_buf)?;
                self.raw_start = 0;
                self.raw_end = n;
                self.raw_eof = n == 0;
            }
            let last = self.raw_eof;
            let src = &self.raw_buf[self.raw_start..self.raw_end];
            let needed = self
                .decoder
                .max_utf8_buffer_length_without_replacement(src.len())
                .unwrap_or(src.len() * 4 + 16)
                .max(16);
            if self.out.len() < needed {
                self.out.resize(needed, 0);
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(src, &mut self.out, last);
            self.out_len = written;
            self.raw_start += read;
            self.raw_offset += read as u64;
            if let DecoderResult::Malformed(bad, _) = result {
                let offset = self.raw_offset.saturating_sub(u64::from(bad));
                return Err(std::io::Error::other(Stop::Malformed { encoding: self.encoding.name(), offset }));
            }
            if last && self.raw_start == self.raw_end {
                self.finished = true;
            }
        }
        Ok(())
    }
}

impl Read for TextStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for TextStream<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.out_pos >= self.out_len {
            self.decode_more()?;
        }
        Ok(&self.out[self.out_pos..self.out_len])
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.out_len - self.out_pos);
        self.out_pos += amt;
        let left = self.budget.get().saturating_sub(amt as u64);
        self.budget.set(left);
    }
}

impl TextStream<'_> {
    /// Errors once the budget is spent: call before handing bytes on.
    pub fn check_budget(&self) -> std::io::Result<()> {
        if self.budget.get() == 0 {
            return Err(std::io::Error::other(Stop::TooLarge));
        }
        Ok(())
    }
}

/// A `BufRead` over a `TextStream` that fails when the budget is spent — what
/// the parsers actually read from.
pub struct Guarded<'t, 'r>(pub &'t mut TextStream<'r>);

impl Read for Guarded<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.check_budget()?;
        self.0.read(buf)
    }
}

impl BufRead for Guarded<'_, '_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.0.check_budget()?;
        self.0.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.0.consume(amt)
    }
}

/// Encoding named by an XML declaration (or a BOM); UTF-8 when none.
pub fn xml_encoding(head: &[u8], file: &str) -> Result<&'static Encoding, FormatError> {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return Ok(enc);
    }
    let text = String::from_utf8_lossy(&head[..head.len().min(512)]);
    let Some(decl_end) = text.find("?>").filter(|_| text.trim_start().starts_with("<?xml")) else {
        return Ok(encoding_rs::UTF_8);
    };
    let decl = &text[..decl_end];
    let Some(pos) = decl.find("encoding") else { return Ok(encoding_rs::UTF_8) };
    let rest = decl[pos + "encoding".len()..].trim_start().trim_start_matches('=').trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'');
    let name = match quote {
        Some(q) => rest[1..].split(q).next().unwrap_or(""),
        None => rest.split_whitespace().next().unwrap_or(""),
    };
    let declared = Encoding::for_label(name.trim().as_bytes())
        .ok_or_else(|| FormatError::UnsupportedEncoding { file: file.to_string(), encoding: name.to_string() })?;
    // A Latin-9 export re-saved as UTF-8 (without BOM) keeps its old
    // declaration: valid multi-byte UTF-8 cannot be real Latin text.
    if declared.is_single_byte() && head.iter().any(|b| *b >= 0x80) {
        let valid = match std::str::from_utf8(head) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none(),
        };
        if valid {
            return Ok(encoding_rs::UTF_8);
        }
    }
    Ok(declared)
}

/// Encoding of a CSV table, which declares none: a BOM, else valid UTF-8,
/// else ISO-8859-15 when its specific letters (œ, €, Š…) appear without
/// Windows-1252's C1 range, else Windows-1252.
pub fn csv_encoding(head: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return enc;
    }
    match std::str::from_utf8(head) {
        Ok(_) => return encoding_rs::UTF_8,
        // The head may cut a multi-byte character at its very end.
        Err(e) if e.error_len().is_none() => return encoding_rs::UTF_8,
        Err(_) => {}
    }
    let c1 = head.iter().any(|b| (0x80..=0x9f).contains(b));
    let latin9 = head.iter().any(|b| matches!(b, 0xa4 | 0xa6 | 0xa8 | 0xb4 | 0xb8 | 0xbc | 0xbd | 0xbe));
    if latin9 && !c1 {
        encoding_rs::ISO_8859_15
    } else {
        encoding_rs::WINDOWS_1252
    }
}

/// Reads a whole small input decoded (tests, detection helpers).
pub fn read_to_string(input: &Input, entry: Option<usize>, encoding: &'static Encoding) -> Result<String, FormatError> {
    let cancel = CancelToken::new();
    let mut progress = crate::progress::NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    input.with_text(entry, encoding, &mut ctl, |text| {
        let mut s = String::new();
        let mut reader = BufReader::new(Guarded(text));
        reader.read_to_string(&mut s).map_err(|e| input.read_error(&e, "début"))?;
        Ok(s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_found() {
        let f = "t.xml";
        assert_eq!(
            xml_encoding(b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><a/>", f).unwrap(),
            encoding_rs::ISO_8859_15
        );
        assert_eq!(xml_encoding(b"<?xml version='1.0' encoding='utf-8'?>", f).unwrap(), encoding_rs::UTF_8);
        assert_eq!(xml_encoding(b"\xef\xbb\xbf<?xml version=\"1.0\"?>", f).unwrap(), encoding_rs::UTF_8);
        assert_eq!(xml_encoding(b"<a/>", f).unwrap(), encoding_rs::UTF_8);
        let resaved = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><A>Élodie</A>";
        assert_eq!(xml_encoding(resaved.as_bytes(), f).unwrap(), encoding_rs::UTF_8);
        assert_eq!(
            xml_encoding(b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><A>\xc9lodie</A>", f).unwrap(),
            encoding_rs::ISO_8859_15
        );
        assert!(xml_encoding(b"<?xml version=\"1.0\" encoding=\"KLINGON\"?>", f)
            .unwrap_err()
            .to_string()
            .contains("KLINGON"));
        assert_eq!(csv_encoding("Nom;Prénom".as_bytes()), encoding_rs::UTF_8);
        assert_eq!(csv_encoding(b"Nom;Pr\xe9nom;C\xbdur"), encoding_rs::ISO_8859_15);
        assert_eq!(csv_encoding(b"Nom;Pr\xe9nom;\x80"), encoding_rs::WINDOWS_1252);
        assert_eq!(csv_encoding(b"Nom;Pr\xe9nom"), encoding_rs::WINDOWS_1252);
    }

    #[test]
    fn latin9_is_decoded_and_bad_utf8_is_an_error() {
        let input = Input::bytes("a.xml", b"C\xbdur \xa4".to_vec());
        assert_eq!(read_to_string(&input, None, encoding_rs::ISO_8859_15).unwrap(), "Cœur €");
        let input = Input::bytes("a.xml", b"Pr\xe9nom".to_vec());
        let err = read_to_string(&input, None, encoding_rs::UTF_8).unwrap_err();
        assert_eq!(crate::ErrorCode::code(&err), "FORMAT_ENCODING_INVALID");
        let input = Input::bytes("a.xml", "\u{feff}Prénom".as_bytes().to_vec());
        assert_eq!(read_to_string(&input, None, encoding_rs::UTF_8).unwrap(), "Prénom");
    }

    #[test]
    fn reading_past_the_end_is_harmless() {
        let input = Input::bytes("a.csv", b"abc".to_vec());
        let cancel = CancelToken::new();
        let mut progress = crate::progress::NoProgress;
        let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
        let n = input
            .with_text(None, encoding_rs::ISO_8859_15, &mut ctl, |t| {
                let mut buf = [0u8; 8];
                let mut total = 0;
                for _ in 0..4 {
                    total += t.read(&mut buf).map_err(|e| input.read_error(&e, "x"))?;
                }
                Ok(total)
            })
            .unwrap();
        assert_eq!(n, 3);
    }

    #[test]
    fn cancel_stops_reading() {
        let input = Input::bytes("a.csv", vec![b'a'; 1 << 20]);
        let cancel = CancelToken::new();
        cancel.cancel();
        let mut progress = crate::progress::NoProgress;
        let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
        let err = input
            .with_text(None, encoding_rs::UTF_8, &mut ctl, |t| {
                let mut s = String::new();
                BufReader::new(Guarded(t)).read_to_string(&mut s).map_err(|e| input.read_error(&e, "x"))
            })
            .unwrap_err();
        assert_eq!(crate::ErrorCode::code(&err), "FORMAT_CANCELLED");
    }
}
