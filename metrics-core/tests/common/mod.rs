//! Shared by the tests that start real components from Debian packages, here and in the
//! examples package (which includes this file by path: the workspace has no test crate).

#![allow(dead_code)] // Each test crate uses its own part.

pub(crate) mod prometheus;

use std::io::Write;
use std::process::Command;

/// `binary` if it runs here. Otherwise the test fails when `CI` is set (CI installs the
/// package, so a missing binary is a broken setup), and says loudly that it skipped when not.
pub(crate) fn require(binary: &'static str, package: &str) -> Option<&'static str> {
    let found = Command::new(binary).arg("--version").output().is_ok();
    match (found, std::env::var_os("CI").is_some()) {
        (true, _) => Some(binary),
        (false, true) => {
            panic!("{binary} is missing and CI is set: install the `{package}` package")
        }
        (false, false) => {
            // Around the test harness, which captures the output of tests that pass: a skip
            // must be seen.
            let message = format!(
                "\n*** SKIPPED: {binary} not found (install the Debian package `{package}`) ***\n"
            );
            match std::fs::OpenOptions::new().write(true).open("/dev/stderr") {
                Ok(mut tty) => {
                    let _ = tty.write_all(message.as_bytes());
                }
                Err(_) => eprintln!("{message}"),
            }
            None
        }
    }
}
