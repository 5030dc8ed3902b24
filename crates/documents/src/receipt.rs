//! The submission receipt of an application (*ricevuta di presentazione*) as a PDF.
//!
//! [`render`] lays out a [`Receipt`] on A4 pages with the standard Helvetica fonts in
//! WinAnsiEncoding (so Italian accented letters extract correctly with any text extractor), and
//! writes a **tagged** PDF: a structure tree (Document → H1, P, H2, Table → TR → TH/TD), document
//! language `it-IT`, title in the metadata shown by viewers (`DisplayDocTitle`), tab order by
//! structure, and everything that is not content (rules, page numbers, the repeated table header on
//! continuation pages) marked as an artifact. The worker table continues over as many pages as
//! needed, repeating its header. Output is deterministic: the same receipt gives the same bytes.
//!
//! What keeps it from claiming PDF/UA-1 conformance: the standard fonts are not embedded, and there
//! is no XMP metadata stream with the `pdfuaid` identifier (see the crate README).

use chrono::NaiveDate;
use pdf_writer::types::{ArtifactSubtype, ArtifactType, StructRole, TabOrder, TableHeaderScope};
use pdf_writer::writers::StructTreeRoot;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use rust_decimal::Decimal;

use crate::text::{self, Font};

/// Everything printed on the receipt, as display values: the services layer fills it from the
/// submitted snapshot. Strings are printed as given (trimmed of nothing, escaped for PDF).
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    /// Protocol number assigned at submission, e.g. `INPS.0100.2026.0001234`.
    pub protocol_number: String,
    /// Ticket of the application.
    pub ticket: String,
    /// Submission timestamp, already in Italian time and format, e.g. `12/03/2026 alle 10:15:02`.
    pub submitted_at: String,
    /// Employer's name (*ragione sociale*).
    pub employer_name: String,
    /// Employer's codice fiscale.
    pub employer_tax_code: String,
    /// Name of the production unit (*unità produttiva*).
    pub unit_name: String,
    /// Address of the production unit.
    pub unit_address: String,
    /// The benefit, e.g. `CIGO – Cassa integrazione guadagni ordinaria (industria)`.
    pub benefit: String,
    /// The causale, e.g. `Mancanza di lavoro o di commesse`.
    pub causale: String,
    /// First request or extension, e.g. `Prima richiesta` or `Proroga della domanda …`.
    pub request_kind: String,
    /// First day of the requested period.
    pub period_start: NaiveDate,
    /// Last day of the requested period.
    pub period_end: NaiveDate,
    /// `Sospensione a zero ore` or `Riduzione dell'orario di lavoro` (or both, as text).
    pub reduction: String,
    /// Payment mode, e.g. `Conguaglio` or `Pagamento diretto`.
    pub payment_mode: String,
    /// Whether the quantities are hours or whole days (CISOA).
    pub unit: QuantityUnit,
    /// The workers, in the order to print them.
    pub workers: Vec<ReceiptWorker>,
    /// Further labelled values printed under the request (e.g. `Data inizio effettivo`,
    /// `Sede INPS competente`), in order.
    pub extra: Vec<(String, String)>,
    /// Text of the footer on every page, e.g. what the receipt certifies and where to check it.
    pub footer: String,
}

/// One worker line of the receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptWorker {
    /// Worker's codice fiscale.
    pub tax_code: String,
    /// Surname and name, as printed.
    pub name: String,
    /// Hours (or days, see [`Receipt::unit`]) requested for this worker.
    pub requested: Decimal,
}

/// What the requested quantities count: the domain's unit (R-LIM-9: hours, whole days for
/// CISOA), re-exported so that callers of the receipt need no other import.
pub use omnia_domain::quantity::QuantityUnit;

fn column_header(unit: QuantityUnit) -> &'static str {
    match unit {
        QuantityUnit::Hours => "Ore richieste",
        QuantityUnit::Days => "Giornate richieste",
    }
}

