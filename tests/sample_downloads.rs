//! Samples from the network, end to end, without the internet: a local
//! HTTP server on 127.0.0.1 serves packs the tests write (a `strudel.json`
//! with `_base`, WAV files), and `weft render` / `check` / `play` use them
//! through a cache in a temporary folder. Measured: the rendered audio
//! holds the samples (their pitch), each address is downloaded once, later
//! runs work with the server gone and with `--offline`; bad maps, bad
//! files and unreachable hosts give one clear message each while the other
//! tracks still play.

mod common;

use common::http::{closed_port, sine_wav, Reply, Server};
use common::*;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// A pack at `/pack/`: `tone` (440 Hz, 880 Hz), `moog` (pitched: c3 and c5
/// recorded at 44.1 kHz), one second each.
fn serve_pack(server: &Server) {
    let map = format!(
        r#"{{"_base": "{}", "tone": ["tone/a_440.wav", "tone/b_880.wav"],
            "moog": {{"c3": "moog/c3.wav", "c5": "moog/c5.wav"}}}}"#,
        server.url("/pack/")
    );
    server.route("/pack/strudel.json", Reply::Body(map.into_bytes()));
    server.route(
        "/pack/tone/a_440.wav",
        Reply::Body(sine_wav(440.0, 1.0, 48000)),
    );
    server.route(
        "/pack/tone/b_880.wav",
        Reply::Body(sine_wav(880.0, 1.0, 48000)),
    );
    server.route(
        "/pack/moog/c3.wav",
        Reply::Body(sine_wav(130.8128, 1.0, 44100)),
    );
    server.route(
        "/pack/moog/c5.wav",
        Reply::Body(sine_wav(523.2511, 1.0, 44100)),
    );
}

