use metrics_core::LabelSet;

#[derive(LabelSet)]
struct Labels {
    #[label(name = "http-method")]
    method: String,
}

fn main() {}
