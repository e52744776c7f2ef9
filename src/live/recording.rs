//! Recording what a live session plays to a WAV file (`--record`,
//! `:record`): the audio thread pushes frames into a ring buffer, the
//! control loop writes them.

use std::path::{Path, PathBuf};

/// A WAV file being written.
pub struct Recording {
    pub path: PathBuf,
    writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
}

impl Recording {
    /// Starts a 32-bit float stereo WAV file.
    pub fn start(path: &Path, sample_rate: u32) -> Result<Recording, String> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        hound::WavWriter::create(path, spec)
            .map(|writer| Recording {
                path: path.to_path_buf(),
                writer,
            })
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
    }

    pub fn write(&mut self, x: f32) {
        let _ = self.writer.write_sample(x);
    }

    /// Finishes the file (its header gets the length).
    pub fn finish(self) -> Result<PathBuf, String> {
        let path = self.path.clone();
        self.writer
            .finalize()
            .map(|()| path)
            .map_err(|e| format!("cannot finish the recording: {e}"))
    }
}

/// Moves the recorded frames that have arrived into `recording` (whole
/// frames only: the audio thread may be half way through pushing one) and
/// hands each frame to `frame` (the dashboard's meters and scope);
/// without a recording they are only looked at.
pub fn drain(
    rx: &mut rtrb::Consumer<f32>,
    mut recording: Option<&mut Recording>,
    mut frame: impl FnMut(f32, f32),
) {
    while rx.slots() >= 2 {
        let l = rx.pop().unwrap_or(0.0);
        let r = rx.pop().unwrap_or(0.0);
        if let Some(rec) = recording.as_deref_mut() {
            rec.write(l);
            rec.write(r);
        }
        frame(l, r);
    }
}
