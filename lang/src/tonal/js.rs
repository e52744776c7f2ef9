//! Small helpers that reproduce the number and string semantics of the
//! reference implementation (a JavaScript code base): number parsing and
//! printing, `%` on floats, array indexing with arbitrary numbers and the
//! whitespace class used by its regular expressions.

/// `Number(string)`: parses a numeric string the way the reference does.
/// Leading/trailing whitespace is ignored, the empty string is `0`, hex
/// (`0x`), octal (`0o`) and binary (`0b`) literals and `Infinity` are
/// accepted; anything else is `NaN`.
pub fn to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_space);
    if t.is_empty() {
        return 0.0;
    }
    let (sign, body) = match t.as_bytes()[0] {
        b'+' => (1.0, &t[1..]),
        b'-' => (-1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    if body.len() > 2 && body.as_bytes()[0] == b'0' && body.len() == t.len() {
        let radix = match body.as_bytes()[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => 0,
        };
        if radix != 0 {
            let mut v = 0.0f64;
            for c in body[2..].chars() {
                match c.to_digit(radix) {
                    Some(d) => v = v * radix as f64 + d as f64,
                    None => return f64::NAN,
                }
            }
            return v;
        }
    }
    if !is_decimal_literal(body) {
        return f64::NAN;
    }
    match body.parse::<f64>() {
        Ok(v) => sign * v,
        Err(_) => f64::NAN,
    }
}

/// `digits [. digits] [e [+-] digits]` or `. digits [e ...]`, without sign.
fn is_decimal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - fs;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es {
            return false;
        }
    }
    i == b.len()
}

/// `String(number)`: prints a number the way the reference does
/// (`3`, `-0.5`, `NaN`, `Infinity`, `1e+21`, `1e-7`).
pub fn num_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let neg = x < 0.0;
    let a = x.abs();
    // Shortest round-trip digits and decimal exponent.
    let sci = format!("{:e}", a);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp + 1;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        for _ in 0..(n - k) {
            out.push('0');
        }
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        for _ in 0..(-n) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n - 1 < 0 { '-' } else { '+' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}

/// `((n % m) + m) % m`, with the reference's float remainder.
pub fn modulo(n: f64, m: f64) -> f64 {
    ((n % m) + m) % m
}

/// Index into a list with an arbitrary number, as the reference's
/// `list[i]`: only exact non-negative integers below the length hit.
pub fn at<T>(list: &[T], i: f64) -> Option<&T> {
    if i.is_finite() && i.fract() == 0.0 && i >= 0.0 && i < list.len() as f64 {
        list.get(i as usize)
    } else {
        None
    }
}

/// The whitespace class `\s` of the reference's regular expressions.
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `s.substring(from)` where `from` counts UTF-16 code units.
pub fn substring_from(s: &str, from: usize) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    if from >= units.len() {
        return String::new();
    }
    String::from_utf16_lossy(&units[from..])
}

/// Length in UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// `Math.round`: halves round towards positive infinity.
pub fn round(x: f64) -> f64 {
    let f = x.floor();
    if x - f >= 0.5 {
        f + 1.0
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_like_the_reference() {
        assert_eq!(to_number(""), 0.0);
        assert_eq!(to_number("  3 "), 3.0);
        assert_eq!(to_number("0x10"), 16.0);
        assert_eq!(to_number("1e3"), 1000.0);
        assert_eq!(to_number(".5"), 0.5);
        assert_eq!(to_number("5."), 5.0);
        assert_eq!(to_number("-Infinity"), f64::NEG_INFINITY);
        assert!(to_number("-0x10").is_nan());
        assert!(to_number("2#").is_nan());
        assert!(to_number("inf").is_nan());
        assert!(to_number("e5").is_nan());
    }

    #[test]
    fn numbers_print_like_the_reference() {
        assert_eq!(num_to_string(3.0), "3");
        assert_eq!(num_to_string(-0.0), "0");
        assert_eq!(num_to_string(-2.5), "-2.5");
        assert_eq!(num_to_string(1e21), "1e+21");
        assert_eq!(num_to_string(1e20), "100000000000000000000");
        assert_eq!(num_to_string(1.5e-7), "1.5e-7");
        assert_eq!(num_to_string(0.000001), "0.000001");
        assert_eq!(num_to_string(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(num_to_string(f64::NAN), "NaN");
    }
}
