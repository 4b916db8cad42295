//! [`Route`]: the route label a service without axum hands the middleware.

/// The route template of a request, for services that route without axum: put it in the
/// response's extensions and the layer labels the request with it. (Under axum the layer
/// reads `MatchedPath` itself.)
///
/// ```
/// let mut response = http::Response::new(());
/// response.extensions_mut().insert(metrics_http::Route::new("/users/{id}"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route(String);

impl Route {
    /// A route template, such as `/users/{id}`.
    pub fn new(template: impl Into<String>) -> Route {
        Route(template.into())
    }

    /// The template.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
