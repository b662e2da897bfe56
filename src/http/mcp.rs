//! `/mcp`: the tool registry over the Model Context Protocol (streamable HTTP).

use crate::app::App;
use axum::Router;

pub fn service(_app: App) -> Router {
    Router::new()
}
