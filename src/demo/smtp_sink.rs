//! A minimal SMTP server on 127.0.0.1 that accepts every message and keeps it, so the
//! demo can show the alert emails vigia really sent over SMTP (no stub transport). It
//! speaks just enough of RFC 5321 for a well-behaved client: EHLO/HELO, MAIL, RCPT, DATA
//! with dot-unstuffing, RSET, NOOP, QUIT.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One accepted message: envelope recipients and the raw message.
#[derive(Debug, Clone)]
pub struct Caught {
    /// RCPT TO addresses.
    pub to: Vec<String>,
    /// The message (headers and body), dot-unstuffed.
    pub data: String,
    /// When the server accepted it (sent 250).
    pub received_at: std::time::Instant,
}

impl Caught {
    /// The (unfolded, RFC 2047-decoded) value of the first header called `name`.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| decode_words(v.trim()))
        })
    }
}

/// The running sink.
#[derive(Clone)]
pub struct SmtpSink {
    /// Port on 127.0.0.1.
    pub port: u16,
    caught: Arc<Mutex<Vec<Caught>>>,
}

impl SmtpSink {
    /// Listen on 127.0.0.1 (random port) until the process ends.
    pub async fn start() -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let sink = SmtpSink {
            port: listener.local_addr()?.port(),
            caught: Arc::default(),
        };
        let caught = sink.caught.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let caught = caught.clone();
                tokio::spawn(async move {
                    let _ = session(stream, caught).await;
                });
            }
        });
        Ok(sink)
    }

    /// Every message accepted so far.
    pub fn caught(&self) -> Vec<Caught> {
        self.caught.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

async fn session(stream: TcpStream, caught: Arc<Mutex<Vec<Caught>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 vigia-demo ESMTP\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-vigia-demo\r\n250 8BITMIME\r\n",
            "HELO" | "MAIL" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                let addr = line
                    .split(['<', '>'])
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                to.push(addr);
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                if let Ok(mut c) = caught.lock() {
                    c.push(Caught {
                        to: std::mem::take(&mut to),
                        data,
                        received_at: std::time::Instant::now(),
                    });
                }
                b"250 queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// Decode RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); whitespace between two
/// encoded words is dropped, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut last_was_word = false;
    for token in value.split(' ') {
        let word = token
            .strip_prefix("=?")
            .and_then(|t| t.strip_suffix("?="))
            .and_then(|t| {
                let mut parts = t.splitn(3, '?');
                let (_charset, enc, data) = (parts.next()?, parts.next()?, parts.next()?);
                let bytes = match enc {
                    "b" | "B" => base64(data)?,
                    "q" | "Q" => quoted(data)?,
                    _ => return None,
                };
                String::from_utf8(bytes).ok()
            });
        match word {
            Some(w) => {
                if !last_was_word && !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&w);
                last_was_word = true;
            }
            None => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(token);
                last_was_word = false;
            }
        }
    }
    out
}

fn base64(data: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in data.bytes().filter(|c| *c != b'=') {
        acc = (acc << 6) | u32::from(value(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

fn quoted(data: &str) -> Option<Vec<u8>> {
    let bytes = data.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_decode() {
        assert_eq!(
            decode_words("[vigia] Banco Cumbre me =?utf-8?b?Y29icsOz?= una"),
            "[vigia] Banco Cumbre me cobró una"
        );
        assert_eq!(
            decode_words("=?utf-8?q?P=C3=A9sima_atenci=C3=B3n?="),
            "Pésima atención"
        );
        assert_eq!(
            decode_words("=?utf-8?b?UMOpc2ltYSBh?= =?utf-8?b?dGVuY2nDs24=?="),
            "Pésima atención"
        );
    }
}
