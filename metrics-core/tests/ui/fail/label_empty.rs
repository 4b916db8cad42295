use metrics_core::LabelSet;

#[derive(LabelSet)]
struct Labels {
    #[label(name = "")]
    method: String,
}

fn main() {}
