//! policyguard's YAML composer in Rust, as `policyguard_yaml`.
//!
//! `policyguard.parsers.yaml_source` composes YAML from libyaml's events into plain values and
//! a span for every node path, in one pass of Python over the events: a quarter of a
//! CloudFormation or Kubernetes scan. This module does the same pass over the events of
//! unsafe-libyaml (libyaml's C source translated to Rust: the same events and marks) and builds the
//! same Python objects. It is a fast path, not a second definition: it covers the documents
//! that load cleanly and returns `None` for everything else (a syntax error, a limit, a value
//! it cannot construct, text that is not UTF-8), and the Python composer then reads the file
//! and reports exactly what it always reports. Scalars are resolved with the Python side's
//! resolver table (PyYAML's patterns, handed over) and numbers are constructed by a Python
//! callback, so a plain `0x1F` means what it means to PyYAML. Tests hold the two composers
//! equal on every fixture, the corpus and generated YAML.

use std::collections::{HashMap, HashSet};

mod events;
mod json;

use events::{Event, EventData, Events, Mark};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple};
use regex::Regex;

const YAML_TAG: &str = "tag:yaml.org,2002:";

/// Why composing stopped short: the Python composer reads the file instead.
struct Stop;

impl From<PyErr> for Stop {
    fn from(_: PyErr) -> Self {
        Stop
    }
}

type Done<T> = Result<T, Stop>;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Null,
    Bool,
    YnBool,
    Construct,
    Raw,
}

struct Resolver {
    tag: String,
    kind: Kind,
    pattern: Regex,
}

/// 1-based line and column.
type Pos = (usize, usize);
/// start line, start column, end line, end column (end column exclusive).
pub(crate) type SpanT = (usize, usize, usize, usize);

