//! Writing WAV files with the chunks deliverables carry: BWF `bext`
//! (description, originator, date, time reference and loudness, EBU Tech
//! 3285 version 2), `cue ` markers with `LIST`/`adtl` labels, and `smpl`
//! loop points for samplers and game engines.
//!
//! Integer samples are written as WAVE_FORMAT_PCM (16 or 24 bits), floats
//! as WAVE_FORMAT_IEEE_FLOAT with a `fact` chunk. A file is at most 4 GiB
//! (RIFF's own limit).

use std::io::{self, Write};
use std::path::Path;

/// The samples of a file, interleaved stereo.
#[derive(Clone, Copy, Debug)]
pub enum PcmData<'a> {
    /// Integers of `bits` bits (16 or 24).
    Int {
        samples: &'a [i32],
        bits: u16,
    },
    Float(&'a [f32]),
}

impl PcmData<'_> {
    fn len(&self) -> usize {
        match self {
            PcmData::Int { samples, .. } => samples.len(),
            PcmData::Float(s) => s.len(),
        }
    }

    fn bytes_per_sample(&self) -> usize {
        match self {
            PcmData::Int { bits, .. } => (*bits as usize).div_ceil(8),
            PcmData::Float(_) => 4,
        }
    }
}

/// A marker: a frame and its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cue {
    pub frame: u64,
    pub label: String,
}

/// Loudness figures of BWF version 2 (LUFS, LU, dBTP).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BextLoudness {
    pub integrated: f64,
    pub range: f64,
    pub true_peak: f64,
    pub momentary_max: f64,
    pub short_term_max: f64,
}

/// The Broadcast Wave `bext` chunk.
#[derive(Clone, Debug, PartialEq)]
pub struct Bext {
    /// Up to 256 characters.
    pub description: String,
    /// Up to 32 characters.
    pub originator: String,
    /// Up to 32 characters.
    pub originator_reference: String,
    /// `yyyy-mm-dd`.
    pub date: String,
    /// `hh:mm:ss`.
    pub time: String,
    /// The first sample's position on the timeline: samples since midnight.
    pub time_reference: u64,
    pub loudness: Option<BextLoudness>,
    /// Lines such as `A=PCM,F=48000,W=24,M=stereo,T=weft`.
    pub coding_history: String,
}

/// The SMPTE format and offset of a `smpl` chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Smpte {
    /// 24, 25, 29 (30 drop-frame) or 30.
    pub format: u32,
    pub hours: u8,
    pub minutes: u8,
    pub seconds: u8,
    pub frames: u8,
}

/// A forward loop over frames `start..=end`, repeating forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleLoop {
    pub start: u32,
    /// The last frame of the loop (inclusive, as `smpl` counts).
    pub end: u32,
    pub smpte: Option<Smpte>,
}

/// The metadata written with the samples.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WavMeta {
    pub bext: Option<Bext>,
    pub cues: Vec<Cue>,
    pub sample_loop: Option<SampleLoop>,
}

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
const CHANNELS: u16 = 2;

/// Writes a stereo WAV file.
pub fn write(path: &Path, data: PcmData, sample_rate: u32, meta: &WavMeta) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut w = io::BufWriter::new(file);
    write_to(&mut w, data, sample_rate, meta)?;
    w.flush()
}

/// Writes a stereo WAV file to `w`.
pub fn write_to(
    w: &mut impl Write,
    data: PcmData,
    sample_rate: u32,
    meta: &WavMeta,
) -> io::Result<()> {
    let mut head = Vec::new();
    chunk(&mut head, b"fmt ", &fmt_chunk(data, sample_rate));
    if let PcmData::Float(s) = data {
        chunk(&mut head, b"fact", &((s.len() / 2) as u32).to_le_bytes());
    }
    if let Some(b) = &meta.bext {
        chunk(&mut head, b"bext", &bext_chunk(b));
    }
    let mut tail = Vec::new();
    if !meta.cues.is_empty() {
        chunk(&mut tail, b"cue ", &cue_chunk(&meta.cues));
        chunk(&mut tail, b"LIST", &labels_chunk(&meta.cues));
    }
    if let Some(l) = &meta.sample_loop {
        chunk(&mut tail, b"smpl", &smpl_chunk(l, sample_rate));
    }
    let data_len = data.len() * data.bytes_per_sample();
    let riff_len =
        4 + head.len() as u64 + 8 + (data_len as u64).next_multiple_of(2) + tail.len() as u64;
    let riff_len = u32::try_from(riff_len).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "more than 4 GiB of audio, the most a WAV file holds (write FLAC or render less)",
        )
    })?;
    w.write_all(b"RIFF")?;
    w.write_all(&riff_len.to_le_bytes())?;
    w.write_all(b"WAVE")?;
    w.write_all(&head)?;
    w.write_all(b"data")?;
    w.write_all(&(data_len as u32).to_le_bytes())?;
    write_samples(w, data)?;
    if data_len % 2 == 1 {
        w.write_all(&[0])?;
    }
    w.write_all(&tail)
}

