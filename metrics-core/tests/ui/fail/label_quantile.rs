use metrics_core::LabelSet;

#[derive(LabelSet)]
struct Labels {
    quantile: String,
}

fn main() {}
