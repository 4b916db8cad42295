use metrics_core::LabelValue;

#[derive(LabelValue)]
enum Outcome {
    Success,
    #[label(rename = "success")]
    Ok,
}

fn main() {}
