//! A batch job that cannot be scraped: it does its work, then pushes its metrics, to a
//! Pushgateway or by remote write to Prometheus or Mimir.
//!
//! ```text
//! cargo run -p examples --example batch_job -- --gateway http://localhost:9091
//! cargo run -p examples --example batch_job -- --remote-write http://localhost:9090/api/v1/write
//! cargo run -p examples --example batch_job -- --remote-write http://mimir/api/v1/push --tenant team-a
//! ```
//!
//! `PUSHGATEWAY_URL`, `REMOTE_WRITE_URL` and `REMOTE_WRITE_TENANT` may stand for the flags;
//! `--remote-write-version 1|2|auto` picks the remote-write protocol (`auto`: 2.0, falling
//! back to 1.0 where the receiver lacks it); `--records N` and `--fail-every N` shape the
//! work. The job records a native histogram (record sizes), which both paths carry whole.
//! Exits 1 if the work or the push failed, 2 on bad arguments.

use std::process::ExitCode;
use std::time::Duration;

use examples::batch::{process, BatchMetrics};
use metrics_core::Registry;
use metrics_http::{BatchJob, PushError, Pushgateway, RemoteWrite, RemoteWriteProtocol, Retry};

const JOB: &str = "batch_job";

enum Destination {
    Gateway(String),
    RemoteWrite {
        url: String,
        tenant: Option<String>,
        protocol: RemoteWriteProtocol,
    },
}

struct Args {
    destination: Destination,
    records: u64,
    fail_every: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut gateway = std::env::var("PUSHGATEWAY_URL").ok();
    let mut remote_write = std::env::var("REMOTE_WRITE_URL").ok();
    let mut tenant = std::env::var("REMOTE_WRITE_TENANT").ok();
    let (mut records, mut fail_every) = (100, 0);
    let mut protocol = RemoteWriteProtocol::Auto;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: `{v}` is not a number"))
        };
        match flag.as_str() {
            "--gateway" => gateway = Some(value()?),
            "--remote-write" => remote_write = Some(value()?),
            "--tenant" => tenant = Some(value()?),
            "--remote-write-version" => {
                protocol = match value()?.as_str() {
                    "1" => RemoteWriteProtocol::V1,
                    "2" => RemoteWriteProtocol::V2,
                    "auto" => RemoteWriteProtocol::Auto,
                    other => {
                        return Err(format!(
                            "--remote-write-version: `{other}` is not 1, 2 or auto"
                        ))
                    }
                }
            }
            "--records" => records = number(value()?)?,
            "--fail-every" => fail_every = number(value()?)?,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let destination = match (gateway, remote_write) {
        (Some(url), None) => Destination::Gateway(url),
        (None, Some(url)) => Destination::RemoteWrite {
            url,
            tenant,
            protocol,
        },
        (Some(_), Some(_)) => return Err("give --gateway or --remote-write, not both".into()),
        (None, None) => return Err("say where to push: --gateway URL or --remote-write URL".into()),
    };
    Ok(Args {
        destination,
        records,
        fail_every,
    })
}

fn instance() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// The push should not hold the job's exit for long: 3 tries within 15 s.
fn retry() -> Retry {
    Retry {
        attempts: 3,
        total: Duration::from_secs(15),
        ..Retry::default()
    }
}

/// The work's outcome once the metrics are pushed, or why they could not be.
fn run(args: Args) -> Result<Result<u64, String>, String> {
    let registry = Registry::new();
    let metrics = BatchMetrics::register(&registry).map_err(|e| e.to_string())?;
    match args.destination {
        Destination::Gateway(url) => {
            let failed = |e: PushError| format!("pushing the metrics to {url} failed: {e}");
            let gateway = Pushgateway::builder(&url)
                .job(JOB)
                .grouping("instance", instance())
                .retry(retry())
                .build()
                .map_err(failed)?;
            // Started before the work, so the run is timed and pushed however it ends.
            let job = BatchJob::start(gateway, registry).map_err(failed)?;
            let outcome = process(&metrics, args.records, args.fail_every);
            job.finish(&outcome).map_err(failed)?;
            Ok(outcome.map_err(|e| e.to_string()))
        }
        Destination::RemoteWrite {
            url,
            tenant,
            protocol,
        } => {
            let failed = |e: PushError| format!("pushing the metrics to {url} failed: {e}");
            let mut writer = RemoteWrite::builder(&url)
                .external_label("job", JOB)
                .external_label("instance", instance())
                .protocol(protocol)
                .retry(retry());
            if let Some(tenant) = tenant {
                writer = writer.tenant(tenant);
            }
            let writer = writer.build().map_err(failed)?;
            let outcome = process(&metrics, args.records, args.fail_every);
            let written = writer.write_blocking(&registry).map_err(failed)?;
            let counts = match (written.samples, written.histograms) {
                (Some(samples), Some(histograms)) => {
                    format!(": {samples} samples and {histograms} histograms written")
                }
                _ => String::new(),
            };
            println!("batch_job: remote write {:?}{counts}", written.protocol);
            Ok(outcome.map_err(|e| e.to_string()))
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("batch_job: {message}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(Ok(records)) => {
            println!("batch_job: processed {records} records, metrics pushed");
            ExitCode::SUCCESS
        }
        Ok(Err(work)) => {
            eprintln!("batch_job: the work failed ({work}); metrics pushed");
            ExitCode::from(1)
        }
        Err(message) => {
            eprintln!("batch_job: {message}");
            ExitCode::from(1)
        }
    }
}