/// Title of the document, in the metadata and as the H1.
pub const TITLE: &str = "Ricevuta di presentazione della domanda";

/// Formats a date the Italian way, `dd/mm/yyyy`.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Formats a quantity the Italian way: `.` groups thousands, `,` separates decimals, no trailing zeros.
pub fn format_quantity(q: Decimal) -> String {
    let s = q.normalize().to_string();
    let (sign, s) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.as_str()),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

impl Receipt {
    /// The requested period as printed, `dal 02/03/2026 al 28/03/2026`.
    pub fn period_text(&self) -> String {
        format!(
            "dal {} al {}",
            format_date(self.period_start),
            format_date(self.period_end)
        )
    }

    /// Sum of the requested quantities.
    pub fn total_requested(&self) -> Decimal {
        self.workers.iter().map(|w| w.requested).sum()
    }
}

// --- Page geometry (points; A4 portrait) -------------------------------------------------------

const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 56.7;
const TOP: f32 = PAGE_H - 56.7;
/// Lowest baseline for content; below it sit the footer and the page number.
const BOTTOM: f32 = 84.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

const BLUE: (f32, f32, f32) = (0.0, 0.4, 0.8);
const DARK: (f32, f32, f32) = (0.1, 0.1, 0.1);
const GREY: (f32, f32, f32) = (0.33, 0.33, 0.33);

const BODY: f32 = 10.0;
const LEADING: f32 = 13.0;
const CELL_PAD: f32 = 4.0;

// --- Structure tree built while laying out --------------------------------------------------------

enum Kid {
    Node(usize),
    Mc { page: usize, mcid: i32 },
}

struct Node {
    role: StructRole,
    parent: Option<usize>,
    kids: Vec<Kid>,
    scope: Option<TableHeaderScope>,
}

struct PageBuf {
    content: Content,
    /// The structure node owning each marked-content id, indexed by MCID (the page's parent tree entry).
    owners: Vec<usize>,
}

struct Layout {
    nodes: Vec<Node>,
    pages: Vec<PageBuf>,
    /// Baseline of the next line on the current page.
    y: f32,
    protocol: String,
}

impl Layout {
    fn new(protocol: &str) -> Self {
        let mut l = Layout {
            nodes: vec![Node {
                role: StructRole::Document,
                parent: None,
                kids: Vec::new(),
                scope: None,
            }],
            pages: Vec::new(),
            y: TOP,
            protocol: protocol.to_string(),
        };
        l.new_page();
        l
    }

