use super::*;

const DEFAULT: Kdf = Kdf::Argon2id {
    memory_kib: 256 * 1024,
    time: 3,
};

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs()
}

#[test]
fn the_model_gives_back_the_measurements_it_was_fitted_to() {
    for m in [MEASURED[0], MEASURED[2], MEASURED[3]] {
        let modelled = guesses_per_second(m.kdf);
        assert!(
            close(modelled, m.guesses_per_second, 1e-9),
            "{:?}: {modelled}",
            m.kdf
        );
    }
    // The measurement not used for fitting: twice the passes, half the speed, within 5%.
    let doubled = guesses_per_second(MEASURED[1].kdf);
    assert!(
        close(doubled, MEASURED[1].guesses_per_second, 0.05),
        "{doubled}"
    );
    assert!(
        close(memory_exponent(), 1.7256, 1e-3),
        "{}",
        memory_exponent()
    );
}

#[test]
fn costs_follow_from_guesses_speed_and_price() {
    let cost = GuessCost::of(1e10, DEFAULT);
    assert!(close(cost.gpu_seconds, 1e10 / 985.0, 1e-9));
    assert!(close(cost.dollars, 1e10 / 985.0 / 3600.0 * 2.0, 1e-9));
    assert_eq!(
        cost.to_string(),
        "about 120 GPU-days, about $5,600 to guess"
    );
    let scrypt = GuessCost::of(1e12, Kdf::Scrypt { log_n: 18 });
    assert!(close(scrypt.gpu_seconds, 1e12 / 105.0, 1e-9));
    assert_eq!(
        scrypt.to_string(),
        "about 300 GPU-years, about $5.3 million to guess"
    );
}

#[test]
fn a_typical_four_word_passphrase_clears_the_floor_only_with_enough_work() {
    let four = typical_four_words();
    assert!(!GuessCost::of(four, DEFAULT).below_floor());
    let light = Kdf::Argon2id {
        memory_kib: 64 * 1024,
        time: 1,
    };
    assert!(GuessCost::of(four, light).below_floor());
    // The floor itself: exactly the guesses a million dollars buys is not below it.
    let at_floor = FLOOR_DOLLARS / DOLLARS_PER_GPU_HOUR * 3600.0 * 985.0;
    assert!(!GuessCost::of(at_floor * 1.0001, DEFAULT).below_floor());
    assert!(GuessCost::of(at_floor * 0.9999, DEFAULT).below_floor());
}

#[test]
fn amounts_read_as_words() {
    assert_eq!(gpu_time(0.2), "less than a GPU-second");
    assert_eq!(gpu_time(3.0 * 86400.0), "about 3 GPU-days");
    assert_eq!(gpu_time(86400.0), "about 1 GPU-day");
    assert_eq!(
        gpu_time(40_000.0 * 365.25 * 86400.0),
        "about 40,000 GPU-years"
    );
    assert_eq!(
        gpu_time(1.8e7 * 365.25 * 86400.0),
        "about 18 million GPU-years"
    );
    assert_eq!(gpu_time(4e20 * 365.25 * 86400.0), "about 10^20 GPU-years");
    assert_eq!(dollars(0.5), "less than $1");
    assert_eq!(dollars(204.0), "about $200");
    assert_eq!(dollars(1_234_567.0), "about $1.2 million");
    assert_eq!(dollars(56_000.0), "about $56,000");
    assert_eq!(dollars(3.2e11), "about $320 billion");
    assert_eq!(dollars(FLOOR_DOLLARS), format!("about {FLOOR_TEXT}"));
}
