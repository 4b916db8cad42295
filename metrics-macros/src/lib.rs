//! Derives for `metrics-core`: `LabelValue`, `LabelSet` and `MetricGroup`.
//!
//! The naming rules are not repeated here. For every name a derive sees, it places a
//! `const _: () = metrics_core::derive_support::assert_...("name", KIND);` item at the field
//! (or variant) it comes from; the compiler evaluates it with the same `const fn` predicates
//! that `metrics-core` uses at runtime, so a bad name fails the build there, with the rule's
//! message. Use them through `metrics_core` (feature `derive`, on by default).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::quote;
use syn::spanned::Spanned;
use syn::{parse_macro_input, Data, DeriveInput, Error, Fields, LitStr, Path};

/// `#[derive(LabelValue)]`: see `metrics_core::LabelValue`.
#[proc_macro_derive(LabelValue, attributes(label, metrics))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_value(&input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// `#[derive(LabelSet)]`: see `metrics_core::LabelSet`.
#[proc_macro_derive(LabelSet, attributes(label, metrics))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_set(&input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// `#[derive(MetricGroup)]`: see `metrics_core::MetricGroup`.
#[proc_macro_derive(MetricGroup, attributes(metric, metrics))]
pub fn derive_metric_group(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    metric_group(&input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Options of `#[metrics(...)]` on the item.
struct ItemOptions {
    krate: Path,
    namespace: Option<LitStr>,
}

fn item_options(input: &DeriveInput, allow_namespace: bool) -> syn::Result<ItemOptions> {
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
fn spanned_at(tokens: Tokens, span: Span) -> Tokens {
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
fn snake_case(ident: &str) -> String {
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

fn label_value(input: &DeriveInput) -> syn::Result<Tokens> {
    let options = item_options(input, false)?;
    let krate = &options.krate;
    let name = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    match &input.data {
        Data::Enum(data) => {
            if data.variants.is_empty() {
                return Err(Error::new(
                    name.span(),
                    "a label value enum needs at least one variant",
                ));
            }
            let mut texts = Vec::new();
            for variant in &data.variants {
                if !matches!(variant.fields, Fields::Unit) {
                    return Err(Error::new(
                        variant.span(),
                        "label value enums have unit variants only: a variant with data has no \
                         fixed set of values",
                    ));
                }
                let mut text = LitStr::new(
                    &snake_case(&variant.ident.to_string()),
                    variant.ident.span(),
                );
                for attr in variant.attrs.iter().filter(|a| a.path().is_ident("label")) {
                    attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident("rename") {
                            text = meta.value()?.parse()?;
                            Ok(())
                        } else {
                            Err(meta.error("unknown option: expected `rename = \"...\"`"))
                        }
                    })?;
                }
                if let Some(earlier) = texts.iter().find(|t: &&LitStr| t.value() == text.value()) {
                    let mut error = Error::new(
                        text.span(),
                        format!("label value `{}` is used twice", text.value()),
                    );
                    error.combine(Error::new(earlier.span(), "first used here"));
                    return Err(error);
                }
                texts.push(text);
            }
            let variants: Vec<_> = data.variants.iter().map(|v| &v.ident).collect();
            let indexes: Vec<usize> = (0..variants.len()).collect();
            let count = variants.len();
            Ok(quote! {
                impl #impl_generics #krate::LabelValue for #name #type_generics #where_clause {
                    const CARDINALITY: ::core::option::Option<::core::primitive::usize> = ::core::option::Option::Some(#count);
                    #[inline]
                    fn with_str<R>(&self, f: impl ::core::ops::FnOnce(&::core::primitive::str) -> R) -> R {
                        f(match self { #(Self::#variants => #texts,)* })
                    }
                    #[inline]
                    fn index(&self) -> ::core::primitive::usize {
                        match self { #(Self::#variants => #indexes,)* }
                    }
                    fn from_index(index: ::core::primitive::usize) -> ::core::option::Option<Self> {
                        match index {
                            #(#indexes => ::core::option::Option::Some(Self::#variants),)*
                            _ => ::core::option::Option::None,
                        }
                    }
                }
            })
        }
        Data::Struct(data) if data.fields.len() == 1 => {
            let field = data.fields.iter().next().expect("one field");
            let ty = &field.ty;
            let access = match &field.ident {
                Some(ident) => quote!(#ident),
                None => quote!(0),
            };
            let construct = match &field.ident {
                Some(ident) => quote!(Self { #ident: inner }),
                None => quote!(Self(inner)),
            };
            Ok(quote! {
                impl #impl_generics #krate::LabelValue for #name #type_generics #where_clause {
                    const CARDINALITY: ::core::option::Option<::core::primitive::usize> = <#ty as #krate::LabelValue>::CARDINALITY;
                    #[inline]
                    fn with_str<R>(&self, f: impl ::core::ops::FnOnce(&::core::primitive::str) -> R) -> R {
                        <#ty as #krate::LabelValue>::with_str(&self.#access, f)
                    }
                    #[inline]
                    fn index(&self) -> ::core::primitive::usize {
                        <#ty as #krate::LabelValue>::index(&self.#access)
                    }
                    fn from_index(index: ::core::primitive::usize) -> ::core::option::Option<Self> {
                        let inner = <#ty as #krate::LabelValue>::from_index(index)?;
                        ::core::option::Option::Some(#construct)
                    }
                }
            })
        }
        _ => Err(Error::new(
            name.span(),
            "`LabelValue` derives for enums of unit variants and for newtypes over a label value",
        )),
    }
}

fn label_set(input: &DeriveInput) -> syn::Result<Tokens> {
    let options = item_options(input, false)?;
    let krate = &options.krate;
    let name = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let Data::Struct(data) = &input.data else {
        return Err(Error::new(
            name.span(),
            "`LabelSet` derives for structs with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(Error::new(
            name.span(),
            "`LabelSet` derives for structs with named fields",
        ));
    };
    if fields.named.is_empty() {
        return Err(Error::new(
            name.span(),
            "a label set needs at least one field",
        ));
    }
    let mut labels: Vec<LitStr> = Vec::new();
    let mut checks = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named field");
        let mut label = LitStr::new(&ident.to_string(), ident.span());
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("label")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    label = meta.value()?.parse()?;
                    Ok(())
                } else {
                    Err(meta.error("unknown option: expected `name = \"...\"`"))
                }
            })?;
        }
        if labels.iter().any(|l| l.value() == label.value()) {
            return Err(Error::new(
                label.span(),
                format!("label name `{}` is used twice", label.value()),
            ));
        }
        let span = label.span();
        checks.push(spanned_at(
            quote!(const _: () = #krate::derive_support::assert_label_name(#label);),
            span,
        ));
        labels.push(label);
    }
    let idents: Vec<_> = fields
        .named
        .iter()
        .map(|f| f.ident.as_ref().expect("named"))
        .collect();
    let types: Vec<_> = fields.named.iter().map(|f| &f.ty).collect();
    let arity = idents.len();
    let digits: Vec<usize> = (0..arity).collect();
    Ok(quote! {
        #(#checks)*
        impl #impl_generics #krate::LabelSet for #name #type_generics #where_clause {
            const NAMES: &'static [&'static ::core::primitive::str] = &[#(#labels),*];
            const ARITY: ::core::primitive::usize = #arity;
            const CARDINALITY: ::core::option::Option<::core::primitive::usize> = {
                let mut product = ::core::option::Option::Some::<::core::primitive::usize>(1);
                #(
                    product = match (product, <#types as #krate::LabelValue>::CARDINALITY) {
                        (::core::option::Option::Some(p), ::core::option::Option::Some(c)) => p.checked_mul(c),
                        _ => ::core::option::Option::None,
                    };
                )*
                product
            };
            fn visit(&self, f: &mut dyn ::core::ops::FnMut(&::core::primitive::str)) {
                #(<#types as #krate::LabelValue>::with_str(&self.#idents, |s| f(s));)*
            }
            #[inline]
            fn dense_index(&self) -> ::core::primitive::usize {
                let mut index: ::core::primitive::usize = 0;
                #(
                    index = index * <#types as #krate::LabelValue>::CARDINALITY.unwrap_or(1)
                        + <#types as #krate::LabelValue>::index(&self.#idents);
                )*
                index
            }
            fn from_dense_index(index: ::core::primitive::usize) -> ::core::option::Option<Self> {
                let radices = [#(<#types as #krate::LabelValue>::CARDINALITY?),*];
                let mut digits: [::core::primitive::usize; #arity] = [0; #arity];
                let mut rest = index;
                let mut i = #arity;
                while i > 0 {
                    i -= 1;
                    digits[i] = rest % radices[i];
                    rest /= radices[i];
                }
                if rest != 0 {
                    return ::core::option::Option::None;
                }
                ::core::option::Option::Some(Self {
                    #(#idents: <#types as #krate::LabelValue>::from_index(digits[#digits])?,)*
                })
            }
        }
    })
}

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

fn metric_group(input: &DeriveInput) -> syn::Result<Tokens> {
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
