//! Test certificates made with rcgen: CAs, server certificates for `127.0.0.1` and
//! `localhost`, client certificates, and certificates outside their dates.

#![allow(dead_code)] // Each test crate uses its own part.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};

/// A calendar date: year, month, day.
pub(crate) type Date = (i32, u8, u8);

/// A certificate authority.
pub(crate) struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
    /// Its certificate, PEM.
    pub(crate) pem: String,
}

/// A certificate and its key, PEM, and the certificate's DER.
#[derive(Clone)]
pub(crate) struct Leaf {
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
    pub(crate) der: Vec<u8>,
}

impl Ca {
    pub(crate) fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name = named(name);
        let cert = params.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            cert,
            key,
        }
    }

    /// A server certificate for `127.0.0.1` and `localhost`, valid now.
    pub(crate) fn server(&self, name: &str) -> Leaf {
        self.leaf(name, ExtendedKeyUsagePurpose::ServerAuth, None)
    }

    /// A server certificate valid only between the two dates (year, month, day).
    pub(crate) fn server_dated(&self, name: &str, from: (i32, u8, u8), to: (i32, u8, u8)) -> Leaf {
        self.leaf(name, ExtendedKeyUsagePurpose::ServerAuth, Some((from, to)))
    }

    /// A client certificate.
    pub(crate) fn client(&self, name: &str) -> Leaf {
        self.leaf(name, ExtendedKeyUsagePurpose::ClientAuth, None)
    }

    fn leaf(
        &self,
        name: &str,
        usage: ExtendedKeyUsagePurpose,
        dates: Option<(Date, Date)>,
    ) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params.distinguished_name = named(name);
        params.extended_key_usages = vec![usage];
        if let Some(((y0, m0, d0), (y1, m1, d1))) = dates {
            params.not_before = rcgen::date_time_ymd(y0, m0, d0);
            params.not_after = rcgen::date_time_ymd(y1, m1, d1);
        }
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().to_vec(),
        }
    }
}

fn named(name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn
}
