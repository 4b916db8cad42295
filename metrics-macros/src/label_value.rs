//! `#[derive(LabelValue)]`: an enum of unit variants, or a newtype over a label value.

use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Fields, LitStr};

use crate::options::{item_options, snake_case};

pub(crate) fn label_value(input: &DeriveInput) -> syn::Result<Tokens> {
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
                if text.value() == "__overflow__" {
                    return Err(Error::new(
                        text.span(),
                        "`__overflow__` marks a family's overflow series: no label value can be it",
                    ));
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
