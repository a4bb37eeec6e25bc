//! Record framing, shared by journal segments and snapshots: `[len: u32 LE][crc32c of payload:
//! u32 LE][payload]`. The length and checksum let recovery tell a record torn by a crash (short,
//! or failing its checksum, at the very end) from corruption (anything else).

use std::io;

/// Bytes before a record's payload.
pub(super) const HEADER: usize = 8;

/// Appends one framed record to `buf`.
pub(super) fn frame(buf: &mut Vec<u8>, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "record over 4 GiB"))?;
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    buf.extend_from_slice(payload);
    Ok(())
}

/// Why the bytes at an offset are not a whole record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Torn {
    ShortHeader,
    ZeroLength,
    ShortPayload,
    BadChecksum,
}

impl Torn {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Torn::ShortHeader => "a record header cut short",
            Torn::ZeroLength => "a record of length 0",
            Torn::ShortPayload => "a record payload cut short",
            Torn::BadChecksum => "a record failing its checksum",
        }
    }
}

/// The payload of the record at `at`, and where the next one starts.
pub(super) fn unframe(bytes: &[u8], at: usize) -> Result<(&[u8], usize), Torn> {
    let rest = &bytes[at..];
    if rest.len() < HEADER {
        return Err(Torn::ShortHeader);
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    // Our payloads are never empty; a zero length is what a zero-filled tail (space the file
    // system allocated but the crash left unwritten) looks like.
    if len == 0 {
        return Err(Torn::ZeroLength);
    }
    let Some(payload) = rest.get(HEADER..HEADER + len) else {
        return Err(Torn::ShortPayload);
    };
    if crc32c::crc32c(payload) != crc {
        return Err(Torn::BadChecksum);
    }
    Ok((payload, at + HEADER + len))
}

/// Whether a whole, checksummed record starts anywhere after `from`: if one does, a bad record
/// before it is corruption in the middle of the file, not a torn tail.
pub(super) fn record_after(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len().saturating_sub(HEADER)).find(|&at| unframe(bytes, at).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_framed_record_reads_back_and_any_damage_is_seen() {
        let mut buf = Vec::new();
        frame(&mut buf, b"first").unwrap();
        frame(&mut buf, b"second").unwrap();

        let (payload, next) = unframe(&buf, 0).unwrap();
        assert_eq!(payload, b"first");
        assert_eq!(unframe(&buf, next).unwrap(), (&b"second"[..], buf.len()));

        assert_eq!(unframe(&buf[..next + 3], next), Err(Torn::ShortHeader));
        assert_eq!(
            unframe(&buf[..buf.len() - 1], next),
            Err(Torn::ShortPayload)
        );
        let mut flipped = buf.clone();
        flipped[HEADER] ^= 1;
        assert_eq!(unframe(&flipped, 0), Err(Torn::BadChecksum));
        assert_eq!(record_after(&flipped, 1), Some(next));
        assert_eq!(unframe(&[0u8; 16], 0), Err(Torn::ZeroLength));
        assert_eq!(record_after(&[0u8; 64], 0), None);
    }
}
