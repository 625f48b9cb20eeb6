//! The example command lines, one table: `keycellar help COMMAND` shows them, the man pages
//! print them, and tests/it/examples.rs runs every one against a vault holding what they
//! name, so no example can be shown without being tried. This file uses nothing outside
//! `std`: the tests read it as it is (`#[path]`).

/// One example: the command whose help shows it, the line as typed, and a note for what the
/// line does not say. A public key in an example is whole and of its exchange's shape, so
/// that pasting the line meets no check (tests/it/examples.rs).
pub struct Example {
    pub command: &'static str,
    pub line: &'static str,
    pub note: Option<&'static str>,
}

const fn example(command: &'static str, line: &'static str) -> Example {
    Example {
        command,
        line,
        note: None,
    }
}

const fn noted(command: &'static str, line: &'static str, note: &'static str) -> Example {
    Example {
        command,
        line,
        note: Some(note),
    }
}

/// Every example, grouped by command in the order help lists the commands.
pub const EXAMPLES: &[Example] = &[
    noted("init", "keycellar init", "asks for the passphrase twice"),
    example(
        "add",
        "keycellar add kraken-grid-bot --exchange kraken \
         --key CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y \
         --permission query-funds --permission modify-trades",
    ),
    example(
        "add",
        "keycellar add kraken-2fa-bot --qr kraken-key.png --otp-qr kraken-2fa.png",
    ),
    example("list", "keycellar list --json | jq -r '.entries[].label'"),
    example("show", "keycellar show kraken-grid-bot"),
    noted(
        "otp",
        "keycellar otp kraken-2fa-bot",
        "a key recorded with --otp-qr or --otp-file",
    ),
    example(
        "edit",
        "keycellar edit kraken-grid-bot --add-ip 203.0.113.8 --note 'second VPS'",
    ),
    example("remove", "keycellar remove old-test-key"),
    noted(
        "passwd",
        "keycellar passwd",
        "asks for the old one, then the new one twice",
    ),
    example("slot", "keycellar slot list"),
    noted(
        "slot",
        "keycellar slot add -r age1yubikey1q... --name spare-yubikey",
        "no token needed",
    ),
    example("slot", "keycellar slot remove spare-yubikey"),
    example("slot list", "keycellar slot list --json"),
    example(
        "slot add",
        "keycellar slot add -r age1yubikey1q... --name spare-yubikey",
    ),
    example("slot add", "keycellar slot add -R escrow-recipients.txt"),
    example(
        "slot add",
        "keycellar slot add -r \"$(cat ~/.ssh/id_ed25519.pub)\" --name laptop-ssh",
    ),
    noted(
        "slot remove",
        "keycellar slot remove lost-yubikey",
        "then: keycellar rekey",
    ),
    noted(
        "rekey",
        "keycellar rekey",
        "after `slot remove` of a lost token",
    ),
    example("fingerprint", "keycellar fingerprint kraken-grid-bot"),
    example("verify", "keycellar verify"),
    example(
        "verify",
        "keycellar verify kraken-grid-bot --fingerprint 7K2M-9QXD-4TRE-HA0C",
    ),
    example(
        "verify",
        "keycellar verify kraken-grid-bot \
         --key CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y",
    ),
    example(
        "verify",
        "keycellar verify --backup keys.age -i backup-key.txt",
    ),
    example(
        "export",
        "keycellar export -o keys.age \
         -r age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
    ),
    example(
        "export",
        "keycellar export -o team-keys.age -R team-recipients.txt --armor",
    ),
    example(
        "export",
        "keycellar export -o grid-bot.age --passphrase kraken-grid-bot",
    ),
    example(
        "import",
        "keycellar import keys.age -i backup-key.txt --dry-run",
    ),
    example(
        "import",
        "keycellar import --init keys.age -i ~/.ssh/id_ed25519",
    ),
    example(
        "import",
        "keycellar import --from freqtrade config.json --dry-run",
    ),
    example("import", "keycellar import --from env - < .env"),
    example(
        "import",
        "keycellar import --from freqtrade config.json --strip --backup",
    ),
    example("print", "keycellar print -o backup.pdf"),
    example(
        "print",
        "keycellar print -o team-backup.pdf --paper letter -R team-recipients.txt kraken-grid-bot",
    ),
    example(
        "restore",
        "keycellar restore --init --image page1.png page2.png page3.png",
    ),
    example(
        "restore",
        "keycellar restore --text typed.txt --label kraken-grid-bot",
    ),
    example(
        "rotate",
        "keycellar rotate kraken-grid-bot \
         --key sXaG91wSdCX6UN6q+2TAr7/SscZGDVYKFABYvWDr4QeZpPx7UqOFjluF \
         --secret-file new-secret.txt --reason scheduled",
    ),
    example("history", "keycellar history kraken-grid-bot"),
    example("history", "keycellar history kraken-grid-bot --signatures"),
    example("status", "keycellar status"),
    noted(
        "audit",
        "keycellar --passphrase-file ~/.vault-pass audit --json",
        "from cron",
    ),
    example("exec", "keycellar exec kraken-grid-bot -- ./gridbot --live"),
    example(
        "exec",
        "keycellar exec --profile freqtrade kraken-freqtrade -- freqtrade trade -c config.json",
    ),
    example(
        "exec",
        "keycellar exec --profile json-fd kraken-grid-bot -- python3 bot.py",
    ),
    example(
        "exec",
        "keycellar exec okx-tax --env OKX_KEY=api_key --env OKX_SECRET=secret -- python sync.py",
    ),
    example("exec", "keycellar exec --list-profiles"),
    noted("agent", "keycellar agent start", "asks the passphrase once"),
    example("agent", "keycellar agent status"),
    example("agent", "keycellar agent stop"),
    example("agent start", "keycellar agent start"),
    noted(
        "agent start",
        "keycellar agent start --idle 1h -- ./supervisor.sh",
        "the agent ends with the command",
    ),
    noted(
        "agent start",
        "keycellar agent start --idle none --max none",
        "a server's agent: stated explicitly",
    ),
    example("agent status", "keycellar agent status --json"),
    example("agent stop", "keycellar agent stop"),
    example("lock", "keycellar lock"),
    example(
        "keygen",
        "keycellar keygen -o backup-key.txt > backup-recipient.txt",
    ),
    noted(
        "keygen",
        "keycellar keygen -y backup-key.txt > backup-recipient.txt",
        "its recipient again",
    ),
    noted(
        "completions",
        "keycellar completions bash > ~/.local/share/bash-completion/completions/keycellar",
        "after mkdir -p ~/.local/share/bash-completion/completions",
    ),
    noted(
        "completions",
        "keycellar completions zsh > ~/.zfunc/_keycellar",
        "after mkdir -p ~/.zfunc; and in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath)",
    ),
    noted(
        "man",
        "keycellar man -o ~/.cargo/share/man/man1",
        "where man looks when ~/.cargo/bin is on PATH",
    ),
];

