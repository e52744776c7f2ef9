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
    Ok(sink.into_inner())
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
