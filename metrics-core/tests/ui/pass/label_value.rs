use metrics_core::LabelValue;

#[derive(Debug, Clone, Copy, PartialEq, LabelValue)]
enum Method {
    Get,
    Post,
    #[label(rename = "OTHER")]
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, LabelValue)]
enum Status {
    HttpOk,
    NotFound,
    HTTPServerError,
}

#[derive(Debug, Clone, PartialEq, LabelValue)]
struct Tenant(String);

#[derive(Debug, Clone, Copy, PartialEq, LabelValue)]
struct Verb {
    method: Method,
}

fn text<V: LabelValue>(v: &V) -> String {
    v.with_str(str::to_owned)
}

fn main() {
    assert_eq!(Method::CARDINALITY, Some(3));
    assert_eq!(text(&Method::Get), "get");
    assert_eq!(text(&Method::Other), "OTHER");
    assert_eq!(text(&Status::HttpOk), "http_ok");
    assert_eq!(text(&Status::HTTPServerError), "http_server_error");
    for i in 0..3 {
        assert_eq!(Status::from_index(i).unwrap().index(), i);
    }
    assert_eq!(Status::from_index(3), None);
    assert_eq!(Tenant::CARDINALITY, None);
    assert_eq!(text(&Tenant("acme".into())), "acme");
    assert_eq!(Verb::CARDINALITY, Some(3));
    assert_eq!(Verb::from_index(1), Some(Verb { method: Method::Post }));
    assert_eq!(text(&Verb { method: Method::Post }), "post");
}
