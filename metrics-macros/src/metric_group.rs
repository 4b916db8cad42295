//! `#[derive(MetricGroup)]`: a struct of metrics and families registered together.

use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{Data, DeriveInput, Error, Fields, LitStr};

use crate::options::{item_options, spanned_at};

/// Options of `#[metric(...)]` on a field.
#[derive(Default)]
struct FieldOptions {
    name: Option<LitStr>,
    unit: Option<LitStr>,
    labels: Option<Vec<LitStr>>,
    buckets: Option<Vec<f64>>,
    native: Option<f64>,
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
                let value = meta.value()?;
                let content;
                syn::bracketed!(content in value);
                let list = content.parse_terminated(|p| p.parse::<LitStr>(), syn::Token![,])?;
                options.labels = Some(list.into_iter().collect());
            } else if meta.path.is_ident("buckets") {
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
                options.buckets = Some(bounds);
            } else if meta.path.is_ident("native") {
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
                options.native = Some(factor);
            } else {
                return Err(meta.error(
                    "unknown option: expected `name`, `unit`, `labels = [...]`, `buckets = [...]` \
                     or `native = <bucket factor>`",
                ));
            }
            Ok(())
        })?;
    }
    Ok(options)
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
                const _: () = #krate::derive_support::assert_metric_name(
                    #metric_name,
                    <#ty as #krate::derive_support::GroupMember>::KIND,
                );
            },
            span,
        ));
        let mut opts = quote!(#krate::derive_support::Opts::new(#metric_name, #help));
        if let Some(unit) = &field_options.unit {
            let span = unit.span();
            checks.push(spanned_at(
                quote! {
                    const _: () = #krate::derive_support::assert_unit(
                        #metric_name,
                        #unit,
                        <#ty as #krate::derive_support::GroupMember>::KIND,
                    );
                },
                span,
            ));
            opts = quote!(#opts.unit(#unit));
        }
        if let Some(labels) = &field_options.labels {
            for label in labels {
                let span = label.span();
                checks.push(spanned_at(
                    quote!(const _: () = #krate::derive_support::assert_label_name(#label);),
                    span,
                ));
            }
            opts = quote!(#opts.labels(&[#(#labels),*]));
        }
        let classic = field_options.buckets.as_ref().map(|bounds| {
            quote! {
                // Checked finite and increasing by the derive.
                #krate::derive_support::Buckets::new([#(#bounds),*]).unwrap_or_default()
            }
        });
        let buckets = match (classic, field_options.native) {
            (Some(classic), None) => quote!(::core::option::Option::Some(#classic)),
            (classic, Some(factor)) => {
                let classic = classic.unwrap_or_else(
                    || quote!(#krate::derive_support::Buckets::new([]).unwrap_or_default()),
                );
                quote! {
                    ::core::option::Option::Some(
                        // The factor was checked above 1 by the derive.
                        match #krate::derive_support::NativeBuckets::new(#factor) {
                            ::core::result::Result::Ok(native) => #classic.native(native),
                            ::core::result::Result::Err(_) => #classic,
                        },
                    )
                }
            }
            (None, None) => quote!(::core::option::Option::None),
        };
        inits.push(quote! {
            #ident: <#ty as #krate::derive_support::GroupMember>::register(registry, #opts, #buckets)?,
        });
    }
    if let Some(mut first) = errors.first().cloned() {
        for e in errors.into_iter().skip(1) {
            first.combine(e);
        }
        return Err(first);
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
