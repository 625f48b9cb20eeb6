//! Words in messages that depend on a number: "1 entry", "2 entries", never "entry(s)";
//! lists cut to their first few.

/// `n` and the noun that agrees with it.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", noun(n, one, many))
}

/// The noun that agrees with `n`.
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The first `shown` of `items` joined with commas, and how many more there are: a list a
/// hostile file made long stays one line.
pub fn first_few(items: &[String], shown: usize) -> String {
    let mut text = items[..items.len().min(shown)].join(", ");
    if items.len() > shown {
        text.push_str(&format!(" and {} more", items.len() - shown));
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn nouns_agree_with_their_number() {
        assert_eq!(super::count(1, "entry", "entries"), "1 entry");
        assert_eq!(super::count(0, "entry", "entries"), "0 entries");
        assert_eq!(super::count(2, "page", "pages"), "2 pages");
        let items: Vec<String> = (1..=5).map(|n| n.to_string()).collect();
        assert_eq!(super::first_few(&items, 3), "1, 2, 3 and 2 more");
        assert_eq!(super::first_few(&items[..2], 3), "1, 2");
    }
}
