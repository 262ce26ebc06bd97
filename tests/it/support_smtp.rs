//! A real SMTP server on 127.0.0.1 for the alert tests: our own small implementation of
//! the server side of RFC 5321 (greeting, EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing,
//! RSET, NOOP, QUIT), recording every accepted message.
//!
//! It is scriptable, because the delivery tests are about failures: the next N
//! transactions can be answered with a given code at RCPT or after DATA, or have the
//! connection dropped after the data arrived; and the whole server can go "down" (its
//! listener closed, so connections are refused) and come back on the same port.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Largest message the server accepts (advertised as SIZE).
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// What to do to one transaction (one MAIL FROM … DATA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer RCPT TO with this code (421 also closes the connection).
    Rcpt(u16),
    /// Accept the data, then answer the final dot with this code instead of 250.
    Data(u16),
    /// Read the data, then close the connection without answering.
    Drop,
}

/// One message the server accepted (250 after DATA).
#[derive(Debug, Clone)]
pub struct Received {
    /// MAIL FROM address (without angle brackets).
    pub from: String,
    /// RCPT TO addresses (without angle brackets).
    pub rcpt: Vec<String>,
    /// The message as received, dot-unstuffed, without the final `.\r\n`.
    pub data: Vec<u8>,
}

impl Received {
    /// The message's raw header fields in order, unfolded, as `(name, value)`.
    pub fn headers(&self) -> Vec<(String, String)> {
        let text = String::from_utf8_lossy(&self.data);
        let head = text.split("\r\n\r\n").next().unwrap_or("");
        let mut out: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = out.last_mut() {
                    last.1.push_str(line);
                }
            } else if let Some((name, value)) = line.split_once(':') {
                out.push((name.to_string(), value.trim().to_string()));
            }
        }
        out
    }

    /// All values of header `name` (case-insensitive).
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers()
            .into_iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .collect()
    }

    /// The message parsed (MIME parts decoded) by `mail-parser`.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("the received message parses as MIME")
    }
}

#[derive(Default)]
struct State {
    messages: Vec<Received>,
    faults: VecDeque<Fault>,
    connections: usize,
    transactions: usize,
}

/// The SMTP server; dropped → it stops accepting.
pub struct SmtpServer {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl SmtpServer {
    /// Starts a server on 127.0.0.1 with a free port.
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP listener");
        let addr = listener.local_addr().expect("listener address");
        let state = Arc::new(Mutex::new(State::default()));
        let accept = tokio::spawn(accept_loop(listener, state.clone()));
        SmtpServer {
            addr,
            state,
            accept: Mutex::new(Some(accept)),
        }
    }

    /// The port, for `SmtpSettings::port`.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next `n` transactions get `fault`.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        let mut state = self.lock();
        state.faults.extend(std::iter::repeat_n(fault, n));
    }

    /// The messages accepted so far.
    pub fn messages(&self) -> Vec<Received> {
        self.lock().messages.clone()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.lock().connections
    }

    /// How many transactions (MAIL FROM) were started so far, failed ones included.
    pub fn transactions(&self) -> usize {
        self.lock().transactions
    }

    /// Closes the listener: new connections are refused until [`SmtpServer::up`].
    pub async fn down(&self) {
        let handle = self.accept.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = handle {
            handle.abort();
            let _ = handle.await;
        }
    }

    /// Listens again on the same address.
    pub async fn up(&self) {
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Err(e) => panic!("cannot listen on {} again: {e}", self.addr),
            }
        };
        let handle = tokio::spawn(accept_loop(listener, self.state.clone()));
        *self.accept.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(handle) = self.accept.lock().unwrap_or_else(|e| e.into_inner()).take() {
            handle.abort();
        }
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<Mutex<State>>) {
    while let Ok((stream, _)) = listener.accept().await {
        state.lock().unwrap_or_else(|e| e.into_inner()).connections += 1;
        tokio::spawn(session(stream, state.clone()));
    }
}