    fn node(&mut self, parent: usize, role: StructRole) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node {
            role,
            parent: Some(parent),
            kids: Vec::new(),
            scope: None,
        });
        self.nodes[parent].kids.push(Kid::Node(id));
        id
    }

    fn header_cell(&mut self, parent: usize, scope: TableHeaderScope) -> usize {
        let id = self.node(parent, StructRole::TH);
        self.nodes[id].scope = Some(scope);
        id
    }

    fn new_page(&mut self) {
        self.pages.push(PageBuf {
            content: Content::new(),
            owners: Vec::new(),
        });
        self.y = TOP;
        if self.pages.len() > 1 {
            // Running head on continuation pages, so every page names its receipt.
            let head = format!("{TITLE} – protocollo {}", self.protocol);
            self.artifact_text(MARGIN_X, TOP, Font::Regular, 8.0, GREY, &head);
            self.artifact_rule(MARGIN_X, TOP - 5.0, PAGE_W - MARGIN_X, 0.5, GREY);
            self.y = TOP - 24.0;
        }
    }

    /// Starts a new page unless `height` points still fit above the bottom margin.
    /// Returns whether a page was started.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y - height < BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn page(&mut self) -> &mut PageBuf {
        self.pages.last_mut().expect("layout always has a page")
    }

    fn show(
        content: &mut Content,
        x: f32,
        y: f32,
        font: Font,
        size: f32,
        color: (f32, f32, f32),
        s: &str,
    ) {
        let bytes = text::encode(s);
        content
            .begin_text()
            .set_font(Name(font.resource_name()), size)
            .set_fill_rgb(color.0, color.1, color.2)
            .next_line(x, y)
            .show(Str(&bytes))
            .end_text();
    }

    /// Tagged text: a marked-content sequence owned by structure node `node`.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        node: usize,
        x: f32,
        y: f32,
        font: Font,
        size: f32,
        color: (f32, f32, f32),
        s: &str,
    ) {
        let page_index = self.pages.len() - 1;
        let role = self.nodes[node].role;
        let page = self.page();
        let mcid = page.owners.len() as i32;
        page.owners.push(node);
        page.content
            .begin_marked_content_with_properties(role.to_name())
            .properties()
            .identify(mcid);
        Self::show(&mut page.content, x, y, font, size, color, s);
        page.content.end_marked_content();
        self.nodes[node].kids.push(Kid::Mc {
            page: page_index,
            mcid,
        });
    }

    fn artifact_text(
        &mut self,
        x: f32,
        y: f32,
        font: Font,
        size: f32,
        color: (f32, f32, f32),
        s: &str,
    ) {
        let page = self.page();
        page.content
            .begin_marked_content_with_properties(Name(b"Artifact"))
            .properties()
            .artifact()
            .kind(ArtifactType::Pagination);
        Self::show(&mut page.content, x, y, font, size, color, s);
        page.content.end_marked_content();
    }

    fn artifact_rule(&mut self, x1: f32, y: f32, x2: f32, width: f32, color: (f32, f32, f32)) {
        let c = &mut self.page().content;
        c.begin_marked_content(Name(b"Artifact"))
            .save_state()
            .set_stroke_rgb(color.0, color.1, color.2)
            .set_line_width(width)
            .move_to(x1, y)
            .line_to(x2, y)
            .stroke()
            .restore_state()
            .end_marked_content();
    }

    fn artifact_fill(&mut self, x: f32, y: f32, w: f32, h: f32, gray: f32) {
        let c = &mut self.page().content;
        c.begin_marked_content(Name(b"Artifact"))
            .save_state()
            .set_fill_gray(gray)
            .rect(x, y, w, h)
            .fill_nonzero()
            .restore_state()
            .end_marked_content();
    }

    /// A tagged paragraph (or heading) wrapped to the content width.
    fn paragraph(
        &mut self,
        role: StructRole,
        font: Font,
        size: f32,
        color: (f32, f32, f32),
        s: &str,
        after: f32,
    ) {
        let node = self.node(0, role);
        let leading = size * 1.3;
        for line in text::wrap(font, size, s, CONTENT_W) {
            self.ensure(leading);
            self.y -= size;
            let y = self.y;
            self.text(node, MARGIN_X, y, font, size, color, &line);
            self.y -= leading - size;
        }
        self.y -= after;
    }

    fn heading(&mut self, s: &str) {
        // Keep a heading with at least two lines of what follows.
        self.ensure(14.0 + 8.0 + 3.0 * LEADING);
        self.paragraph(StructRole::H2, Font::Bold, 12.0, BLUE, s, 2.0);
        let y = self.y;
        self.artifact_rule(MARGIN_X, y, PAGE_W - MARGIN_X, 0.8, BLUE);
        self.y -= 4.0;
    }

    /// A two-column table of labels (row headers) and values.
    fn key_values(&mut self, rows: &[(&str, &str)]) {
        const LABEL_W: f32 = 165.0;
        let value_w = CONTENT_W - LABEL_W - 2.0 * CELL_PAD;
        let table = self.node(0, StructRole::Table);
        for (label, value) in rows {
            let label_lines = text::wrap(Font::Bold, BODY, label, LABEL_W - 2.0 * CELL_PAD);
            let value_lines = text::wrap(Font::Regular, BODY, value, value_w);
            let lines = label_lines.len().max(value_lines.len());
            let height = lines as f32 * LEADING + CELL_PAD;
            self.ensure(height);
            let tr = self.node(table, StructRole::TR);
            let th = self.header_cell(tr, TableHeaderScope::Row);
            let td = self.node(tr, StructRole::TD);
            let top = self.y;
            for (i, line) in label_lines.iter().enumerate() {
                let y = top - BODY - i as f32 * LEADING;
                self.text(th, MARGIN_X, y, Font::Bold, BODY, GREY, line);
            }
            for (i, line) in value_lines.iter().enumerate() {
                let y = top - BODY - i as f32 * LEADING;
                self.text(td, MARGIN_X + LABEL_W, y, Font::Regular, BODY, DARK, line);
            }
            self.y = top - height;
        }
        self.y -= 10.0;
    }
}

