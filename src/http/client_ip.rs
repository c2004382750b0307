//! The client's address: the TCP peer, unless the peer is a proxy we trust
//! (`TRUSTED_PROXIES`); then the last `X-Forwarded-For` hop that is not one of ours
//! (walking from the right, as each proxy appends the address it saw). A client can
//! put anything at the left of the header, so the left is never believed.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn trusts(&self, ip: &IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client address of a request whose TCP peer is `peer`.
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(&peer) {
            return Some(peer);
        }
        let mut client = peer;
        for hop in forwarded_for.iter().flat_map(|h| h.split(',')).rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                // A hop we cannot read: stop at the last one we could.
                break;
            };
            client = ip;
            if !self.trusts(&ip) {
                break;
            }
        }
        Some(client)
    }
}

/// The client address of `req` (see the module's comment).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    let Some(trusted) = req.app_data::<actix_web::web::Data<TrustedProxies>>() else {
        return peer;
    };
    let headers: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    trusted.client_ip(peer, &headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies() -> TrustedProxies {
        TrustedProxies(vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ])
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let p = proxies();
        // An untrusted peer: its header is ignored.
        assert_eq!(
            p.client_ip(ip("203.0.113.5"), &["198.51.100.1"]),
            ip("203.0.113.5")
        );
        // A trusted peer: the last hop that is not ours.
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), &["198.51.100.1"]),
            ip("198.51.100.1")
        );
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), &["6.6.6.6, 198.51.100.1, 10.1.2.3"]),
            ip("198.51.100.1"),
            "a spoofed left part is never believed"
        );
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), &["6.6.6.6", "198.51.100.1"]),
            ip("198.51.100.1"),
            "several headers are one list"
        );
        assert_eq!(p.client_ip(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        assert_eq!(p.client_ip(ip("127.0.0.1"), &["garbage"]), ip("127.0.0.1"));
        assert_eq!(
            TrustedProxies(vec![]).client_ip(ip("127.0.0.1"), &["1.2.3.4"]),
            ip("127.0.0.1")
        );
    }
}
