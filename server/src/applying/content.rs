//! 材料内容检查 — what an uploaded file is, judged by all of it rather than its first bytes.
//!
//! A picture is decoded and encoded again: whatever followed or hid inside the original (HTML
//! after a PNG's signature, a script in a comment, the GPS position in its metadata) is not in
//! what is stored, and a file that does not decode is refused. A PDF is parsed, object streams
//! included, and refused if it holds anything that acts when opened — JavaScript, a launch,
//! form submission or data import action, embedded files — since staff open these files.

use std::io::Cursor;

use image::{ImageDecoder as _, ImageFormat, ImageReader, Limits};
use lopdf::{Document, Object};

/// The largest picture decoded, each side (a 100-megapixel camera takes about 12,000 × 8,000).
const MAX_SIDE: u32 = 12_000;
/// The most memory one decoding may take.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// JPEG quality of a re-encoded photo: visually lossless for a scan or a photo of a document.
const JPEG_QUALITY: u8 = 90;

/// Why a file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContentError {
    /// The picture does not decode (or is larger than [`MAX_SIDE`]).
    #[error("the picture does not decode: {0}")]
    BadImage(String),
    /// The PDF cannot be parsed.
    #[error("the PDF cannot be read")]
    UnreadablePdf,
    /// The PDF is encrypted, so its content cannot be checked.
    #[error("the PDF is encrypted")]
    EncryptedPdf,
    /// The PDF holds something that acts when it is opened.
    #[error("the PDF holds an active element: {0}")]
    ActivePdf(&'static str),
}

/// What a file becomes once checked.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// Kept as it came (a PDF with nothing active in it).
    AsSent,
    /// Stored as these bytes instead (a picture decoded and encoded again).
    Reencoded(Vec<u8>),
}

/// Checks a file whose first bytes said it is `media_type` (one of the upload media types).
pub fn check(bytes: &[u8], media_type: &str) -> Result<Checked, ContentError> {
    match media_type {
        "image/png" => reencode(bytes, ImageFormat::Png),
        "image/jpeg" => reencode(bytes, ImageFormat::Jpeg),
        "application/pdf" => check_pdf(bytes).map(|()| Checked::AsSent),
        other => Err(ContentError::BadImage(format!("{other} is not taken"))),
    }
}