/// Appends a chunk (padded to an even length) to `out`.
fn chunk(out: &mut Vec<u8>, id: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(id);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
}

fn fmt_chunk(data: PcmData, sample_rate: u32) -> Vec<u8> {
    let (tag, bits) = match data {
        PcmData::Int { bits, .. } => (WAVE_FORMAT_PCM, bits),
        PcmData::Float(_) => (WAVE_FORMAT_IEEE_FLOAT, 32),
    };
    let block = CHANNELS * data.bytes_per_sample() as u16;
    let mut b = Vec::new();
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&CHANNELS.to_le_bytes());
    b.extend_from_slice(&sample_rate.to_le_bytes());
    b.extend_from_slice(&(sample_rate * block as u32).to_le_bytes());
    b.extend_from_slice(&block.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    if tag == WAVE_FORMAT_IEEE_FLOAT {
        b.extend_from_slice(&0u16.to_le_bytes());
    }
    b
}

fn write_samples(w: &mut impl Write, data: PcmData) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    let flush = |w: &mut dyn Write, buf: &mut Vec<u8>| -> io::Result<()> {
        w.write_all(buf)?;
        buf.clear();
        Ok(())
    };
    match data {
        PcmData::Int { samples, .. } => {
            // Little-endian two's complement: the low bytes of the i32.
            let n = data.bytes_per_sample();
            for chunk in samples.chunks(8192) {
                for &x in chunk {
                    buf.extend_from_slice(&x.to_le_bytes()[..n]);
                }
                flush(w, &mut buf)?;
            }
        }
        PcmData::Float(samples) => {
            for chunk in samples.chunks(8192) {
                for &x in chunk {
                    buf.extend_from_slice(&x.to_le_bytes());
                }
                flush(w, &mut buf)?;
            }
        }
    }
    Ok(())
}

/// `text` in at most `len` bytes of ASCII, NUL-padded.
fn fixed_ascii(out: &mut Vec<u8>, text: &str, len: usize) {
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c as u8
            } else {
                b'?'
            }
        })
        .take(len)
        .collect();
    out.extend_from_slice(&bytes);
    out.resize(out.len() + (len - bytes.len()), 0);
}

/// A loudness figure as BWF stores it: hundredths, 0x7FFF when unknown.
fn centi(x: f64) -> i16 {
    if x.is_finite() {
        (x * 100.0).round().clamp(-32768.0, 32766.0) as i16
    } else {
        0x7FFF
    }
}

fn bext_chunk(b: &Bext) -> Vec<u8> {
    let mut out = Vec::with_capacity(602 + b.coding_history.len());
    fixed_ascii(&mut out, &b.description, 256);
    fixed_ascii(&mut out, &b.originator, 32);
    fixed_ascii(&mut out, &b.originator_reference, 32);
    fixed_ascii(&mut out, &b.date, 10);
    fixed_ascii(&mut out, &b.time, 8);
    out.extend_from_slice(&(b.time_reference as u32).to_le_bytes());
    out.extend_from_slice(&((b.time_reference >> 32) as u32).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&[0u8; 64]);
    let l = b.loudness.unwrap_or(BextLoudness {
        integrated: f64::NAN,
        range: f64::NAN,
        true_peak: f64::NAN,
        momentary_max: f64::NAN,
        short_term_max: f64::NAN,
    });
    for v in [
        l.integrated,
        l.range,
        l.true_peak,
        l.momentary_max,
        l.short_term_max,
    ] {
        out.extend_from_slice(&centi(v).to_le_bytes());
    }
    out.extend_from_slice(&[0u8; 180]);
    out.extend(
        b.coding_history
            .chars()
            .map(|c| if c.is_ascii() { c as u8 } else { b'?' }),
    );
    // An even length, the coding history ending in NUL: some readers skip
    // a chunk without its pad byte and would lose the data chunk's start.
    if out.len() % 2 == 1 {
        out.push(0);
    }
    out
}

