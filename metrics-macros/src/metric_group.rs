//! `#[derive(MetricGroup)]`: a struct of metrics and families registered together.

use proc_macro2::{Span, TokenStream as Tokens};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Fields, LitStr};

use crate::options::{item_options, spanned_at};

/// Options of `#[metric(...)]` on a field, with the span of each key given (for the
/// compile-time checks that the key fits the field's type).
#[derive(Default)]
struct FieldOptions {
    name: Option<LitStr>,
    unit: Option<LitStr>,
    labels: Option<(Span, Vec<LitStr>)>,
    buckets: Option<(Span, Vec<f64>)>,
    native: Option<(Span, f64)>,
    quantiles: Option<(Span, Vec<f64>)>,
    max_age_secs: Option<(Span, u64)>,
    age_buckets: Option<(Span, u32)>,
    series_limit: Option<(Span, usize)>,
    overflow: Option<(Span, bool)>,
    expire_after_secs: Option<(Span, u64)>,
}

fn field_options(field: &syn::Field) -> syn::Result<FieldOptions> {
    let mut options = FieldOptions::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("metric")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                options.name = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("unit") {
                options.unit = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("labels") {
                let key = meta.path.span();
                let value = meta.value()?;
                let content;
                syn::bracketed!(content in value);
                let list = content.parse_terminated(|p| p.parse::<LitStr>(), syn::Token![,])?;
                let labels: Vec<LitStr> = list.into_iter().collect();
                for (i, label) in labels.iter().enumerate() {
                    if labels[..i].iter().any(|l| l.value() == label.value()) {
                        return Err(Error::new(
                            label.span(),
                            format!("label name `{}` is used twice", label.value()),
                        ));
                    }
                }
                options.labels = Some((key, labels));
            } else if meta.path.is_ident("buckets") {
                let key = meta.path.span();
                let value = meta.value()?;
                let content;
                syn::bracketed!(content in value);
                let list = content.parse_terminated(|p| p.parse::<syn::Lit>(), syn::Token![,])?;
                let mut bounds = Vec::new();
                for lit in list {
                    let value = match &lit {
                        syn::Lit::Float(f) => f.base10_parse::<f64>()?,
                        syn::Lit::Int(i) => i.base10_parse::<f64>()?,
                        other => return Err(Error::new(other.span(), "bucket bounds are numbers")),
                    };
                    if !value.is_finite() {
                        return Err(Error::new(
                            lit.span(),
                            "bucket bounds are finite (`+Inf` is implicit)",
                        ));
                    }
                    if bounds.last().is_some_and(|&last| value <= last) {
                        return Err(Error::new(
                            lit.span(),
                            "bucket bounds must be strictly increasing",
                        ));
                    }
                    bounds.push(value);
                }
                options.buckets = Some((key, bounds));
            } else if meta.path.is_ident("native") {
                let key = meta.path.span();
                let lit: syn::Lit = meta.value()?.parse()?;
                let factor = match &lit {
                    syn::Lit::Float(f) => f.base10_parse::<f64>()?,
                    syn::Lit::Int(i) => i.base10_parse::<f64>()?,
                    other => {
                        return Err(Error::new(
                            other.span(),
                            "the native bucket factor is a number",
                        ))
                    }
                };
                if !(factor.is_finite() && factor > 1.0) {
                    return Err(Error::new(
                        lit.span(),
                        "the native bucket factor must be above 1",
                    ));
                }
                options.native = Some((key, factor));
            } else if meta.path.is_ident("quantiles") {
                let key = meta.path.span();
                let value = meta.value()?;
                let content;
                syn::bracketed!(content in value);
                let list = content.parse_terminated(|p| p.parse::<syn::Lit>(), syn::Token![,])?;
                let mut quantiles: Vec<f64> = Vec::new();
                for lit in list {
                    let q = match &lit {
                        syn::Lit::Float(f) => f.base10_parse::<f64>()?,
                        syn::Lit::Int(i) => i.base10_parse::<f64>()?,
                        other => return Err(Error::new(other.span(), "quantiles are numbers")),
                    };
                    if !(0.0..=1.0).contains(&q) {
                        return Err(Error::new(lit.span(), "a quantile is between 0 and 1"));
                    }
                    if quantiles.contains(&q) {
                        return Err(Error::new(lit.span(), "this quantile is given twice"));
                    }
                    quantiles.push(q);
                }
                options.quantiles = Some((key, quantiles));
            } else if meta.path.is_ident("max_age_secs") {
                let key = meta.path.span();
                let secs: syn::LitInt = meta.value()?.parse()?;
                let secs = secs.base10_parse::<u64>()?;
                if secs == 0 {
                    return Err(meta.error("a summary's window is at least 1 second"));
                }
                options.max_age_secs = Some((key, secs));
            } else if meta.path.is_ident("age_buckets") {
                let key = meta.path.span();
                let n: syn::LitInt = meta.value()?.parse()?;
                let n = n.base10_parse::<u32>()?;
                if !(1..=1000).contains(&n) {
                    return Err(meta.error("a summary's window has 1 to 1000 age buckets"));
                }
                options.age_buckets = Some((key, n));
            } else if meta.path.is_ident("series_limit") {
                let key = meta.path.span();
                let limit: syn::LitInt = meta.value()?.parse()?;
                let limit = limit.base10_parse::<usize>()?;
                if limit == 0 {
                    return Err(meta.error("a family's series limit is at least 1"));
                }
                options.series_limit = Some((key, limit));
            } else if meta.path.is_ident("overflow") {
                let key = meta.path.span();
                let policy: LitStr = meta.value()?.parse()?;
                let reject =
                    match policy.value().as_str() {
                        "collapse" => false,
                        "reject" => true,
                        _ => return Err(Error::new(
                            policy.span(),
                            "overflow is `\"collapse\"` (the default: new label sets share one \
                             series) or `\"reject\"`",
                        )),
                    };
                options.overflow = Some((key, reject));
            } else if meta.path.is_ident("expire_after_secs") {
                let key = meta.path.span();
                let secs: syn::LitInt = meta.value()?.parse()?;
                let secs = secs.base10_parse::<u64>()?;
                if secs == 0 {
                    return Err(meta.error("series expire after at least 1 second"));
                }
                options.expire_after_secs = Some((key, secs));
            } else {
                return Err(meta.error(
                    "unknown option: expected `name`, `unit`, `labels = [...]`, `buckets = [...]`, \
                     `native = <bucket factor>`, `quantiles = [...]`, `max_age_secs = N`, \
                     `age_buckets = N`, `series_limit = N`, `overflow = \"reject\"` or \
                     `expire_after_secs = N`",
                ));
            }
            Ok(())
        })?;
    }
    Ok(options)
}

