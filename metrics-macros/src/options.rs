//! What the derives share: item options (`#[metrics(crate = ...)]`), spans, case.

use proc_macro2::{Span, TokenStream as Tokens};
use syn::{DeriveInput, LitStr, Path};

/// Options of `#[metrics(...)]` on the item.
pub(crate) struct ItemOptions {
    pub(crate) krate: Path,
    pub(crate) namespace: Option<LitStr>,
}

pub(crate) fn item_options(input: &DeriveInput, allow_namespace: bool) -> syn::Result<ItemOptions> {
    let mut options = ItemOptions {
        krate: syn::parse_quote!(::metrics_core),
        namespace: None,
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("metrics")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                options.krate = meta.value()?.parse()?;
                Ok(())
            } else if meta.path.is_ident("namespace") && allow_namespace {
                options.namespace = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error("unknown option: expected `crate = path` or `namespace = \"...\"`"))
            }
        })?;
    }
    Ok(options)
}

/// `tokens` with every span set to `span`, so that an error inside them (a failed const
/// check) points at the field or attribute they come from, not at the derive.
pub(crate) fn spanned_at(tokens: Tokens, span: Span) -> Tokens {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), spanned_at(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// Snake case of a Rust identifier: `GetUser` -> `get_user`, `HTTPServer` -> `http_server`.
pub(crate) fn snake_case(ident: &str) -> String {
    let chars: Vec<char> = ident.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next_is_lower)
            {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}