fn reencode(bytes: &[u8], format: ImageFormat) -> Result<Checked, ContentError> {
    let bad = |e: image::ImageError| ContentError::BadImage(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(bad)?;
    // The photo is stored upright: the orientation lived in the metadata that is dropped.
    let orientation = decoder.orientation().map_err(bad)?;
    let mut picture = image::DynamicImage::from_decoder(decoder).map_err(bad)?;
    picture.apply_orientation(orientation);
    let mut out = Cursor::new(Vec::with_capacity(bytes.len()));
    match format {
        ImageFormat::Jpeg => {
            let rgb = picture.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
                .encode_image(&rgb)
                .map_err(bad)?;
        }
        _ => picture.write_to(&mut out, ImageFormat::Png).map_err(bad)?,
    }
    Ok(Checked::Reencoded(out.into_inner()))
}

/// Action types (PDF 32000-1 §12.6.4) that run code, start programs or send data out.
const ACTIVE_ACTIONS: [&[u8]; 7] =
    [b"JavaScript", b"Launch", b"SubmitForm", b"ImportData", b"GoToE", b"RichMediaExecute", b"Rendition"];

fn check_pdf(bytes: &[u8]) -> Result<(), ContentError> {
    let document = Document::load_mem(bytes).map_err(|_| ContentError::UnreadablePdf)?;
    if document.is_encrypted() {
        return Err(ContentError::EncryptedPdf);
    }
    for object in document.objects.values() {
        active_element(object)?;
    }
    active_element(&Object::Dictionary(document.trailer.clone()))
}

/// Walks an object and everything inline in it for an active element.
fn active_element(object: &Object) -> Result<(), ContentError> {
    let dictionary = match object {
        Object::Dictionary(d) => d,
        Object::Stream(s) => &s.dict,
        Object::Array(items) => return items.iter().try_for_each(active_element),
        _ => return Ok(()),
    };
    for (key, value) in dictionary.iter() {
        match key.as_slice() {
            b"JS" | b"JavaScript" => return Err(ContentError::ActivePdf("JavaScript")),
            b"EmbeddedFile" | b"EmbeddedFiles" => return Err(ContentError::ActivePdf("an embedded file")),
            b"S" | b"Type" | b"Subtype" => {
                if let Object::Name(name) = value
                    && let Some(action) = ACTIVE_ACTIONS.iter().find(|a| **a == name.as_slice())
                {
                    return Err(ContentError::ActivePdf(match *action {
                        b"JavaScript" => "JavaScript",
                        b"Launch" => "a launch action",
                        b"SubmitForm" => "a form submission",
                        b"ImportData" => "a data import",
                        _ => "an embedded action",
                    }));
                }
                if let Object::Name(name) = value
                    && name.as_slice() == b"EmbeddedFile"
                {
                    return Err(ContentError::ActivePdf("an embedded file"));
                }
            }
            _ => active_element(value)?,
        }
    }
    Ok(())
}

/// A small, well-formed one-page PDF whose catalogue carries `extra` (a dictionary fragment,
/// e.g. an `/OpenAction`) and whose comment line `tag` makes its bytes its own: for tests and
/// benchmarks of what uploads take and refuse.
pub fn sample_pdf(tag: &str, extra: &str) -> Vec<u8> {
    let objects = [
        format!("<< /Type /Catalog /Pages 2 0 R {extra} >>"),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>".to_owned(),
    ];
    let mut out = format!("%PDF-1.7\n% {tag}\n").into_bytes();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut out = Cursor::new(Vec::new());
        picture.write_to(&mut out, ImageFormat::Png).expect("encodes");
        out.into_inner()
    }

    #[test]
    fn a_picture_is_stored_as_encoded_again_without_what_followed_it() {
        let mut sent = png(3, 2);
        sent.extend_from_slice(b"<html><script>alert(1)</script></html>");
        let Checked::Reencoded(stored) = check(&sent, "image/png").expect("decodes") else { panic!("re-encoded") };
        assert!(!stored.windows(6).any(|w| w == b"script"));
        let back = image::load_from_memory(&stored).expect("a picture");
        assert_eq!((back.width(), back.height()), (3, 2));
    }

    #[test]
    fn a_signature_without_a_picture_is_refused() {
        let mut sent = b"\x89PNG\r\n\x1a\n".to_vec();
        sent.extend_from_slice(b"<html><body>not a picture</body></html>");
        assert!(matches!(check(&sent, "image/png"), Err(ContentError::BadImage(_))));
        assert!(matches!(check(b"\xff\xd8\xff\xe0 junk", "image/jpeg"), Err(ContentError::BadImage(_))));
    }

    #[test]
    fn a_jpeg_comes_back_a_jpeg() {
        let picture = image::RgbImage::from_pixel(8, 8, image::Rgb([10, 200, 10]));
        let mut sent = Cursor::new(Vec::new());
        picture.write_to(&mut sent, ImageFormat::Jpeg).expect("encodes");
        let Checked::Reencoded(stored) = check(sent.get_ref(), "image/jpeg").expect("decodes") else { panic!() };
        assert_eq!(image::guess_format(&stored).expect("a format"), ImageFormat::Jpeg);
    }

    #[test]
    fn a_plain_pdf_is_kept_and_active_ones_are_refused() {
        assert_eq!(check(&sample_pdf("t", ""), "application/pdf"), Ok(Checked::AsSent));
        let refused = [
            ("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", "JavaScript"),
            // A name may be written with #xx escapes.
            ("/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>", "JavaScript"),
            ("/OpenAction << /S /Launch /F (cmd.exe) >>", "a launch action"),
            ("/AA << /O << /S /SubmitForm /F (http://x) >> >>", "a form submission"),
            ("/Names << /EmbeddedFiles << /Names [] >> >>", "an embedded file"),
        ];
        for (extra, what) in refused {
            assert_eq!(
                check(&sample_pdf("t", extra), "application/pdf"),
                Err(ContentError::ActivePdf(what)),
                "{extra}"
            );
        }
        assert_eq!(check(b"%PDF-1.7\nnot really", "application/pdf"), Err(ContentError::UnreadablePdf));
    }
}
