use metrics_core::LabelSet;

#[derive(LabelSet)]
struct Labels {
    #[label(name = "__name__")]
    name: String,
}

fn main() {}
