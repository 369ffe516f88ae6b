//! A small pull parser over quick-xml for the national XML exports: it keeps
//! the element path and the line for locations, refuses DTD entities (no
//! expansion bombs, no external entities), caps nesting and element size, and
//! turns truncation and malformation into `FormatError`s with a location.
//! Readers walk events and call `read_element` on each record element to get
//! a small tree.

use compact_str::CompactString;
use quick_xml::events::Event;

use super::source::{Guarded, Input, TextStream, MAX_DEPTH};
use super::FormatError;

/// Most nodes one `read_element` may gather (a record element is tiny; this
/// bounds memory on hostile input).
pub const MAX_ELEMENT_NODES: usize = 200_000;

/// An element's attributes, in document order (keys and values are short).
pub type Attrs = Vec<(CompactString, CompactString)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlEvent {
    /// An opening tag (an empty element `<a/>` gives `Start` then `End`).
    Start { name: CompactString, attrs: Attrs },
    /// The end of the innermost open element.
    End,
    /// Character data, unescaped; whitespace-only text is dropped.
    Text(CompactString),
}

/// An element with its attributes, text (concatenated) and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Names and texts are short: kept inline, without an allocation each.
    pub name: CompactString,
    pub attrs: Attrs,
    pub text: CompactString,
    pub children: Vec<Element>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Trimmed text of a child; `None` when absent or empty.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim()).filter(|t| !t.is_empty())
    }

    /// Follows a `/`-separated path of child names.
    pub fn at(&self, path: &str) -> Option<&Element> {
        path.split('/').try_fold(self, |e, step| e.child(step))
    }
}

pub struct XmlReader<'t, 'r> {
    reader: quick_xml::Reader<Guarded<'t, 'r>>,
    budget: super::source::Budget,
    buf: Vec<u8>,
    /// The open elements' names joined by `/`, and where each one starts.
    path: String,
    starts: Vec<usize>,
    lines_read: u64,
    /// Line where the last returned event started.
    event_line: u64,
    pending_end: bool,
    file: String,
    done: bool,
}

impl<'t, 'r> XmlReader<'t, 'r> {
    pub fn new(input: &Input, text: &'t mut TextStream<'r>) -> Self {
        let budget = text.budget();
        let mut reader = quick_xml::Reader::from_reader(Guarded(text));
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
        XmlReader {
            reader,
            budget,
            buf: Vec::with_capacity(4096),
            path: String::new(),
            starts: Vec::new(),
            lines_read: 1,
            event_line: 1,
            pending_end: false,
            file: input.name(),
            done: false,
        }
    }

