//! 应答解码 — an answer's JSON, parsed by the browser and decoded into the `shared` type.
//!
//! The browser's `JSON.parse` reads the text; [`Js`] hands the JavaScript value to the type's
//! `Deserialize`, built from serde's own value deserializers (`serde::de::value`). Against
//! `serde_json::from_str` this leaves a JSON parser out of every bundle and the parser's code out
//! of each answer type's decoder; and since a page only needs to know that an answer could not be
//! read, never why, a failure is [`Malformed`] with no message, which leaves out of the bundle
//! the text of every type's "expected …" and the formatting of the value found (a double's
//! formatting alone is 9.5 kB). Each kind of value is read by a method of its own, so that a
//! type's decoder holds only the branches its fields can take. Together 17 kB less of a citizen's
//! first load and 35 kB of the full app, brotli (BENCHMARKS.md, "A citizen's first load").
//!
//! It decodes what serde_json decodes but for numbers, which JavaScript holds as doubles: a
//! whole number written with a fraction (`3.0`) is an integer in a `serde_json::Value`, the same
//! number; an integer beyond 2^53 is the nearest double in a `Value` and no answer at all in an
//! integer field. The API's integers are counts, sizes, days and cursors, far below it.

use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use wasm_bindgen::{JsCast as _, JsValue};

/// An answer that is not JSON, or not of the shape its type expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the answer is not of the shape this page reads")
    }
}

impl std::error::Error for Malformed {}

impl de::Error for Malformed {
    /// The message is dropped unformatted: no page shows it (module comment).
    fn custom<T: std::fmt::Display>(_message: T) -> Self {
        Self
    }
}

/// An answer's JSON text decoded into `T`.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, Malformed> {
    let value = js_sys::JSON::parse(text).map_err(|_| Malformed)?;
    T::deserialize(Js(value))
}

/// A value `JSON.parse` made: null, a boolean, a number, a string, an array or a plain object.
struct Js(JsValue);

impl Js {
    /// A plain object's entries, in their order.
    fn entries(&self) -> impl Iterator<Item = (String, Js)> {
        let object: &js_sys::Object = self.0.unchecked_ref();
        js_sys::Object::entries(object).into_iter().map(|entry| {
            let pair: js_sys::Array = entry.unchecked_into();
            (pair.get(0).as_string().unwrap_or_default(), Js(pair.get(1)))
        })
    }

    fn is_nullish(&self) -> bool {
        self.0.is_null() || self.0.is_undefined()
    }

    fn is_plain_object(&self) -> bool {
        self.0.is_object() && !js_sys::Array::is_array(&self.0)
    }
}

/// Methods of a `Deserializer` that read their value as the method after `=>` does: the
/// integers as a safe integer, `f32` as a double, the texts as a string, bytes as anything.
macro_rules! read_as {
    ($($($method:ident)+ => $as:ident;)+) => {$($(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
            self.$as(visitor)
        }
    )+)+};
}

impl<'de> IntoDeserializer<'de, Malformed> for Js {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for Js {
    type Error = Malformed;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        if self.is_nullish() {
            visitor.visit_unit()
        } else if self.0.as_bool().is_some() {
            self.deserialize_bool(visitor)
        } else if self.0.as_f64().is_some() {
            // A whole number within 2^53 is exact, and visited as an integer so that an integer
            // field takes it (a float field takes an integer too).
            if js_sys::Number::is_safe_integer(&self.0) {
                self.deserialize_i64(visitor)
            } else {
                self.deserialize_f64(visitor)
            }
        } else if self.0.as_string().is_some() {
            self.deserialize_string(visitor)
        } else if js_sys::Array::is_array(&self.0) {
            self.deserialize_seq(visitor)
        } else {
            self.deserialize_map(visitor)
        }
    }

