//! Drills against a real `navsync serve`: slow clients (half a header, held) and a connection
//! flood do not take `/health` down; callers are held to their quota; heads over the limits
//! get problem+json. Each waits for what the server says or does (its "serves … on" line, an
//! answer, a closed connection), never for a sleep; the read timeouts are only backstops.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Only so that a broken server fails the test instead of hanging it.
const BACKSTOP: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    addr: SocketAddr,
    data: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("navsync-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `navsync serve` with `[serve]` set to `serve_table`, on a port it picks.
fn start(name: &str, serve_table: &str) -> Server {
    let dir = scratch(name);
    let data = dir.join("data");
    let config = dir.join("navsync.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\nbind = \"127.0.0.1:0\"\n\n[serve]\n{serve_table}\n",
            data.to_str().unwrap()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_navsync"))
        .args(["serve", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the navsync binary starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert_ne!(
            stderr.read_line(&mut line).unwrap(),
            0,
            "navsync serve exited before listening"
        );
        if let Some(rest) = line.split(" on http://").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    // Keep draining, so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    Server { child, addr, data }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(BACKSTOP)).unwrap();
    stream
}

struct Answer {
    status: u16,
    head: String,
    body: String,
}

/// Reads one answer (by its content-length) off `stream`.
fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .expect("an answer before the backstop");
        assert_ne!(n, 0, "closed before a full answer; got {head:?}");
        if line == "\r\n" {
            break;
        }
        head += &line;
    }
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    Answer {
        status,
        head: head.to_ascii_lowercase(),
        body: String::from_utf8(body).unwrap(),
    }
}

/// One request on a fresh connection.
fn request(addr: SocketAddr, target: &str, extra_headers: &str) -> Answer {
    let mut stream = connect(addr);
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n{extra_headers}\r\n"
    )
    .unwrap();
    read_answer(&mut stream)
}

/// Reads until the server closes `stream`; what it sent before.
fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    match stream.read_to_end(&mut got) {
        Ok(_) => got,
        // The server may reset a connection it gives up on: closed as well.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => got,
        Err(e) => panic!("the server did not close the connection: {e}"),
    }
}

fn token(data: &Path, subject: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_navsync"))
        .args([
            "token",
            "create",
            "--taxpayer",
            "12345676",
            "--subject",
            subject,
        ])
        .arg("--data-dir")
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn slowloris_connections_do_not_keep_health_from_answering() {
    let server = start("slowloris", "header_read_timeout_secs = 5");
    let mut slow: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut s = connect(server.addr);
            s.write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\nx-slow: ")
                .unwrap();
            s
        })
        .collect();
    // While all 300 hold their half headers.
    let health = request(server.addr, "/health", "");
    assert_eq!(health.status, 200, "{}", health.body);
    assert!(health.body.contains("\"status\":\"ok\""), "{}", health.body);
    // And the server lets go of each of them: none is answered as if it were a request.
    assert_eq!(slow.len(), 300);
    for s in &mut slow {
        let got = String::from_utf8_lossy(&until_closed(s)).into_owned();
        assert!(!got.contains(" 200 "), "{got}");
    }
    assert_eq!(request(server.addr, "/health", "").status, 200);
}

#[test]
fn a_connection_flood_is_refused_beyond_the_cap_and_health_answers_again() {
    let server = start(
        "flood",
        "max_connections = 20\nheader_read_timeout_secs = 10",
    );
    // Twenty kept-alive connections, each known to be served (it got its answer) and now
    // holding a slot.
    let mut held: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = connect(server.addr);
            s.write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n")
                .unwrap();
            assert_eq!(read_answer(&mut s).status, 200);
            s
        })
        .collect();
    // The flood beyond the cap: each is told so, as problem+json, and closed.
    for _ in 0..50 {
        let mut s = connect(server.addr);
        s.write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n")
            .unwrap();
        let refused = read_answer(&mut s);
        assert_eq!(refused.status, 503, "{}", refused.body);
        assert!(
            refused
                .head
                .contains("content-type: application/problem+json")
        );
        assert!(refused.head.contains("retry-after: 1"));
        assert!(refused.body.contains("urn:navsync:problem:unavailable"));
        assert!(until_closed(&mut s).is_empty());
    }
    // Idle connections are let go after the header-read timeout, freeing their slots…
    assert_eq!(held.len(), 20);
    for s in &mut held {
        assert!(until_closed(s).is_empty());
    }
    // …and /health answers again.
    assert_eq!(request(server.addr, "/health", "").status, 200);
}

#[test]
fn each_caller_is_held_to_its_quota() {
    let server = start("quota", "requests_per_minute = 2");
    let anna = token(&server.data, "anna");
    let bela = token(&server.data, "bela");
    let me = |token: &str| {
        request(
            server.addr,
            "/v1/me",
            &format!("authorization: Bearer {token}\r\n"),
        )
    };
    assert_eq!(me(&anna).status, 200);
    assert_eq!(me(&anna).status, 200);
    // One request per 30 s refills; the third comes well before.
    let third = me(&anna);
    assert_eq!(third.status, 429, "{}", third.body);
    assert!(third.head.contains("retry-after: "), "{}", third.head);
    assert!(third.body.contains("urn:navsync:problem:too-many-requests"));
    // Another caller has a quota of its own.
    assert_eq!(me(&bela).status, 200);
}

#[test]
fn heads_over_the_limits_get_problem_json() {
    let server = start("heads", "");
    let long = request(server.addr, &format!("/health?x={}", "a".repeat(9000)), "");
    assert_eq!(long.status, 414);
    assert!(long.head.contains("content-type: application/problem+json"));
    assert!(
        long.body.contains("urn:navsync:problem:uri-too-long"),
        "{}",
        long.body
    );

    let many: String = (0..70).map(|i| format!("x-h{i}: v\r\n")).collect();
    let crowded = request(server.addr, "/health", &many);
    assert_eq!(crowded.status, 431);
    assert!(
        crowded
            .head
            .contains("content-type: application/problem+json")
    );
    assert!(
        crowded
            .body
            .contains("urn:navsync:problem:headers-too-large"),
        "{}",
        crowded.body
    );

    let big = format!("x-big: {}\r\n", "b".repeat(40 * 1024));
    let heavy = request(server.addr, "/health", &big);
    assert_eq!(heavy.status, 431);
    assert!(
        heavy.body.contains("urn:navsync:problem:headers-too-large"),
        "{}",
        heavy.body
    );
}
