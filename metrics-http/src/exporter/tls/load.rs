//! Reading a certificate, key and client CA into a rustls server configuration, with the
//! errors a user can act on. No error carries the content of a PEM file: a key file's
//! lines are secret.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::validity::validity;

/// Whether the server asks clients for a certificate, checked against the CA given with
/// [`ServerTlsBuilder::client_ca_file`](super::ServerTlsBuilder::client_ca_file) or [`ServerTlsBuilder::client_ca_pem`](super::ServerTlsBuilder::client_ca_pem).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// A client without a valid certificate from the CA fails the handshake (mutual TLS).
    Required,
    /// A client may present no certificate; one it presents must be valid.
    Optional,
}

/// Why a certificate, key or client CA could not be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read (missing, no permission).
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// A PEM source holds no item of the kind expected, or one that does not decode.
    Pem {
        /// What was looked for: `certificate`, `private key` or `client CA`.
        item: &'static str,
        /// Where: the file, or `PEM text`.
        origin: String,
    },
    /// The private key is not one rustls signs with, or is not the certificate's.
    Key {
        /// rustls' reason (it names no key material).
        reason: String,
    },
    /// The certificate is not valid now (expired, or not yet valid).
    Validity {
        /// Its notBefore, in seconds since the Unix epoch.
        not_before: i64,
        /// Its notAfter, in seconds since the Unix epoch.
        not_after: i64,
        /// The time it was checked at, in seconds since the Unix epoch.
        now: i64,
    },
    /// The client CA cannot verify client certificates.
    ClientCa {
        /// rustls' reason.
        reason: String,
    },
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Read { path, source } => {
                write!(f, "cannot read TLS file {}: {source}", path.display())
            }
            TlsError::Pem { item, origin } => {
                write!(f, "no usable PEM {item} in {origin}")
            }
            TlsError::Key { reason } => write!(f, "TLS private key unusable: {reason}"),
            TlsError::Validity {
                not_before,
                not_after,
                now,
            } => {
                if now > not_after {
                    write!(
                        f,
                        "TLS certificate expired {} s ago (notAfter {not_after} s since the \
                         epoch)",
                        now - not_after
                    )
                } else {
                    write!(
                        f,
                        "TLS certificate not valid before {not_before} s since the epoch, {} s \
                         from now",
                        not_before - now
                    )
                }
            }
            TlsError::ClientCa { reason } => write!(f, "client CA unusable: {reason}"),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TlsError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// PEM text, in a file or given.
pub(super) enum Pem {
    File(PathBuf),
    Bytes(Vec<u8>),
}

impl fmt::Debug for Pem {
    /// The file's name or the text's length: never the text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pem::File(path) => write!(f, "{}", path.display()),
            Pem::Bytes(bytes) => write!(f, "<{} bytes of PEM>", bytes.len()),
        }
    }
}

impl Pem {
    fn read(&self) -> Result<std::borrow::Cow<'_, [u8]>, TlsError> {
        match self {
            Pem::File(path) => std::fs::read(path)
                .map(std::borrow::Cow::Owned)
                .map_err(|source| TlsError::Read {
                    path: path.clone(),
                    source,
                }),
            Pem::Bytes(bytes) => Ok(std::borrow::Cow::Borrowed(bytes)),
        }
    }

    fn origin(&self) -> String {
        match self {
            Pem::File(path) => path.display().to_string(),
            Pem::Bytes(_) => "PEM text".to_owned(),
        }
    }

    fn path(&self) -> Option<&Path> {
        match self {
            Pem::File(path) => Some(path),
            Pem::Bytes(_) => None,
        }
    }
}

/// Where the server's certificate, key and client CA come from.
#[derive(Debug)]
pub(super) struct Sources {
    pub(super) cert: Pem,
    pub(super) key: Pem,
    pub(super) client_ca: Option<(Pem, ClientAuth)>,
}

/// The metadata of the files of a [`Sources`] (`None` for one that cannot be read):
/// different when any of them changed.
pub(super) type Fingerprint = Vec<Option<(SystemTime, u64, u64)>>;

impl Sources {
    pub(super) fn fingerprint(&self) -> Fingerprint {
        let ca = self.client_ca.as_ref().map(|(pem, _)| pem);
        [Some(&self.cert), Some(&self.key), ca]
            .into_iter()
            .flatten()
            .filter_map(Pem::path)
            .map(|path| {
                // Follows symbolic links, as a mounted Secret's are swapped.
                let meta = std::fs::metadata(path).ok()?;
                Some((meta.modified().ok()?, meta.len(), inode(&meta)))
            })
            .collect()
    }
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

/// A configuration ready to serve, and when its certificate expires.
pub(super) struct Loaded {
    pub(super) config: Arc<ServerConfig>,
    pub(super) not_after: i64,
}

pub(super) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Reads and checks everything `sources` names, as of `now` (seconds since the epoch).
pub(super) fn load(sources: &Sources, now: i64) -> Result<Loaded, TlsError> {
    let pem_error = |item, pem: &Pem| TlsError::Pem {
        item,
        origin: pem.origin(),
    };
    let chain = CertificateDer::pem_slice_iter(&sources.cert.read()?)
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|chain| !chain.is_empty())
        .ok_or_else(|| pem_error("certificate", &sources.cert))?;
    let key = PrivateKeyDer::from_pem_slice(&sources.key.read()?)
        .map_err(|_| pem_error("private key", &sources.key))?;
    let (not_before, not_after) =
        validity(&chain[0]).ok_or_else(|| pem_error("certificate", &sources.cert))?;
    if now < not_before || now > not_after {
        return Err(TlsError::Validity {
            not_before,
            not_after,
            now,
        });
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certified = CertifiedKey::from_der(chain, key, &provider).map_err(|e| TlsError::Key {
        reason: e.to_string(),
    })?;
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Key {
            reason: e.to_string(),
        })?;
    let builder = match &sources.client_ca {
        None => builder.with_no_client_auth(),
        Some((pem, auth)) => {
            builder.with_client_cert_verifier(client_verifier(pem, *auth, &provider)?)
        }
    };
    let mut config = builder.with_cert_resolver(Arc::new(Fixed(Arc::new(certified))));
    // HTTP/1.1 only, said in the handshake; a client offering only h2 fails it.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Loaded {
        config: Arc::new(config),
        not_after,
    })
}

fn client_verifier(
    pem: &Pem,
    auth: ClientAuth,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem.read()?) {
        let cert = cert.map_err(|_| TlsError::Pem {
            item: "client CA",
            origin: pem.origin(),
        })?;
        roots.add(cert).map_err(|e| TlsError::ClientCa {
            reason: e.to_string(),
        })?;
    }
    if roots.is_empty() {
        return Err(TlsError::Pem {
            item: "client CA",
            origin: pem.origin(),
        });
    }
    let builder =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider));
    let builder = match auth {
        ClientAuth::Required => builder,
        ClientAuth::Optional => builder.allow_unauthenticated(),
    };
    builder.build().map_err(|e| TlsError::ClientCa {
        reason: e.to_string(),
    })
}

/// One certificate for every client.
#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}
