//! A small HTTP/1.1 server on 127.0.0.1 for the download tests: it serves
//! what a test puts at each path, counts the requests per path, and stops
//! when dropped. Each connection gets one reply and is closed.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What a path answers.
#[derive(Clone)]
pub enum Reply {
    /// 200 with this body (and its length).
    Body(Vec<u8>),
    /// This status, no body.
    Status(u16),
    /// 302 to this location.
    Redirect(String),
    /// `len` zero bytes; `announce`: with a Content-Length header (else the
    /// end of the body is the end of the connection).
    Huge { len: u64, announce: bool },
    /// The body after a pause (checked against the stop flag, so bounded).
    Slow(Duration, Vec<u8>),
}

type Routes = Arc<Mutex<HashMap<String, Reply>>>;

pub struct Server {
    pub port: u16,
    routes: Routes,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Routes = Arc::default();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (routes, hits, stop) = (routes.clone(), hits.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (routes, hits, stop) = (routes.clone(), hits.clone(), stop.clone());
                            std::thread::spawn(move || serve(stream, &routes, &hits, &stop));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Server {
            port,
            routes,
            hits,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_string(), reply);
    }

    /// Requests for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    /// All requests so far.
    pub fn total_hits(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn serve(
    mut stream: TcpStream,
    routes: &Routes,
    hits: &Mutex<HashMap<String, usize>>,
    stop: &AtomicBool,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let reply = routes.lock().unwrap().get(&path).cloned();
    let _ = match reply {
        None => write!(
            stream,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        Some(Reply::Status(code)) => write!(
            stream,
            "HTTP/1.1 {code} Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        Some(Reply::Redirect(to)) => write!(
            stream,
            "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        Some(Reply::Body(body)) => send(&mut stream, &body),
        Some(Reply::Slow(pause, body)) => {
            let mut waited = Duration::ZERO;
            while waited < pause && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(10));
                waited += Duration::from_millis(10);
            }
            send(&mut stream, &body)
        }
        Some(Reply::Huge { len, announce }) => {
            let header = if announce {
                format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
            } else {
                "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_string()
            };
            let mut r = stream.write_all(header.as_bytes());
            let chunk = vec![0u8; 64 * 1024];
            let mut sent = 0u64;
            while r.is_ok() && sent < len && !stop.load(Ordering::Relaxed) {
                let n = chunk.len().min((len - sent) as usize);
                r = stream.write_all(&chunk[..n]);
                sent += n as u64;
            }
            r
        }
    };
}

fn send(stream: &mut TcpStream, body: &[u8]) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)
}

/// A mono 16-bit WAV file of a sine (`seconds` long) as bytes.
pub fn sine_wav(hz: f64, seconds: f64, rate: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
        let n = (seconds * rate as f64) as usize;
        for i in 0..n {
            let x = 0.5 * (std::f64::consts::TAU * hz * i as f64 / rate as f64).sin();
            w.write_sample((x * 32767.0) as i16).unwrap();
        }
        w.finalize().unwrap();
    }
    cursor.into_inner()
}
