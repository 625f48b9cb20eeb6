use super::*;

/// Slot texts of `pages` data pages, of varied lengths, some empty (a last page's
/// free slots).
fn texts(pages: usize, seed: u8) -> Vec<Vec<u8>> {
    (0..pages)
        .map(|d| {
            let len = (d * 37 + usize::from(seed) * 11) % 90;
            (0..len)
                .map(|b| (b as u8).wrapping_mul(31) ^ seed ^ d as u8)
                .collect()
        })
        .collect()
}

fn refs(texts: &[Vec<u8>]) -> Vec<&[u8]> {
    texts.iter().map(Vec::as_slice).collect()
}

#[test]
fn field_arithmetic_matches_the_stated_polynomial() {
    assert_eq!(mul(2, 0x80), 0x1d, "x * x^7 = x^8 = x^4 + x^3 + x^2 + 1");
    assert_eq!(mul(0x53, 1), 0x53);
    for a in 1..=255u8 {
        assert_eq!(mul(a, GF256.inverse(a)), 1, "{a}");
    }
    assert_eq!(GF32.mul(2, 0x10), 0x05, "x * x^4 = x^5 = x^2 + 1");
    for a in 1..32u8 {
        assert_eq!(GF32.mul(a, GF32.inverse(a)), 1, "{a}");
        assert!((0..32).all(|b| GF32.mul(a, b) < 32));
    }
    assert_eq!(
        (GF256.max_data_pages(), GF32.max_data_pages()),
        (MAX_DATA_PAGES, 24)
    );
    // Parity page 0 is the XOR of the data pages.
    for field in [GF256, GF32] {
        assert!((0..field.max_data_pages()).all(|d| field.coefficient(0, d) == 1));
    }
}

/// Every set of up to N lost data pages, with N parity pages, for a sheet of 7 data pages;
/// and every pair of lost pages among data and parity alike.
#[test]
fn any_n_lost_pages_are_rebuilt_exactly() {
    let data = texts(7, 3);
    for n in 1..=3usize {
        let parity = encode(&refs(&data), n);
        let pages = data.len() + n;
        for lost in 0u32..(1 << pages) {
            if lost.count_ones() as usize > n {
                continue;
            }
            let read_data: Vec<Option<&[u8]>> = (0..data.len())
                .map(|d| (lost & (1 << d) == 0).then_some(data[d].as_slice()))
                .collect();
            let read_parity: Vec<Option<&[u8]>> = (0..n)
                .map(|i| (lost & (1 << (data.len() + i)) == 0).then_some(parity[i].as_slice()))
                .collect();
            assert_eq!(
                rebuild(&read_data, &read_parity).unwrap(),
                data,
                "n {n}, lost {lost:b}"
            );
        }
    }
}

#[test]
fn one_page_too_many_asks_for_more_and_names_the_pages() {
    let data = texts(5, 9);
    let parity = encode(&refs(&data), 2);
    let read_data = [
        Some(&data[0][..]),
        None,
        Some(&data[2][..]),
        None,
        Some(&data[4][..]),
    ];
    assert_eq!(
        rebuild(&read_data, &[Some(&parity[0][..]), None]),
        Err(Unrebuilt::NeedMore {
            more: 1,
            missing: vec![1, 3, 6]
        })
    );
    assert_eq!(
        rebuild(&read_data, &[None, None]),
        Err(Unrebuilt::NeedMore {
            more: 2,
            missing: vec![1, 3, 5, 6]
        })
    );
}

#[test]
fn a_damaged_parity_page_changes_nothing_when_the_data_pages_are_read() {
    let data = texts(4, 1);
    let damaged = [0xA5u8; 3];
    let read: Vec<Option<&[u8]>> = data.iter().map(|t| Some(t.as_slice())).collect();
    assert_eq!(rebuild(&read, &[Some(&damaged[..])]).unwrap(), data);
}

#[test]
fn a_wrong_parity_block_is_caught_rather_than_rebuilding_a_wrong_text() {
    let data = texts(6, 4);
    let mut parity = encode(&refs(&data), 1);
    let mut read: Vec<Option<&[u8]>> = data.iter().map(|t| Some(t.as_slice())).collect();
    read[2] = None;
    parity[0][0] ^= 0x40;
    assert_eq!(
        rebuild(&read, &[Some(&parity[0][..])]),
        Err(Unrebuilt::Inconsistent)
    );
}

/// The Cauchy argument, checked: every pair of data pages and every pair of parity pages
/// within the bounds give an invertible system, so any two lost pages can be rebuilt.
#[test]
fn every_two_by_two_system_within_the_bounds_is_invertible() {
    for field in [GF256, GF32] {
        let c = |i, d| field.coefficient(i, d);
        let pages = field.max_data_pages();
        for d1 in 0..pages {
            for d2 in d1 + 1..pages {
                for i1 in 0..MAX_PARITY_PAGES {
                    for i2 in i1 + 1..MAX_PARITY_PAGES {
                        let m = vec![vec![c(i1, d1), c(i1, d2)], vec![c(i2, d1), c(i2, d2)]];
                        let invertible = invert(field, m).is_some();
                        assert!(invertible, "{field:?}: pages {d1} {d2}, parity {i1} {i2}");
                    }
                }
            }
        }
    }
}

/// Every set of up to 3 lost rows of a column of typed lines comes back, in GF(2^5).
#[test]
fn the_character_code_rebuilds_any_n_lost_rows() {
    let rows: Vec<Vec<u8>> = (0..24usize)
        .map(|r| (0..70usize).map(|c| ((r * 7 + c * 3) % 32) as u8).collect())
        .collect();
    let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    let parity = encode_blocks(GF32, &refs, 3);
    assert!(parity.iter().flatten().all(|&v| v < 32));
    for lost in [[0, 1, 2], [3, 17, 23], [5, 6, 22]] {
        let data: Vec<Option<&[u8]>> = (0..rows.len())
            .map(|r| (!lost.contains(&r)).then_some(refs[r]))
            .collect();
        let parity: Vec<Option<&[u8]>> = parity.iter().map(|p| Some(p.as_slice())).collect();
        assert_eq!(
            rebuild_blocks(GF32, &data, &parity).unwrap(),
            rows,
            "{lost:?}"
        );
    }
}

#[test]
fn packing_gives_every_length_back_and_refuses_stray_bits() {
    let text = "MFRGGZDFMZTWQ2LKNBSW4YTPOBYXEAZX7";
    for n in 0..text.len() {
        let packed = pack(&text[..n]);
        assert_eq!(packed.len(), (n * 5).div_ceil(8));
        assert_eq!(unpack(&packed, n).as_deref(), Some(&text[..n]));
    }
    // 3 characters fill 15 bits of 2 bytes: the 16th must be zero.
    assert_eq!(unpack(&[0, 1], 3), None);
    assert_eq!(unpack(&[0, 0, 0], 3), None);
}