// --- Worker table ----------------------------------------------------------------------------

/// Columns: number, codice fiscale, name, quantity (right-aligned).
const COL_X: [f32; 4] = [
    MARGIN_X,
    MARGIN_X + 34.0,
    MARGIN_X + 160.0,
    PAGE_W - MARGIN_X - 95.0,
];
const COL_RIGHT: f32 = PAGE_W - MARGIN_X - CELL_PAD;

fn worker_table(l: &mut Layout, r: &Receipt) {
    let headers = [
        "N.",
        "Codice fiscale",
        "Cognome e nome",
        column_header(r.unit),
    ];
    let table = l.node(0, StructRole::Table);
    let thead = l.node(table, StructRole::THead);
    let tbody = l.node(table, StructRole::TBody);
    let tfoot = l.node(table, StructRole::TFoot);
    let header_h = LEADING + CELL_PAD * 2.0;

    let draw_header = |l: &mut Layout, tagged: bool| {
        let top = l.y;
        l.artifact_fill(MARGIN_X, top - header_h, CONTENT_W, header_h, 0.9);
        let y = top - CELL_PAD - BODY;
        let tr = if tagged {
            Some(l.node(thead, StructRole::TR))
        } else {
            None
        };
        for (i, h) in headers.iter().enumerate() {
            let x = if i == 3 {
                COL_RIGHT - text::width(Font::Bold, BODY, h)
            } else {
                COL_X[i] + CELL_PAD
            };
            match tr {
                Some(tr) => {
                    let th = l.header_cell(tr, TableHeaderScope::Column);
                    l.text(th, x, y, Font::Bold, BODY, DARK, h);
                }
                // The header repeated on a continuation page is not content a second time.
                None => l.artifact_text(x, y, Font::Bold, BODY, DARK, h),
            }
        }
        l.y = top - header_h;
    };

    l.ensure(header_h + 2.0 * LEADING);
    draw_header(l, true);

    let name_w = COL_X[3] - COL_X[2] - 2.0 * CELL_PAD;
    for (n, w) in r.workers.iter().enumerate() {
        let name_lines = text::wrap(Font::Regular, BODY, &w.name, name_w);
        let height = name_lines.len() as f32 * LEADING + CELL_PAD;
        if l.ensure(height) {
            l.artifact_text(
                MARGIN_X,
                l.y - 10.0,
                Font::Regular,
                9.0,
                GREY,
                "Lavoratori interessati (continua)",
            );
            l.y -= 16.0;
            draw_header(l, false);
        }
        let top = l.y;
        let y = top - CELL_PAD - BODY + 2.0;
        let tr = l.node(tbody, StructRole::TR);
        let number = (n + 1).to_string();
        let qty = format_quantity(w.requested);
        let td = l.node(tr, StructRole::TD);
        l.text(
            td,
            COL_X[0] + CELL_PAD,
            y,
            Font::Regular,
            BODY,
            GREY,
            &number,
        );
        let td = l.node(tr, StructRole::TD);
        l.text(
            td,
            COL_X[1] + CELL_PAD,
            y,
            Font::Regular,
            BODY,
            DARK,
            &w.tax_code,
        );
        let td = l.node(tr, StructRole::TD);
        for (i, line) in name_lines.iter().enumerate() {
            l.text(
                td,
                COL_X[2] + CELL_PAD,
                y - i as f32 * LEADING,
                Font::Regular,
                BODY,
                DARK,
                line,
            );
        }
        let td = l.node(tr, StructRole::TD);
        let x = COL_RIGHT - text::width(Font::Regular, BODY, &qty);
        l.text(td, x, y, Font::Regular, BODY, DARK, &qty);
        l.y = top - height;
        l.artifact_rule(MARGIN_X, l.y, PAGE_W - MARGIN_X, 0.3, (0.75, 0.75, 0.75));
    }

    // Total row.
    l.ensure(header_h);
    let top = l.y;
    l.artifact_fill(MARGIN_X, top - header_h, CONTENT_W, header_h, 0.9);
    let y = top - CELL_PAD - BODY;
    let tr = l.node(tfoot, StructRole::TR);
    let th = l.header_cell(tr, TableHeaderScope::Row);
    let label = format!("Totale ({} lavoratori)", r.workers.len());
    l.text(th, COL_X[1] + CELL_PAD, y, Font::Bold, BODY, DARK, &label);
    let td = l.node(tr, StructRole::TD);
    let total = format_quantity(r.total_requested());
    let x = COL_RIGHT - text::width(Font::Bold, BODY, &total);
    l.text(td, x, y, Font::Bold, BODY, DARK, &total);
    l.y = top - header_h - 14.0;
}

