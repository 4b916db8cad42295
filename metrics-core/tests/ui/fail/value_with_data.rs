use metrics_core::LabelValue;

#[derive(LabelValue)]
enum Outcome {
    Success,
    Failure(String),
}

fn main() {}