fn cue_chunk(cues: &[Cue]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&(cues.len() as u32).to_le_bytes());
    for (i, c) in cues.iter().enumerate() {
        let frame = c.frame.min(u32::MAX as u64) as u32;
        b.extend_from_slice(&(i as u32 + 1).to_le_bytes());
        b.extend_from_slice(&frame.to_le_bytes());
        b.extend_from_slice(b"data");
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&frame.to_le_bytes());
    }
    b
}

fn labels_chunk(cues: &[Cue]) -> Vec<u8> {
    let mut b = b"adtl".to_vec();
    for (i, c) in cues.iter().enumerate() {
        let mut body = (i as u32 + 1).to_le_bytes().to_vec();
        body.extend(c.label.bytes().filter(|&x| x != 0));
        body.push(0);
        chunk(&mut b, b"labl", &body);
    }
    b
}

fn smpl_chunk(l: &SampleLoop, sample_rate: u32) -> Vec<u8> {
    let (format, offset) = match l.smpte {
        Some(s) => (
            s.format,
            u32::from_be_bytes([s.hours, s.minutes, s.seconds, s.frames]),
        ),
        None => (0, 0),
    };
    let period_ns = (1e9 / sample_rate.max(1) as f64).round() as u32;
    let mut b = Vec::new();
    for v in [0, 0, period_ns, 60, 0, format, offset, 1, 0] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for v in [0, 0, l.start, l.end, 0, 0] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_file_reads_back_with_hound() {
        let samples = [0i32, 1, -1, 32767, -32768, 5];
        let mut bytes = Vec::new();
        write_to(
            &mut bytes,
            PcmData::Int {
                samples: &samples,
                bits: 16,
            },
            44100,
            &WavMeta::default(),
        )
        .unwrap();
        let r = hound::WavReader::new(std::io::Cursor::new(&bytes)).unwrap();
        assert_eq!(
            (r.spec().sample_rate, r.spec().bits_per_sample),
            (44100, 16)
        );
        let back: Vec<i32> = r.into_samples::<i32>().map(|s| s.unwrap()).collect();
        assert_eq!(back, samples);
    }

    #[test]
    fn chunks_are_even_and_sizes_add_up() {
        let samples = [0i32, 8_388_607, -8_388_608, 1];
        let meta = WavMeta {
            bext: Some(Bext {
                description: "é".into(),
                originator: "weft".into(),
                originator_reference: String::new(),
                date: "2024-01-02".into(),
                time: "03:04:05".into(),
                time_reference: 1 << 33,
                loudness: None,
                coding_history: "A=PCM\r\n".into(),
            }),
            cues: vec![Cue {
                frame: 1,
                label: "odd".into(),
            }],
            sample_loop: Some(SampleLoop {
                start: 0,
                end: 1,
                smpte: None,
            }),
        };
        let mut bytes = Vec::new();
        write_to(
            &mut bytes,
            PcmData::Int {
                samples: &samples,
                bits: 24,
            },
            48000,
            &meta,
        )
        .unwrap();
        assert_eq!(
            u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize,
            bytes.len() - 8
        );
        // Walk the chunks: every one starts where the last ends.
        let mut pos = 12;
        let mut ids = Vec::new();
        while pos < bytes.len() {
            let id = String::from_utf8_lossy(&bytes[pos..pos + 4]).into_owned();
            let len = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
            ids.push(id);
            pos += 8 + len + len % 2;
        }
        assert_eq!(pos, bytes.len());
        assert_eq!(ids, ["fmt ", "bext", "data", "cue ", "LIST", "smpl"]);
        let r = hound::WavReader::new(std::io::Cursor::new(&bytes)).unwrap();
        let back: Vec<i32> = r.into_samples::<i32>().map(|s| s.unwrap()).collect();
        assert_eq!(back, samples);
    }
}
