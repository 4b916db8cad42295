use metrics_core::LabelSet;

#[derive(LabelSet)]
struct Labels {
    #[label(name = "userId")]
    user: String,
}

fn main() {}
