//! Human units on the command line: sizes (`64KiB`, `16MiB`, `1GB`), durations (`500ms`,
//! `30s`, `5m`) and their display.

use std::time::Duration;

/// Parses a duration: `500ms`, `30s`, `5m`, `1h 30m` (humantime's syntax), or a plain number
/// of seconds (`3`, `0.5`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(secs)
            .map_err(|_| format!("'{text}' is not a valid number of seconds"));
    }
    humantime::parse_duration(text).map_err(|e| format!("{e} (expected e.g. 500ms, 30s, 5m)"))
}

/// Shows a duration briefly: `250ms`, `3s`, `1.5s`, `2m30s`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        let secs = d.as_secs_f64();
        if ms % 1000 == 0 {
            format!("{}s", ms / 1000)
        } else {
            format!("{secs:.1}s")
        }
    } else {
        let secs = d.as_secs();
        match secs % 60 {
            0 => format!("{}m", secs / 60),
            s => format!("{}m{s}s", secs / 60),
        }
    }
}

/// Parses a size: a plain number of bytes, or a number with a unit. Binary units `KiB`, `MiB`,
/// `GiB` (also `K`, `M`, `G`) are powers of 1024; decimal units `KB`, `MB`, `GB` are powers of
/// 1000; `B` is bytes. Units are case-insensitive and may follow a space. The size must be at
/// least one byte.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() {
        return Err(
            "expected a number of bytes, optionally with a unit such as 64KiB or 16MiB".to_owned(),
        );
    }
    let factor: u64 = match unit.trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => {
            return Err(format!(
                "unknown unit '{}' (use B, KiB, MiB, GiB, KB, MB or GB)",
                unit.trim_start()
            ));
        }
    };
    let size = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| "too large".to_owned())?;
    if size == 0 {
        return Err("must be at least 1 byte".to_owned());
    }
    Ok(size)
}

/// Parses a size that must fit in memory on this machine (`usize`).
pub fn parse_mem_size(text: &str) -> Result<usize, String> {
    let size = parse_size(text)?;
    usize::try_from(size).map_err(|_| "too large for this machine".to_owned())
}

/// Shows a size in the largest binary unit that divides it exactly (`16 MiB`), else in bytes.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (factor, name) in UNITS {
        if bytes >= factor && bytes % factor == 0 {
            return format!("{} {name}", bytes / factor);
        }
    }
    if bytes == 1 {
        "1 byte".to_owned()
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_binary_and_decimal_sizes() {
        assert_eq!(parse_size("1"), Ok(1));
        assert_eq!(parse_size("512B"), Ok(512));
        assert_eq!(parse_size("64KiB"), Ok(64 * 1024));
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("16 mib"), Ok(16 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("2M"), Ok(2 << 20));
        assert_eq!(parse_size("64KB"), Ok(64_000));
        assert_eq!(parse_size("16MB"), Ok(16_000_000));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
    }

    #[test]
    fn rejects_bad_sizes_with_a_reason() {
        for (input, reason) in [
            ("", "expected a number"),
            ("MiB", "expected a number"),
            ("-1", "expected a number"),
            ("1.5MiB", "unknown unit '.5MiB'"),
            ("10XB", "unknown unit 'XB'"),
            ("0", "at least 1 byte"),
            ("0KiB", "at least 1 byte"),
            ("99999999999999999999", "too large"),
            ("99999999999GiB", "too large"),
        ] {
            let err = parse_size(input).unwrap_err();
            assert!(err.contains(reason), "{input:?}: {err}");
        }
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("0.25"), Ok(Duration::from_millis(250)));
        for bad in ["", "soon", "-1", "5 parsecs", "NaN"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn formats_durations_briefly() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(3)), "3s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_duration(Duration::from_secs(150)), "2m30s");
        assert_eq!(format_duration(Duration::from_secs(120)), "2m");
    }

    #[test]
    fn formats_in_the_largest_exact_unit() {
        assert_eq!(format_size(16 << 20), "16 MiB");
        assert_eq!(format_size(64 * 1024), "64 KiB");
        assert_eq!(format_size(1 << 30), "1 GiB");
        assert_eq!(format_size(1500), "1500 bytes");
        assert_eq!(format_size(1), "1 byte");
    }
}
