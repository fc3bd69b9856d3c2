//! A sorted run of visited fingerprints on disk, each with its parent's: the part of the
//! visited set that did not fit in its memory budget, as TLC's disk-based fingerprint set
//! keeps it. Records are 16 bytes (fingerprint, parent), sorted by fingerprint, in blocks of
//! [`BLOCK`] records; the first fingerprint of every block is kept in memory (half a byte a
//! state), so a lookup reads one block (4 KB, usually from the page cache).
//!
//! A run grows by merging a sorted batch from memory into it: the old run is read
//! sequentially, the new one written sequentially beside it and renamed over it.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Records per block.
pub const BLOCK: usize = 256;
const RECORD: usize = 16;

/// A sorted run of (fingerprint, parent) records.
#[derive(Debug)]
pub struct DiskRun {
    path: PathBuf,
    file: File,
    /// The first fingerprint of each block.
    index: Vec<u64>,
    len: usize,
}

impl DiskRun {
    /// The number of records.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The parent recorded for `fingerprint`, if it is in the run.
    pub fn get(&self, fingerprint: u64) -> io::Result<Option<u64>> {
        let block = match self.index.partition_point(|&first| first <= fingerprint) {
            0 => return Ok(None),
            n => n - 1,
        };
        let start = block * BLOCK;
        let count = BLOCK.min(self.len - start);
        let mut bytes = [0u8; BLOCK * RECORD];
        let bytes = &mut bytes[..count * RECORD];
        self.file.read_exact_at(bytes, (start * RECORD) as u64)?;
        let record = |i: usize| {
            let r = &bytes[i * RECORD..(i + 1) * RECORD];
            (
                u64::from_le_bytes(r[..8].try_into().expect("8 bytes")),
                u64::from_le_bytes(r[8..].try_into().expect("8 bytes")),
            )
        };
        let (mut lo, mut hi) = (0, count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (fp, parent) = record(mid);
            match fp.cmp(&fingerprint) {
                std::cmp::Ordering::Equal => return Ok(Some(parent)),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        Ok(None)
    }

    /// Merges `batch` (sorted by fingerprint, none of them in `old`) with `old` into a new run
    /// at `dir/visited.run`; returns it and the bytes written.
    pub fn merge(
        old: Option<DiskRun>,
        batch: &[(u64, u64)],
        dir: &Path,
    ) -> io::Result<(DiskRun, u64)> {
        let path = dir.join("visited.run");
        let temp = dir.join("visited.run.new");
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&temp)?);
        let mut index = Vec::new();
        let mut len = 0usize;
        let mut write = |fp: u64, parent: u64, out: &mut BufWriter<File>| -> io::Result<()> {
            if len.is_multiple_of(BLOCK) {
                index.push(fp);
            }
            out.write_all(&fp.to_le_bytes())?;
            out.write_all(&parent.to_le_bytes())?;
            len += 1;
            Ok(())
        };
        let mut batch = batch.iter().copied().peekable();
        if let Some(old) = old {
            let mut reader = BufReader::with_capacity(1 << 20, File::open(&old.path)?);
            let mut record = [0u8; RECORD];
            for _ in 0..old.len {
                reader.read_exact(&mut record)?;
                let fp = u64::from_le_bytes(record[..8].try_into().expect("8 bytes"));
                let parent = u64::from_le_bytes(record[8..].try_into().expect("8 bytes"));
                while let Some(&(b, p)) = batch.peek().filter(|(b, _)| *b < fp) {
                    write(b, p, &mut out)?;
                    batch.next();
                }
                write(fp, parent, &mut out)?;
            }
        }
        for (b, p) in batch {
            write(b, p, &mut out)?;
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_data()?;
        drop(file);
        std::fs::rename(&temp, &path)?;
        let written = (len * RECORD) as u64;
        Ok((
            DiskRun {
                file: File::open(&path)?,
                path,
                index,
                len,
            },
            written,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merged_run_finds_every_record_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let first: Vec<(u64, u64)> = (0..1000u64).map(|i| (i * 10, i)).collect();
        let (run, written) = DiskRun::merge(None, &first, dir.path()).unwrap();
        assert_eq!(written, 16_000);
        let second: Vec<(u64, u64)> = (0..700u64).map(|i| (i * 10 + 5, i + 1)).collect();
        let (run, _) = DiskRun::merge(Some(run), &second, dir.path()).unwrap();
        assert_eq!(run.len(), 1700);
        assert_eq!(run.get(0).unwrap(), Some(0));
        assert_eq!(run.get(9990).unwrap(), Some(999));
        assert_eq!(run.get(6995).unwrap(), Some(700));
        assert_eq!(run.get(7005).unwrap(), None, "past the second batch");
        assert_eq!(run.get(3).unwrap(), None);
        assert_eq!(run.get(u64::MAX).unwrap(), None);
        assert!(!dir.path().join("visited.run.new").exists());
    }
}
