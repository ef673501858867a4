//! libyaml's parser events (unsafe-libyaml: libyaml 0.2.5's C translated to Rust), owned.

use std::mem::MaybeUninit;

use unsafe_libyaml as sys;

#[derive(Clone, Copy)]
pub struct Mark {
    pub line: u64,
    pub column: u64,
}

pub enum EventData {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias { anchor: String },
    // block: literal (`|`) or folded (`>`) style
    Scalar { anchor: Option<String>, tag: Option<String>, value: String, plain_implicit: bool, block: bool },
    // a collection's start (a mapping's when `map`) and end
    Start { map: bool, anchor: Option<String>, tag: Option<String>, flow: bool },
    End,
}

pub struct Event {
    pub data: EventData,
    pub start_mark: Mark,
    pub end_mark: Mark,
}

/// A parser over a UTF-8 text (which it borrows for its whole life).
pub struct Events<'a> {
    parser: Box<MaybeUninit<sys::yaml_parser_t>>,
    _input: &'a [u8],
}

fn mark(m: &sys::yaml_mark_t) -> Mark {
    Mark { line: m.line, column: m.column }
}

/// A NUL-terminated string of libyaml's, or None for a null pointer; Err when not UTF-8.
unsafe fn c_str(p: *const u8) -> Result<Option<String>, ()> {
    if p.is_null() {
        return Ok(None);
    }
    let bytes = std::ffi::CStr::from_ptr(p.cast()).to_bytes();
    std::str::from_utf8(bytes).map(|s| Some(s.to_string())).map_err(|_| ())
}

impl<'a> Events<'a> {
    pub fn new(input: &'a [u8]) -> Option<Self> {
        let mut parser = Box::new(MaybeUninit::<sys::yaml_parser_t>::uninit());
        // SAFETY: initialize fills the struct; the input outlives the parser (it is borrowed
        // for 'a and the parser is deleted in Drop). The encoding is left to libyaml's own
        // detection, as PyYAML's CParser leaves it.
        unsafe {
            if sys::yaml_parser_initialize(parser.as_mut_ptr()).fail {
                return None;
            }
            sys::yaml_parser_set_input_string(parser.as_mut_ptr(), input.as_ptr(), input.len() as u64);
        }
        Some(Events { parser, _input: input })
    }

    /// The next event, or None on a syntax error (or text that is not UTF-8).
    pub fn next(&mut self) -> Option<Event> {
        let mut raw = MaybeUninit::<sys::yaml_event_t>::uninit();
        // SAFETY: parse fills `raw` when it succeeds; the event is read and deleted here.
        unsafe {
            if sys::yaml_parser_parse(self.parser.as_mut_ptr(), raw.as_mut_ptr()).fail {
                return None;
            }
            let ev = &*raw.as_ptr();
            let data = Self::data(ev);
            let out = data.ok().map(|data| Event { data, start_mark: mark(&ev.start_mark), end_mark: mark(&ev.end_mark) });
            sys::yaml_event_delete(raw.as_mut_ptr());
            out
        }
    }

    unsafe fn data(ev: &sys::yaml_event_t) -> Result<EventData, ()> {
        use sys::yaml_event_type_t::*;
        Ok(match ev.type_ {
            YAML_STREAM_START_EVENT => EventData::StreamStart,
            YAML_STREAM_END_EVENT => EventData::StreamEnd,
            YAML_DOCUMENT_START_EVENT => EventData::DocumentStart,
            YAML_DOCUMENT_END_EVENT => EventData::DocumentEnd,
            YAML_ALIAS_EVENT => EventData::Alias { anchor: c_str(ev.data.alias.anchor)?.ok_or(())? },
            YAML_SCALAR_EVENT => {
                let s = ev.data.scalar;
                let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                EventData::Scalar {
                    anchor: c_str(s.anchor)?,
                    tag: c_str(s.tag)?,
                    value: std::str::from_utf8(bytes).map_err(|_| ())?.to_string(),
                    plain_implicit: s.plain_implicit,
                    block: matches!(
                        s.style,
                        sys::yaml_scalar_style_t::YAML_LITERAL_SCALAR_STYLE | sys::yaml_scalar_style_t::YAML_FOLDED_SCALAR_STYLE
                    ),
                }
            }
            YAML_SEQUENCE_START_EVENT | YAML_MAPPING_START_EVENT => {
                let map = ev.type_ == YAML_MAPPING_START_EVENT;
                let (anchor, tag, flow) = if map {
                    let s = ev.data.mapping_start;
                    (s.anchor, s.tag, s.style == sys::yaml_mapping_style_t::YAML_FLOW_MAPPING_STYLE)
                } else {
                    let s = ev.data.sequence_start;
                    (s.anchor, s.tag, s.style == sys::yaml_sequence_style_t::YAML_FLOW_SEQUENCE_STYLE)
                };
                EventData::Start { map, anchor: c_str(anchor)?, tag: c_str(tag)?, flow }
            }
            YAML_SEQUENCE_END_EVENT | YAML_MAPPING_END_EVENT => EventData::End,
            _ => return Err(()),
        })
    }
}

impl Drop for Events<'_> {
    fn drop(&mut self) {
        // SAFETY: initialized in new(); deleted once
        unsafe { sys::yaml_parser_delete(self.parser.as_mut_ptr()) }
    }
}
