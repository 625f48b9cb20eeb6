use super::*;

const SECRET: &[u8] = b"# keycellar sheet 7F3A9C2E, entries: 2\nAGE-SECRET-KEY-1EXAMPLE\n";
const SHEET: [u8; 4] = [0x7F, 0x3A, 0x9C, 0x2E];

fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    (0u32..1 << n)
        .filter(|m| m.count_ones() as usize == k)
        .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
        .collect()
}

#[test]
fn every_k_subset_combines_and_every_smaller_one_says_how_many_more() {
    let (threshold, shares) = split(SECRET, SHEET, 3, 5).unwrap();
    for subset in subsets(5, 3) {
        let chosen: Vec<Share> = subset.iter().map(|&i| shares[i].clone()).collect();
        assert_eq!(&combine(&chosen, Some(&threshold)).unwrap()[..], SECRET);
    }
    for subset in subsets(5, 2) {
        let chosen: Vec<Share> = subset.iter().map(|&i| shares[i].clone()).collect();
        let message = combine(&chosen, Some(&threshold)).unwrap_err().to_string();
        assert!(message.contains("1 more is needed"), "{message}");
    }
}

#[test]
fn shares_survive_their_bytes_and_a_flipped_byte_is_caught() {
    let (threshold, shares) = split(SECRET, SHEET, 2, 3).unwrap();
    for share in &shares {
        let bytes = share.to_bytes();
        assert_eq!(&Share::parse(&bytes).unwrap(), share);
        for i in 0..bytes.len() {
            let mut damaged = bytes.to_vec();
            damaged[i] ^= 0x04;
            assert!(Share::parse(&damaged).is_err(), "byte {i}");
        }
    }
    assert_eq!(Threshold::parse(&threshold.to_bytes()).unwrap(), threshold);
}

#[test]
fn shares_of_two_splits_repeats_and_altered_shares_are_named() {
    let (first, a) = split(SECRET, SHEET, 2, 3).unwrap();
    let (_, b) = split(SECRET, [1, 2, 3, 4], 2, 3).unwrap();
    let message = combine(&[a[0].clone(), b[1].clone()], Some(&first))
        .unwrap_err()
        .to_string();
    assert!(message.contains("another split"), "{message}");
    // A share repeated counts once.
    let message = combine(&[a[0].clone(), a[0].clone()], Some(&first))
        .unwrap_err()
        .to_string();
    assert!(message.contains("1 more is needed"), "{message}");
    // A share altered with its check recomputed: the digest catches it.
    let mut altered = a[1].clone();
    altered.y[0] ^= 1;
    let message = combine(&[a[0].clone(), altered.clone()], None)
        .unwrap_err()
        .to_string();
    assert!(message.contains("altered"), "{message}");
    let message = combine(&[a[1].clone(), altered], None)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("two different shares are numbered 2"),
        "{message}"
    );
    // The data sheet alone.
    let message = combine(&[], Some(&first)).unwrap_err().to_string();
    assert!(
        message.contains("2-of-3: 0 shares were read (none); 2 more are needed"),
        "{message}"
    );
}