fn int(py: Python<'_>, n: usize) -> Bound<'_, PyAny> {
    match n.into_pyobject(py) {
        Ok(v) => v.into_any(),
        Err(never) => match never {},
    }
}

fn pos(mark: &Mark) -> Pos {
    (mark.line as usize + 1, mark.column as usize + 1)
}

#[pyclass(frozen, module = "policyguard_yaml")]
struct Composer {
    plain: HashMap<String, Vec<Resolver>>,
    kubectl: HashMap<String, Vec<Resolver>>,
    cfn_tags: HashSet<String>,
    construct: Py<PyAny>,
    span: Py<PyAny>,
    yn: Py<PyAny>,
    // the span class's field names, when its instances can be made directly (see make_span)
    direct: Option<Vec<Py<PyString>>>,
}

fn table(rows: Vec<(String, String, usize)>, patterns: &[Regex], yn_bool: &str) -> PyResult<HashMap<String, Vec<Resolver>>> {
    let mut out: HashMap<String, Vec<Resolver>> = HashMap::new();
    for (first, tag, index) in rows {
        let kind = if tag == yn_bool {
            Kind::YnBool
        } else {
            match tag.strip_prefix(YAML_TAG) {
                Some("null") => Kind::Null,
                Some("bool") => Kind::Bool,
                Some("int") | Some("float") => Kind::Construct,
                _ => Kind::Raw,
            }
        };
        let pattern = patterns
            .get(index)
            .ok_or_else(|| pyo3::exceptions::PyValueError::new_err(format!("resolver {tag}: no pattern {index}")))?
            .clone();
        out.entry(first).or_default().push(Resolver { tag, kind, pattern });
    }
    Ok(out)
}

#[pymethods]
impl Composer {
    /// `patterns`: the resolvers' patterns in Rust's syntax, each once; `plain` and `kubectl`:
    /// resolver rows (first character, tag, index in `patterns`), in PyYAML's order; `yn_bool`: the tag of the kubectl y/n resolver; `construct(tag, raw,
    /// implicit)` makes an int, a float or an explicitly tagged scalar (raising when it cannot); `span`
    /// is `model.Span`; `yn` the `YN` string class.
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        patterns: Vec<String>,
        plain: Vec<(String, String, usize)>,
        kubectl: Vec<(String, String, usize)>,
        yn_bool: String,
        cfn_tags: HashSet<String>,
        construct: Py<PyAny>,
        span: Py<PyAny>,
        yn: Py<PyAny>,
    ) -> PyResult<Self> {
        let patterns = patterns
            .iter()
            .map(|p| Regex::new(p).map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("resolver pattern {p}: {e}"))))
            .collect::<PyResult<Vec<Regex>>>()?;
        let mut composer = Composer {
            plain: table(plain, &patterns, &yn_bool)?,
            kubectl: table(kubectl, &patterns, &yn_bool)?,
            cfn_tags,
            construct,
            span,
            yn,
            direct: None,
        };
        Python::attach(|py| -> PyResult<()> {
            let names = ["file", "start_line", "start_col", "end_line", "end_col"].map(|n| PyString::intern(py, n).unbind());
            let file = PyString::new(py, "f.yaml");
            let probe = composer.span.bind(py).call1((&file, 1, 2, 3, 4))?;
            composer.direct = Some(names.into_iter().collect());
            let same = match composer.make_span(py, &file, (1, 2, 3, 4)) {
                Ok(made) => made.get_type().is(probe.get_type()) && made.eq(&probe)?,
                Err(_) => false,
            };
            if !same {
                composer.direct = None;
            }
            Ok(())
        })?;
        Ok(composer)
    }

    /// Every document of `text` as `(value, spans, start_line, start_col, end_line, end_col,
    /// yn_seen)`, or None when the Python composer must read it (see the module's doc).
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (text, file, max_documents, max_nodes, max_depth, max_alias_nodes, kubectl_booleans, yn_marker))]
    fn compose<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        file: &Bound<'py, PyString>,
        max_documents: usize,
        max_nodes: usize,
        max_depth: usize,
        max_alias_nodes: usize,
        kubectl_booleans: bool,
        yn_marker: bool,
    ) -> PyResult<Option<Bound<'py, PyList>>> {
        let Ok(source) = text.to_str() else { return Ok(None) };
        let mut run = Run {
            py,
            cfg: self,
            text: source,
            lines: None,
            file: file.clone(),
            resolvers: if kubectl_booleans || yn_marker { &self.kubectl } else { &self.plain },
            yn_marker,
            yn_seen: false,
            nodes: 0,
            alias_nodes: 0,
            max_documents,
            max_nodes,
            max_depth,
            max_alias_nodes,
        };
        // a panic is a bug of this module, not of the file: the Python composer reads it
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run.all())) {
            Ok(Ok(docs)) => Ok(Some(docs)),
            Ok(Err(Stop)) | Err(_) => Ok(None),
        }
    }

    /// `yaml_source._json_spans` of `text` (a JSON text `json` has decoded): `{path: Span}`, or
    /// None wherever that function returns None and for a key holding a lone surrogate.
    fn json_spans<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        file: &Bound<'py, PyString>,
        max_nodes: usize,
        max_depth: usize,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Ok(source) = text.to_str() else { return Ok(None) };
        let limits = json::Limits { max_nodes, max_depth };
        let found = std::panic::catch_unwind(|| json::spans(source, &limits)).ok().flatten();
        let Some(found) = found else { return Ok(None) };
        let out = PyDict::new(py);
        for (path, s) in found {
            out.set_item(path, self.make_span(py, file, s)?)?;
        }
        Ok(Some(out))
    }
}

impl Composer {
    /// A `Span`. A scan makes one per YAML or JSON node, and the class's Python `__init__` is
    /// most of that cost: when the class is a plain slotted one (checked at start against an
    /// instance its constructor made), the instance is allocated and its slots set directly.
    fn make_span<'py>(&self, py: Python<'py>, file: &Bound<'py, PyString>, s: SpanT) -> PyResult<Bound<'py, PyAny>> {
        let Some(names) = &self.direct else {
            return self.span.bind(py).call1((file, s.0, s.1, s.2, s.3));
        };
        let values = [file.clone().into_any(), int(py, s.0), int(py, s.1), int(py, s.2), int(py, s.3)];
        // SAFETY: `span` is a type (its constructor made the probe); PyType_GenericAlloc returns a
        // new reference or NULL with an exception set; PyObject_GenericSetAttr sets a slot
        // through the class's member descriptor (a frozen dataclass's own __setattr__ refuses)
        unsafe {
            let tp = self.span.as_ptr().cast::<pyo3::ffi::PyTypeObject>();
            let raw = pyo3::ffi::PyType_GenericAlloc(tp, 0);
            if raw.is_null() {
                return Err(PyErr::fetch(py));
            }
            let obj = Bound::from_owned_ptr(py, raw);
            for (name, value) in names.iter().zip(values.iter()) {
                if pyo3::ffi::PyObject_GenericSetAttr(obj.as_ptr(), name.as_ptr(), value.as_ptr()) < 0 {
                    return Err(PyErr::fetch(py));
                }
            }
            Ok(obj)
        }
    }
}

