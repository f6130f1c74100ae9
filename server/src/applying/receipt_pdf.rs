//! 申办回执 PDF — the receipt as a printable A4 page: application and case numbers, items,
//! materials received, promised limits, and a QR code that opens the case's progress page; and
//! the notices of decisions on a case (受理、不予受理、补正、办结), printed the same way.
//! Chinese renders with an embedded, subset CJK font (Noto Sans CJK SC from Debian's
//! fonts-noto-cjk by default).

use std::sync::OnceLock;

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use qrcode::{Color, QrCode};
use shared::application::{ApplicationReceipt, MaterialSource};
use shared::catalogue::LimitKind;

use super::error::ApplyingError;

/// A4 in points.
const PAGE: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 48.0;

/// The receipt font, read once from the configured file.
static FONT: OnceLock<Option<Font>> = OnceLock::new();

fn font(path: &std::path::Path, index: u32) -> Result<Font, ApplyingError> {
    FONT.get_or_init(|| {
        let data = std::fs::read(path)
            .map_err(|e| tracing::error!(path = %path.display(), error = %e, "receipt font unreadable"))
            .ok()?;
        Font::new(data.into(), index)
    })
    .clone()
    .ok_or(ApplyingError::ReceiptUnavailable)
}

struct Writer<'a, 'b> {
    surface: &'a mut Surface<'b>,
    font: Font,
    y: f32,
}

/// The width a character takes, roughly: a full em for CJK and other wide characters, a bit
/// over half for Latin letters and digits.
fn advance(c: char, size: f32) -> f32 {
    if (c as u32) >= 0x2E80 { size } else { size * 0.56 }
}

/// Breaks text into lines no wider than `width`, at spaces where it can, anywhere in CJK text.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let (mut line, mut used) = (String::new(), 0.0);
    let mut last_space: Option<usize> = None;
    for c in text.chars() {
        let w = advance(c, size);
        if used + w > width && !line.is_empty() {
            match last_space.filter(|&i| i > 0) {
                Some(i) => {
                    let rest = line.split_off(i);
                    lines.push(line.trim_end().to_owned());
                    line = rest.trim_start().to_owned();
                }
                None => lines.push(std::mem::take(&mut line)),
            }
            used = line.chars().map(|c| advance(c, size)).sum();
            last_space = None;
        }
        if c == ' ' {
            last_space = Some(line.len());
        }
        line.push(c);
        used += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

impl Writer<'_, '_> {
    fn line(&mut self, size: f32, text: &str) {
        for part in wrap(text, size, PAGE.0 - 2.0 * MARGIN) {
            self.y += size * 1.5;
            let at = Point::from_xy(MARGIN, self.y);
            self.surface.draw_text(at, self.font.clone(), size, &part, false, TextDirection::Auto);
        }
    }

    fn gap(&mut self, by: f32) {
        self.y += by;
    }
}

/// The progress page a case's QR code opens.
pub fn progress_url(public_url: &str, case_no: &str) -> String {
    format!("{}/progress?case={case_no}", public_url.trim_end_matches('/'))
}

/// Renders a receipt as a PDF.
pub fn render(
    receipt: &ApplicationReceipt,
    public_url: &str,
    font_path: &std::path::Path,
    font_index: u32,
) -> Result<Vec<u8>, ApplyingError> {
    let title = format!("申办回执 {}", receipt.application_no);
    one_page(&title, font_path, font_index, |w| {
        w.line(20.0, "一网通办 · 申办回执");
        w.line(10.0, "Yiwang one-stop government services · Application receipt");
        w.gap(8.0);
        let shanghai = receipt.submitted_at.with_timezone(&chrono_tz::Asia::Shanghai);
        w.line(12.0, &format!("申办编号 Application no.: {}", receipt.application_no));
        w.line(12.0, &format!("提交时间 Submitted: {}", shanghai.format("%Y-%m-%d %H:%M（北京时间）")));
        w.line(12.0, &format!("申请人 Applicant: {}  {}", receipt.applicant_name, receipt.applicant_identifier));
        if let Some(by) = &receipt.filed_by {
            w.line(12.0, &format!("经办人 Filed by: {by}"));
        }
        w.gap(10.0);
        w.line(14.0, "办件 Cases");
        for case in &receipt.cases {
            let limit = match case.limit_kind {
                LimitKind::Instant => "即办件 same day".to_owned(),
                LimitKind::Promised => format!(
                    "承诺{}个工作日办结 within {} working days",
                    case.promised_working_days, case.promised_working_days
                ),
            };
            w.line(11.0, &format!("{}  {}", case.case_no, case.item_name.zh));
            w.line(
                9.0,
                &format!(
                    "    {} · {} · {}{}",
                    case.item_name.en,
                    case.department.zh,
                    limit,
                    if case.pledged { " · 告知承诺" } else { "" }
                ),
            );
        }
        w.gap(10.0);
        w.line(14.0, "已收材料 Materials received");
        for m in &receipt.materials {
            let how = match m.source {
                MaterialSource::Library => "电子证照调用 from the e-license library".to_owned(),
                MaterialSource::Upload => format!("上传 {} 个文件 {} file(s) uploaded", m.files, m.files),
                MaterialSource::Pledge => "告知承诺书已签署 pledge signed".to_owned(),
                MaterialSource::Authorization => "经办人授权已登记 agent's authorization on record".to_owned(),
                MaterialSource::Issued => "由本次登记核发 issued by this application's registration".to_owned(),
            };
            w.line(10.0, &format!("· {} — {how}", m.name.zh));
        }
        w.gap(14.0);
        w.line(10.0, "扫描二维码或凭办件编号与身份证号码查询办理进度。");
        w.line(9.0, "Scan the QR code, or look up progress with the case number and your identity number.");
        let top = w.y + 12.0;
        if let Some(first) = receipt.cases.first() {
            draw_qr(w.surface, &progress_url(public_url, &first.case_no), MARGIN, top, 120.0)?;
        }
        Ok(())
    })
}

/// One A4 page titled `title`, drawn by `draw` with the configured font.
fn one_page(
    title: &str,
    font_path: &std::path::Path,
    font_index: u32,
    draw: impl FnOnce(&mut Writer<'_, '_>) -> Result<(), ApplyingError>,
) -> Result<Vec<u8>, ApplyingError> {
    let font = font(font_path, font_index)?;
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(title.to_owned()));
    let size = Size::from_wh(PAGE.0, PAGE.1).ok_or_else(|| anyhow::anyhow!("page size"))?;
    let mut page = document.start_page_with(PageSettings::new(size));
    let mut surface = page.surface();
    draw(&mut Writer { surface: &mut surface, font, y: MARGIN })?;
    surface.finish();
    page.finish();
    document.finish().map_err(|e| ApplyingError::Internal(anyhow::anyhow!("PDF: {e:?}")))
}

