//! Servers in the bench's own process: a free loopback port, and the real Warden server on one.

use std::net::SocketAddr;
use tokio::net::TcpListener;
use warden::app::App;

/// A listener on a free port of 127.0.0.1, and its address.
pub async fn loopback() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    (listener, addr)
}

/// The real server (`warden::server::serve`) over `app` on a free loopback port, spawned on the
/// current runtime; its address.
pub async fn serve(app: App) -> SocketAddr {
    let (listener, addr) = loopback().await;
    tokio::spawn(warden::server::serve(app, listener));
    addr
}