    /// The open elements, outermost first: `BEE_ELEVES/DONNEES/ELEVES/ELEVE`.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn depth(&self) -> usize {
        self.starts.len()
    }

    pub fn line(&self) -> u64 {
        self.event_line
    }

    /// `ligne N, A/B/C` for reports.
    pub fn location(&self) -> String {
        if self.starts.is_empty() {
            format!("ligne {}", self.event_line)
        } else {
            format!("ligne {}, {}", self.event_line, self.path())
        }
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    fn err_at(&self, e: quick_xml::Error) -> FormatError {
        let location = self.location();
        match e {
            quick_xml::Error::Io(io) => {
                // The wrappers' verdicts (cancel, size cap, bad bytes) travel as I/O errors.
                let probe = Input::bytes(&self.file, Vec::new());
                probe.read_error(&io, &location)
            }
            quick_xml::Error::Syntax(_) => FormatError::Truncated { file: self.file.clone(), location },
            other => FormatError::Xml { file: self.file.clone(), location, message: other.to_string() },
        }
    }

    fn push(&mut self, name: &str) {
        self.starts.push(self.path.len());
        if !self.path.is_empty() {
            self.path.push('/');
        }
        self.path.push_str(name);
    }

    fn pop(&mut self) {
        if let Some(start) = self.starts.pop() {
            self.path.truncate(start);
        }
    }

    fn count_lines(&mut self, bytes: &[u8]) {
        self.lines_read += memchr::memchr_iter(b'\n', bytes).count() as u64;
    }

    /// The next event; `None` at the end of a complete document.
    pub fn next_event(&mut self) -> Result<Option<XmlEvent>, FormatError> {
        if self.pending_end {
            self.pending_end = false;
            self.pop();
            return Ok(Some(XmlEvent::End));
        }
        if self.done {
            return Ok(None);
        }
        loop {
            // The event borrows this local buffer, not `self`, so it can be
            // handled in place without copying.
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            self.budget.refill();
            self.event_line = self.lines_read;
            let step = match self.reader.read_event_into(&mut buf) {
                Ok(ev) => self.handle(ev),
                Err(e) => Err(self.err_at(e)),
            };
            self.buf = buf;
            match step? {
                Some(event) => return Ok(event),
                None => continue,
            }
        }
    }

    /// `Some(result)` to return, `None` to read on (whitespace, comments…).
    fn handle(&mut self, ev: Event<'_>) -> Result<Option<Option<XmlEvent>>, FormatError> {
        match ev {
            Event::Start(_) | Event::Empty(_) if self.starts.len() >= MAX_DEPTH => {
                Err(FormatError::TooDeep { file: self.file.clone(), location: self.location(), limit: MAX_DEPTH })
            }
            Event::Start(e) => {
                let (name, attrs) = self.start_parts(&e)?;
                self.count_lines(&e);
                self.push(&name);
                Ok(Some(Some(XmlEvent::Start { name, attrs })))
            }
            Event::Empty(e) => {
                let (name, attrs) = self.start_parts(&e)?;
                self.count_lines(&e);
                self.push(&name);
                self.pending_end = true;
                Ok(Some(Some(XmlEvent::Start { name, attrs })))
            }
            Event::End(_) => {
                // quick-xml checked that the name matches the open element.
                self.pop();
                Ok(Some(Some(XmlEvent::End)))
            }
            Event::Text(e) => {
                self.count_lines(&e);
                // Whitespace between elements is most of the text events.
                if e.iter().all(u8::is_ascii_whitespace) {
                    return Ok(None);
                }
                let text = CompactString::from(e.unescape().map_err(|err| self.err_at(err))?.as_ref());
                if text.trim().is_empty() {
                    return Ok(None);
                }
                if self.starts.is_empty() {
                    return Err(FormatError::Xml {
                        file: self.file.clone(),
                        location: self.location(),
                        message: "texte hors de l'élément racine".into(),
                    });
                }
                Ok(Some(Some(XmlEvent::Text(text))))
            }
            Event::CData(e) => {
                let raw = e.into_inner();
                self.count_lines(&raw);
                Ok(Some(Some(XmlEvent::Text(compact(&raw)))))
            }
            Event::DocType(e) => {
                // Internal entity declarations are how expansion bombs and
                // external entities arrive; national exports never use them.
                if e.windows(8).any(|w| w.eq_ignore_ascii_case(b"<!ENTITY")) {
                    return Err(FormatError::Entities { file: self.file.clone(), location: self.location() });
                }
                self.count_lines(&e);
                Ok(None)
            }
            Event::Comment(e) => {
                self.count_lines(&e);
                Ok(None)
            }
            Event::Decl(_) | Event::PI(_) => Ok(None),
            Event::Eof => {
                self.done = true;
                if !self.starts.is_empty() {
                    return Err(FormatError::Truncated { file: self.file.clone(), location: self.location() });
                }
                Ok(Some(None))
            }
        }
    }

    fn start_parts(&self, e: &quick_xml::events::BytesStart<'_>) -> Result<(CompactString, Attrs), FormatError> {
        let name = compact(e.name().as_ref());
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|err| FormatError::Xml {
                file: self.file.clone(),
                location: self.location(),
                message: err.to_string(),
            })?;
            let key = compact(a.key.as_ref());
            let value = CompactString::from(a.unescape_value().map_err(|err| self.err_at(err))?.as_ref());
            attrs.push((key, value));
        }
        Ok((name, attrs))
    }

    /// After a `Start`, reads the element's whole subtree (its `End`
    /// included) into an `Element`.
    pub fn read_element(&mut self, name: CompactString, attrs: Attrs) -> Result<Element, FormatError> {
        let mut open: Vec<Element> = vec![Element { name, attrs, ..Element::default() }];
        let mut nodes = 1usize;
        while let Some(ev) = self.next_event()? {
            match ev {
                XmlEvent::Start { name, attrs } => {
                    nodes += 1;
                    if nodes > MAX_ELEMENT_NODES {
                        return Err(FormatError::TooLarge {
                            file: self.file.clone(),
                            location: self.location(),
                            limit: MAX_ELEMENT_NODES as u64,
                        });
                    }
                    open.push(Element { name, attrs, ..Element::default() });
                }
                XmlEvent::Text(t) => {
                    if let Some(top) = open.last_mut() {
                        if top.text.is_empty() {
                            top.text = t;
                        } else {
                            top.text.push_str(&t);
                        }
                    }
                }
                XmlEvent::End => {
                    let Some(done) = open.pop() else { break };
                    match open.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                }
            }
        }
        Err(FormatError::Truncated { file: self.file.clone(), location: self.location() })
    }

    /// After a `Start`, skips to its matching `End`.
    pub fn skip(&mut self) -> Result<(), FormatError> {
        let mut depth = 1usize;
        while let Some(ev) = self.next_event()? {
            match ev {
                XmlEvent::Start { .. } => depth += 1,
                XmlEvent::End => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                XmlEvent::Text(_) => {}
            }
        }
        Err(FormatError::Truncated { file: self.file.clone(), location: self.location() })
    }
}

