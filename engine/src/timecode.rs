//! SMPTE timecode (`--timecode HH:MM:SS:FF --fps …`): where a file's first
//! sample sits on a film or video timeline, as the BWF time reference
//! (samples since midnight) that editors use to place it.
//!
//! Drop-frame 29.97 skips frame numbers 00 and 01 at the start of every
//! minute except each tenth, so that the count keeps up with the clock;
//! those numbers do not exist and are refused.

use std::fmt;

/// A frame rate of a timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fps {
    /// 24000/1001, counted as 24.
    F23_976,
    F24,
    F25,
    /// 30000/1001, counted as 30 (non-drop).
    F29_97,
    /// 30000/1001, drop-frame.
    F29_97Df,
    F30,
}

impl Fps {
    pub fn parse(s: &str) -> Option<Fps> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "23.976" | "23.98" => Fps::F23_976,
            "24" => Fps::F24,
            "25" => Fps::F25,
            "29.97" | "29.97ndf" => Fps::F29_97,
            "29.97df" | "29.97d" => Fps::F29_97Df,
            "30" => Fps::F30,
            _ => return None,
        })
    }

    /// Frame numbers per second of the count.
    pub fn nominal(self) -> u32 {
        match self {
            Fps::F23_976 | Fps::F24 => 24,
            Fps::F25 => 25,
            Fps::F29_97 | Fps::F29_97Df | Fps::F30 => 30,
        }
    }

    /// Seconds per frame as a fraction (numerator, denominator).
    fn frame_seconds(self) -> (u64, u64) {
        match self {
            Fps::F23_976 => (1001, 24000),
            Fps::F29_97 | Fps::F29_97Df => (1001, 30000),
            f => (1, f.nominal() as u64),
        }
    }

    /// The `smpl` chunk's SMPTE format code.
    pub fn smpl_format(self) -> u32 {
        match self {
            Fps::F23_976 | Fps::F24 => 24,
            Fps::F25 => 25,
            Fps::F29_97Df => 29,
            Fps::F29_97 | Fps::F30 => 30,
        }
    }
}

/// A timecode on a timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timecode {
    pub hours: u8,
    pub minutes: u8,
    pub seconds: u8,
    pub frames: u8,
    pub fps: Fps,
}

/// Why a timecode is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimecodeError(pub String);

impl fmt::Display for TimecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Timecode {
    /// Reads `HH:MM:SS:FF` (`;` or `.` also separate the frames).
    pub fn parse(s: &str, fps: Fps) -> Result<Timecode, TimecodeError> {
        let bad = |why: String| TimecodeError(format!("timecode `{s}`: {why}"));
        let parts: Vec<&str> = s.trim().split([':', ';', '.']).collect();
        if parts.len() != 4 || parts.iter().any(|p| p.is_empty() || p.len() > 2) {
            return Err(bad("expected HH:MM:SS:FF, e.g. 01:00:00:00".into()));
        }
        let mut n = [0u8; 4];
        for (v, p) in n.iter_mut().zip(&parts) {
            *v = p
                .parse()
                .map_err(|_| bad(format!("`{p}` is not a number")))?;
        }
        let [hours, minutes, seconds, frames] = n;
        if hours > 23 {
            return Err(bad("hours go up to 23".into()));
        }
        if minutes > 59 || seconds > 59 {
            return Err(bad("minutes and seconds go up to 59".into()));
        }
        if frames as u32 >= fps.nominal() {
            return Err(bad(format!(
                "at {} frames per second frames go up to {}",
                fps.nominal(),
                fps.nominal() - 1
            )));
        }
        if fps == Fps::F29_97Df && seconds == 0 && frames < 2 && minutes % 10 != 0 {
            return Err(bad(format!(
                "drop-frame skips frames 00 and 01 at the start of each minute but every tenth; \
                 {hours:02}:{minutes:02}:00;{frames:02} does not exist (the next frame is {hours:02}:{minutes:02}:00;02)"
            )));
        }
        Ok(Timecode {
            hours,
            minutes,
            seconds,
            frames,
            fps,
        })
    }

    /// Frames since midnight.
    pub fn frame_count(&self) -> u64 {
        let nominal = self.fps.nominal() as u64;
        let minutes = self.hours as u64 * 60 + self.minutes as u64;
        let count = (minutes * 60 + self.seconds as u64) * nominal + self.frames as u64;
        if self.fps == Fps::F29_97Df {
            count - 2 * (minutes - minutes / 10)
        } else {
            count
        }
    }

    /// Samples since midnight at `sample_rate` (rounded to the nearest).
    pub fn samples_since_midnight(&self, sample_rate: u32) -> u64 {
        let (num, den) = self.fps.frame_seconds();
        let x = self.frame_count() as u128 * num as u128 * sample_rate as u128;
        ((2 * x + den as u128) / (2 * den as u128)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tc(s: &str, fps: &str) -> Result<Timecode, TimecodeError> {
        Timecode::parse(s, Fps::parse(fps).unwrap())
    }

    #[test]
    fn whole_rates_count_plainly() {
        let t = tc("01:00:00:00", "25").unwrap();
        assert_eq!(t.samples_since_midnight(48000), 3600 * 48000);
        let t = tc("10:00:00:12", "24").unwrap();
        assert_eq!(t.samples_since_midnight(48000), 36000 * 48000 + 12 * 2000);
    }

    #[test]
    fn drop_frame_keeps_up_with_the_clock() {
        // One hour of drop-frame timecode is 107892 frames, 3599.9964 s.
        let t = tc("01:00:00;00", "29.97df").unwrap();
        assert_eq!(t.frame_count(), 107_892);
        assert_eq!(t.samples_since_midnight(48000), 172_799_827);
        // Across a minute boundary the count goes on by one frame.
        let a = tc("00:00:59;29", "29.97df").unwrap().frame_count();
        let b = tc("00:01:00;02", "29.97df").unwrap().frame_count();
        assert_eq!(b, a + 1);
        assert!(tc("00:10:00;00", "29.97df").is_ok());
        // Non-drop 29.97 runs slow: an hour of count is 3603.6 s.
        let t = tc("01:00:00:00", "29.97").unwrap();
        assert_eq!(t.samples_since_midnight(48000), 172_972_800);
    }

    #[test]
    fn impossible_timecodes_are_refused() {
        for (s, fps, why) in [
            ("00:01:00;00", "29.97df", "does not exist"),
            ("00:00:00:25", "25", "go up to 24"),
            ("24:00:00:00", "24", "up to 23"),
            ("00:60:00:00", "30", "up to 59"),
            ("1:2:3", "30", "HH:MM:SS:FF"),
            ("aa:00:00:00", "30", "not a number"),
        ] {
            let e = tc(s, fps).unwrap_err().0;
            assert!(e.contains(why), "{s}: {e}");
        }
        assert!(Fps::parse("60").is_none());
    }
}
