//! Sorted runs of visited fingerprints on disk, each with its parent's: the part of the
//! visited set that did not fit in its memory budget, as TLC's disk-based fingerprint set
//! keeps it. Records are 16 bytes (fingerprint, parent), sorted by fingerprint, in blocks of
//! [`BLOCK`] records; the first fingerprint of every block is kept in memory (one byte a
//! state), so a lookup reads one block (2 KB, usually from the page cache).
//!
//! A run is written sequentially from a sorted batch, or from two runs merged; where both hold
//! a fingerprint the newer record wins (a state of the level being generated reached again
//! from a smaller parent after it was spilled). The runs are merged as a binary counter
//! ([`Runs`]): a record is rewritten at most once per doubling, so the bytes written are
//! O(states × log(states / batch)), not one whole rewrite per spill.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Records per block.
pub const BLOCK: usize = 128;
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
        let (mut lo, mut hi) = (0, count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (fp, parent) = decode(&bytes[mid * RECORD..(mid + 1) * RECORD]);
            match fp.cmp(&fingerprint) {
                std::cmp::Ordering::Equal => return Ok(Some(parent)),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        Ok(None)
    }

    /// Writes the sorted `records` as a run at `path`; returns it.
    fn write(
        path: PathBuf,
        records: impl Iterator<Item = io::Result<(u64, u64)>>,
    ) -> io::Result<DiskRun> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        let mut index = Vec::new();
        let mut len = 0usize;
        for record in records {
            let (fp, parent) = record?;
            if len.is_multiple_of(BLOCK) {
                index.push(fp);
            }
            out.write_all(&fp.to_le_bytes())?;
            out.write_all(&parent.to_le_bytes())?;
            len += 1;
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        drop(file);
        Ok(DiskRun {
            file: File::open(&path)?,
            path,
            index,
            len,
        })
    }

    /// Reads the run from its start.
    fn records(&self) -> io::Result<Records> {
        Ok(Records {
            reader: BufReader::with_capacity(1 << 20, File::open(&self.path)?),
            left: self.len,
        })
    }
}

fn decode(record: &[u8]) -> (u64, u64) {
    (
        u64::from_le_bytes(record[..8].try_into().expect("8 bytes")),
        u64::from_le_bytes(record[8..].try_into().expect("8 bytes")),
    )
}

/// A run read sequentially.
struct Records {
    reader: BufReader<File>,
    left: usize,
}

impl Iterator for Records {
    type Item = io::Result<(u64, u64)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut record = [0u8; RECORD];
        Some(
            self.reader
                .read_exact(&mut record)
                .map(|()| decode(&record)),
        )
    }
}

/// Two sorted streams as one, the newer's record kept where both hold a fingerprint.
fn merged(
    older: impl Iterator<Item = io::Result<(u64, u64)>>,
    newer: impl Iterator<Item = io::Result<(u64, u64)>>,
) -> impl Iterator<Item = io::Result<(u64, u64)>> {
    let mut older = older.peekable();
    let mut newer = newer.peekable();
    std::iter::from_fn(move || {
        let (pick_older, duplicate) = match (older.peek(), newer.peek()) {
            (None, None) => return None,
            (Some(Err(_)), _) => (true, false),
            (_, Some(Err(_))) => (false, false),
            (Some(_), None) => (true, false),
            (None, Some(_)) => (false, false),
            (Some(Ok((o, _))), Some(Ok((n, _)))) => (o < n, o == n),
        };
        if duplicate {
            older.next();
        }
        if pick_older {
            older.next()
        } else {
            newer.next()
        }
    })
}

/// The runs of a spilled visited set, oldest (and largest) first: each run is more than
/// twice the size of the next, so there are at most log2(states / smallest batch) of them
/// and a lookup reads one block of each, newest first.
#[derive(Debug, Default)]
pub struct Runs {
    runs: Vec<DiskRun>,
    /// Names the next run's file.
    made: usize,
}

impl Runs {
    /// The parent recorded for `fingerprint` in the newest run that holds it.
    pub fn get(&self, fingerprint: u64) -> io::Result<Option<u64>> {
        for run in self.runs.iter().rev() {
            if let Some(parent) = run.get(fingerprint)? {
                return Ok(Some(parent));
            }
        }
        Ok(None)
    }

    /// The number of runs.
    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.runs.len()
    }

    /// Adds `batch` (sorted by fingerprint; a fingerprint already in a run gets the batch's
    /// record) as a run in `dir`, merging runs while the newest is at least half the size of
    /// the one before; returns the bytes written.
    pub fn add(&mut self, batch: &[(u64, u64)], dir: &Path) -> io::Result<u64> {
        let mut written = 0;
        let run = DiskRun::write(self.next_path(dir), batch.iter().map(|&r| Ok(r)))?;
        written += (run.len * RECORD) as u64;
        self.runs.push(run);
        while let [.., older, newer] = &self.runs[..]
            && newer.len * 2 >= older.len
        {
            let (older, newer) = (older.records()?, newer.records()?);
            let path = self.next_path(dir);
            let run = DiskRun::write(path, merged(older, newer))?;
            written += (run.len * RECORD) as u64;
            for old in self.runs.drain(self.runs.len() - 2..) {
                drop(old.file);
                std::fs::remove_file(&old.path)?;
            }
            self.runs.push(run);
        }
        Ok(written)
    }

    fn next_path(&mut self, dir: &Path) -> PathBuf {
        self.made += 1;
        dir.join(format!("visited-{}.run", self.made))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_runs_find_every_record_and_nothing_else_the_newer_record_winning() {
        let dir = tempfile::tempdir().unwrap();
        let mut runs = Runs::default();
        let first: Vec<(u64, u64)> = (0..1000u64).map(|i| (i * 10, i)).collect();
        assert_eq!(runs.add(&first, dir.path()).unwrap(), 16_000);
        // Smaller than half: kept apart.
        let second: Vec<(u64, u64)> = (0..300u64).map(|i| (i * 10 + 5, i + 1)).collect();
        assert_eq!(runs.add(&second, dir.path()).unwrap(), 300 * 16);
        assert_eq!(runs.count(), 2);
        assert_eq!(runs.get(0).unwrap(), Some(0));
        assert_eq!(runs.get(2995).unwrap(), Some(300));
        // Half or more: merged with the one before, then with the first.
        let third: Vec<(u64, u64)> = (0..300u64)
            .map(|i| (i * 10 + 7, 7))
            .chain([(9990, 42)])
            .collect();
        let mut third = third;
        third.sort_unstable();
        let written = runs.add(&third, dir.path()).unwrap();
        assert_eq!(runs.count(), 1);
        assert_eq!(
            written,
            (301 + 601 + 1600) * 16,
            "the 9990 duplicate is counted once"
        );
        assert_eq!(runs.get(9990).unwrap(), Some(42), "the newer record wins");
        assert_eq!(runs.get(6995).unwrap(), None, "past the second batch");
        assert_eq!(runs.get(2995).unwrap(), Some(300));
        assert_eq!(runs.get(2997).unwrap(), Some(7));
        assert_eq!(runs.get(3).unwrap(), None);
        assert_eq!(runs.get(u64::MAX).unwrap(), None);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "merged runs are removed"
        );
    }
}
