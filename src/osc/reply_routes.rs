//! [`ReplyRoutes`]: where replies go, per `/reply` (docs/CONTRACTS.md §2, "/reply").
//!
//! - `/reply i port` from a sender at `ip:p` sends the replies to *that sender* to `ip:port`
//!   from now on. Keyed by address and port: another process on the same host cannot
//!   redirect this client's replies.
//! - `/reply i port s "host"` is the convenience for clients that send each message from a
//!   new port (`oscsend`): replies to every sender at that IP address *without a
//!   registration of its own* go to `ip:port`. A co-resident process can set this too, so
//!   a client that needs its replies private registers its own port (which a host-wide
//!   entry never overrides) or listens on the port it sends from.
//! - `/reply i 0` (with `s "host"`: the host-wide entry) removes the registration.
//!
//! Every registered port also receives broadcasts (sequencer cues). At most
//! [`MAX_REPLY_ROUTES`] registrations are kept; more are refused.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

/// Most `/reply` registrations kept at once (per sender and per host together).
pub const MAX_REPLY_ROUTES: usize = 64;

/// What a `/reply` registration covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyScope {
    /// The sender's own address and port.
    Sender,
    /// Every sender at the sender's IP address that has no registration of its own.
    Host,
}

/// The `/reply` registrations of one server.
#[derive(Debug, Default)]
pub struct ReplyRoutes {
    by_sender: HashMap<SocketAddr, u16>,
    by_host: HashMap<IpAddr, u16>,
}

impl ReplyRoutes {
    /// Registers (`port` 1..=65535) or removes (`port` 0) the route of `from` for `scope`.
    /// Refused when [`MAX_REPLY_ROUTES`] routes exist already.
    pub fn register(
        &mut self,
        from: SocketAddr,
        port: u16,
        scope: ReplyScope,
    ) -> Result<(), String> {
        let known = match scope {
            ReplyScope::Sender => self.by_sender.contains_key(&from),
            ReplyScope::Host => self.by_host.contains_key(&from.ip()),
        };
        if port != 0 && !known && self.len() >= MAX_REPLY_ROUTES {
            return Err(format!(
                "{MAX_REPLY_ROUTES} reply routes are registered already; remove one with \
                 /reply i 0 first"
            ));
        }
        match (scope, port) {
            (ReplyScope::Sender, 0) => {
                self.by_sender.remove(&from);
            }
            (ReplyScope::Sender, p) => {
                self.by_sender.insert(from, p);
            }
            (ReplyScope::Host, 0) => {
                self.by_host.remove(&from.ip());
            }
            (ReplyScope::Host, p) => {
                self.by_host.insert(from.ip(), p);
            }
        }
        Ok(())
    }

    /// Where a reply to `from` goes: its own registration, else its host's, else `from`.
    pub fn destination(&self, from: SocketAddr) -> SocketAddr {
        let port = self
            .by_sender
            .get(&from)
            .or_else(|| self.by_host.get(&from.ip()));
        match port {
            Some(port) => SocketAddr::new(from.ip(), *port),
            None => from,
        }
    }

    /// Every registered listening address, once each (broadcast targets).
    pub fn listeners(&self) -> Vec<SocketAddr> {
        let mut all: Vec<SocketAddr> = self
            .by_sender
            .iter()
            .map(|(from, port)| SocketAddr::new(from.ip(), *port))
            .chain(
                self.by_host
                    .iter()
                    .map(|(ip, port)| SocketAddr::new(*ip, *port)),
            )
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Registrations kept.
    pub fn len(&self) -> usize {
        self.by_sender.len() + self.by_host.len()
    }

    /// No registration at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_sender_route_is_private_to_its_address_and_port() {
        let mut r = ReplyRoutes::default();
        r.register(at("127.0.0.1:5000"), 9001, ReplyScope::Sender)
            .unwrap();
        assert_eq!(r.destination(at("127.0.0.1:5000")), at("127.0.0.1:9001"));
        // Another process on the same host is not affected, and cannot take it over.
        assert_eq!(r.destination(at("127.0.0.1:6000")), at("127.0.0.1:6000"));
        r.register(at("127.0.0.1:6000"), 7777, ReplyScope::Host)
            .unwrap();
        assert_eq!(r.destination(at("127.0.0.1:5000")), at("127.0.0.1:9001"));
        // The host route serves senders without one of their own (oscsend).
        assert_eq!(r.destination(at("127.0.0.1:6001")), at("127.0.0.1:7777"));
        assert_eq!(
            r.listeners(),
            vec![at("127.0.0.1:7777"), at("127.0.0.1:9001")]
        );
        r.register(at("127.0.0.1:5000"), 0, ReplyScope::Sender)
            .unwrap();
        assert_eq!(r.destination(at("127.0.0.1:5000")), at("127.0.0.1:7777"));
        r.register(at("127.0.0.1:1"), 0, ReplyScope::Host).unwrap();
        assert!(r.is_empty());
    }

    #[test]
    fn registrations_are_bounded() {
        let mut r = ReplyRoutes::default();
        for p in 0..MAX_REPLY_ROUTES as u16 {
            r.register(
                at(&format!("127.0.0.1:{}", 1000 + p)),
                9000,
                ReplyScope::Sender,
            )
            .unwrap();
        }
        let e = r
            .register(at("127.0.0.1:50000"), 9000, ReplyScope::Sender)
            .unwrap_err();
        assert!(e.contains("64 reply routes"), "{e}");
        // Changing or removing an existing one still works.
        r.register(at("127.0.0.1:1000"), 9002, ReplyScope::Sender)
            .unwrap();
        r.register(at("127.0.0.1:1000"), 0, ReplyScope::Sender)
            .unwrap();
        r.register(at("127.0.0.1:50000"), 9000, ReplyScope::Sender)
            .unwrap();
    }
}
