//! KeePass XML, as `keepassxc-cli export` (and KeePass 2's "KeePass XML (2.x)" export)
//! writes it: `KeePassFile` > `Root` > `Group`s of `Entry`s, each a list of `String`s with a
//! `Key` and a `Value` (`Title`, `UserName`, `Password`, `URL`, `Notes`, and custom ones;
//! `ProtectInMemory="True"` marks a hidden one). An entry's older versions (`History`) and
//! the entries in the recycle bin are passed over. A value marked `Protected="True"` is
//! encrypted (the XML inside a .kdbx file, not an export) and refused, as is a .kdbx file.

use super::item::{Field, Item};
use super::xml::{Event, Reader};
use super::{Problem, RawKey};
use crate::secret::Secret;
use zeroize::Zeroizing;

/// The first bytes of a KeePass database file (.kdbx, .kdb).
const DATABASE_MAGIC: [u8; 4] = [0x03, 0xd9, 0xa2, 0x9a];

/// What a KeePass database file is, as a message says it.
pub(super) const DATABASE: &str = "a KeePass database (.kdbx), not the XML it exports";

pub(super) fn is_database(bytes: &[u8]) -> bool {
    bytes.starts_with(&DATABASE_MAGIC)
}

/// The entry being read, and its `String` being read.
#[derive(Default)]
struct Reading {
    items: Vec<Item>,
    recycle_bin: Option<String>,
    /// Each open group's UUID.
    groups: Vec<String>,
    group_names: Vec<String>,
    entry: Option<Vec<Field>>,
    key: String,
    value: Zeroizing<String>,
    hidden: bool,
}

pub(super) fn read(text: &str) -> Result<Vec<RawKey>, Problem> {
    let mut reader = Reader::new(text);
    let mut state = Reading::default();
    while let Some(event) = reader.next_event()? {
        match event {
            Event::Start { name, attributes } => {
                let open = reader.open();
                if open.len() == 1 && name != "KeePassFile" {
                    return Err(Problem::Line {
                        line: 1,
                        problem: "this is not KeePass XML: its root element is not KeePassFile",
                    });
                }
                if name == "History" && open.contains(&"Entry") {
                    skip(&mut reader)?;
                    continue;
                }
                let attribute = |wanted: &str| {
                    attributes
                        .iter()
                        .any(|(n, v)| *n == wanted && v.eq_ignore_ascii_case("true"))
                };
                if name == "Value" && attribute("Protected") {
                    return Err(Problem::Encrypted {
                        what: "KeePass XML whose values are protected (the XML inside a .kdbx \
                               file, not an export)",
                    });
                }
                state.start(open, attribute("ProtectInMemory"));
            }
            Event::Text(text) => state.text(reader.open(), &text),
            Event::End { name } => state.end(name, reader.open()),
        }
    }
    Ok(state
        .items
        .into_iter()
        .filter_map(|i| i.into_key(false))
        .collect())
}

/// Reads past the element just opened, to its end.
fn skip(reader: &mut Reader) -> Result<(), Problem> {
    let depth = reader.open().len();
    while reader.open().len() >= depth {
        if reader.next_event()?.is_none() {
            break;
        }
    }
    Ok(())
}

impl Reading {
    fn start(&mut self, open: &[&str], hidden: bool) {
        match open {
            [.., "Group"] => {
                self.groups.push(String::new());
                self.group_names.push(String::new());
            }
            [.., "Group", "Entry"] => self.entry = Some(Vec::new()),
            [.., "Entry", "String"] => {
                self.key.clear();
                self.value = Zeroizing::new(String::new());
                self.hidden = false;
            }
            [.., "Entry", "String", "Value"] => self.hidden = hidden,
            _ => {}
        }
    }

    fn text(&mut self, open: &[&str], text: &str) {
        let last = |v: &mut Vec<String>| v.last_mut().map(|s| s.push_str(text));
        match open {
            [.., "Meta", "RecycleBinUUID"] => {
                self.recycle_bin.get_or_insert_default().push_str(text);
            }
            [.., "Group", "UUID"] => _ = last(&mut self.groups),
            [.., "Group", "Name"] => _ = last(&mut self.group_names),
            [.., "Entry", "String", "Key"] => self.key.push_str(text),
            [.., "Entry", "String", "Value"] => self.value.push_str(text),
            _ => {}
        }
    }

    /// Finishes what closed (`open` no longer holds it): a `String`, an `Entry`, a `Group`.
    fn end(&mut self, name: &str, open: &[&str]) {
        match (name, open) {
            ("String", [.., "Entry"]) if !self.key.is_empty() => {
                let field = Field {
                    name: std::mem::take(&mut self.key),
                    value: Secret::new(std::mem::take(&mut *self.value)),
                    hidden: self.hidden,
                };
                self.entry.get_or_insert_default().push(field);
            }
            ("Entry", [.., "Group"]) => {
                let fields = self.entry.take().unwrap_or_default();
                let in_bin = self.recycle_bin.as_ref().is_some_and(|bin| {
                    let bin = bin.trim();
                    self.groups
                        .iter()
                        .any(|g| !bin.is_empty() && g.trim() == bin)
                });
                if !in_bin {
                    self.items.push(item(fields, &self.group_names));
                }
            }
            ("Group", _) => {
                self.groups.pop();
                self.group_names.pop();
            }
            _ => {}
        }
    }
}

/// An entry's fields as an item: the standard ones by their KeePass names.
fn item(fields: Vec<Field>, groups: &[String]) -> Item {
    let mut item = Item::default();
    for field in fields {
        match field.name.as_str() {
            "Title" => item.title = field.value.expose().trim().to_string(),
            "UserName" => item.username = Some((field.name, field.value)),
            "Password" => item.password = Some((field.name, field.value)),
            "URL" => item.urls.push(field.value.expose().trim().to_string()),
            "Notes" => {}
            _ => item.fields.push(field),
        }
    }
    let path: Vec<&str> = groups
        .iter()
        .skip(1)
        .map(String::as_str)
        .chain([item.title.as_str()])
        .collect();
    item.source = path.join("/");
    item
}
