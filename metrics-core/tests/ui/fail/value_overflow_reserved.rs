use metrics_core::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Tier {
    Free,
    #[label(rename = "__overflow__")]
    Unknown,
}

fn main() {}
