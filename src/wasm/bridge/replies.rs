//! Replies to requests across bridges.
//!
//! A request crosses bridges as a message whose frame names the requester's inbox
//! (`replyInbox`; the requester is the frame's `origin`). A bus that takes one in remembers
//! which bridge it came through, in a bounded table ([`MAX_ROUTES`], oldest forgotten first),
//! so a reply can retrace the way: `msg.respond(value)` on a bus that did not ask posts a
//! reply frame `{ type: "reply", to, inbox, hops, data }` back over that bridge; a bus that
//! receives one resolves the request when it asked, and otherwise passes it on along its
//! route, once, and never back over the bridge it arrived on (a channel shared by several
//! tabs brings every tab each reply).

use std::collections::VecDeque;

use wasm_bindgen::JsValue;

use super::handle::Stat;
use super::{js, Bridges, MAX_HOPS};

/// The most reply routes a bus remembers.
pub const MAX_ROUTES: usize = 4096;

/// The way back of one request: `(requester's wire id, its inbox, the bridge it came by)`.
pub type Route = (String, f64, u32);

/// The reply routes of one bus, oldest first.
pub type Routes = VecDeque<Route>;

impl Bridges {
    /// This bus's wire id as text, drawn on first use.
    pub fn origin_text(&self) -> String {
        self.origin();
        self.origin.get().map(|(_, text)| text.clone()).unwrap_or_default()
    }

    /// Whether an open bridge carries `topic`.
    pub fn carries(&self, topic: &str) -> bool {
        self.open.borrow().iter().any(|bridge| bridge.wants(topic))
    }

    /// Remembers that request `(to, inbox)` came through bridge `via`.
    pub fn remember_route(&self, to: &str, inbox: f64, via: u32) {
        let mut routes = self.routes.borrow_mut();
        if routes.len() == MAX_ROUTES {
            routes.pop_front();
        }
        routes.push_back((to.to_owned(), inbox, via));
    }

    /// Whether `to` is this bus's wire id (one it never drew is no one's).
    pub fn is_own(&self, to: &str) -> bool {
        self.origin.get().is_some_and(|(_, own)| own == to)
    }

    /// A reply to another bus's request `(to, inbox)` arrived through bridge `from`: passes it
    /// on along the request's route, once, never back over `from`; dropped when this bus
    /// knows no route (it never took the request in). Whether it was passed on.
    pub fn pass_on_reply(&self, from: u32, to: &str, inbox: f64, hops: u32, data: &JsValue) -> bool {
        let Some(via) = self.take_route(to, inbox) else { return false };
        via != from && hops < MAX_HOPS && self.send_reply(via, to, inbox, hops + 1, data)
    }

    fn take_route(&self, to: &str, inbox: f64) -> Option<u32> {
        let mut routes = self.routes.borrow_mut();
        let index = routes.iter().position(|(t, i, _)| *i == inbox && t == to)?;
        routes.remove(index).map(|(_, _, via)| via)
    }

    /// Posts a reply frame over bridge `via`; whether the port took it.
    pub fn send_reply(&self, via: u32, to: &str, inbox: f64, hops: u32, data: &JsValue) -> bool {
        let bridge = self.open.borrow().iter().find(|b| b.id == via).cloned();
        let Some(bridge) = bridge else { return false };
        let wire = js::reply_envelope(to, inbox, hops, data);
        let sent = js::post(&bridge.port, &bridge.post, &wire);
        bridge.count(if sent { Stat::Sent } else { Stat::SendErrors });
        sent
    }
}