/// The first steps, shown on the overview man page `keycellar.1`.
pub const FIRST_STEPS: &[Example] = &[
    example("init", "keycellar init"),
    example("add", "keycellar add kraken-grid-bot --exchange kraken"),
    example(
        "export",
        "keycellar export -o keys.age -R team-recipients.txt",
    ),
    example("print", "keycellar print -o backup.pdf"),
    example("verify", "keycellar verify"),
];

/// Help wraps a line longer than this many columns (a trailing backslash, as in a shell).
const HELP_WIDTH: usize = 88;

impl Example {
    /// The line and its note, as one line (the man pages' form).
    pub fn annotated(&self) -> String {
        match self.note {
            Some(note) => format!("{}   ({note})", self.line),
            None => self.line.to_string(),
        }
    }

    /// The line as help shows it, indented by `indent` columns: wrapped between words
    /// with a trailing backslash, the note after the last part.
    fn wrapped(&self, indent: usize) -> String {
        let mut lines = vec![String::new()];
        for word in self.line.split(' ') {
            let current = lines.last_mut().expect("one line at least");
            let width = indent + current.len() + 1 + word.len() + " \\".len();
            if !current.is_empty() && width > HELP_WIDTH {
                current.push_str(" \\");
                lines.push(format!("    {word}"));
            } else {
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(word);
            }
        }
        if let Some(note) = self.note {
            lines
                .last_mut()
                .expect("one line at least")
                .push_str(&format!("   ({note})"));
        }
        lines.join("\n")
    }
}

/// The examples of one command.
pub fn of(command: &str) -> impl Iterator<Item = &'static Example> + use<'_> {
    EXAMPLES.iter().filter(move |e| e.command == command)
}

/// The "Example:" or "Examples:" text help shows after a command's options, then `more`.
pub fn help(command: &str, more: &str) -> String {
    let examples: Vec<&Example> = of(command).collect();
    let mut text = match examples[..] {
        [] => String::new(),
        [one] => format!("Example: {}", one.wrapped("Example: ".len())),
        _ => {
            let lines: Vec<String> = examples
                .iter()
                .map(|e| format!("  {}", e.wrapped(2)))
                .collect();
            format!("Examples:\n{}", lines.join("\n"))
        }
    };
    if !more.is_empty() {
        text.push_str("\n\n");
        text.push_str(more);
    }
    text
}
