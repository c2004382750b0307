//! Ticket lists as CSV (`ticket_id,holder_name,category`, header row first), read as
//! the bytes arrive: a list of any size is parsed in chunks with bounded memory.

use csv_core::{ReadRecordResult, Reader};

use crate::messages::attendance::TicketHolder;
use crate::messages::venue_events::TicketLine;

/// Longest record accepted (bytes); a longer one is not a ticket line.
const RECORD_MAX: usize = 4096;
const FIELDS_MAX: usize = 16;

/// Where each column is, from the header row.
#[derive(Debug, Clone, Copy)]
struct Columns {
    ticket_id: usize,
    holder_name: Option<usize>,
    category: Option<usize>,
}

/// Feeds bytes in, takes ticket lines out.
pub struct TicketCsv {
    reader: Reader,
    record: Vec<u8>,
    record_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    columns: Option<Columns>,
    /// Records read so far, the header included (the line number of the last one
    /// for files without quoted line breaks).
    records: u64,
}

impl Default for TicketCsv {
    fn default() -> Self {
        TicketCsv {
            reader: Reader::new(),
            record: vec![0; 256],
            record_len: 0,
            ends: vec![0; FIELDS_MAX],
            ends_len: 0,
            columns: None,
            records: 0,
        }
    }
}

impl TicketCsv {
    /// The number of the next record, counting the header as 1.
    pub fn next_line(&self) -> u64 {
        self.records + 1
    }

    /// Parses `input` and appends its complete lines to `out`; an empty `input`
    /// means the end of the file (a last line without a line break is read then).
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<TicketLine>) -> Result<(), String> {
        let at_end = input.is_empty();
        loop {
            let (result, n_in, n_out, n_ends) = self.reader.read_record(
                input,
                &mut self.record[self.record_len..],
                &mut self.ends[self.ends_len..],
            );
            input = &input[n_in..];
            self.record_len += n_out;
            self.ends_len += n_ends;
            match result {
                ReadRecordResult::InputEmpty => {
                    if !at_end {
                        return Ok(());
                    }
                }
                ReadRecordResult::OutputFull => {
                    if self.record.len() >= RECORD_MAX {
                        return Err(format!(
                            "line {}: longer than {RECORD_MAX} bytes",
                            self.next_line()
                        ));
                    }
                    self.record.resize(self.record.len() * 2, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    return Err(format!(
                        "line {}: more than {FIELDS_MAX} fields",
                        self.next_line()
                    ));
                }
                ReadRecordResult::Record => {
                    self.records += 1;
                    let line = self.take_record()?;
                    if let Some(line) = line {
                        out.push(line);
                    }
                }
                ReadRecordResult::End => {
                    if self.columns.is_none() {
                        return Err("the file has no header row".to_owned());
                    }
                    return Ok(());
                }
            }
        }
    }

    fn field(&self, i: usize) -> Result<&str, String> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        let bytes = &self.record[start..self.ends[i]];
        std::str::from_utf8(bytes).map_err(|_| format!("line {}: not UTF-8", self.records))
    }

    /// The record just read: the header sets the columns; a blank line is skipped.
    fn take_record(&mut self) -> Result<Option<TicketLine>, String> {
        let n = self.ends_len;
        self.record_len = 0;
        self.ends_len = 0;
        let fields = (0..n)
            .map(|i| self.field(i).map(str::trim))
            .collect::<Result<Vec<&str>, String>>()?;
        let Some(columns) = self.columns else {
            let find = |name: &str| fields.iter().position(|f| f.eq_ignore_ascii_case(name));
            let ticket_id = find("ticket_id").ok_or_else(|| {
                "the header row must name the columns ticket_id,holder_name,category".to_owned()
            })?;
            self.columns = Some(Columns {
                ticket_id,
                holder_name: find("holder_name"),
                category: find("category"),
            });
            return Ok(None);
        };
        if fields.iter().all(|f| f.is_empty()) {
            return Ok(None);
        }
        let get = |i: Option<usize>| {
            i.and_then(|i| fields.get(i))
                .map(|f| (*f).to_owned())
                .unwrap_or_default()
        };
        Ok(Some(TicketLine {
            ticket_id: get(Some(columns.ticket_id)),
            holder: TicketHolder {
                holder_name: get(columns.holder_name),
                category: get(columns.category),
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_chunks(text: &[u8], chunk: usize) -> Result<Vec<TicketLine>, String> {
        let mut csv = TicketCsv::default();
        let mut out = Vec::new();
        for part in text.chunks(chunk) {
            csv.feed(part, &mut out)?;
        }
        csv.feed(&[], &mut out)?;
        Ok(out)
    }

    #[test]
    fn any_chunking_gives_the_same_lines() {
        let text = "ticket_id,holder_name,category\r\nT-1,\"Ayu, Sari\",VIP\nT-2,\"Budi \"\"B\"\"\",\n\nT-3,Citra,regular";
        let whole = parse_in_chunks(text.as_bytes(), text.len()).unwrap();
        assert_eq!(whole.len(), 3);
        assert_eq!(whole[0].ticket_id, "T-1");
        assert_eq!(whole[0].holder.holder_name, "Ayu, Sari");
        assert_eq!(whole[0].holder.category, "VIP");
        assert_eq!(whole[1].holder.holder_name, "Budi \"B\"");
        assert_eq!(whole[1].holder.category, "");
        assert_eq!(whole[2].holder.category, "regular");
        for chunk in 1..text.len() {
            assert_eq!(
                parse_in_chunks(text.as_bytes(), chunk).unwrap(),
                whole,
                "{chunk}"
            );
        }
    }

    #[test]
    fn columns_follow_the_header_and_bad_files_are_refused() {
        let lines = parse_in_chunks(b"category,ticket_id\nVIP,A1\n", 7).unwrap();
        assert_eq!(lines[0].ticket_id, "A1");
        assert_eq!(lines[0].holder.category, "VIP");
        assert!(
            parse_in_chunks(b"id,name\n1,x\n", 64)
                .unwrap_err()
                .contains("header")
        );
        assert!(parse_in_chunks(b"", 64).unwrap_err().contains("no header"));
        let long = format!("ticket_id\n{}\n", "x".repeat(RECORD_MAX + 1));
        assert!(
            parse_in_chunks(long.as_bytes(), 100)
                .unwrap_err()
                .contains("longer")
        );
        assert!(
            parse_in_chunks(b"ticket_id\n\xff\n", 64)
                .unwrap_err()
                .contains("UTF-8")
        );
    }
}

/// Appends one CSV line (RFC 4180: a field with a comma, quote or line break is
/// quoted, its quotes doubled).
pub fn write_line(out: &mut String, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod writing {
    #[test]
    fn fields_that_need_quotes_get_them_and_read_back_the_same() {
        let mut out = String::from("ticket_id,holder_name,category\r\n");
        super::write_line(&mut out, &["T-1", "Sari, \"Ayu\"", "VIP\nfront"]);
        assert_eq!(out.lines().nth(1), Some("T-1,\"Sari, \"\"Ayu\"\"\",\"VIP"));
        let mut csv = super::TicketCsv::default();
        let mut lines = Vec::new();
        csv.feed(out.as_bytes(), &mut lines).unwrap();
        csv.feed(&[], &mut lines).unwrap();
        assert_eq!(lines[0].holder.holder_name, "Sari, \"Ayu\"");
        assert_eq!(lines[0].holder.category, "VIP\nfront");
    }
}