/// What to say when `unit` does not end `name`: the name it should have.
fn unit_fix(name: &str, unit: &str) -> String {
    let (base, total) = match name.strip_suffix("_total") {
        Some(base) => (base, "_total"),
        None => (name, ""),
    };
    format!(
        "the unit `{unit}` must end the metric's name: call it `{base}_{unit}{total}` (with \
         `#[metric(name = \"...\")]` or by renaming the field)"
    )
}

/// The doc comment of a field, as HELP text.
fn help_of(field: &syn::Field) -> Option<String> {
    let lines: Vec<String> = field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let help = lines.join(" ").trim().to_owned();
    (!help.is_empty()).then_some(help)
}

pub(crate) fn metric_group(input: &DeriveInput) -> syn::Result<Tokens> {
    let options = item_options(input, true)?;
    let krate = &options.krate;
    let name = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => &fields.named,
            _ => {
                return Err(Error::new(
                    name.span(),
                    "`MetricGroup` derives for structs with named fields",
                ))
            }
        },
        _ => {
            return Err(Error::new(
                name.span(),
                "`MetricGroup` derives for structs with named fields",
            ))
        }
    };
    let prefix = options
        .namespace
        .as_ref()
        .map(|ns| format!("{}_", ns.value()))
        .unwrap_or_default();
    let mut checks = Vec::new();
    let namespace = options
        .namespace
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_default();
    if let Some(ns) = &options.namespace {
        checks.push(spanned_at(
            quote!(const _: () = #krate::derive_support::assert_namespace(#ns);),
            ns.span(),
        ));
    }
    let mut inits = Vec::new();
    let mut errors: Vec<Error> = Vec::new();
    for field in fields {
        let ident = field.ident.as_ref().expect("named field");
        let ty = &field.ty;
        let field_options = match field_options(field) {
            Ok(field_options) => field_options,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let Some(help) = help_of(field) else {
            errors.push(Error::new(
                ident.span(),
                format!("metric `{ident}` has no doc comment: add `/// ...` above it, it becomes the HELP text"),
            ));
            continue;
        };
        let base = field_options
            .name
            .as_ref()
            .map_or_else(|| ident.to_string(), LitStr::value);
        let metric_name = format!("{prefix}{base}");
        let span = field_options
            .name
            .as_ref()
            .map_or(ident.span(), LitStr::span);
        checks.push(spanned_at(
            quote! {
                const _: () = #krate::derive_support::assert_member_name(
                    #namespace,
                    #metric_name,
                    <#ty as #krate::derive_support::GroupMember>::KIND,
                );
            },
            span,
        ));
        let mut opts = quote!(#krate::derive_support::Opts::new(#metric_name, #help));
        if let Some(unit) = &field_options.unit {
            let span = unit.span();
            let fix = unit_fix(&metric_name, &unit.value());
            checks.push(spanned_at(
                quote! {
                    const _: () = #krate::derive_support::assert_unit(
                        #metric_name,
                        #unit,
                        <#ty as #krate::derive_support::GroupMember>::KIND,
                        #fix,
                    );
                },
                span,
            ));
            opts = quote!(#opts.unit(#unit));
        }
        let shape = quote!(<#ty as #krate::derive_support::GroupMember>::SHAPE);
        let mut check = |assert: Tokens, span: Span| {
            checks.push(spanned_at(
                quote!(const _: () = #krate::derive_support::#assert;),
                span,
            ));
        };
        match &field_options.labels {
            Some((key, labels)) => {
                let given = labels.len();
                check(quote!(assert_labels(#shape, #given)), *key);
                for label in labels {
                    check(quote!(assert_label_name(#label)), label.span());
                }
                opts = quote!(#opts.labels(&[#(#labels),*]));
            }
            None => check(quote!(assert_labels_not_needed(#shape)), ident.span()),
        }
        if let Some((key, _)) = &field_options.buckets {
            check(quote!(assert_buckets_fit(#shape)), *key);
        }
        if let Some((key, _)) = &field_options.native {
            check(quote!(assert_native_fits(#shape)), *key);
        }
        for key in [
            field_options.quantiles.as_ref().map(|(key, _)| *key),
            field_options.max_age_secs.map(|(key, _)| key),
            field_options.age_buckets.map(|(key, _)| key),
        ]
        .into_iter()
        .flatten()
        {
            check(quote!(assert_quantiles_fit(#shape)), key);
        }
        if let Some((key, limit)) = &field_options.series_limit {
            check(quote!(assert_family_option(#shape)), *key);
            opts = quote!(#opts.series_limit(#limit));
        }
        if let Some((key, reject)) = &field_options.overflow {
            check(quote!(assert_family_option(#shape)), *key);
            let policy = if *reject {
                quote!(Reject)
            } else {
                quote!(Collapse)
            };
            opts = quote!(#opts.overflow(#krate::derive_support::Overflow::#policy));
        }
        if let Some((key, secs)) = &field_options.expire_after_secs {
            check(quote!(assert_family_option(#shape)), *key);
            opts = quote!(#opts.expire_after(::core::time::Duration::from_secs(#secs)));
        }
        let classic = field_options.buckets.as_ref().map(|(_, bounds)| {
            quote! {
                // Checked finite and increasing by the derive.
                #krate::derive_support::Buckets::new([#(#bounds),*]).unwrap_or_default()
            }
        });
        let config = quote!(#krate::derive_support::MemberConfig);
        let summary = field_options.quantiles.is_some()
            || field_options.max_age_secs.is_some()
            || field_options.age_buckets.is_some();
        let buckets = match (classic, field_options.native.map(|(_, factor)| factor)) {
            _ if summary => {
                let quantiles = match &field_options.quantiles {
                    Some((_, quantiles)) => quote! {
                        // Checked between 0 and 1, and distinct, by the derive.
                        #krate::derive_support::Quantiles::new([#(#quantiles),*]).unwrap_or_default()
                    },
                    None => quote!(#krate::derive_support::Quantiles::default()),
                };
                let secs = field_options.max_age_secs.map_or(600, |(_, secs)| secs);
                let steps = field_options.age_buckets.map_or(5, |(_, n)| n);
                quote! {{
                    let quantiles = #quantiles;
                    // At least a second and at most 1000 steps: a millisecond per step.
                    let quantiles = match quantiles
                        .clone()
                        .max_age(::core::time::Duration::from_secs(#secs))
                        .and_then(|q| q.age_buckets(#steps))
                    {
                        ::core::result::Result::Ok(q) => q,
                        ::core::result::Result::Err(_) => quantiles,
                    };
                    #config::Quantiles(quantiles)
                }}
            }
            (Some(classic), None) => quote!(#config::Buckets(#classic)),
            (classic, Some(factor)) => {
                let classic = classic.unwrap_or_else(
                    || quote!(#krate::derive_support::Buckets::new([]).unwrap_or_default()),
                );
                quote! {
                    #config::Buckets(
                        // The factor was checked above 1 by the derive.
                        match #krate::derive_support::NativeBuckets::new(#factor) {
                            ::core::result::Result::Ok(native) => #classic.native(native),
                            ::core::result::Result::Err(_) => #classic,
                        },
                    )
                }
            }
            (None, None) => quote!(#config::Default),
        };
        inits.push(quote! {
            #ident: <#ty as #krate::derive_support::GroupMember>::register(registry, #opts, #buckets)?,
        });
    }
    if let Some(mut first) = errors.first().cloned() {
        for e in errors.into_iter().skip(1) {
            first.combine(e);
        }
        // With a `register` that never runs (the build fails on the errors), so that the
        // caller's `register` call does not add an error of its own.
        let errors = first.into_compile_error();
        return Ok(quote! {
            #errors
            impl #impl_generics #name #type_generics #where_clause {
                #[allow(dead_code, missing_docs)]
                pub fn register(
                    _: &#krate::derive_support::Registry,
                ) -> ::core::result::Result<Self, #krate::derive_support::RegisterError> {
                    ::core::unreachable!()
                }
            }
        });
    }
    let doc = format!("Registers every metric of `{name}` in `registry` and returns the handles.");
    Ok(quote! {
        #(#checks)*
        impl #impl_generics #name #type_generics #where_clause {
            #[doc = #doc]
            ///
            /// # Errors
            /// When a name is taken in `registry` by a different definition.
            pub fn register(
                registry: &#krate::derive_support::Registry,
            ) -> ::core::result::Result<Self, #krate::derive_support::RegisterError> {
                ::core::result::Result::Ok(Self { #(#inits)* })
            }
        }
    })
}