enum Key<'py> {
    Merge,
    Text(String, Bound<'py, PyAny>),
}

struct Frame<'py> {
    is_map: bool,
    value: Bound<'py, PyAny>,
    path: String,
    start: Pos,
    flow: bool,
    anchor: Option<String>,
    key: Option<Key<'py>>,
    key_start: Pos,
    index: usize,
    span_from: usize,
    last_end: Pos,
    merges: Vec<(Bound<'py, PyAny>, Pos, Pos, usize, usize)>,
    explicit: HashSet<String>,
    size: usize,
    tag: Option<String>,
    child_base: String,
    node_start: Pos,
}

struct Anchor<'py> {
    value: Bound<'py, PyAny>,
    path: String,
    lo: usize,
    hi: usize,
    size: usize,
}

/// One document's state: spans in the order the Python composer appends them (`None`: a
/// collection's place, filled when it ends).
struct Doc<'py> {
    spans: Vec<(String, Option<SpanT>)>,
    anchors: HashMap<String, Anchor<'py>>,
    root: Option<Bound<'py, PyAny>>,
}

struct Run<'a, 'py> {
    py: Python<'py>,
    cfg: &'a Composer,
    text: &'a str,
    lines: Option<Vec<&'a str>>,
    file: Bound<'py, PyString>,
    resolvers: &'a HashMap<String, Vec<Resolver>>,
    yn_marker: bool,
    yn_seen: bool,
    nodes: usize,
    alias_nodes: usize,
    max_documents: usize,
    max_nodes: usize,
    max_depth: usize,
    max_alias_nodes: usize,
}

