//! Writing FLAC files with the pure-Rust `flacenc` encoder: the same
//! integers a WAV file would hold, losslessly compressed, with a Vorbis
//! comment block for the metadata a FLAC file can carry (see
//! docs/deliverables.md for the tags).

use flacenc::component::{BitRepr, MetadataBlockData};
use flacenc::error::Verify;
use std::path::Path;

/// Encodes interleaved stereo `samples` of `bits` bits (16 or 24) with
/// Vorbis comments `tags` (name, value) into FLAC bytes.
pub fn encode(
    samples: &[i32],
    bits: u32,
    sample_rate: u32,
    tags: &[(String, String)],
) -> Result<Vec<u8>, String> {
    let config = flacenc::config::Encoder::default()
        .into_verified()
        .map_err(|(_, e)| format!("FLAC encoder settings: {e}"))?;
    let source =
        flacenc::source::MemSource::from_samples(samples, 2, bits as usize, sample_rate as usize);
    let mut stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
        .map_err(|e| format!("FLAC encoding failed: {e}"))?;
    let comments = MetadataBlockData::new_unknown(4, &vorbis_comment(tags))
        .map_err(|e| format!("FLAC metadata: {e}"))?;
    stream.add_metadata_block(comments);
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream
        .write(&mut sink)
        .map_err(|e| format!("FLAC writing failed: {e}"))?;
    let mut bytes = sink.into_inner();
    fix_min_block_size(&mut bytes);
    Ok(bytes)
}

/// Sets STREAMINFO's minimum block size to the block size. The encoder
/// counts the shorter last block in the minimum, but the format excludes
/// it (RFC 9639, 8.2): with a minimum below the maximum, decoders take
/// the stream for one of variable block size, and strict ones (symphonia)
/// then refuse its fixed-size frames.
fn fix_min_block_size(bytes: &mut [u8]) {
    // "fLaC", the block header (4 bytes), then min and max (16 bits each).
    if bytes.len() >= 12 && bytes.starts_with(b"fLaC") && bytes[4] & 0x7F == 0 {
        let max = [bytes[10], bytes[11]];
        bytes[8..10].copy_from_slice(&max);
    }
}

/// Writes a FLAC file (see [`encode`]).
pub fn write(
    path: &Path,
    samples: &[i32],
    bits: u32,
    sample_rate: u32,
    tags: &[(String, String)],
) -> Result<(), String> {
    let bytes = encode(samples, bits, sample_rate, tags)?;
    std::fs::write(path, bytes).map_err(|e| e.to_string())
}

/// A Vorbis comment block: vendor string and `NAME=value` fields, each
/// preceded by its length (little-endian), as FLAC stores it.
fn vorbis_comment(tags: &[(String, String)]) -> Vec<u8> {
    let vendor = format!("weft {}", env!("CARGO_PKG_VERSION"));
    let mut b = Vec::new();
    b.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    b.extend_from_slice(vendor.as_bytes());
    b.extend_from_slice(&(tags.len() as u32).to_le_bytes());
    for (k, v) in tags {
        let field = format!("{}={v}", k.to_ascii_uppercase());
        b.extend_from_slice(&(field.len() as u32).to_le_bytes());
        b.extend_from_slice(field.as_bytes());
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::DecoderOptions;
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;

    /// Decodes FLAC bytes with symphonia: the integers (shifted back to
    /// `bits` bits), the sample rate and the Vorbis comments.
    fn decode(bytes: Vec<u8>, bits: u32) -> (Vec<i32>, u32, Vec<(String, String)>) {
        let mss = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes)), Default::default());
        let mut hint = Hint::new();
        hint.with_extension("flac");
        let mut probed = symphonia::default::get_probe()
            .format(
                &hint,
                mss,
                &FormatOptions::default(),
                &MetadataOptions::default(),
            )
            .unwrap();
        let mut tags = Vec::new();
        if let Some(rev) = probed.format.metadata().current() {
            for t in rev.tags() {
                tags.push((t.key.clone(), t.value.to_string()));
            }
        }
        let track = probed.format.default_track().unwrap();
        let rate = track.codec_params.sample_rate.unwrap();
        let mut decoder = symphonia::default::get_codecs()
            .make(&track.codec_params, &DecoderOptions::default())
            .unwrap();
        let mut out = Vec::new();
        while let Ok(packet) = probed.format.next_packet() {
            let audio = decoder.decode(&packet).unwrap();
            let mut buf = SampleBuffer::<i32>::new(audio.capacity() as u64, *audio.spec());
            buf.copy_interleaved_ref(audio);
            out.extend(buf.samples().iter().map(|&x| x >> (32 - bits)));
        }
        (out, rate, tags)
    }

    fn noise(bits: u32, frames: usize) -> Vec<i32> {
        let mut rng = fastrand::Rng::with_seed(3);
        let max = (1i32 << (bits - 1)) - 1;
        (0..frames * 2)
            .map(|i| {
                // A loud tone in the left channel, noise in the right, and
                // both extremes of the range.
                match i {
                    0 => max,
                    1 => -max - 1,
                    _ if i % 2 == 0 => ((i as f64 * 0.01).sin() * max as f64 * 0.9) as i32,
                    _ => rng.i32(-max..=max),
                }
            })
            .collect()
    }

    #[test]
    fn symphonia_decodes_the_same_integers() {
        for (bits, rate) in [(16, 44100), (24, 96000)] {
            let samples = noise(bits, 10_000);
            let tags = vec![
                ("DESCRIPTION".to_string(), "a test".to_string()),
                ("CHAPTER01NAME".to_string(), "verse".to_string()),
            ];
            let bytes = encode(&samples, bits, rate, &tags).unwrap();
            assert!(bytes.starts_with(b"fLaC"));
            let (back, r, read_tags) = decode(bytes, bits);
            assert_eq!(r, rate);
            assert_eq!(back.len(), samples.len(), "{bits} bits");
            assert!(back == samples, "{bits}-bit samples differ");
            for t in &tags {
                assert!(read_tags.contains(t), "{t:?} not in {read_tags:?}");
            }
        }
    }
}