/// Renders a notice (受理通知书, 不予受理通知书, 补正材料告知书, 办结通知) as a PDF with the
/// case number and a QR code to its progress page.
pub fn render_notice(
    notice: &shared::case::Notice,
    public_url: &str,
    font_path: &std::path::Path,
    font_index: u32,
) -> Result<Vec<u8>, ApplyingError> {
    let title = notice.kind.title();
    one_page(&format!("{} {}", title.zh, notice.case_no), font_path, font_index, |w| {
        w.line(20.0, &format!("{} · {}", notice.department.zh, title.zh));
        w.line(10.0, &format!("{} · {}", notice.department.en, title.en));
        w.gap(8.0);
        let shanghai = notice.at.with_timezone(&chrono_tz::Asia::Shanghai);
        w.line(12.0, &format!("办件编号 Case no.: {}", notice.case_no));
        w.line(12.0, &format!("申办编号 Application no.: {}", notice.application_no));
        w.line(12.0, &format!("申请人 Applicant: {}", notice.applicant_name));
        w.line(12.0, &format!("事项 Item: {} {}", notice.item_name.zh, notice.item_name.en));
        w.line(12.0, &format!("日期 Date: {}", shanghai.format("%Y-%m-%d %H:%M（北京时间）")));
        w.gap(10.0);
        w.line(12.0, &notice.body.zh);
        w.line(10.0, &notice.body.en);
        if let Some(reason) = &notice.reason {
            w.gap(6.0);
            w.line(12.0, &format!("理由 Reason: {reason}"));
        }
        for (i, m) in notice.materials.iter().enumerate() {
            w.line(11.0, &format!("{}. {} {} — {}", i + 1, m.name.zh, m.name.en, m.reason));
        }
        w.gap(14.0);
        w.line(10.0, "扫描二维码查询办理进度。 Scan the QR code to follow the case.");
        let top = w.y + 12.0;
        draw_qr(w.surface, &progress_url(public_url, &notice.case_no), MARGIN, top, 120.0)
    })
}

/// Draws a QR code of `text` as black squares, `side` points wide, with its top left at (x, y).
fn draw_qr(surface: &mut Surface<'_>, text: &str, x: f32, y: f32, side: f32) -> Result<(), ApplyingError> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| anyhow::anyhow!("QR: {e}"))?;
    let width = code.width();
    let quiet = 4.0;
    let module = side / (width as f32 + 2.0 * quiet);
    let mut pb = PathBuilder::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (col, row) = ((i % width) as f32, (i / width) as f32);
            if let Some(rect) = Rect::from_xywh(x + (col + quiet) * module, y + (row + quiet) * module, module, module)
            {
                pb.push_rect(rect);
            }
        }
    }
    if let Some(path) = pb.finish() {
        surface.draw_path(&path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_lines_wrap_at_spaces_and_anywhere_in_chinese() {
        let lines = wrap("Application for an Employment and Entrepreneurship Certificate", 10.0, 150.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| !l.starts_with(' ') && !l.ends_with(' ')));
        assert_eq!(lines.join(" "), "Application for an Employment and Entrepreneurship Certificate");
        let chinese = wrap(&"东".repeat(30), 10.0, 100.0);
        assert_eq!(chinese.iter().map(|l| l.chars().count()).collect::<Vec<_>>(), [10, 10, 10]);
    }
}