fn is_ident(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

/// `yaml_source.child_path(parent, key)`.
pub(crate) fn child_key(parent: &str, seg: &str) -> String {
    if is_ident(seg) {
        if parent.is_empty() {
            seg.to_string()
        } else {
            format!("{parent}.{seg}")
        }
    } else {
        let escaped = seg.replace('\\', "\\\\").replace('"', "\\\"");
        format!("{parent}[\"{escaped}\"]")
    }
}

/// `yaml_source.child_path(parent, index)`.
pub(crate) fn child_index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// `yaml_source._rebase`.
fn rebase(path: &str, old: &str, new: &str) -> String {
    let rest: String = match path.strip_prefix(old) {
        Some(rest) => rest.to_string(),
        None => path.chars().skip(old.chars().count()).collect(),
    };
    if new.is_empty() {
        return rest.strip_prefix('.').map(str::to_string).unwrap_or(rest);
    }
    if old.is_empty() && !rest.is_empty() && !rest.starts_with('[') {
        return format!("{new}.{rest}");
    }
    format!("{new}{rest}")
}

fn cfn_key(tag: &str) -> String {
    if tag == "Ref" || tag == "Condition" || tag.starts_with("Rain::") {
        tag.to_string()
    } else {
        format!("Fn::{tag}")
    }
}

/// Python's `str.isspace` for one character (Rust's `char::is_whitespace` leaves out
/// U+001C..U+001F).
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The first `n` characters of `s`.
fn chars_prefix(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl<'a, 'py> Run<'a, 'py> {
    fn all(&mut self) -> Done<Bound<'py, PyList>> {
        let py = self.py;
        let docs = PyList::empty(py);
        let mut parser = Events::new(self.text.as_bytes()).ok_or(Stop)?;
        let mut stack: Vec<Frame<'py>> = Vec::new();
        let mut doc = Doc { spans: Vec::new(), anchors: HashMap::new(), root: None };
        let mut doc_start: Pos = (1, 1);
        loop {
            let ev = parser.next().ok_or(Stop)?;
            match &ev.data {
                EventData::StreamStart => continue,
                EventData::StreamEnd => break,
                EventData::DocumentStart => {
                    if docs.len() >= self.max_documents {
                        return Err(Stop);
                    }
                    doc = Doc { spans: Vec::new(), anchors: HashMap::new(), root: None };
                    doc_start = pos(&ev.start_mark);
                }
                EventData::DocumentEnd => {
                    let mut end = pos(&ev.end_mark);
                    if doc.root.is_some() {
                        if let Some((_, Some(s))) = doc.spans.first() {
                            end = (s.2, s.3);
                            doc_start = (s.0, s.1);
                        }
                    }
                    let table = PyDict::new(py);
                    for (path, span) in &doc.spans {
                        if path.starts_with('\0') {
                            continue;
                        }
                        let span = span.ok_or(Stop)?;
                        table.set_item(path, self.span(span)?)?;
                    }
                    let value = doc.root.take().unwrap_or_else(|| py.None().into_bound(py));
                    let row = PyTuple::new(
                        py,
                        [
                            value,
                            table.into_any(),
                            int(py, doc_start.0),
                            int(py, doc_start.1),
                            int(py, end.0),
                            int(py, end.1),
                            PyBool::new(py, self.yn_seen).to_owned().into_any(),
                        ],
                    )?;
                    docs.append(row)?;
                    self.yn_seen = false;
                }
                EventData::End => self.end_collection(&ev, &mut stack, &mut doc)?,
                _ => self.node(&ev, &mut stack, &mut doc)?,
            }
        }
        Ok(docs)
    }

    fn span(&self, s: SpanT) -> PyResult<Bound<'py, PyAny>> {
        self.cfg.make_span(self.py, &self.file, s)
    }

    fn end_collection(&mut self, ev: &Event, stack: &mut Vec<Frame<'py>>, doc: &mut Doc<'py>) -> Done<()> {
        let frame = stack.pop().ok_or(Stop)?;
        let end = if frame.flow { pos(&ev.end_mark) } else { frame.last_end };
        let mut value = frame.value.clone();
        if frame.is_map && !frame.merges.is_empty() {
            value = self.apply_merges(&frame, &mut doc.spans)?;
        }
        if let Some(tag) = &frame.tag {
            value = self.cfn(tag, value, None)?;
            let (s, e) = (frame.node_start, end);
            doc.spans.push((frame.child_base.clone(), Some((s.0, s.1, e.0, e.1))));
        }
        self.finish(stack, doc, value, frame.path, frame.start, end, frame.size, frame.span_from, frame.anchor, true, None)
    }

    fn node(&mut self, ev: &Event, stack: &mut Vec<Frame<'py>>, doc: &mut Doc<'py>) -> Done<()> {
        let py = self.py;
        // is this event a mapping key?
        if let Some(parent) = stack.last_mut() {
            if parent.is_map && parent.key.is_none() {
                match &ev.data {
                    EventData::Scalar { anchor, tag, value, plain_implicit, .. } => {
                        let text = PyString::new(py, value).into_any();
                        parent.key = Some(if tag.is_none() && *plain_implicit && value == "<<" {
                            Key::Merge
                        } else {
                            Key::Text(value.clone(), text.clone())
                        });
                        parent.key_start = pos(&ev.start_mark);
                        if let Some(name) = anchor {
                            let at = doc.spans.len();
                            doc.anchors.insert(name.clone(), Anchor { value: text, path: String::new(), lo: at, hi: at, size: 1 });
                        }
                        return Ok(());
                    }
                    EventData::Alias { anchor } => {
                        if let Some(target) = doc.anchors.get(anchor) {
                            if let Ok(s) = target.value.cast::<PyString>() {
                                parent.key = Some(Key::Text(s.to_str()?.to_string(), target.value.clone()));
                                parent.key_start = pos(&ev.start_mark);
                                return Ok(());
                            }
                        }
                        return Err(Stop);
                    }
                    _ => return Err(Stop),
                }
            }
        }

        let (path, start) = match stack.last() {
            None => (String::new(), pos(&ev.start_mark)),
            Some(parent) if parent.is_map => {
                let path = match parent.key.as_ref().ok_or(Stop)? {
                    Key::Merge => format!("\0{}", parent.child_base),
                    Key::Text(k, _) => child_key(&parent.child_base, k),
                };
                (path, parent.key_start)
            }
            Some(parent) => (child_index(&parent.child_base, parent.index), pos(&ev.start_mark)),
        };

        self.nodes += 1;
        if self.nodes > self.max_nodes {
            return Err(Stop);
        }

        match &ev.data {
            EventData::Scalar { anchor, tag, value: raw, plain_implicit, block } => {
                let mut cfn: Option<&str> = None;
                let value: Bound<'py, PyAny> = match tag.as_deref() {
                    None => {
                        if *plain_implicit {
                            self.resolve(raw)?
                        } else {
                            PyString::new(py, raw).into_any()
                        }
                    }
                    Some("!") => PyString::new(py, raw).into_any(),
                    Some(t) if t.starts_with(YAML_TAG) => self.cfg.construct.bind(py).call1((t, raw, false))?,
                    Some(t) if t.starts_with('!') && (self.cfg.cfn_tags.contains(&t[1..]) || t.starts_with("!Rain::")) => {
                        cfn = Some(&t[1..]);
                        PyString::new(py, raw).into_any()
                    }
                    Some(_) => PyString::new(py, raw).into_any(),
                };
                let value = match cfn {
                    Some(tag) => self.cfn(tag, value, Some(raw))?,
                    None => value,
                };
                let end = self.scalar_end(ev, *block);
                let from = doc.spans.len();
                self.finish(stack, doc, value, path.clone(), start, end, 1, from, anchor.clone(), false, None)?;
                if let Some(tag) = cfn {
                    let s = pos(&ev.start_mark);
                    let inner = Some((s.0, s.1, end.0, end.1));
                    let base = child_key(&path, &cfn_key(tag));
                    // `_cfn_subpaths`: the long form's key, then the items of GetAtt's list
                    let items = if tag == "GetAtt" { if raw.contains('.') { 2 } else { 1 } } else { 0 };
                    let children: Vec<String> = (0..items).map(|i| child_index(&base, i)).collect();
                    doc.spans.push((base, inner));
                    doc.spans.extend(children.into_iter().map(|c| (c, inner)));
                }
                Ok(())
            }
            EventData::Alias { anchor } => {
                let target = doc.anchors.get(anchor).ok_or(Stop)?;
                let (value, apath, lo, hi, size) = (target.value.clone(), target.path.clone(), target.lo, target.hi, target.size);
                self.alias_nodes += size;
                self.nodes += size - 1;
                if self.alias_nodes > self.max_alias_nodes {
                    return Err(Stop);
                }
                let end = pos(&ev.end_mark);
                let from = doc.spans.len();
                let copied: Vec<(String, Option<SpanT>)> = if hi > lo + 1 {
                    doc.spans[lo + 1..hi].iter().map(|(p, s)| (rebase(p, &apath, &path), *s)).collect()
                } else {
                    Vec::new()
                };
                self.finish(stack, doc, value, path, start, end, size, from, None, false, Some(copied))
            }
            EventData::Start { map, anchor, tag, flow } => {
                self.start_collection(ev, stack, doc, path, start, *map, anchor, tag, *flow)
            }
            _ => Err(Stop),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn start_collection(
        &mut self,
        ev: &Event,
        stack: &mut Vec<Frame<'py>>,
        doc: &mut Doc<'py>,
        path: String,
        start: Pos,
        is_map: bool,
        anchor: &Option<String>,
        tag: &Option<String>,
        flow: bool,
    ) -> Done<()> {
        if stack.len() >= self.max_depth {
            return Err(Stop);
        }
        let cfn_tag = tag.as_deref().and_then(|t| {
            let name = t.strip_prefix('!')?;
            (self.cfg.cfn_tags.contains(name) || t.starts_with("!Rain::")).then(|| name.to_string())
        });
        let value = if is_map { PyDict::new(self.py).into_any() } else { PyList::empty(self.py).into_any() };
        let child_base = match &cfn_tag {
            Some(t) => child_key(&path, &cfn_key(t)),
            None => path.clone(),
        };
        let span_from = doc.spans.len();
        doc.spans.push((path.clone(), None));
        stack.push(Frame {
            is_map,
            value,
            path,
            start,
            flow,
            anchor: anchor.clone(),
            key: None,
            key_start: start,
            index: 0,
            span_from,
            last_end: start,
            merges: Vec::new(),
            explicit: HashSet::new(),
            size: 1,
            tag: cfn_tag,
            child_base,
            node_start: pos(&ev.start_mark),
        });
        Ok(())
    }

    /// A plain scalar's value, as PyYAML's implicit resolvers read it.
    fn resolve(&mut self, raw: &str) -> Done<Bound<'py, PyAny>> {
        let py = self.py;
        let first = match raw.chars().next() {
            Some(c) => {
                let mut b = [0u8; 4];
                c.encode_utf8(&mut b).to_string()
            }
            None => String::new(),
        };
        if let Some(rows) = self.resolvers.get(&first) {
            for r in rows {
                if !r.pattern.is_match(raw) {
                    continue;
                }
                return Ok(match r.kind {
                    Kind::Null => py.None().into_bound(py),
                    Kind::Bool => {
                        let low = raw.to_lowercase();
                        PyBool::new(py, matches!(low.as_str(), "yes" | "true" | "on" | "y")).to_owned().into_any()
                    }
                    Kind::YnBool => {
                        if self.yn_marker {
                            self.yn_seen = true;
                            self.cfg.yn.bind(py).call1((raw,))?
                        } else {
                            PyBool::new(py, raw == "y" || raw == "Y").to_owned().into_any()
                        }
                    }
                    Kind::Construct => self.cfg.construct.bind(py).call1((r.tag.as_str(), raw, true))?,
                    Kind::Raw => PyString::new(py, raw).into_any(),
                });
            }
        }
        Ok(PyString::new(py, raw).into_any())
    }

    /// `_Composer._scalar_end`: a block scalar ends at the last non-blank character of its lines.
    fn scalar_end(&mut self, ev: &Event, block: bool) -> Pos {
        let mut end = pos(&ev.end_mark);
        let (sl, el) = (ev.start_mark.line as usize, ev.end_mark.line as usize);
        if block && el > sl {
            let text = self.text;
            let lines = self.lines.get_or_insert_with(|| text.split('\n').collect());
            let get = |i: usize| -> &str { lines.get(i).copied().unwrap_or("") };
            let mut line = el;
            let mut col = ev.end_mark.column as usize;
            while line > sl {
                let chunk = if line < lines.len() { chars_prefix(get(line), col) } else { "" };
                if chunk.chars().any(|c| !py_space(c)) {
                    break;
                }
                line -= 1;
                col = if line < lines.len() { get(line).chars().count() } else { 0 };
            }
            let kept = chars_prefix(get(line), col).trim_end_matches(py_space);
            end = (line + 1, kept.chars().count() + 1);
        }
        end
    }

    /// `_Composer._cfn`: a short-form intrinsic's long form.
    fn cfn(&self, tag: &str, value: Bound<'py, PyAny>, raw: Option<&str>) -> Done<Bound<'py, PyAny>> {
        let py = self.py;
        let out = PyDict::new(py);
        match (tag, raw) {
            ("Ref", _) | ("Condition", _) => out.set_item(tag, value)?,
            ("GetAtt", Some(raw)) => {
                let parts = PyList::empty(py);
                match raw.split_once('.') {
                    Some((res, attr)) => {
                        parts.append(res)?;
                        parts.append(attr)?;
                    }
                    None => parts.append(raw)?,
                }
                out.set_item("Fn::GetAtt", parts)?;
            }
            _ => out.set_item(cfn_key(tag), value)?,
        }
        Ok(out.into_any())
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        stack: &mut [Frame<'py>],
        doc: &mut Doc<'py>,
        value: Bound<'py, PyAny>,
        path: String,
        start: Pos,
        end: Pos,
        size: usize,
        span_from: usize,
        anchor: Option<String>,
        is_collection: bool,
        extra: Option<Vec<(String, Option<SpanT>)>>,
    ) -> Done<()> {
        let span = Some((start.0, start.1, end.0, end.1));
        if is_collection {
            doc.spans[span_from] = (path.clone(), span);
        } else {
            doc.spans.push((path.clone(), span));
        }
        if let Some(extra) = extra {
            doc.spans.extend(extra);
        }
        if let Some(name) = anchor {
            let hi = doc.spans.len();
            doc.anchors.insert(name, Anchor { value: value.clone(), path, lo: span_from, hi, size });
        }
        let Some(parent) = stack.last_mut() else {
            doc.root = Some(value);
            return Ok(());
        };
        parent.size += size;
        parent.last_end = end;
        if parent.is_map {
            match parent.key.take().ok_or(Stop)? {
                Key::Merge => parent.merges.push((value, start, end, span_from, doc.spans.len())),
                Key::Text(k, obj) => {
                    parent.value.cast::<PyDict>().map_err(|_| Stop)?.set_item(obj, value)?;
                    parent.explicit.insert(k);
                }
            }
        } else {
            parent.value.cast::<PyList>().map_err(|_| Stop)?.append(value)?;
            parent.index += 1;
        }
        Ok(())
    }

    /// `_Composer._apply_merges`: `<<` entries under the mapping's own keys, with their spans.
    fn apply_merges(&self, frame: &Frame<'py>, spans: &mut Vec<(String, Option<SpanT>)>) -> Done<Bound<'py, PyAny>> {
        let py = self.py;
        let merged = PyDict::new(py);
        let base = &frame.child_base;
        let mpath = format!("\0{base}");
        for (value, start, end, lo, hi) in &frame.merges {
            let sources: Vec<Bound<'py, PyAny>> = match value.cast::<PyList>() {
                Ok(list) => list.iter().collect(),
                Err(_) => vec![value.clone()],
            };
            let is_list = value.cast::<PyList>().is_ok();
            let mut taken: Vec<(String, String)> = Vec::new();
            for (i, src) in sources.iter().enumerate() {
                let src = src.cast::<PyDict>().map_err(|_| Stop)?;
                let src_base = if is_list { child_index(&mpath, i) } else { mpath.clone() };
                for (k, v) in src.iter() {
                    let key: String = k.cast::<PyString>().map_err(|_| Stop)?.to_str()?.to_string();
                    if !merged.contains(&k)? && !frame.explicit.contains(&key) {
                        merged.set_item(&k, v)?;
                        taken.push((child_key(&src_base, &key), child_key(base, &key)));
                        spans.push((child_key(base, &key), Some((start.0, start.1, end.0, end.1))));
                    }
                }
            }
            for j in *lo..*hi {
                let (p, s) = spans[j].clone();
                for (old, new) in &taken {
                    if p.starts_with(old.as_str()) && (p.len() == old.len() || matches!(p.as_bytes()[old.len()], b'.' | b'[')) {
                        spans.push((rebase(&p, old, new), s));
                        break;
                    }
                }
            }
        }
        merged.update(frame.value.cast::<PyDict>().map_err(|_| Stop)?.as_mapping())?;
        Ok(merged.into_any())
    }
}

/// `limits.json_too_deep` of `text`: `(line, column)` or None; a text that is not UTF-8 (a lone
/// surrogate) raises ValueError (the caller then runs the Python function).
#[pyfunction]
fn json_too_deep(text: &Bound<'_, PyString>, max_depth: usize) -> PyResult<Option<(usize, usize)>> {
    let source = text.to_str().map_err(|_| pyo3::exceptions::PyValueError::new_err("not UTF-8"))?;
    Ok(json::too_deep(source, max_depth))
}

#[pymodule]
fn policyguard_yaml(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Composer>()?;
    m.add_function(wrap_pyfunction!(json_too_deep, m)?)?;
    Ok(())
}