    // Each kind of value has a method of its own, so that a type's decoder holds only the branch
    // its fields can take: one through `deserialize_any` would hold every branch for every type.

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        visitor.visit_bool(self.0.as_bool().ok_or(Malformed)?)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        if !js_sys::Number::is_safe_integer(&self.0) {
            return Err(Malformed);
        }
        visitor.visit_i64(self.0.as_f64().ok_or(Malformed)? as i64)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        visitor.visit_f64(self.0.as_f64().ok_or(Malformed)?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        visitor.visit_string(self.0.as_string().ok_or(Malformed)?)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        if self.is_nullish() { visitor.visit_unit() } else { Err(Malformed) }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        if !js_sys::Array::is_array(&self.0) {
            return Err(Malformed);
        }
        let array: js_sys::Array = self.0.unchecked_into();
        let mut seq = SeqDeserializer::new(array.into_iter().map(Js));
        let value = visitor.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        if !self.is_plain_object() {
            return Err(Malformed);
        }
        let mut map = MapDeserializer::new(self.entries());
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    /// A field the type does not read is skipped without being decoded.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        visitor.visit_unit()
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Malformed> {
        self.deserialize_map(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Malformed> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Malformed> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Malformed> {
        self.deserialize_unit(visitor)
    }

    read_as! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i128 deserialize_u8 deserialize_u16
        deserialize_u32 deserialize_u64 deserialize_u128 => deserialize_i64;
        deserialize_f32 => deserialize_f64;
        deserialize_char deserialize_str deserialize_identifier => deserialize_string;
        deserialize_bytes deserialize_byte_buf => deserialize_any;
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        if self.is_nullish() { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Malformed> {
        visitor.visit_newtype_struct(self)
    }

    /// An enum as serde writes it: a unit variant as its name, any other as an object of one
    /// entry, the variant's name and its content.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Malformed> {
        if let Some(name) = self.0.as_string() {
            return visitor.visit_enum(IntoDeserializer::<Malformed>::into_deserializer(name));
        }
        if !self.is_plain_object() {
            return Err(Malformed);
        }
        let entries: Vec<(String, Js)> = self.entries().collect();
        if entries.len() != 1 {
            return Err(Malformed);
        }
        visitor.visit_enum(MapAccessDeserializer::new(MapDeserializer::new(entries.into_iter())))
    }
}

/// Run under Node by `.ci/run` (`cargo test -p app --target wasm32-unknown-unknown`): what the
/// browser's parse decodes is what serde_json decodes from the same text.
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use std::collections::BTreeMap;
    use std::fmt::Debug;

    use serde::Deserialize;
    use shared::application::{FormAnswers, OneForm};
    use shared::catalogue::ServiceItem;
    use shared::{Bilingual, FieldCode, FieldError, Problem, ProblemBrief, ProblemCode};
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    /// The one-form compiler's recorded cases: service items as the catalogue serves them, the
    /// answers of a form and the forms compiled from them.
    const RECORDED: &str = include_str!("../../shared/tests/fixtures/one_form.json");

    fn decodes_as_serde_json<T: DeserializeOwned + PartialEq + Debug>(text: &str) -> T {
        let theirs: T = serde_json::from_str(text).expect("serde_json decodes it");
        let ours: T = from_json(text).expect("the browser's parse decodes it");
        assert_eq!(ours, theirs, "{text}");
        ours
    }

    #[wasm_bindgen_test]
    fn the_recorded_items_answers_and_forms_decode_as_serde_json_decodes_them() {
        let recorded: serde_json::Value = serde_json::from_str(RECORDED).expect("the recorded cases");
        let cases = recorded["cases"].as_array().expect("a list of cases");
        let mut forms = 0;
        for case in cases {
            let items = decodes_as_serde_json::<Vec<ServiceItem>>(&case["items"].to_string());
            assert!(!items.is_empty());
            decodes_as_serde_json::<FormAnswers>(&case["answers"].to_string());
            if let Some(form) = case["expected"].get("Compiled").map(|c| c["form"].to_string()) {
                decodes_as_serde_json::<OneForm>(&form);
                forms += 1;
            }
        }
        assert!(forms >= 6, "{forms} compiled forms");
    }

    #[wasm_bindgen_test]
    fn a_problem_with_its_field_errors_and_the_case_actions_decodes_whole_and_as_its_brief() {
        let mut problem = Problem::new(ProblemCode::ValidationFailed);
        problem.errors = vec![FieldError {
            field: "applicant.mobile".to_owned(),
            code: FieldCode::Required,
            message: Bilingual::new("请填写手机号", "Mobile is required"),
        }];
        problem.case_status = Some(shared::application::CaseStatus::Approving);
        problem.allowed_actions = Some(vec![shared::workflow::CaseAction::Approve]);
        let text = serde_json::to_string(&problem).expect("a problem encodes");
        assert_eq!(decodes_as_serde_json::<Problem>(&text), problem);
        let brief = Problem::from(decodes_as_serde_json::<ProblemBrief>(&text));
        assert_eq!((brief.code, brief.errors.len()), (ProblemCode::ValidationFailed, 0));
    }

    #[wasm_bindgen_test]
    fn answers_of_every_json_kind_decode_and_a_whole_number_with_a_fraction_is_the_same_number() {
        let text = r#"{"fields":{"n":3,"neg":-2,"half":1.5,"max":9007199254740991,"yes":true,
            "none":null,"list":["a",1],"nested":{"k":"v"},"text":"引号\"和\u00e9"}}"#;
        decodes_as_serde_json::<FormAnswers>(text);
        let whole: FormAnswers = from_json(r#"{"fields":{"n":3.0,"e":1e3}}"#).expect("decodes");
        assert_eq!(whole.fields["n"].as_f64(), Some(3.0));
        assert_eq!(whole.fields["e"].as_f64(), Some(1000.0));
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Shape {
        Unit,
        Newtype(u32),
        Tuple(u8, String),
        Struct { side: f64 },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged {
        Circle { radius: u32 },
        Square,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Newtype(String);

    #[derive(Debug, PartialEq, Deserialize)]
    struct Outer {
        shapes: Vec<Shape>,
        tagged: Vec<Tagged>,
        name: Newtype,
        maybe: Option<u8>,
        absent: Option<u8>,
        by_shape: BTreeMap<String, (i16, bool)>,
        #[serde(flatten)]
        rest: BTreeMap<String, serde_json::Value>,
    }

    #[wasm_bindgen_test]
    fn enums_of_every_kind_newtypes_options_tuples_and_flattened_fields_decode_as_serde_json_decodes_them() {
        let text = r#"{"shapes":["Unit",{"Newtype":7},{"Tuple":[1,"x"]},{"Struct":{"side":2.5}}],
            "tagged":[{"kind":"circle","radius":3},{"kind":"square"}],"name":"名","maybe":null,
            "by_shape":{"a":[-1,true]},"extra":{"deep":[1,2]}}"#;
        let outer = decodes_as_serde_json::<Outer>(text);
        assert_eq!(outer.shapes.len(), 4);
        assert_eq!(outer.rest.len(), 1);
    }

    #[wasm_bindgen_test]
    fn text_that_is_not_json_or_json_of_another_shape_is_malformed() {
        assert_eq!(from_json::<FormAnswers>("{\"fields\": "), Err(Malformed));
        assert_eq!(from_json::<FormAnswers>(r#"{"fields": 3}"#), Err(Malformed));
        assert_eq!(from_json::<Vec<String>>(r#"["a", 1]"#), Err(Malformed));
        assert_eq!(from_json::<(u8, u8)>("[1, 2, 3]"), Err(Malformed));
        assert_eq!(from_json::<Shape>(r#"{"Unit": null, "Newtype": 1}"#), Err(Malformed));
        assert_eq!(from_json::<Shape>(r#""Circle""#), Err(Malformed));
        assert_eq!(from_json::<u8>("256"), Err(Malformed));
        assert_eq!(from_json::<u32>("1.5"), Err(Malformed));
        assert_eq!(from_json::<String>("null"), Err(Malformed));
        assert_eq!(from_json::<()>("null"), Ok(()));
    }

    #[wasm_bindgen_test]
    fn an_integer_beyond_what_a_double_holds_exactly_is_no_answer_in_an_integer_field() {
        assert_eq!(from_json::<u64>("9007199254740991"), Ok(9_007_199_254_740_991));
        assert_eq!(from_json::<u64>("9007199254740993"), Err(Malformed));
        let answers: FormAnswers = from_json(r#"{"fields":{"big":9007199254740993}}"#).expect("decodes");
        assert_eq!(answers.fields["big"].as_f64(), Some(9_007_199_254_740_992.0));
    }
}
