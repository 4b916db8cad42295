//! `#[derive(LabelSet)]`: a struct whose fields are the label values.

use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{Data, DeriveInput, Error, Fields, LitStr};

use crate::options::{item_options, spanned_at};

pub(crate) fn label_set(input: &DeriveInput) -> syn::Result<Tokens> {
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
