//! Spreading independent work over the available cores, in order, with typed errors.

use crate::error::{Error, Result};

/// Applies `work` to every item, in chunks of at least `min_chunk` items per thread, and
/// returns the results in the items' order; the first error wins. `what` names the work
/// for the message should a thread panic.
pub fn map<T, R, F>(items: &[T], min_chunk: usize, what: &str, work: F) -> Result<Vec<R>>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> Result<R> + Sync,
{
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(min_chunk).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(work).collect::<Result<Vec<R>>>()))
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for worker in workers {
            let part = worker
                .join()
                .map_err(|_| Error::Internal(format!("a thread {what} panicked")))?;
            all.extend(part?);
        }
        Ok(all)
    })
}
