//! Writing WAV files with the chunks deliverables carry: BWF `bext`
//! (description, originator, date, time reference and loudness, EBU Tech
//! 3285 version 2), `cue ` markers with `LIST`/`adtl` labels, and `smpl`
//! loop points for samplers and game engines.
//!
//! Integer samples are written as WAVE_FORMAT_PCM (16 or 24 bits), floats
//! as WAVE_FORMAT_IEEE_FLOAT with a `fact` chunk. A file is at most 4 GiB
//! (RIFF's own limit).

use std::io::{self, Seek, SeekFrom, Write};
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

    fn kind(&self) -> PcmKind {
        match self {
            PcmData::Int { bits, .. } => PcmKind::Int { bits: *bits },
            PcmData::Float(_) => PcmKind::Float,
        }
    }
}

/// How a file stores its samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PcmKind {
    /// Integers of `bits` bits (16 or 24).
    Int {
        bits: u16,
    },
    Float,
}

impl PcmKind {
    fn bytes_per_sample(self) -> usize {
        match self {
            PcmKind::Int { bits } => (bits as usize).div_ceil(8),
            PcmKind::Float => 4,
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
    let kind = data.kind();
    let head = head_chunks(kind, data.len() / 2, sample_rate, meta);
    let tail = tail_chunks(meta, sample_rate);
    let data_len = (data.len() * kind.bytes_per_sample()) as u64;
    let riff_len = riff_len(head.len(), data_len, tail.len())?;
    write_start(w, riff_len, &head, data_len as u32)?;
    write_samples(w, data)?;
    if data_len % 2 == 1 {
        w.write_all(&[0])?;
    }
    w.write_all(&tail)
}

/// The chunks before the samples: `fmt `, `fact` (floats: `frames`) and
/// `bext`.
fn head_chunks(kind: PcmKind, frames: usize, sample_rate: u32, meta: &WavMeta) -> Vec<u8> {
    let mut head = Vec::new();
    chunk(&mut head, b"fmt ", &fmt_chunk(kind, sample_rate));
    if kind == PcmKind::Float {
        chunk(&mut head, b"fact", &(frames as u32).to_le_bytes());
    }
    if let Some(b) = &meta.bext {
        chunk(&mut head, b"bext", &bext_chunk(b));
    }
    head
}

/// The chunks after the samples: `cue ` with its `LIST` of labels, and
/// `smpl`.
fn tail_chunks(meta: &WavMeta, sample_rate: u32) -> Vec<u8> {
    let mut tail = Vec::new();
    if !meta.cues.is_empty() {
        chunk(&mut tail, b"cue ", &cue_chunk(&meta.cues));
        chunk(&mut tail, b"LIST", &labels_chunk(&meta.cues));
    }
    if let Some(l) = &meta.sample_loop {
        chunk(&mut tail, b"smpl", &smpl_chunk(l, sample_rate));
    }
    tail
}

/// The RIFF chunk's length, or the error of a file over 4 GiB.
fn riff_len(head: usize, data_len: u64, tail: usize) -> io::Result<u32> {
    let len = 4 + head as u64 + 8 + data_len.next_multiple_of(2) + tail as u64;
    u32::try_from(len).map_err(|_| too_long())
}

fn too_long() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "more than 4 GiB of audio, the most a WAV file holds (write FLAC or render less)",
    )
}

/// The file up to the first sample: the RIFF header, the head chunks and
/// the `data` chunk's header.
fn write_start(w: &mut impl Write, riff_len: u32, head: &[u8], data_len: u32) -> io::Result<()> {
    w.write_all(b"RIFF")?;
    w.write_all(&riff_len.to_le_bytes())?;
    w.write_all(b"WAVE")?;
    w.write_all(head)?;
    w.write_all(b"data")?;
    w.write_all(&data_len.to_le_bytes())
}

/// A stereo WAV file written as its samples come: the samples first,
/// then ([`WavStream::finish`]) the tail chunks, and the lengths and the
/// head chunks written again over their first version. The same bytes
/// as [`write_to`] with the same samples and metadata, without holding
/// the samples.
pub struct WavStream<W: Write + Seek> {
    w: W,
    kind: PcmKind,
    sample_rate: u32,
    /// Length of the head chunks (the metadata at the end must keep it).
    head_len: usize,
    /// Samples written.
    samples: u64,
    buf: Vec<u8>,
}

impl<W: Write + Seek> WavStream<W> {
    /// Starts a file of `kind` samples whose head chunks will have the
    /// size they have with `meta` (its loudness figures and the number of
    /// frames may change at the end, not the text).
    pub fn new(mut w: W, kind: PcmKind, sample_rate: u32, meta: &WavMeta) -> io::Result<Self> {
        let head = head_chunks(kind, 0, sample_rate, meta);
        write_start(&mut w, 0, &head, 0)?;
        Ok(WavStream {
            w,
            kind,
            sample_rate,
            head_len: head.len(),
            samples: 0,
            buf: Vec::new(),
        })
    }