/// `weft ARGS` with its download cache in `cache` and no proxy.
fn weft_cached(cache: &Path, args: &[&str], env: &[(&str, String)]) -> (i32, String, String) {
    let mut cmd = weft();
    cmd.args(args).env("XDG_CACHE_HOME", cache);
    for v in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Renders `src` (one cycle of two seconds unless it says otherwise) to
/// a 32-bit float WAV; returns the exit code, stderr and the file.
fn render(dir: &Path, cache: &Path, src: &str, extra: &[&str]) -> (i32, String, PathBuf) {
    render_env(dir, cache, src, extra, &[])
}

fn render_env(
    dir: &Path,
    cache: &Path,
    src: &str,
    extra: &[&str],
    env: &[(&str, String)],
) -> (i32, String, PathBuf) {
    let file = dir.join("song.weft");
    std::fs::write(&file, src).unwrap();
    let out = dir.join("out.wav");
    let _ = std::fs::remove_file(&out);
    let mut args = vec![
        "render",
        file.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "f32",
        "--cycles",
        "1",
    ];
    args.extend_from_slice(extra);
    let (code, _, stderr) = weft_cached(cache, &args, env);
    (code, stderr, out)
}

fn window(x: &[f32], sr: u32, from: f64, to: f64) -> &[f32] {
    let a = ((from * sr as f64) as usize).min(x.len());
    let b = ((to * sr as f64) as usize).min(x.len());
    &x[a..b]
}

fn pitch(path: &Path, from: f64, to: f64) -> f64 {
    let (left, sr) = left_channel(path);
    zero_crossing_hz(window(&left, sr, from, to), sr)
}

fn level(path: &Path, from: f64, to: f64) -> f32 {
    let (left, sr) = left_channel(path);
    rms(window(&left, sr, from, to))
}

fn assert_hz(hz: f64, want: f64, what: &str) {
    assert!(
        (hz - want).abs() < want * 0.01,
        "{what}: {hz:.1} Hz, expected {want:.1}"
    );
}

/// The files in the cache folder.
fn cached_files(cache: &Path) -> Vec<String> {
    let dir = cache.join("weft/samples");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|it| {
            it.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_downloaded_pack_renders_and_is_cached_once() {
    let dir = temp_dir("dl-pack");
    let cache = dir.join("cache");
    let server = Server::start();
    serve_pack(&server);
    let src = format!(
        "samples('{}')\nsetcps(0.5)\nlow: s(\"tone ~\")\nhigh: s(\"~ tone:1\")\n",
        server.url("/pack/strudel.json")
    );
    let (code, stderr, out) = render(&dir, &cache, &src, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_hz(pitch(&out, 0.1, 0.9), 440.0, "tone");
    assert_hz(pitch(&out, 1.1, 1.9), 880.0, "tone:1");
    // Each address once; the pitched files are not needed, so not fetched.
    assert_eq!(server.hits("/pack/strudel.json"), 1);
    assert_eq!(server.hits("/pack/tone/a_440.wav"), 1);
    assert_eq!(server.hits("/pack/tone/b_880.wav"), 1);
    assert_eq!(server.hits("/pack/moog/c3.wav"), 0);
    // Cache files are named by the hash of their address only.
    let names = cached_files(&cache);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names
        .iter()
        .all(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit())));
    let first = std::fs::read(&out).unwrap();

    // Again: nothing is downloaded.
    let (code, stderr, out) = render(&dir, &cache, &src, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(server.total_hits(), 3);
    assert_eq!(std::fs::read(&out).unwrap(), first);

    // Without the server, and offline: the same render from the cache.
    drop(server);
    let (code, stderr, out) = render(&dir, &cache, &src, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), first);
    let (code, stderr, out) = render(&dir, &cache, &src, &["--offline"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), first);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pitched_maps_play_the_nearest_note_retuned() {
    let dir = temp_dir("dl-pitched");
    let cache = dir.join("cache");
    let server = Server::start();
    serve_pack(&server);
    // c4 is as far from c3 as from c5: the first written (c3) plays an
    // octave up; b4 is c5 a semitone down.
    let src = format!(
        "samples('{}')\nsetcps(0.5)\nm: note(\"c4 b4\").s(\"moog\")\n",
        server.url("/pack/strudel.json")
    );
    let (code, stderr, out) = render(&dir, &cache, &src, &[]);
    assert_eq!(code, 0, "{stderr}");
    // (An octave up the one-second file lasts half a second.)
    assert_hz(pitch(&out, 0.05, 0.45), 261.6256, "c4 from c3");
    assert!(level(&out, 0.55, 0.95) < 1e-4);
    assert_hz(pitch(&out, 1.1, 1.9), 493.8833, "b4 from c5");
    assert_eq!(server.hits("/pack/moog/c3.wav"), 1);
    assert_eq!(server.hits("/pack/moog/c5.wav"), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn github_shorthands_and_written_maps_with_a_base() {
    let dir = temp_dir("dl-github");
    let cache = dir.join("cache");
    let server = Server::start();
    serve_pack(&server);
    // `github:user/repo` is `RAW/user/repo/main/strudel.json`; its `_base`
    // is a github: address too.
    server.route(
        "/user/repo/main/strudel.json",
        Reply::Body(br#"{"_base": "github:user/repo/main/sounds/", "hh": "hh.wav"}"#.to_vec()),
    );
    server.route(
        "/user/repo/main/sounds/hh.wav",
        Reply::Body(sine_wav(660.0, 1.0, 48000)),
    );
    let src = format!(
        "samples('github:user/repo')\nsamples({{ bleep: ['b_880.wav', 'a_440.wav'] }}, '{}')\nsetcps(0.5)\na: s(\"hh ~\")\nb: s(\"~ bleep:1\")\n",
        server.url("/pack/tone/")
    );
    let env = [("WEFT_GITHUB_RAW", server.url(""))];
    let (code, stderr, out) = render_env(&dir, &cache, &src, &[], &env);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_hz(pitch(&out, 0.1, 0.9), 660.0, "github: pack");
    assert_hz(pitch(&out, 1.1, 1.9), 440.0, "written map");
    assert_eq!(server.hits("/user/repo/main/strudel.json"), 1);
    assert_eq!(server.hits("/pack/tone/b_880.wav"), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_maps_files_and_hosts_give_one_message_each() {
    let dir = temp_dir("dl-bad");
    let cache = dir.join("cache");
    let server = Server::start();
    serve_pack(&server);
    server.route("/bad/strudel.json", Reply::Body(b"{ \"bd\": [".to_vec()));
    let evil = format!(
        r#"{{"_base": "{}", "../../x": "a.wav", "up": "../../up.wav",
            "huge": "huge.wav", "stream": "stream.wav", "page": "page.wav",
            "gone": "gone.wav", "loop": "loop.wav"}}"#,
        server.url("/evil/")
    );
    server.route("/evil/strudel.json", Reply::Body(evil.into_bytes()));
    let big = 33 * 1024 * 1024;
    server.route(
        "/evil/huge.wav",
        Reply::Huge {
            len: big,
            announce: true,
        },
    );
    server.route(
        "/evil/stream.wav",
        Reply::Huge {
            len: big,
            announce: false,
        },
    );
    server.route(
        "/evil/page.wav",
        Reply::Body(b"<html><body>Not here</body></html>".to_vec()),
    );
    server.route(
        "/evil/loop.wav",
        Reply::Redirect(server.url("/evil/loop.wav")),
    );
    let closed = format!("http://127.0.0.1:{}/strudel.json", closed_port());
    let src = format!(
        "samples('{}')\nsamples('{}')\nsamples('{closed}')\nsamples('{}')\nsetcps(0.5)\n\
         good: s(\"tone ~\")\nbad: s(\"~ [huge stream page gone loop]\")\n",
        server.url("/pack/strudel.json"),
        server.url("/bad/strudel.json"),
        server.url("/evil/strudel.json"),
    );
    let (code, stderr, out) = render(&dir, &cache, &src, &[]);
    assert_eq!(code, 0, "{stderr}");
    // The good track plays, and nothing plays where the bad files are.
    assert_hz(pitch(&out, 0.1, 0.9), 440.0, "the good track");
    assert!(level(&out, 1.05, 2.0) < 1e-4, "{}", level(&out, 1.05, 2.0));
    let once = |needle: &str| {
        let n = stderr.lines().filter(|l| l.contains(needle)).count();
        assert_eq!(n, 1, "`{needle}` {n} times in:\n{stderr}");
    };
    once(&format!(
        "the sample map `{}` is unusable: not valid JSON",
        server.url("/bad/strudel.json")
    ));
    once(&format!(
        "cannot download the sample map `{closed}`: cannot connect"
    ));
    once("`../../x` is not a sound name");
    once("`../../up.wav` goes up a folder");
    once(&format!(
        "cannot download the sample `{}`: larger than 32 MiB, the limit for audio files",
        server.url("/evil/huge.wav")
    ));
    once(&format!(
        "cannot download the sample `{}`: larger than 32 MiB, the limit for audio files",
        server.url("/evil/stream.wav")
    ));
    once(&format!(
        "the sample `{}` is unusable: not an audio file weft can read",
        server.url("/evil/page.wav")
    ));
    once(&format!(
        "cannot download the sample `{}`: the server answered HTTP 404",
        server.url("/evil/gone.wav")
    ));
    once(&format!(
        "cannot download the sample `{}`: more than 5 redirects",
        server.url("/evil/loop.wav")
    ));
    // A redirect loop stops after the limit.
    assert!(server.hits("/evil/loop.wav") <= 6);
    // Nothing unusable, too large or partial stays in the cache: the good
    // map and file, the evil map.
    assert_eq!(cached_files(&cache).len(), 3, "{:?}", cached_files(&cache));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_render_waits_for_downloads_up_to_a_timeout() {
    let dir = temp_dir("dl-timeout");
    let cache = dir.join("cache");
    let server = Server::start();
    server.route(
        "/slow/strudel.json",
        Reply::Slow(Duration::from_secs(20), b"{}".to_vec()),
    );
    let src = format!(
        "samples('{}')\na: s(\"tone\")\n",
        server.url("/slow/strudel.json")
    );
    let (code, stderr, out) = render(&dir, &cache, &src, &["--download-timeout", "1"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "error: timed out after 1 s waiting for sample maps to download; nothing rendered"
        ),
        "{stderr}"
    );
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn offline_says_what_is_missing() {
    let dir = temp_dir("dl-offline");
    let cache = dir.join("cache");
    let server = Server::start();
    serve_pack(&server);
    let src = format!(
        "samples('{}')\nsetcps(0.5)\na: s(\"tone ~\")\n",
        server.url("/pack/strudel.json")
    );
    let (code, stderr, out) = render(&dir, &cache, &src, &["--offline"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(server.total_hits(), 0);
    assert!(
        stderr.contains(&format!(
            "offline: the sample map `{}` is not in the download cache",
            server.url("/pack/strudel.json")
        )),
        "{stderr}"
    );
    assert!(level(&out, 0.0, 2.0) < 1e-6);
    // The map cached but not the file: the file is named.
    let (code, stderr) = {
        let (c, _, e) = weft_cached(
            &cache,
            &["check", dir.join("song.weft").to_str().unwrap()],
            &[],
        );
        (c, e)
    };
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(server.hits("/pack/strudel.json"), 1);
    let (code, stderr, _) = render(&dir, &cache, &src, &["--offline"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "offline: the sample `{}` is not in the download cache",
            server.url("/pack/tone/a_440.wav")
        )),
        "{stderr}"
    );
    assert_eq!(server.total_hits(), 1);
    // Other commands take the flag too.
    let (code, _, stderr) = weft_cached(&cache, &["events", "-e", "s(\"bd\")", "--offline"], &[]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_knows_the_sounds_of_downloaded_maps() {
    let dir = temp_dir("dl-check");
    let cache = dir.join("cache");
    let server = Server::start();
    serve_pack(&server);
    let file = dir.join("song.weft");
    std::fs::write(
        &file,
        format!(
            "samples('{}')\na: s(\"tone moog tonne\")\n",
            server.url("/pack/strudel.json")
        ),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    // Offline with an empty cache the names cannot be checked: no warning.
    let (code, _, stderr) = weft_cached(&cache, &["check", file, "--offline"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("is not in the download cache"), "{stderr}");
    assert!(!stderr.contains("W0010"), "{stderr}");
    // Online the map is downloaded (not its files) and only the typo is reported.
    let (code, _, stderr) = weft_cached(&cache, &["check", file], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.matches("W0010").count(), 1, "{stderr}");
    assert!(
        stderr.contains("no instrument or sample is called `tonne`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `tone`?"), "{stderr}");
    assert_eq!(server.total_hits(), 1);
    // From the cache, offline, the same.
    let (_, _, again) = weft_cached(&cache, &["check", file, "--offline"], &[]);
    assert_eq!(again.matches("W0010").count(), 1, "{again}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn live_playback_skips_notes_until_the_download_arrives() {
    let Some(jack) = start_jack("weft-dl") else {
        return;
    };
    let dir = temp_dir("dl-live");
    let cache = dir.join("cache");
    let server = Server::start();
    serve_pack(&server);
    // The file takes 1.5 s to arrive; a note every quarter second.
    server.route(
        "/pack/tone/a_440.wav",
        Reply::Slow(Duration::from_millis(1500), sine_wav(440.0, 0.2, 48000)),
    );
    let file = dir.join("live.weft");
    std::fs::write(
        &file,
        format!(
            "samples('{}')\nsetcps(1)\na: s(\"tone*4\")\n",
            server.url("/pack/strudel.json")
        ),
    )
    .unwrap();
    let record = dir.join("record.wav");
    let mut cmd = weft();
    cmd.args(["play", file.to_str().unwrap(), "--seconds", "4", "--record"])
        .arg(&record)
        .env("XDG_CACHE_HOME", &cache)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    jack.env(&mut cmd);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr.matches("sample `tone` is downloading").count(),
        1,
        "{stderr}"
    );
    let (left, sr) = left_channel(&record);
    // Silent while downloading, then every note plays.
    assert!(rms(window(&left, sr, 0.0, 1.0)) < 1e-4);
    let hz = zero_crossing_hz(window(&left, sr, 3.0, 3.15), sr);
    assert!(
        (hz - 440.0).abs() < 440.0 * 0.05,
        "after the download: {hz:.1} Hz"
    );
    assert!(rms(window(&left, sr, 3.25, 3.4)) > 0.05);
    assert_eq!(server.hits("/pack/tone/a_440.wav"), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_sample_that_cannot_be_had_falls_back_to_the_instrument_of_that_name() {
    // Strudel tunes often map `bd`/`sd` to files on the web; offline (or
    // when the download fails) the drum weft has of that name plays, so the
    // tune is not silent.
    let dir = temp_dir("dl-fallback");
    let cache = dir.join("cache");
    let src = format!(
        "samples({{ bd: 'bd/kick.wav', tone: 'tone/a.wav' }}, 'http://127.0.0.1:{}/')\n\
         setcps(0.5)\na: s(\"bd ~\")\nb: s(\"~ tone\")\n",
        closed_port()
    );
    let (code, stderr, out) = render(&dir, &cache, &src, &["--offline"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(level(&out, 0.0, 0.5) > 0.01, "the kick plays: {stderr}");
    // `tone` has no instrument: its notes are silent.
    assert!(level(&out, 1.2, 2.0) < 1e-6, "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
