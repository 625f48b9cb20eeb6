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
        assert_eq!(
            &combine(&chosen, Some(&threshold)).unwrap().secret[..],
            SECRET
        );
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
    let message = combine(&[a[1].clone(), altered.clone()], None)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("two different shares are numbered 2"),
        "{message}"
    );
    // With a third share, the one of the two numbered 2 that does not fit is named.
    let combined = combine(&[a[1].clone(), altered, a[2].clone()], Some(&first)).unwrap();
    assert_eq!(&combined.secret[..], SECRET);
    assert_eq!((combined.used, combined.odd), (vec![2, 3], vec![2]));
    assert!(combined.certain);
    // The data sheet alone.
    let message = combine(&[], Some(&first)).unwrap_err().to_string();
    assert!(
        message.contains("2-of-3: 0 shares were read (none); 2 more are needed"),
        "{message}"
    );
}

/// An altered share (its check recomputed, as a forger would) among more than K shares
/// read: for every split size, every number of shares read above K, every set of them and
/// every position of the altered one, the key comes back from the others and the altered
/// share is named; every share read is checked, none is named when none was altered.
#[test]
fn an_altered_share_among_more_than_k_is_named_and_the_key_still_comes_back() {
    for (k, n) in [(2u8, 3u8), (3, 5), (2, 5), (4, 6)] {
        let (threshold, shares) = split(SECRET, SHEET, k, n).unwrap();
        for read in usize::from(k) + 1..=usize::from(n) {
            for subset in subsets(usize::from(n), read) {
                let honest: Vec<Share> = subset.iter().map(|&i| shares[i].clone()).collect();
                let combined = combine(&honest, Some(&threshold)).unwrap();
                assert!(combined.odd.is_empty(), "{k}-of-{n} {subset:?}");
                for position in 0..read {
                    let mut chosen = honest.clone();
                    chosen[position].y[position % SECRET.len()] ^= 0x5a;
                    let altered = chosen[position].x;
                    let combined = combine(&chosen, Some(&threshold)).unwrap();
                    assert_eq!(&combined.secret[..], SECRET);
                    assert_eq!(combined.odd, [altered], "{k}-of-{n} {subset:?} {position}");
                    assert!(combined.certain);
                    assert!(!combined.used.contains(&altered));
                }
            }
        }
    }
}

/// Too many altered shares to outvote: nothing is restored, and the message says how many
/// were read and that more than the spare ones were altered; exactly K with one altered
/// says one more share would name it. A share cut short is one that does not fit.
#[test]
fn more_altered_shares_than_spare_ones_restore_nothing() {
    let (threshold, shares) = split(SECRET, SHEET, 3, 5).unwrap();
    let mut four: Vec<Share> = shares[..4].to_vec();
    four[0].y[0] ^= 1;
    four[2].y[1] ^= 1;
    let message = combine(&four, Some(&threshold)).unwrap_err().to_string();
    assert!(
        message.contains("no 3 of the 4 shares read (number 1, 2, 3, 4)")
            && message.contains("more than 1 of them were altered"),
        "{message}"
    );
    let message = combine(&four[1..], Some(&threshold))
        .unwrap_err()
        .to_string();
    assert!(message.contains("with one more share"), "{message}");
    let mut short: Vec<Share> = shares[..4].to_vec();
    short[3].y.pop();
    let combined = combine(&short, Some(&threshold)).unwrap();
    assert_eq!(combined.odd, [4]);
}

/// The subset search is bounded and covers the largest split: 16 shares of an 8-of-16
/// split, half of them altered alike so that some mixed subsets still give the key (the
/// changes cancel at 0). The key comes back; which half was altered cannot be told, and
/// the result says so.
#[test]
fn the_subset_search_covers_an_8_of_16_split() {
    let (threshold, shares) = split(SECRET, SHEET, 8, 16).unwrap();
    let mut read = shares.clone();
    read.sort_by_key(|s| s.x);
    for share in &mut read[..8] {
        share.y[0] ^= 1;
    }
    let combined = combine(&read, Some(&threshold)).unwrap();
    assert_eq!(&combined.secret[..], SECRET);
    assert!(!combined.certain && combined.odd.len() == 8, "{combined:?}");
}

/// A hostile copy repeating every number of an 8-of-16 split with altered texts: the
/// search stops at its bound and says what to do.
#[test]
fn repeated_numbers_with_altered_texts_end_the_search_at_its_bound() {
    let (threshold, shares) = split(SECRET, SHEET, 8, 16).unwrap();
    let mut read = Vec::new();
    for share in &shares {
        for change in 1..=2u8 {
            let mut altered = share.clone();
            altered.y[0] ^= change;
            read.push(altered);
        }
        read.push(share.clone());
    }
    let message = combine(&read, Some(&threshold)).unwrap_err().to_string();
    assert!(
        message.contains("48 different share texts") && message.contains("give each share once"),
        "{message}"
    );
}