    /// Appends interleaved stereo samples (of the kind the file holds).
    pub fn write(&mut self, data: PcmData) -> io::Result<()> {
        if data.kind() != self.kind {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "samples of another format than the file's",
            ));
        }
        self.samples += data.len() as u64;
        if riff_len(self.head_len, self.data_len(), 0).is_err() {
            return Err(too_long());
        }
        pack(data, &mut self.buf, &mut self.w)
    }

    fn data_len(&self) -> u64 {
        self.samples * self.kind.bytes_per_sample() as u64
    }

    /// Ends the file with the metadata `meta` (its head chunks the size
    /// given at the start) and returns the writer, positioned at the end.
    pub fn finish(mut self, meta: &WavMeta) -> io::Result<W> {
        let head = head_chunks(
            self.kind,
            (self.samples / 2) as usize,
            self.sample_rate,
            meta,
        );
        if head.len() != self.head_len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the metadata at the end is not the size it was at the start",
            ));
        }
        let tail = tail_chunks(meta, self.sample_rate);
        let data_len = self.data_len();
        let riff_len = riff_len(head.len(), data_len, tail.len())?;
        if data_len % 2 == 1 {
            self.w.write_all(&[0])?;
        }
        self.w.write_all(&tail)?;
        let end = self.w.stream_position()?;
        self.w.seek(SeekFrom::Start(0))?;
        write_start(&mut self.w, riff_len, &head, data_len as u32)?;
        self.w.seek(SeekFrom::Start(end))?;
        Ok(self.w)
    }
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

fn fmt_chunk(kind: PcmKind, sample_rate: u32) -> Vec<u8> {
    let (tag, bits) = match kind {
        PcmKind::Int { bits } => (WAVE_FORMAT_PCM, bits),
        PcmKind::Float => (WAVE_FORMAT_IEEE_FLOAT, 32),
    };
    let block = CHANNELS * kind.bytes_per_sample() as u16;
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
    pack(data, &mut Vec::with_capacity(1 << 16), w)
}

/// Writes samples as a file holds them (little-endian; integers in their
/// low bytes), through `buf`, a piece at a time.
fn pack(data: PcmData, buf: &mut Vec<u8>, w: &mut impl Write) -> io::Result<()> {
    let n = data.kind().bytes_per_sample();
    match data {
        PcmData::Int { samples, .. } => {
            // Little-endian two's complement: the low bytes of the i32.
            for chunk in samples.chunks(8192) {
                buf.clear();
                for &x in chunk {
                    buf.extend_from_slice(&x.to_le_bytes()[..n]);
                }
                w.write_all(buf)?;
            }
        }
        PcmData::Float(samples) => {
            for chunk in samples.chunks(8192) {
                buf.clear();
                for &x in chunk {
                    buf.extend_from_slice(&x.to_le_bytes());
                }
                w.write_all(buf)?;
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

    /// Metadata whose loudness is only known at the end.
    fn meta(loudness: Option<f64>, cues: usize) -> WavMeta {
        WavMeta {
            bext: Some(Bext {
                description: "streamed".into(),
                originator: "weft".into(),
                originator_reference: String::new(),
                date: "2024-01-02".into(),
                time: "03:04:05".into(),
                time_reference: 7,
                loudness: loudness.map(|x| BextLoudness {
                    integrated: x,
                    range: 1.5,
                    true_peak: -1.0,
                    momentary_max: x + 3.0,
                    short_term_max: x + 1.0,
                }),
                coding_history: "A=PCM,F=48000\r\n".into(),
            }),
            cues: (0..cues)
                .map(|i| Cue {
                    frame: i as u64 * 3,
                    label: format!("part {i}"),
                })
                .collect(),
            sample_loop: (cues > 1).then_some(SampleLoop {
                start: 0,
                end: 4,
                smpte: None,
            }),
        }
    }

    #[test]
    fn a_streamed_file_is_the_file_written_at_once() {
        let ints: Vec<i32> = (0..1001).map(|i| (i * 7919) % 65536 - 32768).collect();
        let floats: Vec<f32> = (0..1001).map(|i| (i as f32 * 0.37).sin()).collect();
        for (cues, bare) in [(0, true), (0, false), (1, false), (3, false)] {
            for data in [
                PcmData::Int {
                    samples: &ints,
                    bits: 16,
                },
                PcmData::Int {
                    samples: &ints[..999],
                    bits: 24,
                },
                PcmData::Float(&floats),
            ] {
                let last = if bare {
                    WavMeta::default()
                } else {
                    meta(Some(-14.2), cues)
                };
                let first = if bare {
                    WavMeta::default()
                } else {
                    meta(None, 0)
                };
                let mut whole = Vec::new();
                write_to(&mut whole, data, 48000, &last).unwrap();
                let kind = data.kind();
                let out = std::io::Cursor::new(Vec::new());
                let mut stream = WavStream::new(out, kind, 48000, &first).unwrap();
                let n = data.len();
                for (from, to) in [(0, 0), (0, 10), (10, 511), (511, n)] {
                    let piece = match data {
                        PcmData::Int { samples, bits } => PcmData::Int {
                            samples: &samples[from..to],
                            bits,
                        },
                        PcmData::Float(s) => PcmData::Float(&s[from..to]),
                    };
                    stream.write(piece).unwrap();
                }
                let streamed = stream.finish(&last).unwrap().into_inner();
                assert!(streamed == whole, "{kind:?}, {cues} cues, bare {bare}");
            }
        }
    }

    #[test]
    fn a_stream_refuses_metadata_of_another_size_and_other_samples() {
        let out = std::io::Cursor::new(Vec::new());
        let mut stream = WavStream::new(out, PcmKind::Float, 48000, &meta(None, 0)).unwrap();
        let wrong = PcmData::Int {
            samples: &[1, 2],
            bits: 16,
        };
        assert!(stream.write(wrong).is_err());
        assert!(stream.finish(&WavMeta::default()).is_err());
    }
}