/// Reads one line (up to and including `\n`); `None` at end of stream.
async fn read_line<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    match reader.read_until(b'\n', &mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line),
    }
}

/// The address inside `<…>` after `MAIL FROM:` / `RCPT TO:`.
fn angle_addr(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg[start..].find('>').map_or(arg.len(), |i| start + i);
    arg[start..end].to_string()
}

async fn session(stream: TcpStream, state: Arc<Mutex<State>>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    macro_rules! reply {
        ($($arg:tt)*) => {
            if write.write_all(format!($($arg)*).as_bytes()).await.is_err() {
                return;
            }
        };
    }
    reply!("220 vigia-test ESMTP ready\r\n");
    let mut from: Option<String> = None;
    let mut rcpt: Vec<String> = Vec::new();
    let mut fault: Option<Fault> = None;
    while let Some(line) = read_line(&mut reader).await {
        let line = String::from_utf8_lossy(&line).trim_end().to_string();
        let upper = line.to_ascii_uppercase();
        let verb = upper.split(' ').next().unwrap_or("");
        match verb {
            "EHLO" => reply!(
                "250-vigia-test\r\n250-8BITMIME\r\n250-SIZE {MAX_MESSAGE_BYTES}\r\n250 HELP\r\n"
            ),
            "HELO" => reply!("250 vigia-test\r\n"),
            "NOOP" => reply!("250 OK\r\n"),
            "RSET" => {
                (from, fault) = (None, None);
                rcpt.clear();
                reply!("250 OK\r\n");
            }
            "QUIT" => {
                reply!("221 bye\r\n");
                return;
            }
            "MAIL" if upper.starts_with("MAIL FROM:") => {
                fault = {
                    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                    st.transactions += 1;
                    st.faults.pop_front()
                };
                from = Some(angle_addr(&line["MAIL FROM:".len()..]));
                rcpt.clear();
                reply!("250 OK\r\n");
            }
            "RCPT" if upper.starts_with("RCPT TO:") => {
                if from.is_none() {
                    reply!("503 MAIL first\r\n");
                    continue;
                }
                match fault {
                    Some(Fault::Rcpt(421)) => {
                        reply!("421 vigia-test closing, try later\r\n");
                        return;
                    }
                    Some(Fault::Rcpt(code)) => reply!("{code} scripted failure at RCPT\r\n"),
                    _ => {
                        rcpt.push(angle_addr(&line["RCPT TO:".len()..]));
                        reply!("250 OK\r\n");
                    }
                }
            }
            "DATA" => {
                if rcpt.is_empty() {
                    reply!("554 no valid recipients\r\n");
                    continue;
                }
                reply!("354 end data with <CRLF>.<CRLF>\r\n");
                let mut data = Vec::new();
                loop {
                    let Some(chunk) = read_line(&mut reader).await else {
                        return;
                    };
                    if chunk == b".\r\n" {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 4.5.2): a leading dot was doubled.
                    let chunk = if chunk.starts_with(b"..") {
                        &chunk[1..]
                    } else {
                        &chunk[..]
                    };
                    data.extend_from_slice(chunk);
                    if data.len() > MAX_MESSAGE_BYTES {
                        reply!("552 message too big\r\n");
                        return;
                    }
                }
                match fault.take() {
                    Some(Fault::Drop) => return,
                    Some(Fault::Data(421)) => {
                        reply!("421 vigia-test closing, try later\r\n");
                        return;
                    }
                    Some(Fault::Data(code)) => reply!("{code} scripted failure after DATA\r\n"),
                    _ => {
                        let received = Received {
                            from: from.take().unwrap_or_default(),
                            rcpt: std::mem::take(&mut rcpt),
                            data,
                        };
                        state
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .messages
                            .push(received);
                        reply!("250 OK queued\r\n");
                    }
                }
                from = None;
                rcpt.clear();
            }
            _ => reply!("502 command not implemented\r\n"),
        }
    }
}