// --- Rendering -------------------------------------------------------------------------------

/// Renders the receipt as a PDF (A4, tagged, language `it-IT`).
pub fn render(r: &Receipt) -> Vec<u8> {
    let mut l = Layout::new(&r.protocol_number);

    l.paragraph(StructRole::H1, Font::Bold, 17.0, BLUE, TITLE, 4.0);
    l.paragraph(
        StructRole::P,
        Font::Regular,
        BODY,
        DARK,
        &format!(
            "La domanda di {} è stata presentata il {} con il numero di protocollo {}.",
            r.benefit, r.submitted_at, r.protocol_number
        ),
        12.0,
    );

    l.heading("Estremi della presentazione");
    l.key_values(&[
        ("Numero di protocollo", &r.protocol_number),
        ("Ticket", &r.ticket),
        ("Data e ora di presentazione", &r.submitted_at),
    ]);

    l.heading("Datore di lavoro e unità produttiva");
    l.key_values(&[
        ("Datore di lavoro", &r.employer_name),
        ("Codice fiscale", &r.employer_tax_code),
        ("Unità produttiva", &r.unit_name),
        ("Indirizzo dell'unità produttiva", &r.unit_address),
    ]);

    l.heading("Prestazione richiesta");
    let period = r.period_text();
    let mut rows: Vec<(&str, &str)> = vec![
        ("Prestazione", &r.benefit),
        ("Causale", &r.causale),
        ("Tipo di richiesta", &r.request_kind),
        ("Periodo richiesto", &period),
        ("Sospensione o riduzione", &r.reduction),
        ("Modalità di pagamento", &r.payment_mode),
    ];
    rows.extend(r.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    l.key_values(&rows);

    l.heading(&format!("Lavoratori interessati ({})", r.workers.len()));
    worker_table(&mut l, r);

    finish(l, r)
}

fn finish(mut l: Layout, r: &Receipt) -> Vec<u8> {
    // Footer and page numbers, now that the page count is known.
    let total = l.pages.len();
    for i in 0..total {
        let footer_lines = text::wrap(Font::Regular, 7.5, &r.footer, CONTENT_W - 70.0);
        let page = &mut l.pages[i];
        page.content
            .begin_marked_content_with_properties(Name(b"Artifact"))
            .properties()
            .artifact()
            .kind(ArtifactType::Pagination)
            .subtype(ArtifactSubtype::Footer);
        page.content
            .save_state()
            .set_stroke_rgb(GREY.0, GREY.1, GREY.2)
            .set_line_width(0.5)
            .move_to(MARGIN_X, 62.0)
            .line_to(PAGE_W - MARGIN_X, 62.0)
            .stroke()
            .restore_state();
        for (n, line) in footer_lines.iter().take(4).enumerate() {
            Layout::show(
                &mut page.content,
                MARGIN_X,
                52.0 - n as f32 * 9.5,
                Font::Regular,
                7.5,
                GREY,
                line,
            );
        }
        let number = format!("Pagina {} di {}", i + 1, total);
        let x = PAGE_W - MARGIN_X - text::width(Font::Regular, 7.5, &number);
        Layout::show(
            &mut page.content,
            x,
            52.0,
            Font::Regular,
            7.5,
            GREY,
            &number,
        );
        page.content.end_marked_content();
    }

    // Object numbers.
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let info_id = Ref::new(3);
    let struct_root_id = Ref::new(4);
    let regular_id = Ref::new(5);
    let bold_id = Ref::new(6);
    let first_page = 7;
    let page_ref = |i: usize| Ref::new(first_page + 3 * i as i32);
    let content_ref = |i: usize| Ref::new(first_page + 3 * i as i32 + 1);
    let parents_ref = |i: usize| Ref::new(first_page + 3 * i as i32 + 2);
    let first_node = first_page + 3 * total as i32;
    let node_ref = |n: usize| Ref::new(first_node + n as i32);

    let mut pdf = Pdf::new();
    {
        let mut catalog = pdf.catalog(catalog_id);
        catalog.pages(tree_id);
        catalog.lang(TextStr("it-IT"));
        catalog.viewer_preferences().display_doc_title(true);
        catalog.mark_info().marked(true);
        catalog.pair(Name(b"StructTreeRoot"), struct_root_id);
    }
    pdf.document_info(info_id)
        .title(TextStr(TITLE))
        .subject(TextStr(&format!(
            "Protocollo {} – ticket {} – {}",
            r.protocol_number, r.ticket, r.employer_name
        )))
        .author(TextStr("INPS"))
        .creator(TextStr("omnia"))
        .producer(TextStr("omnia-documents (pdf-writer)"));
    pdf.type1_font(regular_id)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold_id)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.pages(tree_id)
        .kids((0..total).map(page_ref))
        .count(total as i32);

    for (i, page) in l.pages.into_iter().enumerate() {
        {
            let mut p = pdf.page(page_ref(i));
            p.parent(tree_id)
                .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
                .contents(content_ref(i))
                .struct_parents(i as i32)
                .tab_order(TabOrder::StructureOrder);
            p.resources()
                .fonts()
                .pair(Name(b"F1"), regular_id)
                .pair(Name(b"F2"), bold_id);
        }
        let data = page.content.finish();
        pdf.stream(content_ref(i), data.as_slice());
        pdf.indirect(parents_ref(i))
            .array()
            .items(page.owners.iter().map(|&n| node_ref(n)));
    }

    {
        let mut root = pdf.indirect(struct_root_id).start::<StructTreeRoot>();
        root.child(node_ref(0));
        let mut tree = root.parent_tree();
        let mut nums = tree.nums();
        for i in 0..total {
            nums.insert(i as i32, parents_ref(i));
        }
        nums.finish();
        tree.finish();
        root.parent_tree_next_key(total as i32);
    }

    for (n, node) in l.nodes.iter().enumerate() {
        let mut e = pdf.struct_element(node_ref(n));
        e.kind(node.role);
        e.parent(node.parent.map_or(struct_root_id, node_ref));
        if node.role == StructRole::Document {
            e.lang(TextStr("it-IT"));
            e.title(TextStr(TITLE));
        }
        if let Some(scope) = node.scope {
            e.attributes().push().table().scope(scope);
        }
        let mut kids = e.children();
        for kid in &node.kids {
            match *kid {
                Kid::Node(k) => {
                    kids.struct_element(node_ref(k));
                }
                Kid::Mc { page, mcid } => {
                    kids.marked_content_ref()
                        .marked_content_id(mcid)
                        .page(page_ref(page));
                }
            }
        }
    }

    pdf.finish()
}
