//! A small shop: the business side of the example services, with its own metrics beside
//! the request metrics the middleware records.

use std::time::Duration;

use metrics_core::{Counter, Family, Histogram, LabelSet, LabelValue, MetricGroup};

/// What became of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, LabelValue)]
pub enum Outcome {
    /// Placed.
    Accepted,
    /// Refused: no items, or more than the shop holds.
    Rejected,
}

/// The labels of `shop_orders_total`.
#[derive(Debug, Clone, Copy, LabelSet)]
pub struct OrderLabels {
    /// What became of the order.
    pub outcome: Outcome,
}

/// The shop's business metrics.
#[derive(MetricGroup)]
#[metrics(namespace = "shop")]
pub struct ShopMetrics {
    /// Orders received, by outcome.
    pub orders_total: Family<OrderLabels, Counter>,
    /// Items per accepted order.
    #[metric(buckets = [1, 2, 5, 10, 20, 50])]
    pub order_items: Histogram,
    /// Time spent building reports.
    #[metric(unit = "seconds", buckets = [0.01, 0.025, 0.05, 0.1, 0.25])]
    pub report_duration_seconds: Histogram,
}

/// The largest order the shop accepts.
pub const MAX_ITEMS: u64 = 50;

/// How long a report takes: long enough that a client can give up on it, and that the
/// tests' client, which gives up 5 ms after asking, always goes first, even on a loaded
/// machine.
pub const REPORT_TIME: Duration = Duration::from_millis(200);

/// The shop's handlers, shared by the axum and actix apps.
#[derive(Clone)]
pub struct Shop {
    metrics: std::sync::Arc<ShopMetrics>,
}

impl Shop {
    /// A shop recording into `metrics`.
    pub fn new(metrics: ShopMetrics) -> Shop {
        Shop {
            metrics: std::sync::Arc::new(metrics),
        }
    }

    /// `POST /api/orders?items=N`: 201, or 422 for no items or more than [`MAX_ITEMS`].
    pub fn place_order(&self, query: &str) -> (u16, String) {
        let items = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("items="))
            .map_or(Some(1), |n| n.parse::<u64>().ok());
        match items {
            Some(n @ 1..=MAX_ITEMS) => {
                self.count(Outcome::Accepted);
                self.metrics.order_items.observe(n as f64);
                (201, format!("order placed: {n} items\n"))
            }
            _ => {
                self.count(Outcome::Rejected);
                (422, format!("orders hold 1 to {MAX_ITEMS} items\n"))
            }
        }
    }

    fn count(&self, outcome: Outcome) {
        self.metrics
            .orders_total
            .get(&OrderLabels { outcome })
            .inc();
    }

    /// `GET /users/{id}`: 200 for a numeric id, 404 otherwise (still the `/users/{id}` route).
    pub fn user(&self, id: &str) -> (u16, String) {
        if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
            (200, format!("user {id}\n"))
        } else {
            (404, "no such user\n".to_owned())
        }
    }

    /// `GET /api/report`: takes [`REPORT_TIME`].
    pub async fn report(&self) -> String {
        let timer = self.metrics.report_duration_seconds.start_timer();
        tokio::time::sleep(REPORT_TIME).await;
        timer.observe();
        "report: all good\n".to_owned()
    }
}
