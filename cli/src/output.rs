//! The one place that prints data: a table on a terminal (comfy-table), plain tab-separated
//! text when piped, or `--json` (the contract crate's types serialised as they are on the
//! wire, one document per command, one line per message for streams).
//!
//! Every write returns `io::Result` so a closed stdout surfaces as `BrokenPipe`, which
//! `main` treats as success.

use std::io::{self, Write};

use comfy_table::{presets, Attribute, Cell, ContentArrangement, Table};
use serde::Serialize;

/// How data is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// comfy-table tables.
    Table,
    /// Tab-separated lines, a header line first for lists.
    Plain,
    /// JSON.
    Json,
}

/// A type printed as a row of a list.
pub trait Row {
    /// Column names.
    const HEADERS: &'static [&'static str];
    /// The cells, in [`Row::HEADERS`] order.
    fn cells(&self) -> Vec<String>;
}

/// A type printed as a list of fields.
pub trait Fields {
    /// `(name, value)` pairs.
    fn fields(&self) -> Vec<(&'static str, String)>;
}

/// The printer.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    mode: Mode,
    color: bool,
}

impl Output {
    /// A printer in `mode`; `color` allows bold table headers.
    pub fn new(mode: Mode, color: bool) -> Self {
        Self { mode, color }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether --json is on.
    pub fn is_json(&self) -> bool {
        self.mode == Mode::Json
    }

    /// A list: rows, or a JSON array of the items.
    pub fn list<T: Serialize + Row>(&self, items: &[T]) -> io::Result<()> {
        if self.is_json() {
            return self.json(&items);
        }
        let rows: Vec<Vec<String>> = items.iter().map(Row::cells).collect();
        self.rows(T::HEADERS, &rows)
    }

    /// One item: its fields, or its JSON.
    pub fn record<T: Serialize + Fields>(&self, item: &T) -> io::Result<()> {
        if self.is_json() {
            return self.json(item);
        }
        self.fields(&item.fields())
    }

    /// `(name, value)` pairs as a two-column table or `name<TAB>value` lines (never JSON;
    /// callers print their JSON type themselves).
    pub fn fields(&self, pairs: &[(&str, String)]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        match self.mode {
            Mode::Table => {
                let mut t = self.table();
                for (k, v) in pairs {
                    let key = Cell::new(k);
                    let key = if self.color {
                        key.add_attribute(Attribute::Bold)
                    } else {
                        key
                    };
                    t.add_row(vec![key, Cell::new(v)]);
                }
                writeln!(out, "{t}")
            }
            Mode::Plain | Mode::Json => {
                for (k, v) in pairs {
                    writeln!(out, "{k}\t{}", plain(v))?;
                }
                Ok(())
            }
        }
    }

    /// Rows under headers (a table, or tab-separated lines with a header line).
    pub fn rows(&self, headers: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        match self.mode {
            Mode::Table => {
                if rows.is_empty() {
                    return writeln!(out, "(none)");
                }
                let mut t = self.table();
                t.set_header(headers.iter().map(|h| {
                    let c = Cell::new(h);
                    if self.color {
                        c.add_attribute(Attribute::Bold)
                    } else {
                        c
                    }
                }));
                for r in rows {
                    t.add_row(r);
                }
                writeln!(out, "{t}")
            }
            Mode::Plain | Mode::Json => {
                writeln!(out, "{}", headers.join("\t"))?;
                for r in rows {
                    let cells: Vec<String> = r.iter().map(|c| plain(c)).collect();
                    writeln!(out, "{}", cells.join("\t"))?;
                }
                Ok(())
            }
        }
    }

    /// One JSON document, pretty-printed.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> io::Result<()> {
        let mut out = io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::other)?;
        writeln!(out)
    }

    /// One JSON value on one line (streams).
    pub fn json_line<T: Serialize + ?Sized>(&self, value: &T) -> io::Result<()> {
        let mut out = io::stdout().lock();
        serde_json::to_writer(&mut out, value).map_err(io::Error::other)?;
        writeln!(out)?;
        out.flush()
    }

    /// A line of text on stdout.
    pub fn line(&self, text: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()
    }

    fn table(&self) -> Table {
        let mut t = Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
            .set_content_arrangement(ContentArrangement::Dynamic);
        if !self.color {
            t.force_no_tty();
        }
        // comfy-table asks the terminal for its width; see [`layout_width`].
        if let Some(width) = layout_width(t.width()) {
            t.set_width(width);
        }
        t
    }
}

/// The width a table is laid out in when a terminal's own will not do.
pub const FALLBACK_WIDTH: u16 = 80;

/// The width to impose on a table, given the width the terminal reports (`None`: not a
/// terminal, or it could not be asked): `None` keeps comfy-table's choice. A terminal that
/// reports 0 columns (a pty nobody sized, as `script` and some CI and container terminals
/// give) would squash every column to one character, so the id of `cpl whoami` came out one
/// letter per line: such a table is laid out in [`FALLBACK_WIDTH`] columns instead.
pub fn layout_width(reported: Option<u16>) -> Option<u16> {
    match reported {
        Some(0) => Some(FALLBACK_WIDTH),
        _ => None,
    }
}

/// A cell of plain output: no tabs or newlines inside.
fn plain(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_without_a_width_gets_80_columns_and_others_keep_theirs() {
        assert_eq!(layout_width(Some(0)), Some(FALLBACK_WIDTH));
        assert_eq!(FALLBACK_WIDTH, 80);
        // A real width is the terminal's; no terminal (piped, or --no-color) stays unbounded.
        assert_eq!(layout_width(Some(132)), None);
        assert_eq!(layout_width(Some(1)), None);
        assert_eq!(layout_width(None), None);
    }
}