/// Text the decoding layer already guaranteed to be UTF-8 (lossy only as
/// a fallback that cannot happen).
fn compact(bytes: &[u8]) -> CompactString {
    match std::str::from_utf8(bytes) {
        Ok(s) => CompactString::from(s),
        Err(_) => CompactString::from(String::from_utf8_lossy(bytes).as_ref()),
    }
}

/// Minimal XML writing for the writers: escaping and an indented builder that
/// the national exports' look (tabs, one element per line) can follow.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Encodes UTF-8 text into the target encoding for writing; characters the
/// encoding lacks become numeric references (never silently lost).
pub fn encode_for(text: &str, encoding: &'static encoding_rs::Encoding) -> Vec<u8> {
    let (bytes, _, _) = encoding.encode(text);
    bytes.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::source::{xml_encoding, Ctl};
    use crate::progress::{CancelToken, NoProgress};
    use crate::ErrorCode;

    fn parse_all(bytes: &[u8]) -> Result<Vec<XmlEvent>, FormatError> {
        let input = Input::bytes("t.xml", bytes.to_vec());
        let enc = xml_encoding(bytes, "t.xml")?;
        let cancel = CancelToken::new();
        let mut p = NoProgress;
        let mut ctl = Ctl { cancel: &cancel, progress: &mut p };
        input.with_text(None, enc, &mut ctl, |text| {
            let mut r = XmlReader::new(&input, text);
            let mut out = Vec::new();
            while let Some(e) = r.next_event()? {
                out.push(e);
            }
            Ok(out)
        })
    }

    #[test]
    fn parses_with_latin9_and_entities() {
        let doc = b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<A x=\"C\xbdur &amp; co\"><B>\xe9t\xe9 &lt;1&gt;</B><C/></A>";
        let ev = parse_all(doc).unwrap();
        assert_eq!(
            ev,
            vec![
                XmlEvent::Start { name: "A".into(), attrs: vec![("x".into(), "Cœur & co".into())] },
                XmlEvent::Start { name: "B".into(), attrs: vec![] },
                XmlEvent::Text("été <1>".into()),
                XmlEvent::End,
                XmlEvent::Start { name: "C".into(), attrs: vec![] },
                XmlEvent::End,
                XmlEvent::End,
            ]
        );
    }

    #[test]
    fn hostile_documents_are_clear_errors() {
        let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><lolz>&lol2;</lolz>";
        assert_eq!(parse_all(bomb).unwrap_err().code(), "FORMAT_XML_ENTITIES");
        let xxe = b"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>";
        assert_eq!(parse_all(xxe).unwrap_err().code(), "FORMAT_XML_ENTITIES");
        assert_eq!(parse_all(b"<a>&unknown;</a>").unwrap_err().code(), "FORMAT_XML_MALFORMED");
        assert_eq!(parse_all(b"<a><b>text").unwrap_err().code(), "FORMAT_XML_TRUNCATED");
        assert_eq!(parse_all(b"<a><b attr=\"x").unwrap_err().code(), "FORMAT_XML_TRUNCATED");
        assert_eq!(parse_all(b"<a></b>").unwrap_err().code(), "FORMAT_XML_MALFORMED");
        let deep = "<a>".repeat(MAX_DEPTH + 5);
        assert_eq!(parse_all(deep.as_bytes()).unwrap_err().code(), "FORMAT_XML_TOO_DEEP");
        assert!(parse_all(b"\xff\xfe\x00garbage").is_err());
        let ok = b"<?xml version=\"1.0\"?><!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\"><a/>";
        assert!(parse_all(ok).is_ok());
    }

    #[test]
    fn locations_name_line_and_path() {
        let input = Input::bytes("t.xml", b"<A>\n <B>\n  <C>x</C>\n </B>\n</A>".to_vec());
        let cancel = CancelToken::new();
        let mut p = NoProgress;
        let mut ctl = Ctl { cancel: &cancel, progress: &mut p };
        let loc = input
            .with_text(None, encoding_rs::UTF_8, &mut ctl, |text| {
                let mut r = XmlReader::new(&input, text);
                loop {
                    match r.next_event()? {
                        Some(XmlEvent::Start { name, .. }) if name == "C" => return Ok(r.location()),
                        Some(_) => {}
                        None => return Ok(String::new()),
                    }
                }
            })
            .unwrap();
        assert_eq!(loc, "ligne 3, A/B/C");
    }
}
